/*
 * lake-crawl - find files, infer formats, schemas, partitions and stats, keep the catalog true.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "govern/audit.h"
#include "formats/classifier.h"
#include "cli.h"
#include "crawl/crawl.h"
#include "formats/input.h"
#include "store/lake.h"
#include "base/names.h"

static const char usage[] = "usage: lake-crawl [--lake DIR] [--on-change update|log|fail]\n"
			    "                  [--on-delete mark|log] [--dry-run]\n"
			    "                  [--classifier NAME=REGEX ...] [DB[.TABLE] ...]\n";

static const char help[] =
    "\n"
    "Crawl the lake's data/ tree (or the named databases and tables): register new\n"
    "files, infer their formats, columns, types and statistics, find partition keys,\n"
    "merge schema changes into new table versions, and mark vanished files removed.\n"
    "Unchanged files are not opened. Prints one JSON event per change.\n"
    "\n"
    "  --lake DIR                  the lake (default: $LAKE_DIR, or lake.json found upward)\n"
    "  --as NAME                   administrators: act as NAME, to try its grants\n"
    "  --on-change update|log|fail what a schema change does (default update)\n"
    "  --on-delete mark|log        what a vanished file does (default mark: removed)\n"
    "  --dry-run                   report what would change, change nothing\n"
    "  --classifier NAME=REGEX     keep a custom classifier for text logs: an extended\n"
    "                              regex whose named groups, (?<status>[0-9]+), are the\n"
    "                              fields (repeatable; kept in the catalog)\n"
    "  -h, --help, --version\n"
    "\n"
    "See lake-crawl(1).\n";

enum {
	OPT_CLASSIFIER = 256,
	OPT_DRY_RUN,
	OPT_ON_CHANGE,
	OPT_ON_DELETE,
};

static const struct option long_options[] = {
    {"classifier", required_argument, NULL, OPT_CLASSIFIER},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"on-change", required_argument, NULL, OPT_ON_CHANGE},
    {"on-delete", required_argument, NULL, OPT_ON_DELETE},
    {"version", no_argument, NULL, CLI_OPT_VERSION},
    CLI_COMMON_OPTIONS,
    {NULL, 0, NULL, 0},
};

struct args {
	const char *lake_dir;
	struct lake_crawl_options opts;
	char *classifiers[16]; /* NAME=REGEX, saved to the catalog before crawling */
	size_t nclassifiers;
};

static int parse_policy(const char *opt, const char *v, const char *const *names, size_t n,
			int *out)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	return cli_usage_error("%s '%s': use %s", opt, v,
			       n == 3 ? "update, log or fail" : "mark or log");
}

static int parse_args(struct args *a, int argc, char **argv)
{
	static const char *const changes[] = {"update", "log", "fail"};
	static const char *const deletes[] = {"mark", "log"};
	int c, v = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		int rc = cli_common_option(c, argv, usage, help, &a->lake_dir);
		if (rc > 0)
			return rc;
		if (rc < 0)
			continue;
		switch (c) {
		case OPT_DRY_RUN:
			a->opts.dry_run = 1;
			break;
		case OPT_CLASSIFIER:
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return cli_usage_error("--classifier '%s': use NAME=REGEX", optarg);
			if (a->nclassifiers == 16)
				return cli_usage_error("at most 16 --classifier options at once");
			a->classifiers[a->nclassifiers++] = optarg;
			break;
		case OPT_ON_CHANGE:
			if (parse_policy("--on-change", optarg, changes, 3, &v))
				return LAKE_EX_USAGE;
			a->opts.on_change = (enum lake_on_change)v;
			break;
		case OPT_ON_DELETE:
			if (parse_policy("--on-delete", optarg, deletes, 2, &v))
				return LAKE_EX_USAGE;
			a->opts.on_delete = (enum lake_on_delete)v;
			break;
		default:
			return cli_bad_option(c, argv);
		}
	}
	for (int i = optind; i < argc; i++) {
		char db[LAKE_NAME_MAX + 1], table[LAKE_NAME_MAX + 1];
		struct lake_error err = {0};
		if (strchr(argv[i], '.') ? lake_name_split(argv[i], db, table, &err) < 0
					 : lake_name_check("database", argv[i], &err) < 0)
			return cli_usage_error("%s", err.msg);
	}
	a->opts.targets = (const char *const *)argv + optind;
	a->opts.ntargets = (size_t)(argc - optind);
	return 0;
}

