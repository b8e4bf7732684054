/* SPDX-License-Identifier: MIT */
/*
 * Tests of lib/conf.c: a table shaped like the daemons' ([registrator],
 * [sentry], repeated [template NAME]), defaults < file < env < flags,
 * every error message with its line, inih's fixed limits (line length,
 * inline ';' comments, indented continuation lines), and the printed help
 * and sample file, which must load back.
 */
#include <sys/queue.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "str.h"
#include "test.h"
#include "xmalloc.h"

struct tmpl {
	TAILQ_ENTRY(tmpl) entry;
	char *name;
	char *source;
	char *destination;
	char *command;
	long long perms;
	uint64_t wait_min_ms, wait_max_ms;
};

struct cfg {
	char *consul_addr;
	char *token;
	bool deregister;
	long long ttl;
	uint64_t resync_ms;
	uint64_t max_body;
	char *dsn;
	TAILQ_HEAD(, tmpl) tmpls;
	int ntmpls;
};

/* "min:max" with its own syntax: a setter callback. */
static int
set_wait(void *obj, const struct conf_opt *o, const char *value, char *err,
    size_t errlen)
{
	struct tmpl *t = obj;
	char lo[32];
	const char *colon = strchr(value, ':');

	(void)o;
	if (colon == NULL || (size_t)(colon - value) >= sizeof(lo)) {
		(void)snprintf(err, errlen, "expected MIN:MAX, not \"%s\"",
		    value);
		return -1;
	}
	memcpy(lo, value, (size_t)(colon - value));
	lo[colon - value] = '\0';
	if (str_to_ms(lo, 0, &t->wait_min_ms) == -1
	    || str_to_ms(colon + 1, 0, &t->wait_max_ms) == -1) {
		(void)snprintf(err, errlen, "bad duration in \"%s\"", value);
		return -1;
	}
	return 0;
}

static const struct conf_opt opts[] = {
	{ .section = "registrator",
	    .key = "consul_addr",
	    .type = CONF_STR,
	    .def = "127.0.0.1:8500",
	    .env = "TEST_CONF_ADDR",
	    .help = "Consul agent address",
	    .offset = offsetof(struct cfg, consul_addr) },
	{ .section = "registrator",
	    .key = "token",
	    .type = CONF_STR,
	    .env = "TEST_CONF_TOKEN",
	    .help = "ACL token",
	    .offset = offsetof(struct cfg, token),
	    .flags = CONF_SECRET },
	{ .section = "registrator",
	    .key = "deregister",
	    .type = CONF_BOOL,
	    .def = "true",
	    .help = "deregister on exit",
	    .offset = offsetof(struct cfg, deregister) },
	{ .section = "registrator",
	    .key = "ttl",
	    .type = CONF_INT,
	    .min = 0,
	    .max = 3600,
	    .def = "0",
	    .help = "TTL in seconds",
	    .offset = offsetof(struct cfg, ttl) },
	{ .section = "registrator",
	    .key = "resync",
	    .type = CONF_DURATION,
	    .min = 0,
	    .max = 3600000,
	    .def = "0",
	    .env = "TEST_CONF_RESYNC",
	    .help = "periodic resync",
	    .offset = offsetof(struct cfg, resync_ms) },
	{ .section = "registrator",
	    .key = "max_body",
	    .type = CONF_SIZE,
	    .min = 1024,
	    .max = 16 << 20,
	    .def = "1M",
	    .help = "largest answer",
	    .offset = offsetof(struct cfg, max_body) },
	{ .section = "sentry",
	    .key = "dsn",
	    .type = CONF_STR,
	    .env = "TEST_CONF_DSN",
	    .help = "Sentry DSN",
	    .offset = offsetof(struct cfg, dsn),
	    .flags = CONF_SECRET },
	{ .section = "template",
	    .key = "source",
	    .type = CONF_STR,
	    .help = "template file",
	    .offset = offsetof(struct tmpl, source) },
	{ .section = "template",
	    .key = "destination",
	    .type = CONF_STR,
	    .help = "rendered file",
	    .offset = offsetof(struct tmpl, destination) },
	{ .section = "template",
	    .key = "command",
	    .type = CONF_STR,
	    .help = "shell command",
	    .offset = offsetof(struct tmpl, command),
	    .flags = CONF_VERBATIM },
	{ .section = "template",
	    .key = "perms",
	    .type = CONF_INT,
	    .min = 0,
	    .max = 07777,
	    .def = "420",
	    .help = "file mode",
	    .offset = offsetof(struct tmpl, perms) },
	{ .section = "template",
	    .key = "wait",
	    .type = CONF_STR,
	    .help = "quiescence MIN:MAX",
	    .set = set_wait },
};

