/* SPDX-License-Identifier: MIT */
/*
 * The regular-expression engine: the tree from re_syntax.c is compiled
 * into a program of the shape Go's regexp/syntax compiler gives (the
 * Thompson construction, with Go's orders of preference at each
 * alternative), and a Pike VM runs it: all threads advance together one
 * rune at a time, a sparse set keeps at most one thread per instruction,
 * and the threads are kept in priority order, so the first to match wins
 * (leftmost-first) and the lower ones are cut off.  A thread carries its
 * capture positions.  Following the empty transitions (alternatives,
 * captures, assertions) uses an explicit stack, so no pattern makes the
 * matcher recurse.  On top: Go's find-all, replace-all (with its $
 * template expansion) and split.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "re.h"
#include "re_syntax.h"
#include "unicode.h"
#include "utf8.h"
#include "xmalloc.h"

enum re_inst_op {
	RE_I_ALT, /* out first, then arg */
	RE_I_CAPTURE, /* record the position in slot arg */
	RE_I_EMPTY, /* zero-width assertions arg (RE_EMPTY_*) */
	RE_I_MATCH,
	RE_I_FAIL,
	RE_I_NOP,
	RE_I_RUNE, /* a rune in a class, or a case-folded rune */
	RE_I_RUNE1, /* exactly the rune arg */
	RE_I_RUNE_ANY,
	RE_I_RUNE_ANY_NOT_NL
};

/* Zero-width assertions, as bits (Go's EmptyOp). */
#define RE_EMPTY_BEGIN_LINE 0x01
#define RE_EMPTY_END_LINE 0x02
#define RE_EMPTY_BEGIN_TEXT 0x04
#define RE_EMPTY_END_TEXT 0x08
#define RE_EMPTY_WORD_BOUNDARY 0x10
#define RE_EMPTY_NO_WORD_BOUNDARY 0x20
/* No match is possible (a start condition). */
#define RE_EMPTY_IMPOSSIBLE 0xFF

/* The end of the subject, as a rune. */
#define RE_EOT (-1)

struct re_inst {
	uint8_t op; /* enum re_inst_op */
	bool fold; /* RE_I_RUNE of one rune: its case orbit */
	uint32_t out;
	uint32_t arg;
	uint32_t rune; /* RE_I_RUNE: first of the runes in prog */
	uint32_t nrune; /* 1: the rune is arg; else range pairs */
};

struct re {
	struct re_inst *inst; /* owned, ninst */
	size_t ninst;
	int32_t *runes; /* owned, the classes of RE_I_RUNE */
	size_t nrunes;
	size_t runecap;
	uint32_t start;
	size_t ncap; /* capture slots of the program, >= 2 */
	size_t nthreads; /* instructions a thread can wait on */
	size_t nsubexp;
	char **names; /* nsubexp + 1, owned; NULL when unnamed */
	unsigned cond; /* assertions every match starts with */
	char *prefix; /* owned: literal text every match starts with */
	size_t prefixlen;
	size_t patlen;
	bool longest;
};

/* Compiler. */

/*
 * A list of instruction fields still to be pointed at the next fragment,
 * threaded through those fields: an entry is an instruction index times
 * two, plus one for its arg field (out otherwise).  0 is the empty list:
 * instruction 0 is RE_I_FAIL, whose out is never patched.
 */
struct patch_list {
	uint32_t head;
	uint32_t tail;
};

struct frag {
	uint32_t i; /* first instruction; 0: cannot match */
	struct patch_list out;
	bool nullable; /* can match the empty string */
};

struct compiler {
	struct re *re;
	size_t instcap;
};

static uint32_t *
patch_field(struct re *re, uint32_t l)
{
	struct re_inst *in = &re->inst[l >> 1];

	return (l & 1) ? &in->arg : &in->out;
}

static void
patch(struct re *re, struct patch_list l, uint32_t val)
{
	uint32_t head = l.head, *f;

	while (head != 0) {
		f = patch_field(re, head);
		head = *f;
		*f = val;
	}
}

static struct patch_list
patch_append(struct re *re, struct patch_list l1, struct patch_list l2)
{
	struct patch_list l;

	if (l1.head == 0)
		return l2;
	if (l2.head == 0)
		return l1;
	*patch_field(re, l1.tail) = l2.head;
	l.head = l1.head;
	l.tail = l2.tail;
	return l;
}

static struct patch_list
patch_one(uint32_t l)
{
	struct patch_list p = { l, l };

	return p;
}

static struct frag
emit(struct compiler *c, enum re_inst_op op)
{
	struct re *re = c->re;
	struct frag f = { 0 };

	if (re->ninst == c->instcap) {
		c->instcap = c->instcap == 0 ? 16 : 2 * c->instcap;
		re->inst
		    = xreallocarray(re->inst, c->instcap, sizeof(*re->inst));
	}
	memset(&re->inst[re->ninst], 0, sizeof(re->inst[0]));
	re->inst[re->ninst].op = (uint8_t)op;
	f.i = (uint32_t)re->ninst++;
	f.nullable = true;
	return f;
}

static struct frag
emit_nop(struct compiler *c)
{
	struct frag f = emit(c, RE_I_NOP);

	f.out = patch_one(f.i << 1);
	return f;
}