static int save_classifiers(struct lake *lake, const struct args *a, struct lake_error *e)
{
	for (size_t i = 0; i < a->nclassifiers; i++) {
		char *spec = a->classifiers[i], *eq = strchr(spec, '=');
		*eq = '\0';
		int rc = lake_classifier_save(lake, spec, eq + 1, e);
		*eq = '=';
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void show_progress(const char *table, size_t done, size_t total, void *arg)
{
	(void)arg;
	cli_progress("%s: reading file %zu of %zu", table, done + 1, total);
}

/* What the crawl passed over: stderr, so that stdout stays events only. */
static void print_warning(const char *what, void *arg)
{
	(void)arg;
	cli_progress_end();
	cli_warn("%s", what);
}

/* The first error event's file and message, for the audit event (arg: a lake_error). */
static void keep_first_error(json_t *ev, struct lake_error *first)
{
	const char *kind = json_string_value(json_object_get(ev, "event"));
	const char *where = json_string_value(json_object_get(ev, "file"));
	const char *what = json_string_value(json_object_get(ev, "error"));

	if (first->code || !kind || strcmp(kind, "error") != 0)
		return;
	if (!where) /* an error of the whole table */
		where = json_string_value(json_object_get(ev, "table"));
	lake_err(first, LAKE_EX_DATAERR, "%s: %s", where ? where : "?", what ? what : "error");
}

static void print_event(json_t *ev, void *arg)
{
	keep_first_error(ev, arg);
	json_dumpf(ev, stdout, JSON_COMPACT);
	fputc('\n', stdout);
}

int main(int argc, char **argv)
{
	struct lake_error err = {0};
	struct lake_crawl_totals t;
	struct args a = {0};
	struct lake_error first_error = {0};
	struct lake *lake = NULL;
	int status;

	cli_init("lake-crawl");
	if ((status = parse_args(&a, argc, argv)) != 0)
		return status;
	int64_t started = lake_monotonic_us();
	a.opts.event = print_event;
	a.opts.warn = print_warning;
	a.opts.event_arg = &first_error;
	if (isatty(STDERR_FILENO))
		a.opts.progress = show_progress;
	if (cli_lake_open(a.lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	if (save_classifiers(lake, &a, &err) < 0) {
		status =
		    err.code == LAKE_EX_USAGE ? cli_usage_error("%s", err.msg) : cli_fail(&err);
		lake_close(lake);
		return status;
	}
	if (lake_crawl(lake, &a.opts, &t, &err) < 0)
		status = cli_fail(&err);
	else if (t.errors)
		status = LAKE_EX_DATAERR;
	if (err.code != LAKE_EX_NOPERM) { /* a denial was audited where it happened */
		struct lake_audit_event ev = {"crawl",
					      a.opts.ntargets ? a.opts.targets[0] : "*",
					      status ? "error" : "ok",
					      t.rows_read,
					      0,
					      NULL,
					      lake_monotonic_us() - started,
					      NULL,
					      status ? (err.code ? err.msg : first_error.msg)
						     : NULL};
		lake_audit(lake, &ev);
	}
	cli_progress_end();
	if (isatty(STDERR_FILENO) || t.errors) {
		char c1[48], c2[48], c3[48], c4[48], c5[48];
		fprintf(stderr, "%s: %s, %s seen, %llu read (%s), %s, %s%s\n", cli_prog(),
			cli_count(c1, sizeof c1, t.tables, "table", "tables"),
			cli_count(c2, sizeof c2, t.files_seen, "file", "files"),
			(unsigned long long)t.files_read,
			cli_count(c3, sizeof c3, t.rows_read, "row", "rows"),
			cli_count(c4, sizeof c4, t.changes, "change", "changes"),
			cli_count(c5, sizeof c5, t.errors, "error", "errors"),
			a.opts.dry_run ? " (dry run: nothing changed)" : "");
	}
	lake_close(lake);
	return cli_finish_stdout(status);
}
