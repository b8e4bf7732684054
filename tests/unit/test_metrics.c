/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/metrics.c: the exact Prometheus text a scrape sees. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "metrics.h"
#include "test.h"

static void
test_page(void)
{
	struct metrics *m = metrics_new();
	struct buf out = BUF_INITIALIZER(BUF_MAX_METRICS);
	struct metric *ev, *ren_a, *ren_b, *svc, *secs, *again;
	const double bounds[] = { 0.1, 0.5, 2 };

	ev = metrics_counter(m, "registrator_events", "Docker events seen.",
	    NULL, NULL);
	ren_a = metrics_counter(m, "templater_renders_total",
	    "Renders per template.", "template", "nginx");
	ren_b = metrics_counter(m, "templater_renders_total",
	    "Renders per template.", "template", "a\"b\\c\nd");
	svc = metrics_gauge(m, "registrator_services", "Services\nregistered.",
	    NULL, NULL);
	secs = metrics_histogram(m, "registrator_reconcile_seconds",
	    "Time spent reconciling.", NULL, NULL, bounds, 3);
	again = metrics_counter(m, "templater_renders", "Renders per template.",
	    "template", "nginx");
	T_ASSERT(again == ren_a);

	metrics_inc(ev);
	metrics_inc(ev);
	metrics_add(ev, 3);
	metrics_add(ev, -10);
	metrics_inc(ren_a);
	metrics_add(ren_b, 0.5);
	metrics_set(svc, 7);
	metrics_gauge_add(svc, -2);
	metrics_observe(secs, 0.05);
	metrics_observe(secs, 0.1);
	metrics_observe(secs, 1.25);
	metrics_observe(secs, 30);
	T_EQ_INT(metrics_value(ev), 5);
	T_EQ_INT(metrics_count(secs), 4);
	T_ASSERT(fabs(metrics_value(secs) - 31.4) < 1e-9);

	T_EQ_INT(metrics_render(m, &out), 0);
	T_EQ_STR(buf_str(&out),
	    "# HELP registrator_events_total Docker events seen.\n"
	    "# TYPE registrator_events_total counter\n"
	    "registrator_events_total 5\n"
	    "# HELP templater_renders_total Renders per template.\n"
	    "# TYPE templater_renders_total counter\n"
	    "templater_renders_total{template=\"nginx\"} 1\n"
	    "templater_renders_total{template=\"a\\\"b\\\\c\\nd\"} 0.5\n"
	    "# HELP registrator_services Services\\nregistered.\n"
	    "# TYPE registrator_services gauge\n"
	    "registrator_services 5\n"
	    "# HELP registrator_reconcile_seconds Time spent reconciling.\n"
	    "# TYPE registrator_reconcile_seconds histogram\n"
	    "registrator_reconcile_seconds_bucket{le=\"0.1\"} 2\n"
	    "registrator_reconcile_seconds_bucket{le=\"0.5\"} 2\n"
	    "registrator_reconcile_seconds_bucket{le=\"2\"} 3\n"
	    "registrator_reconcile_seconds_bucket{le=\"+Inf\"} 4\n"
	    "registrator_reconcile_seconds_sum 31.4\n"
	    "registrator_reconcile_seconds_count 4\n");

	/* A page over the cap is reported, not served cut. */
	buf_clear(&out);
	buf_init(&out, 100);
	T_EQ_INT(metrics_render(m, &out), -1);
	buf_clear(&out);
	metrics_free(m);
}

