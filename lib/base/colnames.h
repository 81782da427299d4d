/*
 * colnames.h - the one rule that names columns.
 *
 * SQL's names ignore case, and outside engines (DuckDB, Athena) refuse a
 * table whose columns repeat a name: so wherever a list of column names
 * comes from (a CSV header, a Parquet file's columns, the SQL columns a
 * table declares for its JSON keys, a query's result columns written to
 * a table), the names go through this rule, in order of appearance:
 *
 *	- a name equal, ignoring ASCII case, to one given before gets "_2",
 *	  "_3", ... (the first suffix that makes a name not taken yet); the
 *	  first of them keeps its name;
 *	- an empty name is "col_N", N its position from 0 (what a CSV file
 *	  without a header calls its columns), and then the rule above;
 *	- a NUL byte, which C strings cannot hold, is the six characters
 *	  \u0000 (as JSON writes it).
 *
 * So `Spend,Spend` is Spend, Spend_2; `a,A,a_2` is a, A_2, a_2_2; `h1;h2;;`
 * is h1, h2, col_2, col_3.  Names are only ever appended, so a name keeps
 * the one it got when more come after it (a table's schema grows at the
 * end).  Equality ignores ASCII case only, as SQLite's does.
 *
 *	struct lake_colnames u = LAKE_COLNAMES_INIT;
 *	const char *a = lake_colnames_add(&u, "Spend", 5);	// "Spend"
 *	const char *b = lake_colnames_add(&u, "SPEND", 5);	// "SPEND_2"
 *	lake_colnames_release(&u);				// a and b are gone
 */
#ifndef LAKE_COLNAMES_H
#define LAKE_COLNAMES_H

#include <stddef.h>

#include "base/buf.h"

struct lake_colnames {
	char **name; /* the names given so far, in order */
	size_t n, cap;
	size_t *slot; /* open addressing over the names' case-folded hashes: index + 1, 0 free */
	size_t nslots;
};

#define LAKE_COLNAMES_INIT                                                                         \
	{                                                                                          \
		NULL, 0, 0, NULL, 0                                                                \
	}

/*
 * Add the name s[0..len) (it may hold NUL bytes) and return the name it
 * gets, NUL-terminated, valid until lake_colnames_release().
 */
const char *lake_colnames_add(struct lake_colnames *u, const char *s, size_t len);

/* Whether a name equal to s, ignoring case, was given (as it came out of lake_colnames_add). */
int lake_colnames_taken(const struct lake_colnames *u, const char *s, size_t len);

void lake_colnames_release(struct lake_colnames *u);

/*
 * Append s[0..len) to out with each NUL byte as the six characters \u0000:
 * how a name that holds NUL (a JSON key "a\u0000b") is spelt as a column.
 * Returns the number of bytes appended.
 */
size_t lake_colname_spell(struct lake_buf *out, const char *s, size_t len);

#endif
