/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for registrator/containers.c: the operator-stop decision on
 * the event stream (the one place it is taken), and the table's
 * notifications: the verdict and the parsed container handed to every
 * subscriber in order, and records forgotten by a listing.
 */
#include <stdio.h>
#include <string.h>

#include "registrator.h"
#include "registrator_fixture.h"
#include "test.h"

#define ID_A "aaaa"
#define ID_B "bbbb"
#define ID_C "cccc"

/* Feeds one event of each action in order; returns the die's verdict. */
static bool
verdict(const unsigned *actions, size_t n)
{
	struct containers *t = containers_new();
	struct docker_event ev;
	struct containers_rec *rec = NULL;
	bool stop;

	for (size_t i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.actions = actions[i];
		(void)snprintf(ev.id, sizeof(ev.id), "%s", ID_A);
		rec = containers_event(t, &ev);
	}
	stop = rec != NULL && rec->operator_stop;
	containers_free(t);
	return stop;
}

#define VERDICT(...)                                \
	verdict((const unsigned[]) { __VA_ARGS__ }, \
	    sizeof((const unsigned[]) { __VA_ARGS__ }) / sizeof(unsigned))

static void
test_decide(void)
{
	/* docker kill, docker stop: the kill comes before the die. */
	T_ASSERT(VERDICT(DOCKER_ACT_START, DOCKER_ACT_KILL, DOCKER_ACT_DIE));
	/* docker stop also sends "stop", after the die: still the stop's. */
	T_ASSERT(VERDICT(DOCKER_ACT_START, DOCKER_ACT_KILL, DOCKER_ACT_DIE,
	    DOCKER_ACT_KILL));
	/* A crash: no kill since the start. */
	T_ASSERT(!VERDICT(DOCKER_ACT_START, DOCKER_ACT_DIE));
	T_ASSERT(!VERDICT(DOCKER_ACT_DIE));
	/* A start forgets the kills of the run before. */
	T_ASSERT(!VERDICT(DOCKER_ACT_KILL, DOCKER_ACT_DIE, DOCKER_ACT_START,
	    DOCKER_ACT_DIE));
	/* docker restart, then a crash of the new run. */
	T_ASSERT(!VERDICT(DOCKER_ACT_KILL, DOCKER_ACT_DIE, DOCKER_ACT_KILL,
	    DOCKER_ACT_START, DOCKER_ACT_START, DOCKER_ACT_DIE));
	/* A kill long before, in the same run (kill -s HUP): no clock. */
	T_ASSERT(VERDICT(DOCKER_ACT_START, DOCKER_ACT_KILL, DOCKER_ACT_HEALTH,
	    DOCKER_ACT_NETWORK, DOCKER_ACT_DIE));
	/* The verdict stays until the next die, whatever comes between. */
	T_ASSERT(VERDICT(DOCKER_ACT_KILL, DOCKER_ACT_DIE, DOCKER_ACT_START,
	    DOCKER_ACT_RENAME));
	/* An OOM event is not an operator's. */
	T_ASSERT(!VERDICT(DOCKER_ACT_START, DOCKER_ACT_OOM, DOCKER_ACT_DIE));
}

/* What a subscriber saw. */
struct seen {
	char log[512];
	bool stop;
	char name[64];
	bool unusable;
};

static void
record(const struct containers_note *n, void *arg, const char *who)
{
	struct seen *s = arg;
	size_t len = strlen(s->log);
	static const char *const what[]
	    = { "ready", "event", "change", "gone", "listed", "lost", "error" };

	(void)snprintf(s->log + len, sizeof(s->log) - len, "%s:%s:%s ", who,
	    what[n->what], n->rec != NULL ? n->rec->id : "-");
	if (n->what == CONTAINERS_CHANGE) {
		s->stop = n->change->operator_stop;
		s->unusable = n->change->inspect != NULL && n->change->c == NULL
		    && n->change->inspect_err != NULL;
		(void)snprintf(s->name, sizeof(s->name), "%s",
		    n->change->c != NULL ? n->change->c->name : "");
	}
}

static void
first_cb(const struct containers_note *n, void *arg)
{
	record(n, arg, "1");
}

