/* SPDX-License-Identifier: MIT */
/*
 * Reconciliation: the middle of the data flow, between docker.c (what
 * runs) and agent.c (what Consul holds).  It keeps one record per
 * container with the services derive.c made for it and whether they are
 * wanted (running, or kept after a crash under --deregister on-success).
 * A pass reads the agent's services, PUTs the wanted ones that are missing
 * or whose registrator-hash differs, and deregisters the ones this host
 * owns (registrator-host meta) that nobody wants any more.  Passes run at
 * start, after Docker changes other than a start, after a Docker reconnect
 * and listing, every few seconds against the agent (a dev agent that
 * restarts loses everything; the poll notices our services missing) and
 * every --resync.  A failed pass is retried with backoff, so a write is
 * never dropped.
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

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backoff.h"
#include "buf.h"
#include "hash.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

enum rc_state {
	RC_UP, /* running: its services are wanted */
	RC_KEPT, /* stopped, registration kept by --deregister */
	RC_DOWN, /* stopped: nothing wanted */
};

/*
 * reconcile.c's section of a container record: the services derived for
 * the container and whether they are wanted.
 */
struct reconcile_ctr {
	struct containers_rec *rec; /* the record it is the section of */
	const char *id; /* rec->id, borrowed */
	char *name;
	enum rc_state state;
	bool in_maintenance;
	struct service *services;
	size_t nservices;
	char *health; /* Docker health status, "" if none */
	uint64_t warn_hash; /* of the derive warnings last logged */
	/*
	 * --deregister always: a die event deregistered it; an inspect
	 * showing it running predates the die and is ignored until a start
	 * event.
	 */
	bool died;
	bool put_wanted; /* new or changed services, for the hook to PUT */
	/* Docker's timeNano of the start awaiting registration, or 0. */
	uint64_t start_ns;
	/* Of the die awaiting a pass's deregistration, or 0. */
	uint64_t die_ns;
	uint64_t reg_ns; /* wall clock of the last completed PUT, ns */
};
TAILQ_HEAD(rc_writes, rc_write);

/*
 * A service ID remembered for a while: a deregistration a die event
 * asked for, until the hook sends it, or a write that completed while a
 * pass's GET was in flight, whose answer may not show it yet.
 */
struct rc_note {
	TAILQ_ENTRY(rc_note) entry;
	char *service_id;
	char *ctr_id;
	char hash[17]; /* a completed PUT's definition; "" otherwise */
	uint64_t event_ns; /* the die's timeNano */
};
TAILQ_HEAD(rc_notes, rc_note);

/*
 * A definition the agent refused with 400: sending it again cannot help,
 * so it is not retried (and does not fail the pass, which would delay
 * every other write) until the container's definition changes.
 */
struct rc_refused {
	TAILQ_ENTRY(rc_refused) entry;
	char *service_id;
	char hash[17];
};
TAILQ_HEAD(rc_refusals, rc_refused);

struct reconcile {
	struct loop *loop;
	struct agent *agent;
	struct docker *docker;
	struct containers *table;
	const struct reconcile_config *cfg;
	char *host_name;
	struct rc_writes writes;
	struct rc_refusals refused;
	struct rc_notes gone; /* deregistrations a die event asked for */
	struct rc_notes recent; /* writes done while a pass's GET ran */
	regex_t id_re; /* gliderlabs' <host>:<name>:<port> */

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
	uint64_t start_ns; /* monotonic, when it was sent */
	uint64_t event_ns; /* deregister: the die's timeNano, or 0 */
};


static void rc_kick(struct reconcile *);

static uint64_t
rc_realtime_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- container records ---- */

static struct reconcile_ctr *
rc_ctr_find(const struct reconcile *rc, const char *id)
{
	struct containers_rec *rec = containers_find(rc->table, id);

	return rec != NULL ? rec->rc : NULL;
}

/* The containers with a section, in the table's order. */
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

static struct reconcile_ctr *
rc_ctr_new(struct containers_rec *r, const char *name)
{
	struct reconcile_ctr *rec;

	rec = xcalloc(1, sizeof(*rec));
	rec->rec = r;
	rec->id = r->id;
	rec->name = xstrdup(name);
	rec->state = RC_DOWN;
	r->rc = rec;
	return rec;
}