static struct frag
emit_cap(struct compiler *c, uint32_t slot)
{
	struct frag f = emit(c, RE_I_CAPTURE);

	f.out = patch_one(f.i << 1);
	c->re->inst[f.i].arg = slot;
	if (c->re->ncap < slot + 1)
		c->re->ncap = slot + 1;
	return f;
}

static struct frag
emit_empty(struct compiler *c, unsigned op)
{
	struct frag f = emit(c, RE_I_EMPTY);

	c->re->inst[f.i].arg = op;
	f.out = patch_one(f.i << 1);
	return f;
}

static struct frag
cat(struct compiler *c, struct frag f1, struct frag f2)
{
	struct frag f = { 0 };

	/* A failure in a concatenation fails it all. */
	if (f1.i == 0 || f2.i == 0)
		return f;
	patch(c->re, f1.out, f2.i);
	f.i = f1.i;
	f.out = f2.out;
	f.nullable = f1.nullable && f2.nullable;
	return f;
}

static struct frag
alt(struct compiler *c, struct frag f1, struct frag f2)
{
	struct frag f;

	if (f1.i == 0)
		return f2;
	if (f2.i == 0)
		return f1;
	f = emit(c, RE_I_ALT);
	c->re->inst[f.i].out = f1.i;
	c->re->inst[f.i].arg = f2.i;
	f.out = patch_append(c->re, f1.out, f2.out);
	f.nullable = f1.nullable || f2.nullable;
	return f;
}

static struct frag
quest(struct compiler *c, struct frag f1, bool nongreedy)
{
	struct frag f = emit(c, RE_I_ALT);

	if (nongreedy) {
		c->re->inst[f.i].arg = f1.i;
		f.out = patch_one(f.i << 1);
	} else {
		c->re->inst[f.i].out = f1.i;
		f.out = patch_one(f.i << 1 | 1);
	}
	f.out = patch_append(c->re, f.out, f1.out);
	return f;
}

/* The loop of x+ and x*: an alternative back to x or out. */
static struct frag
loop(struct compiler *c, struct frag f1, bool nongreedy)
{
	struct frag f = emit(c, RE_I_ALT);

	if (nongreedy) {
		c->re->inst[f.i].arg = f1.i;
		f.out = patch_one(f.i << 1);
	} else {
		c->re->inst[f.i].out = f1.i;
		f.out = patch_one(f.i << 1 | 1);
	}
	patch(c->re, f1.out, f.i);
	return f;
}

static struct frag
plus(struct compiler *c, struct frag f1, bool nongreedy)
{
	struct frag f = { f1.i, loop(c, f1, nongreedy).out, f1.nullable };

	return f;
}

static struct frag
star(struct compiler *c, struct frag f1, bool nongreedy)
{
	/*
	 * When x can match empty, x* is (x+)?: looping straight back would
	 * give the empty iteration the wrong priority (Go issue 46123).
	 */
	if (f1.nullable)
		return quest(c, plus(c, f1, nongreedy), nongreedy);
	return loop(c, f1, nongreedy);
}

/* Copies the ranges of n into the program once, however often n is used. */
static uint32_t
intern_runes(struct re *re, struct re_node *n)
{
	if (!n->prog_rune_set) {
		if (re->nrunes + n->rune.n > re->runecap) {
			while (re->nrunes + n->rune.n > re->runecap)
				re->runecap
				    = re->runecap == 0 ? 16 : 2 * re->runecap;
			re->runes = xreallocarray(re->runes, re->runecap,
			    sizeof(*re->runes));
		}
		if (n->rune.n > 0)
			memcpy(re->runes + re->nrunes, n->rune.v,
			    n->rune.n * sizeof(*re->runes));
		n->prog_rune = (uint32_t)re->nrunes;
		n->prog_rune_set = true;
		re->nrunes += n->rune.n;
	}
	return n->prog_rune;
}

/*
 * An instruction for one rune (r, case-folded when fold says so and it
 * has other cases) or for the class of node n (r < 0).
 */
static struct frag
emit_rune(struct compiler *c, struct re_node *n, int32_t r, bool fold)
{
	struct frag f = emit(c, RE_I_RUNE);
	struct re_inst *in = &c->re->inst[f.i];
	const int32_t *v;
	size_t nv;

	f.nullable = false;
	f.out = patch_one(f.i << 1);
	if (r >= 0) {
		in->nrune = 1;
		in->arg = (uint32_t)r;
		in->fold = fold && unicode_simple_fold(r) != r;
		if (!in->fold)
			in->op = RE_I_RUNE1;
		return f;
	}
	in->rune = intern_runes(c->re, n);
	in->nrune = (uint32_t)n->rune.n;
	v = n->rune.v;
	nv = n->rune.n;
	if (nv == 2 && v[0] == v[1]) {
		in->op = RE_I_RUNE1;
		in->arg = (uint32_t)v[0];
	} else if (nv == 2 && v[0] == 0 && v[1] == UTF8_MAX_RUNE)
		in->op = RE_I_RUNE_ANY;
	else if (nv == 4 && v[0] == 0 && v[1] == '\n' - 1 && v[2] == '\n' + 1
	    && v[3] == UTF8_MAX_RUNE)
		in->op = RE_I_RUNE_ANY_NOT_NL;
	return f;
}

