#include "manage/maint.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "parquet/parquet.h"
#include "base/buf.h"
#include "store/catalog.h"
#include "store/table_move.h"
#include "store/snapshots.h"
#include "base/fsutil.h"
#include "formats/input.h"
#include "govern/audit.h"
#include "govern/grant.h"
#include "base/ltime.h"
#include "base/proc.h"

#define US_PER_SEC 1000000LL

/* ---- durations ---- */

int lake_duration_parse(const char *s, int64_t *us, struct lake_error *e)
{
	static const char units[] = "smhdw";
	static const int64_t secs[] = {1, 60, 3600, 86400, 604800};
	const char *u;
	char *end;
	long long n;

	errno = 0;
	n = (s[0] >= '0' && s[0] <= '9') ? strtoll(s, &end, 10) : -1;
	if (n < 0 || errno)
		goto bad;
	if (*end == '\0' && n == 0) {
		*us = 0;
		return 0;
	}
	/* A bare non-zero number is refused: "7" could mean days as well as seconds. */
	if (!*end || end[1] || !(u = strchr(units, *end)))
		goto bad;
	if (n > INT64_MAX / US_PER_SEC / secs[u - units])
		goto bad;
	*us = n * secs[u - units] * US_PER_SEC;
	return 0;
bad:
	return lake_err(e, LAKE_EX_USAGE,
			"'%s': not a duration; use a number and s, m, h, d or w, as in 7d, or 0",
			s);
}

/* ---- small helpers ---- */

static int prepare(struct lake *lake, const char *sql, sqlite3_stmt **st, struct lake_error *e)
{
	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog), sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
	}
	return 0;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

static int64_t file_size_or_zero(const char *abs)
{
	struct stat sb;

	return lstat(abs, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* ---- debris: stale tmp files, dead pending rows, old removed files ---- */

struct victim {
	const char *what; /* "file", "registration", "tmp", "pending" */
	char *path;	  /* relative to the lake */
	char *table;	  /* "db.table" for catalog rows, else NULL */
	int64_t id;	  /* the files row to delete; 0 for tmp files */
	int64_t bytes;
	int keep_file; /* another current row holds the same path: delete only the row */
	char *detail;
};

struct victims {
	struct victim *v;
	size_t n, cap;
};

static struct victim *victim_add(struct victims *vs, const char *what, const char *path)
{
	struct victim *v;

	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? 2 * vs->cap : 16;
		vs->v = lake_xrealloc(vs->v, vs->cap * sizeof *vs->v);
	}
	v = &vs->v[vs->n++];
	memset(v, 0, sizeof *v);
	v->what = what;
	v->path = lake_xstrdup(path);
	return v;
}

static void victims_release(struct victims *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].path);
		free(vs->v[i].table);
		free(vs->v[i].detail);
	}
	free(vs->v);
	memset(vs, 0, sizeof *vs);
}

static int64_t tmp_cutoff(int64_t age_us)
{
	return lake_time_now() -
	       (age_us > LAKE_MAINT_TMP_MIN_AGE_US ? age_us : LAKE_MAINT_TMP_MIN_AGE_US);
}

static int collect_stale_tmp(struct lake *lake, int64_t age_us, struct victims *vs,
			     struct lake_error *e)
{
	int64_t cutoff = tmp_cutoff(age_us);
	struct lake_buf p = LAKE_BUF_INIT;
	struct dirent *de;
	DIR *d;

	if (!(d = opendir(lake->tmpdir)))
		return lake_err_sys(e, LAKE_EX_IOERR, "'%s': cannot read directory", lake->tmpdir);
	while ((de = readdir(d))) {
		struct stat sb;
		int64_t mtime;

		/* A rename's or drop's intent is no debris: it is what settles the move. */
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    lake_table_move_is_intent(de->d_name))
			continue;
		lake_buf_reset(&p);
		lake_buf_addf(&p, "%s/%s", lake->tmpdir, de->d_name);
		if (lstat(p.data, &sb) < 0 || !S_ISREG(sb.st_mode))
			continue;
		mtime = (int64_t)sb.st_mtim.tv_sec * US_PER_SEC + sb.st_mtim.tv_nsec / 1000;
		if (mtime >= cutoff)
			continue;
		lake_buf_reset(&p);
		lake_buf_addf(&p, "tmp/%s", de->d_name);
		struct victim *v = victim_add(vs, "tmp", p.data);
		v->bytes = (int64_t)sb.st_size;
		v->detail = lake_xstrdup("left in tmp/ by a write that never finished");
	}
	closedir(d);
	lake_buf_release(&p);
	return 0;
}

