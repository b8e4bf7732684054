/* SPDX-License-Identifier: MIT */
/*
 * The Docker Engine client: the registrator's only source of truth about
 * containers.  It negotiates the API version with /_ping, learns the host
 * name from /info, subscribes to /events before it lists containers (so
 * nothing that happens during the listing is missed), then inspects every
 * container it hears about and hands events and inspect results on to
 * the container table (containers.c), whose subscribers act on them.
 * When the stream drops it reconnects with backoff and since=<last event>
 * and lists again, because the daemon replays only its last 256 events and
 * drops events for slow readers.  Per container, at most one inspect is in
 * flight; events arriving meanwhile are folded into one more inspect, so a
 * container's changes reach the subscribers in order.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backoff.h"
#include "buf.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "str.h"
#include "xmalloc.h"

#include "registrator.h"

#define DOCKER_DEFAULT_SOCKET "/var/run/docker.sock"
#define DOCKER_BACKOFF_MIN_MS 250
/*
 * Short: a retry against a down Docker is one refused connect, while every
 * second of waiting after it is back leaves ghosts registered.
 */
#define DOCKER_BACKOFF_MAX_MS 5000
#define DOCKER_REQ_TIMEOUT_MS 30000
#define DOCKER_URL_MAX 512
/*
 * Inspects in flight at once.  A burst of events (a benchmark starting
 * hundreds of containers) must not queue so many transfers that they time
 * out waiting for a connection; the rest wait here, marked pending.
 */
#define DOCKER_INSPECTS_MAX 8

enum docker_phase {
	DOCKER_IDLE, /* waiting for the backoff timer */
	DOCKER_PING,
	DOCKER_INFO,
	DOCKER_RUNNING, /* stream (if following) and listings */
};

/*
 * docker.c's section of a container record: the inspect pending or in
 * flight.  It exists only while there is one, and the record is not
 * forgotten meanwhile (containers_listed skips it).
 */
struct docker_ctr {
	struct containers_rec *rec; /* the record it is the section of */
	struct docker *docker;
	unsigned pending; /* actions not yet inspected */
	unsigned inflight_actions; /* actions the inspect in flight covers */
	uint64_t inspect_start_ns; /* monotonic, of the inspect in flight */
	int pending_exit; /* exitCode of a die event, -1: none */
	int inflight_exit;
	struct http_req *req;
	unsigned list_gen; /* listing round waiting for it, or 0 */
	struct loop_timer retry;
	struct backoff backoff;
};

struct docker {
	struct loop *loop;
	struct http *http;
	char *base; /* "http://localhost" or "http://h:p" */
	char *unix_socket; /* NULL for TCP */
	struct http_tls tls;
	bool use_tls;
	struct containers *table; /* borrowed: what docker.c feeds */
	bool follow;

	enum docker_phase phase;
	char api[16]; /* "1.41" */
	char *host_name;
	struct http_req *req; /* ping or info */
	struct loop_timer timer; /* backoff for ping/info/stream */
	struct backoff backoff;

	struct http_req *stream;
	struct buf line; /* partial /events line */
	bool skipping; /* dropping an oversized line */
	long long since_sec; /* last event seen, for since= */
	long long since_nsec;
	bool have_since;

	struct http_req *list_req;
	bool list_again;
	unsigned list_gen;
	unsigned list_waiting; /* inspects of this round in flight */
	char **list_ids;
	size_t list_nids;
	struct loop_timer list_timer;
	struct backoff list_backoff;

	unsigned inspects; /* in flight, at most DOCKER_INSPECTS_MAX */
	/*
	 * Events arrive inside curl's write callback, where no transfer may
	 * be started; they only mark containers, and this zero-delay timer
	 * starts the inspects (and a listing) on the next turn.
	 */
	struct loop_timer kick_timer;
	bool list_wanted;
};

static void docker_connect(struct docker *);
static void docker_inspect(struct docker *, struct docker_ctr *);
static void docker_list(struct docker *);
static void docker_list_later(struct docker *);

static uint64_t
docker_seed(const void *p)
{
	return mono_ms() ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)p;
}

static bool
docker_id_valid(const char *id)
{
	size_t n = 0;

	for (; id[n] != '\0'; n++)
		if (!isxdigit((unsigned char)id[n]))
			return false;
	return n > 0 && n <= DOCKER_ID_MAX;
}

