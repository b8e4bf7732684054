/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for registrator/reconcile_plan.c, the decisions of
 * reconciliation, against answers of the real Consul 1.16.3 agent and the
 * inspects of the containers behind them (tests/data/consul, see
 * capture-agent.sh there: web and api registered by the registrator with
 * -hostname fixture-host -ip 192.0.2.10, web in maintenance, a ghost,
 * foreign services).  The wanted side is derived from those inspects with
 * the same options, so an unchanged container matches the agent's hash.
 * One test per rule: each fails when its rule is broken.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registrator.h"
#include "registrator_fixture.h"
#include "test.h"

#define HOST "fixture-host"
#define WEB_ID HOST ":consul-fx-web:80"
#define API_ID HOST ":consul-fx-api:80"
#define GHOST_ID HOST ":consul-fx-ghost:80"
#define OLD_ID HOST ":old-web:80"
#define API_OLD_ID HOST ":consul-fx-api:8080"

/* The containers of the capture and their sections. */
struct world {
	struct containers *t;
	struct reconcile_ctr *web, *api;
	struct reconcile_marks refused, recent;
	struct agent_services have;
	struct reconcile_plan plan;
};

/* Options as the capture's registrator had them. */
static struct derive_options
opts(void)
{
	struct derive_options o = {
		.host_name = HOST,
		.ip = "192.0.2.10",
	};

	return o;
}

/* A section for the container of tests/data/<dir>/<file>, derived by o. */
static struct reconcile_ctr *
section(struct world *w, const char *dir, const char *file,
    enum reconcile_state state, const struct derive_options *o)
{
	struct container *c = fixture_container_in(dir, file);
	struct containers_rec *rec = containers_get(w->t, c->id);
	struct reconcile_ctr *sec = xcalloc(1, sizeof(*sec));
	struct derive_result res;
	char err[REGISTRATOR_ERR_MAX] = "";

	derive_result_init(&res);
	T_CHECK(derive_services(c, o, &res, err, sizeof(err)) == 0, "%s: %s",
	    file, err);
	sec->rec = rec;
	sec->name = xstrdup(c->name);
	sec->state = state;
	sec->health = xstrdup(c->state.health);
	sec->services = res.services;
	sec->nservices = res.nservices;
	res.services = NULL;
	res.nservices = 0;
	derive_result_clear(&res);
	rec->rc = sec;
	container_free(c);
	return sec;
}

static void
section_free(struct reconcile_ctr *sec)
{
	for (size_t i = 0; i < sec->nservices; i++)
		service_clear(&sec->services[i]);
	free(sec->services);
	free(sec->name);
	free(sec->health);
	free(sec);
}

/* web and api up, as the capture left them; the answer is file's. */
static void
world_init(struct world *w, const char *file)
{
	struct derive_options o = opts();
	char err[REGISTRATOR_ERR_MAX] = "";
	size_t len;
	char *data;

	memset(w, 0, sizeof(*w));
	w->t = containers_new();
	w->web = section(w, "consul", "inspect-web.json", RECONCILE_UP, &o);
	w->api = section(w, "consul", "inspect-api.json", RECONCILE_UP, &o);
	data = fixture_read_in("consul", file, &len);
	T_CHECK(agent_services_parse(data, len, &w->have, err, sizeof(err))
		== 0,
	    "%s: %s", file, err);
	free(data);
	reconcile_plan_init(&w->plan);
}

static void
world_clear(struct world *w)
{
	struct containers_rec *rec;

	for (rec = containers_first(w->t); rec != NULL;
	     rec = containers_next(rec))
		if (rec->rc != NULL)
			section_free(rec->rc);
	containers_free(w->t);
	reconcile_marks_clear(&w->refused);
	reconcile_marks_clear(&w->recent);
	agent_services_clear(&w->have);
	reconcile_plan_clear(&w->plan);
}

