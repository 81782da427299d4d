/*
 * lake-query - SQL over the lake.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "govern/audit.h"
#include "cli.h"
#include "formats/input.h"
#include "base/fsutil.h"
#include "values/jscan.h"
#include "store/lake.h"
#include "query/output.h"
#include "query/query.h"

static const char usage[] =
    "usage: lake-query [--lake DIR] [--format FMT] [--limit N] [--as-of VERSION|TIME]\n"
    "                  [--explain] [--join-memory N[K|M|G]] [SQL | -f FILE]\n";

static const char help[] =
    "\n"
    "Run SQL (SQLite's dialect) over every table of the lake, addressed as DB.TABLE.\n"
    "The SQL is the argument, the contents of FILE, or standard input. Scans skip\n"
    "partitions and files that the WHERE clause excludes, and decode only the\n"
    "columns the query uses. Nothing can be written.\n"
    "\n"
    "  --lake DIR       the lake (default: $LAKE_DIR, or lake.json found upward)\n"
    "  --as NAME        administrators: act as NAME, to try its grants\n"
    "  --format FMT     ndjson, table, csv, tsv or json (default: table on a terminal,\n"
    "                   ndjson otherwise)\n"
    "  --limit N        print at most N rows of each statement's result\n"
    "  --as-of V|TIME   read every table as it was at version V or at TIME\n"
    "  --explain        show SQLite's plan and, per table, the files and bytes\n"
    "                   scanned and skipped (by partition, by statistics)\n"
    "  --join-memory N[K|M|G]  the most memory the rows a join keeps may take\n"
    "                   (default: a quarter of the memory, at most 1G, or\n"
    "                   $LAKE_JOIN_MEMORY)\n"
    "  -f FILE          read the SQL from FILE\n"
    "  -h, --help, --version\n"
    "\n"
    "See lake-query(1).\n";

enum {
	OPT_AS_OF = 256,
	OPT_EXPLAIN,
	OPT_FORMAT,
	OPT_JOIN_MEMORY,
	OPT_LIMIT,
};

static const struct option long_options[] = {
    {"as-of", required_argument, NULL, OPT_AS_OF},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"join-memory", required_argument, NULL, OPT_JOIN_MEMORY},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"version", no_argument, NULL, CLI_OPT_VERSION},
    CLI_COMMON_OPTIONS,
    {NULL, 0, NULL, 0},
};

struct args {
	const char *lake_dir;
	const char *file;
	const char *sql;
	enum lake_out_format format;
	uint64_t limit;
	int has_limit;
	const char *as_of;
	int explain;
	uint64_t join_memory; /* 0: the default */
};

struct printer {
	struct lake_out *out;
	int statement; /* the statement whose rows out prints; -1 before the first */
	const char **columns;
	int ncolumns;
	uint64_t rows, limit;
	uint64_t total_rows; /* of every statement, for the audit */
	int has_limit;
	int failed;
	struct lake_buf pending; /* NDJSON rows not written yet: they go out in blocks */
};

/* NDJSON rows are gathered up to this many bytes for one write. */
#define PENDING_BLOCK (64 * 1024)

/* A size for the rows joins keep: at least a kibibyte, so that a typo's 0 means no surprise. */
static int join_memory(const char *option, const char *value, uint64_t *out)
{
	if (cli_parse_size(option, value, out) < 0)
		return -1;
	if (*out < 1024) {
		cli_usage_error("%s must be at least 1K", option);
		return -1;
	}
	return 0;
}

static int parse_args(struct args *a, int argc, char **argv)
{
	const char *env = getenv("LAKE_JOIN_MEMORY");

	if (env && *env && join_memory("LAKE_JOIN_MEMORY", env, &a->join_memory) < 0)
		return LAKE_EX_USAGE;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:h", long_options, NULL)) != -1) {
		int rc = cli_common_option(c, argv, usage, help, &a->lake_dir);
		if (rc > 0)
			return rc;
		if (rc < 0)
			continue;
		switch (c) {
		case OPT_FORMAT:
			if (cli_parse_format(optarg, &a->format) != 0)
				return LAKE_EX_USAGE;
			break;
		case OPT_LIMIT:
			if (cli_parse_u64("--limit", optarg, 0, UINT64_MAX, &a->limit) < 0)
				return LAKE_EX_USAGE;
			a->has_limit = 1;
			break;
		case 'f':
			a->file = optarg;
			break;
		case OPT_AS_OF:
			a->as_of = optarg;
			break;
		case OPT_EXPLAIN:
			a->explain = 1;
			break;
		case OPT_JOIN_MEMORY:
			if (join_memory("--join-memory", optarg, &a->join_memory) < 0)
				return LAKE_EX_USAGE;
			break;
		default:
			return cli_bad_option(c, argv);
		}
	}
	if (optind < argc)
		a->sql = argv[optind++];
	if (optind < argc)
		return cli_usage_error("one SQL argument only (quote it): '%s' is extra",
				       argv[optind]);
	if (a->sql && a->file)
		return cli_usage_error("give the SQL as an argument or with -f, not both");
	return 0;
}

