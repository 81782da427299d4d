/*
 * reader.h - records out of an input: NDJSON, JSON, CSV and TSV.
 *
 *	NDJSON  one JSON object per line; lines of any length, CRLF, a UTF-8
 *	        BOM and blank lines are accepted.
 *	JSON    a top-level array of objects, split into records as it
 *	        streams in (the array is never held whole), or one or more
 *	        objects one after another, pretty-printed or not.
 *	CSV/TSV through libcsv: quoted fields, embedded newlines; the first
 *	        row is the header (its names made distinct, see
 *	        lake_reader_header()).
 *
 * A record that cannot be used (malformed JSON, not an object, a row with
 * the wrong number of fields, broken quoting) comes back as a record with
 * `error` set, so that the caller chooses to fail, skip or quarantine it
 * and the reader goes on with the next one.  Errors the reader cannot get
 * past (corrupt compression, an I/O error) return -1.
 *
 *	struct lake_record rec;
 *	while ((rc = lake_reader_next(r, &rec, 0, &err)) == 1) {
 *		if (rec.error) ... rec.line, rec.column, rec.error, rec.raw ...
 *		else use(rec.json or rec.fields);
 *	}
 *
 * A record's pointers stay valid until the next call.
 *
 * No record may be longer than the reader's limit (256 MiB unless the
 * program says otherwise): an NDJSON line, a JSON value or a CSV row that
 * grows past it is an error the reader cannot get past, naming the input
 * and the line where the record starts, raised before the reader holds
 * more than the limit of it.  One line of 2 GB in a file of 66 KB of
 * zstd must not take 2 GB of memory to be refused.
 */
#ifndef LAKE_READER_H
#define LAKE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "formats/input.h"

enum lake_format {
	LAKE_FORMAT_AUTO = 0,
	LAKE_FORMAT_NDJSON,
	LAKE_FORMAT_JSON,
	LAKE_FORMAT_CSV,
	LAKE_FORMAT_TSV,
	LAKE_FORMAT_TEXT,    /* lines of text, unchecked (for custom classifiers); never sniffed */
	LAKE_FORMAT_PARQUET, /* columns, not records: parquet.h reads it; a reader refuses it */
};

/* "ndjson", "json", "csv", "tsv", "text", "parquet", "auto". */
const char *lake_format_name(enum lake_format f);
int lake_format_parse(const char *s, enum lake_format *f);
/* The format a file name announces (x.csv, x.ndjson.zst, x.jsonl, x.parquet), or AUTO. */
enum lake_format lake_format_from_name(const char *path);

struct lake_record {
	/* JSON formats: the record as one line of JSON text (an object). */
	const char *json;
	size_t json_len;
	/* CSV and TSV: the fields; field[i] is NULL for an empty unquoted field. */
	size_t nfields;
	const char *const *field;
	const size_t *field_len;

	uint64_t line;	   /* line of the input where the record starts, from 1 */
	const char *error; /* non-NULL: the record is bad, and this says why */
	uint64_t column;   /* with error: byte column in that line, from 1 */
	const char *raw;   /* the record's text as read, for quarantine */
	size_t raw_len;
};

struct lake_reader;

#define LAKE_MAX_RECORD_DEFAULT ((uint64_t)256 << 20)
/* How the message refusing a longer record begins, after "FILE:LINE: ". */
#define LAKE_RECORD_TOO_LONG "record longer than"

/*
 * The limit of every reader opened from now on, in bytes: a program sets
 * it once, before it starts reading (lake-put --max-record-size, the
 * environment's LAKE_MAX_RECORD_SIZE), so that every reader in it, its
 * own files' included, agrees.
 */
void lake_reader_default_max_record(uint64_t bytes);

/*
 * Start reading in.  With LAKE_FORMAT_AUTO the format is sniffed from the
 * first bytes: '[' is JSON, '{' is NDJSON when the first line is a whole
 * object and JSON otherwise, CSV, or TSV when the first line has more tabs
 * than commas; a first line with neither is not guessed at (an error).
 * The reader does not own in.
 */
int lake_reader_open(struct lake_input *in, enum lake_format fmt, struct lake_reader **out,
		     struct lake_error *e);

enum lake_format lake_reader_format(const struct lake_reader *r);

/*
 * CSV/TSV, before the first lake_reader_next(): whether the first row is a
 * header (the default), and the delimiter (',' or '\t' by format; '|' and
 * ';' too).  Without a header the columns are named col_0, col_1, ... after
 * the first row's width, and the first row is a record.
 */
void lake_reader_set_csv(struct lake_reader *r, int has_header, char delimiter);

/*
 * NDJSON that lake itself wrote and validated (lake-put's files, under
 * their zstd checksums) need not be validated again: with trusted set, a
 * line is only checked to be an object.  Never for data from elsewhere.
 */
void lake_reader_set_trusted(struct lake_reader *r, int trusted);

/*
 * The caller never looks at a record's raw text (it quarantines nothing):
 * CSV rows are then not copied for it, and their rec->raw is NULL.
 */
void lake_reader_no_raw(struct lake_reader *r);

/*
 * CSV and TSV: the header's names, n of them, as the one rule of
 * base/colnames.h names them (`a,a,` is a, a_2, col_2).
 */
size_t lake_reader_header(const struct lake_reader *r, const char *const **names,
			  const size_t **lens);

/*
 * Next record: 1 and *rec filled, 0 at the end, -1 on an error the reader
 * cannot get past, LAKE_INPUT_TIMEOUT when deadline_us passed with no
 * whole record (call again later; nothing is lost).
 */
int lake_reader_next(struct lake_reader *r, struct lake_record *rec, int64_t deadline_us,
		     struct lake_error *e);

void lake_reader_close(struct lake_reader *r);

#endif
