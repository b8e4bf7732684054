/* SPDX-License-Identifier: MIT */
/*
 * watch.c's decisions, pure: Consul's blocking-query index rules fed with
 * answers captured from the real Consul v1.16.3 agent
 * (tests/data/consul/watch, see capture.sh there), the backoff after
 * failures, and the wait sent under the connection cap.  Each test names
 * the rule it holds.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "str.h"
#include "templater.h"
#include "test.h"
#include "xmalloc.h"

#define FIXTURE_MAX (256u * 1024)

/* A captured answer: res points into text, owned. */
struct fixture {
	char *text;
	struct http_result res;
};

/*
 * Loads data/consul/watch/NAME (run from tests/): "HTTP/1.1 200 OK", one
 * "Name: value" a line, a blank line, the body.  Exits when it is not
 * there: a missing fixture must not pass.
 */
static void
fixture_load(struct fixture *fx, const char *name)
{
	char path[256], *line, *next, *colon;
	struct http_result *res = &fx->res;
	size_t len;
	FILE *f;

	memset(fx, 0, sizeof(*fx));
	snprintf(path, sizeof(path), "data/consul/watch/%s", name);
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "cannot open %s (run from tests/)\n", path);
		exit(2);
	}
	fx->text = xmalloc(FIXTURE_MAX + 1);
	len = fread(fx->text, 1, FIXTURE_MAX, f);
	fclose(f);
	fx->text[len] = '\0';
	res->status = strtol(fx->text + strlen("HTTP/1.1 "), NULL, 10);
	line = strchr(fx->text, '\n');
	while (line != NULL && line[1] != '\n' && line[1] != '\0') {
		line++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next = '\0';
		colon = strchr(line, ':');
		if (colon != NULL && res->nheaders < HTTP_HEADERS_MAX) {
			*colon = '\0';
			res->headers[res->nheaders].name = line;
			res->headers[res->nheaders++].value = colon + 2;
		}
		line = next;
	}
	res->body = line != NULL && line[1] != '\0' ? line + 2 : "";
	res->body_len = strlen(res->body);
	if (res->status == 0) {
		fprintf(stderr, "%s: no status line\n", path);
		exit(2);
	}
}

/* The X-Consul-Index a capture carries (they change on re-capture). */
static uint64_t
fixture_index(const struct fixture *fx)
{
	const char *h = http_result_header(&fx->res, "X-Consul-Index");
	long long v = -1;

	if (h == NULL || str_to_ll(h, 0, LLONG_MAX, &v) == -1) {
		fprintf(stderr, "fixture without X-Consul-Index\n");
		exit(2);
	}
	return (uint64_t)v;
}

/* A first read answers with data and the index to block on next. */
static void
test_first_answer(void)
{
	struct watch_cursor c = { 0 };
	struct fixture fx;

	fixture_load(&fx, "health-first.http");
	T_EQ_INT(watch_cursor_answer(&c, &fx.res, false, 2000),
	    WATCH_STEP_DATA);
	T_EQ_INT(c.index, fixture_index(&fx));
	T_ASSERT(c.index > 0);
	T_ASSERT(!c.consistent);
	free(fx.text);
}

/*
 * Index unchanged: the wait ran out (or Consul woke up for nothing) and
 * the same index came back.  Nothing new, so nothing is parsed; but a
 * watch without data yet takes the answer.
 */
static void
test_index_unchanged(void)
{
	struct fixture first, same;
	struct watch_cursor c = { 0 };

	fixture_load(&first, "health-first.http");
	fixture_load(&same, "health-timeout.http");
	T_EQ_INT(fixture_index(&same), fixture_index(&first));
	T_EQ_INT(watch_cursor_answer(&c, &first.res, false, 2000),
	    WATCH_STEP_DATA);
	T_EQ_INT(watch_cursor_answer(&c, &same.res, true, 2000),
	    WATCH_STEP_SAME);
	T_EQ_INT(c.index, fixture_index(&first));
	T_EQ_INT(watch_cursor_answer(&c, &same.res, false, 2000),
	    WATCH_STEP_DATA);
	free(first.text);
	free(same.text);
}

/* A change woke the blocking query: data, and the new index. */
static void
test_index_forward(void)
{
	struct fixture first, changed;
	struct watch_cursor c = { 0 };

	fixture_load(&first, "health-first.http");
	fixture_load(&changed, "health-changed.http");
	(void)watch_cursor_answer(&c, &first.res, false, 2000);
	T_EQ_INT(watch_cursor_answer(&c, &changed.res, true, 2000),
	    WATCH_STEP_DATA);
	T_EQ_INT(c.index, fixture_index(&changed));
	T_ASSERT(c.index > fixture_index(&first));
	free(first.text);
	free(changed.text);
}

