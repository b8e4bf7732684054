/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the crash reporter's pure path: the input is a
 * Docker answer, read both as an inspect (container_parse, then
 * crash_is_crash, crash_event_reason, crash_event_service and crash_event_build
 * serialised as Sentry would receive it) and as a stats answer
 * (crash_stats_parse, whose sample goes into the event when it parses).
 * Besides crashes, leaks and undefined behaviour, the target checks the
 * secrets rule of the Sentry issue: the event does not depend on the
 * container's environment (except SERVICE_NAME, which names the
 * service): every other env value is replaced and the event built again,
 * and both must be the same JSON once event_id and timestamp are set
 * aside.  Seeds: inspect and stats answers of the real Docker Engine.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sentry.h"
#include "xmalloc.h"

#include "registrator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cJSON *
crash_fuzz_event(const struct crash_report *r)
{
	struct buf out = BUF_INITIALIZER(SENTRY_EVENT_MAX + 4096);
	struct sentry_event *ev;
	char err[SENTRY_ERR_MAX];
	cJSON *root;

	ev = crash_event_build(r);
	if (ev == NULL)
		abort();
	if (sentry_event_serialize(ev, &out, err, sizeof(err)) == -1)
		abort();
	if (out.len > SENTRY_EVENT_MAX)
		abort();
	root = cJSON_ParseWithLength(out.data, out.len);
	if (root == NULL)
		abort(); /* serialised JSON must parse back */
	cJSON_DeleteItemFromObjectCaseSensitive(root, "event_id");
	cJSON_DeleteItemFromObjectCaseSensitive(root, "timestamp");
	sentry_event_free(ev);
	buf_clear(&out);
	return root;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crash_report r = { .host = "fuzzhost",
		.logs = "[stdout] boom\n",
		.stats_age_ms = 1500 };
	char err[REGISTRATOR_ERR_MAX], buf[256];
	struct crash_stats st;
	struct container *c;
	cJSON *a, *b;
	size_t i;

	xmalloc_init_cjson();
	memset(&st, 0, sizeof(st));
	if (crash_stats_parse((const char *)data, size, &st, err, sizeof(err))
	    == 0)
		r.stats = &st;
	c = container_parse((const char *)data, size, err, sizeof(err));
	if (c == NULL)
		return 0;
	(void)crash_is_crash(&c->state, false);
	(void)crash_is_crash(&c->state, true);
	crash_event_reason(&c->state, buf, sizeof(buf));
	crash_event_service(c, buf, sizeof(buf));
	r.c = c;
	a = crash_fuzz_event(&r);
	for (i = 0; i < c->nenv; i++) {
		if (strcmp(c->env[i].key, "SERVICE_NAME") == 0)
			continue;
		free(c->env[i].value);
		c->env[i].value = xstrdup("\x01replaced\x01");
	}
	b = crash_fuzz_event(&r);
	if (!cJSON_Compare(a, b, 1))
		abort(); /* an env value reached the event */
	cJSON_Delete(a);
	cJSON_Delete(b);
	container_free(c);
	return 0;
}
