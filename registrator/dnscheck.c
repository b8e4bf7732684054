/* SPDX-License-Identifier: MIT */
/*
 * `registrator dns-check`: an end-to-end check of what the registrator
 * did, from the consumer's side.  It reads the services this host owns
 * from the local agent (registrator-host meta), keeps those whose checks
 * let them appear in DNS (the agent's aggregated health is not critical),
 * and asks Consul's DNS interface for <name>.service.consul (A and SRV)
 * and <tag>.<name>.service.consul (SRV).  Every instance must be found
 * with its address and port; each miss is printed and makes the exit
 * status 1.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "dns.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

#define DNSCHECK_DOMAIN "service.consul"

/* One question and what its answer must contain. */
struct dq {
	TAILQ_ENTRY(dq) entry;
	struct dnscheck *dc;
	char *qname;
	bool srv;
	char *service_id;
	char *address; /* expected A / SRV target address */
	uint16_t port; /* expected SRV port (0 for A) */
};
TAILQ_HEAD(dqs, dq);

struct dnscheck {
	struct loop *loop;
	struct dns *dns;
	struct dqs qs;
	unsigned checked;
	unsigned mismatches;
};

/* Consul answers DNS only for names made of letters, digits and '-'. */
static bool
dnscheck_label_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

static void
dq_free(struct dnscheck *dc, struct dq *q)
{
	TAILQ_REMOVE(&dc->qs, q, entry);
	free(q->qname);
	free(q->service_id);
	free(q->address);
	free(q);
}

static void
dnscheck_done(const struct dns_result *res, void *arg)
{
	struct dq *q = arg;
	struct dnscheck *dc = q->dc;
	bool found = false;
	size_t i;

	dc->checked++;
	if (res->status == DNS_OK && q->srv) {
		for (i = 0; i < res->nsrv && !found; i++)
			found = res->srv[i].port == q->port
			    && (res->srv[i].addr[0] == '\0'
				|| strcmp(res->srv[i].addr, q->address) == 0);
	} else if (res->status == DNS_OK) {
		for (i = 0; i < res->naddrs && !found; i++)
			found = strcmp(res->addrs[i].addr, q->address) == 0;
	}
	if (found)
		(void)printf("ok       %-3s %s -> %s:%u (%s)\n",
		    q->srv ? "SRV" : "A", q->qname, q->address, q->port,
		    q->service_id);
	else {
		dc->mismatches++;
		(void)printf("MISMATCH %-3s %s: %s:%u of %s not in the "
			     "answer%s%s\n",
		    q->srv ? "SRV" : "A", q->qname, q->address, q->port,
		    q->service_id, res->errmsg[0] != '\0' ? ": " : "",
		    res->errmsg);
	}
	dq_free(dc, q);
	if (TAILQ_EMPTY(&dc->qs))
		loop_stop(dc->loop);
}

static void
dnscheck_ask(struct dnscheck *dc, const char *qname, bool srv, const char *id,
    const char *address, uint16_t port)
{
	struct dq *q;

	q = xcalloc(1, sizeof(*q));
	q->dc = dc;
	q->qname = xstrdup(qname);
	q->srv = srv;
	q->service_id = xstrdup(id);
	q->address = xstrdup(address);
	q->port = port;
	TAILQ_INSERT_TAIL(&dc->qs, q, entry);
}

/* Is the instance visible in DNS?  Critical ones are left out by Consul. */
static bool
dnscheck_visible(const struct agent *agent, const char *id)
{
	struct buf body = BUF_INITIALIZER(BUF_MAX_CONSUL_BODY);
	char *esc, *path, err[HTTP_ERR_MAX];
	long status = 0;
	int rv;

	esc = http_escape(id);
	path = xasprintf("/v1/agent/health/service/id/%s?format=text", esc);
	rv = agent_get_sync(agent, path, &status, &body, err, sizeof(err));
	free(path);
	free(esc);
	buf_clear(&body);
	return rv == 0 && status != 503;
}

