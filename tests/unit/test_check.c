/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for registrator/check.c: SERVICE_CHECK_* keys, Traefik
 * healthcheck labels and the Docker health TTL check, as they appear in
 * the register body Consul receives.  Fixtures captured from the real
 * Docker Engine (tests/data/docker) plus synthetic containers.
 */
#include <stdlib.h>
#include <string.h>

#include "registrator.h"
#include "registrator_fixture.h"
#include "test.h"

static struct derive_options
opts(void)
{
	struct derive_options o = {
		.host_name = "host1",
		.detected_ip = "192.0.2.10",
	};

	return o;
}

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

static bool
warned(const struct derive_result *res, const char *a, const char *b)
{
	for (size_t i = 0; i < res->nwarnings; i++)
		if (strstr(res->warnings[i], a) != NULL
		    && (b == NULL || strstr(res->warnings[i], b) != NULL))
			return true;
	return false;
}

/* The Checks array of service i as Consul receives it. */
static char *
checks_text(const struct derive_result *res, size_t i)
{
	cJSON *o, *checks;
	char *text;

	if (i >= res->nservices)
		return xstrdup("(no such service)");
	o = service_json(&res->services[i]);
	checks = cJSON_GetObjectItem(o, "Checks");
	text = cJSON_PrintUnformatted(checks);
	cJSON_Delete(o);
	return text;
}

#define T_CHECKS(res, i, want)                        \
	do {                                          \
		char *t_c_ = checks_text((res), (i)); \
		T_EQ_STR(t_c_, (want));               \
		free(t_c_);                           \
	} while (0)

/* One published port 80 -> 8080 on 0.0.0.0, plus labels. */
#define ONE_PORT                                                                \
	"{'Id':'0123456789abcdef0123','Name':'/app','Config':{'Image':'app',"   \
	"'ExposedPorts':{'80/tcp':{}}},'HostConfig':{'NetworkMode':'default'}," \
	"'NetworkSettings':{'Ports':{"                                          \
	"'80/tcp':[{'HostIp':'0.0.0.0','HostPort':'8080'}]},"                   \
	"'Networks':{'bridge':{'IPAddress':'172.17.0.9'}}}}"

