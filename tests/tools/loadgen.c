/* SPDX-License-Identifier: MIT */
/*
 * loadgen: constant HTTP/1.1 load against one IPv4 address, for the
 * cluster scenarios (tests/cluster/).  Requests start at a fixed rate, at
 * most CONC at once, each on its own connection with "Connection: close"
 * (keep-alive off: every request goes through connect and the proxy's
 * choice of upstream, so a dead upstream cannot hide behind an open
 * connection).  It stops after COUNT requests, after SECONDS, or on
 * SIGTERM/SIGINT, waits for the requests in flight (each has its own
 * timeout), and prints one line:
 *
 *	sent N ok N non2xx N sockerr N p50_ms X p99_ms X max_ms X
 *
 * ok counts 2xx answers; non2xx any other status; sockerr a connect error,
 * a reset, a timeout, or a close before a complete status line.  Latency
 * is from connect() to the server's close, over every request.  Each
 * failure (the first LOADGEN_FAIL_LOG_MAX) is written to stderr with its
 * time since the start.
 *
 *	loadgen [-r rate] [-c conc] [-n count] [-t seconds] [-T timeout_ms]
 *	    [-H host] ipv4:port [path]
 *
 * Exit status 0 when the run ended (whatever failed: the caller judges),
 * 2 on bad usage, 1 when a socket cannot be made.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "str.h"
#include "xmalloc.h"

#define LOADGEN_CONC_MAX 256
#define LOADGEN_COUNT_MAX 1000000 /* latencies kept, one per request */
#define LOADGEN_RATE_MAX 1000
#define LOADGEN_SECONDS_MAX 3600
#define LOADGEN_FAIL_LOG_MAX 100
#define LOADGEN_REQ_MAX 1024
#define LOADGEN_TICK_MS 1 /* pacing resolution: rates up to 1000/s */
#define LOADGEN_HEAD_MAX 32 /* bytes kept of the answer: the status line */

enum slot_state { SLOT_FREE, SLOT_CONNECTING, SLOT_SENDING, SLOT_READING };

struct slot {
	enum slot_state state;
	int fd;
	uint64_t started_us;
	size_t sent; /* request bytes written */
	char head[LOADGEN_HEAD_MAX + 1];
	size_t head_len;
};

struct loadgen {
	struct sockaddr_in addr;
	char req[LOADGEN_REQ_MAX];
	size_t req_len;
	uint64_t t0_us;
	uint64_t timeout_us;
	uint64_t sent, ok, non2xx, sockerr;
	uint64_t *lat_us; /* owned, LOADGEN_COUNT_MAX entries */
	uint64_t nlat;
	unsigned logged;
};

static volatile sig_atomic_t loadgen_stop;

static void
loadgen_signal(int signo)
{
	(void)signo;
	loadgen_stop = 1;
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
loadgen_fail(struct loadgen *lg, const char *what, const char *detail)
{
	if (lg->logged >= LOADGEN_FAIL_LOG_MAX)
		return;
	lg->logged++;
	fprintf(stderr, "loadgen: +%.3fs %s %s\n",
	    (double)(now_us() - lg->t0_us) / 1e6, what, detail);
}

/* Ends a request: counts it by what arrived, frees its slot. */
static void
slot_finish(struct loadgen *lg, struct slot *s, int err)
{
	uint64_t lat = now_us() - s->started_us;
	int status = 0;

	s->head[s->head_len] = '\0';
	if (err == 0 && s->head_len >= 12
	    && strncmp(s->head, "HTTP/1.", 7) == 0)
		status = (s->head[9] - '0') * 100 + (s->head[10] - '0') * 10
		    + (s->head[11] - '0');
	if (status >= 200 && status < 300)
		lg->ok++;
	else if (status > 0) {
		char code[16];

		lg->non2xx++;
		snprintf(code, sizeof(code), "%d", status);
		loadgen_fail(lg, "status", code);
	} else {
		lg->sockerr++;
		loadgen_fail(lg, "socket",
		    err != 0 ? strerror(err) : "closed before a status line");
	}
	if (lg->nlat < LOADGEN_COUNT_MAX)
		lg->lat_us[lg->nlat++] = lat;
	close(s->fd);
	s->fd = -1;
	s->state = SLOT_FREE;
}

static int
slot_start(struct loadgen *lg, struct slot *s)
{
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd == -1)
		return -1;
	s->started_us = now_us();
	s->sent = 0;
	s->head_len = 0;
	lg->sent++;
	if (connect(s->fd, (struct sockaddr *)&lg->addr, sizeof(lg->addr)) == 0)
		s->state = SLOT_SENDING;
	else if (errno == EINPROGRESS)
		s->state = SLOT_CONNECTING;
	else {
		s->state = SLOT_CONNECTING;
		slot_finish(lg, s, errno);
	}
	return 0;
}

