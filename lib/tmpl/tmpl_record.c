/* SPDX-License-Identifier: MIT */
/*
 * Consul records in templates: consul-template's HealthService,
 * CatalogSnippet, KeyPair, Node, CatalogNode, CatalogNodeService and
 * consul/api's HealthCheck, AgentWeights and ServiceAddress, with the
 * same type and field names.  A record wraps the caller's Consul JSON
 * and computes a field when it is read, which keeps a render over
 * thousands of instances cheap: .Address falls back to the node's,
 * .Tags are sorted, maps and lists are built in the arena on access.
 */
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

static const char *const hsvc_fields[]
    = { "Node", "NodeID", "NodeAddress", "NodeTaggedAddresses", "NodeMeta",
	      "ServiceMeta", "Address", "ServiceTaggedAddresses", "ID", "Name",
	      "Tags", "Checks", "Status", "Port", "Weights", NULL };
static const char *const snippet_fields[] = { "Name", "Tags", NULL };
static const char *const kv_fields[] = { "Path", "Key", "Value", "CreateIndex",
	"ModifyIndex", "LockIndex", "Flags", "Session", NULL };
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
/* Not modeled: Peering's StreamStatus and Remote structs. */
static const char *const peering_fields[]
    = { "ID", "Name", "Partition", "Meta", "PeeringState", "PeerID",
	      "PeerServerName", "PeerServerAddresses", NULL };
static const char *const caroot_fields[] = { "ID", "Name", "RootCertPEM",
	"Active", "CreateIndex", "ModifyIndex", NULL };
static const char *const leaf_fields[]
    = { "SerialNumber", "CertPEM", "PrivateKeyPEM", "Service", "ServiceURI",
	      "ValidAfter", "ValidBefore", "CreateIndex", "ModifyIndex", NULL };

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
	[REC_PEERING] = { "*dependency.Peering", peering_fields },
	[REC_CAROOT] = { "*api.CARoot", caroot_fields },
	[REC_LEAF] = { "*api.LeafCert", leaf_fields },
};

const char *
tmpl_record_type_name(int rtype)
{
	return rec_types[rtype].name;
}

const char *const *
tmpl_record_fields(int rtype)
{
	return rec_types[rtype].fields;
}

static int64_t
jint(const cJSON *o, const char *k)
{
	const cJSON *v = tmpl_record_member(o, k);

	/* Out of int64_t's range the conversion is undefined: read as 0. */
	if (!cJSON_IsNumber(v)
	    || !(v->valuedouble >= -0x1p63 && v->valuedouble < 0x1p63))
		return 0;
	return (int64_t)v->valuedouble;
}

struct tmpl_value
tmpl_record_new(struct tmpl_arena *a, int rtype, const cJSON *j)
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

/*
 * Tags as consul-template keeps them: copied, and sorted unless sorted is
 * false (a health check's ServiceTags keep Consul's order).
 */
static struct tmpl_value
tag_list(struct tmpl_arena *a, const cJSON *arr, bool sorted)
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
	if (sorted && n > 1)
		qsort(l, n, sizeof(*l), cmp_str_tv);
	return tmpl_value_list(l, n, ELEM_STR);
}

