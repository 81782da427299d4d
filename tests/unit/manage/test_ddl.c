/*
 * test_ddl.c - the exact CREATE text of each dialect (lib/manage/ddl.c) and the
 * table property readers and checks (lib/store/table_props.c).
 */
#include "t.h"

#include "manage/ddl.h"
#include "store/table_props.h"

/*
 * An NDJSON table with nested types (a struct holding an array, an array
 * of structs, a struct field whose name holds a ':'), odd column names
 * (space, quotes, backtick, upper case), a comment with a quote, two
 * partition keys (string and date), one of which the crawler also listed
 * as a column.
 */
static const char ndjson_columns[] =
    "[{\"name\":\"id\",\"type\":\"bigint\",\"comment\":\"the user's id\"},"
    "{\"name\":\"User Name\",\"type\":\"string\"},"
    "{\"name\":\"it\\\"s`q\",\"type\":\"boolean\"},"
    "{\"name\":\"Score\",\"type\":\"double\"},"
    "{\"name\":\"seen\",\"type\":\"timestamp\"},"
    "{\"name\":\"geo\",\"type\":\"struct<lat:double,tags:array<string>,`a:b`:date>\"},"
    "{\"name\":\"items\",\"type\":\"array<struct<sku:string,qty:bigint>>\"},"
    "{\"name\":\"region\",\"type\":\"string\"}]";
static const char ndjson_keys[] = "[{\"name\":\"region\",\"type\":\"string\"},"
				  "{\"name\":\"day\",\"type\":\"date\",\"grain\":\"day\"}]";
static const char csv_columns[] = "[{\"name\":\"id\",\"type\":\"bigint\"},"
				  "{\"name\":\"Full name\",\"type\":\"string\"},"
				  "{\"name\":\"born\",\"type\":\"date\"}]";

static struct lake_ddl_table ndjson_table(void)
{
	struct lake_ddl_table t = {
	    .db = "raw",
	    .name = "events",
	    .location = "data/raw/events",
	    .format = "ndjson",
	    .compression = "zstd",
	    .columns = (char *)ndjson_columns,
	    .partition_keys = (char *)ndjson_keys,
	    .properties = "{}",
	    .lake_dir = "/srv/lake",
	};
	return t;
}

/* CSV behind --location-prefix (with a trailing slash to drop), no partitions. */
static struct lake_ddl_table csv_table(void)
{
	struct lake_ddl_table t = {
	    .db = "raw",
	    .name = "people",
	    .location = "data/raw/people",
	    .format = "csv",
	    .compression = "zstd",
	    .columns = (char *)csv_columns,
	    .partition_keys = "[]",
	    .properties = "{\"csv_header\":[\"id\",\"Full name\",\"born\"]}",
	    .lake_dir = "/srv/lake",
	    .location_prefix = "s3://bucket/lake/",
	};
	return t;
}

/* TSV, uncompressed, without a header row (csv.header=false), one untyped key. */
static struct lake_ddl_table tsv_table(void)
{
	struct lake_ddl_table t = {
	    .db = "raw",
	    .name = "people",
	    .location = "data/raw/people",
	    .format = "tsv",
	    .compression = "none",
	    .columns = (char *)csv_columns,
	    .partition_keys = "[{\"name\":\"k\"}]",
	    .properties = "{\"csv.header\":false}",
	    .lake_dir = "/srv/lake",
	};
	return t;
}

static const char expect_ndjson_athena[] =
    "CREATE DATABASE IF NOT EXISTS `raw`;\n"
    "CREATE EXTERNAL TABLE IF NOT EXISTS `raw`.`events` (\n"
    "  `id` bigint COMMENT 'the user\\'s id',\n"
    "  `User Name` string,\n"
    "  `it\"s``q` boolean,\n"
    "  `Score` double,\n"
    "  `seen` timestamp,\n"
    "  `geo` struct<`lat`:double,`tags`:array<string>,`a:b`:date>,\n"
    "  `items` array<struct<`sku`:string,`qty`:bigint>>\n"
    ")\n"
    "PARTITIONED BY (\n"
    "  `region` string,\n"
    "  `day` date\n"
    ")\n"
    "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n"
    "STORED AS TEXTFILE\n"
    "LOCATION 'file:///srv/lake/data/raw/events'\n"
    "TBLPROPERTIES (\n"
    "  'classification'='json',\n"
    "  'compressionType'='zstd'\n"
    ");\n"
    "MSCK REPAIR TABLE `raw`.`events`;\n";

