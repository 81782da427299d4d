/*
 * snapshots.h - which versions of a table can still be read.
 *
 * A table's content at version N is the set of files live at N (SPEC §3).
 * Files replaced or removed since stay on disk for those older versions
 * until `lake-catalog vacuum` deletes them (and, later, `expire`); a
 * version one of whose files went can no longer be read, and reading it
 * must fail, never give the rows that are left.  Whatever deletes a
 * file's row marks the versions first, in the same transaction:
 *
 *	lake_snapshots_forget_file(catalog, file_id, &err);
 *	DELETE FROM files WHERE id = file_id;
 *
 * and whatever reads a past version asks first:
 *
 *	if (lake_snapshots_require_readable(catalog, table_id, "raw.t", 1, &err) < 0)
 *		... exit 66 with err.msg
 */
#ifndef LAKE_SNAPSHOTS_H
#define LAKE_SNAPSHOTS_H

#include <stdint.h>

#include "base/error.h"
#include "store/catalog.h"

/*
 * Inside the caller's transaction, before a removed file's row is deleted:
 * every version of its table at which it was live is marked no longer
 * readable.  A row that is not a removed file's (a pending one) marks
 * nothing.
 */
int lake_snapshots_forget_file(struct lake_catalog *c, int64_t file_id, struct lake_error *e);

/*
 * 0 when version `version` of the table (named `name`, "db.table", for the
 * message) can be read; else -1 with LAKE_EX_NOINPUT and "NAME: version V
 * is no longer readable (its files were vacuumed); the oldest readable
 * version is W", W the first readable version after V.
 */
int lake_snapshots_require_readable(struct lake_catalog *c, int64_t table_id, const char *name,
				    int64_t version, struct lake_error *e);

#endif