static struct frag
compile_node(struct compiler *c, struct re_node *n)
{
	struct frag f = { 0 }, f1, bra, ket;
	bool ng = (n->flags & RE_SYN_NON_GREEDY) != 0;
	size_t i;

	switch (n->op) {
	case RE_OP_NO_MATCH:
		return f;
	case RE_OP_EMPTY_MATCH:
		return emit_nop(c);
	case RE_OP_LITERAL:
		if (n->rune.n == 0)
			return emit_nop(c);
		for (i = 0; i < n->rune.n; i++) {
			f1 = emit_rune(c, n, n->rune.v[i],
			    (n->flags & RE_SYN_FOLD_CASE) != 0);
			f = i == 0 ? f1 : cat(c, f, f1);
		}
		return f;
	case RE_OP_CHAR_CLASS:
		return emit_rune(c, n, -1, false);
	case RE_OP_ANY_CHAR_NOT_NL:
		f = emit_rune(c, n, -1, false);
		c->re->inst[f.i].op = RE_I_RUNE_ANY_NOT_NL;
		return f;
	case RE_OP_ANY_CHAR:
		f = emit_rune(c, n, -1, false);
		c->re->inst[f.i].op = RE_I_RUNE_ANY;
		return f;
	case RE_OP_BEGIN_LINE:
		return emit_empty(c, RE_EMPTY_BEGIN_LINE);
	case RE_OP_END_LINE:
		return emit_empty(c, RE_EMPTY_END_LINE);
	case RE_OP_BEGIN_TEXT:
		return emit_empty(c, RE_EMPTY_BEGIN_TEXT);
	case RE_OP_END_TEXT:
		return emit_empty(c, RE_EMPTY_END_TEXT);
	case RE_OP_WORD_BOUNDARY:
		return emit_empty(c, RE_EMPTY_WORD_BOUNDARY);
	case RE_OP_NO_WORD_BOUNDARY:
		return emit_empty(c, RE_EMPTY_NO_WORD_BOUNDARY);
	case RE_OP_CAPTURE:
		bra = emit_cap(c, (uint32_t)n->cap << 1);
		f1 = compile_node(c, n->sub[0]);
		ket = emit_cap(c, (uint32_t)n->cap << 1 | 1);
		return cat(c, cat(c, bra, f1), ket);
	case RE_OP_STAR:
		return star(c, compile_node(c, n->sub[0]), ng);
	case RE_OP_PLUS:
		return plus(c, compile_node(c, n->sub[0]), ng);
	case RE_OP_QUEST:
		return quest(c, compile_node(c, n->sub[0]), ng);
	case RE_OP_CONCAT:
		if (n->nsub == 0)
			return emit_nop(c);
		for (i = 0; i < n->nsub; i++) {
			f1 = compile_node(c, n->sub[i]);
			f = i == 0 ? f1 : cat(c, f, f1);
		}
		return f;
	case RE_OP_ALTERNATE:
		for (i = 0; i < n->nsub; i++)
			f = alt(c, f, compile_node(c, n->sub[i]));
		return f;
	default:
		/* RE_OP_REPEAT does not survive re_syntax_simplify. */
		return f;
	}
}

/* Skips the instructions that neither consume nor test anything. */
static const struct re_inst *
skip_nop(const struct re *re, uint32_t pc)
{
	const struct re_inst *in = &re->inst[pc];

	while (in->op == RE_I_NOP || in->op == RE_I_CAPTURE)
		in = &re->inst[in->out];
	return in;
}

/*
 * The literal text every match begins with, so that a search can skip to
 * its next occurrence (Go's Prog.Prefix), and the assertions every match
 * begins with (Go's StartCond).
 */
static void
compile_start(struct re *re)
{
	const struct re_inst *in;
	char enc[UTF8_MAX_BYTES];
	struct buf b;
	uint32_t pc;
	size_t n;

	buf_init(&b, RE_PATTERN_MAX * UTF8_MAX_BYTES);
	for (in = skip_nop(re, re->start);
	     in->op == RE_I_RUNE1 && (int32_t)in->arg != UTF8_RUNE_ERROR;
	     in = skip_nop(re, in->out)) {
		n = utf8_encode(enc, (int32_t)in->arg);
		(void)buf_add(&b, enc, n);
	}
	re->prefix = buf_take(&b, &re->prefixlen);

	re->cond = 0;
	for (pc = re->start;; pc = re->inst[pc].out) {
		in = &re->inst[pc];
		if (in->op == RE_I_EMPTY)
			re->cond |= in->arg;
		else if (in->op == RE_I_FAIL) {
			re->cond = RE_EMPTY_IMPOSSIBLE;
			break;
		} else if (in->op != RE_I_CAPTURE && in->op != RE_I_NOP)
			break;
	}
}

