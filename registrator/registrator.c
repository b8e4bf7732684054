/* SPDX-License-Identifier: MIT */
/*
 * registrator: main.  Reads the options (one table drives the flags, the
 * ini file and --help), then wires the parts together on one loop:
 * docker.c follows the Docker Engine, reconcile.c keeps the Consul agent
 * equal to what runs, agent.c talks to the agent.  Flags are parsed with
 * getopt_long_only, so gliderlabs' single-dash flags (-internal, -ip ...)
 * and double-dash ones both work.  Precedence: defaults < environment <
 * ini file < flags (the registry URI is a flag too, or the positional).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "conf.h"
#include "http.h"
#include "httpd.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "sentry.h"
#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

#define REG_DEFAULT_CONSUL	"127.0.0.1:8500"
#define REG_TOKEN_MAX		4096
#define REG_HTTP_CONNECTIONS	16
/*
 * The Consul agent has its own client: a Docker daemon that answers
 * slowly must not hold every connection while writes to the agent wait.
 */
#define REG_AGENT_CONNECTIONS	4
#define REG_SENTRY_FLUSH_MS	5000

struct reg_config {
	char		*consul;
	char		*token;
	char		*token_file;
	char		*ca;
	char		*cert;
	char		*key;
	bool		 tls_skip_verify;
	char		*docker_host;
	char		*hostname;
	char		*ip;
	bool		 internal;
	char		*network;
	char		*ip_label;
	char		*tags;
	bool		 explicit_only;
	bool		 allow_script_checks;
	bool		 docker_health;
	enum deregister_mode deregister;
	bool		 maintenance_on_stop;
	bool		 cleanup;
	uint64_t	 resync_ms;
	uint64_t	 agent_poll_ms;
	long long	 retry_attempts;
	uint64_t	 retry_interval_ms;
	char		*listen;
	char		*dns;
	char		*log_format;
	char		*log_level;
	/* crash.c and janitor.c */
	char		*sentry_dsn;
	long long	 sentry_queue;
	long long	 crash_log_lines;
	uint64_t	 crash_stats_interval_ms;
	char		*crash_label_allow;
	uint64_t	 cleanup_exited_ms;
	char		*cleanup_label;
	/* Flags only, not in the ini file. */
	bool		 dry_run;
	bool		 once;
};

static int	reg_set_seconds(void *, const struct conf_opt *, const char *,
		    char *, size_t);
static int	reg_set_ms(void *, const struct conf_opt *, const char *, char *,
		    size_t);
static int	reg_set_deregister(void *, const struct conf_opt *,
		    const char *, char *, size_t);

#define S	"registrator"
#define OFF(f)	offsetof(struct reg_config, f)

/*
 * Every option: an ini key in [registrator] and a flag of the same name
 * (one or two dashes).  registrator.ini documents each with its default.
 */
