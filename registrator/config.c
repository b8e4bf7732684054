/* SPDX-License-Identifier: MIT */
/*
 * The registrator's options, first in the data flow: one table drives the
 * flags, the ini file, the environment and --help (tmux options-table.c).
 * Flags are parsed with getopt_long_only, so gliderlabs' single-dash flags
 * (-internal, -ip ...) and double-dash ones both work.  Precedence:
 * defaults < environment < ini file < flags (the registry URI is a flag
 * too, or the positional).  reg_config_load() also reads the positional words
 * (dns-check, crash-event CONTAINER, the URI), the token file and the
 * logging options; the config_* translators below hand each part of the
 * daemon its share, so that main only wires.  Errors here end the process
 * at start-up: 2 for a usage error, 1 for a bad value.
 */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

#define S "registrator"
#define OFF(f) offsetof(struct reg_config, f)

static int reg_config_set_seconds(void *, const struct conf_opt *, const char *,
    char *, size_t);
static int reg_config_set_ms(void *, const struct conf_opt *, const char *,
    char *, size_t);
static int reg_config_set_deregister(void *, const struct conf_opt *,
    const char *, char *, size_t);

/*
 * Every option: an ini key in [registrator] and a flag of the same name
 * (one or two dashes).  registrator.ini documents each with its default.
 */
static const struct conf_opt reg_config_opts[] = {
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
	    "network whose container IP -internal uses", OFF(network), NULL,
	    0 },
	{ S, "use-ip-from-label", CONF_STR, 0, 0, NULL, NULL,
	    "container label holding the service IP (also -useIpFromLabel)",
	    OFF(ip_label), NULL, 0 },
	{ S, "tags", CONF_STR, 0, 0, NULL, NULL,
	    "comma list of tags added to every service", OFF(tags), NULL, 0 },
	{ S, "explicit", CONF_BOOL, 0, 0, "false", NULL,
	    "register only ports with a SERVICE_NAME", OFF(explicit_only), NULL,
	    0 },
	{ S, "traefik-exposed-by-default", CONF_BOOL, 0, 0, "true", NULL,
	    "route containers with traefik.* labels unless traefik.enable=false "
	    "(=false: only traefik.enable=true)",
	    OFF(traefik_exposed_by_default), NULL, 0 },
	{ S, "allow-script-checks", CONF_BOOL, 0, 0, "false", NULL,
	    "accept SERVICE_CHECK_SCRIPT/_CMD (Consul runs commands)",
	    OFF(allow_script_checks), NULL, 0 },
	{ S, "docker-health", CONF_BOOL, 0, 0, "false", NULL,
	    "mirror Docker HEALTHCHECK status in a TTL check",
	    OFF(docker_health), NULL, 0 },
	{ S, "deregister", CONF_STR, 0, 0, "always", NULL,
	    "always, on-success or never", OFF(deregister),
	    reg_config_set_deregister, 0 },
	{ S, "maintenance-on-stop", CONF_BOOL, 0, 0, "true", NULL,
	    "maintenance on kill/stop, before the die (=false: gliderlabs' "
	    "way, routed until the die)",
	    OFF(maintenance_on_stop), NULL, 0 },
	{ S, "cleanup", CONF_BOOL, 0, 0, "false", NULL,
	    "remove this host's <host>:<name>:<port> services whose container "
	    "is gone",
	    OFF(cleanup), NULL, 0 },
	{ S, "resync", CONF_DURATION, 0, 0, "0", NULL,
	    "relist containers every N seconds (bare number: seconds; 0: never)",
	    OFF(resync_ms), reg_config_set_seconds, 0 },
	{ S, "agent-poll", CONF_DURATION, 0, 0, "3s", NULL,
	    "how often the agent is checked for lost services",
	    OFF(agent_poll_ms), reg_config_set_ms, 0 },
	{ S, "retry-attempts", CONF_INT, -1, INT32_MAX, "-1", NULL,
	    "start-up pings of the agent before giving up (-1: for ever)",
	    OFF(retry_attempts), NULL, 0 },
	{ S, "retry-interval", CONF_DURATION, 0, 0, "2000", NULL,
	    "pause between start-up pings (bare number: milliseconds)",
	    OFF(retry_interval_ms), reg_config_set_ms, 0 },
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
	{ S, "sentry-dsn-file", CONF_STR, 0, 0, NULL, "SENTRY_DSN_FILE",
	    "file holding the Sentry DSN (kept out of ps(1); wins over "
	    "-sentry-dsn)",
	    OFF(sentry_dsn_file), NULL, 0 },
	{ S, "sentry-queue", CONF_INT, 1, 10000, "64", NULL,
	    "Sentry events waiting to be sent; more are dropped",
	    OFF(sentry_queue), NULL, 0 },
	{ S, "crash-log-lines", CONF_INT, 0, CRASH_LOG_LINES_MAX, "50", NULL,
	    "last log lines sent with a crash", OFF(crash_log_lines), NULL, 0 },
	{ S, "crash-stats-interval", CONF_DURATION, 0, 0, "10s", NULL,
	    "resource sample of running containers every (0: never)",
	    OFF(crash_stats_interval_ms), NULL, 0 },
	{ S, "crash-throttle-window", CONF_DURATION, 0, 0,
	    CRASH_THROTTLE_WINDOW_DEFAULT, NULL,
	    "a crash-looping service sends at most one event per window, "
	    "counting the crashes it stands for (0: every crash at once)",
	    OFF(crash_throttle_ms), NULL, 0 },
	{ S, "crash-label-allow", CONF_STR, 0, 0, CRASH_ALLOW_DEFAULT, NULL,
	    "labels whose values a crash event shows (comma globs; others: "
	    "key only)",
	    OFF(crash_label_allow), NULL, 0 },
	{ S, "cleanup-exited", CONF_DURATION, 0, 0, "0", NULL,
	    "remove exited containers after this grace period (0: never)",
	    OFF(cleanup_exited_ms), NULL, 0 },
	{ S, "cleanup-label", CONF_STR, 0, 0, NULL, NULL,
	    "-cleanup-exited only removes containers with this label "
	    "(key or key=value)",
	    OFF(cleanup_label), NULL, 0 },
};

