/* SPDX-License-Identifier: MIT */
/*
 * Template values and how they print.  A value is the small tagged union
 * struct tmpl_value, standing for what Go's reflect.Value is to text/template:
 * nothing ("<no value>"), nil, bool, int, float64, string, list, map
 * with sorted keys, or a Consul record.  This file owns Go's printing
 * rules (fmt's %v for each kind, strconv.Quote, the shortest float
 * format) and encoding/json's encoder, because templates must render
 * byte for byte what consul-template renders.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"
#include "xmalloc.h"

struct tmpl_value
tmpl_value_missing(void)
{
	struct tmpl_value v;

	memset(&v, 0, sizeof(v));
	v.kind = TV_MISSING;
	return v;
}

struct tmpl_value
tmpl_value_nil(void)
{
	struct tmpl_value v = tmpl_value_missing();

	v.kind = TV_NIL;
	return v;
}

struct tmpl_value
tmpl_value_bool(bool b)
{
	struct tmpl_value v = tmpl_value_missing();

	v.kind = TV_BOOL;
	v.u.b = b;
	return v;
}

struct tmpl_value
tmpl_value_int(int64_t i)
{
	struct tmpl_value v = tmpl_value_missing();

	v.kind = TV_INT;
	v.u.i = i;
	return v;
}

struct tmpl_value
tmpl_value_int64(int64_t i)
{
	struct tmpl_value v = tmpl_value_int(i);

	v.elem = ELEM_INT64;
	return v;
}

struct tmpl_value
tmpl_value_float(double f)
{
	struct tmpl_value v = tmpl_value_missing();

	v.kind = TV_FLOAT;
	v.u.f = f;
	return v;
}

struct tmpl_value
tmpl_value_str(const char *s, size_t len)
{
	struct tmpl_value v = tmpl_value_missing();

	v.kind = TV_STR;
	v.u.s = s;
	v.len = (uint32_t)len;
	return v;
}

struct tmpl_value
tmpl_value_cstr(const char *s)
{
	return tmpl_value_str(s, strlen(s));
}

struct tmpl_value
tmpl_value_strndup(struct tmpl_arena *a, const char *s, size_t len)
{
	return tmpl_value_str(tmpl_arena_strndup(a, s, len), len);
}

struct tmpl_value
tmpl_value_from_buf(struct tmpl_arena *a, struct buf *b)
{
	struct tmpl_value v;

	v = tmpl_value_strndup(a, b->data != NULL ? b->data : "", b->len);
	buf_clear(b);
	return v;
}

struct tmpl_value
tmpl_value_list(struct tmpl_value *l, size_t n, int elem)
{
	struct tmpl_value v = tmpl_value_missing();

	v.kind = TV_LIST;
	v.u.list = l;
	v.len = (uint32_t)n;
	v.elem = (uint8_t)elem;
	return v;
}

struct tmpl_value
tmpl_value_record(const struct tmpl_record *r, int rtype)
{
	struct tmpl_value v = tmpl_value_missing();

	v.kind = TV_REC;
	v.u.rec = r;
	v.rtype = (uint8_t)rtype;
	return v;
}

/* Go's isTrue: zero values are false; structs are always true. */
bool
tmpl_value_truth(const struct tmpl_value *v)
{
	switch (v->kind) {
	case TV_BOOL:
		return v->u.b;
	case TV_INT:
		return v->u.i != 0;
	case TV_FLOAT:
		return v->u.f != 0;
	case TV_STR:
	case TV_LIST:
		return v->len > 0;
	case TV_MAP:
		return v->u.map != NULL && v->u.map->n > 0;
	case TV_REC:
		return v->u.rec != NULL;
	case TV_SCRATCH:
	case TV_TIME: /* a struct */
		return true;
	case TV_SEMVER:
		return v->u.semver != NULL;
	default:
		return false;
	}
}

struct tmpl_value
tmpl_value_map_zero(const struct tmpl_value *m)
{
	switch (m->elem) {
	case ELEM_STR:
		return tmpl_value_str("", 0);
	case ELEM_LIST:
		return tmpl_value_list(NULL, 0, ELEM_REC);
	case ELEM_KVPTR:
		return tmpl_value_record(NULL, REC_KV);
	case ELEM_KVMAP:
		return tmpl_value_map(NULL, ELEM_KVPTR);
	default:
		return tmpl_value_missing();
	}
}

