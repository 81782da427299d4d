/*
 * catalog_schema.h - the SQL of each catalog schema version.
 *
 * Migration N takes a catalog at user_version N-1 to N.  Never edit a
 * released migration: add a new one, so that every existing lake can be
 * brought forward step by step.
 */
#ifndef LAKE_CATALOG_SCHEMA_H
#define LAKE_CATALOG_SCHEMA_H

static const char *const lake_catalog_migrations[] = {
    /* 1: the whole of SPEC §4; later programs fill the tables they own. */
    "CREATE TABLE databases ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  created TEXT NOT NULL,"
    "  created_by TEXT NOT NULL);"
    /* location is relative to the lake directory, so a lake can be moved or copied. */
    "CREATE TABLE tables ("
    "  id INTEGER PRIMARY KEY,"
    "  database_id INTEGER NOT NULL REFERENCES databases(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  location TEXT NOT NULL,"
    "  format TEXT NOT NULL,"
    "  compression TEXT NOT NULL,"
    "  partition_keys TEXT NOT NULL DEFAULT '[]'," /* JSON [{"name","type"}] */
    "  columns TEXT NOT NULL DEFAULT '[]',"	   /* JSON [{"name","type","comment"}] */
    "  properties TEXT NOT NULL DEFAULT '{}',"
    "  description TEXT NOT NULL DEFAULT '',"
    "  version INTEGER NOT NULL DEFAULT 0,"
    "  created TEXT NOT NULL,"
    "  updated TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  UNIQUE (database_id, name));"
    /* Every commit to a table makes a version: data added or removed, or the schema changed. */
    "CREATE TABLE table_versions ("
    "  table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,"
    "  version INTEGER NOT NULL,"
    "  operation TEXT NOT NULL,"
    "  columns TEXT NOT NULL,"
    "  partition_keys TEXT NOT NULL,"
    "  changes TEXT NOT NULL DEFAULT '[]',"
    "  files_added INTEGER NOT NULL DEFAULT 0,"
    "  files_removed INTEGER NOT NULL DEFAULT 0,"
    "  rows_added INTEGER NOT NULL DEFAULT 0,"
    "  created TEXT NOT NULL,"
    "  principal TEXT NOT NULL,"
    "  PRIMARY KEY (table_id, version));"
    "CREATE TABLE partitions ("
    "  id INTEGER PRIMARY KEY,"
    "  table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,"
    "  path TEXT NOT NULL," /* k=v/k2=v2 as on disk; '' for an unpartitioned table */
    "  vals TEXT NOT NULL," /* JSON array of the unescaped values, null for Hive's null */
    "  added_version INTEGER NOT NULL,"
    "  created TEXT NOT NULL,"
    "  UNIQUE (table_id, path));"
    /*
     * A file is live at version V when added_version <= V and
     * (removed_version IS NULL OR V < removed_version).  Pending files
     * are being published by writer_pid and belong to no version yet.
     */
    "CREATE TABLE files ("
    "  id INTEGER PRIMARY KEY,"
    "  table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,"
    "  partition TEXT NOT NULL DEFAULT '',"
    "  path TEXT NOT NULL,"
    "  format TEXT NOT NULL,"
    "  compression TEXT NOT NULL,"
    "  bytes INTEGER NOT NULL,"
    "  rows INTEGER," /* NULL until counted */
    "  state TEXT NOT NULL CHECK (state IN ('pending', 'live', 'removed')),"
    "  writer_pid INTEGER,"
    "  added_version INTEGER,"
    "  removed_version INTEGER,"
    "  fp_size INTEGER," /* crawl fingerprint */
    "  fp_mtime_ns INTEGER,"
    "  schema TEXT," /* the file's own inferred columns, JSON; NULL until crawled */
    "  created TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  removed TEXT);"
    "CREATE UNIQUE INDEX files_path_current ON files(path) WHERE state <> 'removed';"
    "CREATE INDEX files_by_table ON files(table_id, state, partition);"
    "CREATE TABLE file_column_stats ("
    "  file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
    "  column_name TEXT NOT NULL,"
    "  min_value,"
    "  max_value,"
    "  null_count INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (file_id, column_name));"
    "CREATE TABLE classifiers ("
    "  name TEXT PRIMARY KEY,"
    "  regex TEXT NOT NULL,"
    "  created TEXT NOT NULL,"
    "  created_by TEXT NOT NULL);"
    "CREATE TABLE jobs ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  definition TEXT NOT NULL," /* the job file, JSON */
    "  lock_pid INTEGER,"
    "  lock_since TEXT,"
    "  created TEXT NOT NULL,"
    "  updated TEXT NOT NULL);"
    "CREATE TABLE job_runs ("
    "  id INTEGER PRIMARY KEY,"
    "  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
    "  principal TEXT NOT NULL,"
    "  started TEXT NOT NULL,"
    "  ended TEXT,"
    "  status TEXT NOT NULL,"
    "  input_files INTEGER NOT NULL DEFAULT 0,"
    "  input_rows INTEGER NOT NULL DEFAULT 0,"
    "  input_bytes INTEGER NOT NULL DEFAULT 0,"
    "  output_files INTEGER NOT NULL DEFAULT 0,"
    "  output_rows INTEGER NOT NULL DEFAULT 0,"
    "  output_bytes INTEGER NOT NULL DEFAULT 0,"
    "  target_version INTEGER,"
    "  error TEXT);"
    "CREATE TABLE bookmarks ("
    "  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
    "  table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,"
    "  version INTEGER NOT NULL,"
    "  run_id INTEGER REFERENCES job_runs(id),"
    "  PRIMARY KEY (job_id, table_id));"
    "CREATE TABLE principals ("
    "  name TEXT PRIMARY KEY," /* user:NAME, group:NAME, unixgroup:NAME, public */
    "  is_admin INTEGER NOT NULL DEFAULT 0,"
    "  created TEXT NOT NULL);"
    "CREATE TABLE group_members ("
    "  group_name TEXT NOT NULL,"
    "  member TEXT NOT NULL,"
    "  PRIMARY KEY (group_name, member));"
    "CREATE TABLE data_filters ("
    "  id INTEGER PRIMARY KEY,"
    "  include_columns TEXT," /* JSON array or NULL */
    "  exclude_columns TEXT,"
    "  row_filter TEXT);"
    "CREATE TABLE grants ("
    "  id INTEGER PRIMARY KEY,"
    "  principal TEXT NOT NULL,"
    "  permission TEXT NOT NULL,"
    "  database_name TEXT NOT NULL,"
    "  table_name TEXT," /* NULL: the whole database */
    "  grant_option INTEGER NOT NULL DEFAULT 0,"
    "  filter_id INTEGER REFERENCES data_filters(id),"
    "  created TEXT NOT NULL,"
    "  created_by TEXT NOT NULL);",
    /* 2: uncompressed sizes, for compression ratios in `lake-catalog stats`. */
    "ALTER TABLE files ADD COLUMN raw_bytes INTEGER;",
    /*
     * 3: what each ETL run read of its bookmarked tables
     * ({"db.t":{"after":A,"upto":U}}), so a bookmark can be rewound to a
     * past run, and the parameters it ran with.
     */
    "ALTER TABLE job_runs ADD COLUMN bookmarks TEXT NOT NULL DEFAULT '{}';"
    "ALTER TABLE job_runs ADD COLUMN params TEXT NOT NULL DEFAULT '{}';"
    "ALTER TABLE job_runs ADD COLUMN target TEXT;"
    /*
     * A file removed because a later version replaced it (an overwrite)
     * stays on disk for older snapshots until vacuum: not an orphan, and
     * not a new file for lake-crawl.
     */
    "ALTER TABLE files ADD COLUMN replaced INTEGER NOT NULL DEFAULT 0;",
    /*
     * 4: 1 once a file live at this version was vacuumed: the version can
     * no longer be read (store/snapshots.h), though history still lists it.
     */
    "ALTER TABLE table_versions ADD COLUMN vacuumed INTEGER NOT NULL DEFAULT 0;",
};

#endif
