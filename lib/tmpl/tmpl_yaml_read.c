/* SPDX-License-Identifier: MIT */
/*
 * parseYAML: yaml.v2's Unmarshal into interface{}, for a subset of YAML
 * that configuration stored in Consul keys uses: block mappings and
 * sequences by indentation, flow [..] and {..} on one line, plain,
 * single- and double-quoted scalars, comments, a leading "---".  Plain
 * scalars resolve as yaml.v2 (YAML 1.1) resolves them: null and ~, the
 * booleans yes/no/on/off/y/n/true/false, Go's base-0 integers, floats,
 * .inf and .nan; timestamps stay strings, as yaml.v2 leaves them in an
 * interface{}.  Anchors, aliases, tags, merge keys, block scalars (| >)
 * and multi-line flow collections are refused with an error naming them.
 * Mappings become the engine's maps (string or integer keys, the last of
 * two equal keys kept).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

/* Nesting of collections parseYAML follows (the value printers recurse). */
#define YAML_READ_DEPTH_MAX 200

struct yline {
	const char *p; /* the text after the indentation, comments cut */
	size_t len;
	size_t indent;
	size_t no; /* 1-based line number */
};

struct yread {
	struct tmpl_exec *x;
	struct yline *lines; /* in the arena */
	size_t n, cur;
	size_t depth;
	char err[TMPL_ERR_MAX];
};

static int
yfail(struct yread *r, size_t no, const char *what)
{
	if (r->err[0] == '\0')
		snprintf(r->err, sizeof(r->err), "yaml: line %zu: %s", no,
		    what);
	return -1;
}

/*
 * Where a comment starts in p (len bytes), or len: a '#' at the start or
 * after a blank, outside quotes.
 */
static size_t
comment_at(const char *p, size_t len)
{
	char q = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (q != 0) {
			if (p[i] == '\\' && q == '"' && i + 1 < len)
				i++;
			else if (p[i] == q)
				q = 0;
		} else if ((p[i] == '"' || p[i] == '\'')
		    && (i == 0 || strchr(" \t[{,:", p[i - 1]) != NULL))
			q = p[i];
		else if (p[i] == '#'
		    && (i == 0 || p[i - 1] == ' ' || p[i - 1] == '\t'))
			return i;
	}
	return len;
}

static int
split_lines(struct yread *r, const char *s, size_t n)
{
	const char *e, *end = s + n;
	size_t cap = 0, no = 0, ind, len;

	for (e = s; e < end; e++)
		if (*e == '\n')
			cap++;
	r->lines = tmpl_arena_alloc(r->x->a, (cap + 1) * sizeof(*r->lines));
	while (s < end) {
		e = memchr(s, '\n', (size_t)(end - s));
		len = e != NULL ? (size_t)(e - s) : (size_t)(end - s);
		no++;
		for (ind = 0; ind < len && s[ind] == ' '; ind++)
			;
		if (ind < len && s[ind] == '\t')
			return yfail(r, no,
			    "found character that cannot start any token");
		len = ind + comment_at(s + ind, len - ind);
		while (len > ind && strchr(" \t\r", s[len - 1]) != NULL)
			len--;
		if (len > ind
		    && !(no == 1 && len - ind == 3
			&& memcmp(s + ind, "---", 3) == 0)) {
			if (len - ind == 3 && memcmp(s + ind, "...", 3) == 0)
				break;
			if (len - ind >= 3 && memcmp(s + ind, "---", 3) == 0
			    && (len - ind == 3 || s[ind + 3] == ' '))
				return yfail(r, no,
				    "more than one document (---) is not "
				    "supported");
			r->lines[r->n++]
			    = (struct yline) { s + ind, len - ind, ind, no };
		}
		s = e != NULL ? e + 1 : end;
	}
	return 0;
}

static bool
is_item(const struct yline *l)
{
	return l->p[0] == '-' && (l->len == 1 || l->p[1] == ' ');
}

