/* SPDX-License-Identifier: MIT */
/*
 * route.c: Træfik's rule language into route alternatives.  Each case
 * renders the alternatives the way the route-v1 meta carries them
 * (route_format, priority 0, router "r"), joined by " ; ", so a case
 * reads as what the templates will see.  Cases marked [T3]/[T2] come
 * from Træfik's documentation (docs/routing.md lists them).
 */
#include <stdio.h>
#include <string.h>

#include "registrator.h"
#include "test.h"

static char got[8192];
static char why[ROUTE_ERR_MAX];

/* The alternatives of rule, or "ERR: <reason>". */
static const char *
alts(const char *rule)
{
	struct route_rule r;
	size_t o = 0;

	if (route_parse(rule, &r, why, sizeof(why)) == -1) {
		(void)snprintf(got, sizeof(got), "ERR: %s", why);
		return got;
	}
	got[0] = '\0';
	for (size_t i = 0; i < r.nalts; i++) {
		char v[ROUTE_VALUE_MAX + 1];

		if (route_format(&r.alts[i], 0, "r", false, "", v, sizeof(v))
		    == -1)
			return "FORMAT FAILED";
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s",
		    i > 0 ? " ; " : "", v);
	}
	return got;
}

/* True when the rule is refused and the reason holds part. */
static bool
refused(const char *rule, const char *part)
{
	const char *g = alts(rule);

	if (strncmp(g, "ERR: ", 5) != 0 || strstr(g, part) == NULL) {
		fprintf(stderr, "rule %s: got %s, wanted a refusal with %s\n",
		    rule, g, part);
		return false;
	}
	return true;
}

static void
test_matchers(void)
{
	/* [T3] basic example and expose/docker/basic.md. */
	T_EQ_STR(alts("Host(`whoami.localhost`)"),
	    "0,r,h,whoami.localhost,,,,,,");
	T_EQ_STR(alts("Host(`whoami.docker.localhost`) && PathPrefix(`/api`)"),
	    "0,r,h,whoami.docker.localhost,p,/api,,,,");
	T_EQ_STR(alts("Path(`/products`)"), "0,r,,,e,/products,,,,");
	T_EQ_STR(alts("PathPrefix(`/products/`)"), "0,r,,,p,/products/,,,,");
	T_EQ_STR(alts("Method(`get`, `POST`)"), "0,r,,,,,GET|POST,,,");
	T_EQ_STR(alts("Header(`Content-Type`, `application/json`)"),
	    "0,r,,,,,,Content-Type:application/json,,");
	T_EQ_STR(alts("Headers(`X-Env`, `prod`)"), "0,r,,,,,,X-Env:prod,,");
	/* v2 HostHeader, case, trailing dot. */
	T_EQ_STR(alts("HostHeader(`Example.COM.`)"), "0,r,h,example.com,,,,,,");
	/* v2 several values: any of them. */
	T_EQ_STR(alts("Host(`a.com`, `b.com`)"),
	    "0,r,h,a.com,,,,,, ; 0,r,h,b.com,,,,,,");
	/* v3.7 one-label wildcard and the bare '*'. */
	T_EQ_STR(alts("Host(`*.example.com`)"),
	    "0,r,r,^[^.]+\\.example\\.com$,,,,,,");
	T_EQ_STR(alts("Host(`*`) && PathPrefix(`/x`)"), "0,r,,,p,/x,,,,");
	/* [T3] rules-and-priority.md: v3 HostRegexp is a plain regex. */
	T_EQ_STR(alts("HostRegexp(`[a-z]+\\.traefik\\.com`)"),
	    "0,r,r,[a-z]+\\.traefik\\.com,,,,,,");
	/* [T2] HostRegexp: the regex inside {name:re}, the rest literal. */
	T_EQ_STR(alts("HostRegexp(`{subdomain:[a-z]+}.example.com`)"),
	    "0,r,r,^([a-z]+)\\.example\\.com$,,,,,,");
	T_EQ_STR(alts("HostRegexp(`{sub}.example.com`)"),
	    "0,r,r,^[^.]+\\.example\\.com$,,,,,,");
	/* Names as Træfik registers them. */
	T_EQ_STR(alts("pathprefix(`/a`)"), "0,r,,,p,/a,,,,");
	T_EQ_STR(alts("PATHPREFIX(`/a`)"), "0,r,,,p,/a,,,,");
	T_EQ_STR(alts("Pathprefix(`/a`)"), "0,r,,,p,/a,,,,");
	T_ASSERT(refused("pathPrefix(`/a`)", "unknown matcher \"pathPrefix\""));
}