static const struct conf_spec reg_config_spec = {
	.opts = reg_config_opts,
	.nopts = sizeof(reg_config_opts) / sizeof(reg_config_opts[0]),
};

/* gliderlabs spellings of table options. */
static const struct {
	const char *alias;
	const char *key;
} reg_config_aliases[] = {
	{ "useIpFromLabel", "use-ip-from-label" },
};
#define REG_CONFIG_NALIASES \
	(sizeof(reg_config_aliases) / sizeof(reg_config_aliases[0]))

enum {
	FLAG_CONFIG = 1000,
	FLAG_HELP,
	FLAG_VERSION,
	FLAG_DRY_RUN,
	FLAG_ONCE,
	FLAG_TABLE, /* + index into reg_config_opts */
};

static int
reg_config_set_duration(void *obj, const struct conf_opt *o, const char *v,
    uint64_t bare_unit_ms, char *err, size_t errlen)
{
	uint64_t ms;

	if (str_to_ms(v, bare_unit_ms, &ms) == -1) {
		(void)snprintf(err, errlen,
		    "expected a duration such as 30s or "
		    "a number of %s, not \"%s\"",
		    bare_unit_ms == 1000 ? "seconds" : "milliseconds", v);
		return -1;
	}
	memcpy((char *)obj + o->offset, &ms, sizeof(ms));
	return 0;
}

/* gliderlabs' -resync took bare seconds. */
static int
reg_config_set_seconds(void *obj, const struct conf_opt *o, const char *v,
    char *err, size_t errlen)
{
	return reg_config_set_duration(obj, o, v, 1000, err, errlen);
}

/* gliderlabs' -retry-interval took bare milliseconds. */
static int
reg_config_set_ms(void *obj, const struct conf_opt *o, const char *v, char *err,
    size_t errlen)
{
	return reg_config_set_duration(obj, o, v, 1, err, errlen);
}

static int
reg_config_set_deregister(void *obj, const struct conf_opt *o, const char *v,
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
		(void)snprintf(err, errlen,
		    "expected always, on-success or "
		    "never, not \"%s\"",
		    v);
		return -1;
	}
	memcpy((char *)obj + o->offset, &m, sizeof(m));
	return 0;
}