static void
test_labelled_histogram_and_numbers(void)
{
	struct metrics *m = metrics_new();
	struct buf out = BUF_INITIALIZER(BUF_MAX_METRICS);
	struct metric *h, *g;

	h = metrics_histogram(m, "templater_render_seconds", "Render time.",
	    "template", "web", metrics_seconds_buckets,
	    metrics_seconds_nbuckets);
	g = metrics_gauge(m, "templater_last_render_timestamp_seconds",
	    "Last successful render.", NULL, NULL);
	metrics_observe(h, 0.003);
	metrics_set(g, 1763914000.25);
	T_EQ_INT(metrics_render(m, &out), 0);
	T_ASSERT(
	    strstr(buf_str(&out),
		"templater_render_seconds_bucket{template=\"web\",le=\"0.005\"} 1\n"
		"templater_render_seconds_bucket{template=\"web\",le=\"0.01\"} 1\n")
	    != NULL);
	T_ASSERT(
	    strstr(buf_str(&out),
		"templater_render_seconds_bucket{template=\"web\",le=\"10\"} 1\n"
		"templater_render_seconds_bucket{template=\"web\",le=\"+Inf\"} 1\n"
		"templater_render_seconds_sum{template=\"web\"} 0.003\n"
		"templater_render_seconds_count{template=\"web\"} 1\n")
	    != NULL);
	T_ASSERT(strstr(buf_str(&out),
		     "templater_last_render_timestamp_seconds 1763914000.25\n")
	    != NULL);
	/* A URL's password never reaches the page (issue 16). */
	metrics_add(metrics_counter(m, "templater_consul_errors", "Errors.",
			"addr", "http://admin:pa55w0rd@127.0.0.1:8500"),
	    1);
	buf_reset(&out);
	T_EQ_INT(metrics_render(m, &out), 0);
	T_ASSERT(strstr(buf_str(&out),
		     "templater_consul_errors_total{addr=\"http://[redacted]@"
		     "127.0.0.1:8500\"} 1\n")
	    != NULL);
	T_ASSERT(strstr(buf_str(&out), "pa55w0rd") == NULL);

	buf_reset(&out);
	metrics_set(g, NAN);
	T_EQ_INT(metrics_render(m, &out), 0);
	T_ASSERT(strstr(buf_str(&out),
		     "templater_last_render_timestamp_seconds NaN\n")
	    != NULL);
	buf_reset(&out);
	metrics_set(g, -INFINITY);
	T_EQ_INT(metrics_render(m, &out), 0);
	T_ASSERT(strstr(buf_str(&out),
		     "templater_last_render_timestamp_seconds -Inf\n")
	    != NULL);
	buf_clear(&out);
	metrics_free(m);
}

static double
read_double(const void *arg)
{
	return *(const double *)arg;
}

/* Series read at render time follow their source, not metrics_set(). */
static void
test_func_series(void)
{
	struct metrics *m = metrics_new();
	struct buf out = BUF_INITIALIZER(BUF_MAX_METRICS);
	struct metric *c, *g;
	double wakeups = 3, fds = 7;

	c = metrics_counter_func(m, "d_loop_wakeups", "Wake-ups.", read_double,
	    &wakeups);
	g = metrics_gauge_func(m, "d_open_fds", "Fds.", read_double, &fds);
	T_ASSERT(metrics_counter_func(m, "d_loop_wakeups_total", "Wake-ups.",
		     read_double, &fds)
	    == c);
	metrics_set(g, 100);
	metrics_add(c, 100);
	wakeups = 4;
	T_EQ_INT(metrics_value(c), 4);
	T_EQ_INT(metrics_render(m, &out), 0);
	T_EQ_STR(buf_str(&out),
	    "# HELP d_loop_wakeups_total Wake-ups.\n"
	    "# TYPE d_loop_wakeups_total counter\n"
	    "d_loop_wakeups_total 4\n"
	    "# HELP d_open_fds Fds.\n"
	    "# TYPE d_open_fds gauge\n"
	    "d_open_fds 7\n");
	buf_clear(&out);
	metrics_free(m);
}

/* The latency buckets resolve the registrator's 2 ms goal. */
static void
test_latency_buckets(void)
{
	struct metrics *m = metrics_new();
	struct buf out = BUF_INITIALIZER(BUF_MAX_METRICS);
	struct metric *h;

	h = metrics_histogram(m, "x_seconds", "Latency.", NULL, NULL,
	    metrics_latency_buckets, metrics_latency_nbuckets);
	metrics_observe(h, 0.0015);
	T_EQ_INT(metrics_render(m, &out), 0);
	T_ASSERT(strstr(buf_str(&out),
		     "x_seconds_bucket{le=\"0.0005\"} 0\n"
		     "x_seconds_bucket{le=\"0.001\"} 0\n"
		     "x_seconds_bucket{le=\"0.002\"} 1\n")
	    != NULL);
	buf_clear(&out);
	metrics_free(m);
}

