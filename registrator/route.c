/* SPDX-License-Identifier: MIT */
/*
 * Route: Træfik's router rule language, turned into the routes a proxy
 * can express.  derive_route.c hands it the value of a
 * traefik.http.routers.<r>.rule label; it gets back the rule in
 * disjunctive form, a list of alternatives, each a conjunction of at most
 * one host (exact, or a regex), one path (a prefix or an exact path), a
 * set of methods and a list of headers, which derive_route.c writes into
 * the service's Consul meta (route_format, the route-v1 form that
 * docs/routing.md documents) for the shipped templates to render.
 *
 * The grammar is Træfik's (vulcand/predicate on Go's expression parser):
 * calls of matchers on string literals (backquoted raw strings or
 * double-quoted Go strings), joined by && (binding tighter), || and !,
 * with parentheses; a line break after a literal or ')' ends the rule,
 * as Go's semicolon insertion does in Træfik.  Matcher names are matched
 * as Træfik registers them: as written, in lower case, in upper case, or
 * capitalised.  v2 matchers taking several values (Host(`a`, `b`)) mean
 * any of them; v3 names (Header) and v2 names (Headers, HostHeader) are
 * both read.  ! is pushed down to the matchers as Træfik does (De
 * Morgan); a negated matcher that remains is refused, since nginx cannot
 * say "any host but this one".  An alternative that can never match
 * (Host(`a`) && Host(`b`)) is dropped; a rule left with none is refused.
 *
 * Everything that reaches the output is checked against a character set
 * that nginx and haproxy configurations carry without quoting, and
 * regexes are compiled (lib/re.c, Go's syntax, which Træfik uses), so a
 * rule either translates whole or is refused with one reason.  Pure.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "re.h"
#include "registrator.h"
#include "str.h"
#include "xmalloc.h"

/* The HTTP methods a route may name, one bit each (ROUTE_METHOD_*). */
static const char *const route_methods[] = { "CONNECT", "DELETE", "GET", "HEAD",
	"OPTIONS", "PATCH", "POST", "PUT", "TRACE" };
_Static_assert(sizeof(route_methods) / sizeof(route_methods[0])
	== ROUTE_METHOD_COUNT,
    "route_methods and ROUTE_METHOD_COUNT");

enum node_kind {
	NODE_AND,
	NODE_OR,
	NODE_NOT,
	NODE_CALL,
};

enum matcher {
	M_HOST,
	M_HOST_REGEXP,
	M_PATH,
	M_PATH_PREFIX,
	M_METHOD,
	M_HEADER,
	M_UNSUPPORTED,
};

/* Matchers as Træfik spells them, v2 and v3. */
static const struct {
	const char *name;
	enum matcher m;
	int nargs; /* 0: one or more */
} matchers[] = {
	{ "Host", M_HOST, 0 },
	{ "HostHeader", M_HOST, 0 },
	{ "HostRegexp", M_HOST_REGEXP, 0 },
	{ "Path", M_PATH, 0 },
	{ "PathPrefix", M_PATH_PREFIX, 0 },
	{ "Method", M_METHOD, 0 },
	{ "Headers", M_HEADER, 2 },
	{ "Header", M_HEADER, 2 },
	{ "HeadersRegexp", M_UNSUPPORTED, 0 },
	{ "HeaderRegexp", M_UNSUPPORTED, 0 },
	{ "PathRegexp", M_UNSUPPORTED, 0 },
	{ "Query", M_UNSUPPORTED, 0 },
	{ "QueryRegexp", M_UNSUPPORTED, 0 },
	{ "ClientIP", M_UNSUPPORTED, 0 },
	{ "HostSNI", M_UNSUPPORTED, 0 },
	{ "HostSNIRegexp", M_UNSUPPORTED, 0 },
	{ "ALPN", M_UNSUPPORTED, 0 },
};

