/* SPDX-License-Identifier: MIT */
/*
 * The registrator's private interface, one banner per file in the order
 * the data flows: the options (config.c, hostip.c), the Docker Engine
 * client (docker.c) feeding the container table (containers.c), which
 * hands each container's parsed inspect (container.c) to its subscribers;
 * for reconciliation its SERVICE_* keys (derive_attr.c) become the
 * services it should have in Consul (derive.c, with their health checks
 * from check.c), each rendered as the exact body of PUT
 * /v1/agent/service/register (service.c); the agent client (agent.c)
 * reads what the agent holds, the planner (reconcile_plan.c) decides what
 * to write and the driver (reconcile.c) writes it.  Beside reconciliation
 * the other subscribers: the crash reporter (crash.c and its crash_*.c
 * parts) and the janitor (janitor.c); last, the dns-check subcommand
 * (dnscheck.c).
 *
 * Pure code (no I/O, no logging, no globals): container.c, derive_attr.c,
 * derive.c, check.c, service.c, reconcile_plan.c, crash_stats.c's and
 * crash_logs.c's parsers, crash_event.c, and the functions marked "Pure"
 * in the other banners.  Problems with one item (a bad tag, a refused
 * meta key) are returned as warning strings for the caller to log;
 * problems that stop the whole call fill a caller-supplied "char *err,
 * size_t errlen".  The rest runs on the loop, does I/O and logs.
 *
 * Ownership: unless a comment says otherwise, every char * and array in a
 * struct below is owned by that struct and freed by its _clear/_free
 * function; const pointers given as arguments are borrowed for the call,
 * and objects given to a _new function are borrowed for the life of what
 * it returns.
 */
#ifndef REGISTRATOR_H
#define REGISTRATOR_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "loop.h" /* struct loop_timer, embedded in reconcile_ctr */

#define REGISTRATOR_ERR_MAX 256

struct agent;
struct buf;
struct container;
struct containers;
struct http;
struct loop;
struct reconcile;
struct metrics;

/* config.c */

/*
 * The prefix is reg_config_, not config_: templater/config.c owns config_
 * in the test binaries that link both daemons' code.
 */

#define REG_CONFIG_DEFAULT_CONSUL "127.0.0.1:8500"

/* What becomes of a stopped container's registrations (--deregister). */
enum deregister_mode {
	DEREGISTER_ALWAYS,
	DEREGISTER_ON_SUCCESS,
	DEREGISTER_NEVER,
};

/* What the command line asks for. */
enum reg_config_command {
	REG_CONFIG_RUN, /* the daemon, or one -once / -dry-run pass */
	REG_CONFIG_DNS_CHECK, /* registrator dns-check */
	REG_CONFIG_CRASH_EVENT, /* registrator crash-event CONTAINER */
};

/*
 * Every option, one field per row of config.c's table (registrator.ini
 * documents each).  Strings are owned and freed by reg_config_clear(); NULL
 * means unset (an empty value is unset too).  Durations are in ms.
 */
struct reg_config {
	char *consul;
	char *token; /* secret: reg_config_clear wipes it */
	char *token_file;
	char *ca;
	char *cert;
	char *key;
	bool tls_skip_verify;
	char *docker_host;
	char *hostname;
	char *ip;
	bool internal;
	char *network;
	char *ip_label;
	char *tags;
	bool explicit_only;
	bool allow_script_checks;
	bool docker_health;
	enum deregister_mode deregister;
	bool maintenance_on_stop;
	bool cleanup;
	uint64_t resync_ms;
	uint64_t agent_poll_ms;
	long long retry_attempts;
	uint64_t retry_interval_ms;
	char *listen;
	char *dns;
	char *log_format;
	char *log_level;
	/* crash.c and janitor.c */
	char *sentry_dsn; /* holds a key: -sentry-dsn-file wins over it */
	char *sentry_dsn_file;
	long long sentry_queue;
	long long crash_log_lines;
	uint64_t crash_stats_interval_ms;
	uint64_t crash_throttle_ms;
	char *crash_label_allow;
	uint64_t cleanup_exited_ms;
	char *cleanup_label;
	/* Flags only, not in the ini file. */
	bool dry_run;
	bool once;
	/* The positional words. */
	enum reg_config_command command;
	const char *crash_target; /* crash-event's CONTAINER, argv's */
};

struct agent_opts;
struct crash_config;
struct reconcile_config;

/*
 * Reads cfg (left zeroed by the caller): defaults < environment < the
 * -config file < flags, then the positional words, the token file (whose
 * token is registered with log_add_secret) and the logging options, which
 * it applies with log_init().  Prints usage and exits 2 on a usage error
 * (0 for -help and -version), exits 1 on a bad value.
 */
void reg_config_load(struct reg_config *cfg, int argc, char **argv);
/* Frees what cfg owns, wiping the token. */
void reg_config_clear(struct reg_config *cfg);
/* -consul, else REG_CONFIG_DEFAULT_CONSUL; borrowed from cfg. */
const char *reg_config_consul(const struct reg_config *cfg);
/*
 * The share of each part, written into the caller's struct; strings are
 * borrowed from cfg (and detected_ip, used without -ip), so cfg must
 * outlive what is built from them.
 */
void reg_config_agent(const struct reg_config *cfg, struct agent_opts *ao);
void reg_config_reconcile(const struct reg_config *cfg, const char *detected_ip,
    struct reconcile_config *rc);
void reg_config_crash(const struct reg_config *cfg, struct crash_config *cc);

/* hostip.c */

/*
 * Writes the host's address for wildcard bindings into out (len bytes):
 * the default-route interface's IPv4, else the first non-loopback IPv4 of
 * an interface that is up (by name), else "127.0.0.1" and returns -1.
 * Never a 127.x address from the host name.  Returns 0 when found.
 */
int hostip_detect(char *out, size_t len);

/* docker.c */

/*
 * The Docker Engine client on the loop.  It negotiates the API version
 * through /_ping (min of ours and the daemon's, never pinned), reads the
 * host name from /info, follows /events as a stream and lists and inspects
 * containers.  Events are coalesced per container: while an inspect for a
 * container is in flight, later events only mark it for one more inspect,
 * so the changes handed on for one container are always in order and each
 * carries the container's state as Docker reports it now.  Event
 * attributes are never trusted (a label can overwrite them): only Type,
 * Action, Actor.ID and timeNano are read, and a die's exitCode is handed
 * on for crash.c, which uses it only where no label can have replaced it.
 */
#define DOCKER_API_MIN_MINOR 25 /* 1.25: filters on /events */
#define DOCKER_API_MAX_MINOR 47 /* newest API whose shapes we know */
#define BUF_MAX_DOCKER_EVENT (1024u * 1024) /* one /events line */
#define BUF_MAX_DOCKER_BODY (16u * 1024 * 1024) /* list, inspect */
#define DOCKER_ID_MAX 64

/* What happened to a container since the last change handed on. */
#define DOCKER_ACT_LIST 0x001 /* seen in a listing */
#define DOCKER_ACT_START 0x002
#define DOCKER_ACT_DIE 0x004
#define DOCKER_ACT_KILL 0x008 /* kill or stop: an operator stop */
#define DOCKER_ACT_DESTROY 0x010
#define DOCKER_ACT_HEALTH 0x020 /* health_status: ... */
#define DOCKER_ACT_RENAME 0x040
#define DOCKER_ACT_NETWORK 0x080 /* network connect or disconnect */
#define DOCKER_ACT_OOM 0x100

struct docker;

/*
 * One line of the /events stream, as docker.c acts on it.  Only Type,
 * Action, Actor.ID (a network event's Attributes.container) and timeNano
 * are read, plus a die's exitCode and a kill's signal attribute: Docker
 * merges the container's labels into Attributes, so a label named exitCode
 * (or signal, name, image...) replaces the real value there; those two are
 * used only where no such label is, and nothing else of Attributes is.
 */
