/* SPDX-License-Identifier: MIT */
/*
 * The template evaluator: walks a parsed template's AST against the
 * caller's data and appends the output, following Go's text/template
 * exec.go (pipelines, variables and their scopes, field chains, method
 * calls on scratch and ServiceTags, range/if/with/template, break and
 * continue).  Values live in the template's run arena, which is reset at
 * the start of every execution.  It also carries out the functions that
 * need the walk itself: and and or (which evaluate their operands
 * lazily) and executeTemplate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

/* A variable in scope: $ or one declared with := (name with the $). */
struct tmpl_var {
	const char *name;
	struct tmpl_value val;
};

enum loopctl {
	LOOP_NONE,
	LOOP_BREAK,
	LOOP_CONTINUE,
};

static int walk(struct tmpl_exec *x, const struct tmpl_node *n,
    const struct tmpl_value *dot);
static int eval_pipe(struct tmpl_exec *x, const struct tmpl_pipe *pp,
    const struct tmpl_value *dot, struct tmpl_value *out);

static int
out_add(struct tmpl_exec *x, struct buf *b, const char *s, size_t n)
{
	if (buf_add(b, s, n) == -1)
		return tmpl_exec_errorf(x, "output larger than %zu bytes",
		    b->max);
	return 0;
}

static int
print_value(struct tmpl_exec *x, struct buf *out, const struct tmpl_value *v)
{
	struct buf tmp;
	char num[32];
	int n, ret;

	if (v->kind == TV_STR)
		return out_add(x, out, v->u.s, v->len);
	if (v->kind == TV_INT && !v->isuint) {
		/* Ports and counts: by hand, snprintf shows in profiles. */
		uint64_t u
		    = v->u.i < 0 ? 0 - (uint64_t)v->u.i : (uint64_t)v->u.i;

		n = (int)sizeof(num);
		do {
			num[--n] = (char)('0' + u % 10);
			u /= 10;
		} while (u > 0);
		if (v->u.i < 0)
			num[--n] = '-';
		return out_add(x, out, num + n, sizeof(num) - (size_t)n);
	}
	buf_init(&tmp, SIZE_MAX);
	tmpl_value_print(x->a, &tmp, v);
	ret = out_add(x, out, tmp.data != NULL ? tmp.data : "", tmp.len);
	buf_clear(&tmp);
	return ret;
}

/* Variables. */
static void
var_push(struct tmpl_exec *x, const char *name, const struct tmpl_value *v)
{
	struct tmpl_var *nv;

	if (x->nvars == x->varcap) {
		x->varcap = x->varcap ? x->varcap * 2 : 32;
		nv = tmpl_arena_alloc(x->a, x->varcap * sizeof(*nv));
		if (x->nvars > 0)
			memcpy(nv, x->vars, x->nvars * sizeof(*nv));
		x->vars = nv;
	}
	x->vars[x->nvars].name = name;
	x->vars[x->nvars].val = *v;
	x->nvars++;
}

static struct tmpl_var *
var_find(struct tmpl_exec *x, const char *name)
{
	size_t i;

	for (i = x->nvars; i > 0; i--)
		if (strcmp(x->vars[i - 1].name, name) == 0)
			return &x->vars[i - 1];
	return NULL;
}

/*
 * Methods: the scratch object's, time.Time's and *semver.Version's.
 * (consul-template v0.41.1's ServiceTags has no Contains method:
 * `.Tags.Contains` is an error there too.)
 */
static int
call_method(struct tmpl_exec *x, const struct tmpl_value *recv,
    const char *name, struct tmpl_value *args, size_t nargs,
    struct tmpl_value *ret, bool *found)
{
	*found = false;
	if (recv->kind == TV_SCRATCH) {
		*found = true;
		return tmpl_local_scratch_method(x, name, args, nargs, ret);
	}
	if (recv->kind == TV_TIME) {
		*found = true;
		return tmpl_time_method(x, recv->u.time, name, args, nargs,
		    ret);
	}
	if (recv->kind == TV_SEMVER && recv->u.semver != NULL) {
		*found = true;
		return tmpl_semver_method(x, recv->u.semver, name, args, nargs,
		    ret);
	}
	return 0;
}