struct node {
	enum node_kind kind;
	struct node *l, *r; /* AND, OR: both; NOT: l */
	int m; /* CALL: index into matchers[] */
	char *args[ROUTE_ARGS_MAX];
	size_t nargs;
};

struct parser {
	const char *s;
	size_t pos;
	int depth;
	char *err;
	size_t errlen;
};

/* Bytes of path text that reach a proxy configuration unquoted. */
#define PATH_CHARS                   \
	"abcdefghijklmnopqrstuvwxyz" \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789/._~%!*+=:@-"
/* A regex may hold these: no space, quote, brace, ';', '#' or ','. */
#define REGEX_CHARS                  \
	"abcdefghijklmnopqrstuvwxyz" \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789.^$*+?()[]|\\_-"
#define HEADER_VALUE_CHARS PATH_CHARS
#define HEADER_NAME_MAX 64
#define HEADER_VALUE_MAX 128

/* Fills err (errlen bytes) and returns -1, for the one-line refusals. */
static int __attribute__((format(printf, 3, 4)))
refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static void
node_free(struct node *n)
{
	if (n == NULL)
		return;
	node_free(n->l);
	node_free(n->r);
	for (size_t i = 0; i < n->nargs; i++)
		free(n->args[i]);
	free(n);
}

static void
skip_space(struct parser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'
	    || p->s[p->pos] == '\n' || p->s[p->pos] == '\r')
		p->pos++;
}

/*
 * After a literal or ')', Go's scanner ends the statement at a line
 * break: Træfik then fails with "expected ')', found newline".
 */
static int
no_newline_after(struct parser *p, const char *what)
{
	size_t i = p->pos;

	while (p->s[i] == ' ' || p->s[i] == '\t' || p->s[i] == '\r')
		i++;
	if (p->s[i] == '\n') {
		(void)snprintf(p->err, p->errlen,
		    "line break after %s at byte %zu: Træfik ends the rule "
		    "there; break lines after &&, || or (",
		    what, i);
		return -1;
	}
	return 0;
}

static int
fail(struct parser *p, const char *what)
{
	if (p->s[p->pos] == '\0')
		(void)snprintf(p->err, p->errlen, "%s at the end of the rule",
		    what);
	else
		(void)snprintf(p->err, p->errlen, "%s at byte %zu", what,
		    p->pos);
	return -1;
}

/* A Go string literal: `raw` or "interpreted"; *out is owned. */
static int
parse_literal(struct parser *p, char **out)
{
	char q = p->s[p->pos], *v;
	size_t start = p->pos, n = 0;
	unsigned long x;

	if (q == '\'')
		return fail(p,
		    "single-quoted value (Go reads it as a rune: "
		    "\"illegal rune literal\"); use backquotes");
	if (q != '`' && q != '"')
		return fail(p, "expected a backquoted or double-quoted value");
	v = xmalloc(strlen(p->s + start) + 1);
	for (p->pos++;; p->pos++) {
		char ch = p->s[p->pos];

		if (ch == '\0' || (q == '"' && ch == '\n')) {
			free(v);
			p->pos = start;
			return fail(p, "unterminated string");
		}
		if (ch == q)
			break;
		if (q == '`' || ch != '\\') {
			v[n++] = ch;
			continue;
		}
		ch = p->s[++p->pos];
		if (ch == '"' || ch == '\\')
			v[n++] = ch;
		else if (ch == 'n')
			v[n++] = '\n';
		else if (ch == 't')
			v[n++] = '\t';
		else if (ch == 'x' && isxdigit((unsigned char)p->s[p->pos + 1])
		    && isxdigit((unsigned char)p->s[p->pos + 2])) {
			char hex[3]
			    = { p->s[p->pos + 1], p->s[p->pos + 2], '\0' };

			x = strtoul(hex, NULL, 16);
			v[n++] = (char)x;
			p->pos += 2;
		} else {
			free(v);
			return fail(p, "unsupported escape in a quoted value");
		}
	}
	p->pos++;
	v[n] = '\0';
	if (memchr(v, '\0', n) != NULL || strlen(v) != n) {
		free(v);
		p->pos = start;
		return fail(p, "NUL byte in a value");
	}
	*out = v;
	return 0;
}

