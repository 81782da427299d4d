/*
 * lake-etl - SQL jobs from tables to tables, incremental and exactly-once;
 * and a stream filter (map) for NDJSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "etl/etl.h"
#include "etl/etl_map.h"
#include "formats/input.h"
#include "store/lake.h"
#include "base/names.h"

static const char usage[] =
    "usage: lake-etl run JOB.json [--param K=V] [--dry-run] [--reset-bookmark]\n"
    "       lake-etl run --name NAME --sql SQL --target DB.TABLE [--mode MODE]\n"
    "                    [--partition-by COLS] [--bookmark DB.TABLE] [--to FMT]\n"
    "       lake-etl flatten DB.TABLE DB.TARGET [--flatten-key COLS]\n"
    "       lake-etl runs [JOB]\n"
    "       lake-etl bookmark show|set|rewind JOB [DB.TABLE VERSION | RUN]\n"
    "       lake-etl map SQL [--batch-rows N] [--on-error fail|skip]\n";

static const char help[] =
    "\n"
    "Transform tables into tables with SQL, recording every run.  A run reads\n"
    "its bookmarked tables incrementally (only the files added since the job's\n"
    "last successful run) and commits its output, the target's new version, the\n"
    "run record and the bookmark advance in one catalog transaction: a crash or\n"
    "an error commits none of it, and the next run redoes exactly the same input.\n"
    "\n"
    "Verbs:\n"
    "  run JOB.json           run a job file: {\"name\", \"sql\", \"target\", \"mode\",\n"
    "                         \"partition_by\", \"format\", \"bookmark\", \"description\"}\n"
    "  run --name N --sql SQL --target DB.T\n"
    "                         run a job given inline (recorded under its name)\n"
    "  flatten DB.T DB.TARGET a job that copies DB.T flattened: nested objects as\n"
    "                         parent.child columns, arrays as child tables\n"
    "                         DB.TARGET_COLUMN keyed by --flatten-key and pos\n"
    "  runs [JOB]             the run history, newest first\n"
    "  bookmark show JOB      where the job's bookmarks stand\n"
    "  bookmark set JOB DB.T VERSION\n"
    "                         the next run reads DB.T's files added after VERSION\n"
    "  bookmark rewind JOB RUN\n"
    "                         the next run reads again what run RUN read, and on\n"
    "  map SQL                NDJSON on stdin as table `input`, the result as NDJSON\n"
    "\n"
    "Options:\n"
    "  --mode MODE            append (default), overwrite, or overwrite-partitions\n"
    "                         (replace only the partitions the output touches)\n"
    "  --partition-by COLS    partition the output by these result columns\n"
    "  --bookmark DB.T        read DB.T incrementally (repeatable)\n"
    "  --to FMT               output files: ndjson (default) or csv, zstd-compressed,\n"
    "                         or parquet\n"
    "  --description TEXT     what the job is for\n"
    "  --flatten              flatten the result (see the flatten verb)\n"
    "  --flatten-key COLS     the columns that join child rows to their parent\n"
    "  --name NAME            the job's name (flatten: default flatten_DB_TABLE)\n"
    "  --param K=V            bind V to the SQL parameter :K (repeatable); jobs take\n"
    "                         dates and the like this way, never from the clock\n"
    "  --dry-run              show what would be read and written; change nothing\n"
    "  --reset-bookmark       read the bookmarked tables whole this run\n"
    "  --batch-rows N         map: records per batch (default 10000)\n"
    "  --on-error MODE        map: fail (default) or skip a malformed line\n"
    "  --lake DIR             the lake (default: $LAKE_DIR, or lake.json found upward)\n"
    "  --as NAME              administrators: act as NAME, to try its grants\n"
    "  --format FMT           listings: ndjson, table, csv, tsv or json\n"
    "  -h, --help, --version\n"
    "\n"
    "Exit status: 0 (also when there was no new data), 64 usage, 65 bad SQL or\n"
    "data, 66 missing table or job, 75 the job is already running, 77 denied.\n"
    "See lake-etl(1).\n";

enum {
	OPT_BATCH_ROWS = 256,
	OPT_BOOKMARK,
	OPT_DESCRIPTION,
	OPT_DRY_RUN,
	OPT_FLATTEN,
	OPT_FLATTEN_KEY,
	OPT_FORMAT,
	OPT_MODE,
	OPT_NAME,
	OPT_ON_ERROR,
	OPT_PARAM,
	OPT_PARTITION_BY,
	OPT_RESET_BOOKMARK,
	OPT_SQL,
	OPT_TARGET,
	OPT_TO,
};

static const struct option long_options[] = {
    {"batch-rows", required_argument, NULL, OPT_BATCH_ROWS},
    {"bookmark", required_argument, NULL, OPT_BOOKMARK},
    {"description", required_argument, NULL, OPT_DESCRIPTION},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"flatten", no_argument, NULL, OPT_FLATTEN},
    {"flatten-key", required_argument, NULL, OPT_FLATTEN_KEY},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"mode", required_argument, NULL, OPT_MODE},
    {"name", required_argument, NULL, OPT_NAME},
    {"on-error", required_argument, NULL, OPT_ON_ERROR},
    {"param", required_argument, NULL, OPT_PARAM},
    {"partition-by", required_argument, NULL, OPT_PARTITION_BY},
    {"reset-bookmark", no_argument, NULL, OPT_RESET_BOOKMARK},
    {"sql", required_argument, NULL, OPT_SQL},
    {"target", required_argument, NULL, OPT_TARGET},
    {"to", required_argument, NULL, OPT_TO},
    {"version", no_argument, NULL, CLI_OPT_VERSION},
    CLI_COMMON_OPTIONS,
    {NULL, 0, NULL, 0},
};

struct opts {
	const char *lake_dir;
	enum lake_out_format format;
	struct lake_etl_job inline_job; /* --name, --sql, ... */
	int has_inline;
	int mode_given;
	const char **param_names;
	const char **param_values;
	size_t nparams;
	int dry_run;
	int reset_bookmark;
	uint64_t batch_rows;
	int skip_bad;
};

