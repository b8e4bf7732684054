/* SPDX-License-Identifier: MIT */
/*
 * The templater daemon's private interfaces, in data-flow order: watch.c
 * keeps one Consul blocking query per dependency and the last answer of
 * each (the "brain"); render.c re-executes the templates whose
 * dependencies changed and decides when a result may be written
 * (quiescence); out.c validates, swaps, reloads and rolls back.  The
 * template language itself is tmpl.h's.
 */
#ifndef TEMPLATER_H
#define TEMPLATER_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "loop.h"
#include "tmpl.h"

struct http;
struct metrics;
struct metric;

/* config.c */

#define CONFIG_ERR_MAX 512
#define CONFIG_ARGV_MAX 64 /* words of a list command */
#define CONFIG_CMD_MAX (16u * 1024) /* one command, expanded */

/*
 * A command: argv form (no shell) when configured as a JSON list of
 * strings (["nginx", "-s", "reload"]), else "/bin/sh -c TEXT" as
 * consul-template runs a plain string.  In a check, "{{.}}" and "{}" stand
 * for the candidate file's path.  Everything owned.
 */
struct config_cmd {
	char **argv; /* NULL-terminated; NULL: shell form */
	char *text; /* as configured, for messages */
};

/* One [template NAME] section or -template flag.  Strings owned. */
struct config_template {
	TAILQ_ENTRY(config_template) entry;
	char *name;
	char *source;
	char *destination; /* NULL: only with -dry */
	struct config_cmd *command; /* NULL: none */
	struct config_cmd *check; /* NULL: none */
	uint64_t command_timeout_ms;
	bool wait_set; /* else the global wait applies */
	uint64_t wait_min_ms;
	uint64_t wait_max_ms;
	int perms; /* -1: keep the existing file's */
	bool backup;
	char *left_delim; /* NULL: "{{" */
	char *right_delim;
	bool error_on_missing_key;
	bool refuse_empty;
};

TAILQ_HEAD(config_templates, config_template);

/* Everything the daemon runs with.  Strings owned; free: config_free. */
struct config {
	char *consul_addr;
	char *consul_token; /* secret */
	char *consul_token_file;
	char *consul_ca; /* CA bundle for https://, NULL: system store */
	char *consul_cert; /* client certificate or NULL; needs consul_key */
	char *consul_key;
	uint64_t wait_min_ms; /* 0: no quiescence */
	uint64_t wait_max_ms;
	uint64_t block_wait_ms;
	uint64_t max_stale_ms;
	long long max_conns; /* 1 to 100000 */
	/* The budget of one render of one template (tmpl_exec_opts). */
	long long render_max_steps; /* 1000 to 10^12 */
	uint64_t render_max_memory; /* bytes, 1 MiB to 4 GiB */
	uint64_t render_max_time_ms; /* 0: none */
	bool once;
	bool dry;
	uint64_t once_timeout_ms; /* 0: wait for ever */
	char *log_level;
	char *pid_file;
	char *listen; /* "host:port" for /health, /metrics */
	char *config_file; /* -config FILE, re-read on SIGHUP */
	char *sentry_dsn; /* NULL: no failure reports; holds a key */
	char *sentry_dsn_file; /* wins over sentry_dsn */
	struct config_templates templates;
	unsigned ntemplates;
};

/*
 * Parses the command line (argv[0] excluded by the caller: pass argc-1,
 * argv+1): defaults, then the -config file if any (lib/conf.h), then the
 * environment (CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, SENTRY_DSN), then the
 * flags, then -consul-token-file.  Returns 0 and fills cfg (config_free
 * it), 1 when --help or --version was printed, -2 with err filled for a
 * usage error, or -1 with err filled for a bad setting ("file:line:
 * [section] key: reason", "-flag: reason").
 */
int config_load(int argc, char **argv, struct config *cfg, char *err,
    size_t errlen);
void config_free(struct config *cfg);

/*
 * Splits a -template value "src[:dst[:command]]": everything after the
 * second colon is the command, colons included.  Returns 0 or -1 with err.
 */
int config_template_flag(const char *s, struct config_template *t, char *err,
    size_t errlen);
/* Parses "min[:max]" (Go durations); max defaults to 4 * min. */
int config_wait(const char *s, uint64_t *min_ms, uint64_t *max_ms, char *err,
    size_t errlen);
