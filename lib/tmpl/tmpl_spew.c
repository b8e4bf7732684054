/* SPDX-License-Identifier: MIT */
/*
 * go-spew's functions as consul-template exposes them: spew_sdump (the
 * Dump format: types, lengths, one value a line) and spew_sprintf (fmt
 * with spew's formatter) over the engine's plain values: nil, booleans,
 * numbers, strings, lists and maps.  Records, times, versions and the
 * scratch object are Go pointers or structs that spew prints with their
 * addresses; they fail, naming the function.  A list's capacity is
 * printed as its length (Go's depends on how the slice grew), a map's
 * keys sorted (Go's order is random).  spew_dump and spew_printf print
 * to consul-template's standard output and render "": the engine renders
 * "" and prints nothing, as a library must not.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "tmpl_int.h"

/* Nesting spew_sdump follows (go-spew has none; the values are finite). */
#define SPEW_DEPTH_MAX 100

static int spew_value(struct tmpl_exec *x, struct buf *b,
    const struct tmpl_value *v, int depth, bool indent);

static void
spew_indent(struct buf *b, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		buf_addc(b, ' ');
}

/* fmt's verb applied to one value, appended to b. */
static int
spew_fmt(struct tmpl_exec *x, struct buf *b, const char *verb,
    const struct tmpl_value *v)
{
	return tmpl_fmt_sprintf(x->a, b, verb, strlen(verb), v, 1);
}

static int
spew_value(struct tmpl_exec *x, struct buf *b, const struct tmpl_value *v,
    int depth, bool indent)
{
	size_t i, n;

	if (depth > SPEW_DEPTH_MAX)
		return tmpl_exec_errorf(x, "values nested deeper than %d",
		    SPEW_DEPTH_MAX);
	if (indent)
		spew_indent(b, depth);
	switch (v->kind) {
	case TV_MISSING:
	case TV_NIL:
		buf_addstr(b, "(interface {}) <nil>");
		return 0;
	case TV_BOOL:
	case TV_INT:
	case TV_FLOAT:
		buf_addf(b, "(%s) ", tmpl_value_type_name(v));
		return spew_fmt(x, b, "%v", v);
	case TV_STR:
		buf_addstr(b, "(string) ");
		if (v->len > 0)
			buf_addf(b, "(len=%u) ", v->len);
		return spew_fmt(x, b, "%q", v);
	case TV_LIST:
		if (v->elem == ELEM_CHAN)
			break;
		buf_addf(b, "(%s) ", tmpl_value_type_name(v));
		if (v->len > 0)
			buf_addf(b, "(len=%u cap=%u) ", v->len, v->len);
		buf_addstr(b, "{\n");
		for (i = 0; i < v->len; i++) {
			if (spew_value(x, b, &v->u.list[i], depth + 1, true)
			    == -1)
				return -1;
			buf_addstr(b, i + 1 < v->len ? ",\n" : "\n");
		}
		spew_indent(b, depth);
		buf_addc(b, '}');
		return 0;
	case TV_MAP:
		if (v->elem == ELEM_KVPTR || v->elem == ELEM_KVMAP)
			break;
		buf_addf(b, "(%s) ", tmpl_value_type_name(v));
		if (v->u.map == NULL) {
			buf_addstr(b, "<nil>");
			return 0;
		}
		n = v->u.map->n;
		if (n > 0)
			buf_addf(b, "(len=%zu) ", n);
		buf_addstr(b, "{\n");
		for (i = 0; i < n; i++) {
			if (spew_value(x, b, &v->u.map->keys[i], depth + 1,
				true)
				== -1
			    || (buf_addstr(b, ": "),
				   spew_value(x, b, &v->u.map->vals[i],
				       depth + 1, false))
				== -1)
				return -1;
			buf_addstr(b, i + 1 < n ? ",\n" : "\n");
		}
		spew_indent(b, depth);
		buf_addc(b, '}');
		return 0;
	default:
		break;
	}
	return tmpl_exec_errorf(x,
	    "a %s prints with Go pointers in go-spew; not supported",
	    tmpl_value_type_name(v));
}

/* Only plain values: what spew prints like fmt, without addresses. */
static int
spew_check(struct tmpl_exec *x, const struct tmpl_value *v, int depth)
{
	struct buf b;
	int rc;

	buf_init(&b, SIZE_MAX);
	rc = spew_value(x, &b, v, depth, false);
	buf_clear(&b);
	return rc;
}

static int
fn_spew_sdump(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct buf b;
	size_t i;

	buf_init(&b, SIZE_MAX);
	for (i = 0; i < n; i++) {
		if (spew_value(x, &b, &a[i], 0, false) == -1) {
			buf_clear(&b);
			return -1;
		}
		buf_addc(&b, '\n');
	}
	if (x->farg != 0) {
		/* spew_dump: to consul-template's stdout; here nowhere. */
		buf_clear(&b);
		*r = tmpl_value_str("", 0);
		return 0;
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/*
 * spew_sprintf: fmt.Sprintf with each argument wrapped in spew's
 * formatter, which prints plain values as fmt does for every verb but
 * %#v (spew adds types: refused here).
 */
static int
fn_spew_sprintf(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct buf b;
	const char *f;
	size_t flen, i;

	if (tmpl_exec_arg_str(x, a, 0, &f, &flen) == -1)
		return -1;
	for (i = 0; i + 1 < flen; i++)
		if (f[i] == '%' && f[i + 1] == '%')
			i++;
		else if (f[i] == '%' && f[i + 1] == '#')
			return tmpl_exec_errorf(x,
			    "the %%# flag (spew's typed format) is not "
			    "supported");
	for (i = 1; i < n; i++)
		if (spew_check(x, &a[i], 0) == -1)
			return -1;
	buf_init(&b, SIZE_MAX);
	if (tmpl_fmt_sprintf(x->a, &b, f, flen, a + 1, n - 1) == -1) {
		buf_clear(&b);
		return -1;
	}
	if (x->farg != 0) {
		/* spew_printf: to consul-template's stdout; here nowhere. */
		buf_clear(&b);
		*r = tmpl_value_str("", 0);
		return 0;
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_spew_funcs[] = {
	{ "spew_sdump", fn_spew_sdump, 0, -1, 0, 0 },
	{ "spew_dump", fn_spew_sdump, 0, -1, 0, 1 },
	{ "spew_sprintf", fn_spew_sprintf, 1, -1, 0, 0 },
	{ "spew_printf", fn_spew_sprintf, 1, -1, 0, 1 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
