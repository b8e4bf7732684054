/* SPDX-License-Identifier: MIT */
/*
 * The crash reporter: it sees every container change docker.c hands on
 * (before reconcile.c does), keeps per container whether an operator
 * asked it to stop since its last start and the last resource sample
 * taken while it ran, and on a die whose inspect shows a crash it reads
 * the container's last log lines, builds a Sentry event (grouped by
 * service and reason) and queues it on the Sentry transport.  The first
 * half of the file is pure (log demultiplexing, stats parsing, the crash
 * decision, grouping, the event), the second half runs on the loop.
 * Sending never blocks registration: the transport queues and drops.
 */
#include <sys/queue.h>

#include <sys/sysinfo.h>

#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "sentry.h"
#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

#define CRASH_STDOUT "[stdout] "
#define CRASH_STDERR "[stderr] "
#define CRASH_PATH_MAX 256
/*
 * A die this soon after a kill or stop event is the operator's doing.
 * docker stop waits 10 s (compose too) before its SIGKILL; a kill long
 * before a die (a SIGHUP to reload, say) does not excuse a later crash.
 */
#define CRASH_KILL_WINDOW_MS 120000
/*
 * Stats requests in flight at once: a one-shot sample takes the daemon
 * about a second, and the connections are shared with registration.
 */
#define CRASH_STATS_INFLIGHT_MAX 4
#define CRASH_CGROUP_ROOT "/sys/fs/cgroup"

/* ---- pure: logs ---- */

static bool
crash_header_valid(const unsigned char *h)
{
	return h[0] <= 2 && h[1] == 0 && h[2] == 0 && h[3] == 0;
}

int
crash_logs_demux(const char *data, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t off = 0;
	int cur = -1; /* stream of the open line, -1: none */

	if (len < 8 || !crash_header_valid(p))
		return buf_add(out, data, len);
	while (off < len) {
		uint32_t n;
		int stream;
		size_t end;

		if (len - off < 8 || !crash_header_valid(p + off)) {
			if (cur != -1 && buf_addc(out, '\n') == -1)
				return -1;
			return buf_addf(out, "[... %zu undecodable bytes]\n",
			    len - off);
		}
		stream = p[off] == 2 ? 2 : 1;
		n = (uint32_t)p[off + 4] << 24 | (uint32_t)p[off + 5] << 16
		    | (uint32_t)p[off + 6] << 8 | (uint32_t)p[off + 7];
		off += 8;
		end = n > len - off ? len : off + n;
		while (off < end) {
			const char *nl;
			size_t k;

			if (cur != stream) {
				if (cur != -1 && buf_addc(out, '\n') == -1)
					return -1;
				if (buf_addstr(out,
					stream == 2 ? CRASH_STDERR
						    : CRASH_STDOUT)
				    == -1)
					return -1;
				cur = stream;
			}
			nl = memchr(data + off, '\n', end - off);
			k = nl != NULL ? (size_t)(nl - (data + off)) + 1
				       : end - off;
			if (buf_add(out, data + off, k) == -1)
				return -1;
			off += k;
			if (nl != NULL)
				cur = -1;
		}
	}
	if (cur != -1)
		return buf_addc(out, '\n');
	return 0;
}

/* ---- pure: stats ---- */

static long long
crash_num(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9.2e18)
		return -1;
	return (long long)v->valuedouble;
}

int
crash_stats_parse(const char *json, size_t len, struct crash_stats *st,
    char *err, size_t errlen)
{
	struct crash_stats s;
	const cJSON *mem, *cpu, *usage, *pids;
	const char *read;
	cJSON *root;
	int ret = -1;

	root = json_parse("stats", json, len, err, errlen);
	if (root == NULL)
		return -1;
	memset(&s, 0, sizeof(s));
	mem = cJSON_GetObjectItemCaseSensitive(root, "memory_stats");
	cpu = cJSON_GetObjectItemCaseSensitive(root, "cpu_stats");
	usage = cJSON_GetObjectItemCaseSensitive(cpu, "cpu_usage");
	pids = cJSON_GetObjectItemCaseSensitive(root, "pids_stats");
	s.mem_usage = crash_num(mem, "usage");
	s.mem_max_usage = crash_num(mem, "max_usage");
	s.mem_limit = crash_num(mem, "limit");
	s.mem_failcnt = crash_num(mem, "failcnt");
	s.cpu_total_ns = crash_num(usage, "total_usage");
	s.cpu_user_ns = crash_num(usage, "usage_in_usermode");
	s.cpu_system_ns = crash_num(usage, "usage_in_kernelmode");
	s.pids = crash_num(pids, "current");
	s.pids_limit = crash_num(pids, "limit");
	read = json_get_str(root, "read");
	/* A stopped container's answer has zero time and no memory usage. */
	if (s.mem_usage == -1 || read == NULL
	    || str_has_prefix(read, "0001-01-01")) {
		(void)snprintf(err, errlen,
		    "stats: no sample (container not "
		    "running)");
		goto out;
	}
	/* failcnt is left out by Docker when zero (omitempty). */
	if (s.mem_failcnt == -1 && s.mem_usage != -1)
		s.mem_failcnt = 0;
	(void)str_copy(s.read_at, read, sizeof(s.read_at));
	s.valid = true;
	*st = s;
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

/* ---- cgroup files ---- */

#define CRASH_CG_FILE_MAX 4096
#define CRASH_CG_UNLIMITED (1LL << 62) /* v1 "no limit" is near 2^63 */

/*
 * Reads root/rel (a small cgroup file) into buf; returns its length or -1.
 * These are kernel files in memory: reading them does not block.
 */
static ssize_t
crash_cg_file(const char *root, const char *rel, char *buf, size_t len)
{
	char path[CRASH_PATH_MAX * 2];
	size_t n;
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, len - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	return (ssize_t)n;
}

/* The number a cgroup file holds; "max" gives max_value; -1 if none. */
static long long
crash_cg_num(const char *root, const char *rel, long long max_value)
{
	char buf[64];
	long long v;

	if (crash_cg_file(root, rel, buf, sizeof(buf)) == -1)
		return -1;
	(void)str_trim(buf);
	if (strcmp(buf, "max") == 0)
		return max_value;
	if (str_to_ll(buf, 0, INT64_MAX, &v) == -1)
		return -1;
	return v;
}

/* The value of "key N" in a flat-keyed cgroup file; -1 if absent. */
static long long
crash_cg_key(const char *root, const char *rel, const char *key)
{
	char buf[CRASH_CG_FILE_MAX], *line, *next, *sp;
	size_t klen = strlen(key);
	long long v;

	if (crash_cg_file(root, rel, buf, sizeof(buf)) == -1)
		return -1;
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		sp = line + klen;
		if (strncmp(line, key, klen) != 0 || *sp != ' ')
			continue;
		if (str_to_ll(sp + 1, 0, INT64_MAX, &v) == 0)
			return v;
	}
	return -1;
}

