/* SPDX-License-Identifier: MIT */
/*
 * The template engine's API: dependency string to Consul request
 * mapping, dependency recording across executions, parse once and
 * execute many times, the output cap and error reporting.  The
 * language itself is covered by test_tmpl_conformance.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "tmpl.h"
#include "xmalloc.h"

static void
endpoint(const char *dep, const char *path, const char *query)
{
	struct tmpl_endpoint ep;
	char err[TMPL_ERR_MAX] = "";

	T_CHECK(tmpl_dep_endpoint(dep, &ep, err, sizeof(err)) == 0, "%s: %s",
	    dep, err);
	T_EQ_STR(ep.path, path);
	T_EQ_STR(ep.query, query);
	T_ASSERT(ep.consul);
}

static void
test_endpoints(void)
{
	struct tmpl_endpoint ep;
	char err[TMPL_ERR_MAX];

	endpoint("health.service(web|passing)", "/v1/health/service/web",
	    "passing=1");
	endpoint("health.service(prod.web@dc2~_agent|any,passing)",
	    "/v1/health/service/web", "dc=dc2&near=_agent&tag=prod");
	endpoint("health.service(web?ns=team&partition=p1|warning)",
	    "/v1/health/service/web", "ns=team&partition=p1");
	endpoint("health.connect(db|passing)", "/v1/health/connect/db",
	    "passing=1");
	endpoint("kv.block(app/config key)", "/v1/kv/app/config%20key", "");
	endpoint("kv.get(a@dc1)", "/v1/kv/a", "dc=dc1");
	endpoint("kv.list(app/)", "/v1/kv/app/", "recurse");
	endpoint("catalog.services", "/v1/catalog/services", "");
	endpoint("catalog.services(@dc2)", "/v1/catalog/services", "dc=dc2");
	endpoint("catalog.node(n1.example)", "/v1/catalog/node/n1.example", "");
	endpoint("catalog.nodes(@dc1~n1)", "/v1/catalog/nodes",
	    "dc=dc1&near=n1");
	T_ASSERT(tmpl_dep_endpoint("catalog.node", &ep, err, sizeof(err)) == 0
	    && ep.local_node);
	T_ASSERT(tmpl_dep_endpoint("file(/etc/x)", &ep, err, sizeof(err)) == 0
	    && !ep.consul);
	T_EQ_INT(tmpl_dep_endpoint("vault.read(x)", &ep, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, "unknown dependency") != NULL);
}

static const cJSON *
lookup(void *arg, const char *dep)
{
	return cJSON_GetObjectItemCaseSensitive((const cJSON *)arg, dep);
}

static void
test_execute_many(void)
{
	const char *text = "{{ range service \"web\" }}{{ .Port }} {{ end }}"
			   "{{ key \"k\" }}{{ keyOrDefault \"k\" \"d\" }}";
	struct tmpl_exec_opts o = { .lookup = lookup };
	struct tmpl_deps deps;
	struct buf out;
	struct tmpl *t;
	cJSON *data;
	char err[TMPL_ERR_MAX];
	int i;

	data = cJSON_Parse(
	    "{\"health.service(web|passing)\": [{\"Node\":"
	    "{\"Node\":\"n\",\"Address\":\"1.1.1.1\"},\"Service\":{\"ID\":"
	    "\"w\",\"Service\":\"web\",\"Port\":80},\"Checks\":[]}]}");
	o.lookup_arg = data;
	t = tmpl_parse("t", text, strlen(text), NULL, err, sizeof(err));
	T_NOT_NULL(t);
	tmpl_deps_init(&deps);
	buf_init(&out, 1024);
	for (i = 0; i < 3; i++) {
		buf_reset(&out);
		T_EQ_INT(tmpl_execute(t, &o, &out, &deps, err, sizeof(err)), 0);
		T_EQ_STR(buf_str(&out), "80 d");
		T_EQ_INT(deps.n, 3);
		T_EQ_INT(deps.nmissing, 2);
		T_EQ_STR(deps.v[0].dep, "health.service(web|passing)");
		T_ASSERT(!deps.v[0].missing);
		T_EQ_STR(deps.v[1].dep, "kv.block(k)");
		T_ASSERT(deps.v[1].missing);
		T_EQ_STR(deps.v[2].dep, "kv.get(k)");
	}
	/* The output cap is an error, not a silent truncation. */
	buf_clear(&out);
	buf_init(&out, 2);
	T_EQ_INT(tmpl_execute(t, &o, &out, &deps, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, "output larger than 2 bytes") != NULL);
	buf_clear(&out);
	tmpl_deps_clear(&deps);
	tmpl_free(t);
	cJSON_Delete(data);
}

