/* SPDX-License-Identifier: MIT */
/*
 * HTTP client on the event loop: libcurl's multi socket API driven by
 * lib/loop.c, as curl's docs/examples/ephiperfifo.c drives it with epoll.
 * curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when
 * to wake it (CURLMOPT_TIMERFUNCTION, one loop timer); ready sockets and
 * the timer call curl_multi_socket_action(), and finished transfers are
 * collected with curl_multi_info_read() and handed to their callbacks.
 *
 * libcurl refuses multi calls made from inside its own callbacks
 * (CURLM_RECURSIVE_API_CALL), yet a streaming consumer naturally starts or
 * cancels requests while it handles a chunk (Docker's event stream starts
 * an inspect).  So while curl is on the stack, http_start() and
 * http_cancel() only queue the request or mark it, and a zero-delay loop
 * timer applies the change on the next turn.  The same timer reports
 * requests that could not even be set up, so a done callback always runs
 * from the loop, never from inside http_start().
 *
 * Open sockets are counted through curl's open/close socket callbacks:
 * pooled keep-alive connections outlive their transfer, so this is the only
 * place that sees every one of them.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "str.h"
#include "xmalloc.h"

/* Bytes of response header text kept per transfer (names and values). */
#define HTTP_HEADER_BYTES_MAX (64u * 1024)
#define HTTP_CONNECT_TIMEOUT_MS 10000

struct http_req {
	TAILQ_ENTRY(http_req) entry;
	struct http *http; /* NULL for http_request_sync() */
	CURL *easy;
	struct curl_slist *hdrs;
	struct buf body; /* buffered body (or an error body when streaming) */
	struct buf *out; /* where body bytes go: &body or the caller's */
	struct buf hdrtext; /* "name\0value\0" of the final response */
	size_t hdr_off[HTTP_HEADERS_MAX][2];
	size_t nhdrs;
	int (*on_data)(const char *, size_t, void *);
	bool streaming; /* this response's body goes to on_data */
	bool body_started;
	http_done_cb *done;
	void *arg;
	uint64_t start_ms;
	char curl_err[CURL_ERROR_SIZE];
	char err[HTTP_ERR_MAX]; /* our own reason to fail, if any */
	bool added; /* in the multi handle */
	bool cancelled;
	bool completing; /* its done callback is running */
};

TAILQ_HEAD(http_reqs, http_req);

struct http {
	struct loop *loop;
	CURLM *multi;
	struct loop_timer timer; /* curl's timeout */
	struct loop_timer defer; /* queued adds, cancels and failures */
	struct http_reqs reqs;
	unsigned active;
	unsigned open_conns;
	int in_curl; /* inside a curl_multi call that runs callbacks */
	int busy; /* inside one of our loop callbacks */
	bool freeing; /* http_free() was called while busy */
};

static unsigned http_global_refs;

/*
 * curl_global_init() is not cheap (TLS library set-up), so it runs once for
 * as long as any client or synchronous request exists, and is undone when
 * the last one goes, which keeps leak checkers quiet.
 */
static void
http_global_ref(void)
{
	if (http_global_refs++ == 0
	    && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
}

static void
http_global_unref(void)
{
	if (--http_global_refs == 0)
		curl_global_cleanup();
}

char *
http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = strlen(s);
	char *out, *p;

	if (n > (SIZE_MAX - 1) / 3)
		fatalx("http_escape: string too long");
	out = p = xmalloc(3 * n + 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		/* RFC 3986 unreserved characters stay as they are. */
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		    || (c >= '0' && c <= '9') || c == '-' || c == '.'
		    || c == '_' || c == '~') {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 0xf];
		}
	}
	*p = '\0';
	return out;
}

/* Response headers: kept for the last response only (after 100, 3xx). */
static size_t
http_header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_req *req = arg;
	size_t len = size * nmemb, nlen, start;
	const char *colon, *v, *end = data + len;

	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		req->nhdrs = 0;
		buf_reset(&req->hdrtext);
		return len;
	}
	while (end > data && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	colon = memchr(data, ':', (size_t)(end - data));
	/* Blank line, folded continuation or junk: nothing to keep. */
	if (colon == NULL || colon == data || data[0] == ' ' || data[0] == '\t'
	    || req->nhdrs == HTTP_HEADERS_MAX)
		return len;
	nlen = (size_t)(colon - data);
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	start = req->hdrtext.len;
	if (buf_add(&req->hdrtext, data, nlen) == -1
	    || buf_addc(&req->hdrtext, '\0') == -1
	    || buf_add(&req->hdrtext, v, (size_t)(end - v)) == -1
	    || buf_addc(&req->hdrtext, '\0') == -1) {
		/* Over the byte cap: drop this header, keep the others. */
		req->hdrtext.len = start;
		return len;
	}
	req->hdr_off[req->nhdrs][0] = start;
	req->hdr_off[req->nhdrs][1] = start + nlen + 1;
	req->nhdrs++;
	return len;
}

