/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the pure half of the crash reporter and the janitor:
 * Docker log demultiplexing, stats parsing, the crash decision, the
 * grouping service and reason, label scrubbing, the event a crash sends
 * (no env value, no filtered label value, the fingerprint), which
 * exited containers the janitor may remove, and the cgroup reader on fake
 * v1 and v2 trees.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "json.h"
#include "sentry.h"
#include "xmalloc.h"

#include "registrator.h"
#include "test.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Appends one multiplexed frame. */
static void
frame(struct buf *b, int stream, const char *payload)
{
	size_t n = strlen(payload);
	unsigned char h[8] = { (unsigned char)stream, 0, 0, 0,
		(unsigned char)(n >> 24), (unsigned char)(n >> 16),
		(unsigned char)(n >> 8), (unsigned char)n };

	(void)buf_add(b, h, sizeof(h));
	(void)buf_add(b, payload, n);
}

static void
test_demux(void)
{
	struct buf in = BUF_INITIALIZER(4096), out = BUF_INITIALIZER(4096);
	struct buf small = BUF_INITIALIZER(12);

	frame(&in, 1, "boom\n");
	frame(&in, 2, "oops: ");
	frame(&in, 2, "it broke\nsecond\n");
	frame(&in, 1, "no newline");
	T_EQ_INT(crash_logs_demux(in.data, in.len, &out), 0);
	T_EQ_STR(buf_str(&out),
	    "[stdout] boom\n[stderr] oops: it broke\n"
	    "[stderr] second\n[stdout] no newline\n");

	/* A stream switch in the middle of a line ends that line. */
	buf_reset(&in);
	buf_reset(&out);
	frame(&in, 1, "half");
	frame(&in, 2, "err\n");
	T_EQ_INT(crash_logs_demux(in.data, in.len, &out), 0);
	T_EQ_STR(buf_str(&out), "[stdout] half\n[stderr] err\n");

	/* A cut last frame keeps what arrived. */
	buf_reset(&in);
	buf_reset(&out);
	frame(&in, 1, "complete line\n");
	frame(&in, 1, "cut frame\n");
	T_EQ_INT(crash_logs_demux(in.data, in.len - 7, &out), 0);
	T_EQ_STR(buf_str(&out), "[stdout] complete line\n[stdout] cut\n");

	/* A TTY container's raw output passes as is. */
	buf_reset(&out);
	T_EQ_INT(crash_logs_demux("plain tty\r\n", 11, &out), 0);
	T_EQ_STR(buf_str(&out), "plain tty\r\n");

	/* Garbage after valid frames is named, not decoded. */
	buf_reset(&in);
	buf_reset(&out);
	frame(&in, 1, "ok\n");
	(void)buf_add(&in, "\x07garbage", 8);
	T_EQ_INT(crash_logs_demux(in.data, in.len, &out), 0);
	T_EQ_STR(buf_str(&out), "[stdout] ok\n[... 8 undecodable bytes]\n");

	/* A header shorter than 8 bytes at the end is undecodable too. */
	buf_reset(&in);
	buf_reset(&out);
	frame(&in, 2, "x");
	(void)buf_add(&in, "\x01\0\0", 3);
	T_EQ_INT(crash_logs_demux(in.data, in.len, &out), 0);
	T_EQ_STR(buf_str(&out), "[stderr] x\n[... 3 undecodable bytes]\n");

	/* The cap is reported. */
	buf_reset(&in);
	frame(&in, 1, "a long line that does not fit\n");
	T_EQ_INT(crash_logs_demux(in.data, in.len, &small), -1);
	T_ASSERT(small.len <= 12);

	buf_clear(&in);
	buf_clear(&out);
	buf_clear(&small);
}

