/* SPDX-License-Identifier: MIT */
/*
 * toTOML: what consul-template's toTOML prints, BurntSushi/toml v1.5.0's
 * Encoder.Encode with the result's surrounding space trimmed, ported
 * function for function from its encode.go: a table's plain keys first
 * and its sub-tables after, each group in byte order; a sub-table as a
 * [a.b] header indented two spaces a level; arrays of tables as [[a]];
 * tables inside arrays inline ({k = v}); floats always with a fraction;
 * nil values left out; a record's fields under their Go names.  There is
 * no TOML library in Debian that prints what this one prints.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

/* Deepest nesting written, about (Go has none; parseJSON nests less). */
#define TOML_DEPTH_MAX 1000

/* tomlTypeOfGo, as far as the encoder asks. */
enum ttype { T_NIL, T_SCALAR, T_ARRAY, T_TABLE, T_ARRAY_TABLE };

struct te {
	struct buf *b;
	struct tmpl_arena *a;
	bool written; /* hasWritten */
	int depth;
	char err[256];
};

/* A key path: parts[0..n). */
struct key {
	const char **s;
	size_t *len;
	size_t n;
};

static int
fail(struct te *e, const char *msg)
{
	if (e->err[0] == '\0')
		snprintf(e->err, sizeof(e->err), "%s", msg);
	return -1;
}

static void
wr(struct te *e, const char *s, size_t n)
{
	buf_add(e->b, s, n);
	e->written = true;
}

static void
wrs(struct te *e, const char *s)
{
	wr(e, s, strlen(s));
}

static void
newline(struct te *e)
{
	if (e->written)
		wrs(e, "\n");
}

static bool
is_nil(const struct tmpl_value *v)
{
	switch (v->kind) {
	case TV_MISSING:
	case TV_NIL:
		return true;
	case TV_MAP:
		return v->u.map == NULL;
	case TV_REC:
		return v->u.rec == NULL;
	case TV_SEMVER:
		return v->u.semver == NULL;
	case TV_LIST: /* the engine's nil slice, as toJSON reads it */
		return v->len == 0 && v->u.list == NULL && v->elem != ELEM_STR;
	default:
		return false;
	}
}

static int
type_of(struct te *e, const struct tmpl_value *v, int *t)
{
	size_t i;
	int et;
	bool tables = true;

	if (is_nil(v)) {
		*t = T_NIL;
		return 0;
	}
	switch (v->kind) {
	case TV_MAP:
	case TV_REC:
	case TV_SCRATCH:
		*t = T_TABLE;
		return 0;
	case TV_LIST:
		if (v->elem == ELEM_CHAN)
			return fail(e, "unsupported type: chan");
		if (++e->depth > TOML_DEPTH_MAX)
			return fail(e, "nesting too deep");
		/* isTableArray: every element is looked at, and a nil one
		 * is an error wherever the array is. */
		for (i = 0; i < v->len; i++) {
			if (type_of(e, &v->u.list[i], &et) == -1)
				return -1;
			if (et == T_NIL)
				return fail(e,
				    "toml: cannot encode array with nil "
				    "element");
			tables = tables && et == T_TABLE;
		}
		e->depth--;
		*t = v->len > 0 && tables ? T_ARRAY_TABLE : T_ARRAY;
		return 0;
	default:
		*t = T_SCALAR;
		return 0;
	}
}

/* dblQuotedReplacer: ", \ and the control characters escaped. */
static void
quoted(struct te *e, const char *s, size_t n)
{
	size_t i;
	char u[8];

	wrs(e, "\"");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			wrs(e, "\\\"");
			break;
		case '\\':
			wrs(e, "\\\\");
			break;
		case '\b':
			wrs(e, "\\b");
			break;
		case '\t':
			wrs(e, "\\t");
			break;
		case '\n':
			wrs(e, "\\n");
			break;
		case '\f':
			wrs(e, "\\f");
			break;
		case '\r':
			wrs(e, "\\r");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(u, sizeof(u), "\\u%04x", c);
				wrs(e, u);
			} else
				wr(e, s + i, 1);
		}
	}
	wrs(e, "\"");
}

static bool
is_bare(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
			|| (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Key.maybeQuoted of one part. */
static void
key_part(struct te *e, const char *s, size_t n)
{
	if (n == 0)
		wrs(e, "\"\"");
	else if (is_bare(s, n))
		wr(e, s, n);
	else
		quoted(e, s, n);
}

/* Key.String: the parts joined by dots. */
static void
key_string(struct te *e, const struct key *k)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		if (i > 0)
			wrs(e, ".");
		key_part(e, k->s[i], k->len[i]);
	}
}

static void
indent(struct te *e, const struct key *k)
{
	size_t i;

	for (i = 0; i + 1 < k->n; i++)
		wrs(e, "  ");
}

