/* SPDX-License-Identifier: MIT */
/*
 * printf for templates: Go's fmt.Sprintf over template values, with the
 * verbs real templates use (%v %s %d %q %f %e %g %x %X %o %b %c %t %%),
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

static void
fmt_one(struct tmpl_arena *a, struct buf *b, const struct spec *sp,
    const struct tmpl_value *v)
{
	struct buf t;
	size_t i;
	bool numeric = false;

	buf_init(&t, SIZE_MAX);
	switch (sp->verb) {
	case 'v':
		if (v->kind == TV_FLOAT)
			tmpl_value_fmt_float(&t, v->u.f, 'g', sp->prec);
		else if (v->kind == TV_INT && (sp->plus || sp->space))
			fmt_int(&t, sp, v);
		else
			tmpl_value_print(a, &t, v);
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
	case 'q':
		if (v->kind == TV_STR)
			tmpl_value_quote(&t, v->u.s, v->len);
		else if (v->kind == TV_INT) {
			buf_addc(&t, '\'');
			fmt_int(&t,
			    &(struct spec) { .verb = 'c',
				.width = -1,
				.prec = -1 },
			    v);
			buf_addc(&t, '\'');
		} else if (v->kind == TV_LIST) {
			buf_addc(&t, '[');
			for (i = 0; i < v->len; i++) {
				if (i > 0)
					buf_addc(&t, ' ');
				fmt_one(a, &t,
				    &(struct spec) { .verb = 'q',
					.width = -1,
					.prec = -1 },
				    &v->u.list[i]);
			}
			buf_addc(&t, ']');
		} else
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
			if (sp->sharp)
				buf_addstr(&t, sp->verb == 'x' ? "0x" : "0X");
			for (i = 0; i < v->len; i++)
				buf_addf(&t, sp->verb == 'x' ? "%02x" : "%02X",
				    (unsigned char)v->u.s[i]);
		} else
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
