/* SPDX-License-Identifier: MIT */
/*
 * The parser of the regular-expression engine: a pattern in Go's
 * regexp/syntax dialect becomes a tree (re_syntax.h), or Go's error text.
 * It works as Go's parser does, on a stack without recursion: operands
 * are pushed as they are read, an operator replaces the top of the stack,
 * '|' and ')' reduce the stack to a concatenation and an alternation.
 * While pushing, adjacent literal runes merge into strings, and an
 * alternation is factored (common prefixes pulled out, runs of single
 * runes merged into one character class), which keeps programs small and
 * gives the tree the shape Go measures its limits on.  Every limit is
 * checked as the tree grows, so no pattern can make the parser, or the
 * recursive walks of the tree after it, go deep or big: the height is
 * checked at every push, the runes of character classes are counted, and
 * the compiled size is estimated once the tree is complete (the tree holds
 * counted repetitions unexpanded, so its own size is linear in the
 * pattern).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "re_syntax.h"
#include "unicode.h"
#include "utf8.h"
#include "xmalloc.h"

/* Go's error codes (regexp/syntax ErrorCode): users see these texts. */
#define ERR_INVALID_CHAR_RANGE "invalid character class range"
#define ERR_INVALID_ESCAPE "invalid escape sequence"
#define ERR_INVALID_NAMED_CAPTURE "invalid named capture"
#define ERR_INVALID_PERL_OP "invalid or unsupported Perl syntax"
#define ERR_INVALID_REPEAT_OP "invalid nested repetition operator"
#define ERR_INVALID_REPEAT_SIZE "invalid repeat count"
#define ERR_INVALID_UTF8 "invalid UTF-8"
#define ERR_MISSING_BRACKET "missing closing ]"
#define ERR_MISSING_PAREN "missing closing )"
#define ERR_MISSING_REPEAT_ARG "missing argument to repetition operator"
#define ERR_TRAILING_BACKSLASH "trailing backslash at end of expression"
#define ERR_UNEXPECTED_PAREN "unexpected )"
#define ERR_NESTING_DEPTH "expression nests too deeply"
#define ERR_LARGE RE_SYNTAX_ERR_LARGE

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct parser {
	struct re_syntax *s; /* owns the nodes */
	unsigned flags; /* RE_SYN_* in force */
	struct re_node **stack; /* owned array, borrowed nodes */
	size_t nstack;
	size_t stackcap;
	int ncap; /* capture groups opened */
	size_t nrunes; /* runes pushed, for RE_CLASS_RUNES_MAX */
	const char *whole; /* the pattern */
	const char *end; /* its end */
	char *err;
	size_t errlen;
};

/* A character class of the Perl (\d) and POSIX ([:alpha:]) kinds. */
struct group {
	const char *name;
	int sign; /* -1: the complement of ranges */
	const int32_t *ranges;
	size_t n; /* elements of ranges */
};

static const int32_t group_digit[] = { '0', '9' };
static const int32_t group_space[] = { '\t', '\n', '\f', '\r', ' ', ' ' };
static const int32_t group_word[] = { '0', '9', 'A', 'Z', '_', '_', 'a', 'z' };
static const int32_t group_alnum[] = { '0', '9', 'A', 'Z', 'a', 'z' };
static const int32_t group_alpha[] = { 'A', 'Z', 'a', 'z' };
static const int32_t group_ascii[] = { 0, 0x7F };
static const int32_t group_blank[] = { '\t', '\t', ' ', ' ' };
static const int32_t group_cntrl[] = { 0, 0x1F, 0x7F, 0x7F };
static const int32_t group_graph[] = { '!', '~' };
static const int32_t group_lower[] = { 'a', 'z' };
static const int32_t group_print[] = { ' ', '~' };
static const int32_t group_punct[] = { '!', '/', ':', '@', '[', '`', '{', '~' };
static const int32_t group_space_posix[] = { '\t', '\r', ' ', ' ' };
static const int32_t group_upper[] = { 'A', 'Z' };
static const int32_t group_xdigit[] = { '0', '9', 'A', 'F', 'a', 'f' };

#define GROUP(name, sign, r)            \
	{                               \
		name, sign, r, NELEM(r) \
	}

static const struct group perl_groups[] = {
	GROUP("\\d", 1, group_digit),
	GROUP("\\D", -1, group_digit),
	GROUP("\\s", 1, group_space),
	GROUP("\\S", -1, group_space),
	GROUP("\\w", 1, group_word),
	GROUP("\\W", -1, group_word),
};

static const struct group posix_groups[] = {
	GROUP("[:alnum:]", 1, group_alnum),
	GROUP("[:^alnum:]", -1, group_alnum),
	GROUP("[:alpha:]", 1, group_alpha),
	GROUP("[:^alpha:]", -1, group_alpha),
	GROUP("[:ascii:]", 1, group_ascii),
	GROUP("[:^ascii:]", -1, group_ascii),
	GROUP("[:blank:]", 1, group_blank),
	GROUP("[:^blank:]", -1, group_blank),
	GROUP("[:cntrl:]", 1, group_cntrl),
	GROUP("[:^cntrl:]", -1, group_cntrl),
	GROUP("[:digit:]", 1, group_digit),
	GROUP("[:^digit:]", -1, group_digit),
	GROUP("[:graph:]", 1, group_graph),
	GROUP("[:^graph:]", -1, group_graph),
	GROUP("[:lower:]", 1, group_lower),
	GROUP("[:^lower:]", -1, group_lower),
	GROUP("[:print:]", 1, group_print),
	GROUP("[:^print:]", -1, group_print),
	GROUP("[:punct:]", 1, group_punct),
	GROUP("[:^punct:]", -1, group_punct),
	GROUP("[:space:]", 1, group_space_posix),
	GROUP("[:^space:]", -1, group_space_posix),
	GROUP("[:upper:]", 1, group_upper),
	GROUP("[:^upper:]", -1, group_upper),
	GROUP("[:word:]", 1, group_word),
	GROUP("[:^word:]", -1, group_word),
	GROUP("[:xdigit:]", 1, group_xdigit),
	GROUP("[:^xdigit:]", -1, group_xdigit),
};

/* \p{Any}, and \p{ASCII} with the two non-ASCII runes folding into it. */
static const int32_t table_any[] = { 0, UTF8_MAX_RUNE };
static const int32_t table_ascii[] = { 0, 0x7F };
static const int32_t table_ascii_fold[]
    = { 0, 0x7F, 0x017F, 0x017F, 0x212A, 0x212A };

int
re_syntax_error(char *err, size_t errlen, const char *code, const char *expr,
    size_t len)
{
	size_t n;
	int w;

	if (errlen == 0)
		return -1;
	w = snprintf(err, errlen, "error parsing regexp: %s: `", code);
	n = w < 0 ? 0 : (size_t)w;
	if (n >= errlen)
		return -1;
	/* The expression may hold any byte, NUL included: copy it raw. */
	if (len > errlen - 1 - n)
		len = errlen - 1 - n;
	memcpy(err + n, expr, len);
	n += len;
	if (n < errlen - 1)
		err[n++] = '`';
	err[n] = '\0';
	return -1;
}

static int
syn_error(struct parser *p, const char *code, const char *expr,
    const char *expr_end)
{
	return re_syntax_error(p->err, p->errlen, code, expr,
	    (size_t)(expr_end - expr));
}

static struct re_node *
node_new(struct re_syntax *s, enum re_op op)
{
	struct re_node *n = xcalloc(1, sizeof(*n));

	n->op = op;
	n->next = s->nodes;
	s->nodes = n;
	return n;
}

static void
node_add_sub(struct re_node *n, struct re_node *sub)
{
	if (n->nsub == n->subcap) {
		n->subcap = n->subcap == 0 ? 2 : 2 * n->subcap;
		n->sub = xreallocarray(n->sub, n->subcap, sizeof(*n->sub));
	}
	n->sub[n->nsub++] = sub;
}

static void
runes_add(struct re_runes *r, int32_t x)
{
	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 4 : 2 * r->cap;
		r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
	}
	r->v[r->n++] = x;
}

/*
 * Character classes are arrays of range pairs.  Appending merges the new
 * range into one of the last two when they overlap or touch (folding an
 * alphabet appends to A-Z and a-z in turn); class_clean sorts and merges
 * the rest.
 */
