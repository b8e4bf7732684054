/* SPDX-License-Identifier: MIT */
/*
 * Tests of lib/http.c through http.h, against a small HTTP/1.1 server
 * written here on lib/loop.c and run in a forked child, listening on
 * 127.0.0.1 (an ephemeral port) and on a unix socket.  The server counts
 * the connections it accepts and the most it had open at once, and tells
 * us at /stats, so the connection cap and keep-alive reuse are checked from
 * the server's side, not only from the client's counters.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "loop.h"
#include "str.h"
#include "test.h"

/* ---- the server (child process) ---- */

struct srv {
	struct loop *loop;
	unsigned accepted;
	unsigned open;
	unsigned max_open;
};

struct conn {
	struct srv *srv;
	int fd;
	struct buf in;
	struct loop_timer timer;
	int step; /* /stream chunks sent */
	char path[256];
};

static void
srv_write(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n <= 0)
			return; /* the client went away: fine */
		data += n;
		len -= (size_t)n;
	}
}

static void
srv_reply(struct conn *c, int status, const char *extra, const char *body,
    size_t len)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n%s\r\n", status, len,
	    extra);
	srv_write(c->fd, head, (size_t)n);
	srv_write(c->fd, body, len);
}

static void
srv_close(struct conn *c)
{
	loop_fd_del(c->srv->loop, c->fd);
	loop_timer_stop(c->srv->loop, &c->timer);
	close(c->fd);
	c->srv->open--;
	buf_clear(&c->in);
	free(c);
}

static void
srv_timer(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct conn *c = arg;
	char chunk[64];
	int n;

	if (strcmp(c->path, "/slow") == 0) {
		srv_reply(c, 200, "", "slow", 4);
		return;
	}
	/* /stream: three chunked lines 30 ms apart, then the end. */
	if (c->step < 3) {
		n = snprintf(chunk, sizeof(chunk), "6\r\nline%d\n\r\n",
		    ++c->step);
		srv_write(c->fd, chunk, (size_t)n);
		loop_timer_start(loop, t, 30);
	} else {
		srv_write(c->fd, "0\r\n\r\n", 5);
	}
}

static void
srv_handle(struct conn *c, const char *method, const char *body, size_t blen)
{
	struct srv *s = c->srv;
	char *big, extra[128], stats[128];
	long long n;
	int len;

	if (strcmp(c->path, "/hello") == 0 && strcmp(method, "HEAD") == 0) {
		/* The length of the body a GET would get, and no body. */
		const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
				"X-Head: 1\r\n\r\n";

		srv_write(c->fd, h, strlen(h));
	} else if (strcmp(c->path, "/hello") == 0) {
		srv_reply(c, 200, "X-Test:  yes \r\n", "hello", 5);
	} else if (strcmp(c->path, "/echo") == 0) {
		(void)snprintf(extra, sizeof(extra), "X-Method: %s\r\n",
		    method);
		srv_reply(c, 201, extra, body, blen);
	} else if (str_has_prefix(c->path, "/big?n=")
	    && str_to_ll(c->path + 7, 0, 1 << 20, &n) == 0) {
		big = malloc((size_t)n + 1);
		memset(big, 'b', (size_t)n);
		srv_reply(c, 200, "", big, (size_t)n);
		free(big);
	} else if (strcmp(c->path, "/slow") == 0) {
		loop_timer_start(s->loop, &c->timer, 100);
	} else if (strcmp(c->path, "/stream") == 0) {
		const char *h = "HTTP/1.1 200 OK\r\n"
				"Transfer-Encoding: chunked\r\n\r\n";

		srv_write(c->fd, h, strlen(h));
		c->step = 0;
		loop_timer_start(s->loop, &c->timer, 0);
	} else if (strcmp(c->path, "/error") == 0) {
		srv_reply(c, 500, "", "{\"message\":\"boom\"}", 18);
	} else if (strcmp(c->path, "/continue") == 0) {
		const char *h = "HTTP/1.1 100 Continue\r\nX-Early: 1\r\n\r\n";

		srv_write(c->fd, h, strlen(h));
		srv_reply(c, 200, "X-Late: 1\r\n", "ok", 2);
	} else if (str_has_prefix(c->path, "/stats")) {
		/* "/stats?reset" starts a new high-water mark. */
		if (strcmp(c->path, "/stats?reset") == 0)
			s->max_open = s->open;
		len = snprintf(stats, sizeof(stats), "%u %u", s->accepted,
		    s->max_open);
		srv_reply(c, 200, "", stats, (size_t)len);
	} else {
		srv_reply(c, 404, "", "", 0);
	}
}