int
crash_cgroup_read(const char *root, const char *id, long long host_mem,
    struct crash_stats *st)
{
	struct crash_stats s;
	char rel[CRASH_PATH_MAX], dir[CRASH_PATH_MAX / 2];
	long long ticks = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	long long v;
	struct tm tm;
	time_t now;

	memset(&s, 0, sizeof(s));
	(void)snprintf(rel, sizeof(rel),
	    "memory/docker/%s/memory.usage_in_bytes", id);
	s.mem_usage = crash_cg_num(root, rel, -1);
	if (s.mem_usage != -1) {
		/* cgroup v1, cgroupfs driver: one directory per controller. */
		(void)snprintf(dir, sizeof(dir), "memory/docker/%s", id);
		(void)snprintf(rel, sizeof(rel), "%s/memory.max_usage_in_bytes",
		    dir);
		s.mem_max_usage = crash_cg_num(root, rel, -1);
		(void)snprintf(rel, sizeof(rel), "%s/memory.limit_in_bytes",
		    dir);
		s.mem_limit = crash_cg_num(root, rel, -1);
		if (s.mem_limit >= CRASH_CG_UNLIMITED)
			s.mem_limit = host_mem;
		(void)snprintf(rel, sizeof(rel), "%s/memory.failcnt", dir);
		s.mem_failcnt = crash_cg_num(root, rel, -1);
		(void)snprintf(rel, sizeof(rel),
		    "cpuacct/docker/%s/cpuacct.usage", id);
		s.cpu_total_ns = crash_cg_num(root, rel, -1);
		(void)snprintf(rel, sizeof(rel),
		    "cpuacct/docker/%s/cpuacct.stat", id);
		v = crash_cg_key(root, rel, "user");
		s.cpu_user_ns = v < 0 ? -1 : v * (1000000000LL / ticks);
		v = crash_cg_key(root, rel, "system");
		s.cpu_system_ns = v < 0 ? -1 : v * (1000000000LL / ticks);
		(void)snprintf(dir, sizeof(dir), "pids/docker/%s", id);
	} else {
		/* cgroup v2: one directory, systemd or cgroupfs driver. */
		(void)snprintf(dir, sizeof(dir), "system.slice/docker-%s.scope",
		    id);
		(void)snprintf(rel, sizeof(rel), "%s/memory.current", dir);
		s.mem_usage = crash_cg_num(root, rel, -1);
		if (s.mem_usage == -1) {
			(void)snprintf(dir, sizeof(dir), "docker/%s", id);
			(void)snprintf(rel, sizeof(rel), "%s/memory.current",
			    dir);
			s.mem_usage = crash_cg_num(root, rel, -1);
		}
		if (s.mem_usage == -1)
			return -1;
		(void)snprintf(rel, sizeof(rel), "%s/memory.peak", dir);
		s.mem_max_usage = crash_cg_num(root, rel, -1);
		(void)snprintf(rel, sizeof(rel), "%s/memory.max", dir);
		s.mem_limit = crash_cg_num(root, rel, host_mem);
		(void)snprintf(rel, sizeof(rel), "%s/memory.events", dir);
		s.mem_failcnt = crash_cg_key(root, rel, "oom_kill");
		(void)snprintf(rel, sizeof(rel), "%s/cpu.stat", dir);
		v = crash_cg_key(root, rel, "usage_usec");
		s.cpu_total_ns = v < 0 ? -1 : v * 1000;
		v = crash_cg_key(root, rel, "user_usec");
		s.cpu_user_ns = v < 0 ? -1 : v * 1000;
		v = crash_cg_key(root, rel, "system_usec");
		s.cpu_system_ns = v < 0 ? -1 : v * 1000;
	}
	(void)snprintf(rel, sizeof(rel), "%s/pids.current", dir);
	s.pids = crash_cg_num(root, rel, -1);
	(void)snprintf(rel, sizeof(rel), "%s/pids.max", dir);
	s.pids_limit = crash_cg_num(root, rel, -1);
	now = time(NULL);
	if (gmtime_r(&now, &tm) != NULL)
		(void)strftime(s.read_at, sizeof(s.read_at),
		    "%Y-%m-%dT%H:%M:%SZ", &tm);
	s.valid = true;
	*st = s;
	return 0;
}

/* ---- pure: the decision and the grouping ---- */

bool
crash_is_crash(const struct container_state *st, bool operator_stop)
{
	if (st->oom_killed)
		return true;
	return st->exit_code != 0 && !operator_stop;
}

