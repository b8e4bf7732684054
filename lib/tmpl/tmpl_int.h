/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the tmpl_*.c files of the template engine: the
 * arena, the value model (Go's reflect.Value cut down to what templates
 * see), the AST, the execution state and the function table.  Nothing
 * outside lib/tmpl/ includes this file.
 */
#ifndef TMPL_INT_H
#define TMPL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <regex.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "tmpl.h"

/* Parser nesting and {{template}} recursion limits (Go: 100000 calls). */
#define TMPL_MAX_NEST 200
#define TMPL_MAX_CALL_DEPTH 1000
/* Widest printf width or precision honoured. */
#define TMPL_MAX_WIDTH 4096
/* Longest list a function may build (loop, split...). */
#define TMPL_MAX_LIST (1 << 20)
/* Execution memory kept between runs of one template. */
#define TMPL_ARENA_KEEP ((size_t)2 << 20)
/*
 * Steps (nodes walked, loop iterations) one execution may take: a
 * template like {{ range 1000000000 }}{{ end }} must not stall the
 * daemon.  A large real render (10,000 instances) takes about 100,000.
 */
#define TMPL_MAX_STEPS ((uint64_t)10000000)

/*
 * Bump allocator.  Allocation never fails (xmalloc); going over max sets
 * overflow, which the evaluator checks after every step and turns into an
 * error, so a hostile template is stopped soon after crossing the cap.
 */
struct arena_chunk;
struct arena {
	struct arena_chunk *head;
	struct arena_chunk *spare; /* reset chunks for reuse */
	size_t total;
	size_t max;
	bool overflow;
};

void arena_init(struct arena *a, size_t max);
void *arena_alloc(struct arena *a, size_t size);
void *arena_calloc(struct arena *a, size_t n, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Frees everything but the first chunk, for reuse. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);
/* Frees reset chunks beyond keep bytes (an idle template's footprint). */
void arena_trim(struct arena *a, size_t keep);

/* Value kinds.  TV_MISSING is Go's invalid Value, printed "<no value>". */
enum tv_kind {
	TV_MISSING = 0,
	TV_NIL, /* nil interface or pointer: "<nil>" */
	TV_BOOL,
	TV_INT,
	TV_FLOAT,
	TV_STR,
	TV_LIST,
	TV_MAP,
	TV_REC, /* a Consul record (struct) */
	TV_SCRATCH, /* the scratch object */
};

/* Record types: consul-template's structs. */
enum rec_type {
	REC_HSVC, /* dependency.HealthService */
	REC_SNIPPET, /* dependency.CatalogSnippet */
	REC_KV, /* dependency.KeyPair */
	REC_NODE, /* dependency.Node */
	REC_CNODE, /* dependency.CatalogNode */
	REC_CNSVC, /* dependency.CatalogNodeService */
	REC_CHECK, /* api.HealthCheck */
	REC_WEIGHTS, /* api.AgentWeights */
	REC_SADDR, /* api.ServiceAddress */
	REC_NTYPES
};

/* Go kinds of list/map elements, for zero values and printing. */
enum tv_elem {
	ELEM_ANY = 0, /* interface{}: zero is <no value> */
	ELEM_STR, /* string: zero is "" */
	ELEM_LIST, /* slice: zero is [] */
	ELEM_REC,
	ELEM_CHAN, /* loop's channel: one range variable only */
};

struct tv;
struct tv_map;
struct tv_rec;

struct tv {
	uint8_t kind; /* enum tv_kind */
	uint8_t elem; /* lists and maps: enum tv_elem */
	uint8_t rtype; /* records: enum rec_type */
	uint8_t isuint; /* ints: Go uint64 (prints the same) */
	uint32_t len; /* strings, lists */
	union {
		bool b;
		int64_t i;
		double f;
		const char *s;
		struct tv *list;
		struct tv_map *map;
		const struct tv_rec *rec;
	} u;
};

struct tv_map {
	size_t n;
	struct tv *keys; /* sorted, strings or ints */
	struct tv *vals;
};

/*
 * A record wraps the Consul JSON it came from; fields are computed on
 * access.  str/str2 carry values that are not in the JSON (a KeyPair's
 * relative key, a HealthService's aggregated status).
 */
struct tv_rec {
	const cJSON *j;
	const cJSON *j2; /* HSVC: the entry's Node */
	const cJSON *j3; /* HSVC: the entry's Service */
	const char *str;
	size_t strlen;
	const char *str2;
	size_t str2len;
	const char *sortkey; /* HSVC: Node name; for sorting */
	const char *sortkey2; /* HSVC: service ID */
};

/* AST. */
enum tn_kind {
	TN_LIST,
	TN_TEXT,
	TN_ACTION,
	TN_IF,
	TN_RANGE,
	TN_WITH,
	TN_TEMPLATE,
	TN_BREAK,
	TN_CONTINUE,
};