/* Træfik registers each name as written, lower, upper and capitalised. */
static bool
name_matches(const char *canon, const char *s, size_t n)
{
	size_t len = strlen(canon);
	bool lower = true, upper = true, title = true, exact;

	if (n != len)
		return false;
	exact = strncmp(canon, s, n) == 0;
	for (size_t i = 0; i < n; i++) {
		int c = tolower((unsigned char)canon[i]);

		lower = lower && s[i] == c;
		upper = upper && s[i] == toupper(c);
		title = title && s[i] == (i == 0 ? toupper(c) : c);
	}
	return exact || lower || upper || title;
}

static struct node *parse_or(struct parser *p);

static struct node *
parse_call(struct parser *p)
{
	size_t start = p->pos, n;
	struct node *nd, *ret = NULL;

	while (isalnum((unsigned char)p->s[p->pos]) || p->s[p->pos] == '_')
		p->pos++;
	n = p->pos - start;
	if (n == 0) {
		(void)fail(p, "expected a matcher");
		return NULL;
	}
	nd = xcalloc(1, sizeof(*nd));
	nd->kind = NODE_CALL;
	nd->m = -1;
	for (size_t i = 0; i < sizeof(matchers) / sizeof(matchers[0]); i++)
		if (name_matches(matchers[i].name, p->s + start, n)) {
			nd->m = (int)i;
			break;
		}
	if (nd->m < 0) {
		(void)snprintf(p->err, p->errlen,
		    "unknown matcher \"%.*s\" at byte %zu",
		    (int)(n > 40 ? 40 : n), p->s + start, start);
		goto out;
	}
	skip_space(p);
	if (p->s[p->pos] != '(') {
		(void)fail(p, "expected '(' after the matcher");
		goto out;
	}
	p->pos++;
	for (;;) {
		skip_space(p);
		if (p->s[p->pos] == ')' && nd->nargs > 0)
			break;
		if (nd->nargs >= ROUTE_ARGS_MAX) {
			(void)fail(p, "too many values for one matcher");
			goto out;
		}
		if (parse_literal(p, &nd->args[nd->nargs]) == -1)
			goto out;
		nd->nargs++;
		if (no_newline_after(p, "a value") == -1)
			goto out;
		skip_space(p);
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] != ')') {
			(void)fail(p, "expected ',' or ')'");
			goto out;
		}
		break;
	}
	p->pos++;
	ret = nd;
	nd = NULL;
out:
	node_free(nd);
	return ret;
}

static struct node *
parse_unary(struct parser *p)
{
	struct node *nd, *inner;

	if (++p->depth > ROUTE_DEPTH_MAX) {
		(void)fail(p, "rule nested too deeply");
		return NULL;
	}
	skip_space(p);
	if (p->s[p->pos] == '!') {
		p->pos++;
		if ((inner = parse_unary(p)) == NULL)
			return NULL;
		nd = xcalloc(1, sizeof(*nd));
		nd->kind = NODE_NOT;
		nd->l = inner;
		p->depth--;
		return nd;
	}
	if (p->s[p->pos] == '(') {
		p->pos++;
		if ((nd = parse_or(p)) == NULL)
			return NULL;
		skip_space(p);
		if (p->s[p->pos] != ')') {
			(void)fail(p, "expected ')'");
			node_free(nd);
			return NULL;
		}
		p->pos++;
	} else if ((nd = parse_call(p)) == NULL)
		return NULL;
	if (no_newline_after(p, "')'") == -1) {
		node_free(nd);
		return NULL;
	}
	p->depth--;
	return nd;
}