struct re *
re_compile(const char *pattern, size_t len, unsigned flags, char *err,
    size_t errlen)
{
	struct re *re = NULL, *ret = NULL;
	struct compiler c = { 0 };
	struct re_syntax syn;
	struct re_node *root;
	struct frag f, m;
	unsigned syn_flags = RE_SYN_PERL;
	size_t i;

	if (pattern == NULL)
		pattern = "";
	if (flags & RE_LITERAL)
		syn_flags |= RE_SYN_LITERAL;
	if (re_syntax_parse(&syn, pattern, len, syn_flags, err, errlen) == -1)
		goto out;
	re = xcalloc(1, sizeof(*re));
	re->nsubexp = (size_t)syn.ncap;
	re->names = syn.names;
	syn.names = NULL;
	re->patlen = len;
	re->longest = (flags & RE_LONGEST) != 0;
	re->ncap = 2; /* the whole match */
	c.re = re;

	root = re_syntax_simplify(&syn, syn.root);
	(void)emit(&c, RE_I_FAIL);
	f = compile_node(&c, root);
	m = emit(&c, RE_I_MATCH);
	patch(re, f.out, m.i);
	re->start = f.i;
	compile_start(re);

	for (i = 0; i < re->ninst; i++)
		if (re->inst[i].op >= RE_I_RUNE || re->inst[i].op == RE_I_MATCH)
			re->nthreads++;
	if ((uint64_t)2 * re->nthreads * re->ncap * sizeof(int)
	    > RE_THREADS_MEM_MAX) {
		re_syntax_error(err, errlen, RE_SYNTAX_ERR_LARGE, pattern, len);
		goto out;
	}
	ret = re;
	re = NULL;
out:
	re_syntax_clear(&syn);
	re_free(re);
	return ret;
}

void
re_free(struct re *re)
{
	size_t i;

	if (re == NULL)
		return;
	if (re->names != NULL)
		for (i = 0; i <= re->nsubexp; i++)
			free(re->names[i]);
	free(re->names);
	free(re->inst);
	free(re->runes);
	free(re->prefix);
	free(re);
}

size_t
re_num_subexp(const struct re *re)
{
	return re->nsubexp;
}

const char *
re_subexp_name(const struct re *re, size_t i)
{
	if (i > re->nsubexp || re->names[i] == NULL)
		return "";
	return re->names[i];
}

size_t
re_size(const struct re *re)
{
	return re->ninst;
}

uint64_t
re_step_bound(const struct re *re, size_t len)
{
	return 2 * ((uint64_t)len + 1) * re->ninst;
}

/* Machine. */

/*
 * A set of instructions visited at one position (a sparse set: clearing
 * is O(1), so memory is never scanned per position), and the threads
 * waiting there, in priority order, each with its capture slots.
 */
struct re_queue {
	uint32_t *sparse; /* ninst */
	uint32_t *dense; /* ninst */
	size_t n;
	uint32_t *tpc; /* nthreads */
	int *tcap; /* nthreads x ncap */
	size_t nt;
};

/* An entry of the stack of re_add: an instruction, or a slot to restore. */
struct re_todo {
	uint32_t pc;
	int32_t slot; /* -1: pc is to visit */
	int old;
};

/* The state of searches of one subject: reused by find-all's searches. */
struct re_machine {
	const struct re *re;
	const char *s;
	int len;
	size_t ncap; /* slots tracked: 0, 2 or re->ncap */
	struct re_queue q[2];
	struct re_todo *todo; /* ninst + 1 */
	int *matchcap; /* ncap */
	int *startcap; /* ncap */
	void *mem; /* owned: all the arrays above */
	bool matched;
	uint64_t steps;
	struct re_budget *budget;
};

/* Carves n elements of size sz from the block at *p. */
static void *
carve(char **p, size_t n, size_t sz)
{
	void *r = *p;

	*p += n * sz;
	return r;
}

/*
 * Sets up a machine for searches of s with ncap slots.  All its arrays
 * come from one zeroed block (every element is 4 bytes, so there is no
 * padding), which makes a search on a short subject cost little more
 * than its steps.
 */
static void
machine_init(struct re_machine *m, const struct re *re, const char *s,
    size_t len, size_t ncap, struct re_budget *b)
{
	size_t slots = ncap > 0 ? ncap : 1, size, i;
	char *p;

	_Static_assert(sizeof(struct re_todo) % sizeof(uint32_t) == 0
		&& sizeof(int) == sizeof(uint32_t),
	    "the machine's arrays share one block without padding");
	memset(m, 0, sizeof(*m));
	m->re = re;
	m->s = s != NULL ? s : "";
	m->len = (int)len;
	m->ncap = ncap;
	m->budget = b;
	size = 2
		* (2 * re->ninst * sizeof(uint32_t)
		    + re->nthreads * sizeof(uint32_t)
		    + re->nthreads * ncap * sizeof(int))
	    + (re->ninst + 1) * sizeof(struct re_todo)
	    + 2 * slots * sizeof(int);
	m->mem = xcalloc(1, size);
	p = m->mem;
	for (i = 0; i < 2; i++) {
		m->q[i].sparse = carve(&p, re->ninst, sizeof(uint32_t));
		m->q[i].dense = carve(&p, re->ninst, sizeof(uint32_t));
		m->q[i].tpc = carve(&p, re->nthreads, sizeof(uint32_t));
		m->q[i].tcap = ncap > 0
		    ? carve(&p, re->nthreads * ncap, sizeof(int))
		    : NULL;
	}
	m->todo = carve(&p, re->ninst + 1, sizeof(struct re_todo));
	m->matchcap = carve(&p, slots, sizeof(int));
	m->startcap = carve(&p, slots, sizeof(int));
}

