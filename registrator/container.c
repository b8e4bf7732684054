/* SPDX-License-Identifier: MIT */
/*
 * A container as the Docker Engine describes it in GET
 * /containers/{id}/json.  This file turns that answer into struct
 * container, the one view of a container the rest of the registrator uses:
 * derive.c reads its env, labels, ports and networks to compute services,
 * reconcile.c keys its state on the ID, and crash.c reports its state,
 * image and restart policy.  The answer is trusted for its shape only:
 * every field may be missing (older or newer engines), and a field of the
 * wrong type is an error that names it, so a surprise is diagnosed rather
 * than half-read.  Pure: no I/O, no logging.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registrator.h"
#include "str.h"
#include "xmalloc.h"

/* Where a field lives, for error messages ("Config.Env[2]"). */
struct field {
	const cJSON *obj; /* NULL: the parent is absent */
	const char *where; /* prefix, "" or "Config." */
};

static void field_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
field_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The member, or NULL when missing or JSON null (both mean "absent"). */
static const cJSON *
field_item(const struct field *f, const char *key)
{
	const cJSON *it;

	if (f->obj == NULL)
		return NULL;
	it = cJSON_GetObjectItemCaseSensitive(f->obj, key);
	if (it == NULL || cJSON_IsNull(it))
		return NULL;
	return it;
}

static int
field_str(const struct field *f, const char *key, char **out, char *err,
    size_t errlen)
{
	const cJSON *it = field_item(f, key);

	if (it != NULL && !cJSON_IsString(it)) {
		field_err(err, errlen, "%s%s: not a string", f->where, key);
		return -1;
	}
	*out = xstrdup(it != NULL ? it->valuestring : "");
	return 0;
}

static int
field_bool(const struct field *f, const char *key, bool *out, char *err,
    size_t errlen)
{
	const cJSON *it = field_item(f, key);

	if (it == NULL) {
		*out = false;
		return 0;
	}
	if (!cJSON_IsBool(it)) {
		field_err(err, errlen, "%s%s: not a boolean", f->where, key);
		return -1;
	}
	*out = cJSON_IsTrue(it);
	return 0;
}

static int
field_num(const struct field *f, const char *key, double min, double max,
    double *out, char *err, size_t errlen)
{
	const cJSON *it = field_item(f, key);

	if (it == NULL) {
		*out = 0;
		return 0;
	}
	/* The range test comes first: casting 1e300 would be undefined. */
	if (!cJSON_IsNumber(it)
	    || !(it->valuedouble >= min && it->valuedouble <= max)
	    || it->valuedouble != (double)(long long)it->valuedouble) {
		field_err(err, errlen, "%s%s: not an integer in range",
		    f->where, key);
		return -1;
	}
	*out = it->valuedouble;
	return 0;
}

static int
field_int(const struct field *f, const char *key, int *out, char *err,
    size_t errlen)
{
	double d;

	if (field_num(f, key, -2147483648.0, 2147483647.0, &d, err, errlen)
	    == -1)
		return -1;
	*out = (int)d;
	return 0;
}

/* A nested object, or {NULL} when absent; an error when not an object. */
static int
field_obj(const struct field *f, const char *key, const char *where,
    struct field *out, char *err, size_t errlen)
{
	const cJSON *it = field_item(f, key);

	if (it != NULL && !cJSON_IsObject(it)) {
		field_err(err, errlen, "%s%s: not an object", f->where, key);
		return -1;
	}
	out->obj = it;
	out->where = where;
	return 0;
}

static int
field_strings(const struct field *f, const char *key, char ***out, size_t *nout,
    char *err, size_t errlen)
{
	const cJSON *it = field_item(f, key), *e;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	if (it == NULL)
		return 0;
	if (!cJSON_IsArray(it)) {
		field_err(err, errlen, "%s%s: not an array", f->where, key);
		return -1;
	}
	*out = xcalloc((size_t)cJSON_GetArraySize(it) + 1, sizeof(char *));
	cJSON_ArrayForEach(e, it) {
		if (!cJSON_IsString(e)) {
			field_err(err, errlen, "%s%s[%zu]: not a string",
			    f->where, key, n);
			return -1;
		}
		(*out)[n++] = xstrdup(e->valuestring);
		*nout = n;
	}
	return 0;
}

