/* SPDX-License-Identifier: MIT */
/*
 * Unicode properties for the regular-expression engine and the template
 * engine's string functions: lookups in the generated tables of
 * unicode_tables.inc (scripts/gen-unicode.py), with the case mapping and
 * folding rules of Go's unicode package.
 */
#include <stdlib.h>
#include <string.h>

#include "unicode.h"

/*
 * A run of runes sharing their case deltas (upper, lower, title), or, when
 * all three are UNICODE_UPPER_LOWER, a run alternating an upper case rune
 * (its lower case is the next rune) and a lower case one (its upper and
 * title cases are the previous rune), starting with an upper case one.
 */
struct unicode_case_range {
	uint32_t lo;
	uint32_t hi;
	int32_t delta[3];
};

/* A step of a case orbit that the case ranges alone do not describe. */
struct unicode_orbit {
	uint32_t from;
	uint32_t to;
};

#define UNICODE_UPPER_LOWER (UNICODE_MAX_RUNE + 1)
#define UNICODE_UPPER_LOWER_RUN                                               \
	{                                                                     \
		UNICODE_UPPER_LOWER, UNICODE_UPPER_LOWER, UNICODE_UPPER_LOWER \
	}

enum unicode_case { UNICODE_UPPER, UNICODE_LOWER, UNICODE_TITLE };

#include "unicode_tables.inc"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char unicode_version[] = UNICODE_TABLES_VERSION;

static int
unicode_table_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct unicode_table *)elem)->name);
}

const struct unicode_table *
unicode_category(const char *name)
{
	return bsearch(name, unicode_categories, NELEM(unicode_categories),
	    sizeof(unicode_categories[0]), unicode_table_cmp);
}

const struct unicode_table *
unicode_script(const char *name)
{
	return bsearch(name, unicode_scripts, NELEM(unicode_scripts),
	    sizeof(unicode_scripts[0]), unicode_table_cmp);
}

const struct unicode_alias *
unicode_category_aliases(size_t *n)
{
	*n = NELEM(unicode_aliases);
	return unicode_aliases;
}

static bool
unicode_in_ranges(const struct unicode_range *rs, size_t n, int32_t r)
{
	size_t lo = 0, hi = n, m;

	if (r < 0)
		return false;
	while (lo < hi) {
		m = lo + (hi - lo) / 2;
		if ((uint32_t)r < rs[m].lo)
			hi = m;
		else if ((uint32_t)r > rs[m].hi)
			lo = m + 1;
		else
			return true;
	}
	return false;
}

bool
unicode_in(const struct unicode_table *t, int32_t r)
{
	return unicode_in_ranges(t->ranges, t->nranges, r);
}

bool
unicode_is_letter(int32_t r)
{
	return unicode_in_ranges(category_l, NELEM(category_l), r);
}

bool
unicode_is_digit(int32_t r)
{
	return unicode_in_ranges(category_nd, NELEM(category_nd), r);
}

bool
unicode_is_space(int32_t r)
{
	if (r < 0x80)
		return r == ' ' || (r >= '\t' && r <= '\r');
	return r == 0x85 || r == 0xA0
	    || unicode_in_ranges(category_z, NELEM(category_z), r);
}

static const struct unicode_case_range *
unicode_case_range(int32_t r)
{
	size_t lo = 0, hi = NELEM(unicode_case_ranges), m;

	if (r < 0)
		return NULL;
	while (lo < hi) {
		m = lo + (hi - lo) / 2;
		if ((uint32_t)r < unicode_case_ranges[m].lo)
			hi = m;
		else if ((uint32_t)r > unicode_case_ranges[m].hi)
			lo = m + 1;
		else
			return &unicode_case_ranges[m];
	}
	return NULL;
}

static int32_t
unicode_convert(const struct unicode_case_range *cr, enum unicode_case c,
    int32_t r)
{
	int32_t off;

	if (cr->delta[c] != UNICODE_UPPER_LOWER)
		return r + cr->delta[c];
	/*
	 * Even offsets in the run are upper case, odd ones lower case: upper
	 * and title case clear the low bit of the offset, lower case sets it.
	 */
	off = r - (int32_t)cr->lo;
	off = c == UNICODE_LOWER ? (off | 1) : (off & ~1);
	return (int32_t)cr->lo + off;
}

static int32_t
unicode_to(enum unicode_case c, int32_t r)
{
	const struct unicode_case_range *cr = unicode_case_range(r);

	return cr == NULL ? r : unicode_convert(cr, c, r);
}

int32_t
unicode_to_upper(int32_t r)
{
	return unicode_to(UNICODE_UPPER, r);
}

int32_t
unicode_to_lower(int32_t r)
{
	return unicode_to(UNICODE_LOWER, r);
}

int32_t
unicode_to_title(int32_t r)
{
	return unicode_to(UNICODE_TITLE, r);
}

const struct unicode_range *
unicode_foldable(size_t *n)
{
	*n = NELEM(unicode_foldable_ranges);
	return unicode_foldable_ranges;
}

int32_t
unicode_simple_fold(int32_t r)
{
	const struct unicode_case_range *cr;
	size_t lo = 0, hi = NELEM(unicode_case_orbit), m;
	int32_t l;

	if (r < 0 || r > UNICODE_MAX_RUNE)
		return r;
	while (lo < hi) {
		m = lo + (hi - lo) / 2;
		if ((uint32_t)r < unicode_case_orbit[m].from)
			hi = m;
		else if ((uint32_t)r > unicode_case_orbit[m].from)
			lo = m + 1;
		else
			return (int32_t)unicode_case_orbit[m].to;
	}
	/*
	 * Not in an orbit of its own: the orbit is r and its lower or upper
	 * case, whichever differs from r.
	 */
	cr = unicode_case_range(r);
	if (cr == NULL)
		return r;
	l = unicode_convert(cr, UNICODE_LOWER, r);
	if (l != r)
		return l;
	return unicode_convert(cr, UNICODE_UPPER, r);
}
