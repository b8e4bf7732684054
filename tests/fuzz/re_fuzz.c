/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lib/re.h: the input is a pattern and a subject
 * (byte 0 picks the flags, byte 1 is the pattern's length, the pattern
 * follows, the subject is the rest).  Besides crashes, leaks and
 * undefined behaviour, it checks what must hold whatever Go answers:
 *   - a refused pattern has a Go-style message;
 *   - a program stays within RE_PROG_MAX, and a search within its linear
 *     step bound, re_step_bound;
 *   - re_match agrees with re_find; a match and its groups lie inside the
 *     subject, the groups inside the match;
 *   - find-all's matches come in order without overlapping, the first is
 *     re_find's;
 *   - replacing every match by "$0" gives the subject back, and split's
 *     pieces are in order inside the subject.
 * Every call has a step budget, so a slow input fails as RE_EBUDGET, not
 * as a libFuzzer timeout.  Seeds: tests/fuzz/re/, one per construct.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "re.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Steps one call may take; a search of the bound's size is allowed. */
#define RE_FUZZ_STEPS 2000000
/* Groups checked; more are allowed, their slots are not looked at. */
#define RE_FUZZ_GROUPS 16

static void
check_match(const int *idx, size_t nidx, size_t len)
{
	size_t i;

	if (idx[0] < 0 || idx[0] > idx[1] || (size_t)idx[1] > len)
		abort();
	for (i = 2; i < nidx; i += 2) {
		if (idx[i] == -1 && idx[i + 1] == -1)
			continue;
		if (idx[i] < idx[0] || idx[i] > idx[i + 1]
		    || idx[i + 1] > idx[1])
			abort();
	}
}

static void
check_all(const struct re *re, const char *s, size_t len, const int *first,
    int found)
{
	struct re_budget b = { .max_steps = RE_FUZZ_STEPS };
	struct re_matches m;
	long n;
	size_t i;

	n = re_find_all(re, s, len, -1, &m, &b);
	if (n >= 0) {
		if ((n > 0) != (found == RE_MATCH))
			abort();
		if (n > 0 && memcmp(m.idx, first, 2 * sizeof(int)) != 0)
			abort();
		for (i = 0; i < m.n; i++) {
			check_match(m.idx + i * m.stride, m.stride, len);
			if (i > 0
			    && m.idx[i * m.stride]
				< m.idx[(i - 1) * m.stride + 1])
				abort();
		}
	}
	re_matches_clear(&m);

	b.steps = 0;
	n = re_split(re, s, len, -1, &m, &b);
	for (i = 0; n >= 0 && i < m.n; i++) {
		if (m.idx[2 * i] > m.idx[2 * i + 1]
		    || (size_t)m.idx[2 * i + 1] > len)
			abort();
		if (i > 0 && m.idx[2 * i] < m.idx[2 * i - 1])
			abort();
	}
	re_matches_clear(&m);
}

static void
check_replace(const struct re *re, const char *s, size_t len)
{
	struct re_budget b = { .max_steps = RE_FUZZ_STEPS };
	struct buf out;
	int rc;

	buf_init(&out, len + 1);
	rc = re_replace_all(re, s, len, "$0", 2, &out, &b);
	if (rc == 0 && (out.len != len || memcmp(out.data, s, len) != 0))
		abort();
	if (rc != 0 && rc != RE_EBUDGET)
		abort();
	buf_clear(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct re_budget b = { .max_steps = RE_FUZZ_STEPS };
	int idx[2 * (RE_FUZZ_GROUPS + 1)], first[2];
	char err[RE_ERR_MAX];
	const char *pat, *s;
	size_t plen, len, nidx;
	unsigned flags;
	struct re *re;
	int m, f;
	uint64_t bound;

	if (size < 2)
		return 0;
	flags = data[0] & (RE_LITERAL | RE_LONGEST);
	plen = data[1];
	if (plen > size - 2)
		plen = size - 2;
	pat = (const char *)data + 2;
	s = pat + plen;
	len = size - 2 - plen;

	re = re_compile(pat, plen, flags, err, sizeof(err));
	if (re == NULL) {
		if (strncmp(err, "error parsing regexp: ", 22) != 0)
			abort();
		return 0;
	}
	if (re_size(re) > RE_PROG_MAX + 2)
		abort();
	bound = re_step_bound(re, len);

	m = re_match(re, s, len, &b);
	if (m != RE_EBUDGET && b.steps > bound)
		abort();
	b.steps = 0;
	f = re_find(re, s, len, first, 2, &b);
	if (f != RE_EBUDGET && b.steps > bound)
		abort();
	if (m != RE_EBUDGET && f != RE_EBUDGET && m != f)
		abort();
	if (f == RE_MATCH)
		check_match(first, 2, len);

	nidx = 2 * (re_num_subexp(re) + 1);
	if (nidx > sizeof(idx) / sizeof(idx[0]))
		nidx = sizeof(idx) / sizeof(idx[0]);
	b.steps = 0;
	m = re_find(re, s, len, idx, nidx, &b);
	if (m == RE_MATCH) {
		check_match(idx, nidx, len);
		if (f == RE_MATCH && memcmp(idx, first, sizeof(first)) != 0)
			abort();
	}
	if (f != RE_EBUDGET)
		check_all(re, s, len, first, f);
	check_replace(re, s, len);
	re_free(re);
	return 0;
}