/* Moves a slot on after poll() reported events on it. */
static void
slot_step(struct loadgen *lg, struct slot *s, short revents)
{
	char buf[4096];
	ssize_t n;
	int err = 0;
	socklen_t len = sizeof(err);

	if (s->state == SLOT_CONNECTING) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			slot_finish(lg, s, err);
			return;
		}
		s->state = SLOT_SENDING;
	}
	if (s->state == SLOT_SENDING && (revents & (POLLOUT | POLLERR))) {
		n = send(s->fd, lg->req + s->sent, lg->req_len - s->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN) {
			slot_finish(lg, s, errno);
			return;
		}
		if (n > 0)
			s->sent += (size_t)n;
		if (s->sent == lg->req_len)
			s->state = SLOT_READING;
		return;
	}
	if (s->state == SLOT_READING
	    && (revents & (POLLIN | POLLHUP | POLLERR))) {
		n = recv(s->fd, buf, sizeof(buf), 0);
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1) {
			/* A reset after a complete status line is an answer. */
			slot_finish(lg, s, s->head_len >= 12 ? 0 : errno);
			return;
		}
		if (n == 0) {
			slot_finish(lg, s, 0);
			return;
		}
		if (s->head_len < LOADGEN_HEAD_MAX) {
			size_t k = (size_t)n;

			if (k > LOADGEN_HEAD_MAX - s->head_len)
				k = LOADGEN_HEAD_MAX - s->head_len;
			memcpy(s->head + s->head_len, buf, k);
			s->head_len += k;
		}
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_ms(const struct loadgen *lg, unsigned pct)
{
	uint64_t i;

	if (lg->nlat == 0)
		return 0;
	i = (lg->nlat * pct + 99) / 100;
	if (i > 0)
		i--;
	return (double)lg->lat_us[i] / 1000.0;
}

