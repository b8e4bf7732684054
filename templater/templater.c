/* SPDX-License-Identifier: MIT */
/*
 * templater: renders consul-template templates from Consul data, safely.
 * This file only wires the stages together on one event loop: config.c
 * reads flags and the INI file, watch.c keeps blocking queries on Consul,
 * render.c re-executes the templates whose data changed, out.c checks,
 * swaps, reloads and rolls back.  It also owns the process: signals
 * (SIGHUP reloads, SIGTERM and SIGINT exit 0), the pid file, -once and
 * its timeout, and the optional /health and /metrics listener.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "http.h"
#include "httpd.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "proc.h"
#include "sentry.h"
#include "templater.h"
#include "xmalloc.h"

#define TEMPLATER_SENTRY_FLUSH_MS 5000

/* The running daemon; one per process. */
struct templater {
	int argc;
	char **argv; /* owned copy of the flags, re-read on SIGHUP */
	struct loop *loop;
	struct config *cfg; /* owned */
	struct http *http;
	struct watch_set *set;
	struct render *render;
	struct render_stats stats;
	struct httpd *httpd;
	struct metrics *metrics;
	struct render_stats reported; /* counters already in metrics */
	uint64_t errors_reported;
	struct loop_timer once_timer;
	struct http *sentry_http; /* the Sentry client's own, kept on reload */
	struct sentry *sentry; /* NULL: no -sentry-dsn */
	char host[256]; /* server_name of reports */
	bool reload; /* SIGHUP seen, not yet applied */
	bool timed_out;
	int exit_code;
};

/*
 * The seam for failure reporting: out.c and render.c have logged the
 * failure already; a Sentry reporter hooks in here.
 */
static void
templater_report(const struct report *r, void *arg)
{
	struct templater *tp = arg;
	struct sentry_event *ev;

	if (tp->sentry == NULL)
		return;
	ev = report_event(r, tp->host);
	log_debug("template %s: %s failure reported as event %s", r->template,
	    report_kind_name(r->kind), sentry_event_id(ev));
	(void)sentry_capture(tp->sentry, ev);
}

static void
templater_flushed(struct sentry *sentry, size_t unsent, void *arg)
{
	struct templater *tp = arg;

	(void)sentry;
	(void)unsent;
	loop_stop(tp->loop);
}

/* config.c has checked the name already. */
static void
templater_log_level(const char *name)
{
	enum log_level level;

	if (log_level_parse(name, &level) == 0)
		log_set_level(level);
}