static void
class_append_range(struct re_runes *r, int32_t lo, int32_t hi)
{
	int32_t *rlo, *rhi;
	size_t i;

	for (i = 2; i <= 4; i += 2) {
		if (r->n < i)
			break;
		rlo = &r->v[r->n - i];
		rhi = &r->v[r->n - i + 1];
		if (lo <= *rhi + 1 && *rlo <= hi + 1) {
			if (lo < *rlo)
				*rlo = lo;
			if (hi > *rhi)
				*rhi = hi;
			return;
		}
	}
	runes_add(r, lo);
	runes_add(r, hi);
}

/*
 * Appends lo-hi and every rune that folds to one in it.  Only the runes
 * that fold to another one need their orbit walked (unicode_foldable), so
 * the cost is bounded by the case tables, not by the width of the range.
 */
static void
class_append_folded_range(struct re_runes *r, int32_t lo, int32_t hi)
{
	const struct unicode_range *fr;
	int32_t min_fold, max_fold, c, f, from, to;
	size_t nfr, i;

	fr = unicode_foldable(&nfr);
	min_fold = (int32_t)fr[0].lo;
	max_fold = (int32_t)fr[nfr - 1].hi;
	if ((lo <= min_fold && hi >= max_fold) || hi < min_fold
	    || lo > max_fold) {
		class_append_range(r, lo, hi);
		return;
	}
	if (lo < min_fold) {
		class_append_range(r, lo, min_fold - 1);
		lo = min_fold;
	}
	if (hi > max_fold) {
		class_append_range(r, max_fold + 1, hi);
		hi = max_fold;
	}
	class_append_range(r, lo, hi);
	for (i = 0; i < nfr; i++) {
		if ((int32_t)fr[i].hi < lo)
			continue;
		if ((int32_t)fr[i].lo > hi)
			break;
		from = (int32_t)fr[i].lo > lo ? (int32_t)fr[i].lo : lo;
		to = (int32_t)fr[i].hi < hi ? (int32_t)fr[i].hi : hi;
		for (c = from; c <= to; c++)
			for (f = unicode_simple_fold(c); f != c;
			     f = unicode_simple_fold(f))
				class_append_range(r, f, f);
	}
}

/* Appends the clean class x (n elements). */
static void
class_append_class(struct re_runes *r, const int32_t *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 2)
		class_append_range(r, x[i], x[i + 1]);
}

static void
class_append_folded_class(struct re_runes *r, const int32_t *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 2)
		class_append_folded_range(r, x[i], x[i + 1]);
}

/* Appends the complement of the clean class x. */
static void
class_append_negated_class(struct re_runes *r, const int32_t *x, size_t n)
{
	int32_t next_lo = 0;
	size_t i;

	for (i = 0; i < n; i += 2) {
		if (next_lo <= x[i] - 1)
			class_append_range(r, next_lo, x[i] - 1);
		next_lo = x[i + 1] + 1;
	}
	if (next_lo <= UTF8_MAX_RUNE)
		class_append_range(r, next_lo, UTF8_MAX_RUNE);
}

static void
class_append_literal(struct re_runes *r, int32_t x, unsigned flags)
{
	if (flags & RE_SYN_FOLD_CASE)
		class_append_folded_range(r, x, x);
	else
		class_append_range(r, x, x);
}

static int
class_range_cmp(const void *a, const void *b)
{
	const int32_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	if (x[1] != y[1])
		return x[1] > y[1] ? -1 : 1;
	return 0;
}

/* Sorts the ranges by low end and merges those that overlap or touch. */
static void
class_clean(struct re_runes *r)
{
	size_t i, w;

	if (r->n < 2)
		return;
	qsort(r->v, r->n / 2, 2 * sizeof(*r->v), class_range_cmp);
	w = 2;
	for (i = 2; i < r->n; i += 2) {
		if (r->v[i] <= r->v[w - 1] + 1) {
			if (r->v[i + 1] > r->v[w - 1])
				r->v[w - 1] = r->v[i + 1];
			continue;
		}
		r->v[w] = r->v[i];
		r->v[w + 1] = r->v[i + 1];
		w += 2;
	}
	r->n = w;
}

/* Replaces the clean class r by its complement. */
static void
class_negate(struct re_runes *r)
{
	int32_t next_lo = 0, lo, hi;
	size_t i, w = 0;

	for (i = 0; i < r->n; i += 2) {
		lo = r->v[i];
		hi = r->v[i + 1];
		if (next_lo <= lo - 1) {
			r->v[w] = next_lo;
			r->v[w + 1] = lo - 1;
			w += 2;
		}
		next_lo = hi + 1;
	}
	r->n = w;
	if (next_lo <= UTF8_MAX_RUNE) {
		runes_add(r, next_lo);
		runes_add(r, UTF8_MAX_RUNE);
	}
}

/* Appends group g, folded under (?i), negated when its sign says so. */
static void
class_append_group(struct parser *p, struct re_runes *r, const struct group *g)
{
	struct re_runes tmp = { NULL, 0, 0 };

	if (!(p->flags & RE_SYN_FOLD_CASE)) {
		if (g->sign < 0)
			class_append_negated_class(r, g->ranges, g->n);
		else
			class_append_class(r, g->ranges, g->n);
		return;
	}
	class_append_folded_class(&tmp, g->ranges, g->n);
	class_clean(&tmp);
	if (g->sign < 0)
		class_append_negated_class(r, tmp.v, tmp.n);
	else
		class_append_class(r, tmp.v, tmp.n);
	free(tmp.v);
}

/* The smallest rune of r's case orbit. */
static int32_t
min_fold_rune(int32_t r)
{
	int32_t m = r, f;

	for (f = unicode_simple_fold(r); f != r; f = unicode_simple_fold(f))
		if (f < m)
			m = f;
	return m;
}

static bool
is_alnum(int32_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
	    || (c >= 'a' && c <= 'z');
}

