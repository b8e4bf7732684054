/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/httpd.c: a server on a real loopback port, queried
 * by curl(1) run through lib/proc.c on the same loop (so nothing blocks),
 * plus raw sockets on the same loop for the deadlines, the eviction order,
 * the caps and running out of fds.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "loop.h"
#include "metrics.h"
#include "proc.h"
#include "str.h"
#include "test.h"
#include "xmalloc.h"

struct fetch {
	char *output;
	int status;
	uint64_t elapsed_ms;
};

static struct loop *loop;
static int pending;
static struct loop_timer guard;
static int health_calls;
static bool healthy = true;

static void
health(const struct httpd_req *req, struct httpd_resp *resp, void *arg)
{
	(void)arg;
	health_calls++;
	T_ASSERT(strcmp(req->method, "GET") == 0
	    || strcmp(req->method, "HEAD") == 0);
	if (!healthy)
		resp->status = 503;
	buf_addf(&resp->body, "%s query=%s\n", healthy ? "ok" : "down",
	    req->query);
}

static void
fetched(const struct proc_result *res, void *arg)
{
	struct fetch *f = arg;

	f->output = xstrndup(res->output, res->output_len);
	f->status = res->exited ? res->exit_status : -1;
	f->elapsed_ms = res->elapsed_ms;
	if (--pending == 0)
		loop_stop(loop);
}

static void
guard_fired(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	T_CHECK(0, "test took longer than its deadline");
	loop_stop(l);
}

static void
run(void)
{
	loop_timer_start(loop, &guard, 15000);
	loop_run(loop);
	loop_timer_stop(loop, &guard);
}

/* Starts curl with extra arguments; -i prints the status and headers. */
static void
curl(struct fetch *f, int port, const char *path, const char *extra1,
    const char *extra2)
{
	char url[128], err[PROC_ERR_MAX];
	const char *argv[] = { "curl", "-sS", "-i", "--max-time", "10", url,
		extra1, extra2, NULL };
	struct proc_opts o = { .argv = argv, .output_max = 1 << 20 };

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	memset(f, 0, sizeof(*f));
	if (proc_start(loop, &o, fetched, f, err, sizeof(err)) == NULL)
		T_CHECK(0, "curl: %s", err);
	else
		pending++;
}

static bool
has(const struct fetch *f, const char *s)
{
	return f->output != NULL && strstr(f->output, s) != NULL;
}

