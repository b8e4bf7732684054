/* SPDX-License-Identifier: MIT */
/*
 * The daemons' small HTTP server for /health and /metrics.  Everything
 * runs on the event loop: the listening socket and each connection are
 * loop fds, each connection has one deadline timer.  A connection reads
 * the request head into a capped buffer, answers it once and is closed,
 * so there is no keep-alive state and no request body to handle.
 *
 * A liveness probe must get through whatever other clients do, so no
 * client may keep a slot: the deadline timer first stands for the header
 * deadline, then for what is left of the whole connection's.  Connections
 * sit on two lists in the order they reached their state, "reading" (the
 * request head is not complete: idle or slow clients, cheap to drop) and
 * "answering"; when max_clients are open, a new client evicts the head of
 * the first list, or of the second when the first is empty.  The listener
 * stays on the loop, so clients never wait in the accept queue behind idle
 * ones; each turn accepts at most HTTPD_ACCEPT_MAX_PER_TURN.  A new
 * connection is read at once: a probe whose request came with the
 * handshake is answered before anything can evict it.  The listener and
 * the connections are urgent watchers (loop.h), served by
 * loop_poll_urgent in the middle of a long template render too.
 */
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "httpd.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "str.h"
#include "xmalloc.h"

#define BUF_MAX_HTTPD_HEAD 512 /* status line and headers we send */

struct httpd_route {
	TAILQ_ENTRY(httpd_route) entry;
	char *path;
	httpd_handler_cb *cb;
	void *arg;
};

TAILQ_HEAD(httpd_conns, httpd_conn);

struct httpd_conn {
	TAILQ_ENTRY(httpd_conn) entry; /* in h->reading or h->answering */
	struct httpd *h;
	int fd;
	bool answering; /* the request head is complete */
	uint64_t accepted_ms;
	struct buf in;
	struct buf out;
	size_t sent;
	struct loop_timer deadline;
};

struct httpd {
	struct loop *loop;
	int fd;
	int port;
	bool accepting;
	bool starved; /* accept(2) failed for want of fds; logged once */
	unsigned nclients;
	unsigned nanswering;
	unsigned max_clients;
	uint64_t header_timeout_ms;
	uint64_t timeout_ms;
	struct loop_timer pause;
	TAILQ_HEAD(, httpd_route) routes;
	struct httpd_conns reading; /* oldest first */
	struct httpd_conns answering; /* oldest first */
};

static void httpd_accept(struct loop *, int, unsigned, void *);
static void httpd_conn_read(struct httpd_conn *);

static const char *
httpd_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

static void
httpd_accept_on(struct httpd *h)
{
	if (h->accepting || h->fd == -1 || loop_timer_active(&h->pause))
		return;
	if (loop_fd_add(h->loop, h->fd, LOOP_READ | LOOP_URGENT, httpd_accept,
		h)
	    == 0)
		h->accepting = true;
}

static void
httpd_accept_off(struct httpd *h)
{
	if (!h->accepting)
		return;
	loop_fd_del(h->loop, h->fd);
	h->accepting = false;
}

static struct httpd_conns *
httpd_conn_list(struct httpd_conn *c)
{
	return c->answering ? &c->h->answering : &c->h->reading;
}

static void
httpd_conn_free(struct httpd_conn *c)
{
	struct httpd *h = c->h;

	TAILQ_REMOVE(httpd_conn_list(c), c, entry);
	if (c->answering)
		h->nanswering--;
	loop_timer_stop(h->loop, &c->deadline);
	loop_fd_del(h->loop, c->fd);
	close(c->fd);
	buf_clear(&c->in);
	buf_clear(&c->out);
	free(c);
	h->nclients--;
}

/*
 * Closes with a reset rather than a FIN: the kernel drops what is still
 * queued for a client that does not read, instead of keeping an orphan
 * socket that goes on sending it.
 */
static void
httpd_conn_abort(struct httpd_conn *c)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	httpd_conn_free(c);
}

