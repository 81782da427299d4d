/*
 * test_catalog.c - the lake directory and catalog.db: init, find, open,
 * migrations, tables, pending and live files, the busy lock.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/catalog.h"
#include "store/catalog_schema.h"
#include "store/lake.h"
#include "scratch.h"
#include "t.h"

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ---- small SQL helpers ---- */

/* The first column of the first row as an integer; -999 when there is no row, -998 for NULL. */
static int64_t q_int(sqlite3 *db, const char *fmt, ...)
{
	va_list ap;
	char *sql;
	sqlite3_stmt *st = NULL;
	int64_t v = -999;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -998 : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return v;
}

/* The first column of the first row as text, in a static buffer; "(none)" or "(null)". */
static const char *q_text(sqlite3 *db, const char *fmt, ...)
{
	static char out[4][1024];
	static int next;
	char *slot = out[next++ % 4];
	va_list ap;
	char *sql;
	sqlite3_stmt *st = NULL;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	snprintf(slot, 1024, "(none)");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(slot, 1024, "%s", t ? (const char *)t : "(null)");
	}
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return slot;
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* Make a fresh lake at scratch/rel. */
static void new_lake(const char *rel)
{
	struct lake_error e = {0};

	CHECK_INT(lake_init(sp(rel), &e), 0);
	if (e.code)
		fprintf(stderr, "  lake_init: %s\n", e.msg);
}

static struct lake_catalog *open_catalog(const char *lake_rel)
{
	struct lake_catalog *c = NULL;
	struct lake_error e = {0};
	char path[2048];

	snprintf(path, sizeof path, "%s/%s/catalog.db", scratch, lake_rel);
	CHECK_INT(lake_catalog_open(path, 0, &c, &e), 0);
	if (!c)
		fprintf(stderr, "  catalog open: %s\n", e.msg);
	return c;
}

/* ---- the lake directory ---- */

static void test_init(void)
{
	struct lake_error e = {0};
	static const char *const parts[] = {"lake.json",  "catalog.db", "data",
					    "quarantine", "audit",	"tmp"};

	new_lake("l1");
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		char p[2100];
		snprintf(p, sizeof p, "%s/%s", sp("l1"), parts[i]);
		CHECK(exists(p));
	}
	/* Nothing left behind in tmp/ by writing lake.json. */
	{
		DIR *d = opendir(sp("l1/tmp"));
		struct dirent *de;
		int n = 0;
		while (d && (de = readdir(d)))
			n += de->d_name[0] != '.';
		if (d)
			closedir(d);
		CHECK_INT(n, 0);
	}
	/* A second init refuses. */
	CHECK_INT(lake_init(sp("l1"), &e), -1);
	CHECK_INT(e.code, LAKE_EX_CANTCREAT);
	CHECK(strstr(e.msg, "already a lake") != NULL);
	/* Init creates missing parents. */
	lake_error_clear(&e);
	CHECK_INT(lake_init(sp("deep/er/l2"), &e), 0);
	CHECK(exists(sp("deep/er/l2/lake.json")));
}

static void check_lake(const struct lake *lake, const char *dir)
{
	struct lake_buf b = LAKE_BUF_INIT;
	char want[2100];

	CHECK_STR(lake->dir, dir);
	snprintf(want, sizeof want, "%s/tmp", dir);
	CHECK_STR(lake->tmpdir, want);
	CHECK(lake->principal && *lake->principal);
	CHECK(lake->catalog != NULL);
	lake_path(lake, &b, "data/x");
	snprintf(want, sizeof want, "%s/data/x", dir);
	CHECK_STR(b.data, want);
	lake_buf_release(&b);
}

static void test_open_explicit_and_env(void)
{
	struct lake *lake = NULL;
	struct lake_error e = {0};

	new_lake("l3");
	unsetenv("LAKE_DIR");
	CHECK_INT(lake_open(sp("l3"), &lake, &e), 0);
	if (lake)
		check_lake(lake, sp("l3"));
	lake_close(lake);

	/* A relative --lake is made absolute. */
	{
		int here = open(".", O_RDONLY | O_DIRECTORY);
		lake = NULL;
		if (chdir(scratch) == 0) {
			CHECK_INT(lake_open("l3", &lake, &e), 0);
			if (lake)
				CHECK_STR(lake->dir, sp("l3"));
			lake_close(lake);
		}
		CHECK_INT(fchdir(here), 0);
		close(here);
	}

	setenv("LAKE_DIR", sp("l3"), 1);
	lake = NULL;
	CHECK_INT(lake_open(NULL, &lake, &e), 0);
	if (lake)
		check_lake(lake, sp("l3"));
	lake_close(lake);

	/* --lake wins over $LAKE_DIR. */
	new_lake("l4");
	lake = NULL;
	CHECK_INT(lake_open(sp("l4"), &lake, &e), 0);
	if (lake)
		CHECK_STR(lake->dir, sp("l4"));
	lake_close(lake);

	/* $LAKE_DIR naming a directory that is not a lake. */
	plain_mkdirs(sp("not-a-lake"));
	setenv("LAKE_DIR", sp("not-a-lake"), 1);
	lake = NULL;
	lake_error_clear(&e);
	CHECK_INT(lake_open(NULL, &lake, &e), -1);
	CHECK(lake == NULL);
	CHECK_INT(e.code, LAKE_EX_NOINPUT);
	CHECK(strstr(e.msg, "lake-catalog init") != NULL);
	CHECK(strstr(e.msg, "$LAKE_DIR") != NULL);
	unsetenv("LAKE_DIR");
}

