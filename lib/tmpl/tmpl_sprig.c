/* SPDX-License-Identifier: MIT */
/*
 * The Sprig functions consul-template v0.41.1 exposes with the sprig_
 * prefix (Masterminds/sprig v3): the pure ones on strings, numbers, lists
 * and defaults, with Sprig's argument order (the subject last, so that it
 * can be piped) and its forgiving conversions (a number that does not
 * parse is 0, as spf13/cast gives).  Each is recorded against
 * consul-template in tests/conformance; the ones not here are listed in
 * docs/template-engine.md.  Floating-point arithmetic (addf, divf...) is
 * done in float64 where Sprig uses decimals: 0.1 + 0.2 prints
 * 0.30000000000000004 here and 0.3 there.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"
#include "unicode.h"
#include "utf8.h"

/* The longest string repeat and indent build (a template's output is
 * capped by its caller; this stops the intermediate value first). */
#define SPRIG_STR_MAX ((uint64_t)16 << 20)

/* Sprig's strval: a string as it is, anything else as fmt's %v. */
static void
sprig_strval(struct tmpl_exec *x, const struct tmpl_value *v, const char **s,
    size_t *len)
{
	struct tmpl_value nil = tmpl_value_nil(), p;
	struct buf b;

	if (v->kind == TV_STR) {
		*s = v->u.s;
		*len = v->len;
		return;
	}
	buf_init(&b, SIZE_MAX);
	tmpl_value_print(x->a, &b, v->kind == TV_MISSING ? &nil : v);
	p = tmpl_value_from_buf(x->a, &b);
	*s = p.u.s;
	*len = p.len;
}

/* spf13/cast's ToInt64, errors as 0: a string is parsed with base 0. */
static int64_t
sprig_int64(const struct tmpl_value *v)
{
	char tmp[64], *end;
	long long n;

	switch (v->kind) {
	case TV_INT:
		return v->u.i;
	case TV_FLOAT:
		if (!(v->u.f >= -0x1p63 && v->u.f < 0x1p63))
			return 0;
		return (int64_t)v->u.f;
	case TV_BOOL:
		return v->u.b;
	case TV_STR:
		if (v->len == 0 || v->len >= sizeof(tmp))
			return 0;
		memcpy(tmp, v->u.s, v->len);
		tmp[v->len] = '\0';
		errno = 0;
		n = strtoll(tmp, &end, 0);
		if (*end != '\0' || errno != 0
		    || isspace((unsigned char)tmp[0]))
			return 0;
		return n;
	default:
		return 0;
	}
}

/* spf13/cast's ToFloat64, errors as 0. */
static double
sprig_float64(const struct tmpl_value *v)
{
	char tmp[64], *end;
	double f;

	switch (v->kind) {
	case TV_INT:
		return v->isuint ? (double)(uint64_t)v->u.i : (double)v->u.i;
	case TV_FLOAT:
		return v->u.f;
	case TV_BOOL:
		return v->u.b;
	case TV_STR:
		if (v->len == 0 || v->len >= sizeof(tmp))
			return 0;
		memcpy(tmp, v->u.s, v->len);
		tmp[v->len] = '\0';
		f = strtod(tmp, &end);
		if (*end != '\0' || isspace((unsigned char)tmp[0]))
			return 0;
		return f;
	default:
		return 0;
	}
}

/* Sprig's empty: a zero value, an empty string, list or map, a nil. */
static bool
sprig_empty(const struct tmpl_value *v)
{
	switch (v->kind) {
	case TV_MISSING:
	case TV_NIL:
		return true;
	case TV_BOOL:
		return !v->u.b;
	case TV_INT:
		return v->u.i == 0;
	case TV_FLOAT:
		return v->u.f == 0;
	case TV_STR:
	case TV_LIST:
		return v->len == 0;
	case TV_MAP:
		return v->u.map == NULL || v->u.map->n == 0;
	case TV_REC:
		return v->u.rec == NULL;
	default:
		return false;
	}
}

static struct tmpl_value
str_in_arena(struct tmpl_exec *x, struct buf *b)
{
	return tmpl_value_from_buf(x->a, b);
}

static struct tmpl_value *
list_alloc(struct tmpl_exec *x, size_t n)
{
	return tmpl_arena_alloc(x->a, (n ? n : 1) * sizeof(struct tmpl_value));
}

/* A list argument (a list or nil), or -1 naming what it got. */
static int
arg_list(struct tmpl_exec *x, const struct tmpl_value *v, const char *fn,
    const struct tmpl_value **l, size_t *n)
{
	/* Set on failure too: callers return at once then, but gcc -O2
	 * cannot see it through tmpl_exec_errorf and warns. */
	*l = NULL;
	*n = 0;
	if (v->kind == TV_LIST) {
		*l = v->u.list;
		*n = v->len;
		return 0;
	}
	if (v->kind == TV_MISSING || v->kind == TV_NIL) {
		*l = NULL;
		*n = 0;
		return 0;
	}
	return tmpl_exec_errorf(x, "Cannot %s on type %s", fn,
	    tmpl_value_type_name(v));
}

static int
sprig_hello(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)a;
	(void)n;
	*r = tmpl_value_cstr("Hello!");
	return 0;
}

/* goutils.AbbreviateFull (byte offsets, as Go slices strings). */
static void
abbreviate(struct buf *b, const char *s, size_t len, int64_t offset,
    int64_t width)
{
	int64_t l = (int64_t)len;

	if (l <= width) {
		buf_add(b, s, len);
		return;
	}
	if (offset > l)
		offset = l;
	if (l - offset < width - 3)
		offset = l - (width - 3);
	if (offset <= 4) {
		buf_add(b, s, (size_t)(width - 3));
		buf_addstr(b, "...");
		return;
	}
	buf_addstr(b, "...");
	if (offset + width - 3 < l)
		abbreviate(b, s + offset, (size_t)(l - offset), 0, width - 3);
	else
		buf_add(b, s + l - (width - 3), (size_t)(width - 3));
}

static int
sprig_abbrev(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;
	int64_t w;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_int(x, a, 0, &w) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	if (w < 4 || len == 0) {
		*r = a[1];
		return 0;
	}
	buf_init(&b, SIZE_MAX);
	abbreviate(&b, s, len, 0, w);
	*r = str_in_arena(x, &b);
	return 0;
}

static int
sprig_abbrevboth(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;
	int64_t left, right;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_int(x, a, 0, &left) == -1
	    || tmpl_exec_arg_int(x, a, 1, &right) == -1
	    || tmpl_exec_arg_str(x, a, 2, &s, &len) == -1)
		return -1;
	if (right < 4 || (left > 0 && right < 7) || len == 0) {
		*r = a[2];
		return 0;
	}
	buf_init(&b, SIZE_MAX);
	abbreviate(&b, s, len, left, right);
	*r = str_in_arena(x, &b);
	return 0;
}

/* trunc N S: the first N bytes, or with N < 0 the last -N. */
static int
sprig_trunc(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;
	int64_t c;

	(void)n;
	if (tmpl_exec_arg_int(x, a, 0, &c) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	if (c < 0 && (int64_t)len + c > 0)
		*r = tmpl_value_str(s + (int64_t)len + c, (size_t)-c);
	else if (c >= 0 && (int64_t)len > c)
		*r = tmpl_value_str(s, (size_t)c);
	else
		*r = a[1];
	return 0;
}

/* substr START END S, in bytes, as Sprig clamps it. */
static int
sprig_substr(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;
	int64_t start, end;

	(void)n;
	if (tmpl_exec_arg_int(x, a, 0, &start) == -1
	    || tmpl_exec_arg_int(x, a, 1, &end) == -1
	    || tmpl_exec_arg_str(x, a, 2, &s, &len) == -1)
		return -1;
	if (start < 0)
		start = 0;
	if (end < 0 || end > (int64_t)len)
		end = (int64_t)len;
	if (start > end)
		return tmpl_exec_errorf(x,
		    "runtime error: slice bounds out of range [%lld:%lld]",
		    (long long)start, (long long)end);
	*r = tmpl_value_str(s + start, (size_t)(end - start));
	return 0;
}

/* upper and lower are the engine's toUpper and toLower (tmpl_helper.c). */
enum rune_map {
	RM_SWAP,
	RM_NOSPACE,
};

static struct tmpl_value
map_runes(struct tmpl_exec *x, const char *s, size_t len, enum rune_map m)
{
	char enc[UTF8_MAX_BYTES];
	struct buf b;
	size_t i, w;

	buf_init(&b, SIZE_MAX);
	for (i = 0; i < len; i += w) {
		int32_t c = utf8_decode(s + i, len - i, &w), o = c;

		switch (m) {
		case RM_SWAP:
			if (unicode_to_lower(c) != c)
				o = unicode_to_lower(c);
			else if (unicode_to_upper(c) != c)
				o = unicode_to_upper(c);
			break;
		case RM_NOSPACE:
			if (unicode_is_space(c))
				continue;
			break;
		}
		buf_add(&b, enc, utf8_encode(enc, o));
	}
	return str_in_arena(x, &b);
}

static int
str_map_fn(struct tmpl_exec *x, struct tmpl_value *a, enum rune_map m,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;

	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	*r = map_runes(x, s, len, m);
	return 0;
}

/* Go's strings.Title separator rule. */
static bool
title_separator(int32_t c)
{
	if (c < UTF8_RUNE_SELF)
		return !(isalnum(c) || c == '_');
	if (unicode_is_letter(c) || unicode_is_digit(c))
		return false;
	return unicode_is_space(c);
}

enum word_case {
	WC_TITLE, /* strings.Title */
	WC_UNTITLE, /* goutils.Uncapitalize: words split at white space */
	WC_INITIALS, /* goutils.Initials */
};

static int
word_case_fn(struct tmpl_exec *x, struct tmpl_value *a, enum word_case wc,
    struct tmpl_value *r)
{
	char enc[UTF8_MAX_BYTES];
	const char *s;
	size_t len, i, w;
	bool start = true;
	struct buf b;

	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < len; i += w) {
		int32_t c = utf8_decode(s + i, len - i, &w), o = c;
		bool sep
		    = wc == WC_TITLE ? title_separator(c) : unicode_is_space(c);

		if (start && !sep) {
			if (wc == WC_TITLE)
				o = unicode_to_title(c);
			else if (wc == WC_UNTITLE)
				o = unicode_to_lower(c);
			buf_add(&b, enc, utf8_encode(enc, o));
		} else if (wc != WC_INITIALS)
			buf_add(&b, s + i, w);
		start = sep;
	}
	*r = str_in_arena(x, &b);
	return 0;
}

