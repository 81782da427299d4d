/*
 * test_snapshots.c - which versions of a table can still be read: a
 * vacuumed file marks exactly the versions it was live at, and reading
 * one of them fails with exit 66 and the first readable version after it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store/catalog.h"
#include "store/snapshots.h"
#include "scratch.h"
#include "t.h"

static int exec(struct lake_catalog *c, const char *sql)
{
	return sqlite3_exec(lake_catalog_db(c), sql, NULL, NULL, NULL);
}

/*
 * Table 1 has versions 0 to 5; file 1 was live at 1 and 2 (removed at 3),
 * file 2 at 4 on (live), file 3 is pending.
 */
static struct lake_catalog *table_with_history(const char *name)
{
	struct lake_catalog *c = NULL;
	struct lake_error e = {0};

	CHECK_INT(lake_catalog_open(sp(name), 1, &c, &e), 0);
	if (!c)
		return NULL;
	CHECK_INT(
	    exec(c, "INSERT INTO databases(id, name, created, created_by) VALUES "
		    "(1, 'raw', 'now', 'me');"
		    "INSERT INTO tables(id, database_id, name, location, format, compression, "
		    "version, created, updated, created_by) VALUES (1, 1, 't', 'data/raw/t', "
		    "'ndjson', 'zstd', 5, 'now', 'now', 'me');"
		    "WITH RECURSIVE v(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM v WHERE n < 5) "
		    "INSERT INTO table_versions(table_id, version, operation, columns, "
		    "partition_keys, created, principal) SELECT 1, n, 'put', '[]', '[]', "
		    "'now', 'me' FROM v;"
		    "INSERT INTO files(id, table_id, path, format, compression, bytes, state, "
		    "added_version, removed_version, created, created_by) VALUES "
		    "(1, 1, 'a', 'ndjson', 'zstd', 1, 'removed', 1, 3, 'now', 'me'),"
		    "(2, 1, 'b', 'ndjson', 'zstd', 1, 'live', 4, NULL, 'now', 'me'),"
		    "(3, 1, 'c', 'ndjson', 'zstd', 1, 'pending', NULL, NULL, 'now', 'me');"),
	    SQLITE_OK);
	return c;
}

static void test_forget_marks_the_versions_a_file_was_live_at(void)
{
	struct lake_catalog *c = table_with_history("marks.db");
	struct lake_error e = {0};
	char gone[8] = {0};

	if (!c)
		return;
	CHECK_INT(lake_snapshots_forget_file(c, 1, &e), 0);
	CHECK_INT(lake_snapshots_forget_file(c, 2, &e), 0); /* live: not a removed file */
	CHECK_INT(lake_snapshots_forget_file(c, 3, &e), 0); /* pending */
	for (int v = 0; v <= 5; v++) {
		struct lake_error r = {0};
		gone[v] = lake_snapshots_require_readable(c, 1, "raw.t", v, &r) < 0 ? 'x' : '.';
	}
	CHECK_STR(gone, ".xx...");
	lake_catalog_close(c);
}

static void test_unreadable_version_says_which_can_be_read(void)
{
	struct lake_catalog *c = table_with_history("message.db");
	struct lake_error e = {0};

	if (!c)
		return;
	CHECK_INT(lake_snapshots_forget_file(c, 1, &e), 0);
	CHECK_INT(lake_snapshots_require_readable(c, 1, "raw.t", 1, &e), -1);
	CHECK_INT(e.code, 66);
	CHECK_STR(e.msg, "raw.t: version 1 is no longer readable (its files were vacuumed); the "
			 "oldest readable version is 3");
	lake_catalog_close(c);
}

int main(void)
{
	if (setup_scratch("snapshots") < 0)
		return 1;
	T_RUN(test_forget_marks_the_versions_a_file_was_live_at);
	T_RUN(test_unreadable_version_says_which_can_be_read);
	remove_tree(scratch);
	T_DONE();
}
