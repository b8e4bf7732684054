/* SPDX-License-Identifier: MIT */
/*
 * Tests of lib/loop.c through loop.h: timer order and re-arming, fd
 * watchers (deletion from callbacks, stale events after fd reuse, table
 * growth), signals through signalfd, before-poll hooks, the idle
 * wake-up count and its metric, and the urgent watchers.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "loop.h"
#include "metrics.h"
#include "test.h"

/* Timer order: by due time, then by start order. */

struct order {
	int fired[16];
	int n;
	uint64_t when[16];
};

struct tagged {
	struct loop_timer t;
	struct order *o;
	int tag;
};

static void
order_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct tagged *tt = arg;

	(void)t;
	tt->o->when[tt->o->n] = mono_ms();
	tt->o->fired[tt->o->n++] = tt->tag;
	if (tt->o->n == 4)
		loop_stop(loop);
}

struct order_setup {
	struct tagged t[4];
	uint64_t start;
};

/* Started from a callback so that all four share one cached time. */
static void
order_setup_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	static const uint64_t delays[4] = { 30, 10, 20, 10 };
	struct order_setup *os = arg;
	int i;

	(void)t;
	os->start = loop_now_ms(loop);
	for (i = 0; i < 4; i++)
		loop_timer_start(loop, &os->t[i].t, delays[i]);
	T_ASSERT(loop_timer_active(&os->t[0].t));
}

static void
test_timer_order(void)
{
	struct loop *loop = loop_new();
	struct order o = { .n = 0 };
	struct order_setup os;
	struct loop_timer setup;
	int i;

	for (i = 0; i < 4; i++) {
		os.t[i].o = &o;
		os.t[i].tag = i;
		loop_timer_init(&os.t[i].t, order_cb, &os.t[i]);
		T_ASSERT(!loop_timer_active(&os.t[i].t));
	}
	loop_timer_init(&setup, order_setup_cb, &os);
	loop_timer_start(loop, &setup, 0);
	T_EQ_INT(loop_run(loop), 0);
	T_EQ_INT(o.n, 4);
	/* 10 (started first), 10, 20, 30 */
	T_EQ_INT(o.fired[0], 1);
	T_EQ_INT(o.fired[1], 3);
	T_EQ_INT(o.fired[2], 2);
	T_EQ_INT(o.fired[3], 0);
	/* Never early. */
	T_ASSERT(o.when[0] >= os.start + 10);
	T_ASSERT(o.when[3] >= os.start + 30);
	for (i = 0; i < 4; i++)
		T_ASSERT(!loop_timer_active(&os.t[i].t));
	loop_free(loop);
}

/* A timer stopped by an earlier callback does not fire. */

struct stopper {
	struct loop_timer a, b, end;
	int a_fired, b_fired, end_fired;
};

static void
stopper_a(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct stopper *s = arg;

	s->a_fired++;
	T_ASSERT(!loop_timer_active(t));
	loop_timer_stop(loop, &s->b);
	loop_timer_stop(loop, t); /* no-op on itself: already off */
}

static void
stopper_b(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct stopper *s = arg;

	(void)loop;
	(void)t;
	s->b_fired++;
}

static void
stopper_end(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct stopper *s = arg;

	(void)t;
	s->end_fired++;
	loop_stop(loop);
}

static void
test_timer_stop(void)
{
	struct loop *loop = loop_new();
	struct stopper s = { .a_fired = 0 };

	loop_timer_init(&s.a, stopper_a, &s);
	loop_timer_init(&s.b, stopper_b, &s);
	loop_timer_init(&s.end, stopper_end, &s);
	loop_timer_start(loop, &s.a, 5);
	loop_timer_start(loop, &s.b, 5); /* same due time, after a */
	loop_timer_start(loop, &s.end, 30);
	T_EQ_INT(loop_run(loop), 0);
	T_EQ_INT(s.a_fired, 1);
	T_EQ_INT(s.b_fired, 0);
	T_EQ_INT(s.end_fired, 1);
	loop_free(loop);
}

/*
 * A timer re-arming itself with delay 0 does not starve the fds: a readable
 * pipe is served between two firings.
 */

struct rearm {
	struct loop_timer t;
	int fires;
	int fires_at_read;
	int rfd;
};

static void
rearm_timer(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct rearm *r = arg;

	r->fires++;
	if (r->fires < 1000)
		loop_timer_start(loop, t, 0);
	else
		loop_stop(loop);
}

static void
rearm_read(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct rearm *r = arg;
	char c;

	T_ASSERT(events & LOOP_READ);
	T_EQ_INT(read(fd, &c, 1), 1);
	r->fires_at_read = r->fires;
	loop_fd_del(loop, fd);
	loop_stop(loop);
}