static void
machine_clear(struct re_machine *m)
{
	free(m->mem);
}

/* The rune at pos and its width; RE_EOT and 0 at the end. */
static int32_t
rune_at(const struct re_machine *m, int pos, int *width)
{
	size_t w;
	int32_t r;

	if (pos >= m->len) {
		*width = 0;
		return RE_EOT;
	}
	r = utf8_decode(m->s + pos, (size_t)(m->len - pos), &w);
	*width = (int)w;
	return r;
}

/* The rune that ends before pos; RE_EOT at the start. */
static int32_t
rune_before(const struct re_machine *m, int pos)
{
	size_t w;

	if (pos == 0)
		return RE_EOT;
	return utf8_decode_last(m->s, (size_t)pos, &w);
}

static bool
is_word_char(int32_t r)
{
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
	    || (r >= '0' && r <= '9') || r == '_';
}

/* The assertions that hold between the runes r1 and r2 (RE_EOT: an end). */
static unsigned
empty_context(int32_t r1, int32_t r2)
{
	unsigned op = 0;

	if (r1 == '\n')
		op |= RE_EMPTY_BEGIN_LINE;
	else if (r1 == RE_EOT)
		op |= RE_EMPTY_BEGIN_TEXT | RE_EMPTY_BEGIN_LINE;
	if (r2 == '\n')
		op |= RE_EMPTY_END_LINE;
	else if (r2 == RE_EOT)
		op |= RE_EMPTY_END_TEXT | RE_EMPTY_END_LINE;
	if (is_word_char(r1) != is_word_char(r2))
		op |= RE_EMPTY_WORD_BOUNDARY;
	else
		op |= RE_EMPTY_NO_WORD_BOUNDARY;
	return op;
}

