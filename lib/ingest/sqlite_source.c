#include "ingest/sqlite_source.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/interrupt.h"
#include "ingest/put_internal.h"
#include "store/sqlite_setup.h"

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

/*
 * The file the user named, opened with the user's own rights (the
 * programs may run setgid: lake_open_user_file) and never through a
 * symbolic link; *st gets what it is.  It must be a regular file and
 * none of the lake's own (catalog.db would hand over every grant, filter
 * and hidden statistic).
 */
static int open_source(struct lake *lake, const char *path, struct stat *st, struct lake_error *e)
{
	struct lake_buf link = LAKE_BUF_INIT;
	char real[PATH_MAX];
	ssize_t n;
	int fd = lake_open_user_file(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return lake_err_sys(
		    e, errno == ELOOP ? LAKE_EX_NOPERM : lake_exit_for_errno(errno), "'%s'%s", path,
		    errno == ELOOP ? ": a symbolic link (name the file itself)" : "");
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return lake_err(e, LAKE_EX_NOINPUT, "'%s': not a regular file", path);
	}
	/* Where the opened file really is, whatever path led to it. */
	lake_buf_addf(&link, "/proc/self/fd/%d", fd);
	n = readlink(link.data, real, sizeof real - 1);
	lake_buf_release(&link);
	close(fd);
	if (n < 0)
		return lake_err_sys(e, LAKE_EX_IOERR, "'%s': cannot tell where it is", path);
	real[n] = '\0';
	char *home = realpath(lake->dir, NULL);
	size_t len = home ? strlen(home) : 0;
	int inside = home && strncmp(real, home, len) == 0 && (real[len] == '/' || !real[len]);
	free(home);
	if (inside)
		return lake_err(
		    e, LAKE_EX_NOPERM,
		    "'%s': a file of the lake itself; --from-sqlite lands other databases", path);
	return 0;
}

/*
 * SQLite opens the path again itself.  So that it opens what
 * open_source() checked: no URI (Debian's SQLite reads "file:..." as
 * one, which a relative path may spell), no symbolic link on the way
 * (SQLITE_OPEN_NOFOLLOW), and the same file afterwards (dev, inode).
 */
static int open_database(const char *path, const struct stat *checked, sqlite3 **db,
			 struct lake_error *e)
{
	struct lake_buf name = LAKE_BUF_INIT;
	struct stat now;
	const char *opened;

	if (path[0] != '/')
		lake_buf_addstr(&name, "./");
	lake_buf_addstr(&name, path);
	if (sqlite3_open_v2(name.data, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) !=
	    SQLITE_OK) {
		lake_buf_release(&name);
		return source_fail(*db, path, "cannot open", e);
	}
	lake_buf_release(&name);
	lake_sqlite_setup(*db, 1);
	opened = sqlite3_db_filename(*db, "main");
	if (!opened || stat(opened, &now) < 0 || now.st_dev != checked->st_dev ||
	    now.st_ino != checked->st_ino)
		return lake_err(e, LAKE_EX_NOPERM, "'%s': the file changed while it was opened",
				path);
	return 0;
}

int lake_put_from_sqlite(struct lake_put *p, const char *path, const char *table,
			 struct lake_error *e)
{
	struct lake_buf sql = LAKE_BUF_INIT;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	struct stat checked;
	int rc = -1;
	char *quoted;

	if (open_source(p->lake, path, &checked, e) < 0 ||
	    open_database(path, &checked, &db, e) < 0)
		goto out;
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
