/*
 * scan.h - the records of one data file, read and cut on threads of their
 * own: what lake-query's table scans are fed with.
 *
 * A scan decompresses its file on one thread (lake_input_read_ahead),
 * splits it into records and picks out of each the values of the columns
 * a statement uses on another (this module's), while the caller, SQLite's
 * thread, turns the values of earlier records into SQL values.  Records
 * come in batches.  A value is a copy of its text as the record has it:
 * the field of a CSV row (quotes undone by the reader) or the JSON text of
 * a member's value (strings still quoted and escaped; of a key that comes
 * twice, the last member's), or the text a
 * classifier's named group took from a line of a text log.  Parquet's
 * columns are decoded a row group at a time into the same form: numbers
 * come parsed, everything else as text.  A record the reader finds bad,
 * or a CSV file whose header lacks a used column, ends the scan with an
 * error naming the file and line: a registered file holds none (lake-put
 * and lake-crawl let none in), so such a file changed since or is read
 * with the wrong csv.header or csv.delimiter, and its rows cannot be
 * mapped to the columns.
 *
 *	struct lake_scan_options o = {.format = LAKE_FORMAT_NDJSON, ...};
 *	lake_scan_open(path, &o, &scan, &err);
 *	while ((rc = lake_scan_next(scan, &batch, &err)) == 1)
 *		for (size_t r = 0; r < batch->nrecords; r++)
 *			use(&batch->values[r * o.nvalues + k], batch->bytes);
 *	lake_scan_close(scan);
 */
#ifndef LAKE_SCAN_H
#define LAKE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "formats/classifier.h"
#include "base/error.h"
#include "values/jscan.h"
#include "parquet/parquet.h"
#include "formats/reader.h"

struct lake_scan_options {
	enum lake_format format; /* NDJSON, JSON, CSV (TSV is CSV with a tab) or TEXT */
	/* TEXT: whose named groups are a line's fields; a line it does not match is bad. */
	const struct lake_classifier *classifier;
	/*
	 * PARQUET: the file, opened by the caller and owned by the scan from
	 * lake_scan_open() on (whatever it returns), and per row group 1 to
	 * read it (NULL: all; copied).  The path is then only for messages.
	 */
	struct lake_parquet_file *parquet;
	const unsigned char *row_groups;
	int csv_header; /* CSV: the first row names the fields */
	char csv_delim;
	int trusted; /* NDJSON that lake wrote: see lake_reader_set_trusted() */
	/*
	 * The table's data columns by name (JSON members and CSV header
	 * fields are matched against them as they are written, escapes not
	 * undone), and for each its place among a record's values, or -1
	 * when the statement does not use it.  The names must outlive the
	 * scan; the arrays are copied.
	 */
	const char *const *names;
	const size_t *name_lens;
	const int *slot;
	/*
	 * Per column: 1 when its values are numbers to SQL (BIGINT, DOUBLE):
	 * then a CSV field with text and a JSON number are parsed here, on
	 * the scan's thread (lake_jnumber_parse()).  NULL: none.  Copied.
	 */
	const unsigned char *numeric;
	size_t ncolumns;
	int nvalues; /* the values each record has: the used columns */
	/*
	 * PARQUET: records alike in every used value may come as one record
	 * standing for them all (batch->weights), for a caller that only
	 * counts such records, as a GROUP BY of the used columns does.
	 */
	int fold;
};

/* Where a value is among its batch's bytes. */
struct lake_scan_value {
	size_t off, len;
	/*
	 * JSON: the value's type.  CSV and TEXT: LAKE_JSTRING for a field with text
	 * (maybe "" when it was quoted).  LAKE_JNONE, for both: no value
	 * (no such member or field, or an empty unquoted CSV field).
	 */
	enum lake_jtype type;
	int parsed;	    /* a numeric column's number was parsed: num, i and d are set */
	enum lake_jnum num; /* what lake_jnumber_parse() made of it */
	/*
	 * Parquet values from a dictionary: nonzero, and within one batch two
	 * values of a slot with the same code are the same value (the same
	 * bytes, even).  0 for the rest, and for every other format.  A
	 * reader can so work a value out once per batch, not once per row.
	 */
	uint32_t code;
	int64_t i;
	double d;
};

struct lake_scan_batch {
	size_t nrecords;
	const struct lake_scan_value *values; /* nrecords * nvalues, record by record */
	const char *bytes;
	/* NULL: every record is one row; else per record the rows it stands for (fold). */
	const uint32_t *weights;
	/*
	 * The place in the file of the first record: the records are the
	 * file's rows from there on, one after the other (unless folded).  A
	 * Parquet row group left unread ends a batch, so the places count its
	 * rows all the same: a record keeps its place (and its rowid in SQL)
	 * whatever the scan skipped.
	 */
	uint64_t first;
};

struct lake_scan;

/* Open path and start reading it.  Errors met once started come from lake_scan_next(). */
int lake_scan_open(const char *path, const struct lake_scan_options *o, struct lake_scan **out,
		   struct lake_error *e);

/*
 * The next batch of records: 1 and *out set, 0 at the end, -1 on an error
 * (corrupt data, I/O), after every record before it was given.  A batch
 * stays valid until the next call or lake_scan_close().
 */
int lake_scan_next(struct lake_scan *s, const struct lake_scan_batch **out, struct lake_error *e);

/* Stop reading (early, as for a LIMIT, or at the end) and free everything. */
void lake_scan_close(struct lake_scan *s);

#endif
