/* SPDX-License-Identifier: MIT */
/*
 * Reconciliation's driver: the middle of the data flow, between the
 * container table (what runs, containers.c) and agent.c (what Consul
 * holds).  As a subscriber of the table it keeps, in its section of each
 * container's record, the services derive.c made for it; the decisions
 * are reconcile_plan.c's, and this file carries out their plans: passes,
 * writes, their backoff and timers.  A pass reads the agent's services
 * and plans the PUTs and deregistrations that make the agent equal to
 * what is wanted.  Passes run at start, after Docker changes other than
 * a start, after a Docker reconnect and listing, every few seconds
 * against the agent (a dev agent that restarts loses everything; the poll
 * notices our services missing) and every --resync.  A failed pass is
 * retried with backoff, so a write is never dropped.
 *
 * Two changes skip the pass's GET, because they are the ones a user
 * waits for: the services of a container that an event showed starting
 * (or changing) are PUT as soon as its inspect is read, and with
 * --deregister always the services of a container are deregistered as
 * soon as its die event arrives, before any inspect (the ID is all it
 * takes).  Writes for one service ID never overlap: a write wanted while
 * another is in flight is left to a pass that runs when it completes.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "hash.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

TAILQ_HEAD(rc_writes, rc_write);

/* A deregistration a die event asked for, until the hook sends it. */
struct rc_note {
	TAILQ_ENTRY(rc_note) entry;
	char *service_id;
	char *ctr_id;
	uint64_t event_ns; /* the die's timeNano */
};
TAILQ_HEAD(rc_notes, rc_note);

struct reconcile {
	struct loop *loop;
	struct agent *agent;
	struct docker *docker;
	struct containers *table;
	const struct reconcile_config *cfg;
	char *host_name;
	struct rc_writes writes;
	/*
	 * Definitions the agent refused with 400: sending one again cannot
	 * help, so it is not retried (and does not fail the pass, which
	 * would delay every other write) until its definition changes.
	 */
	struct reconcile_marks refused;
	struct rc_notes gone; /* deregistrations a die event asked for */
	struct reconcile_marks recent; /* writes done while a GET ran */
	/*
	 * Service IDs refused as collisions (hash ""), each logged once, and
	 * the agent's last answer they are decided against between passes.
	 */
	struct reconcile_marks clashed;
	struct agent_services last_have;
	/*
	 * last_have holds a real answer: until then a collision cannot be
	 * decided (the agent's holder wins), so the fast path leaves every
	 * registration to the first pass.
	 */
	bool have_known;

	bool synced; /* a whole listing has been seen */
	bool dirty;
	bool busy; /* a pass is in flight */
	bool get_inflight; /* its GET /v1/agent/services has not answered */
	bool pass_failed;
	unsigned inflight;
	unsigned failures; /* passes failed in a row */
	struct backoff backoff;
	uint64_t pass_start_ms;
	bool finished; /* once/dry-run reported */

	struct loop_timer retry_timer;
	struct loop_timer poll_timer;
	struct loop_timer resync_timer;
	struct loop_timer health_timer;

	struct metric *m_events;
	struct metric *m_registrations;
	struct metric *m_deregistrations;
	struct metric *m_errors;
	struct metric *m_reconcile;
	struct metric *m_services;
	struct metric *m_latency;
	struct metric *m_dereg_latency;
	struct metric *m_inspect;
	struct metric *m_put;
};

/* One write in flight, listed so reconcile_free() can release it. */
struct rc_write {
	TAILQ_ENTRY(rc_write) entry;
	struct reconcile *rc;
	char *service_id;
	char *ctr_id; /* register, deregister: for the latency metrics */
	char hash[17]; /* register: the definition sent */
	bool reg;
	bool dereg;
	bool pass; /* counted in the pass's inflight */
	bool again; /* another write of this ID waits: kick a pass after */
	bool maint_on; /* maintenance: on (else off) */
	uint64_t start_ns; /* monotonic, when it was sent */
	uint64_t event_ns; /* deregister: the die's timeNano, or 0 */
};

static void rc_kick(struct reconcile *);
static void rc_pass_end(struct reconcile *);

static uint64_t
rc_realtime_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- sections ---- */

static struct reconcile_ctr *
rc_ctr_find(const struct reconcile *rc, const char *id)
{
	struct containers_rec *rec = containers_find(rc->table, id);

	return rec != NULL ? rec->rc : NULL;
}

/* The first section from rec on, in the table's order. */
static struct reconcile_ctr *
rc_ctr_from(const struct containers_rec *rec)
{
	for (; rec != NULL; rec = containers_next(rec))
		if (rec->rc != NULL)
			return rec->rc;
	return NULL;
}

static struct reconcile_ctr *
rc_first(const struct reconcile *rc)
{
	return rc_ctr_from(containers_first(rc->table));
}

static struct reconcile_ctr *
rc_next(const struct reconcile_ctr *c)
{
	return rc_ctr_from(containers_next(c->rec));
}

static void
rc_services_free(struct service *services, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		service_clear(&services[i]);
	free(services);
}

static void
rc_ctr_drop_services(struct reconcile_ctr *c)
{
	rc_services_free(c->services, c->nservices);
	c->services = NULL;
	c->nservices = 0;
}

static void rc_lift_cb(struct loop *, struct loop_timer *, void *);

static void
rc_clash_forget(struct reconcile *rc, const char *id)
{
	for (size_t i = 0; i < rc->clashed.n; i++)
		if (strcmp(rc->clashed.v[i].service_id, id) == 0) {
			reconcile_marks_del(&rc->clashed, i);
			return;
		}
}

