/*
 * test_maint.c - the duration parser behind --older-than (vacuum, check).
 * The rest of maint.c works on a whole lake and is tested end to end in
 * tests/e2e/t-catalog-maint.sh.
 */
#include <stdint.h>

#include "manage/maint.h"
#include "t.h"

#define S INT64_C(1000000)

static void test_durations_accepted(void)
{
	static const struct {
		const char *in;
		int64_t us;
	} cases[] = {
	    {"0", 0},		{"45s", 45 * S},
	    {"30m", 1800 * S},	{"12h", 43200 * S},
	    {"7d", 604800 * S}, {"2w", 1209600 * S},
	    {"0d", 0},		{"100000d", 8640000000LL * S},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct lake_error e = {0};
		int64_t us = -1;
		CHECK_INT(lake_duration_parse(cases[i].in, &us, &e), 0);
		CHECK_INT(us, cases[i].us);
	}
}

static void test_durations_refused(void)
{
	/* A bare number other than 0 is ambiguous; overflow must not wrap. */
	static const char *const bad[] = {"",
					  "7",
					  "d",
					  "-1d",
					  "1dd",
					  "1 d",
					  "5y",
					  "1.5h",
					  "99999999999999999999d",
					  "9223372036854775807w"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct lake_error e = {0};
		int64_t us = 0;
		CHECK_INT(lake_duration_parse(bad[i], &us, &e), -1);
		CHECK_INT(e.code, LAKE_EX_USAGE);
	}
}

int main(void)
{
	T_RUN(test_durations_accepted);
	T_RUN(test_durations_refused);
	T_DONE();
}