/* Plans a pass; the plan is left in w->plan. */
static void
pass(struct world *w, enum deregister_mode mode, bool cleanup)
{
	struct reconcile_pass in = {
		.host_name = HOST,
		.deregister = mode,
		.cleanup = cleanup,
		.table = w->t,
		.refused = &w->refused,
		.recent = &w->recent,
	};
	char err[REGISTRATOR_ERR_MAX] = "";

	reconcile_plan_clear(&w->plan);
	T_CHECK(reconcile_plan_pass(&in, &w->have, &w->plan, err, sizeof(err))
		== 0,
	    "pass: %s", err);
}

/* The plan as text: "R:<id>:<why> D:<id>:<why> ...", in order. */
static const char *
text(const struct reconcile_plan *plan)
{
	static char out[2048];
	static const char kinds[] = "RDMT";
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < plan->n && o < sizeof(out); i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%c:%s:%s",
		    i > 0 ? " " : "", kinds[plan->v[i].kind], plan->v[i].id,
		    plan->v[i].why);
	return out;
}

/*
 * Rule: only what is missing or different is written.  The agent as the
 * capture left it (web in maintenance included) needs nothing but the
 * ghost's deregistration.
 */
static void
test_unchanged(void)
{
	struct world w;

	world_init(&w, "agent-services.json");
	T_EQ_INT(w.web->nservices, 1);
	T_EQ_INT(w.api->nservices, 1);
	pass(&w, DEREGISTER_ALWAYS, false);
	T_EQ_STR(text(&w.plan), "D:" GHOST_ID ":its container is gone");
	world_clear(&w);
}

/* Rule: an agent that lost everything (a restart) gets everything back. */
static void
test_agent_restart(void)
{
	struct world w;

	world_init(&w, "agent-services-restarted.json");
	T_EQ_INT(w.have.n, 0);
	pass(&w, DEREGISTER_ALWAYS, false);
	T_EQ_STR(text(&w.plan),
	    "R:" WEB_ID ":missing from the agent "
	    "R:" API_ID ":missing from the agent");
	T_ASSERT(w.plan.n == 2 && w.plan.v[0].service == &w.web->services[0]);
	world_clear(&w);
}

/* Rule: a definition whose registrator-hash differs is written again. */
static void
test_hash_change(void)
{
	const char *nohash = "{\"" API_ID "\":{\"Meta\":{"
			     "\"registrator-host\":\"" HOST "\"}}}";
	struct derive_options o = opts();
	char err[REGISTRATOR_ERR_MAX] = "";
	struct world w;
	struct containers_rec *rec;

	world_init(&w, "agent-services.json");
	/* web's definition changes (a --tags option); api's does not. */
	rec = w.web->rec;
	section_free(w.web);
	rec->rc = NULL;
	o.tags = "extra";
	w.web = section(&w, "consul", "inspect-web.json", RECONCILE_UP, &o);
	pass(&w, DEREGISTER_NEVER, false);
	T_EQ_STR(text(&w.plan), "R:" WEB_ID ":changed");
	world_clear(&w);

	/* A service of ours without a hash (registered by an older one). */
	world_init(&w, "agent-services-empty.json");
	agent_services_clear(&w.have);
	T_EQ_INT(agent_services_parse(nohash, strlen(nohash), &w.have, err,
		     sizeof(err)),
	    0);
	pass(&w, DEREGISTER_NEVER, false);
	T_EQ_STR(text(&w.plan),
	    "R:" WEB_ID ":missing from the agent "
	    "R:" API_ID ":changed");
	world_clear(&w);
}

/*
 * Rule: a ghost (our registrator-host meta, its container gone) goes,
 * except under --deregister never without --cleanup.
 */
static void
test_ghost(void)
{
	struct world w;

	world_init(&w, "agent-services.json");
	pass(&w, DEREGISTER_ON_SUCCESS, false);
	T_EQ_STR(text(&w.plan), "D:" GHOST_ID ":its container is gone");
	T_NULL(w.plan.v[0].ctr_id);
	pass(&w, DEREGISTER_NEVER, false);
	T_EQ_STR(text(&w.plan), "");
	world_clear(&w);
}

