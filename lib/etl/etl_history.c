/* etl_history.c - a job's run history and its bookmarks: listing and moving them. */
#include "etl/etl.h"

#include <string.h>

#include "govern/audit.h"
#include "govern/grant.h"
#include "base/names.h"
#include "base/proc.h"

static int fail(struct lake *lake, struct lake_error *e)
{
	return lake_catalog_fail(lake->catalog, "cannot read the job history", e);
}

static json_t *column_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_NULL:
		return json_null();
	default:
		return json_string((const char *)sqlite3_column_text(st, i));
	}
}

/* One object per row, keyed by the statement's column names; JSON text columns embedded. */
static json_t *rows_json(sqlite3_stmt *st, const char *const *json_columns)
{
	json_t *rows = json_array();

	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *row = json_object();
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *name = sqlite3_column_name(st, i);
			json_t *v = NULL;
			for (const char *const *j = json_columns; *j; j++)
				if (strcmp(*j, name) == 0 && sqlite3_column_text(st, i))
					v = json_loads((const char *)sqlite3_column_text(st, i), 0,
						       NULL);
			json_object_set_new(row, name, v ? v : column_json(st, i));
		}
		json_array_append_new(rows, row);
	}
	return rows;
}

static int job_exists(struct lake *lake, const char *job)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog), "SELECT 1 FROM jobs WHERE name = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static int no_job(const char *job, struct lake_error *e)
{
	return lake_err(e, LAKE_EX_NOINPUT,
			"no job '%s' (a job is recorded by its first run; `lake-etl runs` lists "
			"the jobs that ran)",
			job);
}

/* A run shows its SQL, input and errors: only to those who may see its target. */
static void hide_others_runs(struct lake *lake, json_t *runs)
{
	for (size_t i = json_array_size(runs); i-- > 0;) {
		const char *target =
		    json_string_value(json_object_get(json_array_get(runs, i), "target"));
		char db[LAKE_NAME_MAX + 1], table[LAKE_NAME_MAX + 1];
		struct lake_error ignored = {0};
		if (!target || lake_name_split(target, db, table, &ignored) < 0 ||
		    !lake_may_see(lake, db, table))
			json_array_remove(runs, i);
	}
}

/* The job's target, split (both empty when it has none). */
static int job_target(struct lake *lake, int64_t jid, char *db, char *table, struct lake_error *e)
{
	struct lake_error ignored = {0};
	sqlite3_stmt *st;

	*db = *table = '\0';
	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog),
			       "SELECT definition->>'target' FROM jobs WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return fail(lake, e);
	sqlite3_bind_int64(st, 1, jid);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		lake_name_split((const char *)sqlite3_column_text(st, 0), db, table, &ignored);
	sqlite3_finalize(st);
	return 0;
}

/* A denial of verb on job, audited, that names nothing the principal may not see. */
static int job_denied(struct lake *lake, const char *verb, const char *job, const char *needs,
		      struct lake_error *e)
{
	lake_audit_denied(lake, verb, job);
	return lake_err(e, LAKE_EX_NOPERM, "permission denied: %s of job '%s' for %s (it needs %s)",
			verb, job, lake_identity(lake)->name, needs);
}

/*
 * Moving a job's bookmarks changes what it writes next: INSERT on its
 * target.  The target is named only to a principal that may see it.
 */
static int may_move(struct lake *lake, const char *verb, const char *job, int64_t jid,
		    struct lake_error *e)
{
	char db[LAKE_NAME_MAX + 1], table[LAKE_NAME_MAX + 1];

	if (job_target(lake, jid, db, table, e) < 0)
		return -1;
	if (*table && !lake_may_see(lake, db, table))
		return job_denied(lake, verb, job, "INSERT on the job's target", e);
	return lake_require(lake, LAKE_PERM_INSERT, db, *table ? table : NULL, e);
}

/*
 * Bookmarks show which versions of its inputs a job read, and when: for
 * administrators, and for principals that may see the job's target (as
 * its runs) and read every table it bookmarks.
 */
