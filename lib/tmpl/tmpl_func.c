/* SPDX-License-Identifier: MIT */
/*
 * The function registry: every template function by name, with its
 * arity, for the parser to resolve identifiers once.
 */
#include <string.h>

#include "tmpl_func.h"

const struct tmpl_func tmpl_funcs[] = {
	/* Go built-ins. */
	{ "and", fn_lazy, 1, -1, TMPL_FUNC_LAZY },
	{ "or", fn_lazy, 1, -1, TMPL_FUNC_LAZY },
	{ "not", fn_not, 1, 1, 0 },
	{ "eq", fn_eq, 2, -1, 0 },
	{ "ne", fn_ne, 2, 2, 0 },
	{ "lt", fn_lt, 2, 2, 0 },
	{ "le", fn_le, 2, 2, 0 },
	{ "gt", fn_gt, 2, 2, 0 },
	{ "ge", fn_ge, 2, 2, 0 },
	{ "len", fn_len, 1, 1, 0 },
	{ "index", fn_index, 1, -1, 0 },
	{ "print", fn_print, 0, -1, 0 },
	{ "printf", fn_printf, 1, -1, 0 },
	{ "println", fn_println, 0, -1, 0 },
	/* consul-template: Consul and local data (tmpl_consul.c). */
	{ "service", fn_service, 1, -1, 0 },
	{ "connect", fn_connect, 1, -1, 0 },
	{ "services", fn_services, 0, 1, 0 },
	{ "key", fn_key, 1, 1, 0 },
	{ "keyExists", fn_key_exists, 1, 1, 0 },
	{ "keyOrDefault", fn_key_or_default, 2, 2, 0 },
	{ "ls", fn_ls, 1, 1, 0 },
	{ "safeLs", fn_safe_ls, 1, 1, 0 },
	{ "tree", fn_tree, 1, 1, 0 },
	{ "safeTree", fn_safe_tree, 1, 1, 0 },
	{ "node", fn_node, 0, 1, 0 },
	{ "nodes", fn_nodes, 0, 1, 0 },
	{ "env", fn_env, 1, 1, 0 },
	{ "envOrDefault", fn_env_or_default, 2, 2, 0 },
	{ "mustEnv", fn_must_env, 1, 1, 0 },
	{ "file", fn_file, 1, 1, 0 },
	{ "byTag", fn_by_tag, 1, 1, 0 },
	{ "byKey", fn_by_key, 1, 1, 0 },
	{ "byPort", fn_by_port, 1, 1, 0 },
	{ "explode", fn_explode, 1, 1, 0 },
	{ "explodeMap", fn_explode_map, 1, 1, 0 },
	{ "mergeMap", fn_merge_map, 2, 2, 0 },
	{ "mergeMapWithOverride", fn_merge_map_override, 2, 2, 0 },
	{ "byMeta", fn_by_meta, 2, 2, 0 },
	{ "scratch", fn_scratch, 0, 0, 0 },
	{ "timestamp", fn_timestamp, 0, 1, 0 },
	/* consul-template: helpers. */
	{ "contains", fn_contains, 2, 2, 0 },
	{ "in", fn_in, 2, 2, 0 },
	{ "containsAll", fn_contains_all, 2, 2, 0 },
	{ "containsAny", fn_contains_any, 2, 2, 0 },
	{ "containsNone", fn_contains_none, 2, 2, 0 },
	{ "containsNotAll", fn_contains_notall, 2, 2, 0 },
	{ "join", fn_join, 2, 2, 0 },
	{ "split", fn_split, 2, 2, 0 },
	{ "replaceAll", fn_replace_all, 3, 3, 0 },
	{ "regexMatch", fn_regex_match, 2, 2, 0 },
	{ "regexReplaceAll", fn_regex_replace_all, 3, 3, 0 },
	{ "toLower", fn_to_lower, 1, 1, 0 },
	{ "toUpper", fn_to_upper, 1, 1, 0 },
	{ "toTitle", fn_to_title, 1, 1, 0 },
	{ "trimSpace", fn_trim_space, 1, 1, 0 },
	{ "trim", fn_trim, 2, 2, 0 },
	{ "trimPrefix", fn_trim_prefix, 2, 2, 0 },
	{ "trimSuffix", fn_trim_suffix, 2, 2, 0 },
	{ "indent", fn_indent, 2, 2, 0 },
	{ "parseJSON", fn_parse_json, 1, 1, 0 },
	{ "toJSON", fn_to_json, 1, 1, 0 },
	{ "toJSONPretty", fn_to_json_pretty, 1, 1, 0 },
	{ "toUnescapedJSON", fn_to_ujson, 1, 1, 0 },
	{ "toUnescapedJSONPretty", fn_to_ujson_pretty, 1, 1, 0 },
	{ "parseInt", fn_parse_int, 1, 1, 0 },
	{ "parseUint", fn_parse_uint, 1, 1, 0 },
	{ "parseFloat", fn_parse_float, 1, 1, 0 },
	{ "parseBool", fn_parse_bool, 1, 1, 0 },
	{ "add", fn_add, 2, 2, 0 },
	{ "subtract", fn_subtract, 2, 2, 0 },
	{ "multiply", fn_multiply, 2, 2, 0 },
	{ "divide", fn_divide, 2, 2, 0 },
	{ "modulo", fn_modulo, 2, 2, 0 },
	{ "minimum", fn_minimum, 2, 2, 0 },
	{ "maximum", fn_maximum, 2, 2, 0 },
	{ "loop", fn_loop, 1, 2, 0 },
	{ "executeTemplate", fn_execute_template, 1, 2, 0 },
	/* Encodings and hashes (tmpl_codec.c). */
	{ "base64Encode", fn_base64_encode, 1, 1, 0 },
	{ "base64Decode", fn_base64_decode, 1, 1, 0 },
	{ "base64URLEncode", fn_base64url_encode, 1, 1, 0 },
	{ "base64URLDecode", fn_base64url_decode, 1, 1, 0 },
	{ "sha256Hex", fn_sha256_hex, 1, 1, 0 },
	{ "md5sum", fn_md5sum, 1, 1, 0 },
	{ "hmacSHA256Hex", fn_hmac_sha256_hex, 2, 2, 0 },
	{ NULL, NULL, 0, 0, 0 },
};

int
tmpl_func_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; tmpl_funcs[i].name != NULL; i++)
		if (strlen(tmpl_funcs[i].name) == len
		    && memcmp(tmpl_funcs[i].name, name, len) == 0)
			return i;
	return -1;
}
