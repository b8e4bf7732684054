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
 *
 * Held dependencies, the last line of defence against one bad catalog
 * entry: every result records the answers it was rendered from (copies
 * of those that differ from the last good ones), and when a candidate
 * passes its check those become the template's last good answers.  When
 * the check refuses a candidate, an episode starts: trial renders with
 * some of the changed dependencies held at their last good answers, each
 * checked by out_probe() and nothing written, find which new answers
 * make it fail (held.c's plan, at most RENDER_TRIALS_MAX trials).  Those
 * dependencies are then held: every execution sees their last good
 * answer for as long as their watch brings nothing new, and the rest
 * flows.  A held dependency whose answer changes is tried again with
 * the next result, and flows again when that passes the check. *
 * writeToFile: the engine hands each call to render_write_keep, which
 * keeps it; the writes happen, in order, once the execution is complete
 * (no dependency missing, no error), so a first pass on partial data
 * writes nothing; -dry and the trial renders write nothing.
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

#define RENDER_TRIALS_MAX 24 /* trial renders + checks per episode */
/* names of held dependencies in a log line */
#define RENDER_HELD_LOG_MAX 2048
#define RENDER_UTC_MAX 32 /* "2026-12-06T22:09:00Z" */

/* One dependency's answer as a result used it. */
struct render_val {
	char *dep; /* owned */
	uint64_t gen; /* the watch's generation of that answer */
	cJSON *data; /* owned (free(), tmpl_data_pack); NULL: as good's */
	bool held; /* the result saw the last good answer, held */
};

/* The answers a result was rendered from.  Everything owned. */
struct render_rec {
	struct render_val *v;
	size_t n;
	uint64_t seq; /* out_offer()'s number; 0: not offered */
};

/* A dependency held at its last good answer. */
struct render_hold {
	char *dep; /* owned */
	uint64_t gen; /* the refused answer's generation */
	uint64_t since_unix; /* held since */
	char *said; /* owned: what the check said */
	bool used; /* the current execution saw the held answer */
};

/* An episode under way: trials to find the culprits. */
struct render_episode {
	bool on;
	struct render_rec rec; /* the refused candidate's answers */
	size_t *changed; /* indexes into rec.v; owned */
	bool *fresh; /* per changed dependency, of the trial; owned */
	bool *hold_now; /* per entry of rec: held in the trial; owned */
	struct held_plan plan;
	char *said; /* owned: what the check said of the candidate */
	struct buf out; /* a trial's rendering */
	struct tmpl_deps deps; /* a trial's dependencies */
	struct loop_timer timer; /* the next trial, from the loop */
};

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
	char *noquery; /* queries the engine could not make, as logged */
	struct render_quiet quiet;
	struct loop_timer quiet_timer;
	uint64_t change_ns; /* oldest change not handed over yet, or 0 */
	struct render_rec good; /* answers of the last result that passed */
	struct render_rec exec; /* answers of result */
	struct render_rec flight; /* of the offer out runs, if any */
	struct render_rec latest; /* of the latest offer */
	struct render_hold *holds; /* owned */
	size_t nholds;
	bool redo; /* execute again, even without a change */
	uint64_t offered_seq; /* out_offer()'s number for offered */
	bool offered_ok; /* offered passed (or was the live file already) */
	struct render_episode ep;
	/* writeToFile calls of the execution under way (render_write_keep). */
	struct render_write *writes; /* owned */
	size_t nwrites;
	size_t write_bytes;
};

/* One writeToFile call kept for after the execution; strings owned. */
struct render_write {
	char *path, *user, *group, *content;
	size_t len;
	unsigned mode;
	bool append;
};

/* writeToFile calls and their bytes one execution may make. */
#define RENDER_WRITES_MAX 64
#define RENDER_WRITE_BYTES_MAX ((size_t)64 << 20)

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

static void render_passed(struct render_tpl *, struct render_rec *);

static void
render_rec_clear(struct render_rec *rec)
{
	size_t i;

	for (i = 0; i < rec->n; i++) {
		free(rec->v[i].dep);
		free(rec->v[i].data);
	}
	free(rec->v);
	memset(rec, 0, sizeof(*rec));
}