static void
test_operators(void)
{
	/* && binds tighter than ||. */
	T_EQ_STR(alts("Host(`a`) || Host(`b`) && PathPrefix(`/p`)"),
	    "0,r,h,a,,,,,, ; 0,r,h,b,p,/p,,,,");
	T_EQ_STR(alts("(Host(`a`) || Host(`b`)) && PathPrefix(`/p`)"),
	    "0,r,h,a,p,/p,,,, ; 0,r,h,b,p,/p,,,,");
	T_EQ_STR(alts("Host(`a`) && (PathPrefix(`/x`) || Path(`/y`))"),
	    "0,r,h,a,p,/x,,,, ; 0,r,h,a,e,/y,,,,");
	/* Left-associative chains. */
	T_EQ_STR(alts("Host(`a`) && Method(`GET`) && Header(`X`, `1`)"),
	    "0,r,h,a,,,GET,X:1,,");
	/* ! pushed down with De Morgan: !(!A || !B) is A && B. */
	T_EQ_STR(alts("!(!Host(`a`) || !PathPrefix(`/b`))"),
	    "0,r,h,a,p,/b,,,,");
	T_EQ_STR(alts("!!Host(`a`)"), "0,r,h,a,,,,,,");
	/* Intersections. */
	T_EQ_STR(alts("PathPrefix(`/a`) && PathPrefix(`/a/b`)"),
	    "0,r,,,p,/a/b,,,,");
	T_EQ_STR(alts("PathPrefix(`/a`) && Path(`/a/b`)"), "0,r,,,e,/a/b,,,,");
	T_EQ_STR(alts("Method(`GET`,`POST`) && Method(`POST`)"),
	    "0,r,,,,,POST,,,");
	T_EQ_STR(alts("Host(`a`) && Host(`A`)"), "0,r,h,a,,,,,,");
	/* An alternative that can never match is dropped. */
	T_EQ_STR(alts("Host(`a`) && Host(`b`) || Host(`c`)"), "0,r,h,c,,,,,,");
	/* Line breaks after operators are fine (Go). */
	T_EQ_STR(alts("Host(`a`) &&\n  PathPrefix(`/p`)"), "0,r,h,a,p,/p,,,,");
}

static void
test_quoting(void)
{
	T_EQ_STR(alts("Host(\"a.com\")"), "0,r,h,a.com,,,,,,");
	/* Go escapes in double quotes: \\. is a regex's \. */
	T_EQ_STR(alts("HostRegexp(\"^[a-z]+\\\\.x\\\\.com$\")"),
	    "0,r,r,^[a-z]+\\.x\\.com$,,,,,,");
	T_EQ_STR(alts("Path(\"/\\x61\")"), "0,r,,,e,/a,,,,");
	/* A backquoted value is raw. */
	T_EQ_STR(alts("Path(`/a\\b`)"),
	    "ERR: Path: path holds a character "
	    "other than letters, digits and "
	    "/ . _ ~ % ! * + = : @ -");
	T_ASSERT(refused("Host('a.com')", "illegal rune literal"));
	T_ASSERT(refused("Host(`a.com)", "unterminated string"));
	T_ASSERT(refused("Host(\"a\\qb\")", "unsupported escape"));
	T_ASSERT(refused("Host(a.com)", "expected a backquoted"));
}

