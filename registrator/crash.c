/* SPDX-License-Identifier: MIT */
/*
 * The crash reporter: it sees every container change docker.c hands on
 * (before reconcile.c does), keeps per container whether an operator
 * asked it to stop since its last start and the last resource sample
 * taken while it ran (crash_stats.c), and on a die whose inspect shows a
 * crash it reads the container's last log lines (crash_logs.c), builds
 * a Sentry event grouped by service and reason (crash_event.c) and
 * queues it on the Sentry transport.  Sending never blocks registration:
 * the transport queues and drops.  crash_cli.c runs the same report for
 * one container on demand.
 */
#include <sys/queue.h>

#include <sys/sysinfo.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "sentry.h"
#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

#define CRASH_PATH_MAX 256
/*
 * Stats requests in flight at once: a one-shot sample takes the daemon
 * about a second, and the connections are shared with registration.
 */
#define CRASH_STATS_INFLIGHT_MAX 4
#define CRASH_CGROUP_ROOT "/sys/fs/cgroup"

/* A die is a crash unless an operator stopped it; an OOM kill always is. */
bool
crash_is_crash(const struct container_state *st, bool operator_stop)
{
	if (st->oom_killed)
		return true;
	return st->exit_code != 0 && !operator_stop;
}

/*
 * crash.c's section of a container record: what a report of its next die
 * needs and cannot read after it, and the sampling while it runs.
 */
struct crash_ctr {
	struct crash *crash;
	struct containers_rec *rec; /* the record it is the section of */
	struct container *last; /* last inspect, for --rm; owned */
	char *reported; /* FinishedAt of the last exit reported, owned */
	bool running;
	bool stats_wanted; /* due, waiting for a free slot */
	struct crash_stats stats; /* last valid sample */
	uint64_t stats_ms; /* when it was taken (monotonic) */
	struct loop_timer stats_timer;
	struct http_req *stats_req;
};

/* One report being made: the logs are being read. */
struct crash_job {
	TAILQ_ENTRY(crash_job) entry;
	struct crash *crash;
	struct container *c; /* final state, owned */
	struct crash_stats stats;
	uint64_t stats_age_ms;
	struct http_req *req;
	bool want_stats; /* crash-event: sample first */
};
TAILQ_HEAD(crash_jobs, crash_job);

struct crash {
	struct loop *loop;
	struct http *http;
	struct docker *docker;
	struct containers *table;
	struct sentry *sentry; /* NULL: no reports (crash-event) */
	struct janitor *janitor;
	const struct crash_config *cfg;
	char *host;
	struct crash_jobs jobs;
	unsigned stats_inflight;
	long long host_mem; /* RAM, the limit of an unlimited container */
	struct metric *m_crashes;
	struct metric *m_stops;
	struct metric *m_held;
	struct crash_throttle *throttle;
	/* The event each throttle slot holds back, or NULL; owned. */
	struct sentry_event *held[CRASH_THROTTLE_SERVICES_MAX];
	struct loop_timer throttle_timer;
};

static void crash_stats_start(struct crash_ctr *);

/*
 * Stats slots are free: containers never sampled first (a short-lived one
 * must not wait behind long-running ones), then those waiting longest.
 */
static void
crash_stats_next(struct crash *cr)
{
	struct containers_rec *rec;
	struct crash_ctr *c;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (rec = containers_first(cr->table); rec != NULL;
		     rec = containers_next(rec)) {
			if (cr->stats_inflight >= CRASH_STATS_INFLIGHT_MAX)
				return;
			c = rec->crash;
			if (c != NULL && c->stats_wanted
			    && (pass == 1 || !c->stats.valid))
				crash_stats_start(c);
		}
}

static void
crash_ctr_free(struct crash *cr, struct crash_ctr *c)
{
	c->rec->crash = NULL;
	loop_timer_stop(cr->loop, &c->stats_timer);
	if (c->stats_req != NULL) {
		http_cancel(cr->http, c->stats_req);
		cr->stats_inflight--;
		crash_stats_next(cr);
	}
	container_free(c->last);
	free(c->reported);
	free(c);
}

/*
 * Keeps a sample unless no process is left (the cgroup outlives the exit
 * by a moment): the last sample of the living container is the useful one.
 */
static void
crash_stats_keep(struct crash_ctr *c, const struct crash_stats *st)
{
	if (st->pids == 0)
		return;
	c->stats = *st;
	c->stats_ms = loop_now_ms(c->crash->loop);
}

