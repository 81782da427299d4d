/*
 * test_parquet_write.c - the Parquet writer (parquet.h, writing half) and
 * its encoders: Thrift compact bytes, the RLE/bit-packed hybrid, the
 * string dictionary; files with their magic and footer length, row
 * groups written when full (seen as the file growing), values that do
 * not fit, full disks, zero rows, nulls, empty, NUL-holding and very long
 * strings.
 *
 * Without a reader these tests check the file's frame and the writer's
 * behaviour; scripts/check-parquet-write has DuckDB check every value and
 * statistic.  A round trip through lake_parquet_open() belongs in
 * write_table()'s callers once the reader is merged: every test below
 * that writes rows keeps them in a struct table for that.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "parquet/parquet.h"
#include "parquet/parquet_write_encode.h"
#include "scratch.h"
#include "t.h"
#include "parquet/thrift_encode.h"

/* ---- values ---- */

static struct lake_parquet_value v_null(void)
{
	struct lake_parquet_value v = {.kind = LAKE_PQ_NULL};
	return v;
}

static struct lake_parquet_value v_bool(int b)
{
	struct lake_parquet_value v = {.kind = LAKE_PQ_BOOL, .i = b};
	return v;
}

static struct lake_parquet_value v_int(int64_t i)
{
	struct lake_parquet_value v = {.kind = LAKE_PQ_INT, .i = i};
	return v;
}

static struct lake_parquet_value v_double(double d)
{
	struct lake_parquet_value v = {.kind = LAKE_PQ_DOUBLE, .d = d};
	return v;
}

static struct lake_parquet_value v_textn(const char *s, size_t n)
{
	struct lake_parquet_value v = {.kind = LAKE_PQ_TEXT, .s = s, .len = n};
	return v;
}

static struct lake_parquet_value v_text(const char *s)
{
	return v_textn(s, strlen(s));
}

/* ---- files ---- */

/* A table of rows to write: cells[r * ncols + c]. */
struct table {
	const struct lake_parquet_field *fields;
	size_t ncols;
	const struct lake_parquet_value *cells;
	size_t nrows;
};

/*
 * Write t to path with options o: 0, or -1 with e set by the writer.  The
 * one way the tests make files, so a round trip can be added in one place.
 */
static int write_table(const char *path, const struct table *t,
		       const struct lake_parquet_write_options *o, struct lake_error *e)
{
	struct lake_parquet_writer *w = NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), rc = -1;

	if (fd < 0)
		return lake_err_sys(e, LAKE_EX_CANTCREAT, "'%s'", path);
	if (lake_parquet_writer_open(fd, path, t->fields, t->ncols, o, &w, e) < 0)
		goto out;
	for (size_t r = 0; r < t->nrows; r++)
		if (lake_parquet_writer_add(w, t->cells + r * t->ncols, e) < 0)
			goto out;
	rc = lake_parquet_writer_finish(w, e);
out:
	lake_parquet_writer_free(w);
	close(fd);
	return rc;
}

struct file {
	unsigned char *data;
	size_t len;
};

static struct file read_whole(const char *path)
{
	struct file f = {NULL, 0};
	FILE *fp = fopen(path, "rb");
	long n;

