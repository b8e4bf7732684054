/* SPDX-License-Identifier: MIT */
/*
 * Watches: one Consul blocking query per distinct dependency string, and
 * the last answer of each, parsed (consul-template's "brain").  This is
 * the first stage of the templater's data flow; render.c reads the data
 * through watch_lookup() and notices changes through generations.  Each
 * answer is kept compacted (tmpl_data_compact: only what templates can
 * read) in one block (tmpl_data_pack) and compared with the last one as
 * data, so the raw body is not
 * kept and a change to a field no template reads is not a change.  With
 * glibc, freed memory goes back to the system once a few megabytes of
 * answers went through (malloc_trim), or it would stay at the peak of
 * the first full read of every dependency.
 *
 * Every request goes through one lib/http.h client on the daemon's loop.
 * Over HTTPS, Consul speaks HTTP/2 and each of the max_conns connections
 * carries up to HTTP_H2_STREAMS_MAX blocking queries at once, so every
 * dependency keeps its own query open (2,000 fit on 20 connections) and
 * a change reaches the file as soon as Consul answers.  Over HTTP/1.1 at
 * most max_conns requests are in flight; the others wait in a FIFO ready
 * queue, so each dependency gets its turn.  When there are more
 * dependencies than that, a blocking query would hold its connection for
 * a whole wait and the queue would crawl, so the wait is shortened to
 * make one full rotation take about WATCH_ROTATION_MS: a change to a
 * queued dependency is then seen at its next turn, because its index no
 * longer matches and Consul answers at once.  Rather than turns, change
 * detectors stand in when they fit: a few catalog-wide blocking queries
 * (services, check states, nodes, one per KV root) whose index movements
 * send the dependencies they cover, parked without a request meanwhile,
 * to read again without blocking.  Turns remain the fallback while a
 * detector fails.
 *
 * Index handling follows Consul's "Blocking Queries" notes.  The rules
 * are pure functions at the top of this file, declared and described in
 * templater.h: what an answer means and which index comes next
 * (watch_cursor_answer), the backoff after a failure (watch_cursor_fail),
 * the wait sent (watch_block_wait_ms) and the detectors' rules
 * (watch_detect_*).  The rest is their driver:
 * requests, timers, the queue, logs.  An answer whose body did not change
 * as data is not a change, and successive requests of one dependency are
 * at least WATCH_FLOOR_MS apart.  Failures are retried forever; the data
 * last seen is kept meanwhile.
 */
#include <sys/stat.h>

#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "http.h"
#include "log.h"
#include "str.h"
#include "templater.h"
#include "xmalloc.h"

#define WATCH_FLOOR_MS 100 /* between requests of one dependency */
#define WATCH_REFUSED_MS 60000 /* asks Consul again after a refusal */
#define WATCH_FILE_POLL_MS 2000 /* file(...) dependencies, as CT */
#define WATCH_TIMEOUT_SLACK_MS 15000 /* beyond wait + Consul's jitter */
#define WATCH_BUCKETS_MIN 64
#define WATCH_TRIM_BYTES (4u << 20) /* answers parsed before a trim */
#define WATCH_TRIM_DELAY_MS 1000 /* lets a burst of answers finish */

enum watch_state {
	WATCH_IDLE, /* timer armed (floor, backoff or poll) */
	WATCH_QUEUED, /* in the ready queue */
	WATCH_FLIGHT, /* request in flight */
};

struct watch {
	TAILQ_ENTRY(watch) entry; /* set->all */
	TAILQ_ENTRY(watch) ready; /* set->ready, when QUEUED */
	struct watch *hnext; /* hash chain */
	struct watch_set *set;
	char *dep; /* owned */
	bool consul; /* false: file(...) */
	char *path; /* owned: encoded path, or file's */
	char *query; /* owned: the dependency's own */
	bool local_node; /* path needs the agent's node name */
	char *node; /* owned: escaped node name, or NULL */
	enum watch_state state;
	struct http_req *req; /* borrowed from http while FLIGHT */
	struct loop_timer timer;
	struct watch_cursor cur;
	uint64_t started_ms;
	cJSON *data; /* owned (free, see tmpl_data_pack): last answer */
	uint64_t gen; /* 0 until the first answer */
	uint64_t changed_ns; /* mono_ns() when gen last moved */
	bool marked;
	struct stat st; /* file(...): what was last seen */
	bool st_exists;
	char *refused; /* owned: Consul's answer while it refuses, or NULL */
	/* A detector: its WATCH_DETECT_* kind (in set->detectors, not in
	 * the hash); 0: a dependency (in set->all). */
	unsigned detect;
	unsigned covers; /* detector: dependencies it covers */
	uint64_t moves; /* detector: answers whose index moved */
	/* Dependency: the detectors covering it (borrowed), while the set
	 * is detecting; det[0] is NULL when none does. */
	struct watch *det[WATCH_DETECT_PER_DEP];
	uint64_t moves_started; /* their summed moves at the request */
	bool parked; /* no request until a detector moves */
	bool reread; /* the request in flight is a non-blocking re-read */
};

TAILQ_HEAD(watch_list, watch);

