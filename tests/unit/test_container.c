/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for registrator/container.c: inspect answers captured from
 * the real Docker Engine 20.10 (tests/data/docker/inspect-*.json) and
 * synthetic ones for missing and malformed fields.
 */
#include <stdlib.h>
#include <string.h>

#include "registrator.h"
#include "registrator_fixture.h"
#include "test.h"

static void
test_web(void)
{
	struct container *c = fixture_container("inspect-web.json");
	const struct container_port *p;

	T_EQ_INT(strlen(c->id), 64);
	T_EQ_STR(c->name, "derive-fx-web");
	T_EQ_STR(c->image, "registrator-test/derive-busybox:1");
	T_ASSERT(strncmp(c->image_id, "sha256:", 7) == 0);
	T_ASSERT(!container_image_is_id(c));
	T_EQ_STR(container_env(c, "SERVICE_NAME"), "web");
	T_EQ_STR(container_env(c, "SERVICE_TAGS"), "b,a");
	T_EQ_STR(container_label(c, "registrator.test"), "1");
	T_NULL(container_label(c, "SERVICE_NAME"));
	T_EQ_STR(c->path, "httpd");
	T_EQ_INT(c->nargs, 5);
	T_EQ_STR(c->args[0], "-f");
	T_EQ_INT(c->nports, 1);
	p = container_port(c, 80, "tcp");
	T_NOT_NULL(p);
	if (p != NULL) {
		T_ASSERT(p->exposed && p->in_settings);
		T_EQ_INT(p->host_port, 18080);
		T_EQ_STR(p->host_ip, "127.0.0.1");
	}
	T_NULL(container_port(c, 80, "udp"));
	T_EQ_STR(c->network_mode, "default");
	/* Sorted by name: the default bridge, then the user network. */
	T_EQ_INT(c->nnetworks, 2);
	T_EQ_STR(c->networks[0].name, "bridge");
	T_EQ_STR(c->networks[1].name, "derive-fx-net");
	T_ASSERT(strncmp(c->networks[0].ip, "172.", 4) == 0);
	T_ASSERT(strncmp(c->networks[1].ip, "172.", 4) == 0);
	T_EQ_INT(strlen(c->networks[1].id), 64);
	T_NOT_NULL(container_network(c, "derive-fx-net"));
	T_NULL(container_network(c, "host"));
	T_EQ_STR(c->ip, c->networks[0].ip);
	T_ASSERT(c->state.running);
	T_EQ_STR(c->state.status, "running");
	T_EQ_INT(c->state.exit_code, 0);
	T_ASSERT(c->state.pid > 0);
	T_EQ_STR(c->state.health, "");
	T_ASSERT(!c->has_healthcheck);
	T_EQ_STR(c->restart_policy, "no");
	T_EQ_INT(c->memory_limit, 0);
	T_ASSERT(strncmp(c->created, "20", 2) == 0);
	container_free(c);
}

static void
test_multi(void)
{
	struct container *c = fixture_container("inspect-multi.json");

	/* Ports sorted by number, merged from ExposedPorts and Ports. */
	T_EQ_INT(c->nports, 4);
	T_EQ_INT(c->ports[0].port, 53);
	T_EQ_STR(c->ports[0].proto, "udp");
	T_EQ_INT(c->ports[0].host_port, 18053);
	T_EQ_INT(c->ports[1].port, 80);
	T_EQ_INT(c->ports[1].host_port, 18081);
	T_EQ_INT(c->ports[2].port, 443);
	T_EQ_INT(c->ports[2].host_port, 18443);
	T_EQ_INT(c->ports[3].port, 9000);
	T_EQ_INT(c->ports[3].host_port, 0);
	T_ASSERT(c->ports[3].exposed && c->ports[3].in_settings);
	T_EQ_STR(c->ports[3].host_ip, "");
	/* Labels and env keep their own values. */
	T_EQ_STR(container_env(c, "SERVICE_REGION"), "us2");
	T_EQ_STR(container_label(c, "SERVICE_REGION"), "eu1");
	T_EQ_STR(container_env(c, "SERVICE_TAGS"), "www,a\\,b , ,c");
	container_free(c);
}