static struct key
key_add(struct te *e, const struct key *k, const char *s, size_t n)
{
	struct key nk;

	nk.n = k->n + 1;
	nk.s = tmpl_arena_alloc(e->a, nk.n * sizeof(*nk.s));
	nk.len = tmpl_arena_alloc(e->a, nk.n * sizeof(*nk.len));
	if (k->n > 0) {
		memcpy(nk.s, k->s, k->n * sizeof(*nk.s));
		memcpy(nk.len, k->len, k->n * sizeof(*nk.len));
	}
	nk.s[k->n] = s;
	nk.len[k->n] = n;
	return nk;
}

static int element(struct te *e, const struct tmpl_value *v);
static int encode(struct te *e, const struct key *k,
    const struct tmpl_value *v);

static int
write_kv(struct te *e, const struct key *k, const struct tmpl_value *v,
    bool inline_)
{
	if (k->n == 0)
		return element(e, v);
	indent(e, k);
	key_part(e, k->s[k->n - 1], k->len[k->n - 1]);
	wrs(e, " = ");
	if (element(e, v) == -1)
		return -1;
	if (!inline_)
		newline(e);
	return 0;
}

/* One member of a table: its name, value and declaration index. */
struct member {
	const char *name;
	size_t len;
	const struct tmpl_value *v;
	size_t index;
	bool sub; /* a table or an array of tables */
};

static int
cmp_members(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->name, b->name, n);

	return c != 0 ? c : a->len < b->len ? -1 : a->len > b->len;
}

/*
 * The members of a map (sorted, as eMap) or a record (in declaration
 * order, as eStruct), in the arena; *n is their count.
 */
static int
members(struct te *e, const struct tmpl_value *v, struct member **out,
    size_t *n)
{
	const char *const *f;
	struct member *m;
	struct tmpl_value *vals;
	size_t i, cnt = 0;
	int t;

	*out = NULL;
	*n = 0;
	if (v->kind == TV_MAP) {
		cnt = v->u.map != NULL ? v->u.map->n : 0;
		m = tmpl_arena_calloc(e->a, cnt + 1, sizeof(*m));
		for (i = 0; i < cnt; i++) {
			if (v->u.map->keys[i].kind != TV_STR)
				return fail(e,
				    "toml: cannot encode a map with "
				    "non-string key type");
			m[i].name = v->u.map->keys[i].u.s;
			m[i].len = v->u.map->keys[i].len;
			m[i].v = &v->u.map->vals[i];
			m[i].index = i;
		}
		qsort(m, cnt, sizeof(*m), cmp_members);
	} else if (v->kind == TV_REC) {
		f = tmpl_record_fields(v->rtype);
		while (f[cnt] != NULL)
			cnt++;
		m = tmpl_arena_calloc(e->a, cnt + 1, sizeof(*m));
		vals = tmpl_arena_calloc(e->a, cnt + 1, sizeof(*vals));
		for (i = 0; i < cnt; i++) {
			if (tmpl_record_field(e->a, v, f[i], &vals[i]) == -1)
				vals[i] = tmpl_value_nil();
			m[i].name = f[i];
			m[i].len = strlen(f[i]);
			m[i].v = &vals[i];
			m[i].index = i;
		}
	} else
		m = NULL; /* the scratch object: no exported fields */
	for (i = 0; i < cnt; i++) {
		if (type_of(e, m[i].v, &t) == -1)
			return -1;
		m[i].sub = t == T_TABLE || t == T_ARRAY_TABLE;
	}
	*out = m;
	*n = cnt;
	return 0;
}

/* eMapOrStruct: plain members, then sub-tables. */
static int
table_body(struct te *e, const struct key *k, const struct tmpl_value *v,
    bool inline_)
{
	struct member *m;
	size_t n, i, pass, nsub = 0, ndirect, seen;
	struct key nk;

	if (members(e, v, &m, &n) == -1)
		return -1;
	for (i = 0; i < n; i++)
		nsub += m[i].sub;
	ndirect = n - nsub;
	if (inline_)
		wrs(e, "{");
	for (pass = 0; pass < 2; pass++) {
		seen = 0;
		for (i = 0; i < n; i++) {
			if (m[i].sub != (pass == 1))
				continue;
			seen++;
			if (is_nil(m[i].v))
				continue;
			if (inline_) {
				nk = key_add(e, &(struct key) { 0 }, m[i].name,
				    m[i].len);
				if (write_kv(e, &nk, m[i].v, true) == -1)
					return -1;
				/* eMap: a comma after each but the group's
				 * last (and after the last plain one when
				 * sub-tables follow); eStruct: after each
				 * but the last declared field. */
				if (v->kind == TV_MAP ? (pass == 0 && nsub > 0)
					    || seen
						!= (pass == 0 ? ndirect : nsub)
						      : m[i].index != n - 1)
					wrs(e, ", ");
			} else {
				nk = key_add(e, k, m[i].name, m[i].len);
				if (encode(e, &nk, m[i].v) == -1)
					return -1;
			}
		}
	}
	if (inline_)
		wrs(e, "}");
	return 0;
}