/*
 * dep's entry in rec, or NULL.  Records of one template list their
 * dependencies mostly in the same order, so the search starts after the
 * last one found (*hint) and is linear only when the order changed.
 */
static struct render_val *
render_rec_find(const struct render_rec *rec, const char *dep, size_t *hint)
{
	size_t i, k, start = hint != NULL ? *hint : 0;

	for (k = 0; k < rec->n; k++) {
		i = (start + k) % rec->n;
		if (strcmp(rec->v[i].dep, dep) == 0) {
			if (hint != NULL)
				*hint = i + 1;
			return &rec->v[i];
		}
	}
	return NULL;
}

static struct render_hold *
render_hold_find(const struct render_tpl *rt, const char *dep)
{
	size_t i;

	for (i = 0; i < rt->nholds; i++)
		if (strcmp(rt->holds[i].dep, dep) == 0)
			return &rt->holds[i];
	return NULL;
}

static void
render_hold_remove(struct render_tpl *rt, struct render_hold *h)
{
	free(h->dep);
	free(h->said);
	*h = rt->holds[--rt->nholds];
}

/*
 * The engine's lookup: a held dependency's last good answer while its
 * watch brings nothing newer, else the watch's.
 */
static const cJSON *
render_lookup(void *arg, const char *dep)
{
	struct render_tpl *rt = arg;
	struct render_hold *h = render_hold_find(rt, dep);
	const struct render_val *g;

	if (h != NULL && watch_generation(rt->r->set, dep) == h->gen) {
		g = render_rec_find(&rt->good, dep, NULL);
		if (g != NULL && g->data != NULL) {
			h->used = true;
			return g->data;
		}
	}
	return watch_lookup(rt->r->set, dep);
}

/*
 * A trial's lookup: the refused candidate's answers, with the changed
 * dependencies not fresh in this trial at their last good answers.
 */
static const cJSON *
render_trial_lookup(void *arg, const char *dep)
{
	struct render_tpl *rt = arg;
	struct render_episode *ep = &rt->ep;
	const struct render_val *v, *g;

	v = render_rec_find(&ep->rec, dep, NULL);
	if (v != NULL && v->data != NULL && !ep->hold_now[v - ep->rec.v])
		return v->data;
	g = render_rec_find(&rt->good, dep, NULL);
	if (g != NULL && g->data != NULL)
		return g->data;
	return watch_lookup(rt->r->set, dep);
}

/*
 * After a complete execution: the answers it used, in rec (emptied
 * first); a copy only of those the last good result did not have.
 */
static void
render_record(struct render_tpl *rt, struct render_rec *rec)
{
	struct render_val *v, *g;
	struct render_hold *h;
	size_t i, hint = 0;

	render_rec_clear(rec);
	rec->v = xreallocarray(NULL, rt->deps.n > 0 ? rt->deps.n : 1,
	    sizeof(*rec->v));
	for (i = 0; i < rt->deps.n; i++) {
		v = &rec->v[rec->n++];
		memset(v, 0, sizeof(*v));
		v->dep = xstrdup(rt->deps.v[i].dep);
		g = render_rec_find(&rt->good, v->dep, &hint);
		h = render_hold_find(rt, v->dep);
		if (h != NULL && h->used && g != NULL) {
			v->gen = g->gen;
			v->held = true;
			continue;
		}
		v->gen = rt->seen[i];
		if (g == NULL || g->gen != v->gen)
			v->data
			    = tmpl_data_pack(watch_lookup(rt->r->set, v->dep));
	}
}

/*
 * The result is the content last offered: the check's verdict on that
 * content is this result's too.  A held dependency whose new answer
 * renders what passed (the bad entry gone, the rest as before) flows
 * again without a write.
 */
static void
render_same(struct render_tpl *rt)
{
	uint64_t seq = rt->latest.seq;

	if (seq != 0 && seq == rt->offered_seq) {
		render_rec_clear(&rt->latest);
		rt->latest = rt->exec;
		rt->latest.seq = seq;
		memset(&rt->exec, 0, sizeof(rt->exec));
	} else if (rt->offered_ok && rt->exec.n > 0)
		render_passed(rt, &rt->exec);
	render_rec_clear(&rt->exec);
}

