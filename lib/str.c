/* SPDX-License-Identifier: MIT */
/*
 * Bounded string and number parsing.  glibc 2.36 has no strlcpy, and
 * atoi/strtol without checks accept garbage, so the project uses these.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "str.h"

size_t
str_copy(char *dst, const char *src, size_t dstsize)
{
	size_t len;

	len = strlen(src);
	if (dstsize > 0) {
		size_t n = len < dstsize - 1 ? len : dstsize - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int
str_to_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

struct duration_unit {
	const char *name;
	double ms;
};

/* "ms" comes before "m" so that "5ms" is not read as minutes. */
static const struct duration_unit duration_units[] = {
	{ "ns", 1e-6 },
	{ "us", 1e-3 },
	{ "\xc2\xb5s", 1e-3 },
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60000 },
	{ "h", 3600000 },
};

int
str_to_ms(const char *s, uint64_t bare_unit_ms, uint64_t *out_ms)
{
	const char *p = s;
	double total = 0;
	long long bare;

	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "0") == 0) {
		*out_ms = 0;
		return 0;
	}
	if (bare_unit_ms != 0 && str_to_ll(s, 0, INT32_MAX, &bare) == 0) {
		*out_ms = (uint64_t)bare * bare_unit_ms;
		return 0;
	}
	while (*p != '\0') {
		char *end;
		double v;
		size_t i;

		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
		errno = 0;
		v = strtod(p, &end);
		if (errno != 0 || end == p || !isfinite(v))
			return -1;
		p = end;
		for (i = 0;
		     i < sizeof(duration_units) / sizeof(duration_units[0]);
		     i++) {
			size_t n = strlen(duration_units[i].name);

			if (strncmp(p, duration_units[i].name, n) == 0) {
				total += v * duration_units[i].ms;
				p += n;
				break;
			}
		}
		if (i == sizeof(duration_units) / sizeof(duration_units[0]))
			return -1;
		if (total > 1e15)
			return -1;
	}
	*out_ms = (uint64_t)(total + 0.5);
	return 0;
}

int
str_to_bool(const char *s, bool *out)
{
	static const char *yes[] = { "1", "true", "yes", "on", "t", "y" };
	static const char *no[] = { "0", "false", "no", "off", "f", "n" };
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

char *
str_trim(char *s)
{
	char *start = s, *end;

	while (isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	if (start != s)
		memmove(s, start, (size_t)(end - start) + 1);
	return s;
}

bool
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool
str_casehas_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Bytes that end a URL token in a log line or an argument. */
static bool
str_url_stop(char c)
{
	return c == '\0' || strchr(" \t\r\n\"'<>()[]{},;=/\\@", c) != NULL;
}

/* "sha256:" and at least STR_DIGEST_HEX_MIN hex digits: a digest. */
#define STR_DIGEST_HEX_MIN 32

static bool
str_is_digest(const char *s)
{
	size_t n = 0;

	while (isalnum((unsigned char)*s))
		s++;
	if (*s++ != ':')
		return false;
	while (isxdigit((unsigned char)s[n]))
		n++;
	return n >= STR_DIGEST_HEX_MIN;
}

/*
 * s[at] is '@': returns the offset where the userinfo before it starts,
 * or at itself when what precedes is no userinfo.
 */
static size_t
str_userinfo_start(const char *s, size_t at)
{
	size_t start = at;
	bool colon = false;

	while (start > 0 && !str_url_stop(s[start - 1])) {
		colon = colon || s[start - 1] == ':';
		start--;
	}
	if (start == at)
		return at;
	if (start >= 3 && s[start - 1] == '/' && s[start - 2] == '/'
	    && s[start - 3] == ':')
		return start; /* scheme://userinfo@ */
	if (s[start] == '/' || (start > 0 && s[start - 1] == '/'))
		return at; /* a path, not an authority */
	return colon && !str_is_digest(s + at + 1) ? start : at;
}

/*
 * A password with a raw '@' ("u:p@ss@host") is not valid in a URL but
 * is still masked whole: returns the last '@' of the token from at.
 */
static size_t
str_userinfo_end(const char *s, size_t at)
{
	size_t i, end = at;

	for (i = at + 1; s[i] == '@' || !str_url_stop(s[i]); i++)
		if (s[i] == '@')
			end = i;
	return end;
}

size_t
str_mask_userinfo(const char *in, char *out, size_t size)
{
	static const char mask[] = "[redacted]";
	size_t i, o = 0, from = 0, start, masked = 0, n;

	if (size == 0)
		return 0;
	for (i = 0; in[i] != '\0'; i++) {
		if (in[i] != '@')
			continue;
		start = str_userinfo_start(in, i);
		if (start == i)
			continue;
		i = str_userinfo_end(in, i);
		/* Copy what precedes the userinfo, then the mask. */
		n = start - from;
		if (o + n >= size)
			n = size - 1 - o;
		memcpy(out + o, in + from, n);
		o += n;
		o += str_copy(out + o, mask, size - o);
		if (o >= size)
			o = size - 1;
		from = i;
		masked++;
	}
	o += str_copy(out + o, in + from, size - o);
	if (o >= size)
		o = size - 1;
	out[o] = '\0';
	return masked;
}

size_t
str_blank_userinfo(char *s)
{
	size_t i, start, masked = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] != '@')
			continue;
		start = str_userinfo_start(s, i);
		if (start == i)
			continue;
		i = str_userinfo_end(s, i);
		memset(s + start, 'x', i - start);
		masked++;
	}
	return masked;
}