/* Queues the questions for one agent service entry. */
static void
dnscheck_service(struct dnscheck *dc, const struct agent *agent,
    const cJSON *svc, const char *host_name)
{
	const cJSON *meta, *owner, *id, *name, *addr, *port, *tags, *tag;
	char qname[DNS_NAME_MAX];

	meta = cJSON_GetObjectItemCaseSensitive(svc, "Meta");
	owner = cJSON_GetObjectItemCaseSensitive(meta, DERIVE_META_HOST);
	id = cJSON_GetObjectItemCaseSensitive(svc, "ID");
	name = cJSON_GetObjectItemCaseSensitive(svc, "Service");
	addr = cJSON_GetObjectItemCaseSensitive(svc, "Address");
	port = cJSON_GetObjectItemCaseSensitive(svc, "Port");
	tags = cJSON_GetObjectItemCaseSensitive(svc, "Tags");
	if (!cJSON_IsString(owner) || !cJSON_IsString(id)
	    || !cJSON_IsString(name) || !cJSON_IsString(addr)
	    || !cJSON_IsNumber(port))
		return;
	if (host_name != NULL && strcmp(owner->valuestring, host_name) != 0)
		return;
	if (!dnscheck_label_ok(name->valuestring)) {
		(void)printf("skipped  %s: name %s cannot be asked in DNS\n",
		    id->valuestring, name->valuestring);
		return;
	}
	if (!dnscheck_visible(agent, id->valuestring)) {
		(void)printf("skipped  %s: critical, Consul leaves it out of "
			     "DNS\n",
		    id->valuestring);
		return;
	}
	(void)snprintf(qname, sizeof(qname), "%s." DNSCHECK_DOMAIN,
	    name->valuestring);
	dnscheck_ask(dc, qname, false, id->valuestring, addr->valuestring, 0);
	dnscheck_ask(dc, qname, true, id->valuestring, addr->valuestring,
	    (uint16_t)port->valueint);
	cJSON_ArrayForEach(tag, tags) {
		if (!cJSON_IsString(tag)
		    || !dnscheck_label_ok(tag->valuestring))
			continue;
		(void)snprintf(qname, sizeof(qname), "%s.%s." DNSCHECK_DOMAIN,
		    tag->valuestring, name->valuestring);
		dnscheck_ask(dc, qname, true, id->valuestring,
		    addr->valuestring, (uint16_t)port->valueint);
	}
}

int
dnscheck_main(const char *consul_addr, const char *token, const char *dns_addr,
    const char *host_name)
{
	struct dnscheck dc;
	struct agent_opts ao;
	struct agent *agent = NULL;
	struct buf body = BUF_INITIALIZER(BUF_MAX_CONSUL_BODY);
	cJSON *services = NULL;
	const cJSON *svc;
	struct dq *q, *next;
	char err[512];
	long status = 0;
	int ret = 1;

	memset(&dc, 0, sizeof(dc));
	TAILQ_INIT(&dc.qs);
	memset(&ao, 0, sizeof(ao));
	ao.address = consul_addr;
	ao.token = token;
	dc.loop = loop_new();
	if (dc.loop == NULL)
		fatal("loop_new");
	agent = agent_new(dc.loop, NULL, &ao, err, sizeof(err));
	if (agent == NULL) {
		log_warnx("dns-check: %s", err);
		goto out;
	}
	if (agent_get_sync(agent, "/v1/agent/services", &status, &body, err,
		sizeof(err))
		== -1
	    || status != 200) {
		log_warnx("dns-check: GET %s/v1/agent/services: %s",
		    agent_base(agent), status != 0 ? "unexpected status" : err);
		goto out;
	}
	services = cJSON_ParseWithLength(buf_str(&body), body.len);
	if (!cJSON_IsObject(services)) {
		log_warnx("dns-check: the agent's service list is not JSON");
		goto out;
	}
	dc.dns = dns_new(dc.loop, dns_addr, 0, 0, err, sizeof(err));
	if (dc.dns == NULL) {
		log_warnx("dns-check: %s", err);
		goto out;
	}
	cJSON_ArrayForEach(svc, services)
		dnscheck_service(&dc, agent, svc, host_name);
	if (TAILQ_EMPTY(&dc.qs)) {
		(void)printf("no service of this host to check\n");
		ret = 0;
		goto out;
	}
	/* Queue everything first: callbacks may run during the calls. */
	for (q = TAILQ_FIRST(&dc.qs); q != NULL; q = next) {
		next = TAILQ_NEXT(q, entry);
		if (q->srv)
			dns_query_srv(dc.dns, q->qname, dnscheck_done, q);
		else
			dns_query_a(dc.dns, q->qname, dnscheck_done, q);
	}
	if (!TAILQ_EMPTY(&dc.qs) && loop_run(dc.loop) == -1)
		goto out;
	(void)printf("%u checked, %u mismatches\n", dc.checked, dc.mismatches);
	ret = dc.mismatches == 0 && TAILQ_EMPTY(&dc.qs) ? 0 : 1;
out:
	(void)fflush(stdout);
	dns_free(dc.dns);
	while ((q = TAILQ_FIRST(&dc.qs)) != NULL)
		dq_free(&dc, q);
	cJSON_Delete(services);
	buf_clear(&body);
	agent_free(agent);
	loop_free(dc.loop);
	return ret;
}
