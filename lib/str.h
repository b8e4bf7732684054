/* SPDX-License-Identifier: MIT */
/*
 * Bounded string and number helpers.  Every number read from a flag, a
 * config file, a label or an HTTP answer goes through one of these, so
 * range and syntax are checked in one place (style(9): "numerical
 * arguments should be checked for accuracy").  All functions are pure:
 * they return -1 on bad input and never log.
 */
#ifndef STR_H
#define STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Copies src into dst of dstsize bytes, always terminating it (strlcpy).
 * Returns strlen(src); a result >= dstsize means the copy was truncated.
 */
size_t str_copy(char *dst, const char *src, size_t dstsize);
/* Parses a whole decimal integer within [min, max]; -1 on anything else. */
int str_to_ll(const char *s, long long min, long long max, long long *out);
/*
 * Parses a Go-style duration ("1h2m3.5s", "250ms", "10s") into
 * milliseconds; a bare "0" is zero.  A bare number without a unit is
 * rejected unless bare_unit_ms is non-zero, in which case it is multiplied
 * by it (so "30" with 1000 means 30 s, gliderlabs' -resync form).
 */
int str_to_ms(const char *s, uint64_t bare_unit_ms, uint64_t *out_ms);
/*
 * Parses a boolean: 1/true/yes/on and 0/false/no/off, case-insensitively.
 */
int str_to_bool(const char *s, bool *out);
/* Trims ASCII white space at both ends, in place; returns s. */
char *str_trim(char *s);
bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
bool str_casehas_prefix(const char *s, const char *prefix);
/*
 * Copies in into out (size bytes, always terminated, cut if too long)
 * with the userinfo of every URL replaced by "[redacted]": the part
 * before '@' after "scheme://", and a bare "user:password@host" (no
 * scheme, as in -consul-addr).  "name@host" without a colon and an image
 * digest ("repo:tag@sha256:HEX") are kept.  Returns how many userinfo
 * parts were masked.
 */
size_t str_mask_userinfo(const char *in, char *out, size_t size);
/*
 * The same rule applied in place, each userinfo byte overwritten with
 * 'x' (the length is kept: argv strings cannot grow).  Returns how many
 * userinfo parts were blanked.
 */
size_t str_blank_userinfo(char *s);

#endif