#define DOCKER_EVENT_ACTION_MAX 64 /* Action kept for log lines, truncated */
#define DOCKER_SIGNAL_MAX 64 /* Linux's last real-time signal */

struct docker_event {
	unsigned actions; /* one DOCKER_ACT_* bit; 0: not of interest */
	/* The container's full ID; "" when missing or not 1..64 hex digits. */
	char id[DOCKER_ID_MAX + 1];
	char action[DOCKER_EVENT_ACTION_MAX + 1];
	uint64_t time_ns; /* timeNano; 0 when absent or out of range */
	int exit_code; /* die's exitCode 0..255, -1 otherwise */
	int signal; /* kill's signal 1..DOCKER_SIGNAL_MAX, 0 otherwise */
};

/*
 * Pure, unlike the rest of docker.c: parses one /events line (len bytes,
 * borrowed for the call, no NUL needed) into *ev, which is written
 * entirely and holds no pointers.  Returns 0, or -1 with err filled when
 * the line is not JSON; an event of another kind is not an error
 * (ev->actions is 0).
 */
int docker_event_parse(const char *line, size_t len, struct docker_event *ev,
    char *err, size_t errlen);

/*
 * Creates a client for docker_host (DOCKER_HOST syntax: unix:///path or
 * tcp://host:port; NULL means unix:///var/run/docker.sock) that feeds
 * table.  loop, http and table are borrowed and must outlive the client.
 * Returns NULL with err filled on a bad address.
 */
struct docker *docker_new(struct loop *loop, struct http *http,
    struct containers *table, const char *docker_host, char *err,
    size_t errlen);
/*
 * Connects: ping, info, then (when follow is true) the event stream, then
 * a listing.  Failures are logged and retried with backoff, for ever.
 */
void docker_start(struct docker *docker, bool follow);
/* Asks for a new listing (coalesced with one already running). */
void docker_relist(struct docker *docker);
/* The negotiated API version ("1.41"), or "" before the first ping. */
const char *docker_api_version(const struct docker *docker);
/*
 * Cancels every transfer and timer and frees its sections of the table's
 * records; NULL is a no-op.
 */
void docker_free(struct docker *docker);
/*
 * One request to the Engine on the negotiated API version, for crash.c
 * and janitor.c.  path starts with "/containers/..."; method NULL means
 * GET; max_body caps a buffered answer.  done gets the http_result and
 * arg; the handle is borrowed as http_start() says and is cancelled with
 * http_cancel() on the http client given to docker_new().
 */
struct http_req;
struct http_result;
struct http_req *docker_request(struct docker *docker, const char *method,
    const char *path, size_t max_body,
    void (*done)(const struct http_result *res, void *arg), void *arg);

/* containers.c */

/*
 * The container table, between docker.c and the parts that act on
 * containers: one record per container Docker has told us about, keyed
 * by its full ID, from its first event or listing until an inspect finds
 * it gone or a listing leaves it out.  docker.c feeds it; reconcile.c,
 * crash.c and janitor.c subscribe and keep their state for a container in
 * their own section of its record (a pointer each module creates, uses,
 * documents and frees itself; NULL while it keeps nothing).
 *
 * The operator stop is decided here and only here, on the event stream
 * in order (containers_decide): a die is an operator's stop when a kill
 * or stop event was seen since the container's last start.  A kill long
 * before a die (docker kill -s HUP to reload) therefore excuses that
 * run's next die; in exchange the verdict does not depend on timing (a
 * docker stop -t 300 is an operator's stop, however long it takes).
 */
struct docker_ctr;
struct reconcile_ctr;
struct crash_ctr;
struct janitor_ctr;

struct containers_rec {
	TAILQ_ENTRY(containers_rec) entry; /* containers.c's */
	char id[DOCKER_ID_MAX + 1]; /* full ID */
	/* containers_decide()'s; read them through containers_change. */
	bool kill_seen; /* kill or stop event since the start */
	bool operator_stop; /* the last die followed one */
	int kill_signal; /* the last kill event's signal, 0: unknown */
	/* containers.c's: the table's listing number at the last event. */
	unsigned event_listing;
	/* docker.c: the inspect pending or in flight, NULL when none. */
	struct docker_ctr *docker;
	/* reconcile.c: the container's services and registration state. */
	struct reconcile_ctr *rc;
	/* crash.c: the last inspect and resource sample, the sampling. */
	struct crash_ctr *crash;
	/* janitor.c: the removal scheduled after the grace period. */
	struct janitor_ctr *janitor;
};

/*
 * A container's state as docker.c inspected it, plus the table's part;
 * every pointer is borrowed for the notification.
 */
struct containers_change {
	/* Filled by docker.c. */
	unsigned actions; /* DOCKER_ACT_* since the last change */
	const cJSON *inspect; /* /containers/{id}/json, NULL: gone */
	uint64_t inspect_ns; /* how long it took (monotonic) */
	/*
	 * The exitCode attribute of the last die event, -1 if none.  A label
	 * named exitCode overwrites it: crash.c uses it only when inspect is
	 * gone (--rm) or shows the next run, and the container had no such
	 * label.
	 */
	int die_exit_code;
	/* Filled by containers_change(), valid for the notification only. */
	const struct container *c; /* inspect parsed, NULL: none */
	const char *inspect_err; /* why inspect is unusable, or NULL */
	bool operator_stop; /* the last die was an operator's */
	int kill_signal; /* the last kill's signal attribute, 0: unknown */
};

enum containers_what {
	CONTAINERS_READY, /* Docker's /info Name (each connect) */
	CONTAINERS_EVENT, /* an event of interest, before its inspect */
	CONTAINERS_CHANGE, /* a container changed (or is gone) */
	CONTAINERS_GONE, /* the record goes: free your section */
	CONTAINERS_LISTED, /* a full listing is inspected, the rest gone */
	CONTAINERS_LOST, /* the event stream dropped; relisting */
	CONTAINERS_ERROR, /* a ping, info or listing failed, retried */
};

/* One notification; everything is borrowed for the callback. */
struct containers_note {
	enum containers_what what;
	/*
	 * EVENT, CHANGE, GONE.  A subscriber may create, change or free its
	 * own section; never another's, never the record.
	 */
	struct containers_rec *rec;
	const char *host_name; /* READY */
	/*
	 * EVENT.  Called inside the stream's write callback, where no
	 * transfer may start: record, then act from a loop hook or timer.
	 */
	const struct docker_event *event;
	const struct containers_change *change; /* CHANGE */
	size_t nlisted; /* LISTED: containers that exist */
};

typedef void containers_cb(const struct containers_note *note, void *arg);

struct containers *containers_new(void);
/*
 * Adds a subscriber; they are notified in the order they subscribed.
 * cb's arg is borrowed and must outlive the table (or its notifications).
 */
void containers_subscribe(struct containers *t, containers_cb *cb, void *arg);
/* The record of id (borrowed, valid until removed), or NULL. */
struct containers_rec *containers_find(const struct containers *t,
    const char *id);
/* The same, created (with no section) when missing; for docker.c. */
struct containers_rec *containers_get(struct containers *t, const char *id);
/* Iteration in the order records were created; NULL at the end. */
struct containers_rec *containers_first(const struct containers *t);
struct containers_rec *containers_next(const struct containers_rec *rec);
size_t containers_count(const struct containers *t);
/*
 * Pure: the operator-stop decision, fed one DOCKER_ACT_* bit per event in
 * stream order.  A start forgets earlier kills; a kill or stop is noted; a
 * die's verdict (operator_stop) is whether one was noted since the start.
 * The verdict stays until the next die: it describes the container's
 * current exit, whatever listing or inspect comes after.
 */
void containers_decide(struct containers_rec *rec, unsigned action);
/*
 * docker.c's feed.  containers_event: the record of ev->id (created when
 * missing), decided on, and notified as EVENT; returned.
 */
struct containers_rec *containers_event(struct containers *t,
    const struct docker_event *ev);
