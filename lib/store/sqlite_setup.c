#include "store/sqlite_setup.h"

#include <stddef.h>
#include <strings.h>

void lake_sqlite_setup(sqlite3 *db, int untrusted)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
	if (!untrusted)
		return;
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	/*
	 * Builds with SQLITE_ENABLE_FTS3_TOKENIZER (Debian's) turn it on by
	 * default: fts3_tokenizer(name, blob) would then install a pointer
	 * from the SQL as a tokenizer, and SQLite would call through it.
	 */
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
}

int lake_sqlite_function_refused(const char *name)
{
	/*
	 * load_extension runs code from a file; fts3_tokenizer(name) returns
	 * a tokenizer's address (which defeats ASLR) and, with a second
	 * argument, installs one.  SQLite's other built-in functions reveal
	 * neither addresses nor the environment: sqlite_version(),
	 * sqlite_source_id() and sqlite_compileoption_*() describe the build,
	 * fts5(?) needs a pointer bound by the program, and readfile() and
	 * edit() exist only in the sqlite3 shell.
	 */
	static const char *const refused[] = {"load_extension", "fts3_tokenizer"};

	for (size_t i = 0; name && i < sizeof refused / sizeof refused[0]; i++)
		if (strcasecmp(name, refused[i]) == 0)
			return 1;
	return 0;
}