static void
test_requests(void)
{
	struct httpd_opts opts = { .listen = "127.0.0.1:0" };
	struct metrics *m = metrics_new();
	struct fetch f[8];
	char err[HTTPD_ERR_MAX], *big;
	struct httpd *h;
	int port;

	h = httpd_new(loop, &opts, err, sizeof(err));
	T_CHECK(h != NULL, "httpd_new: %s", err);
	if (h == NULL)
		return;
	port = httpd_port(h);
	T_ASSERT(port > 0);
	httpd_route(h, "/health", health, NULL);
	httpd_route(h, "/metrics", httpd_serve_metrics, m);
	metrics_inc(metrics_counter(m, "test_hits", "Hits.", NULL, NULL));
	big = xmalloc(BUF_MAX_HTTPD_REQUEST + 100);
	memset(big, 'a', BUF_MAX_HTTPD_REQUEST + 99);
	memcpy(big, "X-Big: ", 7);
	big[BUF_MAX_HTTPD_REQUEST + 99] = '\0';

	curl(&f[0], port, "/health?full=1", "-H", "X-A: b");
	curl(&f[1], port, "/metrics", "-H", "X-A: b");
	curl(&f[2], port, "/metrics", "-I", NULL);
	curl(&f[3], port, "/health", "-X", "POST");
	curl(&f[4], port, "/nowhere", "-H", "X-A: b");
	curl(&f[5], port, "/health", "-H", big);
	curl(&f[7], port, "/nowhere", "-I", NULL);
	run();
	free(big);

	T_ASSERT(has(&f[0], "HTTP/1.1 200 OK\r\n"));
	T_ASSERT(has(&f[0], "Connection: close\r\n"));
	T_ASSERT(has(&f[0], "Content-Length: 16\r\n"));
	T_ASSERT(has(&f[0], "\r\n\r\nok query=full=1\n"));
	T_ASSERT(has(&f[1], "Content-Type: text/plain; version=0.0.4"));
	T_ASSERT(has(&f[1],
	    "\r\n\r\n# HELP test_hits_total Hits.\n"
	    "# TYPE test_hits_total counter\n"
	    "test_hits_total 1\n"));
	/* HEAD: the length of the body, no body. */
	T_ASSERT(has(&f[2], "HTTP/1.1 200 OK\r\n"));
	T_ASSERT(has(&f[2], "Content-Length: 78\r\n"));
	T_ASSERT(!has(&f[2], "test_hits_total 1"));
	T_ASSERT(has(&f[3], "HTTP/1.1 405 Method Not Allowed\r\n"));
	T_ASSERT(has(&f[3], "Allow: GET, HEAD\r\n"));
	T_ASSERT(has(&f[4], "HTTP/1.1 404 Not Found\r\n"));
	T_ASSERT(has(&f[5], "HTTP/1.1 431 "));
	/* HEAD of an unknown path: the status and length, no body. */
	T_ASSERT(has(&f[7], "HTTP/1.1 404 Not Found\r\n"));
	T_ASSERT(has(&f[7], "Content-Length: 14\r\n"));
	T_ASSERT(!has(&f[7], "404 Not Found\n"));
	T_EQ_INT(f[7].status, 0);
	free(f[7].output);
	T_EQ_INT(health_calls, 1);
	for (int i = 0; i < 6; i++) {
		T_CHECK(f[i].status == 0, "curl %d: %s", i, f[i].output);
		free(f[i].output);
	}

	/* A handler decides the status. */
	healthy = false;
	curl(&f[6], port, "/health", "-H", "X-A: b");
	run();
	T_ASSERT(has(&f[6], "HTTP/1.1 503 Service Unavailable\r\n"));
	T_ASSERT(has(&f[6], "down query=\n"));
	free(f[6].output);
	healthy = true;
	httpd_free(h);
	metrics_free(m);
}

/*
 * A raw client: its socket is made first (so that a test can lower the fd
 * limit before connecting), the connection completes inside connect(2) on
 * loopback, the request bytes (if any) follow, and when watched the client
 * records what comes back and when the server closed it.
 */
struct client {
	int fd;
	bool closed;
	uint64_t closed_ms;
	struct buf got;
};

static void
client_readable(struct loop *l, int fd, unsigned events, void *arg)
{
	struct client *c = arg;
	char b[4096];
	ssize_t n;

	(void)events;
	n = recv(fd, b, sizeof(b), 0);
	if (n > 0) {
		(void)buf_add(&c->got, b, (size_t)n);
		return;
	}
	if (n == -1 && errno == EAGAIN)
		return;
	c->closed = true;
	c->closed_ms = loop_now_ms(l);
	loop_fd_del(l, fd);
}

/* rcvbuf > 0 shrinks the receive buffer: a client slow to read. */
static void
client_init(struct client *c, int rcvbuf)
{
	memset(c, 0, sizeof(*c));
	buf_init(&c->got, 1 << 16);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T_CHECK(c->fd != -1, "socket: %s", strerror(errno));
	if (c->fd != -1 && rcvbuf > 0)
		T_EQ_INT(setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			     sizeof(rcvbuf)),
		    0);
}