/*
 * Index backwards: the agent was restarted and its indexes started over.
 * The data is taken and the index reset to 0, so the next request is one
 * plain read, which starts over from the index it brings.
 */
static void
test_index_backwards(void)
{
	struct fixture changed, restarted;
	struct watch_cursor c = { 0 };

	fixture_load(&changed, "health-changed.http");
	fixture_load(&restarted, "health-restarted.http");
	T_ASSERT(fixture_index(&restarted) < fixture_index(&changed));
	(void)watch_cursor_answer(&c, &changed.res, false, 2000);
	T_EQ_INT(watch_cursor_answer(&c, &restarted.res, true, 2000),
	    WATCH_STEP_DATA);
	T_EQ_INT(c.index, 0);
	T_EQ_INT(watch_cursor_answer(&c, &restarted.res, true, 2000),
	    WATCH_STEP_DATA);
	T_EQ_INT(c.index, fixture_index(&restarted));
	free(changed.text);
	free(restarted.text);
}

/*
 * Index 0 (older Consul versions sent it; derived from a capture): taken
 * as 1, so that the next request still blocks; a plain read (index 0)
 * would return at once, every time.  After a blocking read on 1 it is
 * nothing new; after a higher index it is an index gone backwards, and
 * the plain read that follows, answered 0 again, goes back to 1.
 */
static void
test_index_zero(void)
{
	struct fixture zero, found;
	struct watch_cursor c = { 0 };

	fixture_load(&zero, "derived-kv-index0.http");
	fixture_load(&found, "kv-found.http");
	T_EQ_INT(watch_cursor_answer(&c, &zero.res, false, 2000),
	    WATCH_STEP_DATA);
	T_EQ_INT(c.index, 1);
	T_EQ_INT(watch_cursor_answer(&c, &zero.res, true, 2000),
	    WATCH_STEP_SAME);
	T_EQ_INT(c.index, 1);
	(void)watch_cursor_answer(&c, &found.res, true, 2000);
	T_EQ_INT(c.index, fixture_index(&found));
	T_EQ_INT(watch_cursor_answer(&c, &zero.res, true, 2000),
	    WATCH_STEP_DATA);
	T_EQ_INT(c.index, 0);
	T_EQ_INT(watch_cursor_answer(&c, &zero.res, true, 2000),
	    WATCH_STEP_DATA);
	T_EQ_INT(c.index, 1);
	free(zero.text);
	free(found.text);
}

/*
 * What a status means: a 404 with an index is "no such key", data; a 404
 * without one (no such endpoint), a 500 (no such datacenter) or no answer
 * at all is a failure, and leaves the index alone for the backoff.
 */
static void
test_status(void)
{
	struct fixture missing, bad, dc;
	struct http_result down = { .error = -1 };
	struct watch_cursor c = { .index = 7 };

	fixture_load(&missing, "kv-missing.http");
	fixture_load(&bad, "bad-path.http");
	fixture_load(&dc, "kv-unknown-dc.http");
	T_EQ_INT(bad.res.status, 404);
	T_EQ_INT(dc.res.status, 500);
	T_EQ_INT(watch_cursor_answer(&c, &bad.res, true, 2000),
	    WATCH_STEP_RETRY);
	T_EQ_INT(watch_cursor_answer(&c, &dc.res, true, 2000),
	    WATCH_STEP_RETRY);
	T_EQ_INT(watch_cursor_answer(&c, &down, true, 2000), WATCH_STEP_RETRY);
	T_EQ_INT(c.index, 7);
	T_EQ_INT(missing.res.status, 404);
	T_EQ_INT(watch_cursor_answer(&c, &missing.res, true, 2000),
	    WATCH_STEP_MISSING);
	T_EQ_INT(c.index, fixture_index(&missing));
	free(missing.text);
	free(bad.text);
	free(dc.text);
}

/*
 * A query Consul refuses (400 for a name it will not take, 414 for a URL
 * too long) is REFUSED, not a failure to back off from; 401/403 (a
 * token problem) and 429 stay failures: they must never empty a file.
 */
