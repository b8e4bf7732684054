/* SPDX-License-Identifier: MIT */
/*
 * Regular expressions for templates: regexMatch and regexReplaceAll.
 * Templates are written for Go's RE2 syntax; the runtime may only use
 * libc, so patterns run on POSIX extended regex(3) after translating the
 * RE2 shorthands templates use (\d \w \s and their negations), and
 * what POSIX cannot express is refused.  Each template keeps its
 * compiled patterns, since templates pass literal patterns.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"
#include "xmalloc.h"

/*
 * Compiled patterns kept per template: a render of 10,000 instances
 * compiles each pattern once instead of once per call.
 */
#define REGEX_CACHE 16

struct regex_ent {
	char *pattern; /* owned; NULL: free slot */
	size_t len;
	regex_t rx;
};

struct tmpl_regex_cache {
	struct regex_ent ent[REGEX_CACHE];
	size_t next; /* slot replaced when the cache is full */
};

/*
 * RE2 -> POSIX ERE: \d \w \s (and upper-case negations) become bracket
 * expressions, \. and friends stay escapes, (?i) at the start sets
 * REG_ICASE.  Constructs POSIX cannot express (lazy quantifiers,
 * (?:...), lookaround) are refused instead of silently matching
 * something else.
 */
static int
re_compile(struct tmpl_exec *x, const char *re, size_t len, regex_t *rx)
{
	struct buf b;
	size_t i = 0;
	int flags = REG_EXTENDED, rc;
	bool inclass = false;
	char msg[128];

	buf_init(&b, 4 * len + 16);
	if (len >= 4 && memcmp(re, "(?i)", 4) == 0) {
		flags |= REG_ICASE;
		i = 4;
	}
	for (; i < len; i++) {
		char c = re[i];

		if (c == '\\' && i + 1 < len) {
			char e = re[++i];
			const char *cls = NULL;

			switch (e) {
			case 'd':
				cls = "0-9";
				break;
			case 'w':
				cls = "0-9A-Za-z_";
				break;
			case 's':
				cls = " \t\n\f\r\v";
				break;
			case 'D':
				cls = "^0-9";
				break;
			case 'W':
				cls = "^0-9A-Za-z_";
				break;
			case 'S':
				cls = "^ \t\n\f\r\v";
				break;
			default:
				break;
			}
			if (cls != NULL) {
				if (inclass && cls[0] == '^') {
					buf_clear(&b);
					return tmpl_exec_errorf(x,
					    "unsupported "
					    "regexp: negated class inside [] "
					    "in %.*s",
					    (int)len, re);
				}
				buf_addstr(&b, inclass ? "" : "[");
				buf_addstr(&b, cls);
				buf_addstr(&b, inclass ? "" : "]");
			} else if (e == 'n' || e == 't') {
				buf_addc(&b, e == 'n' ? '\n' : '\t');
			} else if (inclass) {
				buf_addc(&b, e);
			} else {
				buf_addc(&b, '\\');
				buf_addc(&b, e);
			}
			continue;
		}
		if (!inclass && c == '(' && i + 1 < len && re[i + 1] == '?') {
			buf_clear(&b);
			return tmpl_exec_errorf(x,
			    "unsupported regexp group syntax "
			    "in %.*s",
			    (int)len, re);
		}
		if (!inclass && (c == '*' || c == '+' || c == '?' || c == '}')
		    && i + 1 < len && re[i + 1] == '?') {
			buf_clear(&b);
			return tmpl_exec_errorf(x,
			    "unsupported lazy quantifier in "
			    "%.*s",
			    (int)len, re);
		}
		if (c == '[' && !inclass) {
			inclass = true;
			buf_addc(&b, c);
			if (i + 1 < len && re[i + 1] == '^')
				buf_addc(&b, re[++i]);
			if (i + 1 < len && re[i + 1] == ']')
				buf_addc(&b, re[++i]);
			continue;
		}
		if (c == ']' && inclass)
			inclass = false;
		buf_addc(&b, c);
	}
	rc = regcomp(rx, buf_str(&b), flags);
	buf_clear(&b);
	if (rc != 0) {
		regerror(rc, rx, msg, sizeof(msg));
		regfree(rx);
		return tmpl_exec_errorf(x, "error parsing regexp: %s: `%.*s`",
		    msg, (int)len, re);
	}
	return 0;
}

/*
 * The compiled form of pattern re, from the template's cache or compiled
 * into it (replacing the oldest entry when full).  Borrowed: valid until
 * the template is freed or the entry is replaced, which only a later call
 * of this function does.
 */