static void
test_errors(void)
{
	char err[TMPL_ERR_MAX];
	struct tmpl *t;
	struct buf out;
	const char *s;

	s = "ok\n{{ if }}";
	t = tmpl_parse("p", s, strlen(s), NULL, err, sizeof(err));
	T_NULL(t);
	T_ASSERT(strncmp(err, "p:2:", 4) == 0);
	s = "{{ service \"bad name\" }}";
	t = tmpl_parse("q", s, strlen(s), NULL, err, sizeof(err));
	T_NOT_NULL(t);
	buf_init(&out, 1024);
	T_EQ_INT(tmpl_execute(t, NULL, &out, NULL, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, "error calling service") != NULL);
	buf_clear(&out);
	tmpl_free(t);
	tmpl_free(NULL);
}

/*
 * What the watcher keeps of a health answer, and what it drops: members
 * no field reads, and members that read as absent (Address ""), but not
 * the entries of a map (Meta's "k": "").
 */
static void
test_compact(void)
{
	static const char answer[]
	    = "[{\"Node\":{\"ID\":\"i1\",\"Node\":\"n1\",\"Address\":"
	      "\"10.0.0.1\",\"Datacenter\":\"dc1\",\"Meta\":{\"k\":\"\"},"
	      "\"CreateIndex\":5,\"ModifyIndex\":6},"
	      "\"Service\":{\"ID\":\"web1\",\"Service\":\"web\",\"Tags\":"
	      "[\"a\"],\"Port\":80,\"Address\":\"\",\"Weights\":{\"Passing\":"
	      "1,\"Warning\":1},\"Proxy\":{\"Mode\":\"\",\"Expose\":{}},"
	      "\"Connect\":{},\"CreateIndex\":7,\"ModifyIndex\":8},"
	      "\"Checks\":[{\"Node\":\"n1\",\"CheckID\":\"serfHealth\","
	      "\"Status\":\"passing\",\"Output\":\"ok\",\"Definition\":{},"
	      "\"Interval\":\"\",\"CreateIndex\":5}]}]";
	static const char want[]
	    = "[{\"Node\":{\"ID\":\"i1\",\"Node\":\"n1\",\"Address\":"
	      "\"10.0.0.1\",\"Meta\":{\"k\":\"\"}},"
	      "\"Service\":{\"ID\":\"web1\",\"Service\":\"web\",\"Tags\":"
	      "[\"a\"],\"Port\":80,\"Weights\":{\"Passing\":"
	      "1,\"Warning\":1}},"
	      "\"Checks\":[{\"Node\":\"n1\",\"CheckID\":\"serfHealth\","
	      "\"Status\":\"passing\",\"Output\":\"ok\"}]}]";
	cJSON *a = cJSON_Parse(answer), *b = cJSON_Parse(answer);
	cJSON *w = cJSON_Parse(want), *svc, *p;
	char *s;

	tmpl_data_compact("health.service(web)", a);
	s = cJSON_PrintUnformatted(a);
	T_EQ_STR(s, want);
	free(s);
	T_ASSERT(tmpl_data_equal(a, w));
	T_ASSERT(!tmpl_data_equal(a, b));
	/* Packed: the same data in one block. */
	p = tmpl_data_pack(a);
	s = cJSON_PrintUnformatted(p);
	T_EQ_STR(s, want);
	free(s);
	free(p);
	/* Kept names are static: nothing of theirs to free. */
	T_ASSERT((a->child->child->type & cJSON_StringIsConst) != 0);
	/* A change to a kept field is a change. */
	svc = cJSON_GetObjectItemCaseSensitive(w->child, "Service");
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(svc, "Port"), 81);
	T_ASSERT(!tmpl_data_equal(a, w));
	T_ASSERT(tmpl_data_equal(NULL, NULL));
	/* A repeated member: the first one is what a template reads. */
	cJSON_Delete(b);
	b = cJSON_Parse("[{\"Service\":{\"Port\":0,\"Port\":5,"
			"\"ID\":\"a\",\"ID\":\"b\"}}]");
	tmpl_data_compact("health.service(web)", b);
	s = cJSON_PrintUnformatted(b);
	T_EQ_STR(s, "[{\"Service\":{\"ID\":\"a\"}}]");
	free(s);
	T_ASSERT(!tmpl_data_equal(a, NULL));
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(w);
}