struct watch_set {
	struct loop *loop;
	struct http *http;
	char *base; /* owned: URL without trailing '/' */
	char *token; /* owned, wiped on free */
	struct http_tls tls; /* its three paths owned */
	bool has_tls; /* a path is set: pass tls to every request */
	uint64_t wait_ms;
	uint64_t max_stale_ms;
	unsigned max_conns;
	/* Consul answered over HTTP/2: each connection carries up to
	 * HTTP_H2_STREAMS_MAX blocking queries at once */
	bool multiplexed;
	struct watch_list all;
	struct watch_list queue;
	bool detecting; /* watch_detect_wanted(): detectors run */
	bool crowded; /* too many detectors for the connections */
	struct watch_list detectors;
	unsigned ndetectors;
	unsigned ncovered; /* dependencies with a detector */
	unsigned det_in_flight;
	unsigned reread_in_flight;
	struct watch **buckets; /* owned */
	size_t nbuckets;
	unsigned nwatches;
	unsigned nconsul;
	unsigned in_flight;
	unsigned failing;
	unsigned refused;
	uint64_t errors;
	uint64_t gen;
	uint64_t rand;
	struct loop_timer pump; /* starts queued requests */
	size_t parsed_bytes; /* answer bytes parsed since the last trim */
	struct loop_timer trim; /* gives freed heap back, see above */
};

static void watch_timer_cb(struct loop *, struct loop_timer *, void *);

/* How many requests may be in flight at once: one per connection, or
 * with HTTP/2 a connection's streams each. */
static unsigned
watch_capacity(const struct watch_set *set)
{
	return set->multiplexed ? set->max_conns * HTTP_H2_STREAMS_MAX
				: set->max_conns;
}
static void watch_done(const struct http_result *, void *);