/* Parses ch->inspect, fills the table's part of ch, notifies CHANGE. */
void containers_change(struct containers *t, struct containers_rec *rec,
    struct containers_change *ch);
/* Notifies GONE and frees rec; docker.c's section must be gone. */
void containers_remove(struct containers *t, struct containers_rec *rec);
/*
 * containers_listing: a listing was requested.  containers_listed: its
 * answer (ids borrowed): removes the records not in it that have no
 * inspect pending and no event since the request (the daemon took its
 * snapshot before such an event; the event's own inspect decides), then
 * notifies LISTED.
 */
void containers_listing(struct containers *t);
void containers_listed(struct containers *t, const char *const *ids,
    size_t nids);
void containers_ready(struct containers *t, const char *host_name);
void containers_lost(struct containers *t);
void containers_error(struct containers *t);
/*
 * Frees the records; every module frees its sections first (its _free
 * does), since the table cannot.  NULL is a no-op.
 */
void containers_free(struct containers *t);

/* container.c */

/*
 * Docker keeps the container-side facts of a port under
 * NetworkSettings.Ports and Config.ExposedPorts; one entry per
 * (port, protocol) pair, merged from both.
 */
struct container_port {
	uint16_t port; /* container side */
	char proto[8]; /* "tcp", "udp" or "sctp" */
	bool exposed; /* listed in Config.ExposedPorts */
	bool in_settings; /* listed in NetworkSettings.Ports */
	/*
	 * The binding used for registration: the first IPv4 (or wildcard)
	 * binding, else the first one.  host_port is 0 when unpublished.
	 * host_ip is "" for a wildcard binding ("", "0.0.0.0" or "::").
	 */
	uint16_t host_port;
	char *host_ip; /* never NULL */
};

struct container_network {
	char *name;
	char *id; /* NetworkID, "" if absent */
	char *ip; /* IPAddress, "" if none */
	char *ipv6; /* GlobalIPv6Address, "" if none */
};

/* Docker's "KEY=VALUE" env entries and labels, split. */
struct container_kv {
	char *key;
	char *value;
};

struct container_state {
	char *status; /* "running", "exited", ... ("" if absent) */
	bool running;
	bool paused;
	bool restarting;
	bool dead;
	bool oom_killed;
	int pid;
	int exit_code;
	char *error; /* State.Error, "" if none */
	char *started_at; /* RFC 3339 as Docker gives it, or "" */
	char *finished_at;
	char *health; /* State.Health.Status, "" without one */
	int failing_streak;
};

/*
 * One container as GET /containers/{id}/json describes it.  Strings are
 * never NULL: a missing field reads as "".  Arrays are sorted (ports by
 * number then protocol, networks by name) so that everything derived
 * from them is deterministic; env and labels keep Docker's order.
 */
struct container {
	char *id; /* full 64-hex ID (required) */
	char *name; /* without the leading '/' */
	char *created;
	char *image; /* Config.Image, as the user asked for it */
	char *image_id; /* Image: "sha256:..." */
	char *hostname; /* Config.Hostname */
	char *path; /* Path: the process started */
	char **args; /* Args */
	size_t nargs;
	struct container_kv *env; /* Config.Env, entries without '=' skipped */
	size_t nenv;
	struct container_kv *labels; /* Config.Labels */
	size_t nlabels;
	struct container_port *ports;
	size_t nports;
	struct container_network *networks;
	size_t nnetworks;
	char *ip; /* NetworkSettings.IPAddress (default bridge) */
	char *network_mode; /* HostConfig.NetworkMode */
	char *restart_policy; /* HostConfig.RestartPolicy.Name */
	int restart_max_retries;
	int restart_count; /* RestartCount */
	long long memory_limit; /* HostConfig.Memory in bytes, 0 = none */
	bool auto_remove; /* HostConfig.AutoRemove (--rm) */
	bool has_healthcheck; /* Config.Healthcheck.Test not NONE */
	uint64_t healthcheck_interval_ms; /* 0 = Docker's default */
	int stop_timeout; /* Config.StopTimeout (s), -1 when absent */
	char *stop_signal; /* Config.StopSignal, "" when absent (SIGTERM) */
	struct container_state state;
};

/*
 * Parses an inspect answer (len bytes, need not be NUL-terminated).
 * Missing fields are tolerated; a field of the wrong type, an unreadable
 * port key or a missing Id is an error naming the field ("Config.Env[2]:
 * not a string").  Returns an object owned by the caller (container_free)
 * or NULL with err filled.  The caller caps len (docker.c reads into a
 * capped buffer).
 */
struct container *container_parse(const char *json, size_t len, char *err,
    size_t errlen);
/* Same from an already parsed document (borrowed). */
struct container *container_from_json(const cJSON *root, char *err,
    size_t errlen);
void container_free(struct container *c);
/* Borrowed value of the label or env entry with exactly that key, or NULL. */
const char *container_label(const struct container *c, const char *key);
const char *container_env(const struct container *c, const char *key);
/* Borrowed network entry by exact name, or NULL. */
const struct container_network *container_network(const struct container *c,
    const char *name);
/* Borrowed port entry, or NULL. */
const struct container_port *container_port(const struct container *c,
    uint16_t port, const char *proto);
/*
 * True when Config.Image names the image by ID ("sha256:..." or a prefix
 * of the image ID's hex), as the compose v2 CLI records it.
 */
bool container_image_is_id(const struct container *c);

/* derive_attr.c */

/* What a SERVICE_* key of derive_attr_keys[] steers. */
enum derive_attr_role {
	DERIVE_ROLE_SERVICE, /* a field of the service */
	DERIVE_ROLE_PORT, /* whether the port registers */
	DERIVE_ROLE_CHECK, /* declares a check of that kind */
	DERIVE_ROLE_CHECK_OPTION, /* an option of the declared checks */
};

/* One row of the table: a key that is not meta. */
struct derive_attr_key {
	/* After "SERVICE_" and "SERVICE_<port>_", lower case; "x_*": prefix. */
	const char *name;
	bool port_form; /* SERVICE_<port>_<name> is read */
	enum derive_attr_role role;
	const char *sets; /* what it sets, in words */
};

extern const struct derive_attr_key derive_attr_keys[];
extern const size_t derive_attr_nkeys;

/*
 * The row of key (lower case, without the SERVICE_ prefix), borrowed from
 * the static table, or NULL: a key without a row becomes meta.
 */
const struct derive_attr_key *derive_attr_key(const char *key);

/*
 * The SERVICE_* metadata that applies to one container port: keys are
 * the part after "SERVICE_" (after "SERVICE_<port>_" for port keys),
 * lower-cased.  from_port says the value came from a port-specific key.
 */
struct derive_attr {
	char *key;
	char *value;
	bool from_port;
};

struct derive_attrs {
	struct derive_attr *v;
	size_t n;
};

/*
 * The SERVICE_* metadata for container port `port` (gliderlabs rules:
 * env then labels, a label wins; port keys beat generic ones).  Fills a,
 * which the caller empties with derive_attrs_clear.
 */
void derive_attrs_for_port(const struct container *c, uint16_t port,
    struct derive_attrs *a);
void derive_attrs_clear(struct derive_attrs *a);
/* The entry of key (lower case), borrowed from a, or NULL. */
const struct derive_attr *derive_attr_find(const struct derive_attrs *a,
    const char *key);
/* Borrowed value of key (lower case) or NULL; "" counts as unset. */
const char *derive_attr(const struct derive_attrs *a, const char *key);
/*
 * The key as the user wrote it, for warnings: "SERVICE_80_CHECK_HTTP" when
 * a's value for key came from the port key, else "SERVICE_CHECK_HTTP".
 * Writes into out and returns it.
 */
const char *derive_key_name(char *out, size_t outlen,
    const struct derive_attrs *a, const char *key, uint16_t port);

/* derive.c */

