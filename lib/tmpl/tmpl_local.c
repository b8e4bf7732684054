/* SPDX-License-Identifier: MIT */
/*
 * Template functions on local state: env and envOrDefault (the caller's
 * environment list first, then the process environment, as
 * consul-template does), file (read now, confined to the sandbox
 * directory, and recorded as a "file(path)" dependency so the caller can
 * watch it), timestamp (the injectable clock) and the per-execution
 * scratch object.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tmpl_int.h"

extern char **environ;

#define TMPL_FILE_MAX ((size_t)16 << 20)

/* One key of the scratch object, in the execution's arena. */
struct tmpl_scratch {
	const char *key;
	size_t keylen;
	struct tmpl_value val;
	size_t mapcap; /* room in val's map, which MapSet grows */
	struct tmpl_scratch *next;
};

static const char *
env_lookup(struct tmpl_exec *x, const char *k, size_t klen)
{
	char *const *e;
	char *const *env
	    = x->opts != NULL && x->opts->env != NULL ? x->opts->env : NULL;
	size_t pass;

	for (pass = 0; pass < 2; pass++) {
		e = pass == 0 ? env : environ;
		for (; e != NULL && *e != NULL; e++)
			if (strncmp(*e, k, klen) == 0 && (*e)[klen] == '=')
				return *e + klen + 1;
	}
	return NULL;
}

/*
 * The value of the variable named by argument i, or NULL when it is unset
 * or the name is not one (empty, or holding '=').
 */
static int
env_arg(struct tmpl_exec *x, struct tmpl_value *a, size_t i, const char **v)
{
	const char *k;
	size_t len;

	if (tmpl_exec_arg_str(x, a, i, &k, &len) == -1)
		return -1;
	*v = memchr(k, '=', len) == NULL && len > 0 ? env_lookup(x, k, len)
						    : NULL;
	return 0;
}

static int
fn_env(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *v;

	(void)n;
	if (env_arg(x, a, 0, &v) == -1)
		return -1;
	*r = tmpl_value_cstr(v != NULL ? v : "");
	return 0;
}

static int
fn_env_or_default(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *v, *d;
	size_t dlen;

	(void)n;
	if (env_arg(x, a, 0, &v) == -1
	    || tmpl_exec_arg_str(x, a, 1, &d, &dlen) == -1)
		return -1;
	*r = v != NULL ? tmpl_value_cstr(v) : a[1];
	return 0;
}

/* mustEnv: like env, but unset or empty is an error. */
static int
fn_must_env(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *v;

	(void)n;
	if (env_arg(x, a, 0, &v) == -1)
		return -1;
	if (v == NULL || v[0] == '\0')
		return tmpl_exec_errorf(x,
		    "mustEnv: environment variable \"%.*s\" is not set or "
		    "empty",
		    (int)a[0].len, a[0].u.s);
	*r = tmpl_value_cstr(v);
	return 0;
}

