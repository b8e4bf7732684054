/* SPDX-License-Identifier: MIT */
/*
 * printf for templates: Go's fmt.Sprintf over template values, with the
 * verbs real templates use (%v %+v %#v %T %s %d %q %+q %f %e %g %x %X %o
 * %b %c %t %%; lists and maps element by element),
 * flags (- + # 0 space), width and precision (also *), and Go's error
 * forms in the output: %!d(string=x), %!s(MISSING), %!(EXTRA ...).
 */
#include <stdio.h>
#include <string.h>

#include "tmpl_int.h"

struct spec {
	bool minus, plus, sharp, zero, space;
	int width; /* -1: none */
	int prec; /* -1: none */
	char verb;
};

static size_t
rune_count(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* Appends s padded to the width (counted in runes). */
static void
pad(struct buf *b, const struct spec *sp, const char *s, size_t n, bool numeric)
{
	size_t w = rune_count(s, n), i;
	size_t sign = 0;

	if (sp->width < 0 || w >= (size_t)sp->width) {
		buf_add(b, s, n);
		return;
	}
	if (sp->minus) {
		buf_add(b, s, n);
		for (i = w; i < (size_t)sp->width; i++)
			buf_addc(b, ' ');
		return;
	}
	if (sp->zero && numeric) {
		if (n > 0 && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) {
			buf_addc(b, s[0]);
			sign = 1;
		}
		for (i = w; i < (size_t)sp->width; i++)
			buf_addc(b, '0');
		buf_add(b, s + sign, n - sign);
		return;
	}
	for (i = w; i < (size_t)sp->width; i++)
		buf_addc(b, sp->zero && !numeric ? '0' : ' ');
	buf_add(b, s, n);
}

static void
bad_verb(struct tmpl_arena *a, struct buf *b, char verb,
    const struct tmpl_value *v)
{
	buf_addf(b, "%%!%c(", verb);
	if (v->kind == TV_MISSING || v->kind == TV_NIL)
		buf_addstr(b, "<nil>");
	else {
		buf_addstr(b, tmpl_value_type_name(v));
		buf_addc(b, '=');
		tmpl_value_print(a, b, v);
	}
	buf_addc(b, ')');
}

static void
fmt_int(struct buf *t, const struct spec *sp, const struct tmpl_value *v)
{
	char f[32];
	size_t o = 0;
	unsigned long long u;
	bool neg;
	int i;

	if (sp->verb == 'b') {
		neg = !v->isuint && v->u.i < 0;
		u = neg ? 0 - (unsigned long long)v->u.i
			: (unsigned long long)v->u.i;
		if (neg)
			buf_addc(t, '-');
		else if (sp->plus)
			buf_addc(t, '+');
		for (i = 63; i > 0 && ((u >> i) & 1) == 0; i--)
			;
		for (; i >= 0; i--)
			buf_addc(t, (u >> i) & 1 ? '1' : '0');
		return;
	}
	if (sp->verb == 'c') {
		uint32_t r = (uint32_t)v->u.i;

		if (r < 0x80)
			buf_addc(t, (char)r);
		else if (r < 0x800) {
			buf_addc(t, (char)(0xc0 | (r >> 6)));
			buf_addc(t, (char)(0x80 | (r & 0x3f)));
		} else {
			buf_addc(t, (char)(0xe0 | ((r >> 12) & 0x0f)));
			buf_addc(t, (char)(0x80 | ((r >> 6) & 0x3f)));
			buf_addc(t, (char)(0x80 | (r & 0x3f)));
		}
		return;
	}
	f[o++] = '%';
	if (sp->plus)
		f[o++] = '+';
	if (sp->space)
		f[o++] = ' ';
	if (sp->sharp && sp->verb != 'd')
		f[o++] = '#';
	if (sp->prec >= 0)
		o += (size_t)snprintf(f + o, sizeof(f) - o, ".%d", sp->prec);
	f[o++] = 'l';
	f[o++] = 'l';
	f[o++] = sp->verb == 'v' ? 'd' : sp->verb;
	f[o] = '\0';
	/* Signed verbs take the value as long long; x/X/o show Go's sign. */
	if (sp->verb == 'd' || sp->verb == 'v') {
		if (v->isuint)
			f[o - 1] = 'u';
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		buf_addf(t, f, (long long)v->u.i);
	} else {
		neg = !v->isuint && v->u.i < 0;
		u = neg ? 0 - (unsigned long long)v->u.i
			: (unsigned long long)v->u.i;
		if (neg)
			buf_addc(t, '-');
		buf_addf(t, f, u);
#pragma GCC diagnostic pop
	}
}

/*
 * %#v: Go syntax for what templates hold (strings, numbers, bools, lists
 * and maps of them); a record prints as %v.
 */
static void
go_syntax(struct tmpl_arena *a, struct buf *b, const struct tmpl_value *v,
    bool top)
{
	size_t i;

	switch (v->kind) {
	case TV_MISSING:
	case TV_NIL:
		buf_addstr(b, top ? "<nil>" : "interface {}(nil)");
		break;
	case TV_STR:
		tmpl_value_quote(b, v->u.s, v->len);
		break;
	case TV_INT:
		if (v->isuint)
			buf_addf(b, "0x%llx", (unsigned long long)v->u.i);
		else
			buf_addf(b, "%lld", (long long)v->u.i);
		break;
	case TV_FLOAT:
		tmpl_value_fmt_float(b, v->u.f, 'g', -1);
		break;
	case TV_LIST:
		buf_addstr(b, tmpl_value_type_name(v));
		buf_addc(b, '{');
		for (i = 0; i < v->len; i++) {
			if (i > 0)
				buf_addstr(b, ", ");
			go_syntax(a, b, &v->u.list[i], false);
		}
		buf_addc(b, '}');
		break;
	case TV_MAP:
		buf_addstr(b, tmpl_value_type_name(v));
		buf_addc(b, '{');
		for (i = 0; v->u.map != NULL && i < v->u.map->n; i++) {
			if (i > 0)
				buf_addstr(b, ", ");
			go_syntax(a, b, &v->u.map->keys[i], false);
			buf_addc(b, ':');
			go_syntax(a, b, &v->u.map->vals[i], false);
		}
		buf_addc(b, '}');
		break;
	default:
		tmpl_value_print(a, b, v);
	}
}

/* A record Go holds by pointer prints &{...} when it is printf's operand. */
static bool
is_pointer_record(const struct tmpl_value *v)
{
	return v->kind == TV_REC && v->u.rec != NULL
	    && tmpl_record_type_name(v->rtype)[0] == '*';
}

static void fmt_one(struct tmpl_arena *a, struct buf *b, const struct spec *sp,
    const struct tmpl_value *v);

/* A list or map formatted element by element with one verb, as fmt does. */
static void
fmt_each(struct tmpl_arena *a, struct buf *t, const struct spec *sp,
    const struct tmpl_value *v)
{
	struct spec el = *sp;
	size_t i;

	el.width = -1;
	el.prec = -1;
	if (v->kind == TV_MAP) {
		buf_addstr(t, "map[");
		for (i = 0; v->u.map != NULL && i < v->u.map->n; i++) {
			if (i > 0)
				buf_addc(t, ' ');
			fmt_one(a, t, &el, &v->u.map->keys[i]);
			buf_addc(t, ':');
			fmt_one(a, t, &el, &v->u.map->vals[i]);
		}
		buf_addc(t, ']');
		return;
	}
	buf_addc(t, '[');
	for (i = 0; i < v->len; i++) {
		if (i > 0)
			buf_addc(t, ' ');
		fmt_one(a, t, &el, &v->u.list[i]);
	}
	buf_addc(t, ']');
}

static void
fmt_one(struct tmpl_arena *a, struct buf *b, const struct spec *sp,
    const struct tmpl_value *v)
{
	struct tmpl_value sv;
	struct buf t;
	size_t i;
	bool numeric = false;

	buf_init(&t, SIZE_MAX);
	/* fmt's handleMethods: a Stringer (time.Time, *semver.Version) is
	 * its String() for the string verbs. */
	if ((v->kind == TV_TIME || (v->kind == TV_SEMVER && v->u.semver))
	    && strchr("sqxX", sp->verb) != NULL) {
		tmpl_value_print(a, &t, v);
		sv = tmpl_value_str(t.data != NULL ? t.data : "", t.len);
		fmt_one(a, b, sp, &sv);
		buf_clear(&t);
		return;
	}
	switch (sp->verb) {
	case 'v':
		if (sp->sharp)
			go_syntax(a, &t, v, true);
		else if (v->kind == TV_FLOAT)
			tmpl_value_fmt_float(&t, v->u.f, 'g', sp->prec);
		else if (v->kind == TV_INT && (sp->plus || sp->space))
			fmt_int(&t, sp, v);
		else {
			if (is_pointer_record(v))
				buf_addc(&t, '&');
			if (sp->plus)
				tmpl_value_print_names(a, &t, v);
			else
				tmpl_value_print(a, &t, v);
		}
		numeric = v->kind == TV_INT || v->kind == TV_FLOAT;
		break;
	case 's':
		if (v->kind == TV_STR) {
			size_t n = v->len;

			if (sp->prec >= 0) {
				size_t runes = 0;

				for (n = 0; n < v->len; n++) {
					if (((unsigned char)v->u.s[n] & 0xc0)
						!= 0x80
					    && runes++ == (size_t)sp->prec)
						break;
				}
			}
			buf_add(&t, v->u.s, n);
		} else if (v->kind == TV_LIST || v->kind == TV_MAP
		    || v->kind == TV_REC || v->kind == TV_BOOL)
			tmpl_value_print(a, &t, v);
		else
			bad_verb(a, &t, 's', v);
		break;
	case 'T':
		buf_addstr(&t, tmpl_value_type_name(v));
		break;
	case 'q':
		if (v->kind == TV_STR && sp->plus)
			tmpl_value_quote_ascii(&t, v->u.s, v->len);
		else if (v->kind == TV_STR)
			tmpl_value_quote(&t, v->u.s, v->len);
		else if (v->kind == TV_INT) {
			buf_addc(&t, '\'');
			fmt_int(&t,
			    &(struct spec) { .verb = 'c',
				.width = -1,
				.prec = -1 },
			    v);
			buf_addc(&t, '\'');
		} else if (v->kind == TV_LIST || v->kind == TV_MAP)
			fmt_each(a, &t, sp, v);
		else
			bad_verb(a, &t, 'q', v);
		break;
	case 'd':
	case 'o':
	case 'b':
	case 'c':
	case 'U':
		if (v->kind == TV_INT && sp->verb != 'U') {
			fmt_int(&t, sp, v);
			numeric = true;
		} else if (v->kind == TV_INT)
			buf_addf(&t, "U+%04llX", (unsigned long long)v->u.i);
		else if (v->kind == TV_LIST) {
			buf_addc(&t, '[');
			for (i = 0; i < v->len; i++) {
				if (i > 0)
					buf_addc(&t, ' ');
				fmt_one(a, &t,
				    &(struct spec) { .verb = sp->verb,
					.width = -1,
					.prec = -1 },
				    &v->u.list[i]);
			}
			buf_addc(&t, ']');
		} else
			bad_verb(a, &t, sp->verb, v);
		break;
	case 'x':
	case 'X':
		if (v->kind == TV_INT) {
			fmt_int(&t, sp, v);
			numeric = true;
		} else if (v->kind == TV_STR) {
			/* The space flag separates the bytes; with #, each
			 * gets its 0x. */
			for (i = 0; i < v->len; i++) {
				if (i > 0 && sp->space)
					buf_addc(&t, ' ');
				if (sp->sharp && (i == 0 || sp->space))
					buf_addstr(&t,
					    sp->verb == 'x' ? "0x" : "0X");
				buf_addf(&t, sp->verb == 'x' ? "%02x" : "%02X",
				    (unsigned char)v->u.s[i]);
			}
		} else if (v->kind == TV_LIST || v->kind == TV_MAP)
			fmt_each(a, &t, sp, v);
		else
			bad_verb(a, &t, sp->verb, v);
		break;
	case 'e':
	case 'E':
	case 'f':
	case 'F':
	case 'g':
	case 'G':
		if (v->kind == TV_FLOAT) {
			if (sp->plus && v->u.f >= 0)
				buf_addc(&t, '+');
			else if (sp->space && v->u.f >= 0)
				buf_addc(&t, ' ');
			tmpl_value_fmt_float(&t, v->u.f,
			    sp->verb == 'F' ? 'f' : sp->verb, sp->prec);
			numeric = true;
		} else
			bad_verb(a, &t, sp->verb, v);
		break;
	case 't':
		if (v->kind == TV_BOOL)
			buf_addstr(&t, v->u.b ? "true" : "false");
		else
			bad_verb(a, &t, 't', v);
		break;
	default:
		bad_verb(a, &t, sp->verb, v);
	}
	pad(b, sp, t.data != NULL ? t.data : "", t.len, numeric);
	buf_clear(&t);
}

static int
star(const struct tmpl_value *args, size_t nargs, size_t *ai, int *out)
{
	if (*ai >= nargs || args[*ai].kind != TV_INT)
		return -1;
	*out = (int)(args[*ai].u.i > TMPL_MAX_WIDTH ? TMPL_MAX_WIDTH
		: args[*ai].u.i < -TMPL_MAX_WIDTH   ? -TMPL_MAX_WIDTH
						    : args[*ai].u.i);
	(*ai)++;
	return 0;
}

int
tmpl_fmt_sprintf(struct tmpl_arena *a, struct buf *b, const char *f,
    size_t flen, const struct tmpl_value *args, size_t nargs)
{
	struct spec sp;
	size_t i = 0, ai = 0;

	while (i < flen) {
		if (f[i] != '%') {
			buf_addc(b, f[i++]);
			continue;
		}
		i++;
		memset(&sp, 0, sizeof(sp));
		sp.width = sp.prec = -1;
		for (; i < flen; i++) {
			if (f[i] == '-')
				sp.minus = true;
			else if (f[i] == '+')
				sp.plus = true;
			else if (f[i] == '#')
				sp.sharp = true;
			else if (f[i] == '0')
				sp.zero = !sp.minus;
			else if (f[i] == ' ')
				sp.space = true;
			else
				break;
		}
		if (i < flen && f[i] == '*') {
			i++;
			if (star(args, nargs, &ai, &sp.width) == -1) {
				buf_addstr(b, "%!(BADWIDTH)");
				sp.width = -1;
			} else if (sp.width < 0) {
				sp.minus = true;
				sp.width = -sp.width;
			}
		} else
			for (; i < flen && f[i] >= '0' && f[i] <= '9'; i++)
				sp.width = (sp.width < 0 ? 0 : sp.width) * 10
					    + (f[i] - '0')
					> TMPL_MAX_WIDTH
				    ? TMPL_MAX_WIDTH
				    : (sp.width < 0 ? 0 : sp.width) * 10
					+ (f[i] - '0');
		if (i < flen && f[i] == '.') {
			i++;
			sp.prec = 0;
			if (i < flen && f[i] == '*') {
				i++;
				if (star(args, nargs, &ai, &sp.prec) == -1
				    || sp.prec < 0) {
					buf_addstr(b, "%!(BADPREC)");
					sp.prec = -1;
				}
			} else
				for (; i < flen && f[i] >= '0' && f[i] <= '9';
				     i++)
					sp.prec = sp.prec * 10 + (f[i] - '0')
						> TMPL_MAX_WIDTH
					    ? TMPL_MAX_WIDTH
					    : sp.prec * 10 + (f[i] - '0');
		}
		if (i >= flen) {
			buf_addstr(b, "%!(NOVERB)");
			break;
		}
		sp.verb = f[i++];
		if (sp.verb == '%') {
			buf_addc(b, '%');
			continue;
		}
		if (ai >= nargs) {
			buf_addf(b, "%%!%c(MISSING)", sp.verb);
			continue;
		}
		fmt_one(a, b, &sp, &args[ai++]);
	}
	if (ai < nargs) {
		buf_addstr(b, "%!(EXTRA ");
		for (; ai < nargs; ai++) {
			if (args[ai].kind == TV_MISSING
			    || args[ai].kind == TV_NIL)
				buf_addstr(b, "<nil>");
			else {
				buf_addstr(b, tmpl_value_type_name(&args[ai]));
				buf_addc(b, '=');
				tmpl_value_print(a, b, &args[ai]);
			}
			if (ai + 1 < nargs)
				buf_addstr(b, ", ");
		}
		buf_addc(b, ')');
	}
	return 0;
}
