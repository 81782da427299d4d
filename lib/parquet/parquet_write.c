/*
 * parquet_write.c - the writing half of parquet.h: rows in, a Parquet file out.
 *
 * Rows arrive one at a time and are split into columns at once.  Each
 * column fills a page (about PAGE_BYTES of values); a full page is
 * encoded (definition levels, then PLAIN values or dictionary indices),
 * compressed with ZSTD and kept, with its header, in the column's chunk.
 * When the row group is full every column's chunk is written in turn,
 * its dictionary page first, so memory holds one row group's compressed
 * pages, one page of raw values per column and the dictionaries, never
 * the file.  The footer (FileMetaData) is written by finish.
 *
 * Strings are dictionary encoded while the chunk's dictionary stays within
 * LAKE_PQ_DICT_MAX_ENTRIES and LAKE_PQ_DICT_MAX_BYTES.  When it overflows,
 * the pages written so far keep their dictionary and the rest of the chunk
 * is PLAIN: a chunk with a dictionary page, dictionary pages and then
 * PLAIN pages is legal Parquet and is what parquet-mr writes too, and no
 * page needs encoding twice.  Once a column overflowed, its later chunks
 * start PLAIN: a column with that many distinct values rarely becomes
 * repetitive further down, and filling a dictionary only to drop it costs
 * a hash of every value.
 *
 * Offsets in the footer count from the writer's first byte ("PAR1"), so
 * the file must start where the descriptor stood when the writer opened.
 */
#include "parquet/parquet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "base/fsutil.h"
#include "base/ltime.h"
#include "parquet/parquet_write_encode.h"
#include "parquet/thrift_encode.h"

/* Parquet's enums, numbered as parquet.thrift numbers them. */
enum { PT_BOOLEAN = 0, PT_INT32 = 1, PT_INT64 = 2, PT_DOUBLE = 5, PT_BYTE_ARRAY = 6 };
enum { ENC_PLAIN = 0, ENC_RLE = 3, ENC_RLE_DICTIONARY = 8 };
enum { PAGE_DATA = 0, PAGE_DICTIONARY = 2 };
enum { CT_UTF8 = 0, CT_DATE = 6, CT_TIMESTAMP_MICROS = 10, CT_INT_64 = 18, CT_JSON = 19 };
enum { CODEC_ZSTD = 6, REP_OPTIONAL = 1 };

/*
 * RLE_DICTIONARY data pages are an encoding of format 2.0; readers treat
 * the version as informative, and parquet-cpp writes 2 for the same files.
 */
#define FORMAT_VERSION 2

/* A page ends after this many bytes of PLAIN values, or this many rows (for all-null columns). */
#define PAGE_BYTES (1u << 20)
#define PAGE_ROWS (1u << 20)

/* String statistics are kept only while every value is at most this long (see stats_string). */
#define STAT_MAX 64

/* One value must fit a page, whose sizes are 32-bit: a gigabyte leaves room for the rest. */
#define VALUE_MAX (1u << 30)

#define DEFAULT_ROW_GROUP_ROWS 1048576
#define DEFAULT_ROW_GROUP_BYTES (UINT64_C(64) << 20)
#define DEFAULT_ZSTD_LEVEL 3

/* A value of the row being added, already converted to its column's physical type. */
struct cell {
	int present;
	int64_t i; /* BOOLEAN 0 or 1, INT32 days, INT64 */
	double d;
	const char *s; /* BYTE_ARRAY */
	size_t len;
};

/* A chunk's min and max, PLAIN encoded as the footer's Statistics want them. */
struct stat_bytes {
	int has;
	unsigned char min[STAT_MAX], max[STAT_MAX];
	size_t minlen, maxlen;
};

/* What the footer says of one written column chunk. */
struct chunk_meta {
	uint64_t offset;	   /* the chunk's first page: its dictionary page if any */
	uint64_t data_page_offset; /* its first data page */
	int has_dict;
	int64_t num_values, null_count;
	uint64_t uncompressed, compressed; /* all pages with their headers */
	unsigned encodings;		   /* bit e set when encoding e was used */
	struct stat_bytes stats;
};

struct row_group_meta {
	int64_t rows;
	uint64_t offset, uncompressed, compressed;
	struct chunk_meta *chunks; /* one per column */
};

struct column {
	char *name;
	enum lake_kind kind;
	int physical;

	/* The page being filled. */
	uint8_t *levels; /* definition level of each row: 1 present, 0 null */
	size_t nlevels, levels_cap;
	struct lake_buf values; /* PLAIN values (booleans one byte each until packed) */
	uint32_t *idx;		/* dictionary indices, while dict_on */
	size_t nidx, idx_cap;
	size_t page_bytes; /* PLAIN size of the page's values: pages are cut by it */