	if (!fp)
		return f;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	f.data = malloc((size_t)n + 1);
	if (f.data && fread(f.data, 1, (size_t)n, fp) == (size_t)n)
		f.len = (size_t)n;
	fclose(fp);
	return f;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int contains(const unsigned char *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; m <= n && i <= n - m; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

/*
 * The frame every Parquet file has: "PAR1", pages, the footer, its
 * length, "PAR1".  Checks it and returns the footer's length (0 when the
 * frame is wrong); the footer must name its writer.
 */
static size_t check_frame(const char *path)
{
	struct file f = read_whole(path);
	size_t footer = 0;
	const char *by = "lake version " LAKE_VERSION;

	CHECK(f.len >= 12);
	if (f.len >= 12) {
		CHECK(memcmp(f.data, "PAR1", 4) == 0);
		CHECK(memcmp(f.data + f.len - 4, "PAR1", 4) == 0);
		footer = le32(f.data + f.len - 8);
		CHECK(footer > 0 && footer <= f.len - 12);
		if (footer == 0 || footer > f.len - 12)
			footer = 0;
		else
			CHECK(contains(f.data + f.len - 8 - footer, footer, by, strlen(by)));
	}
	free(f.data);
	return footer;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* ---- the Thrift encoder ---- */

static void test_thrift_compact_bytes(void)
{
	struct lake_buf b = LAKE_BUF_INIT;
	struct lake_thrift_enc t;
	static const unsigned char want[] = {
	    0x15, 0x04,		    /* field 1 i32 2: delta 1, zigzag 4 */
	    0x06, 0x28, 0x01,	    /* field 20 i64 -1: long form, id zigzag 40, value zigzag 1 */
	    0x11,		    /* field 21 bool true: delta 1, type 1 */
	    0x12,		    /* field 22 bool false */
	    0x18, 0x02, 'a',  'b',  /* field 23 binary "ab" */
	    0x1c,		    /* field 24 struct */
	    0x15, 0x7f,		    /* its field 1 i32 -64 */
	    0x13, 0x05,		    /* its field 2 i8 5 */
	    0x00,		    /* its stop */
	    0x19, 0x25, 0x00, 0x01, /* field 25 list of 2 i32: 0, -1 */
	    0x19, 0xf5, 0x10,	    /* field 26 list of 16 i32: long form size */
	};
	size_t head = sizeof want;

	lake_thrift_init(&t, &b);
	lake_thrift_struct_begin(&t);
	lake_thrift_field_i32(&t, 1, 2);
	lake_thrift_field_i64(&t, 20, -1);
	lake_thrift_field_bool(&t, 21, 1);
	lake_thrift_field_bool(&t, 22, 0);
	lake_thrift_field_binary(&t, 23, "ab", 2);
	lake_thrift_field_struct(&t, 24);
	lake_thrift_field_i32(&t, 1, -64);
	lake_thrift_field_i8(&t, 2, 5);
	lake_thrift_struct_end(&t);
	lake_thrift_list_begin(&t, 25, LAKE_THRIFT_I32, 2);
	lake_thrift_elem_i32(&t, 0);
	lake_thrift_elem_i32(&t, -1);
	lake_thrift_list_begin(&t, 26, LAKE_THRIFT_I32, 16);
	for (int i = 0; i < 16; i++)
		lake_thrift_elem_i32(&t, 300);
	lake_thrift_struct_end(&t);
	CHECK_INT(t.depth, 0);
	CHECK(b.len == head + 16 * 2 + 1);
	CHECK(b.len >= head && memcmp(b.data, want, head) == 0);
	/* 300 zigzags to 600: varint 0xd8 0x04. */
	CHECK((unsigned char)b.data[head] == 0xd8 && (unsigned char)b.data[head + 1] == 0x04);
	CHECK(b.data[b.len - 1] == 0);
	lake_buf_release(&b);
}

static void test_thrift_zigzag_extremes(void)
{
	struct lake_buf b = LAKE_BUF_INIT;

	CHECK(lake_thrift_zigzag(0) == 0);
	CHECK(lake_thrift_zigzag(-1) == 1);
	CHECK(lake_thrift_zigzag(1) == 2);
	CHECK(lake_thrift_zigzag(INT64_MAX) == UINT64_MAX - 1);
	CHECK(lake_thrift_zigzag(INT64_MIN) == UINT64_MAX);
	lake_thrift_put_varint(&b, UINT64_MAX);
	CHECK_INT(b.len, 10);
	CHECK((unsigned char)b.data[9] == 0x01);
	lake_buf_release(&b);
}

/* ---- the page encodings ---- */

static int bytes_are(const struct lake_buf *b, const unsigned char *want, size_t n)
{
	return b->len == n && memcmp(b->data, want, n) == 0;
}

static void test_levels_rle_and_bit_packed(void)
{
	struct lake_buf b = LAKE_BUF_INIT;
	uint8_t levels[40];

	/* Ten present values: one RLE run. */
	memset(levels, 1, 10);
	lake_pq_encode_levels(levels, 10, &b);
	CHECK(bytes_are(&b, (const unsigned char[]){0x14, 0x01}, 2));

	/* Alternating: one bit-packed group, lowest bit first. */
	lake_buf_reset(&b);
	for (int i = 0; i < 8; i++)
		levels[i] = (uint8_t)(i % 2);
	lake_pq_encode_levels(levels, 8, &b);
	CHECK(bytes_are(&b, (const unsigned char[]){0x03, 0xaa}, 2));

	/* Three odd values, then twenty nulls: five nulls fill the group, fifteen are a run. */
	lake_buf_reset(&b);
	levels[0] = 1, levels[1] = 0, levels[2] = 1;
	memset(levels + 3, 0, 20);
	lake_pq_encode_levels(levels, 23, &b);
	CHECK(bytes_are(&b, (const unsigned char[]){0x03, 0x05, 0x1e, 0x00}, 4));

	/* Three values and a repeat of ten: 3 + 5 fill leaves 5, too few for a run. */
	lake_buf_reset(&b);
	memset(levels + 3, 0, 10);
	lake_pq_encode_levels(levels, 13, &b);
	CHECK(bytes_are(&b, (const unsigned char[]){0x05, 0x05, 0x00}, 3));

	/* Nothing at all: no runs. */
	lake_buf_reset(&b);
	lake_pq_encode_levels(levels, 0, &b);
	CHECK_INT(b.len, 0);
	lake_buf_release(&b);
}

static void test_indices_bit_width(void)
{
	struct lake_buf b = LAKE_BUF_INIT;
	uint32_t idx[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	uint32_t run[9] = {300, 300, 300, 300, 300, 300, 300, 300, 300};

	CHECK_INT(lake_pq_bit_width(0), 1);
	CHECK_INT(lake_pq_bit_width(1), 1);
	CHECK_INT(lake_pq_bit_width(7), 3);
	CHECK_INT(lake_pq_bit_width(8), 4);
	CHECK_INT(lake_pq_bit_width(65535), 16);
	CHECK_INT(lake_pq_bit_width(UINT32_MAX), 32);

	/* 0..7 at three bits: 000 001 010 011 100 101 110 111 packed from the low bit. */
	lake_pq_encode_indices(idx, 8, 3, &b);
	CHECK(bytes_are(&b, (const unsigned char[]){0x03, 0x88, 0xc6, 0xfa}, 4));

	/* A run's value takes whole bytes: 300 at nine bits is two. */
	lake_buf_reset(&b);
	lake_pq_encode_indices(run, 9, 9, &b);
	CHECK(bytes_are(&b, (const unsigned char[]){0x12, 0x2c, 0x01}, 3));
	lake_buf_release(&b);
}

static void test_pack_bools(void)
{
	struct lake_buf b = LAKE_BUF_INIT;
	uint8_t v[10] = {1, 0, 0, 0, 0, 0, 0, 1, 1, 1};

	lake_pq_pack_bools(v, 10, &b);
	CHECK(bytes_are(&b, (const unsigned char[]){0x81, 0x03}, 2));
	lake_buf_release(&b);
}

static void test_dictionary(void)
{
	struct lake_pq_dict d = LAKE_PQ_DICT_INIT;
	uint32_t i = 99, j = 99;
	char key[32];
	int full = 0;

	CHECK_INT(lake_pq_dict_add(&d, "a\0b", 3, &i), 1);
	CHECK_INT(i, 0);
	CHECK_INT(lake_pq_dict_add(&d, "", 0, &i), 1);
	CHECK_INT(i, 1);
	CHECK_INT(lake_pq_dict_add(&d, "a", 1, &i), 1);
	CHECK_INT(lake_pq_dict_add(&d, "a\0b", 3, &j), 0);
	CHECK_INT(j, 0);
	CHECK_INT(lake_pq_dict_add(&d, "", 0, &j), 0);
	CHECK_INT(j, 1);
	/* The page body: 4-byte lengths and the bytes. */
	CHECK(bytes_are(&d.plain, (const unsigned char *)"\3\0\0\0a\0b\0\0\0\0\1\0\0\0a", 16));

	/* Full by entries: the 65537th distinct string is refused and changes nothing. */
	for (uint32_t k = 3; k < LAKE_PQ_DICT_MAX_ENTRIES; k++) {
		int n = snprintf(key, sizeof key, "k%u", k);
		if (lake_pq_dict_add(&d, key, (size_t)n, &i) != 1)
			full++;
	}
	CHECK_INT(full, 0);
	CHECK_INT(d.n, LAKE_PQ_DICT_MAX_ENTRIES);
	CHECK_INT(lake_pq_dict_add(&d, "new", 3, &i), -1);
	CHECK_INT(lake_pq_dict_add(&d, "k4000", 5, &i), 0);
	CHECK_INT(i, 4000);

	/* Full by bytes: after a reset, a value that would pass 1 MiB is refused. */
	lake_pq_dict_reset(&d);
	CHECK_INT(d.n, 0);
	CHECK_INT(lake_pq_dict_add(&d, "a", 1, &i), 1);
	{
		size_t big = LAKE_PQ_DICT_MAX_BYTES - 8;
		char *s = calloc(1, big + 1);
		/* 5 bytes of "a", a 4-byte length and big bytes would be 1 MiB + 1. */
		CHECK_INT(lake_pq_dict_add(&d, s, big, &i), -1);
		CHECK_INT(lake_pq_dict_add(&d, s, big - 1, &i), 1);
		CHECK_INT(d.plain.len, LAKE_PQ_DICT_MAX_BYTES);
		free(s);
	}
	lake_pq_dict_release(&d);
}

/* ---- files ---- */

static const struct lake_parquet_field every_kind[] = {
    {"b", LAKE_T_BOOLEAN}, {"i", LAKE_T_BIGINT},  {"d", LAKE_T_DOUBLE},
    {"s", LAKE_T_STRING},  {"dt", LAKE_T_DATE},	  {"ts", LAKE_T_TIMESTAMP},
    {"a", LAKE_T_ARRAY},   {"st", LAKE_T_STRUCT}, {"nothing", LAKE_T_NULL},
};
#define NKINDS (sizeof every_kind / sizeof every_kind[0])

static void test_every_kind_with_nulls(void)
{
	struct lake_parquet_value cells[4 * NKINDS];
	struct table t = {every_kind, NKINDS, cells, 4};
	struct lake_error e = {0};

	for (size_t i = 0; i < 4 * NKINDS; i++)
		cells[i] = v_null();
	cells[0] = v_bool(1);
	cells[1] = v_int(INT64_MIN);
	cells[2] = v_int(3); /* widens to double */
	cells[3] = v_text("");
	cells[4] = v_text("1969-12-31");
	cells[5] = v_text("2024-05-01T13:45:10.123456+02:00");
	cells[6] = v_text("[1,2]");
	cells[7] = v_text("{\"a\":null}");
	cells[NKINDS + 1] = v_int(INT64_MAX);
	cells[NKINDS + 2] = v_double(-0.0);
	cells[NKINDS + 3] = v_textn("a\0b", 3);
	cells[NKINDS + 4] = v_text("2024-05-01T23:59:59Z"); /* a timestamp's day */
	cells[2 * NKINDS + 2] = v_double(0.0 / 0.0);	    /* NaN, ignored by min/max */
	/* Row 3 is all nulls. */
	CHECK_INT(write_table(sp("kinds.parquet"), &t, NULL, &e), 0);
	CHECK_STR(e.msg, "");
	check_frame(sp("kinds.parquet"));
}

static void test_zero_rows(void)
{
	struct table t = {every_kind, NKINDS, NULL, 0};
	struct lake_error e = {0};
	size_t footer;

	CHECK_INT(write_table(sp("empty.parquet"), &t, NULL, &e), 0);
	footer = check_frame(sp("empty.parquet"));
	/* Nothing but the two magics, the footer and its length. */
	CHECK_INT(size_of(sp("empty.parquet")), (off_t)(footer + 12));
}

/*
 * Row groups are written when full and not before: the file grows only
 * at every row_group_rows-th row, so memory holds one row group at most.
 */
static void test_row_groups_by_rows(void)
{
	struct lake_parquet_write_options o = {100, 0, 1};
	struct lake_parquet_field f[] = {{"n", LAKE_T_BIGINT}, {"s", LAKE_T_STRING}};
	struct lake_parquet_writer *w = NULL;
	struct lake_error e = {0};
	int fd = open(sp("groups.parquet"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	off_t last = 4;
	int grew = 0, early = 0;
	char text[32];

	CHECK(fd >= 0);
	CHECK_INT(lake_parquet_writer_open(fd, sp("groups.parquet"), f, 2, &o, &w, &e), 0);
	CHECK_INT(lseek(fd, 0, SEEK_CUR), 4);
	for (int r = 1; w && r <= 1050; r++) {
		struct lake_parquet_value row[2];
		row[0] = v_int(r);
		row[1] = v_textn(text, (size_t)snprintf(text, sizeof text, "row %d", r % 7));
		CHECK_INT(lake_parquet_writer_add(w, row, &e), 0);
		off_t now = lseek(fd, 0, SEEK_CUR);
		if (now != last) {
			grew++;
			early += r % 100 != 0;
			last = now;
		}
	}
	CHECK_INT(grew, 10);
	CHECK_INT(early, 0);
	CHECK_INT(lake_parquet_writer_finish(w, &e), 0);
	CHECK(lseek(fd, 0, SEEK_CUR) > last);
	lake_parquet_writer_free(w);
	close(fd);
	check_frame(sp("groups.parquet"));
}

static void test_row_groups_by_bytes(void)
{
	struct lake_parquet_write_options o = {0, 10000, 0};
	struct lake_parquet_field f[] = {{"d", LAKE_T_DOUBLE}};
	struct lake_parquet_writer *w = NULL;
	struct lake_error e = {0};
	int fd = open(sp("bytes.parquet"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int grew = 0;
	off_t last = 4;

	CHECK_INT(lake_parquet_writer_open(fd, sp("bytes.parquet"), f, 1, &o, &w, &e), 0);
	/* 8 bytes a value: a row group every 1250 rows. */
	for (int r = 1; w && r <= 5000; r++) {
		struct lake_parquet_value v = v_double(r * 0.5);
		CHECK_INT(lake_parquet_writer_add(w, &v, &e), 0);
		if (lseek(fd, 0, SEEK_CUR) != last) {
			grew++;
			CHECK_INT(r % 1250, 0);
			last = lseek(fd, 0, SEEK_CUR);
		}
	}
	CHECK_INT(grew, 4);
	CHECK_INT(lake_parquet_writer_finish(w, &e), 0);
	lake_parquet_writer_free(w);
	close(fd);
	check_frame(sp("bytes.parquet"));
}

/* The message names the file, the column and the value, and the writer goes on. */
static void check_does_not_fit(struct lake_parquet_writer *w, size_t col, size_t ncols,
			       struct lake_parquet_value bad, const char *want)
{
	struct lake_parquet_value row[8];
	struct lake_error e = {0};

	for (size_t c = 0; c < ncols; c++)
		row[c] = v_null();
	row[col] = bad;
	CHECK_INT(lake_parquet_writer_add(w, row, &e), -1);
	CHECK_INT(e.code, LAKE_EX_DATAERR);
	if (!strstr(e.msg, want))
		fprintf(stderr, "message: %s\n", e.msg);
	CHECK(strstr(e.msg, want) != NULL);
}

static void test_values_that_do_not_fit(void)
{
	struct lake_parquet_field f[] = {{"flag", LAKE_T_BOOLEAN}, {"count", LAKE_T_BIGINT},
					 {"price", LAKE_T_DOUBLE}, {"day", LAKE_T_DATE},
					 {"at", LAKE_T_TIMESTAMP}, {"name", LAKE_T_STRING}};
	struct lake_parquet_value good[6] = {
	    v_bool(0),	 v_int(1), v_int(2), v_text("2024-02-29"), v_text("2024-05-01"),
	    v_text("ok")};
	struct lake_parquet_writer *w = NULL;
	struct lake_error e = {0};
	int fd = open(sp("fit.parquet"), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK_INT(lake_parquet_writer_open(fd, "fit.parquet", f, 6, NULL, &w, &e), 0);
	if (!w)
		return;
	check_does_not_fit(w, 0, 6, v_int(1),
			   "'fit.parquet': column 'flag': integer 1 does not fit a boolean column");
	check_does_not_fit(w, 1, 6, v_text("12"),
			   "column 'count': text \"12\" does not fit a bigint");
	check_does_not_fit(w, 1, 6, v_double(1.5), "column 'count': number 1.5 does not fit");
	check_does_not_fit(w, 2, 6, v_bool(1),
			   "column 'price': boolean true does not fit a double");
	check_does_not_fit(w, 3, 6, v_text("2023-02-29"),
			   "column 'day': text \"2023-02-29\" does not fit a date column");
	check_does_not_fit(w, 4, 6, v_text("yesterday\n"),
			   "column 'at': text \"yesterday?\" does not fit a timestamp column");
	check_does_not_fit(w, 4, 6, v_int(1714521600), "column 'at': integer 1714521600");
	check_does_not_fit(w, 5, 6, v_int(7), "column 'name': integer 7 does not fit a string");
	/* A refused row leaves nothing behind: good rows still make a file. */
	CHECK_INT(lake_parquet_writer_add(w, good, &e), 0);
	CHECK_INT(lake_parquet_writer_finish(w, &e), 0);
	/* Nothing is added after the footer. */
	CHECK_INT(lake_parquet_writer_add(w, good, &e), -1);
	CHECK(strstr(e.msg, "already finished") != NULL);
	lake_parquet_writer_free(w);
	close(fd);
	check_frame(sp("fit.parquet"));
}

static void test_bad_schemas(void)
{
	struct lake_parquet_field twice[] = {{"a", LAKE_T_BIGINT}, {"a", LAKE_T_STRING}};
	struct lake_parquet_field unnamed[] = {{"", LAKE_T_BIGINT}};
	struct lake_parquet_writer *w = NULL;
	struct lake_error e = {0};

	CHECK_INT(lake_parquet_writer_open(1, "x.parquet", twice, 2, NULL, &w, &e), -1);
	CHECK_STR(e.msg, "'x.parquet': column 'a' appears twice");
	CHECK(w == NULL);
	CHECK_INT(lake_parquet_writer_open(1, "x.parquet", unnamed, 1, NULL, &w, &e), -1);
	CHECK_STR(e.msg, "'x.parquet': column 1 has no name");
	CHECK_INT(lake_parquet_writer_open(1, "x.parquet", twice, 0, NULL, &w, &e), -1);
	CHECK_STR(e.msg, "'x.parquet': a Parquet file needs a column");
}

static void test_full_disk_at_open(void)
{
	struct lake_parquet_field f[] = {{"a", LAKE_T_BIGINT}};
	struct lake_parquet_writer *w = NULL;
	struct lake_error e = {0};
	int fd = open("/dev/full", O_WRONLY);

	CHECK(fd >= 0);
	CHECK_INT(lake_parquet_writer_open(fd, "/dev/full", f, 1, NULL, &w, &e), -1);
	CHECK(w == NULL);
	CHECK_INT(e.code, LAKE_EX_IOERR);
	CHECK_STR(e.msg, "'/dev/full': write failed: No space left on device");
	close(fd);
}

/* The disk fills after the start: the row group's write fails, and so does everything after. */
static void test_full_disk_at_row_group(void)
{
	struct lake_parquet_write_options o = {10, 0, 0};
	struct lake_parquet_field f[] = {{"a", LAKE_T_STRING}};
	struct lake_parquet_value v = v_text("some text");
	struct lake_parquet_writer *w = NULL;
	struct lake_error e = {0};
	int fd = open(sp("full.parquet"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int full = open("/dev/full", O_WRONLY);
	int r, rc = 0;

	CHECK_INT(lake_parquet_writer_open(fd, "out.parquet", f, 1, &o, &w, &e), 0);
	CHECK(dup2(full, fd) == fd);
	for (r = 0; w && r < 10 && rc == 0; r++)
		rc = lake_parquet_writer_add(w, &v, &e);
	CHECK_INT(rc, -1);
	CHECK_INT(r, 10);
	CHECK_STR(e.msg, "'out.parquet': write failed: No space left on device");
	CHECK_INT(lake_parquet_writer_add(w, &v, &e), -1);
	CHECK_STR(e.msg, "'out.parquet': an earlier write failed");
	CHECK_INT(lake_parquet_writer_finish(w, &e), -1);
	lake_parquet_writer_free(w);
	close(fd);
	close(full);
}

/* The footer's write fails: finish says so. */
static void test_full_disk_at_footer(void)
{
	struct lake_parquet_field f[] = {{"a", LAKE_T_BIGINT}};
	struct lake_parquet_value v = v_int(1);
	struct lake_parquet_writer *w = NULL;
	struct lake_error e = {0};
	int fd = open(sp("footer.parquet"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int full = open("/dev/full", O_WRONLY);

	CHECK_INT(lake_parquet_writer_open(fd, "out.parquet", f, 1, NULL, &w, &e), 0);
	CHECK_INT(lake_parquet_writer_add(w, &v, &e), 0);
	CHECK(dup2(full, fd) == fd);
	CHECK_INT(lake_parquet_writer_finish(w, &e), -1);
	CHECK_INT(e.code, LAKE_EX_IOERR);
	CHECK(strstr(e.msg, "'out.parquet': write failed") != NULL);
	lake_parquet_writer_free(w);
	close(fd);
	close(full);
}

/*
 * Strings of megabytes (one bigger than a page and than the dictionary),
 * many distinct strings (the dictionary overflows into PLAIN pages),
 * all-null and all-empty columns, over several row groups.
 */
static void test_long_and_many_strings(void)
{
	struct lake_parquet_field f[] = {{"long", LAKE_T_STRING},
					 {"uniq", LAKE_T_STRING},
					 {"empty", LAKE_T_STRING},
					 {"none", LAKE_T_BIGINT}};
	enum { ROWS = 140000 };
	struct lake_parquet_write_options o = {100000, 0, 1};
	struct lake_parquet_value *cells = calloc(ROWS * 4, sizeof *cells);
	struct table t = {f, 4, cells, ROWS};
	size_t big = 5u << 20;
	char *huge = malloc(big), *names = malloc((size_t)ROWS * 16);
	struct lake_error e = {0};
	uint64_t seed = 7;

	for (size_t i = 0; i < big; i++)
		huge[i] = (char)('a' + xorshift(&seed) % 26);
	for (size_t r = 0; r < ROWS; r++) {
		char *name = names + r * 16;
		int n = snprintf(name, 16, "u%zu", r * 7919 % 1000003);
		cells[r * 4] = r % 50000 == 3 ? v_textn(huge, big - r) : v_null();
		cells[r * 4 + 1] = v_textn(name, (size_t)n);
		cells[r * 4 + 2] = v_text("");
		cells[r * 4 + 3] = v_null();
	}
	CHECK_INT(write_table(sp("strings.parquet"), &t, &o, &e), 0);
	CHECK_STR(e.msg, "");
	check_frame(sp("strings.parquet"));
	/* Three huge strings, random letters: the file cannot be much smaller. */
	CHECK(size_of(sp("strings.parquet")) > (off_t)(3 * big / 2));
	free(cells);
	free(huge);
	free(names);
}

/* Options of 0 take the defaults; a writer freed without finish leaks nothing. */
static void test_free_without_finish(void)
{
	struct lake_parquet_field f[] = {{"s", LAKE_T_STRING}};
	struct lake_parquet_value v = v_text("x");
	struct lake_parquet_writer *w = NULL;
	struct lake_error e = {0};
	int fd = open(sp("abandoned.parquet"), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK_INT(lake_parquet_writer_open(fd, "abandoned.parquet", f, 1, NULL, &w, &e), 0);
	for (int r = 0; r < 1000; r++)
		CHECK_INT(lake_parquet_writer_add(w, &v, &e), 0);
	lake_parquet_writer_free(w);
	lake_parquet_writer_free(NULL);
	close(fd);
	CHECK_INT(size_of(sp("abandoned.parquet")), 4);
}

int main(void)
{
	if (setup_scratch("parquet-write") < 0) {
		perror("mkdtemp");
		return 1;
	}
	T_RUN(test_thrift_compact_bytes);
	T_RUN(test_thrift_zigzag_extremes);
	T_RUN(test_levels_rle_and_bit_packed);
	T_RUN(test_indices_bit_width);
	T_RUN(test_pack_bools);
	T_RUN(test_dictionary);
	T_RUN(test_every_kind_with_nulls);
	T_RUN(test_zero_rows);
	T_RUN(test_row_groups_by_rows);
	T_RUN(test_row_groups_by_bytes);
	T_RUN(test_values_that_do_not_fit);
	T_RUN(test_bad_schemas);
	T_RUN(test_full_disk_at_open);
	T_RUN(test_full_disk_at_row_group);
	T_RUN(test_full_disk_at_footer);
	T_RUN(test_long_and_many_strings);
	T_RUN(test_free_without_finish);
	if (t_failures == 0)
		remove_tree(scratch);
	T_DONE();
}