static int
fn_file(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char real[PATH_MAX], box[PATH_MAX];
	const char *p, *path;
	struct buf b;
	char chunk[8192];
	ssize_t got;
	size_t len, blen;
	int fd = -1, ret = -1;

	(void)n;
	buf_init(&b, TMPL_FILE_MAX);
	if (tmpl_exec_arg_str(x, a, 0, &p, &len) == -1)
		goto out;
	if (len == 0) {
		*r = tmpl_value_str("", 0);
		ret = 0;
		goto out;
	}
	path = tmpl_arena_strndup(x->a, p, len);
	if (len == 0 || strlen(path) != len) {
		tmpl_exec_errorf(x, "file: invalid path");
		goto out;
	}
	tmpl_exec_dep_file(x, path);
	if (x->t->sandbox != NULL) {
		/* The resolved path must lie inside the resolved sandbox. */
		if (realpath(x->t->sandbox, box) == NULL
		    || realpath(path, real) == NULL) {
			tmpl_exec_errorf(x, "file: %s: %s", path,
			    strerror(errno));
			goto out;
		}
		blen = strlen(box);
		if (strncmp(real, box, blen) != 0
		    || (real[blen] != '/' && real[blen] != '\0'
			&& !(blen == 1 && box[0] == '/'))) {
			tmpl_exec_errorf(x, "'%s' is outside of sandbox", path);
			goto out;
		}
		path = tmpl_arena_strndup(x->a, real, strlen(real));
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		tmpl_exec_errorf(x, "file: %s: %s", path, strerror(errno));
		goto out;
	}
	while ((got = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(&b, chunk, (size_t)got) == -1) {
			tmpl_exec_errorf(x, "file: %s: larger than %zu bytes",
			    path, TMPL_FILE_MAX);
			goto out;
		}
	if (got == -1) {
		tmpl_exec_errorf(x, "file: %s: %s", path, strerror(errno));
		goto out;
	}
	*r = tmpl_value_from_buf(x->a, &b);
	ret = 0;
out:
	if (fd != -1)
		close(fd);
	buf_clear(&b);
	return ret;
}

/*
 * Go time layouts: the reference time Mon Jan 2 15:04:05 MST 2006.
 * The common elements are supported; anything else is copied.
 */
static void
go_layout(struct buf *b, const char *l, size_t n, const struct tm *tm, time_t t)
{
	static const char *const mon[] = { "January", "February", "March",
		"April", "May", "June", "July", "August", "September",
		"October", "November", "December" };
	static const char *const day[] = { "Sunday", "Monday", "Tuesday",
		"Wednesday", "Thursday", "Friday", "Saturday" };
	static const struct {
		const char *tok;
		int id;
	} toks[] = {
		{ "January", 1 },
		{ "Monday", 2 },
		{ "2006", 3 },
		{ "Z07:00", 4 },
		{ "-07:00", 5 },
		{ "Z0700", 6 },
		{ "-0700", 7 },
		{ ".000000000", 8 },
		{ ".000000", 8 },
		{ ".000", 8 },
		{ "Jan", 9 },
		{ "Mon", 10 },
		{ "MST", 11 },
		{ "01", 12 },
		{ "02", 13 },
		{ "_2", 14 },
		{ "15", 15 },
		{ "03", 16 },
		{ "04", 17 },
		{ "05", 18 },
		{ "06", 19 },
		{ "PM", 20 },
		{ "pm", 21 },
		{ "1", 22 },
		{ "2", 23 },
		{ "3", 24 },
		{ "4", 25 },
		{ "5", 26 },
	};
	size_t i, k, tl;
	int h12 = tm->tm_hour % 12 == 0 ? 12 : tm->tm_hour % 12;

	(void)t;
	for (i = 0; i < n;) {
		for (k = 0; k < sizeof(toks) / sizeof(toks[0]); k++) {
			tl = strlen(toks[k].tok);
			if (i + tl <= n && memcmp(l + i, toks[k].tok, tl) == 0)
				break;
		}
		if (k == sizeof(toks) / sizeof(toks[0])) {
			buf_addc(b, l[i++]);
			continue;
		}
		i += tl;
		switch (toks[k].id) {
		case 1:
			buf_addstr(b, mon[tm->tm_mon]);
			break;
		case 2:
			buf_addstr(b, day[tm->tm_wday]);
			break;
		case 3:
			buf_addf(b, "%04d", tm->tm_year + 1900);
			break;
		case 4:
		case 6:
			buf_addc(b, 'Z');
			break;
		case 5:
			buf_addstr(b, "+00:00");
			break;
		case 7:
			buf_addstr(b, "+0000");
			break;
		case 8:
			buf_addc(b, '.');
			for (size_t z = 1; z < tl; z++)
				buf_addc(b, '0');
			break;
		case 9:
			buf_add(b, mon[tm->tm_mon], 3);
			break;
		case 10:
			buf_add(b, day[tm->tm_wday], 3);
			break;
		case 11:
			buf_addstr(b, "UTC");
			break;
		case 12:
			buf_addf(b, "%02d", tm->tm_mon + 1);
			break;
		case 13:
			buf_addf(b, "%02d", tm->tm_mday);
			break;
		case 14:
			buf_addf(b, "%2d", tm->tm_mday);
			break;
		case 15:
			buf_addf(b, "%02d", tm->tm_hour);
			break;
		case 16:
			buf_addf(b, "%02d", h12);
			break;
		case 17:
			buf_addf(b, "%02d", tm->tm_min);
			break;
		case 18:
			buf_addf(b, "%02d", tm->tm_sec);
			break;
		case 19:
			buf_addf(b, "%02d", (tm->tm_year + 1900) % 100);
			break;
		case 20:
			buf_addstr(b, tm->tm_hour >= 12 ? "PM" : "AM");
			break;
		case 21:
			buf_addstr(b, tm->tm_hour >= 12 ? "pm" : "am");
			break;
		case 22:
			buf_addf(b, "%d", tm->tm_mon + 1);
			break;
		case 23:
			buf_addf(b, "%d", tm->tm_mday);
			break;
		case 24:
			buf_addf(b, "%d", h12);
			break;
		case 25:
			buf_addf(b, "%d", tm->tm_min);
			break;
		default:
			buf_addf(b, "%d", tm->tm_sec);
		}
	}
}

static int
fn_timestamp(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *f = "2006-01-02T15:04:05Z07:00";
	size_t flen = strlen(f);
	struct buf b;
	struct tm tm;
	time_t t;

	if (n > 0 && tmpl_exec_arg_str(x, a, 0, &f, &flen) == -1)
		return -1;
	t = x->opts != NULL && x->opts->fixed_now ? x->opts->now : time(NULL);
	buf_init(&b, SIZE_MAX);
	if (flen == 4 && memcmp(f, "unix", 4) == 0)
		buf_addf(&b, "%lld", (long long)t);
	else {
		gmtime_r(&t, &tm);
		go_layout(&b, f, flen, &tm, t);
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* Scratch: a per-execution key/value store. */
static int
fn_scratch(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)a;
	(void)n;
	memset(r, 0, sizeof(*r));
	r->kind = TV_SCRATCH;
	(void)x;
	return 0;
}

static struct tmpl_scratch *
scratch_find(struct tmpl_exec *x, const char *k, size_t len, bool create)
{
	struct tmpl_scratch *e;

	for (e = x->scratch; e != NULL; e = e->next)
		if (e->keylen == len && memcmp(e->key, k, len) == 0)
			return e;
	if (!create)
		return NULL;
	e = tmpl_arena_calloc(x->a, 1, sizeof(*e));
	e->key = tmpl_arena_strndup(x->a, k, len);
	e->keylen = len;
	e->val = tmpl_value_missing();
	e->next = x->scratch;
	x->scratch = e;
	return e;
}

static int
scratch_map_set(struct tmpl_exec *x, struct tmpl_scratch *e,
    const struct tmpl_value *mk, const struct tmpl_value *v, bool only_new)
{
	struct tmpl_map *m;
	long i;

	if (mk->kind != TV_STR)
		return tmpl_exec_errorf(x,
		    "wrong type for value; expected string; "
		    "got %s",
		    tmpl_value_type_name(mk));
	if (e->val.kind != TV_MAP)
		e->val = tmpl_value_map(tmpl_value_map_new(x->a, 0), ELEM_ANY);
	m = e->val.u.map;
	i = tmpl_value_map_find(m, mk->u.s, mk->len);
	if (i >= 0) {
		if (!only_new)
			m->vals[i] = *v;
		return 0;
	}
	if (m->n == e->mapcap) {
		e->mapcap = e->mapcap ? e->mapcap * 2 : 8;
		struct tmpl_value *nk
		    = tmpl_arena_alloc(x->a, e->mapcap * sizeof(*nk));
		struct tmpl_value *nv
		    = tmpl_arena_alloc(x->a, e->mapcap * sizeof(*nv));

		if (m->n > 0) {
			memcpy(nk, m->keys, m->n * sizeof(*nk));
			memcpy(nv, m->vals, m->n * sizeof(*nv));
		}
		m->keys = nk;
		m->vals = nv;
	}
	m->keys[m->n] = *mk;
	m->vals[m->n] = *v;
	m->n++;
	tmpl_value_map_sort(m);
	return 0;
}

int
tmpl_local_scratch_method(struct tmpl_exec *x, const char *name,
    struct tmpl_value *a, size_t n, struct tmpl_value *r)
{
	static const struct {
		const char *name;
		size_t nargs;
	} m[] = { { "Key", 1 }, { "Get", 1 }, { "Set", 2 }, { "SetX", 2 },
		{ "MapSet", 3 }, { "MapSetX", 3 }, { "MapValues", 1 } };
	struct tmpl_scratch *e;
	struct tmpl_value *l;
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(m[i].name, name) == 0)
			break;
	if (i == sizeof(m) / sizeof(m[0]))
		return tmpl_exec_errorf(x,
		    "can't evaluate field %s in type "
		    "*template.Scratch",
		    name);
	if (n != m[i].nargs)
		return tmpl_exec_errorf(x,
		    "wrong number of args for %s: want %zu "
		    "got %zu",
		    name, m[i].nargs, n);
	if (a[0].kind != TV_STR)
		return tmpl_exec_errorf(x,
		    "wrong type for value; expected string; "
		    "got %s",
		    tmpl_value_type_name(&a[0]));
	e = scratch_find(x, a[0].u.s, a[0].len, i >= 2 && i <= 5);
	*r = tmpl_value_str("", 0);
	switch (i) {
	case 0:
		*r = tmpl_value_bool(e != NULL);
		break;
	case 1:
		*r = e != NULL ? e->val : tmpl_value_nil();
		break;
	case 2:
		e->val = a[1];
		break;
	case 3:
		if (e->val.kind == TV_MISSING)
			e->val = a[1];
		break;
	case 4:
	case 5:
		return scratch_map_set(x, e, &a[1], &a[2], i == 5);
	default:
		if (e == NULL || e->val.kind != TV_MAP) {
			*r = tmpl_value_list(tmpl_arena_alloc(x->a, sizeof(*l)),
			    0, ELEM_ANY);
			break;
		}
		l = tmpl_arena_alloc(x->a, (e->val.u.map->n + 1) * sizeof(*l));
		for (size_t k = 0; k < e->val.u.map->n; k++)
			l[k] = e->val.u.map->vals[k];
		*r = tmpl_value_list(l, e->val.u.map->n, ELEM_ANY);
	}
	return 0;
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_local_funcs[] = {
	{ "env", fn_env, 1, 1, 0, 0 },
	{ "envOrDefault", fn_env_or_default, 2, 2, 0, 0 },
	{ "mustEnv", fn_must_env, 1, 1, 0, 0 },
	{ "file", fn_file, 1, 1, 0, 0 },
	{ "scratch", fn_scratch, 0, 0, 0, 0 },
	{ "timestamp", fn_timestamp, 0, 1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