	/* The chunk being built. */
	struct lake_buf pages; /* data pages, each its header and compressed body */
	struct lake_pq_dict dict;
	int dict_on;	     /* strings go into the dictionary (so the page holds indices) */
	int dict_overflowed; /* in this or an earlier chunk: later chunks start PLAIN */
	int64_t num_values, null_count;
	uint64_t uncompressed, compressed; /* pages in `pages`, with headers */
	unsigned encodings;

	/* The chunk's statistics, in the physical type's order. */
	int has_minmax;
	int64_t imin, imax;
	double dmin, dmax;
	struct lake_buf smin, smax;
	int str_too_long; /* a value longer than STAT_MAX was seen: no string min/max */
};

struct lake_parquet_writer {
	int fd;
	char *name; /* for messages */
	struct column *cols;
	size_t ncols;
	uint64_t rg_max_rows, rg_max_bytes;
	int level;
	ZSTD_CCtx *zc;

	uint64_t offset;   /* bytes written so far: the offset of the next one */
	int64_t rows;	   /* in the current row group */
	uint64_t rg_bytes; /* PLAIN bytes of values in the current row group */
	int64_t total_rows;
	struct row_group_meta *rgs;
	size_t nrgs, rgs_cap;

	struct cell *row;	    /* the row being added, converted */
	struct lake_buf body, zbuf; /* a page before and after compression */
	struct lake_buf header, dictpage;
	int broken;   /* a write or compression failed: nothing more can make a valid file */
	int finished; /* the footer is written */
};

/* ---- the schema ---- */

static int physical_of(enum lake_kind kind)
{
	switch (kind) {
	case LAKE_T_BOOLEAN:
		return PT_BOOLEAN;
	case LAKE_T_BIGINT:
	case LAKE_T_TIMESTAMP:
		return PT_INT64;
	case LAKE_T_DOUBLE:
		return PT_DOUBLE;
	case LAKE_T_DATE:
		return PT_INT32;
	default:
		return PT_BYTE_ARRAY;
	}
}

static int check_fields(const char *file, const struct lake_parquet_field *fields, size_t n,
			struct lake_error *e)
{
	if (n == 0)
		return lake_err(e, LAKE_EX_DATAERR, "'%s': a Parquet file needs a column", file);
	for (size_t c = 0; c < n; c++) {
		if (!fields[c].name || !*fields[c].name)
			return lake_err(e, LAKE_EX_DATAERR, "'%s': column %zu has no name", file,
					c + 1);
		if ((int)fields[c].kind < LAKE_T_NULL || fields[c].kind > LAKE_T_STRUCT)
			return lake_err(e, LAKE_EX_SOFTWARE, "'%s': column '%s': unknown kind %d",
					file, fields[c].name, (int)fields[c].kind);
		for (size_t d = 0; d < c; d++)
			if (strcmp(fields[c].name, fields[d].name) == 0)
				return lake_err(e, LAKE_EX_DATAERR,
						"'%s': column '%s' appears twice", file,
						fields[c].name);
	}
	return 0;
}

/* ---- writing bytes ---- */

static int write_out(struct lake_parquet_writer *w, const void *p, size_t n, struct lake_error *e)
{
	if (lake_write_all(w->fd, p, n, w->name, e) < 0) {
		w->broken = 1;
		return -1;
	}
	w->offset += n;
	return 0;
}

/* ---- opening and freeing ---- */

static void column_release(struct column *c)
{
	free(c->name);
	free(c->levels);
	free(c->idx);
	lake_buf_release(&c->values);
	lake_buf_release(&c->pages);
	lake_buf_release(&c->smin);
	lake_buf_release(&c->smax);
	lake_pq_dict_release(&c->dict);
}

void lake_parquet_writer_free(struct lake_parquet_writer *w)
{
	if (!w)
		return;
	for (size_t c = 0; c < w->ncols; c++)
		column_release(&w->cols[c]);
	free(w->cols);
	for (size_t g = 0; g < w->nrgs; g++)
		free(w->rgs[g].chunks);
	free(w->rgs);
	free(w->row);
	lake_buf_release(&w->body);
	lake_buf_release(&w->zbuf);
	lake_buf_release(&w->header);
	lake_buf_release(&w->dictpage);
	ZSTD_freeCCtx(w->zc);
	free(w->name);
	free(w);
}

int lake_parquet_writer_open(int fd, const char *name, const struct lake_parquet_field *fields,
			     size_t n, const struct lake_parquet_write_options *o,
			     struct lake_parquet_writer **out, struct lake_error *e)
{
	struct lake_parquet_writer *w;
	const char *file = name ? name : "(parquet)";

