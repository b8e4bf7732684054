/* SPDX-License-Identifier: MIT */
/*
 * Semantic versions (lib/tmpl/tmpl_semver.c) against Masterminds/semver
 * v3.3.0: its version grammar and errors, the SemVer 2.0 precedence of
 * prereleases, and each constraint operator with x-ranges, hyphen
 * ranges, AND (space or comma) and OR, as semver's own tests and
 * documentation state them.
 */
#include <string.h>

#include "test.h"
#include "tmpl_int.h"

static char out[TMPL_SEMVER_ERR_MAX + 16];

/* String() of the parsed version, or the error. */
static const char *
parse(const char *s)
{
	char err[TMPL_SEMVER_ERR_MAX];
	struct tmpl_semver v;
	struct buf b;

	if (tmpl_semver_parse(s, strlen(s), &v, err, sizeof(err)) == -1) {
		snprintf(out, sizeof(out), "error: %s", err);
		return out;
	}
	buf_init(&b, sizeof(out) - 1);
	tmpl_semver_string(&b, &v);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, b.data);
	buf_clear(&b);
	return out;
}

static int
cmp(const char *a, const char *b)
{
	char err[TMPL_SEMVER_ERR_MAX];
	struct tmpl_semver va, vb;

	if (tmpl_semver_parse(a, strlen(a), &va, err, sizeof(err)) == -1
	    || tmpl_semver_parse(b, strlen(b), &vb, err, sizeof(err)) == -1)
		return 99;
	return tmpl_semver_compare(&va, &vb);
}

/* "true", "false" or the error. */
static const char *
check(const char *c, const char *v)
{
	char err[TMPL_SEMVER_ERR_MAX];
	struct tmpl_semver sv;
	bool ok = false;

	if (tmpl_semver_parse(v, strlen(v), &sv, err, sizeof(err)) == -1) {
		snprintf(out, sizeof(out), "version error: %s", err);
		return out;
	}
	if (tmpl_semver_check(c, strlen(c), &sv, &ok, err, sizeof(err)) == -1) {
		snprintf(out, sizeof(out), "error: %s", err);
		return out;
	}
	return ok ? "true" : "false";
}

static void
test_parse(void)
{
	T_EQ_STR(parse("1.2.3"), "1.2.3");
	T_EQ_STR(parse("v1.2.3-beta.1+build.5"), "1.2.3-beta.1+build.5");
	T_EQ_STR(parse("1"), "1.0.0");
	T_EQ_STR(parse("1.2"), "1.2.0");
	T_EQ_STR(parse("01.02.03"), "1.2.3");
	T_EQ_STR(parse("1.2.3+meta-data.x"), "1.2.3+meta-data.x");
	T_EQ_STR(parse("18446744073709551615.0.0"), "18446744073709551615.0.0");
	T_EQ_STR(parse(""), "error: Invalid Semantic Version");
	T_EQ_STR(parse("1.2.3.4"), "error: Invalid Semantic Version");
	T_EQ_STR(parse("1.2.3-"), "error: Invalid Semantic Version");
	T_EQ_STR(parse("1.2.3-a..b"), "error: Invalid Semantic Version");
	T_EQ_STR(parse("1.2.3-\xc3\xa9"), "error: Invalid Semantic Version");
	T_EQ_STR(parse("V1.2.3"), "error: Invalid Semantic Version");
	T_EQ_STR(parse("1.2.3-01"), "error: Version segment starts with 0");
	T_EQ_STR(parse("1.2.3-0a.01x"), "1.2.3-0a.01x");
	T_EQ_STR(parse("18446744073709551616.0.0"),
	    "error: Error parsing version segment: strconv.ParseUint: "
	    "parsing \"18446744073709551616\": value out of range");
}

static void
test_compare(void)
{
	/* SemVer 2.0 section 11's chain, each less than the next. */
	static const char *const chain[]
	    = { "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
		      "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
		      "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0" };
	size_t i;

	for (i = 0; i + 1 < sizeof(chain) / sizeof(chain[0]); i++) {
		T_CHECK(cmp(chain[i], chain[i + 1]) == -1, "%s < %s", chain[i],
		    chain[i + 1]);
		T_CHECK(cmp(chain[i + 1], chain[i]) == 1, "%s > %s",
		    chain[i + 1], chain[i]);
	}
	/* Metadata and the v are not part of precedence. */
	T_EQ_INT(cmp("v1.2.3+a", "1.2.3+b"), 0);
	T_EQ_INT(cmp("1.0.0-alpha.10", "1.0.0-alpha.9"), 1);
}