const char *
tmpl_value_type_name(const struct tmpl_value *v)
{
	switch (v->kind) {
	case TV_MISSING:
		return "<nil>";
	case TV_NIL:
		return "<nil>";
	case TV_BOOL:
		return "bool";
	case TV_INT:
		return v->isuint            ? "uint64"
		    : v->elem == ELEM_INT64 ? "int64"
					    : "int";
	case TV_FLOAT:
		return "float64";
	case TV_STR:
		return "string";
	case TV_LIST:
		switch (v->elem) {
		case ELEM_STR:
			return "[]string";
		case ELEM_CHAN:
			return "<-chan int64";
		case ELEM_REC:
			if (v->rtype == REC_CAROOT + 1)
				return "[]*api.CARoot";
			if (v->rtype == REC_PEERING + 1)
				return "[]*dependency.Peering";
			return "[]interface {}";
		default:
			return "[]interface {}";
		}
	case TV_MAP:
		switch (v->elem) {
		case ELEM_STR:
			return "map[string]string";
		case ELEM_KVPTR:
			return "map[string]*dependency.KeyPair";
		case ELEM_KVMAP:
			return "map[string]map[string]*dependency.KeyPair";
		default:
			return "map[string]interface {}";
		}
	case TV_REC:
		return tmpl_record_type_name(v->rtype);
	case TV_SCRATCH:
		return "*template.Scratch";
	case TV_TIME:
		return "time.Time";
	case TV_SEMVER:
		return "*semver.Version";
	}
	return "?";
}

/* Length of the valid UTF-8 sequence at s, or 0 when invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n, uint32_t *rune)
{
	uint32_t r;
	size_t len, i;

	if (s[0] < 0x80) {
		*rune = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		r = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		r = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		r = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		r = (r << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && r < 0x80) || (len == 3 && r < 0x800)
	    || (len == 4 && (r < 0x10000 || r > 0x10ffff))
	    || (r >= 0xd800 && r <= 0xdfff))
		return 0;
	*rune = r;
	return len;
}

static void
quote(struct buf *b, const char *s, size_t len, bool ascii)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n;
	uint32_t r;

	buf_addc(b, '"');
	for (i = 0; i < len; i += n) {
		n = utf8_len(p + i, len - i, &r);
		if (n == 0) {
			buf_addf(b, "\\x%02x", p[i]);
			n = 1;
			continue;
		}
		switch (r) {
		case '\a':
			buf_addstr(b, "\\a");
			break;
		case '\b':
			buf_addstr(b, "\\b");
			break;
		case '\f':
			buf_addstr(b, "\\f");
			break;
		case '\n':
			buf_addstr(b, "\\n");
			break;
		case '\r':
			buf_addstr(b, "\\r");
			break;
		case '\t':
			buf_addstr(b, "\\t");
			break;
		case '\v':
			buf_addstr(b, "\\v");
			break;
		case '\\':
			buf_addstr(b, "\\\\");
			break;
		case '"':
			buf_addstr(b, "\\\"");
			break;
		default:
			if (r < 0x20 || r == 0x7f)
				buf_addf(b, "\\x%02x", (unsigned)r);
			else if ((r >= 0x80 && r < 0xa0)
			    || (ascii && r >= 0x80 && r < 0x10000))
				buf_addf(b, "\\u%04x", (unsigned)r);
			else if (ascii && r >= 0x10000)
				buf_addf(b, "\\U%08x", (unsigned)r);
			else
				buf_add(b, s + i, n);
		}
	}
	buf_addc(b, '"');
}

void
tmpl_value_quote(struct buf *b, const char *s, size_t len)
{
	quote(b, s, len, false);
}

void
tmpl_value_quote_ascii(struct buf *b, const char *s, size_t len)
{
	quote(b, s, len, true);
}

/*
 * Shortest decimal digits that read back as f: digits without the dot,
 * and the decimal exponent of the first digit (f = d.ddd * 10^exp).
 */