static const struct conf_opt reg_opts[] = {
	{ S, "consul", CONF_STR, 0, 0, NULL, "CONSUL_HTTP_ADDR",
	  "Consul agent: consul://h:p, consul-tls://h:p, consul-unix:///path "
	  "or host:port (the positional URI wins; default 127.0.0.1:8500)",
	  OFF(consul), NULL, 0 },
	{ S, "consul-token", CONF_STR, 0, 0, NULL, "CONSUL_HTTP_TOKEN",
	  "ACL token (ini or environment only, never a flag)", OFF(token),
	  NULL, CONF_SECRET },
	{ S, "consul-token-file", CONF_STR, 0, 0, NULL,
	  "CONSUL_HTTP_TOKEN_FILE", "file holding the ACL token",
	  OFF(token_file), NULL, 0 },
	{ S, "consul-ca", CONF_STR, 0, 0, NULL, "CONSUL_CACERT",
	  "CA bundle for consul-tls://", OFF(ca), NULL, 0 },
	{ S, "consul-cert", CONF_STR, 0, 0, NULL, "CONSUL_CLIENT_CERT",
	  "client certificate for consul-tls://", OFF(cert), NULL, 0 },
	{ S, "consul-key", CONF_STR, 0, 0, NULL, "CONSUL_CLIENT_KEY",
	  "client key for consul-tls://", OFF(key), NULL, 0 },
	{ S, "consul-tls-skip-verify", CONF_BOOL, 0, 0, "false", NULL,
	  "do not verify the agent's certificate", OFF(tls_skip_verify), NULL,
	  0 },
	{ S, "docker-host", CONF_STR, 0, 0, "unix:///var/run/docker.sock",
	  "DOCKER_HOST", "Docker Engine: unix:///path or tcp://host:port",
	  OFF(docker_host), NULL, 0 },
	{ S, "hostname", CONF_STR, 0, 0, NULL, NULL,
	  "host part of service IDs (default: Docker's /info Name)",
	  OFF(hostname), NULL, 0 },
	{ S, "ip", CONF_STR, 0, 0, NULL, NULL,
	  "address for published ports (default: detected, see the ini)",
	  OFF(ip), NULL, 0 },
	{ S, "internal", CONF_BOOL, 0, 0, "false", NULL,
	  "register container IP and exposed port", OFF(internal), NULL, 0 },
	{ S, "network", CONF_STR, 0, 0, NULL, NULL,
	  "network whose container IP -internal uses", OFF(network), NULL, 0 },
	{ S, "use-ip-from-label", CONF_STR, 0, 0, NULL, NULL,
	  "container label holding the service IP (also -useIpFromLabel)",
	  OFF(ip_label), NULL, 0 },
	{ S, "tags", CONF_STR, 0, 0, NULL, NULL,
	  "comma list of tags added to every service", OFF(tags), NULL, 0 },
	{ S, "explicit", CONF_BOOL, 0, 0, "false", NULL,
	  "register only ports with a SERVICE_NAME", OFF(explicit_only), NULL,
	  0 },
	{ S, "allow-script-checks", CONF_BOOL, 0, 0, "false", NULL,
	  "accept SERVICE_CHECK_SCRIPT/_CMD (Consul runs commands)",
	  OFF(allow_script_checks), NULL, 0 },
	{ S, "docker-health", CONF_BOOL, 0, 0, "false", NULL,
	  "mirror Docker HEALTHCHECK status in a TTL check", OFF(docker_health),
	  NULL, 0 },
	{ S, "deregister", CONF_STR, 0, 0, "always", NULL,
	  "always, on-success or never", OFF(deregister), reg_set_deregister,
	  0 },
	{ S, "maintenance-on-stop", CONF_BOOL, 0, 0, "false", NULL,
	  "put services in maintenance on kill/stop, before the die",
	  OFF(maintenance_on_stop), NULL, 0 },
	{ S, "cleanup", CONF_BOOL, 0, 0, "false", NULL,
	  "remove this host's <host>:<name>:<port> services whose container "
	  "is gone", OFF(cleanup), NULL, 0 },
	{ S, "resync", CONF_DURATION, 0, 0, "0", NULL,
	  "relist containers every N seconds (bare number: seconds; 0: never)",
	  OFF(resync_ms), reg_set_seconds, 0 },
	{ S, "agent-poll", CONF_DURATION, 0, 0, "3s", NULL,
	  "how often the agent is checked for lost services",
	  OFF(agent_poll_ms), reg_set_ms, 0 },
	{ S, "retry-attempts", CONF_INT, -1, INT32_MAX, "-1", NULL,
	  "start-up pings of the agent before giving up (-1: for ever)",
	  OFF(retry_attempts), NULL, 0 },
	{ S, "retry-interval", CONF_DURATION, 0, 0, "2000", NULL,
	  "pause between start-up pings (bare number: milliseconds)",
	  OFF(retry_interval_ms), reg_set_ms, 0 },
	{ S, "listen", CONF_STR, 0, 0, NULL, NULL,
	  "address:port serving /health and /metrics", OFF(listen), NULL, 0 },
	{ S, "dns", CONF_STR, 0, 0, "127.0.0.1:8600", NULL,
	  "Consul DNS address for dns-check", OFF(dns), NULL, 0 },
	{ S, "log-format", CONF_STR, 0, 0, "plain", NULL, "plain or json",
	  OFF(log_format), NULL, 0 },
	{ S, "log-level", CONF_STR, 0, 0, "info", NULL,
	  "error, warn, info, debug or trace", OFF(log_level), NULL, 0 },
	{ S, "sentry-dsn", CONF_STR, 0, 0, NULL, "SENTRY_DSN",
	  "report crashed containers to this Sentry DSN (unset: off)",
	  OFF(sentry_dsn), NULL, 0 },
	{ S, "sentry-queue", CONF_INT, 1, 10000, "64", NULL,
	  "Sentry events waiting to be sent; more are dropped",
	  OFF(sentry_queue), NULL, 0 },
	{ S, "crash-log-lines", CONF_INT, 0, CRASH_LOG_LINES_MAX, "50", NULL,
	  "last log lines sent with a crash", OFF(crash_log_lines), NULL, 0 },
	{ S, "crash-stats-interval", CONF_DURATION, 0, 0, "10s", NULL,
	  "resource sample of running containers every (0: never)",
	  OFF(crash_stats_interval_ms), NULL, 0 },
	{ S, "crash-label-allow", CONF_STR, 0, 0, CRASH_ALLOW_DEFAULT, NULL,
	  "labels whose values a crash event shows (comma globs; others: "
	  "key only)", OFF(crash_label_allow), NULL, 0 },
	{ S, "cleanup-exited", CONF_DURATION, 0, 0, "0", NULL,
	  "remove exited containers after this grace period (0: never)",
	  OFF(cleanup_exited_ms), NULL, 0 },
	{ S, "cleanup-label", CONF_STR, 0, 0, NULL, NULL,
	  "-cleanup-exited only removes containers with this label "
	  "(key or key=value)", OFF(cleanup_label), NULL, 0 },
};