static int
unhex(int32_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Reads the rune at t (of a text ending at end) into *c and returns what
 * follows it, or NULL with Go's "invalid UTF-8" error naming the rest of
 * that text.  At the end *c is U+FFFD and t is returned, as Go's nextRune
 * does.
 */
static const char *
next_rune(struct parser *p, const char *t, const char *end, int32_t *c)
{
	size_t w;

	*c = utf8_decode(t, (size_t)(end - t), &w);
	if (*c == UTF8_RUNE_ERROR && w == 1) {
		syn_error(p, ERR_INVALID_UTF8, t, end);
		return NULL;
	}
	return t + w;
}

/* Fails with "invalid UTF-8", naming the rest of s..e, when s..e is not. */
static int
check_utf8(struct parser *p, const char *s, const char *e)
{
	int32_t c;
	size_t w;

	while (s < e) {
		c = utf8_decode(s, (size_t)(e - s), &w);
		if (c == UTF8_RUNE_ERROR && w == 1)
			return syn_error(p, ERR_INVALID_UTF8, s, e);
		s += w;
	}
	return 0;
}

static const char *
find_byte(const char *s, const char *e, char c)
{
	const char *f = memchr(s, c, (size_t)(e - s));

	return f;
}

/* Height and size limits. */

static int
node_height(struct re_node *n)
{
	int h = 1;
	size_t i;

	if (n->height > 0)
		return n->height;
	for (i = 0; i < n->nsub; i++)
		if (1 + node_height(n->sub[i]) > h)
			h = 1 + node_height(n->sub[i]);
	n->height = h;
	return h;
}

/*
 * Checks the limits a push could break: the runes of all classes, and
 * the height of the node pushed, computed afresh from its operands.
 */
static int
check_limits(struct parser *p, struct re_node *n)
{
	if (p->nrunes > RE_CLASS_RUNES_MAX)
		return syn_error(p, ERR_LARGE, p->whole, p->end);
	n->height = 0;
	if (node_height(n) > RE_NEST_MAX)
		return syn_error(p, ERR_NESTING_DEPTH, p->whole, p->end);
	return 0;
}

/*
 * Go's estimate of the instructions a tree compiles to: a literal is one
 * per rune, x* two more than x, x{2,5} is xx(x(x(x)?)?)?.
 */
static int64_t
node_size(const struct re_node *n)
{
	int64_t size = 0, sub;
	size_t i;

	switch (n->op) {
	case RE_OP_LITERAL:
		size = (int64_t)n->rune.n;
		break;
	case RE_OP_CAPTURE:
	case RE_OP_STAR:
		size = 2 + node_size(n->sub[0]);
		break;
	case RE_OP_PLUS:
	case RE_OP_QUEST:
		size = 1 + node_size(n->sub[0]);
		break;
	case RE_OP_CONCAT:
	case RE_OP_ALTERNATE:
		for (i = 0; i < n->nsub; i++)
			size += node_size(n->sub[i]);
		if (n->op == RE_OP_ALTERNATE && n->nsub > 1)
			size += (int64_t)n->nsub - 1;
		break;
	case RE_OP_REPEAT:
		sub = node_size(n->sub[0]);
		if (n->max == -1)
			size
			    = n->min == 0 ? 2 + sub : 1 + (int64_t)n->min * sub;
		else
			size = (int64_t)n->max * sub + (n->max - n->min);
		break;
	default:
		break;
	}
	return size < 1 ? 1 : size;
}

/*
 * Whether repetition n, with those nested in it, makes no more than
 * limit copies of anything: a{10}{10}{10} is 1000 copies of a.
 */
static bool
repeat_is_valid(const struct re_node *n, int limit)
{
	size_t i;
	int m;

	if (n->op == RE_OP_REPEAT) {
		m = n->max;
		if (m == 0)
			return true;
		if (m < 0)
			m = n->min;
		if (m > limit)
			return false;
		if (m > 0)
			limit /= m;
	}
	for (i = 0; i < n->nsub; i++)
		if (!repeat_is_valid(n->sub[i], limit))
			return false;
	return true;
}

/* The parse stack. */

/*
 * Merges the two literals on top of the stack into one string when their
 * case folding agrees.  With r >= 0, the top node is then reused for the
 * literal r (with flags) and true is returned; otherwise it is popped.
 */
static bool
maybe_concat(struct parser *p, int32_t r, unsigned flags)
{
	struct re_node *re1, *re2;
	size_t i;

	if (p->nstack < 2)
		return false;
	re1 = p->stack[p->nstack - 1];
	re2 = p->stack[p->nstack - 2];
	if (re1->op != RE_OP_LITERAL || re2->op != RE_OP_LITERAL
	    || (re1->flags & RE_SYN_FOLD_CASE)
		!= (re2->flags & RE_SYN_FOLD_CASE))
		return false;
	for (i = 0; i < re1->rune.n; i++)
		runes_add(&re2->rune, re1->rune.v[i]);
	if (r >= 0) {
		re1->rune.n = 0;
		runes_add(&re1->rune, r);
		re1->flags = flags;
		return true;
	}
	p->nstack--;
	return false;
}

static void
stack_add(struct parser *p, struct re_node *n)
{
	if (p->nstack == p->stackcap) {
		p->stackcap = p->stackcap == 0 ? 16 : 2 * p->stackcap;
		p->stack
		    = xreallocarray(p->stack, p->stackcap, sizeof(*p->stack));
	}
	p->stack[p->nstack++] = n;
}

/*
 * Pushes re.  A class of one rune becomes a literal, and so does a class
 * of a rune and its other case ([Aa] is a case-folded A), which may then
 * merge into the literal string below it.
 */
static int
push(struct parser *p, struct re_node *re)
{
	int32_t *v = re->rune.v;
	size_t n = re->rune.n;

	p->nrunes += n;
	if (re->op == RE_OP_CHAR_CLASS && n == 2 && v[0] == v[1]) {
		if (maybe_concat(p, v[0], p->flags & ~RE_SYN_FOLD_CASE))
			return 0;
		re->op = RE_OP_LITERAL;
		re->rune.n = 1;
		re->flags = p->flags & ~RE_SYN_FOLD_CASE;
	} else if ((re->op == RE_OP_CHAR_CLASS && n == 4 && v[0] == v[1]
		       && v[2] == v[3] && unicode_simple_fold(v[0]) == v[2]
		       && unicode_simple_fold(v[2]) == v[0])
	    || (re->op == RE_OP_CHAR_CLASS && n == 2 && v[0] + 1 == v[1]
		&& unicode_simple_fold(v[0]) == v[1]
		&& unicode_simple_fold(v[1]) == v[0])) {
		if (maybe_concat(p, v[0], p->flags | RE_SYN_FOLD_CASE))
			return 0;
		re->op = RE_OP_LITERAL;
		re->rune.n = 1;
		re->flags = p->flags | RE_SYN_FOLD_CASE;
	} else
		maybe_concat(p, -1, 0);
	stack_add(p, re);
	return check_limits(p, re);
}

/* Pushes a node of op with the flags in force; NULL on a limit. */
static struct re_node *
push_op(struct parser *p, enum re_op op)
{
	struct re_node *re = node_new(p->s, op);

	re->flags = p->flags;
	return push(p, re) == -1 ? NULL : re;
}

static int
push_literal(struct parser *p, int32_t r)
{
	struct re_node *re = node_new(p->s, RE_OP_LITERAL);

	re->flags = p->flags;
	if (p->flags & RE_SYN_FOLD_CASE)
		r = min_fold_rune(r);
	runes_add(&re->rune, r);
	return push(p, re);
}

/*
 * Replaces the top of the stack with itself repeated.  before is where
 * the operator starts, *afterp where it ends (a lazy '?' after it is
 * consumed here and *afterp moved past it), last the start of the
 * previous operator when the previous item was one too (a** is an error).
 */
static int
push_repeat(struct parser *p, enum re_op op, int min, int max,
    const char *before, const char **afterp, const char *last)
{
	const char *after = *afterp;
	unsigned flags = p->flags;
	struct re_node *re, *sub;

	if (p->flags & RE_SYN_PERL_X) {
		if (after < p->end && *after == '?') {
			after++;
			flags ^= RE_SYN_NON_GREEDY;
		}
		if (last != NULL)
			return syn_error(p, ERR_INVALID_REPEAT_OP, last, after);
	}
	if (p->nstack == 0 || p->stack[p->nstack - 1]->op >= RE_OP_PSEUDO)
		return syn_error(p, ERR_MISSING_REPEAT_ARG, before, after);
	sub = p->stack[p->nstack - 1];
	re = node_new(p->s, op);
	re->min = min;
	re->max = max;
	re->flags = flags;
	node_add_sub(re, sub);
	p->stack[p->nstack - 1] = re;
	if (check_limits(p, re) == -1)
		return -1;
	if (op == RE_OP_REPEAT && (min >= 2 || max >= 2)
	    && !repeat_is_valid(re, RE_REPEAT_MAX))
		return syn_error(p, ERR_INVALID_REPEAT_SIZE, before, after);
	*afterp = after;
	return 0;
}

/* Structural equality, Go's Regexp.Equal. */
static bool
node_equal(const struct re_node *x, const struct re_node *y)
{
	size_t i;

	if (x == NULL || y == NULL)
		return x == y;
	if (x->op != y->op)
		return false;
	switch (x->op) {
	case RE_OP_END_TEXT:
		return (x->flags & RE_SYN_WAS_DOLLAR)
		    == (y->flags & RE_SYN_WAS_DOLLAR);
	case RE_OP_LITERAL:
	case RE_OP_CHAR_CLASS:
		return (x->flags & RE_SYN_FOLD_CASE)
		    == (y->flags & RE_SYN_FOLD_CASE)
		    && x->rune.n == y->rune.n
		    && (x->rune.n == 0
			|| memcmp(x->rune.v, y->rune.v,
			       x->rune.n * sizeof(*x->rune.v))
			    == 0);
	case RE_OP_ALTERNATE:
	case RE_OP_CONCAT:
		if (x->nsub != y->nsub)
			return false;
		for (i = 0; i < x->nsub; i++)
			if (!node_equal(x->sub[i], y->sub[i]))
				return false;
		return true;
	case RE_OP_STAR:
	case RE_OP_PLUS:
	case RE_OP_QUEST:
		return (x->flags & RE_SYN_NON_GREEDY)
		    == (y->flags & RE_SYN_NON_GREEDY)
		    && node_equal(x->sub[0], y->sub[0]);
	case RE_OP_REPEAT:
		return (x->flags & RE_SYN_NON_GREEDY)
		    == (y->flags & RE_SYN_NON_GREEDY)
		    && x->min == y->min && x->max == y->max
		    && node_equal(x->sub[0], y->sub[0]);
	case RE_OP_CAPTURE:
		return x->cap == y->cap
		    && ((x->name == NULL && y->name == NULL)
			|| (x->name != NULL && y->name != NULL
			    && strcmp(x->name, y->name) == 0))
		    && node_equal(x->sub[0], y->sub[0]);
	default:
		return true;
	}
}

/* Whether re can stand for a character class: a rune, a class, or any. */
static bool
is_char_class(const struct re_node *re)
{
	return (re->op == RE_OP_LITERAL && re->rune.n == 1)
	    || re->op == RE_OP_CHAR_CLASS || re->op == RE_OP_ANY_CHAR_NOT_NL
	    || re->op == RE_OP_ANY_CHAR;
}

static bool
match_rune(const struct re_node *re, int32_t r)
{
	size_t i;

	switch (re->op) {
	case RE_OP_LITERAL:
		return re->rune.n == 1 && re->rune.v[0] == r;
	case RE_OP_CHAR_CLASS:
		for (i = 0; i < re->rune.n; i += 2)
			if (re->rune.v[i] <= r && r <= re->rune.v[i + 1])
				return true;
		return false;
	case RE_OP_ANY_CHAR_NOT_NL:
		return r != '\n';
	case RE_OP_ANY_CHAR:
		return true;
	default:
		return false;
	}
}

/* dst |= src; the caller makes sure dst's op is not below src's. */
static void
merge_char_class(struct re_node *dst, const struct re_node *src)
{
	int32_t r0;

	switch (dst->op) {
	case RE_OP_ANY_CHAR:
		break;
	case RE_OP_ANY_CHAR_NOT_NL:
		if (match_rune(src, '\n'))
			dst->op = RE_OP_ANY_CHAR;
		break;
	case RE_OP_CHAR_CLASS:
		if (src->op == RE_OP_LITERAL)
			class_append_literal(&dst->rune, src->rune.v[0],
			    src->flags);
		else
			class_append_class(&dst->rune, src->rune.v,
			    src->rune.n);
		break;
	case RE_OP_LITERAL:
		if (src->rune.v[0] == dst->rune.v[0]
		    && src->flags == dst->flags)
			break;
		r0 = dst->rune.v[0];
		dst->op = RE_OP_CHAR_CLASS;
		dst->rune.n = 0;
		class_append_literal(&dst->rune, r0, dst->flags);
		class_append_literal(&dst->rune, src->rune.v[0], src->flags);
		break;
	default:
		break;
	}
}

/* Cleans a class before it joins an alternation; [\x00-\x{10FFFF}] is any. */
static void
clean_alt(struct re_node *re)
{
	int32_t *v;

	if (re->op != RE_OP_CHAR_CLASS)
		return;
	class_clean(&re->rune);
	v = re->rune.v;
	if (re->rune.n == 2 && v[0] == 0 && v[1] == UTF8_MAX_RUNE) {
		re->rune.n = 0;
		re->op = RE_OP_ANY_CHAR;
	} else if (re->rune.n == 4 && v[0] == 0 && v[1] == '\n' - 1
	    && v[2] == '\n' + 1 && v[3] == UTF8_MAX_RUNE) {
		re->rune.n = 0;
		re->op = RE_OP_ANY_CHAR_NOT_NL;
	}
}

static struct re_node *collapse(struct parser *, struct re_node **, size_t,
    enum re_op);

/* The literal string re starts with, as a borrowed view. */
static const int32_t *
leading_string(struct re_node *re, size_t *n, unsigned *flags)
{
	if (re->op == RE_OP_CONCAT && re->nsub > 0)
		re = re->sub[0];
	if (re->op != RE_OP_LITERAL) {
		*n = 0;
		*flags = 0;
		return NULL;
	}
	*n = re->rune.n;
	*flags = re->flags & RE_SYN_FOLD_CASE;
	return re->rune.v;
}

/* Removes the first n runes of re's leading string; returns what is left. */
static struct re_node *
remove_leading_string(struct re_node *re, size_t n)
{
	struct re_node *sub;

	if (re->op == RE_OP_CONCAT && re->nsub > 0) {
		sub = remove_leading_string(re->sub[0], n);
		re->sub[0] = sub;
		if (sub->op == RE_OP_EMPTY_MATCH) {
			if (re->nsub <= 1) {
				re->op = RE_OP_EMPTY_MATCH;
				re->nsub = 0;
			} else if (re->nsub == 2)
				re = re->sub[1];
			else {
				memmove(re->sub, re->sub + 1,
				    (re->nsub - 1) * sizeof(*re->sub));
				re->nsub--;
			}
		}
		return re;
	}
	if (re->op == RE_OP_LITERAL) {
		memmove(re->rune.v, re->rune.v + n,
		    (re->rune.n - n) * sizeof(*re->rune.v));
		re->rune.n -= n;
		if (re->rune.n == 0)
			re->op = RE_OP_EMPTY_MATCH;
	}
	return re;
}

/* The first node of re's concatenation, or NULL. */
static struct re_node *
leading_regexp(struct re_node *re)
{
	if (re->op == RE_OP_EMPTY_MATCH)
		return NULL;
	if (re->op == RE_OP_CONCAT && re->nsub > 0) {
		if (re->sub[0]->op == RE_OP_EMPTY_MATCH)
			return NULL;
		return re->sub[0];
	}
	return re;
}

static struct re_node *
remove_leading_regexp(struct parser *p, struct re_node *re)
{
	if (re->op == RE_OP_CONCAT && re->nsub > 0) {
		memmove(re->sub, re->sub + 1,
		    (re->nsub - 1) * sizeof(*re->sub));
		re->nsub--;
		if (re->nsub == 0)
			re->op = RE_OP_EMPTY_MATCH;
		else if (re->nsub == 1)
			re = re->sub[0];
		return re;
	}
	return node_new(p->s, RE_OP_EMPTY_MATCH);
}

/* prefix followed by the alternation of sub[start..end). */
static struct re_node *
factor_group(struct parser *p, struct re_node *prefix, struct re_node **sub,
    size_t start, size_t end)
{
	struct re_node *re, *suffix;

	suffix = collapse(p, sub + start, end - start, RE_OP_ALTERNATE);
	if (suffix == NULL)
		return NULL;
	re = node_new(p->s, RE_OP_CONCAT);
	node_add_sub(re, prefix);
	node_add_sub(re, suffix);
	return re;
}

/*
 * Factors the alternation sub[0..*n) in place, as Go does in four rounds:
 * common literal prefixes (abc|abd is ab(c|d)), common leading classes or
 * fixed repeats of one ([a-z]x|[a-z]y), runs of single runes or classes
 * (a|b|[x-z] is [abx-z]), runs of empty matches.  Leftmost-first order is
 * kept: only neighbours are merged.
 */
static int
factor(struct parser *p, struct re_node **sub, size_t *np)
{
	const int32_t *str = NULL, *istr;
	struct re_node *first = NULL, *ifirst, *prefix, *re, *tmp;
	size_t n = *np, start, out, i, j, slen = 0, ilen, same, max;
	unsigned sflags = 0, iflags;

	if (n < 2)
		return 0;

	/* Round 1: common literal prefixes. */
	start = 0;
	out = 0;
	for (i = 0; i <= n; i++) {
		if (i < n) {
			istr = leading_string(sub[i], &ilen, &iflags);
			if (iflags == sflags) {
				same = 0;
				while (same < slen && same < ilen
				    && str[same] == istr[same])
					same++;
				if (same > 0) {
					slen = same;
					continue;
				}
			}
		} else {
			istr = NULL;
			ilen = 0;
			iflags = 0;
		}
		if (i == start + 1)
			sub[out++] = sub[start];
		else if (i > start + 1) {
			prefix = node_new(p->s, RE_OP_LITERAL);
			prefix->flags = sflags;
			for (j = 0; j < slen; j++)
				runes_add(&prefix->rune, str[j]);
			for (j = start; j < i; j++) {
				sub[j] = remove_leading_string(sub[j], slen);
				if (check_limits(p, sub[j]) == -1)
					return -1;
			}
			re = factor_group(p, prefix, sub, start, i);
			if (re == NULL)
				return -1;
			sub[out++] = re;
		}
		start = i;
		str = istr;
		slen = ilen;
		sflags = iflags;
	}
	n = out;

	/*
	 * Round 2: a common leading class, or fixed repeat of a class.
	 * Other leading parts are not factored: merging the paths of, say,
	 * a+ would change which match is preferred.
	 */
	start = 0;
	out = 0;
	for (i = 0; i <= n; i++) {
		ifirst = NULL;
		if (i < n) {
			ifirst = leading_regexp(sub[i]);
			if (first != NULL && node_equal(first, ifirst)
			    && (is_char_class(first)
				|| (first->op == RE_OP_REPEAT
				    && first->min == first->max
				    && is_char_class(first->sub[0]))))
				continue;
		}
		if (i == start + 1)
			sub[out++] = sub[start];
		else if (i > start + 1) {
			prefix = first;
			for (j = start; j < i; j++) {
				sub[j] = remove_leading_regexp(p, sub[j]);
				if (check_limits(p, sub[j]) == -1)
					return -1;
			}
			re = factor_group(p, prefix, sub, start, i);
			if (re == NULL)
				return -1;
			sub[out++] = re;
		}
		start = i;
		first = ifirst;
	}
	n = out;

	/* Round 3: runs of single runes and classes become one class. */
	start = 0;
	out = 0;
	for (i = 0; i <= n; i++) {
		if (i < n && is_char_class(sub[i]))
			continue;
		if (i == start + 1)
			sub[out++] = sub[start];
		else if (i > start + 1) {
			/* Merge into the most complex one, as Go does. */
			max = start;
			for (j = start + 1; j < i; j++)
				if (sub[max]->op < sub[j]->op
				    || (sub[max]->op == sub[j]->op
					&& sub[max]->rune.n < sub[j]->rune.n))
					max = j;
			tmp = sub[start];
			sub[start] = sub[max];
			sub[max] = tmp;
			for (j = start + 1; j < i; j++)
				merge_char_class(sub[start], sub[j]);
			clean_alt(sub[start]);
			sub[out++] = sub[start];
		}
		if (i < n)
			sub[out++] = sub[i];
		start = i + 1;
	}
	n = out;

	/* Round 4: runs of empty matches become one. */
	out = 0;
	for (i = 0; i < n; i++) {
		if (i + 1 < n && sub[i]->op == RE_OP_EMPTY_MATCH
		    && sub[i + 1]->op == RE_OP_EMPTY_MATCH)
			continue;
		sub[out++] = sub[i];
	}
	*np = out;
	return 0;
}

/*
 * The node for op applied to subs[0..n), with nested nodes of the same op
 * hoisted (no concatenation of a concatenation); an alternation is
 * factored.  NULL on a limit.
 */
static struct re_node *
collapse(struct parser *p, struct re_node **subs, size_t n, enum re_op op)
{
	struct re_node *re;
	size_t i, j;

	if (n == 1)
		return subs[0];
	re = node_new(p->s, op);
	for (i = 0; i < n; i++) {
		if (subs[i]->op == op)
			for (j = 0; j < subs[i]->nsub; j++)
				node_add_sub(re, subs[i]->sub[j]);
		else
			node_add_sub(re, subs[i]);
	}
	if (op == RE_OP_ALTERNATE) {
		if (factor(p, re->sub, &re->nsub) == -1)
			return NULL;
		if (re->nsub == 1)
			re = re->sub[0];
	}
	return re;
}

/* Pops the nodes above the topmost marker into a new array (*n of them). */
static struct re_node **
pop_operands(struct parser *p, size_t *n)
{
	struct re_node **subs;
	size_t i = p->nstack;

	while (i > 0 && p->stack[i - 1]->op < RE_OP_PSEUDO)
		i--;
	*n = p->nstack - i;
	subs = xreallocarray(NULL, *n > 0 ? *n : 1, sizeof(*subs));
	if (*n > 0)
		memcpy(subs, p->stack + i, *n * sizeof(*subs));
	p->nstack = i;
	return subs;
}

/* Replaces the operands above the topmost marker by their concatenation. */
static int
reduce_concat(struct parser *p)
{
	struct re_node **subs, *re;
	size_t n;
	int rc;

	maybe_concat(p, -1, 0);
	subs = pop_operands(p, &n);
	if (n == 0)
		re = node_new(p->s, RE_OP_EMPTY_MATCH);
	else
		re = collapse(p, subs, n, RE_OP_CONCAT);
	free(subs);
	rc = re == NULL ? -1 : push(p, re);
	return rc;
}

/* Replaces the operands above the topmost '(' by their alternation. */
static int
reduce_alternate(struct parser *p)
{
	struct re_node **subs, *re;
	size_t n;
	int rc;

	subs = pop_operands(p, &n);
	/* The others were cleaned when they went below a '|'. */
	if (n > 0)
		clean_alt(subs[n - 1]);
	if (n == 0)
		re = node_new(p->s, RE_OP_NO_MATCH);
	else
		re = collapse(p, subs, n, RE_OP_ALTERNATE);
	free(subs);
	rc = re == NULL ? -1 : push(p, re);
	return rc;
}

/*
 * If the top of the stack is an operand above a '|', swaps the two (the
 * operands below a '|' are the alternatives so far) and returns true.
 * Two single-rune or class alternatives merge into one class instead.
 */
static bool
swap_vertical_bar(struct parser *p)
{
	struct re_node *re1, *re3, *tmp;
	size_t n = p->nstack;

	if (n >= 3 && p->stack[n - 2]->op == RE_OP_VERTICAL_BAR
	    && is_char_class(p->stack[n - 1])
	    && is_char_class(p->stack[n - 3])) {
		re1 = p->stack[n - 1];
		re3 = p->stack[n - 3];
		if (re1->op > re3->op) {
			tmp = re1;
			re1 = re3;
			re3 = tmp;
			p->stack[n - 3] = re3;
		}
		merge_char_class(re3, re1);
		p->nstack--;
		return true;
	}
	if (n >= 2 && p->stack[n - 2]->op == RE_OP_VERTICAL_BAR) {
		if (n >= 3)
			clean_alt(p->stack[n - 3]);
		tmp = p->stack[n - 1];
		p->stack[n - 1] = p->stack[n - 2];
		p->stack[n - 2] = tmp;
		return true;
	}
	return false;
}

static int
parse_vertical_bar(struct parser *p)
{
	if (reduce_concat(p) == -1)
		return -1;
	if (!swap_vertical_bar(p) && push_op(p, RE_OP_VERTICAL_BAR) == NULL)
		return -1;
	return 0;
}

static int
parse_right_paren(struct parser *p)
{
	struct re_node *re1, *re2;
	size_t n;

	if (reduce_concat(p) == -1)
		return -1;
	if (swap_vertical_bar(p))
		p->nstack--;
	if (reduce_alternate(p) == -1)
		return -1;
	n = p->nstack;
	if (n < 2)
		return syn_error(p, ERR_UNEXPECTED_PAREN, p->whole, p->end);
	re1 = p->stack[n - 1];
	re2 = p->stack[n - 2];
	p->nstack -= 2;
	if (re2->op != RE_OP_LEFT_PAREN)
		return syn_error(p, ERR_UNEXPECTED_PAREN, p->whole, p->end);
	/* The flags in force at the '(' come back. */
	p->flags = re2->flags;
	if (re2->cap == 0)
		return push(p, re1);
	re2->op = RE_OP_CAPTURE;
	node_add_sub(re2, re1);
	return push(p, re2);
}

/*
 * Parses a decimal number without leading zeros at *sp, moving *sp past
 * it; *n is -1 when it is too big.  Returns false when there is none.
 */
static bool
parse_int(struct parser *p, const char **sp, int *n)
{
	const char *s = *sp, *t = s;

	if (s == p->end || *s < '0' || *s > '9')
		return false;
	if (p->end - s >= 2 && s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return false;
	*n = 0;
	while (s < p->end && *s >= '0' && *s <= '9')
		s++;
	*sp = s;
	for (; t < s; t++) {
		if (*n >= 100000000) {
			*n = -1;
			break;
		}
		*n = *n * 10 + (*t - '0');
	}
	return true;
}

/*
 * Parses {min}, {min,} (max -1) or {min,max} at s into *min, *max and
 * *after; false when s is not one of these (the '{' is then a literal).
 * A number too big gives *min -1.
 */
static bool
parse_repeat(struct parser *p, const char *s, int *min, int *max,
    const char **after)
{
	if (s == p->end || *s != '{')
		return false;
	s++;
	if (!parse_int(p, &s, min) || s == p->end)
		return false;
	if (*s != ',')
		*max = *min;
	else {
		s++;
		if (s == p->end)
			return false;
		if (*s == '}')
			*max = -1;
		else if (!parse_int(p, &s, max))
			return false;
		else if (*max < 0)
			*min = -1;
	}
	if (s == p->end || *s != '}')
		return false;
	*after = s + 1;
	return true;
}

static bool
is_valid_capture_name(const char *s, const char *e)
{
	if (s == e)
		return false;
	for (; s < e; s++)
		if (*s != '_' && !is_alnum((unsigned char)*s))
			return false;
	return true;
}

/*
 * Parses what follows "(?" at s: a named group (?P<name> or (?<name>,
 * flags (?i-s), or a group with flags (?i:.  Returns where parsing goes
 * on, or NULL.
 */
static const char *
parse_perl_flags(struct parser *p, const char *s)
{
	const char *t = s, *gt, *name;
	unsigned flags;
	bool saw_flag = false;
	int sign = 1;
	int32_t c;
	size_t len = (size_t)(p->end - s);
	struct re_node *re;

	if ((len > 4 && t[2] == 'P' && t[3] == '<')
	    || (len > 3 && t[2] == '<')) {
		name = t + (t[2] == 'P' ? 4 : 3);
		gt = find_byte(t, p->end, '>');
		if (gt == NULL) {
			if (check_utf8(p, t, p->end) == -1)
				return NULL;
			syn_error(p, ERR_INVALID_NAMED_CAPTURE, s, p->end);
			return NULL;
		}
		if (check_utf8(p, name, gt) == -1)
			return NULL;
		if (!is_valid_capture_name(name, gt)) {
			syn_error(p, ERR_INVALID_NAMED_CAPTURE, t, gt + 1);
			return NULL;
		}
		p->ncap++;
		re = push_op(p, RE_OP_LEFT_PAREN);
		if (re == NULL)
			return NULL;
		re->cap = p->ncap;
		re->name = xstrndup(name, (size_t)(gt - name));
		return gt + 1;
	}

	t += 2;
	flags = p->flags;
	while (t < p->end) {
		t = next_rune(p, t, p->end, &c);
		if (t == NULL)
			return NULL;
		switch (c) {
		case 'i':
			flags |= RE_SYN_FOLD_CASE;
			saw_flag = true;
			continue;
		case 'm':
			flags &= ~RE_SYN_ONE_LINE;
			saw_flag = true;
			continue;
		case 's':
			flags |= RE_SYN_DOT_NL;
			saw_flag = true;
			continue;
		case 'U':
			flags |= RE_SYN_NON_GREEDY;
			saw_flag = true;
			continue;
		case '-':
			if (sign < 0)
				break;
			sign = -1;
			/* Inverted, so that setting a flag clears it. */
			flags = ~flags;
			saw_flag = false;
			continue;
		case ':':
		case ')':
			if (sign < 0) {
				if (!saw_flag)
					break;
				flags = ~flags;
			}
			if (c == ':' && push_op(p, RE_OP_LEFT_PAREN) == NULL)
				return NULL;
			p->flags = flags;
			return t;
		default:
			break;
		}
		break;
	}
	syn_error(p, ERR_INVALID_PERL_OP, s, t);
	return NULL;
}

/*
 * Parses the escape sequence at s (a backslash) into *r; returns what
 * follows it, or NULL.  Back-references (\1) are refused, as in Go.
 */
static const char *
parse_escape(struct parser *p, const char *s, int32_t *r)
{
	const char *t = s + 1;
	int32_t c, v;
	int x, y, i, nhex;

	if (t == p->end) {
		syn_error(p, ERR_TRAILING_BACKSLASH, t, t);
		return NULL;
	}
	t = next_rune(p, t, p->end, &c);
	if (t == NULL)
		return NULL;
	switch (c) {
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
		/* A single non-zero digit is a back-reference. */
		if (t == p->end || *t < '0' || *t > '7')
			break;
		*r = c - '0';
		for (i = 1; i < 3 && t < p->end && *t >= '0' && *t <= '7'; i++)
			*r = *r * 8 + (*t++ - '0');
		return t;
	case '0':
		*r = 0;
		for (i = 1; i < 3 && t < p->end && *t >= '0' && *t <= '7'; i++)
			*r = *r * 8 + (*t++ - '0');
		return t;
	case 'x':
		if (t == p->end)
			break;
		t = next_rune(p, t, p->end, &c);
		if (t == NULL)
			return NULL;
		if (c == '{') {
			/* Any number of hex digits, at least one. */
			nhex = 0;
			v = 0;
			for (;;) {
				if (t == p->end)
					goto bad;
				t = next_rune(p, t, p->end, &c);
				if (t == NULL)
					return NULL;
				if (c == '}')
					break;
				x = unhex(c);
				if (x < 0)
					goto bad;
				v = v * 16 + x;
				if (v > UTF8_MAX_RUNE)
					goto bad;
				nhex++;
			}
			if (nhex == 0)
				break;
			*r = v;
			return t;
		}
		x = unhex(c);
		t = next_rune(p, t, p->end, &c);
		if (t == NULL)
			return NULL;
		y = unhex(c);
		if (x < 0 || y < 0)
			break;
		*r = x * 16 + y;
		return t;
	case 'a':
		*r = '\a';
		return t;
	case 'f':
		*r = '\f';
		return t;
	case 'n':
		*r = '\n';
		return t;
	case 'r':
		*r = '\r';
		return t;
	case 't':
		*r = '\t';
		return t;
	case 'v':
		*r = '\v';
		return t;
	default:
		/* Escaped punctuation is itself (\_ too); \q and \é are not. */
		if (c < UTF8_RUNE_SELF && !is_alnum(c)) {
			*r = c;
			return t;
		}
		break;
	}
bad:
	syn_error(p, ERR_INVALID_ESCAPE, s, t);
	return NULL;
}

/* A rune of a character class at s, escaped or not; class is its '['. */
static const char *
parse_class_char(struct parser *p, const char *s, const char *class, int32_t *r)
{
	if (s == p->end) {
		syn_error(p, ERR_MISSING_BRACKET, class, p->end);
		return NULL;
	}
	if (*s == '\\')
		return parse_escape(p, s, r);
	return next_rune(p, s, p->end, r);
}

/* \d \s \w and their negations at s: appended to r, or not there (s). */
static const char *
parse_perl_class_escape(struct parser *p, const char *s, struct re_runes *r)
{
	size_t i;

	if (!(p->flags & RE_SYN_PERL_X) || p->end - s < 2 || *s != '\\')
		return s;
	for (i = 0; i < NELEM(perl_groups); i++)
		if (s[1] == perl_groups[i].name[1]) {
			class_append_group(p, r, &perl_groups[i]);
			return s + 2;
		}
	return s;
}

/* [:alpha:] and the like at s: appended to r, or not there (s), or NULL. */
static const char *
parse_named_class(struct parser *p, const char *s, struct re_runes *r)
{
	const char *e;
	size_t i, len;

	if (p->end - s < 2 || s[0] != '[' || s[1] != ':')
		return s;
	e = memmem(s + 2, (size_t)(p->end - s - 2), ":]", 2);
	if (e == NULL)
		return s;
	e += 2;
	len = (size_t)(e - s);
	for (i = 0; i < NELEM(posix_groups); i++)
		if (strlen(posix_groups[i].name) == len
		    && memcmp(posix_groups[i].name, s, len) == 0) {
			class_append_group(p, r, &posix_groups[i]);
			return e;
		}
	syn_error(p, ERR_INVALID_CHAR_RANGE, s, e);
	return NULL;
}

/*
 * Go's canonical form of a Unicode class name, for a loose match: the
 * first letter upper case, the others lower case, without '_', '-' and
 * ' ' ("old_italic" gives "Olditalic").  False when it does not fit in
 * out, which then names no class.
 */
static bool
canonical_name(const char *s, size_t len, char *out, size_t outlen)
{
	bool first = true;
	size_t i, n = 0;
	char c;

	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '_' || c == '-' || c == ' ')
			continue;
		if (first) {
			if (c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			first = false;
		} else if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (n + 1 >= outlen)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

/* The longest canonical Unicode class name looked up, in bytes. */
#define UNICODE_NAME_MAX 64

/*
 * The table of a Unicode class name: *tab and *ntab its ranges (as
 * pairs), *fold and *nfold those folding into it (NULL if none), and
 * the sign (-1 for \p{Assigned}, the complement of Cn).  Returns false
 * when there is no such class.
 */
static bool
unicode_class_table(const char *name, size_t len, const int32_t **tab,
    size_t *ntab, const int32_t **fold, size_t *nfold, int *sign)
{
	char canon[UNICODE_NAME_MAX + 1], acanon[UNICODE_NAME_MAX + 1];
	const struct unicode_alias *aliases;
	const struct unicode_table *t = NULL;
	size_t naliases, i;

	_Static_assert(sizeof(struct unicode_range) == 2 * sizeof(int32_t),
	    "unicode_range is a pair of runes");
	if (!canonical_name(name, len, canon, sizeof(canon)))
		return false;
	*sign = 1;
	*fold = NULL;
	*nfold = 0;
	if (strcmp(canon, "Any") == 0) {
		*tab = *fold = table_any;
		*ntab = *nfold = NELEM(table_any);
		return true;
	}
	if (strcmp(canon, "Ascii") == 0) {
		*tab = table_ascii;
		*ntab = NELEM(table_ascii);
		*fold = table_ascii_fold;
		*nfold = NELEM(table_ascii_fold);
		return true;
	}
	if (strcmp(canon, "Assigned") == 0) {
		t = unicode_category("Cn");
		*sign = -1;
	} else if (strcmp(canon, "Lc") == 0)
		t = unicode_category("LC");
	else
		t = unicode_category(canon);
	if (t == NULL)
		t = unicode_script(canon);
	if (t == NULL) {
		aliases = unicode_category_aliases(&naliases);
		for (i = 0; i < naliases && t == NULL; i++) {
			if (canonical_name(aliases[i].alias,
				strlen(aliases[i].alias), acanon,
				sizeof(acanon))
			    && strcmp(acanon, canon) == 0)
				t = unicode_category(aliases[i].category);
		}
	}
	if (t == NULL)
		return false;
	*tab = (const int32_t *)(const void *)t->ranges;
	*ntab = 2 * t->nranges;
	if (t->fold != NULL) {
		*fold = (const int32_t *)(const void *)t->fold;
		*nfold = 2 * t->nfold;
	}
	return true;
}

/*
 * \pL, \p{Greek}, \PL, \p{^Greek} at s: appended to r and the end
 * returned, or s when there is none, or NULL on an error.
 */
static const char *
parse_unicode_class(struct parser *p, const char *s, struct re_runes *r)
{
	const char *t, *seq_end, *name, *name_end, *brace;
	const int32_t *tab, *fold;
	struct re_runes tmp = { NULL, 0, 0 };
	size_t ntab, nfold;
	int sign = 1, tsign;
	int32_t c;

	if (!(p->flags & RE_SYN_UNICODE_GROUPS) || p->end - s < 2
	    || s[0] != '\\' || (s[1] != 'p' && s[1] != 'P'))
		return s;
	if (s[1] == 'P')
		sign = -1;
	t = next_rune(p, s + 2, p->end, &c);
	if (t == NULL)
		return NULL;
	if (c != '{') {
		/* A one-letter name. */
		seq_end = t;
		name = s + 2;
		name_end = t;
	} else {
		brace = find_byte(s, p->end, '}');
		if (brace == NULL) {
			if (check_utf8(p, s, p->end) == -1)
				return NULL;
			syn_error(p, ERR_INVALID_CHAR_RANGE, s, p->end);
			return NULL;
		}
		seq_end = brace + 1;
		name = s + 3;
		name_end = brace;
		if (check_utf8(p, name, name_end) == -1)
			return NULL;
	}
	if (name < name_end && *name == '^') {
		sign = -sign;
		name++;
	}
	if (!unicode_class_table(name, (size_t)(name_end - name), &tab, &ntab,
		&fold, &nfold, &tsign)) {
		syn_error(p, ERR_INVALID_CHAR_RANGE, s, seq_end);
		return NULL;
	}
	if (tsign < 0)
		sign = -sign;
	if (!(p->flags & RE_SYN_FOLD_CASE) || fold == NULL) {
		if (sign > 0)
			class_append_class(r, tab, ntab);
		else
			class_append_negated_class(r, tab, ntab);
		return seq_end;
	}
	class_append_class(&tmp, tab, ntab);
	class_append_class(&tmp, fold, nfold);
	class_clean(&tmp);
	if (sign > 0)
		class_append_class(r, tmp.v, tmp.n);
	else
		class_append_negated_class(r, tmp.v, tmp.n);
	free(tmp.v);
	return seq_end;
}

/* A bracketed character class at s; returns what follows it, or NULL. */
static const char *
parse_class(struct parser *p, const char *s)
{
	const char *t = s + 1, *nt, *rng;
	struct re_node *re;
	int32_t lo, hi;
	bool first = true;
	int sign = 1;

	re = node_new(p->s, RE_OP_CHAR_CLASS);
	re->flags = p->flags;
	if (t < p->end && *t == '^') {
		sign = -1;
		t++;
		/* Without ClassNL a negated class must not match \n. */
		if (!(p->flags & RE_SYN_CLASS_NL)) {
			runes_add(&re->rune, '\n');
			runes_add(&re->rune, '\n');
		}
	}
	/* ']' is a literal first. */
	while (t == p->end || *t != ']' || first) {
		first = false;
		if (p->end - t > 2 && t[0] == '[' && t[1] == ':') {
			nt = parse_named_class(p, t, &re->rune);
			if (nt == NULL)
				return NULL;
			if (nt != t) {
				t = nt;
				continue;
			}
		}
		nt = parse_unicode_class(p, t, &re->rune);
		if (nt == NULL)
			return NULL;
		if (nt != t) {
			t = nt;
			continue;
		}
		nt = parse_perl_class_escape(p, t, &re->rune);
		if (nt != t) {
			t = nt;
			continue;
		}
		rng = t;
		t = parse_class_char(p, t, s, &lo);
		if (t == NULL)
			return NULL;
		hi = lo;
		/* [a-] is a and -. */
		if (p->end - t >= 2 && t[0] == '-' && t[1] != ']') {
			t = parse_class_char(p, t + 1, s, &hi);
			if (t == NULL)
				return NULL;
			if (hi < lo) {
				syn_error(p, ERR_INVALID_CHAR_RANGE, rng, t);
				return NULL;
			}
		}
		if (p->flags & RE_SYN_FOLD_CASE)
			class_append_folded_range(&re->rune, lo, hi);
		else
			class_append_range(&re->rune, lo, hi);
	}
	t++;
	class_clean(&re->rune);
	if (sign < 0)
		class_negate(&re->rune);
	return push(p, re) == -1 ? NULL : t;
}

/* The largest capture index under n (Go's MaxCap) and the names. */
static int
max_cap(const struct re_node *n)
{
	int m = n->op == RE_OP_CAPTURE ? n->cap : 0, c;
	size_t i;

	for (i = 0; i < n->nsub; i++) {
		c = max_cap(n->sub[i]);
		if (c > m)
			m = c;
	}
	return m;
}

static void
cap_names(const struct re_node *n, char **names)
{
	size_t i;

	if (n->op == RE_OP_CAPTURE && n->name != NULL)
		names[n->cap] = xstrdup(n->name);
	for (i = 0; i < n->nsub; i++)
		cap_names(n->sub[i], names);
}

/* The main loop: one item per turn, operands pushed, operators applied. */
static int
parse_items(struct parser *p)
{
	const char *t = p->whole, *before, *after, *last = NULL, *repeat;
	const char *lit_end, *e;
	struct re_node *re;
	enum re_op op;
	int32_t c;
	int min, max;

	while (t < p->end) {
		repeat = NULL;
		switch (*t) {
		case '(':
			if ((p->flags & RE_SYN_PERL_X) && p->end - t >= 2
			    && t[1] == '?') {
				t = parse_perl_flags(p, t);
				if (t == NULL)
					return -1;
				break;
			}
			p->ncap++;
			re = push_op(p, RE_OP_LEFT_PAREN);
			if (re == NULL)
				return -1;
			re->cap = p->ncap;
			t++;
			break;
		case '|':
			if (parse_vertical_bar(p) == -1)
				return -1;
			t++;
			break;
		case ')':
			if (parse_right_paren(p) == -1)
				return -1;
			t++;
			break;
		case '^':
			if (push_op(p,
				(p->flags & RE_SYN_ONE_LINE) ? RE_OP_BEGIN_TEXT
							     : RE_OP_BEGIN_LINE)
			    == NULL)
				return -1;
			t++;
			break;
		case '$':
			if (p->flags & RE_SYN_ONE_LINE) {
				re = push_op(p, RE_OP_END_TEXT);
				if (re == NULL)
					return -1;
				re->flags |= RE_SYN_WAS_DOLLAR;
			} else if (push_op(p, RE_OP_END_LINE) == NULL)
				return -1;
			t++;
			break;
		case '.':
			if (push_op(p,
				(p->flags & RE_SYN_DOT_NL)
				    ? RE_OP_ANY_CHAR
				    : RE_OP_ANY_CHAR_NOT_NL)
			    == NULL)
				return -1;
			t++;
			break;
		case '[':
			t = parse_class(p, t);
			if (t == NULL)
				return -1;
			break;
		case '*':
		case '+':
		case '?':
			before = t;
			op = *t == '*'  ? RE_OP_STAR
			    : *t == '+' ? RE_OP_PLUS
					: RE_OP_QUEST;
			after = t + 1;
			if (push_repeat(p, op, 0, 0, before, &after, last)
			    == -1)
				return -1;
			repeat = before;
			t = after;
			break;
		case '{':
			before = t;
			if (!parse_repeat(p, t, &min, &max, &after)) {
				/* Not a repetition: a literal '{'. */
				if (push_literal(p, '{') == -1)
					return -1;
				t++;
				break;
			}
			if (min < 0 || min > RE_REPEAT_MAX
			    || max > RE_REPEAT_MAX || (max >= 0 && min > max))
				return syn_error(p, ERR_INVALID_REPEAT_SIZE,
				    before, after);
			if (push_repeat(p, RE_OP_REPEAT, min, max, before,
				&after, last)
			    == -1)
				return -1;
			repeat = before;
			t = after;
			break;
		case '\\':
			if ((p->flags & RE_SYN_PERL_X) && p->end - t >= 2) {
				op = RE_OP_PSEUDO;
				switch (t[1]) {
				case 'A':
					op = RE_OP_BEGIN_TEXT;
					break;
				case 'b':
					op = RE_OP_WORD_BOUNDARY;
					break;
				case 'B':
					op = RE_OP_NO_WORD_BOUNDARY;
					break;
				case 'z':
					op = RE_OP_END_TEXT;
					break;
				case 'C':
					/* Any byte: not supported. */
					return syn_error(p, ERR_INVALID_ESCAPE,
					    t, t + 2);
				case 'Q':
					/* \Q...\E: literal text. */
					t += 2;
					e = memmem(t, (size_t)(p->end - t),
					    "\\E", 2);
					lit_end = e == NULL ? p->end : e;
					while (t < lit_end) {
						t = next_rune(p, t, lit_end,
						    &c);
						if (t == NULL
						    || push_literal(p, c) == -1)
							return -1;
					}
					t = e == NULL ? p->end : e + 2;
					goto next;
				default:
					break;
				}
				if (op != RE_OP_PSEUDO) {
					if (push_op(p, op) == NULL)
						return -1;
					t += 2;
					break;
				}
			}
			re = node_new(p->s, RE_OP_CHAR_CLASS);
			re->flags = p->flags;
			if (p->end - t >= 2 && (t[1] == 'p' || t[1] == 'P')) {
				e = parse_unicode_class(p, t, &re->rune);
				if (e == NULL)
					return -1;
				if (e != t) {
					t = e;
					if (push(p, re) == -1)
						return -1;
					break;
				}
			}
			e = parse_perl_class_escape(p, t, &re->rune);
			if (e != t) {
				t = e;
				if (push(p, re) == -1)
					return -1;
				break;
			}
			t = parse_escape(p, t, &c);
			if (t == NULL || push_literal(p, c) == -1)
				return -1;
			break;
		default:
			t = next_rune(p, t, p->end, &c);
			if (t == NULL || push_literal(p, c) == -1)
				return -1;
			break;
		}
	next:
		last = repeat;
	}
	return 0;
}

int
re_syntax_parse(struct re_syntax *s, const char *pattern, size_t len,
    unsigned flags, char *err, size_t errlen)
{
	struct parser p = { 0 };
	struct re_node *re;
	size_t i;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	p.s = s;
	p.flags = flags;
	p.whole = pattern;
	p.end = pattern + len;
	p.err = err;
	p.errlen = errlen;
	if (len > RE_PATTERN_MAX) {
		syn_error(&p, ERR_LARGE, p.whole, p.end);
		goto out;
	}
	if (flags & RE_SYN_LITERAL) {
		if (check_utf8(&p, p.whole, p.end) == -1)
			goto out;
		re = node_new(s, RE_OP_LITERAL);
		re->flags = flags;
		for (i = 0; i < len;) {
			size_t w;

			runes_add(&re->rune,
			    utf8_decode(pattern + i, len - i, &w));
			i += w;
		}
		s->root = re;
		ret = 0;
		goto out;
	}
	if (parse_items(&p) == -1 || reduce_concat(&p) == -1)
		goto out;
	if (swap_vertical_bar(&p))
		p.nstack--;
	if (reduce_alternate(&p) == -1)
		goto out;
	if (p.nstack != 1) {
		syn_error(&p, ERR_MISSING_PAREN, p.whole, p.end);
		goto out;
	}
	s->root = p.stack[0];
	if (node_size(s->root) > RE_PROG_MAX) {
		syn_error(&p, ERR_LARGE, p.whole, p.end);
		goto out;
	}
	ret = 0;
out:
	free(p.stack);
	if (ret == 0) {
		s->ncap = max_cap(s->root);
		s->names = xcalloc((size_t)s->ncap + 1, sizeof(*s->names));
		cap_names(s->root, s->names);
	} else
		re_syntax_clear(s);
	return ret;
}

/*
 * simplify1 of Go: op applied to the simplified sub, unless that is
 * redundant ((?:x*)* is x*, ()* is ()).  Reuses re when it is that node.
 */
static struct re_node *
simplify1(struct re_syntax *s, enum re_op op, unsigned flags,
    struct re_node *sub, struct re_node *re)
{
	struct re_node *n;

	if (sub->op == RE_OP_EMPTY_MATCH)
		return sub;
	if (op == sub->op
	    && (flags & RE_SYN_NON_GREEDY) == (sub->flags & RE_SYN_NON_GREEDY))
		return sub;
	if (re != NULL && re->op == op
	    && (re->flags & RE_SYN_NON_GREEDY) == (flags & RE_SYN_NON_GREEDY)) {
		re->sub[0] = sub;
		return re;
	}
	n = node_new(s, op);
	n->flags = flags;
	node_add_sub(n, sub);
	return n;
}

static struct re_node *
simplify_repeat(struct re_syntax *s, struct re_node *re)
{
	struct re_node *sub, *nre, *prefix = NULL, *suffix, *cat;
	int i;

	/* x{0} matches the empty string without looking at x. */
	if (re->min == 0 && re->max == 0)
		return node_new(s, RE_OP_EMPTY_MATCH);
	sub = re_syntax_simplify(s, re->sub[0]);
	if (re->max == -1) {
		if (re->min == 0)
			return simplify1(s, RE_OP_STAR, re->flags, sub, NULL);
		if (re->min == 1)
			return simplify1(s, RE_OP_PLUS, re->flags, sub, NULL);
		/* x{4,} is xxxx+. */
		nre = node_new(s, RE_OP_CONCAT);
		for (i = 0; i < re->min - 1; i++)
			node_add_sub(nre, sub);
		node_add_sub(nre,
		    simplify1(s, RE_OP_PLUS, re->flags, sub, NULL));
		return nre;
	}
	if (re->min == 1 && re->max == 1)
		return sub;
	/* x{2,5} is xx(x(x(x)?)?)?: the nesting saves the machine work. */
	if (re->min > 0) {
		prefix = node_new(s, RE_OP_CONCAT);
		for (i = 0; i < re->min; i++)
			node_add_sub(prefix, sub);
	}
	if (re->max > re->min) {
		suffix = simplify1(s, RE_OP_QUEST, re->flags, sub, NULL);
		for (i = re->min + 1; i < re->max; i++) {
			cat = node_new(s, RE_OP_CONCAT);
			node_add_sub(cat, sub);
			node_add_sub(cat, suffix);
			suffix
			    = simplify1(s, RE_OP_QUEST, re->flags, cat, NULL);
		}
		if (prefix == NULL)
			return suffix;
		node_add_sub(prefix, suffix);
	}
	if (prefix != NULL)
		return prefix;
	return node_new(s, RE_OP_NO_MATCH);
}

struct re_node *
re_syntax_simplify(struct re_syntax *s, struct re_node *re)
{
	size_t i;

	switch (re->op) {
	case RE_OP_CAPTURE:
	case RE_OP_CONCAT:
	case RE_OP_ALTERNATE:
		for (i = 0; i < re->nsub; i++)
			re->sub[i] = re_syntax_simplify(s, re->sub[i]);
		return re;
	case RE_OP_STAR:
	case RE_OP_PLUS:
	case RE_OP_QUEST:
		return simplify1(s, re->op, re->flags,
		    re_syntax_simplify(s, re->sub[0]), re);
	case RE_OP_REPEAT:
		return simplify_repeat(s, re);
	default:
		return re;
	}
}

void
re_syntax_clear(struct re_syntax *s)
{
	struct re_node *n, *next;
	int i;

	for (n = s->nodes; n != NULL; n = next) {
		next = n->next;
		free(n->sub);
		free(n->rune.v);
		free(n->name);
		free(n);
	}
	if (s->names != NULL)
		for (i = 0; i <= s->ncap; i++)
			free(s->names[i]);
	free(s->names);
	memset(s, 0, sizeof(*s));
}
