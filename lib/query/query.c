#include "query/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "base/buf.h"
#include "base/colnames.h"
#include "govern/audit.h"
#include "govern/grant.h"
#include "values/jscan.h"
#include "base/ltime.h"
#include "base/names.h"
#include "query/vtab.h"
#include "store/sqlite_setup.h"

struct lake_query {
	struct lake *lake;
	sqlite3 *db;
	struct lake_vtab_context ctx;
	struct lake_scan_stats stats;
	char **attached; /* lake databases attached so far */
	size_t nattached;
	int ready; /* the authorizer is on: from here on, the user's SQL */
	char *as_of_time;
	char **param_names, **param_values; /* lake_query_bind */
	size_t nparams;
	int admin;	 /* the acting principal sees everything */
	char secret[34]; /* the filtered tables' guard (view_sql) */
	char **denied;	 /* "schema\ntable" it may describe but not SELECT */
	size_t ndenied;
	char denied_read[2 * LAKE_NAME_MAX + 2]; /* the last table the authorizer refused */
};

/* A filtered table's view reads its lake table as "TABLE$base", which nothing else may read. */
#define BASE_SUFFIX "$base"

static int is_base_of(const char *table, const char *view)
{
	size_t n = strlen(table), k = strlen(BASE_SUFFIX);

	return n > k && strcasecmp(table + n - k, BASE_SUFFIX) == 0 && view &&
	       strlen(view) == n - k && strncasecmp(table, view, n - k) == 0;
}

static int is_base(const char *table)
{
	size_t n = strlen(table), k = strlen(BASE_SUFFIX);

	return n > k && strcasecmp(table + n - k, BASE_SUFFIX) == 0;
}

static int is_attached(struct lake_query *q, const char *name, size_t n);

/* Whether schema.table may only be described; schema NULL: in any schema. */
static const char *is_denied(const struct lake_query *q, const char *schema, const char *table)
{
	for (size_t i = 0; i < q->ndenied; i++) {
		const char *nl = strchr(q->denied[i], '\n');
		size_t sn = (size_t)(nl - q->denied[i]);
		if ((!schema ||
		     (strlen(schema) == sn && strncasecmp(q->denied[i], schema, sn) == 0)) &&
		    strcasecmp(nl + 1, table) == 0)
			return q->denied[i];
	}
	return NULL;
}

/*
 * A principal that is not an administrator reads a filtered table only
 * through its view, never the table behind it, the catalog's own schema
 * text (which holds the filters), a table it may only describe, or the
 * audit log.
 */
static int authorize_read(struct lake_query *q, const char *table, const char *db, const char *view)
{
	const char *d;

	/* Some reads (count(*)) name no schema: the table's name alone decides then. */
	if (q->admin || !table)
		return SQLITE_OK;
	/* SQL names ignore case: so do these checks. */
	if (strcasecmp(table, "sqlite_master") == 0 || strcasecmp(table, "sqlite_schema") == 0 ||
	    strcasecmp(table, "sqlite_temp_master") == 0 ||
	    strcasecmp(table, "sqlite_temp_schema") == 0)
		return SQLITE_DENY;
	if (is_base(table) && !is_base_of(table, view))
		return SQLITE_DENY;
	if ((!db || strcasecmp(db, "lake") == 0) && strcasecmp(table, "audit") == 0 &&
	    is_attached(q, "lake", 4)) {
		snprintf(q->denied_read, sizeof q->denied_read, "lake.audit");
		return SQLITE_DENY;
	}
	if ((d = is_denied(q, db, table)) != NULL) {
		snprintf(q->denied_read, sizeof q->denied_read, "%.*s.%s",
			 (int)(strchr(d, '\n') - d), d, table);
		return SQLITE_DENY;
	}
	return SQLITE_OK;
}

/* SQLite attaches at most this many schemas; main and temp do not count. */
#define MAX_ATTACHED 10

/*
 * What the user's SQL may do: read, and call functions.  Everything that
 * writes, attaches, changes settings or loads code is refused; pragmas
 * only in their harmless read-only forms.
 */
static int authorize(void *arg, int action, const char *a, const char *b, const char *db,
		     const char *view)
{
	struct lake_query *q = arg;

	if (!q->ready)
		return SQLITE_OK;
	switch (action) {
	case SQLITE_READ:
		return authorize_read(q, a, db, view);
	case SQLITE_SELECT:
	case SQLITE_FUNCTION:
	case SQLITE_RECURSIVE:
		if (action == SQLITE_FUNCTION && lake_sqlite_function_refused(b))
			return SQLITE_DENY;
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		/* These only describe (their argument names a table); every other pragma is
		 * refused. */
		if (a && (strcmp(a, "table_info") == 0 || strcmp(a, "table_xinfo") == 0 ||
			  strcmp(a, "table_list") == 0 || strcmp(a, "database_list") == 0))
			return !q->admin && b && (is_base(b) || strcmp(a, "table_list") == 0)
				   ? SQLITE_DENY
				   : SQLITE_OK;
		return SQLITE_DENY;
	default:
		return SQLITE_DENY;
	}
}