static char *read_sql(const struct args *a, struct lake_error *e)
{
	char *text = NULL;
	size_t n;

	if (a->sql)
		return lake_xstrdup(a->sql);
	if (lake_read_file(a->file ? a->file : "/dev/stdin", &text, &n, e) < 0)
		return NULL;
	return text;
}

static void write_pending(struct printer *p)
{
	if (p->pending.len)
		p->failed |= fwrite(p->pending.data, 1, p->pending.len, stdout) != p->pending.len;
	lake_buf_reset(&p->pending);
}

static void end_output(struct printer *p)
{
	write_pending(p);
	if (p->out && lake_out_close(p->out) < 0)
		p->failed = 1;
	p->out = NULL;
	for (int i = 0; i < p->ncolumns; i++)
		free((char *)p->columns[i]);
	free(p->columns);
	p->columns = NULL;
	p->ncolumns = 0;
}

/* A name the record has already: "id" twice (a self-join) becomes "id", "id_2". */
static char *unique_name(const char **taken, int n, const char *name)
{
	struct lake_buf b = LAKE_BUF_INIT;

	lake_buf_addstr(&b, name);
	for (int k = 2;; k++) {
		int clash = 0;
		for (int i = 0; i < n && !clash; i++)
			clash = strcmp(taken[i], b.data) == 0;
		if (!clash)
			return lake_buf_detach(&b);
		lake_buf_reset(&b);
		lake_buf_addf(&b, "%s_%d", name, k);
	}
}

/*
 * Each statement's result gets its own output (its own header or table):
 * columns named as SQLite names them, made unique, opened at its first row.
 */
static void start_output(struct printer *p, sqlite3_stmt *st, int statement, enum lake_out_format f)
{
	end_output(p);
	p->statement = statement;
	p->rows = 0;
	p->ncolumns = sqlite3_column_count(st);
	p->columns = lake_xcalloc((size_t)p->ncolumns + 1, sizeof *p->columns);
	for (int i = 0; i < p->ncolumns; i++)
		p->columns[i] = unique_name(p->columns, i, sqlite3_column_name(st, i));
	p->out = lake_out_open(stdout, f, p->columns);
}

static json_t *value_json(sqlite3_stmt *st, int i, enum lake_out_format f)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return lake_out_real(sqlite3_column_double(st, i), f);
	case SQLITE_NULL:
		return json_null();
	case SQLITE_BLOB:
		return json_stringn((const char *)sqlite3_column_blob(st, i),
				    (size_t)sqlite3_column_bytes(st, i));
	default: {
		const char *t = (const char *)sqlite3_column_text(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i);
		/* Struct and array columns are JSON: embed them, not a string of them. */
		if (lake_query_column_is_json(st, i)) {
			json_t *j = json_loadb(t, n, JSON_DECODE_ANY, NULL);
			if (j)
				return j;
		}
		return json_stringn(t, n);
	}
	}
}

struct format_choice {
	enum lake_out_format format;
	struct printer *printer;
	/* NDJSON, made once per statement: */
	/* What comes before each column's value: '{' or ',', then "\"name\":", one after another.
	 */
	struct lake_buf keys;
	size_t *key_end;	    /* where each column's part ends in keys */
	enum lake_value_kind *kind; /* how each column's values are written */
	int keys_for;		    /* the statement they were made for; -1: none yet */
};