/* Where the ": " (or final ':') of a mapping key is in p, or -1. */
static long
key_colon(const char *p, size_t len)
{
	char q = 0;
	size_t i;

	if (len > 0 && (p[0] == '"' || p[0] == '\'')) {
		q = p[0];
		for (i = 1; i < len; i++) {
			if (q == '"' && p[i] == '\\')
				i++;
			else if (p[i] == q) {
				if (q == '\'' && i + 1 < len
				    && p[i + 1] == '\'') {
					i++;
					continue;
				}
				break;
			}
		}
		if (i + 1 < len && p[i + 1] == ':'
		    && (i + 2 == len || p[i + 2] == ' '))
			return (long)i + 1;
		return -1;
	}
	if (len > 0 && (p[0] == '[' || p[0] == '{'))
		return -1;
	for (i = 0; i < len; i++)
		if (p[i] == ':' && (i + 1 == len || p[i + 1] == ' '))
			return (long)i;
	return -1;
}

/* yaml.v2's resolve of a plain scalar. */
static struct tmpl_value
resolve(struct yread *r, const char *p, size_t len)
{
	static const char *const trues[] = { "y", "Y", "yes", "Yes", "YES",
		"true", "True", "TRUE", "on", "On", "ON", NULL };
	static const char *const falses[] = { "n", "N", "no", "No", "NO",
		"false", "False", "FALSE", "off", "Off", "OFF", NULL };
	char buf[128], *end;
	size_t i, k = 0;
	long long v;
	unsigned long long u;
	double f;
	int base = 10;
	const char *d;
	bool neg = false, digits = true;

	if (len == 0 || (len == 1 && p[0] == '~')
	    || (len == 4
		&& (memcmp(p, "null", 4) == 0 || memcmp(p, "Null", 4) == 0
		    || memcmp(p, "NULL", 4) == 0)))
		return tmpl_value_nil();
	for (i = 0; trues[i] != NULL; i++)
		if (strlen(trues[i]) == len && memcmp(trues[i], p, len) == 0)
			return tmpl_value_bool(true);
	for (i = 0; falses[i] != NULL; i++)
		if (strlen(falses[i]) == len && memcmp(falses[i], p, len) == 0)
			return tmpl_value_bool(false);
	if (len < sizeof(buf)) {
		/* Integers: Go's ParseInt(s without '_', 0), then ParseUint. */
		for (i = 0; i < len; i++)
			if (p[i] != '_')
				buf[k++] = p[i];
		buf[k] = '\0';
		d = buf;
		if (*d == '+' || *d == '-')
			neg = *d++ == '-';
		if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
			base = 16, d += 2;
		else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B'))
			base = 2, d += 2;
		else if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O'))
			base = 8, d += 2;
		else if (d[0] == '0' && d[1] != '\0')
			base = 8, d += 1;
		for (i = 0; d[i] != '\0'; i++)
			if (!((d[i] >= '0' && d[i] <= '9' && d[i] - '0' < base)
				|| (base == 16
				    && strchr("abcdefABCDEF", d[i]) != NULL)))
				digits = false;
		if (digits && d[0] != '\0') {
			errno = 0;
			u = strtoull(d, &end, base);
			if (errno == 0 && *end == '\0') {
				if (!neg && u <= (unsigned long long)INT64_MAX)
					return tmpl_value_int((int64_t)u);
				if (neg
				    && u <= (unsigned long long)INT64_MAX + 1) {
					v = u
						== (unsigned long long)INT64_MAX
						    + 1
					    ? INT64_MIN
					    : -(long long)u;
					return tmpl_value_int(v);
				}
				if (!neg) {
					struct tmpl_value t
					    = tmpl_value_int((int64_t)u);
					t.isuint = 1;
					return t;
				}
			}
		}
		/* yaml.v2's float syntax, then Go's ParseFloat. */
		d = buf + (buf[0] == '+' || buf[0] == '-');
		if (strcmp(d, ".inf") == 0 || strcmp(d, ".Inf") == 0
		    || strcmp(d, ".INF") == 0)
			return tmpl_value_float(
			    buf[0] == '-' ? -INFINITY : INFINITY);
		if (d == buf
		    && (strcmp(d, ".nan") == 0 || strcmp(d, ".NaN") == 0
			|| strcmp(d, ".NAN") == 0))
			return tmpl_value_float(NAN);
		k = 0;
		if (d[k] == '.' && d[k + 1] >= '0' && d[k + 1] <= '9')
			for (k++; d[k] >= '0' && d[k] <= '9'; k++)
				;
		else if (d[k] >= '0' && d[k] <= '9') {
			while (d[k] >= '0' && d[k] <= '9')
				k++;
			if (d[k] == '.')
				for (k++; d[k] >= '0' && d[k] <= '9'; k++)
					;
		} else
			k = SIZE_MAX;
		if (k != SIZE_MAX && (d[k] == 'e' || d[k] == 'E')) {
			i = k + 1 + (d[k + 1] == '+' || d[k + 1] == '-');
			if (d[i] >= '0' && d[i] <= '9') {
				for (k = i; d[k] >= '0' && d[k] <= '9'; k++)
					;
			} else
				k = SIZE_MAX;
		}
		if (k != SIZE_MAX && d[k] == '\0' && len == strlen(buf)) {
			/* Out of range: Go's ParseFloat fails, a string. */
			errno = 0;
			f = strtod(buf, &end);
			if (*end == '\0' && !(errno == ERANGE && isinf(f)))
				return tmpl_value_float(f);
		}
	}
	return tmpl_value_str(tmpl_arena_strndup(r->x->a, p, len), len);
}

