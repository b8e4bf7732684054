/* SPDX-License-Identifier: MIT */
/*
 * Checks: the Consul health checks of one service, derived from what the
 * container declares.  derive.c calls check_derive once per service after
 * it has fixed the service's ID, address and port; the checks end up in
 * the register body's Checks array (service.c).  Three sources, in this
 * order in the array:
 *
 * 1. gliderlabs' SERVICE_CHECK_* keys (generic or per port): one check per
 *    declared kind, http, https, tcp, grpc, ttl, script, cmd, sharing
 *    _INTERVAL (default 10s), _TIMEOUT, _METHOD, _INITIAL_STATUS,
 *    _DEREGISTER_AFTER and _TLS_SKIP_VERIFY.  Divergence: gliderlabs kept
 *    only the first kind found (http > https > cmd > script > ttl > tcp >
 *    grpc); several kinds now give several checks.  Script and cmd checks
 *    make the Consul agent run a command chosen by whoever writes a label,
 *    so they are refused unless the operator allows them.
 * 2. Traefik's traefik.http.services.<svc>.loadbalancer.healthcheck.*
 *    labels (case-insensitive keys; interval 30s and timeout 5s by
 *    default, as in Traefik).  A <svc> with loadbalancer.server.port
 *    describes that container port, otherwise the lowest TCP port of the
 *    container, which is Traefik's port detection.  The probe goes to the
 *    address Consul can reach: with a host address, a container-side
 *    healthcheck.port is replaced by its published port.
 * 3. With --docker-health, a TTL check for a container with a Docker
 *    HEALTHCHECK; the daemon mirrors health_status events into it.
 *
 * Check IDs are "service:<service ID>:<source>" (":http", ":traefik-api",
 * ":docker-health"...), so they stay the same from one derivation to the
 * next and replace-existing-checks keeps exactly this set.  Pure: refused
 * checks become warnings.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "registrator.h"
#include "str.h"
#include "xmalloc.h"

#define CHECK_MAX_PATH 1024
#define CHECK_MAX_HEADER_VALUE 512
#define CHECK_MAX_HOSTNAME 253
#define CHECK_TRAEFIK_PREFIX "traefik.http.services."

void
check_clear(struct service_check *chk)
{
	free(chk->id);
	free(chk->name);
	free(chk->target);
	free(chk->method);
	for (size_t i = 0; i < chk->nheaders; i++) {
		free(chk->headers[i].name);
		free(chk->headers[i].value);
	}
	free(chk->headers);
	for (size_t i = 0; i < chk->nargs; i++)
		free(chk->args[i]);
	free(chk->args);
	free(chk->interval);
	free(chk->timeout);
	free(chk->ttl);
	free(chk->status);
	free(chk->deregister_after);
	memset(chk, 0, sizeof(*chk));
}

/* Moves chk into s (chk is left empty). */
static void
check_push(struct service *s, struct service_check *chk)
{
	s->checks
	    = xreallocarray(s->checks, s->nchecks + 1, sizeof(*s->checks));
	s->checks[s->nchecks++] = *chk;
	memset(chk, 0, sizeof(*chk));
}

static void
header_add(struct service_check *chk, const char *name, const char *value)
{
	chk->headers = xreallocarray(chk->headers, chk->nheaders + 1,
	    sizeof(*chk->headers));
	chk->headers[chk->nheaders].name = xstrdup(name);
	chk->headers[chk->nheaders].value = xstrdup(value);
	chk->nheaders++;
}

static int
header_cmp(const void *x, const void *y)
{
	const struct check_header *a = x, *b = y;

	return strcasecmp(a->name, b->name);
}

/* "host:port", with brackets around an IPv6 address. */
static char *
host_port(const char *addr, unsigned port)
{
	if (strchr(addr, ':') != NULL)
		return xasprintf("[%s]:%u", addr, port);
	return xasprintf("%s:%u", addr, port);
}

static const char *
bad_duration(const char *v)
{
	uint64_t ms;

	if (str_to_ms(v, 0, &ms) == -1)
		return "is not a duration such as 10s";
	if (ms == 0)
		return "must be longer than zero";
	return NULL;
}