static void
render_offer(struct render_tpl *rt)
{
	uint64_t changed_ns = rt->change_ns;

	if (rt->ep.on)
		return; /* the episode's end executes the template again */
	/* The changes are handed over now, or they changed nothing. */
	rt->change_ns = 0;
	if (rt->offered_once && rt->offered.len == rt->result.len
	    && memcmp(buf_str(&rt->offered), buf_str(&rt->result),
		   rt->result.len)
		== 0) {
		render_same(rt);
		return;
	}
	buf_reset(&rt->offered);
	(void)buf_add(&rt->offered, buf_str(&rt->result), rt->result.len);
	rt->offered_once = true;
	/* The latest offer not taken yet is never told a verdict. */
	if (rt->latest.seq != 0 && rt->latest.seq == out_running(rt->out)) {
		render_rec_clear(&rt->flight);
		rt->flight = rt->latest;
		memset(&rt->latest, 0, sizeof(rt->latest));
	}
	render_rec_clear(&rt->latest);
	rt->latest = rt->exec;
	memset(&rt->exec, 0, sizeof(rt->exec));
	rt->latest.seq = out_offer(rt->out, buf_str(&rt->result),
	    rt->result.len, changed_ns);
	rt->offered_seq = rt->latest.seq;
	rt->offered_ok = false;
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
		render_same(rt);
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

/*
 * Queries the engine could not make (a name too long) rendered as no
 * data; said once for each new description, and kept for /health.
 */
static void
render_note_refused(struct render_tpl *rt)
{
	char *what = NULL;

	if (rt->deps.nrefused > 0)
		what = xasprintf("%zu quer%s cannot be made, the first: %s",
		    rt->deps.nrefused, rt->deps.nrefused == 1 ? "y" : "ies",
		    rt->deps.refused != NULL ? rt->deps.refused : "");
	if (what != NULL
	    && (rt->noquery == NULL || strcmp(rt->noquery, what) != 0))
		log_warnx("template %s: %s; the rest is rendered", rt->t->name,
		    what);
	free(rt->noquery);
	rt->noquery = what;
}

static int
render_write_keep(void *arg, const struct tmpl_write *w, char *err,
    size_t errlen)
{
	struct render_tpl *rt = arg;
	struct render_write *k;

	if (rt->nwrites >= RENDER_WRITES_MAX
	    || w->len > RENDER_WRITE_BYTES_MAX - rt->write_bytes) {
		snprintf(err, errlen,
		    "writeToFile: more than %d calls or %zu bytes in one "
		    "render",
		    RENDER_WRITES_MAX, RENDER_WRITE_BYTES_MAX);
		return -1;
	}
	rt->writes
	    = xreallocarray(rt->writes, rt->nwrites + 1, sizeof(*rt->writes));
	k = &rt->writes[rt->nwrites++];
	k->path = xstrdup(w->path);
	k->user = xstrdup(w->user);
	k->group = xstrdup(w->group);
	k->content = xstrndup(w->content, w->len);
	k->len = w->len;
	k->mode = w->mode;
	k->append = w->append;
	rt->write_bytes += w->len;
	return 0;
}

/* A trial render writes nothing: writeToFile succeeds and is dropped. */
static int
render_write_drop(void *arg, const struct tmpl_write *w, char *err,
    size_t errlen)
{
	(void)arg;
	(void)w;
	(void)err;
	(void)errlen;
	return 0;
}

/*
 * Forgets the kept calls, after writing them when the execution was
 * complete (saying so, and writing nothing, with -dry).
 */
static void
render_writes_flush(struct render_tpl *rt, bool complete)
{
	struct render_write *k;
	struct tmpl_write w;
	char err[TMPL_ERR_MAX];
	size_t i;

	for (i = 0; i < rt->nwrites; i++) {
		k = &rt->writes[i];
		w = (struct tmpl_write) { .path = k->path,
			.user = k->user,
			.group = k->group,
			.mode = k->mode,
			.append = k->append,
			.content = k->content,
			.len = k->len };
		/* A partial pass's writes are not the file's: dropped. */
		if (complete && rt->r->cfg->dry)
			log_info("template %s: writeToFile %s not written "
				 "(-dry)",
			    rt->t->name, k->path);
		else if (complete
		    && tmpl_write_file(&w, err, sizeof(err)) == -1)
			log_warnx("template %s: %s", rt->t->name, err);
		else if (complete)
			log_debug("template %s: writeToFile wrote %zu bytes "
				  "to %s",
			    rt->t->name, k->len, k->path);
		free(k->path);
		free(k->user);
		free(k->group);
		free(k->content);
	}
	free(rt->writes);
	rt->writes = NULL;
	rt->nwrites = 0;
	rt->write_bytes = 0;
}

static void
render_execute(struct render_tpl *rt)
{
	struct render *r = rt->r;
	struct tmpl_exec_opts opts = {
		.lookup = render_lookup,
		.lookup_arg = rt,
		.max_steps = (uint64_t)r->cfg->render_max_steps,
		.max_bytes = (size_t)r->cfg->render_max_memory,
		.interrupt = render_interrupt,
		.interrupt_arg = r,
		.write_file = render_write_keep,
		.write_file_arg = rt,
	};
	struct report rep = { 0 };
	struct timespec t0, t1, c0, c1;
	struct buf swap;
	char err[TMPL_ERR_MAX], werr[TMPL_ERR_MAX];
	const char *empty;
	size_t i;
	int rc;

	buf_reset(&rt->scratch);
	rt->redo = false;
	for (i = 0; i < rt->nholds; i++)
		rt->holds[i].used = false;
	render_note_changes(rt);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	r->exec_start_ms = mono_ms();
	r->polled_ms = r->exec_start_ms;
	rc = tmpl_execute(rt->tmpl, &opts, &rt->scratch, &rt->deps, err,
	    sizeof(err));
	/* Only a complete execution's writeToFile calls are carried out. */
	render_writes_flush(rt,
	    rc == 0 && rt->deps.nmissing == 0 && !r->interrupted);
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
	render_note_refused(rt);
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
	render_record(rt, &rt->exec);
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

	if (rt->ep.on)
		return false; /* executed again when the episode ends */
	if (!rt->executed || rt->redo)
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

/* The record of offer seq, taken out of rt (the caller clears it). */
static bool
render_take_rec(struct render_tpl *rt, uint64_t seq, struct render_rec *rec)
{
	struct render_rec *from = NULL;

	if (seq != 0 && rt->flight.seq == seq)
		from = &rt->flight;
	else if (seq != 0 && rt->latest.seq == seq)
		from = &rt->latest;
	if (from == NULL)
		return false;
	*rec = *from;
	memset(from, 0, sizeof(*from));
	return true;
}

/* unix as "2026-12-06T22:09:00Z", for log lines. */
static const char *
render_utc(uint64_t unix, char *buf, size_t len)
{
	struct tm tm;
	time_t t = (time_t)unix;

	if (gmtime_r(&t, &tm) == NULL
	    || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%llu", (unsigned long long)unix);
	return buf;
}

/* A result passed: its answers are the last good ones now. */
static void
render_passed(struct render_tpl *rt, struct render_rec *rec)
{
	char when[RENDER_UTC_MAX];
	struct render_val *v, *g;
	struct render_hold *h;
	size_t i, hint = 0;

	for (i = 0; i < rec->n; i++) {
		v = &rec->v[i];
		h = render_hold_find(rt, v->dep);
		if (h != NULL && !v->held) {
			log_info("template %s: %s flows again (held since "
				 "%s; its new answer passed the check)",
			    rt->t->name, h->dep,
			    render_utc(h->since_unix, when, sizeof(when)));
			render_hold_remove(rt, h);
		}
		if (v->data != NULL)
			continue;
		g = render_rec_find(&rt->good, v->dep, &hint);
		if (g != NULL) {
			v->data = g->data;
			g->data = NULL;
		}
	}
	render_rec_clear(&rt->good);
	rt->good = *rec;
	rt->good.seq = 0;
	memset(rec, 0, sizeof(*rec));
}

static void
render_episode_clear(struct render_episode *ep)
{
	render_rec_clear(&ep->rec);
	free(ep->changed);
	free(ep->fresh);
	free(ep->hold_now);
	held_plan_free(&ep->plan);
	free(ep->said);
	ep->changed = NULL;
	ep->fresh = NULL;
	ep->hold_now = NULL;
	ep->said = NULL;
	ep->on = false;
}

/* The culprits are known: hold them, say so once, render the rest. */
static void
render_episode_end(struct render_tpl *rt)
{
	struct render_episode *ep = &rt->ep;
	struct buf names = BUF_INITIALIZER(RENDER_HELD_LOG_MAX);
	struct report rep = { 0 };
	struct render_hold *h;
	struct render_val *v;
	uint64_t now = (uint64_t)time(NULL), since = now;
	char msg[RENDER_HELD_LOG_MAX + 512], when[RENDER_UTC_MAX];
	size_t i;

	for (i = 0; i < ep->plan.n; i++) {
		if (!held_plan_culprit(&ep->plan, i))
			continue;
		v = &ep->rec.v[ep->changed[i]];
		h = render_hold_find(rt, v->dep);
		if (h == NULL) {
			rt->holds = xreallocarray(rt->holds, rt->nholds + 1,
			    sizeof(*rt->holds));
			h = &rt->holds[rt->nholds++];
			memset(h, 0, sizeof(*h));
			h->dep = xstrdup(v->dep);
			h->since_unix = now;
		}
		h->gen = v->gen;
		free(h->said);
		h->said = xstrdup(ep->said);
		if (h->since_unix < since)
			since = h->since_unix;
		(void)buf_addf(&names, "%s%s", names.len > 0 ? ", " : "",
		    v->dep);
	}
	snprintf(msg, sizeof(msg),
	    "holding %s at the last good answer (since %s, %u trial "
	    "checks; the check said: %s)",
	    names.len > 0 ? buf_str(&names) : "nothing",
	    render_utc(since, when, sizeof(when)), ep->plan.trials, ep->said);
	log_warnx("template %s: %s; the other dependencies flow", rt->t->name,
	    msg);
	rep.kind = REPORT_HELD;
	rep.template = rt->t->name;
	rep.destination = rt->t->destination;
	rep.command = rt->t->check != NULL ? rt->t->check->text : NULL;
	rep.exit_status = -1;
	rep.output = ep->said;
	rep.message = msg;
	render_report(rt->r, &rep);
	buf_clear(&names);
	render_episode_clear(ep);
	rt->redo = true;
	rt->r->force = true;
}

static void
render_trial_done(void *arg, bool passed, const char *said)
{
	struct render_tpl *rt = arg;

	log_debug("template %s: trial %u %s: %s", rt->t->name,
	    rt->ep.plan.trials + 1, passed ? "passed" : "refused", said);
	held_plan_result(&rt->ep.plan, passed);
	loop_timer_start(rt->r->loop, &rt->ep.timer, 0);
}

/* Runs the plan's next trial, or ends the episode. */
static void
render_trial_cb(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct render_tpl *rt = arg;
	struct render_episode *ep = &rt->ep;
	struct tmpl_exec_opts opts = {
		.lookup = render_trial_lookup,
		.lookup_arg = rt,
		.write_file = render_write_drop,
	};
	char err[TMPL_ERR_MAX];
	size_t i;

	(void)loop;
	(void)timer;
	if (!held_plan_next(&ep->plan, ep->fresh)) {
		render_episode_end(rt);
		return;
	}
	memset(ep->hold_now, 0, ep->rec.n * sizeof(*ep->hold_now));
	for (i = 0; i < ep->plan.n; i++)
		ep->hold_now[ep->changed[i]] = !ep->fresh[i];
	buf_reset(&ep->out);
	if (tmpl_execute(rt->tmpl, &opts, &ep->out, &ep->deps, err, sizeof(err))
		== -1
	    || ep->deps.nmissing > 0) {
		render_trial_done(rt, false, "the trial does not render");
		return;
	}
	if (out_probe(rt->out, buf_str(&ep->out), ep->out.len,
		render_trial_done, rt, err, sizeof(err))
	    == -1)
		render_trial_done(rt, false, err);
}

/*
 * The check refused offer seq: an episode starts when the candidate's
 * new answers can be told apart from the last good ones, and nothing
 * newer waits to be checked anyway.
 */
static bool
render_rejected(struct render_tpl *rt, uint64_t seq, const char *said)
{
	struct render_episode *ep = &rt->ep;
	struct render_val *v, *g;
	struct held_dep *d;
	size_t i, n, hint = 0;

	if (ep->on || out_busy(rt->out) || !render_take_rec(rt, seq, &ep->rec))
		return false;
	d = xcalloc(ep->rec.n > 0 ? ep->rec.n : 1, sizeof(*d));
	for (i = 0; i < ep->rec.n; i++) {
		v = &ep->rec.v[i];
		g = render_rec_find(&rt->good, v->dep, &hint);
		d[i].gen = v->gen;
		d[i].held = v->held;
		/* Without data (file(...)) there is nothing to hold. */
		if (g != NULL && g->data != NULL && v->data != NULL)
			d[i].good_gen = g->gen;
	}
	ep->changed = xreallocarray(NULL, ep->rec.n > 0 ? ep->rec.n : 1,
	    sizeof(*ep->changed));
	n = held_changed(d, ep->rec.n, ep->changed);
	free(d);
	if (held_plan_init(&ep->plan, n, RENDER_TRIALS_MAX) == -1) {
		render_episode_clear(ep);
		return false;
	}
	ep->fresh = xcalloc(n, sizeof(*ep->fresh));
	ep->hold_now = xcalloc(ep->rec.n, sizeof(*ep->hold_now));
	ep->said = xstrdup(said);
	ep->on = true;
	loop_timer_stop(rt->r->loop, &rt->quiet_timer);
	render_quiet_done(&rt->quiet);
	log_info("template %s: finding which of %zu changed dependencies "
		 "the check refuses",
	    rt->t->name, n);
	loop_timer_start(rt->r->loop, &ep->timer, 0);
	return true;
}

static bool
render_verdict(void *arg, uint64_t seq, enum out_verdict verdict,
    const char *said)
{
	struct render_tpl *rt = arg;
	struct render_rec rec = { 0 };

	switch (verdict) {
	case OUT_VERDICT_OK:
		if (seq == rt->offered_seq)
			rt->offered_ok = true;
		if (render_take_rec(rt, seq, &rec))
			render_passed(rt, &rec);
		render_rec_clear(&rec);
		return false;
	case OUT_VERDICT_REJECTED:
		return render_rejected(rt, seq, said);
	case OUT_VERDICT_FAILED:
		break;
	}
	return false;
}

static void
render_tpl_free(struct render_tpl *rt)
{
	if (rt == NULL)
		return;
	loop_timer_stop(rt->r->loop, &rt->quiet_timer);
	loop_timer_stop(rt->r->loop, &rt->ep.timer);
	out_free(rt->out);
	render_episode_clear(&rt->ep);
	buf_clear(&rt->ep.out);
	tmpl_deps_clear(&rt->ep.deps);
	render_rec_clear(&rt->good);
	render_rec_clear(&rt->exec);
	render_rec_clear(&rt->flight);
	render_rec_clear(&rt->latest);
	while (rt->nholds > 0)
		render_hold_remove(rt, &rt->holds[0]);
	free(rt->holds);
	tmpl_free(rt->tmpl);
	tmpl_deps_clear(&rt->deps);
	free(rt->seen);
	buf_clear(&rt->result);
	buf_clear(&rt->scratch);
	buf_clear(&rt->offered);
	free(rt->last_err);
	free(rt->noquery);
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
	loop_timer_init(&rt->ep.timer, render_trial_cb, rt);
	buf_init(&rt->ep.out, RENDER_OUT_MAX);
	tmpl_deps_init(&rt->ep.deps);
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
	out_set_verdict(rt->out, render_verdict, rt);
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

void
render_held_each(const struct render *r, render_held_cb *cb, void *arg)
{
	const struct render_tpl *rt;
	struct render_held_info h;
	size_t i;

	TAILQ_FOREACH(rt, &r->tpls, entry)
		for (i = 0; i < rt->nholds; i++) {
			h.template = rt->t->name;
			h.dep = rt->holds[i].dep;
			h.since_unix = rt->holds[i].since_unix;
			h.said = rt->holds[i].said;
			cb(&h, arg);
		}
}

void
render_refused_each(const struct render *r, render_refused_cb *cb, void *arg)
{
	const struct render_tpl *rt;

	TAILQ_FOREACH(rt, &r->tpls, entry)
		if (rt->noquery != NULL)
			cb(rt->t->name, rt->noquery, arg);
}