/*
 * Parses a command value: a JSON list of strings is the argv form,
 * anything else runs through sh -c.  Owned by the caller
 * (config_cmd_free).  NULL with err filled for an empty or bad value.
 */
struct config_cmd *config_cmd_parse(const char *s, char *err, size_t errlen);
void config_cmd_free(struct config_cmd *c);

/* watch.c */

#define WATCH_WAIT_DEFAULT_MS 60000 /* blocking wait sent to Consul */
#define WATCH_MAX_CONNS_DEFAULT 50 /* well under Consul's 200 per client */
#define WATCH_BODY_MAX (32u * 1024 * 1024) /* one answer */
#define WATCH_URL_MAX (8u * 1024)
#define WATCH_ROTATION_MS 10000 /* one turn of every dependency */
#define WATCH_TURN_MIN_MS 1000 /* shortest wait when oversubscribed */
#define WATCH_BACKOFF_MIN_MS 250
#define WATCH_BACKOFF_MAX_MS 10000

/* Borrowed by watch_set_new(), which copies what it keeps. */
struct watch_conf {
	const char *addr; /* "host:port" or a full http(s) URL */
	const char *token; /* ACL token or NULL; never logged */
	const char *ca_file; /* https:// CA bundle or NULL: system store */
	const char *cert_file; /* client certificate or NULL */
	const char *key_file; /* its key or NULL */
	uint64_t wait_ms; /* blocking wait; 0 = default */
	uint64_t max_stale_ms; /* 0 = consistent reads only */
	unsigned max_conns; /* requests in flight; 0 = default */
};

/* Counters for /metrics; read with watch_set_stats(). */
struct watch_stats {
	unsigned watches; /* distinct dependencies watched */
	unsigned in_flight; /* requests started, not answered */
	unsigned failing; /* watches whose last attempt failed */
	unsigned refused; /* dependencies Consul refuses to answer */
	unsigned detectors; /* change detectors running */
	unsigned parked; /* dependencies waiting for a detector to move */
	uint64_t errors; /* requests that failed */
};

struct watch_set;
struct http_result;

/*
 * A watch's place in its dependency's history between two requests: what
 * the index rules below read and move.  Embedded in each watch.
 */
struct watch_cursor {
	uint64_t index; /* sent as ?index=; 0: a plain read, no blocking */
	bool consistent; /* the next read goes to the leader, not ?stale */
	unsigned failures; /* consecutive */
};

/* What an answer asks of its watch. */
enum watch_step {
	WATCH_STEP_RETRY, /* no usable answer: watch_cursor_fail() */
	WATCH_STEP_LEADER, /* too stale: read again from the leader now */
	WATCH_STEP_SAME, /* the index sent came back: nothing new */
	WATCH_STEP_DATA, /* the body is the data */
	WATCH_STEP_MISSING, /* 404 with an index: no such key, data null */
	WATCH_STEP_POLL, /* data without an index: read again after a wait */
	WATCH_STEP_REFUSED, /* Consul refuses the query itself (400, 414) */
};

/*
 * Consul's blocking-query rules, pure: what res (borrowed) means for a
 * watch at c, which holds data already when answered, and c moved past
 * it.  A status saying the request itself is wrong (400, 413, 414, 431)
 * is REFUSED (c untouched): asking again brings the same answer.  A
 * transport error, or another status than 200 or a 404 carrying an
 * index, is RETRY (c untouched).  An answer to a ?stale read whose
 * X-Consul-LastContact exceeds max_stale_ms (0: no stale reads) is
 * LEADER, and c->consistent is set; any other answer clears it.  An
 * answer without an X-Consul-Index is POLL, and the next index 0.  An
 * index of 0 counts as 1 (the next request must still block).  The index
 * sent coming back (the wait ran out, or a spurious wake-up) is SAME when
 * data is held.  Otherwise the answer is data, and the next index is 0
 * when it went backwards (one plain read starts over), else the index.
 */
enum watch_step watch_cursor_answer(struct watch_cursor *c,
    const struct http_result *res, bool answered, uint64_t max_stale_ms);
/*
 * Counts one more failure and returns the delay before the next try:
 * WATCH_BACKOFF_MIN_MS doubled per consecutive failure up to
 * WATCH_BACKOFF_MAX_MS, with equal jitter (half the step, plus r's share
 * of the other half; r is random).  The index is dropped: an agent
 * restarted meanwhile starts its indexes over, and a blocking query on
 * the old one would hang for a whole wait.
 */