/*
 * snakecase and kebabcase (huandu/xstrings' rules): a word starts at an
 * upper-case letter after a lower-case letter or a digit, or before a
 * lower-case letter after upper-case ones (HTTPServer: http_server);
 * spaces, '_', '-' and '.' separate words; words are lower-cased and
 * joined by '_' or '-' (the row's arg).
 */
static int
sprig_join_case(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char enc[UTF8_MAX_BYTES], sep = x->farg ? '-' : '_';
	const char *s;
	size_t len, i, w, w2;
	int32_t c, prev = 0, next;
	bool pending = false;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < len; i += w, prev = c) {
		c = utf8_decode(s + i, len - i, &w);
		if (c == ' ' || c == '_' || c == '-' || c == '.') {
			pending = b.len > 0;
			c = 0;
			continue;
		}
		next = i + w < len ? utf8_decode(s + i + w, len - i - w, &w2)
				   : 0;
		if (unicode_to_lower(c) != c && prev != 0
		    && (unicode_to_upper(prev) != prev || unicode_is_digit(prev)
			|| (unicode_to_lower(prev) != prev && next != 0
			    && unicode_to_upper(next) != next)))
			pending = true;
		if (pending && b.len > 0)
			buf_addc(&b, sep);
		pending = false;
		buf_add(&b, enc, utf8_encode(enc, unicode_to_lower(c)));
	}
	*r = str_in_arena(x, &b);
	return 0;
}

/* camelcase: words (split at ' ', '_', '-') with their first letter
 * upper-cased, joined. */
static int
sprig_camelcase(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char enc[UTF8_MAX_BYTES];
	const char *s;
	size_t len, i, w;
	bool start = true;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < len; i += w) {
		int32_t c = utf8_decode(s + i, len - i, &w);

		if (c == ' ' || c == '_' || c == '-') {
			start = true;
			continue;
		}
		buf_add(&b, enc,
		    utf8_encode(enc, start ? unicode_to_upper(c) : c));
		start = false;
	}
	*r = str_in_arena(x, &b);
	return 0;
}

/* hasPrefix and hasSuffix (trimPrefix and trimSuffix are the engine's). */
static int
sprig_affix(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *f, *s;
	size_t flen, len;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &f, &flen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	*r = tmpl_value_bool(
	    flen <= len && memcmp(x->farg ? s + len - flen : s, f, flen) == 0);
	return 0;
}

static int
sprig_contains(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *f, *s;
	size_t flen, len;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &f, &flen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	*r = tmpl_value_bool(flen == 0 || memmem(s, len, f, flen) != NULL);
	return 0;
}

static int
sprig_repeat(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;
	int64_t c, i;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_int(x, a, 0, &c) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	if (c < 0)
		return tmpl_exec_errorf(x, "strings: negative Repeat count");
	if (len > 0 && (uint64_t)c > SPRIG_STR_MAX / len)
		return tmpl_exec_errorf(x,
		    "strings: Repeat output length overflow");
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < c; i++)
		buf_add(&b, s, len);
	*r = str_in_arena(x, &b);
	return 0;
}

static int
sprig_indent_common(struct tmpl_exec *x, struct tmpl_value *a, bool nl,
    struct tmpl_value *r)
{
	const char *s;
	size_t len, i;
	int64_t c, k;
	struct buf b;

	if (tmpl_exec_arg_int(x, a, 0, &c) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	if (c < 0)
		return tmpl_exec_errorf(x, "strings: negative Repeat count");
	if ((uint64_t)c > SPRIG_STR_MAX
	    || len > SPRIG_STR_MAX / ((uint64_t)c + 1))
		return tmpl_exec_errorf(x,
		    "strings: Repeat output length overflow");
	buf_init(&b, SIZE_MAX);
	if (nl)
		buf_addc(&b, '\n');
	for (k = 0; k < c; k++)
		buf_addc(&b, ' ');
	for (i = 0; i < len; i++) {
		buf_addc(&b, s[i]);
		if (s[i] == '\n')
			for (k = 0; k < c; k++)
				buf_addc(&b, ' ');
	}
	*r = str_in_arena(x, &b);
	return 0;
}

/* goutils.WrapCustom(S, width, sep, long_words). */
static void
wrap_custom(struct buf *b, const char *s, size_t len, int64_t width,
    const char *sep, size_t seplen, bool long_words)
{
	size_t off = 0, end, w, at;
	const char *sp;

	if (width < 1)
		width = 1;
	w = (size_t)width;
	while (len - off > w) {
		if (s[off] == ' ') {
			off++;
			continue;
		}
		end = off + w + 1;
		sp = NULL;
		for (at = end; at > off; at--)
			if (s[at - 1] == ' ') {
				sp = s + at - 1;
				break;
			}
		if (sp != NULL) {
			buf_add(b, s + off, (size_t)(sp - (s + off)));
			buf_add(b, sep, seplen);
			off = (size_t)(sp - s) + 1;
		} else if (long_words) {
			buf_add(b, s + off, w);
			buf_add(b, sep, seplen);
			off += w;
		} else {
			sp = memchr(s + off + w, ' ', len - off - w);
			if (sp == NULL) {
				buf_add(b, s + off, len - off);
				off = len;
			} else {
				buf_add(b, s + off, (size_t)(sp - (s + off)));
				buf_add(b, sep, seplen);
				off = (size_t)(sp - s) + 1;
			}
		}
	}
	buf_add(b, s + off, len - off);
}

static int
sprig_wrap(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;
	int64_t w;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_int(x, a, 0, &w) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	buf_init(&b, SIZE_MAX);
	wrap_custom(&b, s, len, w, "\n", 1, false);
	*r = str_in_arena(x, &b);
	return 0;
}

static int
sprig_wrap_with(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s, *sep;
	size_t len, seplen;
	int64_t w;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_int(x, a, 0, &w) == -1
	    || tmpl_exec_arg_str(x, a, 1, &sep, &seplen) == -1
	    || tmpl_exec_arg_str(x, a, 2, &s, &len) == -1)
		return -1;
	buf_init(&b, SIZE_MAX);
	if (seplen == 0) {
		sep = "\n";
		seplen = 1;
	}
	wrap_custom(&b, s, len, w, sep, seplen, true);
	*r = str_in_arena(x, &b);
	return 0;
}

/* quote and squote: each non-nil argument's strval, quoted, spaced. */
static int
quote_fn(struct tmpl_exec *x, struct tmpl_value *a, size_t n, bool go,
    struct tmpl_value *r)
{
	const char *s;
	size_t len, i;
	struct buf b;
	bool first = true;

	buf_init(&b, SIZE_MAX);
	for (i = 0; i < n; i++) {
		if (a[i].kind == TV_MISSING || a[i].kind == TV_NIL)
			continue;
		if (!first)
			buf_addc(&b, ' ');
		first = false;
		sprig_strval(x, &a[i], &s, &len);
		if (go)
			tmpl_value_quote(&b, s, len);
		else {
			buf_addc(&b, '\'');
			buf_add(&b, s, len);
			buf_addc(&b, '\'');
		}
	}
	*r = str_in_arena(x, &b);
	return 0;
}

/* cat: the non-nil arguments as %v, separated by spaces. */
static int
sprig_cat(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	size_t i;
	struct buf b;
	bool first = true;

	buf_init(&b, SIZE_MAX);
	for (i = 0; i < n; i++) {
		if (a[i].kind == TV_MISSING || a[i].kind == TV_NIL)
			continue;
		if (!first)
			buf_addc(&b, ' ');
		first = false;
		tmpl_value_print(x->a, &b, &a[i]);
	}
	*r = str_in_arena(x, &b);
	return 0;
}

static int
sprig_plural(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *one, *many;
	size_t len;
	int64_t c;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &one, &len) == -1
	    || tmpl_exec_arg_str(x, a, 1, &many, &len) == -1
	    || tmpl_exec_arg_int(x, a, 2, &c) == -1)
		return -1;
	*r = c == 1 ? a[0] : a[1];
	return 0;
}

static int
sprig_to_string(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;

	(void)n;
	sprig_strval(x, &a[0], &s, &len);
	*r = tmpl_value_str(s, len);
	return 0;
}

/* atoi: strconv.Atoi, 0 when it does not parse. */
static int
sprig_atoi(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char tmp[32], *end;
	const char *s;
	size_t len;
	long long v = 0;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	if (len > 0 && len < sizeof(tmp)) {
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		errno = 0;
		v = strtoll(tmp, &end, 10);
		if (*end != '\0' || errno != 0
		    || isspace((unsigned char)tmp[0]))
			v = 0;
	}
	*r = tmpl_value_int(v);
	return 0;
}

static int
sprig_to_int64(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	/* int64 and int: the row's arg says which Go type it returns. */
	*r = x->farg ? tmpl_value_int64(sprig_int64(&a[0]))
		     : tmpl_value_int(sprig_int64(&a[0]));
	return 0;
}

static int
sprig_to_float64(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)n;
	*r = tmpl_value_float(sprig_float64(&a[0]));
	return 0;
}

/* toDecimal: the %v of the value read as an octal number, else 0. */
static int
sprig_to_decimal(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char tmp[32], *end;
	const char *s;
	size_t len;
	long long v = 0;

	(void)n;
	sprig_strval(x, &a[0], &s, &len);
	if (len > 0 && len < sizeof(tmp)) {
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		errno = 0;
		v = strtoll(tmp, &end, 8);
		if (*end != '\0' || errno != 0
		    || isspace((unsigned char)tmp[0]))
			v = 0;
	}
	*r = tmpl_value_int64(v);
	return 0;
}