static const char expect_ndjson_spark[] =
    "CREATE DATABASE IF NOT EXISTS `raw`;\n"
    "CREATE TABLE IF NOT EXISTS `raw`.`events` (\n"
    "  `id` BIGINT COMMENT 'the user\\'s id',\n"
    "  `User Name` STRING,\n"
    "  `it\"s``q` BOOLEAN,\n"
    "  `Score` DOUBLE,\n"
    "  `seen` TIMESTAMP,\n"
    "  `geo` STRUCT<`lat`: DOUBLE, `tags`: ARRAY<STRING>, `a:b`: DATE>,\n"
    "  `items` ARRAY<STRUCT<`sku`: STRING, `qty`: BIGINT>>,\n"
    "  `region` STRING,\n"
    "  `day` DATE\n"
    ")\n"
    "USING JSON\n"
    "PARTITIONED BY (`region`, `day`)\n"
    "LOCATION 'file:///srv/lake/data/raw/events';\n"
    "MSCK REPAIR TABLE `raw`.`events`;\n";

static const char expect_ndjson_trino[] =
    "CREATE SCHEMA IF NOT EXISTS \"raw\";\n"
    "CREATE TABLE IF NOT EXISTS \"raw\".\"events\" (\n"
    "  \"id\" BIGINT COMMENT 'the user''s id',\n"
    "  \"User Name\" VARCHAR,\n"
    "  \"it\"\"s`q\" BOOLEAN,\n"
    "  \"Score\" DOUBLE,\n"
    "  \"seen\" TIMESTAMP,\n"
    "  \"geo\" ROW(\"lat\" DOUBLE, \"tags\" ARRAY(VARCHAR), \"a:b\" DATE),\n"
    "  \"items\" ARRAY(ROW(\"sku\" VARCHAR, \"qty\" BIGINT)),\n"
    "  \"region\" VARCHAR,\n"
    "  \"day\" DATE\n"
    ")\n"
    "WITH (\n"
    "  external_location = 'file:///srv/lake/data/raw/events',\n"
    "  format = 'JSON',\n"
    "  partitioned_by = ARRAY['region', 'day']\n"
    ");\n"
    "CALL system.sync_partition_metadata('raw', 'events', 'ADD');\n";

/* DuckDB: the instant a timestamp's text C means to lake, in UTC when it names no zone. */
#define TIMESTAMP_OF(c)                                                                            \
	"CASE WHEN regexp_matches(" c ", "                                                         \
	"'[0-9]:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$') "                 \
	"THEN CAST(regexp_replace(" c ", "                                                         \
	"'^([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2})([Z+-])', '\\1:00\\2') AS "            \
	"TIMESTAMPTZ) ELSE timezone('UTC', CAST(" c " AS TIMESTAMP)) END"

#define SEEN_AS_TIMESTAMP TIMESTAMP_OF("\"seen\"")

static const char expect_ndjson_duckdb[] =
    "CREATE OR REPLACE VIEW \"raw_events\" AS\n"
    "SELECT * REPLACE (\n"
    "  " SEEN_AS_TIMESTAMP " AS \"seen\"\n"
    ") FROM read_json(\n"
    "  '/srv/lake/data/raw/events/**/*.ndjson.zst',\n"
    "  format = 'newline_delimited',\n"
    "  compression = 'zstd',\n"
    "  hive_partitioning = true,\n"
    "  hive_types = {\n"
    "    'region': 'VARCHAR',\n"
    "    'day': 'DATE'\n"
    "  },\n"
    "  columns = {\n"
    "    'id': 'BIGINT',\n"
    "    'User Name': 'VARCHAR',\n"
    "    'it\"s`q': 'BOOLEAN',\n"
    "    'Score': 'DOUBLE',\n"
    "    'seen': 'VARCHAR',\n"
    "    'geo': 'STRUCT(\"lat\" DOUBLE, \"tags\" VARCHAR[], \"a:b\" DATE)',\n"
    "    'items': 'STRUCT(\"sku\" VARCHAR, \"qty\" BIGINT)[]'\n"
    "  }\n"
    ");\n";

