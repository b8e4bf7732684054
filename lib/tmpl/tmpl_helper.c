/* SPDX-License-Identifier: MIT */
/*
 * consul-template's helper and math functions on plain values: list and
 * substring tests (contains, in, containsAll...), strings (join, split,
 * replaceAll, toLower, trim..., indent), parsing (parseInt, parseBool,
 * parseJSON...) and JSON output (toJSON...), arithmetic with
 * consul-template's argument order (the piped value is the left
 * operand), and loop.  Every function takes its operands with the piped
 * value last and reports failures through tmpl_exec_errorf, which names
 * the function.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"
#include "unicode.h"
#include "utf8.h"

/* consul-template's in: list membership or substring. */
static bool
in_list(const struct tmpl_value *l, const struct tmpl_value *v)
{
	const struct tmpl_value *e;
	size_t i;

	if (l->kind == TV_LIST) {
		for (i = 0; i < l->len; i++) {
			e = &l->u.list[i];
			switch (e->kind) {
			case TV_INT:
				if (v->kind == TV_INT && v->u.i == e->u.i)
					return true;
				break;
			case TV_FLOAT:
				if (v->kind == TV_FLOAT && v->u.f == e->u.f)
					return true;
				break;
			case TV_STR:
				if (v->kind == TV_STR
				    && tmpl_value_cmp_key(v, e) == 0)
					return true;
				break;
			default:
				break;
			}
		}
		return false;
	}
	if (l->kind == TV_STR && v->kind == TV_STR)
		return v->len == 0
		    || (l->len >= v->len
			&& memmem(l->u.s, l->len, v->u.s, v->len) != NULL);
	return false;
}

static int
fn_in(struct tmpl_exec *x, struct tmpl_value *a, size_t n, struct tmpl_value *r)
{
	(void)x;
	(void)n;
	*r = tmpl_value_bool(in_list(&a[0], &a[1]));
	return 0;
}

static int
fn_contains(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)n;
	*r = tmpl_value_bool(in_list(&a[1], &a[0]));
	return 0;
}

/* containsAll/Any/None/NotAll NEEDLES HAYSTACK */
static int
contains_some(struct tmpl_exec *x, struct tmpl_value *a, int mode,
    struct tmpl_value *r)
{
	size_t i, hits = 0, n;

	if ((a[0].kind != TV_LIST || a[0].elem != ELEM_ANY)
	    && a[0].kind != TV_MISSING && a[0].kind != TV_NIL)
		return tmpl_exec_errorf(x,
		    "wrong type for value; expected "
		    "[]interface {}; got %s",
		    tmpl_value_type_name(&a[0]));
	n = a[0].kind == TV_LIST ? a[0].len : 0;
	for (i = 0; i < n; i++)
		if (in_list(&a[1], &a[0].u.list[i]))
			hits++;
	switch (mode) {
	case 0:
		*r = tmpl_value_bool(hits == n);
		break;
	case 1:
		*r = tmpl_value_bool(hits > 0);
		break;
	case 2:
		*r = tmpl_value_bool(hits == 0);
		break;
	default:
		*r = tmpl_value_bool(hits < n);
	}
	return 0;
}

static int
fn_contains_all(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return contains_some(x, a, 0, r);
}

static int
fn_contains_any(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return contains_some(x, a, 1, r);
}

static int
fn_contains_none(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return contains_some(x, a, 2, r);
}

static int
fn_contains_notall(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return contains_some(x, a, 3, r);
}