static void
crash_stats_done(const struct http_result *res, void *arg)
{
	struct crash_stats st;
	struct crash_ctr *c = arg;
	struct crash *cr = c->crash;
	char err[JSON_ERR_MAX];

	c->stats_req = NULL;
	cr->stats_inflight--;
	if (res->error == 0 && res->status == 200) {
		if (crash_stats_parse(res->body, res->body_len, &st, err,
			sizeof(err))
		    == 0)
			crash_stats_keep(c, &st);
		else
			log_debug("container %.12s: %s", c->rec->id, err);
	} else
		log_debug("container %.12s: stats: %s (HTTP %ld)", c->rec->id,
		    res->error != 0 ? res->errmsg : "refused", res->status);
	if (c->running && cr->cfg->stats_interval_ms > 0)
		loop_timer_start(cr->loop, &c->stats_timer,
		    cr->cfg->stats_interval_ms);
	crash_stats_next(cr);
}

static void
crash_stats_start(struct crash_ctr *c)
{
	struct crash *cr = c->crash;
	struct crash_stats st;
	char path[CRASH_PATH_MAX];

	c->stats_wanted = false;
	if (c->stats_req != NULL || !c->running)
		return;
	/* The cgroup files, when this host's are mounted, answer at once. */
	if (crash_stats_cgroup_read(CRASH_CGROUP_ROOT, c->rec->id, cr->host_mem,
		&st)
	    == 0) {
		crash_stats_keep(c, &st);
		loop_timer_start(cr->loop, &c->stats_timer,
		    cr->cfg->stats_interval_ms);
		return;
	}
	if (cr->stats_inflight >= CRASH_STATS_INFLIGHT_MAX) {
		c->stats_wanted = true;
		return;
	}
	(void)snprintf(path, sizeof(path),
	    "/containers/%s/stats?stream=false&one-shot=true", c->rec->id);
	cr->stats_inflight++;
	c->stats_req = docker_request(cr->docker, NULL, path,
	    BUF_MAX_CRASH_STATS, crash_stats_done, c);
}

static void
crash_stats_timer_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	crash_stats_start(arg);
}

static void
crash_job_free(struct crash *cr, struct crash_job *j)
{
	TAILQ_REMOVE(&cr->jobs, j, entry);
	http_cancel(cr->http, j->req);
	container_free(j->c);
	free(j);
}

/* Unix seconds as the ISO 8601 UTC time Sentry shows in a tag. */
static void
crash_iso_time(int64_t unix_s, char *out, size_t len)
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL
	    || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(out, len, "%lld", (long long)unix_s);
}

/* Sends ev (consumed) tagged with the crashes it stands for. */
static void
crash_send(struct crash *cr, struct sentry_event *ev,
    const struct crash_throttle_verdict *v)
{
	char num[32], first[32], last[32];

	(void)snprintf(num, sizeof(num), "%llu", v->crashes);
	crash_iso_time(v->first_s, first, sizeof(first));
	crash_iso_time(v->last_s, last, sizeof(last));
	(void)sentry_event_set_tag(ev, "crash_count", num);
	(void)sentry_event_set_tag(ev, "crash_first", first);
	(void)sentry_event_set_tag(ev, "crash_last", last);
	(void)sentry_capture(cr->sentry, ev);
}

static void crash_throttle_arm(struct crash *);

/* Windows ended: their held events leave. */
static void
crash_throttle_timer_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct crash_throttle_verdict v;
	struct crash *cr = arg;
	struct sentry_event *ev;

	(void)t;
	while (crash_throttle_due(cr->throttle, loop_now_ms(loop), &v) == 1) {
		ev = cr->held[v.slot];
		cr->held[v.slot] = NULL;
		log_info("crash loop: sending event %s for %llu crashes of "
			 "service %s",
		    sentry_event_id(ev), v.crashes,
		    cr->throttle->slots[v.slot].service);
		crash_send(cr, ev, &v);
	}
	crash_throttle_arm(cr);
}

static void
crash_throttle_arm(struct crash *cr)
{
	uint64_t next = crash_throttle_next_ms(cr->throttle);
	uint64_t now = loop_now_ms(cr->loop);

	if (next == UINT64_MAX)
		loop_timer_stop(cr->loop, &cr->throttle_timer);
	else
		loop_timer_start(cr->loop, &cr->throttle_timer,
		    next > now ? next - now : 0);
	if (cr->m_held != NULL) {
		size_t i, n = 0;

		for (i = 0; i < CRASH_THROTTLE_SERVICES_MAX; i++)
			n += cr->held[i] != NULL;
		metrics_set(cr->m_held, (double)n);
	}
}