static void *open_tmpl(void *target, const char *name, char *err,
    size_t errlen);

static const struct conf_named named[] = {
	{ .section = "template",
	    .open = open_tmpl,
	    .help = "one per rendered file" },
};

static const struct conf_spec spec = {
	.opts = opts,
	.nopts = sizeof(opts) / sizeof(opts[0]),
	.named = named,
	.nnamed = 1,
};

static void *
open_tmpl(void *target, const char *name, char *err, size_t errlen)
{
	struct cfg *c = target;
	struct tmpl *t;

	if (strchr(name, '/') != NULL) {
		(void)snprintf(err, errlen, "name must not contain '/'");
		return NULL;
	}
	TAILQ_FOREACH(t, &c->tmpls, entry)
		if (strcmp(t->name, name) == 0)
			return t;
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	conf_defaults(&spec, "template", t);
	TAILQ_INSERT_TAIL(&c->tmpls, t, entry);
	c->ntmpls++;
	return t;
}

static void
cfg_init(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	TAILQ_INIT(&c->tmpls);
	conf_defaults(&spec, NULL, c);
}

static void
cfg_clear(struct cfg *c)
{
	struct tmpl *t;

	while ((t = TAILQ_FIRST(&c->tmpls)) != NULL) {
		TAILQ_REMOVE(&c->tmpls, t, entry);
		conf_clear(&spec, "template", t);
		free(t->name);
		free(t);
	}
	conf_clear(&spec, NULL, c);
}

static void
test_defaults(void)
{
	struct cfg c;

	cfg_init(&c);
	T_EQ_STR(c.consul_addr, "127.0.0.1:8500");
	T_NULL(c.token);
	T_ASSERT(c.deregister);
	T_EQ_INT(c.max_body, 1 << 20);
	T_EQ_INT(c.ntmpls, 0);
	cfg_clear(&c);
	T_NULL(c.consul_addr);
}

static void
test_load(void)
{
	struct cfg c;
	struct tmpl *t;
	char err[CONF_ERR_MAX];
	const char *text = "; a comment\n"
			   "# another\n"
			   "[registrator]\n"
			   "consul_addr = 10.0.0.1:8500 ; inline comment\n"
			   "token = \"s3cr3t value\"\n"
			   "deregister = no\r\n"
			   "ttl=30\n"
			   "resync = 1m30s\n"
			   "max_body = 64k\n"
			   "\n"
			   "[template web]\n"
			   "source = /t/web.tmpl\n"
			   "destination = /etc/nginx/web.conf\n"
			   "wait = 2s:10s\n"
			   "[template api]\n"
			   "source = /t/api.tmpl\n"
			   "perms = 384\n"
			   "[sentry]\n"
			   "dsn = https://k@sentry/1\n"
			   "[template web]\n"
			   "perms = 416\n"
			   "command = \"/opt/my app/reload\" \"now\"\n";

	cfg_init(&c);
	T_EQ_INT(conf_load_string(&spec, &c, "reg.ini", text, err, sizeof(err)),
	    0);
	T_EQ_STR(c.consul_addr, "10.0.0.1:8500");
	T_EQ_STR(c.token, "s3cr3t value");
	T_ASSERT(!c.deregister);
	T_EQ_INT(c.ttl, 30);
	T_EQ_INT(c.resync_ms, 90000);
	T_EQ_INT(c.max_body, 65536);
	T_EQ_STR(c.dsn, "https://k@sentry/1");
	T_EQ_INT(c.ntmpls, 2);
	t = TAILQ_FIRST(&c.tmpls);
	T_EQ_STR(t->name, "web");
	T_EQ_STR(t->source, "/t/web.tmpl");
	T_EQ_STR(t->destination, "/etc/nginx/web.conf");
	T_EQ_INT(t->perms, 416); /* the section came back later */
	T_EQ_INT(t->wait_min_ms, 2000);
	T_EQ_INT(t->wait_max_ms, 10000);
	/* CONF_VERBATIM: the quotes are the shell's. */
	T_EQ_STR(t->command, "\"/opt/my app/reload\" \"now\"");
	t = TAILQ_NEXT(t, entry);
	T_EQ_STR(t->name, "api");
	T_EQ_INT(t->perms, 384);
	T_NULL(t->destination);
	cfg_clear(&c);
}

