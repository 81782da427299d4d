/*
 * snapshots.c - marking the versions a deleted file belonged to, and
 * refusing to read them.  The mark is table_versions.vacuumed (catalog
 * schema 4): once a file's row is gone, nothing else tells which versions
 * it was part of.
 */
#include "store/snapshots.h"

#include <sqlite3.h>

int lake_snapshots_forget_file(struct lake_catalog *c, int64_t file_id, struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(lake_catalog_db(c),
			       "UPDATE table_versions SET vacuumed = 1 WHERE vacuumed = 0 AND "
			       "EXISTS (SELECT 1 FROM files f WHERE f.id = ?1 AND f.state = "
			       "'removed' AND f.table_id = table_versions.table_id AND "
			       "table_versions.version >= f.added_version AND "
			       "table_versions.version < f.removed_version)",
			       -1, &st, NULL) != SQLITE_OK)
		return lake_catalog_fail(c, "cannot mark the versions of a vacuumed file", e);
	sqlite3_bind_int64(st, 1, file_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lake_catalog_fail(c, "cannot mark the versions of a vacuumed file", e);
	return 0;
}

/* The first version after `version` that can be read, or -1 when none can. */
static int64_t next_readable(sqlite3 *db, int64_t table_id, int64_t version)
{
	sqlite3_stmt *st;
	int64_t next = -1;

	if (sqlite3_prepare_v2(db,
			       "SELECT min(version) FROM table_versions WHERE table_id = ? AND "
			       "version > ? AND vacuumed = 0",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, table_id);
	sqlite3_bind_int64(st, 2, version);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		next = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return next;
}

int lake_snapshots_require_readable(struct lake_catalog *c, int64_t table_id, const char *name,
				    int64_t version, struct lake_error *e)
{
	sqlite3 *db = lake_catalog_db(c);
	sqlite3_stmt *st;
	int rc, gone = 0;

	if (sqlite3_prepare_v2(
		db, "SELECT vacuumed FROM table_versions WHERE table_id = ? AND version = ?", -1,
		&st, NULL) != SQLITE_OK)
		return lake_catalog_fail(c, "cannot read the table's versions", e);
	sqlite3_bind_int64(st, 1, table_id);
	sqlite3_bind_int64(st, 2, version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		gone = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lake_catalog_fail(c, "cannot read the table's versions", e);
	if (!gone)
		return 0;
	int64_t next = next_readable(db, table_id, version);
	if (next < 0)
		return lake_err(e, LAKE_EX_NOINPUT,
				"%s: version %lld is no longer readable (its files were vacuumed)",
				name, (long long)version);
	return lake_err(e, LAKE_EX_NOINPUT,
			"%s: version %lld is no longer readable (its files were vacuumed); the "
			"oldest readable version is %lld",
			name, (long long)version, (long long)next);
}
