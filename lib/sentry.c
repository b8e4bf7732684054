/* SPDX-License-Identifier: MIT */
/*
 * The pure half of the Sentry client: it parses the DSN, builds events
 * that stay within Sentry's documented size limits, frames them into
 * envelopes and reads rate-limit headers.  Nothing here does I/O or logs
 * (except getrandom for event ids); the transport in sentry_transport.c
 * puts these pieces on the event loop.  Size limits cut text, never the
 * JSON structure: the longest strings are shortened until a part fits,
 * and a part that cannot fit that way is refused as a whole.
 */
#include <sys/random.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sentry.h"
#include "str.h"
#include "xmalloc.h"

#define SENTRY_ATTR_MAX 200 /* release, environment, ... */
#define SENTRY_SHRINK_FLOOR 16 /* strings are never cut below this */
#define SENTRY_CUT_MARK " [...]"

struct sentry_event {
	cJSON *root;
	char id[33];
	enum sentry_category category;
};

static void
sentry_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		str_copy(err, msg, errlen);
}

/*
 * DSN.  The error messages never quote the DSN: it holds the key.
 */
static bool
dsn_has_bad_bytes(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#')
			return true;
	}
	return false;
}

int
sentry_dsn_parse(const char *s, struct sentry_dsn *dsn, char *err,
    size_t errlen)
{
	struct sentry_dsn d = { 0 };
	const char *p, *at, *auth_end, *slash, *colon, *hostend, *last;
	size_t pathlen;
	long long port;
	int ret = -1;

	if (s == NULL || *s == '\0') {
		sentry_err(err, errlen, "sentry dsn: empty");
		goto out;
	}
	if (dsn_has_bad_bytes(s)) {
		sentry_err(err, errlen,
		    "sentry dsn: contains spaces, control "
		    "characters, '?' or '#'");
		goto out;
	}
	if (str_has_prefix(s, "https://")) {
		d.scheme = xstrdup("https");
		p = s + strlen("https://");
	} else if (str_has_prefix(s, "http://")) {
		d.scheme = xstrdup("http");
		p = s + strlen("http://");
	} else {
		sentry_err(err, errlen,
		    "sentry dsn: scheme must be http:// or "
		    "https://");
		goto out;
	}
	auth_end = strchr(p, '/');
	if (auth_end == NULL) {
		sentry_err(err, errlen, "sentry dsn: missing /PROJECT_ID");
		goto out;
	}
	at = NULL;
	for (const char *q = p; q < auth_end; q++)
		if (*q == '@')
			at = q;
	if (at != NULL && memchr(p, '@', (size_t)(at - p)) != NULL) {
		sentry_err(err, errlen, "sentry dsn: more than one '@'");
		goto out;
	}
	if (at == NULL || at == p) {
		sentry_err(err, errlen,
		    "sentry dsn: missing public key "
		    "(expected scheme://KEY@HOST/PROJECT_ID)");
		goto out;
	}
	colon = memchr(p, ':', (size_t)(at - p));
	if (colon == p) {
		sentry_err(err, errlen, "sentry dsn: empty public key");
		goto out;
	}
	if (colon != NULL) {
		d.public_key = xstrndup(p, (size_t)(colon - p));
		if (at - colon > 1)
			d.secret_key
			    = xstrndup(colon + 1, (size_t)(at - colon - 1));
	} else
		d.public_key = xstrndup(p, (size_t)(at - p));

	/* Host, with IPv6 in brackets, then an optional port. */
	p = at + 1;
	if (p == auth_end) {
		sentry_err(err, errlen, "sentry dsn: missing host");
		goto out;
	}
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(auth_end - p));

		if (rb == NULL || rb == p + 1) {
			sentry_err(err, errlen, "sentry dsn: bad IPv6 host");
			goto out;
		}
		hostend = rb + 1;
	} else {
		hostend = memchr(p, ':', (size_t)(auth_end - p));
		if (hostend == NULL)
			hostend = auth_end;
	}
	if (hostend == p) {
		sentry_err(err, errlen, "sentry dsn: missing host");
		goto out;
	}
	if (memchr(p, '@', (size_t)(hostend - p)) != NULL) {
		sentry_err(err, errlen, "sentry dsn: bad host");
		goto out;
	}
	d.host = xstrndup(p, (size_t)(hostend - p));
	if (hostend != auth_end) {
		if (*hostend != ':' || hostend + 1 == auth_end) {
			sentry_err(err, errlen, "sentry dsn: bad port");
			goto out;
		}
		d.port
		    = xstrndup(hostend + 1, (size_t)(auth_end - hostend - 1));
		if (str_to_ll(d.port, 1, 65535, &port) == -1) {
			sentry_err(err, errlen,
			    "sentry dsn: port must be a "
			    "number from 1 to 65535");
			goto out;
		}
	}

	/* Path: the last segment is the project id, the rest a prefix. */
	pathlen = strlen(auth_end);
	while (pathlen > 1 && auth_end[pathlen - 1] == '/')
		pathlen--;
	last = NULL;
	for (slash = auth_end; slash < auth_end + pathlen; slash++)
		if (*slash == '/')
			last = slash;
	if (last == NULL || last + 1 >= auth_end + pathlen) {
		sentry_err(err, errlen,
		    "sentry dsn: missing project id "
		    "(expected scheme://KEY@HOST/PROJECT_ID)");
		goto out;
	}
	d.project_id
	    = xstrndup(last + 1, (size_t)(auth_end + pathlen - last - 1));
	d.path = xstrndup(auth_end, (size_t)(last - auth_end));
	if (strstr(d.path, "//") != NULL
	    || (d.path[0] != '\0' && d.path[strlen(d.path) - 1] == '/')) {
		sentry_err(err, errlen, "sentry dsn: empty path segment");
		goto out;
	}
	d.envelope_url = xasprintf("%s://%s%s%s%s/api/%s/envelope/", d.scheme,
	    d.host, d.port != NULL ? ":" : "", d.port != NULL ? d.port : "",
	    d.path, d.project_id);
	d.dsn = xstrdup(s);
	*dsn = d;
	memset(&d, 0, sizeof(d));
	ret = 0;