/* Each bad file gives exactly this message. */
static void
expect_err(const char *text, const char *want)
{
	struct cfg c;
	char err[CONF_ERR_MAX];

	cfg_init(&c);
	err[0] = '\0';
	T_EQ_INT(conf_load_string(&spec, &c, "f.ini", text, err, sizeof(err)),
	    -1);
	T_EQ_STR(err, want);
	cfg_clear(&c);
}

static void
test_errors(void)
{
	expect_err("[registrator]\nttl = 30\nbogus = 1\n",
	    "f.ini:3: [registrator] bogus: unknown key");
	expect_err("[registrator]\n\nttl = 4000\n",
	    "f.ini:3: [registrator] ttl: expected an integer from 0 to 3600, "
	    "not \"4000\"");
	expect_err("[registrator]\nderegister = maybe\n",
	    "f.ini:2: [registrator] deregister: expected true or false, "
	    "not \"maybe\"");
	expect_err("[registrator]\nresync = 5\n",
	    "f.ini:2: [registrator] resync: expected a duration such as 30s, "
	    "1m30s or 250ms, not \"5\"");
	expect_err("[registrator]\nresync = 2h\n",
	    "f.ini:2: [registrator] resync: must be between 0ms and 1h");
	expect_err("[registrator]\nmax_body = 10\n",
	    "f.ini:2: [registrator] max_body: must be between 1k and 16M");
	expect_err("[registrator]\nmax_body = 1T\n",
	    "f.ini:2: [registrator] max_body: expected a size such as 512, "
	    "64k or 16M, not \"1T\"");
	expect_err("[nginx]\nx = 1\n", "f.ini:2: [nginx]: unknown section");
	expect_err("[registrator extra]\nttl = 1\n",
	    "f.ini:2: [registrator extra]: unknown section");
	expect_err("ttl = 1\n", "f.ini:1: []: unknown section");
	expect_err("[template]\nsource = x\n",
	    "f.ini:2: [template]: needs a name: [template NAME]");
	expect_err("[template a/b]\nsource = x\n",
	    "f.ini:2: [template a/b]: name must not contain '/'");
	expect_err("[template w]\nwait = 5s\n",
	    "f.ini:2: [template w] wait: expected MIN:MAX, not \"5s\"");
	expect_err("[registrator]\nttl = 1\nthis is not ini\nttl = 2\n",
	    "f.ini:3: syntax error: expected [section] or key = value");
	expect_err("[registrator\nttl = 1\n",
	    "f.ini:1: syntax error: expected [section] or key = value");
	/* The first error is the one reported. */
	expect_err("[registrator]\nttl = x\nbogus = 1\n",
	    "f.ini:2: [registrator] ttl: expected an integer from 0 to 3600, "
	    "not \"x\"");
}