static void
test_stats(void)
{
	struct crash_stats st;
	char err[256];
	const char *v1
	    = "{\"read\":\"2026-11-23T16:43:45.3Z\","
	      "\"pids_stats\":{\"current\":3,\"limit\":100},"
	      "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":120084797,"
	      "\"usage_in_kernelmode\":50000000,\"usage_in_usermode\":60000000}},"
	      "\"memory_stats\":{\"usage\":1843200,\"max_usage\":4190208,"
	      "\"limit\":33554432,\"failcnt\":7}}";
	const char *empty
	    = "{\"id\":\"x\",\"name\":\"/x\",\"read\":"
	      "\"0001-01-01T00:00:00Z\",\"memory_stats\":{},\"cpu_stats\":"
	      "{\"cpu_usage\":{\"total_usage\":0}}}";
	const char *zero = "{\"read\":\"0001-01-01T00:00:00Z\","
			   "\"memory_stats\":{\"usage\":0},\"cpu_stats\":{}}";

	memset(&st, 0, sizeof(st));
	T_EQ_INT(crash_stats_parse(v1, strlen(v1), &st, err, sizeof(err)), 0);
	T_ASSERT(st.valid);
	T_EQ_INT(st.mem_usage, 1843200);
	T_EQ_INT(st.mem_max_usage, 4190208);
	T_EQ_INT(st.mem_limit, 33554432);
	T_EQ_INT(st.mem_failcnt, 7);
	T_EQ_INT(st.cpu_total_ns, 120084797);
	T_EQ_INT(st.cpu_user_ns, 60000000);
	T_EQ_INT(st.cpu_system_ns, 50000000);
	T_EQ_INT(st.pids, 3);
	T_EQ_INT(st.pids_limit, 100);
	T_EQ_STR(st.read_at, "2026-11-23T16:43:45.3Z");

	/* A stopped container's answer is refused; st stays as it was. */
	T_EQ_INT(crash_stats_parse(empty, strlen(empty), &st, err, sizeof(err)),
	    -1);
	T_EQ_INT(st.mem_usage, 1843200);
	T_EQ_INT(crash_stats_parse(zero, strlen(zero), &st, err, sizeof(err)),
	    -1);
	T_EQ_INT(crash_stats_parse("{", 1, &st, err, sizeof(err)), -1);
}

static struct container *
make(const char *image, const char *name, int exit_code, bool oom,
    const char *labels_json, const char *policy, int max_retries,
    int restart_count)
{
	struct container *c;
	char *json, err[256];

	json = xasprintf(
	    "{\"Id\":\"%s\",\"Name\":\"/%s\",\"Image\":"
	    "\"sha256:aaaa\",\"RestartCount\":%d,\"Config\":{\"Image\":\"%s\","
	    "\"Env\":[\"PATH=/bin\",\"DB_PASSWORD=hunter2-env-secret\","
	    "\"SERVICE_NAME=envsvc\"],\"Labels\":%s},\"HostConfig\":{"
	    "\"RestartPolicy\":{\"Name\":\"%s\",\"MaximumRetryCount\":%d}},"
	    "\"State\":{\"Status\":\"exited\",\"Running\":false,"
	    "\"OOMKilled\":%s,\"ExitCode\":%d,\"StartedAt\":"
	    "\"2026-11-23T16:19:38.557709826Z\",\"FinishedAt\":"
	    "\"2026-11-23T16:19:39.5Z\"}}",
	    ID64, name, restart_count, image, labels_json, policy, max_retries,
	    oom ? "true" : "false", exit_code);
	c = container_parse(json, strlen(json), err, sizeof(err));
	if (c == NULL)
		fprintf(stderr, "make: %s\n", err);
	free(json);
	return c;
}

