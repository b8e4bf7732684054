/* SPDX-License-Identifier: MIT */
/*
 * Go's time layouts and durations (lib/tmpl/tmpl_time.c), against the
 * values Go 1.26's time package gives (its format_test.go and the
 * documentation's examples).  Local is injected: a CET/CEST zone with
 * the EU rule, so that parsing and adding across a change is tested
 * without the machine's TZ.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"
#include "tmpl.h"
#include "tmpl_int.h"

/* 2021-03-28 01:00 UTC and 2021-10-31 01:00 UTC: CEST in between. */
#define CEST_START 1616893200LL
#define CEST_END 1635642000LL

static void
cet(int64_t sec, int32_t *off, char zone[TMPL_TIME_ZONE_MAX])
{
	bool summer = sec >= CEST_START && sec < CEST_END;

	*off = summer ? 7200 : 3600;
	snprintf(zone, TMPL_TIME_ZONE_MAX, "%s", summer ? "CEST" : "CET");
}

static void
utc_local(int64_t sec, int32_t *off, char zone[TMPL_TIME_ZONE_MAX])
{
	(void)sec;
	*off = 0;
	snprintf(zone, TMPL_TIME_ZONE_MAX, "UTC");
}

static char out[TMPL_TIME_ERR_MAX + 16];

static const char *
fmt(const struct tmpl_time *t, const char *layout)
{
	struct buf b;

	buf_init(&b, sizeof(out) - 1);
	tmpl_time_format(&b, layout, strlen(layout), t);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, b.len ? b.data : "");
	buf_clear(&b);
	return out;
}

/* Parses in Local=local and prints with String(), or the error. */
static const char *
parse(const char *layout, const char *value, tmpl_time_local_fn local)
{
	struct tmpl_time t;
	char err[TMPL_TIME_ERR_MAX];
	struct buf b;

	if (tmpl_time_parse(layout, strlen(layout), value, strlen(value), local,
		&t, err, sizeof(err))
	    == -1) {
		snprintf(out, sizeof(out), "error: %s", err);
		return out;
	}
	buf_init(&b, sizeof(out) - 1);
	tmpl_time_string(&b, &t);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, b.len ? b.data : "");
	buf_clear(&b);
	return out;
}

static void
test_format(void)
{
	/* 2009-11-10 23:00:00.123456789 UTC, a Tuesday. */
	struct tmpl_time t = { 1257894000, 123456789, 0, TMPL_TIME_UTC, "UTC" };
	struct tmpl_time f
	    = { 1257894000, 0, -(7 * 3600 + 30 * 60), TMPL_TIME_FIXED, "" };

	T_EQ_STR(fmt(&t, "2006-01-02T15:04:05Z07:00"), "2009-11-10T23:00:00Z");
	T_EQ_STR(fmt(&t, "Mon, 02 Jan 2006 15:04:05 -0700"),
	    "Tue, 10 Nov 2009 23:00:00 +0000");
	T_EQ_STR(fmt(&t, "Monday January _2 3:4:5 PM pm 06 002 __2"),
	    "Tuesday November 10 11:0:0 PM pm 09 314 314");
	T_EQ_STR(fmt(&t, ".000 .999 ,000000 .999999999 .0000000000"),
	    ".123 .123 ,123456 .123456789 .123456789");
	/* Letters after Jan/Mon make them text; a digit after a fraction
	 * makes it text (and its 01 a month). */
	T_EQ_STR(fmt(&t, "Janet Monty .0001"), "Janet Monty .0011");
	T_EQ_STR(fmt(&t, "_2006 __2 _2"), "_2009 314 10");
	T_EQ_STR(fmt(&t, "2006-01-02 15:04:05.999999999 -0700 MST"),
	    "2009-11-10 23:00:00.123456789 +0000 UTC");
	/* An unnamed fixed zone prints its offset for MST. */
	T_EQ_STR(fmt(&f, "15:04 MST Z07:00 -07 Z070000 -07:00:00"),
	    "15:30 -0730 -07:30 -07 -073000 -07:30:00");
	t.nsec = 0;
	T_EQ_STR(fmt(&t, "05.999|05.000"), "00|00.000");
	/* Before the epoch and before year 1000. */
	t.sec = -62135596800LL; /* Go's zero Time */
	T_EQ_STR(fmt(&t, "2006-01-02 15:04:05 Mon"), "0001-01-01 00:00:00 Mon");
	t.sec = -1;
	T_EQ_STR(fmt(&t, "2006-01-02 15:04:05 Mon"), "1969-12-31 23:59:59 Wed");
}

