/* SPDX-License-Identifier: MIT */
/*
 * Template rendering benchmark: an nginx upstream template over N
 * services of 10 instances each.  As a ctest it renders 20 services and
 * checks the output; with BENCH=1 in the environment it renders 1,000
 * services (10,000 instances) repeatedly and prints the best time per
 * render in milliseconds.  The shipped templates/nginx-upstreams.ctmpl
 * (regexMatch on every name and address) is rendered over the same data,
 * checked, and timed the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "file.h"
#include "test.h"
#include "tmpl.h"
#include "xmalloc.h"

#define INSTANCES 10

static const char nginx[]
    = "{{- range services }}{{ $name := .Name }}\n"
      "upstream {{ $name }} {\n"
      "{{- range service .Name }}\n"
      "  server {{ .Address }}:{{ .Port }} max_fails=3 fail_timeout=60;\n"
      "{{- else }}\n"
      "  server 127.0.0.1:65535; # force a 502\n"
      "{{- end }}\n"
      "}\n"
      "{{- end }}\n";

struct table {
	char **keys;
	cJSON **vals;
	size_t cap;
};

static size_t
hash(const char *s)
{
	size_t h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void
table_put(struct table *t, char *k, cJSON *v)
{
	size_t i = hash(k) & (t->cap - 1);

	while (t->keys[i] != NULL)
		i = (i + 1) & (t->cap - 1);
	t->keys[i] = k;
	t->vals[i] = v;
}

static const cJSON *
lookup(void *arg, const char *dep)
{
	struct table *t = arg;
	size_t i = hash(dep) & (t->cap - 1);

	while (t->keys[i] != NULL) {
		if (strcmp(t->keys[i], dep) == 0)
			return t->vals[i];
		i = (i + 1) & (t->cap - 1);
	}
	return NULL;
}

static void
build(struct table *t, int nsvc)
{
	cJSON *services, *list, *e, *node, *svc, *checks, *chk;
	char name[32], buf[96];
	int s, i;

	t->cap = 4096;
	while (t->cap < (size_t)nsvc * 4)
		t->cap *= 2;
	t->keys = xcalloc(t->cap, sizeof(*t->keys));
	t->vals = xcalloc(t->cap, sizeof(*t->vals));
	services = cJSON_CreateObject();
	for (s = 0; s < nsvc; s++) {
		snprintf(name, sizeof(name), "svc%04d", s);
		cJSON_AddItemToObject(services, name, cJSON_CreateArray());
		list = cJSON_CreateArray();
		for (i = INSTANCES - 1; i >= 0; i--) {
			e = cJSON_CreateObject();
			node = cJSON_AddObjectToObject(e, "Node");
			snprintf(buf, sizeof(buf), "node%02d", i);
			cJSON_AddStringToObject(node, "Node", buf);
			snprintf(buf, sizeof(buf), "10.0.%d.%d", s % 250, i);
			cJSON_AddStringToObject(node, "Address", buf);
			svc = cJSON_AddObjectToObject(e, "Service");
			snprintf(buf, sizeof(buf), "%s-%d", name, i);
			cJSON_AddStringToObject(svc, "ID", buf);
			cJSON_AddStringToObject(svc, "Service", name);
			cJSON_AddStringToObject(svc, "Address", "");
			cJSON_AddNumberToObject(svc, "Port", 8000 + i);
			checks = cJSON_AddArrayToObject(e, "Checks");
			chk = cJSON_CreateObject();
			cJSON_AddStringToObject(chk, "CheckID", "serfHealth");
			cJSON_AddStringToObject(chk, "Status", "passing");
			cJSON_AddItemToArray(checks, chk);
			cJSON_AddItemToArray(list, e);
		}
		table_put(t, xasprintf("health.service(%s|passing)", name),
		    list);
	}
	table_put(t, xstrdup("catalog.services"), services);
}

static void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		if (t->keys[i] != NULL) {
			free(t->keys[i]);
			cJSON_Delete(t->vals[i]);
		}
	free(t->keys);
	free(t->vals);
}

/*
 * CPU time of this thread: the machine is shared, so wall time mostly
 * measures the other processes.
 */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Executes t rounds times into out; returns the best time in ms. */