static void
test_decision(void)
{
	struct container_state st;
	char r[CRASH_REASON_MAX];

	memset(&st, 0, sizeof(st));
	st.exit_code = 3;
	T_ASSERT(crash_is_crash(&st, false));
	T_ASSERT(!crash_is_crash(&st, true));
	crash_event_reason(&st, r, sizeof(r));
	T_EQ_STR(r, "exit:3");
	st.exit_code = 0;
	T_ASSERT(!crash_is_crash(&st, false));
	st.exit_code = 139;
	crash_event_reason(&st, r, sizeof(r));
	T_EQ_STR(r, "signal:SIGSEGV");
	st.exit_code = 143;
	crash_event_reason(&st, r, sizeof(r));
	T_EQ_STR(r, "signal:SIGTERM");
	T_ASSERT(!crash_is_crash(&st, true));
	st.exit_code = 128 + 40;
	crash_event_reason(&st, r, sizeof(r));
	T_EQ_STR(r, "signal:SIG40");
	st.exit_code = 193;
	crash_event_reason(&st, r, sizeof(r));
	T_EQ_STR(r, "exit:193");
	st.exit_code = 128;
	crash_event_reason(&st, r, sizeof(r));
	T_EQ_STR(r, "exit:128");
	/* OOM wins over an operator stop, and over the signal. */
	st.exit_code = 137;
	st.oom_killed = true;
	T_ASSERT(crash_is_crash(&st, true));
	crash_event_reason(&st, r, sizeof(r));
	T_EQ_STR(r, "oom");
}

static void
test_grouping(void)
{
	struct container *c;
	char s[CRASH_SERVICE_MAX], repo[128], tag[64], dig[128];

	crash_event_image_split("registry.example:5000/team/app:1.2@sha256:ab",
	    repo, sizeof(repo), tag, sizeof(tag), dig, sizeof(dig));
	T_EQ_STR(repo, "registry.example:5000/team/app");
	T_EQ_STR(tag, "1.2");
	T_EQ_STR(dig, "sha256:ab");
	crash_event_image_split("registry.example:5000/team/app", repo,
	    sizeof(repo), tag, sizeof(tag), dig, sizeof(dig));
	T_EQ_STR(repo, "registry.example:5000/team/app");
	T_EQ_STR(tag, "");
	crash_event_image_split("nginx:1.25", repo, sizeof(repo), tag,
	    sizeof(tag), dig, sizeof(dig));
	T_EQ_STR(repo, "nginx");
	T_EQ_STR(tag, "1.25");

	c = make("nginx:1.25", "proj-web-2", 1, false,
	    "{\"com.docker.compose.project\":\"proj\","
	    "\"com.docker.compose.service\":\"web\"}",
	    "no", 0, 0);
	crash_event_service(c, s, sizeof(s));
	T_EQ_STR(s, "proj/web");
	crash_event_loop_key(c, s, sizeof(s));
	T_EQ_STR(s, "proj/web");
	container_free(c);

	c = make("nginx:1.25", "x", 1, false, "{\"SERVICE_NAME\":\"api\"}",
	    "no", 0, 0);
	crash_event_service(c, s, sizeof(s));
	T_EQ_STR(s, "api");
	container_free(c);

	/* No label: SERVICE_NAME from env is what gets registered. */
	c = make("nginx:1.25", "x", 1, false, "{}", "no", 0, 0);
	crash_event_service(c, s, sizeof(s));
	T_EQ_STR(s, "envsvc");
	container_free(c);
}

static void
test_labels(void)
{
	T_ASSERT(crash_event_label_allowed("com.docker.compose.project", NULL));
	T_ASSERT(crash_event_label_allowed("org.opencontainers.image.version",
	    NULL));
	T_ASSERT(crash_event_label_allowed("SERVICE_NAME", NULL));
	T_ASSERT(crash_event_label_allowed("SERVICE_80_NAME", NULL));
	T_ASSERT(crash_event_label_allowed("SERVICE_443_TAGS", NULL));
	T_ASSERT(!crash_event_label_allowed("SERVICE_CHECK_HTTP", NULL));
	T_ASSERT(!crash_event_label_allowed(
	    "traefik.http.middlewares.a.basicauth.users", NULL));
	T_ASSERT(crash_event_label_allowed("team", "team, owner"));
	T_ASSERT(crash_event_label_allowed("owner", "team, owner"));
	T_ASSERT(!crash_event_label_allowed("SERVICE_NAME", "team,owner"));
	T_ASSERT(!crash_event_label_allowed("x", ""));
}