static void
test_parse(void)
{
	T_EQ_STR(parse("2006-01-02", "2017-12-31", utc_local),
	    "2017-12-31 00:00:00 +0000 UTC");
	T_EQ_STR(parse("2006-01-02", "x", utc_local),
	    "error: parsing time \"x\" as \"2006-01-02\": cannot parse "
	    "\"x\" as \"2006\"");
	T_EQ_STR(parse("2006-01-02", "2017-13-01", utc_local),
	    "error: parsing time \"2017-13-01\": month out of range");
	T_EQ_STR(parse("2006-01-02", "2017-02-29", utc_local),
	    "error: parsing time \"2017-02-29\": day out of range");
	T_EQ_STR(parse("2006-01-02", "2017-12-31x", utc_local),
	    "error: parsing time \"2017-12-31x\": extra text: \"x\"");
	T_EQ_STR(parse("2006-01-02", "", utc_local),
	    "error: parsing time \"\" as \"2006-01-02\": cannot parse \"\" "
	    "as \"2006\"");
	/* Non-ASCII bytes are quoted as \x escapes. */
	T_EQ_STR(parse("2006", "\xc3\xa9", utc_local),
	    "error: parsing time \"\\xc3\\xa9\" as \"2006\": cannot parse "
	    "\"\\xc3\\xa9\" as \"2006\"");
	/* Local: the offset in force at that wall time. */
	T_EQ_STR(parse("2006-01-02 15:04", "2021-07-01 12:00", cet),
	    "2021-07-01 12:00:00 +0200 CEST");
	T_EQ_STR(parse("2006-01-02 15:04", "2021-01-01 12:00", cet),
	    "2021-01-01 12:00:00 +0100 CET");
	/* An offset that Local has then keeps Local; another is fixed. */
	T_EQ_STR(parse("2006-01-02T15:04:05Z07:00", "2021-07-01T12:00:00+02:00",
		     cet),
	    "2021-07-01 12:00:00 +0200 CEST");
	T_EQ_STR(parse("2006-01-02T15:04:05Z07:00", "2021-07-01T12:00:00+05:30",
		     cet),
	    "2021-07-01 12:00:00 +0530 +0530");
	T_EQ_STR(
	    parse("2006-01-02T15:04:05Z07:00", "2021-07-01T12:00:00Z", cet),
	    "2021-07-01 12:00:00 +0000 UTC");
	/* A fraction the layout does not name is read after seconds. */
	T_EQ_STR(parse("15:04:05", "01:02:03.5", utc_local),
	    "0000-01-01 01:02:03.5 +0000 UTC");
	T_EQ_STR(parse("Jan _2 3:04PM MST", "feb  3 4:05pm PST", utc_local),
	    "error: parsing time \"feb  3 4:05pm PST\" as \"Jan _2 3:04PM "
	    "MST\": cannot parse \"pm PST\" as \"PM\"");
	T_EQ_STR(parse("Jan _2 3:04PM MST", "feb  3 4:05PM PST", utc_local),
	    "0000-02-03 16:05:00 +0000 PST");
	T_EQ_STR(parse("2006 002", "2020 060", utc_local),
	    "2020-02-29 00:00:00 +0000 UTC");
	T_EQ_STR(parse("15", "24", utc_local),
	    "error: parsing time \"24\": hour out of range");
}

static const char *
dur(int64_t d)
{
	struct buf b;

	buf_init(&b, sizeof(out) - 1);
	tmpl_time_duration_string(&b, d);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, b.data);
	buf_clear(&b);
	return out;
}

static const char *
pdur(const char *s)
{
	char err[TMPL_TIME_ERR_MAX];
	int64_t d;

	if (tmpl_time_parse_duration(s, strlen(s), &d, err, sizeof(err))
	    == -1) {
		snprintf(out, sizeof(out), "error: %s", err);
		return out;
	}
	return dur(d);
}