/*
 * One field step: recv.name, with args (only for the last step of a
 * chain, which may be a method call).
 */
static int
eval_field(struct tmpl_exec *x, const struct tmpl_value *recv, const char *name,
    struct tmpl_value *args, size_t nargs, struct tmpl_value *out)
{
	struct tmpl_value r = *recv;
	bool found;
	long i;

	if (r.kind == TV_MISSING) {
		if (x->t->missing_error)
			return tmpl_exec_errorf(x,
			    "nil data; no entry for key "
			    "\"%s\"",
			    name);
		*out = tmpl_value_missing();
		return 0;
	}
	if (r.kind == TV_NIL)
		return tmpl_exec_errorf(x,
		    "nil pointer evaluating interface "
		    "{}.%s",
		    name);
	if (call_method(x, &r, name, args, nargs, out, &found) == -1)
		return -1;
	if (found)
		return 0;
	if (r.kind == TV_MAP) {
		if (nargs > 0)
			return tmpl_exec_errorf(x,
			    "%s is not a method but has "
			    "arguments",
			    name);
		i = tmpl_value_map_find(r.u.map, name, strlen(name));
		if (i >= 0) {
			*out = r.u.map->vals[i];
			return 0;
		}
		if (x->t->missing_error)
			return tmpl_exec_errorf(x,
			    "map has no entry for key \"%s\"", name);
		*out = tmpl_value_map_zero(&r);
		return 0;
	}
	if (r.kind == TV_REC) {
		if (r.u.rec == NULL)
			return tmpl_exec_errorf(x,
			    "nil pointer evaluating %s.%s",
			    tmpl_record_type_name(r.rtype), name);
		if (tmpl_record_field(x->a, &r, name, out) == 0) {
			if (nargs > 0)
				return tmpl_exec_errorf(x,
				    "%s has arguments but "
				    "cannot be invoked as function",
				    name);
			return x->failed ? -1 : 0;
		}
		if (x->failed)
			return -1;
	}
	return tmpl_exec_errorf(x, "can't evaluate field %s in type %s", name,
	    tmpl_value_type_name(&r));
}

static int
eval_chain(struct tmpl_exec *x, struct tmpl_value v, const char **fields,
    size_t n, struct tmpl_value *args, size_t nargs, struct tmpl_value *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (eval_field(x, &v, fields[i], i + 1 == n ? args : NULL,
			i + 1 == n ? nargs : 0, &v)
		    == -1)
			return -1;
	}
	*out = v;
	return 0;
}

static int call_func(struct tmpl_exec *x, const struct tmpl_cmd *c,
    const struct tmpl_func *f, const struct tmpl_arg *argv, size_t argc,
    const struct tmpl_value *dot, const struct tmpl_value *final,
    struct tmpl_value *out);

/* An argument (not the command's first word): evaluated to a value. */
static int
eval_arg(struct tmpl_exec *x, const struct tmpl_arg *a,
    const struct tmpl_value *dot, struct tmpl_value *out)
{
	struct tmpl_var *v;
	struct tmpl_value t;

	switch (a->kind) {
	case TA_DOT:
		*out = *dot;
		return 0;
	case TA_NIL:
		*out = tmpl_value_nil();
		return 0;
	case TA_NUM:
		if (a->lit.kind == TV_STR)
			return tmpl_exec_errorf(x, "%.*s overflows int",
			    (int)a->lit.len, a->lit.u.s);
		*out = a->lit;
		return 0;
	case TA_BOOL:
	case TA_STR:
		*out = a->lit;
		return 0;
	case TA_FIELD:
		return eval_chain(x, *dot, a->fields, a->nfields, NULL, 0, out);
	case TA_VAR:
		v = var_find(x, a->varname);
		if (v == NULL)
			return tmpl_exec_errorf(x, "undefined variable: %s",
			    a->varname);
		return eval_chain(x, v->val, a->fields, a->nfields, NULL, 0,
		    out);
	case TA_FUNC:
		return call_func(x, x->cmd, a->func, NULL, 0, dot, NULL, out);
	case TA_CHAIN_FUNC:
		if (call_func(x, x->cmd, a->func, NULL, 0, dot, NULL, &t) == -1)
			return -1;
		return eval_chain(x, t, a->fields, a->nfields, NULL, 0, out);
	case TA_PIPE:
		if (eval_pipe(x, a->pipe, dot, &t) == -1)
			return -1;
		return eval_chain(x, t, a->fields, a->nfields, NULL, 0, out);
	}
	return tmpl_exec_errorf(x, "can't handle argument");
}

