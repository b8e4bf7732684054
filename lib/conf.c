/* SPDX-License-Identifier: MIT */
/*
 * Configuration tables over inih.  inih splits the file into sections and
 * key = value pairs; everything else is here, driven by the caller's
 * table: finding the row, parsing the value by type with bounds, writing
 * it at the row's offset, and the error text.  inih is fed through our own
 * line reader (ini_parse_stream) for two reasons: the reader counts lines,
 * which is how errors name the line without INI_HANDLER_LINENO (defining
 * it would change the handler's ABI against Debian's shared library), and
 * it sees the raw line, which is how it catches what inih would get wrong
 * silently: a line longer than inih's buffer (which inih would split into
 * two lines) and an indented key (which inih would glue onto the previous
 * value).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "conf.h"
#include "log.h"
#include "str.h"
#include "xmalloc.h"

/* The state of one conf_load(): the reader's and the handler's. */
struct conf_read {
	const struct conf_spec *spec;
	void *target;
	const char *path;
	FILE *fp; /* the file, or NULL when reading text */
	const char *text; /* the rest of the text */
	int line;
	bool indented; /* the current line starts with blanks */
	int last_line; /* line of the handler's previous call */
	char last_key[128];
	char last_section[128];
	int err_line; /* 0 until the first error */
	char *err;
	size_t errlen;
};

static void
conf_fmt_num(char *out, size_t len, enum conf_type type, long long v)
{
	static const struct {
		long long unit;
		const char *suffix;
	} ms[] = { { 3600000, "h" }, { 60000, "m" }, { 1000, "s" } },
	  bytes[]
	    = { { 1LL << 30, "G" }, { 1LL << 20, "M" }, { 1LL << 10, "k" } };
	size_t i;

	for (i = 0; i < 3 && v != 0; i++) {
		if (type == CONF_DURATION && v % ms[i].unit == 0) {
			(void)snprintf(out, len, "%lld%s", v / ms[i].unit,
			    ms[i].suffix);
			return;
		}
		if (type == CONF_SIZE && v % bytes[i].unit == 0) {
			(void)snprintf(out, len, "%lld%s", v / bytes[i].unit,
			    bytes[i].suffix);
			return;
		}
	}
	(void)snprintf(out, len, "%lld%s", v,
	    type == CONF_DURATION ? "ms" : "");
}

/* "64k", "16M", "1G", "512", with an optional "B" or "iB": bytes. */
static int
conf_parse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t n = strspn(s, "0123456789");
	long long v;
	uint64_t mult = 1;
	const char *u = s + n;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	if (str_to_ll(num, 0, LLONG_MAX, &v) == -1)
		return -1;
	switch (tolower((unsigned char)*u)) {
	case 'k':
		mult = 1ULL << 10;
		u++;
		break;
	case 'm':
		mult = 1ULL << 20;
		u++;
		break;
	case 'g':
		mult = 1ULL << 30;
		u++;
		break;
	default:
		break;
	}
	if (mult != 1 && (strcasecmp(u, "ib") == 0 || strcasecmp(u, "b") == 0))
		u += strlen(u);
	else if (mult == 1 && strcasecmp(u, "b") == 0)
		u++;
	if (*u != '\0' || (uint64_t)v > UINT64_MAX / mult)
		return -1;
	*out = (uint64_t)v * mult;
	return 0;
}

static bool
conf_bounded(const struct conf_opt *o)
{
	return o->min != 0 || o->max != 0;
}

static int
conf_check_range(const struct conf_opt *o, uint64_t v, char *err, size_t errlen)
{
	char lo[32], hi[32];

	if (!conf_bounded(o)
	    || (v >= (uint64_t)o->min && v <= (uint64_t)o->max))
		return 0;
	conf_fmt_num(lo, sizeof(lo), o->type, o->min);
	conf_fmt_num(hi, sizeof(hi), o->type, o->max);
	(void)snprintf(err, errlen, "must be between %s and %s", lo, hi);
	return -1;
}

