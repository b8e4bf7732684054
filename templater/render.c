/* SPDX-License-Identifier: MIT */
/*
 * Rendering: the middle of the templater's data flow.  Each template is
 * parsed once; a pass re-executes only the templates one of whose
 * dependencies changed generation since their last execution (watch.c
 * bumps it on every new answer), so one changed service does not
 * re-render every file.  Executing a template may name dependencies that
 * have no data yet: they get watches, and the template is executed again
 * when their answers come (consul-template's multi-pass evaluation).  A
 * result rendered while anything was missing is never written.
 *
 * A complete result that differs from the last one handed over goes to
 * the template's output pipeline (out.c): the first one at once, later
 * ones after the quiescence wait, min after the last change but never
 * later than max after the first change of a burst.  That rule is the
 * pure render_quiet_hold() (templater.h); a loop timer carries out what it
 * decides.  With refuse_empty, a
 * result computed while a watched service has no instance left is not
 * handed over, so the last good file stays.
 *
 * For templater_change_to_write_seconds each template remembers when the
 * oldest data change not yet handed over came (watch_changed_ns), and
 * out.c observes the time at the rename.
 *
 * A render is bounded (the steps, memory and time budgets of the
 * configuration: going over fails that template alone) and never holds
 * the daemon: the engine calls render_interrupt every few thousand steps,
 * which every RENDER_POLL_MS serves the loop's urgent watchers (the
 * signals, the /health and /metrics server) and stops the render when
 * the daemon is stopping.  docs/templater.md has the design.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "metrics.h"
#include "templater.h"
#include "xmalloc.h"

struct render_tpl {
	TAILQ_ENTRY(render_tpl) entry;
	struct render *r;
	const struct config_template *t; /* borrowed from the config */
	struct tmpl *tmpl;
	struct out *out;
	struct tmpl_deps deps; /* of the last execution */
	uint64_t *seen; /* generation of each dep then */
	bool executed;
	struct buf result; /* last complete result */
	struct buf scratch; /* the execution under way */
	struct buf offered; /* last content handed to out */
	bool offered_once;
	bool settled; /* out finished its first run */
	bool refused; /* refuse_empty is holding it */
	char *last_err; /* last execution error logged */
	struct render_quiet quiet;
	struct loop_timer quiet_timer;
	uint64_t change_ns; /* oldest change not handed over yet, or 0 */
};

TAILQ_HEAD(render_tpls, render_tpl);

/*
 * How often a render lets the signals and the HTTP server in: well
 * under the 1 s in which SIGTERM and /health must be answered.
 */
#define RENDER_POLL_MS 50
/* The longest reason render_interrupt gives. */
#define RENDER_WHY_MAX 128

struct render {
	struct loop *loop;
	const struct config *cfg;
	struct watch_set *set;
	struct render_tpls tpls;
	uint64_t gen_seen;
	bool force;
	bool failed;
	report_cb *report;
	void *report_arg;
	struct render_stats *stats; /* borrowed */
	/* The execution under way, for render_interrupt. */
	uint64_t exec_start_ms;
	uint64_t polled_ms; /* last loop_poll_urgent */
	bool interrupted; /* stopped because the daemon is stopping */
	char why[RENDER_WHY_MAX];
};

bool
render_quiet_hold(struct render_quiet *q, uint64_t now_ms, bool first,
    uint64_t *delay_ms)
{
	if (first || q->min_ms == 0)
		return false;
	if (!q->burst) {
		q->burst = true;
		q->deadline_ms = now_ms + q->max_ms;
	}
	/* min from now, but not past the burst's deadline. */
	if (now_ms >= q->deadline_ms)
		*delay_ms = 0;
	else if (q->deadline_ms - now_ms < q->min_ms)
		*delay_ms = q->deadline_ms - now_ms;
	else
		*delay_ms = q->min_ms;
	return true;
}

void
render_quiet_done(struct render_quiet *q)
{
	q->burst = false;
}

static void
render_offer(struct render_tpl *rt)
{
	uint64_t changed_ns = rt->change_ns;

	/* The changes are handed over now, or they changed nothing. */
	rt->change_ns = 0;
	if (rt->offered_once && rt->offered.len == rt->result.len
	    && memcmp(buf_str(&rt->offered), buf_str(&rt->result),
		   rt->result.len)
		== 0)
		return;
	buf_reset(&rt->offered);
	(void)buf_add(&rt->offered, buf_str(&rt->result), rt->result.len);
	rt->offered_once = true;
	out_offer(rt->out, buf_str(&rt->result), rt->result.len, changed_ns);
}

