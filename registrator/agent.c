/* SPDX-License-Identifier: MIT */
/*
 * The Consul agent client: the last step of the data flow, where derived
 * and reconciled services become PUTs to the local agent's HTTP API.  It
 * knows the address forms (consul://, consul-tls://, consul-unix://, and
 * CONSUL_HTTP_ADDR's host:port), TLS files and the ACL token, which it
 * sends only as the X-Consul-Token header.  It makes no decisions: every
 * result goes back to reconcile.c, which retries.  agent_services_parse()
 * is the pure exception: it reads GET /v1/agent/services into what the
 * planner (reconcile_plan.c) compares.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

/* One call in flight. */
struct agent_call {
	TAILQ_ENTRY(agent_call) entry;
	struct agent *agent;
	struct http_req *req;
	agent_done_cb *done;
	void *arg;
	bool not_found_ok; /* deregister: 404 means done */
};
TAILQ_HEAD(agent_calls, agent_call);

struct agent {
	struct loop *loop;
	struct http *http;
	char *base;
	char *unix_socket;
	char *token; /* owned; wiped on free */
	bool use_tls;
	struct http_tls tls;
	struct agent_calls calls;
};

static int
agent_parse_address(struct agent *a, const char *addr, char *err, size_t errlen)
{
	const char *hp = NULL, *scheme = "http";

	if (str_has_prefix(addr, "consul-unix://")) {
		const char *path = addr + strlen("consul-unix://");

		if (path[0] != '/' || strlen(path) > 107) {
			(void)snprintf(err, errlen,
			    "%s: expected "
			    "consul-unix:///absolute/path.sock",
			    addr);
			return -1;
		}
		a->unix_socket = xstrdup(path);
		a->base = xstrdup("http://localhost");
		return 0;
	}
	if (str_has_prefix(addr, "consul-tls://")) {
		hp = addr + strlen("consul-tls://");
		scheme = "https";
	} else if (str_has_prefix(addr, "consul://"))
		hp = addr + strlen("consul://");
	else if (str_has_prefix(addr, "https://")) {
		hp = addr + strlen("https://");
		scheme = "https";
	} else if (str_has_prefix(addr, "http://"))
		hp = addr + strlen("http://");
	else if (strstr(addr, "://") == NULL)
		hp = addr;
	if (hp == NULL) {
		(void)snprintf(err, errlen,
		    "%s: unsupported registry URI "
		    "(consul://, consul-tls://, consul-unix:// or host:port)",
		    addr);
		return -1;
	}
	/* gliderlabs: an empty host means the local agent. */
	if (hp[0] == '\0' || strcmp(hp, "/") == 0)
		hp = "127.0.0.1:8500";
	if (strpbrk(hp, "/?#@ ") != NULL) {
		(void)snprintf(err, errlen,
		    "%s: expected only host:port after "
		    "the scheme",
		    addr);
		return -1;
	}
	a->use_tls = strcmp(scheme, "https") == 0;
	a->base = xasprintf("%s://%s", scheme, hp);
	return 0;
}

struct agent *
agent_new(struct loop *loop, struct http *http, const struct agent_opts *o,
    char *err, size_t errlen)
{
	struct agent *a;

	a = xcalloc(1, sizeof(*a));
	a->loop = loop;
	a->http = http;
	TAILQ_INIT(&a->calls);
	if (agent_parse_address(a, o->address, err, errlen) == -1) {
		agent_free(a);
		return NULL;
	}
	if (o->token != NULL && o->token[0] != '\0') {
		a->token = xstrdup(o->token);
		log_add_secret(a->token);
	}
	if (o->ca_file != NULL || o->cert_file != NULL || o->insecure)
		a->use_tls = a->use_tls || a->unix_socket == NULL;
	a->tls.ca_file = o->ca_file != NULL ? xstrdup(o->ca_file) : NULL;
	a->tls.cert_file = o->cert_file != NULL ? xstrdup(o->cert_file) : NULL;
	a->tls.key_file = o->key_file != NULL ? xstrdup(o->key_file) : NULL;
	a->tls.insecure = o->insecure;
	return a;
}