static const char *
crash_signal_name(int sig)
{
	/* Linux numbering: the container runs on this kernel. */
	static const char *const names[] = {
		NULL,
		"SIGHUP",
		"SIGINT",
		"SIGQUIT",
		"SIGILL",
		"SIGTRAP",
		"SIGABRT",
		"SIGBUS",
		"SIGFPE",
		"SIGKILL",
		"SIGUSR1",
		"SIGSEGV",
		"SIGUSR2",
		"SIGPIPE",
		"SIGALRM",
		"SIGTERM",
		"SIGSTKFLT",
		"SIGCHLD",
		"SIGCONT",
		"SIGSTOP",
		"SIGTSTP",
		"SIGTTIN",
		"SIGTTOU",
		"SIGURG",
		"SIGXCPU",
		"SIGXFSZ",
		"SIGVTALRM",
		"SIGPROF",
		"SIGWINCH",
		"SIGIO",
		"SIGPWR",
		"SIGSYS",
	};

	if (sig > 0 && (size_t)sig < sizeof(names) / sizeof(names[0]))
		return names[sig];
	return NULL;
}

void
crash_reason(const struct container_state *st, char *out, size_t len)
{
	const char *name;

	if (st->oom_killed) {
		(void)snprintf(out, len, "oom");
		return;
	}
	if (st->exit_code >= 129 && st->exit_code <= 192) {
		name = crash_signal_name(st->exit_code - 128);
		if (name != NULL)
			(void)snprintf(out, len, "signal:%s", name);
		else
			(void)snprintf(out, len, "signal:SIG%d",
			    st->exit_code - 128);
		return;
	}
	(void)snprintf(out, len, "exit:%d", st->exit_code);
}

void
crash_image_split(const char *image, char *repo, size_t repolen, char *tag,
    size_t taglen, char *digest, size_t digestlen)
{
	const char *at, *slash, *colon;
	size_t n;

	repo[0] = tag[0] = digest[0] = '\0';
	at = strchr(image, '@');
	n = at != NULL ? (size_t)(at - image) : strlen(image);
	if (at != NULL)
		(void)str_copy(digest, at + 1, digestlen);
	slash = memrchr(image, '/', n);
	colon = memrchr(image, ':', n);
	if (colon != NULL && (slash == NULL || colon > slash)) {
		(void)snprintf(tag, taglen, "%.*s",
		    (int)(n - (size_t)(colon - image) - 1), colon + 1);
		n = (size_t)(colon - image);
	}
	(void)snprintf(repo, repolen, "%.*s", (int)n, image);
}

static bool
crash_all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* Strips "-2", "_2" or a swarm task's ".2.<id>" from a container name. */
static void
crash_strip_replica(const char *name, char *out, size_t len)
{
	const char *dot, *dot2, *sep;
	size_t n = strlen(name);

	dot = strchr(name, '.');
	if (dot != NULL && dot != name) {
		dot2 = strchr(dot + 1, '.');
		if (dot2 != NULL
		    && crash_all_digits(dot + 1, (size_t)(dot2 - dot - 1))) {
			n = (size_t)(dot - name);
			(void)snprintf(out, len, "%.*s", (int)n, name);
			return;
		}
	}
	sep = NULL;
	for (size_t i = n; i > 0; i--)
		if (name[i - 1] == '-' || name[i - 1] == '_') {
			sep = name + i - 1;
			break;
		}
	if (sep != NULL && sep != name
	    && crash_all_digits(sep + 1, n - (size_t)(sep - name) - 1))
		n = (size_t)(sep - name);
	(void)snprintf(out, len, "%.*s", (int)n, name);
}

void
crash_service(const struct container *c, char *out, size_t len)
{
	const char *project, *service, *name;
	char repo[CRASH_SERVICE_MAX], tag[128], digest[128];

	project = container_label(c, DERIVE_LABEL_COMPOSE_PROJECT);
	service = container_label(c, DERIVE_LABEL_COMPOSE_SERVICE);
	if (project != NULL && project[0] != '\0' && service != NULL
	    && service[0] != '\0') {
		(void)snprintf(out, len, "%s/%s", project, service);
		return;
	}
	if (service != NULL && service[0] != '\0') {
		(void)str_copy(out, service, len);
		return;
	}
	name = container_label(c, "SERVICE_NAME");
	if (name == NULL || name[0] == '\0')
		name = container_env(c, "SERVICE_NAME");
	if (name != NULL && name[0] != '\0') {
		(void)str_copy(out, name, len);
		return;
	}
	if (c->image[0] != '\0' && !container_image_is_id(c)) {
		crash_image_split(c->image, repo, sizeof(repo), tag,
		    sizeof(tag), digest, sizeof(digest));
		if (repo[0] != '\0') {
			(void)str_copy(out, repo, len);
			return;
		}
	}
	crash_strip_replica(c->name, out, len);
}