static void
test_timer_rearm_zero(void)
{
	struct loop *loop = loop_new();
	struct rearm r = { .fires = 0, .fires_at_read = -1 };
	int p[2];

	T_EQ_INT(pipe(p), 0);
	T_EQ_INT(write(p[1], "x", 1), 1);
	r.rfd = p[0];
	loop_timer_init(&r.t, rearm_timer, &r);
	loop_timer_start(loop, &r.t, 0);
	T_EQ_INT(loop_fd_add(loop, p[0], LOOP_READ, rearm_read, &r), 0);
	T_EQ_INT(loop_run(loop), 0);
	/* The pipe was served after one firing, not after 1000. */
	T_EQ_INT(r.fires_at_read, 1);
	loop_timer_stop(loop, &r.t);
	close(p[0]);
	close(p[1]);
	loop_free(loop);
}

/* Many timers with random delays, half of them stopped: heap invariants. */

#define NRAND 500

struct rnd {
	struct loop_timer t[NRAND];
	uint64_t due[NRAND];
	int fired[NRAND];
	uint64_t last_due;
	int nfired;
	int expect;
	int out_of_order;
};

static void
rnd_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct rnd *r = arg;
	size_t i = (size_t)(t - r->t);

	if (r->due[i] < r->last_due)
		r->out_of_order++;
	r->last_due = r->due[i];
	r->fired[i]++;
	if (++r->nfired == r->expect)
		loop_stop(loop);
}

/*
 * Started from a callback, so that every timer sees the same cached time
 * and the due order is exactly the delay order.
 */
static void
rnd_setup(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct rnd *r = arg;
	int i;

	(void)t;
	srandom(42);
	for (i = 0; i < NRAND; i++) {
		loop_timer_init(&r->t[i], rnd_cb, r);
		r->due[i] = (uint64_t)(random() % 40);
		loop_timer_start(loop, &r->t[i], r->due[i]);
	}
	/* Restart some with a new delay, stop every third. */
	for (i = 0; i < NRAND; i += 7) {
		r->due[i] = (uint64_t)(random() % 40);
		loop_timer_start(loop, &r->t[i], r->due[i]);
	}
	r->expect = NRAND;
	for (i = 0; i < NRAND; i += 3) {
		loop_timer_stop(loop, &r->t[i]);
		r->expect--;
	}
}

static void
test_timer_heap(void)
{
	struct loop *loop = loop_new();
	struct rnd *r = calloc(1, sizeof(*r));
	struct loop_timer setup;
	int i, bad = 0;

	loop_timer_init(&setup, rnd_setup, r);
	loop_timer_start(loop, &setup, 0);
	T_EQ_INT(loop_run(loop), 0);
	T_EQ_INT(r->nfired, r->expect);
	T_EQ_INT(r->out_of_order, 0);
	for (i = 0; i < NRAND; i++)
		if (r->fired[i] != (i % 3 == 0 ? 0 : 1))
			bad++;
	T_EQ_INT(bad, 0);
	free(r);
	loop_free(loop);
}

/*
 * fd watchers: a callback deletes and closes another fd that is also ready
 * in this turn, and a new pipe reusing that fd number is watched: the stale
 * event must not reach the new watcher.
 */

struct reuse {
	int a[2], b[2], c[2];
	int first_cb; /* which fd's callback ran first */
	int a_calls, b_calls, c_calls;
};

static void reuse_a(struct loop *, int, unsigned, void *);
static void reuse_b(struct loop *, int, unsigned, void *);

static void
reuse_c(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct reuse *r = arg;

	(void)loop;
	(void)fd;
	(void)events;
	r->c_calls++;
}

static void
reuse_victim(struct loop *loop, struct reuse *r, int *victim)
{
	int fd = victim[0];

	loop_fd_del(loop, fd);
	close(victim[0]);
	close(victim[1]);
	victim[0] = victim[1] = -1;
	/* pipe() returns the lowest free numbers: fd comes back. */
	T_EQ_INT(pipe(r->c), 0);
	T_EQ_INT(r->c[0], fd);
	T_EQ_INT(loop_fd_add(loop, r->c[0], LOOP_READ, reuse_c, r), 0);
}

static void
reuse_a(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct reuse *r = arg;
	char ch;

	(void)events;
	r->a_calls++;
	T_EQ_INT(read(fd, &ch, 1), 1);
	if (r->first_cb == 0) {
		r->first_cb = 'a';
		reuse_victim(loop, r, r->b);
	}
	loop_fd_del(loop, fd); /* deleting itself from its own callback */
}