static void
strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
kv_free(struct container_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

void
container_free(struct container *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->name);
	free(c->created);
	free(c->image);
	free(c->image_id);
	free(c->hostname);
	free(c->path);
	strings_free(c->args, c->nargs);
	kv_free(c->env, c->nenv);
	kv_free(c->labels, c->nlabels);
	for (size_t i = 0; i < c->nports; i++)
		free(c->ports[i].host_ip);
	free(c->ports);
	for (size_t i = 0; i < c->nnetworks; i++) {
		free(c->networks[i].name);
		free(c->networks[i].id);
		free(c->networks[i].ip);
		free(c->networks[i].ipv6);
	}
	free(c->networks);
	free(c->ip);
	free(c->network_mode);
	free(c->stop_signal);
	free(c->restart_policy);
	free(c->state.status);
	free(c->state.error);
	free(c->state.started_at);
	free(c->state.finished_at);
	free(c->state.health);
	free(c);
}

static int
parse_env(const struct field *config, struct container *c, char *err,
    size_t errlen)
{
	char **raw = NULL;
	size_t nraw = 0;
	int ret = -1;

	if (field_strings(config, "Env", &raw, &nraw, err, errlen) == -1)
		goto out;
	c->env = xcalloc(nraw + 1, sizeof(*c->env));
	for (size_t i = 0; i < nraw; i++) {
		char *eq = strchr(raw[i], '=');

		/* "KEY" alone is how a Dockerfile unsets; nothing to read. */
		if (eq == NULL)
			continue;
		c->env[c->nenv].key = xstrndup(raw[i], (size_t)(eq - raw[i]));
		c->env[c->nenv].value = xstrdup(eq + 1);
		c->nenv++;
	}
	ret = 0;
out:
	strings_free(raw, nraw);
	return ret;
}

static int
parse_labels(const struct field *config, struct container *c, char *err,
    size_t errlen)
{
	const cJSON *labels = field_item(config, "Labels"), *e;

	if (labels == NULL)
		return 0;
	if (!cJSON_IsObject(labels)) {
		field_err(err, errlen, "Config.Labels: not an object");
		return -1;
	}
	c->labels = xcalloc((size_t)cJSON_GetArraySize(labels) + 1,
	    sizeof(*c->labels));
	cJSON_ArrayForEach(e, labels) {
		if (!cJSON_IsString(e)) {
			field_err(err, errlen, "Config.Labels.%s: not a string",
			    e->string);
			return -1;
		}
		c->labels[c->nlabels].key = xstrdup(e->string);
		c->labels[c->nlabels].value = xstrdup(e->valuestring);
		c->nlabels++;
	}
	return 0;
}

/* "80/tcp" -> 80, "tcp"; a missing protocol means tcp, as in Docker. */
static int
port_key_parse(const char *key, uint16_t *port, char *proto, size_t protolen)
{
	const char *slash = strchr(key, '/');
	char num[8];
	size_t n = slash != NULL ? (size_t)(slash - key) : strlen(key);
	long long v;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, key, n);
	num[n] = '\0';
	if (str_to_ll(num, 1, 65535, &v) == -1)
		return -1;
	if (slash == NULL) {
		str_copy(proto, "tcp", protolen);
	} else {
		const char *p = slash + 1;

		if (*p == '\0' || strlen(p) >= protolen)
			return -1;
		for (const char *q = p; *q != '\0'; q++)
			if (!islower((unsigned char)*q))
				return -1;
		str_copy(proto, p, protolen);
	}
	*port = (uint16_t)v;
	return 0;
}

static int
port_cmp(const void *a, const void *b)
{
	const struct container_port *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return strcmp(x->proto, y->proto);
}

static bool
host_ip_is_wildcard(const char *ip)
{
	return *ip == '\0' || strcmp(ip, "0.0.0.0") == 0
	    || strcmp(ip, "::") == 0;
}

/*
 * Picks the binding to register from Docker's list: the first IPv4 or
 * wildcard one (Docker 20.10 lists 0.0.0.0 then :: for one -p), else the
 * first.
 */