static void test_open_upward(void)
{
	struct lake *lake = NULL;
	struct lake_error e = {0};
	int here = open(".", O_RDONLY | O_DIRECTORY);
	char *found = NULL;

	new_lake("l5");
	plain_mkdirs(sp("l5/data/a/b"));
	unsetenv("LAKE_DIR");
	CHECK(here >= 0);
	CHECK_INT(chdir(sp("l5/data/a/b")), 0);
	CHECK_INT(lake_find(NULL, &found, &e), 0);
	CHECK_STR(found, sp("l5"));
	free(found);
	CHECK_INT(lake_open(NULL, &lake, &e), 0);
	if (lake)
		check_lake(lake, sp("l5"));
	lake_close(lake);
	/* In the lake directory itself. */
	found = NULL;
	CHECK_INT(chdir(sp("l5")), 0);
	CHECK_INT(lake_find(NULL, &found, &e), 0);
	CHECK_STR(found, sp("l5"));
	free(found);
	/* An empty $LAKE_DIR counts as unset. */
	found = NULL;
	setenv("LAKE_DIR", "", 1);
	CHECK_INT(lake_find(NULL, &found, &e), 0);
	CHECK_STR(found, sp("l5"));
	free(found);
	unsetenv("LAKE_DIR");
	CHECK_INT(fchdir(here), 0);
	close(here);
}

/* Whether any directory from dir up to / holds lake.json (then a search would find it). */
static int lake_above(const char *dir)
{
	char p[4096], probe[4200];
	char *slash;

	snprintf(p, sizeof p, "%s", dir);
	for (;;) {
		snprintf(probe, sizeof probe, "%s/lake.json", p);
		if (exists(probe))
			return 1;
		slash = strrchr(p, '/');
		if (!slash)
			return 0;
		if (slash == p) {
			if (p[1] == '\0')
				return 0;
			p[1] = '\0';
			continue;
		}
		*slash = '\0';
	}
}

static void test_find_errors(void)
{
	struct lake_error e = {0};
	char *dir = (char *)"unchanged";
	int here = open(".", O_RDONLY | O_DIRECTORY);

	unsetenv("LAKE_DIR");
	CHECK_INT(lake_find(sp("nowhere"), &dir, &e), -1);
	CHECK(dir == NULL);
	CHECK_INT(e.code, LAKE_EX_NOINPUT);
	CHECK(strstr(e.msg, "nowhere") != NULL);

	plain_mkdirs(sp("plain-dir"));
	lake_error_clear(&e);
	CHECK_INT(lake_find(sp("plain-dir"), &dir, &e), -1);
	CHECK(dir == NULL);
	CHECK_INT(e.code, LAKE_EX_NOINPUT);
	CHECK(strstr(e.msg, "lake-catalog init") != NULL);

	/* No lake at or above the working directory. */
	CHECK_INT(chdir(sp("plain-dir")), 0);
	lake_error_clear(&e);
	if (!lake_above(sp("plain-dir"))) {
		CHECK_INT(lake_find(NULL, &dir, &e), -1);
		CHECK(dir == NULL);
		CHECK_INT(e.code, LAKE_EX_NOINPUT);
		CHECK(strstr(e.msg, "lake-catalog init") != NULL);
	} else {
		/* Someone's lake.json sits above the scratch directory: it must be what is found.
		 */
		CHECK_INT(lake_find(NULL, &dir, &e), 0);
		free(dir);
	}
	CHECK_INT(fchdir(here), 0);
	close(here);
}

static void test_open_wrong_lake_format(void)
{
	struct lake *lake = NULL;
	struct lake_error e = {0};
	FILE *f;

	new_lake("l6");
	f = fopen(sp("l6/lake.json"), "w");
	if (f) {
		fputs("{\"format\": 2}\n", f);
		fclose(f);
	}
	CHECK_INT(lake_open(sp("l6"), &lake, &e), -1);
	CHECK(lake == NULL);
	CHECK_INT(e.code, LAKE_EX_UNAVAILABLE);

	f = fopen(sp("l6/lake.json"), "w");
	if (f) {
		fputs("{not json\n", f);
		fclose(f);
	}
	lake_error_clear(&e);
	CHECK_INT(lake_open(sp("l6"), &lake, &e), -1);
	CHECK_INT(e.code, LAKE_EX_DATAERR);
	CHECK(strstr(e.msg, "lake.json") != NULL);
}

/* ---- the catalog's schema ---- */

static void test_schema_version_and_wal(void)
{
	struct lake_catalog *c;
	sqlite3 *raw;
	int64_t schema_before;

	new_lake("s1");
	c = open_catalog("s1");
	if (!c)
		return;
	CHECK_INT(q_int(lake_catalog_db(c), "PRAGMA user_version"), LAKE_CATALOG_SCHEMA_VERSION);
	CHECK_STR(q_text(lake_catalog_db(c), "PRAGMA journal_mode"), "wal");
	CHECK_INT(q_int(lake_catalog_db(c), "PRAGMA foreign_keys"), 1);
	CHECK_INT(q_int(lake_catalog_db(c),
			"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
			"('databases','tables','table_versions','partitions','files')"),
		  5);
	schema_before = q_int(lake_catalog_db(c), "PRAGMA schema_version");
	CHECK_INT(sqlite3_exec(lake_catalog_db(c),
			       "INSERT INTO classifiers VALUES ('keep', 'x', 'now', 'me')", NULL,
			       NULL, NULL),
		  SQLITE_OK);
	lake_catalog_close(c);

	/* The journal mode is a property of the file, seen by any connection. */
	raw = raw_open(sp("s1/catalog.db"));
	CHECK(raw != NULL);
	if (raw) {
		CHECK_STR(q_text(raw, "PRAGMA journal_mode"), "wal");
		sqlite3_close(raw);
	}

	/* Reopening changes no schema: no migration ran again, and the data is there. */
	c = open_catalog("s1");
	if (!c)
		return;
	CHECK_INT(q_int(lake_catalog_db(c), "PRAGMA schema_version"), schema_before);
	CHECK_INT(q_int(lake_catalog_db(c), "PRAGMA user_version"), LAKE_CATALOG_SCHEMA_VERSION);
	CHECK_INT(q_int(lake_catalog_db(c), "SELECT count(*) FROM classifiers WHERE name = 'keep'"),
		  1);
	lake_catalog_close(c);
}