/* A URL path for a probe: relative, printable, no quotes or spaces. */
static const char *
bad_path(const char *v)
{
	if (strstr(v, "://") != NULL)
		return "must be a relative URL";
	return derive_bad_value(v, CHECK_MAX_PATH);
}

static char *
url(const char *scheme, const char *addr, unsigned port, const char *path)
{
	char *hp = host_port(addr, port), *u;

	u = xasprintf("%s://%s%s%s", scheme, hp, path[0] == '/' ? "" : "/",
	    path);
	free(hp);
	return u;
}

/* An HTTP method token, upper-cased into out. */
static const char *
bad_method(const char *v, char *out, size_t outlen)
{
	size_t n = strlen(v);

	if (n == 0 || n >= outlen)
		return "is not an HTTP method";
	for (size_t i = 0; i <= n; i++) {
		if (v[i] != '\0' && !isalpha((unsigned char)v[i]))
			return "is not an HTTP method";
		out[i] = (char)toupper((unsigned char)v[i]);
	}
	return NULL;
}

struct check_ctx {
	const struct container *c;
	const struct derive_attrs *a;
	struct service *s;
	struct derive_result *res;
};

/* One warning: "container <name>: <key>: "<value>" <why>; <then>". */
static void
warn_raw(const struct check_ctx *x, const char *key, const char *v,
    const char *why, const char *then)
{
	char qk[160 * 4 + 8], qv[DERIVE_QUOTE_BUF];

	derive_warn(x->res, "container %s: %s: \"%s\" %s; %s", x->c->name,
	    derive_quote(qk, sizeof(qk), key), derive_quote(qv, sizeof(qv), v),
	    why, then);
}

/* The same for a SERVICE_ key, named as the user wrote it. */
static void
warn_key(const struct check_ctx *x, const char *key, const char *v,
    const char *why, const char *then)
{
	char name[64];

	warn_raw(x,
	    derive_key_name(name, sizeof(name), x->a, key,
		x->s->container_port),
	    v, why, then);
}

/* The SERVICE_CHECK_* options every declared check shares. */
struct check_common {
	const char *interval;
	const char *timeout;
	const char *status;
	const char *deregister_after;
	const char *method; /* NULL: _HTTP(S)_METHOD or GET */
	bool tls_skip_verify;
	bool grpc_use_tls;
	char methodbuf[16];
};

static const char *
duration_attr(const struct check_ctx *x, const char *key, const char *def)
{
	const char *v = derive_attr(x->a, key), *why;

	if (v == NULL)
		return def;
	if ((why = bad_duration(v)) != NULL) {
		warn_key(x, key, v, why,
		    def != NULL ? "using the default" : "not set");
		return def;
	}
	return v;
}

static bool
bool_attr(const struct check_ctx *x, const char *key)
{
	const char *v = derive_attr(x->a, key);
	bool b;

	if (v == NULL)
		return false;
	if (str_to_bool(v, &b) == -1) {
		warn_key(x, key, v, "is not a boolean", "taken as false");
		return false;
	}
	return b;
}

static void
common_read(const struct check_ctx *x, struct check_common *cc)
{
	const char *v, *why;

	memset(cc, 0, sizeof(*cc));
	cc->interval
	    = duration_attr(x, "check_interval", CHECK_DEFAULT_INTERVAL);
	cc->timeout = duration_attr(x, "check_timeout", NULL);
	cc->deregister_after = duration_attr(x, "check_deregister_after", NULL);
	if ((v = derive_attr(x->a, "check_initial_status")) != NULL) {
		if (strcmp(v, "passing") == 0 || strcmp(v, "warning") == 0
		    || strcmp(v, "critical") == 0)
			cc->status = v;
		else
			warn_key(x, "check_initial_status", v,
			    "is not passing, warning or critical", "not set");
	}
	if ((v = derive_attr(x->a, "check_method")) != NULL) {
		if ((why = bad_method(v, cc->methodbuf, sizeof(cc->methodbuf)))
		    != NULL)
			warn_key(x, "check_method", v, why, "using GET");
		else
			cc->method = cc->methodbuf;
	}
	cc->tls_skip_verify = bool_attr(x, "check_tls_skip_verify");
	cc->grpc_use_tls = bool_attr(x, "check_grpc_use_tls");
}

