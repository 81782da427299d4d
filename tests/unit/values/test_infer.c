/*
 * Schema inference: the type a column gets from the values it holds, the
 * widening rules of SPEC §4, nested merges, CSV text rules, the text form
 * of types, table schema merges and per-file statistics.
 */
#include <string.h>

#include "values/infer.h"
#include "t.h"

/* The inferred type of column `col` after observing the NDJSON lines. */
static char *type_after(const char *const *lines, const char *col)
{
	struct lake_schema *s = lake_schema_new();
	char *out = NULL;

	for (; *lines; lines++) {
		lake_schema_count_row(s);
		lake_schema_observe_json(s, *lines, strlen(*lines));
	}
	json_t *cols = lake_schema_columns_json(s);
	for (size_t i = 0; i < json_array_size(cols); i++) {
		json_t *c = json_array_get(cols, i);
		if (strcmp(json_string_value(json_object_get(c, "name")), col) == 0)
			out = strdup(json_string_value(json_object_get(c, "type")));
	}
	json_decref(cols);
	lake_schema_free(s);
	return out ? out : strdup("(absent)");
}

struct json_case {
	const char *lines[4];
	const char *want;
};

static void test_json_types_and_widening(void)
{
	static const struct json_case cases[] = {
	    {{"{\"v\":1}", "{\"v\":2}"}, "bigint"},
	    {{"{\"v\":1}", "{\"v\":2.5}"}, "double"},
	    {{"{\"v\":2.5}", "{\"v\":1}"}, "double"},
	    {{"{\"v\":9223372036854775808}"}, "double"},
	    {{"{\"v\":true}", "{\"v\":false}"}, "boolean"},
	    {{"{\"v\":\"x\"}"}, "string"},
	    {{"{\"v\":\"123\"}"}, "string"},
	    {{"{\"v\":\"2024-05-01\"}"}, "date"},
	    {{"{\"v\":\"2024-05-01\"}", "{\"v\":\"2024-05-01T10:00:00Z\"}"}, "timestamp"},
	    {{"{\"v\":\"2024-05-01 10:00:00\"}"}, "timestamp"},
	    {{"{\"v\":\"2024-05-01T10:00:00.123+02:00\"}"}, "timestamp"},
	    {{"{\"v\":\"2024-05-01T10:00\"}"}, "timestamp"},
	    {{"{\"v\":\"2024-02-30\"}"}, "string"},
	    {{"{\"v\":\"2024-05-01\"}", "{\"v\":\"soon\"}"}, "string"},
	    {{"{\"v\":1}", "{\"v\":\"x\"}"}, "string"},
	    {{"{\"v\":1}", "{\"v\":true}"}, "string"},
	    {{"{\"v\":null}"}, "string"},
	    {{"{\"v\":null}", "{\"v\":3}"}, "bigint"},
	    {{"{\"v\":[1,2]}", "{\"v\":[2.5]}"}, "array<double>"},
	    {{"{\"v\":[]}", "{\"v\":[\"a\"]}"}, "array<string>"},
	    {{"{\"v\":{\"a\":1}}", "{\"v\":{\"b\":\"x\"}}"}, "struct<a:bigint,b:string>"},
	    {{"{\"v\":{\"a\":1}}", "{\"v\":{\"a\":1.5,\"c\":[{\"d\":true}]}}"},
	     "struct<a:double,c:array<struct<d:boolean>>>"},
	    {{"{\"v\":{\"a\":1}}", "{\"v\":[1]}"}, "string"},
	    {{"{\"v\":{\"odd key\":1}}"}, "struct<`odd key`:bigint>"},
	    {{"{\"v\":{}}"}, "string"},
	    {{"{\"v\":{}}", "{\"v\":{\"a\":1}}", "{\"v\":{}}"}, "struct<a:bigint>"},
	    {{"{\"a\":1}", "{\"a\":2}", "{\"a\":3,\"late\":\"x\"}"}, "(absent)"},
	    /* Infinities, which JSON spells as strings (as lake writes them), are doubles. */
	    {{"{\"v\":1.5}", "{\"v\":\"Infinity\"}", "{\"v\":\"-Infinity\"}"}, "double"},
	    {{"{\"v\":\"-Infinity\"}", "{\"v\":2}"}, "double"},
	    {{"{\"v\":\"Infinity\"}", "{\"v\":\"x\"}"}, "string"},
	    {{"{\"v\":\"Infinite\"}"}, "string"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = type_after(cases[i].lines, "v");
		CHECK_STR(got, cases[i].want);
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "  case %zu\n", i);
		free(got);
	}
}

