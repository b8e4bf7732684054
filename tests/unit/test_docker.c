/* SPDX-License-Identifier: MIT */
/*
 * docker.c: the DOCKER_HOST forms accepted (unix:// with an absolute
 * path, tcp://host:port) and refused, before any connection is made.
 */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "loop.h"

#include "registrator.h"
#include "test.h"

static void
accepted(struct loop *loop, struct http *http, struct containers *table,
    const char *host)
{
	struct docker *d;
	char err[1024] = "";

	d = docker_new(loop, http, table, host, err, sizeof(err));
	T_CHECK(d != NULL, "%s: refused: %s", host ? host : "(null)", err);
	if (d != NULL)
		T_EQ_STR(docker_api_version(d), "");
	docker_free(d);
}

static void
refused(struct loop *loop, struct http *http, struct containers *table,
    const char *host, const char *why)
{
	struct docker *d;
	char err[1024] = "";

	d = docker_new(loop, http, table, host, err, sizeof(err));
	T_CHECK(d == NULL, "%s: accepted", host);
	T_CHECK(strstr(err, why) != NULL, "%s: error \"%s\" lacks \"%s\"", host,
	    err, why);
	docker_free(d);
}

int
main(void)
{
	struct loop *loop;
	struct http *http;
	struct containers *table;
	char longpath[200];

	log_init("test_docker", LOG_LEVEL_ERROR, LOG_FORMAT_PLAIN);
	loop = loop_new();
	T_NOT_NULL(loop);
	http = http_new(loop, 4);
	T_NOT_NULL(http);
	table = containers_new();

	accepted(loop, http, table, NULL);
	accepted(loop, http, table, "");
	accepted(loop, http, table, "unix:///var/run/docker.sock");
	accepted(loop, http, table, "tcp://127.0.0.1:2375");

	refused(loop, http, table, "unix://docker.sock",
	    "absolute socket path");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	{
		char host[sizeof(longpath) + 16];

		(void)snprintf(host, sizeof(host), "unix://%s", longpath);
		refused(loop, http, table, host, "at most 107 bytes");
	}
	refused(loop, http, table, "tcp://", "expected tcp://host:port");
	refused(loop, http, table, "tcp://127.0.0.1:2375/v1.41",
	    "expected tcp://host:port");
	refused(loop, http, table, "npipe:////./pipe/docker_engine",
	    "only unix:// and tcp://");
	refused(loop, http, table, "ssh://user@host",
	    "only unix:// and tcp://");

	containers_free(table);
	http_free(http);
	loop_free(loop);
	return test_report();
}