static void
test_refusals(void)
{
	char big[ROUTE_RULE_MAX + 64];

	T_ASSERT(refused("", "empty rule"));
	T_ASSERT(refused("   ", "empty rule"));
	T_ASSERT(refused("Host(`a`)\n && Path(`/b`)", "line break after"));
	T_ASSERT(refused("Host(`a`) & Path(`/b`)", "unexpected text"));
	T_ASSERT(refused("Host(`a`) == Host(`b`)", "unexpected text"));
	T_ASSERT(refused("Host(`a`) &&", "expected a matcher at the end"));
	T_ASSERT(refused("(Host(`a`)", "expected ')'"));
	T_ASSERT(refused("Host()", "expected a backquoted"));
	T_ASSERT(refused("Host(``)", "empty value"));
	T_ASSERT(refused("Headers(`X`)", "takes 2 values"));
	T_ASSERT(refused("Foo(`x`)", "unknown matcher \"Foo\""));
	T_ASSERT(
	    refused("ClientIP(`10.0.0.0/8`)", "ClientIP is not supported"));
	T_ASSERT(refused("Query(`a=b`)", "Query is not supported"));
	T_ASSERT(refused("PathRegexp(`^/a`)", "PathRegexp is not supported"));
	T_ASSERT(refused("!Host(`a`)", "!Host cannot be expressed"));
	T_ASSERT(refused("Host(`a`) && !PathPrefix(`/admin`)",
	    "!PathPrefix cannot be expressed"));
	T_ASSERT(refused("!(Host(`a`) && Host(`b`))", "!Host"));
	T_ASSERT(refused("Host(`a`) && Host(`b`)", "never match"));
	T_ASSERT(refused("Path(`/a`) && Path(`/b`)", "never match"));
	T_ASSERT(refused("Method(`GET`) && Method(`POST`)", "never match"));
	T_ASSERT(refused("Method(`BREW`)", "not an HTTP method"));
	T_ASSERT(
	    refused("Host(`a`) && HostRegexp(`b`)", "cannot be expressed"));
	/* Hostile values never reach a proxy file. */
	T_ASSERT(refused("Host(`a.com; }`)", "host name holds"));
	T_ASSERT(refused("Host(`a.com\nb`)", "host name holds"));
	T_ASSERT(refused("Host(`bücher.de`)", "punycode"));
	T_ASSERT(refused("PathPrefix(`/a b`)", "path holds"));
	T_ASSERT(refused("PathPrefix(`/a;return`)", "path holds"));
	T_ASSERT(refused("PathPrefix(`api`)", "does not start with '/'"));
	T_ASSERT(refused("Path(`/{id:[0-9]+}`)", "placeholders"));
	T_ASSERT(refused("HostRegexp(`^a{2}$`)", "regex holds"));
	T_ASSERT(refused("HostRegexp(`(a`)", "bad regex"));
	T_ASSERT(refused("HostRegexp(`a,b`)", "regex holds"));
	T_ASSERT(refused("HostRegexp(`a\\tb`)", "regex escape \\t"));
	T_ASSERT(refused("HostRegexp(`a\\\\b`)", "regex escape \\\\"));
	T_ASSERT(refused("HostRegexp(`a\\`)", "regex escape"));
	T_EQ_STR(alts("HostRegexp(`^\\w+\\.x$`)"), "0,r,r,^\\w+\\.x$,,,,,,");
	T_ASSERT(refused("Host(`a`\n)", "line break after a value"));
	T_ASSERT(refused("Header(`X Y`, `1`)", "header name"));
	T_ASSERT(refused("Header(`X`, `a b`)", "header value"));
	/* Caps. */
	T_ASSERT(refused("Host(`a`,`b`,`c`,`d`,`e`,`f`,`g`,`h`,`i`,`j`,`k`,"
			 "`l`,`m`,`n`,`o`,`p`,`q`)",
	    "too many values"));
	T_ASSERT(refused("(Host(`a`)||Host(`b`)||Host(`c`)||Host(`d`)||"
			 "Host(`e`)) && (Path(`/a`)||Path(`/b`)||Path(`/c`)||"
			 "Path(`/d`))",
	    "more than 16 alternatives"));
	memset(big, '(', sizeof(big));
	big[40] = '\0';
	T_ASSERT(refused(big, "nested too deeply"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	T_ASSERT(refused(big, "longer than 1024"));
}

static void
test_format(void)
{
	struct route_rule r;
	char v[ROUTE_VALUE_MAX + 1], small[16];

	T_EQ_INT(route_parse("Host(`a.io`) && PathPrefix(`/api`) && "
			     "Method(`GET`)",
		     &r, why, sizeof(why)),
	    0);
	T_EQ_INT(route_format(&r.alts[0], 53, "whoami-api", true,
		     "web|websecure", v, sizeof(v)),
	    0);
	T_EQ_STR(v, "53,whoami-api,h,a.io,p,/api,GET,,tls,web|websecure");
	T_EQ_INT(route_format(&r.alts[0], -5, "x", false, "", v, sizeof(v)), 0);
	T_EQ_STR(v, "-5,x,h,a.io,p,/api,GET,,,");
	T_EQ_INT(
	    route_format(&r.alts[0], 1, "x", false, "", small, sizeof(small)),
	    -1);
}

int
main(void)
{
	test_matchers();
	test_operators();
	test_quoting();
	test_refusals();
	test_format();
	return test_report();
}