/*
 * Rule: a foreign service (no ownership meta, or another host's) is never
 * touched, in any mode; --cleanup only adds gliderlabs' leftovers of this
 * host whose container is not up (old-web; not api's other port).
 */
static void
test_foreign(void)
{
	static const enum deregister_mode modes[]
	    = { DEREGISTER_ALWAYS, DEREGISTER_ON_SUCCESS, DEREGISTER_NEVER };
	struct world w;

	world_init(&w, "agent-services.json");
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		pass(&w, modes[m], false);
		T_ASSERT(strstr(text(&w.plan), "db") == NULL);
		T_ASSERT(strstr(text(&w.plan), "other-host") == NULL);
		T_ASSERT(strstr(text(&w.plan), OLD_ID) == NULL);
		T_ASSERT(strstr(text(&w.plan), API_OLD_ID) == NULL);
		pass(&w, modes[m], true);
		T_EQ_STR(text(&w.plan),
		    "D:" GHOST_ID ":its container is gone "
		    "D:" OLD_ID ":--cleanup: its container is gone");
	}
	/* api stopped (down): its leftover goes with --cleanup too. */
	w.api->state = RECONCILE_DOWN;
	pass(&w, DEREGISTER_NEVER, true);
	T_ASSERT(strstr(text(&w.plan), "D:" API_OLD_ID ":--cleanup") != NULL);
	world_clear(&w);
}

/*
 * Rule: a kept registration (--deregister) stays, also when it is known
 * only by its registrator-container meta (the registrator restarted after
 * the container stopped, so nothing was derived), and is put back after
 * an agent restart; a stopped container's goes, with its die's time.
 */
static void
test_kept_and_down(void)
{
	struct world w;

	world_init(&w, "agent-services.json");
	w.web->state = RECONCILE_KEPT;
	pass(&w, DEREGISTER_ON_SUCCESS, false);
	T_EQ_STR(text(&w.plan), "D:" GHOST_ID ":its container is gone");
	for (size_t i = 0; i < w.web->nservices; i++)
		service_clear(&w.web->services[i]);
	w.web->nservices = 0;
	pass(&w, DEREGISTER_ON_SUCCESS, false);
	T_EQ_STR(text(&w.plan), "D:" GHOST_ID ":its container is gone");
	world_clear(&w);

	world_init(&w, "agent-services-restarted.json");
	w.web->state = RECONCILE_KEPT;
	pass(&w, DEREGISTER_ON_SUCCESS, false);
	T_EQ_STR(text(&w.plan),
	    "R:" WEB_ID ":missing from the agent "
	    "R:" API_ID ":missing from the agent");
	world_clear(&w);

	/* Down (dropped on its die): deregistered, timed from the die. */
	world_init(&w, "agent-services.json");
	w.web->state = RECONCILE_DOWN;
	w.web->die_ns = 42;
	pass(&w, DEREGISTER_NEVER, false);
	T_EQ_STR(text(&w.plan), "D:" WEB_ID ":its container stopped");
	T_ASSERT(w.plan.n == 1 && w.plan.v[0].event_ns == 42
	    && strcmp(w.plan.v[0].ctr_id, w.web->rec->id) == 0);
	/* Up, but its service no longer derived (SERVICE_IGNORE, say). */
	w.web->state = RECONCILE_UP;
	for (size_t i = 0; i < w.api->nservices; i++)
		service_clear(&w.api->services[i]);
	w.api->nservices = 0;
	pass(&w, DEREGISTER_NEVER, false);
	T_EQ_STR(text(&w.plan), "D:" API_ID ":no longer derived");
	world_clear(&w);
}

/*
 * Rule: a definition the agent refused is not sent again as it is, and
 * a write done while the GET ran is not redone from its stale answer.
 */