static int
fn_join(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct buf b;
	const char *sep;
	size_t seplen, i;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &sep, &seplen) == -1)
		return -1;
	if (a[1].kind != TV_LIST || a[1].elem != ELEM_STR)
		return tmpl_exec_errorf(x,
		    "wrong type for value; expected "
		    "[]string; got %s",
		    tmpl_value_type_name(&a[1]));
	for (i = 0; i < a[1].len; i++)
		if (a[1].u.list[i].kind != TV_STR)
			return tmpl_exec_errorf(x,
			    "wrong type for value; expected "
			    "[]string; got %s",
			    tmpl_value_type_name(&a[1]));
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < a[1].len; i++) {
		if (i > 0)
			buf_add(&b, sep, seplen);
		buf_add(&b, a[1].u.list[i].u.s, a[1].u.list[i].len);
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

void
tmpl_helper_trim_span(const char **s, size_t *len)
{
	size_t w;

	while (*len > 0 && unicode_is_space(utf8_decode(*s, *len, &w))) {
		*s += w;
		*len -= w;
	}
	while (*len > 0 && unicode_is_space(utf8_decode_last(*s, *len, &w)))
		*len -= w;
}

/* Go's strings.Split (sep "" splits into bytes of UTF-8 runes). */
static struct tmpl_value
split_str(struct tmpl_exec *x, const char *s, size_t len, const char *sep,
    size_t seplen)
{
	struct tmpl_value *l;
	const char *p, *q;
	size_t n = 1, i;

	if (seplen == 0) {
		l = tmpl_arena_alloc(x->a, (len ? len : 1) * sizeof(*l));
		n = 0;
		for (i = 0; i < len;) {
			size_t w = 1;
			unsigned char c = (unsigned char)s[i];

			if (c >= 0xf0)
				w = 4;
			else if (c >= 0xe0)
				w = 3;
			else if (c >= 0xc0)
				w = 2;
			if (i + w > len)
				w = 1;
			l[n++] = tmpl_value_str(s + i, w);
			i += w;
		}
		return tmpl_value_list(l, n, ELEM_STR);
	}
	for (p = s; (q = memmem(p, len - (size_t)(p - s), sep, seplen)) != NULL;
	     p = q + seplen)
		n++;
	l = tmpl_arena_alloc(x->a, n * sizeof(*l));
	i = 0;
	for (p = s; (q = memmem(p, len - (size_t)(p - s), sep, seplen)) != NULL;
	     p = q + seplen)
		l[i++] = tmpl_value_str(p, (size_t)(q - p));
	l[i++] = tmpl_value_str(p, len - (size_t)(p - s));
	return tmpl_value_list(l, i, ELEM_STR);
}

static int
fn_split(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *sep, *s;
	size_t seplen, len;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &sep, &seplen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	tmpl_helper_trim_span(&s, &len);
	if (len == 0) {
		*r = tmpl_value_list(
		    tmpl_arena_alloc(x->a, sizeof(struct tmpl_value)), 0,
		    ELEM_STR);
		return 0;
	}
	*r = split_str(x, s, len, sep, seplen);
	return 0;
}

/*
 * splitToMap SEP KVSEP S: map[string]string of the items of S split at
 * SEP, each split at its first KVSEP; an item without KVSEP is skipped, a
 * later key wins.
 */
static int
fn_split_to_map(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *sep, *kvsep, *s, *kv;
	size_t seplen, kvseplen, len, i, k;
	struct tmpl_value items;
	struct tmpl_map *m;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &sep, &seplen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &kvsep, &kvseplen) == -1
	    || tmpl_exec_arg_str(x, a, 2, &s, &len) == -1)
		return -1;
	items = split_str(x, s, len, sep, seplen);
	m = tmpl_value_map_new(x->a, items.len);
	m->n = 0;
	for (i = 0; i < items.len; i++) {
		const struct tmpl_value *it = &items.u.list[i];

		kv = kvseplen > 0 ? memmem(it->u.s, it->len, kvsep, kvseplen)
				  : NULL;
		if (kv == NULL)
			continue;
		m->keys[m->n] = tmpl_value_str(it->u.s, (size_t)(kv - it->u.s));
		m->vals[m->n] = tmpl_value_str(kv + kvseplen,
		    it->len - (size_t)(kv - it->u.s) - kvseplen);
		m->n++;
	}
	tmpl_value_map_sort(m);
	for (i = 0, k = 0; i < m->n; i++) {
		if (k > 0
		    && tmpl_value_cmp_key(&m->keys[k - 1], &m->keys[i]) == 0)
			k--;
		m->keys[k] = m->keys[i];
		m->vals[k] = m->vals[i];
		k++;
	}
	m->n = k;
	*r = tmpl_value_map(m, ELEM_STR);
	return 0;
}