static void
httpd_conn_expired(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct httpd_conn *c = arg;

	(void)loop;
	(void)t;
	log_debug("httpd: %s, closing the connection",
	    c->answering ? "answer not read in time"
			 : "request head not complete in time");
	httpd_conn_abort(c);
}

/*
 * The request head is complete: the connection moves to the answering
 * list, and its deadline becomes what is left of the whole connection's.
 * Answers are held in memory until the client reads them, so at most
 * HTTPD_MAX_ANSWERING are: the oldest one goes to make room.
 */
static void
httpd_conn_answer_start(struct httpd_conn *c)
{
	struct httpd *h = c->h;
	uint64_t due = c->accepted_ms + h->timeout_ms,
		 now = loop_now_ms(h->loop);

	if (c->answering)
		return;
	if (h->nanswering >= HTTPD_MAX_ANSWERING) {
		log_debug("httpd: %u answers not read yet, dropping the oldest",
		    h->nanswering);
		httpd_conn_abort(TAILQ_FIRST(&h->answering));
	}
	TAILQ_REMOVE(&h->reading, c, entry);
	c->answering = true;
	h->nanswering++;
	TAILQ_INSERT_TAIL(&h->answering, c, entry);
	loop_timer_start(h->loop, &c->deadline, due > now ? due - now : 0);
}

/*
 * Makes room for one more connection: closes the oldest one still reading
 * its request, or when there is none the oldest one answering.  Each one
 * reading is read a last time first, as its request may have come since
 * the loop last looked: then it is answered, not dropped.  Returns false
 * when there is no connection at all.
 */
static bool
httpd_evict(struct httpd *h)
{
	struct httpd_conn *c;
	unsigned open = h->nclients;

	while ((c = TAILQ_FIRST(&h->reading)) != NULL) {
		httpd_conn_read(c);
		if (h->nclients < open)
			return true;
		if (!c->answering) {
			log_debug("httpd: %u connections open, evicting the "
				  "oldest one still reading its request",
			    open);
			httpd_conn_abort(c);
			return true;
		}
	}
	c = TAILQ_FIRST(&h->answering);
	if (c == NULL)
		return false;
	log_debug("httpd: %u connections open, all answering, evicting the "
		  "oldest",
	    open);
	httpd_conn_abort(c);
	return true;
}

/* Writes what the socket takes; frees the connection when all is sent. */
static void
httpd_conn_flush(struct httpd_conn *c)
{
	ssize_t n;

	while (c->sent < c->out.len) {
		n = send(c->fd, c->out.data + c->sent, c->out.len - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1) {
			log_debug("httpd: send: %s", strerror(errno));
			httpd_conn_free(c);
			return;
		}
		c->sent += (size_t)n;
	}
	shutdown(c->fd, SHUT_WR);
	httpd_conn_free(c);
}

static void
httpd_conn_writable(struct loop *loop, int fd, unsigned events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	httpd_conn_flush(arg);
}

static void
httpd_respond(struct httpd_conn *c, const struct httpd_resp *resp, bool head,
    const char *extra)
{
	httpd_conn_answer_start(c);
	buf_reset(&c->in);
	loop_fd_del(c->h->loop, c->fd);
	/* The head fits its own cap; the body was capped by the handler. */
	buf_init(&c->out, BUF_MAX_HTTPD_HEAD + resp->body.len);
	if (buf_addf(&c->out,
		"HTTP/1.1 %d %s\r\n"
		"Content-Type: %s\r\n"
		"Content-Length: %zu\r\n"
		"Cache-Control: no-store\r\n"
		"%s"
		"Connection: close\r\n\r\n",
		resp->status, httpd_reason(resp->status), resp->content_type,
		resp->body.len, extra)
		== -1
	    || (!head
		&& buf_add(&c->out, buf_str(&resp->body), resp->body.len)
		    == -1)) {
		httpd_conn_free(c);
		return;
	}
	if (loop_fd_add(c->h->loop, c->fd, LOOP_WRITE | LOOP_URGENT,
		httpd_conn_writable, c)
	    == -1) {
		httpd_conn_free(c);
		return;
	}
	httpd_conn_flush(c);
}