static void
rc_note_add(struct rc_notes *list, const char *service_id, const char *ctr_id,
    const char *hash, uint64_t event_ns)
{
	struct rc_note *n;

	n = xcalloc(1, sizeof(*n));
	n->service_id = xstrdup(service_id);
	n->ctr_id = xstrdup(ctr_id != NULL ? ctr_id : "");
	(void)str_copy(n->hash, hash, sizeof(n->hash));
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

static void
rc_notes_clear(struct rc_notes *list)
{
	while (!TAILQ_EMPTY(list))
		rc_note_free(list, TAILQ_FIRST(list));
}

/* A write of this definition ("" for a deregistration) just completed. */
static bool
rc_recent(const struct reconcile *rc, const char *service_id, const char *hash)
{
	const struct rc_note *n;

	TAILQ_FOREACH(n, &rc->recent, entry)
		if (strcmp(n->service_id, service_id) == 0
		    && strcmp(n->hash, hash) == 0)
			return true;
	return false;
}

static void
rc_ctr_free(struct reconcile_ctr *c)
{
	c->rec->rc = NULL;
	rc_ctr_drop_services(c);
	free(c->name);
	free(c->health);
	free(c);
}

static bool
rc_wanted(const struct reconcile_ctr *c)
{
	return c->state == RC_UP || c->state == RC_KEPT;
}

/* The wanted service with this ID, or NULL. */
static const struct service *
rc_desired(const struct reconcile *rc, const char *id,
    const struct reconcile_ctr **owner)
{
	const struct reconcile_ctr *c;
	size_t i;

	for (c = rc_first(rc); c != NULL; c = rc_next(c)) {
		if (!rc_wanted(c))
			continue;
		for (i = 0; i < c->nservices; i++) {
			if (strcmp(c->services[i].id, id) == 0) {
				if (owner != NULL)
					*owner = c;
				return &c->services[i];
			}
		}
	}
	return NULL;
}

/*
 * Adds the registrator-container meta key (kept sorted) so that a kept
 * registration can be matched to its container after a restart, when the
 * stopped container no longer shows its published ports; then re-hashes.
 */
static void
rc_tag_container(struct service *s)
{
	size_t i, at;

	/* Room for it and the hash key within Consul's 64 pairs. */
	if (s->nmeta + 2 > DERIVE_MAX_META)
		return;
	for (i = 0; i < s->nmeta; i++)
		if (strcmp(s->meta[i].key, RECONCILE_META_CONTAINER) == 0)
			return;
	for (at = 0; at < s->nmeta; at++)
		if (strcmp(s->meta[at].key, RECONCILE_META_CONTAINER) > 0)
			break;
	s->meta = xreallocarray(s->meta, s->nmeta + 1, sizeof(*s->meta));
	memmove(&s->meta[at + 1], &s->meta[at],
	    (s->nmeta - at) * sizeof(*s->meta));
	s->meta[at].key = xstrdup(RECONCILE_META_CONTAINER);
	s->meta[at].value = xstrdup(s->container_id);
	s->nmeta++;
	service_hash(s);
}

/* The service with s's ID in list, or NULL. */
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
rc_derive(struct reconcile *rc, struct reconcile_ctr *rec, const struct container *c)
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

		if (rc_desired(rc, s->id, &other) != NULL && other != rec) {
			log_warnx("container %s: service ID %s is already "
				  "used by container %s, skipped",
			    c->name, s->id, other->name);
			service_clear(s);
			continue;
		}
		rc_tag_container(s);
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

static bool
rc_keep_after_exit(const struct reconcile *rc, const struct container *c,
    bool operator_stop)
{
	switch (rc->cfg->deregister) {
	case DEREGISTER_NEVER:
		return true;
	case DEREGISTER_ALWAYS:
		return false;
	case DEREGISTER_ON_SUCCESS:
		break;
	}
	/*
	 * An OOM kill is a failure even though the exit code looks like a
	 * signal.  An operator's stop (containers.c decides) is a clean exit
	 * whatever the code.
	 */
	if (c->state.oom_killed)
		return true;
	if (operator_stop)
		return false;
	return c->state.exit_code != 0;
}

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
		log_warnx("service %s: maintenance mode: %s%s, the die event "
			  "will deregister it",
		    w->service_id,
		    res->error != 0 ? res->errmsg : "HTTP error ",
		    res->error != 0 ? "" : "(not 200)");
	else
		log_info("service %s: in maintenance while its container "
			 "stops",
		    w->service_id);
	rc_write_free(w);
}

