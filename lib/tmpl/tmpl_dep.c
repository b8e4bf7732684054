/* SPDX-License-Identifier: MIT */
/*
 * Dependency strings: consul-template's query grammar for service, key,
 * ls/tree, services, node and nodes arguments, the canonical strings
 * the engine records (its dependency.String() forms, which key the
 * caller's data), and the Consul HTTP request behind each of them, so
 * the watcher issues exactly the blocking query consul-template would;
 * and the list of dependencies an execution hands back (struct
 * tmpl_deps).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "tmpl_int.h"

static bool
is_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
	    || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
all_in(const char *s, size_t n, const char *extra)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_word(s[i]) && strchr(extra, s[i]) == NULL)
			return false;
	return true;
}

static int
copy_part(char *dst, const char *s, size_t n)
{
	if (n > TMPL_DEP_MAX)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/*
 * Splits off a trailing "<c>value" part whose value matches chars; the
 * part must not contain any of the separators that come after it.
 */
static int
split_suffix(const char *s, size_t *len, char c, const char *chars, char *dst,
    bool empty_ok)
{
	const char *p;
	size_t n;

	p = memchr(s, c, *len);
	if (p == NULL)
		return 0;
	n = *len - (size_t)(p - s) - 1;
	if ((n == 0 && !empty_ok) || !all_in(p + 1, n, chars)
	    || copy_part(dst, p + 1, n) == -1)
		return -1;
	*len = (size_t)(p - s);
	return 0;
}

static const char *const filters_ok[]
    = { "any", "critical", "maintenance", "passing", "warning" };

