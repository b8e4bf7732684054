/* SPDX-License-Identifier: MIT */
/*
 * The event loop.  One turn: read the clock, fire the timers that are due
 * (a min-heap ordered by due time then start order, as libuv's heap is),
 * run the before-poll hooks, sleep in epoll_wait until the next timer or
 * an fd event, then dispatch every ready fd.  Signals come through one
 * signalfd that is itself an ordinary watched fd.  With no timers and no
 * ready fd the loop sleeps in epoll_wait(-1) and costs nothing.
 *
 * The fd table is indexed by fd and grows on demand (later redis's
 * setsize), so an idle daemon does not pay for a fixed FD_SETSIZE array.
 * Each fd slot carries a generation number that is also stored in the
 * epoll event, so an event that epoll reported for an fd which a callback
 * has since deleted, or closed and reused, is dropped instead of being
 * delivered to the wrong watcher (ae.c re-checks its mask for the same
 * reason).
 */
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "xmalloc.h"

#define LOOP_MAX_EVENTS 64 /* more ready fds wait for the next turn */
#define LOOP_FD_MIN 64

struct loop_fd {
	loop_fd_cb *cb; /* NULL when the slot is free */
	void *arg;
	unsigned events;
	uint32_t gen;
};

struct loop_signal {
	loop_signal_cb *cb;
	void *arg;
};

struct loop_hook {
	loop_hook_cb *cb; /* NULL once deleted */
	void *arg;
};

struct loop {
	int epfd;
	/*
	 * The urgent watchers (LOOP_URGENT) again, so that loop_poll_urgent
	 * can serve them alone in the middle of a long computation; -1
	 * until the first one.
	 */
	int urgent_epfd;
	struct loop_fd *fds;
	size_t nfds; /* slots allocated */

	struct loop_timer **heap;
	size_t nheap;
	size_t heapcap;
	uint64_t timer_seq;

	int sigfd;
	sigset_t sigmask;
	struct loop_signal sigs[_NSIG];

	struct loop_hook *hooks;
	size_t nhooks;
	size_t hookcap;
	bool in_hooks;
	bool hooks_dirty; /* deleted entries await compaction */

	bool running;
	bool stop;
	uint64_t now_ms;
	uint64_t wakeups;
};

uint64_t
mono_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct loop *
loop_new(void)
{
	struct loop *loop;
	int epfd;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd == -1)
		return NULL;
	loop = xcalloc(1, sizeof(*loop));
	loop->epfd = epfd;
	loop->urgent_epfd = -1;
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	loop->now_ms = mono_ms();
	return loop;
}

void
loop_free(struct loop *loop)
{
	if (loop == NULL)
		return;
	/*
	 * The signals stay blocked: unblocking them now would let a pending
	 * SIGTERM take its default action while the caller still tears down.
	 */
	if (loop->sigfd != -1)
		close(loop->sigfd);
	if (loop->urgent_epfd != -1)
		close(loop->urgent_epfd);
	close(loop->epfd);
	free(loop->fds);
	free(loop->heap);
	free(loop->hooks);
	free(loop);
}

/* File descriptors. */

/*
 * Mirrors fd's watch in the urgent set: added or changed when urgent,
 * removed when it no longer is.  Returns 0, or -1 with errno set.
 */
static int
loop_fd_urgent(struct loop *loop, int fd, const struct loop_fd *f, bool urgent,
    struct epoll_event *ev)
{
	bool was = f->cb != NULL && (f->events & LOOP_URGENT) != 0;

	if (!urgent) {
		if (was)
			(void)epoll_ctl(loop->urgent_epfd, EPOLL_CTL_DEL, fd,
			    NULL);
		return 0;
	}
	if (loop->urgent_epfd == -1) {
		loop->urgent_epfd = epoll_create1(EPOLL_CLOEXEC);
		if (loop->urgent_epfd == -1)
			return -1;
	}
	if (epoll_ctl(loop->urgent_epfd, was ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
		fd, ev)
	    == 0)
		return 0;
	/* Closed and reused behind our back, as in loop_fd_add. */
	if (errno != ENOENT && errno != EEXIST)
		return -1;
	return epoll_ctl(loop->urgent_epfd,
	    errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, ev);
}