static const char expect_csv_athena[] =
    "CREATE DATABASE IF NOT EXISTS `raw`;\n"
    "CREATE EXTERNAL TABLE IF NOT EXISTS `raw`.`people` (\n"
    "  `id` bigint,\n"
    "  `Full name` string,\n"
    "  `born` date\n"
    ")\n"
    "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'\n"
    "WITH SERDEPROPERTIES (\n"
    "  'separatorChar'=',',\n"
    "  'quoteChar'='\"'\n"
    ")\n"
    "STORED AS TEXTFILE\n"
    "LOCATION 's3://bucket/lake/data/raw/people'\n"
    "TBLPROPERTIES (\n"
    "  'classification'='csv',\n"
    "  'compressionType'='zstd',\n"
    "  'skip.header.line.count'='1'\n"
    ");\n";

static const char expect_csv_spark[] = "CREATE DATABASE IF NOT EXISTS `raw`;\n"
				       "CREATE TABLE IF NOT EXISTS `raw`.`people` (\n"
				       "  `id` BIGINT,\n"
				       "  `Full name` STRING,\n"
				       "  `born` DATE\n"
				       ")\n"
				       "USING CSV\n"
				       "OPTIONS (\n"
				       "  'header'='true',\n"
				       "  'sep'=','\n"
				       ")\n"
				       "LOCATION 's3://bucket/lake/data/raw/people';\n";

static const char expect_csv_trino[] = "CREATE SCHEMA IF NOT EXISTS \"raw\";\n"
				       "CREATE TABLE IF NOT EXISTS \"raw\".\"people\" (\n"
				       "  \"id\" VARCHAR,\n"
				       "  \"Full name\" VARCHAR,\n"
				       "  \"born\" VARCHAR\n"
				       ")\n"
				       "WITH (\n"
				       "  external_location = 's3://bucket/lake/data/raw/people',\n"
				       "  format = 'CSV',\n"
				       "  csv_separator = ',',\n"
				       "  csv_quote = '\"',\n"
				       "  skip_header_line_count = 1\n"
				       ");\n";

static const char expect_csv_duckdb[] = "CREATE OR REPLACE VIEW \"raw_people\" AS\n"
					"SELECT * REPLACE (\n"
					"  CAST(NULLIF(\"id\", '') AS BIGINT) AS \"id\",\n"
					"  CAST(NULLIF(\"born\", '') AS DATE) AS \"born\"\n"
					") FROM read_csv(\n"
					"  's3://bucket/lake/data/raw/people/**/*.csv.zst',\n"
					"  header = true,\n"
					"  delim = ',',\n"
					"  quote = '\"',\n"
					"  allow_quoted_nulls = false,\n"
					"  compression = 'zstd',\n"
					"  hive_partitioning = false,\n"
					"  columns = {\n"
					"    'id': 'VARCHAR',\n"
					"    'Full name': 'VARCHAR',\n"
					"    'born': 'VARCHAR'\n"
					"  }\n"
					");\n";

