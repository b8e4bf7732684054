/* SPDX-License-Identifier: MIT */
/*
 * A Sentry client: DSN parsing, an event builder that keeps every part
 * within Sentry's size limits, envelope serialisation, rate-limit header
 * parsing, and a transport on the event loop with a bounded in-memory
 * queue.  It knows nothing of Docker or templates: callers build events
 * and hand them over.
 *
 * Protocol sources (Sentry developer documentation, develop.sentry.dev):
 * sdk/foundations/transport/authentication (DSN, X-Sentry-Auth),
 * sdk/data-model/envelopes and envelope-items (framing, size limits),
 * sdk/data-model/event-payloads (event fields), and
 * sdk/expected-features/rate-limiting (429, Retry-After,
 * X-Sentry-Rate-Limits).
 *
 * Secrets: the DSN's public key (and the deprecated secret key) are copied
 * into heap strings that are wiped with explicit_bzero when freed.  Nothing
 * here formats them into an error message.
 */
#ifndef SENTRY_H
#define SENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"

struct loop;
struct http;
struct sentry;
struct sentry_event;

#define SENTRY_ERR_MAX 256
#define SENTRY_EVENT_MAX (1024u * 1024) /* event item, envelopes.mdx */
#define SENTRY_ENVELOPE_MAX (SENTRY_EVENT_MAX + 4096)
#define SENTRY_MESSAGE_MAX 8192 /* Relay truncates logentry here */
#define SENTRY_TAG_KEY_MAX 32
#define SENTRY_TAG_VALUE_MAX 200
#define SENTRY_CONTEXT_MAX 8192 /* one context object, serialised */
#define SENTRY_EXTRA_ITEM_MAX 16384 /* one extra value, serialised */
#define SENTRY_EXTRA_MAX (256u * 1024) /* the whole extra object */
#define SENTRY_QUEUE_DEFAULT 64
#define SENTRY_TIMEOUT_DEFAULT_MS 15000
#define SENTRY_RETRY_DELAY_MS 1000 /* before the one connection retry */
#define SENTRY_RATE_LIMIT_DEFAULT_MS 60000 /* a bare 429 */

/*
 * A parsed DSN.  Every string is owned by the struct and released (keys
 * wiped) by sentry_dsn_clear().
 */
struct sentry_dsn {
	char *scheme; /* "http" or "https" */
	char *public_key; /* secret: never log */
	char *secret_key; /* deprecated; NULL when absent; secret */
	char *host; /* as written, "[::1]" brackets included */
	char *port; /* NULL when absent */
	char *path; /* prefix, "" or "/a/b" without trailing '/' */
	char *project_id;
	char *envelope_url; /* scheme://host[:port]path/api/id/envelope/ */
	char *dsn; /* the DSN as given; holds the key: never log */
};

/*
 * Parses scheme://PUBLIC_KEY[:SECRET]@HOST[:PORT]/[PATH/]PROJECT_ID into
 * dsn (left untouched on failure).  The scheme must be http or https.
 * Pure: returns 0, or -1 with err filled; err never contains the key.
 */
int sentry_dsn_parse(const char *s, struct sentry_dsn *dsn, char *err,
    size_t errlen);
/* Wipes the keys and frees every string; a zeroed struct is fine. */
void sentry_dsn_clear(struct sentry_dsn *dsn);
/*
 * Writes the X-Sentry-Auth value "Sentry sentry_version=7,
 * sentry_client=NAME/VERSION, sentry_key=KEY[, sentry_secret=SECRET]" to
 * out (appended; out's cap applies).  The result holds the key: wipe it
 * (explicit_bzero) before releasing the buffer.  Returns 0 or -1.
 */
int sentry_auth_header(const struct sentry_dsn *dsn, const char *client,
    struct buf *out);

enum sentry_level {
	SENTRY_LEVEL_FATAL,
	SENTRY_LEVEL_ERROR,
	SENTRY_LEVEL_WARNING,
	SENTRY_LEVEL_INFO,
	SENTRY_LEVEL_DEBUG,
};

/*
 * Data categories for rate limits (rate-limiting.mdx): an event with an
 * exception is an "error" event, any other event is "default".
 */