static void
test_states(void)
{
	struct container *c;

	c = fixture_container("inspect-exit3.json");
	T_ASSERT(!c->state.running);
	T_EQ_STR(c->state.status, "exited");
	T_EQ_INT(c->state.exit_code, 3);
	T_ASSERT(!c->state.oom_killed);
	T_EQ_INT(c->restart_count, 2);
	T_EQ_STR(c->restart_policy, "on-failure");
	T_EQ_INT(c->restart_max_retries, 2);
	T_EQ_INT(c->nports, 0);
	T_ASSERT(strncmp(c->state.finished_at, "20", 2) == 0);
	container_free(c);

	c = fixture_container("inspect-oom.json");
	T_ASSERT(c->state.oom_killed);
	T_EQ_INT(c->state.exit_code, 137);
	T_EQ_INT(c->memory_limit, 16 * 1024 * 1024);
	container_free(c);

	c = fixture_container("inspect-health.json");
	T_ASSERT(c->has_healthcheck);
	T_EQ_INT(c->healthcheck_interval_ms, 1000);
	T_EQ_STR(c->state.health, "healthy");
	container_free(c);

	c = fixture_container("inspect-host.json");
	T_EQ_STR(c->network_mode, "host");
	T_EQ_INT(c->nports, 1);
	T_EQ_INT(c->ports[0].port, 18099);
	T_ASSERT(c->ports[0].exposed && !c->ports[0].in_settings);
	T_EQ_INT(c->ports[0].host_port, 0);
	container_free(c);

	c = fixture_container("inspect-internal.json");
	T_EQ_STR(c->network_mode, "derive-fx-net");
	T_EQ_INT(c->nnetworks, 1);
	T_EQ_STR(c->ip, "");
	container_free(c);
}

static void
test_image_id(void)
{
	static const struct {
		const char *image;
		const char *image_id;
		bool is_id;
	} cases[] = {
		{ "sha256:98fe9ade4447", "sha256:98fe9ade4447", true },
		{ "98fe9ade", "sha256:98fe9ade444754ad", true },
		{ "98fe", "sha256:98fe9ade444754ad", true },
		{ "cafe", "sha256:beef9ade444754ad", false },
		{ "abc", "sha256:abc9ade444754ad", false },
		{ "98FE9ADE", "sha256:98fe9ade444754ad", false },
		{ "nginx:1", "sha256:98fe9ade444754ad", false },
		{ "", "", false },
	};
	struct container *c;

	c = fixture_container("inspect-byid.json");
	T_ASSERT(container_image_is_id(c));
	T_EQ_STR(container_label(c, DERIVE_LABEL_COMPOSE_SERVICE), "cart");
	container_free(c);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = fixture_synth("{'Id':'x'}", NULL);
		free(c->image);
		free(c->image_id);
		c->image = xstrdup(cases[i].image);
		c->image_id = xstrdup(cases[i].image_id);
		T_CHECK(container_image_is_id(c) == cases[i].is_id, "image %s",
		    cases[i].image);
		container_free(c);
	}
}

static void
test_synthetic(void)
{
	struct container *c;

	/* Everything but Id may be missing. */
	c = fixture_synth("{'Id':'abc'}", NULL);
	T_EQ_STR(c->id, "abc");
	T_EQ_STR(c->name, "");
	T_EQ_STR(c->image, "");
	T_EQ_STR(c->network_mode, "");
	T_EQ_STR(c->state.status, "");
	T_EQ_INT(c->nports, 0);
	T_EQ_INT(c->nnetworks, 0);
	T_EQ_INT(c->nenv, 0);
	container_free(c);

	/* Env without '=' is skipped; the last of two equal keys wins. */
	c = fixture_synth("{'Id':'a','Config':{'Env':['A=1','UNSET','A=2',"
			  "'B=x=y','C=']}}",
	    NULL);
	T_EQ_INT(c->nenv, 4);
	T_EQ_STR(container_env(c, "A"), "2");
	T_EQ_STR(container_env(c, "B"), "x=y");
	T_EQ_STR(container_env(c, "C"), "");
	T_NULL(container_env(c, "UNSET"));
	container_free(c);

	/* Dual bindings: the IPv4/wildcard one is used. */
	c = fixture_synth("{'Id':'a','NetworkSettings':{'Ports':{"
			  "'8080/tcp':[{'HostIp':'::','HostPort':'9080'},"
			  "{'HostIp':'0.0.0.0','HostPort':'9080'}],"
			  "'81':[{'HostIp':'::1','HostPort':'1'},"
			  "{'HostIp':'127.0.0.1','HostPort':'2'}],"
			  "'82/tcp':[{'HostIp':'::1','HostPort':'3'}],"
			  "'83/tcp':[{'HostPort':'4'}],"
			  "'84/tcp':[]}}}",
	    NULL);
	T_EQ_INT(c->nports, 5);
	T_EQ_INT(c->ports[0].port, 81);
	T_EQ_STR(c->ports[0].proto, "tcp");
	T_EQ_STR(c->ports[0].host_ip, "127.0.0.1");
	T_EQ_INT(c->ports[0].host_port, 2);
	T_EQ_STR(c->ports[1].host_ip, "::1");
	T_EQ_INT(c->ports[2].host_port, 4);
	T_EQ_STR(c->ports[2].host_ip, "");
	T_EQ_INT(c->ports[3].host_port, 0);
	T_EQ_INT(c->ports[4].port, 8080);
	T_EQ_INT(c->ports[4].host_port, 9080);
	T_EQ_STR(c->ports[4].host_ip, "");
	T_ASSERT(!c->ports[4].exposed);
	container_free(c);

	/* Healthcheck NONE disables an image's check. */
	c = fixture_synth(
	    "{'Id':'a','Config':{'Healthcheck':{'Test':['NONE']}}}", NULL);
	T_ASSERT(!c->has_healthcheck);
	container_free(c);
}

