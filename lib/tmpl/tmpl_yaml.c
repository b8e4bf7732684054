/* SPDX-License-Identifier: MIT */
/*
 * toYAML: what consul-template's toYAML prints, gopkg.in/yaml.v2 v2.4.0's
 * yaml.Marshal with the result's surrounding space trimmed.  yaml.v2 is
 * libyaml's emitter ported to Go; Debian's libyaml would be the C
 * original, but the output is decided as much by yaml.v2's encoder (which
 * strings it quotes: those that would read back as a bool, a number, a
 * timestamp or null; map keys in its "natural" order; field names of
 * records lowercased; invalid UTF-8 as !!binary) as by the emitter, and
 * yaml.v2 changed the emitter (its own flow of indentation and line
 * folding at 80 columns), so the few hundred lines here port both,
 * function for function, rather than drive libyaml and patch around it.
 * Only what Marshal reaches is kept: block style, no anchors, no tags but
 * !!binary, empty collections in flow style.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"
#include "unicode.h"
#include "utf8.h"

/* yaml.v2's line width, indentation and longest simple key. */
#define YAML_WIDTH 80
#define YAML_INDENT 2
#define YAML_SIMPLE_KEY_MAX 128
/* Deepest nesting written, about (Go has none; parseJSON nests less). */
#define YAML_DEPTH_MAX 1000

enum style { PLAIN, SINGLE, DOUBLE, LITERAL };

/* The emitter's state (yaml_emitter_t's fields that Marshal uses). */
struct ye {
	struct buf *b;
	struct tmpl_arena *a;
	int column;
	int indent;
	int flow_level;
	bool whitespace, indention;
	/* the context of the node being written */
	bool sequence_ctx, mapping_ctx, simple_key_ctx;
	int depth;
	char err[TMPL_TIME_ERR_MAX];
};

/* What yaml_emitter_analyze_scalar finds in a scalar. */
struct scalar {
	const char *s;
	size_t n;
	const char *tag; /* "!!binary" or NULL */
	bool multiline, flow_plain, block_plain, single_ok, block_ok;
};

static size_t
width(unsigned char c)
{
	return (c & 0x80) == 0   ? 1
	    : (c & 0xe0) == 0xc0 ? 2
	    : (c & 0xf0) == 0xe0 ? 3
	    : (c & 0xf8) == 0xf0 ? 4
				 : 1;
}

/* Byte i + k of s, 0 past its end (Go would index a valid sequence). */
static unsigned char
at(const char *s, size_t n, size_t i)
{
	return i < n ? (unsigned char)s[i] : 0;
}

static bool
is_break(const char *s, size_t n, size_t i)
{
	unsigned char c = at(s, n, i), c1 = at(s, n, i + 1),
		      c2 = at(s, n, i + 2);

	return c == '\r' || c == '\n' || (c == 0xc2 && c1 == 0x85)
	    || (c == 0xe2 && c1 == 0x80 && (c2 == 0xa8 || c2 == 0xa9));
}

static bool
is_blank(const char *s, size_t n, size_t i)
{
	return at(s, n, i) == ' ' || at(s, n, i) == '\t';
}

/* Blank, a break, or the end. */
static bool
is_blankz(const char *s, size_t n, size_t i)
{
	return i >= n || at(s, n, i) == 0 || is_blank(s, n, i)
	    || is_break(s, n, i);
}

static bool
is_printable(const char *s, size_t n, size_t i)
{
	unsigned char c = at(s, n, i), c1 = at(s, n, i + 1),
		      c2 = at(s, n, i + 2);

	return c == 0x0a || (c >= 0x20 && c <= 0x7e)
	    || (c == 0xc2 && c1 >= 0xa0) || (c > 0xc2 && c < 0xed)
	    || (c == 0xed && c1 < 0xa0) || c == 0xee
	    || (c == 0xef && !(c1 == 0xbb && c2 == 0xbf)
		&& !(c1 == 0xbf && (c2 == 0xbe || c2 == 0xbf)));
}