int
conf_store(const struct conf_opt *o, void *obj, const char *value, char *err,
    size_t errlen)
{
	char *field = (char *)obj + o->offset;
	long long min = LLONG_MIN, max = LLONG_MAX, ll;
	uint64_t u;
	char **sp;
	bool b;

	if (o->set != NULL)
		return o->set(obj, o, value, err, errlen);
	switch (o->type) {
	case CONF_STR:
		sp = (char **)(void *)field;
		if (*sp != NULL && (o->flags & CONF_SECRET))
			explicit_bzero(*sp, strlen(*sp));
		free(*sp);
		*sp = xstrdup(value);
		return 0;
	case CONF_INT:
		if (conf_bounded(o)) {
			min = o->min;
			max = o->max;
		}
		if (str_to_ll(value, min, max, &ll) == -1) {
			if (conf_bounded(o))
				(void)snprintf(err, errlen,
				    "expected an integer from %lld to %lld, "
				    "not \"%s\"",
				    min, max, value);
			else
				(void)snprintf(err, errlen,
				    "expected an integer, not \"%s\"", value);
			return -1;
		}
		memcpy(field, &ll, sizeof(ll));
		return 0;
	case CONF_BOOL:
		if (str_to_bool(value, &b) == -1) {
			(void)snprintf(err, errlen,
			    "expected true or false, not \"%s\"", value);
			return -1;
		}
		memcpy(field, &b, sizeof(b));
		return 0;
	case CONF_DURATION:
		if (str_to_ms(value, 0, &u) == -1) {
			(void)snprintf(err, errlen,
			    "expected a duration such as 30s, 1m30s or 250ms, "
			    "not \"%s\"",
			    value);
			return -1;
		}
		if (conf_check_range(o, u, err, errlen) == -1)
			return -1;
		memcpy(field, &u, sizeof(u));
		return 0;
	case CONF_SIZE:
		if (conf_parse_size(value, &u) == -1) {
			(void)snprintf(err, errlen,
			    "expected a size such as 512, 64k or 16M, "
			    "not \"%s\"",
			    value);
			return -1;
		}
		if (conf_check_range(o, u, err, errlen) == -1)
			return -1;
		memcpy(field, &u, sizeof(u));
		return 0;
	}
	(void)snprintf(err, errlen, "bad option type");
	return -1;
}

/* Stores value without one level of surrounding double quotes. */
static int
conf_store_unquoted(const struct conf_opt *o, void *obj, const char *value,
    char *err, size_t errlen)
{
	size_t n = strlen(value);
	char *inner;
	int rc;

	if ((o->flags & CONF_VERBATIM) || n < 2 || value[0] != '"'
	    || value[n - 1] != '"')
		return conf_store(o, obj, value, err, errlen);
	inner = xstrndup(value + 1, n - 2);
	rc = conf_store(o, obj, inner, err, errlen);
	if (o->flags & CONF_SECRET)
		explicit_bzero(inner, n - 2);
	free(inner);
	return rc;
}

static bool
conf_is_named(const struct conf_spec *spec, const char *section)
{
	size_t i;

	for (i = 0; i < spec->nnamed; i++)
		if (strcmp(spec->named[i].section, section) == 0)
			return true;
	return false;
}

const struct conf_opt *
conf_find(const struct conf_spec *spec, const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < spec->nopts; i++)
		if (strcmp(spec->opts[i].section, section) == 0
		    && strcmp(spec->opts[i].key, key) == 0)
			return &spec->opts[i];
	return NULL;
}

static bool
conf_has_section(const struct conf_spec *spec, const char *section)
{
	size_t i;

	for (i = 0; i < spec->nopts; i++)
		if (strcmp(spec->opts[i].section, section) == 0)
			return true;
	return false;
}

/* Does row o belong to section (NULL: to any fixed section)? */
static bool
conf_in_section(const struct conf_spec *spec, const struct conf_opt *o,
    const char *section)
{
	if (section == NULL)
		return !conf_is_named(spec, o->section);
	return strcmp(o->section, section) == 0;
}

void
conf_defaults(const struct conf_spec *spec, const char *section, void *obj)
{
	char err[CONF_ERR_MAX];
	size_t i;

	for (i = 0; i < spec->nopts; i++) {
		const struct conf_opt *o = &spec->opts[i];

		if (o->def == NULL || !conf_in_section(spec, o, section))
			continue;
		if (conf_store(o, obj, o->def, err, sizeof(err)) == -1)
			fatalx("conf: default of [%s] %s: %s", o->section,
			    o->key, err);
	}
}