static void
reuse_b(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct reuse *r = arg;
	char ch;

	(void)events;
	r->b_calls++;
	T_EQ_INT(read(fd, &ch, 1), 1);
	if (r->first_cb == 0) {
		r->first_cb = 'b';
		reuse_victim(loop, r, r->a);
	}
	loop_fd_del(loop, fd);
}

static void
stop_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	loop_stop(loop);
}

static void
test_fd_reuse(void)
{
	struct loop *loop = loop_new();
	struct reuse r = { .first_cb = 0 };
	struct loop_timer stop;

	T_EQ_INT(pipe(r.a), 0);
	T_EQ_INT(pipe(r.b), 0);
	T_EQ_INT(write(r.a[1], "x", 1), 1);
	T_EQ_INT(write(r.b[1], "y", 1), 1);
	T_EQ_INT(loop_fd_add(loop, r.a[0], LOOP_READ, reuse_a, &r), 0);
	T_EQ_INT(loop_fd_add(loop, r.b[0], LOOP_READ, reuse_b, &r), 0);
	loop_timer_init(&stop, stop_cb, NULL);
	loop_timer_start(loop, &stop, 30);
	T_EQ_INT(loop_run(loop), 0);
	/* Exactly one of a/b ran; the other was deleted before delivery. */
	T_EQ_INT(r.a_calls + r.b_calls, 1);
	T_EQ_INT(r.c_calls, 0);
	/* The new watcher works once its pipe has data. */
	T_EQ_INT(write(r.c[1], "z", 1), 1);
	loop_timer_start(loop, &stop, 30);
	T_EQ_INT(loop_run(loop), 0);
	T_ASSERT(r.c_calls >= 1);
	loop_fd_del(loop, r.c[0]);
	loop_fd_del(loop, 12345); /* unknown: ignored */
	close(r.c[0]);
	close(r.c[1]);
	if (r.a[0] != -1) {
		close(r.a[0]);
		close(r.a[1]);
	}
	if (r.b[0] != -1) {
		close(r.b[0]);
		close(r.b[1]);
	}
	loop_free(loop);
}

/* The fd table grows at run time; write watchers; replacing events. */

struct high {
	int reads, writes;
};

static void
high_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct high *h = arg;
	char ch;

	if (events & LOOP_WRITE) {
		h->writes++;
		/* Switch to read-only: replaces events on the same fd. */
		T_EQ_INT(loop_fd_add(loop, fd, LOOP_READ, high_cb, h), 0);
		T_EQ_INT(write(fd, "q", 1), 1);
		loop_stop(loop);
	}
	if (events & LOOP_READ) {
		h->reads++;
		T_EQ_INT(read(fd, &ch, 1), 1);
		loop_stop(loop);
	}
}

static void
test_fd_growth(void)
{
	struct loop *loop = loop_new();
	struct high h = { 0, 0 };
	int sp[2], hi;

	T_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	/* A socket echoing back to itself through the pair's other end. */
	hi = dup2(sp[0], 1000);
	T_EQ_INT(hi, 1000);
	T_EQ_INT(dup2(sp[1], 1001), 1001);
	close(sp[0]);
	close(sp[1]);
	/* fd 1001 writes; bytes show up readable on 1000 */
	T_EQ_INT(loop_fd_add(loop, 1001, LOOP_WRITE, high_cb, &h), 0);
	T_EQ_INT(loop_run(loop), 0);
	T_EQ_INT(h.writes, 1);
	/* 1001 is now read-only and nothing was written to it. */
	T_EQ_INT(h.reads, 0);
	T_EQ_INT(loop_fd_add(loop, 1000, LOOP_READ, high_cb, &h), 0);
	T_EQ_INT(loop_run(loop), 0);
	T_EQ_INT(h.reads, 1);
	T_EQ_INT(loop_fd_add(loop, -1, LOOP_READ, high_cb, &h), -1);
	T_EQ_INT(errno, EINVAL);
	loop_fd_del(loop, 1000);
	loop_fd_del(loop, 1001);
	close(1000);
	close(1001);
	loop_free(loop);
}

/* Hang-up is reported as LOOP_READ and read(2) sees EOF. */

static void
hup_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
	char ch;
	int *got = arg;

	T_ASSERT(events & LOOP_READ);
	*got = (int)read(fd, &ch, 1);
	loop_fd_del(loop, fd);
	loop_stop(loop);
}