static void test_a_key_seen_last_is_a_column(void)
{
	static const char *const lines[] = {"{\"a\":1}", "{\"a\":2}", "{\"a\":3,\"late\":\"x\"}",
					    NULL};
	char *got = type_after(lines, "late");

	CHECK_STR(got, "string");
	free(got);
}

/*
 * A key twice in one record: the last member is its value, so only it is
 * observed (the string before does not make the column a string, nor
 * count as a value), and a key holding NUL is its whole name, \u0000 spelt.
 */
static void test_duplicate_keys_last_wins(void)
{
	static const char *const lines[] = {
	    "{\"a\":\"x\",\"b\":1,\"a\":2}",
	    "{\"a\":3,\"a\":null}",
	    "{\"k\\u0000x\":5,\"k\":6}",
	};
	struct lake_schema *s = lake_schema_new();

	for (size_t i = 0; i < 3; i++) {
		lake_schema_count_row(s);
		lake_schema_observe_json(s, lines[i], strlen(lines[i]));
	}
	json_t *cols = lake_schema_columns_json(s), *stats = lake_schema_stats_json(s);
	char *text = json_dumps(cols, JSON_COMPACT), *st = json_dumps(stats, JSON_COMPACT);
	CHECK_STR(text,
		  "[{\"name\":\"a\",\"type\":\"bigint\"},{\"name\":\"b\",\"type\":\"bigint\"},"
		  "{\"name\":\"k\\\\u0000x\",\"type\":\"bigint\"},"
		  "{\"name\":\"k\",\"type\":\"bigint\"}]");
	CHECK_STR(st, "[{\"column\":\"a\",\"nulls\":2,\"min\":2,\"max\":2},"
		      "{\"column\":\"b\",\"nulls\":2,\"min\":1,\"max\":1},"
		      "{\"column\":\"k\\\\u0000x\",\"nulls\":2,\"min\":5,\"max\":5},"
		      "{\"column\":\"k\",\"nulls\":2,\"min\":6,\"max\":6}]");
	free(text);
	free(st);
	json_decref(cols);
	json_decref(stats);
	lake_schema_free(s);
}

