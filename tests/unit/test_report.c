/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for templater/report.c: the short diff of a refused or
 * failing candidate, and the Sentry event a failure becomes (grouping by
 * template and kind, command, exit status, output tail, diff).
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "json.h"
#include "sentry.h"
#include "xmalloc.h"

#include "templater.h"
#include "test.h"

static void
test_diff(void)
{
	struct buf out = BUF_INITIALIZER(4096), small = BUF_INITIALIZER(24);
	const char *a = "upstream web {\n  server 10.0.0.1:80;\n}\n";
	const char *b = "upstream web {\n  server 10.0.0.1:80;\n"
			"  server 10.0.0.2:80;\n}\n";
	const char *c = "one\ntwo\nthree\nfour\n";

	T_EQ_INT(report_diff(a, strlen(a), b, strlen(b), 40, &out), 0);
	T_EQ_STR(buf_str(&out), "@@ -3,0 +3,1 @@\n+  server 10.0.0.2:80;\n");
	buf_reset(&out);
	T_EQ_INT(report_diff(b, strlen(b), a, strlen(a), 40, &out), 0);
	T_EQ_STR(buf_str(&out), "@@ -3,1 +3,0 @@\n-  server 10.0.0.2:80;\n");
	buf_reset(&out);
	T_EQ_INT(report_diff(a, strlen(a), a, strlen(a), 40, &out), 0);
	T_EQ_STR(buf_str(&out), "(no change)\n");
	/* A new file: everything is added; the line cap holds. */
	buf_reset(&out);
	T_EQ_INT(report_diff(NULL, 0, c, strlen(c), 2, &out), 0);
	T_EQ_STR(buf_str(&out),
	    "@@ -1,0 +1,4 @@\n+one\n+two\n"
	    "[... 2 more changed lines]\n");
	/* No final newline on one side only. */
	buf_reset(&out);
	T_EQ_INT(report_diff("x\ny", 3, "x\nz\n", 4, 40, &out), 0);
	T_EQ_STR(buf_str(&out), "@@ -2,1 +2,1 @@\n-y\n+z\n");
	T_EQ_INT(report_diff(NULL, 0, c, strlen(c), 40, &small), -1);
	buf_clear(&out);
	buf_clear(&small);
}

static void
test_event(void)
{
	struct report r;
	struct sentry_event *ev;
	struct buf out = BUF_INITIALIZER(SENTRY_EVENT_MAX * 2);
	char err[256];
	cJSON *doc;
	const cJSON *fp;

	memset(&r, 0, sizeof(r));
	r.kind = REPORT_COMMAND;
	r.template = "nginx";
	r.destination = "/etc/nginx/conf.d/up.conf";
	r.command = "nginx -s reload";
	r.exit_status = 7;
	r.output = "nginx: [emerg] unknown directive\n";
	r.message = "command exited with status 7, rolled back";
	r.previous = "a\n";
	r.previous_len = 2;
	r.candidate = "b\n";
	r.candidate_len = 2;
	ev = report_event(&r, "host1");
	T_EQ_INT(sentry_event_serialize(ev, &out, err, sizeof(err)), 0);
	doc = cJSON_Parse(buf_str(&out));
	T_NOT_NULL(doc);
	fp = cJSON_GetObjectItem(doc, "fingerprint");
	T_EQ_INT(cJSON_GetArraySize(fp), 3);
	T_EQ_STR(cJSON_GetArrayItem(fp, 1)->valuestring, "nginx");
	T_EQ_STR(cJSON_GetArrayItem(fp, 2)->valuestring, "command");
	T_EQ_STR(json_path_str(doc, "tags.exit_status"), "7");
	T_EQ_STR(json_path_str(doc, "tags.kind"), "command");
	T_EQ_STR(json_path_str(doc, "server_name"), "host1");
	T_EQ_STR(json_path_str(doc, "contexts.template.command"),
	    "nginx -s reload");
	T_EQ_STR(json_path_str(doc, "contexts.template.destination"),
	    "/etc/nginx/conf.d/up.conf");
	T_EQ_STR(json_path_str(doc, "extra.output"),
	    "nginx: [emerg] unknown directive\n");
	T_EQ_STR(json_path_str(doc, "extra.diff"), "@@ -1,1 +1,1 @@\n-a\n+b\n");
	cJSON_Delete(doc);
	sentry_event_free(ev);

	/* A render error: no command, no exit status, no candidate. */
	memset(&r, 0, sizeof(r));
	r.kind = REPORT_RENDER;
	r.template = "haproxy";
	r.exit_status = -1;
	r.message = "haproxy.ctmpl:3:5: no such function";
	ev = report_event(&r, NULL);
	T_EQ_INT(sentry_event_serialize(ev, &out, err, sizeof(err)), 0);
	doc = cJSON_Parse(buf_str(&out));
	T_EQ_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "fingerprint"), 2)
		     ->valuestring,
	    "render");
	T_NULL(json_path(doc, "tags.exit_status"));
	T_NULL(json_path(doc, "extra.diff"));
	T_ASSERT(
	    strstr(json_path_str(doc, "logentry.formatted"), "no such function")
	    != NULL);
	cJSON_Delete(doc);
	sentry_event_free(ev);
	buf_clear(&out);
}

int
main(void)
{
	xmalloc_init_cjson();
	test_diff();
	test_event();
	return test_report();
}