static void
render_quiet_cb(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct render_tpl *rt = arg;

	(void)loop;
	(void)timer;
	log_debug("template %s: quiet, writing", rt->t->name);
	render_quiet_done(&rt->quiet);
	render_offer(rt);
}

/* A new complete result: hand it over now, or (re)arm the quiet timer. */
static void
render_tick(struct render_tpl *rt)
{
	struct render *r = rt->r;
	uint64_t delay;

	if (rt->offered_once && !rt->quiet.burst
	    && rt->offered.len == rt->result.len
	    && memcmp(buf_str(&rt->offered), buf_str(&rt->result),
		   rt->result.len)
		== 0) {
		rt->change_ns = 0; /* nothing to write */
		return;
	}
	if (!render_quiet_hold(&rt->quiet, loop_now_ms(r->loop),
		!rt->offered_once, &delay)) {
		render_offer(rt);
		return;
	}
	loop_timer_start(r->loop, &rt->quiet_timer, delay);
}

/* refuse_empty: does a service this template uses have no instance? */
static const char *
render_empty_service(struct render_tpl *rt)
{
	const cJSON *data;
	size_t i;

	for (i = 0; i < rt->deps.n; i++) {
		if (strncmp(rt->deps.v[i].dep, "health.service(", 15) != 0)
			continue;
		data = watch_lookup(rt->r->set, rt->deps.v[i].dep);
		if (cJSON_IsArray(data) && cJSON_GetArraySize(data) == 0)
			return rt->deps.v[i].dep;
	}
	return NULL;
}

static void
render_report(struct render *r, const struct report *rep)
{
	if (r->report != NULL)
		r->report(rep, r->report_arg);
}

/*
 * Before an execution: the oldest answer that changed one of the
 * dependencies since the last one.  The first execution shows no change.
 */
static void
render_note_changes(struct render_tpl *rt)
{
	uint64_t ns;
	size_t i;

	if (!rt->executed)
		return;
	for (i = 0; i < rt->deps.n; i++) {
		if (watch_generation(rt->r->set, rt->deps.v[i].dep)
		    == rt->seen[i])
			continue;
		ns = watch_changed_ns(rt->r->set, rt->deps.v[i].dep);
		if (ns != 0 && (rt->change_ns == 0 || ns < rt->change_ns))
			rt->change_ns = ns;
	}
}

/*
 * The engine's interrupt hook (tmpl_exec_opts): the time budget, then,
 * every RENDER_POLL_MS, the loop's urgent watchers.  They cannot change
 * the answers the render reads: only signals and the HTTP server are
 * urgent.
 */
static const char *
render_interrupt(void *arg)
{
	struct render *r = arg;
	uint64_t now = mono_ms();

	if (r->cfg->render_max_time_ms > 0
	    && now - r->exec_start_ms > r->cfg->render_max_time_ms) {
		snprintf(r->why, sizeof(r->why),
		    "time budget exceeded: the render took more than %llu ms "
		    "(render_max_time)",
		    (unsigned long long)r->cfg->render_max_time_ms);
		return r->why;
	}
	if (now - r->polled_ms < RENDER_POLL_MS)
		return NULL;
	r->polled_ms = now;
	loop_poll_urgent(r->loop);
	if (!loop_stopping(r->loop))
		return NULL;
	r->interrupted = true;
	return "interrupted: the templater is stopping";
}

