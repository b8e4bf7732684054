/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for registrator/derive.c and service.c: the services a
 * container gets (gliderlabs' SERVICE_* rules), the warnings for what is
 * refused, and the register body.  Fixtures captured from the real Docker
 * Engine (tests/data/docker) plus synthetic containers.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "registrator.h"
#include "registrator_fixture.h"
#include "test.h"

/* Options as the daemon passes them by default. */
static struct derive_options
opts(void)
{
	struct derive_options o = {
		.host_name = "host1",
		.detected_ip = "192.0.2.10",
	};

	return o;
}

/* Derives c (consumed) into res, which the caller clears. */
static void
run(struct container *c, const struct derive_options *o,
    struct derive_result *res)
{
	char err[REGISTRATOR_ERR_MAX] = "";

	derive_result_init(res);
	T_CHECK(derive_services(c, o, res, err, sizeof(err)) == 0,
	    "derive_services: %s", err);
	container_free(c);
}

static const char *
meta(const struct service *s, const char *key)
{
	for (size_t i = 0; i < s->nmeta; i++)
		if (strcmp(s->meta[i].key, key) == 0)
			return s->meta[i].value;
	return NULL;
}

static char *
tags_joined(const struct service *s)
{
	struct buf b = BUF_INITIALIZER(4096);

	for (size_t i = 0; i < s->ntags; i++)
		(void)buf_addf(&b, "%s%s", i > 0 ? "|" : "", s->tags[i]);
	return buf_take(&b, NULL);
}

#define T_TAGS(s, want)                      \
	do {                                 \
		char *t_j_ = tags_joined(s); \
		T_EQ_STR(t_j_, (want));      \
		free(t_j_);                  \
	} while (0)

/* True when some warning contains every given fragment. */
static bool
warned(const struct derive_result *res, const char *a, const char *b)
{
	for (size_t i = 0; i < res->nwarnings; i++)
		if (strstr(res->warnings[i], a) != NULL
		    && (b == NULL || strstr(res->warnings[i], b) != NULL))
			return true;
	return false;
}

/* Done-when 1: -p 8080:80 -e SERVICE_NAME=web -e SERVICE_TAGS=b,a. */
static void
test_web(void)
{
	struct derive_options o = opts();
	struct derive_result res;
	const struct service *s;

	run(fixture_container("inspect-web.json"), &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_INT(res.nwarnings, 0);
	s = &res.services[0];
	T_EQ_STR(s->name, "web");
	T_EQ_STR(s->id, "host1:derive-fx-web:80");
	/* The binding's own host IP (-p 127.0.0.1:18080:80). */
	T_EQ_STR(s->address, "127.0.0.1");
	T_EQ_INT(s->port, 18080);
	T_EQ_INT(s->container_port, 80);
	T_EQ_STR(s->proto, "tcp");
	T_TAGS(s, "b|a");
	T_EQ_STR(meta(s, DERIVE_META_HOST), "host1");
	T_EQ_STR(meta(s, DERIVE_META_CONTAINER), s->container_id);
	T_EQ_INT(s->nmeta, 2);
	T_EQ_INT(s->nchecks, 0);
	T_EQ_INT(strlen(s->container_id), 64);
	T_EQ_STR(s->container_name, "derive-fx-web");
	T_EQ_INT(strlen(s->hash), 16);
	derive_result_clear(&res);

	/* --ip overrides the binding; --tags are appended. */
	o.ip = "198.51.100.7";
	o.tags = "prod, dc1";
	run(fixture_container("inspect-web.json"), &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_STR(res.services[0].address, "198.51.100.7");
	T_TAGS(&res.services[0], "b|a|prod|dc1");
	derive_result_clear(&res);
}

/*
 * Done-when 2: several published ports, per-port names and ignore, label
 * beats env, SERVICE_IGNORE=false, tags with escapes.
 */
static void
test_multi(void)
{
	struct derive_options o = opts();
	struct derive_result res;
	const struct service *s;

	run(fixture_container("inspect-multi.json"), &o, &res);
	T_EQ_INT(res.nwarnings, 0);
	/* 53/udp, 80/tcp, 443/tcp published; 9000 only exposed. */
	T_EQ_INT(res.nservices, 3);
	if (res.nservices != 3)
		goto out;
	s = &res.services[0];
	T_EQ_STR(s->name, "nginx-53"); /* SERVICE_53_IGNORE=false */
	T_EQ_STR(s->id, "host1:derive-fx-multi:53:udp");
	T_EQ_INT(s->port, 18053);
	T_TAGS(s, "www|a,b|c|udp");
	T_EQ_STR(meta(s, "region"), "eu1"); /* the label wins */
	T_NULL(meta(s, "ignore"));
	T_NULL(meta(s, "sni"));
	s = &res.services[1];
	T_EQ_STR(s->name, "nginx-80");
	T_EQ_STR(s->id, "host1:derive-fx-multi:80");
	T_EQ_INT(s->port, 18081);
	T_TAGS(s, "www|a,b|c");
	/* The check keys are not meta. */
	T_NULL(meta(s, "check_http"));
	T_NULL(meta(s, "check_interval"));
	T_EQ_INT(s->nchecks, 1);
	s = &res.services[2];
	T_EQ_STR(s->name, "https"); /* a port's own name: no suffix */
	T_EQ_STR(s->id, "https.12345");
	T_EQ_INT(s->port, 18443);
	T_EQ_STR(meta(s, "sni"), "enabled");
	T_EQ_STR(meta(s, "region"), "eu1");
	T_EQ_INT(s->nchecks, 0);
out:
	derive_result_clear(&res);
}

#define TWO_PORTS                                                    \
	"{'Id':'c2','Name':'/web1','Config':{'Image':'team/site:3'," \
	"'Env':[%s]},'HostConfig':{'NetworkMode':'default'},"        \
	"'NetworkSettings':{'Ports':{"                               \
	"'80/tcp':[{'HostIp':'0.0.0.0','HostPort':'8080'}],"         \
	"'443/tcp':[{'HostIp':'0.0.0.0','HostPort':'8443'}]}}}"

/* Two published ports with the given env list (single-quoted items). */
static struct container *
two(const char *env, ...)
{
	char json[2048];
	cJSON *root;
	struct container *c;
	char err[REGISTRATOR_ERR_MAX];
	va_list ap;
	const char *k;
	cJSON *labels;

	(void)snprintf(json, sizeof(json), TWO_PORTS, env);
	root = fixture_json(json);
	labels = cJSON_AddObjectToObject(cJSON_GetObjectItem(root, "Config"),
	    "Labels");
	va_start(ap, env);
	while ((k = va_arg(ap, const char *)) != NULL)
		cJSON_AddItemToObject(labels, k,
		    cJSON_CreateString(va_arg(ap, const char *)));
	va_end(ap);
	c = container_from_json(root, err, sizeof(err));
	cJSON_Delete(root);
	if (c == NULL) {
		fprintf(stderr, "two: %s\n", err);
		exit(2);
	}
	return c;
}

static void
test_names(void)
{
	static const struct {
		const char *env;
		const char *label_key;
		const char *label_value;
		const char *name80; /* NULL: port not registered */
		const char *name443;
	} cases[] = {
		/* Default name from the image, suffix in a group. */
		{ "", NULL, NULL, "site-80", "site-443" },
		{ "'SERVICE_NAME=web'", NULL, NULL, "web-80", "web-443" },
		{ "'SERVICE_80_NAME=http','SERVICE_443_NAME=https'", NULL, NULL,
		    "http", "https" },
		/* Mixed: the port key has no suffix, the generic one has. */
		{ "'SERVICE_NAME=web','SERVICE_443_NAME=tls'", NULL, NULL,
		    "web-80", "tls" },
		/* Label beats env; port key (env) beats generic label. */
		{ "'SERVICE_NAME=fromenv'", "SERVICE_NAME", "fromlabel",
		    "fromlabel-80", "fromlabel-443" },
		{ "'SERVICE_80_NAME=portenv'", "SERVICE_NAME", "genlabel",
		    "portenv", "genlabel-443" },
		/* Keys are case-insensitive after SERVICE_. */
		{ "'SERVICE_Name=mixed','SERVICE_443_nAmE=low'", NULL, NULL,
		    "mixed-80", "low" },
		/* ... but the prefix is not. */
		{ "'service_name=nope'", NULL, NULL, "site-80", "site-443" },
		/* An empty value is unset. */
		{ "'SERVICE_NAME=web'", "SERVICE_NAME", "", "site-80",
		    "site-443" },
		/* IGNORE is a boolean; the count keeps the suffix. */
		{ "'SERVICE_443_IGNORE=1'", NULL, NULL, "site-80", NULL },
		{ "'SERVICE_443_IGNORE=true'", NULL, NULL, "site-80", NULL },
		{ "'SERVICE_443_IGNORE=yes'", NULL, NULL, "site-80", NULL },
		{ "'SERVICE_443_IGNORE=false'", NULL, NULL, "site-80",
		    "site-443" },
		{ "'SERVICE_IGNORE=0'", NULL, NULL, "site-80", "site-443" },
		{ "'SERVICE_IGNORE=no'", NULL, NULL, "site-80", "site-443" },
		{ "'SERVICE_IGNORE=true'", NULL, NULL, NULL, NULL },
		{ "'SERVICE_IGNORE=1','SERVICE_80_IGNORE=false'", NULL, NULL,
		    "site-80", NULL },
		/* The key after the port must exist: SERVICE_80 is meta. */
		{ "'SERVICE_80=x'", NULL, NULL, "site-80", "site-443" },
	};
	struct derive_options o = opts();
	struct derive_result res;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *want[2] = { cases[i].name80, cases[i].name443 };
		size_t n = 0;

		run(two(cases[i].env, cases[i].label_key, cases[i].label_value,
			NULL),
		    &o, &res);
		for (size_t k = 0; k < 2; k++) {
			if (want[k] == NULL)
				continue;
			T_CHECK(n < res.nservices
				&& strcmp(res.services[n].name, want[k]) == 0,
			    "case %zu: service %zu: want %s, got %s", i, n,
			    want[k],
			    n < res.nservices ? res.services[n].name
					      : "(none)");
			n++;
		}
		T_CHECK(res.nservices == n, "case %zu: %zu services", i,
		    res.nservices);
		derive_result_clear(&res);
	}

	/* An ignore value that is not a boolean still ignores, loudly. */
	run(two("'SERVICE_443_IGNORE=maybe'", NULL), &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_ASSERT(warned(&res, "container web1: SERVICE_443_IGNORE: \"maybe\"",
	    "not a boolean"));
	derive_result_clear(&res);

	/* --explicit: only ports with a name. */
	o.explicit_only = true;
	run(two("", NULL), &o, &res);
	T_EQ_INT(res.nservices, 0);
	T_EQ_INT(res.nwarnings, 0);
	derive_result_clear(&res);
	run(two("'SERVICE_443_NAME=tls'", NULL), &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_STR(res.services[0].name, "tls");
	derive_result_clear(&res);
	run(two("'SERVICE_NAME=web'", NULL), &o, &res);
	T_EQ_INT(res.nservices, 2);
	T_EQ_STR(res.services[0].name, "web-80");
	derive_result_clear(&res);
}

static void
test_image_names(void)
{
	static const struct {
		const char *image;
		const char *want;
	} cases[] = {
		{ "registry:5000/team/api:2", "api" },
		{ "api", "api" },
		{ "library/redis:7.2", "redis" },
		{ "team/api@sha256:0123456789abcdef", "api" },
		{ "redis:7@sha256:0123456789abcdef", "redis" },
		{ "localhost:5000/x", "x" },
		{ "", "box" },
	};
	struct derive_options o = opts();
	struct derive_result res;
	char json[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(json, sizeof(json),
		    "{'Id':'e1','Name':'/box',"
		    "'Config':{'Image':'%s'},'NetworkSettings':{'Ports':{"
		    "'80/tcp':[{'HostIp':'','HostPort':'8000'}]}}}",
		    cases[i].image);
		run(fixture_synth(json, NULL), &o, &res);
		T_CHECK(res.nservices == 1
			&& strcmp(res.services[0].name, cases[i].want) == 0,
		    "image %s: want %s", cases[i].image, cases[i].want);
		derive_result_clear(&res);
	}

	/* Image by ID: compose service label, else the container name. */
	run(fixture_container("inspect-byid.json"), &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_STR(res.services[0].name, "cart");
	T_EQ_STR(meta(&res.services[0], DERIVE_META_COMPOSE_PROJECT), "shop");
	T_EQ_STR(meta(&res.services[0], DERIVE_META_COMPOSE_SERVICE), "cart");
	derive_result_clear(&res);
	run(fixture_synth(
		"{'Id':'e1','Name':'/blue_box','Image':'sha256:ab12',"
		"'Config':{'Image':'sha256:ab12'},'NetworkSettings':{'Ports':{"
		"'80/tcp':[{'HostIp':'','HostPort':'8000'}]}}}",
		NULL),
	    &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_STR(res.services[0].name, "blue_box");
	derive_result_clear(&res);
}

static void
test_tags_and_ids(void)
{
	struct derive_options o = opts();
	struct derive_result res;

	/* Order kept, trimmed, empties dropped, "\," escapes. */
	run(two("'SERVICE_TAGS= z , a,,  ,c\\\\,d ,b\\\\,'", NULL), &o, &res);
	T_EQ_INT(res.nservices, 2);
	T_TAGS(&res.services[0], "z|a|c,d|b,");
	derive_result_clear(&res);

	/* A generic SERVICE_ID on two ports: the second is refused. */
	run(two("'SERVICE_ID=shared'", NULL), &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_STR(res.services[0].id, "shared");
	T_ASSERT(warned(&res,
	    "container web1: port 443/tcp: service ID "
	    "\"shared\" is already used",
	    NULL));
	derive_result_clear(&res);

	/* tcp and udp on one port: ":udp" keeps the IDs apart. */
	run(fixture_synth(
		"{'Id':'d','Name':'/dns','Config':{'Image':'dns',"
		"'Env':['SERVICE_ID=dns1']},'NetworkSettings':{'Ports':{"
		"'53/tcp':[{'HostIp':'','HostPort':'5353'}],"
		"'53/udp':[{'HostIp':'','HostPort':'5353'}]}}}",
		NULL),
	    &o, &res);
	T_EQ_INT(res.nservices, 2);
	T_EQ_STR(res.services[0].id, "dns1");
	T_EQ_STR(res.services[0].name, "dns-53");
	T_EQ_STR(res.services[1].id, "dns1:udp");
	T_EQ_STR(res.services[1].name, "dns-53");
	T_TAGS(&res.services[1], "udp");
	derive_result_clear(&res);

	/* A bad SERVICE_ID falls back to the generated one. */
	run(two("'SERVICE_443_ID=a/b'", NULL), &o, &res);
	T_EQ_INT(res.nservices, 2);
	T_EQ_STR(res.services[1].id, "host1:web1:443");
	T_ASSERT(warned(&res, "SERVICE_443_ID: \"a/b\" refused", NULL));
	derive_result_clear(&res);
}

/* Done-when 3 and the address rules. */
static void
test_addresses(void)
{
	struct derive_options o = opts();
	struct derive_result res;

	/* Wildcard binding: the detected host address. */
	run(two("", NULL), &o, &res);
	T_EQ_STR(res.services[0].address, "192.0.2.10");
	derive_result_clear(&res);
	/* Nothing detected and no --ip: refused with a reason. */
	o.detected_ip = NULL;
	run(two("", NULL), &o, &res);
	T_EQ_INT(res.nservices, 0);
	T_ASSERT(warned(&res, "container web1: port 80/tcp: no address",
	    "pass --ip"));
	derive_result_clear(&res);
	o = opts();

	/* --internal on a user-defined network: container IP + port. */
	o.internal = true;
	run(fixture_container("inspect-internal.json"), &o, &res);
	T_EQ_INT(res.nservices, 1); /* 8081 ignored */
	T_EQ_STR(res.services[0].name, "api-8080");
	T_EQ_STR(res.services[0].address, "172.18.0.2");
	T_EQ_INT(res.services[0].port, 8080);
	derive_result_clear(&res);
	/* Without --internal the unpublished ports are not registered. */
	o.internal = false;
	run(fixture_container("inspect-internal.json"), &o, &res);
	T_EQ_INT(res.nservices, 0);
	T_EQ_INT(res.nwarnings, 0);
	derive_result_clear(&res);

	/* --internal with a published port: never the host port. */
	o.internal = true;
	run(fixture_container("inspect-web.json"), &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_INT(res.services[0].port, 80);
	/* NetworkMode "default" is the bridge network. */
	T_ASSERT(strncmp(res.services[0].address, "172.17.", 7) == 0);
	derive_result_clear(&res);
	/* --network picks another of its networks. */
	o.network = "derive-fx-net";
	run(fixture_container("inspect-web.json"), &o, &res);
	T_ASSERT(strncmp(res.services[0].address, "172.18.", 7) == 0);
	derive_result_clear(&res);
	o.network = "absent-net";
	run(fixture_container("inspect-web.json"), &o, &res);
	T_ASSERT(strncmp(res.services[0].address, "172.17.", 7) == 0);
	T_EQ_INT(res.nwarnings, 0);
	derive_result_clear(&res);
	o.network = NULL;

	/* SERVICE_NETWORK beats --network; unknown -> warning, fallback. */
	run(fixture_synth(
		"{'Id':'a0','Name':'/nets','Config':{'Image':'x',"
		"'ExposedPorts':{'80/tcp':{}}},'HostConfig':{'NetworkMode':'zeta'},"
		"'NetworkSettings':{'Ports':{'80/tcp':null},'Networks':{"
		"'zeta':{'IPAddress':'10.0.3.3'},'beta':{'IPAddress':'10.0.2.2'},"
		"'alpha':{'IPAddress':''}}}}",
		"SERVICE_NETWORK", "beta", NULL),
	    &o, &res);
	T_EQ_STR(res.services[0].address, "10.0.2.2");
	T_NULL(meta(&res.services[0], "network"));
	derive_result_clear(&res);
	run(fixture_synth(
		"{'Id':'a0','Name':'/nets','Config':{'Image':'x',"
		"'ExposedPorts':{'80/tcp':{}}},'HostConfig':{'NetworkMode':'zeta'},"
		"'NetworkSettings':{'Ports':{'80/tcp':null},'Networks':{"
		"'zeta':{'IPAddress':'10.0.3.3'},'beta':{'IPAddress':'10.0.2.2'},"
		"'alpha':{'IPAddress':''}}}}",
		"SERVICE_NETWORK", "nope", NULL),
	    &o, &res);
	T_EQ_STR(res.services[0].address, "10.0.3.3");
	T_ASSERT(warned(&res, "SERVICE_NETWORK: no address on network \"nope\"",
	    NULL));
	derive_result_clear(&res);
	/* No NetworkMode network: the first by name that has an address. */
	run(fixture_synth(
		"{'Id':'a0','Name':'/nets','Config':{'Image':'x',"
		"'ExposedPorts':{'80/tcp':{}}},'HostConfig':{'NetworkMode':'gone'},"
		"'NetworkSettings':{'Ports':{'80/tcp':null},'Networks':{"
		"'zeta':{'IPAddress':'10.0.3.3'},'beta':{'IPAddress':'10.0.2.2'},"
		"'alpha':{'IPAddress':''}}}}",
		NULL),
	    &o, &res);
	T_EQ_STR(res.services[0].address, "10.0.2.2");
	derive_result_clear(&res);
	/* An IPv6-only network gives its IPv6 address. */
	run(fixture_synth(
		"{'Id':'a0','Name':'/v6','Config':{'Image':'x',"
		"'ExposedPorts':{'80/tcp':{}}},'HostConfig':{'NetworkMode':'six'},"
		"'NetworkSettings':{'Ports':{'80/tcp':null},'Networks':{"
		"'six':{'IPAddress':'','GlobalIPv6Address':'fd00::5'}}}}",
		NULL),
	    &o, &res);
	T_EQ_STR(res.services[0].address, "fd00::5");
	derive_result_clear(&res);
	/* No address anywhere (--network none): refused with a reason. */
	run(fixture_synth(
		"{'Id':'a0','Name':'/none','Config':{'Image':'x',"
		"'ExposedPorts':{'80/tcp':{}}},'HostConfig':{'NetworkMode':'none'},"
		"'NetworkSettings':{'Ports':{},'Networks':{'none':{}}}}",
		NULL),
	    &o, &res);
	T_EQ_INT(res.nservices, 0);
	T_ASSERT(warned(&res, "container none: port 80/tcp: no address",
	    "the container has no IP"));
	derive_result_clear(&res);
	o.internal = false;

	/* --net=host: exposed ports are host ports, host address. */
	run(fixture_container("inspect-host.json"), &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_STR(res.services[0].name, "hostsvc");
	T_EQ_STR(res.services[0].address, "192.0.2.10");
	T_EQ_INT(res.services[0].port, 18099);
	derive_result_clear(&res);
	o.internal = true;
	run(fixture_container("inspect-host.json"), &o, &res);
	T_EQ_STR(res.services[0].address, "192.0.2.10");
	T_EQ_INT(res.services[0].port, 18099);
	derive_result_clear(&res);
	o.internal = false;

	/* --use-ip-from-label, "/cidr" stripped; a bad one is refused. */
	o.ip_label = "ip.addr";
	run(two("", "ip.addr", "10.9.8.7/24", NULL), &o, &res);
	T_EQ_STR(res.services[0].address, "10.9.8.7");
	derive_result_clear(&res);
	run(two("", "ip.addr", "10.9.8.7;rm", NULL), &o, &res);
	T_EQ_STR(res.services[0].address, "192.0.2.10");
	T_ASSERT(
	    warned(&res, "label ip.addr: \"10.9.8.7;rm\" is not an IP", NULL));
	derive_result_clear(&res);
	/*
	 * The unspecified address would make the agent refuse the whole
	 * registration: the default address, as for a bad one.
	 */
	{
		static const char *const any[]
		    = { "::", "0.0.0.0/0", "0:0::0", "::ffff:0.0.0.0" };

		for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
			run(two("", "ip.addr", any[i], NULL), &o, &res);
			T_EQ_INT(res.nservices, 2);
			T_EQ_STR(res.services[0].address, "192.0.2.10");
			T_ASSERT(warned(&res, "label ip.addr: \"",
			    "is the unspecified address, which Consul "
			    "refuses; using the default address"));
			derive_result_clear(&res);
		}
	}
	/* Other IPv6 literals are taken as they are. */
	run(two("", "ip.addr", "::1", NULL), &o, &res);
	T_EQ_STR(res.services[0].address, "::1");
	T_EQ_INT(res.nwarnings, 0);
	derive_result_clear(&res);
	run(two("", "ip.addr", "::ffff:10.0.0.1", NULL), &o, &res);
	T_EQ_STR(res.services[0].address, "::ffff:10.0.0.1");
	derive_result_clear(&res);

	/* Stopped containers have no ports: nothing, quietly. */
	run(fixture_container("inspect-exit3.json"), &o, &res);
	T_EQ_INT(res.nservices, 0);
	T_EQ_INT(res.nwarnings, 0);
	derive_result_clear(&res);
}

/* Done-when 9: hostile values refuse one item, not the container. */
static void
test_hostile(void)
{
	static const struct {
		const char *key;
		const char *value;
		size_t nservices; /* of two ports */
		const char *warning; /* fragment */
	} cases[] = {
		{ "SERVICE_NAME", "my web", 0,
		    "SERVICE_NAME: service name "
		    "\"my web\" refused" },
		{ "SERVICE_NAME", "web;rm", 0, "\"web;rm\" refused" },
		{ "SERVICE_NAME", "web{", 0, "\"web{\" refused" },
		{ "SERVICE_NAME", "a\nb", 0,
		    "\"a\\x0ab\" refused: contains a "
		    "newline" },
		{ "SERVICE_80_NAME", "x\"y", 1,
		    "SERVICE_80_NAME: service name" },
		{ "SERVICE_TAGS", "ok,bad tag,{x},fine", 2,
		    "SERVICE_TAGS: tag \"bad tag\" refused: contains a space" },
		{ "SERVICE_TAGS", "a\tb", 2, "refused: contains a control" },
		{ "SERVICE_A.B", "1", 2,
		    "SERVICE_A.B: meta refused: key may "
		    "only hold" },
		{ "SERVICE_REGION", "us;east", 2,
		    "SERVICE_REGION: meta value "
		    "\"us;east\" refused" },
		{ "SERVICE_CONSUL-X", "1", 2,
		    "the consul- prefix is reserved" },
		{ "SERVICE_REGISTRATOR-HOST", "evil", 2,
		    "reserved for "
		    "registrator" },
	};
	struct derive_options o = opts();
	struct derive_result res;
	char *big;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(two("", cases[i].key, cases[i].value, NULL), &o, &res);
		T_CHECK(res.nservices == cases[i].nservices,
		    "%s=%s: %zu services", cases[i].key, cases[i].value,
		    res.nservices);
		T_CHECK(warned(&res, "container web1: ", cases[i].warning),
		    "%s: no warning with \"%s\" (%zu warnings: %s)",
		    cases[i].key, cases[i].warning, res.nwarnings,
		    res.nwarnings > 0 ? res.warnings[0] : "");
		for (size_t k = 0; k < res.nservices; k++)
			T_EQ_STR(meta(&res.services[k], DERIVE_META_HOST),
			    "host1");
		derive_result_clear(&res);
	}

	/* The good tags of a list survive the bad ones. */
	run(two("", "SERVICE_TAGS", "ok,bad tag,{x},fine", NULL), &o, &res);
	T_TAGS(&res.services[0], "ok|fine");
	T_EQ_INT(res.nwarnings, 2); /* two tags, said once for both ports */
	derive_result_clear(&res);

	/* A 10 kB tag and a 600-byte meta value are refused. */
	big = xmalloc(10241);
	memset(big, 't', 10240);
	big[10240] = '\0';
	run(two("", "SERVICE_TAGS", big, "SERVICE_NOTE", big + 10240 - 600,
		NULL),
	    &o, &res);
	T_EQ_INT(res.nservices, 2);
	T_EQ_INT(res.services[0].ntags, 0);
	T_NULL(meta(&res.services[0], "note"));
	T_ASSERT(warned(&res, "SERVICE_TAGS: tag \"tttt",
	    "...\" refused: too "
	    "long"));
	T_ASSERT(warned(&res, "SERVICE_NOTE: meta value", "too long"));
	/* Warnings stay short whatever the value. */
	for (size_t i = 0; i < res.nwarnings; i++)
		T_ASSERT(strlen(res.warnings[i]) < 300);
	derive_result_clear(&res);
	/* A 129-byte meta key is refused. */
	{
		char key[160];

		memcpy(key, "SERVICE_", 8);
		memset(key + 8, 'k', 129);
		key[137] = '\0';
		run(two("", key, "v", NULL), &o, &res);
		T_EQ_INT(res.nservices, 2);
		T_ASSERT(
		    warned(&res, "meta refused: key longer than 128", NULL));
		derive_result_clear(&res);
	}
	free(big);

	/* A name or ID Docker would not make: the container is skipped. */
	{
		static const char *const bad[][2] = {
			{ "{'Id':'ab\\n','Name':'/ok'", "(ID \"ab\\x0a\")" },
			{ "{'Id':'xyz','Name':'/ok'", "not hexadecimal" },
			{ "{'Id':'ab','Name':'/a b'", "container \"a b\"" },
			{ "{'Id':'ab','Name':''", "is empty" },
		};
		char json[512];

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			(void)snprintf(json, sizeof(json),
			    "%s,'Config':{"
			    "'Image':'x'},'NetworkSettings':{'Ports':{'80/tcp':"
			    "[{'HostIp':'','HostPort':'80'}]}}}",
			    bad[i][0]);
			run(fixture_synth(json, NULL), &o, &res);
			T_EQ_INT(res.nservices, 0);
			T_CHECK(warned(&res, bad[i][1], "not registered"),
			    "case %zu: %s", i,
			    res.nwarnings > 0 ? res.warnings[0] : "no warning");
			derive_result_clear(&res);
		}
	}

	/* Other containers in the same pass are unaffected. */
	derive_result_init(&res);
	{
		struct container *bad = two("'SERVICE_NAME=x y'", NULL);
		struct container *good = fixture_container("inspect-web.json");
		char err[REGISTRATOR_ERR_MAX];

		T_EQ_INT(derive_services(bad, &o, &res, err, sizeof(err)), 0);
		T_EQ_INT(derive_services(good, &o, &res, err, sizeof(err)), 0);
		T_EQ_INT(res.nservices, 1);
		T_EQ_STR(res.services[0].name, "web");
		T_EQ_INT(res.nwarnings, 2);
		container_free(bad);
		container_free(good);
	}
	derive_result_clear(&res);
}

static void
test_meta(void)
{
	struct derive_options o = opts();
	struct derive_result res;
	const struct service *s;
	cJSON *root, *labels;
	struct container *c;
	char err[REGISTRATOR_ERR_MAX], k[32], v[32];

	/* Control keys are not meta; others are, lower-cased. */
	run(two("'SERVICE_REGION=us2','SERVICE_80_WEIGHT=5',"
		"'SERVICE_CHECK_TCP=1','SERVICE_TAGS=a','SERVICE_80_ID=x',"
		"'SERVICE_NETWORK=n','SERVICE_IGNORE=0','SERVICE_Owner-Team=db'",
		NULL),
	    &o, &res);
	s = &res.services[0];
	T_EQ_STR(meta(s, "region"), "us2");
	T_EQ_STR(meta(s, "weight"), "5");
	T_EQ_STR(meta(s, "owner-team"), "db");
	T_EQ_STR(meta(s, DERIVE_META_HOST), "host1");
	T_EQ_STR(meta(s, DERIVE_META_CONTAINER), "c2");
	T_EQ_INT(s->nmeta, 5);
	/* Sorted by key. */
	for (size_t i = 1; i < s->nmeta; i++)
		T_ASSERT(strcmp(s->meta[i - 1].key, s->meta[i].key) < 0);
	T_NULL(meta(&res.services[1], "weight"));
	derive_result_clear(&res);

	/* 70 user keys: Consul's 64 pairs, our three included. */
	root = fixture_json("{'Id':'ab','Name':'/many','Config':{'Image':'m',"
			    "'Labels':{}},'NetworkSettings':{'Ports':{"
			    "'80/tcp':[{'HostIp':'','HostPort':'8000'}]}}}");
	labels = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "Config"),
	    "Labels");
	for (int i = 0; i < 70; i++) {
		(void)snprintf(k, sizeof(k), "SERVICE_K%02d", i);
		(void)snprintf(v, sizeof(v), "%d", i);
		cJSON_AddItemToObject(labels, k, cJSON_CreateString(v));
	}
	c = container_from_json(root, err, sizeof(err));
	cJSON_Delete(root);
	run(c, &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_INT(res.services[0].nmeta, DERIVE_MAX_META - 1);
	T_EQ_STR(meta(&res.services[0], "k60"), "60");
	T_NULL(meta(&res.services[0], "k61"));
	T_EQ_INT(res.nwarnings, 9);
	T_ASSERT(warned(&res, "SERVICE_K69: meta refused: more than 64", NULL));
	derive_result_clear(&res);

	/* 300 refused keys: the warnings are capped too. */
	root = fixture_json("{'Id':'ab','Name':'/many','Config':{'Image':'m',"
			    "'Labels':{}},'NetworkSettings':{'Ports':{"
			    "'80/tcp':[{'HostIp':'','HostPort':'8000'}]}}}");
	labels = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "Config"),
	    "Labels");
	for (int i = 0; i < 300; i++) {
		(void)snprintf(k, sizeof(k), "SERVICE_BAD.%03d", i);
		cJSON_AddItemToObject(labels, k, cJSON_CreateString("v"));
	}
	c = container_from_json(root, err, sizeof(err));
	cJSON_Delete(root);
	run(c, &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_INT(res.nwarnings, DERIVE_MAX_WARNINGS + 1);
	T_EQ_STR(res.warnings[res.nwarnings - 1], "more warnings were dropped");
	derive_result_clear(&res);
}

static void
test_options(void)
{
	struct derive_options o = opts();
	struct derive_result res;
	struct container *c = fixture_container("inspect-web.json");
	char err[REGISTRATOR_ERR_MAX] = "";

	derive_result_init(&res);
	o.host_name = NULL;
	T_EQ_INT(derive_services(c, &o, &res, err, sizeof(err)), -1);
	T_EQ_STR(err, "host name missing");
	o.host_name = "bad host";
	T_EQ_INT(derive_services(c, &o, &res, err, sizeof(err)), -1);
	o = opts();
	o.tags = "ok,not ok";
	T_EQ_INT(derive_services(c, &o, &res, err, sizeof(err)), -1);
	T_EQ_STR(err, "--tags: tag \"not ok\" refused: contains a space");
	o = opts();
	o.ip = "10.0.0.1;";
	T_EQ_INT(derive_services(c, &o, &res, err, sizeof(err)), -1);
	T_EQ_STR(err, "--ip address is neither an IP address nor a host name");
	/* Consul's agent refuses 0.0.0.0 and :: as a service address. */
	o.ip = "0.0.0.0";
	T_EQ_INT(derive_services(c, &o, &res, err, sizeof(err)), -1);
	T_EQ_STR(err,
	    "--ip address is the unspecified address, which Consul refuses");
	o.ip = "0::0";
	T_EQ_INT(derive_services(c, &o, &res, err, sizeof(err)), -1);
	o.ip = "consul-node.example"; /* a host name is an address */
	T_EQ_INT(derive_services(c, &o, &res, err, sizeof(err)), 0);
	T_EQ_STR(res.services[0].address, "consul-node.example");
	derive_result_clear(&res);
	o = opts();
	o.detected_ip = "";
	T_EQ_INT(derive_services(c, &o, &res, err, sizeof(err)), -1);
	T_EQ_STR(err,
	    "detected host address is neither an IP address nor a "
	    "host name");
	o = opts();
	o.docker_health_ttl = "soon";
	T_EQ_INT(derive_services(c, &o, &res, err, sizeof(err)), -1);
	T_EQ_STR(err, "Docker health TTL: not a duration");
	T_EQ_INT(res.nservices, 0);
	T_EQ_INT(res.nwarnings, 0);
	container_free(c);
}

/* The register body: exact bytes, and a hash that follows them. */
static void
test_json(void)
{
	struct derive_options o = opts();
	struct derive_result res, again;
	char *text, *text2;

	run(fixture_container("inspect-web.json"), &o, &res);
	text = service_json_text(&res.services[0]);
	{
		char want[640];

		(void)snprintf(want, sizeof(want),
		    "{\"ID\":\"host1:derive-fx-web:80\","
		    "\"Name\":\"web\",\"Tags\":[\"b\",\"a\"],"
		    "\"Address\":\"127.0.0.1\",\"Port\":18080,"
		    "\"Meta\":{\"registrator-container\":\"%s\","
		    "\"registrator-hash\":\"%s\","
		    "\"registrator-host\":\"host1\"},\"Checks\":[]}",
		    res.services[0].container_id, res.services[0].hash);
		T_EQ_STR(text, want);
	}
	/* The same container gives the same bytes and hash. */
	run(fixture_container("inspect-web.json"), &o, &again);
	text2 = service_json_text(&again.services[0]);
	T_EQ_STR(text, text2);
	T_EQ_STR(res.services[0].hash, again.services[0].hash);
	free(text2);
	derive_result_clear(&again);
	/* Any change changes the hash. */
	o.tags = "x";
	run(fixture_container("inspect-web.json"), &o, &again);
	T_ASSERT(strcmp(res.services[0].hash, again.services[0].hash) != 0);
	derive_result_clear(&again);
	free(text);
	derive_result_clear(&res);

	/* A hash key that sorts after ours, and one before. */
	o = opts();
	run(two("'SERVICE_AAA=1','SERVICE_ZZZ=2'", NULL), &o, &res);
	text = service_json_text(&res.services[0]);
	T_ASSERT(strstr(text,
		     "\"Meta\":{\"aaa\":\"1\",\"registrator-container\":"
		     "\"c2\",\"registrator-hash\":")
	    != NULL);
	T_ASSERT(strstr(text, "\"registrator-host\":\"host1\",\"zzz\":\"2\"}")
	    != NULL);
	free(text);
	derive_result_clear(&res);
}

int
main(void)
{
	test_web();
	test_multi();
	test_names();
	test_image_names();
	test_tags_and_ids();
	test_addresses();
	test_hostile();
	test_meta();
	test_options();
	test_json();
	return test_report();
}