static void
analyze(struct scalar *sc)
{
	const char *v = sc->s;
	size_t n = sc->n, i, w;
	bool block_ind = false, flow_ind = false, line_breaks = false,
	     special = false, leading_space = false, leading_break = false,
	     trailing_space = false, trailing_break = false,
	     break_space = false, space_break = false, preceded_ws = true,
	     followed_ws, prev_space = false, prev_break = false;

	if (n == 0) {
		sc->multiline = false;
		sc->flow_plain = false;
		sc->block_plain = true;
		sc->single_ok = true;
		sc->block_ok = false;
		return;
	}
	if (n >= 3 && (memcmp(v, "---", 3) == 0 || memcmp(v, "...", 3) == 0))
		block_ind = flow_ind = true;
	for (i = 0; i < n; i += w) {
		w = width((unsigned char)v[i]);
		followed_ws = i + w >= n || is_blank(v, n, i + w);
		if (i == 0) {
			switch (v[i]) {
			case '#':
			case ',':
			case '[':
			case ']':
			case '{':
			case '}':
			case '&':
			case '*':
			case '!':
			case '|':
			case '>':
			case '\'':
			case '"':
			case '%':
			case '@':
			case '`':
				flow_ind = block_ind = true;
				break;
			case '?':
			case ':':
				flow_ind = true;
				if (followed_ws)
					block_ind = true;
				break;
			case '-':
				if (followed_ws)
					flow_ind = block_ind = true;
				break;
			}
		} else {
			switch (v[i]) {
			case ',':
			case '?':
			case '[':
			case ']':
			case '{':
			case '}':
				flow_ind = true;
				break;
			case ':':
				flow_ind = true;
				if (followed_ws)
					block_ind = true;
				break;
			case '#':
				if (preceded_ws)
					flow_ind = block_ind = true;
				break;
			}
		}
		/* The emitter is in unicode mode: only unprintables count. */
		if (!is_printable(v, n, i))
			special = true;
		if (v[i] == ' ') {
			if (i == 0)
				leading_space = true;
			if (i + w == n)
				trailing_space = true;
			if (prev_break)
				break_space = true;
			prev_space = true;
			prev_break = false;
		} else if (is_break(v, n, i)) {
			line_breaks = true;
			if (i == 0)
				leading_break = true;
			if (i + w == n)
				trailing_break = true;
			if (prev_space)
				space_break = true;
			prev_space = false;
			prev_break = true;
		} else {
			prev_space = false;
			prev_break = false;
		}
		preceded_ws = is_blankz(v, n, i);
	}
	sc->multiline = line_breaks;
	sc->flow_plain = sc->block_plain = sc->single_ok = sc->block_ok = true;
	if (leading_space || leading_break || trailing_space || trailing_break)
		sc->flow_plain = sc->block_plain = false;
	if (trailing_space)
		sc->block_ok = false;
	if (break_space)
		sc->flow_plain = sc->block_plain = sc->single_ok = false;
	if (space_break || special)
		sc->flow_plain = sc->block_plain = sc->single_ok = sc->block_ok
		    = false;
	if (line_breaks)
		sc->flow_plain = sc->block_plain = false;
	if (flow_ind)
		sc->flow_plain = false;
	if (block_ind)
		sc->block_plain = false;
}

/* The writers: every character counts one column, as in the emitter. */
static void
put(struct ye *e, char c)
{
	buf_addc(e->b, c);
	e->column++;
}

static void
put_break(struct ye *e)
{
	buf_addc(e->b, '\n');
	e->column = 0;
}

/* Writes the character at s[*i] and moves past it. */
static void
write1(struct ye *e, const char *s, size_t n, size_t *i)
{
	size_t w = width((unsigned char)s[*i]);

	if (*i + w > n)
		w = n - *i;
	buf_add(e->b, s + *i, w);
	e->column++;
	*i += w;
}

static void
write_str(struct ye *e, const char *s)
{
	size_t i = 0, n = strlen(s);

	while (i < n)
		write1(e, s, n, &i);
}

static void
write_break(struct ye *e, const char *s, size_t n, size_t *i)
{
	if (s[*i] == '\n') {
		put_break(e);
		(*i)++;
	} else {
		write1(e, s, n, i);
		e->column = 0;
	}
}

static void
write_indent(struct ye *e)
{
	int indent = e->indent < 0 ? 0 : e->indent;

	if (!e->indention || e->column > indent
	    || (e->column == indent && !e->whitespace))
		put_break(e);
	while (e->column < indent)
		put(e, ' ');
	e->whitespace = true;
	e->indention = true;
}