static int may_show_bookmarks(struct lake *lake, const char *job, int64_t jid, struct lake_error *e)
{
	char db[LAKE_NAME_MAX + 1], table[LAKE_NAME_MAX + 1];
	sqlite3_stmt *st;
	int ok;

	if (lake_identity(lake)->admin)
		return 0;
	if (job_target(lake, jid, db, table, e) < 0)
		return -1;
	ok = *table && lake_may_see(lake, db, table);
	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog),
			       "SELECT d.name, t.name FROM bookmarks b JOIN tables t ON t.id = "
			       "b.table_id JOIN databases d ON d.id = t.database_id WHERE "
			       "b.job_id = ?1 UNION SELECT substr(b.value, 1, instr(b.value, '.') "
			       "- 1), substr(b.value, instr(b.value, '.') + 1) FROM jobs, "
			       "json_each(jobs.definition, '$.bookmark') b WHERE jobs.id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(lake, e);
	sqlite3_bind_int64(st, 1, jid);
	while (ok && sqlite3_step(st) == SQLITE_ROW)
		ok = lake_allowed(lake, LAKE_PERM_SELECT, (const char *)sqlite3_column_text(st, 0),
				  (const char *)sqlite3_column_text(st, 1), NULL);
	sqlite3_finalize(st);
	if (ok)
		return 0;
	return job_denied(lake, "bookmark show", job,
			  "to see its target and SELECT on every table it bookmarks", e);
}

int lake_etl_runs(struct lake *lake, const char *job, json_t **runs, struct lake_error *e)
{
	static const char *const json_columns[] = {"bookmarks", "params", NULL};
	sqlite3_stmt *st;

	if (job && !job_exists(lake, job))
		return no_job(job, e);

	if (sqlite3_prepare_v2(
		lake_catalog_db(lake->catalog),
		"SELECT r.id AS run, j.name AS job, r.status, r.principal, r.started, "
		"r.ended, r.input_files, r.input_rows, r.input_bytes, r.output_files, "
		"r.output_rows, r.output_bytes, r.target, r.target_version AS "
		"version, r.bookmarks, r.params, r.error FROM job_runs r JOIN jobs "
		"j ON j.id = r.job_id WHERE ?1 IS NULL OR j.name = ?1 "
		"ORDER BY r.id DESC",
		-1, &st, NULL) != SQLITE_OK)
		return fail(lake, e);
	sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
	*runs = rows_json(st, json_columns);
	sqlite3_finalize(st);
	hide_others_runs(lake, *runs);
	return 0;
}

static int job_id(struct lake *lake, const char *job, int64_t *id, struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog),
			       "SELECT id, lock_pid FROM jobs WHERE name = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return fail(lake, e);
	sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	int64_t pid = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_finalize(st);
	if (!*id)
		return no_job(job, e);
	if (lake_process_alive(pid))
		return lake_err(e, LAKE_EX_TEMPFAIL,
				"job '%s' is running (pid %lld): its bookmarks move when it "
				"commits; retry after it",
				job, (long long)pid);
	return 0;
}

int lake_etl_bookmark_show(struct lake *lake, const char *job, json_t **out, struct lake_error *e)
{
	static const char *const none[] = {NULL};
	sqlite3_stmt *st;
	int64_t id;

	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog), "SELECT id FROM jobs WHERE name = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(lake, e);
	sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
	id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (!id)
		return job_id(lake, job, &id, e);
	if (may_show_bookmarks(lake, job, id, e) < 0)
		return -1;
	if (sqlite3_prepare_v2(
		lake_catalog_db(lake->catalog),
		"SELECT d.name || '.' || t.name AS \"table\", b.version, b.run_id AS "
		"run, t.version AS table_version FROM bookmarks b JOIN tables t ON "
		"t.id = b.table_id JOIN databases d ON d.id = t.database_id "
		"WHERE b.job_id = ? ORDER BY 1",
		-1, &st, NULL) != SQLITE_OK)
		return fail(lake, e);
	sqlite3_bind_int64(st, 1, id);
	*out = json_pack("{s:s, s:o}", "job", job, "bookmarks", rows_json(st, none));
	sqlite3_finalize(st);
	return 0;
}

static int table_version(struct lake *lake, const char *qualified, int64_t *id, int64_t *version,
			 struct lake_error *e)
{
	if (lake_catalog_find_table(lake->catalog, qualified, id, version, e) < 0)
		return -1;
	if (!*id)
		return lake_err(e, LAKE_EX_NOINPUT, "no table %s", qualified);
	return 0;
}

