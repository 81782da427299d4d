/* etl.c - running a job: see etl.h for the steps and what each guarantees. */
#include "etl/etl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "govern/audit.h"
#include "base/buf.h"
#include "etl/etl_output.h"
#include "formats/input.h"
#include "ingest/put.h"
#include "base/fault.h"
#include "govern/grant.h"
#include "base/ltime.h"
#include "base/names.h"
#include "base/proc.h"
#include "query/query.h"

/* Input files a dry run lists per table, at most. */
#define DRY_RUN_FILES 1000

struct etl_run {
	struct lake *lake;
	const struct lake_etl_job *job;
	const struct lake_etl_options *o;
	int64_t job_id;
	char started[40];
	struct lake_table_window *windows;
	size_t nwindows;
	int64_t *window_table_ids;
	uint64_t new_files; /* in the windows */

	struct lake_query *q;
	struct etl_outputs *out;
	struct lake_error err; /* an error raised inside the row callback */
	int failed;
};

/* ---- the job's lock and record ---- */

static int prepare(struct etl_run *r, const char *sql, sqlite3_stmt **st, struct lake_error *e)
{
	if (sqlite3_prepare_v2(lake_catalog_db(r->lake->catalog), sql, -1, st, NULL) != SQLITE_OK)
		return lake_catalog_fail(r->lake->catalog, "cannot prepare an ETL statement", e);
	return 0;
}

static int step_done(struct etl_run *r, sqlite3_stmt *st, const char *doing, struct lake_error *e)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return lake_catalog_fail(r->lake->catalog, doing, e);
	return 0;
}

