/*
 * test_parquet_read.c - lake's Parquet reader against files DuckDB wrote
 * (tests/data/parquet, made by scripts/gen-parquet-fixtures.mjs): every
 * value of every fixture compared with DuckDB's own reading of it, column
 * subsets reading only their chunks, statistics, refusals, and corrupt
 * files that must fail with a message and never crash.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>

#include "parquet/parquet.h"
#include "scratch.h"
#include "t.h"

#define DATA LAKE_SRC_DIR "/tests/data/parquet/"

static const char *fixtures[][2] = {
    {"types-v1-snappy.parquet", "types.expected"},
    {"types-v1-gzip.parquet", "types.expected"},
    {"types-v2-zstd.parquet", "types.expected"},
    {"types-v2-none.parquet", "types.expected"},
    {"strings-v1-snappy.parquet", "strings.expected"},
    {"strings-v2-zstd.parquet", "strings.expected"},
    {"empty-zstd.parquet", "empty.expected"},
};

/* The expected file: a header of [name, how] and one JSON array per row. */
struct expected {
	json_t *header;
	json_t **rows;
	size_t nrows;
};

static int load_expected(const char *path, struct expected *x)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	memset(x, 0, sizeof *x);
	if (!fp)
		return -1;
	while (getline(&line, &cap, fp) > 0) {
		json_t *j = json_loads(line, 0, NULL);

		if (!j)
			break;
		if (!x->header) {
			x->header = j;
			continue;
		}
		x->rows = realloc(x->rows, (x->nrows + 1) * sizeof *x->rows);
		x->rows[x->nrows++] = j;
	}
	free(line);
	fclose(fp);
	return x->header ? 0 : -1;
}

static void free_expected(struct expected *x)
{
	for (size_t i = 0; i < x->nrows; i++)
		json_decref(x->rows[i]);
	free(x->rows);
	json_decref(x->header);
}

static void hex(const char *s, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02X", (unsigned char)s[i]);
	out[2 * len] = '\0';
}

/* Whether v is what DuckDB gave, printed in *why when not. */
static int value_matches(const struct lake_parquet_value *v, json_t *want, const char *how,
			 char *why, size_t whylen)
{
	const char *w = json_is_string(want) ? json_string_value(want) : NULL;
	char got[512];

	if (json_is_null(want)) {
		snprintf(why, whylen, "want null, got kind %d", (int)v->kind);
		return v->kind == LAKE_PQ_NULL;
	}
	if (!w) {
		snprintf(why, whylen, "bad expected value");
		return 0;
	}
	switch (v->kind) {
	case LAKE_PQ_NULL:
		snprintf(got, sizeof got, "null");
		break;
	case LAKE_PQ_BOOL:
		snprintf(got, sizeof got, "%s", v->i ? "true" : "false");
		break;
	case LAKE_PQ_INT:
		snprintf(got, sizeof got, "%" PRId64, v->i);
		break;
	case LAKE_PQ_DOUBLE: {
		double d = strtod(w, NULL);

		snprintf(why, whylen, "want %s, got %.17g", w, v->d);
		if (isnan(d))
			return isnan(v->d);
		if (isinf(d))
			return v->d == d;
		return fabs(v->d - d) <= 1e-12 * fmax(1, fabs(d));
	}
	case LAKE_PQ_TEXT:
		if (strcmp(how, "hex") == 0 && v->len < 200)
			hex(v->s, v->len, got);
		else
			snprintf(got, sizeof got, "%.*s", (int)v->len, v->s);
		break;
	}
	snprintf(why, whylen, "want \"%s\", got \"%s\"", w, got);
	if (strcmp(how, "num") == 0 && v->kind == LAKE_PQ_INT)
		return strcmp(got, w) == 0 || strtod(w, NULL) == (double)v->i;
	return strcmp(got, w) == 0;
}