	*out = NULL;
	if (check_fields(file, fields, n, e) < 0)
		return -1;
	w = lake_xcalloc(1, sizeof *w);
	w->fd = fd;
	w->name = lake_xstrdup(file);
	w->rg_max_rows = o && o->row_group_rows ? o->row_group_rows : DEFAULT_ROW_GROUP_ROWS;
	w->rg_max_bytes = o && o->row_group_bytes ? o->row_group_bytes : DEFAULT_ROW_GROUP_BYTES;
	w->level = o && o->zstd_level ? o->zstd_level : DEFAULT_ZSTD_LEVEL;
	w->cols = lake_xcalloc(n, sizeof *w->cols);
	w->ncols = n;
	w->row = lake_xcalloc(n, sizeof *w->row);
	for (size_t c = 0; c < n; c++) {
		struct column *col = &w->cols[c];
		col->name = lake_xstrdup(fields[c].name);
		/* A column of nulls only is a string column, as infer.h says a reader must assume.
		 */
		col->kind = fields[c].kind == LAKE_T_NULL ? LAKE_T_STRING : fields[c].kind;
		col->physical = physical_of(col->kind);
		col->dict_on = col->physical == PT_BYTE_ARRAY;
	}
	w->zc = ZSTD_createCCtx();
	if (!w->zc) {
		lake_err(e, LAKE_EX_SOFTWARE, "'%s': cannot create a zstd context", file);
		goto fail;
	}
	/*
	 * Each page's frame carries zstd's checksum: Parquet has none of its
	 * own that readers check, and a damaged page must be an error, not
	 * wrong values.
	 */
	ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, w->level);
	ZSTD_CCtx_setParameter(w->zc, ZSTD_c_checksumFlag, 1);
	if (write_out(w, "PAR1", 4, e) < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	lake_parquet_writer_free(w);
	return -1;
}

/* ---- converting a row ---- */

/* The value for an error message: its kind and a bounded, printable rendering. */
static void describe_value(const struct lake_parquet_value *v, char *out, size_t size)
{
	char text[64];
	size_t n = 0;

	switch (v->kind) {
	case LAKE_PQ_BOOL:
		snprintf(out, size, "boolean %s", v->i ? "true" : "false");
		return;
	case LAKE_PQ_INT:
		snprintf(out, size, "integer %lld", (long long)v->i);
		return;
	case LAKE_PQ_DOUBLE:
		snprintf(out, size, "number %g", v->d);
		return;
	case LAKE_PQ_TEXT:
		for (; n < v->len && n < 40; n++) {
			unsigned char ch = (unsigned char)v->s[n];
			text[n] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
		}
		text[n] = '\0';
		snprintf(out, size, "text \"%s%s\"", text, v->len > n ? "..." : "");
		return;
	default:
		snprintf(out, size, "a value of kind %d", (int)v->kind);
		return;
	}
}

static int does_not_fit(const struct lake_parquet_writer *w, const struct column *c,
			const struct lake_parquet_value *v, struct lake_error *e)
{
	char what[128];

	describe_value(v, what, sizeof what);
	return lake_err(e, LAKE_EX_DATAERR, "'%s': column '%s': %s does not fit a %s column",
			w->name, c->name, what, lake_kind_name(c->kind));
}

/* Days since the epoch, rounded down: 1969-12-31T23:00Z is still 1969-12-31. */
static int64_t days_of_micros(int64_t micros)
{
	const int64_t day = INT64_C(86400000000);
	int64_t q = micros / day;

	return micros % day < 0 ? q - 1 : q;
}

static int convert_time(const struct column *c, const struct lake_parquet_value *v,
			struct cell *out)
{
	int64_t micros;

	if (lake_time_parse(v->s, v->len, &micros) == LAKE_TIME_NONE)
		return -1;
	out->i = c->kind == LAKE_T_DATE ? days_of_micros(micros) : micros;
	return 0;
}

/* Convert v for column c into out: 0, or -1 when it does not fit. */
static int convert_value(const struct column *c, const struct lake_parquet_value *v,
			 struct cell *out)
{
	memset(out, 0, sizeof *out);
	if (v->kind == LAKE_PQ_NULL)
		return 0;
	out->present = 1;
	switch (c->kind) {
	case LAKE_T_BOOLEAN:
		out->i = v->i != 0;
		return v->kind == LAKE_PQ_BOOL ? 0 : -1;
	case LAKE_T_BIGINT:
		out->i = v->i;
		return v->kind == LAKE_PQ_INT ? 0 : -1;
	case LAKE_T_DOUBLE:
		out->d = v->kind == LAKE_PQ_INT ? (double)v->i : v->d;
		return v->kind == LAKE_PQ_INT || v->kind == LAKE_PQ_DOUBLE ? 0 : -1;
	case LAKE_T_DATE:
	case LAKE_T_TIMESTAMP:
		return v->kind == LAKE_PQ_TEXT ? convert_time(c, v, out) : -1;
	default:
		out->s = v->s;
		out->len = v->len;
		return v->kind == LAKE_PQ_TEXT && v->len <= VALUE_MAX && (v->s || !v->len) ? 0 : -1;
	}
}

