/*
 * sqlite_source.h - records from a table of an SQLite database file.
 *
 * lake-put --from-sqlite lands an operational database's table as it is
 * at one instant: every row is read inside one read transaction, so rows
 * committed by the application meanwhile are either all in or all out.
 * Column values keep their JSON types: INTEGER and REAL are numbers
 * (non-finite reals become null), TEXT is a string, NULL is null, BLOB is
 * a base64 string, and a column declared BOOLEAN holding 0 or 1 is
 * false or true.
 */
#ifndef LAKE_SQLITE_SOURCE_H
#define LAKE_SQLITE_SOURCE_H

#include "base/error.h"
#include "ingest/put.h"

/* Land every row of table in the SQLite file db_path through p, all or nothing. */
int lake_put_from_sqlite(struct lake_put *p, const char *db_path, const char *table,
			 struct lake_error *e);

#endif
