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

#include "hash.h"
#include "re.h"
#include "tmpl_int.h"
#include "xmalloc.h"

/*
 * Compiled patterns kept per template: a render of 10,000 instances
 * compiles each pattern once instead of once per call.  The shipped
 * templates use six; a template cycling through more recompiles.
 */
#define REGEX_CACHE 16

/*
 * The results of regexMatch kept per template, keyed by pattern and
 * subject: the guards of the shipped templates (a name, an address) see
 * the same subjects on every pass, so a re-render costs a lookup per
 * guard instead of a match (11,000 per pass at 1,000 x 10).  Only short
 * subjects are kept (names and addresses are), in at most
 * REGEX_MEMO_SLOTS_MAX slots filled to 3/4 and REGEX_MEMO_BYTES_MAX bytes
 * of subjects; when either is full the memo starts again empty.
 */
#define REGEX_MEMO_SUBJECT_MAX 255
#define REGEX_MEMO_SLOTS_MIN 256
#define REGEX_MEMO_SLOTS_MAX ((size_t)1 << 16)
#define REGEX_MEMO_BYTES_MAX ((size_t)1 << 20)

struct regex_ent {
	char *pattern; /* owned; NULL: free slot */
	size_t len;
	struct re *re; /* owned */
};

struct regex_memo_ent {
	uint32_t hash; /* never 0; 0: free slot */
	uint32_t off; /* the subject, in the memo's bytes */
	uint8_t len;
	uint8_t pat; /* index in ent */
	bool match;
};

struct tmpl_regex_cache {
	struct regex_ent ent[REGEX_CACHE];
	size_t next; /* slot replaced when the cache is full */
	struct regex_memo_ent *memo; /* owned; nslots entries */
	size_t nslots;
	size_t nused;
	struct buf bytes; /* the memo's subjects, cap REGEX_MEMO_BYTES_MAX */
};

static void
regex_memo_clear(struct tmpl_regex_cache *c)
{
	if (c->memo != NULL)
		memset(c->memo, 0, c->nslots * sizeof(*c->memo));
	c->nused = 0;
	buf_reset(&c->bytes);
}

static uint32_t
regex_memo_hash(size_t pat, const char *s, size_t len)
{
	uint64_t h = hash_fnv1a_64(HASH_FNV1A_64_INIT ^ pat, s, len);

	return (uint32_t)(h ^ h >> 32) | 1;
}

/* The slot of (pat, s) in c->memo: its entry, or the free slot for it. */
static struct regex_memo_ent *
regex_memo_slot(struct tmpl_regex_cache *c, uint32_t h, size_t pat,
    const char *s, size_t len)
{
	size_t mask = c->nslots - 1, i;
	struct regex_memo_ent *e;

	for (i = h & mask;; i = (i + 1) & mask) {
		e = &c->memo[i];
		/* len 0: bytes.data may still be NULL, which memcmp refuses. */
		if (e->hash == 0
		    || (e->hash == h && e->pat == pat && e->len == len
			&& (len == 0
			    || memcmp(c->bytes.data + e->off, s, len) == 0)))
			return e;
	}
}

/* Grows the table to n slots, keeping its entries. */
static void
regex_memo_grow(struct tmpl_regex_cache *c, size_t n)
{
	struct regex_memo_ent *old = c->memo, *e;
	size_t oldn = c->nslots, i;

	c->memo = xcalloc(n, sizeof(*c->memo));
	c->nslots = n;
	for (i = 0; i < oldn; i++) {
		if (old[i].hash == 0)
			continue;
		e = regex_memo_slot(c, old[i].hash, old[i].pat,
		    old[i].len > 0 ? c->bytes.data + old[i].off : "",
		    old[i].len);
		*e = old[i];
	}
	free(old);
}

/* Whether the memo knows (pat, s); its result in *match. */
static bool
regex_memo_get(struct tmpl_regex_cache *c, size_t pat, const char *s,
    size_t len, bool *match)
{
	struct regex_memo_ent *e;

	if (c->nused == 0 || len > REGEX_MEMO_SUBJECT_MAX)
		return false;
	e = regex_memo_slot(c, regex_memo_hash(pat, s, len), pat, s, len);
	if (e->hash == 0)
		return false;
	*match = e->match;
	return true;
}