static const char expect_tsv_athena[] =
    "CREATE DATABASE IF NOT EXISTS `raw`;\n"
    "CREATE EXTERNAL TABLE IF NOT EXISTS `raw`.`people` (\n"
    "  `id` bigint,\n"
    "  `Full name` string,\n"
    "  `born` date\n"
    ")\n"
    "PARTITIONED BY (\n"
    "  `k` string\n"
    ")\n"
    "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'\n"
    "WITH SERDEPROPERTIES (\n"
    "  'separatorChar'='\\t',\n"
    "  'quoteChar'='\"'\n"
    ")\n"
    "STORED AS TEXTFILE\n"
    "LOCATION 'file:///srv/lake/data/raw/people'\n"
    "TBLPROPERTIES (\n"
    "  'classification'='csv',\n"
    "  'compressionType'='none'\n"
    ");\n"
    "MSCK REPAIR TABLE `raw`.`people`;\n";

static const char expect_tsv_spark[] = "CREATE DATABASE IF NOT EXISTS `raw`;\n"
				       "CREATE TABLE IF NOT EXISTS `raw`.`people` (\n"
				       "  `id` BIGINT,\n"
				       "  `Full name` STRING,\n"
				       "  `born` DATE,\n"
				       "  `k` STRING\n"
				       ")\n"
				       "USING CSV\n"
				       "OPTIONS (\n"
				       "  'header'='false',\n"
				       "  'sep'='\\t'\n"
				       ")\n"
				       "PARTITIONED BY (`k`)\n"
				       "LOCATION 'file:///srv/lake/data/raw/people';\n"
				       "MSCK REPAIR TABLE `raw`.`people`;\n";

static const char expect_tsv_trino[] =
    "CREATE SCHEMA IF NOT EXISTS \"raw\";\n"
    "CREATE TABLE IF NOT EXISTS \"raw\".\"people\" (\n"
    "  \"id\" VARCHAR,\n"
    "  \"Full name\" VARCHAR,\n"
    "  \"born\" VARCHAR,\n"
    "  \"k\" VARCHAR\n"
    ")\n"
    "WITH (\n"
    "  external_location = 'file:///srv/lake/data/raw/people',\n"
    "  format = 'CSV',\n"
    "  csv_separator = U&'\\0009',\n"
    "  csv_quote = '\"',\n"
    "  partitioned_by = ARRAY['k']\n"
    ");\n"
    "CALL system.sync_partition_metadata('raw', 'people', 'ADD');\n";

static const char expect_tsv_duckdb[] = "CREATE OR REPLACE VIEW \"raw_people\" AS\n"
					"SELECT * REPLACE (\n"
					"  CAST(NULLIF(\"id\", '') AS BIGINT) AS \"id\",\n"
					"  CAST(NULLIF(\"born\", '') AS DATE) AS \"born\"\n"
					") FROM read_csv(\n"
					"  '/srv/lake/data/raw/people/**/*.tsv',\n"
					"  header = false,\n"
					"  delim = '\\t',\n"
					"  quote = '\"',\n"
					"  allow_quoted_nulls = false,\n"
					"  hive_partitioning = true,\n"
					"  hive_types = {\n"
					"    'k': 'VARCHAR'\n"
					"  },\n"
					"  columns = {\n"
					"    'id': 'VARCHAR',\n"
					"    'Full name': 'VARCHAR',\n"
					"    'born': 'VARCHAR'\n"
					"  }\n"
					");\n";

static void check_ddl(struct lake_ddl_table t, enum lake_ddl_dialect d, const char *expect)
{
	struct lake_buf out = LAKE_BUF_INIT;
	struct lake_error e = {0};

	CHECK_INT(lake_ddl_generate(&t, d, &out, &e), 0);
	CHECK_STR(out.data, expect);
	lake_buf_release(&out);
}

static void test_ndjson_athena(void)
{
	check_ddl(ndjson_table(), LAKE_DDL_ATHENA, expect_ndjson_athena);
}

static void test_ndjson_spark(void)
{
	check_ddl(ndjson_table(), LAKE_DDL_SPARK, expect_ndjson_spark);
}

static void test_ndjson_trino(void)
{
	check_ddl(ndjson_table(), LAKE_DDL_TRINO, expect_ndjson_trino);
}

static void test_ndjson_duckdb(void)
{
	check_ddl(ndjson_table(), LAKE_DDL_DUCKDB, expect_ndjson_duckdb);
}