bool
crash_label_allowed(const char *key, const char *allow)
{
	const char *p = allow, *comma;
	char pat[256];

	if (allow == NULL)
		allow = p = CRASH_ALLOW_DEFAULT;
	while (*p != '\0') {
		size_t n;

		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n > 0 && n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			if (fnmatch(str_trim(pat), key, 0) == 0)
				return true;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return false;
}

/* ---- pure: the event ---- */

static void
crash_add_num(cJSON *obj, const char *key, long long v)
{
	if (v >= 0)
		cJSON_AddNumberToObject(obj, key, (double)v);
}

static cJSON *
crash_ctx_container(const struct container *c, const char *version)
{
	const char *p = container_label(c, DERIVE_LABEL_COMPOSE_PROJECT);
	const char *s = container_label(c, DERIVE_LABEL_COMPOSE_SERVICE);
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", c->id);
	cJSON_AddStringToObject(o, "name", c->name);
	cJSON_AddStringToObject(o, "image", c->image);
	cJSON_AddStringToObject(o, "image_id", c->image_id);
	cJSON_AddStringToObject(o, "image_version", version);
	if (p != NULL)
		cJSON_AddStringToObject(o, "compose_project", p);
	if (s != NULL)
		cJSON_AddStringToObject(o, "compose_service", s);
	cJSON_AddStringToObject(o, "restart_policy", c->restart_policy);
	cJSON_AddNumberToObject(o, "restart_count", c->restart_count);
	cJSON_AddBoolToObject(o, "auto_remove", c->auto_remove);
	if (c->memory_limit > 0)
		cJSON_AddNumberToObject(o, "memory_limit_bytes",
		    (double)c->memory_limit);
	return o;
}

static cJSON *
crash_ctx_state(const struct container *c)
{
	const struct container_state *st = &c->state;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "status", st->status);
	cJSON_AddNumberToObject(o, "exit_code", st->exit_code);
	cJSON_AddBoolToObject(o, "oom_killed", st->oom_killed);
	cJSON_AddBoolToObject(o, "restarting", st->restarting);
	cJSON_AddStringToObject(o, "error", st->error);
	cJSON_AddStringToObject(o, "started_at", st->started_at);
	cJSON_AddStringToObject(o, "finished_at", st->finished_at);
	cJSON_AddNumberToObject(o, "restart_count", c->restart_count);
	if (st->health[0] != '\0') {
		cJSON_AddStringToObject(o, "health", st->health);
		cJSON_AddNumberToObject(o, "failing_streak",
		    st->failing_streak);
	}
	return o;
}

static cJSON *
crash_ctx_resources(const struct crash_stats *s, uint64_t age_ms)
{
	cJSON *o = cJSON_CreateObject();

	if (s == NULL || !s->valid) {
		cJSON_AddStringToObject(o, "unavailable",
		    "no sample was taken while the container ran");
		return o;
	}
	crash_add_num(o, "memory_usage_bytes", s->mem_usage);
	crash_add_num(o, "memory_max_usage_bytes", s->mem_max_usage);
	crash_add_num(o, "memory_limit_bytes", s->mem_limit);
	crash_add_num(o, "memory_failcnt", s->mem_failcnt);
	crash_add_num(o, "cpu_total_ns", s->cpu_total_ns);
	crash_add_num(o, "cpu_user_ns", s->cpu_user_ns);
	crash_add_num(o, "cpu_system_ns", s->cpu_system_ns);
	crash_add_num(o, "pids", s->pids);
	crash_add_num(o, "pids_limit", s->pids_limit);
	if (s->read_at[0] != '\0')
		cJSON_AddStringToObject(o, "sampled_at", s->read_at);
	cJSON_AddNumberToObject(o, "sample_age_ms", (double)age_ms);
	return o;
}

static cJSON *
crash_labels(const struct container *c, const char *allow)
{
	cJSON *o = cJSON_CreateObject();
	size_t i;

	for (i = 0; i < c->nlabels; i++) {
		const char *k = c->labels[i].key;

		if (cJSON_GetObjectItemCaseSensitive(o, k) != NULL)
			continue;
		cJSON_AddStringToObject(o, k,
		    crash_label_allowed(k, allow) ? c->labels[i].value
						  : CRASH_FILTERED);
	}
	return o;
}

static void
crash_describe(const struct container_state *st, const char *reason, char *out,
    size_t len)
{
	if (st->oom_killed)
		(void)snprintf(out, len, "OOM killed (exit %d)", st->exit_code);
	else if (str_has_prefix(reason, "signal:"))
		(void)snprintf(out, len, "killed by %s (exit %d)",
		    reason + strlen("signal:"), st->exit_code);
	else
		(void)snprintf(out, len, "exit code %d", st->exit_code);
}

struct sentry_event *
crash_event_build(const struct crash_report *r)
{
	const struct container *c = r->c;
	struct sentry_event *ev;
	char reason[CRASH_REASON_MAX], service[CRASH_SERVICE_MAX];
	char repo[CRASH_SERVICE_MAX], tag[128], digest[128], desc[96];
	char msg[512], num[16], err[SENTRY_ERR_MAX];
	const char *version, *release, *project;
	char *logs;

	crash_reason(&c->state, reason, sizeof(reason));
	crash_service(c, service, sizeof(service));
	crash_image_split(c->image, repo, sizeof(repo), tag, sizeof(tag),
	    digest, sizeof(digest));
	crash_describe(&c->state, reason, desc, sizeof(desc));
	(void)snprintf(msg, sizeof(msg), "container %s crashed: %s", c->name,
	    desc);
	version = container_label(c, "org.opencontainers.image.version");
	if (version == NULL || version[0] == '\0')
		version = tag;
	release = tag[0] != '\0' ? tag
	    : digest[0] != '\0'  ? digest
				 : c->image_id;

	ev = sentry_event_new(SENTRY_LEVEL_ERROR, "registrator", msg);
	sentry_event_set_exception(ev, "ContainerCrash", msg, "docker", false);
	if (r->host != NULL && r->host[0] != '\0') {
		sentry_event_set_server_name(ev, r->host);
		(void)sentry_event_set_tag(ev, "host", r->host);
	}
	if (release[0] != '\0')
		sentry_event_set_release(ev, release);
	sentry_event_add_fingerprint(ev, "docker-crash");
	sentry_event_add_fingerprint(ev, service);
	sentry_event_add_fingerprint(ev, reason);
	(void)sentry_event_set_tag(ev, "service", service);
	(void)sentry_event_set_tag(ev, "image", c->image);
	(void)snprintf(num, sizeof(num), "%d", c->state.exit_code);
	(void)sentry_event_set_tag(ev, "exit_code", num);
	(void)sentry_event_set_tag(ev, "oom",
	    c->state.oom_killed ? "true" : "false");
	(void)sentry_event_set_tag(ev, "reason", reason);
	(void)sentry_event_set_tag(ev, "container", c->name);
	project = container_label(c, DERIVE_LABEL_COMPOSE_PROJECT);
	if (project != NULL && project[0] != '\0')
		(void)sentry_event_set_tag(ev, "compose_project", project);

	/* A context or extra that cannot fit is dropped: the rest is sent. */
	(void)sentry_event_set_context(ev, "container",
	    crash_ctx_container(c, version), err, sizeof(err));
	(void)sentry_event_set_context(ev, "state", crash_ctx_state(c), err,
	    sizeof(err));
	(void)sentry_event_set_context(ev, "resources",
	    crash_ctx_resources(r->stats, r->stats_age_ms), err, sizeof(err));
	(void)sentry_event_set_extra(ev, "labels", crash_labels(c, r->allow),
	    err, sizeof(err));
	if (r->logs != NULL) {
		logs = sentry_truncate_tail(r->logs, CRASH_LOG_TEXT_MAX);
		(void)sentry_event_set_extra(ev, "logs",
		    cJSON_CreateString(logs), err, sizeof(err));
		free(logs);
	}
	if (r->logs_error != NULL)
		(void)sentry_event_set_extra(ev, "logs_error",
		    cJSON_CreateString(r->logs_error), err, sizeof(err));
	return ev;
}

