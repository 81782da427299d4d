/*
 * put.h - landing records in a table: the engine behind lake-put.
 *
 * Records go to one writer per partition.  A writer buffers records as
 * they arrive (CSV stays CSV, NDJSON stays NDJSON), hands full chunks to
 * the compressor thread, and becomes a data file when a batch limit
 * fires (rows, bytes or seconds since its first record) or the input
 * ends.  Memory stays bounded whatever the input: chunks are compressed
 * as soon as they fill, the total held in buffers has a budget (the
 * largest buffer is compressed when it is exceeded), and at most
 * max_open_partitions writers are open (the least recently used one is
 * committed to make room).
 *
 * When a file becomes visible depends on the input:
 *   - a regular file is landed all or nothing: its data files are staged
 *     as they fill and published together in one catalog transaction at
 *     the end, so an error or crash leaves nothing of it in the table;
 *   - a pipe is a stream: each data file is published as soon as it is
 *     complete, so a long-running feed lands data batch by batch.
 * Every published file is reported through the emit callback, after its
 * commit: what was reported is durable.
 *
 *	struct lake_put *p;
 *	lake_put_open(lake, "raw.events", &opts, print_file, NULL, &p, &err);
 *	lake_put_input(p, input, &err);        // for each input
 *	lake_put_close(p);                     // discards anything unpublished
 */
#ifndef LAKE_PUT_H
#define LAKE_PUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "formats/input.h"
#include "store/lake.h"
#include "base/ltime.h"
#include "base/names.h"
#include "formats/reader.h"

enum lake_on_error {
	LAKE_ON_ERROR_FAIL = 0, /* stop; nothing more from this input is published */
	LAKE_ON_ERROR_SKIP,
	LAKE_ON_ERROR_QUARANTINE, /* keep the bad record and its reason under quarantine/ */
};

int lake_on_error_parse(const char *s, enum lake_on_error *out);

/* --partition-by KEY=FIELD[:GRAIN] */
struct lake_partition_by {
	char *key;
	char *field; /* a top-level field, or a dotted path into nested objects */
	int has_grain;
	enum lake_time_grain grain;
};

int lake_partition_by_parse(const char *spec, struct lake_partition_by *out, struct lake_error *e);
void lake_partition_by_release(struct lake_partition_by *pb);

/* What a long put has done so far, for a progress line. */
struct lake_put_progress {
	const char *input;
	uint64_t input_bytes; /* bytes of the current input read, compressed size for .zst */
	uint64_t records;     /* records read from all inputs */
	uint64_t files;	      /* files published */
};

typedef void (*lake_put_progress_fn)(const struct lake_put_progress *pr, void *arg);

struct lake_classifier;

struct lake_put_options {
	enum lake_format format; /* of the inputs; AUTO sniffs each one */
	int to_ndjson;		 /* convert CSV and TSV rows to JSON records */
	/*
	 * Write Parquet files (their records buffered as NDJSON in tmp/,
	 * converted when the file is complete, with the columns observed).
	 */
	int to_parquet;
	/*
	 * TEXT: lines of a log, each cut by this classifier's named groups
	 * into a record (stored as JSON); a line it does not match is bad.
	 */
	const struct lake_classifier *classifier;
	const struct lake_partkv *static_parts;
	size_t nstatic;
	const struct lake_partition_by *dynamic;
	size_t ndynamic;
	uint64_t batch_rows;  /* 0: no limit */
	uint64_t batch_bytes; /* of uncompressed record text; 0: no limit */
	uint64_t batch_us;    /* age of a file's first record; 0: no limit */
	size_t max_open_partitions;
	enum lake_on_error on_error;
	int level;		       /* zstd level */
	lake_put_progress_fn progress; /* called about once a second while reading, if set */
	void *progress_arg;
	/*
	 * Observe every record so that each file is registered with its
	 * columns, statistics and crawl fingerprint: queries prune it and
	 * lake-crawl need not read it.
	 */
	int describe_files;
	/*
	 * Records (lake_put_records_*): the end stages the files, pending and
	 * in place, and the caller publishes them in a transaction of its own
	 * (lake_put_staged, lake_catalog_commit_version, lake_put_published);
	 * lake_put_close discards them if it did not.
	 */
	int defer_publish;
};

