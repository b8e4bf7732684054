/* SPDX-License-Identifier: MIT */
/*
 * docker.c's /events line parser: which events mark a container for an
 * inspect, which ID they name, the timeNano kept for since=, and that
 * attributes a container's labels can replace decide nothing but the
 * die exit code crash.c already distrusts.  The lines follow what Docker
 * Engine 20.10 sends (tests/fuzz/events/ holds captured ones).
 */
#include <stdio.h>
#include <string.h>

#include "registrator.h"
#include "test.h"

#define CID "3f4e8a1c2b7d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"
#define CID2 "aaaaaaaaaaaabbbbbbbbbbbbccccccccccccddddddddddddeeeeeeeeeeeeffff"
#define NID "9d1b6a70e3e5c9f0a4b2d8c7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7"
#define T_NS "1700000000000000000"

/* A container event line for CID with the given action and attributes. */
static void
ctr_line(char *out, size_t len, const char *action, const char *attrs)
{
	(void)snprintf(out, len,
	    "{\"status\":\"%s\",\"id\":\"" CID "\",\"from\":\"busybox\","
	    "\"Type\":\"container\",\"Action\":\"%s\",\"Actor\":{\"ID\":\"" CID
	    "\",\"Attributes\":{%s}},\"scope\":\"local\","
	    "\"time\":1700000000,\"timeNano\":" T_NS "}",
	    action, action, attrs);
}

static int
parse(const char *line, struct docker_event *ev, char *err, size_t errlen)
{
	err[0] = '\0';
	return docker_event_parse(line, strlen(line), ev, err, errlen);
}

/* A container event that marks CID with bits and no exit code. */
static void
marks(const char *action, unsigned bits)
{
	struct docker_event ev;
	char line[1024], err[REGISTRATOR_ERR_MAX];

	ctr_line(line, sizeof(line), action,
	    "\"image\":\"busybox\",\"name\":\"web\"");
	T_EQ_INT(parse(line, &ev, err, sizeof(err)), 0);
	T_CHECK(ev.actions == bits, "%s: actions %#x, want %#x", action,
	    ev.actions, bits);
	T_EQ_STR(ev.id, CID);
	T_EQ_STR(ev.action, action);
	T_CHECK(ev.time_ns == 1700000000000000000ull, "%s: time_ns %llu",
	    action, (unsigned long long)ev.time_ns);
	T_EQ_INT(ev.exit_code, -1);
}

/* An event docker.c ignores: no actions (the line itself parses). */
static void
ignored(const char *line)
{
	struct docker_event ev;
	char err[REGISTRATOR_ERR_MAX];

	T_EQ_INT(parse(line, &ev, err, sizeof(err)), 0);
	T_CHECK(ev.actions == 0, "%s: actions %#x", line, ev.actions);
	T_EQ_STR(ev.id, "");
	T_EQ_INT(ev.exit_code, -1);
}

/* An event of interest whose container ID is unusable. */
static void
no_id(const char *line, unsigned bits)
{
	struct docker_event ev;
	char err[REGISTRATOR_ERR_MAX];

	T_EQ_INT(parse(line, &ev, err, sizeof(err)), 0);
	T_CHECK(ev.actions == bits, "%s: actions %#x", line, ev.actions);
	T_EQ_STR(ev.id, "");
}

static int
die_exit(const char *attrs)
{
	struct docker_event ev;
	char line[1024], err[REGISTRATOR_ERR_MAX];

	ctr_line(line, sizeof(line), "die", attrs);
	T_EQ_INT(parse(line, &ev, err, sizeof(err)), 0);
	T_CHECK(ev.actions == DOCKER_ACT_DIE, "%s: actions %#x", attrs,
	    ev.actions);
	return ev.exit_code;
}

static void
not_json(const char *line, size_t len)
{
	struct docker_event ev;
	char err[REGISTRATOR_ERR_MAX] = "";

	T_EQ_INT(docker_event_parse(line, len, &ev, err, sizeof(err)), -1);
	T_EQ_STR(err, "event is not JSON");
	T_CHECK(ev.actions == 0 && ev.id[0] == '\0' && ev.time_ns == 0,
	    "%.*s: event not cleared", (int)len, line);
}

