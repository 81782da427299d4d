#include "formats/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/buf.h"
#include "base/colnames.h"
#include "values/jscan.h"
#include "parquet/parquet.h"

#define READ_CHUNK (1 << 20)

/* Where the JSON splitter is between two calls. */
enum json_phase {
	JP_START,   /* nothing seen yet: an array or a sequence of values */
	JP_ELEMENT, /* before the next value */
	JP_INSIDE,  /* inside a value whose end has not been read yet */
	JP_AFTER,   /* inside an array, after a value: ',' or ']' */
	JP_TRAILER, /* after the array's ']': only whitespace may follow */
};

struct csv_field_ref {
	size_t off;
	size_t len;
	int is_null;
};

/* Rows libcsv has completed but the caller has not taken yet. */
struct csv_row {
	size_t first_field;
	size_t nfields;
	uint64_t line;
	size_t raw_off;
	size_t raw_len;
	const char *error;
	uint64_t column;
	int plain; /* split in place (csv_split_plain_line): its fields are out_fields already */
};

struct lake_reader {
	struct lake_input *in;
	enum lake_format fmt;
	struct lake_buf data; /* data[pos..len) is read and not yet consumed */
	size_t pos;
	size_t scan;	    /* where the search for the record's end resumes */
	uint64_t line;	    /* line number of data[pos] */
	uint64_t scan_line; /* line number of data[scan] */
	int eof;
	int started;

	uint64_t base_abs;  /* stream offset of data[0]: compaction moves the window */
	uint64_t line_abs;  /* stream offset where the line of data[scan] begins */
	uint64_t elem_line; /* JSON: line where the value being scanned starts */
	uint64_t elem_col;  /* and its column there */

	/* JSON */
	enum json_phase phase;
	int in_array;
	int depth, in_string, escaped;
	struct lake_buf compact;

	/* CSV / TSV */
	struct csv_parser csv;
	int csv_ready_parser;
	struct lake_buf field_bytes; /* bytes of fields of rows in `rows` and of the open row */
	struct csv_field_ref *fields;
	size_t nfields, cap_fields;
	size_t open_row_first; /* first field of the row being parsed */
	struct csv_row *rows;
	size_t nrows, cap_rows, next_row;
	struct lake_buf raw_lines; /* raw text of rows, for quarantine */
	size_t open_row_raw;	   /* offset in raw_lines where the open row starts */
	int row_open;
	uint64_t row_line;
	uint64_t feeding_line;
	char **header;
	size_t *header_len;
	size_t nheader;
	int have_header;
	const char **out_fields;
	size_t *out_lens;
	size_t out_cap;
	char why[96];  /* a record's error text when it carries numbers */
	int no_header; /* CSV: the first row is data; columns are col_0, col_1, ... */
	int trusted;   /* NDJSON lake validated when it wrote it */
	int no_raw;    /* CSV: the caller never looks at rec->raw, so rows are not copied for it */
	char delim;

	uint64_t max_record; /* the longest record taken, in bytes (reader.h) */
	uint64_t row_bytes;  /* CSV: bytes of the open row's lines fed so far */
};

const char *lake_format_name(enum lake_format f)
{
	switch (f) {
	case LAKE_FORMAT_NDJSON:
		return "ndjson";
	case LAKE_FORMAT_JSON:
		return "json";
	case LAKE_FORMAT_CSV:
		return "csv";
	case LAKE_FORMAT_TSV:
		return "tsv";
	case LAKE_FORMAT_TEXT:
		return "text";
	case LAKE_FORMAT_PARQUET:
		return "parquet";
	default:
		return "auto";
	}
}

