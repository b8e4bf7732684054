/* SPDX-License-Identifier: MIT */
/*
 * lib/unicode.h against Go's unicode package: tests/re/unicode.json,
 * recorded by tests/re/record.go, holds every category and script table
 * of Go (as a count and a hash of the merged ranges, fold tables too),
 * the category aliases, a hash of ToUpper, ToLower, ToTitle and
 * SimpleFold over all of U+0000..U+10FFFF, and every rune one of them
 * changes.  Then a few mappings by hand, to read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "hash.h"
#include "test.h"
#include "unicode.h"
#include "xmalloc.h"

#define FIXTURE "re/unicode.json"

static char *
read_file(const char *path, size_t *len)
{
	struct buf b;
	char chunk[65536];
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	buf_init(&b, (size_t)16 << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&b, chunk, n) == -1)
			break;
	fclose(f);
	return buf_take(&b, len);
}

static uint64_t
hash_u32(uint64_t h, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
		(unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	return hash_fnv1a_64(h, b, sizeof(b));
}

static const char *
hex64(uint64_t h, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)h);
	return out;
}

static uint64_t
hash_ranges(const struct unicode_range *r, size_t n)
{
	uint64_t h = HASH_FNV1A_64_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		h = hash_u32(h, r[i].lo);
		h = hash_u32(h, r[i].hi);
	}
	return h;
}

/* Each table of Go's kind (categories or scripts) is ours, range for range. */
static void
check_tables(const cJSON *tables,
    const struct unicode_table *(*lookup)(const char *))
{
	const struct unicode_table *t;
	const cJSON *e;
	char got[17];
	const char *want;

	cJSON_ArrayForEach(e, tables) {
		t = lookup(e->string);
		T_CHECK(t != NULL, "no table %s", e->string);
		if (t == NULL)
			continue;
		T_EQ_STR(t->name, e->string);
		T_CHECK((int)t->nranges
			== cJSON_GetObjectItemCaseSensitive(e, "n")->valueint,
		    "%s: %zu ranges", e->string, t->nranges);
		want = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "hash"));
		T_CHECK(want != NULL
			&& strcmp(
			       hex64(hash_ranges(t->ranges, t->nranges), got),
			       want)
			    == 0,
		    "%s: ranges differ", e->string);
		T_CHECK((int)t->nfold
			== cJSON_GetObjectItemCaseSensitive(e, "fold_n")
			       ->valueint,
		    "%s: %zu fold ranges", e->string, t->nfold);
		want = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "fold_hash"));
		if (want != NULL)
			T_CHECK(
			    strcmp(hex64(hash_ranges(t->fold, t->nfold), got),
				want)
				== 0,
			    "%s: fold ranges differ", e->string);
		else
			T_NULL(t->fold);
	}
}

static void
test_fixture(void)
{
	static const struct {
		const char *name;
		int32_t (*fn)(int32_t);
	} funcs[] = {
		{ "upper", unicode_to_upper },
		{ "lower", unicode_to_lower },
		{ "title", unicode_to_title },
		{ "fold", unicode_simple_fold },
	};
	const struct unicode_alias *aliases;
	const cJSON *e, *fh, *al;
	cJSON *j;
	char *text, got[17];
	size_t len, naliases, i, k;
	int letters = 0, digits = 0;
	uint64_t h;
	int32_t r;

	text = read_file(FIXTURE, &len);
	T_NOT_NULL(text);
	if (text == NULL)
		return;
	j = cJSON_ParseWithLength(text, len);
	free(text);
	T_NOT_NULL(j);
	if (j == NULL)
		return;
	T_EQ_STR(unicode_version,
	    cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(j, "version")));
	check_tables(cJSON_GetObjectItemCaseSensitive(j, "categories"),
	    unicode_category);
	check_tables(cJSON_GetObjectItemCaseSensitive(j, "scripts"),
	    unicode_script);
	T_EQ_INT(cJSON_GetArraySize(
		     cJSON_GetObjectItemCaseSensitive(j, "categories")),
	    38);
	T_EQ_INT(
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "scripts")),
	    163);

	al = cJSON_GetObjectItemCaseSensitive(j, "aliases");
	aliases = unicode_category_aliases(&naliases);
	T_EQ_INT(naliases, cJSON_GetArraySize(al));
	for (i = 0; i < naliases; i++) {
		e = cJSON_GetObjectItemCaseSensitive(al, aliases[i].alias);
		T_CHECK(e != NULL
			&& strcmp(e->valuestring, aliases[i].category) == 0,
		    "alias %s", aliases[i].alias);
		T_NOT_NULL(unicode_category(aliases[i].category));
		if (i > 0)
			T_ASSERT(
			    strcmp(aliases[i - 1].alias, aliases[i].alias) < 0);
	}

	/* Every mapping of every rune. */
	fh = cJSON_GetObjectItemCaseSensitive(j, "funcs");
	for (k = 0; k < sizeof(funcs) / sizeof(funcs[0]); k++) {
		h = HASH_FNV1A_64_INIT;
		for (r = 0; r <= UNICODE_MAX_RUNE; r++)
			h = hash_u32(h, (uint32_t)funcs[k].fn(r));
		T_CHECK(
		    strcmp(hex64(h, got),
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			    fh, funcs[k].name)))
			== 0,
		    "%s differs from Go", funcs[k].name);
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "cased")) {
		r = cJSON_GetArrayItem(e, 0)->valueint;
		for (k = 0; k < sizeof(funcs) / sizeof(funcs[0]); k++)
			if (funcs[k].fn(r)
			    != cJSON_GetArrayItem(e, (int)k + 1)->valueint)
				T_CHECK(false,
				    "%s(U+%04X) = U+%04X, Go: U+%04X",
				    funcs[k].name, (unsigned)r,
				    (unsigned)funcs[k].fn(r),
				    (unsigned)cJSON_GetArrayItem(e, (int)k + 1)
					->valueint);
	}
	for (r = 0; r <= UNICODE_MAX_RUNE; r++) {
		letters += unicode_is_letter(r);
		digits += unicode_is_digit(r);
	}
	T_EQ_INT(letters,
	    cJSON_GetObjectItemCaseSensitive(j, "letters")->valueint);
	T_EQ_INT(digits,
	    cJSON_GetObjectItemCaseSensitive(j, "digits")->valueint);
	cJSON_Delete(j);
}