static void
docker_opts(const struct docker *d, struct http_opts *o, const char *url)
{
	memset(o, 0, sizeof(*o));
	o->url = url;
	o->unix_socket = d->unix_socket;
	o->tls = d->use_tls ? &d->tls : NULL;
	o->timeout_ms = DOCKER_REQ_TIMEOUT_MS;
	o->max_body = BUF_MAX_DOCKER_BODY;
}

/* Versioned URL: base + "/v1.NN" + path. */
static void
docker_url(const struct docker *d, char *url, size_t len, const char *path)
{
	(void)snprintf(url, len, "%s/v%s%s", d->base, d->api, path);
}

static void
docker_retry(struct docker *d, const char *what, const char *why)
{
	uint64_t ms;

	ms = backoff_next(&d->backoff);
	log_warnx("docker: %s: %s, retrying in %llu ms", what, why,
	    (unsigned long long)ms);
	containers_error(d->table);
	d->phase = DOCKER_IDLE;
	loop_timer_start(d->loop, &d->timer, ms);
}

static void
docker_result_why(const struct http_result *res, char *why, size_t len)
{
	if (res->error != 0)
		(void)snprintf(why, len, "%s", res->errmsg);
	else
		(void)snprintf(why, len, "HTTP %ld", res->status);
}

/* Parses "1.41" into its minor number; -1 on anything else. */
static int
docker_api_minor(const char *v)
{
	long long minor;

	if (v == NULL || strncmp(v, "1.", 2) != 0)
		return -1;
	if (str_to_ll(v + 2, 0, 999, &minor) == -1)
		return -1;
	return (int)minor;
}

/*
 * First subscription: replay from one second before the daemon's clock
 * (the Date header of /_ping), so that nothing between subscribing and
 * listing can slip through even if the stream's request lands late.
 */
static void
docker_since_from_date(struct docker *d, const char *date)
{
	struct tm tm;
	const char *end;
	time_t t;

	if (d->have_since || date == NULL)
		return;
	memset(&tm, 0, sizeof(tm));
	end = strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL)
		return;
	t = timegm(&tm);
	if (t <= 1)
		return;
	d->since_sec = (long long)t - 1;
	d->since_nsec = 0;
	d->have_since = true;
}

static void
docker_info_done(const struct http_result *res, void *arg)
{
	struct docker *d = arg;
	cJSON *info = NULL;
	const cJSON *name;
	char why[HTTP_ERR_MAX + 32];

	d->req = NULL;
	if (res->error != 0 || res->status != 200) {
		docker_result_why(res, why, sizeof(why));
		docker_retry(d, "GET /info", why);
		return;
	}
	info = cJSON_ParseWithLength(res->body, res->body_len);
	name = cJSON_GetObjectItemCaseSensitive(info, "Name");
	if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
		cJSON_Delete(info);
		docker_retry(d, "GET /info", "no Name in the answer");
		return;
	}
	if (d->host_name == NULL
	    || strcmp(d->host_name, name->valuestring) != 0) {
		free(d->host_name);
		d->host_name = xstrdup(name->valuestring);
	}
	cJSON_Delete(info);
	backoff_reset(&d->backoff);
	d->phase = DOCKER_RUNNING;
	log_info("docker: connected, API %s, host %s", d->api, d->host_name);
	containers_ready(d->table, d->host_name);
	if (d->follow)
		docker_connect(d);
	docker_list(d);
}

static void
docker_ping_done(const struct http_result *res, void *arg)
{
	struct docker *d = arg;
	struct http_opts o;
	const char *v;
	char url[DOCKER_URL_MAX], why[HTTP_ERR_MAX + 32];
	int minor;

	d->req = NULL;
	if (res->error != 0 || res->status != 200) {
		docker_result_why(res, why, sizeof(why));
		docker_retry(d, "GET /_ping", why);
		return;
	}
	v = http_result_header(res, "Api-Version");
	minor = docker_api_minor(v);
	if (minor == -1) {
		docker_retry(d, "GET /_ping", "no usable Api-Version header");
		return;
	}
	if (minor < DOCKER_API_MIN_MINOR) {
		(void)snprintf(why, sizeof(why),
		    "daemon API %s is older than 1.%d", v,
		    DOCKER_API_MIN_MINOR);
		docker_retry(d, "GET /_ping", why);
		return;
	}
	if (minor > DOCKER_API_MAX_MINOR)
		minor = DOCKER_API_MAX_MINOR;
	(void)snprintf(d->api, sizeof(d->api), "1.%d", minor);
	docker_since_from_date(d, http_result_header(res, "Date"));

	d->phase = DOCKER_INFO;
	docker_url(d, url, sizeof(url), "/info");
	docker_opts(d, &o, url);
	d->req = http_start(d->http, &o, docker_info_done, d);
}