uint64_t watch_cursor_fail(struct watch_cursor *c, uint64_t r);
/*
 * The wait sent with a blocking query: wait_ms or, with more Consul
 * dependencies (nconsul) than requests that can be in flight at once
 * (max_conns: connections, or their HTTP/2 streams), short enough for
 * one turn of them all to take about WATCH_ROTATION_MS (not under
 * WATCH_TURN_MIN_MS, not over wait_ms); then less r's share of up to
 * 1/16, so that watches do not fire in waves.
 */
uint64_t watch_block_wait_ms(uint64_t wait_ms, unsigned nconsul,
    unsigned max_conns, uint64_t r);

/*
 * Change detectors (plain HTTP with more dependencies than connections):
 * a few catalog-wide blocking queries whose index movements say which
 * parked dependencies to read again.  What a detector watches:
 */
enum watch_detect_kind {
	WATCH_DETECT_SERVICES = 1, /* /v1/catalog/services: registrations */
	WATCH_DETECT_HEALTH = 2, /* /v1/health/state/any: check states */
	WATCH_DETECT_NODES = 4, /* /v1/catalog/nodes: nodes */
	WATCH_DETECT_KV = 8, /* /v1/kv/<root>?keys: keys under a root */
};
#define WATCH_DETECT_PER_DEP 3 /* detectors covering one dependency */
#define WATCH_DETECT_ROOT_MAX 256 /* a KV root, encoded, with its NUL */
#define WATCH_REFETCH_BATCH 32 /* parked re-reads in flight at once */

/*
 * Which detectors cover the Consul dependency at path and query (as
 * tmpl_dep_endpoint fills them), pure: a mask of WATCH_DETECT_* with at
 * most WATCH_DETECT_PER_DEP bits, and for a KV key its root (the encoded
 * key up to and including its first '/', or the whole key) in root.  0
 * when nothing covers it: another datacenter (dc=), an endpoint the
 * detectors do not see, or a root longer than rootlen.
 */
unsigned watch_detect_cover(const char *path, const char *query, char *root,
    size_t rootlen);
/*
 * Whether a detector's answer, as watch_cursor_answer() (with no stale
 * reads) judged it, is a movement that wakes what it covers, pure: its
 * first answer, a new index, an index gone backwards (its reset read
 * then counts once more), a 404 carrying an index (a KV root with no
 * keys).  The index sent coming back is not; failures are not either
 * (they send what it covers back to taking turns).
 */
bool watch_detect_moved(enum watch_step step);
/*
 * Whether detectors are worth their connections, pure: not over HTTP/2
 * (every query has a stream of its own), and only with more Consul
 * dependencies (nconsul) than connections (max_conns), where blocking
 * queries would otherwise take turns.
 */
bool watch_detect_wanted(bool multiplexed, unsigned nconsul,
    unsigned max_conns);
/*
 * What a covered dependency does after an answer, pure: park (no request
 * until a detector moves) when every detector covering it is healthy
 * (answered, not failing) and none moved since its request started
 * (their summed movement counts then and now); otherwise read again.
 */
bool watch_detect_park(bool healthy, uint64_t moves_started,
    uint64_t moves_now);
/*
 * Whether ndetectors detectors fit in max_conns HTTP/1.1 connections,
 * pure: each needs one for its whole wait, and one must be left for the
 * re-reads.  When they do not, no detector runs (a detector waiting for a
 * connection would vouch for what it cannot see) and dependencies take
 * turns, as without detectors.
 */
bool watch_detect_fit(unsigned ndetectors, unsigned max_conns);
/*
 * Connections held back for detectors, pure: one each, but never all of
 * them (capacity - 1 at most), so that dependencies still get answers.
 */
unsigned watch_detect_reserve(unsigned ndetectors, unsigned capacity);

/*
 * Creates the set of watches on loop, talking to Consul through http
 * (borrowed; it must outlive the set and should have been created with
 * the same connection cap).  Returns a set owned by the caller
 * (watch_set_free), or NULL with err filled when conf is unusable.
 */
struct watch_set *watch_set_new(struct loop *loop, struct http *http,
    const struct watch_conf *conf, char *err, size_t errlen);
