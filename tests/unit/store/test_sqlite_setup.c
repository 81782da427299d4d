/*
 * test_sqlite_setup.c - what every connection that runs users' SQL is
 * left without.  The authorizers' refusals themselves are tested end to
 * end (tests/e2e/t-grant.sh: fts3_tokenizer).
 */
#include "store/sqlite_setup.h"
#include "t.h"

static int flag(sqlite3 *db, int op)
{
	int on = -1;

	sqlite3_db_config(db, op, -1, &on);
	return on;
}

/*
 * fts3_tokenizer: builds with SQLITE_ENABLE_FTS3_TOKENIZER (Debian's)
 * allow fts3_tokenizer(name, pointer) by default, which makes SQLite call
 * through a pointer the SQL gives.
 */
static void test_untrusted_flags(void)
{
	sqlite3 *db;

	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	lake_sqlite_setup(db, 1);
	CHECK_INT(flag(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER), 0);
	CHECK_INT(flag(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION), 0);
	CHECK_INT(flag(db, SQLITE_DBCONFIG_DEFENSIVE), 1);
	CHECK_INT(flag(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA), 0);
	CHECK_INT(flag(db, SQLITE_DBCONFIG_DQS_DML), 0);
	sqlite3_close(db);
}

static void test_refused_functions(void)
{
	CHECK(lake_sqlite_function_refused("fts3_tokenizer"));
	CHECK(lake_sqlite_function_refused("FTS3_TOKENIZER"));
	CHECK(lake_sqlite_function_refused("load_extension"));
	CHECK(!lake_sqlite_function_refused("sqlite_version"));
	CHECK(!lake_sqlite_function_refused("json_extract"));
	CHECK(!lake_sqlite_function_refused(NULL));
}

int main(void)
{
	T_RUN(test_untrusted_flags);
	T_RUN(test_refused_functions);
	T_DONE();
}
