/*
 * ddl.h - CREATE statements that let other engines read a table in place.
 *
 * A lake table is a directory tree of Hive-style partitions holding
 * NDJSON, CSV or TSV files, usually zstd-compressed (SPEC §3).  Athena,
 * Spark, Trino and DuckDB can all read such a tree unchanged once told
 * its columns, partition keys, format and location; this module writes
 * that statement in each engine's own dialect, mapping the catalog's
 * Glue types (boolean, bigint, double, string, date, timestamp,
 * array<T>, struct<name:T,...>) to the engine's names and quoting every
 * identifier the engine's way.
 *
 *	struct lake_ddl_table t = {0};
 *	if (lake_ddl_table_load(lake->catalog, "raw", "events", &t, &err) < 0) ...
 *	t.lake_dir = lake->dir;                 // or t.location_prefix = "s3://b/lake"
 *	if (lake_ddl_generate(&t, LAKE_DDL_TRINO, &sql, &err) < 0) ...
 *	fputs(sql.data, stdout);
 *	lake_ddl_table_release(&t);
 *
 * The text is one or more statements, each ending with ";\n": the
 * database or schema when the engine needs one, the table (a view for
 * DuckDB), and for partitioned tables in Athena, Spark and Trino the
 * statement that registers the partitions already on disk.
 *
 * DuckDB's view shows what lake-query shows: a timestamp is the instant
 * lake reads in its text (a TIMESTAMPTZ; UTC when the text names no
 * zone), a quoted empty CSV field is '' and an unquoted one NULL, and a
 * CSV table partitioned by a column of its own still declares it.
 */
#ifndef LAKE_DDL_H
#define LAKE_DDL_H

#include "base/buf.h"
#include "store/catalog.h"
#include "base/error.h"

enum lake_ddl_dialect {
	LAKE_DDL_ATHENA,
	LAKE_DDL_SPARK,
	LAKE_DDL_TRINO,
	LAKE_DDL_DUCKDB,
};

/* The names accepted by lake_ddl_dialect_parse, for messages. */
#define LAKE_DDL_DIALECTS "athena, spark, trino, duckdb"

/* "athena", "spark", "trino" or "duckdb"; -1 for anything else. */
int lake_ddl_dialect_parse(const char *s, enum lake_ddl_dialect *d);

/* What a statement is made from: one row of the catalog's tables, plus where it lives. */
struct lake_ddl_table {
	char *db;
	char *name;
	char *location;	      /* relative to the lake: "data/DB/T" */
	char *format;	      /* "ndjson", "csv" or "tsv" */
	char *compression;    /* "zstd" or "none" */
	char *columns;	      /* JSON [{"name","type","comment"?}] */
	char *partition_keys; /* JSON [{"name","type"?,"grain"?}] */
	char *properties;     /* JSON object; csv.header and csv.delimiter matter here */
	/*
	 * JSON [{"path","vals"}] of the table's partitions, or NULL: needed
	 * when the levels are unnamed (2024/05/01), which engines cannot
	 * discover by themselves and must be told one by one.
	 */
	char *partitions;
	/*
	 * Not owned.  The table's URL is location_prefix + "/" + location
	 * when a prefix is given, else lake_dir + "/" + location (as a
	 * file:// URL for the engines that want one).
	 */
	const char *lake_dir;
	const char *location_prefix;
};

/*
 * Fill t (its owned strings) from the catalog's row for db.name:
 * LAKE_EX_NOINPUT when there is no such table.
 */
int lake_ddl_table_load(struct lake_catalog *c, const char *db, const char *name,
			struct lake_ddl_table *t, struct lake_error *e);
void lake_ddl_table_release(struct lake_ddl_table *t);

/*
 * Append the statements for t in dialect d to out.  A table without
 * columns (not crawled yet) is LAKE_EX_DATAERR, as is a type this module
 * cannot read; out is then left as it was.
 */
int lake_ddl_generate(const struct lake_ddl_table *t, enum lake_ddl_dialect d, struct lake_buf *out,
		      struct lake_error *e);

#endif
