/* SPDX-License-Identifier: MIT */
/*
 * A tiny HTTP/1.1 server on the event loop, for the daemons' /health and
 * /metrics pages and a few more read-only paths.  Only GET and HEAD are
 * served, one request per connection (Connection: close), with a capped
 * request and response.  No client can hold the server: a connection
 * must complete its request head within the header deadline and is closed
 * at the whole-connection deadline whatever it is doing; when every slot
 * is taken, a new client evicts the oldest connection still reading its
 * request (or, when none is, the oldest one answering).  Clients are
 * accepted eagerly, a bounded number per loop turn, so they do not wait in
 * the kernel's accept queue behind idle ones.  A route maps an exact path
 * to a handler that fills the response.
 */
#ifndef HTTPD_H
#define HTTPD_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

struct loop;
struct httpd;

#define HTTPD_ERR_MAX 256
/*
 * Connections open at once; one more evicts (see above).  A client that
 * is slow to send its request survives this many newer ones, so the cap
 * is what protects a probe from a flood of connections; one reading costs
 * an fd and at most BUF_MAX_HTTPD_REQUEST.  Never more than 1/HTTPD_FD_SHARE
 * of the process's open files limit, so a flood cannot starve the daemon's
 * other connections of fds.
 */
#define HTTPD_MAX_CLIENTS 256
#define HTTPD_FD_SHARE 4
/*
 * Connections whose answer is not all sent (it is held in memory, at most
 * BUF_MAX_HTTPD_BODY each): one more drops the oldest.
 */
#define HTTPD_MAX_ANSWERING 16
/* From accept to the end of the request head. */
#define HTTPD_HEADER_TIMEOUT_MS 2000u
/* From accept to the last byte of the answer. */
#define HTTPD_TIMEOUT_MS 10000u
/*
 * accept(2) calls per loop turn, so that a flood of clients leaves room
 * for the daemon's other fds.
 */
#define HTTPD_ACCEPT_MAX_PER_TURN 16
/*
 * Connections the kernel queues for accept(2) (net.core.somaxconn caps
 * it): larger than a flood of idle clients, so that a probe's SYN is not
 * dropped (and retried a second later) while the queue drains.
 */
#define HTTPD_BACKLOG 4096
/*
 * How long accepting stops when accept(2) fails for want of fds or memory
 * and there is no connection to evict to free one.
 */
#define HTTPD_ACCEPT_PAUSE_MS 100u
#define BUF_MAX_HTTPD_REQUEST 8192u /* request line and headers */
#define BUF_MAX_HTTPD_BODY (4u * 1024 * 1024) /* a handler's response */

struct httpd_opts {
	/*
	 * "host:port", "[v6addr]:port" or ":port" (every IPv4 interface);
	 * port 0 picks a free port (see httpd_port()).  The host is resolved
	 * with getaddrinfo, once, here.
	 */
	const char *listen;
	unsigned max_clients; /* 0: HTTPD_MAX_CLIENTS */
	uint64_t header_timeout_ms; /* 0: HTTPD_HEADER_TIMEOUT_MS */
	uint64_t timeout_ms; /* whole connection; 0: HTTPD_TIMEOUT_MS */
};

/* Borrowed by the handler for the duration of the call. */
struct httpd_req {
	const char *method; /* "GET" or "HEAD" */
	const char *path; /* without the query */
	const char *query; /* after '?', or "" */
};

/*
 * Filled by the handler.  status starts as 200, content_type as
 * "text/plain; charset=utf-8" (a borrowed string that must outlive the
 * call), body empty with cap BUF_MAX_HTTPD_BODY.  For HEAD the body is
 * produced anyway, to give its length, and not sent.
 */
struct httpd_resp {
	int status;
	const char *content_type;
	struct buf body;
};

typedef void httpd_handler_cb(const struct httpd_req *req,
    struct httpd_resp *resp, void *arg);

/*
 * Listens on opts->listen and serves from loop.  Returns the server (free
 * with httpd_free), or NULL with err filled ("listen 127.0.0.1:9090:
 * Address already in use").  opts is borrowed for the call.
 */
struct httpd *httpd_new(struct loop *loop, const struct httpd_opts *opts,
    char *err, size_t errlen);
/*
 * Closes the listening socket and every connection; accepts NULL.  Not
 * from inside a handler.
 */
void httpd_free(struct httpd *h);
/*
 * Serves path (exact match, copied) with cb; adding a path again replaces
 * its handler.  Unknown paths get 404.
 */
void httpd_route(struct httpd *h, const char *path, httpd_handler_cb *cb,
    void *arg);
/* The port actually bound. */
int httpd_port(const struct httpd *h);
/* Connections open now, at most max_clients. */
unsigned httpd_clients(const struct httpd *h);

/*
 * A ready handler for /metrics: arg is a struct metrics * (borrowed; it
 * must outlive the route).  Renders it with METRICS_CONTENT_TYPE, or
 * answers 500 when the page exceeds the body cap.
 */
void httpd_serve_metrics(const struct httpd_req *req, struct httpd_resp *resp,
    void *arg);

#endif