int lake_format_parse(const char *s, enum lake_format *f)
{
	static const enum lake_format all[] = {LAKE_FORMAT_AUTO, LAKE_FORMAT_NDJSON,
					       LAKE_FORMAT_JSON, LAKE_FORMAT_CSV, LAKE_FORMAT_TSV};

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (strcmp(s, lake_format_name(all[i])) == 0) {
			*f = all[i];
			return 0;
		}
	if (strcmp(s, "jsonl") == 0) {
		*f = LAKE_FORMAT_NDJSON;
		return 0;
	}
	return -1;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

enum lake_format lake_format_from_name(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	if (ends_with(path, n, ".zst"))
		n -= 4;
	else if (ends_with(path, n, ".zstd"))
		n -= 5;
	if (ends_with(path, n, ".parquet"))
		return LAKE_FORMAT_PARQUET;
	if (ends_with(path, n, ".ndjson") || ends_with(path, n, ".jsonl"))
		return LAKE_FORMAT_NDJSON;
	if (ends_with(path, n, ".json"))
		return LAKE_FORMAT_JSON;
	if (ends_with(path, n, ".csv"))
		return LAKE_FORMAT_CSV;
	if (ends_with(path, n, ".tsv") || ends_with(path, n, ".tab"))
		return LAKE_FORMAT_TSV;
	return LAKE_FORMAT_AUTO;
}

/* ---- the window over the input ---- */

/* Set before any reader is opened and only read after: no lock needed. */
static uint64_t default_max_record = LAKE_MAX_RECORD_DEFAULT;

void lake_reader_default_max_record(uint64_t bytes)
{
	default_max_record = bytes ? bytes : LAKE_MAX_RECORD_DEFAULT;
}

/* Where the record being read started, for the message that refuses it. */
static uint64_t record_line(const struct lake_reader *r)
{
	if (r->phase == JP_INSIDE)
		return r->elem_line;
	if ((r->fmt == LAKE_FORMAT_CSV || r->fmt == LAKE_FORMAT_TSV) && r->row_open)
		return r->row_line;
	return r->line;
}

static int record_too_long(const struct lake_reader *r, struct lake_error *e)
{
	static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	uint64_t n = r->max_record;
	size_t u = 0;

	while (u + 1 < sizeof units / sizeof units[0] && n >= 1024 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	return lake_err(e, LAKE_EX_DATAERR,
			"%s:%llu: " LAKE_RECORD_TOO_LONG " %llu %s (the limit is lake-put's "
			"--max-record-size, or LAKE_MAX_RECORD_SIZE in the environment)",
			lake_input_name(r->in), (unsigned long long)record_line(r),
			(unsigned long long)n, units[u]);
}

static void compact(struct lake_reader *r)
{
	if (r->pos == 0)
		return;
	lake_buf_consume(&r->data, r->pos);
	r->base_abs += r->pos;
	r->scan -= r->pos;
	r->pos = 0;
}

/*
 * Read more input after data[len); >0 read, 0 at end, -1 error, LAKE_INPUT_TIMEOUT.
 * Every caller needs more because the record at data[pos] has not ended
 * in the window, so the window beyond pos is that record: it may grow to
 * one byte past the limit, and that byte refuses it (here, or where a
 * JSON value that byte completed is taken).
 */
static ssize_t fill(struct lake_reader *r, int64_t deadline_us, struct lake_error *e)
{
	uint64_t pending = r->data.len - r->pos;
	size_t want = READ_CHUNK;
	ssize_t n;

	if (r->eof)
		return 0;
	if (pending > r->max_record)
		return record_too_long(r, e);
	if (r->max_record - pending + 1 < want)
		want = (size_t)(r->max_record - pending + 1);
	if (r->pos > 0 && (r->pos >= r->data.len / 2 || r->data.cap - r->data.len < want))
		compact(r);
	lake_buf_grow(&r->data, want);
	n = lake_input_read(r->in, r->data.data + r->data.len, want, deadline_us, e);
	if (n > 0) {
		r->data.len += (size_t)n;
		r->data.data[r->data.len] = '\0';
	} else if (n == 0) {
		r->eof = 1;
	}
	return n;
}

/* Skip a UTF-8 byte order mark at the very start of the input. */
static int skip_bom(struct lake_reader *r, int64_t deadline_us, struct lake_error *e)
{
	while (!r->eof && r->data.len < 3) {
		ssize_t n = fill(r, deadline_us, e);
		if (n < 0)
			return (int)n;
	}
	if (r->data.len >= 3 && memcmp(r->data.data, "\xEF\xBB\xBF", 3) == 0)
		r->pos = r->scan = 3;
	r->started = 1;
	return 0;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Find the next line: on 1, data[*start..*end) is its text without the
 * newline (and without a CR before it), and the window has moved past it.
 */
static int next_line(struct lake_reader *r, size_t *start, size_t *end, int64_t deadline_us,
		     struct lake_error *e)
{
	for (;;) {
		char *base = r->data.data;
		char *nl = r->scan < r->data.len
			       ? memchr(base + r->scan, '\n', r->data.len - r->scan)
			       : NULL;
		size_t stop, next;

		if (nl) {
			stop = (size_t)(nl - base);
			next = stop + 1;
		} else if (r->eof) {
			if (r->pos >= r->data.len)
				return 0;
			stop = next = r->data.len;
		} else {
			r->scan = r->data.len;
			ssize_t n = fill(r, deadline_us, e);
			if (n < 0)
				return (int)n;
			continue;
		}
		*start = r->pos;
		*end = stop;
		r->pos = r->scan = next;
		r->line++;
		return 1;
	}
}

/* ---- NDJSON ---- */

static void fill_json_error(struct lake_record *rec, const struct lake_jerror *je,
			    enum lake_jtype t)
{
	if (t == LAKE_JNONE) {
		rec->error = je->what;
		rec->column = je->offset + 1;
	} else if (t != LAKE_JOBJECT) {
		rec->error = "record is not a JSON object";
		rec->column = 1;
	}
}

static int ndjson_next(struct lake_reader *r, struct lake_record *rec, int64_t deadline_us,
		       struct lake_error *e)
{
	for (;;) {
		size_t s = 0, t = 0;
		int rc = next_line(r, &s, &t, deadline_us, e);
		if (rc <= 0)
			return rc;
		const char *text = r->data.data + s;
		size_t n = t - s;
		if (n && text[n - 1] == '\r')
			n--;
		size_t lead = 0;
		while (lead < n && is_ws(text[lead]))
			lead++;
		if (lead == n)
			continue;
		struct lake_jerror je = {0, NULL};
		/* Text lines are for a classifier to judge; trusted NDJSON was judged already. */
		enum lake_jtype type =
		    (r->trusted && text[lead] == '{') || r->fmt == LAKE_FORMAT_TEXT
			? LAKE_JOBJECT
			: lake_json_validate(text, n, &je);
		memset(rec, 0, sizeof *rec);
		rec->json = text;
		rec->json_len = n;
		rec->raw = text;
		rec->raw_len = n;
		rec->line = r->line - 1;
		fill_json_error(rec, &je, type);
		return 1;
	}
}

/* ---- JSON: an array of records, or records one after another ---- */

/* Advance past whitespace; 1 when a non-space byte is at scan, 0 at end, <0 error/timeout. */
static int skip_space(struct lake_reader *r, int64_t deadline_us, struct lake_error *e)
{
	for (;;) {
		while (r->scan < r->data.len && is_ws(r->data.data[r->scan])) {
			if (r->data.data[r->scan] == '\n') {
				r->scan_line++;
				r->line_abs = r->base_abs + r->scan + 1;
			}
			r->scan++;
		}
		r->pos = r->scan;
		r->line = r->scan_line;
		if (r->scan < r->data.len)
			return 1;
		ssize_t n = fill(r, deadline_us, e);
		if (n <= 0)
			return (int)n;
	}
}

/*
 * Scan from r->scan to the end of the value that starts at r->pos,
 * resuming where the last call stopped.  Returns 1 when data[pos..scan) is
 * the whole value, 0 when the input ended inside it.
 */
static int scan_value(struct lake_reader *r, int64_t deadline_us, struct lake_error *e)
{
	char first = r->data.data[r->pos];
	int container = first == '{' || first == '[';

	for (;;) {
		const char *d = r->data.data;
		while (r->scan < r->data.len) {
			char c = d[r->scan];
			if (c == '\n') {
				r->scan_line++;
				r->line_abs = r->base_abs + r->scan + 1;
			}
			if (r->in_string) {
				if (r->escaped)
					r->escaped = 0;
				else if (c == '\\')
					r->escaped = 1;
				else if (c == '"')
					r->in_string = 0;
				r->scan++;
				if (!container && !r->in_string)
					return 1;
				continue;
			}
			if (!container && r->scan > r->pos &&
			    (is_ws(c) || c == ',' || c == ']' || c == '}' || c == '[' || c == '{'))
				return 1;
			if (c == '"')
				r->in_string = 1;
			else if (c == '{' || c == '[')
				r->depth++;
			else if ((c == '}' || c == ']') && --r->depth == 0) {
				r->scan++;
				return 1;
			}
			r->scan++;
		}
		ssize_t n = fill(r, deadline_us, e);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return !container && !r->in_string;
	}
}

/* Copy the value without the whitespace outside its strings, so it fits on one line. */
static void compact_json(struct lake_buf *out, const char *s, size_t n)
{
	int in_string = 0, escaped = 0;

	lake_buf_reset(out);
	lake_buf_grow(out, n);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_string) {
			if (escaped)
				escaped = 0;
			else if (c == '\\')
				escaped = 1;
			else if (c == '"')
				in_string = 0;
		} else if (is_ws(c)) {
			continue;
		} else if (c == '"') {
			in_string = 1;
		}
		out->data[out->len++] = c;
	}
	out->data[out->len] = '\0';
}

/*
 * The line and column of byte `offset` of a value that starts at `line`,
 * column `col0`: on the value's first line columns count from col0.
 */
static void locate(const char *s, size_t offset, uint64_t line, uint64_t col0, uint64_t *at_line,
		   uint64_t *col)
{
	size_t line_start = 0;
	int first_line = 1;

	for (size_t i = 0; i < offset; i++)
		if (s[i] == '\n') {
			line++;
			line_start = i + 1;
			first_line = 0;
		}
	*at_line = line;
	*col = offset - line_start + (first_line ? col0 : 1);
}

/*
 * Scan the value at r->pos to its end and return it as a record.  A
 * deadline may pass inside the value: the scan's state stays in r
 * (phase JP_INSIDE) and the next call resumes where this one stopped.
 */
static int json_element(struct lake_reader *r, struct lake_record *rec, int64_t deadline_us,
			struct lake_error *e)
{
	int rc;

	if (r->phase != JP_INSIDE) {
		r->depth = r->in_string = r->escaped = 0;
		r->elem_line = r->line;
		r->elem_col = r->base_abs + r->pos - r->line_abs + 1;
		r->phase = JP_INSIDE;
	}
	rc = scan_value(r, deadline_us, e);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return lake_err(e, LAKE_EX_DATAERR,
				"%s:%llu: unexpected end of input inside the value that starts "
				"here",
				lake_input_name(r->in), (unsigned long long)r->elem_line);
	const char *text = r->data.data + r->pos;
	size_t n = r->scan - r->pos;
	/* A value ends with its own '}': one byte past the limit can complete it in the window. */
	if (n > r->max_record)
		return record_too_long(r, e);
	struct lake_jerror je = {0, NULL};
	enum lake_jtype type = lake_json_validate(text, n, &je);

	memset(rec, 0, sizeof *rec);
	rec->raw = text;
	rec->raw_len = n;
	rec->line = r->elem_line;
	fill_json_error(rec, &je, type);
	if (type == LAKE_JNONE)
		locate(text, je.offset, r->elem_line, r->elem_col, &rec->line, &rec->column);
	else if (rec->error)
		rec->column = r->elem_col;
	if (!rec->error) {
		compact_json(&r->compact, text, n);
		rec->json = r->compact.data;
		rec->json_len = r->compact.len;
	}
	r->pos = r->scan;
	r->line = r->scan_line;
	r->phase = r->in_array ? JP_AFTER : JP_ELEMENT;
	return 1;
}

static int json_syntax_error(struct lake_reader *r, const char *what, struct lake_error *e)
{
	return lake_err(e, LAKE_EX_DATAERR, "%s:%llu: %s", lake_input_name(r->in),
			(unsigned long long)r->line, what);
}

static int json_next(struct lake_reader *r, struct lake_record *rec, int64_t deadline_us,
		     struct lake_error *e)
{
	for (;;) {
		if (r->phase == JP_INSIDE)
			return json_element(r, rec, deadline_us, e);
		int rc = skip_space(r, deadline_us, e);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (r->in_array && r->phase != JP_TRAILER)
				return json_syntax_error(r,
							 "unexpected end of input: the array "
							 "is not closed with ']'",
							 e);
			return 0;
		}
		char c = r->data.data[r->scan];
		switch (r->phase) {
		case JP_START:
			r->phase = JP_ELEMENT;
			if (c == '[') {
				r->in_array = 1;
				r->scan++;
				r->pos = r->scan;
				if (skip_space(r, deadline_us, e) == 1 &&
				    r->data.data[r->scan] == ']') {
					r->scan++;
					r->phase = JP_TRAILER;
				}
			}
			continue;
		case JP_ELEMENT:
			return json_element(r, rec, deadline_us, e);
		case JP_AFTER:
			r->scan++;
			if (c == ',')
				r->phase = JP_ELEMENT;
			else if (c == ']')
				r->phase = JP_TRAILER;
			else
				return json_syntax_error(r,
							 "expected ',' or ']' after an array "
							 "element",
							 e);
			continue;
		case JP_TRAILER:
			return json_syntax_error(r, "unexpected text after the closing ']'", e);
		case JP_INSIDE:
			break;
		}
	}
}

