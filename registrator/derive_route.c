/* SPDX-License-Identifier: MIT */
/*
 * Derive's routes: the Træfik router labels of a container
 * (traefik.http.routers.<r>.rule, .service, .entrypoints, .priority,
 * .tls) turned into route-v1-NN meta of the Consul service they point
 * at, for the shipped templates (templates/nginx-sites.ctmpl,
 * haproxy-routes.ctmpl) to render.  derive.c calls derive_routes once per
 * TCP service, after its meta; route.c parses each rule.  Pure: refused
 * routers become warnings.
 *
 * Træfik's Docker provider rules, as routing.md §1 sets them out:
 * - traefik.enable overrides -traefik-exposed-by-default (true, as in
 *   Træfik) for the container; a container that is not exposed has no
 *   routes (its services are still registered: that is not Træfik's
 *   decision).  Divergence: a container without any traefik.* label gets
 *   no default router, so that turning routing on does not route every
 *   container of the host by its name.
 * - The container's Træfik services are the <s> of its
 *   traefik.http.services.<s>.* labels, each on its server.port or the
 *   lowest TCP port; with none, one service on the lowest TCP port.
 * - A container with TCP or UDP labels and no traefik.http.* label gets
 *   no HTTP router.
 * - No router label: with at most one service, one router with the
 *   default rule Host(`<normalised name>`), the name being
 *   <compose service>_<compose project> or the container name.
 * - A router without .rule gets the default rule; one without .service
 *   goes to the single service, and is dropped (with a warning) when there
 *   are several; a .service naming a service of another provider (x@file)
 *   or another container cannot be mapped to this container's port.
 * - .priority 0 or unset is the rule's length; any tls or tls.* label
 *   makes the router TLS-only.
 * A router with middlewares is refused: the templates would route
 * without them (an authentication middleware silently gone).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registrator.h"
#include "str.h"
#include "xmalloc.h"

#define ROUTERS_PREFIX "traefik.http.routers."
#define SERVICES_PREFIX "traefik.http.services."
#define ROUTERS_MAX 32 /* routers of one container read */
#define ROUTE_NAME_MAX 64 /* router and service names */
#define ROUTE_PRIORITY_MAX 100000000LL /* |priority|: fits the sort key */
#define ENTRYPOINTS_MAX 128

struct router {
	char name[ROUTE_NAME_MAX + 1]; /* lower case */
	bool bad_name;
	const struct container_kv *rule, *service, *entrypoints, *priority;
	const struct container_kv *tls, *middlewares;
	bool tls_sub; /* a tls.* label */
};

struct tsvc {
	char name[ROUTE_NAME_MAX + 1]; /* lower case */
	const struct container_kv *port;
};

/* Lower-cases the name part (namelen bytes); bad when not [a-z0-9_-]. */
static bool
copy_name(char *dst, const char *src, size_t namelen)
{
	bool ok = namelen > 0 && namelen <= ROUTE_NAME_MAX;

	namelen = namelen > ROUTE_NAME_MAX ? ROUTE_NAME_MAX : namelen;
	for (size_t i = 0; i < namelen; i++) {
		unsigned char ch = (unsigned char)src[i];

		if (!isalnum(ch) && ch != '-' && ch != '_')
			ok = false;
		dst[i] = (char)tolower(ch);
	}
	dst[namelen] = '\0';
	return ok;
}

static struct router *
router_get(struct router *v, size_t *n, const char *name, size_t namelen)
{
	char lower[ROUTE_NAME_MAX + 1];
	bool ok = copy_name(lower, name, namelen);

	for (size_t i = 0; i < *n; i++)
		if (strcmp(v[i].name, lower) == 0 && v[i].bad_name == !ok)
			return &v[i];
	if (*n >= ROUTERS_MAX)
		return NULL;
	memset(&v[*n], 0, sizeof(v[*n]));
	str_copy(v[*n].name, lower, sizeof(v[*n].name));
	v[*n].bad_name = !ok;
	return &v[(*n)++];
}

static int
router_cmp(const void *x, const void *y)
{
	const struct router *a = x, *b = y;

	return strcmp(a->name, b->name);
}

