/* SPDX-License-Identifier: MIT */
/*
 * Which changed dependencies make a candidate fail its check, pure: the
 * plan of trial renders of render.c's held-dependency episodes.  A
 * candidate failed with n dependencies at new answers; a trial renders
 * some of them new and the rest held at their last good answers, and the
 * check says whether that passes.  The plan is adaptive group testing
 * by halves: a range of the changed dependencies known to fail (together
 * with those already found clean) is split; a half that passes is clean
 * from then on, and when the first half of a failing range passes, the
 * second is known to fail without a trial.  A single dependency that
 * fails is a culprit.  One culprit among n costs about log2(n) trials,
 * c culprits about c * log2(n); past max_trials every dependency not yet
 * cleared is a culprit, so an episode always ends, holding too much
 * rather than writing what was never checked.
 */
#include <stdlib.h>
#include <string.h>

#include "templater.h"
#include "xmalloc.h"

enum {
	HELD_UNKNOWN,
	HELD_CLEAN, /* takes its new answer */
	HELD_CULPRIT, /* stays at its last good answer */
};

static void
held_push(struct held_plan *p, size_t lo, size_t hi, bool fails, bool first)
{
	struct held_range *r = &p->stack[p->top++];

	r->lo = lo;
	r->hi = hi;
	r->fails = fails;
	r->first = first;
}

size_t
held_changed(const struct held_dep *d, size_t n, size_t *idx)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!d[i].held && d[i].good_gen != 0
		    && d[i].gen != d[i].good_gen)
			idx[k++] = i;
	return k;
}

int
held_plan_init(struct held_plan *p, size_t n, unsigned max_trials)
{
	memset(p, 0, sizeof(*p));
	if (n == 0 || n > HELD_CHANGED_MAX)
		return -1;
	p->n = n;
	p->max_trials = max_trials;
	p->state = xcalloc(n, sizeof(*p->state));
	/* The candidate itself was the first trial: all n new failed. */
	held_push(p, 0, n, true, false);
	return 0;
}

void
held_plan_free(struct held_plan *p)
{
	free(p->state);
	memset(p, 0, sizeof(*p));
}

static void
held_mark(struct held_plan *p, const struct held_range *r, unsigned char st)
{
	size_t i;

	for (i = r->lo; i < r->hi; i++)
		p->state[i] = st;
}

bool
held_plan_next(struct held_plan *p, bool *fresh)
{
	struct held_range r;
	size_t i, mid;

	while (p->top > 0) {
		r = p->stack[p->top - 1];
		if (r.fails) {
			p->top--;
			if (r.hi - r.lo == 1) {
				p->state[r.lo] = HELD_CULPRIT;
				continue;
			}
			mid = r.lo + (r.hi - r.lo) / 2;
			held_push(p, mid, r.hi, false, false);
			held_push(p, r.lo, mid, false, true);
			continue;
		}
		if (p->trials >= p->max_trials) {
			/* Out of trials: what is not cleared stays held. */
			while (p->top > 0)
				held_mark(p, &p->stack[--p->top], HELD_CULPRIT);
			return false;
		}
		for (i = 0; i < p->n; i++)
			fresh[i] = p->state[i] == HELD_CLEAN
			    || (i >= r.lo && i < r.hi);
		return true;
	}
	return false;
}

void
held_plan_result(struct held_plan *p, bool passed)
{
	struct held_range r;

	if (p->top == 0)
		return;
	r = p->stack[--p->top];
	p->trials++;
	if (!passed) {
		r.fails = true;
		p->stack[p->top++] = r;
		return;
	}
	held_mark(p, &r, HELD_CLEAN);
	/*
	 * The second half's trial would test exactly the set that failed
	 * before the split.
	 */
	if (r.first && p->top > 0)
		p->stack[p->top - 1].fails = true;
}

bool
held_plan_culprit(const struct held_plan *p, size_t i)
{
	return i < p->n && p->state[i] == HELD_CULPRIT;
}