static int
element(struct te *e, const struct tmpl_value *v)
{
	struct buf b;
	size_t i;
	int rc = 0;

	if (++e->depth > TOML_DEPTH_MAX)
		return fail(e, "nesting too deep");
	buf_init(&b, SIZE_MAX);
	switch (v->kind) {
	case TV_TIME:
		tmpl_time_format(&b, "2006-01-02T15:04:05.999999999Z07:00", 35,
		    v->u.time);
		wr(e, b.data, b.len);
		break;
	case TV_SEMVER: /* a TextMarshaler: quoted */
		tmpl_semver_string(&b, v->u.semver);
		quoted(e, b.data, b.len);
		break;
	case TV_STR:
		quoted(e, v->u.s, v->len);
		break;
	case TV_BOOL:
		wrs(e, v->u.b ? "true" : "false");
		break;
	case TV_INT:
		if (v->isuint)
			buf_addf(&b, "%llu", (unsigned long long)v->u.i);
		else
			buf_addf(&b, "%lld", (long long)v->u.i);
		wr(e, b.data, b.len);
		break;
	case TV_FLOAT:
		if (isnan(v->u.f) || isinf(v->u.f)) {
			if (signbit(v->u.f))
				wrs(e, "-");
			wrs(e, isnan(v->u.f) ? "nan" : "inf");
			break;
		}
		tmpl_value_fmt_float(&b, v->u.f, 's', -1);
		wr(e, b.data, b.len);
		if (memchr(b.data, '.', b.len) == NULL)
			wrs(e, ".0");
		break;
	case TV_LIST:
		wrs(e, "[");
		for (i = 0; i < v->len && rc == 0; i++) {
			rc = element(e, &v->u.list[i]);
			if (i + 1 != v->len)
				wrs(e, ", ");
		}
		wrs(e, "]");
		break;
	case TV_MAP:
	case TV_REC:
	case TV_SCRATCH:
		rc = table_body(e, NULL, v, true);
		break;
	default:
		rc = fail(e,
		    "reflect: call of reflect.Value.Interface on zero "
		    "Value");
	}
	buf_clear(&b);
	e->depth--;
	return rc;
}

static int
encode(struct te *e, const struct key *k, const struct tmpl_value *v)
{
	size_t i;
	int t, rc = 0;

	if (++e->depth > TOML_DEPTH_MAX)
		return fail(e, "nesting too deep");
	if (v->kind == TV_LIST && v->elem == ELEM_CHAN) {
		rc = fail(e, "unsupported type: chan");
		goto out;
	}
	if (is_nil(v))
		goto out;
	switch (v->kind) {
	case TV_LIST:
		if (type_of(e, v, &t) == -1) {
			rc = -1;
			break;
		}
		if (t != T_ARRAY_TABLE) {
			rc = write_kv(e, k, v, false);
			break;
		}
		if (k->n == 0) {
			rc = fail(e,
			    "toml: top-level values must be Go maps or "
			    "structs");
			break;
		}
		for (i = 0; i < v->len && rc == 0; i++) {
			newline(e);
			indent(e, k);
			wrs(e, "[[");
			key_string(e, k);
			wrs(e, "]]");
			newline(e);
			rc = table_body(e, k, &v->u.list[i], false);
		}
		break;
	case TV_MAP:
	case TV_REC:
	case TV_SCRATCH:
		/* eTable: a blank line before a top-level table. */
		if (k->n == 1)
			newline(e);
		if (k->n > 0) {
			indent(e, k);
			wrs(e, "[");
			key_string(e, k);
			wrs(e, "]");
			newline(e);
		}
		rc = table_body(e, k, v, false);
		break;
	default:
		rc = write_kv(e, k, v, false);
	}
out:
	e->depth--;
	return rc;
}

/* toTOML VALUE */
static int
fn_to_toml(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct key root = { 0 };
	struct buf b;
	struct te e;
	const char *out;
	size_t outlen;

	(void)n;
	/* Encode(nil) fails inside reflect, unwrapped. */
	if (a[0].kind == TV_NIL || a[0].kind == TV_MISSING)
		return tmpl_exec_errorf(x,
		    "reflect: call of reflect.Value.Type on zero Value");
	memset(&e, 0, sizeof(e));
	buf_init(&b, SIZE_MAX);
	e.b = &b;
	e.a = x->a;
	if (encode(&e, &root, &a[0]) == -1) {
		buf_clear(&b);
		return tmpl_exec_errorf(x, "toTOML: %s", e.err);
	}
	/* strings.TrimSpace */
	out = b.data != NULL ? b.data : "";
	outlen = b.len;
	tmpl_helper_trim_span(&out, &outlen);
	*r = tmpl_value_strndup(x->a, out, outlen);
	buf_clear(&b);
	return 0;
}

const struct tmpl_func tmpl_toml_funcs[] = {
	{ "toTOML", fn_to_toml, 1, 1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