static void
srv_read(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct conn *c = arg;
	char tmp[4096], method[16], num[32];
	const char *data, *end, *cl;
	long long clen = 0;
	size_t hlen;
	ssize_t n;

	(void)loop;
	(void)fd;
	(void)events;
	n = read(c->fd, tmp, sizeof(tmp));
	if (n <= 0 || buf_add(&c->in, tmp, (size_t)n) == -1) {
		srv_close(c);
		return;
	}
	for (;;) {
		data = buf_str(&c->in);
		end = strstr(data, "\r\n\r\n");
		if (end == NULL)
			return;
		hlen = (size_t)(end - data) + 4;
		cl = strcasestr(data, "\r\nContent-Length:");
		clen = 0;
		if (cl != NULL && cl < end) {
			n = (ssize_t)strcspn(cl + 17, "\r");
			if (n >= (ssize_t)sizeof(num)) {
				srv_close(c);
				return;
			}
			memcpy(num, cl + 17, (size_t)n);
			num[n] = '\0';
			if (str_to_ll(str_trim(num), 0, 1 << 20, &clen) == -1) {
				srv_close(c);
				return;
			}
		}
		if (c->in.len < hlen + (size_t)clen)
			return;
		if (sscanf(data, "%15s %255s", method, c->path) != 2) {
			srv_close(c);
			return;
		}
		srv_handle(c, method, data + hlen, (size_t)clen);
		/* Drop the request from the buffer, keep what follows. */
		memmove(c->in.data, c->in.data + hlen + clen,
		    c->in.len - hlen - (size_t)clen + 1);
		c->in.len -= hlen + (size_t)clen;
	}
}

static void
srv_accept(struct loop *loop, int lfd, unsigned events, void *arg)
{
	struct srv *s = arg;
	struct conn *c;
	int fd;

	(void)events;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd == -1)
		return;
	c = calloc(1, sizeof(*c));
	c->srv = s;
	c->fd = fd;
	buf_init(&c->in, 1 << 20);
	loop_timer_init(&c->timer, srv_timer, c);
	loop_fd_add(loop, fd, LOOP_READ, srv_read, c);
	s->accepted++;
	if (++s->open > s->max_open)
		s->max_open = s->open;
}

static void
srv_stop(struct loop *loop, int signo, void *arg)
{
	(void)signo;
	(void)arg;
	loop_stop(loop);
}

static pid_t
srv_start(int tcp, int unx)
{
	struct srv s = { 0 };
	pid_t pid;

	pid = fork();
	if (pid != 0)
		return pid;
	s.loop = loop_new();
	loop_signal_add(s.loop, SIGTERM, srv_stop, NULL);
	loop_fd_add(s.loop, tcp, LOOP_READ, srv_accept, &s);
	loop_fd_add(s.loop, unx, LOOP_READ, srv_accept, &s);
	loop_run(s.loop);
	/* Open connections are not tidied up: skip the leak check. */
	_exit(0);
}

/* ---- client side ---- */

static struct loop *loop;
static char base[64];
static char sock_path[108];

struct got {
	int calls;
	int error;
	char errmsg[HTTP_ERR_MAX];
	long status;
	char body[256];
	size_t body_len;
	char x_test[32];
	char x_method[16];
	bool x_early, x_late;
	size_t nheaders;
	unsigned open_at_done;
	unsigned max_open_seen;
	struct buf stream;
	int chunks;
	int chunks_at_done;
	int stop_after;
	struct http *http;
	struct http_req *req;
	bool cancel_in_data;
	struct got *follow; /* started from on_data */
	int *remaining; /* shared countdown that stops the loop */
};

static void
got_done(const struct http_result *res, void *arg)
{
	struct got *g = arg;
	const char *v;

	g->calls++;
	g->error = res->error;
	str_copy(g->errmsg, res->errmsg, sizeof(g->errmsg));
	g->status = res->status;
	g->body_len = res->body_len;
	str_copy(g->body, res->body, sizeof(g->body));
	if ((v = http_result_header(res, "x-test")) != NULL)
		str_copy(g->x_test, v, sizeof(g->x_test));
	if ((v = http_result_header(res, "X-Method")) != NULL)
		str_copy(g->x_method, v, sizeof(g->x_method));
	g->x_early = http_result_header(res, "X-Early") != NULL;
	g->x_late = http_result_header(res, "X-Late") != NULL;
	g->nheaders = res->nheaders;
	g->chunks_at_done = g->chunks;
	if (g->http != NULL) {
		g->open_at_done = http_open_connections(g->http);
		if (g->open_at_done > g->max_open_seen)
			g->max_open_seen = g->open_at_done;
	}
	if (g->stop_after > 0 && --g->stop_after == 0)
		loop_stop(loop);
	if (g->remaining != NULL && --*g->remaining == 0)
		loop_stop(loop);
}

