/* SPDX-License-Identifier: MIT */
/*
 * The template engine's API: dependency string to Consul request
 * mapping, dependency recording across executions, parse once and
 * execute many times, the output cap and error reporting.  The
 * language itself is covered by test_tmpl_conformance.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	endpoint("catalog.datacenters", "/v1/catalog/datacenters", "");
	endpoint("connect.caroots", "/v1/agent/connect/ca/roots", "");
	endpoint("connect.caleaf(web)", "/v1/agent/connect/ca/leaf/web", "");
	/* caLeaf takes any name: it is escaped into one path segment. */
	endpoint("connect.caleaf(a/b c)", "/v1/agent/connect/ca/leaf/a%2Fb%20c",
	    "");
	endpoint("list.peerings", "/v1/peerings", "");
	T_EQ_INT(tmpl_dep_endpoint("connect.caleaf()", &ep, err, sizeof(err)),
	    -1);
	T_EQ_INT(tmpl_dep_endpoint("list.partitions", &ep, err, sizeof(err)),
	    -1);
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
	/* Go's imaginary literals: refused by name, not as bad syntax. */
	s = "{{ printf \"%v\" 2i }}";
	t = tmpl_parse("c", s, strlen(s), NULL, err, sizeof(err));
	T_NULL(t);
	T_EQ_STR(err,
	    "c:1:15: complex constant 2i: the engine has no complex "
	    "numbers");
}

/*
 * toYAML's and toTOML's nesting cap, which consul-template does not have
 * (the conformance suite holds what it prints): a list nested n deep
 * around 1, in a map, through encoder fn; its length, or "error: ...".
 */
static const char *
encode_nested(const char *fn, int n, char *out, size_t outlen)
{
	char tpl[256], err[TMPL_ERR_MAX];
	struct tmpl *t;
	struct buf b;

	snprintf(tpl, sizeof(tpl),
	    "{{ $x := 1 }}{{ range loop %d }}{{ $x = sprig_list $x }}"
	    "{{ end }}{{ len (%s (sprig_dict \"k\" $x)) }}",
	    n, fn);
	t = tmpl_parse("n", tpl, strlen(tpl), NULL, err, sizeof(err));
	T_NOT_NULL(t);
	buf_init(&b, outlen - 1);
	if (t == NULL
	    || tmpl_execute(t, NULL, &b, NULL, err, sizeof(err)) == -1)
		snprintf(out, outlen, "error: %s", err);
	else
		snprintf(out, outlen, "%s", buf_str(&b));
	buf_clear(&b);
	tmpl_free(t);
	return out;
}

static void
test_encoder_nesting(void)
{
	static const char *const fns[] = { "toYAML", "toTOML" };
	char out[4096];
	size_t i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		/* 990 lists in a map: within the cap of about 1,000 levels. */
		T_CHECK(strncmp(encode_nested(fns[i], 990, out, sizeof(out)),
			    "error", 5)
			!= 0,
		    "%s at 990: %s", fns[i], out);
		T_CHECK(strstr(encode_nested(fns[i], 1000, out, sizeof(out)),
			    "nesting")
			!= NULL,
		    "%s at 1000: %s", fns[i], out);
	}
}

/*
 * parseYAML's caps and sizes: nesting past YAML_READ_DEPTH_MAX (200) fails
 * naming the depth; 20,000 quoted scalars on one line parse (each sized
 * to itself, not to the line, within the default memory budget).
 */
static void
test_parse_yaml_bounds(void)
{
	char err[TMPL_ERR_MAX], *text;
	struct buf in, out;
	struct tmpl *t;
	int i;

	buf_init(&in, SIZE_MAX);
	buf_init(&out, 1024);
	buf_addstr(&in, "{{ parseYAML `");
	for (i = 0; i < 201; i++)
		buf_addc(&in, '[');
	for (i = 0; i < 201; i++)
		buf_addc(&in, ']');
	buf_addstr(&in, "` }}");
	text = buf_take(&in, NULL);
	t = tmpl_parse("d", text, strlen(text), NULL, err, sizeof(err));
	T_NOT_NULL(t);
	T_EQ_INT(tmpl_execute(t, NULL, &out, NULL, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, "exceeded max depth") != NULL);
	tmpl_free(t);
	free(text);
	buf_addstr(&in, "{{ parseYAML `[");
	for (i = 0; i < 20000; i++)
		buf_addstr(&in, "\"abcdefghij\", ");
	buf_addstr(&in, "'x']` | len }}");
	text = buf_take(&in, NULL);
	t = tmpl_parse("w", text, strlen(text), NULL, err, sizeof(err));
	T_NOT_NULL(t);
	buf_reset(&out);
	T_EQ_INT(tmpl_execute(t, NULL, &out, NULL, err, sizeof(err)), 0);
	T_EQ_STR(buf_str(&out), "20001");
	tmpl_free(t);
	free(text);
	buf_clear(&out);
}