/* Sprig's untilStep, capped at TMPL_MAX_LIST elements. */
static int
until_step(struct tmpl_exec *x, int64_t start, int64_t stop, int64_t step,
    struct tmpl_value *r)
{
	struct tmpl_value *l;
	size_t cnt = 0;
	int64_t i;

	if ((stop < start && step >= 0) || (stop >= start && step <= 0)) {
		*r = tmpl_value_list(list_alloc(x, 0), 0, ELEM_ANY);
		return 0;
	}
	l = NULL;
	for (i = start; stop < start ? i > stop : i < stop; i += step) {
		if (cnt == TMPL_MAX_LIST)
			return tmpl_exec_errorf(x, "more than %d elements",
			    TMPL_MAX_LIST);
		cnt++;
		if ((step > 0 && i > INT64_MAX - step)
		    || (step < 0 && i < INT64_MIN - step))
			break;
	}
	l = list_alloc(x, cnt);
	for (cnt = 0, i = start; stop < start ? i > stop : i < stop;
	     i += step) {
		l[cnt++] = tmpl_value_int(i);
		if ((step > 0 && i > INT64_MAX - step)
		    || (step < 0 && i < INT64_MIN - step))
			break;
	}
	*r = tmpl_value_list(l, cnt, ELEM_ANY);
	return 0;
}

static int
sprig_until(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	int64_t c;

	(void)n;
	if (tmpl_exec_arg_int(x, a, 0, &c) == -1)
		return -1;
	return until_step(x, 0, c, c < 0 ? -1 : 1, r);
}

static int
sprig_until_step(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	int64_t start, stop, step;

	(void)n;
	if (tmpl_exec_arg_int(x, a, 0, &start) == -1
	    || tmpl_exec_arg_int(x, a, 1, &stop) == -1
	    || tmpl_exec_arg_int(x, a, 2, &step) == -1)
		return -1;
	return until_step(x, start, stop, step, r);
}

/* seq, as the shell's: the numbers joined by spaces. */
static int
sprig_seq(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	int64_t p[3], start, end, step = 1;
	struct tmpl_value l;
	struct buf b;
	size_t i;

	for (i = 0; i < n; i++)
		if (tmpl_exec_arg_int(x, a, i, &p[i]) == -1)
			return -1;
	switch (n) {
	case 1:
		start = 1;
		end = p[0];
		step = end < start ? -1 : 1;
		if (until_step(x, start, end + step, step, &l) == -1)
			return -1;
		break;
	case 2:
		start = p[0];
		end = p[1];
		step = end < start ? -1 : 1;
		if (until_step(x, start, end + step, step, &l) == -1)
			return -1;
		break;
	case 3:
		start = p[0];
		end = p[2];
		if (end < start && p[1] > 0) {
			*r = tmpl_value_str("", 0);
			return 0;
		}
		if (until_step(x, start, end + (end < start ? -1 : 1), p[1], &l)
		    == -1)
			return -1;
		break;
	default:
		*r = tmpl_value_str("", 0);
		return 0;
	}
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < l.len; i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		buf_addf(&b, "%lld", (long long)l.u.list[i].u.i);
	}
	*r = str_in_arena(x, &b);
	return 0;
}

enum int_op {
	IO_ADD,
	IO_SUB,
	IO_MUL,
	IO_DIV,
	IO_MOD,
	IO_MAX,
	IO_MIN,
};

/* add1, add, sub, mul, div, mod, max, min over cast's int64s. */
static int
int_fold(struct tmpl_exec *x, struct tmpl_value *a, size_t n, enum int_op op,
    struct tmpl_value *r)
{
	uint64_t acc = n > 0 ? (uint64_t)sprig_int64(&a[0]) : 0;
	int64_t v;
	size_t i;

	for (i = 1; i < n; i++) {
		v = sprig_int64(&a[i]);
		switch (op) {
		case IO_ADD:
			acc += (uint64_t)v;
			break;
		case IO_SUB:
			acc -= (uint64_t)v;
			break;
		case IO_MUL:
			acc *= (uint64_t)v;
			break;
		case IO_DIV:
		case IO_MOD:
			if (v == 0)
				return tmpl_exec_errorf(x,
				    "runtime error: integer divide by zero");
			if (v == -1)
				acc = op == IO_DIV ? 0 - acc : 0;
			else
				acc = (uint64_t)(op == IO_DIV
					? (int64_t)acc / v
					: (int64_t)acc % v);
			break;
		case IO_MAX:
			if (v > (int64_t)acc)
				acc = (uint64_t)v;
			break;
		case IO_MIN:
			if (v < (int64_t)acc)
				acc = (uint64_t)v;
			break;
		}
	}
	*r = tmpl_value_int64((int64_t)acc);
	return 0;
}

static int
sprig_add1(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)n;
	*r = tmpl_value_int64((int64_t)((uint64_t)sprig_int64(&a[0]) + 1));
	return 0;
}

static int
sprig_add(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	if (n == 0) {
		*r = tmpl_value_int64(0);
		return 0;
	}
	return int_fold(x, a, n, IO_ADD, r);
}

/* addf, subf, mulf, divf, maxf, minf and add1f, in float64. */
static int
float_fold(struct tmpl_exec *x, struct tmpl_value *a, size_t n, enum int_op op,
    struct tmpl_value *r)
{
	double acc = n > 0 ? sprig_float64(&a[0]) : 0, v;
	size_t i;

	(void)x;
	for (i = 1; i < n; i++) {
		v = sprig_float64(&a[i]);
		switch (op) {
		case IO_ADD:
			acc += v;
			break;
		case IO_SUB:
			acc -= v;
			break;
		case IO_MUL:
			acc *= v;
			break;
		case IO_DIV:
			acc /= v;
			break;
		case IO_MAX:
			acc = fmax(acc, v);
			break;
		default:
			acc = fmin(acc, v);
		}
	}
	*r = tmpl_value_float(acc);
	return 0;
}

static int
sprig_add1f(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)n;
	*r = tmpl_value_float(sprig_float64(&a[0]) + 1);
	return 0;
}

static int
sprig_ceil(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)n;
	*r = tmpl_value_float(ceil(sprig_float64(&a[0])));
	return 0;
}

static int
sprig_floor(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)n;
	*r = tmpl_value_float(floor(sprig_float64(&a[0])));
	return 0;
}

/* round A PLACES [ROUND_ON]: Sprig's, half up by default. */
static int
sprig_round(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	double on = n > 2 ? sprig_float64(&a[2]) : 0.5, pow_, digit, ip;
	int64_t places;

	if (tmpl_exec_arg_int(x, a, 1, &places) == -1)
		return -1;
	pow_ = pow(10, (double)places);
	digit = pow_ * sprig_float64(&a[0]);
	*r = tmpl_value_float(
	    (modf(digit, &ip) >= on ? ceil(digit) : floor(digit)) / pow_);
	return 0;
}

/* Sprig's strslice: a list's elements as strings, nil ones left out. */
static struct tmpl_value
strslice(struct tmpl_exec *x, const struct tmpl_value *v)
{
	const struct tmpl_value *l = v->u.list;
	struct tmpl_value *o;
	size_t i, n = 0, len;
	const char *s;

	if (v->kind != TV_LIST) {
		o = list_alloc(x, 1);
		sprig_strval(x, v, &s, &len);
		o[0] = tmpl_value_str(s, len);
		return tmpl_value_list(o, 1, ELEM_STR);
	}
	o = list_alloc(x, v->len);
	for (i = 0; i < v->len; i++) {
		if (l[i].kind == TV_MISSING || l[i].kind == TV_NIL)
			continue;
		sprig_strval(x, &l[i], &s, &len);
		o[n++] = tmpl_value_str(s, len);
	}
	return tmpl_value_list(o, n, ELEM_STR);
}

/* toStrings LIST: each element's strval (nil ones left out). */
static int
sprig_to_strings(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	*r = strslice(x, &a[0]);
	return 0;
}

static int
sprig_join(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *sep;
	size_t seplen, i;
	struct tmpl_value l;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &sep, &seplen) == -1)
		return -1;
	l = strslice(x, &a[1]);
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < l.len; i++) {
		if (i > 0)
			buf_add(&b, sep, seplen);
		buf_add(&b, l.u.list[i].u.s, l.u.list[i].len);
	}
	*r = str_in_arena(x, &b);
	return 0;
}

static int
cmp_str_value(const void *p, const void *q)
{
	const struct tmpl_value *a = p, *b = q;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->u.s, b->u.s, n);

	if (c != 0)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

static int
sprig_sort_alpha(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	*r = strslice(x, &a[0]);
	if (r->len > 1)
		qsort(r->u.list, r->len, sizeof(*r->u.list), cmp_str_value);
	return 0;
}

static int
sprig_list(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_value *l = list_alloc(x, n);
	size_t i;

	for (i = 0; i < n; i++)
		l[i] = a[i].kind == TV_MISSING ? tmpl_value_nil() : a[i];
	*r = tmpl_value_list(l, n, ELEM_ANY);
	return 0;
}

/* first, last: the element, or no value for an empty list. */
static int
end_fn(struct tmpl_exec *x, struct tmpl_value *a, bool last, const char *fn,
    struct tmpl_value *r)
{
	const struct tmpl_value *l;
	size_t n;

	if (arg_list(x, &a[0], fn, &l, &n) == -1)
		return -1;
	*r = n == 0 ? tmpl_value_missing() : l[last ? n - 1 : 0];
	return 0;
}

/* rest, initial: all but the first or the last; nil for an empty list. */
static int
trim_fn(struct tmpl_exec *x, struct tmpl_value *a, bool initial, const char *fn,
    struct tmpl_value *r)
{
	const struct tmpl_value *l;
	size_t n;

