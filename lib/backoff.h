/* SPDX-License-Identifier: MIT */
/*
 * Retry delays: exponential backoff with jitter, so that many daemons
 * which lost Docker or Consul at the same moment do not all come back at
 * the same moment (AWS architecture blog, "Exponential Backoff And
 * Jitter").  Pure: the state, including its own seeded PRNG, lives in the
 * caller's struct; nothing here reads the clock or logs.
 *
 *	backoff_init(&b, 500, 30000, BACKOFF_JITTER_FULL, seed);
 *	on failure:  loop_timer_start(loop, &t, backoff_next(&b));
 *	on success:  backoff_reset(&b);
 */
#ifndef BACKOFF_H
#define BACKOFF_H

#include <stdint.h>

enum backoff_jitter {
	BACKOFF_JITTER_NONE, /* min, 2min, 4min, ... max */
	BACKOFF_JITTER_FULL, /* uniform in [min, that ceiling] */
	BACKOFF_JITTER_DECORRELATED, /* uniform in [min, 3 * previous], capped
				      */
};

/* Embedded in its owner; fields are private to backoff.c. */
struct backoff {
	uint64_t min_ms;
	uint64_t max_ms;
	enum backoff_jitter jitter;
	unsigned failures; /* since the last reset */
	uint64_t prev_ms; /* last delay handed out */
	uint64_t rng; /* PRNG state */
};

/*
 * Sets up b.  min_ms is raised to 1 and max_ms to min_ms when they are
 * smaller.  The same seed gives the same sequence (tests); a daemon passes
 * something that differs between hosts and runs, such as
 * mono_ms() ^ getpid().
 */
void backoff_init(struct backoff *b, uint64_t min_ms, uint64_t max_ms,
    enum backoff_jitter jitter, uint64_t seed);
/* Counts one more failure and returns the delay before the next try. */
uint64_t backoff_next(struct backoff *b);
/* Forgets the failures: the next delay starts from min_ms again. */
void backoff_reset(struct backoff *b);
/* Failures since the last reset (for "retrying, attempt N" messages). */
unsigned backoff_failures(const struct backoff *b);

#endif
