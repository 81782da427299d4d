/*
 * check_versions.c - `lake-catalog check` of the table versions (maint.h).
 *
 * A table's version must be the newest version anything of it records,
 * and every version up to it must have its history row.  A file added
 * above the version is invisible to queries, a file removed above it is
 * still read, and the next commit collides with the history row already
 * there (every later lake-put of the table fails).  A writer that wrote
 * back a version it had read before its transaction left exactly that.
 *
 * Everything is read in one transaction, so that a commit made during
 * the check is never mistaken for damage; --repair changes the catalog in
 * that same transaction, and reports only after it committed.
 */
#include "manage/maint.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/ltime.h"
#include "govern/grant.h"
#include "store/catalog.h"

/* Ranges of versions listed in one record before "…". */
#define MAX_RANGES 10

/* One record, kept until the transaction is over. */
struct finding {
	const char *problem;
	char *path;
	char *table;
	char *detail;
};

struct findings {
	struct finding *v;
	size_t n;
};

/* A table, and the newest version its files and history record. */
struct table_state {
	int64_t id;
	char *name; /* "db.table" */
	char *location;
	int64_t version;
	int64_t reached;
};

struct versions_check {
	struct lake *lake;
	int repair;
	struct findings found;
	struct lake_error *e;
};

static sqlite3 *db_of(const struct versions_check *vc)
{
	return lake_catalog_db(vc->lake->catalog);
}

static int prepare(struct versions_check *vc, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db_of(vc), sql, -1, st, NULL) != SQLITE_OK)
		return lake_catalog_fail(vc->lake->catalog, "cannot check the table versions",
					 vc->e);
	return 0;
}

static void add_finding(struct versions_check *vc, const char *problem, const char *path,
			const char *table, struct lake_buf *detail)
{
	struct findings *f = &vc->found;
	struct finding *x;

	f->v = lake_xrealloc(f->v, (f->n + 1) * sizeof *f->v);
	x = &f->v[f->n++];
	x->problem = problem;
	x->path = lake_xstrdup(path);
	x->table = lake_xstrdup(table);
	x->detail = lake_buf_detach(detail);
}

static void findings_release(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].table);
		free(f->v[i].detail);
	}
	free(f->v);
	memset(f, 0, sizeof *f);
}

/* ---- what the catalog says ---- */

static int load_tables(struct versions_check *vc, struct table_state **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (prepare(vc,
		    "SELECT t.id, d.name || '.' || t.name, t.location, t.version, max(t.version, "
		    "coalesce((SELECT max(version) FROM table_versions WHERE table_id = t.id), 0), "
		    "coalesce((SELECT max(added_version) FROM files WHERE table_id = t.id AND "
		    "state <> 'pending'), 0), coalesce((SELECT max(removed_version) FROM files "
		    "WHERE table_id = t.id), 0)) FROM tables t JOIN databases d ON d.id = "
		    "t.database_id ORDER BY d.name, t.name",
		    &st) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct table_state *t;
		*out = lake_xrealloc(*out, (*n + 1) * sizeof **out);
		t = &(*out)[(*n)++];
		t->id = sqlite3_column_int64(st, 0);
		t->name = lake_xstrdup((const char *)sqlite3_column_text(st, 1));
		t->location = lake_xstrdup((const char *)sqlite3_column_text(st, 2));
		t->version = sqlite3_column_int64(st, 3);
		t->reached = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lake_catalog_fail(vc->lake->catalog, "cannot read the tables", vc->e);
	return 0;
}

static void tables_release(struct table_state *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].name);
		free(t[i].location);
	}
	free(t);
}

/* Append "a-b" or "a" to a list of ranges, counting them; past MAX_RANGES only "…" once. */
static void add_range(struct lake_buf *b, size_t *nranges, int64_t from, int64_t to)
{
	if (*nranges == MAX_RANGES)
		lake_buf_addstr(b, ", …");
	if ((*nranges)++ >= MAX_RANGES)
		return;
	if (*nranges > 1)
		lake_buf_addstr(b, ", ");
	lake_buf_addf(b, from == to ? "%lld" : "%lld-%lld", (long long)from, (long long)to);
}

/* ---- above the version ---- */

/* The table's version is raised to what it reached, so that nothing of it sits above. */
static int raise_version(struct versions_check *vc, const struct table_state *t)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(vc, "UPDATE tables SET version = ? WHERE id = ?", &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, t->reached);
	sqlite3_bind_int64(st, 2, t->id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lake_catalog_fail(vc->lake->catalog, "cannot raise a table's version",
					 vc->e);
	return 0;
}

