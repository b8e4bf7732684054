/* SPDX-License-Identifier: MIT */
/*
 * Exponential backoff.  The ceiling doubles with each failure from min_ms
 * up to max_ms.  Full jitter draws uniformly below the ceiling but never
 * under min_ms (a zero delay would turn a dead server into a busy loop);
 * decorrelated jitter draws from [min, 3 * previous delay], which spreads
 * retries as well with less total wait.  The PRNG is xorshift64*, seeded
 * through splitmix64 so that any seed, 0 included, gives a good state; it
 * needs to scatter retries, not to be unpredictable.
 */
#include "backoff.h"

static uint64_t
backoff_rand(struct backoff *b)
{
	uint64_t x = b->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	b->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [lo, hi]; the modulo bias is negligible at these ranges. */
static uint64_t
backoff_between(struct backoff *b, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return lo;
	if (hi - lo == UINT64_MAX)
		return backoff_rand(b);
	return lo + backoff_rand(b) % (hi - lo + 1);
}

void
backoff_init(struct backoff *b, uint64_t min_ms, uint64_t max_ms,
    enum backoff_jitter jitter, uint64_t seed)
{
	uint64_t z = seed + 0x9E3779B97F4A7C15ULL;

	b->min_ms = min_ms < 1 ? 1 : min_ms;
	b->max_ms = max_ms < b->min_ms ? b->min_ms : max_ms;
	b->jitter = jitter;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	b->rng = z != 0 ? z : 1; /* xorshift must not start at zero */
	backoff_reset(b);
}

void
backoff_reset(struct backoff *b)
{
	b->failures = 0;
	b->prev_ms = 0;
}

unsigned
backoff_failures(const struct backoff *b)
{
	return b->failures;
}

uint64_t
backoff_next(struct backoff *b)
{
	uint64_t ceil = b->min_ms, hi, d;
	unsigned i;

	if (b->failures < UINT32_MAX)
		b->failures++;
	for (i = 1; i < b->failures && ceil < b->max_ms; i++)
		ceil = ceil > b->max_ms / 2 ? b->max_ms : ceil * 2;
	switch (b->jitter) {
	case BACKOFF_JITTER_FULL:
		d = backoff_between(b, b->min_ms, ceil);
		break;
	case BACKOFF_JITTER_DECORRELATED:
		hi = b->prev_ms > b->max_ms / 3 ? b->max_ms : b->prev_ms * 3;
		d = backoff_between(b, b->min_ms, hi);
		break;
	case BACKOFF_JITTER_NONE:
	default:
		d = ceil;
		break;
	}
	if (d > b->max_ms)
		d = b->max_ms;
	b->prev_ms = d;
	return d;
}