static void
common_apply(const struct check_common *cc, struct service_check *chk,
    bool probe)
{
	if (probe) {
		chk->interval = xstrdup(cc->interval);
		if (cc->timeout != NULL)
			chk->timeout = xstrdup(cc->timeout);
	}
	if (cc->status != NULL)
		chk->status = xstrdup(cc->status);
	if (cc->deregister_after != NULL)
		chk->deregister_after = xstrdup(cc->deregister_after);
}

static void
check_named(struct service_check *chk, const struct service *s,
    const char *source, enum check_kind kind)
{
	chk->kind = kind;
	chk->id = xasprintf("service:%s:%s", s->id, source);
	chk->name = xasprintf("%s %s check", s->name, source);
}

/* SERVICE_CHECK_HTTP / _HTTPS: the value is the path. */
static void
declared_http(const struct check_ctx *x, const struct check_common *cc,
    const char *scheme)
{
	struct service_check chk = { 0 };
	char key[32], mkey[48], mbuf[16];
	const char *v, *why, *method = cc->method;

	(void)snprintf(key, sizeof(key), "check_%s", scheme);
	if ((v = derive_attr(x->a, key)) == NULL)
		return;
	if ((why = bad_path(v)) != NULL) {
		warn_key(x, key, v, why, "check not registered");
		return;
	}
	/* gliderlabs' per-kind spelling, SERVICE_CHECK_HTTP_METHOD. */
	(void)snprintf(mkey, sizeof(mkey), "%s_method", key);
	if (method == NULL && (v = derive_attr(x->a, mkey)) != NULL) {
		if ((why = bad_method(v, mbuf, sizeof(mbuf))) != NULL)
			warn_key(x, mkey, v, why, "using GET");
		else
			method = mbuf;
	}
	check_named(&chk, x->s, scheme, CHECK_KIND_HTTP);
	chk.target
	    = url(scheme, x->s->address, x->s->port, derive_attr(x->a, key));
	if (method != NULL)
		chk.method = xstrdup(method);
	chk.tls_skip_verify = cc->tls_skip_verify;
	common_apply(cc, &chk, true);
	check_push(x->s, &chk);
}

static void
declared_addr(const struct check_ctx *x, const struct check_common *cc,
    const char *kindname, enum check_kind kind)
{
	struct service_check chk = { 0 };
	char key[32];

	(void)snprintf(key, sizeof(key), "check_%s", kindname);
	/* gliderlabs: any non-empty value turns the check on. */
	if (derive_attr(x->a, key) == NULL)
		return;
	check_named(&chk, x->s, kindname, kind);
	chk.target = host_port(x->s->address, x->s->port);
	if (kind == CHECK_KIND_GRPC) {
		chk.grpc_use_tls = cc->grpc_use_tls;
		chk.tls_skip_verify = cc->tls_skip_verify;
	}
	common_apply(cc, &chk, true);
	check_push(x->s, &chk);
}

static void
declared_ttl(const struct check_ctx *x, const struct check_common *cc)
{
	struct service_check chk = { 0 };
	const char *v = derive_attr(x->a, "check_ttl"), *why;

	if (v == NULL)
		return;
	if ((why = bad_duration(v)) != NULL) {
		warn_key(x, "check_ttl", v, why, "check not registered");
		return;
	}
	check_named(&chk, x->s, "ttl", CHECK_KIND_TTL);
	chk.ttl = xstrdup(v);
	common_apply(cc, &chk, false);
	check_push(x->s, &chk);
}

static void
args_split(struct service_check *chk, const char *s)
{
	const char *p = s;

	while (*p != '\0') {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n == 0)
			break;
		chk->args
		    = xreallocarray(chk->args, chk->nargs + 1, sizeof(char *));
		chk->args[chk->nargs++] = xstrndup(p, n);
		p += n;
	}
}