static int collect_dead_pending(struct lake *lake, struct victims *vs, struct lake_error *e)
{
	struct lake_buf abs = LAKE_BUF_INIT;
	sqlite3_stmt *st;
	int rc;

	if (prepare(lake,
		    "SELECT f.id, f.path, f.writer_pid, d.name || '.' || t.name FROM files f "
		    "JOIN tables t ON t.id = f.table_id JOIN databases d ON d.id = t.database_id "
		    "WHERE f.state = 'pending' ORDER BY f.id",
		    &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pid = sqlite3_column_int64(st, 2);
		struct victim *v;
		char detail[96];

		if (sqlite3_column_type(st, 2) != SQLITE_NULL && lake_process_alive(pid))
			continue;
		v = victim_add(vs, "pending", col_text(st, 1));
		v->id = sqlite3_column_int64(st, 0);
		v->table = lake_xstrdup(col_text(st, 3));
		lake_buf_reset(&abs);
		lake_path(lake, &abs, v->path);
		v->bytes = file_size_or_zero(abs.data);
		snprintf(detail, sizeof detail, "pending since its writer (pid %" PRId64 ") died",
			 pid);
		v->detail = lake_xstrdup(detail);
	}
	sqlite3_finalize(st);
	lake_buf_release(&abs);
	if (rc != SQLITE_DONE)
		return lake_catalog_fail(lake->catalog, "cannot read pending files", e);
	return 0;
}

static int path_lookup(struct lake *lake, const char *sql, const char *path, int *current,
		       struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(lake, sql, &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lake_catalog_fail(lake->catalog, "cannot look up a file", e);
	*current = rc == SQLITE_ROW;
	return 0;
}

/* Registered now (live or pending). */
static int path_is_current(struct lake *lake, const char *path, int *current, struct lake_error *e)
{
	return path_lookup(lake, "SELECT 1 FROM files WHERE path = ? AND state <> 'removed'", path,
			   current, e);
}

/* Registered now, or replaced and kept for older snapshots until vacuum: no orphan. */
static int path_is_known(struct lake *lake, const char *path, int *known, struct lake_error *e)
{
	return path_lookup(lake,
			   "SELECT 1 FROM files WHERE path = ? AND (state <> 'removed' OR "
			   "replaced = 1)",
			   path, known, e);
}

/* Files removed from their table before the cutoff; a row without a readable time is kept. */
static int collect_removed(struct lake *lake, int64_t older_than_us, struct victims *vs,
			   struct lake_error *e)
{
	int64_t cutoff = lake_time_now() - older_than_us, when;
	struct lake_buf abs = LAKE_BUF_INIT;
	sqlite3_stmt *st;
	int rc, ret = -1;

	if (prepare(lake,
		    "SELECT f.id, f.path, f.removed, d.name || '.' || t.name FROM files f "
		    "JOIN tables t ON t.id = f.table_id JOIN databases d ON d.id = t.database_id "
		    "WHERE f.state = 'removed' ORDER BY f.id",
		    &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *removed = col_text(st, 2);
		struct victim *v;

		if (lake_time_parse(removed, strlen(removed), &when) == LAKE_TIME_NONE ||
		    when > cutoff)
			continue;
		v = victim_add(vs, "file", col_text(st, 1));
		v->id = sqlite3_column_int64(st, 0);
		v->table = lake_xstrdup(col_text(st, 3));
		if (path_is_current(lake, v->path, &v->keep_file, e) < 0)
			goto out;
		/* Only the old registration of a file changed in place goes; say so. */
		if (v->keep_file)
			v->what = "registration";
		lake_buf_reset(&abs);
		lake_path(lake, &abs, v->path);
		v->bytes = v->keep_file ? 0 : file_size_or_zero(abs.data);
	}
	if (rc != SQLITE_DONE) {
		lake_catalog_fail(lake->catalog, "cannot read removed files", e);
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	lake_buf_release(&abs);
	return ret;
}

static int delete_rows(struct lake *lake, const struct victims *vs, struct lake_error *e)
{
	sqlite3_stmt *st;

	if (prepare(lake, "DELETE FROM files WHERE id = ? AND state IN ('pending', 'removed')", &st,
		    e) < 0)
		return -1;
	for (size_t i = 0; i < vs->n; i++) {
		if (!vs->v[i].id)
			continue;
		/* Once its row is gone, nothing tells which versions the file was part of. */
		if (lake_snapshots_forget_file(lake->catalog, vs->v[i].id, e) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, vs->v[i].id);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return lake_catalog_fail(lake->catalog, "cannot delete a file's row", e);
		}
	}
	sqlite3_finalize(st);
	return 0;
}

/*
 * Unlink every victim's file, remembering once each parent directory an
 * entry was removed from, for the fsync.  A file already gone changed no
 * directory: a writer killed before its first rename leaves a pending row
 * whose directory may never have been made, and vacuum's work is then
 * only the row.
 */
static int unlink_files(struct lake *lake, const struct victims *vs, struct victims *dirs,
			struct lake_error *e)
{
	struct lake_buf abs = LAKE_BUF_INIT, dir = LAKE_BUF_INIT;
	int ret = 0;

	for (size_t i = 0; i < vs->n && ret == 0; i++) {
		size_t j;

		if (vs->v[i].keep_file)
			continue;
		lake_buf_reset(&abs);
		lake_path(lake, &abs, vs->v[i].path);
		if (unlink(abs.data) < 0) {
			if (errno == ENOENT)
				continue;
			ret = lake_err_sys(e, LAKE_EX_IOERR, "'%s': cannot remove", abs.data);
			break;
		}
		lake_buf_reset(&dir);
		lake_parent_dir(abs.data, &dir);
		for (j = 0; j < dirs->n && strcmp(dirs->v[j].path, dir.data) != 0; j++)
			;
		if (j == dirs->n)
			victim_add(dirs, "dir", dir.data);
	}
	lake_buf_release(&abs);
	lake_buf_release(&dir);
	return ret;
}

/* Inside the caller's transaction: delete the rows, unlink, commit, fsync the directories. */
static int remove_victims(struct lake *lake, const struct victims *vs, struct lake_error *e)
{
	struct victims dirs = {0};
	int ret = -1;

	if (delete_rows(lake, vs, e) < 0 || unlink_files(lake, vs, &dirs, e) < 0) {
		lake_catalog_rollback(lake->catalog);
		goto out;
	}
	if (lake_catalog_commit(lake->catalog, e) < 0)
		goto out;
	for (size_t i = 0; i < dirs.n; i++)
		if (lake_fsync_dir(dirs.v[i].path, e) < 0)
			goto out;
	ret = 0;
out:
	victims_release(&dirs);
	return ret;
}

/* ---- check ---- */

struct check {
	struct lake *lake;
	const struct lake_check_options *o;
	lake_maint_problem_fn fn;
	void *arg;
	struct lake_check_totals *t;
	struct lake_error *e;
};

static int report(struct check *c, const char *problem, const char *path, const char *table,
		  const char *detail, int repaired)
{
	struct lake_maint_problem p = {problem, path, table, detail, repaired};

	c->t->problems++;
	c->t->repaired += repaired != 0;
	if (c->fn(&p, c->arg) != 0) {
		lake_error_clear(c->e);
		return -1;
	}
	return 0;
}

/* Decompress the whole file: lake_input verifies every frame's content checksum. */
static int verify_zstd(const char *abs, struct lake_error *why)
{
	static char buf[1 << 16];
	struct lake_input *in;
	ssize_t n;
	int ret = -1;

	if (lake_input_open(abs, &in, why) < 0)
		return -1;
	while ((n = lake_input_read(in, buf, sizeof buf, 0, why)) > 0)
		;
	if (n == 0 && !lake_input_is_zstd(in))
		lake_err(why, LAKE_EX_DATAERR, "'%s': not zstd data", abs);
	else if (n == 0)
		ret = 0;
	lake_input_close(in);
	return ret;
}

/* Parquet has no checksum of its own to check: its footer, at least, must make sense. */
static int verify_parquet(const char *abs, struct lake_error *why)
{
	struct lake_parquet_file *f;

	if (lake_parquet_open(abs, &f, why) < 0)
		return -1;
	lake_parquet_close(f);
	return 0;
}

/* The record names the file already: drop the "'PATH': " that starts a library message. */
static const char *without_subject(const char *msg, const char *abs)
{
	size_t n = strlen(abs);

	if (msg[0] == '\'' && strncmp(msg + 1, abs, n) == 0 && strncmp(msg + 1 + n, "': ", 3) == 0)
		return msg + n + 4;
	return msg;
}

static int check_one(struct check *c, sqlite3_stmt *st)
{
	const char *path = col_text(st, 0), *table = col_text(st, 3);
	int64_t bytes = sqlite3_column_int64(st, 1);
	struct lake_buf abs = LAKE_BUF_INIT;
	struct lake_error why = {0};
	char detail[1200];
	struct stat sb;
	int ret = 0;

	lake_path(c->lake, &abs, path);
	c->t->files++;
	if (lstat(abs.data, &sb) < 0) {
		snprintf(detail, sizeof detail, "registered live but %s", strerror(errno));
		ret = report(c, "missing", path, table, detail, 0);
		goto out;
	}
	if ((int64_t)sb.st_size != bytes) {
		snprintf(detail, sizeof detail, "%lld bytes on disk, the catalog says %lld",
			 (long long)sb.st_size, (long long)bytes);
		if ((ret = report(c, "size", path, table, detail, 0)) < 0)
			goto out;
	}
	if (strcmp(col_text(st, 2), "zstd") == 0 && verify_zstd(abs.data, &why) < 0)
		ret = report(c, "checksum", path, table, without_subject(why.msg, abs.data), 0);
	else if (strcmp(col_text(st, 4), "parquet") == 0 && verify_parquet(abs.data, &why) < 0)
		ret = report(c, "corrupt", path, table, without_subject(why.msg, abs.data), 0);
out:
	lake_buf_release(&abs);
	return ret;
}

static int check_live(struct check *c)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(c->lake,
		    "SELECT f.path, f.bytes, f.compression, d.name || '.' || t.name, f.format "
		    "FROM files f "
		    "JOIN tables t ON t.id = f.table_id JOIN databases d ON d.id = t.database_id "
		    "WHERE f.state = 'live' ORDER BY f.path",
		    &st, c->e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (check_one(c, st) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lake_catalog_fail(c->lake->catalog, "cannot read live files", c->e);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* rel is "data/…"; walk it depth first, in name order so reports are stable. */
static int walk_orphans(struct check *c, struct lake_buf *rel)
{
	struct lake_buf abs = LAKE_BUF_INIT;
	struct dirent **names = NULL;
	size_t len = rel->len;
	int n, ret = 0;

	lake_path(c->lake, &abs, rel->data);
	if ((n = scandir(abs.data, &names, NULL, by_name)) < 0) {
		ret = lake_err_sys(c->e, LAKE_EX_IOERR, "'%s': cannot read directory", abs.data);
		goto out;
	}
	for (int i = 0; i < n && ret == 0; i++) {
		const char *name = names[i]->d_name;
		struct stat sb;
		int current = 0;

		/* Names the crawler and other engines ignore (_SUCCESS, .crc) are no orphans. */
		if (name[0] == '.' || name[0] == '_')
			continue;
		rel->len = len;
		lake_buf_addf(rel, "/%s", name);
		lake_buf_reset(&abs);
		lake_path(c->lake, &abs, rel->data);
		if (lstat(abs.data, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			ret = walk_orphans(c, rel);
		else if (S_ISREG(sb.st_mode) &&
			 (ret = path_is_known(c->lake, rel->data, &current, c->e)) == 0 && !current)
			ret = report(c, "orphan", rel->data, NULL,
				     c->o->repair ? "not in the catalog; left for lake-crawl to "
						    "register"
						  : "not in the catalog",
				     0);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
out:
	rel->len = len;
	rel->data[len] = '\0';
	lake_buf_release(&abs);
	return ret;
}

static int check_debris(struct check *c)
{
	struct victims vs = {0};
	int ret = -1;

	if (c->o->repair && lake_catalog_begin(c->lake->catalog, c->e) < 0)
		return -1;
	if (collect_stale_tmp(c->lake, c->o->tmp_age_us, &vs, c->e) < 0 ||
	    collect_dead_pending(c->lake, &vs, c->e) < 0) {
		lake_catalog_rollback(c->lake->catalog);
		goto out;
	}
	if (c->o->repair && remove_victims(c->lake, &vs, c->e) < 0)
		goto out;
	for (size_t i = 0; i < vs.n; i++) {
		const struct victim *v = &vs.v[i];
		if (report(c, strcmp(v->what, "tmp") == 0 ? "stale-tmp" : "dead-pending", v->path,
			   v->table, v->detail, c->o->repair) < 0)
			goto out;
	}
	ret = 0;
out:
	victims_release(&vs);
	return ret;
}

static int report_move(const struct lake_table_move_found *f, void *arg)
{
	struct check *c = arg;
	char detail[1200];

	if (!f->from)
		snprintf(detail, sizeof detail,
			 "an intent cut short when its writer (pid %lld) died", (long long)f->pid);
	else if (f->drop)
		snprintf(detail, sizeof detail, "the drop of '%s' by pid %lld, which died", f->from,
			 (long long)f->pid);
	else
		snprintf(detail, sizeof detail,
			 "the rename of '%s' to '%s' by pid %lld, which died", f->from, f->to,
			 (long long)f->pid);
	return report(c, "unfinished-move", f->intent, NULL, detail, f->settled);
}

/*
 * A rename or drop whose program died and that lake_open could not
 * settle (see store/table_move.h); --repair settles it, first, so that the
 * files checked next are where the catalog says.
 */
static int check_moves(struct check *c)
{
	return lake_table_moves_recover(c->lake, c->o->repair, report_move, c, c->e);
}

int lake_maint_check(struct lake *lake, const struct lake_check_options *o,
		     lake_maint_problem_fn fn, void *arg, struct lake_check_totals *totals,
		     struct lake_error *e)
{
	struct check c = {lake, o, fn, arg, totals, e};
	struct lake_buf rel = LAKE_BUF_INIT;
	int ret;

	if (lake_require_admin(lake, "check", e) < 0)
		return -1;
	memset(totals, 0, sizeof *totals);
	lake_buf_addstr(&rel, "data");
	ret = -1;
	if (check_moves(&c) == 0 && lake_maint_check_versions(lake, o, fn, arg, totals, e) == 0 &&
	    check_live(&c) == 0 && walk_orphans(&c, &rel) == 0 && check_debris(&c) == 0)
		ret = 0;
	lake_buf_release(&rel);
	return ret;
}

/* ---- vacuum ---- */

int lake_maint_vacuum(struct lake *lake, const struct lake_vacuum_options *o,
		      lake_maint_removal_fn fn, void *arg, struct lake_error *e)
{
	struct victims vs = {0};
	int ret = -1;

	if (lake_require_admin(lake, "vacuum", e) < 0)
		return -1;
	if (!o->dry_run && lake_catalog_begin(lake->catalog, e) < 0)
		return -1;
	if (collect_removed(lake, o->older_than_us, &vs, e) < 0 ||
	    collect_stale_tmp(lake, o->older_than_us, &vs, e) < 0 ||
	    collect_dead_pending(lake, &vs, e) < 0) {
		lake_catalog_rollback(lake->catalog);
		goto out;
	}
	if (!o->dry_run && remove_victims(lake, &vs, e) < 0)
		goto out;
	for (size_t i = 0; i < vs.n; i++) {
		struct lake_maint_removal r = {vs.v[i].what, vs.v[i].path, vs.v[i].bytes};
		if (fn(&r, arg) != 0) {
			lake_error_clear(e);
			goto out;
		}
	}
	ret = 0;
out:
	victims_release(&vs);
	return ret;
}

/* ---- stats ---- */

static json_t *rows_per_day(struct lake *lake, int64_t table_id, const char *since, int64_t *total,
			    struct lake_error *e)
{
	json_t *days = json_object();
	sqlite3_stmt *st;
	int rc;

	*total = 0;
	if (prepare(lake,
		    "SELECT substr(created, 1, 10) AS day, sum(rows_added) FROM table_versions "
		    "WHERE table_id = ? AND substr(created, 1, 10) >= ? GROUP BY day ORDER BY day",
		    &st, e) < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, table_id);
	sqlite3_bind_text(st, 2, since, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t n = sqlite3_column_int64(st, 1);
		if (n == 0)
			continue;
		*total += n;
		json_object_set_new(days, col_text(st, 0), json_integer(n));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return days;
	lake_catalog_fail(lake->catalog, "cannot read table versions", e);
fail:
	json_decref(days);
	return NULL;
}

static json_t *table_stats(struct lake *lake, sqlite3_stmt *st, const char *since,
			   struct lake_error *e)
{
	int64_t nfiles = sqlite3_column_int64(st, 4), bytes = sqlite3_column_int64(st, 6);
	int64_t raw = sqlite3_column_int64(st, 7), nraw = sqlite3_column_int64(st, 8), total;
	int raw_known = nfiles > 0 && nraw == nfiles;
	json_t *days, *rec;

	if (!(days = rows_per_day(lake, sqlite3_column_int64(st, 2), since, &total, e)))
		return NULL;
	rec = json_pack("{s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:o}", "database",
			col_text(st, 0), "table", col_text(st, 1), "files", (json_int_t)nfiles,
			"rows", (json_int_t)sqlite3_column_int64(st, 5), "bytes", (json_int_t)bytes,
			"raw_bytes", raw_known ? json_integer(raw) : json_null(), "ratio",
			raw_known && bytes > 0 ? json_real(round(100.0 * raw / bytes) / 100)
					       : json_null(),
			"versions", (json_int_t)sqlite3_column_int64(st, 3), "rows_30d",
			(json_int_t)total, "rows_per_day", days);
	return rec;
}

struct use {
	const char *table;
	json_t *by_principal; /* {"user:x": {"queries": n, "rows_read": n}} */
	const char *only;     /* count only this principal's events; NULL: everyone's */
};

static int count_use(json_t *ev, void *arg)
{
	struct use *u = arg;
	json_t *read = json_object_get(json_object_get(ev, "reads"), u->table);
	const char *who = json_string_value(json_object_get(ev, "principal"));

	if (!read || !who || (u->only && strcmp(who, u->only) != 0))
		return 0;
	json_t *p = json_object_get(u->by_principal, who);
	if (!p) {
		p = json_pack("{s:i, s:i}", "queries", 0, "rows_read", 0);
		json_object_set_new(u->by_principal, who, p);
	}
	json_object_set_new(p, "queries",
			    json_integer(json_integer_value(json_object_get(p, "queries")) + 1));
	json_object_set_new(p, "rows_read",
			    json_integer(json_integer_value(json_object_get(p, "rows_read")) +
					 json_integer_value(json_object_get(read, "rows"))));
	return 0;
}

/*
 * Queries and rows read per principal over the period, from the audit
 * log.  Who reads what is the administrators' to know: anyone else gets
 * its own use only, in the totals too.
 */
static void add_use(struct lake *lake, json_t *rec, const char *since)
{
	struct lake_buf table = LAKE_BUF_INIT;
	struct lake_error ignored = {0};
	struct use u;
	json_int_t queries = 0, rows = 0;
	const char *key;
	json_t *v;

	lake_buf_addf(&table, "%s.%s", json_string_value(json_object_get(rec, "database")),
		      json_string_value(json_object_get(rec, "table")));
	u.table = table.data;
	u.by_principal = json_object();
	u.only = lake_identity(lake)->admin ? NULL : lake_identity(lake)->name;
	lake_audit_read(lake, since, NULL, NULL, count_use, &u, &ignored);
	json_object_foreach(u.by_principal, key, v)
	{
		queries += json_integer_value(json_object_get(v, "queries"));
		rows += json_integer_value(json_object_get(v, "rows_read"));
	}
	json_object_set_new(rec, "queries_30d", json_integer(queries));
	json_object_set_new(rec, "rows_read_30d", json_integer(rows));
	json_object_set_new(rec, "use_30d", u.by_principal);
	lake_buf_release(&table);
}

int lake_maint_stats(struct lake *lake, int64_t now_us, lake_maint_record_fn fn, void *arg,
		     struct lake_error *e)
{
	char since[16];
	sqlite3_stmt *st;
	int rc, ret = -1;

	/* The 30 days up to and including today. */
	lake_time_format_date(now_us - 29 * 86400 * US_PER_SEC, since);
	if (prepare(
		lake,
		"SELECT d.name, t.name, t.id, t.version, count(f.id), coalesce(sum(f.rows), 0), "
		"coalesce(sum(f.bytes), 0), coalesce(sum(f.raw_bytes), 0), count(f.raw_bytes) "
		"FROM tables t JOIN databases d ON d.id = t.database_id "
		"LEFT JOIN files f ON f.table_id = t.id AND f.state = 'live' "
		"GROUP BY t.id ORDER BY d.name, t.name",
		&st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!lake_may_describe(lake, (const char *)sqlite3_column_text(st, 0),
				       (const char *)sqlite3_column_text(st, 1)))
			continue;
		json_t *rec = table_stats(lake, st, since, e);
		int stop;

		if (!rec)
			goto out;
		add_use(lake, rec, since);
		stop = fn(rec, arg);
		json_decref(rec);
		if (stop) {
			lake_error_clear(e);
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		lake_catalog_fail(lake->catalog, "cannot read tables", e);
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* ---- export and import ---- */

/* Parents before children, so that an import satisfies every foreign key as it goes. */
static const char *const catalog_tables[] = {
    "databases",	 "tables",	  "table_versions", "partitions", "files",
    "file_column_stats", "classifiers",	  "jobs",	    "job_runs",	  "bookmarks",
    "principals",	 "group_members", "data_filters",   "grants",
};
#define N_CATALOG_TABLES (sizeof catalog_tables / sizeof catalog_tables[0])

static json_t *blob_value(const unsigned char *p, int n)
{
	static const char hex[] = "0123456789abcdef";
	struct lake_buf b = LAKE_BUF_INIT;
	json_t *v;

	lake_buf_addstr(&b, "");
	for (int i = 0; i < n; i++) {
		lake_buf_addc(&b, hex[p[i] >> 4]);
		lake_buf_addc(&b, hex[p[i] & 15]);
	}
	v = json_pack("{s:s}", "blob", b.data);
	lake_buf_release(&b);
	return v;
}

static json_t *column_value(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_TEXT:
		return json_stringn((const char *)sqlite3_column_text(st, i),
				    (size_t)sqlite3_column_bytes(st, i));
	case SQLITE_BLOB:
		return blob_value(sqlite3_column_blob(st, i), sqlite3_column_bytes(st, i));
	default:
		return json_null();
	}
}

static int export_table(struct lake *lake, const char *table, lake_maint_record_fn fn, void *arg,
			struct lake_error *e)
{
	sqlite3_stmt *st;
	char sql[128];
	int rc, ret = -1;

	snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY rowid", table);
	if (prepare(lake, sql, &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_object(), *rec;
		int stop = 0;

		for (int i = 0; i < sqlite3_column_count(st); i++) {
			json_t *v = column_value(st, i);
			if (!v) {
				json_decref(row);
				lake_err(e, LAKE_EX_DATAERR,
					 "catalog table '%s': column '%s' holds text that is not "
					 "UTF-8",
					 table, sqlite3_column_name(st, i));
				goto out;
			}
			json_object_set_new(row, sqlite3_column_name(st, i), v);
		}
		rec = json_pack("{s:s, s:o}", "table", table, "row", row);
		stop = fn(rec, arg);
		json_decref(rec);
		if (stop) {
			lake_error_clear(e);
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int lake_maint_export(struct lake *lake, lake_maint_record_fn fn, void *arg, struct lake_error *e)
{
	sqlite3 *db = lake_catalog_db(lake->catalog);
	json_t *hdr;
	int stop, ret = -1;

	if (lake_require_admin(lake, "export", e) < 0)
		return -1;
	/* A read transaction: every table is read from the same snapshot. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return lake_catalog_fail(lake->catalog, "cannot start a transaction", e);
	hdr = json_pack("{s:i, s:i}", "lake_catalog_export", 1, "schema_version",
			LAKE_CATALOG_SCHEMA_VERSION);
	stop = fn(hdr, arg);
	json_decref(hdr);
	if (stop) {
		lake_error_clear(e);
		goto out;
	}
	for (size_t i = 0; i < N_CATALOG_TABLES; i++)
		if (export_table(lake, catalog_tables[i], fn, arg, e) < 0)
			goto out;
	ret = 0;
out:
	lake_catalog_rollback(lake->catalog);
	return ret;
}

static int catalog_is_empty(struct lake *lake, int *empty, struct lake_error *e)
{
	*empty = 1;
	for (size_t i = 0; i < N_CATALOG_TABLES && *empty; i++) {
		sqlite3_stmt *st;
		char sql[128];
		int rc;

		snprintf(sql, sizeof sql, "SELECT 1 FROM \"%s\" LIMIT 1", catalog_tables[i]);
		if (prepare(lake, sql, &st, e) < 0)
			return -1;
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
		*empty = rc == SQLITE_DONE;
	}
	return 0;
}

struct import {
	struct lake *lake;
	const char *name;
	uint64_t line;
	struct lake_error *e;
};

static int bad_line(struct import *im, const char *what)
{
	return lake_err(im->e, LAKE_EX_DATAERR, "%s:%" PRIu64 ": %s", im->name, im->line, what);
}

static int check_header(struct import *im, json_t *hdr)
{
	json_t *fmt = json_object_get(hdr, "lake_catalog_export");
	json_t *ver = json_object_get(hdr, "schema_version");
	char msg[160];

	if (!json_is_object(hdr) || !json_is_integer(fmt) || json_integer_value(fmt) != 1 ||
	    !json_is_integer(ver))
		return bad_line(im, "not a lake catalog export: the first line must be "
				    "{\"lake_catalog_export\":1,\"schema_version\":N}");
	if (json_integer_value(ver) != LAKE_CATALOG_SCHEMA_VERSION) {
		snprintf(msg, sizeof msg,
			 "export of catalog schema %" JSON_INTEGER_FORMAT
			 ", this lake has schema %d; export and import with the same version",
			 json_integer_value(ver), LAKE_CATALOG_SCHEMA_VERSION);
		return bad_line(im, msg);
	}
	return 0;
}

static int known_table(const char *t)
{
	for (size_t i = 0; i < N_CATALOG_TABLES; i++)
		if (strcmp(catalog_tables[i], t) == 0)
			return 1;
	return 0;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* {"blob":"HEX"} as export writes it; -1 for any other object. */
static int bind_blob(sqlite3_stmt *st, int i, json_t *v)
{
	const char *hex = json_string_value(json_object_get(v, "blob"));
	size_t n = hex ? strlen(hex) : 1;
	unsigned char *p;

	if (json_object_size(v) != 1 || n % 2)
		return -1;
	p = lake_xmalloc(n / 2 + 1);
	for (size_t k = 0; k < n / 2; k++) {
		int hi = hex_digit(hex[2 * k]), lo = hex_digit(hex[2 * k + 1]);
		if (hi < 0 || lo < 0) {
			free(p);
			return -1;
		}
		p[k] = (unsigned char)(hi << 4 | lo);
	}
	sqlite3_bind_blob(st, i, p, (int)(n / 2), free);
	return 0;
}

static int bind_value(sqlite3_stmt *st, int i, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		return sqlite3_bind_int64(st, i, json_integer_value(v)) == SQLITE_OK ? 0 : -1;
	case JSON_REAL:
		return sqlite3_bind_double(st, i, json_real_value(v)) == SQLITE_OK ? 0 : -1;
	case JSON_STRING:
		return sqlite3_bind_text(st, i, json_string_value(v), (int)json_string_length(v),
					 SQLITE_TRANSIENT) == SQLITE_OK
			   ? 0
			   : -1;
	case JSON_NULL:
		return sqlite3_bind_null(st, i) == SQLITE_OK ? 0 : -1;
	case JSON_OBJECT:
		return bind_blob(st, i, v);
	default:
		return -1;
	}
}

static int insert_row(struct import *im, const char *table, json_t *row)
{
	struct lake_buf sql = LAKE_BUF_INIT;
	sqlite3 *db = lake_catalog_db(im->lake->catalog);
	sqlite3_stmt *st = NULL;
	const char *key;
	json_t *v;
	char msg[600];
	int i = 0, ret = -1;

	lake_buf_addf(&sql, "INSERT INTO \"%s\"(", table);
	json_object_foreach(row, key, v)
	{
		char *q = sqlite3_mprintf("%s\"%w\"", i++ ? "," : "", key);
		lake_buf_addstr(&sql, q);
		sqlite3_free(q);
	}
	lake_buf_addstr(&sql, ") VALUES (");
	for (int k = 0; k < i; k++)
		lake_buf_addstr(&sql, k ? ",?" : "?");
	lake_buf_addstr(&sql, ")");
	if (i == 0 || sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) != SQLITE_OK) {
		snprintf(msg, sizeof msg, "table '%s': %s", table,
			 i ? sqlite3_errmsg(db) : "the row has no columns");
		bad_line(im, msg);
		goto out;
	}
	i = 0;
	json_object_foreach(row, key, v)
	{
		if (bind_value(st, ++i, v) < 0) {
			snprintf(msg, sizeof msg, "table '%s': column '%s': not a catalog value",
				 table, key);
			bad_line(im, msg);
			goto out;
		}
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		snprintf(msg, sizeof msg, "table '%s': %s", table, sqlite3_errmsg(db));
		bad_line(im, msg);
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	lake_buf_release(&sql);
	return ret;
}

static int import_line(struct import *im, const char *text)
{
	json_error_t jerr;
	json_t *rec = json_loads(text, JSON_REJECT_DUPLICATES, &jerr), *row;
	const char *table;
	char msg[300];
	int ret = -1;

	if (!rec) {
		snprintf(msg, sizeof msg, "not JSON: %s", jerr.text);
		return bad_line(im, msg);
	}
	if (im->line == 1) {
		ret = check_header(im, rec);
		goto out;
	}
	table = json_string_value(json_object_get(rec, "table"));
	row = json_object_get(rec, "row");
	if (!json_is_object(rec) || json_object_size(rec) != 2 || !table || !json_is_object(row))
		bad_line(im, "expected {\"table\":NAME,\"row\":{...}}");
	else if (!known_table(table)) {
		snprintf(msg, sizeof msg, "'%s' is not a catalog table", table);
		bad_line(im, msg);
	} else
		ret = insert_row(im, table, row);
out:
	json_decref(rec);
	return ret;
}

static int import_lines(struct import *im, FILE *fp)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	while (ret == 0 && (n = getline(&line, &cap, fp)) >= 0) {
		im->line++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if ((size_t)n != strlen(line))
			ret = bad_line(im, "a NUL byte in the line");
		else
			ret = import_line(im, line);
	}
	if (ret == 0 && ferror(fp))
		ret = lake_err_sys(im->e, LAKE_EX_IOERR, "'%s': read failed", im->name);
	else if (ret == 0 && im->line == 0)
		ret = lake_err(im->e, LAKE_EX_DATAERR, "%s: empty input, not a catalog export",
			       im->name);
	free(line);
	return ret;
}

int lake_maint_import(struct lake *lake, FILE *fp, const char *name, uint64_t *rows,
		      struct lake_error *e)
{
	struct import im = {lake, name, 0, e};
	int empty;

	if (lake_require_admin(lake, "import", e) < 0)
		return -1;
	if (lake_catalog_begin(lake->catalog, e) < 0)
		return -1;
	if (catalog_is_empty(lake, &empty, e) < 0)
		goto fail;
	if (!empty) {
		lake_err(
		    e, LAKE_EX_CANTCREAT,
		    "'%s': catalog not empty; import into a new lake ('lake-catalog init DIR')",
		    lake->dir);
		goto fail;
	}
	if (import_lines(&im, fp) < 0)
		goto fail;
	*rows = im.line ? im.line - 1 : 0;
	return lake_catalog_commit(lake->catalog, e);
fail:
	lake_catalog_rollback(lake->catalog);
	return -1;
}
