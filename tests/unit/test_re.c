/* SPDX-License-Identifier: MIT */
/*
 * lib/re.h against Go: replays tests/re/fixture.json, Go's own answers
 * recorded by tests/re/record.go (compile errors, MatchString,
 * FindStringSubmatchIndex, FindAllStringSubmatchIndex, ReplaceAllString,
 * Split) and checks that lib/re gives the same, and that every search
 * stays within its linear step bound.  Then the parts Go has no answer
 * for: the caps, the step budget, the output cap, ownership.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "hash.h"
#include "re.h"
#include "test.h"
#include "xmalloc.h"

#define FIXTURE "re/fixture.json"
/* Failing cases printed in full; the rest are only counted. */
#define SHOW_MAX 30

static int cases_run, cases_failed, shown;

static char *
read_file(const char *path, size_t *len)
{
	struct buf b;
	char chunk[65536];
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	buf_init(&b, (size_t)64 << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&b, chunk, n) == -1)
			break;
	fclose(f);
	return buf_take(&b, len);
}

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * A byte string of the fixture: a JSON string, or {"hex": "..."} for
 * bytes a JSON string cannot carry.  Returns an owned copy.
 */
static char *
fixture_bytes(const cJSON *j, size_t *len)
{
	const cJSON *h;
	const char *s;
	char *out;
	size_t i, n;

	if (cJSON_IsString(j)) {
		*len = strlen(j->valuestring);
		return xstrndup(j->valuestring, *len);
	}
	h = cJSON_GetObjectItemCaseSensitive(j, "hex");
	s = cJSON_GetStringValue(h);
	if (s == NULL) {
		*len = 0;
		return xstrdup("");
	}
	n = strlen(s) / 2;
	out = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		out[i] = (char)(unhex(s[2 * i]) << 4 | unhex(s[2 * i + 1]));
	out[n] = '\0';
	*len = n;
	return out;
}

/* The subject: "s", or "s_parts" [[bytes, count], ...]. */
static char *
fixture_subject(const cJSON *c, size_t *len)
{
	const cJSON *parts, *p;
	struct buf b;
	char *piece;
	size_t plen;
	int i, count;

	if (cJSON_GetObjectItemCaseSensitive(c, "s") != NULL)
		return fixture_bytes(cJSON_GetObjectItemCaseSensitive(c, "s"),
		    len);
	parts = cJSON_GetObjectItemCaseSensitive(c, "s_parts");
	if (parts == NULL)
		return NULL;
	buf_init(&b, RE_SUBJECT_MAX);
	cJSON_ArrayForEach(p, parts) {
		piece = fixture_bytes(cJSON_GetArrayItem(p, 0), &plen);
		count = cJSON_GetArrayItem(p, 1)->valueint;
		for (i = 0; i < count; i++)
			(void)buf_add(&b, piece, plen);
		free(piece);
	}
	return buf_take(&b, len);
}

static uint64_t
hash_int64(uint64_t h, long long v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)((unsigned long long)v >> (8 * i));
	return hash_fnv1a_64(h, b, sizeof(b));
}

static bool
hash_is(const cJSON *c, const char *key, uint64_t h)
{
	const char *want
	    = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, key));
	char got[17];

	snprintf(got, sizeof(got), "%016llx", (unsigned long long)h);
	return want != NULL && strcmp(want, got) == 0;
}

/* Whether idx[0..n) equals the JSON array of ints j (null: no match). */
static bool
ints_equal(const cJSON *j, const int *idx, size_t n)
{
	size_t i = 0;
	const cJSON *e;

	if ((size_t)cJSON_GetArraySize(j) != n)
		return false;
	cJSON_ArrayForEach(e, j) {
		if (e->valueint != idx[i++])
			return false;
	}
	return true;
}

static bool
matches_equal(const cJSON *c, const char *key, const struct re_matches *m)
{
	char hkey[32], nkey[32];
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(c, key), *e;
	uint64_t h = HASH_FNV1A_64_INIT;
	size_t i = 0, k;

	if (j == NULL) {
		/* A big subject: a count and a hash. */
		snprintf(nkey, sizeof(nkey), "%s_count", key);
		snprintf(hkey, sizeof(hkey), "%s_hash", key);
		for (i = 0; i < m->n * m->stride; i++)
			h = hash_int64(h, m->idx[i]);
		return cJSON_GetObjectItemCaseSensitive(c, nkey)->valueint
		    == (int)m->n
		    && hash_is(c, hkey, h);
	}
	if ((size_t)cJSON_GetArraySize(j) != m->n)
		return false;
	cJSON_ArrayForEach(e, j) {
		if ((size_t)cJSON_GetArraySize(e) != m->stride)
			return false;
		for (k = 0; k < m->stride; k++)
			if (cJSON_GetArrayItem(e, (int)k)->valueint
			    != m->idx[i * m->stride + k])
				return false;
		i++;
	}
	return true;
}