static int
parse_filters(const char *f, char *out, size_t outlen, char *err, size_t errlen,
    const char *whole)
{
	/* Sorted, duplicates kept, as consul-template's sort.Strings. */
	unsigned seen[5] = { 0 };
	const char *p = f, *e;
	size_t n, i, k;
	bool any = false;

	while (*p != '\0') {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n > 0) {
			for (i = 0; i < 5; i++)
				if (strlen(filters_ok[i]) == n
				    && memcmp(filters_ok[i], p, n) == 0)
					break;
			if (i == 5) {
				snprintf(err, errlen,
				    "health.service: invalid "
				    "filter: \"%.*s\" in \"%s\"",
				    (int)n, p, whole);
				return -1;
			}
			seen[i]++;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	out[0] = '\0';
	for (i = 0; i < 5; i++)
		for (k = 0; k < seen[i]; k++) {
			if (any)
				str_copy(out + strlen(out), ",",
				    outlen - strlen(out));
			str_copy(out + strlen(out), filters_ok[i],
			    outlen - strlen(out));
			any = true;
		}
	return 0;
}

/* Allowed query keys: ns, partition, peer, sameness-group. */
static int
check_query(const char *q, char *err, size_t errlen, const char *what)
{
	const char *p = q, *e, *eq;
	size_t n;

	while (*p != '\0') {
		e = strchr(p, '&');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		eq = memchr(p, '=', n);
		if (eq != NULL)
			n = (size_t)(eq - p);
		if (!((n == 2 && memcmp(p, "ns", 2) == 0)
			|| (n == 9 && memcmp(p, "partition", 9) == 0)
			|| (n == 4 && memcmp(p, "peer", 4) == 0)
			|| (n == 14 && memcmp(p, "sameness-group", 14) == 0))) {
			snprintf(err, errlen,
			    "%s: invalid query parameter: "
			    "\"%.*s\" (supported: ns,partition,peer,"
			    "sameness-group)",
			    what, (int)n, p);
			return -1;
		}
		p = e != NULL ? e + 1 : p + strlen(p);
	}
	return 0;
}

int
tmpl_dep_parse(int kind, const char *s, struct tmpl_dep_query *q, char *canon,
    size_t canonlen, char *err, size_t errlen)
{
	static const char *const what[] = { "health.service", "health.connect",
		"kv.block", "kv.get", "kv.list", "catalog.services",
		"catalog.node", "catalog.nodes" };
	const char *dot;
	size_t len = strlen(s);
	char part[4 * TMPL_DEP_MAX + 16];
	bool hasf;

	/* Only the first bytes: the struct is large and this is hot. */
	q->name[0] = q->tag[0] = q->dc[0] = q->near[0] = q->query[0] = '\0';
	q->filters[0] = '\0';
	if (len > TMPL_DEP_MAX)
		goto out;
	switch (kind) {
	case DEP_SERVICE:
	case DEP_CONNECT:
		hasf = memchr(s, '|', len) != NULL;
		if (split_suffix(s, &len, '|', ",", part, false) == -1)
			goto out;
		if (hasf) {
			if (parse_filters(part, q->filters, sizeof(q->filters),
				err, errlen, s)
			    == -1)
				return -1;
		} else
			str_copy(q->filters, "passing", sizeof(q->filters));
		if (split_suffix(s, &len, '~', ".-", q->near, false) == -1
		    || split_suffix(s, &len, '@', ".-", q->dc, false) == -1
		    || split_suffix(s, &len, '?', "-=&", q->query, false) == -1)
			goto out;
		dot = NULL;
		for (size_t i = len; i > 0; i--)
			if (s[i - 1] == '.') {
				dot = s + i - 1;
				break;
			}
		if (dot != NULL) {
			if (dot == s || !all_in(s, (size_t)(dot - s), "=:.-")
			    || copy_part(q->tag, s, (size_t)(dot - s)) == -1)
				goto out;
			len -= (size_t)(dot - s) + 1;
			s = dot + 1;
		}
		if (len == 0 || !all_in(s, len, "-")
		    || copy_part(q->name, s, len) == -1)
			goto out;
		if (q->query[0] != '\0'
		    && check_query(q->query, err, errlen, what[kind]) == -1)
			return -1;
		snprintf(canon, canonlen, "%s(%s%s%s%s%s%s%s%s%s%s%s)",
		    what[kind], q->tag, q->tag[0] ? "." : "", q->name,
		    q->query[0] ? "?" : "", q->query, q->dc[0] ? "@" : "",
		    q->dc, q->near[0] ? "~" : "", q->near,
		    q->filters[0] ? "|" : "", q->filters);
		return 0;
	case DEP_KEY:
	case DEP_KEYGET:
	case DEP_LIST:
		if (len > 0 && s[0] == '/') {
			s++;
			len--;
		}
		if (split_suffix(s, &len, '@', ".-", q->dc, false) == -1
		    || split_suffix(s, &len, '?', "-=&", q->query, false) == -1)
			goto out;
		if ((len == 0 && kind != DEP_LIST)
		    || memchr(s, '@', len) != NULL
		    || copy_part(q->name, s, len) == -1)
			goto out;
		if (q->query[0] != '\0'
		    && check_query(q->query, err, errlen, what[kind]) == -1)
			return -1;
		snprintf(canon, canonlen, "%s(%s%s%s%s%s)", what[kind], q->name,
		    q->query[0] ? "?" : "", q->query, q->dc[0] ? "@" : "",
		    q->dc);
		return 0;
	case DEP_SERVICES:
	case DEP_NODE:
	case DEP_NODES:
		if ((kind == DEP_NODES
			&& split_suffix(s, &len, '~', ".-", q->near, false)
			    == -1)
		    || split_suffix(s, &len, '@', ".-", q->dc, false) == -1
		    || split_suffix(s, &len, '?', "-=&", q->query, false) == -1)
			goto out;
		if (kind != DEP_NODE && len > 0)
			goto out;
		if (!all_in(s, len, ".-") || copy_part(q->name, s, len) == -1)
			goto out;
		if (q->query[0] != '\0'
		    && check_query(q->query, err, errlen, what[kind]) == -1)
			return -1;
		snprintf(part, sizeof(part), "%s%s%s%s%s%s%s", q->name,
		    q->query[0] ? "?" : "", q->query, q->dc[0] ? "@" : "",
		    q->dc, q->near[0] ? "~" : "", q->near);
		if (part[0] == '\0')
			snprintf(canon, canonlen, "%s", what[kind]);
		else
			snprintf(canon, canonlen, "%s(%s)", what[kind], part);
		return 0;
	default:
		break;
	}
out:
	snprintf(err, errlen, "%s: invalid format: \"%s\"",
	    kind >= 0 && kind <= DEP_NODES ? what[kind] : "dependency", s);
	return -1;
}

static void
pct_encode(char *dst, size_t dstlen, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	unsigned char c;

	for (; *s != '\0' && o + 4 < dstlen; s++) {
		c = (unsigned char)*s;
		if (is_word((char)c) || c == '-' || c == '.' || c == '~'
		    || (keep_slash && c == '/'))
			dst[o++] = (char)c;
		else {
			dst[o++] = '%';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
}

/*
 * Appends k=v; returns -1 when the query would be cut (a request for
 * another key than the template asked for must never be sent).
 */
static int
add_param(struct tmpl_endpoint *ep, const char *k, const char *v)
{
	char enc[3 * TMPL_DEP_MAX + 8];
	size_t n = strlen(ep->query);
	int r;

	pct_encode(enc, sizeof(enc), v, false);
	r = snprintf(ep->query + n, sizeof(ep->query) - n, "%s%s%s%s",
	    n > 0 ? "&" : "", k,
	    v != NULL && (v[0] != '\0' || strcmp(k, "tag") == 0) ? "=" : "",
	    enc);
	if (r < 0 || (size_t)r >= sizeof(ep->query) - n) {
		ep->query[n] = '\0';
		return -1;
	}
	return 0;
}

/* Adds the raw "ns=x&partition=y" query of a dependency, re-encoded. */
static int
add_query(struct tmpl_endpoint *ep, const char *q)
{
	char key[TMPL_DEP_MAX + 1], val[TMPL_DEP_MAX + 1];
	const char *p = q, *e, *eq;
	size_t n, kn;

	while (*p != '\0') {
		e = strchr(p, '&');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		eq = memchr(p, '=', n);
		kn = eq != NULL ? (size_t)(eq - p) : n;
		memcpy(key, p, kn);
		key[kn] = '\0';
		if (eq != NULL) {
			memcpy(val, eq + 1, n - kn - 1);
			val[n - kn - 1] = '\0';
		} else
			val[0] = '\0';
		if (add_param(ep, key, val) == -1)
			return -1;
		p += n;
		if (*p == '&')
			p++;
	}
	return 0;
}

/*
 * The dependencies without a query grammar of their own: datacenters,
 * caRoots, caLeaf and peerings.  Returns 0 with ep filled, or -1 when dep
 * is not one of them.
 */
static int
fixed_endpoint(const char *dep, struct tmpl_endpoint *ep)
{
	char name[TMPL_DEP_MAX + 1], enc[3 * TMPL_DEP_MAX + 8];
	size_t len = strlen(dep);

	if (strcmp(dep, "catalog.datacenters") == 0)
		snprintf(ep->path, sizeof(ep->path), "/v1/catalog/datacenters");
	else if (strcmp(dep, "connect.caroots") == 0)
		snprintf(ep->path, sizeof(ep->path),
		    "/v1/agent/connect/ca/roots");
	else if (strcmp(dep, "list.peerings") == 0)
		snprintf(ep->path, sizeof(ep->path), "/v1/peerings");
	else if (str_has_prefix(dep, "connect.caleaf(") && len > 16
	    && len - 16 <= TMPL_DEP_MAX && dep[len - 1] == ')') {
		memcpy(name, dep + 15, len - 16);
		name[len - 16] = '\0';
		pct_encode(enc, sizeof(enc), name, false);
		snprintf(ep->path, sizeof(ep->path),
		    "/v1/agent/connect/ca/leaf/%s", enc);
	} else
		return -1;
	return 0;
}

int
tmpl_dep_endpoint(const char *dep, struct tmpl_endpoint *ep, char *err,
    size_t errlen)
{
	static const struct {
		const char *prefix;
		int kind;
	} forms[] = {
		{ "health.service(", DEP_SERVICE },
		{ "health.connect(", DEP_CONNECT },
		{ "kv.block(", DEP_KEY },
		{ "kv.get(", DEP_KEYGET },
		{ "kv.list(", DEP_LIST },
		{ "catalog.services(", DEP_SERVICES },
		{ "catalog.node(", DEP_NODE },
		{ "catalog.nodes(", DEP_NODES },
	};
	char inner[TMPL_DEP_MAX + 1], canon[2 * TMPL_DEP_MAX + 64];
	char enc[3 * TMPL_DEP_MAX + 8];
	struct tmpl_dep_query q;
	size_t i, len = strlen(dep), plen;
	int kind = -1, cut = 0;

	memset(ep, 0, sizeof(*ep));
	ep->consul = true;
	if (str_has_prefix(dep, "file(") && len > 6 && dep[len - 1] == ')') {
		ep->consul = false;
		return 0;
	}
	if (fixed_endpoint(dep, ep) == 0)
		return 0;
	if (strcmp(dep, "catalog.services") == 0) {
		kind = DEP_SERVICES;
		inner[0] = '\0';
	} else if (strcmp(dep, "catalog.node") == 0) {
		kind = DEP_NODE;
		inner[0] = '\0';
	} else if (strcmp(dep, "catalog.nodes") == 0) {
		kind = DEP_NODES;
		inner[0] = '\0';
	} else {
		for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
			plen = strlen(forms[i].prefix);
			if (str_has_prefix(dep, forms[i].prefix) && len > plen
			    && dep[len - 1] == ')'
			    && len - plen - 1 <= TMPL_DEP_MAX) {
				kind = forms[i].kind;
				memcpy(inner, dep + plen, len - plen - 1);
				inner[len - plen - 1] = '\0';
				break;
			}
		}
	}
	if (kind == -1) {
		snprintf(err, errlen, "unknown dependency \"%s\"", dep);
		return -1;
	}
	if (tmpl_dep_parse(kind, inner, &q, canon, sizeof(canon), err, errlen)
	    == -1)
		return -1;
	pct_encode(enc, sizeof(enc), q.name, true);
	switch (kind) {
	case DEP_SERVICE:
	case DEP_CONNECT:
		snprintf(ep->path, sizeof(ep->path), "/v1/health/%s/%s",
		    kind == DEP_SERVICE ? "service" : "connect", enc);
		if (q.dc[0] != '\0')
			cut |= add_param(ep, "dc", q.dc);
		if (q.near[0] != '\0')
			cut |= add_param(ep, "near", q.near);
		if (q.tag[0] != '\0')
			cut |= add_param(ep, "tag", q.tag);
		if (strcmp(q.filters, "passing") == 0)
			cut |= add_param(ep, "passing", "1");
		break;
	case DEP_KEY:
	case DEP_KEYGET:
	case DEP_LIST:
		snprintf(ep->path, sizeof(ep->path), "/v1/kv/%s", enc);
		if (q.dc[0] != '\0')
			cut |= add_param(ep, "dc", q.dc);
		if (kind == DEP_LIST)
			cut |= add_param(ep, "recurse", "");
		break;
	case DEP_SERVICES:
		snprintf(ep->path, sizeof(ep->path), "/v1/catalog/services");
		if (q.dc[0] != '\0')
			cut |= add_param(ep, "dc", q.dc);
		break;
	case DEP_NODE:
		snprintf(ep->path, sizeof(ep->path), "/v1/catalog/node/%s",
		    enc);
		ep->local_node = q.name[0] == '\0';
		if (q.dc[0] != '\0')
			cut |= add_param(ep, "dc", q.dc);
		break;
	default:
		snprintf(ep->path, sizeof(ep->path), "/v1/catalog/nodes");
		if (q.dc[0] != '\0')
			cut |= add_param(ep, "dc", q.dc);
		if (q.near[0] != '\0')
			cut |= add_param(ep, "near", q.near);
		break;
	}
	if (q.query[0] != '\0')
		cut |= add_query(ep, q.query);
	if (cut != 0) {
		snprintf(err, errlen,
		    "dependency \"%s\": query longer than %zu bytes", dep,
		    sizeof(ep->query) - 1);
		return -1;
	}
	return 0;
}

void
tmpl_deps_init(struct tmpl_deps *d)
{
	memset(d, 0, sizeof(*d));
}

void
tmpl_deps_clear(struct tmpl_deps *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->v[i].dep);
	free(d->v);
	free(d->refused);
	memset(d, 0, sizeof(*d));
}
