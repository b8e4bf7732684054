/* SPDX-License-Identifier: MIT */
/*
 * A and SRV lookups through c-ares on the daemon's loop, used by
 * "registrator dns-check" to ask Consul's DNS interface what it answers
 * for the services this host registered.  c-ares tells us which sockets
 * to watch (sock_state_cb) and when it next needs a timeout pass
 * (ares_timeout); both are loop registrations embedded in struct dns.
 * Every call into c-ares is bracketed so that a callback may free the
 * resolver: the real teardown waits until the outermost call returns.
 * c-ares' SRV parser ignores the additional section, so the A records
 * Consul puts there for the targets are read here with ares_expand_name.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "log.h"
#include "loop.h"
#include "xmalloc.h"

struct dns {
	struct loop *loop;
	ares_channel channel;
	bool channel_ok;
	struct loop_timer timer;
	size_t pending;
	int depth; /* nested calls into c-ares */
	bool dying; /* dns_free() asked from inside a call */
};

struct dns_query {
	struct dns *d;
	dns_done_cb *cb;
	void *arg;
	int type;
	char *name;
};

static void
dns_destroy(struct dns *d)
{
	d->dying = true;
	if (d->channel_ok)
		ares_destroy(d->channel);
	loop_timer_stop(d->loop, &d->timer);
	ares_library_cleanup();
	free(d);
}

static void
dns_enter(struct dns *d)
{
	d->depth++;
}

/* Leaves a call into c-ares; d may be gone afterwards. */
static void
dns_leave(struct dns *d)
{
	struct timeval tvbuf, *tv;
	uint64_t ms;

	if (--d->depth > 0)
		return;
	if (d->dying) {
		dns_destroy(d);
		return;
	}
	if (d->pending == 0) {
		loop_timer_stop(d->loop, &d->timer);
		return;
	}
	tv = ares_timeout(d->channel, NULL, &tvbuf);
	if (tv == NULL) {
		loop_timer_stop(d->loop, &d->timer);
		return;
	}
	ms = (uint64_t)tv->tv_sec * 1000 + ((uint64_t)tv->tv_usec + 999) / 1000;
	loop_timer_start(d->loop, &d->timer, ms);
}

static void
dns_fd_ready(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct dns *d = arg;

	(void)loop;
	dns_enter(d);
	ares_process_fd(d->channel,
	    (events & LOOP_READ) != 0 ? fd : ARES_SOCKET_BAD,
	    (events & LOOP_WRITE) != 0 ? fd : ARES_SOCKET_BAD);
	dns_leave(d);
}

static void
dns_timer_fired(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct dns *d = arg;

	(void)loop;
	(void)t;
	dns_enter(d);
	ares_process_fd(d->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_leave(d);
}

static void
dns_sock_state(void *data, ares_socket_t s, int readable, int writable)
{
	struct dns *d = data;
	unsigned events
	    = (readable ? LOOP_READ : 0) | (writable ? LOOP_WRITE : 0);

	if (events == 0) {
		loop_fd_del(d->loop, s);
		return;
	}
	/* A socket we cannot watch makes its query time out. */
	if (loop_fd_add(d->loop, s, events, dns_fd_ready, d) == -1)
		log_warn("dns: cannot watch a resolver socket");
}

static enum dns_status
dns_status_of(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return DNS_OK;
	case ARES_ENOTFOUND:
		return DNS_NOTFOUND;
	case ARES_ENODATA:
		return DNS_NODATA;
	default:
		return DNS_ERROR;
	}
}

static unsigned
dns_u16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/*
 * Walks the answer to its additional section and fills the addr of each
 * SRV target that has an A record there.  Stops quietly on anything
 * malformed: the SRV records themselves were already parsed.
 */
static void
dns_srv_additional(const unsigned char *abuf, int alen, struct dns_srv *srv,
    size_t nsrv)
{
	unsigned qd, an, ns, ar, type, rdlen;
	long pos = 12, enclen;
	char *name;

	if (alen < 12)
		return;
	qd = dns_u16(abuf + 4);
	an = dns_u16(abuf + 6);
	ns = dns_u16(abuf + 8);
	ar = dns_u16(abuf + 10);
	for (unsigned i = 0; i < qd; i++) {
		if (pos >= alen
		    || ares_expand_name(abuf + pos, abuf, alen, &name, &enclen)
			!= ARES_SUCCESS)
			return;
		ares_free_string(name);
		pos += enclen + 4;
	}
	for (unsigned i = 0; i < an + ns + ar; i++) {
		if (pos >= alen
		    || ares_expand_name(abuf + pos, abuf, alen, &name, &enclen)
			!= ARES_SUCCESS)
			return;
		pos += enclen;
		if (pos + 10 > alen) {
			ares_free_string(name);
			return;
		}
		type = dns_u16(abuf + pos);
		rdlen = dns_u16(abuf + pos + 8);
		pos += 10;
		if (pos + (long)rdlen > alen) {
			ares_free_string(name);
			return;
		}
		if (i >= an + ns && type == ns_t_a && rdlen == 4)
			for (size_t j = 0; j < nsrv; j++)
				if (srv[j].addr[0] == '\0'
				    && strcasecmp(srv[j].target, name) == 0)
					inet_ntop(AF_INET, abuf + pos,
					    srv[j].addr, sizeof(srv[j].addr));
		ares_free_string(name);
		pos += rdlen;
	}
}

