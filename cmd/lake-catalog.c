/*
 * lake-catalog - the lake's metadata: create a lake, browse, version, export and keep its catalog.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "catalog_verbs.h"
#include "cli.h"
#include "store/lake.h"

static const char usage[] = "usage: lake-catalog [--lake DIR] [--format FMT] VERB [ARGS]\n";

static const char help_head[] =
    "\n"
    "Create a lake and work with its catalog.  Options may stand before or after\n"
    "the verb.\n"
    "\n"
    "Verbs:\n"
    "  init DIR\n";

static const char help_tail[] =
    "\n"
    "Options:\n"
    "  --lake DIR          the lake (default: $LAKE_DIR, or lake.json found upward)\n"
    "  --as NAME           administrators: act as NAME, to try its grants\n"
    "  --format FMT        ndjson, table, csv, tsv or json (default: table on a\n"
    "                      terminal, ndjson otherwise)\n"
    "  -h, --help, --version\n"
    "\n"
    "See lake-catalog(1).\n";

enum {
	OPT_COLUMN = 256,
	OPT_DESCRIPTION,
	OPT_DIALECT,
	OPT_DRY_RUN,
	OPT_FORMAT,
	OPT_GROUP,
	OPT_LOCATION_PREFIX,
	OPT_OLDER_THAN,
	OPT_REPAIR,
	OPT_VERSION,
	OPT_AT_VERSION,
	OPT_YES,
};

static const struct option long_options[] = {
    {"column", required_argument, NULL, OPT_COLUMN},
    {"description", required_argument, NULL, OPT_DESCRIPTION},
    {"dialect", required_argument, NULL, OPT_DIALECT},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"group", required_argument, NULL, OPT_GROUP},
    {"location-prefix", required_argument, NULL, OPT_LOCATION_PREFIX},
    {"older-than", required_argument, NULL, OPT_OLDER_THAN},
    {"repair", no_argument, NULL, OPT_REPAIR},
    {"version", optional_argument, NULL, OPT_VERSION},
    {"yes", no_argument, NULL, OPT_YES},
    CLI_COMMON_OPTIONS,
    {NULL, 0, NULL, 0},
};

static int print_record(json_t *rec)
{
	int rc = json_dumpf(rec, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF;

	json_decref(rec);
	return rc;
}

static int verb_init(const struct catalog_opts *o, int argc, char **argv)
{
	struct lake_error err = {0};
	char *dir = NULL;
	int status = 0;

	if (argc != 2)
		return cli_usage_error("init takes one DIR: 'lake-catalog init DIR [--group G]'");
	if (lake_init(argv[1], &err) < 0)
		return cli_fail(&err);
	if (o->group && lake_init_group(argv[1], o->group, &err) < 0)
		return cli_fail(&err);
	if (lake_find(argv[1], &dir, &err) < 0)
		return cli_fail(&err);
	if (print_record(json_pack("{s:s, s:i}", "lake", dir, "format", LAKE_FORMAT)))
		status = LAKE_EX_IOERR;
	free(dir);
	return status;
}

static const struct catalog_verb builtin_verbs[] = {
    {"init", "init DIR [--group G]", verb_init},
};

struct verb_group {
	const struct catalog_verb *verbs;
	const size_t *n;
};

static const size_t builtin_nverbs = sizeof builtin_verbs / sizeof builtin_verbs[0];

static const struct verb_group groups[] = {
    {builtin_verbs, &builtin_nverbs},
    {catalog_browse_verbs, &catalog_browse_nverbs},
    {catalog_maint_verbs, &catalog_maint_nverbs},
    {catalog_ddl_verbs, &catalog_ddl_nverbs},
};

static const struct catalog_verb *find_verb(const char *name)
{
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
		for (size_t i = 0; i < *groups[g].n; i++)
			if (strcmp(groups[g].verbs[i].name, name) == 0)
				return &groups[g].verbs[i];
	return NULL;
}

static void print_help(void)
{
	fputs(usage, stdout);
	fputs(help_head, stdout);
	for (size_t g = 1; g < sizeof groups / sizeof groups[0]; g++)
		for (size_t i = 0; i < *groups[g].n; i++)
			printf("  %s\n", groups[g].verbs[i].synopsis);
	fputs(help_tail, stdout);
}

static int list_verbs_error(const char *name)
{
	struct lake_buf names = LAKE_BUF_INIT;
	int rc;

	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
		for (size_t i = 0; i < *groups[g].n; i++)
			lake_buf_addf(&names, "%s%s", names.len ? ", " : "",
				      groups[g].verbs[i].name);
	rc = cli_usage_error("unknown verb '%s'; the verbs are: %s", name, names.data);
	lake_buf_release(&names);
	return rc;
}

static int parse_option(struct catalog_opts *o, int c, const char *v)
{
	uint64_t n;

	switch (c) {
	case OPT_FORMAT:
		return cli_parse_format(v, &o->format);
	case OPT_GROUP:
		o->group = v;
		return 0;
	case OPT_YES:
		o->yes = 1;
		return 0;
	case OPT_REPAIR:
		o->repair = 1;
		return 0;
	case OPT_DRY_RUN:
		o->dry_run = 1;
		return 0;
	case OPT_AT_VERSION:
		if (cli_parse_u64("--version", v, 0, INT64_MAX, &n) < 0)
			return LAKE_EX_USAGE;
		o->version = (int64_t)n;
		return 0;
	case OPT_DESCRIPTION:
		o->description = v;
		return 0;
	case OPT_COLUMN:
		o->column = v;
		return 0;
	case OPT_DIALECT:
		o->dialect = v;
		return 0;
	case OPT_LOCATION_PREFIX:
		o->location_prefix = v;
		return 0;
	case OPT_OLDER_THAN:
		o->older_than = v;
		return 0;
	default:
		return LAKE_EX_USAGE;
	}
}

int main(int argc, char **argv)
{
	struct catalog_opts o = {.version = -1};
	const struct catalog_verb *verb;
	int c, rc, want_version = 0;

	cli_init("lake-catalog");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		if (c == 'h' || c == CLI_OPT_HELP) { /* the verbs' help, not the common one */
			print_help();
			return cli_finish_stdout(0);
		}
		if ((rc = cli_common_option(c, argv, NULL, NULL, &o.lake_dir)) > 0)
			return rc;
		if (rc < 0)
			continue;
		/*
		 * --version alone prints the program's version; --version N
		 * (schema) or --version=N selects a table version.
		 */
		if (c == OPT_VERSION) {
			const char *v = optarg;
			if (!v && optind < argc && argv[optind][0] >= '0' && argv[optind][0] <= '9')
				v = argv[optind++];
			if (!v) {
				want_version = 1;
				continue;
			}
			c = OPT_AT_VERSION;
			optarg = (char *)v;
		}
		if ((rc = parse_option(&o, c, optarg)) != 0)
			return rc;
	}
	if (want_version && optind >= argc) {
		cli_print_version();
		return cli_finish_stdout(0);
	}
	/* With a verb, a --version without its number is a mistake, not a version request. */
	if (want_version)
		return cli_usage_error("--version needs a number here, as in 'schema DB.TABLE "
				       "--version 3'; alone, it prints the program's version");
	if (optind >= argc)
		return cli_usage_error("missing VERB");
	if (!(verb = find_verb(argv[optind])))
		return list_verbs_error(argv[optind]);
	o.format = lake_out_resolve(o.format, STDOUT_FILENO);
	return cli_finish_stdout(verb->run(&o, argc - optind, argv + optind));
}
