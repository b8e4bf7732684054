/* SPDX-License-Identifier: MIT */
/*
 * The SERVICE_* keys: gliderlabs' per-container metadata, read from
 * Config.Env then Config.Labels (a label wins over an env var with the
 * same key).  Only keys starting with "SERVICE_" count and the rest is
 * lower-cased; "SERVICE_<port>_<key>" applies to that container port
 * only (tcp and udp alike) and beats the generic key.  An empty value
 * counts as unset.
 *
 * derive_attr_keys[] is the table of the keys that steer derivation, one
 * row per key with its role and what it sets: derive.c and check.c read
 * them, and every other SERVICE_<key> becomes a meta pair of the service.
 * It sits between container.c (the parsed inspect) and derive.c and
 * check.c, which look values up here.  Pure.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registrator.h"
#include "str.h"
#include "xmalloc.h"

/*
 * gliderlabs accepts the port form of every key, so every row has one; a
 * row with port_form false would make SERVICE_<port>_<key> count for
 * nothing.
 */
const struct derive_attr_key derive_attr_keys[] = {
	{ "name", true, DERIVE_ROLE_SERVICE,
	    "Name (the port's own key is not suffixed -<port>)" },
	{ "tags", true, DERIVE_ROLE_SERVICE, "Tags, a comma list" },
	{ "id", true, DERIVE_ROLE_SERVICE, "ID (plus :udp on a UDP port)" },
	{ "network", true, DERIVE_ROLE_SERVICE,
	    "the network whose address --internal registers" },
	{ "ignore", true, DERIVE_ROLE_PORT,
	    "a boolean: true leaves the port out" },
	{ "check_http", true, DERIVE_ROLE_CHECK,
	    "an HTTP check of http://<address>:<port><value>" },
	{ "check_https", true, DERIVE_ROLE_CHECK,
	    "an HTTP check of https://<address>:<port><value>" },
	{ "check_tcp", true, DERIVE_ROLE_CHECK,
	    "a TCP check of <address>:<port> (any value)" },
	{ "check_grpc", true, DERIVE_ROLE_CHECK,
	    "a gRPC check of <address>:<port> (any value)" },
	{ "check_ttl", true, DERIVE_ROLE_CHECK, "a TTL check of that TTL" },
	{ "check_script", true, DERIVE_ROLE_CHECK,
	    "a script check (only with --allow-script-checks)" },
	{ "check_cmd", true, DERIVE_ROLE_CHECK,
	    "a check-cmd script check (only with --allow-script-checks)" },
	{ "check_interval", true, DERIVE_ROLE_CHECK_OPTION,
	    "Interval of every probe (default 10s)" },
	{ "check_timeout", true, DERIVE_ROLE_CHECK_OPTION, "Timeout" },
	{ "check_deregister_after", true, DERIVE_ROLE_CHECK_OPTION,
	    "DeregisterCriticalServiceAfter" },
	{ "check_initial_status", true, DERIVE_ROLE_CHECK_OPTION,
	    "Status: passing, warning or critical" },
	{ "check_method", true, DERIVE_ROLE_CHECK_OPTION,
	    "Method of the HTTP checks" },
	{ "check_http_method", true, DERIVE_ROLE_CHECK_OPTION,
	    "Method of the http check, unless check_method is set" },
	{ "check_https_method", true, DERIVE_ROLE_CHECK_OPTION,
	    "Method of the https check, unless check_method is set" },
	{ "check_tls_skip_verify", true, DERIVE_ROLE_CHECK_OPTION,
	    "TLSSkipVerify of the https and gRPC checks" },
	{ "check_grpc_use_tls", true, DERIVE_ROLE_CHECK_OPTION,
	    "GRPCUseTLS of the gRPC check" },
	/* Spelled like a check, so never a meta pair even when unknown. */
	{ "check_*", true, DERIVE_ROLE_CHECK_OPTION, "nothing (reserved)" },
};

const size_t derive_attr_nkeys
    = sizeof(derive_attr_keys) / sizeof(derive_attr_keys[0]);