/* ---- CSV and TSV ---- */

static void csv_on_field(void *s, size_t len, void *data)
{
	struct lake_reader *r = data;
	struct csv_field_ref *f;

	if (r->nfields == r->cap_fields) {
		r->cap_fields = r->cap_fields ? r->cap_fields * 2 : 64;
		r->fields = lake_xrealloc(r->fields, r->cap_fields * sizeof *r->fields);
	}
	f = &r->fields[r->nfields++];
	f->off = r->field_bytes.len;
	f->len = s ? len : 0;
	f->is_null = s == NULL;
	lake_buf_add(&r->field_bytes, s ? s : "", f->len);
	lake_buf_addc(&r->field_bytes, '\0');
}

static struct csv_row *push_row(struct lake_reader *r)
{
	if (r->nrows == r->cap_rows) {
		r->cap_rows = r->cap_rows ? r->cap_rows * 2 : 16;
		r->rows = lake_xrealloc(r->rows, r->cap_rows * sizeof *r->rows);
	}
	struct csv_row *row = &r->rows[r->nrows++];
	memset(row, 0, sizeof *row);
	return row;
}

static void csv_on_row(int term, void *data)
{
	struct lake_reader *r = data;
	struct csv_row *row = push_row(r);

	(void)term;
	row->first_field = r->open_row_first;
	row->nfields = r->nfields - r->open_row_first;
	row->line = r->row_line;
	row->raw_off = r->open_row_raw;
	row->raw_len = r->raw_lines.len - r->open_row_raw;
	r->open_row_first = r->nfields;
	r->open_row_raw = r->raw_lines.len;
	r->row_open = 0;
}