/* Sends now, or holds back in a crash loop (crash_throttle.c). */
static void
crash_throttle_event(struct crash *cr, struct sentry_event *ev,
    const struct container *c, const char *reason)
{
	struct crash_throttle_verdict v;
	char service[CRASH_SERVICE_MAX];

	crash_event_loop_key(c, service, sizeof(service));
	if (crash_throttle_crash(cr->throttle, service, loop_now_ms(cr->loop),
		(int64_t)time(NULL), &v)
	    == CRASH_THROTTLE_SEND) {
		log_info("container %s: crashed (%s), reporting event %s",
		    c->name, reason, sentry_event_id(ev));
		if (v.slot >= 0 && cr->held[v.slot] != NULL) {
			/* Counted in v: this newer event stands for it. */
			sentry_event_free(cr->held[v.slot]);
			cr->held[v.slot] = NULL;
		}
		crash_send(cr, ev, &v);
	} else {
		log_info("container %s: crashed (%s), service %s in a crash "
			 "loop: %llu crashes held for the next event",
		    c->name, reason, service, v.crashes);
		sentry_event_free(cr->held[v.slot]);
		cr->held[v.slot] = ev;
	}
	crash_throttle_arm(cr);
}

void
crash_flush_held(struct crash *cr)
{
	struct crash_throttle_verdict v;

	if (cr == NULL)
		return;
	while (crash_throttle_take(cr->throttle, &v) == 1) {
		crash_send(cr, cr->held[v.slot], &v);
		cr->held[v.slot] = NULL;
	}
	crash_throttle_arm(cr);
}

/* Builds the event from what the job gathered and hands it on. */
static void
crash_job_finish(struct crash_job *j, const char *logs, const char *logs_err)
{
	struct crash *cr = j->crash;
	struct crash_report rep;
	struct sentry_event *ev;
	char reason[CRASH_REASON_MAX];

	memset(&rep, 0, sizeof(rep));
	rep.c = j->c;
	rep.host = cr->cfg->host_override != NULL ? cr->cfg->host_override
						  : cr->host;
	rep.allow = cr->cfg->allow;
	rep.logs = logs;
	rep.logs_error = logs_err;
	rep.stats = &j->stats;
	rep.stats_age_ms = j->stats_age_ms;
	ev = crash_event_build(&rep);
	if (cr->cfg->sink != NULL)
		cr->cfg->sink(ev, j->c, cr->cfg->sink_arg);
	else {
		crash_event_reason(&j->c->state, reason, sizeof(reason));
		crash_throttle_event(cr, ev, j->c, reason);
		if (cr->janitor != NULL)
			janitor_report_done(cr->janitor, j->c->id);
	}
	crash_job_free(cr, j);
}

static void
crash_logs_done(const struct http_result *res, void *arg)
{
	struct crash_job *j = arg;
	struct buf text = BUF_INITIALIZER(BUF_MAX_CRASH_LOG_TEXT);
	char why[HTTP_ERR_MAX + 64];

	j->req = NULL;
	if (res->error != 0) {
		(void)snprintf(why, sizeof(why), "logs not read: %s",
		    res->errmsg);
		crash_job_finish(j, NULL, why);
	} else if (res->status == 404) {
		crash_job_finish(j, NULL,
		    "logs not read: the container was "
		    "removed first");
	} else if (res->status != 200) {
		(void)snprintf(why, sizeof(why),
		    "logs not read: HTTP %ld "
		    "(the logging driver may not support reading)",
		    res->status);
		crash_job_finish(j, NULL, why);
	} else {
		/* Past the cap, what fit is kept: its newest part is sent. */
		(void)crash_logs_demux(res->body, res->body_len, &text);
		crash_job_finish(j, buf_str(&text), NULL);
	}
	buf_clear(&text);
}

static void
crash_job_logs(struct crash_job *j)
{
	struct crash *cr = j->crash;
	char path[CRASH_PATH_MAX];
	unsigned lines = cr->cfg->log_lines != 0 ? cr->cfg->log_lines
						 : CRASH_LOG_LINES_DEFAULT;

	(void)snprintf(path, sizeof(path),
	    "/containers/%s/logs?stdout=1&stderr=1&tail=%u", j->c->id, lines);
	j->req = docker_request(cr->docker, NULL, path, BUF_MAX_CRASH_LOGS,
	    crash_logs_done, j);
}

static void
crash_job_stats_done(const struct http_result *res, void *arg)
{
	struct crash_job *j = arg;
	char err[JSON_ERR_MAX];

	j->req = NULL;
	if (res->error == 0 && res->status == 200
	    && crash_stats_parse(res->body, res->body_len, &j->stats, err,
		   sizeof(err))
		== -1)
		log_debug("container %s: %s", j->c->name, err);
	crash_job_logs(j);
}

