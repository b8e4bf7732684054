/* SPDX-License-Identifier: MIT */
/*
 * Configuration: where the templater's data flow starts.  Defaults, then
 * the INI file given with -config ([templater] and one [template NAME]
 * section per template), then the environment (CONSUL_HTTP_ADDR,
 * CONSUL_HTTP_TOKEN, SENTRY_DSN), then the command line, each layer
 * overriding the one before; -template flags are appended to the file's
 * templates, as consul-template does.  One lib/conf.h table describes
 * every key (type, default, environment variable, help) and lib/conf.c
 * reads the file with it, as it does the registrator's; what is the
 * templater's own is here: the values with their own syntax (wait,
 * command, perms), the [template NAME] objects, the checks across keys,
 * and the flags, which follow consul-template's spelling and Go's flag
 * package syntax: -flag value, -flag=value, one or two dashes, bare
 * booleans.
 *
 * Everything here is pure but for reading the files named (the INI file,
 * the token file) and resolving destinations to compare them: errors come
 * back in err, never logged.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "file.h"
#include "log.h"
#include "str.h"
#include "templater.h"
#include "xmalloc.h"

#define T "templater"
#define TPL "template"
#define CFG(f) offsetof(struct config, f)
#define TOFF(f) offsetof(struct config_template, f)

static conf_set_cb config_set_wait, config_set_tpl_wait, config_set_cmd,
    config_set_timeout, config_set_perms;
static conf_open_cb config_template_open;

/*
 * Every [templater] and [template NAME] key: type, default, environment
 * variable, help (the flags' -help text) and where the value goes.
 */
