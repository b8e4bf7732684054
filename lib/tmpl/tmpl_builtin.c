/* SPDX-License-Identifier: MIT */
/*
 * Go text/template's built-in functions: not, eq, ne, lt, le, gt, ge,
 * len, index, slice, print, printf, println, html, js, urlquery and call,
 * with Go's rules for comparing values of different kinds and Go's error
 * wording.  (and and or are the evaluator's, since they evaluate their
 * operands lazily.)
 */
#include <string.h>

#include "tmpl_int.h"
#include "unicode.h"
#include "utf8.h"

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
		return tmpl_value_cmp_key(a, b) == 0;
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
		return tmpl_value_cmp_key(a, b) < 0;
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
			v = idx >= 0 ? v.u.map->vals[idx]
				     : tmpl_value_map_zero(&v);
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

/*
 * An argument as fmt sees it: a missing value reaches a function's
 * interface{} parameter as nil.
 */
static void
print_arg(struct tmpl_exec *x, struct buf *b, const struct tmpl_value *v)
{
	struct tmpl_value nil = tmpl_value_nil();

	tmpl_value_print(x->a, b, v->kind == TV_MISSING ? &nil : v);
}

/*
 * fmt.Sprint of the arguments into b: a space between two operands when
 * neither is a string.  as_args: text/template's evalArgs, which first
 * turns a nil or missing argument into the string "<no value>".
 */
static void
sprint(struct tmpl_exec *x, const struct tmpl_value *a, size_t n, bool as_args,
    struct buf *b)
{
	struct tmpl_value noval = tmpl_value_cstr("<no value>");
	const struct tmpl_value *v;
	bool str, prev_str = false;
	size_t i;

	for (i = 0; i < n; i++) {
		v = &a[i];
		if (as_args && (v->kind == TV_MISSING || v->kind == TV_NIL))
			v = &noval;
		str = v->kind == TV_STR;
		if (i > 0 && !str && !prev_str)
			buf_addc(b, ' ');
		print_arg(x, b, v);
		prev_str = str;
	}
}