	if (arg_list(x, &a[0], fn, &l, &n) == -1)
		return -1;
	if (n == 0) {
		*r = tmpl_value_nil();
		return 0;
	}
	*r = a[0];
	r->len = (uint32_t)(n - 1);
	if (!initial)
		r->u.list = a[0].u.list + 1;
	return 0;
}

static int
sprig_append(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const struct tmpl_value *l;
	struct tmpl_value *o;
	size_t len;

	(void)n;
	if (arg_list(x, &a[0], "append", &l, &len) == -1)
		return -1;
	o = list_alloc(x, len + 1);
	if (len > 0)
		memcpy(o, l, len * sizeof(*o));
	o[len] = a[1];
	*r = tmpl_value_list(o, len + 1, ELEM_ANY);
	return 0;
}

static int
sprig_prepend(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const struct tmpl_value *l;
	struct tmpl_value *o;
	size_t len;

	(void)n;
	if (arg_list(x, &a[0], "prepend", &l, &len) == -1)
		return -1;
	o = list_alloc(x, len + 1);
	o[0] = a[1];
	if (len > 0)
		memcpy(o + 1, l, len * sizeof(*o));
	*r = tmpl_value_list(o, len + 1, ELEM_ANY);
	return 0;
}

static int
sprig_reverse(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const struct tmpl_value *l;
	struct tmpl_value *o;
	size_t len, i;

	(void)n;
	if (arg_list(x, &a[0], "reverse", &l, &len) == -1)
		return -1;
	o = list_alloc(x, len);
	for (i = 0; i < len; i++)
		o[i] = l[len - 1 - i];
	*r = tmpl_value_list(o, len, ELEM_ANY);
	return 0;
}

/* reflect.DeepEqual over template values (numbers by kind). */
static bool
deep_equal(const struct tmpl_value *a, const struct tmpl_value *b)
{
	size_t i;

	if (a->kind != b->kind)
		return (a->kind == TV_MISSING || a->kind == TV_NIL)
		    && (b->kind == TV_MISSING || b->kind == TV_NIL);
	switch (a->kind) {
	case TV_BOOL:
		return a->u.b == b->u.b;
	case TV_INT:
		return a->u.i == b->u.i && a->isuint == b->isuint
		    && (a->elem == ELEM_INT64) == (b->elem == ELEM_INT64);
	case TV_FLOAT:
		return a->u.f == b->u.f;
	case TV_STR:
		return a->len == b->len && memcmp(a->u.s, b->u.s, a->len) == 0;
	case TV_LIST:
		if (a->len != b->len)
			return false;
		for (i = 0; i < a->len; i++)
			if (!deep_equal(&a->u.list[i], &b->u.list[i]))
				return false;
		return true;
	case TV_MAP:
		if ((a->u.map ? a->u.map->n : 0)
		    != (b->u.map ? b->u.map->n : 0))
			return false;
		for (i = 0; a->u.map != NULL && i < a->u.map->n; i++)
			if (!deep_equal(&a->u.map->keys[i], &b->u.map->keys[i])
			    || !deep_equal(&a->u.map->vals[i],
				&b->u.map->vals[i]))
				return false;
		return true;
	case TV_REC:
		return a->rtype == b->rtype && a->u.rec == b->u.rec;
	default:
		return true;
	}
}

static int
sprig_uniq(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const struct tmpl_value *l;
	struct tmpl_value *o;
	size_t len, i, j, k = 0;

	(void)n;
	if (arg_list(x, &a[0], "uniq", &l, &len) == -1)
		return -1;
	o = list_alloc(x, len);
	for (i = 0; i < len; i++) {
		for (j = 0; j < k && !deep_equal(&o[j], &l[i]); j++)
			;
		if (j == k)
			o[k++] = l[i];
	}
	*r = tmpl_value_list(o, k, ELEM_ANY);
	return 0;
}

static int
sprig_without(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const struct tmpl_value *l;
	struct tmpl_value *o;
	size_t len, i, j, k = 0;

	if (arg_list(x, &a[0], "without", &l, &len) == -1)
		return -1;
	o = list_alloc(x, len);
	for (i = 0; i < len; i++) {
		for (j = 1; j < n && !deep_equal(&a[j], &l[i]); j++)
			;
		if (j == n)
			o[k++] = l[i];
	}
	*r = tmpl_value_list(o, k, ELEM_ANY);
	return 0;
}

/* has NEEDLE LIST */
static int
sprig_has(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const struct tmpl_value *l;
	size_t len, i;

	(void)n;
	if (arg_list(x, &a[1], "has", &l, &len) == -1)
		return -1;
	*r = tmpl_value_bool(false);
	for (i = 0; i < len; i++)
		if (deep_equal(&a[0], &l[i]))
			*r = tmpl_value_bool(true);
	return 0;
}

static int
sprig_compact(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const struct tmpl_value *l;
	struct tmpl_value *o;
	size_t len, i, k = 0;

	(void)n;
	if (arg_list(x, &a[0], "compact", &l, &len) == -1)
		return -1;
	o = list_alloc(x, len);
	for (i = 0; i < len; i++)
		if (!sprig_empty(&l[i]))
			o[k++] = l[i];
	*r = tmpl_value_list(o, k, ELEM_ANY);
	return 0;
}

static int
sprig_concat(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const struct tmpl_value *l;
	struct tmpl_value *o;
	size_t len, i, total = 0, k = 0;

	for (i = 0; i < n; i++) {
		if (arg_list(x, &a[i], "concat", &l, &len) == -1)
			return -1;
		total += len;
	}
	o = list_alloc(x, total);
	for (i = 0; i < n; i++) {
		(void)arg_list(x, &a[i], "concat", &l, &len);
		if (len > 0)
			memcpy(o + k, l, len * sizeof(*o));
		k += len;
	}
	*r = tmpl_value_list(o, total, ELEM_ANY);
	return 0;
}

static int
sprig_chunk(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const struct tmpl_value *l;
	struct tmpl_value *o;
	size_t len, i, cnt;
	int64_t size;

	(void)n;
	if (tmpl_exec_arg_int(x, a, 0, &size) == -1
	    || arg_list(x, &a[1], "chunk", &l, &len) == -1)
		return -1;
	if (size <= 0)
		return tmpl_exec_errorf(x, "chunk size must be positive");
	cnt = (len + (size_t)size - 1) / (size_t)size;
	o = list_alloc(x, cnt);
	for (i = 0; i < cnt; i++) {
		size_t from = i * (size_t)size;
		size_t m
		    = len - from < (size_t)size ? len - from : (size_t)size;

		struct tmpl_value *c = list_alloc(x, m);

		memcpy(c, l + from, m * sizeof(*c));
		o[i] = tmpl_value_list(c, m, ELEM_ANY);
	}
	*r = tmpl_value_list(o, cnt, ELEM_LIST);
	return 0;
}

/* slice LIST [I [J]]: LIST[I:J], cast's ints, Go's bounds errors. */
static int
sprig_slice(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const struct tmpl_value *l;
	size_t len;
	int64_t i = 0, j;

	if (arg_list(x, &a[0], "slice", &l, &len) == -1)
		return -1;
	j = (int64_t)len;
	if (n > 1)
		i = sprig_int64(&a[1]);
	if (n > 2)
		j = sprig_int64(&a[2]);
	if (i < 0 || j < i || j > (int64_t)len)
		return tmpl_exec_errorf(x,
		    "runtime error: slice bounds out of range [%lld:%lld]",
		    (long long)i, (long long)j);
	*r = a[0].kind == TV_LIST ? a[0] : tmpl_value_list(NULL, 0, ELEM_ANY);
	r->len = (uint32_t)(j - i);
	if (a[0].kind == TV_LIST)
		r->u.list = a[0].u.list + i;
	return 0;
}

/*
 * split SEP S and splitn SEP N S: map[string]string of the parts keyed
 * _0, _1...; splitList SEP S: the parts as a list.  strings.Split and
 * strings.SplitN rules (SEP "" splits into runes).
 */
static struct tmpl_value
split_parts(struct tmpl_exec *x, const char *s, size_t len, const char *sep,
    size_t seplen, int64_t max)
{
	struct tmpl_value *l;
	const char *p, *q;
	size_t cnt = 0, cap = 1, w, i;

	if (max == 0)
		return tmpl_value_list(list_alloc(x, 0), 0, ELEM_STR);
	for (i = 0; i < len; i += w) {
		utf8_decode(s + i, len - i, &w);
		cap++;
	}
	l = list_alloc(x, cap);
	if (seplen == 0) {
		for (i = 0; i < len; i += w) {
			utf8_decode(s + i, len - i, &w);
			if (max > 0 && (int64_t)cnt == max - 1) {
				w = len - i;
			}
			l[cnt++] = tmpl_value_str(s + i, w);
		}
		return tmpl_value_list(l, cnt, ELEM_STR);
	}
	for (p = s; (max < 0 || (int64_t)cnt < max - 1)
	     && (q = memmem(p, (size_t)(s + len - p), sep, seplen)) != NULL;
	     p = q + seplen)
		l[cnt++] = tmpl_value_str(p, (size_t)(q - p));
	l[cnt++] = tmpl_value_str(p, (size_t)(s + len - p));
	return tmpl_value_list(l, cnt, ELEM_STR);
}

static struct tmpl_value
parts_map(struct tmpl_exec *x, const struct tmpl_value *parts)
{
	struct tmpl_map *m = tmpl_value_map_new(x->a, parts->len);
	struct buf b;
	size_t i;

	for (i = 0; i < parts->len; i++) {
		buf_init(&b, SIZE_MAX);
		buf_addf(&b, "_%zu", i);
		m->keys[i] = tmpl_value_from_buf(x->a, &b);
		m->vals[i] = parts->u.list[i];
	}
	tmpl_value_map_sort(m);
	return tmpl_value_map(m, ELEM_STR);
}

