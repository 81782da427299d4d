/*
 * test_output.c - output.h: the exact bytes of each format for records
 * with awkward strings (commas, quotes, newlines, tabs, unicode), null,
 * numbers, nested values and missing keys; a failed write.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "query/output.h"
#include "t.h"

static const char *const cols[] = {"name", "n", "note", NULL};

/* The records every format test prints. */
static json_t *records(void)
{
	return json_pack("[{s:s, s:i, s:s}, {s:s, s:f, s:n}, {s:s, s:{s:[i,i]}}]", "name", "a,b",
			 "n", 1, "note", "say \"hi\"\nbye", "name", "tab\there", "n", 2.5, "note",
			 "name", "caf\xc3\xa9", "n", "x", 1, 2);
}

/* Print the records in format f; the bytes written, malloc'd; *rc what close returned. */
static char *render(enum lake_out_format f, const char *const *columns, json_t *recs, int *rc)
{
	FILE *fp = tmpfile();
	struct lake_out *o;
	char *text;
	long n;

	if (!fp)
		return NULL;
	o = lake_out_open(fp, f, columns);
	for (size_t i = 0; i < json_array_size(recs); i++)
		lake_out_record(o, json_array_get(recs, i));
	*rc = lake_out_close(o);
	n = ftell(fp);
	rewind(fp);
	text = calloc(1, (size_t)n + 1);
	if (text && fread(text, 1, (size_t)n, fp) != (size_t)n)
		text[0] = '\0';
	fclose(fp);
	return text;
}

static void check_format(enum lake_out_format f, const char *const *columns, const char *want)
{
	json_t *recs = records();
	int rc = -2;
	char *got = render(f, columns, recs, &rc);

	CHECK_INT(rc, 0);
	CHECK_STR(got, want);
	free(got);
	json_decref(recs);
}

