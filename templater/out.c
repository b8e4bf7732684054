/* SPDX-License-Identifier: MIT */
/*
 * The output pipeline of one template, the last stage of the templater's
 * data flow: put a rendered result in place safely.  A run compares the
 * content with the live file (identical: nothing happens, no command);
 * when a check command is configured it writes the candidate to a
 * temporary file next to the destination and runs the check against it
 * BEFORE anything replaces the live file; then it swaps the file in
 * atomically and runs the command; every byte goes through lib/file.h.
 * When the command fails the previous content is put back and the
 * command run once more so the service comes back on the old file; the
 * daemon keeps running.  Every failure is logged once here, counted, and
 * handed to the report hook.  A content that cannot be written (a full
 * filesystem) is tried again every OUT_WRITE_RETRY_MS until it lands or a
 * newer one replaces it: space freed by someone else must not leave the
 * file stale until the data changes again.  Retries of the same content
 * log at debug level and are not reported again.
 *
 * Children run through lib/proc.h on the loop, so a slow "nginx -t" never
 * stops watches.  One run at a time per template: an offer made during a
 * run waits, and only the latest one is kept, so a change that comes
 * while the command reloads the proxy is written, and the command run
 * again, once that run is over.  Nor does one command ever run twice at
 * once: a template whose command (compared as configured) is running for
 * another template waits for that run to end before it runs its own, the
 * longest waiting first.  A proxy that loses a reload asked for during
 * another (HAProxy's master) is thus never asked, provided its command
 * returns only when the reload is over (examples/haproxy).
 *
 * The destination is trusted as lib/file.h says: its symbolic links are
 * followed, to read the live content as to write, only when the owner of
 * its directory made them; and the temporary files a killed templater
 * left beside it are removed when the pipeline is created.  In dry mode
 * nothing is written, removed or run: "> destination" and the content go
 * to stdout, exactly as consul-template prints them.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "templater.h"
#include "xmalloc.h"

#define OUT_TAIL_LOG 512 /* output bytes quoted in a log line */
#define OUT_CANDIDATE_ENV "TEMPLATER_CANDIDATE"
#define OUT_CANDIDATE_TAG "candidate" /* file_write_temp() tag */
#define OUT_WRITE_RETRY_MS 10000
#define OUT_SAID_MAX (OUT_TAIL_LOG + 160) /* a check's verdict, one line */

enum out_state {
	OUT_IDLE,
	OUT_CHECK, /* check running against the candidate */
	OUT_WAIT, /* file swapped; the command runs for another template */
	OUT_COMMAND, /* command running after the swap */
	OUT_RESTORE, /* command running again after a rollback */
	OUT_PROBE, /* check running against a trial (out_probe) */
};

struct out {
	TAILQ_ENTRY(out) entry; /* in out_all */
	struct loop *loop;
	const struct config_template *t; /* borrowed */
	bool dry;
	struct render_stats *stats; /* borrowed */
	out_done_cb *done;
	void *done_arg;
	report_cb *report;
	void *report_arg;
	enum out_state state;
	struct proc *proc; /* owned by proc.c while running */
	struct buf cur; /* content of this run */
	struct buf pending; /* latest offer made during a run */
	bool has_pending;
	uint64_t pending_changed_ns; /* oldest change pending shows, or 0 */
	uint64_t cur_changed_ns; /* same for cur */
	struct buf prev; /* live content before the swap */
	bool had_prev;
	char *candidate; /* owned: temp file path for check */
	struct loop_timer kick; /* starts a pending run */
	struct loop_timer retry; /* writes cur again after a failed write */
	bool retry_run; /* this run is such a retry */
	uint64_t wait_seq; /* OUT_WAIT: place in the queue */
	uint64_t offer_seq; /* last number out_offer() gave */
	uint64_t pending_seq; /* offer in pending */
	uint64_t cur_seq; /* offer in cur */
	out_verdict_cb *verdict;
	void *verdict_arg;
	bool rejected; /* this run's candidate failed its check */
	char said[OUT_SAID_MAX]; /* rejected: what the check said */
	out_probe_cb *probe_cb;
	void *probe_arg;
};

/*
 * Every pipeline alive, so that one can see whether another runs the
 * same command.  The only state shared between templates; the daemon
 * has one loop and one thread.
 */
