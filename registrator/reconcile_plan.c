/* SPDX-License-Identifier: MIT */
/*
 * The decisions of reconciliation, between the container table (what is
 * wanted: the services derive.c made for each container, in reconcile's
 * section of its record) and the agent (what it holds: the parsed GET
 * /v1/agent/services answer).  Each function returns a plan, a list of
 * register, deregister, maintenance and TTL actions, and reconcile.c, the
 * driver, carries them out, times them and retries them.  Pure: nothing
 * here does I/O, logs or keeps state between calls.
 *
 * Ownership is the registrator-host meta key: a service whose value names
 * this host is ours to deregister when nobody wants it; any other service
 * (no meta, another host's) is never touched, except gliderlabs'
 * leftovers under --cleanup, recognised by their ID alone.
 */
#include <ctype.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

/* gliderlabs' service IDs: <host>:<container name>:<port>[:udp]. */
#define RECONCILE_PLAN_GLIDERLABS_ID \
	"^(.+):([a-zA-Z0-9][a-zA-Z0-9_.-]+):[0-9]+(:udp)?$"

void
reconcile_plan_init(struct reconcile_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
}

void
reconcile_plan_clear(struct reconcile_plan *plan)
{
	free(plan->v);
	reconcile_plan_init(plan);
}

static struct reconcile_act *
reconcile_plan_add(struct reconcile_plan *plan, enum reconcile_act_kind kind,
    const char *id, const char *why)
{
	struct reconcile_act *a;

	plan->v = xreallocarray(plan->v, plan->n + 1, sizeof(*plan->v));
	a = &plan->v[plan->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->id = id;
	a->why = why;
	return a;
}

void
reconcile_marks_add(struct reconcile_marks *m, const char *service_id,
    const char *hash)
{
	m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
	m->v[m->n].service_id = xstrdup(service_id);
	(void)str_copy(m->v[m->n].hash, hash, sizeof(m->v[m->n].hash));
	m->n++;
}

bool
reconcile_marks_has(const struct reconcile_marks *m, const char *service_id,
    const char *hash)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].service_id, service_id) == 0
		    && strcmp(m->v[i].hash, hash) == 0)
			return true;
	return false;
}

void
reconcile_marks_del(struct reconcile_marks *m, size_t i)
{
	free(m->v[i].service_id);
	memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof(*m->v));
	m->n--;
}

void
reconcile_marks_clear(struct reconcile_marks *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].service_id);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

bool
reconcile_wanted(const struct reconcile_ctr *sec)
{
	return sec->state == RECONCILE_UP || sec->state == RECONCILE_KEPT;
}

const struct service *
reconcile_plan_wanted(const struct containers *table, const char *service_id,
    const struct reconcile_ctr **owner)
{
	const struct containers_rec *rec;
	const struct reconcile_ctr *sec;

	for (rec = containers_first(table); rec != NULL;
	     rec = containers_next(rec)) {
		sec = rec->rc;
		if (sec == NULL || !reconcile_wanted(sec))
			continue;
		for (size_t i = 0; i < sec->nservices; i++) {
			if (strcmp(sec->services[i].id, service_id) != 0)
				continue;
			if (owner != NULL)
				*owner = sec;
			return &sec->services[i];
		}
	}
	return NULL;
}

/* A container of ours that is not down has this name (len bytes). */
static bool
reconcile_plan_name_up(const struct containers *table, const char *name,
    size_t len)
{
	const struct containers_rec *rec;

	for (rec = containers_first(table); rec != NULL;
	     rec = containers_next(rec))
		if (rec->rc != NULL && rec->rc->state != RECONCILE_DOWN
		    && strlen(rec->rc->name) == len
		    && strncmp(rec->rc->name, name, len) == 0)
			return true;
	return false;
}

/*
 * --cleanup, gliderlabs' rule: a service without our ownership meta whose
 * ID reads <this host>:<container>:<port>[:udp] for a container that is
 * not there any more.
 */
static bool
reconcile_plan_orphan(const struct reconcile_pass *in, const regex_t *re,
    const char *id)
{
	regmatch_t m[3];
	size_t hlen;

	if (regexec(re, id, 3, m, 0) != 0)
		return false;
	hlen = (size_t)(m[1].rm_eo - m[1].rm_so);
	if (hlen != strlen(in->host_name)
	    || strncmp(id + m[1].rm_so, in->host_name, hlen) != 0)
		return false;
	return !reconcile_plan_name_up(in->table, id + m[2].rm_so,
	    (size_t)(m[2].rm_eo - m[2].rm_so));
}

/*
 * A service this host owns and nobody wants: deregistered unless its
 * container's registration is kept, or (--deregister never, without
 * --cleanup) its container is unknown.  Fills why, and owner with its
 * container's section (NULL when its container is unknown).
 */
