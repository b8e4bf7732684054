/* SPDX-License-Identifier: MIT */
/*
 * registrator: main.  It only wires: config.c reads the options, then the
 * parts are built on one loop (docker.c follows the Docker Engine,
 * reconcile.c keeps the Consul agent equal to what runs, agent.c talks to
 * the agent, crash.c and janitor.c watch containers die) and the loop
 * runs until a signal, or the end of a -once or -dry-run pass.
 */
#include <signal.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "httpd.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "sentry.h"
#include "xmalloc.h"

#include "registrator.h"

#define REG_HTTP_CONNECTIONS 16
/*
 * The Consul agent has its own client: a Docker daemon that answers
 * slowly must not hold every connection while writes to the agent wait.
 */
#define REG_AGENT_CONNECTIONS 4
#define REG_SENTRY_FLUSH_MS 5000

/* Everything main wires together; freed in reverse order. */
struct reg {
	struct reg_config cfg;
	struct loop *loop;
	struct http *http; /* Docker, Sentry */
	struct http *agent_http; /* the Consul agent only */
	struct metrics *metrics;
	struct agent *agent;
	struct containers *table;
	struct docker *docker;
	struct reconcile *rc;
	struct httpd *httpd;
	struct sentry *sentry;
	struct janitor *janitor;
	struct crash *crash;
	struct crash_config ccfg;
	struct reconcile_config rcfg;
	struct loop_timer ping_timer;
	long long pings;
	char detected_ip[64];
	int status;
};

/* ---- running ---- */

static void
reg_flush_cb(struct sentry *sentry, size_t unsent, void *arg)
{
	struct reg *r = arg;

	(void)sentry;
	(void)unsent;
	loop_stop(r->loop);
}

static void
reg_signal_cb(struct loop *loop, int signo, void *arg)
{
	struct reg *r = arg;

	/*
	 * The default action of SIGHUP would end the daemon; a reload has
	 * nothing to re-read that a resync does not already redo.
	 */
	if (signo == SIGHUP) {
		log_info("SIGHUP: the configuration is read at start-up only; "
			 "restart the registrator to apply a change");
		return;
	}
	log_info("signal %d, exiting", signo);
	/* Held and queued crash reports get a few seconds to leave. */
	crash_flush_held(r->crash);
	if (r->sentry != NULL && sentry_queued(r->sentry) > 0)
		sentry_flush(r->sentry, REG_SENTRY_FLUSH_MS, reg_flush_cb, r);
	else
		loop_stop(loop);
}

static void
reg_done_cb(int status, void *arg)
{
	struct reg *r = arg;

	r->status = status;
	loop_stop(r->loop);
}

static void reg_ping(struct reg *);

static void
reg_health_cb(const struct httpd_req *req, struct httpd_resp *resp, void *arg)
{
	struct reg *r = arg;
	char why[128];

	(void)req;
	if (!reconcile_healthy(r->rc, why, sizeof(why)))
		resp->status = 503;
	(void)buf_addf(&resp->body, "%s\n", why);
}

static void
reg_ping_done(const struct agent_result *res, void *arg)
{
	struct reg *r = arg;

	if (res->error == 0 && res->status == 200) {
		log_info("consul: agent %s answers", agent_base(r->agent));
		docker_start(r->docker, !r->cfg.once);
		return;
	}
	r->pings++;
	if (r->cfg.retry_attempts >= 0 && r->pings > r->cfg.retry_attempts) {
		log_error("consul: agent %s: %s (HTTP %ld), giving up after "
			  "%lld attempts",
		    agent_base(r->agent),
		    res->error != 0 ? res->errmsg : "unexpected answer",
		    res->status, r->pings);
		r->status = 1;
		loop_stop(r->loop);
		return;
	}
	log_warnx("consul: agent %s: %s (HTTP %ld), retrying in %llu ms",
	    agent_base(r->agent),
	    res->error != 0 ? res->errmsg : "unexpected answer", res->status,
	    (unsigned long long)r->cfg.retry_interval_ms);
	loop_timer_start(r->loop, &r->ping_timer, r->cfg.retry_interval_ms);
}

static void
reg_ping_timer_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	reg_ping(arg);
}

static void
reg_ping(struct reg *r)
{
	agent_leader(r->agent, reg_ping_done, r);
}