static int csv_never_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void csv_start_parser(struct lake_reader *r)
{
	if (r->csv_ready_parser)
		csv_free(&r->csv);
	csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL);
	/* Keep spaces around fields: they are data, and TSV must not lose tabs. */
	csv_set_space_func(&r->csv, csv_never_space);
	if (r->delim)
		csv_set_delim(&r->csv, (unsigned char)r->delim);
	else if (r->fmt == LAKE_FORMAT_TSV)
		csv_set_delim(&r->csv, CSV_TAB);
	r->csv_ready_parser = 1;
}

/* Forget the row being parsed and restart the parser: how the reader gets past bad quoting. */
static void csv_drop_open_row(struct lake_reader *r, const char *why, uint64_t line,
			      uint64_t column)
{
	struct csv_row *row;

	r->nfields = r->open_row_first;
	row = push_row(r);
	row->line = line;
	row->raw_off = r->open_row_raw;
	row->raw_len = r->raw_lines.len - r->open_row_raw;
	row->error = why;
	row->column = column;
	r->open_row_raw = r->raw_lines.len;
	r->row_open = 0;
	csv_start_parser(r);
}

static int is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_ws(s[i]))
			return 0;
	return 1;
}

static char csv_delimiter(const struct lake_reader *r)
{
	return r->delim ? r->delim : r->fmt == LAKE_FORMAT_TSV ? '\t' : ',';
}