static bool
reconcile_plan_remove(const struct reconcile_pass *in,
    const struct agent_service *svc, const char **why,
    const struct reconcile_ctr **owner)
{
	const struct containers_rec *rec = NULL;
	const struct reconcile_ctr *sec = NULL;

	if (svc->container != NULL)
		rec = containers_find(in->table, svc->container);
	if (rec != NULL)
		sec = rec->rc;
	*owner = sec;
	if (sec != NULL && sec->state == RECONCILE_KEPT)
		return false;
	if (sec == NULL && in->deregister == DEREGISTER_NEVER && !in->cleanup)
		return false;
	*why = sec == NULL                 ? "its container is gone"
	    : sec->state == RECONCILE_DOWN ? "its container stopped"
					   : "no longer derived";
	return true;
}

static bool
reconcile_plan_clashed(const struct reconcile_pass *in, const char *id)
{
	return in->clashed != NULL && reconcile_marks_has(in->clashed, id, "");
}

int
reconcile_plan_pass(const struct reconcile_pass *in,
    const struct agent_services *have, struct reconcile_plan *plan, char *err,
    size_t errlen)
{
	const struct containers_rec *rec;
	const struct reconcile_ctr *sec, *owner;
	const struct agent_service *svc;
	const char *why;
	struct reconcile_act *a;
	regex_t re;
	bool clashed;

	if (in->host_name == NULL) {
		(void)snprintf(err, errlen, "reconcile: no host name yet");
		return -1;
	}
	if (regcomp(&re, RECONCILE_PLAN_GLIDERLABS_ID, REG_EXTENDED) != 0) {
		(void)snprintf(err, errlen,
		    "reconcile: the --cleanup "
		    "pattern does not compile");
		return -1;
	}
	/* Wanted, and missing or different: register. */
	for (rec = containers_first(in->table); rec != NULL;
	     rec = containers_next(rec)) {
		sec = rec->rc;
		if (sec == NULL || !reconcile_wanted(sec))
			continue;
		for (size_t i = 0; i < sec->nservices; i++) {
			const struct service *s = &sec->services[i];

			/* The answer may predate a PUT that just landed. */
			if (reconcile_marks_has(in->refused, s->id, s->hash)
			    || reconcile_marks_has(in->recent, s->id, s->hash)
			    || reconcile_plan_clashed(in, s->id))
				continue;
			svc = agent_services_find(have, s->id);
			if (svc == NULL)
				why = "missing from the agent";
			else if (svc->hash == NULL
			    || strcmp(svc->hash, s->hash) != 0)
				why = "changed";
			else
				continue;
			a = reconcile_plan_add(plan, RECONCILE_REGISTER, s->id,
			    why);
			a->service = s;
		}
	}
	/* Registered, and not wanted: deregister what is ours. */
	for (size_t i = 0; i < have->n; i++) {
		svc = &have->v[i];
		clashed = reconcile_plan_clashed(in, svc->id);
		if ((reconcile_plan_wanted(in->table, svc->id, NULL) != NULL
			&& !clashed)
		    || reconcile_marks_has(in->recent, svc->id, ""))
			continue;
		if (svc->host != NULL
		    && strcmp(svc->host, in->host_name) == 0) {
			if (!reconcile_plan_remove(in, svc, &why, &owner))
				continue;
			if (clashed)
				why = "it collides with another service";
			a = reconcile_plan_add(plan, RECONCILE_DEREGISTER,
			    svc->id, why);
			if (owner != NULL) {
				a->ctr_id = owner->rec->id;
				a->event_ns = owner->die_ns;
			}
		} else if (svc->host == NULL && in->cleanup
		    && reconcile_plan_orphan(in, &re, svc->id))
			(void)reconcile_plan_add(plan, RECONCILE_DEREGISTER,
			    svc->id, "--cleanup: its container is gone");
	}
	regfree(&re);
	return 0;
}

/* Equal to a proxy, not equal: nginx folds upstream names' case. */
static bool
reconcile_plan_name_clash(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0 && strcmp(a, b) != 0;
}

/* What the shipped templates keep of an ID in a server name. */
static char
reconcile_plan_id_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-'
	    ? c
	    : '_';
}

/* Equal once mapped as the shipped templates map them, not equal. */
static bool
reconcile_plan_id_clash(const char *a, const char *b)
{
	size_t i;

	for (i = 0; a[i] != '\0' && b[i] != '\0'; i++)
		if (reconcile_plan_id_char(a[i])
		    != reconcile_plan_id_char(b[i]))
			return false;
	return a[i] == b[i] && strcmp(a, b) != 0;
}

/* A service with exactly this name is registered on the agent. */
static bool
reconcile_plan_name_held(const struct agent_services *have, const char *name)
{
	for (size_t i = 0; i < have->n; i++)
		if (have->v[i].name != NULL
		    && strcmp(have->v[i].name, name) == 0)
			return true;
	return false;
}