static void
httpd_error(struct httpd_conn *c, int status, const char *extra, bool head)
{
	struct httpd_resp resp
	    = { .status = status, .content_type = "text/plain; charset=utf-8" };

	buf_init(&resp.body, 128);
	buf_addf(&resp.body, "%d %s\n", status, httpd_reason(status));
	httpd_respond(c, &resp, head, extra);
	buf_clear(&resp.body);
}

/* Parses the request line in c->in (complete head) and answers it. */
static void
httpd_handle(struct httpd_conn *c)
{
	struct httpd_resp resp
	    = { .status = 200, .content_type = "text/plain; charset=utf-8" };
	struct httpd_req req;
	struct httpd_route *r;
	char *line = c->in.data, *sp1, *sp2, *eol, *q;

	eol = strpbrk(line, "\r\n");
	if (eol != NULL)
		*eol = '\0';
	sp1 = strchr(line, ' ');
	sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
	if (sp1 == NULL || sp2 == NULL || sp1[1] != '/'
	    || !str_has_prefix(sp2 + 1, "HTTP/1.")) {
		httpd_error(c, 400, "", false);
		return;
	}
	*sp1 = '\0';
	*sp2 = '\0';
	req.method = line;
	req.path = sp1 + 1;
	q = strchr(sp1 + 1, '?');
	if (q != NULL)
		*q++ = '\0';
	req.query = q != NULL ? q : "";
	if (strcmp(req.method, "GET") != 0 && strcmp(req.method, "HEAD") != 0) {
		httpd_error(c, 405, "Allow: GET, HEAD\r\n", false);
		return;
	}
	TAILQ_FOREACH(r, &c->h->routes, entry)
		if (strcmp(r->path, req.path) == 0)
			break;
	if (r == NULL) {
		httpd_error(c, 404, "", strcmp(req.method, "HEAD") == 0);
		return;
	}
	buf_init(&resp.body, BUF_MAX_HTTPD_BODY);
	r->cb(&req, &resp, r->arg);
	httpd_respond(c, &resp, strcmp(req.method, "HEAD") == 0, "");
	buf_clear(&resp.body);
}

/* Reads what has come; answers once the head is complete.  May free c. */
static void
httpd_conn_read(struct httpd_conn *c)
{
	char chunk[2048];
	ssize_t n;

	for (;;) {
		n = recv(c->fd, chunk, sizeof(chunk), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* Closed or reset before a whole request arrived. */
			httpd_conn_free(c);
			return;
		}
		if (buf_add(&c->in, chunk, (size_t)n) == -1) {
			httpd_error(c, 431, "", false);
			return;
		}
		if (strstr(buf_str(&c->in), "\r\n\r\n") != NULL
		    || strstr(buf_str(&c->in), "\n\n") != NULL) {
			httpd_handle(c);
			return;
		}
	}
}

static void
httpd_conn_readable(struct loop *loop, int fd, unsigned events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	httpd_conn_read(arg);
}

static void
httpd_conn_new(struct httpd *h, int fd)
{
	struct httpd_conn *c;

	c = xcalloc(1, sizeof(*c));
	c->h = h;
	c->fd = fd;
	c->accepted_ms = loop_now_ms(h->loop);
	buf_init(&c->in, BUF_MAX_HTTPD_REQUEST);
	buf_init(&c->out, 0);
	loop_timer_init(&c->deadline, httpd_conn_expired, c);
	TAILQ_INSERT_TAIL(&h->reading, c, entry);
	h->nclients++;
	if (loop_fd_add(h->loop, fd, LOOP_READ | LOOP_URGENT,
		httpd_conn_readable, c)
	    == -1) {
		log_warn("httpd: watch connection");
		httpd_conn_free(c);
		return;
	}
	loop_timer_start(h->loop, &c->deadline,
	    h->header_timeout_ms < h->timeout_ms ? h->header_timeout_ms
						 : h->timeout_ms);
	httpd_conn_read(c);
}