static TAILQ_HEAD(out_list, out) out_all = TAILQ_HEAD_INITIALIZER(out_all);
static uint64_t out_wait_seq; /* last place given in a command queue */

static void out_proc_done(const struct proc_result *, void *);
static void out_rollback(struct out *, const struct proc_result *,
    const char *);

/* The last bytes of a command's output, for one log line. */
static const char *
out_tail(const char *s, size_t len)
{
	if (len == 0)
		return "no output";
	return len > OUT_TAIL_LOG ? s + len - OUT_TAIL_LOG : s;
}

/* What a check said, on one line: how it ended and its output's tail. */
static void
out_said(char *said, size_t size, const char *how,
    const struct proc_result *res)
{
	size_t i;

	snprintf(said, size, "%s: %s", how,
	    out_tail(res->output, res->output_len));
	for (i = 0; said[i] != '\0'; i++)
		if (said[i] == '\n' || said[i] == '\r')
			said[i] = ' ';
}

static void
out_report(struct out *o, enum report_kind kind, const char *cmd,
    const struct proc_result *res, const char *message)
{
	struct report rep = {
		.kind = kind,
		.template = o->t->name,
		.destination = o->t->destination,
		.command = cmd,
		.exit_status = -1,
		.output = "",
		.message = message,
		.candidate = buf_str(&o->cur),
		.candidate_len = o->cur.len,
	};

	if (o->had_prev) {
		rep.previous = buf_str(&o->prev);
		rep.previous_len = o->prev.len;
	}
	if (res != NULL) {
		rep.exit_status = res->exited ? res->exit_status
		    : res->signo > 0          ? 128 + res->signo
					      : -1;
		rep.timed_out = res->timed_out;
		rep.output = res->output;
	}
	if (o->report != NULL)
		o->report(&rep, o->report_arg);
}

/* Whether o and p run the same command. */
static bool
out_same_command(const struct out *o, const struct out *p)
{
	return o->t->command != NULL && p->t->command != NULL
	    && strcmp(o->t->command->text, p->t->command->text) == 0;
}

/* Whether another template runs o's command now. */
static bool
out_command_running(const struct out *o)
{
	const struct out *p;

	TAILQ_FOREACH(p, &out_all, entry)
		if (p != o && out_same_command(o, p)
		    && (p->state == OUT_COMMAND || p->state == OUT_RESTORE))
			return true;
	return false;
}

/*
 * o's command is over (or o goes away): the template that has waited
 * longest for the same command gets its turn, from the loop.
 */
static void
out_command_next(const struct out *o)
{
	struct out *p, *first = NULL;

	TAILQ_FOREACH(p, &out_all, entry)
		if (p != o && p->state == OUT_WAIT && out_same_command(o, p)
		    && (first == NULL || p->wait_seq < first->wait_seq))
			first = p;
	if (first != NULL)
		loop_timer_start(first->loop, &first->kick, 0);
}

/*
 * Ends a run; returns whether the verdict hook took a rejection over
 * (it then reports it itself).
 */
static bool
out_finish(struct out *o, bool failed)
{
	bool ran = o->state == OUT_COMMAND || o->state == OUT_RESTORE;
	bool taken = false;
	enum out_verdict v = !failed ? OUT_VERDICT_OK
	    : o->rejected            ? OUT_VERDICT_REJECTED
				     : OUT_VERDICT_FAILED;

	o->state = OUT_IDLE;
	o->retry_run = false;
	if (o->candidate != NULL) {
		(void)unlink(o->candidate);
		free(o->candidate);
		o->candidate = NULL;
	}
	if (ran)
		out_command_next(o);
	if (o->has_pending)
		loop_timer_start(o->loop, &o->kick, 0);
	o->rejected = false;
	if (o->verdict != NULL)
		taken = o->verdict(o->verdict_arg, o->cur_seq, v, o->said);
	o->done(o->done_arg, failed);
	return taken;
}

/* Appends s with every "{{.}}" and "{}" replaced by rep. */
static int
out_subst(struct buf *b, const char *s, const char *rep)
{
	while (*s != '\0') {
		if (strncmp(s, "{{.}}", 5) == 0) {
			if (buf_addstr(b, rep) == -1)
				return -1;
			s += 5;
		} else if (strncmp(s, "{}", 2) == 0) {
			if (buf_addstr(b, rep) == -1)
				return -1;
			s += 2;
		} else if (buf_addc(b, *s++) == -1)
			return -1;
	}
	return 0;
}

