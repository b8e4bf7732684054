/* SPDX-License-Identifier: MIT */
/*
 * Consul data in templates: the service, services, key*, ls/tree, node
 * and nodes functions, the records they return (consul-template's
 * HealthService, CatalogSnippet, KeyPair, Node, CatalogNode... with the
 * same field names), and the grouping helpers byTag, byKey, byPort and
 * explode.  Records wrap the caller's Consul JSON and compute fields on
 * access, which keeps a render over thousands of instances cheap.
 * Filtering, sorting and address fallback follow consul-template's
 * dependency package.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_func.h"
#include "xmalloc.h"

static const char *const hsvc_fields[]
    = { "Node", "NodeID", "NodeAddress", "NodeTaggedAddresses", "NodeMeta",
	      "ServiceMeta", "Address", "ServiceTaggedAddresses", "ID", "Name",
	      "Tags", "Checks", "Status", "Port", "Weights", NULL };
static const char *const snippet_fields[] = { "Name", "Tags", NULL };
static const char *const kv_fields[] = { "Path", "Key", "Value", "Exists",
	"CreateIndex", "ModifyIndex", "LockIndex", "Flags", "Session", NULL };
static const char *const node_fields[] = { "ID", "Node", "Address",
	"Datacenter", "TaggedAddresses", "Meta", NULL };
static const char *const cnode_fields[] = { "Node", "Services", NULL };
static const char *const cnsvc_fields[] = { "ID", "Service", "Tags", "Meta",
	"Port", "Address", "EnableTagOverride", NULL };
static const char *const check_fields[]
    = { "Node", "CheckID", "Name", "Status", "Notes", "Output", "ServiceID",
	      "ServiceName", "ServiceTags", "Type", NULL };
static const char *const weights_fields[] = { "Passing", "Warning", NULL };
static const char *const saddr_fields[] = { "Address", "Port", NULL };

static const struct {
	const char *name;
	const char *const *fields;
} rec_types[REC_NTYPES] = {
	[REC_HSVC] = { "*dependency.HealthService", hsvc_fields },
	[REC_SNIPPET] = { "*dependency.CatalogSnippet", snippet_fields },
	[REC_KV] = { "*dependency.KeyPair", kv_fields },
	[REC_NODE] = { "*dependency.Node", node_fields },
	[REC_CNODE] = { "*dependency.CatalogNode", cnode_fields },
	[REC_CNSVC] = { "*dependency.CatalogNodeService", cnsvc_fields },
	[REC_CHECK] = { "*api.HealthCheck", check_fields },
	[REC_WEIGHTS] = { "api.AgentWeights", weights_fields },
	[REC_SADDR] = { "api.ServiceAddress", saddr_fields },
};

const char *
tmpl_record_type_name(int rtype)
{
	return rec_types[rtype].name;
}

size_t
tmpl_record_nfields(int rtype)
{
	size_t n = 0;

	while (rec_types[rtype].fields[n] != NULL)
		n++;
	return n;
}

const char *
tmpl_record_field_name(int rtype, size_t i)
{
	return rec_types[rtype].fields[i];
}

/*
 * cJSON_GetObjectItemCaseSensitive calls strcmp on every member; field
 * access is the hot path of a render, so compare the first byte first.
 */