/* 128 random bits from the kernel, as "k" and hex: a word a module argument may be. */
static int make_secret(char *out, size_t size, struct lake_error *e)
{
	unsigned char bytes[16];

	if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes)
		return lake_err_sys(e, LAKE_EX_SOFTWARE, "cannot draw random bytes");
	out[0] = 'k';
	for (size_t i = 0; i < sizeof bytes && 2 * i + 3 < size; i++)
		snprintf(out + 1 + 2 * i, 3, "%02x", bytes[i]);
	return 0;
}

int lake_query_open(struct lake *lake, struct lake_query **out, struct lake_error *e)
{
	struct lake_query *q = lake_xcalloc(1, sizeof *q);

	*out = NULL;
	q->lake = lake;
	q->ctx.lake = lake;
	q->ctx.stats = &q->stats;
	q->ctx.as_of_version = -1;
	if (sqlite3_open_v2(":memory:", &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		lake_err(e, LAKE_EX_SOFTWARE, "cannot open the query engine: %s",
			 sqlite3_errmsg(q->db));
		goto fail;
	}
	lake_sqlite_setup(q->db, 1);
	if (lake_vtab_register(q->db, &q->ctx) != SQLITE_OK) {
		lake_err(e, LAKE_EX_SOFTWARE, "cannot register the lake module");
		goto fail;
	}
	/* SQLite's sorter (GROUP BY, ORDER BY) may use the second core. */
	sqlite3_exec(q->db, "PRAGMA threads = 2", NULL, NULL, NULL);
	q->admin = lake_identity(lake)->admin;
	if (!q->admin && make_secret(q->secret, sizeof q->secret, e) < 0)
		goto fail;
	sqlite3_set_authorizer(q->db, authorize, q);
	*out = q;
	return 0;
fail:
	lake_query_close(q);
	return -1;
}

void lake_query_close(struct lake_query *q)
{
	if (!q)
		return;
	sqlite3_close(q->db);
	lake_vtab_context_release(&q->ctx);
	for (size_t i = 0; i < q->nattached; i++)
		free(q->attached[i]);
	free(q->attached);
	for (size_t i = 0; i < q->ctx.ntables; i++) {
		free(q->ctx.tables[i].name);
		free(q->ctx.tables[i].used_ids);
	}
	free(q->ctx.tables);
	free(q->as_of_time);
	for (size_t i = 0; i < q->nparams; i++) {
		free(q->param_names[i]);
		free(q->param_values[i]);
	}
	free(q->param_names);
	free(q->param_values);
	for (size_t i = 0; i < q->ndenied; i++)
		free(q->denied[i]);
	free(q->denied);
	free(q);
}

void lake_query_set_windows(struct lake_query *q, const struct lake_table_window *w, size_t n)
{
	q->ctx.windows = w;
	q->ctx.nwindows = n;
}

void lake_query_bind(struct lake_query *q, const char *name, const char *value)
{
	for (size_t i = 0; i < q->nparams; i++)
		if (strcmp(q->param_names[i], name) == 0) {
			free(q->param_values[i]);
			q->param_values[i] = lake_xstrdup(value);
			return;
		}
	q->param_names = lake_xrealloc(q->param_names, (q->nparams + 1) * sizeof *q->param_names);
	q->param_values =
	    lake_xrealloc(q->param_values, (q->nparams + 1) * sizeof *q->param_values);
	q->param_names[q->nparams] = lake_xstrdup(name);
	q->param_values[q->nparams++] = lake_xstrdup(value);
}

/* Values of the statement's parameters, from lake_query_bind; text, as given. */
static int bind_params(struct lake_query *q, sqlite3_stmt *st, struct lake_error *e)
{
	int n = sqlite3_bind_parameter_count(st);

	for (int i = 1; i <= n; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		size_t k;
		if (!name || !strchr(":@$", name[0]))
			return lake_err(e, LAKE_EX_USAGE,
					"SQL: only named parameters (:name) can be given values "
					"(with --param name=VALUE)");
		for (k = 0; k < q->nparams; k++)
			if (strcmp(q->param_names[k], name + 1) == 0)
				break;
		if (k == q->nparams)
			return lake_err(
			    e, LAKE_EX_USAGE,
			    "SQL: parameter %s has no value: give it with --param %s=VALUE", name,
			    name + 1);
		sqlite3_bind_text(st, i, q->param_values[k], -1, SQLITE_STATIC);
	}
	return 0;
}

enum lake_value_kind lake_query_column_kind(sqlite3_stmt *st, int i, int booleans)
{
	if (booleans && lake_query_column_is_boolean(st, i))
		return LAKE_VALUE_BOOLEAN;
	return lake_query_column_is_json(st, i) ? LAKE_VALUE_JSON : LAKE_VALUE_PLAIN;
}

void lake_query_value_as(struct lake_buf *b, sqlite3_stmt *st, int i, enum lake_value_kind k)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		if (k == LAKE_VALUE_BOOLEAN)
			lake_buf_addstr(b, sqlite3_column_int64(st, i) ? "true" : "false");
		else
			lake_buf_add_int(b, sqlite3_column_int64(st, i));
		return;
	case SQLITE_FLOAT:
		lake_buf_add_double(b, sqlite3_column_double(st, i));
		return;
	case SQLITE_NULL:
		lake_buf_addstr(b, "null");
		return;
	default: {
		const char *t = (const char *)sqlite3_column_text(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i);
		if (k == LAKE_VALUE_JSON && lake_json_validate(t, n, NULL) != LAKE_JNONE)
			lake_buf_add(b, t, n);
		else
			lake_buf_add_json_string_utf8(b, t, n);
	}
	}
}

