/* SPDX-License-Identifier: MIT */
/*
 * Regular expressions for templates: regexMatch and regexReplaceAll, on
 * lib/re (Go's regexp: RE2 syntax, leftmost-first, Go's error texts, a
 * Pike VM whose time is linear in the subject).  Every VM step counts
 * against the execution's step budget, so a pattern on hostile data
 * fails the render instead of holding the daemon.  Each template keeps
 * its compiled patterns, since templates pass literal patterns.
 */
#include <stdlib.h>
#include <string.h>

#include "re.h"
#include "tmpl_int.h"
#include "xmalloc.h"

/*
 * Compiled patterns kept per template: a render of 10,000 instances
 * compiles each pattern once instead of once per call.  The shipped
 * templates use six; a template cycling through more recompiles.
 */
#define REGEX_CACHE 16

struct regex_ent {
	char *pattern; /* owned; NULL: free slot */
	size_t len;
	struct re *re; /* owned */
};

struct tmpl_regex_cache {
	struct regex_ent ent[REGEX_CACHE];
	size_t next; /* slot replaced when the cache is full */
};

/*
 * The compiled form of pattern p, from the template's cache or compiled
 * into it (replacing the oldest entry when full).  Borrowed: valid until
 * the template is freed or the entry is replaced, which only a later call
 * of this function does.  NULL with the execution failed on a pattern Go
 * refuses, with Go's message.
 */
static const struct re *
regex_get(struct tmpl_exec *x, const char *p, size_t len)
{
	struct tmpl_regex_cache *cache;
	struct regex_ent *e;
	char err[RE_ERR_MAX];
	struct re *re;
	size_t i;

	if (x->t->regex == NULL)
		x->t->regex = xcalloc(1, sizeof(*x->t->regex));
	cache = x->t->regex;
	for (i = 0; i < REGEX_CACHE; i++) {
		e = &cache->ent[i];
		if (e->pattern != NULL && e->len == len
		    && memcmp(e->pattern, p, len) == 0)
			return e->re;
	}
	re = re_compile(p, len, 0, err, sizeof(err));
	if (re == NULL) {
		tmpl_exec_errorf(x, "%s", err);
		return NULL;
	}
	e = &cache->ent[cache->next];
	cache->next = (cache->next + 1) % REGEX_CACHE;
	if (e->pattern != NULL) {
		re_free(e->re);
		free(e->pattern);
	}
	/* All len bytes: a pattern may hold a NUL, and lookups compare len. */
	e->pattern = xmalloc(len + 1);
	memcpy(e->pattern, p, len);
	e->pattern[len] = '\0';
	e->len = len;
	e->re = re;
	return e->re;
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
		re_free(cache->ent[i].re);
		free(cache->ent[i].pattern);
	}
	free(cache);
}

/*
 * The execution's remaining steps as a regex budget; regex_end gives the
 * steps taken back and fails the execution on a negative result.
 */
static struct re_budget
regex_begin(const struct tmpl_exec *x)
{
	struct re_budget b = { .max_steps = x->maxsteps, .steps = x->steps };

	return b;
}

static int
regex_end(struct tmpl_exec *x, const struct re_budget *b, long rc)
{
	x->steps = b->steps;
	if (rc == RE_EBUDGET)
		return tmpl_exec_errorf(x,
		    "step budget exceeded: the render took more than %llu "
		    "steps",
		    (unsigned long long)x->maxsteps);
	if (rc < 0)
		return tmpl_exec_errorf(x, "%s", re_strerror((int)rc));
	return 0;
}

static int
fn_regex_match(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *p, *s;
	size_t plen, len;
	const struct re *re;
	struct re_budget b;
	int rc;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &p, &plen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	re = regex_get(x, p, plen);
	if (re == NULL)
		return -1;
	b = regex_begin(x);
	rc = re_match(re, s, len, &b);
	if (regex_end(x, &b, rc) == -1)
		return -1;
	*r = tmpl_value_bool(rc == RE_MATCH);
	return 0;
}

/* Go's Regexp.ReplaceAllString, with Expand's $1, ${1}, $name, $$. */
static int
fn_regex_replace_all(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *p, *repl, *s;
	size_t plen, rlen, len;
	const struct re *re;
	struct re_budget b;
	struct buf out;
	int rc;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &p, &plen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &repl, &rlen) == -1
	    || tmpl_exec_arg_str(x, a, 2, &s, &len) == -1)
		return -1;
	re = regex_get(x, p, plen);
	if (re == NULL)
		return -1;
	/* The result lives in the arena, so the arena's cap is its cap. */
	buf_init(&out, x->a->max);
	b = regex_begin(x);
	rc = re_replace_all(re, s, len, repl, rlen, &out, &b);
	if (regex_end(x, &b, rc) == -1) {
		buf_clear(&out);
		return -1;
	}
	*r = tmpl_value_from_buf(x->a, &out);
	return 0;
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_regex_funcs[] = {
	{ "regexMatch", fn_regex_match, 2, 2, 0 },
	{ "regexReplaceAll", fn_regex_replace_all, 3, 3, 0 },
	{ NULL, NULL, 0, 0, 0 },
};