static int
sprig_split(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *sep, *s;
	size_t seplen, len;
	struct tmpl_value parts;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &sep, &seplen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	parts = split_parts(x, s, len, sep, seplen, -1);
	*r = parts_map(x, &parts);
	return 0;
}

static int
sprig_split_list(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *sep, *s;
	size_t seplen, len;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &sep, &seplen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	*r = split_parts(x, s, len, sep, seplen, -1);
	return 0;
}

static int
sprig_splitn(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *sep, *s;
	size_t seplen, len;
	int64_t max;
	struct tmpl_value parts;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &sep, &seplen) == -1
	    || tmpl_exec_arg_int(x, a, 1, &max) == -1
	    || tmpl_exec_arg_str(x, a, 2, &s, &len) == -1)
		return -1;
	parts = split_parts(x, s, len, sep, seplen, max);
	*r = parts_map(x, &parts);
	return 0;
}

/*
 * Dictionaries: map[string]interface{}.  Like Go's maps they are shared:
 * set, unset and merge change the map every holder sees (the struct
 * tmpl_map is replaced in place), and return it.
 */
static int
arg_dict(struct tmpl_exec *x, const struct tmpl_value *v, const char *fn,
    struct tmpl_map **m)
{
	*m = NULL; /* as arg_list */
	if (v->kind == TV_MAP && v->elem == ELEM_ANY) {
		*m = v->u.map;
		return 0;
	}
	return tmpl_exec_errorf(x,
	    "%s: wrong type for value; expected map[string]interface {}; got %s",
	    fn, tmpl_value_type_name(v));
}

/* Sets key to val in m (sorted keys), growing its arrays in the arena. */
static void
dict_put(struct tmpl_exec *x, struct tmpl_map *m, struct tmpl_value key,
    struct tmpl_value val)
{
	struct tmpl_value *k, *v;
	long at = tmpl_value_map_find(m, key.u.s, key.len);
	size_t i;

	if (at >= 0) {
		m->vals[at] = val;
		return;
	}
	k = list_alloc(x, m->n + 1);
	v = list_alloc(x, m->n + 1);
	for (i = 0; i < m->n && tmpl_value_cmp_key(&m->keys[i], &key) < 0; i++)
		;
	if (m->n > 0) {
		memcpy(k, m->keys, i * sizeof(*k));
		memcpy(v, m->vals, i * sizeof(*v));
		memcpy(k + i + 1, m->keys + i, (m->n - i) * sizeof(*k));
		memcpy(v + i + 1, m->vals + i, (m->n - i) * sizeof(*v));
	}
	k[i] = key;
	v[i] = val;
	m->keys = k;
	m->vals = v;
	m->n++;
}

static struct tmpl_value
dict_key(struct tmpl_exec *x, const struct tmpl_value *v)
{
	const char *s;
	size_t len;

	sprig_strval(x, v, &s, &len);
	return tmpl_value_str(s, len);
}

static int
sprig_dict(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_map *m = tmpl_value_map_new(x->a, 0);
	size_t i;

	m->n = 0;
	for (i = 0; i < n; i += 2)
		dict_put(x, m, dict_key(x, &a[i]),
		    i + 1 < n ? (a[i + 1].kind == TV_MISSING ? tmpl_value_nil()
							     : a[i + 1])
			      : tmpl_value_str("", 0));
	*r = tmpl_value_map(m, ELEM_ANY);
	return 0;
}

static int
sprig_get(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_map *m;
	const char *k;
	size_t klen;
	long at;

	(void)n;
	if (arg_dict(x, &a[0], "get", &m) == -1
	    || tmpl_exec_arg_str(x, a, 1, &k, &klen) == -1)
		return -1;
	at = tmpl_value_map_find(m, k, klen);
	*r = at >= 0 ? m->vals[at] : tmpl_value_str("", 0);
	return 0;
}

static int
sprig_has_key(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_map *m;
	const char *k;
	size_t klen;

	(void)n;
	if (arg_dict(x, &a[0], "hasKey", &m) == -1
	    || tmpl_exec_arg_str(x, a, 1, &k, &klen) == -1)
		return -1;
	*r = tmpl_value_bool(tmpl_value_map_find(m, k, klen) >= 0);
	return 0;
}

static int
sprig_set(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_map *m;
	const char *k;
	size_t klen;

	(void)n;
	if (arg_dict(x, &a[0], "set", &m) == -1
	    || tmpl_exec_arg_str(x, a, 1, &k, &klen) == -1)
		return -1;
	if (m == NULL)
		return tmpl_exec_errorf(x, "assignment to entry in nil map");
	dict_put(x, m, tmpl_value_str(k, klen),
	    a[2].kind == TV_MISSING ? tmpl_value_nil() : a[2]);
	*r = a[0];
	return 0;
}

static int
sprig_unset(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_map *m;
	const char *k;
	size_t klen;
	long at;

	(void)n;
	if (arg_dict(x, &a[0], "unset", &m) == -1
	    || tmpl_exec_arg_str(x, a, 1, &k, &klen) == -1)
		return -1;
	at = tmpl_value_map_find(m, k, klen);
	if (at >= 0) {
		memmove(m->keys + at, m->keys + at + 1,
		    (m->n - (size_t)at - 1) * sizeof(*m->keys));
		memmove(m->vals + at, m->vals + at + 1,
		    (m->n - (size_t)at - 1) * sizeof(*m->vals));
		m->n--;
	}
	*r = a[0];
	return 0;
}

/* keys DICT...: every key of every dict (sorted here, random in Go). */
static int
sprig_keys(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_map *m;
	struct tmpl_value *l;
	size_t i, j, cnt = 0, k = 0;

	for (i = 0; i < n; i++) {
		if (arg_dict(x, &a[i], "keys", &m) == -1)
			return -1;
		cnt += m != NULL ? m->n : 0;
	}
	l = list_alloc(x, cnt);
	for (i = 0; i < n; i++)
		for (j = 0; a[i].u.map != NULL && j < a[i].u.map->n; j++)
			l[k++] = a[i].u.map->keys[j];
	*r = tmpl_value_list(l, cnt, ELEM_STR);
	return 0;
}

static int
sprig_values(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_map *m;
	struct tmpl_value *l;
	size_t cnt;

	(void)n;
	if (arg_dict(x, &a[0], "values", &m) == -1)
		return -1;
	cnt = m != NULL ? m->n : 0;
	l = list_alloc(x, cnt);
	if (cnt > 0)
		memcpy(l, m->vals, cnt * sizeof(*l));
	*r = tmpl_value_list(l, cnt, ELEM_ANY);
	return 0;
}

/* pluck NAME DICT...: the NAME value of each dict that has one. */
static int
sprig_pluck(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_map *m;
	struct tmpl_value *l;
	const char *k;
	size_t klen, i, cnt = 0;
	long at;

	if (tmpl_exec_arg_str(x, a, 0, &k, &klen) == -1)
		return -1;
	l = list_alloc(x, n);
	for (i = 1; i < n; i++) {
		if (arg_dict(x, &a[i], "pluck", &m) == -1)
			return -1;
		at = tmpl_value_map_find(m, k, klen);
		if (at >= 0)
			l[cnt++] = m->vals[at];
	}
	*r = tmpl_value_list(l, cnt, ELEM_ANY);
	return 0;
}

/* pick DICT KEY... and omit DICT KEY...: a new dict. */
static int
pick_fn(struct tmpl_exec *x, struct tmpl_value *a, size_t n, bool omit,
    struct tmpl_value *r)
{
	struct tmpl_map *m, *o;
	size_t i, j;
	bool named;

	if (arg_dict(x, &a[0], omit ? "omit" : "pick", &m) == -1)
		return -1;
	o = tmpl_value_map_new(x->a, m != NULL ? m->n : 0);
	o->n = 0;
	for (i = 0; m != NULL && i < m->n; i++) {
		for (j = 1, named = false; j < n && !named; j++)
			named = a[j].kind == TV_STR
			    && tmpl_value_cmp_key(&a[j], &m->keys[i]) == 0;
		if (named != omit) {
			o->keys[o->n] = m->keys[i];
			o->vals[o->n++] = m->vals[i];
		}
	}
	*r = tmpl_value_map(o, ELEM_ANY);
	return 0;
}

/*
 * merge DST SRC... (mergo.Merge): keys DST lacks (or holds empty) come
 * from the sources; mergeOverwrite: the sources' values win.  DST is
 * changed and returned.  Nested dicts are merged the same way.
 */
static void
merge_into(struct tmpl_exec *x, struct tmpl_map *dst,
    const struct tmpl_map *src, bool overwrite)
{
	size_t i;
	long at;

	for (i = 0; src != NULL && i < src->n; i++) {
		const struct tmpl_value *sv = &src->vals[i];

		at = tmpl_value_map_find(dst, src->keys[i].u.s,
		    src->keys[i].len);
		if (at >= 0 && dst->vals[at].kind == TV_MAP
		    && dst->vals[at].elem == ELEM_ANY && sv->kind == TV_MAP
		    && sv->elem == ELEM_ANY && dst->vals[at].u.map != NULL)
			merge_into(x, dst->vals[at].u.map, sv->u.map,
			    overwrite);
		else if (at < 0 || sprig_empty(&dst->vals[at])
		    || (overwrite && !sprig_empty(sv)))
			dict_put(x, dst, src->keys[i], *sv);
	}
}

static int
merge_fn(struct tmpl_exec *x, struct tmpl_value *a, size_t n, bool overwrite,
    struct tmpl_value *r)
{
	struct tmpl_map *dst, *src;
	size_t i;

	if (arg_dict(x, &a[0], "merge", &dst) == -1)
		return -1;
	if (dst == NULL)
		return tmpl_exec_errorf(x, "merge: nil destination");
	for (i = 1; i < n; i++) {
		if (arg_dict(x, &a[i], "merge", &src) == -1)
			return -1;
		merge_into(x, dst, src, overwrite);
	}
	*r = a[0];
	return 0;
}

