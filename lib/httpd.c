/* SPDX-License-Identifier: MIT */
/*
 * The daemons' small HTTP server for /health and /metrics.  Everything
 * runs on the event loop: the listening socket and each connection are
 * loop fds, each connection has one deadline timer.  A connection reads
 * the request head into a capped buffer, answers it once and is closed,
 * so there is no keep-alive state and no request body to handle.  When
 * max_clients connections are open the listening socket is taken off the
 * loop until one closes, so further clients wait in the accept queue
 * instead of costing memory.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
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

#define HTTPD_BACKLOG 64
#define HTTPD_ACCEPT_PAUSE_MS 1000
#define BUF_MAX_HTTPD_HEAD 512 /* status line and headers we send */

struct httpd_route {
	TAILQ_ENTRY(httpd_route) entry;
	char *path;
	httpd_handler_cb *cb;
	void *arg;
};

struct httpd_conn {
	TAILQ_ENTRY(httpd_conn) entry;
	struct httpd *h;
	int fd;
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
	unsigned nclients;
	unsigned max_clients;
	uint64_t timeout_ms;
	struct loop_timer pause;
	TAILQ_HEAD(, httpd_route) routes;
	TAILQ_HEAD(, httpd_conn) conns;
};

static void httpd_accept(struct loop *, int, unsigned, void *);

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
	if (loop_fd_add(h->loop, h->fd, LOOP_READ, httpd_accept, h) == 0)
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

static void
httpd_conn_free(struct httpd_conn *c)
{
	struct httpd *h = c->h;

	TAILQ_REMOVE(&h->conns, c, entry);
	loop_timer_stop(h->loop, &c->deadline);
	loop_fd_del(h->loop, c->fd);
	close(c->fd);
	buf_clear(&c->in);
	buf_clear(&c->out);
	free(c);
	h->nclients--;
	if (h->nclients < h->max_clients)
		httpd_accept_on(h);
}

static void
httpd_conn_expired(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct httpd_conn *c = arg;

	(void)loop;
	(void)t;
	log_debug("httpd: connection timed out, closing it");
	httpd_conn_free(c);
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
	if (loop_fd_add(c->h->loop, c->fd, LOOP_WRITE, httpd_conn_writable, c)
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

static void
httpd_conn_readable(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct httpd_conn *c = arg;
	char chunk[2048];
	ssize_t n;

	(void)loop;
	(void)events;
	for (;;) {
		n = recv(fd, chunk, sizeof(chunk), 0);
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
httpd_accept(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct httpd *h = arg;
	struct httpd_conn *c;
	int cfd;

	(void)events;
	while (h->nclients < h->max_clients) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN)
				return;
			/* Out of fds or memory: stop accepting for a while. */
			log_warn("httpd: accept on port %d, pausing for %d ms",
			    h->port, HTTPD_ACCEPT_PAUSE_MS);
			httpd_accept_off(h);
			loop_timer_start(loop, &h->pause,
			    HTTPD_ACCEPT_PAUSE_MS);
			return;
		}
		c = xcalloc(1, sizeof(*c));
		c->h = h;
		c->fd = cfd;
		buf_init(&c->in, BUF_MAX_HTTPD_REQUEST);
		buf_init(&c->out, 0);
		loop_timer_init(&c->deadline, httpd_conn_expired, c);
		TAILQ_INSERT_TAIL(&h->conns, c, entry);
		h->nclients++;
		if (loop_fd_add(loop, cfd, LOOP_READ, httpd_conn_readable, c)
		    == -1) {
			log_warn("httpd: watch connection");
			httpd_conn_free(c);
			continue;
		}
		loop_timer_start(loop, &c->deadline, h->timeout_ms);
	}
	httpd_accept_off(h);
}

static void
httpd_pause_over(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct httpd *h = arg;

	(void)loop;
	(void)t;
	if (h->nclients < h->max_clients)
		httpd_accept_on(h);
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
	int one = 1;

	if (httpd_resolve(opts->listen, &ai, err, errlen) == -1)
		goto out;
	h = xcalloc(1, sizeof(*h));
	h->loop = loop;
	h->fd = -1;
	h->max_clients
	    = opts->max_clients > 0 ? opts->max_clients : HTTPD_MAX_CLIENTS;
	h->timeout_ms
	    = opts->timeout_ms > 0 ? opts->timeout_ms : HTTPD_TIMEOUT_MS;
	TAILQ_INIT(&h->routes);
	TAILQ_INIT(&h->conns);
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
	struct httpd_conn *c;

	if (h == NULL)
		return;
	/* No reopening of the listener while connections go away. */
	httpd_accept_off(h);
	loop_timer_stop(h->loop, &h->pause);
	if (h->fd != -1)
		close(h->fd);
	h->fd = -1;
	while (!TAILQ_EMPTY(&h->conns)) {
		c = TAILQ_FIRST(&h->conns);
		httpd_conn_free(c);
	}
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