static const struct conf_spec reg_spec = {
	.opts = reg_opts,
	.nopts = sizeof(reg_opts) / sizeof(reg_opts[0]),
};

/* gliderlabs spellings of table options. */
static const struct {
	const char	*alias;
	const char	*key;
} reg_aliases[] = {
	{ "useIpFromLabel", "use-ip-from-label" },
};

enum {
	FLAG_CONFIG = 1000,
	FLAG_HELP,
	FLAG_VERSION,
	FLAG_DRY_RUN,
	FLAG_ONCE,
	FLAG_TABLE,	/* + index into reg_opts */
};

/* Everything main wires together; freed in reverse order. */
struct reg {
	struct reg_config cfg;
	struct loop	*loop;
	struct http	*http;		/* Docker, Sentry */
	struct http	*agent_http;	/* the Consul agent only */
	struct metrics	*metrics;
	struct agent	*agent;
	struct docker	*docker;
	struct reconcile *rc;
	struct httpd	*httpd;
	struct sentry	*sentry;
	struct janitor	*janitor;
	struct crash	*crash;
	struct crash_config ccfg;
	struct reconcile_config rcfg;
	struct loop_timer ping_timer;
	long long	 pings;
	char		 detected_ip[64];
	int		 status;
};

static int
reg_set_duration(void *obj, const struct conf_opt *o, const char *v,
    uint64_t bare_unit_ms, char *err, size_t errlen)
{
	uint64_t ms;

	if (str_to_ms(v, bare_unit_ms, &ms) == -1) {
		(void)snprintf(err, errlen, "expected a duration such as 30s or "
		    "a number of %s, not \"%s\"", bare_unit_ms == 1000 ?
		    "seconds" : "milliseconds", v);
		return -1;
	}
	memcpy((char *)obj + o->offset, &ms, sizeof(ms));
	return 0;
}

/* gliderlabs' -resync took bare seconds. */
static int
reg_set_seconds(void *obj, const struct conf_opt *o, const char *v, char *err,
    size_t errlen)
{
	return reg_set_duration(obj, o, v, 1000, err, errlen);
}

/* gliderlabs' -retry-interval took bare milliseconds. */
static int
reg_set_ms(void *obj, const struct conf_opt *o, const char *v, char *err,
    size_t errlen)
{
	return reg_set_duration(obj, o, v, 1, err, errlen);
}

