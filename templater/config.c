/* SPDX-License-Identifier: MIT */
/*
 * Configuration: where the templater's data flow starts.  Defaults, then
 * the INI file given with -config ([templater] and one [template NAME]
 * section per template), then the CONSUL_HTTP_* environment, then the
 * command line, each layer overriding the one before; -template flags are
 * appended to the file's templates, as consul-template does.  Flags follow
 * consul-template's spelling and Go's flag package syntax: -flag value,
 * -flag=value, one or two dashes, bare booleans.  One table describes
 * every flag and key with its help text.
 *
 * Everything here is pure: errors come back in err, never logged.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <ini.h>

#include "log.h"
#include "str.h"
#include "templater.h"
#include "xmalloc.h"

enum config_type {
	CONFIG_STR,
	CONFIG_BOOL,
	CONFIG_MS, /* Go duration */
	CONFIG_UINT,
	CONFIG_WAIT, /* "min[:max]" */
	CONFIG_TEMPLATE, /* -template, repeatable */
	CONFIG_HELP,
	CONFIG_VERSION,
};

struct config_option {
	const char *flag; /* without dashes, or NULL */
	const char *key; /* [templater] key, or NULL */
	enum config_type type;
	size_t offset; /* in struct config */
	const char *arg; /* placeholder in --help */
	const char *help;
};

#define CFG(f) offsetof(struct config, f)

static const struct config_option config_options[] = {
	{ "template", NULL, CONFIG_TEMPLATE, 0, "src:dst[:cmd]",
	    "render src to dst, then run cmd (repeatable)" },
	{ "config", NULL, CONFIG_STR, CFG(config_file), "FILE",
	    "INI file with [templater] and [template NAME] sections" },
	{ "consul-addr", "consul_addr", CONFIG_STR, CFG(consul_addr), "ADDR",
	    "Consul agent (CONSUL_HTTP_ADDR; 127.0.0.1:8500)" },
	{ "consul-token", "consul_token", CONFIG_STR, CFG(consul_token),
	    "TOKEN", "ACL token (CONSUL_HTTP_TOKEN)" },
	{ "consul-token-file", "consul_token_file", CONFIG_STR,
	    CFG(consul_token_file), "FILE", "read the ACL token from FILE" },
	{ "wait", "wait", CONFIG_WAIT, 0, "MIN[:MAX]",
	    "quiescence: write MIN after the last change, at most MAX "
	    "after the first (MAX = 4*MIN)" },
	{ "once", "once", CONFIG_BOOL, CFG(once), NULL,
	    "render every template once, run commands, exit" },
	{ "once-timeout", "once_timeout", CONFIG_MS, CFG(once_timeout_ms), "D",
	    "with -once, give up after D without data (60s; 0 = never)" },
	{ "dry", "dry", CONFIG_BOOL, CFG(dry), NULL,
	    "print \"> dst\" and the content instead of writing; run nothing" },
	{ "max-stale", "max_stale", CONFIG_MS, CFG(max_stale_ms), "D",
	    "accept answers from any server up to D stale (2s; 0 = leader)" },
	{ "max-connections", "max_connections", CONFIG_UINT, CFG(max_conns),
	    "N", "at most N connections to Consul (50)" },
	{ "block-query-wait", "block_query_wait", CONFIG_MS, CFG(block_wait_ms),
	    "D", "blocking query wait (60s)" },
	{ "log-level", "log_level", CONFIG_STR, CFG(log_level), "LEVEL",
	    "error, warn, info, debug or trace (info)" },
	{ "pid-file", "pid_file", CONFIG_STR, CFG(pid_file), "FILE",
	    "write the process id to FILE" },
	{ "listen", "listen", CONFIG_STR, CFG(listen), "HOST:PORT",
	    "serve /health and /metrics" },
	{ "sentry-dsn", "sentry_dsn", CONFIG_STR, CFG(sentry_dsn), "DSN",
	    "report failures to Sentry (SENTRY_DSN; read at start only)" },
	{ "help", NULL, CONFIG_HELP, 0, NULL, "print this help and exit" },
	{ "h", NULL, CONFIG_HELP, 0, NULL, NULL },
	{ "version", NULL, CONFIG_VERSION, 0, NULL,
	    "print the version and exit" },
	{ "v", NULL, CONFIG_VERSION, 0, NULL, NULL },
};