static void
test_declared(void)
{
	static const struct {
		const char *labels[8]; /* key, value pairs */
		const char *checks;
		const char *warning;
	} cases[] = {
		{ { "SERVICE_CHECK_HTTP", "/health" },
		    "[{\"CheckID\":\"service:host1:app:80:http\",\"Name\":\"app "
		    "http check\",\"HTTP\":\"http://192.0.2.10:8080/health\","
		    "\"Interval\":\"10s\"}]",
		    NULL },
		/* A path without its slash gets one. */
		{ { "SERVICE_CHECK_HTTP", "ping?x=1", "SERVICE_CHECK_TIMEOUT",
		      "2s", "SERVICE_CHECK_INTERVAL", "1m30s" },
		    "[{\"CheckID\":\"service:host1:app:80:http\",\"Name\":\"app "
		    "http check\",\"HTTP\":\"http://192.0.2.10:8080/ping?x=1\","
		    "\"Interval\":\"1m30s\",\"Timeout\":\"2s\"}]",
		    NULL },
		{ { "SERVICE_CHECK_HTTPS", "/h",
		      "SERVICE_CHECK_TLS_SKIP_VERIFY", "true",
		      "SERVICE_CHECK_HTTPS_METHOD", "head" },
		    "[{\"CheckID\":\"service:host1:app:80:https\",\"Name\":\"app "
		    "https check\",\"HTTP\":\"https://192.0.2.10:8080/h\","
		    "\"Method\":\"HEAD\",\"TLSSkipVerify\":true,"
		    "\"Interval\":\"10s\"}]",
		    NULL },
		{ { "SERVICE_CHECK_HTTP", "/h", "SERVICE_CHECK_METHOD", "POST",
		      "SERVICE_CHECK_INITIAL_STATUS", "passing",
		      "SERVICE_CHECK_DEREGISTER_AFTER", "5m" },
		    "[{\"CheckID\":\"service:host1:app:80:http\",\"Name\":\"app "
		    "http check\",\"HTTP\":\"http://192.0.2.10:8080/h\","
		    "\"Method\":\"POST\",\"Interval\":\"10s\",\"Status\":"
		    "\"passing\",\"DeregisterCriticalServiceAfter\":\"5m\"}]",
		    NULL },
		{ { "SERVICE_CHECK_TCP", "true" },
		    "[{\"CheckID\":\"service:host1:app:80:tcp\",\"Name\":\"app "
		    "tcp check\",\"TCP\":\"192.0.2.10:8080\","
		    "\"Interval\":\"10s\"}]",
		    NULL },
		{ { "SERVICE_CHECK_GRPC", "1", "SERVICE_CHECK_GRPC_USE_TLS",
		      "yes" },
		    "[{\"CheckID\":\"service:host1:app:80:grpc\",\"Name\":\"app "
		    "grpc check\",\"GRPC\":\"192.0.2.10:8080\",\"GRPCUseTLS\":"
		    "true,\"Interval\":\"10s\"}]",
		    NULL },
		{ { "SERVICE_CHECK_TTL", "30s", "SERVICE_CHECK_TIMEOUT", "3s",
		      "SERVICE_CHECK_INTERVAL", "5s" },
		    "[{\"CheckID\":\"service:host1:app:80:ttl\",\"Name\":\"app "
		    "ttl check\",\"TTL\":\"30s\"}]",
		    NULL },
		/* Several kinds give several checks, in a fixed order. */
		{ { "SERVICE_CHECK_TCP", "1", "SERVICE_CHECK_HTTP", "/h" },
		    "[{\"CheckID\":\"service:host1:app:80:http\",\"Name\":\"app "
		    "http check\",\"HTTP\":\"http://192.0.2.10:8080/h\","
		    "\"Interval\":\"10s\"},{\"CheckID\":"
		    "\"service:host1:app:80:tcp\",\"Name\":\"app tcp check\","
		    "\"TCP\":\"192.0.2.10:8080\",\"Interval\":\"10s\"}]",
		    NULL },
		/* Keys are case-insensitive after SERVICE_. */
		{ { "SERVICE_Check_Tcp", "1" },
		    "[{\"CheckID\":\"service:host1:app:80:tcp\",\"Name\":\"app "
		    "tcp check\",\"TCP\":\"192.0.2.10:8080\","
		    "\"Interval\":\"10s\"}]",
		    NULL },
		/* Bad values: warning, and the default or nothing. */
		{ { "SERVICE_CHECK_TCP", "1", "SERVICE_CHECK_INTERVAL",
		      "often" },
		    "[{\"CheckID\":\"service:host1:app:80:tcp\",\"Name\":\"app "
		    "tcp check\",\"TCP\":\"192.0.2.10:8080\","
		    "\"Interval\":\"10s\"}]",
		    "SERVICE_CHECK_INTERVAL: \"often\" is not a duration" },
		{ { "SERVICE_CHECK_TTL", "-1s" }, "[]",
		    "SERVICE_CHECK_TTL: \"-1s\" is not a duration" },
		{ { "SERVICE_CHECK_HTTP", "http://evil/x" }, "[]",
		    "must be a relative URL" },
		{ { "SERVICE_CHECK_HTTP", "/a b" }, "[]", "contains a space" },
		{ { "SERVICE_CHECK_TCP", "1", "SERVICE_CHECK_INITIAL_STATUS",
		      "great" },
		    "[{\"CheckID\":\"service:host1:app:80:tcp\",\"Name\":\"app "
		    "tcp check\",\"TCP\":\"192.0.2.10:8080\","
		    "\"Interval\":\"10s\"}]",
		    "is not passing, warning or critical" },
		{ { "SERVICE_CHECK_HTTP", "/h", "SERVICE_CHECK_METHOD",
		      "GE T" },
		    "[{\"CheckID\":\"service:host1:app:80:http\",\"Name\":\"app "
		    "http check\",\"HTTP\":\"http://192.0.2.10:8080/h\","
		    "\"Interval\":\"10s\"}]",
		    "SERVICE_CHECK_METHOD: \"GE T\" is not an HTTP method" },
		/* Script checks are refused by default. */
		{ { "SERVICE_CHECK_SCRIPT", "curl $SERVICE_IP" }, "[]",
		    "SERVICE_CHECK_SCRIPT: \"curl $SERVICE_IP\" refused" },
		{ { "SERVICE_CHECK_CMD", "/bin/true" }, "[]",
		    "pass --allow-script-checks" },
	};
	struct derive_options o = opts();
	struct derive_result res;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *l = cases[i].labels;

		run(fixture_synth(ONE_PORT, l[0], l[1], l[2], l[3], l[4], l[5],
			l[6], l[7], NULL),
		    &o, &res);
		T_CHECK(res.nservices == 1, "case %zu: %zu services", i,
		    res.nservices);
		T_CHECKS(&res, 0, cases[i].checks);
		if (cases[i].warning != NULL)
			T_CHECK(
			    warned(&res, "container app: ", cases[i].warning),
			    "case %zu: no warning \"%s\"", i, cases[i].warning);
		else
			T_CHECK(res.nwarnings == 0, "case %zu: warning %s", i,
			    res.nwarnings > 0 ? res.warnings[0] : "");
		/* Check keys never become meta. */
		for (size_t k = 0; k < res.nservices; k++)
			for (size_t m = 0; m < res.services[k].nmeta; m++)
				T_ASSERT(strncmp(res.services[k].meta[m].key,
					     "check", 5)
				    != 0);
		derive_result_clear(&res);
	}
}