static void
test_fd_hangup(void)
{
	struct loop *loop = loop_new();
	int p[2], got = -2;

	T_EQ_INT(pipe(p), 0);
	close(p[1]);
	T_EQ_INT(loop_fd_add(loop, p[0], LOOP_READ, hup_cb, &got), 0);
	T_EQ_INT(loop_run(loop), 0);
	T_EQ_INT(got, 0);
	close(p[0]);
	loop_free(loop);
}

/* Signals arrive as callbacks from the loop, not in signal context. */

struct sig {
	int usr1, usr2;
};

static void
sig_cb(struct loop *loop, int signo, void *arg)
{
	struct sig *s = arg;

	if (signo == SIGUSR1)
		s->usr1++;
	if (signo == SIGUSR2)
		s->usr2++;
	if (s->usr1 > 0 && s->usr2 > 0)
		loop_stop(loop);
}

static void
test_signal(void)
{
	struct loop *loop = loop_new();
	struct sig s = { 0, 0 };
	struct loop_timer guard;
	sigset_t cur;

	T_EQ_INT(loop_signal_add(loop, SIGUSR1, sig_cb, &s), 0);
	T_EQ_INT(loop_signal_add(loop, SIGUSR2, sig_cb, &s), 0);
	T_EQ_INT(loop_signal_add(loop, 0, sig_cb, &s), -1);
	T_EQ_INT(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	T_EQ_INT(sigismember(&cur, SIGUSR1), 1);
	T_EQ_INT(kill(getpid(), SIGUSR1), 0);
	T_EQ_INT(kill(getpid(), SIGUSR2), 0);
	loop_timer_init(&guard, stop_cb, NULL);
	loop_timer_start(loop, &guard, 2000); /* fails the test, not hangs */
	T_EQ_INT(loop_run(loop), 0);
	T_EQ_INT(s.usr1, 1);
	T_EQ_INT(s.usr2, 1);
	loop_timer_stop(loop, &guard);
	loop_free(loop);
}

/* Hooks: once per turn, in order, removable from inside a hook. */

struct hooks {
	char trace[64];
	size_t n;
	int turns;
};

static void
hook_a(struct loop *loop, void *arg)
{
	struct hooks *h = arg;

	h->trace[h->n++] = 'a';
	if (++h->turns == 3)
		loop_stop(loop);
}

static void
hook_b(struct loop *loop, void *arg)
{
	struct hooks *h = arg;

	h->trace[h->n++] = 'b';
	loop_hook_del(loop, hook_b, arg); /* runs once */
}

static void
hook_c(struct loop *loop, void *arg)
{
	struct hooks *h = arg;

	(void)loop;
	h->trace[h->n++] = 'c';
}

struct driven {
	struct hooks h;
	struct loop_timer tick;
};

static void
tick_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)arg;
	loop_timer_start(loop, t, 1);
}

static void
test_hooks_turns(void)
{
	struct loop *loop = loop_new();
	struct driven d = { .h = { .n = 0 } };

	d.h.turns = -2; /* hook_a stops the loop on its 5th call */
	loop_hook_add(loop, hook_a, &d.h);
	loop_hook_add(loop, hook_b, &d.h);
	loop_hook_add(loop, hook_c, &d.h);
	loop_timer_init(&d.tick, tick_cb, NULL);
	loop_timer_start(loop, &d.tick, 1);
	T_EQ_INT(loop_run(loop), 0);
	d.h.trace[d.h.n] = '\0';
	/* turn 1: a b (deletes itself) c; turns 2-4: a c; turn 5: a stops */
	T_EQ_STR(d.h.trace, "abcacacaca");
	loop_hook_del(loop, hook_a, &d.h);
	loop_hook_del(loop, hook_c, &d.h);
	loop_hook_del(loop, hook_c, &d.h); /* absent: no-op */
	loop_timer_stop(loop, &d.tick);
	loop_free(loop);
}

/*
 * Idle costs nothing: with an idle fd and signalfd watched and one timer
 * 200 ms away, the loop wakes exactly once, when the timer is due.
 */