static int
port_bindings(const cJSON *list, const char *key, struct container_port *p,
    char *err, size_t errlen)
{
	const cJSON *b, *chosen = NULL, *first = NULL;
	const cJSON *ip, *hp;
	long long v;
	size_t i = 0;

	if (!cJSON_IsArray(list)) {
		field_err(err, errlen, "NetworkSettings.Ports.%s: not an array",
		    key);
		return -1;
	}
	cJSON_ArrayForEach(b, list) {
		if (!cJSON_IsObject(b)) {
			field_err(err, errlen,
			    "NetworkSettings.Ports.%s[%zu]: not an object", key,
			    i);
			return -1;
		}
		ip = cJSON_GetObjectItemCaseSensitive(b, "HostIp");
		if (ip != NULL && !cJSON_IsString(ip) && !cJSON_IsNull(ip)) {
			field_err(err, errlen,
			    "NetworkSettings.Ports.%s[%zu]"
			    ".HostIp: not a string",
			    key, i);
			return -1;
		}
		if (first == NULL)
			first = b;
		if (chosen == NULL
		    && (!cJSON_IsString(ip)
			|| strchr(ip->valuestring, ':') == NULL
			|| host_ip_is_wildcard(ip->valuestring)))
			chosen = b;
		i++;
	}
	if (chosen == NULL)
		chosen = first;
	if (chosen == NULL)
		return 0;
	ip = cJSON_GetObjectItemCaseSensitive(chosen, "HostIp");
	hp = cJSON_GetObjectItemCaseSensitive(chosen, "HostPort");
	if (!cJSON_IsString(hp)
	    || str_to_ll(hp->valuestring, 1, 65535, &v) == -1) {
		field_err(err, errlen,
		    "NetworkSettings.Ports.%s: HostPort is not a port number",
		    key);
		return -1;
	}
	p->host_port = (uint16_t)v;
	free(p->host_ip);
	p->host_ip = xstrdup(
	    cJSON_IsString(ip) && !host_ip_is_wildcard(ip->valuestring)
		? ip->valuestring
		: "");
	return 0;
}

/*
 * Collects Config.ExposedPorts and NetworkSettings.Ports into one sorted
 * array, merging the entries of the same port and protocol.
 */
static int
parse_ports(const struct field *config, const struct field *settings,
    struct container *c, char *err, size_t errlen)
{
	const cJSON *exposed = field_item(config, "ExposedPorts");
	const cJSON *ports = field_item(settings, "Ports"), *e;
	size_t max = 0, n = 0, kept = 0;
	int ret = -1;

	if (exposed != NULL && !cJSON_IsObject(exposed)) {
		field_err(err, errlen, "Config.ExposedPorts: not an object");
		return -1;
	}
	if (ports != NULL && !cJSON_IsObject(ports)) {
		field_err(err, errlen, "NetworkSettings.Ports: not an object");
		return -1;
	}
	if (exposed != NULL)
		max += (size_t)cJSON_GetArraySize(exposed);
	if (ports != NULL)
		max += (size_t)cJSON_GetArraySize(ports);
	c->ports = xcalloc(max + 1, sizeof(*c->ports));
	if (exposed != NULL) {
		cJSON_ArrayForEach(e, exposed) {
			struct container_port *p = &c->ports[n];

			if (port_key_parse(e->string, &p->port, p->proto,
				sizeof(p->proto))
			    == -1) {
				field_err(err, errlen,
				    "Config.ExposedPorts: bad port \"%.32s\"",
				    e->string);
				goto out;
			}
			p->exposed = true;
			p->host_ip = xstrdup("");
			c->nports = ++n;
		}
	}
	if (ports != NULL) {
		cJSON_ArrayForEach(e, ports) {
			struct container_port *p = &c->ports[n];

			if (port_key_parse(e->string, &p->port, p->proto,
				sizeof(p->proto))
			    == -1) {
				field_err(err, errlen,
				    "NetworkSettings.Ports: bad port \"%.32s\"",
				    e->string);
				goto out;
			}
			p->in_settings = true;
			p->host_ip = xstrdup("");
			c->nports = ++n;
			if (!cJSON_IsNull(e)
			    && port_bindings(e, e->string, p, err, errlen)
				== -1)
				goto out;
		}
	}
	qsort(c->ports, n, sizeof(*c->ports), port_cmp);
	/* Merge neighbours with the same port and protocol. */
	for (size_t i = 0; i < n; i++) {
		if (kept > 0
		    && port_cmp(&c->ports[kept - 1], &c->ports[i]) == 0) {
			struct container_port *dst = &c->ports[kept - 1];

			dst->exposed |= c->ports[i].exposed;
			dst->in_settings |= c->ports[i].in_settings;
			if (c->ports[i].host_port != 0) {
				dst->host_port = c->ports[i].host_port;
				free(dst->host_ip);
				dst->host_ip = c->ports[i].host_ip;
			} else
				free(c->ports[i].host_ip);
			continue;
		}
		c->ports[kept++] = c->ports[i];
	}
	c->nports = kept;
	ret = 0;
out:
	return ret;
}