static void
write_indicator(struct ye *e, const char *ind, bool need_ws, bool is_ws,
    bool is_indention)
{
	if (need_ws && !e->whitespace)
		put(e, ' ');
	write_str(e, ind);
	e->whitespace = is_ws;
	e->indention = e->indention && is_indention;
}

/* Returns the indent to restore (the emitter's indents stack). */
static int
increase_indent(struct ye *e, bool flow, bool indentless)
{
	int old = e->indent;

	if (e->indent < 0)
		e->indent = flow ? YAML_INDENT : 0;
	else if (!indentless)
		e->indent += YAML_INDENT;
	return old;
}

static void
write_plain(struct ye *e, const char *v, size_t n, bool allow_breaks)
{
	bool spaces = false, breaks = false;
	size_t i = 0;

	if (!e->whitespace)
		put(e, ' ');
	while (i < n) {
		if (v[i] == ' ') {
			if (allow_breaks && !spaces && e->column > YAML_WIDTH
			    && at(v, n, i + 1) != ' ') {
				write_indent(e);
				i++;
			} else
				write1(e, v, n, &i);
			spaces = true;
		} else if (is_break(v, n, i)) {
			if (!breaks && v[i] == '\n')
				put_break(e);
			write_break(e, v, n, &i);
			e->indention = true;
			breaks = true;
		} else {
			if (breaks)
				write_indent(e);
			write1(e, v, n, &i);
			e->indention = false;
			spaces = breaks = false;
		}
	}
	e->whitespace = false;
	e->indention = false;
}

static void
write_single(struct ye *e, const char *v, size_t n, bool allow_breaks)
{
	bool spaces = false, breaks = false;
	size_t i = 0;

	write_indicator(e, "'", true, false, false);
	while (i < n) {
		if (v[i] == ' ') {
			if (allow_breaks && !spaces && e->column > YAML_WIDTH
			    && i > 0 && i < n - 1 && at(v, n, i + 1) != ' ') {
				write_indent(e);
				i++;
			} else
				write1(e, v, n, &i);
			spaces = true;
		} else if (is_break(v, n, i)) {
			if (!breaks && v[i] == '\n')
				put_break(e);
			write_break(e, v, n, &i);
			e->indention = true;
			breaks = true;
		} else {
			if (breaks)
				write_indent(e);
			if (v[i] == '\'')
				put(e, '\'');
			write1(e, v, n, &i);
			e->indention = false;
			spaces = breaks = false;
		}
	}
	write_indicator(e, "'", false, false, false);
	e->whitespace = false;
	e->indention = false;
}

static void
write_double(struct ye *e, const char *v, size_t n, bool allow_breaks)
{
	/* yaml.v2's is_bom looks at the start of the value at every
	 * position: a value that starts with a BOM is escaped whole. */
	bool spaces = false, bom = n >= 3 && memcmp(v, "\xef\xbb\xbf", 3) == 0;
	size_t i = 0, w;
	int32_t r;
	int k;

	write_indicator(e, "\"", true, false, false);
	while (i < n) {
		if (!is_printable(v, n, i) || bom || is_break(v, n, i)
		    || v[i] == '"' || v[i] == '\\') {
			r = utf8_decode(v + i, n - i, &w);
			i += w;
			put(e, '\\');
			switch (r) {
			case 0x00:
				put(e, '0');
				break;
			case 0x07:
				put(e, 'a');
				break;
			case 0x08:
				put(e, 'b');
				break;
			case 0x09:
				put(e, 't');
				break;
			case 0x0a:
				put(e, 'n');
				break;
			case 0x0b:
				put(e, 'v');
				break;
			case 0x0c:
				put(e, 'f');
				break;
			case 0x0d:
				put(e, 'r');
				break;
			case 0x1b:
				put(e, 'e');
				break;
			case 0x22:
				put(e, '"');
				break;
			case 0x5c:
				put(e, '\\');
				break;
			case 0x85:
				put(e, 'N');
				break;
			case 0xa0:
				put(e, '_');
				break;
			case 0x2028:
				put(e, 'L');
				break;
			case 0x2029:
				put(e, 'P');
				break;
			default:
				k = r <= 0xff ? 2 : r <= 0xffff ? 4 : 8;
				put(e, k == 2 ? 'x' : k == 4 ? 'u' : 'U');
				for (k = (k - 1) * 4; k >= 0; k -= 4)
					put(e,
					    "0123456789ABCDEF"[(r >> k) & 0xf]);
			}
			spaces = false;
		} else if (v[i] == ' ') {
			if (allow_breaks && !spaces && e->column > YAML_WIDTH
			    && i > 0 && i < n - 1) {
				write_indent(e);
				if (at(v, n, i + 1) == ' ')
					put(e, '\\');
				i++;
			} else
				write1(e, v, n, &i);
			spaces = true;
		} else {
			write1(e, v, n, &i);
			spaces = false;
		}
	}
	write_indicator(e, "\"", false, false, false);
	e->whitespace = false;
	e->indention = false;
}