/* path quoted for sh: '...' with every ' written as '\''. */
static int
out_shell_quote(struct buf *b, const char *path)
{
	if (buf_addc(b, '\'') == -1)
		return -1;
	for (; *path != '\0'; path++) {
		if (*path == '\'') {
			if (buf_addstr(b, "'\\''") == -1)
				return -1;
		} else if (buf_addc(b, *path) == -1)
			return -1;
	}
	return buf_addc(b, '\'');
}

/*
 * Starts cmd for the next state; the candidate path (may be NULL) fills
 * the placeholders and TEMPLATER_CANDIDATE.
 */
static int
out_run(struct out *o, const struct config_cmd *cmd, const char *path,
    enum out_state next, char *err, size_t errlen)
{
	struct buf shell = BUF_INITIALIZER(CONFIG_CMD_MAX);
	struct buf quoted = BUF_INITIALIZER(CONFIG_CMD_MAX);
	struct buf words[CONFIG_ARGV_MAX];
	const char *argv[CONFIG_ARGV_MAX + 1];
	const char *env[2] = { NULL, NULL };
	struct proc_opts opts = { 0 };
	char *envvar = NULL;
	size_t i, n = 0;
	int ret = -1;

	if (path != NULL) {
		envvar = xasprintf("%s=%s", OUT_CANDIDATE_ENV, path);
		env[0] = envvar;
		opts.env = env;
	}
	if (cmd->argv != NULL) {
		for (n = 0; cmd->argv[n] != NULL && n < CONFIG_ARGV_MAX; n++) {
			buf_init(&words[n], CONFIG_CMD_MAX);
			if (out_subst(&words[n], cmd->argv[n],
				path != NULL ? path : "")
			    == -1) {
				snprintf(err, errlen, "command too long");
				n++;
				goto out;
			}
			argv[n] = buf_str(&words[n]);
		}
		argv[n] = NULL;
		opts.argv = argv;
	} else {
		if (path != NULL && out_shell_quote(&quoted, path) == -1) {
			snprintf(err, errlen, "path too long");
			goto out;
		}
		if (out_subst(&shell, cmd->text, buf_str(&quoted)) == -1) {
			snprintf(err, errlen, "command too long");
			goto out;
		}
		opts.shell = buf_str(&shell);
	}
	opts.timeout_ms = o->t->command_timeout_ms;
	o->proc = proc_start(o->loop, &opts, out_proc_done, o, err, errlen);
	if (o->proc == NULL)
		goto out;
	o->state = next;
	ret = 0;
out:
	for (i = 0; i < n; i++)
		buf_clear(&words[i]);
	buf_clear(&shell);
	buf_clear(&quoted);
	free(envvar);
	return ret;
}

/* The command failed or could not start: roll back and restore. */
static void
out_rollback(struct out *o, const struct proc_result *res, const char *why)
{
	const struct config_template *t = o->t;
	char err[FILE_ERR_MAX + 64], perr[PROC_ERR_MAX];
	struct file_opts fo = { .mode = t->perms, .backup = false };
	const char *tail
	    = res != NULL ? out_tail(res->output, res->output_len) : "";

	o->stats->command_failures++;
	out_report(o, REPORT_COMMAND, t->command->text, res, why);
	if (!o->had_prev) {
		log_warnx("template %s: command `%s` %s: %s; %s did not exist "
			  "before, nothing to roll back to",
		    t->name, t->command->text, why, tail, t->destination);
		out_finish(o, true);
		return;
	}
	log_warnx("template %s: command `%s` %s: %s; restoring the previous "
		  "%s and running the command again",
	    t->name, t->command->text, why, tail, t->destination);
	if (file_replace(t->destination, buf_str(&o->prev), o->prev.len, &fo,
		NULL, err, sizeof(err))
	    == -1) {
		log_warnx("template %s: rollback failed: %s", t->name, err);
		out_report(o, REPORT_ROLLBACK, NULL, NULL, err);
		out_finish(o, true);
		return;
	}
	if (out_run(o, t->command, NULL, OUT_RESTORE, perr, sizeof(perr))
	    == -1) {
		log_warnx("template %s: previous %s restored, but the command "
			  "cannot run again: %s",
		    t->name, t->destination, perr);
		out_finish(o, true);
	}
}