static int
network_cmp(const void *a, const void *b)
{
	const struct container_network *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int
parse_networks(const struct field *settings, struct container *c, char *err,
    size_t errlen)
{
	const cJSON *nets = field_item(settings, "Networks"), *e;

	if (nets == NULL)
		return 0;
	if (!cJSON_IsObject(nets)) {
		field_err(err, errlen,
		    "NetworkSettings.Networks: not an object");
		return -1;
	}
	c->networks = xcalloc((size_t)cJSON_GetArraySize(nets) + 1,
	    sizeof(*c->networks));
	cJSON_ArrayForEach(e, nets) {
		struct container_network *n = &c->networks[c->nnetworks];
		struct field f = { e, "NetworkSettings.Networks.*." };

		if (!cJSON_IsObject(e)) {
			field_err(err, errlen,
			    "NetworkSettings.Networks.%s: not an object",
			    e->string);
			return -1;
		}
		n->name = xstrdup(e->string);
		c->nnetworks++;
		if (field_str(&f, "NetworkID", &n->id, err, errlen) == -1
		    || field_str(&f, "IPAddress", &n->ip, err, errlen) == -1
		    || field_str(&f, "GlobalIPv6Address", &n->ipv6, err, errlen)
			== -1)
			return -1;
	}
	qsort(c->networks, c->nnetworks, sizeof(*c->networks), network_cmp);
	return 0;
}

static int
parse_healthcheck(const struct field *config, struct container *c, char *err,
    size_t errlen)
{
	struct field hc;
	char **test = NULL;
	size_t ntest = 0;
	double interval;
	int ret = -1;

	if (field_obj(config, "Healthcheck", "Config.Healthcheck.", &hc, err,
		errlen)
	    == -1)
		goto out;
	if (field_strings(&hc, "Test", &test, &ntest, err, errlen) == -1)
		goto out;
	/* Docker's interval is in nanoseconds. */
	if (field_num(&hc, "Interval", 0, 9e15, &interval, err, errlen) == -1)
		goto out;
	c->has_healthcheck = ntest > 0 && strcmp(test[0], "NONE") != 0;
	c->healthcheck_interval_ms = (uint64_t)(interval / 1e6);
	ret = 0;
out:
	strings_free(test, ntest);
	return ret;
}

static int
parse_state(const struct field *root, struct container *c, char *err,
    size_t errlen)
{
	struct field st, health;
	struct container_state *s = &c->state;

	if (field_obj(root, "State", "State.", &st, err, errlen) == -1
	    || field_str(&st, "Status", &s->status, err, errlen) == -1
	    || field_bool(&st, "Running", &s->running, err, errlen) == -1
	    || field_bool(&st, "Paused", &s->paused, err, errlen) == -1
	    || field_bool(&st, "Restarting", &s->restarting, err, errlen) == -1
	    || field_bool(&st, "Dead", &s->dead, err, errlen) == -1
	    || field_bool(&st, "OOMKilled", &s->oom_killed, err, errlen) == -1
	    || field_int(&st, "Pid", &s->pid, err, errlen) == -1
	    || field_int(&st, "ExitCode", &s->exit_code, err, errlen) == -1
	    || field_str(&st, "Error", &s->error, err, errlen) == -1
	    || field_str(&st, "StartedAt", &s->started_at, err, errlen) == -1
	    || field_str(&st, "FinishedAt", &s->finished_at, err, errlen) == -1
	    || field_obj(&st, "Health", "State.Health.", &health, err, errlen)
		== -1
	    || field_str(&health, "Status", &s->health, err, errlen) == -1
	    || field_int(&health, "FailingStreak", &s->failing_streak, err,
		   errlen)
		== -1)
		return -1;
	return 0;
}

struct container *
container_from_json(const cJSON *root, char *err, size_t errlen)
{
	struct container *c = NULL, *ret = NULL;
	struct field top = { root, "" }, config, host, settings, policy;
	double mem;
	char *name = NULL;

	if (!cJSON_IsObject(root)) {
		field_err(err, errlen, "inspect: not a JSON object");
		goto out;
	}
	/* A parse stopped half-way leaves NULLs, which container_free takes. */
	c = xcalloc(1, sizeof(*c));
	if (field_str(&top, "Id", &c->id, err, errlen) == -1)
		goto out;
	if (*c->id == '\0') {
		field_err(err, errlen, "Id: missing");
		goto out;
	}
	if (field_str(&top, "Name", &name, err, errlen) == -1
	    || field_str(&top, "Created", &c->created, err, errlen) == -1
	    || field_str(&top, "Image", &c->image_id, err, errlen) == -1
	    || field_str(&top, "Path", &c->path, err, errlen) == -1
	    || field_strings(&top, "Args", &c->args, &c->nargs, err, errlen)
		== -1
	    || field_int(&top, "RestartCount", &c->restart_count, err, errlen)
		== -1)
		goto out;
	c->name = xstrdup(name[0] == '/' ? name + 1 : name);
	if (field_obj(&top, "Config", "Config.", &config, err, errlen) == -1
	    || field_str(&config, "Image", &c->image, err, errlen) == -1
	    || field_str(&config, "Hostname", &c->hostname, err, errlen) == -1
	    || parse_env(&config, c, err, errlen) == -1
	    || parse_labels(&config, c, err, errlen) == -1
	    || parse_healthcheck(&config, c, err, errlen) == -1)
		goto out;
	/* Absent means Docker's default, which 0 (stop at once) is not. */
	c->stop_timeout = -1;
	if (field_str(&config, "StopSignal", &c->stop_signal, err, errlen)
	    == -1)
		goto out;
	if (field_item(&config, "StopTimeout") != NULL
	    && field_int(&config, "StopTimeout", &c->stop_timeout, err, errlen)
		== -1)
		goto out;
	if (field_obj(&top, "HostConfig", "HostConfig.", &host, err, errlen)
		== -1
	    || field_str(&host, "NetworkMode", &c->network_mode, err, errlen)
		== -1
	    || field_num(&host, "Memory", 0, 9e15, &mem, err, errlen) == -1
	    || field_bool(&host, "AutoRemove", &c->auto_remove, err, errlen)
		== -1
	    || field_obj(&host, "RestartPolicy", "HostConfig.RestartPolicy.",
		   &policy, err, errlen)
		== -1
	    || field_str(&policy, "Name", &c->restart_policy, err, errlen) == -1
	    || field_int(&policy, "MaximumRetryCount", &c->restart_max_retries,
		   err, errlen)
		== -1)
		goto out;
	c->memory_limit = (long long)mem;
	if (field_obj(&top, "NetworkSettings", "NetworkSettings.", &settings,
		err, errlen)
		== -1
	    || field_str(&settings, "IPAddress", &c->ip, err, errlen) == -1
	    || parse_ports(&config, &settings, c, err, errlen) == -1
	    || parse_networks(&settings, c, err, errlen) == -1
	    || parse_state(&top, c, err, errlen) == -1)
		goto out;
	ret = c;
	c = NULL;
out:
	free(name);
	container_free(c);
	return ret;
}

struct container *
container_parse(const char *json, size_t len, char *err, size_t errlen)
{
	cJSON *root;
	struct container *c;

	root = cJSON_ParseWithLength(json, len);
	if (root == NULL) {
		field_err(err, errlen, "inspect: invalid JSON");
		return NULL;
	}
	c = container_from_json(root, err, errlen);
	cJSON_Delete(root);
	return c;
}

static const char *
kv_find(const struct container_kv *v, size_t n, const char *key)
{
	const char *found = NULL;

	/* The last entry wins, as it does for a process's environment. */
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			found = v[i].value;
	return found;
}

const char *
container_label(const struct container *c, const char *key)
{
	return kv_find(c->labels, c->nlabels, key);
}

const char *
container_env(const struct container *c, const char *key)
{
	return kv_find(c->env, c->nenv, key);
}

const struct container_network *
container_network(const struct container *c, const char *name)
{
	for (size_t i = 0; i < c->nnetworks; i++)
		if (strcmp(c->networks[i].name, name) == 0)
			return &c->networks[i];
	return NULL;
}

const struct container_port *
container_port(const struct container *c, uint16_t port, const char *proto)
{
	for (size_t i = 0; i < c->nports; i++)
		if (c->ports[i].port == port
		    && strcmp(c->ports[i].proto, proto) == 0)
			return &c->ports[i];
	return NULL;
}

bool
container_image_is_id(const struct container *c)
{
	const char *img = c->image, *id = c->image_id;
	size_t n = strlen(img);

	if (str_has_prefix(img, "sha256:"))
		return true;
	/*
	 * "docker run 98fe9ade" records the prefix as typed; require it to
	 * be a prefix of the real ID so that an image called "cafe" is
	 * still a name.
	 */
	if (n < 4)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)img[i])
		    || isupper((unsigned char)img[i]))
			return false;
	if (str_has_prefix(id, "sha256:"))
		id += strlen("sha256:");
	return strncmp(id, img, n) == 0;
}
