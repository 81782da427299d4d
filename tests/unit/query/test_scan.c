/*
 * test_scan.c - a file's records cut into the used columns' values on a
 * thread: the values against the records written, over many batches;
 * CSV quoting and empty fields; a bad record ending the scan; an early close; an
 * error after the records before it; Parquet's dictionary values coded
 * per batch, rows alike folded into one record with a weight, and each
 * record's place in its file whatever row groups were skipped.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <zstd.h>

#include "base/buf.h"
#include "parquet/parquet.h"
#include "query/scan.h"
#include "scratch.h"
#include "t.h"

static const char *const names[] = {"id", "name", "amount", "ok"};
static const size_t name_lens[] = {2, 4, 6, 2};

static void write_zstd(const char *path, const struct lake_buf *text)
{
	size_t bound = ZSTD_compressBound(text->len);
	char *z = lake_xmalloc(bound);
	size_t n = ZSTD_compress(z, bound, text->data, text->len, 3);
	FILE *f = fopen(path, "wb");

	CHECK(!ZSTD_isError(n) && f);
	if (f && !ZSTD_isError(n)) {
		fwrite(z, 1, n, f);
		fclose(f);
	}
	free(z);
}

/* Options wanting `amount` then `id` (values 0 and 1), the way lake-query asks. */
static struct lake_scan_options options(enum lake_format fmt, const int *slot)
{
	struct lake_scan_options o = {
	    .format = fmt,
	    .csv_header = 1,
	    .csv_delim = ',',
	    .trusted = 1,
	    .names = names,
	    .name_lens = name_lens,
	    .slot = slot,
	    .ncolumns = 4,
	    .nvalues = 2,
	};
	return o;
}

static int value_is(const struct lake_scan_batch *b, size_t r, int k, const char *text)
{
	const struct lake_scan_value *v = &b->values[r * 2 + (size_t)k];

	if (!text)
		return v->type == LAKE_JNONE;
	return v->type != LAKE_JNONE && v->len == strlen(text) &&
	       memcmp(b->bytes + v->off, text, v->len) == 0;
}

/* Many records, members in varying order, some missing: every value where it belongs. */
static void test_ndjson_many_batches(void)
{
	static const int slot[] = {1, -1, 0, -1};
	struct lake_buf text = LAKE_BUF_INIT;
	struct lake_scan_options o = options(LAKE_FORMAT_NDJSON, slot);
	struct lake_scan *s;
	struct lake_error err = {0};
	const struct lake_scan_batch *b;
	size_t seen = 0, batches = 0;
	const size_t n = 5000;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (i % 3 == 0)
			lake_buf_addf(&text,
				      "{\"id\":%zu,\"name\":\"n\\\"%zu\",\"amount\":%zu.5}\n", i, i,
				      i);
		else if (i % 3 == 1)
			lake_buf_addf(&text, "{\"amount\":\"%zu\",\"u\":{\"id\":0},\"id\":%zu}\n",
				      i, i);
		else
			lake_buf_addf(&text, "{\"name\":[1,{\"id\":2}],\"id\":%zu}\n", i);
	}
	write_zstd(sp("a.ndjson.zst"), &text);
	CHECK(lake_scan_open(sp("a.ndjson.zst"), &o, &s, &err) == 0);
	while ((rc = lake_scan_next(s, &b, &err)) == 1) {
		batches++;
		for (size_t r = 0; r < b->nrecords; r++, seen++) {
			char id[32], amount[40];
			snprintf(id, sizeof id, "%zu", seen);
			if (seen % 3 == 0)
				snprintf(amount, sizeof amount, "%zu.5", seen);
			else
				snprintf(amount, sizeof amount, "\"%zu\"", seen);
			CHECK(value_is(b, r, 1, id));
			CHECK(value_is(b, r, 0, seen % 3 == 2 ? NULL : amount));
		}
	}
	CHECK_INT(rc, 0);
	CHECK_INT(seen, n);
	CHECK(batches > 1);
	lake_scan_close(s);
	lake_buf_release(&text);
}

/*
 * CSV: header order, quotes undone, "" kept apart from an empty field;
 * numeric columns' fields parsed as numbers; a bad row ends the scan with
 * its file and line after the rows before it (it is not left out: its
 * values would be missing from the answer).
 */