static void
test_refused_and_recent(void)
{
	struct world w;

	world_init(&w, "agent-services-restarted.json");
	reconcile_marks_add(&w.refused, WEB_ID, w.web->services[0].hash);
	reconcile_marks_add(&w.recent, API_ID, w.api->services[0].hash);
	pass(&w, DEREGISTER_ALWAYS, false);
	T_EQ_STR(text(&w.plan), "");
	/* A new definition is sent, refused or not. */
	reconcile_marks_clear(&w.refused);
	reconcile_marks_add(&w.refused, WEB_ID, "0000000000000000");
	pass(&w, DEREGISTER_ALWAYS, false);
	T_EQ_STR(text(&w.plan), "R:" WEB_ID ":missing from the agent");
	world_clear(&w);

	world_init(&w, "agent-services.json");
	reconcile_marks_add(&w.recent, GHOST_ID, "");
	pass(&w, DEREGISTER_ALWAYS, false);
	T_EQ_STR(text(&w.plan), "");
	world_clear(&w);
}

/* A copy of the web inspect in another state. */
static struct container *
web_in(bool running, int exit_code, bool oom)
{
	char err[REGISTRATOR_ERR_MAX] = "";
	size_t len;
	char *data = fixture_read_in("consul", "inspect-web.json", &len);
	cJSON *root = cJSON_ParseWithLength(data, len), *state;
	struct container *c;

	state = cJSON_GetObjectItem(root, "State");
	cJSON_ReplaceItemInObject(state, "Running", cJSON_CreateBool(running));
	cJSON_ReplaceItemInObject(state, "Status",
	    cJSON_CreateString(running ? "running" : "exited"));
	cJSON_ReplaceItemInObject(state, "ExitCode",
	    cJSON_CreateNumber(exit_code));
	cJSON_ReplaceItemInObject(state, "OOMKilled", cJSON_CreateBool(oom));
	c = container_from_json(root, err, sizeof(err));
	T_CHECK(c != NULL, "web_in: %s", err);
	cJSON_Delete(root);
	free(data);
	return c;
}

/* Rule: --deregister never keeps, always drops, on-success keeps failures. */
static void
test_deregister_modes(void)
{
	struct reconcile_config cfg = { .deregister = DEREGISTER_ON_SUCCESS };
	struct container *c;
	struct world w;
	bool m;

	c = web_in(false, 0, false);
	T_ASSERT(reconcile_plan_keep(DEREGISTER_NEVER, &c->state, false));
	T_ASSERT(!reconcile_plan_keep(DEREGISTER_ON_SUCCESS, &c->state, false));
	container_free(c);
	c = web_in(false, 3, false);
	T_ASSERT(!reconcile_plan_keep(DEREGISTER_ALWAYS, &c->state, false));
	T_ASSERT(reconcile_plan_keep(DEREGISTER_ON_SUCCESS, &c->state, false));
	/* docker stop: exit 137 after a kill is the operator's, not a crash. */
	container_free(c);
	c = web_in(false, 137, false);
	T_ASSERT(!reconcile_plan_keep(DEREGISTER_ON_SUCCESS, &c->state, true));
	T_ASSERT(reconcile_plan_keep(DEREGISTER_ON_SUCCESS, &c->state, false));
	/* An OOM kill is a failure, whoever asked. */
	container_free(c);
	c = web_in(false, 137, true);
	T_ASSERT(reconcile_plan_keep(DEREGISTER_ON_SUCCESS, &c->state, true));

	/* The change of a stopped container: keep or drop, once. */
	world_init(&w, "agent-services.json");
	T_EQ_INT(reconcile_plan_change(w.web, c, DOCKER_ACT_DIE, true, 0, &cfg,
		     &w.plan, &m),
	    RECONCILE_STEP_KEEP);
	container_free(c);
	c = web_in(false, 3, false);
	cfg.deregister = DEREGISTER_ALWAYS;
	T_EQ_INT(reconcile_plan_change(w.web, c, DOCKER_ACT_DIE, false, 0, &cfg,
		     &w.plan, &m),
	    RECONCILE_STEP_DROP);
	/* Already down: only a listing looks again. */
	w.web->state = RECONCILE_DOWN;
	T_EQ_INT(reconcile_plan_change(w.web, c, DOCKER_ACT_DIE, false, 0, &cfg,
		     &w.plan, &m),
	    RECONCILE_STEP_NONE);
	cfg.deregister = DEREGISTER_NEVER;
	T_EQ_INT(reconcile_plan_change(w.web, c, DOCKER_ACT_LIST, false, 0,
		     &cfg, &w.plan, &m),
	    RECONCILE_STEP_KEEP);
	T_EQ_INT(w.plan.n, 0);
	container_free(c);
	world_clear(&w);
}