/*
 * inih's fixed limits: 199 bytes of text per line, " ;" starts a comment,
 * and an indented line continues the previous key.
 */
static void
test_inih_limits(void)
{
	struct cfg c;
	char err[CONF_ERR_MAX], text[1024], want[256];
	char v[300];
	const char *head = "[registrator]\nconsul_addr = ";
	size_t room = 199 - strlen("consul_addr = ");

	/* The longest value that fits, with \n and with \r\n endings. */
	memset(v, 'a', room);
	v[room] = '\0';
	(void)snprintf(text, sizeof(text), "%s%s\nttl = 7\n", head, v);
	cfg_init(&c);
	T_EQ_INT(conf_load_string(&spec, &c, "f.ini", text, err, sizeof(err)),
	    0);
	T_EQ_STR(c.consul_addr, v);
	T_EQ_INT(c.ttl, 7);
	cfg_clear(&c);
	(void)snprintf(text, sizeof(text), "%s%s\r\nttl = 8\r\n", head, v);
	cfg_init(&c);
	T_EQ_INT(conf_load_string(&spec, &c, "f.ini", text, err, sizeof(err)),
	    0);
	T_EQ_STR(c.consul_addr, v);
	T_EQ_INT(c.ttl, 8);
	cfg_clear(&c);
	/* As the last line with no newline at all. */
	(void)snprintf(text, sizeof(text), "%s%s", head, v);
	cfg_init(&c);
	T_EQ_INT(conf_load_string(&spec, &c, "f.ini", text, err, sizeof(err)),
	    0);
	T_EQ_STR(c.consul_addr, v);
	cfg_clear(&c);

	/*
	 * One byte more is an error on that line; the tail, which inih would
	 * have read as "ttl = 9" on a line of its own, is not applied.
	 */
	memset(v, 'a', room + 1);
	memcpy(v + room + 1 - 7, "ttl = 9", 7);
	v[room + 1] = '\0';
	(void)snprintf(text, sizeof(text), "%s%s\nttl = 1\n", head, v);
	(void)snprintf(want, sizeof(want),
	    "f.ini:2: line longer than 199 "
	    "bytes");
	expect_err(text, want);
	(void)snprintf(text, sizeof(text), "%s%s", head, v);
	expect_err(text, want);

	/* " ;" starts a comment; ";" inside a word does not. */
	cfg_init(&c);
	T_EQ_INT(conf_load_string(&spec, &c, "f.ini",
		     "[template t]\nsource = a;b ;c\ndestination = x ; y\n",
		     err, sizeof(err)),
	    0);
	T_EQ_STR(TAILQ_FIRST(&c.tmpls)->source, "a;b");
	T_EQ_STR(TAILQ_FIRST(&c.tmpls)->destination, "x");
	cfg_clear(&c);

	/* An indented key would be glued to the previous value by inih. */
	expect_err("[registrator]\nconsul_addr = a\n  ttl = 5\n",
	    "f.ini:3: [registrator] consul_addr: indented line read as a "
	    "continuation of consul_addr; do not indent keys");
	/* The first key of a section may be indented: no previous key. */
	cfg_init(&c);
	T_EQ_INT(conf_load_string(&spec, &c, "f.ini",
		     "[registrator]\n  ttl = 5\n", err, sizeof(err)),
	    0);
	T_EQ_INT(c.ttl, 5);
	cfg_clear(&c);
}