static const struct conf_opt config_opts[] = {
	{ T, "consul_addr", CONF_STR, 0, 0, NULL, "CONSUL_HTTP_ADDR",
	    "Consul agent (CONSUL_HTTP_ADDR; 127.0.0.1:8500)", CFG(consul_addr),
	    NULL, 0 },
	{ T, "consul_token", CONF_STR, 0, 0, NULL, "CONSUL_HTTP_TOKEN",
	    "ACL token (CONSUL_HTTP_TOKEN)", CFG(consul_token), NULL,
	    CONF_SECRET },
	{ T, "consul_token_file", CONF_STR, 0, 0, NULL, NULL,
	    "read the ACL token from FILE", CFG(consul_token_file), NULL, 0 },
	{ T, "consul_ca", CONF_STR, 0, 0, NULL, "CONSUL_CACERT",
	    "CA bundle that signed the agent's https:// certificate "
	    "(CONSUL_CACERT; system store)",
	    CFG(consul_ca), NULL, 0 },
	{ T, "consul_cert", CONF_STR, 0, 0, NULL, "CONSUL_CLIENT_CERT",
	    "client certificate for an agent that verifies callers "
	    "(CONSUL_CLIENT_CERT)",
	    CFG(consul_cert), NULL, 0 },
	{ T, "consul_key", CONF_STR, 0, 0, NULL, "CONSUL_CLIENT_KEY",
	    "key of -consul-cert (CONSUL_CLIENT_KEY)", CFG(consul_key), NULL,
	    0 },
	{ T, "wait", CONF_STR, 0, 0, NULL, NULL,
	    "quiescence: write MIN after the last change, at most MAX "
	    "after the first (MAX = 4*MIN)",
	    0, config_set_wait, 0 },
	{ T, "once", CONF_BOOL, 0, 0, "false", NULL,
	    "render every template once, run commands, exit", CFG(once), NULL,
	    0 },
	{ T, "once_timeout", CONF_DURATION, 0, 0, "60s", NULL,
	    "with -once, give up after D without data (60s; 0 = never)",
	    CFG(once_timeout_ms), NULL, 0 },
	{ T, "dry", CONF_BOOL, 0, 0, "false", NULL,
	    "print \"> dst\" and the content instead of writing; run nothing",
	    CFG(dry), NULL, 0 },
	{ T, "max_stale", CONF_DURATION, 0, 0, "2s", NULL,
	    "accept answers from any server up to D stale (2s; 0 = leader)",
	    CFG(max_stale_ms), NULL, 0 },
	{ T, "max_connections", CONF_INT, 1, 100000, "50", NULL,
	    "at most N connections to Consul (50)", CFG(max_conns), NULL, 0 },
	{ T, "block_query_wait", CONF_DURATION, 0, 0, "60s", NULL,
	    "blocking query wait (60s)", CFG(block_wait_ms), NULL, 0 },
	{ T, "log_level", CONF_STR, 0, 0, "info", NULL,
	    "error, warn, info, debug or trace (info)", CFG(log_level), NULL,
	    0 },
	{ T, "pid_file", CONF_STR, 0, 0, NULL, NULL,
	    "write the process id to FILE", CFG(pid_file), NULL, 0 },
	{ T, "listen", CONF_STR, 0, 0, NULL, NULL, "serve /health and /metrics",
	    CFG(listen), NULL, 0 },
	{ T, "sentry_dsn", CONF_STR, 0, 0, NULL, "SENTRY_DSN",
	    "report failures to Sentry (SENTRY_DSN; read at start only)",
	    CFG(sentry_dsn), NULL, CONF_SECRET },
	{ TPL, "source", CONF_STR, 0, 0, NULL, NULL, "template file (required)",
	    TOFF(source), NULL, 0 },
	{ TPL, "destination", CONF_STR, 0, 0, NULL, NULL,
	    "rendered file (required)", TOFF(destination), NULL, 0 },
	{ TPL, "command", CONF_STR, 0, 0, NULL, NULL,
	    "run after the file changed: a JSON list runs without a shell, "
	    "a string through sh -c",
	    TOFF(command), config_set_cmd, CONF_VERBATIM },
	{ TPL, "check", CONF_STR, 0, 0, NULL, NULL,
	    "run against the candidate ({{.}} or {}) before it replaces "
	    "the file",
	    TOFF(check), config_set_cmd, CONF_VERBATIM },
	{ TPL, "command_timeout", CONF_DURATION, 0, 0, "30s", NULL,
	    "for check and command; then SIGTERM, SIGKILL",
	    TOFF(command_timeout_ms), config_set_timeout, 0 },
	{ TPL, "wait", CONF_STR, 0, 0, NULL, NULL,
	    "quiescence MIN[:MAX] of this template", 0, config_set_tpl_wait,
	    0 },
	{ TPL, "perms", CONF_STR, 0, 0, NULL, NULL,
	    "octal mode of the file (default: the existing file's; "
	    "0666 less the umask for a new one)",
	    0, config_set_perms, 0 },
	{ TPL, "backup", CONF_BOOL, 0, 0, "false", NULL,
	    "keep the previous content in DST.bak", TOFF(backup), NULL, 0 },
	{ TPL, "left_delimiter", CONF_STR, 0, 0, NULL, NULL, "instead of {{",
	    TOFF(left_delim), NULL, CONF_VERBATIM },
	{ TPL, "right_delimiter", CONF_STR, 0, 0, NULL, NULL, "instead of }}",
	    TOFF(right_delim), NULL, CONF_VERBATIM },
	{ TPL, "error_on_missing_key", CONF_BOOL, 0, 0, "false", NULL,
	    "a missing map key is an error instead of <no value>",
	    TOFF(error_on_missing_key), NULL, 0 },
	{ TPL, "refuse_empty", CONF_BOOL, 0, 0, "false", NULL,
	    "keep the last file while a service it uses has no passing "
	    "instance",
	    TOFF(refuse_empty), NULL, 0 },
};

static const struct conf_named config_named[] = {
	{ .section = TPL,
	    .open = config_template_open,
	    .help = "one per template" },
};

static const struct conf_spec config_spec = {
	.opts = config_opts,
	.nopts = sizeof(config_opts) / sizeof(config_opts[0]),
	.named = config_named,
	.nnamed = sizeof(config_named) / sizeof(config_named[0]),
};