/*
 * Rule: a kill stops the container when its signal is SIGKILL or the
 * container's StopSignal (SIGTERM when unset, a name with or without SIG,
 * or a number); unknown signals, a label named "signal" (it may have
 * replaced the attribute) and a StopSignal we cannot read count as a stop.
 */
static void
test_stops(void)
{
	struct container *c = web_in(true, 0, false);

	T_ASSERT(reconcile_plan_stops(c, SIGTERM));
	T_ASSERT(reconcile_plan_stops(c, SIGKILL));
	T_ASSERT(reconcile_plan_stops(c, 0));
	T_ASSERT(!reconcile_plan_stops(c, SIGHUP));
	T_ASSERT(!reconcile_plan_stops(c, SIGUSR1));
	free(c->stop_signal);
	c->stop_signal = xstrdup("SIGQUIT");
	T_ASSERT(reconcile_plan_stops(c, SIGQUIT));
	T_ASSERT(!reconcile_plan_stops(c, SIGTERM));
	free(c->stop_signal);
	c->stop_signal = xstrdup("usr2");
	T_ASSERT(reconcile_plan_stops(c, SIGUSR2));
	free(c->stop_signal);
	c->stop_signal = xstrdup("3");
	T_ASSERT(reconcile_plan_stops(c, SIGQUIT));
	T_ASSERT(!reconcile_plan_stops(c, SIGHUP));
	free(c->stop_signal);
	c->stop_signal = xstrdup("SIGRTMIN+3");
	T_ASSERT(reconcile_plan_stops(c, SIGHUP));
	container_free(c);
	c = fixture_synth("{'Id':'a0','Config':{'Labels':{'signal':'1'}}}",
	    NULL);
	T_ASSERT(reconcile_plan_stops(c, SIGHUP));
	container_free(c);
}

/*
 * Rule: the maintenance a kill set is lifted after the container's stop
 * timeout (Config.StopTimeout, else docker stop's 10 s) and a margin, when
 * no die came; only for an up container still in maintenance.
 */
static void
test_stop_wait(void)
{
	struct container *c = web_in(true, 0, false);
	struct world w;

	T_EQ_INT(c->stop_timeout, -1);
	T_EQ_INT(reconcile_plan_stop_wait_ms(c),
	    RECONCILE_STOP_TIMEOUT_DEFAULT_S * 1000 + RECONCILE_STOP_MARGIN_MS);
	c->stop_timeout = 0;
	T_EQ_INT(reconcile_plan_stop_wait_ms(c), RECONCILE_STOP_MARGIN_MS);
	c->stop_timeout = 30;
	T_EQ_INT(reconcile_plan_stop_wait_ms(c),
	    30000 + RECONCILE_STOP_MARGIN_MS);
	c->stop_timeout = 2000000000;
	T_EQ_INT(reconcile_plan_stop_wait_ms(c), RECONCILE_STOP_WAIT_MAX_MS);
	c->stop_timeout = -5; /* waits for ever: the cap */
	T_EQ_INT(reconcile_plan_stop_wait_ms(c), RECONCILE_STOP_WAIT_MAX_MS);
	container_free(c);

	world_init(&w, "agent-services.json");
	/* Not in maintenance: nothing to lift. */
	T_ASSERT(!reconcile_plan_lift(w.web, &w.plan));
	T_EQ_INT(w.plan.n, 0);
	w.web->in_maintenance = true;
	T_ASSERT(reconcile_plan_lift(w.web, &w.plan));
	T_EQ_STR(text(&w.plan), "M:" WEB_ID ":no die after the kill");
	T_ASSERT(w.plan.n == 1 && !w.plan.v[0].enable);
	reconcile_plan_clear(&w.plan);
	/* Stopped meanwhile: the die's decision stands. */
	w.web->state = RECONCILE_KEPT;
	T_ASSERT(!reconcile_plan_lift(w.web, &w.plan));
	T_EQ_INT(w.plan.n, 0);
	world_clear(&w);
}