static int
reg_set_deregister(void *obj, const struct conf_opt *o, const char *v,
    char *err, size_t errlen)
{
	enum deregister_mode m;

	if (strcmp(v, "always") == 0)
		m = DEREGISTER_ALWAYS;
	else if (strcmp(v, "on-success") == 0)
		m = DEREGISTER_ON_SUCCESS;
	else if (strcmp(v, "never") == 0)
		m = DEREGISTER_NEVER;
	else {
		(void)snprintf(err, errlen, "expected always, on-success or "
		    "never, not \"%s\"", v);
		return -1;
	}
	memcpy((char *)obj + o->offset, &m, sizeof(m));
	return 0;
}

static __attribute__((noreturn)) void
usage(int status)
{
	FILE *f = status == 0 ? stdout : stderr;
	size_t i;

	(void)fprintf(f, "usage: registrator [options] [consul://host:port | "
	    "consul-tls://host:port | consul-unix:///path]\n"
	    "       registrator [options] dns-check\n"
	    "       registrator [options] crash-event CONTAINER\n\n"
	    "Options take one or two dashes; booleans accept =true/=false.\n"
	    "Precedence: defaults < environment < -config file < flags.\n"
	    "  -config <file>           ini file, section [registrator], keys "
	    "as below\n"
	    "  -dry-run                 print the registrations as JSON lines, "
	    "write nothing, exit\n"
	    "  -once                    reconcile once, exit 0 (1 on any "
	    "failure)\n"
	    "  -help                    this text\n"
	    "  -version                 print the version\n");
	for (i = 0; i < reg_spec.nopts; i++) {
		const struct conf_opt *o = &reg_opts[i];
		char left[64];

		if (o->flags & CONF_SECRET)
			continue;	/* ini or environment only */
		(void)snprintf(left, sizeof(left), "-%s%s", o->key,
		    o->type == CONF_BOOL ? "" : " <v>");
		(void)fprintf(f, "  %-24s %s", left, o->help);
		if (o->def != NULL && o->type != CONF_BOOL)
			(void)fprintf(f, " [%s]", o->def);
		if (o->env != NULL)
			(void)fprintf(f, " (env %s)", o->env);
		(void)fputc('\n', f);
	}
	exit(status);
}

static char *
config_read_token(const char *path)
{
	struct buf b = BUF_INITIALIZER(REG_TOKEN_MAX);
	char chunk[512], *tok;
	size_t n;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL)
		fatal("consul-token-file %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&b, chunk, n) == -1)
			fatalx("consul-token-file %s: longer than %u bytes",
			    path, REG_TOKEN_MAX);
	(void)fclose(f);
	explicit_bzero(chunk, sizeof(chunk));
	tok = buf_take(&b, NULL);
	(void)str_trim(tok);
	return tok;
}

/* An empty string option means unset. */
static void
config_normalize(struct reg_config *cfg)
{
	size_t i;

	for (i = 0; i < reg_spec.nopts; i++) {
		char **sp;

		if (reg_opts[i].type != CONF_STR || reg_opts[i].set != NULL)
			continue;
		sp = (char **)(void *)((char *)cfg + reg_opts[i].offset);
		if (*sp != NULL && (*sp)[0] == '\0') {
			free(*sp);
			*sp = NULL;
		}
	}
}

/*
 * Defaults, then the environment, then the ini file, then the flags (so a
 * CONSUL_HTTP_ADDR is overridden by the file's consul key, as gliderlabs
 * users expect); returns the index of the first positional argument.
 */
