/* SPDX-License-Identifier: MIT */
/*
 * The janitor (--cleanup-exited=<grace>), after ShepherD's: exited
 * containers are removed once they have been dead for the grace period,
 * counted from State.FinishedAt so a restart of the registrator resumes
 * the same schedule.  It subscribes to the container table (containers.c)
 * and sees every inspected change: a container that starts again, or that
 * its restart policy will restart, or that does not match the label
 * filter, leaves the schedule; one whose crash report is still being made
 * (its logs are being read; crash.c says so with janitor_hold) waits for
 * it.  Removal is a plain DELETE (no force, no volumes): if the
 * container came back meanwhile Docker refuses it and it is kept.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

#define JANITOR_PATH_MAX 128

/* ---- pure ---- */

static bool
janitor_filter_match(const struct container *c, const char *filter)
{
	const char *eq, *v;
	char key[256];

	if (filter == NULL || filter[0] == '\0')
		return true;
	eq = strchr(filter, '=');
	if (eq == NULL)
		return container_label(c, filter) != NULL;
	(void)snprintf(key, sizeof(key), "%.*s", (int)(eq - filter), filter);
	v = container_label(c, key);
	return v != NULL && strcmp(v, eq + 1) == 0;
}

bool
janitor_removable(const struct container *c, const char *filter, char *why,
    size_t whylen)
{
	const char *policy = c->restart_policy;

	if (c->state.running || c->state.restarting || c->state.paused) {
		(void)snprintf(why, whylen, "running");
		return false;
	}
	if (strcmp(c->state.status, "exited") != 0
	    && strcmp(c->state.status, "dead") != 0) {
		(void)snprintf(why, whylen, "state %s", c->state.status);
		return false;
	}
	if (c->auto_remove) {
		(void)snprintf(why, whylen, "--rm: Docker removes it");
		return false;
	}
	if (strcmp(policy, "always") == 0
	    || strcmp(policy, "unless-stopped") == 0) {
		(void)snprintf(why, whylen, "restart policy %s", policy);
		return false;
	}
	if (strcmp(policy, "on-failure") == 0 && c->state.exit_code != 0
	    && (c->restart_max_retries <= 0
		|| c->restart_count < c->restart_max_retries)) {
		(void)snprintf(why, whylen,
		    "restart policy on-failure with "
		    "retries left");
		return false;
	}
	if (!janitor_filter_match(c, filter)) {
		(void)snprintf(why, whylen, "label filter %s", filter);
		return false;
	}
	return true;
}

int
janitor_parse_time(const char *s, int64_t *ms)
{
	struct tm tm;
	const char *p;
	long long frac_ms = 0, off = 0, hh, mm;
	int digits = 0;
	time_t t;
	char tmp[3];

	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL || tm.tm_year + 1900 < 1970)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac_ms = frac_ms * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			frac_ms *= 10;
	}
	if (*p == '+' || *p == '-') {
		if (strlen(p) != 6 || p[3] != ':')
			return -1;
		tmp[0] = p[1];
		tmp[1] = p[2];
		tmp[2] = '\0';
		if (str_to_ll(tmp, 0, 23, &hh) == -1)
			return -1;
		tmp[0] = p[4];
		tmp[1] = p[5];
		if (str_to_ll(tmp, 0, 59, &mm) == -1)
			return -1;
		off = (hh * 60 + mm) * 60 * (p[0] == '+' ? 1 : -1);
	} else if (strcmp(p, "Z") != 0)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*ms = ((int64_t)t - off) * 1000 + frac_ms;
	return 0;
}

/* ---- on the loop ---- */

/*
 * janitor.c's section of a container record: its removal, scheduled for
 * the end of the grace period.  A DELETE in flight outlives the record
 * (Docker's destroy event can come before the DELETE's answer): the
 * section is then taken off the record and kept on the removing list.
 */
struct janitor_ctr {
	TAILQ_ENTRY(janitor_ctr) entry; /* on removing, once orphaned */
	struct janitor *j;
	struct containers_rec *rec; /* its record; NULL once orphaned */
	char id[DOCKER_ID_MAX + 1];
	char *name;
	bool report_pending;
	bool due; /* grace over, waiting for the report */
	struct loop_timer timer;
	struct http_req *req; /* the DELETE */
};
TAILQ_HEAD(janitor_ctrs, janitor_ctr);

struct janitor {
	struct loop *loop;
	struct http *http;
	struct docker *docker;
	struct containers *table;
	uint64_t grace_ms;
	char *filter;
	struct janitor_ctrs removing; /* DELETEs whose record is gone */
	struct metric *m_removed;
};

static void
janitor_forget(struct janitor *j, struct janitor_ctr *c)
{
	if (c->rec != NULL)
		c->rec->janitor = NULL;
	else
		TAILQ_REMOVE(&j->removing, c, entry);
	loop_timer_stop(j->loop, &c->timer);
	http_cancel(j->http, c->req);
	free(c->name);
	free(c);
}

static void
janitor_remove_done(const struct http_result *res, void *arg)
{
	struct janitor_ctr *c = arg;
	struct janitor *j = c->j;

	c->req = NULL;
	if (res->error != 0)
		log_warnx("container %s: cleanup: %s, kept", c->name,
		    res->errmsg);
	else if (res->status == 204 || res->status == 404) {
		log_info("container %s: exited more than %llu ms ago, removed",
		    c->name, (unsigned long long)j->grace_ms);
		if (j->m_removed != NULL)
			metrics_inc(j->m_removed);
	} else
		log_warnx("container %s: cleanup refused (HTTP %ld), kept",
		    c->name, res->status);
	janitor_forget(j, c);
}