void
agent_free(struct agent *a)
{
	struct agent_call *c;

	if (a == NULL)
		return;
	while ((c = TAILQ_FIRST(&a->calls)) != NULL) {
		TAILQ_REMOVE(&a->calls, c, entry);
		http_cancel(a->http, c->req);
		free(c);
	}
	if (a->token != NULL) {
		explicit_bzero(a->token, strlen(a->token));
		free(a->token);
	}
	free(a->base);
	free(a->unix_socket);
	free((char *)a->tls.ca_file);
	free((char *)a->tls.cert_file);
	free((char *)a->tls.key_file);
	free(a);
}

const char *
agent_base(const struct agent *a)
{
	return a->base;
}

/*
 * Fills o and the header array for one request.  hdr must have room for
 * two headers.
 */
static void
agent_opts(const struct agent *a, struct http_opts *o, struct http_header *hdr,
    const char *method, const char *url)
{
	size_t n = 0;

	memset(o, 0, sizeof(*o));
	o->method = method;
	o->url = url;
	o->unix_socket = a->unix_socket;
	o->timeout_ms = AGENT_TIMEOUT_MS;
	o->max_body = BUF_MAX_CONSUL_BODY;
	o->tls = a->use_tls ? &a->tls : NULL;
	if (a->token != NULL) {
		hdr[n].name = "X-Consul-Token";
		hdr[n].value = a->token;
		n++;
	}
	hdr[n].name = "Content-Type";
	hdr[n].value = "application/json";
	n++;
	o->headers = hdr;
	o->nheaders = n;
}

static void
agent_call_done(const struct http_result *res, void *arg)
{
	struct agent_call *c = arg;
	struct agent_result r;

	TAILQ_REMOVE(&c->agent->calls, c, entry);
	memset(&r, 0, sizeof(r));
	r.error = res->error;
	r.status = res->status;
	r.errmsg = res->error != 0 ? res->errmsg : "";
	r.body = res->body;
	r.body_len = res->body_len;
	if (c->not_found_ok && res->error == 0 && res->status == 404)
		r.status = 200;
	c->done(&r, c->arg);
	free(c);
}

static void
agent_call(struct agent *a, const char *method, const char *path,
    const char *body, bool not_found_ok, agent_done_cb *done, void *arg)
{
	struct agent_call *c;
	struct http_opts o;
	struct http_header hdr[2];
	char url[AGENT_URL_MAX];

	(void)snprintf(url, sizeof(url), "%s%s", a->base, path);
	agent_opts(a, &o, hdr, method, url);
	if (body != NULL) {
		o.body = body;
		o.body_len = strlen(body);
	}
	c = xcalloc(1, sizeof(*c));
	c->agent = a;
	c->done = done;
	c->arg = arg;
	c->not_found_ok = not_found_ok;
	TAILQ_INSERT_TAIL(&a->calls, c, entry);
	c->req = http_start(a->http, &o, agent_call_done, c);
}

void
agent_register(struct agent *a, const char *body, agent_done_cb *done,
    void *arg)
{
	agent_call(a, "PUT",
	    "/v1/agent/service/register?replace-existing-checks=true", body,
	    false, done, arg);
}

void
agent_deregister(struct agent *a, const char *service_id, agent_done_cb *done,
    void *arg)
{
	char *esc, *path;

	esc = http_escape(service_id);
	path = xasprintf("/v1/agent/service/deregister/%s", esc);
	agent_call(a, "PUT", path, NULL, true, done, arg);
	free(path);
	free(esc);
}

void
agent_services(struct agent *a, agent_done_cb *done, void *arg)
{
	agent_call(a, "GET", "/v1/agent/services", NULL, false, done, arg);
}

