/*
 * crawl.h - keeping the catalog true to what is under data/ (lake-crawl).
 *
 * For each table directory data/DB/TABLE/ the crawler lists the files
 * (never opening one it already knows: a file whose size, mtime and path
 * match its registration is skipped), reads every new or changed file
 * whole (and the files lake-put registered without a schema), infers its
 * format, schema and column statistics, detects partition keys from the
 * directory tree, merges everything into the table's schema, registers
 * the files, marks vanished ones removed, and commits all of a table's
 * changes as one new table version.  Files are read without the catalog's
 * write lock; a commit that finds the table's rows changed since they were
 * read (another program committed) commits nothing and crawls the table
 * again, holding the lock from the fourth attempt on.
 *
 * Each change is reported as one event through the callback, after it is
 * committed (or, with dry_run, as what would be done):
 *
 *	{"event":"table_created","table":"raw.events","format":"ndjson"}
 *	{"event":"column_added","table":…,"column":"ua","type":"string"}
 *	{"event":"type_widened","table":…,"column":"amount","from":"bigint","to":"double"}
 *	{"event":"partition_added","table":…,"partition":"dt=2024-05-01"}
 *	{"event":"file_registered","table":…,"file":"data/…","rows":1000}
 *	{"event":"file_changed", …}  {"event":"file_removed", …}
 *	{"event":"error","table":…,"file":…,"error":"…"}
 *
 * A problem with one file or table (a malformed record, an unknown format,
 * partition directories of different depths) is an "error" event; the
 * rest of the lake is still crawled, and the bad file is not registered.
 *
 * What the crawl passes over is no event but a warning, once per crawl,
 * through the warn callback: a directory under data/ whose name is not a
 * valid database or table name, a file where a database or table
 * directory belongs, and a symbolic link anywhere under data/ (never
 * followed: it could lead anywhere outside the lake).  Names starting
 * with '.' are passed over silently, as every engine does.
 */
#ifndef LAKE_CRAWL_H
#define LAKE_CRAWL_H

#include <stdint.h>

#include <jansson.h>

#include "base/error.h"
#include "store/lake.h"

enum lake_on_change {
	LAKE_ON_CHANGE_UPDATE = 0, /* apply schema changes, making a new table version */
	LAKE_ON_CHANGE_LOG,	   /* report them; keep the schema; still register the files */
	LAKE_ON_CHANGE_FAIL,	   /* report them as errors; commit nothing for that table */
};

enum lake_on_delete {
	LAKE_ON_DELETE_MARK = 0, /* vanished files are marked removed in a new version */
	LAKE_ON_DELETE_LOG,	 /* only reported */
};

typedef void (*lake_crawl_event_fn)(json_t *event, void *arg);

struct lake_crawl_options {
	const char *const *targets; /* "DB" or "DB.TABLE"; none: the whole lake */
	size_t ntargets;
	enum lake_on_change on_change;
	enum lake_on_delete on_delete;
	int dry_run;
	/*
	 * Filled by lake_crawl() from the catalog: the custom classifiers,
	 * tried first on files whose name does not say their format.
	 */
	const struct lake_classifier *classifiers;
	size_t nclassifiers;
	lake_crawl_event_fn event; /* receives each event; it is freed afterwards */
	void *event_arg;
	/* Receives each warning: "data/Raw2: not a valid database name (skipped)". */
	void (*warn)(const char *what, void *arg);
	void *warn_arg;
	/* Called about once a second while a table's files are read, if set (from any thread). */
	void (*progress)(const char *table, size_t files_done, size_t files_total, void *arg);
	void *progress_arg;
};

struct lake_crawl_totals {
	uint64_t tables;
	uint64_t files_seen;
	uint64_t files_read; /* opened and read whole */
	uint64_t rows_read;
	uint64_t changes;
	uint64_t errors;
};

int lake_crawl(struct lake *lake, const struct lake_crawl_options *o,
	       struct lake_crawl_totals *totals, struct lake_error *e);

#endif
