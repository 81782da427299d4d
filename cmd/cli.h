/*
 * cli.h - what every lake program's front end shares.
 *
 * One diagnostics format for all programs (SPEC §1):
 *
 *	lake-put: error: sales.csv:41:7: unterminated quoted field
 *
 * and the small parsers for option values, each refusing what it cannot
 * read with exit 64 and a message that says what was expected.
 */
#ifndef LAKE_CLI_H
#define LAKE_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/lake.h"
#include "query/output.h"

void cli_init(const char *prog);
const char *cli_prog(void);

/* "PROG: error: MESSAGE" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print e and return its exit code. */
int cli_fail(const struct lake_error *e);
/* A usage mistake: message, the hint to run --help, and LAKE_EX_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Flush stdout and report a failed write (a full disk, a closed pipe) as exit 74. */
int cli_finish_stdout(int status);

/* Parse a decimal in [min, max]; on failure print why and return -1. */
int cli_parse_u64(const char *option, const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* As cli_parse_u64, with an optional K, M or G suffix (powers of 1024). */
int cli_parse_size(const char *option, const char *s, uint64_t *out);

/*
 * The longest record any reader of this run takes (reader.h), from an
 * option's value; cli_init() already applied LAKE_MAX_RECORD_SIZE from
 * the environment, and exits 64 when it holds no size.  0, or the usage
 * error's exit status.
 */
int cli_max_record_size(const char *option, const char *value);

void cli_print_version(void);

/* --help and --version: print to standard output and exit (status 0, or 74 if it failed). */
_Noreturn void cli_exit_help(const char *usage, const char *help);
_Noreturn void cli_exit_version(void);

/* --format FMT: 0, or the usage error's exit status with what the formats are. */
int cli_parse_format(const char *s, enum lake_out_format *f);

/*
 * Ask the library to stop cleanly on SIGINT, SIGTERM and SIGHUP (see
 * interrupt.h): the handler only sets a flag, and blocking reads return.
 */
void cli_catch_interrupts(void);

/* "1 row", "2 rows": n and the noun, singular or plural (a static buffer per call site). */
const char *cli_count(char *buf, size_t size, unsigned long long n, const char *one,
		      const char *many);

/*
 * A progress line on stderr (only call it when stderr is a terminal): it
 * rewrites itself in place; cli_progress_end() ends it before anything
 * else is printed.
 */
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_progress_end(void);

/*
 * --as NAME (administrators only): cli_lake_open opens the lake acting as
 * NAME.  Every program opens its lake through cli_lake_open.
 */
void cli_set_as(const char *name);
int cli_lake_open(const char *dir, struct lake **out, struct lake_error *e);

/* A getopt_long '?' or ':' turned into a house-style usage error. */
int cli_bad_option(int c, char **argv);

/*
 * The options every program takes alike, parsed in one place.  Each
 * program's option table lists CLI_COMMON_OPTIONS (and --version, which
 * lake-catalog also uses to choose a table version), and its getopt_long
 * loop gives every option to cli_common_option first:
 *
 *	if ((rc = cli_common_option(c, argv, usage, help, &o.lake_dir)) > 0)
 *		return rc;
 *	if (rc < 0)
 *		continue;
 *
 * -h and --help print usage and help and exit, CLI_OPT_VERSION prints the
 * version and exits, --lake DIR sets *lake_dir, --as NAME is kept for
 * cli_lake_open.  Returns -1 when c was one of those, 0 when it is the
 * program's own, or the exit status of a usage error (getopt's '?', ':').
 */
enum { CLI_OPT_AS = 1000, CLI_OPT_HELP, CLI_OPT_LAKE, CLI_OPT_VERSION };
#define CLI_COMMON_OPTIONS                                                                         \
	{"as", required_argument, NULL, CLI_OPT_AS}, {"help", no_argument, NULL, CLI_OPT_HELP},    \
	{                                                                                          \
		"lake", required_argument, NULL, CLI_OPT_LAKE                                      \
	}
int cli_common_option(int c, char **argv, const char *usage, const char *help,
		      const char **lake_dir);

#endif
