/* SPDX-License-Identifier: MIT */
/*
 * The container table: one record per container Docker has told us
 * about, keyed by its ID, between docker.c (which feeds it events,
 * inspects and listings) and the parts that act on containers
 * (reconcile.c, crash.c, janitor.c), which subscribe to it.  Each of them
 * keeps what it needs of a container in its own section of the record, so
 * there is one table, one lookup and one place where a container is
 * forgotten: when an inspect finds it gone, or a listing leaves it out.
 *
 * It is also the one place that decides whether a container's stop was an
 * operator's (containers_decide), on the event stream itself, in order:
 * a die is an operator's stop when a kill or stop event was seen since
 * the container's last start.  Every subscriber gets that verdict with
 * the change, so --deregister on-success and the crash reporter cannot
 * disagree.  Deciding on the events rather than on the inspects that
 * follow them matters: inspects are coalesced, so "kill, die, start" can
 * reach the subscribers as one change.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

/* Subscribers: reconcile.c, crash.c and janitor.c, or crash_cli.c. */
#define CONTAINERS_SUBSCRIBERS_MAX 4

TAILQ_HEAD(containers_recs, containers_rec);

struct containers {
	struct containers_recs recs;
	size_t n;
	struct {
		containers_cb *cb;
		void *arg;
	} subs[CONTAINERS_SUBSCRIBERS_MAX];
	size_t nsubs;
	unsigned listing; /* listings requested so far */
};

struct containers *
containers_new(void)
{
	struct containers *t;

	t = xcalloc(1, sizeof(*t));
	TAILQ_INIT(&t->recs);
	return t;
}

void
containers_subscribe(struct containers *t, containers_cb *cb, void *arg)
{
	if (t->nsubs == CONTAINERS_SUBSCRIBERS_MAX)
		fatalx("containers: more than %d subscribers",
		    CONTAINERS_SUBSCRIBERS_MAX);
	t->subs[t->nsubs].cb = cb;
	t->subs[t->nsubs].arg = arg;
	t->nsubs++;
}

static void
containers_notify(const struct containers *t, const struct containers_note *n)
{
	for (size_t i = 0; i < t->nsubs; i++)
		t->subs[i].cb(n, t->subs[i].arg);
}

struct containers_rec *
containers_find(const struct containers *t, const char *id)
{
	struct containers_rec *rec;

	TAILQ_FOREACH(rec, &t->recs, entry)
		if (strcmp(rec->id, id) == 0)
			return rec;
	return NULL;
}

struct containers_rec *
containers_get(struct containers *t, const char *id)
{
	struct containers_rec *rec;

	rec = containers_find(t, id);
	if (rec != NULL)
		return rec;
	rec = xcalloc(1, sizeof(*rec));
	(void)str_copy(rec->id, id, sizeof(rec->id));
	TAILQ_INSERT_TAIL(&t->recs, rec, entry);
	t->n++;
	return rec;
}

struct containers_rec *
containers_first(const struct containers *t)
{
	return TAILQ_FIRST(&t->recs);
}

struct containers_rec *
containers_next(const struct containers_rec *rec)
{
	return TAILQ_NEXT(rec, entry);
}

size_t
containers_count(const struct containers *t)
{
	return t->n;
}

void
containers_decide(struct containers_rec *rec, unsigned action)
{
	switch (action) {
	case DOCKER_ACT_START:
		rec->kill_seen = false;
		break;
	case DOCKER_ACT_KILL:
		rec->kill_seen = true;
		break;
	case DOCKER_ACT_DIE:
		rec->operator_stop = rec->kill_seen;
		break;
	default:
		break;
	}
}

struct containers_rec *
containers_event(struct containers *t, const struct docker_event *ev)
{
	struct containers_note n = { .what = CONTAINERS_EVENT };

	n.rec = containers_get(t, ev->id);
	n.rec->event_listing = t->listing;
	n.event = ev;
	containers_decide(n.rec, ev->actions);
	if (ev->actions & DOCKER_ACT_KILL)
		n.rec->kill_signal = ev->signal;
	containers_notify(t, &n);
	return n.rec;
}

void
containers_change(struct containers *t, struct containers_rec *rec,
    struct containers_change *ch)
{
	struct containers_note n = { .what = CONTAINERS_CHANGE };
	struct container *c = NULL;
	char err[REGISTRATOR_ERR_MAX];

	ch->c = NULL;
	ch->inspect_err = NULL;
	ch->operator_stop = rec->operator_stop;
	ch->kill_signal = rec->kill_signal;
	if (ch->inspect != NULL) {
		/* Parsed once here for every subscriber. */
		c = container_from_json(ch->inspect, err, sizeof(err));
		if (c == NULL)
			ch->inspect_err = err;
		ch->c = c;
	}
	n.rec = rec;
	n.change = ch;
	containers_notify(t, &n);
	container_free(c);
	ch->c = NULL;
	ch->inspect_err = NULL;
}

void
containers_remove(struct containers *t, struct containers_rec *rec)
{
	struct containers_note n = { .what = CONTAINERS_GONE };

	n.rec = rec;
	containers_notify(t, &n);
	TAILQ_REMOVE(&t->recs, rec, entry);
	t->n--;
	free(rec);
}

void
containers_listing(struct containers *t)
{
	t->listing++;
}

void
containers_listed(struct containers *t, const char *const *ids, size_t nids)
{
	struct containers_note n = { .what = CONTAINERS_LISTED };
	struct containers_rec *rec, *next;
	size_t i;

	for (rec = TAILQ_FIRST(&t->recs); rec != NULL; rec = next) {
		next = TAILQ_NEXT(rec, entry);
		/* An inspect pending or in flight decides for itself. */
		if (rec->docker != NULL)
			continue;
		/*
		 * Named by an event after the request: the container may
		 * have been created after the daemon's snapshot.
		 */
		if (rec->event_listing == t->listing)
			continue;
		for (i = 0; i < nids; i++)
			if (strcmp(ids[i], rec->id) == 0)
				break;
		if (i == nids)
			containers_remove(t, rec);
	}
	n.nlisted = nids;
	containers_notify(t, &n);
}

void
containers_ready(struct containers *t, const char *host_name)
{
	struct containers_note n = { .what = CONTAINERS_READY };

	n.host_name = host_name;
	containers_notify(t, &n);
}

void
containers_lost(struct containers *t)
{
	struct containers_note n = { .what = CONTAINERS_LOST };

	containers_notify(t, &n);
}

void
containers_error(struct containers *t)
{
	struct containers_note n = { .what = CONTAINERS_ERROR };

	containers_notify(t, &n);
}

void
containers_free(struct containers *t)
{
	struct containers_rec *rec;

	if (t == NULL)
		return;
	while ((rec = TAILQ_FIRST(&t->recs)) != NULL) {
		TAILQ_REMOVE(&t->recs, rec, entry);
		free(rec);
	}
	free(t);
}