/* Traefik's Normalize: letter and digit runs joined by '-'. */
static void
normalize(const char *s, char *out, size_t len)
{
	size_t o = 0;
	bool gap = false;

	for (; *s != '\0' && o + 2 < len; s++) {
		if (!isalnum((unsigned char)*s)) {
			gap = o > 0;
			continue;
		}
		if (gap)
			out[o++] = '-';
		gap = false;
		out[o++] = *s;
	}
	out[o] = '\0';
}

/* Træfik's service name: <compose service>_<project>, else the name. */
static void
default_name(const struct container *c, char *out, size_t len)
{
	const char *svc = container_label(c, DERIVE_LABEL_COMPOSE_SERVICE);
	const char *proj = container_label(c, DERIVE_LABEL_COMPOSE_PROJECT);

	if (svc != NULL && proj != NULL)
		(void)snprintf(out, len, "%s_%s", svc, proj);
	else
		str_copy(out, c->name, len);
}

/* defaultRule: Host(`{{ normalize .Name }}`). */
static void
default_rule(const struct container *c, char *out, size_t len)
{
	char name[DERIVE_MAX_NAME * 2 + 2], norm[sizeof(name)];

	default_name(c, name, sizeof(name));
	normalize(name, norm, sizeof(norm));
	(void)snprintf(out, len, "Host(`%s`)", norm);
}

static uint16_t
lowest_tcp_port(const struct container *c)
{
	for (size_t i = 0; i < c->nports; i++)
		if (strcmp(c->ports[i].proto, "tcp") == 0)
			return c->ports[i].port;
	return 0;
}

/* "web, websecure" -> "web|websecure"; -1 when a name is not a name. */
static int
entrypoints_join(const char *v, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (const char *p = v; *p != '\0';) {
		size_t n;

		p += strspn(p, " ,");
		n = strcspn(p, " ,");
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)p[i]) && p[i] != '-'
			    && p[i] != '_')
				return -1;
		if (o + n + 2 > len)
			return -1;
		if (o > 0)
			out[o++] = '|';
		memcpy(out + o, p, n);
		o += n;
		out[o] = '\0';
		p += n;
	}
	return 0;
}

struct route_ctx {
	const struct container *c;
	struct service *s;
	struct derive_result *res;
	size_t nmeta_route; /* route-v1 keys written so far */
};

static void
router_warn(const struct route_ctx *x, const struct router *r,
    const char *label, const char *v, const char *why)
{
	char q[DERIVE_QUOTE_BUF], key[DERIVE_QUOTE_BUF];

	if (label != NULL)
		derive_warn(x->res,
		    "container %s: label %s: \"%s\" refused: %s; router "
		    "not routed",
		    x->c->name, derive_quote(key, sizeof(key), label),
		    derive_quote(q, sizeof(q), v), why);
	else
		derive_warn(x->res,
		    "container %s: router %s: %s; router not routed",
		    x->c->name, derive_quote(key, sizeof(key), r->name), why);
}

/* The container port of Træfik service name, 0 when not here. */
static uint16_t
tsvc_port(const struct tsvc *svcs, size_t nsvcs, const char *name,
    uint16_t lowest)
{
	long long v;

	for (size_t i = 0; i < nsvcs; i++) {
		if (strcmp(svcs[i].name, name) != 0)
			continue;
		if (svcs[i].port == NULL)
			return lowest;
		if (str_to_ll(svcs[i].port->value, 1, 65535, &v) == -1)
			return 0;
		return (uint16_t)v;
	}
	return 0;
}

/*
 * Writes one router's alternatives as route-v1-NN meta of x->s, all or
 * none.
 */