static void
janitor_remove(struct janitor_ctr *c)
{
	char path[JANITOR_PATH_MAX];

	(void)snprintf(path, sizeof(path), "/containers/%s", c->id);
	c->req = docker_request(c->j->docker, "DELETE", path, 0,
	    janitor_remove_done, c);
}

static void
janitor_timer_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct janitor_ctr *c = arg;

	(void)loop;
	(void)t;
	if (c->report_pending) {
		c->due = true;
		return;
	}
	janitor_remove(c);
}

struct janitor *
janitor_new(struct loop *loop, struct http *http, struct docker *docker,
    struct containers *table, struct metrics *metrics, uint64_t grace_ms,
    const char *filter)
{
	struct janitor *j;

	j = xcalloc(1, sizeof(*j));
	j->loop = loop;
	j->http = http;
	j->docker = docker;
	j->table = table;
	j->grace_ms = grace_ms;
	if (filter != NULL && filter[0] != '\0')
		j->filter = xstrdup(filter);
	TAILQ_INIT(&j->removing);
	if (metrics != NULL)
		j->m_removed = metrics_counter(metrics,
		    "registrator_containers_removed_total",
		    "Exited containers removed by --cleanup-exited", NULL,
		    NULL);
	return j;
}

/* A container's state as inspected (NULL: it is gone). */
static void
janitor_change(struct janitor *j, struct containers_rec *rec,
    const struct container *c)
{
	struct janitor_ctr *sec = rec->janitor;
	struct timespec ts;
	int64_t finished, now, delay;
	char why[128];

	if (sec != NULL && sec->req != NULL)
		return; /* being removed: the answer decides */
	if (c == NULL || !janitor_removable(c, j->filter, why, sizeof(why))) {
		if (sec != NULL) {
			log_debug("container %.12s: cleanup cancelled: %s",
			    rec->id, c == NULL ? "gone" : why);
			janitor_forget(j, sec);
		}
		return;
	}
	if (janitor_parse_time(c->state.finished_at, &finished) == -1)
		finished = -1;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	/*
	 * Timers count from the loop's cached time, which lags the clock by
	 * the time this turn has run so far: add it, and the millisecond
	 * FinishedAt's nanoseconds were rounded down by, so the removal is
	 * never early.
	 */
	delay = finished < 0 ? (int64_t)j->grace_ms
			     : finished + (int64_t)j->grace_ms - now + 1;
	delay += (int64_t)(mono_ms() - loop_now_ms(j->loop));
	if (delay < 0)
		delay = 0;
	if (sec == NULL) {
		sec = xcalloc(1, sizeof(*sec));
		sec->j = j;
		sec->rec = rec;
		(void)str_copy(sec->id, rec->id, sizeof(sec->id));
		sec->name = xstrdup(c->name);
		loop_timer_init(&sec->timer, janitor_timer_cb, sec);
		rec->janitor = sec;
		log_debug("container %s: exited, removal in %lld ms", c->name,
		    (long long)delay);
	}
	sec->due = false;
	loop_timer_start(j->loop, &sec->timer, (uint64_t)delay);
}

/* The record is freed next: a DELETE in flight keeps its section. */
static void
janitor_gone(struct janitor *j, struct containers_rec *rec)
{
	struct janitor_ctr *sec = rec->janitor;

	if (sec == NULL)
		return;
	if (sec->req == NULL) {
		janitor_forget(j, sec);
		return;
	}
	rec->janitor = NULL;
	sec->rec = NULL;
	TAILQ_INSERT_TAIL(&j->removing, sec, entry);
}

void
janitor_notify(const struct containers_note *n, void *arg)
{
	struct janitor *j = arg;

	switch (n->what) {
	case CONTAINERS_CHANGE:
		/* An unusable inspect changes nothing. */
		if (n->change->inspect == NULL || n->change->c != NULL)
			janitor_change(j, n->rec, n->change->c);
		break;
	case CONTAINERS_GONE:
		janitor_gone(j, n->rec);
		break;
	case CONTAINERS_READY:
	case CONTAINERS_EVENT:
	case CONTAINERS_LISTED:
	case CONTAINERS_LOST:
	case CONTAINERS_ERROR:
		break;
	}
}

void
janitor_hold(struct janitor *j, struct containers_rec *rec)
{
	(void)j;
	if (rec->janitor != NULL)
		rec->janitor->report_pending = true;
}

void
janitor_report_done(struct janitor *j, const char *id)
{
	struct containers_rec *rec = containers_find(j->table, id);
	struct janitor_ctr *sec = rec != NULL ? rec->janitor : NULL;

	if (sec == NULL)
		return;
	sec->report_pending = false;
	if (sec->due && sec->req == NULL)
		janitor_remove(sec);
}

void
janitor_free(struct janitor *j)
{
	struct containers_rec *rec;
	struct janitor_ctr *c;

	if (j == NULL)
		return;
	for (rec = containers_first(j->table); rec != NULL;
	     rec = containers_next(rec))
		if (rec->janitor != NULL)
			janitor_forget(j, rec->janitor);
	while ((c = TAILQ_FIRST(&j->removing)) != NULL)
		janitor_forget(j, c);
	free(j->filter);
	free(j);
}