enum config_flag_kind {
	FLAG_KEY, /* sets its [templater] key */
	FLAG_TEMPLATE,
	FLAG_CONFIG,
	FLAG_HELP,
	FLAG_VERSION,
};

/* consul-template's flag names, in -help order. */
static const struct config_flag {
	const char *flag; /* without dashes */
	enum config_flag_kind kind;
	const char *key; /* FLAG_KEY: the [templater] key */
	const char *arg; /* placeholder in -help; NULL: none */
	const char *help; /* NULL: the key's; hidden when it has none */
} config_flags[] = {
	{ "template", FLAG_TEMPLATE, NULL, "src:dst[:cmd]",
	    "render src to dst, then run cmd (repeatable)" },
	{ "config", FLAG_CONFIG, NULL, "FILE",
	    "INI file with [templater] and [template NAME] sections" },
	{ "consul-addr", FLAG_KEY, "consul_addr", "ADDR", NULL },
	{ "consul-token", FLAG_KEY, "consul_token", "TOKEN", NULL },
	{ "consul-token-file", FLAG_KEY, "consul_token_file", "FILE", NULL },
	{ "consul-ca", FLAG_KEY, "consul_ca", "FILE", NULL },
	{ "consul-cert", FLAG_KEY, "consul_cert", "FILE", NULL },
	{ "consul-key", FLAG_KEY, "consul_key", "FILE", NULL },
	{ "wait", FLAG_KEY, "wait", "MIN[:MAX]", NULL },
	{ "once", FLAG_KEY, "once", NULL, NULL },
	{ "once-timeout", FLAG_KEY, "once_timeout", "D", NULL },
	{ "dry", FLAG_KEY, "dry", NULL, NULL },
	{ "max-stale", FLAG_KEY, "max_stale", "D", NULL },
	{ "max-connections", FLAG_KEY, "max_connections", "N", NULL },
	{ "block-query-wait", FLAG_KEY, "block_query_wait", "D", NULL },
	{ "log-level", FLAG_KEY, "log_level", "LEVEL", NULL },
	{ "pid-file", FLAG_KEY, "pid_file", "FILE", NULL },
	{ "listen", FLAG_KEY, "listen", "HOST:PORT", NULL },
	{ "sentry-dsn", FLAG_KEY, "sentry_dsn", "DSN", NULL },
	{ "help", FLAG_HELP, NULL, NULL, "print this help and exit" },
	{ "h", FLAG_HELP, NULL, NULL, NULL },
	{ "version", FLAG_VERSION, NULL, NULL, "print the version and exit" },
	{ "v", FLAG_VERSION, NULL, NULL, NULL },
};

#define CONFIG_NFLAGS (sizeof(config_flags) / sizeof(config_flags[0]))

/*
 * The [templater] row a FLAG_KEY flag sets.  A flag naming no row is a bug
 * in the tables, fatal as a bad default is in conf_defaults().
 */
static const struct conf_opt *
config_flag_opt(const struct config_flag *f)
{
	const struct conf_opt *o = conf_find(&config_spec, T, f->key);

	if (o == NULL)
		fatalx("config: flag -%s: no key %s", f->flag, f->key);
	return o;
}

static void
config_usage(void)
{
	const struct config_flag *f;
	const char *help;
	char left[64];
	size_t i;

	printf("usage: templater [-once] [-dry] [-config file] "
	       "[-template src:dst[:cmd]]...\n"
	       "                 [-consul-addr addr] [-wait min[:max]] "
	       "[option ...]\n\n");
	for (i = 0; i < CONFIG_NFLAGS; i++) {
		f = &config_flags[i];
		help = f->kind == FLAG_KEY ? config_flag_opt(f)->help : f->help;
		if (help == NULL)
			continue;
		snprintf(left, sizeof(left), "-%s%s%s", f->flag,
		    f->arg != NULL ? " " : "", f->arg != NULL ? f->arg : "");
		printf("  %-28s %s\n", left, help);
	}
	printf("\nSIGHUP re-reads the configuration and templates; "
	       "SIGTERM and SIGINT exit 0.\n");
}

