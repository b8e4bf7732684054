/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lib/conf.h, the ini reader of both daemons: the
 * input is an ini file, read (1) by conf_load_string over a table with
 * every option type (string, secret, verbatim, bounded int, bool,
 * duration, size, a setter callback) and a repeated named section, and
 * (2) by the templater's config_load as its -config FILE (a memfd, so
 * conf_load's fopen path runs), which adds the templater's own setters
 * (wait, command, perms), its [template NAME] objects and its checks
 * across keys.  A bad file must give -1 and an error message; nothing may
 * crash, leak or write past err.
 */
#include <sys/mman.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "str.h"
#include "xmalloc.h"

#include "templater.h"

#define INI_FUZZ_NAMED_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ini_fuzz_named {
	char *name;
	char *source;
	char *command;
	uint64_t min_ms, max_ms;
};

struct ini_fuzz_cfg {
	char *addr;
	char *token;
	bool flag;
	long long count;
	uint64_t interval_ms;
	uint64_t size;
	char *dsn;
	struct ini_fuzz_named named[INI_FUZZ_NAMED_MAX];
	size_t nnamed;
};

/* "MIN:MAX" durations, a value with its own syntax. */
static int
ini_fuzz_set_wait(void *obj, const struct conf_opt *opt, const char *value,
    char *err, size_t errlen)
{
	struct ini_fuzz_named *n = obj;
	const char *colon = strchr(value, ':');
	char lo[32];

	(void)opt;
	if (colon == NULL || (size_t)(colon - value) >= sizeof(lo)) {
		snprintf(err, errlen, "expected MIN:MAX");
		return -1;
	}
	memcpy(lo, value, (size_t)(colon - value));
	lo[colon - value] = '\0';
	if (str_to_ms(lo, 0, &n->min_ms) == -1
	    || str_to_ms(colon + 1, 0, &n->max_ms) == -1) {
		snprintf(err, errlen, "bad duration");
		return -1;
	}
	return 0;
}

static const struct conf_opt ini_fuzz_opts[] = {
	{ .section = "main",
	    .key = "addr",
	    .type = CONF_STR,
	    .def = "127.0.0.1:8500",
	    .help = "address",
	    .offset = offsetof(struct ini_fuzz_cfg, addr) },
	{ .section = "main",
	    .key = "token",
	    .type = CONF_STR,
	    .help = "token",
	    .offset = offsetof(struct ini_fuzz_cfg, token),
	    .flags = CONF_SECRET },
	{ .section = "main",
	    .key = "flag",
	    .type = CONF_BOOL,
	    .def = "true",
	    .help = "flag",
	    .offset = offsetof(struct ini_fuzz_cfg, flag) },
	{ .section = "main",
	    .key = "count",
	    .type = CONF_INT,
	    .min = -5,
	    .max = 3600,
	    .def = "0",
	    .help = "count",
	    .offset = offsetof(struct ini_fuzz_cfg, count) },
	{ .section = "main",
	    .key = "interval",
	    .type = CONF_DURATION,
	    .max = 3600000,
	    .def = "1s",
	    .help = "interval",
	    .offset = offsetof(struct ini_fuzz_cfg, interval_ms) },
	{ .section = "main",
	    .key = "size",
	    .type = CONF_SIZE,
	    .min = 1024,
	    .max = 16 << 20,
	    .def = "1M",
	    .help = "size",
	    .offset = offsetof(struct ini_fuzz_cfg, size) },
	{ .section = "sentry",
	    .key = "dsn",
	    .type = CONF_STR,
	    .help = "dsn",
	    .offset = offsetof(struct ini_fuzz_cfg, dsn),
	    .flags = CONF_SECRET },
	{ .section = "template",
	    .key = "source",
	    .type = CONF_STR,
	    .help = "source",
	    .offset = offsetof(struct ini_fuzz_named, source) },
	{ .section = "template",
	    .key = "command",
	    .type = CONF_STR,
	    .help = "command",
	    .offset = offsetof(struct ini_fuzz_named, command),
	    .flags = CONF_VERBATIM },
	{ .section = "template",
	    .key = "wait",
	    .type = CONF_STR,
	    .help = "wait",
	    .set = ini_fuzz_set_wait },
};

static void *
ini_fuzz_open(void *target, const char *name, char *err, size_t errlen)
{
	struct ini_fuzz_cfg *cfg = target;
	struct ini_fuzz_named *n;
	size_t i;

	for (i = 0; i < cfg->nnamed; i++)
		if (strcmp(cfg->named[i].name, name) == 0)
			return &cfg->named[i];
	if (cfg->nnamed == INI_FUZZ_NAMED_MAX) {
		snprintf(err, errlen, "too many sections");
		return NULL;
	}
	n = &cfg->named[cfg->nnamed++];
	n->name = xstrdup(name);
	return n;
}

static const struct conf_named ini_fuzz_named_sections[] = {
	{ .section = "template", .open = ini_fuzz_open, .help = "template" },
};

static const struct conf_spec ini_fuzz_spec = {
	.opts = ini_fuzz_opts,
	.nopts = sizeof(ini_fuzz_opts) / sizeof(ini_fuzz_opts[0]),
	.named = ini_fuzz_named_sections,
	.nnamed = 1,
};

static void
ini_fuzz_conf(const char *text)
{
	struct ini_fuzz_cfg cfg;
	char err[CONF_ERR_MAX];
	size_t i;

	memset(&cfg, 0, sizeof(cfg));
	conf_defaults(&ini_fuzz_spec, NULL, &cfg);
	if (conf_load_string(&ini_fuzz_spec, &cfg, "fuzz.ini", text, err,
		sizeof(err))
		== -1
	    && err[0] == '\0')
		abort(); /* an error must say what */
	for (i = 0; i < cfg.nnamed; i++) {
		conf_clear(&ini_fuzz_spec, "template", &cfg.named[i]);
		free(cfg.named[i].name);
	}
	conf_clear(&ini_fuzz_spec, NULL, &cfg);
}

static void
ini_fuzz_templater(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	char *argv[] = { "-config", path, NULL };
	char err[CONFIG_ERR_MAX];
	struct config cfg;
	int rc;

	if (fd == -1) {
		fd = memfd_create("ini_fuzz", MFD_CLOEXEC);
		if (fd == -1)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1
	    || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	memset(&cfg, 0, sizeof(cfg));
	err[0] = '\0';
	rc = config_load(2, argv, &cfg, err, sizeof(err));
	if (rc < 0 && err[0] == '\0')
		abort();
	if (rc == 0)
		config_free(&cfg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	/* The process environment must not steer the loaders. */
	unsetenv("CONSUL_HTTP_ADDR");
	unsetenv("CONSUL_HTTP_TOKEN");
	unsetenv("SENTRY_DSN");
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	ini_fuzz_conf(text);
	free(text);
	ini_fuzz_templater(data, size);
	return 0;
}