enum ta_kind {
	TA_DOT,
	TA_NIL,
	TA_BOOL,
	TA_NUM,
	TA_STR,
	TA_FIELD, /* .A.B on dot */
	TA_VAR, /* $x.A.B */
	TA_FUNC, /* identifier: a function */
	TA_PIPE, /* ( pipeline ) with optional .A.B */
	TA_CHAIN_FUNC, /* ident.A.B (scratch.Get) */
};

struct tpipe;

struct targ {
	uint8_t kind; /* enum ta_kind */
	int line, col;
	struct tv lit; /* TA_BOOL, TA_NUM, TA_STR */
	int func; /* TA_FUNC, TA_CHAIN_FUNC: index */
	int var; /* TA_VAR: name index in names */
	const char *varname;
	struct tpipe *pipe; /* TA_PIPE */
	const char **fields; /* field chain */
	size_t nfields;
};

struct tcmd {
	struct targ *args;
	size_t nargs;
	int line, col;
	const char *src; /* source text for error messages */
	size_t srclen;
};

struct tpipe {
	int line, col;
	bool decl; /* := */
	bool assign; /* = */
	const char *vars[2];
	size_t nvars;
	struct tcmd *cmds;
	size_t ncmds;
};

struct tnode {
	uint8_t kind; /* enum tn_kind */
	int line, col;
	struct tnode *next;
	/* TN_TEXT */
	const char *text;
	size_t textlen;
	/* TN_ACTION, TN_IF, TN_RANGE, TN_WITH, TN_TEMPLATE */
	struct tpipe *pipe;
	/* TN_LIST: first child; control: body and else */
	struct tnode *list;
	struct tnode *elselist;
	/* TN_TEMPLATE */
	const char *name;
};

struct tdef {
	const char *name;
	struct tnode *body;
	struct tdef *next;
};

/*
 * Compiled regexMatch/regexReplaceAll patterns kept with the template:
 * templates pass literal patterns, so a render of 10,000 instances
 * compiles each once instead of once per call.
 */
#define TMPL_REGEX_CACHE 16

struct regex_ent {
	char *pattern; /* owned; NULL: free slot */
	size_t len;
	regex_t rx;
};

struct tmpl {
	char *name;
	char *text; /* owned copy of the source */
	size_t textlen;
	char *sandbox; /* owned; NULL: no sandbox */
	bool missing_error;
	struct arena ast; /* nodes, strings */
	struct arena run; /* reset per execution */
	struct tnode *root;
	struct tdef *defs;
	struct regex_ent regex[TMPL_REGEX_CACHE];
	size_t regex_next; /* slot replaced when the cache is full */
};

/* Function table. */
struct exec;
typedef int tmpl_func_cb(struct exec *x, struct tv *args, size_t nargs,
    struct tv *ret);

enum func_flags {
	FN_NOCALL = 1, /* and, or: evaluated by the evaluator */
};

struct func {
	const char *name;
	tmpl_func_cb *fn;
	int minargs;
	int maxargs; /* -1: variadic */
	int flags;
};

extern const struct func tmpl_funcs[];
int func_lookup(const char *name, size_t len);

/* Scratch entries: per execution. */
struct scratch_ent {
	const char *key;
	size_t keylen;
	struct tv val;
	struct tv_map *map; /* MapSet: built lazily */
	size_t mapn, mapcap;
	struct tv *mkeys, *mvals;
	struct scratch_ent *next;
};

/* Execution state. */
struct var {
	const char *name;
	struct tv val;
};

struct exec {
	struct tmpl *t;
	const struct tmpl_exec_opts *opts;
	struct arena *a;
	struct buf *out;
	struct tmpl_deps *deps;
	/* dependency dedup: open addressing over deps->v indexes */
	size_t *dephash;
	size_t dephashcap;
	struct var *vars;
	size_t nvars, varcap;
	struct scratch_ent *scratch;
	int depth;
	const char *tname; /* current template */
	/* error state */
	char *err;
	size_t errlen;
	bool failed;
	/* current command, for error messages */
	const struct tcmd *cmd;
	const char *fname; /* function being called */
	/* break/continue propagation */
	int loopctl;
	uint64_t steps;
	uint64_t maxsteps;
};

