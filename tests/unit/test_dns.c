/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/dns.c: c-ares on the loop against a small DNS
 * responder written here, on a loopback UDP and TCP port of the same loop, that
 * answers the way Consul's DNS interface does (A records; SRV records
 * with the targets' A records in the additional section; NXDOMAIN; an
 * empty NOERROR).  One name is never answered, to see the timeout.
 *
 * With TEST_DNS_CONSUL=host:port in the environment it also asks a real
 * Consul agent's DNS interface about the services tests/regress/
 * dns_consul.sh registers there: "web" twice (127.0.0.9:8080 tagged
 * primary, 127.0.0.10:8081 tagged backup) and "many" five times
 * (127.0.1.1 to 127.0.1.5).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "loop.h"
#include "test.h"
#include "xmalloc.h"

static struct loop *loop;
static int pending;
static struct loop_timer guard;
static int queries_seen;

/* Appends name as DNS labels; returns the new length. */
static size_t
put_name(unsigned char *msg, size_t len, const char *name)
{
	const char *dot;
	size_t l;

	while (*name != '\0') {
		dot = strchr(name, '.');
		l = dot != NULL ? (size_t)(dot - name) : strlen(name);
		msg[len++] = (unsigned char)l;
		memcpy(msg + len, name, l);
		len += l;
		name += l + (dot != NULL ? 1 : 0);
	}
	msg[len++] = 0;
	return len;
}

static size_t
put16(unsigned char *msg, size_t len, unsigned v)
{
	msg[len++] = (unsigned char)(v >> 8);
	msg[len++] = (unsigned char)v;
	return len;
}

/* type, class IN, ttl 5, rdlength; name written by the caller. */
static size_t
put_rr_head(unsigned char *msg, size_t len, unsigned type, unsigned rdlen)
{
	len = put16(msg, len, type);
	len = put16(msg, len, 1);
	len = put16(msg, len, 0);
	len = put16(msg, len, 5);
	return put16(msg, len, rdlen);
}

static size_t
put_a(unsigned char *msg, size_t len, const char *addr)
{
	len = put_rr_head(msg, len, 1, 4);
	inet_pton(AF_INET, addr, msg + len);
	return len + 4;
}

static size_t
put_srv(unsigned char *msg, size_t len, unsigned port, const char *target)
{
	size_t rdlen_at;

	msg[len++] = 0xc0; /* the question's name */
	msg[len++] = 12;
	len = put_rr_head(msg, len, 33, 0);
	rdlen_at = len - 2;
	len = put16(msg, len, 1);
	len = put16(msg, len, 10);
	len = put16(msg, len, port);
	len = put_name(msg, len, target);
	put16(msg, rdlen_at, (unsigned)(len - rdlen_at - 2));
	return len;
}

/*
 * Builds the answer to query q of n bytes into r; returns its length, or
 * 0 for no answer.  Over TCP the A answer has a third address, the way
 * Consul gives every record over TCP but udp_answer_limit over UDP.
 */
static size_t
reply(const unsigned char *q, size_t n, unsigned char *r, bool tcp)
{
	char name[256];
	size_t pos = 12, nl = 0, len;
	unsigned qtype, an = 0, ar = 0, rcode = 0;

	if (n < 17)
		return 0;
	queries_seen++;
	while (pos < n && q[pos] != 0 && nl + q[pos] + 1 < sizeof(name)) {
		if (nl > 0)
			name[nl++] = '.';
		memcpy(name + nl, q + pos + 1, q[pos]);
		nl += q[pos];
		pos += q[pos] + 1u;
	}
	name[nl] = '\0';
	pos++;
	if (pos + 4 > n || strcmp(name, "silent.service.consul") == 0)
		return 0;
	qtype = (unsigned)q[pos] << 8 | q[pos + 1];
	pos += 4;

	memcpy(r, q, pos); /* header and question */
	len = pos;
	if (strcmp(name, "web.service.consul") == 0 && qtype == 1) {
		for (an = 0; an < (tcp ? 3u : 2u); an++) {
			r[len++] = 0xc0;
			r[len++] = 12;
			len = put_a(r, len,
			    an == 0       ? "127.0.0.2"
				: an == 1 ? "127.0.0.3"
					  : "127.0.0.4");
		}
	} else if (strcmp(name, "web.service.consul") == 0 && qtype == 33) {
		len = put_srv(r, len, 8080, "a.node.dc1.consul");
		len = put_srv(r, len, 8081, "b.node.dc1.consul");
		an = 2;
		len = put_name(r, len, "A.node.dc1.consul");
		len = put_a(r, len, "10.1.0.1");
		ar = 1;
	} else if (strcmp(name, "empty.service.consul") != 0)
		rcode = 3;
	r[2] = 0x81; /* QR, RD */
	r[3] = (unsigned char)(0x80 | rcode); /* RA */
	put16(r, 6, an);
	put16(r, 8, 0);
	put16(r, 10, ar);
	return len;
}

