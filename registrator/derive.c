/* SPDX-License-Identifier: MIT */
/*
 * Derive: from one container (container.c) to the Consul services it
 * should have, following gliderlabs/registrator's SERVICE_* conventions
 * so that its users keep their env vars and labels.  It sits between
 * docker.c, which inspects, and reconcile.c, which compares the result
 * with the agent; check.c adds each service's health checks.  Pure: the
 * caller passes the host's identity and address, and gets back services
 * plus one warning line per refused item (a hostile tag, a meta key Consul
 * would reject, a name that cannot be a name), never a log line.
 *
 * gliderlabs behaviours kept, and where this file deliberately differs:
 * - Metadata: the SERVICE_* keys as derive_attr.c reads them (a label
 *   wins over an env var, a port key over a generic one).
 * - Port counting (the "-<port>" suffix): every (port, protocol) pair of
 *   Config.ExposedPorts and NetworkSettings.Ports is a candidate; without
 *   --internal only those with a host binding are eligible.  More than one
 *   eligible pair makes a group, so tcp and udp on one port count twice.
 *   The count is taken BEFORE SERVICE_IGNORE and --explicit filter ports
 *   out, as gliderlabs does: a two-port container with one port ignored
 *   still registers "web-80".  In a group every name gets "-<container
 *   port>" unless it came from the port's own SERVICE_<port>_NAME.
 * - Default name: the image's last path element without tag or digest.
 *   Divergence: an image recorded by ID ("sha256:...", compose v2) falls
 *   back to the compose service label, else the container name, instead of
 *   gliderlabs' "sha256".
 * - IGNORE is a boolean (1/true/yes...); gliderlabs ignored on any
 *   non-empty value, so "SERVICE_IGNORE=false" ignored.  A value that is
 *   not a boolean still ignores, as before, with a warning.
 * - TAGS: "\," escapes a comma; divergence: items are trimmed and keep
 *   their order (gliderlabs reversed them and kept blanks).  Then --tags,
 *   then "udp" for UDP.  --tags is a plain list, not a Go template.
 * - ID: "<host>:<container>:<port>" plus ":udp"; <host> is the caller's
 *   (Docker's /info Name) rather than registrator's own hostname.
 *   Divergence: SERVICE_ID also gets ":udp" on a UDP port, so tcp and udp
 *   do not overwrite each other; a duplicate ID is refused.
 * - Meta: every SERVICE_ key without a row in derive_attr_keys[] (name,
 *   tags, id, ignore, network, check_*), validated against Consul's rules
 *   one by one instead of letting one bad key fail the registration; plus the
 *   compose project/service labels, registrator-host (ownership) and
 *   registrator-container (the container ID).
 * - Address: the binding's host IP, --ip overriding it, else the detected
 *   host address; with --internal the container's IP on a deterministic
 *   network and the container port.  Divergence: never the container IP
 *   with a host port (gliderlabs did that on user-defined networks), and
 *   only --net=host turns an unbound exposed port into a host port
 *   (gliderlabs did it for any port missing from NetworkSettings.Ports).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registrator.h"
#include "str.h"
#include "xmalloc.h"

void
derive_result_init(struct derive_result *res)
{
	memset(res, 0, sizeof(*res));
}

void
derive_result_clear(struct derive_result *res)
{
	for (size_t i = 0; i < res->nservices; i++)
		service_clear(&res->services[i]);
	free(res->services);
	for (size_t i = 0; i < res->nwarnings; i++)
		free(res->warnings[i]);
	free(res->warnings);
	derive_result_init(res);
}

void
derive_warn(struct derive_result *res, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (res->nwarnings > DERIVE_MAX_WARNINGS)
		return;
	if (res->nwarnings == DERIVE_MAX_WARNINGS) {
		str_copy(line, "more warnings were dropped", sizeof(line));
	} else {
		va_start(ap, fmt);
		(void)vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
	}
	/* A generic key refused on each port says the same thing once. */
	for (size_t i = 0; i < res->nwarnings; i++)
		if (strcmp(res->warnings[i], line) == 0)
			return;
	res->warnings
	    = xreallocarray(res->warnings, res->nwarnings + 1, sizeof(char *));
	res->warnings[res->nwarnings++] = xstrdup(line);
}