static const cJSON *
jget(const cJSON *o, const char *k)
{
	const cJSON *c;

	if (o == NULL)
		return NULL;
	for (c = o->child; c != NULL; c = c->next)
		if (c->string != NULL && c->string[0] == k[0]
		    && strcmp(c->string, k) == 0)
			return c;
	return NULL;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = jget(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static int64_t
jint(const cJSON *o, const char *k)
{
	const cJSON *v = jget(o, k);

	/* Out of int64_t's range the conversion is undefined: read as 0. */
	if (!cJSON_IsNumber(v)
	    || !(v->valuedouble >= -0x1p63 && v->valuedouble < 0x1p63))
		return 0;
	return (int64_t)v->valuedouble;
}

static struct tmpl_value
new_rec(struct tmpl_arena *a, int rtype, const cJSON *j)
{
	struct tmpl_record *r;

	r = tmpl_arena_calloc(a, 1, sizeof(*r));
	r->j = j;
	return tmpl_value_record(r, rtype);
}

/* map[string]string from a JSON object; nil map for null. */
static struct tmpl_value
str_map(struct tmpl_arena *a, const cJSON *o)
{
	struct tmpl_map *m;
	const cJSON *c;
	size_t n = 0;

	if (!cJSON_IsObject(o))
		return tmpl_value_map(NULL, ELEM_STR);
	for (c = o->child; c != NULL; c = c->next)
		n++;
	m = tmpl_value_map_new(a, n);
	n = 0;
	for (c = o->child; c != NULL; c = c->next) {
		m->keys[n]
		    = tmpl_value_cstr(c->string != NULL ? c->string : "");
		m->vals[n]
		    = tmpl_value_cstr(cJSON_IsString(c) ? c->valuestring : "");
		n++;
	}
	tmpl_value_map_sort(m);
	return tmpl_value_map(m, ELEM_STR);
}

static int
cmp_str_tv(const void *a, const void *b)
{
	const struct tmpl_value *x = a, *y = b;

	return tmpl_value_cmp_key(x, y);
}

/* Tags as consul-template keeps them: copied and sorted. */
static struct tmpl_value
tag_list(struct tmpl_arena *a, const cJSON *arr)
{
	struct tmpl_value *l;
	const cJSON *c;
	size_t n = 0;

	for (c = cJSON_IsArray(arr) ? arr->child : NULL; c != NULL; c = c->next)
		n++;
	l = tmpl_arena_alloc(a, (n ? n : 1) * sizeof(*l));
	n = 0;
	for (c = cJSON_IsArray(arr) ? arr->child : NULL; c != NULL; c = c->next)
		if (cJSON_IsString(c))
			l[n++] = tmpl_value_cstr(c->valuestring);
	if (n > 1)
		qsort(l, n, sizeof(*l), cmp_str_tv);
	return tmpl_value_list(l, n, ELEM_STR);
}

static struct tmpl_value
rec_list(struct tmpl_arena *a, const cJSON *arr, int rtype)
{
	struct tmpl_value *l;
	const cJSON *c;
	size_t n = 0;

	for (c = cJSON_IsArray(arr) ? arr->child : NULL; c != NULL; c = c->next)
		n++;
	l = tmpl_arena_alloc(a, (n ? n : 1) * sizeof(*l));
	n = 0;
	for (c = cJSON_IsArray(arr) ? arr->child : NULL; c != NULL; c = c->next)
		l[n++] = new_rec(a, rtype, c);
	return tmpl_value_list(l, n, ELEM_REC);
}

static struct tmpl_value
saddr_map(struct tmpl_arena *a, const cJSON *o)
{
	struct tmpl_map *m;
	const cJSON *c;
	size_t n = 0;

	if (!cJSON_IsObject(o))
		return tmpl_value_map(NULL, ELEM_REC);
	for (c = o->child; c != NULL; c = c->next)
		n++;
	m = tmpl_value_map_new(a, n);
	n = 0;
	for (c = o->child; c != NULL; c = c->next) {
		m->keys[n]
		    = tmpl_value_cstr(c->string != NULL ? c->string : "");
		m->vals[n] = new_rec(a, REC_SADDR, c);
		n++;
	}
	tmpl_value_map_sort(m);
	return tmpl_value_map(m, ELEM_REC);
}

static int cmp_cnsvc(const void *a, const void *b);

static int
field_hsvc(struct tmpl_arena *a, const struct tmpl_record *r, const char *f,
    struct tmpl_value *o)
{
	const cJSON *node = r->j2, *svc = r->j3;
	const char *addr;

	if (strcmp(f, "Address") == 0) {
		addr = jstr(svc, "Address");
		*o = tmpl_value_cstr(
		    addr[0] != '\0' ? addr : jstr(node, "Address"));
	} else if (strcmp(f, "Port") == 0)
		*o = tmpl_value_int(jint(svc, "Port"));
	else if (strcmp(f, "Node") == 0)
		*o = tmpl_value_cstr(jstr(node, "Node"));
	else if (strcmp(f, "ID") == 0)
		*o = tmpl_value_cstr(jstr(svc, "ID"));
	else if (strcmp(f, "Name") == 0)
		*o = tmpl_value_cstr(jstr(svc, "Service"));
	else if (strcmp(f, "Tags") == 0)
		*o = tag_list(a, jget(svc, "Tags"));
	else if (strcmp(f, "Status") == 0)
		*o = tmpl_value_str(r->str, r->strlen);
	else if (strcmp(f, "NodeID") == 0)
		*o = tmpl_value_cstr(jstr(node, "ID"));
	else if (strcmp(f, "NodeAddress") == 0)
		*o = tmpl_value_cstr(jstr(node, "Address"));
	else if (strcmp(f, "NodeTaggedAddresses") == 0)
		*o = str_map(a, jget(node, "TaggedAddresses"));
	else if (strcmp(f, "NodeMeta") == 0)
		*o = str_map(a, jget(node, "Meta"));
	else if (strcmp(f, "ServiceMeta") == 0)
		*o = str_map(a, jget(svc, "Meta"));
	else if (strcmp(f, "ServiceTaggedAddresses") == 0)
		*o = saddr_map(a, jget(svc, "TaggedAddresses"));
	else if (strcmp(f, "Checks") == 0)
		*o = rec_list(a, jget(r->j, "Checks"), REC_CHECK);
	else if (strcmp(f, "Weights") == 0) {
		*o = new_rec(a, REC_WEIGHTS, jget(svc, "Weights"));
	} else
		return -1;
	return 0;
}

static int
field_cnode(struct tmpl_arena *a, const struct tmpl_record *r, const char *f,
    struct tmpl_value *o)
{
	const cJSON *svcs, *c;
	struct tmpl_value *l;
	size_t n = 0;

	if (strcmp(f, "Node") == 0) {
		*o = new_rec(a, REC_NODE, jget(r->j, "Node"));
		return 0;
	}
	if (strcmp(f, "Services") != 0)
		return -1;
	svcs = jget(r->j, "Services");
	for (c = svcs != NULL ? svcs->child : NULL; c != NULL; c = c->next)
		n++;
	l = tmpl_arena_alloc(a, (n ? n : 1) * sizeof(*l));
	n = 0;
	for (c = svcs != NULL ? svcs->child : NULL; c != NULL; c = c->next)
		l[n++] = new_rec(a, REC_CNSVC, c);
	if (n > 1)
		qsort(l, n, sizeof(*l), cmp_cnsvc);
	*o = tmpl_value_list(l, n, ELEM_REC);
	return 0;
}

/* Fields read straight from the JSON of the same name. */
static int
field_plain(struct tmpl_arena *a, int rtype, const cJSON *j, const char *f,
    struct tmpl_value *o)
{
	const cJSON *v;
	size_t i;

	for (i = 0; rec_types[rtype].fields[i] != NULL; i++)
		if (strcmp(rec_types[rtype].fields[i], f) == 0)
			break;
	if (rec_types[rtype].fields[i] == NULL)
		return -1;
	v = jget(j, f);
	if (strcmp(f, "Tags") == 0 || strcmp(f, "ServiceTags") == 0)
		*o = tag_list(a, v);
	else if (strcmp(f, "Meta") == 0 || strcmp(f, "TaggedAddresses") == 0)
		*o = str_map(a, v);
	else if (strcmp(f, "Port") == 0 || strcmp(f, "Passing") == 0
	    || strcmp(f, "Warning") == 0)
		*o = tmpl_value_int(jint(j, f));
	else if (strcmp(f, "EnableTagOverride") == 0)
		*o = tmpl_value_bool(cJSON_IsTrue(v));
	else
		*o = tmpl_value_cstr(cJSON_IsString(v) ? v->valuestring : "");
	return 0;
}

static int
field_kv(const struct tmpl_record *r, const char *f, struct tmpl_value *o)
{
	if (strcmp(f, "Key") == 0)
		*o = tmpl_value_str(r->str, r->strlen);
	else if (strcmp(f, "Value") == 0)
		*o = tmpl_value_str(r->str2, r->str2len);
	else if (strcmp(f, "Path") == 0)
		*o = tmpl_value_cstr(jstr(r->j, "Key"));
	else if (strcmp(f, "Exists") == 0)
		*o = tmpl_value_bool(true);
	else if (strcmp(f, "Session") == 0)
		*o = tmpl_value_cstr(jstr(r->j, "Session"));
	else if (strcmp(f, "CreateIndex") == 0 || strcmp(f, "ModifyIndex") == 0
	    || strcmp(f, "LockIndex") == 0 || strcmp(f, "Flags") == 0) {
		*o = tmpl_value_int(jint(r->j, f));
		o->isuint = 1;
	} else
		return -1;
	return 0;
}

int
tmpl_record_field(struct tmpl_arena *a, const struct tmpl_value *v,
    const char *name, struct tmpl_value *out)
{
	const struct tmpl_record *r = v->u.rec;

	switch (v->rtype) {
	case REC_HSVC:
		return field_hsvc(a, r, name, out);
	case REC_SNIPPET:
		if (strcmp(name, "Name") == 0)
			*out = tmpl_value_str(r->str, r->strlen);
		else if (strcmp(name, "Tags") == 0)
			*out = tag_list(a, r->j);
		else
			return -1;
		return 0;
	case REC_KV:
		return field_kv(r, name, out);
	case REC_CNODE:
		return field_cnode(a, r, name, out);
	default:
		return field_plain(a, v->rtype, r->j, name, out);
	}
}

static int
cmp_cnsvc(const void *a, const void *b)
{
	const struct tmpl_value *x = a, *y = b;
	int c;

	c = strcmp(jstr(x->u.rec->j, "Service"), jstr(y->u.rec->j, "Service"));
	if (c != 0)
		return c;
	c = strcmp(jstr(x->u.rec->j, "ID"), jstr(y->u.rec->j, "ID"));
	if (c != 0)
		return c;
	return x->u.rec->j < y->u.rec->j ? -1 : x->u.rec->j > y->u.rec->j;
}

/* consul/api HealthChecks.AggregatedStatus. */
static const char *
aggregated_status(const cJSON *checks)
{
	const cJSON *c;
	const char *id, *st;
	bool passing = false, warning = false, critical = false, maint = false;

	for (c = cJSON_IsArray(checks) ? checks->child : NULL; c != NULL;
	     c = c->next) {
		id = jstr(c, "CheckID");
		if (id[0] == '_'
		    && (strcmp(id, "_node_maintenance") == 0
			|| strncmp(id, "_service_maintenance:", 21) == 0)) {
			maint = true;
			continue;
		}
		st = jstr(c, "Status");
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

	if (tmpl_dep_parse(kind, s, q, canon, canonlen, err, sizeof(err)) == -1)
		return tmpl_exec_errorf(x, "%s", err);
	return 0;
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
			tmpl_exec_errorf(x, "query too long");
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
	data = tmpl_exec_dep(x, canon, false);
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

		/* The first of a repeated member, as jget. */
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
		rec->sortkey = jstr(node, "Node");
		rec->sortkey2 = jstr(svc, "ID");
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

TMPL_FN(fn_service)
{
	return health(x, a, n, DEP_SERVICE, r);
}

TMPL_FN(fn_connect)
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

TMPL_FN(fn_services)
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
	data = tmpl_exec_dep(x, canon, false);
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
	const cJSON *v = jget(pair, "Value");
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
	data = tmpl_exec_dep(x, canon, kind == DEP_KEY);
	if (cJSON_IsArray(data))
		data = data->child;
	if (cJSON_IsObject(data))
		*pair = data;
	return 0;
}

TMPL_FN(fn_key)
{
	const cJSON *pair;

	(void)n;
	if (kv_get(x, a, DEP_KEY, &pair) == -1)
		return -1;
	*r = pair != NULL ? kv_value(x, pair) : tmpl_value_str("", 0);
	return 0;
}

TMPL_FN(fn_key_exists)
{
	const cJSON *pair;

	(void)n;
	if (kv_get(x, a, DEP_KEYGET, &pair) == -1)
		return -1;
	*r = tmpl_value_bool(pair != NULL);
	return 0;
}

TMPL_FN(fn_key_or_default)
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
	data = tmpl_exec_dep(x, canon, false);
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
		k = jstr(p, "Key");
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
	if (safe && cnt == 0 && x->deps != NULL) {
		/* safeLs/safeTree: an empty answer counts as no data. */
		for (size_t i = 0; i < x->deps->n; i++)
			if (strcmp(x->deps->v[i].dep, canon) == 0
			    && !x->deps->v[i].missing) {
				x->deps->v[i].missing = true;
				x->deps->nmissing++;
			}
	}
	return 0;
}

TMPL_FN(fn_ls)
{
	(void)n;
	return kv_list(x, a, LIST_LS, false, r);
}

TMPL_FN(fn_safe_ls)
{
	(void)n;
	return kv_list(x, a, LIST_LS, true, r);
}

TMPL_FN(fn_tree)
{
	(void)n;
	return kv_list(x, a, LIST_TREE, false, r);
}

TMPL_FN(fn_safe_tree)
{
	(void)n;
	return kv_list(x, a, LIST_TREE, true, r);
}

TMPL_FN(fn_node)
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
	data = tmpl_exec_dep(x, canon, false);
	*r = cJSON_IsObject(data) ? new_rec(x->a, REC_CNODE, data)
				  : tmpl_value_missing();
	return 0;
}

static int
cmp_node(const void *a, const void *b)
{
	const struct tmpl_value *x = a, *y = b;
	int c;

	c = strcmp(jstr(x->u.rec->j, "Node"), jstr(y->u.rec->j, "Node"));
	if (c != 0)
		return c;
	return x->u.rec->j < y->u.rec->j ? -1 : x->u.rec->j > y->u.rec->j;
}

TMPL_FN(fn_nodes)
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
	data = tmpl_exec_dep(x, canon, false);
	*r = rec_list(x->a, data, REC_NODE);
	if (q.near[0] == '\0' && r->len > 1)
		qsort(r->u.list, r->len, sizeof(struct tmpl_value), cmp_node);
	return 0;
}