static bool
templater_same_str(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static bool
templater_same_consul(const struct config *a, const struct config *b)
{
	return strcmp(a->consul_addr != NULL ? a->consul_addr : "",
		   b->consul_addr != NULL ? b->consul_addr : "")
	    == 0
	    && strcmp(a->consul_token != NULL ? a->consul_token : "",
		   b->consul_token != NULL ? b->consul_token : "")
	    == 0
	    && templater_same_str(a->consul_ca, b->consul_ca)
	    && templater_same_str(a->consul_cert, b->consul_cert)
	    && templater_same_str(a->consul_key, b->consul_key)
	    && a->block_wait_ms == b->block_wait_ms
	    && a->max_stale_ms == b->max_stale_ms
	    && a->max_conns == b->max_conns;
}

/* Builds the http client and watch set for cfg.  Returns 0 or -1. */
static int
templater_consul(struct templater *tp, const struct config *cfg,
    struct http **httpp, struct watch_set **setp, char *err, size_t errlen)
{
	struct watch_conf wc = {
		.addr = cfg->consul_addr,
		.token = cfg->consul_token,
		.ca_file = cfg->consul_ca,
		.cert_file = cfg->consul_cert,
		.key_file = cfg->consul_key,
		.wait_ms = cfg->block_wait_ms,
		.max_stale_ms = cfg->max_stale_ms,
		.max_conns = cfg->max_conns,
	};

	*httpp = http_new(tp->loop, cfg->max_conns);
	if (*httpp == NULL) {
		snprintf(err, errlen, "cannot create the HTTP client");
		return -1;
	}
	*setp = watch_set_new(tp->loop, *httpp, &wc, err, errlen);
	if (*setp == NULL) {
		http_free(*httpp);
		*httpp = NULL;
		return -1;
	}
	return 0;
}

/*
 * SIGHUP: parse the new configuration and templates completely, then swap;
 * on any error the running ones stay.  Consul data is kept when the
 * Consul settings did not change, so unchanged files are not touched.
 */
static void
templater_reload(struct templater *tp)
{
	struct config *cfg;
	struct http *http = NULL;
	struct watch_set *set = NULL;
	struct render *r;
	char err[CONFIG_ERR_MAX + TMPL_ERR_MAX];
	bool same;

	tp->reload = false;
	cfg = xcalloc(1, sizeof(*cfg));
	if (config_load(tp->argc, tp->argv, cfg, err, sizeof(err)) != 0) {
		log_warnx("reload: %s; keeping the running configuration", err);
		free(cfg);
		return;
	}
	if (cfg->consul_token != NULL)
		log_add_secret(cfg->consul_token);
	same = templater_same_consul(tp->cfg, cfg);
	if (!same
	    && templater_consul(tp, cfg, &http, &set, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running configuration", err);
		goto fail;
	}
	r = render_new(tp->loop, cfg, same ? tp->set : set, &tp->stats, err,
	    sizeof(err));
	if (r == NULL) {
		log_warnx("reload: %s; keeping the running configuration", err);
		watch_set_free(set);
		http_free(http);
		goto fail;
	}
	render_set_report(r, templater_report, tp);
	render_free(tp->render);
	tp->render = r;
	if (!same) {
		watch_set_free(tp->set);
		http_free(tp->http);
		tp->set = set;
		tp->http = http;
	}
	config_free(tp->cfg);
	free(tp->cfg);
	tp->cfg = cfg;
	templater_log_level(tp->cfg->log_level);
	log_info("reloaded: %u templates", tp->cfg->ntemplates);
	return;
fail:
	config_free(cfg);
	free(cfg);
}

static void
templater_signal(struct loop *loop, int signo, void *arg)
{
	struct templater *tp = arg;

	if (signo == SIGHUP) {
		log_info("SIGHUP: reloading the configuration and templates");
		tp->reload = true;
		return;
	}
	log_info("%s: exiting", signo == SIGTERM ? "SIGTERM" : "SIGINT");
	loop_stop(loop);
}

/* Before each poll: render what changed; -once ends when all settled. */
static void
templater_hook(struct loop *loop, void *arg)
{
	struct templater *tp = arg;

	if (tp->reload && !render_busy(tp->render))
		templater_reload(tp);
	render_pass(tp->render);
	if (tp->cfg->once && render_settled(tp->render)) {
		tp->exit_code = render_failed(tp->render) ? 1 : 0;
		loop_stop(loop);
	}
}

static void
templater_once_timeout(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct templater *tp = arg;

	(void)timer;
	log_error("-once: no complete data after %llu ms; giving up",
	    (unsigned long long)tp->cfg->once_timeout_ms);
	render_log_missing(tp->render);
	tp->exit_code = 1;
	loop_stop(loop);
}

/* One held dependency into its template's two gauges. */
static void
templater_held_metric(const struct render_held_info *h, void *arg)
{
	struct templater *tp = arg;
	uint64_t now = (uint64_t)time(NULL);
	struct metric *stale;

	metrics_gauge_add(metrics_gauge(tp->metrics,
			      "templater_held_dependencies",
			      "Dependencies held at their last good answer "
			      "because the check refused their new one",
			      "template", h->template),
	    1);
	stale = metrics_gauge(tp->metrics, "templater_stale_seconds",
	    "Seconds since the template's oldest held dependency was held",
	    "template", h->template);
	if (now > h->since_unix
	    && (double)(now - h->since_unix) > metrics_value(stale))
		metrics_set(stale, (double)(now - h->since_unix));
}

/* Brings the metrics up to date from the stages' counters. */
static void
templater_metrics_update(struct templater *tp)
{
	const struct config_template *t;
	struct metrics *m = tp->metrics;
	const struct render_stats *s = &tp->stats;
	struct render_stats *was = &tp->reported;
	struct watch_stats ws;

	watch_set_stats(tp->set, &ws);
	metrics_add(metrics_counter(m, "templater_renders",
			"Template executions", NULL, NULL),
	    (double)(s->executions - was->executions));
	metrics_add(metrics_counter(m, "templater_render_seconds",
			"Time spent executing templates", NULL, NULL),
	    s->exec_seconds - was->exec_seconds);
	metrics_add(metrics_counter(m, "templater_render_errors",
			"Template executions that failed", NULL, NULL),
	    (double)(s->exec_errors - was->exec_errors));
	metrics_add(metrics_counter(m, "templater_writes",
			"Destination files replaced", NULL, NULL),
	    (double)(s->writes - was->writes));
	metrics_add(metrics_counter(m, "templater_check_failures",
			"Candidates rejected by their check command", NULL,
			NULL),
	    (double)(s->check_failures - was->check_failures));
	metrics_add(metrics_counter(m, "templater_command_failures",
			"Commands that failed (file rolled back)", NULL, NULL),
	    (double)(s->command_failures - was->command_failures));
	metrics_set(metrics_gauge(m, "templater_last_render_timestamp_seconds",
			"Unix time of the last successful write", NULL, NULL),
	    (double)s->last_write_unix);
	*was = *s;
	TAILQ_FOREACH(t, &tp->cfg->templates, entry) {
		metrics_set(metrics_gauge(m, "templater_held_dependencies",
				"Dependencies held at their last good answer "
				"because the check refused their new one",
				"template", t->name),
		    0);
		metrics_set(metrics_gauge(m, "templater_stale_seconds",
				"Seconds since the template's oldest held "
				"dependency was held",
				"template", t->name),
		    0);
	}
	render_held_each(tp->render, templater_held_metric, tp);
	metrics_set(metrics_gauge(m, "templater_watches",
			"Distinct Consul dependencies watched", NULL, NULL),
	    (double)ws.watches);
	metrics_set(metrics_gauge(m, "templater_consul_requests_in_flight",
			"Blocking queries in flight", NULL, NULL),
	    (double)ws.in_flight);
	metrics_set(metrics_gauge(m, "templater_consul_open_connections",
			"Connections open to Consul", NULL, NULL),
	    (double)http_open_connections(tp->http));
	metrics_set(metrics_gauge(m, "templater_consul_detectors",
			"Change detectors: catalog-wide blocking queries "
			"standing for parked dependencies",
			NULL, NULL),
	    (double)ws.detectors);
	metrics_set(metrics_gauge(m, "templater_consul_parked_dependencies",
			"Dependencies without a request, read again when a "
			"detector moves",
			NULL, NULL),
	    (double)ws.parked);
	metrics_set(metrics_gauge(m, "templater_consul_failing_watches",
			"Watches whose last request failed", NULL, NULL),
	    (double)ws.failing);
	metrics_set(metrics_gauge(m, "templater_consul_refused_dependencies",
			"Dependencies whose query Consul refuses (HTTP 400, "
			"414): rendered as no data",
			NULL, NULL),
	    (double)ws.refused);
	/* Per watch set; a reload with new Consul settings starts again. */
	if (ws.errors < tp->errors_reported)
		tp->errors_reported = 0;
	metrics_add(metrics_counter(m, "templater_consul_errors",
			"Consul requests that failed", NULL, NULL),
	    (double)(ws.errors - tp->errors_reported));
	tp->errors_reported = ws.errors;
}

static void
templater_serve_metrics(const struct httpd_req *req, struct httpd_resp *resp,
    void *arg)
{
	struct templater *tp = arg;

	templater_metrics_update(tp);
	httpd_serve_metrics(req, resp, tp->metrics);
}

/* "held TEMPLATE DEP since UNIX: what the check said" */
static void
templater_held_health(const struct render_held_info *h, void *arg)
{
	struct httpd_resp *resp = arg;

	(void)buf_addf(&resp->body, "held %s %s since %llu: %s\n", h->template,
	    h->dep, (unsigned long long)h->since_unix, h->said);
}

/* "refused DEP: Consul's answer" */
static void
templater_refused_health(const char *dep, const char *why, void *arg)
{
	struct httpd_resp *resp = arg;

	(void)buf_addf(&resp->body, "refused %s: %s\n", dep, why);
}

static void
templater_serve_health(const struct httpd_req *req, struct httpd_resp *resp,
    void *arg)
{
	struct templater *tp = arg;
	struct watch_stats ws;

	(void)req;
	watch_set_stats(tp->set, &ws);
	(void)buf_addf(&resp->body, "ok\nwatches %u\nfailing %u\n", ws.watches,
	    ws.failing);
	watch_refused_each(tp->set, templater_refused_health, resp);
	render_refused_each(tp->render, templater_refused_health, resp);
	render_held_each(tp->render, templater_held_health, resp);
}

static int
templater_pid_file(const char *path)
{
	FILE *fp;

	fp = fopen(path, "we");
	if (fp == NULL)
		return -1;
	fprintf(fp, "%ld\n", (long)getpid());
	return fclose(fp);
}

/* Flags whose values are secrets, blanked in /proc/PID/cmdline. */
static const char *const templater_argv_secrets[]
    = { "consul-token", "sentry-dsn" };

/* Wipes and frees the private copy of the flags. */
static void
templater_argv_free(struct templater *tp)
{
	int i;

	for (i = 0; i < tp->argc; i++) {
		explicit_bzero(tp->argv[i], strlen(tp->argv[i]));
		free(tp->argv[i]);
	}
	free(tp->argv);
	tp->argv = NULL;
}

int
main(int argc, char **argv)
{
	struct templater tp = { 0 };
	struct httpd_opts hopts = { 0 };
	char err[CONFIG_ERR_MAX + TMPL_ERR_MAX];
	int rc, i;

	log_init("templater", LOG_LEVEL_INFO, LOG_FORMAT_PLAIN);
	xmalloc_init_cjson();
	/*
	 * SIGHUP re-reads the flags from this private copy: argv itself is
	 * blanked below.
	 */
	tp.argc = argc - 1;
	tp.argv = xcalloc((size_t)argc, sizeof(*tp.argv));
	for (i = 0; i < tp.argc; i++)
		tp.argv[i] = xstrdup(argv[i + 1]);
	tp.cfg = xcalloc(1, sizeof(*tp.cfg));
	rc = config_load(tp.argc, tp.argv, tp.cfg, err, sizeof(err));
	if (conf_argv_hide(argc, argv, templater_argv_secrets,
		sizeof(templater_argv_secrets)
		    / sizeof(templater_argv_secrets[0]))
		> 0
	    && rc == 0)
		log_warnx("-consul-token or -sentry-dsn on the command line: "
			  "every local user can read it in /proc/PID/cmdline "
			  "until start-up blanks it, and shell history keeps "
			  "it; use -consul-token-file (CONSUL_HTTP_TOKEN_FILE) "
			  "or -sentry-dsn-file");
	if (rc != 0) {
		templater_argv_free(&tp);
		free(tp.cfg);
		if (rc == 1)
			return 0;
		fprintf(stderr, "templater: %s\n", err);
		return rc == -2 ? 2 : 1;
	}
	if (tp.cfg->consul_token != NULL)
		log_add_secret(tp.cfg->consul_token);
	templater_log_level(tp.cfg->log_level);
	signal(SIGPIPE, SIG_IGN);
	tp.loop = loop_new();
	if (tp.loop == NULL)
		fatal("event loop");
	if (proc_reaper_add(tp.loop) == -1)
		fatal("SIGCHLD");
	if (loop_signal_add(tp.loop, SIGTERM, templater_signal, &tp) == -1
	    || loop_signal_add(tp.loop, SIGINT, templater_signal, &tp) == -1
	    || loop_signal_add(tp.loop, SIGHUP, templater_signal, &tp) == -1)
		fatal("signals");
	if (templater_consul(&tp, tp.cfg, &tp.http, &tp.set, err, sizeof(err))
	    == -1)
		fatalx("%s", err);
	if (tp.cfg->sentry_dsn != NULL && !tp.cfg->dry) {
		struct sentry_opts so = { 0 };

		so.dsn = tp.cfg->sentry_dsn;
		so.client = "templater/" PROJECT_VERSION;
		if (gethostname(tp.host, sizeof(tp.host) - 1) == -1)
			tp.host[0] = '\0';
		tp.sentry_http = http_new(tp.loop, 2);
		tp.sentry = sentry_new(tp.loop, tp.sentry_http, &so, err,
		    sizeof(err));
		if (tp.sentry == NULL)
			fatalx("-sentry-dsn: %s", err);
	}
	tp.render
	    = render_new(tp.loop, tp.cfg, tp.set, &tp.stats, err, sizeof(err));
	if (tp.render == NULL) {
		fprintf(stderr, "templater: %s\n", err);
		tp.exit_code = 1;
		goto out;
	}
	render_set_report(tp.render, templater_report, &tp);
	if (tp.cfg->listen != NULL) {
		hopts.listen = tp.cfg->listen;
		tp.httpd = httpd_new(tp.loop, &hopts, err, sizeof(err));
		if (tp.httpd == NULL)
			fatalx("%s", err);
		tp.metrics = metrics_new();
		metrics_process_add(tp.metrics);
		loop_metrics_add(tp.loop, tp.metrics, "templater");
		tp.stats.change_to_write = metrics_histogram(tp.metrics,
		    "templater_change_to_write_seconds",
		    "Watch answer that changed data to the file's rename", NULL,
		    NULL, metrics_latency_buckets, metrics_latency_nbuckets);
		tp.stats.render_cpu = metrics_histogram(tp.metrics,
		    "templater_render_cpu_seconds",
		    "CPU time of one template execution", NULL, NULL,
		    metrics_latency_buckets, metrics_latency_nbuckets);
		templater_metrics_update(&tp);
		httpd_route(tp.httpd, "/metrics", templater_serve_metrics, &tp);
		httpd_route(tp.httpd, "/health", templater_serve_health, &tp);
	}
	if (tp.cfg->pid_file != NULL
	    && templater_pid_file(tp.cfg->pid_file) == -1)
		fatal("pid file %s", tp.cfg->pid_file);
	loop_timer_init(&tp.once_timer, templater_once_timeout, &tp);
	if (tp.cfg->once && tp.cfg->once_timeout_ms > 0)
		loop_timer_start(tp.loop, &tp.once_timer,
		    tp.cfg->once_timeout_ms);
	loop_hook_add(tp.loop, templater_hook, &tp);
	log_info("started: %u templates, consul %s", tp.cfg->ntemplates,
	    tp.cfg->consul_addr != NULL ? tp.cfg->consul_addr
					: "127.0.0.1:8500");
	if (loop_run(tp.loop) == -1) {
		log_warn("event loop");
		tp.exit_code = 1;
	}
	loop_timer_stop(tp.loop, &tp.once_timer);
	/* Failure reports still queued get a few seconds to leave. */
	if (tp.sentry != NULL && sentry_queued(tp.sentry) > 0) {
		loop_hook_del(tp.loop, templater_hook, &tp);
		sentry_flush(tp.sentry, TEMPLATER_SENTRY_FLUSH_MS,
		    templater_flushed, &tp);
		(void)loop_run(tp.loop);
	}
	if (tp.cfg->pid_file != NULL)
		(void)unlink(tp.cfg->pid_file);
out:
	httpd_free(tp.httpd);
	metrics_free(tp.metrics);
	render_free(tp.render);
	watch_set_free(tp.set);
	http_free(tp.http);
	sentry_free(tp.sentry);
	http_free(tp.sentry_http);
	loop_free(tp.loop);
	config_free(tp.cfg);
	free(tp.cfg);
	templater_argv_free(&tp);
	log_forget_secrets();
	return tp.exit_code;
}