static void
test_refused(void)
{
	static const long refused[] = { 400, 413, 414, 431 };
	static const long retried[] = { 401, 403, 429, 500, 503 };
	struct http_result res = { .body = "Bad request", .body_len = 11 };
	struct watch_cursor c = { .index = 7 };
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		res.status = refused[i];
		T_EQ_INT(watch_cursor_answer(&c, &res, true, 2000),
		    WATCH_STEP_REFUSED);
	}
	for (i = 0; i < sizeof(retried) / sizeof(retried[0]); i++) {
		res.status = retried[i];
		T_EQ_INT(watch_cursor_answer(&c, &res, true, 2000),
		    WATCH_STEP_RETRY);
	}
	T_EQ_INT(c.index, 7);
}

/* No X-Consul-Index: not a blocking endpoint, polled without an index. */
static void
test_no_index(void)
{
	struct fixture leader;
	struct watch_cursor c = { .index = 7 };

	fixture_load(&leader, "status-leader.http");
	T_EQ_INT(watch_cursor_answer(&c, &leader.res, true, 2000),
	    WATCH_STEP_POLL);
	T_EQ_INT(c.index, 0);
	free(leader.text);
}

/*
 * Too stale (X-Consul-LastContact over -max-stale; derived): asked again
 * from the leader, whose answer is taken however old the last contact;
 * the read after that is stale again.  max_stale 0 never asks.
 */
static void
test_stale(void)
{
	struct fixture stale;
	struct watch_cursor c = { 0 };

	fixture_load(&stale, "derived-health-stale5s.http");
	T_EQ_INT(watch_cursor_answer(&c, &stale.res, false, 2000),
	    WATCH_STEP_LEADER);
	T_ASSERT(c.consistent);
	T_EQ_INT(c.index, 0);
	T_EQ_INT(watch_cursor_answer(&c, &stale.res, false, 2000),
	    WATCH_STEP_DATA);
	T_ASSERT(!c.consistent);
	c.index = 0;
	T_EQ_INT(watch_cursor_answer(&c, &stale.res, false, 0),
	    WATCH_STEP_DATA);
	free(stale.text);
}

/*
 * Backoff after errors: every failure drops the index; the delay starts
 * at WATCH_BACKOFF_MIN_MS, doubles, never passes WATCH_BACKOFF_MAX_MS,
 * and its jitter keeps it between half and all of its step.
 */
static void
test_backoff(void)
{
	struct watch_cursor lo = { .index = 42 }, hi = { .index = 42 };
	uint64_t step = WATCH_BACKOFF_MIN_MS, prev = 0, a, b;
	unsigned i;

	for (i = 1; i <= 40; i++) {
		a = watch_cursor_fail(&lo, 0);
		b = watch_cursor_fail(&hi, step / 2);
		T_EQ_INT(lo.index, 0);
		T_EQ_INT(lo.failures, i);
		T_ASSERT(a >= step / 2);
		T_ASSERT(b <= step);
		T_ASSERT(a <= b);
		T_ASSERT(b <= WATCH_BACKOFF_MAX_MS);
		T_ASSERT(a >= prev);
		if (i == 1)
			T_ASSERT(b >= WATCH_BACKOFF_MIN_MS / 2);
		prev = a;
		hi.index = 42;
		step = step * 2 < WATCH_BACKOFF_MAX_MS ? step * 2
						       : WATCH_BACKOFF_MAX_MS;
	}
	/* The cap is reached, and the delay stays there. */
	T_ASSERT(prev >= WATCH_BACKOFF_MAX_MS / 2);
	lo.failures = 100000;
	a = watch_cursor_fail(&lo, UINT64_MAX);
	T_ASSERT(a >= WATCH_BACKOFF_MAX_MS / 2 && a <= WATCH_BACKOFF_MAX_MS);
	/* Doubling: the second step is twice the first. */
	lo.failures = 0;
	a = watch_cursor_fail(&lo, 0);
	b = watch_cursor_fail(&lo, 0);
	T_EQ_INT(b, 2 * a);
}

/*
 * Rotation under the connection cap: under the cap the configured wait
 * is sent; over it, a turn of every dependency takes about
 * WATCH_ROTATION_MS, but a wait is never under WATCH_TURN_MIN_MS nor over
 * the configured one.  Jitter only lowers the wait, by 1/16 at most.
 */
