/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the pure half of lib/sentry.c: DSN parsing, the auth
 * header, events and their size limits, envelope framing, rate-limit
 * headers and log-tail truncation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "sentry.h"
#include "str.h"
#include "test.h"
#include "xmalloc.h"

#define KEY "f00dfeedc0ffee1234"

static void
test_dsn_ok(void)
{
	struct sentry_dsn d = { 0 };
	char err[SENTRY_ERR_MAX] = "";

	T_EQ_INT(sentry_dsn_parse("https://" KEY "@o1.ingest.sentry.io/42", &d,
		     err, sizeof(err)),
	    0);
	T_EQ_STR(d.scheme, "https");
	T_EQ_STR(d.public_key, KEY);
	T_NULL(d.secret_key);
	T_EQ_STR(d.host, "o1.ingest.sentry.io");
	T_NULL(d.port);
	T_EQ_STR(d.path, "");
	T_EQ_STR(d.project_id, "42");
	T_EQ_STR(d.envelope_url,
	    "https://o1.ingest.sentry.io/api/42/envelope/");
	sentry_dsn_clear(&d);
	T_NULL(d.public_key);

	T_EQ_INT(sentry_dsn_parse("http://" KEY ":s3cr3t@127.0.0.1:9000/"
				  "sentry/x/7/",
		     &d, err, sizeof(err)),
	    0);
	T_EQ_STR(d.secret_key, "s3cr3t");
	T_EQ_STR(d.port, "9000");
	T_EQ_STR(d.path, "/sentry/x");
	T_EQ_STR(d.project_id, "7");
	T_EQ_STR(d.envelope_url,
	    "http://127.0.0.1:9000/sentry/x/api/7/envelope/");
	sentry_dsn_clear(&d);

	/* An empty secret, as in envelopes.mdx's example, is no secret. */
	T_EQ_INT(sentry_dsn_parse("http://" KEY ":@[::1]:8080/3", &d, err,
		     sizeof(err)),
	    0);
	T_NULL(d.secret_key);
	T_EQ_STR(d.host, "[::1]");
	T_EQ_STR(d.envelope_url, "http://[::1]:8080/api/3/envelope/");
	sentry_dsn_clear(&d);
}

static void
test_dsn_bad(void)
{
	static const char *bad[] = {
		"",
		"ftp://" KEY "@h/1",
		"https//" KEY "@h/1",
		"http://h/1",
		"http://@h/1",
		"http://:x@h/1",
		"http://" KEY "@/1",
		"http://" KEY "@h",
		"http://" KEY "@h/",
		"http://" KEY "@h:/1",
		"http://" KEY "@h:abc/1",
		"http://" KEY "@h:0/1",
		"http://" KEY "@h:70000/1",
		"http://" KEY "@h/1?x=1",
		"http://" KEY "@h/a//1",
		"http://" KEY " @h/1",
		"http://" KEY "@[::1/1",
		"http://" KEY "@h@i/1",
	};
	struct sentry_dsn d = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[SENTRY_ERR_MAX] = "";

		T_CHECK(sentry_dsn_parse(bad[i], &d, err, sizeof(err)) == -1,
		    "accepted bad DSN #%zu", i);
		T_CHECK(err[0] != '\0', "no error for DSN #%zu", i);
		T_CHECK(strstr(err, KEY) == NULL, "key in error: %s", err);
		T_CHECK(strstr(err, "sentry dsn:") == err, "error: %s", err);
		T_NULL(d.public_key);
	}
}

static void
test_auth(void)
{
	struct sentry_dsn d = { 0 };
	struct buf b = BUF_INITIALIZER(512);

	T_EQ_INT(sentry_dsn_parse("http://" KEY "@h/1", &d, NULL, 0), 0);
	T_EQ_INT(sentry_auth_header(&d, "registrator/0.1.0", &b), 0);
	T_EQ_STR(buf_str(&b),
	    "Sentry sentry_version=7, sentry_client="
	    "registrator/0.1.0, sentry_key=" KEY);
	sentry_dsn_clear(&d);
	buf_reset(&b);
	T_EQ_INT(sentry_dsn_parse("http://" KEY ":pw@h/1", &d, NULL, 0), 0);
	T_EQ_INT(sentry_auth_header(&d, "t/1", &b), 0);
	T_EQ_STR(buf_str(&b),
	    "Sentry sentry_version=7, sentry_client=t/1, "
	    "sentry_key=" KEY ", sentry_secret=pw");
	sentry_dsn_clear(&d);
	buf_clear(&b);
}