static void
reg_setup(struct reg *r)
{
	struct reg_config *c = &r->cfg;
	struct agent_opts ao;
	char err[512];

	if (c->ip == NULL
	    && hostip_detect(r->detected_ip, sizeof(r->detected_ip)) == -1)
		log_warnx("no non-loopback IPv4 address found, using %s for "
			  "published ports; set -ip",
		    r->detected_ip);
	reg_config_reconcile(c, r->detected_ip, &r->rcfg);
	r->rcfg.done_cb = reg_done_cb;
	r->rcfg.done_arg = r;

	r->loop = loop_new();
	if (r->loop == NULL)
		fatal("loop_new");
	r->http = http_new(r->loop, REG_HTTP_CONNECTIONS);
	r->agent_http = http_new(r->loop, REG_AGENT_CONNECTIONS);
	r->metrics = metrics_new();
	metrics_process_add(r->metrics);
	loop_metrics_add(r->loop, r->metrics, "registrator");
	if (!c->dry_run) {
		reg_config_agent(c, &ao);
		r->agent
		    = agent_new(r->loop, r->agent_http, &ao, err, sizeof(err));
		if (r->agent == NULL)
			fatalx("%s", err);
	}
	r->table = containers_new();
	r->docker = docker_new(r->loop, r->http, r->table, c->docker_host, err,
	    sizeof(err));
	if (r->docker == NULL)
		fatalx("%s", err);
	r->rc = reconcile_new(r->loop, r->agent, r->docker, r->table,
	    r->metrics, &r->rcfg);
	if (c->sentry_dsn != NULL && !c->dry_run && !c->once) {
		struct sentry_opts so;

		memset(&so, 0, sizeof(so));
		so.dsn = c->sentry_dsn;
		so.client = "registrator/" PROJECT_VERSION;
		so.queue_max = (size_t)c->sentry_queue;
		r->sentry = sentry_new(r->loop, r->http, &so, err, sizeof(err));
		if (r->sentry == NULL)
			fatalx("-sentry-dsn: %s", err);
	}
	if (c->cleanup_exited_ms > 0 && !c->dry_run && !c->once)
		r->janitor = janitor_new(r->loop, r->http, r->docker, r->table,
		    r->metrics, c->cleanup_exited_ms, c->cleanup_label);
	if (r->sentry != NULL) {
		reg_config_crash(c, &r->ccfg);
		r->crash = crash_new(r->loop, r->http, r->docker, r->table,
		    r->sentry, r->janitor, r->metrics, &r->ccfg);
	}
	/*
	 * The janitor sees a change before crash.c, which may hold the
	 * removal back for its report; reconcile.c writes from the loop's
	 * hook after all of them.
	 */
	if (r->janitor != NULL)
		containers_subscribe(r->table, janitor_notify, r->janitor);
	if (r->crash != NULL)
		containers_subscribe(r->table, crash_notify, r->crash);
	containers_subscribe(r->table, reconcile_notify, r->rc);
	/* curl reports a closed socket as an error; SIGPIPE must not kill. */
	(void)signal(SIGPIPE, SIG_IGN);
	if (loop_signal_add(r->loop, SIGINT, reg_signal_cb, r) == -1
	    || loop_signal_add(r->loop, SIGTERM, reg_signal_cb, r) == -1
	    || loop_signal_add(r->loop, SIGHUP, reg_signal_cb, r) == -1)
		fatal("signals");
	loop_timer_init(&r->ping_timer, reg_ping_timer_cb, r);
	if (c->listen != NULL && !c->dry_run) {
		struct httpd_opts ho;

		memset(&ho, 0, sizeof(ho));
		ho.listen = c->listen;
		r->httpd = httpd_new(r->loop, &ho, err, sizeof(err));
		if (r->httpd == NULL)
			fatalx("-listen: %s", err);
		httpd_route(r->httpd, "/health", reg_health_cb, r);
		httpd_route(r->httpd, "/metrics", httpd_serve_metrics,
		    r->metrics);
		log_info("serving /health and /metrics on port %d",
		    httpd_port(r->httpd));
	}
}

static void
reg_teardown(struct reg *r)
{
	if (r->loop != NULL)
		loop_timer_stop(r->loop, &r->ping_timer);
	httpd_free(r->httpd);
	/* Each part frees its sections of the records, then the table goes. */
	crash_free(r->crash);
	janitor_free(r->janitor);
	docker_free(r->docker);
	agent_free(r->agent);
	reconcile_free(r->rc);
	containers_free(r->table);
	sentry_free(r->sentry);
	http_free(r->agent_http);
	http_free(r->http);
	metrics_free(r->metrics);
	loop_free(r->loop);
	reg_config_clear(&r->cfg);
	log_forget_secrets();
}

int
main(int argc, char **argv)
{
	struct reg r;
	struct reg_config *c = &r.cfg;

	memset(&r, 0, sizeof(r));
	xmalloc_init_cjson();
	reg_config_load(c, argc, argv);
	switch (c->command) {
	case REG_CONFIG_CRASH_EVENT:
		reg_config_crash(c, &r.ccfg);
		r.status
		    = crash_cli_main(c->docker_host, c->crash_target, &r.ccfg);
		reg_config_clear(c);
		return r.status;
	case REG_CONFIG_DNS_CHECK:
		r.status = dnscheck_main(reg_config_consul(c), c->token, c->dns,
		    c->hostname);
		reg_config_clear(c);
		return r.status;
	case REG_CONFIG_RUN:
		break;
	}
	reg_setup(&r);
	if (c->dry_run)
		docker_start(r.docker, false);
	else
		reg_ping(&r);
	if (loop_run(r.loop) == -1)
		r.status = 1;
	reg_teardown(&r);
	return r.status;
}
