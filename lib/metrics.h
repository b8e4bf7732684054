/* SPDX-License-Identifier: MIT */
/*
 * A registry of counters, gauges and histograms, rendered in the
 * Prometheus text exposition format 0.0.4.  Labels are kept simple: a
 * series is a family name plus at most one fixed label pair
 * (template="nginx"), given when the series is registered.
 *
 * Naming follows Prometheus: counters are rendered with a "_total"
 * suffix (added unless the name already has it), and times are measured
 * in seconds with names ending in "_seconds".  Registration is meant for
 * start-up and reload: a malformed name, a label called "le" on a
 * histogram, or re-registering a name with another type is a programming
 * error and calls fatalx().  Updating and rendering never fail except for
 * the output buffer's cap.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct metrics;
struct metric;

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define BUF_MAX_METRICS (1024u * 1024) /* a rendered /metrics page */

/* Default histogram buckets for durations in seconds (Prometheus'). */
extern const double metrics_seconds_buckets[];
extern const size_t metrics_seconds_nbuckets;
/*
 * Buckets for latencies measured in milliseconds, from 0.5 ms to 2.5 s:
 * the defaults start at 5 ms, too coarse for a 2 ms goal.
 */
extern const double metrics_latency_buckets[];
extern const size_t metrics_latency_nbuckets;

/* Returns an empty registry; free with metrics_free(). */
struct metrics *metrics_new(void);
/* Frees the registry and every series; accepts NULL. */
void metrics_free(struct metrics *m);

/*
 * Registers a series and returns it, borrowed from the registry until
 * metrics_free().  name and help are copied; label and value (both NULL
 * for a series without labels) are copied, the value escaped for the
 * exposition format.  Registering the same name and label value again
 * returns the existing series, so callers may look series up this way.
 * Series of one family share its help text and type.
 */
struct metric *metrics_counter(struct metrics *m, const char *name,
    const char *help, const char *label, const char *value);
struct metric *metrics_gauge(struct metrics *m, const char *name,
    const char *help, const char *label, const char *value);
/*
 * As above, with nbounds finite, strictly increasing upper bounds (copied;
 * the +Inf bucket is implicit).  Bounds of an existing family are reused.
 */
struct metric *metrics_histogram(struct metrics *m, const char *name,
    const char *help, const char *label, const char *value,
    const double *bounds, size_t nbounds);

/*
 * A counter or gauge whose value is kept elsewhere and read with
 * read(arg) each time the page is rendered (the loop's wake-ups, /proc
 * figures), as Prometheus' CounterFunc and GaugeFunc.  read must be cheap,
 * must not block and must not log; arg is borrowed and must outlive the
 * registry's last render.  Registering the name again returns the existing
 * series and keeps its reader.  metrics_add() and metrics_set() on such a
 * series are ignored.
 */
typedef double metrics_read_cb(const void *arg);
struct metric *metrics_counter_func(struct metrics *m, const char *name,
    const char *help, metrics_read_cb *read, const void *arg);
struct metric *metrics_gauge_func(struct metrics *m, const char *name,
    const char *help, metrics_read_cb *read, const void *arg);

/*
 * The standard process series of Prometheus' client libraries, read from
 * /proc/self at each render: process_cpu_seconds_total,
 * process_resident_memory_bytes, process_virtual_memory_bytes and
 * process_open_fds.  A file that cannot be read gives NaN.
 */
void metrics_process_add(struct metrics *m);

/*
 * Pure parsers behind metrics_process_add(), for tests.  stat is the text
 * of /proc/<pid>/stat (len bytes, need not be NUL-terminated): the command
 * name in parentheses may hold spaces and ')', so fields are counted from
 * the last ')'.  Sets *cpu_ticks to utime + stime in clock ticks.  statm is
 * /proc/<pid>/statm: *size_pages and *resident_pages are its first two
 * fields.  Both return 0, or -1 with err filled and the outputs untouched.
 */
int metrics_parse_stat(const char *stat, size_t len,
    unsigned long long *cpu_ticks, char *err, size_t errlen);
int metrics_parse_statm(const char *statm, size_t len,
    unsigned long long *size_pages, unsigned long long *resident_pages,
    char *err, size_t errlen);

/* Counter: adds 1, or v >= 0 (a negative v is ignored). */
void metrics_inc(struct metric *s);
void metrics_add(struct metric *s, double v);
/* Gauge: sets the value, or moves it by v. */
void metrics_set(struct metric *s, double v);
void metrics_gauge_add(struct metric *s, double v);
/* Histogram: records one observation. */
void metrics_observe(struct metric *s, double v);
/* Counter or gauge value; a histogram's sum. */
double metrics_value(const struct metric *s);
/* Histogram observation count (0 for other types). */
uint64_t metrics_count(const struct metric *s);

/*
 * Appends the exposition text of every family, in registration order, to
 * out.  Returns 0, or -1 when out's cap is reached (out then holds a cut
 * page that must not be served).
 */
int metrics_render(const struct metrics *m, struct buf *out);

#endif
