/*
 * parquet_read.c - lake's Parquet reader: the footer, then the pages of
 * the asked columns' chunks, decoded a window of rows at a time into
 * lake's values; see parquet.h.
 *
 * Shape of a read: lake_parquet_rows_open() preads each asked chunk whole
 * (its byte range from the footer, nothing else of the file).  Each
 * lake_parquet_rows_next() takes a window of rows that ends no later than
 * the current page of any column, then per column decodes the window's
 * definition levels, its non-null values (or dictionary indices) in one
 * tight loop each into arrays, converts them to lake values and spreads
 * them over the rows, nulls between.  Nothing is allocated by a count a
 * file claims: windows are bounded, dictionaries by their page's bytes,
 * pages by their (checked) sizes.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/colnames.h"
#include "parquet/parquet.h"
#include "parquet/parquet_codec.h"
#include "parquet/parquet_decode.h"
#include "parquet/parquet_meta.h"
#include "parquet/parquet_values.h"

/* Rows per window at most, whatever the caller asks: bounds the scratch arrays. */
#define WINDOW_MAX 65536
/* Real writers cap dictionaries at about a megabyte; far more entries is a hostile file. */
#define DICT_MAX_ENTRIES ((size_t)1 << 22)
/* DELTA_BYTE_ARRAY rebuilds values from shared prefixes; a page may not expand past this. */
#define EXPANSION_MAX ((size_t)1 << 28)

struct chunk_stats {
	struct lake_parquet_stats st;
	char text[2][PQ_TEXT_ROOM]; /* min's and max's text when it is formatted */
};

struct lake_parquet_file {
	char *name;
	int fd;
	int owns_fd;
	uint64_t size;
	uint64_t footer_start; /* where the footer begins: chunks lie before it */
	uint64_t bytes_read;
	uint8_t *footer_buf;
	struct lake_pq_footer meta;
	struct lake_parquet_column *cols;
	struct lake_colnames names; /* what cols[].name point into */
	struct lake_pq_column_info *info;
	struct chunk_stats *stats; /* row group major */
};

/* The state of one asked column while its chunk is read. */
struct col_reader {
	const struct lake_pq_leaf *leaf;
	const struct lake_pq_column_info *info;
	const struct lake_pq_chunk_meta *meta;
	const char *name;
	uint8_t *chunk;	  /* the chunk's bytes, read whole */
	size_t chunk_len; /* of them: what the metadata says, or a little more (chunk_range) */
	size_t stated;	  /* the chunk's size in its metadata: pages start before it */
	size_t pos;

	/* The dictionary, converted once; its text and bytes live as long as the chunk. */
	struct lake_parquet_value *dict;
	size_t ndict;
	uint8_t *dict_buf;
	char *dict_text;

	/* The current data page. */
	uint8_t *page_buf; /* decompressed bytes (reused page to page) */
	size_t page_cap;
	int64_t page_left; /* rows left in the page */
	int has_defs;
	struct lake_pq_rle defs;
	int encoding;
	const uint8_t *vp, *vend; /* the values' bytes */
	uint64_t bit;		  /* PLAIN booleans: next bit */
	struct lake_pq_rle rle;	  /* dictionary indices, RLE booleans */
	struct lake_pq_delta delta, delta2;
	int has_delta, has_delta2;
	size_t bss_next, bss_count, bss_width;
	uint8_t *prev; /* DELTA_BYTE_ARRAY: the previous value */
	size_t prev_len, prev_cap, expanded;

	/* Scratch for one window. */
	size_t cap;
	uint32_t *levels, *u32;
	int64_t *i64, *i64b;
	struct lake_pq_phys *phys;
	struct lake_parquet_value *out;
	uint8_t *text; /* the window's values' text (lake_pq_text_size) */
	size_t text_cap;
	uint8_t *arena;
	size_t arena_len, arena_cap;
	char why_buf[96]; /* a message with a number in it */
};

struct lake_parquet_rows {
	struct lake_parquet_file *f;
	size_t n;
	struct col_reader *c;
	const struct lake_parquet_value **vals;
	size_t rg;
	int64_t rows_left;
};

static const char *const physical_names[] = {
    "BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};

/* ---- small helpers ---- */

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

/* realloc() for n elements of size each, NULL when that overflows or fails (old kept). */
static void *resize(void *old, size_t n, size_t size)
{
	return n > SIZE_MAX / size ? NULL : realloc(old, n * size);
}

/* Grow a byte buffer to hold n bytes (never shrinks). */
static int reserve(uint8_t **buf, size_t *cap, size_t n)
{
	uint8_t *nb;

	if (n <= *cap)
		return 0;
	nb = resize(*buf, n, 1);
	if (!nb)
		return -1;
	*buf = nb;
	*cap = n;
	return 0;
}

static int pread_all(struct lake_parquet_file *f, void *buf, size_t len, uint64_t off,
		     struct lake_error *e)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(f->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lake_err_sys(e, LAKE_EX_IOERR, "%s: cannot read", f->name);
		if (r == 0)
			return lake_err(e, LAKE_EX_DATAERR, "%s: file ends early", f->name);
		done += (size_t)r;
	}
	f->bytes_read += len;
	return 0;
}

/* ---- statistics ---- */