/*
 * Out of fds or memory with nothing to evict: stop accepting for a short
 * while rather than spin on a listener that stays readable.
 */
static void
httpd_accept_pause(struct httpd *h, int error)
{
	if (!h->starved)
		log_warnx("httpd: accept on port %d: %s; pausing accepts for "
			  "%u ms at a time until it succeeds",
		    h->port, strerror(error), HTTPD_ACCEPT_PAUSE_MS);
	h->starved = true;
	httpd_accept_off(h);
	loop_timer_start(h->loop, &h->pause, HTTPD_ACCEPT_PAUSE_MS);
}

/*
 * Whether a client waits in the listener's queue.  accept(2) takes an fd
 * before it looks at the queue, so running out of fds says nothing about
 * it.
 */
static bool
httpd_client_waiting(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

/*
 * Accepts up to HTTPD_ACCEPT_MAX_PER_TURN clients; more stay readable on
 * the listener for the next turn.  Running out of fds while a client
 * waits evicts a connection to free one (the same rule as a full set of
 * slots) and retries.
 */
static void
httpd_accept(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct httpd *h = arg;
	int cfd, error, i;

	(void)loop;
	(void)events;
	for (i = 0; i < HTTPD_ACCEPT_MAX_PER_TURN; i++) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			error = errno;
			if (error == EAGAIN || error == EWOULDBLOCK)
				return;
			if (error == EINTR || error == ECONNABORTED)
				continue;
			if ((error == EMFILE || error == ENFILE)
			    && !httpd_client_waiting(fd))
				return;
			if ((error == EMFILE || error == ENFILE)
			    && httpd_evict(h))
				continue;
			httpd_accept_pause(h, error);
			return;
		}
		if (h->starved) {
			log_info("httpd: accepting again on port %d", h->port);
			h->starved = false;
		}
		if (h->nclients >= h->max_clients)
			httpd_evict(h);
		httpd_conn_new(h, cfd);
	}
}

static void
httpd_pause_over(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	httpd_accept_on(arg);
}

