/*
 * maint.h - keeping a lake healthy: check, vacuum, stats, export, import.
 *
 * The engine behind `lake-catalog check|vacuum|stats|export|import`.
 * Nothing here prints: each finding, removal or record goes to a
 * callback, and the front end chooses how to show it.
 *
 *	struct lake_check_options co = {.repair = 0, .tmp_age_us = 0};
 *	struct lake_check_totals tot;
 *	lake_maint_check(lake, &co, print_problem, NULL, &tot, &err);
 *
 * What counts as debris (SPEC §3: a crash leaves it, vacuum cleans it):
 *   - a file in tmp/ whose last change is older than the age asked for,
 *     and never younger than LAKE_MAINT_TMP_MIN_AGE_US: lake-put keeps
 *     finished files in tmp/ until its whole input is read, and nothing
 *     on disk says whether their writer still runs, so a young tmp file
 *     is always presumed in use;
 *   - a pending files row whose writer_pid no longer exists (kill(pid, 0)
 *     fails with ESRCH), with its data file if it was renamed into data/.
 * The intent of a rename or drop (tmp/move-*, store/table_move.h) is never
 * debris: lake_open settles it once its writer is gone, and check reports
 * (and with repair settles) one that could not be.
 * A file under data/ without a pending or live row is an orphan: it may
 * be a hand-copied file that lake-crawl will register, so it is reported
 * and never removed here.
 *
 * Removals are made durable in this order: the catalog rows are deleted
 * inside one transaction, the files are unlinked while that transaction
 * still holds the write lock, then it commits and the directories are
 * fsynced.  A crash in between leaves rows pointing at missing files
 * (harmless for removed and pending rows, finished by the next vacuum),
 * never an unregistered data file that lake-crawl would bring back.
 */
#ifndef LAKE_MAINT_H
#define LAKE_MAINT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "base/error.h"
#include "store/lake.h"

/* A tmp/ file younger than this is never removed, whatever age is asked for. */
#define LAKE_MAINT_TMP_MIN_AGE_US (3600LL * 1000000)

/* "7d", "12h", "30m", "45s", "2w" or "0" into microseconds; -1 (usage error in e) otherwise. */
int lake_duration_parse(const char *s, int64_t *us, struct lake_error *e);

/* One problem found by check. */
struct lake_maint_problem {
	/*
	 * missing, size, checksum, orphan, stale-tmp, dead-pending,
	 * above-version, missing-history, unfinished-move
	 */
	const char *problem;
	const char *path;   /* relative to the lake (a table's location for a whole table) */
	const char *table;  /* "db.table" when the file is registered, else NULL */
	const char *detail; /* what is wrong, in words (and, repaired, what was done) */
	int repaired;	    /* --repair removed or mended it */
};

typedef int (*lake_maint_problem_fn)(const struct lake_maint_problem *p, void *arg);

struct lake_check_options {
	int repair;	    /* remove stale tmp files and dead pending rows with their files;
			       mend the table versions */
	int64_t tmp_age_us; /* tmp files older than this are stale (floored at the minimum) */
};

struct lake_check_totals {
	uint64_t files;	   /* live files verified */
	uint64_t problems; /* problems found */
	uint64_t repaired; /* of which removed by --repair */
};

/*
 * Check the table versions (lake_maint_check_versions), verify every live
 * file (present, registered size, zstd frames intact), look for orphans
 * under data/, stale files in tmp/ and dead pending rows.
 * A non-zero return of fn stops the check (returns -1 with e unset).
 */
int lake_maint_check(struct lake *lake, const struct lake_check_options *o,
		     lake_maint_problem_fn fn, void *arg, struct lake_check_totals *totals,
		     struct lake_error *e);

/*
 * The table versions (check_versions.c), part of lake_maint_check: a
 * file added or removed above its table's version (invisible, or still
 * read), a history row above it (the next commit would collide with it),
 * a version up to it without a history row.  With repair, in one
 * transaction, each such table's version is raised to the newest its
 * files and history record and each missing version gets a history row
 * of operation 'repair'.  Problems are added to totals.  A front end that
 * registers orphans with lake-crawl before lake_maint_check runs this
 * first: the crawl's commit would collide with a history row above the
 * version.
 */
int lake_maint_check_versions(struct lake *lake, const struct lake_check_options *o,
			      lake_maint_problem_fn fn, void *arg, struct lake_check_totals *totals,
			      struct lake_error *e);

/* One thing vacuum removed (or, with dry_run, would remove). */
struct lake_maint_removal {
	const char *what; /* "file" (removed from its table), "registration" (only its row: the path
			     is live again), "tmp", "pending" */
	const char *path; /* relative to the lake */
	int64_t bytes;	  /* on disk; 0 when the file was already gone */
};

typedef int (*lake_maint_removal_fn)(const struct lake_maint_removal *r, void *arg);

struct lake_vacuum_options {
	int64_t older_than_us; /* removed files and tmp files older than this */
	int dry_run;	       /* report only */
};

/*
 * Delete files removed from their table longer ago than older_than (and
 * their catalog rows), stale tmp files and dead pending rows with their
 * files.  fn is called after the removals are durable.
 */
int lake_maint_vacuum(struct lake *lake, const struct lake_vacuum_options *o,
		      lake_maint_removal_fn fn, void *arg, struct lake_error *e);

/* A record for the front end; the callee does not take it over. */
typedef int (*lake_maint_record_fn)(json_t *rec, void *arg);

/*
 * One record per table: database, table, files, rows, bytes, raw_bytes,
 * ratio (when every live file's raw size is known), versions, rows_30d
 * and rows_per_day {"YYYY-MM-DD": rows} over the 30 days up to now_us.
 */
int lake_maint_stats(struct lake *lake, int64_t now_us, lake_maint_record_fn fn, void *arg,
		     struct lake_error *e);

/*
 * The whole catalog as records: a header {"lake_catalog_export":1,
 * "schema_version":N}, then {"table":T,"row":{...}} for every row of
 * every catalog table, in a fixed order (parents before children) and by
 * rowid, values typed as SQLite holds them (a blob as {"blob":"HEX"}).
 * Read inside one transaction, so the export is a consistent snapshot.
 */
int lake_maint_export(struct lake *lake, lake_maint_record_fn fn, void *arg, struct lake_error *e);

/*
 * Load an export from fp (name is what messages call it) into a lake
 * whose catalog is empty (else LAKE_EX_CANTCREAT), in one transaction.
 * Malformed input is LAKE_EX_DATAERR naming the line.
 */
int lake_maint_import(struct lake *lake, FILE *fp, const char *name, uint64_t *rows,
		      struct lake_error *e);

#endif