static int
fn_print(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct buf b;

	buf_init(&b, SIZE_MAX);
	sprint(x, a, n, false, &b);
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
		print_arg(x, &b, &a[i]);
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

/*
 * text/template's evalArgs: a lone string argument as it is, else
 * fmt.Sprint of the arguments with a missing or nil one as "<no value>".
 * The result is borrowed from the argument or lives in the arena.
 */
static void
eval_args(struct tmpl_exec *x, const struct tmpl_value *a, size_t n,
    const char **s, size_t *len)
{
	struct tmpl_value v;
	struct buf b;

	if (n == 1 && a[0].kind == TV_STR) {
		*s = a[0].u.s;
		*len = a[0].len;
		return;
	}
	buf_init(&b, SIZE_MAX);
	sprint(x, a, n, true, &b);
	v = tmpl_value_from_buf(x->a, &b);
	*s = v.u.s;
	*len = v.len;
}

/* template.HTMLEscapeString */
static int
fn_html(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len, i;
	struct buf b;

	eval_args(x, a, n, &s, &len);
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '\0':
			buf_addstr(&b, "\xef\xbf\xbd");
			break;
		case '"':
			buf_addstr(&b, "&#34;");
			break;
		case '\'':
			buf_addstr(&b, "&#39;");
			break;
		case '&':
			buf_addstr(&b, "&amp;");
			break;
		case '<':
			buf_addstr(&b, "&lt;");
			break;
		case '>':
			buf_addstr(&b, "&gt;");
			break;
		default:
			buf_addc(&b, s[i]);
		}
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* unicode.IsPrint: categories L, M, N, P, S and the ASCII space. */
static bool
is_go_print(int32_t c)
{
	static const char *const cats[] = { "L", "M", "N", "P", "S" };
	size_t i;

	if (c == ' ')
		return true;
	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (unicode_in(unicode_category(cats[i]), c))
			return true;
	return false;
}

/* template.JSEscapeString */
static int
fn_js(struct tmpl_exec *x, struct tmpl_value *a, size_t n, struct tmpl_value *r)
{
	const char *s;
	size_t len, i, w;
	struct buf b;

	eval_args(x, a, n, &s, &len);
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < len; i += w) {
		int32_t c = utf8_decode(s + i, len - i, &w);

		switch (c) {
		case '\\':
			buf_addstr(&b, "\\\\");
			break;
		case '\'':
			buf_addstr(&b, "\\'");
			break;
		case '"':
			buf_addstr(&b, "\\\"");
			break;
		case '<':
		case '>':
		case '&':
		case '=':
			buf_addf(&b, "\\u%04X", (unsigned)c);
			break;
		default:
			if (c < ' ')
				buf_addf(&b, "\\u%04X", (unsigned)c);
			else if (c < UTF8_RUNE_SELF || is_go_print(c))
				buf_add(&b, s + i, w);
			else
				buf_addf(&b, "\\u%04X", (unsigned)c);
		}
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* url.QueryEscape */
static int
fn_urlquery(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len, i;
	struct buf b;

	eval_args(x, a, n, &s, &len);
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		    || (c >= '0' && c <= '9') || c == '-' || c == '_'
		    || c == '.' || c == '~')
			buf_addc(&b, (char)c);
		else if (c == ' ')
			buf_addc(&b, '+');
		else
			buf_addf(&b, "%%%02X", c);
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* text/template's indexArg: an integer index within [0, size]. */
static int
slice_index(struct tmpl_exec *x, const struct tmpl_value *v, size_t size,
    size_t *out)
{
	if (v->kind == TV_MISSING || v->kind == TV_NIL)
		return tmpl_exec_errorf(x, "cannot index slice/array with nil");
	if (v->kind != TV_INT)
		return tmpl_exec_errorf(x,
		    "cannot index slice/array with type %s",
		    tmpl_value_type_name(v));
	if ((!v->isuint && v->u.i < 0) || (uint64_t)v->u.i > size)
		return tmpl_exec_errorf(x, "index out of range: %lld",
		    (long long)v->u.i);
	*out = (size_t)v->u.i;
	return 0;
}

/* slice ITEM [I [J [K]]]: item[i:j:k] of a string (bytes) or a list. */
static int
fn_slice(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	size_t idx[3], i, len;

	if (a[0].kind == TV_MISSING || a[0].kind == TV_NIL)
		return tmpl_exec_errorf(x, "slice of untyped nil");
	if (n - 1 > 3)
		return tmpl_exec_errorf(x, "too many slice indexes: %zu",
		    n - 1);
	if (a[0].kind == TV_STR && n - 1 == 3)
		return tmpl_exec_errorf(x, "cannot 3-index slice a string");
	if (a[0].kind != TV_STR && a[0].kind != TV_LIST)
		return tmpl_exec_errorf(x, "can't slice item of type %s",
		    tmpl_value_type_name(&a[0]));
	len = a[0].len;
	idx[0] = 0;
	idx[1] = len;
	idx[2] = len;
	for (i = 1; i < n; i++)
		if (slice_index(x, &a[i], len, &idx[i - 1]) == -1)
			return -1;
	if (idx[0] > idx[1])
		return tmpl_exec_errorf(x, "invalid slice index: %zu > %zu",
		    idx[0], idx[1]);
	if (n - 1 == 3 && idx[1] > idx[2])
		return tmpl_exec_errorf(x, "invalid slice index: %zu > %zu",
		    idx[1], idx[2]);
	*r = a[0];
	r->len = (uint32_t)(idx[1] - idx[0]);
	if (a[0].kind == TV_STR)
		r->u.s = a[0].u.s + idx[0];
	else
		r->u.list = a[0].u.list + idx[0];
	return 0;
}

/*
 * call FN ARGS...: templates here hold no function values (consul-template
 * passes none in its data), so every call fails as Go's does on a value
 * that is not a function.
 */
static int
fn_call(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct buf b;
	int ret;

	(void)n;
	(void)r;
	if (a[0].kind == TV_MISSING || a[0].kind == TV_NIL)
		return tmpl_exec_errorf(x, "call of nil");
	buf_init(&b, SIZE_MAX);
	tmpl_value_print(x->a, &b, &a[0]);
	ret = tmpl_exec_errorf(x, "non-function %.*s of type %s", (int)b.len,
	    b.data != NULL ? b.data : "", tmpl_value_type_name(&a[0]));
	buf_clear(&b);
	return ret;
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_builtin_funcs[] = {
	{ "not", fn_not, 1, 1, 0, 0 },
	{ "eq", fn_eq, 2, -1, 0, 0 },
	{ "ne", fn_ne, 2, 2, 0, 0 },
	{ "lt", fn_lt, 2, 2, 0, 0 },
	{ "le", fn_le, 2, 2, 0, 0 },
	{ "gt", fn_gt, 2, 2, 0, 0 },
	{ "ge", fn_ge, 2, 2, 0, 0 },
	{ "len", fn_len, 1, 1, 0, 0 },
	{ "index", fn_index, 1, -1, 0, 0 },
	{ "print", fn_print, 0, -1, 0, 0 },
	{ "printf", fn_printf, 1, -1, 0, 0 },
	{ "println", fn_println, 0, -1, 0, 0 },
	{ "slice", fn_slice, 1, -1, 0, 0 },
	{ "html", fn_html, 0, -1, 0, 0 },
	{ "js", fn_js, 0, -1, 0, 0 },
	{ "urlquery", fn_urlquery, 0, -1, 0, 0 },
	{ "call", fn_call, 1, -1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