static const regex_t *
re_get(struct tmpl_exec *x, const char *re, size_t len)
{
	struct tmpl_regex_cache *cache;
	struct regex_ent *e;
	regex_t rx;
	size_t i;

	if (x->t->regex == NULL)
		x->t->regex = xcalloc(1, sizeof(*x->t->regex));
	cache = x->t->regex;
	for (i = 0; i < REGEX_CACHE; i++) {
		e = &cache->ent[i];
		if (e->pattern != NULL && e->len == len
		    && memcmp(e->pattern, re, len) == 0)
			return &e->rx;
	}
	if (re_compile(x, re, len, &rx) == -1)
		return NULL;
	e = &cache->ent[cache->next];
	cache->next = (cache->next + 1) % REGEX_CACHE;
	if (e->pattern != NULL) {
		regfree(&e->rx);
		free(e->pattern);
	}
	/* All len bytes: a pattern may hold a NUL, and lookups compare len. */
	e->pattern = xmalloc(len + 1);
	memcpy(e->pattern, re, len);
	e->pattern[len] = '\0';
	e->len = len;
	e->rx = rx;
	return &e->rx;
}

void
tmpl_regex_cache_free(struct tmpl_regex_cache *cache)
{
	size_t i;

	if (cache == NULL)
		return;
	for (i = 0; i < REGEX_CACHE; i++) {
		if (cache->ent[i].pattern == NULL)
			continue;
		regfree(&cache->ent[i].rx);
		free(cache->ent[i].pattern);
	}
	free(cache);
}

static int
fn_regex_match(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *re, *s;
	size_t relen, len;
	const regex_t *rx;
	regmatch_t m[1];

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &re, &relen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	rx = re_get(x, re, relen);
	if (rx == NULL)
		return -1;
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)len;
	*r = tmpl_value_bool(regexec(rx, s, 1, m, REG_STARTEND) == 0);
	return 0;
}

/* Bytes regexReplaceAll may make regexec scan in one call. */
#define REGEX_WORK_MAX ((size_t)64 << 20)

/* Go's Regexp.Expand: $1, ${1}, $$; names are not supported. */
static void
expand(struct buf *b, const char *t, size_t tlen, const char *s,
    const regmatch_t *m, size_t nsub)
{
	size_t i, j, num;
	bool brace, digits;

	for (i = 0; i < tlen; i++) {
		if (t[i] != '$' || i + 1 >= tlen) {
			buf_addc(b, t[i]);
			continue;
		}
		if (t[i + 1] == '$') {
			buf_addc(b, '$');
			i++;
			continue;
		}
		brace = t[i + 1] == '{';
		j = i + 1 + (brace ? 1 : 0);
		digits = true;
		num = 0;
		while (
		    j < tlen && (t[j] == '_' || isalnum((unsigned char)t[j]))) {
			if (!isdigit((unsigned char)t[j]))
				digits = false;
			else if (num < 100000)
				num = num * 10 + (size_t)(t[j] - '0');
			j++;
		}
		if (j == i + 1 + (brace ? 1 : 0)
		    || (brace && (j >= tlen || t[j] != '}'))) {
			buf_addc(b, '$');
			continue;
		}
		if (digits && num <= nsub && m[num].rm_so >= 0)
			buf_add(b, s + m[num].rm_so,
			    (size_t)(m[num].rm_eo - m[num].rm_so));
		i = brace ? j : j - 1;
	}
}

static int
fn_regex_replace_all(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *re, *repl, *s;
	size_t relen, rlen, len, last = 0, pos = 0, work = 0;
	regmatch_t m[10];
	const regex_t *rx;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &re, &relen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &repl, &rlen) == -1
	    || tmpl_exec_arg_str(x, a, 2, &s, &len) == -1)
		return -1;
	rx = re_get(x, re, relen);
	if (rx == NULL)
		return -1;
	buf_init(&b, SIZE_MAX);
	while (pos <= len) {
		/*
		 * regexec's cost grows with the whole string on every call
		 * (glibc sizes its buffers by the end offset), so many
		 * matches in a long string are quadratic: bound the work.
		 */
		work += len + 1;
		if (work > REGEX_WORK_MAX) {
			buf_clear(&b);
			return tmpl_exec_errorf(x,
			    "regexReplaceAll: too many matches in %zu bytes",
			    len);
		}
		m[0].rm_so = (regoff_t)pos;
		m[0].rm_eo = (regoff_t)len;
		if (regexec(rx, s, 10, m,
			REG_STARTEND | (pos > 0 ? REG_NOTBOL : 0))
		    != 0)
			break;
		buf_add(&b, s + last, (size_t)m[0].rm_so - last);
		if ((size_t)m[0].rm_eo > last || m[0].rm_so == 0)
			expand(&b, repl, rlen, s, m,
			    rx->re_nsub < 9 ? rx->re_nsub : 9);
		last = (size_t)m[0].rm_eo;
		if ((size_t)m[0].rm_eo > pos)
			pos = (size_t)m[0].rm_eo;
		else
			pos++;
	}
	if (last < len)
		buf_add(&b, s + last, len - last);
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_regex_funcs[] = {
	{ "regexMatch", fn_regex_match, 2, 2, 0 },
	{ "regexReplaceAll", fn_regex_replace_all, 3, 3, 0 },
	{ NULL, NULL, 0, 0, 0 },
};
