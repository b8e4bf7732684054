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
#include <ini.h>

#include "buf.h"
#include "http.h"
#include "httpd.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

#define REG_DEFAULT_CONSUL	"127.0.0.1:8500"
#define REG_TOKEN_MAX		4096
#define REG_HTTP_CONNECTIONS	16

enum opt_type {
	OPT_BOOL,
	OPT_STR,
	OPT_INT,
	OPT_SECONDS,	/* Go duration, or bare seconds (gliderlabs) */
	OPT_MS,		/* Go duration, or bare milliseconds */
};

/* Where an option may be given. */
#define OPT_FLAG	0x1
#define OPT_INI		0x2

struct opt {
	const char	*name;		/* long flag and ini key */
	const char	*alias;		/* gliderlabs spelling, or NULL */
	enum opt_type	 type;
	unsigned	 where;
	size_t		 off;		/* into struct reg_config */
	const char	*def;		/* default as text, NULL = unset */
	const char	*env;		/* environment variable, or NULL */
	const char	*help;
};

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
	char		*deregister;
	bool		 maintenance_on_stop;
	bool		 cleanup;
	uint64_t	 resync_ms;
	uint64_t	 agent_poll_ms;
	long long	 retry_attempts;
	uint64_t	 retry_interval_ms;
	bool		 dry_run;
	bool		 once;
	char		*listen;
	char		*dns;
	char		*log_format;
	char		*log_level;
};

#define OFF(f)	offsetof(struct reg_config, f)

static const struct opt opts[] = {
	{ "consul", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(consul),
	  NULL, "CONSUL_HTTP_ADDR",
	  "Consul agent: consul://h:p, consul-tls://h:p, consul-unix:///path, "
	  "host:port (also the positional URI; default 127.0.0.1:8500)" },
	{ "consul-token", NULL, OPT_STR, OPT_INI, OFF(token), NULL,
	  "CONSUL_HTTP_TOKEN", "ACL token (ini or environment only)" },
	{ "consul-token-file", NULL, OPT_STR, OPT_FLAG | OPT_INI,
	  OFF(token_file), NULL, "CONSUL_HTTP_TOKEN_FILE",
	  "file holding the ACL token (beats consul-token)" },
	{ "consul-ca", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(ca), NULL,
	  "CONSUL_CACERT", "CA bundle for consul-tls://" },
	{ "consul-cert", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(cert), NULL,
	  "CONSUL_CLIENT_CERT", "client certificate for consul-tls://" },
	{ "consul-key", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(key), NULL,
	  "CONSUL_CLIENT_KEY", "client key for consul-tls://" },
	{ "consul-tls-skip-verify", NULL, OPT_BOOL, OPT_FLAG | OPT_INI,
	  OFF(tls_skip_verify), "false", NULL,
	  "do not verify the agent's certificate" },
	{ "docker-host", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(docker_host),
	  "unix:///var/run/docker.sock", "DOCKER_HOST",
	  "Docker Engine: unix:///path or tcp://host:port" },
	{ "hostname", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(hostname), NULL,
	  NULL, "host part of service IDs (default: Docker's /info Name)" },
	{ "ip", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(ip), NULL, NULL,
	  "address for published ports (default: detected, see the ini)" },
	{ "internal", NULL, OPT_BOOL, OPT_FLAG | OPT_INI, OFF(internal),
	  "false", NULL, "register container IP and exposed port" },
	{ "network", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(network), NULL,
	  NULL, "network whose container IP -internal uses" },
	{ "use-ip-from-label", "useIpFromLabel", OPT_STR, OPT_FLAG | OPT_INI,
	  OFF(ip_label), NULL, NULL,
	  "container label holding the service IP" },
	{ "tags", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(tags), NULL, NULL,
	  "comma list of tags added to every service" },
	{ "explicit", NULL, OPT_BOOL, OPT_FLAG | OPT_INI, OFF(explicit_only),
	  "false", NULL, "register only ports with a SERVICE_NAME" },
	{ "allow-script-checks", NULL, OPT_BOOL, OPT_FLAG | OPT_INI,
	  OFF(allow_script_checks), "false", NULL,
	  "accept SERVICE_CHECK_SCRIPT/_CMD (Consul runs commands)" },
	{ "docker-health", NULL, OPT_BOOL, OPT_FLAG | OPT_INI,
	  OFF(docker_health), "false", NULL,
	  "mirror Docker HEALTHCHECK status in a TTL check" },
	{ "deregister", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(deregister),
	  "always", NULL, "always, on-success or never" },
	{ "maintenance-on-stop", NULL, OPT_BOOL, OPT_FLAG | OPT_INI,
	  OFF(maintenance_on_stop), "false", NULL,
	  "put services in maintenance on kill/stop, before the die" },
	{ "cleanup", NULL, OPT_BOOL, OPT_FLAG | OPT_INI, OFF(cleanup),
	  "false", NULL,
	  "remove this host's <host>:<name>:<port> services whose container "
	  "is gone" },
	{ "resync", NULL, OPT_SECONDS, OPT_FLAG | OPT_INI, OFF(resync_ms),
	  "0", NULL, "relist containers every N seconds (0: never)" },
	{ "agent-poll", NULL, OPT_MS, OPT_FLAG | OPT_INI, OFF(agent_poll_ms),
	  "3s", NULL, "how often the agent is checked for lost services" },
	{ "retry-attempts", NULL, OPT_INT, OPT_FLAG | OPT_INI,
	  OFF(retry_attempts), "-1", NULL,
	  "start-up pings of the agent before giving up (-1: for ever)" },
	{ "retry-interval", NULL, OPT_MS, OPT_FLAG | OPT_INI,
	  OFF(retry_interval_ms), "2000", NULL,
	  "pause between start-up pings (bare number: milliseconds)" },
	{ "dry-run", NULL, OPT_BOOL, OPT_FLAG, OFF(dry_run), "false", NULL,
	  "print the registrations as JSON lines, write nothing, exit" },
	{ "once", NULL, OPT_BOOL, OPT_FLAG, OFF(once), "false", NULL,
	  "reconcile once and exit 0, or 1 on any failure" },
	{ "listen", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(listen), NULL,
	  NULL, "address:port serving /health and /metrics" },
	{ "dns", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(dns),
	  "127.0.0.1:8600", NULL, "Consul DNS address for dns-check" },
	{ "log-format", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(log_format),
	  "plain", NULL, "plain or json" },
	{ "log-level", NULL, OPT_STR, OPT_FLAG | OPT_INI, OFF(log_level),
	  "info", NULL, "error, warn, info, debug or trace" },
};
#define NOPTS	(sizeof(opts) / sizeof(opts[0]))