static bool
pieces_equal(const cJSON *c, const char *key, const char *s,
    const struct re_matches *m)
{
	char hkey[32], nkey[32], *want;
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(c, key), *e;
	uint64_t h = HASH_FNV1A_64_INIT;
	size_t i = 0, wlen, plen;
	bool ok;

	if (j == NULL) {
		snprintf(nkey, sizeof(nkey), "%s_count", key);
		snprintf(hkey, sizeof(hkey), "%s_hash", key);
		for (i = 0; i < m->n; i++) {
			plen = (size_t)(m->idx[2 * i + 1] - m->idx[2 * i]);
			h = hash_int64(h, (long long)plen);
			h = hash_fnv1a_64(h, s + m->idx[2 * i], plen);
		}
		return cJSON_GetObjectItemCaseSensitive(c, nkey)->valueint
		    == (int)m->n
		    && hash_is(c, hkey, h);
	}
	if ((size_t)cJSON_GetArraySize(j) != m->n)
		return false;
	cJSON_ArrayForEach(e, j) {
		want = fixture_bytes(e, &wlen);
		plen = (size_t)(m->idx[2 * i + 1] - m->idx[2 * i]);
		ok = wlen == plen && memcmp(want, s + m->idx[2 * i], plen) == 0;
		free(want);
		if (!ok)
			return false;
		i++;
	}
	return true;
}

/* Prints a failing case once, with what failed. */
static void
case_fail(const cJSON *c, const char *what, bool *failed)
{
	char *text;

	if (!*failed)
		cases_failed++;
	*failed = true;
	if (shown++ >= SHOW_MAX)
		return;
	text = cJSON_PrintUnformatted(c);
	fprintf(stderr, "FAIL %s: %.400s\n", what, text);
	free(text);
}