const struct lake_scan_stats *lake_query_stats(const struct lake_query *q)
{
	return &q->stats;
}

void lake_query_on_progress(struct lake_query *q, lake_query_progress_fn fn, void *arg)
{
	q->ctx.progress = fn;
	q->ctx.progress_arg = arg;
}

void lake_query_set_join_memory(struct lake_query *q, uint64_t bytes)
{
	q->ctx.join_memory = bytes;
}

void lake_query_on_warning(struct lake_query *q, void (*warn)(const char *msg, void *arg),
			   void *arg)
{
	q->ctx.warn = warn;
	q->ctx.warn_arg = arg;
}

size_t lake_query_table_stats(const struct lake_query *q, const char *const **names,
			      const struct lake_scan_stats **stats, size_t *stride)
{
	*names = q->ctx.ntables ? (const char *const *)&q->ctx.tables[0].name : NULL;
	*stats = q->ctx.ntables ? &q->ctx.tables[0].stats : NULL;
	*stride = sizeof q->ctx.tables[0];
	return q->ctx.ntables;
}

json_t *lake_query_reads(const struct lake_query *q)
{
	json_t *reads = json_object();

	for (size_t i = 0; i < q->ctx.ntables; i++) {
		const struct lake_scan_stats *s = &q->ctx.tables[i].stats;
		if (!s->scans)
			continue;
		json_object_set_new(reads, q->ctx.tables[i].name,
				    json_pack("{s:I, s:I}", "rows", (json_int_t)s->rows, "bytes",
					      (json_int_t)s->bytes_scanned));
	}
	return reads;
}

size_t lake_query_table_inputs(const struct lake_query *q, size_t i, int64_t *ids, size_t max)
{
	const struct lake_table_scans *t = &q->ctx.tables[i];
	size_t n = 0;

	for (size_t j = 0; j < t->capused && n < max; j++)
		if (t->used_ids[j])
			ids[n++] = t->used_ids[j];
	return n;
}

int lake_query_as_of(struct lake_query *q, const char *spec, struct lake_error *e)
{
	char *end;
	int64_t micros;
	char text[40];
	long long v;

	v = strtoll(spec, &end, 10);
	if (*spec && !*end && v >= 0) {
		q->ctx.as_of_version = v;
		return 0;
	}
	if (lake_time_parse(spec, strlen(spec), &micros) == LAKE_TIME_NONE)
		return lake_err(e, LAKE_EX_USAGE,
				"--as-of '%s': give a table version (a number) or a time "
				"(2024-05-01T12:00:00Z)",
				spec);
	/* The catalog's times are ISO-8601 UTC text: compare in the same form. */
	lake_time_format_timestamp(micros, text);
	free(q->as_of_time);
	q->as_of_time = lake_xstrdup(text);
	q->ctx.as_of_time = q->as_of_time;
	return 0;
}

int lake_query_column_is_boolean(sqlite3_stmt *st, int i)
{
	const char *t = sqlite3_column_decltype(st, i);

	return t && strncmp(t, "BOOLEAN", 7) == 0;
}

int lake_query_column_is_json(sqlite3_stmt *st, int i)
{
	const char *t = sqlite3_column_decltype(st, i);

	return t && strncmp(t, "JSON", 4) == 0;
}

/* ---- lake databases as schemas ---- */

static int is_attached(struct lake_query *q, const char *name, size_t n)
{
	for (size_t i = 0; i < q->nattached; i++)
		if (strlen(q->attached[i]) == n && memcmp(q->attached[i], name, n) == 0)
			return 1;
	return 0;
}

