/*
 * catalog_maint.c - lake-catalog's maint verbs (see catalog_verbs.h):
 * check, vacuum, stats, export, import.  The work is in lib/manage/maint.c;
 * here operands are checked, records printed and exit codes chosen.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "catalog_verbs.h"
#include "crawl/crawl.h"
#include "cli.h"
#include "base/fsutil.h"
#include "store/lake.h"
#include "base/ltime.h"
#include "manage/maint.h"

#define DEFAULT_VACUUM_AGE "7d"

static int no_operands(int argc, char **argv, const char *synopsis)
{
	if (argc == 1)
		return 0;
	return cli_usage_error("%s takes no operands: 'lake-catalog %s'", argv[0], synopsis);
}

/* --older-than D, or dflt_us when not given. */
static int older_than(const struct catalog_opts *o, int64_t dflt_us, int64_t *us)
{
	struct lake_error err = {0};

	*us = dflt_us;
	if (o->older_than && lake_duration_parse(o->older_than, us, &err) < 0)
		return cli_usage_error("--older-than %s", err.msg);
	return 0;
}

static int emit_record(json_t *rec, void *arg)
{
	return lake_out_record(arg, rec);
}

/* ---- check ---- */

static int emit_problem(const struct lake_maint_problem *p, void *arg)
{
	json_t *rec =
	    json_pack("{s:s, s:s, s:o, s:s}", "problem", p->problem, "path", p->path, "table",
		      p->table ? json_string(p->table) : json_null(), "detail", p->detail);
	int rc;

	if (p->repaired)
		json_object_set_new(rec, "repaired", json_true());
	rc = lake_out_record(arg, rec);
	json_decref(rec);
	return rc;
}

static void check_summary(const struct lake_check_totals *t)
{
	char a[64], b[64];

	if (!isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "%s: %s checked, %s", cli_prog(),
		cli_count(a, sizeof a, t->files, "live file", "live files"),
		cli_count(b, sizeof b, t->problems, "problem", "problems"));
	if (t->repaired)
		fprintf(stderr, ", %llu repaired", (unsigned long long)t->repaired);
	fputc('\n', stderr);
}

struct orphan_repair {
	struct lake_out *out;
	uint64_t registered;
	int failed;
};

/* A file the crawler registered was an orphan, now repaired. */
static void on_crawl_event(json_t *ev, void *arg)
{
	struct orphan_repair *r = arg;
	const char *kind = json_string_value(json_object_get(ev, "event"));

	if (strcmp(kind, "file_registered") != 0)
		return;
	json_t *rec = json_pack("{s:s, s:O, s:O, s:s, s:b}", "problem", "orphan", "path",
				json_object_get(ev, "file"), "table", json_object_get(ev, "table"),
				"detail", "registered by lake-crawl", "repaired", 1);
	r->failed |= lake_out_record(r->out, rec) < 0;
	json_decref(rec);
	r->registered++;
}

/*
 * check --repair registers orphans the way lake-crawl does, reading them
 * whole: run the crawler first, without marking missing files removed
 * (the check reports those), and report each file it registered.
 */
static int register_orphans(struct lake *lake, struct orphan_repair *r, struct lake_error *e)
{
	struct lake_crawl_options co = {0};
	struct lake_crawl_totals t;

	co.on_change = LAKE_ON_CHANGE_UPDATE;
	co.on_delete = LAKE_ON_DELETE_LOG;
	co.event = on_crawl_event;
	co.event_arg = r;
	return lake_crawl(lake, &co, &t, e);
}

static int verb_check(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"problem", "path", "table", "detail", "repaired", NULL};
	struct lake_check_options co = {.repair = o->repair};
	struct lake_check_totals t;
	struct lake_error err = {0};
	struct lake *lake = NULL;
	struct lake_out *out;
	int rc, status;

	if ((rc = no_operands(argc, argv, "check [--repair] [--older-than D]")) != 0 ||
	    (rc = older_than(o, LAKE_MAINT_TMP_MIN_AGE_US, &co.tmp_age_us)) != 0)
		return rc;
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	out = lake_out_open(stdout, o->format, cols);
	struct orphan_repair repair = {out, 0, 0};
	struct lake_check_totals mended = {0};
	/*
	 * The versions are mended before the crawl registers orphans: its
	 * commit would collide with a history row above a table's version.
	 */
	if (o->repair &&
	    (lake_maint_check_versions(lake, &co, emit_problem, out, &mended, &err) < 0 ||
	     register_orphans(lake, &repair, &err) < 0)) {
		lake_out_close(out);
		lake_close(lake);
		/* No error without a message: printing a record failed. */
		return err.code ? cli_fail(&err) : LAKE_EX_IOERR;
	}
	rc = lake_maint_check(lake, &co, emit_problem, out, &t, &err);
	t.problems += repair.registered + mended.problems;
	t.repaired += repair.registered + mended.repaired;
	status = lake_out_close(out) < 0 ? LAKE_EX_IOERR : 0;
	if (rc < 0 && err.code)
		status = cli_fail(&err);
	else if (rc == 0 && t.problems)
		status = LAKE_EX_DATAERR;
	if (rc == 0)
		check_summary(&t);
	lake_close(lake);
	return status;
}

