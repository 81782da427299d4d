/*
 * lake-testtool - data generators and library entry points for the tests
 * and benchmarks (git's t/helper/test-tool).  Never installed.
 *
 *	lake-testtool gen-events N [SEED [DAYS]]      N synthetic events, NDJSON, over DAYS (30)
 *	lake-testtool gen-events-csv N [SEED [DAYS]]  the same events flat, as CSV with a header
 *	lake-testtool measure CMD [ARG...]   run CMD; print "SECONDS MAX_RSS_KB" on stderr
 *	lake-testtool audit LAKE N TAG        append N audit events (8 KB of SQL each) to LAKE
 */
#include <inttypes.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "lake.h"

#include "buf.h"
#include "ltime.h"

/* xorshift64*: deterministic for a seed, good enough for test data. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static const char *pick(const char *const *list, size_t n)
{
	return list[rnd() % n];
}

#define PICK(list) pick(list, sizeof list / sizeof list[0])

static int gen_events(uint64_t n, uint64_t seed, uint64_t days, int csv)
{
	static const char *const kinds[] = {"page_view", "click", "purchase", "signup", "logout"};
	static const char *const pages[] = {"/",      "/products",  "/cart",   "/checkout",
					    "/about", "/blog/lake", "/search", "/account"};
	static const char *const countries[] = {"US", "DE", "FR", "GB", "JP", "BR", "IN", "CA"};
	static const char *const agents[] = {
	    "Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1)",
	    "curl/8.4.0", "Mozilla/5.0 (iPhone; CPU iPhone OS 17)"};
	/* 2024-05-01T00:00:00Z, events spread over 30 days in time order. */
	int64_t start = INT64_C(1714521600) * 1000000, span = (int64_t)days * 86400 * 1000000;
	struct lake_buf line = LAKE_BUF_INIT;
	char ts[40];

	rng_state = seed ? seed : 1;
	if (csv)
		fputs("id,ts,kind,user_id,country,page,duration_ms,amount,ok\n", stdout);
	for (uint64_t i = 0; i < n; i++) {
		int64_t t = start + (int64_t)((double)span * (double)i / (double)(n ? n : 1)) +
			    (int64_t)(rnd() % 1000000);
		lake_time_format_timestamp(t, ts);
		lake_buf_reset(&line);
		if (csv)
			lake_buf_addf(&line,
				      "%" PRIu64 ",%s,%s,%" PRIu64 ",%s,%s,%" PRIu64 ",%.2f,%s\n",
				      i + 1, ts, PICK(kinds), rnd() % 100000, PICK(countries),
				      PICK(pages), rnd() % 30000, (double)(rnd() % 100000) / 100.0,
				      rnd() % 10 ? "true" : "false");
		else
			lake_buf_addf(
			    &line,
			    "{\"id\":%" PRIu64
			    ",\"ts\":\"%s\",\"kind\":\"%s\",\"user\":{\"id\":%" PRIu64
			    ",\"country\":\"%s\",\"agent\":\"%s\"},\"page\":\"%s\","
			    "\"duration_ms\":%" PRIu64 ",\"amount\":%.2f,\"tags\":[\"t%" PRIu64
			    "\",\"t%" PRIu64 "\"],\"ok\":%s}\n",
			    i + 1, ts, PICK(kinds), rnd() % 100000, PICK(countries), PICK(agents),
			    PICK(pages), rnd() % 30000, (double)(rnd() % 100000) / 100.0,
			    rnd() % 50, rnd() % 50, rnd() % 10 ? "true" : "false");
		if (fwrite(line.data, 1, line.len, stdout) != line.len)
			return 1;
	}
	lake_buf_release(&line);
	return fflush(stdout) != 0;
}

static uint64_t arg_u64(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*end) {
		fprintf(stderr, "lake-testtool: '%s' is not a number\n", s);
		exit(64);
	}
	return v;
}

/* Wall time and peak memory of one command, for the benchmarks. */
static int measure(char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("lake-testtool: fork");
		return 71;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("lake-testtool: wait4");
		return 71;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "%.3f %ld\n",
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Many processes running this at once show whether audit lines ever interleave. */
static int audit_events(const char *dir, uint64_t n, const char *tag)
{
	struct lake_error err = {0};
	struct lake *lake;
	char sql[8192];

	if (lake_open(dir, &lake, &err) < 0) {
		fprintf(stderr, "lake-testtool: %s\n", err.msg);
		return err.code;
	}
	memset(sql, 'x', sizeof sql - 1);
	sql[sizeof sql - 1] = '\0';
	for (uint64_t i = 0; i < n; i++) {
		struct lake_audit_event ev = {"test", tag, "ok", i, 0, sql, 0, NULL};
		if (lake_audit(lake, &ev) < 0) {
			lake_close(lake);
			return 74;
		}
	}
	lake_close(lake);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "audit") == 0)
		return audit_events(argv[2], arg_u64(argv[3]), argv[4]);
	if (argc >= 3 && strcmp(argv[1], "measure") == 0)
		return measure(argv + 2);
	if (argc >= 3 &&
	    (strcmp(argv[1], "gen-events") == 0 || strcmp(argv[1], "gen-events-csv") == 0))
		return gen_events(arg_u64(argv[2]), argc > 3 ? arg_u64(argv[3]) : 42,
				  argc > 4 ? arg_u64(argv[4]) : 30,
				  strcmp(argv[1], "gen-events-csv") == 0);
	fprintf(stderr, "usage: lake-testtool gen-events N [SEED [DAYS]]\n"
			"       lake-testtool gen-events-csv N [SEED [DAYS]]\n"
			"       lake-testtool measure CMD [ARG...]\n"
			"       lake-testtool audit LAKE N TAG\n");
	return 64;
}