static void
test_check(void)
{
	T_EQ_STR(check("=1.2.3", "1.2.3"), "true");
	T_EQ_STR(check("1.2.3", "1.2.4"), "false");
	T_EQ_STR(check("!=1.2.3", "1.2.4"), "true");
	T_EQ_STR(check(">1.2", "1.3.0"), "true");
	T_EQ_STR(check("<=1.2.3", "1.2.4"), "false");
	T_EQ_STR(check("=<1.0", "1.0.1"), "true");
	/* Tilde: the minor is fixed when given. */
	T_EQ_STR(check("~1.2.3", "1.2.9"), "true");
	T_EQ_STR(check("~1.2.3", "1.3.0"), "false");
	T_EQ_STR(check("~1", "1.9.9"), "true");
	T_EQ_STR(check("~0.0.0", "3.0.0"), "true");
	/* Caret: the leftmost non-zero number is fixed. */
	T_EQ_STR(check("^1.2.3", "1.9.0"), "true");
	T_EQ_STR(check("^1.2.3", "2.0.0"), "false");
	T_EQ_STR(check("^0.2.3", "0.3.0"), "false");
	T_EQ_STR(check("^0.0.3", "0.0.4"), "false");
	T_EQ_STR(check("^0.0", "0.1.0"), "false");
	T_EQ_STR(check("^0", "0.9.9"), "true");
	/* x-ranges. */
	T_EQ_STR(check("1.2.x", "1.3.0"), "false");
	T_EQ_STR(check("*", "4.5.6"), "true");
	T_EQ_STR(check(">1.x", "1.9.0"), "false");
	T_EQ_STR(check("!=1.2.x", "1.3.0"), "true");
	/* Prereleases match only a constraint that has one. */
	T_EQ_STR(check(">=1.2", "1.2.5-beta"), "false");
	T_EQ_STR(check(">=1.2-0", "1.2.5-beta"), "true");
	T_EQ_STR(check("x-0", "1.0.0-beta"), "true");
	T_EQ_STR(check("<1.0.0", "1.0.0-rc.1"), "false");
	/* Hyphen ranges, AND, OR. */
	T_EQ_STR(check("1.2 - 1.4.5", "1.4.5"), "true");
	T_EQ_STR(check("1.2 - 1.4.5", "1.4.6"), "false");
	T_EQ_STR(check(">=1.2, <2", "1.9.9"), "true");
	T_EQ_STR(check(">=1.2 <2", "2.0.0"), "false");
	T_EQ_STR(check("<1 || >2", "3.0.0"), "true");
	/* >2 is above every 2.x (its minor is a wildcard). */
	T_EQ_STR(check("<1 || >2", "2.1.0"), "false");
	T_EQ_STR(check("1.0 - 2.0 || 3.x", "3.1.0"), "true");
	T_EQ_STR(check(" >= 1.0 ", "1.0.0"), "true");
	/* Errors, as semver words them. */
	T_EQ_STR(check("bad", "1.0.0"), "error: improper constraint: bad");
	T_EQ_STR(check("", "1.0.0"), "error: improper constraint: ");
	T_EQ_STR(check("1.0.0 || junk", "1.0.0"),
	    "error: improper constraint:  junk");
	T_EQ_STR(check("1|2", "1.0.0"), "error: constraint Parser Error");
	T_EQ_STR(check(">=999999999999999999999", "1.0.0"),
	    "error: constraint Parser Error");
}

/* A constraint over TMPL_SEMVER_MAX bytes is refused, naming the cap. */
static void
test_cap(void)
{
	static char c[TMPL_SEMVER_MAX + 2];

	memset(c, ' ', sizeof(c) - 1);
	c[0] = '1';
	c[sizeof(c) - 1] = '\0';
	T_EQ_STR(check(c, "1.0.0"), "error: constraint longer than 4096 bytes");
	c[sizeof(c) - 2] = '\0';
	T_EQ_STR(check(c, "1.0.0"), "true");
}

int
main(void)
{
	test_parse();
	test_compare();
	test_check();
	test_cap();
	return test_report();
}