/* with gets h, and the container of ours that wants it, if any. */
static void
reconcile_plan_with_held(const struct containers *table,
    const struct agent_service *h, struct reconcile_clash_with *with)
{
	const struct reconcile_ctr *owner = NULL;

	with->name = h->name != NULL ? h->name : "";
	with->id = h->id;
	with->ctr = reconcile_plan_wanted(table, h->id, &owner) != NULL
	    ? owner->name
	    : NULL;
}

static void
reconcile_plan_with(const struct reconcile_ctr *t, const struct service *u,
    struct reconcile_clash_with *with)
{
	with->name = u->name;
	with->id = u->id;
	with->ctr = t->name;
}

enum reconcile_clash
reconcile_plan_clash(const struct containers *table,
    const struct agent_services *have, const struct service *s,
    struct reconcile_clash_with *with)
{
	const struct containers_rec *rec;
	const struct reconcile_ctr *t;
	const struct agent_service *h;
	bool name_held, id_held, name_seen = false, id_seen = false;

	/* A name is one spelling however many instances: held or not. */
	name_held = reconcile_plan_name_held(have, s->name);
	id_held = agent_services_find(have, s->id) != NULL;
	/* Held by the agent, and s is not: the agent's wins. */
	for (size_t i = 0; i < have->n; i++) {
		h = &have->v[i];
		if (!name_held && h->name != NULL
		    && reconcile_plan_name_clash(s->name, h->name)) {
			reconcile_plan_with_held(table, h, with);
			return RECONCILE_CLASH_NAME;
		}
		if (!id_held && reconcile_plan_id_clash(s->id, h->id)) {
			reconcile_plan_with_held(table, h, with);
			return RECONCILE_CLASH_ID;
		}
	}
	/*
	 * The same standing (both held, or neither): the spelling, or the
	 * ID, seen first in the table's order (then a container's port
	 * order) wins.
	 */
	for (rec = containers_first(table); rec != NULL;
	     rec = containers_next(rec)) {
		t = rec->rc;
		if (t == NULL || !reconcile_wanted(t))
			continue;
		for (size_t i = 0; i < t->nservices; i++) {
			const struct service *u = &t->services[i];

			if (strcmp(u->name, s->name) == 0)
				name_seen = true;
			if (u == s)
				id_seen = true;
			if (!name_seen
			    && reconcile_plan_name_clash(s->name, u->name)
			    && reconcile_plan_name_held(have, u->name)
				== name_held) {
				reconcile_plan_with(t, u, with);
				return RECONCILE_CLASH_NAME;
			}
			if (!id_seen && reconcile_plan_id_clash(s->id, u->id)
			    && (agent_services_find(have, u->id) != NULL)
				== id_held) {
				reconcile_plan_with(t, u, with);
				return RECONCILE_CLASH_ID;
			}
		}
	}
	return RECONCILE_CLASH_NONE;
}