/* Grouping: (key, record) pairs sorted by key, stable. */
struct group_ent {
	struct tmpl_value key;
	struct tmpl_value val;
	size_t seq;
};

static int
cmp_group(const void *a, const void *b)
{
	const struct group_ent *x = a, *y = b;
	int c = tmpl_value_cmp_key(&x->key, &y->key);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct tmpl_value
group_map(struct tmpl_exec *x, struct group_ent *g, size_t n)
{
	struct tmpl_map *m;
	size_t i, j, k, groups = 0;
	struct tmpl_value *l;

	if (n > 1)
		qsort(g, n, sizeof(*g), cmp_group);
	for (i = 0; i < n; i++)
		if (i == 0 || tmpl_value_cmp_key(&g[i].key, &g[i - 1].key) != 0)
			groups++;
	m = tmpl_value_map_new(x->a, groups);
	k = 0;
	for (i = 0; i < n; i = j) {
		for (j = i;
		     j < n && tmpl_value_cmp_key(&g[j].key, &g[i].key) == 0;
		     j++)
			;
		l = tmpl_arena_alloc(x->a, (j - i) * sizeof(*l));
		for (size_t t = i; t < j; t++)
			l[t - i] = g[t].val;
		m->keys[k] = g[i].key;
		m->vals[k] = tmpl_value_list(l, j - i, ELEM_REC);
		k++;
	}
	return tmpl_value_map(m, ELEM_LIST);
}

static int
want_recs(struct tmpl_exec *x, const struct tmpl_value *v, const char *what)
{
	if (v->kind == TV_LIST)
		return 0;
	if (v->kind == TV_MISSING || v->kind == TV_NIL)
		return 0;
	return tmpl_exec_errorf(x, "%s: wrong argument type %s", what,
	    tmpl_value_type_name(v));
}

TMPL_FN(fn_by_tag)
{
	struct group_ent *g;
	struct tmpl_value tags;
	size_t i, j, cnt = 0, len;

	(void)n;
	if (want_recs(x, &a[0], "byTag") == -1)
		return -1;
	len = a[0].kind == TV_LIST ? a[0].len : 0;
	for (i = 0; i < len; i++) {
		if (a[0].u.list[i].kind != TV_REC
		    || tmpl_record_field(x->a, &a[0].u.list[i], "Tags", &tags)
			== -1)
			return tmpl_exec_errorf(x,
			    "byTag: wrong argument type %s",
			    tmpl_value_type_name(&a[0].u.list[i]));
		cnt += tags.len;
	}
	g = tmpl_arena_alloc(x->a, (cnt ? cnt : 1) * sizeof(*g));
	cnt = 0;
	for (i = 0; i < len; i++) {
		tmpl_record_field(x->a, &a[0].u.list[i], "Tags", &tags);
		for (j = 0; j < tags.len; j++) {
			g[cnt].key = tags.u.list[j];
			g[cnt].val = a[0].u.list[i];
			g[cnt].seq = cnt;
			cnt++;
		}
	}
	*r = group_map(x, g, cnt);
	return 0;
}

TMPL_FN(fn_by_port)
{
	struct group_ent *g;
	struct tmpl_value port;
	size_t i, len;

	(void)n;
	if (want_recs(x, &a[0], "byPort") == -1)
		return -1;
	len = a[0].kind == TV_LIST ? a[0].len : 0;
	g = tmpl_arena_alloc(x->a, (len ? len : 1) * sizeof(*g));
	for (i = 0; i < len; i++) {
		if (a[0].u.list[i].kind != TV_REC
		    || tmpl_record_field(x->a, &a[0].u.list[i], "Port", &port)
			== -1)
			return tmpl_exec_errorf(x,
			    "byPort: wrong argument type %s",
			    tmpl_value_type_name(&a[0].u.list[i]));
		g[i].key = port;
		g[i].val = a[0].u.list[i];
		g[i].seq = i;
	}
	*r = group_map(x, g, len);
	return 0;
}

static int
want_pairs(struct tmpl_exec *x, const struct tmpl_value *v, const char *what)
{
	size_t i;

	if (v->kind != TV_LIST)
		return tmpl_exec_errorf(x, "%s: wrong argument type %s", what,
		    tmpl_value_type_name(v));
	for (i = 0; i < v->len; i++)
		if (v->u.list[i].kind != TV_REC || v->u.list[i].rtype != REC_KV)
			return tmpl_exec_errorf(x, "%s: wrong argument type %s",
			    what, tmpl_value_type_name(v));
	return 0;
}

TMPL_FN(fn_by_key)
{
	struct group_ent *g;
	struct tmpl_record *nr;
	const struct tmpl_record *pr;
	const char *slash;
	size_t i, cnt = 0;
	struct tmpl_value outer;

	(void)n;
	if (want_pairs(x, &a[0], "byKey") == -1)
		return -1;
	g = tmpl_arena_alloc(x->a, (a[0].len ? a[0].len : 1) * sizeof(*g));
	for (i = 0; i < a[0].len; i++) {
		pr = a[0].u.list[i].u.rec;
		slash = memchr(pr->str, '/', pr->strlen);
		if (slash == NULL || slash + 1 == pr->str + pr->strlen)
			continue;
		nr = tmpl_arena_alloc(x->a, sizeof(*nr));
		*nr = *pr;
		nr->str = slash + 1;
		nr->strlen = pr->strlen - (size_t)(slash + 1 - pr->str);
		g[cnt].key = tmpl_value_str(pr->str, (size_t)(slash - pr->str));
		g[cnt].val = tmpl_value_record(nr, REC_KV);
		g[cnt].seq = cnt;
		cnt++;
	}
	outer = group_map(x, g, cnt);
	/* Each group becomes map[rest-of-key]pair; later pairs win. */
	for (i = 0; i < outer.u.map->n; i++) {
		struct tmpl_value *l = outer.u.map->vals[i].u.list;
		size_t ln = outer.u.map->vals[i].len, j, k = 0;
		struct tmpl_map *m = tmpl_value_map_new(x->a, ln);

		for (j = 0; j < ln; j++) {
			m->keys[k] = tmpl_value_str(l[j].u.rec->str,
			    l[j].u.rec->strlen);
			m->vals[k] = l[j];
			k++;
		}
		tmpl_value_map_sort(m);
		/* Drop duplicate keys, keeping the last. */
		for (j = 0, k = 0; j < m->n; j++) {
			if (k > 0
			    && tmpl_value_cmp_key(&m->keys[k - 1], &m->keys[j])
				== 0)
				k--;
			m->keys[k] = m->keys[j];
			m->vals[k] = m->vals[j];
			k++;
		}
		m->n = k;
		outer.u.map->vals[i] = tmpl_value_map(m, ELEM_REC);
	}
	outer.elem = ELEM_ANY;
	*r = outer;
	return 0;
}

/* explode: nested maps from slash-separated keys. */
struct xnode {
	const char *key;
	size_t keylen;
	bool leaf;
	struct tmpl_value val;
	struct xnode *child;
	struct xnode *next;
};

static struct tmpl_value
xnode_map(struct tmpl_exec *x, struct xnode *n)
{
	struct tmpl_map *m;
	struct xnode *c;
	size_t cnt = 0;

	for (c = n->child; c != NULL; c = c->next)
		cnt++;
	m = tmpl_value_map_new(x->a, cnt);
	cnt = 0;
	for (c = n->child; c != NULL; c = c->next) {
		m->keys[cnt] = tmpl_value_str(c->key, c->keylen);
		m->vals[cnt] = c->leaf ? c->val : xnode_map(x, c);
		cnt++;
	}
	tmpl_value_map_sort(m);
	return tmpl_value_map(m, ELEM_ANY);
}

static struct xnode *
xnode_get(struct tmpl_exec *x, struct xnode *parent, const char *k, size_t len)
{
	struct xnode *c;

	for (c = parent->child; c != NULL; c = c->next)
		if (c->keylen == len && memcmp(c->key, k, len) == 0)
			return c;
	c = tmpl_arena_calloc(x->a, 1, sizeof(*c));
	c->key = k;
	c->keylen = len;
	c->next = parent->child;
	parent->child = c;
	return c;
}

/*
 * consul-template's explodeHelper: walks key down the tree, creating
 * maps for every directory; a leaf replaces whatever was there.
 */
static int
explode_one(struct tmpl_exec *x, struct xnode *root, const char *k, size_t len,
    const struct tmpl_value *val, const char *fname)
{
	struct xnode *cur = root, *c;
	const char *slash, *whole = k;
	size_t wlen = len;

	while ((slash = memchr(k, '/', len)) != NULL) {
		c = xnode_get(x, cur, k, (size_t)(slash - k));
		if (c->leaf) {
			struct buf b;
			int ret;

			buf_init(&b, SIZE_MAX);
			tmpl_value_quote(&b,
			    c->val.kind == TV_STR ? c->val.u.s : "",
			    c->val.kind == TV_STR ? c->val.len : 0);
			ret = tmpl_exec_errorf(x,
			    "%s: not a map: \"%.*s\": \"%.*s\" already has "
			    "value %s",
			    fname, (int)wlen, whole, (int)c->keylen, c->key,
			    buf_str(&b));
			buf_clear(&b);
			return ret;
		}
		len -= (size_t)(slash - k) + 1;
		k = slash + 1;
		cur = c;
	}
	if (len == 0)
		return 0;
	c = xnode_get(x, cur, k, len);
	c->leaf = true;
	c->child = NULL;
	c->val = *val;
	return 0;
}

TMPL_FN(fn_explode)
{
	struct xnode root;
	const struct tmpl_record *pr;
	struct tmpl_value v;
	size_t i;

	(void)n;
	if (want_pairs(x, &a[0], "explode") == -1)
		return -1;
	memset(&root, 0, sizeof(root));
	for (i = 0; i < a[0].len; i++) {
		pr = a[0].u.list[i].u.rec;
		v = tmpl_value_str(pr->str2, pr->str2len);
		if (explode_one(x, &root, pr->str, pr->strlen, &v, "explode")
		    == -1)
			return -1;
	}
	*r = xnode_map(x, &root);
	return 0;
}

static int
want_imap(struct tmpl_exec *x, const struct tmpl_value *v, const char *fname)
{
	if (v->kind == TV_MAP && v->elem == ELEM_ANY)
		return 0;
	return tmpl_exec_errorf(x,
	    "%s: wrong type for value; expected map[string]interface {}; "
	    "got %s",
	    fname, tmpl_value_type_name(v));
}

/* explodeMap: the same on a map's keys, in sorted key order. */
TMPL_FN(fn_explode_map)
{
	struct xnode root;
	struct tmpl_map *m;
	size_t i;

	(void)n;
	if (want_imap(x, &a[0], "explodeMap") == -1)
		return -1;
	memset(&root, 0, sizeof(root));
	m = a[0].u.map;
	for (i = 0; m != NULL && i < m->n; i++)
		if (explode_one(x, &root, m->keys[i].u.s, m->keys[i].len,
			&m->vals[i], "explodeMap")
		    == -1)
			return -1;
	*r = xnode_map(x, &root);
	return 0;
}

/* mergo's notion of an empty value, which a merge may fill in. */
static bool
merge_empty(const struct tmpl_value *v)
{
	switch (v->kind) {
	case TV_MISSING:
	case TV_NIL:
		return true;
	case TV_MAP:
		return v->u.map == NULL || v->u.map->n == 0;
	case TV_REC:
	case TV_SCRATCH:
		return false;
	default:
		return !tmpl_value_truth(v);
	}
}

/*
 * mergo.Map(dst, src): keys of src missing from dst are added, nested
 * maps merge recursively, and with override a non-empty src value
 * replaces dst's.  The result is a new map; consul-template modifies
 * the argument's map in place.
 */
static struct tmpl_value
merge_maps(struct tmpl_exec *x, const struct tmpl_value *dst,
    const struct tmpl_value *src, bool override)
{
	const struct tmpl_map *d = dst->u.map, *s = src->u.map;
	struct tmpl_map *m;
	size_t nd = d != NULL ? d->n : 0, ns = s != NULL ? s->n : 0;
	size_t i, j, k;
	int c;

	m = tmpl_value_map_new(x->a, nd + ns);
	for (i = j = k = 0; i < nd || j < ns; k++) {
		c = i >= nd   ? 1
		    : j >= ns ? -1
			      : tmpl_value_cmp_key(&d->keys[i], &s->keys[j]);
		if (c < 0) {
			m->keys[k] = d->keys[i];
			m->vals[k] = d->vals[i++];
		} else if (c > 0) {
			m->keys[k] = s->keys[j];
			m->vals[k] = s->vals[j++];
		} else {
			m->keys[k] = d->keys[i];
			if (d->vals[i].kind == TV_MAP
			    && s->vals[j].kind == TV_MAP)
				m->vals[k] = merge_maps(x, &d->vals[i],
				    &s->vals[j], override);
			else if (merge_empty(&d->vals[i])
			    || (override && !merge_empty(&s->vals[j])))
				m->vals[k] = s->vals[j];
			else
				m->vals[k] = d->vals[i];
			i++;
			j++;
		}
	}
	m->n = k;
	return tmpl_value_map(m, ELEM_ANY);
}

TMPL_FN(fn_merge_map)
{
	(void)n;
	if (want_imap(x, &a[0], "mergeMap") == -1
	    || want_imap(x, &a[1], "mergeMap") == -1)
		return -1;
	*r = merge_maps(x, &a[0], &a[1], false);
	return 0;
}

TMPL_FN(fn_merge_map_override)
{
	(void)n;
	if (want_imap(x, &a[0], "mergeMapWithOverride") == -1
	    || want_imap(x, &a[1], "mergeMapWithOverride") == -1)
		return -1;
	*r = merge_maps(x, &a[0], &a[1], true);
	return 0;
}

/*
 * byMeta "k1,k2|int" SERVICES: group key = the meta values joined with
 * "_"; a missing value is "_no_<k>_" (or 0 with |int, zero-padded to 5
 * digits); runes outside [A-Za-z0-9_-] become "_".
 */
TMPL_FN(fn_by_meta)
{
	struct group_ent *g;
	struct buf key;
	struct tmpl_value meta, v;
	const char *spec, *p, *e;
	size_t speclen, i, cnt, kl;
	long idx;
	bool isint;
	int ret = -1;

	(void)n;
	buf_init(&key, TMPL_DEP_MAX * 4);
	if (tmpl_exec_arg_str(x, a, 0, &spec, &speclen) == -1)
		goto out;
	if (a[1].kind != TV_LIST && a[1].kind != TV_MISSING
	    && a[1].kind != TV_NIL) {
		tmpl_exec_errorf(x, "byMeta: wrong argument type %s",
		    tmpl_value_type_name(&a[1]));
		goto out;
	}
	cnt = a[1].kind == TV_LIST ? a[1].len : 0;
	g = tmpl_arena_alloc(x->a, (cnt ? cnt : 1) * sizeof(*g));
	for (i = 0; i < cnt; i++) {
		if (a[1].u.list[i].kind != TV_REC
		    || a[1].u.list[i].rtype != REC_HSVC) {
			tmpl_exec_errorf(x, "byMeta: wrong argument type %s",
			    tmpl_value_type_name(&a[1].u.list[i]));
			goto out;
		}
		tmpl_record_field(x->a, &a[1].u.list[i], "ServiceMeta", &meta);
		buf_reset(&key);
		for (p = spec; p <= spec + speclen; p = e + 1) {
			e = memchr(p, ',', (size_t)(spec + speclen - p));
			if (e == NULL)
				e = spec + speclen;
			kl = (size_t)(e - p);
			isint = kl >= 4 && memcmp(e - 4, "|int", 4) == 0;
			if (isint)
				kl -= 4;
			idx = tmpl_value_map_find(meta.u.map, p, kl);
			v = idx >= 0 ? meta.u.map->vals[idx]
				     : tmpl_value_str("", 0);
			if (p != spec)
				buf_addc(&key, '_');
			if (isint) {
				char num[32], *end;
				long long iv = 0;
				const char *vs = v.len > 0
				    ? tmpl_arena_strndup(x->a, v.u.s, v.len)
				    : "0";

				iv = strtoll(vs, &end, 10);
				if (*end != '\0' || end == vs) {
					tmpl_exec_errorf(x,
					    "cannot parse %s as number : "
					    "strconv.Atoi: parsing \"%s\": "
					    "invalid syntax",
					    vs, vs);
					goto out;
				}
				snprintf(num, sizeof(num), "%05lld", iv);
				buf_addstr(&key, num);
			} else if (v.len > 0) {
				for (size_t c = 0; c < v.len; c++) {
					unsigned char ch
					    = (unsigned char)v.u.s[c];

					if (isalnum(ch) || ch == '_'
					    || ch == '-')
						buf_addc(&key, (char)ch);
					else if ((ch & 0xc0) != 0x80)
						buf_addc(&key, '_');
				}
			} else
				buf_addf(&key, "_no_%.*s_", (int)kl, p);
			if (e == spec + speclen)
				break;
		}
		g[i].key = tmpl_value_strndup(x->a, buf_str(&key), key.len);
		g[i].val = a[1].u.list[i];
		g[i].seq = i;
	}
	*r = group_map(x, g, cnt);
	ret = 0;
out:
	buf_clear(&key);
	return ret;
}

/*
 * Compaction: the members of Consul's answers that a record reads, by
 * JSON name (the field tables above name what templates see, which is
 * not always the JSON name: HealthService's Name is Service.Service).
 * Consul answers carry much more (Proxy, Connect, Definition, the
 * raft indexes of every node, service and check...): a watcher keeping
 * thousands of instances keeps only these.
 */
static const char *const keep_hsvc[] = { "Node", "Service", "Checks", NULL };
static const char *const keep_hsvc_node[]
    = { "ID", "Node", "Address", "TaggedAddresses", "Meta", NULL };
static const char *const keep_hsvc_svc[] = { "ID", "Service", "Tags", "Address",
	"TaggedAddresses", "Meta", "Port", "Weights", NULL };
static const char *const keep_kv[] = { "Key", "Value", "Session", "CreateIndex",
	"ModifyIndex", "LockIndex", "Flags", NULL };
static const char *const keep_cnode[] = { "Node", "Services", NULL };

/*
 * Whether a record reads member v the same as no member at all: jstr,
 * jint, tag_list, rec_list and cJSON_IsTrue give "", 0, an empty list
 * and false for both.  An empty object is kept: a map field reads it as
 * an empty map, and a missing one as a nil map.
 */
static bool
reads_as_absent(const cJSON *v)
{
	return cJSON_IsNull(v) || cJSON_IsFalse(v)
	    || (cJSON_IsString(v) && v->valuestring[0] == '\0')
	    || (cJSON_IsNumber(v) && v->valuedouble == 0)
	    || (cJSON_IsArray(v) && v->child == NULL);
}

/*
 * Deletes the members of object o not named in keep (NULL-terminated, at
 * most 32 names), reading as absent, or named like an earlier member
 * (jget reads the first one only), and points the names of the others at
 * keep's static strings, so that no name is an allocation of its own.
 * Returns o for chaining.
 */
static cJSON *
compact_obj(cJSON *o, const char *const *keep)
{
	cJSON *c, *next;
	uint32_t seen = 0, bit;
	size_t i;
	bool dup;

	if (!cJSON_IsObject(o))
		return NULL;
	for (c = o->child; c != NULL; c = next) {
		next = c->next;
		for (i = 0; keep[i] != NULL; i++)
			if (c->string != NULL
			    && strcmp(c->string, keep[i]) == 0)
				break;
		bit = keep[i] != NULL ? UINT32_C(1) << i : 0;
		dup = (seen & bit) != 0;
		seen |= bit;
		if (keep[i] == NULL || dup || reads_as_absent(c)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(o, c));
			continue;
		}
		if ((c->type & cJSON_StringIsConst) == 0) {
			cJSON_free(c->string);
			/* Never written through: cJSON_StringIsConst. */
			c->string = (char *)(uintptr_t)keep[i];
			c->type |= cJSON_StringIsConst;
		}
	}
	return o;
}

