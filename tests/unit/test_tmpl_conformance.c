/* SPDX-License-Identifier: MIT */
/*
 * The template engine's conformance suite: runs every case of
 * the JSON files of tests/conformance/cases through tmpl_parse and
 * tmpl_execute. A case is {name, template, data: {dependency string: Consul
 * JSON}, env: {K: V}, now, error_on_missing_key, left_delim, right_delim,
 * output | error (substring), missing: [deps with no data]}.  The
 * expected outputs are consul-template's, from its documentation and
 * test suite.  Every case runs twice: on its data as written, and on
 * the data compacted and packed as the watcher keeps it
 * (tmpl_data_compact, tmpl_data_pack), which must render the same.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "tmpl.h"
#include "xmalloc.h"

#define CASES_DIR "conformance/cases"

static const cJSON *
lookup(void *arg, const char *dep)
{
	return cJSON_GetObjectItemCaseSensitive((const cJSON *)arg, dep);
}

/* Each dependency's data compacted and packed. */
struct packed {
	const char **deps; /* borrowed from the case */
	cJSON **data; /* owned, free() */
	size_t n;
};

static const cJSON *
lookup_packed(void *arg, const char *dep)
{
	const struct packed *p = arg;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->deps[i], dep) == 0)
			return p->data[i];
	return NULL;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int ncases;

static void
run_case(const char *file, const cJSON *c, struct packed *compacted)
{
	struct tmpl_parse_opts popts = { 0 };
	struct tmpl_exec_opts eopts = { 0 };
	struct tmpl_deps deps;
	struct tmpl *t;
	struct buf out;
	char err[TMPL_ERR_MAX] = "", **env = NULL;
	const char *tname = jstr(c, "name"), *text = jstr(c, "template");
	char name[256]; /* for messages */
	const char *want = jstr(c, "output"), *werr = jstr(c, "error");
	const cJSON *e, *envj, *missing, *now;
	size_t n = 0, i;
	int rc = -1;

	snprintf(name, sizeof(name), "%s%s", tname != NULL ? tname : "?",
	    compacted != NULL ? " (compacted data)" : "");
	if (compacted == NULL)
		ncases++;
	if (tname == NULL || text == NULL || (want == NULL && werr == NULL)) {
		T_CHECK(0, "%s: malformed case %d", file, ncases);
		return;
	}
	popts.left_delim = jstr(c, "left_delim");
	popts.right_delim = jstr(c, "right_delim");
	popts.error_on_missing_key = cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(c, "error_on_missing_key"));
	popts.sandbox_path = jstr(c, "sandbox");
	envj = cJSON_GetObjectItemCaseSensitive(c, "env");
	env = xcalloc((size_t)cJSON_GetArraySize(envj) + 1, sizeof(*env));
	cJSON_ArrayForEach(e, envj)
		env[n++] = xasprintf("%s=%s", e->string,
		    cJSON_IsString(e) ? e->valuestring : "");
	eopts.env = env;
	eopts.lookup = compacted != NULL ? lookup_packed : lookup;
	eopts.lookup_arg = compacted != NULL
	    ? (void *)compacted
	    : (void *)cJSON_GetObjectItemCaseSensitive(c, "data");
	now = cJSON_GetObjectItemCaseSensitive(c, "now");
	eopts.fixed_now = true;
	eopts.now = cJSON_IsNumber(now) ? (time_t)now->valuedouble : 0;
	buf_init(&out, 1 << 20);
	tmpl_deps_init(&deps);
	t = tmpl_parse(tname, text, strlen(text), &popts, err, sizeof(err));
	if (t != NULL)
		rc = tmpl_execute(t, &eopts, &out, &deps, err, sizeof(err));
	if (werr != NULL) {
		T_CHECK(rc == -1 && strstr(err, werr) != NULL,
		    "%s: %s: want error containing \"%s\", got rc %d \"%s\" "
		    "output \"%s\"",
		    file, name, werr, rc, err, buf_str(&out));
	} else {
		T_CHECK(rc == 0 && strcmp(buf_str(&out), want) == 0,
		    "%s: %s: want \"%s\", got \"%s\" (%s)", file, name, want,
		    buf_str(&out), err);
	}
	missing = cJSON_GetObjectItemCaseSensitive(c, "missing");
	if (missing != NULL && rc == 0) {
		size_t nm = 0;

		cJSON_ArrayForEach(e, missing) {
			bool found = false;

			for (i = 0; i < deps.n; i++)
				if (strcmp(deps.v[i].dep, e->valuestring) == 0
				    && deps.v[i].missing)
					found = true;
			T_CHECK(found,
			    "%s: %s: dependency %s not reported "
			    "missing",
			    file, name, e->valuestring);
			nm++;
		}
		T_CHECK(nm == deps.nmissing, "%s: %s: %zu missing, want %zu",
		    file, name, deps.nmissing, nm);
	}
	tmpl_deps_clear(&deps);
	buf_clear(&out);
	tmpl_free(t);
	for (i = 0; i < n; i++)
		free(env[i]);
	free(env);
}

/* Runs case c on its data compacted and packed. */
static void
run_compacted(const char *file, const cJSON *c)
{
	cJSON *dup = cJSON_Duplicate(c, true), *e;
	struct packed p = { 0 };
	size_t n;

	n = (size_t)cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(dup, "data"));
	p.deps = xcalloc(n + 1, sizeof(*p.deps));
	p.data = xcalloc(n + 1, sizeof(*p.data));
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(dup, "data")) {
		tmpl_data_compact(e->string, e);
		p.deps[p.n] = e->string;
		p.data[p.n++] = tmpl_data_pack(e);
	}
	run_case(file, c, &p);
	while (p.n > 0)
		free(p.data[--p.n]);
	free(p.data);
	free(p.deps);
	cJSON_Delete(dup);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(void)
{
	char *names[256], path[512], *text;
	struct dirent *de;
	const cJSON *c;
	cJSON *doc;
	size_t n = 0, i;
	long len;
	FILE *f;
	DIR *d;

	xmalloc_init_cjson();
	d = opendir(CASES_DIR);
	T_NOT_NULL(d);
	while (d != NULL && (de = readdir(d)) != NULL && n < 256) {
		size_t l = strlen(de->d_name);

		if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0)
			names[n++] = xstrdup(de->d_name);
	}
	if (d != NULL)
		closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", CASES_DIR, names[i]);
		f = fopen(path, "rb");
		T_NOT_NULL(f);
		if (f == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		text = xmalloc((size_t)len + 1);
		text[fread(text, 1, (size_t)len, f)] = '\0';
		fclose(f);
		doc = cJSON_Parse(text);
		T_CHECK(cJSON_IsArray(doc), "%s: not a JSON array", path);
		cJSON_ArrayForEach(c, doc) {
			run_case(names[i], c, NULL);
			run_compacted(names[i], c);
		}
		cJSON_Delete(doc);
		free(text);
		free(names[i]);
	}
	printf("%d conformance cases\n", ncases);
	T_CHECK(ncases >= 150, "only %d conformance cases", ncases);
	return test_report();
}
