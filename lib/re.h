/* SPDX-License-Identifier: MIT */
/*
 * Regular expressions with the syntax and the results of Go's regexp
 * package (RE2 syntax with Perl's leftmost-first preference, as
 * consul-template's regexMatch and regexReplaceAll use them), matched by
 * a Pike VM: one pass over the subject with the threads of the program in
 * priority order, so a search takes O(subject length x program size) time
 * and O(program size x captures) memory whatever the pattern.  There is no
 * backtracking, so no back-references and no look-around: those are
 * refused at compile time with Go's error texts.  docs/regex.md has the
 * design.
 *
 * The subject is bytes with a length (NUL is an ordinary byte), read as
 * UTF-8 the way Go reads it: an invalid byte is U+FFFD of width 1.  All
 * positions are byte offsets into the subject; -1 marks a group that did
 * not take part in the match.  A pattern, subject or replacement of
 * length 0 may be NULL.  Everything here is pure: no logging, no
 * global state; a compiled program may be used by any number of calls.
 *
 *	char err[RE_ERR_MAX];
 *	struct re *re = re_compile("^[a-z0-9-]+$", 12, 0, err, sizeof(err));
 *	struct re_budget b = { .max_steps = 1000000 };
 *	if (re != NULL && re_match(re, name, len, &b) == RE_MATCH) ...
 *	re_free(re);
 */
#ifndef RE_H
#define RE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/*
 * The caps.  Go's own limits are RE_REPEAT_MAX and RE_NEST_MAX.  Go
 * refuses programs over about 3.3 million instructions; RE_PROG_MAX is
 * lower, still far above what a template uses (a{1000} is 1000, the
 * nesting of counted repetitions is limited to 1000 copies, so only a
 * long run of such pieces reaches it), and it bounds the time of a step.
 * The next three are caps Go does not have.  A pattern over any of the
 * size caps is refused with Go's "expression too large".
 */
#define RE_REPEAT_MAX 1000 /* {n,m}; also the product when nested */
#define RE_NEST_MAX 1000 /* depth of the parse tree */
#define RE_PROG_MAX (1 << 17) /* instructions of a program */
#define RE_PATTERN_MAX (64 * 1024) /* bytes of a pattern */
#define RE_CLASS_RUNES_MAX (1 << 20) /* runes of all character classes */
/*
 * Bytes of thread state of one search: the threads (at most the rune
 * instructions of the program, twice) times their capture positions.
 */
#define RE_THREADS_MEM_MAX (16 << 20)
/* Longest subject, so that positions fit an int. */
#define RE_SUBJECT_MAX ((size_t)INT_MAX - 1)
/* An error buffer that holds any message but a very long pattern's. */
#define RE_ERR_MAX 256

/* re_compile flags. */
#define RE_LITERAL 0x1 /* the pattern is literal text (Go: QuoteMeta) */
#define RE_LONGEST 0x2 /* leftmost-longest, Go's Regexp.Longest */

/* Results of the matching functions. */
#define RE_MATCH 1 /* re_match, re_find: there is a match */
#define RE_NOMATCH 0
#define RE_EBUDGET (-1) /* the step budget ran out */
#define RE_ETOOBIG (-2) /* subject over RE_SUBJECT_MAX, output over its cap */

/*
 * A step budget, shared by as many calls as the caller likes: each call
 * adds the steps it takes to steps and fails with RE_EBUDGET once steps
 * passes max_steps (it may pass it by up to 2 x re_size steps, as the
 * check is made once per rune of the subject).  A step is one visit of
 * one instruction by one thread.  Between calls the caller may look at
 * steps, or at its own clock, and stop.  A NULL budget means no cap: the
 * time is still bounded, see re_step_bound.
 */
struct re_budget {
	uint64_t max_steps;
	uint64_t steps;
	/*
	 * Optional (NULL: none): called whenever steps has grown by
	 * poll_every since the last call (poll_at is when the next is due;
	 * 0 calls it at the first check), so that the caller can look at a
	 * clock or at its events in the middle of a long search.  A nonzero
	 * result ends the search with RE_EBUDGET, as if the budget had run
	 * out; the caller knows which it was.
	 */
	int (*poll)(void *arg);
	void *poll_arg;
	uint64_t poll_every;
	uint64_t poll_at;
};