static int
got_data(const char *data, size_t len, void *arg)
{
	struct got *g = arg;
	struct http_opts o = { 0 };
	char url[128];

	g->chunks++;
	if (buf_add(&g->stream, data, len) == -1)
		return -1;
	if (g->cancel_in_data) {
		http_cancel(g->http, g->req);
		(void)snprintf(url, sizeof(url), "%s/hello", base);
		o.url = url;
		g->follow->req = http_start(g->http, &o, got_done, g->follow);
		g->cancel_in_data = false;
	}
	return 0;
}

/* Runs the loop until stop_after callbacks, with a 5 s guard. */
static struct loop_timer guard;

static void
guard_fire(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)t;
	*(bool *)arg = true;
	loop_stop(l);
}

static bool
run_loop(void)
{
	bool timed_out = false;

	loop_timer_init(&guard, guard_fire, &timed_out);
	loop_timer_start(loop, &guard, 5000);
	loop_run(loop);
	loop_timer_stop(loop, &guard);
	T_ASSERT(!timed_out);
	return !timed_out;
}

static void
idle_stop(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	loop_stop(l);
}

/* Wake-ups of the loop while nothing happens for ms. */
static uint64_t
idle_wakeups(uint64_t ms)
{
	struct loop_timer t;
	uint64_t before;

	loop_timer_init(&t, idle_stop, NULL);
	loop_timer_start(loop, &t, ms);
	before = loop_wakeups(loop);
	loop_run(loop);
	return loop_wakeups(loop) - before;
}

/* "A B" from /stats into two numbers. */
static int
two_numbers(const char *s, unsigned *a, unsigned *b)
{
	char first[32];
	const char *sp = strchr(s, ' ');
	long long x, y;

	if (sp == NULL || (size_t)(sp - s) >= sizeof(first))
		return -1;
	memcpy(first, s, (size_t)(sp - s));
	first[sp - s] = '\0';
	if (str_to_ll(first, 0, UINT32_MAX, &x) == -1
	    || str_to_ll(sp + 1, 0, UINT32_MAX, &y) == -1)
		return -1;
	*a = (unsigned)x;
	*b = (unsigned)y;
	return 0;
}

static struct http_req *
get(struct http *http, const char *path, struct got *g)
{
	struct http_opts o = { 0 };
	char url[128];

	(void)snprintf(url, sizeof(url), "%s%s", base, path);
	o.url = url;
	g->http = http;
	return http_start(http, &o, got_done, g);
}

static void
test_basic(void)
{
	struct http *http = http_new(loop, 4);
	struct http_opts o = { 0 };
	struct http_header h[] = { { "X-Token", "sekrit" }, { "X-Empty", "" } };
	struct got a = { .stop_after = 2 };
	char url[128];

	get(http, "/hello", &a);
	(void)snprintf(url, sizeof(url), "%s/echo", base);
	o.method = "PUT";
	o.url = url;
	o.body = "payload\0bin";
	o.body_len = 11;
	o.headers = h;
	o.nheaders = 2;
	T_NOT_NULL(http_start(http, &o, got_done, &a));
	T_EQ_INT(http_active(http), 2);
	run_loop();
	T_EQ_INT(a.calls, 2);
	T_EQ_INT(http_active(http), 0);
	T_EQ_INT(a.error, 0);
	T_EQ_INT(a.status, 201);
	T_EQ_INT(a.body_len, 11);
	T_EQ_STR(a.x_method, "PUT");
	/* The first answer's header was trimmed of blanks. */
	a.stop_after = 1;
	get(http, "/hello", &a);
	run_loop();
	T_EQ_INT(a.status, 200);
	T_EQ_STR(a.body, "hello");
	T_EQ_STR(a.x_test, "yes");
	/* A PUT with no body still sends a request Consul accepts. */
	o.body = NULL;
	o.body_len = 0;
	o.nheaders = 0;
	a.stop_after = 1;
	http_start(http, &o, got_done, &a);
	run_loop();
	T_EQ_INT(a.status, 201);
	T_EQ_INT(a.body_len, 0);
	/* DELETE and HEAD; the connection stays usable after HEAD. */
	o.method = "DELETE";
	a.stop_after = 1;
	http_start(http, &o, got_done, &a);
	run_loop();
	T_EQ_INT(a.status, 201);
	T_EQ_STR(a.x_method, "DELETE");
	(void)snprintf(url, sizeof(url), "%s/hello", base);
	o.method = "HEAD";
	a.stop_after = 1;
	http_start(http, &o, got_done, &a);
	run_loop();
	T_EQ_INT(a.error, 0);
	T_EQ_INT(a.status, 200);
	T_EQ_INT(a.body_len, 0);
	T_ASSERT(a.nheaders == 2);
	a.stop_after = 1;
	get(http, "/hello", &a);
	run_loop();
	T_EQ_STR(a.body, "hello");
	T_EQ_INT(http_open_connections(http), 2);
	http_free(http);
}

