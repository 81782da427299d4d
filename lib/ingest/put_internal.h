/*
 * put_internal.h - what put.c (writers, staging, committing) and
 * partition.c (which partition a record goes to) share.  Not part of the
 * library's interface (put.h is).
 */
#ifndef LAKE_PUT_INTERNAL_H
#define LAKE_PUT_INTERNAL_H

#include <stdint.h>

#include <jansson.h>

#include "base/fsutil.h"
#include "formats/classifier.h"
#include "ingest/compressor.h"
#include "ingest/put.h"
#include "values/infer.h"

struct writer {
	char *partition; /* escaped "k=v/…", "" when unpartitioned */
	struct lake_tmpfile tmp;
	struct lake_zsink sink;
	struct lake_buf pending; /* records not yet handed to the compressor */
	uint64_t rows;
	uint64_t raw_bytes;
	int64_t deadline_us; /* monotonic instant at which --batch-seconds fires; 0: never */
	uint64_t last_use;
	struct lake_schema *schema; /* describe_files: what its records hold */
	int converted;		    /* --to parquet: tmp holds the Parquet file already */
	struct writer *next_in_bucket;
	struct writer *prev, *next;
};

/*
 * A finished data file waiting to be published: complete in tmp/, then
 * registered as pending and renamed to `path`, then live.
 */
struct staged {
	char *tmp_path;
	char *path; /* relative to the lake */
	char *partition;
	uint64_t rows;
	uint64_t bytes;
	uint64_t raw_bytes;
	int64_t id;   /* its pending row, once registered */
	int renamed;  /* it is at `path`, no longer in tmp/ */
	char *schema; /* describe_files: its columns, JSON text */
	json_t *stats;
	int64_t fp_size, fp_mtime_ns;
};

struct lake_put {
	struct lake *lake;
	char db[LAKE_NAME_MAX + 1];
	char table[LAKE_NAME_MAX + 1];
	char *qualified;
	struct lake_put_options o;
	lake_put_emit_fn emit;
	void *emit_arg;
	struct lake_compressor *z;
	int64_t table_id;
	int table_ready; /* table_id exists and agrees with the current input */

	/* The input being landed. */
	const char *in_name;
	const char *out_format; /* "ndjson", "csv" or "tsv" */
	int atomic;
	int csv_in; /* rows come as fields */
	char delim;
	int prepared; /* header-dependent state is ready */
	struct lake_buf csv_header;
	char *csv_header_json; /* the header's names as a JSON array */
	char why[256];	       /* the reason a record is bad, when it needs details */
	char **json_keys;      /* to_ndjson: each header name as a JSON string and ':' */
	size_t nkeys;
	long *dyn_column;		 /* CSV: the column of each dynamic partition field */
	const char *const *given_values; /* lake_put_record: the dynamic keys' values */
	int values_given;
	char **header_names; /* CSV with describe_files: the header's names */
	size_t nheader;
	/* TEXT: a line's fields, the classifier's named groups in order */
	struct lake_group *groups;
	const char **text_field;
	size_t *text_len;
	size_t ntext;

	struct writer **buckets;
	size_t nbuckets;
	size_t nwriters;
	struct writer *writers;
	struct writer *last;
	struct writer *closing; /* committed writers whose last chunks are still compressing */
	uint64_t clock;
	uint64_t buffered;
	int64_t next_deadline;
	struct staged *staged;
	size_t nstaged, cap_staged;

	struct lake_partkv *kv;
	struct lake_buf *values;
	struct lake_buf key, row, scratch;

	uint64_t records_read;
	int64_t next_progress_us;

	struct lake_tmpfile quarantine;
	int quarantine_open;
	struct lake_put_totals totals;
};

/*
 * Build the record's partition path ("k=v/...", "" unpartitioned) into
 * p->key: NULL, or why the record cannot be placed (partition.c).
 */
const char *lake_put_partition_of(struct lake_put *p, const struct lake_record *rec);

#endif