static void
test_env_and_flags(void)
{
	struct cfg c;
	char err[CONF_ERR_MAX];

	cfg_init(&c);
	T_EQ_INT(conf_load_string(&spec, &c, "f.ini",
		     "[registrator]\nconsul_addr = file:1\nresync = 10s\n", err,
		     sizeof(err)),
	    0);
	setenv("TEST_CONF_ADDR", "env:2", 1);
	setenv("TEST_CONF_TOKEN", "", 1); /* empty: unset */
	setenv("TEST_CONF_RESYNC", "30s", 1);
	T_EQ_INT(conf_env(&spec, &c, err, sizeof(err)), 0);
	T_EQ_STR(c.consul_addr, "env:2");
	T_NULL(c.token);
	T_EQ_INT(c.resync_ms, 30000);
	T_EQ_INT(conf_set(&spec, &c, "registrator", "consul_addr", "flag:3",
		     err, sizeof(err)),
	    0);
	T_EQ_STR(c.consul_addr, "flag:3");
	T_EQ_INT(
	    conf_set(&spec, &c, "registrator", "nope", "1", err, sizeof(err)),
	    -1);
	T_EQ_STR(err, "[registrator] nope: unknown option");
	T_EQ_INT(
	    conf_set(&spec, &c, "template", "source", "1", err, sizeof(err)),
	    -1);
	T_EQ_INT(
	    conf_set(&spec, &c, "registrator", "ttl", "-1", err, sizeof(err)),
	    -1);
	T_EQ_STR(err,
	    "[registrator] ttl: expected an integer from 0 to 3600, "
	    "not \"-1\"");
	setenv("TEST_CONF_RESYNC", "soon", 1);
	T_EQ_INT(conf_env(&spec, &c, err, sizeof(err)), -1);
	T_EQ_STR(err,
	    "$TEST_CONF_RESYNC: expected a duration such as 30s, "
	    "1m30s or 250ms, not \"soon\"");
	unsetenv("TEST_CONF_ADDR");
	unsetenv("TEST_CONF_TOKEN");
	unsetenv("TEST_CONF_RESYNC");
	T_NOT_NULL(conf_find(&spec, "template", "wait"));
	T_NULL(conf_find(&spec, "template", "nope"));
	cfg_clear(&c);
}

/* conf_store: one row's value into an object; the reason alone. */
static void
test_store(void)
{
	struct cfg c;
	struct tmpl t;
	char err[CONF_ERR_MAX];

	cfg_init(&c);
	T_EQ_INT(conf_store(conf_find(&spec, "registrator", "ttl"), &c, "60",
		     err, sizeof(err)),
	    0);
	T_EQ_INT(c.ttl, 60);
	T_EQ_INT(conf_store(conf_find(&spec, "registrator", "ttl"), &c, "3601",
		     err, sizeof(err)),
	    -1);
	T_EQ_STR(err, "expected an integer from 0 to 3600, not \"3601\"");
	T_EQ_INT(c.ttl, 60);
	cfg_clear(&c);

	memset(&t, 0, sizeof(t));
	T_EQ_INT(conf_store(conf_find(&spec, "template", "wait"), &t, "1s:2s",
		     err, sizeof(err)),
	    0);
	T_EQ_INT(t.wait_max_ms, 2000);
	T_EQ_INT(conf_store(conf_find(&spec, "template", "wait"), &t, "1s", err,
		     sizeof(err)),
	    -1);
	T_EQ_STR(err, "expected MIN:MAX, not \"1s\"");
}

static void
test_file(void)
{
	struct cfg c;
	char err[CONF_ERR_MAX], path[64];
	FILE *f;

	cfg_init(&c);
	T_EQ_INT(conf_load(&spec, &c, "/nonexistent/x.ini", err, sizeof(err)),
	    -1);
	T_EQ_STR(err, "/nonexistent/x.ini: No such file or directory");
	(void)snprintf(path, sizeof(path), "/tmp/test_conf.%d.ini",
	    (int)getpid());
	f = fopen(path, "w");
	T_NOT_NULL(f);
	fputs("[registrator]\nttl = 12\nttl = oops\n", f);
	fclose(f);
	T_EQ_INT(conf_load(&spec, &c, path, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, ".ini:3: [registrator] ttl: expected") != NULL);
	T_EQ_INT(c.ttl, 12);
	cfg_clear(&c);

	/* The printed sample is a valid file that keeps the defaults. */
	f = fopen(path, "w");
	conf_print_ini(&spec, f);
	fclose(f);
	cfg_init(&c);
	c.ttl = 99;
	T_EQ_INT(conf_load(&spec, &c, path, err, sizeof(err)), 0);
	T_EQ_INT(c.ttl, 99); /* every key commented out */
	T_EQ_INT(c.ntmpls, 0);
	cfg_clear(&c);
	unlink(path);
}