static const char *
coarse(int64_t d)
{
	struct buf b;

	buf_init(&b, sizeof(out) - 1);
	tmpl_time_duration_coarse(&b, d);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, b.data);
	buf_clear(&b);
	return out;
}

static void
test_duration(void)
{
	/* Go's time_test.go durationTests. */
	T_EQ_STR(dur(0), "0s");
	T_EQ_STR(dur(1), "1ns");
	T_EQ_STR(dur(1100), "1.1\xc2\xb5s");
	T_EQ_STR(dur(2200000), "2.2ms");
	T_EQ_STR(dur(3300000000LL), "3.3s");
	T_EQ_STR(dur(-(4 * 60000000000LL + 5000000000LL)), "-4m5s");
	T_EQ_STR(dur(4 * 60000000000LL + 5001000000LL), "4m5.001s");
	T_EQ_STR(dur(5 * 3600000000000LL + 6 * 60000000000LL + 7001000000LL),
	    "5h6m7.001s");
	T_EQ_STR(dur(8 * 60000000000LL + 1), "8m0.000000001s");
	T_EQ_STR(dur(INT64_MAX), "2562047h47m16.854775807s");
	T_EQ_STR(dur(INT64_MIN), "-2562047h47m16.854775808s");

	T_EQ_STR(pdur("1h2m3.5s"), "1h2m3.5s");
	T_EQ_STR(pdur("-1.5h"), "-1h30m0s");
	T_EQ_STR(pdur("+0"), "0s");
	T_EQ_STR(pdur("1\xc2\xb5s1\xce\xbcs1us"), "3\xc2\xb5s");
	T_EQ_STR(pdur(".5m"), "30s");
	T_EQ_STR(pdur("9223372036854775807ns"), "2562047h47m16.854775807s");
	T_EQ_STR(pdur("9223372036854775808ns"),
	    "error: time: invalid duration \"9223372036854775808ns\"");
	T_EQ_STR(pdur("-9223372036854775808ns"), "-2562047h47m16.854775808s");
	T_EQ_STR(pdur(""), "error: time: invalid duration \"\"");
	T_EQ_STR(pdur("x"), "error: time: invalid duration \"x\"");
	T_EQ_STR(pdur("."), "error: time: invalid duration \".\"");
	T_EQ_STR(pdur("1"), "error: time: missing unit in duration \"1\"");
	T_EQ_STR(pdur("1d"),
	    "error: time: unknown unit \"d\" in duration \"1d\"");
	T_EQ_STR(pdur("3000000h"),
	    "error: time: invalid duration \"3000000h\"");

	T_EQ_INT(tmpl_time_duration_round(1500000000LL, 1000000000LL),
	    2000000000LL);
	T_EQ_INT(tmpl_time_duration_round(-1500000000LL, 1000000000LL),
	    -2000000000LL);
	T_EQ_INT(tmpl_time_duration_round(1499999999LL, 1000000000LL),
	    1000000000LL);
	T_EQ_INT(tmpl_time_duration_round(INT64_MAX, 1000000000LL), INT64_MAX);

	/* Sprig's durationRound: strictly more than the unit. */
	T_EQ_STR(coarse(2 * 3600000000000LL + 10 * 60000000000LL), "2h");
	T_EQ_STR(coarse(3600000000000LL), "60m");
	T_EQ_STR(coarse(-3 * 86400000000000LL - 1), "3d");
	T_EQ_STR(coarse(1000000000LL), "0s");
	T_EQ_STR(coarse(400LL * 86400000000000LL), "1y");
	T_EQ_STR(coarse(40LL * 86400000000000LL), "1mo");
	T_EQ_STR(coarse(INT64_MIN), "292y");
}