static void
second_cb(const struct containers_note *n, void *arg)
{
	record(n, arg, "2");
}

static void
test_notify(void)
{
	struct containers *t = containers_new();
	struct containers_change ch;
	struct containers_rec *a, *b, *c;
	struct docker_event ev;
	struct seen s;
	const char *ids[] = { ID_A };
	cJSON *inspect;
	char pending;

	memset(&s, 0, sizeof(s));
	containers_subscribe(t, first_cb, &s);
	containers_subscribe(t, second_cb, &s);

	memset(&ev, 0, sizeof(ev));
	ev.actions = DOCKER_ACT_KILL;
	(void)snprintf(ev.id, sizeof(ev.id), "%s", ID_A);
	a = containers_event(t, &ev);
	ev.actions = DOCKER_ACT_DIE;
	T_ASSERT(containers_event(t, &ev) == a);
	T_EQ_STR(s.log, "1:event:aaaa 2:event:aaaa 1:event:aaaa 2:event:aaaa ");

	/* The change carries the verdict and the container, parsed once. */
	s.log[0] = '\0';
	inspect = fixture_json("{'Id':'aaaa','Name':'/web','State':{"
			       "'Status':'exited','ExitCode':137}}");
	memset(&ch, 0, sizeof(ch));
	ch.actions = DOCKER_ACT_KILL | DOCKER_ACT_DIE;
	ch.inspect = inspect;
	ch.die_exit_code = 137;
	containers_change(t, a, &ch);
	T_EQ_STR(s.log, "1:change:aaaa 2:change:aaaa ");
	T_ASSERT(s.stop);
	T_EQ_STR(s.name, "web");
	T_ASSERT(!s.unusable);
	T_NULL(ch.c);
	cJSON_Delete(inspect);

	/* An inspect that is not a container is handed on as unusable. */
	inspect = fixture_json("{'Name':'/noid'}");
	memset(&ch, 0, sizeof(ch));
	ch.inspect = inspect;
	containers_change(t, a, &ch);
	T_ASSERT(s.unusable);
	cJSON_Delete(inspect);

	/* A listing forgets the idle records it does not name. */
	b = containers_get(t, ID_B);
	c = containers_get(t, ID_C);
	T_ASSERT(containers_get(t, ID_B) == b);
	T_EQ_INT(containers_count(t), 3);
	/* An inspect pending on c: the inspect decides, not the listing. */
	c->docker = (struct docker_ctr *)(void *)&pending;
	s.log[0] = '\0';
	containers_listing(t);
	containers_listed(t, ids, 1);
	T_EQ_STR(s.log, "1:gone:bbbb 2:gone:bbbb 1:listed:- 2:listed:- ");
	T_NULL(containers_find(t, ID_B));
	T_ASSERT(containers_find(t, ID_A) == a);
	T_ASSERT(containers_find(t, ID_C) == c);
	T_EQ_INT(containers_count(t), 2);
	c->docker = NULL;

	/*
	 * A container created after the daemon took the listing's snapshot:
	 * its start event came after the request, so the listing that does
	 * not name it must not forget it (a registration lost until the next
	 * resync).  The next listing, requested after the event, may.
	 */
	containers_listing(t);
	ev.actions = DOCKER_ACT_START;
	(void)snprintf(ev.id, sizeof(ev.id), "%s", ID_B);
	b = containers_event(t, &ev);
	s.log[0] = '\0';
	containers_listed(t, ids, 1);
	T_EQ_STR(s.log, "1:gone:cccc 2:gone:cccc 1:listed:- 2:listed:- ");
	T_ASSERT(containers_find(t, ID_B) == b);
	containers_listing(t);
	s.log[0] = '\0';
	containers_listed(t, ids, 1);
	T_EQ_STR(s.log, "1:gone:bbbb 2:gone:bbbb 1:listed:- 2:listed:- ");
	T_NULL(containers_find(t, ID_B));

	s.log[0] = '\0';
	containers_remove(t, a);
	T_EQ_STR(s.log, "1:gone:aaaa 2:gone:aaaa ");
	T_NULL(containers_find(t, ID_A));
	T_NULL(containers_first(t));
	containers_free(t);
}

int
main(void)
{
	test_decide();
	test_notify();
	return test_report();
}
