/* SPDX-License-Identifier: MIT */
/*
 * The templater daemon's private interfaces, in data-flow order: watch.c
 * keeps one Consul blocking query per dependency and the last answer of
 * each (the "brain"); render.c re-executes the templates whose
 * dependencies changed and decides when a result may be written
 * (quiescence); out.c validates, swaps, reloads and rolls back.  The
 * template language itself is tmpl.h's.
 */
#ifndef TEMPLATER_H
#define TEMPLATER_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "loop.h"
#include "tmpl.h"

struct http;

/* watch.c */

#define WATCH_WAIT_DEFAULT_MS	60000	/* blocking wait sent to Consul */
#define WATCH_MAX_STALE_DEFAULT_MS 2000	/* consul-template's default */
#define WATCH_MAX_CONNS_DEFAULT	50	/* well under Consul's 200 per client */
#define WATCH_BODY_MAX		(32u * 1024 * 1024)	/* one answer */
#define WATCH_URL_MAX		(8u * 1024)

/* Borrowed by watch_set_new(), which copies what it keeps. */
struct watch_conf {
	const char	*addr;		/* "host:port" or a full http(s) URL */
	const char	*token;		/* ACL token or NULL; never logged */
	uint64_t	 wait_ms;	/* blocking wait; 0 = default */
	uint64_t	 max_stale_ms;	/* 0 = consistent reads only */
	unsigned	 max_conns;	/* requests in flight; 0 = default */
};

/* Counters for /metrics; read with watch_set_stats(). */
struct watch_stats {
	unsigned	 watches;	/* distinct dependencies watched */
	unsigned	 in_flight;	/* requests started, not answered */
	unsigned	 failing;	/* watches whose last attempt failed */
	uint64_t	 requests;	/* requests started */
	uint64_t	 errors;	/* requests that failed */
};

struct watch_set;

/*
 * Creates the set of watches on loop, talking to Consul through http
 * (borrowed; it must outlive the set and should have been created with
 * the same connection cap).  Returns a set owned by the caller
 * (watch_set_free), or NULL with err filled when conf is unusable.
 */
struct watch_set *watch_set_new(struct loop *loop, struct http *http,
		    const struct watch_conf *conf, char *err, size_t errlen);
/* Cancels every request and frees all data; NULL is accepted. */
void		 watch_set_free(struct watch_set *set);

/*
 * Makes sure dep (borrowed, a canonical dependency string from
 * tmpl_deps) is watched: a new one is queued for its first request.
 * Returns 0, or -1 with err filled when dep has no Consul endpoint.
 */
int		 watch_add(struct watch_set *set, const char *dep, char *err,
		    size_t errlen);
/*
 * tmpl_lookup_cb over a struct watch_set: the data of dep, borrowed until
 * the loop runs again, or NULL when there is none yet.
 */
const cJSON	*watch_lookup(void *set, const char *dep);
/*
 * The generation of dep's data: 0 before its first answer, then a value
 * that changes every time the data changes (file(...) dependencies: every
 * time the file's mtime, size or inode changes).
 */
uint64_t	 watch_generation(const struct watch_set *set, const char *dep);
/*
 * A counter bumped on every change of any dependency, so a caller can
 * tell cheaply that nothing happened since it last looked.
 */
uint64_t	 watch_set_generation(const struct watch_set *set);

/*
 * Mark and sweep of dependencies nobody uses any more: watch_unmark_all(),
 * then watch_mark() for each dependency still used, then watch_sweep()
 * cancels and frees the others.
 */
void		 watch_unmark_all(struct watch_set *set);
void		 watch_mark(struct watch_set *set, const char *dep);
void		 watch_sweep(struct watch_set *set);

void		 watch_set_stats(const struct watch_set *set,
		    struct watch_stats *st);

#endif