static void
docker_ping(struct docker *d)
{
	struct http_opts o;
	char url[DOCKER_URL_MAX];

	d->phase = DOCKER_PING;
	(void)snprintf(url, sizeof(url), "%s/_ping", d->base);
	docker_opts(d, &o, url);
	d->req = http_start(d->http, &o, docker_ping_done, d);
}

static void
docker_timer_cb(struct loop *loop, struct loop_timer *timer, void *arg)
{
	(void)loop;
	(void)timer;
	docker_ping(arg);
}

/* ---- per-container inspects ---- */

static void
docker_ctr_free(struct docker *d, struct docker_ctr *c)
{
	c->rec->docker = NULL;
	if (c->req != NULL)
		d->inspects--;
	http_cancel(d->http, c->req);
	loop_timer_stop(d->loop, &c->retry);
	free(c);
}

static void
docker_ctr_retry_cb(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct docker_ctr *c = arg;

	(void)loop;
	(void)timer;
	docker_inspect(c->docker, c);
}

/* Called when a listing round's last inspect has completed. */
static void
docker_list_finish(struct docker *d)
{
	size_t i;

	containers_listed(d->table, (const char *const *)d->list_ids,
	    d->list_nids);
	for (i = 0; i < d->list_nids; i++)
		free(d->list_ids[i]);
	free(d->list_ids);
	d->list_ids = NULL;
	d->list_nids = 0;
	d->list_gen = 0;
	if (d->list_again) {
		d->list_again = false;
		docker_list(d);
	}
}

static void
docker_inspect_done(const struct http_result *res, void *arg)
{
	struct docker_ctr *c = arg;
	struct docker *d = c->docker;
	struct containers_rec *rec = c->rec;
	struct containers_change ch;
	cJSON *inspect = NULL;
	char why[HTTP_ERR_MAX + 32];
	bool list_done = false;

	/* A slot is free: the kick timer starts the next pending inspect. */
	d->inspects--;
	if (!loop_timer_active(&d->kick_timer))
		loop_timer_start(d->loop, &d->kick_timer, 0);

	c->req = NULL;
	log_trace("docker: inspect %.12s: HTTP %ld", rec->id, res->status);
	if (res->error != 0 || (res->status != 200 && res->status != 404)) {
		uint64_t ms;

		/* Keep the actions: they are inspected again after a pause. */
		c->pending |= c->inflight_actions;
		if (c->pending_exit == -1)
			c->pending_exit = c->inflight_exit;
		c->inflight_actions = 0;
		ms = backoff_next(&c->backoff);
		docker_result_why(res, why, sizeof(why));
		log_warnx("docker: inspect %.12s: %s, retrying in %llu ms",
		    rec->id, why, (unsigned long long)ms);
		loop_timer_start(d->loop, &c->retry, ms);
		return;
	}
	backoff_reset(&c->backoff);
	if (res->status == 200) {
		inspect = cJSON_ParseWithLength(res->body, res->body_len);
		if (inspect == NULL) {
			log_warnx("docker: inspect %.12s: answer is not JSON, "
				  "treating the container as gone",
			    rec->id);
		}
	}
	memset(&ch, 0, sizeof(ch));
	ch.actions = c->inflight_actions;
	ch.inspect = inspect;
	ch.inspect_ns = mono_ns() - c->inspect_start_ns;
	ch.die_exit_code = c->inflight_exit;
	c->inflight_actions = 0;
	c->inflight_exit = -1;
	if (c->list_gen != 0 && c->list_gen == d->list_gen) {
		c->list_gen = 0;
		if (--d->list_waiting == 0)
			list_done = true;
	}
	containers_change(d->table, rec, &ch);
	cJSON_Delete(inspect);
	if (c->pending != 0)
		docker_inspect(d, c);
	else {
		docker_ctr_free(d, c);
		/* Gone, and no event since: the table forgets it. */
		if (ch.inspect == NULL)
			containers_remove(d->table, rec);
	}
	if (list_done)
		docker_list_finish(d);
}

