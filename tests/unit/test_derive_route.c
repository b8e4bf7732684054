/* SPDX-License-Identifier: MIT */
/*
 * derive_route.c: which Træfik routers of a container become route-v1
 * meta of which of its services, with the label sets of Træfik's own
 * documentation (docs/routing.md), and the warnings for what is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "registrator.h"
#include "registrator_fixture.h"
#include "test.h"

/* whoami, port 80 published on 8080. */
#define ONE_PORT                                                           \
	"{'Id':'aa','Name':'/whoami','Config':{'Image':'traefik/whoami'}," \
	"'NetworkSettings':{'Ports':{'80/tcp':[{'HostIp':'',"              \
	"'HostPort':'8080'}]}}}"
/* Two ports, 8000 and 9000, published. */
#define TWO_PORTS                                               \
	"{'Id':'bb','Name':'/multi','Config':{'Image':'app'},"  \
	"'NetworkSettings':{'Ports':{'8000/tcp':[{'HostIp':''," \
	"'HostPort':'18000'}],'9000/tcp':[{'HostIp':'','HostPort':'19000'}]}}}"

static void
run(struct container *c, bool explicit_only, struct derive_result *res)
{
	struct derive_options o = {
		.host_name = "host1",
		.detected_ip = "192.0.2.10",
		.traefik_explicit = explicit_only,
	};
	char err[REGISTRATOR_ERR_MAX] = "";

	derive_result_init(res);
	T_CHECK(derive_services(c, &o, res, err, sizeof(err)) == 0,
	    "derive_services: %s", err);
	container_free(c);
}

/* The route-v1 values of s joined by " ; " (static buffer). */
static const char *
routes(const struct service *s)
{
	static char out[4096];
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < s->nmeta; i++)
		if (strncmp(s->meta[i].key, DERIVE_META_ROUTE_PREFIX,
			strlen(DERIVE_META_ROUTE_PREFIX))
		    == 0)
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "%s%s=%s", o > 0 ? " ; " : "", s->meta[i].key,
			    s->meta[i].value);
	return out;
}

static bool
warned(const struct derive_result *res, const char *a, const char *b)
{
	for (size_t i = 0; i < res->nwarnings; i++)
		if (strstr(res->warnings[i], a) != NULL
		    && (b == NULL || strstr(res->warnings[i], b) != NULL))
			return true;
	for (size_t i = 0; i < res->nwarnings; i++)
		fprintf(stderr, "  warning: %s\n", res->warnings[i]);
	return false;
}