static void
write_literal(struct ye *e, const char *v, size_t n)
{
	bool breaks = true;
	size_t i, last;

	write_indicator(e, "|", true, false, false);
	/* Block hints: an indentation indicator before leading space, and
	 * the chomping of trailing breaks. */
	if (n > 0 && (v[0] == ' ' || is_break(v, n, 0))) {
		char hint[2] = { (char)('0' + YAML_INDENT), '\0' };

		write_indicator(e, hint, false, false, false);
	}
	last = n - 1;
	while (last > 0 && ((unsigned char)v[last] & 0xc0) == 0x80)
		last--;
	if (!is_break(v, n, last))
		write_indicator(e, "-", false, false, false);
	else if (last == 0)
		write_indicator(e, "+", false, false, false);
	else {
		i = last - 1;
		while (i > 0 && ((unsigned char)v[i] & 0xc0) == 0x80)
			i--;
		if (is_break(v, n, i))
			write_indicator(e, "+", false, false, false);
	}
	put_break(e);
	e->indention = true;
	e->whitespace = true;
	for (i = 0; i < n;) {
		if (is_break(v, n, i)) {
			write_break(e, v, n, &i);
			e->indention = true;
			breaks = true;
		} else {
			if (breaks)
				write_indent(e);
			write1(e, v, n, &i);
			e->indention = false;
			breaks = false;
		}
	}
}

/* yaml_emitter_emit_scalar with the style asked for. */
static void
emit_scalar(struct ye *e, struct scalar *sc, int style)
{
	int old;

	analyze(sc);
	if (e->simple_key_ctx && sc->multiline)
		style = DOUBLE;
	if (style == PLAIN) {
		if ((e->flow_level > 0 && !sc->flow_plain)
		    || (e->flow_level == 0 && !sc->block_plain))
			style = SINGLE;
		if (sc->n == 0 && (e->flow_level > 0 || e->simple_key_ctx))
			style = SINGLE;
	}
	if (style == SINGLE && !sc->single_ok)
		style = DOUBLE;
	if (style == LITERAL
	    && (!sc->block_ok || e->flow_level > 0 || e->simple_key_ctx))
		style = DOUBLE;
	if (sc->tag != NULL) {
		/* write_tag_handle "!!", then the suffix. */
		if (!e->whitespace)
			put(e, ' ');
		write_str(e, sc->tag);
		e->whitespace = false;
		e->indention = false;
	}
	old = increase_indent(e, true, false);
	switch (style) {
	case PLAIN:
		write_plain(e, sc->s, sc->n, !e->simple_key_ctx);
		break;
	case SINGLE:
		write_single(e, sc->s, sc->n, !e->simple_key_ctx);
		break;
	case DOUBLE:
		write_double(e, sc->s, sc->n, !e->simple_key_ctx);
		break;
	default:
		write_literal(e, sc->s, sc->n);
	}
	e->indent = old;
}

/* strconv.ParseFloat succeeds (a finite result, or an exact infinity). */
static bool
parses_float(const char *s, size_t n)
{
	char *tmp, *end;
	bool ok;
	double d;

	if (n == 0)
		return false;
	tmp = malloc(n + 1);
	if (tmp == NULL)
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	d = strtod(tmp, &end);
	/* Go's syntax is strtod's but hex, inf and nan, which the callers
	 * have ruled out; an overflow is ParseFloat's ErrRange. */
	ok = *end == '\0' && !isinf(d);
	free(tmp);
	return ok;
}