enum {
	FLAG_CONFIG = 1000,
	FLAG_HELP,
	FLAG_VERSION,
	FLAG_TABLE,	/* + index into opts */
};


/* Everything main wires together; freed in reverse order. */
struct reg {
	struct reg_config cfg;
	struct loop	*loop;
	struct http	*http;
	struct metrics	*metrics;
	struct agent	*agent;
	struct docker	*docker;
	struct reconcile *rc;
	struct httpd	*httpd;
	struct reconcile_config rcfg;
	struct loop_timer ping_timer;
	long long	 pings;
	char		 detected_ip[64];
	int		 status;
};

static __attribute__((noreturn)) void
usage(int status)
{
	FILE *f = status == 0 ? stdout : stderr;
	size_t i;

	(void)fprintf(f, "usage: registrator [options] [consul://host:port | "
	    "consul-tls://host:port | consul-unix:///path]\n"
	    "       registrator [options] dns-check\n\n"
	    "Options take one or two dashes; booleans accept =true/=false.\n"
	    "  -config <file>         ini file with these options "
	    "(section [registrator])\n"
	    "  -help                  this text\n"
	    "  -version               print the version\n");
	for (i = 0; i < NOPTS; i++) {
		char left[64];

		if ((opts[i].where & OPT_FLAG) == 0)
			continue;
		(void)snprintf(left, sizeof(left), "-%s%s", opts[i].name,
		    opts[i].type == OPT_BOOL ? "" : " <v>");
		(void)fprintf(f, "  %-22s %s", left, opts[i].help);
		if (opts[i].def != NULL && opts[i].type != OPT_BOOL)
			(void)fprintf(f, " [%s]", opts[i].def);
		if (opts[i].env != NULL)
			(void)fprintf(f, " (env %s)", opts[i].env);
		if (opts[i].alias != NULL)
			(void)fprintf(f, " (also -%s)", opts[i].alias);
		(void)fputc('\n', f);
	}
	exit(status);
}

