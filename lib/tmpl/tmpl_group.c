/* SPDX-License-Identifier: MIT */
/*
 * consul-template's helpers that build maps: byTag, byPort, byKey and
 * byMeta group records into maps of lists (keys sorted, each group in
 * the records' order), explode and explodeMap turn slash-separated keys
 * into nested maps, and mergeMap and mergeMapWithOverride merge two maps
 * as mergo does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

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

static int
fn_by_tag(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
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

static int
fn_by_port(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
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

static int
fn_by_key(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
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
		outer.u.map->vals[i] = tmpl_value_map(m, ELEM_KVPTR);
	}
	outer.elem = ELEM_KVMAP;
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

static int
fn_explode(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
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
static int
fn_explode_map(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
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
	case TV_SEMVER:
		return false;
	case TV_TIME: /* a struct: empty when all its fields are zero */
		return v->u.time->sec == -62135596800LL && v->u.time->nsec == 0;
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

static int
fn_merge_map(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	if (want_imap(x, &a[0], "mergeMap") == -1
	    || want_imap(x, &a[1], "mergeMap") == -1)
		return -1;
	*r = merge_maps(x, &a[0], &a[1], false);
	return 0;
}

static int
fn_merge_map_override(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
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
static int
fn_by_meta(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
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

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_group_funcs[] = {
	{ "byTag", fn_by_tag, 1, 1, 0, 0 },
	{ "byKey", fn_by_key, 1, 1, 0, 0 },
	{ "byPort", fn_by_port, 1, 1, 0, 0 },
	{ "explode", fn_explode, 1, 1, 0, 0 },
	{ "explodeMap", fn_explode_map, 1, 1, 0, 0 },
	{ "mergeMap", fn_merge_map, 2, 2, 0, 0 },
	{ "mergeMapWithOverride", fn_merge_map_override, 2, 2, 0, 0 },
	{ "byMeta", fn_by_meta, 2, 2, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