/* Replays one case; returns whether lib/re answered as Go did. */
static bool
check_case(const cJSON *c)
{
	const cJSON *jflags, *jerr, *jnames, *jfind, *name;
	char err[RE_ERR_MAX], *pat, *s = NULL, *repl = NULL, *want;
	const char *flags;
	int *idx = NULL;
	size_t plen, slen, rlen, wlen, nidx, i;
	struct re_budget b = { .max_steps = UINT64_MAX };
	struct re_matches m;
	unsigned f = 0;
	struct re *re;
	struct buf out;
	bool failed = false;
	long n, rc;
	uint64_t bound, before;

	cases_run++;
	pat = fixture_bytes(cJSON_GetObjectItemCaseSensitive(c, "p"), &plen);
	jflags = cJSON_GetObjectItemCaseSensitive(c, "flags");
	flags = cJSON_GetStringValue(jflags);
	if (flags != NULL && strstr(flags, "longest") != NULL)
		f |= RE_LONGEST;
	if (flags != NULL && strstr(flags, "literal") != NULL)
		f |= RE_LITERAL;
	re = re_compile(pat, plen, f, err, sizeof(err));
	jerr = cJSON_GetObjectItemCaseSensitive(c, "err");
	if (jerr != NULL) {
		want = fixture_bytes(jerr, &wlen);
		/* Our message is a C string: compare up to a NUL. */
		if (re != NULL)
			case_fail(c, "compiles, Go refuses it", &failed);
		else if (strncmp(err, want, sizeof(err) - 1) != 0)
			case_fail(c, err, &failed);
		free(want);
		goto out;
	}
	if (re == NULL) {
		case_fail(c, err, &failed);
		goto out;
	}
	if ((int)re_num_subexp(re)
	    != cJSON_GetObjectItemCaseSensitive(c, "nsub")->valueint)
		case_fail(c, "NumSubexp", &failed);
	jnames = cJSON_GetObjectItemCaseSensitive(c, "names");
	i = 0;
	cJSON_ArrayForEach(name, jnames) {
		if (strcmp(re_subexp_name(re, i), name->valuestring) != 0)
			case_fail(c, "SubexpNames", &failed);
		i++;
	}
	s = fixture_subject(c, &slen);
	if (s == NULL)
		goto out;
	repl
	    = fixture_bytes(cJSON_GetObjectItemCaseSensitive(c, "repl"), &rlen);
	n = cJSON_GetObjectItemCaseSensitive(c, "n")->valueint;
	bound = re_step_bound(re, slen);

	/* One search: within the linear bound. */
	before = b.steps;
	if (re_match(re, s, slen, &b)
	    != (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "match"))
		    ? RE_MATCH
		    : RE_NOMATCH))
		case_fail(c, "MatchString", &failed);
	if (b.steps - before > bound)
		case_fail(c, "steps of MatchString over the bound", &failed);

	nidx = 2 * (re_num_subexp(re) + 1);
	idx = xcalloc(nidx, sizeof(*idx));
	jfind = cJSON_GetObjectItemCaseSensitive(c, "find");
	before = b.steps;
	rc = re_find(re, s, slen, idx, nidx, &b);
	if (cJSON_IsNull(jfind)
		? rc != RE_NOMATCH
		: rc != RE_MATCH || !ints_equal(jfind, idx, nidx))
		case_fail(c, "FindStringSubmatchIndex", &failed);
	if (b.steps - before > bound)
		case_fail(c, "steps of FindStringSubmatchIndex over the bound",
		    &failed);

	/* Repeated searches: within the bound once per match, and one more. */
	before = b.steps;
	rc = re_find_all(re, s, slen, -1, &m, &b);
	if (rc < 0 || !matches_equal(c, "all", &m))
		case_fail(c, "FindAllStringSubmatchIndex", &failed);
	if (rc >= 0 && b.steps - before > (uint64_t)(rc + 1) * bound + bound)
		case_fail(c, "steps of FindAll over the bound", &failed);
	re_matches_clear(&m);
	rc = re_find_all(re, s, slen, n, &m, &b);
	if (rc < 0 || !matches_equal(c, "alln", &m))
		case_fail(c, "FindAllStringSubmatchIndex n", &failed);
	re_matches_clear(&m);

	buf_init(&out, RE_SUBJECT_MAX);
	if (re_replace_all(re, s, slen, repl, rlen, &out, &b) != 0)
		case_fail(c, "ReplaceAllString failed", &failed);
	else if (cJSON_GetObjectItemCaseSensitive(c, "replace") == NULL) {
		if (cJSON_GetObjectItemCaseSensitive(c, "replace_len")->valueint
			!= (int)out.len
		    || !hash_is(c, "replace_hash",
			hash_fnv1a_64(HASH_FNV1A_64_INIT, out.data, out.len)))
			case_fail(c, "ReplaceAllString (hash)", &failed);
	} else {
		want = fixture_bytes(
		    cJSON_GetObjectItemCaseSensitive(c, "replace"), &wlen);
		if (wlen != out.len
		    || (wlen > 0 && memcmp(want, out.data, wlen) != 0))
			case_fail(c, "ReplaceAllString", &failed);
		free(want);
	}
	buf_clear(&out);

	rc = re_split(re, s, slen, -1, &m, &b);
	if (rc < 0 || !pieces_equal(c, "split", s, &m))
		case_fail(c, "Split", &failed);
	re_matches_clear(&m);
	rc = re_split(re, s, slen, n, &m, &b);
	if (rc < 0 || !pieces_equal(c, "splitn", s, &m))
		case_fail(c, "Split n", &failed);
	re_matches_clear(&m);
out:
	free(idx);
	free(repl);
	free(s);
	free(pat);
	re_free(re);
	return !failed;
}

static void
test_fixture(void)
{
	cJSON *cases, *c;
	size_t len;
	char *text;

	text = read_file(FIXTURE, &len);
	T_NOT_NULL(text);
	if (text == NULL)
		return;
	cases = cJSON_ParseWithLength(text, len);
	free(text);
	T_NOT_NULL(cases);
	cJSON_ArrayForEach(c, cases) {
		T_CHECK(check_case(c), "case %d of %s", cases_run, FIXTURE);
	}
	cJSON_Delete(cases);
	printf("go fixture: %d cases, %d failed\n", cases_run, cases_failed);
	T_ASSERT(cases_run >= 2000);
}

static struct re *
compile(const char *pattern, char *err, size_t errlen)
{
	return re_compile(pattern, strlen(pattern), 0, err, errlen);
}