enum sentry_category {
	SENTRY_CATEGORY_ALL, /* the implicit "all" category */
	SENTRY_CATEGORY_DEFAULT,
	SENTRY_CATEGORY_ERROR,
	SENTRY_CATEGORY_MAX,
};

/*
 * Creates an event with a random event_id (32 lowercase hex, a UUID v4
 * from getrandom), the current time as timestamp, platform "other" (a
 * value from Relay's list: the crash is not our own native code), the
 * level, logger and formatted message (cut to SENTRY_MESSAGE_MAX bytes).
 * logger and message are copied and may be NULL.  Owned by the caller:
 * release with sentry_event_free() or hand over to sentry_capture().
 */
struct sentry_event *sentry_event_new(enum sentry_level level,
    const char *logger, const char *message);
void sentry_event_free(struct sentry_event *ev);
/* The event's id (32 hex), borrowed for the event's lifetime. */
const char *sentry_event_id(const struct sentry_event *ev);
enum sentry_category sentry_event_category(const struct sentry_event *ev);

/*
 * Top-level string attributes: server_name (the host that saw the
 * failure), release, environment (Sentry's default is "production").  The
 * value is copied, made valid UTF-8, put on one line and cut to 200
 * bytes.  A NULL value removes the attribute.
 */
void sentry_event_set_server_name(struct sentry_event *ev, const char *v);
void sentry_event_set_release(struct sentry_event *ev, const char *v);
void sentry_event_set_environment(struct sentry_event *ev, const char *v);
/* Replaces the timestamp; unix_s is seconds since the epoch (tests). */
void sentry_event_set_timestamp(struct sentry_event *ev, double unix_s);
/*
 * Adds an exception value (exception.mdx) with type, value and a
 * mechanism of mechanism_type, handled or not; makes the event an "error"
 * event.  Strings are copied; value is cut to SENTRY_MESSAGE_MAX.
 */
void sentry_event_set_exception(struct sentry_event *ev, const char *type,
    const char *value, const char *mechanism_type, bool handled);
/*
 * Sets a tag.  The key is sanitised (every byte outside [a-zA-Z0-9_.:-]
 * becomes '_') and cut to SENTRY_TAG_KEY_MAX; the value's newlines become
 * spaces and it is cut to SENTRY_TAG_VALUE_MAX bytes on a UTF-8 boundary.
 * Replaces an earlier tag with the same sanitised key.  Returns -1 (and
 * sets nothing) for an empty key or a NULL value.
 */
int sentry_event_set_tag(struct sentry_event *ev, const char *key,
    const char *value);
/* Appends a fingerprint part (copied). */
void sentry_event_add_fingerprint(struct sentry_event *ev, const char *part);
/*
 * Sets contexts[name] to obj, which is consumed (freed on failure too).
 * obj must be a JSON object.  If its serialisation exceeds
 * SENTRY_CONTEXT_MAX, its longest strings are cut (never its structure);
 * if it still does not fit, it is dropped and -1 returned with err
 * filled.
 */
int sentry_event_set_context(struct sentry_event *ev, const char *name,
    cJSON *obj, char *err, size_t errlen);
/*
 * Sets extra[key] to value (consumed), cut like a context to
 * SENTRY_EXTRA_ITEM_MAX; fails with -1 if it cannot fit, or if the whole
 * extra object would exceed SENTRY_EXTRA_MAX.
 */
int sentry_event_set_extra(struct sentry_event *ev, const char *key,
    cJSON *value, char *err, size_t errlen);

/*
 * Serialises the event payload (compact JSON) into out, which is reset
 * first.  If the event exceeds SENTRY_EVENT_MAX its longest strings are
 * cut until it fits.  Returns 0, or -1 with err filled.
 */
int sentry_event_serialize(const struct sentry_event *ev, struct buf *out,
    char *err, size_t errlen);

/*
 * Writes one envelope holding one event item to out (reset first):
 *	{"event_id":ID,"dsn":DSN,"sent_at":RFC3339}\n
 *	{"type":"event","length":N}\n
 *	<N bytes of payload>\n
 * dsn may be NULL (no dsn header).  sent_at_ms is wall-clock milliseconds
 * since the epoch.  payload is borrowed.  Returns 0, or -1 with err
 * filled (out's cap).
 */