out:
	sentry_dsn_clear(&d);
	return ret;
}

static void
sentry_wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
sentry_dsn_clear(struct sentry_dsn *dsn)
{
	sentry_wipe_free(dsn->public_key);
	sentry_wipe_free(dsn->secret_key);
	sentry_wipe_free(dsn->dsn);
	free(dsn->scheme);
	free(dsn->host);
	free(dsn->port);
	free(dsn->path);
	free(dsn->project_id);
	free(dsn->envelope_url);
	memset(dsn, 0, sizeof(*dsn));
}

int
sentry_auth_header(const struct sentry_dsn *dsn, const char *client,
    struct buf *out)
{
	if (buf_addf(out,
		"Sentry sentry_version=7, sentry_client=%s, "
		"sentry_key=%s",
		client, dsn->public_key)
	    == -1)
		return -1;
	if (dsn->secret_key != NULL
	    && buf_addf(out, ", sentry_secret=%s", dsn->secret_key) == -1)
		return -1;
	return 0;
}

/*
 * UTF-8.  Container output is arbitrary bytes, but the event must be
 * valid JSON, which means valid UTF-8: bad sequences become U+FFFD.
 */
static size_t
utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned int cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff
	    || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Copies s as valid UTF-8 of at most max bytes, cut on a character
 * boundary; with oneline, CR and LF become spaces.
 */
static char *
utf8_clean(const char *s, size_t max, bool oneline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, o = 0;
	char *out;

	out = xmalloc(len * 3 + 1);
	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);

		if (n == 0) {
			if (o + 3 > max)
				break;
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		if (o + n > max)
			break;
		memcpy(out + o, p + i, n);
		if (oneline && n == 1 && (p[i] == '\n' || p[i] == '\r'))
			out[o] = ' ';
		o += n;
		i += n;
	}
	out[o] = '\0';
	return out;
}

