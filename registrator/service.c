/* SPDX-License-Identifier: MIT */
/*
 * A service: one container port as Consul should know it, produced by
 * derive.c and consumed by reconcile.c and agent.c.  This file owns its
 * lifetime and its one rendering, the body of PUT
 * /v1/agent/service/register.  The rendering is canonical (fixed key
 * order, sorted Meta and headers, tags in the user's order), so that the
 * same service always gives the same bytes; service_hash keeps an FNV-1a
 * digest of those bytes in the registrator-hash meta key, which lets
 * reconcile tell from GET /v1/agent/services alone whether the agent holds
 * exactly this definition, checks included, and PUT only what differs.
 * Pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "log.h"
#include "registrator.h"

void
service_clear(struct service *s)
{
	free(s->id);
	free(s->name);
	free(s->address);
	for (size_t i = 0; i < s->ntags; i++)
		free(s->tags[i]);
	free(s->tags);
	for (size_t i = 0; i < s->nmeta; i++) {
		free(s->meta[i].key);
		free(s->meta[i].value);
	}
	free(s->meta);
	for (size_t i = 0; i < s->nchecks; i++)
		check_clear(&s->checks[i]);
	free(s->checks);
	free(s->container_id);
	free(s->container_name);
	free(s->health_check_id);
	memset(s, 0, sizeof(*s));
}

static void
add_str(cJSON *o, const char *key, const char *v)
{
	if (v != NULL)
		cJSON_AddItemToObject(o, key, cJSON_CreateString(v));
}

static cJSON *
check_json(const struct service_check *chk)
{
	cJSON *o = cJSON_CreateObject(), *h, *arr;

	add_str(o, "CheckID", chk->id);
	add_str(o, "Name", chk->name);
	switch (chk->kind) {
	case CHECK_KIND_HTTP:
		add_str(o, "HTTP", chk->target);
		add_str(o, "Method", chk->method);
		if (chk->nheaders > 0) {
			h = cJSON_AddObjectToObject(o, "Header");
			for (size_t i = 0; i < chk->nheaders; i++) {
				arr = cJSON_CreateArray();
				cJSON_AddItemToArray(arr,
				    cJSON_CreateString(chk->headers[i].value));
				cJSON_AddItemToObject(h, chk->headers[i].name,
				    arr);
			}
		}
		if (chk->disable_redirects)
			cJSON_AddTrueToObject(o, "DisableRedirects");
		break;
	case CHECK_KIND_TCP:
		add_str(o, "TCP", chk->target);
		break;
	case CHECK_KIND_GRPC:
		add_str(o, "GRPC", chk->target);
		if (chk->grpc_use_tls)
			cJSON_AddTrueToObject(o, "GRPCUseTLS");
		break;
	case CHECK_KIND_TTL:
		add_str(o, "TTL", chk->ttl);
		break;
	case CHECK_KIND_SCRIPT:
		arr = cJSON_AddArrayToObject(o, "Args");
		for (size_t i = 0; i < chk->nargs; i++)
			cJSON_AddItemToArray(arr,
			    cJSON_CreateString(chk->args[i]));
		break;
	}
	if (chk->tls_skip_verify)
		cJSON_AddTrueToObject(o, "TLSSkipVerify");
	add_str(o, "Interval", chk->interval);
	add_str(o, "Timeout", chk->timeout);
	add_str(o, "Status", chk->status);
	add_str(o, "DeregisterCriticalServiceAfter", chk->deregister_after);
	return o;
}

cJSON *
service_json(const struct service *s)
{
	cJSON *o = cJSON_CreateObject(), *tags, *meta, *checks;
	bool hash_done = s->hash[0] == '\0';

	add_str(o, "ID", s->id);
	add_str(o, "Name", s->name);
	tags = cJSON_AddArrayToObject(o, "Tags");
	for (size_t i = 0; i < s->ntags; i++)
		cJSON_AddItemToArray(tags, cJSON_CreateString(s->tags[i]));
	add_str(o, "Address", s->address);
	cJSON_AddNumberToObject(o, "Port", s->port);
	meta = cJSON_AddObjectToObject(o, "Meta");
	for (size_t i = 0; i < s->nmeta; i++) {
		/* The hash key goes in its sorted place. */
		if (!hash_done
		    && strcmp(DERIVE_META_HASH, s->meta[i].key) < 0) {
			add_str(meta, DERIVE_META_HASH, s->hash);
			hash_done = true;
		}
		add_str(meta, s->meta[i].key, s->meta[i].value);
	}
	if (!hash_done)
		add_str(meta, DERIVE_META_HASH, s->hash);
	checks = cJSON_AddArrayToObject(o, "Checks");
	for (size_t i = 0; i < s->nchecks; i++)
		cJSON_AddItemToArray(checks, check_json(&s->checks[i]));
	return o;
}

char *
service_json_text(const struct service *s)
{
	cJSON *o = service_json(s);
	char *text = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	/* cJSON only fails when memory runs out. */
	if (text == NULL)
		fatalx("cJSON: out of memory printing service %s", s->id);
	return text;
}

void
service_hash(struct service *s)
{
	char *text;
	uint64_t h;

	s->hash[0] = '\0';
	text = service_json_text(s);
	h = hash_fnv1a_64_str(HASH_FNV1A_64_INIT, text);
	free(text);
	(void)snprintf(s->hash, sizeof(s->hash), "%016llx",
	    (unsigned long long)h);
}