static void
test_event(void)
{
	struct container *c;
	struct crash_report rep;
	struct crash_stats st;
	struct sentry_event *ev;
	struct buf out = BUF_INITIALIZER(SENTRY_EVENT_MAX * 2);
	char err[256];
	const cJSON *fp, *tags, *extra, *res;
	cJSON *doc;

	c = make("registrator-test/busybox:1", "crashy-1", 3, false,
	    "{\"SERVICE_NAME\":\"crashy\",\"secret.token\":"
	    "\"s3cr3t-label-value\",\"org.opencontainers.image.version\":"
	    "\"4.5.6\"}",
	    "no", 0, 0);
	T_NOT_NULL(c);
	memset(&st, 0, sizeof(st));
	st.valid = true;
	st.mem_usage = 1000;
	st.mem_max_usage = 2000;
	st.mem_limit = 4000;
	st.mem_failcnt = 0;
	st.cpu_total_ns = 5;
	st.cpu_user_ns = st.cpu_system_ns = -1;
	st.pids = 1;
	st.pids_limit = -1;
	memset(&rep, 0, sizeof(rep));
	rep.c = c;
	rep.host = "dockerhost";
	rep.logs = "[stdout] boom\n";
	rep.stats = &st;
	rep.stats_age_ms = 250;
	ev = crash_event_build(&rep);
	T_EQ_INT(sentry_event_serialize(ev, &out, err, sizeof(err)), 0);
	T_ASSERT(strstr(buf_str(&out), "hunter2") == NULL);
	T_ASSERT(strstr(buf_str(&out), "DB_PASSWORD") == NULL);
	T_ASSERT(strstr(buf_str(&out), "s3cr3t") == NULL);
	doc = cJSON_Parse(buf_str(&out));
	T_NOT_NULL(doc);
	fp = cJSON_GetObjectItem(doc, "fingerprint");
	T_EQ_INT(cJSON_GetArraySize(fp), 3);
	T_EQ_STR(cJSON_GetArrayItem(fp, 0)->valuestring, "docker-crash");
	T_EQ_STR(cJSON_GetArrayItem(fp, 1)->valuestring, "crashy");
	T_EQ_STR(cJSON_GetArrayItem(fp, 2)->valuestring, "exit:3");
	T_EQ_STR(cJSON_GetObjectItem(doc, "release")->valuestring, "1");
	T_EQ_STR(cJSON_GetObjectItem(doc, "server_name")->valuestring,
	    "dockerhost");
	tags = cJSON_GetObjectItem(doc, "tags");
	T_EQ_STR(cJSON_GetObjectItem(tags, "exit_code")->valuestring, "3");
	T_EQ_STR(cJSON_GetObjectItem(tags, "oom")->valuestring, "false");
	T_EQ_STR(cJSON_GetObjectItem(tags, "service")->valuestring, "crashy");
	T_EQ_STR(cJSON_GetObjectItem(tags, "image")->valuestring,
	    "registrator-test/busybox:1");
	extra = cJSON_GetObjectItem(doc, "extra");
	T_EQ_STR(cJSON_GetObjectItem(extra, "logs")->valuestring,
	    "[stdout] boom\n");
	T_EQ_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(extra, "labels"),
		     "secret.token")
		     ->valuestring,
	    CRASH_FILTERED);
	T_EQ_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(extra, "labels"),
		     "SERVICE_NAME")
		     ->valuestring,
	    "crashy");
	res = json_path(doc, "contexts.resources");
	T_EQ_INT(cJSON_GetObjectItem(res, "memory_max_usage_bytes")->valueint,
	    2000);
	T_NULL(cJSON_GetObjectItem(res, "cpu_user_ns"));
	T_EQ_STR(json_path_str(doc, "contexts.container.image_version"),
	    "4.5.6");
	T_EQ_INT(json_path(doc, "contexts.state.exit_code")->valueint, 3);
	cJSON_Delete(doc);
	sentry_event_free(ev);
	container_free(c);

	/* OOM: reason oom, no sample: says so. */
	c = make("app@sha256:beef", "big", 137, true, "{}", "no", 0, 0);
	memset(&rep, 0, sizeof(rep));
	rep.c = c;
	rep.logs_error = "logs not read: the container was removed first";
	ev = crash_event_build(&rep);
	T_EQ_INT(sentry_event_serialize(ev, &out, err, sizeof(err)), 0);
	doc = cJSON_Parse(buf_str(&out));
	T_EQ_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "fingerprint"), 2)
		     ->valuestring,
	    "oom");
	T_EQ_STR(cJSON_GetObjectItem(doc, "release")->valuestring,
	    "sha256:beef");
	T_EQ_STR(json_path_str(doc, "tags.oom"), "true");
	T_NOT_NULL(json_path(doc, "contexts.resources.unavailable"));
	T_NOT_NULL(json_path(doc, "extra.logs_error"));
	cJSON_Delete(doc);
	sentry_event_free(ev);
	container_free(c);
	buf_clear(&out);
}

