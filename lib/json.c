/* SPDX-License-Identifier: MIT */
/*
 * JSON helpers.  cJSON does the parsing; this file adds what every caller
 * would otherwise repeat: an error message that says which input failed
 * and where, and getters that check types so that a Docker or Consul
 * answer of an unexpected shape is "missing", never a crash.  cJSON holds
 * numbers as doubles, so the integer getter checks range and integrality
 * in the double domain before converting.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "str.h"

#define JSON_SNIPPET 16 /* bytes of context shown in parse errors */

cJSON *
json_parse(const char *what, const char *text, size_t len, char *err,
    size_t errlen)
{
	const char *end = NULL, *p;
	char near[JSON_SNIPPET * 4 + 1];
	size_t off, i, n = 0;
	cJSON *root;

	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root != NULL) {
		/* cJSON stops after the first value: reject what follows. */
		for (p = end; p < text + len && isspace((unsigned char)*p); p++)
			;
		if (p == text + len)
			return root;
		cJSON_Delete(root);
		end = p;
	}
	if (len == 0) {
		(void)snprintf(err, errlen, "%s: empty input, not JSON", what);
		return NULL;
	}
	/* cJSON points at the last byte it could use; clamp to be sure. */
	off = end != NULL && end >= text && end < text + len
	    ? (size_t)(end - text)
	    : len - 1;
	/* Show a few bytes from the error on, escaped so it is one line. */
	for (i = off; i < len && i < off + JSON_SNIPPET; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			near[n++] = (char)c;
		else
			n += (size_t)snprintf(near + n, sizeof(near) - n,
			    "\\x%02x", c);
	}
	near[n] = '\0';
	(void)snprintf(err, errlen, "%s: invalid JSON at byte %zu near '%s'",
	    what, off, near);
	return NULL;
}

static const cJSON *
json_member(const cJSON *obj, const char *key)
{
	if (obj == NULL || !cJSON_IsObject(obj) || key == NULL)
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

const char *
json_get_str(const cJSON *obj, const char *key)
{
	const cJSON *item = json_member(obj, key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

int
json_get_int(const cJSON *obj, const char *key, long long min, long long max,
    long long *out)
{
	const cJSON *item = json_member(obj, key);
	double v;

	if (!cJSON_IsNumber(item))
		return -1;
	v = item->valuedouble;
	/* 2^63 is where a conversion to long long stops being defined. */
	if (!isfinite(v) || v != floor(v) || v < -9223372036854775808.0
	    || v >= 9223372036854775808.0)
		return -1;
	if ((long long)v < min || (long long)v > max)
		return -1;
	*out = (long long)v;
	return 0;
}

int
json_get_bool(const cJSON *obj, const char *key, bool *out)
{
	const cJSON *item = json_member(obj, key);

	if (!cJSON_IsBool(item))
		return -1;
	*out = cJSON_IsTrue(item);
	return 0;
}

const cJSON *
json_get_object(const cJSON *obj, const char *key)
{
	const cJSON *item = json_member(obj, key);

	return cJSON_IsObject(item) ? item : NULL;
}

const cJSON *
json_get_array(const cJSON *obj, const char *key)
{
	const cJSON *item = json_member(obj, key);

	return cJSON_IsArray(item) ? item : NULL;
}

const cJSON *
json_path(const cJSON *obj, const char *path)
{
	char step[256];
	const char *p = path, *dot;
	long long idx;
	size_t n;

	while (obj != NULL && p != NULL) {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n >= sizeof(step))
			return NULL;
		memcpy(step, p, n);
		step[n] = '\0';
		if (cJSON_IsArray(obj)) {
			if (str_to_ll(step, 0, INT32_MAX, &idx) == -1)
				return NULL;
			obj = cJSON_GetArrayItem(obj, (int)idx);
		} else {
			obj = json_member(obj, step);
		}
		p = dot != NULL ? dot + 1 : NULL;
	}
	return obj;
}

const char *
json_path_str(const cJSON *obj, const char *path)
{
	const cJSON *item = json_path(obj, path);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

char *
json_print(const cJSON *item)
{
	char *s = cJSON_PrintUnformatted(item);

	if (s == NULL)
		fatalx("cJSON_PrintUnformatted: out of memory");
	return s;
}