static void
test_rotation(void)
{
	uint64_t r[] = { 0, 1, 977, 123456789, UINT64_MAX };
	uint64_t w;
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		w = watch_block_wait_ms(60000, 50, 50, r[i]);
		T_ASSERT(w <= 60000 && w >= 60000 - 60000 / 16);
		w = watch_block_wait_ms(60000, 300, 50, r[i]);
		T_ASSERT(w <= WATCH_ROTATION_MS * 50 / 300);
		T_ASSERT(w >= WATCH_ROTATION_MS * 50 / 300 * 15 / 16);
		w = watch_block_wait_ms(60000, 100000, 50, r[i]);
		T_ASSERT(w <= WATCH_TURN_MIN_MS);
		T_ASSERT(w >= WATCH_TURN_MIN_MS * 15 / 16);
		w = watch_block_wait_ms(2000, 60, 50, r[i]);
		T_ASSERT(w <= 2000 && w >= 2000 - 2000 / 16);
	}
	T_EQ_INT(watch_block_wait_ms(60000, 10, 50, 0), 60000);
}

/*
 * What covers what: service instances by the services, health and nodes
 * detectors (a node's address moves them without moving the services
 * index), nodes by the nodes one (with their services), KV keys by the
 * detector of their root; another datacenter, or an endpoint no detector
 * sees, by none.  No dependency needs more than WATCH_DETECT_PER_DEP.
 */
static void
test_detect_cover(void)
{
	static const struct {
		const char *path, *query;
		unsigned mask;
		const char *root;
	} cases[] = {
		{ "/v1/health/service/web", "",
		    WATCH_DETECT_SERVICES | WATCH_DETECT_HEALTH
			| WATCH_DETECT_NODES,
		    NULL },
		{ "/v1/health/service/web", "passing=1&tag=a",
		    WATCH_DETECT_SERVICES | WATCH_DETECT_HEALTH
			| WATCH_DETECT_NODES,
		    NULL },
		{ "/v1/health/connect/web", "",
		    WATCH_DETECT_SERVICES | WATCH_DETECT_HEALTH
			| WATCH_DETECT_NODES,
		    NULL },
		{ "/v1/catalog/services", "", WATCH_DETECT_SERVICES, NULL },
		{ "/v1/catalog/node/n1", "",
		    WATCH_DETECT_SERVICES | WATCH_DETECT_NODES, NULL },
		{ "/v1/catalog/node/", "",
		    WATCH_DETECT_SERVICES | WATCH_DETECT_NODES, NULL },
		{ "/v1/catalog/nodes", "near=_agent", WATCH_DETECT_NODES,
		    NULL },
		{ "/v1/kv/app/config/x", "", WATCH_DETECT_KV, "app/" },
		{ "/v1/kv/app/", "recurse=", WATCH_DETECT_KV, "app/" },
		{ "/v1/kv/flag", "", WATCH_DETECT_KV, "flag" },
		{ "/v1/kv/", "recurse=", WATCH_DETECT_KV, "" },
		{ "/v1/kv/a%20b/c", "", WATCH_DETECT_KV, "a%20b/" },
		/* Another datacenter: the detectors read the local one. */
		{ "/v1/health/service/web", "dc=dc2", 0, NULL },
		{ "/v1/kv/app/x", "recurse=&dc=dc2", 0, NULL },
		{ "/v1/catalog/services", "dc=dc2", 0, NULL },
		/* "dc=" inside another parameter's name is not a dc. */
		{ "/v1/catalog/services", "xdc=1", WATCH_DETECT_SERVICES,
		    NULL },
		{ "/v1/agent/self", "", 0, NULL },
		{ "/v1/catalog/datacenters", "", 0, NULL },
	};
	char root[WATCH_DETECT_ROOT_MAX], big[WATCH_DETECT_ROOT_MAX + 16];
	unsigned mask, bits;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(root, sizeof(root), "untouched");
		mask = watch_detect_cover(cases[i].path, cases[i].query, root,
		    sizeof(root));
		T_CHECK(mask == cases[i].mask, "%s?%s: mask %u, want %u",
		    cases[i].path, cases[i].query, mask, cases[i].mask);
		if (cases[i].root != NULL)
			T_EQ_STR(root, cases[i].root);
		for (bits = 0; mask != 0; mask &= mask - 1)
			bits++;
		T_ASSERT(bits <= WATCH_DETECT_PER_DEP);
	}
	/* A root that does not fit is covered by nothing, not cut short. */
	memcpy(big, "/v1/kv/", 7);
	memset(big + 7, 'k', sizeof(big) - 8);
	big[sizeof(big) - 1] = '\0';
	T_EQ_INT(watch_detect_cover(big, "", root, sizeof(root)), 0);
	T_EQ_INT(watch_detect_cover("/v1/kv/abcd/e", "", root, 5), 0);
	T_EQ_INT(watch_detect_cover("/v1/kv/abc/e", "", root, 5),
	    WATCH_DETECT_KV);
	T_EQ_STR(root, "abc/");
}

