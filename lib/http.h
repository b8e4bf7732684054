/* SPDX-License-Identifier: MIT */
/*
 * HTTP client on the event loop, over libcurl's multi socket API (curl's
 * docs/examples/ephiperfifo.c): many transfers at once on one thread, over
 * TCP or a unix socket, with TLS, keep-alive connections shared between
 * transfers, and a hard cap on open connections (transfers beyond it wait
 * in curl's queue).  A response body is either buffered up to a cap or
 * streamed to a callback as it arrives (Docker's /events, logs).
 */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct loop;
struct http;
struct http_req;

#define HTTP_BODY_MAX (16u * 1024 * 1024) /* default buffered cap */
#define HTTP_ERR_MAX 256
#define HTTP_HEADERS_MAX 64 /* response headers kept per transfer */
/* Streams per HTTP/2 connection (Go's server, Consul's, allows 250). */
#define HTTP_H2_STREAMS_MAX 100

struct http_header {
	const char *name;
	const char *value;
};

struct http_tls {
	const char *ca_file; /* NULL: system store */
	const char *cert_file; /* client certificate, or NULL */
	const char *key_file;
	bool insecure; /* skip peer verification */
};

/* Everything here is borrowed for the duration of http_start() only. */
struct http_opts {
	const char *method; /* NULL means GET */
	const char *url; /* for a unix socket, http://localhost/... */
	const char *unix_socket; /* NULL for TCP */
	const struct http_header *headers;
	size_t nheaders;
	const char *body; /* copied; may be NULL */
	size_t body_len;
	uint64_t timeout_ms; /* whole transfer; 0 = none */
	uint64_t connect_timeout_ms; /* 0 = 10 s */
	size_t max_body; /* 0 = HTTP_BODY_MAX */
	const struct http_tls *tls; /* NULL: curl's defaults */
	/*
	 * When set, each chunk of a 2xx body goes here instead of the buffer,
	 * with the arg given to http_start(); returning -1 aborts the
	 * transfer (reported as an error).  A non-2xx body is buffered as
	 * usual so the done callback can show it.  The callback may call
	 * http_start() and http_cancel() (even on its own request); they take
	 * effect on the next loop turn.  Ignored by http_request_sync().
	 */
	int (*on_data)(const char *data, size_t len, void *arg);
};

/*
 * Valid only during the completion callback.  Headers are those of the
 * final response (those of a 100 Continue or a redirect are dropped); past
 * HTTP_HEADERS_MAX, or 64 KiB of header text, further ones are dropped.
 * A body over max_body is an error ("response body larger than ...").
 */
struct http_result {
	int error; /* 0: a response arrived; -1: transport error */
	char errmsg[HTTP_ERR_MAX]; /* set when error is -1 */
	long status; /* HTTP status, 0 when error */
	const char *body; /* buffered body ("" when streamed) */
	size_t body_len;
	uint64_t elapsed_ms;
	bool multiplexed; /* the response came over HTTP/2 (streams) */
	size_t nheaders;
	struct http_header headers[HTTP_HEADERS_MAX];
};

typedef void http_done_cb(const struct http_result *res, void *arg);

/*
 * Creates a client on loop with at most max_connections open connections
 * (0 = no cap).  Free with http_free().
 */
struct http *http_new(struct loop *loop, unsigned max_connections);
/*
 * Aborts every transfer in flight without calling their callbacks and
 * closes pooled connections.  Call it before loop_free().  It may be
 * called from a done or on_data callback; the memory then goes when the
 * callback returns.  NULL is a no-op.
 */
void http_free(struct http *http);

/*
 * Starts a transfer; done is called exactly once from the loop, unless the
 * transfer is cancelled first.  The returned handle is borrowed: it stays
 * valid until done returns or http_cancel() is called.  Never NULL: a
 * request curl refuses to set up fails through done on the next turn.
 */
struct http_req *http_start(struct http *http, const struct http_opts *opts,
    http_done_cb *done, void *arg);
/*
 * Aborts req; its callback is not called.  NULL, or req from inside its own
 * done callback, is a no-op.
 */
void http_cancel(struct http *http, struct http_req *req);

/* Transfers started and not yet completed. */
unsigned http_active(const struct http *http);
/* Sockets curl has open right now, idle pooled ones included. */
unsigned http_open_connections(const struct http *http);

/* Case-insensitive lookup of a response header; borrowed, or NULL. */
const char *http_result_header(const struct http_result *res, const char *name);

/*
 * Percent-encodes s for a URL path segment or query value.  Owned by the
 * caller (free(3)).
 */
char *http_escape(const char *s);

/*
 * Runs one request to completion outside any loop, for one-shot commands
 * and tests.  The body is appended to body (whose cap applies; going over
 * it is an error).  Returns 0 with *status set when a response arrived, or
 * -1 with err filled.  Blocks for up to opts->timeout_ms.
 */
int http_request_sync(const struct http_opts *opts, long *status,
    struct buf *body, char *err, size_t errlen);

#endif