/* Parquet: nested columns are JSON text in lake's files, so every dialect says string. */
static void test_parquet_nested_as_text(void)
{
	static const enum lake_ddl_dialect dialects[] = {LAKE_DDL_ATHENA, LAKE_DDL_SPARK,
							 LAKE_DDL_TRINO, LAKE_DDL_DUCKDB};
	/* DuckDB's read_parquet() takes the types from the files: no column is declared. */
	static const char *const geo[] = {"`geo` string", "`geo` STRING", "\"geo\" VARCHAR", NULL};
	static const char *const nested[] = {"struct<", "STRUCT<", "ROW(",
					     "array<",	"ARRAY<",  "ARRAY("};
	struct lake_ddl_table t = ndjson_table();

	t.format = "parquet";
	t.compression = "none";
	for (size_t i = 0; i < sizeof dialects / sizeof *dialects; i++) {
		struct lake_buf out = LAKE_BUF_INIT;
		struct lake_error e = {0};
		CHECK_INT(lake_ddl_generate(&t, dialects[i], &out, &e), 0);
		CHECK(out.data && (!geo[i] || strstr(out.data, geo[i]) != NULL));
		for (size_t k = 0; out.data && k < sizeof nested / sizeof *nested; k++)
			CHECK(strstr(out.data, nested[k]) == NULL);
		lake_buf_release(&out);
	}
}

static void test_csv_athena(void)
{
	check_ddl(csv_table(), LAKE_DDL_ATHENA, expect_csv_athena);
}

static void test_csv_spark(void)
{
	check_ddl(csv_table(), LAKE_DDL_SPARK, expect_csv_spark);
}

static void test_csv_trino(void)
{
	check_ddl(csv_table(), LAKE_DDL_TRINO, expect_csv_trino);
}

static void test_csv_duckdb(void)
{
	check_ddl(csv_table(), LAKE_DDL_DUCKDB, expect_csv_duckdb);
}

static void test_tsv_athena(void)
{
	check_ddl(tsv_table(), LAKE_DDL_ATHENA, expect_tsv_athena);
}

static void test_tsv_spark(void)
{
	check_ddl(tsv_table(), LAKE_DDL_SPARK, expect_tsv_spark);
}

static void test_tsv_trino(void)
{
	check_ddl(tsv_table(), LAKE_DDL_TRINO, expect_tsv_trino);
}

static void test_tsv_duckdb(void)
{
	check_ddl(tsv_table(), LAKE_DDL_DUCKDB, expect_tsv_duckdb);
}

/*
 * A CSV table partitioned by one of its own columns: its files hold the
 * column, and DuckDB reads CSV by position, so the column is declared
 * (and DuckDB shows it once); Hive's dialects refuse a key declared twice.
 */
static void test_csv_key_in_files_duckdb(void)
{
	struct lake_ddl_table t = csv_table();
	struct lake_buf out = LAKE_BUF_INIT;
	struct lake_error e = {0};

	t.partition_keys = "[{\"name\":\"born\",\"type\":\"date\"}]";
	CHECK_INT(lake_ddl_generate(&t, LAKE_DDL_DUCKDB, &out, &e), 0);
	CHECK(out.data && strstr(out.data, "  columns = {\n"
					   "    'id': 'VARCHAR',\n"
					   "    'Full name': 'VARCHAR',\n"
					   "    'born': 'VARCHAR'\n"
					   "  }\n") != NULL);
	CHECK(out.data && strstr(out.data, "  hive_types = {\n"
					   "    'born': 'DATE'\n"
					   "  },\n") != NULL);
	lake_buf_reset(&out);
	CHECK_INT(lake_ddl_generate(&t, LAKE_DDL_ATHENA, &out, &e), 0);
	/* Once: as the partition key only. */
	const char *first = out.data ? strstr(out.data, "`born`") : NULL;
	CHECK(first != NULL && strstr(first + 1, "`born`") == NULL);
	lake_buf_release(&out);
}

