#include "ingest/sqlite_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "base/interrupt.h"

static int source_fail(sqlite3 *db, const char *path, const char *doing, struct lake_error *e)
{
	int rc = sqlite3_errcode(db) & 0xff;
	int code = rc == SQLITE_BUSY || rc == SQLITE_LOCKED	 ? LAKE_EX_TEMPFAIL
		   : rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? LAKE_EX_DATAERR
		   : rc == SQLITE_CANTOPEN			 ? LAKE_EX_NOINPUT
								 : LAKE_EX_IOERR;

	return lake_err(e, code, "'%s': %s: %s", path, doing, sqlite3_errmsg(db));
}

static int declared_boolean(sqlite3_stmt *st, int col)
{
	const char *t = sqlite3_column_decltype(st, col);

	return t && (strcasecmp(t, "BOOLEAN") == 0 || strcasecmp(t, "BOOL") == 0);
}

static void add_value(struct lake_buf *b, sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER: {
		sqlite3_int64 v = sqlite3_column_int64(st, col);
		if (declared_boolean(st, col) && (v == 0 || v == 1))
			lake_buf_addstr(b, v ? "true" : "false");
		else
			lake_buf_add_int(b, v);
		break;
	}
	case SQLITE_FLOAT: {
		lake_buf_add_double(b, sqlite3_column_double(st, col));
		break;
	}
	case SQLITE_TEXT:
		lake_buf_add_json_string_utf8(b, (const char *)sqlite3_column_text(st, col),
					      (size_t)sqlite3_column_bytes(st, col));
		break;
	case SQLITE_BLOB:
		lake_buf_add_base64(b, sqlite3_column_blob(st, col),
				    (size_t)sqlite3_column_bytes(st, col));
		break;
	default:
		lake_buf_addstr(b, "null");
	}
}

static int table_exists(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT 1 FROM sqlite_schema WHERE type IN ('table', 'view') AND "
			       "name = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static int land_rows(struct lake_put *p, sqlite3 *db, sqlite3_stmt *st, const char *path,
		     struct lake_error *e)
{
	struct lake_buf rec = LAKE_BUF_INIT, *names = NULL;
	int ncol = sqlite3_column_count(st), rc;
	uint64_t row = 0;

	names = lake_xcalloc((size_t)ncol + 1, sizeof *names);
	for (int i = 0; i < ncol; i++) {
		const char *n = sqlite3_column_name(st, i);
		lake_buf_add_json_string(&names[i], n, strlen(n));
		lake_buf_addc(&names[i], ':');
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (lake_interrupted()) {
			rc = lake_err(e, 128 + lake_interrupted(), "'%s': interrupted by signal %d",
				      path, lake_interrupted());
			goto out;
		}
		lake_buf_reset(&rec);
		lake_buf_addc(&rec, '{');
		for (int i = 0; i < ncol; i++) {
			if (i)
				lake_buf_addc(&rec, ',');
			lake_buf_add(&rec, names[i].data, names[i].len);
			add_value(&rec, st, i);
		}
		lake_buf_addc(&rec, '}');
		if (lake_put_record_json(p, rec.data, rec.len, ++row, e) < 0) {
			rc = -1;
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : source_fail(db, path, "cannot read rows", e);
out:
	for (int i = 0; i < ncol; i++)
		lake_buf_release(&names[i]);
	free(names);
	lake_buf_release(&rec);
	return rc;
}

int lake_put_from_sqlite(struct lake_put *p, const char *path, const char *table,
			 struct lake_error *e)
{
	struct lake_buf sql = LAKE_BUF_INIT;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc = -1;
	char *quoted;

	if (access(path, R_OK) < 0)
		return lake_err_sys(e, LAKE_EX_NOINPUT, "'%s'", path);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		source_fail(db, path, "cannot open", e);
		goto out;
	}
	sqlite3_busy_timeout(db, 10000);
	/* One read transaction: the snapshot every row comes from. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL, NULL) !=
		SQLITE_OK) {
		source_fail(db, path, "cannot start a read transaction", e);
		goto out;
	}
	if (!table_exists(db, table)) {
		lake_err(e, LAKE_EX_NOINPUT, "'%s': no table '%s' in this database", path, table);
		goto out;
	}
	quoted = sqlite3_mprintf("SELECT * FROM \"%w\"", table);
	lake_buf_addstr(&sql, quoted);
	sqlite3_free(quoted);
	if (sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) != SQLITE_OK) {
		source_fail(db, path, "cannot read the table", e);
		goto out;
	}
	lake_put_records_begin(p, path);
	if (land_rows(p, db, st, path, e) < 0)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	rc = lake_put_records_end(p, e);
out:
	sqlite3_finalize(st);
	if (db) {
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	lake_buf_release(&sql);
	return rc;
}
