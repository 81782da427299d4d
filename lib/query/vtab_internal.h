/*
 * vtab_internal.h - what the files of the "lake" virtual table share:
 * the table and cursor structures and the functions one file calls in
 * another.  Not part of the library's interface (vtab.h is).
 */
#ifndef LAKE_VTAB_INTERNAL_H
#define LAKE_VTAB_INTERNAL_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "formats/classifier.h"
#include "parquet/parquet.h"
#include "query/scan.h"
#include "query/vtab.h"
#include "query/vtab_group.h"

/* The subtype SQLite's JSON functions give JSON text, so they take it as JSON, not a string. */
#define JSON_SUBTYPE 'J'

/*
 * The collation of date and timestamp columns (lake_time_compare()): a
 * column compared with text in any ISO-8601 spelling compares instants.
 */
#define LAKE_TIME_COLLATION "lake_time"
struct lake_kept;      /* rows kept in memory (vtab_cache.c) */
struct lake_kept_hash; /* their hash by one column's value */

struct vcol {
	char *name;
	size_t name_len;
	enum lake_kind kind;
	int key; /* a partition key: its value comes from the file's directory */
	int key_index;
};

struct lake_vtab {
	sqlite3_vtab base;
	struct lake_vtab_context *ctx;
	size_t scans;	 /* this table's entry in ctx->tables */
	int64_t version; /* the version read: the current one, or --as-of's */
	char *guard;	 /* a filtered table's secret (LAKE_VTAB_GUARD_COLUMN); NULL: none */
	int64_t after;	 /* a window (lake-etl's bookmark): only files added after it */
	int windowed;
	int64_t table_id;
	char *format;
	int csv;     /* CSV or TSV */
	int textual; /* values are fields' text (CSV, TSV, a text log's groups), not JSON */
	int parquet;
	struct lake_classifier classifier; /* a text log's, that cuts its lines into fields */
	char delim;
	int header;
	struct vcol *cols;
	int ncols;
	int nkeys;
	int ndata; /* data columns (the schema the crawler gave); 0 before the first crawl */
	/* Gathered keys' memory, kept while statements may hold their texts (see grouped_column()).
	 */
	void **kept;
	size_t nkept, cap_kept, kept_bytes;
};

/* A constraint the scan can use to skip partitions and files. */
struct constraint {
	int col;
	unsigned char op; /* SQLITE_INDEX_CONSTRAINT_EQ, GT, LE, LT, GE; 'I' for IN */
	int time;	  /* compared by LAKE_TIME_COLLATION, not byte by byte */
	sqlite3_value **values;
	int nvalues;
	int owned; /* values are copies (of an IN list) to free */
};

struct file {
	int64_t id;   /* the catalog's id: with the record's place in the file, a stable rowid */
	int64_t rows; /* as registered; -1 when unknown */
	char *path;
	char *partition;
	json_t *vals; /* the partition's values, as text or null */
	int64_t bytes;
};

struct lake_cursor {
	sqlite3_vtab_cursor base;
	struct file *files;
	size_t nfiles, next_file;
	struct file *file;
	struct lake_scan *scan;	 /* the file being read */
	struct lake_scan *ahead; /* the next one's, already reading (see open_ahead()) */
	int fold; /* the scans may fold rows alike (scan.h): a gathering counts them */
	size_t ahead_file;
	const struct lake_scan_batch *batch;
	size_t row; /* the current record's place in batch */
	int eof;
	sqlite3_int64 ordinal; /* the record's place in its file, from 1, skipped rows counted */
	int64_t counted_rows;  /* rows of the current file when it is counted, not read */
	uint64_t used;	       /* colUsed: bit i for column i (63: any column from 63 on) */
	/* What scans of this filter look for: the data columns, and where each used one's value
	 * is. */
	const char **names;
	size_t *name_lens;
	int *slot_of_data;	/* per data column: its place among a record's values, or -1 */
	unsigned char *numeric; /* per data column: its values are numbers to SQL */
	int *slot;		/* the same per column of the table (keys: -1) */
	int nvalues;
	struct lake_buf text; /* a decoded string */
	/* Parquet: the filter's constraints on data columns (copies), to skip row groups by. */
	struct constraint *ks;
	int nks;
	/*
	 * A GROUP BY's or DISTINCT's scan: every row gathered by the values of
	 * the grouping columns first, then given group after group.  Per
	 * column: its place among the keys (k >= 0), among the other values
	 * kept (-2 - k), or -1 when unused.
	 */
	struct lake_groups *groups;
	int static_keys; /* the keys' texts are given to SQLite in place, their memory kept */
	int *group_slot;
	const struct lake_sqlval *group_keys, *group_other;
	/* Per column (and the placeholder): where a gathered row's value is, and whether in place.
	 */
	struct grouped_col {
		const struct lake_sqlval *val;
		int in_place;
	} * group_cols;
	sqlite3_int64 group_row;
	/*
	 * A scan answered from rows kept in memory (vtab_cache.c): the rows
	 * of a table that one statement reads again and again, decoded once.
	 * kept is NULL for a scan of the files.
	 */
	struct lake_kept *kept;
	struct lake_kept_pos {
		uint32_t row;		/* the current row */
		int probe;		/* following the rows of one key's hash (else every row) */
		int col;		/* the key's column */
		struct lake_sqlval key; /* the value looked up (its text in key_text) */
		const struct lake_kept_hash *hash;
		uint32_t slot, tag; /* the current row's slot in it, and the key's tag */
	} pos;
	struct lake_buf key_text;
	struct lake_kept *last_kept; /* what this cursor's last filter used: a second one builds */
	/*
	 * The plan (xFilter's idxStr) last answered from rows kept whole, and
	 * how: a join's next lookup by it needs nothing planned again.
	 */
	struct lake_kept_again {
		const char *plan;
		struct lake_kept *kept;
		int col;     /* the key's column */
		int key_arg; /* its value's place in argv; -1: every row */
	} again;
};

