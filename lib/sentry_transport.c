/* SPDX-License-Identifier: MIT */
/*
 * The Sentry transport: events captured by a daemon wait in a bounded
 * in-memory queue and are posted one at a time as envelopes through the
 * loop's HTTP client, so reporting never blocks the loop.  It follows
 * Sentry's transport guidance (develop.sentry.dev transport and
 * rate-limiting pages): rate limits are read from every response and
 * honoured per category, events are dropped rather than queued while
 * limited, a refused event is never retried, and only a connection error
 * earns one retry.  On shutdown, sentry_flush() drains the queue within a
 * deadline.  Overflow and failures are counted for metrics and logged once
 * per burst, never once per event.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "loop.h"
#include "sentry.h"
#include "xmalloc.h"

#define SENTRY_AUTH_MAX 1024 /* the X-Sentry-Auth value */
#define SENTRY_RESPONSE_MAX (64u * 1024) /* a response body, unused */

struct sentry_item {
	TAILQ_ENTRY(sentry_item) entry;
	char id[33];
	enum sentry_category category;
	char *payload; /* event JSON, owned */
	size_t len;
	unsigned attempts; /* connection errors so far */
	uint64_t not_before_ms; /* retry delay, monotonic */
};

TAILQ_HEAD(sentry_queue, sentry_item);

struct sentry {
	struct loop *loop;
	struct http *http;
	struct sentry_dsn dsn;
	struct buf auth; /* X-Sentry-Auth value: secret */
	char *client; /* name/version, User-Agent */
	char *ca_file;
	size_t queue_max;
	size_t nqueued;
	uint64_t timeout_ms;
	struct sentry_queue queue;
	struct sentry_item *inflight; /* in the queue, being sent */
	struct http_req *req;
	struct loop_timer wake; /* limit end or retry delay */
	struct loop_timer flush_timer;
	struct sentry_limits limits;
	struct sentry_counters counters;
	bool flushing;
	sentry_flush_cb *flush_cb;
	void *flush_arg;
	uint64_t full_drops; /* in the current overflow burst */
	uint64_t limit_logged_ms; /* end of the last limit logged */
	bool unreachable; /* logged as such */
};

static void sentry_pump(struct sentry *);

static int64_t
sentry_now_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sentry_item_free(struct sentry_item *item)
{
	if (item == NULL)
		return;
	free(item->payload);
	free(item);
}

static void
sentry_item_del(struct sentry *s, struct sentry_item *item)
{
	TAILQ_REMOVE(&s->queue, item, entry);
	s->nqueued--;
	if (s->inflight == item)
		s->inflight = NULL;
	sentry_item_free(item);
}

/* Drops every queued event not in flight; returns how many. */
static size_t
sentry_drop_all(struct sentry *s)
{
	struct sentry_item *item, *next;
	size_t n = 0;

	for (item = TAILQ_FIRST(&s->queue); item != NULL; item = next) {
		next = TAILQ_NEXT(item, entry);
		if (item == s->inflight)
			continue;
		sentry_item_del(s, item);
		n++;
	}
	return n;
}

static void
sentry_flush_timer_cb(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct sentry *s = arg;
	size_t unsent = 0;
	sentry_flush_cb *cb = s->flush_cb;

	(void)loop;
	(void)timer;
	if (!s->flushing)
		return;
	if (s->nqueued > 0) {
		/* The deadline passed with events left. */
		if (s->req != NULL) {
			http_cancel(s->http, s->req);
			s->req = NULL;
			sentry_item_del(s, s->inflight);
			unsent++;
		}
		unsent += sentry_drop_all(s);
		s->counters.failed += unsent;
		loop_timer_stop(s->loop, &s->wake);
		log_warnx("sentry: flush deadline reached, %zu event%s not "
			  "sent",
		    unsent, unsent == 1 ? "" : "s");
	}
	s->flushing = false;
	s->flush_cb = NULL;
	if (cb != NULL)
		cb(s, unsent, s->flush_arg);
}

static void
sentry_wake_cb(struct loop *loop, struct loop_timer *timer, void *arg)
{
	(void)loop;
	(void)timer;
	sentry_pump(arg);
}

/* Logs a limit once, when it ends later than the one last logged. */
static void
sentry_log_limit(struct sentry *s, long status, uint64_t now_ms)
{
	uint64_t until = 0;

	for (int c = 0; c < SENTRY_CATEGORY_MAX; c++)
		if (s->limits.until_ms[c] > until)
			until = s->limits.until_ms[c];
	if (until <= now_ms || until <= s->limit_logged_ms)
		return;
	s->limit_logged_ms = until;
	log_warnx("sentry: %s rate limited us (HTTP %ld) for %llu ms, "
		  "dropping new events until then",
	    s->dsn.host, status, (unsigned long long)(until - now_ms));
}

