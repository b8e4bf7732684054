/* SPDX-License-Identifier: MIT */
/*
 * The resource sample of a crash report: while a container runs, crash.c
 * samples its counters (memory, CPU, processes) every few seconds and
 * keeps the last sample, because the cgroup is gone by the time the die
 * is seen.  A sample comes from the cgroup files when this host's are
 * mounted (they answer at once), else from the stats API one-shot, whose
 * answer is parsed here.  crash_event.c puts the sample in the event's
 * resources context.  Reads files, never logs.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "str.h"

#include "registrator.h"

#define CRASH_STATS_PATH_MAX 256
#define CRASH_CG_FILE_MAX 4096
#define CRASH_CG_UNLIMITED (1LL << 62) /* v1 "no limit" is near 2^63 */

static long long
crash_stats_num(const cJSON *obj, const char *key)
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
	s.mem_usage = crash_stats_num(mem, "usage");
	s.mem_max_usage = crash_stats_num(mem, "max_usage");
	s.mem_limit = crash_stats_num(mem, "limit");
	s.mem_failcnt = crash_stats_num(mem, "failcnt");
	s.cpu_total_ns = crash_stats_num(usage, "total_usage");
	s.cpu_user_ns = crash_stats_num(usage, "usage_in_usermode");
	s.cpu_system_ns = crash_stats_num(usage, "usage_in_kernelmode");
	s.pids = crash_stats_num(pids, "current");
	s.pids_limit = crash_stats_num(pids, "limit");
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

/*
 * Reads root/rel (a small cgroup file) into buf; returns its length or -1.
 * These are kernel files in memory: reading them does not block.
 */
static ssize_t
crash_stats_cg_file(const char *root, const char *rel, char *buf, size_t len)
{
	char path[CRASH_STATS_PATH_MAX * 2];
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
crash_stats_cg_num(const char *root, const char *rel, long long max_value)
{
	char buf[64];
	long long v;

	if (crash_stats_cg_file(root, rel, buf, sizeof(buf)) == -1)
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
crash_stats_cg_key(const char *root, const char *rel, const char *key)
{
	char buf[CRASH_CG_FILE_MAX], *line, *next, *sp;
	size_t klen = strlen(key);
	long long v;

	if (crash_stats_cg_file(root, rel, buf, sizeof(buf)) == -1)
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
crash_stats_cgroup_read(const char *root, const char *id, long long host_mem,
    struct crash_stats *st)
{
	struct crash_stats s;
	char rel[CRASH_STATS_PATH_MAX], dir[CRASH_STATS_PATH_MAX / 2];
	long long ticks = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	long long v;
	struct tm tm;
	time_t now;

	memset(&s, 0, sizeof(s));
	(void)snprintf(rel, sizeof(rel),
	    "memory/docker/%s/memory.usage_in_bytes", id);
	s.mem_usage = crash_stats_cg_num(root, rel, -1);
	if (s.mem_usage != -1) {
		/* cgroup v1, cgroupfs driver: one directory per controller. */
		(void)snprintf(dir, sizeof(dir), "memory/docker/%s", id);
		(void)snprintf(rel, sizeof(rel), "%s/memory.max_usage_in_bytes",
		    dir);
		s.mem_max_usage = crash_stats_cg_num(root, rel, -1);
		(void)snprintf(rel, sizeof(rel), "%s/memory.limit_in_bytes",
		    dir);
		s.mem_limit = crash_stats_cg_num(root, rel, -1);
		if (s.mem_limit >= CRASH_CG_UNLIMITED)
			s.mem_limit = host_mem;
		(void)snprintf(rel, sizeof(rel), "%s/memory.failcnt", dir);
		s.mem_failcnt = crash_stats_cg_num(root, rel, -1);
		(void)snprintf(rel, sizeof(rel),
		    "cpuacct/docker/%s/cpuacct.usage", id);
		s.cpu_total_ns = crash_stats_cg_num(root, rel, -1);
		(void)snprintf(rel, sizeof(rel),
		    "cpuacct/docker/%s/cpuacct.stat", id);
		v = crash_stats_cg_key(root, rel, "user");
		s.cpu_user_ns = v < 0 ? -1 : v * (1000000000LL / ticks);
		v = crash_stats_cg_key(root, rel, "system");
		s.cpu_system_ns = v < 0 ? -1 : v * (1000000000LL / ticks);
		(void)snprintf(dir, sizeof(dir), "pids/docker/%s", id);
	} else {
		/* cgroup v2: one directory, systemd or cgroupfs driver. */
		(void)snprintf(dir, sizeof(dir), "system.slice/docker-%s.scope",
		    id);
		(void)snprintf(rel, sizeof(rel), "%s/memory.current", dir);
		s.mem_usage = crash_stats_cg_num(root, rel, -1);
		if (s.mem_usage == -1) {
			(void)snprintf(dir, sizeof(dir), "docker/%s", id);
			(void)snprintf(rel, sizeof(rel), "%s/memory.current",
			    dir);
			s.mem_usage = crash_stats_cg_num(root, rel, -1);
		}
		if (s.mem_usage == -1)
			return -1;
		(void)snprintf(rel, sizeof(rel), "%s/memory.peak", dir);
		s.mem_max_usage = crash_stats_cg_num(root, rel, -1);
		(void)snprintf(rel, sizeof(rel), "%s/memory.max", dir);
		s.mem_limit = crash_stats_cg_num(root, rel, host_mem);
		(void)snprintf(rel, sizeof(rel), "%s/memory.events", dir);
		s.mem_failcnt = crash_stats_cg_key(root, rel, "oom_kill");
		(void)snprintf(rel, sizeof(rel), "%s/cpu.stat", dir);
		v = crash_stats_cg_key(root, rel, "usage_usec");
		s.cpu_total_ns = v < 0 ? -1 : v * 1000;
		v = crash_stats_cg_key(root, rel, "user_usec");
		s.cpu_user_ns = v < 0 ? -1 : v * 1000;
		v = crash_stats_cg_key(root, rel, "system_usec");
		s.cpu_system_ns = v < 0 ? -1 : v * 1000;
	}
	(void)snprintf(rel, sizeof(rel), "%s/pids.current", dir);
	s.pids = crash_stats_cg_num(root, rel, -1);
	(void)snprintf(rel, sizeof(rel), "%s/pids.max", dir);
	s.pids_limit = crash_stats_cg_num(root, rel, -1);
	now = time(NULL);
	if (gmtime_r(&now, &tm) != NULL)
		(void)strftime(s.read_at, sizeof(s.read_at),
		    "%Y-%m-%dT%H:%M:%SZ", &tm);
	s.valid = true;
	*st = s;
	return 0;
}
