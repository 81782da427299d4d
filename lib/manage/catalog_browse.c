#include "manage/catalog_browse.h"
#include "store/suggest.h"
#include "store/table_move.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "base/fault.h"
#include "govern/audit.h"
#include "govern/grant.h"
#include "base/ltime.h"
#include "base/names.h"

/* The live-file condition of SPEC §3 at the table's current version. */
#define LIVE "f.state = 'live'"

static int prepare(struct lake *lake, const char *sql, sqlite3_stmt **st, struct lake_error *e)
{
	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog), sql, -1, st, NULL) != SQLITE_OK)
		return lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
	return 0;
}

/* Step a statement expected to finish without rows, and finalize it. */
static int step_done(struct lake *lake, sqlite3_stmt *st, const char *doing, struct lake_error *e)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : lake_catalog_fail(lake->catalog, doing, e);
}

/*
 * One result row as an object keyed by the column names.  A column whose
 * name ends in ":json" holds JSON text and becomes that value (under the
 * name without the suffix), so listings can keep the catalog's arrays as
 * arrays rather than strings.
 */
static json_t *row_record(sqlite3_stmt *st)
{
	json_t *rec = json_object();

	for (int i = 0; i < sqlite3_column_count(st); i++) {
		const char *name = sqlite3_column_name(st, i);
		size_t len = strlen(name);
		const char *text = (const char *)sqlite3_column_text(st, i);
		int is_json = len > 5 && strcmp(name + len - 5, ":json") == 0;
		json_t *v;
		char key[128];

		snprintf(key, sizeof key, "%.*s", (int)(is_json ? len - 5 : len), name);
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			v = json_null();
			break;
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			v = json_real(sqlite3_column_double(st, i));
			break;
		default:
			v = is_json ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
			if (!v)
				v = json_string(text ? text : "");
		}
		json_object_set_new(rec, key, v ? v : json_null());
	}
	return rec;
}

/* Hand every row of st to fn as a record; finalizes st. */
static int emit_rows(struct lake *lake, sqlite3_stmt *st, lake_record_fn fn, void *arg,
		     struct lake_error *e)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *rec = row_record(st);
		int stop = fn(arg, rec, e);
		json_decref(rec);
		if (stop < 0) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0
				 : lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
}

/* Whether a listing's record is something the acting principal may see. */
static int record_visible(struct lake *lake, json_t *rec)
{
	const char *db = json_string_value(json_object_get(rec, "database"));
	const char *table = json_string_value(json_object_get(rec, "table"));
	const char *kind = json_string_value(json_object_get(rec, "kind"));

	if (!db) /* the databases listing */
		return lake_may_see_database(lake, json_string_value(json_object_get(rec, "name")));
	if (!table)
		return lake_may_see_database(lake, db);
	if (kind && strcmp(kind, "column") == 0)
		return lake_may_describe(lake, db, table);
	return lake_may_see(lake, db, table);
}

/* emit_rows for listings: only what the principal may see, and details only where it may. */
static int emit_visible_rows(struct lake *lake, sqlite3_stmt *st, lake_record_fn fn, void *arg,
			     struct lake_error *e)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *rec = row_record(st);
		int stop = 0;
		if (record_visible(lake, rec)) {
			const char *db = json_string_value(json_object_get(rec, "database"));
			const char *table = json_string_value(json_object_get(rec, "table"));
			if (db && table && json_object_get(rec, "rows") &&
			    !lake_may_describe(lake, db, table)) {
				json_object_set_new(rec, "files", json_null());
				json_object_set_new(rec, "rows", json_null());
				json_object_set_new(rec, "bytes", json_null());
			}
			stop = fn(arg, rec, e);
		}
		json_decref(rec);
		if (stop < 0) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0
				 : lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
}

