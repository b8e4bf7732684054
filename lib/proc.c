/* SPDX-License-Identifier: MIT */
/*
 * Child processes driven by the event loop: the templater's check and
 * reload commands.  Each child lives in a struct proc on one list; its
 * output pipe and its two timers (timeout, then kill grace) are loop
 * watchers embedded in it.  SIGCHLD arrives through the loop's signalfd,
 * and the reaper polls each of our children with waitpid(WNOHANG), since
 * several exits can be folded into one signal.  A child is finished when
 * it has been reaped: whatever it wrote is then already in the pipe, so
 * the pipe is drained and closed and the callback runs; a grandchild that
 * keeps the pipe open does not hold the completion back.
 */
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "proc.h"
#include "xmalloc.h"

extern char **environ;

struct proc {
	TAILQ_ENTRY(proc) entry;
	struct loop *loop;
	pid_t pid;
	int fd; /* read end of the output pipe, or -1 */
	struct loop_timer timeout;
	struct loop_timer kill;
	uint64_t timeout_ms;
	uint64_t grace_ms;
	uint64_t start_ms;
	char *out; /* output_max + 1 bytes */
	size_t out_len;
	size_t out_max;
	bool truncated;
	bool timed_out;
	bool reaped;
	int status; /* from waitpid, once reaped */
	proc_done_cb *cb; /* NULL once cancelled */
	void *arg;
};

static TAILQ_HEAD(, proc) proc_list = TAILQ_HEAD_INITIALIZER(proc_list);
static struct loop *proc_loop;

/* Keeps the last out_max bytes of everything appended. */
static void
proc_output_add(struct proc *p, const char *data, size_t len)
{
	size_t drop;

	if (len >= p->out_max) {
		p->truncated
		    = p->truncated || len > p->out_max || p->out_len > 0;
		memcpy(p->out, data + (len - p->out_max), p->out_max);
		p->out_len = p->out_max;
	} else {
		if (p->out_len + len > p->out_max) {
			drop = p->out_len + len - p->out_max;
			memmove(p->out, p->out + drop, p->out_len - drop);
			p->out_len -= drop;
			p->truncated = true;
		}
		memcpy(p->out + p->out_len, data, len);
		p->out_len += len;
	}
	p->out[p->out_len] = '\0';
}

static void
proc_close_pipe(struct proc *p)
{
	if (p->fd == -1)
		return;
	loop_fd_del(p->loop, p->fd);
	close(p->fd);
	p->fd = -1;
}

