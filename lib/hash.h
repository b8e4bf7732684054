/* SPDX-License-Identifier: MIT */
/*
 * FNV-1a, 64 bits: the one non-cryptographic hash both daemons use, for
 * hash tables (the templater's watch set), for fingerprints that must be
 * the same across runs and hosts (the registrator-hash meta value) and
 * for "have I logged this already" checks.  Not for anything an attacker
 * must not be able to collide: keys of a table that an attacker fills
 * are compared in full after the hash.
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_64_INIT 0xcbf29ce484222325ULL

/*
 * Continues the hash h over len bytes of p (p may be NULL when len is 0).
 * Start with HASH_FNV1A_64_INIT; feeding a string in pieces gives the same
 * value as feeding it whole.
 */
uint64_t hash_fnv1a_64(uint64_t h, const void *p, size_t len);
/* Continues h over a NUL-terminated string, the NUL excluded. */
uint64_t hash_fnv1a_64_str(uint64_t h, const char *s);

#endif
