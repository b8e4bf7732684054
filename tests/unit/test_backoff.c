/* SPDX-License-Identifier: MIT */
/* Tests of lib/backoff.c: growth, bounds, jitter spread, reset, seeding. */
#include "backoff.h"
#include "test.h"

static void
test_none(void)
{
	struct backoff b;
	uint64_t want[] = { 100, 200, 400, 800, 1000, 1000 };
	size_t i;

	backoff_init(&b, 100, 1000, BACKOFF_JITTER_NONE, 1);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		T_EQ_INT(backoff_next(&b), want[i]);
	T_EQ_INT(backoff_failures(&b), 6);
	backoff_reset(&b);
	T_EQ_INT(backoff_failures(&b), 0);
	T_EQ_INT(backoff_next(&b), 100);
	/* Many failures neither overflow nor exceed the cap. */
	for (i = 0; i < 200; i++)
		(void)backoff_next(&b);
	T_EQ_INT(backoff_next(&b), 1000);
	/* Degenerate bounds are repaired. */
	backoff_init(&b, 0, 0, BACKOFF_JITTER_NONE, 1);
	T_EQ_INT(backoff_next(&b), 1);
	T_EQ_INT(backoff_next(&b), 1);
	backoff_init(&b, 500, 10, BACKOFF_JITTER_FULL, 1);
	T_EQ_INT(backoff_next(&b), 500);
}

static void
test_full(void)
{
	struct backoff b;
	uint64_t d, lo = UINT64_MAX, hi = 0;
	int i, out = 0;

	/* Failure 4 has ceiling 800: draws spread over [100, 800]. */
	for (i = 0; i < 2000; i++) {
		backoff_init(&b, 100, 60000, BACKOFF_JITTER_FULL, (uint64_t)i);
		(void)backoff_next(&b);
		(void)backoff_next(&b);
		(void)backoff_next(&b);
		d = backoff_next(&b);
		if (d < 100 || d > 800)
			out++;
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	T_EQ_INT(out, 0);
	T_ASSERT(lo < 150);
	T_ASSERT(hi > 750);
	/* Deep into failures, always within [min, max]. */
	backoff_init(&b, 100, 5000, BACKOFF_JITTER_FULL, 7);
	for (i = 0; i < 1000; i++) {
		d = backoff_next(&b);
		if (d < 100 || d > 5000)
			out++;
	}
	T_EQ_INT(out, 0);
}

static void
test_decorrelated(void)
{
	struct backoff b;
	uint64_t d, prev = 0;
	int i, out = 0, capped = 0; /* capped: delays in the top half */

	backoff_init(&b, 100, 5000, BACKOFF_JITTER_DECORRELATED, 3);
	for (i = 0; i < 1000; i++) {
		d = backoff_next(&b);
		/* First delay: [min, min] since there is no previous one. */
		if (d < 100 || d > 5000 || (i > 0 && d > 3 * prev)
		    || (i == 0 && d != 100))
			out++;
		if (d > 2500)
			capped++;
		prev = d;
	}
	T_EQ_INT(out, 0);
	T_ASSERT(capped > 0);
	backoff_reset(&b);
	T_EQ_INT(backoff_next(&b), 100);
}

static void
test_seed(void)
{
	struct backoff a, b, c;
	int i, same_ab = 0, same_ac = 0;

	backoff_init(&a, 100, 60000, BACKOFF_JITTER_FULL, 42);
	backoff_init(&b, 100, 60000, BACKOFF_JITTER_FULL, 42);
	backoff_init(&c, 100, 60000, BACKOFF_JITTER_FULL, 0);
	for (i = 0; i < 10; i++) {
		uint64_t x = backoff_next(&a);

		same_ab += x == backoff_next(&b);
		same_ac += x == backoff_next(&c);
	}
	T_EQ_INT(same_ab, 10);
	T_ASSERT(same_ac < 5);
}

int
main(void)
{
	test_none();
	test_full();
	test_decorrelated();
	test_seed();
	return test_report();
}