static void test_text_kinds(void)
{
	static const struct {
		const char *text;
		enum lake_kind want;
	} cases[] = {
	    {"", LAKE_T_NULL},
	    {"0", LAKE_T_BIGINT},
	    {"-12", LAKE_T_BIGINT},
	    {"007", LAKE_T_STRING},
	    {"02134", LAKE_T_STRING},
	    {"555-0103", LAKE_T_STRING},
	    /* Numbers as DuckDB and Glue read them (vega's unemployment.tsv has .097). */
	    {"+5", LAKE_T_BIGINT},
	    {"1.5", LAKE_T_DOUBLE},
	    {"0.5", LAKE_T_DOUBLE},
	    {"1e3", LAKE_T_DOUBLE},
	    {"1e5", LAKE_T_DOUBLE},
	    {".5", LAKE_T_DOUBLE},
	    {".097", LAKE_T_DOUBLE},
	    {"-.5", LAKE_T_DOUBLE},
	    {"+.5E-3", LAKE_T_DOUBLE},
	    {"1.", LAKE_T_DOUBLE},
	    {"1.e5", LAKE_T_DOUBLE},
	    {"+007", LAKE_T_STRING},
	    {"-02134", LAKE_T_STRING},
	    {".", LAKE_T_STRING},
	    {"+", LAKE_T_STRING},
	    {"-.", LAKE_T_STRING},
	    {"+-5", LAKE_T_STRING},
	    {"e5", LAKE_T_STRING},
	    {"1e", LAKE_T_STRING},
	    {".e5", LAKE_T_STRING},
	    {" 5", LAKE_T_STRING},
	    {"inf", LAKE_T_STRING},
	    {"NaN", LAKE_T_STRING},
	    {"true", LAKE_T_BOOLEAN},
	    {"FALSE", LAKE_T_BOOLEAN},
	    {"yes", LAKE_T_STRING},
	    {"2024-05-01", LAKE_T_DATE},
	    {"2024-5-1", LAKE_T_STRING},
	    {"2024-05-01 13:45:10", LAKE_T_TIMESTAMP},
	    {"2024-05-01T13:45:10Z", LAKE_T_TIMESTAMP},
	    /* Year first with '/' or '.': DuckDB's CSV sniffer types them so too. */
	    {"2015/01/01 01:00:00", LAKE_T_TIMESTAMP},
	    {"2015/01/01", LAKE_T_DATE},
	    {"2015.01.01", LAKE_T_DATE},
	    {"2015/01-01", LAKE_T_STRING},
	    /* Beyond 64 bits a double would lose digits of what is most likely an id. */
	    {"99999999999999999999", LAKE_T_STRING},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum lake_kind k = lake_infer_text_kind(cases[i].text, strlen(cases[i].text));
		CHECK_INT(k, cases[i].want);
		if (k != cases[i].want)
			fprintf(stderr, "  text '%s'\n", cases[i].text);
	}
	CHECK_INT(lake_infer_text_kind(NULL, 0), LAKE_T_NULL);
}

/* The value of a number as text, and its JSON spelling, digit for digit. */
static void test_text_numbers(void)
{
	static const struct {
		const char *text, *json;
		enum lake_jnum kind;
		double value;
	} cases[] = {
	    {".097", "0.097", LAKE_JNUM_DOUBLE, 0.097},
	    {"-.5", "-0.5", LAKE_JNUM_DOUBLE, -0.5},
	    {"+5", "5", LAKE_JNUM_INT, 5},
	    {"+.5e-3", "0.5e-3", LAKE_JNUM_DOUBLE, 0.0005},
	    {"5.", "5.0", LAKE_JNUM_DOUBLE, 5},
	    {"1E5", "1E5", LAKE_JNUM_DOUBLE, 100000},
	    {"-0", "-0", LAKE_JNUM_INT, 0},
	    {"12.25", "12.25", LAKE_JNUM_DOUBLE, 12.25},
	    {"007", "", LAKE_JNUM_BAD, 0},
	    {"1e999", "", LAKE_JNUM_BAD, 0},
	};
	/* Longer than the parser's own room for a respelt number. */
	char long_text[200] = ".";

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t iv = -1;
		double d = -1;
		struct lake_buf json = LAKE_BUF_INIT;
		enum lake_jnum k =
		    lake_text_number_parse(cases[i].text, strlen(cases[i].text), &iv, &d);
		CHECK_INT(k, cases[i].kind);
		if (k != LAKE_JNUM_BAD) {
			CHECK(d == cases[i].value);
			CHECK(k != LAKE_JNUM_INT || iv == (int64_t)cases[i].value);
			lake_text_number_json(&json, cases[i].text, strlen(cases[i].text));
			CHECK_STR(json.data, cases[i].json);
		}
		lake_buf_release(&json);
	}
	memset(long_text + 1, '5', 150);
	double d = 0;
	CHECK_INT(lake_text_number_parse(long_text, strlen(long_text), NULL, &d), LAKE_JNUM_DOUBLE);
	CHECK(d > 0.55 && d < 0.56);
}