static void
test_final_headers(void)
{
	struct http *http = http_new(loop, 0);
	struct got g = { .stop_after = 1 };

	get(http, "/continue", &g);
	run_loop();
	T_EQ_INT(g.status, 200);
	T_ASSERT(g.x_late);
	T_ASSERT(!g.x_early);
	T_EQ_INT(g.nheaders, 2); /* Content-Length and X-Late */
	/* Not followed: the redirect-free 404 comes back as a status. */
	g.stop_after = 1;
	get(http, "/nothing", &g);
	run_loop();
	T_EQ_INT(g.error, 0);
	T_EQ_INT(g.status, 404);
	http_free(http);
}

static void
test_body_cap(void)
{
	struct http *http = http_new(loop, 0);
	struct http_opts o = { 0 };
	struct got g = { .stop_after = 1 };
	char url[128];

	(void)snprintf(url, sizeof(url), "%s/big?n=5000", base);
	o.url = url;
	o.max_body = 1000;
	g.http = http;
	http_start(http, &o, got_done, &g);
	run_loop();
	T_EQ_INT(g.error, -1);
	T_EQ_INT(g.status, 0);
	T_EQ_STR(g.errmsg, "response body larger than the 1000-byte limit");
	/* Exactly at the cap is fine. */
	(void)snprintf(url, sizeof(url), "%s/big?n=1000", base);
	g.stop_after = 1;
	http_start(http, &o, got_done, &g);
	run_loop();
	T_EQ_INT(g.error, 0);
	T_EQ_INT(g.body_len, 1000);
	http_free(http);
}

static void
test_stream(void)
{
	struct http *http = http_new(loop, 0);
	struct http_opts o = { 0 };
	struct got g = { .stop_after = 1 }, follow = { .stop_after = 1 };
	char url[128];

	buf_init(&g.stream, 4096);
	(void)snprintf(url, sizeof(url), "%s/stream", base);
	o.url = url;
	o.on_data = got_data;
	g.http = http;
	g.req = http_start(http, &o, got_done, &g);
	run_loop();
	T_EQ_INT(g.error, 0);
	T_EQ_INT(g.status, 200);
	T_EQ_STR(buf_str(&g.stream), "line1\nline2\nline3\n");
	/* Chunks arrived one by one, before the end. */
	T_EQ_INT(g.chunks_at_done, 3);
	T_EQ_INT(g.body_len, 0);
	T_EQ_STR(g.body, "");

	/* An error answer to a streaming request is buffered instead. */
	buf_reset(&g.stream);
	g.chunks = 0;
	g.stop_after = 1;
	(void)snprintf(url, sizeof(url), "%s/error", base);
	http_start(http, &o, got_done, &g);
	run_loop();
	T_EQ_INT(g.status, 500);
	T_EQ_INT(g.chunks, 0);
	T_EQ_STR(g.body, "{\"message\":\"boom\"}");

	/*
	 * Cancelling its own request and starting another from on_data:
	 * the stream's done never runs, the new request completes.
	 */
	buf_reset(&g.stream);
	g.calls = 0;
	g.chunks = 0;
	g.stop_after = 1;
	g.cancel_in_data = true;
	g.follow = &follow;
	follow.http = http;
	(void)snprintf(url, sizeof(url), "%s/stream", base);
	g.req = http_start(http, &o, got_done, &g);
	run_loop();
	T_EQ_INT(follow.calls, 1);
	T_EQ_INT(follow.status, 200);
	T_EQ_INT(g.calls, 0);
	T_EQ_INT(g.chunks, 1);
	T_EQ_INT(http_active(http), 0);

	/* on_data returning -1 aborts with a clear error. */
	buf_clear(&g.stream);
	buf_init(&g.stream, 3); /* "line1\n" does not fit */
	g.stop_after = 1;
	http_start(http, &o, got_done, &g);
	run_loop();
	T_EQ_INT(g.calls, 1);
	T_EQ_INT(g.error, -1);
	T_EQ_STR(g.errmsg, "transfer aborted by the data callback");
	buf_clear(&g.stream);
	http_free(http);
}