/*
 * Rule: --maintenance-on-stop (the default) hides an up container's services on
 * the kill, once, and a start shows them again; nothing without the option.
 */
static void
test_maintenance(void)
{
	struct reconcile_config cfg = { .maintenance_on_stop = true };
	struct container *c = web_in(true, 0, false);
	struct world w;
	bool m = false;

	world_init(&w, "agent-services.json");
	T_EQ_INT(reconcile_plan_change(w.web, c, DOCKER_ACT_KILL, false, 0,
		     &cfg, &w.plan, &m),
	    RECONCILE_STEP_STOPPING);
	T_EQ_STR(text(&w.plan), "M:" WEB_ID ":container stopping");
	T_ASSERT(w.plan.n == 1 && w.plan.v[0].enable && m);
	T_ASSERT(w.plan.n == 1
	    && strcmp(w.plan.v[0].reason, "container stopping") == 0);
	reconcile_plan_clear(&w.plan);
	/* A reload signal stops nothing: no maintenance. */
	T_EQ_INT(reconcile_plan_change(w.web, c, DOCKER_ACT_KILL, false, SIGHUP,
		     &cfg, &w.plan, &m),
	    RECONCILE_STEP_RUN);
	T_EQ_INT(w.plan.n, 0);
	T_ASSERT(!m);
	/* Already in maintenance (a second kill): nothing more. */
	w.web->in_maintenance = true;
	T_EQ_INT(reconcile_plan_change(w.web, c, DOCKER_ACT_KILL, false, 0,
		     &cfg, &w.plan, &m),
	    RECONCILE_STEP_STOPPING);
	T_EQ_INT(w.plan.n, 0);
	T_ASSERT(m);
	/* Started again: out of maintenance, and derived. */
	T_EQ_INT(reconcile_plan_change(w.web, c, DOCKER_ACT_START, false, 0,
		     &cfg, &w.plan, &m),
	    RECONCILE_STEP_RUN);
	T_EQ_STR(text(&w.plan), "M:" WEB_ID ":container started");
	T_ASSERT(w.plan.n == 1 && !w.plan.v[0].enable && !m);
	reconcile_plan_clear(&w.plan);
	/* Without the option a kill changes nothing yet. */
	w.web->in_maintenance = false;
	cfg.maintenance_on_stop = false;
	T_EQ_INT(reconcile_plan_change(w.web, c, DOCKER_ACT_KILL, false, 0,
		     &cfg, &w.plan, &m),
	    RECONCILE_STEP_RUN);
	T_EQ_INT(w.plan.n, 0);
	T_ASSERT(!m);
	/* A running inspect older than the die that deregistered it. */
	w.web->died = true;
	T_EQ_INT(reconcile_plan_change(w.web, c, DOCKER_ACT_LIST, false, 0,
		     &cfg, &w.plan, &m),
	    RECONCILE_STEP_NONE);
	container_free(c);
	world_clear(&w);
}