static cJSON *
event_json(const struct sentry_event *ev, size_t *lenp)
{
	struct buf b = BUF_INITIALIZER(SENTRY_EVENT_MAX);
	char err[SENTRY_ERR_MAX];
	cJSON *j = NULL;

	if (sentry_event_serialize(ev, &b, err, sizeof(err)) == 0) {
		j = cJSON_ParseWithLength(buf_str(&b), b.len);
		if (lenp != NULL)
			*lenp = b.len;
	}
	buf_clear(&b);
	return j;
}

static const char *
jstr(const cJSON *obj, const char *path1, const char *path2)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, path1);

	if (path2 != NULL)
		o = cJSON_GetObjectItemCaseSensitive(o, path2);
	return cJSON_IsString(o) ? o->valuestring : NULL;
}

static bool
is_hex32(const char *s)
{
	if (s == NULL || strlen(s) != 32)
		return false;
	return strspn(s, "0123456789abcdef") == 32;
}

static void
test_event_basics(void)
{
	struct sentry_event *ev, *ev2;
	const char *ts;
	cJSON *j, *fp;

	ev = sentry_event_new(SENTRY_LEVEL_ERROR, "registrator.crash",
	    "container web-1 exited 3\n");
	ev2 = sentry_event_new(SENTRY_LEVEL_WARNING, NULL, NULL);
	T_ASSERT(is_hex32(sentry_event_id(ev)));
	T_EQ_INT(sentry_event_id(ev)[12], '4');
	T_ASSERT(strcmp(sentry_event_id(ev), sentry_event_id(ev2)) != 0);
	T_EQ_INT(sentry_event_category(ev), SENTRY_CATEGORY_DEFAULT);
	sentry_event_set_server_name(ev, "docker-host-1");
	sentry_event_set_release(ev, "web@1.2.3");
	sentry_event_set_environment(ev, "production");
	sentry_event_add_fingerprint(ev, "docker-crash");
	sentry_event_add_fingerprint(ev, "web");
	sentry_event_add_fingerprint(ev, "exit:3");
	j = event_json(ev, NULL);
	T_NOT_NULL(j);
	T_EQ_STR(jstr(j, "event_id", NULL), sentry_event_id(ev));
	T_EQ_STR(jstr(j, "platform", NULL), "other");
	T_EQ_STR(jstr(j, "level", NULL), "error");
	T_EQ_STR(jstr(j, "logger", NULL), "registrator.crash");
	T_EQ_STR(jstr(j, "server_name", NULL), "docker-host-1");
	T_EQ_STR(jstr(j, "release", NULL), "web@1.2.3");
	T_EQ_STR(jstr(j, "environment", NULL), "production");
	T_EQ_STR(jstr(j, "logentry", "formatted"),
	    "container web-1 exited 3\n");
	ts = jstr(j, "timestamp", NULL);
	T_CHECK(ts != NULL && strlen(ts) == 24 && ts[4] == '-' && ts[10] == 'T'
		&& ts[19] == '.' && ts[23] == 'Z',
	    "timestamp %s", ts != NULL ? ts : "(null)");
	fp = cJSON_GetObjectItemCaseSensitive(j, "fingerprint");
	T_EQ_INT(cJSON_GetArraySize(fp), 3);
	T_EQ_STR(cJSON_GetArrayItem(fp, 2)->valuestring, "exit:3");
	cJSON_Delete(j);

	j = event_json(ev2, NULL);
	T_EQ_STR(jstr(j, "level", NULL), "warning");
	T_NULL(cJSON_GetObjectItemCaseSensitive(j, "logger"));
	T_NULL(cJSON_GetObjectItemCaseSensitive(j, "logentry"));
	cJSON_Delete(j);

	sentry_event_set_timestamp(ev2, 1700000000.5);
	sentry_event_set_exception(ev2, "ContainerExited", "web exited 3",
	    "docker", false);
	T_EQ_INT(sentry_event_category(ev2), SENTRY_CATEGORY_ERROR);
	j = event_json(ev2, NULL);
	T_CHECK(cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(j, "timestamp"))
		== 1700000000.5,
	    "numeric timestamp");
	{
		cJSON *v = cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(j, "exception"),
			"values"),
		    0);

		T_EQ_STR(jstr(v, "type", NULL), "ContainerExited");
		T_EQ_STR(jstr(v, "value", NULL), "web exited 3");
		T_EQ_STR(jstr(v, "mechanism", "type"), "docker");
		T_ASSERT(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(v, "mechanism"),
		    "handled")));
	}
	cJSON_Delete(j);
	sentry_event_free(ev);
	sentry_event_free(ev2);
}