static int
config_load(struct reg_config *cfg, int argc, char **argv)
{
	struct option *lo;
	const char *config_path = NULL;
	char err[CONF_ERR_MAX];
	size_t i, n = 0, nlo;
	int ch, idx, pass;

	memset(cfg, 0, sizeof(*cfg));
	conf_defaults(&reg_spec, NULL, cfg);
	if (conf_env(&reg_spec, cfg, err, sizeof(err)) == -1)
		fatalx("%s", err);

	nlo = reg_spec.nopts + sizeof(reg_aliases) / sizeof(reg_aliases[0]) + 6;
	lo = xcalloc(nlo, sizeof(*lo));
	lo[n++] = (struct option){ "config", required_argument, NULL,
	    FLAG_CONFIG };
	lo[n++] = (struct option){ "help", no_argument, NULL, FLAG_HELP };
	lo[n++] = (struct option){ "version", no_argument, NULL,
	    FLAG_VERSION };
	lo[n++] = (struct option){ "dry-run", no_argument, NULL,
	    FLAG_DRY_RUN };
	lo[n++] = (struct option){ "once", no_argument, NULL, FLAG_ONCE };
	for (i = 0; i < reg_spec.nopts; i++) {
		if (reg_opts[i].flags & CONF_SECRET)
			continue;	/* a flag would show in ps(1) */
		lo[n++] = (struct option){ reg_opts[i].key,
		    reg_opts[i].type == CONF_BOOL ? optional_argument :
		    required_argument, NULL, FLAG_TABLE + (int)i };
	}
	for (i = 0; i < sizeof(reg_aliases) / sizeof(reg_aliases[0]); i++) {
		const struct conf_opt *o = conf_find(&reg_spec, S,
		    reg_aliases[i].key);

		lo[n++] = (struct option){ reg_aliases[i].alias,
		    o->type == CONF_BOOL ? optional_argument : required_argument,
		    NULL, FLAG_TABLE + (int)(o - reg_opts) };
	}
	lo[n] = (struct option){ NULL, 0, NULL, 0 };

	/* Pass 0 finds -config, -help, -version; pass 1 applies flags. */
	for (pass = 0; pass < 2; pass++) {
		optind = 0;
		opterr = pass == 0;
		while ((ch = getopt_long_only(argc, argv, "", lo, &idx)) != -1) {
			const struct conf_opt *o;

			if (ch == '?' || ch == ':') {
				if (pass == 0)
					usage(2);
				continue;
			}
			if (ch == FLAG_HELP)
				usage(0);
			if (ch == FLAG_VERSION) {
				(void)printf("registrator %s\n",
				    PROJECT_VERSION);
				exit(0);
			}
			if (ch == FLAG_CONFIG) {
				config_path = optarg;
				continue;
			}
			if (pass == 0)
				continue;
			if (ch == FLAG_DRY_RUN || ch == FLAG_ONCE) {
				*(ch == FLAG_DRY_RUN ? &cfg->dry_run :
				    &cfg->once) = true;
				continue;
			}
			o = &reg_opts[ch - FLAG_TABLE];
			if (conf_set(&reg_spec, cfg, S, o->key,
			    optarg != NULL ? optarg : "true", err,
			    sizeof(err)) == -1) {
				(void)fprintf(stderr, "registrator: -%s: %s\n",
				    o->key, err);
				exit(2);
			}
		}
		if (pass == 0 && config_path != NULL &&
		    conf_load(&reg_spec, cfg, config_path, err,
		    sizeof(err)) == -1)
			fatalx("%s", err);
	}
	free(lo);
	config_normalize(cfg);
	return optind;
}

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
	/* Queued crash reports get a few seconds to leave. */
	if (r->sentry != NULL && sentry_queued(r->sentry) > 0)
		sentry_flush(r->sentry, REG_SENTRY_FLUSH_MS, reg_flush_cb, r);
	else
		loop_stop(loop);
}

/*
 * Docker callbacks: crash.c sees each change before reconcile.c does, so
 * a crash report starts reading logs as early as possible.
 */
static void
reg_docker_ready(const char *host_name, void *arg)
{
	struct reg *r = arg;

	if (r->crash != NULL)
		crash_ready(r->crash, host_name);
	reconcile_docker_cbs()->ready(host_name, r->rc);
}

static void
reg_docker_change(const struct docker_change *ch, void *arg)
{
	struct reg *r = arg;

	if (r->crash != NULL)
		crash_change(r->crash, ch);
	reconcile_docker_cbs()->change(ch, r->rc);
}

static void
reg_docker_listed(const char *const *ids, size_t nids, void *arg)
{
	struct reg *r = arg;

	if (r->crash != NULL)
		crash_listed(r->crash, ids, nids);
	reconcile_docker_cbs()->listed(ids, nids, r->rc);
}

static void
reg_docker_lost(void *arg)
{
	struct reg *r = arg;

	if (reconcile_docker_cbs()->lost != NULL)
		reconcile_docker_cbs()->lost(r->rc);
}

