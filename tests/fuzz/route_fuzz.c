/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for registrator/route.c: the input is a Træfik rule
 * (a label's value: anyone who starts a container writes it).  Besides
 * crashes, leaks and undefined behaviour, it checks what the templates
 * rely on: a parsed rule has 1 to ROUTE_ALTS_MAX alternatives, and each
 * formats into a route-v1 value that fits Consul's meta value and holds
 * no space, quote, ';', '{', '}', '#' or control byte.  Seeds:
 * tests/fuzz/route/, rules from Træfik's documentation and refusals.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registrator.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_rule *r = xmalloc(sizeof(*r));
	char err[ROUTE_ERR_MAX], v[ROUTE_VALUE_MAX + 1];
	char *rule = xmalloc(size + 1);

	memcpy(rule, data, size);
	rule[size] = '\0';
	if (route_parse(rule, r, err, sizeof(err)) == 0) {
		if (r->nalts == 0 || r->nalts > ROUTE_ALTS_MAX)
			abort();
		for (size_t i = 0; i < r->nalts; i++) {
			if (route_format(&r->alts[i], -100000000LL,
				"abcdefghijklmnopqrstuvwxyz0123456789", true,
				"web|websecure", v, sizeof(v))
			    == -1)
				continue;
			for (const char *p = v; *p != '\0'; p++)
				if ((unsigned char)*p <= 0x20
				    || (unsigned char)*p >= 0x7f
				    || strchr("\"';{}#`", *p) != NULL)
					abort();
		}
	} else if (err[0] == '\0') {
		abort();
	}
	free(rule);
	free(r);
	return 0;
}
