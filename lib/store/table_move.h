/*
 * table_move.h - moving a table's directory in step with the catalog.
 *
 * Renaming a table moves data/DB/TABLE/ to its new name; dropping one
 * moves it into tmp/ and deletes it there.  No system call changes a
 * directory and the catalog at once, so a move is journalled, and the
 * catalog decides how it ends:
 *
 *   1. inside the caller's write transaction (so that no other writer
 *      commits to the table while it moves), an intent naming the table,
 *      where its directory was and where it goes is written to
 *      tmp/move-PID-TIME and made durable;
 *   2. the directory is renamed;
 *   3. the caller changes the catalog and commits, or rolls back;
 *   4. the move is settled: the directory is put where the catalog now
 *      says the table lives (left in place after a commit, moved back
 *      after a rollback), a dropped table's tree is deleted, and only
 *      then the intent is removed.
 *
 *	struct lake_table_move *m = NULL;
 *	lake_catalog_begin(lake->catalog, e);
 *	... permission and existence checks ...
 *	if (lake_table_move_start(lake, id, "data/raw/ev", "data/arch/ev", &m, e) < 0 ||
 *	    ... the catalog's UPDATEs ... < 0 || lake_catalog_commit(lake->catalog, e) < 0)
 *		goto fail;
 *	return lake_table_move_settle(lake, m, e);
 *   fail:
 *	lake_catalog_rollback(lake->catalog);
 *	lake_table_move_settle(lake, m, &ignored);
 *
 * A program killed anywhere in between leaves its intent behind, and step
 * 4 is simply run later by whoever finds it: lake_open() settles the
 * intents of processes that are gone before it returns, so no program
 * ever sees a registered table without its directory, nor (lake-crawl)
 * a directory without its table.  Settling is idempotent, so a program
 * killed while settling is settled again by the next.
 */
#ifndef LAKE_TABLE_MOVE_H
#define LAKE_TABLE_MOVE_H

#include <stdint.h>

#include "base/error.h"
#include "store/lake.h"

struct lake_table_move;

/*
 * Steps 1 and 2 for table table_id, whose directory is `from` (relative
 * to the lake, "data/DB/TABLE"): to `to` ("data/DB2/TABLE2") for a
 * rename, into tmp/ when to is NULL (a drop).  Inside the caller's write
 * transaction.  *out is set whenever an intent was written, even when the
 * move then failed, and must be settled either way; it stays NULL when
 * the table has no directory, as then there is nothing to move.
 */
int lake_table_move_start(struct lake *lake, int64_t table_id, const char *from, const char *to,
			  struct lake_table_move **out, struct lake_error *e);

/*
 * Step 4, after the caller's transaction committed or rolled back; frees
 * m (NULL: nothing to do).  On failure the intent stays for the next
 * program to settle.
 */
int lake_table_move_settle(struct lake *lake, struct lake_table_move *m, struct lake_error *e);

/* An intent found by lake_table_moves_recover. */
struct lake_table_move_found {
	const char *intent; /* "tmp/move-…" */
	const char *from;   /* "data/DB/TABLE"; NULL when the intent cannot be read */
	const char *to;	    /* "data/DB2/TABLE2" or, for a drop, "tmp/drop-…" */
	int drop;	    /* a drop, rather than a rename */
	int64_t pid;	    /* the process that wrote it */
	int settled;	    /* settled by this call */
};

typedef int (*lake_table_move_fn)(const struct lake_table_move_found *f, void *arg);

/*
 * Find the intents whose process is gone (a live one is still moving)
 * and, with settle, settle them, each under the catalog's write lock.
 * fn, when not NULL, hears of each such intent after it was settled or
 * not; a non-zero return stops the search (-1, e unset).  An intent that
 * cannot be settled stops it with its error.
 */
int lake_table_moves_recover(struct lake *lake, int settle, lake_table_move_fn fn, void *arg,
			     struct lake_error *e);

/* Whether a name in tmp/ is an intent, which no cleaning of tmp/ may remove. */
int lake_table_move_is_intent(const char *name);

#endif