/* Connects, sends req (NULL: nothing) and, if watch, watches for the close. */
static void
client_connect(struct client *c, int port, const char *req, bool watch)
{
	struct sockaddr_in sin
	    = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (c->fd == -1
	    || connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		T_CHECK(0, "connect: %s", strerror(errno));
		return;
	}
	if (req != NULL
	    && send(c->fd, req, strlen(req), MSG_NOSIGNAL)
		!= (ssize_t)strlen(req))
		T_CHECK(0, "send: %s", strerror(errno));
	if (watch)
		T_EQ_INT(
		    loop_fd_add(loop, c->fd, LOOP_READ, client_readable, c), 0);
}

static void
client_open(struct client *c, int port, const char *req)
{
	client_init(c, 0);
	client_connect(c, port, req, true);
}

/* A client that does not read: the server reset the connection. */
static bool
client_reset(const struct client *c)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return true;
	return ti.tcpi_state != TCP_ESTABLISHED;
}

static void
client_close(struct client *c)
{
	if (c->fd != -1) {
		loop_fd_del(loop, c->fd);
		close(c->fd);
	}
	c->fd = -1;
	buf_clear(&c->got);
}

typedef bool until_cb(void *arg);

static until_cb *until_cond;
static void *until_arg;
static struct loop_timer ticker;

static void
until_check(struct loop *l, void *arg)
{
	(void)arg;
	if (until_cond(until_arg))
		loop_stop(l);
}

static void
ticker_fired(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)arg;
	loop_timer_start(l, t, 10);
}

/*
 * Runs the loop until cond(arg) holds, checked once per turn (a ticker
 * makes turns when nothing else does), or until the guard fires; returns
 * whether it holds.
 */
static bool
run_until(until_cb *cond, void *arg)
{
	if (cond(arg))
		return true;
	until_cond = cond;
	until_arg = arg;
	loop_hook_add(loop, until_check, NULL);
	loop_timer_start(loop, &ticker, 10);
	run();
	loop_timer_stop(loop, &ticker);
	loop_hook_del(loop, until_check, NULL);
	return cond(arg);
}

static void
stopper_fired(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	loop_stop(l);
}

/* Runs the loop for ms and nothing else. */
static void
run_for(uint64_t ms)
{
	struct loop_timer stopper;

	loop_timer_init(&stopper, stopper_fired, NULL);
	loop_timer_start(loop, &stopper, ms);
	run();
	loop_timer_stop(loop, &stopper);
}

static bool
is_closed(void *arg)
{
	return ((struct client *)arg)->closed;
}

static bool
is_reset(void *arg)
{
	return client_reset(arg);
}

/* Condition: the server has at least (or, with below, fewer than) n open. */
struct open_count {
	struct httpd *h;
	unsigned n;
	bool below;
};

static bool
has_open(void *arg)
{
	struct open_count *w = arg;

	return w->below ? httpd_clients(w->h) < w->n
			: httpd_clients(w->h) >= w->n;
}

static bool
wait_open(struct httpd *h, unsigned n)
{
	struct open_count w = { h, n, false };

	return run_until(has_open, &w);
}

static bool
wait_open_below(struct httpd *h, unsigned n)
{
	struct open_count w = { h, n, true };

	return run_until(has_open, &w);
}

/* Fills the body to its cap: an answer no socket buffer takes whole. */
static void
big(const struct httpd_req *req, struct httpd_resp *resp, void *arg)
{
	char chunk[4096];

	(void)req;
	(void)arg;
	memset(chunk, 'b', sizeof(chunk));
	while (buf_add(&resp->body, chunk, sizeof(chunk)) == 0)
		continue;
	T_EQ_INT(resp->body.len, BUF_MAX_HTTPD_BODY);
	/* The response cap: one byte more is refused. */
	T_EQ_INT(buf_addc(&resp->body, 'x'), -1);
}