static void add_list(char ***list, size_t *n, const char *v)
{
	*list = lake_xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = lake_xstrdup(v);
}

/* --partition-by a,b and --partition-by a --partition-by b are the same. */
static void add_columns(char ***list, size_t *n, const char *v)
{
	char *copy = lake_xstrdup(v), *save = NULL;

	for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save))
		add_list(list, n, c);
	free(copy);
}

static int add_param(struct opts *o, const char *v)
{
	const char *eq = strchr(v, '=');

	if (!eq || eq == v)
		return cli_usage_error("--param takes NAME=VALUE, as in --param day=2024-05-01");
	o->param_names = lake_xrealloc(o->param_names, (o->nparams + 1) * sizeof *o->param_names);
	o->param_values =
	    lake_xrealloc(o->param_values, (o->nparams + 1) * sizeof *o->param_values);
	o->param_names[o->nparams] = lake_xstrndup(v, (size_t)(eq - v));
	o->param_values[o->nparams++] = lake_xstrdup(eq + 1);
	return 0;
}

static void set_text(char **field, const char *v)
{
	free(*field);
	*field = lake_xstrdup(v);
}

static int parse_option(struct opts *o, int c, const char *v)
{
	struct lake_etl_job *job = &o->inline_job;

	switch (c) {
	case OPT_FORMAT:
		return cli_parse_format(v, &o->format);
	case OPT_NAME:
		set_text(&job->name, v);
		break;
	case OPT_SQL:
		set_text(&job->sql, v);
		break;
	case OPT_TARGET:
		set_text(&job->target, v);
		break;
	case OPT_DESCRIPTION:
		set_text(&job->description, v);
		break;
	case OPT_TO:
		set_text(&job->format, v);
		break;
	case OPT_MODE:
		if (lake_etl_mode_parse(v, &job->mode) < 0)
			return cli_usage_error(
			    "--mode '%s': use append, overwrite or overwrite-partitions", v);
		o->mode_given = 1;
		break;
	case OPT_PARTITION_BY:
		add_columns(&job->partition_by, &job->npartition_by, v);
		break;
	case OPT_FLATTEN:
		job->flatten = 1;
		break;
	case OPT_FLATTEN_KEY:
		job->flatten = 1;
		add_columns(&job->flatten_key, &job->nflatten_key, v);
		break;
	case OPT_BOOKMARK:
		add_list(&job->bookmark, &job->nbookmark, v);
		break;
	case OPT_PARAM:
		return add_param(o, v);
	case OPT_DRY_RUN:
		o->dry_run = 1;
		return 0;
	case OPT_RESET_BOOKMARK:
		o->reset_bookmark = 1;
		return 0;
	case OPT_BATCH_ROWS:
		return cli_parse_u64("--batch-rows", v, 1, 10000000, &o->batch_rows) < 0
			   ? LAKE_EX_USAGE
			   : 0;
	case OPT_ON_ERROR:
		if (strcmp(v, "fail") != 0 && strcmp(v, "skip") != 0)
			return cli_usage_error("--on-error '%s': map takes fail or skip", v);
		o->skip_bad = strcmp(v, "skip") == 0;
		return 0;
	default:
		return LAKE_EX_USAGE;
	}
	o->has_inline = 1;
	return 0;
}