static void
regex_memo_put(struct tmpl_regex_cache *c, size_t pat, const char *s,
    size_t len, bool match)
{
	struct regex_memo_ent *e;
	uint32_t h;

	if (len > REGEX_MEMO_SUBJECT_MAX)
		return;
	if (c->nslots == 0)
		regex_memo_grow(c, REGEX_MEMO_SLOTS_MIN);
	else if ((c->nused + 1) * 4 > c->nslots * 3) {
		if (c->nslots < REGEX_MEMO_SLOTS_MAX)
			regex_memo_grow(c, c->nslots * 2);
		else
			regex_memo_clear(c);
	}
	if (c->bytes.len + len + 1 > REGEX_MEMO_BYTES_MAX)
		regex_memo_clear(c);
	h = regex_memo_hash(pat, s, len);
	e = regex_memo_slot(c, h, pat, s, len);
	e->hash = h;
	e->off = (uint32_t)c->bytes.len;
	e->len = (uint8_t)len;
	e->pat = (uint8_t)pat;
	e->match = match;
	/* Cannot fail: the room was made above. */
	(void)buf_add(&c->bytes, s, len);
	c->nused++;
}

/*
 * The index in the template's cache of the compiled form of pattern p,
 * found or compiled into it (replacing the oldest entry when full, which
 * forgets the memo).  The entry stays valid until the template is freed
 * or it is replaced, which only a later call of this function does.  -1
 * with the execution failed on a pattern Go refuses, with Go's message;
 * with quiet, -2 and the execution goes on (Sprig's regexMatch).
 */
static int
regex_get(struct tmpl_exec *x, const char *p, size_t len, bool quiet)
{
	struct tmpl_regex_cache *cache;
	struct regex_ent *e;
	char err[RE_ERR_MAX];
	struct re *re;
	size_t i;

	if (x->t->regex == NULL) {
		x->t->regex = xcalloc(1, sizeof(*x->t->regex));
		buf_init(&x->t->regex->bytes, REGEX_MEMO_BYTES_MAX);
	}
	cache = x->t->regex;
	for (i = 0; i < REGEX_CACHE; i++) {
		e = &cache->ent[i];
		if (e->pattern != NULL && e->len == len
		    && memcmp(e->pattern, p, len) == 0)
			return (int)i;
	}
	re = re_compile(p, len, 0, err, sizeof(err));
	if (re == NULL)
		return quiet ? -2 : tmpl_exec_errorf(x, "%s", err);
	i = cache->next;
	e = &cache->ent[i];
	cache->next = (cache->next + 1) % REGEX_CACHE;
	if (e->pattern != NULL) {
		re_free(e->re);
		free(e->pattern);
		regex_memo_clear(cache);
	}
	/* All len bytes: a pattern may hold a NUL, and lookups compare len. */
	e->pattern = xmalloc(len + 1);
	memcpy(e->pattern, p, len);
	e->pattern[len] = '\0';
	e->len = len;
	e->re = re;
	return (int)i;
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
	free(cache->memo);
	buf_clear(&cache->bytes);
	free(cache);
}

/*
 * VM steps between two calls of the caller's interrupt hook inside one
 * search: a VM step is about 50 times cheaper than an evaluator step.
 */
#define REGEX_POLL_STEPS (64 * TMPL_POLL_STEPS)

/* The budget's poll: the caller's interrupt hook, from inside a search. */
static int
regex_poll(void *arg)
{
	return tmpl_exec_poll(arg) == -1;
}

/*
 * The execution's remaining steps as a regex budget; regex_end gives the
 * steps taken back and fails the execution on a negative result.
 */
static struct re_budget
regex_begin(struct tmpl_exec *x)
{
	struct re_budget b = {
		.max_steps = x->maxsteps,
		.steps = x->steps,
		.poll = regex_poll,
		.poll_arg = x,
		.poll_every = REGEX_POLL_STEPS,
		.poll_at = x->steps + REGEX_POLL_STEPS,
	};

	return b;
}