static void
sentry_done(const struct http_result *res, void *arg)
{
	struct sentry *s = arg;
	struct sentry_item *item = s->inflight;
	uint64_t now = mono_ms();
	const char *why;

	s->req = NULL;
	if (res->error != 0) {
		if (!s->unreachable) {
			log_warnx("sentry: cannot reach %s: %s; an event gets "
				  "one retry, then is dropped",
			    s->dsn.host, res->errmsg);
			s->unreachable = true;
		}
		if (++item->attempts < 2) {
			item->not_before_ms = now + SENTRY_RETRY_DELAY_MS;
			s->inflight = NULL;
		} else {
			s->counters.failed++;
			sentry_item_del(s, item);
		}
		sentry_pump(s);
		return;
	}
	if (s->unreachable) {
		log_info("sentry: %s reachable again", s->dsn.host);
		s->unreachable = false;
	}
	/* rate-limiting.mdx: look for limits on every response. */
	if (sentry_limits_update(&s->limits, res->status,
		http_result_header(res, "X-Sentry-Rate-Limits"),
		http_result_header(res, "Retry-After"), now))
		sentry_log_limit(s, res->status, now);
	if (res->status >= 200 && res->status < 300) {
		s->counters.sent++;
		log_debug("sentry: event %s accepted", item->id);
	} else if (res->status == 429) {
		s->counters.dropped_rate_limited++;
	} else {
		/* 4xx is never retried; nor is 5xx (transport/index.mdx). */
		s->counters.failed++;
		why = http_result_header(res, "X-Sentry-Error");
		log_warnx("sentry: event %s refused by %s with HTTP %ld%s%s",
		    item->id, s->dsn.host, res->status, why != NULL ? ": " : "",
		    why != NULL ? why : "");
	}
	sentry_item_del(s, item);
	sentry_pump(s);
}

/* Starts posting item; returns -1 if the request could not start. */
static int
sentry_send(struct sentry *s, struct sentry_item *item)
{
	struct buf env = BUF_INITIALIZER(SENTRY_ENVELOPE_MAX);
	char err[SENTRY_ERR_MAX];
	struct http_header hdrs[3];
	struct http_tls tls = { .ca_file = s->ca_file };
	struct http_opts opts = { 0 };
	int ret = -1;

	/* sent_at is written at send time, once (envelopes.mdx). */
	if (sentry_envelope(item->id, s->dsn.dsn, sentry_now_wall_ms(),
		item->payload, item->len, &env, err, sizeof(err))
	    == -1) {
		log_warnx("sentry: event %s dropped: %s", item->id, err);
		goto out;
	}
	hdrs[0].name = "Content-Type";
	hdrs[0].value = "application/x-sentry-envelope";
	hdrs[1].name = "X-Sentry-Auth";
	hdrs[1].value = buf_str(&s->auth);
	hdrs[2].name = "User-Agent";
	hdrs[2].value = s->client;
	opts.method = "POST";
	opts.url = s->dsn.envelope_url;
	opts.headers = hdrs;
	opts.nheaders = sizeof(hdrs) / sizeof(hdrs[0]);
	opts.body = env.data;
	opts.body_len = env.len;
	opts.timeout_ms = s->timeout_ms;
	opts.max_body = SENTRY_RESPONSE_MAX;
	opts.tls = s->ca_file != NULL ? &tls : NULL;
	s->inflight = item;
	s->req = http_start(s->http, &opts, sentry_done, s);
	if (s->req == NULL) {
		s->inflight = NULL;
		log_warnx("sentry: event %s dropped: cannot start a request",
		    item->id);
		goto out;
	}
	ret = 0;
out:
	/* The envelope's dsn header holds the key. */
	if (env.data != NULL)
		explicit_bzero(env.data, env.len);
	buf_clear(&env);
	return ret;
}

/*
 * Sends the first event that may go now.  Events of a limited category
 * wait for the limit's end (or are dropped while flushing); the wake
 * timer is set for the earliest time something may go.
 */
static void
sentry_pump(struct sentry *s)
{
	struct sentry_item *item, *next;
	uint64_t now, wake;

	while (s->req == NULL) {
		now = mono_ms();
		wake = 0;
		for (item = TAILQ_FIRST(&s->queue); item != NULL; item = next) {
			uint64_t until;

			next = TAILQ_NEXT(item, entry);
			until = sentry_limits_until(&s->limits, item->category,
			    now);
			if (until != 0 && s->flushing) {
				s->counters.dropped_rate_limited++;
				sentry_item_del(s, item);
				continue;
			}
			if (until == 0 && item->not_before_ms > now)
				until = item->not_before_ms;
			if (until == 0)
				break;
			if (wake == 0 || until < wake)
				wake = until;
		}
		if (item == NULL) {
			if (wake != 0)
				loop_timer_start(s->loop, &s->wake, wake - now);
			else if (s->flushing)
				loop_timer_start(s->loop, &s->flush_timer, 0);
			return;
		}
		if (sentry_send(s, item) == -1) {
			s->counters.failed++;
			sentry_item_del(s, item);
		}
	}
}