/*
 * Calls function f with the operands argv[0..argc) and the piped value
 * final (NULL when none).  and/or evaluate lazily.
 */
static int
call_func(struct tmpl_exec *x, const struct tmpl_cmd *c,
    const struct tmpl_func *f, const struct tmpl_arg *argv, size_t argc,
    const struct tmpl_value *dot, const struct tmpl_value *final,
    struct tmpl_value *out)
{
	const struct tmpl_cmd *savecmd = x->cmd;
	const char *savefn = x->fname;
	struct tmpl_value *args;
	size_t n, i;
	int ret = -1;

	n = argc + (final != NULL ? 1 : 0);
	x->cmd = c;
	if ((int)n < f->minargs || (f->maxargs >= 0 && (int)n > f->maxargs)) {
		if (f->maxargs < 0)
			tmpl_exec_errorf(x,
			    "wrong number of args for %s: want at "
			    "least %d got %zu",
			    f->name, f->minargs, n);
		else
			tmpl_exec_errorf(x,
			    "wrong number of args for %s: want %d "
			    "got %zu",
			    f->name,
			    n < (size_t)f->minargs ? f->minargs : f->maxargs,
			    n);
		goto out;
	}
	if (f->flags & TMPL_FUNC_LAZY) {
		/* and / or: the first deciding operand, lazily. */
		bool want = strcmp(f->name, "or") == 0;

		for (i = 0; i < n; i++) {
			if (i < argc) {
				if (eval_arg(x, &argv[i], dot, out) == -1)
					goto out;
			} else
				*out = *final;
			if (tmpl_value_truth(out) == want || i + 1 == n)
				break;
		}
		ret = 0;
		goto out;
	}
	args = tmpl_arena_alloc(x->a, (n > 0 ? n : 1) * sizeof(*args));
	for (i = 0; i < argc; i++)
		if (eval_arg(x, &argv[i], dot, &args[i]) == -1)
			goto out;
	if (final != NULL)
		args[argc] = *final;
	x->cmd = c;
	x->fname = f->name;
	x->farg = f->arg;
	*out = tmpl_value_missing();
	if (f->fn(x, args, n, out) == -1) {
		if (!x->failed)
			tmpl_exec_errorf(x, "failed");
		goto out;
	}
	if (x->a->overflow) {
		x->fname = NULL;
		tmpl_exec_memory_error(x);
		goto out;
	}
	ret = 0;
out:
	x->cmd = savecmd;
	x->fname = savefn;
	return ret;
}

static int
eval_cmd(struct tmpl_exec *x, const struct tmpl_cmd *c,
    const struct tmpl_value *dot, const struct tmpl_value *final,
    struct tmpl_value *out)
{
	const struct tmpl_arg *a0 = &c->args[0];
	struct tmpl_value recv, *args = NULL;
	size_t nargs = 0, i;
	const char **fields = a0->fields;
	struct tmpl_var *v;
	int ret = -1;