#define CONFIG_NOPTIONS (sizeof(config_options) / sizeof(config_options[0]))

static void
config_usage(void)
{
	const struct config_option *o;
	char left[64];
	size_t i;

	printf("usage: templater [-once] [-dry] [-config file] "
	       "[-template src:dst[:cmd]]...\n"
	       "                 [-consul-addr addr] [-wait min[:max]] "
	       "[option ...]\n\n");
	for (i = 0; i < CONFIG_NOPTIONS; i++) {
		o = &config_options[i];
		if (o->help == NULL)
			continue;
		snprintf(left, sizeof(left), "-%s%s%s", o->flag,
		    o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
		printf("  %-28s %s\n", left, o->help);
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

static struct config_template *
config_template_new(const char *name)
{
	struct config_template *t;

	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->perms = -1;
	t->command_timeout_ms = CONFIG_COMMAND_TIMEOUT_DEFAULT_MS;
	return t;
}

static void
config_template_free(struct config_template *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->source);
	free(t->destination);
	config_cmd_free(t->command);
	config_cmd_free(t->check);
	free(t->left_delim);
	free(t->right_delim);
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
	free(cfg->consul_addr);
	if (cfg->consul_token != NULL) {
		explicit_bzero(cfg->consul_token, strlen(cfg->consul_token));
		free(cfg->consul_token);
	}
	free(cfg->consul_token_file);
	free(cfg->log_level);
	free(cfg->pid_file);
	free(cfg->listen);
	free(cfg->config_file);
	free(cfg->sentry_dsn);
	memset(cfg, 0, sizeof(*cfg));
	TAILQ_INIT(&cfg->templates);
}

static void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	TAILQ_INIT(&cfg->templates);
	cfg->block_wait_ms = WATCH_WAIT_DEFAULT_MS;
	cfg->max_stale_ms = WATCH_MAX_STALE_DEFAULT_MS;
	cfg->max_conns = WATCH_MAX_CONNS_DEFAULT;
	cfg->once_timeout_ms = CONFIG_ONCE_TIMEOUT_DEFAULT_MS;
	cfg->log_level = xstrdup("info");
}

/*
 * Stores value for option o into cfg.  what names the source for errors
 * ("-wait", "file.ini:3: wait").
 */
static int
config_set(struct config *cfg, const struct config_option *o, const char *value,
    const char *what, char *err, size_t errlen)
{
	char *base = (char *)cfg;
	char why[CONFIG_ERR_MAX];
	char **sp;
	long long n;
	bool b;

	switch (o->type) {
	case CONFIG_STR:
		sp = (char **)(base + o->offset);
		if (*sp != NULL && o->offset == CFG(consul_token))
			explicit_bzero(*sp, strlen(*sp));
		free(*sp);
		*sp = xstrdup(value);
		return 0;
	case CONFIG_BOOL:
		if (str_to_bool(value, &b) == -1) {
			snprintf(err, errlen,
			    "%s: expected true or false, "
			    "not \"%s\"",
			    what, value);
			return -1;
		}
		*(bool *)(base + o->offset) = b;
		return 0;
	case CONFIG_MS:
		if (str_to_ms(value, 0, (uint64_t *)(base + o->offset)) == -1) {
			snprintf(err, errlen,
			    "%s: expected a duration such as "
			    "10s or 250ms, not \"%s\"",
			    what, value);
			return -1;
		}
		return 0;
	case CONFIG_UINT:
		if (str_to_ll(value, 1, 100000, &n) == -1) {
			snprintf(err, errlen,
			    "%s: expected a number from 1 "
			    "to 100000, not \"%s\"",
			    what, value);
			return -1;
		}
		*(unsigned *)(base + o->offset) = (unsigned)n;
		return 0;
	case CONFIG_WAIT:
		if (config_wait(value, &cfg->wait_min_ms, &cfg->wait_max_ms,
			why, sizeof(why))
		    == -1) {
			snprintf(err, errlen, "%s: %s", what, why);
			return -1;
		}
		return 0;
	case CONFIG_TEMPLATE:
	case CONFIG_HELP:
	case CONFIG_VERSION:
		break;
	}
	snprintf(err, errlen, "%s: not a setting", what);
	return -1;
}

static const struct config_option *
config_flag_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < CONFIG_NOPTIONS; i++)
		if (config_options[i].flag != NULL
		    && strlen(config_options[i].flag) == len
		    && strncmp(config_options[i].flag, name, len) == 0)
			return &config_options[i];
	return NULL;
}

