/* SPDX-License-Identifier: MIT */
/*
 * idle_clients: holds COUNT idle TCP connections against a server, for
 * tests/regress/httpd_flood.sh.  Each connection sends nothing; when the
 * server closes one (a deadline, an eviction), it is opened again at once,
 * so COUNT connections keep pressing on the server the way an attacker
 * would hold them.  A connect that fails is retried after
 * IDLE_RETRY_MS.
 *
 *	idle_clients [-n count] ipv4-address:port
 *
 * Prints "connected COUNT" on stdout once every connection has been
 * established at least once, and on SIGTERM or SIGINT one line
 * "connects N closed_by_server N connect_errors N", then exits 0.  Exit
 * status 1 when a socket cannot be made (raise ulimit -n), 2 on bad usage.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "str.h"
#include "xmalloc.h"

#define IDLE_COUNT_MAX 100000
#define IDLE_RETRY_MS 100

struct idle_conn {
	struct idle *idle;
	int fd;
	bool ever_connected;
	struct loop_timer retry;
};

struct idle {
	struct loop *loop;
	struct sockaddr_in sin;
	struct idle_conn *conns;
	long long count;
	long long ever_connected;
	unsigned long long connects;
	unsigned long long closed_by_server;
	unsigned long long connect_errors;
	int status;
};

static void idle_open(struct idle_conn *c);

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: idle_clients [-n count] ipv4-address:port\n");
	exit(2);
}

static void
idle_close(struct idle_conn *c)
{
	if (c->fd == -1)
		return;
	loop_fd_del(c->idle->loop, c->fd);
	close(c->fd);
	c->fd = -1;
}

static void
idle_retry_later(struct idle_conn *c)
{
	idle_close(c);
	c->idle->connect_errors++;
	loop_timer_start(c->idle->loop, &c->retry, IDLE_RETRY_MS);
}

/* Readable: the server closed the connection (or answered, then closed). */
static void
idle_readable(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct idle_conn *c = arg;
	char sink[512];
	ssize_t n;

	(void)loop;
	(void)events;
	n = recv(fd, sink, sizeof(sink), 0);
	if (n > 0 || (n == -1 && (errno == EAGAIN || errno == EINTR)))
		return;
	c->idle->closed_by_server++;
	idle_close(c);
	idle_open(c);
}

static void
idle_connected(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct idle_conn *c = arg;
	struct idle *idle = c->idle;
	socklen_t len = sizeof(int);
	int soerr = 0;

	(void)events;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1
	    || soerr != 0) {
		idle_retry_later(c);
		return;
	}
	idle->connects++;
	if (!c->ever_connected) {
		c->ever_connected = true;
		if (++idle->ever_connected == idle->count) {
			printf("connected %lld\n", idle->count);
			fflush(stdout);
		}
	}
	if (loop_fd_add(loop, fd, LOOP_READ, idle_readable, c) == -1)
		idle_retry_later(c);
}

static void
idle_open(struct idle_conn *c)
{
	struct idle *idle = c->idle;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		log_warn("socket (raise ulimit -n)");
		idle->status = 1;
		loop_stop(idle->loop);
		return;
	}
	if (connect(c->fd, (struct sockaddr *)&idle->sin, sizeof(idle->sin))
		== -1
	    && errno != EINPROGRESS) {
		idle_retry_later(c);
		return;
	}
	if (loop_fd_add(idle->loop, c->fd, LOOP_WRITE, idle_connected, c) == -1)
		idle_retry_later(c);
}

static void
idle_retry(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	idle_open(arg);
}

static void
idle_signal(struct loop *loop, int signo, void *arg)
{
	(void)signo;
	(void)arg;
	loop_stop(loop);
}

/* "a.b.c.d:port" into sin. */
static int
idle_parse_addr(char *s, struct sockaddr_in *sin)
{
	char *colon = strrchr(s, ':');
	long long port;

	if (colon == NULL || str_to_ll(colon + 1, 1, 65535, &port) == -1)
		return -1;
	*colon = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, s, &sin->sin_addr) == 1 ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	struct idle idle = { .count = 16 };
	long long i;
	int ch;

	log_init("idle_clients", LOG_LEVEL_INFO, LOG_FORMAT_PLAIN);
	while ((ch = getopt(argc, argv, "n:")) != -1) {
		switch (ch) {
		case 'n':
			if (str_to_ll(optarg, 1, IDLE_COUNT_MAX, &idle.count)
			    == -1)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1
	    || idle_parse_addr(argv[optind], &idle.sin) == -1)
		usage();
	if ((idle.loop = loop_new()) == NULL)
		fatal("loop_new");
	if (loop_signal_add(idle.loop, SIGTERM, idle_signal, NULL) == -1
	    || loop_signal_add(idle.loop, SIGINT, idle_signal, NULL) == -1)
		fatal("signals");
	idle.conns = xcalloc((size_t)idle.count, sizeof(*idle.conns));
	for (i = 0; i < idle.count; i++) {
		idle.conns[i].idle = &idle;
		idle.conns[i].fd = -1;
		loop_timer_init(&idle.conns[i].retry, idle_retry,
		    &idle.conns[i]);
	}
	for (i = 0; i < idle.count && idle.status == 0; i++)
		idle_open(&idle.conns[i]);
	if (idle.status == 0 && loop_run(idle.loop) == -1)
		idle.status = 1;
	printf("connects %llu closed_by_server %llu connect_errors %llu\n",
	    idle.connects, idle.closed_by_server, idle.connect_errors);
	for (i = 0; i < idle.count; i++) {
		loop_timer_stop(idle.loop, &idle.conns[i].retry);
		idle_close(&idle.conns[i]);
	}
	free(idle.conns);
	loop_free(idle.loop);
	return idle.status;
}