	x->cmd = c;
	switch (a0->kind) {
	case TA_FUNC:
		ret = call_func(x, c, a0->func, c->args + 1, c->nargs - 1, dot,
		    final, out);
		goto out;
	case TA_FIELD:
	case TA_VAR:
	case TA_CHAIN_FUNC:
	case TA_PIPE:
		break;
	case TA_NIL:
		tmpl_exec_errorf(x, "nil is not a command");
		goto out;
	default:
		if (c->nargs > 1 || final != NULL) {
			tmpl_exec_errorf(x,
			    "can't give argument to non-function %.*s",
			    (int)c->srclen, c->src);
			goto out;
		}
		ret = eval_arg(x, a0, dot, out);
		goto out;
	}
	/* Receiver of the field chain. */
	if (a0->kind == TA_FIELD)
		recv = *dot;
	else if (a0->kind == TA_VAR) {
		v = var_find(x, a0->varname);
		if (v == NULL) {
			tmpl_exec_errorf(x, "undefined variable: %s",
			    a0->varname);
			goto out;
		}
		recv = v->val;
	} else if (a0->kind == TA_PIPE) {
		if (eval_pipe(x, a0->pipe, dot, &recv) == -1)
			goto out;
		x->cmd = c;
	} else {
		if (call_func(x, c, a0->func, NULL, 0, dot, NULL, &recv) == -1)
			goto out;
	}
	if (a0->nfields == 0) {
		if (c->nargs > 1 || final != NULL) {
			tmpl_exec_errorf(x,
			    "can't give argument to non-function %s",
			    a0->kind == TA_VAR ? a0->varname : "pipeline");
			goto out;
		}
		*out = recv;
		ret = 0;
		goto out;
	}
	nargs = c->nargs - 1 + (final != NULL ? 1 : 0);
	if (nargs > 0) {
		args = tmpl_arena_alloc(x->a, nargs * sizeof(*args));
		for (i = 0; i + 1 < c->nargs; i++)
			if (eval_arg(x, &c->args[i + 1], dot, &args[i]) == -1)
				goto out;
		if (final != NULL)
			args[nargs - 1] = *final;
	}
	x->cmd = c;
	ret = eval_chain(x, recv, fields, a0->nfields, args, nargs, out);
out:
	return ret;
}

static int
eval_pipe(struct tmpl_exec *x, const struct tmpl_pipe *pp,
    const struct tmpl_value *dot, struct tmpl_value *out)
{
	struct tmpl_value val, prev;
	struct tmpl_var *v;
	size_t i;

	val = tmpl_value_missing();
	for (i = 0; i < pp->ncmds; i++) {
		prev = val;
		if (eval_cmd(x, &pp->cmds[i], dot, i > 0 ? &prev : NULL, &val)
		    == -1)
			return -1;
		if (x->a->overflow)
			return tmpl_exec_memory_error(x);
	}
	for (i = 0; i < pp->nvars; i++) {
		if (pp->decl)
			var_push(x, pp->vars[i], &val);
		else {
			v = var_find(x, pp->vars[i]);
			if (v == NULL)
				return tmpl_exec_errorf(x,
				    "undefined variable: %s", pp->vars[i]);
			v->val = val;
		}
	}
	*out = val;
	return 0;
}

static int
walk_list(struct tmpl_exec *x, const struct tmpl_node *n,
    const struct tmpl_value *dot)
{
	for (; n != NULL; n = n->next) {
		if (walk(x, n, dot) == -1)
			return -1;
		if (x->loopctl != LOOP_NONE)
			break;
	}
	return 0;
}

static int
range_body(struct tmpl_exec *x, const struct tmpl_node *n,
    const struct tmpl_value *k, const struct tmpl_value *v)
{
	size_t mark = x->nvars;
	int ret;

	if (tmpl_exec_step(x) == -1)
		return -1;
	if (n->pipe->nvars == 1)
		var_push(x, n->pipe->vars[0], n->pipe->nvars == 1 ? v : k);
	else if (n->pipe->nvars == 2) {
		var_push(x, n->pipe->vars[0], k);
		var_push(x, n->pipe->vars[1], v);
	}
	ret = walk_list(x, n->list, v);
	x->nvars = mark;
	return ret;
}