static void
dns_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_query *q = arg;
	struct dns *d = q->d;
	struct dns_result res = { .name = q->name };
	struct ares_addrttl ttls[DNS_ADDRS_MAX];
	struct dns_addr addrs[DNS_ADDRS_MAX];
	struct ares_srv_reply *list = NULL, *r;
	struct dns_srv *srv = NULL;
	int n = DNS_ADDRS_MAX;
	size_t nsrv = 0;

	(void)timeouts;
	d->pending--;
	if (status == ARES_EDESTRUCTION || d->dying)
		goto out;
	if (status == ARES_SUCCESS && q->type == ns_t_a) {
		status = ares_parse_a_reply(abuf, alen, NULL, ttls, &n);
		for (int i = 0; status == ARES_SUCCESS && i < n; i++) {
			inet_ntop(AF_INET, &ttls[i].ipaddr, addrs[i].addr,
			    sizeof(addrs[i].addr));
			addrs[i].ttl
			    = ttls[i].ttl > 0 ? (unsigned)ttls[i].ttl : 0;
		}
		if (status == ARES_SUCCESS) {
			res.naddrs = (size_t)n;
			res.addrs = addrs;
		}
	} else if (status == ARES_SUCCESS) {
		status = ares_parse_srv_reply(abuf, alen, &list);
		for (r = list; status == ARES_SUCCESS && r != NULL; r = r->next)
			nsrv++;
		if (status == ARES_SUCCESS && nsrv > 0) {
			srv = xcalloc(nsrv, sizeof(*srv));
			nsrv = 0;
			for (r = list; r != NULL; r = r->next, nsrv++) {
				snprintf(srv[nsrv].target,
				    sizeof(srv[nsrv].target), "%s", r->host);
				srv[nsrv].priority = r->priority;
				srv[nsrv].weight = r->weight;
				srv[nsrv].port = r->port;
			}
			dns_srv_additional(abuf, alen, srv, nsrv);
			res.nsrv = nsrv;
			res.srv = srv;
		}
	}
	res.status = dns_status_of(status);
	if (status != ARES_SUCCESS)
		snprintf(res.errmsg, sizeof(res.errmsg), "%s %s: %s", q->name,
		    q->type == ns_t_a ? "A" : "SRV", ares_strerror(status));
	q->cb(&res, q->arg);
out:
	if (list != NULL)
		ares_free_data(list);
	free(srv);
	free(q->name);
	free(q);
}

static void
dns_query(struct dns *d, const char *name, int type, dns_done_cb *cb, void *arg)
{
	struct dns_query *q = xcalloc(1, sizeof(*q));

	q->d = d;
	q->cb = cb;
	q->arg = arg;
	q->type = type;
	q->name = xstrdup(name);
	d->pending++;
	dns_enter(d);
	ares_query(d->channel, name, ns_c_in, type, dns_answer, q);
	dns_leave(d);
}

void
dns_query_a(struct dns *d, const char *name, dns_done_cb *cb, void *arg)
{
	dns_query(d, name, ns_t_a, cb, arg);
}

void
dns_query_srv(struct dns *d, const char *name, dns_done_cb *cb, void *arg)
{
	dns_query(d, name, ns_t_srv, cb, arg);
}

size_t
dns_pending(const struct dns *d)
{
	return d->pending;
}

struct dns *
dns_new(struct loop *loop, const char *server, uint64_t timeout_ms,
    unsigned tries, char *err, size_t errlen)
{
	struct dns_opts o
	    = { .server = server, .timeout_ms = timeout_ms, .tries = tries };

	return dns_new_opts(loop, &o, err, errlen);
}

struct dns *
dns_new_opts(struct loop *loop, const struct dns_opts *o, char *err,
    size_t errlen)
{
	struct ares_options opts = { 0 };
	struct dns *d, *ret = NULL;
	int rc;

	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	d->loop = loop;
	loop_timer_init(&d->timer, dns_timer_fired, d);
	opts.sock_state_cb = dns_sock_state;
	opts.sock_state_cb_data = d;
	opts.timeout = (int)(o->timeout_ms > 0 && o->timeout_ms < 600000
		? o->timeout_ms
		: DNS_TIMEOUT_MS);
	opts.tries = o->tries > 0 && o->tries < 100 ? (int)o->tries : 2;
	opts.flags = o->tcp ? ARES_FLAG_USEVC : 0;
	rc = ares_init_options(&d->channel, &opts,
	    ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES
		| ARES_OPT_FLAGS);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares init: %s", ares_strerror(rc));
		goto out;
	}
	d->channel_ok = true;
	rc = ares_set_servers_ports_csv(d->channel, o->server);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "DNS server \"%s\": %s", o->server,
		    rc == ARES_EBADSTR ? "expected a numeric address[:port]"
				       : ares_strerror(rc));
		goto out;
	}
	ret = d;
	d = NULL;
out:
	if (d != NULL)
		dns_destroy(d);
	return ret;
}

void
dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	if (d->depth > 0) {
		d->dying = true;
		return;
	}
	dns_destroy(d);
}