/* ---- vacuum ---- */

static int emit_removal(const struct lake_maint_removal *r, void *arg)
{
	json_t *rec = json_pack("{s:s, s:s, s:I}", "removed", r->what, "path", r->path, "bytes",
				(json_int_t)r->bytes);
	int rc = lake_out_record(arg, rec);

	json_decref(rec);
	return rc;
}

static int verb_vacuum(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"removed", "path", "bytes", NULL};
	struct lake_vacuum_options vo = {.dry_run = o->dry_run};
	struct lake_error err = {0};
	struct lake *lake = NULL;
	struct lake_out *out;
	int64_t dflt;
	int rc, status;

	lake_duration_parse(DEFAULT_VACUUM_AGE, &dflt, &err);
	if ((rc = no_operands(argc, argv, "vacuum [--older-than D] [--dry-run]")) != 0 ||
	    (rc = older_than(o, dflt, &vo.older_than_us)) != 0)
		return rc;
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	out = lake_out_open(stdout, o->format, cols);
	rc = lake_maint_vacuum(lake, &vo, emit_removal, out, &err);
	status = lake_out_close(out) < 0 ? LAKE_EX_IOERR : 0;
	if (rc < 0 && err.code)
		status = cli_fail(&err);
	lake_close(lake);
	return status;
}

/* ---- stats ---- */

static int verb_stats(const struct catalog_opts *o, int argc, char **argv)
{
	/* A table has no room for the per-day object; rows_30d sums it. */
	static const char *const cols[] = {"database",	"table", "files",    "rows",	 "bytes",
					   "raw_bytes", "ratio", "versions", "rows_30d", NULL};
	struct lake_error err = {0};
	struct lake *lake = NULL;
	struct lake_out *out;
	int rc, status;

	if ((rc = no_operands(argc, argv, "stats")) != 0)
		return rc;
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	out = lake_out_open(stdout, o->format, cols);
	rc = lake_maint_stats(lake, lake_time_now(), emit_record, out, &err);
	status = lake_out_close(out) < 0 ? LAKE_EX_IOERR : 0;
	if (rc < 0 && err.code)
		status = cli_fail(&err);
	lake_close(lake);
	return status;
}

/* ---- export and import ---- */

/* Always NDJSON, whatever --format says: the output is a dump to be read back. */
static int print_line(json_t *rec, void *arg)
{
	(void)arg;
	return json_dumpf(rec, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF;
}

static int verb_export(const struct catalog_opts *o, int argc, char **argv)
{
	struct lake_error err = {0};
	struct lake *lake = NULL;
	int rc, status = 0;

	if ((rc = no_operands(argc, argv, "export")) != 0)
		return rc;
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	if (lake_maint_export(lake, print_line, NULL, &err) < 0)
		status = err.code ? cli_fail(&err) : LAKE_EX_IOERR;
	lake_close(lake);
	return status;
}

static int verb_import(const struct catalog_opts *o, int argc, char **argv)
{
	const char *path = argc == 2 ? argv[1] : "-";
	struct lake_error err = {0};
	struct lake *lake = NULL;
	FILE *fp = stdin;
	uint64_t rows = 0;
	char n[64];
	int status = 0;

	if (argc > 2)
		return cli_usage_error(
		    "import takes at most one FILE: 'lake-catalog import [FILE]'");
	int fd = strcmp(path, "-") != 0 ? lake_open_user_file(path, O_RDONLY) : -1;
	if (strcmp(path, "-") != 0 && (fd < 0 || !(fp = fdopen(fd, "r")))) {
		lake_err_sys(&err, LAKE_EX_NOINPUT, "'%s': cannot open", path);
		return cli_fail(&err);
	}
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0) {
		status = cli_fail(&err);
		goto out;
	}
	if (lake_maint_import(lake, fp, fp == stdin ? "stdin" : path, &rows, &err) < 0)
		status = cli_fail(&err);
	else if (isatty(STDERR_FILENO))
		fprintf(stderr, "%s: imported %s\n", cli_prog(),
			cli_count(n, sizeof n, rows, "row", "rows"));
	lake_close(lake);
out:
	if (fp != stdin)
		fclose(fp);
	return status;
}

const struct catalog_verb catalog_maint_verbs[] = {
    {"check", "check [--repair] [--older-than D]", verb_check},
    {"vacuum", "vacuum [--older-than D] [--dry-run]", verb_vacuum},
    {"stats", "stats", verb_stats},
    {"export", "export", verb_export},
    {"import", "import [FILE]", verb_import},
};
const size_t catalog_maint_nverbs = sizeof catalog_maint_verbs / sizeof catalog_maint_verbs[0];