static void
rc_maintenance(struct reconcile *rc, struct reconcile_ctr *rec, bool enable)
{
	size_t i;

	if (rc->agent == NULL || rc->cfg->dry_run)
		return;
	for (i = 0; i < rec->nservices; i++) {
		struct rc_write *w = rc_write_new(rc, rec->services[i].id);

		agent_maintenance(rc->agent, rec->services[i].id, enable,
		    enable ? "container stopping" : "", rc_maintenance_done, w);
	}
	rec->in_maintenance = enable;
}

static const char *
rc_health_status(const char *docker_health)
{
	if (strcmp(docker_health, "healthy") == 0)
		return "passing";
	if (strcmp(docker_health, "unhealthy") == 0)
		return "critical";
	return "warning"; /* starting */
}

static void
rc_health_done(const struct agent_result *res, void *arg)
{
	struct rc_write *w = arg;

	if (res->error != 0 || res->status != 200)
		log_debug("check %s: TTL update failed (%s, HTTP %ld), the "
			  "next refresh retries",
		    w->service_id, res->error != 0 ? res->errmsg : "",
		    res->status);
	rc_write_free(w);
}

/* Mirrors the Docker health status into the services' TTL checks. */
static void
rc_health_push(struct reconcile *rc, const struct reconcile_ctr *rec)
{
	size_t i;

	if (rc->agent == NULL || rc->cfg->dry_run || rec->state != RC_UP
	    || rec->health == NULL || rec->health[0] == '\0')
		return;
	for (i = 0; i < rec->nservices; i++) {
		const struct service *s = &rec->services[i];
		struct rc_write *w;

		if (s->health_check_id == NULL)
			continue;
		w = rc_write_new(rc, s->health_check_id);
		agent_check_update(rc->agent, s->health_check_id,
		    rc_health_status(rec->health), rec->health, rc_health_done,
		    w);
	}
}

/* ---- Docker callbacks ---- */

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
	    || rc_ctr_putting(rc, rec->id, NULL))
		return;
	if (rec->state == RC_UP && rec->nservices > 0
	    && rec->reg_ns >= rec->start_ns)
		rc_observe_since(rc->m_latency, rec->start_ns, rec->reg_ns);
	rec->start_ns = 0;
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
	bool kick = true;

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
		rec = rc_ctr_new(r, c->name);
	else if (strcmp(rec->name, c->name) != 0) {
		free(rec->name);
		rec->name = xstrdup(c->name);
	}
	free(rec->health);
	rec->health = xstrdup(c->state.health);

	if (c->state.running && !c->state.restarting) {
		/* Asked for before the die: a start event will follow. */
		if (rec->died) {
			kick = false;
			goto out;
		}
		if ((ch->actions & DOCKER_ACT_KILL)
		    && rc->cfg->maintenance_on_stop && rec->state == RC_UP) {
			/* Stopping: hide it now, the die deregisters it. */
			if (!rec->in_maintenance)
				rc_maintenance(rc, rec, true);
			goto out;
		}
		if (rec->in_maintenance && (ch->actions & DOCKER_ACT_START))
			rc_maintenance(rc, rec, false);
		/*
		 * What changed is PUT from the hook; a listing (start-up,
		 * --resync) and a service no longer derived need a pass.
		 */
		if (!rc_derive(rc, rec, c) && rc_fast(rc)
		    && !(ch->actions & DOCKER_ACT_LIST))
			kick = false;
		else
			rec->put_wanted = false;
		rec->state = RC_UP;
		if (ch->actions & DOCKER_ACT_HEALTH)
			rc_health_push(rc, rec);
		if (!kick && (ch->actions & DOCKER_ACT_START))
			rc_start_done(rc, rec);
	} else {
		rec->start_ns = 0;
		if (rec->state == RC_DOWN && !(ch->actions & DOCKER_ACT_LIST)) {
			kick = false;
			goto out;
		}
		if (rc_keep_after_exit(rc, c, ch->operator_stop)) {
			if (rec->state != RC_KEPT)
				log_info("container %s: stopped (exit %d%s), "
					 "registration kept",
				    c->name, c->state.exit_code,
				    c->state.oom_killed ? ", OOM killed" : "");
			rec->state = RC_KEPT;
		} else {
			if (rec->state == RC_UP)
				log_info("container %s: stopped (exit %d), "
					 "deregistering",
				    c->name, c->state.exit_code);
			rec->state = RC_DOWN;
			rc_ctr_drop_services(rec);
		}
	}