static void plain_field(struct lake_reader *r, size_t i, const char *text, size_t len)
{
	if (i == r->out_cap) {
		r->out_cap = r->out_cap ? r->out_cap * 2 : 16;
		r->out_fields = lake_xrealloc(r->out_fields, r->out_cap * sizeof *r->out_fields);
		r->out_lens = lake_xrealloc(r->out_lens, r->out_cap * sizeof *r->out_lens);
	}
	r->out_fields[i] = text;
	r->out_lens[i] = len;
}

/* Bit i set where the 16 bytes at p hold c (the SSE2 way, or byte by byte). */
static unsigned bytes_equal16(const char *p, char c)
{
#if defined(__SSE2__)
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
#else
	unsigned m = 0;
	for (unsigned i = 0; i < 16; i++)
		m |= (unsigned)(p[i] == c) << i;
	return m;
#endif
}

static size_t first_bit(unsigned m)
{
#if defined(__GNUC__)
	return (size_t)__builtin_ctz(m);
#else
	size_t i = 0;
	while (!(m & 1)) {
		m >>= 1;
		i++;
	}
	return i;
#endif
}

/*
 * A whole row on one line with no quote and no carriage return inside is
 * split here, as libcsv would split it (an empty field is NULL): most
 * rows are like that, and libcsv's byte-at-a-time state machine was the
 * largest cost of a CSV scan.  Delimiters are found 16 bytes at a time.
 * The fields stay where they are in the line, each ended with a NUL over
 * its delimiter (the line's text was copied for the record's raw text
 * already), so nothing is copied.
 */
