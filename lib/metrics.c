/* SPDX-License-Identifier: MIT */
/*
 * The metrics registry behind both daemons' /metrics page.  A family
 * (name, help, type, histogram bounds) holds series that differ by one
 * label value; both are kept in registration order in intrusive lists, so
 * the page is stable from one scrape to the next.  Rendering is pure: it
 * only formats numbers into a capped buffer.  Numbers are written in the
 * shortest form that reads back to the same double, as Prometheus' own Go
 * client does.
 */
#include <sys/queue.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "str.h"
#include "xmalloc.h"

enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_HISTOGRAM,
};

static const char *const metric_type_names[] = {
	[METRIC_COUNTER] = "counter",
	[METRIC_GAUGE] = "gauge",
	[METRIC_HISTOGRAM] = "histogram",
};

struct metric_family;

struct metric {
	TAILQ_ENTRY(metric) entry;
	struct metric_family *family;
	char *label; /* NULL when the series has no label */
	char *value; /* raw label value, for lookups */
	char *escaped; /* label value escaped for the page */
	double val; /* counter/gauge value, histogram sum */
	uint64_t count; /* histogram observations */
	uint64_t *hits; /* per bucket, not cumulative; nbounds entries */
	metrics_read_cb *read; /* value read at render time, or NULL */
	const void *read_arg;
};

struct metric_family {
	TAILQ_ENTRY(metric_family) entry;
	TAILQ_HEAD(, metric) series;
	char *name;
	char *help;
	enum metric_type type;
	double *bounds;
	size_t nbounds;
};

struct metrics {
	TAILQ_HEAD(, metric_family) families;
};

const double metrics_seconds_buckets[]
    = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
const size_t metrics_seconds_nbuckets
    = sizeof(metrics_seconds_buckets) / sizeof(metrics_seconds_buckets[0]);
const double metrics_latency_buckets[] = { 0.0005, 0.001, 0.002, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };
const size_t metrics_latency_nbuckets
    = sizeof(metrics_latency_buckets) / sizeof(metrics_latency_buckets[0]);

struct metrics *
metrics_new(void)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	TAILQ_INIT(&m->families);
	return m;
}

void
metrics_free(struct metrics *m)
{
	struct metric_family *f;
	struct metric *s;

	if (m == NULL)
		return;
	while (!TAILQ_EMPTY(&m->families)) {
		f = TAILQ_FIRST(&m->families);
		TAILQ_REMOVE(&m->families, f, entry);
		while (!TAILQ_EMPTY(&f->series)) {
			s = TAILQ_FIRST(&f->series);
			TAILQ_REMOVE(&f->series, s, entry);
			free(s->label);
			free(s->value);
			free(s->escaped);
			free(s->hits);
			free(s);
		}
		free(f->name);
		free(f->help);
		free(f->bounds);
		free(f);
	}
	free(m);
}

static bool
metrics_valid_name(const char *s, bool colon)
{
	if (*s == '\0' || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
			|| (*s >= '0' && *s <= '9') || *s == '_'
			|| (colon && *s == ':')))
			return false;
	return true;
}

/* Escapes \, " and newline (label values) or \ and newline (help). */
static char *
metrics_escape(const char *s, bool quote)
{
	struct buf b = BUF_INITIALIZER(SIZE_MAX / 2);

	buf_addstr(&b, "");
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_addstr(&b, "\\\\");
		else if (*s == '\n')
			buf_addstr(&b, "\\n");
		else if (quote && *s == '"')
			buf_addstr(&b, "\\\"");
		else
			buf_addc(&b, *s);
	}
	return buf_take(&b, NULL);
}

/*
 * A label value as shown on the page: URL userinfo masked (issue 16),
 * then escaped.  The mask is at most 4 times the bytes it replaces
 * ("a:@" becomes "[redacted]@"), so the buffer cannot cut it.
 */
static char *
metrics_escape_masked(const char *value)
{
	size_t size = 4 * strlen(value) + sizeof("[redacted]");
	char *masked = xmalloc(size), *escaped;

	(void)str_mask_userinfo(value, masked, size);
	escaped = metrics_escape(masked, true);
	free(masked);
	return escaped;
}

