/* SPDX-License-Identifier: MIT */
/*
 * `registrator crash-event CONTAINER`: the report crash.c would send for
 * one container, made on demand and printed instead of sent, so that an
 * operator sees what a crash of it would tell Sentry (and what the label
 * allow-list lets through) without crashing it.  It runs docker.c and
 * crash.c on a loop of its own: the listing finds the container by name,
 * ID or ID prefix, and crash.c samples it (while it runs), reads its logs
 * and builds the event, which is printed as indented JSON on stdout.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "sentry.h"
#include "xmalloc.h"

#include "registrator.h"

/* Connections to the Engine: one listing, then one container's requests. */
#define CRASH_CLI_CONNECTIONS 4

struct crash_cli {
	struct loop *loop;
	struct crash *crash;
	const char *target; /* name, ID or ID prefix (argv's) */
	bool found;
	int status;
};

/* The sink of the one report: printed the way it would be sent. */
static void
crash_cli_print(struct sentry_event *ev, const struct container *c, void *arg)
{
	struct crash_cli *cli = arg;
	struct buf out = BUF_INITIALIZER(SENTRY_EVENT_MAX * 2);
	char err[SENTRY_ERR_MAX];
	cJSON *doc;
	char *text;

	if (sentry_event_serialize(ev, &out, err, sizeof(err)) == -1) {
		log_warnx("container %s: event: %s", c->name, err);
		cli->status = 1;
	} else {
		doc = cJSON_ParseWithLength(out.data, out.len);
		text = doc != NULL ? cJSON_Print(doc) : NULL;
		(void)printf("%s\n", text != NULL ? text : buf_str(&out));
		free(text);
		cJSON_Delete(doc);
		cli->status = 0;
	}
	sentry_event_free(ev);
	buf_clear(&out);
	loop_stop(cli->loop);
}

static void
crash_cli_ready(const char *host_name, void *arg)
{
	struct crash_cli *cli = arg;

	crash_ready(cli->crash, host_name);
}

static void
crash_cli_change(const struct docker_change *ch, void *arg)
{
	struct crash_cli *cli = arg;
	struct container *c;
	size_t n = strlen(cli->target);
	char err[REGISTRATOR_ERR_MAX];

	if (cli->found || ch->inspect == NULL)
		return;
	c = container_from_json(ch->inspect, err, sizeof(err));
	if (c == NULL)
		return;
	if (strcmp(c->name, cli->target) == 0
	    || (n >= 4 && strncmp(c->id, cli->target, n) == 0)) {
		cli->found = true;
		crash_report(cli->crash, c, c->state.running);
		return;
	}
	container_free(c);
}

static void
crash_cli_listed(const char *const *ids, size_t nids, void *arg)
{
	struct crash_cli *cli = arg;

	(void)ids;
	(void)nids;
	if (cli->found)
		return;
	log_warnx("no container named %s", cli->target);
	cli->status = 1;
	loop_stop(cli->loop);
}

static void
crash_cli_error(void *arg)
{
	struct crash_cli *cli = arg;

	/* docker.c logged why; a one-shot command gives up at once. */
	cli->status = 1;
	loop_stop(cli->loop);
}

static void
crash_cli_signal(struct loop *loop, int signo, void *arg)
{
	struct crash_cli *cli = arg;

	(void)signo;
	cli->status = 1;
	loop_stop(loop);
}

int
crash_cli_main(const char *docker_host, const char *container,
    const struct crash_config *cfg)
{
	static const struct docker_cbs cbs = {
		.ready = crash_cli_ready,
		.change = crash_cli_change,
		.listed = crash_cli_listed,
		.error = crash_cli_error,
	};
	struct crash_cli cli;
	struct crash_config ccfg = *cfg;
	struct http *http = NULL;
	struct docker *docker = NULL;
	char err[512];

	memset(&cli, 0, sizeof(cli));
	cli.target = container;
	cli.status = 1;
	cli.loop = loop_new();
	if (cli.loop == NULL)
		fatal("loop_new");
	http = http_new(cli.loop, CRASH_CLI_CONNECTIONS);
	docker = docker_new(cli.loop, http, docker_host, err, sizeof(err));
	if (docker == NULL) {
		log_warnx("%s", err);
		goto out;
	}
	ccfg.sink = crash_cli_print;
	ccfg.sink_arg = &cli;
	cli.crash = crash_new(cli.loop, http, docker, NULL, NULL, NULL, &ccfg);
	if (loop_signal_add(cli.loop, SIGINT, crash_cli_signal, &cli) == -1
	    || loop_signal_add(cli.loop, SIGTERM, crash_cli_signal, &cli) == -1)
		fatal("signals");
	docker_start(docker, false, &cbs, &cli);
	if (loop_run(cli.loop) == -1)
		cli.status = 1;
out:
	crash_free(cli.crash);
	docker_free(docker);
	http_free(http);
	loop_free(cli.loop);
	return cli.status;
}
