/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/httpd.c: a server on a real loopback port, queried
 * by curl(1) run through lib/proc.c on the same loop (so nothing blocks),
 * plus raw sockets for the idle-client deadline and the client cap.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "loop.h"
#include "metrics.h"
#include "proc.h"
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

static int
connect_to(int port)
{
	struct sockaddr_in sin
	    = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1
	    || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		T_CHECK(0, "connect: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

struct idle {
	int fd;
	uint64_t closed_ms;
};

static void
idle_readable(struct loop *l, int fd, unsigned events, void *arg)
{
	struct idle *c = arg;
	char b[16];

	(void)events;
	if (read(fd, b, sizeof(b)) <= 0) {
		c->closed_ms = loop_now_ms(l);
		loop_fd_del(l, fd);
		if (--pending == 0)
			loop_stop(l);
	}
}

/*
 * With one client allowed, an idle connection holds the only slot until
 * its deadline; a second client is served only then.
 */
static void
test_deadline_and_cap(void)
{
	struct httpd_opts opts
	    = { .listen = "127.0.0.1:0", .max_clients = 1, .timeout_ms = 400 };
	struct idle c = { -1, 0 };
	struct fetch f;
	char err[HTTPD_ERR_MAX];
	struct httpd *h;
	uint64_t t0;

	h = httpd_new(loop, &opts, err, sizeof(err));
	T_CHECK(h != NULL, "httpd_new: %s", err);
	if (h == NULL)
		return;
	httpd_route(h, "/health", health, NULL);
	c.fd = connect_to(httpd_port(h));
	if (c.fd == -1) {
		httpd_free(h);
		return;
	}
	t0 = mono_ms();
	loop_fd_add(loop, c.fd, LOOP_READ, idle_readable, &c);
	pending++;
	curl(&f, httpd_port(h), "/health", "-H", "X-A: b");
	run();
	T_ASSERT(c.closed_ms >= t0 + 350);
	T_ASSERT(has(&f, "HTTP/1.1 200 OK\r\n"));
	T_CHECK(f.elapsed_ms >= 300, "curl served after %llu ms",
	    (unsigned long long)f.elapsed_ms);
	close(c.fd);
	free(f.output);
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
	T_EQ_INT(proc_reaper_add(loop), 0);
	test_requests();
	test_deadline_and_cap();
	test_listen_errors();
	test_other_addresses();
	loop_free(loop);
	return test_report();
}
