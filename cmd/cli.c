#include "cli.h"

#include "govern/audit.h"
#include "base/fsutil.h"
#include "govern/grant.h"

#include <getopt.h>
#include <unistd.h>

#include "base/interrupt.h"
#include "formats/reader.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog_name = "lake";

/*
 * A scan frees its buffers at the end of each file and the next file's
 * scan allocates them again.  glibc gives freed memory at the top of a
 * heap back to the kernel past 128 KiB by default, so every file faulted
 * its pages in afresh: over a table of many small Parquet files, page
 * faults were a fifth of lake-query's time.  Up to 64 MiB stays ours.
 * Fixing the trim threshold also fixes the mmap threshold, which glibc
 * would otherwise raise as big blocks are freed: at 32 MiB, the buffers
 * of a scan (a megabyte or so) come from the heap, not each from mmap.
 */
static void keep_freed_memory(void)
{
#if defined(__GLIBC__) && defined(M_TRIM_THRESHOLD) && defined(M_MMAP_THRESHOLD)
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

/*
 * Every program reads with one limit (reader.h), set before it reads:
 * lake-put's own files, crawled, queried and converted, then agree.
 */
static void max_record_from_environment(void)
{
	const char *v = getenv("LAKE_MAX_RECORD_SIZE");

	if (v && *v && cli_max_record_size("LAKE_MAX_RECORD_SIZE", v) != 0)
		exit(LAKE_EX_USAGE);
}

void cli_init(const char *prog)
{
	prog_name = prog;
	lake_audit_set_program(prog);
	/* Setgid to the service group: what the programs create, the whole group may use. */
	if (lake_setgid_mode())
		umask(007);
	/*
	 * A write past a file size limit must fail with EFBIG and be
	 * reported (exit 74, nothing half-registered), not kill us.
	 */
	signal(SIGXFSZ, SIG_IGN);
	keep_freed_memory();
	max_record_from_environment();
}

#ifdef __SANITIZE_ADDRESS__
/*
 * LeakSanitizer stops the world with ptrace, which a setgid (so
 * non-dumpable) process forbids: in the sanitizer builds' setgid runs
 * (the hardening tests) it is off rather than failing every exit.
 */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return getegid() != getgid();
}
#endif

static const char *acting_as;

void cli_set_as(const char *name)
{
	acting_as = name;
}

int cli_lake_open(const char *dir, struct lake **out, struct lake_error *e)
{
	if (lake_open(dir, out, e) < 0)
		return -1;
	if (acting_as && lake_act_as(*out, acting_as, e) < 0) {
		lake_close(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

const char *cli_prog(void)
{
	return prog_name;
}

static void vreport(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s: ", prog_name, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning", fmt, ap);
	va_end(ap);
}

int cli_fail(const struct lake_error *e)
{
	cli_error("%s", e->msg[0] ? e->msg : "failed without a message");
	return e->code ? e->code : LAKE_EX_SOFTWARE;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", prog_name);
	return LAKE_EX_USAGE;
}

int cli_finish_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write to standard output: %s", strerror(errno));
		return status ? status : LAKE_EX_IOERR;
	}
	return status;
}

int cli_parse_u64(const char *option, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	cli_usage_error("%s '%s': expected a whole number from %llu to %llu", option, s,
			(unsigned long long)min, (unsigned long long)max);
	return -1;
}

static int is_size(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && (s[n] == '\0' || (strchr("KkMmGg", s[n]) && s[n + 1] == '\0'));
}

int cli_parse_size(const char *option, const char *s, uint64_t *out)
{
	static const struct {
		char suffix;
		unsigned shift;
	} units[] = {{'K', 10}, {'M', 20}, {'G', 30}};
	size_t n = strlen(s);
	char digits[32];

	if (!is_size(s)) {
		cli_usage_error("%s '%s': expected a size such as 5M (a number, optionally with "
				"K, M or G for powers of 1024)",
				option, s);
		return -1;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (n > 1 && n < sizeof digits &&
		    (s[n - 1] == units[i].suffix || s[n - 1] == units[i].suffix + ('a' - 'A'))) {
			uint64_t v;
			memcpy(digits, s, n - 1);
			digits[n - 1] = '\0';
			if (cli_parse_u64(option, digits, 0, UINT64_MAX >> units[i].shift, &v) < 0)
				return -1;
			*out = v << units[i].shift;
			return 0;
		}
	}
	return cli_parse_u64(option, s, 0, UINT64_MAX, out);
}

int cli_max_record_size(const char *option, const char *value)
{
	uint64_t n;

	if (cli_parse_size(option, value, &n) < 0)
		return LAKE_EX_USAGE;
	if (n == 0)
		return cli_usage_error("%s must be at least 1 byte", option);
	lake_reader_default_max_record(n);
	return 0;
}

void cli_print_version(void)
{
	printf("%s (lake) %s\n", prog_name, LAKE_VERSION);
}

void cli_exit_help(const char *usage, const char *help)
{
	fputs(usage, stdout);
	fputs(help, stdout);
	exit(cli_finish_stdout(0));
}

void cli_exit_version(void)
{
	cli_print_version();
	exit(cli_finish_stdout(0));
}

int cli_parse_format(const char *s, enum lake_out_format *f)
{
	if (lake_out_format_parse(s, f) < 0)
		return cli_usage_error("--format '%s': use ndjson, table, csv, tsv or json", s);
	return 0;
}

static void on_signal(int sig)
{
	lake_interrupt(sig);
}

void cli_catch_interrupts(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked read must return to see the request */
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

const char *cli_count(char *buf, size_t size, unsigned long long n, const char *one,
		      const char *many)
{
	snprintf(buf, size, "%llu %s", n, n == 1 ? one : many);
	return buf;
}

int cli_bad_option(int c, char **argv)
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		return cli_usage_error("option '%s' needs a value", opt);
	return cli_usage_error("unknown option '%s'", opt);
}

int cli_common_option(int c, char **argv, const char *usage, const char *help,
		      const char **lake_dir)
{
	switch (c) {
	case 'h':
	case CLI_OPT_HELP:
		cli_exit_help(usage, help);
	case CLI_OPT_VERSION:
		cli_exit_version();
	case CLI_OPT_AS:
		cli_set_as(optarg);
		return -1;
	case CLI_OPT_LAKE:
		*lake_dir = optarg;
		return -1;
	case '?':
	case ':':
		return cli_bad_option(c, argv);
	default:
		return 0;
	}
}

static int progress_shown;

void cli_progress(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\r%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\033[K", stderr); /* erase what a longer line before left */
	progress_shown = 1;
}

void cli_progress_end(void)
{
	if (progress_shown)
		fputc('\n', stderr);
	progress_shown = 0;
}
