/* SPDX-License-Identifier: MIT */
/*
 * The function registry: the template functions by name, for the parser
 * to resolve each identifier once.  Each family of functions keeps its
 * own table, next to the functions (tmpl_builtin.c, tmpl_helper.c...);
 * the registry only lists the families, so adding a function touches its
 * family's file alone.
 */
#include <string.h>

#include "tmpl_int.h"

static const struct tmpl_func *const families[] = {
	tmpl_eval_funcs,
	tmpl_builtin_funcs,
	tmpl_consul_funcs,
	tmpl_local_funcs,
	tmpl_group_funcs,
	tmpl_helper_funcs,
	tmpl_regex_funcs,
	tmpl_codec_funcs,
	tmpl_sprig_funcs,
	tmpl_time_funcs,
	tmpl_semver_funcs,
	tmpl_yaml_funcs,
	tmpl_toml_funcs,
	tmpl_refuse_funcs,
	tmpl_write_funcs,
	tmpl_yaml_read_funcs,
	tmpl_spew_funcs,
};

const struct tmpl_func *
tmpl_func_lookup(const char *name, size_t len)
{
	const struct tmpl_func *f;
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		for (f = families[i]; f->name != NULL; f++)
			if (strlen(f->name) == len
			    && memcmp(f->name, name, len) == 0)
				return f;
	return NULL;
}