static __attribute__((noreturn)) void
reg_config_usage(int status)
{
	FILE *f = status == 0 ? stdout : stderr;
	size_t i;

	(void)fprintf(f,
	    "usage: registrator [options] [consul://host:port | "
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
	for (i = 0; i < reg_config_spec.nopts; i++) {
		const struct conf_opt *o = &reg_config_opts[i];
		char left[64];

		if (o->flags & CONF_SECRET)
			continue; /* ini or environment only */
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

/* Replaces *value by the first line of path (-OPTION-file); fatal if bad. */
static void
reg_config_read_secret(char **value, const char *option, const char *path)
{
	char err[CONF_ERR_MAX];
	char *secret;

	secret = conf_secret_file(path, err, sizeof(err));
	if (secret == NULL)
		fatalx("-%s-file %s", option, err);
	if (*value != NULL)
		explicit_bzero(*value, strlen(*value));
	free(*value);
	*value = secret;
}

/* An empty string option means unset. */
static void
reg_config_normalize(struct reg_config *cfg)
{
	size_t i;

	for (i = 0; i < reg_config_spec.nopts; i++) {
		char **sp;

		if (reg_config_opts[i].type != CONF_STR
		    || reg_config_opts[i].set != NULL)
			continue;
		sp = (char **)(void *)((char *)cfg + reg_config_opts[i].offset);
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
reg_config_parse(struct reg_config *cfg, int argc, char **argv)
{
	struct option *lo;
	const char *config_path = NULL;
	char err[CONF_ERR_MAX];
	size_t i, n = 0, nlo;
	int ch, idx, pass;

	memset(cfg, 0, sizeof(*cfg));
	conf_defaults(&reg_config_spec, NULL, cfg);
	if (conf_env(&reg_config_spec, cfg, err, sizeof(err)) == -1)
		fatalx("%s", err);

	nlo = reg_config_spec.nopts + REG_CONFIG_NALIASES + 6;
	lo = xcalloc(nlo, sizeof(*lo));
	lo[n++] = (struct option) { "config", required_argument, NULL,
		FLAG_CONFIG };
	lo[n++] = (struct option) { "help", no_argument, NULL, FLAG_HELP };
	lo[n++]
	    = (struct option) { "version", no_argument, NULL, FLAG_VERSION };
	lo[n++]
	    = (struct option) { "dry-run", no_argument, NULL, FLAG_DRY_RUN };
	lo[n++] = (struct option) { "once", no_argument, NULL, FLAG_ONCE };
	for (i = 0; i < reg_config_spec.nopts; i++) {
		if (reg_config_opts[i].flags & CONF_SECRET)
			continue; /* a flag would show in ps(1) */
		lo[n++] = (struct option) { reg_config_opts[i].key,
			reg_config_opts[i].type == CONF_BOOL
			    ? optional_argument
			    : required_argument,
			NULL, FLAG_TABLE + (int)i };
	}
	for (i = 0; i < REG_CONFIG_NALIASES; i++) {
		const struct conf_opt *o
		    = conf_find(&reg_config_spec, S, reg_config_aliases[i].key);

		lo[n++] = (struct option) { reg_config_aliases[i].alias,
			o->type == CONF_BOOL ? optional_argument
					     : required_argument,
			NULL, FLAG_TABLE + (int)(o - reg_config_opts) };
	}
	lo[n] = (struct option) { NULL, 0, NULL, 0 };

	/* Pass 0 finds -config, -help, -version; pass 1 applies flags. */
	for (pass = 0; pass < 2; pass++) {
		optind = 0;
		opterr = pass == 0;
		while (
		    (ch = getopt_long_only(argc, argv, "", lo, &idx)) != -1) {
			const struct conf_opt *o;

			if (ch == '?' || ch == ':') {
				if (pass == 0)
					reg_config_usage(2);
				continue;
			}
			if (ch == FLAG_HELP)
				reg_config_usage(0);
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
				*(ch == FLAG_DRY_RUN ? &cfg->dry_run
						     : &cfg->once)
				    = true;
				continue;
			}
			o = &reg_config_opts[ch - FLAG_TABLE];
			if (conf_set(&reg_config_spec, cfg, S, o->key,
				optarg != NULL ? optarg : "true", err,
				sizeof(err))
			    == -1) {
				(void)fprintf(stderr, "registrator: -%s: %s\n",
				    o->key, err);
				exit(2);
			}
		}
		if (pass == 0 && config_path != NULL
		    && conf_load(&reg_config_spec, cfg, config_path, err,
			   sizeof(err))
			== -1)
			fatalx("%s", err);
	}
	free(lo);
	reg_config_normalize(cfg);
	return optind;
}

/*
 * The words after the options: "crash-event CONTAINER", "dns-check" and
 * the registry URI, in gliderlabs' places (the URI last, or just before
 * dns-check).
 */
static void
reg_config_positional(struct reg_config *cfg, int first, int argc, char **argv)
{
	int i;

	if (first < argc && strcmp(argv[first], "crash-event") == 0) {
		if (argc - first != 2)
			reg_config_usage(2);
		cfg->command = REG_CONFIG_CRASH_EVENT;
		cfg->crash_target = argv[first + 1];
		return;
	}
	for (i = first; i < argc; i++) {
		if (strcmp(argv[i], "dns-check") == 0
		    && cfg->command != REG_CONFIG_DNS_CHECK)
			cfg->command = REG_CONFIG_DNS_CHECK;
		else if (i == argc - 1
		    || (i == argc - 2 && cfg->command != REG_CONFIG_DNS_CHECK
			&& strcmp(argv[argc - 1], "dns-check") == 0)) {
			free(cfg->consul);
			cfg->consul = xstrdup(argv[i]);
		} else {
			(void)fprintf(stderr,
			    "registrator: unexpected "
			    "argument %s\n",
			    argv[i]);
			reg_config_usage(2);
		}
	}
}

/* Flags whose values are secrets; -consul-token is no flag at all. */
static const char *const reg_config_argv_secrets[] = { "sentry-dsn" };

void
reg_config_load(struct reg_config *cfg, int argc, char **argv)
{
	enum log_level level;
	enum log_format format;
	int first;

	log_init("registrator", LOG_LEVEL_INFO, LOG_FORMAT_PLAIN);
	first = reg_config_parse(cfg, argc, argv);
	if (log_level_parse(cfg->log_level, &level) == -1)
		fatalx("-log-level %s: expected error, warn, info, debug or "
		       "trace",
		    cfg->log_level);
	if (log_format_parse(cfg->log_format, &format) == -1)
		fatalx("-log-format %s: expected plain or json",
		    cfg->log_format);
	log_init("registrator", level, format);
	reg_config_positional(cfg, first, argc, argv);
	/* Everything argv holds is copied by now (crash_target has no URL). */
	if (conf_argv_hide(argc, argv, reg_config_argv_secrets,
		sizeof(reg_config_argv_secrets)
		    / sizeof(reg_config_argv_secrets[0]))
	    > 0)
		log_warnx("-sentry-dsn on the command line: every local user "
			  "can read it in /proc/PID/cmdline until start-up "
			  "blanks it, and shell history keeps it; use "
			  "-sentry-dsn-file or SENTRY_DSN");
	if (cfg->command == REG_CONFIG_CRASH_EVENT)
		return;
	if (cfg->token_file != NULL)
		reg_config_read_secret(&cfg->token, "consul-token",
		    cfg->token_file);
	if (cfg->sentry_dsn_file != NULL)
		reg_config_read_secret(&cfg->sentry_dsn, "sentry-dsn",
		    cfg->sentry_dsn_file);
	if (cfg->token != NULL)
		log_add_secret(cfg->token);
	if (cfg->dry_run && cfg->once)
		log_info("-dry-run and -once given: dry run");
}

void
reg_config_clear(struct reg_config *cfg)
{
	conf_clear(&reg_config_spec, NULL, cfg);
}

const char *
reg_config_consul(const struct reg_config *cfg)
{
	return cfg->consul != NULL ? cfg->consul : REG_CONFIG_DEFAULT_CONSUL;
}

void
reg_config_agent(const struct reg_config *cfg, struct agent_opts *ao)
{
	memset(ao, 0, sizeof(*ao));
	ao->address = reg_config_consul(cfg);
	ao->token = cfg->token;
	ao->ca_file = cfg->ca;
	ao->cert_file = cfg->cert;
	ao->key_file = cfg->key;
	ao->insecure = cfg->tls_skip_verify;
}

void
reg_config_reconcile(const struct reg_config *cfg, const char *detected_ip,
    struct reconcile_config *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->derive.ip = cfg->ip;
	rc->derive.detected_ip = cfg->ip == NULL ? detected_ip : NULL;
	rc->derive.internal = cfg->internal;
	rc->derive.explicit_only = cfg->explicit_only;
	rc->derive.traefik_explicit = !cfg->traefik_exposed_by_default;
	rc->derive.tags = cfg->tags;
	rc->derive.network = cfg->network;
	rc->derive.ip_label = cfg->ip_label;
	rc->derive.allow_script_checks = cfg->allow_script_checks;
	rc->derive.docker_health = cfg->docker_health;
	rc->host_override = cfg->hostname;
	rc->deregister = cfg->deregister;
	rc->cleanup = cfg->cleanup;
	rc->maintenance_on_stop = cfg->maintenance_on_stop;
	rc->dry_run = cfg->dry_run;
	rc->once = cfg->once;
	rc->resync_ms = cfg->resync_ms;
	rc->agent_poll_ms = cfg->agent_poll_ms;
}

void
reg_config_crash(const struct reg_config *cfg, struct crash_config *cc)
{
	memset(cc, 0, sizeof(*cc));
	cc->log_lines = (unsigned)cfg->crash_log_lines;
	cc->stats_interval_ms = cfg->crash_stats_interval_ms;
	cc->throttle_window_ms = cfg->crash_throttle_ms;
	cc->allow
	    = cfg->crash_label_allow != NULL ? cfg->crash_label_allow : "";
	cc->host_override = cfg->hostname;
}