/* ---- on the loop ---- */

/* What crash.c remembers of one container. */
struct crash_ctr {
	TAILQ_ENTRY(crash_ctr) entry;
	struct crash *crash;
	char id[DOCKER_ID_MAX + 1];
	uint64_t kill_ms; /* last kill or stop event, 0: none */
	struct container *last; /* last inspect, for --rm; owned */
	char *reported; /* FinishedAt of the last exit reported, owned */
	bool running;
	bool stats_wanted; /* due, waiting for a free slot */
	struct crash_stats stats; /* last valid sample */
	uint64_t stats_ms; /* when it was taken (monotonic) */
	struct loop_timer stats_timer;
	struct http_req *stats_req;
};
TAILQ_HEAD(crash_ctrs, crash_ctr);

/* One report being made: the logs are being read. */
struct crash_job {
	TAILQ_ENTRY(crash_job) entry;
	struct crash *crash;
	struct container *c; /* final state, owned */
	struct crash_stats stats;
	uint64_t stats_age_ms;
	struct http_req *req;
	bool want_stats; /* crash-event: sample first */
};
TAILQ_HEAD(crash_jobs, crash_job);

struct crash {
	struct loop *loop;
	struct http *http;
	struct docker *docker;
	struct sentry *sentry; /* NULL: no reports (janitor only) */
	bool print; /* crash-event: print, send nothing */
	struct janitor *janitor;
	const struct crash_config *cfg;
	char *host;
	struct crash_ctrs ctrs;
	struct crash_jobs jobs;
	unsigned stats_inflight;
	long long host_mem; /* RAM, the limit of an unlimited container */
	struct metric *m_crashes;
	struct metric *m_stops;

	/* crash-event */
	const char *target;
	bool found;
	int status;
};

static struct crash_ctr *
crash_ctr_find(struct crash *cr, const char *id)
{
	struct crash_ctr *c;

	TAILQ_FOREACH(c, &cr->ctrs, entry)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

static void crash_stats_start(struct crash_ctr *);

/*
 * Stats slots are free: containers never sampled first (a short-lived one
 * must not wait behind long-running ones), then those waiting longest.
 */
static void
crash_stats_next(struct crash *cr)
{
	struct crash_ctr *c;
	int pass;

	for (pass = 0; pass < 2; pass++)
		TAILQ_FOREACH(c, &cr->ctrs, entry) {
			if (cr->stats_inflight >= CRASH_STATS_INFLIGHT_MAX)
				return;
			if (c->stats_wanted && (pass == 1 || !c->stats.valid))
				crash_stats_start(c);
		}
}

static void
crash_ctr_free(struct crash *cr, struct crash_ctr *c)
{
	TAILQ_REMOVE(&cr->ctrs, c, entry);
	loop_timer_stop(cr->loop, &c->stats_timer);
	if (c->stats_req != NULL) {
		http_cancel(cr->http, c->stats_req);
		cr->stats_inflight--;
		crash_stats_next(cr);
	}
	container_free(c->last);
	free(c->reported);
	free(c);
}

static bool
crash_operator_stop(const struct crash *cr, const struct crash_ctr *c)
{
	return c->kill_ms != 0
	    && loop_now_ms(cr->loop) - c->kill_ms <= CRASH_KILL_WINDOW_MS;
}

/*
 * Keeps a sample unless no process is left (the cgroup outlives the exit
 * by a moment): the last sample of the living container is the useful one.
 */
static void
crash_stats_keep(struct crash_ctr *c, const struct crash_stats *st)
{
	if (st->pids == 0)
		return;
	c->stats = *st;
	c->stats_ms = loop_now_ms(c->crash->loop);
}

static void
crash_stats_done(const struct http_result *res, void *arg)
{
	struct crash_stats st;
	struct crash_ctr *c = arg;
	struct crash *cr = c->crash;
	char err[JSON_ERR_MAX];

	c->stats_req = NULL;
	cr->stats_inflight--;
	if (res->error == 0 && res->status == 200) {
		if (crash_stats_parse(res->body, res->body_len, &st, err,
			sizeof(err))
		    == 0)
			crash_stats_keep(c, &st);
		else
			log_debug("container %.12s: %s", c->id, err);
	} else
		log_debug("container %.12s: stats: %s (HTTP %ld)", c->id,
		    res->error != 0 ? res->errmsg : "refused", res->status);
	if (c->running && cr->cfg->stats_interval_ms > 0)
		loop_timer_start(cr->loop, &c->stats_timer,
		    cr->cfg->stats_interval_ms);
	crash_stats_next(cr);
}

static void
crash_stats_start(struct crash_ctr *c)
{
	struct crash *cr = c->crash;
	struct crash_stats st;
	char path[CRASH_PATH_MAX];

	c->stats_wanted = false;
	if (c->stats_req != NULL || !c->running)
		return;
	/* The cgroup files, when this host's are mounted, answer at once. */
	if (crash_cgroup_read(CRASH_CGROUP_ROOT, c->id, cr->host_mem, &st)
	    == 0) {
		crash_stats_keep(c, &st);
		loop_timer_start(cr->loop, &c->stats_timer,
		    cr->cfg->stats_interval_ms);
		return;
	}
	if (cr->stats_inflight >= CRASH_STATS_INFLIGHT_MAX) {
		c->stats_wanted = true;
		return;
	}
	(void)snprintf(path, sizeof(path),
	    "/containers/%s/stats?stream=false&one-shot=true", c->id);
	cr->stats_inflight++;
	c->stats_req = docker_request(cr->docker, NULL, path,
	    BUF_MAX_CRASH_STATS, crash_stats_done, c);
}

static void
crash_stats_timer_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	crash_stats_start(arg);
}