static void
test_event_tags(void)
{
	struct sentry_event *ev;
	char longval[400], eacute[401];
	const char *v;
	cJSON *j, *tags;

	memset(longval, 'v', sizeof(longval) - 1);
	longval[sizeof(longval) - 1] = '\0';
	for (size_t i = 0; i < 200; i++)
		memcpy(eacute + 2 * i, "\xc3\xa9", 2);
	eacute[400] = '\0';
	ev = sentry_event_new(SENTRY_LEVEL_ERROR, NULL, "m");
	T_EQ_INT(sentry_event_set_tag(ev, "com.docker/compose project", "a\nb"),
	    0);
	T_EQ_INT(sentry_event_set_tag(ev,
		     "a_very_long_tag_key_that_goes_past_thirty_two", longval),
	    0);
	T_EQ_INT(sentry_event_set_tag(ev, "utf8", eacute), 0);
	T_EQ_INT(sentry_event_set_tag(ev, "exit_code", "1"), 0);
	T_EQ_INT(sentry_event_set_tag(ev, "exit_code", "3"), 0);
	T_EQ_INT(sentry_event_set_tag(ev, "", "x"), -1);
	T_EQ_INT(sentry_event_set_tag(ev, "k", NULL), -1);
	j = event_json(ev, NULL);
	tags = cJSON_GetObjectItemCaseSensitive(j, "tags");
	T_EQ_INT(cJSON_GetArraySize(tags), 4);
	T_EQ_STR(jstr(tags, "com.docker_compose_project", NULL), "a b");
	v = jstr(tags, "a_very_long_tag_key_that_goes_pa", NULL);
	T_CHECK(v != NULL && strlen(v) == SENTRY_TAG_VALUE_MAX,
	    "long value cut to 200");
	v = jstr(tags, "utf8", NULL);
	T_CHECK(v != NULL && strlen(v) == 200
		&& memcmp(v + 198, "\xc3\xa9", 2) == 0,
	    "utf8 value cut on boundary");
	T_EQ_STR(jstr(tags, "exit_code", NULL), "3");
	cJSON_Delete(j);
	sentry_event_free(ev);
}