/* "$SERVICE_IP" and "$SERVICE_PORT" replaced, as gliderlabs does. */
static char *
script_expand(const char *v, const struct service *s)
{
	struct buf b = BUF_INITIALIZER(CHECK_MAX_PATH * 4);
	const char *p = v;

	while (*p != '\0') {
		if (str_has_prefix(p, "$SERVICE_IP")) {
			(void)buf_addstr(&b, s->address);
			p += strlen("$SERVICE_IP");
		} else if (str_has_prefix(p, "$SERVICE_PORT")) {
			(void)buf_addf(&b, "%u", (unsigned)s->port);
			p += strlen("$SERVICE_PORT");
		} else
			(void)buf_addc(&b, *p++);
	}
	return buf_take(&b, NULL);
}

static void
declared_script(const struct check_ctx *x, const struct check_common *cc,
    const struct derive_options *o, const char *kindname)
{
	struct service_check chk = { 0 };
	char key[32], *cmd;
	const char *v;

	(void)snprintf(key, sizeof(key), "check_%s", kindname);
	if ((v = derive_attr(x->a, key)) == NULL)
		return;
	if (!o->allow_script_checks) {
		warn_key(x, key, v,
		    "refused: a label must not make Consul run "
		    "commands",
		    "pass --allow-script-checks to accept it");
		return;
	}
	for (const char *p = v; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			warn_key(x, key, v, "contains a control character",
			    "check not registered");
			return;
		}
	}
	check_named(&chk, x->s, kindname, CHECK_KIND_SCRIPT);
	if (strcmp(kindname, "cmd") == 0) {
		/* progrium/consul's helper: check-cmd <cid> <port> <cmd...>. */
		char *cid = xstrndup(x->c->id, 12);
		char *port = xasprintf("%u", (unsigned)x->s->container_port);

		chk.args = xcalloc(3, sizeof(char *));
		chk.args[0] = xstrdup("check-cmd");
		chk.args[1] = cid;
		chk.args[2] = port;
		chk.nargs = 3;
		args_split(&chk, v);
	} else {
		cmd = script_expand(v, x->s);
		args_split(&chk, cmd);
		free(cmd);
	}
	common_apply(cc, &chk, true);
	check_push(x->s, &chk);
}

static void
declared_checks(const struct check_ctx *x, const struct derive_options *o)
{
	struct check_common cc;

	common_read(x, &cc);
	declared_http(x, &cc, "http");
	declared_http(x, &cc, "https");
	declared_addr(x, &cc, "tcp", CHECK_KIND_TCP);
	declared_addr(x, &cc, "grpc", CHECK_KIND_GRPC);
	declared_ttl(x, &cc);
	declared_script(x, &cc, o, "script");
	declared_script(x, &cc, o, "cmd");
}

/* The labels of one Traefik service; values are borrowed from c. */
struct traefik_svc {
	char name[64]; /* lower-cased <svc> */
	bool bad_name;
	const char *server_port;
	const char *server_scheme;
	const char *path;
	const char *scheme;
	const char *port;
	const char *hostname;
	const char *interval;
	const char *timeout;
	const char *method;
	const char *follow;
	const char *mode;
	const struct container_kv *headers[CHECK_MAX_HEADERS + 1];
	size_t nheaders; /* may pass CHECK_MAX_HEADERS */
};

struct traefik_field {
	const char *suffix;
	size_t offset;
};

static const struct traefik_field traefik_fields[] = {
	{ "server.port", offsetof(struct traefik_svc, server_port) },
	{ "server.scheme", offsetof(struct traefik_svc, server_scheme) },
	{ "healthcheck.path", offsetof(struct traefik_svc, path) },
	{ "healthcheck.scheme", offsetof(struct traefik_svc, scheme) },
	{ "healthcheck.port", offsetof(struct traefik_svc, port) },
	{ "healthcheck.hostname", offsetof(struct traefik_svc, hostname) },
	{ "healthcheck.interval", offsetof(struct traefik_svc, interval) },
	{ "healthcheck.timeout", offsetof(struct traefik_svc, timeout) },
	{ "healthcheck.method", offsetof(struct traefik_svc, method) },
	{ "healthcheck.followredirects", offsetof(struct traefik_svc, follow) },
	{ "healthcheck.mode", offsetof(struct traefik_svc, mode) },
};