/* One level: and = unary { "&&" unary }, or = and { "||" and }. */
static struct node *
parse_binary(struct parser *p, bool is_or)
{
	struct node *l, *r, *nd;
	const char *op = is_or ? "||" : "&&";

	l = is_or ? parse_binary(p, false) : parse_unary(p);
	if (l == NULL)
		return NULL;
	for (;;) {
		skip_space(p);
		if (strncmp(p->s + p->pos, op, 2) != 0)
			return l;
		p->pos += 2;
		r = is_or ? parse_binary(p, false) : parse_unary(p);
		if (r == NULL) {
			node_free(l);
			return NULL;
		}
		nd = xcalloc(1, sizeof(*nd));
		nd->kind = is_or ? NODE_OR : NODE_AND;
		nd->l = l;
		nd->r = r;
		l = nd;
	}
}

static struct node *
parse_or(struct parser *p)
{
	return parse_binary(p, true);
}

/* A set of alternatives, owned; at most ROUTE_ALTS_MAX. */
struct alts {
	struct route_alt *v;
	size_t n;
};

static int
alts_push(struct alts *a, const struct route_alt *x, char *err, size_t errlen)
{
	if (a->n >= ROUTE_ALTS_MAX) {
		return refuse(err, errlen,
		    "the rule expands to more than %d alternatives",
		    ROUTE_ALTS_MAX);
	}
	if (a->v == NULL)
		a->v = xcalloc(ROUTE_ALTS_MAX, sizeof(*a->v));
	a->v[a->n++] = *x;
	return 0;
}

