/* SPDX-License-Identifier: MIT */
/*
 * The templater's configuration: -template splitting (extra colons belong
 * to the command), -wait defaults, command forms, INI sections with
 * file:line errors, and the flag > environment > file precedence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "templater.h"
#include "test.h"

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
	T_ASSERT(strstr(err, ":3: unknown key bogus in [template x]") != NULL);
	T_EQ_INT(load("[templater]\n\nwait = 1s:oops\n", &cfg, err, sizeof(err),
		     NULL),
	    -1);
	T_ASSERT(strstr(err, ":3: wait") != NULL);
	T_EQ_INT(load("[nope]\nx = 1\n", &cfg, err, sizeof(err), NULL), -1);
	T_ASSERT(strstr(err, ":2: unknown section [nope]") != NULL);
	T_EQ_INT(load("[templater]\nthis is not ini\n", &cfg, err, sizeof(err),
		     NULL),
	    -1);
	T_ASSERT(strstr(err, ":2: syntax error") != NULL);
	T_EQ_INT(
	    load("[template x]\nperms = 644\n", &cfg, err, sizeof(err), NULL),
	    -1);
	T_ASSERT(strstr(err, ":2: perms") != NULL);
	/* A template without destination is refused. */
	T_EQ_INT(
	    load("[template x]\nsource = a\n", &cfg, err, sizeof(err), NULL),
	    -1);
	T_ASSERT(strstr(err, "no destination") != NULL);
}

static void
test_flags(void)
{
	struct config cfg;
	char err[CONFIG_ERR_MAX];
	char *argv[] = { "--template", "a:b:c", "-once", "-wait=1s",
		"-consul-addr", "10.0.0.1:8500", "-dry=false", NULL };
	char *bad[] = { "-nope", NULL };
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
	test_flags();
	return test_report();
}