static long long
num_arg(const char *s, long long min, long long max, const char *what)
{
	long long v;

	if (str_to_ll(s, min, max, &v) == -1) {
		fprintf(stderr, "loadgen: %s %s: expected %lld to %lld\n", what,
		    s, min, max);
		exit(2);
	}
	return v;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen [-r rate] [-c conc] [-n count] [-t seconds] "
	    "[-T timeout_ms] [-H host] ipv4:port [path]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct loadgen lg = { 0 };
	struct slot slots[LOADGEN_CONC_MAX];
	struct pollfd pfd[LOADGEN_CONC_MAX];
	int idx[LOADGEN_CONC_MAX];
	long long rate = 100, conc = 16, count = 1000, seconds = 60;
	long long timeout_ms = 5000, port;
	const char *host = "cluster.test", *path = "/";
	char ip[64];
	const char *colon;
	uint64_t next_us, step_us, end_us, now;
	int ch, i, n, np, ret = 1;
	bool starting = true;

	while ((ch = getopt(argc, argv, "r:c:n:t:T:H:")) != -1) {
		switch (ch) {
		case 'r':
			rate = num_arg(optarg, 1, LOADGEN_RATE_MAX, "-r");
			break;
		case 'c':
			conc = num_arg(optarg, 1, LOADGEN_CONC_MAX, "-c");
			break;
		case 'n':
			count = num_arg(optarg, 1, LOADGEN_COUNT_MAX, "-n");
			break;
		case 't':
			seconds = num_arg(optarg, 1, LOADGEN_SECONDS_MAX, "-t");
			break;
		case 'T':
			timeout_ms = num_arg(optarg, 1, 600000, "-T");
			break;
		case 'H':
			host = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		usage();
	if (argc == 2)
		path = argv[1];
	colon = strrchr(argv[0], ':');
	if (colon == NULL || (size_t)(colon - argv[0]) >= sizeof(ip))
		usage();
	memcpy(ip, argv[0], (size_t)(colon - argv[0]));
	ip[colon - argv[0]] = '\0';
	port = num_arg(colon + 1, 1, 65535, "port");
	lg.addr.sin_family = AF_INET;
	lg.addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &lg.addr.sin_addr) != 1) {
		fprintf(stderr, "loadgen: %s: not an IPv4 address\n", ip);
		return 2;
	}
	n = snprintf(lg.req, sizeof(lg.req),
	    "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: loadgen\r\n"
	    "Connection: close\r\n\r\n",
	    path, host);
	if (n < 0 || (size_t)n >= sizeof(lg.req)) {
		fprintf(stderr, "loadgen: path or host too long\n");
		return 2;
	}
	lg.req_len = (size_t)n;
	lg.timeout_us = (uint64_t)timeout_ms * 1000;
	lg.lat_us = xcalloc((size_t)count, sizeof(*lg.lat_us));
	signal(SIGTERM, loadgen_signal);
	signal(SIGINT, loadgen_signal);
	for (i = 0; i < conc; i++) {
		slots[i].state = SLOT_FREE;
		slots[i].fd = -1;
	}
	lg.t0_us = now_us();
	next_us = lg.t0_us;
	step_us = 1000000 / (uint64_t)rate;
	end_us = lg.t0_us + (uint64_t)seconds * 1000000;
	for (;;) {
		now = now_us();
		if (loadgen_stop || now >= end_us || lg.sent >= (uint64_t)count)
			starting = false;
		np = 0;
		for (i = 0; i < conc; i++) {
			struct slot *s = &slots[i];

			if (s->state == SLOT_FREE && starting && now >= next_us
			    && lg.sent < (uint64_t)count) {
				if (slot_start(&lg, s) == -1) {
					perror("loadgen: socket");
					goto out;
				}
				/* A backlog is not made up in a burst. */
				next_us = next_us + step_us > now
				    ? next_us + step_us
				    : now;
			}
			if (s->state != SLOT_FREE
			    && s->started_us + lg.timeout_us < now)
				slot_finish(&lg, s, ETIMEDOUT);
			if (s->state == SLOT_FREE)
				continue;
			pfd[np].fd = s->fd;
			pfd[np].events
			    = s->state == SLOT_READING ? POLLIN : POLLOUT;
			pfd[np].revents = 0;
			idx[np++] = i;
		}
		if (!starting && np == 0)
			break;
		/* Wakes for the next start, the timeouts and the stop flag. */
		if (poll(pfd, (nfds_t)np, LOADGEN_TICK_MS) == -1
		    && errno != EINTR) {
			perror("loadgen: poll");
			goto out;
		}
		for (i = 0; i < np; i++)
			if (pfd[i].revents != 0)
				slot_step(&lg, &slots[idx[i]], pfd[i].revents);
	}
	qsort(lg.lat_us, (size_t)lg.nlat, sizeof(*lg.lat_us), cmp_u64);
	printf("sent %llu ok %llu non2xx %llu sockerr %llu p50_ms %.1f "
	       "p99_ms %.1f max_ms %.1f\n",
	    (unsigned long long)lg.sent, (unsigned long long)lg.ok,
	    (unsigned long long)lg.non2xx, (unsigned long long)lg.sockerr,
	    pct_ms(&lg, 50), pct_ms(&lg, 99), pct_ms(&lg, 100));
	fflush(stdout);
	ret = 0;
out:
	free(lg.lat_us);
	return ret;
}
