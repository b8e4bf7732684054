/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the agent's side of reconciliation: a GET
 * /v1/agent/services answer (anything registered on the agent, by anyone,
 * shows in it) goes through agent_services_parse, then through
 * reconcile_plan_pass against a small table (one container up, one kept,
 * one down) under every --deregister mode, with and without --cleanup.
 * Seeds: answers of the real Consul 1.16.3 agent (tests/data/consul) and
 * hostile shapes.  Any crash, leak or undefined behaviour is a bug; so is
 * a plan that breaks the ownership rule checked below: a service is
 * deregistered only when its registrator-host meta names this host, or,
 * under --cleanup, when it has none and its ID starts with this host's
 * name; a wanted service is never deregistered.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registrator.h"

#define AGENT_FUZZ_HOST "fuzzhost"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_section(struct containers *t, const char *ctr_id, const char *name,
    enum reconcile_state state, const char *service_id, const char *hash,
    struct reconcile_ctr *sec, struct service *s)
{
	struct containers_rec *rec = containers_get(t, ctr_id);

	memset(s, 0, sizeof(*s));
	s->id = (char *)service_id;
	s->name = (char *)name;
	(void)snprintf(s->hash, sizeof(s->hash), "%s", hash);
	memset(sec, 0, sizeof(*sec));
	sec->rec = rec;
	sec->name = (char *)name;
	sec->state = state;
	sec->services = state == RECONCILE_DOWN ? NULL : s;
	sec->nservices = state == RECONCILE_DOWN ? 0 : 1;
	rec->rc = sec;
}

static void
fuzz_check(const struct reconcile_pass *in, const struct agent_services *have,
    const struct reconcile_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct reconcile_act *a = &plan->v[i];
		const struct agent_service *svc;

		if (a->kind == RECONCILE_REGISTER) {
			if (a->service == NULL
			    || reconcile_plan_wanted(in->table, a->id, NULL)
				!= a->service)
				abort();
			continue;
		}
		if (a->kind != RECONCILE_DEREGISTER)
			abort();
		/* The entry it comes from (a repeated ID is two entries). */
		svc = NULL;
		for (size_t k = 0; k < have->n && svc == NULL; k++)
			if (have->v[k].id == a->id)
				svc = &have->v[k];
		if (svc == NULL
		    || reconcile_plan_wanted(in->table, a->id, NULL) != NULL)
			abort();
		if (svc->host != NULL ? strcmp(svc->host, AGENT_FUZZ_HOST) != 0
				      : !in->cleanup
			    || strncmp(a->id, AGENT_FUZZ_HOST ":",
				   strlen(AGENT_FUZZ_HOST ":"))
				!= 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum deregister_mode modes[]
	    = { DEREGISTER_ALWAYS, DEREGISTER_ON_SUCCESS, DEREGISTER_NEVER };
	struct agent_services have = { NULL, 0 }, again = { NULL, 0 };
	struct reconcile_ctr up, kept, down;
	struct service s_up, s_kept, s_down;
	struct reconcile_marks none = { NULL, 0 };
	struct reconcile_plan plan;
	struct reconcile_pass in;
	struct reconcile_clash_with with;
	struct containers *t;
	char err[REGISTRATOR_ERR_MAX];

	if (agent_services_parse((const char *)data, size, &have, err,
		sizeof(err))
	    == -1) {
		if (have.v != NULL || have.n != 0 || err[0] == '\0')
			abort();
		return 0;
	}
	/* Pure: the same answer gives the same services. */
	if (agent_services_parse((const char *)data, size, &again, err,
		sizeof(err))
		!= 0
	    || again.n != have.n)
		abort();
	for (size_t i = 0; i < have.n; i++) {
		if (have.v[i].id == NULL
		    || strcmp(have.v[i].id, again.v[i].id) != 0
		    || agent_services_find(&have, have.v[i].id) == NULL)
			abort();
	}
	agent_services_clear(&again);

	t = containers_new();
	fuzz_section(t, "aa", "web", RECONCILE_UP, AGENT_FUZZ_HOST ":web:80",
	    "0123456789abcdef", &up, &s_up);
	fuzz_section(t, "bb", "job", RECONCILE_KEPT, AGENT_FUZZ_HOST ":job:80",
	    "fedcba9876543210", &kept, &s_kept);
	fuzz_section(t, "cc", "old", RECONCILE_DOWN, AGENT_FUZZ_HOST ":old:80",
	    "", &down, &s_down);
	/* Collisions against a hostile answer: a verdict, never a crash. */
	if (reconcile_plan_clash(t, &have, &s_up, &with) > RECONCILE_CLASH_ID
	    || reconcile_plan_clash(t, &have, &s_kept, &with)
		> RECONCILE_CLASH_ID)
		abort();
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		for (int cleanup = 0; cleanup < 2; cleanup++) {
			memset(&in, 0, sizeof(in));
			in.host_name = AGENT_FUZZ_HOST;
			in.deregister = modes[m];
			in.cleanup = cleanup;
			in.table = t;
			in.refused = &none;
			in.recent = &none;
			reconcile_plan_init(&plan);
			if (reconcile_plan_pass(&in, &have, &plan, err,
				sizeof(err))
			    != 0)
				abort();
			fuzz_check(&in, &have, &plan);
			reconcile_plan_clear(&plan);
		}
	}
	containers_free(t);
	agent_services_clear(&have);
	return 0;
}