void
conf_clear(const struct conf_spec *spec, const char *section, void *obj)
{
	size_t i;
	char **sp;

	for (i = 0; i < spec->nopts; i++) {
		const struct conf_opt *o = &spec->opts[i];

		if (o->type != CONF_STR || o->set != NULL
		    || !conf_in_section(spec, o, section))
			continue;
		sp = (char **)(void *)((char *)obj + o->offset);
		if (*sp != NULL && (o->flags & CONF_SECRET))
			explicit_bzero(*sp, strlen(*sp));
		free(*sp);
		*sp = NULL;
	}
}

int
conf_set(const struct conf_spec *spec, void *target, const char *section,
    const char *key, const char *value, char *err, size_t errlen)
{
	const struct conf_opt *o = conf_find(spec, section, key);
	char why[CONF_ERR_MAX];

	if (o == NULL || conf_is_named(spec, section)) {
		(void)snprintf(err, errlen, "[%s] %s: unknown option", section,
		    key);
		return -1;
	}
	if (conf_store(o, target, value, why, sizeof(why)) == -1) {
		(void)snprintf(err, errlen, "[%s] %s: %s", section, key, why);
		return -1;
	}
	return 0;
}

int
conf_env(const struct conf_spec *spec, void *target, char *err, size_t errlen)
{
	char why[CONF_ERR_MAX];
	const char *v;
	size_t i;

	for (i = 0; i < spec->nopts; i++) {
		const struct conf_opt *o = &spec->opts[i];

		if (o->env == NULL || conf_is_named(spec, o->section))
			continue;
		/* Empty means unset, as Consul's own tools read it. */
		v = getenv(o->env);
		if (v == NULL || *v == '\0')
			continue;
		if (conf_store(o, target, v, why, sizeof(why)) == -1) {
			(void)snprintf(err, errlen, "$%s: %s", o->env, why);
			return -1;
		}
	}
	return 0;
}

/* Reading. */