static struct metric *
metrics_register(struct metrics *m, enum metric_type type, const char *name,
    const char *help, const char *label, const char *value,
    const double *bounds, size_t nbounds)
{
	struct metric_family *f;
	struct metric *s;
	char *full;

	if (!metrics_valid_name(name, true))
		fatalx("metrics: invalid metric name \"%s\"", name);
	if ((label == NULL) != (value == NULL)
	    || (label != NULL
		&& (!metrics_valid_name(label, false)
		    || str_has_prefix(label, "__")
		    || (type == METRIC_HISTOGRAM && strcmp(label, "le") == 0))))
		fatalx("metrics: %s: invalid label", name);
	if (type == METRIC_COUNTER && !str_has_suffix(name, "_total"))
		full = xasprintf("%s_total", name);
	else
		full = xstrdup(name);

	TAILQ_FOREACH(f, &m->families, entry)
		if (strcmp(f->name, full) == 0)
			break;
	if (f != NULL && f->type != type)
		fatalx("metrics: %s registered as %s and %s", full,
		    metric_type_names[f->type], metric_type_names[type]);
	if (f == NULL) {
		if (type == METRIC_HISTOGRAM) {
			for (size_t i = 0; i < nbounds; i++)
				if (!isfinite(bounds[i])
				    || (i > 0 && bounds[i] <= bounds[i - 1]))
					fatalx("metrics: %s: bad buckets",
					    full);
		}
		f = xcalloc(1, sizeof(*f));
		TAILQ_INIT(&f->series);
		f->name = full;
		full = NULL;
		f->help = metrics_escape(help, false);
		f->type = type;
		if (type == METRIC_HISTOGRAM && nbounds > 0) {
			f->bounds
			    = xreallocarray(NULL, nbounds, sizeof(*bounds));
			memcpy(f->bounds, bounds, nbounds * sizeof(*bounds));
			f->nbounds = nbounds;
		}
		TAILQ_INSERT_TAIL(&m->families, f, entry);
	}
	free(full);

	TAILQ_FOREACH(s, &f->series, entry)
		if ((s->value == NULL && value == NULL)
		    || (s->value != NULL && value != NULL
			&& strcmp(s->value, value) == 0))
			return s;
	s = xcalloc(1, sizeof(*s));
	s->family = f;
	if (label != NULL) {
		s->label = xstrdup(label);
		s->value = xstrdup(value);
		s->escaped = metrics_escape_masked(value);
	}
	if (type == METRIC_HISTOGRAM)
		s->hits = xcalloc(f->nbounds + 1, sizeof(*s->hits));
	TAILQ_INSERT_TAIL(&f->series, s, entry);
	return s;
}

struct metric *
metrics_counter(struct metrics *m, const char *name, const char *help,
    const char *label, const char *value)
{
	return metrics_register(m, METRIC_COUNTER, name, help, label, value,
	    NULL, 0);
}

struct metric *
metrics_gauge(struct metrics *m, const char *name, const char *help,
    const char *label, const char *value)
{
	return metrics_register(m, METRIC_GAUGE, name, help, label, value, NULL,
	    0);
}

struct metric *
metrics_histogram(struct metrics *m, const char *name, const char *help,
    const char *label, const char *value, const double *bounds, size_t nbounds)
{
	return metrics_register(m, METRIC_HISTOGRAM, name, help, label, value,
	    bounds, nbounds);
}

static struct metric *
metrics_register_func(struct metrics *m, enum metric_type type,
    const char *name, const char *help, metrics_read_cb *read, const void *arg)
{
	struct metric *s;

	s = metrics_register(m, type, name, help, NULL, NULL, NULL, 0);
	if (s->read == NULL) {
		s->read = read;
		s->read_arg = arg;
	}
	return s;
}

struct metric *
metrics_counter_func(struct metrics *m, const char *name, const char *help,
    metrics_read_cb *read, const void *arg)
{
	return metrics_register_func(m, METRIC_COUNTER, name, help, read, arg);
}

struct metric *
metrics_gauge_func(struct metrics *m, const char *name, const char *help,
    metrics_read_cb *read, const void *arg)
{
	return metrics_register_func(m, METRIC_GAUGE, name, help, read, arg);
}

void
metrics_inc(struct metric *s)
{
	metrics_add(s, 1);
}

void
metrics_add(struct metric *s, double v)
{
	if (v >= 0 && s->read == NULL)
		s->val += v;
}

void
metrics_set(struct metric *s, double v)
{
	if (s->read == NULL)
		s->val = v;
}

void
metrics_gauge_add(struct metric *s, double v)
{
	if (s->read == NULL)
		s->val += v;
}