static int csv_split_plain_line(struct lake_reader *r, char *text, size_t n)
{
	const char delim = csv_delimiter(r);
	char tail[16];
	size_t nf = 0, start = 0;

	if (n && text[n - 1] == '\r')
		n--; /* the row's own terminator, as libcsv takes it */
	if (memchr(text, '"', n) || memchr(text, '\r', n))
		return 0;
	for (size_t i = 0; i < n; i += 16) {
		const char *p = text + i;
		/* The last bytes are looked at in a copy, so that nothing past the line is read. */
		if (n - i < 16) {
			memset(tail, 0, sizeof tail);
			memcpy(tail, p, n - i);
			p = tail;
		}
		for (unsigned m =
			 bytes_equal16(p, delim) & (n - i < 16 ? (1u << (n - i)) - 1 : 0xffffu);
		     m; m &= m - 1) {
			size_t at = i + first_bit(m);
			plain_field(r, nf++, at > start ? text + start : NULL, at - start);
			text[at] = '\0';
			start = at + 1;
		}
	}
	plain_field(r, nf++, n > start ? text + start : NULL, n - start);
	/* Past the line is its newline, or the window's own NUL at the end. */
	text[n] = '\0';
	struct csv_row *row = push_row(r);
	row->plain = 1;
	row->nfields = nf;
	row->line = r->row_line;
	row->raw_off = r->open_row_raw;
	row->raw_len = r->raw_lines.len - r->open_row_raw;
	r->open_row_raw = r->raw_lines.len;
	r->row_open = 0;
	return 1;
}

static void csv_feed_line(struct lake_reader *r, char *text, size_t n, int with_newline)
{
	int fresh_row = !r->row_open;

	if (!r->row_open) {
		if (is_blank(text, n))
			return;
		r->row_open = 1;
		r->row_line = r->line - 1; /* next_line() already counted this line */
		r->row_bytes = 0;
	}
	r->row_bytes += n + (with_newline != 0);
	if (!r->no_raw) {
		lake_buf_add(&r->raw_lines, text, n);
		if (with_newline)
			lake_buf_addc(&r->raw_lines, '\n');
	}
	if (fresh_row && csv_split_plain_line(r, text, n))
		return;
	/* Errors point into the line being fed: r->line already counts it. */
	size_t done = csv_parse(&r->csv, text, n, csv_on_field, csv_on_row, r);
	if (done < n) {
		csv_drop_open_row(r, "malformed quoting", r->line - 1, done + 1);
		return;
	}
	if (with_newline && csv_parse(&r->csv, "\n", 1, csv_on_field, csv_on_row, r) != 1)
		csv_drop_open_row(r, "malformed quoting", r->line - 1, n + 1);
}

static void csv_finish(struct lake_reader *r)
{
	/* The quote never closed: point at the row it opened in. */
	if (csv_fini(&r->csv, csv_on_field, csv_on_row, r) != 0)
		csv_drop_open_row(r, "unterminated quoted field", r->row_line, 1);
}

/* Rows are consumed; reclaim their storage but keep the open row's fields. */
static void csv_recycle(struct lake_reader *r)
{
	size_t keep_from = r->open_row_first, off0;

	r->nrows = r->next_row = 0;
	if (keep_from < r->nfields) {
		off0 = r->fields[keep_from].off;
		for (size_t i = keep_from; i < r->nfields; i++)
			r->fields[i - keep_from] = r->fields[i],
				      r->fields[i - keep_from].off -= off0;
		lake_buf_consume(&r->field_bytes, off0);
	} else {
		lake_buf_reset(&r->field_bytes);
	}
	r->nfields -= keep_from;
	r->open_row_first = 0;
	lake_buf_consume(&r->raw_lines, r->open_row_raw);
	r->open_row_raw = 0;
}

static int csv_fill_rows(struct lake_reader *r, int64_t deadline_us, struct lake_error *e)
{
	while (r->next_row == r->nrows) {
		size_t s = 0, t = 0;
		csv_recycle(r);
		int rc = next_line(r, &s, &t, deadline_us, e);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (r->eof && r->csv_ready_parser) {
				csv_finish(r);
				csv_free(&r->csv);
				r->csv_ready_parser = 0;
				continue;
			}
			return 0;
		}
		int had_newline = t < r->data.len && r->data.data[t] == '\n';
		/* A quoted field may run over many lines: the row, not each line, has the limit. */
		if (r->row_open && r->row_bytes + (t - s) > r->max_record)
			return record_too_long(r, e);
		csv_feed_line(r, r->data.data + s, t - s, had_newline);
	}
	return 1;
}

/* The row's fields in out_fields and out_lens, where a plain row has them already. */
static void csv_fields_out(struct lake_reader *r, const struct csv_row *row)
{
	if (row->plain)
		return;
	if (row->nfields > r->out_cap) {
		r->out_cap = row->nfields * 2;
		r->out_fields = lake_xrealloc(r->out_fields, r->out_cap * sizeof *r->out_fields);
		r->out_lens = lake_xrealloc(r->out_lens, r->out_cap * sizeof *r->out_lens);
	}
	for (size_t i = 0; i < row->nfields; i++) {
		const struct csv_field_ref *f = &r->fields[row->first_field + i];
		r->out_fields[i] = f->is_null ? NULL : r->field_bytes.data + f->off;
		r->out_lens[i] = f->len;
	}
}