/* ---- statistics ---- */

static void stats_int(struct column *c, int64_t v)
{
	if (!c->has_minmax) {
		c->imin = c->imax = v;
		c->has_minmax = 1;
	} else if (v < c->imin) {
		c->imin = v;
	} else if (v > c->imax) {
		c->imax = v;
	}
}

/* NaN has no place in an order, so min and max ignore it (as parquet.thrift asks). */
static void stats_double(struct column *c, double v)
{
	if (isnan(v))
		return;
	if (!c->has_minmax) {
		c->dmin = c->dmax = v;
		c->has_minmax = 1;
	} else if (v < c->dmin) {
		c->dmin = v;
	} else if (v > c->dmax) {
		c->dmax = v;
	}
}

/* Bytewise unsigned comparison, a prefix before the longer string: Parquet's string order. */
static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int r = n ? memcmp(a, b, n) : 0;

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

/*
 * A chunk with a value longer than STAT_MAX gets no string min/max at all:
 * a truncated max would have to be incremented to stay an upper bound, and
 * a reader cannot use the statistics of long text (JSON, user agents) for
 * much anyway.  Keeping min and max short also keeps the footer small.
 */
static void stats_string(struct column *c, const char *s, size_t len)
{
	if (c->str_too_long)
		return;
	if (len > STAT_MAX) {
		c->str_too_long = 1;
		return;
	}
	if (!c->has_minmax || bytes_cmp(s, len, c->smin.data, c->smin.len) < 0) {
		lake_buf_reset(&c->smin);
		lake_buf_add(&c->smin, s, len);
	}
	if (!c->has_minmax || bytes_cmp(s, len, c->smax.data, c->smax.len) > 0) {
		lake_buf_reset(&c->smax);
		lake_buf_add(&c->smax, s, len);
	}
	c->has_minmax = 1;
}

/* The chunk's min and max in PLAIN form, as Statistics.min_value and max_value want them. */
static void stats_encode(const struct column *c, struct stat_bytes *out)
{
	uint64_t bits;
	double d;

	memset(out, 0, sizeof *out);
	out->has = c->has_minmax && !c->str_too_long;
	if (!out->has)
		return;
	switch (c->physical) {
	case PT_BOOLEAN:
		out->min[0] = (unsigned char)c->imin;
		out->max[0] = (unsigned char)c->imax;
		out->minlen = out->maxlen = 1;
		break;
	case PT_INT32:
		lake_pq_put_le32(out->min, (uint32_t)c->imin);
		lake_pq_put_le32(out->max, (uint32_t)c->imax);
		out->minlen = out->maxlen = 4;
		break;
	case PT_INT64:
		lake_pq_put_le64(out->min, (uint64_t)c->imin);
		lake_pq_put_le64(out->max, (uint64_t)c->imax);
		out->minlen = out->maxlen = 8;
		break;
	case PT_DOUBLE:
		/* parquet.thrift: a zero min is written -0.0 and a zero max +0.0. */
		d = c->dmin == 0 ? -0.0 : c->dmin;
		memcpy(&bits, &d, 8);
		lake_pq_put_le64(out->min, bits);
		d = c->dmax == 0 ? 0.0 : c->dmax;
		memcpy(&bits, &d, 8);
		lake_pq_put_le64(out->max, bits);
		out->minlen = out->maxlen = 8;
		break;
	default:
		if (c->smin.len)
			memcpy(out->min, c->smin.data, c->smin.len);
		if (c->smax.len)
			memcpy(out->max, c->smax.data, c->smax.len);
		out->minlen = c->smin.len;
		out->maxlen = c->smax.len;
		break;
	}
}

/* ---- pages ---- */

static void page_header(struct lake_buf *out, int type, size_t uncompressed, size_t compressed,
			size_t num_values, int encoding)
{
	struct lake_thrift_enc t;

	lake_thrift_init(&t, out);
	lake_thrift_struct_begin(&t);
	lake_thrift_field_i32(&t, 1, type);
	lake_thrift_field_i32(&t, 2, (int32_t)uncompressed);
	lake_thrift_field_i32(&t, 3, (int32_t)compressed);
	if (type == PAGE_DICTIONARY) {
		lake_thrift_field_struct(&t, 7); /* DictionaryPageHeader */
		lake_thrift_field_i32(&t, 1, (int32_t)num_values);
		lake_thrift_field_i32(&t, 2, encoding);
	} else {
		lake_thrift_field_struct(&t, 5); /* DataPageHeader */
		lake_thrift_field_i32(&t, 1, (int32_t)num_values);
		lake_thrift_field_i32(&t, 2, encoding);
		lake_thrift_field_i32(&t, 3, ENC_RLE); /* definition levels */
		lake_thrift_field_i32(&t, 4, ENC_RLE); /* repetition levels (none) */
	}
	lake_thrift_struct_end(&t);
	lake_thrift_struct_end(&t);
}

