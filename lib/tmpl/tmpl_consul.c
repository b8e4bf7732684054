/* SPDX-License-Identifier: MIT */
/*
 * Consul data in templates: the service, connect, services, key,
 * keyExists, keyOrDefault, ls, safeLs, tree, safeTree, node and nodes
 * functions.  Each parses its query into a dependency string
 * (tmpl_dep.c), asks the caller for that dependency's answer through the
 * execution context, and returns records over it (tmpl_record.c).
 * Filtering, sorting and address fallback follow consul-template's
 * dependency package.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "str.h"
#include "tmpl_int.h"

static const char *
aggregated_status(const cJSON *checks)
{
	const cJSON *c;
	const char *id, *st;
	bool passing = false, warning = false, critical = false, maint = false;

	for (c = cJSON_IsArray(checks) ? checks->child : NULL; c != NULL;
	     c = c->next) {
		id = tmpl_record_str(c, "CheckID");
		if (id[0] == '_'
		    && (strcmp(id, "_node_maintenance") == 0
			|| strncmp(id, "_service_maintenance:", 21) == 0)) {
			maint = true;
			continue;
		}
		st = tmpl_record_str(c, "Status");
		if (strcmp(st, "passing") == 0)
			passing = true;
		else if (strcmp(st, "warning") == 0)
			warning = true;
		else if (strcmp(st, "critical") == 0)
			critical = true;
		else
			return "";
	}
	if (maint)
		return "maintenance";
	if (critical)
		return "critical";
	if (warning)
		return "warning";
	(void)passing;
	return "passing";
}

static bool
accept_status(const char *filters, const char *status)
{
	const char *p = filters, *e;
	size_t n;

	while (*p != '\0') {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if ((n == 3 && memcmp(p, "any", 3) == 0)
		    || (strlen(status) == n && memcmp(p, status, n) == 0))
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/* Sort by Node then ID, stable (ties keep Consul's order). */
static int
cmp_hsvc(const void *a, const void *b)
{
	const struct tmpl_record *x = ((const struct tmpl_value *)a)->u.rec;
	const struct tmpl_record *y = ((const struct tmpl_value *)b)->u.rec;
	int c;

	c = strcmp(x->sortkey, y->sortkey);
	if (c != 0)
		return c;
	c = strcmp(x->sortkey2, y->sortkey2);
	if (c != 0)
		return c;
	return x->j < y->j ? -1 : x->j > y->j;
}

static int
parse_dep(struct tmpl_exec *x, int kind, const char *s,
    struct tmpl_dep_query *q, char *canon, size_t canonlen)
{
	char err[TMPL_ERR_MAX];
	size_t len = strlen(s);

	/*
	 * A name too long to query fails its own dependency, not the whole
	 * execution: canon is "" and dep_data() gives no data for it.
	 */
	if (len > TMPL_DEP_MAX) {
		tmpl_exec_dep_refused(x, s, len);
		canon[0] = '\0';
		return 0;
	}
	if (tmpl_dep_parse(kind, s, q, canon, canonlen, err, sizeof(err)) == -1)
		return tmpl_exec_errorf(x, "%s", err);
	return 0;
}

/* tmpl_exec_dep(), but no data for a query parse_dep() refused. */
static const cJSON *
dep_data(struct tmpl_exec *x, const char *canon, bool block_on_nil)
{
	if (canon[0] == '\0')
		return NULL;
	return tmpl_exec_dep(x, canon, block_on_nil);
}

static int
health(struct tmpl_exec *x, struct tmpl_value *a, size_t n, int kind,
    struct tmpl_value *r)
{
	char canon[2 * TMPL_DEP_MAX + 64], query[TMPL_DEP_MAX + 1];
	struct tmpl_dep_query q;
	const cJSON *data, *e;
	struct tmpl_record *rec;
	struct tmpl_value *l;
	const char *st, *s;
	size_t i, cnt, cap, len, qlen = 0;
	int ret = -1;