/* One statistics value: PLAIN without a length prefix. */
static int stat_value(const struct lake_pq_leaf *l, const struct lake_pq_column_info *ci,
		      const struct lake_pq_bytes *b, struct lake_parquet_value *out, char *text)
{
	struct lake_pq_phys ph = {{0}, NULL, 0};
	const char *why;
	size_t w = lake_pq_plain_width(l);

	if (l->physical == PQ_BOOLEAN) {
		if (b->len != 1)
			return -1;
		ph.i = b->p[0] & 1;
	} else if (l->physical == PQ_BYTE_ARRAY) {
		ph.p = b->p;
		ph.len = b->len;
	} else {
		if (b->len != w)
			return -1;
		lake_pq_plain_fixed(l, b->p, 1, &ph);
	}
	if (lake_pq_text_size(ci, &ph, 1) > PQ_TEXT_ROOM ||
	    lake_pq_convert(ci, &ph, 1, out, text, &why) < 0)
		return -1;
	if (out->kind == LAKE_PQ_DOUBLE && isnan(out->d))
		return -1; /* a NaN bound orders nothing */
	return 0;
}

static void decode_stats(const struct lake_pq_leaf *l, const struct lake_pq_column_info *ci,
			 const struct lake_pq_chunk_meta *m, struct chunk_stats *cs)
{
	const struct lake_pq_bytes *lo = &m->min_value, *hi = &m->max_value;

	memset(&cs->st, 0, sizeof cs->st);
	cs->st.compressed_bytes =
	    m->total_compressed_size > 0 ? (uint64_t)m->total_compressed_size : 0;
	cs->st.has_null_count = m->has_null_count && m->null_count >= 0;
	cs->st.null_count = cs->st.has_null_count ? m->null_count : 0;
	/* The deprecated min/max were ordered as signed bytes: right only for signed numbers. */
	if ((!lo->set || !hi->set) && ci->signed_order) {
		lo = &m->min_old;
		hi = &m->max_old;
	}
	/*
	 * INT96's sort order is undefined by the format, and so is that of
	 * geometries' bytes (their bounding boxes are elsewhere): their bounds
	 * mean nothing.
	 */
	if (!lo->set || !hi->set || l->physical == PQ_INT96 || ci->conv == CV_HEX)
		return;
	if (stat_value(l, ci, lo, &cs->st.min, cs->text[0]) < 0 ||
	    stat_value(l, ci, hi, &cs->st.max, cs->text[1]) < 0) {
		memset(&cs->st.min, 0, sizeof cs->st.min);
		memset(&cs->st.max, 0, sizeof cs->st.max);
		return;
	}
	cs->st.has_min_max = 1;
}

/* ---- opening ---- */

int lake_parquet_sniff(const void *head, size_t len)
{
	return len >= 4 && memcmp(head, "PAR1", 4) == 0;
}

static int check_row_groups(struct lake_parquet_file *f, uint64_t footer_start,
			    struct lake_error *e)
{
	int64_t total = 0;

	for (size_t g = 0; g < f->meta.nrow_groups; g++) {
		const struct lake_pq_row_group_meta *rg = &f->meta.row_groups[g];
		uint64_t bytes = 0;

		if (rg->nchunks != f->meta.nleaves)
			return lake_err(e, LAKE_EX_DATAERR,
					"%s: corrupt footer: row group %zu has %zu columns, the "
					"schema %zu",
					f->name, g, rg->nchunks, f->meta.nleaves);
		if (rg->num_rows < 0 || __builtin_add_overflow(total, rg->num_rows, &total))
			return lake_err(e, LAKE_EX_DATAERR,
					"%s: corrupt footer: row group %zu has a bad row count",
					f->name, g);
		for (size_t c = 0; c < rg->nchunks; c++) {
			const struct lake_pq_chunk_meta *m = &rg->chunks[c];

			if (m->total_compressed_size < 0 ||
			    (uint64_t)m->total_compressed_size > footer_start)
				return lake_err(
				    e, LAKE_EX_DATAERR,
				    "%s: corrupt footer: column \"%s\" in row group %zu "
				    "has a bad size",
				    f->name, f->cols[c].name, g);
			bytes += (uint64_t)m->total_compressed_size;
		}
		/* Chunks may not overlap, so reading a row group whole never takes more than the
		 * file. */
		if (bytes > footer_start)
			return lake_err(
			    e, LAKE_EX_DATAERR,
			    "%s: corrupt footer: the chunks of row group %zu are larger "
			    "than the file",
			    f->name, g);
	}
	if (total != f->meta.num_rows)
		return lake_err(e, LAKE_EX_DATAERR,
				"%s: corrupt footer: %lld rows in all, row groups hold %lld",
				f->name, (long long)f->meta.num_rows, (long long)total);
	return 0;
}

static int describe_columns(struct lake_parquet_file *f, struct lake_error *e)
{
	size_t n = f->meta.nleaves;

	f->cols = calloc(n ? n : 1, sizeof *f->cols);
	f->info = calloc(n ? n : 1, sizeof *f->info);
	if (!f->cols || !f->info)
		return lake_err(e, LAKE_EX_SOFTWARE, "%s: out of memory", f->name);
	for (size_t c = 0; c < n; c++) {
		const struct lake_pq_leaf *l = &f->meta.leaves[c];
		const char *why;

		/* Columns are found by name: a file's repeated names (x, x) must differ. */
		f->cols[c].name = lake_colnames_add(&f->names, l->name, strlen(l->name));
		f->cols[c].optional = l->repetition == PQ_OPTIONAL;
		f->cols[c].physical = physical_names[l->physical];
		if (lake_pq_choose_conv(l, &f->info[c], &f->cols[c].kind, &why) < 0)
			return lake_err(e, LAKE_EX_DATAERR, "%s: column \"%s\" %s", f->name,
					l->name, why);
	}
	return 0;
}