void
config_cmd_free(struct config_cmd *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; c->argv != NULL && c->argv[i] != NULL; i++)
		free(c->argv[i]);
	free(c->argv);
	free(c->text);
	free(c);
}

struct config_cmd *
config_cmd_parse(const char *s, char *err, size_t errlen)
{
	struct config_cmd *c = NULL;
	const cJSON *item;
	cJSON *list = NULL;
	size_t n = 0, i;
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0') {
		snprintf(err, errlen, "empty command");
		return NULL;
	}
	if (strlen(s) >= CONFIG_CMD_MAX) {
		snprintf(err, errlen, "command longer than %u bytes",
		    CONFIG_CMD_MAX);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->text = xstrdup(s);
	if (*p != '[')
		return c;
	list = cJSON_Parse(p);
	n = cJSON_IsArray(list) ? (size_t)cJSON_GetArraySize(list) : 0;
	if (n == 0 || n > CONFIG_ARGV_MAX) {
		snprintf(err, errlen,
		    "a list command must be a JSON list of "
		    "1 to %d strings",
		    CONFIG_ARGV_MAX);
		goto fail;
	}
	c->argv = xcalloc(n + 1, sizeof(*c->argv));
	i = 0;
	cJSON_ArrayForEach(item, list) {
		if (!cJSON_IsString(item)
		    || (i == 0 && item->valuestring[0] == '\0')) {
			snprintf(err, errlen,
			    "a list command must be a JSON "
			    "list of strings, the first not empty");
			goto fail;
		}
		c->argv[i++] = xstrdup(item->valuestring);
	}
	cJSON_Delete(list);
	return c;
fail:
	cJSON_Delete(list);
	config_cmd_free(c);
	return NULL;
}

int
config_wait(const char *s, uint64_t *min_ms, uint64_t *max_ms, char *err,
    size_t errlen)
{
	const char *colon = strchr(s, ':');
	char *a;
	uint64_t min, max;
	int ret = -1;

	a = colon != NULL ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
	if (str_to_ms(a, 0, &min) == -1
	    || (colon != NULL && str_to_ms(colon + 1, 0, &max) == -1)) {
		snprintf(err, errlen,
		    "wait %s: expected min[:max] as "
		    "durations (5s:20s)",
		    s);
		goto out;
	}
	if (colon == NULL)
		max = 4 * min;
	if (max < min) {
		snprintf(err, errlen, "wait %s: max is less than min", s);
		goto out;
	}
	*min_ms = min;
	*max_ms = max;
	ret = 0;
out:
	free(a);
	return ret;
}

int
config_template_flag(const char *s, struct config_template *t, char *err,
    size_t errlen)
{
	const char *c1, *c2;
	char *src = NULL, *dst = NULL;
	struct config_cmd *cmd = NULL;

	c1 = strchr(s, ':');
	c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	src = c1 != NULL ? xstrndup(s, (size_t)(c1 - s)) : xstrdup(s);
	if (c1 != NULL)
		dst = c2 != NULL ? xstrndup(c1 + 1, (size_t)(c2 - c1 - 1))
				 : xstrdup(c1 + 1);
	if (src[0] == '\0' || (dst != NULL && dst[0] == '\0')) {
		snprintf(err, errlen, "template %s: expected src:dst[:cmd]", s);
		goto fail;
	}
	if (c2 != NULL && c2[1] != '\0') {
		cmd = config_cmd_parse(c2 + 1, err, errlen);
		if (cmd == NULL)
			goto fail;
	}
	t->source = src;
	t->destination = dst;
	t->command = cmd;
	return 0;
fail:
	free(src);
	free(dst);
	return -1;
}