static void
docker_inspect(struct docker *d, struct docker_ctr *c)
{
	struct http_opts o;
	char url[DOCKER_URL_MAX], path[DOCKER_ID_MAX + 32];

	if (c->req != NULL || loop_timer_active(&c->retry)
	    || d->inspects >= DOCKER_INSPECTS_MAX)
		return;
	d->inspects++;
	(void)snprintf(path, sizeof(path), "/containers/%s/json", c->rec->id);
	docker_url(d, url, sizeof(url), path);
	docker_opts(d, &o, url);
	c->inflight_actions = c->pending;
	c->inflight_exit = c->pending_exit;
	c->pending = 0;
	c->pending_exit = -1;
	c->inspect_start_ns = mono_ns();
	c->req = http_start(d->http, &o, docker_inspect_done, c);
}

/* Records actions for a container and inspects it unless one is running. */
static struct docker_ctr *
docker_touch(struct docker *d, struct containers_rec *rec, unsigned actions)
{
	struct docker_ctr *c = rec->docker;

	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		c->rec = rec;
		c->docker = d;
		loop_timer_init(&c->retry, docker_ctr_retry_cb, c);
		c->pending_exit = c->inflight_exit = -1;
		backoff_init(&c->backoff, DOCKER_BACKOFF_MIN_MS,
		    DOCKER_BACKOFF_MAX_MS, BACKOFF_JITTER_FULL, docker_seed(c));
		rec->docker = c;
	}
	c->pending |= actions;
	if (!loop_timer_active(&d->kick_timer))
		loop_timer_start(d->loop, &d->kick_timer, 0);
	return c;
}

static void
docker_kick_cb(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct docker *d = arg;
	struct containers_rec *rec;

	(void)loop;
	(void)timer;
	for (rec = containers_first(d->table); rec != NULL;
	     rec = containers_next(rec))
		if (rec->docker != NULL && rec->docker->pending != 0)
			docker_inspect(d, rec->docker);
	if (d->list_wanted) {
		d->list_wanted = false;
		docker_list(d);
	}
}

/* Asks for a listing from a place where no transfer may start. */
static void
docker_list_later(struct docker *d)
{
	d->list_wanted = true;
	if (!loop_timer_active(&d->kick_timer))
		loop_timer_start(d->loop, &d->kick_timer, 0);
}

/* ---- listing ---- */

static void
docker_list_retry_cb(struct loop *loop, struct loop_timer *timer, void *arg)
{
	(void)loop;
	(void)timer;
	docker_list(arg);
}

static void
docker_list_done(const struct http_result *res, void *arg)
{
	struct docker *d = arg;
	struct docker_ctr *c;
	const cJSON *item, *id;
	cJSON *list = NULL;
	char why[HTTP_ERR_MAX + 32];
	size_t n = 0;

	d->list_req = NULL;
	if (res->error == 0 && res->status == 200)
		list = cJSON_ParseWithLength(res->body, res->body_len);
	if (!cJSON_IsArray(list)) {
		uint64_t ms;

		cJSON_Delete(list);
		ms = backoff_next(&d->list_backoff);
		if (res->error != 0 || res->status != 200)
			docker_result_why(res, why, sizeof(why));
		else
			(void)snprintf(why, sizeof(why),
			    "answer is not a list");
		log_warnx("docker: listing containers: %s, retrying in %llu ms",
		    why, (unsigned long long)ms);
		containers_error(d->table);
		loop_timer_start(d->loop, &d->list_timer, ms);
		return;
	}
	backoff_reset(&d->list_backoff);
	d->list_gen++;
	if (d->list_gen == 0)
		d->list_gen = 1;
	d->list_ids = xreallocarray(NULL, (size_t)cJSON_GetArraySize(list) + 1,
	    sizeof(*d->list_ids));
	d->list_waiting = 1; /* held until every inspect is started */
	cJSON_ArrayForEach(item, list) {
		id = cJSON_GetObjectItemCaseSensitive(item, "Id");
		if (!cJSON_IsString(id) || !docker_id_valid(id->valuestring))
			continue;
		d->list_ids[n++] = xstrdup(id->valuestring);
		c = docker_touch(d, containers_get(d->table, id->valuestring),
		    DOCKER_ACT_LIST);
		if (c->list_gen != d->list_gen) {
			c->list_gen = d->list_gen;
			d->list_waiting++;
		}
	}
	d->list_nids = n;
	cJSON_Delete(list);
	log_debug("docker: listed %zu containers", n);
	if (--d->list_waiting == 0)
		docker_list_finish(d);
}