/* The column names as JSON keys, and which columns are JSON. */
static void ndjson_keys(struct format_choice *fc, struct printer *p, sqlite3_stmt *st)
{
	size_t n = (size_t)(p->ncolumns ? p->ncolumns : 1);

	if (fc->keys_for == p->statement)
		return;
	lake_buf_reset(&fc->keys);
	fc->key_end = lake_xrealloc(fc->key_end, n * sizeof *fc->key_end);
	fc->kind = lake_xrealloc(fc->kind, n * sizeof *fc->kind);
	for (int i = 0; i < p->ncolumns; i++) {
		lake_buf_addc(&fc->keys, i ? ',' : '{');
		lake_buf_add_json_string(&fc->keys, p->columns[i], strlen(p->columns[i]));
		lake_buf_addc(&fc->keys, ':');
		fc->key_end[i] = fc->keys.len;
		fc->kind[i] = lake_query_column_kind(st, i, 0);
	}
	fc->keys_for = p->statement;
}

/*
 * NDJSON, the piped case, is written directly: a jansson tree per row
 * would cost more than the scan that produced it.
 */
static int print_ndjson_row(sqlite3_stmt *st, struct format_choice *fc)
{
	struct printer *p = fc->printer;
	struct lake_buf *b = &p->pending;
	size_t key = 0;

	ndjson_keys(fc, p, st);
	if (!p->ncolumns)
		lake_buf_addc(b, '{');
	for (int i = 0; i < p->ncolumns; i++) {
		lake_buf_add(b, fc->keys.data + key, fc->key_end[i] - key);
		key = fc->key_end[i];
		lake_query_value_as(b, st, i, fc->kind[i]);
	}
	lake_buf_add(b, "}\n", 2);
	if (b->len >= PENDING_BLOCK)
		write_pending(p);
	p->rows++;
	p->total_rows++;
	return p->failed;
}

static int print_json_row(sqlite3_stmt *st, struct printer *p, enum lake_out_format f)
{
	json_t *rec = json_object();

	for (int i = 0; i < p->ncolumns; i++)
		json_object_set_new(rec, p->columns[i], value_json(st, i, f));
	p->failed |= lake_out_record(p->out, rec) < 0;
	json_decref(rec);
	p->rows++;
	p->total_rows++;
	return p->failed;
}

/* --limit counts each statement's rows: every result is cut the same way. */
static int print_row(sqlite3_stmt *st, int statement, int row, void *arg)
{
	struct format_choice *fc = arg;
	struct printer *p = fc->printer;

	if (p->statement != statement)
		start_output(p, st, statement, fc->format);
	if (!row)
		return 0;
	if (p->has_limit && p->rows >= p->limit)
		return 1;
	if (fc->format == LAKE_OUT_NDJSON)
		print_ndjson_row(st, fc);
	else
		print_json_row(st, p, fc->format);
	return p->failed || (p->has_limit && p->rows >= p->limit);
}

static void show_progress(const char *table, uint64_t files_done, uint64_t files_total,
			  uint64_t bytes_done, uint64_t bytes_total, void *arg)
{
	(void)arg;
	cli_progress("%s: %llu of %llu files, %.1f of %.1f MB", table,
		     (unsigned long long)files_done, (unsigned long long)files_total,
		     (double)bytes_done / 1e6, (double)bytes_total / 1e6);
}

static void show_warning(const char *msg, void *arg)
{
	(void)arg;
	cli_progress_end();
	cli_warn("%s", msg);
}

static int discard_row(sqlite3_stmt *st, int statement, int row, void *arg)
{
	(void)st;
	(void)statement;
	(void)row;
	(void)arg;
	return 0;
}

/* What each table read and skipped, after the statement ran (its rows not printed). */
static int print_scans(struct lake_query *q, enum lake_out_format f)
{
	static const char *const cols[] = {"table",
					   "files_scanned",
					   "files_skipped_partition",
					   "files_skipped_stats",
					   "files_counted",
					   "bytes_scanned",
					   "bytes_skipped",
					   "rows",
					   "scans",
					   "scans_from_memory",
					   NULL};
	const char *const *names;
	const struct lake_scan_stats *st;
	size_t stride, n = lake_query_table_stats(q, &names, &st, &stride);
	struct lake_out *out = lake_out_open(stdout, f, cols);
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		const char *name = *(const char *const *)((const char *)names + i * stride);
		const struct lake_scan_stats *s =
		    (const struct lake_scan_stats *)((const char *)st + i * stride);
		if (!s->scans)
			continue; /* declared with its database, never read */
		if (s->filtered) {
			/* Its counts include rows the principal may not see. */
			json_t *rec = json_pack("{s:s, s:b}", "table", name, "filtered", 1);
			failed |= lake_out_record(out, rec) < 0;
			json_decref(rec);
			continue;
		}
		json_t *rec = json_pack(
		    "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "table", name,
		    "files_scanned", (json_int_t)s->files_scanned, "files_skipped_partition",
		    (json_int_t)s->files_skipped_partition, "files_skipped_stats",
		    (json_int_t)s->files_skipped_stats, "files_counted",
		    (json_int_t)s->files_counted, "bytes_scanned", (json_int_t)s->bytes_scanned,
		    "bytes_skipped", (json_int_t)s->bytes_skipped, "rows", (json_int_t)s->rows,
		    "scans", (json_int_t)s->scans, "scans_from_memory", (json_int_t)s->kept_scans);
		failed |= lake_out_record(out, rec) < 0;
		json_decref(rec);
	}
	return lake_out_close(out) < 0 || failed ? -1 : 0;
}