/* A template with its defaults; perms -1 keeps the existing file's. */
static struct config_template *
config_template_new(const char *name)
{
	struct config_template *t;

	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	conf_defaults(&config_spec, TPL, t);
	t->perms = -1;
	return t;
}

static void
config_template_free(struct config_template *t)
{
	if (t == NULL)
		return;
	free(t->name);
	conf_clear(&config_spec, TPL, t);
	config_cmd_free(t->command);
	config_cmd_free(t->check);
	free(t);
}

void
config_free(struct config *cfg)
{
	struct config_template *t;

	while (!TAILQ_EMPTY(&cfg->templates)) {
		t = TAILQ_FIRST(&cfg->templates);
		TAILQ_REMOVE(&cfg->templates, t, entry);
		config_template_free(t);
	}
	conf_clear(&config_spec, NULL, cfg);
	free(cfg->config_file);
	memset(cfg, 0, sizeof(*cfg));
	TAILQ_INIT(&cfg->templates);
}

static void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	TAILQ_INIT(&cfg->templates);
	conf_defaults(&config_spec, NULL, cfg);
}

/*
 * [template NAME]: a name met again continues the same template, so a
 * template may be spread over several sections.
 */
static void *
config_template_open(void *target, const char *name, char *err, size_t errlen)
{
	struct config *cfg = target;
	struct config_template *t;

	(void)err;
	(void)errlen;
	TAILQ_FOREACH(t, &cfg->templates, entry)
		if (strcmp(t->name, name) == 0)
			return t;
	t = config_template_new(name);
	TAILQ_INSERT_TAIL(&cfg->templates, t, entry);
	cfg->ntemplates++;
	return t;
}

static int
config_set_wait(void *obj, const struct conf_opt *o, const char *value,
    char *err, size_t errlen)
{
	struct config *cfg = obj;

	(void)o;
	return config_wait(value, &cfg->wait_min_ms, &cfg->wait_max_ms, err,
	    errlen);
}

static int
config_set_tpl_wait(void *obj, const struct conf_opt *o, const char *value,
    char *err, size_t errlen)
{
	struct config_template *t = obj;

	(void)o;
	if (config_wait(value, &t->wait_min_ms, &t->wait_max_ms, err, errlen)
	    == -1)
		return -1;
	t->wait_set = true;
	return 0;
}

/* command, check: a struct config_cmd * at the row's offset. */
static int
config_set_cmd(void *obj, const struct conf_opt *o, const char *value,
    char *err, size_t errlen)
{
	struct config_cmd **cmdp = (void *)((char *)obj + o->offset);
	struct config_cmd *cmd;

	cmd = config_cmd_parse(value, err, errlen);
	if (cmd == NULL)
		return -1;
	config_cmd_free(*cmdp);
	*cmdp = cmd;
	return 0;
}

/* A duration like any other, except that 0 would kill every command. */
static int
config_set_timeout(void *obj, const struct conf_opt *o, const char *value,
    char *err, size_t errlen)
{
	uint64_t ms;

	if (str_to_ms(value, 0, &ms) == -1 || ms == 0) {
		snprintf(err, errlen,
		    "expected a duration such as 30s, not \"%s\"", value);
		return -1;
	}
	memcpy((char *)obj + o->offset, &ms, sizeof(ms));
	return 0;
}

static int
config_set_perms(void *obj, const struct conf_opt *o, const char *value,
    char *err, size_t errlen)
{
	struct config_template *t = obj;
	const char *p;
	int n;

	(void)o;
	if (value[0] != '0' || value[1] == '\0'
	    || strspn(value, "01234567") != strlen(value)
	    || strlen(value) > 5) {
		snprintf(err, errlen,
		    "expected an octal mode such as 0644, not \"%s\"", value);
		return -1;
	}
	/* Digits checked above: at most 5 octal digits. */
	for (n = 0, p = value; *p != '\0'; p++)
		n = n * 8 + (*p - '0');
	t->perms = n & 07777;
	return 0;
}

