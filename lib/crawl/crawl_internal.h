/*
 * crawl_internal.h - what crawl.c (walking a table, deciding, committing)
 * and inspect.c (reading one file to learn its schema and statistics)
 * share.  Not part of the library's interface (crawl.h is).
 */
#ifndef LAKE_CRAWL_INTERNAL_H
#define LAKE_CRAWL_INTERNAL_H

#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/names.h"
#include "crawl/crawl.h"

/* Rows read to decide whether a CSV file's first row is a header. */
#define HEADER_SAMPLE_ROWS 64

/* A file found under the table's directory. */
struct found {
	char *rel;	 /* relative to the lake: data/DB/T/k=v/part-… */
	char *partition; /* the directories between the table and the file, "" for none */
	int64_t size;
	int64_t mtime_ns;
};

/* A file the catalog knows (pending, live). */
struct known {
	int64_t id;
	char *path;
	int pending;
	int has_schema;
	int64_t fp_size, fp_mtime_ns;
	int seen; /* found on disk by this crawl */
};

/* What reading one file produced, to be registered. */
struct result {
	const struct found *file;
	int64_t known_id;   /* its registration when lake-put made it (no schema yet) */
	int64_t replace_id; /* the registration of the changed file it replaces */
	json_t *columns;
	json_t *stats;
	uint64_t rows;
	int64_t raw_bytes;
	char format[8];
	int zstd;
	json_t *events; /* what reading it said (header decisions, errors), in order */
	char classifier[LAKE_NAME_MAX + 1]; /* the custom classifier that read it, if any */
	json_t *csv_header;		    /* CSV read with a header: its names, in order */
	char delim;			    /* CSV: the field separator */
	int failed;			    /* it cannot be registered */
};

struct table_crawl {
	struct lake *lake;
	const struct lake_crawl_options *o;
	struct lake_crawl_totals *totals;
	char db[LAKE_NAME_MAX + 1], name[LAKE_NAME_MAX + 1], qualified[2 * LAKE_NAME_MAX + 2];
	int64_t id; /* 0: not in the catalog yet */
	int64_t version;
	/*
	 * The catalog rows the crawl decides from (the table's and its
	 * files'), as text: when they differ at commit time, another program
	 * committed meanwhile and the crawl of the table is done again.
	 */
	struct lake_buf seen;
	char *format; /* the table's, or the first file's for a new table */
	int zstd;
	json_t *columns, *keys, *props;
	struct found *files;
	size_t nfiles, capfiles;
	struct known *known;
	size_t nknown;
	struct result *results;
	size_t nresults;
	json_t *events;
	json_t *changes;
	json_t *new_partitions; /* paths of partitions the catalog does not have yet */
	size_t removed;
	int failed;
	int rebuild; /* a property changed how files are read: read them all, rebuild the schema */
	int rewalk;  /* a later attempt (the table changed meanwhile): the first walk warned */
};

/* An event of reading the file, and an error that keeps it from being registered (crawl.c). */
void lake_crawl_result_event(struct result *r, json_t *ev);
void lake_crawl_result_error(struct result *r, const char *what);

/*
 * Read one file (res->file) as the table reads it: its format, header,
 * columns, statistics and rows into res (inspect.c).
 */
int lake_crawl_read_file(const struct table_crawl *tc, struct result *res);

#endif