static void
crash_job_start(struct crash *cr, struct container *c,
    const struct crash_ctr *sec, bool want_stats)
{
	struct crash_job *j;
	char path[CRASH_PATH_MAX];

	j = xcalloc(1, sizeof(*j));
	j->crash = cr;
	j->c = c;
	if (sec != NULL && sec->stats.valid) {
		j->stats = sec->stats;
		j->stats_age_ms = loop_now_ms(cr->loop) - sec->stats_ms;
	}
	TAILQ_INSERT_TAIL(&cr->jobs, j, entry);
	if (want_stats) {
		(void)snprintf(path, sizeof(path),
		    "/containers/%s/stats?stream=false&one-shot=true", c->id);
		j->req = docker_request(cr->docker, NULL, path,
		    BUF_MAX_CRASH_STATS, crash_job_stats_done, j);
	} else
		crash_job_logs(j);
}

struct crash *
crash_new(struct loop *loop, struct http *http, struct docker *docker,
    struct containers *table, struct sentry *sentry, struct janitor *janitor,
    struct metrics *metrics, const struct crash_config *cfg)
{
	struct sysinfo si;
	struct crash *cr;

	cr = xcalloc(1, sizeof(*cr));
	cr->loop = loop;
	cr->http = http;
	cr->docker = docker;
	cr->table = table;
	cr->sentry = sentry;
	cr->janitor = janitor;
	cr->cfg = cfg;
	TAILQ_INIT(&cr->jobs);
	cr->throttle = crash_throttle_new(cfg->throttle_window_ms);
	loop_timer_init(&cr->throttle_timer, crash_throttle_timer_cb, cr);
	if (sysinfo(&si) == 0)
		cr->host_mem = (long long)si.totalram * si.mem_unit;
	else
		cr->host_mem = -1;
	if (metrics != NULL) {
		cr->m_crashes = metrics_counter(metrics,
		    "registrator_container_crashes_total",
		    "Container deaths reported as crashes", NULL, NULL);
		cr->m_stops = metrics_counter(metrics,
		    "registrator_container_stops_total",
		    "Container deaths not reported (exit 0 or operator stop)",
		    NULL, NULL);
		cr->m_held
		    = metrics_gauge(metrics, "registrator_crash_events_held",
			"Crash-loop events held back until their window ends",
			NULL, NULL);
	}
	return cr;
}

void
crash_ready(struct crash *cr, const char *host_name)
{
	free(cr->host);
	cr->host = xstrdup(host_name);
}

/* A die: decide, and start a report for a crash. */
static void
crash_die(struct crash *cr, struct crash_ctr *sec, struct container *c,
    bool operator_stop)
{
	char reason[CRASH_REASON_MAX];

	crash_event_reason(&c->state, reason, sizeof(reason));
	if (!crash_is_crash(&c->state, operator_stop)) {
		log_debug("container %s: died (%s)%s, not a crash", c->name,
		    reason, operator_stop ? " after an operator stop" : "");
		if (cr->m_stops != NULL)
			metrics_inc(cr->m_stops);
		container_free(c);
		return;
	}
	if (cr->m_crashes != NULL)
		metrics_inc(cr->m_crashes);
	crash_job_start(cr, c, sec, false);
}

/*
 * A die whose inspect came too late (--rm: Docker removed the container
 * first).  What was inspected before stands for the container, with the
 * die event's exit code, which is trusted only when no label named
 * exitCode could have overwritten it, and the oom event seen with it.
 */
static void
crash_die_gone(struct crash *cr, struct crash_ctr *sec,
    const struct containers_change *ch)
{
	struct container *c = sec->last;

	if (c == NULL || ch->die_exit_code == -1
	    || container_label(c, "exitCode") != NULL) {
		log_info("container %.12s: removed before its exit status "
			 "could be read, no crash report",
		    sec->rec->id);
		return;
	}
	sec->last = NULL;
	free(c->state.status);
	c->state.status = xstrdup("removed");
	c->state.running = c->state.restarting = c->state.paused = false;
	c->state.exit_code = ch->die_exit_code;
	c->state.oom_killed
	    = c->state.oom_killed || (ch->actions & DOCKER_ACT_OOM) != 0;
	crash_die(cr, sec, c, ch->operator_stop);
}

