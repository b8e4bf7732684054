/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the registrator's pure path: an inspect answer
 * (hostile JSON: a container's labels and env are anyone's to write) goes
 * through container_parse, derive_services under several option sets, and
 * service_json_text.  Seeds: tests/data/docker/inspect-*.json, captured
 * from the real Docker Engine.  Any crash, leak or undefined behaviour is
 * a bug; so is a service that breaks the invariants checked below.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registrator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fabio tag may hold spaces before its options, nothing else bad. */
static bool
fuzz_fabio_tag(const char *t)
{
	char buf[DERIVE_MAX_TAG + 1];
	size_t n = strlen(t);

	if (strncmp(t, "urlprefix-", 10) != 0 || n > DERIVE_MAX_TAG)
		return false;
	memcpy(buf, t, n + 1);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == ' ')
			buf[i] = '_';
	return derive_bad_value(buf, DERIVE_MAX_TAG) == NULL;
}

/*
 * A route-v1 value: printable, no space, quote, ';', '{', '}' or '#' (a
 * HostRegexp may hold backslashes), within Consul's cap.
 */
static bool
fuzz_route_value(const char *k, const char *v)
{
	if (strncmp(k, DERIVE_META_ROUTE_PREFIX,
		strlen(DERIVE_META_ROUTE_PREFIX))
		!= 0
	    || strlen(v) > ROUTE_VALUE_MAX)
		return false;
	for (const char *p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f
		    || strchr("\"';{}#`", *p) != NULL)
			return false;
	return true;
}

static void
fuzz_invariants(const struct service *s)
{
	/* What derive promises of every service it returns. */
	if (s->id == NULL || s->name == NULL || s->address == NULL
	    || s->port == 0
	    || derive_bad_value(s->name, DERIVE_MAX_NAME) != NULL)
		abort();
	for (size_t i = 0; i < s->ntags; i++)
		if (derive_bad_value(s->tags[i], DERIVE_MAX_TAG) != NULL
		    && !fuzz_fabio_tag(s->tags[i]))
			abort();
	if (s->nmeta + 1 > DERIVE_MAX_META)
		abort();
	for (size_t i = 0; i < s->nmeta; i++)
		if ((derive_bad_value(s->meta[i].value, DERIVE_MAX_META_VALUE)
			    != NULL
			&& !fuzz_route_value(s->meta[i].key, s->meta[i].value))
		    || strncmp(s->meta[i].key, "consul-", 7) == 0)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct derive_options sets[] = {
		{ .host_name = "fuzzhost", .detected_ip = "192.0.2.1" },
		{ .host_name = "fuzzhost",
		    .internal = true,
		    .network = "bridge",
		    .docker_health = true,
		    .ip_label = "ip" },
		{ .host_name = "fuzzhost",
		    .ip = "2001:db8::1",
		    .explicit_only = true,
		    .allow_script_checks = true,
		    .tags = "a,b\\,c" },
	};
	char err[REGISTRATOR_ERR_MAX];
	struct derive_result res;
	struct container *c;

	c = container_parse((const char *)data, size, err, sizeof(err));
	if (c == NULL)
		return 0;
	for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
		derive_result_init(&res);
		if (derive_services(c, &sets[k], &res, err, sizeof(err)) == -1)
			abort();
		for (size_t i = 0; i < res.nservices; i++) {
			char *text = service_json_text(&res.services[i]);

			fuzz_invariants(&res.services[i]);
			free(text);
		}
		derive_result_clear(&res);
	}
	container_free(c);
	return 0;
}