const char *
derive_quote(char *out, size_t outlen, const char *s)
{
	size_t o = 0, i;

	/* A bigger buffer shows more: each byte may take four. */
	for (i = 0; s[i] != '\0' && i < (outlen - 8) / 4 && o + 5 < outlen;
	     i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    ch);
		else
			out[o++] = (char)ch;
	}
	if (s[i] != '\0' && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

const char *
derive_bad_value(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		return "too long";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n' || ch == '\r')
			return "contains a newline";
		if (ch < 0x20 || ch == 0x7f)
			return "contains a control character";
		if (ch == ' ')
			return "contains a space";
		if (strchr(";{}\"'\\", ch) != NULL)
			return "contains one of ; { } \" ' \\";
	}
	return NULL;
}

/* Names and IDs: what Docker itself allows in names, plus ':' for IDs. */
static const char *
bad_word(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0)
		return "is empty";
	if (n > max)
		return "too long";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!isalnum(ch) && ch != '-' && ch != '_' && ch != '.'
		    && strchr(extra, ch) == NULL)
			return ch == '\n'
			    ? "contains a newline"
			    : "contains a character other than letters, digits, "
			      "'-', '_' or '.'";
	}
	return NULL;
}

bool
derive_uses_container_ip(const struct container *c,
    const struct derive_options *o)
{
	return o->internal && strcmp(c->network_mode, "host") != 0;
}

struct strv {
	char **v;
	size_t n;
};

static void
strv_add(struct strv *sv, const char *s)
{
	sv->v = xreallocarray(sv->v, sv->n + 1, sizeof(char *));
	sv->v[sv->n++] = xstrdup(s);
}

static void
strv_clear(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/*
 * Splits a gliderlabs tag list: ',' separates, "\," is a literal comma,
 * items are trimmed and empty ones dropped, order is kept.  Items that
 * fail derive_bad_value, or come after DERIVE_MAX_TAGS, are refused with
 * a warning naming the container and key.
 */
static void
tags_split(const char *s, struct strv *out, struct derive_result *res,
    const char *cname, const char *key)
{
	char *item = xmalloc(strlen(s) + 1), q[DERIVE_QUOTE_BUF];
	const char *why;
	size_t n = 0;

	for (const char *p = s;; p++) {
		if (*p == '\\' && p[1] == ',') {
			item[n++] = ',';
			p++;
			continue;
		}
		if (*p != ',' && *p != '\0') {
			item[n++] = *p;
			continue;
		}
		item[n] = '\0';
		str_trim(item);
		if (item[0] != '\0') {
			if ((why = derive_bad_value(item, DERIVE_MAX_TAG))
			    != NULL)
				derive_warn(res,
				    "container %s: %s: tag \"%s\" "
				    "refused: %s",
				    cname, key,
				    derive_quote(q, sizeof(q), item), why);
			else if (out->n >= DERIVE_MAX_TAGS)
				derive_warn(res,
				    "container %s: %s: tag \"%s\" "
				    "refused: more than %d tags",
				    cname, key,
				    derive_quote(q, sizeof(q), item),
				    DERIVE_MAX_TAGS);
			else
				strv_add(out, item);
		}
		n = 0;
		if (*p == '\0')
			break;
	}
	free(item);
}

/* The name gliderlabs would pick from the image, or the fallbacks. */
static void
default_name(const struct container *c, char *out, size_t outlen)
{
	const char *img = c->image, *slash, *compose;
	size_t n;

	if (container_image_is_id(c) || *img == '\0') {
		compose = container_label(c, DERIVE_LABEL_COMPOSE_SERVICE);
		str_copy(out,
		    compose != NULL && *compose != '\0' ? compose : c->name,
		    outlen);
		return;
	}
	/* registry:5000/team/api:2@sha256:... -> api */
	n = strcspn(img, "@");
	slash = memrchr(img, '/', n);
	if (slash != NULL) {
		n -= (size_t)(slash + 1 - img);
		img = slash + 1;
	}
	n = strcspn(img, ":") < n ? strcspn(img, ":") : n;
	if (n == 0) {
		str_copy(out, c->name, outlen);
		return;
	}
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, img, n);
	out[n] = '\0';
}

static bool
addr_valid(const char *s)
{
	unsigned char tmp[16];

	return inet_pton(AF_INET, s, tmp) == 1
	    || inet_pton(AF_INET6, s, tmp) == 1;
}