struct sentry *
sentry_new(struct loop *loop, struct http *http, const struct sentry_opts *opts,
    char *err, size_t errlen)
{
	struct sentry *s;

	s = xcalloc(1, sizeof(*s));
	if (sentry_dsn_parse(opts->dsn, &s->dsn, err, errlen) == -1) {
		free(s);
		return NULL;
	}
	log_add_secret(s->dsn.public_key);
	if (s->dsn.secret_key != NULL)
		log_add_secret(s->dsn.secret_key);
	s->loop = loop;
	s->http = http;
	s->client = xstrdup(opts->client);
	s->ca_file = opts->ca_file != NULL ? xstrdup(opts->ca_file) : NULL;
	s->queue_max
	    = opts->queue_max != 0 ? opts->queue_max : SENTRY_QUEUE_DEFAULT;
	s->timeout_ms = opts->timeout_ms != 0 ? opts->timeout_ms
					      : SENTRY_TIMEOUT_DEFAULT_MS;
	buf_init(&s->auth, SENTRY_AUTH_MAX);
	if (sentry_auth_header(&s->dsn, s->client, &s->auth) == -1) {
		snprintf(err, errlen, "sentry: client name too long");
		sentry_free(s);
		return NULL;
	}
	TAILQ_INIT(&s->queue);
	loop_timer_init(&s->wake, sentry_wake_cb, s);
	loop_timer_init(&s->flush_timer, sentry_flush_timer_cb, s);
	return s;
}

void
sentry_free(struct sentry *s)
{
	if (s == NULL)
		return;
	if (s->req != NULL)
		http_cancel(s->http, s->req);
	s->req = NULL;
	s->inflight = NULL;
	sentry_drop_all(s);
	if (s->loop != NULL) {
		loop_timer_stop(s->loop, &s->wake);
		loop_timer_stop(s->loop, &s->flush_timer);
	}
	if (s->auth.data != NULL)
		explicit_bzero(s->auth.data, s->auth.len);
	buf_clear(&s->auth);
	sentry_dsn_clear(&s->dsn);
	free(s->client);
	free(s->ca_file);
	free(s);
}

int
sentry_capture(struct sentry *s, struct sentry_event *ev)
{
	struct buf payload = BUF_INITIALIZER(SENTRY_EVENT_MAX);
	struct sentry_item *item = NULL;
	char err[SENTRY_ERR_MAX];
	uint64_t now = mono_ms();
	int ret = -1;

	if (sentry_limits_until(&s->limits, sentry_event_category(ev), now)) {
		s->counters.dropped_rate_limited++;
		log_debug("sentry: event %s dropped: rate limited",
		    sentry_event_id(ev));
		goto out;
	}
	if (s->nqueued >= s->queue_max) {
		s->counters.dropped_queue_full++;
		if (s->full_drops++ == 0)
			log_warnx("sentry: queue full (%zu events), dropping "
				  "new events until it drains",
			    s->queue_max);
		goto out;
	}
	if (s->full_drops > 0) {
		log_info("sentry: queue has room again after dropping %llu "
			 "event%s",
		    (unsigned long long)s->full_drops,
		    s->full_drops == 1 ? "" : "s");
		s->full_drops = 0;
	}
	if (sentry_event_serialize(ev, &payload, err, sizeof(err)) == -1) {
		s->counters.failed++;
		log_warnx("sentry: event %s dropped: %s", sentry_event_id(ev),
		    err);
		goto out;
	}
	item = xcalloc(1, sizeof(*item));
	memcpy(item->id, sentry_event_id(ev), sizeof(item->id));
	item->category = sentry_event_category(ev);
	item->payload = buf_take(&payload, &item->len);
	TAILQ_INSERT_TAIL(&s->queue, item, entry);
	s->nqueued++;
	sentry_pump(s);
	ret = 0;
out:
	buf_clear(&payload);
	sentry_event_free(ev);
	return ret;
}

void
sentry_flush(struct sentry *s, uint64_t deadline_ms, sentry_flush_cb *done,
    void *arg)
{
	s->flushing = true;
	s->flush_cb = done;
	s->flush_arg = arg;
	loop_timer_start(s->loop, &s->flush_timer, deadline_ms);
	/* Limited events are dropped now; an empty queue ends at once. */
	if (s->req == NULL)
		sentry_pump(s);
}

const struct sentry_counters *
sentry_counters(const struct sentry *s)
{
	return &s->counters;
}

size_t
sentry_queued(const struct sentry *s)
{
	return s->nqueued;
}