static void
reg_docker_event(const struct docker_event *ev, void *arg)
{
	struct reg *r = arg;

	if (reconcile_docker_cbs()->event != NULL)
		reconcile_docker_cbs()->event(ev, r->rc);
}

static void
reg_docker_error(void *arg)
{
	struct reg *r = arg;

	if (reconcile_docker_cbs()->error != NULL)
		reconcile_docker_cbs()->error(r->rc);
}

static const struct docker_cbs reg_docker_cbs = {
	.ready = reg_docker_ready,
	.change = reg_docker_change,
	.listed = reg_docker_listed,
	.lost = reg_docker_lost,
	.event = reg_docker_event,
	.error = reg_docker_error,
};

/* The crash reporter's part of the configuration. */
static void
reg_crash_config(struct reg *r)
{
	struct reg_config *c = &r->cfg;

	memset(&r->ccfg, 0, sizeof(r->ccfg));
	r->ccfg.log_lines = (unsigned)c->crash_log_lines;
	r->ccfg.stats_interval_ms = c->crash_stats_interval_ms;
	r->ccfg.allow = c->crash_label_allow != NULL ? c->crash_label_allow :
	    "";
	r->ccfg.host_override = c->hostname;
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
		docker_start(r->docker, !r->cfg.once, &reg_docker_cbs, r);
		return;
	}
	r->pings++;
	if (r->cfg.retry_attempts >= 0 && r->pings > r->cfg.retry_attempts) {
		log_error("consul: agent %s: %s (HTTP %ld), giving up after "
		    "%lld attempts", agent_base(r->agent),
		    res->error != 0 ? res->errmsg : "unexpected answer",
		    res->status, r->pings);
		r->status = 1;
		loop_stop(r->loop);
		return;
	}
	log_warnx("consul: agent %s: %s (HTTP %ld), retrying in %llu ms",
	    agent_base(r->agent), res->error != 0 ? res->errmsg :
	    "unexpected answer", res->status,
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
	struct reconcile_config *rc = &r->rcfg;
	struct agent_opts ao;
	char err[512];

	if (c->ip == NULL && hostip_detect(r->detected_ip,
	    sizeof(r->detected_ip)) == -1)
		log_warnx("no non-loopback IPv4 address found, using %s for "
		    "published ports; set -ip", r->detected_ip);
	memset(rc, 0, sizeof(*rc));
	rc->derive.ip = c->ip;
	rc->derive.detected_ip = c->ip == NULL ? r->detected_ip : NULL;
	rc->derive.internal = c->internal;
	rc->derive.explicit_only = c->explicit_only;
	rc->derive.tags = c->tags;
	rc->derive.network = c->network;
	rc->derive.ip_label = c->ip_label;
	rc->derive.allow_script_checks = c->allow_script_checks;
	rc->derive.docker_health = c->docker_health;
	rc->host_override = c->hostname;
	rc->deregister = c->deregister;
	rc->cleanup = c->cleanup;
	rc->maintenance_on_stop = c->maintenance_on_stop;
	rc->dry_run = c->dry_run;
	rc->once = c->once;
	rc->resync_ms = c->resync_ms;
	rc->agent_poll_ms = c->agent_poll_ms;
	rc->done_cb = reg_done_cb;
	rc->done_arg = r;

	r->loop = loop_new();
	if (r->loop == NULL)
		fatal("loop_new");
	r->http = http_new(r->loop, REG_HTTP_CONNECTIONS);
	r->agent_http = http_new(r->loop, REG_AGENT_CONNECTIONS);
	r->metrics = metrics_new();
	metrics_process_add(r->metrics);
	loop_metrics_add(r->loop, r->metrics, "registrator");
	if (!c->dry_run) {
		memset(&ao, 0, sizeof(ao));
		ao.address = c->consul != NULL ? c->consul : REG_DEFAULT_CONSUL;
		ao.token = c->token;
		ao.ca_file = c->ca;
		ao.cert_file = c->cert;
		ao.key_file = c->key;
		ao.insecure = c->tls_skip_verify;
		r->agent = agent_new(r->loop, r->agent_http, &ao, err,
		    sizeof(err));
		if (r->agent == NULL)
			fatalx("%s", err);
	}
	r->docker = docker_new(r->loop, r->http, c->docker_host, err,
	    sizeof(err));
	if (r->docker == NULL)
		fatalx("%s", err);
	r->rc = reconcile_new(r->loop, r->agent, r->docker, r->metrics, rc);
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
		r->janitor = janitor_new(r->loop, r->http, r->docker,
		    r->metrics, c->cleanup_exited_ms, c->cleanup_label);
	if (r->sentry != NULL || r->janitor != NULL) {
		reg_crash_config(r);
		r->crash = crash_new(r->loop, r->http, r->docker, r->sentry,
		    r->janitor, r->metrics, &r->ccfg);
	}
	/* curl reports a closed socket as an error; SIGPIPE must not kill. */
	(void)signal(SIGPIPE, SIG_IGN);
	if (loop_signal_add(r->loop, SIGINT, reg_signal_cb, r) == -1 ||
	    loop_signal_add(r->loop, SIGTERM, reg_signal_cb, r) == -1 ||
	    loop_signal_add(r->loop, SIGHUP, reg_signal_cb, r) == -1)
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
	crash_free(r->crash);
	janitor_free(r->janitor);
	docker_free(r->docker);
	agent_free(r->agent);
	reconcile_free(r->rc);
	sentry_free(r->sentry);
	http_free(r->agent_http);
	http_free(r->http);
	metrics_free(r->metrics);
	loop_free(r->loop);
	conf_clear(&reg_spec, NULL, &r->cfg);
	log_forget_secrets();
}