static void
test_janitor(void)
{
	struct container *c;
	char why[128];
	int64_t ms;

	c = make("img:1", "done", 3, false, "{\"team\":\"a\"}", "no", 0, 0);
	T_ASSERT(janitor_removable(c, NULL, why, sizeof(why)));
	T_ASSERT(janitor_removable(c, "team", why, sizeof(why)));
	T_ASSERT(janitor_removable(c, "team=a", why, sizeof(why)));
	T_ASSERT(!janitor_removable(c, "team=b", why, sizeof(why)));
	T_ASSERT(!janitor_removable(c, "owner", why, sizeof(why)));
	c->state.running = true;
	T_ASSERT(!janitor_removable(c, NULL, why, sizeof(why)));
	T_EQ_STR(why, "running");
	container_free(c);

	c = make("img:1", "loop", 3, false, "{}", "always", 0, 4);
	T_ASSERT(!janitor_removable(c, NULL, why, sizeof(why)));
	container_free(c);
	c = make("img:1", "loop", 3, false, "{}", "on-failure", 5, 2);
	T_ASSERT(!janitor_removable(c, NULL, why, sizeof(why)));
	container_free(c);
	/* Out of retries: Docker will not restart it again. */
	c = make("img:1", "loop", 3, false, "{}", "on-failure", 5, 5);
	T_ASSERT(janitor_removable(c, NULL, why, sizeof(why)));
	container_free(c);
	c = make("img:1", "ok", 0, false, "{}", "on-failure", 0, 0);
	T_ASSERT(janitor_removable(c, NULL, why, sizeof(why)));
	container_free(c);

	T_EQ_INT(janitor_parse_time("1970-01-01T00:00:01.5Z", &ms), 0);
	T_EQ_INT(ms, 1500);
	T_EQ_INT(janitor_parse_time("1970-01-01T01:00:01+01:00", &ms), 0);
	T_EQ_INT(ms, 1000);
	T_EQ_INT(janitor_parse_time("2026-11-23T16:19:38.557709826Z", &ms), 0);
	T_EQ_INT(ms, 1795450778557LL);
	T_EQ_INT(janitor_parse_time("0001-01-01T00:00:00Z", &ms), -1);
	T_EQ_INT(janitor_parse_time("yesterday", &ms), -1);
	T_EQ_INT(janitor_parse_time("2026-11-23T16:19:38Zjunk", &ms), -1);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Writes root/rel with text, creating the directories on the way. */
static void
put(const char *root, const char *rel, const char *text)
{
	char path[1024], *p;
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		(void)mkdir(path, 0700);
		*p = '/';
	}
	f = fopen(path, "w");
	if (f != NULL) {
		(void)fputs(text, f);
		(void)fclose(f);
	}
}

