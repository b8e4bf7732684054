/* SPDX-License-Identifier: MIT */
/*
 * The template engine's function registry (lib/tmpl/tmpl_func.c): each
 * family of functions keeps its own table, and the registry only lists
 * the families.  A family left out of the registry, or two families
 * defining one name (the first would hide the second), would parse
 * templates differently without any other test noticing; so would a
 * table entry whose arity cannot be met.
 */
#include <string.h>

#include "test.h"
#include "tmpl_int.h"

static const struct {
	const char *file;
	const struct tmpl_func *funcs;
} families[] = {
	{ "tmpl_eval.c", tmpl_eval_funcs },
	{ "tmpl_builtin.c", tmpl_builtin_funcs },
	{ "tmpl_consul.c", tmpl_consul_funcs },
	{ "tmpl_local.c", tmpl_local_funcs },
	{ "tmpl_group.c", tmpl_group_funcs },
	{ "tmpl_helper.c", tmpl_helper_funcs },
	{ "tmpl_regex.c", tmpl_regex_funcs },
	{ "tmpl_codec.c", tmpl_codec_funcs },
	{ "tmpl_sprig.c", tmpl_sprig_funcs },
	{ "tmpl_time.c", tmpl_time_funcs },
	{ "tmpl_semver.c", tmpl_semver_funcs },
	{ "tmpl_yaml.c", tmpl_yaml_funcs },
	{ "tmpl_toml.c", tmpl_toml_funcs },
	{ "tmpl_refuse.c", tmpl_refuse_funcs },
	{ "tmpl_write.c", tmpl_write_funcs },
	{ "tmpl_yaml_read.c", tmpl_yaml_read_funcs },
	{ "tmpl_spew.c", tmpl_spew_funcs },
};

/* Every entry of every family is what the registry finds by its name. */
static void
test_families(void)
{
	const struct tmpl_func *f, *found;
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		T_CHECK(families[i].funcs[0].name != NULL, "%s: empty table",
		    families[i].file);
		for (f = families[i].funcs; f->name != NULL; f++) {
			found = tmpl_func_lookup(f->name, strlen(f->name));
			T_CHECK(found == f, "%s: %s: the registry finds %s",
			    families[i].file, f->name,
			    found == NULL ? "nothing" : "another entry");
			T_CHECK(f->minargs >= 0
				&& (f->maxargs == -1
				    || f->maxargs >= f->minargs),
			    "%s: %s: arity %d..%d", families[i].file, f->name,
			    f->minargs, f->maxargs);
			T_CHECK((f->fn == NULL)
				== ((f->flags & TMPL_FUNC_LAZY) != 0),
			    "%s: %s: a function is called or lazy, not both",
			    families[i].file, f->name);
		}
	}
}

/* Names are whole: a prefix or an extension of a name is not it. */
static void
test_lookup(void)
{
	const struct tmpl_func *f;

	f = tmpl_func_lookup("lenient", 3);
	T_ASSERT(f != NULL && strcmp(f->name, "len") == 0);
	T_NULL(tmpl_func_lookup("le", 1));
	T_NULL(tmpl_func_lookup("lenient", 7));
	T_NULL(tmpl_func_lookup("", 0));
	f = tmpl_func_lookup("or", 2);
	T_ASSERT(f != NULL && (f->flags & TMPL_FUNC_LAZY) != 0);
}

int
main(void)
{
	test_families();
	test_lookup();
	return test_report();
}