static void
test_script_allowed(void)
{
	struct derive_options o = opts();
	struct derive_result res;

	o.allow_script_checks = true;
	run(fixture_synth(ONE_PORT, "SERVICE_CHECK_SCRIPT",
		"nc -z $SERVICE_IP $SERVICE_PORT", NULL),
	    &o, &res);
	T_CHECKS(&res, 0,
	    "[{\"CheckID\":\"service:host1:app:80:script\","
	    "\"Name\":\"app script check\",\"Args\":[\"nc\",\"-z\","
	    "\"192.0.2.10\",\"8080\"],\"Interval\":\"10s\"}]");
	derive_result_clear(&res);
	run(fixture_synth(ONE_PORT, "SERVICE_CHECK_CMD", "/bin/check  fast",
		"SERVICE_CHECK_INTERVAL", "3s", NULL),
	    &o, &res);
	T_CHECKS(&res, 0,
	    "[{\"CheckID\":\"service:host1:app:80:cmd\","
	    "\"Name\":\"app cmd check\",\"Args\":[\"check-cmd\","
	    "\"0123456789ab\",\"80\",\"/bin/check\",\"fast\"],"
	    "\"Interval\":\"3s\"}]");
	derive_result_clear(&res);
	run(fixture_synth(ONE_PORT, "SERVICE_CHECK_SCRIPT", "a\nb", NULL), &o,
	    &res);
	T_CHECKS(&res, 0, "[]");
	T_ASSERT(
	    warned(&res, "\"a\\x0ab\" contains a control character", NULL));
	derive_result_clear(&res);
}

/* Per-port check keys apply to their port; the real fixture's 80. */
static void
test_per_port(void)
{
	struct derive_options o = opts();
	struct derive_result res;

	run(fixture_container("inspect-multi.json"), &o, &res);
	T_EQ_INT(res.nservices, 3);
	T_CHECKS(&res, 0, "[]");
	T_CHECKS(&res, 1,
	    "[{\"CheckID\":\"service:host1:derive-fx-multi:80:"
	    "http\",\"Name\":\"nginx-80 http check\",\"HTTP\":"
	    "\"http://127.0.0.1:18081/health\",\"Interval\":\"15s\"}]");
	T_CHECKS(&res, 2, "[]");
	derive_result_clear(&res);
}

