/*
 * lake-testtool - data generators and library entry points for the tests
 * and benchmarks (git's t/helper/test-tool).  Never installed.
 *
 *	lake-testtool gen-events N [SEED [DAYS]]      N synthetic events, NDJSON, over DAYS (30)
 *	lake-testtool gen-events-csv N [SEED [DAYS]]  the same events flat, as CSV with a header
 *	lake-testtool gen-sales N PRODUCTS CUSTOMERS [SEED]
 *	                                      N sales (NDJSON), each of a product from 1 to
 *	                                      PRODUCTS and a customer from 1 to CUSTOMERS
 *	lake-testtool gen-products N [SEED]   products 1 to N (NDJSON): a category, a price
 *	lake-testtool gen-customers N [SEED]  customers 1 to N (NDJSON): a segment, a country
 *	lake-testtool measure CMD [ARG...]   run CMD; print "SECONDS MAX_RSS_KB" on stderr
 *	lake-testtool audit LAKE N TAG        append N audit events (8 KB of SQL each) to LAKE
 *	lake-testtool hold-lock LAKE          take LAKE's catalog write lock, print "locked",
 *	                                      hold it until stdin ends (the lake is not opened:
 *	                                      nothing is settled or recovered)
 *	lake-testtool parquet-write FILE SCHEMA [GROUP_ROWS [GROUP_BYTES [LEVEL]]]
 *	                                      NDJSON records on stdin into a Parquet file
 *	                                      written by lake_parquet_writer_*; SCHEMA is
 *	                                      "name:kind,..." (kinds as lake names them);
 *	                                      "name=key:kind" takes the column's values
 *	                                      from another key (columns of one name)
 */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "govern/audit.h"
#include "store/catalog.h"
#include "store/lake.h"

#include "base/buf.h"
#include "values/infer.h"
#include "base/ltime.h"
#include "parquet/parquet.h"

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

/* A star schema's fact table for the join benchmark: sales of products to customers. */
static int gen_sales(uint64_t n, uint64_t products, uint64_t customers, uint64_t seed)
{
	struct lake_buf line = LAKE_BUF_INIT;

	rng_state = seed ? seed : 1;
	for (uint64_t i = 0; i < n; i++) {
		lake_buf_reset(&line);
		lake_buf_addf(
		    &line,
		    "{\"sale_id\":%" PRIu64 ",\"day\":\"2024-05-%02d\",\"product_id\":%" PRIu64
		    ",\"customer_id\":%" PRIu64 ",\"qty\":%d,\"amount\":%.2f}\n",
		    i + 1, (int)(1 + 30 * i / (n ? n : 1)), 1 + rnd() % (products ? products : 1),
		    1 + rnd() % (customers ? customers : 1), (int)(1 + rnd() % 10),
		    (double)(rnd() % 100000) / 100.0);
		if (fwrite(line.data, 1, line.len, stdout) != line.len)
			return 1;
	}
	lake_buf_release(&line);
	return fflush(stdout) != 0;
}

/* Its dimensions: products (a category of 30, a price) and customers (a segment, a country). */
static int gen_dimension(uint64_t n, uint64_t seed, int customers)
{
	static const char *const segments[] = {"consumer", "small business", "enterprise",
					       "public sector", "education"};
	static const char *const countries[] = {"US", "DE", "FR", "GB", "JP", "BR", "IN", "CA"};
	struct lake_buf line = LAKE_BUF_INIT;

	rng_state = seed ? seed : 1;
	for (uint64_t i = 1; i <= n; i++) {
		lake_buf_reset(&line);
		if (customers)
			lake_buf_addf(&line,
				      "{\"customer_id\":%" PRIu64 ",\"name\":\"customer %" PRIu64
				      "\",\"segment\":\"%s\",\"country\":\"%s\"}\n",
				      i, i, PICK(segments), PICK(countries));
		else
			lake_buf_addf(&line,
				      "{\"product_id\":%" PRIu64 ",\"name\":\"product %" PRIu64
				      "\",\"category\":\"category %02d\",\"price\":%.2f}\n",
				      i, i, (int)(rnd() % 30), (double)(rnd() % 100000) / 100.0);
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
		struct lake_audit_event ev = {"test", tag, "ok", i, 0, sql, 0, NULL, NULL};
		if (lake_audit(lake, &ev) < 0) {
			lake_close(lake);
			return 74;
		}
	}
	lake_close(lake);
	return 0;
}

