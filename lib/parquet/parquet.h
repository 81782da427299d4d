/*
 * parquet.h - Parquet files, read and written by lake's own code.
 *
 * Flat schemas only: every column a leaf at the top level, required or
 * optional (a nested group is refused by lake_parquet_open() with a message
 * naming the column).  Values come and go as lake's types (infer.h):
 *
 *	Parquet                                 lake
 *	BOOLEAN                                 boolean
 *	INT32, INT64 (any integer annotation)   bigint
 *	  UINT64 above INT64_MAX                  double
 *	FLOAT, DOUBLE                           double
 *	DECIMAL (INT32/INT64/FIXED/BINARY)      double
 *	BYTE_ARRAY/FIXED with STRING, ENUM,
 *	  JSON, UUID (as text), or none         string (bytes as they are)
 *	DATE                                    date       "2024-05-01"
 *	TIMESTAMP millis/micros/nanos, INT96    timestamp  "2024-05-01T13:45:10Z"
 *	  (INT96 as Spark wraps it, any year)              (lake_time_format_timestamp)
 *	TIME millis/micros/nanos                string     "13:45:10[.123456]"
 *	FLOAT16                                 double
 *	GEOMETRY, GEOGRAPHY                     string     WKB in upper-case hex
 *	a logical type newer than lake          its physical type's
 *
 * NaN stays a double NaN here (SQL makes it NULL); a NaN bound in the
 * statistics is no bound, and geometries' and INT96's bounds are none
 * either (their order is undefined).
 *
 * Reading: lake_parquet_open() parses the footer only; lake_parquet_rows_open()
 * reads the chunks of the asked columns of one row group (nothing else of
 * the file) and gives their values in column-major batches.
 *
 *	lake_parquet_open(path, &f, &err);
 *	for (rg = 0; rg < lake_parquet_row_groups(f); rg++) {
 *		lake_parquet_rows_open(f, rg, cols, ncols, &rows, &err);
 *		while ((rc = lake_parquet_rows_next(rows, 1024, &n, &v, &err)) == 1)
 *			for (c...) for (r < n) use(&v[c][r]);
 *		lake_parquet_rows_close(rows);
 *	}
 *	lake_parquet_close(f);
 *
 * Writing: lake_parquet_writer_open() on a file descriptor, one row at a
 * time, lake_parquet_writer_finish() writes the last row group and the
 * footer.  ZSTD compression, dictionary encoding of strings while the
 * dictionary stays small, min/max/null_count statistics per chunk.
 *
 * Every length, offset and count read from a file is checked against the
 * file and against sane bounds before it is used: a corrupt or hostile
 * file is an error naming the file and what was wrong, never a crash or a
 * huge allocation.
 */
#ifndef LAKE_PARQUET_H
#define LAKE_PARQUET_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "values/infer.h"

/* A value as lake sees it. */
enum lake_parquet_vkind {
	LAKE_PQ_NULL = 0,
	LAKE_PQ_BOOL,	/* i is 0 or 1 */
	LAKE_PQ_INT,	/* i */
	LAKE_PQ_DOUBLE, /* d */
	LAKE_PQ_TEXT,	/* s[0..len): strings, dates and timestamps as text */
};

struct lake_parquet_value {
	enum lake_parquet_vkind kind;
	/*
	 * A value from its column chunk's dictionary: its index there plus
	 * one (0: not from a dictionary).  Within one row group, a column's
	 * values with the same entry are the same value, which lets a reader
	 * handle each entry once.
	 */
	uint32_t entry;
	int64_t i;
	double d;
	const char *s;
	size_t len;
};

/* ---- reading ---- */

struct lake_parquet_column {
	/* Top-level names through the one rule (base/colnames.h): a repeated x is x_2. */
	const char *name;
	enum lake_kind kind;  /* BOOLEAN, BIGINT, DOUBLE, STRING, DATE or TIMESTAMP */
	int optional;	      /* may hold nulls */
	const char *physical; /* "INT64", "BYTE_ARRAY", ... for messages */
};