/* Appends the UTF-8 of code point c to o. */
static size_t
put_utf8(char *o, unsigned long c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* A quoted scalar at p[*i]; *i ends after the closing quote. */
static int
quoted(struct yread *r, size_t no, const char *p, size_t len, size_t *i,
    struct tmpl_value *out)
{
	char q = p[*i], *o, hex[9];
	size_t k = *i + 1, n = 0, w;
	unsigned long c;

	/*
	 * Sized to the scalar, not to the line: no escape yields more bytes
	 * than it takes, so its extent is enough.
	 */
	for (w = k; w < len; w++) {
		if (q == '"' && p[w] == '\\') {
			w++;
			continue;
		}
		if (p[w] == q && !(q == '\'' && w + 1 < len && p[w + 1] == q))
			break;
		if (p[w] == q)
			w++;
	}
	o = tmpl_arena_alloc(r->x->a, w - k + 2);
	for (; k < len; k++) {
		if (p[k] == q) {
			if (q == '\'' && k + 1 < len && p[k + 1] == '\'') {
				o[n++] = '\'';
				k++;
				continue;
			}
			o[n] = '\0';
			*i = k + 1;
			*out = tmpl_value_str(o, n);
			return 0;
		}
		if (q == '"' && p[k] == '\\' && k + 1 < len) {
			k++;
			switch (p[k]) {
			case 'n':
				o[n++] = '\n';
				break;
			case 't':
				o[n++] = '\t';
				break;
			case 'r':
				o[n++] = '\r';
				break;
			case '0':
				o[n++] = '\0';
				break;
			case 'a':
				o[n++] = '\a';
				break;
			case 'b':
				o[n++] = '\b';
				break;
			case 'e':
				o[n++] = 0x1b;
				break;
			case 'f':
				o[n++] = '\f';
				break;
			case 'v':
				o[n++] = '\v';
				break;
			case ' ':
			case '"':
			case '/':
			case '\\':
				o[n++] = p[k];
				break;
			case 'x':
			case 'u':
			case 'U':
				w = p[k] == 'x' ? 2 : p[k] == 'u' ? 4 : 8;
				if (k + w >= len)
					return yfail(r, no,
					    "did not find "
					    "expected hexdecimal number");
				memcpy(hex, p + k + 1, w);
				hex[w] = '\0';
				c = strtoul(hex, NULL, 16);
				if (strspn(hex, "0123456789abcdefABCDEF") != w
				    || c > 0x10ffff)
					return yfail(r, no,
					    "did not find "
					    "expected hexdecimal number");
				n += put_utf8(o + n, c);
				k += w;
				break;
			default:
				return yfail(r, no,
				    "found unknown escape "
				    "character while parsing a quoted scalar");
			}
			continue;
		}
		o[n++] = p[k];
	}
	return yfail(r, no, "found unexpected end of stream");
}

static int
refused(struct yread *r, size_t no, char c)
{
	char what[96];

	snprintf(what, sizeof(what), "parseYAML does not support %s",
	    c == '&'                   ? "anchors (&)"
		: c == '*'             ? "aliases (*)"
		: c == '!'             ? "tags (!)"
		: c == '|' || c == '>' ? "block scalars (| and >)"
				       : "this indicator");
	return yfail(r, no, what);
}

static int flow(struct yread *r, size_t no, const char *p, size_t len,
    size_t *i, struct tmpl_value *out);

static void
skip_sp(const char *p, size_t len, size_t *i)
{
	while (*i < len && p[*i] == ' ')
		(*i)++;
}

/* Builds a map from parallel key/value arrays (the last key wins). */
static int
make_map(struct yread *r, size_t no, struct tmpl_value *k, struct tmpl_value *v,
    size_t n, struct tmpl_value *out)
{
	struct tmpl_map *m = tmpl_value_map_new(r->x->a, n);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (k[i].kind != TV_STR && k[i].kind != TV_INT)
			return yfail(r, no,
			    "parseYAML supports only string "
			    "and integer mapping keys");
		m->keys[i] = k[i];
		m->vals[i] = v[i];
	}
	tmpl_value_map_sort(m);
	for (i = 0; i < n; i++) {
		if (i + 1 < n
		    && tmpl_value_cmp_key(&m->keys[i], &m->keys[i + 1]) == 0)
			continue;
		m->keys[o] = m->keys[i];
		m->vals[o++] = m->vals[i];
	}
	m->n = o;
	*out = tmpl_value_map(m, ELEM_ANY);
	return 0;
}

