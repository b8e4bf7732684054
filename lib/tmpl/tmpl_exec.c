/* SPDX-License-Identifier: MIT */
/*
 * The execution context: what a template function may ask of the
 * execution that calls it.  It checks and fetches arguments, reports an
 * error once, with the position of the action and the function's name
 * in Go's wording, and records each dependency the execution uses (in
 * first-use order, without duplicates) while it asks the caller for its
 * data.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "tmpl_int.h"
#include "xmalloc.h"

int
tmpl_exec_errorf(struct tmpl_exec *x, const char *fmt, ...)
{
	char msg[TMPL_ERR_MAX];
	va_list ap;
	int n;

	if (x->failed)
		return -1;
	x->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (x->cmd != NULL) {
		n = x->cmd->srclen > 60 ? 60 : (int)x->cmd->srclen;
		snprintf(x->err, x->errlen,
		    "%s:%d:%d: executing \"%s\" at <%.*s>: %s%s%s", x->t->name,
		    x->cmd->line, x->cmd->col, x->tname, n, x->cmd->src,
		    x->fname != NULL ? "error calling " : "",
		    x->fname != NULL ? x->fname : "",
		    x->fname != NULL ? ": " : "");
		n = (int)strlen(x->err);
		if ((size_t)n < x->errlen)
			snprintf(x->err + n, x->errlen - (size_t)n, "%s", msg);
	} else
		snprintf(x->err, x->errlen, "%s: executing \"%s\": %s",
		    x->t->name, x->tname, msg);
	return -1;
}

int
tmpl_exec_poll(struct tmpl_exec *x)
{
	const char *why;

	x->poll_at = x->steps + TMPL_POLL_STEPS;
	if (x->opts == NULL || x->opts->interrupt == NULL)
		return 0;
	why = x->opts->interrupt(x->opts->interrupt_arg);
	if (why == NULL)
		return 0;
	x->fname = NULL;
	return tmpl_exec_errorf(x, "%s", why);
}

int
tmpl_exec_step(struct tmpl_exec *x)
{
	if (++x->steps > x->maxsteps) {
		x->fname = NULL;
		return tmpl_exec_errorf(x,
		    "step budget exceeded: template execution exceeded %llu "
		    "steps",
		    (unsigned long long)x->maxsteps);
	}
	if (x->steps >= x->poll_at)
		return tmpl_exec_poll(x);
	return 0;
}

int
tmpl_exec_memory_error(struct tmpl_exec *x)
{
	return tmpl_exec_errorf(x,
	    "memory budget exceeded: template uses more than %zu bytes of "
	    "memory",
	    x->a->max);
}

static void
dephash_insert(struct tmpl_exec *x, size_t idx)
{
	size_t mask = x->dephashcap - 1, i;

	i = hash_fnv1a_64_str(HASH_FNV1A_64_INIT, x->deps->v[idx].dep) & mask;
	while (x->dephash[i] != 0)
		i = (i + 1) & mask;
	x->dephash[i] = idx + 1;
}

static struct tmpl_dep *
dep_record(struct tmpl_exec *x, const char *dep)
{
	struct tmpl_deps *d = x->deps;
	size_t mask, i, k;

	if (d == NULL)
		return NULL;
	if (x->dephashcap > 0) {
		mask = x->dephashcap - 1;
		for (i = hash_fnv1a_64_str(HASH_FNV1A_64_INIT, dep) & mask;
		     x->dephash[i] != 0; i = (i + 1) & mask)
			if (strcmp(d->v[x->dephash[i] - 1].dep, dep) == 0)
				return &d->v[x->dephash[i] - 1];
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	d->v[d->n].dep = xstrdup(dep);
	d->v[d->n].missing = false;
	d->n++;
	if (d->n * 2 > x->dephashcap) {
		x->dephashcap = x->dephashcap ? x->dephashcap * 2 : 64;
		x->dephash = tmpl_arena_calloc(x->a, x->dephashcap,
		    sizeof(*x->dephash));
		for (k = 0; k < d->n; k++)
			dephash_insert(x, k);
	} else
		dephash_insert(x, d->n - 1);
	return &d->v[d->n - 1];
}

const cJSON *
tmpl_exec_dep(struct tmpl_exec *x, const char *dep, bool block_on_nil)
{
	struct tmpl_dep *d;
	const cJSON *j = NULL;

	d = dep_record(x, dep);
	if (x->opts != NULL && x->opts->lookup != NULL)
		j = x->opts->lookup(x->opts->lookup_arg, dep);
	if (j != NULL && block_on_nil
	    && (cJSON_IsNull(j) || (cJSON_IsArray(j) && j->child == NULL)))
		j = NULL;
	if (j == NULL && d != NULL && !d->missing) {
		d->missing = true;
		x->deps->nmissing++;
	}
	return j;
}

void
tmpl_exec_dep_refused(struct tmpl_exec *x, const char *s, size_t len)
{
	if (x->deps == NULL)
		return;
	if (x->deps->nrefused++ == 0)
		x->deps->refused = xasprintf("query of %zu bytes \"%.40s...\" "
					     "is longer than %d: no data",
		    len, s, TMPL_DEP_MAX);
}

void
tmpl_exec_dep_missing(struct tmpl_exec *x, const char *dep)
{
	size_t i;

	if (x->deps == NULL)
		return;
	for (i = 0; i < x->deps->n; i++)
		if (strcmp(x->deps->v[i].dep, dep) == 0
		    && !x->deps->v[i].missing) {
			x->deps->v[i].missing = true;
			x->deps->nmissing++;
		}
}

void
tmpl_exec_dep_file(struct tmpl_exec *x, const char *path)
{
	char *dep;

	dep = xasprintf("file(%s)", path);
	dep_record(x, dep);
	free(dep);
}

int
tmpl_exec_arg_str(struct tmpl_exec *x, const struct tmpl_value *args, size_t i,
    const char **s, size_t *len)
{
	/*
	 * Set on failure too: callers return at once then, but gcc -O3
	 * cannot see that through this extern call and warns.
	 */
	*s = "";
	*len = 0;
	if (args[i].kind == TV_STR) {
		*s = args[i].u.s;
		*len = args[i].len;
		return 0;
	}
	/* Go's wording, plus which argument (the piped value is last). */
	if (args[i].kind == TV_MISSING)
		return tmpl_exec_errorf(x,
		    "invalid value; expected string (argument %zu)", i + 1);
	return tmpl_exec_errorf(x,
	    "wrong type for value; expected string; got %s (argument %zu)",
	    tmpl_value_type_name(&args[i]), i + 1);
}

int
tmpl_exec_arg_int(struct tmpl_exec *x, const struct tmpl_value *args, size_t i,
    int64_t *v)
{
	if (args[i].kind == TV_INT) {
		*v = args[i].u.i;
		return 0;
	}
	if (args[i].kind == TV_FLOAT && args[i].u.f == floor(args[i].u.f)
	    && fabs(args[i].u.f) < 9e18) {
		*v = (int64_t)args[i].u.f;
		return 0;
	}
	return tmpl_exec_errorf(x,
	    "wrong type for value; expected int; got %s (argument %zu)",
	    tmpl_value_type_name(&args[i]), i + 1);
}