static void
router_apply(struct route_ctx *x, const struct router *r, const char *rule,
    const char *rule_label, uint16_t port)
{
	struct route_rule rr;
	char why[ROUTE_ERR_MAX], eps[ENTRYPOINTS_MAX], key[32];
	char(*vals)[ROUTE_VALUE_MAX + 1] = NULL;
	long long prio = 0;
	bool tls = r->tls_sub;

	if (port != x->s->container_port)
		return;
	if (r->middlewares != NULL) {
		router_warn(x, r, r->middlewares->key, r->middlewares->value,
		    "middlewares are not applied by nginx or haproxy "
		    "routes");
		return;
	}
	if (r->priority != NULL
	    && str_to_ll(r->priority->value, -ROUTE_PRIORITY_MAX,
		   ROUTE_PRIORITY_MAX, &prio)
		== -1) {
		router_warn(x, r, r->priority->key, r->priority->value,
		    "not an integer within +-100000000");
		return;
	}
	if (prio == 0)
		prio = (long long)strlen(rule);
	if (r->tls != NULL && str_to_bool(r->tls->value, &tls) == -1) {
		router_warn(x, r, r->tls->key, r->tls->value, "not a boolean");
		return;
	}
	tls = tls || r->tls_sub;
	eps[0] = '\0';
	if (r->entrypoints != NULL
	    && entrypoints_join(r->entrypoints->value, eps, sizeof(eps))
		== -1) {
		router_warn(x, r, r->entrypoints->key, r->entrypoints->value,
		    "not a comma list of names");
		return;
	}
	if (route_parse(rule, &rr, why, sizeof(why)) == -1) {
		router_warn(x, r, rule_label, rule, why);
		return;
	}
	/* Consul's cap counts every key, the hash included. */
	if (x->s->nmeta + rr.nalts + 1 > DERIVE_MAX_META) {
		router_warn(x, r, rule_label, rule,
		    "its routes would pass Consul's 64 meta keys");
		return;
	}
	vals = xcalloc(rr.nalts, sizeof(*vals));
	for (size_t i = 0; i < rr.nalts; i++)
		if (route_format(&rr.alts[i], prio, r->name, tls, eps, vals[i],
			sizeof(vals[i]))
		    == -1) {
			router_warn(x, r, rule_label, rule,
			    "a route is longer than Consul's 512-byte meta "
			    "value");
			goto out;
		}
	for (size_t i = 0; i < rr.nalts; i++) {
		(void)snprintf(key, sizeof(key), "%s%02zu",
		    DERIVE_META_ROUTE_PREFIX, x->nmeta_route++);
		x->s->meta = xreallocarray(x->s->meta, x->s->nmeta + 1,
		    sizeof(*x->s->meta));
		x->s->meta[x->s->nmeta].key = xstrdup(key);
		x->s->meta[x->s->nmeta].value = xstrdup(vals[i]);
		x->s->nmeta++;
	}
out:
	free(vals);
}

static int
meta_cmp(const void *a, const void *b)
{
	return strcmp(((const struct container_kv *)a)->key,
	    ((const struct container_kv *)b)->key);
}

void
derive_routes(const struct container *c, const struct derive_options *o,
    struct service *s, struct derive_result *res)
{
	struct router routers[ROUTERS_MAX], *r;
	struct tsvc svcs[ROUTERS_MAX];
	struct route_ctx x = { c, s, res, 0 };
	const char *enable = NULL;
	char rule[ROUTE_RULE_MAX + 1], q[DERIVE_QUOTE_BUF], label[256];
	size_t nrouters = 0, nsvcs = 0;
	bool any = false, exposed = !o->traefik_explicit, dropped = false;
	bool http = false, tcp_udp = false;
	uint16_t lowest = lowest_tcp_port(c);

