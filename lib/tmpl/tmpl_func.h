/* SPDX-License-Identifier: MIT */
/*
 * The template functions implemented outside tmpl_func.c, and the
 * argument helpers they share.  Internal to the template engine.
 */
#ifndef TMPL_FUNC_H
#define TMPL_FUNC_H

#include "tmpl_int.h"

#define TMPL_FN(name)                                                 \
	int name(struct tmpl_exec *x, struct tmpl_value *a, size_t n, \
	    struct tmpl_value *r)

/* tmpl_builtin.c */
TMPL_FN(fn_not);
TMPL_FN(fn_eq);
TMPL_FN(fn_ne);
TMPL_FN(fn_lt);
TMPL_FN(fn_le);
TMPL_FN(fn_gt);
TMPL_FN(fn_ge);
TMPL_FN(fn_len);
TMPL_FN(fn_index);
TMPL_FN(fn_print);
TMPL_FN(fn_println);
TMPL_FN(fn_printf);
TMPL_FN(fn_lazy);
/* tmpl_helper.c */
TMPL_FN(fn_in);
TMPL_FN(fn_contains);
TMPL_FN(fn_contains_all);
TMPL_FN(fn_contains_any);
TMPL_FN(fn_contains_none);
TMPL_FN(fn_contains_notall);
TMPL_FN(fn_join);
TMPL_FN(fn_split);
TMPL_FN(fn_replace_all);
TMPL_FN(fn_to_lower);
TMPL_FN(fn_to_upper);
TMPL_FN(fn_to_title);
TMPL_FN(fn_trim_space);
TMPL_FN(fn_trim);
TMPL_FN(fn_trim_prefix);
TMPL_FN(fn_trim_suffix);
TMPL_FN(fn_indent);
TMPL_FN(fn_parse_json);
TMPL_FN(fn_to_json);
TMPL_FN(fn_to_json_pretty);
TMPL_FN(fn_to_ujson);
TMPL_FN(fn_to_ujson_pretty);
TMPL_FN(fn_parse_int);
TMPL_FN(fn_parse_uint);
TMPL_FN(fn_parse_float);
TMPL_FN(fn_parse_bool);
TMPL_FN(fn_add);
TMPL_FN(fn_subtract);
TMPL_FN(fn_multiply);
TMPL_FN(fn_divide);
TMPL_FN(fn_modulo);
TMPL_FN(fn_minimum);
TMPL_FN(fn_maximum);
TMPL_FN(fn_loop);
/* tmpl_eval.c */
TMPL_FN(fn_execute_template);
/* tmpl_consul.c */
TMPL_FN(fn_service);
TMPL_FN(fn_connect);
TMPL_FN(fn_services);
TMPL_FN(fn_key);
TMPL_FN(fn_key_exists);
TMPL_FN(fn_key_or_default);
TMPL_FN(fn_ls);
TMPL_FN(fn_safe_ls);
TMPL_FN(fn_tree);
TMPL_FN(fn_safe_tree);
TMPL_FN(fn_node);
TMPL_FN(fn_nodes);
TMPL_FN(fn_by_tag);
TMPL_FN(fn_by_key);
TMPL_FN(fn_by_port);
TMPL_FN(fn_explode);
TMPL_FN(fn_explode_map);
TMPL_FN(fn_merge_map);
TMPL_FN(fn_merge_map_override);
TMPL_FN(fn_by_meta);
/* tmpl_local.c */
TMPL_FN(fn_env);
TMPL_FN(fn_env_or_default);
TMPL_FN(fn_must_env);
TMPL_FN(fn_file);
TMPL_FN(fn_scratch);
TMPL_FN(fn_timestamp);
/*
 * Calls the method name of the scratch object with args[0..nargs): Key,
 * Get, Set, SetX, MapSet, MapSetX, MapValues.
 */
int tmpl_local_scratch_method(struct tmpl_exec *x, const char *name,
    struct tmpl_value *args, size_t nargs, struct tmpl_value *ret);
/* tmpl_codec.c */
/*
 * Strict padded base64 of s (len bytes) into out (room for len bytes),
 * its length in *outlen; -1 for bad data.  url: the URL alphabet.
 */
int tmpl_codec_base64_decode(const char *s, size_t len, bool url, char *out,
    size_t *outlen);
TMPL_FN(fn_base64_encode);
TMPL_FN(fn_base64_decode);
TMPL_FN(fn_base64url_encode);
TMPL_FN(fn_base64url_decode);
TMPL_FN(fn_sha256_hex);
TMPL_FN(fn_md5sum);
TMPL_FN(fn_hmac_sha256_hex);
/* tmpl_regex.c */
/* Frees a template's compiled patterns; NULL is accepted. */
void tmpl_regex_cache_free(struct tmpl_regex_cache *cache);
TMPL_FN(fn_regex_match);
TMPL_FN(fn_regex_replace_all);

#endif
