/* SPDX-License-Identifier: MIT */
/*
 * The template engine's conformance suite: runs every case of the JSON
 * files of tests/conformance/cases through tmpl_parse and tmpl_execute
 * and compares with what the real consul-template v0.41.1 did with the
 * same template on the same Consul data, as tests/conformance/record.sh
 * recorded it (see tests/conformance/README.md).
 *
 * A case is {name, template, seed, env: {K: V}, error_on_missing_key,
 * left_delim, right_delim, sandbox, engine_error}.  Its recording, in
 * recorded/<case file>, is {seed, deps, output | error | waits}: the
 * engine's data is Consul's answers to the seed's dependencies
 * (recorded/answers/<seed>.json), its output must be consul-template's,
 * an error must be an error (containing engine_error when the case has
 * one), "waits" (consul-template -once waited for data that never came)
 * must leave those dependencies missing, and the dependencies the engine
 * used must be those consul-template watched.  A case with not_recorded
 * (its reason) keeps hand-written data, now, missing and output | error.
 *
 * A case that fails is a failure unless known-differences.txt lists it
 * with its reason; a listed case that passes is a failure too, so that
 * the list shrinks as the engine is fixed.  Every case runs twice: on its
 * data as given, and on the data compacted and packed as the watcher
 * keeps it (tmpl_data_compact, tmpl_data_pack), which must render the
 * same.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "tmpl.h"
#include "xmalloc.h"

#define CASES_DIR "conformance/cases"
#define RECORDED_DIR "conformance/recorded"
#define ANSWERS_DIR "conformance/recorded/answers"
#define KNOWN_FILE "conformance/known-differences.txt"
/* Caps: case files, known differences, one verdict's text. */
#define FILES_MAX 256
#define KNOWN_MAX 2048
#define VERDICT_MAX 1024

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

/* The whole file parsed as JSON, or NULL (caller frees with cJSON_Delete). */
static cJSON *
read_json(const char *path)
{
	cJSON *doc = NULL;
	char *text;
	long len;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0
	    && fseek(f, 0, SEEK_SET) == 0) {
		text = xmalloc((size_t)len + 1);
		text[fread(text, 1, (size_t)len, f)] = '\0';
		doc = cJSON_Parse(text);
		free(text);
	}
	fclose(f);
	return doc;
}

/* What a case expects, from its recording or from the case itself. */
struct expect {
	const char *output, *error, *engine_error;
	const cJSON *waits, *deps, *missing, *data, *now;
};

static bool
deps_has(const struct tmpl_deps *deps, const char *dep, bool missing)
{
	size_t i;

	for (i = 0; i < deps->n; i++)
		if (strcmp(deps->v[i].dep, dep) == 0
		    && (!missing || deps->v[i].missing))
			return true;
	return false;
}

/*
 * The dependencies the engine used must be the recorded ones: a string
 * that differs would ask Consul another question than consul-template.
 */
static void
check_deps(const struct tmpl_deps *deps, const cJSON *want, char *v,
    size_t vlen)
{
	const cJSON *e;
	size_t i;

	cJSON_ArrayForEach(e, want)
		if (cJSON_IsString(e) && !deps_has(deps, e->valuestring, false)
		    && v[0] == '\0')
			snprintf(v, vlen, "dependency %s not used (recorded)",
			    e->valuestring);
	for (i = 0; i < deps->n && v[0] == '\0'; i++) {
		bool found = false;

		cJSON_ArrayForEach(e, want)
			if (cJSON_IsString(e)
			    && strcmp(e->valuestring, deps->v[i].dep) == 0)
				found = true;
		if (!found)
			snprintf(v, vlen, "dependency %s used, not recorded",
			    deps->v[i].dep);
	}
}

/*
 * writeToFile writes as consul-template did when it recorded the case (to
 * the case's own path); each path written is remembered, to be removed
 * with the directories it made once every case has run.
 */
#define WRITTEN_MAX 256
static char *written[WRITTEN_MAX];
static size_t nwritten;

static int
write_file(void *arg, const struct tmpl_write *w, char *err, size_t errlen)
{
	size_t i;

	(void)arg;
	for (i = 0; i < nwritten; i++)
		if (strcmp(written[i], w->path) == 0)
			break;
	if (i == nwritten && nwritten < WRITTEN_MAX)
		written[nwritten++] = xstrdup(w->path);
	return tmpl_write_file(w, err, errlen);
}

/* Removes the files the cases wrote and the empty directories above them. */
static void
written_remove(void)
{
	char *slash;
	size_t i;

	for (i = 0; i < nwritten; i++) {
		(void)unlink(written[i]);
		while ((slash = strrchr(written[i], '/')) != NULL
		    && slash != written[i]) {
			*slash = '\0';
			if (rmdir(written[i]) == -1)
				break;
		}
		free(written[i]);
	}
	nwritten = 0;
}