const struct derive_attr_key *
derive_attr_key(const char *key)
{
	for (size_t i = 0; i < derive_attr_nkeys; i++) {
		const char *name = derive_attr_keys[i].name;
		size_t n = strlen(name);

		if (name[n - 1] == '*' ? strncmp(key, name, n - 1) == 0
				       : strcmp(key, name) == 0)
			return &derive_attr_keys[i];
	}
	return NULL;
}

static void
attrs_set(struct derive_attrs *a, const char *key, const char *value,
    bool from_port)
{
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->v[i].key, key) != 0)
			continue;
		/* A port key is never overridden by a generic one. */
		if (a->v[i].from_port && !from_port)
			return;
		free(a->v[i].value);
		a->v[i].value = xstrdup(value);
		a->v[i].from_port = from_port;
		return;
	}
	a->v = xreallocarray(a->v, a->n + 1, sizeof(*a->v));
	a->v[a->n].key = xstrdup(key);
	a->v[a->n].value = xstrdup(value);
	a->v[a->n].from_port = from_port;
	a->n++;
}

static void
attrs_feed(struct derive_attrs *a, const char *portstr, const char *key,
    const char *value)
{
	const struct derive_attr_key *row;
	char lower[256];
	const char *rest, *us;
	size_t n, seg;

	if (!str_has_prefix(key, "SERVICE_"))
		return;
	rest = key + strlen("SERVICE_");
	n = strlen(rest);
	if (n == 0 || n >= sizeof(lower))
		return;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)rest[i]);
	us = strchr(lower, '_');
	seg = us != NULL ? (size_t)(us - lower) : n;
	for (size_t i = 0; i < seg; i++)
		if (!isdigit((unsigned char)lower[i]))
			seg = 0;
	if (seg > 0 && us != NULL) {
		/* SERVICE_<port>_<key>: for that port only, as text. */
		if (us[1] == '\0' || strlen(portstr) != seg
		    || strncmp(lower, portstr, seg) != 0)
			return;
		row = derive_attr_key(us + 1);
		if (row != NULL && !row->port_form)
			return;
		attrs_set(a, us + 1, value, true);
		return;
	}
	attrs_set(a, lower, value, false);
}

void
derive_attrs_for_port(const struct container *c, uint16_t port,
    struct derive_attrs *a)
{
	char portstr[8];

	a->v = NULL;
	a->n = 0;
	(void)snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	/* Env first, then labels: the later source wins. */
	for (size_t i = 0; i < c->nenv; i++)
		attrs_feed(a, portstr, c->env[i].key, c->env[i].value);
	for (size_t i = 0; i < c->nlabels; i++)
		attrs_feed(a, portstr, c->labels[i].key, c->labels[i].value);
}

void
derive_attrs_clear(struct derive_attrs *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].key);
		free(a->v[i].value);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

const struct derive_attr *
derive_attr_find(const struct derive_attrs *a, const char *key)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].key, key) == 0)
			return &a->v[i];
	return NULL;
}

const char *
derive_attr(const struct derive_attrs *a, const char *key)
{
	const struct derive_attr *at = derive_attr_find(a, key);

	return at != NULL && at->value[0] != '\0' ? at->value : NULL;
}

/* "SERVICE_80_CHECK_HTTP" or "SERVICE_CHECK_HTTP", for warnings. */
const char *
derive_key_name(char *out, size_t outlen, const struct derive_attrs *a,
    const char *key, uint16_t port)
{
	const struct derive_attr *at = derive_attr_find(a, key);
	size_t o;

	if (at != NULL && at->from_port)
		(void)snprintf(out, outlen, "SERVICE_%u_", (unsigned)port);
	else
		(void)snprintf(out, outlen, "SERVICE_");
	o = strlen(out);
	for (size_t i = 0; key[i] != '\0' && o + 1 < outlen; i++)
		out[o++] = (char)toupper((unsigned char)key[i]);
	out[o] = '\0';
	return out;
}
