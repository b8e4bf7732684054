/* SPDX-License-Identifier: MIT */
/*
 * lib/utf8.h: Go's unicode/utf8 rules for good and bad input (the cases
 * of Go's utf8_test.go: surrogates, overlong forms, truncated and
 * over-long sequences all decode as U+FFFD of width 1).
 */
#include <string.h>

#include "test.h"
#include "utf8.h"

static void
decodes(const char *s, size_t len, int32_t want, size_t want_width)
{
	size_t w = 99;
	int32_t r;

	r = utf8_decode(s, len, &w);
	T_CHECK(r == want && w == want_width,
	    "decode of %zu bytes: U+%04X width %zu, want U+%04X width %zu", len,
	    (unsigned)r, w, (unsigned)want, want_width);
}

static void
decodes_last(const char *s, size_t len, int32_t want, size_t want_width)
{
	size_t w = 99;
	int32_t r;

	r = utf8_decode_last(s, len, &w);
	T_CHECK(r == want && w == want_width,
	    "decode_last of %zu bytes: U+%04X width %zu, want U+%04X width %zu",
	    len, (unsigned)r, w, (unsigned)want, want_width);
}

static void
test_decode(void)
{
	decodes("", 0, UTF8_RUNE_ERROR, 0);
	decodes("a", 1, 'a', 1);
	decodes("\0", 1, 0, 1);
	decodes("\x7f", 1, 0x7F, 1);
	decodes("\xc2\x80", 2, 0x80, 2);
	decodes("\xc3\xa9", 2, 0xE9, 2);
	decodes("\xdf\xbf", 2, 0x7FF, 2);
	decodes("\xe0\xa0\x80", 3, 0x800, 3);
	decodes("\xef\xbf\xbd", 3, 0xFFFD, 3);
	decodes("\xef\xbf\xbf", 3, 0xFFFF, 3);
	decodes("\xf0\x90\x80\x80", 4, 0x10000, 4);
	decodes("\xf4\x8f\xbf\xbf", 4, 0x10FFFF, 4);
	/* Bad: each is U+FFFD of width 1. */
	decodes("\x80", 1, UTF8_RUNE_ERROR, 1);
	decodes("\xbf", 1, UTF8_RUNE_ERROR, 1);
	decodes("\xc0\x80", 2, UTF8_RUNE_ERROR, 1); /* overlong */
	decodes("\xc1\xbf", 2, UTF8_RUNE_ERROR, 1);
	decodes("\xe0\x9f\xbf", 3, UTF8_RUNE_ERROR, 1); /* overlong */
	decodes("\xed\xa0\x80", 3, UTF8_RUNE_ERROR, 1); /* surrogate */
	decodes("\xed\xbf\xbf", 3, UTF8_RUNE_ERROR, 1);
	decodes("\xf0\x8f\xbf\xbf", 4, UTF8_RUNE_ERROR, 1); /* overlong */
	decodes("\xf4\x90\x80\x80", 4, UTF8_RUNE_ERROR, 1); /* > U+10FFFF */
	decodes("\xf5\x80\x80\x80", 4, UTF8_RUNE_ERROR, 1);
	decodes("\xff", 1, UTF8_RUNE_ERROR, 1);
	decodes("\xc3", 1, UTF8_RUNE_ERROR, 1); /* truncated */
	decodes("\xe2\x82", 2, UTF8_RUNE_ERROR, 1);
	decodes("\xf0\x9f\x98", 3, UTF8_RUNE_ERROR, 1);
	decodes("\xe2\x82\x41", 3, UTF8_RUNE_ERROR, 1); /* bad third byte */
	decodes("\xf0\x9f\x41\x80", 4, UTF8_RUNE_ERROR, 1);
	/* The length given counts, not a NUL. */
	decodes("\xc3\xa9", 1, UTF8_RUNE_ERROR, 1);
}

static void
test_decode_last(void)
{
	decodes_last("", 0, UTF8_RUNE_ERROR, 0);
	decodes_last("a", 1, 'a', 1);
	decodes_last("ab\xc3\xa9", 4, 0xE9, 2);
	decodes_last("\xf0\x9f\x98\x80", 4, 0x1F600, 4);
	decodes_last("a\xf0\x9f\x98\x80", 5, 0x1F600, 4);
	decodes_last("\x80", 1, UTF8_RUNE_ERROR, 1);
	decodes_last("a\xc3", 2, UTF8_RUNE_ERROR, 1);
	decodes_last("\xc3\xa9\xa9", 3, UTF8_RUNE_ERROR, 1);
	decodes_last("\x80\x80\x80\x80\x80", 5, UTF8_RUNE_ERROR, 1);
	decodes_last("\xf0\x80\x80\x80", 4, UTF8_RUNE_ERROR, 1);
	decodes_last("\xed\xa0\x80", 3, UTF8_RUNE_ERROR, 1);
	decodes_last("\xe2\x82", 2, UTF8_RUNE_ERROR, 1);
}

static void
encodes(int32_t r, const char *want, size_t want_len)
{
	char out[UTF8_MAX_BYTES];
	size_t n;

	n = utf8_encode(out, r);
	T_CHECK(n == want_len && memcmp(out, want, n) == 0,
	    "encode U+%04X: %zu bytes", (unsigned)r, n);
	T_EQ_INT(utf8_rune_len(r), want_len);
}

static void
test_encode(void)
{
	encodes(0, "\0", 1);
	encodes('a', "a", 1);
	encodes(0x80, "\xc2\x80", 2);
	encodes(0x7FF, "\xdf\xbf", 2);
	encodes(0x800, "\xe0\xa0\x80", 3);
	encodes(0xFFFF, "\xef\xbf\xbf", 3);
	encodes(0x10000, "\xf0\x90\x80\x80", 4);
	encodes(0x10FFFF, "\xf4\x8f\xbf\xbf", 4);
	/* Invalid runes are written as U+FFFD. */
	encodes(0xD800, "\xef\xbf\xbd", 3);
	encodes(0xDFFF, "\xef\xbf\xbd", 3);
	encodes(0x110000, "\xef\xbf\xbd", 3);
	encodes(-1, "\xef\xbf\xbd", 3);
}

static void
test_valid(void)
{
	T_ASSERT(utf8_valid("", 0));
	T_ASSERT(utf8_valid("a\0b", 3));
	T_ASSERT(utf8_valid("caf\xc3\xa9 \xef\xbf\xbd", 9));
	T_ASSERT(!utf8_valid("caf\xc3", 4));
	T_ASSERT(!utf8_valid("\xed\xa0\x80", 3));
	T_ASSERT(!utf8_valid("a\xff", 2));
}

/* Every rune survives an encode and decode, and every bad one is U+FFFD. */
static void
test_round_trip(void)
{
	char out[UTF8_MAX_BYTES];
	int bad = 0;
	size_t n, w;
	int32_t r, d;

	for (r = 0; r <= UTF8_MAX_RUNE; r++) {
		n = utf8_encode(out, r);
		d = utf8_decode(out, n, &w);
		if (r >= 0xD800 && r <= 0xDFFF) {
			if (d != UTF8_RUNE_ERROR || w != 3)
				bad++;
		} else if (d != r || w != n)
			bad++;
		d = utf8_decode_last(out, n, &w);
		if (!(r >= 0xD800 && r <= 0xDFFF) && (d != r || w != n))
			bad++;
	}
	T_EQ_INT(bad, 0);
}

int
main(void)
{
	test_decode();
	test_decode_last();
	test_encode();
	test_valid();
	test_round_trip();
	return test_report();
}
