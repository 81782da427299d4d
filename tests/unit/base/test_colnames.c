/*
 * test_colnames.c - the one rule that names columns: twins ignoring case
 * get _2, _3..., empty names col_N, NUL bytes \u0000.
 */
#include <stdio.h>

#include "base/colnames.h"
#include "t.h"

/* The names a list of NUL-separated inputs gets, joined with '|'. */
static void names_of(const char *const *in, size_t n, char *out, size_t cap)
{
	struct lake_colnames u = LAKE_COLNAMES_INIT;
	size_t at = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(out + at, cap - at, "%s%s", i ? "|" : "",
				       lake_colnames_add(&u, in[i], strlen(in[i])));
	lake_colnames_release(&u);
}

#define NAMES(expect, ...)                                                                         \
	do {                                                                                       \
		const char *in_[] = {__VA_ARGS__};                                                 \
		char got_[512];                                                                    \
		names_of(in_, sizeof in_ / sizeof in_[0], got_, sizeof got_);                      \
		CHECK_STR(got_, expect);                                                           \
	} while (0)

static void test_repeated_names_get_suffixes(void)
{
	NAMES("Name|Email|Spend|Spend_2|Country", "Name", "Email", "Spend", "Spend", "Country");
	NAMES("a|a_2|a_3", "a", "a", "a");
	NAMES("x|y", "x", "y");
}

static void test_case_twins_are_repeats(void)
{
	NAMES("ssn|SSN_2", "ssn", "SSN");
	NAMES("Spend|spend_2|SPEND_3", "Spend", "spend", "SPEND");
}

static void test_a_suffix_taken_is_skipped(void)
{
	/* The second a would be a_2, which is taken: a_3. */
	NAMES("a|a_2|a_3", "a", "a_2", "a");
	/* In order: the given a_2 comes after the made one, and is a repeat of it. */
	NAMES("a|A_2|a_2_2", "a", "A", "a_2");
	NAMES("col_1|col_1_2|x", "col_1", "", "x");
}

static void test_empty_names_are_numbered(void)
{
	NAMES("h1|h2|col_2|col_3", "h1", "h2", "", "");
	NAMES("col_0", "");
}

static void test_nul_is_spelt(void)
{
	struct lake_colnames u = LAKE_COLNAMES_INIT;

	CHECK_STR(lake_colnames_add(&u, "k\0x", 3), "k\\u0000x");
	CHECK_STR(lake_colnames_add(&u, "k", 1), "k");
	CHECK_STR(lake_colnames_add(&u, "K\0X", 3), "K\\u0000X_2");
	CHECK(lake_colnames_taken(&u, "K", 1));
	CHECK(!lake_colnames_taken(&u, "k\\u0000", 7));
	lake_colnames_release(&u);
}

/* Enough names that the table of taken names grows several times. */
static void test_many_names(void)
{
	struct lake_colnames u = LAKE_COLNAMES_INIT;
	char name[32];
	int ok = 1;

	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "c%d", i % 2500);
		const char *got = lake_colnames_add(&u, name, strlen(name));
		char want[40];
		snprintf(want, sizeof want, i < 2500 ? "c%d" : "c%d_2", i % 2500);
		ok &= strcmp(got, want) == 0;
	}
	CHECK(ok);
	CHECK_INT(u.n, 5000);
	lake_colnames_release(&u);
}

int main(void)
{
	T_RUN(test_repeated_names_get_suffixes);
	T_RUN(test_case_twins_are_repeats);
	T_RUN(test_a_suffix_taken_is_skipped);
	T_RUN(test_empty_names_are_numbered);
	T_RUN(test_nul_is_spelt);
	T_RUN(test_many_names);
	T_DONE();
}