/* xorshift64*: jitter only, nothing secret depends on it. */
static uint64_t
watch_rand(struct watch_set *set)
{
	uint64_t x = set->rand;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	set->rand = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/*
 * Statuses that say the request itself is wrong (a name Consul refuses,
 * a URL too long): asking again brings the same answer.  Not 401/403 (a
 * token problem, which must not empty a file) nor 429 (too many).
 */
static bool
watch_status_refused(long status)
{
	return status == 400 || status == 413 || status == 414 || status == 431;
}

enum watch_step
watch_cursor_answer(struct watch_cursor *c, const struct http_result *res,
    bool answered, uint64_t max_stale_ms)
{
	const char *h;
	long long idx = 0, contact;
	bool blocking;

	if (res->error != 0)
		return WATCH_STEP_RETRY;
	h = http_result_header(res, "X-Consul-Index");
	blocking = h != NULL && str_to_ll(h, 0, LLONG_MAX, &idx) == 0;
	if (watch_status_refused(res->status))
		return WATCH_STEP_REFUSED;
	if (res->status != 200 && (res->status != 404 || !blocking))
		return WATCH_STEP_RETRY;
	h = http_result_header(res, "X-Consul-LastContact");
	if (max_stale_ms > 0 && !c->consistent && h != NULL
	    && str_to_ll(h, 0, LLONG_MAX, &contact) == 0
	    && (uint64_t)contact > max_stale_ms) {
		c->consistent = true;
		return WATCH_STEP_LEADER;
	}
	c->consistent = false;
	if (!blocking) {
		c->index = 0;
		return WATCH_STEP_POLL;
	}
	/*
	 * 0 is a Consul bug: taken as 1 before anything else, or a plain
	 * read answered 0 would look unchanged and stay a plain read.
	 */
	if (idx == 0)
		idx = 1;
	if (answered && (uint64_t)idx == c->index)
		return WATCH_STEP_SAME;
	c->index = (uint64_t)idx < c->index ? 0 : (uint64_t)idx;
	return res->status == 404 ? WATCH_STEP_MISSING : WATCH_STEP_DATA;
}

uint64_t
watch_cursor_fail(struct watch_cursor *c, uint64_t r)
{
	uint64_t delay;
	unsigned shift;

	c->index = 0;
	c->failures++;
	shift = c->failures - 1 < 16 ? c->failures - 1 : 16;
	delay = (uint64_t)WATCH_BACKOFF_MIN_MS << shift;
	if (delay > WATCH_BACKOFF_MAX_MS)
		delay = WATCH_BACKOFF_MAX_MS;
	return delay / 2 + r % (delay / 2 + 1);
}

uint64_t
watch_block_wait_ms(uint64_t wait_ms, unsigned nconsul, unsigned max_conns,
    uint64_t r)
{
	uint64_t wait = wait_ms;

	/* A blocking query holds its connection: turns must come round. */
	if (max_conns > 0 && nconsul > max_conns) {
		wait = (uint64_t)WATCH_ROTATION_MS * max_conns / nconsul;
		if (wait < WATCH_TURN_MIN_MS)
			wait = WATCH_TURN_MIN_MS;
		if (wait > wait_ms)
			wait = wait_ms;
	}
	/* Jitter down by up to 1/16, as Consul jitters up. */
	return wait - r % (wait / 16 + 1);
}

/* dc=... reads another datacenter, which the detectors do not see. */
static bool
watch_query_has_dc(const char *query)
{
	return str_has_prefix(query, "dc=") || strstr(query, "&dc=") != NULL;
}

unsigned
watch_detect_cover(const char *path, const char *query, char *root,
    size_t rootlen)
{
	const char *key, *slash;
	size_t n;

	if (watch_query_has_dc(query))
		return 0;
	/*
	 * Instances move with registrations, their status with checks, and
	 * their node's address with the node alone (Consul 1.16.3 moves a
	 * health/service index, not the catalog's services one, when only
	 * the node changes).
	 */
	if (str_has_prefix(path, "/v1/health/service/")
	    || str_has_prefix(path, "/v1/health/connect/"))
		return WATCH_DETECT_SERVICES | WATCH_DETECT_HEALTH
		    | WATCH_DETECT_NODES;
	if (strcmp(path, "/v1/catalog/services") == 0)
		return WATCH_DETECT_SERVICES;
	/* A node's services, and the node's own address and meta. */
	if (str_has_prefix(path, "/v1/catalog/node/"))
		return WATCH_DETECT_SERVICES | WATCH_DETECT_NODES;
	if (strcmp(path, "/v1/catalog/nodes") == 0)
		return WATCH_DETECT_NODES;
	if (!str_has_prefix(path, "/v1/kv/"))
		return 0;
	key = path + strlen("/v1/kv/");
	slash = strchr(key, '/');
	n = slash != NULL ? (size_t)(slash - key) + 1 : strlen(key);
	if (n >= rootlen)
		return 0;
	memcpy(root, key, n);
	root[n] = '\0';
	return WATCH_DETECT_KV;
}

bool
watch_detect_moved(enum watch_step step)
{
	return step == WATCH_STEP_DATA || step == WATCH_STEP_MISSING;
}

bool
watch_detect_wanted(bool multiplexed, unsigned nconsul, unsigned max_conns)
{
	return !multiplexed && max_conns > 0 && nconsul > max_conns;
}

bool
watch_detect_park(bool healthy, uint64_t moves_started, uint64_t moves_now)
{
	return healthy && moves_started == moves_now;
}

bool
watch_detect_fit(unsigned ndetectors, unsigned max_conns)
{
	return ndetectors < max_conns;
}

unsigned
watch_detect_reserve(unsigned ndetectors, unsigned capacity)
{
	if (capacity == 0)
		return 0;
	return ndetectors < capacity ? ndetectors : capacity - 1;
}

static size_t
watch_hash(const char *s)
{
	return (size_t)hash_fnv1a_64_str(HASH_FNV1A_64_INIT, s);
}

static struct watch *
watch_find(const struct watch_set *set, const char *dep)
{
	struct watch *w;

	if (set->nbuckets == 0)
		return NULL;
	w = set->buckets[watch_hash(dep) & (set->nbuckets - 1)];
	for (; w != NULL; w = w->hnext)
		if (strcmp(w->dep, dep) == 0)
			return w;
	return NULL;
}

static void
watch_hash_insert(struct watch_set *set, struct watch *w)
{
	struct watch **b, *it;
	size_t i, n;

	if (set->nwatches + 1 > set->nbuckets) {
		n = set->nbuckets == 0 ? WATCH_BUCKETS_MIN : set->nbuckets * 2;
		b = xcalloc(n, sizeof(*b));
		TAILQ_FOREACH(it, &set->all, entry) {
			i = watch_hash(it->dep) & (n - 1);
			it->hnext = b[i];
			b[i] = it;
		}
		free(set->buckets);
		set->buckets = b;
		set->nbuckets = n;
	}
	i = watch_hash(w->dep) & (set->nbuckets - 1);
	w->hnext = set->buckets[i];
	set->buckets[i] = w;
}

static void
watch_hash_remove(struct watch_set *set, struct watch *w)
{
	struct watch **pp;

	pp = &set->buckets[watch_hash(w->dep) & (set->nbuckets - 1)];
	while (*pp != w)
		pp = &(*pp)->hnext;
	*pp = w->hnext;
}

static void
watch_queue(struct watch *w)
{
	struct watch_set *set = w->set;

	if (w->state == WATCH_QUEUED || w->state == WATCH_FLIGHT)
		return;
	loop_timer_stop(set->loop, &w->timer);
	w->state = WATCH_QUEUED;
	/* Detectors take connections first: they stand for many. */
	if (w->detect != 0)
		TAILQ_INSERT_HEAD(&set->queue, w, ready);
	else
		TAILQ_INSERT_TAIL(&set->queue, w, ready);
	if (!loop_timer_active(&set->pump))
		loop_timer_start(set->loop, &set->pump, 0);
}

/* Waits delay_ms (0: queue now) before the next request of w. */
static void
watch_later(struct watch *w, uint64_t delay_ms)
{
	if (delay_ms == 0) {
		watch_queue(w);
		return;
	}
	w->state = WATCH_IDLE;
	loop_timer_start(w->set->loop, &w->timer, delay_ms);
}

/* The next request no sooner than WATCH_FLOOR_MS after the last one. */
static void
watch_next(struct watch *w)
{
	uint64_t now = loop_now_ms(w->set->loop), due;

	due = w->started_ms + WATCH_FLOOR_MS + watch_rand(w->set) % 20;
	watch_later(w, due > now ? due - now : 0);
}

static void
watch_fail(struct watch *w, const char *why)
{
	struct watch_set *set = w->set;
	bool first = w->cur.failures == 0;
	uint64_t delay;

	set->errors++;
	delay = watch_cursor_fail(&w->cur, watch_rand(set));
	if (first) {
		if (set->failing++ == 0)
			log_warnx(
			    "consul %s: %s: %s; retrying with backoff "
			    "(at most %us apart), rendered files are kept",
			    set->base, w->dep, why,
			    WATCH_BACKOFF_MAX_MS / 1000);
		else
			log_debug("consul: %s: %s", w->dep, why);
	}
	watch_later(w, delay);
}

static void
watch_succeed(struct watch *w)
{
	struct watch_set *set = w->set;

	if (w->cur.failures == 0)
		return;
	w->cur.failures = 0;
	if (--set->failing == 0)
		log_info("consul %s: answering again", set->base);
}

/* Every detector covering dependency w answered and is not failing. */
static bool
watch_covered_healthy(const struct watch *w)
{
	unsigned i;

	for (i = 0; i < WATCH_DETECT_PER_DEP && w->det[i] != NULL; i++)
		if (w->det[i]->gen == 0 || w->det[i]->cur.failures > 0)
			return false;
	return w->det[0] != NULL;
}

/* The movements of the detectors covering dependency w, summed. */
static uint64_t
watch_covered_moves(const struct watch *w)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < WATCH_DETECT_PER_DEP && w->det[i] != NULL; i++)
		n += w->det[i]->moves;
	return n;
}