/* Well-known labels and the meta keys this registrator owns. */
#define DERIVE_LABEL_COMPOSE_PROJECT "com.docker.compose.project"
#define DERIVE_LABEL_COMPOSE_SERVICE "com.docker.compose.service"
#define DERIVE_META_HOST "registrator-host" /* ownership */
#define DERIVE_META_CONTAINER "registrator-container" /* full container ID */
#define DERIVE_META_HASH "registrator-hash" /* see service_hash */
#define DERIVE_META_COMPOSE_PROJECT "compose-project"
#define DERIVE_META_COMPOSE_SERVICE "compose-service"

/* Limits: Consul's for meta, ours for what templates will render. */
#define DERIVE_MAX_META 64 /* pairs, ours included (Consul) */
#define DERIVE_MAX_META_KEY 128 /* Consul */
#define DERIVE_MAX_META_VALUE 512 /* Consul */
#define DERIVE_MAX_NAME 128
#define DERIVE_MAX_ID 256
#define DERIVE_MAX_TAG 512
#define DERIVE_MAX_TAGS 64
#define DERIVE_MAX_WARNINGS 256 /* then one line says more were dropped */

struct derive_options {
	/*
	 * Host part of generated IDs ("<host>:<container>:<port>") and the
	 * value of the registrator-host meta key: Docker's /info Name by
	 * default.  Required; must match [A-Za-z0-9_.-]+.
	 */
	const char *host_name;
	/*
	 * --ip: address of every published port, overriding a binding's
	 * own host IP.  NULL when not given.
	 */
	const char *ip;
	/*
	 * Detected host address, used for wildcard bindings when ip is
	 * NULL (the caller detects it; never 127.0.1.1).
	 */
	const char *detected_ip;
	bool internal; /* container IP + container port */
	bool explicit_only; /* --explicit: only named ports */
	const char *tags; /* --tags, comma list, may be NULL */
	const char *network; /* --network for --internal, may be NULL */
	const char *ip_label; /* --use-ip-from-label, may be NULL */
	bool allow_script_checks;
	bool docker_health; /* TTL check for Docker HEALTHCHECK */
	const char *docker_health_ttl; /* NULL: CHECK_DOCKER_HEALTH_TTL */
};

enum check_kind {
	CHECK_KIND_HTTP, /* HTTP field: a URL, https too */
	CHECK_KIND_TCP,
	CHECK_KIND_GRPC,
	CHECK_KIND_TTL,
	CHECK_KIND_SCRIPT, /* Args */
};

struct check_header {
	char *name;
	char *value;
};

/* One entry of the register body's Checks array. */
struct service_check {
	char *id; /* CheckID, see check.c; stable */
	char *name; /* Name */
	enum check_kind kind;
	char *target; /* URL, host:port, or NULL (TTL, script) */
	char *method; /* NULL = GET */
	struct check_header *headers; /* one value each, sorted by name */
	size_t nheaders;
	char **args; /* script checks only */
	size_t nargs;
	char *interval; /* Go duration or NULL (TTL) */
	char *timeout; /* NULL = Consul's default */
	char *ttl; /* TTL checks only */
	char *status; /* initial status or NULL */
	char *deregister_after; /* NULL = never */
	bool tls_skip_verify;
	bool grpc_use_tls;
	bool disable_redirects;
};

/* One Consul service for one container port. */
#define DERIVE_KEY_NAME_MAX 32 /* "SERVICE_65535_CHECK_INTERVAL" */

struct service {
	char *id;
	char *name;
	char *address;
	uint16_t port; /* the port Consul advertises */
	uint16_t container_port; /* the port inside the container */
	char proto[8]; /* "tcp", "udp", ... */
	char **tags; /* order kept */
	size_t ntags;
	struct container_kv *meta; /* sorted by key, ours included */
	size_t nmeta;
	struct service_check *checks; /* in a fixed order, see check.c */
	size_t nchecks;
	char *container_id; /* owning container (copied) */
	char *container_name;
	/* Docker health mirror: CheckID to update, or NULL (owned copy). */
	char *health_check_id;
	/* FNV-1a 64 of the canonical body, 16 hex digits (service_hash). */
	char hash[17];
	/*
	 * The SERVICE_* key the name and the ID came from ("SERVICE_NAME",
	 * "SERVICE_80_ID"), "" when generated; for log lines, not hashed.
	 */
	char name_key[DERIVE_KEY_NAME_MAX];
	char id_key[DERIVE_KEY_NAME_MAX];
};

struct derive_result {
	struct service *services; /* ordered by container port, proto */
	size_t nservices;
	/*
	 * One line per refused item, "container <name>: <key>: <reason>";
	 * values are quoted with control characters escaped, but the caller
	 * logs through log.c, which escapes again.
	 */
	char **warnings;
	size_t nwarnings;
};

void derive_result_init(struct derive_result *res);
/* Frees everything in res and leaves it empty. */
void derive_result_clear(struct derive_result *res);
/*
 * Appends the services of container c to res (res may already hold other
 * containers' services), plus warnings for what was refused.  Whether the
 * container runs is not looked at: that is the caller's decision.
 * Returns -1 only for unusable options (bad host_name, ip, detected_ip,
 * docker_health_ttl or --tags item; err filled, res untouched); a
 * container that yields no service is not an error.
 */
int derive_services(const struct container *c, const struct derive_options *o,
    struct derive_result *res, char *err, size_t errlen);
/*
 * True when services of c are registered with the container's own IP and
 * port (--internal, unless the container shares the host's network).
 */
bool derive_uses_container_ip(const struct container *c,
    const struct derive_options *o);
/*
 * A short printable rendering of a hostile value for a warning: control
 * characters, '"' and '\\' as \xNN, "..." when cut.  Shows at most
 * (outlen - 8) / 4 bytes of s: DERIVE_QUOTE_MAX with DERIVE_QUOTE_BUF;
 * outlen must be at least 16.  Writes into out and returns it.
 */
#define DERIVE_QUOTE_MAX 48
#define DERIVE_QUOTE_BUF (DERIVE_QUOTE_MAX * 4 + 8)
const char *derive_quote(char *out, size_t outlen, const char *s);
/*
 * Appends a printf-formatted warning unless res already holds the same
 * line; past DERIVE_MAX_WARNINGS one last line says more were dropped.
 */