static void
crash_job_free(struct crash *cr, struct crash_job *j)
{
	TAILQ_REMOVE(&cr->jobs, j, entry);
	http_cancel(cr->http, j->req);
	container_free(j->c);
	free(j);
}

/* Builds the event from what the job gathered and hands it on. */
static void
crash_job_finish(struct crash_job *j, const char *logs, const char *logs_err)
{
	struct crash *cr = j->crash;
	struct crash_report rep;
	struct sentry_event *ev;
	struct buf out = BUF_INITIALIZER(SENTRY_EVENT_MAX * 2);
	char reason[CRASH_REASON_MAX], err[SENTRY_ERR_MAX];
	cJSON *doc;
	char *text;

	memset(&rep, 0, sizeof(rep));
	rep.c = j->c;
	rep.host = cr->cfg->host_override != NULL ? cr->cfg->host_override
						  : cr->host;
	rep.allow = cr->cfg->allow;
	rep.logs = logs;
	rep.logs_error = logs_err;
	rep.stats = &j->stats;
	rep.stats_age_ms = j->stats_age_ms;
	ev = crash_event_build(&rep);
	crash_reason(&j->c->state, reason, sizeof(reason));
	if (cr->print) {
		/* crash-event: print it the way it would be sent, indented. */
		if (sentry_event_serialize(ev, &out, err, sizeof(err)) == -1) {
			log_warnx("container %s: event: %s", j->c->name, err);
			cr->status = 1;
		} else {
			doc = cJSON_ParseWithLength(out.data, out.len);
			text = doc != NULL ? cJSON_Print(doc) : NULL;
			(void)printf("%s\n",
			    text != NULL ? text : buf_str(&out));
			free(text);
			cJSON_Delete(doc);
		}
		sentry_event_free(ev);
		buf_clear(&out);
		loop_stop(cr->loop);
	} else {
		log_info("container %s: crashed (%s), reporting event %s",
		    j->c->name, reason, sentry_event_id(ev));
		(void)sentry_capture(cr->sentry, ev);
		if (cr->janitor != NULL)
			janitor_report_done(cr->janitor, j->c->id);
	}
	crash_job_free(cr, j);
}

static void
crash_logs_done(const struct http_result *res, void *arg)
{
	struct crash_job *j = arg;
	struct buf text = BUF_INITIALIZER(BUF_MAX_CRASH_LOG_TEXT);
	char why[HTTP_ERR_MAX + 64];

	j->req = NULL;
	if (res->error != 0) {
		(void)snprintf(why, sizeof(why), "logs not read: %s",
		    res->errmsg);
		crash_job_finish(j, NULL, why);
	} else if (res->status == 404) {
		crash_job_finish(j, NULL,
		    "logs not read: the container was "
		    "removed first");
	} else if (res->status != 200) {
		(void)snprintf(why, sizeof(why),
		    "logs not read: HTTP %ld "
		    "(the logging driver may not support reading)",
		    res->status);
		crash_job_finish(j, NULL, why);
	} else {
		/* Past the cap, what fit is kept: its newest part is sent. */
		(void)crash_logs_demux(res->body, res->body_len, &text);
		crash_job_finish(j, buf_str(&text), NULL);
	}
	buf_clear(&text);
}

static void
crash_job_logs(struct crash_job *j)
{
	struct crash *cr = j->crash;
	char path[CRASH_PATH_MAX];
	unsigned lines = cr->cfg->log_lines != 0 ? cr->cfg->log_lines
						 : CRASH_LOG_LINES_DEFAULT;

	(void)snprintf(path, sizeof(path),
	    "/containers/%s/logs?stdout=1&stderr=1&tail=%u", j->c->id, lines);
	j->req = docker_request(cr->docker, NULL, path, BUF_MAX_CRASH_LOGS,
	    crash_logs_done, j);
}

static void
crash_job_stats_done(const struct http_result *res, void *arg)
{
	struct crash_job *j = arg;
	char err[JSON_ERR_MAX];

	j->req = NULL;
	if (res->error == 0 && res->status == 200
	    && crash_stats_parse(res->body, res->body_len, &j->stats, err,
		   sizeof(err))
		== -1)
		log_debug("container %s: %s", j->c->name, err);
	crash_job_logs(j);
}