static void
test_idle_wakeups(void)
{
	struct loop *loop = loop_new();
	struct loop_timer t;
	int p[2];
	uint64_t start, start_ns;
	struct sig s = { 0, 0 };
	struct metrics *m = metrics_new();
	struct buf page = BUF_INITIALIZER(BUF_MAX_METRICS);

	T_EQ_INT(pipe(p), 0);
	T_EQ_INT(loop_fd_add(loop, p[0], LOOP_READ, hup_cb, NULL), 0);
	T_EQ_INT(loop_signal_add(loop, SIGUSR1, sig_cb, &s), 0);
	loop_timer_init(&t, stop_cb, NULL);
	start = mono_ms();
	start_ns = mono_ns();
	loop_timer_start(loop, &t, 200);
	T_EQ_INT(loop_wakeups(loop), 0);
	loop_metrics_add(loop, m, "test");
	T_EQ_INT(metrics_render(m, &page), 0);
	T_EQ_INT(loop_run(loop), 0);
	T_EQ_INT(loop_wakeups(loop), 1);
	T_ASSERT(mono_ms() - start >= 200);
	/*
	 * Timers count whole milliseconds from a truncated clock: started at
	 * 1000.9 ms, a 200 ms timer is due at 1200.0 ms, 199.1 ms later.
	 */
	T_ASSERT(mono_ns() - start_ns >= 199000000u);
	/* /metrics shows the same count. */
	T_ASSERT(strstr(buf_str(&page), "test_loop_wakeups_total 0\n") != NULL);
	buf_reset(&page);
	T_EQ_INT(metrics_render(m, &page), 0);
	T_ASSERT(strstr(buf_str(&page),
		     "# TYPE test_loop_wakeups_total counter\n"
		     "test_loop_wakeups_total 1\n")
	    != NULL);
	buf_clear(&page);
	metrics_free(m);
	/* The cached time moved to the wake-up. */
	T_ASSERT(loop_now_ms(loop) >= start + 200);
	T_ASSERT(loop_now_ms(loop) <= mono_ms());
	loop_fd_del(loop, p[0]);
	close(p[0]);
	close(p[1]);
	loop_free(loop);
}

/*
 * Urgent watchers: loop_poll_urgent serves the ready urgent fds (and the
 * signalfd) without waiting, and leaves every other watcher to the loop;
 * a watcher changed or deleted stops being served.
 */
static void
urgent_read(struct loop *loop, int fd, unsigned events, void *arg)
{
	int *n = arg;
	char c;

	(void)loop;
	(void)events;
	if (read(fd, &c, 1) == 1)
		(*n)++;
}

static void
urgent_sig(struct loop *loop, int signo, void *arg)
{
	(void)signo;
	(void)arg;
	loop_stop(loop);
}

static void
test_urgent(void)
{
	struct loop *loop = loop_new();
	int a[2], b[2], na = 0, nb = 0;

	T_EQ_INT(loop_poll_urgent(loop), 0);
	T_EQ_INT(pipe2(a, O_NONBLOCK), 0);
	T_EQ_INT(pipe2(b, O_NONBLOCK), 0);
	T_EQ_INT(
	    loop_fd_add(loop, a[0], LOOP_READ | LOOP_URGENT, urgent_read, &na),
	    0);
	T_EQ_INT(loop_fd_add(loop, b[0], LOOP_READ, urgent_read, &nb), 0);
	T_EQ_INT(write(a[1], "x", 1), 1);
	T_EQ_INT(write(b[1], "y", 1), 1);
	T_EQ_INT(loop_poll_urgent(loop), 1);
	T_EQ_INT(na, 1);
	T_EQ_INT(nb, 0);
	T_EQ_INT(loop_poll_urgent(loop), 0);
	/* No longer urgent, then deleted: not served. */
	T_EQ_INT(loop_fd_add(loop, a[0], LOOP_READ, urgent_read, &na), 0);
	T_EQ_INT(write(a[1], "x", 1), 1);
	T_EQ_INT(loop_poll_urgent(loop), 0);
	T_EQ_INT(
	    loop_fd_add(loop, a[0], LOOP_READ | LOOP_URGENT, urgent_read, &na),
	    0);
	T_EQ_INT(loop_poll_urgent(loop), 1);
	T_EQ_INT(na, 2);
	T_EQ_INT(write(a[1], "x", 1), 1);
	loop_fd_del(loop, a[0]);
	T_EQ_INT(loop_poll_urgent(loop), 0);
	/* A signal is urgent: its callback runs, and may stop the loop. */
	T_EQ_INT(loop_signal_add(loop, SIGUSR1, urgent_sig, NULL), 0);
	T_ASSERT(!loop_stopping(loop));
	T_EQ_INT(raise(SIGUSR1), 0);
	T_EQ_INT(loop_poll_urgent(loop), 1);
	T_ASSERT(loop_stopping(loop));
	T_EQ_INT(nb, 0);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	loop_free(loop);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_timer_order();
	test_timer_stop();
	test_timer_rearm_zero();
	test_timer_heap();
	test_fd_reuse();
	test_fd_growth();
	test_fd_hangup();
	test_signal();
	test_hooks_turns();
	test_idle_wakeups();
	test_urgent();
	loop_free(NULL);
	return test_report();
}