/* A delimiter set with `lake-catalog set` wins over the format's own. */
static void test_delimiter_property(void)
{
	struct lake_ddl_table t = csv_table();
	struct lake_buf out = LAKE_BUF_INIT;
	struct lake_error e = {0};

	t.properties = "{\"csv.delimiter\":\"|\"}";
	CHECK_INT(lake_ddl_generate(&t, LAKE_DDL_DUCKDB, &out, &e), 0);
	CHECK(out.data && strstr(out.data, "  delim = '|',\n"));
	lake_buf_release(&out);
}

static void check_fails(struct lake_ddl_table t, int code, const char *msg)
{
	struct lake_buf out = LAKE_BUF_INIT;
	struct lake_error e = {0};

	CHECK_INT(lake_ddl_generate(&t, LAKE_DDL_TRINO, &out, &e), -1);
	CHECK_INT(e.code, code);
	CHECK_STR(e.msg, msg);
	CHECK(out.len == 0);
	lake_buf_release(&out);
}

static void test_no_schema(void)
{
	struct lake_ddl_table t = ndjson_table();

	t.columns = "[]";
	check_fails(t, LAKE_EX_DATAERR,
		    "table 'raw.events' has no schema yet; run lake-crawl first");
}

static void test_bad_types(void)
{
	static const char *const bad[] = {
	    "[{\"name\":\"a\",\"type\":\"int\"}]",
	    "[{\"name\":\"a\",\"type\":\"array<string\"}]",
	    "[{\"name\":\"a\",\"type\":\"struct<x bigint>\"}]",
	    "[{\"name\":\"a\",\"type\":\"struct<:bigint>\"}]",
	    "[{\"name\":\"a\",\"type\":\"bigint>\"}]",
	};
	struct lake_ddl_table t = csv_table();

	t.format = "ndjson";
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct lake_buf out = LAKE_BUF_INIT;
		struct lake_error e = {0};
		t.columns = (char *)bad[i];
		CHECK_INT(lake_ddl_generate(&t, LAKE_DDL_SPARK, &out, &e), -1);
		CHECK_INT(e.code, LAKE_EX_DATAERR);
		CHECK(strncmp(e.msg, "table 'raw.people': column 'a': cannot read the type", 52) ==
		      0);
		lake_buf_release(&out);
	}
}

/* Nesting is bounded, so a hostile catalog cannot exhaust the stack. */
static void test_deep_nesting(void)
{
	struct lake_buf cols = LAKE_BUF_INIT, out = LAKE_BUF_INIT;
	struct lake_ddl_table t = csv_table();
	struct lake_error e = {0};

	lake_buf_addstr(&cols, "[{\"name\":\"a\",\"type\":\"");
	for (int i = 0; i < 100; i++)
		lake_buf_addstr(&cols, "array<");
	lake_buf_addstr(&cols, "string");
	for (int i = 0; i < 100; i++)
		lake_buf_addstr(&cols, ">");
	lake_buf_addstr(&cols, "\"}]");
	t.columns = cols.data;
	CHECK_INT(lake_ddl_generate(&t, LAKE_DDL_ATHENA, &out, &e), -1);
	CHECK_INT(e.code, LAKE_EX_DATAERR);
	lake_buf_release(&cols);
	lake_buf_release(&out);
}

static void test_dialect_parse(void)
{
	enum lake_ddl_dialect d = LAKE_DDL_ATHENA;

	CHECK_INT(lake_ddl_dialect_parse("duckdb", &d), 0);
	CHECK_INT(d, LAKE_DDL_DUCKDB);
	CHECK_INT(lake_ddl_dialect_parse("trino", &d), 0);
	CHECK_INT(d, LAKE_DDL_TRINO);
	CHECK_INT(lake_ddl_dialect_parse("Athena", &d), -1);
	CHECK_INT(lake_ddl_dialect_parse("presto", &d), -1);
}