static void
float_shortest(double f, char *digits, size_t dlen, int *exp)
{
	char tmp[64], *e;
	size_t j;
	int p;

	for (p = 0; p < 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	e = strchr(tmp, 'e');
	*exp = e != NULL ? (int)strtol(e + 1, NULL, 10) : 0;
	j = 0;
	for (const char *c = tmp; *c != '\0' && c != e && j + 1 < dlen; c++)
		if (*c >= '0' && *c <= '9')
			digits[j++] = *c;
	digits[j] = '\0';
	/* Trailing zeros are not significant in the shortest form. */
	while (j > 1 && digits[j - 1] == '0')
		digits[--j] = '\0';
}

static void
float_fixed(struct buf *b, const char *d, int exp)
{
	size_t nd = strlen(d);
	long i;

	if (exp < 0) {
		buf_addstr(b, "0.");
		for (i = 0; i < -exp - 1; i++)
			buf_addc(b, '0');
		buf_addstr(b, d);
		return;
	}
	for (i = 0; i <= exp; i++)
		buf_addc(b, (size_t)i < nd ? d[i] : '0');
	if ((size_t)exp + 1 < nd) {
		buf_addc(b, '.');
		buf_addstr(b, d + exp + 1);
	}
}

static void
float_exp(struct buf *b, const char *d, int exp)
{
	buf_addc(b, d[0]);
	if (d[1] != '\0') {
		buf_addc(b, '.');
		buf_addstr(b, d + 1);
	}
	buf_addf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

/*
 * Go's float formatting: verb 'v' (and 'g' without precision) is the
 * shortest representation, in %e form when the exponent is < -4 or
 * >= 21 for JSON ('j') and >= 6 otherwise... exactly strconv's rule with
 * eprec 6 (fmt) and encoding/json's 1e-6/1e21 rule ('j').
 */
void
tmpl_value_fmt_float(struct buf *b, double f, int verb, int prec)
{
	char d[40], fmtbuf[16];
	int exp;

	if (isnan(f)) {
		buf_addstr(b, "NaN");
		return;
	}
	if (isinf(f)) {
		buf_addstr(b, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	if ((verb == 'v' || verb == 'g' || verb == 'j' || verb == 's')
	    && prec < 0) {
		if (signbit(f)) {
			buf_addc(b, '-');
			f = -f;
		}
		if (f == 0) {
			buf_addc(b, '0');
			return;
		}
		float_shortest(f, d, sizeof(d), &exp);
		if (verb == 'j') {
			if (f < 1e-6 || f >= 1e21) {
				buf_addc(b, d[0]);
				if (d[1] != '\0') {
					buf_addc(b, '.');
					buf_addstr(b, d + 1);
				}
				buf_addf(b, "e%c%d", exp < 0 ? '-' : '+',
				    exp < 0 ? -exp : exp);
			} else
				float_fixed(b, d, exp);
		} else if (verb == 's')
			float_fixed(b, d, exp);
		else if (exp < -4 || exp >= 6)
			float_exp(b, d, exp);
		else
			float_fixed(b, d, exp);
		return;
	}
	if (verb == 'v')
		verb = 'g';
	if (prec < 0)
		prec = 6;
	if (prec > TMPL_MAX_WIDTH)
		prec = TMPL_MAX_WIDTH;
	snprintf(fmtbuf, sizeof(fmtbuf), "%%.*%c", verb);
	/* The format is one of %.*e %.*f %.*g %.*E %.*G built above. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	buf_addf(b, fmtbuf, prec, f);
#pragma GCC diagnostic pop
}

static void value_print(struct tmpl_arena *a, struct buf *b,
    const struct tmpl_value *v, bool names);
static void print_rec(struct tmpl_arena *a, struct buf *b,
    const struct tmpl_value *v, bool names);

void
tmpl_value_print(struct tmpl_arena *a, struct buf *b,
    const struct tmpl_value *v)
{
	value_print(a, b, v, false);
}

void
tmpl_value_print_names(struct tmpl_arena *a, struct buf *b,
    const struct tmpl_value *v)
{
	value_print(a, b, v, true);
}

/* names: %+v, a record's fields as Name:value at every depth. */
static void
value_print(struct tmpl_arena *a, struct buf *b, const struct tmpl_value *v,
    bool names)
{
	size_t i;

	switch (v->kind) {
	case TV_MISSING:
		buf_addstr(b, "<no value>");
		break;
	case TV_NIL:
		buf_addstr(b, "<nil>");
		break;
	case TV_BOOL:
		buf_addstr(b, v->u.b ? "true" : "false");
		break;
	case TV_INT:
		if (v->isuint)
			buf_addf(b, "%llu", (unsigned long long)v->u.i);
		else
			buf_addf(b, "%lld", (long long)v->u.i);
		break;
	case TV_FLOAT:
		tmpl_value_fmt_float(b, v->u.f, 'v', -1);
		break;
	case TV_STR:
		buf_add(b, v->u.s, v->len);
		break;
	case TV_LIST:
		buf_addc(b, '[');
		for (i = 0; i < v->len; i++) {
			if (i > 0)
				buf_addc(b, ' ');
			value_print(a, b, &v->u.list[i], names);
		}
		buf_addc(b, ']');
		break;
	case TV_MAP:
		buf_addstr(b, "map[");
		for (i = 0; v->u.map != NULL && i < v->u.map->n; i++) {
			if (i > 0)
				buf_addc(b, ' ');
			value_print(a, b, &v->u.map->keys[i], names);
			buf_addc(b, ':');
			value_print(a, b, &v->u.map->vals[i], names);
		}
		buf_addc(b, ']');
		break;
	case TV_REC:
		print_rec(a, b, v, names);
		break;
	case TV_SCRATCH:
		buf_addstr(b, "&{map[]}");
		break;
	case TV_TIME: /* fmt calls String() */
		tmpl_time_string(b, v->u.time);
		break;
	case TV_SEMVER:
		if (v->u.semver == NULL)
			buf_addstr(b, "<nil>");
		else
			tmpl_semver_string(b, v->u.semver);
		break;
	}
}

static void
print_rec(struct tmpl_arena *a, struct buf *b, const struct tmpl_value *v,
    bool names)
{
	const char *const *fields;
	struct tmpl_value f;
	size_t i;

	if (v->u.rec == NULL) {
		buf_addstr(b, "<nil>");
		return;
	}
	fields = tmpl_record_fields(v->rtype);
	buf_addc(b, '{');
	for (i = 0; fields[i] != NULL; i++) {
		if (i > 0)
			buf_addc(b, ' ');
		if (names) {
			buf_addstr(b, fields[i]);
			buf_addc(b, ':');
		}
		if (tmpl_record_field(a, v, fields[i], &f) == 0)
			value_print(a, b, &f, names);
	}
	buf_addc(b, '}');
}

static void
json_str(struct buf *b, const char *s, size_t len, bool escape_html)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n;
	uint32_t r;

	buf_addc(b, '"');
	for (i = 0; i < len; i += n) {
		n = utf8_len(p + i, len - i, &r);
		if (n == 0) {
			buf_addstr(b, "\\ufffd");
			n = 1;
			continue;
		}
		if (r == '"' || r == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)r);
		} else if (r == '\n')
			buf_addstr(b, "\\n");
		else if (r == '\r')
			buf_addstr(b, "\\r");
		else if (r == '\t')
			buf_addstr(b, "\\t");
		else if (r == '\b')
			buf_addstr(b, "\\b");
		else if (r == '\f')
			buf_addstr(b, "\\f");
		else if (r < 0x20
		    || (escape_html && (r == '<' || r == '>' || r == '&'))
		    || r == 0x2028 || r == 0x2029)
			buf_addf(b, "\\u%04x", (unsigned)r);
		else
			buf_add(b, s + i, n);
	}
	buf_addc(b, '"');
}

static void
json_nl(struct buf *b, int indent, int level)
{
	int i;

	if (indent == 0)
		return;
	buf_addc(b, '\n');
	for (i = 0; i < indent * level; i++)
		buf_addc(b, ' ');
}

void
tmpl_value_json(struct tmpl_arena *a, struct buf *b, const struct tmpl_value *v,
    bool escape_html, int indent, int level)
{
	const char *const *fields;
	struct buf kb;
	struct tmpl_value f;
	size_t i;

	switch (v->kind) {
	case TV_MISSING:
	case TV_NIL:
		buf_addstr(b, "null");
		break;
	case TV_BOOL:
	case TV_INT:
		tmpl_value_print(a, b, v);
		break;
	case TV_FLOAT:
		tmpl_value_fmt_float(b, v->u.f, 'j', -1);
		break;
	case TV_STR:
		json_str(b, v->u.s, v->len, escape_html);
		break;
	case TV_LIST:
		if (v->len == 0) {
			buf_addstr(b,
			    v->u.list == NULL && v->elem != ELEM_STR ? "null"
								     : "[]");
			break;
		}
		buf_addc(b, '[');
		for (i = 0; i < v->len; i++) {
			if (i > 0)
				buf_addc(b, ',');
			json_nl(b, indent, level + 1);
			tmpl_value_json(a, b, &v->u.list[i], escape_html,
			    indent, level + 1);
		}
		json_nl(b, indent, level);
		buf_addc(b, ']');
		break;
	case TV_MAP:
		if (v->u.map == NULL) {
			buf_addstr(b, "null");
			break;
		}
		if (v->u.map->n == 0) {
			buf_addstr(b, "{}");
			break;
		}
		buf_addc(b, '{');
		buf_init(&kb, SIZE_MAX);
		for (i = 0; i < v->u.map->n; i++) {
			if (i > 0)
				buf_addc(b, ',');
			json_nl(b, indent, level + 1);
			buf_reset(&kb);
			tmpl_value_print(a, &kb, &v->u.map->keys[i]);
			json_str(b, kb.data != NULL ? kb.data : "", kb.len,
			    escape_html);
			buf_addstr(b, indent ? ": " : ":");
			tmpl_value_json(a, b, &v->u.map->vals[i], escape_html,
			    indent, level + 1);
		}
		buf_clear(&kb);
		json_nl(b, indent, level);
		buf_addc(b, '}');
		break;
	case TV_REC:
		if (v->u.rec == NULL) {
			buf_addstr(b, "null");
			break;
		}
		fields = tmpl_record_fields(v->rtype);
		buf_addc(b, '{');
		for (i = 0; fields[i] != NULL; i++) {
			if (i > 0)
				buf_addc(b, ',');
			json_nl(b, indent, level + 1);
			json_str(b, fields[i], strlen(fields[i]), escape_html);
			buf_addstr(b, indent ? ": " : ":");
			if (tmpl_record_field(a, v, fields[i], &f) == -1)
				f = tmpl_value_nil();
			tmpl_value_json(a, b, &f, escape_html, indent,
			    level + 1);
		}
		json_nl(b, indent, level);
		buf_addc(b, '}');
		break;
	case TV_SCRATCH:
		buf_addstr(b, "{}");
		break;
	case TV_TIME: /* MarshalJSON: RFC 3339 with nanoseconds */
		buf_addc(b, '"');
		tmpl_time_format(b, "2006-01-02T15:04:05.999999999Z07:00", 35,
		    v->u.time);
		buf_addc(b, '"');
		break;
	case TV_SEMVER: /* MarshalJSON: its String() as a JSON string */
		if (v->u.semver == NULL) {
			buf_addstr(b, "null");
			break;
		}
		buf_init(&kb, SIZE_MAX);
		tmpl_semver_string(&kb, v->u.semver);
		json_str(b, kb.data != NULL ? kb.data : "", kb.len,
		    escape_html);
		buf_clear(&kb);
		break;
	}
}

int
tmpl_value_cmp_key(const struct tmpl_value *a, const struct tmpl_value *b)
{
	size_t n;
	int c;

	if (a->kind == TV_INT && b->kind == TV_INT)
		return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
	if (a->kind != TV_STR || b->kind != TV_STR)
		return (int)a->kind - (int)b->kind;
	n = a->len < b->len ? a->len : b->len;
	c = n > 0 ? memcmp(a->u.s, b->u.s, n) : 0;
	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

struct tmpl_map *
tmpl_value_map_new(struct tmpl_arena *a, size_t n)
{
	struct tmpl_map *m;

	m = tmpl_arena_alloc(a, sizeof(*m));
	m->n = n;
	m->keys = tmpl_arena_calloc(a, n, sizeof(struct tmpl_value));
	m->vals = tmpl_arena_calloc(a, n, sizeof(struct tmpl_value));
	return m;
}

/* Insertion sort on (key, value) pairs: maps here are small or sorted. */
/* Below this many entries, insertion sort; above, a merge sort. */
#define MAP_SORT_INSERTION_MAX 16

static void
map_sort_insertion(struct tmpl_value *keys, struct tmpl_value *vals, size_t n)
{
	struct tmpl_value k, v;
	size_t i, j;

	for (i = 1; i < n; i++) {
		k = keys[i];
		v = vals[i];
		for (j = i; j > 0 && tmpl_value_cmp_key(&keys[j - 1], &k) > 0;
		     j--) {
			keys[j] = keys[j - 1];
			vals[j] = vals[j - 1];
		}
		keys[j] = k;
		vals[j] = v;
	}
}

/*
 * Stable (equal keys keep their order, so a caller can keep the last of
 * duplicates) and O(n log n): a map built from Consul or KV data can hold
 * hundreds of thousands of keys.
 */
void
tmpl_value_map_sort(struct tmpl_map *m)
{
	struct tmpl_value *tk, *tv, *sk = m->keys, *sv = m->vals, *t;
	size_t width, lo, mid, hi, i, j, o;

	if (m->n <= MAP_SORT_INSERTION_MAX) {
		map_sort_insertion(m->keys, m->vals, m->n);
		return;
	}
	tk = xcalloc(m->n, sizeof(*tk));
	tv = xcalloc(m->n, sizeof(*tv));
	for (width = 1; width < m->n; width *= 2) {
		for (lo = 0; lo < m->n; lo += 2 * width) {
			mid = lo + width < m->n ? lo + width : m->n;
			hi = lo + 2 * width < m->n ? lo + 2 * width : m->n;
			for (i = lo, j = mid, o = lo; o < hi; o++) {
				if (i < mid
				    && (j >= hi
					|| tmpl_value_cmp_key(&sk[j], &sk[i])
					    >= 0)) {
					tk[o] = sk[i];
					tv[o] = sv[i++];
				} else {
					tk[o] = sk[j];
					tv[o] = sv[j++];
				}
			}
		}
		t = sk;
		sk = tk;
		tk = t;
		t = sv;
		sv = tv;
		tv = t;
	}
	if (sk != m->keys) {
		memcpy(m->keys, sk, m->n * sizeof(*sk));
		memcpy(m->vals, sv, m->n * sizeof(*sv));
		free(sk);
		free(sv);
	} else {
		free(tk);
		free(tv);
	}
}

struct tmpl_value
tmpl_value_map(struct tmpl_map *m, int elem)
{
	struct tmpl_value v = tmpl_value_missing();

	v.kind = TV_MAP;
	v.u.map = m;
	v.elem = (uint8_t)elem;
	return v;
}

long
tmpl_value_map_find(const struct tmpl_map *m, const char *k, size_t klen)
{
	struct tmpl_value key = tmpl_value_str(k, klen);
	size_t lo, hi, mid;
	int c;

	if (m == NULL)
		return -1;
	lo = 0;
	hi = m->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = tmpl_value_cmp_key(&m->keys[mid], &key);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

struct tmpl_value
tmpl_value_from_json(struct tmpl_arena *a, const cJSON *j)
{
	struct tmpl_map *m;
	struct tmpl_value *l;
	const cJSON *c;
	size_t n, i;

	if (j == NULL || cJSON_IsNull(j))
		return tmpl_value_nil();
	if (cJSON_IsBool(j))
		return tmpl_value_bool(cJSON_IsTrue(j));
	if (cJSON_IsNumber(j))
		return tmpl_value_float(j->valuedouble);
	if (cJSON_IsString(j))
		return tmpl_value_str(tmpl_arena_strndup(a, j->valuestring,
					  strlen(j->valuestring)),
		    strlen(j->valuestring));
	n = 0;
	for (c = j->child; c != NULL; c = c->next)
		n++;
	if (cJSON_IsArray(j)) {
		l = tmpl_arena_calloc(a, n, sizeof(*l));
		i = 0;
		for (c = j->child; c != NULL; c = c->next)
			l[i++] = tmpl_value_from_json(a, c);
		return tmpl_value_list(l, n, ELEM_ANY);
	}
	if (cJSON_IsObject(j)) {
		m = tmpl_value_map_new(a, n);
		i = 0;
		for (c = j->child; c != NULL; c = c->next) {
			m->keys[i] = tmpl_value_cstr(tmpl_arena_strndup(a,
			    c->string != NULL ? c->string : "",
			    c->string != NULL ? strlen(c->string) : 0));
			m->vals[i] = tmpl_value_from_json(a, c);
			i++;
		}
		tmpl_value_map_sort(m);
		return tmpl_value_map(m, ELEM_ANY);
	}
	return tmpl_value_nil();
}