/* [template NAME] keys. */
enum config_tkey {
	TKEY_SOURCE,
	TKEY_DESTINATION,
	TKEY_COMMAND,
	TKEY_CHECK,
	TKEY_COMMAND_TIMEOUT,
	TKEY_WAIT,
	TKEY_PERMS,
	TKEY_BACKUP,
	TKEY_LEFT_DELIMITER,
	TKEY_RIGHT_DELIMITER,
	TKEY_ERROR_ON_MISSING_KEY,
	TKEY_REFUSE_EMPTY,
	TKEY_COUNT,
};

static const char *const config_tkeys[] = {
	[TKEY_SOURCE] = "source",
	[TKEY_DESTINATION] = "destination",
	[TKEY_COMMAND] = "command",
	[TKEY_CHECK] = "check",
	[TKEY_COMMAND_TIMEOUT] = "command_timeout",
	[TKEY_WAIT] = "wait",
	[TKEY_PERMS] = "perms",
	[TKEY_BACKUP] = "backup",
	[TKEY_LEFT_DELIMITER] = "left_delimiter",
	[TKEY_RIGHT_DELIMITER] = "right_delimiter",
	[TKEY_ERROR_ON_MISSING_KEY] = "error_on_missing_key",
	[TKEY_REFUSE_EMPTY] = "refuse_empty",
};
_Static_assert(sizeof(config_tkeys) / sizeof(config_tkeys[0]) == TKEY_COUNT,
    "one name per template key");

/* State of one INI read; inih calls config_ini_handler per key. */
struct config_ini {
	struct config *cfg;
	FILE *fp;
	const char *path;
	int line;
	int err_line; /* line err is about, or 0 */
	bool too_long;
	char *err;
	size_t errlen;
};

/* inih's reader, counting lines so errors can name them. */
static char *
config_ini_read(char *str, int num, void *stream)
{
	struct config_ini *ini = stream;
	size_t n;

	if (fgets(str, num, ini->fp) == NULL)
		return NULL;
	ini->line++;
	n = strlen(str);
	ini->too_long = n > 0 && str[n - 1] != '\n' && !feof(ini->fp);
	return str;
}

static struct config_template *
config_template_find(struct config *cfg, const char *name)
{
	struct config_template *t;

	TAILQ_FOREACH(t, &cfg->templates, entry)
		if (strcmp(t->name, name) == 0)
			return t;
	t = config_template_new(name);
	TAILQ_INSERT_TAIL(&cfg->templates, t, entry);
	cfg->ntemplates++;
	return t;
}