/* Cancels every request and frees all data; NULL is accepted. */
void watch_set_free(struct watch_set *set);

/*
 * Makes sure dep (borrowed, a canonical dependency string from
 * tmpl_deps) is watched: a new one is queued for its first request.
 * Returns 0, or -1 with err filled when dep has no Consul endpoint.
 */
int watch_add(struct watch_set *set, const char *dep, char *err, size_t errlen);
/*
 * tmpl_lookup_cb over a struct watch_set: the data of dep, borrowed until
 * the loop runs again, or NULL when there is none yet.
 */
const cJSON *watch_lookup(void *set, const char *dep);
/*
 * The generation of dep's data: 0 before its first answer, then a value
 * that changes every time the data changes (file(...) dependencies: every
 * time the file's mtime, size or inode changes).
 */
uint64_t watch_generation(const struct watch_set *set, const char *dep);
/*
 * When dep's data last changed (mono_ns() at the answer that changed it),
 * 0 before the first answer.
 */
uint64_t watch_changed_ns(const struct watch_set *set, const char *dep);
/*
 * A counter bumped on every change of any dependency, so a caller can
 * tell cheaply that nothing happened since it last looked.
 */
uint64_t watch_set_generation(const struct watch_set *set);

/*
 * Mark and sweep of dependencies nobody uses any more: watch_unmark_all(),
 * then watch_mark() for each dependency still used, then watch_sweep()
 * cancels and frees the others.
 */
void watch_unmark_all(struct watch_set *set);
void watch_mark(struct watch_set *set, const char *dep);
void watch_sweep(struct watch_set *set);

void watch_set_stats(const struct watch_set *set, struct watch_stats *st);
/* A dependency Consul refuses, and its answer; borrowed for the call. */
typedef void watch_refused_cb(const char *dep, const char *why, void *arg);
void watch_refused_each(const struct watch_set *set, watch_refused_cb *cb,
    void *arg);

/* held.c */

#define HELD_CHANGED_MAX 4096 /* changed dependencies one episode sorts */
#define HELD_STACK_MAX 64 /* > log2(HELD_CHANGED_MAX) + 1 ranges */

struct held_range {
	size_t lo, hi; /* changed dependencies lo .. hi - 1 */
	bool fails; /* known to fail with those cleared so far */
	bool first; /* the first half of a range that failed */
};

/*
 * The trials of one held-dependency episode (pure): which of n changed
 * dependencies take their new answers in each trial, until the culprits
 * are known.  Embedded; state owned (held_plan_free).
 */
struct held_plan {
	size_t n;
	unsigned char *state; /* per dependency: unknown, clean, culprit */
	struct held_range stack[HELD_STACK_MAX];
	size_t top;
	unsigned trials; /* results given so far */
	unsigned max_trials;
};

/* One dependency of a refused candidate, as held_changed() reads it. */
struct held_dep {
	uint64_t gen; /* generation of the answer the candidate used */
	uint64_t good_gen; /* of the last good answer; 0: none kept */
	bool held; /* the candidate already used the last good answer */
};

/*
 * Which of a refused candidate's n dependencies changed: those with a
 * last good answer to fall back on, not held already, whose answer is
 * another one.  Fills idx with their indexes, in order; returns how many.
 */
size_t held_changed(const struct held_dep *d, size_t n, size_t *idx);

/*
 * Starts a plan for a candidate that failed with n (1 to
 * HELD_CHANGED_MAX) dependencies at new answers.  Returns 0, or -1 for
 * an n out of range.
 */
int held_plan_init(struct held_plan *p, size_t n, unsigned max_trials);
void held_plan_free(struct held_plan *p);
/*
 * The next trial: true with fresh[i] (n entries) set for the dependencies
 * that take their new answers, the others held at their last good ones;
 * false when the plan is over (the trial cap reached: every dependency
 * not cleared yet counts as a culprit).
 */
bool held_plan_next(struct held_plan *p, bool *fresh);
/* The check's verdict on the trial held_plan_next() gave. */
void held_plan_result(struct held_plan *p, bool passed);
/* Once the plan is over: whether dependency i is held. */
bool held_plan_culprit(const struct held_plan *p, size_t i);

/* render.c */

#define RENDER_OUT_MAX ((size_t)64 << 20) /* one rendered file */