static void
json_set_string(cJSON *obj, const char *key, const char *value, size_t max,
    bool oneline)
{
	char *clean;

	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	if (value == NULL)
		return;
	clean = utf8_clean(value, max, oneline);
	cJSON_AddItemToObject(obj, key, cJSON_CreateString(clean));
	free(clean);
}

/* Replaces *sp (owned by cJSON) with a valid UTF-8 copy if it needs one. */
static void
json_clean_string(char **sp, bool owned)
{
	char *c = utf8_clean(*sp, strlen(*sp), false);
	size_t n = strlen(c) + 1;

	if (strcmp(c, *sp) != 0 || !owned) {
		if (owned)
			cJSON_free(*sp);
		*sp = cJSON_malloc(n);
		memcpy(*sp, c, n);
	}
	free(c);
}

/* Cleans every string, keys included, of a caller's JSON tree. */
static void
json_clean_tree(cJSON *item)
{
	cJSON *child;

	if (item->string != NULL) {
		json_clean_string(&item->string,
		    (item->type & cJSON_StringIsConst) == 0);
		item->type &= ~cJSON_StringIsConst;
	}
	if (cJSON_IsString(item) && item->valuestring != NULL)
		json_clean_string(&item->valuestring, true);
	for (child = item->child; child != NULL; child = child->next)
		json_clean_tree(child);
}

static size_t
json_size(const cJSON *item)
{
	char *s;
	size_t n;

	s = cJSON_PrintUnformatted(item);
	if (s == NULL)
		return SIZE_MAX;
	n = strlen(s);
	cJSON_free(s);
	return n;
}

static cJSON *
json_longest_string(cJSON *item, cJSON *best)
{
	cJSON *child;

	if (cJSON_IsString(item) && item->valuestring != NULL
	    && (best == NULL
		|| strlen(item->valuestring) > strlen(best->valuestring)))
		best = item;
	for (child = item->child; child != NULL; child = child->next)
		best = json_longest_string(child, best);
	return best;
}

/* Bytes of c once escaped in a JSON string, as cJSON prints it. */
static size_t
json_escaped_len(unsigned char c)
{
	if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n'
	    || c == '\r' || c == '\t')
		return 2;
	return c < 0x20 ? 6 : 1;
}

/*
 * Shortens s in place so that, escaped, it takes at most budget bytes
 * mark included, cut on a UTF-8 boundary; never below the floor.
 */
static void
cut_string(char *s, size_t budget)
{
	size_t mark = strlen(SENTRY_CUT_MARK), n = 0, used = 0;

	if (budget < SENTRY_SHRINK_FLOOR)
		budget = SENTRY_SHRINK_FLOOR;
	while (s[n] != '\0'
	    && used + json_escaped_len((unsigned char)s[n]) + mark <= budget)
		used += json_escaped_len((unsigned char)s[n++]);
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(s + n, SENTRY_CUT_MARK, mark + 1);
}

/*
 * Cuts the longest strings of item until its compact serialisation is at
 * most max bytes.  Returns 0, or -1 when only short strings are left.
 */
static int
json_fit(cJSON *item, size_t max)
{
	size_t size;

	while ((size = json_size(item)) > max) {
		cJSON *s = json_longest_string(item, NULL);
		size_t len, esc = 0;

		if (s == NULL || size == SIZE_MAX)
			return -1;
		len = strlen(s->valuestring);
		if (len <= SENTRY_SHRINK_FLOOR)
			return -1;
		for (size_t i = 0; i < len; i++)
			esc += json_escaped_len(
			    (unsigned char)s->valuestring[i]);
		cut_string(s->valuestring,
		    esc > size - max ? esc - (size - max) : 0);
		if (strlen(s->valuestring) >= len)
			return -1;
	}
	return 0;
}

/*
 * Events.
 */
static const char *const sentry_level_names[] = {
	[SENTRY_LEVEL_FATAL] = "fatal",
	[SENTRY_LEVEL_ERROR] = "error",
	[SENTRY_LEVEL_WARNING] = "warning",
	[SENTRY_LEVEL_INFO] = "info",
	[SENTRY_LEVEL_DEBUG] = "debug",
};

