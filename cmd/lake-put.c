/*
 * lake-put - land records or files in a table of the lake.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "govern/audit.h"
#include "formats/classifier.h"
#include "cli.h"
#include "store/lake.h"
#include "ingest/put.h"
#include "ingest/sqlite_source.h"

static const char usage[] =
    "usage: lake-put [--lake DIR] [--format ndjson|json|csv|tsv|auto] [--to ndjson|parquet]\n"
    "                [--classifier NAME]\n"
    "                [--partition KEY=VALUE ...] [--partition-by KEY=FIELD[:GRAIN] ...]\n"
    "                [--batch-rows N] [--batch-bytes N[K|M|G]] [--batch-seconds S]\n"
    "                [--max-open-partitions N] [--max-record-size N[K|M|G]]\n"
    "                [--on-error fail|skip|quarantine] [--level N] DB.TABLE [FILE ...]\n"
    "       lake-put [OPTIONS] --from-sqlite FILE --table NAME DB.TABLE\n";

static const char help[] =
    "\n"
    "Land records in a table of the lake, compressed and partitioned, atomically.\n"
    "Reads each FILE (or standard input when none or '-'); .zst inputs are\n"
    "decompressed. Prints one JSON record per committed data file.\n"
    "\n"
    "  --lake DIR                 the lake (default: $LAKE_DIR, or lake.json found upward)\n"
    "  --as NAME                  administrators: act as NAME, to try its grants\n"
    "  --format FMT               input format: ndjson, json (array), csv, tsv, or auto\n"
    "                             (default; sniffed from the name and first line)\n"
    "  --to ndjson                store CSV/TSV rows as JSON records (header names as keys)\n"
    "  --to parquet               store the records as Parquet files (ZSTD, typed columns\n"
    "                             from the values, statistics per row group)\n"
    "  --classifier NAME          the input is a text log: each line becomes the record of\n"
    "                             the named groups of the catalog's classifier NAME (kept\n"
    "                             by lake-crawl --classifier NAME=REGEX)\n"
    "  --partition KEY=VALUE      a static partition for every record (repeatable)\n"
    "  --partition-by KEY=FIELD[:GRAIN]\n"
    "                             a partition from each record's FIELD; GRAIN is year,\n"
    "                             month, day or hour of a timestamp, in UTC (repeatable)\n"
    "  --batch-rows N             commit a file every N rows (default: no limit)\n"
    "  --batch-bytes N[K|M|G]     ... every N bytes of records (default 5M)\n"
    "  --batch-seconds S          ... S seconds after its first record (default 300)\n"
    "  --max-open-partitions N    partitions buffered at once (default 500)\n"
    "  --max-record-size N[K|M|G] refuse a record longer than this, before holding\n"
    "                             more of it (default 256M, or $LAKE_MAX_RECORD_SIZE)\n"
    "  --on-error fail|skip|quarantine\n"
    "                             what a bad record does (default fail: nothing from that\n"
    "                             input is committed)\n"
    "  --level N                  zstd level, 1 to 19 (default 3)\n"
    "  --from-sqlite FILE         land a snapshot of --table NAME of an SQLite database\n"
    "  --help, --version\n"
    "\n"
    "A regular file is landed all or nothing; a pipe is landed batch by batch.\n"
    "See lake-put(1).\n";

enum {
	OPT_BATCH_BYTES = 256,
	OPT_BATCH_ROWS,
	OPT_BATCH_SECONDS,
	OPT_CLASSIFIER,
	OPT_FORMAT,
	OPT_FROM_SQLITE,
	OPT_LEVEL,
	OPT_MAX_OPEN,
	OPT_MAX_RECORD,
	OPT_ON_ERROR,
	OPT_PARTITION,
	OPT_PARTITION_BY,
	OPT_TABLE,
	OPT_TO,
};

static const struct option long_options[] = {
    {"batch-bytes", required_argument, NULL, OPT_BATCH_BYTES},
    {"batch-rows", required_argument, NULL, OPT_BATCH_ROWS},
    {"batch-seconds", required_argument, NULL, OPT_BATCH_SECONDS},
    {"classifier", required_argument, NULL, OPT_CLASSIFIER},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"from-sqlite", required_argument, NULL, OPT_FROM_SQLITE},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"max-open-partitions", required_argument, NULL, OPT_MAX_OPEN},
    {"max-record-size", required_argument, NULL, OPT_MAX_RECORD},
    {"on-error", required_argument, NULL, OPT_ON_ERROR},
    {"partition", required_argument, NULL, OPT_PARTITION},
    {"partition-by", required_argument, NULL, OPT_PARTITION_BY},
    {"table", required_argument, NULL, OPT_TABLE},
    {"to", required_argument, NULL, OPT_TO},
    {"version", no_argument, NULL, CLI_OPT_VERSION},
    CLI_COMMON_OPTIONS,
    {NULL, 0, NULL, 0},
};

struct args {
	const char *lake_dir;
	const char *from_sqlite;
	const char *sqlite_table;
	struct lake_put_options opts;
	struct lake_partkv statics[32];
	size_t nstatic;
	struct lake_partition_by dynamics[32];
	size_t ndynamic;
	const char *table;
	char **files;
	int nfiles;
	int format_given;
	const char *classifier;
};

static int add_static(struct args *a, const char *spec)
{
	const char *eq = strchr(spec, '=');
	char key[LAKE_NAME_MAX + 2];

	if (a->nstatic + a->ndynamic == 32)
		return cli_usage_error("too many partition keys (32 at most)");
	if (!eq || (size_t)(eq - spec) > LAKE_NAME_MAX)
		return cli_usage_error("--partition '%s': expected KEY=VALUE", spec);
	memcpy(key, spec, (size_t)(eq - spec));
	key[eq - spec] = '\0';
	if (!lake_name_valid(key))
		return cli_usage_error("--partition '%s': invalid key '%s': use a-z, 0-9 and _, "
				       "not starting with a digit",
				       spec, key);
	a->statics[a->nstatic].key = strdup(key);
	a->statics[a->nstatic].value = *(eq + 1) ? strdup(eq + 1) : NULL;
	a->nstatic++;
	return 0;
}

static int add_dynamic(struct args *a, const char *spec)
{
	struct lake_error err = {0};
	struct lake_partition_by *pb = &a->dynamics[a->ndynamic];

	if (a->nstatic + a->ndynamic == 32)
		return cli_usage_error("too many partition keys (32 at most)");
	if (lake_partition_by_parse(spec, pb, &err) < 0)
		return cli_usage_error("%s", err.msg);
	if (!lake_name_valid(pb->key)) {
		int rc = cli_usage_error("--partition-by '%s': invalid key '%s': use a-z, 0-9 and "
					 "_, not starting with a digit",
					 spec, pb->key);
		lake_partition_by_release(pb);
		return rc;
	}
	a->ndynamic++;
	return 0;
}

static int parse_option(struct args *a, int c, const char *v)
{
	uint64_t n;

	switch (c) {
	case OPT_FORMAT:
		a->format_given = 1;
		if (lake_format_parse(v, &a->opts.format) < 0)
			return cli_usage_error("--format '%s': use ndjson, json, csv, tsv or auto",
					       v);
		return 0;
	case OPT_CLASSIFIER:
		a->classifier = v;
		a->opts.format = LAKE_FORMAT_TEXT;
		return 0;
	case OPT_TO:
		if (strcmp(v, "ndjson") == 0)
			a->opts.to_ndjson = 1;
		else if (strcmp(v, "parquet") == 0)
			a->opts.to_parquet = 1;
		else
			return cli_usage_error("--to '%s': use ndjson or parquet", v);
		return 0;
	case OPT_PARTITION:
		return add_static(a, v);
	case OPT_PARTITION_BY:
		return add_dynamic(a, v);
	case OPT_BATCH_ROWS:
		return cli_parse_u64("--batch-rows", v, 1, UINT64_MAX, &a->opts.batch_rows) < 0
			   ? LAKE_EX_USAGE
			   : 0;
	case OPT_BATCH_BYTES:
		if (cli_parse_size("--batch-bytes", v, &n) < 0)
			return LAKE_EX_USAGE;
		if (n == 0)
			return cli_usage_error("--batch-bytes must be at least 1");
		a->opts.batch_bytes = n;
		return 0;
	case OPT_BATCH_SECONDS:
		if (cli_parse_u64("--batch-seconds", v, 1, 86400 * 365, &n) < 0)
			return LAKE_EX_USAGE;
		a->opts.batch_us = n * 1000000;
		return 0;
	case OPT_MAX_OPEN:
		if (cli_parse_u64("--max-open-partitions", v, 1, 100000, &n) < 0)
			return LAKE_EX_USAGE;
		a->opts.max_open_partitions = (size_t)n;
		return 0;
	case OPT_MAX_RECORD:
		return cli_max_record_size("--max-record-size", v);
	case OPT_ON_ERROR:
		if (lake_on_error_parse(v, &a->opts.on_error) < 0)
			return cli_usage_error("--on-error '%s': use fail, skip or quarantine", v);
		return 0;
	case OPT_LEVEL:
		if (cli_parse_u64("--level", v, 1, 19, &n) < 0)
			return LAKE_EX_USAGE;
		a->opts.level = (int)n;
		return 0;
	case OPT_FROM_SQLITE:
		a->from_sqlite = v;
		return 0;
	case OPT_TABLE:
		a->sqlite_table = v;
		return 0;
	default:
		return LAKE_EX_USAGE;
	}
}

/*
 * "events.ndjson" splits into database "events" and table "ndjson": a
 * valid name, but when such a file exists the arguments were surely
 * swapped.
 */