/* /proc/<pid>/stat and statm as the kernel writes them. */
static void
test_proc_parse(void)
{
	/* A command name with spaces and ") " in it; tpgid is -1. */
	static const char stat[] = "4242 (a) b (c) R 1 4242 4242 0 -1 "
				   "4194560 811 0 0 0 17 5 0 0 20 0 1 0 "
				   "123456 12345678 950 18446744073709551615\n";
	char err[128];
	unsigned long long ticks = 99, size = 99, res = 99;

	T_EQ_INT(metrics_parse_stat(stat, sizeof(stat) - 1, &ticks, err,
		     sizeof(err)),
	    0);
	T_EQ_INT(ticks, 22);
	/* Not NUL-terminated: only len bytes are read. */
	T_EQ_INT(metrics_parse_stat("1 (x) S 0 1 1 0 -1 0 0 0 0 0 3 4 99", 35,
		     &ticks, err, sizeof(err)),
	    0);
	T_EQ_INT(ticks, 7);
	ticks = 99;
	T_EQ_INT(
	    metrics_parse_stat("1 (x) S 0 1", 11, &ticks, err, sizeof(err)),
	    -1);
	T_EQ_STR(err, "stat: only 5 fields");
	T_EQ_INT(ticks, 99);
	T_EQ_INT(metrics_parse_stat("1 x S", 5, &ticks, err, sizeof(err)), -1);
	T_EQ_STR(err, "stat: no ')' after the command");
	T_EQ_INT(metrics_parse_stat("1 (x) S 0 1 1 0 -1 0 0 0 0 0 -3 4", 33,
		     &ticks, err, sizeof(err)),
	    -1);
	T_EQ_INT(ticks, 99);

	T_EQ_INT(metrics_parse_statm("2890 950 700 36 0 410 0\n", 24, &size,
		     &res, err, sizeof(err)),
	    0);
	T_EQ_INT(size, 2890);
	T_EQ_INT(res, 950);
	size = res = 99;
	T_EQ_INT(metrics_parse_statm("2890", 4, &size, &res, err, sizeof(err)),
	    -1);
	T_EQ_INT(metrics_parse_statm("", 0, &size, &res, err, sizeof(err)), -1);
	T_EQ_INT(metrics_parse_statm("99999999999999999999999 1", 25, &size,
		     &res, err, sizeof(err)),
	    -1);
	T_EQ_INT(size, 99);
	T_EQ_INT(res, 99);
}

/* This process's own figures are read and shown. */
static void
test_process_series(void)
{
	struct metrics *m = metrics_new();
	struct buf out = BUF_INITIALIZER(BUF_MAX_METRICS);
	const char *p;
	double rss;

	metrics_process_add(m);
	T_EQ_INT(metrics_render(m, &out), 0);
	T_ASSERT(strstr(buf_str(&out),
		     "# TYPE process_cpu_seconds_total counter\n"
		     "process_cpu_seconds_total ")
	    != NULL);
	p = strstr(buf_str(&out), "\nprocess_resident_memory_bytes ");
	T_NOT_NULL(p);
	rss = p != NULL ? strtod(p + 31, NULL) : 0;
	/* More than a page, less than a gigabyte. */
	T_ASSERT(rss > 4096 && rss < 1e9);
	T_ASSERT(
	    strstr(buf_str(&out), "\nprocess_virtual_memory_bytes ") != NULL);
	/* stdin, stdout, stderr at least; NaN would mean unreadable. */
	p = strstr(buf_str(&out), "\nprocess_open_fds ");
	T_NOT_NULL(p);
	T_ASSERT(p != NULL && strtod(p + 18, NULL) >= 3);
	T_ASSERT(strstr(buf_str(&out), "NaN") == NULL);
	buf_clear(&out);
	metrics_free(m);
}

int
main(void)
{
	test_page();
	test_labelled_histogram_and_numbers();
	test_func_series();
	test_latency_buckets();
	test_proc_parse();
	test_process_series();
	metrics_free(NULL);
	return test_report();
}