static void
render_execute(struct render_tpl *rt)
{
	struct render *r = rt->r;
	struct tmpl_exec_opts opts = {
		.lookup = watch_lookup,
		.lookup_arg = r->set,
		.max_steps = (uint64_t)r->cfg->render_max_steps,
		.max_bytes = (size_t)r->cfg->render_max_memory,
		.interrupt = render_interrupt,
		.interrupt_arg = r,
	};
	struct report rep = { 0 };
	struct timespec t0, t1, c0, c1;
	struct buf swap;
	char err[TMPL_ERR_MAX], werr[TMPL_ERR_MAX];
	const char *empty;
	size_t i;
	int rc;

	buf_reset(&rt->scratch);
	render_note_changes(rt);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	r->exec_start_ms = mono_ms();
	r->polled_ms = r->exec_start_ms;
	rc = tmpl_execute(rt->tmpl, &opts, &rt->scratch, &rt->deps, err,
	    sizeof(err));
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r->interrupted) {
		/* Neither a result nor a failure: the daemon is leaving. */
		log_info("template %s: render interrupted: the templater is "
			 "stopping",
		    rt->t->name);
		return;
	}
	r->stats->executions++;
	r->stats->exec_seconds += (double)(t1.tv_sec - t0.tv_sec)
	    + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (r->stats->render_cpu != NULL)
		metrics_observe(r->stats->render_cpu,
		    (double)(c1.tv_sec - c0.tv_sec)
			+ (double)(c1.tv_nsec - c0.tv_nsec) / 1e9);
	rt->executed = true;
	for (i = 0; i < rt->deps.n; i++)
		if (watch_add(r->set, rt->deps.v[i].dep, werr, sizeof(werr))
		    == -1)
			log_warnx("template %s: %s, not watched", rt->t->name,
			    werr);
	rt->seen = xreallocarray(rt->seen, rt->deps.n > 0 ? rt->deps.n : 1,
	    sizeof(*rt->seen));
	for (i = 0; i < rt->deps.n; i++)
		rt->seen[i] = watch_generation(r->set, rt->deps.v[i].dep);
	if (rt->deps.nmissing > 0) {
		/* The next answers will bring another pass. */
		log_debug("template %s: waiting for %zu of %zu dependencies",
		    rt->t->name, rt->deps.nmissing, rt->deps.n);
		return;
	}
	if (rc == -1) {
		r->stats->exec_errors++;
		r->failed = true;
		if (rt->last_err == NULL || strcmp(rt->last_err, err) != 0) {
			log_warnx("template %s: %s; keeping %s as it is",
			    rt->t->name, err, rt->t->destination);
			free(rt->last_err);
			rt->last_err = xstrdup(err);
			rep.kind = REPORT_RENDER;
			rep.template = rt->t->name;
			rep.destination = rt->t->destination;
			rep.exit_status = -1;
			rep.output = "";
			rep.message = err;
			render_report(r, &rep);
		}
		if (r->cfg->once)
			rt->settled = true;
		return;
	}
	free(rt->last_err);
	rt->last_err = NULL;
	empty = rt->t->refuse_empty ? render_empty_service(rt) : NULL;
	if (empty != NULL && access(rt->t->destination, F_OK) == 0) {
		if (!rt->refused)
			log_warnx("template %s: %s has no instance; keeping %s "
				  "(refuse_empty)",
			    rt->t->name, empty, rt->t->destination);
		rt->refused = true;
		if (r->cfg->once)
			rt->settled = true;
		return;
	}
	if (rt->refused)
		log_info("template %s: every service has instances again",
		    rt->t->name);
	rt->refused = false;
	/*
	 * Only a complete result replaces the last one: a quiescence timer
	 * running now must never hand over a partial rendering.
	 */
	swap = rt->result;
	rt->result = rt->scratch;
	rt->scratch = swap;
	render_tick(rt);
}

/*
 * A template is executed again when one of its dependencies changed, but
 * not while one it found missing has not been answered yet: during the
 * first passes hundreds of answers arrive one by one, and executing the
 * template for each would cost O(n^2).
 */
static bool
render_dirty(const struct render_tpl *rt)
{
	bool changed = false;
	uint64_t gen;
	size_t i;

	if (!rt->executed)
		return true;
	for (i = 0; i < rt->deps.n; i++) {
		gen = watch_generation(rt->r->set, rt->deps.v[i].dep);
		if (rt->deps.v[i].missing && gen == 0)
			return false;
		if (gen != rt->seen[i])
			changed = true;
	}
	return changed;
}

void
render_pass(struct render *r)
{
	struct render_tpl *rt;
	bool ran = false;
	size_t i;

	if (!r->force && watch_set_generation(r->set) == r->gen_seen)
		return;
	r->force = false;
	TAILQ_FOREACH(rt, &r->tpls, entry) {
		if (loop_stopping(r->loop))
			return;
		if (render_dirty(rt)) {
			render_execute(rt);
			ran = true;
		}
	}
	/* After the executions: watch_add() does not bump generations. */
	r->gen_seen = watch_set_generation(r->set);
	if (!ran)
		return;
	watch_unmark_all(r->set);
	TAILQ_FOREACH(rt, &r->tpls, entry)
		for (i = 0; i < rt->deps.n; i++)
			watch_mark(r->set, rt->deps.v[i].dep);
	watch_sweep(r->set);
}

static void
render_out_done(void *arg, bool failed)
{
	struct render_tpl *rt = arg;

	rt->settled = true;
	if (failed)
		rt->r->failed = true;
}

static void
render_tpl_free(struct render_tpl *rt)
{
	if (rt == NULL)
		return;
	loop_timer_stop(rt->r->loop, &rt->quiet_timer);
	out_free(rt->out);
	tmpl_free(rt->tmpl);
	tmpl_deps_clear(&rt->deps);
	free(rt->seen);
	buf_clear(&rt->result);
	buf_clear(&rt->scratch);
	buf_clear(&rt->offered);
	free(rt->last_err);
	free(rt);
}

