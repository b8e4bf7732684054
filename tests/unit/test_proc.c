/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/proc.c, with real children on a real loop: argv
 * without a shell, the sh -c form, environment additions, stdout+stderr
 * capture with the tail kept, timeouts that kill the whole process group,
 * exec failures, cancel, and several children at once.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "proc.h"
#include "test.h"
#include "xmalloc.h"

struct outcome {
	int calls;
	bool exited;
	int status;
	int signo;
	bool timed_out;
	bool truncated;
	char *output;
	size_t output_len;
	uint64_t elapsed_ms;
};

static struct loop *loop;
static int pending;
static struct loop_timer guard;

static void
done(const struct proc_result *res, void *arg)
{
	struct outcome *o = arg;

	o->calls++;
	o->exited = res->exited;
	o->status = res->exit_status;
	o->signo = res->signo;
	o->timed_out = res->timed_out;
	o->truncated = res->output_truncated;
	T_EQ_INT(strlen(res->output), res->output_len);
	free(o->output);
	o->output = xstrndup(res->output, res->output_len);
	o->output_len = res->output_len;
	o->elapsed_ms = res->elapsed_ms;
	if (--pending == 0)
		loop_stop(loop);
}

static void
guard_fired(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	T_CHECK(0, "test took longer than its deadline");
	loop_stop(l);
}

/* Runs the loop until every started child has reported, or 15 s. */
static void
run(void)
{
	loop_timer_start(loop, &guard, 15000);
	loop_run(loop);
	loop_timer_stop(loop, &guard);
}

static struct proc *
start(const struct proc_opts *o, struct outcome *out)
{
	char err[PROC_ERR_MAX];
	struct proc *p;

	p = proc_start(loop, o, done, out, err, sizeof(err));
	T_CHECK(p != NULL, "proc_start: %s", err);
	if (p != NULL)
		pending++;
	return p;
}

static void
outcome_clear(struct outcome *o)
{
	free(o->output);
	memset(o, 0, sizeof(*o));
}

static void
test_argv_and_shell(void)
{
	const char *argv[] = { "echo", "a;b", "$HOME", "`id`", NULL };
	const char *env[] = { "AUX_VAR=hello world", "HOME=/nowhere", NULL };
	struct proc_opts o1 = { .argv = argv };
	struct proc_opts o2 = { .shell = "echo \"$AUX_VAR\" $HOME; "
					 "echo oops >&2; exit 3",
		.env = env };
	struct outcome r1 = { 0 }, r2 = { 0 };

	start(&o1, &r1);
	start(&o2, &r2);
	run();
	/* No shell: the arguments arrive as they were given. */
	T_EQ_INT(r1.calls, 1);
	T_ASSERT(r1.exited);
	T_EQ_INT(r1.status, 0);
	T_EQ_STR(r1.output, "a;b $HOME `id`\n");
	/* Shell form, environment additions replace, stderr captured. */
	T_EQ_INT(r2.calls, 1);
	T_ASSERT(r2.exited);
	T_EQ_INT(r2.status, 3);
	T_EQ_STR(r2.output, "hello world /nowhere\noops\n");
	T_ASSERT(!r2.truncated);
	outcome_clear(&r1);
	outcome_clear(&r2);
}

/*
 * The loop blocks signals for signalfd and the daemon may ignore some; a
 * child starts with none blocked and none of 1-31 ignored.  (glibc's
 * posix_spawn leaves its two internal signals, 32 and 33, ignored; glibc
 * programs install their own handlers for them when they need them.)
 */