	/* Several arguments are joined with "|": service "web" "any". */
	for (i = 0; i < n; i++) {
		if (tmpl_exec_arg_str(x, a, i, &s, &len) == -1)
			goto out;
		if (qlen + len + 1 > TMPL_DEP_MAX) {
			/* As parse_dep(): no data, not a failed execution. */
			tmpl_exec_dep_refused(x, s, len);
			*r = tmpl_value_list(
			    tmpl_arena_alloc(x->a, sizeof(struct tmpl_value)),
			    0, ELEM_REC);
			ret = 0;
			goto out;
		}
		if (i > 0)
			query[qlen++] = '|';
		memcpy(query + qlen, s, len);
		qlen += len;
	}
	query[qlen] = '\0';
	*r = tmpl_value_list(tmpl_arena_alloc(x->a, sizeof(struct tmpl_value)),
	    0, ELEM_REC);
	if (n == 0 || a[0].len == 0) {
		ret = 0;
		goto out;
	}
	if (parse_dep(x, kind, query, &q, canon, sizeof(canon)) == -1)
		goto out;
	data = dep_data(x, canon, false);
	ret = 0;
	if (data == NULL)
		goto out;
	/*
	 * One pass over the answer (the entries are cold in cache): the
	 * list grows by doubling, and each entry's three members are found
	 * in a single scan of its children.
	 */
	cap = 16;
	l = tmpl_arena_alloc(x->a, cap * sizeof(*l));
	cnt = 0;
	for (e = cJSON_IsArray(data) ? data->child : NULL; e != NULL;
	     e = e->next) {
		const cJSON *c, *node = NULL, *svc = NULL, *checks = NULL;

		/* The first of a repeated member, as tmpl_record_member. */
		for (c = e->child; c != NULL; c = c->next) {
			if (c->string == NULL)
				continue;
			if (node == NULL && c->string[0] == 'N'
			    && strcmp(c->string, "Node") == 0)
				node = c;
			else if (svc == NULL && c->string[0] == 'S'
			    && strcmp(c->string, "Service") == 0)
				svc = c;
			else if (checks == NULL && c->string[0] == 'C'
			    && strcmp(c->string, "Checks") == 0)
				checks = c;
		}
		st = aggregated_status(checks);
		if (!accept_status(q.filters, st))
			continue;
		if (cnt == cap) {
			struct tmpl_value *nl
			    = tmpl_arena_alloc(x->a, 2 * cap * sizeof(*nl));

			memcpy(nl, l, cnt * sizeof(*l));
			l = nl;
			cap *= 2;
		}
		rec = tmpl_arena_alloc(x->a, sizeof(*rec));
		rec->j = e;
		rec->j2 = node;
		rec->j3 = svc;
		rec->str = st;
		rec->strlen = strlen(st);
		rec->str2 = NULL;
		rec->str2len = 0;
		rec->sortkey = tmpl_record_str(node, "Node");
		rec->sortkey2 = tmpl_record_str(svc, "ID");
		l[cnt++] = tmpl_value_record(rec, REC_HSVC);
	}
	if (q.near[0] == '\0' && cnt > 32)
		qsort(l, cnt, sizeof(*l), cmp_hsvc);
	else if (q.near[0] == '\0' && cnt > 1) {
		/* Usually few and already in order: insertion sort. */
		for (i = 1; i < cnt; i++) {
			struct tmpl_value t = l[i];
			size_t k;

			for (k = i; k > 0 && cmp_hsvc(&l[k - 1], &t) > 0; k--)
				l[k] = l[k - 1];
			l[k] = t;
		}
	}
	*r = tmpl_value_list(l, cnt, ELEM_REC);
out:
	return ret;
}

static int
fn_service(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	return health(x, a, n, DEP_SERVICE, r);
}

static int
fn_connect(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	return health(x, a, n, DEP_CONNECT, r);
}

static int
cmp_snippet(const void *a, const void *b)
{
	const struct tmpl_record *x = ((const struct tmpl_value *)a)->u.rec;
	const struct tmpl_record *y = ((const struct tmpl_value *)b)->u.rec;

	return strcmp(x->str, y->str);
}