static struct httpd *
server(unsigned max_clients, uint64_t header_timeout_ms, uint64_t timeout_ms)
{
	struct httpd_opts opts = { .listen = "127.0.0.1:0",
		.max_clients = max_clients,
		.header_timeout_ms = header_timeout_ms,
		.timeout_ms = timeout_ms };
	char err[HTTPD_ERR_MAX];
	struct httpd *h;

	h = httpd_new(loop, &opts, err, sizeof(err));
	T_CHECK(h != NULL, "httpd_new: %s", err);
	if (h != NULL) {
		httpd_route(h, "/health", health, NULL);
		httpd_route(h, "/big", big, NULL);
	}
	return h;
}

#define REQ_HEALTH "GET /health HTTP/1.1\r\nHost: t\r\n\r\n"
#define REQ_BIG "GET /big HTTP/1.1\r\nHost: t\r\n\r\n"
#define REQ_PARTIAL "GET /health HTTP/1.1\r\nHost: t\r\n"

/*
 * The header deadline closes a client that sent nothing and one that sent
 * half a request head; a client whose request is complete but that does
 * not read its large answer lives on until the whole-connection deadline.
 */
static void
test_header_deadline(void)
{
	struct client idle, partial, slow;
	struct httpd *h = server(8, 300, 2000);
	uint64_t t0;

	if (h == NULL)
		return;
	t0 = mono_ms();
	client_open(&idle, httpd_port(h), NULL);
	client_open(&partial, httpd_port(h), REQ_PARTIAL);
	client_init(&slow, 1);
	client_connect(&slow, httpd_port(h), REQ_BIG, false);
	T_ASSERT(run_until(is_closed, &idle));
	T_ASSERT(run_until(is_closed, &partial));
	T_CHECK(idle.closed_ms >= t0 + 250 && idle.closed_ms < t0 + 1500,
	    "idle client closed after %llu ms, header deadline 300 ms",
	    (unsigned long long)(idle.closed_ms - t0));
	T_CHECK(partial.closed_ms >= t0 + 250 && partial.closed_ms < t0 + 1500,
	    "half a head closed after %llu ms, header deadline 300 ms",
	    (unsigned long long)(partial.closed_ms - t0));
	T_EQ_INT(partial.got.len, 0);
	T_CHECK(!client_reset(&slow),
	    "a slow reader was closed at the header deadline");
	T_EQ_INT(httpd_clients(h), 1);
	T_ASSERT(run_until(is_reset, &slow));
	T_CHECK(mono_ms() >= t0 + 1900,
	    "slow reader closed after %llu ms, whole deadline 2000 ms",
	    (unsigned long long)(mono_ms() - t0));
	T_EQ_INT(httpd_clients(h), 0);
	client_close(&idle);
	client_close(&partial);
	client_close(&slow);
	httpd_free(h);
}

/*
 * With every slot taken, each new client evicts the oldest connection
 * still reading its request; one already answering, although older, stays
 * while there are such, and goes first when every one is answering.  The
 * number open never exceeds the cap.
 */