/* Per row group and column, from the footer; a side it lacks is absent. */
struct lake_parquet_stats {
	int has_min_max;
	struct lake_parquet_value min, max; /* valid until lake_parquet_close() */
	int has_null_count;
	int64_t null_count;
	uint64_t compressed_bytes; /* the chunk's size in the file */
};

struct lake_parquet_file;

/* Open path and parse its footer.  Errors: not Parquet, corrupt, nested schema. */
int lake_parquet_open(const char *path, struct lake_parquet_file **out, struct lake_error *e);
/* The same on an open file descriptor, named name in messages; fd stays the caller's to close. */
int lake_parquet_open_fd(int fd, const char *name, struct lake_parquet_file **out,
			 struct lake_error *e);
void lake_parquet_close(struct lake_parquet_file *f);

/* Whether the first bytes of a file are Parquet's ("PAR1"). */
int lake_parquet_sniff(const void *head, size_t len);

size_t lake_parquet_columns(const struct lake_parquet_file *f,
			    const struct lake_parquet_column **cols);
int64_t lake_parquet_num_rows(const struct lake_parquet_file *f);
size_t lake_parquet_row_groups(const struct lake_parquet_file *f);
int64_t lake_parquet_row_group_rows(const struct lake_parquet_file *f, size_t rg);
void lake_parquet_column_stats(const struct lake_parquet_file *f, size_t rg, size_t col,
			       struct lake_parquet_stats *out);

/* Bytes read from the file so far, footer included (for --explain and benchmarks). */
uint64_t lake_parquet_bytes_read(const struct lake_parquet_file *f);

struct lake_parquet_rows;

/* Read columns cols[0..n) (indexes into lake_parquet_columns()) of row group rg. */
int lake_parquet_rows_open(struct lake_parquet_file *f, size_t rg, const size_t *cols, size_t n,
			   struct lake_parquet_rows **out, struct lake_error *e);

/*
 * The next rows, at most max: 1 with *nrows > 0 and (*values)[c][r] the
 * value of column cols[c] in row r, 0 at the end of the row group, -1 on
 * an error.  Values (and their text) stay valid until the next call.
 */
int lake_parquet_rows_next(struct lake_parquet_rows *r, size_t max, size_t *nrows,
			   const struct lake_parquet_value *const **values, struct lake_error *e);
void lake_parquet_rows_close(struct lake_parquet_rows *r);

/* ---- writing ---- */

struct lake_parquet_field {
	const char *name;
	/*
	 * BOOLEAN, BIGINT, DOUBLE, STRING, DATE, TIMESTAMP (microseconds,
	 * UTC); ARRAY and STRUCT columns are written as strings of JSON text
	 * with the JSON annotation.  Every column is optional.
	 */
	enum lake_kind kind;
};

struct lake_parquet_write_options {
	uint64_t row_group_rows;  /* a row group ends after this many rows; 0: 1048576 */
	uint64_t row_group_bytes; /* ... or this many bytes of values; 0: 64 MiB */
	int zstd_level;		  /* 0: 3 */
};

struct lake_parquet_writer;

/* Start a file on fd (written with write(2) from its current offset; not closed, not synced). */
int lake_parquet_writer_open(int fd, const char *name, const struct lake_parquet_field *fields,
			     size_t n, const struct lake_parquet_write_options *o,
			     struct lake_parquet_writer **out, struct lake_error *e);

/*
 * One row: values[c] for fields[c].  NULL fits every column; BOOL, INT
 * and DOUBLE their columns (INT widens to DOUBLE); TEXT fits STRING, and
 * DATE and TIMESTAMP when lake_time_parse() reads it.  A value that does
 * not fit its column is an error (65-style: the caller checked its schema).
 */
int lake_parquet_writer_add(struct lake_parquet_writer *w, const struct lake_parquet_value *values,
			    struct lake_error *e);

/* The last row group and the footer. */
int lake_parquet_writer_finish(struct lake_parquet_writer *w, struct lake_error *e);
void lake_parquet_writer_free(struct lake_parquet_writer *w);

#endif