static int
fn_services(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char canon[2 * TMPL_DEP_MAX + 64];
	struct tmpl_dep_query q;
	const cJSON *data, *c;
	struct tmpl_record *rec;
	struct tmpl_value *l;
	const char *s = "";
	size_t len, cnt = 0;

	if (n > 0) {
		if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
			return -1;
		s = tmpl_arena_strndup(x->a, s, len);
	}
	if (parse_dep(x, DEP_SERVICES, s, &q, canon, sizeof(canon)) == -1)
		return -1;
	*r = tmpl_value_list(tmpl_arena_alloc(x->a, sizeof(struct tmpl_value)),
	    0, ELEM_REC);
	data = dep_data(x, canon, false);
	if (!cJSON_IsObject(data))
		return 0;
	for (c = data->child; c != NULL; c = c->next)
		cnt++;
	l = tmpl_arena_alloc(x->a, (cnt ? cnt : 1) * sizeof(*l));
	cnt = 0;
	for (c = data->child; c != NULL; c = c->next) {
		rec = tmpl_arena_calloc(x->a, 1, sizeof(*rec));
		rec->j = c;
		rec->str = c->string != NULL ? c->string : "";
		rec->strlen = strlen(rec->str);
		l[cnt++] = tmpl_value_record(rec, REC_SNIPPET);
	}
	if (cnt > 1)
		qsort(l, cnt, sizeof(*l), cmp_snippet);
	*r = tmpl_value_list(l, cnt, ELEM_REC);
	return 0;
}

/* Consul's base64 Value, decoded into the arena. */
static struct tmpl_value
kv_value(struct tmpl_exec *x, const cJSON *pair)
{
	const cJSON *v = tmpl_record_member(pair, "Value");
	size_t len, outlen;
	char *out;

	if (!cJSON_IsString(v))
		return tmpl_value_str("", 0);
	len = strlen(v->valuestring);
	out = tmpl_arena_alloc(x->a, len + 1);
	if (tmpl_codec_base64_decode(v->valuestring, len, false, out, &outlen)
	    == -1)
		return tmpl_value_str("", 0);
	out[outlen] = '\0';
	return tmpl_value_str(out, outlen);
}

static int
kv_get(struct tmpl_exec *x, struct tmpl_value *a, int kind, const cJSON **pair)
{
	char canon[2 * TMPL_DEP_MAX + 64];
	struct tmpl_dep_query q;
	const cJSON *data;
	const char *s;
	size_t len;

	*pair = NULL;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	/* consul-template: an empty key is no dependency at all. */
	if (len == 0)
		return 0;
	if (parse_dep(x, kind, tmpl_arena_strndup(x->a, s, len), &q, canon,
		sizeof(canon))
	    == -1)
		return -1;
	data = dep_data(x, canon, kind == DEP_KEY);
	if (cJSON_IsArray(data))
		data = data->child;
	if (cJSON_IsObject(data))
		*pair = data;
	return 0;
}

static int
fn_key(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const cJSON *pair;

	(void)n;
	if (kv_get(x, a, DEP_KEY, &pair) == -1)
		return -1;
	*r = pair != NULL ? kv_value(x, pair) : tmpl_value_str("", 0);
	return 0;
}

static int
fn_key_exists(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const cJSON *pair;

	(void)n;
	if (kv_get(x, a, DEP_KEYGET, &pair) == -1)
		return -1;
	*r = tmpl_value_bool(pair != NULL);
	return 0;
}

static int
fn_key_or_default(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const cJSON *pair;
	struct tmpl_value v;

	(void)n;
	if (kv_get(x, a, DEP_KEYGET, &pair) == -1)
		return -1;
	if (a[1].kind != TV_STR)
		return tmpl_exec_arg_str(x, a, 1, &v.u.s, &n);
	v = pair != NULL ? kv_value(x, pair) : tmpl_value_str("", 0);
	*r = v.len > 0 ? v : a[1];
	return 0;
}

enum list_mode {
	LIST_LS,
	LIST_TREE,
};