/* Rule: Docker's health becomes the TTL status of up services only. */
static void
test_ttl(void)
{
	struct derive_options o = opts();
	struct reconcile_ctr *sec;
	struct world w;

	o.docker_health = true;
	world_init(&w, "agent-services.json");
	sec = section(&w, "docker", "inspect-health.json", RECONCILE_UP, &o);
	T_ASSERT(
	    sec->nservices == 1 && sec->services[0].health_check_id != NULL);
	T_EQ_STR(sec->health, "healthy");
	reconcile_plan_health(sec, &w.plan);
	T_ASSERT(w.plan.n == 1 && w.plan.v[0].kind == RECONCILE_TTL);
	if (w.plan.n == 1) {
		T_EQ_STR(w.plan.v[0].id, sec->services[0].health_check_id);
		T_EQ_STR(w.plan.v[0].status, "passing");
		T_EQ_STR(w.plan.v[0].output, "healthy");
	}
	reconcile_plan_clear(&w.plan);
	free(sec->health);
	sec->health = xstrdup("unhealthy");
	reconcile_plan_health(sec, &w.plan);
	T_ASSERT(w.plan.n == 1 && strcmp(w.plan.v[0].status, "critical") == 0);
	reconcile_plan_clear(&w.plan);
	free(sec->health);
	sec->health = xstrdup("starting");
	reconcile_plan_health(sec, &w.plan);
	T_ASSERT(w.plan.n == 1 && strcmp(w.plan.v[0].status, "warning") == 0);
	reconcile_plan_clear(&w.plan);
	/* Kept, or without a health status, or without the check: none. */
	sec->state = RECONCILE_KEPT;
	reconcile_plan_health(sec, &w.plan);
	T_EQ_INT(w.plan.n, 0);
	reconcile_plan_health(w.web, &w.plan);
	T_EQ_INT(w.plan.n, 0);
	world_clear(&w);
}

/* An up container ctr with one service name/id, not derived. */
static struct reconcile_ctr *
fake(struct world *w, const char *ctr, const char *name, const char *id)
{
	struct containers_rec *rec = containers_get(w->t, ctr);
	struct reconcile_ctr *sec = xcalloc(1, sizeof(*sec));

	sec->rec = rec;
	sec->name = xstrdup(ctr);
	sec->state = RECONCILE_UP;
	sec->health = xstrdup("");
	sec->services = xcalloc(1, sizeof(*sec->services));
	sec->nservices = 1;
	sec->services[0].name = xstrdup(name);
	sec->services[0].id = xstrdup(id);
	(void)snprintf(sec->services[0].hash, sizeof(sec->services[0].hash),
	    "%016x", 1u);
	rec->rc = sec;
	return sec;
}

/* The agent's answer replaced by json. */
static void
answer(struct world *w, const char *json)
{
	char err[REGISTRATOR_ERR_MAX] = "";

	agent_services_clear(&w->have);
	T_CHECK(
	    agent_services_parse(json, strlen(json), &w->have, err, sizeof(err))
		== 0,
	    "answer: %s", err);
}

/*
 * Rule: names equal but for case, IDs equal once mapped as the shipped
 * templates map them, are refused; what the agent holds wins (so Docker's
 * listing order, newest first, cannot flip the winner at a restart), then
 * the table's order; equal names are one service; someone else's
 * registered service beats an unregistered one of ours.
 */