static int
walk_range(struct tmpl_exec *x, const struct tmpl_node *n,
    const struct tmpl_value *dot)
{
	struct tmpl_value val, k;
	size_t mark = x->nvars, i, count = 0;
	int ret = -1;

	x->cmd = n->pipe->ncmds > 0 ? &n->pipe->cmds[0] : NULL;
	/* The declared variables are set per iteration, not here. */
	{
		struct tmpl_pipe p = *n->pipe;

		p.nvars = 0;
		if (eval_pipe(x, &p, dot, &val) == -1)
			goto out;
	}
	switch (val.kind) {
	case TV_MISSING:
	case TV_NIL:
		break;
	case TV_LIST:
		for (i = 0; i < val.len; i++) {
			k = tmpl_value_int((int64_t)i);
			count++;
			if (range_body(x, n, &k, &val.u.list[i]) == -1)
				goto out;
			if (x->loopctl == LOOP_BREAK) {
				x->loopctl = LOOP_NONE;
				break;
			}
			x->loopctl = LOOP_NONE;
		}
		break;
	case TV_MAP:
		for (i = 0; val.u.map != NULL && i < val.u.map->n; i++) {
			count++;
			if (range_body(x, n, &val.u.map->keys[i],
				&val.u.map->vals[i])
			    == -1)
				goto out;
			if (x->loopctl == LOOP_BREAK) {
				x->loopctl = LOOP_NONE;
				break;
			}
			x->loopctl = LOOP_NONE;
		}
		break;
	case TV_INT:
		if (n->pipe->nvars > 1) {
			tmpl_exec_errorf(x,
			    "can't use %lld to iterate over more "
			    "than one variable",
			    (long long)val.u.i);
			goto out;
		}
		for (i = 0; (int64_t)i < val.u.i; i++) {
			k = tmpl_value_int((int64_t)i);
			count++;
			if (range_body(x, n, &k, &k) == -1)
				goto out;
			if (x->loopctl == LOOP_BREAK) {
				x->loopctl = LOOP_NONE;
				break;
			}
			x->loopctl = LOOP_NONE;
		}
		break;
	default:
		tmpl_exec_errorf(x, "range can't iterate over %s",
		    tmpl_value_type_name(&val));
		goto out;
	}
	if (count == 0 && n->elselist != NULL)
		if (walk_list(x, n->elselist, dot) == -1)
			goto out;
	ret = 0;
out:
	x->nvars = mark;
	return ret;
}

static int
walk_template(struct tmpl_exec *x, const struct tmpl_node *n,
    const struct tmpl_value *dot)
{
	struct tmpl_value val = tmpl_value_missing();
	struct tmpl_var *savevars;
	size_t savenvars, savecap;
	const char *savename;
	struct tmpl_def *d;
	int ret;

	if (n->pipe != NULL && eval_pipe(x, n->pipe, dot, &val) == -1)
		return -1;
	for (d = x->t->defs; d != NULL; d = d->next)
		if (strcmp(d->name, n->name) == 0)
			break;
	if (d == NULL) {
		/* Go: at <{{template "name"}}>: template "name" not defined */
		if (!x->failed) {
			x->failed = true;
			snprintf(x->err, x->errlen,
			    "%s:%d:%d: executing \"%s\" at <{{template "
			    "\"%s\"}}>: template \"%s\" not defined",
			    x->t->name, n->line, n->col, x->tname, n->name,
			    n->name);
		}
		return -1;
	}
	if (++x->depth > TMPL_MAX_CALL_DEPTH) {
		x->cmd = NULL;
		return tmpl_exec_errorf(x,
		    "exceeded maximum template depth (%d)",
		    TMPL_MAX_CALL_DEPTH);
	}
	savevars = x->vars;
	savenvars = x->nvars;
	savecap = x->varcap;
	savename = x->tname;
	x->vars = NULL;
	x->nvars = 0;
	x->varcap = 0;
	x->tname = d->name;
	var_push(x, "$", &val);
	ret = walk_list(x, d->body, &val);
	x->vars = savevars;
	x->nvars = savenvars;
	x->varcap = savecap;
	x->tname = savename;
	x->depth--;
	return ret;
}

static int
eval_template(struct tmpl_exec *x, const char *name,
    const struct tmpl_value *dot, struct buf *out)
{
	struct tmpl_node n;
	struct tmpl_pipe p;
	struct tmpl_cmd c;
	struct tmpl_arg a;
	struct buf *save = x->out;
	const struct tmpl_cmd *savecmd = x->cmd;
	const char *savefn = x->fname;
	struct tmpl_value none = tmpl_value_missing();
	int ret;
	struct tmpl_def *d;

	for (d = x->t->defs; d != NULL; d = d->next)
		if (strcmp(d->name, name) == 0)
			break;
	if (d == NULL)
		return tmpl_exec_errorf(x,
		    "template: no template \"%s\" associated with template "
		    "\"%s\"",
		    name, x->t->name);

	memset(&n, 0, sizeof(n));
	n.kind = TN_TEMPLATE;
	n.name = name;
	if (dot != NULL) {
		memset(&p, 0, sizeof(p));
		memset(&c, 0, sizeof(c));
		memset(&a, 0, sizeof(a));
		a.kind = TA_DOT;
		c.args = &a;
		c.nargs = 1;
		p.cmds = &c;
		p.ncmds = 1;
		n.pipe = &p;
	}
	x->out = out;
	x->fname = NULL;
	ret = walk_template(x, &n, dot != NULL ? dot : &none);
	x->out = save;
	x->cmd = savecmd;
	x->fname = savefn;
	return ret;
}

