/*
 * test_parquet_craft.c - Parquet files built byte by byte here, for what
 * DuckDB does not write: INT96 and TIME columns, FLOAT16, the legacy
 * converted types, DELTA_BYTE_ARRAY, RLE booleans, byte-stream-split
 * fixed-width values, several data pages after one dictionary, index
 * pages, the deprecated statistics, and pages that lie.
 *
 * The file is one column of one row group, uncompressed unless a case says
 * otherwise; a small Thrift compact writer (tw_*) makes its headers.
 */
#include <inttypes.h>
#include <stdint.h>

#include "parquet/parquet.h"
#include "scratch.h"
#include "t.h"

/* ---- a Thrift compact writer, just enough for Parquet's headers ---- */

struct tw {
	uint8_t b[8192];
	size_t n;
	int16_t last[16];
	int depth;
};

static void tw_byte(struct tw *w, uint8_t v)
{
	w->b[w->n++] = v;
}

static void tw_raw(struct tw *w, const void *p, size_t len)
{
	memcpy(w->b + w->n, p, len);
	w->n += len;
}

static void tw_varint(struct tw *w, uint64_t v)
{
	while (v >= 0x80) {
		tw_byte(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	tw_byte(w, (uint8_t)v);
}

static uint64_t zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static void tw_field(struct tw *w, int type, int16_t id)
{
	int delta = id - w->last[w->depth];

	if (delta > 0 && delta <= 15) {
		tw_byte(w, (uint8_t)(delta << 4 | type));
	} else {
		tw_byte(w, (uint8_t)type);
		tw_varint(w, zz(id));
	}
	w->last[w->depth] = id;
}

static void tw_i32(struct tw *w, int16_t id, int64_t v)
{
	tw_field(w, 5, id);
	tw_varint(w, zz(v));
}

static void tw_i64(struct tw *w, int16_t id, int64_t v)
{
	tw_field(w, 6, id);
	tw_varint(w, zz(v));
}

static void tw_bin(struct tw *w, int16_t id, const void *p, size_t len)
{
	tw_field(w, 8, id);
	tw_varint(w, len);
	tw_raw(w, p, len);
}

static void tw_bool(struct tw *w, int16_t id, int v)
{
	tw_field(w, v ? 1 : 2, id);
}

static void tw_begin(struct tw *w, int16_t id)
{
	tw_field(w, 12, id);
	w->last[++w->depth] = 0;
}

/* A struct as a list element: no field header. */
static void tw_elem_begin(struct tw *w)
{
	w->last[++w->depth] = 0;
}

static void tw_end(struct tw *w)
{
	tw_byte(w, 0);
	w->depth--;
}

static void tw_list(struct tw *w, int16_t id, int elem, uint32_t count)
{
	tw_field(w, 9, id);
	if (count < 15) {
		tw_byte(w, (uint8_t)(count << 4 | elem));
	} else {
		tw_byte(w, (uint8_t)(0xf0 | elem));
		tw_varint(w, count);
	}
}

/*
 * Fields a newer writer might add to any struct, which a reader must skip:
 * one of every type, containers and a struct with its own unknowns among
 * them.  Ids from 40 up, past any parquet.thrift has used.
 */
static void tw_junk(struct tw *w)
{
	int16_t id = 40;

	tw_i32(w, id++, 123456);
	tw_bin(w, id++, "newer", 5);
	tw_bool(w, id++, 1);
	tw_field(w, 7, id++); /* double */
	tw_raw(w, "\0\0\0\0\0\0\xf8\x7f", 8);
	tw_field(w, 13, id++); /* uuid */
	tw_raw(w, "0123456789abcdef", 16);
	tw_list(w, id++, 12, 2); /* list<struct> */
	for (int i = 0; i < 2; i++) {
		tw_elem_begin(w);
		tw_i64(w, 1, -i);
		tw_list(w, 2, 1, 1); /* list<bool>: a byte per element */
		tw_byte(w, 1);
		tw_end(w);
	}
	tw_field(w, 11, id++); /* map<binary, i64> */
	tw_varint(w, 1);
	tw_byte(w, 0x86);
	tw_varint(w, 1);
	tw_byte(w, 'k');
	tw_varint(w, zz(-7));
	tw_begin(w, id++); /* a struct with a set and a struct of its own */
	tw_field(w, 10, 1);
	tw_byte(w, 0x15);
	tw_varint(w, zz(3));
	tw_begin(w, 2);
	tw_byte(w, 0x03 | 0); /* byte field, long form: id follows */
	tw_varint(w, zz(-1));
	tw_byte(w, 9);
	tw_end(w);
	tw_end(w);
}

/* ---- encoders for page bodies ---- */

/* DELTA_BINARY_PACKED: one block of 128 values in 4 miniblocks of 32. */
static void delta_encode(struct tw *w, const int64_t *v, size_t n)
{
	tw_varint(w, 128);
	tw_varint(w, 4);
	tw_varint(w, n);
	tw_varint(w, zz(n ? v[0] : 0));
	for (size_t start = 1; start < n; start += 128) {
		size_t end = start + 128 < n ? start + 128 : n;
		int64_t min = INT64_MAX;
		unsigned width = 0;

		for (size_t i = start; i < end; i++)
			if (v[i] - v[i - 1] < min)
				min = v[i] - v[i - 1];
		for (size_t i = start; i < end; i++)
			while (width < 64 && (uint64_t)(v[i] - v[i - 1] - min) >> width)
				width++;
		tw_varint(w, zz(min));
		for (int m = 0; m < 4; m++)
			tw_byte(w, (uint8_t)width);
		for (size_t m = 0; m < 4 && start + 32 * m < end; m++) {
			uint8_t bits[32 * 8] = {0};
			for (size_t k = 0; k < 32; k++) {
				size_t i = start + 32 * m + k;
				uint64_t d = i < end ? (uint64_t)(v[i] - v[i - 1] - min) : 0;
				for (unsigned b = 0; b < width; b++)
					if (d >> b & 1)
						bits[(k * width + b) / 8] |=
						    (uint8_t)(1 << ((k * width + b) % 8));
			}
			tw_raw(w, bits, 32 * width / 8);
		}
	}
}

static void le32_put(struct tw *w, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		tw_byte(w, (uint8_t)(v >> (8 * i)));
}

/* RLE hybrid definition levels all as one bit-packed run (v1 adds the length before). */
static void levels_encode(struct tw *w, const int *defined, size_t n, int with_length)
{
	struct tw run = {0};
	size_t groups = (n + 7) / 8;

	tw_varint(&run, groups << 1 | 1);
	for (size_t g = 0; g < groups; g++) {
		uint8_t byte = 0;
		for (size_t k = 0; k < 8 && g * 8 + k < n; k++)
			byte |= (uint8_t)(defined[g * 8 + k] << k);
		tw_byte(&run, byte);
	}
	if (with_length)
		le32_put(w, (uint32_t)run.n);
	tw_raw(w, run.b, run.n);
}

/* ---- the file ---- */

struct page {
	int type; /* 0 v1 data, 2 dictionary, 3 v2 data, 1 index */
	int encoding;
	int32_t num_values;
	int32_t num_nulls;
	int def_encoding;	    /* v1; 0 means RLE */
	int32_t def_length;	    /* v2: that many first bytes of the body are levels */
	int not_compressed;	    /* v2: is_compressed = false */
	int32_t claim_uncompressed; /* when not 0, the header lies about the size */
	int junk;		    /* unknown fields in each of its structs (tw_junk) */
	int untyped;		    /* the page type's field is no integer */
	struct tw body;
};

struct column {
	int physical;
	int32_t type_length;
	int optional;
	int converted; /* -1 none */
	int32_t scale, precision;
	void (*logical)(struct tw *w); /* writes LogicalType's member, or NULL */
	int codec;
	int64_t num_rows;
	const char *stat_min, *stat_max; /* deprecated min/max (fields 2, 1) */
	size_t stat_len;
	int stat_new;	      /* stat_min and stat_max are min_value and max_value (fields 6, 5) */
	int junk;	      /* unknown fields in every struct of the footer (tw_junk) */
	int lying_chunk;      /* the chunk's metadata has a string longer than the footer */
	int data_offset_zero; /* data_page_offset 0, as a chunk with moved offsets had */
	int uncount_dict_header; /* total sizes without the dictionary page's header */
	const char *created_by;	 /* the writer; NULL: "lake test" */
};

static void page_header(struct tw *w, const struct page *p)
{
	int32_t size = (int32_t)p->body.n;

	w->last[w->depth] = 0; /* a struct of its own at the top level */
	if (p->untyped)
		tw_bin(w, 1, "data", 4); /* the page type's id, of another type: skipped */
	else
		tw_i32(w, 1, p->type == 1 ? 1 : p->type);
	tw_i32(w, 2, p->claim_uncompressed ? p->claim_uncompressed : size);
	tw_i32(w, 3, size);
	if (p->junk)
		tw_i32(w, 4, 0x5eed); /* a CRC, wrong: not checked */
	if (p->type == 0) {
		tw_begin(w, 5);
		tw_i32(w, 1, p->num_values);
		tw_i32(w, 2, p->encoding);
		tw_i32(w, 3, p->def_encoding ? p->def_encoding : 3);
		tw_i32(w, 4, 3);
		if (p->junk) {
			tw_begin(w, 5); /* Statistics */
			tw_junk(w);
			tw_end(w);
			tw_junk(w);
		}
		tw_end(w);
	} else if (p->type == 2) {
		tw_begin(w, 7);
		tw_i32(w, 1, p->num_values);
		tw_i32(w, 2, p->encoding);
		if (p->junk) {
			tw_bool(w, 3, 1); /* is_sorted: a boolean where v1 pages have an i32 */
			tw_junk(w);
		}
		tw_end(w);
	} else if (p->type == 3) {
		tw_begin(w, 8);
		tw_i32(w, 1, p->num_values);
		tw_i32(w, 2, p->num_nulls);
		tw_i32(w, 3, p->num_values);
		tw_i32(w, 4, p->encoding);
		tw_i32(w, 5, p->def_length);
		tw_i32(w, 6, 0);
		if (p->not_compressed)
			tw_bool(w, 7, 0);
		if (p->junk)
			tw_junk(w);
		tw_end(w);
	}
	if (p->junk)
		tw_junk(w);
	tw_byte(w, 0);
}

/* Write the file; returns its path. */
static const char *build(const char *name, const struct column *c, const struct page *pages,
			 size_t npages)
{
	static struct tw file, foot;
	int64_t dict_off = -1, data_off = -1, start, uncounted = 0;
	FILE *fp;
	const char *path = sp(name);

	memset(&file, 0, sizeof file);
	memset(&foot, 0, sizeof foot);
	tw_raw(&file, "PAR1", 4);
	start = (int64_t)file.n;
	for (size_t i = 0; i < npages; i++) {
		if (pages[i].type == 2 && dict_off < 0)
			dict_off = (int64_t)file.n;
		if ((pages[i].type == 0 || pages[i].type == 3) && data_off < 0)
			data_off = (int64_t)file.n;
		if (pages[i].type == 2 && c->uncount_dict_header)
			uncounted = (int64_t)file.n;
		page_header(&file, &pages[i]);
		if (pages[i].type == 2 && c->uncount_dict_header)
			uncounted = (int64_t)file.n - uncounted;
		tw_raw(&file, pages[i].body.b, pages[i].body.n);
	}
	/* FileMetaData */
	tw_i32(&foot, 1, 1);
	tw_list(&foot, 2, 12, 2);
	tw_elem_begin(&foot);
	tw_bin(&foot, 4, "schema", 6);
	tw_i32(&foot, 5, 1);
	if (c->junk)
		tw_junk(&foot);
	tw_end(&foot);
	tw_elem_begin(&foot);
	tw_i32(&foot, 1, c->physical);
	if (c->type_length)
		tw_i32(&foot, 2, c->type_length);
	tw_i32(&foot, 3, c->optional ? 1 : 0);
	tw_bin(&foot, 4, "x", 1);
	if (c->converted >= 0)
		tw_i32(&foot, 6, c->converted);
	if (c->scale)
		tw_i32(&foot, 7, c->scale);
	if (c->precision)
		tw_i32(&foot, 8, c->precision);
	if (c->logical) {
		tw_begin(&foot, 10);
		c->logical(&foot);
		tw_end(&foot);
	}
	if (c->junk) {
		tw_i32(&foot, 9, 1); /* field_id: not read */
		tw_junk(&foot);
	}
	tw_end(&foot);
	tw_i64(&foot, 3, c->num_rows);
	tw_list(&foot, 4, 12, 1);
	tw_elem_begin(&foot); /* RowGroup */
	tw_list(&foot, 1, 12, 1);
	tw_elem_begin(&foot); /* ColumnChunk */
	tw_i64(&foot, 2, start);
	tw_begin(&foot, 3); /* ColumnMetaData */
	tw_i32(&foot, 1, c->physical);
	tw_list(&foot, 2, 5, 1);
	tw_varint(&foot, zz(0));
	tw_list(&foot, 3, 8, 1);
	tw_varint(&foot, 1);
	tw_byte(&foot, 'x');
	if (c->codec < 0)
		tw_bin(&foot, 4, "ZSTD", 4); /* the codec's id, of another type: skipped */
	else
		tw_i32(&foot, 4, c->codec);
	tw_i64(&foot, 5, c->num_rows);
	tw_i64(&foot, 6, (int64_t)file.n - start - uncounted);
	tw_i64(&foot, 7, (int64_t)file.n - start - uncounted);
	/* An unknown field of every kind, to be skipped. */
	tw_field(&foot, 7, 30);
	tw_raw(&foot, "\0\0\0\0\0\0\0\0", 8);
	tw_field(&foot, 11, 31);
	tw_varint(&foot, 1);
	tw_byte(&foot, 0x88);
	tw_varint(&foot, 1);
	tw_byte(&foot, 'k');
	tw_varint(&foot, 1);
	tw_byte(&foot, 'v');
	tw_i64(&foot, 9, c->data_offset_zero ? 0 : data_off);
	if (dict_off >= 0)
		tw_i64(&foot, 11, dict_off);
	if (c->stat_min) {
		tw_begin(&foot, 12);
		tw_bin(&foot, c->stat_new ? 5 : 1, c->stat_max, c->stat_len);
		tw_bin(&foot, c->stat_new ? 6 : 2, c->stat_min, c->stat_len);
		if (c->junk)
			tw_bin(&foot, 3, "no count", 8); /* null_count's id, not an integer */
		else
			tw_i64(&foot, 3, 0);
		if (c->junk) {
			tw_bool(&foot, 7, 1); /* is_max_value_exact */
			tw_junk(&foot);
		}
		tw_end(&foot);
	}
	if (c->junk) {
		tw_i32(&foot, 15, 64); /* bloom_filter_length */
		tw_begin(&foot, 16);   /* SizeStatistics */
		tw_i64(&foot, 1, 99);
		tw_end(&foot);
		tw_junk(&foot);
	}
	if (c->lying_chunk) {
		tw_field(&foot, 8, 45);
		tw_varint(&foot, 100000);
	}
	tw_end(&foot); /* ColumnMetaData */
	if (c->junk)
		tw_junk(&foot);
	tw_end(&foot); /* ColumnChunk */
	tw_i64(&foot, 2, (int64_t)file.n - start);
	tw_i64(&foot, 3, c->num_rows);
	if (c->junk) {
		tw_list(&foot, 4, 12, 1); /* sorting_columns */
		tw_elem_begin(&foot);
		tw_i32(&foot, 1, 0);
		tw_bool(&foot, 2, 0);
		tw_bool(&foot, 3, 1);
		tw_end(&foot);
		tw_junk(&foot);
	}
	tw_end(&foot); /* RowGroup */
	if (c->created_by)
		tw_bin(&foot, 6, c->created_by, strlen(c->created_by));
	else
		tw_bin(&foot, 6, "lake test", 9);
	if (c->junk) {
		tw_list(&foot, 7, 12, 1); /* column_orders */
		tw_elem_begin(&foot);
		tw_begin(&foot, 1);
		tw_end(&foot);
		tw_end(&foot);
		tw_junk(&foot);
	}
	tw_byte(&foot, 0);
	tw_raw(&file, foot.b, foot.n);
	le32_put(&file, (uint32_t)foot.n);
	tw_raw(&file, "PAR1", 4);
	fp = fopen(path, "wb");
	fwrite(file.b, 1, file.n, fp);
	fclose(fp);
	return path;
}

/* Every value of the file as text ("null", "true", 42, 1.5, "text"), one per line; or the error. */
static void read_text(const char *path, char *out, size_t cap)
{
	struct lake_parquet_file *f;
	struct lake_parquet_rows *rows;
	struct lake_error err = {0};
	const struct lake_parquet_value *const *v;
	size_t col = 0, n, used = 0;
	int rc;

	out[0] = '\0';
	if (lake_parquet_open(path, &f, &err) < 0) {
		snprintf(out, cap, "error: %s", err.msg);
		return;
	}
	if (lake_parquet_rows_open(f, 0, &col, 1, &rows, &err) < 0) {
		snprintf(out, cap, "error: %s", err.msg);
		lake_parquet_close(f);
		return;
	}
	while ((rc = lake_parquet_rows_next(rows, 3, &n, &v, &err)) == 1)
		for (size_t r = 0; r < n; r++) {
			const struct lake_parquet_value *x = &v[0][r];
			switch (x->kind) {
			case LAKE_PQ_NULL:
				used += (size_t)snprintf(out + used, cap - used, "null ");
				break;
			case LAKE_PQ_BOOL:
				used += (size_t)snprintf(out + used, cap - used, "%s ",
							 x->i ? "true" : "false");
				break;
			case LAKE_PQ_INT:
				used +=
				    (size_t)snprintf(out + used, cap - used, "%" PRId64 " ", x->i);
				break;
			case LAKE_PQ_DOUBLE:
				used += (size_t)snprintf(out + used, cap - used, "%g ", x->d);
				break;
			case LAKE_PQ_TEXT:
				used += (size_t)snprintf(out + used, cap - used, "'%.*s' ",
							 (int)x->len, x->s);
				break;
			}
		}
	if (rc < 0)
		snprintf(out + used, cap - used, "error: %s", err.msg);
	lake_parquet_rows_close(rows);
	lake_parquet_close(f);
}

static void check_file(const char *name, const struct column *c, const struct page *pages,
		       size_t npages, const char *want)
{
	char got[4096];

	read_text(build(name, c, pages, npages), got, sizeof got);
	CHECK_STR(got, want);
}

static void check_error(const char *name, const struct column *c, const struct page *pages,
			size_t npages, const char *needle)
{
	char got[4096];

	read_text(build(name, c, pages, npages), got, sizeof got);
	CHECK(strstr(got, needle) != NULL);
	if (!strstr(got, needle))
		fprintf(stderr, "%s: got %s\n", name, got);
}

static const struct column plain_col = {.converted = -1};

static void lt_time_millis(struct tw *w)
{
	tw_begin(w, 7);
	tw_bool(w, 1, 1);
	tw_begin(w, 2);
	tw_begin(w, 1);
	tw_end(w);
	tw_end(w);
	tw_end(w);
}

static void lt_float16(struct tw *w)
{
	tw_begin(w, 15);
	tw_end(w);
}

static void lt_string(struct tw *w)
{
	tw_begin(w, 1);
	tw_end(w);
}

/* TIMESTAMP(MICROS) with fields a newer writer might add to TimestampType. */
static void lt_timestamp_newer(struct tw *w)
{
	tw_begin(w, 8);
	tw_bool(w, 1, 1);
	tw_begin(w, 2);
	tw_begin(w, 2);
	tw_end(w);
	tw_junk(w);
	tw_end(w);
	tw_junk(w);
	tw_end(w);
}

static void test_newer_writers_fields(void)
{
	struct column c = plain_col;
	struct page pages[3] = {
	    {.type = 2, .encoding = 0, .num_values = 2, .junk = 1},
	    {.type = 0, .encoding = 8, .num_values = 2, .junk = 1},
	    {.type = 3, .encoding = 0, .num_values = 1, .junk = 1},
	};
	struct lake_parquet_file *f;
	struct lake_error err = {0};
	struct lake_parquet_stats st;

	c.physical = 2;
	c.logical = lt_timestamp_newer;
	c.num_rows = 3;
	c.junk = 1;
	c.stat_min = "\0\0\0\0\0\0\0\0";
	c.stat_max = "\x40\x42\x0f\0\0\0\0\0";
	c.stat_len = 8;
	le32_put(&pages[0].body, 1000000);
	le32_put(&pages[0].body, 0);
	le32_put(&pages[0].body, 0);
	le32_put(&pages[0].body, 0);
	tw_byte(&pages[1].body, 1);    /* bit width */
	tw_byte(&pages[1].body, 3);    /* bit-packed, one group */
	tw_byte(&pages[1].body, 0x01); /* 1, 0 */
	le32_put(&pages[2].body, 500000);
	le32_put(&pages[2].body, 0);
	check_file("newer.parquet", &c, pages, 3,
		   "'1970-01-01T00:00:00Z' '1970-01-01T00:00:01Z' '1970-01-01T00:00:00.500000Z' ");
	/* The statistics' bounds are read; a null count that is no integer is not. */
	CHECK(lake_parquet_open(sp("newer.parquet"), &f, &err) == 0);
	if (f) {
		lake_parquet_column_stats(f, 0, 0, &st);
		CHECK(st.has_min_max);
		CHECK(!st.has_null_count);
		lake_parquet_close(f);
	}
}

/* A dictionary of "a", "b" and a data page of indices 1, 0, 1; the column as c says. */
static void check_dictionary_chunk(const char *name, const struct column *c, const char *want)
{
	struct page pages[2] = {{.type = 2, .encoding = 0, .num_values = 2},
				{.type = 0, .encoding = 8, .num_values = 3}};

	le32_put(&pages[0].body, 1);
	tw_byte(&pages[0].body, 'a');
	le32_put(&pages[0].body, 1);
	tw_byte(&pages[0].body, 'b');
	tw_byte(&pages[1].body, 1);    /* bit width */
	tw_byte(&pages[1].body, 3);    /* bit-packed, one group */
	tw_byte(&pages[1].body, 0x05); /* 1, 0, 1 */
	if (strncmp(want, "error", 5) == 0)
		check_error(name, c, pages, 2, want + 7);
	else
		check_file(name, c, pages, 2, want);
}

static void test_chunk_offsets_and_sizes(void)
{
	struct column c = plain_col;
	struct lake_parquet_file *f;
	struct lake_parquet_rows *rows;
	struct lake_error err = {0};
	const struct lake_parquet_value *const *v;
	size_t col = 0, n = 9;

	c.physical = 6;
	c.num_rows = 3;
	check_dictionary_chunk("offsets.parquet", &c, "'b' 'a' 'b' ");
	/* The data page's offset 0: the chunk starts at its dictionary page still. */
	c.data_offset_zero = 1;
	check_dictionary_chunk("data-offset-zero.parquet", &c, "'b' 'a' 'b' ");

	/* Old parquet-mr's sizes leave the dictionary page's header out. */
	c = plain_col;
	c.physical = 6;
	c.num_rows = 3;
	c.uncount_dict_header = 1;
	c.created_by = "parquet-mr";
	check_dictionary_chunk("mr-unversioned.parquet", &c, "'b' 'a' 'b' ");
	c.created_by = "parquet-mr version 1.2.8 (build 0123abc)";
	check_dictionary_chunk("mr-1.2.8.parquet", &c, "'b' 'a' 'b' ");
	/* Any other writer, or a fixed parquet-mr, is held to its sizes. */
	c.created_by = "parquet-mr version 1.2.9 (build 0123abc)";
	check_dictionary_chunk("mr-1.2.9.parquet", &c,
			       "error: column \"x\" in row group 0: page header at byte 23 of 30: "
			       "truncated structure");
	c.created_by = "parquet-cpp-arrow version 17.0.0";
	check_dictionary_chunk("arrow-short.parquet", &c, "error: truncated structure");

	/* A row group without rows is never read, whatever its offsets. */
	c = plain_col;
	c.physical = 1;
	c.data_offset_zero = 1;
	CHECK(lake_parquet_open(build("no-rows.parquet", &c, NULL, 0), &f, &err) == 0);
	if (f) {
		CHECK(lake_parquet_rows_open(f, 0, &col, 1, &rows, &err) == 0);
		if (rows)
			CHECK(lake_parquet_rows_next(rows, 10, &n, &v, &err) == 0);
		CHECK_INT(n, 0);
		lake_parquet_rows_close(rows);
		lake_parquet_close(f);
	}
}

static void test_empty_v2_values(void)
{
	struct column c = plain_col;
	struct page p = {.type = 3, .num_values = 3, .num_nulls = 3};
	int defined[] = {0, 0, 0};

	/* Three nulls in a snappy chunk: the levels, then no values and no snappy block. */
	c.physical = 2;
	c.optional = 1;
	c.codec = 1;
	c.num_rows = 3;
	levels_encode(&p.body, defined, 3, 0);
	p.def_length = (int32_t)p.body.n;
	check_file("v2-empty.parquet", &c, &p, 1, "null null null ");
}

/* A NaN bound orders nothing: no bounds, so no row group is skipped by them. */
static void test_nan_bounds(void)
{
	struct column c = plain_col;
	struct page p = {.type = 0, .num_values = 2};
	struct lake_parquet_file *f;
	struct lake_error err = {0};
	struct lake_parquet_stats st;

	c.physical = 5;
	c.num_rows = 2;
	c.stat_min = "\0\0\0\0\0\0\xf0\x3f"; /* 1.0 */
	c.stat_max = "\0\0\0\0\0\0\xf8\x7f"; /* NaN */
	c.stat_len = 8;
	c.stat_new = 1;
	tw_raw(&p.body, c.stat_min, 8);
	tw_raw(&p.body, c.stat_max, 8);
	check_file("nan-bound.parquet", &c, &p, 1, "1 nan ");
	CHECK(lake_parquet_open(sp("nan-bound.parquet"), &f, &err) == 0);
	if (f) {
		lake_parquet_column_stats(f, 0, 0, &st);
		CHECK(!st.has_min_max);
		lake_parquet_close(f);
	}
}

static void test_int96_timestamps(void)
{
	struct column c = plain_col;
	struct page p = {.type = 0, .num_values = 2};
	uint8_t v[24] = {0};
	uint64_t nanos = UINT64_C(3723000001000);

	c.physical = 3;
	c.num_rows = 2;
	/* 1970-01-01 is Julian day 2440588; 2024-05-01 is 19844 days later. */
	for (int i = 0; i < 4; i++)
		v[8 + i] = (uint8_t)(2440588u >> (8 * i));
	for (int i = 0; i < 8; i++)
		v[12 + i] = (uint8_t)(nanos >> (8 * i));
	for (int i = 0; i < 4; i++)
		v[20 + i] = (uint8_t)((2440588u + 19844) >> (8 * i));
	tw_raw(&p.body, v, sizeof v);
	check_file("int96.parquet", &c, &p, 1,
		   "'1970-01-01T00:00:00Z' '2024-05-01T01:02:03.000001Z' ");

	/*
	 * Spark's year 290000 (int96_from_spark.parquet): its microseconds
	 * wrapped past 64 bits into Julian day -105862232 and negative
	 * nanoseconds, and wrapping back gives 9089380393200000000 µs.
	 */
	{
		uint8_t w[12];
		uint64_t wn = (uint64_t)INT64_C(-32509551616000);
		uint32_t wd = (uint32_t)INT32_C(-105862232);

		for (int i = 0; i < 8; i++)
			w[i] = (uint8_t)(wn >> (8 * i));
		for (int i = 0; i < 4; i++)
			w[8 + i] = (uint8_t)(wd >> (8 * i));
		c.num_rows = 1;
		p = (struct page){.type = 0, .num_values = 1};
		tw_raw(&p.body, w, sizeof w);
		check_file("int96-spark.parquet", &c, &p, 1, "'290000-12-30T23:00:00Z' ");
	}
}

/* GEOMETRY with a CRS, as GeoParquet 1.1 writers give it. */
static void lt_geometry(struct tw *w)
{
	tw_begin(w, 17);
	tw_bin(w, 1, "OGC:CRS84", 9);
	tw_end(w);
}

static void lt_geography(struct tw *w)
{
	tw_begin(w, 18);
	tw_end(w);
}

static void test_geometry_as_hex(void)
{
	/* POINT (30 10) in little-endian WKB. */
	static const char point[] = "\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x3e\x40"
				    "\x00\x00\x00\x00\x00\x00\x24\x40";
	static const char *want = "'01010000000000000000003E400000000000002440' ";
	struct column c = plain_col;
	struct page p = {.type = 0, .num_values = 1};
	struct page d[2] = {{.type = 2, .num_values = 1},
			    {.type = 0, .encoding = 8, .num_values = 2}};
	struct lake_parquet_file *f;
	struct lake_error err = {0};
	struct lake_parquet_stats st;

	c.physical = 6;
	c.logical = lt_geometry;
	c.num_rows = 1;
	/* Bounds of a geometry's bytes order nothing: not given for skipping. */
	c.stat_min = c.stat_max = "\x01";
	c.stat_len = 1;
	c.stat_new = 1;
	le32_put(&p.body, 21);
	tw_raw(&p.body, point, 21);
	check_file("geometry.parquet", &c, &p, 1, want);
	CHECK(lake_parquet_open(sp("geometry.parquet"), &f, &err) == 0);
	if (f) {
		lake_parquet_column_stats(f, 0, 0, &st);
		CHECK(!st.has_min_max);
		lake_parquet_close(f);
	}

	/* GEOGRAPHY, from a dictionary. */
	c.logical = lt_geography;
	c.num_rows = 2;
	le32_put(&d[0].body, 21);
	tw_raw(&d[0].body, point, 21);
	tw_byte(&d[1].body, 0);
	tw_byte(&d[1].body, 4);
	check_file("geography.parquet", &c, d, 2,
		   "'01010000000000000000003E400000000000002440' "
		   "'01010000000000000000003E400000000000002440' ");
}

static void test_time_float16_decimal_bytes(void)
{
	struct column c = plain_col;
	struct page p = {.type = 0, .num_values = 2};

	c.physical = 1;
	c.logical = lt_time_millis;
	c.num_rows = 2;
	le32_put(&p.body, 45296789);
	le32_put(&p.body, 0);
	check_file("time.parquet", &c, &p, 1, "'12:34:56.789000' '00:00:00' ");

	c = plain_col;
	c.physical = 7;
	c.type_length = 2;
	c.logical = lt_float16;
	c.num_rows = 3;
	p = (struct page){.type = 0, .num_values = 3};
	tw_raw(&p.body, "\x00\x3c\x00\xc0\x00\x7c", 6);
	check_file("float16.parquet", &c, &p, 1, "1 -2 inf ");

	/* DECIMAL(5,2) in a BYTE_ARRAY: -123 and 32767 unscaled. */
	c = plain_col;
	c.physical = 6;
	c.converted = 5;
	c.scale = 2;
	c.precision = 5;
	c.num_rows = 2;
	p = (struct page){.type = 0, .num_values = 2};
	le32_put(&p.body, 2);
	tw_raw(&p.body, "\xff\x85", 2);
	le32_put(&p.body, 2);
	tw_raw(&p.body, "\x7f\xff", 2);
	check_file("decimal.parquet", &c, &p, 1, "-1.23 327.67 ");
}

static void test_legacy_converted_types(void)
{
	struct column c = plain_col;
	struct page p = {.type = 0, .num_values = 2};

	/* UINT_32 in INT32: all ones is 4294967295, not -1. */
	c.physical = 1;
	c.converted = 13;
	c.num_rows = 2;
	le32_put(&p.body, 0xffffffffu);
	le32_put(&p.body, 7);
	check_file("uint32.parquet", &c, &p, 1, "4294967295 7 ");

	/* TIMESTAMP_MILLIS in INT64. */
	c.physical = 2;
	c.converted = 9;
	p = (struct page){.type = 0, .num_values = 2};
	le32_put(&p.body, 1500);
	le32_put(&p.body, 0);
	le32_put(&p.body, (uint32_t)-1000);
	le32_put(&p.body, 0xffffffffu);
	check_file("tsmillis.parquet", &c, &p, 1,
		   "'1970-01-01T00:00:01.500000Z' '1969-12-31T23:59:59Z' ");
}

static void test_delta_byte_array_and_rle_booleans(void)
{
	struct column c = plain_col;
	struct page p = {.type = 3, .encoding = 7, .num_values = 4};
	int64_t prefix[] = {0, 5, 0, 6}, suffix[] = {5, 1, 6, 0};

	c.physical = 6;
	c.logical = lt_string;
	c.num_rows = 4;
	delta_encode(&p.body, prefix, 4);
	delta_encode(&p.body, suffix, 4);
	tw_raw(&p.body, "appletbanana", 12);
	check_file("dba.parquet", &c, &p, 1, "'apple' 'applet' 'banana' 'banana' ");

	/* Booleans RLE encoded in a v2 page, optional: levels 1 0 1 1 1, values t f t t. */
	c = plain_col;
	c.physical = 0;
	c.optional = 1;
	c.num_rows = 5;
	p = (struct page){.type = 3, .encoding = 3, .num_values = 5, .num_nulls = 1};
	{
		int defined[] = {1, 0, 1, 1, 1};
		levels_encode(&p.body, defined, 5, 0);
		p.def_length = (int32_t)p.body.n;
	}
	le32_put(&p.body, 2);
	tw_byte(&p.body, 3); /* one group of 8, bit-packed */
	tw_byte(&p.body, 0x0d);
	check_file("rlebool.parquet", &c, &p, 1, "true null false true true ");

	/* DELTA_BINARY_PACKED INT32 going down and up across a miniblock. */
	{
		int64_t v[40];
		char want[1024];
		size_t used = 0;

		for (int i = 0; i < 40; i++) {
			v[i] = (i % 3 == 0 ? -1 : 1) * (int64_t)i * 1000003 % 2147483647;
			used +=
			    (size_t)snprintf(want + used, sizeof want - used, "%" PRId64 " ", v[i]);
		}
		c = plain_col;
		c.physical = 1;
		c.num_rows = 40;
		p = (struct page){.type = 0, .encoding = 5, .num_values = 40};
		delta_encode(&p.body, v, 40);
		check_file("delta32.parquet", &c, &p, 1, want);
	}
}

static void test_byte_stream_split(void)
{
	struct column c = plain_col;
	struct page p = {.type = 3, .encoding = 9, .num_values = 2};

	/* FIXED_LEN_BYTE_ARRAY(3) "abc", "xyz" split into three streams. */
	c.physical = 7;
	c.type_length = 3;
	c.num_rows = 2;
	tw_raw(&p.body, "axbycz", 6);
	check_file("bss.parquet", &c, &p, 1, "'abc' 'xyz' ");

	/* A stream length that does not divide. */
	p.body.n = 5;
	check_error("bss-bad.parquet", &c, &p, 1, "BYTE_STREAM_SPLIT values of a bad size");
}

static void test_dictionary_then_pages(void)
{
	struct column c = plain_col;
	struct page pages[4] = {
	    {.type = 2, .encoding = 0, .num_values = 3},
	    {.type = 0, .encoding = 2, .num_values = 4},
	    {.type = 1},
	    {.type = 0, .encoding = 8, .num_values = 3},
	};
	int defined[] = {1, 1, 0, 1};

	c.physical = 6;
	c.optional = 1;
	c.num_rows = 7;
	for (int i = 0; i < 3; i++) {
		le32_put(&pages[0].body, 3);
		tw_raw(&pages[0].body, i == 0 ? "red" : i == 1 ? "grn" : "blu", 3);
	}
	levels_encode(&pages[1].body, defined, 4, 1);
	tw_byte(&pages[1].body, 2);    /* bit width */
	tw_byte(&pages[1].body, 3);    /* bit-packed, one group */
	tw_byte(&pages[1].body, 0x24); /* 0, 1, 2 */
	tw_byte(&pages[1].body, 0);
	tw_raw(&pages[2].body, "ignored", 7);
	levels_encode(&pages[3].body, (int[]){1, 1, 1}, 3, 1);
	tw_byte(&pages[3].body, 2);
	tw_byte(&pages[3].body, 3 << 1); /* repeated run of 3 */
	tw_byte(&pages[3].body, 2);
	check_file("dict.parquet", &c, pages, 4, "'red' 'grn' null 'blu' 'blu' 'blu' 'blu' ");

	/* An index past the dictionary's end. */
	pages[3].body.b[pages[3].body.n - 1] = 3;
	check_error("dict-bad.parquet", &c, pages, 4,
		    "x\" in row group 0: dictionary index out of range");
}

static void test_deprecated_statistics(void)
{
	struct column c = plain_col;
	struct page p = {.type = 0, .num_values = 1};
	struct lake_parquet_file *f;
	struct lake_error err = {0};
	struct lake_parquet_stats st;

	/* Signed INT64: the old min/max order is right, so they are used. */
	c.physical = 2;
	c.num_rows = 1;
	c.stat_min = "\xfe\xff\xff\xff\xff\xff\xff\xff";
	c.stat_max = "\x05\x00\x00\x00\x00\x00\x00\x00";
	c.stat_len = 8;
	le32_put(&p.body, 5);
	le32_put(&p.body, 0);
	CHECK(lake_parquet_open(build("oldstats.parquet", &c, &p, 1), &f, &err) == 0);
	if (f) {
		lake_parquet_column_stats(f, 0, 0, &st);
		CHECK(st.has_min_max);
		CHECK_INT(st.min.i, -2);
		CHECK_INT(st.max.i, 5);
		CHECK(st.has_null_count);
		lake_parquet_close(f);
	}
	/* Strings: the old fields were ordered as signed bytes, so they are not trusted. */
	c = plain_col;
	c.physical = 6;
	c.num_rows = 1;
	c.stat_min = "a";
	c.stat_max = "\xc3";
	c.stat_len = 1;
	p = (struct page){.type = 0, .num_values = 1};
	le32_put(&p.body, 1);
	tw_byte(&p.body, 'a');
	CHECK(lake_parquet_open(build("oldstats-str.parquet", &c, &p, 1), &f, &err) == 0);
	if (f) {
		lake_parquet_column_stats(f, 0, 0, &st);
		CHECK(!st.has_min_max);
		lake_parquet_close(f);
	}
}

static void test_lying_pages(void)
{
	struct column c = plain_col;
	struct page p = {.type = 0, .num_values = 3};

	c.physical = 1;
	c.num_rows = 3;
	le32_put(&p.body, 1);
	le32_put(&p.body, 2);
	/* Three values claimed, two there. */
	check_error("short.parquet", &c, &p, 1,
		    "short.parquet: column \"x\" in row group 0: fewer values than the page holds");

	/* Billions of rows claimed by the footer and the page. */
	c.num_rows = 2000000000;
	p.num_values = 2000000000;
	check_error("billions.parquet", &c, &p, 1, "fewer values than the page holds");

	/* A footer that lies inside a column's metadata: the message says where. */
	c.num_rows = 2;
	p.num_values = 2;
	c.lying_chunk = 1;
	check_error("lying-footer.parquet", &c, &p, 1,
		    "lying-footer.parquet: corrupt footer: column \"x\" in row group 0: string "
		    "longer than the bytes left");

	/* A page whose type field is of another type: skipped, so the header lacks a type. */
	c.lying_chunk = 0;
	p.untyped = 1;
	check_error("untyped-page.parquet", &c, &p, 1,
		    "column \"x\" in row group 0: page header at byte 0 of 29: page header "
		    "without a page type");

	/* ... and a chunk whose codec is no integer: the footer names the chunk. */
	p.untyped = 0;
	c.codec = -1;
	check_error("untyped-codec.parquet", &c, &p, 1,
		    "corrupt footer: column \"x\" in row group 0: column chunk without a codec");

	/* BIT_PACKED levels, long deprecated. */
	c = plain_col;
	c.physical = 1;
	c.optional = 1;
	c.num_rows = 1;
	p = (struct page){.type = 0, .num_values = 1, .def_encoding = 4};
	le32_put(&p.body, 1);
	check_error("bitpacked.parquet", &c, &p, 1, "definition levels not RLE encoded");

	/* A snappy page claiming a gigabyte. */
	c = plain_col;
	c.physical = 1;
	c.num_rows = 1;
	c.codec = 1;
	p = (struct page){.type = 0, .num_values = 1, .claim_uncompressed = 1 << 30};
	tw_raw(&p.body, "\x04\x0c\x01\x00\x00\x00", 6);
	check_error("snappy-huge.parquet", &c, &p, 1, "page claims more bytes than it can hold");

	/* The same page honest: snappy decoded. */
	p.claim_uncompressed = 4;
	check_file("snappy.parquet", &c, &p, 1, "1 ");

	/* A v2 page stored as it is inside a snappy chunk. */
	p = (struct page){.type = 3, .num_values = 1, .not_compressed = 1};
	le32_put(&p.body, 9);
	check_file("v2-raw.parquet", &c, &p, 1, "9 ");

	/* LZO, which no writer of note ever used, is still refused by name. */
	c.codec = 3;
	check_error("lzo.parquet", &c, &p, 1,
		    "column \"x\" in row group 0: LZO compression (codec 3) is not supported");

	/*
	 * A dictionary whose header miscounts its entries, here a million
	 * for one: its entries are what its bytes hold, nothing is allocated
	 * by the count, and an index past them is an error.
	 */
	c.codec = 0;
	{
		struct page d[2] = {{.type = 2, .num_values = 1000000},
				    {.type = 0, .encoding = 8, .num_values = 1}};
		le32_put(&d[0].body, 7);
		tw_byte(&d[1].body, 0); /* bit width 0: every index is 0 */
		tw_byte(&d[1].body, 2);
		check_file("dict-miscounted.parquet", &c, d, 2, "7 ");
		d[1].body.n = 0;
		tw_byte(&d[1].body, 1); /* bit width 1, a run of one 1 */
		tw_byte(&d[1].body, 2);
		tw_byte(&d[1].body, 1);
		check_error("dict-miscounted-past.parquet", &c, d, 2,
			    "column \"x\" in row group 0: dictionary index out of range");
	}
}

int main(void)
{
	if (setup_scratch("parquet-craft") < 0)
		return 1;
	T_RUN(test_newer_writers_fields);
	T_RUN(test_chunk_offsets_and_sizes);
	T_RUN(test_empty_v2_values);
	T_RUN(test_int96_timestamps);
	T_RUN(test_geometry_as_hex);
	T_RUN(test_nan_bounds);
	T_RUN(test_time_float16_decimal_bytes);
	T_RUN(test_legacy_converted_types);
	T_RUN(test_delta_byte_array_and_rle_booleans);
	T_RUN(test_byte_stream_split);
	T_RUN(test_dictionary_then_pages);
	T_RUN(test_deprecated_statistics);
	T_RUN(test_lying_pages);
	remove_tree(scratch);
	T_DONE();
}