static void
loop_fd_grow(struct loop *loop, int fd)
{
	size_t n = loop->nfds < LOOP_FD_MIN ? LOOP_FD_MIN : loop->nfds;

	while (n <= (size_t)fd)
		n *= 2;
	loop->fds = xreallocarray(loop->fds, n, sizeof(*loop->fds));
	memset(loop->fds + loop->nfds, 0,
	    (n - loop->nfds) * sizeof(*loop->fds));
	loop->nfds = n;
}

int
loop_fd_add(struct loop *loop, int fd, unsigned events, loop_fd_cb *cb,
    void *arg)
{
	struct epoll_event ev;
	struct loop_fd *f;
	int op;

	if (fd < 0 || cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((size_t)fd >= loop->nfds)
		loop_fd_grow(loop, fd);
	f = &loop->fds[fd];
	if (f->cb == NULL)
		f->gen++; /* a new watcher: older events are stale */
	memset(&ev, 0, sizeof(ev));
	if (events & LOOP_READ)
		ev.events |= EPOLLIN;
	if (events & LOOP_WRITE)
		ev.events |= EPOLLOUT;
	ev.data.u64 = (uint64_t)f->gen << 32 | (uint32_t)fd;
	op = f->cb == NULL ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (epoll_ctl(loop->epfd, op, fd, &ev) == -1) {
		/*
		 * The fd was closed and reused behind our back (epoll forgets
		 * closed fds), or added elsewhere: retry with the other op.
		 */
		if (op == EPOLL_CTL_MOD && errno == ENOENT)
			op = EPOLL_CTL_ADD;
		else if (op == EPOLL_CTL_ADD && errno == EEXIST)
			op = EPOLL_CTL_MOD;
		else
			return -1;
		if (epoll_ctl(loop->epfd, op, fd, &ev) == -1)
			return -1;
	}
	if (loop_fd_urgent(loop, fd, f, (events & LOOP_URGENT) != 0, &ev)
	    == -1) {
		(void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
		f->cb = NULL;
		f->gen++;
		return -1;
	}
	f->cb = cb;
	f->arg = arg;
	f->events = events;
	return 0;
}

void
loop_fd_del(struct loop *loop, int fd)
{
	struct loop_fd *f;

	if (fd < 0 || (size_t)fd >= loop->nfds || loop->fds[fd].cb == NULL)
		return;
	f = &loop->fds[fd];
	/* ENOENT/EBADF when the caller closed fd first; nothing to undo. */
	(void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	if (f->events & LOOP_URGENT)
		(void)epoll_ctl(loop->urgent_epfd, EPOLL_CTL_DEL, fd, NULL);
	f->cb = NULL;
	f->arg = NULL;
	f->events = 0;
	f->gen++;
}

static void
loop_fd_dispatch(struct loop *loop, const struct epoll_event *ev)
{
	int fd = (int)(uint32_t)ev->data.u64;
	uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
	struct loop_fd *f;
	unsigned events = 0;

	if ((size_t)fd >= loop->nfds)
		return;
	f = &loop->fds[fd];
	if (f->cb == NULL || f->gen != gen)
		return;
	if (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		events |= LOOP_READ;
	if (ev->events & EPOLLOUT)
		events |= LOOP_WRITE;
	/* Only what the watcher asked for, except errors which are reads. */
	if ((ev->events & (EPOLLERR | EPOLLHUP)) == 0)
		events &= f->events;
	if (events != 0)
		f->cb(loop, fd, events, f->arg);
}

/* Timers: a binary min-heap of pointers, each timer knowing its index. */

static bool
loop_timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	if (a->due_ms != b->due_ms)
		return a->due_ms < b->due_ms;
	return a->seq < b->seq;
}

static void
loop_heap_set(struct loop *loop, size_t i, struct loop_timer *t)
{
	loop->heap[i] = t;
	t->heap_index = i;
}

static void
loop_heap_up(struct loop *loop, size_t i)
{
	struct loop_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!loop_timer_before(t, loop->heap[parent]))
			break;
		loop_heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	loop_heap_set(loop, i, t);
}

static void
loop_heap_down(struct loop *loop, size_t i)
{
	struct loop_timer *t = loop->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= loop->nheap)
			break;
		if (child + 1 < loop->nheap
		    && loop_timer_before(loop->heap[child + 1],
			loop->heap[child]))
			child++;
		if (!loop_timer_before(loop->heap[child], t))
			break;
		loop_heap_set(loop, i, loop->heap[child]);
		i = child;
	}
	loop_heap_set(loop, i, t);
}