/* Splits "host:port", "[v6]:port" or ":port" and resolves it. */
static int
httpd_resolve(const char *listen, struct addrinfo **res, char *err,
    size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	const char *colon = strrchr(listen, ':');
	char *host = NULL;
	long long port;
	int rc, ret = -1;

	if (colon == NULL || str_to_ll(colon + 1, 0, 65535, &port) == -1) {
		snprintf(err, errlen, "listen %s: expected host:port or :port",
		    listen);
		goto out;
	}
	if (listen[0] == '[') {
		if (colon == listen || colon[-1] != ']') {
			snprintf(err, errlen, "listen %s: bad IPv6 address",
			    listen);
			goto out;
		}
		host = xstrndup(listen + 1, (size_t)(colon - listen - 2));
		hints.ai_family = AF_INET6;
	} else if (colon == listen) {
		host = xstrdup("0.0.0.0");
		hints.ai_family = AF_INET;
	} else
		host = xstrndup(listen, (size_t)(colon - listen));
	rc = getaddrinfo(host, colon + 1, &hints, res);
	if (rc != 0) {
		snprintf(err, errlen, "listen %s: %s", listen,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		goto out;
	}
	ret = 0;
out:
	free(host);
	return ret;
}

struct httpd *
httpd_new(struct loop *loop, const struct httpd_opts *opts, char *err,
    size_t errlen)
{
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct httpd *h = NULL, *ret = NULL;
	struct rlimit rl;
	int one = 1;

	if (httpd_resolve(opts->listen, &ai, err, errlen) == -1)
		goto out;
	h = xcalloc(1, sizeof(*h));
	h->loop = loop;
	h->fd = -1;
	h->max_clients
	    = opts->max_clients > 0 ? opts->max_clients : HTTPD_MAX_CLIENTS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
	    && h->max_clients > rl.rlim_cur / HTTPD_FD_SHARE) {
		h->max_clients = rl.rlim_cur / HTTPD_FD_SHARE > 0
		    ? (unsigned)(rl.rlim_cur / HTTPD_FD_SHARE)
		    : 1;
		log_info("httpd: %u connections at most, 1/%d of the open "
			 "files limit (%llu)",
		    h->max_clients, HTTPD_FD_SHARE,
		    (unsigned long long)rl.rlim_cur);
	}
	h->header_timeout_ms = opts->header_timeout_ms > 0
	    ? opts->header_timeout_ms
	    : HTTPD_HEADER_TIMEOUT_MS;
	h->timeout_ms
	    = opts->timeout_ms > 0 ? opts->timeout_ms : HTTPD_TIMEOUT_MS;
	TAILQ_INIT(&h->routes);
	TAILQ_INIT(&h->reading);
	TAILQ_INIT(&h->answering);
	loop_timer_init(&h->pause, httpd_pause_over, h);
	h->fd = socket(ai->ai_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd == -1) {
		snprintf(err, errlen, "listen %s: socket: %s", opts->listen,
		    strerror(errno));
		goto out;
	}
	if (setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1
	    || bind(h->fd, ai->ai_addr, ai->ai_addrlen) == -1
	    || listen(h->fd, HTTPD_BACKLOG) == -1
	    || getsockname(h->fd, (struct sockaddr *)&ss, &sslen) == -1) {
		snprintf(err, errlen, "listen %s: %s", opts->listen,
		    strerror(errno));
		goto out;
	}
	h->port = ntohs(ss.ss_family == AF_INET6
		? ((struct sockaddr_in6 *)&ss)->sin6_port
		: ((struct sockaddr_in *)&ss)->sin_port);
	httpd_accept_on(h);
	if (!h->accepting) {
		snprintf(err, errlen, "listen %s: watch socket: %s",
		    opts->listen, strerror(errno));
		goto out;
	}
	ret = h;
	h = NULL;
out:
	if (ai != NULL)
		freeaddrinfo(ai);
	httpd_free(h);
	return ret;
}

void
httpd_free(struct httpd *h)
{
	struct httpd_route *r;

	if (h == NULL)
		return;
	/* Off the loop before its fd is closed. */
	httpd_accept_off(h);
	loop_timer_stop(h->loop, &h->pause);
	if (h->fd != -1)
		close(h->fd);
	h->fd = -1;
	while (!TAILQ_EMPTY(&h->reading))
		httpd_conn_free(TAILQ_FIRST(&h->reading));
	while (!TAILQ_EMPTY(&h->answering))
		httpd_conn_free(TAILQ_FIRST(&h->answering));
	while (!TAILQ_EMPTY(&h->routes)) {
		r = TAILQ_FIRST(&h->routes);
		TAILQ_REMOVE(&h->routes, r, entry);
		free(r->path);
		free(r);
	}
	free(h);
}

void
httpd_route(struct httpd *h, const char *path, httpd_handler_cb *cb, void *arg)
{
	struct httpd_route *r;

	TAILQ_FOREACH(r, &h->routes, entry)
		if (strcmp(r->path, path) == 0)
			break;
	if (r == NULL) {
		r = xcalloc(1, sizeof(*r));
		r->path = xstrdup(path);
		TAILQ_INSERT_TAIL(&h->routes, r, entry);
	}
	r->cb = cb;
	r->arg = arg;
}

int
httpd_port(const struct httpd *h)
{
	return h->port;
}

unsigned
httpd_clients(const struct httpd *h)
{
	return h->nclients;
}

void
httpd_serve_metrics(const struct httpd_req *req, struct httpd_resp *resp,
    void *arg)
{
	(void)req;
	resp->content_type = METRICS_CONTENT_TYPE;
	if (metrics_render(arg, &resp->body) == -1) {
		buf_reset(&resp->body);
		buf_addstr(&resp->body, "metrics page over its size cap\n");
		resp->status = 500;
	}
}
