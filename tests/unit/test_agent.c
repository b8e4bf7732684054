/* SPDX-License-Identifier: MIT */
/*
 * agent.c: the registry address forms gliderlabs users write (consul://,
 * consul-tls://, consul-unix://) and CONSUL_HTTP_ADDR's, and the refusals
 * for everything else; the GET /v1/agent/services answers reconcile reads,
 * captured from the real agent (tests/data/consul).  No agent is
 * contacted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

#include "registrator.h"
#include "registrator_fixture.h"
#include "test.h"

static void
base_is(const char *addr, const char *want)
{
	struct agent_opts o;
	struct agent *a;
	char err[256] = "";

	memset(&o, 0, sizeof(o));
	o.address = addr;
	a = agent_new(NULL, NULL, &o, err, sizeof(err));
	T_CHECK(a != NULL, "%s: refused: %s", addr, err);
	if (a != NULL)
		T_EQ_STR(agent_base(a), want);
	agent_free(a);
}

static void
refused(const char *addr, const char *why)
{
	struct agent_opts o;
	struct agent *a;
	char err[256] = "";

	memset(&o, 0, sizeof(o));
	o.address = addr;
	a = agent_new(NULL, NULL, &o, err, sizeof(err));
	T_CHECK(a == NULL, "%s: accepted", addr);
	T_CHECK(strstr(err, why) != NULL, "%s: error \"%s\" lacks \"%s\"", addr,
	    err, why);
	agent_free(a);
}

/* Parses tests/data/consul/<name> into out; exits when it does not. */
static void
services(const char *name, struct agent_services *out)
{
	char err[REGISTRATOR_ERR_MAX] = "";
	size_t len;
	char *data = fixture_read_in("consul", name, &len);

	if (agent_services_parse(data, len, out, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", name, err);
		exit(2);
	}
	free(data);
}

static void
test_services(void)
{
	struct agent_services have = { NULL, 0 };
	const struct agent_service *s;
	char err[REGISTRATOR_ERR_MAX];
	const char *bad[] = { "[]", "null", "\"x\"", "{", "" };
	const char *odd = "{\"n\":5,\"m\":{\"Meta\":{\"registrator-host\":7,"
			  "\"registrator-hash\":\"h\"}},\"a\":{\"Meta\":{"
			  "\"registrator-hash\":\"1\"}},\"a\":{\"Meta\":{"
			  "\"registrator-hash\":\"2\"}}}";

	/* A fresh agent, and one after a restart: nothing. */
	services("agent-services-empty.json", &have);
	T_EQ_INT(have.n, 0);
	agent_services_clear(&have);
	services("agent-services-restarted.json", &have);
	T_EQ_INT(have.n, 0);
	agent_services_clear(&have);

	/* Ours carry the three meta keys; foreign ones do not. */
	services("agent-services.json", &have);
	T_EQ_INT(have.n, 7);
	s = agent_services_find(&have, "fixture-host:consul-fx-web:80");
	T_NOT_NULL(s);
	if (s != NULL) {
		T_EQ_STR(s->host, "fixture-host");
		T_ASSERT(s->container != NULL && strlen(s->container) == 64);
		T_ASSERT(s->hash != NULL && strlen(s->hash) == 16);
	}
	s = agent_services_find(&have, "db");
	T_NOT_NULL(s);
	if (s != NULL) {
		T_NULL(s->host);
		T_NULL(s->container);
		T_NULL(s->hash);
	}
	s = agent_services_find(&have, "other-host:web:80");
	T_ASSERT(s != NULL && strcmp(s->host, "other-host") == 0);
	T_NULL(agent_services_find(&have, "fixture-host:consul-fx-web"));
	/* The answer's order is kept. */
	T_EQ_STR(have.v[0].id, "db");
	agent_services_clear(&have);
	T_EQ_INT(have.n, 0);

	/* Not an object: an error, out untouched. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		T_EQ_INT(agent_services_parse(bad[i], strlen(bad[i]), &have,
			     err, sizeof(err)),
		    -1);
		T_ASSERT(err[0] != '\0');
		T_ASSERT(have.v == NULL && have.n == 0);
	}

	/* Odd shapes are services without meta; the first of two wins. */
	T_EQ_INT(
	    agent_services_parse(odd, strlen(odd), &have, err, sizeof(err)), 0);
	T_EQ_INT(have.n, 4);
	s = agent_services_find(&have, "m");
	T_ASSERT(s != NULL && s->host == NULL && strcmp(s->hash, "h") == 0);
	s = agent_services_find(&have, "n");
	T_ASSERT(s != NULL && s->host == NULL && s->hash == NULL);
	s = agent_services_find(&have, "a");
	T_ASSERT(s != NULL && strcmp(s->hash, "1") == 0);
	agent_services_clear(&have);
}

int
main(void)
{
	struct agent_opts o;
	struct agent *a;
	char err[256];

	log_init("test_agent", LOG_LEVEL_ERROR, LOG_FORMAT_PLAIN);
	base_is("consul://127.0.0.1:8500", "http://127.0.0.1:8500");
	base_is("consul://consul.local:18500", "http://consul.local:18500");
	base_is("consul-tls://127.0.0.1:8501", "https://127.0.0.1:8501");
	base_is("consul-unix:///run/consul/http.sock", "http://localhost");
	base_is("127.0.0.1:8500", "http://127.0.0.1:8500");
	base_is("http://127.0.0.1:8500", "http://127.0.0.1:8500");
	base_is("https://10.0.0.1:8501", "https://10.0.0.1:8501");
	/* gliderlabs: an empty host means the local agent. */
	base_is("consul://", "http://127.0.0.1:8500");
	base_is("consul:///", "http://127.0.0.1:8500");

	refused("etcd://127.0.0.1:2379", "unsupported registry URI");
	refused("consul://127.0.0.1:8500/v1", "only host:port");
	refused("consul://user@127.0.0.1:8500", "only host:port");
	refused("consul-unix://relative.sock", "absolute");

	/* A token is kept for the header and never shown by agent_base. */
	memset(&o, 0, sizeof(o));
	o.address = "consul://127.0.0.1:8500";
	o.token = "s3cr3t-token";
	a = agent_new(NULL, NULL, &o, err, sizeof(err));
	T_NOT_NULL(a);
	if (a != NULL)
		T_ASSERT(strstr(agent_base(a), "s3cr3t") == NULL);
	agent_free(a);
	log_forget_secrets();
	test_services();
	return test_report();
}