static int print_json(json_t *rec)
{
	int rc = json_dumpf(rec, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF;

	json_decref(rec);
	return rc ? LAKE_EX_IOERR : 0;
}

static int open_lake(const struct opts *o, struct lake **lake)
{
	struct lake_error err = {0};

	if (cli_lake_open(o->lake_dir, lake, &err) < 0)
		return cli_fail(&err);
	return 0;
}

/* The job to run: a file, or the inline options (not both). */
static int job_from_args(struct opts *o, int argc, char **argv, struct lake_etl_job *job)
{
	struct lake_error err = {0};

	if (argc > 2)
		return cli_usage_error("run takes one job file; extra argument '%s'", argv[2]);
	if (argc == 2 && o->has_inline)
		return cli_usage_error(
		    "a job file holds the job's settings: give the file, or the "
		    "job inline (--name, --sql, --target, --mode, ...), not both");
	if (argc == 2) {
		if (lake_etl_job_load(argv[1], job, &err) < 0)
			return cli_fail(&err);
		return 0;
	}
	if (!o->has_inline)
		return cli_usage_error("run needs a job file, or --name, --sql and --target");
	*job = o->inline_job;
	memset(&o->inline_job, 0, sizeof o->inline_job);
	if (!job->format)
		job->format = lake_xstrdup("ndjson");
	if (lake_etl_job_check(job, &err) < 0)
		return cli_fail(&err);
	return 0;
}

static int verb_run(struct opts *o, int argc, char **argv)
{
	struct lake_etl_job job = {0};
	struct lake_error err = {0};
	struct lake *lake = NULL;
	json_t *report = NULL;
	int status;

	if ((status = job_from_args(o, argc, argv, &job)) != 0)
		goto out;
	if ((status = open_lake(o, &lake)) != 0)
		goto out;
	struct lake_etl_options eo = {o->param_names, o->param_values, o->nparams, o->dry_run,
				      o->reset_bookmark};
	if (lake_etl_run(lake, &job, &eo, &report, &err) < 0)
		status = cli_fail(&err);
	else
		status = print_json(report);
out:
	lake_etl_job_release(&job);
	lake_close(lake);
	return status;
}

/* flatten SRC TARGET: a job reading SRC whole (or by bookmark) into TARGET, flattened. */
static int verb_flatten(struct opts *o, int argc, char **argv)
{
	struct lake_etl_job *job = &o->inline_job;
	char *args[1] = {argv[0]};

	if (argc != 3)
		return cli_usage_error("flatten takes a source and a target table: 'lake-etl "
				       "flatten raw.orders clean.orders --flatten-key id'");
	if (job->sql || job->target)
		return cli_usage_error("flatten makes its own --sql and --target");
	char db[LAKE_NAME_MAX + 1], table[LAKE_NAME_MAX + 1];
	struct lake_error err = {0};
	if (lake_name_split(argv[1], db, table, &err) < 0)
		return cli_fail(&err);
	struct lake_buf sql = LAKE_BUF_INIT, name = LAKE_BUF_INIT;
	lake_buf_addf(&sql, "SELECT * FROM %s", argv[1]);
	job->sql = lake_buf_detach(&sql);
	job->target = lake_xstrdup(argv[2]);
	job->flatten = 1;
	if (!job->name) {
		/* Named after its target, which a job keeps for life. */
		lake_buf_addstr(&name, "flatten_");
		for (const char *p = argv[2]; *p && name.len < 64; p++)
			lake_buf_addc(&name, *p == '.' ? '_' : *p);
		job->name = lake_buf_detach(&name);
	}
	o->has_inline = 1;
	return verb_run(o, 1, args);
}

static int print_listing(const struct opts *o, json_t *rows, const char *const *columns)
{
	struct lake_out *out = lake_out_open(stdout, o->format, columns);
	size_t i;
	json_t *row;
	int rc = 0;

	json_array_foreach(rows, i, row) rc |= lake_out_record(out, row);
	rc |= lake_out_close(out);
	json_decref(rows);
	return rc ? LAKE_EX_IOERR : 0;
}

static int verb_runs(struct opts *o, int argc, char **argv)
{
	static const char *const columns[] = {
	    "run",	  "job",	  "status",	 "started", "ended", "input_files",
	    "input_rows", "output_files", "output_rows", "version", "error", NULL};
	struct lake_error err = {0};
	struct lake *lake;
	json_t *runs;
	int status;

	if (argc > 2)
		return cli_usage_error("runs takes at most one JOB");
	if ((status = open_lake(o, &lake)) != 0)
		return status;
	if (lake_etl_runs(lake, argc == 2 ? argv[1] : NULL, &runs, &err) < 0)
		status = cli_fail(&err);
	else
		status = print_listing(o, runs, columns);
	lake_close(lake);
	return status;
}

static int parse_i64(const char *what, const char *s, int64_t *out)
{
	uint64_t v;

	if (cli_parse_u64(what, s, 0, INT64_MAX, &v) < 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int bookmark_verb(struct lake *lake, const struct opts *o, int argc, char **argv,
			 struct lake_error *err)
{
	static const char *const columns[] = {"table", "version", "table_version", "run", NULL};
	const char *what = argv[1], *job = argv[2];
	int64_t n;
	json_t *out;

	if (strcmp(what, "show") == 0 && argc == 3) {
		if (lake_etl_bookmark_show(lake, job, &out, err) < 0)
			return cli_fail(err);
		json_t *rows = json_incref(json_object_get(out, "bookmarks"));
		json_decref(out);
		return print_listing(o, rows, columns);
	}
	if (strcmp(what, "set") == 0 && argc == 5) {
		if (parse_i64("VERSION", argv[4], &n) < 0)
			return LAKE_EX_USAGE;
		if (lake_etl_bookmark_set(lake, job, argv[3], n, err) < 0)
			return cli_fail(err);
	} else if (strcmp(what, "rewind") == 0 && argc == 4) {
		if (parse_i64("RUN", argv[3], &n) < 0)
			return LAKE_EX_USAGE;
		if (lake_etl_bookmark_rewind(lake, job, n, err) < 0)
			return cli_fail(err);
	} else {
		return cli_usage_error("bookmark takes: show JOB | set JOB DB.TABLE VERSION | "
				       "rewind JOB RUN");
	}
	if (lake_etl_bookmark_show(lake, job, &out, err) < 0)
		return cli_fail(err);
	return print_json(out);
}

static int verb_bookmark(struct opts *o, int argc, char **argv)
{
	struct lake_error err = {0};
	struct lake *lake;
	int status;

	if (argc < 3)
		return cli_usage_error("bookmark takes: show JOB | set JOB DB.TABLE VERSION | "
				       "rewind JOB RUN");
	if ((status = open_lake(o, &lake)) != 0)
		return status;
	status = bookmark_verb(lake, o, argc, argv, &err);
	lake_close(lake);
	return status;
}

static int verb_map(struct opts *o, int argc, char **argv)
{
	struct lake_error err = {0};
	struct lake_etl_map_options mo = {o->batch_rows ? o->batch_rows : 10000, o->skip_bad,
					  o->param_names, o->param_values, o->nparams};
	struct lake_input *in = NULL;
	struct lake_etl_map_totals totals = {0};
	int rc;

	if (argc != 2)
		return cli_usage_error("map takes one SQL statement, as in "
				       "lake-etl map 'SELECT * FROM input WHERE status >= 500'");
	if (lake_input_open("-", &in, &err) < 0)
		return cli_fail(&err);
	rc = lake_etl_map(argv[1], in, stdout, &mo, &totals, &err);
	lake_input_close(in);
	if (totals.skipped)
		cli_warn("skipped %llu malformed line%s; the first: %s",
			 (unsigned long long)totals.skipped, totals.skipped == 1 ? "" : "s",
			 totals.first_bad);
	return rc < 0 ? cli_fail(&err) : 0;
}

struct verb {
	const char *name;
	int (*run)(struct opts *o, int argc, char **argv);
};

static const struct verb verbs[] = {
    {"run", verb_run},		 {"runs", verb_runs}, {"flatten", verb_flatten},
    {"bookmark", verb_bookmark}, {"map", verb_map},
};

static void release_opts(struct opts *o)
{
	lake_etl_job_release(&o->inline_job);
	for (size_t i = 0; i < o->nparams; i++) {
		free((char *)o->param_names[i]);
		free((char *)o->param_values[i]);
	}
	free(o->param_names);
	free(o->param_values);
}

static int dispatch(struct opts *o, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(verbs[i].name, argv[0]) == 0)
			return verbs[i].run(o, argc, argv);
	return cli_usage_error("unknown verb '%s'; the verbs are: run, flatten, runs, bookmark, "
			       "map",
			       argv[0]);
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	int c, rc;

	cli_init("lake-etl");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		if ((rc = cli_common_option(c, argv, usage, help, &o.lake_dir)) > 0) {
			release_opts(&o);
			return rc;
		}
		if (rc < 0)
			continue;
		if ((rc = parse_option(&o, c, optarg)) != 0) {
			release_opts(&o);
			return rc;
		}
	}
	if (optind >= argc) {
		release_opts(&o);
		return cli_usage_error("missing VERB (run, flatten, runs, bookmark or map)");
	}
	o.format = lake_out_resolve(o.format, STDOUT_FILENO);
	rc = dispatch(&o, argc - optind, argv + optind);
	release_opts(&o);
	return cli_finish_stdout(rc);
}
