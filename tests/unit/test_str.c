/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/str.c and lib/buf.c. */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "str.h"
#include "test.h"

static void
test_durations(void)
{
	uint64_t ms = 0;

	T_EQ_INT(str_to_ms("10s", 0, &ms), 0);
	T_EQ_INT(ms, 10000);
	T_EQ_INT(str_to_ms("1m30s", 0, &ms), 0);
	T_EQ_INT(ms, 90000);
	T_EQ_INT(str_to_ms("250ms", 0, &ms), 0);
	T_EQ_INT(ms, 250);
	T_EQ_INT(str_to_ms("1.5h", 0, &ms), 0);
	T_EQ_INT(ms, 5400000);
	T_EQ_INT(str_to_ms("0", 0, &ms), 0);
	T_EQ_INT(ms, 0);
	T_EQ_INT(str_to_ms("30", 0, &ms), -1);
	T_EQ_INT(str_to_ms("30", 1000, &ms), 0);
	T_EQ_INT(ms, 30000);
	T_EQ_INT(str_to_ms("10x", 0, &ms), -1);
	T_EQ_INT(str_to_ms("", 0, &ms), -1);
	T_EQ_INT(str_to_ms("s", 0, &ms), -1);
	T_EQ_INT(str_to_ms("-5s", 0, &ms), -1);
}

static void
test_numbers(void)
{
	long long v = 0;
	bool b = false;

	T_EQ_INT(str_to_ll("8080", 1, 65535, &v), 0);
	T_EQ_INT(v, 8080);
	T_EQ_INT(str_to_ll("70000", 1, 65535, &v), -1);
	T_EQ_INT(str_to_ll("80a", 1, 65535, &v), -1);
	T_EQ_INT(str_to_ll(" 80", 1, 65535, &v), -1);
	T_EQ_INT(str_to_bool("Yes", &b), 0);
	T_ASSERT(b);
	T_EQ_INT(str_to_bool("false", &b), 0);
	T_ASSERT(!b);
	T_EQ_INT(str_to_bool("maybe", &b), -1);
}

static void
test_strings(void)
{
	char s[16] = "  a b \t\n", d[4];

	T_EQ_STR(str_trim(s), "a b");
	T_EQ_INT(str_copy(d, "abcdef", sizeof(d)), 6);
	T_EQ_STR(d, "abc");
	T_ASSERT(str_has_prefix("SERVICE_NAME", "SERVICE_"));
	T_ASSERT(str_casehas_prefix("service_name", "SERVICE_"));
	T_ASSERT(str_has_suffix("web.conf", ".conf"));
	T_ASSERT(!str_has_suffix("f", ".conf"));
}

/* mask: str_mask_userinfo's result for in, in a buffer of 128 bytes. */
static const char *
mask(const char *in)
{
	static char out[128];

	(void)str_mask_userinfo(in, out, sizeof(out));
	return out;
}

static void
test_userinfo(void)
{
	char arg[] = "-consul-addr=user:pa55@127.0.0.1:8500", tiny[12];

	T_EQ_STR(mask("refused consul://user:pa55@host:8500 (no userinfo)"),
	    "refused consul://[redacted]@host:8500 (no userinfo)");
	T_EQ_STR(mask("GET http://u:p@ss@h/v1/kv: 403"),
	    "GET http://[redacted]@h/v1/kv: 403");
	T_EQ_STR(mask("https://tokenonly@github.com/x"),
	    "https://[redacted]@github.com/x");
	T_EQ_STR(mask("consul admin:s3cret@10.0.0.1:8500 down"),
	    "consul [redacted]@10.0.0.1:8500 down");
	T_EQ_STR(mask("addr=\"a:b@h\" x"), "addr=\"[redacted]@h\" x");
	T_EQ_STR(mask("two http://a:b@h and http://c:d@i"),
	    "two http://[redacted]@h and http://[redacted]@i");
	/* Kept: mail-like names, digests, paths, a bare '@'. */
	T_EQ_STR(mask("root@localhost"), "root@localhost");
	T_EQ_STR(mask("image busybox:1.36@sha256:"
		      "0123456789abcdef0123456789abcdef01234567"),
	    "image busybox:1.36@sha256:"
	    "0123456789abcdef0123456789abcdef01234567");
	T_EQ_STR(mask("/srv/a:b@c"), "/srv/a:b@c");
	T_EQ_STR(mask("@ x@ @@"), "@ x@ @@");
	T_EQ_INT(str_mask_userinfo("http://a:b@h", tiny, sizeof(tiny)), 1);
	T_EQ_STR(tiny, "http://[red");
	T_EQ_INT(str_mask_userinfo("x", tiny, 0), 0);
	/* In place, for argv: same length, password gone. */
	T_EQ_INT(str_blank_userinfo(arg), 1);
	T_EQ_STR(arg, "-consul-addr=xxxxxxxxx@127.0.0.1:8500");
}

static void
test_buffers(void)
{
	struct buf b = BUF_INITIALIZER(8);
	char *p;
	size_t len;

	T_EQ_STR(buf_str(&b), "");
	T_EQ_INT(buf_addstr(&b, "abcd"), 0);
	T_EQ_INT(buf_addf(&b, "%d", 123), 0);
	T_EQ_STR(buf_str(&b), "abcd123");
	/* Over the cap: refused, contents unchanged. */
	T_EQ_INT(buf_addstr(&b, "xy"), -1);
	T_EQ_STR(buf_str(&b), "abcd123");
	T_EQ_INT(buf_addc(&b, 'z'), 0);
	p = buf_take(&b, &len);
	T_EQ_STR(p, "abcd123z");
	T_EQ_INT(len, 8);
	T_EQ_INT(b.len, 0);
	free(p);
	buf_clear(&b);
}

int
main(void)
{
	test_durations();
	test_numbers();
	test_strings();
	test_userinfo();
	test_buffers();
	return test_report();
}
