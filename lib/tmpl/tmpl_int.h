/* SPDX-License-Identifier: MIT */
/*
 * The template engine's internals, shared by the files of lib/tmpl/ and
 * listed under their banners: the data model first (arena, values,
 * records), then the flow of a template (lexer, parser, function
 * registry, execution context, evaluator, printf), then the families of
 * template functions, each of which hands the registry its own table.
 * Nothing outside lib/tmpl/ includes this file.
 */
#ifndef TMPL_INT_H
#define TMPL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
 * daemon.  The shipped nginx template over 1,000 services of 10
 * instances takes 444,000 on its first pass (regex steps included) and
 * 116,000 on the next (its guards' results are kept).
 */
#define TMPL_MAX_STEPS ((uint64_t)10000000)

/* tmpl_arena.c */
/*
 * Bump allocator.  Allocation never fails (xmalloc); going over max sets
 * overflow, which the evaluator checks after every step and turns into an
 * error, so a hostile template is stopped soon after crossing the cap.
 */
struct tmpl_arena_chunk;
struct tmpl_arena {
	struct tmpl_arena_chunk *head;
	struct tmpl_arena_chunk *spare; /* reset chunks for reuse */
	size_t total;
	size_t max;
	bool overflow;
};

void tmpl_arena_init(struct tmpl_arena *a, size_t max);
void *tmpl_arena_alloc(struct tmpl_arena *a, size_t size);
void *tmpl_arena_calloc(struct tmpl_arena *a, size_t n, size_t size);
char *tmpl_arena_strndup(struct tmpl_arena *a, const char *s, size_t n);
/* Empties a, keeping its ordinary chunks for reuse (one-offs are freed). */
void tmpl_arena_reset(struct tmpl_arena *a);
void tmpl_arena_free(struct tmpl_arena *a);
/* Frees reset chunks beyond keep bytes (an idle template's footprint). */
void tmpl_arena_trim(struct tmpl_arena *a, size_t keep);

/* tmpl_value.c */
/* Value kinds.  TV_MISSING is Go's invalid Value, printed "<no value>". */
enum tmpl_value_kind {
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
	TV_TIME, /* a Go time.Time (Sprig's toDate...) */
	TV_SEMVER, /* a *semver.Version (Sprig's semver) */
};

/* Go kinds of list/map elements, for zero values and printing. */
enum tmpl_value_elem {
	ELEM_ANY = 0, /* interface{}: zero is <no value> */
	ELEM_STR, /* string: zero is "" */
	ELEM_LIST, /* slice: zero is [] */
	ELEM_REC,
	ELEM_CHAN, /* loop's <-chan int64: ranges as a list (index, element) */
	ELEM_KVPTR, /* byKey's inner map: *dependency.KeyPair, zero nil */
	ELEM_KVMAP, /* byKey's outer map: its inner maps, zero empty */
	ELEM_INT64, /* an int, not a list: Go's int64 rather than int */
};

struct tmpl_map;
struct tmpl_record;
struct tmpl_time;
struct tmpl_semver;

struct tmpl_value {
	uint8_t kind; /* enum tmpl_value_kind */
	uint8_t elem; /* lists, maps, ints: enum tmpl_value_elem */
	/*
	 * Records: enum tmpl_record_type.  ELEM_REC lists: the elements'
	 * type + 1 when a function gave it (caRoots, peerings), for %T.
	 */
	uint8_t rtype;
	uint8_t isuint; /* ints: Go uint64 (prints the same) */
	uint32_t len; /* strings, lists */
	union {
		bool b;
		int64_t i;
		double f;
		const char *s;
		struct tmpl_value *list;
		struct tmpl_map *map;
		const struct tmpl_record *rec;
		const struct tmpl_time *time; /* in the arena */
		const struct tmpl_semver *semver; /* in the arena */
	} u;
};

struct tmpl_map {
	size_t n;
	struct tmpl_value *keys; /* sorted, strings or ints */
	struct tmpl_value *vals;
};

struct tmpl_value tmpl_value_missing(void);
struct tmpl_value tmpl_value_nil(void);
struct tmpl_value tmpl_value_bool(bool b);
struct tmpl_value tmpl_value_int(int64_t i);
/* Go's int64 (math, parseInt, loop): prints as an int, typed "int64". */
struct tmpl_value tmpl_value_int64(int64_t i);
struct tmpl_value tmpl_value_float(double f);
struct tmpl_value tmpl_value_str(const char *s, size_t len);
struct tmpl_value tmpl_value_cstr(const char *s);
/* A copy of s (len bytes, NUL added) in the arena. */
struct tmpl_value tmpl_value_strndup(struct tmpl_arena *a, const char *s,
    size_t len);
/* A copy of b's bytes in the arena; b is cleared. */
struct tmpl_value tmpl_value_from_buf(struct tmpl_arena *a, struct buf *b);
struct tmpl_value tmpl_value_list(struct tmpl_value *v, size_t n, int elem);
struct tmpl_value tmpl_value_record(const struct tmpl_record *r, int rtype);
bool tmpl_value_truth(const struct tmpl_value *v);
/* What Go's index of map m gives for a missing key: its element's zero. */
struct tmpl_value tmpl_value_map_zero(const struct tmpl_value *m);
/* Go's type name, for messages: "string", "int", "[]interface {}"... */
const char *tmpl_value_type_name(const struct tmpl_value *v);
/* Appends Go's %v rendering (fmt.Sprint of one value). */
void tmpl_value_print(struct tmpl_arena *a, struct buf *b,
    const struct tmpl_value *v);
/* Go's %+v: as tmpl_value_print, a record's fields named (Name:value). */
void tmpl_value_print_names(struct tmpl_arena *a, struct buf *b,
    const struct tmpl_value *v);
/* Go's strconv.Quote, and strconv.QuoteToASCII (%+q). */
void tmpl_value_quote(struct buf *b, const char *s, size_t len);
void tmpl_value_quote_ascii(struct buf *b, const char *s, size_t len);
/* Go's %v / strconv 'g' shortest float; verb 's': strconv 'f' shortest. */
void tmpl_value_fmt_float(struct buf *b, double f, int verb, int prec);
/* JSON (encoding/json): escape_html as json.Marshal; indent 0 = compact. */
void tmpl_value_json(struct tmpl_arena *a, struct buf *b,
    const struct tmpl_value *v, bool escape_html, int indent, int level);
/* cJSON -> value, as encoding/json into interface{} (numbers float64). */
struct tmpl_value tmpl_value_from_json(struct tmpl_arena *a, const cJSON *j);
/* Map helpers. */
struct tmpl_map *tmpl_value_map_new(struct tmpl_arena *a, size_t n);
void tmpl_value_map_sort(struct tmpl_map *m);
struct tmpl_value tmpl_value_map(struct tmpl_map *m, int elem);
/* Returns the index of key or -1. */
long tmpl_value_map_find(const struct tmpl_map *m, const char *k, size_t klen);
int tmpl_value_cmp_key(const struct tmpl_value *a, const struct tmpl_value *b);

/* tmpl_record.c */
/* Record types: consul-template's structs. */
enum tmpl_record_type {
	REC_HSVC, /* dependency.HealthService */
	REC_SNIPPET, /* dependency.CatalogSnippet */
	REC_KV, /* dependency.KeyPair */
	REC_NODE, /* dependency.Node */
	REC_CNODE, /* dependency.CatalogNode */
	REC_CNSVC, /* dependency.CatalogNodeService */
	REC_CHECK, /* api.HealthCheck */
	REC_WEIGHTS, /* api.AgentWeights */
	REC_SADDR, /* api.ServiceAddress */
	REC_PEERING, /* dependency.Peering */
	REC_CAROOT, /* api.CARoot */
	REC_LEAF, /* api.LeafCert */
	REC_NTYPES
};

/*
 * A record wraps the Consul JSON it came from; fields are computed on
 * access.  str/str2 carry values that are not in the JSON (a KeyPair's
 * relative key, a HealthService's aggregated status).
 */
struct tmpl_record {
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

/*
 * The member k of the Consul JSON object o (the first one of a repeated
 * name), or NULL when o is NULL or has none.  Borrowed from o.
 * cJSON_GetObjectItemCaseSensitive calls strcmp on every member; member
 * access is the hot path of a render, so this compares the first byte
 * first, and it is inline so that a caller's constant name folds in
 * (out of line, a 10,000-instance render took a quarter longer).
 */
static inline const cJSON *
tmpl_record_member(const cJSON *o, const char *k)
{
	const cJSON *c;

	if (o == NULL)
		return NULL;
	for (c = o->child; c != NULL; c = c->next)
		if (c->string != NULL && c->string[0] == k[0]
		    && strcmp(c->string, k) == 0)
			return c;
	return NULL;
}

/* Member k of o as a string; "" when absent or not a string. */
static inline const char *
tmpl_record_str(const cJSON *o, const char *k)
{
	const cJSON *v = tmpl_record_member(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* A record of type rtype over j (borrowed: the caller's data). */
struct tmpl_value tmpl_record_new(struct tmpl_arena *a, int rtype,
    const cJSON *j);
/* A list of records of type rtype, one per element of the array arr. */
struct tmpl_value tmpl_record_list(struct tmpl_arena *a, const cJSON *arr,
    int rtype);
/* The field names of rtype, NULL-terminated, in Go's declaration order. */
const char *const *tmpl_record_fields(int rtype);
/* Record fields; -1 when the type has no such field. */
int tmpl_record_field(struct tmpl_arena *a, const struct tmpl_value *r,
    const char *name, struct tmpl_value *out);
/* Go's type name of rtype: "*dependency.HealthService"... */
const char *tmpl_record_type_name(int rtype);

/* tmpl_time.c: Go's time layouts and durations, pure. */
/* Longest zone abbreviation kept ("CEST", "GMT+10", "+0530"). */
#define TMPL_TIME_ZONE_MAX 16
/* Longest parse or duration error message. */
#define TMPL_TIME_ERR_MAX 512

/* A Go time.Time's location: UTC, Local (asked of the caller) or fixed. */
enum tmpl_time_loc { TMPL_TIME_UTC, TMPL_TIME_LOCAL, TMPL_TIME_FIXED };

/*
 * A Go time.Time: the instant (sec since 1970-01-01 UTC, nsec) and the
 * zone it shows in: off seconds east of UTC and its abbreviation (empty
 * for a fixed zone without a name, printed as its offset).
 */
struct tmpl_time {
	int64_t sec;
	int32_t nsec;
	int32_t off;
	uint8_t loc; /* enum tmpl_time_loc */
	char zone[TMPL_TIME_ZONE_MAX];
};

/* Local's offset and abbreviation at the instant sec (Go's time.Local). */
typedef void (*tmpl_time_local_fn)(int64_t sec, int32_t *off,
    char zone[TMPL_TIME_ZONE_MAX]);

/* Sets t's off and zone for its instant: UTC, or Local's through local. */
void tmpl_time_zone(struct tmpl_time *t, tmpl_time_local_fn local);
/* Go's t.Format(layout) (n bytes), appended to b. */
void tmpl_time_format(struct buf *b, const char *layout, size_t n,
    const struct tmpl_time *t);
/*
 * A time.Time decoded by encoding/json from j (RFC 3339), in the arena;
 * Go's zero time when j is absent or not one.
 */
struct tmpl_value tmpl_time_from_json(struct tmpl_arena *a, const cJSON *j);
/* Go's t.String() without a monotonic reading. */
void tmpl_time_string(struct buf *b, const struct tmpl_time *t);
/*
 * Go's time.ParseInLocation(layout, value, time.Local) into out.  Returns
 * 0, or -1 with Go's message ("parsing time ...") in err.
 */
int tmpl_time_parse(const char *layout, size_t ln, const char *value, size_t vn,
    tmpl_time_local_fn local, struct tmpl_time *out, char *err, size_t errlen);
/* Go's t.Add(d) (d in nanoseconds); a Local time takes its new offset. */
void tmpl_time_add(struct tmpl_time *t, int64_t d, tmpl_time_local_fn local);
/* Go's t.Sub(u) in nanoseconds, saturated at the int64 range. */
int64_t tmpl_time_sub(const struct tmpl_time *t, const struct tmpl_time *u);
/* Go's Duration.String of d nanoseconds ("1h2m3.5s", "0s", "1.5µs"). */
void tmpl_time_duration_string(struct buf *b, int64_t d);
/* Go's time.ParseDuration: 0, or -1 with Go's message in err. */
int tmpl_time_parse_duration(const char *s, size_t n, int64_t *out, char *err,
    size_t errlen);
/* Go's Duration.Round(m). */
int64_t tmpl_time_duration_round(int64_t d, int64_t m);
/* Sprig's durationRound: "2h", "3mo", "0s" (largest unit exceeded). */
void tmpl_time_duration_coarse(struct buf *b, int64_t d);

/* tmpl_semver.c: Masterminds/semver v3.3.0 as Sprig uses it, pure. */
/* Longest version or constraint read (Go has no cap). */
#define TMPL_SEMVER_MAX 4096
/* Longest error message. */
#define TMPL_SEMVER_ERR_MAX 512

/* A *semver.Version; the strings are borrowed from the parsed text. */
struct tmpl_semver {
	uint64_t major, minor, patch;
	const char *pre, *meta, *orig; /* without '-', '+'; orig whole */
	size_t prelen, metalen, origlen;
};

/*
 * semver.NewVersion of s[0..n) into v (pointing into s).  Returns 0, or
 * -1 with semver's message in err ("Invalid Semantic Version").
 */
int tmpl_semver_parse(const char *s, size_t n, struct tmpl_semver *v, char *err,
    size_t errlen);
/* Version.String(): "1.2.3-pre+meta" (no "v"). */
void tmpl_semver_string(struct buf *b, const struct tmpl_semver *v);
/* Version.Compare: -1, 0 or 1 (metadata ignored). */
int tmpl_semver_compare(const struct tmpl_semver *a,
    const struct tmpl_semver *b);
/*
 * semver.NewConstraint(c).Check(v) into *ok; v NULL only parses c.
 * Returns 0, or -1 with semver's message ("improper constraint: x").
 */
int tmpl_semver_check(const char *c, size_t n, const struct tmpl_semver *v,
    bool *ok, char *err, size_t errlen);

/* tmpl_lex.c */
enum tmpl_token_kind {
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

struct tmpl_token {
	int kind; /* enum tmpl_token_kind */
	const char *s;
	size_t len;
	size_t pos; /* byte offset in the source */
};

struct tmpl_lexer {
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

void tmpl_lex_init(struct tmpl_lexer *l, const char *src, size_t len,
    const char *ldelim, const char *rdelim);
void tmpl_lex_next(struct tmpl_lexer *l, struct tmpl_token *t);
/* 1-based line and 0-based column of a byte offset (Go's ErrorContext). */
void tmpl_lex_position(const char *src, size_t pos, int *line, int *col);

/* tmpl_parse.c: the AST and the template. */
struct tmpl_func;
enum tmpl_node_kind {
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

enum tmpl_arg_kind {
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

struct tmpl_pipe;

struct tmpl_arg {
	uint8_t kind; /* enum tmpl_arg_kind */
	int line, col;
	/* TA_BOOL, TA_NUM, TA_STR; a TA_NUM whose lit is a string is an
	 * integer past int64, an error when evaluated (Go's "overflows
	 * int") */
	struct tmpl_value lit;
	const struct tmpl_func *func; /* TA_FUNC, TA_CHAIN_FUNC */
	const char *varname;
	struct tmpl_pipe *pipe; /* TA_PIPE */
	const char **fields; /* field chain */
	size_t nfields;
};

struct tmpl_cmd {
	struct tmpl_arg *args;
	size_t nargs;
	int line, col;
	const char *src; /* source text for error messages */
	size_t srclen;
};

struct tmpl_pipe {
	int line, col;
	bool decl; /* := */
	bool assign; /* = */
	const char *vars[2];
	size_t nvars;
	struct tmpl_cmd *cmds;
	size_t ncmds;
};

struct tmpl_node {
	uint8_t kind; /* enum tmpl_node_kind */
	int line, col;
	struct tmpl_node *next;
	/* TN_TEXT */
	const char *text;
	size_t textlen;
	/* TN_ACTION, TN_IF, TN_RANGE, TN_WITH, TN_TEMPLATE */
	struct tmpl_pipe *pipe;
	/* TN_LIST: first child; control: body and else */
	struct tmpl_node *list;
	struct tmpl_node *elselist;
	/* TN_TEMPLATE */
	const char *name;
};

struct tmpl_def {
	const char *name;
	struct tmpl_node *body;
	struct tmpl_def *next;
};

/* The compiled patterns of a template (tmpl_regex.c). */
struct tmpl_regex_cache;

struct tmpl {
	char *name;
	char *text; /* owned copy of the source */
	size_t textlen;
	char *sandbox; /* owned; NULL: no sandbox */
	bool missing_error;
	struct tmpl_arena ast; /* nodes, strings */
	struct tmpl_arena run; /* reset per execution */
	struct tmpl_node *root;
	struct tmpl_def *defs;
	struct tmpl_regex_cache *regex; /* owned; NULL until a pattern runs */
};

/* tmpl_func.c: the function registry. */
struct tmpl_exec;

/*
 * A template function: args[0..nargs) are its operands, the piped value
 * last; it sets *ret and returns 0, or returns -1 after
 * tmpl_exec_errorf.  Values it returns live in the execution's arena.
 */
typedef int tmpl_func_cb(struct tmpl_exec *x, struct tmpl_value *args,
    size_t nargs, struct tmpl_value *ret);

enum tmpl_func_flags {
	/* and, or: the evaluator evaluates the operands itself (fn NULL). */
	TMPL_FUNC_LAZY = 1,
};

/* One function, as a family's table lists it (ended by a NULL name). */
struct tmpl_func {
	const char *name;
	tmpl_func_cb *fn;
	int minargs;
	int maxargs; /* -1: variadic */
	int flags;
	/* Given to fn as x->farg: one function serving several names (the
	 * operation, the mode); 0 when a row leaves it out. */
	int arg;
};

/* The function named name (len bytes), or NULL when there is none. */
const struct tmpl_func *tmpl_func_lookup(const char *name, size_t len);

/* tmpl_exec.c: the state of one execution, which functions receive. */
struct tmpl_var;
struct tmpl_scratch;

struct tmpl_exec {
	struct tmpl *t;
	const struct tmpl_exec_opts *opts;
	struct tmpl_arena *a;
	struct buf *out;
	struct tmpl_deps *deps;
	/* dependency dedup: open addressing over deps->v indexes */
	size_t *dephash;
	size_t dephashcap;
	struct tmpl_var *vars; /* tmpl_eval.c */
	size_t nvars, varcap;
	struct tmpl_scratch *scratch; /* tmpl_local.c */
	int depth;
	const char *tname; /* current template */
	/* error state */
	char *err;
	size_t errlen;
	bool failed;
	/* current command, for error messages */
	const struct tmpl_cmd *cmd;
	const char *fname; /* function being called */
	int farg; /* its row's arg (struct tmpl_func) */
	/* break/continue propagation */
	int loopctl;
	uint64_t steps; /* evaluator and regex steps so far */
	uint64_t maxsteps;
	uint64_t poll_at; /* steps at which opts->interrupt is next called */
};

/*
 * Steps between two calls of the caller's interrupt hook: about 0.1 ms of
 * evaluation, so a stop is seen long before anyone waits for it.
 */
#define TMPL_POLL_STEPS 1024

/*
 * Fails the execution with the message fmt (the first error only: later
 * ones are dropped), as "name:line:col: executing "tmpl" at <action>:
 * error calling fname: message".  Returns -1.
 */
int tmpl_exec_errorf(struct tmpl_exec *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * Counts one step: -1 with the execution failed when the step budget is
 * spent or the caller's interrupt hook asks to stop (called every
 * TMPL_POLL_STEPS steps).
 */
int tmpl_exec_step(struct tmpl_exec *x);
/*
 * Calls the caller's interrupt hook now: -1 with the execution failed
 * with the hook's reason when it asks to stop, else 0.
 */
int tmpl_exec_poll(struct tmpl_exec *x);
/* Fails the execution for going over its memory budget.  Returns -1. */
int tmpl_exec_memory_error(struct tmpl_exec *x);
/*
 * Records dep and returns its data from the caller (borrowed), or NULL
 * when there is none; then dep is marked missing.  block_on_nil: a null
 * or empty answer counts as none (kv.block).
 */
const cJSON *tmpl_exec_dep(struct tmpl_exec *x, const char *dep,
    bool block_on_nil);
/* Marks the recorded dependency dep missing (safeLs on an empty answer). */
void tmpl_exec_dep_missing(struct tmpl_exec *x, const char *dep);
/*
 * A query that cannot be made (len bytes of s, too long): counted in the
 * caller's tmpl_deps, the first one described; it renders as no data.
 */
void tmpl_exec_dep_refused(struct tmpl_exec *x, const char *s, size_t len);
/* Records the dependency "file(path)". */
void tmpl_exec_dep_file(struct tmpl_exec *x, const char *path);
/*
 * Argument i as a string (borrowed from the value), or -1 with the
 * execution failed when it is not one.
 */
int tmpl_exec_arg_str(struct tmpl_exec *x, const struct tmpl_value *args,
    size_t i, const char **s, size_t *len);
/* Argument i as an integer (an integral float too), or -1. */
int tmpl_exec_arg_int(struct tmpl_exec *x, const struct tmpl_value *args,
    size_t i, int64_t *v);

/* tmpl_eval.c */
/* and, or, executeTemplate. */
extern const struct tmpl_func tmpl_eval_funcs[];

/* tmpl_fmt.c */
/* Go's fmt.Sprintf of args with the format f (flen bytes), appended to b. */
int tmpl_fmt_sprintf(struct tmpl_arena *a, struct buf *b, const char *f,
    size_t flen, const struct tmpl_value *args, size_t nargs);

/* tmpl_dep.c */
struct tmpl_dep_query {
	char name[TMPL_DEP_MAX + 1]; /* service, key, prefix or node */
	char tag[TMPL_DEP_MAX + 1];
	char dc[TMPL_DEP_MAX + 1];
	char near[TMPL_DEP_MAX + 1];
	char query[TMPL_DEP_MAX + 1]; /* ns=..&partition=.. raw */
	char filters[TMPL_DEP_MAX + 1]; /* sorted, comma-joined */
};

enum tmpl_dep_kind {
	DEP_SERVICE,
	DEP_CONNECT,
	DEP_KEY, /* kv.block */
	DEP_KEYGET, /* kv.get */
	DEP_LIST, /* kv.list */
	DEP_SERVICES,
	DEP_NODE,
	DEP_NODES,
	DEP_DATACENTERS, /* catalog.datacenters */
	DEP_CAROOTS, /* connect.caroots */
	DEP_CALEAF, /* connect.caleaf(service) */
	DEP_PEERINGS, /* list.peerings */
};

/*
 * Parses s, the query string given to a template function of kind, into
 * q and the canonical dependency string (canon, of 2 * TMPL_DEP_MAX + 64
 * bytes).  Returns 0, or -1 with err filled.
 */
int tmpl_dep_parse(int kind, const char *s, struct tmpl_dep_query *q,
    char *canon, size_t canonlen, char *err, size_t errlen);

/* tmpl_builtin.c */
/* not, eq, ne, lt, le, gt, ge, len, index, print, printf, println. */
extern const struct tmpl_func tmpl_builtin_funcs[];

/* tmpl_consul.c */
/* service, connect, services, key..., ls, tree, node, nodes. */
extern const struct tmpl_func tmpl_consul_funcs[];

/* tmpl_local.c */
/* env, envOrDefault, mustEnv, file, scratch, timestamp. */
extern const struct tmpl_func tmpl_local_funcs[];
/*
 * Calls the method name of the scratch object with args[0..nargs): Key,
 * Get, Set, SetX, MapSet, MapSetX, MapValues.
 */
int tmpl_local_scratch_method(struct tmpl_exec *x, const char *name,
    struct tmpl_value *args, size_t nargs, struct tmpl_value *ret);

/* tmpl_group.c */
/* byTag, byPort, byKey, byMeta, explode, explodeMap, mergeMap... */
extern const struct tmpl_func tmpl_group_funcs[];

/* tmpl_helper.c */
/* contains..., join, split, trim..., parse..., toJSON..., math, loop. */
extern const struct tmpl_func tmpl_helper_funcs[];
/*
 * The helpers Sprig has under another name with the same meaning
 * (replace, upper, lower, trim, trimAll, trimPrefix, trimSuffix, toJson,
 * toPrettyJson, toRawJson): tmpl_sprig.c lists them too.
 */
tmpl_func_cb tmpl_helper_replace_all, tmpl_helper_to_lower, tmpl_helper_trim,
    tmpl_helper_to_upper, tmpl_helper_trim_space, tmpl_helper_trim_prefix,
    tmpl_helper_trim_suffix, tmpl_helper_to_json, tmpl_helper_to_json_pretty,
    tmpl_helper_to_ujson;
/* Go's strings.TrimSpace on the span *s, *len (narrowed in place). */
void tmpl_helper_trim_span(const char **s, size_t *len);

/* tmpl_regex.c */
/* regexMatch, regexReplaceAll. */
extern const struct tmpl_func tmpl_regex_funcs[];
/* Frees a template's compiled patterns; NULL is accepted. */
void tmpl_regex_cache_free(struct tmpl_regex_cache *cache);

/* tmpl_codec.c */
/* base64Encode..., sha256Hex, md5sum, hmacSHA256Hex. */
extern const struct tmpl_func tmpl_codec_funcs[];

/* Appends padded base64 of s (len bytes) to b. */
void tmpl_codec_base64_encode(struct buf *b, const char *s, size_t len,
    bool url);
/*
 * Strict padded base64 of s (len bytes) into out (room for len bytes),
 * its length in *outlen; -1 for bad data.  url: the URL alphabet.
 */
int tmpl_codec_base64_decode(const char *s, size_t len, bool url, char *out,
    size_t *outlen);
/*
 * Where Go's decoder reports bad base64 s: the first byte outside the
 * standard alphabet (padding included), as "at input byte N" says.
 */
size_t tmpl_codec_base64_bad_byte(const char *s, size_t len);

/* tmpl_sprig.c: the pure Sprig functions, as sprig_*. */
extern const struct tmpl_func tmpl_sprig_funcs[];

/*
 * tmpl_refuse.c: secret, secrets, pkiCert, nomad*, plugin, sockaddr,
 * refused on purpose with the reason.
 */
extern const struct tmpl_func tmpl_refuse_funcs[];

/* tmpl_write.c: writeToFile, through the caller's writer. */
extern const struct tmpl_func tmpl_write_funcs[];
/* tmpl_yaml_read.c: parseYAML (yaml.v2's Unmarshal, a subset). */
extern const struct tmpl_func tmpl_yaml_read_funcs[];

/* tmpl_spew.c: spew_sdump, spew_dump, spew_sprintf, spew_printf. */
extern const struct tmpl_func tmpl_spew_funcs[];

/* tmpl_yaml.c: toYAML (yaml.v2's Marshal). */
extern const struct tmpl_func tmpl_yaml_funcs[];

/* tmpl_toml.c: toTOML (BurntSushi/toml's Encoder). */
extern const struct tmpl_func tmpl_toml_funcs[];

/* tmpl_time.c, tmpl_semver.c: Sprig's date and semver functions. */
extern const struct tmpl_func tmpl_time_funcs[];
extern const struct tmpl_func tmpl_semver_funcs[];
/* recv.name(args) of a time.Time and of a *semver.Version. */
int tmpl_time_method(struct tmpl_exec *x, const struct tmpl_time *t,
    const char *name, struct tmpl_value *args, size_t nargs,
    struct tmpl_value *ret);
int tmpl_semver_method(struct tmpl_exec *x, const struct tmpl_semver *v,
    const char *name, struct tmpl_value *args, size_t nargs,
    struct tmpl_value *ret);

#endif