/*
 * A detector's index, as Consul's answers move it: the first answer is a
 * movement (what was read before it may be older), the same index coming
 * back is not, a new one is, one gone backwards (agent restarted) is and
 * resets the index, so the plain read after it is one again; a 404
 * carrying an index (a KV root without keys) is data too.  Failures are
 * never movements.
 */
static void
test_detect_index(void)
{
	struct fixture first, same, changed, restarted, missing, bad;
	struct watch_cursor c = { 0 };
	enum watch_step step;

	fixture_load(&first, "health-first.http");
	fixture_load(&same, "health-timeout.http");
	fixture_load(&changed, "health-changed.http");
	fixture_load(&restarted, "health-restarted.http");
	fixture_load(&missing, "kv-missing.http");
	fixture_load(&bad, "bad-path.http");
	T_ASSERT(
	    watch_detect_moved(watch_cursor_answer(&c, &first.res, false, 0)));
	T_EQ_INT(c.index, fixture_index(&first));
	T_ASSERT(
	    !watch_detect_moved(watch_cursor_answer(&c, &same.res, true, 0)));
	T_ASSERT(
	    watch_detect_moved(watch_cursor_answer(&c, &changed.res, true, 0)));
	T_EQ_INT(c.index, fixture_index(&changed));
	T_ASSERT(!watch_detect_moved(
	    watch_cursor_answer(&c, &changed.res, true, 0)));
	T_ASSERT(fixture_index(&restarted) < fixture_index(&changed));
	T_ASSERT(watch_detect_moved(
	    watch_cursor_answer(&c, &restarted.res, true, 0)));
	T_EQ_INT(c.index, 0);
	T_ASSERT(watch_detect_moved(
	    watch_cursor_answer(&c, &restarted.res, true, 0)));
	T_EQ_INT(c.index, fixture_index(&restarted));
	step = watch_cursor_answer(&c, &missing.res, true, 0);
	T_EQ_INT(step, WATCH_STEP_MISSING);
	T_ASSERT(watch_detect_moved(step));
	step = watch_cursor_answer(&c, &bad.res, true, 0);
	T_ASSERT(step == WATCH_STEP_REFUSED || step == WATCH_STEP_RETRY);
	T_ASSERT(!watch_detect_moved(step));
	T_ASSERT(!watch_detect_moved(WATCH_STEP_RETRY));
	T_ASSERT(!watch_detect_moved(WATCH_STEP_POLL));
	T_ASSERT(!watch_detect_moved(WATCH_STEP_LEADER));
	free(first.text);
	free(same.text);
	free(changed.text);
	free(restarted.text);
	free(missing.text);
	free(bad.text);
}

/*
 * When detectors run and what they cost: over HTTP/1.1 beyond the cap
 * only; a dependency parks when its detectors are healthy and did not
 * move while it was read (else a movement could have slipped between
 * its read and its parking); detectors fit only with a connection left
 * beside them, and hold back one each, never all of them.
 */
static void
test_detect_decisions(void)
{
	T_ASSERT(!watch_detect_wanted(false, 50, 50));
	T_ASSERT(watch_detect_wanted(false, 51, 50));
	T_ASSERT(!watch_detect_wanted(true, 2000, 50));
	T_ASSERT(!watch_detect_wanted(false, 10, 0));
	T_ASSERT(watch_detect_park(true, 7, 7));
	T_ASSERT(!watch_detect_park(true, 7, 8));
	T_ASSERT(!watch_detect_park(false, 7, 7));
	T_ASSERT(watch_detect_fit(3, 4));
	T_ASSERT(!watch_detect_fit(4, 4));
	T_ASSERT(!watch_detect_fit(1, 1));
	T_ASSERT(!watch_detect_fit(0, 0));
	T_EQ_INT(watch_detect_reserve(2, 50), 2);
	T_EQ_INT(watch_detect_reserve(3, 4), 3);
	T_EQ_INT(watch_detect_reserve(5, 4), 3);
	T_EQ_INT(watch_detect_reserve(3, 1), 0);
	T_EQ_INT(watch_detect_reserve(3, 0), 0);
	T_EQ_INT(watch_detect_reserve(0, 4), 0);
}

int
main(void)
{
	test_first_answer();
	test_index_unchanged();
	test_index_forward();
	test_index_backwards();
	test_index_zero();
	test_status();
	test_refused();
	test_no_index();
	test_stale();
	test_backoff();
	test_rotation();
	test_detect_cover();
	test_detect_index();
	test_detect_decisions();
	return test_report();
}
