/* SPDX-License-Identifier: MIT */
/*
 * The crash-loop throttle (issue 16): per service, the first crash is
 * reported at once; a crash inside the window after an event is held
 * (the newest one stands for all of them) and counted; when the window
 * ends, the held event leaves carrying how many crashes it stands for and
 * the first and last of their times, and the next window starts.  So a
 * loop sends at most one event per service per window and no crash goes
 * uncounted.  Pure: the caller keeps the held events, the clock and the
 * timer (crash.c).
 */
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

struct crash_throttle *
crash_throttle_new(uint64_t window_ms)
{
	struct crash_throttle *t = xcalloc(1, sizeof(*t));

	t->window_ms = window_ms;
	return t;
}

void
crash_throttle_free(struct crash_throttle *t)
{
	free(t);
}

/* The slot of service, or NULL. */
static struct crash_throttle_slot *
crash_throttle_find(struct crash_throttle *t, const char *service)
{
	size_t i;

	for (i = 0; i < CRASH_THROTTLE_SERVICES_MAX; i++)
		if (t->slots[i].used
		    && strcmp(t->slots[i].service, service) == 0)
			return &t->slots[i];
	return NULL;
}

/* A slot that is free, or whose window ended with nothing held. */
static struct crash_throttle_slot *
crash_throttle_free_slot(struct crash_throttle *t, uint64_t now_ms)
{
	size_t i;

	for (i = 0; i < CRASH_THROTTLE_SERVICES_MAX; i++) {
		struct crash_throttle_slot *s = &t->slots[i];

		if (!s->used
		    || (s->held == 0 && now_ms - s->sent_ms >= t->window_ms))
			return s;
	}
	return NULL;
}

int
crash_throttle_crash(struct crash_throttle *t, const char *service,
    uint64_t now_ms, int64_t now_s, struct crash_throttle_verdict *v)
{
	struct crash_throttle_slot *s;

	memset(v, 0, sizeof(*v));
	v->slot = -1;
	v->crashes = 1;
	v->first_s = v->last_s = now_s;
	s = crash_throttle_find(t, service);
	if (s == NULL) {
		s = crash_throttle_free_slot(t, now_ms);
		/* Table full of looping services: sent, never lost. */
		if (s == NULL)
			return CRASH_THROTTLE_SEND;
		memset(s, 0, sizeof(*s));
		s->used = true;
		(void)str_copy(s->service, service, sizeof(s->service));
		s->sent_ms = now_ms;
		return CRASH_THROTTLE_SEND;
	}
	v->slot = (int)(s - t->slots);
	if (now_ms - s->sent_ms >= t->window_ms) {
		/* The window ended before its tick: this one carries all. */
		v->crashes += s->held;
		if (s->held > 0)
			v->first_s = s->first_s;
		s->held = 0;
		s->sent_ms = now_ms;
		return CRASH_THROTTLE_SEND;
	}
	if (s->held == 0)
		s->first_s = now_s;
	s->held++;
	s->last_s = now_s;
	v->crashes = s->held;
	v->first_s = s->first_s;
	return CRASH_THROTTLE_HOLD;
}

int
crash_throttle_due(struct crash_throttle *t, uint64_t now_ms,
    struct crash_throttle_verdict *v)
{
	size_t i;

	for (i = 0; i < CRASH_THROTTLE_SERVICES_MAX; i++) {
		struct crash_throttle_slot *s = &t->slots[i];

		if (!s->used || s->held == 0
		    || now_ms - s->sent_ms < t->window_ms)
			continue;
		v->slot = (int)i;
		v->crashes = s->held;
		v->first_s = s->first_s;
		v->last_s = s->last_s;
		s->held = 0;
		s->sent_ms = now_ms;
		return 1;
	}
	return 0;
}

int
crash_throttle_take(struct crash_throttle *t, struct crash_throttle_verdict *v)
{
	size_t i;

	for (i = 0; i < CRASH_THROTTLE_SERVICES_MAX; i++) {
		struct crash_throttle_slot *s = &t->slots[i];

		if (!s->used || s->held == 0)
			continue;
		v->slot = (int)i;
		v->crashes = s->held;
		v->first_s = s->first_s;
		v->last_s = s->last_s;
		s->held = 0;
		return 1;
	}
	return 0;
}

uint64_t
crash_throttle_next_ms(const struct crash_throttle *t)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < CRASH_THROTTLE_SERVICES_MAX; i++) {
		const struct crash_throttle_slot *s = &t->slots[i];

		if (s->used && s->held > 0 && s->sent_ms + t->window_ms < next)
			next = s->sent_ms + t->window_ms;
	}
	return next;
}