static void test_csv_columns_widen(void)
{
	struct lake_schema *s = lake_schema_new();
	static const char *const zips[] = {"02134", "10001", NULL};
	static const char *const amounts[] = {"10", "12.5", ""};

	for (size_t i = 0; i < 3; i++) {
		lake_schema_count_row(s);
		lake_schema_observe_text(s, "zip", zips[i], zips[i] ? strlen(zips[i]) : 0);
		lake_schema_observe_text(s, "amount", amounts[i], strlen(amounts[i]));
	}
	json_t *cols = lake_schema_columns_json(s);
	char *text = json_dumps(cols, JSON_COMPACT);
	CHECK_STR(text, "[{\"name\":\"zip\",\"type\":\"string\"},{\"name\":\"amount\",\"type\":"
			"\"double\"}]");
	free(text);
	json_decref(cols);
	json_t *stats = lake_schema_stats_json(s);
	text = json_dumps(stats, JSON_COMPACT);
	/* zip mixed a leading-zero string and a number-like one: all text, so a text range. */
	CHECK_STR(text, "[{\"column\":\"zip\",\"nulls\":1,\"min\":\"02134\",\"max\":\"10001\"},"
			"{\"column\":\"amount\",\"nulls\":1,\"min\":10.0,\"max\":12.5}]");
	free(text);
	json_decref(stats);
	lake_schema_free(s);
}

/* CSV's inf and -inf, as lake writes them, are doubles; the range they make is none. */
static void test_csv_infinities_are_doubles(void)
{
	struct lake_schema *s = lake_schema_new();
	static const char *const vals[] = {"1.5", "inf", "-inf"}, *const words[] = {"x", "inf",
										    "y"};

	for (size_t i = 0; i < 3; i++) {
		lake_schema_count_row(s);
		lake_schema_observe_text(s, "d", vals[i], strlen(vals[i]));
		lake_schema_observe_text(s, "s", words[i], strlen(words[i]));
	}
	json_t *cols = lake_schema_columns_json(s);
	char *text = json_dumps(cols, JSON_COMPACT);
	CHECK_STR(text, "[{\"name\":\"d\",\"type\":\"double\"},{\"name\":\"s\",\"type\":"
			"\"string\"}]");
	free(text);
	json_decref(cols);
	json_t *stats = lake_schema_stats_json(s);
	text = json_dumps(json_array_get(stats, 0), JSON_COMPACT);
	CHECK_STR(text, "{\"column\":\"d\",\"nulls\":0,\"min\":null,\"max\":null}");
	free(text);
	json_decref(stats);
	lake_schema_free(s);
}

/* An overwrite's columns against the table's: what diff says, comments kept. */
static void test_replace_columns(void)
{
	json_t *before = json_loads("[{\"name\":\"k\",\"type\":\"string\",\"comment\":\"the key\"},"
				    "{\"name\":\"n\",\"type\":\"bigint\"},"
				    "{\"name\":\"x\",\"type\":\"double\"},"
				    "{\"name\":\"gone\",\"type\":\"date\"}]",
				    0, NULL);
	json_t *now = json_loads("[{\"name\":\"k\",\"type\":\"string\"},"
				 "{\"name\":\"n\",\"type\":\"double\"},"
				 "{\"name\":\"x\",\"type\":\"bigint\"},"
				 "{\"name\":\"new\",\"type\":\"boolean\"}]",
				 0, NULL);
	json_t *changes = json_array();

	lake_schema_replace_columns(before, now, changes);
	char *text = json_dumps(changes, JSON_COMPACT);
	CHECK_STR(text,
		  "[{\"change\":\"widened\",\"column\":\"n\",\"from\":\"bigint\",\"to\":"
		  "\"double\"},{\"change\":\"type\",\"column\":\"x\",\"from\":\"double\",\"to\":"
		  "\"bigint\"},{\"change\":\"added\",\"column\":\"new\",\"type\":\"boolean\"},"
		  "{\"change\":\"removed\",\"column\":\"gone\",\"type\":\"date\"}]");
	free(text);
	CHECK_STR(json_string_value(json_object_get(json_array_get(now, 0), "comment")), "the key");
	json_decref(before);
	json_decref(now);
	json_decref(changes);
}