/* strconv.ParseInt(s, 0, 64) or ParseUint(s, 0, 64) succeeds. */
static bool
parses_int(const char *s, size_t n)
{
	size_t i = 0;
	uint64_t x = 0, lim;
	int base = 10, d;
	bool neg = false, sign = false;

	if (i < n && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		sign = true;
		i++;
	}
	if (i == n)
		return false;
	if (s[i] == '0' && i + 1 < n) {
		char p = (char)(s[i + 1] | 0x20);

		if (p == 'x' || p == 'b' || p == 'o') {
			base = p == 'x' ? 16 : p == 'b' ? 2 : 8;
			i += 2;
			if (i == n)
				return false;
		} else {
			base = 8;
			i++;
		}
	}
	for (; i < n; i++) {
		char c = s[i];

		d = c >= '0' && c <= '9' ? c - '0'
		    : (c | 0x20) >= 'a' && (c | 0x20) <= 'f'
		    ? (c | 0x20) - 'a' + 10
		    : 99;
		if (d >= base)
			return false;
		if (x > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		x = x * (uint64_t)base + (uint64_t)d;
	}
	/* ParseInt's range, or ParseUint's without a sign. */
	lim = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
	return x <= lim || !sign;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool
yaml_style_float(const char *s, size_t n)
{
	size_t i = 0, st;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < n && s[i] == '.') {
		st = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == st)
			return false;
	} else {
		st = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == st)
			return false;
		if (i < n && s[i] == '.')
			for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
				;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		st = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == st)
			return false;
	}
	return i == n;
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static bool
is_base60_float(const char *s, size_t n)
{
	size_t i = 0, st;
	int groups = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (!(i < n && s[i] >= '0' && s[i] <= '9'))
		return false;
	while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
		i++;
	while (i < n && s[i] == ':') {
		i++;
		st = i;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - st < 2)
			i++;
		/* [0-5]?[0-9]: one digit, or two with the first under 6 */
		if (i == st || (i - st == 2 && s[st] > '5'))
			return false;
		groups++;
	}
	if (groups == 0)
		return false;
	if (i < n && s[i] == '.')
		for (i++;
		     i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_');
		     i++)
			;
	return i == n;
}

static void
utc_zone(int64_t sec, int32_t *off, char zone[TMPL_TIME_ZONE_MAX])
{
	(void)sec;
	*off = 0;
	snprintf(zone, TMPL_TIME_ZONE_MAX, "UTC");
}

/* yaml.v2's parseTimestamp: YYYY- then one of its four layouts. */
static bool
is_timestamp(const char *s, size_t n)
{
	static const char *const layouts[] = {
		"2006-1-2T15:4:5.999999999Z07:00",
		"2006-1-2t15:4:5.999999999Z07:00",
		"2006-1-2 15:4:5.999999999",
		"2006-1-2",
	};
	char err[TMPL_TIME_ERR_MAX];
	struct tmpl_time t;
	size_t i, k;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i != 4 || i == n || s[i] != '-')
		return false;
	for (k = 0; k < sizeof(layouts) / sizeof(layouts[0]); k++)
		if (tmpl_time_parse(layouts[k], strlen(layouts[k]), s, n,
			utc_zone, &t, err, sizeof(err))
		    == 0)
			return true;
	return false;
}

/* yaml.v2's resolve(""): would s, written plain, read back as a string? */
static bool
resolves_to_str(const char *s, size_t n)
{
	static const char *const words[] = { "y", "Y", "yes", "Yes", "YES",
		"true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No",
		"NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~",
		"null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf",
		".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF" };
	char *plain;
	size_t i, k;
	char c = n > 0 ? s[0] : 'N';
	bool str;

	/* Only a string starting with a sign, a digit, '.', a letter of
	 * the words or '~' (and "") can resolve to another type: yaml.v2
	 * looks up its table of words ("<<" among them) only for those. */
	if (n == 0 || strchr("+-0123456789yYnNtTfFoO~.", c) == NULL)
		return n != 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && memcmp(words[i], s, n) == 0)
			return false;
	if (c == '.')
		return !parses_float(s, n);
	if (!(c == '+' || c == '-' || (c >= '0' && c <= '9')))
		return true;
	if (is_timestamp(s, n))
		return false;
	/* Underscores removed, then an int, a uint, a float, 0b. */
	plain = malloc(n);
	if (plain == NULL)
		return true;
	for (i = k = 0; i < n; i++)
		if (s[i] != '_')
			plain[k++] = s[i];
	str = !parses_int(plain, k)
	    && !(yaml_style_float(plain, k) && parses_float(plain, k));
	free(plain);
	return str;
}