static void
sentry_event_make_id(char id[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[16];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n == -1 && errno == EINTR)
			continue;
		/* Only ENOSYS or EFAULT are left: a broken system. */
		if (n == -1)
			fatal("getrandom");
		got += (size_t)n;
	}
	raw[6] = (raw[6] & 0x0f) | 0x40; /* UUID version 4 */
	raw[8] = (raw[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	for (size_t i = 0; i < sizeof(raw); i++) {
		id[2 * i] = hex[raw[i] >> 4];
		id[2 * i + 1] = hex[raw[i] & 0xf];
	}
	id[32] = '\0';
}

/* RFC 3339 in UTC with milliseconds, as the envelope's sent_at wants. */
static void
sentry_rfc3339(int64_t unix_ms, char *out, size_t outlen)
{
	time_t secs = (time_t)(unix_ms / 1000);
	struct tm tm;
	char date[32];

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, outlen, "%s.%03dZ", date, (int)(unix_ms % 1000));
}

static int64_t
sentry_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sentry_event *
sentry_event_new(enum sentry_level level, const char *logger,
    const char *message)
{
	struct sentry_event *ev;
	char ts[40];
	cJSON *entry;

	ev = xcalloc(1, sizeof(*ev));
	sentry_event_make_id(ev->id);
	ev->category = SENTRY_CATEGORY_DEFAULT;
	ev->root = cJSON_CreateObject();
	sentry_rfc3339(sentry_wall_ms(), ts, sizeof(ts));
	cJSON_AddStringToObject(ev->root, "event_id", ev->id);
	cJSON_AddStringToObject(ev->root, "timestamp", ts);
	cJSON_AddStringToObject(ev->root, "platform", "other");
	cJSON_AddStringToObject(ev->root, "level", sentry_level_names[level]);
	if (logger != NULL)
		json_set_string(ev->root, "logger", logger, SENTRY_ATTR_MAX,
		    true);
	if (message != NULL) {
		entry = cJSON_AddObjectToObject(ev->root, "logentry");
		json_set_string(entry, "formatted", message, SENTRY_MESSAGE_MAX,
		    false);
	}
	return ev;
}

void
sentry_event_free(struct sentry_event *ev)
{
	if (ev == NULL)
		return;
	cJSON_Delete(ev->root);
	free(ev);
}

const char *
sentry_event_id(const struct sentry_event *ev)
{
	return ev->id;
}

enum sentry_category
sentry_event_category(const struct sentry_event *ev)
{
	return ev->category;
}

void
sentry_event_set_server_name(struct sentry_event *ev, const char *v)
{
	json_set_string(ev->root, "server_name", v, SENTRY_ATTR_MAX, true);
}

void
sentry_event_set_release(struct sentry_event *ev, const char *v)
{
	json_set_string(ev->root, "release", v, SENTRY_ATTR_MAX, true);
}

void
sentry_event_set_environment(struct sentry_event *ev, const char *v)
{
	json_set_string(ev->root, "environment", v, SENTRY_ATTR_MAX, true);
}

void
sentry_event_set_timestamp(struct sentry_event *ev, double unix_s)
{
	cJSON_DeleteItemFromObjectCaseSensitive(ev->root, "timestamp");
	cJSON_AddNumberToObject(ev->root, "timestamp", unix_s);
}

void
sentry_event_set_exception(struct sentry_event *ev, const char *type,
    const char *value, const char *mechanism_type, bool handled)
{
	cJSON *exc, *values, *v, *mech;

	cJSON_DeleteItemFromObjectCaseSensitive(ev->root, "exception");
	exc = cJSON_AddObjectToObject(ev->root, "exception");
	values = cJSON_AddArrayToObject(exc, "values");
	v = cJSON_CreateObject();
	json_set_string(v, "type", type, SENTRY_ATTR_MAX, true);
	json_set_string(v, "value", value, SENTRY_MESSAGE_MAX, false);
	if (mechanism_type != NULL) {
		mech = cJSON_AddObjectToObject(v, "mechanism");
		json_set_string(mech, "type", mechanism_type, SENTRY_ATTR_MAX,
		    true);
		cJSON_AddBoolToObject(mech, "handled", handled);
	}
	cJSON_AddItemToArray(values, v);
	ev->category = SENTRY_CATEGORY_ERROR;
}