static bool
inst_match_rune(const struct re *re, const struct re_inst *in, int32_t r)
{
	const int32_t *v;
	size_t lo, hi, mid;
	int32_t f;

	if (in->nrune == 1) {
		if (r == (int32_t)in->arg)
			return true;
		if (in->fold)
			for (f = unicode_simple_fold((int32_t)in->arg);
			     f != (int32_t)in->arg; f = unicode_simple_fold(f))
				if (f == r)
					return true;
		return false;
	}
	/* An empty class ([^\x00-\x{10FFFF}]) has no runes to point at. */
	if (in->nrune == 0)
		return false;
	v = re->runes + in->rune;
	lo = 0;
	hi = in->nrune / 2;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r < v[2 * mid])
			hi = mid;
		else if (r > v[2 * mid + 1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/*
 * Adds pc to q with every instruction reachable from it without consuming
 * a rune, in priority order, under the assertions cond at position pos.
 * cap is the capture slots of the thread that got there; it is changed
 * on the way and restored.  Each instruction is entered once per queue,
 * so a position costs at most the size of the program.
 */
static void
re_add(struct re_machine *m, struct re_queue *q, uint32_t pc0, int pos,
    int *cap, unsigned cond)
{
	const struct re *re = m->re;
	const struct re_inst *in;
	struct re_todo *todo = m->todo;
	size_t ntodo = 0, j;
	uint32_t pc;

	todo[ntodo].pc = pc0;
	todo[ntodo].slot = -1;
	ntodo++;
	while (ntodo > 0) {
		ntodo--;
		if (todo[ntodo].slot >= 0) {
			cap[todo[ntodo].slot] = todo[ntodo].old;
			continue;
		}
		pc = todo[ntodo].pc;
		for (;;) {
			if (pc == 0)
				break;
			j = q->sparse[pc];
			if (j < q->n && q->dense[j] == pc)
				break;
			q->sparse[pc] = (uint32_t)q->n;
			q->dense[q->n++] = pc;
			m->steps++;
			in = &re->inst[pc];
			if (in->op == RE_I_ALT) {
				todo[ntodo].pc = in->arg;
				todo[ntodo].slot = -1;
				ntodo++;
				pc = in->out;
			} else if (in->op == RE_I_EMPTY) {
				if ((in->arg & ~cond) != 0)
					break;
				pc = in->out;
			} else if (in->op == RE_I_NOP)
				pc = in->out;
			else if (in->op == RE_I_CAPTURE) {
				if (in->arg < m->ncap) {
					todo[ntodo].slot = (int32_t)in->arg;
					todo[ntodo].old = cap[in->arg];
					ntodo++;
					cap[in->arg] = pos;
				}
				pc = in->out;
			} else if (in->op == RE_I_FAIL)
				break;
			else {
				q->tpc[q->nt] = pc;
				if (m->ncap > 0)
					memcpy(q->tcap + q->nt * m->ncap, cap,
					    m->ncap * sizeof(*cap));
				q->nt++;
				break;
			}
		}
	}
}

/*
 * Runs the threads of runq over the rune c, from pos to next_pos, into
 * nextq (under next_cond, the assertions at next_pos).  A thread at the
 * match instruction records the match and, leftmost-first, cuts off the
 * threads of lower priority.
 */
static void
re_step(struct re_machine *m, struct re_queue *runq, struct re_queue *nextq,
    int pos, int next_pos, int32_t c, unsigned next_cond)
{
	const struct re *re = m->re;
	const struct re_inst *in;
	bool add;
	size_t j;
	int *cap;

	for (j = 0; j < runq->nt; j++) {
		/* Without slots (re_match) there is no array to point into. */
		cap = m->ncap > 0 ? runq->tcap + j * m->ncap : NULL;
		if (re->longest && m->matched && m->ncap > 0
		    && m->matchcap[0] < cap[0])
			continue;
		m->steps++;
		in = &re->inst[runq->tpc[j]];
		add = false;
		switch (in->op) {
		case RE_I_MATCH:
			if (m->ncap > 0
			    && (!re->longest || !m->matched
				|| m->matchcap[1] < pos)) {
				cap[1] = pos;
				memcpy(m->matchcap, cap,
				    m->ncap * sizeof(*cap));
			}
			m->matched = true;
			if (!re->longest)
				j = runq->nt;
			break;
		case RE_I_RUNE:
			add = inst_match_rune(re, in, c);
			break;
		case RE_I_RUNE1:
			add = c == (int32_t)in->arg;
			break;
		case RE_I_RUNE_ANY:
			add = true;
			break;
		case RE_I_RUNE_ANY_NOT_NL:
			add = c != '\n';
			break;
		default:
			break;
		}
		/* Past the end nothing is consumed: nextq is not run. */
		if (add && c != RE_EOT)
			re_add(m, nextq, in->out, next_pos, cap, next_cond);
	}
	runq->nt = 0;
	runq->n = 0;
}

/*
 * Searches from pos for the leftmost match; fills matchcap.  Returns
 * RE_MATCH, RE_NOMATCH or RE_EBUDGET.
 */
static int
re_run(struct re_machine *m, int pos)
{
	const struct re *re = m->re;
	struct re_queue *runq = &m->q[0], *nextq = &m->q[1], *tmpq;
	int32_t r, r1 = RE_EOT;
	int width, width1 = 0;
	unsigned cond;
	const char *hit;
	size_t i;

	if (re->cond == RE_EMPTY_IMPOSSIBLE)
		return RE_NOMATCH;
	m->matched = false;
	for (i = 0; i < m->ncap; i++)
		m->matchcap[i] = -1;
	runq->n = runq->nt = nextq->n = nextq->nt = 0;
	r = rune_at(m, pos, &width);
	if (r != RE_EOT)
		r1 = rune_at(m, pos + width, &width1);
	cond = empty_context(rune_before(m, pos), r);
	for (;;) {
		if (runq->nt == 0) {
			/* Anchored at the start, and past it. */
			if ((re->cond & RE_EMPTY_BEGIN_TEXT) && pos != 0)
				break;
			if (m->matched)
				break;
			/*
			 * Skip to where the literal prefix occurs next: no
			 * thread is running, and none can start before.
			 */
			if (re->prefixlen > 0 && pos < m->len) {
				hit = memmem(m->s + pos, (size_t)(m->len - pos),
				    re->prefix, re->prefixlen);
				if (hit == NULL)
					break;
				if (hit != m->s + pos) {
					pos = (int)(hit - m->s);
					r = rune_at(m, pos, &width);
					r1 = rune_at(m, pos + width, &width1);
					cond = empty_context(
					    rune_before(m, pos), r);
				}
			}
		}
		if (!m->matched) {
			for (i = 0; i < m->ncap; i++)
				m->startcap[i] = -1;
			if (m->ncap > 0)
				m->startcap[0] = pos;
			re_add(m, runq, re->start, pos, m->startcap, cond);
		}
		cond = empty_context(r, r1);
		re_step(m, runq, nextq, pos, pos + width, r, cond);
		if (m->budget != NULL) {
			m->budget->steps += m->steps;
			m->steps = 0;
			if (m->budget->steps > m->budget->max_steps)
				return RE_EBUDGET;
			if (m->budget->poll != NULL
			    && m->budget->steps >= m->budget->poll_at) {
				m->budget->poll_at
				    = m->budget->steps + m->budget->poll_every;
				if (m->budget->poll(m->budget->poll_arg) != 0)
					return RE_EBUDGET;
			}
		}
		if (width == 0)
			break;
		if (m->ncap == 0 && m->matched)
			break;
		pos += width;
		r = r1;
		width = width1;
		if (r != RE_EOT)
			r1 = rune_at(m, pos + width, &width1);
		else
			r1 = RE_EOT;
		tmpq = runq;
		runq = nextq;
		nextq = tmpq;
	}
	return m->matched ? RE_MATCH : RE_NOMATCH;
}

/* API. */

int
re_match(const struct re *re, const char *s, size_t len, struct re_budget *b)
{
	struct re_machine m;
	int rc;

	if (len > RE_SUBJECT_MAX)
		return RE_ETOOBIG;
	machine_init(&m, re, s, len, 0, b);
	rc = re_run(&m, 0);
	machine_clear(&m);
	return rc;
}

/* The capture slots a search for nidx positions needs to track. */
static size_t
slots_for(const struct re *re, size_t nidx)
{
	return nidx < re->ncap ? nidx : re->ncap;
}

/* Copies the match into idx[0..nidx), padding past the program's slots. */
static void
copy_match(const struct re_machine *m, int *idx, size_t nidx)
{
	size_t i;

	for (i = 0; i < nidx; i++)
		idx[i] = i < m->ncap ? m->matchcap[i] : -1;
}

int
re_find(const struct re *re, const char *s, size_t len, int *idx, size_t nidx,
    struct re_budget *b)
{
	struct re_machine m;
	int rc;

	if (len > RE_SUBJECT_MAX)
		return RE_ETOOBIG;
	machine_init(&m, re, s, len, slots_for(re, nidx), b);
	rc = re_run(&m, 0);
	if (rc == RE_MATCH)
		copy_match(&m, idx, nidx);
	machine_clear(&m);
	return rc;
}

static void
matches_add(struct re_matches *ms, const int *idx, size_t *cap)
{
	if (ms->n == *cap) {
		*cap = *cap == 0 ? 8 : 2 * *cap;
		ms->idx = xreallocarray(ms->idx, *cap,
		    ms->stride * sizeof(*ms->idx));
	}
	memcpy(ms->idx + ms->n * ms->stride, idx, ms->stride * sizeof(*idx));
	ms->n++;
}

/* The width of the rune at pos, at least 1 before the end (Go's step). */
static int
width_at(const char *s, size_t len, int pos)
{
	size_t w;

	if ((size_t)pos >= len)
		return 0;
	(void)utf8_decode(s + pos, len - (size_t)pos, &w);
	return (int)w;
}

/*
 * Go's allMatches: successive searches, each from the end of the last
 * match, or one rune further after an empty match; an empty match right
 * after a match is dropped.  nidx slots per match are stored in *ms.
 */
static long
all_matches(const struct re *re, const char *s, size_t len, long n, size_t nidx,
    struct re_matches *ms, struct re_budget *b)
{
	struct re_machine m;
	int pos = 0, prev_end = -1, width, rc;
	size_t cap = 0;
	bool accept;
	int *idx;
	long ret = 0;

	memset(ms, 0, sizeof(*ms));
	ms->stride = nidx;
	if (len > RE_SUBJECT_MAX)
		return RE_ETOOBIG;
	idx = xcalloc(nidx, sizeof(*idx));
	machine_init(&m, re, s, len, slots_for(re, nidx), b);
	while ((n < 0 || (long)ms->n < n) && (size_t)pos <= len) {
		rc = re_run(&m, pos);
		if (rc == RE_EBUDGET) {
			ret = rc;
			goto out;
		}
		if (rc == RE_NOMATCH)
			break;
		copy_match(&m, idx, nidx);
		accept = true;
		if (idx[1] == pos) {
			/* An empty match. */
			if (idx[0] == prev_end)
				accept = false;
			width = width_at(s, len, pos);
			pos = width > 0 ? pos + width : (int)len + 1;
		} else
			pos = idx[1];
		prev_end = idx[1];
		if (accept)
			matches_add(ms, idx, &cap);
	}
	ret = (long)ms->n;
out:
	machine_clear(&m);
	free(idx);
	return ret;
}

long
re_find_all(const struct re *re, const char *s, size_t len, long n,
    struct re_matches *m, struct re_budget *b)
{
	return all_matches(re, s, len, n, 2 * (re->nsubexp + 1), m, b);
}

void
re_matches_clear(struct re_matches *m)
{
	free(m->idx);
	memset(m, 0, sizeof(*m));
}

/*
 * Reads a group reference after a '$' (Go's extract): a name of letters,
 * digits and '_', or one in braces.  Returns what follows it, or NULL
 * when there is none (the '$' is then literal); *num is the group number
 * when the name is a number without a leading zero, else -1.
 */
static const char *
expand_name(const char *t, const char *end, const char **name, size_t *namelen,
    long *num)
{
	bool brace = false;
	const char *p;
	size_t w, i;
	int32_t r;

	if (t == end)
		return NULL;
	if (*t == '{') {
		brace = true;
		t++;
	}
	for (p = t; p < end; p += w) {
		r = utf8_decode(p, (size_t)(end - p), &w);
		if (!unicode_is_letter(r) && !unicode_is_digit(r) && r != '_')
			break;
	}
	if (p == t)
		return NULL;
	*name = t;
	*namelen = (size_t)(p - t);
	if (brace) {
		if (p == end || *p != '}')
			return NULL;
		p++;
	}
	*num = 0;
	for (i = 0; i < *namelen; i++) {
		if (t[i] < '0' || t[i] > '9' || *num >= 100000000) {
			*num = -1;
			break;
		}
		*num = *num * 10 + (t[i] - '0');
	}
	if (t[0] == '0' && *namelen > 1)
		*num = -1;
	return p;
}

/*
 * Appends repl expanded for the match idx (nidx slots) of s to out (Go's
 * Regexp.expand).  Returns 0, or -1 when out is full.
 */
static int
expand(const struct re *re, struct buf *out, const char *repl, size_t rlen,
    const char *s, const int *idx, size_t nidx)
{
	const char *t = repl, *end = repl + rlen, *dollar, *name, *next;
	size_t namelen, i;
	long num;

	while (t < end) {
		dollar = memchr(t, '$', (size_t)(end - t));
		if (dollar == NULL)
			break;
		if (buf_add(out, t, (size_t)(dollar - t)) == -1)
			return -1;
		t = dollar + 1;
		if (t < end && *t == '$') {
			if (buf_addc(out, '$') == -1)
				return -1;
			t++;
			continue;
		}
		next = expand_name(t, end, &name, &namelen, &num);
		if (next == NULL) {
			if (buf_addc(out, '$') == -1)
				return -1;
			continue;
		}
		t = next;
		if (num >= 0) {
			if ((size_t)num < nidx / 2 && idx[2 * num] >= 0
			    && buf_add(out, s + idx[2 * num],
				   (size_t)(idx[2 * num + 1] - idx[2 * num]))
				== -1)
				return -1;
			continue;
		}
		for (i = 0; i <= re->nsubexp; i++) {
			if (re->names[i] == NULL
			    || strlen(re->names[i]) != namelen
			    || memcmp(re->names[i], name, namelen) != 0
			    || 2 * i + 1 >= nidx || idx[2 * i] < 0)
				continue;
			if (buf_add(out, s + idx[2 * i],
				(size_t)(idx[2 * i + 1] - idx[2 * i]))
			    == -1)
				return -1;
			break;
		}
	}
	return buf_add(out, t, (size_t)(end - t));
}

int
re_replace_all(const struct re *re, const char *s, size_t len, const char *repl,
    size_t rlen, struct buf *out, struct re_budget *b)
{
	struct re_machine m;
	int last_end = 0, search = 0, width, rc, ret = RE_ETOOBIG;
	size_t nidx = 2;
	int *idx;

	if (len > RE_SUBJECT_MAX)
		return RE_ETOOBIG;
	if (s == NULL)
		s = "";
	if (repl == NULL)
		repl = "";
	/* Without a '$' only the match itself is needed. */
	if (memchr(repl, '$', rlen) != NULL)
		nidx = 2 * (re->nsubexp + 1);
	nidx = slots_for(re, nidx);
	idx = xcalloc(nidx, sizeof(*idx));
	machine_init(&m, re, s, len, nidx, b);
	while ((size_t)search <= len) {
		rc = re_run(&m, search);
		if (rc == RE_EBUDGET) {
			ret = rc;
			goto out;
		}
		if (rc == RE_NOMATCH)
			break;
		copy_match(&m, idx, nidx);
		if (buf_add(out, s + last_end, (size_t)(idx[0] - last_end))
		    == -1)
			goto out;
		/*
		 * No replacement for an empty match right after a match, so
		 * a pattern matching both empty and not (a*) does not
		 * replace twice.
		 */
		if ((idx[1] > last_end || idx[0] == 0)
		    && expand(re, out, repl, rlen, s, idx, nidx) == -1)
			goto out;
		last_end = idx[1];
		/* Advance by the match, or by at least one rune. */
		width = width_at(s, len, search);
		if (search + width > idx[1])
			search += width;
		else if (search + 1 > idx[1])
			search++;
		else
			search = idx[1];
	}
	if (buf_add(out, s + last_end, len - (size_t)last_end) == -1)
		goto out;
	ret = 0;
out:
	machine_clear(&m);
	free(idx);
	return ret;
}

long
re_split(const struct re *re, const char *s, size_t len, long n,
    struct re_matches *pieces, struct re_budget *b)
{
	struct re_matches ms;
	size_t cap = 0, i;
	int beg = 0, end = 0, piece[2];
	long rc;

	memset(pieces, 0, sizeof(*pieces));
	pieces->stride = 2;
	if (n == 0)
		return 0;
	if (s == NULL)
		s = "";
	if (re->patlen > 0 && len == 0) {
		piece[0] = piece[1] = 0;
		matches_add(pieces, piece, &cap);
		return 1;
	}
	rc = all_matches(re, s, len, n, 2, &ms, b);
	if (rc < 0) {
		re_matches_clear(&ms);
		return rc;
	}
	for (i = 0; i < ms.n; i++) {
		if (n > 0 && (long)pieces->n >= n - 1)
			break;
		end = ms.idx[2 * i];
		if (ms.idx[2 * i + 1] != 0) {
			piece[0] = beg;
			piece[1] = end;
			matches_add(pieces, piece, &cap);
		}
		beg = ms.idx[2 * i + 1];
	}
	if ((size_t)end != len) {
		piece[0] = beg;
		piece[1] = (int)len;
		matches_add(pieces, piece, &cap);
	}
	re_matches_clear(&ms);
	return (long)pieces->n;
}

const char *
re_strerror(int code)
{
	switch (code) {
	case RE_EBUDGET:
		return "regexp: step budget exceeded";
	case RE_ETOOBIG:
		return "regexp: subject or result too large";
	default:
		return "regexp: unknown error";
	}
}