static void
test_clash(void)
{
	struct reconcile_clash_with with;
	struct reconcile_ctr *big, *small, *colon, *under, *same;
	struct world w;

	memset(&w, 0, sizeof(w));
	w.t = containers_new();
	reconcile_plan_init(&w.plan);
	/* Listed first, as Docker lists the newest first. */
	big = fake(&w, "c-big", "RTWEB", "h:big:80");
	small = fake(&w, "c-small", "rtweb", "h:small:80");
	same = fake(&w, "c-same", "rtweb", "h:same:80");
	/* Nothing registered yet: first in the table wins. */
	answer(&w, "{}");
	T_EQ_INT(reconcile_plan_clash(w.t, &w.have, &small->services[0], &with),
	    RECONCILE_CLASH_NAME);
	T_EQ_STR(with.name, "RTWEB");
	T_EQ_STR(with.ctr, "c-big");
	T_EQ_INT(reconcile_plan_clash(w.t, &w.have, &big->services[0], &with),
	    RECONCILE_CLASH_NONE);
	/* rtweb is what the agent holds: it wins wherever it is listed. */
	answer(&w,
	    "{\"h:small:80\":{\"ID\":\"h:small:80\","
	    "\"Service\":\"rtweb\"}}");
	T_EQ_INT(reconcile_plan_clash(w.t, &w.have, &big->services[0], &with),
	    RECONCILE_CLASH_NAME);
	T_EQ_STR(with.id, "h:small:80");
	T_EQ_INT(reconcile_plan_clash(w.t, &w.have, &small->services[0], &with),
	    RECONCILE_CLASH_NONE);
	/* Another instance of the same name is no collision. */
	T_EQ_INT(reconcile_plan_clash(w.t, &w.have, &same->services[0], &with),
	    RECONCILE_CLASH_NONE);

	/* IDs: api:1 and api_1 are one haproxy server name. */
	under = fake(&w, "c-under", "api", "api_1");
	colon = fake(&w, "c-colon", "api", "api:1");
	answer(&w, "{}");
	T_EQ_INT(reconcile_plan_clash(w.t, &w.have, &colon->services[0], &with),
	    RECONCILE_CLASH_ID);
	T_EQ_STR(with.id, "api_1");
	T_EQ_INT(reconcile_plan_clash(w.t, &w.have, &under->services[0], &with),
	    RECONCILE_CLASH_NONE);

	/* Someone else's service (no container of ours wants it). */
	answer(&w, "{\"other\":{\"ID\":\"other\",\"Service\":\"Api\"}}");
	T_EQ_INT(reconcile_plan_clash(w.t, &w.have, &under->services[0], &with),
	    RECONCILE_CLASH_NAME);
	T_NULL(with.ctr);
	T_EQ_STR(with.name, "Api");
	/* ... unless ours is registered too: it stays. */
	answer(&w,
	    "{\"other\":{\"ID\":\"other\",\"Service\":\"Api\"},"
	    "\"api_1\":{\"ID\":\"api_1\",\"Service\":\"api\"}}");
	T_EQ_INT(reconcile_plan_clash(w.t, &w.have, &under->services[0], &with),
	    RECONCILE_CLASH_NONE);
	world_clear(&w);
}

/*
 * Rule: a pass registers no refused collision, and deregisters one of
 * ours that the agent holds (two registered before the rule existed).
 */
static void
test_clash_pass(void)
{
	struct reconcile_marks clashed = { NULL, 0 };
	struct reconcile_pass in = {
		.host_name = HOST,
		.deregister = DEREGISTER_ALWAYS,
		.clashed = &clashed,
	};
	struct world w;
	char err[REGISTRATOR_ERR_MAX] = "";

	memset(&w, 0, sizeof(w));
	w.t = containers_new();
	reconcile_plan_init(&w.plan);
	in.table = w.t;
	in.refused = &w.refused;
	in.recent = &w.recent;
	(void)fake(&w, "c-small", "rtweb", "h:small:80");
	(void)fake(&w, "c-big", "RTWEB", "h:big:80");
	answer(&w, "{}");
	reconcile_marks_add(&clashed, "h:big:80", "");
	T_ASSERT(
	    reconcile_plan_pass(&in, &w.have, &w.plan, err, sizeof(err)) == 0);
	T_EQ_STR(text(&w.plan), "R:h:small:80:missing from the agent");
	reconcile_plan_clear(&w.plan);
	answer(&w,
	    "{\"h:big:80\":{\"ID\":\"h:big:80\",\"Service\":"
	    "\"RTWEB\",\"Meta\":{\"registrator-host\":\"" HOST "\","
	    "\"registrator-container\":\"c-big\"}}}");
	T_ASSERT(
	    reconcile_plan_pass(&in, &w.have, &w.plan, err, sizeof(err)) == 0);
	T_EQ_STR(text(&w.plan),
	    "R:h:small:80:missing from the agent "
	    "D:h:big:80:it collides with another service");
	reconcile_marks_clear(&clashed);
	world_clear(&w);
}

int
main(void)
{
	test_unchanged();
	test_agent_restart();
	test_hash_change();
	test_ghost();
	test_foreign();
	test_kept_and_down();
	test_refused_and_recent();
	test_deregister_modes();
	test_maintenance();
	test_stops();
	test_stop_wait();
	test_ttl();
	test_clash();
	test_clash_pass();
	return test_report();
}