/* dig KEY... DEFAULT DICT: the value down the path, else DEFAULT. */
static int
sprig_dig(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_value cur = a[n - 1];
	const char *k;
	size_t klen, i;
	long at;

	if (n < 3)
		return tmpl_exec_errorf(x,
		    "dig needs at least three arguments");
	for (i = 0; i + 2 < n; i++) {
		if (tmpl_exec_arg_str(x, a, i, &k, &klen) == -1)
			return -1;
		if (cur.kind != TV_MAP
		    || (at = tmpl_value_map_find(cur.u.map, k, klen)) < 0) {
			*r = a[n - 2];
			return 0;
		}
		cur = cur.u.map->vals[at];
	}
	*r = cur;
	return 0;
}

/* A copy of v with its own lists and maps. */
static struct tmpl_value
deep_copy(struct tmpl_exec *x, const struct tmpl_value *v)
{
	struct tmpl_value c = *v, *l;
	struct tmpl_map *m;
	size_t i;

	if (v->kind == TV_LIST) {
		l = list_alloc(x, v->len);
		for (i = 0; i < v->len; i++)
			l[i] = deep_copy(x, &v->u.list[i]);
		c.u.list = l;
	} else if (v->kind == TV_MAP && v->u.map != NULL) {
		m = tmpl_value_map_new(x->a, v->u.map->n);
		for (i = 0; i < v->u.map->n; i++) {
			m->keys[i] = v->u.map->keys[i];
			m->vals[i] = deep_copy(x, &v->u.map->vals[i]);
		}
		c.u.map = m;
	}
	return c;
}

static int
sprig_deep_copy(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	*r = deep_copy(x, &a[0]);
	return 0;
}

static int
sprig_deep_equal(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)n;
	*r = tmpl_value_bool(deep_equal(&a[0], &a[1]));
	return 0;
}

/* typeOf and kindOf: the Go type and reflect kind of a value. */
static const char *
kind_name(const struct tmpl_value *v)
{
	switch (v->kind) {
	case TV_BOOL:
		return "bool";
	case TV_INT:
		return tmpl_value_type_name(v);
	case TV_FLOAT:
		return "float64";
	case TV_STR:
		return "string";
	case TV_LIST:
		return "slice";
	case TV_MAP:
		return "map";
	case TV_REC:
	case TV_SCRATCH:
	case TV_TIME:
	case TV_SEMVER:
		return tmpl_value_type_name(v)[0] == '*' ? "ptr" : "struct";
	default:
		return "invalid";
	}
}

static const char *
type_name(const struct tmpl_value *v)
{
	return v->kind == TV_MISSING || v->kind == TV_NIL
	    ? "<nil>"
	    : tmpl_value_type_name(v);
}

static int
sprig_type_of(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)n;
	*r = tmpl_value_cstr(type_name(&a[0]));
	return 0;
}

static int
sprig_kind_of(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)n;
	*r = tmpl_value_cstr(kind_name(&a[0]));
	return 0;
}

enum type_test {
	TT_TYPE,
	TT_LIKE,
	TT_KIND,
};

static int
type_test_fn(struct tmpl_exec *x, struct tmpl_value *a, enum type_test tt,
    struct tmpl_value *r)
{
	const char *want, *got;
	size_t len;

	if (tmpl_exec_arg_str(x, a, 0, &want, &len) == -1)
		return -1;
	got = tt == TT_KIND ? kind_name(&a[1]) : type_name(&a[1]);
	*r = tmpl_value_bool((strlen(got) == len && memcmp(got, want, len) == 0)
	    || (tt == TT_LIKE && got[0] == '*' && strlen(got) == len + 1
		&& memcmp(got + 1, want, len) == 0));
	return 0;
}