static struct reconcile_ctr *
rc_ctr_new(struct reconcile *rc, struct containers_rec *rec, const char *name)
{
	struct reconcile_ctr *c;

	c = xcalloc(1, sizeof(*c));
	c->owner = rc;
	loop_timer_init(&c->lift_timer, rc_lift_cb, c);
	c->rec = rec;
	c->name = xstrdup(name);
	c->state = RECONCILE_DOWN;
	rec->rc = c;
	return c;
}

static void
rc_ctr_free(struct reconcile_ctr *c)
{
	loop_timer_stop(c->owner->loop, &c->lift_timer);
	c->rec->rc = NULL;
	rc_ctr_drop_services(c);
	free(c->name);
	free(c->health);
	free(c);
}

static void
rc_note_add(struct rc_notes *list, const char *service_id, const char *ctr_id,
    uint64_t event_ns)
{
	struct rc_note *n;

	n = xcalloc(1, sizeof(*n));
	n->service_id = xstrdup(service_id);
	n->ctr_id = xstrdup(ctr_id);
	n->event_ns = event_ns;
	TAILQ_INSERT_TAIL(list, n, entry);
}

static void
rc_note_free(struct rc_notes *list, struct rc_note *n)
{
	TAILQ_REMOVE(list, n, entry);
	free(n->service_id);
	free(n->ctr_id);
	free(n);
}

static bool
rc_is_refused(const struct reconcile *rc, const struct service *s)
{
	return reconcile_marks_has(&rc->refused, s->id, s->hash);
}

/* Forgets refusals whose service is gone or has a new definition. */
static void
rc_refused_prune(struct reconcile *rc)
{
	const struct service *s;
	size_t i = 0;

	while (i < rc->refused.n) {
		s = reconcile_plan_wanted(rc->table,
		    rc->refused.v[i].service_id, NULL);
		if (s == NULL || strcmp(s->hash, rc->refused.v[i].hash) != 0)
			reconcile_marks_del(&rc->refused, i);
		else
			i++;
	}
}

/* The service with that ID in list, or NULL. */
static const struct service *
rc_service_in(const struct service *list, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i].id, id) == 0)
			return &list[i];
	return NULL;
}

/*
 * Derives c's services from the parsed container, replacing the old ones.
 * Sets rec->put_wanted when a service is new or its definition changed;
 * returns true when a service of the old set is no longer derived (only a
 * pass can tell whether the agent holds it).
 */
static bool
rc_derive(struct reconcile *rc, struct reconcile_ctr *rec,
    const struct container *c)
{
	struct derive_options o = rc->cfg->derive;
	struct derive_result res;
	char err[REGISTRATOR_ERR_MAX];
	struct service *old;
	const struct service *prev;
	size_t i, nold, n = 0;
	uint64_t h = HASH_FNV1A_64_INIT;
	bool dropped = false;

	o.host_name = rc->host_name;
	derive_result_init(&res);
	if (derive_services(c, &o, &res, err, sizeof(err)) == -1) {
		log_warnx("container %s: %s, not registered", c->name, err);
		if (rc->m_errors != NULL)
			metrics_inc(rc->m_errors);
		derive_result_clear(&res);
		return false;
	}
	/* The same refusals on every event of a container are logged once. */
	for (i = 0; i < res.nwarnings; i++)
		h = hash_fnv1a_64_str(h, res.warnings[i]);
	if (h != rec->warn_hash)
		for (i = 0; i < res.nwarnings; i++)
			log_warnx("%s", res.warnings[i]);
	rec->warn_hash = h;
	old = rec->services;
	nold = rec->nservices;
	rec->services = NULL;
	rec->nservices = 0;
	rec->services
	    = xreallocarray(NULL, res.nservices + 1, sizeof(*rec->services));
	for (i = 0; i < res.nservices; i++) {
		struct service *s = &res.services[i];
		const struct reconcile_ctr *other = NULL;

		if (reconcile_plan_wanted(rc->table, s->id, &other) != NULL
		    && other != rec) {
			log_warnx("container %s: service ID %s is already "
				  "used by container %s, skipped",
			    c->name, s->id, other->name);
			service_clear(s);
			continue;
		}
		prev = rc_service_in(old, nold, s->id);
		if (prev == NULL || strcmp(prev->hash, s->hash) != 0)
			rec->put_wanted = true;
		rec->services[n++] = *s;
		memset(s, 0, sizeof(*s));
	}
	rec->nservices = n;
	derive_result_clear(&res);
	for (i = 0; i < nold; i++)
		if (rc_service_in(rec->services, n, old[i].id) == NULL)
			dropped = true;
	rc_services_free(old, nold);
	return dropped;
}

/*
 * Decides every wanted service's collisions against have (the agent's
 * answer) and the table: rc->clashed gets the losers, and each newly
 * refused one is logged once, naming its container and the SERVICE_* key
 * its name or ID came from.
 */