static void
docker_list(struct docker *d)
{
	struct http_opts o;
	char url[DOCKER_URL_MAX];

	if (d->phase != DOCKER_RUNNING)
		return; /* the next connection lists anyway */
	if (d->list_req != NULL || d->list_gen != 0
	    || loop_timer_active(&d->list_timer)) {
		d->list_again = true;
		return;
	}
	/* all=1: exited containers matter for --deregister on-success. */
	docker_url(d, url, sizeof(url), "/containers/json?all=1");
	containers_listing(d->table);
	docker_opts(d, &o, url);
	d->list_req = http_start(d->http, &o, docker_list_done, d);
}

void
docker_relist(struct docker *d)
{
	docker_list(d);
}

/* ---- the event stream ---- */

static unsigned
docker_action_bits(const char *type, const char *action)
{
	static const struct {
		const char *name;
		unsigned bit;
	} map[] = {
		{ "start", DOCKER_ACT_START },
		{ "die", DOCKER_ACT_DIE },
		{ "kill", DOCKER_ACT_KILL },
		{ "stop", DOCKER_ACT_KILL },
		{ "destroy", DOCKER_ACT_DESTROY },
		{ "rename", DOCKER_ACT_RENAME },
		{ "oom", DOCKER_ACT_OOM },
		{ "restart", DOCKER_ACT_START },
	};
	size_t i;

	if (strcmp(type, "network") == 0)
		return strcmp(action, "connect") == 0
			|| strcmp(action, "disconnect") == 0
		    ? DOCKER_ACT_NETWORK
		    : 0;
	if (strcmp(type, "container") != 0)
		return 0;
	if (str_has_prefix(action, "health_status"))
		return DOCKER_ACT_HEALTH;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(action, map[i].name) == 0)
			return map[i].bit;
	return 0;
}

int
docker_event_parse(const char *line, size_t len, struct docker_event *ev,
    char *err, size_t errlen)
{
	cJSON *root;
	const cJSON *type, *action, *actor, *id, *tn, *attrs, *ecode, *sig;
	long long code;

	memset(ev, 0, sizeof(*ev));
	ev->exit_code = -1;
	root = cJSON_ParseWithLength(line, len);
	if (root == NULL) {
		(void)snprintf(err, errlen, "event is not JSON");
		return -1;
	}
	type = cJSON_GetObjectItemCaseSensitive(root, "Type");
	action = cJSON_GetObjectItemCaseSensitive(root, "Action");
	actor = cJSON_GetObjectItemCaseSensitive(root, "Actor");
	tn = cJSON_GetObjectItemCaseSensitive(root, "timeNano");
	/* Converting a double past uint64_t's range is undefined. */
	if (cJSON_IsNumber(tn) && tn->valuedouble > 0
	    && tn->valuedouble < 0x1p64)
		ev->time_ns = (uint64_t)tn->valuedouble;
	if (!cJSON_IsString(type) || !cJSON_IsString(action))
		goto out;
	ev->actions
	    = docker_action_bits(type->valuestring, action->valuestring);
	if (ev->actions == 0)
		goto out;
	(void)str_copy(ev->action, action->valuestring, sizeof(ev->action));
	attrs = cJSON_GetObjectItemCaseSensitive(actor, "Attributes");
	/* Network events name the container in an attribute. */
	if (ev->actions == DOCKER_ACT_NETWORK)
		id = cJSON_GetObjectItemCaseSensitive(attrs, "container");
	else
		id = cJSON_GetObjectItemCaseSensitive(actor, "ID");
	if (!cJSON_IsString(id) || !docker_id_valid(id->valuestring))
		goto out;
	(void)str_copy(ev->id, id->valuestring, sizeof(ev->id));
	/* Kept for crash.c, for --rm containers gone before their inspect. */
	ecode = cJSON_GetObjectItemCaseSensitive(attrs, "exitCode");
	if (ev->actions == DOCKER_ACT_DIE && cJSON_IsString(ecode)
	    && str_to_ll(ecode->valuestring, 0, 255, &code) == 0)
		ev->exit_code = (int)code;
	/* Kept for reconcile.c, which trusts it only without such a label. */
	sig = cJSON_GetObjectItemCaseSensitive(attrs, "signal");
	if (ev->actions == DOCKER_ACT_KILL && cJSON_IsString(sig)
	    && str_to_ll(sig->valuestring, 1, DOCKER_SIGNAL_MAX, &code) == 0)
		ev->signal = (int)code;
out:
	cJSON_Delete(root);
	return 0;
}