/* Read every column of every row group in batches of at most batch rows; compare each value. */
static void check_fixture(const char *file, const char *expected_file, size_t batch)
{
	struct lake_parquet_file *f;
	struct lake_error err = {0};
	struct expected x;
	const struct lake_parquet_column *cols;
	size_t ncols, row = 0, *all;
	int bad = 0;

	CHECK(load_expected(expected_file, &x) == 0);
	CHECK(lake_parquet_open(file, &f, &err) == 0);
	if (!f || !x.header) {
		fprintf(stderr, "%s: %s\n", file, err.msg);
		free_expected(&x);
		return;
	}
	ncols = lake_parquet_columns(f, &cols);
	CHECK_INT(ncols, json_array_size(x.header));
	CHECK_INT(lake_parquet_num_rows(f), x.nrows);
	all = malloc((ncols + 1) * sizeof *all);
	for (size_t c = 0; c < ncols; c++) {
		all[c] = c;
		CHECK_STR(cols[c].name,
			  json_string_value(json_array_get(json_array_get(x.header, c), 0)));
	}
	for (size_t g = 0; g < lake_parquet_row_groups(f); g++) {
		struct lake_parquet_rows *rows;
		const struct lake_parquet_value *const *v;
		size_t n;
		int rc;

		CHECK(lake_parquet_rows_open(f, g, all, ncols, &rows, &err) == 0);
		if (!rows) {
			fprintf(stderr, "%s: %s\n", file, err.msg);
			break;
		}
		while ((rc = lake_parquet_rows_next(rows, batch, &n, &v, &err)) == 1) {
			for (size_t r = 0; r < n && row + r < x.nrows; r++)
				for (size_t c = 0; c < ncols; c++) {
					char why[1024];
					json_t *h = json_array_get(x.header, c);

					if (!value_matches(&v[c][r],
							   json_array_get(x.rows[row + r], c),
							   json_string_value(json_array_get(h, 1)),
							   why, sizeof why) &&
					    bad++ < 10)
						fprintf(stderr, "%s: row %zu column %s: %s\n", file,
							row + r, cols[c].name, why);
				}
			row += n;
		}
		CHECK_INT(rc, 0);
		if (rc < 0)
			fprintf(stderr, "%s: %s\n", file, err.msg);
		lake_parquet_rows_close(rows);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(row, x.nrows);
	free(all);
	lake_parquet_close(f);
	free_expected(&x);
}

static void test_every_fixture_every_value(void)
{
	for (size_t i = 0; i < sizeof fixtures / sizeof *fixtures; i++) {
		char file[2048], exp[2048];

		snprintf(file, sizeof file, DATA "%s", fixtures[i][0]);
		snprintf(exp, sizeof exp, DATA "%s", fixtures[i][1]);
		check_fixture(file, exp, 1024);
		/* Small odd batches cross every run and miniblock boundary differently. */
		check_fixture(file, exp, 7);
	}
}

static void test_kinds(void)
{
	static const struct {
		const char *name;
		enum lake_kind kind;
	} want[] = {
	    {"b", LAKE_T_BOOLEAN},	{"i8", LAKE_T_BIGINT},	  {"u64", LAKE_T_BIGINT},
	    {"f", LAKE_T_DOUBLE},	{"dec38", LAKE_T_DOUBLE}, {"s_low", LAKE_T_STRING},
	    {"bl", LAKE_T_STRING},	{"dt", LAKE_T_DATE},	  {"ts_ns", LAKE_T_TIMESTAMP},
	    {"tstz", LAKE_T_TIMESTAMP}, {"uid", LAKE_T_STRING},	  {"en", LAKE_T_STRING},
	};
	struct lake_parquet_file *f;
	struct lake_error err = {0};
	const struct lake_parquet_column *cols;
	size_t n;

	CHECK(lake_parquet_open(DATA "types-v1-snappy.parquet", &f, &err) == 0);
	if (!f)
		return;
	n = lake_parquet_columns(f, &cols);
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		for (size_t c = 0; c < n; c++)
			if (strcmp(cols[c].name, want[i].name) == 0) {
				CHECK_INT(cols[c].kind, want[i].kind);
				CHECK(cols[c].optional);
			}
	CHECK_STR(cols[0].physical, "BOOLEAN");
	lake_parquet_close(f);
}

static size_t column_index(struct lake_parquet_file *f, const char *name)
{
	const struct lake_parquet_column *cols;
	size_t n = lake_parquet_columns(f, &cols);

	for (size_t c = 0; c < n; c++)
		if (strcmp(cols[c].name, name) == 0)
			return c;
	return (size_t)-1;
}

static void test_one_column_reads_only_its_chunks(void)
{
	struct lake_parquet_file *f;
	struct lake_error err = {0};
	struct stat st;
	size_t col, n, row = 0;
	const struct lake_parquet_value *const *v;
	int rc = 0;

	CHECK(stat(DATA "types-v1-snappy.parquet", &st) == 0);
	CHECK(lake_parquet_open(DATA "types-v1-snappy.parquet", &f, &err) == 0);
	if (!f)
		return;
	col = column_index(f, "id");
	for (size_t g = 0; g < lake_parquet_row_groups(f); g++) {
		struct lake_parquet_rows *rows;

		CHECK(lake_parquet_rows_open(f, g, &col, 1, &rows, &err) == 0);
		while (rows && (rc = lake_parquet_rows_next(rows, 50, &n, &v, &err)) == 1)
			for (size_t r = 0; r < n; r++, row++) {
				CHECK_INT(v[0][r].kind, LAKE_PQ_INT);
				CHECK_INT(v[0][r].i, row);
			}
		CHECK_INT(rc, 0);
		lake_parquet_rows_close(rows);
	}
	CHECK_INT(row, 300);
	/* Footer and the id chunks only: a small part of a file of 26 columns. */
	CHECK(lake_parquet_bytes_read(f) < (uint64_t)st.st_size / 4);
	lake_parquet_close(f);
}

static void test_stats(void)
{
	struct lake_parquet_file *f;
	struct lake_error err = {0};
	struct lake_parquet_stats st;

	CHECK(lake_parquet_open(DATA "types-v2-zstd.parquet", &f, &err) == 0);
	if (!f)
		return;
	CHECK_INT(lake_parquet_row_groups(f), 1);
	CHECK_INT(lake_parquet_row_group_rows(f, 0), 300);
	lake_parquet_column_stats(f, 0, column_index(f, "id"), &st);
	CHECK(st.has_min_max);
	CHECK_INT(st.min.kind, LAKE_PQ_INT);
	CHECK_INT(st.min.i, 0);
	CHECK_INT(st.max.i, 299);
	CHECK(st.has_null_count);
	CHECK_INT(st.null_count, 0);
	CHECK(st.compressed_bytes > 0);
	/* i32 is NULL where i % 11 = 4: rows 4, 15, ..., 290. */
	lake_parquet_column_stats(f, 0, column_index(f, "i32"), &st);
	CHECK_INT(st.null_count, 27);
	CHECK(st.has_min_max);
	CHECK_INT(st.min.i, -2147483648LL);
	CHECK_INT(st.max.i, 2147483647LL);
	/* Unsigned beyond INT64_MAX: a double, as the values are. */
	lake_parquet_column_stats(f, 0, column_index(f, "u64"), &st);
	CHECK(st.has_min_max);
	CHECK_INT(st.max.kind, LAKE_PQ_DOUBLE);
	CHECK(st.max.d == 18446744073709551615.0);
	lake_parquet_column_stats(f, 0, column_index(f, "s_low"), &st);
	CHECK(st.has_min_max);
	CHECK_INT(st.min.kind, LAKE_PQ_TEXT);
	CHECK(st.min.len == 0);
	CHECK(st.max.len == strlen("ünïcödé ☃") && memcmp(st.max.s, "ünïcödé ☃", st.max.len) == 0);
	lake_parquet_column_stats(f, 0, column_index(f, "dt"), &st);
	CHECK(st.has_min_max);
	CHECK(st.min.kind == LAKE_PQ_TEXT && st.min.len == 10 &&
	      memcmp(st.min.s, "1969-12-25", 10) == 0);
	lake_parquet_column_stats(f, 0, column_index(f, "nul"), &st);
	CHECK(!st.has_min_max);
	CHECK_INT(st.null_count, 300);
	/* Out of range asks give nothing rather than crash. */
	lake_parquet_column_stats(f, 99, 0, &st);
	CHECK(!st.has_min_max && !st.has_null_count);
	lake_parquet_close(f);

	/* The second of two row groups has its own. */
	CHECK(lake_parquet_open(DATA "strings-v2-zstd.parquet", &f, &err) == 0);
	if (!f)
		return;
	CHECK_INT(lake_parquet_row_groups(f), 2);
	CHECK_INT(lake_parquet_row_group_rows(f, 1), 952);
	lake_parquet_column_stats(f, 1, column_index(f, "n"), &st);
	CHECK(st.has_min_max);
	CHECK_INT(st.min.i, 2048);
	CHECK_INT(st.max.i, 2999);
	lake_parquet_column_stats(f, 1, column_index(f, "many"), &st);
	CHECK_INT(st.null_count, 190);
	CHECK(st.has_min_max && st.min.len == 6 && memcmp(st.min.s, "k10005", 6) == 0);
	lake_parquet_close(f);
}

static void expect_open_error(const char *file, const char *needle)
{
	struct lake_parquet_file *f;
	struct lake_error err = {0};

	CHECK(lake_parquet_open(file, &f, &err) == -1);
	CHECK(f == NULL);
	CHECK(strstr(err.msg, needle) != NULL);
	if (!strstr(err.msg, needle))
		fprintf(stderr, "message: %s\n", err.msg);
	lake_parquet_close(f);
}

static void test_nested_refused(void)
{
	expect_open_error(DATA "nested-struct.parquet",
			  "nested-struct.parquet: column \"s\" is a nested group; lake reads flat "
			  "Parquet schemas only");
	expect_open_error(DATA "nested-list.parquet", "column \"l\" is a nested group");
	expect_open_error(DATA "no-such.parquet", "no-such.parquet: cannot open");
	expect_open_error(DATA "types.expected", "not a Parquet file");
}

/* DuckDB's "lz4" is LZ4_RAW; its "brotli" BROTLI: ids 0 to 9 either way. */
static void test_codecs_lz4_brotli(void)
{
	const char *files[] = {DATA "codec-lz4.parquet", DATA "codec-brotli.parquet"};

	for (int i = 0; i < 2; i++) {
		struct lake_parquet_file *f;
		struct lake_parquet_rows *rows;
		struct lake_error err = {0};
		const struct lake_parquet_value *const *v;
		size_t col = 0, n, seen = 0;
		int64_t sum = 0;
		int rc;

		CHECK(lake_parquet_open(files[i], &f, &err) == 0);
		if (!f)
			continue;
		CHECK(lake_parquet_rows_open(f, 0, &col, 1, &rows, &err) == 0);
		while (rows && (rc = lake_parquet_rows_next(rows, 4, &n, &v, &err)) == 1)
			for (size_t r = 0; r < n; r++, seen++)
				sum += v[0][r].kind == LAKE_PQ_INT ? v[0][r].i : 1000;
		if (!rows || rc < 0)
			fprintf(stderr, "%s: %s\n", files[i], err.msg);
		CHECK_INT(seen, 10);
		CHECK_INT(sum, 45);
		lake_parquet_rows_close(rows);
		lake_parquet_close(f);
	}
}

static void test_empty_file(void)
{
	struct lake_parquet_file *f;
	struct lake_error err = {0};

	CHECK(lake_parquet_open(DATA "empty-zstd.parquet", &f, &err) == 0);
	if (!f)
		return;
	CHECK_INT(lake_parquet_num_rows(f), 0);
	CHECK_INT(lake_parquet_columns(f, NULL), 26);
	lake_parquet_close(f);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/*
 * Open and read everything of a (damaged) file: 0 when it all read, -1
 * with a message naming the file when not.  Crashes are ASan's to catch.
 */
static int read_all(const char *path, const unsigned char *buf, size_t len, char *msg)
{
	struct lake_parquet_file *f;
	struct lake_error err = {0};
	FILE *fp = fopen(path, "wb");
	int rc = 0;

	fwrite(buf, 1, len, fp);
	fclose(fp);
	if (lake_parquet_open(path, &f, &err) < 0) {
		snprintf(msg, 1024, "%s", err.msg);
		return -1;
	}
	for (size_t g = 0; g < lake_parquet_row_groups(f) && rc == 0; g++) {
		size_t ncols = lake_parquet_columns(f, NULL), n,
		       *all = calloc(ncols + 1, sizeof *all);
		struct lake_parquet_rows *rows;
		const struct lake_parquet_value *const *v;

		for (size_t c = 0; c < ncols; c++)
			all[c] = c;
		if (lake_parquet_rows_open(f, g, all, ncols, &rows, &err) < 0)
			rc = -1;
		while (rc == 0 && (rc = lake_parquet_rows_next(rows, 100, &n, &v, &err)) == 1)
			rc = 0 * (int)n;
		lake_parquet_rows_close(rows);
		free(all);
	}
	if (rc < 0)
		snprintf(msg, 1024, "%s", err.msg);
	lake_parquet_close(f);
	return rc < 0 ? -1 : 0;
}

static void test_truncated_everywhere(void)
{
	size_t len;
	unsigned char *buf = slurp(DATA "types-v2-zstd.parquet", &len);
	char msg[1024];
	int failed = 0, named = 0;

	CHECK(buf != NULL);
	if (!buf)
		return;
	for (size_t cut = 0; cut < len; cut += cut < 64 || cut > len - 2048 ? 1 : 97) {
		if (read_all(sp("cut.parquet"), buf, cut, msg) < 0) {
			failed++;
			named += strstr(msg, "cut.parquet") != NULL;
		}
	}
	/* A file cut anywhere lost its footer: every one is an error naming the file. */
	CHECK_INT(named, failed);
	CHECK(failed > 2000);
	free(buf);
}

static void test_footer_bytes_flipped(void)
{
	size_t len;
	unsigned char *buf = slurp(DATA "types-v1-snappy.parquet", &len);
	uint32_t flen;
	char msg[1024];
	int named = 0, failed = 0;

	CHECK(buf != NULL);
	if (!buf)
		return;
	flen = (uint32_t)buf[len - 8] | (uint32_t)buf[len - 7] << 8 | (uint32_t)buf[len - 6] << 16 |
	       (uint32_t)buf[len - 5] << 24;
	for (size_t i = len - 8 - flen; i < len - 8; i++) {
		for (int k = 0; k < 3; k++) {
			static const unsigned char masks[] = {0xff, 0x80, 0x01};
			unsigned char old = buf[i];

			buf[i] ^= masks[k];
			if (read_all(sp("flip.parquet"), buf, len, msg) < 0) {
				failed++;
				named += strstr(msg, "flip.parquet: ") != NULL;
			}
			buf[i] = old;
		}
	}
	CHECK(failed > 0);
	CHECK_INT(named, failed);
	free(buf);
}

static void test_lying_lengths(void)
{
	size_t len;
	unsigned char *buf = slurp(DATA "strings-v1-snappy.parquet", &len);
	char msg[1024];
	uint64_t seed = 42;

	CHECK(buf != NULL);
	if (!buf)
		return;
	/* The footer's length, huge. */
	memcpy(buf + len - 8, "\xf0\xff\xff\xff", 4);
	CHECK(read_all(sp("huge.parquet"), buf, len, msg) < 0);
	CHECK(strstr(msg, "corrupt footer: length") != NULL);
	free(buf);

	/* Bytes of the pages damaged at random: an error or other values, never a crash. */
	buf = slurp(DATA "types-v2-none.parquet", &len);
	for (int round = 0; round < 300; round++) {
		unsigned char *copy = malloc(len);

		memcpy(copy, buf, len);
		for (int k = 0; k < 4; k++) {
			size_t at = 4 + xorshift(&seed) % (len / 2);
			copy[at] = (unsigned char)xorshift(&seed);
		}
		if (read_all(sp("damaged.parquet"), copy, len, msg) < 0)
			CHECK(strstr(msg, "damaged.parquet: ") != NULL);
		free(copy);
	}
	free(buf);
}

int main(void)
{
	if (setup_scratch("parquet") < 0)
		return 1;
	T_RUN(test_every_fixture_every_value);
	T_RUN(test_kinds);
	T_RUN(test_one_column_reads_only_its_chunks);
	T_RUN(test_stats);
	T_RUN(test_nested_refused);
	T_RUN(test_codecs_lz4_brotli);
	T_RUN(test_empty_file);
	T_RUN(test_truncated_everywhere);
	T_RUN(test_footer_bytes_flipped);
	T_RUN(test_lying_lengths);
	remove_tree(scratch);
	T_DONE();
}