static void
rc_clashes(struct reconcile *rc, const struct agent_services *have)
{
	struct reconcile_clash_with with;
	const struct reconcile_ctr *sec;
	const struct service *s;
	enum reconcile_clash k;
	const char *key;
	size_t i;

	for (sec = rc_first(rc); sec != NULL; sec = rc_next(sec)) {
		if (!reconcile_wanted(sec))
			continue;
		for (i = 0; i < sec->nservices; i++) {
			s = &sec->services[i];
			k = reconcile_plan_clash(rc->table, have, s, &with);
			if (k == RECONCILE_CLASH_NONE) {
				if (reconcile_marks_has(&rc->clashed, s->id,
					"")) {
					log_info("service %s: no longer "
						 "collides, registering",
					    s->id);
					rc_clash_forget(rc, s->id);
				}
				continue;
			}
			if (reconcile_marks_has(&rc->clashed, s->id, ""))
				continue;
			reconcile_marks_add(&rc->clashed, s->id, "");
			if (k == RECONCILE_CLASH_NAME)
				key = s->name_key[0] != '\0' ? s->name_key
							     : "default name";
			else
				key = s->id_key[0] != '\0' ? s->id_key
							   : "default ID";
			log_warnx("container %s: %s: service %s \"%s\" "
				  "refused: %s \"%s\" of %s%s came "
				  "first%s; not registered",
			    sec->name, key,
			    k == RECONCILE_CLASH_NAME ? "name" : "ID",
			    k == RECONCILE_CLASH_NAME ? s->name : s->id,
			    k == RECONCILE_CLASH_NAME ? "name" : "ID",
			    k == RECONCILE_CLASH_NAME ? with.name : with.id,
			    with.ctr != NULL ? "container " : "",
			    with.ctr != NULL ? with.ctr : "another owner",
			    k == RECONCILE_CLASH_NAME
				? " (they differ only in case, which nginx "
				  "does not tell apart)"
				: " (equal once ':' and other characters "
				  "proxies refuse are mapped to '_')");
		}
	}
	/* Forget the IDs no longer wanted at all. */
	i = 0;
	while (i < rc->clashed.n)
		if (reconcile_plan_wanted(rc->table,
			rc->clashed.v[i].service_id, NULL)
		    == NULL)
			reconcile_marks_del(&rc->clashed, i);
		else
			i++;
}

/* ---- writes ---- */

static struct rc_write *
rc_write_new(struct reconcile *rc, const char *service_id)
{
	struct rc_write *w;

	w = xcalloc(1, sizeof(*w));
	w->rc = rc;
	w->service_id = xstrdup(service_id);
	TAILQ_INSERT_TAIL(&rc->writes, w, entry);
	return w;
}

static void
rc_write_free(struct rc_write *w)
{
	TAILQ_REMOVE(&w->rc->writes, w, entry);
	free(w->service_id);
	free(w->ctr_id);
	free(w);
}

static void
rc_maintenance_done(const struct agent_result *res, void *arg)
{
	struct rc_write *w = arg;

	if (res->error != 0 || res->status != 200)
		log_warnx("service %s: maintenance %s: %s%s", w->service_id,
		    w->maint_on ? "on failed, the die event will deregister it"
				: "off failed, a start or --resync retries",
		    res->error != 0 ? res->errmsg : "HTTP error ",
		    res->error != 0 ? "" : "(not 200)");
	else if (w->maint_on)
		log_info("service %s: in maintenance while its container "
			 "stops",
		    w->service_id);
	else
		log_info("service %s: out of maintenance", w->service_id);
	rc_write_free(w);
}

static void
rc_ttl_done(const struct agent_result *res, void *arg)
{
	struct rc_write *w = arg;

	if (res->error != 0 || res->status != 200)
		log_debug("check %s: TTL update failed (%s, HTTP %ld), the "
			  "next refresh retries",
		    w->service_id, res->error != 0 ? res->errmsg : "",
		    res->status);
	rc_write_free(w);
}

/*
 * Carries out the MAINTENANCE and TTL actions of a plan; they are not
 * retried by passes (a TTL refresh and the die cover a failed one).
 */
static void
rc_side_writes(struct reconcile *rc, const struct reconcile_plan *plan)
{
	const struct reconcile_act *a;
	struct rc_write *w;
	size_t i;

	if (rc->agent == NULL || rc->cfg->dry_run)
		return;
	for (i = 0; i < plan->n; i++) {
		a = &plan->v[i];
		w = rc_write_new(rc, a->id);
		w->maint_on = a->enable;
		if (a->kind == RECONCILE_MAINTENANCE)
			agent_maintenance(rc->agent, a->id, a->enable,
			    a->reason, rc_maintenance_done, w);
		else
			agent_check_update(rc->agent, a->id, a->status,
			    a->output, rc_ttl_done, w);
	}
}

/* Mirrors the Docker health status into the services' TTL checks. */
static void
rc_health_push(struct reconcile *rc, const struct reconcile_ctr *rec)
{
	struct reconcile_plan plan;

	reconcile_plan_init(&plan);
	reconcile_plan_health(rec, &plan);
	rc_side_writes(rc, &plan);
	reconcile_plan_clear(&plan);
}

/* A PUT for one of the container's services is in flight (other than w). */
static bool
rc_ctr_putting(const struct reconcile *rc, const char *ctr_id,
    const struct rc_write *w)
{
	const struct rc_write *x;

	TAILQ_FOREACH(x, &rc->writes, entry)
		if (x != w && x->reg && strcmp(x->ctr_id, ctr_id) == 0)
			return true;
	return false;
}

static void
rc_observe_since(struct metric *m, uint64_t event_ns, uint64_t now_ns)
{
	if (m != NULL && event_ns != 0 && now_ns >= event_ns)
		metrics_observe(m, (double)(now_ns - event_ns) / 1e9);
}

/*
 * Called when nothing more will be PUT for rec's start: observes the time
 * from the start event to its registration, when one completed after it
 * (the inspect of another event, a network connect, may have issued it).
 */