/* Grows an arena array of values to hold one more. */
static struct tmpl_value *
grow(struct yread *r, struct tmpl_value *v, size_t n, size_t *cap)
{
	struct tmpl_value *nv;

	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 8;
	nv = tmpl_arena_alloc(r->x->a, *cap * sizeof(*nv));
	if (n > 0)
		memcpy(nv, v, n * sizeof(*nv));
	return nv;
}

/* One flow node at p[*i]: a collection, a quoted or a plain scalar. */
static int
flow_node(struct yread *r, size_t no, const char *p, size_t len, size_t *i,
    bool in_flow, struct tmpl_value *out)
{
	size_t s;

	skip_sp(p, len, i);
	if (*i >= len)
		return yfail(r, no, "did not find expected node content");
	if (p[*i] == '[' || p[*i] == '{')
		return flow(r, no, p, len, i, out);
	if (p[*i] == '"' || p[*i] == '\'')
		return quoted(r, no, p, len, i, out);
	if (strchr("&*!|>%@`", p[*i]) != NULL)
		return refused(r, no, p[*i]);
	if (in_flow && strchr(",]}", p[*i]) != NULL)
		return yfail(r, no, "did not find expected node content");
	s = *i;
	while (*i < len) {
		if (in_flow && strchr(",[]{}", p[*i]) != NULL)
			break;
		if (p[*i] == ':'
		    && (*i + 1 == len || p[*i + 1] == ' '
			|| (in_flow && strchr(",]}", p[*i + 1]) != NULL)))
			break;
		(*i)++;
	}
	while (*i > s && p[*i - 1] == ' ')
		(*i)--;
	if (p[s] == '<' && *i - s == 2 && p[s + 1] == '<')
		return yfail(r, no,
		    "parseYAML does not support merge keys "
		    "(<<)");
	*out = resolve(r, p + s, *i - s);
	return 0;
}