static cJSON *
sentry_event_member(struct sentry_event *ev, const char *name, bool array)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(ev->root, name);

	if (m == NULL)
		m = array ? cJSON_AddArrayToObject(ev->root, name)
			  : cJSON_AddObjectToObject(ev->root, name);
	return m;
}

int
sentry_event_set_tag(struct sentry_event *ev, const char *key,
    const char *value)
{
	char k[SENTRY_TAG_KEY_MAX + 1];
	size_t i;

	if (key == NULL || *key == '\0' || value == NULL)
		return -1;
	for (i = 0; key[i] != '\0' && i < SENTRY_TAG_KEY_MAX; i++) {
		char c = key[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		    || (c >= '0' && c <= '9') || c == '_' || c == '.'
		    || c == ':' || c == '-')
			k[i] = c;
		else
			k[i] = '_';
	}
	k[i] = '\0';
	json_set_string(sentry_event_member(ev, "tags", false), k, value,
	    SENTRY_TAG_VALUE_MAX, true);
	return 0;
}

void
sentry_event_add_fingerprint(struct sentry_event *ev, const char *part)
{
	char *clean = utf8_clean(part, SENTRY_ATTR_MAX, true);

	cJSON_AddItemToArray(sentry_event_member(ev, "fingerprint", true),
	    cJSON_CreateString(clean));
	free(clean);
}

static int
sentry_event_put(cJSON *parent, const char *key, cJSON *value, size_t max,
    const char *what, char *err, size_t errlen)
{
	char msg[SENTRY_ERR_MAX];
	char *k;

	json_clean_tree(value);
	if (json_fit(value, max) == -1) {
		snprintf(msg, sizeof(msg),
		    "sentry event: %s does not fit in "
		    "%zu bytes",
		    what, max);
		sentry_err(err, errlen, msg);
		cJSON_Delete(value);
		return -1;
	}
	k = utf8_clean(key, SENTRY_ATTR_MAX, true);
	cJSON_DeleteItemFromObjectCaseSensitive(parent, k);
	cJSON_AddItemToObject(parent, k, value);
	free(k);
	return 0;
}

int
sentry_event_set_context(struct sentry_event *ev, const char *name, cJSON *obj,
    char *err, size_t errlen)
{
	if (!cJSON_IsObject(obj)) {
		sentry_err(err, errlen,
		    "sentry event: a context must be a "
		    "JSON object");
		cJSON_Delete(obj);
		return -1;
	}
	return sentry_event_put(sentry_event_member(ev, "contexts", false),
	    name, obj, SENTRY_CONTEXT_MAX, "context", err, errlen);
}

int
sentry_event_set_extra(struct sentry_event *ev, const char *key, cJSON *value,
    char *err, size_t errlen)
{
	cJSON *extra = sentry_event_member(ev, "extra", false);
	char *k;

	if (sentry_event_put(extra, key, value, SENTRY_EXTRA_ITEM_MAX,
		"extra item", err, errlen)
	    == -1)
		return -1;
	if (json_size(extra) > SENTRY_EXTRA_MAX) {
		k = utf8_clean(key, SENTRY_ATTR_MAX, true);
		cJSON_DeleteItemFromObjectCaseSensitive(extra, k);
		free(k);
		sentry_err(err, errlen,
		    "sentry event: extra would exceed "
		    "256 kB");
		return -1;
	}
	return 0;
}

