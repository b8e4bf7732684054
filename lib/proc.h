/* SPDX-License-Identifier: MIT */
/*
 * Child processes on the event loop (tmux's job.c): check and reload
 * commands run without blocking the daemon.  A command is an argv array
 * looked up in PATH and executed directly; the "sh -c" form is used only
 * when the caller asks for it with a command string.  The child has its
 * own process group, /dev/null as stdin, and one pipe for stdout and
 * stderr together, read through the loop into a capped buffer that keeps
 * the last bytes when the output is longer.  A timeout sends SIGTERM to
 * the whole group, then SIGKILL after a grace period.  When the child has
 * been reaped (SIGCHLD through the loop's signalfd, then waitpid(WNOHANG)
 * for each of our children: other children of the process are left
 * alone), a completion callback receives how it ended and its output.
 *
 * Processes are started with posix_spawnp(3), which in glibc is a
 * vfork-style fork+execve: it reports a failed exec (missing program,
 * permission) synchronously, so proc_start() can return the error, and it
 * does not copy the parent's (sanitizer-sized) address space.
 */
#ifndef PROC_H
#define PROC_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct proc;

#define PROC_ERR_MAX 256
#define PROC_KILL_GRACE_MS 2000u
#define BUF_MAX_PROC_OUTPUT (64u * 1024) /* output tail kept by default */

/* Everything here is borrowed for the duration of proc_start() only. */
struct proc_opts {
	/* NULL-terminated; argv[0] is looked up in PATH if it has no '/'. */
	const char *const *argv;
	/* Instead of argv: a command string run as /bin/sh -c shell. */
	const char *shell;
	/*
	 * NULL-terminated "NAME=value" strings added to the daemon's
	 * environment (replacing a variable of the same name), or NULL.
	 */
	const char *const *env;
	uint64_t timeout_ms; /* 0: no timeout */
	uint64_t grace_ms; /* SIGTERM to SIGKILL; 0: PROC_KILL_GRACE_MS */
	size_t output_max; /* output tail kept; 0: BUF_MAX_PROC_OUTPUT */
};

/* Valid only during the completion callback. */
struct proc_result {
	pid_t pid;
	bool exited; /* exit_status is valid */
	int exit_status;
	int signo; /* signal that ended the child, or 0 */
	bool timed_out; /* it was killed because of the timeout */
	const char *output; /* stdout and stderr, NUL-terminated */
	size_t output_len;
	bool output_truncated; /* only the tail was kept */
	uint64_t elapsed_ms;
};

typedef void proc_done_cb(const struct proc_result *res, void *arg);

/*
 * Routes SIGCHLD through loop to the reaper.  Call once per loop, before
 * the first proc_start() on it.  Returns 0, or -1 with errno set.
 */
int proc_reaper_add(struct loop *loop);

/*
 * Starts a child as opts says.  On success returns a handle, owned by
 * this module: it stays valid until cb has returned (cb runs exactly once,
 * from the loop, never from inside proc_start) or until proc_cancel().
 * On failure (no reaper, pipe or spawn error, the program cannot be
 * executed) returns NULL with err filled, and cb is never called.
 */
struct proc *proc_start(struct loop *loop, const struct proc_opts *opts,
    proc_done_cb *cb, void *arg, char *err, size_t errlen);

/*
 * Kills the child's process group with SIGKILL and forgets the callback:
 * cb will not be called.  The handle must not be used afterwards; the
 * child is still reaped, and its memory freed, when SIGCHLD arrives.  Do
 * not call it from the process's own callback.
 */
void proc_cancel(struct proc *p);

/* Children started and not yet reaped, cancelled ones included. */
size_t proc_running(void);

/*
 * Describes how the child ended, e.g. "exited with status 1", "killed by
 * signal TERM" or "timed out after 500 ms, killed by signal TERM", into
 * dst of len bytes, and returns dst.
 */
const char *proc_describe(const struct proc_result *res, char *dst, size_t len);

#endif