static int
config_template_add(struct config *cfg, const char *value, char *err,
    size_t errlen)
{
	struct config_template *t;

	t = config_template_new(value);
	if (config_template_flag(value, t, err, errlen) == -1) {
		config_template_free(t);
		return -1;
	}
	/* Named after the destination, as metrics and logs show it. */
	free(t->name);
	t->name = xstrdup(t->destination != NULL ? t->destination : t->source);
	TAILQ_INSERT_TAIL(&cfg->templates, t, entry);
	cfg->ntemplates++;
	return 0;
}

/*
 * Two templates writing one file would undo each other's writes and
 * reloads: refused, naming both.  Paths are compared resolved, so
 * "a/../x" meets "x" and a link meets the file it leads to.
 */
static int
config_same_destination(const struct config *cfg, char *err, size_t errlen)
{
	const struct config_template *t, *u;
	char **canon;
	size_t n = 0, i, j;
	int ret = -1;

	TAILQ_FOREACH(t, &cfg->templates, entry)
		n++;
	canon = xcalloc(n + 1, sizeof(*canon));
	n = 0;
	TAILQ_FOREACH(t, &cfg->templates, entry)
		canon[n++] = file_canonical(t->destination);
	i = 0;
	TAILQ_FOREACH(t, &cfg->templates, entry) {
		j = i + 1;
		for (u = TAILQ_NEXT(t, entry); u != NULL;
		     u = TAILQ_NEXT(u, entry), j++) {
			if (strcmp(canon[i], canon[j]) != 0)
				continue;
			snprintf(err, errlen,
			    "template %s (destination %s) and template %s "
			    "(destination %s) write the same file %s",
			    t->name, t->destination, u->name, u->destination,
			    canon[i]);
			goto out;
		}
		i++;
	}
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(canon[i]);
	free(canon);
	return ret;
}

/*
 * The TLS files are read by curl only when the first request starts, where
 * a typo would show as a failing watch; at load it names the file instead.
 */
static int
config_tls_validate(const struct config *cfg, char *err, size_t errlen)
{
	const struct {
		const char *key;
		const char *path;
	} files[] = {
		{ "consul_ca", cfg->consul_ca },
		{ "consul_cert", cfg->consul_cert },
		{ "consul_key", cfg->consul_key },
	};
	size_t i;

	if ((cfg->consul_cert == NULL) != (cfg->consul_key == NULL)) {
		snprintf(err, errlen,
		    "consul_cert and consul_key go together: "
		    "give both or neither");
		return -1;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i].path == NULL)
			continue;
		if (access(files[i].path, R_OK) == -1) {
			snprintf(err, errlen, "%s %s: %s", files[i].key,
			    files[i].path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
config_validate(struct config *cfg, char *err, size_t errlen)
{
	struct config_template *t;
	enum log_level level;

	if (cfg->ntemplates == 0) {
		snprintf(err, errlen,
		    "no template: give -template "
		    "src:dst[:cmd] or [template NAME] sections in -config");
		return -1;
	}
	TAILQ_FOREACH(t, &cfg->templates, entry) {
		if (t->source == NULL) {
			snprintf(err, errlen, "template %s: no source",
			    t->name);
			return -1;
		}
		if (t->destination == NULL) {
			snprintf(err, errlen, "template %s: no destination",
			    t->name);
			return -1;
		}
	}
	if (config_same_destination(cfg, err, errlen) == -1)
		return -1;
	if (config_tls_validate(cfg, err, errlen) == -1)
		return -1;
	if (log_level_parse(cfg->log_level, &level) == -1) {
		snprintf(err, errlen,
		    "log level %s: expected error, warn, "
		    "info, debug or trace",
		    cfg->log_level);
		return -1;
	}
	if (cfg->block_wait_ms < 1000 || cfg->block_wait_ms > 600000) {
		snprintf(err, errlen,
		    "block-query-wait: must be from 1s to "
		    "10m");
		return -1;
	}
	return 0;
}

/* Reads the token file: one line, trimmed. */
static int
config_token_file(struct config *cfg, char *err, size_t errlen)
{
	char line[4096];
	FILE *fp;
	int ret = -1;

	fp = fopen(cfg->consul_token_file, "re");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", cfg->consul_token_file,
		    strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), fp) == NULL) {
		snprintf(err, errlen, "%s: empty", cfg->consul_token_file);
		goto out;
	}
	if (cfg->consul_token != NULL) {
		explicit_bzero(cfg->consul_token, strlen(cfg->consul_token));
		free(cfg->consul_token);
	}
	cfg->consul_token = xstrdup(str_trim(line));
	ret = 0;