/*
 * Runs case c on data (looked up through lookup_fn) and writes what went
 * wrong to v ("" when the engine did what is expected).
 */
static void
run_case(const cJSON *c, const struct expect *x,
    const cJSON *(*lookup_fn)(void *, const char *), void *lookup_arg, char *v,
    size_t vlen)
{
	struct tmpl_parse_opts popts = { 0 };
	struct tmpl_exec_opts eopts = { 0 };
	struct tmpl_deps deps;
	struct tmpl *t;
	struct buf out;
	char err[TMPL_ERR_MAX] = "", **env = NULL;
	const char *tname = jstr(c, "name"), *text = jstr(c, "template");
	const cJSON *e, *envj;
	size_t n = 0, i;
	int rc = -1;

	v[0] = '\0';
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
	eopts.lookup = lookup_fn;
	eopts.lookup_arg = lookup_arg;
	eopts.write_file = write_file;
	eopts.fixed_now = true;
	eopts.now = cJSON_IsNumber(x->now) ? (time_t)x->now->valuedouble : 0;
	buf_init(&out, 1 << 20);
	tmpl_deps_init(&deps);
	t = tmpl_parse(tname, text, strlen(text), &popts, err, sizeof(err));
	if (t != NULL)
		rc = tmpl_execute(t, &eopts, &out, &deps, err, sizeof(err));
	if (x->error != NULL) {
		if (rc != -1)
			snprintf(v, vlen, "want error \"%s\", got \"%s\"",
			    x->error, buf_str(&out));
		else if (x->engine_error != NULL
		    && strstr(err, x->engine_error) == NULL)
			snprintf(v, vlen,
			    "want error containing \"%s\", got "
			    "\"%s\"",
			    x->engine_error, err);
		else if (strstr(err, "not defined") != NULL
		    && strstr(x->error, "not defined") == NULL)
			/* Both fail, but not for the same reason. */
			snprintf(v, vlen,
			    "want error \"%s\", got \"%s\": a "
			    "function consul-template has",
			    x->error, err);
	} else if (rc != 0) {
		snprintf(v, vlen, "want %s, got error \"%s\"",
		    x->waits != NULL ? "missing data" : "output", err);
	} else if (x->waits != NULL) {
		cJSON_ArrayForEach(e, x->waits)
			if (cJSON_IsString(e) && v[0] == '\0'
			    && !deps_has(&deps, e->valuestring, true))
				snprintf(v, vlen,
				    "consul-template waits for "
				    "%s, the engine does not",
				    e->valuestring);
	} else if (strcmp(buf_str(&out), x->output) != 0) {
		snprintf(v, vlen, "want \"%s\", got \"%s\"", x->output,
		    buf_str(&out));
	} else if (x->deps != NULL) {
		check_deps(&deps, x->deps, v, vlen);
	}
	if (x->missing != NULL && rc == 0 && v[0] == '\0') {
		size_t nm = 0;

		cJSON_ArrayForEach(e, x->missing) {
			if (v[0] == '\0'
			    && !deps_has(&deps, e->valuestring, true))
				snprintf(v, vlen,
				    "dependency %s not reported "
				    "missing",
				    e->valuestring);
			nm++;
		}
		if (v[0] == '\0' && nm != deps.nmissing)
			snprintf(v, vlen, "%zu missing, want %zu",
			    deps.nmissing, nm);
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
run_compacted(const cJSON *c, const struct expect *x, char *v, size_t vlen)
{
	cJSON *dup = cJSON_Duplicate(x->data, true), *e;
	struct packed p = { 0 };
	size_t n;

	n = (size_t)cJSON_GetArraySize(dup);
	p.deps = xcalloc(n + 1, sizeof(*p.deps));
	p.data = xcalloc(n + 1, sizeof(*p.data));
	cJSON_ArrayForEach(e, dup) {
		tmpl_data_compact(e->string, e);
		p.deps[p.n] = e->string;
		p.data[p.n++] = tmpl_data_pack(e);
	}
	run_case(c, x, lookup_packed, &p, v, vlen);
	while (p.n > 0)
		free(p.data[--p.n]);
	free(p.data);
	free(p.deps);
	cJSON_Delete(dup);
}

/* known-differences.txt: "name  reason" lines, '#' comments. */
struct known {
	char *names[KNOWN_MAX]; /* owned */
	bool seen[KNOWN_MAX];
	size_t n;
};

static void
known_load(struct known *k)
{
	char line[1024];
	size_t len;
	FILE *f;

	f = fopen(KNOWN_FILE, "r");
	T_NOT_NULL(f);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		len = strcspn(line, " \t\r\n#");
		if (len == 0)
			continue;
		T_CHECK(k->n < KNOWN_MAX, "%s: over %d entries", KNOWN_FILE,
		    KNOWN_MAX);
		if (k->n == KNOWN_MAX)
			break;
		T_CHECK(line[len] == ' ' || line[len] == '\t',
		    "%s: %.*s has no reason", KNOWN_FILE, (int)len, line);
		k->names[k->n++] = xstrndup(line, len);
	}
	if (f != NULL)
		fclose(f);
}

static bool
known_has(struct known *k, const char *name)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->names[i], name) == 0) {
			k->seen[i] = true;
			return true;
		}
	return false;
}

