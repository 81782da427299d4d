#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "names.h"
#include "vtab.h"

struct lake_query {
	struct lake *lake;
	sqlite3 *db;
	struct lake_vtab_context ctx;
	struct lake_scan_stats stats;
	char **attached; /* lake databases attached so far */
	size_t nattached;
	int ready; /* the authorizer is on: from here on, the user's SQL */
};

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

	(void)b;
	(void)db;
	(void)view;
	if (!q->ready)
		return SQLITE_OK;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_FUNCTION:
	case SQLITE_RECURSIVE:
		if (action == SQLITE_FUNCTION && b && strcmp(b, "load_extension") == 0)
			return SQLITE_DENY;
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		/* These only describe (their argument names a table); every other pragma is
		 * refused. */
		if (a && (strcmp(a, "table_info") == 0 || strcmp(a, "table_xinfo") == 0 ||
			  strcmp(a, "table_list") == 0 || strcmp(a, "database_list") == 0))
			return SQLITE_OK;
		return SQLITE_DENY;
	default:
		return SQLITE_DENY;
	}
}

int lake_query_open(struct lake *lake, struct lake_query **out, struct lake_error *e)
{
	struct lake_query *q = lake_xcalloc(1, sizeof *q);

	*out = NULL;
	q->lake = lake;
	q->ctx.lake = lake;
	q->ctx.stats = &q->stats;
	if (sqlite3_open_v2(":memory:", &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		lake_err(e, LAKE_EX_SOFTWARE, "cannot open the query engine: %s",
			 sqlite3_errmsg(q->db));
		goto fail;
	}
	/* No extension loading, no tricks with the schema (SQLite's defensive mode). */
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	if (lake_vtab_register(q->db, &q->ctx) != SQLITE_OK) {
		lake_err(e, LAKE_EX_SOFTWARE, "cannot register the lake module");
		goto fail;
	}
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
	for (size_t i = 0; i < q->nattached; i++)
		free(q->attached[i]);
	free(q->attached);
	free(q);
}

const struct lake_scan_stats *lake_query_stats(const struct lake_query *q)
{
	return &q->stats;
}

int lake_query_column_is_json(sqlite3_stmt *st, int i)
{
	const char *t = sqlite3_column_decltype(st, i);

	return t && strcmp(t, "JSON") == 0;
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
		sql = sqlite3_mprintf("CREATE VIRTUAL TABLE \"%w\".\"%w\" USING lake", name,
				      (const char *)sqlite3_column_text(st, 0));
		rc = exec_internal(q, sql, e);
		sqlite3_free(sql);
	}
	sqlite3_finalize(st);
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
		if (lake_name_valid(name) && !is_attached(q, name, n) && is_database(q, name) &&
		    attach(q, name, e) < 0)
			return -1;
	}
	return 0;
}

/* ---- running ---- */

/* "no such table: raw.evnts" becomes exit 66 with the nearest table's name. */
static int unknown_table(struct lake_query *q, const char *msg, struct lake_error *e)
{
	const char *name = strstr(msg, "no such table: ") + strlen("no such table: ");
	sqlite3_stmt *st;
	char best[2 * LAKE_NAME_MAX + 2] = "";
	int best_cost = 1 << 30;

	if (sqlite3_prepare_v2(lake_catalog_db(q->lake->catalog),
			       "SELECT d.name || '.' || t.name FROM tables t JOIN databases d ON "
			       "d.id = t.database_id",
			       -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *cand = (const char *)sqlite3_column_text(st, 0);
			/* Levenshtein distance, two rows at a time. */
			size_t n = strlen(name), m = strlen(cand);
			int *prev = lake_xcalloc(m + 1, sizeof *prev),
			    *cur = lake_xcalloc(m + 1, sizeof *cur);
			for (size_t j = 0; j <= m; j++)
				prev[j] = (int)j;
			for (size_t i = 1; i <= n; i++) {
				cur[0] = (int)i;
				for (size_t j = 1; j <= m; j++) {
					int sub = prev[j - 1] + (name[i - 1] != cand[j - 1]);
					int del = prev[j] + 1, ins = cur[j - 1] + 1;
					cur[j] = sub < del ? (sub < ins ? sub : ins)
							   : (del < ins ? del : ins);
				}
				int *t = prev;
				prev = cur;
				cur = t;
			}
			if (prev[m] < best_cost && (size_t)prev[m] * 3 <= (n > 3 ? n : 3)) {
				best_cost = prev[m];
				snprintf(best, sizeof best, "%s", cand);
			}
			free(prev);
			free(cur);
		}
		sqlite3_finalize(st);
	}
	if (*best)
		return lake_err(e, LAKE_EX_NOINPUT, "no table '%s'; did you mean '%s'?", name,
				best);
	return lake_err(e, LAKE_EX_NOINPUT, "no table '%s' in the lake", name);
}

static int sql_error(struct lake_query *q, const char *sql, const char *at, struct lake_error *e)
{
	const char *msg = sqlite3_errmsg(q->db);
	int offset = sqlite3_error_offset(q->db);

	if (strstr(msg, "no such table: "))
		return unknown_table(q, msg, e);
	if (sqlite3_errcode(q->db) == SQLITE_AUTH || strstr(msg, "may not be modified") ||
	    strstr(msg, "not authorized"))
		return lake_err(
		    e, LAKE_EX_NOPERM,
		    "not allowed: lake-query only reads (no writes, ATTACH, settings or "
		    "extensions)");
	if (offset >= 0)
		return lake_err(e, LAKE_EX_DATAERR, "SQL, at character %d: %s",
				(int)(at - sql) + offset + 1, msg);
	return lake_err(e, LAKE_EX_DATAERR, "SQL: %s", msg);
}

/*
 * One statement in one catalog snapshot: the read transaction opened
 * here is what every scan of the statement lists its files in.
 */
static int run_one(struct lake_query *q, sqlite3_stmt *st, lake_query_row_fn fn, void *arg,
		   const char *sql, const char *at, struct lake_error *e)
{
	struct lake_catalog *c = q->lake->catalog;
	int rc, stop = 0;

	if (sqlite3_exec(lake_catalog_db(c), "BEGIN; SELECT count(*) FROM tables", NULL, NULL,
			 NULL) != SQLITE_OK)
		return lake_catalog_fail(c, "cannot start a snapshot", e);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
		stop = fn(st, arg);
	sqlite3_exec(lake_catalog_db(c), "COMMIT", NULL, NULL, NULL);
	if (stop || rc == SQLITE_DONE)
		return 0;
	return sql_error(q, sql, at, e);
}

int lake_query_run(struct lake_query *q, const char *sql, lake_query_row_fn fn, void *arg,
		   struct lake_error *e)
{
	const char *at = sql, *tail;

	q->ready = 0;
	if (attach_named(q, sql, e) < 0)
		return -1;
	q->ready = 1;
	while (at && *at) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(q->db, at, -1, &st, &tail) != SQLITE_OK)
			return sql_error(q, sql, at, e);
		if (!st) { /* only whitespace or a comment was left */
			at = tail;
			continue;
		}
		int rc = run_one(q, st, fn, arg, sql, at, e);
		sqlite3_finalize(st);
		if (rc < 0)
			return -1;
		at = tail;
	}
	return 0;
}