/* Compress body, and append the page (header and compressed body) to out. */
static int emit_page(struct lake_parquet_writer *w, struct column *c, int type, int encoding,
		     size_t num_values, const struct lake_buf *body, struct lake_buf *out,
		     struct lake_error *e)
{
	size_t bound = ZSTD_compressBound(body->len), z;

	lake_buf_reset(&w->zbuf);
	lake_buf_grow(&w->zbuf, bound);
	z = ZSTD_compress2(w->zc, w->zbuf.data, bound, body->len ? body->data : "", body->len);
	if (ZSTD_isError(z)) {
		w->broken = 1;
		return lake_err(e, LAKE_EX_SOFTWARE, "'%s': column '%s': zstd: %s", w->name,
				c->name, ZSTD_getErrorName(z));
	}
	if (body->len > INT32_MAX || z > INT32_MAX || num_values > INT32_MAX) {
		w->broken = 1;
		return lake_err(e, LAKE_EX_DATAERR,
				"'%s': column '%s': a page of %zu bytes is too large", w->name,
				c->name, body->len);
	}
	lake_buf_reset(&w->header);
	page_header(&w->header, type, body->len, z, num_values, encoding);
	lake_buf_add(out, w->header.data, w->header.len);
	lake_buf_add(out, w->zbuf.data, z);
	c->uncompressed += w->header.len + body->len;
	c->compressed += w->header.len + z;
	c->encodings |= 1u << encoding;
	return 0;
}

/* Encode, compress and keep the column's page, and start the next. */
static int flush_page(struct lake_parquet_writer *w, struct column *c, struct lake_error *e)
{
	struct lake_buf *body = &w->body;
	int encoding = ENC_PLAIN;

	/* Data page v1: the levels' byte length, the levels, then the values. */
	lake_buf_reset(body);
	lake_buf_add(body, "\0\0\0\0", 4);
	lake_pq_encode_levels(c->levels, c->nlevels, body);
	lake_pq_put_le32((unsigned char *)body->data, (uint32_t)(body->len - 4));
	if (c->dict_on && c->nidx > 0) {
		int width = lake_pq_bit_width(c->dict.n - 1);
		lake_buf_addc(body, (char)width);
		lake_pq_encode_indices(c->idx, c->nidx, width, body);
		encoding = ENC_RLE_DICTIONARY;
	} else if (c->physical == PT_BOOLEAN) {
		lake_pq_pack_bools((const uint8_t *)c->values.data, c->values.len, body);
	} else if (c->values.len) {
		lake_buf_add(body, c->values.data, c->values.len);
	}
	if (emit_page(w, c, PAGE_DATA, encoding, c->nlevels, body, &c->pages, e) < 0)
		return -1;
	c->nlevels = 0;
	c->nidx = 0;
	c->page_bytes = 0;
	lake_buf_reset(&c->values);
	return 0;
}

/* ---- adding values ---- */

static void push_level(struct column *c, uint8_t level)
{
	if (c->nlevels == c->levels_cap) {
		c->levels_cap = c->levels_cap ? 2 * c->levels_cap : 1024;
		c->levels = lake_xrealloc(c->levels, c->levels_cap);
	}
	c->levels[c->nlevels++] = level;
}

static void push_index(struct column *c, uint32_t index)
{
	if (c->nidx == c->idx_cap) {
		c->idx_cap = c->idx_cap ? 2 * c->idx_cap : 1024;
		c->idx = lake_xrealloc(c->idx, c->idx_cap * sizeof *c->idx);
	}
	c->idx[c->nidx++] = index;
}

/*
 * A string into the dictionary while it has room; else the page so far
 * is finished with its indices and the rest of the chunk is PLAIN.
 */
static int add_string(struct lake_parquet_writer *w, struct column *c, const char *s, size_t len,
		      struct lake_error *e)
{
	unsigned char prefix[4];