/*
 * 20 slow requests through a client capped at 3 connections: never more
 * than 3 open on either side, all complete, and the connections are
 * reused (the server accepted only 3).
 */
static void
test_conn_cap(void)
{
	struct http *http = http_new(loop, 3);
	struct http *probe = http_new(loop, 1);
	struct got g[20], st = { .stop_after = 1 };
	unsigned acc0 = 0, acc1 = 0, max_open = 0, dummy;
	int i, ok = 0, remaining = 20;

	get(probe, "/stats?reset", &st);
	run_loop();
	T_EQ_INT(two_numbers(st.body, &acc0, &dummy), 0);
	memset(g, 0, sizeof(g));
	for (i = 0; i < 20; i++) {
		g[i].remaining = &remaining;
		get(http, "/slow", &g[i]);
	}
	T_EQ_INT(http_active(http), 20);
	run_loop();
	for (i = 0; i < 20; i++) {
		if (g[i].calls == 1 && g[i].status == 200)
			ok++;
		T_ASSERT(g[i].max_open_seen <= 3);
	}
	T_EQ_INT(ok, 20);
	T_EQ_INT(g[0].max_open_seen, 3);
	T_EQ_INT(http_active(http), 0);
	/* Idle keep-alive connections stay pooled. */
	T_EQ_INT(http_open_connections(http), 3);
	/* The probe reuses its own connection: it adds nothing. */
	st.stop_after = 1;
	get(probe, "/stats", &st);
	run_loop();
	T_EQ_INT(two_numbers(st.body, &acc1, &max_open), 0);
	T_EQ_INT(acc1 - acc0, 3);
	T_ASSERT(max_open <= 3 + 1);
	T_EQ_INT(http_open_connections(probe), 1);
	/*
	 * Idle with four pooled connections: curl asks for no timer and the
	 * loop sleeps until our 300 ms guard, in one wake-up.
	 */
	T_EQ_INT(idle_wakeups(300), 1);
	http_free(http);
	http_free(probe);
}

static void
test_unix_socket(void)
{
	struct http *http = http_new(loop, 1);
	struct http_opts o = { 0 };
	struct got g = { .stop_after = 1 };

	o.url = "http://localhost/hello";
	o.unix_socket = sock_path;
	g.http = http;
	http_start(http, &o, got_done, &g);
	run_loop();
	T_EQ_INT(g.error, 0);
	T_EQ_INT(g.status, 200);
	T_EQ_STR(g.body, "hello");
	T_EQ_INT(http_open_connections(http), 1);
	/* A missing socket is a transport error. */
	o.unix_socket = "/nonexistent/sock";
	g.stop_after = 1;
	http_start(http, &o, got_done, &g);
	run_loop();
	T_EQ_INT(g.error, -1);
	T_EQ_INT(g.status, 0);
	T_ASSERT(g.errmsg[0] != '\0');
	http_free(http);
}

static void
test_errors(void)
{
	struct http *http = http_new(loop, 0);
	struct http_opts o = { 0 };
	struct got g = { .stop_after = 1 };
	char url[128];
	int fd;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);

	/* A port nobody listens on: bind one, note it, close it. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_EQ_INT(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	T_EQ_INT(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	close(fd);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/",
	    ntohs(sin.sin_port));
	o.url = url;
	g.http = http;
	http_start(http, &o, got_done, &g);
	run_loop();
	T_EQ_INT(g.error, -1);
	T_EQ_INT(g.status, 0);
	T_ASSERT(strstr(g.errmsg, "onnect") != NULL);

	/* The whole-transfer timeout. */
	(void)snprintf(url, sizeof(url), "%s/slow", base);
	o.timeout_ms = 20;
	g.stop_after = 1;
	http_start(http, &o, got_done, &g);
	run_loop();
	T_EQ_INT(g.error, -1);
	T_ASSERT(strstr(g.errmsg, "imed out") != NULL);

	/* A scheme we do not speak fails through done, not at start. */
	o.url = "ftp://127.0.0.1/";
	o.timeout_ms = 0;
	g.calls = 0;
	g.stop_after = 1;
	T_NOT_NULL(http_start(http, &o, got_done, &g));
	T_EQ_INT(g.calls, 0);
	run_loop();
	T_EQ_INT(g.calls, 1);
	T_EQ_INT(g.error, -1);
	http_free(http);
}

