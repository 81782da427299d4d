/*
 * vtab.h - the "lake" SQLite virtual table module: one catalog table as
 * an SQL table.  Used by query.c; see query.h for what it does.
 *
 *	lake_vtab_register(db, ctx);
 *	CREATE VIRTUAL TABLE raw.events USING lake   -- schema "raw", table "events"
 */
#ifndef LAKE_VTAB_H
#define LAKE_VTAB_H

#include <jansson.h>
#include <sqlite3.h>

#include "base/colnames.h"
#include "store/lake.h"
#include "query/query.h"

/*
 * A table read through a grant's filter is declared with a guard (query.c):
 * a hidden column that every scan must constrain to the guard's secret,
 * which only the filter's view knows; any other scan is refused.
 */
#define LAKE_VTAB_GUARD_COLUMN "__grant_guard"

/*
 * Take the names the module declares for itself (the guard) before a
 * table's columns are named by the one rule (base/colnames.h): a data
 * column "__grant_guard", which anyone with INSERT can land, becomes
 * "__grant_guard_2" instead of colliding with the guard (which made every
 * filtered reader's query fail).  Whoever names a table's columns as it
 * declares them calls this first.
 */
void lake_vtab_reserve_names(struct lake_colnames *names);

/*
 * Whether a data column is not declared because a partition key of the
 * same name takes its place (the key's value is the directory's).  The
 * table declares its data columns but those, then its keys, in order.
 */
int lake_vtab_shadowed(const char *name, json_t *keys);

/* One table's scans, for --explain. */
struct lake_table_scans {
	char *name; /* "db.table" */
	struct lake_scan_stats stats;
	int64_t *used_ids; /* a set of the file ids counted in stats.input_*: 0 is a free slot */
	size_t nused, capused;
};

/* What every table of one query shares: the lake (its catalog, in a snapshot) and the counters. */
struct lake_vtab_context {
	struct lake *lake;
	struct lake_scan_stats *stats;	 /* all tables together */
	struct lake_table_scans *tables; /* each table, in the order first declared */
	size_t ntables;
	/*
	 * --as-of: read each table as it was at this version (capped at the
	 * table's own), or at the last version made at or before this time
	 * (ISO-8601 text); both unset for the current state.
	 */
	int64_t as_of_version; /* -1: not set */
	const char *as_of_time;
	/* Called as a scan opens each file, once it has run a second, at most once a second. */
	void (*progress)(const char *table, uint64_t files_done, uint64_t files_total,
			 uint64_t bytes_done, uint64_t bytes_total, void *arg);
	void *progress_arg;
	int64_t next_progress_us; /* 0: the clock starts at the first scan */
	/* lake-etl's bookmarks: tables read only in part (see query.h). */
	const struct lake_table_window *windows;
	size_t nwindows;
	/*
	 * A scan's failure that is no SQL error and has an exit status of its
	 * own (a past version whose files were vacuumed: LAKE_EX_NOINPUT);
	 * code 0 when none.  The statement fails, and query.c reports this.
	 */
	struct lake_error failure;
	/*
	 * Joins (vtab_join.c): a table that a statement reads again and again
	 * (a join's inner side, a correlated subquery) is decoded once, its
	 * rows kept in memory with a hash of the join's key, up to this many
	 * bytes for all of them (0: LAKE_JOIN_MEMORY_DEFAULT); past it, the
	 * table is read again for each scan and warn() says so.
	 */
	uint64_t join_memory;
	void (*warn)(const char *msg, void *arg);
	void *warn_arg;
	struct lake_join_state *joins; /* the current statement's: what is kept, tables planned */
};

int lake_vtab_register(sqlite3 *db, struct lake_vtab_context *ctx);

/* The default bound of the rows kept for joins: a quarter of the memory, at most 1 GiB. */
uint64_t lake_vtab_join_memory_default(void);

/*
 * Prepare one statement (sqlite3_prepare_v2()'s arguments) so that its
 * joins read the smaller table into memory: planned once to learn which
 * lake tables it reads and how many rows each has, then again with each
 * join's costs weighed against the other tables' sizes.
 */
int lake_vtab_prepare(struct lake_vtab_context *ctx, sqlite3 *db, const char *sql,
		      sqlite3_stmt **st, const char **tail);

/* The statement ended (it was finalized or reset): free the rows kept for it. */
void lake_vtab_end_statement(struct lake_vtab_context *ctx);

/* Free what the context holds for joins, after the connection closed. */
void lake_vtab_context_release(struct lake_vtab_context *ctx);

#endif
