/*
 * names.h - the names lake gives things on disk and in the catalog.
 *
 * Database and table names are [a-z_][a-z0-9_]{0,63} (SPEC §3).  Partition
 * directories are key=value with Hive's escaping, so that Spark, Trino,
 * Athena and DuckDB read the same tree: every byte that Hive's
 * FileUtils.escapePathName escapes becomes %XX (upper-case hex), a null or
 * empty value is __HIVE_DEFAULT_PARTITION__.  Data files are named
 * part-<UTC time>-<random>.<fmt>[.zst].
 */
#ifndef LAKE_NAMES_H
#define LAKE_NAMES_H

#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"

#define LAKE_NAME_MAX 64
#define LAKE_HIVE_NULL "__HIVE_DEFAULT_PARTITION__"

/* 1 when name is a valid database or table name, else 0. */
int lake_name_valid(const char *name);

/*
 * Validate name as a WHAT ("database", "table"); on failure returns -1 with
 * LAKE_EX_USAGE and a message naming the rule.
 */
int lake_name_check(const char *what, const char *name, struct lake_error *e);

/*
 * lake_name_check for a database about to be created: also refuses, with
 * LAKE_EX_USAGE, the names lake-query could never read it under (main,
 * temp: SQLite's own schemas; lake: the system tables).  A database that
 * already has such a name can still be looked up, renamed away or dropped.
 */
int lake_database_name_new(const char *name, struct lake_error *e);

/*
 * Split "db.table" into its parts (each validated).  db and table receive
 * NUL-terminated copies (room for LAKE_NAME_MAX + 1 bytes each).
 */
int lake_name_split(const char *qualified, char *db, char *table, struct lake_error *e);

/* Append the Hive escape of s[0..n) to out. */
void lake_hive_escape(struct lake_buf *out, const char *s, size_t n);

/*
 * Append the unescaped form of s[0..n) to out.  A '%' not followed by two
 * hex digits is kept as is (Hive does the same).  Returns 0.
 */
int lake_hive_unescape(struct lake_buf *out, const char *s, size_t n);

/* One partition column's value; value == NULL means SQL NULL. */
struct lake_partkv {
	char *key;
	char *value;
};

/*
 * Append "k1=v1/k2=v2" for the n pairs (keys and values escaped, NULL or
 * empty values as LAKE_HIVE_NULL) to out.  n == 0 appends nothing.
 */
void lake_partition_path(struct lake_buf *out, const struct lake_partkv *kv, size_t n);

/*
 * Parse a relative directory path "k1=v1/k2=v2" back into pairs.  *kv is a
 * newly allocated array of *n pairs with allocated strings (free with
 * lake_partkv_free); LAKE_HIVE_NULL comes back as value NULL.  A segment
 * without '=' or with an empty key is an error (LAKE_EX_DATAERR).
 */
int lake_partition_parse(const char *path, struct lake_partkv **kv, size_t *n,
			 struct lake_error *e);
void lake_partkv_free(struct lake_partkv *kv, size_t n);

/*
 * Append a fresh data file name to out: "part-20240501T134510123456Z-<16
 * hex random>.<ext>" where ext is e.g. "ndjson.zst".  Random from
 * getrandom(2), so names from concurrent writers never collide.
 */
void lake_data_file_name(struct lake_buf *out, const char *ext);

#endif
