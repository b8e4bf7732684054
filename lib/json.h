/* SPDX-License-Identifier: MIT */
/*
 * Small helpers over cJSON shared by both daemons: parsing with an error
 * that names the input and the byte where it went wrong, and typed getters
 * that tolerate a missing member or a member of the wrong type (Docker and
 * Consul answers are hostile input; a getter never crashes on them, it
 * reports "not there").  Keys are matched case-sensitively.  Pure: nothing
 * here logs.
 *
 * Every getter accepts obj == NULL and then reports "not there", so lookups
 * can be chained without checks in between.  Borrowed results stay valid as
 * long as the cJSON tree they came from.
 */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define JSON_ERR_MAX 256

/*
 * Parses exactly len bytes of text (trailing white space is allowed,
 * anything else is an error).  Returns a tree owned by the caller
 * (cJSON_Delete), or NULL with err set to
 * "<what>: invalid JSON at byte N near '...'".  what names the input (an
 * URL, a file name) and is borrowed.
 */
cJSON *json_parse(const char *what, const char *text, size_t len, char *err,
    size_t errlen);

/* The member key of object obj if it is a string, else NULL; borrowed. */
const char *json_get_str(const cJSON *obj, const char *key);
/*
 * Stores member key of obj in *out if it is a number with no fractional
 * part within [min, max] and returns 0; otherwise returns -1 and leaves
 * *out alone.  Integers beyond 2^53 are not exact in cJSON (doubles).
 */
int json_get_int(const cJSON *obj, const char *key, long long min,
    long long max, long long *out);
/* Stores a JSON true/false member in *out and returns 0, else -1. */
int json_get_bool(const cJSON *obj, const char *key, bool *out);
/* The member if it is an object (or an array), else NULL; borrowed. */
const cJSON *json_get_object(const cJSON *obj, const char *key);
const cJSON *json_get_array(const cJSON *obj, const char *key);

/*
 * Follows a dotted path of member names and array indexes
 * ("State.Health.Status", "Mounts.0.Source") and returns the item,
 * borrowed, or NULL when any step is missing.  A key that itself contains
 * a dot (a Docker label) is looked up with json_get_str() on its parent.
 */
const cJSON *json_path(const cJSON *obj, const char *path);
/* json_path() that also requires a string; borrowed or NULL. */
const char *json_path_str(const cJSON *obj, const char *path);

/*
 * Prints item (not NULL) as compact JSON.  Owned by the caller (free(3)); never
 * NULL (running out of memory is fatal through xmalloc_init_cjson's hooks).
 */
char *json_print(const cJSON *item);

#endif