static int
write_now(void *arg, const struct tmpl_write *w, char *err, size_t errlen)
{
	(*(int *)arg)++;
	return tmpl_write_file(w, err, errlen);
}

static char *
slurp(const char *path)
{
	static char b[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(b, 1, sizeof(b) - 1, f);
	b[n] = '\0';
	fclose(f);
	return b;
}

/*
 * writeToFile through tmpl_write_file, in a temporary directory: a new
 * file in new directories with its mode, replaced whole (no temporary
 * left beside it), appended to with a newline, owned by a numeric uid;
 * an unknown user and an unwritable place fail naming them; without a
 * writer the function fails and nothing is written.
 */
static void
test_write(void)
{
	char dir[] = "/tmp/test_tmpl_write.XXXXXX", path[128],
	     err[TMPL_ERR_MAX];
	char text[1024];
	struct tmpl_exec_opts o = { .write_file = write_now };
	struct stat st;
	struct tmpl *t;
	struct buf out;
	int calls = 0;

	o.write_file_arg = &calls;
	T_NOT_NULL(mkdtemp(dir));
	buf_init(&out, 1024);
	snprintf(path, sizeof(path), "%s/a/b/f.conf", dir);
	snprintf(text, sizeof(text),
	    "{{ writeToFile \"%s\" \"\" \"\" \"0640\" \"one\" }}"
	    "{{ \"two\" | writeToFile \"%s\" \"\" \"\" \"0604\" }}"
	    "{{ writeToFile \"%s\" \"\" \"\" \"0777\" \"append,newline\" "
	    "\"three\" }}done",
	    path, path, path);
	t = tmpl_parse("w", text, strlen(text), NULL, err, sizeof(err));
	T_NOT_NULL(t);
	T_EQ_INT(tmpl_execute(t, &o, &out, NULL, err, sizeof(err)), 0);
	T_EQ_STR(buf_str(&out), "done");
	T_EQ_INT(calls, 3);
	T_EQ_STR(slurp(path), "twothree\n");
	T_EQ_INT(stat(path, &st), 0);
	T_EQ_INT((int)(st.st_mode & 07777), 0777);
	tmpl_free(t);
	/* Nothing but f.conf in its directory: the temporaries are gone. */
	snprintf(text, sizeof(text), "%s/a/b", dir);
	{
		DIR *d = opendir(text);
		struct dirent *e;
		int n = 0;

		T_NOT_NULL(d);
		while (d != NULL && (e = readdir(d)) != NULL)
			if (e->d_name[0] != '.' || strlen(e->d_name) > 2)
				n += strcmp(e->d_name, "f.conf") == 0 ? 1 : 100;
		if (d != NULL)
			closedir(d);
		T_EQ_INT(n, 1);
	}
	if (getuid() == 0) {
		snprintf(text, sizeof(text),
		    "{{ writeToFile \"%s\" \"4321\" \"4322\" \"0600\" \"x\" }}",
		    path);
		t = tmpl_parse("o", text, strlen(text), NULL, err, sizeof(err));
		buf_reset(&out);
		T_EQ_INT(tmpl_execute(t, &o, &out, NULL, err, sizeof(err)), 0);
		T_EQ_INT(stat(path, &st), 0);
		T_EQ_INT((int)st.st_uid, 4321);
		T_EQ_INT((int)st.st_gid, 4322);
		T_EQ_INT((int)(st.st_mode & 07777), 0600);
		tmpl_free(t);
	}
	snprintf(text, sizeof(text),
	    "{{ writeToFile \"%s\" \"no-such-user-xyz\" \"\" \"0600\" \"y\" }}",
	    path);
	t = tmpl_parse("u", text, strlen(text), NULL, err, sizeof(err));
	T_EQ_INT(tmpl_execute(t, &o, &out, NULL, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, "user: unknown user no-such-user-xyz") != NULL);
	tmpl_free(t);
	snprintf(text, sizeof(text),
	    "{{ writeToFile \"%s/f.conf/x\" \"\" \"\" \"0600\" \"y\" }}", path);
	t = tmpl_parse("d", text, strlen(text), NULL, err, sizeof(err));
	T_EQ_INT(tmpl_execute(t, &o, &out, NULL, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, "f.conf/x") != NULL);
	/* No writer: an error, and no file. */
	T_EQ_INT(tmpl_execute(t, NULL, &out, NULL, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, "writeToFile: not available here") != NULL);
	tmpl_free(t);
	buf_clear(&out);
	T_EQ_INT(unlink(path), 0);
	snprintf(text, sizeof(text), "%s/a/b", dir);
	T_EQ_INT(rmdir(text), 0);
	snprintf(text, sizeof(text), "%s/a", dir);
	T_EQ_INT(rmdir(text), 0);
	T_EQ_INT(rmdir(dir), 0);
}

/*
 * Functions refused on purpose fail the render naming the function and
 * the reason; datacenters, caRoots, caLeaf and peerings read the answers
 * of their own dependencies.
 */
static void
test_refused_and_connect(void)
{
	static const struct {
		const char *text, *want;
	} refused[] = {
		{ "{{ with secret \"secret/x\" }}{{ .Data }}{{ end }}",
		    "at <secret \"secret/x\">: error calling secret: not "
		    "provided: the templater has no Vault client" },
		{ "{{ pkiCert \"pki/issue/x\" }}", "no Vault client" },
		{ "{{ range nomadServices }}{{ end }}", "no Nomad client" },
		{ "{{ plugin \"/bin/echo\" \"hi\" }}",
		    "error calling plugin: not provided: running an executable" },
		{ "{{ sockaddr \"GetAllInterfaces\" }}",
		    "go-sockaddr's template language" },
		{ "{{ partitions }}",
		    "admin partitions are a Consul Enterprise feature" },
		{ "{{ peerings \"?partition=p\" }}",
		    "list.peerings?partition=p: admin partitions" },
	};
	const char *s
	    = "{{ datacenters }}|{{ range caRoots }}{{ .Name }} "
	      "{{ .RootCertPEM }} {{ .Active }}{{ end }}|"
	      "{{ with caLeaf \"web\" }}{{ .Service }} "
	      "{{ .ValidBefore.After .ValidAfter }}{{ end }}|"
	      "{{ range peerings }}{{ .PeeringState }}:{{ .Name }} {{ end }}";
	const char *data_json
	    = "{\"catalog.datacenters\": [\"dc2\", \"dc1\"],"
	      "\"connect.caroots\": {\"Roots\": [{\"Name\": \"r\","
	      "\"RootCert\": \"PEM\", \"Active\": true}]},"
	      "\"connect.caleaf(web)\": {\"Service\": \"web\","
	      "\"ValidAfter\": \"2026-01-01T00:00:00Z\","
	      "\"ValidBefore\": \"2026-01-04T00:00:00Z\"},"
	      "\"list.peerings\": [{\"Name\": \"b\", \"State\": \"ACTIVE\"},"
	      "{\"Name\": \"a\", \"State\": \"ACTIVE\"},"
	      "{\"Name\": \"c\", \"State\": \"PENDING\"}]}";
	struct tmpl_exec_opts o = { .lookup = lookup };
	char err[TMPL_ERR_MAX];
	struct tmpl *t;
	struct buf out;
	cJSON *data;
	size_t i;

	buf_init(&out, 4096);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		t = tmpl_parse("r", refused[i].text, strlen(refused[i].text),
		    NULL, err, sizeof(err));
		T_NOT_NULL(t);
		T_EQ_INT(tmpl_execute(t, NULL, &out, NULL, err, sizeof(err)),
		    -1);
		T_CHECK(strstr(err, refused[i].want) != NULL, "%s: %s",
		    refused[i].text, err);
		tmpl_free(t);
		buf_reset(&out);
	}
	data = cJSON_Parse(data_json);
	T_NOT_NULL(data);
	o.lookup_arg = data;
	t = tmpl_parse("c", s, strlen(s), NULL, err, sizeof(err));
	T_NOT_NULL(t);
	T_EQ_INT(tmpl_execute(t, &o, &out, NULL, err, sizeof(err)), 0);
	T_EQ_STR(buf_str(&out),
	    "[dc1 dc2]|r PEM true|web true|ACTIVE:a ACTIVE:b PENDING:c ");
	tmpl_free(t);
	cJSON_Delete(data);
	buf_clear(&out);
}