/* The member k of o, for changing it; jget's rules. */
static cJSON *
jget_mut(cJSON *o, const char *k)
{
	return (cJSON *)(uintptr_t)jget(o, k);
}

/* compact_obj on every element of array (or member of object) a. */
static void
compact_each(cJSON *a, const char *const *keep)
{
	cJSON *c;

	if (!cJSON_IsArray(a) && !cJSON_IsObject(a))
		return;
	for (c = a->child; c != NULL; c = c->next)
		compact_obj(c, keep);
}

static void
compact_hsvc(cJSON *e)
{
	cJSON *svc;

	if (compact_obj(e, keep_hsvc) == NULL)
		return;
	compact_obj(jget_mut(e, "Node"), keep_hsvc_node);
	svc = compact_obj(jget_mut(e, "Service"), keep_hsvc_svc);
	compact_each(jget_mut(svc, "TaggedAddresses"), saddr_fields);
	compact_obj(jget_mut(svc, "Weights"), weights_fields);
	compact_each(jget_mut(e, "Checks"), check_fields);
}

void
tmpl_data_compact(const char *dep, cJSON *data)
{
	cJSON *c;

	if (data == NULL)
		return;
	if (strncmp(dep, "health.service(", 15) == 0
	    || strncmp(dep, "health.connect(", 15) == 0) {
		for (c = cJSON_IsArray(data) ? data->child : NULL; c != NULL;
		     c = c->next)
			compact_hsvc(c);
	} else if (strncmp(dep, "kv.", 3) == 0)
		compact_each(data, keep_kv);
	else if (strcmp(dep, "catalog.nodes") == 0
	    || strncmp(dep, "catalog.nodes(", 14) == 0) {
		if (cJSON_IsArray(data))
			compact_each(data, node_fields);
	} else if (strcmp(dep, "catalog.node") == 0
	    || strncmp(dep, "catalog.node(", 13) == 0) {
		if (compact_obj(data, keep_cnode) == NULL)
			return;
		compact_obj(jget_mut(data, "Node"), node_fields);
		compact_each(jget_mut(data, "Services"), cnsvc_fields);
	}
	/* catalog.services: names and tags, all read. */
}