/*
 * 0.0.0.0 or :: in any spelling, ::ffff:0.0.0.0 included: Consul's agent
 * refuses them as a service address ("Invalid service address"), so the
 * whole registration would fail.
 */
static bool
addr_unspecified(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1)
		return a4.s_addr == htonl(INADDR_ANY);
	if (inet_pton(AF_INET6, s, &a6) != 1)
		return false;
	return IN6_IS_ADDR_UNSPECIFIED(&a6)
	    || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 0
		&& a6.s6_addr[13] == 0 && a6.s6_addr[14] == 0
		&& a6.s6_addr[15] == 0);
}

#define DERIVE_UNSPECIFIED "is the unspecified address, which Consul refuses"

/* A network's IPv4 address, else its IPv6 one, else NULL. */
static const char *
net_addr(const struct container_network *n)
{
	if (n == NULL)
		return NULL;
	if (n->ip[0] != '\0')
		return n->ip;
	if (n->ipv6[0] != '\0')
		return n->ipv6;
	return NULL;
}

/*
 * An operator-given address (--ip, detection): an IP address, or a host
 * name, which Consul accepts as a service address too.  NULL means fine.
 */
static const char *
bad_address(const char *s)
{
	if (s == NULL)
		return NULL;
	if (addr_valid(s))
		return addr_unspecified(s) ? DERIVE_UNSPECIFIED : NULL;
	return bad_word(s, 253, "") != NULL ? "is neither an IP address nor "
					      "a host name"
					    : NULL;
}

/*
 * The container's address for --internal: SERVICE_NETWORK, then
 * --network, then the network of HostConfig.NetworkMode, then the first
 * network by name that has an address.
 */
static const char *
internal_address(const struct container *c, const struct derive_options *o,
    const struct derive_attrs *a, uint16_t port, struct derive_result *res)
{
	const char *want = derive_attr(a, "network"), *mode, *addr;
	char key[64], q[DERIVE_QUOTE_BUF];

	if (want != NULL) {
		if ((addr = net_addr(container_network(c, want))) != NULL)
			return addr;
		derive_warn(res,
		    "container %s: %s: no address on network "
		    "\"%s\", choosing another",
		    c->name,
		    derive_key_name(key, sizeof(key), a, "network", port),
		    derive_quote(q, sizeof(q), want));
	}
	if (o->network != NULL
	    && (addr = net_addr(container_network(c, o->network))) != NULL)
		return addr;
	mode = strcmp(c->network_mode, "default") == 0 ? "bridge"
						       : c->network_mode;
	if ((addr = net_addr(container_network(c, mode))) != NULL)
		return addr;
	for (size_t i = 0; i < c->nnetworks; i++)
		if ((addr = net_addr(&c->networks[i])) != NULL)
			return addr;
	return NULL;
}

static bool
id_taken(const struct derive_result *res, const char *id)
{
	for (size_t i = 0; i < res->nservices; i++)
		if (strcmp(res->services[i].id, id) == 0)
			return true;
	return false;
}

static int
meta_cmp(const void *x, const void *y)
{
	const struct container_kv *a = x, *b = y;

	return strcmp(a->key, b->key);
}

static bool
meta_key_reserved(const char *k)
{
	return str_has_prefix(k, "registrator-")
	    || strcmp(k, DERIVE_META_COMPOSE_PROJECT) == 0
	    || strcmp(k, DERIVE_META_COMPOSE_SERVICE) == 0;
}