/* yaml.v2's encodeBase64: standard base64, lines of 70 when longer. */
static void
base64_lines(struct buf *b, const char *s, size_t n)
{
	struct buf t;
	size_t i, len;

	buf_init(&t, SIZE_MAX);
	tmpl_codec_base64_encode(&t, s, n, false);
	len = t.len;
	for (i = 0; i < len; i += 70) {
		buf_add(b, t.data + i, len - i < 70 ? len - i : 70);
		if (len / 70 + 1 > 1)
			buf_addc(b, '\n');
	}
	buf_clear(&t);
}

/* The encoder's stringv: the style from what the string would read as. */
static void
emit_string(struct ye *e, const char *s, size_t n)
{
	struct scalar sc = { 0 };
	struct buf b;
	int style;

	buf_init(&b, SIZE_MAX);
	sc.s = s;
	sc.n = n;
	if (!utf8_valid(s, n)) {
		sc.tag = "!!binary";
		base64_lines(&b, s, n);
		sc.s = b.data != NULL ? b.data : "";
		sc.n = b.len;
		style = memchr(sc.s, '\n', sc.n) != NULL ? LITERAL : PLAIN;
	} else if (memchr(s, '\n', n) != NULL)
		style = LITERAL;
	else if (resolves_to_str(s, n) && !is_base60_float(s, n))
		style = PLAIN;
	else
		style = DOUBLE;
	emit_scalar(e, &sc, style);
	buf_clear(&b);
}

static void
emit_plain(struct ye *e, const char *s, size_t n)
{
	struct scalar sc = { 0 };

	sc.s = s;
	sc.n = n;
	emit_scalar(e, &sc, PLAIN);
}

static int emit_node(struct ye *e, const struct tmpl_value *v, bool sequence,
    bool mapping, bool simple_key);

/* An empty sequence or mapping: "[]" or "{}" in flow style. */
static void
emit_empty(struct ye *e, const char *open, const char *close)
{
	int old;

	write_indicator(e, open, true, true, false);
	old = increase_indent(e, true, false);
	e->indent = old;
	write_indicator(e, close, false, false, false);
}

/* yaml.v2's keyList.Less for string keys: runs of digits by value. */
static bool
key_less(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0, wa, wb, ai, bi;
	int32_t ra, rb;

	while (i < an && j < bn) {
		ra = utf8_decode(a + i, an - i, &wa);
		rb = utf8_decode(b + j, bn - j, &wb);
		if (ra == rb) {
			i += wa;
			j += wb;
			continue;
		}
		bool al = unicode_is_letter(ra), bl = unicode_is_letter(rb);
		int64_t x = 0, y = 0;

		if (al && bl)
			return ra < rb;
		if (al || bl)
			return bl;
		/* Digits before, all zeros, make a leading zero count. */
		if (ra == '0' || rb == '0') {
			size_t k = i;

			while (k > 0 && a[k - 1] >= '0' && a[k - 1] <= '9') {
				if (a[k - 1] != '0') {
					x = y = 1;
					break;
				}
				k--;
			}
		}
		for (ai = i; ai < an && a[ai] >= '0' && a[ai] <= '9'; ai++)
			x = x * 10 + (a[ai] - '0');
		for (bi = j; bi < bn && b[bi] >= '0' && b[bi] <= '9'; bi++)
			y = y * 10 + (b[bi] - '0');
		if (x != y)
			return x < y;
		if (ai - i != bi - j)
			return ai - i < bi - j;
		return ra < rb;
	}
	return an - i < bn - j;
}