static void
test_cgroup(void)
{
	char v1[] = "/tmp/test_crash_cg1.XXXXXX",
	     v2[] = "/tmp/test_crash_cg2.XXXXXX";
	struct crash_stats st;
	long ticks = sysconf(_SC_CLK_TCK);

	T_NOT_NULL(mkdtemp(v1));
	T_NOT_NULL(mkdtemp(v2));
	memset(&st, 0, sizeof(st));
	T_EQ_INT(crash_stats_cgroup_read(v1, ID64, 1000, &st), -1);
	T_ASSERT(!st.valid);

	put(v1, "memory/docker/" ID64 "/memory.usage_in_bytes", "1552384\n");
	put(v1, "memory/docker/" ID64 "/memory.max_usage_in_bytes",
	    "3858432\n");
	put(v1, "memory/docker/" ID64 "/memory.limit_in_bytes",
	    "9223372036854771712\n");
	put(v1, "memory/docker/" ID64 "/memory.failcnt", "2\n");
	put(v1, "cpuacct/docker/" ID64 "/cpuacct.usage", "114206123\n");
	put(v1, "cpuacct/docker/" ID64 "/cpuacct.stat", "user 6\nsystem 5\n");
	put(v1, "pids/docker/" ID64 "/pids.current", "1\n");
	put(v1, "pids/docker/" ID64 "/pids.max", "max\n");
	T_EQ_INT(crash_stats_cgroup_read(v1, ID64, 1000, &st), 0);
	T_ASSERT(st.valid);
	T_EQ_INT(st.mem_usage, 1552384);
	T_EQ_INT(st.mem_max_usage, 3858432);
	T_EQ_INT(st.mem_limit, 1000); /* unlimited: the host's RAM */
	T_EQ_INT(st.mem_failcnt, 2);
	T_EQ_INT(st.cpu_total_ns, 114206123);
	T_EQ_INT(st.cpu_user_ns, 6 * (1000000000LL / ticks));
	T_EQ_INT(st.cpu_system_ns, 5 * (1000000000LL / ticks));
	T_EQ_INT(st.pids, 1);
	T_EQ_INT(st.pids_limit, -1);

	put(v2, "system.slice/docker-" ID64 ".scope/memory.current", "4096\n");
	put(v2, "system.slice/docker-" ID64 ".scope/memory.max", "16777216\n");
	put(v2, "system.slice/docker-" ID64 ".scope/memory.events",
	    "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
	put(v2, "system.slice/docker-" ID64 ".scope/cpu.stat",
	    "usage_usec 250\nuser_usec 200\nsystem_usec 50\n");
	put(v2, "system.slice/docker-" ID64 ".scope/pids.current", "3\n");
	put(v2, "system.slice/docker-" ID64 ".scope/pids.max", "100\n");
	T_EQ_INT(crash_stats_cgroup_read(v2, ID64, 1000, &st), 0);
	T_EQ_INT(st.mem_usage, 4096);
	T_EQ_INT(st.mem_max_usage, -1); /* no memory.peak before 5.19 */
	T_EQ_INT(st.mem_limit, 16777216);
	T_EQ_INT(st.mem_failcnt, 1);
	T_EQ_INT(st.cpu_total_ns, 250000);
	T_EQ_INT(st.cpu_user_ns, 200000);
	T_EQ_INT(st.pids, 3);
	T_EQ_INT(st.pids_limit, 100);

	T_EQ_INT(nftw(v1, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	T_EQ_INT(nftw(v2, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/*
 * The crash-loop throttle: a service crashing every second for 2 minutes
 * with a 30 s window sends its first crash at once, then one event per
 * window, and the counts the events carry add up to every crash.
 */
static void
test_throttle(void)
{
	struct crash_throttle *t = crash_throttle_new(30000);
	struct crash_throttle_verdict v;
	unsigned long long sent = 0, events = 0;
	uint64_t ms;
	int r, held = 0;

	for (ms = 1000; ms <= 120000; ms += 1000) {
		/* The loop's timer fires before the crash due at that time. */
		while (crash_throttle_due(t, ms, &v) == 1) {
			T_EQ_INT(v.slot, 0);
			T_ASSERT(v.first_s <= v.last_s);
			sent += v.crashes;
			events++;
			held = 0;
		}
		r = crash_throttle_crash(t, "web", ms, (int64_t)(ms / 1000),
		    &v);
		if (ms == 1000) {
			T_EQ_INT(r, CRASH_THROTTLE_SEND);
			T_EQ_INT(v.crashes, 1);
		}
		if (r == CRASH_THROTTLE_SEND) {
			sent += v.crashes;
			events++;
		} else {
			held = 1;
			T_EQ_INT(v.slot, 0);
		}
	}
	T_EQ_INT(held, 1);
	T_EQ_INT(crash_throttle_next_ms(t), 121000);
	T_EQ_INT(crash_throttle_take(t, &v), 1);
	T_EQ_INT(v.first_s, 91);
	T_EQ_INT(v.last_s, 120);
	sent += v.crashes;
	events++;
	T_EQ_INT(sent, 120);
	/* 1 at once, one per 30 s window after it, one at shutdown. */
	T_EQ_INT(events, 5);
	T_EQ_INT(crash_throttle_take(t, &v), 0);
	T_EQ_INT(crash_throttle_next_ms(t), UINT64_MAX);

	/* Another service is not held by the first one's window. */
	T_EQ_INT(crash_throttle_crash(t, "api", 121000, 121, &v),
	    CRASH_THROTTLE_SEND);
	/* A crash after a quiet window is sent at once, count 1. */
	T_EQ_INT(crash_throttle_crash(t, "web", 200000, 200, &v),
	    CRASH_THROTTLE_SEND);
	T_EQ_INT(v.crashes, 1);
	/* Held, then the window ends before the tick: it carries both. */
	T_EQ_INT(crash_throttle_crash(t, "web", 201000, 201, &v),
	    CRASH_THROTTLE_HOLD);
	T_EQ_INT(crash_throttle_crash(t, "web", 231000, 231, &v),
	    CRASH_THROTTLE_SEND);
	T_EQ_INT(v.crashes, 2);
	T_EQ_INT(v.first_s, 201);
	crash_throttle_free(t);

	/* The table is full of looping services: one more is sent. */
	t = crash_throttle_new(30000);
	for (ms = 0; ms < CRASH_THROTTLE_SERVICES_MAX; ms++) {
		char name[16];

		(void)snprintf(name, sizeof(name), "s%llu",
		    (unsigned long long)ms);
		(void)crash_throttle_crash(t, name, 1000, 1, &v);
		T_EQ_INT(crash_throttle_crash(t, name, 1001, 1, &v),
		    CRASH_THROTTLE_HOLD);
	}
	T_EQ_INT(crash_throttle_crash(t, "one-more", 1002, 1, &v),
	    CRASH_THROTTLE_SEND);
	T_EQ_INT(v.slot, -1);
	crash_throttle_free(t);

	/* Window 0: no throttle. */
	t = crash_throttle_new(0);
	T_EQ_INT(crash_throttle_crash(t, "web", 5, 0, &v), CRASH_THROTTLE_SEND);
	T_EQ_INT(crash_throttle_crash(t, "web", 5, 0, &v), CRASH_THROTTLE_SEND);
	T_EQ_INT(v.crashes, 1);
	crash_throttle_free(t);
}

int
main(void)
{
	xmalloc_init_cjson();
	test_demux();
	test_stats();
	test_decision();
	test_grouping();
	test_labels();
	test_event();
	test_janitor();
	test_cgroup();
	test_throttle();
	return test_report();
}