/* 1 when the database exists (its id in *id), else 0 (*id 0). */
static int lookup_database(struct lake *lake, const char *name, int64_t *id, struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(lake, "SELECT id FROM databases WHERE name = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
	return rc == SQLITE_ROW;
}

static int database_id(struct lake *lake, const char *db, int64_t *id, struct lake_error *e)
{
	int found = lookup_database(lake, db, id, e);

	if (found < 0)
		return -1;
	/* A database the principal may not see is, for it, none. */
	if (found && lake_may_see_database(lake, db))
		return 0;
	return lake_database_not_found(lake, db, e);
}

/*
 * The table's id; *id is 0 (and the result 0) when absent and quiet is
 * set.  A table the acting principal may not see is absent for it, with
 * the same message as one that does not exist.
 */
static int find_table(struct lake *lake, const char *db, const char *table, int quiet, int64_t *id,
		      struct lake_error *e)
{
	sqlite3_stmt *st;
	char qualified[2 * 65 + 1];
	int rc;

	if (prepare(lake,
		    "SELECT t.id FROM tables t JOIN databases d ON d.id = t.database_id "
		    "WHERE d.name = ? AND t.name = ?",
		    &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
	if (*id && !lake_may_see(lake, db, table))
		*id = 0;
	if (*id || quiet)
		return 0;
	snprintf(qualified, sizeof qualified, "%s.%s", db, table);
	return lake_table_not_found(lake, qualified, e);
}

static int table_id(struct lake *lake, const char *db, const char *table, int64_t *id,
		    struct lake_error *e)
{
	return find_table(lake, db, table, 0, id, e);
}

int lake_browse_databases(struct lake *lake, lake_record_fn fn, void *arg, struct lake_error *e)
{
	sqlite3_stmt *st;

	if (prepare(lake,
		    "SELECT d.name, d.description, "
		    "(SELECT count(*) FROM tables t WHERE t.database_id = d.id) AS tables, "
		    "d.created FROM databases d ORDER BY d.name",
		    &st, e) < 0)
		return -1;
	return emit_visible_rows(lake, st, fn, arg, e);
}

int lake_browse_classifiers(struct lake *lake, lake_record_fn fn, void *arg, struct lake_error *e)
{
	sqlite3_stmt *st;

	if (prepare(lake, "SELECT name, regex, created, created_by FROM classifiers ORDER BY name",
		    &st, e) < 0)
		return -1;
	return emit_rows(lake, st, fn, arg, e);
}

int lake_browse_tables(struct lake *lake, const char *db, lake_record_fn fn, void *arg,
		       struct lake_error *e)
{
	sqlite3_stmt *st;
	int64_t db_id = 0;

	if (db && database_id(lake, db, &db_id, e) < 0)
		return -1;
	if (prepare(
		lake,
		"SELECT d.name AS database, t.name AS \"table\", t.format, "
		"(SELECT json_group_array(k.value->>'name') FROM json_each(t.partition_keys) k) "
		"  AS \"partitioned_by:json\", "
		"json_array_length(t.columns) AS columns, "
		"count(f.id) AS files, coalesce(sum(f.rows), 0) AS rows, "
		"coalesce(sum(f.bytes), 0) AS bytes, t.version, t.updated "
		"FROM tables t JOIN databases d ON d.id = t.database_id "
		"LEFT JOIN files f ON f.table_id = t.id AND " LIVE " "
		"WHERE ?1 = 0 OR d.id = ?1 GROUP BY t.id ORDER BY d.name, t.name",
		&st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, db_id);
	return emit_visible_rows(lake, st, fn, arg, e);
}

/* fn for a query expected to give one row: keeps it. */
static int keep_one(void *arg, json_t *rec, struct lake_error *e)
{
	json_t **out = arg;

	(void)e;
	json_decref(*out);
	*out = json_incref(rec);
	return 0;
}

/* A table the acting principal holds perm on (LAKE_PERM_DESCRIBE: whose details it may see). */
static int permitted_table(struct lake *lake, unsigned perm, const char *db, const char *table,
			   int64_t *id, struct lake_error *e)
{
	if (table_id(lake, db, table, id, e) < 0)
		return -1;
	if (perm == LAKE_PERM_DESCRIBE)
		return lake_require_describe(lake, db, table, e);
	return lake_require(lake, perm, db, table, e);
}

static int described_table(struct lake *lake, const char *db, const char *table, int64_t *id,
			   struct lake_error *e)
{
	return permitted_table(lake, LAKE_PERM_DESCRIBE, db, table, id, e);
}

int lake_browse_require(struct lake *lake, unsigned perm, const char *db, const char *table,
			struct lake_error *e)
{
	int64_t id;

	return permitted_table(lake, perm, db, table, &id, e);
}

/*
 * Every row of sql about db.table, which the principal must be allowed
 * to describe, to fn: ?1 is the table's id, ?2 (when used) whether the
 * principal may read every row and column of it.
 */
static int emit_table_rows(struct lake *lake, const char *db, const char *table, const char *sql,
			   lake_record_fn fn, void *arg, struct lake_error *e)
{
	sqlite3_stmt *st;
	int64_t id;

	if (described_table(lake, db, table, &id, e) < 0 || prepare(lake, sql, &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int(st, 2, lake_may_read_all(lake, db, table));
	return emit_rows(lake, st, fn, arg, e);
}

int lake_browse_show(struct lake *lake, const char *db, const char *table, json_t **out,
		     struct lake_error *e)
{
	struct lake_buf abs = LAKE_BUF_INIT;
	int rc;

	*out = NULL;
	rc = emit_table_rows(
	    lake, db, table,
	    "SELECT d.name AS database, t.name AS \"table\", t.location, t.format, "
	    "t.compression, t.description, t.partition_keys AS \"partition_keys:json\", "
	    "t.columns AS \"columns:json\", "
	    "(SELECT count(*) FROM files f WHERE f.table_id = t.id AND " LIVE ") AS files, "
	    "(SELECT coalesce(sum(rows), 0) FROM files f WHERE f.table_id = t.id AND " LIVE
	    ") AS rows, "
	    "(SELECT coalesce(sum(bytes), 0) FROM files f WHERE f.table_id = t.id AND " LIVE
	    ") AS bytes, "
	    "t.version, t.created, t.updated, t.properties AS \"properties:json\", "
	    "json_extract(t.properties, '$.last_crawl') AS last_crawl "
	    "FROM tables t JOIN databases d ON d.id = t.database_id WHERE t.id = ?",
	    keep_one, out, e);
	if (rc < 0)
		return -1;
	if (!*out)
		return lake_err(e, LAKE_EX_SOFTWARE, "table '%s.%s' vanished", db, table);
	/* Users want a path they can cd to; the catalog keeps it relative so a lake can move. */
	lake_path(lake, &abs, json_string_value(json_object_get(*out, "location")));
	json_object_set_new(*out, "location", json_string(abs.data));
	lake_buf_release(&abs);
	return 0;
}

/* The columns and partition keys (parsed) of a table now (version < 0) or at a version. */
static int load_schema(struct lake *lake, int64_t id, const char *name, int64_t version,
		       json_t **cols, json_t **keys, struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	*cols = *keys = NULL;
	if (prepare(lake,
		    version < 0 ? "SELECT columns, partition_keys FROM tables WHERE id = ?1"
				: "SELECT columns, partition_keys FROM table_versions "
				  "WHERE table_id = ?1 AND version = ?2",
		    &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (version >= 0)
		sqlite3_bind_int64(st, 2, version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*cols = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		*keys = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return lake_err(e, LAKE_EX_NOINPUT, "table '%s' has no version %lld", name,
				(long long)version);
	if (rc != SQLITE_ROW)
		return lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
	if (!json_is_array(*cols) || !json_is_array(*keys)) {
		json_decref(*cols);
		json_decref(*keys);
		*cols = *keys = NULL;
		return lake_err(e, LAKE_EX_DATAERR, "table '%s': the catalog's schema is not JSON",
				name);
	}
	return 0;
}

static const char *field(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int emit_columns(json_t *arr, int partition, lake_record_fn fn, void *arg,
			struct lake_error *e)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *c = json_array_get(arr, i);
		const char *comment = field(c, "comment");
		json_t *rec = json_pack("{s:s?, s:s?, s:s, s:b}", "name", field(c, "name"), "type",
					field(c, "type"), "comment", comment ? comment : "",
					"partition", partition);
		int rc;

		if (partition && field(c, "grain"))
			json_object_set(rec, "grain", json_object_get(c, "grain"));
		rc = fn(arg, rec, e);
		json_decref(rec);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int lake_browse_schema(struct lake *lake, const char *db, const char *table, int64_t version,
		       lake_record_fn fn, void *arg, struct lake_error *e)
{
	json_t *cols = NULL, *keys = NULL;
	char name[2 * 65 + 1];
	int64_t id;
	int rc = -1;

	snprintf(name, sizeof name, "%s.%s", db, table);
	if (described_table(lake, db, table, &id, e) < 0 ||
	    load_schema(lake, id, name, version, &cols, &keys, e) < 0)
		goto out;
	if (emit_columns(cols, 0, fn, arg, e) < 0 || emit_columns(keys, 1, fn, arg, e) < 0)
		goto out;
	rc = 0;
out:
	json_decref(cols);
	json_decref(keys);
	return rc;
}

int lake_browse_history(struct lake *lake, const char *db, const char *table, lake_record_fn fn,
			void *arg, struct lake_error *e)
{
	return emit_table_rows(
	    lake, db, table,
	    "SELECT version, operation, created, principal, files_added, files_removed, "
	    "rows_added, changes AS \"changes:json\", "
	    "CASE vacuumed WHEN 0 THEN 'true' ELSE 'false' END AS \"readable:json\" "
	    "FROM table_versions WHERE table_id = ? ORDER BY version",
	    fn, arg, e);
}

static json_t *find_column(json_t *cols, const char *name)
{
	for (size_t i = 0; i < json_array_size(cols); i++) {
		const char *n = field(json_array_get(cols, i), "name");
		if (n && name && strcmp(n, name) == 0)
			return json_array_get(cols, i);
	}
	return NULL;
}

static int emit_change(const char *change, const char *column, const char *from, const char *to,
		       lake_record_fn fn, void *arg, struct lake_error *e)
{
	json_t *rec = json_pack("{s:s, s:s?, s:s?, s:s?}", "change", change, "column", column,
				"from", from, "to", to);
	int rc = fn(arg, rec, e);

	json_decref(rec);
	return rc < 0 ? -1 : 0;
}

/* Columns removed or retyped (in v1's order), then added (in v2's). */
static int diff_columns(json_t *a, json_t *b, lake_record_fn fn, void *arg, struct lake_error *e)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *ca = json_array_get(a, i), *cb = find_column(b, field(ca, "name"));
		const char *ta = field(ca, "type"), *tb = cb ? field(cb, "type") : NULL;
		if (!cb && emit_change("removed", field(ca, "name"), ta, NULL, fn, arg, e) < 0)
			return -1;
		if (cb && ta && tb && strcmp(ta, tb) != 0 &&
		    emit_change("type", field(ca, "name"), ta, tb, fn, arg, e) < 0)
			return -1;
	}
	for (size_t i = 0; i < json_array_size(b); i++) {
		json_t *cb = json_array_get(b, i);
		if (!find_column(a, field(cb, "name")) &&
		    emit_change("added", field(cb, "name"), NULL, field(cb, "type"), fn, arg, e) <
			0)
			return -1;
	}
	return 0;
}

/* Files live at ?2 and not at ?3, labelled ?4. */
static int diff_files(struct lake *lake, int64_t id, int64_t from, int64_t to, const char *label,
		      lake_record_fn fn, void *arg, struct lake_error *e)
{
	sqlite3_stmt *st;

#define LIVE_AT(v)                                                                                 \
	"(f.state <> 'pending' AND f.added_version <= " v " AND "                                  \
	"(f.removed_version IS NULL OR " v " < f.removed_version))"
	if (prepare(lake,
		    "SELECT ?4 AS change, f.path AS file, f.partition, f.rows, f.bytes "
		    "FROM files f WHERE f.table_id = ?1 AND " LIVE_AT("?2") " AND NOT " LIVE_AT(
			"?3") " ORDER BY f.path",
		    &st, e) < 0)
		return -1;
#undef LIVE_AT
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, to);
	sqlite3_bind_int64(st, 3, from);
	sqlite3_bind_text(st, 4, label, -1, SQLITE_STATIC);
	return emit_rows(lake, st, fn, arg, e);
}

int lake_browse_diff(struct lake *lake, const char *db, const char *table, int64_t v1, int64_t v2,
		     lake_record_fn fn, void *arg, struct lake_error *e)
{
	json_t *c1 = NULL, *k1 = NULL, *c2 = NULL, *k2 = NULL;
	char name[2 * 65 + 1];
	int64_t id;
	int rc = -1;

	snprintf(name, sizeof name, "%s.%s", db, table);
	if (described_table(lake, db, table, &id, e) < 0 ||
	    load_schema(lake, id, name, v1, &c1, &k1, e) < 0 ||
	    load_schema(lake, id, name, v2, &c2, &k2, e) < 0)
		goto out;
	/* Partition keys are columns too: a key typed by the crawler shows as a type change. */
	if (diff_columns(c1, c2, fn, arg, e) < 0 || diff_columns(k1, k2, fn, arg, e) < 0 ||
	    diff_files(lake, id, v1, v2, "file_added", fn, arg, e) < 0 ||
	    diff_files(lake, id, v2, v1, "file_removed", fn, arg, e) < 0)
		goto out;
	rc = 0;
out:
	json_decref(c1);
	json_decref(k1);
	json_decref(c2);
	json_decref(k2);
	return rc;
}

int lake_browse_partitions(struct lake *lake, const char *db, const char *table, lake_record_fn fn,
			   void *arg, struct lake_error *e)
{
	/* vals is an array in key order; pairing it with the keys gives the object users read. */
	return emit_table_rows(
	    lake, db, table,
	    "SELECT p.path, (SELECT json_group_object(k.value->>'name', "
	    "  json_extract(p.vals, '$[' || k.key || ']')) "
	    "  FROM json_each(t.partition_keys) k) AS \"values:json\", "
	    "count(f.id) AS files, coalesce(sum(f.rows), 0) AS rows, "
	    "coalesce(sum(f.bytes), 0) AS bytes "
	    "FROM partitions p JOIN tables t ON t.id = p.table_id "
	    "JOIN files f ON f.table_id = p.table_id AND f.partition = p.path AND " LIVE " "
	    "WHERE p.table_id = ? GROUP BY p.id ORDER BY p.path",
	    fn, arg, e);
}

int lake_browse_files(struct lake *lake, const char *db, const char *table, lake_record_fn fn,
		      void *arg, struct lake_error *e)
{
	/* Minimums and maximums are values: only for those who may read every row and column. */
	return emit_table_rows(
	    lake, db, table,
	    "SELECT f.path, f.partition, f.format, f.rows, f.bytes, f.added_version, "
	    "f.state, CASE WHEN ?2 THEN (SELECT json_group_object(s.column_name, "
	    "json_object('min', s.min_value, 'max', s.max_value, 'nulls', s.null_count)) "
	    "FROM file_column_stats s WHERE s.file_id = f.id) END AS \"stats:json\" "
	    "FROM files f WHERE f.table_id = ?1 AND " LIVE " ORDER BY f.path",
	    fn, arg, e);
}

int lake_browse_search(struct lake *lake, const char *word, lake_record_fn fn, void *arg,
		       struct lake_error *e)
{
	sqlite3_stmt *st;

	/* instr over lower() rather than LIKE, so that % and _ in the word are plain text. */
	if (prepare(
		lake,
		"WITH cols AS ("
		"  SELECT d.name AS db, t.name AS tb, c.value->>'name' AS col, "
		"    c.value->>'comment' AS comment "
		"  FROM tables t JOIN databases d ON d.id = t.database_id, json_each(t.columns) c "
		"  UNION ALL "
		"  SELECT d.name, t.name, k.value->>'name', k.value->>'comment' "
		"  FROM tables t JOIN databases d ON d.id = t.database_id, "
		"    json_each(t.partition_keys) k), "
		"hits(kind, database, \"table\", \"column\", \"where\", text) AS ("
		"  SELECT 'database', name, NULL, NULL, 'name', name FROM databases "
		"  UNION ALL SELECT 'database', name, NULL, NULL, 'description', description "
		"    FROM databases "
		"  UNION ALL SELECT 'table', d.name, t.name, NULL, 'name', t.name "
		"    FROM tables t JOIN databases d ON d.id = t.database_id "
		"  UNION ALL SELECT 'table', d.name, t.name, NULL, 'description', t.description "
		"    FROM tables t JOIN databases d ON d.id = t.database_id "
		"  UNION ALL SELECT 'column', db, tb, col, 'name', col FROM cols "
		"  UNION ALL SELECT 'column', db, tb, col, 'comment', comment FROM cols) "
		"SELECT * FROM hits WHERE text IS NOT NULL AND instr(lower(text), lower(?1)) > 0 "
		"ORDER BY database, \"table\" NULLS FIRST, \"column\" NULLS FIRST, \"where\"",
		&st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, word, -1, SQLITE_STATIC);
	return emit_visible_rows(lake, st, fn, arg, e);
}

static void now_text(char *out)
{
	lake_time_format_timestamp(lake_time_now(), out);
}

/* Inside a transaction: insert a database; *id its id. */
static int insert_database(struct lake *lake, const char *name, const char *description,
			   int64_t *id, struct lake_error *e)
{
	sqlite3_stmt *st;
	char now[40];

	if (lake_database_name_new(name, e) < 0)
		return -1;
	now_text(now);
	if (prepare(lake,
		    "INSERT INTO databases(name, description, created, created_by) "
		    "VALUES (?, ?, ?, ?)",
		    &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, description ? description : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, lake->principal, -1, SQLITE_STATIC);
	if (step_done(lake, st, "cannot create a database", e) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(lake_catalog_db(lake->catalog));
	return 0;
}

int lake_database_create(struct lake *lake, const char *name, const char *description, json_t **out,
			 struct lake_error *e)
{
	sqlite3_stmt *st;
	int64_t id;
	int found;

	*out = NULL;
	if (lake_database_name_new(name, e) < 0)
		return -1;
	if (!lake_identity(lake)->admin) {
		lake_audit_denied(lake, "create-database", name);
		return lake_err(
		    e, LAKE_EX_NOPERM,
		    "permission denied: only administrators create databases (%s is not one)",
		    lake_identity(lake)->name);
	}
	if (lake_catalog_begin(lake->catalog, e) < 0)
		return -1;
	if ((found = lookup_database(lake, name, &id, e)) < 0)
		goto fail;
	if (found) {
		lake_err(e, LAKE_EX_CANTCREAT, "database '%s' already exists", name);
		goto fail;
	}
	if (insert_database(lake, name, description, &id, e) < 0 ||
	    lake_catalog_commit(lake->catalog, e) < 0)
		goto fail;
	if (prepare(lake, "SELECT name, description, created FROM databases WHERE id = ?", &st, e) <
	    0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return emit_rows(lake, st, keep_one, out, e);
fail:
	lake_catalog_rollback(lake->catalog);
	return -1;
}

/* Set the comment of the column named column in the JSON array text; NULL when absent. */
static char *set_comment(const char *array_text, const char *column, const char *text)
{
	json_t *arr = json_loads(array_text, 0, NULL), *c = find_column(arr, column);
	char *out = NULL;

	if (c) {
		json_object_set_new(c, "comment", json_string(text));
		out = json_dumps(arr, JSON_COMPACT);
	}
	json_decref(arr);
	return out;
}

/* Inside a transaction: the new columns or partition_keys text with column's comment set. */
static int describe_column(struct lake *lake, int64_t id, const char *name, const char *column,
			   const char *text, struct lake_error *e)
{
	sqlite3_stmt *st;
	char *cols = NULL, *keys = NULL;
	int rc = -1;

	if (prepare(lake, "SELECT columns, partition_keys FROM tables WHERE id = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		cols = set_comment((const char *)sqlite3_column_text(st, 0), column, text);
		if (!cols)
			keys = set_comment((const char *)sqlite3_column_text(st, 1), column, text);
	}
	sqlite3_finalize(st);
	if (!cols && !keys) {
		char sql[256];
		snprintf(sql, sizeof sql,
			 "SELECT c.value->>'name' FROM tables t, json_each(t.columns) c "
			 "WHERE t.id = %lld UNION ALL SELECT k.value->>'name' FROM tables t, "
			 "json_each(t.partition_keys) k WHERE t.id = %lld",
			 (long long)id, (long long)id);
		if (lake_suggest_not_found(lake, "column", column, sql, e) < 0)
			lake_err_wrap(e, "table '%s'", name);
		goto out;
	}
	if (prepare(lake,
		    cols ? "UPDATE tables SET columns = ?1 WHERE id = ?2"
			 : "UPDATE tables SET partition_keys = ?1 WHERE id = ?2",
		    &st, e) < 0)
		goto out;
	sqlite3_bind_text(st, 1, cols ? cols : keys, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	rc = step_done(lake, st, "cannot update the table", e);
out:
	free(cols);
	free(keys);
	return rc;
}

int lake_table_describe(struct lake *lake, const char *db, const char *table, const char *column,
			const char *text, struct lake_error *e)
{
	sqlite3_stmt *st;
	char name[2 * 65 + 1];
	int64_t id;

	snprintf(name, sizeof name, "%s.%s", db, table);
	if (lake_catalog_begin(lake->catalog, e) < 0)
		return -1;
	if (permitted_table(lake, LAKE_PERM_ALTER, db, table, &id, e) < 0)
		goto fail;
	if (column) {
		if (describe_column(lake, id, name, column, text, e) < 0)
			goto fail;
	} else {
		if (prepare(lake, "UPDATE tables SET description = ? WHERE id = ?", &st, e) < 0)
			goto fail;
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
		if (step_done(lake, st, "cannot update the table", e) < 0)
			goto fail;
	}
	return lake_catalog_commit(lake->catalog, e);
fail:
	lake_catalog_rollback(lake->catalog);
	return -1;
}

static int path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Inside a transaction: delete the table (cascading) and the grants naming it. */
static int forget_table(struct lake *lake, int64_t id, const char *db, const char *table,
			int64_t *files, struct lake_error *e)
{
	sqlite3_stmt *st;

	if (prepare(lake, "SELECT count(*) FROM files WHERE table_id = ? AND state = 'live'", &st,
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	*files = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (prepare(lake, "DELETE FROM tables WHERE id = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (step_done(lake, st, "cannot drop the table", e) < 0)
		return -1;
	/* A later table of the same name must not inherit the old one's grants. */
	if (prepare(lake, "DELETE FROM grants WHERE database_name = ? AND table_name = ?", &st, e) <
	    0)
		return -1;
	sqlite3_bind_text(st, 1, db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
	return step_done(lake, st, "cannot drop the table's grants", e);
}

/* The directory moves first, the catalog decides: see store/table_move.h. */
int lake_table_drop(struct lake *lake, const char *db, const char *table, int64_t *files,
		    struct lake_error *e)
{
	struct lake_error ignored = {0};
	struct lake_table_move *m = NULL;
	struct lake_buf rel = LAKE_BUF_INIT;
	int64_t id;
	int rc = -1;

	*files = 0;
	/* The write lock first: no writer publishes into the table while its tree moves. */
	if (lake_catalog_begin(lake->catalog, e) < 0)
		return -1;
	if (permitted_table(lake, LAKE_PERM_DROP, db, table, &id, e) < 0)
		goto fail;
	lake_buf_addf(&rel, "data/%s/%s", db, table);
	if (lake_table_move_start(lake, id, rel.data, NULL, &m, e) < 0 ||
	    forget_table(lake, id, db, table, files, e) < 0)
		goto fail;
	lake_fault_point();
	if (lake_catalog_commit(lake->catalog, e) < 0)
		goto fail;
	lake_fault_point();
	rc = lake_table_move_settle(lake, m, e);
	goto out;
fail:
	lake_catalog_rollback(lake->catalog);
	lake_table_move_settle(lake, m, &ignored);
out:
	lake_buf_release(&rel);
	return rc;
}

/* Inside a transaction: point the table, its files and its grants at the new name. */
static int move_table_rows(struct lake *lake, int64_t id, const char *db, const char *table,
			   const char *db2, const char *table2, struct lake_error *e)
{
	sqlite3_stmt *st;
	struct lake_buf oldloc = LAKE_BUF_INIT, newloc = LAKE_BUF_INIT;
	int64_t db2_id;
	int found, rc = -1;

	if ((found = lookup_database(lake, db2, &db2_id, e)) < 0 ||
	    (!found && insert_database(lake, db2, "", &db2_id, e) < 0))
		return -1;
	lake_buf_addf(&oldloc, "data/%s/%s", db, table);
	lake_buf_addf(&newloc, "data/%s/%s", db2, table2);
	if (prepare(lake, "UPDATE tables SET database_id = ?, name = ?, location = ? WHERE id = ?",
		    &st, e) < 0)
		goto out;
	sqlite3_bind_int64(st, 1, db2_id);
	sqlite3_bind_text(st, 2, table2, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, newloc.data, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, id);
	if (step_done(lake, st, "cannot rename the table", e) < 0)
		goto out;
	/* Every path starts with the old location and a '/': swap that prefix. */
	if (prepare(lake,
		    "UPDATE files SET path = ?1 || substr(path, length(?2) + 1) "
		    "WHERE table_id = ?3 AND substr(path, 1, length(?2) + 1) = ?2 || '/'",
		    &st, e) < 0)
		goto out;
	sqlite3_bind_text(st, 1, newloc.data, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, oldloc.data, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	if (step_done(lake, st, "cannot move the table's files", e) < 0)
		goto out;
	if (prepare(lake,
		    "UPDATE grants SET database_name = ?, table_name = ? "
		    "WHERE database_name = ? AND table_name = ?",
		    &st, e) < 0)
		goto out;
	sqlite3_bind_text(st, 1, db2, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, table2, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, table, -1, SQLITE_STATIC);
	rc = step_done(lake, st, "cannot move the table's grants", e);
out:
	lake_buf_release(&oldloc);
	lake_buf_release(&newloc);
	return rc;
}

/* As lake_table_drop: the directory moves first, the catalog decides. */
int lake_table_rename(struct lake *lake, const char *db, const char *table, const char *db2,
		      const char *table2, struct lake_error *e)
{
	struct lake_error ignored = {0};
	struct lake_table_move *m = NULL;
	struct lake_buf from = LAKE_BUF_INIT, to = LAKE_BUF_INIT, abs = LAKE_BUF_INIT;
	int64_t id, id2;
	int rc = -1;

	if (lake_database_name_new(db2, e) < 0)
		return -1;
	if (lake_catalog_begin(lake->catalog, e) < 0)
		return -1;
	/*
	 * The new name is a new table in db2: CREATE_TABLE there, in the same
	 * database too.  That grant shows every table of db2, so "already
	 * exists" below tells nothing about a table the principal may not see.
	 */
	if (permitted_table(lake, LAKE_PERM_ALTER, db, table, &id, e) < 0 ||
	    lake_require(lake, LAKE_PERM_CREATE_TABLE, db2, NULL, e) < 0 ||
	    find_table(lake, db2, table2, 1, &id2, e) < 0)
		goto fail;
	lake_buf_addf(&from, "data/%s/%s", db, table);
	lake_buf_addf(&to, "data/%s/%s", db2, table2);
	lake_path(lake, &abs, to.data);
	if (id2 || path_exists(abs.data)) {
		lake_err(e, LAKE_EX_CANTCREAT, "table '%s.%s' already exists%s", db2, table2,
			 id2 ? "" : " on disk (unregistered files; crawl or remove them)");
		goto fail;
	}
	if (lake_table_move_start(lake, id, from.data, to.data, &m, e) < 0 ||
	    move_table_rows(lake, id, db, table, db2, table2, e) < 0)
		goto fail;
	lake_fault_point();
	if (lake_catalog_commit(lake->catalog, e) < 0)
		goto fail;
	lake_fault_point();
	rc = lake_table_move_settle(lake, m, e);
	goto out;
fail:
	lake_catalog_rollback(lake->catalog);
	lake_table_move_settle(lake, m, &ignored);
out:
	lake_buf_release(&from);
	lake_buf_release(&to);
	lake_buf_release(&abs);
	return rc;
}