int
tmpl_helper_replace_all(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *f, *t, *s, *p, *q;
	size_t flen, tlen, len, i;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &f, &flen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &t, &tlen) == -1
	    || tmpl_exec_arg_str(x, a, 2, &s, &len) == -1)
		return -1;
	buf_init(&b, SIZE_MAX);
	if (flen == 0) {
		/* Go inserts the replacement around every rune. */
		buf_add(&b, t, tlen);
		for (i = 0; i < len; i++) {
			buf_addc(&b, s[i]);
			if (i + 1 == len
			    || ((unsigned char)s[i + 1] & 0xc0) != 0x80)
				buf_add(&b, t, tlen);
		}
		*r = tmpl_value_from_buf(x->a, &b);
		return 0;
	}
	for (p = s; (q = memmem(p, len - (size_t)(p - s), f, flen)) != NULL;
	     p = q + flen) {
		buf_add(&b, p, (size_t)(q - p));
		buf_add(&b, t, tlen);
	}
	buf_add(&b, p, len - (size_t)(p - s));
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

enum case_mode { CASE_LOWER, CASE_UPPER, CASE_TITLE };

/*
 * Where toTitle's words break, as golang.org/x/text/cases reads Unicode's
 * word-break property: letters, digits, marks and connector punctuation
 * ('_') continue a word; a MidLetter or MidNumLet character ('.', ':',
 * '\'', U+00B7, U+2019...) continues it only between two word runes.
 */
static bool
title_word_rune(int32_t r)
{
	static const char *const cats[] = { "Mn", "Mc", "Me", "Pc" };
	size_t i;

	if (unicode_is_letter(r) || unicode_is_digit(r))
		return true;
	if (r < UTF8_RUNE_SELF)
		return r == '_';
	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (unicode_in(unicode_category(cats[i]), r))
			return true;
	return false;
}

static bool
title_mid_rune(int32_t r)
{
	return r == '.' || r == ':' || r == '\'' || r == 0x00B7 || r == 0x0387
	    || r == 0x2018 || r == 0x2019 || r == 0x2024 || r == 0x2027
	    || r == 0xFE13 || r == 0xFE52 || r == 0xFE55 || r == 0xFF07
	    || r == 0xFF0E || r == 0xFF1A;
}

/*
 * Go's strings.ToLower and strings.ToUpper (unicode's simple mappings
 * rune by rune; invalid UTF-8 becomes U+FFFD) and consul-template's
 * toTitle, cases.Title(language.Und, cases.NoLower): the first letter of
 * each word title-cased, the rest as it was.
 */
static int
case_map(struct tmpl_exec *x, struct tmpl_value *a, enum case_mode mode,
    struct tmpl_value *r)
{
	const char *s;
	size_t len, i, w, nw, out;
	char *d, enc[UTF8_MAX_BYTES];
	bool in_word = false;

	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	/* A rune grows by at most one byte under simple mappings; an invalid
	 * byte becomes three. */
	d = tmpl_arena_alloc(x->a, len * 3 + 1);
	for (i = 0, out = 0; i < len; i += w) {
		int32_t c = utf8_decode(s + i, len - i, &w), m = c;

		if (mode == CASE_LOWER)
			m = unicode_to_lower(c);
		else if (mode == CASE_UPPER)
			m = unicode_to_upper(c);
		else if (title_word_rune(c)) {
			if (!in_word)
				m = unicode_to_title(c);
			in_word = true;
		} else if (in_word && title_mid_rune(c) && i + w < len) {
			size_t w2;

			in_word = title_word_rune(
			    utf8_decode(s + i + w, len - i - w, &w2));
		} else
			in_word = false;
		if (m == c && c != UTF8_RUNE_ERROR) {
			memcpy(d + out, s + i, w);
			out += w;
			continue;
		}
		nw = utf8_encode(enc, m);
		memcpy(d + out, enc, nw);
		out += nw;
	}
	d[out] = '\0';
	*r = tmpl_value_str(d, out);
	return 0;
}

