/* SPDX-License-Identifier: MIT */
/*
 * rename_watch: the clock side of the change-to-file benchmark
 * (tests/bench/change_latency.sh).  It watches one directory with inotify
 * and, for every file renamed into it or closed after writing, prints one
 * line "<unix seconds>.<microseconds> <event> <name>" on stdout, flushed
 * at once, so that the driver can pair a Consul change with the moment
 * the new file went live.  It stops after a count of events, after a
 * number of seconds, or when its stdin closes, whichever comes first.
 *
 * Usage: rename_watch DIR MAX_EVENTS TIMEOUT_SECONDS
 */
#include <sys/inotify.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RENAME_WATCH_BUF (64 * (sizeof(struct inotify_event) + NAME_MAX + 1))

static long
rename_watch_arg(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0) {
		fprintf(stderr, "rename_watch: bad %s \"%s\"\n", what, s);
		exit(2);
	}
	return v;
}

static int64_t
rename_watch_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Prints one event; returns 1 when it counts, else 0. */
static int
rename_watch_print(const struct inotify_event *ev)
{
	struct timespec ts;
	const char *what;

	if (ev->mask & IN_MOVED_TO)
		what = "moved_to";
	else if (ev->mask & IN_CLOSE_WRITE)
		what = "close_write";
	else
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	printf("%lld.%06ld %s %s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000,
	    what, ev->len > 0 ? ev->name : "");
	fflush(stdout);
	return 1;
}

int
main(int argc, char **argv)
{
	char buf[RENAME_WATCH_BUF]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd pfd[2];
	const struct inotify_event *ev;
	long max_events, timeout_s, seen = 0;
	int64_t deadline, left;
	ssize_t n;
	char *p;
	int fd, rc = 1;

	if (argc != 4) {
		fprintf(stderr,
		    "usage: rename_watch DIR MAX_EVENTS "
		    "TIMEOUT_SECONDS\n");
		return 2;
	}
	max_events = rename_watch_arg(argv[2], "event count");
	timeout_s = rename_watch_arg(argv[3], "timeout");
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd == -1
	    || inotify_add_watch(fd, argv[1], IN_MOVED_TO | IN_CLOSE_WRITE)
		== -1) {
		fprintf(stderr, "rename_watch: %s: %s\n", argv[1],
		    strerror(errno));
		return 1;
	}
	/* Tell the driver the watch is in place. */
	printf("ready\n");
	fflush(stdout);
	deadline = rename_watch_mono_ms() + (int64_t)timeout_s * 1000;
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = STDIN_FILENO;
	pfd[1].events = POLLIN;
	while (seen < max_events) {
		left = deadline - rename_watch_mono_ms();
		if (left <= 0) {
			rc = 0;
			goto out;
		}
		if (poll(pfd, 2, left > INT_MAX ? INT_MAX : (int)left) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "rename_watch: poll: %s\n",
			    strerror(errno));
			goto out;
		}
		if (pfd[1].revents != 0) {
			rc = 0;
			goto out;
		}
		if ((pfd[0].revents & POLLIN) == 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "rename_watch: read: %s\n",
			    strerror(errno));
			goto out;
		}
		for (p = buf; p < buf + n;
		     p += sizeof(struct inotify_event) + ev->len) {
			ev = (const struct inotify_event *)(void *)p;
			seen += rename_watch_print(ev);
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}