static void
docker_event(struct docker *d, const char *line, size_t len)
{
	struct docker_event ev;
	struct docker_ctr *c;
	char err[REGISTRATOR_ERR_MAX];

	if (docker_event_parse(line, len, &ev, err, sizeof(err)) == -1) {
		log_warnx("docker: %s, relisting", err);
		docker_list_later(d);
		return;
	}
	if (ev.time_ns != 0) {
		d->since_sec = (long long)(ev.time_ns / 1000000000u);
		d->since_nsec = (long long)(ev.time_ns % 1000000000u);
		d->have_since = true;
	}
	if (ev.actions == 0)
		return;
	if (ev.id[0] == '\0') {
		log_debug("docker: %s event without a container ID, ignored",
		    ev.action);
		return;
	}
	log_debug("docker: event %s %.12s", ev.action, ev.id);
	c = docker_touch(d, containers_event(d->table, &ev), ev.actions);
	if (ev.exit_code != -1)
		c->pending_exit = ev.exit_code;
}

static int
docker_stream_data(const char *data, size_t len, void *arg)
{
	struct docker *d = arg;
	const char *nl;

	while (len > 0) {
		size_t n;

		nl = memchr(data, '\n', len);
		n = nl != NULL ? (size_t)(nl - data) : len;
		if (!d->skipping && buf_add(&d->line, data, n) == -1) {
			log_warnx("docker: event longer than %u bytes dropped, "
				  "relisting",
			    BUF_MAX_DOCKER_EVENT);
			d->skipping = true;
			buf_reset(&d->line);
		}
		if (nl == NULL)
			break;
		if (d->skipping)
			docker_list_later(d);
		else if (d->line.len > 0)
			docker_event(d, buf_str(&d->line), d->line.len);
		d->skipping = false;
		buf_reset(&d->line);
		data += n + 1;
		len -= n + 1;
	}
	return 0;
}

static void
docker_stream_done(const struct http_result *res, void *arg)
{
	struct docker *d = arg;
	char why[HTTP_ERR_MAX + 32];

	d->stream = NULL;
	buf_reset(&d->line);
	d->skipping = false;
	if (res->error == 0 && res->status == 200)
		(void)snprintf(why, sizeof(why), "event stream ended");
	else
		docker_result_why(res, why, sizeof(why));
	containers_lost(d->table);
	http_cancel(d->http, d->list_req);
	d->list_req = NULL;
	loop_timer_stop(d->loop, &d->list_timer);
	d->list_again = false;
	docker_retry(d, "GET /events", why);
}

static void
docker_connect(struct docker *d)
{
	struct http_opts o;
	char url[DOCKER_URL_MAX], path[256], since[64];
	char *filters;

	filters = http_escape("{\"type\":[\"container\",\"network\"]}");
	since[0] = '\0';
	if (d->have_since)
		(void)snprintf(since, sizeof(since), "&since=%lld.%09lld",
		    d->since_sec, d->since_nsec);
	(void)snprintf(path, sizeof(path), "/events?filters=%s%s", filters,
	    since);
	free(filters);
	docker_url(d, url, sizeof(url), path);
	docker_opts(d, &o, url);
	o.timeout_ms = 0; /* an idle stream is normal */
	o.on_data = docker_stream_data;
	d->stream = http_start(d->http, &o, docker_stream_done, d);
}

/* ---- life cycle ---- */