static void repaired_above(struct versions_check *vc, const struct table_state *t,
			   struct lake_buf *detail)
{
	if (vc->repair)
		lake_buf_addf(detail, "; the table's version was raised to %lld",
			      (long long)t->reached);
}

/* One record per file added or removed above its table's version. */
static int files_above(struct versions_check *vc, const struct table_state *t)
{
	struct lake_buf detail = LAKE_BUF_INIT;
	sqlite3_stmt *st;
	int rc;

	if (prepare(vc,
		    "SELECT path, added_version, removed_version FROM files WHERE table_id = ?1 "
		    "AND state <> 'pending' AND (added_version > ?2 OR removed_version > ?2) "
		    "ORDER BY path",
		    &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, t->id);
	sqlite3_bind_int64(st, 2, t->version);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t added = sqlite3_column_int64(st, 1);
		lake_buf_reset(&detail);
		if (added > t->version)
			lake_buf_addf(&detail,
				      "registered at version %lld, above its table's version "
				      "%lld: queries do not see it",
				      (long long)added, (long long)t->version);
		else
			lake_buf_addf(&detail,
				      "removed at version %lld, above its table's version %lld: "
				      "queries still read it",
				      (long long)sqlite3_column_int64(st, 2),
				      (long long)t->version);
		repaired_above(vc, t, &detail);
		add_finding(vc, "above-version", (const char *)sqlite3_column_text(st, 0), t->name,
			    &detail);
	}
	sqlite3_finalize(st);
	lake_buf_release(&detail);
	if (rc != SQLITE_DONE)
		return lake_catalog_fail(vc->lake->catalog, "cannot read the files", vc->e);
	return 0;
}

/* One record per table whose history has rows above its version. */
static int history_above(struct versions_check *vc, const struct table_state *t)
{
	struct lake_buf detail = LAKE_BUF_INIT, list = LAKE_BUF_INIT;
	size_t nranges = 0, count = 0;
	int64_t from = -1, prev = -1;
	sqlite3_stmt *st;
	int rc;

	if (prepare(vc,
		    "SELECT version FROM table_versions WHERE table_id = ? AND version > ? "
		    "ORDER BY version",
		    &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, t->id);
	sqlite3_bind_int64(st, 2, t->version);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t v = sqlite3_column_int64(st, 0);
		if (from >= 0 && v != prev + 1) {
			add_range(&list, &nranges, from, prev);
			from = -1;
		}
		if (from < 0)
			from = v;
		prev = v;
		count++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		lake_buf_release(&list);
		return lake_catalog_fail(vc->lake->catalog, "cannot read the history", vc->e);
	}
	if (from >= 0) {
		add_range(&list, &nranges, from, prev);
		lake_buf_addf(&detail,
			      "the history records %s %s, above the table's version %lld: its "
			      "next commit would collide with it",
			      count > 1 ? "versions" : "version", list.data, (long long)t->version);
		repaired_above(vc, t, &detail);
		add_finding(vc, "above-version", t->location, t->name, &detail);
	}
	lake_buf_release(&list);
	return 0;
}

/* ---- versions without history ---- */

/*
 * The missing versions [from, to] get history rows of operation
 * 'repair': the schema of the nearest version before them that has one
 * (the table's own when none has), and the files each added and removed.
 */
static int record_missing(struct versions_check *vc, const struct table_state *t, int64_t from,
			  int64_t to, const char *now)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(
		vc,
		"WITH RECURSIVE v(n) AS (SELECT ?2 UNION ALL SELECT n + 1 FROM v WHERE n < ?3), "
		"prior AS (SELECT columns, partition_keys FROM table_versions WHERE table_id = "
		"?1 AND version < ?2 ORDER BY version DESC LIMIT 1) "
		"INSERT INTO table_versions(table_id, version, operation, columns, "
		"partition_keys, changes, files_added, files_removed, rows_added, created, "
		"principal) SELECT ?1, n, 'repair', coalesce((SELECT columns FROM prior), "
		"t.columns), coalesce((SELECT partition_keys FROM prior), t.partition_keys), "
		"'[]', (SELECT count(*) FROM files WHERE table_id = ?1 AND added_version = n "
		"AND state <> 'pending'), (SELECT count(*) FROM files WHERE table_id = ?1 AND "
		"removed_version = n), (SELECT coalesce(sum(rows), 0) FROM files WHERE "
		"table_id = ?1 AND added_version = n AND state <> 'pending'), ?4, ?5 "
		"FROM v, tables t WHERE t.id = ?1",
		&st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, t->id);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, vc->lake->principal, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lake_catalog_fail(vc->lake->catalog, "cannot record a missing version",
					 vc->e);
	return 0;
}