int
sentry_event_serialize(const struct sentry_event *ev, struct buf *out,
    char *err, size_t errlen)
{
	cJSON *copy = NULL;
	char *s = NULL;
	int ret = -1;

	buf_reset(out);
	s = cJSON_PrintUnformatted(ev->root);
	if (s != NULL && strlen(s) > SENTRY_EVENT_MAX) {
		cJSON_free(s);
		s = NULL;
		copy = cJSON_Duplicate(ev->root, true);
		if (copy == NULL || json_fit(copy, SENTRY_EVENT_MAX) == -1) {
			sentry_err(err, errlen,
			    "sentry event: does not fit "
			    "in 1 MiB");
			goto out;
		}
		s = cJSON_PrintUnformatted(copy);
	}
	if (s == NULL) {
		sentry_err(err, errlen, "sentry event: cannot serialise");
		goto out;
	}
	if (buf_addstr(out, s) == -1) {
		sentry_err(err, errlen, "sentry event: larger than the buffer");
		goto out;
	}
	ret = 0;
out:
	if (s != NULL)
		cJSON_free(s);
	cJSON_Delete(copy);
	return ret;
}

int
sentry_envelope(const char *event_id, const char *dsn, int64_t sent_at_ms,
    const char *payload, size_t payload_len, struct buf *out, char *err,
    size_t errlen)
{
	cJSON *hdr, *dsn_item;
	char ts[40], *line = NULL;
	int ret = -1;

	buf_reset(out);
	sentry_rfc3339(sent_at_ms, ts, sizeof(ts));
	hdr = cJSON_CreateObject();
	cJSON_AddStringToObject(hdr, "event_id", event_id);
	if (dsn != NULL)
		cJSON_AddStringToObject(hdr, "dsn", dsn);
	cJSON_AddStringToObject(hdr, "sent_at", ts);
	line = cJSON_PrintUnformatted(hdr);
	if (line == NULL) {
		sentry_err(err, errlen, "sentry envelope: cannot serialise");
		goto out;
	}
	if (buf_addstr(out, line) == -1 || buf_addc(out, '\n') == -1
	    || buf_addf(out, "{\"type\":\"event\",\"length\":%zu}\n",
		   payload_len)
		== -1
	    || buf_add(out, payload, payload_len) == -1
	    || buf_addc(out, '\n') == -1) {
		buf_reset(out);
		sentry_err(err, errlen,
		    "sentry envelope: larger than the "
		    "buffer");
		goto out;
	}
	ret = 0;
out:
	/* Both the line and the tree hold the DSN, hence the key. */
	if (line != NULL) {
		explicit_bzero(line, strlen(line));
		cJSON_free(line);
	}
	dsn_item = cJSON_GetObjectItemCaseSensitive(hdr, "dsn");
	if (cJSON_IsString(dsn_item))
		explicit_bzero(dsn_item->valuestring,
		    strlen(dsn_item->valuestring));
	cJSON_Delete(hdr);
	return ret;
}

/*
 * Rate limits.
 */
static void
sentry_limits_apply(struct sentry_limits *limits, enum sentry_category cat,
    uint64_t until_ms)
{
	if (until_ms > limits->until_ms[cat])
		limits->until_ms[cat] = until_ms;
}

/* Seconds as an integer or a decimal fraction, into milliseconds. */
static int
sentry_parse_seconds(const char *s, size_t len, uint64_t *ms)
{
	char tmp[32];

	if (len == 0 || len + 2 > sizeof(tmp))
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((s[i] < '0' || s[i] > '9') && s[i] != '.')
			return -1;
	memcpy(tmp, s, len);
	tmp[len] = 's';
	tmp[len + 1] = '\0';
	return str_to_ms(tmp, 0, ms);
}