static void
udp_responder(struct loop *l, int fd, unsigned events, void *arg)
{
	unsigned char q[512], r[1024];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n;
	size_t len;

	(void)l;
	(void)events;
	(void)arg;
	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fromlen);
	if (n <= 0)
		return;
	len = reply(q, (size_t)n, r, false);
	if (len > 0)
		sendto(fd, r, len, 0, (struct sockaddr *)&from, fromlen);
}

/* One TCP client at a time: length-prefixed queries on one stream. */
static unsigned char tcp_in[1024];
static size_t tcp_len;
static int tcp_queries;

static void
tcp_conn(struct loop *l, int fd, unsigned events, void *arg)
{
	unsigned char r[1026];
	ssize_t n;
	size_t qlen, len;

	(void)events;
	(void)arg;
	n = read(fd, tcp_in + tcp_len, sizeof(tcp_in) - tcp_len);
	if (n <= 0) {
		loop_fd_del(l, fd);
		close(fd);
		tcp_len = 0;
		return;
	}
	tcp_len += (size_t)n;
	for (;;) {
		if (tcp_len < 2)
			break;
		qlen = (size_t)tcp_in[0] << 8 | tcp_in[1];
		if (tcp_len < 2 + qlen)
			break;
		tcp_queries++;
		len = reply(tcp_in + 2, qlen, r + 2, true);
		if (len > 0) {
			put16(r, 0, (unsigned)len);
			T_EQ_INT(write(fd, r, len + 2), (long long)len + 2);
		}
		memmove(tcp_in, tcp_in + 2 + qlen, tcp_len - 2 - qlen);
		tcp_len -= 2 + qlen;
	}
}

static void
tcp_accept(struct loop *l, int fd, unsigned events, void *arg)
{
	int c;

	(void)events;
	(void)arg;
	c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c != -1 && loop_fd_add(l, c, LOOP_READ, tcp_conn, NULL) == -1)
		close(c);
}

struct answer {
	int calls;
	enum dns_status status;
	char errmsg[DNS_ERR_MAX];
	size_t n;
	char text[512];
	struct dns *free_me;
};