/*
 * Maps sort their keys stably beyond the insertion-sort size, so that a
 * later duplicate key wins (splitToMap), and in O(n log n): 40,000 keys.
 */
static void
test_map_sort(void)
{
	const char *text = "{{ $m := splitToMap \",\" \"=\" (env \"S\") }}"
			   "{{ len $m }} {{ index $m \"k0000\" }} "
			   "{{ index $m \"k0007\" }} {{ index $m \"k9999\" }}";
	struct tmpl_exec_opts o = { 0 };
	struct buf in, out;
	struct tmpl *t;
	char err[TMPL_ERR_MAX], *env[2];
	int i, round;

	buf_init(&in, SIZE_MAX);
	buf_addstr(&in, "S=");
	/* Keys in descending order, each given four times: the last wins. */
	for (round = 0; round < 4; round++)
		for (i = 9999; i >= 0; i--)
			buf_addf(&in, "%sk%04d=r%d", in.len > 2 ? "," : "", i,
			    round);
	env[0] = (char *)buf_str(&in);
	env[1] = NULL;
	o.env = env;
	t = tmpl_parse("m", text, strlen(text), NULL, err, sizeof(err));
	T_NOT_NULL(t);
	buf_init(&out, SIZE_MAX);
	T_EQ_INT(tmpl_execute(t, &o, &out, NULL, err, sizeof(err)), 0);
	T_EQ_STR(buf_str(&out), "10000 r3 r3 r3");
	buf_clear(&out);
	buf_clear(&in);
	tmpl_free(t);
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

/* Renders s (no data) into *out; returns tmpl_execute's result. */
static int
render(const char *s, const struct tmpl_exec_opts *o, char *out, size_t outlen,
    char *err, size_t errlen)
{
	struct tmpl *t;
	struct buf b;
	int ret;

	t = tmpl_parse("r", s, strlen(s), NULL, err, errlen);
	T_NOT_NULL(t);
	if (t == NULL)
		return -1;
	buf_init(&b, 1 << 20);
	ret = tmpl_execute(t, o, &b, NULL, err, errlen);
	snprintf(out, outlen, "%s", buf_str(&b));
	buf_clear(&b);
	tmpl_free(t);
	return ret;
}

/*
 * Regular expressions are Go's: leftmost-first, named groups in the
 * replacement, and what Go refuses (back-references, look-around,
 * repetition counts over 1000) is an error naming the template and the
 * line, with Go's text.  Their steps count against the render's budget.
 */
static void
test_regex(void)
{
	struct tmpl_exec_opts o = { 0 };
	char out[256], big[4096], err[TMPL_ERR_MAX];

	T_EQ_INT(render("{{ regexReplaceAll \"a|ab\" \"X\" \"ab\" }}", NULL,
		     out, sizeof(out), err, sizeof(err)),
	    0);
	T_EQ_STR(out, "Xb");
	T_EQ_INT(render("{{ regexReplaceAll \"(?P<h>[a-z]+)-(\\\\d+)\" "
			"\"${2}.$h.$$\" \"web-12 db-3\" }}",
		     NULL, out, sizeof(out), err, sizeof(err)),
	    0);
	T_EQ_STR(out, "12.web.$ 3.db.$");
	T_EQ_INT(render("{{ regexMatch \"^a+?$\" \"aaa\" }}", NULL, out,
		     sizeof(out), err, sizeof(err)),
	    0);
	T_EQ_STR(out, "true");
	T_EQ_INT(render("x\n{{ regexMatch \"(0*)*(0*)*(0*)*\\\\1\\\\2\\\\3x\" "
			"\"000\" }}",
		     NULL, out, sizeof(out), err, sizeof(err)),
	    -1);
	T_EQ_STR(err,
	    "r:2:3: executing \"r\" at <regexMatch \"(0*)*(0*)*(0*)*\\\\1\\\\2"
	    "\\\\3x\" \"000\">: error calling regexMatch: error parsing "
	    "regexp: invalid escape sequence: `\\1`");
	T_EQ_INT(render("{{ regexMatch \"a(?=b)\" \"ab\" }}", NULL, out,
		     sizeof(out), err, sizeof(err)),
	    -1);
	T_ASSERT(
	    strstr(err, "invalid or unsupported Perl syntax: `(?=`") != NULL);
	T_EQ_INT(render("{{ regexMatch \"(((0{1,100}){1,100}){1,100})\" "
			"\"0\" }}",
		     NULL, out, sizeof(out), err, sizeof(err)),
	    -1);
	T_ASSERT(strstr(err, "invalid repeat count: `{1,100}`") != NULL);
	/* A pattern that is slow on its data runs out of steps. */
	o.max_steps = 100000;
	T_EQ_INT(render("a\n\n{{ regexReplaceAll \".*b|0\" \"x\" "
			"(printf \"%0500d\" 0) }}",
		     &o, out, sizeof(out), err, sizeof(err)),
	    -1);
	T_CHECK(strncmp(err, "r:3:3: ", 7) == 0, "%s", err);
	T_ASSERT(strstr(err, "step budget exceeded") != NULL);
	o.max_steps = 0;
	/*
	 * The memo of results: through its growth, its clearing when full,
	 * and hits on the second pass, it gives what matching gives.
	 */
	T_EQ_INT(render("{{ range loop 2 }}{{ range $i := loop 1000 }}"
			"{{ if regexMatch \"^[0-9]*99$\" (print $i) }}x"
			"{{ end }}{{ end }}{{ end }}",
		     &o, big, sizeof(big), err, sizeof(err)),
	    0);
	T_EQ_INT(strlen(big), 2 * 10);
	T_EQ_INT(strspn(big, "x"), 2 * 10);
	/* Empty subjects, before and among others. */
	T_EQ_INT(
	    render("{{ range loop 2 }}{{ regexMatch \"^$\" \"\" }}"
		   "{{ regexMatch \"^$\" \"a\" }}{{ regexMatch \"a\" \"\" }}"
		   "{{ end }}",
		&o, out, sizeof(out), err, sizeof(err)),
	    0);
	T_EQ_STR(out, "truefalsefalsetruefalsefalse");
	T_EQ_INT(render("{{ range loop 2 }}{{ range $i := loop 70000 }}"
			"{{ if regexMatch \"^[0-9]*99$\" (print $i) }}x"
			"{{ end }}{{ end }}{{ end }}",
		     &o, big, sizeof(big), err, sizeof(err)),
	    0);
	T_EQ_INT(strlen(big), 2 * 700);
	T_EQ_INT(strspn(big, "x"), 2 * 700);
	T_EQ_INT(render("{{ regexReplaceAll \".*b|0\" \"x\" "
			"(printf \"%0500d\" 0) }}",
		     &o, out, sizeof(out), err, sizeof(err)),
	    0);
}

/* An interrupt hook that stops the execution at its calls'th call. */
struct stopper {
	int calls;
	int stop_at;
};

static const char *
stop_hook(void *arg)
{
	struct stopper *st = arg;

	return ++st->calls >= st->stop_at ? "interrupted: test" : NULL;
}

/*
 * The budgets and the interrupt hook: a loop or a long match past the
 * step budget, values past the memory budget, each fail with the
 * template's name, the line and the budget's name; the hook is called
 * while a long loop runs and inside one long regex search, and stops
 * either when it says so.
 */
static void
test_budgets(void)
{
	struct stopper st = { 0, 1000000 };
	struct tmpl_exec_opts o
	    = { .interrupt = stop_hook, .interrupt_arg = &st };
	char out[256], err[TMPL_ERR_MAX];

	o.max_steps = 5000;
	T_EQ_INT(render("x\n{{ range loop 100000 }}{{ end }}", &o, out,
		     sizeof(out), err, sizeof(err)),
	    -1);
	T_CHECK(strncmp(err, "r:2:", 4) == 0, "%s", err);
	T_ASSERT(strstr(err, "step budget exceeded") != NULL);
	T_ASSERT(st.calls >= 4);
	o.max_steps = 0;
	o.max_bytes = 1 << 20;
	T_EQ_INT(
	    render("{{ $s := printf \"%0100000d\" 0 }}{{ range loop 1000 }}"
		   "{{ $s = print $s \"x\" }}{{ end }}",
		&o, out, sizeof(out), err, sizeof(err)),
	    -1);
	T_CHECK(strstr(err, "memory budget exceeded") != NULL, "%s", err);
	o.max_bytes = 0;
	/* A loop stopped by the hook. */
	st.calls = 0;
	st.stop_at = 3;
	T_EQ_INT(render("{{ range 100000000 }}{{ end }}", &o, out, sizeof(out),
		     err, sizeof(err)),
	    -1);
	T_CHECK(strstr(err, "interrupted: test") != NULL, "%s", err);
	T_EQ_INT(st.calls, 3);
	/* One regex search stopped by the hook from inside. */
	st.calls = 0;
	st.stop_at = 3;
	T_EQ_INT(render("{{ $a := printf \"%010000d\" 0 }}"
			"{{ $b := print $a $a $a $a $a $a $a $a $a $a }}"
			"{{ regexMatch \"(0+0+)+y\" (print $b $b $b $b $b) }}",
		     &o, out, sizeof(out), err, sizeof(err)),
	    -1);
	T_CHECK(strstr(err, "interrupted: test") != NULL, "%s", err);
	T_EQ_INT(st.calls, 3);
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
	test_refused_and_connect();
	test_write();
	test_parse_yaml_bounds();
	test_encoder_nesting();
	test_map_sort();
	test_compact();
	test_regex();
	test_budgets();
	test_nul();
	test_too_long();
	return test_report();
}
