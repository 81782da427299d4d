/*
 * test_scan.c - a file's records cut into the used columns' values on a
 * thread: the values against the records written, over many batches;
 * CSV quoting and empty fields; bad records left out; an early close; an
 * error after the records before it.
 */
#include <stdint.h>
#include <stdio.h>

#include <zstd.h>

#include "buf.h"
#include "scan.h"
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
static struct lake_scan_options options(enum lake_format fmt, const int *slot, int stop_after)
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
	    .stop_after = stop_after,
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
	struct lake_scan_options o = options(LAKE_FORMAT_NDJSON, slot, 2);
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
 * CSV: header order, quotes undone, "" kept apart from an empty field, bad
 * rows left out; numeric columns' fields parsed as numbers.
 */
static void test_csv_fields(void)
{
	static const int slot[] = {1, -1, 0, -1};
	static const unsigned char numeric[] = {1, 0, 1, 0};
	struct lake_buf text = LAKE_BUF_INIT;
	struct lake_scan_options o = options(LAKE_FORMAT_CSV, slot, -1);
	struct lake_scan *s;
	struct lake_error err = {0};
	const struct lake_scan_batch *b;
	int rc;

	lake_buf_addstr(&text, "ok,amount,name,id\n"
			       "true,1.5,x,7\n"
			       "false,\"2,5\",\"a \"\"q\"\"\",8\n"
			       "true,,y,9\n"
			       "only,three,fields\n"
			       "true,\"\",z,10\n");
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
		CHECK_INT(lake_scan_next(s, &b, &err), 0);
	}
	lake_scan_close(s);
	lake_buf_release(&text);
}

/* A LIMIT stops reading early: close with batches pending and the thread waiting. */
static void test_early_close(void)
{
	static const int slot[] = {0, -1, -1, -1};
	struct lake_buf text = LAKE_BUF_INIT;
	struct lake_scan_options o = options(LAKE_FORMAT_NDJSON, slot, 1);
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
	struct lake_scan_options o = options(LAKE_FORMAT_NDJSON, slot, 1);
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
	struct lake_scan_options o = options(LAKE_FORMAT_CSV, slot, -1);
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

int main(void)
{
	if (setup_scratch("scan") < 0)
		return 1;
	T_RUN(test_ndjson_many_batches);
	T_RUN(test_csv_fields);
	T_RUN(test_early_close);
	T_RUN(test_error_after_records);
	T_RUN(test_open_errors);
	remove_tree(scratch);
	T_DONE();
}
