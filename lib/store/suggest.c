/*
 * suggest.c - "no table 'x'; did you mean 'y'?" for names looked up in
 * the catalog.
 */
#include "store/suggest.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/buf.h"

/* Levenshtein distance, for suggesting the name the user probably meant. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t n = strlen(b), *row = lake_xcalloc(n + 1, sizeof *row), d;

	for (size_t j = 0; j <= n; j++)
		row[j] = j;
	for (size_t i = 1; a[i - 1]; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= n; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	d = row[n];
	free(row);
	return d;
}

/*
 * "no WHAT 'name'", with "; did you mean 'x'?" when an existing name
 * (from sql, one text column) is within a third of the name's length
 * (at least one edit, so that short names get suggestions too).
 */
int lake_suggest_not_found(struct lake *lake, const char *what, const char *name, const char *sql,
			   struct lake_error *e)
{
	sqlite3_stmt *st;
	char *best = NULL;
	size_t len = strlen(name), best_d = (len / 3 > 1 ? len / 3 : 1) + 1;

	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog), sql, -1, &st, NULL) != SQLITE_OK)
		return lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *cand = (const char *)sqlite3_column_text(st, 0);
		size_t d = cand ? edit_distance(name, cand) : best_d;
		if (d < best_d) {
			free(best);
			best = lake_xstrdup(cand);
			best_d = d;
		}
	}
	sqlite3_finalize(st);
	if (best)
		lake_err(e, LAKE_EX_NOINPUT, "no %s '%s'; did you mean '%s'?", what, name, best);
	else
		lake_err(e, LAKE_EX_NOINPUT, "no %s '%s'", what, name);
	free(best);
	return -1;
}