/* A lock left by a process that is gone: its run is recorded as crashed. */
static int record_crashed(struct etl_run *r, int64_t pid, const char *since, struct lake_error *e)
{
	sqlite3_stmt *st;
	char now[40], why[160];

	lake_time_format_timestamp(lake_time_now(), now);
	snprintf(why, sizeof why,
		 "process %lld ended without committing (killed or crashed): nothing of the run "
		 "was committed",
		 (long long)pid);
	if (prepare(
		r,
		"INSERT INTO job_runs(job_id, principal, started, ended, status, error, target) "
		"VALUES (?, '', ?, ?, 'crashed', ?, ?)",
		&st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, r->job_id);
	sqlite3_bind_text(st, 2, since ? since : now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, why, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->job->target, -1, SQLITE_STATIC);
	return step_done(r, st, "cannot record a crashed run", e);
}

/* Whether "db.table" is a table any grant shows the acting principal. */
static int may_see(struct lake *lake, const char *qualified)
{
	char db[LAKE_NAME_MAX + 1], table[LAKE_NAME_MAX + 1];
	struct lake_error ignored = {0};

	return lake_name_split(qualified, db, table, &ignored) == 0 &&
	       lake_may_see(lake, db, table);
}

/*
 * A job's bookmarks belong to what it writes: the same name for another
 * target is a mistake.  The message names the other target only to a
 * principal that may see it.
 */
static int same_target(struct etl_run *r, struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (prepare(r, "SELECT definition->>'target' FROM jobs WHERE name = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, r->job->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
	    strcmp((const char *)sqlite3_column_text(st, 0), r->job->target) != 0) {
		const char *other = (const char *)sqlite3_column_text(st, 0);
		rc = lake_err(e, LAKE_EX_USAGE,
			      "job '%s' writes %s, not %s: a job keeps its target (its bookmarks "
			      "and history belong to it); give this one another name",
			      r->job->name, may_see(r->lake, other) ? other : "another table",
			      r->job->target);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Inside the transaction: the job's row, created or brought up to this definition. */
static int upsert_job(struct etl_run *r, const char *definition, struct lake_error *e)
{
	sqlite3_stmt *st;

	if (same_target(r, e) < 0)
		return -1;

	if (prepare(r,
		    "INSERT INTO jobs(name, definition, created, updated) VALUES (?1, ?2, ?3, ?3) "
		    "ON CONFLICT(name) DO UPDATE SET definition = ?2, updated = ?3 "
		    "WHERE definition <> ?2",
		    &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, r->job->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, definition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->started, -1, SQLITE_STATIC);
	if (step_done(r, st, "cannot record the job", e) < 0)
		return -1;
	if (prepare(r, "SELECT id FROM jobs WHERE name = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, r->job->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		r->job_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r->job_id ? 0 : lake_catalog_fail(r->lake->catalog, "cannot record the job", e);
}

/* A dry run takes no lock: it reads the bookmarks of the job if it exists. */
static void find_job(struct etl_run *r)
{
	sqlite3_stmt *st;

	if (prepare(r, "SELECT id FROM jobs WHERE name = ?", &st, &(struct lake_error){0}) < 0)
		return;
	sqlite3_bind_text(st, 1, r->job->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		r->job_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
}

/* Inside the transaction: take the lock, or say who holds it. */
static int take_lock(struct etl_run *r, struct lake_error *e)
{
	sqlite3_stmt *st;
	int64_t pid = 0;
	char since[40] = "";

	if (prepare(r, "SELECT lock_pid, lock_since FROM jobs WHERE id = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, r->job_id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		pid = sqlite3_column_int64(st, 0);
		if (sqlite3_column_text(st, 1))
			snprintf(since, sizeof since, "%s", sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (pid && pid != getpid() && lake_process_alive(pid))
		return lake_err(e, LAKE_EX_TEMPFAIL,
				"job '%s' is already running (pid %lld, since %s); wait for it to "
				"finish, then retry",
				r->job->name, (long long)pid, since);
	if (pid && record_crashed(r, pid, since, e) < 0)
		return -1;
	if (prepare(r, "UPDATE jobs SET lock_pid = ?, lock_since = ? WHERE id = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)getpid());
	sqlite3_bind_text(st, 2, r->started, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, r->job_id);
	return step_done(r, st, "cannot lock the job", e);
}

static int lock_job(struct etl_run *r, struct lake_error *e)
{
	json_t *def = lake_etl_job_json(r->job);
	char *text = json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;

	json_decref(def);
	if (lake_catalog_begin(r->lake->catalog, e) < 0) {
		free(text);
		return -1;
	}
	rc = upsert_job(r, text, e) < 0 || take_lock(r, e) < 0 ? -1 : 0;
	free(text);
	if (rc < 0) {
		lake_catalog_rollback(r->lake->catalog);
		return -1;
	}
	return lake_catalog_commit(r->lake->catalog, e);
}

/* Inside the transaction. */
static int release_lock(struct etl_run *r, struct lake_error *e)
{
	sqlite3_stmt *st;

	if (prepare(r,
		    "UPDATE jobs SET lock_pid = NULL, lock_since = NULL WHERE id = ? AND "
		    "lock_pid = ?",
		    &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, r->job_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)getpid());
	return step_done(r, st, "cannot unlock the job", e);
}

/* ---- what the run reads ---- */

static int64_t bookmark_of(struct etl_run *r, int64_t table_id)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (r->o->reset_bookmark || prepare(r,
					    "SELECT version FROM bookmarks WHERE job_id = ? AND "
					    "table_id = ?",
					    &st, &(struct lake_error){0}) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, r->job_id);
	sqlite3_bind_int64(st, 2, table_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static uint64_t files_in_window(struct etl_run *r, int64_t table_id,
				const struct lake_table_window *w)
{
	sqlite3_stmt *st;
	uint64_t n = 0;

	if (prepare(r,
		    "SELECT count(*) FROM files WHERE table_id = ?1 AND state <> 'pending' AND "
		    "added_version > ?2 AND added_version <= ?3 AND (removed_version IS NULL OR "
		    "removed_version > ?3)",
		    &st, &(struct lake_error){0}) < 0)
		return 0;
	sqlite3_bind_int64(st, 1, table_id);
	sqlite3_bind_int64(st, 2, w->after);
	sqlite3_bind_int64(st, 3, w->upto);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A table the principal may not read is, for it, no table to bookmark. */
static int bookmark_readable(struct etl_run *r, const char *qualified)
{
	char db[LAKE_NAME_MAX + 1], table[LAKE_NAME_MAX + 1];
	struct lake_error ignored = {0};

	return lake_name_split(qualified, db, table, &ignored) == 0 &&
	       lake_allowed(r->lake, LAKE_PERM_SELECT, db, table, NULL);
}

/* Each bookmarked table's window: after the bookmark, up to the table's version now. */
static int fix_windows(struct etl_run *r, struct lake_error *e)
{
	const struct lake_etl_job *job = r->job;

	r->windows = lake_xcalloc(job->nbookmark + 1, sizeof *r->windows);
	r->window_table_ids = lake_xcalloc(job->nbookmark + 1, sizeof *r->window_table_ids);
	for (size_t i = 0; i < job->nbookmark; i++) {
		struct lake_table_window *w = &r->windows[i];
		int64_t id, version;
		if (lake_catalog_find_table(r->lake->catalog, job->bookmark[i], &id, &version, e) <
		    0)
			return -1;
		if (!id || !bookmark_readable(r, job->bookmark[i]))
			return lake_err(e, LAKE_EX_NOINPUT,
					"job '%s': bookmarked table %s does not exist "
					"(`lake-catalog tables` lists the tables)",
					job->name, job->bookmark[i]);
		w->table = job->bookmark[i];
		w->after = bookmark_of(r, id);
		w->upto = version;
		r->window_table_ids[i] = id;
		r->nwindows++;
		r->new_files += files_in_window(r, id, w);
	}
	return 0;
}

static int on_row(sqlite3_stmt *st, int statement, int row, void *arg)
{
	struct etl_run *r = arg;

	if (statement > 0) {
		lake_err(&r->err, LAKE_EX_USAGE,
			 "job '%s': the SQL must be one statement (a SELECT); found more",
			 r->job->name);
		return r->failed = 1;
	}
	if (!row)
		return 0;
	if (etl_outputs_row(r->out, st, &r->err) < 0)
		return r->failed = 1;
	return 0;
}

/* ---- committing ---- */

struct io_totals {
	uint64_t in_files, in_rows, in_bytes, out_files, out_rows, out_bytes;
};

static void count_io(struct etl_run *r, struct io_totals *t)
{
	const char *const *names;
	const struct lake_scan_stats *s;
	size_t stride, n = r->q ? lake_query_table_stats(r->q, &names, &s, &stride) : 0;
	struct etl_output_totals out;

	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < n; i++) {
		const struct lake_scan_stats *ts =
		    (const struct lake_scan_stats *)((const char *)s + i * stride);
		if (ts->filtered)
			continue; /* its counts include rows the principal may not see */
		t->in_files += ts->input_files;
		t->in_rows += ts->input_rows;
		t->in_bytes += ts->input_bytes;
	}
	etl_outputs_totals(r->out, &out);
	t->out_files = out.files;
	t->out_rows = out.rows;
	t->out_bytes = out.bytes;
}

static char *windows_json(const struct etl_run *r)
{
	json_t *o = json_object();
	char *text;

	for (size_t i = 0; i < r->nwindows; i++)
		json_object_set_new(o, r->windows[i].table,
				    json_pack("{s:I, s:I}", "after",
					      (json_int_t)r->windows[i].after, "upto",
					      (json_int_t)r->windows[i].upto));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

static char *params_json(const struct etl_run *r)
{
	json_t *o = json_object();
	char *text;

	for (size_t i = 0; i < r->o->nparams; i++)
		json_object_set_new(o, r->o->param_names[i], json_string(r->o->param_values[i]));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

/* Inside the transaction: the run's record; *run_id receives its id. */
static int record_run(struct etl_run *r, const char *status, const struct io_totals *t,
		      int64_t version, const char *error, int64_t *run_id, struct lake_error *e)
{
	sqlite3_stmt *st;
	char now[40], *windows = windows_json(r), *params = params_json(r);
	int rc = -1;

	lake_time_format_timestamp(lake_time_now(), now);
	if (prepare(r,
		    "INSERT INTO job_runs(job_id, principal, started, ended, status, input_files, "
		    "input_rows, input_bytes, output_files, output_rows, output_bytes, "
		    "target_version, error, bookmarks, params, target) "
		    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		    &st, e) == 0) {
		sqlite3_bind_int64(st, 1, r->job_id);
		sqlite3_bind_text(st, 2, lake_identity(r->lake)->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, r->started, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
		const uint64_t counts[] = {t->in_files,	 t->in_rows,  t->in_bytes,
					   t->out_files, t->out_rows, t->out_bytes};
		for (int i = 0; i < 6; i++)
			sqlite3_bind_int64(st, 6 + i, (sqlite3_int64)counts[i]);
		if (version)
			sqlite3_bind_int64(st, 12, version);
		sqlite3_bind_text(st, 13, error, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 14, windows, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 15, params, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 16, r->job->target, -1, SQLITE_STATIC);
		rc = step_done(r, st, "cannot record the run", e);
		*run_id = sqlite3_last_insert_rowid(lake_catalog_db(r->lake->catalog));
	}
	free(windows);
	free(params);
	return rc;
}

/* Inside the transaction: each bookmark moves to the end of the window just read. */
static int advance_bookmarks(struct etl_run *r, int64_t run_id, struct lake_error *e)
{
	for (size_t i = 0; i < r->nwindows; i++) {
		sqlite3_stmt *st;
		if (prepare(r,
			    "INSERT OR REPLACE INTO bookmarks(job_id, table_id, version, run_id) "
			    "VALUES (?,?,?,?)",
			    &st, e) < 0)
			return -1;
		sqlite3_bind_int64(st, 1, r->job_id);
		sqlite3_bind_int64(st, 2, r->window_table_ids[i]);
		sqlite3_bind_int64(st, 3, r->windows[i].upto);
		sqlite3_bind_int64(st, 4, run_id);
		if (step_done(r, st, "cannot advance a bookmark", e) < 0)
			return -1;
	}
	return 0;
}

static json_t *report_of(struct etl_run *r, const char *status, const struct io_totals *t,
			 int64_t run_id, int64_t version)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "job", r->job->name, "status", status, "target",
			      r->job->target);

	if (run_id)
		json_object_set_new(j, "run", json_integer(run_id));
	if (!t)
		return j;
	json_object_set_new(j, "input_files", json_integer((json_int_t)t->in_files));
	json_object_set_new(j, "input_rows", json_integer((json_int_t)t->in_rows));
	json_object_set_new(j, "input_bytes", json_integer((json_int_t)t->in_bytes));
	json_object_set_new(j, "output_files", json_integer((json_int_t)t->out_files));
	json_object_set_new(j, "output_rows", json_integer((json_int_t)t->out_rows));
	json_object_set_new(j, "output_bytes", json_integer((json_int_t)t->out_bytes));
	if (version)
		json_object_set_new(j, "version", json_integer(version));
	return j;
}

/* Inside the transaction: everything a successful run changes. */
static int commit_steps(struct etl_run *r, const struct io_totals *t, int64_t *version,
			int64_t *run_id, struct lake_error *e)
{
	if (etl_outputs_commit(r->out, version, e) < 0)
		return -1;
	lake_fault_point();
	if (record_run(r, "succeeded", t, *version, NULL, run_id, e) < 0 ||
	    advance_bookmarks(r, *run_id, e) < 0)
		return -1;
	lake_fault_point();
	return release_lock(r, e);
}

/* The one transaction that makes the run happen: see etl.h, step 4. */
static int commit_run(struct etl_run *r, json_t **report, struct lake_error *e)
{
	struct lake_catalog *c = r->lake->catalog;
	struct io_totals t;
	int64_t version = 0, run_id = 0;

	count_io(r, &t);
	lake_fault_point();
	if (lake_catalog_begin(c, e) < 0)
		return -1;
	if (commit_steps(r, &t, &version, &run_id, e) < 0) {
		lake_catalog_rollback(c);
		return -1;
	}
	lake_fault_point();
	if (lake_catalog_commit(c, e) < 0)
		return -1;
	lake_fault_point();
	*report = report_of(r, "succeeded", &t, run_id, version);
	json_t *children = etl_outputs_children(r->out);
	if (children)
		json_object_set_new(*report, "children", children);
	return etl_outputs_published(r->out, e);
}

/* Best effort: the failure is recorded and the lock released (a crash leaves both to the next run).
 */
static void record_failure(struct etl_run *r, const struct lake_error *why)
{
	struct lake_error ignored = {0};
	struct io_totals t;
	int64_t run_id;

	count_io(r, &t);
	t.out_files = t.out_bytes = 0;
	if (lake_catalog_begin(r->lake->catalog, &ignored) < 0)
		return;
	if (record_run(r, "failed", &t, 0, why->msg, &run_id, &ignored) < 0 ||
	    release_lock(r, &ignored) < 0) {
		lake_catalog_rollback(r->lake->catalog);
		return;
	}
	lake_catalog_commit(r->lake->catalog, &ignored);
}

static void unlock_quietly(struct etl_run *r)
{
	struct lake_error ignored = {0};

	if (lake_catalog_begin(r->lake->catalog, &ignored) < 0)
		return;
	if (release_lock(r, &ignored) < 0)
		lake_catalog_rollback(r->lake->catalog);
	else
		lake_catalog_commit(r->lake->catalog, &ignored);
}

/* ---- a run ---- */

static int run_query(struct etl_run *r, struct lake_error *e)
{
	int rc;

	if (lake_query_open(r->lake, &r->q, e) < 0)
		return -1;
	lake_query_set_windows(r->q, r->windows, r->nwindows);
	for (size_t i = 0; i < r->o->nparams; i++)
		lake_query_bind(r->q, r->o->param_names[i], r->o->param_values[i]);
	rc = lake_query_run_single(r->q, r->job->sql, on_row, r, e);
	if (r->failed) {
		*e = r->err;
		return -1;
	}
	if (rc < 0)
		return lake_err_wrap(e, "job '%s'", r->job->name);
	return etl_outputs_end(r->out, e);
}

/* What a dry run would have read and written. */
/* The paths of a table's input files, sorted, at most DRY_RUN_FILES. */
static json_t *input_paths(struct etl_run *r, size_t table)
{
	int64_t *ids = lake_xcalloc(DRY_RUN_FILES, sizeof *ids);
	size_t n = lake_query_table_inputs(r->q, table, ids, DRY_RUN_FILES);
	struct lake_buf list = LAKE_BUF_INIT;
	json_t *paths = json_array();
	sqlite3_stmt *st;

	lake_buf_addstr(&list, "[");
	for (size_t i = 0; i < n; i++)
		lake_buf_addf(&list, "%s%lld", i ? "," : "", (long long)ids[i]);
	lake_buf_addstr(&list, "]");
	if (prepare(r,
		    "SELECT path FROM files WHERE id IN (SELECT value FROM json_each(?)) ORDER BY "
		    "path",
		    &st, &(struct lake_error){0}) == 0) {
		sqlite3_bind_text(st, 1, list.data, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(
			    paths, json_string((const char *)sqlite3_column_text(st, 0)));
		sqlite3_finalize(st);
	}
	lake_buf_release(&list);
	free(ids);
	return paths;
}

/* Per table read: its input files and their rows and bytes. */
static json_t *inputs_json(struct etl_run *r)
{
	const char *const *names;
	const struct lake_scan_stats *s;
	size_t stride, n = lake_query_table_stats(r->q, &names, &s, &stride);
	json_t *input = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct lake_scan_stats *ts =
		    (const struct lake_scan_stats *)((const char *)s + i * stride);
		const char *name = *(const char *const *)((const char *)names + i * stride);
		if (!ts->scans)
			continue; /* declared with its database, never read */
		if (ts->filtered) {
			/* As lake-query --explain: its files and counts include hidden rows. */
			json_array_append_new(
			    input, json_pack("{s:s, s:b}", "table", name, "filtered", 1));
			continue;
		}
		json_array_append_new(input, json_pack("{s:s, s:I, s:I, s:o}", "table", name,
						       "rows", (json_int_t)ts->input_rows, "bytes",
						       (json_int_t)ts->input_bytes, "files",
						       input_paths(r, i)));
	}
	return input;
}

static json_t *dry_run_report(struct etl_run *r)
{
	struct io_totals t;
	json_t *j, *input = json_array();

	count_io(r, &t);
	j = report_of(r, "dry-run", &t, 0, 0);
	json_object_set_new(j, "input", inputs_json(r));
	for (size_t i = 0; i < r->nwindows; i++)
		json_array_append_new(input,
				      json_pack("{s:s, s:I, s:I}", "table", r->windows[i].table,
						"after", (json_int_t)r->windows[i].after, "upto",
						(json_int_t)r->windows[i].upto));
	json_object_set_new(j, "bookmarks", input);
	json_object_set_new(j, "partitions", etl_outputs_partitions(r->out));
	json_object_set_new(j, "mode", json_string(lake_etl_mode_name(r->job->mode)));
	return j;
}

static void release_run(struct etl_run *r)
{
	etl_outputs_close(r->out);
	lake_query_close(r->q);
	free(r->windows);
	free(r->window_table_ids);
}

/* The run's audit event: the job's SQL, what it read of each table, the rows it wrote. */
static void audit_run(struct etl_run *r, int64_t started_us, const struct lake_error *err)
{
	struct io_totals t;
	json_t *reads = r->q ? lake_query_reads(r->q) : NULL;

	if (err && err->code == LAKE_EX_NOPERM) {
		json_decref(reads);
		return; /* audited where it was denied */
	}
	count_io(r, &t);
	struct lake_audit_event ev = {"etl",
				      r->job->target,
				      err ? "error" : "ok",
				      t.out_rows,
				      t.out_bytes,
				      r->job->sql,
				      lake_monotonic_us() - started_us,
				      reads,
				      err ? err->msg : NULL};
	lake_audit(r->lake, &ev);
	json_decref(reads);
}

static int run_locked(struct etl_run *r, json_t **report, struct lake_error *e)
{
	if (fix_windows(r, e) < 0)
		return -1;
	if (r->job->nbookmark && !r->new_files) {
		unlock_quietly(r);
		*report = report_of(r, "no-new-data", NULL, 0, 0);
		return 0;
	}
	lake_fault_point();
	if (etl_outputs_open(r->lake, r->job, 0, &r->out, e) < 0 || run_query(r, e) < 0)
		return -1;
	return commit_run(r, report, e);
}

/* A dry run reads and writes nothing: what it would have done, as the principal may see it. */
static int dry_run(struct etl_run *r, json_t **report, struct lake_error *e)
{
	int rc;

	find_job(r);
	rc = fix_windows(r, e) < 0 || etl_outputs_open(r->lake, r->job, 1, &r->out, e) < 0 ||
		     run_query(r, e) < 0
		 ? -1
		 : 0;
	if (rc == 0)
		*report = dry_run_report(r);
	release_run(r);
	return rc;
}

static int run(struct etl_run *r, json_t **report, struct lake_error *e)
{
	int64_t started_us = lake_monotonic_us();
	int rc;

	if (lock_job(r, e) < 0) {
		release_run(r);
		return -1;
	}
	rc = run_locked(r, report, e);
	audit_run(r, started_us, rc < 0 ? e : NULL);
	if (rc < 0) {
		/* The output goes first, so that the failure is recorded only once nothing is left.
		 */
		etl_outputs_close(r->out);
		r->out = NULL;
		record_failure(r, e);
	}
	release_run(r);
	return rc;
}

int lake_etl_run(struct lake *lake, const struct lake_etl_job *job,
		 const struct lake_etl_options *o, json_t **report, struct lake_error *e)
{
	struct etl_run r = {0};
	const char *outer_sql = lake->sql;
	int rc;

	*report = NULL;
	r.lake = lake;
	r.job = job;
	r.o = o;
	lake_time_format_timestamp(lake_time_now(), r.started);
	/*
	 * Whether the principal may write the target comes first, dry run or
	 * not: a denial (audited, with the job's SQL) that says nothing more
	 * of the table, and no job or run recorded.
	 */
	lake->sql = job->sql;
	if ((!o->dry_run && lake_etl_job_check(job, e) < 0) ||
	    (job->target && lake_put_may_land(lake, job->target, e) < 0))
		rc = -1;
	else
		rc = o->dry_run ? dry_run(&r, report, e) : run(&r, report, e);
	lake->sql = outer_sql;
	return rc;
}
