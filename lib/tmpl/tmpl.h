/* SPDX-License-Identifier: MIT */
/*
 * The template engine: consul-template's dialect of Go's text/template.
 *
 * A template is parsed once into an AST (tmpl_parse) and executed many
 * times (tmpl_execute).  The engine never fetches anything: Consul data
 * comes from the caller through a lookup callback keyed by
 * consul-template's canonical dependency strings, for example
 *
 *	health.service(web|passing)	catalog.services
 *	kv.block(app/config)		kv.get(app/config)
 *	kv.list(app/)			catalog.node(n1)	catalog.nodes
 *
 * Every execution records each dependency it used and whether it had no
 * data yet (tmpl_deps).  Missing data makes the API functions return
 * empty values, exactly like consul-template's first passes; the caller
 * watches the missing dependencies and must not write a file rendered
 * while any dependency was missing.  tmpl_dep_endpoint() maps a
 * dependency string to the Consul HTTP request that produces its data.
 *
 * All functions are pure: they never log.  Failures return -1 (or NULL)
 * and fill the caller's err buffer with "name:line:col: message".
 * A struct tmpl is not reentrant: one execution at a time.
 */
#ifndef TMPL_H
#define TMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buf.h"

/* Size for err buffers passed to this module. */
#define TMPL_ERR_MAX 512
/* Longest dependency string (service query, KV key...) accepted. */
#define TMPL_DEP_MAX 1024
/* Cap of one execution's working memory (values, strings, lists). */
#define TMPL_ARENA_MAX ((size_t)256 << 20)
/* Cap of one template's source text. */
#define TMPL_SOURCE_MAX ((size_t)16 << 20)

struct tmpl;

struct tmpl_parse_opts {
	const char *left_delim; /* borrowed; NULL means "{{" */
	const char *right_delim; /* borrowed; NULL means "}}" */
	/* Go's missingkey=error: a missing map key is an error. */
	bool error_on_missing_key;
	/*
	 * The file function only reads files that resolve (symlinks
	 * followed) inside this directory; NULL or "" means anywhere.
	 * Copied by tmpl_parse.
	 */
	const char *sandbox_path;
};

/*
 * Parses text (len bytes, need not be NUL-terminated) into a template
 * named name (used in error messages and by {{template}}).  opts may be
 * NULL for the defaults.  Bad syntax, unknown functions and undefined
 * variables are reported here; like consul-template, an invalid query
 * string ("web|bogus") is an execution error of the call that uses it.
 * Returns a template owned by the caller (tmpl_free), or NULL with err
 * filled as "name:line:col: message".
 */
struct tmpl *tmpl_parse(const char *name, const char *text, size_t len,
    const struct tmpl_parse_opts *opts, char *err, size_t errlen);
/* Frees a template; NULL is accepted. */
void tmpl_free(struct tmpl *t);

/*
 * Data provider: returns the data of the dependency dep, or NULL when
 * there is none yet (never fetched).  The cJSON is borrowed and must
 * stay valid and unchanged until tmpl_execute returns.  What each
 * dependency expects is Consul's own HTTP answer body, parsed:
 *
 *	health.service(...)	array of /v1/health/service/<name>
 *	health.connect(...)	array of /v1/health/connect/<name>
 *	catalog.services	object of /v1/catalog/services
 *	catalog.nodes		array of /v1/catalog/nodes
 *	catalog.node(n)		object of /v1/catalog/node/<n>
 *	kv.block(k), kv.get(k)	array of /v1/kv/<k>
 *	kv.list(p)		array of /v1/kv/<p>?recurse
 *	catalog.datacenters	array of /v1/catalog/datacenters
 *	connect.caroots		object of /v1/agent/connect/ca/roots
 *	connect.caleaf(s)	object of /v1/agent/connect/ca/leaf/<s>
 *	list.peerings		array of /v1/peerings
 *
 * A 404 answer (key or node absent) is given as a JSON null (or an
 * empty array), which is data: "it does not exist".  kv.block treats
 * it as missing, as consul-template's key function blocks until the
 * key exists.
 */
typedef const cJSON *tmpl_lookup_cb(void *arg, const char *dep);

/*
 * One writeToFile call: consul-template's writeToFile(path, username,
 * groupName, permissions, [flags,] content).  Every pointer is borrowed
 * for the length of the call.
 */
struct tmpl_write {
	const char *path;
	const char *user; /* "" : the current user; a name or a uid */
	const char *group; /* "" : the current group; a name or a gid */
	unsigned mode; /* permissions, parsed as octal */
	bool append; /* flag "append": add to the file, never replace it */
	const char *content; /* with flag "newline", ends with "\n" */
	size_t len;
};

/*
 * The caller's writer for writeToFile: 0, or -1 with err filled (the
 * execution fails with it).  A caller may write at once
 * (tmpl_write_file), or keep the request and write once the render is
 * complete, or not at all (a dry run).
 */
typedef int tmpl_write_cb(void *arg, const struct tmpl_write *w, char *err,
    size_t errlen);

/*
 * Writes as consul-template's writeToFile does: with append, opens path
 * for appending (creating it with mode); otherwise creates the missing
 * directories and replaces path with the content (through a temporary
 * file beside it and rename(2): readers never see a half-written file,
 * where consul-template truncates in place).  Then chowns when user or
 * group is given, and chmods to mode.  Returns 0, or -1 with err naming
 * the path.
 */
int tmpl_write_file(const struct tmpl_write *w, char *err, size_t errlen);