static bool
watch_detectors_healthy(const struct watch_set *set)
{
	const struct watch *d;

	TAILQ_FOREACH(d, &set->detectors, entry)
		if (d->gen == 0 || d->cur.failures > 0)
			return false;
	return true;
}

/*
 * The wait of w's blocking query.  A detector waits the whole wait_ms.
 * While the detectors are healthy, the dependencies they cover are
 * parked, so only the others take turns, on the connections the
 * detectors leave.
 */
static uint64_t
watch_wait_ms(const struct watch *w)
{
	struct watch_set *set = w->set;
	unsigned cap = watch_capacity(set), n = set->nconsul;

	if (w->detect != 0)
		return watch_block_wait_ms(set->wait_ms, 0, 0, watch_rand(set));
	if (set->detecting) {
		cap -= watch_detect_reserve(set->ndetectors, cap);
		if (watch_detectors_healthy(set))
			n -= set->ncovered;
	}
	return watch_block_wait_ms(set->wait_ms, n, cap, watch_rand(set));
}

static int
watch_url(struct watch *w, struct buf *url)
{
	struct watch_set *set = w->set;
	char sep = '?';

	if (w->local_node && w->node == NULL)
		return buf_addf(url, "%s/v1/agent/self", set->base);
	if (buf_addf(url, "%s%s%s", set->base, w->path,
		w->node != NULL ? w->node : "")
	    == -1)
		return -1;
	if (w->query[0] != '\0') {
		if (buf_addf(url, "?%s", w->query) == -1)
			return -1;
		sep = '&';
	}
	/* A re-read wants the answer now, whatever its index. */
	if (w->cur.index > 0 && !w->reread) {
		if (buf_addf(url, "%cindex=%llu&wait=%llums", sep,
			(unsigned long long)w->cur.index,
			(unsigned long long)watch_wait_ms(w))
		    == -1)
			return -1;
		sep = '&';
	}
	/* A detector reads the leader: a lagging server would hide a
	 * movement the re-reads then see. */
	if (set->max_stale_ms > 0 && !w->cur.consistent && w->detect == 0
	    && buf_addf(url, "%cstale", sep) == -1)
		return -1;
	return 0;
}

static void
watch_start(struct watch *w)
{
	struct watch_set *set = w->set;
	struct buf url = BUF_INITIALIZER(WATCH_URL_MAX);
	struct http_header hdr = { "X-Consul-Token", set->token };
	struct http_opts opts = { 0 };

	w->reread = w->detect == 0 && watch_covered_healthy(w);
	w->moves_started = watch_covered_moves(w);
	if (watch_url(w, &url) == -1) {
		/* Paths are capped well below the URL cap; never expected. */
		log_warnx("consul: %s: request URL too long, not watched",
		    w->dep);
		w->state = WATCH_IDLE;
		w->reread = false;
		goto out;
	}
	opts.url = buf_str(&url);
	opts.headers = set->token != NULL ? &hdr : NULL;
	opts.nheaders = set->token != NULL ? 1 : 0;
	opts.max_body = WATCH_BODY_MAX;
	opts.tls = set->has_tls ? &set->tls : NULL;
	opts.timeout_ms
	    = set->wait_ms + set->wait_ms / 16 + WATCH_TIMEOUT_SLACK_MS;
	w->started_ms = loop_now_ms(set->loop);
	w->state = WATCH_FLIGHT;
	w->req = http_start(set->http, &opts, watch_done, w);
	if (w->req == NULL) {
		w->state = WATCH_IDLE;
		w->reread = false;
		watch_fail(w, "cannot start a request");
		goto out;
	}
	set->in_flight++;
	if (w->detect != 0)
		set->det_in_flight++;
	if (w->reread)
		set->reread_in_flight++;
	log_trace("consul: GET %s", opts.url);
out:
	buf_clear(&url);
}

/*
 * Starts queued requests while connections are free, oldest first
 * (detectors are queued first).  Detectors run on their reserve: those
 * beyond it wait, and what they cover takes turns meanwhile.
 * Dependencies leave the reserve free, and at most WATCH_REFETCH_BATCH
 * re-reads run at once.
 */
static void
watch_pump(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct watch_set *set = arg;
	unsigned cap = watch_capacity(set), reserve = 0;
	struct watch *w, *next;

	(void)loop;
	(void)timer;
	if (set->detecting)
		reserve = watch_detect_reserve(set->ndetectors, cap);
	for (w = TAILQ_FIRST(&set->queue); w != NULL && set->in_flight < cap;
	     w = next) {
		next = TAILQ_NEXT(w, ready);
		if (w->detect != 0 && set->det_in_flight >= reserve)
			continue;
		if (w->detect == 0
		    && (set->in_flight - set->det_in_flight >= cap - reserve
			|| (set->reread_in_flight >= WATCH_REFETCH_BATCH
			    && watch_covered_healthy(w))))
			break;
		TAILQ_REMOVE(&set->queue, w, ready);
		w->state = WATCH_IDLE;
		watch_start(w);
	}
}