static void csv_expose(struct lake_reader *r, const struct csv_row *row, struct lake_record *rec)
{
	csv_fields_out(r, row);
	rec->nfields = row->nfields;
	rec->field = r->out_fields;
	rec->field_len = r->out_lens;
}

/* A headerless file's columns: col_0, col_1, ... as wide as its first row. */
static void csv_name_columns(struct lake_reader *r, size_t n)
{
	char name[32];

	r->nheader = n;
	r->header = lake_xcalloc(n ? n : 1, sizeof *r->header);
	r->header_len = lake_xcalloc(n ? n : 1, sizeof *r->header_len);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof name, "col_%zu", i);
		r->header[i] = lake_xstrdup(name);
		r->header_len[i] = strlen(name);
	}
	r->have_header = 1;
}

/*
 * The header row's fields are named by the one rule (base/colnames.h): a
 * repeated name gets _2, an empty one col_N, so that every field is a
 * column of its own, here and in every reader of the file.
 */
static void csv_take_header(struct lake_reader *r, const struct csv_row *row)
{
	struct lake_colnames names = LAKE_COLNAMES_INIT;

	r->nheader = row->nfields;
	r->header = lake_xcalloc(row->nfields, sizeof *r->header);
	r->header_len = lake_xcalloc(row->nfields, sizeof *r->header_len);
	csv_fields_out(r, row);
	for (size_t i = 0; i < row->nfields; i++) {
		const char *name = lake_colnames_add(
		    &names, r->out_fields[i] ? r->out_fields[i] : "", r->out_lens[i]);
		r->header[i] = lake_xstrdup(name);
		r->header_len[i] = strlen(name);
	}
	lake_colnames_release(&names);
	r->have_header = 1;
}

static int csv_next(struct lake_reader *r, struct lake_record *rec, int64_t deadline_us,
		    struct lake_error *e)
{
	for (;;) {
		int rc = csv_fill_rows(r, deadline_us, e);
		if (rc <= 0)
			return rc;
		const struct csv_row *row = &r->rows[r->next_row++];
		if (!r->have_header && r->no_header && !row->error)
			csv_name_columns(r, row->nfields);
		if (!r->have_header) {
			if (row->error)
				return lake_err(e, LAKE_EX_DATAERR,
						"%s:%llu:%llu: header row: %s; if the input is not "
						"%s, name its format with --format",
						lake_input_name(r->in),
						(unsigned long long)row->line,
						(unsigned long long)row->column, row->error,
						r->fmt == LAKE_FORMAT_TSV ? "TSV" : "CSV");
			csv_take_header(r, row);
			continue;
		}
		memset(rec, 0, sizeof *rec);
		rec->line = row->line;
		rec->raw = r->no_raw ? NULL : r->raw_lines.data + row->raw_off;
		rec->raw_len = row->raw_len;
		if (rec->raw_len && rec->raw[rec->raw_len - 1] == '\n')
			rec->raw_len--;
		rec->error = row->error;
		rec->column = row->column;
		if (!row->error && row->nfields != r->nheader) {
			snprintf(r->why, sizeof r->why, "row has %zu fields, the header %zu",
				 row->nfields, r->nheader);
			rec->error = r->why;
			rec->column = 1;
		}
		if (!rec->error)
			csv_expose(r, row, rec);
		return 1;
	}
}

/* ---- sniffing and the public face ---- */

static enum lake_format sniff_text(const char *s, size_t n)
{
	size_t i = 0, tabs = 0, commas = 0;

	while (i < n && is_ws(s[i]))
		i++;
	if (i == n)
		return LAKE_FORMAT_NDJSON;
	if (s[i] == '[')
		return LAKE_FORMAT_JSON;
	if (s[i] == '{') {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (s + i)) : n - i;
		return lake_json_validate(s + i, len, NULL) == LAKE_JOBJECT ? LAKE_FORMAT_NDJSON
									    : LAKE_FORMAT_JSON;
	}
	for (; i < n && s[i] != '\n'; i++) {
		unsigned char c = (unsigned char)s[i];
		/* Control bytes (NUL, ^A...) in the first line: binary data, whatever its commas.
		 */
		if (c < 0x20 && c != '\t' && c != '\r' && c != '\f')
			return LAKE_FORMAT_AUTO;
		tabs += s[i] == '\t';
		commas += s[i] == ',';
	}
	/* A line with no separator at all is as likely a log as a one-column CSV: don't guess. */
	if (!tabs && !commas)
		return LAKE_FORMAT_AUTO;
	return tabs > commas ? LAKE_FORMAT_TSV : LAKE_FORMAT_CSV;
}