static void test_catalog_missing(void)
{
	struct lake_catalog *c = (struct lake_catalog *)1;
	struct lake_error e = {0};

	CHECK_INT(lake_catalog_open(sp("no-such/catalog.db"), 0, &c, &e), -1);
	CHECK(c == NULL);
	CHECK_INT(e.code, LAKE_EX_NOINPUT);
	CHECK(strstr(e.msg, "catalog.db") != NULL);
}

static void test_newer_schema_refused(void)
{
	struct lake_catalog *c = NULL;
	struct lake *lake = NULL;
	struct lake_error e = {0};
	sqlite3 *raw;

	new_lake("s2");
	raw = raw_open(sp("s2/catalog.db"));
	CHECK(raw != NULL);
	if (!raw)
		return;
	CHECK_INT(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	CHECK_INT(lake_catalog_open(sp("s2/catalog.db"), 0, &c, &e), -1);
	CHECK(c == NULL);
	CHECK_INT(e.code, LAKE_EX_UNAVAILABLE);
	CHECK(strstr(e.msg, "99") != NULL);
	lake_error_clear(&e);
	CHECK_INT(lake_open(sp("s2"), &lake, &e), -1);
	CHECK_INT(e.code, LAKE_EX_UNAVAILABLE);
	/* Refusing must not have touched the version. */
	raw = raw_open(sp("s2/catalog.db"));
	if (raw) {
		CHECK_INT(q_int(raw, "PRAGMA user_version"), 99);
		sqlite3_close(raw);
	}
}

/* ---- tables ---- */

#define KEYS_DT_C "[{\"name\":\"dt\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"string\"}]"

static struct lake_table_spec orders_spec(void)
{
	return (struct lake_table_spec){.db = "sales",
					.name = "orders",
					.format = "ndjson",
					.compression = "zstd",
					.partition_keys = KEYS_DT_C,
					.principal = "tester"};
}

/* ensure_table (creating when absent) inside its own transaction; returns its result. */
static int ensure_ex(struct lake_catalog *c, const struct lake_table_spec *s, int create,
		     int64_t *id, struct lake_error *e)
{
	int rc;

	if (lake_catalog_begin(c, e) < 0)
		return -1;
	rc = lake_catalog_ensure_table(c, s, create, id, e);
	if (rc < 0) {
		lake_catalog_rollback(c);
		return rc;
	}
	return lake_catalog_commit(c, e);
}

static int ensure(struct lake_catalog *c, const struct lake_table_spec *s, int64_t *id,
		  struct lake_error *e)
{
	return ensure_ex(c, s, 1, id, e);
}

static void test_ensure_table(void)
{
	struct lake_catalog *c;
	struct lake_error e = {0};
	struct lake_table_spec s = orders_spec();
	int64_t id = 0, id2 = 0, id3 = 0;
	sqlite3 *db;

	new_lake("t1");
	c = open_catalog("t1");
	if (!c)
		return;
	db = lake_catalog_db(c);
	/* Without create, an absent table is reported as id 0 and nothing is made. */
	id = -1;
	CHECK_INT(ensure_ex(c, &s, 0, &id, &e), 0);
	CHECK_INT(id, 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM databases"), 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM tables"), 0);

	CHECK_INT(ensure(c, &s, &id, &e), 0);
	CHECK(id > 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM databases WHERE name = 'sales'"), 1);
	CHECK_STR(q_text(db, "SELECT created_by FROM databases WHERE name = 'sales'"), "tester");
	CHECK_INT(q_int(db, "SELECT version FROM tables WHERE id = %lld", (long long)id), 0);
	CHECK_STR(q_text(db, "SELECT name FROM tables WHERE id = %lld", (long long)id), "orders");
	CHECK_STR(q_text(db, "SELECT location FROM tables WHERE id = %lld", (long long)id),
		  "data/sales/orders");
	CHECK_STR(q_text(db, "SELECT format || '/' || compression FROM tables WHERE id = %lld",
			 (long long)id),
		  "ndjson/zstd");
	CHECK_STR(q_text(db, "SELECT partition_keys FROM tables WHERE id = %lld", (long long)id),
		  KEYS_DT_C);
	CHECK_INT(
	    q_int(db, "SELECT count(*) FROM table_versions WHERE table_id = %lld", (long long)id),
	    1);
	CHECK_STR(q_text(db,
			 "SELECT operation || ':' || principal FROM table_versions WHERE table_id "
			 "= %lld AND version = 0",
			 (long long)id),
		  "create:tester");

	/* The same spec again finds the same table and adds nothing, with create or without. */
	CHECK_INT(ensure(c, &s, &id2, &e), 0);
	CHECK_INT(id2, id);
	id2 = 0;
	CHECK_INT(ensure_ex(c, &s, 0, &id2, &e), 0);
	CHECK_INT(id2, id);
	CHECK_INT(q_int(db, "SELECT count(*) FROM tables"), 1);
	CHECK_INT(q_int(db, "SELECT count(*) FROM table_versions"), 1);

	/* Key types are not compared, only names and order. */
	s.partition_keys = "[{\"name\":\"dt\",\"type\":\"date\"},{\"name\":\"c\"}]";
	CHECK_INT(ensure(c, &s, &id2, &e), 0);
	CHECK_INT(id2, id);

	/* Another table in the same database. */
	s = orders_spec();
	s.name = "returns";
	s.partition_keys = "[]";
	CHECK_INT(ensure(c, &s, &id3, &e), 0);
	CHECK(id3 != id);
	CHECK_INT(q_int(db, "SELECT count(*) FROM databases"), 1);
	CHECK_INT(q_int(db, "SELECT count(*) FROM tables"), 2);
	lake_catalog_close(c);
}

static void test_ensure_table_conflicts(void)
{
	struct lake_catalog *c;
	struct lake_error e = {0};
	struct lake_table_spec s = orders_spec();
	int64_t id = 0, other = 0;
	sqlite3 *db;

	new_lake("t2");
	c = open_catalog("t2");
	if (!c)
		return;
	db = lake_catalog_db(c);
	CHECK_INT(ensure(c, &s, &id, &e), 0);

	s.format = "csv";
	CHECK_INT(ensure(c, &s, &other, &e), -1);
	CHECK_INT(e.code, LAKE_EX_DATAERR);
	CHECK(strstr(e.msg, "sales.orders") != NULL);
	CHECK(strstr(e.msg, "ndjson") != NULL);
	CHECK(strstr(e.msg, "csv") != NULL);

	s = orders_spec();
	s.partition_keys = "[{\"name\":\"dt\",\"type\":\"string\"}]";
	lake_error_clear(&e);
	CHECK_INT(ensure(c, &s, &other, &e), -1);
	CHECK_INT(e.code, LAKE_EX_DATAERR);
	CHECK(strstr(e.msg, "partitioned by dt, c") != NULL);

	/* The same keys in another order are other keys. */
	s.partition_keys = "[{\"name\":\"c\"},{\"name\":\"dt\"}]";
	lake_error_clear(&e);
	CHECK_INT(ensure(c, &s, &other, &e), -1);
	CHECK_INT(e.code, LAKE_EX_DATAERR);

	s.partition_keys = "[]";
	lake_error_clear(&e);
	CHECK_INT(ensure(c, &s, &other, &e), -1);
	CHECK_INT(e.code, LAKE_EX_DATAERR);
	CHECK(strstr(e.msg, "partitioned by dt, c") != NULL);

	/* Nothing changed. */
	CHECK_INT(q_int(db, "SELECT count(*) FROM tables"), 1);
	CHECK_STR(q_text(db, "SELECT format FROM tables"), "ndjson");
	CHECK_STR(q_text(db, "SELECT partition_keys FROM tables"), KEYS_DT_C);
	lake_catalog_close(c);
}

static void test_ensure_table_unpartitioned_conflict(void)
{
	struct lake_catalog *c;
	struct lake_error e = {0};
	struct lake_table_spec s = orders_spec();
	int64_t id = 0;

	new_lake("t3");
	c = open_catalog("t3");
	if (!c)
		return;
	s.partition_keys = "[]";
	CHECK_INT(ensure(c, &s, &id, &e), 0);
	s.partition_keys = KEYS_DT_C;
	CHECK_INT(ensure(c, &s, &id, &e), -1);
	CHECK_INT(e.code, LAKE_EX_DATAERR);
	CHECK(strstr(e.msg, "not partitioned") != NULL);
	lake_catalog_close(c);
}

static void test_ensure_table_grain_and_static(void)
{
	struct lake_catalog *c;
	struct lake_error e = {0};
	struct lake_table_spec s = orders_spec();
	int64_t id = 0, again = 0;
	sqlite3 *db;

	new_lake("t4");
	c = open_catalog("t4");
	if (!c)
		return;
	db = lake_catalog_db(c);
	/* The static value belongs to one write and is not stored with the keys. */
	s.partition_keys = "[{\"name\":\"dt\",\"type\":\"string\",\"grain\":\"day\","
			   "\"static\":\"2024-05-01\"}]";
	CHECK_INT(ensure(c, &s, &id, &e), 0);
	CHECK_STR(q_text(db, "SELECT partition_keys FROM tables WHERE id = %lld", (long long)id),
		  "[{\"name\":\"dt\",\"type\":\"string\",\"grain\":\"day\"}]");
	CHECK_STR(q_text(db, "SELECT partition_keys FROM table_versions WHERE table_id = %lld",
			 (long long)id),
		  "[{\"name\":\"dt\",\"type\":\"string\",\"grain\":\"day\"}]");

	/* Another day is fine; another grain is not, nor a value that is not a day. */
	s.partition_keys = "[{\"name\":\"dt\",\"grain\":\"day\",\"static\":\"2024-06-30\"}]";
	CHECK_INT(ensure(c, &s, &again, &e), 0);
	CHECK_INT(again, id);
	s.partition_keys = "[{\"name\":\"dt\",\"grain\":\"month\"}]";
	CHECK_INT(ensure(c, &s, &again, &e), -1);
	CHECK_INT(e.code, LAKE_EX_DATAERR);
	CHECK(strstr(e.msg, "'dt'") != NULL);
	lake_error_clear(&e);
	s.partition_keys = "[{\"name\":\"dt\",\"static\":\"2024-05\"}]";
	CHECK_INT(ensure(c, &s, &again, &e), -1);
	CHECK_INT(e.code, LAKE_EX_DATAERR);
	CHECK(strstr(e.msg, "2024-05") != NULL);
	lake_catalog_close(c);
}

static void test_ensure_table_csv_header(void)
{
	struct lake_catalog *c;
	struct lake_error e = {0};
	struct lake_table_spec s = orders_spec();
	int64_t id = 0, again = 0;

	new_lake("t5");
	c = open_catalog("t5");
	if (!c)
		return;
	s.format = "csv";
	s.partition_keys = "[]";
	s.csv_header = "[\"a\",\"b\"]";
	CHECK_INT(ensure(c, &s, &id, &e), 0);
	CHECK_INT(ensure(c, &s, &again, &e), 0);
	CHECK_INT(again, id);
	s.csv_header = "[\"a\",\"c\"]";
	CHECK_INT(ensure(c, &s, &again, &e), -1);
	CHECK_INT(e.code, LAKE_EX_DATAERR);
	CHECK(strstr(e.msg, "header") != NULL);
	lake_catalog_close(c);
}

/* ---- pending and live files ---- */

static struct lake_file_spec file_spec(int64_t table, const char *path, const char *partition,
				       int64_t bytes, int64_t rows)
{
	return (struct lake_file_spec){.table_id = table,
				       .path = path,
				       .partition = partition,
				       .format = "ndjson",
				       .compression = "zstd",
				       .bytes = bytes,
				       .rows = rows,
				       .principal = "tester"};
}

static void test_add_pending_and_publish(void)
{
	struct lake_catalog *c;
	struct lake_error e = {0};
	struct lake_table_spec s = orders_spec();
	int64_t table = 0, ids[3] = {0, 0, 0}, more = 0, version = 0;
	struct lake_file_spec f[3];
	sqlite3 *db;

	new_lake("p1");
	c = open_catalog("p1");
	if (!c)
		return;
	db = lake_catalog_db(c);
	CHECK_INT(ensure(c, &s, &table, &e), 0);
	f[0] = file_spec(table,
			 "data/sales/orders/dt=2024-05-01/c=__HIVE_DEFAULT_PARTITION__/part-1.zst",
			 "dt=2024-05-01/c=__HIVE_DEFAULT_PARTITION__", 100, 10);
	f[1] = file_spec(table,
			 "data/sales/orders/dt=2024-05-01/c=__HIVE_DEFAULT_PARTITION__/part-2.zst",
			 "dt=2024-05-01/c=__HIVE_DEFAULT_PARTITION__", 200, 20);
	f[2] = file_spec(table, "data/sales/orders/dt=2024-05-02/c=us/part-3.zst",
			 "dt=2024-05-02/c=us", 300, 30);
	CHECK_INT(lake_catalog_add_pending(c, f, 3, ids, &e), 0);
	CHECK(ids[0] > 0 && ids[1] > 0 && ids[2] > 0);
	CHECK(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
	CHECK_INT(q_int(db,
			"SELECT count(*) FROM files WHERE state = 'pending' AND writer_pid = %d",
			(int)getpid()),
		  3);
	CHECK_INT(q_int(db, "SELECT count(*) FROM files WHERE added_version IS NULL"), 3);
	CHECK_STR(q_text(db, "SELECT path FROM files WHERE id = %lld", (long long)ids[2]),
		  f[2].path);
	CHECK_INT(q_int(db, "SELECT bytes + rows FROM files WHERE id = %lld", (long long)ids[1]),
		  220);
	/* Pending files belong to no version: the table is still at 0. */
	CHECK_INT(q_int(db, "SELECT version FROM tables WHERE id = %lld", (long long)table), 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM partitions"), 0);

	CHECK_INT(lake_catalog_publish(c, table, ids, 3, "append", "tester", &version, &e), 0);
	CHECK_INT(version, 1);
	CHECK_INT(q_int(db, "SELECT version FROM tables WHERE id = %lld", (long long)table), 1);
	CHECK_INT(q_int(db, "SELECT count(*) FROM files WHERE state = 'live' AND added_version = 1 "
			    "AND writer_pid IS NULL"),
		  3);
	CHECK_INT(
	    q_int(db, "SELECT count(*) FROM partitions WHERE table_id = %lld", (long long)table),
	    2);
	CHECK_STR(q_text(db, "SELECT vals FROM partitions WHERE path = "
			     "'dt=2024-05-01/c=__HIVE_DEFAULT_PARTITION__'"),
		  "[\"2024-05-01\",null]");
	CHECK_STR(q_text(db, "SELECT vals FROM partitions WHERE path = 'dt=2024-05-02/c=us'"),
		  "[\"2024-05-02\",\"us\"]");
	CHECK_INT(q_int(db, "SELECT min(added_version) FROM partitions"), 1);
	CHECK_STR(q_text(db,
			 "SELECT operation || ':' || files_added || ':' || rows_added || ':' || "
			 "principal FROM table_versions WHERE table_id = %lld AND version = 1",
			 (long long)table),
		  "append:3:60:tester");

	/* A second publish into a known partition: version 2, the partition keeps version 1. */
	f[0].path = "data/sales/orders/dt=2024-05-02/c=us/part-4.zst";
	f[0].partition = "dt=2024-05-02/c=us";
	f[0].rows = 5;
	CHECK_INT(lake_catalog_add_pending(c, f, 1, &more, &e), 0);
	CHECK_INT(lake_catalog_publish(c, table, &more, 1, "append", "other", &version, &e), 0);
	CHECK_INT(version, 2);
	CHECK_INT(q_int(db, "SELECT version FROM tables WHERE id = %lld", (long long)table), 2);
	CHECK_INT(q_int(db, "SELECT count(*) FROM partitions"), 2);
	CHECK_INT(
	    q_int(db, "SELECT added_version FROM partitions WHERE path = 'dt=2024-05-02/c=us'"), 1);
	CHECK_STR(q_text(db,
			 "SELECT files_added || ':' || rows_added || ':' || principal FROM "
			 "table_versions WHERE table_id = %lld AND version = 2",
			 (long long)table),
		  "1:5:other");
	CHECK_INT(q_int(db, "SELECT count(*) FROM table_versions WHERE table_id = %lld",
			(long long)table),
		  3);
	lake_catalog_close(c);
}

static void test_publish_unpartitioned(void)
{
	struct lake_catalog *c;
	struct lake_error e = {0};
	struct lake_table_spec s = orders_spec();
	int64_t table = 0, id = 0, version = 0;
	struct lake_file_spec f;
	sqlite3 *db;

	new_lake("p2");
	c = open_catalog("p2");
	if (!c)
		return;
	db = lake_catalog_db(c);
	s.partition_keys = "[]";
	CHECK_INT(ensure(c, &s, &table, &e), 0);
	f = file_spec(table, "data/sales/orders/part-1.zst", "", 10, 1);
	CHECK_INT(lake_catalog_add_pending(c, &f, 1, &id, &e), 0);
	CHECK_INT(lake_catalog_publish(c, table, &id, 1, "append", "tester", &version, &e), 0);
	CHECK_INT(version, 1);
	CHECK_STR(q_text(db, "SELECT path || '|' || vals FROM partitions"), "|[]");
	lake_catalog_close(c);
}

static void test_publish_not_pending_rolls_back(void)
{
	struct lake_catalog *c;
	struct lake_error e = {0};
	struct lake_table_spec s = orders_spec();
	int64_t table = 0, other_table = 0, live = 0, pend = 0, foreign = 0, version = 0;
	int64_t mix[2], missing = 987654;
	struct lake_file_spec f;
	sqlite3 *db;

	new_lake("p3");
	c = open_catalog("p3");
	if (!c)
		return;
	db = lake_catalog_db(c);
	s.partition_keys = "[]";
	CHECK_INT(ensure(c, &s, &table, &e), 0);
	s.name = "other";
	CHECK_INT(ensure(c, &s, &other_table, &e), 0);
	f = file_spec(table, "data/sales/orders/live.zst", "", 1, 1);
	CHECK_INT(lake_catalog_add_pending(c, &f, 1, &live, &e), 0);
	CHECK_INT(lake_catalog_publish(c, table, &live, 1, "append", "tester", &version, &e), 0);
	f = file_spec(table, "data/sales/orders/pending.zst", "dt=2024-01-01", 1, 7);
	CHECK_INT(lake_catalog_add_pending(c, &f, 1, &pend, &e), 0);
	f = file_spec(other_table, "data/sales/other/x.zst", "", 1, 1);
	CHECK_INT(lake_catalog_add_pending(c, &f, 1, &foreign, &e), 0);

	/* A pending file first, then one already live: the whole publish is undone. */
	mix[0] = pend;
	mix[1] = live;
	version = -1;
	CHECK_INT(lake_catalog_publish(c, table, mix, 2, "append", "tester", &version, &e), -1);
	CHECK(e.code != 0);
	CHECK(e.msg[0] != '\0');
	CHECK_INT(q_int(db, "SELECT version FROM tables WHERE id = %lld", (long long)table), 1);
	CHECK_INT(q_int(db, "SELECT count(*) FROM table_versions WHERE table_id = %lld",
			(long long)table),
		  2);
	CHECK_STR(q_text(db, "SELECT state FROM files WHERE id = %lld", (long long)pend),
		  "pending");
	CHECK_INT(q_int(db, "SELECT added_version FROM files WHERE id = %lld", (long long)pend),
		  -998);
	CHECK_INT(q_int(db, "SELECT count(*) FROM partitions WHERE path = 'dt=2024-01-01'"), 0);
	/* The failed transaction is over: the connection is back in autocommit. */
	CHECK(sqlite3_get_autocommit(db));

	/* An id that does not exist, and a file of another table. */
	lake_error_clear(&e);
	CHECK_INT(lake_catalog_publish(c, table, &missing, 1, "append", "tester", &version, &e),
		  -1);
	CHECK(strstr(e.msg, "987654") != NULL);
	lake_error_clear(&e);
	CHECK_INT(lake_catalog_publish(c, table, &foreign, 1, "append", "tester", &version, &e),
		  -1);
	CHECK_STR(q_text(db, "SELECT state FROM files WHERE id = %lld", (long long)foreign),
		  "pending");
	CHECK_INT(q_int(db, "SELECT version FROM tables WHERE id = %lld", (long long)table), 1);
	CHECK_INT(q_int(db, "SELECT version FROM tables WHERE id = %lld", (long long)other_table),
		  0);

	/* And the pending file can still be published afterwards. */
	CHECK_INT(lake_catalog_publish(c, table, &pend, 1, "append", "tester", &version, &e), 0);
	CHECK_INT(version, 2);
	lake_catalog_close(c);
}

static void test_drop_pending(void)
{
	struct lake_catalog *c;
	struct lake_error e = {0};
	struct lake_table_spec s = orders_spec();
	int64_t table = 0, live = 0, p[2] = {0, 0}, version = 0, all[3];
	struct lake_file_spec f[2];
	sqlite3 *db;

	new_lake("p4");
	c = open_catalog("p4");
	if (!c)
		return;
	db = lake_catalog_db(c);
	s.partition_keys = "[]";
	CHECK_INT(ensure(c, &s, &table, &e), 0);
	f[0] = file_spec(table, "data/sales/orders/live.zst", "", 1, 1);
	CHECK_INT(lake_catalog_add_pending(c, f, 1, &live, &e), 0);
	CHECK_INT(lake_catalog_publish(c, table, &live, 1, "append", "tester", &version, &e), 0);
	f[0] = file_spec(table, "data/sales/orders/p1.zst", "", 1, 1);
	f[1] = file_spec(table, "data/sales/orders/p2.zst", "", 1, 1);
	CHECK_INT(lake_catalog_add_pending(c, f, 2, p, &e), 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM files"), 3);

	lake_catalog_drop_pending(c, p, 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM files"), 3);

	all[0] = p[0];
	all[1] = live;
	all[2] = p[1];
	lake_catalog_drop_pending(c, all, 3);
	CHECK_INT(q_int(db, "SELECT count(*) FROM files"), 1);
	CHECK_INT(q_int(db, "SELECT id FROM files"), live);
	CHECK_STR(q_text(db, "SELECT state FROM files"), "live");
	CHECK(sqlite3_get_autocommit(db));
	lake_catalog_close(c);
}

static void test_add_pending_is_atomic(void)
{
	struct lake_catalog *c;
	struct lake_error e = {0};
	struct lake_table_spec s = orders_spec();
	int64_t table = 0, ids[3] = {0, 0, 0};
	struct lake_file_spec f[3];
	sqlite3 *db;

	new_lake("p5");
	c = open_catalog("p5");
	if (!c)
		return;
	db = lake_catalog_db(c);
	s.partition_keys = "[]";
	CHECK_INT(ensure(c, &s, &table, &e), 0);
	/* The third file repeats the first one's path: the call fails as a whole. */
	f[0] = file_spec(table, "data/sales/orders/a.zst", "", 1, 1);
	f[1] = file_spec(table, "data/sales/orders/b.zst", "", 1, 1);
	f[2] = file_spec(table, "data/sales/orders/a.zst", "", 1, 1);
	CHECK_INT(lake_catalog_add_pending(c, f, 3, ids, &e), -1);
	CHECK(e.code != 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM files"), 0);
	CHECK(sqlite3_get_autocommit(db));
	/* No files at all is a valid call. */
	CHECK_INT(lake_catalog_add_pending(c, f, 0, ids, &e), 0);
	lake_catalog_close(c);
}

/* ---- the write lock ---- */

/* A catalog made by an older lake is brought forward on open, its data kept. */
static void test_migrates_an_older_catalog(void)
{
	struct lake_error e = {0};
	struct lake_catalog *c = NULL;
	const char *path = sp("old-catalog.db");
	sqlite3 *db;

	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, lake_catalog_migrations[0], NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_exec(
		  db,
		  "PRAGMA user_version = 1;"
		  "INSERT INTO databases(name, created, created_by) VALUES ('raw', 'x', 'y');",
		  NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(lake_catalog_open(path, 0, &c, &e) == 0);
	if (!c)
		return;
	db = lake_catalog_db(c);
	CHECK_INT(q_int(db, "PRAGMA user_version"), LAKE_CATALOG_SCHEMA_VERSION);
	CHECK_INT(q_int(db, "SELECT count(*) FROM pragma_table_info('files') WHERE name = "
			    "'raw_bytes'"),
		  1);
	CHECK_INT(q_int(db, "SELECT count(*) FROM databases WHERE name = 'raw'"), 1);
	lake_catalog_close(c);
}

static void test_busy(void)
{
	struct lake_catalog *c = NULL;
	struct lake_error e = {0};
	struct lake_file_spec f = file_spec(1, "data/x/y/busy.zst", "", 1, 1);
	int64_t id = 0;
	sqlite3 *other;

	new_lake("b1");
	other = raw_open(sp("b1/catalog.db"));
	CHECK(other != NULL);
	if (!other)
		return;
	CHECK_INT(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	setenv("LAKE_BUSY_TIMEOUT_MS", "100", 1);
	CHECK_INT(lake_catalog_open(sp("b1/catalog.db"), 0, &c, &e), 0);
	if (!c) {
		fprintf(stderr, "  open while locked: %s\n", e.msg);
		goto out;
	}
	CHECK_INT(lake_catalog_begin(c, &e), -1);
	CHECK_INT(e.code, LAKE_EX_TEMPFAIL);
	CHECK(strstr(e.msg, "busy") != NULL);
	CHECK(strstr(e.msg, "catalog.db") != NULL);
	lake_error_clear(&e);
	CHECK_INT(lake_catalog_add_pending(c, &f, 1, &id, &e), -1);
	CHECK_INT(e.code, LAKE_EX_TEMPFAIL);

	/* Once the other writer commits, the lock is free. */
	CHECK_INT(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	lake_error_clear(&e);
	CHECK_INT(lake_catalog_begin(c, &e), 0);
	CHECK_INT(lake_catalog_commit(c, &e), 0);
	CHECK_INT(e.code, 0);
out:
	unsetenv("LAKE_BUSY_TIMEOUT_MS");
	lake_catalog_close(c);
	sqlite3_close(other);
}

/* A string bound as the catalog keeps it: its bytes (blob-cast, NULs and all), hex; "NULL". */
static const char *bound_hex(sqlite3 *db, int64_t file, const char *column, const char *side)
{
	return q_text(
	    db,
	    "SELECT CASE WHEN %s_value IS NULL THEN 'NULL' ELSE hex(CAST(%s_value AS BLOB)) "
	    "END FROM file_column_stats WHERE file_id = %lld AND column_name = '%q'",
	    side, side, (long long)file, column);
}

/* n copies of s, hex, as SQLite's hex() spells bytes. */
static const char *hex_of(const char *s, size_t len, int n, const char *tail)
{
	static char out[4][1024];
	static int next;
	char *slot = out[next++ % 4], *p = slot;

	for (int i = 0; i < n; i++)
		for (size_t j = 0; j < len; j++)
			p += sprintf(p, "%02X", (unsigned char)s[j]);
	for (; *tail; tail++)
		p += sprintf(p, "%02X", (unsigned char)*tail);
	return slot;
}

/*
 * A string longer than 64 bytes is kept as bounds: the minimum a prefix,
 * cut between characters; the maximum a prefix with its last character
 * raised (past U+10FFFF to the one before, past the surrogates), or NULL.
 * A 50 MB string made catalog.db 98 MB larger when kept whole.
 */
static void test_long_string_bounds(void)
{
	struct lake_catalog *c;
	struct lake_error e = {0};
	struct lake_table_spec s = orders_spec();
	struct lake_file_spec f;
	int64_t table = 0, id = 0;
	struct lake_buf big = LAKE_BUF_INIT, x = LAKE_BUF_INIT;
	json_t *stats = json_array();
	char want[1024];
	sqlite3 *db;

	new_lake("bounds");
	c = open_catalog("bounds");
	if (!c)
		return;
	db = lake_catalog_db(c);
	CHECK_INT(ensure(c, &s, &table, &e), 0);
	f = file_spec(table, "data/sales/orders/part-b.zst", "", 1, 1);
	CHECK_INT(lake_catalog_add_pending(c, &f, 1, &id, &e), 0);
	for (int i = 0; i < 1000000; i++)
		lake_buf_addc(&big, (char)('a' + i % 3));
#define BOUND(col, lo, lolen, hi, hilen)                                                           \
	json_array_append_new(stats,                                                               \
			      json_pack("{s:s, s:s%, s:s%, s:i}", "column", col, "min", lo,        \
					(size_t)(lolen), "max", hi, (size_t)(hilen), "nulls", 0))
	BOUND("big", big.data, big.len, big.data, big.len);
	/* A two-byte character straddles byte 64: the cut falls before it. */
	lake_buf_addc(&x, 'x');
	for (int i = 0; i < 40; i++)
		lake_buf_addstr(&x, "\xc3\xa9"); /* é */
	BOUND("straddle", x.data, x.len, x.data, x.len);
	lake_buf_reset(&x);
	for (int i = 0; i < 20; i++)
		lake_buf_addstr(&x, "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
	BOUND("top", x.data, x.len, x.data, x.len);
	lake_buf_reset(&x);
	lake_buf_addc(&x, 'q');
	for (int i = 0; i < 20; i++)
		lake_buf_addstr(&x, "\xf4\x8f\xbf\xbf");
	BOUND("nearly_top", x.data, x.len, x.data, x.len);
	lake_buf_reset(&x);
	for (int i = 0; i < 30; i++)
		lake_buf_addstr(&x, "\xed\x9f\xbf"); /* U+D7FF, below the surrogates */
	BOUND("surrogates", x.data, x.len, x.data, x.len);
	lake_buf_reset(&x);
	for (int i = 0; i < 70; i++)
		lake_buf_addc(&x, 0x7f);
	BOUND("ascii_top", x.data, x.len, x.data, x.len);
	/* 64 bytes and less, NULs inside: kept whole. */
	BOUND("short", "a\0b", 3,
	      "exactly-64-bytes-exactly-64-bytes-exactly-64-bytes-exactly-64-by", 64);
#undef BOUND
	CHECK_INT(lake_catalog_begin(c, &e), 0);
	CHECK_INT(lake_catalog_insert_stats(c, id, stats, &e), 0);
	CHECK_INT(lake_catalog_commit(c, &e), 0);

	CHECK_STR(bound_hex(db, id, "big", "min"), hex_of("abc", 3, 21, "a"));
	CHECK_STR(bound_hex(db, id, "big", "max"), hex_of("abc", 3, 21, "b"));
	snprintf(want, sizeof want, "78%s", hex_of("\xc3\xa9", 2, 31, ""));
	CHECK_STR(bound_hex(db, id, "straddle", "min"), want);
	snprintf(want, sizeof want, "78%s", hex_of("\xc3\xa9", 2, 30, "\xc3\xaa")); /* ê */
	CHECK_STR(bound_hex(db, id, "straddle", "max"), want);
	CHECK_STR(bound_hex(db, id, "top", "min"), hex_of("\xf4\x8f\xbf\xbf", 4, 16, ""));
	CHECK_STR(bound_hex(db, id, "top", "max"), "NULL");
	CHECK_STR(bound_hex(db, id, "nearly_top", "max"), "72"); /* "r" */
	CHECK_STR(bound_hex(db, id, "surrogates", "max"),
		  hex_of("\xed\x9f\xbf", 3, 20, "\xee\x80\x80"));
	CHECK_STR(bound_hex(db, id, "ascii_top", "min"), hex_of("\x7f", 1, 64, ""));
	CHECK_STR(bound_hex(db, id, "ascii_top", "max"), hex_of("\x7f", 1, 63, "\xc2\x80"));
	CHECK_STR(bound_hex(db, id, "short", "min"), "610062");
	CHECK_STR(
	    bound_hex(db, id, "short", "max"),
	    hex_of("exactly-64-bytes-exactly-64-bytes-exactly-64-bytes-exactly-64-by", 64, 1, ""));
	/* A million bytes kept as 128. */
	CHECK(q_int(db, "SELECT max(length(CAST(min_value AS BLOB)) + "
			"length(CAST(max_value AS BLOB))) FROM file_column_stats") <= 2 * 68);
	json_decref(stats);
	lake_buf_release(&big);
	lake_buf_release(&x);
	lake_catalog_close(c);
}

int main(void)
{
	if (setup_scratch("catalog") < 0) {
		perror("mkdtemp");
		return 1;
	}
	T_RUN(test_init);
	T_RUN(test_open_explicit_and_env);
	T_RUN(test_open_upward);
	T_RUN(test_find_errors);
	T_RUN(test_open_wrong_lake_format);
	T_RUN(test_schema_version_and_wal);
	T_RUN(test_catalog_missing);
	T_RUN(test_newer_schema_refused);
	T_RUN(test_ensure_table);
	T_RUN(test_ensure_table_conflicts);
	T_RUN(test_ensure_table_unpartitioned_conflict);
	T_RUN(test_ensure_table_grain_and_static);
	T_RUN(test_ensure_table_csv_header);
	T_RUN(test_add_pending_and_publish);
	T_RUN(test_publish_unpartitioned);
	T_RUN(test_publish_not_pending_rolls_back);
	T_RUN(test_add_pending_is_atomic);
	T_RUN(test_drop_pending);
	T_RUN(test_migrates_an_older_catalog);
	T_RUN(test_busy);
	T_RUN(test_long_string_bounds);
	remove_tree(scratch);
	T_DONE();
}