static void test_csv_fields(void)
{
	static const int slot[] = {1, -1, 0, -1};
	static const unsigned char numeric[] = {1, 0, 1, 0};
	struct lake_buf text = LAKE_BUF_INIT;
	struct lake_scan_options o = options(LAKE_FORMAT_CSV, slot);
	struct lake_scan *s;
	struct lake_error err = {0};
	const struct lake_scan_batch *b;
	int rc;

	lake_buf_addstr(&text, "ok,amount,name,id\n"
			       "true,1.5,x,7\n"
			       "false,\"2,5\",\"a \"\"q\"\"\",8\n"
			       "true,,y,9\n"
			       "true,\"\",z,10\n"
			       "only,three,fields\n");
	write_zstd(sp("b.csv.zst"), &text);
	o.numeric = numeric;
	CHECK(lake_scan_open(sp("b.csv.zst"), &o, &s, &err) == 0);
	rc = lake_scan_next(s, &b, &err);
	CHECK_INT(rc, 1);
	if (rc == 1) {
		CHECK_INT(b->nrecords, 4);
		CHECK(value_is(b, 0, 0, "1.5") && value_is(b, 0, 1, "7"));
		CHECK(value_is(b, 1, 0, "2,5") && value_is(b, 1, 1, "8"));
		CHECK(value_is(b, 2, 0, NULL) && value_is(b, 2, 1, "9"));
		CHECK(value_is(b, 3, 0, "") && value_is(b, 3, 1, "10"));
		CHECK(b->values[0].parsed && b->values[0].num == LAKE_JNUM_DOUBLE &&
		      b->values[0].d == 1.5);
		CHECK(b->values[1].parsed && b->values[1].num == LAKE_JNUM_INT &&
		      b->values[1].i == 7);
		CHECK(b->values[2].parsed && b->values[2].num == LAKE_JNUM_BAD); /* "2,5" */
		CHECK(!b->values[6].parsed);					 /* "" */
		CHECK_INT(lake_scan_next(s, &b, &err), -1);
		CHECK(strstr(err.msg, "b.csv.zst:6:1: row has 3 fields, the header 4") != NULL);
		CHECK_INT(err.code, LAKE_EX_DATAERR);
	}
	lake_scan_close(s);
	lake_buf_release(&text);
}

/* A LIMIT stops reading early: close with batches pending and the thread waiting. */
static void test_early_close(void)
{
	static const int slot[] = {0, -1, -1, -1};
	struct lake_buf text = LAKE_BUF_INIT;
	struct lake_scan_options o = options(LAKE_FORMAT_NDJSON, slot);
	struct lake_scan *s;
	struct lake_error err = {0};
	const struct lake_scan_batch *b;

	o.nvalues = 1;
	for (int i = 0; i < 100000; i++)
		lake_buf_addf(&text, "{\"id\":%d}\n", i);
	write_zstd(sp("c.ndjson.zst"), &text);
	CHECK(lake_scan_open(sp("c.ndjson.zst"), &o, &s, &err) == 0);
	CHECK_INT(lake_scan_next(s, &b, &err), 1);
	lake_scan_close(s);
	CHECK(lake_scan_open(sp("c.ndjson.zst"), &o, &s, &err) == 0);
	lake_scan_close(s); /* before anything was read */
	lake_buf_release(&text);
}

/* Damaged data: the records before the damage, then the error naming the file. */
static void test_error_after_records(void)
{
	static const int slot[] = {0, -1, -1, -1};
	struct lake_buf text = LAKE_BUF_INIT;
	struct lake_scan_options o = options(LAKE_FORMAT_NDJSON, slot);
	struct lake_scan *s;
	struct lake_error err = {0};
	const struct lake_scan_batch *b;
	size_t records = 0;
	uint64_t seed = 7;
	int rc;

	o.nvalues = 1;
	for (int i = 0; i < 200000; i++)
		lake_buf_addf(&text, "{\"id\":%llu}\n", (unsigned long long)xorshift(&seed));
	write_zstd(sp("d.ndjson.zst"), &text);
	FILE *f = fopen(sp("d.ndjson.zst"), "r+b");
	CHECK(f != NULL);
	if (f) {
		fseek(f, -2000, SEEK_END);
		fputs("damage damage damage", f);
		fclose(f);
	}
	CHECK(lake_scan_open(sp("d.ndjson.zst"), &o, &s, &err) == 0);
	while ((rc = lake_scan_next(s, &b, &err)) == 1)
		records += b->nrecords;
	CHECK_INT(rc, -1);
	CHECK(records > 0 && records < 200000);
	CHECK(strstr(err.msg, "d.ndjson.zst") != NULL);
	CHECK_INT(err.code, LAKE_EX_DATAERR);
	lake_scan_close(s);
	lake_buf_release(&text);
}