/*
 * Members compare in order: Consul sends them in a fixed order, and a
 * reordering only costs one needless render.
 */
bool
tmpl_data_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *ca, *cb;

	if (a == NULL || b == NULL)
		return a == b;
	if ((a->type & 0xff) != (b->type & 0xff))
		return false;
	if ((a->string == NULL) != (b->string == NULL)
	    || (a->string != NULL && strcmp(a->string, b->string) != 0))
		return false;
	if (cJSON_IsNumber(a) && a->valuedouble != b->valuedouble)
		return false;
	if ((cJSON_IsString(a) || cJSON_IsRaw(a))
	    && strcmp(a->valuestring, b->valuestring) != 0)
		return false;
	for (ca = a->child, cb = b->child; ca != NULL && cb != NULL;
	     ca = ca->next, cb = cb->next)
		if (!tmpl_data_equal(ca, cb))
			return false;
	return ca == NULL && cb == NULL;
}

/* Counts the nodes of the tree at v and the bytes of its strings. */
static void
pack_size(const cJSON *v, size_t *nodes, size_t *bytes)
{
	const cJSON *c;

	(*nodes)++;
	if (v->string != NULL && (v->type & cJSON_StringIsConst) == 0)
		*bytes += strlen(v->string) + 1;
	if (v->valuestring != NULL)
		*bytes += strlen(v->valuestring) + 1;
	for (c = v->child; c != NULL; c = c->next)
		pack_size(c, nodes, bytes);
}

