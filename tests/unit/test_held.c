/* SPDX-License-Identifier: MIT */
/*
 * held.c, pure: which dependencies changed (held_changed), and the plan: a
 * simulated check fails a trial exactly when one of the culprits takes its new
 * answer, and the plan must end holding exactly the culprits, within its trial
 * budget, and never hold a clean dependency unless the budget ran out.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "templater.h"
#include "test.h"

#define SIM_N_MAX 64

/* Runs a plan over n changed dependencies; returns the trials used. */
static unsigned
simulate(size_t n, const bool *bad, unsigned max_trials, bool *held)
{
	struct held_plan p;
	bool fresh[SIM_N_MAX];
	bool pass;
	size_t i;
	unsigned trials = 0;

	T_EQ_INT(held_plan_init(&p, n, max_trials), 0);
	while (held_plan_next(&p, fresh)) {
		pass = true;
		for (i = 0; i < n; i++)
			if (fresh[i] && bad[i])
				pass = false;
		held_plan_result(&p, pass);
		trials++;
		T_ASSERT(trials <= max_trials);
		if (trials > max_trials)
			break;
	}
	for (i = 0; i < n; i++)
		held[i] = held_plan_culprit(&p, i);
	held_plan_free(&p);
	return trials;
}

static void
test_exact(size_t n, const size_t *culprits, size_t nc, unsigned max_trials)
{
	bool bad[SIM_N_MAX] = { false }, held[SIM_N_MAX];
	size_t i;

	for (i = 0; i < nc; i++)
		bad[culprits[i]] = true;
	(void)simulate(n, bad, max_trials, held);
	for (i = 0; i < n; i++)
		T_CHECK(held[i] == bad[i], "n=%zu dep %zu: held %d, culprit %d",
		    n, i, held[i], bad[i]);
}

/* Which dependencies of a refused candidate are worth a trial. */
static void
test_changed(void)
{
	static const struct held_dep d[] = {
		{ .gen = 5, .good_gen = 5 }, /* unchanged */
		{ .gen = 9, .good_gen = 4 }, /* changed */
		{ .gen = 7, .good_gen = 0 }, /* no last good answer */
		{ .gen = 3, .good_gen = 2, .held = true }, /* held already */
		{ .gen = 8, .good_gen = 6 }, /* changed */
	};
	size_t idx[5];

	T_EQ_INT(held_changed(d, 5, idx), 2);
	T_EQ_INT(idx[0], 1);
	T_EQ_INT(idx[1], 4);
	T_EQ_INT(held_changed(d, 1, idx), 0);
}

int
main(void)
{
	test_changed();
	static const size_t one[] = { 0 }, last[] = { 63 }, mid[] = { 17 };
	static const size_t two[] = { 3, 40 }, three[] = { 0, 1, 62 };
	bool bad[SIM_N_MAX] = { false }, held[SIM_N_MAX];
	struct held_plan p;
	bool fresh[SIM_N_MAX];
	size_t i, n;
	unsigned t;

	/* One changed dependency is the culprit without a trial. */
	T_EQ_INT(held_plan_init(&p, 1, 16), 0);
	T_ASSERT(!held_plan_next(&p, fresh));
	T_ASSERT(held_plan_culprit(&p, 0));
	held_plan_free(&p);
	T_EQ_INT(held_plan_init(&p, 0, 16), -1);
	T_EQ_INT(held_plan_init(&p, HELD_CHANGED_MAX + 1, 16), -1);

	test_exact(2, one, 1, 16);
	test_exact(64, one, 1, 16);
	test_exact(64, last, 1, 16);
	test_exact(64, mid, 1, 16);
	test_exact(64, two, 2, 32);
	test_exact(64, three, 3, 32);

	/* Every single culprit among n: about log2(n) trials. */
	for (n = 2; n <= SIM_N_MAX; n++)
		for (i = 0; i < n; i++) {
			for (size_t j = 0; j < n; j++)
				bad[j] = j == i;
			t = simulate(n, bad, 64, held);
			T_CHECK(t <= 2 * 6 + 1, "n=%zu culprit %zu: %u trials",
			    n, i, t);
			for (size_t j = 0; j < n; j++)
				T_CHECK(held[j] == bad[j], "n=%zu: dep %zu", n,
				    j);
		}

	/* Out of trials: a culprit is never let through. */
	for (i = 0; i < SIM_N_MAX; i++)
		bad[i] = i % 7 == 3;
	t = simulate(SIM_N_MAX, bad, 4, held);
	T_EQ_INT(t, 4);
	for (i = 0; i < SIM_N_MAX; i++)
		if (bad[i])
			T_CHECK(held[i], "dep %zu let through", i);
	return test_report();
}
