/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/dns.c: c-ares on the loop against a small DNS
 * responder written here, on a loopback UDP port of the same loop, that
 * answers the way Consul's DNS interface does (A records; SRV records
 * with the targets' A records in the additional section; NXDOMAIN; an
 * empty NOERROR).  One name is never answered, to see the timeout.
 *
 * With TEST_DNS_CONSUL=host:port in the environment it also asks a real
 * Consul agent's DNS interface about the services tests/regress/
 * dns_consul.sh registers there: "web" twice (127.0.0.9:8080 tagged
 * primary, 127.0.0.10:8081 tagged backup).
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

static void
responder(struct loop *l, int fd, unsigned events, void *arg)
{
	unsigned char q[512], r[1024];
	char name[256];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n;
	size_t pos = 12, nl = 0, len;
	unsigned qtype, an = 0, ar = 0, rcode = 0;

	(void)l;
	(void)events;
	(void)arg;
	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fromlen);
	if (n < 17)
		return;
	queries_seen++;
	while (
	    pos < (size_t)n && q[pos] != 0 && nl + q[pos] + 1 < sizeof(name)) {
		if (nl > 0)
			name[nl++] = '.';
		memcpy(name + nl, q + pos + 1, q[pos]);
		nl += q[pos];
		pos += q[pos] + 1u;
	}
	name[nl] = '\0';
	pos++;
	if (pos + 4 > (size_t)n)
		return;
	qtype = (unsigned)q[pos] << 8 | q[pos + 1];
	pos += 4;
	if (strcmp(name, "silent.service.consul") == 0)
		return;

	memcpy(r, q, pos); /* header and question */
	len = pos;
	if (strcmp(name, "web.service.consul") == 0 && qtype == 1) {
		r[len++] = 0xc0;
		r[len++] = 12;
		len = put_a(r, len, "127.0.0.2");
		r[len++] = 0xc0;
		r[len++] = 12;
		len = put_a(r, len, "127.0.0.3");
		an = 2;
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
	sendto(fd, r, len, 0, (struct sockaddr *)&from, fromlen);
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
}

int
main(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	char server[64], err[DNS_ERR_MAX];
	int fd;

	loop = loop_new();
	T_NOT_NULL(loop);
	if (loop == NULL)
		return test_report();
	loop_timer_init(&guard, guard_fired, NULL);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	T_ASSERT(fd != -1);
	T_EQ_INT(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	T_EQ_INT(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	T_EQ_INT(loop_fd_add(loop, fd, LOOP_READ, responder, NULL), 0);
	snprintf(server, sizeof(server), "127.0.0.1:%d", ntohs(sin.sin_port));

	T_NULL(dns_new(loop, "not an address", 0, 0, err, sizeof(err)));
	T_ASSERT(strstr(err, "not an address") != NULL);
	test_lookups(server);
	test_free_in_callback(server);
	T_ASSERT(queries_seen >= 6);
	if (getenv("TEST_DNS_CONSUL") != NULL)
		test_consul(getenv("TEST_DNS_CONSUL"));

	loop_fd_del(loop, fd);
	close(fd);
	loop_free(loop);
	return test_report();
}