static size_t
http_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_req *req = arg;
	size_t len = size * nmemb;
	long code = 0;

	if (req->cancelled)
		return CURL_WRITEFUNC_ERROR;
	if (!req->body_started) {
		req->body_started = true;
		/*
		 * An error answer to a streaming request is buffered instead,
		 * so the done callback can show what the server said and the
		 * stream consumer never parses an error document as data.
		 */
		(void)curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE,
		    &code);
		req->streaming
		    = req->on_data != NULL && code >= 200 && code < 300;
	}
	if (req->streaming) {
		if (req->on_data(data, len, req->arg) == -1) {
			if (req->err[0] == '\0')
				str_copy(req->err,
				    "transfer aborted by the data callback",
				    sizeof(req->err));
			return CURL_WRITEFUNC_ERROR;
		}
		return len;
	}
	if (buf_add(req->out, data, len) == -1) {
		(void)snprintf(req->err, sizeof(req->err),
		    "response body larger than the %zu-byte limit",
		    req->out->max);
		return CURL_WRITEFUNC_ERROR;
	}
	return len;
}

static curl_socket_t
http_open_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http *http = clientp;
	int fd;

	(void)purpose;
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd == -1)
		return CURL_SOCKET_BAD;
	http->open_conns++;
	return fd;
}

static int
http_close_cb(void *clientp, curl_socket_t fd)
{
	struct http *http = clientp;

	/* curl normally says CURL_POLL_REMOVE first; make sure anyway. */
	loop_fd_del(http->loop, fd);
	http->open_conns--;
	return close(fd);
}

static void
http_req_free(struct http_req *req)
{
	if (req == NULL)
		return;
	if (req->easy != NULL)
		curl_easy_cleanup(req->easy);
	curl_slist_free_all(req->hdrs);
	buf_clear(&req->body);
	buf_clear(&req->hdrtext);
	free(req);
}

static struct curl_slist *
http_req_headers(const struct http_opts *o)
{
	struct curl_slist *list = NULL, *l;
	size_t i;
	char *line;

	/* No "Expect: 100-continue" round trip before a large body. */
	list = curl_slist_append(list, "Expect:");
	for (i = 0; i < o->nheaders && list != NULL; i++) {
		/* "Name;" is curl's way to send a header with no value. */
		if (o->headers[i].value == NULL
		    || o->headers[i].value[0] == '\0')
			line = xasprintf("%s;", o->headers[i].name);
		else
			line = xasprintf("%s: %s", o->headers[i].name,
			    o->headers[i].value);
		l = curl_slist_append(list, line);
		free(line);
		if (l == NULL)
			curl_slist_free_all(list);
		list = l;
	}
	if (list == NULL)
		fatalx("curl_slist_append: out of memory");
	return list;
}

/*
 * Builds the easy handle for o.  Returns the request; when curl refuses an
 * option the request carries the reason in err and must not be performed.
 */
