/* SPDX-License-Identifier: MIT */
/*
 * The templater's configuration: -template splitting (extra colons belong
 * to the command), -wait defaults, command forms, INI sections with
 * file:line errors, and the flag > environment > file precedence.
 *
 * test_ini_table() writes down what the -config loader makes of a table
 * of files, the shipped examples among them: the whole resulting
 * configuration, or the exact error.  It was recorded from the loader
 * before it moved onto lib/conf.h, so a change of behaviour shows as a
 * changed row (git log -p).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "templater.h"
#include "test.h"
#include "xmalloc.h"

static void
test_template_flag(void)
{
	struct config_template t;
	char err[CONFIG_ERR_MAX];

	memset(&t, 0, sizeof(t));
	T_EQ_INT(config_template_flag("in.ctmpl:/etc/out.conf:nginx -s reload",
		     &t, err, sizeof(err)),
	    0);
	T_EQ_STR(t.source, "in.ctmpl");
	T_EQ_STR(t.destination, "/etc/out.conf");
	T_NOT_NULL(t.command);
	T_EQ_STR(t.command->text, "nginx -s reload");
	T_NULL(t.command->argv);
	free(t.source);
	free(t.destination);
	config_cmd_free(t.command);

	/* Extra colons belong to the command. */
	memset(&t, 0, sizeof(t));
	T_EQ_INT(config_template_flag("a:b:echo x:y:z", &t, err, sizeof(err)),
	    0);
	T_EQ_STR(t.command->text, "echo x:y:z");
	free(t.source);
	free(t.destination);
	config_cmd_free(t.command);

	memset(&t, 0, sizeof(t));
	T_EQ_INT(config_template_flag("only.ctmpl", &t, err, sizeof(err)), 0);
	T_EQ_STR(t.source, "only.ctmpl");
	T_NULL(t.destination);
	T_NULL(t.command);
	free(t.source);

	memset(&t, 0, sizeof(t));
	T_EQ_INT(config_template_flag(":", &t, err, sizeof(err)), -1);
	T_EQ_INT(config_template_flag("", &t, err, sizeof(err)), -1);
	T_EQ_INT(config_template_flag("a:", &t, err, sizeof(err)), -1);
}

static void
test_wait(void)
{
	uint64_t min = 0, max = 0;
	char err[CONFIG_ERR_MAX];

	T_EQ_INT(config_wait("5s", &min, &max, err, sizeof(err)), 0);
	T_EQ_INT(min, 5000);
	T_EQ_INT(max, 20000);
	T_EQ_INT(config_wait("500ms:2s", &min, &max, err, sizeof(err)), 0);
	T_EQ_INT(min, 500);
	T_EQ_INT(max, 2000);
	T_EQ_INT(config_wait("10s:5s", &min, &max, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, "max is less than min") != NULL);
	T_EQ_INT(config_wait("5", &min, &max, err, sizeof(err)), -1);
	T_EQ_INT(config_wait("x:y", &min, &max, err, sizeof(err)), -1);
}

static void
test_cmd(void)
{
	struct config_cmd *c;
	char err[CONFIG_ERR_MAX];

	c = config_cmd_parse("[\"nginx\", \"-s\", \"reload\"]", err,
	    sizeof(err));
	T_NOT_NULL(c);
	if (c != NULL) {
		T_NOT_NULL(c->argv);
		T_EQ_STR(c->argv[0], "nginx");
		T_EQ_STR(c->argv[2], "reload");
		T_NULL(c->argv[3]);
	}
	config_cmd_free(c);
	c = config_cmd_parse("haproxy -c -f {}", err, sizeof(err));
	T_NOT_NULL(c);
	if (c != NULL)
		T_NULL(c->argv);
	config_cmd_free(c);
	T_NULL(config_cmd_parse("   ", err, sizeof(err)));
	T_NULL(config_cmd_parse("[1, 2]", err, sizeof(err)));
	T_NULL(config_cmd_parse("[]", err, sizeof(err)));
	T_NULL(config_cmd_parse("[\"\"]", err, sizeof(err)));
}