static void
watch_trim(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct watch_set *set = arg;

	(void)loop;
	(void)timer;
	set->parsed_bytes = 0;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* len bytes of answer were parsed; their garbage is trimmed in a while. */
static void
watch_parsed(struct watch_set *set, size_t len)
{
	set->parsed_bytes += len;
	if (set->parsed_bytes >= WATCH_TRIM_BYTES
	    && !loop_timer_active(&set->trim))
		loop_timer_start(set->loop, &set->trim, WATCH_TRIM_DELAY_MS);
}

static void
watch_changed(struct watch *w)
{
	w->gen = ++w->set->gen;
	w->changed_ns = mono_ns();
}

/*
 * Dependency w answered and holds its data: it parks when its detectors
 * vouch for it, else its next request comes.
 */
static void
watch_settle(struct watch *w)
{
	if (w->set->detecting
	    && watch_detect_park(watch_covered_healthy(w), w->moves_started,
		watch_covered_moves(w))) {
		w->parked = true;
		w->state = WATCH_IDLE;
		return;
	}
	watch_next(w);
}

/* /v1/agent/self answered: remember the local node's name. */
static int
watch_agent_self(struct watch *w, const struct http_result *res)
{
	cJSON *root, *name;
	int ret = -1;

	root = cJSON_ParseWithLength(res->body, res->body_len);
	name = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(root, "Config"), "NodeName");
	if (cJSON_IsString(name) && name->valuestring[0] != '\0') {
		w->node = http_escape(name->valuestring);
		ret = 0;
	}
	cJSON_Delete(root);
	return ret;
}

/* An answer that is data (step DATA, MISSING or POLL): keep it. */
static void
watch_apply(struct watch *w, const struct http_result *res,
    enum watch_step step)
{
	struct watch_set *set = w->set;
	const char *body = res->body;
	size_t len = res->body_len;
	cJSON *data;

	/* "No such key" is data: the engine is given a JSON null. */
	if (step == WATCH_STEP_MISSING) {
		body = "null";
		len = 4;
	}
	data = tmpl_data_parse(body, len);
	if (data == NULL) {
		watch_fail(w, "answer is not JSON");
		return;
	}
	tmpl_data_compact(w->dep, data);
	watch_parsed(set, len);
	if (w->gen == 0 || !tmpl_data_equal(w->data, data)) {
		free(w->data);
		w->data = tmpl_data_pack(data);
		watch_changed(w);
		log_debug("consul: %s changed (index %llu)", w->dep,
		    (unsigned long long)w->cur.index);
	}
	cJSON_Delete(data);
	watch_succeed(w);
	if (step == WATCH_STEP_POLL)
		watch_later(w, set->wait_ms);
	else
		watch_settle(w);
}

/*
 * Consul refuses the query: the dependency has no data (a JSON null,
 * which the engine renders as empty or absent) so that the templates
 * using it render everything else; said once, and asked again every
 * WATCH_REFUSED_MS in case Consul changes its mind (an upgrade).
 */
static void
watch_refuse(struct watch *w, const struct http_result *res)
{
	struct watch_set *set = w->set;
	char why[256];
	cJSON *data;
	size_t n;

	n = strcspn(res->body, "\r\n");
	snprintf(why, sizeof(why), "HTTP %ld: %.*s", res->status,
	    (int)(n < 200 ? n : 200), res->body);
	if (w->refused == NULL || strcmp(w->refused, why) != 0) {
		log_warnx("consul: %s: Consul refuses the query (%s); it "
			  "renders as no data, the rest is rendered",
		    w->dep, why);
		if (w->refused == NULL)
			set->refused++;
		free(w->refused);
		w->refused = xstrdup(why);
	}
	data = cJSON_CreateNull();
	if (w->gen == 0 || !tmpl_data_equal(w->data, data)) {
		free(w->data);
		w->data = tmpl_data_pack(data);
		watch_changed(w);
	}
	cJSON_Delete(data);
	watch_succeed(w);
	watch_later(w, WATCH_REFUSED_MS);
}

/* An answer Consul does not refuse: the dependency is usable again. */
static void
watch_accepted(struct watch *w)
{
	if (w->refused == NULL)
		return;
	log_info("consul: %s: Consul answers the query again", w->dep);
	free(w->refused);
	w->refused = NULL;
	w->set->refused--;
}

/* Dependency w's answer res (borrowed). */
static void
watch_dep_answer(struct watch *w, const struct http_result *res)
{
	struct watch_set *set = w->set;
	char why[HTTP_ERR_MAX + 64];
	enum watch_step step;
	size_t n;

	if (res->error == 0 && w->local_node && w->node == NULL
	    && res->status == 200) {
		if (watch_agent_self(w, res) == -1)
			watch_fail(w, "agent/self has no Config.NodeName");
		else
			watch_queue(w);
		return;
	}
	step
	    = watch_cursor_answer(&w->cur, res, w->gen != 0, set->max_stale_ms);
	if (step != WATCH_STEP_REFUSED && step != WATCH_STEP_RETRY)
		watch_accepted(w);
	switch (step) {
	case WATCH_STEP_REFUSED:
		watch_refuse(w, res);
		break;
	case WATCH_STEP_RETRY:
		if (res->error != 0) {
			watch_fail(w, res->errmsg);
			break;
		}
		/* Consul's error bodies are one line of text: its start. */
		n = strcspn(res->body, "\r\n");
		snprintf(why, sizeof(why), "HTTP %ld: %.*s", res->status,
		    (int)(n < 200 ? n : 200), res->body);
		watch_fail(w, why);
		break;
	case WATCH_STEP_LEADER:
		log_debug("consul: %s: answer %s ms stale, asking the leader",
		    w->dep, http_result_header(res, "X-Consul-LastContact"));
		watch_succeed(w);
		watch_queue(w);
		break;
	case WATCH_STEP_SAME:
		watch_succeed(w);
		watch_settle(w);
		break;
	case WATCH_STEP_DATA:
	case WATCH_STEP_MISSING:
	case WATCH_STEP_POLL:
		watch_apply(w, res, step);
		break;
	}
}