static void
test_event_utf8(void)
{
	struct sentry_event *ev;
	struct buf b = BUF_INITIALIZER(SENTRY_EVENT_MAX);
	char err[SENTRY_ERR_MAX];
	cJSON *j;

	/* A stray byte, an overlong '/', a surrogate, then good text. */
	ev = sentry_event_new(SENTRY_LEVEL_ERROR, NULL,
	    "a\xff"
	    "b\xc0\xaf"
	    "c\xed\xa0\x80"
	    "d\xe2\x82\xac");
	T_EQ_INT(sentry_event_serialize(ev, &b, err, sizeof(err)), 0);
	j = cJSON_Parse(buf_str(&b));
	T_EQ_STR(jstr(j, "logentry", "formatted"),
	    "a\xef\xbf\xbd"
	    "b\xef\xbf\xbd\xef\xbf\xbd"
	    "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "d\xe2\x82\xac");
	cJSON_Delete(j);
	buf_clear(&b);
	sentry_event_free(ev);
}

static char *
repeat(const char *unit, size_t n)
{
	size_t u = strlen(unit);
	char *s = xmalloc(u * n + 1);

	for (size_t i = 0; i < n; i++)
		memcpy(s + i * u, unit, u);
	s[u * n] = '\0';
	return s;
}

static void
test_event_limits(void)
{
	struct sentry_event *ev;
	char err[SENTRY_ERR_MAX], key[32];
	char *big, *s;
	cJSON *ctx, *j, *c;
	size_t len;

	ev = sentry_event_new(SENTRY_LEVEL_ERROR, NULL, "m");

	/* A context with a 20 kB string keeps its keys and shrinks. */
	big = repeat("line of log\n", 2000);
	ctx = cJSON_CreateObject();
	cJSON_AddStringToObject(ctx, "name", "web-1");
	cJSON_AddStringToObject(ctx, "log", big);
	cJSON_AddNumberToObject(ctx, "exit_code", 3);
	T_EQ_INT(
	    sentry_event_set_context(ev, "container", ctx, err, sizeof(err)),
	    0);
	j = event_json(ev, NULL);
	c = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "contexts"), "container");
	s = cJSON_PrintUnformatted(c);
	T_CHECK(strlen(s) <= SENTRY_CONTEXT_MAX, "context is %zu bytes",
	    strlen(s));
	T_CHECK(strlen(s) > SENTRY_CONTEXT_MAX - 64, "context cut too much");
	cJSON_free(s);
	T_EQ_STR(jstr(c, "name", NULL), "web-1");
	T_EQ_INT(cJSON_GetNumberValue(
		     cJSON_GetObjectItemCaseSensitive(c, "exit_code")),
	    3);
	s = (char *)jstr(c, "log", NULL);
	T_CHECK(s != NULL && strstr(s, " [...]") != NULL, "cut mark");
	cJSON_Delete(j);

	/* Structure alone too big: refused, nothing set. */
	ctx = cJSON_CreateObject();
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cJSON_AddStringToObject(ctx, key, "short");
	}
	err[0] = '\0';
	T_EQ_INT(sentry_event_set_context(ev, "huge", ctx, err, sizeof(err)),
	    -1);
	T_ASSERT(strstr(err, "context does not fit") != NULL);
	T_EQ_INT(sentry_event_set_context(ev, "arr", cJSON_CreateArray(), err,
		     sizeof(err)),
	    -1);
	j = event_json(ev, NULL);
	T_NULL(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "contexts"), "huge"));
	cJSON_Delete(j);

	/* Extra items are cut at 16 kB, the whole extra at 256 kB. */
	T_EQ_INT(sentry_event_set_extra(ev, "log_tail", cJSON_CreateString(big),
		     err, sizeof(err)),
	    0);
	j = event_json(ev, NULL);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "extra"), "log_tail"));
	T_CHECK(strlen(s) <= SENTRY_EXTRA_ITEM_MAX
		&& strlen(s) > SENTRY_EXTRA_ITEM_MAX - 64,
	    "extra item %zu bytes", strlen(s));
	T_ASSERT(str_has_suffix(s, " [...]\""));
	cJSON_free(s);
	cJSON_Delete(j);
	{
		int ok = 0, i;

		for (i = 0; i < 20; i++) {
			snprintf(key, sizeof(key), "x%d", i);
			if (sentry_event_set_extra(ev, key,
				cJSON_CreateString(big), err, sizeof(err))
			    == 0)
				ok++;
		}
		T_EQ_INT(ok, 14); /* 15 items of 16 kB + keys < 256 kB */
		T_ASSERT(strstr(err, "256 kB") != NULL);
	}
	free(big);
	sentry_event_free(ev);

	/* The whole event is kept under 1 MiB, contexts all present. */
	ev = sentry_event_new(SENTRY_LEVEL_ERROR, NULL, "m");
	big = repeat("x", 8000);
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "c%d", i);
		ctx = cJSON_CreateObject();
		cJSON_AddStringToObject(ctx, "v", big);
		T_EQ_INT(
		    sentry_event_set_context(ev, key, ctx, err, sizeof(err)),
		    0);
	}
	j = event_json(ev, &len);
	T_NOT_NULL(j);
	T_CHECK(len <= SENTRY_EVENT_MAX && len > SENTRY_EVENT_MAX - 4096,
	    "event is %zu bytes", len);
	T_EQ_INT(
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "contexts")),
	    200);
	cJSON_Delete(j);
	free(big);
	sentry_event_free(ev);
}

