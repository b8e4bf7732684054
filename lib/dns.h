/* SPDX-License-Identifier: MIT */
/*
 * DNS queries on the event loop with c-ares, against one given server
 * (Consul's DNS interface: "127.0.0.1:8600"), never the system resolver.
 * A and SRV records are asked for and handed back parsed; for SRV, the
 * addresses of the targets found in the additional section come along.
 * c-ares 1.18.1 is driven the old way: ARES_OPT_SOCK_STATE_CB adds and
 * removes loop fds, ares_timeout() sets one loop timer, ready fds and the
 * timer call ares_process_fd().
 */
#ifndef DNS_H
#define DNS_H

#include <netinet/in.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct dns;

#define DNS_ERR_MAX 256
#define DNS_NAME_MAX 256
#define DNS_ADDRS_MAX 64 /* A records kept per answer */
#define DNS_TIMEOUT_MS 2000u /* per try */

enum dns_status {
	DNS_OK,
	DNS_NOTFOUND, /* NXDOMAIN */
	DNS_NODATA, /* the name exists, no record of this type */
	DNS_ERROR, /* timeout, refused, malformed answer... */
};

struct dns_addr {
	char addr[INET6_ADDRSTRLEN];
	unsigned ttl;
};

struct dns_srv {
	char target[DNS_NAME_MAX]; /* without the final dot */
	uint16_t priority;
	uint16_t weight;
	uint16_t port;
	/* The target's A record from the additional section, or "". */
	char addr[INET6_ADDRSTRLEN];
};

/* Valid only during the callback. */
struct dns_result {
	enum dns_status status;
	char errmsg[DNS_ERR_MAX]; /* "" when status is DNS_OK */
	const char *name; /* the name asked for */
	size_t naddrs; /* A query */
	const struct dns_addr *addrs;
	size_t nsrv; /* SRV query, in answer order */
	const struct dns_srv *srv;
};

typedef void dns_done_cb(const struct dns_result *res, void *arg);

/* Borrowed for the duration of dns_new_opts() only. */
struct dns_opts {
	/* "host:port", "[v6]:port" or "host" (port 53), numeric only. */
	const char *server;
	uint64_t timeout_ms; /* per try; 0: DNS_TIMEOUT_MS */
	unsigned tries; /* 0: 2 */
	/*
	 * Ask over TCP.  Over UDP Consul returns at most udp_answer_limit
	 * (default 3) records per answer; over TCP it returns them all.  A
	 * truncated UDP answer is retried over TCP by c-ares in any case.
	 */
	bool tcp;
};

/*
 * Creates a resolver on loop that asks only opts->server.  Returns it
 * (free with dns_free) or NULL with err filled.
 */
struct dns *dns_new_opts(struct loop *loop, const struct dns_opts *opts,
    char *err, size_t errlen);
/* The same over UDP: dns_new_opts() with server, timeout_ms and tries. */
struct dns *dns_new(struct loop *loop, const char *server, uint64_t timeout_ms,
    unsigned tries, char *err, size_t errlen);
/*
 * Cancels every query in flight without calling their callbacks and frees
 * the resolver; accepts NULL.  May be called from a dns callback.
 */
void dns_free(struct dns *d);

/*
 * Asks for the A or SRV records of name (copied).  cb runs exactly once
 * with the outcome, from the loop; when the query cannot even be sent
 * (bad name) it runs before the function returns.
 */
void dns_query_a(struct dns *d, const char *name, dns_done_cb *cb, void *arg);
void dns_query_srv(struct dns *d, const char *name, dns_done_cb *cb, void *arg);

/* Queries in flight. */
size_t dns_pending(const struct dns *d);

#endif