static void
rc_start_done(struct reconcile *rc, struct reconcile_ctr *rec)
{
	if (rec->start_ns == 0 || rec->put_wanted
	    || rc_ctr_putting(rc, rec->rec->id, NULL))
		return;
	if (rec->state == RECONCILE_UP && rec->nservices > 0
	    && rec->reg_ns >= rec->start_ns)
		rc_observe_since(rc->m_latency, rec->start_ns, rec->reg_ns);
	rec->start_ns = 0;
}

/* The reg or dereg write in flight for this service ID, or NULL. */
static struct rc_write *
rc_write_busy(const struct reconcile *rc, const char *service_id)
{
	struct rc_write *w;

	TAILQ_FOREACH(w, &rc->writes, entry)
		if ((w->reg || w->dereg)
		    && strcmp(w->service_id, service_id) == 0)
			return w;
	return NULL;
}

static void
rc_write_done(const struct agent_result *res, void *arg)
{
	struct rc_write *w = arg;
	struct reconcile *rc = w->rc;
	struct reconcile_ctr *rec;
	uint64_t now;
	bool pass = w->pass, ok = false;

	if (w->reg && res->error == 0 && res->status == 400) {
		int blen = res->body_len > 200 ? 200 : (int)res->body_len;

		log_warnx("registering %s: refused by the agent: %.*s; not "
			  "retried until its definition changes",
		    w->service_id, blen, res->body != NULL ? res->body : "");
		reconcile_marks_add(&rc->refused, w->service_id, w->hash);
		if (rc->m_errors != NULL)
			metrics_inc(rc->m_errors);
	} else if (res->error != 0 || res->status != 200) {
		int blen = res->body_len > 200 ? 200 : (int)res->body_len;

		log_warnx("%s %s: %s%.*s (HTTP %ld)%s",
		    w->reg ? "registering" : "deregistering", w->service_id,
		    res->error != 0 ? res->errmsg : "",
		    res->error != 0 ? 0 : blen,
		    res->body != NULL ? res->body : "", res->status,
		    pass ? "" : ", a pass retries");
		if (pass)
			rc->pass_failed = true;
		else
			rc_kick(rc);
		if (rc->m_errors != NULL)
			metrics_inc(rc->m_errors);
	} else
		ok = true;
	if (ok && rc->get_inflight)
		reconcile_marks_add(&rc->recent, w->service_id,
		    w->reg ? w->hash : "");
	now = rc_realtime_ns();
	if (ok && w->reg) {
		log_info("registered %s", w->service_id);
		if (rc->m_registrations != NULL)
			metrics_inc(rc->m_registrations);
		if (rc->m_put != NULL)
			metrics_observe(rc->m_put,
			    (double)(mono_ns() - w->start_ns) / 1e9);
		rec = rc_ctr_find(rc, w->ctr_id);
		if (rec != NULL) {
			rec->reg_ns = now;
			/* w is still listed: rc_start_done must not count it.
			 */
			if (rec->start_ns != 0
			    && !rc_ctr_putting(rc, rec->rec->id, w)) {
				rc_observe_since(rc->m_latency, rec->start_ns,
				    now);
				rec->start_ns = 0;
			}
			rc_health_push(rc, rec);
		}
	} else if (ok) {
		log_info("deregistered %s", w->service_id);
		if (rc->m_deregistrations != NULL)
			metrics_inc(rc->m_deregistrations);
		rc_observe_since(rc->m_dereg_latency, w->event_ns, now);
		rec = rc_ctr_find(rc, w->ctr_id);
		if (rec != NULL)
			rec->die_ns = 0;
	}
	if (w->again)
		rc_kick(rc);
	rc_write_free(w);
	if (pass && --rc->inflight == 0)
		rc_pass_end(rc);
}

/*
 * Starts a write unless one for the same ID is in flight: the agent may
 * apply two overlapping writes in either order, so the later one is left
 * to a pass that runs when the first completes.
 */
static struct rc_write *
rc_write_start(struct reconcile *rc, const char *service_id, bool pass)
{
	struct rc_write *w;

	w = rc_write_busy(rc, service_id);
	if (w != NULL) {
		w->again = true;
		return NULL;
	}
	w = rc_write_new(rc, service_id);
	w->pass = pass;
	w->start_ns = mono_ns();
	if (pass)
		rc->inflight++;
	return w;
}

static void
rc_put(struct reconcile *rc, const struct service *s, const char *why,
    bool pass)
{
	struct rc_write *w;
	char *body;

	body = service_json_text(s);
	if (rc->cfg->dry_run) {
		(void)printf("%s\n", body);
		free(body);
		return;
	}
	w = rc_write_start(rc, s->id, pass);
	if (w == NULL) {
		log_debug("service %s: %s, registering after the write in "
			  "flight",
		    s->id, why);
		free(body);
		return;
	}
	log_debug("service %s: %s, registering", s->id, why);
	w->reg = true;
	(void)str_copy(w->hash, s->hash, sizeof(w->hash));
	w->ctr_id = xstrdup(s->container_id);
	agent_register(rc->agent, body, rc_write_done, w);
	free(body);
}

static void
rc_delete(struct reconcile *rc, const char *id, const char *ctr_id,
    uint64_t event_ns, const char *why, bool pass)
{
	struct rc_write *w;

	w = rc_write_start(rc, id, pass);
	if (w == NULL) {
		log_debug("service %s: %s, deregistering after the write in "
			  "flight",
		    id, why);
		return;
	}
	log_debug("service %s: %s, deregistering", id, why);
	w->dereg = true;
	w->ctr_id = xstrdup(ctr_id != NULL ? ctr_id : "");
	w->event_ns = event_ns;
	agent_deregister(rc->agent, id, rc_write_done, w);
}

