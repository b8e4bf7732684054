/* SPDX-License-Identifier: MIT */
/*
 * FNV-1a 64 (Fowler, Noll, Vo): xor a byte in, multiply by the prime.
 * One implementation for the whole project; see hash.h for what it is
 * used for and what it is not.
 */
#include "hash.h"

#define HASH_FNV1A_64_PRIME 0x100000001b3ULL

uint64_t
hash_fnv1a_64(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= HASH_FNV1A_64_PRIME;
	}
	return h;
}

uint64_t
hash_fnv1a_64_str(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= HASH_FNV1A_64_PRIME;
	}
	return h;
}