static void
crash_job_start(struct crash *cr, struct container *c,
    const struct crash_ctr *rec, bool want_stats)
{
	struct crash_job *j;
	char path[CRASH_PATH_MAX];

	j = xcalloc(1, sizeof(*j));
	j->crash = cr;
	j->c = c;
	if (rec != NULL && rec->stats.valid) {
		j->stats = rec->stats;
		j->stats_age_ms = loop_now_ms(cr->loop) - rec->stats_ms;
	}
	TAILQ_INSERT_TAIL(&cr->jobs, j, entry);
	if (want_stats) {
		(void)snprintf(path, sizeof(path),
		    "/containers/%s/stats?stream=false&one-shot=true", c->id);
		j->req = docker_request(cr->docker, NULL, path,
		    BUF_MAX_CRASH_STATS, crash_job_stats_done, j);
	} else
		crash_job_logs(j);
}

struct crash *
crash_new(struct loop *loop, struct http *http, struct docker *docker,
    struct sentry *sentry, struct janitor *janitor, struct metrics *metrics,
    const struct crash_config *cfg)
{
	struct sysinfo si;
	struct crash *cr;

	cr = xcalloc(1, sizeof(*cr));
	cr->loop = loop;
	cr->http = http;
	cr->docker = docker;
	cr->sentry = sentry;
	cr->janitor = janitor;
	cr->cfg = cfg;
	TAILQ_INIT(&cr->ctrs);
	TAILQ_INIT(&cr->jobs);
	if (sysinfo(&si) == 0)
		cr->host_mem = (long long)si.totalram * si.mem_unit;
	else
		cr->host_mem = -1;
	if (metrics != NULL) {
		cr->m_crashes = metrics_counter(metrics,
		    "registrator_container_crashes_total",
		    "Container deaths reported as crashes", NULL, NULL);
		cr->m_stops = metrics_counter(metrics,
		    "registrator_container_stops_total",
		    "Container deaths not reported (exit 0 or operator stop)",
		    NULL, NULL);
	}
	return cr;
}

void
crash_ready(struct crash *cr, const char *host_name)
{
	free(cr->host);
	cr->host = xstrdup(host_name);
}

/* A die: decide, and start a report for a crash. */
static void
crash_die(struct crash *cr, struct crash_ctr *rec, struct container *c)
{
	char reason[CRASH_REASON_MAX];
	bool stop = crash_operator_stop(cr, rec);

	crash_reason(&c->state, reason, sizeof(reason));
	if (!crash_is_crash(&c->state, stop)) {
		log_debug("container %s: died (%s)%s, not a crash", c->name,
		    reason, stop ? " after an operator stop" : "");
		if (cr->m_stops != NULL)
			metrics_inc(cr->m_stops);
		container_free(c);
		return;
	}
	if (cr->m_crashes != NULL)
		metrics_inc(cr->m_crashes);
	crash_job_start(cr, c, rec, false);
}

/*
 * A die whose inspect came too late (--rm: Docker removed the container
 * first).  What was inspected before stands for the container, with the
 * die event's exit code, which is trusted only when no label named
 * exitCode could have overwritten it, and the oom event seen with it.
 */
static void
crash_die_gone(struct crash *cr, struct crash_ctr *rec,
    const struct docker_change *ch)
{
	struct container *c = rec->last;

	if (c == NULL || ch->die_exit_code == -1
	    || container_label(c, "exitCode") != NULL) {
		log_info("container %.12s: removed before its exit status "
			 "could be read, no crash report",
		    ch->id);
		return;
	}
	rec->last = NULL;
	free(c->state.status);
	c->state.status = xstrdup("removed");
	c->state.running = c->state.restarting = c->state.paused = false;
	c->state.exit_code = ch->die_exit_code;
	c->state.oom_killed
	    = c->state.oom_killed || (ch->actions & DOCKER_ACT_OOM) != 0;
	crash_die(cr, rec, c);
}