/* A REAL per format: infinities as JSON's strings or the words inf and -inf, NaN as null. */
static void test_infinities_and_nan(void)
{
	static const char *const v[] = {"v", NULL};
	static const struct {
		enum lake_out_format f;
		const char *want;
	} cases[] = {
	    {LAKE_OUT_NDJSON,
	     "{\"v\":\"Infinity\"}\n{\"v\":\"-Infinity\"}\n{\"v\":null}\n{\"v\":0.5}\n"},
	    {LAKE_OUT_JSON,
	     "[{\"v\":\"Infinity\"},{\"v\":\"-Infinity\"},{\"v\":null},{\"v\":0.5}]\n"},
	    {LAKE_OUT_CSV, "v\ninf\n-inf\n\n0.5\n"},
	    {LAKE_OUT_TSV, "v\ninf\n-inf\n\n0.5\n"},
	    {LAKE_OUT_TABLE, "v\ninf\n-inf\n\n0.5\n"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *recs = json_array();
		double d[] = {INFINITY, -INFINITY, NAN, 0.5};
		int rc = -2;
		for (size_t k = 0; k < 4; k++)
			json_array_append_new(
			    recs, json_pack("{s:o}", "v", lake_out_real(d[k], cases[i].f)));
		char *got = render(cases[i].f, v, recs, &rc);
		CHECK_INT(rc, 0);
		CHECK_STR(got, cases[i].want);
		free(got);
		json_decref(recs);
	}
}

static void test_ndjson(void)
{
	check_format(LAKE_OUT_NDJSON, cols,
		     "{\"name\":\"a,b\",\"n\":1,\"note\":\"say \\\"hi\\\"\\nbye\"}\n"
		     "{\"name\":\"tab\\there\",\"n\":2.5,\"note\":null}\n"
		     "{\"name\":\"caf\xc3\xa9\",\"n\":{\"x\":[1,2]}}\n");
}

static void test_ndjson_without_columns(void)
{
	check_format(LAKE_OUT_NDJSON, NULL,
		     "{\"name\":\"a,b\",\"n\":1,\"note\":\"say \\\"hi\\\"\\nbye\"}\n"
		     "{\"name\":\"tab\\there\",\"n\":2.5,\"note\":null}\n"
		     "{\"name\":\"caf\xc3\xa9\",\"n\":{\"x\":[1,2]}}\n");
}

static void test_json(void)
{
	check_format(LAKE_OUT_JSON, cols,
		     "[{\"name\":\"a,b\",\"n\":1,\"note\":\"say \\\"hi\\\"\\nbye\"},"
		     "{\"name\":\"tab\\there\",\"n\":2.5,\"note\":null},"
		     "{\"name\":\"caf\xc3\xa9\",\"n\":{\"x\":[1,2]}}]\n");
}

static void test_json_empty(void)
{
	json_t *none = json_array();
	int rc = -2;
	char *got = render(LAKE_OUT_JSON, cols, none, &rc);

	CHECK_INT(rc, 0);
	CHECK_STR(got, "[]\n");
	free(got);
	json_decref(none);
}

static void test_csv(void)
{
	check_format(LAKE_OUT_CSV, cols,
		     "name,n,note\n"
		     "\"a,b\",1,\"say \"\"hi\"\"\nbye\"\n"
		     "tab\there,2.5,\n"
		     "caf\xc3\xa9,\"{\"\"x\"\":[1,2]}\",\n");
}

static void test_tsv(void)
{
	check_format(LAKE_OUT_TSV, cols,
		     "name\tn\tnote\n"
		     "a,b\t1\tsay \"hi\" bye\n"
		     "tab here\t2.5\t\n"
		     "caf\xc3\xa9\t{\"x\":[1,2]}\t\n");
}

static void test_table(void)
{
	/*
	 * Widths count code points (café is 4 wide); control characters show
	 * as escapes; no line ends in blanks (regression: empty last cells
	 * left the padding of the column before them).
	 */
	check_format(LAKE_OUT_TABLE, cols,
		     "name       n            note\n"
		     "a,b        1            say \"hi\"\\nbye\n"
		     "tab\\there  2.5\n"
		     "caf\xc3\xa9       {\"x\":[1,2]}\n");
}

static void test_table_empty(void)
{
	json_t *none = json_array();
	int rc = -2;
	char *got = render(LAKE_OUT_TABLE, cols, none, &rc);

	CHECK_INT(rc, 0);
	CHECK_STR(got, "name  n  note\n");
	free(got);
	json_decref(none);
}

static void test_no_columns(void)
{
	json_t *recs = records();
	int rc = -2;
	char *got = render(LAKE_OUT_TABLE, NULL, recs, &rc);

	CHECK_STR(got, "");
	free(got);
	got = render(LAKE_OUT_CSV, NULL, recs, &rc);
	CHECK_STR(got, "");
	free(got);
	json_decref(recs);
}

static void test_format_parse(void)
{
	enum lake_out_format f = LAKE_OUT_AUTO;

	CHECK_INT(lake_out_format_parse("csv", &f), 0);
	CHECK_INT(f, LAKE_OUT_CSV);
	CHECK_INT(lake_out_format_parse("CSV", &f), -1);
	CHECK_INT(lake_out_format_parse("", &f), -1);
	CHECK_INT(lake_out_resolve(LAKE_OUT_TSV, 0), LAKE_OUT_TSV);
}

/* A full disk shows at the flush: close must say so, in every format. */
static void test_write_error(void)
{
	static const enum lake_out_format formats[] = {LAKE_OUT_NDJSON, LAKE_OUT_JSON,
						       LAKE_OUT_TABLE, LAKE_OUT_CSV, LAKE_OUT_TSV};
	json_t *recs = records();

	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		FILE *fp = fopen("/dev/full", "w");
		struct lake_out *o;

		CHECK(fp != NULL);
		if (!fp)
			break;
		o = lake_out_open(fp, formats[i], cols);
		for (size_t r = 0; r < json_array_size(recs); r++)
			lake_out_record(o, json_array_get(recs, r));
		CHECK_INT(lake_out_close(o), -1);
		fclose(fp);
	}
	json_decref(recs);
}

int main(void)
{
	T_RUN(test_ndjson);
	T_RUN(test_infinities_and_nan);
	T_RUN(test_ndjson_without_columns);
	T_RUN(test_json);
	T_RUN(test_json_empty);
	T_RUN(test_csv);
	T_RUN(test_tsv);
	T_RUN(test_table);
	T_RUN(test_table_empty);
	T_RUN(test_no_columns);
	T_RUN(test_format_parse);
	T_RUN(test_write_error);
	T_DONE();
}