static int
regex_end(struct tmpl_exec *x, const struct re_budget *b, long rc)
{
	x->steps = b->steps;
	if (x->failed) /* the interrupt hook stopped the search */
		return -1;
	if (rc == RE_EBUDGET) {
		x->fname = NULL;
		return tmpl_exec_errorf(x,
		    "step budget exceeded: template execution exceeded %llu "
		    "steps",
		    (unsigned long long)x->maxsteps);
	}
	if (rc < 0)
		return tmpl_exec_errorf(x, "%s", re_strerror((int)rc));
	return 0;
}

static int
fn_regex_match(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_regex_cache *c;
	const char *p, *s;
	size_t plen, len;
	struct re_budget b;
	bool match;
	int i, rc;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &p, &plen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	i = regex_get(x, p, plen, false);
	if (i == -1)
		return -1;
	c = x->t->regex;
	if (!regex_memo_get(c, (size_t)i, s, len, &match)) {
		b = regex_begin(x);
		rc = re_match(c->ent[i].re, s, len, &b);
		if (regex_end(x, &b, rc) == -1)
			return -1;
		match = rc == RE_MATCH;
		regex_memo_put(c, (size_t)i, s, len, match);
	}
	*r = tmpl_value_bool(match);
	return 0;
}

/* Go's Regexp.ReplaceAllString, with Expand's $1, ${1}, $name, $$. */
static int
fn_regex_replace_all(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *p, *repl, *s;
	size_t plen, rlen, len;
	struct re_budget b;
	struct buf out;
	int i, rc;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &p, &plen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &repl, &rlen) == -1
	    || tmpl_exec_arg_str(x, a, 2, &s, &len) == -1)
		return -1;
	i = regex_get(x, p, plen, false);
	if (i == -1)
		return -1;
	/* The result lives in the arena, so the arena's cap is its cap. */
	buf_init(&out, x->a->max);
	b = regex_begin(x);
	rc = re_replace_all(x->t->regex->ent[i].re, s, len, repl, rlen, &out,
	    &b);
	if (regex_end(x, &b, rc) == -1) {
		buf_clear(&out);
		return -1;
	}
	*r = tmpl_value_from_buf(x->a, &out);
	return 0;
}

/*
 * Sprig's regex functions: the pattern first, the subject second, on the
 * same compiled patterns, budget and refusals.  sprig_regexMatch answers
 * false for a pattern Go refuses (its mustRegexMatch fails); the others
 * fail on it, as Sprig's MustCompile does.
 */
static int
sprig_regex_match(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *p;
	size_t plen;

	if (tmpl_exec_arg_str(x, a, 0, &p, &plen) == -1)
		return -1;
	if (x->farg == 0 && regex_get(x, p, plen, true) == -2) {
		*r = tmpl_value_bool(false);
		return 0;
	}
	return fn_regex_match(x, a, n, r);
}

/* The strings of m's matches (group 0) in s, as a list. */
static struct tmpl_value
regex_strings(struct tmpl_exec *x, const char *s, const struct re_matches *m,
    long cnt)
{
	struct tmpl_value *l;
	long i;

	l = tmpl_arena_alloc(x->a, (size_t)(cnt > 0 ? cnt : 1) * sizeof(*l));
	for (i = 0; i < cnt; i++) {
		const int *at = m->idx + (size_t)i * m->stride;

		l[i] = tmpl_value_str(s + at[0], (size_t)(at[1] - at[0]));
	}
	return tmpl_value_list(l, (size_t)cnt, ELEM_STR);
}

