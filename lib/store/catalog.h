/*
 * catalog.h - catalog.db, the lake's metadata store (SPEC §4).
 *
 * One SQLite database in WAL mode holds databases, tables, table
 * versions, partitions, files with their per-column stats, and (for later
 * programs) jobs, runs, bookmarks, principals, groups, grants and data
 * filters.  The schema carries a version (PRAGMA user_version) and is
 * migrated forward on open, one transaction per step.
 *
 * Every write is one transaction: lake_catalog_begin() takes the write
 * lock (BEGIN IMMEDIATE), waiting up to the busy timeout ($LAKE_BUSY_TIMEOUT_MS,
 * default 10000) and failing with LAKE_EX_TEMPFAIL after that, so a
 * caller exits 75 and the user retries.
 *
 * Files go live in two steps so that a crash never leaves a complete but
 * unregistered data file that the crawler would later mistake for a
 * hand-copied one: lake_catalog_add_pending() records the file as pending
 * (with the writer's pid) before it is renamed into data/, and
 * lake_catalog_publish() makes a set of pending files live in one
 * transaction that also bumps the table's version.  Pending rows whose
 * writer is gone are debris that `lake-catalog vacuum` removes.
 */
#ifndef LAKE_CATALOG_H
#define LAKE_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

#include "base/error.h"

#define LAKE_CATALOG_SCHEMA_VERSION 4

struct lake_catalog;

int lake_catalog_open(const char *path, int create, struct lake_catalog **out,
		      struct lake_error *e);
void lake_catalog_close(struct lake_catalog *c);
sqlite3 *lake_catalog_db(struct lake_catalog *c);

int lake_catalog_begin(struct lake_catalog *c, struct lake_error *e);
int lake_catalog_commit(struct lake_catalog *c, struct lake_error *e);
void lake_catalog_rollback(struct lake_catalog *c);

/* Turn the connection's last error into *e, choosing TEMPFAIL for busy/locked. */
int lake_catalog_fail(struct lake_catalog *c, const char *doing, struct lake_error *e);

/* What a table is created with the first time data lands in it. */
struct lake_table_spec {
	const char *db;
	const char *name;
	const char *format;	 /* "ndjson", "csv", "tsv" */
	const char *compression; /* "zstd" or "none" */
	/*
	 * JSON array of {"name", "type", "grain"?, "static"?}: "grain" (year,
	 * month, day, hour) when values are timestamps truncated so, "static"
	 * the value every record of this write gets.  Stored without "static".
	 */
	const char *partition_keys;
	const char *csv_header; /* CSV/TSV: JSON array of the header's names; else NULL */
	const char *principal;
};

/*
 * Inside a transaction: find the table, and with create, create its
 * database and itself from spec when absent (*table_id is 0 when absent
 * and not created).  An existing table must agree with spec: the same
 * format, partition keys in the same order with the same time grains, and
 * for CSV the same header; otherwise LAKE_EX_DATAERR says what differs.
 */
int lake_catalog_ensure_table(struct lake_catalog *c, const struct lake_table_spec *spec,
			      int create, int64_t *table_id, struct lake_error *e);

struct lake_file_spec {
	int64_t table_id;
	const char *path;      /* relative to the lake directory: data/DB/T/[K=V/]part-… */
	const char *partition; /* "k=v/…", "" when unpartitioned */
	const char *format;
	const char *compression;
	int64_t bytes;
	int64_t rows;
	const char *principal;
	int64_t raw_bytes; /* uncompressed size; 0 when unknown */
	/*
	 * When the writer observed its records: the file's columns (JSON
	 * text, as lake-crawl records them), their statistics (as
	 * lake_schema_stats_json makes them) and its crawl fingerprint, so
	 * that queries can prune it and lake-crawl need not read it.  NULL
	 * schema: unknown until crawled.
	 */
	const char *schema;
	json_t *stats;
	int64_t fp_size, fp_mtime_ns;
};

/*
 * Look up "db.table": *id and *version, *id 0 when there is no such
 * table; an error only when the name is malformed or the catalog fails.
 */
int lake_catalog_find_table(struct lake_catalog *c, const char *qualified, int64_t *id,
			    int64_t *version, struct lake_error *e);

/* One transaction of its own: record n pending files, returning their ids in ids[0..n). */
int lake_catalog_add_pending(struct lake_catalog *c, const struct lake_file_spec *f, size_t n,
			     int64_t *ids, struct lake_error *e);

/*
 * One transaction of its own: make the pending files live in a new
 * version of table_id (registering new partitions), recording `operation`
 * in the table's history.  *version receives the new version.
 */
int lake_catalog_publish(struct lake_catalog *c, int64_t table_id, const int64_t *file_ids,
			 size_t n, const char *operation, const char *principal, int64_t *version,
			 struct lake_error *e);

/*
 * Inside a transaction: one new version of a table, which makes pending
 * files live, can replace the table's columns, and can remove the files
 * live before it (all, or those of some partitions: an overwrite).
 */
struct lake_version_change {
	int64_t table_id;
	const char *operation; /* "put", "etl:JOB", ... in the table's history */
	const char *principal;
	const int64_t *add_ids; /* pending files */
	size_t nadd;
	int remove_all;
	const char *const *remove_partitions; /* "k=v/…" paths */
	size_t nremove_partitions;
	json_t *columns; /* the table's new columns, or NULL to keep them */
	json_t *changes; /* what changed in the schema, for the history; may be NULL */
	/* Type the partition keys by their values, as lake-crawl does (changes noted). */
	int type_keys;
};

int lake_catalog_commit_version(struct lake_catalog *c, const struct lake_version_change *vc,
				int64_t *version, struct lake_error *e);

/*
 * Inside a transaction: hand out the table's next version, which is its
 * version from now on.  Every writer takes its version here (or through
 * lake_catalog_commit_version), never from a version it read before its
 * transaction began: another writer may have committed in between.
 */
int lake_catalog_next_version(struct lake_catalog *c, int64_t table_id, int64_t *version,
			      struct lake_error *e);

/*
 * Inside a transaction: a file's per-column statistics (lake_schema_stats_json's
 * shape).  A string bound longer than 64 bytes is kept cut short, the
 * minimum to a prefix, the maximum to a prefix raised above every text it
 * begins (Parquet's and Iceberg's truncation): bounds still, not values.
 */
int lake_catalog_insert_stats(struct lake_catalog *c, int64_t file_id, json_t *stats,
			      struct lake_error *e);

/* A table's columns as the catalog has them now (an empty array when it has none). */
json_t *lake_catalog_table_columns(struct lake_catalog *c, int64_t table_id);

/* Best effort, one transaction: forget pending files that will never be published. */
void lake_catalog_drop_pending(struct lake_catalog *c, const int64_t *file_ids, size_t n);

#endif