static int
kv_list(struct tmpl_exec *x, struct tmpl_value *a, int mode, bool safe,
    struct tmpl_value *r)
{
	char canon[2 * TMPL_DEP_MAX + 64];
	struct tmpl_dep_query q;
	const cJSON *data, *p;
	struct tmpl_record *rec;
	struct tmpl_value *l;
	const char *s, *k, *rel;
	size_t len, cnt = 0, plen;

	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	if (parse_dep(x, DEP_LIST, tmpl_arena_strndup(x->a, s, len), &q, canon,
		sizeof(canon))
	    == -1)
		return -1;
	*r = tmpl_value_list(tmpl_arena_alloc(x->a, sizeof(struct tmpl_value)),
	    0, ELEM_REC);
	data = dep_data(x, canon, false);
	if (data == NULL)
		return 0;
	for (p = cJSON_IsArray(data) ? data->child : NULL; p != NULL;
	     p = p->next)
		cnt++;
	l = tmpl_arena_alloc(x->a, (cnt ? cnt : 1) * sizeof(*l));
	cnt = 0;
	plen = strlen(q.name);
	for (p = cJSON_IsArray(data) ? data->child : NULL; p != NULL;
	     p = p->next) {
		k = tmpl_record_str(p, "Key");
		rel = strncmp(k, q.name, plen) == 0 ? k + plen : k;
		while (*rel == '/')
			rel++;
		if (mode == LIST_LS) {
			if (*rel == '\0' || strchr(rel, '/') != NULL)
				continue;
		} else if (*rel == '\0' || rel[strlen(rel) - 1] == '/')
			continue;
		rec = tmpl_arena_calloc(x->a, 1, sizeof(*rec));
		rec->j = p;
		rec->str = rel;
		rec->strlen = strlen(rel);
		{
			struct tmpl_value v = kv_value(x, p);

			rec->str2 = v.u.s;
			rec->str2len = v.len;
		}
		l[cnt++] = tmpl_value_record(rec, REC_KV);
	}
	*r = tmpl_value_list(l, cnt, ELEM_REC);
	/* safeLs/safeTree: an empty answer counts as no data. */
	if (safe && cnt == 0)
		tmpl_exec_dep_missing(x, canon);
	return 0;
}

static int
fn_ls(struct tmpl_exec *x, struct tmpl_value *a, size_t n, struct tmpl_value *r)
{
	(void)n;
	return kv_list(x, a, LIST_LS, false, r);
}

static int
fn_safe_ls(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return kv_list(x, a, LIST_LS, true, r);
}

static int
fn_tree(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return kv_list(x, a, LIST_TREE, false, r);
}

static int
fn_safe_tree(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return kv_list(x, a, LIST_TREE, true, r);
}

static int
fn_node(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char canon[2 * TMPL_DEP_MAX + 64];
	struct tmpl_dep_query q;
	const cJSON *data;
	const char *s = "";
	size_t len;

	if (n > 0) {
		if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
			return -1;
		s = tmpl_arena_strndup(x->a, s, len);
	}
	if (parse_dep(x, DEP_NODE, s, &q, canon, sizeof(canon)) == -1)
		return -1;
	/* Consul answers null for a node it does not know: consul-template
	 * then gives an empty CatalogNode, true and printed {<nil> []}. */
	data = dep_data(x, canon, false);
	if (data == NULL)
		*r = tmpl_value_missing();
	else
		*r = tmpl_record_new(x->a, REC_CNODE,
		    cJSON_IsObject(data) ? data : NULL);
	return 0;
}

static int
cmp_node(const void *a, const void *b)
{
	const struct tmpl_value *x = a, *y = b;
	int c;

	c = strcmp(tmpl_record_str(x->u.rec->j, "Node"),
	    tmpl_record_str(y->u.rec->j, "Node"));
	if (c != 0)
		return c;
	return x->u.rec->j < y->u.rec->j ? -1 : x->u.rec->j > y->u.rec->j;
}