/* ---- planning: what to read (vtab_plan.c) ---- */

int lake_vtab_best_index(sqlite3_vtab *vt, sqlite3_index_info *info);
int lake_vtab_choose_files(struct lake_cursor *cur, struct lake_vtab *v, struct constraint *ks,
			   int nks);
int lake_vtab_count_only(const struct lake_cursor *cur, const struct lake_vtab *v,
			 const struct file *f);
unsigned char *lake_vtab_choose_row_groups(struct lake_cursor *cur, struct lake_vtab *v,
					   const struct file *f, const struct lake_parquet_file *pf,
					   uint64_t *unread);
int lake_vtab_read_plan(const char *plan, int argc, sqlite3_value **argv, uint64_t *used,
			struct constraint **out, int *n);
void lake_vtab_free_plan(struct constraint *ks, int n);
void lake_vtab_keep_data_constraints(struct lake_cursor *cur, struct lake_vtab *v,
				     const struct constraint *ks, int nks);

/* ---- reading records and their values (vtab_rows.c) ---- */

void lake_vtab_close_file(struct lake_cursor *cur);
int lake_vtab_used(const struct lake_cursor *cur, int col);
void lake_vtab_plan_values(struct lake_cursor *cur, struct lake_vtab *v);
int lake_vtab_advance(struct lake_cursor *cur);
void lake_vtab_bad_value(struct lake_vtab *v, struct lake_sqlval *out);
void lake_vtab_column_value(struct lake_cursor *cur, struct lake_vtab *v, int col,
			    struct lake_sqlval *out);
void lake_vtab_set_result(sqlite3_context *ctx, const struct lake_sqlval *val);

/* ---- a GROUP BY gathered by the scan (vtab_gather.c) ---- */

void lake_vtab_forget_groups(struct lake_cursor *cur);
void lake_vtab_next_grouped(struct lake_cursor *cur);
int lake_vtab_gather_groups(struct lake_cursor *cur, struct lake_vtab *v, const char *list);
void lake_vtab_grouped_column(const struct lake_cursor *cur, sqlite3_context *ctx, int col);

/* ---- starting a scan of the files (vtab.c) ---- */

void lake_vtab_forget_files(struct lake_cursor *cur);
/* After lake_vtab_choose_files(): read the chosen files from the first row on. */
int lake_vtab_scan_files(struct lake_cursor *cur, struct lake_vtab *v, struct constraint *ks,
			 int nks);

/* ---- joins: their plans' costs and the rows a statement keeps (vtab_join.c) ---- */

/*
 * xBestIndex's part for joins: the plan's cost and rows from the
 * catalog's row counts, and the constraints whose values change from one
 * scan to the next (a join's); returns 1 for a join's inner scan, which
 * then gathers no GROUP BY (its lookups answer each outer row).
 */
int lake_vtab_join_plan(struct lake_vtab *v, sqlite3_index_info *info, struct lake_buf *plan,
			double *cost);
/*
 * xFilter's part: answer the scan from rows kept in memory, building
 * them when the statement reads the table again.  1 when it took the
 * filter over (*rc its result), 0 to let the caller scan the files.
 */
int lake_vtab_join_filter(struct lake_cursor *cur, struct lake_vtab *v, const char *plan,
			  struct constraint *ks, int nks, int *rc);
/* A join's next lookup by the plan last answered from kept rows: 1 when answered so. */
int lake_vtab_join_again(struct lake_cursor *cur, struct lake_vtab *v, const char *plan, int argc,
			 sqlite3_value **argv);
/* The rows kept of table v, at its disconnection. */
void lake_vtab_join_forget(struct lake_vtab *v);

/* ---- the rows kept (vtab_cache.c) ---- */

/* Rows of v with the columns `used` (colUsed's bits), for scans with these constraints. */
struct lake_kept *lake_kept_new(struct lake_vtab *v, uint64_t used, const struct constraint *ks,
				int nks);
void lake_kept_free(struct lake_kept *k);
/* Whether k holds the rows of a scan with these columns and constraints. */
int lake_kept_matches(const struct lake_kept *k, uint64_t used, const struct constraint *ks,
		      int nks);
struct lake_vtab *lake_kept_vtab(const struct lake_kept *k);
/* The bytes k takes. */
size_t lake_kept_bytes(const struct lake_kept *k);
/* Keep the cursor's current row; -1 (nothing kept) when k would pass `limit` bytes. */
int lake_kept_add_row(struct lake_kept *k, struct lake_cursor *cur, size_t limit);
/* Drop the rows (k stays, empty), giving their memory back. */
void lake_kept_clear(struct lake_kept *k);
/* Stand the cursor on k's first row (of every row when key is NULL, else of those = *key). */
void lake_kept_start(struct lake_cursor *cur, struct lake_kept *k, int col, sqlite3_value *key);
void lake_kept_next(struct lake_cursor *cur);
void lake_kept_column(const struct lake_cursor *cur, sqlite3_context *ctx, int col);
sqlite3_int64 lake_kept_rowid(const struct lake_cursor *cur);

#endif