static struct traefik_svc *
traefik_svc_get(struct traefik_svc **v, size_t *n, const char *name,
    size_t namelen)
{
	struct traefik_svc *t;

	for (size_t i = 0; i < *n; i++)
		if (strlen((*v)[i].name) == namelen
		    && strncasecmp((*v)[i].name, name, namelen) == 0)
			return &(*v)[i];
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	t = &(*v)[(*n)++];
	memset(t, 0, sizeof(*t));
	if (namelen == 0 || namelen >= sizeof(t->name))
		t->bad_name = true;
	namelen = namelen < sizeof(t->name) ? namelen : sizeof(t->name) - 1;
	for (size_t i = 0; i < namelen; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (!isalnum(ch) && ch != '-' && ch != '_')
			t->bad_name = true;
		t->name[i] = (char)tolower(ch);
	}
	t->name[namelen] = '\0';
	return t;
}

/* Groups the container's Traefik service labels by <svc>. */
static size_t
traefik_collect(const struct container *c, struct traefik_svc **out)
{
	const size_t plen = strlen(CHECK_TRAEFIK_PREFIX);
	const char *lb = ".loadbalancer.";
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < c->nlabels; i++) {
		const char *k = c->labels[i].key, *dot, *rest;
		struct traefik_svc *t;

		if (!str_casehas_prefix(k, CHECK_TRAEFIK_PREFIX))
			continue;
		dot = strchr(k + plen, '.');
		if (dot == NULL || !str_casehas_prefix(dot, lb))
			continue;
		rest = dot + strlen(lb);
		t = traefik_svc_get(out, &n, k + plen,
		    (size_t)(dot - k - plen));
		if (str_casehas_prefix(rest, "healthcheck.headers.")
		    && rest[strlen("healthcheck.headers.")] != '\0') {
			if (t->nheaders < CHECK_MAX_HEADERS + 1)
				t->headers[t->nheaders] = &c->labels[i];
			t->nheaders++;
			continue;
		}
		for (size_t f = 0;
		     f < sizeof(traefik_fields) / sizeof(traefik_fields[0]);
		     f++) {
			if (strcasecmp(rest, traefik_fields[f].suffix) == 0) {
				*(const char **)((char *)t
				    + traefik_fields[f].offset)
				    = c->labels[i].value;
				break;
			}
		}
	}
	return n;
}

static int
traefik_svc_cmp(const void *x, const void *y)
{
	const struct traefik_svc *a = x, *b = y;

	return strcmp(a->name, b->name);
}

/* Traefik's port detection: the lowest TCP port the container has. */
static uint16_t
lowest_port(const struct container *c)
{
	for (size_t i = 0; i < c->nports; i++)
		if (strcmp(c->ports[i].proto, "tcp") == 0)
			return c->ports[i].port;
	return 0;
}

static void
traefik_warn(const struct check_ctx *x, const struct traefik_svc *t,
    const char *field, const char *v, const char *why, const char *then)
{
	char key[256];

	(void)snprintf(key, sizeof(key), "label %s%s.loadbalancer.%s",
	    CHECK_TRAEFIK_PREFIX, t->name, field);
	warn_raw(x, key, v, why, then);
}

static const char *
bad_hostname(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > CHECK_MAX_HOSTNAME)
		return "is not a host name";
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i])
		    && strchr("-._:[]", v[i]) == NULL)
			return "is not a host name";
	return NULL;
}

