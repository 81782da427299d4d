/*
 * parquet_describe.h - what lake-crawl registers of a Parquet file, read
 * from its footer alone.
 */
#ifndef LAKE_PARQUET_DESCRIBE_H
#define LAKE_PARQUET_DESCRIBE_H

#include <stdint.h>

#include <jansson.h>

#include "base/error.h"
#include "parquet/parquet.h"

struct lake_parquet_description {
	json_t *columns; /* [{"name","type"}], as lake_schema_columns_json() */
	json_t *stats;	 /* [{"column","nulls","min","max"}], as lake_schema_stats_json() */
	uint64_t rows;
	uint64_t footer_bytes; /* what describing it read of the file */
};

int lake_parquet_describe(const char *path, struct lake_parquet_description *out,
			  struct lake_error *e);
void lake_parquet_description_release(struct lake_parquet_description *d);

#endif