/*
 * The file is in place: runs the command, or queues o behind another
 * template's run of the same command (out_kick() tries again).
 */
static void
out_command(struct out *o)
{
	const struct config_template *t = o->t;
	char perr[PROC_ERR_MAX];

	if (out_command_running(o)) {
		if (o->state != OUT_WAIT) {
			o->state = OUT_WAIT;
			o->wait_seq = ++out_wait_seq;
			log_debug("template %s: command `%s` is running for "
				  "another template; waiting for it to end",
			    t->name, t->command->text);
		}
		return;
	}
	if (out_run(o, t->command, NULL, OUT_COMMAND, perr, sizeof(perr)) == -1)
		out_rollback(o, NULL, perr);
}

static void
out_swap(struct out *o)
{
	const struct config_template *t = o->t;
	struct file_opts fo = { .mode = t->perms, .backup = t->backup };
	enum file_how how;
	char err[FILE_ERR_MAX];

	if (file_replace(t->destination, buf_str(&o->cur), o->cur.len, &fo,
		&how, err, sizeof(err))
	    == -1) {
		if (o->retry_run)
			log_debug("template %s: %s; retrying in %d s", t->name,
			    err, OUT_WRITE_RETRY_MS / 1000);
		else {
			log_warnx("template %s: %s; the live file is kept, "
				  "retrying every %d s",
			    t->name, err, OUT_WRITE_RETRY_MS / 1000);
			out_report(o, REPORT_WRITE, NULL, NULL, err);
		}
		loop_timer_start(o->loop, &o->retry, OUT_WRITE_RETRY_MS);
		out_finish(o, true);
		return;
	}
	loop_timer_stop(o->loop, &o->retry);
	o->stats->writes++;
	o->stats->last_write_unix = (uint64_t)time(NULL);
	if (o->stats->change_to_write != NULL && o->cur_changed_ns != 0)
		metrics_observe(o->stats->change_to_write,
		    (double)(mono_ns() - o->cur_changed_ns) / 1e9);
	log_info("template %s: wrote %s (%zu bytes%s)", t->name, t->destination,
	    o->cur.len,
	    how == FILE_IN_PLACE ? ", in place: rename refused" : "");
	if (t->command == NULL) {
		out_finish(o, false);
		return;
	}
	out_command(o);
}

static void
out_check_done(struct out *o, const struct proc_result *res)
{
	const struct config_template *t = o->t;
	char how[128];

	if (res->exited && res->exit_status == 0) {
		out_swap(o);
		return;
	}
	o->stats->check_failures++;
	proc_describe(res, how, sizeof(how));
	log_warnx("template %s: check `%s` rejected the new content (%s): "
		  "%s; %s is left as it was",
	    t->name, t->check->text, how,
	    out_tail(res->output, res->output_len), t->destination);
	o->rejected = true;
	out_said(o->said, sizeof(o->said), how, res);
	if (!out_finish(o, true))
		out_report(o, REPORT_CHECK, t->check->text, res, how);
}

/* A trial's check is over: the file was never touched. */
static void
out_probe_done(struct out *o, const struct proc_result *res)
{
	char how[128], said[OUT_SAID_MAX];
	bool ok = res->exited && res->exit_status == 0;

	proc_describe(res, how, sizeof(how));
	out_said(said, sizeof(said), how, res);
	o->state = OUT_IDLE;
	(void)unlink(o->candidate);
	free(o->candidate);
	o->candidate = NULL;
	if (o->has_pending)
		loop_timer_start(o->loop, &o->kick, 0);
	o->probe_cb(o->probe_arg, ok, said);
}

