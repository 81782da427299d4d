/*
 * etl_output.h - the tables an ETL run writes (internal to lake-etl's
 * engine): the target, and with flatten a child table per array column.
 *
 * Each result row becomes a record of the target (its partition_by
 * columns go to the path, not the record); files are written by
 * lake-put's engine, staged as pending, and made live only by
 * etl_outputs_commit inside the run's transaction.
 *
 *	etl_outputs_open(lake, job, 0, &out, &err);
 *	etl_outputs_row(out, st, &err);          // per result row
 *	etl_outputs_end(out, &err);              // files staged
 *	... BEGIN; etl_outputs_commit(out, &version, &err); ... COMMIT
 *	etl_outputs_published(out, &err);
 *	etl_outputs_close(out);                  // discards what was not committed
 */
#ifndef LAKE_ETL_OUTPUT_H
#define LAKE_ETL_OUTPUT_H

#include <sqlite3.h>

#include "etl/etl.h"

struct etl_outputs;

/* dry_run: rows are shaped and counted, nothing is written. */
int etl_outputs_open(struct lake *lake, const struct lake_etl_job *job, int dry_run,
		     struct etl_outputs **out, struct lake_error *e);
int etl_outputs_row(struct etl_outputs *o, sqlite3_stmt *st, struct lake_error *e);
int etl_outputs_end(struct etl_outputs *o, struct lake_error *e);

/*
 * Inside the transaction: a new version of each table written (or, for
 * overwrite, emptied); *version is the target's, 0 when it did not change.
 */
int etl_outputs_commit(struct etl_outputs *o, int64_t *version, struct lake_error *e);
int etl_outputs_published(struct etl_outputs *o, struct lake_error *e);

struct etl_output_totals {
	uint64_t files, rows, bytes; /* over all tables written */
};
void etl_outputs_totals(const struct etl_outputs *o, struct etl_output_totals *t);

/* {"TABLE": {"rows", "files", "version"?}} of the child tables; NULL without flatten. */
json_t *etl_outputs_children(const struct etl_outputs *o);
/* Dry run: the partition paths the target would get (at most a thousand). */
json_t *etl_outputs_partitions(const struct etl_outputs *o);

void etl_outputs_close(struct etl_outputs *o);

#endif