/*
 * A NUL in Consul data (a service name "web\u0000x", a tag) is never a
 * terminator: read as tmpl_data_parse() reads an answer, the name renders
 * whole, with U+FFFD where the NUL was, so it can never become a second
 * "web".  An escaped backslash before "u0000" is text, left alone.
 */
static void
test_nul(void)
{
	static const char answer[]
	    = "{\"health.service(web|passing)\": [{\"Node\":"
	      "{\"Node\":\"n\",\"Address\":\"1.1.1.1\"},\"Service\":{\"ID\":"
	      "\"w\",\"Service\":\"web\\u0000x\",\"Tags\":[\"a\\u0000b\","
	      "\"c\\\\u0000\"],\"Port\":80},\"Checks\":[]}]}";
	const char *text = "{{ range service \"web\" }}{{ .Name }} "
			   "{{ join \",\" .Tags }}{{ end }}";
	struct tmpl_exec_opts o = { .lookup = lookup };
	struct buf out = BUF_INITIALIZER(1024);
	struct tmpl *t;
	cJSON *data;
	char err[TMPL_ERR_MAX];

	data = tmpl_data_parse(answer, sizeof(answer) - 1);
	T_NOT_NULL(data);
	o.lookup_arg = data;
	t = tmpl_parse("t", text, strlen(text), NULL, err, sizeof(err));
	T_NOT_NULL(t);
	T_EQ_INT(tmpl_execute(t, &o, &out, NULL, err, sizeof(err)), 0);
	T_EQ_STR(buf_str(&out),
	    "web\xef\xbf\xbdx a\xef\xbf\xbd"
	    "b,c\\u0000");
	T_NULL(tmpl_data_parse("{\"a\":", 5));
	tmpl_free(t);
	buf_clear(&out);
	cJSON_Delete(data);
}

/*
 * A name too long to query (a 2,000-byte service name, a key) fails its
 * own dependency, not the execution: it renders as no data, the other
 * services render, and deps count it and describe the first one.
 */
static void
test_too_long(void)
{
	const char *data_text
	    = "{\"health.service(web|passing)\": [{\"Node\":"
	      "{\"Node\":\"n\",\"Address\":\"1.1.1.1\"},\"Service\":{\"ID\":"
	      "\"w\",\"Service\":\"web\",\"Port\":80},\"Checks\":[]}]}";
	struct tmpl_exec_opts o = { .lookup = lookup };
	struct buf out = BUF_INITIALIZER(8192);
	struct buf text = BUF_INITIALIZER(8192);
	struct tmpl_deps deps;
	struct tmpl *t;
	cJSON *data;
	char err[TMPL_ERR_MAX];
	int i;

	(void)buf_addstr(&text, "{{ range service \"");
	for (i = 0; i < 2000; i++)
		(void)buf_addc(&text, 'n');
	(void)buf_addstr(&text, "\" }}x{{ end }}[{{ key \"");
	for (i = 0; i < 1500; i++)
		(void)buf_addc(&text, 'k');
	(void)buf_addstr(&text,
	    "\" }}]{{ range service \"web\" }}{{ .Port }}{{ end }}");
	data = cJSON_Parse(data_text);
	o.lookup_arg = data;
	t = tmpl_parse("t", buf_str(&text), text.len, NULL, err, sizeof(err));
	T_NOT_NULL(t);
	tmpl_deps_init(&deps);
	T_CHECK(tmpl_execute(t, &o, &out, &deps, err, sizeof(err)) == 0, "%s",
	    err);
	T_EQ_STR(buf_str(&out), "[]80");
	T_EQ_INT(deps.nrefused, 2);
	T_EQ_INT(deps.nmissing, 0);
	T_EQ_INT(deps.n, 1);
	T_ASSERT(deps.refused != NULL
	    && strstr(deps.refused, "query of 2000 bytes") != NULL);
	tmpl_deps_clear(&deps);
	tmpl_free(t);
	buf_clear(&out);
	buf_clear(&text);
	cJSON_Delete(data);
}

int
main(void)
{
	xmalloc_init_cjson();
	test_endpoints();
	test_execute_many();
	test_errors();
	test_compact();
	test_nul();
	test_too_long();
	return test_report();
}
