/*
 * query.h - SQL over the lake: SQLite, with every catalog table as a
 * virtual table (the engine behind lake-query).
 *
 * A lake database DB is an attached in-memory schema whose tables are
 * virtual tables of the "lake" module, so `SELECT ... FROM raw.events`
 * works as written; databases are attached when a statement names them
 * (SQLite allows ten attached schemas).  Each table reads the files live
 * in one catalog snapshot, taken when the statement starts and held until
 * it ends, so a statement never sees a commit made meanwhile.  A scan
 * skips partitions that its constraints exclude and files whose per-column
 * statistics exclude them, and decodes only the columns the statement
 * uses.  The schema "lake" holds the system tables lake.tables,
 * lake.columns, lake.partitions, lake.files, lake.runs and lake.audit: a
 * copy of the catalog made when a statement first names it.  The
 * connection is locked down: no ATTACH, no writes, no pragmas
 * that change anything or reach files, no extensions.
 *
 *	struct lake_query *q;
 *	lake_query_open(lake, &q, &err);
 *	lake_query_run(q, "SELECT count(*) FROM raw.events", print_row, arg, &err);
 *	lake_query_close(q);
 */
#ifndef LAKE_QUERY_H
#define LAKE_QUERY_H

#include <stdint.h>
#include <sqlite3.h>

#include "base/buf.h"
#include "base/error.h"
#include "store/lake.h"

struct lake_query;

/* What the scans of one statement read and skipped. */
struct lake_scan_stats {
	uint64_t files_scanned, files_skipped_partition, files_skipped_stats;
	uint64_t files_counted; /* answered from the catalog's row counts, not opened */
	uint64_t bytes_scanned, bytes_skipped;
	uint64_t rows;
	uint64_t bad_values; /* values that did not fit their column's type (NULL or text) */
	uint64_t scans;	     /* times a scan of the table started */
	uint64_t kept_scans; /* of them, answered from rows kept in memory (a join's) */
	/*
	 * The files used (scanned or counted), each once however many scans
	 * used it (a join's inner table is scanned again and again), with
	 * their rows and bytes as registered: a statement's input.
	 */
	uint64_t input_files, input_rows, input_bytes;
	/*
	 * Read through a grant's filter: the counts include the rows the
	 * principal may not see, so they are not for it.
	 */
	int filtered;
};

/*
 * Called with row = 1 for each result row of the text's statement number
 * `statement` (from 0), then once with row = 0 when that statement ends,
 * rows or none (so an empty result can still print its header).  A
 * non-zero return stops the statement.
 */
typedef int (*lake_query_row_fn)(sqlite3_stmt *st, int statement, int row, void *arg);

int lake_query_open(struct lake *lake, struct lake_query **out, struct lake_error *e);

/*
 * Run one or more statements; rows of each go to fn.  SQL errors are
 * LAKE_EX_DATAERR with SQLite's message and, where SQLite says, the
 * position in the text; an unknown table is LAKE_EX_NOINPUT with the
 * nearest existing name.
 */
int lake_query_run(struct lake_query *q, const char *sql, lake_query_row_fn fn, void *arg,
		   struct lake_error *e);

/* Like lake_query_run, for a text that must be one statement (else LAKE_EX_USAGE, nothing run). */
int lake_query_run_single(struct lake_query *q, const char *sql, lake_query_row_fn fn, void *arg,
			  struct lake_error *e);

/* Like lake_query_run, but each statement's rows are SQLite's plan for it. */
int lake_query_plan(struct lake_query *q, const char *sql, lake_query_row_fn fn, void *arg,
		    struct lake_error *e);

const struct lake_scan_stats *lake_query_stats(const struct lake_query *q);

/* Each table's scans so far ("db.table"), in the order the tables were first used. */
size_t lake_query_table_stats(const struct lake_query *q, const char *const **names,
			      const struct lake_scan_stats **stats, size_t *stride);

/* {"db.table": {"rows", "bytes"}} of the tables the statements read (their input), for the audit.
 */
json_t *lake_query_reads(const struct lake_query *q);

/* Table i's input files (see input_files): up to max catalog ids, in no order; returns how many. */
size_t lake_query_table_inputs(const struct lake_query *q, size_t i, int64_t *ids, size_t max);

/*
 * Read every table as it was: at a version number (capped at each table's
 * own), or at a time (ISO-8601; the last version made at or before it).
 * LAKE_EX_USAGE when spec is neither.
 */
int lake_query_as_of(struct lake_query *q, const char *spec, struct lake_error *e);

/*
 * Read a table only in part: the files live at version `upto` that were
 * added after version `after` (lake-etl's bookmarks).  The array is not
 * copied; it must outlive the statements run with it.
 */
struct lake_table_window {
	const char *table; /* "db.table" */
	int64_t after;
	int64_t upto;
};
void lake_query_set_windows(struct lake_query *q, const struct lake_table_window *w, size_t n);

/*
 * Bind a value to the parameter :name (also @name, $name) of every
 * statement run from now on.  A statement with a parameter that has no
 * value fails with LAKE_EX_USAGE naming it.
 */
void lake_query_bind(struct lake_query *q, const char *name, const char *value);

/*
 * Result values as JSON, in two steps: how column i of a statement is
 * written, found once per statement (with booleans, a boolean column's
 * 0/1 become false/true, as SQL itself sees booleans as 0/1, SPEC §4);
 * then each row's value appended: numbers, null, JSON columns embedded.
 */
enum lake_value_kind {
	LAKE_VALUE_PLAIN,
	LAKE_VALUE_JSON,    /* a struct or array column: valid JSON text is embedded */
	LAKE_VALUE_BOOLEAN, /* a boolean column: 0/1 written as false/true */
};
enum lake_value_kind lake_query_column_kind(sqlite3_stmt *st, int i, int booleans);
void lake_query_value_as(struct lake_buf *b, sqlite3_stmt *st, int i, enum lake_value_kind k);

/* 1 when result column i of st is a boolean column of a table, passed through unchanged. */
int lake_query_column_is_boolean(sqlite3_stmt *st, int i);

/* 1 when result column i of st holds JSON text (a struct or array column). */
int lake_query_column_is_json(sqlite3_stmt *st, int i);

/* A progress report while scans run (files and bytes done, of the scan's total). */
typedef void (*lake_query_progress_fn)(const char *table, uint64_t files_done, uint64_t files_total,
				       uint64_t bytes_done, uint64_t bytes_total, void *arg);
void lake_query_on_progress(struct lake_query *q, lake_query_progress_fn fn, void *arg);

/*
 * The most memory the rows kept for joins may take (see vtab.h), in
 * bytes; 0 restores the default (LAKE_JOIN_MEMORY_DEFAULT).  Past it a
 * statement still runs, reading the table again for every scan, and
 * warn is called with a message that says so.
 */
void lake_query_set_join_memory(struct lake_query *q, uint64_t bytes);
void lake_query_on_warning(struct lake_query *q, void (*warn)(const char *msg, void *arg),
			   void *arg);

void lake_query_close(struct lake_query *q);

#endif