static void test_stats(void)
{
	static const char *const lines[] = {
	    "{\"n\":5,\"s\":\"m\",\"t\":\"2024-05-02T00:00:00Z\",\"b\":true,\"x\":1,\"o\":{}}",
	    "{\"n\":-3,\"s\":\"a\",\"t\":\"2024-05-01\",\"b\":true,\"x\":\"y\"}",
	    "{\"n\":null,\"s\":\"z\"}",
	};
	struct lake_schema *s = lake_schema_new();

	for (size_t i = 0; i < 3; i++) {
		lake_schema_count_row(s);
		lake_schema_observe_json(s, lines[i], strlen(lines[i]));
	}
	CHECK_INT(lake_schema_rows(s), 3);
	json_t *stats = lake_schema_stats_json(s);
	char *text = json_dumps(stats, JSON_COMPACT);
	CHECK_STR(text, "[{\"column\":\"n\",\"nulls\":1,\"min\":-3,\"max\":5},"
			"{\"column\":\"s\",\"nulls\":0,\"min\":\"a\",\"max\":\"z\"},"
			"{\"column\":\"t\",\"nulls\":1,\"min\":\"2024-05-01 00:00:00\","
			"\"max\":\"2024-05-02 00:00:00\"},"
			"{\"column\":\"b\",\"nulls\":1,\"min\":true,\"max\":true},"
			"{\"column\":\"x\",\"nulls\":1,\"min\":null,\"max\":null},"
			/* {} names no field: no struct<> type, a column with no range */
			"{\"column\":\"o\",\"nulls\":2,\"min\":null,\"max\":null}]");
	free(text);
	json_decref(stats);
	lake_schema_free(s);
}

static void test_type_text_round_trip(void)
{
	static const char *const texts[] = {
	    "bigint",
	    "array<array<timestamp>>",
	    "struct<a:bigint,b:array<struct<c:date,d:boolean>>,e:double>",
	    "struct<`a:b`:string,`x``y`:bigint>",
	};

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct lake_type *t = lake_type_parse(texts[i]);
		struct lake_buf b = LAKE_BUF_INIT;
		CHECK(t != NULL);
		lake_type_format(t, &b);
		CHECK_STR(b.data, texts[i]);
		lake_buf_release(&b);
		lake_type_free(t);
	}
	CHECK(lake_type_parse("struct<a:bigint") == NULL);
	CHECK(lake_type_parse("map<string,string>") == NULL);
	CHECK(lake_type_parse("bigint junk") == NULL);
}

static void test_merge_columns(void)
{
	json_t *table = json_loads("[{\"name\":\"id\",\"type\":\"bigint\",\"comment\":\"key\"},"
				   "{\"name\":\"u\",\"type\":\"struct<a:bigint>\"}]",
				   0, NULL);
	json_t *file = json_loads("[{\"name\":\"u\",\"type\":\"struct<b:string>\"},"
				  "{\"name\":\"id\",\"type\":\"double\"},"
				  "{\"name\":\"new\",\"type\":\"date\"}]",
				  0, NULL);
	json_t *changes = json_array();
	json_t *merged = lake_schema_merge_columns(table, file, changes);
	char *m = json_dumps(merged, JSON_COMPACT), *c = json_dumps(changes, JSON_COMPACT);

	CHECK_STR(m, "[{\"name\":\"id\",\"type\":\"double\",\"comment\":\"key\"},"
		     "{\"name\":\"u\",\"type\":\"struct<a:bigint,b:string>\"},"
		     "{\"name\":\"new\",\"type\":\"date\"}]");
	CHECK_STR(
	    c, "[{\"change\":\"widened\",\"column\":\"u\",\"from\":\"struct<a:bigint>\","
	       "\"to\":\"struct<a:bigint,b:string>\"},"
	       "{\"change\":\"widened\",\"column\":\"id\",\"from\":\"bigint\",\"to\":\"double\"},"
	       "{\"change\":\"added\",\"column\":\"new\",\"type\":\"date\"}]");
	/* Merging the same again changes nothing. */
	json_t *again = json_array();
	json_t *merged2 = lake_schema_merge_columns(merged, file, again);
	CHECK_INT(json_array_size(again), 0);
	free(m);
	free(c);
	json_decref(merged2);
	json_decref(again);
	json_decref(merged);
	json_decref(changes);
	json_decref(table);
	json_decref(file);
}