struct kv {
	const struct tmpl_value *k, *v;
	char *name; /* a record field's lowercased name, or NULL */
};

static int
cmp_keys(const void *pa, const void *pb)
{
	const struct kv *a = pa, *b = pb;
	const char *as, *bs;
	size_t an, bn;

	if (a->k->kind != TV_STR || b->k->kind != TV_STR) {
		/* Numbers before strings, by value (ints are all ints). */
		if (a->k->kind == TV_INT && b->k->kind == TV_INT)
			return a->k->u.i < b->k->u.i ? -1
						     : a->k->u.i > b->k->u.i;
		return a->k->kind == TV_INT ? -1 : 1;
	}
	as = a->k->u.s;
	an = a->k->len;
	bs = b->k->u.s;
	bn = b->k->len;
	return key_less(as, an, bs, bn) ? -1 : key_less(bs, bn, as, an) ? 1 : 0;
}

/* One key of a block mapping, then its value. */
static int
emit_pair(struct ye *e, const struct tmpl_value *k, const struct tmpl_value *v)
{
	struct scalar sc = { 0 };
	bool simple = true;
	size_t len;
	struct buf b;

	write_indent(e);
	/* check_simple_key: a one-line scalar of at most 128 bytes, its
	 * tag's included. */
	if (k->kind == TV_STR) {
		buf_init(&b, SIZE_MAX);
		sc.s = k->u.s;
		sc.n = len = k->len;
		if (!utf8_valid(k->u.s, k->len)) {
			base64_lines(&b, k->u.s, k->len);
			sc.s = b.data != NULL ? b.data : "";
			sc.n = b.len;
			len = b.len + strlen("!!binary");
		}
		analyze(&sc);
		simple = !sc.multiline && len <= YAML_SIMPLE_KEY_MAX;
		buf_clear(&b);
	}
	if (simple) {
		if (emit_node(e, k, false, true, true) == -1)
			return -1;
		write_indicator(e, ":", false, false, false);
	} else {
		write_indicator(e, "?", true, false, true);
		if (emit_node(e, k, false, true, false) == -1)
			return -1;
		write_indent(e);
		write_indicator(e, ":", true, false, true);
	}
	return emit_node(e, v, false, true, false);
}

static int
emit_mapping(struct ye *e, struct kv *kv, size_t n)
{
	struct tmpl_value key;
	int old;
	size_t i;

	if (n == 0) {
		emit_empty(e, "{", "}");
		return 0;
	}
	old = increase_indent(e, false, false);
	for (i = 0; i < n; i++) {
		if (kv[i].name != NULL) {
			key = tmpl_value_cstr(kv[i].name);
			kv[i].k = &key;
		}
		if (emit_pair(e, kv[i].k, kv[i].v) == -1)
			return -1;
	}
	e->indent = old;
	return 0;
}

static int
emit_record(struct ye *e, const struct tmpl_value *v)
{
	const char *const *f = tmpl_record_fields(v->rtype);
	struct tmpl_value *vals;
	struct kv *kv;
	size_t n, i, k;
	int rc;

	for (n = 0; f[n] != NULL; n++)
		;
	kv = tmpl_arena_calloc(e->a, n + 1, sizeof(*kv));
	vals = tmpl_arena_calloc(e->a, n + 1, sizeof(*vals));
	for (i = 0; i < n; i++) {
		/* yaml.v2 names an untagged field by its name, lowercased. */
		kv[i].name = tmpl_arena_strndup(e->a, f[i], strlen(f[i]));
		for (k = 0; kv[i].name[k] != '\0'; k++)
			if (kv[i].name[k] >= 'A' && kv[i].name[k] <= 'Z')
				kv[i].name[k] = (char)(kv[i].name[k] | 0x20);
		if (tmpl_record_field(e->a, v, f[i], &vals[i]) == -1)
			vals[i] = tmpl_value_nil();
		kv[i].v = &vals[i];
	}
	rc = emit_mapping(e, kv, n);
	return rc;
}