/* regexFindAll RE S N and regexSplit RE S N (x->farg: split). */
static int
sprig_regex_all(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct re_matches m = { 0 };
	const char *p, *s;
	size_t plen, len;
	struct re_budget b;
	int64_t cnt;
	long got;
	int i;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &p, &plen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1
	    || tmpl_exec_arg_int(x, a, 2, &cnt) == -1)
		return -1;
	i = regex_get(x, p, plen, false);
	if (i == -1)
		return -1;
	if (cnt > TMPL_MAX_LIST)
		cnt = TMPL_MAX_LIST;
	b = regex_begin(x);
	if (x->farg)
		got = re_split(x->t->regex->ent[i].re, s, len, (long)cnt, &m,
		    &b);
	else
		got = re_find_all(x->t->regex->ent[i].re, s, len, (long)cnt, &m,
		    &b);
	if (regex_end(x, &b, got) == -1) {
		re_matches_clear(&m);
		return -1;
	}
	*r = regex_strings(x, s, &m, got);
	re_matches_clear(&m);
	return 0;
}

/* regexFind RE S: the leftmost match, or "". */
static int
sprig_regex_find(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *p, *s;
	size_t plen, len;
	struct re_budget b;
	int i, rc, idx[2];

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &p, &plen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	i = regex_get(x, p, plen, false);
	if (i == -1)
		return -1;
	b = regex_begin(x);
	rc = re_find(x->t->regex->ent[i].re, s, len, idx, 2, &b);
	if (regex_end(x, &b, rc) == -1)
		return -1;
	*r = rc == RE_MATCH
	    ? tmpl_value_str(s + idx[0], (size_t)(idx[1] - idx[0]))
	    : tmpl_value_str("", 0);
	return 0;
}

/*
 * regexReplaceAll RE S REPL (Expand's $1...) and, with x->farg,
 * regexReplaceAllLiteral: REPL as it is ($ doubled for the expander).
 */
static int
sprig_regex_replace(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_value args[3];
	const char *repl;
	size_t rlen, i;
	struct buf lit;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 2, &repl, &rlen) == -1)
		return -1;
	args[0] = a[0];
	args[1] = a[2];
	args[2] = a[1];
	if (x->farg) {
		buf_init(&lit, SIZE_MAX);
		for (i = 0; i < rlen; i++) {
			if (repl[i] == '$')
				buf_addc(&lit, '$');
			buf_addc(&lit, repl[i]);
		}
		args[1] = tmpl_value_from_buf(x->a, &lit);
	}
	return fn_regex_replace_all(x, args, 3, r);
}

/* regexQuoteMeta S: Go's regexp.QuoteMeta. */
static int
sprig_regex_quote_meta(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s;
	size_t len, i;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < len; i++) {
		if (strchr("\\.+*?()|[]{}^$", s[i]) != NULL && s[i] != '\0')
			buf_addc(&b, '\\');
		buf_addc(&b, s[i]);
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_regex_funcs[] = {
	{ "regexMatch", fn_regex_match, 2, 2, 0, 0 },
	{ "regexReplaceAll", fn_regex_replace_all, 3, 3, 0, 0 },
	{ "sprig_regexMatch", sprig_regex_match, 2, 2, 0, 0 },
	{ "sprig_mustRegexMatch", sprig_regex_match, 2, 2, 0, 1 },
	{ "sprig_regexFindAll", sprig_regex_all, 3, 3, 0, 0 },
	{ "sprig_mustRegexFindAll", sprig_regex_all, 3, 3, 0, 0 },
	{ "sprig_regexSplit", sprig_regex_all, 3, 3, 0, 1 },
	{ "sprig_mustRegexSplit", sprig_regex_all, 3, 3, 0, 1 },
	{ "sprig_regexFind", sprig_regex_find, 2, 2, 0, 0 },
	{ "sprig_mustRegexFind", sprig_regex_find, 2, 2, 0, 0 },
	{ "sprig_regexReplaceAll", sprig_regex_replace, 3, 3, 0, 0 },
	{ "sprig_mustRegexReplaceAll", sprig_regex_replace, 3, 3, 0, 0 },
	{ "sprig_regexReplaceAllLiteral", sprig_regex_replace, 3, 3, 0, 1 },
	{ "sprig_mustRegexReplaceAllLiteral", sprig_regex_replace, 3, 3, 0, 1 },
	{ "sprig_regexQuoteMeta", sprig_regex_quote_meta, 1, 1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