void
metrics_observe(struct metric *s, double v)
{
	const struct metric_family *f = s->family;
	size_t i;

	if (s->hits == NULL)
		return;
	for (i = 0; i < f->nbounds; i++)
		if (v <= f->bounds[i])
			break;
	s->hits[i]++;
	s->count++;
	s->val += v;
}

double
metrics_value(const struct metric *s)
{
	return s->read != NULL ? s->read(s->read_arg) : s->val;
}

uint64_t
metrics_count(const struct metric *s)
{
	return s->count;
}

/* Formats v in the shortest decimal form that reads back as v. */
static void
metrics_fmt(char *dst, size_t len, double v)
{
	if (isnan(v)) {
		snprintf(dst, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(dst, len, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (fabs(v) < 1e15 && v == floor(v)) {
		snprintf(dst, len, "%.0f", v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(dst, len, "%.*g", prec, v);
		if (strtod(dst, NULL) == v)
			return;
	}
}

/* Appends {label="value",le="x"}, the parts that apply, or nothing. */
static int
metrics_labels(struct buf *out, const struct metric *s, const char *le)
{
	int ret = 0;
	bool any = s->label != NULL || le != NULL;

	if (any && buf_addc(out, '{') == -1)
		return -1;
	if (s->label != NULL)
		ret = buf_addf(out, "%s=\"%s\"%s", s->label, s->escaped,
		    le != NULL ? "," : "");
	if (ret == 0 && le != NULL)
		ret = buf_addf(out, "le=\"%s\"", le);
	if (ret == 0 && any)
		ret = buf_addc(out, '}');
	return ret;
}

static int
metrics_sample(struct buf *out, const char *name, const char *suffix,
    const struct metric *s, const char *le, double v)
{
	char num[64];

	metrics_fmt(num, sizeof(num), v);
	if (buf_addf(out, "%s%s", name, suffix) == -1
	    || metrics_labels(out, s, le) == -1
	    || buf_addf(out, " %s\n", num) == -1)
		return -1;
	return 0;
}

static int
metrics_render_histogram(struct buf *out, const struct metric_family *f,
    const struct metric *s)
{
	char le[64];
	uint64_t cum = 0;

	for (size_t i = 0; i < f->nbounds; i++) {
		cum += s->hits[i];
		metrics_fmt(le, sizeof(le), f->bounds[i]);
		if (metrics_sample(out, f->name, "_bucket", s, le, (double)cum)
		    == -1)
			return -1;
	}
	if (metrics_sample(out, f->name, "_bucket", s, "+Inf", (double)s->count)
		== -1
	    || metrics_sample(out, f->name, "_sum", s, NULL, s->val) == -1
	    || metrics_sample(out, f->name, "_count", s, NULL, (double)s->count)
		== -1)
		return -1;
	return 0;
}

int
metrics_render(const struct metrics *m, struct buf *out)
{
	const struct metric_family *f;
	const struct metric *s;
	int ret;

	TAILQ_FOREACH(f, &m->families, entry) {
		if (buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name,
			f->help, f->name, metric_type_names[f->type])
		    == -1)
			return -1;
		TAILQ_FOREACH(s, &f->series, entry) {
			if (f->type == METRIC_HISTOGRAM)
				ret = metrics_render_histogram(out, f, s);
			else
				ret = metrics_sample(out, f->name, "", s, NULL,
				    metrics_value(s));
			if (ret == -1)
				return -1;
		}
	}
	return 0;
}

/* ---- process figures from /proc/self ---- */

/*
 * Skips the white space at *p, then one field; returns its start, or NULL
 * at the end of the text.
 */
static const char *
metrics_field(const char **p, const char *end)
{
	const char *start;

	while (*p < end && (**p == ' ' || **p == '\n'))
		(*p)++;
	if (*p == end)
		return NULL;
	start = *p;
	while (*p < end && **p != ' ' && **p != '\n')
		(*p)++;
	return start;
}

/* The next field as an unsigned decimal number; -1 if it is not one. */
static int
metrics_field_ull(const char **p, const char *end, unsigned long long *out)
{
	const char *f;
	unsigned long long v = 0;

	f = metrics_field(p, end);
	if (f == NULL)
		return -1;
	for (; f < *p; f++) {
		if (*f < '0' || *f > '9'
		    || v > (~0ULL - (unsigned)(*f - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*f - '0');
	}
	*out = v;
	return 0;
}

int
metrics_parse_stat(const char *stat, size_t len, unsigned long long *cpu_ticks,
    char *err, size_t errlen)
{
	const char *p, *end = stat + len;
	unsigned long long utime, stime;
	int i;

	/* The command name is "(...)" and may itself hold ") ". */
	for (p = end; p > stat && p[-1] != ')'; p--)
		;
	if (p == stat) {
		(void)snprintf(err, errlen, "stat: no ')' after the command");
		return -1;
	}
	/* state (field 3) to cmajflt (13); utime and stime are 14 and 15. */
	for (i = 3; i <= 13; i++)
		if (metrics_field(&p, end) == NULL) {
			(void)snprintf(err, errlen, "stat: only %d fields",
			    i - 1);
			return -1;
		}
	if (metrics_field_ull(&p, end, &utime) == -1
	    || metrics_field_ull(&p, end, &stime) == -1) {
		(void)snprintf(err, errlen,
		    "stat: utime or stime is not a "
		    "number");
		return -1;
	}
	*cpu_ticks = utime + stime;
	return 0;
}

int
metrics_parse_statm(const char *statm, size_t len,
    unsigned long long *size_pages, unsigned long long *resident_pages,
    char *err, size_t errlen)
{
	const char *p = statm;
	unsigned long long size, resident;

	if (metrics_field_ull(&p, statm + len, &size) == -1
	    || metrics_field_ull(&p, statm + len, &resident) == -1) {
		(void)snprintf(err, errlen,
		    "statm: size or resident is not a "
		    "number");
		return -1;
	}
	*size_pages = size;
	*resident_pages = resident;
	return 0;
}

/* /proc/self/stat is about 300 bytes; the command name is at most 64. */
#define METRICS_PROC_FILE_MAX 1024

/* Reads a small /proc file; returns its length or -1. */
static ssize_t
metrics_proc_read(const char *path, char *out, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, out, len);
	(void)close(fd);
	return n;
}

static double
metrics_read_cpu(const void *arg)
{
	char text[METRICS_PROC_FILE_MAX], err[64];
	unsigned long long ticks;
	long hz = sysconf(_SC_CLK_TCK);
	ssize_t n;

	(void)arg;
	n = metrics_proc_read("/proc/self/stat", text, sizeof(text));
	if (n <= 0 || hz <= 0
	    || metrics_parse_stat(text, (size_t)n, &ticks, err, sizeof(err))
		== -1)
		return NAN;
	return (double)ticks / (double)hz;
}

/* arg selects the field: NULL the virtual size, else the resident set. */
static double
metrics_read_memory(const void *arg)
{
	char text[METRICS_PROC_FILE_MAX], err[64];
	unsigned long long size, resident;
	long page = sysconf(_SC_PAGESIZE);
	ssize_t n;

	n = metrics_proc_read("/proc/self/statm", text, sizeof(text));
	if (n <= 0 || page <= 0
	    || metrics_parse_statm(text, (size_t)n, &size, &resident, err,
		   sizeof(err))
		== -1)
		return NAN;
	return (double)(arg != NULL ? resident : size) * (double)page;
}

static double
metrics_read_fds(const void *arg)
{
	struct dirent *de;
	DIR *d;
	char self[16];
	double n = 0;

	(void)arg;
	d = opendir("/proc/self/fd");
	if (d == NULL)
		return NAN;
	/* The directory's own fd is listed too; it is not the process's. */
	(void)snprintf(self, sizeof(self), "%d", dirfd(d));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && strcmp(de->d_name, self) != 0)
			n++;
	(void)closedir(d);
	return n;
}

void
metrics_process_add(struct metrics *m)
{
	/* Any non-NULL pointer selects the resident set. */
	static const char resident = 1;

	metrics_counter_func(m, "process_cpu_seconds_total",
	    "Total user and system CPU time spent in seconds.",
	    metrics_read_cpu, NULL);
	metrics_gauge_func(m, "process_resident_memory_bytes",
	    "Resident memory size in bytes.", metrics_read_memory, &resident);
	metrics_gauge_func(m, "process_virtual_memory_bytes",
	    "Virtual memory size in bytes.", metrics_read_memory, NULL);
	metrics_gauge_func(m, "process_open_fds",
	    "Number of open file descriptors.", metrics_read_fds, NULL);
}