static void
test_signal_state(void)
{
	const char *argv[]
	    = { "grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL };
	struct proc_opts o = { .argv = argv };
	struct outcome r = { 0 };
	unsigned long long blk = 1, ign = 1;

	signal(SIGPIPE, SIG_IGN);
	start(&o, &r);
	run();
	T_ASSERT(r.output != NULL
	    && sscanf(r.output, "SigBlk: %llx SigIgn: %llx", &blk, &ign) == 2);
	T_EQ_INT(blk, 0);
	T_EQ_INT(ign & 0x7fffffffull, 0);
	signal(SIGPIPE, SIG_DFL);
	outcome_clear(&r);
}

static void
test_output_tail(void)
{
	struct proc_opts small = { .shell = "seq 1 1000", .output_max = 10 };
	struct proc_opts big = { .shell = "head -c 300000 /dev/zero | tr "
					  "'\\0' x; echo; echo END" };
	struct outcome r1 = { 0 }, r2 = { 0 };

	start(&small, &r1);
	start(&big, &r2);
	run();
	T_EQ_STR(r1.output, "\n999\n1000\n");
	T_ASSERT(r1.truncated);
	T_EQ_INT(r1.status, 0);
	/* More than a pipe's worth: nothing blocks, the tail is kept. */
	T_EQ_INT(r2.output_len, BUF_MAX_PROC_OUTPUT);
	T_ASSERT(r2.truncated);
	T_ASSERT(r2.output_len > 5
	    && strcmp(r2.output + r2.output_len - 5, "\nEND\n") == 0);
	T_ASSERT(r2.output[0] == 'x');
	outcome_clear(&r1);
	outcome_clear(&r2);
}

static bool
process_gone(pid_t pid)
{
	char path[64], state = '?';
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return true;
	n = fscanf(f, "%*d %*s %c", &state);
	fclose(f);
	return n == 1 && (state == 'Z' || state == 'X');
}

/*
 * SIGKILL was sent to the group; the kernel may take a moment to finish
 * the grandchild off.  Polls for up to 5 s.
 */
static bool
wait_gone(pid_t pid)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	uint64_t deadline = mono_ms() + 5000;

	while (!process_gone(pid)) {
		if (mono_ms() > deadline)
			return false;
		nanosleep(&ts, NULL);
	}
	return true;
}

static void
test_timeouts(void)
{
	/*
	 * The timeouts leave the shells time to start even on a loaded
	 * machine: they must have run their first command when it fires.
	 */
	struct proc_opts term
	    = { .shell = "echo started; sleep 30", .timeout_ms = 1500 };
	/* The shell and its sleep ignore SIGTERM: SIGKILL after the grace. */
	struct proc_opts stubborn = { .shell = "trap '' TERM; sleep 30 & "
					       "echo $!; wait",
		.timeout_ms = 1500,
		.grace_ms = 500 };
	struct outcome r1 = { 0 }, r2 = { 0 };
	char desc[128];
	long long grandchild = 0;
	struct proc_result res = { 0 };

	start(&term, &r1);
	start(&stubborn, &r2);
	run();
	T_ASSERT(r1.timed_out);
	T_ASSERT(!r1.exited);
	T_EQ_INT(r1.signo, SIGTERM);
	T_EQ_STR(r1.output, "started\n");
	T_ASSERT(r1.elapsed_ms >= 1450 && r1.elapsed_ms < 10000);
	T_ASSERT(r2.timed_out);
	T_EQ_INT(r2.signo, SIGKILL);
	T_ASSERT(r2.elapsed_ms >= 1950 && r2.elapsed_ms < 10000);
	/* The whole group was killed, the background sleep included. */
	T_ASSERT(sscanf(r2.output, "%lld", &grandchild) == 1);
	T_ASSERT(grandchild > 0 && wait_gone((pid_t)grandchild));

	res.signo = SIGKILL;
	res.timed_out = true;
	res.elapsed_ms = 500;
	T_EQ_STR(proc_describe(&res, desc, sizeof(desc)),
	    "timed out after 500 ms, killed by signal KILL");
	res.exited = true;
	res.exit_status = 2;
	res.timed_out = false;
	T_EQ_STR(proc_describe(&res, desc, sizeof(desc)),
	    "exited with status 2");
	outcome_clear(&r1);
	outcome_clear(&r2);
}

