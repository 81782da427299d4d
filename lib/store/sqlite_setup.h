/*
 * sqlite_setup.h - every SQLite connection lake opens is set up by one
 * function, so that none is left with SQLite's lax defaults.
 */
#ifndef LAKE_SQLITE_SETUP_H
#define LAKE_SQLITE_SETUP_H

#include <sqlite3.h>

/*
 * Double-quoted strings are identifiers only (SQLite's DQS misfeature
 * off): a name that matches no column is an error, never the string
 * literal it would otherwise become (a misspelt row filter that is always
 * true, a hidden column's name read back as text).  With `untrusted`
 * (connections that run users' SQL) also: no extension loading, no FTS3
 * tokenizer from SQL, defensive mode (no writable schema), no functions
 * from the schema.
 */
void lake_sqlite_setup(sqlite3 *db, int untrusted);

/*
 * Whether users' SQL may not call the function `name` (for authorizers):
 * those that load code or reveal the process's memory (load_extension,
 * fts3_tokenizer).
 */
int lake_sqlite_function_refused(const char *name);

#endif