/* Go's path.Clean, lexically. */
static struct tmpl_value
path_clean(struct tmpl_exec *x, const char *s, size_t len)
{
	char *o = tmpl_arena_alloc(x->a, len + 2);
	size_t r = 0, w = 0, dotdot = 0;
	bool rooted = len > 0 && s[0] == '/';

	if (len == 0)
		return tmpl_value_str(".", 1);
	if (rooted) {
		o[w++] = '/';
		r = dotdot = 1;
	}
	while (r < len) {
		if (s[r] == '/')
			r++;
		else if (s[r] == '.' && (r + 1 == len || s[r + 1] == '/'))
			r++;
		else if (s[r] == '.' && s[r + 1] == '.'
		    && (r + 2 == len || s[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && o[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					o[w++] = '/';
				o[w++] = '.';
				o[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				o[w++] = '/';
			for (; r < len && s[r] != '/'; r++)
				o[w++] = s[r];
		}
	}
	if (w == 0)
		o[w++] = '.';
	o[w] = '\0';
	return tmpl_value_str(o, w);
}

enum path_op {
	PATH_BASE,
	PATH_DIR,
	PATH_CLEAN,
	PATH_EXT,
	PATH_ISABS,
};

static int
path_fn(struct tmpl_exec *x, struct tmpl_value *a, enum path_op op,
    struct tmpl_value *r)
{
	const char *s, *slash;
	size_t len, i;

	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	switch (op) {
	case PATH_BASE:
		while (len > 1 && s[len - 1] == '/')
			len--;
		if (len == 0) {
			*r = tmpl_value_str(".", 1);
			break;
		}
		for (i = len; i > 0 && s[i - 1] != '/'; i--)
			;
		*r = len == 1 && s[0] == '/' ? tmpl_value_str("/", 1)
					     : tmpl_value_str(s + i, len - i);
		break;
	case PATH_DIR:
		slash = NULL;
		for (i = len; i > 0; i--)
			if (s[i - 1] == '/') {
				slash = s + i - 1;
				break;
			}
		*r = path_clean(x, s,
		    slash != NULL ? (size_t)(slash - s) + 1 : 0);
		break;
	case PATH_CLEAN:
		*r = path_clean(x, s, len);
		break;
	case PATH_EXT:
		*r = tmpl_value_str("", 0);
		for (i = len; i > 0 && s[i - 1] != '/'; i--)
			if (s[i - 1] == '.') {
				*r = tmpl_value_str(s + i - 1, len - i + 1);
				break;
			}
		break;
	case PATH_ISABS:
		*r = tmpl_value_bool(len > 0 && s[0] == '/');
		break;
	}
	return 0;
}

/* b64enc S; b64dec S gives the decoder's error as its text, as Sprig. */
static int
sprig_b64enc(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;
	struct buf b;

	(void)n;
	sprig_strval(x, &a[0], &s, &len);
	buf_init(&b, SIZE_MAX);
	tmpl_codec_base64_encode(&b, s, len, false);
	*r = str_in_arena(x, &b);
	return 0;
}

static int
sprig_b64dec(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len, olen;
	struct buf b;
	char *out;

	(void)n;
	sprig_strval(x, &a[0], &s, &len);
	out = tmpl_arena_alloc(x->a, len + 1);
	if (tmpl_codec_base64_decode(s, len, false, out, &olen) == 0) {
		out[olen] = '\0';
		*r = tmpl_value_str(out, olen);
		return 0;
	}
	buf_init(&b, SIZE_MAX);
	buf_addf(&b, "illegal base64 data at input byte %zu",
	    tmpl_codec_base64_bad_byte(s, len));
	*r = str_in_arena(x, &b);
	return 0;
}

/*
 * fromJson S: the decoded value, nil when S is not JSON; mustFromJson
 * fails with encoding/json's words for the two common faults.
 */
static int
from_json(struct tmpl_exec *x, struct tmpl_value *a, bool must,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;
	cJSON *j;

	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	/* As parseJSON: a NUL escape is read as U+FFFD, never a
	 * terminator. */
	j = tmpl_data_parse(s, len);
	if (j == NULL) {
		size_t i;

		*r = tmpl_value_nil();
		if (!must)
			return 0;
		for (i = 0; i < len && isspace((unsigned char)s[i]); i++)
			;
		if (i < len && strchr("{[\"-0123456789tfn", s[i]) == NULL)
			return tmpl_exec_errorf(x,
			    "invalid character '%c' looking for beginning "
			    "of value",
			    s[i]);
		return tmpl_exec_errorf(x, "unexpected end of JSON input");
	}
	*r = tmpl_value_from_json(x->a, j);
	cJSON_Delete(j);
	return 0;
}

/*
 * urlParse S: a dict of Go's url.Parse fields as Sprig names them
 * (scheme, host, hostname, path, query, fragment, opaque, userinfo).
 * Escapes are kept as written.  urlJoin DICT puts one back together.
 */
static int
sprig_url_parse(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s, *end, *p, *q, *at, *colon;
	size_t len;
	struct tmpl_map *m;
	struct tmpl_value v[8];
	static const char *const keys[8] = { "scheme", "host", "hostname",
		"path", "query", "fragment", "opaque", "userinfo" };
	size_t i;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	for (i = 0; i < 8; i++)
		v[i] = tmpl_value_str("", 0);
	end = s + len;
	if ((q = memchr(s, '#', len)) != NULL) {
		v[5] = tmpl_value_str(q + 1, (size_t)(end - q - 1));
		end = q;
	}
	if ((q = memchr(s, '?', (size_t)(end - s))) != NULL) {
		v[4] = tmpl_value_str(q + 1, (size_t)(end - q - 1));
		end = q;
	}
	p = s;
	for (q = s; q < end
	     && (isalnum((unsigned char)*q) || *q == '+' || *q == '-'
		 || *q == '.');
	     q++)
		;
	if (q > s && q < end && *q == ':' && isalpha((unsigned char)*s)) {
		v[0] = tmpl_value_str(s, (size_t)(q - s));
		p = q + 1;
	}
	if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
		const char *auth = p + 2, *aend;

		for (aend = auth; aend < end && *aend != '/'; aend++)
			;
		at = NULL;
		for (q = auth; q < aend; q++)
			if (*q == '@')
				at = q;
		if (at != NULL) {
			v[7] = tmpl_value_str(auth, (size_t)(at - auth));
			auth = at + 1;
		}
		v[1] = tmpl_value_str(auth, (size_t)(aend - auth));
		colon = NULL;
		if (auth < aend && *auth == '[') {
			q = memchr(auth, ']', (size_t)(aend - auth));
			v[2] = q != NULL
			    ? tmpl_value_str(auth + 1, (size_t)(q - auth - 1))
			    : v[1];
		} else {
			for (q = auth; q < aend; q++)
				if (*q == ':')
					colon = q;
			v[2] = tmpl_value_str(auth,
			    (size_t)((colon != NULL ? colon : aend) - auth));
		}
		p = aend;
	} else if (v[0].len > 0 && p < end && *p != '/') {
		v[6] = tmpl_value_str(p, (size_t)(end - p));
		p = end;
	}
	v[3] = tmpl_value_str(p, (size_t)(end - p));
	m = tmpl_value_map_new(x->a, 8);
	for (i = 0; i < 8; i++) {
		m->keys[i] = tmpl_value_cstr(keys[i]);
		m->vals[i] = v[i];
	}
	tmpl_value_map_sort(m);
	*r = tmpl_value_map(m, ELEM_ANY);
	return 0;
}

static int
sprig_url_join(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	static const char *const keys[7] = { "scheme", "userinfo", "host",
		"opaque", "path", "query", "fragment" };
	struct tmpl_value v[7];
	struct tmpl_map *m;
	struct buf b;
	size_t i;
	long at;

	(void)n;
	if (arg_dict(x, &a[0], "urlJoin", &m) == -1)
		return -1;
	for (i = 0; i < 7; i++) {
		at = tmpl_value_map_find(m, keys[i], strlen(keys[i]));
		v[i] = at >= 0 && m->vals[at].kind == TV_STR
		    ? m->vals[at]
		    : tmpl_value_str("", 0);
	}
	buf_init(&b, SIZE_MAX);
	if (v[0].len > 0) {
		buf_add(&b, v[0].u.s, v[0].len);
		buf_addc(&b, ':');
	}
	if (v[3].len > 0)
		buf_add(&b, v[3].u.s, v[3].len);
	else {
		if (v[2].len > 0 || v[1].len > 0) {
			buf_addstr(&b, "//");
			if (v[1].len > 0) {
				buf_add(&b, v[1].u.s, v[1].len);
				buf_addc(&b, '@');
			}
			buf_add(&b, v[2].u.s, v[2].len);
			if (v[4].len > 0 && v[4].u.s[0] != '/')
				buf_addc(&b, '/');
		}
		buf_add(&b, v[4].u.s, v[4].len);
	}
	if (v[5].len > 0) {
		buf_addc(&b, '?');
		buf_add(&b, v[5].u.s, v[5].len);
	}
	if (v[6].len > 0) {
		buf_addc(&b, '#');
		buf_add(&b, v[6].u.s, v[6].len);
	}
	*r = str_in_arena(x, &b);
	return 0;
}

/* default D GIVEN: GIVEN unless it is empty (or absent). */
static int
sprig_default(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	*r = n < 2 || sprig_empty(&a[1]) ? a[0] : a[1];
	return 0;
}

static int
sprig_empty_fn(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)x;
	(void)n;
	*r = tmpl_value_bool(sprig_empty(&a[0]));
	return 0;
}

static int
sprig_coalesce(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	size_t i;

	(void)x;
	*r = tmpl_value_nil();
	for (i = 0; i < n; i++)
		if (!sprig_empty(&a[i])) {
			*r = a[i];
			break;
		}
	return 0;
}

static int
sprig_all(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	size_t i;

	(void)x;
	*r = tmpl_value_bool(true);
	for (i = 0; i < n; i++)
		if (sprig_empty(&a[i]))
			*r = tmpl_value_bool(false);
	return 0;
}

static int
sprig_any(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	size_t i;

	(void)x;
	*r = tmpl_value_bool(false);
	for (i = 0; i < n; i++)
		if (!sprig_empty(&a[i]))
			*r = tmpl_value_bool(true);
	return 0;
}

/* ternary TRUE FALSE COND */
static int
sprig_ternary(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	if (a[2].kind != TV_BOOL)
		return tmpl_exec_errorf(x,
		    "wrong type for value; expected bool; got %s",
		    tmpl_value_type_name(&a[2]));
	*r = a[2].u.b ? a[0] : a[1];
	return 0;
}

static int
sprig_fail(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len;

	(void)n;
	(void)r;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	return tmpl_exec_errorf(x, "%.*s", (int)len, s);
}

/*
 * The callbacks of the names that share a function: the row's arg
 * (x->farg) says which operation or mode.
 */
static int
sprig_map_runes(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return str_map_fn(x, a, (enum rune_map)x->farg, r);
}

static int
sprig_word_case(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return word_case_fn(x, a, (enum word_case)x->farg, r);
}

static int
sprig_indent(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return sprig_indent_common(x, a, x->farg != 0, r);
}

static int
sprig_quote(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	return quote_fn(x, a, n, x->farg != 0, r);
}

static int
sprig_int_op(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	return int_fold(x, a, n, (enum int_op)x->farg, r);
}

static int
sprig_float_op(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	return float_fold(x, a, n, (enum int_op)x->farg, r);
}

static int
sprig_end(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return end_fn(x, a, x->farg != 0, x->farg ? "find last" : "find first",
	    r);
}

static int
sprig_trim_list(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return trim_fn(x, a, x->farg != 0,
	    x->farg ? "find initial" : "find rest", r);
}

static int
sprig_pick(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	return pick_fn(x, a, n, x->farg != 0, r);
}

static int
sprig_merge(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	return merge_fn(x, a, n, x->farg != 0, r);
}

static int
sprig_type_test(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return type_test_fn(x, a, (enum type_test)x->farg, r);
}

static int
sprig_path(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return path_fn(x, a, (enum path_op)x->farg, r);
}

static int
sprig_from_json(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return from_json(x, a, x->farg != 0, r);
}

/*
 * Sprig's functions that make keys, certificates, salts or random values
 * are refused: a template is rendered again on every change, so a file
 * holding a fresh key or random value would differ at every render and
 * the proxy would reload for nothing (and a private key in a rendered
 * file is a secret on disk).  Listed in docs/functions.md as refused.
 */
static int
sprig_refuse(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)a;
	(void)n;
	(void)r;
	return tmpl_exec_errorf(x,
	    "not provided: it makes keys or random values, and a template "
	    "is rendered again on every change");
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_sprig_funcs[] = {
	{ "sprig_hello", sprig_hello, 0, 0, 0, 0 },
	{ "sprig_abbrev", sprig_abbrev, 2, 2, 0, 0 },
	{ "sprig_abbrevboth", sprig_abbrevboth, 3, 3, 0, 0 },
	{ "sprig_trunc", sprig_trunc, 2, 2, 0, 0 },
	{ "sprig_substr", sprig_substr, 3, 3, 0, 0 },
	{ "sprig_trim", tmpl_helper_trim_space, 1, 1, 0, 0 },
	{ "sprig_trimAll", tmpl_helper_trim, 2, 2, 0, 0 },
	{ "sprig_trimall", tmpl_helper_trim, 2, 2, 0, 0 },
	{ "sprig_trimSuffix", tmpl_helper_trim_suffix, 2, 2, 0, 0 },
	{ "sprig_trimPrefix", tmpl_helper_trim_prefix, 2, 2, 0, 0 },
	{ "sprig_upper", tmpl_helper_to_upper, 1, 1, 0, 0 },
	{ "sprig_lower", tmpl_helper_to_lower, 1, 1, 0, 0 },
	{ "sprig_title", sprig_word_case, 1, 1, 0, WC_TITLE },
	{ "sprig_untitle", sprig_word_case, 1, 1, 0, WC_UNTITLE },
	{ "sprig_swapcase", sprig_map_runes, 1, 1, 0, RM_SWAP },
	{ "sprig_nospace", sprig_map_runes, 1, 1, 0, RM_NOSPACE },
	{ "sprig_initials", sprig_word_case, 1, 1, 0, WC_INITIALS },
	{ "sprig_contains", sprig_contains, 2, 2, 0, 0 },
	{ "sprig_hasPrefix", sprig_affix, 2, 2, 0, 0 },
	{ "sprig_hasSuffix", sprig_affix, 2, 2, 0, 1 },
	{ "sprig_repeat", sprig_repeat, 2, 2, 0, 0 },
	{ "sprig_replace", tmpl_helper_replace_all, 3, 3, 0, 0 },
	{ "sprig_indent", sprig_indent, 2, 2, 0, 0 },
	{ "sprig_nindent", sprig_indent, 2, 2, 0, 1 },
	{ "sprig_wrap", sprig_wrap, 2, 2, 0, 0 },
	{ "sprig_wrapWith", sprig_wrap_with, 3, 3, 0, 0 },
	{ "sprig_quote", sprig_quote, 0, -1, 0, 1 },
	{ "sprig_squote", sprig_quote, 0, -1, 0, 0 },
	{ "sprig_cat", sprig_cat, 0, -1, 0, 0 },
	{ "sprig_plural", sprig_plural, 3, 3, 0, 0 },
	{ "sprig_toString", sprig_to_string, 1, 1, 0, 0 },
	{ "sprig_atoi", sprig_atoi, 1, 1, 0, 0 },
	{ "sprig_int64", sprig_to_int64, 1, 1, 0, 1 },
	{ "sprig_int", sprig_to_int64, 1, 1, 0, 0 },
	{ "sprig_float64", sprig_to_float64, 1, 1, 0, 0 },
	{ "sprig_toDecimal", sprig_to_decimal, 1, 1, 0, 0 },
	{ "sprig_seq", sprig_seq, 0, -1, 0, 0 },
	{ "sprig_until", sprig_until, 1, 1, 0, 0 },
	{ "sprig_untilStep", sprig_until_step, 3, 3, 0, 0 },
	{ "sprig_add1", sprig_add1, 1, 1, 0, 0 },
	{ "sprig_add", sprig_add, 0, -1, 0, 0 },
	{ "sprig_sub", sprig_int_op, 2, 2, 0, IO_SUB },
	{ "sprig_mul", sprig_int_op, 1, -1, 0, IO_MUL },
	{ "sprig_div", sprig_int_op, 2, 2, 0, IO_DIV },
	{ "sprig_mod", sprig_int_op, 2, 2, 0, IO_MOD },
	{ "sprig_max", sprig_int_op, 1, -1, 0, IO_MAX },
	{ "sprig_biggest", sprig_int_op, 1, -1, 0, IO_MAX },
	{ "sprig_min", sprig_int_op, 1, -1, 0, IO_MIN },
	{ "sprig_add1f", sprig_add1f, 1, 1, 0, 0 },
	{ "sprig_addf", sprig_float_op, 0, -1, 0, IO_ADD },
	{ "sprig_subf", sprig_float_op, 1, -1, 0, IO_SUB },
	{ "sprig_mulf", sprig_float_op, 1, -1, 0, IO_MUL },
	{ "sprig_divf", sprig_float_op, 1, -1, 0, IO_DIV },
	{ "sprig_maxf", sprig_float_op, 1, -1, 0, IO_MAX },
	{ "sprig_minf", sprig_float_op, 1, -1, 0, IO_MIN },
	{ "sprig_ceil", sprig_ceil, 1, 1, 0, 0 },
	{ "sprig_floor", sprig_floor, 1, 1, 0, 0 },
	{ "sprig_round", sprig_round, 2, 3, 0, 0 },
	{ "sprig_join", sprig_join, 2, 2, 0, 0 },
	{ "sprig_toStrings", sprig_to_strings, 1, 1, 0, 0 },
	{ "sprig_snakecase", sprig_join_case, 1, 1, 0, 0 },
	{ "sprig_kebabcase", sprig_join_case, 1, 1, 0, 1 },
	{ "sprig_camelcase", sprig_camelcase, 1, 1, 0, 0 },
	{ "sprig_sortAlpha", sprig_sort_alpha, 1, 1, 0, 0 },
	{ "sprig_list", sprig_list, 0, -1, 0, 0 },
	{ "sprig_tuple", sprig_list, 0, -1, 0, 0 },
	{ "sprig_first", sprig_end, 1, 1, 0, 0 },
	{ "sprig_last", sprig_end, 1, 1, 0, 1 },
	{ "sprig_rest", sprig_trim_list, 1, 1, 0, 0 },
	{ "sprig_initial", sprig_trim_list, 1, 1, 0, 1 },
	{ "sprig_append", sprig_append, 2, 2, 0, 0 },
	{ "sprig_push", sprig_append, 2, 2, 0, 0 },
	{ "sprig_prepend", sprig_prepend, 2, 2, 0, 0 },
	{ "sprig_reverse", sprig_reverse, 1, 1, 0, 0 },
	{ "sprig_uniq", sprig_uniq, 1, 1, 0, 0 },
	{ "sprig_without", sprig_without, 1, -1, 0, 0 },
	{ "sprig_has", sprig_has, 2, 2, 0, 0 },
	{ "sprig_compact", sprig_compact, 1, 1, 0, 0 },
	{ "sprig_concat", sprig_concat, 0, -1, 0, 0 },
	{ "sprig_chunk", sprig_chunk, 2, 2, 0, 0 },
	{ "sprig_slice", sprig_slice, 1, 3, 0, 0 },
	{ "sprig_mustSlice", sprig_slice, 1, 3, 0, 0 },
	{ "sprig_split", sprig_split, 2, 2, 0, 0 },
	{ "sprig_splitList", sprig_split_list, 2, 2, 0, 0 },
	{ "sprig_splitn", sprig_splitn, 3, 3, 0, 0 },
	/* Sprig's must* list functions return the error its others panic
	 * with: here both fail the execution the same way. */
	{ "sprig_mustFirst", sprig_end, 1, 1, 0, 0 },
	{ "sprig_mustLast", sprig_end, 1, 1, 0, 1 },
	{ "sprig_mustRest", sprig_trim_list, 1, 1, 0, 0 },
	{ "sprig_mustInitial", sprig_trim_list, 1, 1, 0, 1 },
	{ "sprig_mustAppend", sprig_append, 2, 2, 0, 0 },
	{ "sprig_mustPush", sprig_append, 2, 2, 0, 0 },
	{ "sprig_mustPrepend", sprig_prepend, 2, 2, 0, 0 },
	{ "sprig_mustReverse", sprig_reverse, 1, 1, 0, 0 },
	{ "sprig_mustUniq", sprig_uniq, 1, 1, 0, 0 },
	{ "sprig_mustWithout", sprig_without, 1, -1, 0, 0 },
	{ "sprig_mustHas", sprig_has, 2, 2, 0, 0 },
	{ "sprig_mustCompact", sprig_compact, 1, 1, 0, 0 },
	{ "sprig_mustChunk", sprig_chunk, 2, 2, 0, 0 },
	{ "sprig_dict", sprig_dict, 0, -1, 0, 0 },
	{ "sprig_get", sprig_get, 2, 2, 0, 0 },
	{ "sprig_set", sprig_set, 3, 3, 0, 0 },
	{ "sprig_unset", sprig_unset, 2, 2, 0, 0 },
	{ "sprig_hasKey", sprig_has_key, 2, 2, 0, 0 },
	{ "sprig_keys", sprig_keys, 0, -1, 0, 0 },
	{ "sprig_values", sprig_values, 1, 1, 0, 0 },
	{ "sprig_pluck", sprig_pluck, 1, -1, 0, 0 },
	{ "sprig_pick", sprig_pick, 1, -1, 0, 0 },
	{ "sprig_omit", sprig_pick, 1, -1, 0, 1 },
	{ "sprig_merge", sprig_merge, 1, -1, 0, 0 },
	{ "sprig_mustMerge", sprig_merge, 1, -1, 0, 0 },
	{ "sprig_mergeOverwrite", sprig_merge, 1, -1, 0, 1 },
	{ "sprig_mustMergeOverwrite", sprig_merge, 1, -1, 0, 1 },
	{ "sprig_dig", sprig_dig, 3, -1, 0, 0 },
	{ "sprig_deepCopy", sprig_deep_copy, 1, 1, 0, 0 },
	{ "sprig_mustDeepCopy", sprig_deep_copy, 1, 1, 0, 0 },
	{ "sprig_deepEqual", sprig_deep_equal, 2, 2, 0, 0 },
	{ "sprig_typeOf", sprig_type_of, 1, 1, 0, 0 },
	{ "sprig_typeIs", sprig_type_test, 2, 2, 0, TT_TYPE },
	{ "sprig_typeIsLike", sprig_type_test, 2, 2, 0, TT_LIKE },
	{ "sprig_kindOf", sprig_kind_of, 1, 1, 0, 0 },
	{ "sprig_kindIs", sprig_type_test, 2, 2, 0, TT_KIND },
	{ "sprig_base", sprig_path, 1, 1, 0, PATH_BASE },
	{ "sprig_dir", sprig_path, 1, 1, 0, PATH_DIR },
	{ "sprig_clean", sprig_path, 1, 1, 0, PATH_CLEAN },
	{ "sprig_ext", sprig_path, 1, 1, 0, PATH_EXT },
	{ "sprig_isAbs", sprig_path, 1, 1, 0, PATH_ISABS },
	{ "sprig_osBase", sprig_path, 1, 1, 0, PATH_BASE },
	{ "sprig_osDir", sprig_path, 1, 1, 0, PATH_DIR },
	{ "sprig_osClean", sprig_path, 1, 1, 0, PATH_CLEAN },
	{ "sprig_osExt", sprig_path, 1, 1, 0, PATH_EXT },
	{ "sprig_osIsAbs", sprig_path, 1, 1, 0, PATH_ISABS },
	{ "sprig_b64enc", sprig_b64enc, 1, 1, 0, 0 },
	{ "sprig_b64dec", sprig_b64dec, 1, 1, 0, 0 },
	{ "sprig_toJson", tmpl_helper_to_json, 1, 1, 0, 0 },
	{ "sprig_mustToJson", tmpl_helper_to_json, 1, 1, 0, 0 },
	{ "sprig_toRawJson", tmpl_helper_to_ujson, 1, 1, 0, 0 },
	{ "sprig_mustToRawJson", tmpl_helper_to_ujson, 1, 1, 0, 0 },
	{ "sprig_toPrettyJson", tmpl_helper_to_json_pretty, 1, 1, 0, 0 },
	{ "sprig_mustToPrettyJson", tmpl_helper_to_json_pretty, 1, 1, 0, 0 },
	{ "sprig_fromJson", sprig_from_json, 1, 1, 0, 0 },
	{ "sprig_mustFromJson", sprig_from_json, 1, 1, 0, 1 },
	{ "sprig_urlParse", sprig_url_parse, 1, 1, 0, 0 },
	{ "sprig_urlJoin", sprig_url_join, 1, 1, 0, 0 },
	{ "sprig_genPrivateKey", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_genCA", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_genCAWithKey", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_genSelfSignedCert", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_genSelfSignedCertWithKey", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_genSignedCert", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_genSignedCertWithKey", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_buildCustomCert", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_encryptAES", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_bcrypt", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_htpasswd", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_randInt", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_randAlpha", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_randAlphaNum", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_randAscii", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_randNumeric", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_randBytes", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_shuffle", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_uuidv4", sprig_refuse, 0, -1, 0, 0 },
	{ "sprig_default", sprig_default, 1, 2, 0, 0 },
	{ "sprig_empty", sprig_empty_fn, 1, 1, 0, 0 },
	{ "sprig_coalesce", sprig_coalesce, 0, -1, 0, 0 },
	{ "sprig_all", sprig_all, 0, -1, 0, 0 },
	{ "sprig_any", sprig_any, 0, -1, 0, 0 },
	{ "sprig_ternary", sprig_ternary, 3, 3, 0, 0 },
	{ "sprig_fail", sprig_fail, 1, 1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
