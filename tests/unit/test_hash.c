/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/hash.c: the published FNV-1a 64 test vectors. */
#include <stdint.h>

#include "hash.h"
#include "test.h"

int
main(void)
{
	uint64_t h;

	/* Vectors from the FNV reference (draft-eastlake-fnv, fnv1a64). */
	T_EQ_INT(hash_fnv1a_64_str(HASH_FNV1A_64_INIT, ""),
	    (long long)0xcbf29ce484222325ULL);
	T_EQ_INT(hash_fnv1a_64_str(HASH_FNV1A_64_INIT, "a"),
	    (long long)0xaf63dc4c8601ec8cULL);
	T_EQ_INT(hash_fnv1a_64_str(HASH_FNV1A_64_INIT, "foobar"),
	    (long long)0x85944171f73967e8ULL);
	/* Pieces hash like the whole; bytes and strings agree. */
	h = hash_fnv1a_64(HASH_FNV1A_64_INIT, "foo", 3);
	h = hash_fnv1a_64_str(h, "bar");
	T_EQ_INT(h, (long long)0x85944171f73967e8ULL);
	T_EQ_INT(hash_fnv1a_64(HASH_FNV1A_64_INIT, NULL, 0),
	    (long long)HASH_FNV1A_64_INIT);
	/* A NUL inside the bytes counts. */
	T_ASSERT(hash_fnv1a_64(HASH_FNV1A_64_INIT, "a\0b", 3)
	    != hash_fnv1a_64_str(HASH_FNV1A_64_INIT, "ab"));
	return test_report();
}