struct tmpl_value
tmpl_record_list(struct tmpl_arena *a, const cJSON *arr, int rtype)
{
	struct tmpl_value *l;
	const cJSON *c;
	size_t n = 0;

	for (c = cJSON_IsArray(arr) ? arr->child : NULL; c != NULL; c = c->next)
		n++;
	l = tmpl_arena_alloc(a, (n ? n : 1) * sizeof(*l));
	n = 0;
	for (c = cJSON_IsArray(arr) ? arr->child : NULL; c != NULL; c = c->next)
		l[n++] = tmpl_record_new(a, rtype, c);
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
		m->vals[n] = tmpl_record_new(a, REC_SADDR, c);
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
		addr = tmpl_record_str(svc, "Address");
		*o = tmpl_value_cstr(
		    addr[0] != '\0' ? addr : tmpl_record_str(node, "Address"));
	} else if (strcmp(f, "Port") == 0)
		*o = tmpl_value_int(jint(svc, "Port"));
	else if (strcmp(f, "Node") == 0)
		*o = tmpl_value_cstr(tmpl_record_str(node, "Node"));
	else if (strcmp(f, "ID") == 0)
		*o = tmpl_value_cstr(tmpl_record_str(svc, "ID"));
	else if (strcmp(f, "Name") == 0)
		*o = tmpl_value_cstr(tmpl_record_str(svc, "Service"));
	else if (strcmp(f, "Tags") == 0)
		*o = tag_list(a, tmpl_record_member(svc, "Tags"), true);
	else if (strcmp(f, "Status") == 0)
		*o = tmpl_value_str(r->str, r->strlen);
	else if (strcmp(f, "NodeID") == 0)
		*o = tmpl_value_cstr(tmpl_record_str(node, "ID"));
	else if (strcmp(f, "NodeAddress") == 0)
		*o = tmpl_value_cstr(tmpl_record_str(node, "Address"));
	else if (strcmp(f, "NodeTaggedAddresses") == 0)
		*o = str_map(a, tmpl_record_member(node, "TaggedAddresses"));
	else if (strcmp(f, "NodeMeta") == 0)
		*o = str_map(a, tmpl_record_member(node, "Meta"));
	else if (strcmp(f, "ServiceMeta") == 0)
		*o = str_map(a, tmpl_record_member(svc, "Meta"));
	else if (strcmp(f, "ServiceTaggedAddresses") == 0)
		*o = saddr_map(a, tmpl_record_member(svc, "TaggedAddresses"));
	else if (strcmp(f, "Checks") == 0)
		*o = tmpl_record_list(a, tmpl_record_member(r->j, "Checks"),
		    REC_CHECK);
	else if (strcmp(f, "Weights") == 0) {
		*o = tmpl_record_new(a, REC_WEIGHTS,
		    tmpl_record_member(svc, "Weights"));
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
		const cJSON *node = tmpl_record_member(r->j, "Node");

		*o = cJSON_IsObject(node) ? tmpl_record_new(a, REC_NODE, node)
					  : tmpl_value_record(NULL, REC_NODE);
		return 0;
	}
	if (strcmp(f, "Services") != 0)
		return -1;
	svcs = tmpl_record_member(r->j, "Services");
	for (c = svcs != NULL ? svcs->child : NULL; c != NULL; c = c->next)
		n++;
	l = tmpl_arena_alloc(a, (n ? n : 1) * sizeof(*l));
	n = 0;
	for (c = svcs != NULL ? svcs->child : NULL; c != NULL; c = c->next)
		l[n++] = tmpl_record_new(a, REC_CNSVC, c);
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
	/* Go names that differ from Consul's JSON members. */
	if (rtype == REC_PEERING && strcmp(f, "PeeringState") == 0)
		v = tmpl_record_member(j, "State");
	else if (rtype == REC_CAROOT && strcmp(f, "RootCertPEM") == 0)
		v = tmpl_record_member(j, "RootCert");
	else
		v = tmpl_record_member(j, f);
	if (strcmp(f, "Tags") == 0 || strcmp(f, "ServiceTags") == 0)
		*o = tag_list(a, v, rtype != REC_CHECK);
	else if (strcmp(f, "PeerServerAddresses") == 0)
		*o = tag_list(a, v, false);
	else if (strcmp(f, "CreateIndex") == 0
	    || strcmp(f, "ModifyIndex") == 0) {
		*o = tmpl_value_int(jint(j, f));
		o->isuint = 1;
	} else if (strcmp(f, "ValidAfter") == 0
	    || strcmp(f, "ValidBefore") == 0)
		*o = tmpl_time_from_json(a, v);
	else if (strcmp(f, "Active") == 0)
		*o = tmpl_value_bool(cJSON_IsTrue(v));
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
		*o = tmpl_value_cstr(tmpl_record_str(r->j, "Key"));
	else if (strcmp(f, "Session") == 0)
		*o = tmpl_value_cstr(tmpl_record_str(r->j, "Session"));
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
			*out = tag_list(a, r->j, true);
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

	c = strcmp(tmpl_record_str(x->u.rec->j, "Service"),
	    tmpl_record_str(y->u.rec->j, "Service"));
	if (c != 0)
		return c;
	c = strcmp(tmpl_record_str(x->u.rec->j, "ID"),
	    tmpl_record_str(y->u.rec->j, "ID"));
	if (c != 0)
		return c;
	return x->u.rec->j < y->u.rec->j ? -1 : x->u.rec->j > y->u.rec->j;
}

/* consul/api HealthChecks.AggregatedStatus. */