/* What the issue reported: refused, or linear. */
static void
test_hostile(void)
{
	char err[RE_ERR_MAX], *s;
	struct re_budget b = { .max_steps = UINT64_MAX };
	struct re *re;
	size_t len;

	T_NULL(compile("(0*)*(0*)*(0*)*\\1\\2\\3x", err, sizeof(err)));
	T_EQ_STR(err, "error parsing regexp: invalid escape sequence: `\\1`");
	T_NULL(compile("(((0{1,100}){1,100}){1,100})", err, sizeof(err)));
	T_EQ_STR(err, "error parsing regexp: invalid repeat count: `{1,100}`");
	T_NULL(
	    compile("((((0{1,100}){1,100}){1,100}){1,100})", err, sizeof(err)));

	/* Without the back-references: a match of 200 zeros, linear. */
	re = compile("(0*)*(0*)*(0*)*x", err, sizeof(err));
	T_NOT_NULL(re);
	len = 200;
	s = xmalloc(len);
	memset(s, '0', len);
	T_EQ_INT(re_match(re, s, len, &b), RE_NOMATCH);
	T_ASSERT(b.steps <= re_step_bound(re, len));
	free(s);
	re_free(re);
}

/*
 * The steps of a search grow linearly with the subject: doubling it at
 * most doubles them (plus the constant of the positions at the ends).
 */
static void
test_linear_steps(void)
{
	static const char *patterns[]
	    = { "(a|aa)+$", "(x+x+)+y", "(a*)*(a*)*(a*)*b", "(.*)*$",
		      "^(([a-z])+.)+[A-Z]([a-z])+$", "(?i)(a|b|ab)*c" };
	struct re_budget b = { 0 };
	char err[RE_ERR_MAX], *s;
	uint64_t steps[4];
	struct re *re;
	size_t i, k, len;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		re = compile(patterns[i], err, sizeof(err));
		T_NOT_NULL(re);
		if (re == NULL)
			continue;
		for (k = 0; k < 4; k++) {
			len = (size_t)10000 << k;
			s = xmalloc(len);
			memset(s, 'a', len);
			b.max_steps = UINT64_MAX;
			b.steps = 0;
			(void)re_match(re, s, len, &b);
			steps[k] = b.steps;
			T_ASSERT(steps[k] <= re_step_bound(re, len));
			free(s);
		}
		for (k = 1; k < 4; k++)
			T_CHECK(steps[k] <= 2 * steps[k - 1] + 2 * re_size(re),
			    "%s: %llu steps for %zu bytes, %llu for half",
			    patterns[i], (unsigned long long)steps[k],
			    (size_t)10000 << k,
			    (unsigned long long)steps[k - 1]);
		re_free(re);
	}
}

/* A poll that stops the search at its third call. */
static int
count_polls(void *arg)
{
	int *n = arg;

	return ++*n == 3;
}

static void
test_budget(void)
{
	int polls;
	struct re_budget b = { .max_steps = 1000 };
	char err[RE_ERR_MAX], *s;
	struct re_matches m;
	struct re *re;
	struct buf out;
	size_t len = 100000;
	int idx[2];

	re = compile("(a|b)*c", err, sizeof(err));
	T_NOT_NULL(re);
	s = xmalloc(len);
	memset(s, 'a', len);
	T_EQ_INT(re_match(re, s, len, &b), RE_EBUDGET);
	/* It stops within one rune's worth of steps past the cap. */
	T_ASSERT(b.steps > b.max_steps);
	T_ASSERT(b.steps <= b.max_steps + 2 * re_size(re));
	T_EQ_INT(re_find(re, s, len, idx, 2, &b), RE_EBUDGET);
	T_EQ_INT(re_find_all(re, s, len, -1, &m, &b), RE_EBUDGET);
	re_matches_clear(&m);
	buf_init(&out, 1 << 20);
	T_EQ_INT(re_replace_all(re, s, len, "x", 1, &out, &b), RE_EBUDGET);
	buf_clear(&out);
	T_EQ_INT(re_split(re, s, len, -1, &m, &b), RE_EBUDGET);
	re_matches_clear(&m);

	/* A budget is shared: the steps of every call add up. */
	b.max_steps = UINT64_MAX;
	b.steps = 0;
	T_EQ_INT(re_match(re, "abc", 3, &b), RE_MATCH);
	T_ASSERT(b.steps > 0);
	len = (size_t)b.steps;
	T_EQ_INT(re_match(re, "abc", 3, &b), RE_MATCH);
	T_EQ_INT(b.steps, 2 * len);
	/* No budget: no cap. */
	T_EQ_INT(re_match(re, s, 100000, NULL), RE_NOMATCH);
	/*
	 * A poll runs every poll_every steps in the middle of one search,
	 * and stops it when it says so.
	 */
	polls = 0;
	b.steps = 0;
	b.poll = count_polls;
	b.poll_arg = &polls;
	b.poll_every = 10000;
	b.poll_at = 0;
	T_EQ_INT(re_match(re, s, 100000, &b), RE_EBUDGET);
	T_EQ_INT(polls, 3);
	T_ASSERT(b.steps < b.max_steps);
	T_ASSERT(b.steps <= 2 * b.poll_every + 6 * re_size(re));
	b.poll = NULL;
	free(s);
	re_free(re);
	T_EQ_STR(re_strerror(RE_EBUDGET), "regexp: step budget exceeded");
	T_EQ_STR(re_strerror(RE_ETOOBIG),
	    "regexp: subject or result too large");
}