static void
test_by_hand(void)
{
	const struct unicode_range *fr;
	size_t nfr, i;
	int32_t r;

	/* Simple mappings only: no SpecialCasing, as Go. */
	T_EQ_INT(unicode_to_upper(0xDF), 0xDF); /* ß */
	T_EQ_INT(unicode_to_upper('a'), 'A');
	T_EQ_INT(unicode_to_lower(0x130), 'i'); /* İ */
	T_EQ_INT(unicode_to_upper(0x131), 'I'); /* ı */
	T_EQ_INT(unicode_to_title(0x1C6), 0x1C5); /* ǆ -> ǅ */
	T_EQ_INT(unicode_to_upper(0x1C6), 0x1C4); /* ǆ -> Ǆ */
	T_EQ_INT(unicode_to_lower(0x1C5), 0x1C6);
	T_EQ_INT(unicode_to_upper(0x3C2), 0x3A3); /* ς -> Σ */
	T_EQ_INT(unicode_to_lower(0x10400), 0x10428); /* Deseret */
	T_EQ_INT(unicode_to_upper(0x101), 0x100); /* an Upper/Lower run */
	T_EQ_INT(unicode_to_lower(0x100), 0x101);
	T_EQ_INT(unicode_to_title(0x101), 0x100);
	T_EQ_INT(unicode_to_upper(-1), -1);
	T_EQ_INT(unicode_to_upper(0x110000), 0x110000);
	/* Orbits: k, K (U+212A KELVIN SIGN), K. */
	T_EQ_INT(unicode_simple_fold('K'), 'k');
	T_EQ_INT(unicode_simple_fold('k'), 0x212A);
	T_EQ_INT(unicode_simple_fold(0x212A), 'K');
	T_EQ_INT(unicode_simple_fold('1'), '1');
	T_EQ_INT(unicode_simple_fold(0x130), 0x130); /* no simple folding */
	T_EQ_INT(unicode_simple_fold(0xDF), 0x1E9E); /* ß, ẞ */
	T_EQ_INT(unicode_simple_fold(-5), -5);

	T_ASSERT(unicode_is_letter(0xE9));
	T_ASSERT(!unicode_is_letter('1'));
	T_ASSERT(unicode_is_digit(0x663)); /* ٣ */
	T_ASSERT(!unicode_is_digit(0xB2)); /* ² is No */
	/* unicode.IsSpace: ASCII white space, NEL, NBSP, category Z. */
	T_ASSERT(unicode_is_space('\t') && unicode_is_space('\r'));
	T_ASSERT(unicode_is_space(0x85) && unicode_is_space(0xA0));
	T_ASSERT(unicode_is_space(0x3000) && unicode_is_space(0x2029));
	T_ASSERT(!unicode_is_space(0x200B)); /* zero width space is Cf */
	T_ASSERT(!unicode_is_space('x') && !unicode_is_space(0x1C));
	T_ASSERT(unicode_in(unicode_script("Greek"), 0x3B1));
	T_ASSERT(!unicode_in(unicode_script("Greek"), 'a'));
	T_ASSERT(unicode_in(unicode_category("Cn"), 0x378));
	T_ASSERT(unicode_in(unicode_category("C"), 0x378));
	T_NULL(unicode_category("Greek"));
	T_NULL(unicode_script("Lu"));
	T_NULL(unicode_script("Old Italic"));
	T_NOT_NULL(unicode_script("Old_Italic"));

	/* The foldable ranges are exactly the runes that fold elsewhere. */
	fr = unicode_foldable(&nfr);
	T_ASSERT(nfr > 0);
	for (r = 0, i = 0; r <= UNICODE_MAX_RUNE; r++) {
		while (i < nfr && fr[i].hi < (uint32_t)r)
			i++;
		if ((unicode_simple_fold(r) != r)
		    != (i < nfr && fr[i].lo <= (uint32_t)r))
			T_CHECK(false, "U+%04X: foldable?", (unsigned)r);
	}
	T_EQ_INT(fr[0].lo, 0x41);
	T_EQ_INT(fr[nfr - 1].hi, 0x1E943);
}

int
main(void)
{
	xmalloc_init_cjson();
	test_fixture();
	test_by_hand();
	return test_report();
}