static void test_prop_readers(void)
{
	const char *props = "{\"csv.header\":false,\"csv.delimiter\":\"\\t\",\"n\":1}";
	char *s = NULL;
	int v = 7;

	CHECK_INT(lake_table_prop_bool(props, "csv.header", &v), 1);
	CHECK_INT(v, 0);
	v = 7;
	CHECK_INT(lake_table_prop_bool(props, "absent", &v), 0);
	CHECK_INT(v, 7);
	CHECK_INT(lake_table_prop_bool(props, "n", &v), -1);
	CHECK_INT(lake_table_prop_bool("not json", "csv.header", &v), -1);
	CHECK_INT(lake_table_prop_bool("", "csv.header", &v), 0);
	CHECK_INT(lake_table_prop_bool(NULL, "csv.header", &v), 0);
	CHECK_INT(lake_table_prop_string(props, "csv.delimiter", &s), 1);
	CHECK_STR(s, "\t");
	free(s);
	CHECK_INT(lake_table_prop_string(props, "absent", &s), 0);
	CHECK(s == NULL);
	CHECK_INT(lake_table_prop_string(props, "csv.header", &s), -1);
	CHECK(s == NULL);
}

static void check_parse(const char *key, const char *value, const char *expect_json)
{
	struct lake_error e = {0};
	json_t *v = NULL;
	char *text;

	CHECK_INT(lake_table_prop_parse(key, value, &v, &e), 0);
	if (!expect_json) {
		CHECK(v == NULL);
		return;
	}
	text = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
	CHECK_STR(text, expect_json);
	free(text);
	json_decref(v);
}

static void check_parse_fails(const char *key, const char *value, const char *msg)
{
	struct lake_error e = {0};
	json_t *v = NULL;

	CHECK_INT(lake_table_prop_parse(key, value, &v, &e), -1);
	CHECK_INT(e.code, LAKE_EX_USAGE);
	CHECK_STR(e.msg, msg);
	CHECK(v == NULL);
}

static void test_prop_parse(void)
{
	check_parse("csv.header", "true", "true");
	check_parse("csv.header", "false", "false");
	check_parse("csv.header", "", NULL);
	check_parse("csv.delimiter", ",", "\",\"");
	check_parse("csv.delimiter", "tab", "\"\\t\"");
	check_parse("csv.delimiter", "\\t", "\"\\t\"");
	check_parse("csv.delimiter", "\t", "\"\\t\"");
	check_parse("csv.delimiter", "|", "\"|\"");
	check_parse("csv.delimiter", ";", "\";\"");
	check_parse("csv.delimiter", "", NULL);
	check_parse_fails("csv.header", "yes", "csv.header 'yes': use true or false");
	check_parse_fails("csv.delimiter", "::", "csv.delimiter '::': use ',', 'tab', '|' or ';'");
	check_parse_fails("csv.delimiter", ":", "csv.delimiter ':': use ',', 'tab', '|' or ';'");
	check_parse_fails("description", "x",
			  "unknown property 'description'; the properties are: csv.header, "
			  "csv.delimiter");
	check_parse_fails("description", "",
			  "unknown property 'description'; the properties are: csv.header, "
			  "csv.delimiter");
}

int main(void)
{
	T_RUN(test_ndjson_athena);
	T_RUN(test_ndjson_spark);
	T_RUN(test_ndjson_trino);
	T_RUN(test_ndjson_duckdb);
	T_RUN(test_parquet_nested_as_text);
	T_RUN(test_csv_athena);
	T_RUN(test_csv_spark);
	T_RUN(test_csv_trino);
	T_RUN(test_csv_duckdb);
	T_RUN(test_tsv_athena);
	T_RUN(test_tsv_spark);
	T_RUN(test_tsv_trino);
	T_RUN(test_tsv_duckdb);
	T_RUN(test_csv_key_in_files_duckdb);
	T_RUN(test_delimiter_property);
	T_RUN(test_no_schema);
	T_RUN(test_bad_types);
	T_RUN(test_deep_nesting);
	T_RUN(test_dialect_parse);
	T_RUN(test_prop_readers);
	T_RUN(test_prop_parse);
	T_DONE();
}