static void
test_output_cap(void)
{
	char err[RE_ERR_MAX];
	struct re *re;
	struct buf out;

	re = compile("a", err, sizeof(err));
	T_NOT_NULL(re);
	buf_init(&out, 8);
	T_EQ_INT(re_replace_all(re, "aaaa", 4, "xyz", 3, &out, NULL),
	    RE_ETOOBIG);
	T_ASSERT(out.len <= 8);
	buf_clear(&out);
	buf_init(&out, 12);
	T_EQ_INT(re_replace_all(re, "aaaa", 4, "xyz", 3, &out, NULL), 0);
	T_EQ_STR(buf_str(&out), "xyzxyzxyzxyz");
	buf_clear(&out);
	re_free(re);
}

/* The caps Go does not have, or has higher. */
static void
test_caps(void)
{
	char err[RE_ERR_MAX], small[16];
	struct re *re;
	struct buf p;
	size_t i;

	/* A program over RE_PROG_MAX: Go accepts it (3.3 million). */
	buf_init(&p, RE_PATTERN_MAX);
	for (i = 0; i < RE_PROG_MAX / 1000 + 1; i++)
		(void)buf_addstr(&p, "a{1000}");
	re = re_compile(p.data, p.len, 0, err, sizeof(err));
	T_NULL(re);
	T_ASSERT(
	    strncmp(err, "error parsing regexp: expression too large: `", 45)
	    == 0);
	buf_clear(&p);

	/* Right under it. */
	buf_init(&p, RE_PATTERN_MAX);
	for (i = 0; i < RE_PROG_MAX / 1000 - 1; i++)
		(void)buf_addstr(&p, "a{1000}");
	re = re_compile(p.data, p.len, 0, err, sizeof(err));
	T_NOT_NULL(re);
	if (re != NULL)
		T_ASSERT(re_size(re) <= RE_PROG_MAX + 2);
	re_free(re);
	buf_clear(&p);

	/* A pattern over RE_PATTERN_MAX. */
	buf_init(&p, RE_PATTERN_MAX + 1);
	for (i = 0; i <= RE_PATTERN_MAX; i++)
		(void)buf_addc(&p, 'a');
	T_NULL(re_compile(p.data, p.len, 0, err, sizeof(err)));
	T_ASSERT(strstr(err, "expression too large") != NULL);
	buf_clear(&p);

	/* Thread state over RE_THREADS_MEM_MAX: many groups, many runes. */
	buf_init(&p, RE_PATTERN_MAX);
	for (i = 0; i < 200; i++)
		(void)buf_addstr(&p, "(x{100})");
	T_NULL(re_compile(p.data, p.len, 0, err, sizeof(err)));
	T_ASSERT(strstr(err, "expression too large") != NULL);
	buf_clear(&p);

	/* Character classes over RE_CLASS_RUNES_MAX: \pL is 659 ranges. */
	buf_init(&p, RE_PATTERN_MAX);
	for (i = 0; i < RE_CLASS_RUNES_MAX / 1318 + 1; i++)
		(void)buf_addstr(&p, "\\pL");
	T_NULL(re_compile(p.data, p.len, 0, err, sizeof(err)));
	T_ASSERT(strstr(err, "expression too large") != NULL);
	buf_clear(&p);

	/* Nesting deeper than RE_NEST_MAX, as Go refuses it. */
	buf_init(&p, RE_PATTERN_MAX);
	for (i = 0; i < RE_NEST_MAX; i++)
		(void)buf_addc(&p, '(');
	(void)buf_addc(&p, 'a');
	for (i = 0; i < RE_NEST_MAX; i++)
		(void)buf_addc(&p, ')');
	T_NULL(re_compile(p.data, p.len, 0, err, sizeof(err)));
	T_ASSERT(strstr(err, "expression nests too deeply") != NULL);
	buf_clear(&p);

	/* Non-capturing groups make no nodes: Go accepts any depth. */
	buf_init(&p, RE_PATTERN_MAX);
	for (i = 0; i < 5000; i++)
		(void)buf_addstr(&p, "(?:");
	(void)buf_addc(&p, 'a');
	for (i = 0; i < 5000; i++)
		(void)buf_addc(&p, ')');
	re = re_compile(p.data, p.len, 0, err, sizeof(err));
	T_NOT_NULL(re);
	if (re != NULL)
		T_EQ_INT(re_match(re, "a", 1, NULL), RE_MATCH);
	re_free(re);
	buf_clear(&p);

	/* A small error buffer gets a truncated, terminated message. */
	T_NULL(compile("(abc", small, sizeof(small)));
	T_EQ_INT(strlen(small), sizeof(small) - 1);
	T_NULL(compile("(abc", small, 0));
}