	if (c->dict_on) {
		uint32_t index;
		int r = lake_pq_dict_add(&c->dict, s, len, &index);
		if (r >= 0) {
			/* A value already in the dictionary cannot move min or max. */
			if (r == 1)
				stats_string(c, s, len);
			push_index(c, index);
			return 0;
		}
		if (c->nlevels && flush_page(w, c, e) < 0)
			return -1;
		c->dict_on = 0;
		/*
		 * A full dictionary says the column has many distinct values; one
		 * huge value in a small dictionary says nothing of the next chunk.
		 */
		c->dict_overflowed = c->dict.n >= LAKE_PQ_DICT_MAX_ENTRIES / 2 ||
				     c->dict.plain.len >= LAKE_PQ_DICT_MAX_BYTES / 2;
	}
	stats_string(c, s, len);
	lake_pq_put_le32(prefix, (uint32_t)len);
	lake_buf_add(&c->values, prefix, 4);
	lake_buf_add(&c->values, s, len);
	return 0;
}

static int add_cell(struct lake_parquet_writer *w, struct column *c, const struct cell *v,
		    struct lake_error *e)
{
	unsigned char b[8];
	size_t size = 0;
	uint64_t bits;

	if (!v->present) {
		c->null_count++;
	} else {
		switch (c->physical) {
		case PT_BOOLEAN:
			b[0] = (unsigned char)v->i;
			lake_buf_add(&c->values, b, size = 1);
			stats_int(c, v->i);
			break;
		case PT_INT32:
			lake_pq_put_le32(b, (uint32_t)v->i);
			lake_buf_add(&c->values, b, size = 4);
			stats_int(c, v->i);
			break;
		case PT_INT64:
			lake_pq_put_le64(b, (uint64_t)v->i);
			lake_buf_add(&c->values, b, size = 8);
			stats_int(c, v->i);
			break;
		case PT_DOUBLE:
			memcpy(&bits, &v->d, 8);
			lake_pq_put_le64(b, bits);
			lake_buf_add(&c->values, b, size = 8);
			stats_double(c, v->d);
			break;
		default:
			if (add_string(w, c, v->s, v->len, e) < 0)
				return -1;
			size = 4 + v->len;
			break;
		}
	}
	push_level(c, v->present != 0);
	c->num_values++;
	c->page_bytes += size;
	w->rg_bytes += size;
	if (c->page_bytes >= PAGE_BYTES || c->nlevels >= PAGE_ROWS)
		return flush_page(w, c, e);
	return 0;
}

/* ---- row groups ---- */

static void column_reset_chunk(struct column *c)
{
	lake_buf_reset(&c->pages);
	lake_pq_dict_reset(&c->dict);
	c->dict_on = c->physical == PT_BYTE_ARRAY && !c->dict_overflowed;
	c->num_values = c->null_count = 0;
	c->uncompressed = c->compressed = 0;
	c->encodings = 0;
	c->has_minmax = 0;
	c->str_too_long = 0;
	lake_buf_reset(&c->smin);
	lake_buf_reset(&c->smax);
}

/* Write the column's chunk: the dictionary page when a data page used it, then the data pages. */
static int write_chunk(struct lake_parquet_writer *w, struct column *c, struct chunk_meta *m,
		       struct lake_error *e)
{
	m->offset = w->offset;
	if (c->encodings & (1u << ENC_RLE_DICTIONARY)) {
		lake_buf_reset(&w->dictpage);
		if (emit_page(w, c, PAGE_DICTIONARY, ENC_PLAIN, c->dict.n, &c->dict.plain,
			      &w->dictpage, e) < 0 ||
		    write_out(w, w->dictpage.data, w->dictpage.len, e) < 0)
			return -1;
		m->has_dict = 1;
	}
	m->data_page_offset = w->offset;
	if (write_out(w, c->pages.data, c->pages.len, e) < 0)
		return -1;
	m->num_values = c->num_values;
	m->null_count = c->null_count;
	m->uncompressed = c->uncompressed;
	m->compressed = c->compressed;
	m->encodings = c->encodings | 1u << ENC_RLE;
	stats_encode(c, &m->stats);
	column_reset_chunk(c);
	return 0;
}

static int write_row_group(struct lake_parquet_writer *w, struct lake_error *e)
{
	struct row_group_meta *rg;

	if (w->rows == 0)
		return 0;
	for (size_t c = 0; c < w->ncols; c++)
		if (w->cols[c].nlevels && flush_page(w, &w->cols[c], e) < 0)
			return -1;
	if (w->nrgs == w->rgs_cap) {
		w->rgs_cap = w->rgs_cap ? 2 * w->rgs_cap : 8;
		w->rgs = lake_xrealloc(w->rgs, w->rgs_cap * sizeof *w->rgs);
	}
	rg = &w->rgs[w->nrgs++];
	memset(rg, 0, sizeof *rg);
	rg->chunks = lake_xcalloc(w->ncols, sizeof *rg->chunks);
	rg->offset = w->offset;
	rg->rows = w->rows;
	for (size_t c = 0; c < w->ncols; c++) {
		if (write_chunk(w, &w->cols[c], &rg->chunks[c], e) < 0)
			return -1;
		rg->uncompressed += rg->chunks[c].uncompressed;
		rg->compressed += rg->chunks[c].compressed;
	}
	w->total_rows += w->rows;
	w->rows = 0;
	w->rg_bytes = 0;
	return 0;
}