static int
walk(struct tmpl_exec *x, const struct tmpl_node *n,
    const struct tmpl_value *dot)
{
	struct tmpl_value val;
	size_t mark;
	int ret;

	if (tmpl_exec_step(x) == -1)
		return -1;
	if (x->a->overflow)
		return tmpl_exec_memory_error(x);
	switch (n->kind) {
	case TN_TEXT:
		return out_add(x, x->out, n->text, n->textlen);
	case TN_ACTION:
		if (eval_pipe(x, n->pipe, dot, &val) == -1)
			return -1;
		if (n->pipe->nvars > 0)
			return 0;
		/* Go's exec turns a nil interface{} result into an invalid
		 * value ("lovely!" in its source): a JSON null or an unset
		 * scratch key prints <no value>, not fmt's <nil>. */
		if (val.kind == TV_NIL)
			val = tmpl_value_missing();
		return print_value(x, x->out, &val);
	case TN_IF:
	case TN_WITH:
		mark = x->nvars;
		if (eval_pipe(x, n->pipe, dot, &val) == -1)
			return -1;
		if (tmpl_value_truth(&val))
			ret = walk_list(x, n->list,
			    n->kind == TN_WITH ? &val : dot);
		else if (n->elselist != NULL)
			ret = walk_list(x, n->elselist, dot);
		else
			ret = 0;
		x->nvars = mark;
		return ret;
	case TN_RANGE:
		return walk_range(x, n, dot);
	case TN_TEMPLATE:
		return walk_template(x, n, dot);
	case TN_BREAK:
		x->loopctl = LOOP_BREAK;
		return 0;
	case TN_CONTINUE:
		x->loopctl = LOOP_CONTINUE;
		return 0;
	default:
		return 0;
	}
}

static int
fn_execute_template(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *name;
	size_t len;
	struct buf b;

	if (tmpl_exec_arg_str(x, a, 0, &name, &len) == -1)
		return -1;
	buf_init(&b, x->out->max);
	if (eval_template(x, tmpl_arena_strndup(x->a, name, len),
		n > 1 ? &a[1] : NULL, &b)
	    == -1) {
		buf_clear(&b);
		return -1;
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_eval_funcs[] = {
	{ "and", NULL, 1, -1, TMPL_FUNC_LAZY, 0 },
	{ "or", NULL, 1, -1, TMPL_FUNC_LAZY, 0 },
	{ "executeTemplate", fn_execute_template, 1, 2, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};

int
tmpl_execute(struct tmpl *t, const struct tmpl_exec_opts *opts, struct buf *out,
    struct tmpl_deps *deps, char *err, size_t errlen)
{
	struct tmpl_exec x;
	struct tmpl_value root = tmpl_value_missing();
	int ret;

	if (deps != NULL)
		tmpl_deps_clear(deps);
	tmpl_arena_reset(&t->run);
	t->run.max = opts != NULL && opts->max_bytes > 0 ? opts->max_bytes
							 : TMPL_ARENA_MAX;
	memset(&x, 0, sizeof(x));
	x.t = t;
	x.opts = opts;
	x.a = &t->run;
	x.out = out;
	x.deps = deps;
	x.err = err;
	x.errlen = errlen;
	x.tname = t->name;
	x.maxsteps = opts != NULL && opts->max_steps > 0 ? opts->max_steps
							 : TMPL_MAX_STEPS;
	var_push(&x, "$", &root);
	ret = walk_list(&x, t->root, &root);
	/*
	 * Keep a little memory for the next run; a big render's chunks go
	 * back to malloc so an idle daemon stays small.
	 */
	tmpl_arena_reset(&t->run);
	tmpl_arena_trim(&t->run, TMPL_ARENA_KEEP);
	return ret;
}