static int
config_tkey_set(struct config_template *t, enum config_tkey k,
    const char *value, const char *what, char *err, size_t errlen)
{
	struct config_cmd **cmdp;
	char why[CONFIG_ERR_MAX];
	char **sp = NULL;
	long long n;
	bool *bp = NULL;

	switch (k) {
	case TKEY_SOURCE:
		sp = &t->source;
		break;
	case TKEY_DESTINATION:
		sp = &t->destination;
		break;
	case TKEY_LEFT_DELIMITER:
		sp = &t->left_delim;
		break;
	case TKEY_RIGHT_DELIMITER:
		sp = &t->right_delim;
		break;
	case TKEY_COMMAND:
	case TKEY_CHECK:
		cmdp = k == TKEY_COMMAND ? &t->command : &t->check;
		config_cmd_free(*cmdp);
		*cmdp = config_cmd_parse(value, why, sizeof(why));
		if (*cmdp != NULL)
			return 0;
		snprintf(err, errlen, "%s: %s", what, why);
		return -1;
	case TKEY_COMMAND_TIMEOUT:
		if (str_to_ms(value, 0, &t->command_timeout_ms) == -1
		    || t->command_timeout_ms == 0) {
			snprintf(err, errlen,
			    "%s: expected a duration such as "
			    "30s, not \"%s\"",
			    what, value);
			return -1;
		}
		return 0;
	case TKEY_WAIT:
		t->wait_set = true;
		if (config_wait(value, &t->wait_min_ms, &t->wait_max_ms, why,
			sizeof(why))
		    == 0)
			return 0;
		snprintf(err, errlen, "%s: %s", what, why);
		return -1;
	case TKEY_PERMS:
		if (value[0] != '0' || value[1] == '\0'
		    || strspn(value, "01234567") != strlen(value)
		    || strlen(value) > 5) {
			snprintf(err, errlen,
			    "%s: expected an octal mode such "
			    "as 0644, not \"%s\"",
			    what, value);
			return -1;
		}
		/* Digits checked above: at most 5 octal digits. */
		for (n = 0; *value != '\0'; value++)
			n = n * 8 + (*value - '0');
		t->perms = (int)(n & 07777);
		return 0;
	case TKEY_BACKUP:
		bp = &t->backup;
		break;
	case TKEY_ERROR_ON_MISSING_KEY:
		bp = &t->error_on_missing_key;
		break;
	case TKEY_REFUSE_EMPTY:
		bp = &t->refuse_empty;
		break;
	case TKEY_COUNT:
		break;
	}
	if (sp != NULL) {
		free(*sp);
		*sp = xstrdup(value);
		return 0;
	}
	if (bp != NULL && str_to_bool(value, bp) == 0)
		return 0;
	snprintf(err, errlen, "%s: expected true or false, not \"%s\"", what,
	    value);
	return -1;
}

/* rc of a setter: 0 keeps going; -1 leaves err and its line set. */
static int
config_ini_ok(struct config_ini *ini, int rc)
{
	if (rc == 0)
		ini->err_line = 0;
	return rc == 0;
}

static int
config_ini_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct config_ini *ini = user;
	char what[128];
	const char *tname;
	size_t i;
	int k;

	if (ini->err_line != 0)
		return 0; /* keep the first error */
	ini->err_line = ini->line;
	snprintf(what, sizeof(what), "%s:%d: %s", ini->path, ini->line, name);
	if (ini->too_long) {
		snprintf(ini->err, ini->errlen,
		    "%s:%d: line longer than %d "
		    "bytes",
		    ini->path, ini->line, INI_MAX_LINE - 2);
		return 0;
	}
	if (strcmp(section, "templater") == 0) {
		for (i = 0; i < CONFIG_NOPTIONS; i++)
			if (config_options[i].key != NULL
			    && strcmp(config_options[i].key, name) == 0)
				return config_ini_ok(ini,
				    config_set(ini->cfg, &config_options[i],
					value, what, ini->err, ini->errlen));
		snprintf(ini->err, ini->errlen,
		    "%s:%d: unknown key %s in "
		    "[templater]",
		    ini->path, ini->line, name);
		return 0;
	}
	if (strncmp(section, "template ", 9) == 0) {
		tname = section + 9;
		while (*tname == ' ')
			tname++;
		for (k = 0; k < TKEY_COUNT; k++)
			if (strcmp(config_tkeys[k], name) == 0)
				return config_ini_ok(ini,
				    config_tkey_set(
					config_template_find(ini->cfg, tname),
					(enum config_tkey)k, value, what,
					ini->err, ini->errlen));
		snprintf(ini->err, ini->errlen,
		    "%s:%d: unknown key %s in "
		    "[template %s]",
		    ini->path, ini->line, name, tname);
		return 0;
	}
	snprintf(ini->err, ini->errlen, "%s:%d: unknown section [%s]",
	    ini->path, ini->line, section);
	return 0;
}