bool
reconcile_plan_keep(enum deregister_mode mode, const struct container_state *st,
    bool operator_stop)
{
	switch (mode) {
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
	if (st->oom_killed)
		return true;
	if (operator_stop)
		return false;
	return st->exit_code != 0;
}

/* Every service of sec in or out of maintenance. */
static void
reconcile_plan_maintenance(const struct reconcile_ctr *sec, bool enable,
    struct reconcile_plan *plan)
{
	struct reconcile_act *a;

	for (size_t i = 0; i < sec->nservices; i++) {
		a = reconcile_plan_add(plan, RECONCILE_MAINTENANCE,
		    sec->services[i].id,
		    enable ? "container stopping" : "container started");
		a->enable = enable;
		a->reason = enable ? "container stopping" : "";
	}
}

/* Linux's signal names, as Docker reads a StopSignal ("SIGTERM", "TERM"). */
static const struct {
	const char *name;
	int signo;
} reconcile_plan_signals[] = {
	{ "HUP", SIGHUP },
	{ "INT", SIGINT },
	{ "QUIT", SIGQUIT },
	{ "ILL", SIGILL },
	{ "TRAP", SIGTRAP },
	{ "ABRT", SIGABRT },
	{ "IOT", SIGIOT },
	{ "BUS", SIGBUS },
	{ "FPE", SIGFPE },
	{ "KILL", SIGKILL },
	{ "USR1", SIGUSR1 },
	{ "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE },
	{ "ALRM", SIGALRM },
	{ "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT },
	{ "CHLD", SIGCHLD },
	{ "CONT", SIGCONT },
	{ "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU },
	{ "URG", SIGURG },
	{ "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },
	{ "IO", SIGIO },
	{ "POLL", SIGPOLL },
	{ "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

/* The number of a StopSignal; SIGTERM when empty, 0 when unknown. */
static int
reconcile_plan_signo(const char *s)
{
	long long n;

	if (*s == '\0')
		return SIGTERM;
	if (str_to_ll(s, 1, DOCKER_SIGNAL_MAX, &n) == 0)
		return (int)n;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(reconcile_plan_signals)
		 / sizeof(reconcile_plan_signals[0]);
	     i++)
		if (strcasecmp(s, reconcile_plan_signals[i].name) == 0)
			return reconcile_plan_signals[i].signo;
	return 0;
}

bool
reconcile_plan_stops(const struct container *c, int kill_signal)
{
	int stop;

	/* Unknown, or perhaps a label's value: assume a stop. */
	if (kill_signal <= 0 || container_label(c, "signal") != NULL)
		return true;
	if (kill_signal == SIGKILL)
		return true;
	stop = reconcile_plan_signo(c->stop_signal);
	return stop == 0 || kill_signal == stop;
}

enum reconcile_step
reconcile_plan_change(const struct reconcile_ctr *sec,
    const struct container *c, unsigned actions, bool operator_stop,
    int kill_signal, const struct reconcile_config *cfg,
    struct reconcile_plan *plan, bool *maintenance)
{
	*maintenance = sec->in_maintenance;
	if (!c->state.running || c->state.restarting) {
		/* Down already: only a listing (start-up, --resync) looks. */
		if (sec->state == RECONCILE_DOWN
		    && !(actions & DOCKER_ACT_LIST))
			return RECONCILE_STEP_NONE;
		return reconcile_plan_keep(cfg->deregister, &c->state,
			   operator_stop)
		    ? RECONCILE_STEP_KEEP
		    : RECONCILE_STEP_DROP;
	}
	/*
	 * --deregister always deregistered it on its die event: an inspect
	 * showing it running was asked for before, and a start will follow.
	 */
	if (sec->died)
		return RECONCILE_STEP_NONE;
	if ((actions & DOCKER_ACT_KILL) && cfg->maintenance_on_stop
	    && sec->state == RECONCILE_UP
	    && reconcile_plan_stops(c, kill_signal)) {
		/* Stopping: hidden now, the die deregisters it. */
		if (!sec->in_maintenance)
			reconcile_plan_maintenance(sec, true, plan);
		*maintenance = true;
		return RECONCILE_STEP_STOPPING;
	}
	if (sec->in_maintenance && (actions & DOCKER_ACT_START)) {
		reconcile_plan_maintenance(sec, false, plan);
		*maintenance = false;
	}
	return RECONCILE_STEP_RUN;
}

uint64_t
reconcile_plan_stop_wait_ms(const struct container *c)
{
	uint64_t s;

	/* Negative: docker stop waits for ever; the cap still lifts. */
	if (c->stop_timeout < 0 && c->stop_timeout != -1)
		return RECONCILE_STOP_WAIT_MAX_MS;
	s = c->stop_timeout == -1 ? RECONCILE_STOP_TIMEOUT_DEFAULT_S
				  : (uint64_t)c->stop_timeout;
	if (s * 1000 + RECONCILE_STOP_MARGIN_MS > RECONCILE_STOP_WAIT_MAX_MS)
		return RECONCILE_STOP_WAIT_MAX_MS;
	return s * 1000 + RECONCILE_STOP_MARGIN_MS;
}

bool
reconcile_plan_lift(const struct reconcile_ctr *sec,
    struct reconcile_plan *plan)
{
	struct reconcile_act *a;

	if (!sec->in_maintenance || sec->state != RECONCILE_UP)
		return false;
	for (size_t i = 0; i < sec->nservices; i++) {
		a = reconcile_plan_add(plan, RECONCILE_MAINTENANCE,
		    sec->services[i].id, "no die after the kill");
		a->enable = false;
		a->reason = "";
	}
	return true;
}

/* Docker's health status as a Consul check status. */
static const char *
reconcile_plan_status(const char *docker_health)
{
	if (strcmp(docker_health, "healthy") == 0)
		return "passing";
	if (strcmp(docker_health, "unhealthy") == 0)
		return "critical";
	return "warning"; /* starting */
}

void
reconcile_plan_health(const struct reconcile_ctr *sec,
    struct reconcile_plan *plan)
{
	struct reconcile_act *a;

	if (sec->state != RECONCILE_UP || sec->health == NULL
	    || sec->health[0] == '\0')
		return;
	for (size_t i = 0; i < sec->nservices; i++) {
		const struct service *s = &sec->services[i];

		if (s->health_check_id == NULL)
			continue;
		a = reconcile_plan_add(plan, RECONCILE_TTL, s->health_check_id,
		    "Docker health");
		a->status = reconcile_plan_status(sec->health);
		a->output = sec->health;
	}
}