/* A file that cannot be opened fails at once; one that is not the format, at the first batch. */
static void test_open_errors(void)
{
	static const int slot[] = {0, -1, -1, -1};
	struct lake_scan_options o = options(LAKE_FORMAT_CSV, slot);
	struct lake_scan *s;
	struct lake_error err = {0};
	const struct lake_scan_batch *b;
	struct lake_buf text = LAKE_BUF_INIT;

	CHECK(lake_scan_open(sp("missing.csv.zst"), &o, &s, &err) < 0);
	CHECK_INT(err.code, LAKE_EX_NOINPUT);
	lake_buf_addstr(&text, "\"unterminated header\n");
	write_zstd(sp("e.csv.zst"), &text);
	CHECK(lake_scan_open(sp("e.csv.zst"), &o, &s, &err) == 0);
	CHECK_INT(lake_scan_next(s, &b, &err), -1);
	CHECK(strstr(err.msg, "header row") != NULL);
	lake_scan_close(s);
	lake_buf_release(&text);
}

/*
 * A Parquet file of n rows in row groups of 700: id; name, one of 13
 * strings listed in each row group's dictionary in another order (so an
 * entry number is another string from one row group to the next);
 * amount, one of 3; ok, NULL in every ninth row.
 */
static const size_t pq_rows = 10000;

static void pq_name(size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "n%zu", (i * 7 + (i / 700) * 3) % 13);
}

static void write_parquet(const char *path)
{
	static const struct lake_parquet_field fields[] = {{"id", LAKE_T_BIGINT},
							   {"name", LAKE_T_STRING},
							   {"amount", LAKE_T_STRING},
							   {"ok", LAKE_T_STRING}};
	struct lake_parquet_write_options wo = {.row_group_rows = 700};
	struct lake_parquet_writer *w = NULL;
	struct lake_error err = {0};
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0 && lake_parquet_writer_open(fd, path, fields, 4, &wo, &w, &err) == 0);
	for (size_t i = 0; w && i < pq_rows; i++) {
		char name[16], amount[16];
		pq_name(i, name, sizeof name);
		snprintf(amount, sizeof amount, "a%zu", i % 3);
		struct lake_parquet_value v[4] = {
		    {.kind = LAKE_PQ_INT, .i = (int64_t)i},
		    {.kind = LAKE_PQ_TEXT, .s = name, .len = strlen(name)},
		    {.kind = LAKE_PQ_TEXT, .s = amount, .len = strlen(amount)},
		    {.kind = i % 9 ? LAKE_PQ_TEXT : LAKE_PQ_NULL, .s = "yes", .len = 3}};
		CHECK(lake_parquet_writer_add(w, v, &err) == 0);
	}
	CHECK(w && lake_parquet_writer_finish(w, &err) == 0);
	lake_parquet_writer_free(w);
	close(fd);
}

static int open_parquet_scan(const char *path, const int *slot, int fold, struct lake_scan **s)
{
	struct lake_scan_options o = options(LAKE_FORMAT_PARQUET, slot);
	struct lake_error err = {0};

	o.fold = fold;
	if (lake_parquet_open(path, &o.parquet, &err) < 0)
		return -1;
	return lake_scan_open(path, &o, s, &err);
}

/* The text of value k of record r. */
static void text_of(const struct lake_scan_batch *b, size_t r, int k, char *buf, size_t size)
{
	const struct lake_scan_value *v = &b->values[r * 2 + (size_t)k];

	snprintf(buf, size, "%.*s", v->type == LAKE_JNONE ? 4 : (int)v->len,
		 v->type == LAKE_JNONE ? "NULL" : b->bytes + v->off);
}

/* Every row in order, every value coded, and within a batch one value per code of a slot. */
static void test_parquet_codes(void)
{
	static const int slot[] = {-1, 0, 1, -1};
	struct lake_scan *s = NULL;
	struct lake_error err = {0};
	const struct lake_scan_batch *b;
	size_t seen = 0, coded = 0;
	int rc, consistent = 1;

	write_parquet(sp("p.parquet"));
	CHECK(open_parquet_scan(sp("p.parquet"), slot, 0, &s) == 0);
	while (s && (rc = lake_scan_next(s, &b, &err)) == 1) {
		char by_code[2][64][16] = {{{0}}};
		CHECK(b->weights == NULL);
		for (size_t r = 0; r < b->nrecords; r++, seen++) {
			char want[16], got[16];
			pq_name(seen, want, sizeof want);
			text_of(b, r, 0, got, sizeof got);
			CHECK_STR(got, want);
			for (int k = 0; k < 2; k++) {
				uint32_t code = b->values[r * 2 + (size_t)k].code;
				text_of(b, r, k, got, sizeof got);
				coded += code != 0;
				if (code == 0 || code >= 64)
					continue;
				if (!by_code[k][code][0])
					snprintf(by_code[k][code], 16, "%s", got);
				consistent &= strcmp(by_code[k][code], got) == 0;
			}
		}
	}
	CHECK_INT(seen, pq_rows);
	CHECK_INT(coded, 2 * pq_rows);
	CHECK(consistent);
	lake_scan_close(s);
}

