/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for registrator/derive_attr.c: the SERVICE_* keys a port
 * sees (env then labels, port keys first) and the table of keys that
 * steer derivation, which are never meta while every other key is.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "registrator.h"
#include "registrator_fixture.h"
#include "test.h"

/* One published port 80 and the given labels (pairs, NULL-terminated). */
#define ONE_PORT                                                         \
	"{'Id':'c1','Name':'/web','Config':{'Image':'web'},"             \
	"'NetworkSettings':{'Ports':{'80/tcp':[{'HostIp':'','HostPort':" \
	"'8080'}]}}}"

/* "SERVICE_" or "SERVICE_80_" and the row's name, upper-cased. */
static void
key_for(char *out, size_t len, const char *prefix, const char *name)
{
	size_t o;

	(void)snprintf(out, len, "%s", prefix);
	o = strlen(out);
	for (size_t i = 0; name[i] != '\0' && o + 1 < len; i++)
		out[o++] = name[i] == '*'
		    ? 'X'
		    : (char)toupper((unsigned char)name[i]);
	out[o] = '\0';
}

static bool
has_meta(const struct service *s, const char *key)
{
	for (size_t i = 0; i < s->nmeta; i++)
		if (strcmp(s->meta[i].key, key) == 0)
			return true;
	return false;
}

/* Env first, labels win; a port key beats the generic one. */
static void
test_sources(void)
{
	struct container *c;
	struct derive_attrs a;
	const struct derive_attr *at;
	char name[64];

	c = fixture_synth("{'Id':'c1','Name':'/web','Config':{'Image':'w',"
			  "'Env':['SERVICE_NAME=env','SERVICE_TAGS=envtags',"
			  "'SERVICE_80_ID=portid']}}",
	    "SERVICE_NAME", "label", "SERVICE_ID", "generic",
	    "SERVICE_443_NAME", "other", NULL);
	derive_attrs_for_port(c, 80, &a);
	T_EQ_STR(derive_attr(&a, "name"), "label");
	T_EQ_STR(derive_attr(&a, "tags"), "envtags");
	T_EQ_STR(derive_attr(&a, "id"), "portid");
	at = derive_attr_find(&a, "id");
	T_ASSERT(at != NULL && at->from_port);
	T_EQ_STR(derive_key_name(name, sizeof(name), &a, "id", 80),
	    "SERVICE_80_ID");
	T_EQ_STR(derive_key_name(name, sizeof(name), &a, "name", 80),
	    "SERVICE_NAME");
	derive_attrs_clear(&a);
	container_free(c);
}

/*
 * Every row of the table, generic and per port, steers derivation and
 * never reaches Meta; a key without a row does.
 */
static void
test_table(void)
{
	struct derive_options o = {
		.host_name = "host1",
		.detected_ip = "192.0.2.10",
	};
	char err[REGISTRATOR_ERR_MAX], key[64], lower[64];
	struct derive_result res;
	struct derive_attrs a;
	struct container *c;

	T_ASSERT(derive_attr_nkeys > 0);
	T_NULL(derive_attr_key("owner"));
	T_NOT_NULL(derive_attr_key("check_unknown"));
	for (size_t i = 0; i < derive_attr_nkeys; i++) {
		const struct derive_attr_key *row = &derive_attr_keys[i];

		for (int port = 0; port < 2; port++) {
			key_for(key, sizeof(key),
			    port ? "SERVICE_80_" : "SERVICE_", row->name);
			c = fixture_synth(ONE_PORT, key, "0", "SERVICE_ZONE",
			    "z1", NULL);
			/* The key as derive_attrs_for_port stores it. */
			derive_attrs_for_port(c, 80, &a);
			(void)snprintf(lower, sizeof(lower), "%s",
			    key
				+ (port ? strlen("SERVICE_80_")
					: strlen("SERVICE_")));
			for (char *p = lower; *p != '\0'; p++)
				*p = (char)tolower((unsigned char)*p);
			T_CHECK(derive_attr_key(lower) == row, "%s: row", key);
			T_CHECK(derive_attr(&a, lower) != NULL
				|| !row->port_form,
			    "%s: not read", key);
			derive_attrs_clear(&a);

			derive_result_init(&res);
			T_CHECK(derive_services(c, &o, &res, err, sizeof(err))
				== 0,
			    "%s: %s", key, err);
			T_CHECK(res.nservices == 1, "%s: %zu services", key,
			    res.nservices);
			if (res.nservices == 1) {
				T_CHECK(!has_meta(&res.services[0], lower),
				    "%s is meta", key);
				T_CHECK(has_meta(&res.services[0], "zone"),
				    "%s: zone is not meta", key);
			}
			derive_result_clear(&res);
			container_free(c);
		}
	}
}

int
main(void)
{
	test_sources();
	test_table();
	return test_report();
}