static void
test_actions(void)
{
	marks("start", DOCKER_ACT_START);
	marks("restart", DOCKER_ACT_START);
	marks("die", DOCKER_ACT_DIE);
	marks("kill", DOCKER_ACT_KILL);
	marks("stop", DOCKER_ACT_KILL);
	marks("destroy", DOCKER_ACT_DESTROY);
	marks("rename", DOCKER_ACT_RENAME);
	marks("oom", DOCKER_ACT_OOM);
	marks("health_status: healthy", DOCKER_ACT_HEALTH);
	marks("health_status: unhealthy", DOCKER_ACT_HEALTH);
	marks("health_status", DOCKER_ACT_HEALTH);
}

static void
test_ignored(void)
{
	char line[1024];

	ctr_line(line, sizeof(line), "exec_create: sh -c true",
	    "\"execID\":\"1\"");
	ignored(line);
	ctr_line(line, sizeof(line), "exec_start: sh -c true",
	    "\"execID\":\"1\"");
	ignored(line);
	ctr_line(line, sizeof(line), "exec_die", "\"exitCode\":\"1\"");
	ignored(line);
	ctr_line(line, sizeof(line), "create", "");
	ignored(line);
	ctr_line(line, sizeof(line), "attach", "");
	ignored(line);
	ctr_line(line, sizeof(line), "START", "");
	ignored(line);
	/* Other types, even with a container action and a container ID. */
	ignored("{\"Type\":\"image\",\"Action\":\"start\",\"Actor\":"
		"{\"ID\":\"" CID "\"}}");
	ignored(
	    "{\"Type\":\"volume\",\"Action\":\"destroy\",\"Actor\":"
	    "{\"ID\":\"" CID "\",\"Attributes\":{\"container\":\"" CID "\"}}}");
	ignored(
	    "{\"Type\":\"network\",\"Action\":\"create\",\"Actor\":"
	    "{\"ID\":\"" NID "\",\"Attributes\":{\"container\":\"" CID "\"}}}");
	ignored("{\"Type\":\"network\",\"Action\":\"destroy\",\"Actor\":"
		"{\"ID\":\"" NID "\"}}");
	/* Type and Action must be strings. */
	ignored(
	    "{\"Type\":1,\"Action\":\"start\",\"Actor\":{\"ID\":\"" CID "\"}}");
	ignored(
	    "{\"Type\":\"container\",\"Action\":null,\"Actor\":{\"ID\":\"" CID
	    "\"}}");
	ignored("{\"status\":\"start\",\"id\":\"" CID "\"}");
	/* Valid JSON that is not an object. */
	ignored("[]");
	ignored("\"start\"");
	ignored("17");
	ignored("{}");
}

static void
test_network(void)
{
	struct docker_event ev;
	char err[REGISTRATOR_ERR_MAX];

	/* The container is an attribute; Actor.ID is the network's. */
	T_EQ_INT(parse("{\"Type\":\"network\",\"Action\":\"connect\","
		       "\"Actor\":{\"ID\":\"" NID "\",\"Attributes\":"
		       "{\"container\":\"" CID "\",\"name\":\"bridge\","
		       "\"type\":\"bridge\"}},\"scope\":\"local\","
		       "\"time\":1700000000,\"timeNano\":" T_NS "}",
		     &ev, err, sizeof(err)),
	    0);
	T_EQ_INT(ev.actions, DOCKER_ACT_NETWORK);
	T_EQ_STR(ev.id, CID);
	T_EQ_STR(ev.action, "connect");
	T_EQ_INT(ev.exit_code, -1);
	T_EQ_INT(parse("{\"Type\":\"network\",\"Action\":\"disconnect\","
		       "\"Actor\":{\"ID\":\"" NID "\",\"Attributes\":"
		       "{\"container\":\"" CID2 "\"}}}",
		     &ev, err, sizeof(err)),
	    0);
	T_EQ_INT(ev.actions, DOCKER_ACT_NETWORK);
	T_EQ_STR(ev.id, CID2);
	no_id("{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":"
	      "\"" CID "\"}}",
	    DOCKER_ACT_NETWORK);
	no_id("{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":"
	      "\"" NID "\",\"Attributes\":{\"container\":7}}}",
	    DOCKER_ACT_NETWORK);
}