/* Folded: few records, their weights the rows of each pair; NULL values are not folded. */
static void test_parquet_folds(void)
{
	static const int slot[] = {-1, 0, 1, -1}, slot_ok[] = {-1, 0, -1, 1};
	size_t want[13][3] = {{0}}, got[13][3] = {{0}}, rows = 0, records = 0, nulls = 0;
	struct lake_scan *s = NULL;
	struct lake_error err = {0};
	const struct lake_scan_batch *b;

	for (size_t i = 0; i < pq_rows; i++)
		want[(i * 7 + (i / 700) * 3) % 13][i % 3]++;
	CHECK(open_parquet_scan(sp("p.parquet"), slot, 1, &s) == 0);
	while (s && lake_scan_next(s, &b, &err) == 1) {
		CHECK(b->weights != NULL);
		for (size_t r = 0; b->weights && r < b->nrecords; r++, records++) {
			char name[16], amount[16];
			text_of(b, r, 0, name, sizeof name);
			text_of(b, r, 1, amount, sizeof amount);
			got[atoi(name + 1) % 13][atoi(amount + 1) % 3] += b->weights[r];
			rows += b->weights[r];
		}
	}
	lake_scan_close(s);
	CHECK_INT(rows, pq_rows);
	/* At most 39 pairs per row group of 700 rows (a batch spans many). */
	CHECK(records <= 39 * ((pq_rows + 699) / 700));
	CHECK(memcmp(got, want, sizeof got) == 0);

	rows = 0;
	CHECK(open_parquet_scan(sp("p.parquet"), slot_ok, 1, &s) == 0);
	while (s && lake_scan_next(s, &b, &err) == 1)
		for (size_t r = 0; b->weights && r < b->nrecords; r++) {
			int null = b->values[r * 2 + 1].type == LAKE_JNONE;
			CHECK(!null || b->weights[r] == 1);
			nulls += null;
			rows += b->weights[r];
		}
	lake_scan_close(s);
	CHECK_INT(rows, pq_rows);
	CHECK_INT(nulls, (pq_rows + 8) / 9);
}

/*
 * Rows of row groups left unread still count in the places of the rows
 * after them: a record's place (batch->first + r) is its row in the file,
 * the rowid lake-query gives it, the same in a scan that skips nothing.
 */
static void test_parquet_places_past_skipped_row_groups(void)
{
	static const int slot[] = {0, 1, -1, -1};
	struct lake_scan_options o = options(LAKE_FORMAT_PARQUET, slot);
	unsigned char keep[(pq_rows + 699) / 700];
	struct lake_scan *s = NULL;
	struct lake_error err = {0};
	const struct lake_scan_batch *b;
	size_t seen = 0, wrong = 0;

	for (size_t rg = 0; rg < sizeof keep; rg++)
		keep[rg] = rg % 3 == 1;
	o.row_groups = keep;
	CHECK(lake_parquet_open(sp("p.parquet"), &o.parquet, &err) == 0);
	CHECK(lake_parquet_row_groups(o.parquet) == sizeof keep);
	CHECK(lake_scan_open(sp("p.parquet"), &o, &s, &err) == 0);
	while (s && lake_scan_next(s, &b, &err) == 1)
		for (size_t r = 0; r < b->nrecords; r++, seen++) {
			char want[24], got[24];
			snprintf(want, sizeof want, "%llu", (unsigned long long)(b->first + r));
			text_of(b, r, 0, got, sizeof got);
			wrong += strcmp(got, want) != 0;
		}
	lake_scan_close(s);
	CHECK_INT(seen, 5 * 700);
	CHECK_INT(wrong, 0);
}

int main(void)
{
	if (setup_scratch("scan") < 0)
		return 1;
	T_RUN(test_ndjson_many_batches);
	T_RUN(test_csv_fields);
	T_RUN(test_early_close);
	T_RUN(test_error_after_records);
	T_RUN(test_open_errors);
	T_RUN(test_parquet_codes);
	T_RUN(test_parquet_folds);
	T_RUN(test_parquet_places_past_skipped_row_groups);
	remove_tree(scratch);
	T_DONE();
}