static void
out_proc_done(const struct proc_result *res, void *arg)
{
	struct out *o = arg;
	const struct config_template *t = o->t;
	char how[128];
	bool ok = res->exited && res->exit_status == 0;

	o->proc = NULL;
	switch (o->state) {
	case OUT_CHECK:
		out_check_done(o, res);
		break;
	case OUT_PROBE:
		out_probe_done(o, res);
		break;
	case OUT_COMMAND:
		if (ok) {
			log_debug("template %s: command done", t->name);
			out_finish(o, false);
		} else
			out_rollback(o, res,
			    proc_describe(res, how, sizeof(how)));
		break;
	case OUT_RESTORE:
		if (ok)
			log_info("template %s: previous %s is live again",
			    t->name, t->destination);
		else
			log_warnx("template %s: command `%s` failed again on "
				  "the previous %s (%s): %s",
			    t->name, t->command->text, t->destination,
			    proc_describe(res, how, sizeof(how)),
			    out_tail(res->output, res->output_len));
		out_finish(o, true);
		break;
	case OUT_IDLE:
	case OUT_WAIT:
		break;
	}
}

static void
out_dry(struct out *o)
{
	const struct config_template *t = o->t;
	bool changed = true;
	char err[FILE_ERR_MAX];

	if (file_changed(t->destination, buf_str(&o->cur), o->cur.len, &changed,
		err, sizeof(err))
	    == -1)
		log_debug("template %s: %s", t->name, err);
	if (changed) {
		printf("> %s\n", t->destination);
		fwrite(buf_str(&o->cur), 1, o->cur.len, stdout);
		fflush(stdout);
	}
	out_finish(o, false);
}

static void
out_start(struct out *o)
{
	const struct config_template *t = o->t;
	char err[FILE_ERR_MAX + PROC_ERR_MAX];
	char *live = NULL;
	bool changed;

	buf_reset(&o->cur);
	(void)buf_add(&o->cur, buf_str(&o->pending), o->pending.len);
	o->has_pending = false;
	o->cur_seq = o->pending_seq;
	o->cur_changed_ns = o->pending_changed_ns;
	o->pending_changed_ns = 0;
	if (o->dry) {
		out_dry(o);
		goto out;
	}
	/* A link that may not be written through is not read either. */
	live = file_resolve(t->destination, err, sizeof(err));
	if (live == NULL
	    || file_changed(live, buf_str(&o->cur), o->cur.len, &changed, err,
		   sizeof(err))
		== -1) {
		log_warnx("template %s: %s; not written", t->name, err);
		out_report(o, REPORT_WRITE, NULL, NULL, err);
		out_finish(o, true);
		goto out;
	}
	if (!changed) {
		log_debug("template %s: %s is up to date", t->name,
		    t->destination);
		out_finish(o, false);
		goto out;
	}
	o->had_prev
	    = file_read(live, RENDER_OUT_MAX, &o->prev, err, sizeof(err)) == 0;
	if (!o->had_prev && errno != ENOENT) {
		log_warnx("template %s: %s; not written", t->name, err);
		out_report(o, REPORT_WRITE, NULL, NULL, err);
		out_finish(o, true);
		goto out;
	}
	if (t->check == NULL) {
		out_swap(o);
		goto out;
	}
	o->candidate = file_write_temp(t->destination, OUT_CANDIDATE_TAG,
	    buf_str(&o->cur), o->cur.len, err, sizeof(err));
	if (o->candidate == NULL
	    || out_run(o, t->check, o->candidate, OUT_CHECK, err, sizeof(err))
		== -1) {
		o->stats->check_failures++;
		log_warnx("template %s: check `%s` cannot run: %s; %s is left "
			  "as it was",
		    t->name, t->check->text, err, t->destination);
		out_report(o, REPORT_CHECK, t->check->text, NULL, err);
		out_finish(o, true);
	}
out:
	free(live);
}

static void
out_kick(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct out *o = arg;

	(void)loop;
	(void)timer;
	if (o->state == OUT_WAIT)
		out_command(o);
	else if (o->state == OUT_IDLE && o->has_pending)
		out_start(o);
}

/* A newer offer or run supersedes the retry of a failed write. */
static void
out_retry(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct out *o = arg;

	(void)loop;
	(void)timer;
	if (o->state != OUT_IDLE || o->has_pending)
		return;
	buf_reset(&o->pending);
	(void)buf_add(&o->pending, buf_str(&o->cur), o->cur.len);
	o->has_pending = true;
	o->retry_run = true;
	o->pending_seq = o->cur_seq;
	out_start(o);
}

