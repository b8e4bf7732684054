/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the unit tests of the registrator's pure part
 * (container, derive, check, reconcile_plan): load an inspect answer
 * captured from the real Docker Engine (tests/data/docker, see
 * capture-inspect.sh there) or an agent answer captured from the real
 * Consul agent with the inspects behind it (tests/data/consul, see
 * capture-agent.sh there), or build a synthetic one.  Synthetic JSON is written
 * with single quotes, turned into double quotes here, so tables stay readable;
 * labels and env entries with awkward bytes are added afterwards through cJSON.
 */
#ifndef REGISTRATOR_FIXTURE_H
#define REGISTRATOR_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registrator.h"
#include "xmalloc.h"

/* tests/data/<dir>/<name>, NUL-terminated; exits the test when missing. */
static inline char *
fixture_read_in(const char *dir, const char *name, size_t *lenp)
{
	char path[256];
	FILE *f;
	char *data;
	long n;

	(void)snprintf(path, sizeof(path), "data/%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "cannot open %s (run from tests/)\n", path);
		exit(2);
	}
	(void)fseek(f, 0, SEEK_END);
	n = ftell(f);
	(void)fseek(f, 0, SEEK_SET);
	data = xmalloc((size_t)n + 1);
	if (fread(data, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	data[n] = '\0';
	fclose(f);
	*lenp = (size_t)n;
	return data;
}

static inline char *
fixture_read(const char *name, size_t *lenp)
{
	return fixture_read_in("docker", name, lenp);
}

/* A captured container; exits the test when it does not parse. */
static inline struct container *
fixture_container_in(const char *dir, const char *name)
{
	char err[REGISTRATOR_ERR_MAX] = "";
	size_t len;
	char *data = fixture_read_in(dir, name, &len);
	struct container *c = container_parse(data, len, err, sizeof(err));

	free(data);
	if (c == NULL) {
		fprintf(stderr, "%s: %s\n", name, err);
		exit(2);
	}
	return c;
}

static inline struct container *
fixture_container(const char *name)
{
	return fixture_container_in("docker", name);
}

/* Single-quoted JSON to a cJSON tree (caller deletes). */
static inline cJSON *
fixture_json(const char *sq)
{
	char *s = xstrdup(sq);
	cJSON *root;

	for (char *p = s; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	root = cJSON_Parse(s);
	if (root == NULL) {
		fprintf(stderr, "bad test JSON: %s\n", s);
		exit(2);
	}
	free(s);
	return root;
}

/*
 * A synthetic container: base is single-quoted inspect JSON; then pairs of
 * label key/value, NULL-terminated.
 */
static inline struct container *
fixture_synth(const char *base, ...)
{
	cJSON *root = fixture_json(base), *config, *labels;
	char err[REGISTRATOR_ERR_MAX] = "";
	struct container *c;
	const char *k, *v;
	va_list ap;

	config = cJSON_GetObjectItem(root, "Config");
	if (config == NULL)
		config = cJSON_AddObjectToObject(root, "Config");
	labels = cJSON_GetObjectItem(config, "Labels");
	if (labels == NULL)
		labels = cJSON_AddObjectToObject(config, "Labels");
	va_start(ap, base);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		cJSON_AddItemToObject(labels, k, cJSON_CreateString(v));
	}
	va_end(ap);
	c = container_from_json(root, err, sizeof(err));
	cJSON_Delete(root);
	if (c == NULL) {
		fprintf(stderr, "synthetic container: %s\n", err);
		exit(2);
	}
	return c;
}

#endif