/* --explain: SQLite's plan of each statement, then the statements run for their scans. */
static int explain(struct lake_query *q, const char *sql, struct format_choice *fc,
		   struct lake_error *e)
{
	int rc = lake_query_plan(q, sql, print_row, fc, e);

	end_output(fc->printer);
	if (rc == 0)
		rc = lake_query_run(q, sql, discard_row, NULL, e);
	if (rc == 0 && print_scans(q, fc->format) < 0)
		rc = lake_err(e, LAKE_EX_IOERR, "cannot write to standard output");
	return rc;
}

/* One audit event per run: the SQL, what it read of each table, the rows it gave. */
static void audit_query(struct lake *lake, struct lake_query *q, const char *sql,
			const struct lake_error *err, uint64_t rows, int64_t us)
{
	json_t *reads = lake_query_reads(q);
	struct lake_buf tables = LAKE_BUF_INIT;
	const char *key;
	json_t *v;

	/* A denial was audited where it happened. */
	if (err && err->code == LAKE_EX_NOPERM) {
		json_decref(reads);
		return;
	}
	json_object_foreach(reads, key, v)
	    lake_buf_addf(&tables, "%s%s", tables.len ? "," : "", key);
	struct lake_audit_event ev = {"query", tables.data, err ? "error" : "ok", rows, 0, sql,
				      us,      reads,	    err ? err->msg : NULL};
	lake_audit(lake, &ev);
	lake_buf_release(&tables);
	json_decref(reads);
}

int main(int argc, char **argv)
{
	struct lake_error err = {0};
	struct args a = {0};
	struct printer p = {0};
	struct format_choice fc;
	struct lake *lake = NULL;
	struct lake_query *q = NULL;
	char *sql = NULL;
	int status;

	cli_init("lake-query");
	if ((status = parse_args(&a, argc, argv)) != 0)
		return status;
	if (!(sql = read_sql(&a, &err)))
		return cli_fail(&err);
	p.statement = -1;
	p.limit = a.limit;
	p.has_limit = a.has_limit;
	fc.format = lake_out_resolve(a.format, STDOUT_FILENO);
	fc.printer = &p;
	fc.keys = (struct lake_buf)LAKE_BUF_INIT;
	fc.key_end = NULL;
	fc.kind = NULL;
	fc.keys_for = -1;
	/* Rows are written in large blocks: stdout is a pipe or a file. */
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	if (cli_lake_open(a.lake_dir, &lake, &err) == 0 && lake_query_open(lake, &q, &err) == 0) {
		lake_query_set_join_memory(q, a.join_memory);
		lake_query_on_warning(q, show_warning, NULL);
		if (isatty(STDERR_FILENO))
			lake_query_on_progress(q, show_progress, NULL);
	}
	int64_t started = lake_monotonic_us();
	int failed = !lake || !q || (a.as_of && lake_query_as_of(q, a.as_of, &err) < 0) ||
		     (a.explain ? explain(q, sql, &fc, &err)
				: lake_query_run(q, sql, print_row, &fc, &err)) < 0;
	if (q)
		audit_query(lake, q, sql, failed ? &err : NULL, p.total_rows,
			    lake_monotonic_us() - started);
	/* End the progress line before any message. */
	cli_progress_end();
	if (failed)
		status =
		    err.code == LAKE_EX_USAGE ? cli_usage_error("%s", err.msg) : cli_fail(&err);
	end_output(&p);
	lake_buf_release(&p.pending);
	lake_buf_release(&fc.keys);
	free(fc.key_end);
	free(fc.kind);
	if (p.failed && !status)
		status = LAKE_EX_IOERR;
	lake_query_close(q);
	lake_close(lake);
	free(sql);
	return cli_finish_stdout(status);
}
