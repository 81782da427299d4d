/*
 * etl.h - SQL jobs from tables to tables, incremental and exactly-once
 * (the engine behind lake-etl run).
 *
 * A job is SQL over catalog tables, a target table, a write mode and an
 * output layout.  A run:
 *   1. takes the job's lock in the catalog (jobs.lock_pid): a second run
 *      of the same job fails with LAKE_EX_TEMPFAIL; a lock whose process
 *      is gone is taken over, and that run is recorded as crashed;
 *   2. fixes what it reads: each bookmarked table is read from the files
 *      added after the job's bookmark up to the table's current version
 *      (a window), the others at the statement's snapshot;
 *   3. runs the SQL and writes the rows to new data files, pending and
 *      invisible (lake-put's writer, with each file's stats recorded);
 *   4. commits in one catalog transaction: the files go live in a new
 *      version of the target (replacing its old files for overwrite, or
 *      those of the partitions it wrote for overwrite-partitions), the
 *      target's columns follow the result, the run is recorded, the
 *      bookmarks advance to the windows' ends, and the lock is released.
 * An error before 4 discards the files and records the run as failed; a
 * crash leaves pending files that `lake-catalog vacuum` removes.  Either
 * way the bookmarks did not move, so the next run reads the same input.
 *
 *	struct lake_etl_job job;
 *	lake_etl_job_load("jobs/clean.json", &job, &err);
 *	lake_etl_run(lake, &job, &opts, &result, &err);
 *	lake_etl_job_release(&job);
 */
#ifndef LAKE_ETL_H
#define LAKE_ETL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/error.h"
#include "store/lake.h"

enum lake_etl_mode {
	LAKE_ETL_APPEND = 0,
	LAKE_ETL_OVERWRITE,
	LAKE_ETL_OVERWRITE_PARTITIONS,
};

struct lake_etl_job {
	char *name;
	char *description;
	char *sql;
	char *target; /* "db.table" */
	enum lake_etl_mode mode;
	char **partition_by; /* columns of the result */
	size_t npartition_by;
	char *format;	 /* "ndjson" or "csv" (both zstd-compressed) */
	char **bookmark; /* "db.table", read incrementally */
	size_t nbookmark;
	/*
	 * Flatten the result (flatten.h): nested objects become parent.child
	 * columns; each array column becomes a child table TARGET_COLUMN
	 * with the parent's flatten_key columns, "pos" (from 0) and the
	 * element's members (or "value"), in the parent's partitions.
	 */
	int flatten;
	char **flatten_key;
	size_t nflatten_key;
};

/*
 * A job from its JSON text: {"name", "sql", "target", "mode"?,
 * "partition_by"?, "format"?, "bookmark"?, "description"?,
 * "flatten"?: true or {"key": [columns]}}.  `where`
 * names the text's origin in messages.  Unknown keys are refused (a typo
 * must not silently change what a job does).
 */
int lake_etl_job_parse(const char *text, const char *where, struct lake_etl_job *job,
		       struct lake_error *e);
int lake_etl_job_load(const char *path, struct lake_etl_job *job, struct lake_error *e);
/* Check names, mode and format of a job built by hand (lake-etl run --sql). */
int lake_etl_job_check(const struct lake_etl_job *job, struct lake_error *e);
/* The job as JSON, as the catalog keeps it. */
json_t *lake_etl_job_json(const struct lake_etl_job *job);
void lake_etl_job_release(struct lake_etl_job *job);

int lake_etl_mode_parse(const char *s, enum lake_etl_mode *m);
const char *lake_etl_mode_name(enum lake_etl_mode m);

struct lake_etl_options {
	const char *const *param_names; /* --param K=V: bound to :K */
	const char *const *param_values;
	size_t nparams;
	int dry_run;	    /* read and count, write nothing, commit nothing */
	int reset_bookmark; /* read the bookmarked tables whole, this run */
};

/*
 * What a run did, as printed: {"job", "run", "status", "input_files",
 * "input_rows", "input_bytes", "output_files", "output_rows",
 * "output_bytes", "target", "version"}, status "succeeded" or
 * "no-new-data"; with dry_run also "input" (the windows and files that
 * would be read) and "partitions" (those that would be written).
 */
int lake_etl_run(struct lake *lake, const struct lake_etl_job *job,
		 const struct lake_etl_options *o, json_t **report, struct lake_error *e);

/* Run history, newest first; job NULL for all jobs. */
int lake_etl_runs(struct lake *lake, const char *job, json_t **runs, struct lake_error *e);

/* {"job", "bookmarks": [{"table", "version", "run"}]} */
int lake_etl_bookmark_show(struct lake *lake, const char *job, json_t **out, struct lake_error *e);
/* Set the job's bookmark on a table to a version: the next run reads what came after it. */
int lake_etl_bookmark_set(struct lake *lake, const char *job, const char *table, int64_t version,
			  struct lake_error *e);
/* Put the job's bookmarks back to where they were before run `run`: the next run redoes it. */
int lake_etl_bookmark_rewind(struct lake *lake, const char *job, int64_t run, struct lake_error *e);

#endif
