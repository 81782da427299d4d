/*
 * Custom classifiers: named groups taken out of a POSIX extended regex,
 * brackets and escapes left alone, whole-line matching, clear refusals.
 */
#include <string.h>

#include "formats/classifier.h"
#include "t.h"

static const char access_log[] =
    "^(?<host>[^ ]+) [^ ]+ (?<user>[^ ]+) \\[(?<time>[^]]+)\\] \"(?<method>[A-Z]+) "
    "(?<path>[^ ]*) [^\"]*\" (?<status>[0-9]{3}) (?<bytes>[0-9]+|-)$";

static void check_group(const struct lake_classifier *c, const struct lake_group *g,
			const char *name, const char *want)
{
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->names[i] && strcmp(c->names[i], name) == 0) {
			CHECK(g[i].text != NULL);
			if (g[i].text)
				CHECK(g[i].len == strlen(want) &&
				      memcmp(g[i].text, want, g[i].len) == 0);
			return;
		}
	CHECK(!"group not found");
}

static void test_access_log(void)
{
	struct lake_classifier c;
	struct lake_error e = {0};
	struct lake_group g[16];
	const char line[] =
	    "192.0.2.1 - alice [01/May/2024:09:11:47 +0000] \"GET /products HTTP/1.1\" 200 20480";

	CHECK_INT(lake_classifier_compile("access_log", access_log, &c, &e), 0);
	CHECK_INT(c.nnamed, 7);
	CHECK_INT(c.ngroups, 7);
	/* No NUL after the line: the match must stay within its length. */
	char *copy = malloc(sizeof line - 1);
	memcpy(copy, line, sizeof line - 1);
	CHECK_INT(lake_classifier_match(&c, copy, sizeof line - 1, g), 1);
	check_group(&c, g, "host", "192.0.2.1");
	check_group(&c, g, "user", "alice");
	check_group(&c, g, "time", "01/May/2024:09:11:47 +0000");
	check_group(&c, g, "method", "GET");
	check_group(&c, g, "path", "/products");
	check_group(&c, g, "status", "200");
	check_group(&c, g, "bytes", "20480");
	free(copy);
	CHECK_INT(lake_classifier_match(&c, "not a log line", 14, g), 0);
	lake_classifier_release(&c);
}

static void test_names_and_unnamed_groups(void)
{
	struct lake_classifier c;
	struct lake_error e = {0};
	struct lake_group g[8];

	/* (?P<name>) as in Python; a plain group still counts; '(' in brackets is no group. */
	CHECK_INT(
	    lake_classifier_compile("x", "(?P<a>[0-9]+)-(x|y)-(?<b>[(]+)\\((?<c>.*)\\)", &c, &e),
	    0);
	CHECK_INT(c.ngroups, 4);
	CHECK_INT(c.nnamed, 3);
	CHECK(c.names[1] == NULL);
	CHECK_INT(lake_classifier_match(&c, "12-y-((((z)", 11, g), 1);
	check_group(&c, g, "a", "12");
	check_group(&c, g, "b", "(((");
	check_group(&c, g, "c", "z");
	lake_classifier_release(&c);
}

static void test_whole_line_only(void)
{
	struct lake_classifier c;
	struct lake_error e = {0};
	struct lake_group g[2];

	CHECK_INT(lake_classifier_compile("x", "(?<n>[0-9]+)", &c, &e), 0);
	CHECK_INT(lake_classifier_match(&c, "123", 3, g), 1);
	CHECK_INT(lake_classifier_match(&c, "123abc", 6, g), 0);
	lake_classifier_release(&c);
}

static void test_refusals(void)
{
	struct lake_classifier c;
	struct lake_error e = {0};

	CHECK_INT(lake_classifier_compile("x", "([0-9]+)", &c, &e), -1);
	CHECK_INT(e.code, LAKE_EX_USAGE);
	CHECK(strstr(e.msg, "names no group") != NULL);
	CHECK_INT(lake_classifier_compile("x", "(?<a>[0-9+", &c, &e), -1);
	CHECK_INT(e.code, LAKE_EX_USAGE);
	CHECK(strstr(e.msg, "classifier 'x'") != NULL);
}

int main(void)
{
	T_RUN(test_access_log);
	T_RUN(test_names_and_unnamed_groups);
	T_RUN(test_whole_line_only);
	T_RUN(test_refusals);
	T_DONE();
}