static void
test_add_sub(void)
{
	struct tmpl_time t, u;
	char err[TMPL_TIME_ERR_MAX];

	/* Adding across the spring change moves Local's offset. */
	T_ASSERT(tmpl_time_parse("2006-01-02 15:04", 16, "2021-03-28 01:30", 16,
		     cet, &t, err, sizeof(err))
	    == 0);
	tmpl_time_add(&t, 3600000000000LL, cet);
	T_EQ_STR(fmt(&t, "15:04 MST"), "03:30 CEST");
	u = t;
	tmpl_time_add(&u, -1, cet);
	T_EQ_INT(tmpl_time_sub(&t, &u), 1);
	T_EQ_STR(fmt(&u, "15:04:05.000000000"), "03:29:59.999999999");
	u.sec = INT64_MIN / 2;
	T_EQ_INT(tmpl_time_sub(&t, &u), INT64_MAX);
	T_EQ_INT(tmpl_time_sub(&u, &t), INT64_MIN);
}

/* Renders s with the clock fixed at now; "error: ..." on failure. */
static const char *
render(const char *s, time_t now_)
{
	struct tmpl_exec_opts o = { 0 };
	char err[TMPL_ERR_MAX];
	struct tmpl *t;
	struct buf b;

	o.fixed_now = true;
	o.now = now_;
	t = tmpl_parse("r", s, strlen(s), NULL, err, sizeof(err));
	if (t == NULL) {
		snprintf(out, sizeof(out), "error: %s", err);
		return out;
	}
	buf_init(&b, sizeof(out) - 1);
	if (tmpl_execute(t, &o, &b, NULL, err, sizeof(err)) == -1)
		snprintf(out, sizeof(out), "error: %s", err);
	else
		snprintf(out, sizeof(out), "%s", buf_str(&b));
	buf_clear(&b);
	tmpl_free(t);
	return out;
}

/*
 * ago and durationRound of a date read the clock: with it fixed, their
 * results are exact.  (The conformance suite can only check their shape,
 * as consul-template reads the real clock.)
 */
static void
test_clock(void)
{
	/* 2018-01-01 00:00:00 UTC. */
	const time_t now_ = 1514764800;

	setenv("TZ", "UTC", 1);
	T_EQ_STR(render("{{ sprig_ago (sprig_toDate \"2006-01-02 15:04:05\" "
			"\"2017-12-31 22:58:59\") }}",
		     now_),
	    "1h1m1s");
	T_EQ_STR(render("{{ sprig_ago 1514764799 }} {{ sprig_ago 1514764801 }}",
		     now_),
	    "1s -1s");
	/* Rounded to the second, half away from zero. */
	T_EQ_STR(
	    render("{{ sprig_ago (sprig_toDate \"2006-01-02 15:04:05.000\" "
		   "\"2017-12-31 23:59:58.500\") }} {{ sprig_ago "
		   "(sprig_toDate \"2006-01-02 15:04:05.000\" "
		   "\"2017-12-31 23:59:58.600\") }}",
		now_),
	    "2s 1s");
	/* Beyond Duration's range Go's Sub saturates (year 0 here). */
	T_EQ_STR(
	    render("{{ sprig_ago (sprig_toDate \"15:04\" \"00:00\") }}", now_),
	    "2562047h47m16.854775807s");
	/* durationRound: a unit must be exceeded, 365 days is 12mo. */
	T_EQ_STR(render("{{ sprig_durationRound (sprig_toDate \"2006-01-02\" "
			"\"2017-11-01\") }} {{ sprig_durationRound "
			"(sprig_toDate \"2006-01-02\" \"2019-01-01\") }} "
			"{{ sprig_durationRound (sprig_toDate \"2006-01-02\" "
			"\"2016-12-31\") }}",
		     now_),
	    "2mo 12mo 1y");
	/* A Local zone with an offset: the date is read in it (a POSIX
	 * rule, so that the test needs no zone files). */
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	T_EQ_STR(render("{{ sprig_toDate \"2006-01-02 15:04\" \"2021-07-01 "
			"12:00\" }} {{ (sprig_toDate \"2006-01-02\" "
			"\"2021-01-01\").Unix }}",
		     now_),
	    "2021-07-01 12:00:00 +0200 CEST 1609455600");
	setenv("TZ", "UTC", 1);
}

int
main(void)
{
	test_format();
	test_clock();
	test_parse();
	test_duration();
	test_add_sub();
	return test_report();
}