static void
test_ids(void)
{
	struct docker_event ev;
	char err[REGISTRATOR_ERR_MAX];

	no_id("{\"Type\":\"container\",\"Action\":\"start\"}",
	    DOCKER_ACT_START);
	no_id("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{}}",
	    DOCKER_ACT_START);
	no_id("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":"
	      "{\"ID\":\"\"}}",
	    DOCKER_ACT_START);
	no_id("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":"
	      "{\"ID\":\"" CID "0\"}}",
	    DOCKER_ACT_START);
	no_id("{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":"
	      "{\"ID\":\"../../info\"}}",
	    DOCKER_ACT_DIE);
	no_id("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":"
	      "{\"ID\":12345}}",
	    DOCKER_ACT_START);
	/* The top-level "id" (API < 1.22) is not read. */
	no_id("{\"Type\":\"container\",\"Action\":\"start\",\"id\":\"" CID
	      "\"}",
	    DOCKER_ACT_START);
	/* A container event's ID never comes from a (label) attribute. */
	no_id("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":"
	      "{\"Attributes\":{\"container\":\"" CID "\",\"ID\":\"" CID
	      "\"}}}",
	    DOCKER_ACT_START);
	/* A short (prefix) ID is a valid one, as before. */
	T_EQ_INT(parse("{\"Type\":\"container\",\"Action\":\"kill\","
		       "\"Actor\":{\"ID\":\"3f4e8a1c2b7d\"}}",
		     &ev, err, sizeof(err)),
	    0);
	T_EQ_INT(ev.actions, DOCKER_ACT_KILL);
	T_EQ_STR(ev.id, "3f4e8a1c2b7d");
}

/*
 * Docker copies the container's labels into Attributes after its own
 * exitCode (20.10: daemon/events.go), so a label named exitCode, name or
 * container is what the parser sees: only die's exitCode is handed on,
 * and crash.c ignores it for a container with an exitCode label.
 */
static void
test_attributes(void)
{
	struct docker_event ev;
	char line[1024], err[REGISTRATOR_ERR_MAX];

	T_EQ_INT(die_exit("\"exitCode\":\"137\",\"name\":\"web\""), 137);
	T_EQ_INT(die_exit("\"exitCode\":\"0\""), 0);
	T_EQ_INT(die_exit("\"exitCode\":\"255\""), 255);
	T_EQ_INT(die_exit("\"exitCode\":\"256\""), -1);
	T_EQ_INT(die_exit("\"exitCode\":\"-1\""), -1);
	T_EQ_INT(die_exit("\"exitCode\":\"1 \""), -1);
	T_EQ_INT(die_exit("\"exitCode\":\"\""), -1);
	T_EQ_INT(die_exit("\"exitCode\":\"0x10\""), -1);
	T_EQ_INT(die_exit("\"exitCode\":3"), -1);
	T_EQ_INT(die_exit(""), -1);
	/* Only die carries an exit code, whatever the attributes say. */
	ctr_line(line, sizeof(line), "stop", "\"exitCode\":\"9\"");
	T_EQ_INT(parse(line, &ev, err, sizeof(err)), 0);
	T_EQ_INT(ev.exit_code, -1);
	ctr_line(line, sizeof(line), "oom", "\"exitCode\":\"137\"");
	T_EQ_INT(parse(line, &ev, err, sizeof(err)), 0);
	T_EQ_INT(ev.exit_code, -1);
	/* A kill's signal, 1..64; anything else, or another event: 0. */
	ctr_line(line, sizeof(line), "kill", "\"signal\":\"15\"");
	T_EQ_INT(parse(line, &ev, err, sizeof(err)), 0);
	T_EQ_INT(ev.signal, 15);
	ctr_line(line, sizeof(line), "kill", "\"signal\":\"65\"");
	T_EQ_INT(parse(line, &ev, err, sizeof(err)), 0);
	T_EQ_INT(ev.signal, 0);
	ctr_line(line, sizeof(line), "kill", "\"signal\":1");
	T_EQ_INT(parse(line, &ev, err, sizeof(err)), 0);
	T_EQ_INT(ev.signal, 0);
	ctr_line(line, sizeof(line), "die", "\"signal\":\"9\"");
	T_EQ_INT(parse(line, &ev, err, sizeof(err)), 0);
	T_EQ_INT(ev.signal, 0);
	/* name, container, ID or Type labels change neither ID nor kind. */
	ctr_line(line, sizeof(line), "start",
	    "\"name\":\"" CID2 "\",\"container\":\"" CID2 "\",\"ID\":\"" CID2
	    "\",\"Type\":\"network\",\"Action\":\"destroy\"");
	T_EQ_INT(parse(line, &ev, err, sizeof(err)), 0);
	T_EQ_INT(ev.actions, DOCKER_ACT_START);
	T_EQ_STR(ev.id, CID);
	/* A network event with labels in its attributes: container wins. */
	T_EQ_INT(parse("{\"Type\":\"network\",\"Action\":\"connect\","
		       "\"Actor\":{\"ID\":\"" NID "\",\"Attributes\":"
		       "{\"container\":\"" CID "\",\"exitCode\":\"3\"}}}",
		     &ev, err, sizeof(err)),
	    0);
	T_EQ_STR(ev.id, CID);
	T_EQ_INT(ev.exit_code, -1);
}