static int
config_ini_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct config_ini ini = {
		.cfg = cfg,
		.path = path,
		.err = err,
		.errlen = errlen,
	};
	int rc;

	ini.fp = fopen(path, "re");
	if (ini.fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	err[0] = '\0';
	rc = ini_parse_stream(config_ini_read, &ini, config_ini_handler, &ini);
	fclose(ini.fp);
	if (rc == 0)
		return 0;
	/* inih returns the first bad line; a syntax error sets no err. */
	if (rc > 0 && ini.err_line != rc)
		snprintf(err, errlen, "%s:%d: syntax error", path, rc);
	else if (rc < 0)
		snprintf(err, errlen, "%s: cannot be read", path);
	return -1;
}

/* A flag given on the command line, applied after the file. */
struct config_arg {
	const struct config_option *o;
	const char *value;
};

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

int
config_load(int argc, char **argv, struct config *cfg, char *err, size_t errlen)
{
	struct config_arg *args;
	const struct config_option *o;
	const char *a, *name, *eq, *value, *env;
	char what[80];
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
		o = config_flag_find(name,
		    eq != NULL ? (size_t)(eq - name) : strlen(name));
		if (o == NULL) {
			snprintf(err, errlen, "unknown flag %s (see -help)", a);
			ret = -2;
			goto out;
		}
		if (o->type == CONFIG_HELP) {
			config_usage();
			ret = 1;
			goto out;
		}
		if (o->type == CONFIG_VERSION) {
			printf("templater %s\n", PROJECT_VERSION);
			ret = 1;
			goto out;
		}
		if (eq != NULL)
			value = eq + 1;
		else if (o->type == CONFIG_BOOL)
			value = "true";
		else if (k + 1 < argc)
			value = argv[++k];
		else {
			snprintf(err, errlen, "flag -%s needs a value",
			    o->flag);
			ret = -2;
			goto out;
		}
		args[nargs].o = o;
		args[nargs++].value = value;
		if (o->offset == CFG(config_file) && o->type == CONFIG_STR) {
			free(cfg->config_file);
			cfg->config_file = xstrdup(value);
		}
	}
	if (cfg->config_file != NULL
	    && config_ini_load(cfg, cfg->config_file, err, errlen) == -1)
		goto out;
	env = getenv("CONSUL_HTTP_ADDR");
	if (env != NULL && env[0] != '\0') {
		free(cfg->consul_addr);
		cfg->consul_addr = xstrdup(env);
	}
	env = getenv("CONSUL_HTTP_TOKEN");
	if (env != NULL && env[0] != '\0') {
		free(cfg->consul_token);
		cfg->consul_token = xstrdup(env);
	}
	env = getenv("SENTRY_DSN");
	if (env != NULL && env[0] != '\0') {
		free(cfg->sentry_dsn);
		cfg->sentry_dsn = xstrdup(env);
	}
	for (i = 0; i < nargs; i++) {
		o = args[i].o;
		snprintf(what, sizeof(what), "-%s", o->flag);
		if (o->type == CONFIG_TEMPLATE) {
			if (config_template_add(cfg, args[i].value, err, errlen)
			    == -1)
				goto out;
		} else if (config_set(cfg, o, args[i].value, what, err, errlen)
		    == -1)
			goto out;
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