static int compute_stats(struct lake_parquet_file *f, struct lake_error *e)
{
	size_t n = f->meta.nleaves, groups = f->meta.nrow_groups, all = groups * n;

	/* Counts came from the footer, whose every chunk took bytes: the product is bounded. */
	f->stats = calloc(all ? all : 1, sizeof *f->stats);
	if (!f->stats)
		return lake_err(e, LAKE_EX_SOFTWARE, "%s: out of memory", f->name);
	for (size_t g = 0; g < groups; g++)
		for (size_t c = 0; c < n; c++)
			decode_stats(&f->meta.leaves[c], &f->info[c],
				     &f->meta.row_groups[g].chunks[c], &f->stats[g * n + c]);
	return 0;
}

/* A footer that could not be parsed: what was wrong, in the row group and column where it was. */
static int footer_error(struct lake_parquet_file *f, struct lake_pq_footer_error *fe,
			struct lake_error *e)
{
	const char *name = fe->column >= 0 && (size_t)fe->column < f->meta.nleaves
			       ? f->meta.leaves[fe->column].name
			       : NULL;

	if (fe->nested_name) {
		lake_err(e, LAKE_EX_DATAERR,
			 "%s: column \"%s\" %s; lake reads flat Parquet schemas only", f->name,
			 fe->nested_name, fe->why);
		free(fe->nested_name);
		return -1;
	}
	if (fe->row_group >= 0 && name)
		return lake_err(e, LAKE_EX_DATAERR,
				"%s: corrupt footer: column \"%s\" in row group %ld: %s", f->name,
				name, fe->row_group, fe->why);
	if (fe->row_group >= 0 && fe->column >= 0)
		return lake_err(e, LAKE_EX_DATAERR,
				"%s: corrupt footer: column %ld in row group %ld: %s", f->name,
				fe->column, fe->row_group, fe->why);
	if (fe->row_group >= 0)
		return lake_err(e, LAKE_EX_DATAERR, "%s: corrupt footer: row group %ld: %s",
				f->name, fe->row_group, fe->why);
	return lake_err(e, LAKE_EX_DATAERR, "%s: corrupt footer: %s", f->name, fe->why);
}

/* The magic at both ends, the footer's length, then the footer itself. */
static int read_footer(struct lake_parquet_file *f, struct lake_error *e)
{
	uint8_t tail[8], head[4];
	uint32_t len;
	struct lake_pq_footer_error fe;

	if (f->size < 12)
		return lake_err(e, LAKE_EX_DATAERR, "%s: not a Parquet file (too short)", f->name);
	if (pread_all(f, head, 4, 0, e) < 0 || pread_all(f, tail, 8, f->size - 8, e) < 0)
		return -1;
	if (memcmp(tail + 4, "PARE", 4) == 0)
		return lake_err(e, LAKE_EX_DATAERR,
				"%s: encrypted Parquet footers are not supported", f->name);
	if (!lake_parquet_sniff(head, 4))
		return lake_err(e, LAKE_EX_DATAERR, "%s: not a Parquet file (no PAR1 magic)",
				f->name);
	/* It starts as Parquet does: what is missing is its end. */
	if (memcmp(tail + 4, "PAR1", 4) != 0)
		return lake_err(e, LAKE_EX_DATAERR,
				"%s: truncated Parquet file: it starts with PAR1 but does not end "
				"with it (%llu bytes; was it copied whole?)",
				f->name, (unsigned long long)f->size);
	len = lake_pq_le32(tail);
	if (len == 0 || len > f->size - 12)
		return lake_err(e, LAKE_EX_DATAERR,
				"%s: corrupt footer: length %u does not fit a file of %llu bytes",
				f->name, len, (unsigned long long)f->size);
	f->footer_buf = malloc(len);
	if (!f->footer_buf)
		return lake_err(e, LAKE_EX_SOFTWARE, "%s: out of memory", f->name);
	if (pread_all(f, f->footer_buf, len, f->size - 8 - len, e) < 0)
		return -1;
	if (lake_pq_footer_parse(f->footer_buf, len, &f->meta, &fe) < 0)
		return footer_error(f, &fe, e);
	f->footer_start = f->size - 8 - len;
	if (describe_columns(f, e) < 0 || check_row_groups(f, f->footer_start, e) < 0)
		return -1;
	return compute_stats(f, e);
}

int lake_parquet_open_fd(int fd, const char *name, struct lake_parquet_file **out,
			 struct lake_error *e)
{
	struct lake_parquet_file *f;
	struct stat st;

	*out = NULL;
	f = calloc(1, sizeof *f);
	if (!f || !(f->name = strdup(name))) {
		free(f);
		return lake_err(e, LAKE_EX_SOFTWARE, "%s: out of memory", name);
	}
	f->fd = fd;
	if (fstat(fd, &st) < 0) {
		lake_err_sys(e, LAKE_EX_IOERR, "%s: cannot stat", name);
		goto fail;
	}
	f->size = (uint64_t)st.st_size;
	if (read_footer(f, e) < 0)
		goto fail;
	*out = f;
	return 0;
fail:
	lake_parquet_close(f);
	return -1;
}