/*
 * Detector d moved or failed: the dependencies it covers that are parked
 * read again (a re-read while the detectors are healthy, else a
 * blocking query taking its turn).
 */
static void
watch_wake(struct watch *d)
{
	struct watch *w;
	unsigned i, n = 0;

	TAILQ_FOREACH(w, &d->set->all, entry) {
		if (!w->parked)
			continue;
		for (i = 0; i < WATCH_DETECT_PER_DEP && w->det[i] != NULL; i++)
			if (w->det[i] == d)
				break;
		if (i == WATCH_DETECT_PER_DEP || w->det[i] == NULL)
			continue;
		w->parked = false;
		watch_next(w);
		n++;
	}
	log_debug("consul: %s at index %llu: %u parked dependencies read "
		  "again",
	    d->dep, (unsigned long long)d->cur.index, n);
}

/*
 * Detector d's answer res (borrowed).  Only its index is read: a
 * movement (or its first answer, or the index going backwards, which
 * watch_cursor_answer turns into a fresh read) wakes what it covers.
 */
static void
watch_detect_answer(struct watch *d, const struct http_result *res)
{
	char why[HTTP_ERR_MAX + 64];
	size_t n;

	enum watch_step step;

	step = watch_cursor_answer(&d->cur, res, d->gen != 0, 0);
	if (watch_detect_moved(step)) {
		d->gen = 1;
		d->moves++;
		watch_succeed(d);
		watch_wake(d);
		watch_next(d);
		return;
	}
	switch (step) {
	case WATCH_STEP_SAME:
		watch_succeed(d);
		watch_next(d);
		return;
	case WATCH_STEP_POLL:
		snprintf(why, sizeof(why), "answer has no X-Consul-Index");
		break;
	default:
		if (res->error != 0) {
			snprintf(why, sizeof(why), "%s", res->errmsg);
			break;
		}
		n = strcspn(res->body, "\r\n");
		snprintf(why, sizeof(why), "HTTP %ld: %.*s", res->status,
		    (int)(n < 200 ? n : 200), res->body);
		break;
	}
	/* Until it answers again, what it covers takes turns. */
	watch_fail(d, why);
	watch_wake(d);
}

static void watch_detect_update(struct watch_set *set);

static void
watch_done(const struct http_result *res, void *arg)
{
	struct watch *w = arg;
	struct watch_set *set = w->set;
	bool flipped = false;

	w->req = NULL;
	w->state = WATCH_IDLE;
	set->in_flight--;
	if (w->detect != 0)
		set->det_in_flight--;
	if (w->reread)
		set->reread_in_flight--;
	w->reread = false;
	if (res->error == 0 && res->multiplexed != set->multiplexed) {
		set->multiplexed = res->multiplexed;
		flipped = true;
		log_info("consul: answers over %s: up to %u blocking queries "
			 "at once",
		    set->multiplexed ? "HTTP/2" : "HTTP/1.1",
		    watch_capacity(set));
	}
	if (!loop_timer_active(&set->pump) && !TAILQ_EMPTY(&set->queue))
		loop_timer_start(set->loop, &set->pump, 0);
	if (w->detect != 0)
		watch_detect_answer(w, res);
	else
		watch_dep_answer(w, res);
	/* Last: it may free detectors, w among them. */
	if (flipped)
		watch_detect_update(set);
}

/* file(...): the engine reads the file; notice when it changes. */
static void
watch_file_poll(struct watch *w)
{
	struct stat st;
	bool exists, changed;

	exists = stat(w->path, &st) == 0;
	changed = exists != w->st_exists
	    || (exists
		&& (st.st_ino != w->st.st_ino || st.st_size != w->st.st_size
		    || st.st_mtim.tv_sec != w->st.st_mtim.tv_sec
		    || st.st_mtim.tv_nsec != w->st.st_mtim.tv_nsec));
	if (changed || w->gen == 0) {
		w->st_exists = exists;
		if (exists)
			w->st = st;
		watch_changed(w);
	}
	w->state = WATCH_IDLE;
	loop_timer_start(w->set->loop, &w->timer, WATCH_FILE_POLL_MS);
}

static void
watch_timer_cb(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct watch *w = arg;

	(void)loop;
	(void)timer;
	if (!w->consul)
		watch_file_poll(w);
	else
		watch_queue(w);
}

/* Dependency w is no longer covered: drops its detectors' counts. */
static void
watch_detect_release(struct watch *w)
{
	unsigned i;

	if (w->det[0] != NULL)
		w->set->ncovered--;
	for (i = 0; i < WATCH_DETECT_PER_DEP && w->det[i] != NULL; i++) {
		w->det[i]->covers--;
		w->det[i] = NULL;
	}
}

static void
watch_free(struct watch *w)
{
	struct watch_set *set = w->set;

	if (w->state == WATCH_FLIGHT) {
		http_cancel(set->http, w->req);
		set->in_flight--;
		if (w->detect != 0)
			set->det_in_flight--;
		if (w->reread)
			set->reread_in_flight--;
	} else if (w->state == WATCH_QUEUED)
		TAILQ_REMOVE(&set->queue, w, ready);
	loop_timer_stop(set->loop, &w->timer);
	if (w->cur.failures > 0)
		set->failing--;
	if (w->refused != NULL)
		set->refused--;
	free(w->refused);
	if (w->detect != 0) {
		TAILQ_REMOVE(&set->detectors, w, entry);
		set->ndetectors--;
		goto out;
	}
	watch_detect_release(w);
	watch_hash_remove(set, w);
	TAILQ_REMOVE(&set->all, w, entry);
	set->nwatches--;
	if (w->consul)
		set->nconsul--;
out:
	free(w->data);
	free(w->dep);
	free(w->path);
	free(w->query);
	free(w->node);
	free(w);
}

