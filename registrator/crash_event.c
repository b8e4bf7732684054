/* SPDX-License-Identifier: MIT */
/*
 * The Sentry event of a crash: the last step of a report, after crash.c
 * has decided that a die is a crash and read the container's logs
 * (crash_logs.c) and last resource sample (crash_stats.c).  It names the
 * reason ("exit:3", "signal:SIGSEGV", "oom"), groups the crash under a
 * service (compose project/service, SERVICE_NAME, the image repository or
 * the container name without its replica suffix), and builds the event:
 * message, fingerprint, release, tags, contexts, the labels (values only
 * for an allow-list) and the log tail.  Env vars are never read into an
 * event.  Pure.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sentry.h"
#include "str.h"

#include "registrator.h"

static const char *
crash_event_signal_name(int sig)
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
crash_event_reason(const struct container_state *st, char *out, size_t len)
{
	const char *name;

	if (st->oom_killed) {
		(void)snprintf(out, len, "oom");
		return;
	}
	if (st->exit_code >= 129 && st->exit_code <= 192) {
		name = crash_event_signal_name(st->exit_code - 128);
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
crash_event_image_split(const char *image, char *repo, size_t repolen,
    char *tag, size_t taglen, char *digest, size_t digestlen)
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
crash_event_all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* Strips "-2", "_2" or a swarm task's ".2.<id>" from a container name. */
static void
crash_event_strip_replica(const char *name, char *out, size_t len)
{
	const char *dot, *dot2, *sep;
	size_t n = strlen(name);

	dot = strchr(name, '.');
	if (dot != NULL && dot != name) {
		dot2 = strchr(dot + 1, '.');
		if (dot2 != NULL
		    && crash_event_all_digits(dot + 1,
			(size_t)(dot2 - dot - 1))) {
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
	    && crash_event_all_digits(sep + 1, n - (size_t)(sep - name) - 1))
		n = (size_t)(sep - name);
	(void)snprintf(out, len, "%.*s", (int)n, name);
}

/*
 * Compose service, SERVICE_NAME, then (by_image) the image repository,
 * then the container name without its replica suffix.
 */
static void
crash_event_group(const struct container *c, char *out, size_t len,
    bool by_image)
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
	if (by_image && c->image[0] != '\0' && !container_image_is_id(c)) {
		crash_event_image_split(c->image, repo, sizeof(repo), tag,
		    sizeof(tag), digest, sizeof(digest));
		if (repo[0] != '\0') {
			(void)str_copy(out, repo, len);
			return;
		}
	}
	crash_event_strip_replica(c->name, out, len);
}

void
crash_event_service(const struct container *c, char *out, size_t len)
{
	crash_event_group(c, out, len, true);
}

void
crash_event_loop_key(const struct container *c, char *out, size_t len)
{
	crash_event_group(c, out, len, false);
}

bool
crash_event_label_allowed(const char *key, const char *allow)
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

static void
crash_event_add_num(cJSON *obj, const char *key, long long v)
{
	if (v >= 0)
		cJSON_AddNumberToObject(obj, key, (double)v);
}

static cJSON *
crash_event_ctx_container(const struct container *c, const char *version)
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
crash_event_ctx_state(const struct container *c)
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
crash_event_ctx_resources(const struct crash_stats *s, uint64_t age_ms)
{
	cJSON *o = cJSON_CreateObject();

	if (s == NULL || !s->valid) {
		cJSON_AddStringToObject(o, "unavailable",
		    "no sample was taken while the container ran");
		return o;
	}
	crash_event_add_num(o, "memory_usage_bytes", s->mem_usage);
	crash_event_add_num(o, "memory_max_usage_bytes", s->mem_max_usage);
	crash_event_add_num(o, "memory_limit_bytes", s->mem_limit);
	crash_event_add_num(o, "memory_failcnt", s->mem_failcnt);
	crash_event_add_num(o, "cpu_total_ns", s->cpu_total_ns);
	crash_event_add_num(o, "cpu_user_ns", s->cpu_user_ns);
	crash_event_add_num(o, "cpu_system_ns", s->cpu_system_ns);
	crash_event_add_num(o, "pids", s->pids);
	crash_event_add_num(o, "pids_limit", s->pids_limit);
	if (s->read_at[0] != '\0')
		cJSON_AddStringToObject(o, "sampled_at", s->read_at);
	cJSON_AddNumberToObject(o, "sample_age_ms", (double)age_ms);
	return o;
}

static cJSON *
crash_event_labels(const struct container *c, const char *allow)
{
	cJSON *o = cJSON_CreateObject();
	size_t i;

	for (i = 0; i < c->nlabels; i++) {
		const char *k = c->labels[i].key;

		if (cJSON_GetObjectItemCaseSensitive(o, k) != NULL)
			continue;
		cJSON_AddStringToObject(o, k,
		    crash_event_label_allowed(k, allow) ? c->labels[i].value
							: CRASH_FILTERED);
	}
	return o;
}

static void
crash_event_describe(const struct container_state *st, const char *reason,
    char *out, size_t len)
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

	crash_event_reason(&c->state, reason, sizeof(reason));
	crash_event_service(c, service, sizeof(service));
	crash_event_image_split(c->image, repo, sizeof(repo), tag, sizeof(tag),
	    digest, sizeof(digest));
	crash_event_describe(&c->state, reason, desc, sizeof(desc));
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
	    crash_event_ctx_container(c, version), err, sizeof(err));
	(void)sentry_event_set_context(ev, "state", crash_event_ctx_state(c),
	    err, sizeof(err));
	(void)sentry_event_set_context(ev, "resources",
	    crash_event_ctx_resources(r->stats, r->stats_age_ms), err,
	    sizeof(err));
	(void)sentry_event_set_extra(ev, "labels",
	    crash_event_labels(c, r->allow), err, sizeof(err));
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