	if (strcmp(s->proto, "tcp") != 0)
		return;
	for (size_t i = 0; i < c->nlabels; i++) {
		const char *k = c->labels[i].key, *name, *dot;

		if (!str_casehas_prefix(k, "traefik."))
			continue;
		any = true;
		http = http || str_casehas_prefix(k, "traefik.http.");
		tcp_udp = tcp_udp || str_casehas_prefix(k, "traefik.tcp.")
		    || str_casehas_prefix(k, "traefik.udp.");
		if (strcasecmp(k, "traefik.enable") == 0)
			enable = c->labels[i].value;
		if (str_casehas_prefix(k, SERVICES_PREFIX)) {
			size_t n;

			name = k + strlen(SERVICES_PREFIX);
			n = strcspn(name, ".");
			if (nsvcs < ROUTERS_MAX) {
				size_t j;

				(void)copy_name(svcs[nsvcs].name, name, n);
				for (j = 0; j < nsvcs; j++)
					if (strcmp(svcs[j].name,
						svcs[nsvcs].name)
					    == 0)
						break;
				if (j == nsvcs)
					svcs[nsvcs++].port = NULL;
				if (strcasecmp(name + n,
					".loadbalancer.server.port")
				    == 0)
					svcs[j].port = &c->labels[i];
			}
			continue;
		}
		if (!str_casehas_prefix(k, ROUTERS_PREFIX))
			continue;
		name = k + strlen(ROUTERS_PREFIX);
		if ((dot = strchr(name, '.')) == NULL)
			continue;
		if ((r = router_get(routers, &nrouters, name,
			 (size_t)(dot - name)))
		    == NULL) {
			dropped = true;
			continue;
		}
		dot++;
		if (strcasecmp(dot, "rule") == 0)
			r->rule = &c->labels[i];
		else if (strcasecmp(dot, "service") == 0)
			r->service = &c->labels[i];
		else if (strcasecmp(dot, "entrypoints") == 0)
			r->entrypoints = &c->labels[i];
		else if (strcasecmp(dot, "priority") == 0)
			r->priority = &c->labels[i];
		else if (strcasecmp(dot, "tls") == 0)
			r->tls = &c->labels[i];
		else if (str_casehas_prefix(dot, "tls."))
			r->tls_sub = true;
		else if (strcasecmp(dot, "middlewares") == 0)
			r->middlewares = &c->labels[i];
	}
	/* Only TCP or UDP labels: no HTTP router, as in Træfik. */
	if (!any || (tcp_udp && !http))
		return;
	if (enable != NULL && str_to_bool(enable, &exposed) == -1) {
		derive_warn(res,
		    "container %s: label traefik.enable: \"%s\" is "
		    "not a boolean; not routed",
		    c->name, derive_quote(q, sizeof(q), enable));
		return;
	}
	if (!exposed)
		return;
	if (dropped)
		derive_warn(res,
		    "container %s: more than %d Træfik routers; the rest "
		    "are not routed",
		    c->name, ROUTERS_MAX);
	if (nsvcs == 0) {
		str_copy(svcs[0].name, "", sizeof(svcs[0].name));
		svcs[0].port = NULL;
		nsvcs = 1;
	}
	if (nrouters == 0) {
		if (nsvcs > 1)
			return;
		memset(&routers[0], 0, sizeof(routers[0]));
		default_name(c, label, sizeof(label));
		normalize(label, routers[0].name, sizeof(routers[0].name));
		for (char *p = routers[0].name; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		nrouters = 1;
	}
	qsort(routers, nrouters, sizeof(*routers), router_cmp);
	for (size_t i = 0; i < nrouters; i++) {
		char sname[ROUTE_NAME_MAX + 1];
		uint16_t port;

		r = &routers[i];
		if (r->bad_name) {
			router_warn(&x, r, NULL, NULL,
			    "its name is not [a-z0-9_-], 1 to 64 "
			    "bytes");
			continue;
		}
		if (r->service != NULL) {
			if (!copy_name(sname, r->service->value,
				strlen(r->service->value))
			    || (port = tsvc_port(svcs, nsvcs, sname, lowest))
				== 0) {
				router_warn(&x, r, r->service->key,
				    r->service->value,
				    "not a Træfik service of this "
				    "container with a port");
				continue;
			}
		} else if (nsvcs > 1) {
			router_warn(&x, r, NULL, NULL,
			    "no .service label and the container has "
			    "several Træfik services (Træfik drops it "
			    "too)");
			continue;
		} else if ((port = tsvc_port(svcs, nsvcs, svcs[0].name, lowest))
		    == 0) {
			if (svcs[0].port != NULL)
				router_warn(&x, r, svcs[0].port->key,
				    svcs[0].port->value, "not a port number");
			continue;
		}
		if (container_port(c, port, "tcp") == NULL) {
			router_warn(&x, r, NULL, NULL,
			    "its service's port is not a TCP port of the "
			    "container");
			continue;
		}
		if (r->rule != NULL) {
			router_apply(&x, r, r->rule->value, r->rule->key, port);
			continue;
		}
		default_rule(c, rule, sizeof(rule));
		(void)snprintf(label, sizeof(label), "%s%.64s.rule (default)",
		    ROUTERS_PREFIX, r->name);
		router_apply(&x, r, rule, label, port);
	}
	qsort(s->meta, s->nmeta, sizeof(*s->meta), meta_cmp);
}