static void
test_api(void)
{
	char err[RE_ERR_MAX];
	struct re_matches m;
	struct re *re;
	struct buf out;
	int idx[8] = { 7, 7, 7, 7, 7, 7, 7, 7 };

	re = compile("(?P<key>\\w+)=(\\w*)", err, sizeof(err));
	T_NOT_NULL(re);
	T_EQ_INT(re_num_subexp(re), 2);
	T_EQ_STR(re_subexp_name(re, 0), "");
	T_EQ_STR(re_subexp_name(re, 1), "key");
	T_EQ_STR(re_subexp_name(re, 2), "");
	T_EQ_STR(re_subexp_name(re, 3), "");
	/* More slots than groups: the rest are -1. */
	T_EQ_INT(re_find(re, "a=b", 3, idx, 8, NULL), RE_MATCH);
	T_EQ_INT(idx[0], 0);
	T_EQ_INT(idx[1], 3);
	T_EQ_INT(idx[2], 0);
	T_EQ_INT(idx[3], 1);
	T_EQ_INT(idx[4], 2);
	T_EQ_INT(idx[5], 3);
	T_EQ_INT(idx[6], -1);
	T_EQ_INT(idx[7], -1);
	/* No match leaves idx alone. */
	idx[0] = 42;
	T_EQ_INT(re_find(re, "===", 3, idx, 2, NULL), RE_NOMATCH);
	T_EQ_INT(idx[0], 42);
	/* Split with n 0: nothing. */
	T_EQ_INT(re_split(re, "a=b", 3, 0, &m, NULL), 0);
	T_EQ_INT(m.n, 0);
	re_matches_clear(&m);
	re_free(re);
	re_free(NULL);

	/* NULL with length 0 is the empty string, everywhere. */
	re = re_compile(NULL, 0, 0, err, sizeof(err));
	T_NOT_NULL(re);
	T_EQ_INT(re_match(re, NULL, 0, NULL), RE_MATCH);
	T_EQ_INT(re_find_all(re, NULL, 0, -1, &m, NULL), 1);
	re_matches_clear(&m);
	T_EQ_INT(re_split(re, NULL, 0, -1, &m, NULL), 0);
	re_matches_clear(&m);
	buf_init(&out, 16);
	T_EQ_INT(re_replace_all(re, NULL, 0, NULL, 0, &out, NULL), 0);
	T_EQ_INT(out.len, 0);
	buf_clear(&out);
	re_free(re);

	/* An empty class matches nothing. */
	re = compile("[^\\x00-\\x{10FFFF}]", err, sizeof(err));
	T_NOT_NULL(re);
	T_EQ_INT(re_match(re, "abc", 3, NULL), RE_NOMATCH);
	re_free(re);

	/* The subject is bytes: a NUL does not end it. */
	re = compile("b$", err, sizeof(err));
	T_NOT_NULL(re);
	T_EQ_INT(re_match(re, "a\0b", 3, NULL), RE_MATCH);
	T_EQ_INT(re_match(re, "a\0b", 1, NULL), RE_NOMATCH);
	re_free(re);
}

int
main(void)
{
	xmalloc_init_cjson();
	test_fixture();
	test_hostile();
	test_linear_steps();
	test_budget();
	test_output_cap();
	test_caps();
	test_api();
	return test_report();
}
