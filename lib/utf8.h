/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 as Go's unicode/utf8 reads and writes it, so that everything the
 * template engine does to a string rune by rune (regular expressions,
 * case mapping) sees the runes Go would: an invalid or truncated sequence,
 * an overlong form, a surrogate or a value past U+10FFFF decodes as
 * U+FFFD of width 1, and encoding an invalid rune writes U+FFFD.  Runes
 * are int32_t, as Go's rune.  All functions are pure.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_RUNE_ERROR 0xFFFD /* what invalid input decodes as */
#define UTF8_MAX_RUNE 0x10FFFF /* the largest code point */
#define UTF8_RUNE_SELF 0x80 /* runes below are one byte */
#define UTF8_MAX_BYTES 4 /* the longest encoding */

/*
 * Decodes the first rune of s (len bytes, NUL being an ordinary byte) and
 * stores its width in *width: UTF8_RUNE_ERROR with width 1 for invalid
 * input, UTF8_RUNE_ERROR with width 0 when len is 0.
 */
int32_t utf8_decode(const char *s, size_t len, size_t *width);
/* Decodes the last rune of s, as utf8_decode does the first. */
int32_t utf8_decode_last(const char *s, size_t len, size_t *width);
/*
 * Writes the encoding of r to out (UTF8_MAX_BYTES at most) and returns
 * its length; a surrogate or a value outside [0, UTF8_MAX_RUNE] is
 * written as UTF8_RUNE_ERROR.
 */
size_t utf8_encode(char out[UTF8_MAX_BYTES], int32_t r);
/* The number of bytes utf8_encode writes for r. */
size_t utf8_rune_len(int32_t r);
/* Whether all len bytes of s are well-formed UTF-8. */
bool utf8_valid(const char *s, size_t len);

#endif