/* Read until the first line is whole (or the input ends), then look at it. */
static int sniff(struct lake_reader *r, struct lake_error *e)
{
	for (;;) {
		const char *s = r->data.data ? r->data.data + r->pos : "";
		size_t n = r->data.len - r->pos, lead = 0;
		while (lead < n && is_ws(s[lead]))
			lead++;
		/* The first line that has something on it decides. */
		const char *nl = lead < n ? memchr(s + lead, '\n', n - lead) : NULL;
		if (n >= 4 && lake_parquet_sniff(s, n)) {
			r->fmt = LAKE_FORMAT_PARQUET;
			return 0;
		}
		if (nl || r->eof) {
			r->fmt = sniff_text(s, n);
			return 0;
		}
		ssize_t got = fill(r, 0, e);
		if (got < 0)
			return -1;
	}
}

int lake_reader_open(struct lake_input *in, enum lake_format fmt, struct lake_reader **out,
		     struct lake_error *e)
{
	struct lake_reader *r = lake_xcalloc(1, sizeof *r);

	r->in = in;
	r->fmt = fmt;
	r->line = r->scan_line = 1;
	r->max_record = default_max_record;
	*out = NULL;
	if (skip_bom(r, 0, e) < 0)
		goto fail;
	if (fmt == LAKE_FORMAT_AUTO && sniff(r, e) < 0)
		goto fail;
	if (r->fmt == LAKE_FORMAT_PARQUET) {
		lake_err(e, LAKE_EX_DATAERR,
			 "%s: a Parquet file has columns, not records to read one by one; put it "
			 "under the lake's data/DB/TABLE/ and run lake-crawl",
			 lake_input_name(in));
		goto fail;
	}
	if (r->fmt == LAKE_FORMAT_AUTO) {
		lake_err(e, LAKE_EX_DATAERR,
			 "%s: cannot tell the format from the first line (not JSON, and no comma "
			 "or tab)",
			 lake_input_name(in));
		goto fail;
	}
	if (r->fmt == LAKE_FORMAT_CSV || r->fmt == LAKE_FORMAT_TSV)
		csv_start_parser(r);
	*out = r;
	return 0;
fail:
	lake_reader_close(r);
	return -1;
}

void lake_reader_set_csv(struct lake_reader *r, int has_header, char delimiter)
{
	r->no_header = !has_header;
	r->delim = delimiter;
	if (r->csv_ready_parser)
		csv_start_parser(r);
}

void lake_reader_set_trusted(struct lake_reader *r, int trusted)
{
	r->trusted = trusted;
}

void lake_reader_no_raw(struct lake_reader *r)
{
	r->no_raw = 1;
}

enum lake_format lake_reader_format(const struct lake_reader *r)
{
	return r->fmt;
}

size_t lake_reader_header(const struct lake_reader *r, const char *const **names,
			  const size_t **lens)
{
	*names = (const char *const *)r->header;
	*lens = r->header_len;
	return r->nheader;
}

int lake_reader_next(struct lake_reader *r, struct lake_record *rec, int64_t deadline_us,
		     struct lake_error *e)
{
	switch (r->fmt) {
	case LAKE_FORMAT_NDJSON:
	case LAKE_FORMAT_TEXT:
		return ndjson_next(r, rec, deadline_us, e);
	case LAKE_FORMAT_JSON:
		return json_next(r, rec, deadline_us, e);
	case LAKE_FORMAT_CSV:
	case LAKE_FORMAT_TSV:
		return csv_next(r, rec, deadline_us, e);
	default:
		return lake_err(e, LAKE_EX_SOFTWARE, "reader has no format");
	}
}

void lake_reader_close(struct lake_reader *r)
{
	if (!r)
		return;
	if (r->csv_ready_parser)
		csv_free(&r->csv);
	for (size_t i = 0; i < r->nheader; i++)
		free(r->header[i]);
	free(r->header);
	free(r->header_len);
	free(r->fields);
	free(r->rows);
	free(r->out_fields);
	free(r->out_lens);
	lake_buf_release(&r->data);
	lake_buf_release(&r->compact);
	lake_buf_release(&r->field_bytes);
	lake_buf_release(&r->raw_lines);
	free(r);
}
