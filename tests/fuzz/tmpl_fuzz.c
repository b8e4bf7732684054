/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the template engine: parses the input as a
 * template and executes it against a fixed data set (a service, a KV
 * tree, the catalog), so both the parser and every function are reached.
 * Built with -DFUZZ=ON under clang; replay.c runs the seed corpus as an
 * ordinary test in every build.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tmpl.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed[]
    = "{\"health.service(web|passing)\": [{\"Node\": {\"Node\": \"n1\","
      "\"Address\": \"10.0.0.1\", \"Meta\": {\"a\": \"b\"}}, \"Service\": "
      "{\"ID\": \"w1\", \"Service\": \"web\", \"Tags\": [\"b\", \"a\"], "
      "\"Port\": 80, \"Meta\": {\"v\": \"1\"}}, \"Checks\": [{\"CheckID\": "
      "\"serfHealth\", \"Status\": \"passing\"}]}],"
      "\"catalog.services\": {\"web\": [\"a\"], \"db\": []},"
      "\"kv.block(k)\": [{\"Key\": \"k\", \"Value\": \"dg==\"}],"
      "\"kv.list(p)\": [{\"Key\": \"p/a/b\", \"Value\": \"eA==\"}, "
      "{\"Key\": \"p/c\", \"Value\": \"eQ==\"}]}";

static cJSON *data;

static const cJSON *
lookup(void *arg, const char *dep)
{
	(void)arg;
	return cJSON_GetObjectItemCaseSensitive(data, dep);
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static char *const env[] = { "FUZZ_VAR=x", NULL };
	struct tmpl_exec_opts o = { .lookup = lookup,
		.env = env,
		.fixed_now = true,
		.now = 0,
		.max_steps = 100000 };
	struct tmpl_parse_opts po = { .sandbox_path = "/nonexistent" };
	struct tmpl_deps deps;
	char err[TMPL_ERR_MAX];
	struct tmpl *t;
	struct buf out;

	if (data == NULL) {
		xmalloc_init_cjson();
		data = cJSON_Parse(fixed);
	}
	t = tmpl_parse("fuzz", (const char *)in, size, &po, err, sizeof(err));
	if (t == NULL)
		return 0;
	tmpl_deps_init(&deps);
	buf_init(&out, 1 << 20);
	(void)tmpl_execute(t, &o, &out, &deps, err, sizeof(err));
	(void)tmpl_execute(t, &o, &out, &deps, err, sizeof(err));
	buf_clear(&out);
	tmpl_deps_clear(&deps);
	tmpl_free(t);
	return 0;
}