static void
test_eviction_order(void)
{
	struct client slow[3], c[5], probe, late;
	struct httpd *h = server(3, 10000, 20000);
	int port, i, j;

	if (h == NULL)
		return;
	port = httpd_port(h);
	/* The oldest connection is answering: its request came at once. */
	client_init(&slow[0], 1);
	client_connect(&slow[0], port, REQ_BIG, false);
	T_ASSERT(wait_open(h, 1));
	client_open(&c[0], port, NULL);
	client_open(&c[1], port, REQ_PARTIAL);
	T_ASSERT(wait_open(h, 3));
	/* c[2] evicts c[0], c[3] evicts c[1], c[4] evicts c[2]. */
	for (i = 2; i < 5; i++) {
		client_open(&c[i], port, NULL);
		T_ASSERT(run_until(is_closed, &c[i - 2]));
		for (j = i - 1; j <= i; j++)
			T_CHECK(!c[j].closed, "c[%d] evicted by c[%d]", j, i);
		T_CHECK(!client_reset(&slow[0]),
		    "the answering one evicted by c[%d]", i);
		T_CHECK(httpd_clients(h) <= 3, "%u open, cap 3",
		    httpd_clients(h));
	}
	/* A probe evicts the oldest reading one, c[3], and is answered. */
	client_open(&probe, port, REQ_HEALTH);
	T_ASSERT(run_until(is_closed, &probe));
	T_ASSERT(str_has_prefix(buf_str(&probe.got), "HTTP/1.1 200 OK\r\n"));
	T_ASSERT(run_until(is_closed, &c[3]));
	T_ASSERT(!c[4].closed);
	T_ASSERT(!client_reset(&slow[0]));

	/* Every one answering: a new client evicts the oldest of them. */
	client_close(&c[4]);
	T_ASSERT(wait_open_below(h, 2));
	for (i = 1; i < 3; i++) {
		client_init(&slow[i], 1);
		client_connect(&slow[i], port, REQ_BIG, false);
	}
	T_ASSERT(wait_open(h, 3));
	client_open(&late, port, NULL);
	T_ASSERT(run_until(is_reset, &slow[0]));
	T_ASSERT(!client_reset(&slow[1]));
	T_ASSERT(!client_reset(&slow[2]));
	T_ASSERT(!late.closed);
	T_EQ_INT(httpd_clients(h), 3);
	for (i = 0; i < 5; i++)
		client_close(&c[i]);
	for (i = 0; i < 3; i++)
		client_close(&slow[i]);
	client_close(&probe);
	client_close(&late);
	httpd_free(h);
}

/*
 * At most HTTPD_MAX_ANSWERING answers are held for clients that do not
 * read them: one more drops the oldest, although there are free slots.
 */
static void
test_answering_cap(void)
{
	struct client slow[HTTPD_MAX_ANSWERING + 1];
	struct httpd *h = server(HTTPD_MAX_ANSWERING + 8, 10000, 20000);
	int i;

	if (h == NULL)
		return;
	for (i = 0; i < HTTPD_MAX_ANSWERING; i++) {
		client_init(&slow[i], 1);
		client_connect(&slow[i], httpd_port(h), REQ_BIG, false);
	}
	T_ASSERT(wait_open(h, HTTPD_MAX_ANSWERING));
	client_init(&slow[i], 1);
	client_connect(&slow[i], httpd_port(h), REQ_BIG, false);
	T_ASSERT(run_until(is_reset, &slow[0]));
	for (i = 1; i <= HTTPD_MAX_ANSWERING; i++)
		T_CHECK(!client_reset(&slow[i]), "slow[%d] reset", i);
	T_EQ_INT(httpd_clients(h), HTTPD_MAX_ANSWERING);
	for (i = 0; i <= HTTPD_MAX_ANSWERING; i++)
		client_close(&slow[i]);
	httpd_free(h);
}

/* Per-turn bookkeeping for test_accept_per_turn, from a before-poll hook. */
struct turns {
	struct httpd *h;
	unsigned last;
	unsigned max_step;
	unsigned steps;
};

static void
turn_seen(struct loop *l, void *arg)
{
	struct turns *t = arg;
	unsigned now = httpd_clients(t->h);

	(void)l;
	if (now > t->last) {
		if (now - t->last > t->max_step)
			t->max_step = now - t->last;
		t->steps++;
	}
	t->last = now;
}

/*
 * Clients waiting in the accept queue are taken at most
 * HTTPD_ACCEPT_MAX_PER_TURN per loop turn.
 */
