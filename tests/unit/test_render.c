/* SPDX-License-Identifier: MIT */
/*
 * render.c's quiescence, pure (render_quiet_hold): when a template's new
 * result may be handed over after changes, consul-template's wait
 * min:max.  A small simulation plays a series of changes against it, as
 * render.c's timer would: each change asks again, and the result goes out
 * when the last delay runs out before the next change.
 */
#include <stdint.h>
#include <stdio.h>

#include "templater.h"
#include "test.h"

#define SIM_OUT_MAX 64

/*
 * Plays changes at the n times in at (ascending, ms) against q and fills
 * out with the times results went out; returns how many.  The first
 * change is the template's first result when first is set.
 */
static size_t
simulate(struct render_quiet *q, const uint64_t *at, size_t n, bool first,
    uint64_t *out)
{
	uint64_t delay, due = 0;
	bool armed = false;
	size_t i, nout = 0;

	for (i = 0; i < n; i++) {
		if (armed && due <= at[i] && nout < SIM_OUT_MAX) {
			out[nout++] = due;
			render_quiet_done(q);
			armed = false;
		}
		if (!render_quiet_hold(q, at[i], first && i == 0, &delay)) {
			if (nout < SIM_OUT_MAX)
				out[nout++] = at[i];
			continue;
		}
		due = at[i] + delay;
		armed = true;
	}
	if (armed && nout < SIM_OUT_MAX) {
		out[nout++] = due;
		render_quiet_done(q);
	}
	return nout;
}

/* The template's first result and no quiescence: out at once. */
static void
test_at_once(void)
{
	struct render_quiet q = { .min_ms = 100, .max_ms = 400 };
	struct render_quiet off = { 0 };
	uint64_t delay = 12345;

	T_ASSERT(!render_quiet_hold(&q, 1000, true, &delay));
	T_ASSERT(!q.burst);
	T_ASSERT(!render_quiet_hold(&off, 1000, false, &delay));
	T_ASSERT(!render_quiet_hold(&off, 1010, false, &delay));
}

/* The first change after a quiet time waits min, then goes out. */
static void
test_first_change(void)
{
	struct render_quiet q = { .min_ms = 100, .max_ms = 400 };
	uint64_t at[] = { 5000 }, out[SIM_OUT_MAX], delay;

	T_ASSERT(render_quiet_hold(&q, 5000, false, &delay));
	T_EQ_INT(delay, 100);
	render_quiet_done(&q);
	T_EQ_INT(simulate(&q, at, 1, false, out), 1);
	T_EQ_INT(out[0], 5000 + 100);
}

/*
 * A burst of changes closer together than min: nothing goes out during
 * it; one result goes out min after the last change.
 */
static void
test_burst(void)
{
	struct render_quiet q = { .min_ms = 100, .max_ms = 400 };
	uint64_t at[] = { 1000, 1050, 1120, 1190 }, out[SIM_OUT_MAX];

	T_EQ_INT(simulate(&q, at, 4, false, out), 1);
	T_EQ_INT(out[0], 1190 + 100);
}

/*
 * Changes that never stop: a result goes out at the latest max after the
 * first change of each burst, and the next change starts a new burst.
 */
static void
test_max_reached(void)
{
	struct render_quiet q = { .min_ms = 100, .max_ms = 400 };
	uint64_t at[40], out[SIM_OUT_MAX], first = 0, delay;
	size_t i, j, n;

	for (i = 0; i < 40; i++)
		at[i] = 1000 + 30 * i; /* every 30 ms for 1.2 s */
	n = simulate(&q, at, 40, false, out);
	T_ASSERT(n >= 3);
	for (j = 0; j < n; j++) {
		/* The burst began at the first change after the last out. */
		for (i = 0; i < 40; i++)
			if (j == 0 || at[i] > out[j - 1]) {
				first = at[i];
				break;
			}
		T_ASSERT(out[j] <= first + 400);
		T_ASSERT(out[j] >= first + 100);
	}
	/* The deadline itself: a change there goes out at once. */
	q = (struct render_quiet) { .min_ms = 100, .max_ms = 400 };
	T_ASSERT(render_quiet_hold(&q, 0, false, &delay));
	T_ASSERT(render_quiet_hold(&q, 350, false, &delay));
	T_EQ_INT(delay, 50);
	T_ASSERT(render_quiet_hold(&q, 400, false, &delay));
	T_EQ_INT(delay, 0);
	T_ASSERT(render_quiet_hold(&q, 450, false, &delay));
	T_EQ_INT(delay, 0);
}

/* min == max: every result waits exactly min after its first change. */
static void
test_min_equals_max(void)
{
	struct render_quiet q = { .min_ms = 200, .max_ms = 200 };
	uint64_t at[] = { 0, 150, 190 }, out[SIM_OUT_MAX];

	T_EQ_INT(simulate(&q, at, 3, false, out), 1);
	T_EQ_INT(out[0], 200);
}

int
main(void)
{
	test_at_once();
	test_first_change();
	test_burst();
	test_max_reached();
	test_min_equals_max();
	return test_report();
}