/* A gap [from, to] of the history: listed, and with --repair filled. */
static int gap(struct versions_check *vc, const struct table_state *t, int64_t from, int64_t to,
	       struct lake_buf *list, size_t *nranges, int64_t *missing, const char *now)
{
	add_range(list, nranges, from, to);
	*missing += to - from + 1;
	return vc->repair ? record_missing(vc, t, from, to, now) : 0;
}

/* One record per table some of whose versions 0..version have no history row. */
static int missing_history(struct versions_check *vc, const struct table_state *t, int64_t version)
{
	struct lake_buf detail = LAKE_BUF_INIT, list = LAKE_BUF_INIT;
	int64_t next = 0, missing = 0;
	size_t nranges = 0;
	sqlite3_stmt *st;
	char now[40];
	int rc, ret = -1;

	lake_time_format_timestamp(lake_time_now(), now);
	if (prepare(vc,
		    "SELECT version FROM table_versions WHERE table_id = ? AND version BETWEEN 0 "
		    "AND ? ORDER BY version",
		    &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, t->id);
	sqlite3_bind_int64(st, 2, version);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t v = sqlite3_column_int64(st, 0);
		if (v > next && gap(vc, t, next, v - 1, &list, &nranges, &missing, now) < 0)
			goto out;
		next = v + 1;
	}
	if (rc != SQLITE_DONE) {
		lake_catalog_fail(vc->lake->catalog, "cannot read the history", vc->e);
		goto out;
	}
	if (next <= version && gap(vc, t, next, version, &list, &nranges, &missing, now) < 0)
		goto out;
	if (nranges) {
		lake_buf_addf(&detail, "no history row for %s %s of 0..%lld",
			      missing > 1 ? "versions" : "version", list.data, (long long)version);
		if (vc->repair)
			lake_buf_addstr(&detail, "; recorded as 'repair' versions with the files "
						 "each added and removed");
		add_finding(vc, "missing-history", t->location, t->name, &detail);
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	lake_buf_release(&detail);
	lake_buf_release(&list);
	return ret;
}

/* ---- the check ---- */

static int check_table(struct versions_check *vc, const struct table_state *t)
{
	if (t->reached > t->version) {
		if (files_above(vc, t) < 0 || history_above(vc, t) < 0)
			return -1;
		if (vc->repair && raise_version(vc, t) < 0)
			return -1;
	}
	/* After a repair, the gaps up to the raised version are filled too. */
	return missing_history(vc, t, vc->repair ? t->reached : t->version);
}

static int check_all(struct versions_check *vc)
{
	struct table_state *tables;
	size_t n;
	int ret = 0;

	if (load_tables(vc, &tables, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = check_table(vc, &tables[i]);
	tables_release(tables, n);
	return ret;
}

static int report_all(const struct versions_check *vc, lake_maint_problem_fn fn, void *arg,
		      struct lake_check_totals *totals, struct lake_error *e)
{
	for (size_t i = 0; i < vc->found.n; i++) {
		const struct finding *f = &vc->found.v[i];
		struct lake_maint_problem p = {f->problem, f->path, f->table, f->detail,
					       vc->repair};
		totals->problems++;
		totals->repaired += vc->repair != 0;
		if (fn(&p, arg) != 0) {
			lake_error_clear(e);
			return -1;
		}
	}
	return 0;
}

int lake_maint_check_versions(struct lake *lake, const struct lake_check_options *o,
			      lake_maint_problem_fn fn, void *arg, struct lake_check_totals *totals,
			      struct lake_error *e)
{
	struct versions_check vc = {lake, o->repair, {NULL, 0}, e};
	struct lake_catalog *c = lake->catalog;
	int ret = -1;

	if (lake_require_admin(lake, "check", e) < 0)
		return -1;
	/* A read transaction is one snapshot; --repair takes the write lock for its changes. */
	if (o->repair) {
		if (lake_catalog_begin(c, e) < 0)
			return -1;
	} else if (sqlite3_exec(db_of(&vc), "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		return lake_catalog_fail(c, "cannot start a transaction", e);
	}
	if (check_all(&vc) < 0)
		goto out;
	if (o->repair && vc.found.n && lake_catalog_commit(c, e) < 0)
		goto out;
	/* Reported once the repairs are durable (a check only ends its read). */
	lake_catalog_rollback(c);
	ret = report_all(&vc, fn, arg, totals, e);
out:
	lake_catalog_rollback(c);
	findings_release(&vc.found);
	return ret;
}
