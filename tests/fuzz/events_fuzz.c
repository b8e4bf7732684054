/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for docker_event_parse: one line of Docker's /events
 * stream, whose Attributes carry the container's labels (anyone's to
 * write).  Seeds: lines captured from Docker Engine 20.10 while a
 * labelled container was started, renamed, connected, killed and removed.
 * Any crash, leak or undefined behaviour is a bug; so is an event that
 * breaks the promises of registrator.h checked below, since docker.c
 * uses the ID in a URL and the exit code in crash reports unchecked.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registrator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EVENTS_FUZZ_ACTS                                                 \
	(DOCKER_ACT_START | DOCKER_ACT_DIE | DOCKER_ACT_KILL             \
	    | DOCKER_ACT_DESTROY | DOCKER_ACT_HEALTH | DOCKER_ACT_RENAME \
	    | DOCKER_ACT_NETWORK | DOCKER_ACT_OOM)

static void
fuzz_invariants(const struct docker_event *ev)
{
	size_t n;

	/* At most one known bit, never a listing's. */
	if ((ev->actions & ~(unsigned)EVENTS_FUZZ_ACTS) != 0
	    || (ev->actions & (ev->actions - 1)) != 0)
		abort();
	n = strnlen(ev->id, sizeof(ev->id));
	if (n == sizeof(ev->id) || (n > 0 && ev->actions == 0))
		abort();
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)ev->id[i]))
			abort();
	n = strnlen(ev->action, sizeof(ev->action));
	if (n == sizeof(ev->action) || (n == 0) != (ev->actions == 0))
		abort();
	if (ev->exit_code != -1
	    && (ev->actions != DOCKER_ACT_DIE || ev->exit_code < 0
		|| ev->exit_code > 255 || ev->id[0] == '\0'))
		abort();
	if (ev->signal != 0
	    && (ev->actions != DOCKER_ACT_KILL || ev->signal < 1
		|| ev->signal > DOCKER_SIGNAL_MAX || ev->id[0] == '\0'))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct docker_event ev, again;
	char err[REGISTRATOR_ERR_MAX];
	int rc;

	rc = docker_event_parse((const char *)data, size, &ev, err,
	    sizeof(err));
	if (rc == -1) {
		if (ev.actions != 0 || ev.id[0] != '\0' || ev.time_ns != 0
		    || ev.exit_code != -1 || strnlen(err, sizeof(err)) == 0
		    || strnlen(err, sizeof(err)) == sizeof(err))
			abort();
		return 0;
	}
	if (rc != 0)
		abort();
	fuzz_invariants(&ev);
	/* Pure: the same line gives the same event. */
	if (docker_event_parse((const char *)data, size, &again, err,
		sizeof(err))
		!= 0
	    || memcmp(&ev, &again, sizeof(ev)) != 0)
		abort();
	return 0;
}