static void
test_envelope(void)
{
	const char *payload = "{\"message\":\"h\xc3\xa9llo\\nw\"}";
	const char *expect
	    = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\","
	      "\"dsn\":\"http://k3y@h/1\",\"sent_at\":\"2023-11-14T22:13:20.042Z\"}\n"
	      "{\"type\":\"event\",\"length\":23}\n"
	      "{\"message\":\"h\xc3\xa9llo\\nw\"}\n";
	struct buf b = BUF_INITIALIZER(SENTRY_ENVELOPE_MAX);
	struct buf small = BUF_INITIALIZER(16);
	char err[SENTRY_ERR_MAX] = "";

	T_EQ_INT(strlen(payload), 23); /* 22 characters */
	T_EQ_INT(sentry_envelope("9ec79c33ec9942ab8353589fcb2e04dc",
		     "http://k3y@h/1", 1700000000042LL, payload,
		     strlen(payload), &b, err, sizeof(err)),
	    0);
	T_EQ_STR(buf_str(&b), expect);
	T_EQ_INT(sentry_envelope("9ec79c33ec9942ab8353589fcb2e04dc", NULL,
		     1700000000042LL, payload, strlen(payload), &b, err,
		     sizeof(err)),
	    0);
	T_ASSERT(str_has_prefix(buf_str(&b),
	    "{\"event_id\":\"9ec79c33ec9942ab"
	    "8353589fcb2e04dc\",\"sent_at\":\"2023-11-14T22:13:20.042Z\"}\n"));
	T_EQ_INT(sentry_envelope("9ec79c33ec9942ab8353589fcb2e04dc", NULL,
		     1700000000042LL, payload, strlen(payload), &small, err,
		     sizeof(err)),
	    -1);
	T_EQ_INT(small.len, 0);
	buf_clear(&b);
	buf_clear(&small);
}