/* ---- the table's notifications ---- */

static void
rc_ready(struct reconcile *rc, const char *host_name)
{
	const char *h = rc->cfg->host_override != NULL ? rc->cfg->host_override
						       : host_name;

	if (rc->host_name != NULL && strcmp(rc->host_name, h) == 0)
		return;
	if (rc->host_name != NULL)
		log_warnx("docker: host name changed from %s to %s",
		    rc->host_name, h);
	free(rc->host_name);
	rc->host_name = xstrdup(h);
}

/* Writes without a pass: not in once or dry-run mode. */
static bool
rc_fast(const struct reconcile *rc)
{
	return !rc->cfg->once && !rc->cfg->dry_run && rc->agent != NULL;
}

static void
rc_change(struct reconcile *rc, struct containers_rec *r,
    const struct containers_change *ch)
{
	struct reconcile_ctr *rec = r->rc;
	const struct container *c = ch->c;
	struct reconcile_plan plan;
	enum reconcile_step step;
	bool kick = true, maintenance;

	if (ch->inspect == NULL) {
		if (rec != NULL) {
			log_info("container %s: removed", rec->name);
			rc_ctr_free(rec);
			rc_kick(rc);
		}
		return;
	}
	if (rc->m_inspect != NULL && ch->inspect_ns != 0)
		metrics_observe(rc->m_inspect, (double)ch->inspect_ns / 1e9);
	if (c == NULL) {
		log_warnx("container %.12s: inspect unusable: %s, ignored",
		    r->id, ch->inspect_err);
		if (rc->m_errors != NULL)
			metrics_inc(rc->m_errors);
		return;
	}
	if (rec == NULL)
		rec = rc_ctr_new(rc, r, c->name);
	else if (strcmp(rec->name, c->name) != 0) {
		free(rec->name);
		rec->name = xstrdup(c->name);
	}
	free(rec->health);
	rec->health = xstrdup(c->state.health);
	if (!c->state.running || c->state.restarting)
		rec->start_ns = 0;
	reconcile_plan_init(&plan);
	step = reconcile_plan_change(rec, c, ch->actions, ch->operator_stop,
	    ch->kill_signal, rc->cfg, &plan, &maintenance);
	/* Without writes (-dry-run) nothing is in maintenance. */
	if (rc->agent != NULL && !rc->cfg->dry_run)
		rec->in_maintenance = maintenance;
	rc_side_writes(rc, &plan);
	/*
	 * Every kill restarts the wait; a stop, a start or anything that
	 * ends the maintenance ends it (a health event does not).
	 */
	if (step == RECONCILE_STEP_STOPPING && rec->in_maintenance)
		loop_timer_start(rc->loop, &rec->lift_timer,
		    reconcile_plan_stop_wait_ms(c));
	else if (step != RECONCILE_STEP_RUN || !rec->in_maintenance)
		loop_timer_stop(rc->loop, &rec->lift_timer);
	switch (step) {
	case RECONCILE_STEP_NONE:
		kick = false;
		break;
	case RECONCILE_STEP_STOPPING:
		break;
	case RECONCILE_STEP_RUN:
		/*
		 * What changed is PUT from the hook; a listing (start-up,
		 * --resync) and a service no longer derived need a pass.
		 */
		if (!rc_derive(rc, rec, c) && rc_fast(rc)
		    && !(ch->actions & DOCKER_ACT_LIST))
			kick = false;
		else
			rec->put_wanted = false;
		rec->state = RECONCILE_UP;
		if (ch->actions & DOCKER_ACT_HEALTH)
			rc_health_push(rc, rec);
		if (!kick && (ch->actions & DOCKER_ACT_START))
			rc_start_done(rc, rec);
		break;
	case RECONCILE_STEP_KEEP:
		if (rec->state != RECONCILE_KEPT)
			log_info("container %s: stopped (exit %d%s), "
				 "registration kept",
			    c->name, c->state.exit_code,
			    c->state.oom_killed ? ", OOM killed" : "");
		rec->state = RECONCILE_KEPT;
		break;
	case RECONCILE_STEP_DROP:
		if (rec->state == RECONCILE_UP)
			log_info("container %s: stopped (exit %d), "
				 "deregistering",
			    c->name, c->state.exit_code);
		rec->state = RECONCILE_DOWN;
		rc_ctr_drop_services(rec);
		break;
	}
	reconcile_plan_clear(&plan);
	if (kick)
		rc_kick(rc);
}

/*
 * A kill put the container's services in maintenance and no die came in
 * its stop timeout: the kill stopped nothing (a reload signal), and the
 * container serves again.
 */
static void
rc_lift_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct reconcile_ctr *rec = arg;
	struct reconcile_plan plan;

	(void)loop;
	(void)t;
	reconcile_plan_init(&plan);
	if (reconcile_plan_lift(rec, &plan)) {
		log_info("container %s: no die within its stop timeout after "
			 "the kill, out of maintenance",
		    rec->name);
		rc_side_writes(rec->owner, &plan);
		rec->in_maintenance = false;
	}
	reconcile_plan_clear(&plan);
}