void
agent_leader(struct agent *a, agent_done_cb *done, void *arg)
{
	agent_call(a, "GET", "/v1/status/leader", NULL, false, done, arg);
}

void
agent_maintenance(struct agent *a, const char *service_id, bool enable,
    const char *reason, agent_done_cb *done, void *arg)
{
	char *esc_id, *esc_reason, *path;

	esc_id = http_escape(service_id);
	esc_reason = http_escape(reason != NULL ? reason : "");
	path = xasprintf("/v1/agent/service/maintenance/%s?enable=%s&reason=%s",
	    esc_id, enable ? "true" : "false", esc_reason);
	agent_call(a, "PUT", path, NULL, false, done, arg);
	free(path);
	free(esc_reason);
	free(esc_id);
}

void
agent_check_update(struct agent *a, const char *check_id, const char *status,
    const char *output, agent_done_cb *done, void *arg)
{
	cJSON *body;
	char *esc, *path, *json;

	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "Status", status);
	cJSON_AddStringToObject(body, "Output", output != NULL ? output : "");
	json = cJSON_PrintUnformatted(body);
	esc = http_escape(check_id);
	path = xasprintf("/v1/agent/check/update/%s", esc);
	agent_call(a, "PUT", path, json, false, done, arg);
	free(path);
	free(esc);
	free(json);
	cJSON_Delete(body);
}

int
agent_get_sync(const struct agent *a, const char *path, long *status,
    struct buf *body, char *err, size_t errlen)
{
	struct http_opts o;
	struct http_header hdr[2];
	char url[AGENT_URL_MAX];

	(void)snprintf(url, sizeof(url), "%s%s", a->base, path);
	agent_opts(a, &o, hdr, "GET", url);
	return http_request_sync(&o, status, body, err, errlen);
}

/* ---- pure: the GET /v1/agent/services answer ---- */

/* A copy of Meta[key] when it is a string, else NULL. */
static char *
agent_meta(const cJSON *svc, const char *key)
{
	const cJSON *meta, *v;

	meta = cJSON_GetObjectItemCaseSensitive(svc, "Meta");
	v = cJSON_GetObjectItemCaseSensitive(meta, key);
	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

int
agent_services_parse(const char *json, size_t len, struct agent_services *out,
    char *err, size_t errlen)
{
	cJSON *root;
	const cJSON *svc, *name;
	size_t n = 0;

	root = cJSON_ParseWithLength(json, len);
	if (!cJSON_IsObject(root)) {
		(void)snprintf(err, errlen,
		    "GET /v1/agent/services: the "
		    "answer is not a JSON object");
		cJSON_Delete(root);
		return -1;
	}
	out->v = xreallocarray(NULL, (size_t)cJSON_GetArraySize(root) + 1,
	    sizeof(*out->v));
	cJSON_ArrayForEach(svc, root) {
		struct agent_service *a;

		if (svc->string == NULL)
			continue;
		/* The key is the ID; an entry of another shape has no meta. */
		a = &out->v[n++];
		a->id = xstrdup(svc->string);
		a->host = agent_meta(svc, DERIVE_META_HOST);
		a->container = agent_meta(svc, DERIVE_META_CONTAINER);
		a->hash = agent_meta(svc, DERIVE_META_HASH);
		name = cJSON_GetObjectItemCaseSensitive(svc, "Service");
		a->name
		    = cJSON_IsString(name) ? xstrdup(name->valuestring) : NULL;
	}
	out->n = n;
	cJSON_Delete(root);
	return 0;
}

const struct agent_service *
agent_services_find(const struct agent_services *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].id, id) == 0)
			return &s->v[i];
	return NULL;
}

void
agent_services_clear(struct agent_services *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].id);
		free(s->v[i].host);
		free(s->v[i].container);
		free(s->v[i].hash);
		free(s->v[i].name);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