/* What a failure hook is told; every pointer borrowed for the call. */
enum report_kind {
	REPORT_RENDER, /* template execution failed */
	REPORT_WRITE, /* the destination could not be written */
	REPORT_CHECK, /* the check command rejected the candidate */
	REPORT_COMMAND, /* the command failed; file rolled back */
	REPORT_ROLLBACK, /* the rollback itself failed */
	REPORT_HELD, /* dependencies held at their last good answers */
};

struct report {
	enum report_kind kind;
	const char *template; /* template name */
	const char *destination;
	const char *command; /* as configured, or NULL */
	int exit_status; /* exit code, 128+signal, -1: none */
	bool timed_out;
	const char *output; /* tail of the command's output, or "" */
	const char *message; /* what went wrong, one line */
	const char *previous; /* live content before, or NULL */
	size_t previous_len;
	const char *candidate; /* content that was refused */
	size_t candidate_len;
};

/*
 * Called once per failure, after it has been logged, so that another
 * reporter (Sentry) can be added without touching the data flow.
 */
typedef void report_cb(const struct report *r, void *arg);

/* Counters kept by render.c and out.c; owned by main, kept on reload. */
struct render_stats {
	uint64_t executions; /* template executions */
	double exec_seconds; /* time spent executing */
	uint64_t exec_errors;
	uint64_t writes; /* files replaced */
	uint64_t check_failures;
	uint64_t command_failures;
	uint64_t last_write_unix; /* wall clock of the last good write */
	/*
	 * Histograms in seconds, borrowed from main's metrics registry;
	 * NULL when there is none.  change_to_write: from the watch
	 * answer that changed data to the rename of a file that shows
	 * the change (quiescence included).  render_cpu: CPU time of one
	 * template execution.
	 */
	struct metric *change_to_write;
	struct metric *render_cpu;
};

/*
 * Quiescence, consul-template's wait: a new result is handed over min_ms
 * after the last change, but never later than max_ms after the first
 * change of a burst.  Embedded in each template's renderer.
 */
struct render_quiet {
	uint64_t min_ms; /* 0: no quiescence */
	uint64_t max_ms; /* at least min_ms */
	bool burst; /* a result waits to be handed over */
	uint64_t deadline_ms; /* burst: max_ms after its first change */
};

/*
 * A template has a new result at now_ms (pure).  Returns false when it
 * goes out at once: its first result (first), or no quiescence.  Else
 * returns true with *delay_ms set to the wait before it may go out: min
 * from now, cut short at the burst's deadline (a first change starts the
 * burst).  Each later change asks again; the last answer stands.
 */
bool render_quiet_hold(struct render_quiet *q, uint64_t now_ms, bool first,
    uint64_t *delay_ms);
/* The waiting result went out: the next change starts a new burst. */
void render_quiet_done(struct render_quiet *q);

struct render;

/*
 * Creates the renderer for cfg's templates (cfg borrowed: it must outlive
 * the renderer), reading and parsing every source.  Data comes from set;
 * counters go to stats (both borrowed).  Returns NULL with err filled
 * ("source:line:col: ...") when a template cannot be read or parsed.
 */
struct render *render_new(struct loop *loop, const struct config *cfg,
    struct watch_set *set, struct render_stats *stats, char *err,
    size_t errlen);
void render_free(struct render *r);
/* Installs the failure hook; report may be NULL. */
void render_set_report(struct render *r, report_cb *report, void *arg);
/*
 * Runs one pass: executes templates whose dependencies changed, starts
 * watches for new dependencies, drops unused ones, and hands complete
 * results to out.c (at once, or after the quiescence wait).  Meant for a
 * before-poll hook; cheap when nothing changed.
 */
void render_pass(struct render *r);
/*
 * For -once: true when every template has been rendered from complete
 * data and its output pipeline (check, write, command) has finished.
 */
bool render_settled(const struct render *r);
/* Whether any template failed (execution, check, write or command). */
bool render_failed(const struct render *r);
/* Logs which dependencies each unfinished template still waits for. */
void render_log_missing(const struct render *r);
/* Whether a check or command is running or a write is queued. */
bool render_busy(const struct render *r);

/* A dependency held at its last good answer; borrowed for the call. */
struct render_held_info {
	const char *template;
	const char *dep;
	uint64_t since_unix;
	const char *said; /* what the check said of its new answer */
};
typedef void render_held_cb(const struct render_held_info *h, void *arg);
/*
 * Calls cb for each template whose last execution had queries the
 * engine could not make (rendered as no data), with their description.
 */