static void
rc_listed(struct reconcile *rc, size_t nids)
{
	if (!rc->synced)
		log_info("docker: %zu containers seen, reconciling", nids);
	rc->synced = true;
	rc_kick(rc);
}

static void
rc_lost(struct reconcile *rc)
{
	struct reconcile_ctr *c;

	log_info("docker: event stream lost; relisting after reconnect");
	/*
	 * The start event that would clear a die may be lost with the
	 * stream; the listing's inspects come after the die anyway.
	 */
	for (c = rc_first(rc); c != NULL; c = rc_next(c))
		c->died = false;
}

/*
 * Runs inside the stream's write callback, where no transfer may start:
 * it only records, and the hook writes.  A start is timed from here; with
 * --deregister always a die queues its services' deregistration at once.
 */
static void
rc_event(struct reconcile *rc, struct containers_rec *r,
    const struct docker_event *ev)
{
	struct reconcile_ctr *rec = r->rc;
	char name[16];
	size_t i;

	if (rc->m_events != NULL)
		metrics_inc(rc->m_events);
	if (ev->actions == DOCKER_ACT_START) {
		if (rec == NULL) {
			/* Named by its inspect; the short ID until then. */
			(void)snprintf(name, sizeof(name), "%.12s", ev->id);
			rec = rc_ctr_new(rc, r, name);
		}
		rec->died = false;
		rec->die_ns = 0;
		if (rec->start_ns == 0)
			rec->start_ns = ev->time_ns;
		return;
	}
	if (ev->actions != DOCKER_ACT_DIE || rec == NULL)
		return;
	rec->start_ns = 0;
	if (!rc_fast(rc) || rc->cfg->deregister != DEREGISTER_ALWAYS) {
		if (rec->die_ns == 0)
			rec->die_ns = ev->time_ns;
		return;
	}
	rec->died = true;
	loop_timer_stop(rc->loop, &rec->lift_timer);
	if (rec->state == RECONCILE_DOWN)
		return;
	log_info("container %s: died, deregistering", rec->name);
	for (i = 0; i < rec->nservices; i++)
		rc_note_add(&rc->gone, rec->services[i].id, r->id, ev->time_ns);
	rc_ctr_drop_services(rec);
	rec->state = RECONCILE_DOWN;
	rec->put_wanted = false;
	rec->in_maintenance = false;
}

static void
rc_error(struct reconcile *rc)
{
	if (rc->m_errors != NULL)
		metrics_inc(rc->m_errors);
	if ((rc->cfg->once || rc->cfg->dry_run) && !rc->finished) {
		rc->finished = true;
		rc->cfg->done_cb(1, rc->cfg->done_arg);
	}
}

void
reconcile_notify(const struct containers_note *n, void *arg)
{
	struct reconcile *rc = arg;

	switch (n->what) {
	case CONTAINERS_READY:
		rc_ready(rc, n->host_name);
		break;
	case CONTAINERS_EVENT:
		rc_event(rc, n->rec, n->event);
		break;
	case CONTAINERS_CHANGE:
		rc_change(rc, n->rec, n->change);
		break;
	case CONTAINERS_GONE:
		if (n->rec->rc != NULL) {
			log_info("container %s: gone", n->rec->rc->name);
			rc_ctr_free(n->rec->rc);
			rc_kick(rc);
		}
		break;
	case CONTAINERS_LISTED:
		rc_listed(rc, n->nlisted);
		break;
	case CONTAINERS_LOST:
		rc_lost(rc);
		break;
	case CONTAINERS_ERROR:
		rc_error(rc);
		break;
	}
}

/* ---- passes ---- */

static size_t
rc_count_desired(const struct reconcile *rc)
{
	const struct reconcile_ctr *c;
	size_t n = 0;

	for (c = rc_first(rc); c != NULL; c = rc_next(c))
		if (reconcile_wanted(c))
			n += c->nservices;
	return n;
}

static void
rc_pass_end(struct reconcile *rc)
{
	double secs;

	rc->busy = false;
	secs = (double)(mono_ms() - rc->pass_start_ms) / 1000.0;
	if (rc->m_reconcile != NULL)
		metrics_observe(rc->m_reconcile, secs);
	if (rc->m_services != NULL)
		metrics_set(rc->m_services, (double)rc_count_desired(rc));
	if (rc->cfg->once) {
		if (!rc->finished) {
			rc->finished = true;
			rc->cfg->done_cb(rc->pass_failed ? 1 : 0,
			    rc->cfg->done_arg);
		}
		return;
	}
	if (rc->pass_failed) {
		uint64_t ms;

		rc->failures++;
		ms = backoff_next(&rc->backoff);
		log_warnx("reconcile: pass failed, retrying in %llu ms",
		    (unsigned long long)ms);
		loop_timer_start(rc->loop, &rc->retry_timer, ms);
		return;
	}
	if (rc->failures > 0)
		log_info("reconcile: consul agent %s answers again",
		    agent_base(rc->agent));
	rc->failures = 0;
	backoff_reset(&rc->backoff);
	log_debug("reconcile: pass done in %.3f s", secs);
}

