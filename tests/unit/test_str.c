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
	test_buffers();
	return test_report();
}