/* Done-when 4: the Traefik labels of the real fixtures. */
static void
test_traefik_fixtures(void)
{
	struct derive_options o = opts();
	struct derive_result res;

	/*
	 * Host address + published port: healthcheck.port 8081 is the
	 * container side, probed through its published 18083.
	 */
	run(fixture_container("inspect-traefik.json"), &o, &res);
	T_EQ_INT(res.nservices, 2);
	T_EQ_INT(res.nwarnings, 0);
	T_CHECKS(&res, 0,
	    "[{\"CheckID\":\"service:host1:derive-fx-traefik:80:"
	    "traefik-web\",\"Name\":\"derive-busybox-80 traefik-web check\","
	    "\"HTTP\":\"http://127.0.0.1:18083/health\",\"DisableRedirects\":"
	    "true,\"Interval\":\"30s\",\"Timeout\":\"5s\"}]");
	T_CHECKS(&res, 1, "[]");
	derive_result_clear(&res);

	/*
	 * --internal: container IP and port; server.port picks the port;
	 * camel-case keys; hostname becomes the Host header.
	 */
	o.internal = true;
	run(fixture_container("inspect-internal.json"), &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_EQ_INT(res.nwarnings, 0);
	T_CHECKS(&res, 0,
	    "[{\"CheckID\":\"service:host1:derive-fx-internal:"
	    "8080:traefik-api\",\"Name\":\"api-8080 traefik-api check\","
	    "\"HTTP\":\"http://172.18.0.2:8080/health\",\"Header\":{\"Host\":"
	    "[\"api.example.com\"],\"X-Probe\":[\"consul\"]},"
	    "\"Interval\":\"2s\",\"Timeout\":\"1s\"}]");
	derive_result_clear(&res);
}

#define TWO_PORTS                                                             \
	"{'Id':'0123456789abcdef0123','Name':'/app','Config':{'Image':'app'," \
	"'ExposedPorts':{'80/tcp':{},'8080/tcp':{},'9090/tcp':{}}},"          \
	"'HostConfig':{'NetworkMode':'default'},'NetworkSettings':{'Ports':{" \
	"'80/tcp':[{'HostIp':'','HostPort':'1080'}],"                         \
	"'8080/tcp':[{'HostIp':'','HostPort':'18080'}],"                      \
	"'9090/tcp':null},"                                                   \
	"'Networks':{'bridge':{'IPAddress':'172.17.0.9'}}}}"

#define TK(svc, rest) "traefik.http.services." svc ".loadbalancer." rest

static void
test_traefik_synthetic(void)
{
	struct derive_options o = opts();
	struct derive_result res;

	/* No server.port: the lowest port (80); all the options. */
	run(fixture_synth(TWO_PORTS, TK("Web", "healthcheck.path"), "status",
		TK("web", "HealthCheck.Scheme"), "HTTPS",
		TK("web", "healthcheck.method"), "head",
		TK("web", "healthcheck.followRedirects"), "true",
		TK("web", "healthcheck.headers.X-B"), "2",
		TK("web", "healthcheck.headers.X-A"), "one two", NULL),
	    &o, &res);
	T_EQ_INT(res.nservices, 2);
	T_EQ_INT(res.nwarnings, 0);
	T_CHECKS(&res, 0,
	    "[{\"CheckID\":\"service:host1:app:80:traefik-web\","
	    "\"Name\":\"app-80 traefik-web check\",\"HTTP\":"
	    "\"https://192.0.2.10:1080/status\",\"Method\":\"HEAD\","
	    "\"Header\":{\"X-A\":[\"one two\"],\"X-B\":[\"2\"]},"
	    "\"Interval\":\"30s\",\"Timeout\":\"5s\"}]");
	T_CHECKS(&res, 1, "[]");
	derive_result_clear(&res);

	/* Two Traefik services on two ports; one on an unpublished port. */
	run(fixture_synth(TWO_PORTS, TK("b", "server.port"), "8080",
		TK("b", "healthcheck.path"), "/b", TK("a", "server.port"),
		"8080", TK("a", "healthcheck.path"), "/a",
		TK("a", "healthcheck.port"), "9090",
		TK("c", "healthcheck.path"), "/c",
		TK("c", "healthcheck.interval"), "-5s",
		TK("c", "healthcheck.hostname"), "bad host", NULL),
	    &o, &res);
	T_EQ_INT(res.nservices, 2);
	T_CHECKS(&res, 0,
	    "[{\"CheckID\":\"service:host1:app:80:traefik-c\","
	    "\"Name\":\"app-80 traefik-c check\",\"HTTP\":"
	    "\"http://192.0.2.10:1080/c\",\"Interval\":\"30s\","
	    "\"Timeout\":\"5s\"}]");
	T_CHECKS(&res, 1,
	    "[{\"CheckID\":\"service:host1:app:8080:traefik-b\","
	    "\"Name\":\"app-8080 traefik-b check\",\"HTTP\":"
	    "\"http://192.0.2.10:18080/b\",\"Interval\":\"30s\","
	    "\"Timeout\":\"5s\"}]");
	T_ASSERT(warned(&res,
	    "container app: label traefik.http.services.a."
	    "loadbalancer.healthcheck.port: \"9090\" is not published",
	    NULL));
	T_ASSERT(warned(&res, "healthcheck.interval: \"-5s\"", "using 30s"));
	T_ASSERT(warned(&res, "healthcheck.hostname: \"bad host\"",
	    "no Host header"));
	T_EQ_INT(res.nwarnings, 3);
	derive_result_clear(&res);

	/* Hostile header values and paths; absolute URL refused. */
	run(fixture_synth(TWO_PORTS, TK("h", "healthcheck.path"), "/h",
		TK("h", "healthcheck.headers.X-Evil"), "a\r\nInjected: 1",
		TK("h", "healthcheck.headers.X Bad"), "v",
		TK("h", "healthcheck.followredirects"), "false",
		TK("u", "server.port"), "8080", TK("u", "healthcheck.path"),
		"http://elsewhere/", NULL),
	    &o, &res);
	T_CHECKS(&res, 0,
	    "[{\"CheckID\":\"service:host1:app:80:traefik-h\","
	    "\"Name\":\"app-80 traefik-h check\",\"HTTP\":"
	    "\"http://192.0.2.10:1080/h\",\"DisableRedirects\":true,"
	    "\"Interval\":\"30s\",\"Timeout\":\"5s\"}]");
	T_CHECKS(&res, 1, "[]");
	T_ASSERT(warned(&res,
	    "healthcheck.headers: \"X-Evil\" contains a "
	    "newline",
	    NULL));
	T_ASSERT(warned(&res, "has a bad header name", NULL));
	T_ASSERT(
	    warned(&res, "\"http://elsewhere/\" must be a relative URL", NULL));
	derive_result_clear(&res);

	/* gRPC mode, IPv6 host address. */
	o.ip = "2001:db8::1";
	run(fixture_synth(TWO_PORTS, TK("g", "healthcheck.path"), "/",
		TK("g", "healthcheck.mode"), "grpc", TK("x", "server.port"),
		"8080", TK("x", "healthcheck.path"), "/x", NULL),
	    &o, &res);
	T_CHECKS(&res, 0,
	    "[{\"CheckID\":\"service:host1:app:80:traefik-g\","
	    "\"Name\":\"app-80 traefik-g check\",\"GRPC\":"
	    "\"[2001:db8::1]:1080\",\"Interval\":\"30s\",\"Timeout\":\"5s\"}]");
	T_CHECKS(&res, 1,
	    "[{\"CheckID\":\"service:host1:app:8080:traefik-x\","
	    "\"Name\":\"app-8080 traefik-x check\",\"HTTP\":"
	    "\"http://[2001:db8::1]:18080/x\",\"Interval\":\"30s\","
	    "\"Timeout\":\"5s\"}]");
	derive_result_clear(&res);
	o.ip = NULL;

	/* Declared and Traefik checks together, declared first. */
	run(fixture_synth(ONE_PORT, "SERVICE_CHECK_TCP", "1",
		TK("w", "healthcheck.path"), "/w", NULL),
	    &o, &res);
	T_CHECKS(&res, 0,
	    "[{\"CheckID\":\"service:host1:app:80:tcp\","
	    "\"Name\":\"app tcp check\",\"TCP\":\"192.0.2.10:8080\","
	    "\"Interval\":\"10s\"},{\"CheckID\":\"service:host1:app:80:"
	    "traefik-w\",\"Name\":\"app traefik-w check\",\"HTTP\":"
	    "\"http://192.0.2.10:8080/w\",\"Interval\":\"30s\","
	    "\"Timeout\":\"5s\"}]");
	derive_result_clear(&res);
}

static void
test_docker_health(void)
{
	struct derive_options o = opts();
	struct derive_result res;

	run(fixture_container("inspect-health.json"), &o, &res);
	T_EQ_INT(res.nservices, 1);
	T_CHECKS(&res, 0, "[]");
	T_NULL(res.services[0].health_check_id);
	derive_result_clear(&res);

	o.docker_health = true;
	run(fixture_container("inspect-health.json"), &o, &res);
	T_CHECKS(&res, 0,
	    "[{\"CheckID\":\"service:host1:derive-fx-health:80:"
	    "docker-health\",\"Name\":\"Docker health of derive-fx-health\","
	    "\"TTL\":\"90s\"}]");
	T_EQ_STR(res.services[0].health_check_id,
	    "service:host1:derive-fx-health:80:docker-health");
	derive_result_clear(&res);

	/* No HEALTHCHECK, no mirror. */
	o.docker_health_ttl = "45s";
	run(fixture_container("inspect-web.json"), &o, &res);
	T_CHECKS(&res, 0, "[]");
	T_NULL(res.services[0].health_check_id);
	derive_result_clear(&res);
}

int
main(void)
{
	test_declared();
	test_script_allowed();
	test_per_port();
	test_traefik_fixtures();
	test_traefik_synthetic();
	test_docker_health();
	return test_report();
}