out:
	if (kick)
		rc_kick(rc);
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
			rec = rc_ctr_new(r, name);
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
	if (rec->state == RC_DOWN)
		return;
	log_info("container %s: died, deregistering", rec->name);
	for (i = 0; i < rec->nservices; i++)
		rc_note_add(&rc->gone, rec->services[i].id, rec->id, "",
		    ev->time_ns);
	rc_ctr_drop_services(rec);
	rec->state = RC_DOWN;
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
		if (rc_wanted(c))
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
rc_refused_free(struct reconcile *rc, struct rc_refused *r)
{
	TAILQ_REMOVE(&rc->refused, r, entry);
	free(r->service_id);
	free(r);
}

static bool
rc_is_refused(const struct reconcile *rc, const struct service *s)
{
	const struct rc_refused *r;

	TAILQ_FOREACH(r, &rc->refused, entry)
		if (strcmp(r->service_id, s->id) == 0
		    && strcmp(r->hash, s->hash) == 0)
			return true;
	return false;
}

/* Forgets refusals whose service is gone or has a new definition. */
static void
rc_refused_prune(struct reconcile *rc)
{
	struct rc_refused *r, *next;
	const struct service *s;

	for (r = TAILQ_FIRST(&rc->refused); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		s = rc_desired(rc, r->service_id, NULL);
		if (s == NULL || strcmp(s->hash, r->hash) != 0)
			rc_refused_free(rc, r);
	}
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
		struct rc_refused *r;

		log_warnx("registering %s: refused by the agent: %.*s; not "
			  "retried until its definition changes",
		    w->service_id, blen, res->body != NULL ? res->body : "");
		r = xcalloc(1, sizeof(*r));
		r->service_id = xstrdup(w->service_id);
		(void)str_copy(r->hash, w->hash, sizeof(r->hash));
		TAILQ_INSERT_TAIL(&rc->refused, r, entry);
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
		rc_note_add(&rc->recent, w->service_id, NULL,
		    w->reg ? w->hash : "", 0);
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
			/* w is still listed: rc_start_done must not count it. */
			if (rec->start_ns != 0
			    && !rc_ctr_putting(rc, rec->id, w)) {
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

static const char *
rc_meta(const cJSON *svc, const char *key)
{
	const cJSON *meta, *v;

	meta = cJSON_GetObjectItemCaseSensitive(svc, "Meta");
	v = cJSON_GetObjectItemCaseSensitive(meta, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A running container of ours has this name. */
static bool
rc_name_running(const struct reconcile *rc, const char *name, size_t len)
{
	const struct reconcile_ctr *c;

	for (c = rc_first(rc); c != NULL; c = rc_next(c))
		if (c->state != RC_DOWN && strlen(c->name) == len
		    && strncmp(c->name, name, len) == 0)
			return true;
	return false;
}

/*
 * --cleanup, gliderlabs' rule: a service without our ownership meta whose
 * ID reads <this host>:<container>:<port>[:udp] for a container that is
 * not there any more.
 */
static bool
rc_cleanup_orphan(const struct reconcile *rc, const char *id)
{
	regmatch_t m[3];
	size_t hlen;

	if (regexec(&rc->id_re, id, 3, m, 0) != 0)
		return false;
	hlen = (size_t)(m[1].rm_eo - m[1].rm_so);
	if (hlen != strlen(rc->host_name)
	    || strncmp(id + m[1].rm_so, rc->host_name, hlen) != 0)
		return false;
	return !rc_name_running(rc, id + m[2].rm_so,
	    (size_t)(m[2].rm_eo - m[2].rm_so));
}

/*
 * Owned registration nobody wants: decide whether it goes.  *recp is its
 * container's record, or NULL.
 */
static bool
rc_should_remove(const struct reconcile *rc, const cJSON *svc, const char **why,
    const struct reconcile_ctr **recp)
{
	const char *cid;
	const struct reconcile_ctr *rec = NULL;

	cid = rc_meta(svc, RECONCILE_META_CONTAINER);
	if (cid != NULL)
		rec = rc_ctr_find(rc, cid);
	*recp = rec;
	if (rec != NULL && rec->state == RC_KEPT) {
		return false;
	}
	if (rec == NULL && rc->cfg->deregister == DEREGISTER_NEVER
	    && !rc->cfg->cleanup)
		return false;
	*why = rec == NULL          ? "its container is gone"
	    : rec->state == RC_DOWN ? "its container stopped"
				    : "no longer derived";
	return true;
}

static void
rc_services_done(const struct agent_result *res, void *arg)
{
	struct reconcile *rc = arg;
	const struct reconcile_ctr *c;
	const cJSON *svc;
	cJSON *have = NULL;
	size_t i;

	rc->inflight--;
	rc->get_inflight = false;
	if (res->error == 0 && res->status == 200)
		have = cJSON_ParseWithLength(res->body, res->body_len);
	if (!cJSON_IsObject(have)) {
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
		cJSON_Delete(have);
		rc_notes_clear(&rc->recent);
		rc->pass_failed = true;
		rc_pass_end(rc);
		return;
	}
	rc->inflight++; /* held while writes are started */
	rc_refused_prune(rc);
	/* Wanted and missing or different: PUT. */
	for (c = rc_first(rc); c != NULL; c = rc_next(c)) {
		if (!rc_wanted(c))
			continue;
		for (i = 0; i < c->nservices; i++) {
			const struct service *s = &c->services[i];
			const char *hash;

			/* The answer may predate a PUT that just landed. */
			if (rc_is_refused(rc, s) || rc_recent(rc, s->id, s->hash))
				continue;
			svc = cJSON_GetObjectItemCaseSensitive(have, s->id);
			if (svc == NULL) {
				rc_put(rc, s, "missing from the agent", true);
				continue;
			}
			hash = rc_meta(svc, DERIVE_META_HASH);
			if (hash == NULL || strcmp(hash, s->hash) != 0)
				rc_put(rc, s, "changed", true);
		}
	}
	/* Registered and not wanted: deregister. */
	cJSON_ArrayForEach(svc, have) {
		const char *owner, *why = NULL, *id = svc->string;
		const struct reconcile_ctr *rec;

		if (id == NULL || rc_desired(rc, id, NULL) != NULL
		    || rc_recent(rc, id, ""))
			continue;
		owner = rc_meta(svc, DERIVE_META_HOST);
		if (owner != NULL && strcmp(owner, rc->host_name) == 0) {
			if (rc_should_remove(rc, svc, &why, &rec))
				rc_delete(rc, id, rec != NULL ? rec->id : NULL,
				    rec != NULL ? rec->die_ns : 0, why, true);
		} else if (owner == NULL && rc->cfg->cleanup
		    && rc_cleanup_orphan(rc, id))
			rc_delete(rc, id, NULL, 0,
			    "--cleanup: its container is gone", true);
	}
	cJSON_Delete(have);
	rc_notes_clear(&rc->recent);
	if (--rc->inflight == 0)
		rc_pass_end(rc);
}

static void
rc_dry_run(struct reconcile *rc)
{
	const struct reconcile_ctr *c;
	size_t i;

	for (c = rc_first(rc); c != NULL; c = rc_next(c)) {
		if (c->state != RC_UP)
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
		else if (rc_desired(rc, n->service_id, NULL) == NULL)
			rc_delete(rc, n->service_id, n->ctr_id, n->event_ns,
			    "its container died", false);
		rc_note_free(&rc->gone, n);
	}
	for (rec = rc_first(rc); rec != NULL; rec = rc_next(rec)) {
		if (!rec->put_wanted)
			continue;
		rec->put_wanted = false;
		if (rec->state != RC_UP)
			continue;
		if (hold) {
			rc_kick(rc);
			continue;
		}
		for (i = 0; i < rec->nservices; i++)
			if (!rc_is_refused(rc, &rec->services[i]))
				rc_put(rc, &rec->services[i], "started or changed",
				    false);
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
	TAILQ_INIT(&rc->refused);
	TAILQ_INIT(&rc->gone);
	TAILQ_INIT(&rc->recent);
	if (regcomp(&rc->id_re,
		"^(.+):([a-zA-Z0-9][a-zA-Z0-9_.-]+):[0-9]+(:udp)?$",
		REG_EXTENDED)
	    != 0)
		fatalx("reconcile: cannot compile the cleanup pattern");
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
	while (TAILQ_FIRST(&rc->refused) != NULL)
		rc_refused_free(rc, TAILQ_FIRST(&rc->refused));
	rc_notes_clear(&rc->gone);
	rc_notes_clear(&rc->recent);
	regfree(&rc->id_re);
	free(rc->host_name);
	free(rc);
}