/* Sets one option from text; returns NULL or a static reason. */
static const char *
opt_set(struct reg_config *cfg, const struct opt *o, const char *v)
{
	char *base = (char *)cfg + o->off;
	long long ll;
	uint64_t ms;
	bool b;

	switch (o->type) {
	case OPT_BOOL:
		if (v == NULL)
			v = "true";
		if (str_to_bool(v, &b) == -1)
			return "expected true or false";
		*(bool *)(void *)base = b;
		break;
	case OPT_STR:
		if (v == NULL)
			return "needs a value";
		free(*(char **)(void *)base);
		*(char **)(void *)base = v[0] != '\0' ? xstrdup(v) : NULL;
		break;
	case OPT_INT:
		if (v == NULL || str_to_ll(v, -1, INT32_MAX, &ll) == -1)
			return "expected an integer >= -1";
		*(long long *)(void *)base = ll;
		break;
	case OPT_SECONDS:
	case OPT_MS:
		if (v == NULL || str_to_ms(v, o->type == OPT_SECONDS ? 1000 : 1,
		    &ms) == -1)
			return "expected a duration such as 30s or 1m";
		*(uint64_t *)(void *)base = ms;
		break;
	}
	return NULL;
}

static const struct opt *
opt_find(const char *name)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (strcmp(opts[i].name, name) == 0 ||
		    (opts[i].alias != NULL && strcmp(opts[i].alias, name) == 0))
			return &opts[i];
	return NULL;
}

/* ---- the ini file ---- */

struct ini_ctx {
	FILE		*f;
	const char	*path;
	int		 line;
	struct reg_config *cfg;
	char		 err[512];
};

/* Counts lines so errors can name them (see c-house-style 3.6). */
static char *
ini_reader_cb(char *str, int num, void *stream)
{
	struct ini_ctx *ctx = stream;
	char *s;

	s = fgets(str, num, ctx->f);
	if (s != NULL)
		ctx->line++;
	return s;
}

static int
ini_handler_cb(void *user, const char *section, const char *name,
    const char *value)
{
	struct ini_ctx *ctx = user;
	const struct opt *o;
	const char *why;

	if (ctx->err[0] != '\0')
		return 0;
	if (section[0] != '\0' && strcmp(section, "registrator") != 0) {
		(void)snprintf(ctx->err, sizeof(ctx->err), "%s:%d: [%s]: "
		    "unknown section", ctx->path, ctx->line, section);
		return 0;
	}
	o = opt_find(name);
	if (o == NULL || (o->where & OPT_INI) == 0) {
		(void)snprintf(ctx->err, sizeof(ctx->err), "%s:%d: %s: unknown "
		    "key", ctx->path, ctx->line, name);
		return 0;
	}
	why = opt_set(ctx->cfg, o, value);
	if (why != NULL) {
		(void)snprintf(ctx->err, sizeof(ctx->err), "%s:%d: %s: %s",
		    ctx->path, ctx->line, name, why);
		return 0;
	}
	return 1;
}