static int looks_like_a_file(const char *name)
{
	struct stat st;

	if (stat(name, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	static const char *const exts[] = {"ndjson", "jsonl", "json", "csv", "tsv",
					   "zst",    "gz",    "txt",  "log"};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof exts / sizeof exts[0]; i++)
		if (strcmp(dot + 1, exts[i]) == 0)
			return 1;
	return 0;
}

static int parse_args(struct args *a, int argc, char **argv)
{
	int c, rc;

	lake_put_options_init(&a->opts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		if ((rc = cli_common_option(c, argv, usage, help, &a->lake_dir)) > 0)
			return rc;
		if (rc < 0)
			continue;
		if ((rc = parse_option(a, c, optarg)) != 0)
			return rc;
	}
	if (optind >= argc)
		return cli_usage_error("missing DB.TABLE: name the table to land data in");
	a->table = argv[optind];
	if (looks_like_a_file(a->table))
		return cli_usage_error("'%s' is a file, not DB.TABLE: the table comes first, as in "
				       "'lake-put raw.events %s'",
				       a->table, a->table);
	a->files = argv + optind + 1;
	a->nfiles = argc - optind - 1;
	if (a->from_sqlite && a->nfiles)
		return cli_usage_error("--from-sqlite reads no FILE; remove '%s'", a->files[0]);
	if (!a->from_sqlite != !a->sqlite_table)
		return cli_usage_error("--from-sqlite FILE and --table NAME go together");
	if (a->from_sqlite && (a->format_given || a->opts.to_ndjson))
		return cli_usage_error("--from-sqlite lands JSON records; it takes no --format or "
				       "--to");
	if (a->classifier && (a->format_given || a->opts.to_ndjson || a->from_sqlite))
		return cli_usage_error(
		    "--classifier reads lines of text into JSON records; it takes "
		    "no --format, --to or --from-sqlite");
	a->opts.static_parts = a->statics;
	a->opts.nstatic = a->nstatic;
	a->opts.dynamic = a->dynamics;
	a->opts.ndynamic = a->ndynamic;
	return 0;
}

static void release_args(struct args *a)
{
	for (size_t i = 0; i < a->nstatic; i++) {
		free(a->statics[i].key);
		free(a->statics[i].value);
	}
	for (size_t i = 0; i < a->ndynamic; i++)
		lake_partition_by_release(&a->dynamics[i]);
}

static int print_file(const struct lake_put_file *f, void *arg)
{
	json_t *rec = json_pack("{s:s, s:s, s:s?, s:I, s:I, s:I}", "table", f->table, "file",
				f->path, "partition", f->partition, "rows", (json_int_t)f->rows,
				"bytes", (json_int_t)f->bytes, "version", (json_int_t)f->version);
	int rc;

	(void)arg;
	rc = json_dumpf(rec, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF;
	json_decref(rec);
	/* Each line is an acknowledgement: get it out now, not when a buffer fills. */
	return rc || fflush(stdout) != 0;
}

static void show_progress(const struct lake_put_progress *pr, void *arg)
{
	(void)arg;
	cli_progress("%s: %.1f MB read, %llu records, %llu files committed", pr->input,
		     (double)pr->input_bytes / 1e6, (unsigned long long)pr->records,
		     (unsigned long long)pr->files);
}

/* Every input must be there before anything lands, so that a retry does not land the first twice.
 */
static int check_inputs(const struct args *a, struct lake_error *e)
{
	for (int i = 0; i < a->nfiles; i++) {
		struct lake_input *in;
		if (lake_input_open_user(a->files[i], &in, e) < 0)
			return -1;
		lake_input_close(in);
	}
	return 0;
}

static int land_inputs(struct lake_put *p, const struct args *a, struct lake_error *e)
{
	if (a->from_sqlite)
		return lake_put_from_sqlite(p, a->from_sqlite, a->sqlite_table, e);
	if (check_inputs(a, e) < 0)
		return -1;
	if (a->nfiles == 0 && isatty(STDIN_FILENO))
		fprintf(stderr, "%s: reading records from the terminal; end with Ctrl-D\n",
			cli_prog());
	for (int i = 0; i < (a->nfiles ? a->nfiles : 1); i++) {
		struct lake_input *in;
		int rc;
		if (lake_input_open_user(a->nfiles ? a->files[i] : NULL, &in, e) < 0)
			return -1;
		rc = lake_put_input(p, in, e);
		lake_input_close(in);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* What happened, on stderr; returns the exit status it implies. */
static int report_totals(const struct lake_put_totals *t, const char *table, int status)
{
	char a[64], b[64];

	cli_progress_end();
	if (t->skipped)
		cli_warn("skipped %s; the first: %s",
			 cli_count(a, sizeof a, t->skipped, "bad record", "bad records"),
			 t->first_bad);
	if (t->quarantined)
		cli_warn("quarantined %s in %s/; the first: %s",
			 cli_count(a, sizeof a, t->quarantined, "bad record", "bad records"),
			 t->quarantine_dir, t->first_bad);
	if (t->missing_field)
		cli_warn("%s no field '%s' for --partition-by: they landed in the null partition "
			 "(__HIVE_DEFAULT_PARTITION__); is the field's name right?",
			 cli_count(a, sizeof a, t->missing_field, "record has", "records have"),
			 t->missing_field_name);
	if (status == 0 && t->rows == 0 && (t->skipped || t->quarantined)) {
		cli_error("nothing landed: every record was bad");
		return LAKE_EX_DATAERR;
	}
	if (status && t->failed_on_record)
		fprintf(stderr,
			"%s: nothing of that input was committed; --on-error skip or quarantine "
			"lands its good records\n",
			cli_prog());
	if (status && t->files)
		fprintf(stderr, "%s: committed before the error: %s in %s\n", cli_prog(),
			cli_count(a, sizeof a, t->rows, "row", "rows"),
			cli_count(b, sizeof b, t->files, "file", "files"));
	else if (!status && isatty(STDERR_FILENO) && !t->files)
		fprintf(stderr, "%s: nothing to land: the input held no records\n", cli_prog());
	else if (!status && isatty(STDERR_FILENO))
		fprintf(stderr, "%s: landed %s in %s (%llu bytes) in %s\n", cli_prog(),
			cli_count(a, sizeof a, t->rows, "row", "rows"),
			cli_count(b, sizeof b, t->files, "file", "files"),
			(unsigned long long)t->bytes, table);
	return status;
}

int main(int argc, char **argv)
{
	struct lake_error err = {0};
	struct args a = {0};
	struct lake *lake = NULL;
	struct lake_put *p = NULL;
	struct lake_classifier classifier = {0};
	int64_t started = 0;
	int status;

	cli_init("lake-put");
	cli_catch_interrupts();
	if ((status = parse_args(&a, argc, argv)) != 0)
		goto out;
	started = lake_monotonic_us();
	if (isatty(STDERR_FILENO))
		a.opts.progress = show_progress;
	if (a.classifier)
		a.opts.classifier = &classifier;
	if (cli_lake_open(a.lake_dir, &lake, &err) < 0 ||
	    (a.classifier && lake_classifier_load(lake, a.classifier, &classifier, &err) < 0) ||
	    lake_put_open(lake, a.table, &a.opts, print_file, NULL, &p, &err) < 0) {
		status = cli_fail(&err);
		goto out;
	}
	if (land_inputs(p, &a, &err) < 0) {
		cli_progress_end();
		status = cli_fail(&err);
	}
	status = report_totals(lake_put_totals(p), a.table, status);
	{
		const struct lake_put_totals *t = lake_put_totals(p);
		/* Without an error of its own, a failed put is one whose every record was bad. */
		const char *why = err.code ? err.msg : "nothing landed: every record was bad";
		struct lake_audit_event ev = {"put",
					      a.table,
					      status ? "error" : "ok",
					      t->rows,
					      t->bytes,
					      NULL,
					      lake_monotonic_us() - started,
					      NULL,
					      status ? why : NULL};
		lake_audit(lake, &ev);
	}
out:
	lake_put_close(p);
	lake_close(lake);
	lake_classifier_release(&classifier);
	release_args(&a);
	return cli_finish_stdout(status);
}