static void
rc_services_done(const struct agent_result *res, void *arg)
{
	struct reconcile *rc = arg;
	struct reconcile_pass in;
	struct reconcile_plan plan;
	struct agent_services have = { NULL, 0 };
	char err[REGISTRATOR_ERR_MAX];
	size_t i;

	rc->inflight--;
	rc->get_inflight = false;
	if (res->error != 0 || res->status != 200
	    || agent_services_parse(res->body, res->body_len, &have, err,
		   sizeof(err))
		== -1) {
		int blen = res->body_len > 200 ? 200 : (int)res->body_len;

		if (res->error != 0)
			log_warnx("reconcile: GET %s/v1/agent/services: %s",
			    agent_base(rc->agent), res->errmsg);
		else
			log_warnx("reconcile: GET %s/v1/agent/services: HTTP "
				  "%ld: %.*s",
			    agent_base(rc->agent), res->status, blen,
			    res->body != NULL ? res->body : "");
		if (rc->m_errors != NULL)
			metrics_inc(rc->m_errors);
		reconcile_marks_clear(&rc->recent);
		rc->pass_failed = true;
		rc_pass_end(rc);
		return;
	}
	rc->inflight++; /* held while writes are started */
	rc_refused_prune(rc);
	rc_clashes(rc, &have);
	memset(&in, 0, sizeof(in));
	in.host_name = rc->host_name;
	in.deregister = rc->cfg->deregister;
	in.cleanup = rc->cfg->cleanup;
	in.table = rc->table;
	in.refused = &rc->refused;
	in.recent = &rc->recent;
	in.clashed = &rc->clashed;
	reconcile_plan_init(&plan);
	if (reconcile_plan_pass(&in, &have, &plan, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		rc->pass_failed = true;
	}
	for (i = 0; i < plan.n; i++) {
		const struct reconcile_act *a = &plan.v[i];

		if (a->kind == RECONCILE_REGISTER)
			rc_put(rc, a->service, a->why, true);
		else
			rc_delete(rc, a->id, a->ctr_id, a->event_ns, a->why,
			    true);
	}
	reconcile_plan_clear(&plan);
	agent_services_clear(&rc->last_have);
	rc->last_have = have;
	rc->have_known = true;
	reconcile_marks_clear(&rc->recent);
	if (--rc->inflight == 0)
		rc_pass_end(rc);
}

static void
rc_dry_run(struct reconcile *rc)
{
	const struct reconcile_ctr *c;
	size_t i;

	for (c = rc_first(rc); c != NULL; c = rc_next(c)) {
		if (c->state != RECONCILE_UP)
			continue;
		for (i = 0; i < c->nservices; i++)
			rc_put(rc, &c->services[i], "dry run", true);
	}
	(void)fflush(stdout);
	rc->finished = true;
	rc->cfg->done_cb(0, rc->cfg->done_arg);
}

static void
rc_pass(struct reconcile *rc)
{
	rc->dirty = false;
	if (rc->cfg->dry_run) {
		rc_dry_run(rc);
		return;
	}
	rc->busy = true;
	rc->pass_failed = false;
	rc->pass_start_ms = mono_ms();
	rc->inflight = 1;
	rc->get_inflight = true;
	agent_services(rc->agent, rc_services_done, rc);
}

/*
 * The writes events asked for, without a pass.  While passes fail (the
 * agent is away) they are left to the pass that retries.
 */
static void
rc_fast_writes(struct reconcile *rc)
{
	struct rc_note *n;
	struct reconcile_ctr *rec;
	bool hold;
	size_t i;

	hold = rc->failures > 0 || loop_timer_active(&rc->retry_timer);
	while ((n = TAILQ_FIRST(&rc->gone)) != NULL) {
		if (hold)
			rc_kick(rc);
		else if (reconcile_plan_wanted(rc->table, n->service_id, NULL)
		    == NULL)
			rc_delete(rc, n->service_id, n->ctr_id, n->event_ns,
			    "its container died", false);
		rc_note_free(&rc->gone, n);
	}
	for (rec = rc_first(rc); rec != NULL && rc->have_known;
	     rec = rc_next(rec))
		if (rec->put_wanted) {
			rc_clashes(rc, &rc->last_have);
			break;
		}
	for (rec = rc_first(rc); rec != NULL; rec = rc_next(rec)) {
		if (!rec->put_wanted)
			continue;
		rec->put_wanted = false;
		if (rec->state != RECONCILE_UP)
			continue;
		if (hold || !rc->have_known) {
			rc_kick(rc);
			continue;
		}
		for (i = 0; i < rec->nservices; i++)
			if (!rc_is_refused(rc, &rec->services[i])
			    && !reconcile_marks_has(&rc->clashed,
				rec->services[i].id, ""))
				rc_put(rc, &rec->services[i],
				    "started or changed", false);
		rc_start_done(rc, rec);
	}
}

static void
rc_hook(struct loop *loop, void *arg)
{
	struct reconcile *rc = arg;

	(void)loop;
	if (rc_fast(rc) && rc->host_name != NULL)
		rc_fast_writes(rc);
	if (!rc->dirty || rc->busy || !rc->synced || rc->finished
	    || rc->host_name == NULL || loop_timer_active(&rc->retry_timer))
		return;
	rc_pass(rc);
}

static void
rc_kick(struct reconcile *rc)
{
	rc->dirty = true;
}

static void
rc_retry_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	rc_kick(arg);
}

static void
rc_poll_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct reconcile *rc = arg;

	rc_kick(rc);
	loop_timer_start(loop, t,
	    rc->cfg->agent_poll_ms != 0 ? rc->cfg->agent_poll_ms
					: RECONCILE_AGENT_POLL_MS);
}

static void
rc_resync_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct reconcile *rc = arg;

	log_debug("reconcile: --resync, relisting containers");
	docker_relist(rc->docker);
	loop_timer_start(loop, t, rc->cfg->resync_ms);
}