void
loop_timer_init(struct loop_timer *timer, loop_timer_cb *cb, void *arg)
{
	memset(timer, 0, sizeof(*timer));
	timer->heap_index = SIZE_MAX;
	timer->cb = cb;
	timer->arg = arg;
}

bool
loop_timer_active(const struct loop_timer *timer)
{
	return timer->heap_index != SIZE_MAX;
}

void
loop_timer_stop(struct loop *loop, struct loop_timer *timer)
{
	size_t i = timer->heap_index;
	struct loop_timer *last;

	if (i == SIZE_MAX)
		return;
	timer->heap_index = SIZE_MAX;
	last = loop->heap[--loop->nheap];
	if (i == loop->nheap)
		return;
	loop_heap_set(loop, i, last);
	if (i > 0 && loop_timer_before(last, loop->heap[(i - 1) / 2]))
		loop_heap_up(loop, i);
	else
		loop_heap_down(loop, i);
}

void
loop_timer_start(struct loop *loop, struct loop_timer *timer, uint64_t delay_ms)
{
	loop_timer_stop(loop, timer);
	/*
	 * Outside loop_run() the cached time may be old (start-up did slow
	 * work before running the loop), which would make the timer early.
	 */
	if (!loop->running)
		loop->now_ms = mono_ms();
	/* Saturate: a huge delay means "never" rather than wrapping around. */
	timer->due_ms = delay_ms > UINT64_MAX - loop->now_ms
	    ? UINT64_MAX
	    : loop->now_ms + delay_ms;
	timer->seq = loop->timer_seq++;
	if (loop->nheap == loop->heapcap) {
		loop->heapcap = loop->heapcap == 0 ? 16 : loop->heapcap * 2;
		loop->heap = xreallocarray(loop->heap, loop->heapcap,
		    sizeof(*loop->heap));
	}
	loop_heap_set(loop, loop->nheap++, timer);
	loop_heap_up(loop, loop->nheap - 1);
}

/*
 * Fires every timer due now.  A timer (re)started from a callback in this
 * pass has a sequence number past the snapshot and waits for the next
 * turn, so a timer that re-arms itself with zero delay cannot starve the
 * fds.  The timer is unscheduled before its callback runs, so the callback
 * may restart it, stop it or free its owner.
 */
static void
loop_timers_run(struct loop *loop)
{
	uint64_t seq_limit = loop->timer_seq;

	while (loop->nheap > 0 && !loop->stop) {
		struct loop_timer *t = loop->heap[0];

		if (t->due_ms > loop->now_ms || t->seq >= seq_limit)
			break;
		loop_timer_stop(loop, t);
		t->cb(loop, t, t->arg);
	}
}

/* Signals. */

static void
loop_signal_read(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct signalfd_siginfo si;
	ssize_t n;

	(void)events;
	(void)arg;
	for (;;) {
		n = read(fd, &si, sizeof(si));
		if (n != (ssize_t)sizeof(si))
			break;
		if (si.ssi_signo < _NSIG && loop->sigs[si.ssi_signo].cb != NULL)
			loop->sigs[si.ssi_signo].cb(loop, (int)si.ssi_signo,
			    loop->sigs[si.ssi_signo].arg);
	}
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		log_warn("signalfd read");
}