/* Cancel and free with transfers in flight: no callback, no leak. */

struct freer {
	struct http *http;
	int calls;
};

static void
freer_done(const struct http_result *res, void *arg)
{
	struct freer *f = arg;

	(void)res;
	f->calls++;
	http_free(f->http); /* from inside a done callback */
	loop_stop(loop);
}

static void
test_cancel_free(void)
{
	struct http *http = http_new(loop, 0);
	struct got a = { 0 }, b = { .stop_after = 1 };
	struct http_opts o = { 0 };
	struct freer f = { 0 };
	struct http_req *r;
	char url[128];

	r = get(http, "/slow", &a);
	get(http, "/hello", &b);
	http_cancel(http, r);
	http_cancel(http, NULL);
	T_EQ_INT(http_active(http), 1);
	run_loop();
	T_EQ_INT(a.calls, 0);
	T_EQ_INT(b.calls, 1);
	/* Freed with one in flight. */
	get(http, "/slow", &a);
	http_free(http);
	T_EQ_INT(a.calls, 0);

	/* Freed from a done callback while another transfer runs. */
	f.http = http_new(loop, 0);
	(void)snprintf(url, sizeof(url), "%s/hello", base);
	o.url = url;
	http_start(f.http, &o, freer_done, &f);
	get(f.http, "/slow", &a);
	run_loop();
	T_EQ_INT(f.calls, 1);
	T_EQ_INT(a.calls, 0);
	http_free(NULL);
}

static void
test_sync(void)
{
	struct http_opts o = { 0 };
	struct buf body = BUF_INITIALIZER(1000);
	char url[128], err[HTTP_ERR_MAX];
	long status = 0;

	(void)snprintf(url, sizeof(url), "%s/echo", base);
	o.url = url;
	o.method = "POST";
	o.body = "{\"a\":1}";
	o.body_len = strlen(o.body);
	T_EQ_INT(http_request_sync(&o, &status, &body, err, sizeof(err)), 0);
	T_EQ_INT(status, 201);
	T_EQ_STR(buf_str(&body), "{\"a\":1}");
	buf_reset(&body);
	(void)snprintf(url, sizeof(url), "%s/big?n=1001", base);
	o.method = NULL;
	o.body = NULL;
	T_EQ_INT(http_request_sync(&o, &status, &body, err, sizeof(err)), -1);
	T_EQ_STR(err, "response body larger than the 1000-byte limit");
	buf_clear(&body);
}

static void
test_escape(void)
{
	char *s;

	s = http_escape("a b/c?d=\xc3\xa9&x~y.z_-");
	T_EQ_STR(s, "a%20b%2Fc%3Fd%3D%C3%A9%26x~y.z_-");
	free(s);
	s = http_escape("");
	T_EQ_STR(s, "");
	free(s);
}

int
main(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t sl = sizeof(sin);
	int tcp, unx, status;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(tcp, (struct sockaddr *)&sin, sizeof(sin)) == -1
	    || getsockname(tcp, (struct sockaddr *)&sin, &sl) == -1
	    || listen(tcp, 64) == -1) {
		perror("tcp listen");
		return 1;
	}
	(void)snprintf(base, sizeof(base), "http://127.0.0.1:%d",
	    ntohs(sin.sin_port));
	(void)snprintf(sock_path, sizeof(sock_path), "/tmp/test_http.%d.sock",
	    (int)getpid());
	str_copy(sun.sun_path, sock_path, sizeof(sun.sun_path));
	unlink(sock_path);
	unx = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (bind(unx, (struct sockaddr *)&sun, sizeof(sun)) == -1
	    || listen(unx, 64) == -1) {
		perror("unix listen");
		return 1;
	}
	pid = srv_start(tcp, unx);
	close(tcp);
	close(unx);

	loop = loop_new();
	test_escape();
	test_basic();
	test_final_headers();
	test_body_cap();
	test_stream();
	test_conn_cap();
	test_unix_socket();
	test_errors();
	test_cancel_free();
	test_sync();
	loop_free(loop);

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	unlink(sock_path);
	return test_report();
}