static void
rc_health_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct reconcile *rc = arg;
	const struct reconcile_ctr *c;

	for (c = rc_first(rc); c != NULL; c = rc_next(c))
		rc_health_push(rc, c);
	loop_timer_start(loop, t, RECONCILE_HEALTH_REFRESH_MS);
}

struct reconcile *
reconcile_new(struct loop *loop, struct agent *agent, struct docker *docker,
    struct containers *table, struct metrics *metrics,
    const struct reconcile_config *cfg)
{
	struct reconcile *rc;

	rc = xcalloc(1, sizeof(*rc));
	rc->loop = loop;
	rc->agent = agent;
	rc->docker = docker;
	rc->table = table;
	rc->cfg = cfg;
	TAILQ_INIT(&rc->writes);
	TAILQ_INIT(&rc->gone);
	loop_timer_init(&rc->retry_timer, rc_retry_cb, rc);
	loop_timer_init(&rc->poll_timer, rc_poll_cb, rc);
	loop_timer_init(&rc->resync_timer, rc_resync_cb, rc);
	loop_timer_init(&rc->health_timer, rc_health_cb, rc);
	backoff_init(&rc->backoff, RECONCILE_BACKOFF_MIN_MS,
	    RECONCILE_BACKOFF_MAX_MS, BACKOFF_JITTER_FULL,
	    mono_ms() ^ (uint64_t)getpid());
	if (metrics != NULL) {
		rc->m_events
		    = metrics_counter(metrics, "registrator_docker_events",
			"Docker events acted on", NULL, NULL);
		rc->m_registrations = metrics_counter(metrics,
		    "registrator_registrations",
		    "Services registered with the Consul agent", NULL, NULL);
		rc->m_deregistrations = metrics_counter(metrics,
		    "registrator_deregistrations",
		    "Services deregistered from the Consul agent", NULL, NULL);
		rc->m_errors = metrics_counter(metrics, "registrator_errors",
		    "Failed Docker or Consul calls and refused containers",
		    NULL, NULL);
		rc->m_reconcile = metrics_histogram(metrics,
		    "registrator_reconcile_seconds",
		    "Duration of reconcile passes", NULL, NULL,
		    metrics_seconds_buckets, metrics_seconds_nbuckets);
		rc->m_services = metrics_gauge(metrics, "registrator_services",
		    "Services this registrator wants registered", NULL, NULL);
		rc->m_latency = metrics_histogram(metrics,
		    "registrator_event_to_registration_seconds",
		    "From a Docker start event (its timeNano) to the agent's "
		    "answer to the registration that followed",
		    NULL, NULL, metrics_latency_buckets,
		    metrics_latency_nbuckets);
		rc->m_dereg_latency = metrics_histogram(metrics,
		    "registrator_event_to_deregistration_seconds",
		    "From a Docker die event (its timeNano) to the agent's "
		    "answer to the deregistration",
		    NULL, NULL, metrics_latency_buckets,
		    metrics_latency_nbuckets);
		rc->m_inspect = metrics_histogram(metrics,
		    "registrator_inspect_seconds",
		    "Docker container inspects, request to answer", NULL, NULL,
		    metrics_latency_buckets, metrics_latency_nbuckets);
		rc->m_put = metrics_histogram(metrics,
		    "registrator_register_seconds",
		    "Service registrations, PUT to the agent's answer", NULL,
		    NULL, metrics_latency_buckets, metrics_latency_nbuckets);
	}
	loop_hook_add(loop, rc_hook, rc);
	if (!cfg->once && !cfg->dry_run) {
		loop_timer_start(loop, &rc->poll_timer,
		    cfg->agent_poll_ms != 0 ? cfg->agent_poll_ms
					    : RECONCILE_AGENT_POLL_MS);
		if (cfg->resync_ms != 0)
			loop_timer_start(loop, &rc->resync_timer,
			    cfg->resync_ms);
		if (cfg->derive.docker_health)
			loop_timer_start(loop, &rc->health_timer,
			    RECONCILE_HEALTH_REFRESH_MS);
	}
	return rc;
}

bool
reconcile_healthy(const struct reconcile *rc, char *why, size_t len)
{
	if (!rc->synced) {
		(void)snprintf(why, len, "containers not listed yet");
		return false;
	}
	if (rc->failures > 0) {
		(void)snprintf(why, len, "%u reconcile passes failed in a row",
		    rc->failures);
		return false;
	}
	(void)snprintf(why, len, "ok");
	return true;
}

void
reconcile_free(struct reconcile *rc)
{
	struct reconcile_ctr *c;
	struct rc_write *w;

	if (rc == NULL)
		return;
	loop_hook_del(rc->loop, rc_hook, rc);
	loop_timer_stop(rc->loop, &rc->retry_timer);
	loop_timer_stop(rc->loop, &rc->poll_timer);
	loop_timer_stop(rc->loop, &rc->resync_timer);
	loop_timer_stop(rc->loop, &rc->health_timer);
	while ((c = rc_first(rc)) != NULL)
		rc_ctr_free(c);
	while ((w = TAILQ_FIRST(&rc->writes)) != NULL)
		rc_write_free(w);
	reconcile_marks_clear(&rc->refused);
	while (!TAILQ_EMPTY(&rc->gone))
		rc_note_free(&rc->gone, TAILQ_FIRST(&rc->gone));
	reconcile_marks_clear(&rc->recent);
	reconcile_marks_clear(&rc->clashed);
	agent_services_clear(&rc->last_have);
	free(rc->host_name);
	free(rc);
}
