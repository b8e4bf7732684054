/* SPDX-License-Identifier: MIT */
/*
 * Consul answers as the caller keeps them between renders:
 * tmpl_data_compact cuts an answer down to the members records read (the
 * field tables of tmpl_record.c), tmpl_data_pack copies it into one
 * allocation, and tmpl_data_equal tells whether a new answer changes
 * anything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"
#include "xmalloc.h"

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
 * Whether a record reads member v the same as no member at all: its
 * strings, numbers, lists and booleans (tmpl_record.c) read "", 0, an
 * empty list and false for both.  An empty object is kept: a map field reads it
 * as an empty map, and a missing one as a nil map.
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
 * (records read the first one only), and points the names of the others at
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

/* The member k of o, for changing it; tmpl_record_member's rules. */
static cJSON *
member_mut(cJSON *o, const char *k)
{
	return (cJSON *)(uintptr_t)tmpl_record_member(o, k);
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
	compact_obj(member_mut(e, "Node"), keep_hsvc_node);
	svc = compact_obj(member_mut(e, "Service"), keep_hsvc_svc);
	compact_each(member_mut(svc, "TaggedAddresses"),
	    tmpl_record_fields(REC_SADDR));
	compact_obj(member_mut(svc, "Weights"),
	    tmpl_record_fields(REC_WEIGHTS));
	compact_each(member_mut(e, "Checks"), tmpl_record_fields(REC_CHECK));
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
			compact_each(data, tmpl_record_fields(REC_NODE));
	} else if (strcmp(dep, "catalog.node") == 0
	    || strncmp(dep, "catalog.node(", 13) == 0) {
		if (compact_obj(data, keep_cnode) == NULL)
			return;
		compact_obj(member_mut(data, "Node"),
		    tmpl_record_fields(REC_NODE));
		compact_each(member_mut(data, "Services"),
		    tmpl_record_fields(REC_CNSVC));
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

/*
 * Rewrites the \u0000 escapes of json (len bytes) as \uFFFD, in place;
 * returns how many.  A backslash is only ever inside a string, and every
 * escape is two characters or \uXXXX, so skipping each escape's second
 * character is enough to tell "\\u0000" (text) from "\u0000".
 */
static size_t
data_unnul(char *json, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i + 1 < len; i++) {
		if (json[i] != '\\')
			continue;
		if (json[i + 1] == 'u' && i + 6 <= len
		    && memcmp(json + i + 2, "0000", 4) == 0) {
			memcpy(json + i + 2, "FFFD", 4);
			n++;
		}
		i++; /* the escaped character */
	}
	return n;
}

cJSON *
tmpl_data_parse(const char *json, size_t len)
{
	cJSON *data;
	char *copy;

	/* The common case copies nothing: no "\u0000" at all. */
	if (memmem(json, len, "\\u0000", 6) == NULL)
		return cJSON_ParseWithLength(json, len);
	copy = xmalloc(len);
	memcpy(copy, json, len);
	(void)data_unnul(copy, len);
	data = cJSON_ParseWithLength(copy, len);
	free(copy);
	return data;
}