int lake_parquet_open(const char *path, struct lake_parquet_file **out, struct lake_error *e)
{
	/* A lake file is never read through a symbolic link (fsutil.h). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	*out = NULL;
	if (fd < 0)
		return lake_err_sys(e, errno == ENOENT ? LAKE_EX_NOINPUT : LAKE_EX_IOERR,
				    "%s: cannot open", path);
	if (lake_parquet_open_fd(fd, path, out, e) < 0) {
		close(fd);
		return -1;
	}
	(*out)->owns_fd = 1;
	return 0;
}

void lake_parquet_close(struct lake_parquet_file *f)
{
	if (!f)
		return;
	if (f->owns_fd)
		close(f->fd);
	lake_pq_footer_release(&f->meta);
	free(f->footer_buf);
	free(f->cols);
	free(f->info);
	free(f->stats);
	lake_colnames_release(&f->names);
	free(f->name);
	free(f);
}

size_t lake_parquet_columns(const struct lake_parquet_file *f,
			    const struct lake_parquet_column **cols)
{
	if (cols)
		*cols = f->cols;
	return f->meta.nleaves;
}

int64_t lake_parquet_num_rows(const struct lake_parquet_file *f)
{
	return f->meta.num_rows;
}

size_t lake_parquet_row_groups(const struct lake_parquet_file *f)
{
	return f->meta.nrow_groups;
}

int64_t lake_parquet_row_group_rows(const struct lake_parquet_file *f, size_t rg)
{
	return rg < f->meta.nrow_groups ? f->meta.row_groups[rg].num_rows : 0;
}

void lake_parquet_column_stats(const struct lake_parquet_file *f, size_t rg, size_t col,
			       struct lake_parquet_stats *out)
{
	if (rg >= f->meta.nrow_groups || col >= f->meta.nleaves) {
		memset(out, 0, sizeof *out);
		return;
	}
	*out = f->stats[rg * f->meta.nleaves + col].st;
}

uint64_t lake_parquet_bytes_read(const struct lake_parquet_file *f)
{
	return f->bytes_read;
}

/* ---- pages ---- */

static int ensure_scratch(struct col_reader *c, size_t n)
{
	void *p;

	if (n <= c->cap)
		return 0;
	/* Each array is kept as soon as it grew, so a failure half way leaks nothing. */
	if (!(p = resize(c->u32, n, sizeof *c->u32)))
		return -1;
	c->u32 = p;
	if (!(p = resize(c->levels, n, sizeof *c->levels)))
		return -1;
	c->levels = p;
	if (!(p = resize(c->i64, n, sizeof *c->i64)))
		return -1;
	c->i64 = p;
	if (!(p = resize(c->i64b, n, sizeof *c->i64b)))
		return -1;
	c->i64b = p;
	if (!(p = resize(c->phys, n, sizeof *c->phys)))
		return -1;
	c->phys = p;
	if (!(p = resize(c->out, n, sizeof *c->out)))
		return -1;
	c->out = p;
	c->cap = n;
	return 0;
}

static void release_page(struct col_reader *c)
{
	if (c->has_delta)
		lake_pq_delta_release(&c->delta);
	if (c->has_delta2)
		lake_pq_delta_release(&c->delta2);
	c->has_delta = c->has_delta2 = 0;
}

static int load_dictionary(struct col_reader *c, const struct lake_pq_page_header *h,
			   const uint8_t *body, const char **why)
{
	const uint8_t *p, *vp;
	size_t cap = 0;
	uint64_t bit = 0;
	struct lake_pq_phys *ph;
	int rc;

	if (c->dict)
		return fail(why, "two dictionary pages");
	if (h->encoding != PQ_PLAIN && h->encoding != PQ_PLAIN_DICTIONARY)
		return fail(why, "dictionary page not PLAIN encoded");
	if (lake_pq_page_bytes(c->meta->codec, body, (size_t)h->compressed_size,
			       (size_t)h->uncompressed_size, &c->dict_buf, &cap, &p, why) < 0)
		return -1;
	/*
	 * The entries are what the page's bytes hold, whatever its header
	 * counts: writers have miscounted, and an index past the real entries
	 * is an error when a page uses one.
	 */
	c->ndict = lake_pq_plain_count(c->leaf, p, p + h->uncompressed_size, DICT_MAX_ENTRIES + 1);
	if (c->ndict > DICT_MAX_ENTRIES)
		return fail(why, "dictionary of more entries than lake reads");
	ph = calloc(c->ndict ? c->ndict : 1, sizeof *ph);
	c->dict = calloc(c->ndict ? c->ndict : 1, sizeof *c->dict);
	if (!ph || !c->dict) {
		free(ph);
		return fail(why, "out of memory");
	}
	vp = p;
	rc = lake_pq_plain_values(c->leaf, &vp, p + h->uncompressed_size, &bit, c->ndict, ph, why);
	if (rc == 0 && !(c->dict_text = malloc(lake_pq_text_size(c->info, ph, c->ndict) + 1)))
		rc = fail(why, "out of memory");
	if (rc == 0)
		rc = lake_pq_convert(c->info, ph, c->ndict, c->dict, c->dict_text, why);
	for (size_t k = 0; k < c->ndict; k++)
		c->dict[k].entry = (uint32_t)(k + 1);
	free(ph);
	return rc;
}

/* Where the values of a page start for its encoding; the decoders set up. */
static int start_values(struct col_reader *c, int encoding, const uint8_t *p, const uint8_t *end,
			const char **why)
{
	int phys = c->leaf->physical;
	const uint8_t *data;

	c->encoding = encoding;
	c->vp = p;
	c->vend = end;
	c->bit = 0;
	switch (encoding) {
	case PQ_PLAIN:
		return 0;
	case PQ_PLAIN_DICTIONARY:
	case PQ_RLE_DICTIONARY:
		if (!c->dict)
			return fail(why, "dictionary-encoded page but no dictionary");
		if (p >= end)
			return fail(why, "dictionary-encoded page without a bit width");
		return lake_pq_rle_init(&c->rle, p + 1, (size_t)(end - p - 1), p[0], why);
	case PQ_RLE:
		if (phys != PQ_BOOLEAN)
			return fail(why, "RLE values that are not booleans");
		if (end - p < 4 || lake_pq_le32(p) > (size_t)(end - p - 4))
			return fail(why, "RLE booleans of a bad length");
		return lake_pq_rle_init(&c->rle, p + 4, lake_pq_le32(p), 1, why);
	case PQ_DELTA_BINARY_PACKED:
		if (phys != PQ_INT32 && phys != PQ_INT64)
			return fail(why, "DELTA_BINARY_PACKED values that are not integers");
		if (lake_pq_delta_init(&c->delta, p, (size_t)(end - p), why) < 0)
			return -1;
		c->has_delta = 1;
		return 0;
	case PQ_DELTA_LENGTH_BYTE_ARRAY:
		if (phys != PQ_BYTE_ARRAY)
			return fail(why, "DELTA_LENGTH_BYTE_ARRAY values that are not strings");
		if (lake_pq_delta_end(p, (size_t)(end - p), &data, why) < 0 ||
		    lake_pq_delta_init(&c->delta, p, (size_t)(data - p), why) < 0)
			return -1;
		c->has_delta = 1;
		c->vp = data;
		return 0;
	case PQ_DELTA_BYTE_ARRAY: {
		const uint8_t *mid;

		if (phys != PQ_BYTE_ARRAY && phys != PQ_FIXED)
			return fail(why, "DELTA_BYTE_ARRAY values that are not strings");
		if (lake_pq_delta_end(p, (size_t)(end - p), &mid, why) < 0 ||
		    lake_pq_delta_init(&c->delta, p, (size_t)(mid - p), why) < 0)
			return -1;
		c->has_delta = 1;
		if (lake_pq_delta_end(mid, (size_t)(end - mid), &data, why) < 0 ||
		    lake_pq_delta_init(&c->delta2, mid, (size_t)(data - mid), why) < 0)
			return -1;
		c->has_delta2 = 1;
		c->vp = data;
		c->prev_len = 0;
		c->expanded = 0;
		return 0;
	}
	case PQ_BYTE_STREAM_SPLIT:
		c->bss_width =
		    phys == PQ_FIXED ? (size_t)c->leaf->type_length : lake_pq_plain_width(c->leaf);
		if (phys == PQ_BOOLEAN || phys == PQ_BYTE_ARRAY || phys == PQ_INT96 ||
		    c->bss_width == 0 || (size_t)(end - p) % c->bss_width)
			return fail(why, "BYTE_STREAM_SPLIT values of a bad size");
		c->bss_count = (size_t)(end - p) / c->bss_width;
		c->bss_next = 0;
		return 0;
	default:
		snprintf(c->why_buf, sizeof c->why_buf,
			 "values in encoding %d, which lake does not read", encoding);
		return fail(why, c->why_buf);
	}
}

/* Definition levels of a v1 page: a 4-byte length, then the RLE hybrid. */
static int start_levels_v1(struct col_reader *c, const struct lake_pq_page_header *h,
			   const uint8_t **p, const uint8_t *end, const char **why)
{
	uint32_t len;

	c->has_defs = c->leaf->repetition == PQ_OPTIONAL;
	if (!c->has_defs)
		return 0;
	if (h->def_encoding != PQ_RLE)
		return fail(why, "definition levels not RLE encoded");
	if (end - *p < 4 || (len = lake_pq_le32(*p)) > (size_t)(end - *p - 4))
		return fail(why, "definition levels of a bad length");
	if (lake_pq_rle_init(&c->defs, *p + 4, len, 1, why) < 0)
		return -1;
	*p += 4 + len;
	return 0;
}

static int start_data_page(struct col_reader *c, const struct lake_pq_page_header *h,
			   const uint8_t *body, const char **why)
{
	const uint8_t *p, *end;
	size_t vsize;

	if (h->type == PQ_DATA_PAGE) {
		if (lake_pq_page_bytes(c->meta->codec, body, (size_t)h->compressed_size,
				       (size_t)h->uncompressed_size, &c->page_buf, &c->page_cap, &p,
				       why) < 0)
			return -1;
		end = p + h->uncompressed_size;
		if (start_levels_v1(c, h, &p, end, why) < 0)
			return -1;
		return start_values(c, h->encoding, p, end, why);
	}
	/* v2: levels first and never compressed, then the values, maybe compressed. */
	if ((int64_t)h->rep_length + h->def_length > h->compressed_size ||
	    (int64_t)h->rep_length + h->def_length > h->uncompressed_size)
		return fail(why, "levels longer than its page");
	c->has_defs = c->leaf->repetition == PQ_OPTIONAL;
	if (c->has_defs &&
	    lake_pq_rle_init(&c->defs, body + h->rep_length, (size_t)h->def_length, 1, why) < 0)
		return -1;
	body += h->rep_length + h->def_length;
	vsize = (size_t)h->uncompressed_size - (size_t)h->rep_length - (size_t)h->def_length;
	/*
	 * No values at all (every row null, or none): writers store nothing
	 * there, not even what their codec makes of nothing.
	 */
	if (!h->is_compressed || vsize == 0) {
		if (vsize != (size_t)h->compressed_size - h->rep_length - h->def_length)
			return fail(why, "uncompressed page sizes differ");
		return start_values(c, h->encoding, body, body + vsize, why);
	}
	if (lake_pq_page_bytes(c->meta->codec, body,
			       (size_t)h->compressed_size - h->rep_length - h->def_length, vsize,
			       &c->page_buf, &c->page_cap, &p, why) < 0)
		return -1;
	return start_values(c, h->encoding, p, p + vsize, why);
}

/* Move to the next data page of the chunk, reading a dictionary page on the way. */
static int next_page(struct col_reader *c, const char **why)
{
	for (;;) {
		struct lake_pq_page_header h;
		const uint8_t *body;
		size_t left = c->chunk_len - c->pos;

		release_page(c);
		if (c->pos >= c->stated)
			return fail(why, "chunk ends before its rows do");
		if (lake_pq_page_header_parse(c->chunk + c->pos, left, &h, why) < 0) {
			snprintf(c->why_buf, sizeof c->why_buf,
				 "page header at byte %zu of %zu: %s", c->pos, c->stated, *why);
			return fail(why, c->why_buf);
		}
		if ((size_t)h.compressed_size > left - h.header_size)
			return fail(why, "page runs past the end of its chunk");
		body = c->chunk + c->pos + h.header_size;
		c->pos += h.header_size + (size_t)h.compressed_size;
		if (h.type == PQ_DICTIONARY_PAGE) {
			if (load_dictionary(c, &h, body, why) < 0)
				return -1;
			continue;
		}
		if (h.type != PQ_DATA_PAGE && h.type != PQ_DATA_PAGE_V2)
			continue; /* index pages and kinds to come carry no values */
		if (h.num_values < 0)
			return fail(why, "page has a negative value count");
		if (h.num_values == 0)
			continue;
		if (start_data_page(c, &h, body, why) < 0)
			return -1;
		c->page_left = h.num_values;
		return 0;
	}
}

/* ---- values of a window ---- */

/* DELTA_BYTE_ARRAY: each value is a prefix of the one before and a suffix of its own. */
static int delta_strings(struct col_reader *c, size_t k, const char **why)
{
	if (lake_pq_delta_get(&c->delta, c->i64, k, why) < 0 ||
	    lake_pq_delta_get(&c->delta2, c->i64b, k, why) < 0)
		return -1;
	c->arena_len = 0;
	for (size_t i = 0; i < k; i++) {
		int64_t pre = c->i64[i], suf = c->i64b[i];
		size_t len;

		if (pre < 0 || (size_t)pre > c->prev_len || suf < 0 ||
		    (uint64_t)suf > (uint64_t)(c->vend - c->vp))
			return fail(why, "DELTA_BYTE_ARRAY prefix or suffix out of range");
		len = (size_t)pre + (size_t)suf;
		c->expanded += len;
		if (c->expanded > EXPANSION_MAX)
			return fail(why, "DELTA_BYTE_ARRAY values too large in all");
		if (reserve(&c->arena, &c->arena_cap, c->arena_len + len + 1) < 0 ||
		    reserve(&c->prev, &c->prev_cap, len + 1) < 0)
			return fail(why, "out of memory");
		/* The new previous value is built in place: its prefix is already there. */
		memcpy(c->prev + pre, c->vp, (size_t)suf);
		c->vp += suf;
		c->prev_len = len;
		memcpy(c->arena + c->arena_len, c->prev, len);
		c->phys[i].len = len;
		c->phys[i].i = (int64_t)c->arena_len; /* an offset until the arena stops moving */
		c->arena_len += len;
	}
	for (size_t i = 0; i < k; i++)
		c->phys[i].p = c->arena + c->phys[i].i;
	if (c->leaf->physical == PQ_FIXED)
		for (size_t i = 0; i < k; i++)
			if (c->phys[i].len != (size_t)c->leaf->type_length)
				return fail(why, "fixed-length value of another length");
	return 0;
}

static int split_streams(struct col_reader *c, size_t k, const char **why)
{
	size_t w = c->bss_width, n = c->bss_count;
	uint8_t tmp[16];

	if (k > n - c->bss_next)
		return fail(why, "fewer values than the page holds");
	if (c->leaf->physical == PQ_FIXED) {
		c->arena_len = 0;
		if (reserve(&c->arena, &c->arena_cap, k * w + 1) < 0)
			return fail(why, "out of memory");
	}
	for (size_t i = 0; i < k; i++, c->bss_next++) {
		uint8_t *dst = c->leaf->physical == PQ_FIXED ? c->arena + i * w : tmp;

		for (size_t b = 0; b < w; b++)
			dst[b] = c->vp[b * n + c->bss_next];
		if (c->leaf->physical == PQ_FIXED) {
			c->phys[i].p = dst;
			c->phys[i].len = w;
		} else {
			lake_pq_plain_fixed(c->leaf, dst, 1, &c->phys[i]);
		}
	}
	return 0;
}

/* k non-null physical values of the page into c->phys. */
static int physical_values(struct col_reader *c, size_t k, const char **why)
{
	switch (c->encoding) {
	case PQ_PLAIN:
		return lake_pq_plain_values(c->leaf, &c->vp, c->vend, &c->bit, k, c->phys, why);
	case PQ_RLE:
		if (lake_pq_rle_get(&c->rle, c->u32, k, why) < 0)
			return -1;
		for (size_t i = 0; i < k; i++)
			c->phys[i].i = c->u32[i];
		return 0;
	case PQ_DELTA_BINARY_PACKED:
		if (lake_pq_delta_get(&c->delta, c->i64, k, why) < 0)
			return -1;
		if (c->leaf->physical == PQ_INT32)
			for (size_t i = 0; i < k; i++)
				c->phys[i].i = (int32_t)(uint32_t)(uint64_t)c->i64[i];
		else
			for (size_t i = 0; i < k; i++)
				c->phys[i].i = c->i64[i];
		return 0;
	case PQ_DELTA_LENGTH_BYTE_ARRAY:
		if (lake_pq_delta_get(&c->delta, c->i64, k, why) < 0)
			return -1;
		for (size_t i = 0; i < k; i++) {
			if (c->i64[i] < 0 || (uint64_t)c->i64[i] > (uint64_t)(c->vend - c->vp))
				return fail(why, "string length out of range");
			c->phys[i].p = c->vp;
			c->phys[i].len = (size_t)c->i64[i];
			c->vp += c->i64[i];
		}
		return 0;
	case PQ_DELTA_BYTE_ARRAY:
		return delta_strings(c, k, why);
	case PQ_BYTE_STREAM_SPLIT:
		return split_streams(c, k, why);
	default:
		return fail(why, "values in an encoding lake does not read");
	}
}

/* Spread k values at out[0..k) over n rows where levels say (backwards, in place). */
static void spread(struct lake_parquet_value *out, const uint32_t *levels, size_t n, size_t k)
{
	size_t j = k;

	for (size_t r = n; r-- > 0;) {
		if (levels[r])
			out[r] = out[--j];
		else
			out[r] = (struct lake_parquet_value){.kind = LAKE_PQ_NULL};
	}
}

static int decode_window(struct col_reader *c, size_t n, const char **why)
{
	size_t k = n;

	if (c->has_defs) {
		if (lake_pq_rle_get(&c->defs, c->levels, n, why) < 0)
			return -1;
		k = 0;
		for (size_t r = 0; r < n; r++)
			k += c->levels[r];
	}
	if (c->encoding == PQ_PLAIN_DICTIONARY || c->encoding == PQ_RLE_DICTIONARY) {
		if (lake_pq_rle_get(&c->rle, c->u32, k, why) < 0)
			return -1;
		for (size_t i = 0; i < k; i++) {
			if (c->u32[i] >= c->ndict)
				return fail(why, "dictionary index out of range");
			c->out[i] = c->dict[c->u32[i]];
		}
	} else {
		if (physical_values(c, k, why) < 0)
			return -1;
		if (reserve(&c->text, &c->text_cap, lake_pq_text_size(c->info, c->phys, k) + 1) < 0)
			return fail(why, "out of memory");
		if (lake_pq_convert(c->info, c->phys, k, c->out, (char *)c->text, why) < 0)
			return -1;
		/* Some conversions set fields one by one, over the last window's values. */
		for (size_t i = 0; i < k; i++)
			c->out[i].entry = 0;
	}
	if (c->has_defs)
		spread(c->out, c->levels, n, k);
	c->page_left -= (int64_t)n;
	return 0;
}

/* ---- rows ---- */

/* An offset where a page may start: past the leading magic, before the footer. */
static int page_offset_ok(const struct lake_parquet_file *f, int64_t off)
{
	return off >= 4 && (uint64_t)off < f->footer_start;
}

/* The most a dictionary page header takes, by Arrow's measure (PARQUET-816). */
#define DICT_HEADER_MAX 100

/*
 * Where a chunk's bytes start, how many its metadata gives and how many to
 * read.  The chunk starts at its dictionary page, else at its first data
 * page; writers have left either offset 0 or wrong (a dictionary offset
 * of 0, a data page offset of 0 in a chunk whose key-value metadata moved
 * things), so an offset outside the file is passed over for the other, as
 * Arrow and DuckDB do.  Old parquet-mr left the dictionary page's header
 * out of the chunk's size, so its chunks are read a little further.
 */
static int chunk_range(const struct lake_parquet_file *f, const struct lake_pq_chunk_meta *m,
		       int64_t *start, size_t *stated, size_t *len)
{
	int dict_ok = page_offset_ok(f, m->dictionary_page_offset);
	int data_ok = page_offset_ok(f, m->data_page_offset);
	uint64_t room;

	if (dict_ok && data_ok)
		*start = m->dictionary_page_offset < m->data_page_offset ? m->dictionary_page_offset
									 : m->data_page_offset;
	else if (dict_ok || data_ok)
		*start = dict_ok ? m->dictionary_page_offset : m->data_page_offset;
	else
		return -1;
	/* Sizes were checked against the file at open; the range must end before the footer. */
	room = f->footer_start - (uint64_t)*start;
	if ((uint64_t)m->total_compressed_size > room)
		return -1;
	*stated = *len = (size_t)m->total_compressed_size;
	if (lake_pq_footer_dict_header_uncounted(&f->meta))
		*len += room - *len < DICT_HEADER_MAX ? (size_t)(room - *len) : DICT_HEADER_MAX;
	return 0;
}

static int open_column(struct lake_parquet_file *f, size_t rg, size_t col, struct col_reader *c,
		       struct lake_error *e)
{
	const struct lake_pq_chunk_meta *m = &f->meta.row_groups[rg].chunks[col];
	int64_t start;

	c->leaf = &f->meta.leaves[col];
	c->info = &f->info[col];
	c->meta = m;
	c->name = c->leaf->name;
	if (m->has_file_path)
		return lake_err(e, LAKE_EX_DATAERR,
				"%s: column \"%s\" in row group %zu is stored in another file; not "
				"supported",
				f->name, c->name, rg);
	if (m->physical != c->leaf->physical)
		return lake_err(e, LAKE_EX_DATAERR,
				"%s: column \"%s\" in row group %zu: chunk type differs from the "
				"schema's",
				f->name, c->name, rg);
	if (!lake_pq_codec_supported(m->codec))
		return lake_err(
		    e, LAKE_EX_DATAERR,
		    "%s: column \"%s\" in row group %zu: %s compression (codec %d) is "
		    "not supported (lake reads UNCOMPRESSED, SNAPPY, GZIP, ZSTD, BROTLI, "
		    "LZ4 and LZ4_RAW)",
		    f->name, c->name, rg, lake_pq_codec_name(m->codec), m->codec);
	if (chunk_range(f, m, &start, &c->stated, &c->chunk_len) < 0)
		return lake_err(e, LAKE_EX_DATAERR,
				"%s: column \"%s\" in row group %zu: chunk lies outside the file "
				"(data page at %lld, dictionary page at %lld, %lld bytes)",
				f->name, c->name, rg, (long long)m->data_page_offset,
				(long long)m->dictionary_page_offset,
				(long long)m->total_compressed_size);
	c->chunk = malloc(c->chunk_len ? c->chunk_len : 1);
	if (!c->chunk)
		return lake_err(e, LAKE_EX_SOFTWARE, "%s: out of memory", f->name);
	return pread_all(f, c->chunk, c->chunk_len, (uint64_t)start, e);
}

static void close_column(struct col_reader *c)
{
	release_page(c);
	free(c->chunk);
	free(c->dict);
	free(c->dict_buf);
	free(c->dict_text);
	free(c->page_buf);
	free(c->prev);
	free(c->u32);
	free(c->levels);
	free(c->i64);
	free(c->i64b);
	free(c->phys);
	free(c->out);
	free(c->text);
	free(c->arena);
}

int lake_parquet_rows_open(struct lake_parquet_file *f, size_t rg, const size_t *cols, size_t n,
			   struct lake_parquet_rows **out, struct lake_error *e)
{
	struct lake_parquet_rows *r;

	*out = NULL;
	if (rg >= f->meta.nrow_groups)
		return lake_err(e, LAKE_EX_SOFTWARE, "%s: no row group %zu", f->name, rg);
	for (size_t i = 0; i < n; i++)
		if (cols[i] >= f->meta.nleaves)
			return lake_err(e, LAKE_EX_SOFTWARE, "%s: no column %zu", f->name, cols[i]);
	r = calloc(1, sizeof *r);
	if (!r || !(r->c = calloc(n ? n : 1, sizeof *r->c)) ||
	    !(r->vals = calloc(n ? n : 1, sizeof *r->vals))) {
		lake_parquet_rows_close(r);
		return lake_err(e, LAKE_EX_SOFTWARE, "%s: out of memory", f->name);
	}
	r->f = f;
	r->rg = rg;
	r->rows_left = f->meta.row_groups[rg].num_rows;
	/* A row group of no rows has nothing to read, whatever its chunks' offsets say. */
	for (size_t i = 0; i < n && r->rows_left > 0; i++) {
		r->n = i + 1;
		if (open_column(f, rg, cols[i], &r->c[i], e) < 0) {
			lake_parquet_rows_close(r);
			return -1;
		}
	}
	*out = r;
	return 0;
}

int lake_parquet_rows_next(struct lake_parquet_rows *r, size_t max, size_t *nrows,
			   const struct lake_parquet_value *const **values, struct lake_error *e)
{
	size_t n = max < WINDOW_MAX ? max : WINDOW_MAX;
	const char *why = NULL;
	size_t i;

	*nrows = 0;
	if (r->rows_left <= 0 || max == 0)
		return 0;
	if ((int64_t)n > r->rows_left)
		n = (size_t)r->rows_left;
	/* A window ends with the shortest current page, so no value outlives its page. */
	for (i = 0; i < r->n; i++) {
		if (r->c[i].page_left <= 0 && next_page(&r->c[i], &why) < 0)
			goto fail;
		if ((int64_t)n > r->c[i].page_left)
			n = (size_t)r->c[i].page_left;
	}
	for (i = 0; i < r->n; i++) {
		if (ensure_scratch(&r->c[i], n) < 0) {
			why = "out of memory";
			goto fail;
		}
		if (decode_window(&r->c[i], n, &why) < 0)
			goto fail;
		r->vals[i] = r->c[i].out;
	}
	r->rows_left -= (int64_t)n;
	*nrows = n;
	*values = r->vals;
	return 1;
fail:
	return lake_err(e, LAKE_EX_DATAERR, "%s: column \"%s\" in row group %zu: %s", r->f->name,
			r->c[i].name, r->rg, why);
}

void lake_parquet_rows_close(struct lake_parquet_rows *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		close_column(&r->c[i]);
	free(r->c);
	free(r->vals);
	free(r);
}