struct tmpl_exec_opts {
	tmpl_lookup_cb *lookup; /* NULL: every dependency missing */
	void *lookup_arg;
	/*
	 * Environment for env/envOrDefault/mustEnv as "KEY=VALUE" strings
	 * ending with NULL; borrowed.  As in consul-template, a key is
	 * looked up here first, then in the process environment.
	 */
	char *const *env;
	/*
	 * Steps (actions walked, loop iterations, steps of the regex VM)
	 * one execution may take before it fails; 0 means 10 million,
	 * about 20 times what the shipped nginx template over 10,000
	 * instances needs on its first pass.
	 */
	uint64_t max_steps;
	/*
	 * Bytes of values one execution may allocate before it fails; 0
	 * means TMPL_ARENA_MAX.
	 */
	size_t max_bytes;
	/*
	 * Called every few thousand steps (about every 0.1 ms of work,
	 * inside long regex matches too) with interrupt_arg: NULL lets the
	 * execution go on; a reason ("interrupted: stopping") fails it with
	 * that reason, named with the template and the line, as any error.
	 * It may look at a clock and at the caller's events; it must not
	 * change the data the execution reads.
	 */
	const char *(*interrupt)(void *arg);
	void *interrupt_arg;
	/* writeToFile's writer; NULL: writeToFile fails the execution. */
	tmpl_write_cb *write_file;
	void *write_file_arg;
	/* Time for timestamp; when fixed_now is false the real clock. */
	bool fixed_now;
	time_t now;
};

/*
 * Cuts data, the parsed answer of dependency dep (as the lookup gives
 * it), down to what templates can read: object members that no record
 * field reads (Proxy, Connect, CreateIndex of services and checks,
 * Datacenter of a service's node...) or that a field reads the same as
 * no member (null, false, 0, "", []) are deleted, and the names of the
 * members kept point to static strings (cJSON_StringIsConst) instead of
 * allocations of their own.  Every template renders the same text from
 * the result as from data.  Unknown shapes are left as they are.
 */
/*
 * Parses an answer (len bytes of JSON, borrowed) as the engine must read
 * it: cJSON ends its strings at a NUL, so every \u0000 escape is read as
 * U+FFFD instead, and no name or tag is ever cut short (a "web\u0000x"
 * read as "web" would be a second "web").  Returns the tree, owned by the
 * caller (cJSON_Delete), or NULL when it is not JSON.
 */
cJSON *tmpl_data_parse(const char *json, size_t len);
void tmpl_data_compact(const char *dep, cJSON *data);
/*
 * A copy of data in one allocation (nodes, then strings), about a
 * third smaller than cJSON's node-by-node allocations after
 * tmpl_data_compact.  Owned by the caller, freed with free(), never with
 * cJSON_Delete, and never changed.  NULL for NULL.
 */
cJSON *tmpl_data_pack(const cJSON *data);
/*
 * Whether two answers are the same data: same types, names and values,
 * members and elements in the same order.  NULL equals only NULL.
 */
bool tmpl_data_equal(const cJSON *a, const cJSON *b);

/* One dependency touched by an execution. */
struct tmpl_dep {
	char *dep; /* owned by the tmpl_deps */
	/*
	 * No usable data: never fetched, kv.block on a 404, or
	 * safeLs/safeTree on an empty prefix.
	 */
	bool missing;
};

/*
 * The dependencies of the last execution, in first-use order, without
 * duplicates.  file(path) dependencies are recorded as "file(path)";
 * their data is read by the engine itself, so the caller only watches
 * them for changes (they are never missing, a read error fails the
 * execution).
 */
struct tmpl_deps {
	struct tmpl_dep *v; /* owned */
	size_t n;
	size_t cap;
	size_t nmissing;
	/*
	 * Queries that cannot be made (a name longer than TMPL_DEP_MAX):
	 * each renders as no data instead of failing the execution; the
	 * first one's description, owned.
	 */
	size_t nrefused;
	char *refused;
};

void tmpl_deps_init(struct tmpl_deps *d);
/* Frees every entry and the array; the struct can be reused. */
void tmpl_deps_clear(struct tmpl_deps *d);

/*
 * Executes t.  The rendered text is appended to out, whose cap bounds
 * the output (going over it is an error).  deps may be NULL; otherwise
 * it is emptied first and filled with the dependencies used.  opts may
 * be NULL (no data, process environment, real clock).
 * Returns 0, or -1 with err filled ("name:line:col: executing ...");
 * on error out holds a partial rendering and deps what was used so far.
 * An execution is bounded: TMPL_ARENA_MAX bytes of values and a fixed
 * number of steps (a runaway {{range}} is an error, not a hang).
 */
int tmpl_execute(struct tmpl *t, const struct tmpl_exec_opts *opts,
    struct buf *out, struct tmpl_deps *deps, char *err, size_t errlen);

/*
 * The Consul HTTP request behind a dependency string.  path is the
 * URL path with every component percent-encoded; query holds the
 * dependency's own parameters, already encoded and joined with '&'
 * ("" when none): dc, near, tag, passing=1 (a service whose filter is
 * exactly "passing"; other filters are applied by the engine), recurse,
 * and ns, partition, peer, sameness-group from the query string.  The
 * caller adds its own index, wait, stale and token.
 */
struct tmpl_endpoint {
	char path[3 * TMPL_DEP_MAX + 64];
	char query[3 * TMPL_DEP_MAX + 64];
	/*
	 * catalog.node without a name: the local agent's node.  The
	 * caller appends the node name (from /v1/agent/self,
	 * Config.NodeName, percent-encoded) to path.
	 */
	bool local_node;
	/* false for file(...): not a Consul dependency. */
	bool consul;
};

/*
 * Fills ep for the canonical dependency string dep (as found in
 * struct tmpl_dep).  Returns 0, or -1 with err filled when dep is not a
 * dependency string this engine produces.
 */
int tmpl_dep_endpoint(const char *dep, struct tmpl_endpoint *ep, char *err,
    size_t errlen);

#endif