typedef void render_refused_cb(const char *template, const char *what,
    void *arg);
void render_refused_each(const struct render *r, render_refused_cb *cb,
    void *arg);
/* Calls cb for each held dependency of each template. */
void render_held_each(const struct render *r, render_held_cb *cb, void *arg);

/* out.c */

struct out;

/* Told when a pipeline run ends; failed says whether anything failed. */
typedef void out_done_cb(void *arg, bool failed);

/*
 * The output pipeline of one template: compare, check the candidate,
 * swap atomically, run the command, roll back on failure.  t, stats and
 * report are borrowed and must outlive it.  In dry mode it prints
 * "> destination" and the content on stdout instead.
 */
struct out *out_new(struct loop *loop, const struct config_template *t,
    bool dry, struct render_stats *stats, out_done_cb *done, void *arg);
/* Kills a running command (without rollback) and frees; NULL accepted. */
void out_free(struct out *o);
void out_set_report(struct out *o, report_cb *report, void *arg);
/*
 * Offers new content (len bytes, copied).  When a run is under way the
 * content waits and only the latest offer is kept.  changed_ns is when
 * the oldest data change the content shows came (mono_ns(); 0: not a
 * change, e.g. the first rendering), for stats->change_to_write.
 * Returns the offer's number (from 1, increasing), which the verdict
 * hook names.
 */
uint64_t out_offer(struct out *o, const char *data, size_t len,
    uint64_t changed_ns);
bool out_busy(const struct out *o);
/* The number of the offer a run is under way for, or 0 when idle. */
uint64_t out_running(const struct out *o);

enum out_verdict {
	OUT_VERDICT_OK, /* written, or the live file already had it */
	OUT_VERDICT_REJECTED, /* the check command refused the candidate */
	OUT_VERDICT_FAILED, /* anything else: write, command, no check */
};

/*
 * Told how the run of offer seq ended, before the done hook; said (a
 * rejection: how the check ended and its output's tail, one line) is
 * borrowed for the call.  Returns true to take a rejection over: out.c
 * then does not report it (the caller reports what it makes of it).
 */
typedef bool out_verdict_cb(void *arg, uint64_t seq, enum out_verdict v,
    const char *said);
void out_set_verdict(struct out *o, out_verdict_cb *verdict, void *arg);

/* A trial's verdict; said as above, borrowed for the call. */
typedef void out_probe_cb(void *arg, bool passed, const char *said);
/*
 * Runs the check command on data (len bytes) in a temporary file beside
 * the destination, and nothing else: no write, no command, no report.
 * Only while out is idle (no run, probe or dry mode) and a check is
 * configured.  Returns 0 (cb is called later, from the loop), or -1 with
 * err filled.
 */
int out_probe(struct out *o, const char *data, size_t len, out_probe_cb *cb,
    void *arg, char *err, size_t errlen);

/* report.c */

/*
 * Failures as Sentry events (pure; templater.c sends them).  Grouped by
 * fingerprint ["templater", template, kind].
 */
#define REPORT_DIFF_LINES 40 /* changed lines shown */
#define REPORT_DIFF_MAX 8192 /* bytes of diff text */
#define REPORT_OUTPUT_MAX 8192 /* newest bytes of a command's output */

struct sentry_event;

/* "render", "write", "check", "command" or "rollback". */
const char *report_kind_name(enum report_kind kind);
/*
 * Appends a short diff of a (alen bytes; NULL: empty) to b: one hunk
 * "@@ -L,N +L,M @@" over the lines between the common head and tail,
 * "-" lines then "+" lines, at most max_lines of them and a "[... N more
 * changed lines]" line; "(no change)" when equal.  Returns 0, or -1 when
 * out's cap was hit (out keeps what fit).
 */
int report_diff(const char *a, size_t alen, const char *b, size_t blen,
    size_t max_lines, struct buf *out);
/*
 * The event for one failure: message, tags template/kind/exit_status/
 * host, context "template" (name, destination, command, exit status,
 * timed out, message), extra "output" (its tail) and "diff" (previous to
 * candidate).  host may be NULL.  Owned by the caller.
 */
struct sentry_event *report_event(const struct report *r, const char *host);

#endif