/* The detector of kind (and KV root) in set, started when new. */
static struct watch *
watch_detector(struct watch_set *set, unsigned kind, const char *root)
{
	static const char *const paths[] = {
		[WATCH_DETECT_SERVICES] = "/v1/catalog/services",
		[WATCH_DETECT_HEALTH] = "/v1/health/state/any",
		[WATCH_DETECT_NODES] = "/v1/catalog/nodes",
	};
	/*
	 * Only the index is read, so the body is kept empty where Consul
	 * allows it: a filter nothing matches (Consul 1.16.3 still answers
	 * the table's index and wakes the query on every change to it), KV
	 * keys one level deep (the index still spans the whole root).
	 */
	static const char *const queries[] = {
		[WATCH_DETECT_SERVICES]
		= "filter=ServiceName%20%3D%3D%20%22%22",
		[WATCH_DETECT_HEALTH] = "filter=Status%20%3D%3D%20%22none%22",
		[WATCH_DETECT_NODES] = "filter=Node%20%3D%3D%20%22%22",
		[WATCH_DETECT_KV] = "keys&separator=/",
	};
	struct watch *d;
	char *path;

	path = kind == WATCH_DETECT_KV ? xasprintf("/v1/kv/%s", root)
				       : xstrdup(paths[kind]);
	TAILQ_FOREACH(d, &set->detectors, entry)
		if (d->detect == kind && strcmp(d->path, path) == 0) {
			free(path);
			return d;
		}
	d = xcalloc(1, sizeof(*d));
	d->set = set;
	d->consul = true;
	d->detect = kind;
	d->path = path;
	d->query = xstrdup(queries[kind]);
	d->dep = xasprintf("detector(%s)", path);
	d->state = WATCH_IDLE;
	loop_timer_init(&d->timer, watch_timer_cb, d);
	TAILQ_INSERT_TAIL(&set->detectors, d, entry);
	set->ndetectors++;
	log_debug("consul: %s started", d->dep);
	watch_queue(d);
	return d;
}

/* Dependency w gets the detectors covering it, if any. */
static void
watch_detect_attach(struct watch *w)
{
	char root[WATCH_DETECT_ROOT_MAX];
	unsigned mask, bit, i = 0;

	mask = watch_detect_cover(w->path, w->query, root, sizeof(root));
	for (bit = 1; bit <= WATCH_DETECT_KV; bit <<= 1) {
		if ((mask & bit) == 0 || i == WATCH_DETECT_PER_DEP)
			continue;
		w->det[i] = watch_detector(w->set, bit, root);
		w->det[i]->covers++;
		i++;
	}
	if (i > 0)
		w->set->ncovered++;
}

/* Parked dependencies go back to blocking queries. */
static void
watch_detect_stop(struct watch_set *set)
{
	struct watch *w;

	set->detecting = false;
	TAILQ_FOREACH(w, &set->all, entry) {
		watch_detect_release(w);
		if (w->parked) {
			w->parked = false;
			watch_next(w);
		}
	}
}

/*
 * Starts detectors when they are wanted, stops them when they no longer
 * are or do not fit in the connections (set->crowded, until a sweep drops
 * dependencies), and frees the ones nothing uses.
 */
static void
watch_detect_update(struct watch_set *set)
{
	bool want = !set->crowded
	    && watch_detect_wanted(set->multiplexed, set->nconsul,
		set->max_conns);
	struct watch *w, *next;

	if (want && !set->detecting) {
		set->detecting = true;
		TAILQ_FOREACH(w, &set->all, entry)
			if (w->consul)
				watch_detect_attach(w);
		log_info("consul: %u dependencies over %u connections: %u "
			 "change detectors watch %u of them",
		    set->nconsul, set->max_conns, set->ndetectors,
		    set->ncovered);
	} else if (!want && set->detecting) {
		watch_detect_stop(set);
		log_info("consul: %u dependencies over %u connections: no "
			 "change detectors",
		    set->nconsul, set->max_conns);
	}
	if (set->detecting
	    && !watch_detect_fit(set->ndetectors, set->max_conns)) {
		log_warnx(
		    "consul: %u change detectors (one per KV root in use) "
		    "do not fit in %u connections: dependencies take "
		    "turns; raise -max-connections",
		    set->ndetectors, set->max_conns);
		set->crowded = true;
		watch_detect_stop(set);
	}
	for (w = TAILQ_FIRST(&set->detectors); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (w->covers == 0) {
			log_debug("consul: %s stopped", w->dep);
			watch_free(w);
		}
	}
}