static void
test_docs_examples(void)
{
	struct derive_result res;

	/* [T3] basic example: Host rule, entrypoint web, priority = 24. */
	run(fixture_synth(ONE_PORT, "traefik.enable", "true",
		"traefik.http.routers.whoami.rule", "Host(`whoami.localhost`)",
		"traefik.http.routers.whoami.entrypoints", "web", NULL),
	    true, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_STR(routes(&res.services[0]),
	    "route-v1-00=24,whoami,h,whoami.localhost,,,,,,web");
	T_EQ_INT(res.nwarnings, 0);
	derive_result_clear(&res);

	/* [T3] ACME: a TLS-only router (tls.certresolver implies tls). */
	run(fixture_synth(ONE_PORT, "traefik.enable", "true",
		"traefik.http.routers.whoami.rule",
		"Host(`whoami.example.com`)",
		"traefik.http.routers.whoami.entrypoints", "websecure",
		"traefik.http.routers.whoami.tls.certresolver", "myresolver",
		NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]),
	    "route-v1-00=26,whoami,h,whoami.example.com,,,,,tls,websecure");
	derive_result_clear(&res);

	/* [T3] Host + PathPrefix: priority 53. */
	run(fixture_synth(ONE_PORT, "traefik.http.routers.whoami-api.rule",
		"Host(`whoami.docker.localhost`) && PathPrefix(`/api`)", NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]),
	    "route-v1-00=53,whoami-api,h,whoami.docker.localhost,p,/api,,,,");
	derive_result_clear(&res);

	/* [T3] two routers, two services, each with its .service label. */
	run(fixture_synth(TWO_PORTS, "traefik.http.routers.www-router.rule",
		"Host(`example-a.com`)",
		"traefik.http.routers.www-router.service", "www-service",
		"traefik.http.services.www-service.loadbalancer.server.port",
		"8000", "traefik.http.routers.admin-router.rule",
		"Host(`example-b.com`)",
		"traefik.http.routers.admin-router.service", "admin-service",
		"traefik.http.services.admin-service.loadbalancer.server.port",
		"9000", NULL),
	    false, &res);
	T_EQ_INT(res.nservices, 2);
	T_EQ_INT(res.services[0].container_port, 8000);
	T_EQ_STR(routes(&res.services[0]),
	    "route-v1-00=21,www-router,h,example-a.com,,,,,,");
	T_EQ_STR(routes(&res.services[1]),
	    "route-v1-00=21,admin-router,h,example-b.com,,,,,,");
	derive_result_clear(&res);

	/* Derived: without the .service labels both routers are dropped. */
	run(fixture_synth(TWO_PORTS, "traefik.http.routers.www-router.rule",
		"Host(`example-a.com`)",
		"traefik.http.services.www-service.loadbalancer.server.port",
		"8000",
		"traefik.http.services.admin-service.loadbalancer.server.port",
		"9000", NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]), "");
	T_EQ_STR(routes(&res.services[1]), "");
	T_ASSERT(warned(&res, "container multi: router www-router",
	    "several Træfik services"));
	derive_result_clear(&res);

	/* [T3] automatic link: myproxy -> myservice on port 80. */
	run(fixture_synth(ONE_PORT, "traefik.http.routers.myproxy.rule",
		"Host(`example.net`)",
		"traefik.http.services.myservice.loadbalancer.server.port",
		"80", NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]),
	    "route-v1-00=19,myproxy,h,example.net,,,,,,");
	derive_result_clear(&res);

	/* [T3] explicit priorities. */
	run(fixture_synth(ONE_PORT, "traefik.http.routers.Router-1.rule",
		"HostRegexp(`[a-z]+\\.traefik\\.com`)",
		"traefik.http.routers.Router-1.priority", "1",
		"traefik.http.routers.Router-2.rule",
		"Host(`foobar.traefik.com`)",
		"traefik.http.routers.Router-2.priority", "2", NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]),
	    "route-v1-00=1,router-1,r,[a-z]+\\.traefik\\.com,,,,,, ; "
	    "route-v1-01=2,router-2,h,foobar.traefik.com,,,,,,");
	derive_result_clear(&res);

	/* [T3] middleware: refused whole, the other router kept. */
	run(fixture_synth(ONE_PORT, "traefik.http.routers.my-container.rule",
		"Host(`m.example`)",
		"traefik.http.routers.my-container.middlewares", "my-redirect",
		"traefik.http.middlewares.my-redirect.redirectscheme.scheme",
		"https", "traefik.http.routers.plain.rule", "Host(`p.example`)",
		NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]),
	    "route-v1-00=17,plain,h,p.example,,,,,,");
	T_ASSERT(warned(&res,
	    "container whoami: label "
	    "traefik.http.routers.my-container.middlewares",
	    "middlewares are not applied"));
	derive_result_clear(&res);
}