static void
test_errors(void)
{
	static const struct {
		const char *json;
		const char *err;
	} cases[] = {
		{ "[]", "inspect: not a JSON object" },
		{ "{}", "Id: missing" },
		{ "{'Id':3}", "Id: not a string" },
		{ "{'Id':'a','Config':[]}", "Config: not an object" },
		{ "{'Id':'a','Config':{'Env':'A=1'}}",
		    "Config.Env: not an array" },
		{ "{'Id':'a','Config':{'Env':['A=1',2]}}",
		    "Config.Env[1]: not a string" },
		{ "{'Id':'a','Config':{'Labels':{'x':1}}}",
		    "Config.Labels.x: not a string" },
		{ "{'Id':'a','Config':{'ExposedPorts':{'http':{}}}}",
		    "Config.ExposedPorts: bad port \"http\"" },
		{ "{'Id':'a','Config':{'ExposedPorts':{'70000/tcp':{}}}}",
		    "Config.ExposedPorts: bad port \"70000/tcp\"" },
		{ "{'Id':'a','Config':{'ExposedPorts':{'80/':{}}}}",
		    "Config.ExposedPorts: bad port \"80/\"" },
		{ "{'Id':'a','NetworkSettings':{'Ports':{'80/tcp':"
		  "[{'HostIp':'','HostPort':'x'}]}}}",
		    "NetworkSettings.Ports.80/tcp: HostPort is not a port number" },
		{ "{'Id':'a','NetworkSettings':{'Ports':{'80/tcp':{}}}}",
		    "NetworkSettings.Ports.80/tcp: not an array" },
		{ "{'Id':'a','NetworkSettings':{'Networks':{'n':"
		  "{'IPAddress':1}}}}",
		    "NetworkSettings.Networks.*.IPAddress: not a string" },
		{ "{'Id':'a','State':{'ExitCode':'3'}}",
		    "State.ExitCode: not an integer in range" },
		{ "{'Id':'a','State':{'ExitCode':1e300}}",
		    "State.ExitCode: not an integer in range" },
		{ "{'Id':'a','State':{'Running':'yes'}}",
		    "State.Running: not a boolean" },
		{ "{'Id':'a','HostConfig':{'Memory':-1}}",
		    "HostConfig.Memory: not an integer in range" },
		{ "{'Id':'a','HostConfig':{'RestartPolicy':{'Name':5}}}",
		    "HostConfig.RestartPolicy.Name: not a string" },
		{ "{'Id':'a','Config':{'StopTimeout':'30'}}",
		    "Config.StopTimeout: not an integer in range" },
	};
	char err[REGISTRATOR_ERR_MAX];
	struct container *c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *root = fixture_json(cases[i].json);

		err[0] = '\0';
		c = container_from_json(root, err, sizeof(err));
		T_NULL(c);
		T_EQ_STR(err, cases[i].err);
		container_free(c);
		cJSON_Delete(root);
	}
	err[0] = '\0';
	T_NULL(container_parse("{\"Id\":", 6, err, sizeof(err)));
	T_EQ_STR(err, "inspect: invalid JSON");
	/* The length bounds the parse: a valid prefix is not enough. */
	T_NULL(container_parse("{\"Id\":\"a\"} trailing", 8, err, sizeof(err)));
	/* StopTimeout: absent is Docker's default, 0 is stop at once. */
	c = container_parse("{\"Id\":\"a\"}", 10, err, sizeof(err));
	T_ASSERT(c != NULL && c->stop_timeout == -1);
	container_free(c);
	c = container_parse("{\"Id\":\"a\",\"Config\":{\"StopTimeout\":0}}", 37,
	    err, sizeof(err));
	T_CHECK(c != NULL && c->stop_timeout == 0, "%s", err);
	container_free(c);
}

int
main(void)
{
	test_web();
	test_multi();
	test_states();
	test_image_id();
	test_synthetic();
	test_errors();
	return test_report();
}
