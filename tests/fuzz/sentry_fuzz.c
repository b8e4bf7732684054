/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the two parsers of lib/sentry.h that read text
 * from outside: the DSN (an operator's setting, ini or environment) and
 * the rate-limit headers of any answer (X-Sentry-Rate-Limits, and
 * Retry-After on a 429).  The input, cut at its first NUL, is given to
 * each.  Invariants: a parsed DSN has every field and an envelope URL on
 * its own scheme; a failed parse leaves the struct untouched and says
 * why without the text between "://" and '@' (the key, when it looks
 * like one: letters and digits, 8 or more); a 429 always
 * sets a limit, and no deadline wraps around to before now.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sentry.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTRY_FUZZ_NOW (1000u * 1000 * 1000)

/*
 * A would-be key that no fixed error text can contain by chance: 8 or
 * more letters and digits, at least one digit.
 */
static bool
sentry_fuzz_keylike(const char *k, size_t len)
{
	bool digit = false;

	if (len < 8)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (k[i] >= '0' && k[i] <= '9')
			digit = true;
		else if (!((k[i] >= 'a' && k[i] <= 'z')
			     || (k[i] >= 'A' && k[i] <= 'Z')))
			return false;
	}
	return digit;
}

static void
sentry_fuzz_dsn(const char *s)
{
	struct sentry_dsn dsn;
	struct buf auth = BUF_INITIALIZER(4096);
	char err[SENTRY_ERR_MAX];
	const char *start, *at;
	size_t keylen;

	memset(&dsn, 0, sizeof(dsn));
	err[0] = '\0';
	if (sentry_dsn_parse(s, &dsn, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || dsn.dsn != NULL || dsn.public_key != NULL)
			abort();
		/* The would-be key never comes back in the message. */
		start = strstr(s, "://");
		at = start != NULL ? strchr(start + 3, '@') : NULL;
		if (at == NULL)
			return;
		keylen = (size_t)(at - start - 3);
		if (sentry_fuzz_keylike(start + 3, keylen)
		    && memmem(err, strlen(err), start + 3, keylen) != NULL)
			abort();
		return;
	}
	if (dsn.scheme == NULL || dsn.public_key == NULL
	    || dsn.public_key[0] == '\0' || dsn.host == NULL || dsn.path == NULL
	    || dsn.project_id == NULL || dsn.envelope_url == NULL
	    || dsn.dsn == NULL
	    || strncmp(dsn.envelope_url, dsn.scheme, strlen(dsn.scheme)) != 0)
		abort();
	if (sentry_auth_header(&dsn, "fuzz/1", &auth) == 0
	    && memmem(auth.data, auth.len, dsn.public_key,
		   strlen(dsn.public_key))
		== NULL)
		abort();
	explicit_bzero(auth.data, auth.len);
	buf_clear(&auth);
	sentry_dsn_clear(&dsn);
}

static void
sentry_fuzz_limits(const char *s)
{
	static const long statuses[] = { 200, 429 };
	struct sentry_limits lim;
	bool applied;
	size_t i;
	int c;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		memset(&lim, 0, sizeof(lim));
		(void)sentry_limits_update(&lim, statuses[i], s, NULL,
		    SENTRY_FUZZ_NOW);
		applied = sentry_limits_update(&lim, statuses[i], NULL, s,
		    SENTRY_FUZZ_NOW);
		/* A 429 without X-Sentry-Rate-Limits always limits. */
		if (statuses[i] == 429 && !applied)
			abort();
		/* A deadline never wraps around to before now. */
		for (c = 0; c < SENTRY_CATEGORY_MAX; c++)
			if (lim.until_ms[c] != 0
			    && lim.until_ms[c] < SENTRY_FUZZ_NOW)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	sentry_fuzz_dsn(s);
	sentry_fuzz_limits(s);
	free(s);
	return 0;
}