static const char *
bad_header(const char *name, const char *value)
{
	if (*name == '\0' || strlen(name) > 64)
		return "has a bad header name";
	for (const char *p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return "has a bad header name";
	if (strlen(value) > CHECK_MAX_HEADER_VALUE)
		return "too long";
	for (const char *p = value; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return *p == '\n' || *p == '\r'
			    ? "contains a newline"
			    : "contains a control character";
	return NULL;
}

/*
 * The port to probe.  Traefik's healthcheck.port is a container port;
 * when the service is registered with a host address it must become the
 * published port, or Consul would knock on the wrong door.
 */
static int
traefik_probe_port(const struct check_ctx *x, const struct derive_options *o,
    const struct traefik_svc *t, unsigned *out)
{
	const struct container_port *p;
	long long v;

	if (t->port == NULL) {
		*out = x->s->port;
		return 0;
	}
	if (str_to_ll(t->port, 1, 65535, &v) == -1) {
		traefik_warn(x, t, "healthcheck.port", t->port,
		    "is not a port number", "check not registered");
		return -1;
	}
	if (derive_uses_container_ip(x->c, o)
	    || strcmp(x->c->network_mode, "host") == 0) {
		*out = (unsigned)v;
		return 0;
	}
	p = container_port(x->c, (uint16_t)v, "tcp");
	if (p == NULL || p->host_port == 0) {
		traefik_warn(x, t, "healthcheck.port", t->port,
		    "is not published on the host", "check not registered");
		return -1;
	}
	*out = p->host_port;
	return 0;
}

static void
traefik_check(const struct check_ctx *x, const struct derive_options *o,
    const struct traefik_svc *t)
{
	struct service_check chk = { 0 };
	const char *scheme = "http", *why;
	char method[16], *src;
	bool follow, grpc = false;
	unsigned port;

	if (t->scheme != NULL || t->server_scheme != NULL) {
		const char *v
		    = t->scheme != NULL ? t->scheme : t->server_scheme;

		if (strcasecmp(v, "http") != 0 && strcasecmp(v, "https") != 0) {
			traefik_warn(x, t,
			    t->scheme != NULL ? "healthcheck.scheme"
					      : "server.scheme",
			    v, "is not http or https", "check not registered");
			return;
		}
		scheme = strcasecmp(v, "https") == 0 ? "https" : "http";
	}
	if (t->mode != NULL) {
		if (strcasecmp(t->mode, "grpc") == 0)
			grpc = true;
		else if (strcasecmp(t->mode, "http") != 0) {
			traefik_warn(x, t, "healthcheck.mode", t->mode,
			    "is not http or grpc", "check not registered");
			return;
		}
	}
	if ((why = bad_path(t->path)) != NULL) {
		traefik_warn(x, t, "healthcheck.path", t->path, why,
		    "check not registered");
		return;
	}
	if (traefik_probe_port(x, o, t, &port) == -1)
		return;
	src = xasprintf("traefik-%s", t->name);
	check_named(&chk, x->s, src, grpc ? CHECK_KIND_GRPC : CHECK_KIND_HTTP);
	if (grpc) {
		chk.target = host_port(x->s->address, port);
		chk.grpc_use_tls = strcmp(scheme, "https") == 0;
	} else
		chk.target = url(scheme, x->s->address, port, t->path);
	chk.interval = xstrdup(CHECK_TRAEFIK_INTERVAL);
	if (t->interval != NULL) {
		if ((why = bad_duration(t->interval)) != NULL)
			traefik_warn(x, t, "healthcheck.interval", t->interval,
			    why, "using 30s");
		else {
			free(chk.interval);
			chk.interval = xstrdup(t->interval);
		}
	}
	chk.timeout = xstrdup(CHECK_TRAEFIK_TIMEOUT);
	if (t->timeout != NULL) {
		if ((why = bad_duration(t->timeout)) != NULL)
			traefik_warn(x, t, "healthcheck.timeout", t->timeout,
			    why, "using 5s");
		else {
			free(chk.timeout);
			chk.timeout = xstrdup(t->timeout);
		}
	}
	if (!grpc && t->method != NULL) {
		if ((why = bad_method(t->method, method, sizeof(method)))
		    != NULL)
			traefik_warn(x, t, "healthcheck.method", t->method, why,
			    "using GET");
		else
			chk.method = xstrdup(method);
	}
	if (!grpc && t->follow != NULL) {
		if (str_to_bool(t->follow, &follow) == -1)
			traefik_warn(x, t, "healthcheck.followredirects",
			    t->follow, "is not a boolean",
			    "following redirects");
		else
			chk.disable_redirects = !follow;
	}
	/* Consul turns a Host header into the request's Host. */
	if (!grpc && t->hostname != NULL) {
		if ((why = bad_hostname(t->hostname)) != NULL)
			traefik_warn(x, t, "healthcheck.hostname", t->hostname,
			    why, "no Host header");
		else
			header_add(&chk, "Host", t->hostname);
	}
	for (size_t i = 0; !grpc && i < t->nheaders; i++) {
		const char *hname, *k;

		if (i >= CHECK_MAX_HEADERS) {
			traefik_warn(x, t, "healthcheck.headers", "",
			    "has too many headers", "the rest are dropped");
			break;
		}
		k = t->headers[i]->key;
		hname = strchr(k + strlen(CHECK_TRAEFIK_PREFIX), '.')
		    + strlen(".loadbalancer.healthcheck.headers.");
		if ((why = bad_header(hname, t->headers[i]->value)) != NULL) {
			traefik_warn(x, t, "healthcheck.headers", hname, why,
			    "header dropped");
			continue;
		}
		/* hostname wins over a Host header, as in Traefik. */
		if (strcasecmp(hname, "Host") == 0 && t->hostname != NULL)
			continue;
		header_add(&chk, hname, t->headers[i]->value);
	}
	if (chk.nheaders > 1)
		qsort(chk.headers, chk.nheaders, sizeof(*chk.headers),
		    header_cmp);
	check_push(x->s, &chk);
	free(src);
}

static void
traefik_checks(const struct check_ctx *x, const struct derive_options *o)
{
	struct traefik_svc *svcs;
	size_t n = traefik_collect(x->c, &svcs);
	uint16_t lowest = lowest_port(x->c);

	if (n > 1)
		qsort(svcs, n, sizeof(*svcs), traefik_svc_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct traefik_svc *t = &svcs[i];
		long long target = lowest;

		if (t->path == NULL || *t->path == '\0')
			continue;
		if (t->server_port != NULL
		    && str_to_ll(t->server_port, 1, 65535, &target) == -1) {
			/* Warn once, from the lowest port's service. */
			if (x->s->container_port == lowest)
				traefik_warn(x, t, "server.port",
				    t->server_port, "is not a port number",
				    "check not registered");
			continue;
		}
		if (target != x->s->container_port
		    || strcmp(x->s->proto, "tcp") != 0)
			continue;
		if (t->bad_name) {
			traefik_warn(x, t, "healthcheck.path", t->path,
			    "belongs to a service name that is not [a-z0-9_-]",
			    "check not registered");
			continue;
		}
		traefik_check(x, o, t);
	}
	free(svcs);
}

static void
docker_health_check(const struct check_ctx *x, const struct derive_options *o)
{
	struct service_check chk = { 0 };

	if (!o->docker_health || !x->c->has_healthcheck)
		return;
	check_named(&chk, x->s, "docker-health", CHECK_KIND_TTL);
	free(chk.name);
	chk.name = xasprintf("Docker health of %s", x->c->name);
	chk.ttl
	    = xstrdup(o->docker_health_ttl != NULL ? o->docker_health_ttl
						   : CHECK_DOCKER_HEALTH_TTL);
	free(x->s->health_check_id);
	x->s->health_check_id = xstrdup(chk.id);
	check_push(x->s, &chk);
}

void
check_derive(const struct container *c, const struct derive_attrs *a,
    const struct derive_options *o, struct service *s,
    struct derive_result *res)
{
	struct check_ctx x = { c, a, s, res };

	declared_checks(&x, o);
	traefik_checks(&x, o);
	docker_health_check(&x, o);
}
