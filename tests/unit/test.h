/* SPDX-License-Identifier: MIT */
/*
 * A tiny unit-test harness (libuv's task.h, redis's testhelp.h): checks
 * print file:line and both values when they fail, and test_report() ends
 * the run with "N passed, N failed" and the exit status.
 *
 *	int
 *	main(void)
 *	{
 *		T_EQ_INT(1 + 1, 2);
 *		T_EQ_STR(buf_str(&b), "abc");
 *		return test_report();
 *	}
 */
#ifndef TEST_H
#define TEST_H

#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;

#define T_CHECK(cond, ...)                                                    \
	do {                                                                  \
		if (cond) {                                                   \
			test_passed++;                                        \
		} else {                                                      \
			test_failed++;                                        \
			fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
		}                                                             \
	} while (0)

#define T_ASSERT(cond) T_CHECK((cond), "%s", #cond)
#define T_NULL(p) T_CHECK((p) == NULL, "%s is not NULL", #p)
#define T_NOT_NULL(p) T_CHECK((p) != NULL, "%s is NULL", #p)
#define T_EQ_INT(a, b)                                                        \
	do {                                                                  \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);       \
		T_CHECK(t_a_ == t_b_, "%s == %s: %lld != %lld", #a, #b, t_a_, \
		    t_b_);                                                    \
	} while (0)
#define T_EQ_STR(a, b)                                               \
	do {                                                         \
		const char *t_a_ = (a), *t_b_ = (b);                 \
		T_CHECK(t_a_ != NULL && t_b_ != NULL                 \
			&& strcmp(t_a_, t_b_) == 0,                  \
		    "%s == %s: \"%s\" != \"%s\"", #a, #b,            \
		    t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
	} while (0)

static inline int
test_report(void)
{
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed == 0 ? 0 : 1;
}

#endif
