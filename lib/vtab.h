/*
 * vtab.h - the "lake" SQLite virtual table module: one catalog table as
 * an SQL table.  Used by query.c; see query.h for what it does.
 *
 *	lake_vtab_register(db, ctx);
 *	CREATE VIRTUAL TABLE raw.events USING lake   -- schema "raw", table "events"
 */
#ifndef LAKE_VTAB_H
#define LAKE_VTAB_H

#include <sqlite3.h>

#include "lake.h"
#include "query.h"

/* What every table of one query shares: the lake (its catalog, in a snapshot) and the counters. */
struct lake_vtab_context {
	struct lake *lake;
	struct lake_scan_stats *stats;
};

int lake_vtab_register(sqlite3 *db, struct lake_vtab_context *ctx);

#endif