static int exec_internal(struct lake_query *q, const char *sql, struct lake_error *e)
{
	char *msg = NULL;

	if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		lake_err(e, LAKE_EX_SOFTWARE, "%s", msg ? msg : sqlite3_errmsg(q->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* The names of a table's columns and partition keys, as the catalog has them now. */
/*
 * The table's columns, partition keys included, as lake_read_access takes
 * them: each its catalog name and the name the table declares it by
 * (lake_vtab_column_names gives both, by the one rule).
 */
static json_t *column_names(struct lake_query *q, const char *db, const char *table)
{
	struct lake_colnames declared = LAKE_COLNAMES_INIT;
	sqlite3_stmt *st;
	json_t *names = json_array(), *cols = NULL, *keys = NULL;

	if (sqlite3_prepare_v2(lake_catalog_db(q->lake->catalog),
			       "SELECT t.columns, t.partition_keys FROM tables t JOIN databases d "
			       "ON d.id = t.database_id WHERE d.name = ? AND t.name = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return names;
	sqlite3_bind_text(st, 1, db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		cols = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		keys = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
	}
	sqlite3_finalize(st);
	/* In the table's order (vtab.c's load_table): data columns no key shadows, then keys. */
	lake_vtab_reserve_names(&declared);
	for (int part = 0; part < 2; part++) {
		json_t *list = part ? keys : cols, *c;
		size_t i;
		json_array_foreach(list, i, c)
		{
			const char *name = json_string_value(json_object_get(c, "name"));
			if (!name || (!part && lake_vtab_shadowed(name, keys)))
				continue;
			size_t len = json_string_length(json_object_get(c, "name"));
			json_array_append_new(names,
					      json_pack("{s:s%, s:s}", "name", name, len, "sql",
							lake_colnames_add(&declared, name, len)));
		}
	}
	lake_colnames_release(&declared);
	json_decref(cols);
	json_decref(keys);
	return names;
}

/* Append text with every `from` replaced by `to`. */
static void add_replaced(struct lake_buf *out, const char *text, const char *from, const char *to)
{
	const char *at;

	while ((at = strstr(text, from)) != NULL) {
		lake_buf_add(out, text, (size_t)(at - text));
		lake_buf_addstr(out, to);
		text = at + strlen(from);
	}
	lake_buf_addstr(out, text);
}

/*
 * The filtered read with the base table's name and its guard put in:
 * the base table serves only scans that give it this connection's secret
 * (the vtab refuses others), and only the view's text, which the
 * principal cannot read, holds it.  A name can be spelt by anyone; the
 * secret cannot.
 */
static char *view_sql(struct lake_query *q, const char *db, const char *table,
		      const char *select_sql)
{
	struct lake_buf sql = LAKE_BUF_INIT, mid = LAKE_BUF_INIT;
	char *base = sqlite3_mprintf("\"%w\".\"%w" BASE_SUFFIX "\"", db, table);
	char *head = sqlite3_mprintf("CREATE VIEW \"%w\".\"%w\" AS ", db, table);
	char *guard = sqlite3_mprintf("\"" LAKE_VTAB_GUARD_COLUMN "\" = '%s'", q->secret);

	lake_buf_addstr(&sql, head);
	add_replaced(&mid, select_sql, LAKE_GRANT_BASE, base);
	add_replaced(&sql, mid.data, LAKE_GRANT_GUARD, guard);
	sqlite3_free(base);
	sqlite3_free(head);
	sqlite3_free(guard);
	lake_buf_release(&mid);
	return lake_buf_detach(&sql);
}

/*
 * A table as the acting principal may see it: absent when it may not
 * even describe it; the lake table itself when it may read all of it (or
 * only describe it: reading it is then refused by the authorizer); else a
 * view of the visible columns and rows over the table, declared as
 * TABLE$base.
 */
static int declare_granted(struct lake_query *q, const char *db, const char *table,
			   struct lake_error *e)
{
	json_t *cols = column_names(q, db, table);
	struct lake_read_access a;
	char *sql = NULL;
	int rc = 0;

	rc = lake_read_access(q->lake, db, table, cols, &a, e);
	json_decref(cols);
	if (rc < 0 || !a.visible)
		goto out;
	if (!a.select_sql) {
		sql = sqlite3_mprintf("CREATE VIRTUAL TABLE \"%w\".\"%w\" USING lake", db, table);
		rc = exec_internal(q, sql, e);
		sqlite3_free(sql);
		if (rc == 0 && !a.select) {
			struct lake_buf key = LAKE_BUF_INIT;
			lake_buf_addf(&key, "%s\n%s", db, table);
			q->denied = lake_xrealloc(q->denied, (q->ndenied + 1) * sizeof *q->denied);
			q->denied[q->ndenied++] = lake_buf_detach(&key);
		}
		goto out;
	}
	sql =
	    sqlite3_mprintf("CREATE VIRTUAL TABLE \"%w\".\"%w" BASE_SUFFIX "\" USING lake(%s, %s)",
			    db, table, table, q->secret);
	rc = exec_internal(q, sql, e);
	sqlite3_free(sql);
	if (rc == 0) {
		char *view = view_sql(q, db, table, a.select_sql);
		rc = exec_internal(q, view, e);
		free(view);
	}
out:
	lake_read_access_release(&a);
	return rc;
}

/* Attach lake database `name` as a schema whose tables are lake virtual tables. */
static int attach(struct lake_query *q, const char *name, struct lake_error *e)
{
	sqlite3_stmt *st;
	char *sql;
	int rc = 0;

	if (q->nattached == MAX_ATTACHED)
		return lake_err(e, LAKE_EX_USAGE,
				"a query can read at most %d lake databases at once; '%s' is one "
				"too many",
				MAX_ATTACHED, name);
	sql = sqlite3_mprintf("ATTACH ':memory:' AS \"%w\"", name);
	rc = exec_internal(q, sql, e);
	sqlite3_free(sql);
	if (rc < 0)
		return -1;
	q->attached = lake_xrealloc(q->attached, (q->nattached + 1) * sizeof *q->attached);
	q->attached[q->nattached++] = lake_xstrdup(name);
	if (sqlite3_prepare_v2(
		lake_catalog_db(q->lake->catalog),
		"SELECT t.name FROM tables t JOIN databases d ON d.id = t.database_id "
		"WHERE d.name = ? ORDER BY t.name",
		-1, &st, NULL) != SQLITE_OK)
		return lake_catalog_fail(q->lake->catalog, "cannot list tables", e);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *table = (const char *)sqlite3_column_text(st, 0);
		if (q->admin) {
			sql = sqlite3_mprintf("CREATE VIRTUAL TABLE \"%w\".\"%w\" USING lake", name,
					      table);
			rc = exec_internal(q, sql, e);
			sqlite3_free(sql);
		} else {
			rc = declare_granted(q, name, table, e);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * The system tables: a copy of the catalog's descriptive part (never its
 * grants or jobs' internals), made through a read-only look at catalog.db.
 */
static const char *const system_tables[] = {
    "CREATE TABLE lake.tables AS SELECT d.name AS database, t.name AS name, t.format, "
    "t.compression, t.location, json(t.partition_keys) AS partition_keys, "
    "json_array_length(t.columns) AS columns, t.version, t.description, "
    "(SELECT count(*) FROM cat.files f WHERE f.table_id = t.id AND f.state = 'live') AS files, "
    "(SELECT sum(rows) FROM cat.files f WHERE f.table_id = t.id AND f.state = 'live') AS rows, "
    "(SELECT sum(bytes) FROM cat.files f WHERE f.table_id = t.id AND f.state = 'live') AS bytes, "
    "t.created, t.updated FROM cat.tables t JOIN cat.databases d ON d.id = t.database_id",
    "CREATE TABLE lake.columns AS SELECT d.name AS database, t.name AS table_name, "
    "c.value->>'name' AS name, c.value->>'type' AS type, c.value->>'comment' AS comment, "
    "c.key AS position, 0 AS partition FROM cat.tables t JOIN cat.databases d ON d.id = "
    "t.database_id, json_each(t.columns) c UNION ALL SELECT d.name, t.name, "
    "k.value->>'name', k.value->>'type', k.value->>'comment', json_array_length(t.columns) + "
    "k.key, 1 FROM cat.tables t JOIN cat.databases d ON d.id = t.database_id, "
    "json_each(t.partition_keys) k",
    "CREATE TABLE lake.partitions AS SELECT d.name AS database, t.name AS table_name, p.path, "
    "json(p.vals) AS vals, count(f.id) AS files, sum(f.rows) AS rows, sum(f.bytes) AS bytes "
    "FROM cat.partitions p JOIN cat.tables t ON t.id = p.table_id JOIN cat.databases d ON "
    "d.id = t.database_id LEFT JOIN cat.files f ON f.table_id = p.table_id AND f.partition = "
    "p.path AND f.state = 'live' GROUP BY p.id",
    "CREATE TABLE lake.files AS SELECT d.name AS database, t.name AS table_name, f.path, "
    "f.partition, f.format, f.compression, f.rows, f.bytes, f.raw_bytes, f.added_version, "
    "f.created FROM cat.files f JOIN cat.tables t ON t.id = f.table_id JOIN cat.databases d "
    "ON d.id = t.database_id WHERE f.state = 'live'",
    "CREATE TABLE lake.runs AS SELECT r.id AS run, j.name AS job, r.principal, r.started, r.ended, "
    "r.status, r.input_files, r.input_rows, r.input_bytes, r.output_files, r.output_rows, "
    "r.output_bytes, r.target, r.target_version AS version, r.error, r.bookmarks, r.params FROM "
    "cat.job_runs r JOIN cat.jobs j ON j.id = r.job_id",
    /* Filled from the audit log (audit/DAY.ndjson), for administrators only. */
    "CREATE TABLE lake.audit (time TEXT, principal TEXT, acting_user TEXT, program TEXT, "
    "action TEXT, object TEXT, outcome TEXT, rows INTEGER, bytes INTEGER, sql TEXT, "
    "duration_ms REAL, error TEXT)",
};

static int insert_audit_event(json_t *ev, void *arg)
{
	sqlite3_stmt *st = arg;
	static const char *const keys[] = {"time",   "principal", "acting_user", "program",
					   "action", "object",	  "outcome",	 "rows",
					   "bytes",  "sql",	  "duration_ms", "error"};

	for (int i = 0; i < 12; i++) {
		json_t *v = json_object_get(ev, keys[i]);
		if (json_is_integer(v))
			sqlite3_bind_int64(st, i + 1, json_integer_value(v));
		else if (json_is_real(v))
			sqlite3_bind_double(st, i + 1, json_real_value(v));
		else if (json_is_string(v))
			sqlite3_bind_text(st, i + 1, json_string_value(v), -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, i + 1);
	}
	sqlite3_step(st);
	sqlite3_reset(st);
	return 0;
}

static int fill_audit(struct lake_query *q, struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(q->db, "INSERT INTO lake.audit VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", -1,
			       &st, NULL) != SQLITE_OK)
		return lake_err(e, LAKE_EX_SOFTWARE, "lake.audit: %s", sqlite3_errmsg(q->db));
	rc = lake_audit_read(q->lake, NULL, NULL, NULL, insert_audit_event, st, e);
	sqlite3_finalize(st);
	return rc;
}

/* Run an internal statement with text parameters. */
static void exec_bound(struct lake_query *q, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* One table in the system tables, as the acting principal may see it. */
static void restrict_table(struct lake_query *q, const char *db, const char *table,
			   struct lake_error *e)
{
	static const char *const hide[] = {
	    "DELETE FROM lake.tables WHERE database = ?1 AND name = ?2",
	    "DELETE FROM lake.columns WHERE database = ?1 AND table_name = ?2",
	    "DELETE FROM lake.partitions WHERE database = ?1 AND table_name = ?2",
	    "DELETE FROM lake.files WHERE database = ?1 AND table_name = ?2",
	    "DELETE FROM lake.runs WHERE target = ?1 || '.' || ?2"};
	json_t *cols = column_names(q, db, table);
	struct lake_read_access a;

	if (lake_read_access(q->lake, db, table, cols, &a, e) == 0 && a.visible) {
		char *visible = json_dumps(a.columns, JSON_COMPACT);
		char *sql = sqlite3_mprintf("DELETE FROM lake.columns WHERE database = ?1 AND "
					    "table_name = ?2 AND name NOT IN (SELECT value FROM "
					    "json_each(%Q))",
					    visible);
		exec_bound(q, sql, db, table);
		sqlite3_free(sql);
		free(visible);
		if (!a.describe) {
			char *up = sqlite3_mprintf(
			    "UPDATE lake.tables SET files = NULL, rows = NULL, bytes = NULL, "
			    "partition_keys = NULL, columns = %d WHERE database = ?1 AND name = ?2",
			    (int)json_array_size(a.columns));
			exec_bound(q, up, db, table);
			sqlite3_free(up);
			for (size_t i = 2; i < 5; i++)
				exec_bound(q, hide[i], db, table);
		}
	} else {
		for (size_t i = 0; i < 5; i++)
			exec_bound(q, hide[i], db, table);
	}
	lake_read_access_release(&a);
	json_decref(cols);
}

/* Non-administrators see in lake.* only what they may describe. */
static void restrict_system(struct lake_query *q, struct lake_error *e)
{
	sqlite3_stmt *st;
	json_t *tables = json_array();
	size_t i;
	json_t *t;

	if (sqlite3_prepare_v2(q->db, "SELECT database, name FROM lake.tables", -1, &st, NULL) !=
	    SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(tables, json_pack("[s,s]", sqlite3_column_text(st, 0),
							sqlite3_column_text(st, 1)));
	sqlite3_finalize(st);
	json_array_foreach(tables, i, t) restrict_table(q, json_string_value(json_array_get(t, 0)),
							json_string_value(json_array_get(t, 1)), e);
	json_decref(tables);
	/* Runs of targets it may not see (or that no longer exist) go with them. */
	sqlite3_exec(q->db,
		     "DELETE FROM lake.runs WHERE target IS NULL OR target NOT IN (SELECT "
		     "database || '.' || name FROM lake.tables)",
		     NULL, NULL, NULL);
}

static int attach_system(struct lake_query *q, struct lake_error *e)
{
	struct lake_buf path = LAKE_BUF_INIT;
	char *sql;
	int rc;

	if (exec_internal(q, "ATTACH ':memory:' AS lake", e) < 0)
		return -1;
	q->attached = lake_xrealloc(q->attached, (q->nattached + 1) * sizeof *q->attached);
	q->attached[q->nattached++] = lake_xstrdup("lake");
	lake_path(q->lake, &path, "catalog.db");
	sql = sqlite3_mprintf("ATTACH %Q AS cat", path.data);
	lake_buf_release(&path);
	rc = exec_internal(q, sql, e);
	sqlite3_free(sql);
	for (size_t i = 0; rc == 0 && i < sizeof system_tables / sizeof system_tables[0]; i++)
		rc = exec_internal(q, system_tables[i], e);
	exec_internal(q, "DETACH cat", e);
	if (rc == 0 && q->admin)
		rc = fill_audit(q, e);
	else if (rc == 0)
		restrict_system(q, e);
	return rc;
}

static int is_database(struct lake_query *q, const char *name)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(lake_catalog_db(q->lake->catalog),
			       "SELECT 1 FROM databases WHERE name = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static int ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/*
 * Attach every lake database the SQL names as NAME.something: a lexical
 * look (strings and comments skipped), then SQLite decides what is what.
 */
static int attach_named(struct lake_query *q, const char *sql, struct lake_error *e)
{
	const char *p = sql;
	char name[LAKE_NAME_MAX + 1];

	while (*p) {
		if (*p == '\'' || *p == '"' || *p == '`') {
			char quote = *p++;
			while (*p && *p != quote)
				p++;
			if (*p)
				p++;
			continue;
		}
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (!ident_char(*p) || (p > sql && ident_char(p[-1]))) {
			p++;
			continue;
		}
		const char *start = p;
		while (ident_char(*p))
			p++;
		size_t n = (size_t)(p - start);
		const char *after = p;
		while (*after == ' ' || *after == '\t' || *after == '\n')
			after++;
		if (*after != '.' || n > LAKE_NAME_MAX)
			continue;
		memcpy(name, start, n);
		name[n] = '\0';
		for (char *c = name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		if (is_attached(q, name, n))
			continue;
		if (strcmp(name, "lake") == 0) {
			if (attach_system(q, e) < 0)
				return -1;
		} else if (lake_name_valid(name) && is_database(q, name) &&
			   /* One without a grant stays unattached: for the principal, none. */
			   (q->admin || lake_may_see_database(q->lake, name)) &&
			   attach(q, name, e) < 0) {
			return -1;
		}
	}
	return 0;
}

/* ---- running ---- */

/*
 * "no such table: raw.evnts" becomes exit 66 with the nearest table's
 * name, taken among the tables this principal may see, and no other.
 */
static int unknown_table(struct lake_query *q, const char *msg, struct lake_error *e)
{
	const char *name = strstr(msg, "no such table: ") + strlen("no such table: ");

	return lake_table_not_found(q->lake, name, e);
}

static int denied(struct lake_query *q, struct lake_error *e)
{
	const char *what = q->denied_read;

	if (strcmp(what, "lake.audit") == 0) {
		lake_audit_denied(q->lake, "SELECT", what);
		return lake_err(
		    e, LAKE_EX_NOPERM,
		    "permission denied: lake.audit is for administrators (%s is not one)",
		    lake_identity(q->lake)->name);
	}
	lake_audit_denied(q->lake, "SELECT", what);
	return lake_err(e, LAKE_EX_NOPERM,
			"permission denied: SELECT on %s for %s (it may only describe it)", what,
			lake_identity(q->lake)->name);
}

static int sql_error(struct lake_query *q, const char *sql, const char *at, struct lake_error *e)
{
	const char *msg = sqlite3_errmsg(q->db);
	int offset = sqlite3_error_offset(q->db);

	if (q->ctx.failure.code) {
		*e = q->ctx.failure;
		return -1;
	}
	if (strstr(msg, "no such table: "))
		return unknown_table(q, msg, e);
	if (q->denied_read[0])
		return denied(q, e);
	/*
	 * "no query solution": only the table behind a filter has no plan, when
	 * it is read without its view's guard (a CTE named like the view).
	 */
	if (sqlite3_errcode(q->db) == SQLITE_AUTH || strstr(msg, "may not be modified") ||
	    strstr(msg, "not authorized") || strstr(msg, "read only through its grant") ||
	    strstr(msg, "no query solution")) {
		lake_audit_denied(q->lake, "SQL", "lake");
		return lake_err(
		    e, LAKE_EX_NOPERM,
		    "not allowed: SQL over the lake only reads its tables (no writes, "
		    "ATTACH, settings, extensions, or what is behind a grant's filter)");
	}
	if (offset >= 0)
		return lake_err(e, LAKE_EX_DATAERR, "SQL, at character %d: %s",
				(int)(at - sql) + offset + 1, msg);
	return lake_err(e, LAKE_EX_DATAERR, "SQL: %s", msg);
}

/* A plan line of a filtered table would show the shape of its filter: not for the principal. */
static int hidden_plan_line(const struct lake_query *q, sqlite3_stmt *st)
{
	const char *detail;

	if (q->admin || !sqlite3_stmt_isexplain(st) || sqlite3_column_count(st) < 4)
		return 0;
	detail = (const char *)sqlite3_column_text(st, 3);
	return detail && strstr(detail, BASE_SUFFIX) != NULL;
}

/*
 * One statement in one catalog snapshot: the read transaction opened
 * here is what every scan of the statement lists its files in.
 */
static int run_one(struct lake_query *q, sqlite3_stmt *st, int index, lake_query_row_fn fn,
		   void *arg, const char *sql, const char *at, struct lake_error *e)
{
	struct lake_catalog *c = q->lake->catalog;
	int rc, stop = 0;

	if (sqlite3_exec(lake_catalog_db(c), "BEGIN; SELECT count(*) FROM tables", NULL, NULL,
			 NULL) != SQLITE_OK)
		return lake_catalog_fail(c, "cannot start a snapshot", e);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!hidden_plan_line(q, st))
			stop = fn(st, index, 1, arg);
	sqlite3_exec(lake_catalog_db(c), "COMMIT", NULL, NULL, NULL);
	if (!stop && rc != SQLITE_DONE)
		return sql_error(q, sql, at, e);
	fn(st, index, 0, arg);
	return 0;
}

/* SQLite's plan for the statement st, which is the text [at, tail). */
static sqlite3_stmt *prepare_plan(struct lake_query *q, const char *at, const char *tail)
{
	struct lake_buf text = LAKE_BUF_INIT;
	sqlite3_stmt *plan = NULL;

	lake_buf_addstr(&text, "EXPLAIN QUERY PLAN ");
	lake_buf_add(&text, at, (size_t)(tail - at));
	if (lake_vtab_prepare(&q->ctx, q->db, text.data, &plan, NULL) != SQLITE_OK) {
		sqlite3_finalize(plan);
		plan = NULL;
	}
	lake_buf_release(&text);
	return plan;
}

/* Whether only whitespace, comments and semicolons follow. */
static int only_trailer(const char *p)
{
	for (;;) {
		p += strspn(p, " \t\r\n;");
		if (p[0] == '-' && p[1] == '-')
			p += strcspn(p, "\n");
		else if (p[0] == '/' && p[1] == '*' && strstr(p + 2, "*/"))
			p = strstr(p + 2, "*/") + 2;
		else
			return !*p;
	}
}

enum run_mode { RUN_ALL, RUN_PLAN, RUN_SINGLE };

static int run_statements(struct lake_query *q, const char *sql, enum run_mode mode,
			  lake_query_row_fn fn, void *arg, struct lake_error *e)
{
	int plan_only = mode == RUN_PLAN;

	const char *at = sql, *tail;
	int index = 0;

	q->ready = 0;
	if (attach_named(q, sql, e) < 0)
		return -1;
	q->ready = 1;
	while (at && *at) {
		sqlite3_stmt *st = NULL;
		q->denied_read[0] = '\0';
		lake_error_clear(&q->ctx.failure);
		if (lake_vtab_prepare(&q->ctx, q->db, at, &st, &tail) != SQLITE_OK)
			return sql_error(q, sql, at, e);
		if (!st) { /* only whitespace or a comment was left */
			at = tail;
			continue;
		}
		if (mode == RUN_SINGLE && !only_trailer(tail)) {
			sqlite3_finalize(st);
			return lake_err(e, LAKE_EX_USAGE,
					"the SQL must be one statement (a SELECT); found more");
		}
		if (plan_only) {
			sqlite3_finalize(st);
			if (!(st = prepare_plan(q, at, tail)))
				return sql_error(q, sql, at, e);
		} else if (!q->admin && sqlite3_stmt_isexplain(st) == 1) {
			/* EXPLAIN's opcodes would show the filters' constants. */
			sqlite3_finalize(st);
			lake_audit_denied(q->lake, "EXPLAIN", "lake");
			return lake_err(e, LAKE_EX_NOPERM,
					"EXPLAIN is for administrators; --explain shows the plan");
		}
		if (bind_params(q, st, e) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		int rc = run_one(q, st, index++, fn, arg, sql, at, e);
		sqlite3_finalize(st);
		lake_vtab_end_statement(&q->ctx);
		if (rc < 0)
			return -1;
		at = tail;
	}
	return 0;
}

/* The denials a text meets are audited with it (lake->sql). */
static int run_audited(struct lake_query *q, const char *sql, enum run_mode mode,
		       lake_query_row_fn fn, void *arg, struct lake_error *e)
{
	const char *outer = q->lake->sql;
	int rc;

	q->lake->sql = sql;
	rc = run_statements(q, sql, mode, fn, arg, e);
	q->lake->sql = outer;
	return rc;
}

int lake_query_run(struct lake_query *q, const char *sql, lake_query_row_fn fn, void *arg,
		   struct lake_error *e)
{
	return run_audited(q, sql, RUN_ALL, fn, arg, e);
}

int lake_query_run_single(struct lake_query *q, const char *sql, lake_query_row_fn fn, void *arg,
			  struct lake_error *e)
{
	return run_audited(q, sql, RUN_SINGLE, fn, arg, e);
}

int lake_query_plan(struct lake_query *q, const char *sql, lake_query_row_fn fn, void *arg,
		    struct lake_error *e)
{
	return run_audited(q, sql, RUN_PLAN, fn, arg, e);
}