/*
 * Removes what a templater killed while writing t's destination left
 * beside it: a new pipeline has no run under way yet.
 */
static void
out_sweep(struct out *o)
{
	static const char *const tags[] = { OUT_CANDIDATE_TAG, NULL };
	char err[FILE_ERR_MAX];
	int n;

	n = file_sweep(o->t->destination, tags, err, sizeof(err));
	if (n == -1)
		log_warnx("template %s: temporary files of an earlier run not "
			  "removed: %s",
		    o->t->name, err);
	else if (n > 0)
		log_info("template %s: removed %d temporary file%s an earlier "
			 "run left beside %s",
		    o->t->name, n, n == 1 ? "" : "s", o->t->destination);
}

struct out *
out_new(struct loop *loop, const struct config_template *t, bool dry,
    struct render_stats *stats, out_done_cb *done, void *arg)
{
	struct out *o;

	o = xcalloc(1, sizeof(*o));
	o->loop = loop;
	o->t = t;
	o->dry = dry;
	o->stats = stats;
	o->done = done;
	o->done_arg = arg;
	o->state = OUT_IDLE;
	buf_init(&o->cur, RENDER_OUT_MAX);
	buf_init(&o->pending, RENDER_OUT_MAX);
	buf_init(&o->prev, RENDER_OUT_MAX);
	loop_timer_init(&o->kick, out_kick, o);
	loop_timer_init(&o->retry, out_retry, o);
	TAILQ_INSERT_TAIL(&out_all, o, entry);
	if (!dry)
		out_sweep(o);
	return o;
}

void
out_free(struct out *o)
{
	if (o == NULL)
		return;
	TAILQ_REMOVE(&out_all, o, entry);
	if (o->state == OUT_COMMAND || o->state == OUT_RESTORE)
		out_command_next(o);
	if (o->proc != NULL)
		proc_cancel(o->proc);
	if (o->candidate != NULL) {
		(void)unlink(o->candidate);
		free(o->candidate);
	}
	loop_timer_stop(o->loop, &o->kick);
	loop_timer_stop(o->loop, &o->retry);
	buf_clear(&o->cur);
	buf_clear(&o->pending);
	buf_clear(&o->prev);
	free(o);
}

void
out_set_report(struct out *o, report_cb *report, void *arg)
{
	o->report = report;
	o->report_arg = arg;
}

uint64_t
out_offer(struct out *o, const char *data, size_t len, uint64_t changed_ns)
{
	/* An offer replacing one not taken yet shows its changes too. */
	if (changed_ns != 0
	    && (o->pending_changed_ns == 0
		|| changed_ns < o->pending_changed_ns))
		o->pending_changed_ns = changed_ns;
	buf_reset(&o->pending);
	(void)buf_add(&o->pending, data, len);
	o->has_pending = true;
	o->pending_seq = ++o->offer_seq;
	if (o->state == OUT_IDLE && !loop_timer_active(&o->kick))
		loop_timer_start(o->loop, &o->kick, 0);
	return o->pending_seq;
}

void
out_set_verdict(struct out *o, out_verdict_cb *verdict, void *arg)
{
	o->verdict = verdict;
	o->verdict_arg = arg;
}

int
out_probe(struct out *o, const char *data, size_t len, out_probe_cb *cb,
    void *arg, char *err, size_t errlen)
{
	const struct config_template *t = o->t;

	if (o->state != OUT_IDLE || t->check == NULL || o->dry) {
		snprintf(err, errlen, "no check can run now");
		return -1;
	}
	o->candidate = file_write_temp(t->destination, OUT_CANDIDATE_TAG, data,
	    len, err, errlen);
	if (o->candidate == NULL)
		return -1;
	o->probe_cb = cb;
	o->probe_arg = arg;
	if (out_run(o, t->check, o->candidate, OUT_PROBE, err, errlen) == -1) {
		(void)unlink(o->candidate);
		free(o->candidate);
		o->candidate = NULL;
		return -1;
	}
	return 0;
}

bool
out_busy(const struct out *o)
{
	return o->state != OUT_IDLE || o->has_pending;
}

uint64_t
out_running(const struct out *o)
{
	return o->state != OUT_IDLE && o->state != OUT_PROBE ? o->cur_seq : 0;
}
