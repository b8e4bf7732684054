/* SPDX-License-Identifier: MIT */
/*
 * The template functions implemented outside tmpl_func.c, and the
 * argument helpers they share.  Internal to the template engine.
 */
#ifndef TMPL_FUNC_H
#define TMPL_FUNC_H

#include "tmpl_int.h"

int arg_str(struct exec *x, const struct tv *args, size_t i, const char **s,
    size_t *len);
int arg_int(struct exec *x, const struct tv *args, size_t i, int64_t *v);
struct tv str_new(struct exec *x, const char *s, size_t len);
struct tv str_from_buf(struct exec *x, struct buf *b);

#define TMPL_FN(name) \
	int name(struct exec *x, struct tv *a, size_t n, struct tv *r)

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
/* tmpl_codec.c */
/* Frees the compiled patterns cached in t. */
void regex_cache_clear(struct tmpl *t);
TMPL_FN(fn_regex_match);
TMPL_FN(fn_regex_replace_all);
TMPL_FN(fn_base64_encode);
TMPL_FN(fn_base64_decode);
TMPL_FN(fn_base64url_encode);
TMPL_FN(fn_base64url_decode);
TMPL_FN(fn_sha256_hex);
TMPL_FN(fn_md5sum);
TMPL_FN(fn_hmac_sha256_hex);

#endif
