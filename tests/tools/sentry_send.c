/* SPDX-License-Identifier: MIT */
/*
 * sentry_send: drives lib/sentry.h on a real loop for the integration
 * test.  It captures COUNT events, INTERVAL ms apart (all at once for 0),
 * lets the loop run WAIT ms more, then flushes with a deadline and prints
 * the client's counters as one JSON line on stdout:
 *	{"sent":N,"dropped_queue_full":N,"dropped_rate_limited":N,
 *	 "failed":N,"unsent":N,"accepted_by_capture":N}
 * Exit status: 0 when the run ended through the flush callback, 1 for a
 * bad DSN or a loop failure, 2 for usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "loop.h"
#include "sentry.h"
#include "str.h"
#include "xmalloc.h"

struct send_ctx {
	struct loop *loop;
	struct sentry *sentry;
	struct loop_timer timer;
	struct loop_timer wait_timer;
	long long count;
	long long captured;
	long long queued;
	uint64_t interval_ms;
	uint64_t wait_ms;
	uint64_t flush_ms;
	size_t unsent;
	bool flushed;
	bool error_events;
};

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
	    "usage: sentry_send -d dsn [-e] [-f flush_ms] "
	    "[-i interval_ms] [-n count] [-q queue_max] [-t timeout_ms] "
	    "[-v] [-w wait_ms]\n");
	exit(2);
}

static void
send_flushed(struct sentry *sentry, size_t unsent, void *arg)
{
	struct send_ctx *ctx = arg;

	(void)sentry;
	ctx->unsent = unsent;
	ctx->flushed = true;
	loop_stop(ctx->loop);
}

static void
send_one(struct send_ctx *ctx)
{
	struct sentry_event *ev;
	char msg[64], err[SENTRY_ERR_MAX];
	cJSON *c;

	snprintf(msg, sizeof(msg), "sentry_send event %lld", ctx->captured);
	ev = sentry_event_new(SENTRY_LEVEL_ERROR, "sentry_send", msg);
	sentry_event_set_server_name(ev, "test-host");
	sentry_event_set_release(ev, "sentry_send@" PROJECT_VERSION);
	sentry_event_set_environment(ev, "test");
	sentry_event_set_tag(ev, "seq", msg + strlen("sentry_send event "));
	sentry_event_add_fingerprint(ev, "sentry_send");
	c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "seq", (double)ctx->captured);
	if (sentry_event_set_context(ev, "test", c, err, sizeof(err)) == -1)
		log_warnx("context: %s", err);
	if (ctx->error_events)
		sentry_event_set_exception(ev, "TestError", msg, "test", false);
	ctx->captured++;
	if (sentry_capture(ctx->sentry, ev) == 0)
		ctx->queued++;
}

static void
send_tick(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct send_ctx *ctx = arg;

	do
		send_one(ctx);
	while (ctx->interval_ms == 0 && ctx->captured < ctx->count);
	if (ctx->captured < ctx->count)
		loop_timer_start(loop, timer, ctx->interval_ms);
	else
		loop_timer_start(loop, &ctx->wait_timer, ctx->wait_ms);
}

static void
send_waited(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct send_ctx *ctx = arg;

	(void)loop;
	(void)timer;
	sentry_flush(ctx->sentry, ctx->flush_ms, send_flushed, ctx);
}

static uint64_t
opt_ms(const char *s)
{
	long long v;

	if (str_to_ll(s, 0, 3600000, &v) == -1)
		usage();
	return (uint64_t)v;
}

int
main(int argc, char *argv[])
{
	struct send_ctx ctx = { .count = 1, .flush_ms = 5000 };
	struct sentry_opts opts = { .client = "sentry_send/" PROJECT_VERSION };
	const struct sentry_counters *c;
	char err[SENTRY_ERR_MAX];
	struct http *http = NULL;
	long long v;
	int ch, ret = 1;

	log_init("sentry_send", LOG_LEVEL_INFO, LOG_FORMAT_PLAIN);
	xmalloc_init_cjson();
	while ((ch = getopt(argc, argv, "d:ef:i:n:q:t:vw:")) != -1) {
		switch (ch) {
		case 'd':
			opts.dsn = optarg;
			break;
		case 'e':
			ctx.error_events = true;
			break;
		case 'f':
			ctx.flush_ms = opt_ms(optarg);
			break;
		case 'i':
			ctx.interval_ms = opt_ms(optarg);
			break;
		case 'n':
			if (str_to_ll(optarg, 1, 100000, &ctx.count) == -1)
				usage();
			break;
		case 'q':
			if (str_to_ll(optarg, 1, 100000, &v) == -1)
				usage();
			opts.queue_max = (size_t)v;
			break;
		case 't':
			opts.timeout_ms = opt_ms(optarg);
			break;
		case 'v':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'w':
			ctx.wait_ms = opt_ms(optarg);
			break;
		default:
			usage();
		}
	}
	if (opts.dsn == NULL || optind != argc)
		usage();
	if ((ctx.loop = loop_new()) == NULL)
		fatal("loop_new");
	loop_timer_init(&ctx.timer, send_tick, &ctx);
	loop_timer_init(&ctx.wait_timer, send_waited, &ctx);
	http = http_new(ctx.loop, 4);
	ctx.sentry = sentry_new(ctx.loop, http, &opts, err, sizeof(err));
	if (ctx.sentry == NULL) {
		log_warnx("%s", err);
		goto out;
	}
	log_debug("sending %lld events, %llu ms apart", ctx.count,
	    (unsigned long long)ctx.interval_ms);
	loop_timer_start(ctx.loop, &ctx.timer, 0);
	if (loop_run(ctx.loop) == -1) {
		log_warn("loop_run");
		goto out;
	}
	c = sentry_counters(ctx.sentry);
	printf("{\"sent\":%llu,\"dropped_queue_full\":%llu,"
	       "\"dropped_rate_limited\":%llu,\"failed\":%llu,\"unsent\":%zu,"
	       "\"accepted_by_capture\":%lld,\"queued_at_end\":%zu}\n",
	    (unsigned long long)c->sent,
	    (unsigned long long)c->dropped_queue_full,
	    (unsigned long long)c->dropped_rate_limited,
	    (unsigned long long)c->failed, ctx.unsent, ctx.queued,
	    sentry_queued(ctx.sentry));
	ret = ctx.flushed ? 0 : 1;
out:
	loop_timer_stop(ctx.loop, &ctx.timer);
	loop_timer_stop(ctx.loop, &ctx.wait_timer);
	sentry_free(ctx.sentry);
	http_free(http);
	loop_free(ctx.loop);
	log_forget_secrets();
	return ret;
}