static void
answered(const struct dns_result *res, void *arg)
{
	struct answer *a = arg;
	size_t off = 0;

	a->calls++;
	a->status = res->status;
	snprintf(a->errmsg, sizeof(a->errmsg), "%s", res->errmsg);
	a->n = res->naddrs + res->nsrv;
	a->text[0] = '\0';
	for (size_t i = 0; i < res->naddrs; i++)
		off += (size_t)snprintf(a->text + off, sizeof(a->text) - off,
		    "%s ", res->addrs[i].addr);
	for (size_t i = 0; i < res->nsrv; i++)
		off += (size_t)snprintf(a->text + off, sizeof(a->text) - off,
		    "%s:%u(%s) ", res->srv[i].target, res->srv[i].port,
		    res->srv[i].addr);
	if (a->free_me != NULL) {
		dns_free(a->free_me);
		pending--;
	}
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

static void
test_lookups(const char *server)
{
	struct answer a = { 0 }, srv = { 0 }, nx = { 0 }, empty = { 0 };
	struct answer silent = { 0 };
	char err[DNS_ERR_MAX];
	struct dns *d;
	uint64_t t0;

	d = dns_new(loop, server, 300, 1, err, sizeof(err));
	T_CHECK(d != NULL, "dns_new: %s", err);
	if (d == NULL)
		return;
	dns_query_a(d, "web.service.consul", answered, &a);
	dns_query_srv(d, "web.service.consul", answered, &srv);
	dns_query_a(d, "nx.service.consul", answered, &nx);
	dns_query_srv(d, "empty.service.consul", answered, &empty);
	dns_query_a(d, "silent.service.consul", answered, &silent);
	pending += 5;
	T_EQ_INT(dns_pending(d), 5);
	t0 = mono_ms();
	run();
	T_EQ_INT(a.calls, 1);
	T_EQ_INT(a.status, DNS_OK);
	T_EQ_STR(a.text, "127.0.0.2 127.0.0.3 ");
	T_EQ_INT(srv.status, DNS_OK);
	T_EQ_STR(srv.text,
	    "a.node.dc1.consul:8080(10.1.0.1) "
	    "b.node.dc1.consul:8081() ");
	T_EQ_INT(nx.status, DNS_NOTFOUND);
	T_ASSERT(strstr(nx.errmsg, "nx.service.consul A") != NULL);
	T_EQ_INT(empty.status, DNS_NODATA);
	T_EQ_INT(empty.n, 0);
	T_EQ_INT(silent.calls, 1);
	T_EQ_INT(silent.status, DNS_ERROR);
	T_CHECK(strstr(silent.errmsg, "imeout") != NULL, "%s", silent.errmsg);
	T_ASSERT(mono_ms() - t0 >= 250);
	T_EQ_INT(dns_pending(d), 0);
	dns_free(d);
}

/* Freeing the resolver from a callback cancels the other query. */
static void
test_free_in_callback(const char *server)
{
	struct answer first = { 0 }, second = { 0 };
	char err[DNS_ERR_MAX];
	struct dns *d;

	d = dns_new(loop, server, 300, 1, err, sizeof(err));
	T_NOT_NULL(d);
	if (d == NULL)
		return;
	first.free_me = d;
	dns_query_a(d, "web.service.consul", answered, &first);
	dns_query_a(d, "silent.service.consul", answered, &second);
	pending += 2;
	run();
	T_EQ_INT(first.calls, 1);
	T_EQ_INT(second.calls, 0);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts the space-separated words of text in place (order is random). */
static void
sort_words(char *text)
{
	char *words[16], *copy = xstrdup(text), *rest = copy, *w;
	size_t n = 0, off = 0, len = strlen(text) + 1;

	while (rest != NULL && n < 16) {
		w = strsep(&rest, " ");
		if (*w != '\0')
			words[n++] = w;
	}
	qsort(words, n, sizeof(words[0]), cmp_str);
	text[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(text + off, len - off, "%s ", words[i]);
	free(copy);
}

static void
test_consul(const char *server)
{
	struct answer a = { 0 }, srv = { 0 }, tag = { 0 }, nx = { 0 };
	struct dns_opts o = { .timeout_ms = 1000 };
	char err[DNS_ERR_MAX];
	struct dns *d;

	printf("consul lookups against %s\n", server);
	d = dns_new(loop, server, 1000, 2, err, sizeof(err));
	T_CHECK(d != NULL, "dns_new: %s", err);
	if (d == NULL)
		return;
	dns_query_a(d, "web.service.consul", answered, &a);
	dns_query_srv(d, "web.service.consul", answered, &srv);
	dns_query_a(d, "primary.web.service.consul", answered, &tag);
	dns_query_srv(d, "nope.service.consul", answered, &nx);
	pending += 4;
	run();
	T_CHECK(a.status == DNS_OK, "A: %s", a.errmsg);
	sort_words(a.text);
	T_EQ_STR(a.text, "127.0.0.10 127.0.0.9 ");
	T_CHECK(srv.status == DNS_OK, "SRV: %s", srv.errmsg);
	T_EQ_INT(srv.n, 2);
	sort_words(srv.text);
	/* Consul names a service address target <hex ip>.addr.<dc>.consul. */
	T_EQ_STR(srv.text,
	    "7f000009.addr.dc1.consul:8080(127.0.0.9) "
	    "7f00000a.addr.dc1.consul:8081(127.0.0.10) ");
	T_CHECK(tag.status == DNS_OK, "tag: %s", tag.errmsg);
	T_EQ_STR(tag.text, "127.0.0.9 ");
	T_EQ_INT(nx.status, DNS_NOTFOUND);
	dns_free(d);

	/*
	 * Over UDP Consul answers with at most udp_answer_limit (3) records;
	 * over TCP with all five.
	 */
	memset(&a, 0, sizeof(a));
	memset(&srv, 0, sizeof(srv));
	d = dns_new(loop, server, 1000, 2, err, sizeof(err));
	T_NOT_NULL(d);
	if (d == NULL)
		return;
	dns_query_a(d, "many.service.consul", answered, &a);
	pending++;
	run();
	T_EQ_INT(a.status, DNS_OK);
	T_EQ_INT(a.n, 3);
	dns_free(d);
	o.server = server;
	o.tcp = true;
	d = dns_new_opts(loop, &o, err, sizeof(err));
	T_NOT_NULL(d);
	if (d == NULL)
		return;
	dns_query_a(d, "many.service.consul", answered, &a);
	dns_query_srv(d, "many.service.consul", answered, &srv);
	pending += 2;
	run();
	T_EQ_INT(a.status, DNS_OK);
	sort_words(a.text);
	T_EQ_STR(a.text, "127.0.1.1 127.0.1.2 127.0.1.3 127.0.1.4 127.0.1.5 ");
	T_EQ_INT(srv.n, 5);
	dns_free(d);
}

/* Over TCP every record comes back. */
static void
test_tcp(const char *server)
{
	struct dns_opts o
	    = { .server = server, .timeout_ms = 1000, .tcp = true };
	struct answer a = { 0 }, srv = { 0 };
	char err[DNS_ERR_MAX];
	struct dns *d;

	d = dns_new_opts(loop, &o, err, sizeof(err));
	T_CHECK(d != NULL, "dns_new_opts: %s", err);
	if (d == NULL)
		return;
	dns_query_a(d, "web.service.consul", answered, &a);
	dns_query_srv(d, "web.service.consul", answered, &srv);
	pending += 2;
	run();
	T_EQ_INT(a.status, DNS_OK);
	T_EQ_STR(a.text, "127.0.0.2 127.0.0.3 127.0.0.4 ");
	T_EQ_STR(srv.text,
	    "a.node.dc1.consul:8080(10.1.0.1) "
	    "b.node.dc1.consul:8081() ");
	T_EQ_INT(tcp_queries, 2);
	dns_free(d);
}

/*
 * Binds a UDP and a TCP socket to one free loopback port; returns 0 and
 * the two fds, or -1.
 */
static int
bind_pair(int *udp, int *tcp, int *port)
{
	struct sockaddr_in sin;
	socklen_t slen;

	for (int tries = 0; tries < 20; tries++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		slen = sizeof(sin);
		*udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		*tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (*udp != -1 && *tcp != -1
		    && bind(*udp, (struct sockaddr *)&sin, sizeof(sin)) == 0
		    && getsockname(*udp, (struct sockaddr *)&sin, &slen) == 0
		    && bind(*tcp, (struct sockaddr *)&sin, sizeof(sin)) == 0
		    && listen(*tcp, 4) == 0) {
			*port = ntohs(sin.sin_port);
			return 0;
		}
		if (*udp != -1)
			close(*udp);
		if (*tcp != -1)
			close(*tcp);
	}
	return -1;
}

int
main(void)
{
	char server[64], err[DNS_ERR_MAX];
	int udp, tcp, port;

	loop = loop_new();
	T_NOT_NULL(loop);
	if (loop == NULL || bind_pair(&udp, &tcp, &port) == -1) {
		T_CHECK(0, "no loop or no port for the responder");
		return test_report();
	}
	loop_timer_init(&guard, guard_fired, NULL);
	T_EQ_INT(loop_fd_add(loop, udp, LOOP_READ, udp_responder, NULL), 0);
	T_EQ_INT(loop_fd_add(loop, tcp, LOOP_READ, tcp_accept, NULL), 0);
	snprintf(server, sizeof(server), "127.0.0.1:%d", port);

	T_NULL(dns_new(loop, "not an address", 0, 0, err, sizeof(err)));
	T_ASSERT(strstr(err, "not an address") != NULL);
	test_lookups(server);
	test_free_in_callback(server);
	T_ASSERT(queries_seen >= 6);
	T_EQ_INT(tcp_queries, 0);
	test_tcp(server);
	if (getenv("TEST_DNS_CONSUL") != NULL)
		test_consul(getenv("TEST_DNS_CONSUL"));

	loop_fd_del(loop, udp);
	loop_fd_del(loop, tcp);
	close(udp);
	close(tcp);
	loop_free(loop);
	return test_report();
}