out:
	explicit_bzero(line, sizeof(line));
	fclose(fp);
	return ret;
}

static const struct config_flag *
config_flag_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < CONFIG_NFLAGS; i++)
		if (strlen(config_flags[i].flag) == len
		    && strncmp(config_flags[i].flag, name, len) == 0)
			return &config_flags[i];
	return NULL;
}

/* A flag given on the command line, applied after the file. */
struct config_arg {
	const struct config_flag *f;
	const char *value;
};

int
config_load(int argc, char **argv, struct config *cfg, char *err, size_t errlen)
{
	struct config_arg *args;
	const struct config_flag *f;
	const char *a, *name, *eq, *value;
	char why[CONF_ERR_MAX];
	size_t nargs = 0, i;
	int k, ret = -1;

	config_defaults(cfg);
	args = xcalloc((size_t)argc + 1, sizeof(*args));
	for (k = 0; k < argc; k++) {
		a = argv[k];
		if (a[0] != '-' || a[1] == '\0') {
			snprintf(err, errlen, "unexpected argument %s", a);
			ret = -2;
			goto out;
		}
		name = a[1] == '-' ? a + 2 : a + 1;
		eq = strchr(name, '=');
		f = config_flag_find(name,
		    eq != NULL ? (size_t)(eq - name) : strlen(name));
		if (f == NULL) {
			snprintf(err, errlen, "unknown flag %s (see -help)", a);
			ret = -2;
			goto out;
		}
		if (f->kind == FLAG_HELP) {
			config_usage();
			ret = 1;
			goto out;
		}
		if (f->kind == FLAG_VERSION) {
			printf("templater %s\n", PROJECT_VERSION);
			ret = 1;
			goto out;
		}
		if (eq != NULL)
			value = eq + 1;
		else if (f->kind == FLAG_KEY
		    && config_flag_opt(f)->type == CONF_BOOL)
			value = "true";
		else if (k + 1 < argc)
			value = argv[++k];
		else {
			snprintf(err, errlen, "flag -%s needs a value",
			    f->flag);
			ret = -2;
			goto out;
		}
		if (f->kind == FLAG_CONFIG) {
			free(cfg->config_file);
			cfg->config_file = xstrdup(value);
			continue;
		}
		args[nargs].f = f;
		args[nargs++].value = value;
	}
	if (cfg->config_file != NULL
	    && conf_load(&config_spec, cfg, cfg->config_file, err, errlen)
		== -1)
		goto out;
	if (conf_env(&config_spec, cfg, err, errlen) == -1)
		goto out;
	for (i = 0; i < nargs; i++) {
		f = args[i].f;
		if (f->kind == FLAG_TEMPLATE) {
			if (config_template_add(cfg, args[i].value, err, errlen)
			    == -1)
				goto out;
		} else if (conf_store(config_flag_opt(f), cfg, args[i].value,
			       why, sizeof(why))
		    == -1) {
			snprintf(err, errlen, "-%s: %s", f->flag, why);
			goto out;
		}
	}
	if (cfg->consul_token_file != NULL
	    && config_token_file(cfg, err, errlen) == -1)
		goto out;
	if (config_validate(cfg, err, errlen) == -1)
		goto out;
	ret = 0;
out:
	free(args);
	if (ret != 0)
		config_free(cfg);
	return ret;
}