static double
best_render(struct tmpl *t, const struct tmpl_exec_opts *o, struct buf *out,
    struct tmpl_deps *deps, int rounds)
{
	char err[TMPL_ERR_MAX];
	double best = 1e9, t0, dt;
	int r;

	for (r = 0; t != NULL && r < rounds; r++) {
		buf_reset(out);
		t0 = now_ms();
		T_EQ_INT(tmpl_execute(t, o, out, deps, err, sizeof(err)), 0);
		dt = now_ms() - t0;
		if (dt < best)
			best = dt;
	}
	return best;
}

/* Renders the shipped nginx template; returns the best time in ms. */
static double
shipped_nginx(struct table *tab, int nsvc, int rounds)
{
	struct tmpl_exec_opts o = { .lookup = lookup, .lookup_arg = tab };
	struct tmpl_deps deps;
	struct buf src, out;
	struct tmpl *t = NULL;
	char err[TMPL_ERR_MAX];
	double best;
	const char *p;
	int servers = 0, upstreams = 0;

	buf_init(&src, 1 << 20);
	buf_init(&out, 64 << 20);
	tmpl_deps_init(&deps);
	T_EQ_INT(file_read("../templates/nginx-upstreams.ctmpl", 1 << 20, &src,
		     err, sizeof(err)),
	    0);
	if (src.len > 0)
		t = tmpl_parse("nginx-upstreams.ctmpl", src.data, src.len, NULL,
		    err, sizeof(err));
	T_NOT_NULL(t);
	best = best_render(t, &o, &out, &deps, rounds);
	for (p = buf_str(&out); (p = strstr(p, "\nupstream svc")) != NULL; p++)
		upstreams++;
	for (p = buf_str(&out); (p = strstr(p, "    server 10.")) != NULL; p++)
		servers++;
	T_EQ_INT(upstreams, nsvc);
	T_EQ_INT(servers, nsvc * INSTANCES);
	tmpl_free(t);
	tmpl_deps_clear(&deps);
	buf_clear(&src);
	buf_clear(&out);
	return best;
}

int
main(void)
{
	const char *bench = getenv("BENCH");
	int nsvc = bench != NULL && bench[0] == '1' ? 1000 : 20;
	int rounds = nsvc == 1000 ? 20 : 2;
	struct tmpl_exec_opts o = { .lookup = lookup };
	struct tmpl_deps deps;
	struct table tab;
	struct buf out;
	struct tmpl *t;
	char err[TMPL_ERR_MAX];
	double best;

	xmalloc_init_cjson();
	build(&tab, nsvc);
	o.lookup_arg = &tab;
	t = tmpl_parse("nginx", nginx, strlen(nginx), NULL, err, sizeof(err));
	T_NOT_NULL(t);
	tmpl_deps_init(&deps);
	buf_init(&out, 64 << 20);
	best = best_render(t, &o, &out, &deps, rounds);
	T_EQ_INT(deps.n, nsvc + 1);
	T_EQ_INT(deps.nmissing, 0);
	/* Instances sorted by node; the first upstream is complete. */
	T_ASSERT(strncmp(buf_str(&out),
		     "\nupstream svc0000 {\n"
		     "  server 10.0.0.0:8000 max_fails=3 fail_timeout=60;\n"
		     "  server 10.0.0.1:8001",
		     90)
	    == 0);
	{
		const char *p = buf_str(&out);
		int servers = 0;

		while ((p = strstr(p, "  server 10.")) != NULL) {
			servers++;
			p++;
		}
		T_EQ_INT(servers, nsvc * INSTANCES);
	}
	if (nsvc == 1000)
		printf("nginx upstream, %d services x %d instances: best %.2f "
		       "ms CPU per render (%zu bytes)\n",
		    nsvc, INSTANCES, best, out.len);
	best = shipped_nginx(&tab, nsvc, rounds);
	if (nsvc == 1000)
		printf("templates/nginx-upstreams.ctmpl, same data: best %.2f "
		       "ms CPU per render\n",
		    best);
	buf_clear(&out);
	tmpl_deps_clear(&deps);
	tmpl_free(t);
	table_free(&tab);
	return test_report();
}