#define LAKE_PUT_DEFAULT_BATCH_BYTES (5u << 20)
#define LAKE_PUT_DEFAULT_BATCH_SECONDS 300
#define LAKE_PUT_DEFAULT_MAX_OPEN 500

void lake_put_options_init(struct lake_put_options *o);

/* A published data file. */
struct lake_put_file {
	const char *table;     /* "db.table" */
	const char *path;      /* relative to the lake */
	const char *partition; /* "k=v/…", or NULL when the table is not partitioned */
	uint64_t rows;
	uint64_t bytes;	 /* on disk, compressed */
	int64_t version; /* the table version that made it live */
};

/* Called after each file is published; a non-zero return stops the put (e.g. stdout failed). */
typedef int (*lake_put_emit_fn)(const struct lake_put_file *f, void *arg);

struct lake_put_totals {
	uint64_t rows;
	uint64_t files;
	uint64_t bytes;
	uint64_t skipped;
	uint64_t quarantined;
	char first_bad[512];	/* the first skipped or quarantined record's message */
	int failed_on_record;	/* the put stopped at a bad record (--on-error fail) */
	uint64_t missing_field; /* records without a --partition-by field (in its null partition) */
	char missing_field_name[128]; /* the first such field */
	char quarantine_dir[512];
};

struct lake_put;

/*
 * Whether the acting principal may land records in db.table ("db.table"):
 * a database name no database may have (lake_database_name_new) is
 * LAKE_EX_USAGE; else INSERT on the table, and CREATE_TABLE on its
 * database when the table does not exist yet, or LAKE_EX_NOPERM (the
 * denial audited).  lake_put_open checks it; lake-etl asks first, before
 * it records anything of a run.
 */
int lake_put_may_land(struct lake *lake, const char *qualified, struct lake_error *e);

int lake_put_open(struct lake *lake, const char *qualified, const struct lake_put_options *o,
		  lake_put_emit_fn emit, void *emit_arg, struct lake_put **out,
		  struct lake_error *e);

/* Land every record of in; see the header comment for when files become visible. */
int lake_put_input(struct lake_put *p, struct lake_input *in, struct lake_error *e);

/*
 * Land records supplied one by one (lake-put --from-sqlite), all or
 * nothing like a regular file: each record is one valid JSON object, and
 * lake_put_records_end() publishes them together.
 */
void lake_put_records_begin(struct lake_put *p, const char *source_name);
int lake_put_record_json(struct lake_put *p, const char *json, size_t len, uint64_t line,
			 struct lake_error *e);
int lake_put_records_end(struct lake_put *p, struct lake_error *e);

/* Records as CSV rows under this header (fields in lake_record.field). */
void lake_put_records_begin_csv(struct lake_put *p, const char *source_name,
				const char *const *names, size_t n);

/*
 * One record (JSON or CSV fields per the begin call); with
 * partition_values, the values of the dynamic partition keys (NULL for
 * null) are these rather than the record's fields.
 */
int lake_put_record(struct lake_put *p, const struct lake_record *rec,
		    const char *const *partition_values, struct lake_error *e);

/* defer_publish: the staged files, after lake_put_records_end. */
struct lake_put_staged_file {
	int64_t id; /* its pending row in the catalog */
	const char *path;
	const char *partition; /* "" when unpartitioned */
	uint64_t rows;
	uint64_t bytes;
};

size_t lake_put_staged(const struct lake_put *p, int64_t *table_id);
void lake_put_staged_file(const struct lake_put *p, size_t i, struct lake_put_staged_file *f);
/* The caller committed them at `version`: report each through emit. */
int lake_put_published(struct lake_put *p, int64_t version, struct lake_error *e);

const struct lake_put_totals *lake_put_totals(const struct lake_put *p);

/* Discard whatever is not published and free everything. */
void lake_put_close(struct lake_put *p);

#endif