static void
config_load_ini(struct reg_config *cfg, const char *path)
{
	struct ini_ctx ctx;
	int rv;

	memset(&ctx, 0, sizeof(ctx));
	ctx.path = path;
	ctx.cfg = cfg;
	ctx.f = fopen(path, "r");
	if (ctx.f == NULL)
		fatal("%s", path);
	rv = ini_parse_stream(ini_reader_cb, &ctx, ini_handler_cb, &ctx);
	(void)fclose(ctx.f);
	if (ctx.err[0] != '\0')
		fatalx("%s", ctx.err);
	if (rv != 0)
		fatalx("%s:%d: syntax error", path, rv);
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

static void
config_free(struct reg_config *cfg)
{
	size_t i;

	if (cfg->token != NULL)
		explicit_bzero(cfg->token, strlen(cfg->token));
	for (i = 0; i < NOPTS; i++)
		if (opts[i].type == OPT_STR)
			free(*(char **)(void *)((char *)cfg + opts[i].off));
}

/*
 * Defaults, then environment, then the ini file, then the flags; returns
 * the index of the first positional argument.
 */
static int
config_load(struct reg_config *cfg, int argc, char **argv)
{
	struct option *lo;
	const char *config_path = NULL, *why;
	size_t i, n = 0;
	int ch, idx, pass;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NOPTS; i++) {
		const char *env = opts[i].env != NULL ? getenv(opts[i].env) :
		    NULL;

		if (opts[i].def != NULL && opt_set(cfg, &opts[i],
		    opts[i].def) != NULL)
			fatalx("option table: bad default for %s", opts[i].name);
		if (env != NULL && env[0] != '\0' &&
		    (why = opt_set(cfg, &opts[i], env)) != NULL)
			fatalx("%s=%s: %s", opts[i].env,
			    opts[i].type == OPT_STR ? "..." : env, why);
	}

	lo = xcalloc(2 * NOPTS + 4, sizeof(*lo));
	lo[n++] = (struct option){ "config", required_argument, NULL,
	    FLAG_CONFIG };
	lo[n++] = (struct option){ "help", no_argument, NULL, FLAG_HELP };
	lo[n++] = (struct option){ "version", no_argument, NULL,
	    FLAG_VERSION };
	for (i = 0; i < NOPTS; i++) {
		int has = opts[i].type == OPT_BOOL ? optional_argument :
		    required_argument;

		if ((opts[i].where & OPT_FLAG) == 0)
			continue;
		lo[n++] = (struct option){ opts[i].name, has, NULL,
		    FLAG_TABLE + (int)i };
		if (opts[i].alias != NULL)
			lo[n++] = (struct option){ opts[i].alias, has, NULL,
			    FLAG_TABLE + (int)i };
	}
	lo[n] = (struct option){ NULL, 0, NULL, 0 };

	/* Pass 0 finds -config, -help, -version; pass 1 applies flags. */
	for (pass = 0; pass < 2; pass++) {
		optind = 0;
		opterr = pass == 0;
		while ((ch = getopt_long_only(argc, argv, "", lo, &idx)) != -1) {
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
			why = opt_set(cfg, &opts[ch - FLAG_TABLE], optarg);
			if (why != NULL) {
				(void)fprintf(stderr, "registrator: -%s: %s\n",
				    opts[ch - FLAG_TABLE].name, why);
				exit(2);
			}
		}
		if (pass == 0 && config_path != NULL)
			config_load_ini(cfg, config_path);
	}
	free(lo);
	return optind;
}

/* ---- running ---- */

static void
reg_signal_cb(struct loop *loop, int signo, void *arg)
{
	(void)arg;
	log_info("signal %d, exiting", signo);
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
		docker_start(r->docker, !r->cfg.once, reconcile_docker_cbs(),
		    r->rc);
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
	if (strcmp(c->deregister, "always") == 0)
		rc->deregister = DEREGISTER_ALWAYS;
	else if (strcmp(c->deregister, "on-success") == 0)
		rc->deregister = DEREGISTER_ON_SUCCESS;
	else if (strcmp(c->deregister, "never") == 0)
		rc->deregister = DEREGISTER_NEVER;
	else
		fatalx("-deregister %s: expected always, on-success or never",
		    c->deregister);
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
	r->metrics = metrics_new();
	if (!c->dry_run) {
		memset(&ao, 0, sizeof(ao));
		ao.address = c->consul != NULL ? c->consul : REG_DEFAULT_CONSUL;
		ao.token = c->token;
		ao.ca_file = c->ca;
		ao.cert_file = c->cert;
		ao.key_file = c->key;
		ao.insecure = c->tls_skip_verify;
		r->agent = agent_new(r->loop, r->http, &ao, err, sizeof(err));
		if (r->agent == NULL)
			fatalx("%s", err);
	}
	r->docker = docker_new(r->loop, r->http, c->docker_host, err,
	    sizeof(err));
	if (r->docker == NULL)
		fatalx("%s", err);
	r->rc = reconcile_new(r->loop, r->agent, r->docker, r->metrics, rc);
	/* curl reports a closed socket as an error; SIGPIPE must not kill. */
	(void)signal(SIGPIPE, SIG_IGN);
	if (loop_signal_add(r->loop, SIGINT, reg_signal_cb, r) == -1 ||
	    loop_signal_add(r->loop, SIGTERM, reg_signal_cb, r) == -1)
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
	docker_free(r->docker);
	agent_free(r->agent);
	reconcile_free(r->rc);
	http_free(r->http);
	metrics_free(r->metrics);
	loop_free(r->loop);
	config_free(&r->cfg);
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
		config_free(c);
		return r.status;
	}

	reg_setup(&r);
	if (c->dry_run)
		docker_start(r.docker, false, reconcile_docker_cbs(), r.rc);
	else
		reg_ping(&r);
	if (loop_run(r.loop) == -1)
		r.status = 1;
	reg_teardown(&r);
	return r.status;
}
