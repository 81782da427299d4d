/*
 * lake-catalog - the lake's metadata: create a lake, browse and keep its catalog.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "lake.h"

static const char usage[] = "usage: lake-catalog [--lake DIR] VERB [ARGS]\n"
			    "       lake-catalog init DIR\n";

static const char help[] =
    "\n"
    "Create a lake and work with its catalog.\n"
    "\n"
    "Verbs:\n"
    "  init DIR      create a new, empty lake in DIR (created if missing)\n"
    "\n"
    "Options (before or after the verb):\n"
    "  --lake DIR    the lake (default: $LAKE_DIR, or lake.json found upward)\n"
    "  --help, --version\n"
    "\n"
    "See lake-catalog(1).\n";

enum { OPT_HELP = 256, OPT_LAKE, OPT_VERSION };

static const struct option long_options[] = {
    {"help", no_argument, NULL, OPT_HELP},
    {"lake", required_argument, NULL, OPT_LAKE},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int print_record(json_t *rec)
{
	int rc = json_dumpf(rec, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF;

	json_decref(rec);
	return rc;
}

static int verb_init(int argc, char **argv)
{
	struct lake_error err = {0};
	char *dir = NULL;
	int status = 0;

	if (argc != 2)
		return cli_usage_error("init takes one DIR: 'lake-catalog init DIR'");
	if (lake_init(argv[1], &err) < 0)
		return cli_fail(&err);
	if (lake_find(argv[1], &dir, &err) < 0)
		return cli_fail(&err);
	if (print_record(json_pack("{s:s, s:i}", "lake", dir, "format", LAKE_FORMAT)))
		status = LAKE_EX_IOERR;
	free(dir);
	return status;
}

struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct verb verbs[] = {
    {"init", verb_init},
};

int main(int argc, char **argv)
{
	int c;

	cli_init("lake-catalog");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			fputs(usage, stdout);
			fputs(help, stdout);
			return cli_finish_stdout(0);
		case OPT_VERSION:
			cli_print_version();
			return cli_finish_stdout(0);
		case OPT_LAKE:
			setenv("LAKE_DIR", optarg, 1);
			break;
		default:
			return cli_bad_option(c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error("missing VERB");
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(argv[optind], verbs[i].name) == 0)
			return cli_finish_stdout(verbs[i].run(argc - optind, argv + optind));
	return cli_usage_error("unknown verb '%s'; the verbs are: init", argv[optind]);
}
