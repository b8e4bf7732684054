/* SPDX-License-Identifier: MIT */
/*
 * The event loop: one per daemon, on epoll (in the spirit of redis's ae.c,
 * with libuv's timer heap).  It watches file descriptors, runs timers from
 * a min-heap, delivers signals through signalfd as ordinary events, and
 * calls before-poll hooks once per turn, after every ready event has been
 * handled: that is where coalesced work (a reconcile pass, re-rendering
 * dirty templates) runs.
 *
 * Time is milliseconds of CLOCK_MONOTONIC in uint64_t.  Timers are embedded
 * in, and owned by, the object that uses them; the loop never allocates or
 * frees them.  Nothing here runs in signal context.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct loop_timer;

#define LOOP_READ	0x1
#define LOOP_WRITE	0x2

typedef void loop_fd_cb(struct loop *loop, int fd, unsigned events, void *arg);
typedef void loop_timer_cb(struct loop *loop, struct loop_timer *timer,
    void *arg);
typedef void loop_signal_cb(struct loop *loop, int signo, void *arg);
typedef void loop_hook_cb(struct loop *loop, void *arg);

/* Embedded in its owner; fields are private to loop.c. */
struct loop_timer {
	uint64_t	 due_ms;
	size_t		 heap_index;	/* SIZE_MAX when not scheduled */
	loop_timer_cb	*cb;
	void		*arg;
};

/* Returns a new loop (free with loop_free), or NULL if epoll fails. */
struct loop	*loop_new(void);
/* Closes the loop's own fds; watchers still registered are dropped. */
void		 loop_free(struct loop *loop);

/*
 * Watches fd for events (LOOP_READ | LOOP_WRITE); calling it again for the
 * same fd replaces events, cb and arg.  Errors and hang-ups are reported
 * as LOOP_READ so the callback sees them through read(2).  The fd stays
 * the caller's.  Returns 0, or -1 with errno set.
 */
int		 loop_fd_add(struct loop *loop, int fd, unsigned events,
		    loop_fd_cb *cb, void *arg);
/* Stops watching fd; safe to call from inside fd's own callback. */
void		 loop_fd_del(struct loop *loop, int fd);

void		 loop_timer_init(struct loop_timer *timer, loop_timer_cb *cb,
		    void *arg);
/* (Re)schedules timer to fire once, delay_ms from now. */
void		 loop_timer_start(struct loop *loop, struct loop_timer *timer,
		    uint64_t delay_ms);
/* Unschedules timer; a no-op if it is not scheduled. */
void		 loop_timer_stop(struct loop *loop, struct loop_timer *timer);
bool		 loop_timer_active(const struct loop_timer *timer);

/*
 * Delivers signo through signalfd: the signal is blocked for the process
 * and cb runs from the loop.  One callback per signal.  SIGCHLD is meant
 * for proc.c, which reaps with waitpid(WNOHANG).  Returns 0 or -1.
 */
int		 loop_signal_add(struct loop *loop, int signo, loop_signal_cb *cb,
		    void *arg);

/* Adds a hook run before each poll; hooks run in the order added. */
void		 loop_hook_add(struct loop *loop, loop_hook_cb *cb, void *arg);
void		 loop_hook_del(struct loop *loop, loop_hook_cb *cb, void *arg);

/* Runs until loop_stop(); returns 0, or -1 if epoll_wait fails. */
int		 loop_run(struct loop *loop);
/* Makes loop_run() return after the current turn. */
void		 loop_stop(struct loop *loop);
bool		 loop_stopping(const struct loop *loop);

/* The time cached at the start of this turn; cheap. */
uint64_t	 loop_now_ms(const struct loop *loop);
/* Reads CLOCK_MONOTONIC now. */
uint64_t	 mono_ms(void);
/* Number of wake-ups from epoll_wait so far, for idle-CPU measurements. */
uint64_t	 loop_wakeups(const struct loop *loop);

#endif
