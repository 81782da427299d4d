/*
 * output.h - records out, in the format the reader wants (SPEC §1).
 *
 * Listing commands write NDJSON when stdout is piped and an aligned table
 * on a terminal; --format ndjson|table|csv|tsv|json chooses explicitly.
 * Records are jansson objects (listings are small; hot paths do not come
 * here).  For table, csv and tsv the columns are the given list, in that
 * order; a missing key is an empty cell, null is empty, a nested value is
 * its compact JSON.  For ndjson and json each record keeps its own keys.
 * CSV quotes as RFC 4180 does (a value holding a comma, quote, CR or LF
 * is quoted, quotes doubled).  TSV has no quoting: a tab, CR or LF inside
 * a value becomes a space.  A table cell shows control characters as C
 * escapes (\n, \t, \x01) so every row stays one aligned line.  Table,
 * csv and tsv print nothing when given no columns.
 *
 *	const char *cols[] = {"database", "table", "rows", NULL};
 *	struct lake_out *o = lake_out_open(stdout, fmt, cols);
 *	lake_out_record(o, rec);          // rec is not taken over
 *	if (lake_out_close(o) < 0) ...    // a failed write
 *
 * A table is printed when closed (its widths need every row); the other
 * formats stream.
 */
#ifndef LAKE_OUTPUT_H
#define LAKE_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

enum lake_out_format {
	LAKE_OUT_AUTO = 0, /* table on a terminal, else ndjson */
	LAKE_OUT_NDJSON,
	LAKE_OUT_JSON, /* one JSON array of all records */
	LAKE_OUT_TABLE,
	LAKE_OUT_CSV,
	LAKE_OUT_TSV,
};

/* "ndjson", "json", "table", "csv", "tsv"; -1 for anything else. */
int lake_out_format_parse(const char *s, enum lake_out_format *f);

/* AUTO becomes TABLE when fd is a terminal, else NDJSON; others stay. */
enum lake_out_format lake_out_resolve(enum lake_out_format f, int fd);

/*
 * A REAL as a record's value for format f: a number; an infinity, which
 * JSON has no number for, as the string "Infinity" or "-Infinity" for
 * NDJSON and JSON (and AUTO: a record that may go either way) and as inf
 * or -inf for a table, CSV and TSV; NaN, which SQL has no value for, as
 * null.
 */
json_t *lake_out_real(double d, enum lake_out_format f);

struct lake_out;

/* columns: NULL-terminated; may be NULL for ndjson and json. */
struct lake_out *lake_out_open(FILE *fp, enum lake_out_format f, const char *const *columns);
int lake_out_record(struct lake_out *o, json_t *rec);
/* Flush (and print a table); frees o.  Returns -1 when writing failed. */
int lake_out_close(struct lake_out *o);

#endif