static int ncases, nknown, nengine_only;

/*
 * Checks one case of file against its recording (from recorded, the
 * recorded file's "cases") and answers.
 */
static void
check_case(const char *file, const cJSON *c, const cJSON *recorded,
    struct known *known)
{
	char v[VERDICT_MAX], vc[VERDICT_MAX];
	const char *name = jstr(c, "name"), *seed;
	const cJSON *rec = NULL;
	cJSON *answers = NULL;
	struct expect x = { 0 };
	char path[512];

	ncases++;
	if (name == NULL || jstr(c, "template") == NULL) {
		T_CHECK(0, "%s: malformed case %d", file, ncases);
		return;
	}
	if (jstr(c, "not_recorded") != NULL) {
		nengine_only++;
		x.output = jstr(c, "output");
		x.error = jstr(c, "error");
		x.engine_error = x.error;
		x.missing = cJSON_GetObjectItemCaseSensitive(c, "missing");
		x.data = cJSON_GetObjectItemCaseSensitive(c, "data");
		x.now = cJSON_GetObjectItemCaseSensitive(c, "now");
	} else {
		rec = cJSON_GetObjectItemCaseSensitive(recorded, name);
		seed = jstr(rec, "seed");
		if (seed != NULL) {
			snprintf(path, sizeof(path), "%s/%s.json", ANSWERS_DIR,
			    seed);
			answers = read_json(path);
		}
		x.output = jstr(rec, "output");
		x.error = jstr(rec, "error");
		x.engine_error = jstr(c, "engine_error");
		x.waits = cJSON_GetObjectItemCaseSensitive(rec, "waits");
		x.deps = cJSON_GetObjectItemCaseSensitive(rec, "deps");
		x.data = answers;
	}
	if (x.output == NULL && x.error == NULL && x.waits == NULL) {
		T_CHECK(0,
		    "%s: %s: no expectation (not recorded: run "
		    "tests/conformance/record.sh)",
		    file, name);
		cJSON_Delete(answers);
		return;
	}
	run_case(c, &x, lookup, (void *)x.data, v, sizeof(v));
	run_compacted(c, &x, vc, sizeof(vc));
	if (v[0] == '\0' && vc[0] != '\0')
		snprintf(v, sizeof(v), "on compacted data: %.900s", vc);
	if (known_has(known, name)) {
		T_CHECK(v[0] != '\0', "%s: %s: passes now: remove it from %s",
		    file, name, KNOWN_FILE);
		nknown++;
	} else {
		T_CHECK(v[0] == '\0', "%s: %s: %s", file, name, v);
	}
	cJSON_Delete(answers);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(void)
{
	char *names[FILES_MAX], path[512];
	struct known known = { 0 };
	struct dirent *de;
	const cJSON *c;
	cJSON *doc, *rec;
	size_t n = 0, i;
	DIR *d;

	xmalloc_init_cjson();
	/* The recordings were made where Go's time.Local is UTC (TZ unset,
	 * /etc/localtime UTC): the date cases print Local's zone. */
	setenv("TZ", "UTC", 1);
	tzset();
	known_load(&known);
	d = opendir(CASES_DIR);
	T_NOT_NULL(d);
	while (d != NULL && (de = readdir(d)) != NULL && n < FILES_MAX) {
		size_t l = strlen(de->d_name);

		if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0)
			names[n++] = xstrdup(de->d_name);
	}
	if (d != NULL)
		closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", CASES_DIR, names[i]);
		doc = read_json(path);
		T_CHECK(cJSON_IsArray(doc), "%s: not a JSON array", path);
		snprintf(path, sizeof(path), "%s/%s", RECORDED_DIR, names[i]);
		rec = read_json(path);
		cJSON_ArrayForEach(c, doc)
			check_case(names[i], c,
			    cJSON_GetObjectItemCaseSensitive(rec, "cases"),
			    &known);
		cJSON_Delete(rec);
		cJSON_Delete(doc);
		free(names[i]);
	}
	for (i = 0; i < known.n; i++) {
		T_CHECK(known.seen[i], "%s: %s is no case", KNOWN_FILE,
		    known.names[i]);
		free(known.names[i]);
	}
	written_remove();
	printf("%d conformance cases: %d recorded from consul-template, "
	       "%d engine-only; %d known differences\n",
	    ncases, ncases - nengine_only, nengine_only, nknown);
	T_CHECK(ncases >= 600, "only %d conformance cases", ncases);
	return test_report();
}