int
tmpl_helper_to_lower(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return case_map(x, a, CASE_LOWER, r);
}

int
tmpl_helper_to_upper(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return case_map(x, a, CASE_UPPER, r);
}

static int
fn_to_title(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return case_map(x, a, CASE_TITLE, r);
}

int
tmpl_helper_trim_space(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	tmpl_helper_trim_span(&s, &len);
	*r = tmpl_value_str(s, len);
	return 0;
}

/* Whether the rune at s (w bytes) is one of cut's. */
static bool
in_cutset(const char *cut, size_t cutlen, const char *s, size_t w)
{
	size_t i, cw;

	for (i = 0; i < cutlen; i += cw) {
		utf8_decode(cut + i, cutlen - i, &cw);
		if (cw == w && memcmp(cut + i, s, w) == 0)
			return true;
	}
	return false;
}

/* trim CUTSET S: strings.Trim(S, CUTSET), rune by rune. */
int
tmpl_helper_trim(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *cut, *s;
	size_t cutlen, len, w;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &cut, &cutlen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	while (len > 0) {
		utf8_decode(s, len, &w);
		if (!in_cutset(cut, cutlen, s, w))
			break;
		s += w;
		len -= w;
	}
	while (len > 0) {
		utf8_decode_last(s, len, &w);
		if (!in_cutset(cut, cutlen, s + len - w, w))
			break;
		len -= w;
	}
	*r = tmpl_value_str(s, len);
	return 0;
}

int
tmpl_helper_trim_prefix(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *p, *s;
	size_t plen, len;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &p, &plen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	if (len >= plen && memcmp(s, p, plen) == 0) {
		s += plen;
		len -= plen;
	}
	*r = tmpl_value_str(s, len);
	return 0;
}

int
tmpl_helper_trim_suffix(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *p, *s;
	size_t plen, len;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &p, &plen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	if (len >= plen && memcmp(s + len - plen, p, plen) == 0)
		len -= plen;
	*r = tmpl_value_str(s, len);
	return 0;
}

