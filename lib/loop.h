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
struct metrics;

#define LOOP_READ 0x1
#define LOOP_WRITE 0x2
/*
 * With LOOP_READ or LOOP_WRITE: the watcher is also served by
 * loop_poll_urgent, from inside a long computation (a template render).
 * Its callback must then not touch what that computation uses; the
 * signalfd and the HTTP server's sockets are urgent.
 */
#define LOOP_URGENT 0x4

typedef void loop_fd_cb(struct loop *loop, int fd, unsigned events, void *arg);
typedef void loop_timer_cb(struct loop *loop, struct loop_timer *timer,
    void *arg);
typedef void loop_signal_cb(struct loop *loop, int signo, void *arg);
typedef void loop_hook_cb(struct loop *loop, void *arg);

/* Embedded in its owner; fields are private to loop.c. */
struct loop_timer {
	uint64_t due_ms;
	size_t heap_index; /* SIZE_MAX when not scheduled */
	uint64_t seq; /* start order, breaks ties in due_ms */
	loop_timer_cb *cb;
	void *arg;
};

/* Returns a new loop (free with loop_free), or NULL if epoll fails. */
struct loop *loop_new(void);
/*
 * Closes the loop's own fds; watchers still registered are dropped (free
 * their owners, an http client for example, first).  Signals added with
 * loop_signal_add() stay blocked.  NULL is a no-op.
 */
void loop_free(struct loop *loop);

/*
 * Watches fd for events (LOOP_READ | LOOP_WRITE); calling it again for the
 * same fd replaces events, cb and arg.  Errors and hang-ups are reported
 * as LOOP_READ so the callback sees them through read(2).  The fd stays
 * the caller's.  Returns 0, or -1 with errno set.
 */
int loop_fd_add(struct loop *loop, int fd, unsigned events, loop_fd_cb *cb,
    void *arg);
/*
 * Stops watching fd; safe to call from inside any callback, fd's own
 * included: an event already reported for fd in this turn is dropped, even
 * if fd is closed and reused by a new watcher before it would be delivered.
 * Unknown fds are ignored.
 */
void loop_fd_del(struct loop *loop, int fd);

void loop_timer_init(struct loop_timer *timer, loop_timer_cb *cb, void *arg);
/*
 * (Re)schedules timer to fire once, delay_ms after loop_now_ms().  The
 * timer is unscheduled before its callback runs, so the callback may start
 * it again, stop it, or free its owner.  A timer started from a timer
 * callback fires on the next turn at the earliest, even with delay 0.
 * Timers due at the same time fire in the order they were started.
 */
void loop_timer_start(struct loop *loop, struct loop_timer *timer,
    uint64_t delay_ms);
/* Unschedules timer; a no-op if it is not scheduled. */
void loop_timer_stop(struct loop *loop, struct loop_timer *timer);
bool loop_timer_active(const struct loop_timer *timer);

/*
 * Delivers signo through signalfd: the signal is blocked for the process
 * and cb runs from the loop.  One callback per signal.  SIGCHLD is meant
 * for proc.c, which reaps with waitpid(WNOHANG).  Returns 0 or -1.
 * The blocked mask is inherited across fork and execve: a child must
 * restore it (sigprocmask) before exec.  Adding signo again replaces cb.
 */
int loop_signal_add(struct loop *loop, int signo, loop_signal_cb *cb,
    void *arg);

/*
 * Adds a hook run once per turn, after the timers and before the loop
 * sleeps; hooks run in the order added.  A hook added from a hook first
 * runs on the next turn.  loop_hook_del() removes the first hook matching
 * cb and arg and is safe from inside any hook.
 */
void loop_hook_add(struct loop *loop, loop_hook_cb *cb, void *arg);
void loop_hook_del(struct loop *loop, loop_hook_cb *cb, void *arg);

/*
 * Runs until loop_stop(); returns 0, or -1 (logged) if epoll_wait fails.
 * Each call starts afresh: a loop_stop() made before loop_run() is ignored.
 * With no timer scheduled and no fd ready it sleeps without waking up.
 */
int loop_run(struct loop *loop);
/*
 * Makes loop_run() return after the current callback; remaining ready
 * events stay pending (epoll is level-triggered).
 */
void loop_stop(struct loop *loop);
/* Whether loop_stop() was called since loop_run() started. */
bool loop_stopping(const struct loop *loop);
/*
 * Serves, without waiting, the urgent watchers (LOOP_URGENT) that are
 * ready now: the way a computation that runs for long inside a callback
 * or a hook lets signals and /health through (the timers and the other
 * watchers wait for the loop).  Returns the number of events served.
 * Not from inside an urgent watcher's callback.
 */
int loop_poll_urgent(struct loop *loop);

/* The time cached at the start of this turn; cheap. */
uint64_t loop_now_ms(const struct loop *loop);
/* Reads CLOCK_MONOTONIC now. */
uint64_t mono_ms(void);
/*
 * The same in nanoseconds, for latency metrics only: timers and timeouts
 * stay in milliseconds.
 */
uint64_t mono_ns(void);
/* Number of wake-ups from epoll_wait so far, for idle-CPU measurements. */
uint64_t loop_wakeups(const struct loop *loop);
/*
 * Registers the counter <prefix>_loop_wakeups_total in m, read from
 * loop_wakeups() at each render.  loop is borrowed and must outlive m's
 * last render.
 */
void loop_metrics_add(struct loop *loop, struct metrics *m, const char *prefix);

#endif
