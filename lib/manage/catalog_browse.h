/*
 * catalog_browse.h - reading the catalog, and the small edits that go
 * with browsing it: what lake-catalog's databases, tables, show, schema,
 * history, diff, partitions, files, search, create-database, describe,
 * drop and rename verbs do (SPEC §5).
 *
 * Listings hand each record, a jansson object, to a callback; the record
 * is borrowed (the library frees it after the call), and a callback that
 * returns -1 with its error set stops the listing, which then returns -1
 * with that error.  The library never prints.
 *
 *	static int emit(void *arg, json_t *rec, struct lake_error *e)
 *	{
 *		return lake_out_record(arg, rec) < 0 ? lake_err(e, LAKE_EX_IOERR, "stdout") : 0;
 *	}
 *	...
 *	if (lake_browse_tables(lake, "raw", emit, out, &err) < 0)
 *		return cli_fail(&err);
 *
 * A table or database that does not exist is LAKE_EX_NOINPUT with a
 * message that suggests the nearest existing name when one is close:
 * "no table 'raw.evnts'; did you mean 'raw.events'?".  Names are expected
 * already validated (lake_name_split).  Row, byte and file counts are
 * those of the live files (SPEC §3: a table is the set of its live files).
 */
#ifndef LAKE_CATALOG_BROWSE_H
#define LAKE_CATALOG_BROWSE_H

#include <stdint.h>

#include <jansson.h>

#include "base/error.h"
#include "store/lake.h"

typedef int (*lake_record_fn)(void *arg, json_t *rec, struct lake_error *e);

/*
 * Whether the acting principal may act on db.table with perm (a
 * govern/grant.h permission; LAKE_PERM_DESCRIBE: see its details): a
 * table it may not see is LAKE_EX_NOINPUT as if it did not exist, a
 * missing permission LAKE_EX_NOPERM (audited).  For verbs whose work is
 * done below the grants' layer (ddl, set).
 */
int lake_browse_require(struct lake *lake, unsigned perm, const char *db, const char *table,
			struct lake_error *e);

/* {"name","description","tables","created"} per database, by name. */
int lake_browse_databases(struct lake *lake, lake_record_fn fn, void *arg, struct lake_error *e);

/* The custom classifiers for text logs: name, regex, created, created_by. */
int lake_browse_classifiers(struct lake *lake, lake_record_fn fn, void *arg, struct lake_error *e);

/*
 * {"database","table","format","partitioned_by","columns","files","rows",
 * "bytes","version","updated"} per table of db (every table when db is
 * NULL); "partitioned_by" is the array of key names, "columns" a count.
 */
int lake_browse_tables(struct lake *lake, const char *db, lake_record_fn fn, void *arg,
		       struct lake_error *e);

/*
 * One record describing the table: database, table, location (absolute),
 * format, compression, description, partition_keys and columns (the
 * catalog's arrays), files, rows, bytes, version, created, updated,
 * properties, and last_crawl (properties.last_crawl, or null).  *out is
 * the caller's.
 */
int lake_browse_show(struct lake *lake, const char *db, const char *table, json_t **out,
		     struct lake_error *e);

/*
 * {"name","type","comment","partition"} per column of the table as it is
 * (version < 0) or as it was at `version`: the data columns first, then
 * the partition keys with "partition": true (and their "grain" if any).
 */
int lake_browse_schema(struct lake *lake, const char *db, const char *table, int64_t version,
		       lake_record_fn fn, void *arg, struct lake_error *e);

/*
 * {"version","operation","created","principal","files_added",
 * "files_removed","rows_added","changes"} per version, oldest first.
 */
int lake_browse_history(struct lake *lake, const char *db, const char *table, lake_record_fn fn,
			void *arg, struct lake_error *e);

/*
 * What changed from version v1 to v2 (either order): schema changes
 * {"change":"added"|"removed"|"type","column","from","to"} (from/to are
 * types, null where there is none), then files
 * {"change":"file_added"|"file_removed","file","partition","rows","bytes"}
 * live at one version and not at the other.
 */
int lake_browse_diff(struct lake *lake, const char *db, const char *table, int64_t v1, int64_t v2,
		     lake_record_fn fn, void *arg, struct lake_error *e);

/*
 * {"path","values","files","rows","bytes"} per partition holding live
 * files; "values" maps each key to its (unescaped) value, null for Hive's
 * null partition.  An unpartitioned table has one partition, path "".
 */
int lake_browse_partitions(struct lake *lake, const char *db, const char *table, lake_record_fn fn,
			   void *arg, struct lake_error *e);

/* {"path","partition","format","rows","bytes","added_version","state"} per live file. */
int lake_browse_files(struct lake *lake, const char *db, const char *table, lake_record_fn fn,
		      void *arg, struct lake_error *e);

/*
 * Case-insensitive (ASCII) substring search of database, table and column
 * names (partition keys included), column comments and database and table
 * descriptions.  One {"kind","database","table","column","where","text"}
 * per hit: kind is database, table or column; where is name, comment or
 * description; text the whole matching text.
 */
int lake_browse_search(struct lake *lake, const char *word, lake_record_fn fn, void *arg,
		       struct lake_error *e);

/* A new, empty database; LAKE_EX_CANTCREAT when it exists.  *out: its record, the caller's. */
int lake_database_create(struct lake *lake, const char *name, const char *description, json_t **out,
			 struct lake_error *e);

/*
 * Set the table's description, or with column a column's comment (a data
 * column or a partition key).  Documentation is not data: no table
 * version is made, and the table's "updated" time is left alone, so
 * history and snapshot reads see no change.
 */
int lake_table_describe(struct lake *lake, const char *db, const char *table, const char *column,
			const char *text, struct lake_error *e);

/*
 * Drop the table: under the catalog's write lock its directory is renamed
 * into tmp/ (so a crash never leaves files a crawler would register
 * again), the table and everything hanging off it (versions, partitions,
 * files, stats, bookmarks, grants on it) leave the catalog in one
 * transaction, and only then is the moved tree deleted.  The move is
 * journalled (store/table_move.h): if the transaction fails, or the
 * program dies before it commits, the directory goes back; if it dies
 * after, the tree is deleted by the next program that opens the lake.
 * *files receives how many live files went.
 */
int lake_table_drop(struct lake *lake, const char *db, const char *table, int64_t *files,
		    struct lake_error *e);

/*
 * Rename db.table to db2.table2 (db2 created if needed): under the
 * catalog's write lock the directory is renamed, then one transaction
 * moves the table, its location, every file path and the grants on it.
 * The move is journalled (store/table_move.h): if the transaction fails,
 * or the program dies before it commits, the directory is renamed back
 * (by the next program that opens the lake, after a crash), so the table
 * is always wholly under one name.  LAKE_EX_CANTCREAT when the target
 * exists in the catalog or on disk.
 */
int lake_table_rename(struct lake *lake, const char *db, const char *table, const char *db2,
		      const char *table2, struct lake_error *e);

#endif