void derive_warn(struct derive_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * Checks a name, tag or meta value against what may reach Consul and the
 * files rendered from it: no control characters, white space, quotes,
 * backslash, ';', '{' or '}', and at most max bytes.  Returns NULL when
 * fine, else a static reason ("contains a newline").
 */
const char *derive_bad_value(const char *s, size_t max);

/* check.c */

#define CHECK_DEFAULT_INTERVAL "10s" /* SERVICE_CHECK_*, gliderlabs */
#define CHECK_TRAEFIK_INTERVAL "30s" /* Traefik's defaults */
#define CHECK_TRAEFIK_TIMEOUT "5s"
#define CHECK_DOCKER_HEALTH_TTL "90s"
#define CHECK_MAX_HEADERS 16

/*
 * Adds to s every check the container declares for it: SERVICE_CHECK_*
 * keys from a (one check per declared kind), Traefik healthcheck labels
 * whose service maps to s->container_port, and with o->docker_health a
 * TTL check when c has a HEALTHCHECK.  s->address, s->port,
 * s->container_port and s->id must be set.  Refused checks become
 * warnings in res; s keeps the others.
 */
void check_derive(const struct container *c, const struct derive_attrs *a,
    const struct derive_options *o, struct service *s,
    struct derive_result *res);
void check_clear(struct service_check *chk);

/* service.c */

/* Frees everything s owns and zeroes it. */
void service_clear(struct service *s);
/*
 * The body of PUT /v1/agent/service/register?replace-existing-checks=true
 * for s, as a new cJSON object (caller frees with cJSON_Delete).  Keys come
 * in a fixed order and Meta is sorted, so two equal services give
 * byte-identical text.  The registrator-hash meta key is included when
 * s->hash is set.
 */
cJSON *service_json(const struct service *s);
/* The same, printed without white space; caller frees with free(3). */
char *service_json_text(const struct service *s);
/*
 * Computes s->hash over the canonical body without the hash key, so
 * reconcile can compare it with Meta["registrator-hash"] returned by
 * GET /v1/agent/services and PUT only what differs.
 */
void service_hash(struct service *s);

/* agent.c */

/*
 * The Consul agent API, the registrator's only writer: register,
 * deregister, list, maintenance and TTL updates against the local agent.
 * The ACL token goes in X-Consul-Token and nowhere else; it is registered
 * with log_add_secret() and wiped when the client is freed.
 */
#define BUF_MAX_CONSUL_BODY (8u * 1024 * 1024)
#define AGENT_TIMEOUT_MS 10000
#define AGENT_URL_MAX 1024

struct agent;

/* Everything borrowed for agent_new() only. */
struct agent_opts {
	/*
	 * consul://host:port, consul-tls://host:port, consul-unix:///path,
	 * http(s)://host:port or host:port (CONSUL_HTTP_ADDR's forms).
	 */
	const char *address;
	const char *token; /* NULL or "": none */
	const char *ca_file; /* TLS; NULL for the system store */
	const char *cert_file;
	const char *key_file;
	bool insecure;
};

/*
 * Completion of one agent call: error is 0 when an answer arrived (then
 * status is the HTTP status), -1 on a transport error (errmsg says why).
 * body is borrowed for the callback only.
 */
struct agent_result {
	int error;
	long status;
	const char *errmsg;
	const char *body;
	size_t body_len;
};
typedef void agent_done_cb(const struct agent_result *res, void *arg);

/*
 * Parses the address and keeps a copy of the options.  Returns NULL with
 * err filled when the address is not one of the forms above.
 */
struct agent *agent_new(struct loop *loop, struct http *http,
    const struct agent_opts *opts, char *err, size_t errlen);
/* Cancels calls in flight (their callbacks are not called); NULL is a no-op. */
void agent_free(struct agent *agent);
/* The base URL ("http://127.0.0.1:8500"), for log lines; borrowed. */
const char *agent_base(const struct agent *agent);

/*
 * Each call starts one request and calls done exactly once, unless the
 * agent is freed first.  Strings are borrowed for the call only.
 */
/* PUT /v1/agent/service/register?replace-existing-checks=true */
void agent_register(struct agent *agent, const char *body, agent_done_cb *done,
    void *arg);
/* PUT /v1/agent/service/deregister/<id>; a 404 counts as done. */
void agent_deregister(struct agent *agent, const char *service_id,
    agent_done_cb *done, void *arg);
/* GET /v1/agent/services */
void agent_services(struct agent *agent, agent_done_cb *done, void *arg);
/* GET /v1/status/leader, the liveness probe gliderlabs uses. */
void agent_leader(struct agent *agent, agent_done_cb *done, void *arg);
/* PUT /v1/agent/service/maintenance/<id>?enable=...&reason=... */
void agent_maintenance(struct agent *agent, const char *service_id, bool enable,
    const char *reason, agent_done_cb *done, void *arg);
/* PUT /v1/agent/check/update/<check_id> {"Status": ..., "Output": ...} */
void agent_check_update(struct agent *agent, const char *check_id,
    const char *status, const char *output, agent_done_cb *done, void *arg);
/* One entry of a GET /v1/agent/services answer, as reconcile reads it. */
struct agent_service {
	char *id; /* the answer's key: the service ID */
	char *host; /* Meta registrator-host, or NULL */
	char *container; /* Meta registrator-container */
	char *name; /* Service, or NULL when not a string */
	char *hash; /* Meta registrator-hash, or NULL */
};

struct agent_services {
	struct agent_service *v; /* in the answer's order */
	size_t n;
};

/*
 * Pure: parses a GET /v1/agent/services answer (len bytes, the caller's
 * cap) into out, which must be empty and which the caller empties with
 * agent_services_clear(); every string is owned by out.  An entry whose
 * value is not an object, or whose meta values are not strings, is kept
 * without that meta: a service of another shape is still a service.
 * Returns -1 with err filled, out untouched, when the answer is not a
 * JSON object.
 */
int agent_services_parse(const char *json, size_t len,
    struct agent_services *out, char *err, size_t errlen);
/* The first entry with that ID (borrowed from s), or NULL. */
const struct agent_service *agent_services_find(const struct agent_services *s,
    const char *id);
void agent_services_clear(struct agent_services *s);
/*
 * GET path (e.g. "/v1/agent/services") outside any loop, for one-shot
 * commands.  The body is appended to body.  Returns 0 with *status set, or
 * -1 with err filled.
 */
int agent_get_sync(const struct agent *agent, const char *path, long *status,
    struct buf *body, char *err, size_t errlen);

/* reconcile_plan.c */

/*
 * The decisions of reconciliation, pure: what a pass writes, given what
 * is wanted (the services of every running container, plus those kept
 * after a crash, in reconcile's sections of the table's records) and what
 * the agent holds (its GET /v1/agent/services answer, agent.c); what
 * becomes of a stopped container's registrations (--deregister); what a
 * container change does (--maintenance-on-stop); which TTL checks mirror
 * Docker's health.  Each returns a plan that reconcile.c carries out.
 * Only services whose registrator-host meta names this host are ever
 * deregistered, save gliderlabs' leftovers under --cleanup.
 */

enum reconcile_state {
	RECONCILE_UP, /* running: its services are wanted */
	RECONCILE_KEPT, /* stopped, registration kept (--deregister) */
	RECONCILE_DOWN, /* stopped: nothing wanted */
};

/*
 * reconcile.c's section of a container record: the services derived for
 * the container and whether they are wanted.  The planner reads the first
 * group of fields; the rest is the driver's bookkeeping.
 */
struct reconcile_ctr {
	struct containers_rec *rec; /* its record (borrowed) */
	char *name; /* for logs and --cleanup */
	enum reconcile_state state;
	struct service *services;
	size_t nservices;
	bool in_maintenance;
	char *health; /* Docker health status, "" if none */
	/*
	 * --deregister always: a die event deregistered it; an inspect
	 * showing it running predates the die and is ignored until a start
	 * event.
	 */
	bool died;
	uint64_t die_ns; /* die awaiting deregistration, 0 */
	/* The driver's. */
	bool put_wanted; /* new or changed services, to PUT */
	uint64_t start_ns; /* start awaiting registration, 0 */
	uint64_t reg_ns; /* wall clock of the last PUT done */
	uint64_t warn_hash; /* of the derive warnings last logged */
	/* Lifts the maintenance when no die follows a kill in time. */
	struct loop_timer lift_timer;
	struct reconcile *owner; /* the driver (borrowed) */
};

/* A service ID with a definition's hash ("" for a deregistration). */
struct reconcile_mark {
	char *service_id;
	char hash[17];
};

struct reconcile_marks {
	struct reconcile_mark *v;
	size_t n;
};

void reconcile_marks_add(struct reconcile_marks *m, const char *service_id,
    const char *hash);
bool reconcile_marks_has(const struct reconcile_marks *m,
    const char *service_id, const char *hash);
/* Removes entry i (< m->n), keeping the order of the rest. */
void reconcile_marks_del(struct reconcile_marks *m, size_t i);
void reconcile_marks_clear(struct reconcile_marks *m);

enum reconcile_act_kind {
	RECONCILE_REGISTER, /* PUT service's body */
	RECONCILE_DEREGISTER, /* PUT deregister/<id> */
	RECONCILE_MAINTENANCE, /* PUT maintenance/<id>?enable= */
	RECONCILE_TTL, /* PUT check/update/<id> */
};

/*
 * One write.  Pointers are borrowed from the planner's inputs and valid
 * as long as they are (the table's sections, the agent's answer).
 */
struct reconcile_act {
	enum reconcile_act_kind kind;
	const char *id; /* service ID; TTL: the check ID */
	const struct service *service; /* REGISTER: the body's service */
	const char *ctr_id; /* DEREGISTER: its container, or NULL */
	uint64_t event_ns; /* DEREGISTER: that container's die */
	bool enable; /* MAINTENANCE: on or off */
	const char *reason; /* MAINTENANCE: the reason shown */
	const char *status; /* TTL: passing, warning or critical */
	const char *output; /* TTL: Docker's health status */
	const char *why; /* static, for the log line */
};

/* A list of writes, in the order they are to be started. */
struct reconcile_plan {
	struct reconcile_act *v;
	size_t n;
};

void reconcile_plan_init(struct reconcile_plan *plan);
/* Frees the list (not what its pointers point to) and empties it. */
void reconcile_plan_clear(struct reconcile_plan *plan);

/* True when sec's services are wanted: up, or kept after a stop. */
bool reconcile_wanted(const struct reconcile_ctr *sec);
/*
 * The wanted service with that ID among the table's sections (borrowed),
 * or NULL; *owner (may be NULL) gets its section.
 */
const struct service *reconcile_plan_wanted(const struct containers *table,
    const char *service_id, const struct reconcile_ctr **owner);

/* What a pass compares, all borrowed for the call. */
struct reconcile_pass {
	const char *host_name; /* ours, as the registrator-host meta */
	enum deregister_mode deregister;
	bool cleanup;
	const struct containers *table; /* the records and their sections */
	/* Definitions the agent refused (400): not sent again as they are. */
	const struct reconcile_marks *refused;
	/* Writes that completed while the GET ran: the answer predates them. */
	const struct reconcile_marks *recent;
	/* Service IDs refused as collisions (hash ""): not registered. */
	const struct reconcile_marks *clashed;
};

/*
 * A pass against have, the agent's answer: REGISTER every wanted service
 * that is missing or whose registrator-hash meta differs ("missing from
 * the agent", "changed"), unless refused or recent; then DEREGISTER every
 * service of have whose registrator-host is this host and that nobody
 * wants, unless its container's registration is kept (--deregister), or
 * its container is unknown under --deregister never without --cleanup;
 * with --cleanup also every service without ownership meta whose ID reads
 * <this host>:<name>:<port>[:udp] for no container of that name up or
 * kept.  Any other service is never touched.  Appends to plan; returns
 * -1 with err filled only when in has no host name.
 */
int reconcile_plan_pass(const struct reconcile_pass *in,
    const struct agent_services *have, struct reconcile_plan *plan, char *err,
    size_t errlen);
/*
 * Collisions a proxy cannot tell apart (issue 15): two service names that
 * differ only in case (nginx folds upstream names), two IDs equal once
 * every character but letters, digits, '_', '.' and '-' is mapped to '_'
 * (the shipped templates' server names: "api:1" and "api_1").  Equal
 * names are one service with several instances, equal IDs are derive's
 * and rc_derive's duplicate rule: neither is a collision here.
 */
enum reconcile_clash {
	RECONCILE_CLASH_NONE,
	RECONCILE_CLASH_NAME,
	RECONCILE_CLASH_ID,
};

/* The service that wins against the refused one; borrowed from inputs. */
struct reconcile_clash_with {
	const char *name; /* its name ("" when the agent gave none) */
	const char *id;
	const char *ctr; /* its container's name, NULL: not one of ours */
};

/*
 * Whether the wanted service s (one of the table's) must be refused as a
 * collision, and with what (*with, filled when not NONE).  First come
 * wins, and "first" is what the agent holds, so that the winner survives
 * registrator restarts and relistings (Docker lists the newest first): a
 * name spelling that some instance registered on the agent has (whoever
 * registered it) beats one that none has, an ID the agent holds beats one
 * it does not; with the same standing, the spelling or ID seen first in
 * the table's order (then a container's port order) wins.  have may be
 * empty (no answer yet): the table's order decides.
 */
enum reconcile_clash reconcile_plan_clash(const struct containers *table,
    const struct agent_services *have, const struct service *s,
    struct reconcile_clash_with *with);

/*
 * --deregister: true when the registration of a container that exited in
 * state st is kept.  never: always; always: never; on-success: for an OOM
 * kill, or an exit code other than 0 that no operator stop explains.
 */
bool reconcile_plan_keep(enum deregister_mode mode,
    const struct container_state *st, bool operator_stop);

/* What the driver does with a container change (reconcile_plan_change). */
enum reconcile_step {
	RECONCILE_STEP_NONE, /* nothing: no write, no pass */
	RECONCILE_STEP_STOPPING, /* maintenance on (the plan), then a pass */
	RECONCILE_STEP_RUN, /* derive its services: they are wanted */
	RECONCILE_STEP_KEEP, /* stopped: keep the registration */
	RECONCILE_STEP_DROP, /* stopped: drop its services */
};

struct reconcile_config;

/*
 * A change of the container whose section is sec (its state before the
 * change), now in state c, after the DOCKER_ACT_* actions, with the
 * table's operator_stop verdict and the last kill's signal.  Running:
 * ignored while a die's deregistration stands (sec->died); a kill that
 * stops it (reconcile_plan_stops) with --maintenance-on-stop puts an up
 * container's services in maintenance (STOPPING; the plan's
 * MAINTENANCE actions, none when already in); a start takes them out
 * (the plan) and the services are derived (RUN).  Stopped: nothing for a
 * container already down unless a listing asks; else KEEP or DROP as
 * reconcile_plan_keep() says for cfg->deregister.  *maintenance gets
 * whether the services are in maintenance once the plan is carried out.
 */
enum reconcile_step reconcile_plan_change(const struct reconcile_ctr *sec,
    const struct container *c, unsigned actions, bool operator_stop,
    int kill_signal, const struct reconcile_config *cfg,
    struct reconcile_plan *plan, bool *maintenance);
/*
 * Whether a kill event with that signal attribute (0: unknown) stops
 * container c: SIGKILL, or its StopSignal (SIGTERM when unset), which is
 * what docker stop sends.  Another signal (docker kill -s HUP to reload)
 * stops nothing.  When the signal is unknown, or c has a label named
 * "signal" (Docker merges labels into the event's attributes, so the
 * value may be the label's), or its StopSignal is not a name we know:
 * true, and the stop wait lifts a maintenance that was not needed.
 */
bool reconcile_plan_stops(const struct container *c, int kill_signal);
/*
 * How long a container's services stay in maintenance after a kill event
 * with no die: its stop timeout (Config.StopTimeout, else Docker's
 * default), what `docker stop` waits before SIGKILL, plus a margin for the
 * SIGKILL, the exit and the die event; capped.  A kill that stops nothing
 * (docker kill -s HUP to reload) hides the services that long.
 */
#define RECONCILE_STOP_TIMEOUT_DEFAULT_S 10 /* docker stop's default -t */
#define RECONCILE_STOP_MARGIN_MS 5000
#define RECONCILE_STOP_WAIT_MAX_MS (3600u * 1000)
uint64_t reconcile_plan_stop_wait_ms(const struct container *c);
/*
 * The stop wait is over and no die came: MAINTENANCE off for every
 * service of sec, when sec is up and in maintenance (returns true);
 * otherwise nothing (false).
 */
bool reconcile_plan_lift(const struct reconcile_ctr *sec,
    struct reconcile_plan *plan);
/*
 * The TTL updates mirroring Docker's health into the services' Docker
 * health checks: for an up container with a health status, one per
 * service with a health_check_id (healthy: passing, unhealthy: critical,
 * starting: warning; the output is Docker's status).
 */
void reconcile_plan_health(const struct reconcile_ctr *sec,
    struct reconcile_plan *plan);

/* reconcile.c */

/*
 * The driver: carries out the plans.  Passes are coalesced: Docker
 * changes mark the state dirty and one pass runs from a before-poll hook;
 * a pass GETs the agent's services, plans, and starts the writes.  Failed
 * writes make the pass fail and the whole pass is retried with backoff,
 * so nothing is dropped.
 */
#define RECONCILE_BACKOFF_MIN_MS 500
#define RECONCILE_BACKOFF_MAX_MS 30000
#define RECONCILE_AGENT_POLL_MS 3000 /* default: lost-state detection */
#define RECONCILE_HEALTH_REFRESH_MS 30000 /* TTL mirror of Docker health */

struct reconcile;

/* --once and --dry-run: the run is over; status is the exit status. */
typedef void reconcile_done_cb(int status, void *arg);

/* Borrowed by reconcile_new() for the life of the reconcile object. */
struct reconcile_config {
	/* host_name is ignored: Docker's /info Name or host_override is used.
	 */
	struct derive_options derive;
	const char *host_override; /* --hostname, or NULL */
	enum deregister_mode deregister;
	bool cleanup;
	bool maintenance_on_stop;
	bool dry_run; /* print bodies, write nothing */
	bool once; /* one pass, then done_cb */
	uint64_t resync_ms; /* 0: never */
	uint64_t agent_poll_ms; /* 0: RECONCILE_AGENT_POLL_MS */
	reconcile_done_cb *done_cb; /* needed with once or dry_run */
	void *done_arg;
};

/*
 * Creates the reconciler; agent may be NULL with dry_run.  loop, agent,
 * docker, table, metrics and cfg are borrowed and must outlive it.
 * Registers its metrics and its before-poll hook.
 */
struct reconcile *reconcile_new(struct loop *loop, struct agent *agent,
    struct docker *docker, struct containers *table, struct metrics *metrics,
    const struct reconcile_config *cfg);
/* The table's subscriber (arg: the reconcile object), the last one. */
void reconcile_notify(const struct containers_note *note, void *arg);
/*
 * For /health: true once containers were listed and the last pass did not
 * fail; why (len bytes) says which.
 */
bool reconcile_healthy(const struct reconcile *rc, char *why, size_t len);
/*
 * Frees everything, its sections of the table's records included;
 * in-flight writes are cancelled with the agent.
 */
void reconcile_free(struct reconcile *rc);

/* crash.c */

/*
 * The crash reporter.  A crash is a die after which inspect shows an exit
 * code other than 0, or OOMKilled, and that no operator asked for: a kill
 * or stop seen for the container since its last start makes the die an
 * operator stop, unless the kernel OOM-killed it.  The exit code comes
 * from inspect only, never from event attributes (labels overwrite them).
 * Resource counters are sampled while the container runs (crash_stats.c)
 * and the last sample is kept, because the cgroup is gone by the time the
 * die is seen.  A report reads the last log lines (crash_logs.c) and
 * builds the event (crash_event.c).
 */
#define CRASH_LOG_LINES_DEFAULT 50
#define CRASH_LOG_LINES_MAX 10000
#define BUF_MAX_CRASH_LOGS (1024u * 1024) /* raw /logs answer */
#define BUF_MAX_CRASH_LOG_TEXT (2u * 1024 * 1024) /* demultiplexed */
#define CRASH_LOG_TEXT_MAX 12000 /* newest log bytes in an event */
#define BUF_MAX_CRASH_STATS (256u * 1024) /* one stats answer */
#define CRASH_STATS_INTERVAL_DEFAULT_MS 10000
#define CRASH_SERVICE_MAX 256
#define CRASH_REASON_MAX 32
#define CRASH_ALLOW_DEFAULT                                       \
	"com.docker.compose.*,"                                   \
	"org.opencontainers.image.*,SERVICE_NAME,SERVICE_*_NAME," \
	"SERVICE_TAGS,SERVICE_*_TAGS"
#define CRASH_FILTERED "[filtered]"

struct crash;
struct janitor;
struct sentry;
struct sentry_event;

/*
 * Where a finished report goes instead of the Sentry transport: ev is the
 * sink's (sentry_event_free), c is borrowed for the call.
 */
typedef void crash_sink_cb(struct sentry_event *ev, const struct container *c,
    void *arg);

/* Borrowed by crash_new() for the life of the reporter. */
struct crash_config {
	unsigned log_lines; /* 0: CRASH_LOG_LINES_DEFAULT */
	uint64_t stats_interval_ms; /* 0: no sampling */
	const char *allow; /* NULL: CRASH_ALLOW_DEFAULT */
	const char *host_override; /* --hostname, or NULL */
	uint64_t throttle_window_ms; /* crash loops: 0 sends every crash */
	crash_sink_cb *sink; /* NULL: crash_new's sentry */
	void *sink_arg; /* borrowed */
};

/*
 * Pure: true when a die with this final state is a crash: OOMKilled, or
 * an exit code other than 0 that no operator stop (operator_stop)
 * explains.
 */
bool crash_is_crash(const struct container_state *st, bool operator_stop);
/*
 * Creates the reporter.  loop, http, docker, table, sentry (events are
 * captured there unless cfg has a sink), janitor (may be NULL), metrics
 * (may be NULL) and cfg are borrowed and must outlive it.
 */
struct crash *crash_new(struct loop *loop, struct http *http,
    struct docker *docker, struct containers *table, struct sentry *sentry,
    struct janitor *janitor, struct metrics *metrics,
    const struct crash_config *cfg);
/*
 * The table's subscriber (arg: the crash object), after janitor.c's and
 * before reconcile.c's, so a report starts reading logs as early as
 * possible.
 */
void crash_notify(const struct containers_note *note, void *arg);
/* The host name events carry (Docker's /info Name); copied. */
void crash_ready(struct crash *crash, const char *host_name);
/*
 * Makes the report of c (consumed) now, whatever its state: a stats
 * sample first when sample_first, then the logs, then the event.
 */
void crash_report(struct crash *crash, struct container *c, bool sample_first);
/*
 * Hands every event held back by the crash-loop throttle to Sentry now,
 * each with its count (at SIGTERM, before the flush); NULL is a no-op.
 */
void crash_flush_held(struct crash *crash);
/*
 * Cancels samples and reports in flight and frees its sections of the
 * table's records; NULL is a no-op.
 */
void crash_free(struct crash *crash);

/* crash_throttle.c */

/*
 * Services whose crash loops are tracked at once; a crash of one more
 * service while all are inside their window is sent unthrottled (never
 * lost, never queued without bound).  Each holds at most one event.
 */
#define CRASH_THROTTLE_SERVICES_MAX 256
#define CRASH_THROTTLE_WINDOW_DEFAULT "5m"

struct crash_throttle_slot {
	bool used;
	char service[CRASH_SERVICE_MAX];
	uint64_t sent_ms; /* the last event sent (monotonic) */
	unsigned long long held; /* crashes held since then */
	int64_t first_s, last_s; /* unix times of the first/last held */
};

/* Pure state of the throttle; owned by crash.c. */
struct crash_throttle {
	uint64_t window_ms;
	struct crash_throttle_slot slots[CRASH_THROTTLE_SERVICES_MAX];
};

enum {
	CRASH_THROTTLE_SEND, /* send this crash's event now */
	CRASH_THROTTLE_HOLD, /* hold it in place of the slot's held one */
};

/* What an event sent (or held) stands for. */
struct crash_throttle_verdict {
	int slot; /* the service's slot, -1 when untracked */
	unsigned long long crashes; /* crashes the event stands for, >= 1 */
	int64_t first_s, last_s; /* unix times of the first and last */
};

/* window_ms 0: no throttle (every crash is sent at once). */
struct crash_throttle *crash_throttle_new(uint64_t window_ms);
void crash_throttle_free(struct crash_throttle *t);
/*
 * Pure: a crash of service at now_ms (monotonic) and now_s (unix time).
 * Returns CRASH_THROTTLE_SEND or CRASH_THROTTLE_HOLD and fills v.
 */
int crash_throttle_crash(struct crash_throttle *t, const char *service,
    uint64_t now_ms, int64_t now_s, struct crash_throttle_verdict *v);
/*
 * Pure: one held event whose window ended by now_ms: returns 1 and fills
 * v (the slot's event is to be sent, its window restarts), or 0.
 */
int crash_throttle_due(struct crash_throttle *t, uint64_t now_ms,
    struct crash_throttle_verdict *v);
/* Pure: like crash_throttle_due whatever the time (shutdown). */
int crash_throttle_take(struct crash_throttle *t,
    struct crash_throttle_verdict *v);
/* When the next held event is due (monotonic ms); UINT64_MAX: none. */
uint64_t crash_throttle_next_ms(const struct crash_throttle *t);

/* crash_stats.c */

/* One resource sample; -1 in a counter means Docker did not report it. */
struct crash_stats {
	bool valid;
	char read_at[40]; /* Docker's "read" time, RFC 3339 */
	long long mem_usage; /* bytes */
	long long mem_max_usage; /* cgroup v1 peak */
	long long mem_limit;
	long long mem_failcnt; /* v1 failcnt, v2 OOM events */
	long long cpu_total_ns;
	long long cpu_user_ns;
	long long cpu_system_ns;
	long long pids;
	long long pids_limit;
};

/*
 * Pure: parses a GET /containers/{id}/stats?stream=false answer into st
 * (left untouched on failure).  An answer without memory and CPU figures
 * (the container is not running) is an error.  Returns 0 or -1 with err.
 */
int crash_stats_parse(const char *json, size_t len, struct crash_stats *st,
    char *err, size_t errlen);
/*
 * Reads a sample from the cgroup files of container id under root
 * ("/sys/fs/cgroup"): cgroup v1 with the cgroupfs driver
 * (memory/docker/<id>, cpuacct/..., pids/...), else v2 (system.slice/
 * docker-<id>.scope or docker/<id>).  An unlimited memory limit reads as
 * host_mem, as Docker's stats API reports it.  Reads files, never logs.
 * Returns 0 with st filled, or -1 when no cgroup of id is found (another
 * layout, or not this host's /sys/fs/cgroup): then the stats API is used.
 */
int crash_stats_cgroup_read(const char *root, const char *id,
    long long host_mem, struct crash_stats *st);

/* crash_logs.c */

/*
 * Pure.  Docker's multiplexed log stream: frames of an 8-byte header
 * (stream 0 stdin, 1 stdout, 2 stderr; three zero bytes; big-endian
 * payload length) and the payload.  Appends the text to out, one line per
 * output line, each prefixed "[stdout] " or "[stderr] "; a line split
 * over frames is joined.  Data that does not start with a valid header
 * (a TTY container) is appended as is.  A bad header after valid frames
 * ends the decoding with a "[... N undecodable bytes]" line; a cut last
 * frame keeps what arrived.  Returns 0, or -1 when out's cap was hit
 * (out keeps what fit).
 */
int crash_logs_demux(const char *data, size_t len, struct buf *out);

/* crash_event.c */

/* Pure: the event and the names it is grouped by. */

/* "oom", "signal:SIGSEGV" (exit 129-192) or "exit:<code>" into out. */
void crash_event_reason(const struct container_state *st, char *out,
    size_t len);
/*
 * The service a crash is grouped under: compose "project/service", else
 * SERVICE_NAME (label, then env: what is registered), else the image
 * repository, else the container name without a replica suffix
 * ("web-2", "web_2", "web.2.<task>" give "web").  Written to out.
 */
void crash_event_service(const struct container *c, char *out, size_t len);
/*
 * The key crash loops are throttled by: the same, without the image step
 * (unrelated containers share an image; a loop is one service's).
 */
void crash_event_loop_key(const struct container *c, char *out, size_t len);
/*
 * Splits an image reference "[host[:port]/]path[:tag][@digest]" into its
 * repository, tag and digest ("" when absent).
 */
void crash_event_image_split(const char *image, char *repo, size_t repolen,
    char *tag, size_t taglen, char *digest, size_t digestlen);
/* True when key matches one of allow's comma-separated fnmatch globs. */
bool crash_event_label_allowed(const char *key, const char *allow);

/* Everything borrowed for crash_event_build(). */
struct crash_report {
	const struct container *c; /* final state */
	const char *host; /* server_name, tag host */
	const char *allow; /* label allow-list, NULL: default */
	const char *logs; /* demultiplexed tail, or NULL */
	const char *logs_error; /* why logs is NULL, or NULL */
	const struct crash_stats *stats; /* last sample, or NULL */
	uint64_t stats_age_ms; /* its age at the die */
};

/*
 * Builds the Sentry event for a crash: message, exception, fingerprint
 * ["docker-crash", service, reason], release (tag, else digest, else
 * image ID), tags (host, service, image, exit_code, oom, reason,
 * container), contexts container/state/resources, extra labels (scrubbed)
 * and logs (the newest CRASH_LOG_TEXT_MAX bytes).  Owned by the caller
 * (sentry_event_free or sentry_capture).
 */
struct sentry_event *crash_event_build(const struct crash_report *r);

/* crash_cli.c */

/*
 * `registrator crash-event CONTAINER`: finds the container (name, ID or
 * ID prefix), reads its logs and, while it runs, a stats sample, and
 * prints the event a crash would send as indented JSON on stdout.
 * Returns the exit status.
 */
int crash_cli_main(const char *docker_host, const char *container,
    const struct crash_config *cfg);

/* janitor.c */

/*
 * --cleanup-exited=<grace>: removes exited containers once their grace
 * period (from State.FinishedAt) is over and their crash report, if one
 * is being made, is built.  Never a running or restarting container, never
 * one whose restart policy will restart it (always, unless-stopped,
 * on-failure with retries left), never an --rm one (Docker removes it),
 * and only containers matching the label filter ("key" or "key=value")
 * when one is given.  DELETE without force or v, so a container started
 * meanwhile is refused by Docker (409) and kept.
 */
#define JANITOR_TIME_MAX 64

/*
 * Pure: true when c may be removed at all (state, restart policy, --rm,
 * label filter); why says what keeps it when false.
 */
bool janitor_removable(const struct container *c, const char *filter, char *why,
    size_t whylen);
/*
 * Pure: parses Docker's RFC 3339 time ("2026-11-23T16:43:45.3175Z") into
 * milliseconds since the epoch; -1 for the zero time or bad input.
 */
int janitor_parse_time(const char *s, int64_t *ms);

/*
 * Creates the janitor; loop, http, docker, table and metrics (may be
 * NULL) are borrowed; filter is copied (NULL: every container).
 */
struct janitor *janitor_new(struct loop *loop, struct http *http,
    struct docker *docker, struct containers *table, struct metrics *metrics,
    uint64_t grace_ms, const char *filter);
/*
 * The table's subscriber (arg: the janitor), before crash.c's: every
 * inspected change schedules, moves or cancels the container's removal.
 */
void janitor_notify(const struct containers_note *note, void *arg);
/*
 * crash.c, during the change that starts a crash report of rec: the
 * removal scheduled by that change waits for janitor_report_done().
 */
void janitor_hold(struct janitor *j, struct containers_rec *rec);
/* The report of container id is sent: a removal that is due goes ahead. */
void janitor_report_done(struct janitor *j, const char *id);
/*
 * Cancels the timers and removals in flight and frees its sections of the
 * table's records; NULL is a no-op.
 */
void janitor_free(struct janitor *j);

/* dnscheck.c */

/*
 * `registrator dns-check`: lists the services this host registered
 * (registrator-host meta, from the agent at consul_addr) and asks Consul's
 * DNS interface at dns_addr ("host:port") for each: A and SRV of
 * <name>.service.consul and SRV of <tag>.<name>.service.consul for every
 * tag.  Every mismatch is printed.  host_name NULL means every service
 * with a registrator-host meta key (the local agent only holds this
 * host's).  Critical instances, which Consul leaves out of DNS, are
 * skipped.  Returns the exit status: 0 when everything matched, 1
 * otherwise.
 */
int dnscheck_main(const char *consul_addr, const char *token,
    const char *dns_addr, const char *host_name);

#endif