static int check_usable(const struct lake_parquet_writer *w, struct lake_error *e)
{
	if (w->broken)
		return lake_err(e, LAKE_EX_SOFTWARE, "'%s': an earlier write failed", w->name);
	if (w->finished)
		return lake_err(e, LAKE_EX_SOFTWARE, "'%s': the file is already finished", w->name);
	return 0;
}

int lake_parquet_writer_add(struct lake_parquet_writer *w, const struct lake_parquet_value *values,
			    struct lake_error *e)
{
	if (check_usable(w, e) < 0)
		return -1;
	/* Convert the whole row first, so a value that does not fit leaves no half row behind. */
	for (size_t c = 0; c < w->ncols; c++)
		if (convert_value(&w->cols[c], &values[c], &w->row[c]) < 0)
			return does_not_fit(w, &w->cols[c], &values[c], e);
	for (size_t c = 0; c < w->ncols; c++)
		if (add_cell(w, &w->cols[c], &w->row[c], e) < 0)
			return -1;
	w->rows++;
	if ((uint64_t)w->rows >= w->rg_max_rows || w->rg_bytes >= w->rg_max_bytes)
		return write_row_group(w, e);
	return 0;
}

/* ---- the footer ---- */

static void schema_leaf(struct lake_thrift_enc *t, const struct column *c)
{
	lake_thrift_struct_begin(t);
	lake_thrift_field_i32(t, 1, c->physical);
	lake_thrift_field_i32(t, 3, REP_OPTIONAL);
	lake_thrift_field_string(t, 4, c->name);
	switch (c->kind) {
	case LAKE_T_BIGINT:
		lake_thrift_field_i32(t, 6, CT_INT_64);
		lake_thrift_field_struct(t, 10); /* LogicalType */
		lake_thrift_field_struct(t, 10); /* INTEGER */
		lake_thrift_field_i8(t, 1, 64);
		lake_thrift_field_bool(t, 2, 1);
		lake_thrift_struct_end(t);
		lake_thrift_struct_end(t);
		break;
	case LAKE_T_DATE:
		lake_thrift_field_i32(t, 6, CT_DATE);
		lake_thrift_field_struct(t, 10);
		lake_thrift_field_empty_struct(t, 6); /* DATE */
		lake_thrift_struct_end(t);
		break;
	case LAKE_T_TIMESTAMP:
		lake_thrift_field_i32(t, 6, CT_TIMESTAMP_MICROS);
		lake_thrift_field_struct(t, 10);
		lake_thrift_field_struct(t, 8);	      /* TIMESTAMP */
		lake_thrift_field_bool(t, 1, 1);      /* isAdjustedToUTC */
		lake_thrift_field_struct(t, 2);	      /* unit */
		lake_thrift_field_empty_struct(t, 2); /* MICROS */
		lake_thrift_struct_end(t);
		lake_thrift_struct_end(t);
		lake_thrift_struct_end(t);
		break;
	case LAKE_T_STRING:
		lake_thrift_field_i32(t, 6, CT_UTF8);
		lake_thrift_field_struct(t, 10);
		lake_thrift_field_empty_struct(t, 1); /* STRING */
		lake_thrift_struct_end(t);
		break;
	case LAKE_T_ARRAY:
	case LAKE_T_STRUCT:
		lake_thrift_field_i32(t, 6, CT_JSON);
		lake_thrift_field_struct(t, 10);
		lake_thrift_field_empty_struct(t, 12); /* JSON */
		lake_thrift_struct_end(t);
		break;
	default: /* BOOLEAN and DOUBLE need no annotation */
		break;
	}
	lake_thrift_struct_end(t);
}

static void footer_schema(struct lake_thrift_enc *t, const struct lake_parquet_writer *w)
{
	lake_thrift_list_begin(t, 2, LAKE_THRIFT_STRUCT, w->ncols + 1);
	lake_thrift_struct_begin(t); /* the root group */
	lake_thrift_field_string(t, 4, "schema");
	lake_thrift_field_i32(t, 5, (int32_t)w->ncols);
	lake_thrift_struct_end(t);
	for (size_t c = 0; c < w->ncols; c++)
		schema_leaf(t, &w->cols[c]);
}