struct docker *
docker_new(struct loop *loop, struct http *http, struct containers *table,
    const char *docker_host, char *err, size_t errlen)
{
	struct docker *d;
	const char *certs, *verify;

	d = xcalloc(1, sizeof(*d));
	d->loop = loop;
	d->http = http;
	d->table = table;
	buf_init(&d->line, BUF_MAX_DOCKER_EVENT);
	loop_timer_init(&d->timer, docker_timer_cb, d);
	loop_timer_init(&d->list_timer, docker_list_retry_cb, d);
	loop_timer_init(&d->kick_timer, docker_kick_cb, d);
	backoff_init(&d->backoff, DOCKER_BACKOFF_MIN_MS, DOCKER_BACKOFF_MAX_MS,
	    BACKOFF_JITTER_FULL, docker_seed(d));
	backoff_init(&d->list_backoff, DOCKER_BACKOFF_MIN_MS,
	    DOCKER_BACKOFF_MAX_MS, BACKOFF_JITTER_FULL, docker_seed(&d->line));
	if (docker_host == NULL || docker_host[0] == '\0')
		docker_host = "unix://" DOCKER_DEFAULT_SOCKET;
	if (str_has_prefix(docker_host, "unix://")) {
		const char *path = docker_host + strlen("unix://");

		if (path[0] != '/' || strlen(path) > 107) {
			(void)snprintf(err, errlen,
			    "DOCKER_HOST %s: not an "
			    "absolute socket path of at most 107 bytes",
			    docker_host);
			goto fail;
		}
		d->unix_socket = xstrdup(path);
		d->base = xstrdup("http://localhost");
	} else if (str_has_prefix(docker_host, "tcp://")) {
		const char *hp = docker_host + strlen("tcp://");

		if (hp[0] == '\0' || strchr(hp, '/') != NULL) {
			(void)snprintf(err, errlen,
			    "DOCKER_HOST %s: expected "
			    "tcp://host:port",
			    docker_host);
			goto fail;
		}
		verify = getenv("DOCKER_TLS_VERIFY");
		certs = getenv("DOCKER_CERT_PATH");
		if (verify != NULL && verify[0] != '\0' && verify[0] != '0') {
			if (certs == NULL || certs[0] == '\0')
				certs = ".docker";
			d->use_tls = true;
			d->tls.ca_file = xasprintf("%s/ca.pem", certs);
			d->tls.cert_file = xasprintf("%s/cert.pem", certs);
			d->tls.key_file = xasprintf("%s/key.pem", certs);
		}
		d->base
		    = xasprintf("%s://%s", d->use_tls ? "https" : "http", hp);
	} else {
		(void)snprintf(err, errlen,
		    "DOCKER_HOST %s: only unix:// and "
		    "tcp:// are supported",
		    docker_host);
		goto fail;
	}
	return d;
fail:
	docker_free(d);
	return NULL;
}

void
docker_start(struct docker *d, bool follow)
{
	d->follow = follow;
	docker_ping(d);
}

const char *
docker_api_version(const struct docker *d)
{
	return d->api;
}

void
docker_free(struct docker *d)
{
	struct containers_rec *rec;
	size_t i;

	if (d == NULL)
		return;
	for (rec = containers_first(d->table); rec != NULL;
	     rec = containers_next(rec))
		if (rec->docker != NULL)
			docker_ctr_free(d, rec->docker);
	if (d->http != NULL) {
		http_cancel(d->http, d->req);
		http_cancel(d->http, d->stream);
		http_cancel(d->http, d->list_req);
	}
	if (d->loop != NULL) {
		loop_timer_stop(d->loop, &d->timer);
		loop_timer_stop(d->loop, &d->list_timer);
		loop_timer_stop(d->loop, &d->kick_timer);
	}
	for (i = 0; i < d->list_nids; i++)
		free(d->list_ids[i]);
	free(d->list_ids);
	buf_clear(&d->line);
	free(d->base);
	free(d->unix_socket);
	free((char *)d->tls.ca_file);
	free((char *)d->tls.cert_file);
	free((char *)d->tls.key_file);
	free(d->host_name);
	free(d);
}

/* ---- single requests for crash.c and janitor.c ---- */

struct http_req *
docker_request(struct docker *d, const char *method, const char *path,
    size_t max_body, http_done_cb *done, void *arg)
{
	struct http_opts o;
	char url[DOCKER_URL_MAX];

	docker_url(d, url, sizeof(url), path);
	docker_opts(d, &o, url);
	o.method = method;
	o.max_body = max_body;
	return http_start(d->http, &o, done, arg);
}