int sentry_envelope(const char *event_id, const char *dsn, int64_t sent_at_ms,
    const char *payload, size_t payload_len, struct buf *out, char *err,
    size_t errlen);

/*
 * Rate limits per category, as monotonic deadlines in milliseconds (0:
 * none).  Zero-initialise.
 */
struct sentry_limits {
	uint64_t until_ms[SENTRY_CATEGORY_MAX];
};

/*
 * Applies one response (rate-limiting.mdx, stage 1 and 2): the
 * X-Sentry-Rate-Limits value on any status; else on a 429 Retry-After
 * (seconds; anything else counts as 60 s) for all categories; else on a
 * 429, 60 s for all.  Unknown categories are ignored, a quota naming only
 * unknown categories is ignored, and a category keeps its longest limit.
 * Either header may be NULL.  Returns true when a limit was applied.
 */
bool sentry_limits_update(struct sentry_limits *limits, long status,
    const char *rate_limits, const char *retry_after, uint64_t now_ms);
/* When the category (or "all") is limited at now_ms, its end; else 0. */
uint64_t sentry_limits_until(const struct sentry_limits *limits,
    enum sentry_category cat, uint64_t now_ms);

/*
 * Cuts text that is longer than max bytes, keeping its end (a log tail's
 * newest lines), starting after a newline when one is near, on a UTF-8
 * boundary, prefixed by "[... N bytes cut]\n".  Owned by the caller
 * (free(3)); text shorter than max is copied as is.
 */
char *sentry_truncate_tail(const char *text, size_t max);

/* The transport. */
struct sentry_opts {
	const char *dsn; /* borrowed during sentry_new() */
	const char *client; /* "name/version", borrowed likewise */
	size_t queue_max; /* 0: SENTRY_QUEUE_DEFAULT */
	uint64_t timeout_ms; /* per request; 0: default */
	const char *ca_file; /* NULL: system store */
};

struct sentry_counters {
	uint64_t sent; /* accepted with a 2xx */
	uint64_t dropped_queue_full;
	uint64_t dropped_rate_limited; /* at capture or by a 429 */
	uint64_t failed; /* refused, unreachable, or left at flush */
};

/*
 * Creates a client sending through http (borrowed; it must outlive the
 * client: free the client first).  opts->dsn and opts->client are
 * required: a daemon without a DSN simply creates no client (reporting
 * off).  Registers the DSN's keys with log_add_secret().  Returns NULL
 * with err filled (never holding the key) for a malformed DSN.
 */
struct sentry *sentry_new(struct loop *loop, struct http *http,
    const struct sentry_opts *opts, char *err, size_t errlen);
/* Cancels the request in flight, drops the queue, wipes the keys. */
void sentry_free(struct sentry *sentry);

/*
 * Queues ev (consumed in every case) for sending; never blocks.  Returns
 * 0 when queued, or -1 when it was dropped: its category is rate limited,
 * the queue is full, or it cannot be serialised; the counters say which.
 * Events already queued when a limit arrives wait for it to end.
 */
int sentry_capture(struct sentry *sentry, struct sentry_event *ev);

/*
 * Called once by sentry_flush(), from the loop, with the number of events
 * that were given up (0: everything was delivered or refused).
 */
typedef void sentry_flush_cb(struct sentry *sentry, size_t unsent, void *arg);

/*
 * Sends what is queued and calls done once the queue is empty and no
 * request is in flight, or after deadline_ms (relative), whichever comes
 * first; at the deadline the request in flight is cancelled and the queue
 * dropped (counted as failed).  Queued events whose category is rate
 * limited are dropped at once.  A second call replaces the first's
 * callback.
 */
void sentry_flush(struct sentry *sentry, uint64_t deadline_ms,
    sentry_flush_cb *done, void *arg);

/* Borrowed; valid until sentry_free(). */
const struct sentry_counters *sentry_counters(const struct sentry *sentry);
/* Events waiting in the queue, the one in flight included. */
size_t sentry_queued(const struct sentry *sentry);

#endif