static void
test_limits(void)
{
	struct sentry_limits l;
	const uint64_t now = 1000000;

	/* Examples from rate-limiting.mdx. */
	memset(&l, 0, sizeof(l));
	T_ASSERT(sentry_limits_update(&l, 429,
	    "60:transaction:key, 2700:default;error;security:organization",
	    "2700", now));
	T_EQ_INT(l.until_ms[SENTRY_CATEGORY_ALL], 0);
	T_EQ_INT(l.until_ms[SENTRY_CATEGORY_DEFAULT], now + 2700000);
	T_EQ_INT(l.until_ms[SENTRY_CATEGORY_ERROR], now + 2700000);
	T_EQ_INT(sentry_limits_until(&l, SENTRY_CATEGORY_ERROR, now + 1),
	    now + 2700000);
	T_EQ_INT(sentry_limits_until(&l, SENTRY_CATEGORY_ERROR, now + 2700000),
	    0);

	memset(&l, 0, sizeof(l));
	T_ASSERT(sentry_limits_update(&l, 429,
	    "60::organization, "
	    "2700::organization",
	    NULL, now));
	T_EQ_INT(l.until_ms[SENTRY_CATEGORY_ALL], now + 2700000);

	/* On a 200 too; the header beats Retry-After; floats. */
	memset(&l, 0, sizeof(l));
	T_ASSERT(sentry_limits_update(&l, 200, "1.5:error:project", NULL, now));
	T_EQ_INT(l.until_ms[SENTRY_CATEGORY_ERROR], now + 1500);
	T_EQ_INT(sentry_limits_until(&l, SENTRY_CATEGORY_DEFAULT, now), 0);
	T_EQ_INT(sentry_limits_until(&l, SENTRY_CATEGORY_ERROR, now),
	    now + 1500);

	/* Only unknown categories, or garbage: ignored. */
	memset(&l, 0, sizeof(l));
	T_ASSERT(!sentry_limits_update(&l, 200, "60:transaction;session:key",
	    NULL, now));
	T_ASSERT(
	    !sentry_limits_update(&l, 200, "soon:error, :default", NULL, now));
	T_ASSERT(!sentry_limits_update(&l, 200, NULL, "30", now));
	T_ASSERT(!sentry_limits_update(&l, 500, NULL, "30", now));
	for (int c = 0; c < SENTRY_CATEGORY_MAX; c++)
		T_EQ_INT(l.until_ms[c], 0);
	/* Extra fields after the known ones are ignored. */
	T_ASSERT(sentry_limits_update(&l, 200,
	    "  10:default:org:quota:ns:future , ", NULL, now));
	T_EQ_INT(l.until_ms[SENTRY_CATEGORY_DEFAULT], now + 10000);

	/* 429: Retry-After for all, 60 s when absent or unreadable. */
	memset(&l, 0, sizeof(l));
	T_ASSERT(sentry_limits_update(&l, 429, NULL, "2", now));
	T_EQ_INT(l.until_ms[SENTRY_CATEGORY_ALL], now + 2000);
	memset(&l, 0, sizeof(l));
	T_ASSERT(sentry_limits_update(&l, 429, NULL, NULL, now));
	T_EQ_INT(l.until_ms[SENTRY_CATEGORY_ALL], now + 60000);
	memset(&l, 0, sizeof(l));
	T_ASSERT(sentry_limits_update(&l, 429, "",
	    "Wed, 21 Oct 2015 07:28:00 "
	    "GMT",
	    now));
	T_EQ_INT(l.until_ms[SENTRY_CATEGORY_ALL], now + 60000);

	/* The longest limit wins. */
	T_ASSERT(sentry_limits_update(&l, 429, NULL, "5", now));
	T_EQ_INT(l.until_ms[SENTRY_CATEGORY_ALL], now + 60000);
	T_ASSERT(sentry_limits_update(&l, 429, NULL, "120", now));
	T_EQ_INT(l.until_ms[SENTRY_CATEGORY_ALL], now + 120000);
	T_EQ_INT(sentry_limits_until(&l, SENTRY_CATEGORY_DEFAULT, now),
	    now + 120000);
}

static void
test_truncate_tail(void)
{
	char *s, *big;

	s = sentry_truncate_tail("short\n", 100);
	T_EQ_STR(s, "short\n");
	free(s);

	big = repeat("0123456789abcdefghi\n", 100); /* 2000 bytes */
	s = sentry_truncate_tail(big, 500);
	T_CHECK(strlen(s) <= 500 && strlen(s) > 400, "tail is %zu", strlen(s));
	T_ASSERT(str_has_prefix(s, "[... "));
	T_ASSERT(strstr(s, " bytes cut]\n0123456789abcdefghi\n") != NULL);
	T_ASSERT(str_has_suffix(s, "0123456789abcdefghi\n"));
	{
		long long cut = strtoll(s + 5, NULL, 10);
		const char *rest = strchr(s, '\n') + 1;

		T_EQ_INT((size_t)cut + strlen(rest), 2000);
	}
	free(s);
	free(big);

	/* No newline: cut on a UTF-8 boundary. */
	big = repeat("\xc3\xa9", 1000);
	s = sentry_truncate_tail(big, 301);
	T_CHECK(strlen(s) <= 301, "tail is %zu", strlen(s));
	T_ASSERT(str_has_suffix(s, "\xc3\xa9"));
	T_ASSERT(strstr(s, "]\n\xc3\xa9") != NULL);
	free(s);
	free(big);
}

int
main(void)
{
	xmalloc_init_cjson();
	test_dsn_ok();
	test_dsn_bad();
	test_auth();
	test_event_basics();
	test_event_tags();
	test_event_utf8();
	test_event_limits();
	test_envelope();
	test_limits();
	test_truncate_tail();
	return test_report();
}
