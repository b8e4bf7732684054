/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 decoding and encoding with Go's rules for bad input (see utf8.h).
 * The decoder checks the second byte's range by the first byte (RFC 3629
 * table 3-7), which is what refuses overlong forms, surrogates and values
 * past U+10FFFF in one place; later bytes are plain continuation bytes.
 */
#include "utf8.h"

/*
 * The range the second byte must be in, after a given first byte; the
 * first bytes 0xC0, 0xC1 and 0xF5 to 0xFF start nothing valid.
 */
static bool
utf8_lead(unsigned char b, size_t *need, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (b >= 0xC2 && b <= 0xDF)
		*need = 2;
	else if (b >= 0xE0 && b <= 0xEF) {
		*need = 3;
		if (b == 0xE0)
			*lo = 0xA0; /* overlong below */
		else if (b == 0xED)
			*hi = 0x9F; /* surrogates above */
	} else if (b >= 0xF0 && b <= 0xF4) {
		*need = 4;
		if (b == 0xF0)
			*lo = 0x90; /* overlong below */
		else if (b == 0xF4)
			*hi = 0x8F; /* past U+10FFFF above */
	} else
		return false;
	return true;
}

int32_t
utf8_decode(const char *s, size_t len, size_t *width)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo, hi;
	size_t need, i;
	int32_t r;

	if (len == 0) {
		*width = 0;
		return UTF8_RUNE_ERROR;
	}
	if (p[0] < UTF8_RUNE_SELF) {
		*width = 1;
		return p[0];
	}
	*width = 1;
	if (!utf8_lead(p[0], &need, &lo, &hi) || len < need || p[1] < lo
	    || p[1] > hi)
		return UTF8_RUNE_ERROR;
	r = p[0] & (0xFF >> (need + 1));
	for (i = 1; i < need; i++) {
		if (i > 1 && (p[i] & 0xC0) != 0x80)
			return UTF8_RUNE_ERROR;
		r = (r << 6) | (p[i] & 0x3F);
	}
	*width = need;
	return r;
}

int32_t
utf8_decode_last(const char *s, size_t len, size_t *width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start, lim, w;
	int32_t r;

	if (len == 0) {
		*width = 0;
		return UTF8_RUNE_ERROR;
	}
	start = len - 1;
	if (p[start] < UTF8_RUNE_SELF) {
		*width = 1;
		return p[start];
	}
	/*
	 * Back up over at most UTF8_MAX_BYTES - 1 continuation bytes to a
	 * byte that can start a rune, then decode forward from there: the
	 * rune is the last one only if it ends exactly at len.
	 */
	lim = len > UTF8_MAX_BYTES ? len - UTF8_MAX_BYTES : 0;
	while (start > lim && (p[start] & 0xC0) == 0x80)
		start--;
	r = utf8_decode(s + start, len - start, &w);
	if (start + w != len) {
		*width = 1;
		return UTF8_RUNE_ERROR;
	}
	*width = w;
	return r;
}

size_t
utf8_rune_len(int32_t r)
{
	if (r < 0)
		return 3;
	if (r < 0x80)
		return 1;
	if (r < 0x800)
		return 2;
	if (r < 0x10000)
		return 3;
	if (r <= UTF8_MAX_RUNE)
		return 4;
	return 3;
}

size_t
utf8_encode(char out[UTF8_MAX_BYTES], int32_t r)
{
	uint32_t u = (uint32_t)r;

	if (r < 0 || r > UTF8_MAX_RUNE || (r >= 0xD800 && r <= 0xDFFF))
		u = UTF8_RUNE_ERROR;
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xC0 | (u >> 6));
		out[1] = (char)(0x80 | (u & 0x3F));
		return 2;
	}
	if (u < 0x10000) {
		out[0] = (char)(0xE0 | (u >> 12));
		out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
		out[2] = (char)(0x80 | (u & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (u >> 18));
	out[1] = (char)(0x80 | ((u >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((u >> 6) & 0x3F));
	out[3] = (char)(0x80 | (u & 0x3F));
	return 4;
}

bool
utf8_valid(const char *s, size_t len)
{
	size_t i = 0, w;
	int32_t r;

	while (i < len) {
		r = utf8_decode(s + i, len - i, &w);
		if (r == UTF8_RUNE_ERROR && w == 1)
			return false;
		i += w;
	}
	return true;
}