static int
fn_nodes(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char canon[2 * TMPL_DEP_MAX + 64];
	struct tmpl_dep_query q;
	const cJSON *data;
	const char *s = "";
	size_t len;

	if (n > 0) {
		if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
			return -1;
		s = tmpl_arena_strndup(x->a, s, len);
	}
	if (parse_dep(x, DEP_NODES, s, &q, canon, sizeof(canon)) == -1)
		return -1;
	data = dep_data(x, canon, false);
	*r = tmpl_record_list(x->a, data, REC_NODE);
	if (q.near[0] == '\0' && r->len > 1)
		qsort(r->u.list, r->len, sizeof(struct tmpl_value), cmp_node);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return tmpl_value_cmp_key(a, b);
}

/*
 * datacenters [ignoreInaccessible]: Consul's datacenter names, sorted.
 * The flag must be a bool, as Go checks; the engine cannot probe each
 * datacenter as consul-template does with it (a pure function has no
 * Consul client), so it lists every datacenter Consul knows either way.
 */
static int
fn_datacenters(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const cJSON *data, *c;
	struct tmpl_value *l;
	size_t cnt = 0;

	if (n > 1)
		return tmpl_exec_errorf(x,
		    "datacenters: wrong number of arguments, expected 0 or 1, "
		    "but got %zu",
		    n);
	if (n == 1 && a[0].kind != TV_BOOL)
		return tmpl_exec_errorf(x,
		    "wrong type for value; expected bool; got %s",
		    tmpl_value_type_name(&a[0]));
	data = tmpl_exec_dep(x, "catalog.datacenters", false);
	for (c = cJSON_IsArray(data) ? data->child : NULL; c != NULL;
	     c = c->next)
		cnt++;
	l = tmpl_arena_alloc(x->a, (cnt ? cnt : 1) * sizeof(*l));
	cnt = 0;
	for (c = cJSON_IsArray(data) ? data->child : NULL; c != NULL;
	     c = c->next)
		if (cJSON_IsString(c))
			l[cnt++] = tmpl_value_cstr(c->valuestring);
	if (cnt > 1)
		qsort(l, cnt, sizeof(*l), cmp_str);
	*r = tmpl_value_list(l, cnt, ELEM_STR);
	return 0;
}

/* caRoots: the Connect CA's roots ([]*api.CARoot), nil before data. */
static int
fn_ca_roots(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const cJSON *data;
	const char *s;
	size_t i, len;

	/* ...string, unused: Go still checks their type. */
	for (i = 0; i < n; i++)
		if (tmpl_exec_arg_str(x, a, i, &s, &len) == -1)
			return -1;
	data = tmpl_exec_dep(x, "connect.caroots", false);
	*r = tmpl_record_list(x->a, tmpl_record_member(data, "Roots"),
	    REC_CAROOT);
	r->rtype = REC_CAROOT + 1;
	return 0;
}

/*
 * caLeaf "service": the service's leaf certificate (*api.LeafCert), nil
 * before data or without a service name.  Only the first argument
 * counts, as in consul-template.
 */
static int
fn_ca_leaf(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char canon[TMPL_DEP_MAX + 32];
	const cJSON *data;
	const char *s;
	size_t i, len;

	/* A nil interface{}: prints <no value>, %T <nil>. */
	*r = tmpl_value_missing();
	for (i = 0; i < n; i++)
		if (tmpl_exec_arg_str(x, a, i, &s, &len) == -1)
			return -1;
	if (n == 0)
		return 0;
	(void)tmpl_exec_arg_str(x, a, 0, &s, &len);
	if (len == 0)
		return 0;
	if (len > TMPL_DEP_MAX) {
		tmpl_exec_dep_refused(x, s, len);
		return 0;
	}
	snprintf(canon, sizeof(canon), "connect.caleaf(%.*s)", (int)len, s);
	data = tmpl_exec_dep(x, canon, false);
	if (cJSON_IsObject(data))
		*r = tmpl_record_new(x->a, REC_LEAF, data);
	return 0;
}

