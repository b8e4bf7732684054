/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/metrics.c: the exact Prometheus text a scrape sees. */
#include <math.h>
#include <stdlib.h>

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

int
main(void)
{
	test_page();
	test_labelled_histogram_and_numbers();
	metrics_free(NULL);
	return test_report();
}