/* Rows of a CSV sample from "a,b|1,2" text: ',' separates fields, '|' rows; "" is an empty field.
 */
static int header_of(const char *text, const char **why)
{
	const char *rows[8][8];
	size_t lens[8][8], nrows = 0, width = 0, c = 0;
	const char *const *rp[8];
	const size_t *lp[8];
	const char *p = text, *start = text;

	for (;; p++) {
		if (*p == ',' || *p == '|' || *p == '\0') {
			rows[nrows][c] = p > start ? start : NULL;
			lens[nrows][c] = (size_t)(p - start);
			c++;
			start = p + 1;
			if (*p != ',') {
				width = c;
				nrows++;
				c = 0;
			}
			if (!*p)
				break;
		}
	}
	for (size_t r = 0; r < nrows; r++) {
		rp[r] = rows[r];
		lp[r] = lens[r];
	}
	return lake_infer_csv_header(rp, lp, nrows, width, why);
}

static void test_csv_header_detection(void)
{
	static const struct {
		const char *rows;
		int header;
	} cases[] = {
	    /* all strings over typed data */
	    {"id,name|1,ann|2,bob", 1},
	    {"name,joined|ann,2024-01-02", 1},
	    /* distinct names that the data does not repeat, even over strings */
	    {"first name,last-name|ann,lee|bob,kim", 1},
	    /* the first row is data like the rest */
	    {"1,ann|2,bob", 0},
	    {"ann,lee|bob,kim|cid,may", 1},
	    {"x,x|a,b", 0},	/* repeated names are no header */
	    {"a,b|a,c", 0},	/* a "name" the data repeats */
	    {"007,x|008,y", 0}, /* ids with leading zeros are data */
	    {"02134,10001", 0}, /* a single row is data */
	    /* empty names (an Excel export's "h1;h2;;") over typed data: a header */
	    {"id,,name|1,2,x", 1},
	    {"h1,h2,,|1,2,,|3,4,5,6", 1},
	    {",,|1,2,3", 0},	   /* no name at all */
	    {"a,,b|c,,d|e,,f", 0}, /* empty names over strings: not sure, so data */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *why = NULL;
		int got = header_of(cases[i].rows, &why);
		CHECK_INT(got, cases[i].header);
		CHECK(why != NULL && *why);
		if (got != cases[i].header)
			fprintf(stderr, "  rows '%s' (%s)\n", cases[i].rows, why);
	}
}

int main(void)
{
	T_RUN(test_csv_header_detection);
	T_RUN(test_text_numbers);
	T_RUN(test_duplicate_keys_last_wins);
	T_RUN(test_json_types_and_widening);
	T_RUN(test_a_key_seen_last_is_a_column);
	T_RUN(test_text_kinds);
	T_RUN(test_csv_columns_widen);
	T_RUN(test_csv_infinities_are_doubles);
	T_RUN(test_replace_columns);
	T_RUN(test_stats);
	T_RUN(test_type_text_round_trip);
	T_RUN(test_merge_columns);
	T_DONE();
}