static void
test_exposure(void)
{
	struct derive_result res;

	/* No traefik.* label: no route (divergence, docs/routing.md). */
	run(fixture_synth(ONE_PORT, NULL), false, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_STR(routes(&res.services[0]), "");
	derive_result_clear(&res);

	/* traefik.enable=true alone: the default router and rule. */
	run(fixture_synth(ONE_PORT, "traefik.enable", "true", NULL), true,
	    &res);
	T_EQ_STR(routes(&res.services[0]),
	    "route-v1-00=14,whoami,h,whoami,,,,,,");
	derive_result_clear(&res);

	/* Compose names: <service>_<project> normalised. */
	run(fixture_synth(ONE_PORT, "traefik.enable", "true",
		"com.docker.compose.service", "whoami",
		"com.docker.compose.project", "My_Proj", NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]),
	    "route-v1-00=22,whoami-my-proj,h,whoami-my-proj,,,,,,");
	derive_result_clear(&res);

	/* Only TCP labels: no HTTP router (Træfik). */
	run(fixture_synth(ONE_PORT, "traefik.enable", "true",
		"traefik.tcp.routers.db.rule", "HostSNI(`*`)", NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]), "");
	T_EQ_INT(res.nwarnings, 0);
	derive_result_clear(&res);

	/* A router without rule gets the default rule. */
	run(fixture_synth(ONE_PORT, "traefik.http.routers.r.entrypoints", "web",
		NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]),
	    "route-v1-00=14,r,h,whoami,,,,,,web");
	derive_result_clear(&res);

	/* traefik.enable=false: registered, not routed. */
	run(fixture_synth(ONE_PORT, "traefik.enable", "false",
		"traefik.http.routers.r.rule", "Host(`x.example`)", NULL),
	    false, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_STR(routes(&res.services[0]), "");
	derive_result_clear(&res);

	/* exposedByDefault=false: only traefik.enable=true is routed. */
	run(fixture_synth(ONE_PORT, "traefik.http.routers.r.rule",
		"Host(`x.example`)", NULL),
	    true, &res);
	T_EQ_STR(routes(&res.services[0]), "");
	derive_result_clear(&res);

	run(fixture_synth(ONE_PORT, "traefik.enable", "maybe",
		"traefik.http.routers.r.rule", "Host(`x.example`)", NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]), "");
	T_ASSERT(warned(&res,
	    "label traefik.enable: \"maybe\" is not a boolean", NULL));
	derive_result_clear(&res);
}

static void
test_refusals(void)
{
	struct derive_result res;

	/* A bad rule: one warning naming container and label, no route. */
	run(fixture_synth(ONE_PORT, "traefik.http.routers.bad.rule",
		"Host(`a`) && !PathPrefix(`/admin`)",
		"traefik.http.routers.good.rule",
		"Host(`a`) || Host(`b`) && Path(`/x`)", NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]),
	    "route-v1-00=36,good,h,a,,,,,, ; route-v1-01=36,good,h,b,e,/x,,,,");
	T_ASSERT(warned(&res,
	    "container whoami: label traefik.http.routers.bad.rule: "
	    "\"Host(`a`) && !PathPrefix(`/admin`)\" refused: !PathPrefix",
	    "router not routed"));
	T_EQ_INT(res.nwarnings, 1);
	derive_result_clear(&res);

	/* Another provider's service, a bad priority. */
	run(fixture_synth(ONE_PORT, "traefik.http.routers.dash.rule",
		"Host(`d`)", "traefik.http.routers.dash.service",
		"api@internal", "traefik.http.routers.p.rule", "Host(`p`)",
		"traefik.http.routers.p.priority", "high", NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]), "");
	T_ASSERT(warned(&res, "traefik.http.routers.dash.service",
	    "not a Træfik service of this container"));
	T_ASSERT(
	    warned(&res, "traefik.http.routers.p.priority", "not an integer"));
	derive_result_clear(&res);

	/* A service on a port the container does not have. */
	run(fixture_synth(ONE_PORT, "traefik.http.routers.r.rule", "Host(`r`)",
		"traefik.http.services.s.loadbalancer.server.port", "8443",
		NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]), "");
	T_ASSERT(warned(&res, "router r", "not a TCP port of the container"));
	derive_result_clear(&res);

	/* A hostile router name never reaches the meta. */
	run(fixture_synth(ONE_PORT, "traefik.http.routers.a,b.rule",
		"Host(`a`)", NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]), "");
	T_ASSERT(warned(&res, "router a,b", "not [a-z0-9_-]"));
	derive_result_clear(&res);

	/* Users cannot forge route meta through SERVICE_ keys. */
	run(fixture_synth(ONE_PORT, "SERVICE_route-v1-00",
		"1,x,h,evil.example,,,,,,", NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]), "");
	T_ASSERT(warned(&res, "SERVICE_ROUTE-V1-00", "reserved"));
	derive_result_clear(&res);
}