static char *
pack_str(char **strs, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = *strs;

	memcpy(d, s, n);
	*strs += n;
	return d;
}

/* Copies v into *node, its children after it, its strings into *strs. */
static cJSON *
pack_copy(const cJSON *v, cJSON **node, char **strs)
{
	cJSON *d = (*node)++, *c, *last = NULL;
	const cJSON *sc;

	*d = *v;
	d->next = d->prev = d->child = NULL;
	d->type |= cJSON_IsReference | cJSON_StringIsConst;
	if (v->string != NULL && (v->type & cJSON_StringIsConst) == 0)
		d->string = pack_str(strs, v->string);
	if (v->valuestring != NULL)
		d->valuestring = pack_str(strs, v->valuestring);
	for (sc = v->child; sc != NULL; sc = sc->next) {
		c = pack_copy(sc, node, strs);
		if (last == NULL)
			d->child = c;
		else {
			last->next = c;
			c->prev = last;
		}
		last = c;
	}
	/* cJSON's invariant: the first child's prev is the last one. */
	if (d->child != NULL)
		d->child->prev = last;
	return d;
}

cJSON *
tmpl_data_pack(const cJSON *data)
{
	size_t nodes = 0, bytes = 0;
	cJSON *block, *node;
	char *strs;

	if (data == NULL)
		return NULL;
	pack_size(data, &nodes, &bytes);
	block = xmalloc(nodes * sizeof(*block) + bytes);
	node = block;
	strs = (char *)(block + nodes);
	return pack_copy(data, &node, &strs);
}