int
loop_signal_add(struct loop *loop, int signo, loop_signal_cb *cb, void *arg)
{
	sigset_t mask;
	int fd;

	if (signo <= 0 || signo >= _NSIG || cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	mask = loop->sigmask;
	if (sigaddset(&mask, signo) == -1)
		return -1;
	/* Block first, so the signal cannot kill us between the two calls. */
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		return -1;
	fd = signalfd(loop->sigfd, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1)
		return -1;
	if (loop->sigfd == -1) {
		if (loop_fd_add(loop, fd, LOOP_READ | LOOP_URGENT,
			loop_signal_read, NULL)
		    == -1) {
			close(fd);
			return -1;
		}
		loop->sigfd = fd;
	}
	loop->sigmask = mask;
	loop->sigs[signo].cb = cb;
	loop->sigs[signo].arg = arg;
	return 0;
}

/* Before-poll hooks. */

void
loop_hook_add(struct loop *loop, loop_hook_cb *cb, void *arg)
{
	if (loop->nhooks == loop->hookcap) {
		loop->hookcap = loop->hookcap == 0 ? 4 : loop->hookcap * 2;
		loop->hooks = xreallocarray(loop->hooks, loop->hookcap,
		    sizeof(*loop->hooks));
	}
	loop->hooks[loop->nhooks].cb = cb;
	loop->hooks[loop->nhooks].arg = arg;
	loop->nhooks++;
}

static void
loop_hooks_compact(struct loop *loop)
{
	size_t i, j = 0;

	for (i = 0; i < loop->nhooks; i++)
		if (loop->hooks[i].cb != NULL)
			loop->hooks[j++] = loop->hooks[i];
	loop->nhooks = j;
	loop->hooks_dirty = false;
}

void
loop_hook_del(struct loop *loop, loop_hook_cb *cb, void *arg)
{
	size_t i;

	for (i = 0; i < loop->nhooks; i++) {
		if (loop->hooks[i].cb == cb && loop->hooks[i].arg == arg) {
			/* Compacting now would shift the array under the
			 * iteration in loop_hooks_run(). */
			loop->hooks[i].cb = NULL;
			loop->hooks_dirty = true;
			break;
		}
	}
	if (!loop->in_hooks && loop->hooks_dirty)
		loop_hooks_compact(loop);
}

/* Hooks added while the hooks run wait for the next turn. */
static void
loop_hooks_run(struct loop *loop)
{
	size_t i, n = loop->nhooks;

	loop->in_hooks = true;
	for (i = 0; i < n && !loop->stop; i++) {
		struct loop_hook *h = &loop->hooks[i];

		if (h->cb != NULL)
			h->cb(loop, h->arg);
	}
	loop->in_hooks = false;
	if (loop->hooks_dirty)
		loop_hooks_compact(loop);
}

/* Running. */

static int
loop_poll_timeout(const struct loop *loop)
{
	uint64_t now, due;

	if (loop->nheap == 0)
		return -1;
	due = loop->heap[0]->due_ms;
	now = mono_ms();
	if (due <= now)
		return 0;
	return due - now > INT_MAX ? INT_MAX : (int)(due - now);
}

int
loop_run(struct loop *loop)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	int i, n;

	loop->stop = false;
	loop->running = true;
	while (!loop->stop) {
		loop->now_ms = mono_ms();
		loop_timers_run(loop);
		if (loop->stop)
			break;
		loop_hooks_run(loop);
		if (loop->stop)
			break;
		n = epoll_wait(loop->epfd, evs, LOOP_MAX_EVENTS,
		    loop_poll_timeout(loop));
		loop->wakeups++;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			loop->running = false;
			return -1;
		}
		loop->now_ms = mono_ms();
		for (i = 0; i < n && !loop->stop; i++)
			loop_fd_dispatch(loop, &evs[i]);
	}
	loop->running = false;
	return 0;
}

int
loop_poll_urgent(struct loop *loop)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	int i, n;

	if (loop->urgent_epfd == -1 || loop->stop)
		return 0;
	n = epoll_wait(loop->urgent_epfd, evs, LOOP_MAX_EVENTS, 0);
	if (n <= 0)
		return 0; /* EINTR or nothing: the next call will see it */
	/* Deadlines the callbacks set count from now, not the turn's start. */
	loop->now_ms = mono_ms();
	for (i = 0; i < n && !loop->stop; i++)
		loop_fd_dispatch(loop, &evs[i]);
	return n;
}

void
loop_stop(struct loop *loop)
{
	loop->stop = true;
}

bool
loop_stopping(const struct loop *loop)
{
	return loop->stop;
}

uint64_t
loop_now_ms(const struct loop *loop)
{
	return loop->now_ms;
}

uint64_t
loop_wakeups(const struct loop *loop)
{
	return loop->wakeups;
}

static double
loop_read_wakeups(const void *arg)
{
	return (double)loop_wakeups(arg);
}

void
loop_metrics_add(struct loop *loop, struct metrics *m, const char *prefix)
{
	char *name;

	name = xasprintf("%s_loop_wakeups_total", prefix);
	metrics_counter_func(m, name,
	    "Returns from epoll_wait: how often the daemon woke up",
	    loop_read_wakeups, loop);
	free(name);
}