/* fabio's urlprefix- tags pass through, options and all. */
static void
test_fabio(void)
{
	struct derive_result res;

	run(fixture_synth(ONE_PORT, "SERVICE_TAGS",
		"urlprefix-i.com/static,urlprefix-/foo/bar strip=/foo,plain",
		NULL),
	    false, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_INT(res.services[0].ntags, 3);
	T_EQ_STR(res.services[0].tags[0], "urlprefix-i.com/static");
	T_EQ_STR(res.services[0].tags[1], "urlprefix-/foo/bar strip=/foo");
	T_EQ_INT(res.nwarnings, 0);
	derive_result_clear(&res);

	/* A space outside a urlprefix- tag, or a quote in one: refused. */
	run(fixture_synth(ONE_PORT, "SERVICE_TAGS",
		"a b,urlprefix-/x;y,urlprefix-/ok", NULL),
	    false, &res);
	T_EQ_INT(res.services[0].ntags, 1);
	T_EQ_STR(res.services[0].tags[0], "urlprefix-/ok");
	T_ASSERT(warned(&res, "tag \"a b\" refused", "space"));
	T_ASSERT(warned(&res, "tag \"urlprefix-/x;y\" refused", NULL));
	derive_result_clear(&res);
}

/* Consul's caps: 64 meta keys, 512-byte values; all or nothing. */
static void
test_caps(void)
{
	struct derive_result res;
	char json[16384], rule[1024], host[254], path[256];
	size_t o;

	/* 58 user meta keys, 2 of ours and the hash: room for 3 routes. */
	o = (size_t)snprintf(json, sizeof(json),
	    "{'Id':'aa','Name':'/whoami','Config':{'Image':'traefik/whoami',"
	    "'Env':[");
	for (int i = 0; i < 58; i++)
		o += (size_t)snprintf(json + o, sizeof(json) - o,
		    "%s'SERVICE_K%02d=v'", i > 0 ? "," : "", i);
	(void)snprintf(json + o, sizeof(json) - o,
	    "]},'NetworkSettings':{'Ports':{'80/tcp':[{'HostIp':'',"
	    "'HostPort':'8080'}]}}}");
	run(fixture_synth(json, "traefik.http.routers.big.rule",
		"Host(`a`,`b`,`c`,`d`)", "traefik.http.routers.small.rule",
		"Host(`e`)", NULL),
	    false, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_STR(routes(&res.services[0]), "route-v1-00=9,small,h,e,,,,,,");
	T_ASSERT(warned(&res, "traefik.http.routers.big.rule",
	    "pass Consul's 64 meta keys"));
	T_ASSERT(res.services[0].nmeta + 1 <= DERIVE_MAX_META);
	derive_result_clear(&res);

	/* A route over 512 bytes. */
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	host[60] = host[120] = host[180] = '.';
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	(void)snprintf(rule, sizeof(rule),
	    "Host(`%s`) && Path(`%s`) && Header(`X-A`, `1`)", host, path);
	run(fixture_synth(ONE_PORT, "traefik.http.routers.long.rule", rule,
		NULL),
	    false, &res);
	T_EQ_STR(routes(&res.services[0]), "");
	T_ASSERT(warned(&res, "traefik.http.routers.long.rule",
	    "longer than Consul's 512-byte meta value"));
	derive_result_clear(&res);
}

int
main(void)
{
	test_caps();
	test_fabio();
	test_docs_examples();
	test_exposure();
	test_refusals();
	return test_report();
}