static void
test_time(void)
{
	struct docker_event ev;
	char err[REGISTRATOR_ERR_MAX];

	/* Kept from any event, also one that is otherwise ignored. */
	T_EQ_INT(parse("{\"Type\":\"image\",\"Action\":\"pull\","
		       "\"timeNano\":1700000000123456768}",
		     &ev, err, sizeof(err)),
	    0);
	T_EQ_INT(ev.actions, 0);
	T_CHECK(ev.time_ns == 1700000000123456768ull, "time_ns %llu",
	    (unsigned long long)ev.time_ns);
	T_EQ_INT(parse("{\"timeNano\":0}", &ev, err, sizeof(err)), 0);
	T_EQ_INT(ev.time_ns, 0);
	T_EQ_INT(parse("{\"timeNano\":-5}", &ev, err, sizeof(err)), 0);
	T_EQ_INT(ev.time_ns, 0);
	T_EQ_INT(parse("{\"timeNano\":\"1700000000000000000\"}", &ev, err,
		     sizeof(err)),
	    0);
	T_EQ_INT(ev.time_ns, 0);
	T_EQ_INT(parse("{\"time\":1700000000}", &ev, err, sizeof(err)), 0);
	T_EQ_INT(ev.time_ns, 0);
	/* Past uint64_t (a fuzz finding: the conversion was undefined). */
	T_EQ_INT(parse("{\"Type\":\"container\",\"Action\":\"die\","
		       "\"Actor\":{\"ID\":\"" CID "\"},\"timeNano\":1.7e50}",
		     &ev, err, sizeof(err)),
	    0);
	T_EQ_INT(ev.time_ns, 0);
	T_EQ_STR(ev.id, CID);
	T_EQ_INT(parse("{\"timeNano\":1e999}", &ev, err, sizeof(err)), 0);
	T_EQ_INT(ev.time_ns, 0);
	T_EQ_INT(
	    parse("{\"timeNano\":18446744073709549568}", &ev, err, sizeof(err)),
	    0);
	T_CHECK(ev.time_ns == 18446744073709549568ull, "time_ns %llu",
	    (unsigned long long)ev.time_ns);
}

static void
test_not_json(void)
{
	const char *ok = "{\"Type\":\"container\",\"Action\":\"start\","
			 "\"Actor\":{\"ID\":\"" CID "\"}}";
	struct docker_event ev;
	char err[REGISTRATOR_ERR_MAX];

	not_json("", 0);
	not_json("{", 1);
	not_json("not json", 8);
	not_json("{\"Type\":\"container\",\"Action\":\"start\"", 37);
	/* len bounds the parse: a cut line is not JSON... */
	not_json(ok, strlen(ok) - 1);
	/* ...and bytes past len are not read. */
	{
		char line[256];

		(void)snprintf(line, sizeof(line), "%s garbage", ok);
		T_EQ_INT(
		    docker_event_parse(line, strlen(ok), &ev, err, sizeof(err)),
		    0);
		T_EQ_STR(ev.id, CID);
	}
	/* A small err buffer is filled, truncated, not overrun. */
	{
		char small[6] = "xxxxx";

		T_EQ_INT(docker_event_parse("{", 1, &ev, small, 4), -1);
		T_EQ_STR(small, "eve");
		T_EQ_INT(small[4], 'x');
	}
}

