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

/* The one container asked for, once the listing has inspected it. */
static void
crash_cli_change(struct crash_cli *cli, const struct containers_change *ch)
{
	struct container *c;
	size_t n = strlen(cli->target);
	char err[REGISTRATOR_ERR_MAX];

	if (cli->found || ch->c == NULL)
		return;
	if (strcmp(ch->c->name, cli->target) != 0
	    && (n < 4 || strncmp(ch->c->id, cli->target, n) != 0))
		return;
	/* crash.c consumes the container: a copy of our own. */
	c = container_from_json(ch->inspect, err, sizeof(err));
	if (c == NULL)
		return;
	cli->found = true;
	crash_report(cli->crash, c, c->state.running);
}

static void
crash_cli_notify(const struct containers_note *n, void *arg)
{
	struct crash_cli *cli = arg;

	switch (n->what) {
	case CONTAINERS_READY:
		crash_ready(cli->crash, n->host_name);
		break;
	case CONTAINERS_CHANGE:
		crash_cli_change(cli, n->change);
		break;
	case CONTAINERS_LISTED:
		if (cli->found)
			break;
		log_warnx("no container named %s", cli->target);
		cli->status = 1;
		loop_stop(cli->loop);
		break;
	case CONTAINERS_ERROR:
		/* docker.c logged why; a one-shot command gives up at once. */
		cli->status = 1;
		loop_stop(cli->loop);
		break;
	case CONTAINERS_EVENT:
	case CONTAINERS_GONE:
	case CONTAINERS_LOST:
		break;
	}
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
	struct crash_cli cli;
	struct crash_config ccfg = *cfg;
	struct http *http = NULL;
	struct containers *table = NULL;
	struct docker *docker = NULL;
	char err[512];

	memset(&cli, 0, sizeof(cli));
	cli.target = container;
	cli.status = 1;
	cli.loop = loop_new();
	if (cli.loop == NULL)
		fatal("loop_new");
	http = http_new(cli.loop, CRASH_CLI_CONNECTIONS);
	table = containers_new();
	docker
	    = docker_new(cli.loop, http, table, docker_host, err, sizeof(err));
	if (docker == NULL) {
		log_warnx("%s", err);
		goto out;
	}
	ccfg.sink = crash_cli_print;
	ccfg.sink_arg = &cli;
	cli.crash
	    = crash_new(cli.loop, http, docker, table, NULL, NULL, NULL, &ccfg);
	containers_subscribe(table, crash_cli_notify, &cli);
	if (loop_signal_add(cli.loop, SIGINT, crash_cli_signal, &cli) == -1
	    || loop_signal_add(cli.loop, SIGTERM, crash_cli_signal, &cli) == -1)
		fatal("signals");
	docker_start(docker, false);
	if (loop_run(cli.loop) == -1)
		cli.status = 1;
out:
	crash_free(cli.crash);
	docker_free(docker);
	containers_free(table);
	http_free(http);
	loop_free(cli.loop);
	return cli.status;
}