static void conf_fail(struct conf_read *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
conf_fail(struct conf_read *r, const char *fmt, ...)
{
	char why[CONF_ERR_MAX];
	va_list ap;

	if (r->err_line != 0)
		return; /* the first error is the one to fix */
	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	r->err_line = r->line;
	(void)snprintf(r->err, r->errlen, "%s:%d: %s", r->path, r->line, why);
}

/* One raw character of input, or EOF. */
static int
conf_getc(struct conf_read *r)
{
	if (r->fp != NULL)
		return getc(r->fp);
	if (*r->text == '\0')
		return EOF;
	return (unsigned char)*r->text++;
}

/*
 * inih's reader: one line into str (num bytes), counting lines.  A line
 * whose text (without its "\n" or "\r\n") does not fit is an error; inih
 * then reads its tail as another line, but the handler ignores everything
 * after the first error.
 */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf_read *r = stream;
	size_t n = 0;
	int c = EOF;

	while (n + 1 < (size_t)num && (c = conf_getc(r)) != EOF) {
		str[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (n == 0)
		return NULL;
	str[n] = '\0';
	r->line++;
	r->indented = str[0] == ' ' || str[0] == '\t';
	if (c != '\n' && c != EOF) {
		/* The buffer is full: only a line ending may follow. */
		c = conf_getc(r);
		if (c == '\r')
			c = conf_getc(r);
		if (c != '\n' && c != EOF)
			conf_fail(r, "line longer than %d bytes", num - 1);
	}
	return str;
}

static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct conf_read *r = user;
	const struct conf_opt *o;
	const char *sp, *nm;
	char base[128], why[CONF_ERR_MAX];
	void *obj = r->target;
	size_t i, n;

	if (r->err_line != 0)
		return 0;
	if (r->indented && r->line != r->last_line
	    && strcmp(name, r->last_key) == 0
	    && strcmp(section, r->last_section) == 0) {
		conf_fail(r,
		    "[%s] %s: indented line read as a continuation of %s; "
		    "do not indent keys",
		    section, name, name);
		return 0;
	}
	r->last_line = r->line;
	str_copy(r->last_key, name, sizeof(r->last_key));
	str_copy(r->last_section, section, sizeof(r->last_section));

	/* "[template web]": the base name, then the instance name. */
	sp = strchr(section, ' ');
	n = sp != NULL ? (size_t)(sp - section) : strlen(section);
	if (n >= sizeof(base)) {
		conf_fail(r, "[%s]: unknown section", section);
		return 0;
	}
	memcpy(base, section, n);
	base[n] = '\0';
	if (conf_is_named(r->spec, base)) {
		for (nm = section + n; *nm == ' '; nm++)
			;
		if (*nm == '\0') {
			conf_fail(r, "[%s]: needs a name: [%s NAME]", section,
			    base);
			return 0;
		}
		for (i = 0; i < r->spec->nnamed; i++)
			if (strcmp(r->spec->named[i].section, base) == 0)
				break;
		obj = r->spec->named[i].open(r->target, nm, why, sizeof(why));
		if (obj == NULL) {
			conf_fail(r, "[%s]: %s", section, why);
			return 0;
		}
	} else if (sp != NULL || !conf_has_section(r->spec, section)) {
		conf_fail(r, "[%s]: unknown section", section);
		return 0;
	}
	o = conf_find(r->spec, base, name);
	if (o == NULL) {
		conf_fail(r, "[%s] %s: unknown key", section, name);
		return 0;
	}
	if (conf_store_unquoted(o, obj, value, why, sizeof(why)) == -1) {
		conf_fail(r, "[%s] %s: %s", section, name, why);
		return 0;
	}
	return 1;
}

static int
conf_parse(struct conf_read *r)
{
	int rc;

	rc = ini_parse_stream(conf_reader, r, conf_handler, r);
	if (rc > 0 && (r->err_line == 0 || rc < r->err_line)) {
		/* inih's own complaint: it says nothing but the line. */
		r->err_line = 0;
		r->line = rc;
		conf_fail(r, "syntax error: expected [section] or key = value");
	} else if (rc < 0 && r->err_line == 0) {
		(void)snprintf(r->err, r->errlen, "%s: cannot parse (%d)",
		    r->path, rc);
		return -1;
	}
	return r->err_line == 0 ? 0 : -1;
}

int
conf_load_string(const struct conf_spec *spec, void *target, const char *name,
    const char *text, char *err, size_t errlen)
{
	struct conf_read r = {
		.spec = spec,
		.target = target,
		.path = name,
		.text = text,
		.err = err,
		.errlen = errlen,
	};

	return conf_parse(&r);
}

int
conf_load(const struct conf_spec *spec, void *target, const char *path,
    char *err, size_t errlen)
{
	struct conf_read r = {
		.spec = spec,
		.target = target,
		.path = path,
		.err = err,
		.errlen = errlen,
	};
	int rc;

	r.fp = fopen(path, "re");
	if (r.fp == NULL) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = conf_parse(&r);
	if (rc == 0 && ferror(r.fp)) {
		(void)snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	fclose(r.fp);
	return rc;
}

/* Printing. */

static const char *
conf_type_name(enum conf_type t)
{
	switch (t) {
	case CONF_STR:
		return "string";
	case CONF_INT:
		return "integer";
	case CONF_BOOL:
		return "boolean";
	case CONF_DURATION:
		return "duration";
	case CONF_SIZE:
		return "size";
	}
	return "?";
}

/* "integer, 1..100, default 5, env FOO" */
static void
conf_describe(const struct conf_opt *o, char *out, size_t len)
{
	char lo[32], hi[32];
	size_t n;

	n = (size_t)snprintf(out, len, "%s", conf_type_name(o->type));
	if (conf_bounded(o) && o->type != CONF_STR && o->type != CONF_BOOL
	    && n < len) {
		conf_fmt_num(lo, sizeof(lo), o->type, o->min);
		conf_fmt_num(hi, sizeof(hi), o->type, o->max);
		n += (size_t)snprintf(out + n, len - n, ", %s..%s", lo, hi);
	}
	if (o->def != NULL && !(o->flags & CONF_SECRET) && n < len)
		n += (size_t)snprintf(out + n, len - n, ", default %s",
		    o->def[0] != '\0' ? o->def : "\"\"");
	if (o->env != NULL && n < len)
		(void)snprintf(out + n, len - n, ", env %s", o->env);
}

static const char *
conf_named_help(const struct conf_spec *spec, const char *section)
{
	size_t i;

	for (i = 0; i < spec->nnamed; i++)
		if (strcmp(spec->named[i].section, section) == 0)
			return spec->named[i].help;
	return NULL;
}

/* Calls fn once per section, in the order sections first appear. */
static void
conf_each_section(const struct conf_spec *spec, FILE *f,
    void (*fn)(const struct conf_spec *, FILE *, const char *))
{
	size_t i, j;

	for (i = 0; i < spec->nopts; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(spec->opts[j].section, spec->opts[i].section)
			    == 0)
				break;
		if (j == i)
			fn(spec, f, spec->opts[i].section);
	}
}

static void
conf_help_section(const struct conf_spec *spec, FILE *f, const char *section)
{
	const char *help = conf_named_help(spec, section);
	char desc[256];
	size_t i;

	if (conf_is_named(spec, section))
		fprintf(f, "[%s NAME]%s%s\n", section, help != NULL ? "  " : "",
		    help != NULL ? help : "");
	else
		fprintf(f, "[%s]\n", section);
	for (i = 0; i < spec->nopts; i++) {
		const struct conf_opt *o = &spec->opts[i];

		if (strcmp(o->section, section) != 0)
			continue;
		conf_describe(o, desc, sizeof(desc));
		fprintf(f, "  %-24s %s\n  %-24s (%s)\n", o->key,
		    o->help != NULL ? o->help : "", "", desc);
	}
}

void
conf_print_help(const struct conf_spec *spec, FILE *f)
{
	conf_each_section(spec, f, conf_help_section);
}

static void
conf_ini_section(const struct conf_spec *spec, FILE *f, const char *section)
{
	const char *help = conf_named_help(spec, section);
	bool named = conf_is_named(spec, section);
	char desc[256];
	size_t i;

	/* A named section is an example, commented out like its keys. */
	if (named)
		fprintf(f, "\n; %s\n;[%s example]\n",
		    help != NULL ? help : "repeatable section", section);
	else
		fprintf(f, "\n[%s]\n", section);
	for (i = 0; i < spec->nopts; i++) {
		const struct conf_opt *o = &spec->opts[i];

		if (strcmp(o->section, section) != 0)
			continue;
		conf_describe(o, desc, sizeof(desc));
		fprintf(f, "; %s (%s)\n;%s =%s%s\n",
		    o->help != NULL ? o->help : "", desc, o->key,
		    o->def != NULL && !(o->flags & CONF_SECRET) ? " " : "",
		    o->def != NULL && !(o->flags & CONF_SECRET) ? o->def : "");
	}
}

void
conf_print_ini(const struct conf_spec *spec, FILE *f)
{
	conf_each_section(spec, f, conf_ini_section);
}

char *
conf_secret_file(const char *path, char *err, size_t errlen)
{
	char line[CONF_SECRET_FILE_MAX + 2], *secret = NULL;
	FILE *fp;
	size_t n;

	fp = fopen(path, "re");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fgets(line, sizeof(line), fp) == NULL) {
		snprintf(err, errlen, "%s: empty", path);
		goto out;
	}
	n = strcspn(line, "\n");
	if (n > CONF_SECRET_FILE_MAX) {
		snprintf(err, errlen, "%s: first line longer than %d bytes",
		    path, CONF_SECRET_FILE_MAX);
		goto out;
	}
	if (*str_trim(line) == '\0') {
		snprintf(err, errlen, "%s: empty", path);
		goto out;
	}
	secret = xstrdup(str_trim(line));
out:
	explicit_bzero(line, sizeof(line));
	fclose(fp);
	return secret;
}

/* The flag's name in arg ("-x", "--x", "-x=v"), its length, or NULL. */
static const char *
conf_argv_flag(const char *arg, size_t *len)
{
	const char *name;

	if (arg[0] != '-' || arg[1] == '\0')
		return NULL;
	name = arg[1] == '-' ? arg + 2 : arg + 1;
	*len = strcspn(name, "=");
	return name;
}

size_t
conf_argv_hide(int argc, char **argv, const char *const *secret_flags,
    size_t nflags)
{
	const char *name;
	size_t found = 0, len, j;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		(void)str_blank_userinfo(argv[i]);
		name = conf_argv_flag(argv[i], &len);
		if (name == NULL)
			continue;
		for (j = 0; j < nflags; j++)
			if (strlen(secret_flags[j]) == len
			    && strncmp(name, secret_flags[j], len) == 0)
				break;
		if (j == nflags)
			continue;
		found++;
		if (name[len] == '=') {
			/* argv[i] is writable; name only points into it. */
			char *value = argv[i] + (name - argv[i]) + len + 1;

			memset(value, 'x', strlen(value));
		} else if (i + 1 < argc) {
			i++;
			memset(argv[i], 'x', strlen(argv[i]));
		}
	}
	return found;
}