static void
test_long_action(void)
{
	struct docker_event ev;
	char line[1024], action[300], err[REGISTRATOR_ERR_MAX];

	(void)snprintf(action, sizeof(action), "health_status: %0200d", 0);
	ctr_line(line, sizeof(line), action, "");
	T_EQ_INT(parse(line, &ev, err, sizeof(err)), 0);
	T_EQ_INT(ev.actions, DOCKER_ACT_HEALTH);
	T_EQ_INT(strlen(ev.action), DOCKER_EVENT_ACTION_MAX);
	T_CHECK(strncmp(ev.action, action, DOCKER_EVENT_ACTION_MAX) == 0,
	    "action %s", ev.action);
	T_EQ_STR(ev.id, CID);
}

/*
 * Lines captured from Docker Engine 20.10 (tests/fuzz/events/, run from
 * tests/).  container-die-labels is the die of a container labelled
 * exitCode=0 that was killed: Docker says "0" where the exit was 137.
 */
static void
test_captured(void)
{
	static const struct {
		const char *file;
		unsigned actions;
		const char *id; /* first 12 digits, or "" */
		int exit_code;
	} cases[] = {
		{ "container-create", 0, "", -1 },
		{ "container-attach", 0, "", -1 },
		{ "container-exec_create-labels", 0, "", -1 },
		{ "container-exec_start-labels", 0, "", -1 },
		{ "container-exec_die-labels", 0, "", -1 },
		{ "network-create", 0, "", -1 },
		{ "network-destroy", 0, "", -1 },
		{ "container-start", DOCKER_ACT_START, "fabcfa94a40a", -1 },
		{ "container-start-labels", DOCKER_ACT_START, "ab20df1c3866",
		    -1 },
		{ "container-restart-labels", DOCKER_ACT_START, "ab20df1c3866",
		    -1 },
		{ "container-health_status-labels", DOCKER_ACT_HEALTH,
		    "ab20df1c3866", -1 },
		{ "container-rename-labels", DOCKER_ACT_RENAME, "ab20df1c3866",
		    -1 },
		{ "container-kill-labels", DOCKER_ACT_KILL, "ab20df1c3866",
		    -1 },
		{ "container-stop-labels", DOCKER_ACT_KILL, "ab20df1c3866",
		    -1 },
		{ "container-die-3", DOCKER_ACT_DIE, "fabcfa94a40a", 3 },
		{ "container-die-137", DOCKER_ACT_DIE, "3a747f606465", 137 },
		{ "container-die-labels", DOCKER_ACT_DIE, "ab20df1c3866", 0 },
		{ "container-oom", DOCKER_ACT_OOM, "3a747f606465", -1 },
		{ "container-destroy", DOCKER_ACT_DESTROY, "3a747f606465", -1 },
		{ "container-destroy-labels", DOCKER_ACT_DESTROY,
		    "ab20df1c3866", -1 },
		{ "network-connect", DOCKER_ACT_NETWORK, "ab20df1c3866", -1 },
		{ "network-disconnect", DOCKER_ACT_NETWORK, "ab20df1c3866",
		    -1 },
	};
	struct docker_event ev;
	char path[256], line[4096], err[REGISTRATOR_ERR_MAX];
	size_t i, n;
	FILE *f;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(path, sizeof(path), "fuzz/events/%s",
		    cases[i].file);
		f = fopen(path, "r");
		T_CHECK(f != NULL, "%s: cannot open", path);
		if (f == NULL)
			continue;
		n = fread(line, 1, sizeof(line), f);
		(void)fclose(f);
		T_CHECK(n > 0 && n < sizeof(line), "%s: %zu bytes", path, n);
		T_EQ_INT(docker_event_parse(line, n, &ev, err, sizeof(err)), 0);
		T_CHECK(ev.actions == cases[i].actions, "%s: actions %#x", path,
		    ev.actions);
		T_CHECK(strlen(ev.id) == (cases[i].id[0] != '\0' ? 64 : 0)
			&& strncmp(ev.id, cases[i].id, 12) == 0,
		    "%s: id \"%s\"", path, ev.id);
		T_CHECK(ev.exit_code == cases[i].exit_code, "%s: exit %d", path,
		    ev.exit_code);
		T_CHECK(ev.time_ns / 1000000000u > 1700000000u,
		    "%s: time_ns %llu", path, (unsigned long long)ev.time_ns);
	}
}

int
main(void)
{
	test_actions();
	test_ignored();
	test_network();
	test_ids();
	test_attributes();
	test_time();
	test_not_json();
	test_long_action();
	test_captured();
	return test_report();
}