static void
crash_change(struct crash *cr, struct containers_rec *rec,
    const struct containers_change *ch)
{
	struct crash_ctr *sec = rec->crash;
	struct container *c;
	char err[REGISTRATOR_ERR_MAX];
	bool report = false;

	if (ch->inspect == NULL) {
		if (sec != NULL && (ch->actions & DOCKER_ACT_DIE)
		    && cr->sentry != NULL)
			crash_die_gone(cr, sec, ch);
		if (sec != NULL)
			crash_ctr_free(cr, sec);
		return;
	}
	/* reconcile.c logs an unusable inspect; nothing to add here. */
	if (ch->c == NULL)
		return;
	/* A copy of our own: kept for a --rm die, or consumed by a report. */
	c = container_from_json(ch->inspect, err, sizeof(err));
	if (c == NULL)
		return;
	if (sec == NULL) {
		sec = xcalloc(1, sizeof(*sec));
		sec->crash = cr;
		sec->rec = rec;
		loop_timer_init(&sec->stats_timer, crash_stats_timer_cb, sec);
		rec->crash = sec;
	}
	sec->running = c->state.running && !c->state.restarting;
	/* Restarting (a restart policy) counts: the loop is what we report. */
	if ((ch->actions & DOCKER_ACT_DIE)
	    && (!c->state.running || c->state.restarting))
		report = cr->sentry != NULL;
	else if ((ch->actions & DOCKER_ACT_DIE) && ch->die_exit_code != -1
	    && container_label(c, "exitCode") == NULL) {
		/*
		 * Restarted before the inspect (a restart policy on a busy
		 * host): inspect shows the new run, the die event the exit.
		 */
		free(c->state.status);
		c->state.status = xstrdup("restarted");
		c->state.exit_code = ch->die_exit_code;
		c->state.oom_killed = (ch->actions & DOCKER_ACT_OOM) != 0;
		report = cr->sentry != NULL;
	}
	if (sec->running && cr->cfg->stats_interval_ms > 0
	    && !loop_timer_active(&sec->stats_timer) && sec->stats_req == NULL)
		loop_timer_start(cr->loop, &sec->stats_timer, 0);
	if (!sec->running) {
		loop_timer_stop(cr->loop, &sec->stats_timer);
		sec->stats_wanted = false;
	}
	/*
	 * On a busy host an inspect can come after a later exit: two dies
	 * then show the same exit, which is reported once.
	 */
	if (report && c->state.finished_at[0] != '\0' && sec->reported != NULL
	    && strcmp(sec->reported, c->state.finished_at) == 0) {
		log_debug("container %s: exit at %s already reported", c->name,
		    c->state.finished_at);
		report = false;
	} else if (report) {
		free(sec->reported);
		sec->reported = xstrdup(c->state.finished_at);
	}
	/* janitor.c saw this change first: it holds the removal back. */
	if (report && cr->janitor != NULL
	    && crash_is_crash(&c->state, ch->operator_stop))
		janitor_hold(cr->janitor, rec);
	if (report)
		crash_die(cr, sec, c, ch->operator_stop); /* consumes c */
	else {
		container_free(sec->last);
		sec->last = c;
	}
}

void
crash_notify(const struct containers_note *n, void *arg)
{
	struct crash *cr = arg;

	switch (n->what) {
	case CONTAINERS_READY:
		crash_ready(cr, n->host_name);
		break;
	case CONTAINERS_CHANGE:
		crash_change(cr, n->rec, n->change);
		break;
	case CONTAINERS_GONE:
		if (n->rec->crash != NULL)
			crash_ctr_free(cr, n->rec->crash);
		break;
	case CONTAINERS_EVENT:
	case CONTAINERS_LISTED:
	case CONTAINERS_LOST:
	case CONTAINERS_ERROR:
		break;
	}
}

void
crash_free(struct crash *cr)
{
	struct containers_rec *rec;
	struct crash_job *j;

	if (cr == NULL)
		return;
	for (rec = containers_first(cr->table); rec != NULL;
	     rec = containers_next(rec))
		if (rec->crash != NULL)
			rec->crash->stats_wanted = false;
	for (rec = containers_first(cr->table); rec != NULL;
	     rec = containers_next(rec))
		if (rec->crash != NULL)
			crash_ctr_free(cr, rec->crash);
	while ((j = TAILQ_FIRST(&cr->jobs)) != NULL)
		crash_job_free(cr, j);
	loop_timer_stop(cr->loop, &cr->throttle_timer);
	for (size_t i = 0; i < CRASH_THROTTLE_SERVICES_MAX; i++)
		sentry_event_free(cr->held[i]);
	crash_throttle_free(cr->throttle);
	free(cr->host);
	free(cr);
}

void
crash_report(struct crash *cr, struct container *c, bool sample_first)
{
	crash_job_start(cr, c, NULL, sample_first);
}