/* One quota, "retry_after:categories:scope:reason:...", trimmed. */
static bool
sentry_quota_apply(struct sentry_limits *limits, const char *q, size_t len,
    uint64_t now_ms)
{
	const char *colon, *cats, *end, *p;
	bool known[SENTRY_CATEGORY_MAX] = { false };
	bool any = false;
	uint64_t ms;

	colon = memchr(q, ':', len);
	if (colon == NULL)
		colon = q + len;
	if (sentry_parse_seconds(q, (size_t)(colon - q), &ms) == -1)
		return false;
	cats = colon < q + len ? colon + 1 : q + len;
	end = memchr(cats, ':', (size_t)(q + len - cats));
	if (end == NULL)
		end = q + len;
	if (cats == end) {
		sentry_limits_apply(limits, SENTRY_CATEGORY_ALL, now_ms + ms);
		return true;
	}
	for (p = cats; p < end;) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		size_t n;

		if (semi == NULL)
			semi = end;
		n = (size_t)(semi - p);
		if (n == strlen("default") && memcmp(p, "default", n) == 0)
			known[SENTRY_CATEGORY_DEFAULT] = true;
		else if (n == strlen("error") && memcmp(p, "error", n) == 0)
			known[SENTRY_CATEGORY_ERROR] = true;
		p = semi + 1;
	}
	for (int c = SENTRY_CATEGORY_DEFAULT; c < SENTRY_CATEGORY_MAX; c++) {
		if (known[c]) {
			sentry_limits_apply(limits, (enum sentry_category)c,
			    now_ms + ms);
			any = true;
		}
	}
	return any;
}

bool
sentry_limits_update(struct sentry_limits *limits, long status,
    const char *rate_limits, const char *retry_after, uint64_t now_ms)
{
	bool applied = false;
	uint64_t ms;

	if (rate_limits != NULL
	    && rate_limits[strspn(rate_limits, " \t")] != '\0') {
		const char *p = rate_limits;

		while (*p != '\0') {
			const char *comma = strchr(p, ',');
			const char *e;

			if (comma == NULL)
				comma = p + strlen(p);
			while (p < comma && (*p == ' ' || *p == '\t'))
				p++;
			e = comma;
			while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			if (e > p
			    && sentry_quota_apply(limits, p, (size_t)(e - p),
				now_ms))
				applied = true;
			p = *comma == ',' ? comma + 1 : comma;
		}
		return applied;
	}
	if (status != 429)
		return false;
	ms = SENTRY_RATE_LIMIT_DEFAULT_MS;
	if (retry_after != NULL) {
		const char *p = retry_after + strspn(retry_after, " \t");
		size_t n = strcspn(p, " \t");

		if (sentry_parse_seconds(p, n, &ms) == -1)
			ms = SENTRY_RATE_LIMIT_DEFAULT_MS;
	}
	sentry_limits_apply(limits, SENTRY_CATEGORY_ALL, now_ms + ms);
	return true;
}

uint64_t
sentry_limits_until(const struct sentry_limits *limits,
    enum sentry_category cat, uint64_t now_ms)
{
	uint64_t u = limits->until_ms[SENTRY_CATEGORY_ALL];

	if (limits->until_ms[cat] > u)
		u = limits->until_ms[cat];
	return u > now_ms ? u : 0;
}

char *
sentry_truncate_tail(const char *text, size_t max)
{
	size_t len = strlen(text), keep, start, nl;
	char mark[64];
	char *out;
	int mlen;

	if (len <= max)
		return xstrdup(text);
	/* The mark's length is bounded by the one for len bytes cut. */
	mlen = snprintf(mark, sizeof(mark), "[... %zu bytes cut]\n", len);
	if ((size_t)mlen >= max)
		mlen = 0;
	keep = max - (size_t)mlen;
	start = len - keep;
	while (start < len && ((unsigned char)text[start] & 0xc0) == 0x80)
		start++;
	/* Start on a whole line when one begins in the first quarter. */
	for (nl = start; nl < len && nl - start < keep / 4; nl++) {
		if (text[nl] == '\n') {
			start = nl + 1;
			break;
		}
	}
	if (mlen > 0)
		mlen = snprintf(mark, sizeof(mark), "[... %zu bytes cut]\n",
		    start);
	out = xmalloc((size_t)mlen + (len - start) + 1);
	memcpy(out, mark, (size_t)mlen);
	memcpy(out + mlen, text + start, len - start + 1);
	return out;
}