/* Reads what is there; closes the pipe on end of file or error. */
static void
proc_drain(struct proc *p)
{
	char chunk[4096];
	ssize_t n;

	while (p->fd != -1) {
		n = read(p->fd, chunk, sizeof(chunk));
		if (n > 0) {
			proc_output_add(p, chunk, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		proc_close_pipe(p);
	}
}

static void
proc_readable(struct loop *loop, int fd, unsigned events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	proc_drain(arg);
}

static void
proc_kill_timer(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct proc *p = arg;

	(void)loop;
	(void)timer;
	if (!p->reaped)
		kill(-p->pid, SIGKILL);
}

static void
proc_timeout_timer(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct proc *p = arg;

	(void)timer;
	if (p->reaped)
		return;
	p->timed_out = true;
	kill(-p->pid, SIGTERM);
	loop_timer_start(loop, &p->kill, p->grace_ms);
}

static void
proc_free(struct proc *p)
{
	TAILQ_REMOVE(&proc_list, p, entry);
	loop_timer_stop(p->loop, &p->timeout);
	loop_timer_stop(p->loop, &p->kill);
	proc_close_pipe(p);
	free(p->out);
	free(p);
}

static void
proc_finish(struct proc *p)
{
	struct proc_result res = { 0 };
	proc_done_cb *cb = p->cb;

	proc_drain(p);
	proc_close_pipe(p);
	if (cb != NULL) {
		res.pid = p->pid;
		res.exited = WIFEXITED(p->status);
		res.exit_status = res.exited ? WEXITSTATUS(p->status) : -1;
		res.signo = WIFSIGNALED(p->status) ? WTERMSIG(p->status) : 0;
		res.timed_out = p->timed_out;
		res.output = p->out;
		res.output_len = p->out_len;
		res.output_truncated = p->truncated;
		res.elapsed_ms = mono_ms() - p->start_ms;
		p->cb = NULL;
		cb(&res, p->arg);
	}
	proc_free(p);
}

static void
proc_sigchld(struct loop *loop, int signo, void *arg)
{
	struct proc *p;
	pid_t r;
	int status;

	(void)loop;
	(void)signo;
	(void)arg;
	TAILQ_FOREACH(p, &proc_list, entry) {
		if (p->reaped)
			continue;
		do
			r = waitpid(p->pid, &status, WNOHANG);
		while (r == -1 && errno == EINTR);
		if (r == p->pid) {
			p->reaped = true;
			p->status = status;
			loop_timer_stop(p->loop, &p->timeout);
			loop_timer_stop(p->loop, &p->kill);
		}
	}
	/*
	 * Callbacks may start or cancel other children, so the list is
	 * scanned again from the start after each one.
	 */
	for (;;) {
		TAILQ_FOREACH(p, &proc_list, entry)
			if (p->reaped)
				break;
		if (p == NULL)
			break;
		proc_finish(p);
	}
}

int
proc_reaper_add(struct loop *loop)
{
	if (loop_signal_add(loop, SIGCHLD, proc_sigchld, NULL) == -1)
		return -1;
	proc_loop = loop;
	return 0;
}

/* Builds environ plus the additions (later ones replace earlier ones). */
static char **
proc_env(const char *const *add)
{
	size_t n = 0, nadd = 0, len;
	char **env;
	const char *eq;

	while (environ[n] != NULL)
		n++;
	while (add != NULL && add[nadd] != NULL)
		nadd++;
	env = xreallocarray(NULL, n + nadd + 1, sizeof(*env));
	memcpy(env, environ, n * sizeof(*env));
	for (size_t i = 0; i < nadd; i++) {
		size_t j;

		eq = strchr(add[i], '=');
		len = eq != NULL ? (size_t)(eq - add[i]) : strlen(add[i]);
		for (j = 0; j < n; j++)
			if (strncmp(env[j], add[i], len) == 0
			    && env[j][len] == '=')
				break;
		env[j] = (char *)add[i];
		if (j == n)
			n++;
	}
	env[n] = NULL;
	return env;
}

struct proc *
proc_start(struct loop *loop, const struct proc_opts *opts, proc_done_cb *cb,
    void *arg, char *err, size_t errlen)
{
	const char *shargv[] = { "/bin/sh", "-c", opts->shell, NULL };
	const char *const *argv = opts->shell != NULL ? shargv : opts->argv;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	struct proc *p = NULL, *ret = NULL;
	char **env = NULL;
	int pfd[2] = { -1, -1 }, rc;
	bool fa_init = false, attr_init = false;

	if (loop != proc_loop) {
		snprintf(err, errlen, "no child reaper on this loop");
		goto out;
	}
	if (argv == NULL || argv[0] == NULL) {
		snprintf(err, errlen, "empty command");
		goto out;
	}
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	if (fcntl(pfd[0], F_SETFL, O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}

	posix_spawn_file_actions_init(&fa);
	fa_init = true;
	posix_spawnattr_init(&attr);
	attr_init = true;
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	if (rc == 0)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&attr,
		    POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK
			| POSIX_SPAWN_SETSIGDEF);
	if (rc == 0)
		rc = posix_spawnattr_setpgroup(&attr, 0);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&attr, &all);
	if (rc != 0) {
		snprintf(err, errlen, "spawn attributes: %s", strerror(rc));
		goto out;
	}

	p = xcalloc(1, sizeof(*p));
	p->loop = loop;
	p->fd = -1;
	p->out_max
	    = opts->output_max > 0 ? opts->output_max : BUF_MAX_PROC_OUTPUT;
	p->out = xmalloc(p->out_max + 1);
	p->out[0] = '\0';
	p->timeout_ms = opts->timeout_ms;
	p->grace_ms = opts->grace_ms > 0 ? opts->grace_ms : PROC_KILL_GRACE_MS;
	p->cb = cb;
	p->arg = arg;
	loop_timer_init(&p->timeout, proc_timeout_timer, p);
	loop_timer_init(&p->kill, proc_kill_timer, p);

	env = proc_env(opts->env);
	p->start_ms = mono_ms();
	rc = posix_spawnp(&p->pid, argv[0], &fa, &attr, (char *const *)argv,
	    env);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", argv[0], strerror(rc));
		goto out;
	}
	close(pfd[1]);
	pfd[1] = -1;
	p->fd = pfd[0];
	pfd[0] = -1;
	TAILQ_INSERT_TAIL(&proc_list, p, entry);
	if (loop_fd_add(loop, p->fd, LOOP_READ, proc_readable, p) == -1) {
		snprintf(err, errlen, "watch output pipe: %s", strerror(errno));
		/* Killed and left on the list to be reaped, silently. */
		proc_cancel(p);
		p = NULL;
		goto out;
	}
	if (p->timeout_ms > 0)
		loop_timer_start(loop, &p->timeout, p->timeout_ms);
	ret = p;
	p = NULL;
out:
	if (p != NULL) {
		free(p->out);
		free(p);
	}
	free(env);
	if (attr_init)
		posix_spawnattr_destroy(&attr);
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	if (pfd[0] != -1)
		close(pfd[0]);
	if (pfd[1] != -1)
		close(pfd[1]);
	return ret;
}

void
proc_cancel(struct proc *p)
{
	if (p == NULL || p->cb == NULL)
		return;
	p->cb = NULL;
	loop_timer_stop(p->loop, &p->timeout);
	loop_timer_stop(p->loop, &p->kill);
	proc_close_pipe(p);
	if (!p->reaped)
		kill(-p->pid, SIGKILL);
}

size_t
proc_running(void)
{
	const struct proc *p;
	size_t n = 0;

	TAILQ_FOREACH(p, &proc_list, entry)
		n++;
	return n;
}

const char *
proc_describe(const struct proc_result *res, char *dst, size_t len)
{
	const char *sig = res->signo != 0 ? sigabbrev_np(res->signo) : NULL;
	char how[64];

	if (res->exited)
		snprintf(how, sizeof(how), "exited with status %d",
		    res->exit_status);
	else if (sig != NULL)
		snprintf(how, sizeof(how), "killed by signal %s", sig);
	else
		snprintf(how, sizeof(how), "killed by signal %d", res->signo);
	if (res->timed_out)
		snprintf(dst, len, "timed out after %llu ms, %s",
		    (unsigned long long)res->elapsed_ms, how);
	else
		snprintf(dst, len, "%s", how);
	return dst;
}