static void
test_print(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	conf_print_help(&spec, f);
	fputs("----\n", f);
	conf_print_ini(&spec, f);
	fclose(f);
	T_ASSERT(strstr(out,
		     "[registrator]\n  consul_addr              Consul "
		     "agent address\n")
	    != NULL);
	T_ASSERT(strstr(out,
		     "(string, default 127.0.0.1:8500, env "
		     "TEST_CONF_ADDR)")
	    != NULL);
	T_ASSERT(strstr(out,
		     "(duration, 0ms..1h, default 0, env "
		     "TEST_CONF_RESYNC)")
	    != NULL);
	T_ASSERT(strstr(out, "(size, 1k..16M, default 1M)") != NULL);
	T_ASSERT(
	    strstr(out, "[template NAME]  one per rendered file\n") != NULL);
	T_ASSERT(strstr(out,
		     "; Consul agent address (string, default "
		     "127.0.0.1:8500, env TEST_CONF_ADDR)\n"
		     ";consul_addr = 127.0.0.1:8500\n")
	    != NULL);
	T_ASSERT(strstr(out, ";[template example]\n") != NULL);
	/* A secret shows no default and its line has no value. */
	T_ASSERT(strstr(out, ";token =\n") != NULL);
	free(out);
}

static void
test_argv_hide(void)
{
	static const char *const secret[] = { "consul-token", "sentry-dsn" };
	char a0[] = "templater", a1[] = "-consul-token", a2[] = "t0ken";
	char a3[] = "--sentry-dsn=http://k3y@h/1", a4[] = "-consul-addr";
	char a5[] = "u:pw@127.0.0.1:8500", a6[] = "-consul-token-file";
	char a7[] = "/run/t", a8[] = "--", a9[] = "-consul-token";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, NULL };
	char path[] = "/tmp/test_conf_secret.XXXXXX", err[256], *s;
	FILE *f;
	int fd;

	T_EQ_INT(conf_argv_hide(10, argv, secret, 2), 2);
	T_EQ_STR(a2, "xxxxx");
	T_EQ_STR(a3, "--sentry-dsn=xxxxxxxxxxxxxx");
	T_EQ_STR(a5, "xxxx@127.0.0.1:8500");
	/* Another flag that only starts like a secret one is kept. */
	T_EQ_STR(a7, "/run/t");
	T_EQ_STR(a9, "-consul-token");
	/* A value-less secret flag at the end is counted, nothing more. */
	T_EQ_INT(conf_argv_hide(2, argv, secret, 2), 1);

	fd = mkstemp(path);
	T_ASSERT(fd != -1);
	f = fdopen(fd, "w");
	fputs("  s3cret-token \nsecond line\n", f);
	fclose(f);
	s = conf_secret_file(path, err, sizeof(err));
	T_EQ_STR(s, "s3cret-token");
	free(s);
	f = fopen(path, "w");
	fputs(" \n", f);
	fclose(f);
	T_NULL(conf_secret_file(path, err, sizeof(err)));
	T_ASSERT(strstr(err, ": empty") != NULL);
	unlink(path);
	T_NULL(conf_secret_file(path, err, sizeof(err)));
	T_ASSERT(strstr(err, path) != NULL);
}

int
main(void)
{
	test_defaults();
	test_load();
	test_errors();
	test_inih_limits();
	test_env_and_flags();
	test_store();
	test_file();
	test_print();
	test_argv_hide();
	return test_report();
}
