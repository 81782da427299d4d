/*
 * parquet_convert.h - NDJSON records into a Parquet file: how lake-put
 * (and so lake-etl) writes Parquet.
 */
#ifndef LAKE_PARQUET_CONVERT_H
#define LAKE_PARQUET_CONVERT_H

#include <jansson.h>

#include "base/error.h"
#include "parquet/parquet.h"

/*
 * Write the records of the NDJSON file in_path (zstd-compressed or not)
 * to fd as Parquet, with the columns [{"name","type"[,"key"]}] (the types
 * lake's, as lake_schema_columns_json() gives them; a null-only column is
 * a string).  A column's values are the members named its "key", or its
 * name when it has none.  Members that name no column are left out.
 */
int lake_parquet_write_ndjson(const char *in_path, json_t *columns, int fd, const char *name,
			      const struct lake_parquet_write_options *o, struct lake_error *e);

#endif