static bool
chars_in(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

/* Go's syntax, compiled by lib/re.c, so a proxy never gets a bad one. */
static int
regex_check(const char *re, char *err, size_t errlen)
{
	char why[RE_ERR_MAX];
	struct re *r;

	if (strlen(re) > ROUTE_HOST_MAX)
		return refuse(err, errlen, "regex too long");
	if (!chars_in(re, REGEX_CHARS))
		return refuse(err, errlen,
		    "regex holds a character other than letters, "
		    "digits and . ^ $ * + ? ( ) [ ] | \\ _ -");
	/*
	 * nginx reads \\, \t, \n and \r in its files as escapes: only the
	 * escapes that mean the same to nginx, PCRE and Go pass.
	 */
	for (const char *b = strchr(re, '\\'); b != NULL;
	     b = strchr(b + 2, '\\'))
		if (b[1] == '\0' || strchr(".^$*+?()|[]-dwsDWS", b[1]) == NULL)
			return refuse(err, errlen,
			    "regex escape \\%c is not one of \\. \\^ "
			    "\\$ \\* \\+ \\? \\( \\) \\| \\[ \\] \\- "
			    "\\d \\w \\s \\D \\W \\S",
			    b[1] == '\0' ? ' ' : b[1]);
	if ((r = re_compile(re, strlen(re), 0, why, sizeof(why))) == NULL)
		return refuse(err, errlen, "bad regex: %.200s", why);
	re_free(r);
	return 0;
}

/*
 * A host name as Træfik compares it: lower case, a trailing dot dropped.
 * "*.x" (v3.7) matches one more label, so it becomes a regex; "*" alone
 * (v3.7.7) matches any host.
 */
static int
host_alt(const char *v, struct route_alt *a, char *err, size_t errlen)
{
	char h[ROUTE_HOST_MAX + 1];
	size_t n = strlen(v), o = 0;
	const char *rest;

	if (strcmp(v, "*") == 0)
		return 0;
	if (n > 0 && v[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return refuse(err, errlen,
		    "host name \"%.*s\" is empty or "
		    "too long",
		    (int)(n > 40 ? 40 : n), v);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch >= 0x80)
			return refuse(err, errlen,
			    "host name is not ASCII (Træfik refuses "
			    "it too): use its punycode form");
		if (!isalnum(ch) && ch != '-' && ch != '.' && ch != '_'
		    && !(ch == '*' && i == 0 && n > 2 && v[1] == '.'))
			return refuse(err, errlen,
			    "host name holds a character other than "
			    "letters, digits, '-', '_' and '.'");
		h[i] = (char)tolower(ch);
	}
	h[n] = '\0';
	if (h[0] != '*') {
		a->host_kind = ROUTE_HOST_EXACT;
		str_copy(a->host, h, sizeof(a->host));
		return 0;
	}
	/* "*.example.com" -> "^[^.]+\.example\.com$" */
	o = (size_t)snprintf(a->host, sizeof(a->host), "^[^.]+");
	for (rest = h + 1; *rest != '\0' && o + 3 < sizeof(a->host); rest++) {
		if (*rest == '.')
			a->host[o++] = '\\';
		a->host[o++] = *rest;
	}
	if (o + 2 > sizeof(a->host))
		return refuse(err, errlen, "host name too long");
	a->host[o++] = '$';
	a->host[o] = '\0';
	a->host_kind = ROUTE_HOST_REGEX;
	return 0;
}

/*
 * HostRegexp: v2 writes the regex inside {name:re} with the rest literal
 * ("{sub:[a-z]+}.example.com", anchored); v3 takes a plain Go regex,
 * unanchored.  A '{' followed by a name and ':' or '}' is the v2 form.
 */
static bool
is_v2_template(const char *v)
{
	for (const char *p = strchr(v, '{'); p != NULL;
	     p = strchr(p + 1, '{')) {
		size_t n = 0;

		while (isalnum((unsigned char)p[1 + n]) || p[1 + n] == '_')
			n++;
		if (n > 0 && !isdigit((unsigned char)p[1])
		    && (p[1 + n] == ':' || p[1 + n] == '}'))
			return true;
	}
	return false;
}

static int
host_regexp_alt(const char *v, struct route_alt *a, char *err, size_t errlen)
{
	char re[ROUTE_HOST_MAX * 2 + 8];
	size_t o = 0;

	if (!is_v2_template(v)) {
		if (strlen(v) >= sizeof(a->host))
			return refuse(err, errlen, "regex too long");
		str_copy(a->host, v, sizeof(a->host));
	} else {
		re[o++] = '^';
		for (const char *p = v; *p != '\0'; p++) {
			if (o + 8 >= sizeof(re))
				return refuse(err, errlen, "regex too long");
			if (*p == '{') {
				const char *colon = p + 1;
				int depth = 1;
				const char *q;

				while (isalnum((unsigned char)*colon)
				    || *colon == '_')
					colon++;
				if (*colon == '}') {
					o += (size_t)snprintf(re + o,
					    sizeof(re) - o, "[^.]+");
					p = colon;
					continue;
				}
				if (*colon != ':')
					return refuse(err, errlen,
					    "bad {name:regex} in "
					    "HostRegexp");
				for (q = colon + 1; *q != '\0'; q++) {
					if (*q == '{')
						depth++;
					if (*q == '}' && --depth == 0)
						break;
				}
				if (*q == '\0')
					return refuse(err, errlen,
					    "unterminated {name:regex} "
					    "in HostRegexp");
				if ((size_t)(q - colon - 1) + o + 4
				    >= sizeof(re))
					return refuse(err, errlen,
					    "regex too long");
				re[o++] = '(';
				memcpy(re + o, colon + 1,
				    (size_t)(q - colon - 1));
				o += (size_t)(q - colon - 1);
				re[o++] = ')';
				p = q;
				continue;
			}
			if (*p == '.')
				re[o++] = '\\';
			else if (!isalnum((unsigned char)*p) && *p != '-'
			    && *p != '_')
				return refuse(err, errlen,
				    "HostRegexp: literal text holds a "
				    "character other than letters, "
				    "digits, '-', '_' and '.'");
			re[o++] = (char)tolower((unsigned char)*p);
		}
		re[o++] = '$';
		re[o] = '\0';
		if (o >= sizeof(a->host))
			return refuse(err, errlen, "regex too long");
		str_copy(a->host, re, sizeof(a->host));
	}
	if (regex_check(a->host, err, errlen) == -1)
		return -1;
	a->host_kind = ROUTE_HOST_REGEX;
	return 0;
}

static int
path_alt(const char *v, enum route_path_kind kind, struct route_alt *a,
    char *err, size_t errlen)
{
	if (v[0] != '/')
		return refuse(err, errlen, "path does not start with '/'");
	if (strlen(v) > ROUTE_PATH_MAX)
		return refuse(err, errlen, "path longer than %d bytes",
		    ROUTE_PATH_MAX);
	if (strchr(v, '{') != NULL)
		return refuse(err, errlen,
		    "path placeholders ({name:regex}) are not "
		    "supported");
	if (!chars_in(v, PATH_CHARS))
		return refuse(err, errlen,
		    "path holds a character other than letters, "
		    "digits and / . _ ~ %% ! * + = : @ -");
	a->path_kind = kind;
	str_copy(a->path, v, sizeof(a->path));
	return 0;
}

static int
method_bit(const char *v, unsigned *bits, char *err, size_t errlen)
{
	for (size_t i = 0; i < ROUTE_METHOD_COUNT; i++)
		if (strcasecmp(v, route_methods[i]) == 0) {
			*bits |= 1u << i;
			return 0;
		}
	return refuse(err, errlen, "\"%.16s\" is not an HTTP method", v);
}

static int
header_alt(const char *name, const char *value, struct route_alt *a, char *err,
    size_t errlen)
{
	if (*name == '\0' || strlen(name) > HEADER_NAME_MAX
	    || !chars_in(name,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789-"))
		return refuse(err, errlen,
		    "header name is not letters, digits and '-'");
	if (strlen(value) > HEADER_VALUE_MAX
	    || !chars_in(value, HEADER_VALUE_CHARS))
		return refuse(err, errlen,
		    "header value is longer than %d bytes or holds a "
		    "character other than letters, digits and "
		    "/ . _ ~ %% ! * + = : @ -",
		    HEADER_VALUE_MAX);
	str_copy(a->headers[0].name, name, sizeof(a->headers[0].name));
	str_copy(a->headers[0].value, value, sizeof(a->headers[0].value));
	a->nheaders = 1;
	return 0;
}

/* The alternatives of one matcher call. */
static int
call_alts(const struct node *nd, struct alts *out, char *err, size_t errlen)
{
	const char *name = matchers[nd->m].name;
	struct route_alt a;
	char why[ROUTE_ERR_MAX];
	int ret = -1;

	for (size_t i = 0; i < nd->nargs; i++)
		if (nd->args[i][0] == '\0') {
			return refuse(err, errlen, "%s: empty value", name);
		}
	if (matchers[nd->m].nargs != 0
	    && nd->nargs != (size_t)matchers[nd->m].nargs) {
		return refuse(err, errlen, "%s takes %d values, not %zu", name,
		    matchers[nd->m].nargs, nd->nargs);
	}
	memset(&a, 0, sizeof(a));
	switch (matchers[nd->m].m) {
	case M_METHOD:
		for (size_t i = 0; i < nd->nargs; i++)
			if (method_bit(nd->args[i], &a.methods, why,
				sizeof(why))
			    == -1)
				return refuse(err, errlen, "%s: %s", name, why);
		return alts_push(out, &a, err, errlen);
	case M_HEADER:
		if (header_alt(nd->args[0], nd->args[1], &a, why, sizeof(why))
		    == -1)
			return refuse(err, errlen, "%s: %s", name, why);
		return alts_push(out, &a, err, errlen);
	case M_UNSUPPORTED:
		return refuse(err, errlen,
		    "matcher %s is not supported (docs/routing.md)", name);
	default:
		break;
	}
	/* Several values of a v2 matcher: any of them. */
	for (size_t i = 0; i < nd->nargs; i++) {
		memset(&a, 0, sizeof(a));
		switch (matchers[nd->m].m) {
		case M_HOST:
			ret = host_alt(nd->args[i], &a, why, sizeof(why));
			break;
		case M_HOST_REGEXP:
			ret = host_regexp_alt(nd->args[i], &a, why,
			    sizeof(why));
			break;
		case M_PATH:
			ret = path_alt(nd->args[i], ROUTE_PATH_EXACT, &a, why,
			    sizeof(why));
			break;
		default:
			ret = path_alt(nd->args[i], ROUTE_PATH_PREFIX, &a, why,
			    sizeof(why));
			break;
		}
		if (ret == -1)
			return refuse(err, errlen, "%s: %s", name, why);
		if (alts_push(out, &a, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/*
 * The conjunction of x and y into out: 0, 1 when it can never match, -1
 * when it cannot be expressed (err filled).
 */
static int
alt_and(const struct route_alt *x, const struct route_alt *y,
    struct route_alt *out, char *err, size_t errlen)
{
	const struct route_alt *p, *q;

	*out = *x;
	if (y->host_kind != ROUTE_HOST_ANY) {
		if (x->host_kind == ROUTE_HOST_ANY) {
			out->host_kind = y->host_kind;
			str_copy(out->host, y->host, sizeof(out->host));
		} else if (x->host_kind != y->host_kind) {
			return refuse(err, errlen,
			    "Host and HostRegexp in one alternative cannot "
			    "be expressed");
		} else if (strcmp(x->host, y->host) != 0) {
			if (x->host_kind == ROUTE_HOST_EXACT)
				return 1;
			return refuse(err, errlen,
			    "two HostRegexp in one alternative cannot be "
			    "expressed");
		}
	}
	if (y->path_kind != ROUTE_PATH_ANY && x->path_kind == ROUTE_PATH_ANY) {
		out->path_kind = y->path_kind;
		str_copy(out->path, y->path, sizeof(out->path));
	} else if (y->path_kind != ROUTE_PATH_ANY) {
		/* p: the wider condition, q: the narrower one, kept. */
		p = x;
		q = y;
		if (p->path_kind == ROUTE_PATH_EXACT
		    || (q->path_kind == ROUTE_PATH_PREFIX
			&& strlen(q->path) < strlen(p->path))) {
			p = y;
			q = x;
		}
		if (p->path_kind == ROUTE_PATH_EXACT
		    && strcmp(p->path, q->path) != 0)
			return 1;
		if (!str_has_prefix(q->path, p->path))
			return 1;
		out->path_kind = q->path_kind;
		str_copy(out->path, q->path, sizeof(out->path));
	}
	if (y->methods != 0) {
		out->methods
		    = x->methods == 0 ? y->methods : x->methods & y->methods;
		if (out->methods == 0)
			return 1;
	}
	for (size_t i = 0; i < y->nheaders; i++) {
		bool dup = false;

		for (size_t j = 0; j < out->nheaders; j++)
			dup = dup
			    || (strcasecmp(out->headers[j].name,
				    y->headers[i].name)
				    == 0
				&& strcmp(out->headers[j].value,
				       y->headers[i].value)
				    == 0);
		if (dup)
			continue;
		if (out->nheaders >= ROUTE_HEADERS_MAX) {
			return refuse(err, errlen,
			    "more than %d headers in one alternative",
			    ROUTE_HEADERS_MAX);
		}
		out->headers[out->nheaders++] = y->headers[i];
	}
	return 0;
}

/* The disjunctive form of nd, negated when neg (De Morgan). */
static int
to_alts(const struct node *nd, bool neg, struct alts *out, char *err,
    size_t errlen)
{
	struct alts l = { NULL, 0 }, r = { NULL, 0 };
	struct route_alt a;
	int ret = -1, rc;

	switch (nd->kind) {
	case NODE_NOT:
		return to_alts(nd->l, !neg, out, err, errlen);
	case NODE_CALL:
		if (neg) {
			return refuse(err, errlen,
			    "!%s cannot be expressed in nginx or haproxy "
			    "routes",
			    matchers[nd->m].name);
		}
		return call_alts(nd, out, err, errlen);
	default:
		break;
	}
	if (to_alts(nd->l, neg, &l, err, errlen) == -1
	    || to_alts(nd->r, neg, &r, err, errlen) == -1)
		goto out;
	if ((nd->kind == NODE_OR) != neg) {
		for (size_t i = 0; i < l.n; i++)
			if (alts_push(out, &l.v[i], err, errlen) == -1)
				goto out;
		for (size_t i = 0; i < r.n; i++)
			if (alts_push(out, &r.v[i], err, errlen) == -1)
				goto out;
	} else {
		for (size_t i = 0; i < l.n; i++)
			for (size_t j = 0; j < r.n; j++) {
				rc = alt_and(&l.v[i], &r.v[j], &a, err, errlen);
				if (rc == -1)
					goto out;
				if (rc == 0
				    && alts_push(out, &a, err, errlen) == -1)
					goto out;
			}
	}
	ret = 0;
out:
	free(l.v);
	free(r.v);
	return ret;
}

int
route_parse(const char *rule, struct route_rule *out, char *err, size_t errlen)
{
	struct parser p = { rule, 0, 0, err, errlen };
	struct alts alts = { NULL, 0 };
	struct node *root = NULL;
	int ret = -1;

	if (strlen(rule) > ROUTE_RULE_MAX) {
		(void)snprintf(err, errlen, "rule longer than %d bytes",
		    ROUTE_RULE_MAX);
		goto out;
	}
	skip_space(&p);
	if (rule[p.pos] == '\0') {
		(void)snprintf(err, errlen, "empty rule");
		goto out;
	}
	if ((root = parse_or(&p)) == NULL)
		goto out;
	skip_space(&p);
	if (rule[p.pos] != '\0') {
		(void)fail(&p, "unexpected text (operators are &&, || and !)");
		goto out;
	}
	if (to_alts(root, false, &alts, err, errlen) == -1)
		goto out;
	if (alts.n == 0) {
		(void)snprintf(err, errlen, "the rule can never match");
		goto out;
	}
	memset(out, 0, sizeof(*out));
	memcpy(out->alts, alts.v, alts.n * sizeof(*alts.v));
	out->nalts = alts.n;
	ret = 0;
out:
	free(alts.v);
	node_free(root);
	return ret;
}

void
route_methods_format(unsigned methods, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ROUTE_METHOD_COUNT; i++)
		if ((methods & (1u << i)) != 0 && o < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s",
			    o > 0 ? "|" : "", route_methods[i]);
}

int
route_format(const struct route_alt *a, long long priority, const char *router,
    bool tls, const char *entrypoints, char *out, size_t len)
{
	static const char *const hk[] = { "", "h", "r" };
	static const char *const pk[] = { "", "p", "e" };
	char methods[ROUTE_METHOD_COUNT * 8], headers[ROUTE_VALUE_MAX + 1];
	size_t o = 0;
	int n;

	route_methods_format(a->methods, methods, sizeof(methods));
	headers[0] = '\0';
	for (size_t i = 0; i < a->nheaders && o < sizeof(headers); i++)
		o += (size_t)snprintf(headers + o, sizeof(headers) - o,
		    "%s%s:%s", i > 0 ? "|" : "", a->headers[i].name,
		    a->headers[i].value);
	n = snprintf(out, len, "%lld,%s,%s,%s,%s,%s,%s,%s,%s,%s", priority,
	    router, hk[a->host_kind], a->host, pk[a->path_kind], a->path,
	    methods, headers, tls ? "tls" : "", entrypoints);
	if (n < 0 || (size_t)n >= len || o >= sizeof(headers))
		return -1;
	return 0;
}