static char *
write_ini(const char *text)
{
	char *path = strdup("/tmp/test_tplconfig.XXXXXX");
	FILE *fp;
	int fd;

	fd = mkstemp(path);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

static int
load(const char *text, struct config *cfg, char *err, size_t errlen,
    const char *extra_flag)
{
	char *path = write_ini(text);
	char *argv[4] = { "-config", path, NULL, NULL };
	int argc = 2, rc;

	if (extra_flag != NULL)
		argv[argc++] = (char *)extra_flag;
	rc = config_load(argc, argv, cfg, err, errlen);
	unlink(path);
	free(path);
	return rc;
}

static void
test_ini(void)
{
	struct config cfg;
	struct config_template *t;
	char err[CONFIG_ERR_MAX];

	unsetenv("CONSUL_HTTP_ADDR");
	unsetenv("CONSUL_HTTP_TOKEN");
	T_EQ_INT(load("[templater]\n"
		      "consul_addr = 127.0.0.1:1\n"
		      "wait = 2s\n"
		      "max_connections = 7\n"
		      "\n"
		      "[template nginx]\n"
		      "source = a.ctmpl\n"
		      "destination = /tmp/a.conf\n"
		      "check = [\"nginx\", \"-t\", \"-c\", \"{{.}}\"]\n"
		      "command = nginx -s reload\n"
		      "command_timeout = 5s\n"
		      "perms = 0600\n"
		      "backup = true\n"
		      "refuse_empty = yes\n"
		      "wait = 1s:3s\n"
		      "[template haproxy]\n"
		      "source = b.ctmpl\n"
		      "destination = /tmp/b.cfg\n"
		      "left_delimiter = [[\n"
		      "right_delimiter = ]]\n",
		     &cfg, err, sizeof(err), "-max-connections=9"),
	    0);
	T_EQ_STR(cfg.consul_addr, "127.0.0.1:1");
	T_EQ_INT(cfg.wait_min_ms, 2000);
	T_EQ_INT(cfg.wait_max_ms, 8000);
	T_EQ_INT(cfg.max_conns, 9); /* the flag wins over the file */
	T_EQ_INT(cfg.ntemplates, 2);
	t = TAILQ_FIRST(&cfg.templates);
	if (t != NULL) {
		T_EQ_STR(t->name, "nginx");
		T_EQ_STR(t->check->argv[3], "{{.}}");
		T_EQ_STR(t->command->text, "nginx -s reload");
		T_EQ_INT(t->command_timeout_ms, 5000);
		T_EQ_INT(t->perms, 0600);
		T_ASSERT(t->backup);
		T_ASSERT(t->refuse_empty);
		T_ASSERT(t->wait_set);
		T_EQ_INT(t->wait_max_ms, 3000);
		t = TAILQ_NEXT(t, entry);
		T_EQ_STR(t->left_delim, "[[");
		T_EQ_INT(t->perms, -1);
		T_EQ_INT(t->command_timeout_ms, 30000);
	}
	config_free(&cfg);

	/* Unknown keys stop start-up with file:line: reason. */
	T_EQ_INT(load("[template x]\nsource = a\nbogus = 1\n", &cfg, err,
		     sizeof(err), NULL),
	    -1);
	T_ASSERT(strstr(err, ":3: [template x] bogus: unknown key") != NULL);
	T_EQ_INT(load("[templater]\n\nwait = 1s:oops\n", &cfg, err, sizeof(err),
		     NULL),
	    -1);
	T_ASSERT(strstr(err, ":3: [templater] wait: ") != NULL);
	T_EQ_INT(load("[nope]\nx = 1\n", &cfg, err, sizeof(err), NULL), -1);
	T_ASSERT(strstr(err, ":2: [nope]: unknown section") != NULL);
	T_EQ_INT(load("[templater]\nthis is not ini\n", &cfg, err, sizeof(err),
		     NULL),
	    -1);
	T_ASSERT(strstr(err, ":2: syntax error") != NULL);
	T_EQ_INT(
	    load("[template x]\nperms = 644\n", &cfg, err, sizeof(err), NULL),
	    -1);
	T_ASSERT(strstr(err, ":2: [template x] perms: ") != NULL);
	/* A template without destination is refused. */
	T_EQ_INT(
	    load("[template x]\nsource = a\n", &cfg, err, sizeof(err), NULL),
	    -1);
	T_ASSERT(strstr(err, "no destination") != NULL);
}

/* Appends to out (a buffer of n bytes) like snprintf, never past n. */
static void cat(char *out, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
cat(char *out, size_t n, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(out + len, n - len, fmt, ap);
	va_end(ap);
}

static void
dump_cmd(char *out, size_t n, const char *what, const struct config_cmd *c)
{
	size_t i;

	if (c == NULL)
		return;
	cat(out, n, " %s=<%s>", what, c->text);
	for (i = 0; c->argv != NULL && c->argv[i] != NULL; i++)
		cat(out, n, "%s%s", i == 0 ? "[" : ",", c->argv[i]);
	if (c->argv != NULL)
		cat(out, n, "]");
}

#define S(s) ((s) != NULL ? (s) : "-")

/* Everything config_load() filled in, one line a section. */
static void
dump(const struct config *cfg, char *out, size_t n)
{
	const struct config_template *t;
	char perms[16];

	out[0] = '\0';
	cat(out, n,
	    "addr=%s token=%s token_file=%s wait=%llu:%llu block=%llu "
	    "stale=%llu conns=%llu once=%d dry=%d once_timeout=%llu log=%s "
	    "pid=%s listen=%s dsn=%s n=%u\n",
	    S(cfg->consul_addr), S(cfg->consul_token),
	    S(cfg->consul_token_file), (unsigned long long)cfg->wait_min_ms,
	    (unsigned long long)cfg->wait_max_ms,
	    (unsigned long long)cfg->block_wait_ms,
	    (unsigned long long)cfg->max_stale_ms,
	    (unsigned long long)cfg->max_conns, cfg->once, cfg->dry,
	    (unsigned long long)cfg->once_timeout_ms, S(cfg->log_level),
	    S(cfg->pid_file), S(cfg->listen), S(cfg->sentry_dsn),
	    cfg->ntemplates);
	TAILQ_FOREACH(t, &cfg->templates, entry) {
		if (t->perms < 0)
			(void)snprintf(perms, sizeof(perms), "keep");
		else
			(void)snprintf(perms, sizeof(perms), "%04o",
			    (unsigned)t->perms);
		cat(out, n, "[%s] src=%s dst=%s", t->name, S(t->source),
		    S(t->destination));
		dump_cmd(out, n, "cmd", t->command);
		dump_cmd(out, n, "check", t->check);
		cat(out, n,
		    " timeout=%llu wait=%d:%llu:%llu perms=%s backup=%d "
		    "delims=%s,%s missing_key=%d refuse_empty=%d\n",
		    (unsigned long long)t->command_timeout_ms, t->wait_set,
		    (unsigned long long)t->wait_min_ms,
		    (unsigned long long)t->wait_max_ms, perms, t->backup,
		    S(t->left_delim), S(t->right_delim),
		    t->error_on_missing_key, t->refuse_empty);
	}
}

#define DEFAULTS_LINE(n)                                               \
	"addr=- token=- token_file=- wait=0:0 block=60000 stale=2000 " \
	"conns=50 once=0 dry=0 once_timeout=60000 log=info pid=- "     \
	"listen=- dsn=- n=" #n "\n"
#define TPL_DEFAULTS                                     \
	" timeout=30000 wait=0:0:0 perms=keep backup=0 " \
	"delims=-,- missing_key=0 refuse_empty=0\n"
#define TPL_AB "[template a]\nsource = s\ndestination = d\n"

/*
 * One file and what the loader makes of it: rc 0 and the dump, or the
 * error with '@' standing for the file's path.  A '~' in text becomes pad
 * 'x' characters (long lines).
 */
struct ini_case {
	const char *what;
	const char *file; /* a file of the tree, else text */
	const char *text;
	int pad;
	int rc;
	const char *want;
};

static const struct ini_case ini_cases[] = {
	/* The shipped examples. */
	{ "examples/nginx", "../examples/nginx/templater.ini", NULL, 0, 0,
	    "addr=127.0.0.1:8500 token=- token_file=- wait=500:2000 "
	    "block=60000 stale=2000 conns=50 once=0 dry=0 "
	    "once_timeout=60000 log=info pid=- listen=127.0.0.1:9102 dsn=- "
	    "n=2\n"
	    "[upstreams] "
	    "src=/usr/share/templater/templates/nginx-upstreams.ctmpl "
	    "dst=/etc/nginx/conf.d/upstreams.conf cmd=<nginx -s reload> "
	    "check=<[\"/etc/templater/nginx-check.sh\", \"{{.}}\", "
	    "\"/etc/nginx/conf.d/upstreams.conf\"]>[/etc/templater/nginx-ch"
	    "eck.sh,{{.}},/etc/nginx/conf.d/upstreams.conf] timeout=30000 "
	    "wait=0:0:0 perms=keep backup=1 delims=-,- missing_key=0 "
	    "refuse_empty=0\n"
	    "[sites] "
	    "src=/usr/share/templater/templates/nginx-sites.ctmpl "
	    "dst=/etc/nginx/conf.d/sites.conf cmd=<nginx -s reload> "
	    "check=<[\"/etc/templater/nginx-check.sh\", \"{{.}}\", "
	    "\"/etc/nginx/conf.d/sites.conf\"]>[/etc/templater/nginx-check."
	    "sh,{{.}},/etc/nginx/conf.d/sites.conf] timeout=30000 "
	    "wait=0:0:0 perms=keep backup=1 delims=-,- missing_key=0 "
	    "refuse_empty=0\n" },
	{ "examples/haproxy", "../examples/haproxy/templater.ini", NULL, 0, 0,
	    "addr=127.0.0.1:8500 token=- token_file=- wait=500:2000 "
	    "block=60000 stale=2000 conns=50 once=0 dry=0 "
	    "once_timeout=60000 log=info pid=- listen=- dsn=- n=1\n"
	    "[backends] "
	    "src=/usr/share/templater/templates/haproxy-backends.ctmpl "
	    "dst=/etc/haproxy/backends.cfg "
	    "cmd=<[\"/etc/templater/haproxy-reload.sh\", "
	    "\"/run/haproxy-master.sock\"]>[/etc/templater/haproxy-reload.sh,"
	    "/run/haproxy-master.sock] check=<haproxy -c -q -f "
	    "/etc/haproxy/haproxy.cfg -f {}> timeout=30000 wait=0:0:0 "
	    "perms=keep backup=1 delims=-,- missing_key=0 refuse_empty=0\n" },
	{ "fuzz seed template-cmd", "fuzz/ini/template-cmd.ini", NULL, 0, -1,
	    "template x: no destination" },
	/* Every key, none at its default. */
	{ "every key", NULL,
	    "[templater]\n"
	    "consul_addr = 10.0.0.1:8500\n"
	    "consul_token = s3cret\n"
	    "wait = 1s\n"
	    "once = true\n"
	    "once_timeout = 0\n"
	    "dry = yes\n"
	    "max_stale = 0s\n"
	    "max_connections = 100000\n"
	    "block_query_wait = 10m\n"
	    "log_level = debug\n"
	    "pid_file = /run/t.pid\n"
	    "listen = 127.0.0.1:9102\n"
	    "sentry_dsn = https://key@sentry.example/1\n"
	    "[template web]\n"
	    "source = in.ctmpl\n"
	    "destination = /etc/out.conf\n"
	    "command = [\"nginx\", \"-s\", \"reload\"]\n"
	    "check = nginx -t -c {}\n"
	    "command_timeout = 1m30s\n"
	    "wait = 500ms:2s\n"
	    "perms = 0640\n"
	    "backup = on\n"
	    "left_delimiter = [[\n"
	    "right_delimiter = ]]\n"
	    "error_on_missing_key = 1\n"
	    "refuse_empty = true\n",
	    0, 0,
	    "addr=10.0.0.1:8500 token=s3cret token_file=- wait=1000:4000 "
	    "block=600000 stale=0 conns=100000 once=1 dry=1 once_timeout=0 "
	    "log=debug pid=/run/t.pid listen=127.0.0.1:9102 "
	    "dsn=https://key@sentry.example/1 n=1\n"
	    "[web] src=in.ctmpl dst=/etc/out.conf cmd=<[\"nginx\", \"-s\", "
	    "\"reload\"]>[nginx,-s,reload] check=<nginx -t -c {}> "
	    "timeout=90000 wait=1:500:2000 perms=0640 backup=1 "
	    "delims=[[,]] missing_key=1 refuse_empty=1\n" },
	{ "token file is not read from the ini alone", NULL,
	    "[templater]\nconsul_token_file = /nonexistent/token\n" TPL_AB, 0,
	    -1, "/nonexistent/token: No such file or directory" },
	/* Sections. */
	{ "a repeated template name is one template", NULL,
	    "[template a]\nsource = s\n[template b]\nsource = t\n"
	    "destination = e\n[template a]\ndestination = d\n",
	    0, 0,
	    DEFAULTS_LINE(2) "[a] src=s dst=d" TPL_DEFAULTS
			     "[b] src=t dst=e" TPL_DEFAULTS },
	{ "a repeated key: the last wins", NULL,
	    TPL_AB "destination = d2\n[templater]\nwait = 1s\nwait = 2s\n", 0,
	    0,
	    "addr=- token=- token_file=- wait=2000:8000 block=60000 "
	    "stale=2000 conns=50 once=0 dry=0 once_timeout=60000 log=info "
	    "pid=- listen=- dsn=- n=1\n"
	    "[a] src=s dst=d2" TPL_DEFAULTS },
	{ "a template name with spaces", NULL,
	    "[template my web]\nsource = s\ndestination = d\n", 0, 0,
	    DEFAULTS_LINE(1) "[my web] src=s dst=d" TPL_DEFAULTS },
	{ "an empty template name", NULL,
	    "[template ]\nsource = s\ndestination = d\n", 0, -1,
	    "@:2: [template ]: needs a name: [template NAME]" },
	{ "[template] without a name", NULL, "[template]\nsource = s\n", 0, -1,
	    "@:2: [template]: needs a name: [template NAME]" },
	{ "[templater x]", NULL, "[templater x]\nwait = 1s\n" TPL_AB, 0, -1,
	    "@:2: [templater x]: unknown section" },
	{ "unknown section", NULL, "[nope]\nx = 1\n", 0, -1,
	    "@:2: [nope]: unknown section" },
	{ "key before any section", NULL, "source = s\n" TPL_AB, 0, -1,
	    "@:1: []: unknown section" },
	{ "unknown key in [templater]", NULL,
	    TPL_AB "[templater]\nconsul_adr = x\n", 0, -1,
	    "@:5: [templater] consul_adr: unknown key" },
	{ "unknown key in [template a]", NULL, TPL_AB "comand = true\n", 0, -1,
	    "@:4: [template a] comand: unknown key" },
	{ "the first error is reported", NULL, TPL_AB "bogus = 1\nperms = 9\n",
	    0, -1, "@:4: [template a] bogus: unknown key" },
	/* Values. */
	{ "bad duration", NULL, "[templater]\nmax_stale = 5x\n" TPL_AB, 0, -1,
	    "@:2: [templater] max_stale: expected a duration such as 30s, "
	    "1m30s or 250ms, not \"5x\"" },
	{ "negative duration", NULL, "[templater]\nonce_timeout = -1s\n" TPL_AB,
	    0, -1,
	    "@:2: [templater] once_timeout: expected a duration such as "
	    "30s, 1m30s or 250ms, not \"-1s\"" },
	{ "bad boolean", NULL, "[templater]\nonce = maybe\n" TPL_AB, 0, -1,
	    "@:2: [templater] once: expected true or false, not \"maybe\"" },
	{ "empty boolean", NULL, TPL_AB "backup =\n", 0, -1,
	    "@:4: [template a] backup: expected true or false, not \"\"" },
	{ "max_connections 0", NULL,
	    "[templater]\nmax_connections = 0\n" TPL_AB, 0, -1,
	    "@:2: [templater] max_connections: expected an integer from 1 "
	    "to 100000, not \"0\"" },
	{ "max_connections 100001", NULL,
	    "[templater]\nmax_connections = 100001\n" TPL_AB, 0, -1,
	    "@:2: [templater] max_connections: expected an integer from 1 "
	    "to 100000, not \"100001\"" },
	{ "bad wait", NULL, "[templater]\nwait = 1s:oops\n" TPL_AB, 0, -1,
	    "@:2: [templater] wait: wait 1s:oops: expected min[:max] as "
	    "durations (5s:20s)" },
	{ "wait max < min", NULL, TPL_AB "wait = 10s:5s\n", 0, -1,
	    "@:4: [template a] wait: wait 10s:5s: max is less than min" },
	{ "perms not octal", NULL, TPL_AB "perms = 644\n", 0, -1,
	    "@:4: [template a] perms: expected an octal mode such as 0644, "
	    "not \"644\"" },
	{ "perms 8", NULL, TPL_AB "perms = 08\n", 0, -1,
	    "@:4: [template a] perms: expected an octal mode such as 0644, "
	    "not \"08\"" },
	{ "command_timeout 0", NULL, TPL_AB "command_timeout = 0\n", 0, -1,
	    "@:4: [template a] command_timeout: expected a duration such "
	    "as 30s, not \"0\"" },
	{ "command_timeout bad", NULL, TPL_AB "command_timeout = soon\n", 0, -1,
	    "@:4: [template a] command_timeout: expected a duration such "
	    "as 30s, not \"soon\"" },
	{ "command not a list of strings", NULL, TPL_AB "command = [1]\n", 0,
	    -1,
	    "@:4: [template a] command: a list command must be a JSON list "
	    "of strings, the first not empty" },
	{ "empty command", NULL, TPL_AB "command =\n", 0, -1,
	    "@:4: [template a] command: empty command" },
	{ "empty check list", NULL, TPL_AB "check = []\n", 0, -1,
	    "@:4: [template a] check: a list command must be a JSON list "
	    "of 1 to 64 strings" },
	{ "empty string value", NULL, "[templater]\npid_file =\n" TPL_AB, 0, 0,
	    "addr=- token=- token_file=- wait=0:0 block=60000 stale=2000 "
	    "conns=50 once=0 dry=0 once_timeout=60000 log=info pid= "
	    "listen=- dsn=- n=1\n"
	    "[a] src=s dst=d" TPL_DEFAULTS },
	{ "booleans", NULL,
	    "[templater]\nonce = 1\ndry = off\n" TPL_AB
	    "backup = yes\nrefuse_empty = no\nerror_on_missing_key = on\n",
	    0, 0,
	    "addr=- token=- token_file=- wait=0:0 block=60000 stale=2000 "
	    "conns=50 once=1 dry=0 once_timeout=60000 log=info pid=- "
	    "listen=- dsn=- n=1\n"
	    "[a] src=s dst=d timeout=30000 wait=0:0:0 perms=keep backup=1 "
	    "delims=-,- missing_key=1 refuse_empty=0\n" },
	/* One level of quotes goes, except around commands and delimiters. */
	{ "quoted values", NULL,
	    "[templater]\nconsul_addr = \"127.0.0.1:1\"\n" TPL_AB
	    "command = \"/opt/my app/reload\" \"now\"\n"
	    "check = \"x\"\n",
	    0, 0,
	    "addr=127.0.0.1:1 token=- token_file=- wait=0:0 block=60000 "
	    "stale=2000 conns=50 once=0 dry=0 once_timeout=60000 log=info "
	    "pid=- listen=- dsn=- n=1\n"
	    "[a] src=s dst=d cmd=<\"/opt/my app/reload\" \"now\"> "
	    "check=<\"x\">" TPL_DEFAULTS },
	{ "quoted boolean", NULL, "[templater]\nonce = \"true\"\n" TPL_AB, 0, 0,
	    "addr=- token=- token_file=- wait=0:0 block=60000 stale=2000 "
	    "conns=50 once=1 dry=0 once_timeout=60000 log=info pid=- "
	    "listen=- dsn=- n=1\n"
	    "[a] src=s dst=d" TPL_DEFAULTS },
	{ "inline comments", NULL,
	    TPL_AB "command = a;b ; the rest is a comment\n", 0, 0,
	    DEFAULTS_LINE(1) "[a] src=s dst=d cmd=<a;b>" TPL_DEFAULTS },
	{ "CRLF line ends", NULL,
	    "[templater]\r\nwait = 1s\r\n[template a]\r\nsource = s\r\n"
	    "destination = d\r\n",
	    0, 0,
	    "addr=- token=- token_file=- wait=1000:4000 block=60000 "
	    "stale=2000 conns=50 once=0 dry=0 once_timeout=60000 log=info "
	    "pid=- listen=- dsn=- n=1\n"
	    "[a] src=s dst=d" TPL_DEFAULTS },
	{ "indented first key", NULL,
	    "[template a]\n  source = s\ndestination = d\n", 0, 0,
	    DEFAULTS_LINE(1) "[a] src=s dst=d" TPL_DEFAULTS },
	/* inih would read it as a second value of command. */
	{ "indented key after a key", NULL, TPL_AB "command = x\n  check = y\n",
	    0, -1,
	    "@:5: [template a] command: indented line read as a "
	    "continuation of command; do not indent keys" },
	{ "log level", NULL, "[templater]\nlog_level = loud\n" TPL_AB, 0, -1,
	    "log level loud: expected error, warn, info, debug or trace" },
	{ "block_query_wait below 1s", NULL,
	    "[templater]\nblock_query_wait = 500ms\n" TPL_AB, 0, -1,
	    "block-query-wait: must be from 1s to 10m" },
	{ "block_query_wait above 10m", NULL,
	    "[templater]\nblock_query_wait = 11m\n" TPL_AB, 0, -1,
	    "block-query-wait: must be from 1s to 10m" },
	/* Required keys. */
	{ "no source", NULL, "[template a]\ndestination = d\n", 0, -1,
	    "template a: no source" },
	{ "no destination", NULL, "[template a]\nsource = s\n", 0, -1,
	    "template a: no destination" },
	{ "no template", NULL, "[templater]\nwait = 1s\n", 0, -1,
	    "no template: give -template src:dst[:cmd] or [template NAME] "
	    "sections in -config" },
	{ "empty file", NULL, "", 0, -1,
	    "no template: give -template src:dst[:cmd] or [template NAME] "
	    "sections in -config" },
	/* Syntax and inih's limits. */
	{ "not key = value", NULL, TPL_AB "this is not ini\n", 0, -1,
	    "@:4: syntax error: expected [section] or key = value" },
	{ "unclosed section", NULL, "[template a\nsource = s\n", 0, -1,
	    "@:1: syntax error: expected [section] or key = value" },
	{ "198-byte line", NULL, TPL_AB "command = ~\n", 198 - 10, 0,
	    DEFAULTS_LINE(
		1) "[a] src=s dst=d "
		   "cmd=<xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxx>" TPL_DEFAULTS },
	{ "199-byte line", NULL, TPL_AB "command = ~\n", 199 - 10, 0,
	    DEFAULTS_LINE(
		1) "[a] src=s dst=d "
		   "cmd=<xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxx>" TPL_DEFAULTS },
	{ "200-byte line", NULL, TPL_AB "command = ~\n", 200 - 10, -1,
	    "@:4: line longer than 199 bytes" },
	{ "300-byte value", NULL, TPL_AB "command = ~\n", 290, -1,
	    "@:4: line longer than 199 bytes" },
	/* inih would read the rest of the line as another line. */
	{ "300-byte comment", NULL, TPL_AB "; ~\n", 298, -1,
	    "@:4: line longer than 199 bytes" },
	{ "300-byte comment ending in a key", NULL, TPL_AB "; ~ check = y\n",
	    190, -1, "@:4: line longer than 199 bytes" },
	/* Secrets never show in an error. */
	{ "a token under an unknown key", NULL,
	    TPL_AB "consul_token = s3cret\n", 0, -1,
	    "@:4: [template a] consul_token: unknown key" },
	{ "a token on a syntax error", NULL,
	    TPL_AB "[templater]\nconsul_token s3cret\n", 0, -1,
	    "@:5: syntax error: expected [section] or key = value" },
	{ "a dsn on a too long line", NULL,
	    TPL_AB "[templater]\nsentry_dsn = https://s3cret@~\n", 200, -1,
	    "@:5: line longer than 199 bytes" },
};

/* Writes text with '~' padded, returns the temporary file's path. */
static char *
write_case(const struct ini_case *c)
{
	char *path = strdup("/tmp/test_tplconfig.XXXXXX");
	const char *p;
	FILE *fp;
	int fd, i;

	fd = mkstemp(path);
	fp = fdopen(fd, "w");
	for (p = c->text; *p != '\0'; p++) {
		if (*p != '~') {
			fputc(*p, fp);
			continue;
		}
		for (i = 0; i < c->pad; i++)
			fputc('x', fp);
	}
	fclose(fp);
	return path;
}

static void
test_ini_table(void)
{
	static char got[8192];
	struct config cfg;
	char err[CONFIG_ERR_MAX];
	char *argv[2], *path;
	size_t i, n;
	int rc;

	unsetenv("CONSUL_HTTP_ADDR");
	unsetenv("CONSUL_HTTP_TOKEN");
	unsetenv("SENTRY_DSN");
	for (i = 0; i < sizeof(ini_cases) / sizeof(ini_cases[0]); i++) {
		const struct ini_case *c = &ini_cases[i];

		path = c->file != NULL ? strdup(c->file) : write_case(c);
		argv[0] = "-config";
		argv[1] = path;
		err[0] = '\0';
		rc = config_load(2, argv, &cfg, err, sizeof(err));
		n = strlen(path);
		if (rc == 0) {
			dump(&cfg, got, sizeof(got));
			config_free(&cfg);
		} else if (strncmp(err, path, n) == 0)
			(void)snprintf(got, sizeof(got), "@%s", err + n);
		else
			(void)snprintf(got, sizeof(got), "%s", err);
		T_CHECK(rc == c->rc, "%s: rc %d, want %d", c->what, rc, c->rc);
		T_CHECK(strcmp(got, c->want) == 0, "%s:\n got  %s\n want %s",
		    c->what, got, c->want);
		T_CHECK(strstr(err, "s3cret") == NULL, "%s: secret in %s",
		    c->what, err);
		if (c->file == NULL)
			unlink(path);
		free(path);
	}
}

/* Every flag that sets a [templater] key, none at its default. */
static void
test_every_flag(void)
{
	char *argv[] = { "-consul-addr", "10.0.0.1:8500", "--consul-token",
		"t0ken", "-wait=1s:2s", "-once", "-once-timeout", "5s", "--dry",
		"-max-stale", "0", "-max-connections=9", "-block-query-wait",
		"2m", "-log-level", "warn", "-pid-file", "/run/t.pid",
		"-listen", "127.0.0.1:9102", "-sentry-dsn",
		"https://k@s.example/1", "-template", "in.ctmpl:out:echo x",
		"-once=false", "-dry=true" };
	char err[CONFIG_ERR_MAX], got[2048];
	struct config cfg;

	unsetenv("CONSUL_HTTP_ADDR");
	unsetenv("CONSUL_HTTP_TOKEN");
	unsetenv("SENTRY_DSN");
	T_EQ_INT(config_load(sizeof(argv) / sizeof(argv[0]), argv, &cfg, err,
		     sizeof(err)),
	    0);
	dump(&cfg, got, sizeof(got));
	T_EQ_STR(got,
	    "addr=10.0.0.1:8500 token=t0ken token_file=- wait=1000:2000 "
	    "block=120000 stale=0 conns=9 once=0 dry=1 once_timeout=5000 "
	    "log=warn pid=/run/t.pid listen=127.0.0.1:9102 "
	    "dsn=https://k@s.example/1 n=1\n"
	    "[out] src=in.ctmpl dst=out cmd=<echo x>" TPL_DEFAULTS);
	config_free(&cfg);
}

/*
 * defaults < file < environment < flags, and the token file over every
 * other source of the token; -template flags come after the file's
 * templates.
 */
static void
test_precedence(void)
{
	char *path = write_ini("[templater]\n"
			       "consul_addr = ini:1\n"
			       "consul_token = ini-token\n"
			       "sentry_dsn = https://ini@s.example/1\n"
			       "max_stale = 5s\n" TPL_AB);
	char *tokf = write_ini("  file-token \n");
	char *file_only[] = { "-config", path };
	char *flags[] = { "-config", path, "-max-stale", "7s", "-template",
		"x:y", "-consul-addr=flag:1", "-consul-token", "flag-token",
		"-sentry-dsn", "https://flag@s.example/1" };
	char *tok_file[] = { "-config", path, "-consul-token", "flag-token",
		"-consul-token-file", tokf };
	char err[CONFIG_ERR_MAX];
	struct config cfg;

	unsetenv("CONSUL_HTTP_ADDR");
	unsetenv("CONSUL_HTTP_TOKEN");
	unsetenv("SENTRY_DSN");
	T_EQ_INT(config_load(2, file_only, &cfg, err, sizeof(err)), 0);
	T_EQ_STR(cfg.consul_addr, "ini:1");
	T_EQ_STR(cfg.consul_token, "ini-token");
	T_EQ_STR(cfg.sentry_dsn, "https://ini@s.example/1");
	T_EQ_INT(cfg.max_stale_ms, 5000);
	config_free(&cfg);

	setenv("CONSUL_HTTP_ADDR", "env:1", 1);
	setenv("CONSUL_HTTP_TOKEN", "env-token", 1);
	setenv("SENTRY_DSN", "https://env@s.example/1", 1);
	T_EQ_INT(config_load(2, file_only, &cfg, err, sizeof(err)), 0);
	T_EQ_STR(cfg.consul_addr, "env:1");
	T_EQ_STR(cfg.consul_token, "env-token");
	T_EQ_STR(cfg.sentry_dsn, "https://env@s.example/1");
	config_free(&cfg);

	T_EQ_INT(config_load(11, flags, &cfg, err, sizeof(err)), 0);
	T_EQ_STR(cfg.consul_addr, "flag:1");
	T_EQ_STR(cfg.consul_token, "flag-token");
	T_EQ_STR(cfg.sentry_dsn, "https://flag@s.example/1");
	T_EQ_INT(cfg.max_stale_ms, 7000);
	T_EQ_INT(cfg.ntemplates, 2);
	T_EQ_STR(TAILQ_FIRST(&cfg.templates)->name, "a");
	T_EQ_STR(TAILQ_LAST(&cfg.templates, config_templates)->name, "y");
	config_free(&cfg);

	T_EQ_INT(config_load(6, tok_file, &cfg, err, sizeof(err)), 0);
	T_EQ_STR(cfg.consul_token, "file-token");
	config_free(&cfg);

	/* An empty variable is unset, as Consul's own tools read it. */
	setenv("CONSUL_HTTP_ADDR", "", 1);
	T_EQ_INT(config_load(2, file_only, &cfg, err, sizeof(err)), 0);
	T_EQ_STR(cfg.consul_addr, "ini:1");
	config_free(&cfg);

	unsetenv("CONSUL_HTTP_ADDR");
	unsetenv("CONSUL_HTTP_TOKEN");
	unsetenv("SENTRY_DSN");
	unlink(path);
	unlink(tokf);
	free(path);
	free(tokf);
}

/* Flag errors name the flag; the exact text, as recorded. */
static void
test_flag_errors(void)
{
	static const struct {
		const char *flag, *value;
		int rc;
		const char *want;
	} cases[] = {
		{ "-wait", "1s:oops", -1,
		    "-wait: wait 1s:oops: expected min[:max] as durations "
		    "(5s:20s)" },
		{ "-max-connections", "0", -1,
		    "-max-connections: expected an integer from 1 to "
		    "100000, not \"0\"" },
		{ "-max-stale", "soon", -1,
		    "-max-stale: expected a duration such as 30s, 1m30s "
		    "or 250ms, not \"soon\"" },
		{ "-once=maybe", NULL, -1,
		    "-once: expected true or false, not \"maybe\"" },
		{ "-block-query-wait", "1h", -1,
		    "block-query-wait: must be from 1s to 10m" },
		{ "-log-level", "loud", -1,
		    "log level loud: expected error, warn, info, debug "
		    "or trace" },
		{ "-config", "/nonexistent/t.ini", -1,
		    "/nonexistent/t.ini: No such file or directory" },
		{ "-consul-token-file", "/nonexistent/token", -1,
		    "/nonexistent/token: No such file or directory" },
		{ "-template", "a:", -1,
		    "template a:: expected src:dst[:cmd]" },
		{ "-template", ":b", -1,
		    "template :b: expected src:dst[:cmd]" },
		{ "-template", "a:b:[1]", -1,
		    "a list command must be a JSON list of strings, the "
		    "first not empty" },
		{ "-wait", NULL, -2, "flag -wait needs a value" },
		{ "-nope", NULL, -2, "unknown flag -nope (see -help)" },
		{ "stray", NULL, -2, "unexpected argument stray" },
	};
	char *argv[5];
	char err[CONFIG_ERR_MAX];
	struct config cfg;
	size_t i;
	int argc, rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argc = 0;
		argv[argc++] = "-template";
		argv[argc++] = "s:d";
		argv[argc++] = (char *)cases[i].flag;
		if (cases[i].value != NULL)
			argv[argc++] = (char *)cases[i].value;
		argv[argc] = NULL;
		err[0] = '\0';
		rc = config_load(argc, argv, &cfg, err, sizeof(err));
		if (rc == 0)
			config_free(&cfg);
		T_CHECK(rc == cases[i].rc, "%s: rc %d, want %d", cases[i].flag,
		    rc, cases[i].rc);
		T_CHECK(strcmp(err, cases[i].want) == 0,
		    "%s:\n got  %s\n want %s", cases[i].flag, err,
		    cases[i].want);
	}
}

/*
 * Two templates may not write one file, however its path is spelled; the
 * error names both templates and both spellings.
 */
static void
test_same_destination(void)
{
	char dir[] = "/tmp/test_tplconfig.dst.XXXXXX";
	char err[CONFIG_ERR_MAX], ini[1024], *link, *file, *want;
	char *flags[] = { "-template", "s:x.conf", "-template",
		"s:missing/../x.conf", NULL };
	char *distinct[]
	    = { "-template", "s:x.conf", "-template", "s:y.conf", NULL };
	struct config cfg;
	char *cwd = getcwd(NULL, 0);

	T_NOT_NULL(mkdtemp(dir));
	T_EQ_INT(chdir(dir), 0);
	T_EQ_INT(config_load(4, flags, &cfg, err, sizeof(err)), -1);
	want = xasprintf("template x.conf (destination x.conf) and template "
			 "missing/../x.conf (destination missing/../x.conf) "
			 "write the same file %s/x.conf",
	    dir);
	T_EQ_STR(err, want);
	free(want);
	T_EQ_INT(config_load(4, distinct, &cfg, err, sizeof(err)), 0);
	config_free(&cfg);

	/* In the INI file; a link and the file it leads to also meet. */
	file = xasprintf("%s/real.conf", dir);
	link = xasprintf("%s/link.conf", dir);
	T_EQ_INT(symlink("real.conf", link), 0);
	fclose(fopen(file, "w"));
	snprintf(ini, sizeof(ini),
	    "[template a]\nsource = s\ndestination = %s\n"
	    "[template b]\nsource = s\ndestination = %s/./real.conf\n",
	    link, dir);
	T_EQ_INT(load(ini, &cfg, err, sizeof(err), NULL), -1);
	T_ASSERT(strstr(err, "template a (destination ") != NULL);
	T_ASSERT(strstr(err, "and template b (destination ") != NULL);
	T_ASSERT(strstr(err, "write the same file ") != NULL);
	T_EQ_INT(unlink(link), 0);
	T_EQ_INT(unlink(file), 0);
	T_EQ_INT(chdir(cwd), 0);
	T_EQ_INT(rmdir(dir), 0);
	free(cwd);
	free(file);
	free(link);
}

static void
test_flags(void)
{
	struct config cfg;
	char err[CONFIG_ERR_MAX];
	char *argv[] = { "--template", "a:b:c", "-once", "-wait=1s",
		"-consul-addr", "10.0.0.1:8500", "-dry=false", NULL };
	char *bad[] = { "-nope", NULL };
	char *help[] = { "--help", NULL };
	char *noval[] = { "-wait", NULL };

	setenv("CONSUL_HTTP_ADDR", "127.0.0.9:8500", 1);
	setenv("CONSUL_HTTP_TOKEN", "env-token", 1);
	T_EQ_INT(config_load(7, argv, &cfg, err, sizeof(err)), 0);
	T_EQ_STR(cfg.consul_addr, "10.0.0.1:8500"); /* flag > env */
	T_EQ_STR(cfg.consul_token, "env-token");
	T_ASSERT(cfg.once);
	T_ASSERT(!cfg.dry);
	T_EQ_INT(cfg.wait_max_ms, 4000);
	T_EQ_INT(cfg.max_stale_ms, 2000);
	T_EQ_STR(TAILQ_FIRST(&cfg.templates)->command->text, "c");
	config_free(&cfg);
	/* -help resolves every flag's row; a flag naming none is fatal. */
	T_EQ_INT(config_load(1, help, &cfg, err, sizeof(err)), 1);
	T_EQ_INT(config_load(1, bad, &cfg, err, sizeof(err)), -2);
	T_EQ_INT(config_load(1, noval, &cfg, err, sizeof(err)), -2);
	unsetenv("CONSUL_HTTP_ADDR");
	unsetenv("CONSUL_HTTP_TOKEN");
}

int
main(void)
{
	test_template_flag();
	test_wait();
	test_cmd();
	test_ini();
	test_ini_table();
	test_precedence();
	test_every_flag();
	test_flags();
	test_flag_errors();
	test_same_destination();
	return test_report();
}
