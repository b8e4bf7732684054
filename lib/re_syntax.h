/* SPDX-License-Identifier: MIT */
/*
 * The syntax half of the regular-expression engine (lib/re.h is the
 * whole public interface; this header is shared by re_syntax.c and re.c
 * only): the parse of a pattern in Go's regexp/syntax dialect into a
 * tree, with Go's error texts and limits, and its simplification into the
 * tree the compiler in re.c turns into a program.  The tree has the shape
 * Go's parser gives it (literal strings merged, alternations factored),
 * because the limits ("expression too large", "expression nests too
 * deeply") are measured on it and the compiled program, which decides
 * submatch positions, follows it.
 */
#ifndef RE_SYNTAX_H
#define RE_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "re.h"

/* Node operators, in Go's order: the parser compares them. */
enum re_op {
	RE_OP_NO_MATCH = 1, /* matches nothing */
	RE_OP_EMPTY_MATCH, /* matches the empty string */
	RE_OP_LITERAL, /* the runes of rune, in order */
	RE_OP_CHAR_CLASS, /* a rune in the ranges v[0]-v[1], v[2]-v[3]... */
	RE_OP_ANY_CHAR_NOT_NL, /* any rune but \n */
	RE_OP_ANY_CHAR, /* any rune */
	RE_OP_BEGIN_LINE, /* ^ in multi-line mode */
	RE_OP_END_LINE, /* $ in multi-line mode */
	RE_OP_BEGIN_TEXT, /* \A, or ^ */
	RE_OP_END_TEXT, /* \z, or $ */
	RE_OP_WORD_BOUNDARY, /* \b */
	RE_OP_NO_WORD_BOUNDARY, /* \B */
	RE_OP_CAPTURE, /* group cap (name, if any) around sub[0] */
	RE_OP_STAR, /* sub[0]* */
	RE_OP_PLUS, /* sub[0]+ */
	RE_OP_QUEST, /* sub[0]? */
	RE_OP_REPEAT, /* sub[0]{min,max}; max -1 is unbounded */
	RE_OP_CONCAT, /* sub[0] sub[1] ... */
	RE_OP_ALTERNATE, /* sub[0]|sub[1]|... */
	RE_OP_PSEUDO = 128, /* parse stack markers from here on */
	RE_OP_LEFT_PAREN,
	RE_OP_VERTICAL_BAR
};

/* Parse flags, Go's syntax.Flags (same bits). */
#define RE_SYN_FOLD_CASE 0x0001 /* (?i) */
#define RE_SYN_LITERAL 0x0002 /* the pattern is literal text */
#define RE_SYN_CLASS_NL 0x0004 /* [^a] and \D may match \n */
#define RE_SYN_DOT_NL 0x0008 /* (?s): . matches \n */
#define RE_SYN_ONE_LINE 0x0010 /* ^ $ at text ends only: no (?m) */
#define RE_SYN_NON_GREEDY 0x0020 /* (?U), or a lazy repetition */
#define RE_SYN_PERL_X 0x0040 /* Perl extensions */
#define RE_SYN_UNICODE_GROUPS 0x0080 /* \pL */
#define RE_SYN_WAS_DOLLAR 0x0100 /* an END_TEXT written $ */
/* What Go's regexp.Compile parses with. */
#define RE_SYN_PERL                                        \
	(RE_SYN_CLASS_NL | RE_SYN_ONE_LINE | RE_SYN_PERL_X \
	    | RE_SYN_UNICODE_GROUPS)

/* A growable array of runes. */
struct re_runes {
	int32_t *v; /* owned */
	size_t n;
	size_t cap;
};

/*
 * A tree node.  Nodes are owned by the re_syntax that made them and freed
 * with it; a simplified tree may share a node between several parents.
 */
struct re_node {
	enum re_op op;
	unsigned flags; /* RE_SYN_*, as at the node's parse */
	struct re_node **sub;
	size_t nsub;
	size_t subcap;
	struct re_runes rune; /* LITERAL runes, CHAR_CLASS ranges */
	int min; /* REPEAT */
	int max;
	int cap; /* CAPTURE index from 1, LEFT_PAREN too */
	char *name; /* CAPTURE name or NULL */
	int height; /* of the subtree, for the nesting cap */
	uint32_t prog_rune; /* re.c: where rune is in the program */
	bool prog_rune_set;
	struct re_node *next; /* all nodes of a re_syntax */
};

/* A parsed pattern. */
struct re_syntax {
	struct re_node *root; /* borrowed from nodes */
	struct re_node *nodes; /* owned, every node made */
	int ncap; /* capture groups */
	char **names; /* ncap + 1 names, owned; NULL if unnamed */
};

/*
 * Parses len bytes of pattern with flags (RE_SYN_*) into *s.  Returns 0,
 * or -1 with err filled with Go's text ("error parsing regexp: missing
 * closing ): `(a`") and *s left empty.  Either way, clear *s with
 * re_syntax_clear afterwards.
 */
int re_syntax_parse(struct re_syntax *s, const char *pattern, size_t len,
    unsigned flags, char *err, size_t errlen);
/*
 * Go's Regexp.Simplify of s->root, into nodes owned by s: counted
 * repetitions become copies of their operand (x{2,4} is xx(x(x)?)?), and
 * (?:x*)* and the like lose their redundant operators.
 */
struct re_node *re_syntax_simplify(struct re_syntax *s, struct re_node *n);
/* Go's text for a pattern over a size limit. */
#define RE_SYNTAX_ERR_LARGE "expression too large"

/*
 * Fills err with Go's "error parsing regexp: CODE: `EXPR`", EXPR being
 * len bytes of expr, copied as they are; returns -1.
 */
int re_syntax_error(char *err, size_t errlen, const char *code,
    const char *expr, size_t len);
/* Frees everything s owns and leaves it empty. */
void re_syntax_clear(struct re_syntax *s);

#endif
