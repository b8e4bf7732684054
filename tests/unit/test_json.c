/* SPDX-License-Identifier: MIT */
/* Tests of lib/json.c: parse errors, typed getters, dotted paths. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "test.h"
#include "xmalloc.h"

static const char doc[]
    = "{\"Id\":\"abc\",\"Count\":42,\"Neg\":-7,\"Frac\":1.5,\"Big\":1e300,"
      "\"On\":true,\"Off\":false,\"Null\":null,\"Str5\":\"5\","
      "\"State\":{\"Health\":{\"Status\":\"healthy\"}},"
      "\"Labels\":{\"com.example.name\":\"web\"},"
      "\"Mounts\":[{\"Source\":\"/a\"},{\"Source\":\"/b\"}]}";

static void
test_parse(void)
{
	char err[JSON_ERR_MAX];
	cJSON *j;

	j = json_parse("doc", doc, strlen(doc), err, sizeof(err));
	T_NOT_NULL(j);
	cJSON_Delete(j);
	/* Only len bytes are read: the text need not be terminated. */
	j = json_parse("cut", "[1,2]xxxx", 5, err, sizeof(err));
	T_NOT_NULL(j);
	cJSON_Delete(j);
	j = json_parse("ws", " {\"a\":1} \n", 10, err, sizeof(err));
	T_NOT_NULL(j);
	cJSON_Delete(j);

	T_NULL(json_parse("GET /v1/x", "{\"a\":tru}", 9, err, sizeof(err)));
	T_EQ_STR(err, "GET /v1/x: invalid JSON at byte 5 near 'tru}'");
	T_NULL(json_parse("f.json", "{\"a\":1} x", 9, err, sizeof(err)));
	T_EQ_STR(err, "f.json: invalid JSON at byte 8 near 'x'");
	T_NULL(json_parse("f.json", "{\"a\":", 5, err, sizeof(err)));
	/* cJSON points at the last byte it could use. */
	T_EQ_STR(err, "f.json: invalid JSON at byte 4 near ':'");
	T_NULL(json_parse("empty", "", 0, err, sizeof(err)));
	T_EQ_STR(err, "empty: empty input, not JSON");
	/* Control bytes in the snippet are escaped: one log line. */
	T_NULL(json_parse("ctl", "[1,\x7f\n]", 6, err, sizeof(err)));
	T_EQ_STR(err, "ctl: invalid JSON at byte 3 near '\\x7f\\x0a]'");
}

static void
test_getters(void)
{
	char err[JSON_ERR_MAX];
	cJSON *j = json_parse("doc", doc, strlen(doc), err, sizeof(err));
	long long v = 99;
	bool b = false;

	T_EQ_STR(json_get_str(j, "Id"), "abc");
	T_NULL(json_get_str(j, "id")); /* case-sensitive */
	T_NULL(json_get_str(j, "Count")); /* wrong type */
	T_NULL(json_get_str(j, "Null"));
	T_NULL(json_get_str(NULL, "Id"));
	T_NULL(json_get_str(json_get_object(j, "Mounts"), "x"));

	T_EQ_INT(json_get_int(j, "Count", 0, 100, &v), 0);
	T_EQ_INT(v, 42);
	T_EQ_INT(json_get_int(j, "Neg", -10, 10, &v), 0);
	T_EQ_INT(v, -7);
	v = 99;
	T_EQ_INT(json_get_int(j, "Count", 0, 41, &v), -1); /* range */
	T_EQ_INT(json_get_int(j, "Neg", 0, 10, &v), -1);
	T_EQ_INT(json_get_int(j, "Frac", 0, 10, &v), -1); /* not integral */
	T_EQ_INT(json_get_int(j, "Big", 0, 10, &v), -1); /* huge */
	T_EQ_INT(json_get_int(j, "Str5", 0, 10, &v), -1); /* a string */
	T_EQ_INT(json_get_int(j, "Gone", 0, 10, &v), -1);
	T_EQ_INT(v, 99); /* untouched on failure */

	T_EQ_INT(json_get_bool(j, "On", &b), 0);
	T_ASSERT(b);
	T_EQ_INT(json_get_bool(j, "Off", &b), 0);
	T_ASSERT(!b);
	T_EQ_INT(json_get_bool(j, "Count", &b), -1);
	T_EQ_INT(json_get_bool(j, "Null", &b), -1);

	T_NOT_NULL(json_get_object(j, "State"));
	T_NULL(json_get_object(j, "Mounts"));
	T_NOT_NULL(json_get_array(j, "Mounts"));
	T_NULL(json_get_array(j, "State"));
	T_EQ_STR(json_get_str(json_get_object(j, "Labels"), "com.example.name"),
	    "web");
	cJSON_Delete(j);
}

static void
test_path(void)
{
	char err[JSON_ERR_MAX];
	cJSON *j = json_parse("doc", doc, strlen(doc), err, sizeof(err));
	char *s;

	T_EQ_STR(json_path_str(j, "State.Health.Status"), "healthy");
	T_EQ_STR(json_path_str(j, "Mounts.1.Source"), "/b");
	T_EQ_STR(json_path_str(j, "Id"), "abc");
	T_NULL(json_path(j, "Mounts.2.Source"));
	T_NULL(json_path(j, "Mounts.x"));
	T_NULL(json_path(j, "Mounts.-1"));
	T_NULL(json_path(j, "State..Health"));
	T_NULL(json_path(j, "State.Health.Status.More"));
	T_NULL(json_path_str(j, "State.Health")); /* not a string */
	T_NULL(json_path(NULL, "State"));
	T_NULL(json_path(j, "Labels.com.example.name"));

	s = json_print(json_path(j, "Mounts.0"));
	T_EQ_STR(s, "{\"Source\":\"/a\"}");
	free(s);
	cJSON_Delete(j);
}

int
main(void)
{
	xmalloc_init_cjson();
	test_parse();
	test_getters();
	test_path();
	return test_report();
}
