/* SPDX-License-Identifier: MIT */
/*
 * agent.c: the registry address forms gliderlabs users write (consul://,
 * consul-tls://, consul-unix://) and CONSUL_HTTP_ADDR's, and the refusals
 * for everything else.  No agent is contacted.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

#include "registrator.h"
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
	return test_report();
}