int
main(int argc, char **argv)
{
	struct reg r;
	struct reg_config *c = &r.cfg;
	enum log_level level;
	enum log_format format;
	bool dns_check = false;
	int first, i;

	memset(&r, 0, sizeof(r));
	log_init("registrator", LOG_LEVEL_INFO, LOG_FORMAT_PLAIN);
	xmalloc_init_cjson();
	first = config_load(c, argc, argv);
	if (log_level_parse(c->log_level, &level) == -1)
		fatalx("-log-level %s: expected error, warn, info, debug or "
		    "trace", c->log_level);
	if (log_format_parse(c->log_format, &format) == -1)
		fatalx("-log-format %s: expected plain or json", c->log_format);
	log_init("registrator", level, format);
	if (first < argc && strcmp(argv[first], "crash-event") == 0) {
		if (argc - first != 2)
			usage(2);
		reg_crash_config(&r);
		r.status = crash_event_main(c->docker_host, argv[first + 1],
		    &r.ccfg);
		conf_clear(&reg_spec, NULL, c);
		return r.status;
	}
	for (i = first; i < argc; i++) {
		if (strcmp(argv[i], "dns-check") == 0 && !dns_check)
			dns_check = true;
		else if (i == argc - 1 || (i == argc - 2 && !dns_check &&
		    strcmp(argv[argc - 1], "dns-check") == 0)) {
			free(c->consul);
			c->consul = xstrdup(argv[i]);
		} else {
			(void)fprintf(stderr, "registrator: unexpected "
			    "argument %s\n", argv[i]);
			usage(2);
		}
	}
	if (c->token_file != NULL) {
		if (c->token != NULL)
			explicit_bzero(c->token, strlen(c->token));
		free(c->token);
		c->token = config_read_token(c->token_file);
	}
	if (c->token != NULL)
		log_add_secret(c->token);
	if (c->dry_run && c->once)
		log_info("-dry-run and -once given: dry run");
	if (dns_check) {
		r.status = dnscheck_main(c->consul != NULL ? c->consul :
		    REG_DEFAULT_CONSUL, c->token, c->dns, c->hostname);
		conf_clear(&reg_spec, NULL, c);
		return r.status;
	}

	reg_setup(&r);
	if (c->dry_run)
		docker_start(r.docker, false, &reg_docker_cbs, &r);
	else
		reg_ping(&r);
	if (loop_run(r.loop) == -1)
		r.status = 1;
	reg_teardown(&r);
	return r.status;
}