struct watch_set *
watch_set_new(struct loop *loop, struct http *http,
    const struct watch_conf *conf, char *err, size_t errlen)
{
	struct watch_set *set;
	const char *addr = conf->addr != NULL && conf->addr[0] != '\0'
	    ? conf->addr
	    : "127.0.0.1:8500";
	size_t n;

	if (strchr(addr, '?') != NULL || strchr(addr, '#') != NULL) {
		snprintf(err, errlen,
		    "consul address %s: must not have a "
		    "query or fragment",
		    addr);
		return NULL;
	}
	set = xcalloc(1, sizeof(*set));
	set->loop = loop;
	set->http = http;
	if (str_has_prefix(addr, "http://") || str_has_prefix(addr, "https://"))
		set->base = xstrdup(addr);
	else
		set->base = xasprintf("http://%s", addr);
	n = strlen(set->base);
	while (n > 0 && set->base[n - 1] == '/')
		set->base[--n] = '\0';
	if (conf->token != NULL && conf->token[0] != '\0') {
		set->token = xstrdup(conf->token);
		log_add_secret(set->token);
	}
	set->tls.ca_file
	    = conf->ca_file != NULL ? xstrdup(conf->ca_file) : NULL;
	set->tls.cert_file
	    = conf->cert_file != NULL ? xstrdup(conf->cert_file) : NULL;
	set->tls.key_file
	    = conf->key_file != NULL ? xstrdup(conf->key_file) : NULL;
	set->has_tls = set->tls.ca_file != NULL || set->tls.cert_file != NULL;
	set->wait_ms
	    = conf->wait_ms > 0 ? conf->wait_ms : WATCH_WAIT_DEFAULT_MS;
	set->max_stale_ms = conf->max_stale_ms;
	set->max_conns
	    = conf->max_conns > 0 ? conf->max_conns : WATCH_MAX_CONNS_DEFAULT;
	TAILQ_INIT(&set->all);
	TAILQ_INIT(&set->queue);
	TAILQ_INIT(&set->detectors);
	set->rand
	    = (mono_ms() << 20) ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)set;
	if (set->rand == 0)
		set->rand = 1;
	loop_timer_init(&set->pump, watch_pump, set);
	loop_timer_init(&set->trim, watch_trim, set);
	return set;
}

void
watch_set_free(struct watch_set *set)
{
	if (set == NULL)
		return;
	while (!TAILQ_EMPTY(&set->all))
		watch_free(TAILQ_FIRST(&set->all));
	while (!TAILQ_EMPTY(&set->detectors))
		watch_free(TAILQ_FIRST(&set->detectors));
	loop_timer_stop(set->loop, &set->pump);
	loop_timer_stop(set->loop, &set->trim);
	free(set->buckets);
	free(set->base);
	free((char *)set->tls.ca_file);
	free((char *)set->tls.cert_file);
	free((char *)set->tls.key_file);
	if (set->token != NULL) {
		explicit_bzero(set->token, strlen(set->token));
		free(set->token);
	}
	free(set);
}

int
watch_add(struct watch_set *set, const char *dep, char *err, size_t errlen)
{
	struct tmpl_endpoint *ep;
	struct watch *w;
	int ret = -1;

	if (watch_find(set, dep) != NULL)
		return 0;
	ep = xmalloc(sizeof(*ep));
	if (tmpl_dep_endpoint(dep, ep, err, errlen) == -1)
		goto out;
	if (!ep->consul
	    && (!str_has_prefix(dep, "file(") || !str_has_suffix(dep, ")"))) {
		snprintf(err, errlen, "%s: neither Consul nor file", dep);
		goto out;
	}
	w = xcalloc(1, sizeof(*w));
	w->set = set;
	w->dep = xstrdup(dep);
	w->consul = ep->consul;
	if (w->consul)
		w->path = xstrdup(ep->path);
	else /* "file(<path>)": the path is what is polled */
		w->path = xstrndup(dep + strlen("file("),
		    strlen(dep) - strlen("file()"));
	w->query = xstrdup(ep->query);
	w->local_node = ep->local_node;
	w->state = WATCH_IDLE;
	loop_timer_init(&w->timer, watch_timer_cb, w);
	/* Into the hash first: a resize rehashes what set->all holds. */
	watch_hash_insert(set, w);
	TAILQ_INSERT_TAIL(&set->all, w, entry);
	set->nwatches++;
	if (w->consul) {
		set->nconsul++;
		if (set->detecting)
			watch_detect_attach(w);
		watch_queue(w);
		watch_detect_update(set);
	} else
		watch_file_poll(w);
	log_debug("consul: watching %s", dep);
	ret = 0;
out:
	free(ep);
	return ret;
}

const cJSON *
watch_lookup(void *arg, const char *dep)
{
	struct watch *w = watch_find(arg, dep);

	return w != NULL && w->gen != 0 ? w->data : NULL;
}

uint64_t
watch_generation(const struct watch_set *set, const char *dep)
{
	struct watch *w = watch_find(set, dep);

	return w != NULL ? w->gen : 0;
}

uint64_t
watch_changed_ns(const struct watch_set *set, const char *dep)
{
	struct watch *w = watch_find(set, dep);

	return w != NULL ? w->changed_ns : 0;
}

uint64_t
watch_set_generation(const struct watch_set *set)
{
	return set->gen;
}

void
watch_unmark_all(struct watch_set *set)
{
	struct watch *w;

	TAILQ_FOREACH(w, &set->all, entry)
		w->marked = false;
}

void
watch_mark(struct watch_set *set, const char *dep)
{
	struct watch *w = watch_find(set, dep);

	if (w != NULL)
		w->marked = true;
}

void
watch_sweep(struct watch_set *set)
{
	struct watch *w, *next;

	for (w = TAILQ_FIRST(&set->all); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (!w->marked) {
			log_debug("consul: no longer watching %s", w->dep);
			watch_free(w);
			/* Fewer KV roots may fit now. */
			set->crowded = false;
		}
	}
	watch_detect_update(set);
}

void
watch_set_stats(const struct watch_set *set, struct watch_stats *st)
{
	const struct watch *w;

	st->watches = set->nwatches;
	st->in_flight = set->in_flight;
	st->failing = set->failing;
	st->refused = set->refused;
	st->errors = set->errors;
	st->detectors = set->ndetectors;
	st->parked = 0;
	TAILQ_FOREACH(w, &set->all, entry)
		st->parked += w->parked;
}

void
watch_refused_each(const struct watch_set *set, watch_refused_cb *cb, void *arg)
{
	const struct watch *w;

	TAILQ_FOREACH(w, &set->all, entry)
		if (w->refused != NULL)
			cb(w->dep, w->refused, arg);
}