static int
emit_node(struct ye *e, const struct tmpl_value *v, bool sequence, bool mapping,
    bool simple_key)
{
	struct buf b;
	struct kv *kv;
	size_t i;
	int old, rc = 0;

	if (++e->depth > YAML_DEPTH_MAX) {
		snprintf(e->err, sizeof(e->err), "nesting deeper than %d",
		    YAML_DEPTH_MAX);
		return -1;
	}
	e->sequence_ctx = sequence;
	e->mapping_ctx = mapping;
	e->simple_key_ctx = simple_key;
	buf_init(&b, SIZE_MAX);
	switch (v->kind) {
	case TV_MISSING:
	case TV_NIL:
		emit_plain(e, "null", 4);
		break;
	case TV_BOOL:
		emit_plain(e, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
		break;
	case TV_INT:
		if (v->isuint)
			buf_addf(&b, "%llu", (unsigned long long)v->u.i);
		else
			buf_addf(&b, "%lld", (long long)v->u.i);
		emit_plain(e, b.data, b.len);
		break;
	case TV_FLOAT:
		if (isinf(v->u.f))
			buf_addstr(&b, v->u.f > 0 ? ".inf" : "-.inf");
		else if (isnan(v->u.f))
			buf_addstr(&b, ".nan");
		else
			tmpl_value_fmt_float(&b, v->u.f, 'g', -1);
		emit_plain(e, b.data, b.len);
		break;
	case TV_STR:
		emit_string(e, v->u.s, v->len);
		break;
	case TV_TIME: /* RFC 3339 with nanoseconds, plain */
		tmpl_time_format(&b, "2006-01-02T15:04:05.999999999Z07:00", 35,
		    v->u.time);
		emit_plain(e, b.data, b.len);
		break;
	case TV_SEMVER: /* its MarshalText, a string */
		if (v->u.semver == NULL) {
			emit_plain(e, "null", 4);
			break;
		}
		tmpl_semver_string(&b, v->u.semver);
		emit_string(e, b.data, b.len);
		break;
	case TV_LIST:
		if (v->elem == ELEM_CHAN) {
			snprintf(e->err, sizeof(e->err),
			    "cannot marshal type: <-chan int64");
			rc = -1;
			break;
		}
		if (v->len == 0) {
			emit_empty(e, "[", "]");
			break;
		}
		old = increase_indent(e, false,
		    e->mapping_ctx && !e->indention);
		for (i = 0; i < v->len && rc == 0; i++) {
			write_indent(e);
			write_indicator(e, "-", true, false, true);
			rc = emit_node(e, &v->u.list[i], true, false, false);
		}
		e->indent = old;
		break;
	case TV_MAP:
		i = v->u.map != NULL ? v->u.map->n : 0;
		kv = tmpl_arena_calloc(e->a, i + 1, sizeof(*kv));
		for (i = 0; v->u.map != NULL && i < v->u.map->n; i++) {
			kv[i].k = &v->u.map->keys[i];
			kv[i].v = &v->u.map->vals[i];
		}
		qsort(kv, i, sizeof(*kv), cmp_keys);
		rc = emit_mapping(e, kv, i);
		break;
	case TV_REC:
		if (v->u.rec == NULL)
			emit_plain(e, "null", 4);
		else
			rc = emit_record(e, v);
		break;
	case TV_SCRATCH: /* a struct of unexported fields */
		emit_empty(e, "{", "}");
		break;
	}
	buf_clear(&b);
	e->depth--;
	return rc;
}

/* toYAML VALUE */
static int
fn_to_yaml(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct buf b;
	struct ye e;
	const char *out;
	size_t outlen;

	(void)n;
	memset(&e, 0, sizeof(e));
	buf_init(&b, SIZE_MAX);
	e.b = &b;
	e.a = x->a;
	e.indent = -1;
	e.whitespace = e.indention = true;
	if (emit_node(&e, &a[0], false, false, false) == -1) {
		buf_clear(&b);
		return tmpl_exec_errorf(x, "%s", e.err);
	}
	/* The document's end, then strings.TrimSpace. */
	write_indent(&e);
	out = b.data != NULL ? b.data : "";
	outlen = b.len;
	tmpl_helper_trim_span(&out, &outlen);
	*r = tmpl_value_strndup(x->a, out, outlen);
	buf_clear(&b);
	return 0;
}

const struct tmpl_func tmpl_yaml_funcs[] = {
	{ "toYAML", fn_to_yaml, 1, 1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