static struct http_req *
http_req_new(struct http *http, const struct http_opts *o)
{
	struct http_req *req;
	const char *m = o->method != NULL ? o->method : "GET";
	bool has_body;
	CURLcode rc = CURLE_OK;
	CURL *e;

	req = xcalloc(1, sizeof(*req));
	req->http = http;
	buf_init(&req->body, o->max_body != 0 ? o->max_body : HTTP_BODY_MAX);
	buf_init(&req->hdrtext, HTTP_HEADER_BYTES_MAX);
	req->out = &req->body;
	req->start_ms = mono_ms();
	if ((e = req->easy = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	req->hdrs = http_req_headers(o);
	has_body = o->body != NULL || strcmp(m, "POST") == 0
	    || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;

	/* Each setopt result is folded in; the first failure is kept. */
#define HTTP_SETOPT(opt, val)                                   \
	do {                                                    \
		if (rc == CURLE_OK)                             \
			rc = curl_easy_setopt(e, (opt), (val)); \
	} while (0)
	HTTP_SETOPT(CURLOPT_PRIVATE, req);
	HTTP_SETOPT(CURLOPT_ERRORBUFFER, req->curl_err);
	HTTP_SETOPT(CURLOPT_NOSIGNAL, 1L);
	HTTP_SETOPT(CURLOPT_URL, o->url);
	HTTP_SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	HTTP_SETOPT(CURLOPT_HTTPHEADER, req->hdrs);
	HTTP_SETOPT(CURLOPT_HEADERFUNCTION, http_header_cb);
	HTTP_SETOPT(CURLOPT_HEADERDATA, req);
	HTTP_SETOPT(CURLOPT_WRITEFUNCTION, http_write_cb);
	HTTP_SETOPT(CURLOPT_WRITEDATA, req);
	HTTP_SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	/* Over HTTPS, curl offers HTTP/2 (ALPN, known once the handshake is
	 * done); a new transfer then waits to share a connection rather than
	 * open one beside it.  Not over plain HTTP: there a connection is
	 * known not to multiplex only when its answer comes, and every other
	 * transfer would wait for that. */
	if (strncmp(o->url, "https://", 8) == 0)
		HTTP_SETOPT(CURLOPT_PIPEWAIT, 1L);
	HTTP_SETOPT(CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	HTTP_SETOPT(CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(o->connect_timeout_ms != 0 ? o->connect_timeout_ms
					      : HTTP_CONNECT_TIMEOUT_MS));
	if (o->unix_socket != NULL)
		HTTP_SETOPT(CURLOPT_UNIX_SOCKET_PATH, o->unix_socket);
	if (strcmp(m, "HEAD") == 0)
		HTTP_SETOPT(CURLOPT_NOBODY, 1L);
	else if (strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0)
		HTTP_SETOPT(CURLOPT_CUSTOMREQUEST, m);
	if (has_body) {
		/* Size first: COPYPOSTFIELDS copies exactly that many bytes. */
		HTTP_SETOPT(CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(o->body != NULL ? o->body_len : 0));
		HTTP_SETOPT(CURLOPT_COPYPOSTFIELDS,
		    o->body != NULL ? o->body : "");
	}
	if (o->tls != NULL) {
		if (o->tls->ca_file != NULL)
			HTTP_SETOPT(CURLOPT_CAINFO, o->tls->ca_file);
		if (o->tls->cert_file != NULL)
			HTTP_SETOPT(CURLOPT_SSLCERT, o->tls->cert_file);
		if (o->tls->key_file != NULL)
			HTTP_SETOPT(CURLOPT_SSLKEY, o->tls->key_file);
		if (o->tls->insecure) {
			HTTP_SETOPT(CURLOPT_SSL_VERIFYPEER, 0L);
			HTTP_SETOPT(CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	if (http != NULL) {
		req->on_data = o->on_data;
		HTTP_SETOPT(CURLOPT_OPENSOCKETFUNCTION, http_open_cb);
		HTTP_SETOPT(CURLOPT_OPENSOCKETDATA, http);
		HTTP_SETOPT(CURLOPT_CLOSESOCKETFUNCTION, http_close_cb);
		HTTP_SETOPT(CURLOPT_CLOSESOCKETDATA, http);
	}
#undef HTTP_SETOPT
	if (rc != CURLE_OK)
		(void)snprintf(req->err, sizeof(req->err), "%s",
		    curl_easy_strerror(rc));
	return req;
}

/* Fills res from a finished transfer; res borrows from req. */
static void
http_req_result(struct http_req *req, CURLcode rc, struct http_result *res)
{
	long version;
	size_t i;

	memset(res, 0, sizeof(*res));
	res->elapsed_ms = mono_ms() - req->start_ms;
	res->body = "";
	if (req->err[0] != '\0' || rc != CURLE_OK) {
		res->error = -1;
		if (req->err[0] != '\0')
			str_copy(res->errmsg, req->err, sizeof(res->errmsg));
		else if (req->curl_err[0] != '\0')
			str_copy(res->errmsg, req->curl_err,
			    sizeof(res->errmsg));
		else
			str_copy(res->errmsg, curl_easy_strerror(rc),
			    sizeof(res->errmsg));
		return;
	}
	(void)curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE,
	    &res->status);
	if (curl_easy_getinfo(req->easy, CURLINFO_HTTP_VERSION, &version)
	    == CURLE_OK)
		res->multiplexed = version == CURL_HTTP_VERSION_2_0;
	res->body = buf_str(&req->body);
	res->body_len = req->body.len;
	res->nheaders = req->nhdrs;
	for (i = 0; i < req->nhdrs; i++) {
		res->headers[i].name = req->hdrtext.data + req->hdr_off[i][0];
		res->headers[i].value = req->hdrtext.data + req->hdr_off[i][1];
	}
}

const char *
http_result_header(const struct http_result *res, const char *name)
{
	size_t i;

	for (i = 0; i < res->nheaders; i++)
		if (strcasecmp(res->headers[i].name, name) == 0)
			return res->headers[i].value;
	return NULL;
}

/* Takes req out of the client, without calling anything. */
static void
http_req_unlink(struct http *http, struct http_req *req)
{
	if (req->added) {
		http->in_curl++;
		(void)curl_multi_remove_handle(http->multi, req->easy);
		http->in_curl--;
		req->added = false;
	}
	TAILQ_REMOVE(&http->reqs, req, entry);
	http->active--;
}

static void
http_req_complete(struct http *http, struct http_req *req, CURLcode rc)
{
	struct http_result res;

	http_req_unlink(http, req);
	if (!req->cancelled && !http->freeing) {
		http_req_result(req, rc, &res);
		req->completing = true;
		req->done(&res, req->arg);
	}
	http_req_free(req);
}

/* Hands every finished transfer to its callback. */
static void
http_reap(struct http *http)
{
	struct http_req *req;
	CURLMsg *msg;
	CURLcode rc;
	int left;

	while (!http->freeing
	    && (msg = curl_multi_info_read(http->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		rc = msg->data.result;
		req = NULL;
		(void)curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&req);
		http_req_complete(http, req, rc);
	}
}

static void
http_destroy(struct http *http)
{
	struct http_req *req;

	while ((req = TAILQ_FIRST(&http->reqs)) != NULL) {
		http_req_unlink(http, req);
		http_req_free(req);
	}
	/* Closes the pooled connections through http_close_cb. */
	curl_multi_cleanup(http->multi);
	loop_timer_stop(http->loop, &http->timer);
	loop_timer_stop(http->loop, &http->defer);
	free(http);
	http_global_unref();
}

/* Every loop callback ends here: a deferred http_free() happens now. */
static void
http_leave(struct http *http)
{
	if (--http->busy == 0 && http->freeing)
		http_destroy(http);
}

static void
http_action(struct http *http, curl_socket_t fd, int flags)
{
	CURLMcode mc;
	int running;

	http->busy++;
	http->in_curl++;
	mc = curl_multi_socket_action(http->multi, fd, flags, &running);
	http->in_curl--;
	if (mc != CURLM_OK)
		log_warnx("http: curl_multi_socket_action: %s",
		    curl_multi_strerror(mc));
	http_reap(http);
	http_leave(http);
}

static void
http_fd_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
	int flags = 0;

	(void)loop;
	if (events & LOOP_READ)
		flags |= CURL_CSELECT_IN;
	if (events & LOOP_WRITE)
		flags |= CURL_CSELECT_OUT;
	http_action(arg, fd, flags);
}

static void
http_timer_fire(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	http_action(arg, CURL_SOCKET_TIMEOUT, 0);
}

static int
http_sock_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct http *http = userp;
	unsigned events = 0;

	(void)e;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		loop_fd_del(http->loop, fd);
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= LOOP_READ;
	if (what & CURL_POLL_OUT)
		events |= LOOP_WRITE;
	if (loop_fd_add(http->loop, fd, events, http_fd_cb, http) == -1) {
		log_warn("http: cannot watch socket %d", fd);
		return -1;
	}
	return 0;
}

static int
http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *http = userp;

	(void)multi;
	/* Never act from here: curl forbids it; the loop timer will. */
	if (timeout_ms < 0)
		loop_timer_stop(http->loop, &http->timer);
	else
		loop_timer_start(http->loop, &http->timer,
		    (uint64_t)timeout_ms);
	return 0;
}

static struct http_req *
http_next_deferred(struct http *http)
{
	struct http_req *req;

	TAILQ_FOREACH(req, &http->reqs, entry)
		if (req->cancelled || !req->added)
			return req;
	return NULL;
}

/*
 * Applies what had to wait for curl to leave the stack.  The list is
 * scanned from the start after each step because a done callback may
 * cancel or start any request.
 */
static void
http_defer_fire(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct http *http = arg;
	struct http_req *req;
	CURLMcode mc;

	(void)loop;
	(void)t;
	http->busy++;
	while (!http->freeing && (req = http_next_deferred(http)) != NULL) {
		if (req->cancelled) {
			http_req_unlink(http, req);
			http_req_free(req);
			continue;
		}
		if (req->err[0] == '\0') {
			mc = curl_multi_add_handle(http->multi, req->easy);
			if (mc == CURLM_OK) {
				req->added = true;
				continue;
			}
			(void)snprintf(req->err, sizeof(req->err),
			    "curl_multi_add_handle: %s",
			    curl_multi_strerror(mc));
		}
		http_req_complete(http, req, CURLE_OK);
	}
	http_leave(http);
}

struct http *
http_new(struct loop *loop, unsigned max_connections)
{
	struct http *http;
	CURLM *m;
	CURLMcode mc = CURLM_OK;

	http_global_ref();
	if ((m = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	http = xcalloc(1, sizeof(*http));
	http->loop = loop;
	http->multi = m;
	TAILQ_INIT(&http->reqs);
	loop_timer_init(&http->timer, http_timer_fire, http);
	loop_timer_init(&http->defer, http_defer_fire, http);
#define HTTP_MSETOPT(opt, val)                                   \
	do {                                                     \
		if (mc == CURLM_OK)                              \
			mc = curl_multi_setopt(m, (opt), (val)); \
	} while (0)
	HTTP_MSETOPT(CURLMOPT_SOCKETFUNCTION, http_sock_cb);
	HTTP_MSETOPT(CURLMOPT_SOCKETDATA, http);
	HTTP_MSETOPT(CURLMOPT_TIMERFUNCTION, http_timer_cb);
	HTTP_MSETOPT(CURLMOPT_TIMERDATA, http);
	if (max_connections != 0) {
		/* Transfers beyond the cap wait in curl's pending queue. */
		HTTP_MSETOPT(CURLMOPT_MAX_TOTAL_CONNECTIONS,
		    (long)max_connections);
		/* Idle pooled connections count too: keep at most the cap. */
		HTTP_MSETOPT(CURLMOPT_MAXCONNECTS, (long)max_connections);
		HTTP_MSETOPT(CURLMOPT_MAX_CONCURRENT_STREAMS,
		    (long)HTTP_H2_STREAMS_MAX);
	}
#undef HTTP_MSETOPT
	if (mc != CURLM_OK)
		fatalx("curl_multi_setopt: %s", curl_multi_strerror(mc));
	return http;
}

void
http_free(struct http *http)
{
	struct http_req *req;

	if (http == NULL)
		return;
	if (http->busy == 0) {
		http_destroy(http);
		return;
	}
	/* Called from a callback: curl is still on the stack. */
	http->freeing = true;
	TAILQ_FOREACH(req, &http->reqs, entry)
		req->cancelled = true;
}

static void
http_defer(struct http *http)
{
	if (!loop_timer_active(&http->defer))
		loop_timer_start(http->loop, &http->defer, 0);
}

struct http_req *
http_start(struct http *http, const struct http_opts *opts, http_done_cb *done,
    void *arg)
{
	struct http_req *req;
	CURLMcode mc;

	req = http_req_new(http, opts);
	req->done = done;
	req->arg = arg;
	TAILQ_INSERT_TAIL(&http->reqs, req, entry);
	http->active++;
	if (req->err[0] != '\0' || http->in_curl > 0 || http->freeing) {
		http_defer(http);
		return req;
	}
	http->in_curl++;
	mc = curl_multi_add_handle(http->multi, req->easy);
	http->in_curl--;
	if (mc == CURLM_OK)
		req->added = true;
	else
		http_defer(http); /* retried, then reported, from there */
	return req;
}

void
http_cancel(struct http *http, struct http_req *req)
{
	if (req == NULL || req->completing || req->cancelled)
		return;
	if (http->in_curl > 0) {
		req->cancelled = true;
		http_defer(http);
		return;
	}
	http_req_unlink(http, req);
	http_req_free(req);
}

unsigned
http_active(const struct http *http)
{
	return http->active;
}

unsigned
http_open_connections(const struct http *http)
{
	return http->open_conns;
}

int
http_request_sync(const struct http_opts *opts, long *status, struct buf *body,
    char *err, size_t errlen)
{
	struct http_result res;
	struct http_req *req;
	CURLcode rc = CURLE_OK;
	int ret = -1;

	http_global_ref();
	req = http_req_new(NULL, opts);
	req->out = body;
	if (req->err[0] == '\0')
		rc = curl_easy_perform(req->easy);
	http_req_result(req, rc, &res);
	if (res.error != 0) {
		str_copy(err, res.errmsg, errlen);
		goto out;
	}
	*status = res.status;
	ret = 0;
out:
	http_req_free(req);
	http_global_unref();
	return ret;
}