/* A table the user names: one the principal may not see is, for it, none. */
static int named_table_version(struct lake *lake, const char *qualified, int64_t *id,
			       int64_t *version, struct lake_error *e)
{
	char db[LAKE_NAME_MAX + 1], table[LAKE_NAME_MAX + 1];

	if (lake_catalog_find_table(lake->catalog, qualified, id, version, e) < 0 ||
	    lake_name_split(qualified, db, table, e) < 0)
		return -1;
	if (!*id || !lake_may_see(lake, db, table))
		return lake_table_not_found(lake, qualified, e);
	return 0;
}

/* Inside a transaction; version -1 removes the bookmark (the table is read whole). */
static int put_bookmark(struct lake *lake, int64_t job, int64_t table, int64_t version,
			struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog),
			       version < 0 ? "DELETE FROM bookmarks WHERE job_id = ?1 AND "
					     "table_id = ?2"
					   : "INSERT OR REPLACE INTO bookmarks(job_id, table_id, "
					     "version, run_id) VALUES (?1, ?2, ?3, NULL)",
			       -1, &st, NULL) != SQLITE_OK)
		return lake_catalog_fail(lake->catalog, "cannot move a bookmark", e);
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, table);
	if (version >= 0)
		sqlite3_bind_int64(st, 3, version);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lake_catalog_fail(lake->catalog, "cannot move a bookmark", e);
	return 0;
}

/* Whether the job's definition reads table incrementally. */
static int bookmarks_table(struct lake *lake, int64_t jid, const char *table)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(
		lake_catalog_db(lake->catalog),
		"SELECT 1 FROM jobs, json_each(jobs.definition, '$.bookmark') b WHERE "
		"jobs.id = ? AND b.value = ?",
		-1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, jid);
	sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int lake_etl_bookmark_set(struct lake *lake, const char *job, const char *table, int64_t version,
			  struct lake_error *e)
{
	int64_t jid, tid, current;

	if (lake_catalog_begin(lake->catalog, e) < 0)
		return -1;
	if (job_id(lake, job, &jid, e) < 0 || may_move(lake, "bookmark set", job, jid, e) < 0 ||
	    named_table_version(lake, table, &tid, &current, e) < 0)
		goto fail;
	if (!bookmarks_table(lake, jid, table)) {
		lake_err(e, LAKE_EX_USAGE,
			 "job '%s' does not bookmark %s (its job file's \"bookmark\" lists the "
			 "tables it reads incrementally)",
			 job, table);
		goto fail;
	}
	if (version < 0 || version > current) {
		lake_err(e, LAKE_EX_DATAERR,
			 "version %lld of %s does not exist (its versions are 0 to %lld; 0 reads "
			 "it from the start)",
			 (long long)version, table, (long long)current);
		goto fail;
	}
	if (put_bookmark(lake, jid, tid, version, e) < 0)
		goto fail;
	return lake_catalog_commit(lake->catalog, e);
fail:
	lake_catalog_rollback(lake->catalog);
	return -1;
}

/* The windows run `run` of job `jid` read, from its record. */
static int run_windows(struct lake *lake, int64_t jid, int64_t run, json_t **windows,
		       struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog),
			       "SELECT bookmarks, status FROM job_runs WHERE id = ? AND job_id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(lake, e);
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, jid);
	rc = sqlite3_step(st);
	*windows = NULL;
	if (rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 1), "succeeded") == 0)
		*windows = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	sqlite3_finalize(st);
	if (!*windows)
		return lake_err(e, LAKE_EX_DATAERR,
				"run %lld is not a successful run of this job (`lake-etl runs JOB` "
				"lists them)",
				(long long)run);
	return 0;
}

int lake_etl_bookmark_rewind(struct lake *lake, const char *job, int64_t run, struct lake_error *e)
{
	json_t *windows = NULL, *w;
	const char *table;
	int64_t jid;

	if (lake_catalog_begin(lake->catalog, e) < 0)
		return -1;
	if (job_id(lake, job, &jid, e) < 0 || may_move(lake, "bookmark rewind", job, jid, e) < 0 ||
	    run_windows(lake, jid, run, &windows, e) < 0)
		goto fail;
	json_object_foreach(windows, table, w)
	{
		int64_t tid, current;
		if (table_version(lake, table, &tid, &current, e) < 0 ||
		    put_bookmark(lake, jid, tid, json_integer_value(json_object_get(w, "after")),
				 e) < 0)
			goto fail;
	}
	json_decref(windows);
	return lake_catalog_commit(lake->catalog, e);
fail:
	json_decref(windows);
	lake_catalog_rollback(lake->catalog);
	return -1;
}