static void footer_statistics(struct lake_thrift_enc *t, const struct chunk_meta *m)
{
	lake_thrift_field_struct(t, 12);
	lake_thrift_field_i64(t, 3, m->null_count);
	if (m->stats.has) {
		lake_thrift_field_binary(t, 5, m->stats.max, m->stats.maxlen);
		lake_thrift_field_binary(t, 6, m->stats.min, m->stats.minlen);
	}
	lake_thrift_struct_end(t);
}

static void footer_column_chunk(struct lake_thrift_enc *t, const struct column *c,
				const struct chunk_meta *m)
{
	static const int order[] = {ENC_PLAIN, ENC_RLE, ENC_RLE_DICTIONARY};
	size_t nenc = 0;

	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
		nenc += (m->encodings >> order[k]) & 1;
	lake_thrift_struct_begin(t);
	lake_thrift_field_i64(t, 2, (int64_t)m->offset);
	lake_thrift_field_struct(t, 3); /* ColumnMetaData */
	lake_thrift_field_i32(t, 1, c->physical);
	lake_thrift_list_begin(t, 2, LAKE_THRIFT_I32, nenc);
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
		if ((m->encodings >> order[k]) & 1)
			lake_thrift_elem_i32(t, order[k]);
	lake_thrift_list_begin(t, 3, LAKE_THRIFT_BINARY, 1);
	lake_thrift_elem_binary(t, c->name, strlen(c->name));
	lake_thrift_field_i32(t, 4, CODEC_ZSTD);
	lake_thrift_field_i64(t, 5, m->num_values);
	lake_thrift_field_i64(t, 6, (int64_t)m->uncompressed);
	lake_thrift_field_i64(t, 7, (int64_t)m->compressed);
	lake_thrift_field_i64(t, 9, (int64_t)m->data_page_offset);
	if (m->has_dict)
		lake_thrift_field_i64(t, 11, (int64_t)m->offset);
	footer_statistics(t, m);
	lake_thrift_struct_end(t);
	lake_thrift_struct_end(t);
}

static void footer_row_group(struct lake_thrift_enc *t, const struct lake_parquet_writer *w,
			     const struct row_group_meta *rg)
{
	lake_thrift_struct_begin(t);
	lake_thrift_list_begin(t, 1, LAKE_THRIFT_STRUCT, w->ncols);
	for (size_t c = 0; c < w->ncols; c++)
		footer_column_chunk(t, &w->cols[c], &rg->chunks[c]);
	lake_thrift_field_i64(t, 2, (int64_t)rg->uncompressed);
	lake_thrift_field_i64(t, 3, rg->rows);
	lake_thrift_field_i64(t, 5, (int64_t)rg->offset);
	lake_thrift_field_i64(t, 6, (int64_t)rg->compressed);
	lake_thrift_struct_end(t);
}

/* FileMetaData, its length and the closing magic. */
static int write_footer(struct lake_parquet_writer *w, struct lake_error *e)
{
	struct lake_buf *f = &w->body;
	struct lake_thrift_enc t;
	unsigned char tail[8];

	lake_buf_reset(f);
	lake_thrift_init(&t, f);
	lake_thrift_struct_begin(&t);
	lake_thrift_field_i32(&t, 1, FORMAT_VERSION);
	footer_schema(&t, w);
	lake_thrift_field_i64(&t, 3, w->total_rows);
	lake_thrift_list_begin(&t, 4, LAKE_THRIFT_STRUCT, w->nrgs);
	for (size_t g = 0; g < w->nrgs; g++)
		footer_row_group(&t, w, &w->rgs[g]);
	lake_thrift_field_string(&t, 6, "lake version " LAKE_VERSION);
	/* Type-defined order for every column: what tells readers min_value/max_value apply. */
	lake_thrift_list_begin(&t, 7, LAKE_THRIFT_STRUCT, w->ncols);
	for (size_t c = 0; c < w->ncols; c++) {
		lake_thrift_struct_begin(&t);
		lake_thrift_field_empty_struct(&t, 1); /* TYPE_ORDER */
		lake_thrift_struct_end(&t);
	}
	lake_thrift_struct_end(&t);
	if (f->len > UINT32_MAX) {
		w->broken = 1;
		return lake_err(e, LAKE_EX_SOFTWARE, "'%s': the footer is too large", w->name);
	}
	lake_pq_put_le32(tail, (uint32_t)f->len);
	memcpy(tail + 4, "PAR1", 4);
	lake_buf_add(f, tail, 8);
	return write_out(w, f->data, f->len, e);
}

int lake_parquet_writer_finish(struct lake_parquet_writer *w, struct lake_error *e)
{
	if (check_usable(w, e) < 0)
		return -1;
	if (write_row_group(w, e) < 0 || write_footer(w, e) < 0)
		return -1;
	w->finished = 1;
	return 0;
}