static int
fn_indent(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len, i;
	int64_t sp;
	struct buf b;
	bool bol = true;

	(void)n;
	if (tmpl_exec_arg_int(x, a, 0, &sp) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	if (sp < 0)
		return tmpl_exec_errorf(x,
		    "indent value must be a positive "
		    "integer");
	if (sp > TMPL_MAX_WIDTH)
		return tmpl_exec_errorf(x, "indent value too large");
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < len; i++) {
		if (bol && s[i] != '\n')
			for (int64_t k = 0; k < sp; k++)
				buf_addc(&b, ' ');
		buf_addc(&b, s[i]);
		bol = s[i] == '\n';
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

static int
fn_parse_json(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;
	cJSON *j;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	if (len == 0) {
		*r = tmpl_value_map(tmpl_value_map_new(x->a, 0), ELEM_ANY);
		return 0;
	}
	j = tmpl_data_parse(s, len);
	if (j == NULL)
		return tmpl_exec_errorf(x, "invalid JSON");
	*r = tmpl_value_from_json(x->a, j);
	cJSON_Delete(j);
	return 0;
}

static int
to_json(struct tmpl_exec *x, struct tmpl_value *a, bool esc, int indent,
    struct tmpl_value *r)
{
	struct buf b;
	const char *s;
	size_t len;

	buf_init(&b, SIZE_MAX);
	tmpl_value_json(x->a, &b, &a[0], esc, indent, 0);
	s = b.data != NULL ? b.data : "";
	len = b.len;
	tmpl_helper_trim_span(&s, &len);
	*r = tmpl_value_strndup(x->a, s, len);
	buf_clear(&b);
	return 0;
}

int
tmpl_helper_to_json(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return to_json(x, a, true, 0, r);
}

int
tmpl_helper_to_json_pretty(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return to_json(x, a, true, 2, r);
}

int
tmpl_helper_to_ujson(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return to_json(x, a, false, 0, r);
}

static int
fn_to_ujson_pretty(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return to_json(x, a, false, 2, r);
}

static int
fn_parse_int(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;
	char *end, *c;
	long long v;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	if (len == 0) {
		*r = tmpl_value_int64(0);
		return 0;
	}
	c = tmpl_arena_strndup(x->a, s, len);
	errno = 0;
	v = strtoll(c, &end, 10);
	if (*end != '\0' || isspace((unsigned char)c[0]) || errno != 0)
		return tmpl_exec_errorf(x,
		    "strconv.ParseInt: parsing \"%s\": %s", c,
		    errno == ERANGE ? "value out of range" : "invalid syntax");
	*r = tmpl_value_int64(v);
	return 0;
}

static int
fn_parse_uint(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;
	char *end, *c;
	unsigned long long v;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	if (len == 0) {
		*r = tmpl_value_int(0);
		r->isuint = 1;
		return 0;
	}
	c = tmpl_arena_strndup(x->a, s, len);
	errno = 0;
	v = strtoull(c, &end, 10);
	if (*end != '\0' || !isdigit((unsigned char)c[0]) || errno != 0)
		return tmpl_exec_errorf(x,
		    "strconv.ParseUint: parsing \"%s\": %s", c,
		    errno == ERANGE ? "value out of range" : "invalid syntax");
	*r = tmpl_value_int((int64_t)v);
	r->isuint = 1;
	return 0;
}

static int
fn_parse_float(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;
	char *end, *c;
	double v;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	if (len == 0) {
		*r = tmpl_value_float(0);
		return 0;
	}
	c = tmpl_arena_strndup(x->a, s, len);
	v = strtod(c, &end);
	if (*end != '\0' || isspace((unsigned char)c[0]))
		return tmpl_exec_errorf(x,
		    "strconv.ParseFloat: parsing \"%s\": "
		    "invalid syntax",
		    c);
	*r = tmpl_value_float(v);
	return 0;
}

static int
fn_parse_bool(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	static const char *const t[]
	    = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const f[]
	    = { "0", "f", "F", "FALSE", "false", "False" };
	const char *s;
	size_t len, i;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	if (len == 0) {
		*r = tmpl_value_bool(false);
		return 0;
	}
	for (i = 0; i < 6; i++) {
		if (strlen(t[i]) == len && memcmp(t[i], s, len) == 0) {
			*r = tmpl_value_bool(true);
			return 0;
		}
		if (strlen(f[i]) == len && memcmp(f[i], s, len) == 0) {
			*r = tmpl_value_bool(false);
			return 0;
		}
	}
	return tmpl_exec_errorf(x,
	    "strconv.ParseBool: parsing \"%.*s\": invalid "
	    "syntax",
	    (int)len, s);
}

/* Math: consul-template computes A op B for "op B A" (piped A). */
enum math_op {
	M_ADD,
	M_SUB,
	M_MUL,
	M_DIV,
	M_MOD,
	M_MIN,
	M_MAX,
};

static const char *const math_names[] = { "add", "subtract", "multiply",
	"divide", "modulo", "minimum", "maximum" };

/*
 * Two uint64 operands stay uint64 in consul-template (it switches on
 * both reflect kinds): subtraction wraps, division is unsigned.  One
 * uint64 beside an int gives an int.
 */
static int
math_uint(struct tmpl_exec *x, uint64_t ua, uint64_t ub, int op,
    struct tmpl_value *r)
{
	uint64_t ur;

	switch (op) {
	case M_ADD:
		ur = ua + ub;
		break;
	case M_SUB:
		ur = ua - ub;
		break;
	case M_MUL:
		ur = ua * ub;
		break;
	case M_DIV:
	case M_MOD:
		if (ub == 0)
			return tmpl_exec_errorf(x,
			    "runtime error: integer divide by zero");
		ur = op == M_DIV ? ua / ub : ua % ub;
		break;
	case M_MIN:
		ur = ua < ub ? ua : ub;
		break;
	default:
		ur = ua > ub ? ua : ub;
	}
	*r = tmpl_value_int((int64_t)ur);
	r->isuint = 1;
	return 0;
}

static int
math(struct tmpl_exec *x, struct tmpl_value *args, int op, struct tmpl_value *r)
{
	const struct tmpl_value *a = &args[1], *b = &args[0];
	double fa, fb, fr;
	int64_t ia, ib;

	if (a->kind != TV_INT && a->kind != TV_FLOAT)
		return tmpl_exec_errorf(x, "%s: unknown type for %s (%s)",
		    math_names[op], "a", tmpl_value_type_name(a));
	if (b->kind != TV_INT && b->kind != TV_FLOAT)
		return tmpl_exec_errorf(x, "%s: unknown type for %s (%s)",
		    math_names[op], "b", tmpl_value_type_name(b));
	if (a->kind == TV_INT && b->kind == TV_INT && a->isuint && b->isuint)
		return math_uint(x, (uint64_t)a->u.i, (uint64_t)b->u.i, op, r);
	if (a->kind == TV_INT && b->kind == TV_INT) {
		ia = a->u.i;
		ib = b->u.i;
		switch (op) {
		case M_ADD:
			*r = tmpl_value_int(
			    (int64_t)((uint64_t)ia + (uint64_t)ib));
			break;
		case M_SUB:
			*r = tmpl_value_int(
			    (int64_t)((uint64_t)ia - (uint64_t)ib));
			break;
		case M_MUL:
			*r = tmpl_value_int(
			    (int64_t)((uint64_t)ia * (uint64_t)ib));
			break;
		case M_DIV:
		case M_MOD:
			if (ib == 0)
				return tmpl_exec_errorf(x,
				    "runtime error: integer "
				    "divide by zero");
			if (ib == -1)
				*r = tmpl_value_int(op == M_DIV
					? (int64_t)(0 - (uint64_t)ia)
					: 0);
			else
				*r = tmpl_value_int(
				    op == M_DIV ? ia / ib : ia % ib);
			break;
		case M_MIN:
			*r = tmpl_value_int(ia < ib ? ia : ib);
			break;
		default:
			*r = tmpl_value_int(ia > ib ? ia : ib);
		}
		/* Go's reflect Int() arithmetic: int64. */
		r->elem = ELEM_INT64;
		return 0;
	}
	if (op == M_MOD)
		return tmpl_exec_errorf(x, "modulo: unknown type for %s (%s)",
		    a->kind == TV_FLOAT ? "a" : "b", "float64");
	fa = a->kind == TV_INT ? (double)a->u.i : a->u.f;
	fb = b->kind == TV_INT ? (double)b->u.i : b->u.f;
	if (op == M_MIN || op == M_MAX) {
		/* The chosen operand keeps its own type, as in Go. */
		*r = (op == M_MIN ? fa < fb : fa > fb) ? *a : *b;
		return 0;
	}
	switch (op) {
	case M_ADD:
		fr = fa + fb;
		break;
	case M_SUB:
		fr = fa - fb;
		break;
	case M_MUL:
		fr = fa * fb;
		break;
	default:
		fr = fa / fb;
	}
	*r = tmpl_value_float(fr);
	return 0;
}

static int
fn_add(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return math(x, a, M_ADD, r);
}

static int
fn_subtract(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return math(x, a, M_SUB, r);
}

static int
fn_multiply(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return math(x, a, M_MUL, r);
}

static int
fn_divide(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return math(x, a, M_DIV, r);
}

static int
fn_modulo(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return math(x, a, M_MOD, r);
}

static int
fn_minimum(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return math(x, a, M_MIN, r);
}

static int
fn_maximum(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return math(x, a, M_MAX, r);
}

static int
loop_arg(struct tmpl_exec *x, const struct tmpl_value *v, int64_t *out)
{
	char *c, *end;

	if (v->kind == TV_INT) {
		*out = v->u.i;
		return 0;
	}
	if (v->kind == TV_STR) {
		c = tmpl_arena_strndup(x->a, v->u.s, v->len);
		errno = 0;
		*out = strtoll(c, &end, 10);
		if (*end == '\0' && end != c && errno == 0)
			return 0;
		return tmpl_exec_errorf(x,
		    "strconv.ParseInt: parsing \"%s\": "
		    "invalid syntax",
		    c);
	}
	return tmpl_exec_errorf(x, "loop: bad argument type: %s",
	    tmpl_value_type_name(v));
}

static int
fn_loop(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	int64_t start = 0, stop, i;
	struct tmpl_value *l;
	size_t cnt;

	if (n == 1) {
		if (loop_arg(x, &a[0], &stop) == -1)
			return -1;
	} else if (loop_arg(x, &a[0], &start) == -1
	    || loop_arg(x, &a[1], &stop) == -1)
		return -1;
	cnt = stop > start ? (size_t)(stop - start) : 0;
	if (cnt > TMPL_MAX_LIST)
		return tmpl_exec_errorf(x, "loop: %zu iterations is too many",
		    cnt);
	l = tmpl_arena_alloc(x->a, (cnt ? cnt : 1) * sizeof(*l));
	for (i = 0; i < (int64_t)cnt; i++)
		l[i] = tmpl_value_int64(start + i);
	*r = tmpl_value_list(l, cnt, ELEM_CHAN);
	return 0;
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_helper_funcs[] = {
	{ "contains", fn_contains, 2, 2, 0, 0 },
	{ "in", fn_in, 2, 2, 0, 0 },
	{ "containsAll", fn_contains_all, 2, 2, 0, 0 },
	{ "containsAny", fn_contains_any, 2, 2, 0, 0 },
	{ "containsNone", fn_contains_none, 2, 2, 0, 0 },
	{ "containsNotAll", fn_contains_notall, 2, 2, 0, 0 },
	{ "join", fn_join, 2, 2, 0, 0 },
	{ "split", fn_split, 2, 2, 0, 0 },
	{ "replaceAll", tmpl_helper_replace_all, 3, 3, 0, 0 },
	{ "toLower", tmpl_helper_to_lower, 1, 1, 0, 0 },
	{ "toUpper", tmpl_helper_to_upper, 1, 1, 0, 0 },
	{ "toTitle", fn_to_title, 1, 1, 0, 0 },
	{ "trimSpace", tmpl_helper_trim_space, 1, 1, 0, 0 },
	{ "splitToMap", fn_split_to_map, 3, 3, 0, 0 },
	{ "trim", tmpl_helper_trim, 2, 2, 0, 0 },
	{ "trimPrefix", tmpl_helper_trim_prefix, 2, 2, 0, 0 },
	{ "trimSuffix", tmpl_helper_trim_suffix, 2, 2, 0, 0 },
	{ "indent", fn_indent, 2, 2, 0, 0 },
	{ "parseJSON", fn_parse_json, 1, 1, 0, 0 },
	{ "toJSON", tmpl_helper_to_json, 1, 1, 0, 0 },
	{ "toJSONPretty", tmpl_helper_to_json_pretty, 1, 1, 0, 0 },
	{ "toUnescapedJSON", tmpl_helper_to_ujson, 1, 1, 0, 0 },
	{ "toUnescapedJSONPretty", fn_to_ujson_pretty, 1, 1, 0, 0 },
	{ "parseInt", fn_parse_int, 1, 1, 0, 0 },
	{ "parseUint", fn_parse_uint, 1, 1, 0, 0 },
	{ "parseFloat", fn_parse_float, 1, 1, 0, 0 },
	{ "parseBool", fn_parse_bool, 1, 1, 0, 0 },
	{ "add", fn_add, 2, 2, 0, 0 },
	{ "subtract", fn_subtract, 2, 2, 0, 0 },
	{ "multiply", fn_multiply, 2, 2, 0, 0 },
	{ "divide", fn_divide, 2, 2, 0, 0 },
	{ "modulo", fn_modulo, 2, 2, 0, 0 },
	{ "minimum", fn_minimum, 2, 2, 0, 0 },
	{ "maximum", fn_maximum, 2, 2, 0, 0 },
	{ "loop", fn_loop, 1, 2, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
