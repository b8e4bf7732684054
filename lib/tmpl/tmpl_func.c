/* SPDX-License-Identifier: MIT */
/*
 * Template functions: Go text/template's built-ins (and, or, not, eq...,
 * len, index, print*) and consul-template's helpers that work on plain
 * values (strings, lists, maps, numbers with consul-template's reversed
 * argument order, scratch, loop, JSON).  Consul data functions live in
 * tmpl_consul.c, encodings and hashes in tmpl_codec.c.  Every function
 * takes its operands with the piped value last and reports failures
 * through tmpl_exec_errorf, which names the function.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_func.h"
#include "xmalloc.h"

/* Built-ins. */

static int
fn_not(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)n;
	*r = tmpl_value_bool(!tmpl_value_truth(&a[0]));
	return 0;
}

enum basic {
	B_INVALID,
	B_BOOL,
	B_INT,
	B_FLOAT,
	B_STR,
};

static int
basic_kind(const struct tmpl_value *v)
{
	switch (v->kind) {
	case TV_BOOL:
		return B_BOOL;
	case TV_INT:
		return B_INT;
	case TV_FLOAT:
		return B_FLOAT;
	case TV_STR:
		return B_STR;
	default:
		return B_INVALID;
	}
}

static int
str_cmp(const struct tmpl_value *a, const struct tmpl_value *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n > 0 ? memcmp(a->u.s, b->u.s, n) : 0;

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* Go's eq for two values: 1 equal, 0 not, -1 error. */
static int
eq2(struct tmpl_exec *x, const struct tmpl_value *a, const struct tmpl_value *b)
{
	int ka = basic_kind(a), kb = basic_kind(b);

	if (ka != kb) {
		if (ka == B_INVALID || kb == B_INVALID) {
			if ((a->kind == TV_MISSING || a->kind == TV_NIL)
			    || (b->kind == TV_MISSING || b->kind == TV_NIL))
				return (a->kind == TV_MISSING
					   || a->kind == TV_NIL)
				    == (b->kind == TV_MISSING
					|| b->kind == TV_NIL);
		}
		return tmpl_exec_errorf(x, "incompatible types for comparison");
	}
	switch (ka) {
	case B_BOOL:
		return a->u.b == b->u.b;
	case B_INT:
		return a->u.i == b->u.i;
	case B_FLOAT:
		return a->u.f == b->u.f;
	case B_STR:
		return str_cmp(a, b) == 0;
	default:
		break;
	}
	if ((a->kind == TV_MISSING || a->kind == TV_NIL)
	    && (b->kind == TV_MISSING || b->kind == TV_NIL))
		return 1;
	if (a->kind == TV_REC && b->kind == TV_REC)
		return a->u.rec == b->u.rec;
	return tmpl_exec_errorf(x, "non-comparable type %s",
	    tmpl_value_type_name(a));
}

static int
fn_eq(struct tmpl_exec *x, struct tmpl_value *a, size_t n, struct tmpl_value *r)
{
	size_t i;
	int e;

	*r = tmpl_value_bool(false);
	for (i = 1; i < n; i++) {
		e = eq2(x, &a[0], &a[i]);
		if (e == -1)
			return -1;
		if (e == 1) {
			*r = tmpl_value_bool(true);
			break;
		}
	}
	return 0;
}

static int
fn_ne(struct tmpl_exec *x, struct tmpl_value *a, size_t n, struct tmpl_value *r)
{
	int e;

	(void)n;
	e = eq2(x, &a[0], &a[1]);
	if (e == -1)
		return -1;
	*r = tmpl_value_bool(e == 0);
	return 0;
}

/* Go's lt: -1 error, else 1 when a < b. */
static int
lt2(struct tmpl_exec *x, const struct tmpl_value *a, const struct tmpl_value *b)
{
	int ka = basic_kind(a), kb = basic_kind(b);

	if (ka == B_INVALID || kb == B_INVALID || ka == B_BOOL || kb == B_BOOL)
		return tmpl_exec_errorf(x, "invalid type for comparison");
	if (ka != kb)
		return tmpl_exec_errorf(x, "incompatible types for comparison");
	switch (ka) {
	case B_INT:
		return a->u.i < b->u.i;
	case B_FLOAT:
		return a->u.f < b->u.f;
	default:
		return str_cmp(a, b) < 0;
	}
}

static int
fn_lt(struct tmpl_exec *x, struct tmpl_value *a, size_t n, struct tmpl_value *r)
{
	int v = lt2(x, &a[0], &a[1]);

	(void)n;
	if (v == -1)
		return -1;
	*r = tmpl_value_bool(v == 1);
	return 0;
}

static int
fn_le(struct tmpl_exec *x, struct tmpl_value *a, size_t n, struct tmpl_value *r)
{
	int v = lt2(x, &a[0], &a[1]), e = 0;

	(void)n;
	if (v == -1)
		return -1;
	if (v == 0 && (e = eq2(x, &a[0], &a[1])) == -1)
		return -1;
	*r = tmpl_value_bool(v == 1 || e == 1);
	return 0;
}

static int
fn_gt(struct tmpl_exec *x, struct tmpl_value *a, size_t n, struct tmpl_value *r)
{
	if (fn_le(x, a, n, r) == -1)
		return -1;
	r->u.b = !r->u.b;
	return 0;
}

static int
fn_ge(struct tmpl_exec *x, struct tmpl_value *a, size_t n, struct tmpl_value *r)
{
	if (fn_lt(x, a, n, r) == -1)
		return -1;
	r->u.b = !r->u.b;
	return 0;
}

static int
fn_len(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	switch (a[0].kind) {
	case TV_STR:
	case TV_LIST:
		*r = tmpl_value_int(a[0].len);
		return 0;
	case TV_MAP:
		*r = tmpl_value_int(
		    a[0].u.map != NULL ? (int64_t)a[0].u.map->n : 0);
		return 0;
	case TV_MISSING:
	case TV_NIL:
		return tmpl_exec_errorf(x, "len of nil pointer");
	default:
		return tmpl_exec_errorf(x, "len of type %s",
		    tmpl_value_type_name(&a[0]));
	}
}

static int
fn_index(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_value v = a[0];
	size_t i;
	int64_t k;
	long idx;

	for (i = 1; i < n; i++) {
		switch (v.kind) {
		case TV_LIST:
		case TV_STR:
			if (a[i].kind != TV_INT)
				return tmpl_exec_errorf(x,
				    "cannot index slice/array "
				    "with type %s",
				    tmpl_value_type_name(&a[i]));
			k = a[i].u.i;
			if (k < 0 || (uint64_t)k >= v.len)
				return tmpl_exec_errorf(x,
				    "index out of range: %lld", (long long)k);
			if (v.kind == TV_STR)
				v = tmpl_value_int((unsigned char)v.u.s[k]);
			else
				v = v.u.list[k];
			break;
		case TV_MAP:
			if (a[i].kind == TV_STR)
				idx = tmpl_value_map_find(v.u.map, a[i].u.s,
				    a[i].len);
			else if (a[i].kind == TV_INT) {
				idx = -1;
				for (size_t j = 0;
				     v.u.map != NULL && j < v.u.map->n; j++)
					if (v.u.map->keys[j].kind == TV_INT
					    && v.u.map->keys[j].u.i == a[i].u.i)
						idx = (long)j;
			} else
				return tmpl_exec_errorf(x,
				    "value has type %s; should "
				    "be string",
				    tmpl_value_type_name(&a[i]));
			if (idx >= 0)
				v = v.u.map->vals[idx];
			else {
				switch (v.elem) {
				case ELEM_STR:
					v = tmpl_value_str("", 0);
					break;
				case ELEM_LIST:
					v = tmpl_value_list(NULL, 0, ELEM_REC);
					break;
				default:
					v = tmpl_value_missing();
				}
			}
			break;
		case TV_MISSING:
		case TV_NIL:
			return tmpl_exec_errorf(x, "index of untyped nil");
		default:
			return tmpl_exec_errorf(x,
			    "can't index item of type %s",
			    tmpl_value_type_name(&v));
		}
	}
	*r = v;
	return 0;
}

/* fmt.Sprint: spaces between operands when neither is a string. */
static int
fn_print(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct buf b;
	size_t i;

	buf_init(&b, SIZE_MAX);
	for (i = 0; i < n; i++) {
		if (i > 0 && a[i].kind != TV_STR && a[i - 1].kind != TV_STR)
			buf_addc(&b, ' ');
		tmpl_value_print(x->a, &b, &a[i]);
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

static int
fn_println(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct buf b;
	size_t i;

	buf_init(&b, SIZE_MAX);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		tmpl_value_print(x->a, &b, &a[i]);
	}
	buf_addc(&b, '\n');
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

static int
fn_printf(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct buf b;
	const char *f;
	size_t flen;

	if (tmpl_exec_arg_str(x, a, 0, &f, &flen) == -1)
		return -1;
	buf_init(&b, SIZE_MAX);
	if (tmpl_fmt_sprintf(x->a, &b, f, flen, a + 1, n - 1) == -1) {
		buf_clear(&b);
		return -1;
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* and / or are evaluated lazily by the evaluator (TMPL_FUNC_LAZY). */
static int
fn_lazy(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)a;
	(void)n;
	(void)r;
	return 0;
}

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
				if (v->kind == TV_STR && str_cmp(v, e) == 0)
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

static bool
is_go_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f'
	    || c == '\r';
}

static void
trim_space(const char **s, size_t *len)
{
	while (*len > 0 && is_go_space((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_go_space((unsigned char)(*s)[*len - 1]))
		(*len)--;
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
	trim_space(&s, &len);
	if (len == 0) {
		*r = tmpl_value_list(
		    tmpl_arena_alloc(x->a, sizeof(struct tmpl_value)), 0,
		    ELEM_STR);
		return 0;
	}
	*r = split_str(x, s, len, sep, seplen);
	return 0;
}

static int
fn_replace_all(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
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

static int
case_map(struct tmpl_exec *x, struct tmpl_value *a, int mode,
    struct tmpl_value *r)
{
	const char *s;
	size_t len, i;
	char *d;
	bool sep = true;

	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	d = tmpl_arena_strndup(x->a, s, len);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)d[i];

		if (mode == 0)
			d[i] = (char)tolower(c);
		else if (mode == 1)
			d[i] = (char)toupper(c);
		else {
			/* strings.Title: letters after a separator. */
			if (sep)
				d[i] = (char)toupper(c);
			sep = !(isalnum(c) || c == '_' || c >= 0x80);
		}
	}
	*r = tmpl_value_str(d, len);
	return 0;
}

static int
fn_to_lower(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return case_map(x, a, 0, r);
}

static int
fn_to_upper(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return case_map(x, a, 1, r);
}

static int
fn_to_title(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return case_map(x, a, 2, r);
}

static int
fn_trim_space(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	trim_space(&s, &len);
	*r = tmpl_value_str(s, len);
	return 0;
}

static int
fn_trim(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *cut, *s;
	size_t cutlen, len;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &cut, &cutlen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	while (len > 0 && memchr(cut, s[0], cutlen) != NULL) {
		s++;
		len--;
	}
	while (len > 0 && memchr(cut, s[len - 1], cutlen) != NULL)
		len--;
	*r = tmpl_value_str(s, len);
	return 0;
}

static int
fn_trim_prefix(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
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

static int
fn_trim_suffix(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
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
	j = cJSON_ParseWithLength(s, len);
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
	trim_space(&s, &len);
	*r = tmpl_value_strndup(x->a, s, len);
	buf_clear(&b);
	return 0;
}

static int
fn_to_json(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return to_json(x, a, true, 0, r);
}

/* The pretty forms take map[string]interface{} in consul-template. */
static int
want_map(struct tmpl_exec *x, const struct tmpl_value *v)
{
	if (v->kind == TV_MAP && v->elem == ELEM_ANY)
		return 0;
	return tmpl_exec_errorf(x,
	    "wrong type for value; expected map[string]interface {}; "
	    "got %s",
	    tmpl_value_type_name(v));
}

static int
fn_to_json_pretty(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	if (want_map(x, &a[0]) == -1)
		return -1;
	return to_json(x, a, true, 2, r);
}

static int
fn_to_ujson(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
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
	if (want_map(x, &a[0]) == -1)
		return -1;
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
		*r = tmpl_value_int(0);
		return 0;
	}
	c = tmpl_arena_strndup(x->a, s, len);
	errno = 0;
	v = strtoll(c, &end, 10);
	if (*end != '\0' || isspace((unsigned char)c[0]) || errno != 0)
		return tmpl_exec_errorf(x,
		    "strconv.ParseInt: parsing \"%s\": %s", c,
		    errno == ERANGE ? "value out of range" : "invalid syntax");
	*r = tmpl_value_int(v);
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
		l[i] = tmpl_value_int(start + i);
	*r = tmpl_value_list(l, cnt, ELEM_CHAN);
	return 0;
}

const struct tmpl_func tmpl_funcs[] = {
	/* Go built-ins. */
	{ "and", fn_lazy, 1, -1, TMPL_FUNC_LAZY },
	{ "or", fn_lazy, 1, -1, TMPL_FUNC_LAZY },
	{ "not", fn_not, 1, 1, 0 },
	{ "eq", fn_eq, 2, -1, 0 },
	{ "ne", fn_ne, 2, 2, 0 },
	{ "lt", fn_lt, 2, 2, 0 },
	{ "le", fn_le, 2, 2, 0 },
	{ "gt", fn_gt, 2, 2, 0 },
	{ "ge", fn_ge, 2, 2, 0 },
	{ "len", fn_len, 1, 1, 0 },
	{ "index", fn_index, 1, -1, 0 },
	{ "print", fn_print, 0, -1, 0 },
	{ "printf", fn_printf, 1, -1, 0 },
	{ "println", fn_println, 0, -1, 0 },
	/* consul-template: Consul and local data (tmpl_consul.c). */
	{ "service", fn_service, 1, -1, 0 },
	{ "connect", fn_connect, 1, -1, 0 },
	{ "services", fn_services, 0, 1, 0 },
	{ "key", fn_key, 1, 1, 0 },
	{ "keyExists", fn_key_exists, 1, 1, 0 },
	{ "keyOrDefault", fn_key_or_default, 2, 2, 0 },
	{ "ls", fn_ls, 1, 1, 0 },
	{ "safeLs", fn_safe_ls, 1, 1, 0 },
	{ "tree", fn_tree, 1, 1, 0 },
	{ "safeTree", fn_safe_tree, 1, 1, 0 },
	{ "node", fn_node, 0, 1, 0 },
	{ "nodes", fn_nodes, 0, 1, 0 },
	{ "env", fn_env, 1, 1, 0 },
	{ "envOrDefault", fn_env_or_default, 2, 2, 0 },
	{ "mustEnv", fn_must_env, 1, 1, 0 },
	{ "file", fn_file, 1, 1, 0 },
	{ "byTag", fn_by_tag, 1, 1, 0 },
	{ "byKey", fn_by_key, 1, 1, 0 },
	{ "byPort", fn_by_port, 1, 1, 0 },
	{ "explode", fn_explode, 1, 1, 0 },
	{ "explodeMap", fn_explode_map, 1, 1, 0 },
	{ "mergeMap", fn_merge_map, 2, 2, 0 },
	{ "mergeMapWithOverride", fn_merge_map_override, 2, 2, 0 },
	{ "byMeta", fn_by_meta, 2, 2, 0 },
	{ "scratch", fn_scratch, 0, 0, 0 },
	{ "timestamp", fn_timestamp, 0, 1, 0 },
	/* consul-template: helpers. */
	{ "contains", fn_contains, 2, 2, 0 },
	{ "in", fn_in, 2, 2, 0 },
	{ "containsAll", fn_contains_all, 2, 2, 0 },
	{ "containsAny", fn_contains_any, 2, 2, 0 },
	{ "containsNone", fn_contains_none, 2, 2, 0 },
	{ "containsNotAll", fn_contains_notall, 2, 2, 0 },
	{ "join", fn_join, 2, 2, 0 },
	{ "split", fn_split, 2, 2, 0 },
	{ "replaceAll", fn_replace_all, 3, 3, 0 },
	{ "regexMatch", fn_regex_match, 2, 2, 0 },
	{ "regexReplaceAll", fn_regex_replace_all, 3, 3, 0 },
	{ "toLower", fn_to_lower, 1, 1, 0 },
	{ "toUpper", fn_to_upper, 1, 1, 0 },
	{ "toTitle", fn_to_title, 1, 1, 0 },
	{ "trimSpace", fn_trim_space, 1, 1, 0 },
	{ "trim", fn_trim, 2, 2, 0 },
	{ "trimPrefix", fn_trim_prefix, 2, 2, 0 },
	{ "trimSuffix", fn_trim_suffix, 2, 2, 0 },
	{ "indent", fn_indent, 2, 2, 0 },
	{ "parseJSON", fn_parse_json, 1, 1, 0 },
	{ "toJSON", fn_to_json, 1, 1, 0 },
	{ "toJSONPretty", fn_to_json_pretty, 1, 1, 0 },
	{ "toUnescapedJSON", fn_to_ujson, 1, 1, 0 },
	{ "toUnescapedJSONPretty", fn_to_ujson_pretty, 1, 1, 0 },
	{ "parseInt", fn_parse_int, 1, 1, 0 },
	{ "parseUint", fn_parse_uint, 1, 1, 0 },
	{ "parseFloat", fn_parse_float, 1, 1, 0 },
	{ "parseBool", fn_parse_bool, 1, 1, 0 },
	{ "add", fn_add, 2, 2, 0 },
	{ "subtract", fn_subtract, 2, 2, 0 },
	{ "multiply", fn_multiply, 2, 2, 0 },
	{ "divide", fn_divide, 2, 2, 0 },
	{ "modulo", fn_modulo, 2, 2, 0 },
	{ "minimum", fn_minimum, 2, 2, 0 },
	{ "maximum", fn_maximum, 2, 2, 0 },
	{ "loop", fn_loop, 1, 2, 0 },
	{ "executeTemplate", fn_execute_template, 1, 2, 0 },
	/* Encodings and hashes (tmpl_codec.c). */
	{ "base64Encode", fn_base64_encode, 1, 1, 0 },
	{ "base64Decode", fn_base64_decode, 1, 1, 0 },
	{ "base64URLEncode", fn_base64url_encode, 1, 1, 0 },
	{ "base64URLDecode", fn_base64url_decode, 1, 1, 0 },
	{ "sha256Hex", fn_sha256_hex, 1, 1, 0 },
	{ "md5sum", fn_md5sum, 1, 1, 0 },
	{ "hmacSHA256Hex", fn_hmac_sha256_hex, 2, 2, 0 },
	{ NULL, NULL, 0, 0, 0 },
};

int
tmpl_func_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; tmpl_funcs[i].name != NULL; i++)
		if (strlen(tmpl_funcs[i].name) == len
		    && memcmp(tmpl_funcs[i].name, name, len) == 0)
			return i;
	return -1;
}