static void
test_failures_and_cancel(void)
{
	const char *missing[] = { "/nonexistent/program", NULL };
	const char *notinpath[] = { "no-such-command-for-proc-test", NULL };
	const char *empty[] = { NULL };
	struct proc_opts o = { .argv = missing };
	struct proc_opts sleeper = { .shell = "sleep 30" };
	/* A grandchild keeping the pipe open does not delay completion. */
	struct proc_opts bg = { .shell = "sleep 30 & echo $!" };
	struct outcome never = { 0 }, r = { 0 };
	char err[PROC_ERR_MAX];
	struct proc *p;
	long long grandchild = 0;

	T_NULL(proc_start(loop, &o, done, &never, err, sizeof(err)));
	T_ASSERT(strstr(err, "/nonexistent/program") != NULL);
	T_ASSERT(strstr(err, "No such file") != NULL);
	o.argv = notinpath;
	T_NULL(proc_start(loop, &o, done, &never, err, sizeof(err)));
	T_ASSERT(strstr(err, "No such file") != NULL);
	o.argv = empty;
	T_NULL(proc_start(loop, &o, done, &never, err, sizeof(err)));
	T_EQ_INT(proc_running(), 0);

	p = proc_start(loop, &sleeper, done, &never, err, sizeof(err));
	T_NOT_NULL(p);
	T_EQ_INT(proc_running(), 1);
	proc_cancel(p);
	start(&bg, &r);
	run();
	T_EQ_INT(r.calls, 1);
	T_EQ_INT(r.status, 0);
	T_ASSERT(r.elapsed_ms < 10000);
	T_ASSERT(
	    r.output != NULL && sscanf(r.output, "%lld", &grandchild) == 1);
	if (grandchild > 0)
		kill((pid_t)-grandchild, SIGKILL);
	T_EQ_INT(never.calls, 0);
	outcome_clear(&r);
}

/* Runs until the cancelled child has been reaped, polling per turn. */
static void
drain_hook(struct loop *l, void *arg)
{
	(void)arg;
	if (proc_running() == 0)
		loop_stop(l);
}

static void
test_many(void)
{
	struct outcome r[8];
	struct proc_opts o = { 0 };
	char cmd[64];

	memset(r, 0, sizeof(r));
	for (int i = 0; i < 8; i++) {
		snprintf(cmd, sizeof(cmd), "sleep 0.%d; echo %d; exit %d",
		    8 - i, i, i);
		o.shell = cmd;
		start(&o, &r[i]);
	}
	run();
	for (int i = 0; i < 8; i++) {
		snprintf(cmd, sizeof(cmd), "%d\n", i);
		T_EQ_INT(r[i].calls, 1);
		T_EQ_INT(r[i].status, i);
		T_EQ_STR(r[i].output, cmd);
		outcome_clear(&r[i]);
	}
}

int
main(void)
{
	struct loop *other;
	struct proc_opts o = { .shell = "true" };
	char err[PROC_ERR_MAX];

	loop = loop_new();
	T_NOT_NULL(loop);
	if (loop == NULL)
		return test_report();
	loop_timer_init(&guard, guard_fired, NULL);

	/* Without a reaper nothing starts. */
	other = loop_new();
	T_NULL(proc_start(other, &o, done, NULL, err, sizeof(err)));
	T_ASSERT(strstr(err, "reaper") != NULL);
	loop_free(other);

	T_EQ_INT(proc_reaper_add(loop), 0);
	test_argv_and_shell();
	test_signal_state();
	test_output_tail();
	test_timeouts();
	test_failures_and_cancel();
	test_many();

	loop_hook_add(loop, drain_hook, NULL);
	if (proc_running() > 0)
		run();
	T_EQ_INT(proc_running(), 0);
	loop_free(loop);
	return test_report();
}
