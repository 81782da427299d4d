/*
 * etl_map.h - a stream filter: SQL over NDJSON records, batch by batch
 * (lake-etl map).
 *
 * Records are read in batches of batch_rows; each batch is the table
 * `input` of an in-memory SQLite database, with a column for every key
 * seen so far (a key a record lacks is NULL; a column the SQL names that
 * no record had yet is NULL too), typed by what the batch holds: numbers,
 * text, booleans (true/false again on output), nested values as JSON
 * (embedded as JSON on output).  The SQL runs once per batch and its rows
 * go out as NDJSON, so memory is bounded by a batch whatever the stream's
 * length, and an aggregate (GROUP BY, count) applies per batch.  The SQL
 * may read `input` only: no other tables, no writes, no pragmas, no
 * extensions.
 */
#ifndef LAKE_ETL_MAP_H
#define LAKE_ETL_MAP_H

#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "formats/input.h"

struct lake_etl_map_options {
	uint64_t batch_rows;
	int skip_bad;			/* skip malformed lines (counted) rather than fail */
	const char *const *param_names; /* bound to :NAME */
	const char *const *param_values;
	size_t nparams;
};

struct lake_etl_map_totals {
	uint64_t records; /* read */
	uint64_t rows;	  /* written */
	uint64_t skipped;
	char first_bad[512]; /* FILE:LINE:COLUMN: why, of the first skipped line */
};

int lake_etl_map(const char *sql, struct lake_input *in, FILE *out,
		 const struct lake_etl_map_options *o, struct lake_etl_map_totals *t,
		 struct lake_error *e);

#endif