static const char *
bad_meta_key(const char *k)
{
	if (strlen(k) > DERIVE_MAX_META_KEY)
		return "key longer than 128 bytes";
	for (const char *p = k; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return "key may only hold letters, digits, '_' and '-'";
	if (str_has_prefix(k, "consul-"))
		return "the consul- prefix is reserved";
	if (meta_key_reserved(k))
		return "key is reserved for registrator";
	return NULL;
}

static void
meta_add(struct service *s, const char *k, const char *v)
{
	s->meta = xreallocarray(s->meta, s->nmeta + 1, sizeof(*s->meta));
	s->meta[s->nmeta].key = xstrdup(k);
	s->meta[s->nmeta].value = xstrdup(v);
	s->nmeta++;
}

static void
build_meta(const struct container *c, const struct derive_options *o,
    const struct derive_attrs *a, uint16_t port, struct service *s,
    struct derive_result *res)
{
	static const struct {
		const char *label;
		const char *key;
	} compose[] = {
		{ DERIVE_LABEL_COMPOSE_PROJECT, DERIVE_META_COMPOSE_PROJECT },
		{ DERIVE_LABEL_COMPOSE_SERVICE, DERIVE_META_COMPOSE_SERVICE },
	};
	struct container_kv *user = NULL;
	size_t nuser = 0, room;
	char key[DERIVE_MAX_META_KEY + 32], q[DERIVE_QUOTE_BUF];
	const char *why, *v;

	meta_add(s, DERIVE_META_HOST, o->host_name);
	/* Lets reconcile match a kept registration to its container. */
	meta_add(s, DERIVE_META_CONTAINER, c->id);
	for (size_t i = 0; i < sizeof(compose) / sizeof(compose[0]); i++) {
		if ((v = container_label(c, compose[i].label)) == NULL)
			continue;
		if ((why = derive_bad_value(v, DERIVE_MAX_META_VALUE)) != NULL)
			derive_warn(res,
			    "container %s: label %s: value \"%s\" "
			    "refused: %s",
			    c->name, compose[i].label,
			    derive_quote(q, sizeof(q), v), why);
		else
			meta_add(s, compose[i].key, v);
	}
	user = xcalloc(a->n + 1, sizeof(*user));
	for (size_t i = 0; i < a->n; i++) {
		const struct derive_attr *at = &a->v[i];

		/* A key of the SERVICE_* table is not meta. */
		if (derive_attr_key(at->key) != NULL)
			continue;
		derive_key_name(key, sizeof(key), a, at->key, port);
		if ((why = bad_meta_key(at->key)) != NULL) {
			derive_warn(res, "container %s: %s: meta refused: %s",
			    c->name, derive_quote(q, sizeof(q), key), why);
			continue;
		}
		if ((why = derive_bad_value(at->value, DERIVE_MAX_META_VALUE))
		    != NULL) {
			derive_warn(res,
			    "container %s: %s: meta value \"%s\" "
			    "refused: %s",
			    c->name, key, derive_quote(q, sizeof(q), at->value),
			    why);
			continue;
		}
		user[nuser].key = at->key;
		user[nuser].value = at->value;
		nuser++;
	}
	/* Ours and the hash come first, then by key up to Consul's cap. */
	qsort(user, nuser, sizeof(*user), meta_cmp);
	room = DERIVE_MAX_META - 1 - s->nmeta;
	for (size_t i = 0; i < nuser; i++) {
		if (i >= room) {
			derive_warn(res,
			    "container %s: %s: meta refused: more "
			    "than %d meta keys",
			    c->name,
			    derive_key_name(key, sizeof(key), a, user[i].key,
				port),
			    DERIVE_MAX_META);
			continue;
		}
		meta_add(s, user[i].key, user[i].value);
	}
	free(user);
	qsort(s->meta, s->nmeta, sizeof(*s->meta), meta_cmp);
}

static void
build_tags(const struct container *c, const struct derive_attrs *a,
    uint16_t port, const struct strv *global, struct service *s,
    struct derive_result *res)
{
	struct strv tags = { NULL, 0 };
	const char *v = derive_attr(a, "tags");
	char key[64];

	if (v != NULL)
		tags_split(v, &tags, res, c->name,
		    derive_key_name(key, sizeof(key), a, "tags", port));
	for (size_t i = 0; i < global->n; i++)
		strv_add(&tags, global->v[i]);
	if (strcmp(s->proto, "udp") == 0)
		strv_add(&tags, "udp");
	s->tags = tags.v;
	s->ntags = tags.n;
}

/*
 * Decides the service of one eligible port; appends it to res or records
 * why not.  hport is the host port (0 with --internal on an unpublished
 * port).
 */
static void
derive_port(const struct container *c, const struct derive_options *o,
    const struct container_port *p, uint16_t hport, bool group,
    const struct strv *global, struct derive_result *res)
{
	struct derive_attrs a;
	struct service s;
	const struct derive_attr *nattr;
	const char *v, *why, *addr;
	char name[DERIVE_MAX_NAME * 2 + 16], key[64];
	char q[DERIVE_QUOTE_BUF], ipbuf[64];
	bool ignore;

	memset(&s, 0, sizeof(s));
	derive_attrs_for_port(c, p->port, &a);
	if ((v = derive_attr(&a, "ignore")) != NULL) {
		if (str_to_bool(v, &ignore) == -1) {
			derive_warn(res,
			    "container %s: %s: \"%s\" is not a "
			    "boolean; ignoring port %u as gliderlabs did",
			    c->name,
			    derive_key_name(key, sizeof(key), &a, "ignore",
				p->port),
			    derive_quote(q, sizeof(q), v), (unsigned)p->port);
			ignore = true;
		}
		if (ignore)
			goto out;
	}
	nattr = derive_attr_find(&a, "name");
	if (nattr != NULL && nattr->value[0] != '\0')
		str_copy(name, nattr->value, sizeof(name));
	else if (o->explicit_only)
		goto out;
	else {
		nattr = NULL;
		default_name(c, name, sizeof(name));
	}
	if (group && (nattr == NULL || !nattr->from_port)) {
		size_t n = strlen(name);

		(void)snprintf(name + n, sizeof(name) - n, "-%u",
		    (unsigned)p->port);
	}
	if ((why = bad_word(name, DERIVE_MAX_NAME, "")) != NULL) {
		derive_warn(res,
		    "container %s: %s: service name \"%s\" "
		    "refused: %s; port %u not registered",
		    c->name,
		    nattr != NULL
			? derive_key_name(key, sizeof(key), &a, "name", p->port)
			: "default name",
		    derive_quote(q, sizeof(q),
			nattr != NULL ? nattr->value : name),
		    why, (unsigned)p->port);
		goto out;
	}

	/* Address and port. */
	if (derive_uses_container_ip(c, o)) {
		addr = internal_address(c, o, &a, p->port, res);
		s.port = p->port;
	} else {
		addr = o->ip != NULL        ? o->ip
		    : p->host_ip[0] != '\0' ? p->host_ip
					    : o->detected_ip;
		s.port = hport;
	}
	if (o->ip_label != NULL && (v = container_label(c, o->ip_label)) != NULL
	    && *v != '\0') {
		/* gliderlabs strips a "/cidr" suffix. */
		str_copy(ipbuf, v, sizeof(ipbuf));
		ipbuf[strcspn(ipbuf, "/")] = '\0';
		if (addr_valid(ipbuf) && !addr_unspecified(ipbuf))
			addr = ipbuf;
		else
			derive_warn(res,
			    "container %s: label %s: \"%s\" %s; using the "
			    "default address",
			    c->name, o->ip_label, derive_quote(q, sizeof(q), v),
			    addr_valid(ipbuf) ? DERIVE_UNSPECIFIED
					      : "is not an IP address");
	}
	if (addr == NULL || *addr == '\0' || s.port == 0) {
		derive_warn(res,
		    "container %s: port %u/%s: no address to "
		    "register (%s); not registered",
		    c->name, (unsigned)p->port, p->proto,
		    derive_uses_container_ip(c, o) ? "the container has no IP"
						   : "pass --ip");
		goto out;
	}

	s.name = xstrdup(name);
	if (nattr != NULL)
		derive_key_name(s.name_key, sizeof(s.name_key), &a, "name",
		    p->port);
	s.address = xstrdup(addr);
	s.container_port = p->port;
	str_copy(s.proto, p->proto, sizeof(s.proto));
	s.container_id = xstrdup(c->id);
	s.container_name = xstrdup(c->name);
	if ((v = derive_attr(&a, "id")) != NULL
	    && (why = bad_word(v, DERIVE_MAX_ID, ":@")) != NULL) {
		derive_warn(res,
		    "container %s: %s: \"%s\" refused: %s; using "
		    "the default ID",
		    c->name,
		    derive_key_name(key, sizeof(key), &a, "id", p->port),
		    derive_quote(q, sizeof(q), v), why);
		v = NULL;
	}
	if (v != NULL)
		derive_key_name(s.id_key, sizeof(s.id_key), &a, "id", p->port);
	if (v != NULL)
		s.id = strcmp(p->proto, "tcp") == 0
		    ? xstrdup(v)
		    : xasprintf("%s:%s", v, p->proto);
	else if (strcmp(p->proto, "tcp") == 0)
		s.id = xasprintf("%s:%s:%u", o->host_name, c->name,
		    (unsigned)p->port);
	else
		s.id = xasprintf("%s:%s:%u:%s", o->host_name, c->name,
		    (unsigned)p->port, p->proto);
	if (id_taken(res, s.id)) {
		derive_warn(res,
		    "container %s: port %u/%s: service ID \"%s\" "
		    "is already used; not registered",
		    c->name, (unsigned)p->port, p->proto,
		    derive_quote(q, sizeof(q), s.id));
		goto out;
	}
	build_tags(c, &a, p->port, global, &s, res);
	build_meta(c, o, &a, p->port, &s, res);
	check_derive(c, &a, o, &s, res);
	service_hash(&s);
	res->services = xreallocarray(res->services, res->nservices + 1,
	    sizeof(*res->services));
	res->services[res->nservices++] = s;
	memset(&s, 0, sizeof(s));
out:
	service_clear(&s);
	derive_attrs_clear(&a);
}

/*
 * The host port of an eligible port, 0 for an eligible unpublished one
 * (--internal); -1 when the port is not eligible.
 */
static int
eligible_port(const struct container *c, const struct derive_options *o,
    const struct container_port *p)
{
	if (p->host_port != 0)
		return p->host_port;
	/* With --net=host the container's port is the host's. */
	if (strcmp(c->network_mode, "host") == 0 && p->exposed)
		return p->port;
	if (o->internal)
		return 0;
	return -1;
}

int
derive_services(const struct container *c, const struct derive_options *o,
    struct derive_result *res, char *err, size_t errlen)
{
	struct strv global = { NULL, 0 };
	struct derive_result scratch;
	const char *why = NULL;
	size_t eligible = 0;
	uint64_t ttl_ms;
	int ret = -1;

	derive_result_init(&scratch);
	if (o->host_name == NULL
	    || (why = bad_word(o->host_name, DERIVE_MAX_NAME, "")) != NULL) {
		(void)snprintf(err, errlen, "host name %s",
		    o->host_name == NULL ? "missing" : why);
		goto out;
	}
	if ((why = bad_address(o->ip)) != NULL
	    || (why = bad_address(o->detected_ip)) != NULL) {
		(void)snprintf(err, errlen, "%s address %s",
		    bad_address(o->ip) != NULL ? "--ip" : "detected host", why);
		goto out;
	}
	if (o->docker_health_ttl != NULL
	    && (str_to_ms(o->docker_health_ttl, 0, &ttl_ms) == -1
		|| ttl_ms == 0)) {
		(void)snprintf(err, errlen,
		    "Docker health TTL: not a duration");
		goto out;
	}
	if (o->tags != NULL) {
		tags_split(o->tags, &global, &scratch, "-", "--tags");
		if (scratch.nwarnings > 0) {
			(void)snprintf(err, errlen, "%s",
			    scratch.warnings[0] + strlen("container -: "));
			goto out;
		}
	}
	/*
	 * Docker makes both: the ID hex, the name [a-zA-Z0-9][a-zA-Z0-9_.-]+.
	 * They go into IDs and meta, so anything else is not trusted.
	 */
	if ((why = bad_word(c->id, DERIVE_MAX_ID, "")) != NULL
	    || strspn(c->id, "0123456789abcdefABCDEF") != strlen(c->id)
	    || (why = bad_word(c->name, DERIVE_MAX_NAME, "")) != NULL) {
		char qi[DERIVE_QUOTE_BUF], qn[DERIVE_QUOTE_BUF];

		derive_warn(res,
		    "container \"%s\" (ID \"%s\"): %s; not "
		    "registered",
		    derive_quote(qn, sizeof(qn), c->name),
		    derive_quote(qi, sizeof(qi), c->id),
		    why != NULL ? why : "the ID is not hexadecimal");
		ret = 0;
		goto out;
	}
	for (size_t i = 0; i < c->nports; i++)
		if (eligible_port(c, o, &c->ports[i]) >= 0)
			eligible++;
	for (size_t i = 0; i < c->nports; i++) {
		int hport = eligible_port(c, o, &c->ports[i]);

		if (hport >= 0)
			derive_port(c, o, &c->ports[i], (uint16_t)hport,
			    eligible > 1, &global, res);
	}
	ret = 0;
out:
	strv_clear(&global);
	derive_result_clear(&scratch);
	return ret;
}