static int
flow(struct yread *r, size_t no, const char *p, size_t len, size_t *i,
    struct tmpl_value *out)
{
	char close = p[*i] == '[' ? ']' : '}';
	struct tmpl_value *keys = NULL, *vals = NULL, k;
	size_t n = 0, kcap = 0, vcap = 0;

	if (++r->depth > YAML_READ_DEPTH_MAX)
		return yfail(r, no, "exceeded max depth");
	(*i)++;
	for (;;) {
		skip_sp(p, len, i);
		if (*i >= len)
			return yfail(r, no,
			    "did not find expected ',' or "
			    "']' (a flow collection must end on its line)");
		if (p[*i] == close) {
			(*i)++;
			break;
		}
		if (close == '}') {
			if (flow_node(r, no, p, len, i, true, &k) == -1)
				return -1;
			skip_sp(p, len, i);
			keys = grow(r, keys, n, &kcap);
			vals = grow(r, vals, n, &vcap);
			keys[n] = k;
			if (*i < len && p[*i] == ':') {
				(*i)++;
				skip_sp(p, len, i);
				if (*i < len && (p[*i] == ',' || p[*i] == '}'))
					vals[n] = tmpl_value_nil();
				else if (flow_node(r, no, p, len, i, true,
					     &vals[n])
				    == -1)
					return -1;
			} else
				vals[n] = tmpl_value_nil();
			n++;
		} else {
			vals = grow(r, vals, n, &vcap);
			if (flow_node(r, no, p, len, i, true, &vals[n]) == -1)
				return -1;
			n++;
		}
		skip_sp(p, len, i);
		if (*i < len && p[*i] == ',')
			(*i)++;
		else if (*i < len && p[*i] != close)
			return yfail(r, no, "did not find expected ',' or ']'");
	}
	r->depth--;
	if (close == ']') {
		*out = tmpl_value_list(vals, n, ELEM_ANY);
		return 0;
	}
	return make_map(r, no, keys, vals, n, out);
}

/* A value on one line: flow or scalar, nothing after it. */
static int
inline_value(struct yread *r, const struct yline *l, const char *p, size_t len,
    struct tmpl_value *out)
{
	size_t i = 0;

	if (len > 0
	    && (p[0] == '[' || p[0] == '{' || p[0] == '"' || p[0] == '\'')) {
		if (flow_node(r, l->no, p, len, &i, false, out) == -1)
			return -1;
		skip_sp(p, len, &i);
		if (i < len)
			return yfail(r, l->no,
			    "did not find expected <document "
			    "start>");
		return 0;
	}
	if (key_colon(p, len) >= 0 || memmem(p, len, ": ", 2) != NULL)
		return yfail(r, l->no,
		    "mapping values are not allowed in this "
		    "context");
	return flow_node(r, l->no, p, len, &i, false, out);
}

static int block(struct yread *r, size_t indent, struct tmpl_value *out);

static int
seq(struct yread *r, size_t indent, struct tmpl_value *out)
{
	struct tmpl_value *v = NULL;
	struct yline *l;
	size_t n = 0, cap = 0, off;

	while (r->cur < r->n && r->lines[r->cur].indent == indent
	    && is_item(&r->lines[r->cur])) {
		l = &r->lines[r->cur];
		v = grow(r, v, n, &cap);
		for (off = 1; off < l->len && l->p[off] == ' '; off++)
			;
		if (off >= l->len) {
			r->cur++;
			if (r->cur < r->n && r->lines[r->cur].indent > indent) {
				if (block(r, r->lines[r->cur].indent, &v[n])
				    == -1)
					return -1;
			} else
				v[n] = tmpl_value_nil();
		} else {
			/* "- x": x is a node at its own column. */
			l->p += off;
			l->len -= off;
			l->indent += off;
			if (block(r, l->indent, &v[n]) == -1)
				return -1;
		}
		n++;
	}
	*out = tmpl_value_list(v, n, ELEM_ANY);
	return 0;
}