/*
 * Matches of re_find_all, or pieces of re_split: n entries of stride ints
 * each, in idx (owned; free with re_matches_clear).  An entry of
 * re_find_all is the position pairs of the match and of each group, Go's
 * FindAllStringSubmatchIndex; an entry of re_split is the start and end
 * of a piece.
 */
struct re_matches {
	int *idx;
	size_t n;
	size_t stride;
};

struct re;

/*
 * Compiles len bytes of pattern, Go's regexp.Compile with RE_* flags.
 * Returns the program (owned; re_free it), or NULL with err filled with
 * Go's error text ("error parsing regexp: invalid escape sequence: `\1`").
 */
struct re *re_compile(const char *pattern, size_t len, unsigned flags,
    char *err, size_t errlen);
/* Frees re; NULL is allowed. */
void re_free(struct re *re);
/* The number of capture groups (Go's NumSubexp). */
size_t re_num_subexp(const struct re *re);
/*
 * The name of group i, from 1 to re_num_subexp ("" for an unnamed group,
 * and for 0 and anything out of range).  Borrowed: valid while re is.
 */
const char *re_subexp_name(const struct re *re, size_t i);
/* The number of instructions of re's program. */
size_t re_size(const struct re *re);
/*
 * The most steps one search of len bytes can take: every instruction
 * visited at most twice at each of the len + 1 positions.  re_find_all,
 * re_replace_all and re_split search once per match, so a pattern whose
 * matches end long before its threads die (Go behaves the same) can take
 * up to len + 1 times this in all; the budget is what bounds them.
 */
uint64_t re_step_bound(const struct re *re, size_t len);

/*
 * Whether re matches anywhere in s (Go's MatchString): RE_MATCH,
 * RE_NOMATCH, RE_EBUDGET or RE_ETOOBIG.  b may be NULL.
 */
int re_match(const struct re *re, const char *s, size_t len,
    struct re_budget *b);
/*
 * The leftmost match of re in s (Go's FindStringSubmatchIndex): fills
 * idx[0..nidx) with the start and end of the match, then of group 1, 2...
 * (-1 for groups that did not match and for entries past the last group)
 * and returns RE_MATCH, or returns RE_NOMATCH (idx untouched), RE_EBUDGET
 * or RE_ETOOBIG.  nidx is even; 2 asks for the match only, which is
 * cheaper.
 */
int re_find(const struct re *re, const char *s, size_t len, int *idx,
    size_t nidx, struct re_budget *b);
/*
 * At most n successive matches of re in s, or all when n < 0 (Go's
 * FindAllStringSubmatchIndex: an empty match right after a match is
 * skipped).  Fills *m (stride 2 x (re_num_subexp + 1); clear it with
 * re_matches_clear even on failure) and returns the number of matches,
 * or RE_EBUDGET or RE_ETOOBIG.
 */
long re_find_all(const struct re *re, const char *s, size_t len, long n,
    struct re_matches *m, struct re_budget *b);
/*
 * Appends to out s with every match of re replaced by repl expanded
 * (Go's ReplaceAllString): $1 and ${1} are group 1, $name and ${name}
 * the named group, $$ is $; a name is the longest run of letters, digits
 * and '_' ($1x is group "1x", which does not exist: empty); a group that
 * did not match gives "".  Returns 0, or RE_EBUDGET, or RE_ETOOBIG when
 * out would pass its cap; out then holds part of the result.
 */
int re_replace_all(const struct re *re, const char *s, size_t len,
    const char *repl, size_t rlen, struct buf *out, struct re_budget *b);
/*
 * Splits s around the matches of re into at most n pieces (all when
 * n < 0; none when n is 0), Go's Regexp.Split.  Fills *pieces (stride 2:
 * start and end of each piece; clear it with re_matches_clear) and
 * returns the number of pieces, or RE_EBUDGET or RE_ETOOBIG.
 */
long re_split(const struct re *re, const char *s, size_t len, long n,
    struct re_matches *pieces, struct re_budget *b);
/* Frees m's entries and empties it. */
void re_matches_clear(struct re_matches *m);
/* A message for a negative result: "regexp: step budget exceeded". */
const char *re_strerror(int code);

#endif