static struct render_tpl *
render_tpl_new(struct render *r, const struct config_template *t, char *err,
    size_t errlen)
{
	struct render_tpl *rt;
	struct buf src = BUF_INITIALIZER(TMPL_SOURCE_MAX);
	struct tmpl_parse_opts popts = {
		.left_delim = t->left_delim,
		.right_delim = t->right_delim,
		.error_on_missing_key = t->error_on_missing_key,
	};
	char ferr[FILE_ERR_MAX];

	rt = xcalloc(1, sizeof(*rt));
	rt->r = r;
	rt->t = t;
	tmpl_deps_init(&rt->deps);
	buf_init(&rt->result, RENDER_OUT_MAX);
	buf_init(&rt->scratch, RENDER_OUT_MAX);
	buf_init(&rt->offered, RENDER_OUT_MAX);
	loop_timer_init(&rt->quiet_timer, render_quiet_cb, rt);
	/* -once and -dry write every result at once. */
	if (!r->cfg->once && !r->cfg->dry) {
		rt->quiet.min_ms
		    = t->wait_set ? t->wait_min_ms : r->cfg->wait_min_ms;
		rt->quiet.max_ms
		    = t->wait_set ? t->wait_max_ms : r->cfg->wait_max_ms;
	}
	if (file_read(t->source, TMPL_SOURCE_MAX, &src, ferr, sizeof(ferr))
	    == -1) {
		snprintf(err, errlen, "template %s: %s", t->name, ferr);
		goto fail;
	}
	rt->tmpl = tmpl_parse(t->source, buf_str(&src), src.len, &popts, err,
	    errlen);
	if (rt->tmpl == NULL)
		goto fail;
	rt->out
	    = out_new(r->loop, t, r->cfg->dry, r->stats, render_out_done, rt);
	buf_clear(&src);
	return rt;
fail:
	buf_clear(&src);
	render_tpl_free(rt);
	return NULL;
}

struct render *
render_new(struct loop *loop, const struct config *cfg, struct watch_set *set,
    struct render_stats *stats, char *err, size_t errlen)
{
	struct render *r;
	struct render_tpl *rt;
	const struct config_template *t;

	r = xcalloc(1, sizeof(*r));
	r->loop = loop;
	r->cfg = cfg;
	r->set = set;
	r->stats = stats;
	r->force = true;
	TAILQ_INIT(&r->tpls);
	TAILQ_FOREACH(t, &cfg->templates, entry) {
		rt = render_tpl_new(r, t, err, errlen);
		if (rt == NULL) {
			render_free(r);
			return NULL;
		}
		TAILQ_INSERT_TAIL(&r->tpls, rt, entry);
	}
	return r;
}

void
render_free(struct render *r)
{
	struct render_tpl *rt;

	if (r == NULL)
		return;
	while (!TAILQ_EMPTY(&r->tpls)) {
		rt = TAILQ_FIRST(&r->tpls);
		TAILQ_REMOVE(&r->tpls, rt, entry);
		render_tpl_free(rt);
	}
	free(r);
}

void
render_set_report(struct render *r, report_cb *report, void *arg)
{
	struct render_tpl *rt;

	r->report = report;
	r->report_arg = arg;
	TAILQ_FOREACH(rt, &r->tpls, entry)
		out_set_report(rt->out, report, arg);
}

bool
render_settled(const struct render *r)
{
	const struct render_tpl *rt;

	TAILQ_FOREACH(rt, &r->tpls, entry)
		if (!rt->settled || out_busy(rt->out))
			return false;
	return true;
}

bool
render_failed(const struct render *r)
{
	return r->failed;
}

void
render_log_missing(const struct render *r)
{
	const struct render_tpl *rt;
	struct buf list = BUF_INITIALIZER(2048);
	size_t i;

	TAILQ_FOREACH(rt, &r->tpls, entry) {
		if (rt->settled)
			continue;
		buf_reset(&list);
		for (i = 0; i < rt->deps.n; i++)
			if (rt->deps.v[i].missing
			    && buf_addf(&list, "%s%s", list.len > 0 ? ", " : "",
				   rt->deps.v[i].dep)
				== -1)
				break;
		if (list.len > 0)
			log_error("template %s: no data yet for %s",
			    rt->t->name, buf_str(&list));
		else
			log_error("template %s: not rendered yet", rt->t->name);
	}
	buf_clear(&list);
}

bool
render_busy(const struct render *r)
{
	const struct render_tpl *rt;

	TAILQ_FOREACH(rt, &r->tpls, entry)
		if (out_busy(rt->out))
			return true;
	return false;
}