static void
test_accept_per_turn(void)
{
	enum { WAITING = 3 * HTTPD_ACCEPT_MAX_PER_TURN + 1 };
	struct client c[WAITING];
	struct httpd *h = server(WAITING + 8, 10000, 20000);
	struct turns t = { .h = h };
	int i;

	if (h == NULL)
		return;
	for (i = 0; i < WAITING; i++)
		client_open(&c[i], httpd_port(h), NULL);
	loop_hook_add(loop, turn_seen, &t);
	T_ASSERT(wait_open(h, WAITING));
	loop_hook_del(loop, turn_seen, &t);
	T_CHECK(t.max_step <= HTTPD_ACCEPT_MAX_PER_TURN,
	    "%u accepted in one turn, cap %d", t.max_step,
	    HTTPD_ACCEPT_MAX_PER_TURN);
	T_CHECK(t.steps >= 4, "%u clients accepted in %u turns", WAITING,
	    t.steps);
	for (i = 0; i < WAITING; i++)
		client_close(&c[i]);
	httpd_free(h);
}

/* The lowest fd number free now: with it as the limit, no fd is left. */
static rlim_t
fds_in_use(void)
{
	int fd = dup(STDERR_FILENO);

	T_ASSERT(fd != -1);
	close(fd);
	return (rlim_t)fd;
}

/*
 * Out of fds: a new client evicts the oldest reading connection to get
 * its fd; with none to evict the listener pauses instead of spinning, and
 * takes the client once fds are back.
 */
static void
test_out_of_fds(void)
{
	struct client idle, probe, waiting;
	struct httpd *h = server(8, 10000, 20000);
	struct rlimit saved, low;
	uint64_t wakeups;

	if (h == NULL)
		return;
	T_EQ_INT(getrlimit(RLIMIT_NOFILE, &saved), 0);
	client_open(&idle, httpd_port(h), NULL);
	T_ASSERT(wait_open(h, 1));
	client_init(&probe, 0);
	client_init(&waiting, 0);
	low = saved;
	low.rlim_cur = fds_in_use();
	T_EQ_INT(setrlimit(RLIMIT_NOFILE, &low), 0);
	T_EQ_INT(dup(STDERR_FILENO), -1);
	T_EQ_INT(errno, EMFILE);

	client_connect(&probe, httpd_port(h), REQ_HEALTH, true);
	T_ASSERT(run_until(is_closed, &probe));
	T_ASSERT(str_has_prefix(buf_str(&probe.got), "HTTP/1.1 200 OK\r\n"));
	T_ASSERT(run_until(is_closed, &idle));
	T_EQ_INT(httpd_clients(h), 0);

	/* Nothing to evict: paused, a few wake-ups, not a busy loop. */
	low.rlim_cur = fds_in_use();
	T_EQ_INT(setrlimit(RLIMIT_NOFILE, &low), 0);
	client_connect(&waiting, httpd_port(h), NULL, true);
	wakeups = loop_wakeups(loop);
	run_for(500);
	wakeups = loop_wakeups(loop) - wakeups;
	T_CHECK(wakeups <= 5 * 500 / HTTPD_ACCEPT_PAUSE_MS,
	    "%llu wake-ups in 500 ms without fds", (unsigned long long)wakeups);
	T_EQ_INT(httpd_clients(h), 0);
	T_ASSERT(!waiting.closed);

	T_EQ_INT(setrlimit(RLIMIT_NOFILE, &saved), 0);
	T_ASSERT(wait_open(h, 1));
	client_close(&idle);
	client_close(&probe);
	client_close(&waiting);
	httpd_free(h);
}

/*
 * The client cap is at most a quarter of the open files limit, so that a
 * flood cannot take the fds the daemon needs for its other connections.
 */