/* "id:bigint,name:string" into fields; the names point into text, which is modified. */
static size_t parse_schema(char *text, struct lake_parquet_field *fields, const char **keys,
			   size_t max)
{
	static const char *const kinds[] = {"null",	 "boolean", "bigint", "double", "date",
					    "timestamp", "string",  "array",  "struct"};
	size_t n = 0;

	for (char *item = strtok(text, ","); item; item = strtok(NULL, ",")) {
		char *colon = strchr(item, ':');
		size_t k = 0;

		if (!colon || n == max) {
			fprintf(stderr, "lake-testtool: bad schema item '%s'\n", item);
			exit(64);
		}
		*colon = '\0';
		while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k], colon + 1) != 0)
			k++;
		if (k == sizeof kinds / sizeof kinds[0]) {
			fprintf(stderr, "lake-testtool: unknown kind '%s'\n", colon + 1);
			exit(64);
		}
		char *eq = strchr(item, '=');
		if (eq)
			*eq = '\0';
		fields[n].name = item;
		keys[n] = eq ? eq + 1 : item;
		fields[n++].kind = (enum lake_kind)k;
	}
	return n;
}

/* One JSON member as a writer value; objects and arrays become their JSON text in *owned. */
static void json_to_value(json_t *j, struct lake_parquet_value *v, char **owned)
{
	memset(v, 0, sizeof *v);
	*owned = NULL;
	switch (j ? json_typeof(j) : JSON_NULL) {
	case JSON_TRUE:
	case JSON_FALSE:
		v->kind = LAKE_PQ_BOOL;
		v->i = json_is_true(j);
		break;
	case JSON_INTEGER:
		v->kind = LAKE_PQ_INT;
		v->i = json_integer_value(j);
		break;
	case JSON_REAL:
		v->kind = LAKE_PQ_DOUBLE;
		v->d = json_real_value(j);
		break;
	case JSON_STRING:
		v->kind = LAKE_PQ_TEXT;
		v->s = json_string_value(j);
		v->len = json_string_length(j);
		break;
	case JSON_OBJECT:
	case JSON_ARRAY:
		*owned = json_dumps(j, JSON_COMPACT);
		v->kind = LAKE_PQ_TEXT;
		v->s = *owned;
		v->len = strlen(*owned);
		break;
	default:
		v->kind = LAKE_PQ_NULL;
		break;
	}
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Time spent in the writer alone, apart from reading and parsing JSON, goes to stderr. */
static int parquet_write(int argc, char **argv)
{
	struct lake_parquet_write_options o = {0};
	struct lake_parquet_field fields[64];
	struct lake_parquet_value values[64];
	char *owned[64] = {0};
	struct lake_parquet_writer *w = NULL;
	struct lake_error err = {0};
	const char *keys[64];
	char *schema = lake_xstrdup(argv[3]), *line = NULL;
	size_t n = parse_schema(schema, fields, keys, 64), cap = 0;
	uint64_t rows = 0;
	double in_writer = 0;
	struct timespec t0;
	ssize_t len;
	int fd, rc = 0;

	o.row_group_rows = argc > 4 ? arg_u64(argv[4]) : 0;
	o.row_group_bytes = argc > 5 ? arg_u64(argv[5]) : 0;
	o.zstd_level = argc > 6 ? (int)arg_u64(argv[6]) : 0;
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(argv[2]);
		free(schema);
		return 73;
	}
	if (lake_parquet_writer_open(fd, argv[2], fields, n, &o, &w, &err) < 0)
		goto fail;
	while ((len = getline(&line, &cap, stdin)) > 0) {
		json_error_t jerr;
		json_t *rec = json_loadb(line, (size_t)len, JSON_ALLOW_NUL, &jerr);
		int r;

		if (!json_is_object(rec)) {
			fprintf(stderr, "lake-testtool: line %" PRIu64 ": not a JSON object\n",
				rows + 1);
			json_decref(rec);
			rc = 65;
			goto out;
		}
		for (size_t c = 0; c < n; c++)
			json_to_value(json_object_get(rec, keys[c]), &values[c], &owned[c]);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = lake_parquet_writer_add(w, values, &err);
		in_writer += seconds_since(&t0);
		for (size_t c = 0; c < n; c++)
			free(owned[c]);
		json_decref(rec);
		if (r < 0)
			goto fail;
		rows++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (lake_parquet_writer_finish(w, &err) < 0)
		goto fail;
	in_writer += seconds_since(&t0);
	fprintf(stderr, "parquet-write: %" PRIu64 " rows, %.3f s in the writer\n", rows, in_writer);
	goto out;
fail:
	fprintf(stderr, "lake-testtool: %s\n", err.msg);
	rc = err.code ? err.code : 70;
out:
	lake_parquet_writer_free(w);
	if (close(fd) < 0 && rc == 0) {
		perror(argv[2]);
		rc = 74;
	}
	free(line);
	free(schema);
	return rc;
}

/* For tests of what a program does while another holds the catalog's write lock. */
static int hold_lock(const char *dir)
{
	struct lake_error err = {0};
	struct lake_catalog *c = NULL;
	struct lake_buf path = LAKE_BUF_INIT;
	char buf[256];
	int rc = 0;

	lake_buf_addf(&path, "%s/catalog.db", dir);
	if (lake_catalog_open(path.data, 0, &c, &err) < 0 || lake_catalog_begin(c, &err) < 0) {
		fprintf(stderr, "lake-testtool: %s\n", err.msg);
		rc = err.code ? err.code : 70;
		goto out;
	}
	printf("locked\n");
	fflush(stdout);
	while (fread(buf, 1, sizeof buf, stdin) > 0)
		;
	lake_catalog_rollback(c);
out:
	lake_catalog_close(c);
	lake_buf_release(&path);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "hold-lock") == 0)
		return hold_lock(argv[2]);
	if (argc >= 4 && argc <= 7 && strcmp(argv[1], "parquet-write") == 0)
		return parquet_write(argc, argv);
	if (argc == 5 && strcmp(argv[1], "audit") == 0)
		return audit_events(argv[2], arg_u64(argv[3]), argv[4]);
	if (argc >= 3 && strcmp(argv[1], "measure") == 0)
		return measure(argv + 2);
	if (argc >= 3 &&
	    (strcmp(argv[1], "gen-events") == 0 || strcmp(argv[1], "gen-events-csv") == 0))
		return gen_events(arg_u64(argv[2]), argc > 3 ? arg_u64(argv[3]) : 42,
				  argc > 4 ? arg_u64(argv[4]) : 30,
				  strcmp(argv[1], "gen-events-csv") == 0);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "gen-sales") == 0)
		return gen_sales(arg_u64(argv[2]), arg_u64(argv[3]), arg_u64(argv[4]),
				 argc > 5 ? arg_u64(argv[5]) : 42);
	if ((argc == 3 || argc == 4) &&
	    (strcmp(argv[1], "gen-products") == 0 || strcmp(argv[1], "gen-customers") == 0))
		return gen_dimension(arg_u64(argv[2]), argc > 3 ? arg_u64(argv[3]) : 42,
				     strcmp(argv[1], "gen-customers") == 0);
	fprintf(stderr, "usage: lake-testtool gen-events N [SEED [DAYS]]\n"
			"       lake-testtool gen-events-csv N [SEED [DAYS]]\n"
			"       lake-testtool gen-sales N PRODUCTS CUSTOMERS [SEED]\n"
			"       lake-testtool gen-products N [SEED]\n"
			"       lake-testtool gen-customers N [SEED]\n"
			"       lake-testtool measure CMD [ARG...]\n"
			"       lake-testtool audit LAKE N TAG\n"
			"       lake-testtool hold-lock LAKE\n"
			"       lake-testtool parquet-write FILE SCHEMA [GROUP_ROWS [GROUP_BYTES "
			"[LEVEL]]]\n");
	return 64;
}