/* Values (tmpl_value.c). */
struct tv tv_missing(void);
struct tv tv_nil(void);
struct tv tv_bool(bool b);
struct tv tv_int(int64_t i);
struct tv tv_float(double f);
struct tv tv_str(const char *s, size_t len);
struct tv tv_cstr(const char *s);
struct tv tv_list(struct tv *v, size_t n, int elem);
struct tv tv_rec(const struct tv_rec *r, int rtype);
bool tv_truth(const struct tv *v);
/* Go's type name, for messages: "string", "int", "[]interface {}"... */
const char *tv_type_name(const struct tv *v);
/* Appends Go's %v rendering (fmt.Sprint of one value). */
void tv_print(struct exec *x, struct buf *b, const struct tv *v);
/* Appends text/template's printing of a pipeline result. */
void tv_print_top(struct exec *x, struct buf *b, const struct tv *v);
/* Go's strconv.Quote. */
void tv_quote(struct buf *b, const char *s, size_t len);
/* Go's %v / strconv 'g' shortest float. */
void tv_fmt_float(struct buf *b, double f, int verb, int prec);
/* JSON (encoding/json): escape_html as json.Marshal; indent 0 = compact. */
void tv_json(struct exec *x, struct buf *b, const struct tv *v,
    bool escape_html, int indent, int level);
/* cJSON -> value, as encoding/json into interface{} (numbers float64). */
struct tv tv_from_json(struct arena *a, const cJSON *j);
/* Map helpers. */
struct tv_map *tv_map_new(struct arena *a, size_t n);
void tv_map_sort(struct tv_map *m);
struct tv tv_map_val(struct tv_map *m, int elem);
/* Returns the index of key or -1. */
long tv_map_find(const struct tv_map *m, const char *k, size_t klen);
int tv_cmp_key(const struct tv *a, const struct tv *b);
/* Record fields; -1 when the type has no such field. */
int rec_field(struct exec *x, const struct tv *r, const char *name,
    struct tv *out);
const char *rec_type_name(int rtype);
size_t rec_nfields(int rtype);
const char *rec_field_name(int rtype, size_t i);
/* Convert a string value to a NUL-terminated arena copy. */
const char *tv_cstring(struct arena *a, const struct tv *v);

/* Execution helpers (tmpl_eval.c). */
int exec_errorf(struct exec *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Records dep; returns its data or NULL (missing). */
const cJSON *exec_dep(struct exec *x, const char *dep, bool block_on_nil);
void exec_dep_file(struct exec *x, const char *path);
int exec_template_to(struct exec *x, const char *name, const struct tv *dot,
    struct buf *out);

/* printf (tmpl_fmt.c). */
int fmt_sprintf(struct exec *x, struct buf *b, const char *f, size_t flen,
    const struct tv *args, size_t nargs);

/* Lexer (tmpl_lex.c). */
enum tok_kind {
	TK_EOF,
	TK_ERROR,
	TK_TEXT,
	TK_LEFT,
	TK_RIGHT,
	TK_SPACE,
	TK_IDENT,
	TK_FIELD, /* .Name (text without the dot) */
	TK_VAR, /* $ or $name (text with the $) */
	TK_DOT,
	TK_STRING, /* quoted, text with the quotes */
	TK_RAWSTRING,
	TK_CHAR,
	TK_NUMBER,
	TK_BOOL,
	TK_NIL,
	TK_PIPE,
	TK_LPAREN,
	TK_RPAREN,
	TK_DECLARE,
	TK_ASSIGN,
	TK_COMMA,
};

struct tok {
	int kind; /* enum tok_kind */
	const char *s;
	size_t len;
	size_t pos; /* byte offset in the source */
};

struct lexer {
	const char *src;
	size_t len;
	size_t pos;
	const char *ldelim, *rdelim;
	size_t ldlen, rdlen;
	bool in_action;
	bool trim_next; /* -}} seen: skip leading space */
	int parens;
	const char *errmsg; /* TK_ERROR */
};

void lex_init(struct lexer *l, const char *src, size_t len, const char *ldelim,
    const char *rdelim);
void lex_next(struct lexer *l, struct tok *t);
/* 1-based line and 0-based column of a byte offset (Go's ErrorContext). */
void lex_position(const char *src, size_t pos, int *line, int *col);

/* Dependencies (tmpl_dep.c). */
struct dep_query {
	char name[TMPL_DEP_MAX + 1]; /* service, key, prefix or node */
	char tag[TMPL_DEP_MAX + 1];
	char dc[TMPL_DEP_MAX + 1];
	char near[TMPL_DEP_MAX + 1];
	char query[TMPL_DEP_MAX + 1]; /* ns=..&partition=.. raw */
	char filters[TMPL_DEP_MAX + 1]; /* sorted, comma-joined */
};

enum dep_kind {
	DEP_SERVICE,
	DEP_CONNECT,
	DEP_KEY, /* kv.block */
	DEP_KEYGET, /* kv.get */
	DEP_LIST, /* kv.list */
	DEP_SERVICES,
	DEP_NODE,
	DEP_NODES,
};

/* Parses a query string given to a template function into q and the
 * canonical dependency string (buf of TMPL_DEP_MAX * 2). */
int dep_parse(int kind, const char *s, struct dep_query *q, char *canon,
    size_t canonlen, char *err, size_t errlen);

#endif