static void
test_fd_share(void)
{
	enum { LIMIT = 64, OVER = LIMIT / HTTPD_FD_SHARE + 4 };
	struct client c[OVER];
	struct rlimit saved, low;
	struct httpd *h;
	int i, closed = 0;

	T_EQ_INT(getrlimit(RLIMIT_NOFILE, &saved), 0);
	T_ASSERT(fds_in_use() + 2 * OVER < LIMIT);
	low = saved;
	low.rlim_cur = LIMIT;
	T_EQ_INT(setrlimit(RLIMIT_NOFILE, &low), 0);
	h = server(0, 10000, 20000);
	T_EQ_INT(setrlimit(RLIMIT_NOFILE, &saved), 0);
	if (h == NULL)
		return;
	for (i = 0; i < OVER; i++)
		client_open(&c[i], httpd_port(h), NULL);
	/* The oldest ones are evicted, the newest fill the cap. */
	for (i = 0; i < OVER - LIMIT / HTTPD_FD_SHARE; i++)
		T_ASSERT(run_until(is_closed, &c[i]));
	T_EQ_INT(httpd_clients(h), LIMIT / HTTPD_FD_SHARE);
	for (i = 0; i < OVER; i++) {
		closed += c[i].closed;
		client_close(&c[i]);
	}
	T_EQ_INT(closed, OVER - LIMIT / HTTPD_FD_SHARE);
	httpd_free(h);
}

static void
test_listen_errors(void)
{
	const char *bad[] = { "nonsense", "127.0.0.1:99999",
		"127.0.0.1:", "[::1:80", "127.0.0.1:-1", "192.0.2.1:0" };
	struct httpd_opts opts = { 0 };
	struct httpd *h, *h2;
	char err[HTTPD_ERR_MAX], addr[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		opts.listen = bad[i];
		err[0] = '\0';
		T_NULL(httpd_new(loop, &opts, err, sizeof(err)));
		T_CHECK(strstr(err, bad[i]) != NULL, "error \"%s\"", err);
	}
	/* A port in use is reported with the address. */
	opts.listen = "127.0.0.1:0";
	h = httpd_new(loop, &opts, err, sizeof(err));
	T_NOT_NULL(h);
	if (h == NULL)
		return;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", httpd_port(h));
	opts.listen = addr;
	h2 = httpd_new(loop, &opts, err, sizeof(err));
	T_NULL(h2);
	T_ASSERT(strstr(err, "Address already in use") != NULL);
	httpd_free(h2);
	httpd_free(h);
	httpd_free(NULL);
}

/* "[v6]:port" and "localhost:port" (resolved through /etc/hosts). */
static void
test_other_addresses(void)
{
	struct httpd_opts opts = { .listen = "[::1]:0" };
	char err[HTTPD_ERR_MAX], url[64];
	const char *argv[] = { "curl", "-sS", "-g", url, NULL };
	struct proc_opts po = { .argv = argv };
	struct fetch f = { 0 };
	struct httpd *h;

	opts.listen = "localhost:0";
	h = httpd_new(loop, &opts, err, sizeof(err));
	T_CHECK(h != NULL, "localhost: %s", err);
	httpd_free(h);

	opts.listen = "[::1]:0";
	h = httpd_new(loop, &opts, err, sizeof(err));
	if (h == NULL
	    && strstr(err, "Cannot assign requested address") != NULL) {
		printf("test_other_addresses: no IPv6 loopback, skipped\n");
		return;
	}
	T_CHECK(h != NULL, "[::1]: %s", err);
	if (h == NULL)
		return;
	httpd_route(h, "/health", health, NULL);
	snprintf(url, sizeof(url), "http://[::1]:%d/health", httpd_port(h));
	if (proc_start(loop, &po, fetched, &f, err, sizeof(err)) != NULL) {
		pending++;
		run();
	}
	T_EQ_STR(f.output, "ok query=\n");
	free(f.output);
	httpd_free(h);
}

int
main(void)
{
	loop = loop_new();
	T_NOT_NULL(loop);
	if (loop == NULL)
		return test_report();
	loop_timer_init(&guard, guard_fired, NULL);
	loop_timer_init(&ticker, ticker_fired, NULL);
	T_EQ_INT(proc_reaper_add(loop), 0);
	test_requests();
	test_header_deadline();
	test_eviction_order();
	test_answering_cap();
	test_accept_per_turn();
	test_out_of_fds();
	test_fd_share();
	test_listen_errors();
	test_other_addresses();
	loop_free(loop);
	return test_report();
}
