/*
 * t.h - the smallest unit-test harness that does the job.
 *
 * A test file defines functions `static void test_x(void)` and lists them
 * in main() with T_RUN(test_x).  Each CHECK that fails prints the file,
 * line and the failed expression, and the program exits 1 at the end, so
 * ctest reports the failure.  No test is ever skipped.
 */
#ifndef LAKE_T_H
#define LAKE_T_H

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static int t_failures;
static int t_checks;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		t_checks++;                                                                        \
		if (!(cond)) {                                                                     \
			t_failures++;                                                              \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *t_a_ = (a), *t_b_ = (b);                                               \
		t_checks++;                                                                        \
		if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0) {                                   \
			t_failures++;                                                              \
			fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s (\"%s\" vs \"%s\")\n",  \
				__FILE__, __LINE__, #a, #b, t_a_ ? t_a_ : "(null)",                \
				t_b_ ? t_b_ : "(null)");                                           \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);                            \
		t_checks++;                                                                        \
		if (t_a_ != t_b_) {                                                                \
			t_failures++;                                                              \
			fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %s (%lld vs %lld)\n",      \
				__FILE__, __LINE__, #a, #b, t_a_, t_b_);                           \
		}                                                                                  \
	} while (0)

#define T_RUN(fn)                                                                                  \
	do {                                                                                       \
		int t_before_ = t_failures;                                                        \
		fn();                                                                              \
		fprintf(stderr, "%s %s\n", t_failures == t_before_ ? "ok  " : "FAIL", #fn);        \
	} while (0)

#define T_DONE()                                                                                   \
	do {                                                                                       \
		fprintf(stderr, "%d checks, %d failed\n", t_checks, t_failures);                   \
		return t_failures ? 1 : 0;                                                         \
	} while (0)

#endif