static int
map(struct yread *r, size_t indent, struct tmpl_value *out)
{
	struct tmpl_value *keys = NULL, *vals = NULL;
	struct yline *l;
	size_t n = 0, kcap = 0, vcap = 0, i;
	long c;

	while (r->cur < r->n && r->lines[r->cur].indent == indent
	    && !is_item(&r->lines[r->cur])) {
		l = &r->lines[r->cur];
		c = key_colon(l->p, l->len);
		if (c < 0)
			return yfail(r, l->no, "could not find expected ':'");
		keys = grow(r, keys, n, &kcap);
		vals = grow(r, vals, n, &vcap);
		i = 0;
		if (flow_node(r, l->no, l->p, (size_t)c, &i, false, &keys[n])
		    == -1)
			return -1;
		i = (size_t)c + 1;
		skip_sp(l->p, l->len, &i);
		r->cur++;
		if (i < l->len) {
			if (inline_value(r, l, l->p + i, l->len - i, &vals[n])
			    == -1)
				return -1;
		} else if (r->cur < r->n && r->lines[r->cur].indent > indent) {
			if (block(r, r->lines[r->cur].indent, &vals[n]) == -1)
				return -1;
		} else if (r->cur < r->n && r->lines[r->cur].indent == indent
		    && is_item(&r->lines[r->cur])) {
			if (seq(r, indent, &vals[n]) == -1)
				return -1;
		} else
			vals[n] = tmpl_value_nil();
		n++;
	}
	return make_map(r, r->lines[r->cur > 0 ? r->cur - 1 : 0].no, keys, vals,
	    n, out);
}

/* The node whose first line is the current one, at indent. */
static int
block(struct yread *r, size_t indent, struct tmpl_value *out)
{
	struct yline *l = &r->lines[r->cur];
	int rc;

	if (++r->depth > YAML_READ_DEPTH_MAX)
		return yfail(r, l->no, "exceeded max depth");
	if (is_item(l))
		rc = seq(r, indent, out);
	else if (key_colon(l->p, l->len) >= 0)
		rc = map(r, indent, out);
	else {
		r->cur++;
		rc = inline_value(r, l, l->p, l->len, out);
		if (rc == 0 && r->cur < r->n
		    && r->lines[r->cur].indent > indent)
			return yfail(r, r->lines[r->cur].no,
			    "parseYAML does not support multi-line plain "
			    "scalars");
	}
	r->depth--;
	return rc;
}

static int
fn_parse_yaml(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *ret)
{
	struct yread r = { .x = x };
	const char *s;
	size_t len;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	/* consul-template: "" is an empty map, not nil. */
	if (len == 0) {
		*ret = tmpl_value_map(tmpl_value_map_new(x->a, 0), ELEM_ANY);
		return 0;
	}
	if (split_lines(&r, s, len) == -1)
		return tmpl_exec_errorf(x, "%s", r.err);
	if (r.n == 0) {
		*ret = tmpl_value_nil();
		return 0;
	}
	if (block(&r, r.lines[0].indent, ret) == -1)
		return tmpl_exec_errorf(x, "%s", r.err);
	if (r.cur < r.n)
		return tmpl_exec_errorf(x,
		    "yaml: line %zu: did not find expected key",
		    r.lines[r.cur].no);
	return 0;
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_yaml_read_funcs[] = {
	{ "parseYAML", fn_parse_yaml, 1, 1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