/* consul-template's ByPeer: state, then partition, then name; stable. */
static int
cmp_peering(const void *a, const void *b)
{
	const cJSON *x = ((const struct tmpl_value *)a)->u.rec->j;
	const cJSON *y = ((const struct tmpl_value *)b)->u.rec->j;
	int c;

	c = strcmp(tmpl_record_str(x, "State"), tmpl_record_str(y, "State"));
	if (c == 0)
		c = strcmp(tmpl_record_str(x, "Partition"),
		    tmpl_record_str(y, "Partition"));
	if (c == 0)
		c = strcmp(tmpl_record_str(x, "Name"),
		    tmpl_record_str(y, "Name"));
	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

/*
 * peerings ["?partition=p"]: the cluster's peerings.  Consul CE refuses
 * every partition (HTTP 400), and consul-template fails with that; so
 * does the engine, at once.
 */
static int
fn_peerings(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct buf q = BUF_INITIALIZER(TMPL_DEP_MAX);
	const char *s;
	size_t i, len;
	int ret = -1;

	for (i = 0; i < n; i++) {
		if (tmpl_exec_arg_str(x, a, i, &s, &len) == -1)
			goto out;
		if (buf_add(&q, s, len) == -1) {
			tmpl_exec_errorf(x,
			    "list.peering: query longer than %d bytes",
			    TMPL_DEP_MAX);
			goto out;
		}
	}
	s = buf_str(&q);
	if (s[0] != '\0' && !str_has_prefix(s, "?partition=")) {
		tmpl_exec_errorf(x, "list.peering: invalid format: \"%s\"", s);
		goto out;
	}
	if (s[0] != '\0') {
		tmpl_exec_errorf(x,
		    "list.peerings%s: admin partitions are a Consul "
		    "Enterprise feature, not supported by the templater",
		    s);
		goto out;
	}
	*r = tmpl_record_list(x->a, tmpl_exec_dep(x, "list.peerings", false),
	    REC_PEERING);
	r->rtype = REC_PEERING + 1;
	if (r->len > 1)
		qsort(r->u.list, r->len, sizeof(struct tmpl_value),
		    cmp_peering);
	ret = 0;
out:
	buf_clear(&q);
	return ret;
}

/*
 * partitions and exportedServices: Consul Enterprise's admin partitions.
 * Consul CE answers 404 and consul-template fails with that; the engine
 * fails at once, saying why.
 */
static int
fn_enterprise(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)a;
	(void)r;
	if (x->farg == 1 && n > 1)
		return tmpl_exec_errorf(x,
		    "exportedServices: wrong number of arguments, expected 0 "
		    "or 1");
	return tmpl_exec_errorf(x,
	    "%s: admin partitions are a Consul Enterprise feature, not "
	    "supported by the templater",
	    x->farg == 1 ? "exportedServices" : "partitions");
}

/* Grouping: (key, record) pairs sorted by key, stable. */

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_consul_funcs[] = {
	{ "service", fn_service, 1, -1, 0, 0 },
	{ "connect", fn_connect, 1, -1, 0, 0 },
	{ "services", fn_services, 0, 1, 0, 0 },
	{ "key", fn_key, 1, 1, 0, 0 },
	{ "keyExists", fn_key_exists, 1, 1, 0, 0 },
	{ "keyOrDefault", fn_key_or_default, 2, 2, 0, 0 },
	{ "ls", fn_ls, 1, 1, 0, 0 },
	{ "safeLs", fn_safe_ls, 1, 1, 0, 0 },
	{ "tree", fn_tree, 1, 1, 0, 0 },
	{ "safeTree", fn_safe_tree, 1, 1, 0, 0 },
	{ "node", fn_node, 0, 1, 0, 0 },
	{ "nodes", fn_nodes, 0, 1, 0, 0 },
	{ "datacenters", fn_datacenters, 0, -1, 0, 0 },
	{ "caRoots", fn_ca_roots, 0, -1, 0, 0 },
	{ "caLeaf", fn_ca_leaf, 0, -1, 0, 0 },
	{ "peerings", fn_peerings, 0, -1, 0, 0 },
	{ "partitions", fn_enterprise, 0, 0, 0, 0 },
	{ "exportedServices", fn_enterprise, 0, -1, 0, 1 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