void
crash_change(struct crash *cr, const struct docker_change *ch)
{
	struct crash_ctr *rec;
	struct container *c;
	char err[REGISTRATOR_ERR_MAX];
	bool report = false;

	rec = crash_ctr_find(cr, ch->id);
	if (ch->inspect == NULL) {
		if (rec != NULL && (ch->actions & DOCKER_ACT_DIE)
		    && cr->sentry != NULL)
			crash_die_gone(cr, rec, ch);
		if (rec != NULL)
			crash_ctr_free(cr, rec);
		if (cr->janitor != NULL)
			janitor_change(cr->janitor, ch->id, NULL, false);
		return;
	}
	/* reconcile.c logs an unusable inspect; nothing to add here. */
	c = container_from_json(ch->inspect, err, sizeof(err));
	if (c == NULL)
		return;
	if (rec == NULL) {
		rec = xcalloc(1, sizeof(*rec));
		rec->crash = cr;
		(void)str_copy(rec->id, c->id, sizeof(rec->id));
		loop_timer_init(&rec->stats_timer, crash_stats_timer_cb, rec);
		TAILQ_INSERT_TAIL(&cr->ctrs, rec, entry);
	}
	if (ch->actions & DOCKER_ACT_KILL)
		rec->kill_ms = loop_now_ms(cr->loop);
	rec->running = c->state.running && !c->state.restarting;
	/* Restarting (a restart policy) counts: the loop is what we report. */
	if ((ch->actions & DOCKER_ACT_DIE)
	    && (!c->state.running || c->state.restarting))
		report = cr->sentry != NULL;
	else if ((ch->actions & DOCKER_ACT_DIE) && ch->die_exit_code != -1
	    && container_label(c, "exitCode") == NULL) {
		/*
		 * Restarted before the inspect (a restart policy on a busy
		 * host): inspect shows the new run, the die event the exit.
		 */
		free(c->state.status);
		c->state.status = xstrdup("restarted");
		c->state.exit_code = ch->die_exit_code;
		c->state.oom_killed = (ch->actions & DOCKER_ACT_OOM) != 0;
		report = cr->sentry != NULL;
	}
	if (rec->running && cr->cfg->stats_interval_ms > 0
	    && !loop_timer_active(&rec->stats_timer) && rec->stats_req == NULL)
		loop_timer_start(cr->loop, &rec->stats_timer, 0);
	if (!rec->running) {
		loop_timer_stop(cr->loop, &rec->stats_timer);
		rec->stats_wanted = false;
	}
	/*
	 * On a busy host an inspect can come after a later exit: two dies
	 * then show the same exit, which is reported once.
	 */
	if (report && c->state.finished_at[0] != '\0' && rec->reported != NULL
	    && strcmp(rec->reported, c->state.finished_at) == 0) {
		log_debug("container %s: exit at %s already reported", c->name,
		    c->state.finished_at);
		report = false;
	} else if (report) {
		free(rec->reported);
		rec->reported = xstrdup(c->state.finished_at);
	}
	if (cr->janitor != NULL)
		janitor_change(cr->janitor, c->id, c,
		    report
			&& crash_is_crash(&c->state,
			    crash_operator_stop(cr, rec)));
	if (report)
		crash_die(cr, rec, c); /* consumes c */
	else {
		container_free(rec->last);
		rec->last = c;
	}
	/* A start (or restart) opens a new life: earlier stops are over. */
	if ((ch->actions & DOCKER_ACT_START) && rec->running)
		rec->kill_ms = 0;
}

void
crash_listed(struct crash *cr, const char *const *ids, size_t nids)
{
	struct crash_ctr *c, *next;
	size_t i;

	for (c = TAILQ_FIRST(&cr->ctrs); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		for (i = 0; i < nids; i++)
			if (strcmp(ids[i], c->id) == 0)
				break;
		if (i == nids)
			crash_ctr_free(cr, c);
	}
	if (cr->janitor != NULL)
		janitor_listed(cr->janitor, ids, nids);
}

void
crash_free(struct crash *cr)
{
	struct crash_ctr *c;
	struct crash_job *j;

	if (cr == NULL)
		return;
	TAILQ_FOREACH(c, &cr->ctrs, entry)
		c->stats_wanted = false;
	while ((c = TAILQ_FIRST(&cr->ctrs)) != NULL)
		crash_ctr_free(cr, c);
	while ((j = TAILQ_FIRST(&cr->jobs)) != NULL)
		crash_job_free(cr, j);
	free(cr->host);
	free(cr);
}

/* ---- registrator crash-event CONTAINER ---- */

static void
crash_cli_ready(const char *host_name, void *arg)
{
	crash_ready(arg, host_name);
}

static void
crash_cli_change(const struct docker_change *ch, void *arg)
{
	struct crash *cr = arg;
	struct container *c;
	size_t n = strlen(cr->target);
	char err[REGISTRATOR_ERR_MAX];

	if (cr->found || ch->inspect == NULL)
		return;
	c = container_from_json(ch->inspect, err, sizeof(err));
	if (c == NULL)
		return;
	if (strcmp(c->name, cr->target) == 0
	    || (n >= 4 && strncmp(c->id, cr->target, n) == 0)) {
		cr->found = true;
		crash_job_start(cr, c, NULL, c->state.running);
		return;
	}
	container_free(c);
}

static void
crash_cli_listed(const char *const *ids, size_t nids, void *arg)
{
	struct crash *cr = arg;

	(void)ids;
	(void)nids;
	if (cr->found)
		return;
	log_warnx("no container named %s", cr->target);
	cr->status = 1;
	loop_stop(cr->loop);
}

static void
crash_cli_error(void *arg)
{
	struct crash *cr = arg;

	/* docker.c logged why; a one-shot command gives up at once. */
	cr->status = 1;
	loop_stop(cr->loop);
}

static void
crash_cli_signal(struct loop *loop, int signo, void *arg)
{
	struct crash *cr = arg;

	(void)signo;
	cr->status = 1;
	loop_stop(loop);
}

int
crash_event_main(const char *docker_host, const char *container,
    const struct crash_config *cfg)
{
	static const struct docker_cbs cbs = {
		.ready = crash_cli_ready,
		.change = crash_cli_change,
		.listed = crash_cli_listed,
		.error = crash_cli_error,
	};
	struct loop *loop;
	struct http *http = NULL;
	struct docker *docker = NULL;
	struct crash *cr = NULL;
	char err[512];
	int ret = 1;

	loop = loop_new();
	if (loop == NULL)
		fatal("loop_new");
	http = http_new(loop, 4);
	docker = docker_new(loop, http, docker_host, err, sizeof(err));
	if (docker == NULL) {
		log_warnx("%s", err);
		goto out;
	}
	cr = crash_new(loop, http, docker, NULL, NULL, NULL, cfg);
	cr->target = container;
	cr->print = true;
	if (loop_signal_add(loop, SIGINT, crash_cli_signal, cr) == -1
	    || loop_signal_add(loop, SIGTERM, crash_cli_signal, cr) == -1)
		fatal("signals");
	docker_start(docker, false, &cbs, cr);
	if (loop_run(loop) == -1)
		goto out;
	ret = cr->status;
out:
	crash_free(cr);
	docker_free(docker);
	http_free(http);
	loop_free(loop);
	return ret;
}
