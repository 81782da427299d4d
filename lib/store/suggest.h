/*
 * suggest.h - failing on a name the catalog does not hold, with the
 * nearest one it does hold as a suggestion.
 */
#ifndef LAKE_SUGGEST_H
#define LAKE_SUGGEST_H

#include "base/error.h"
#include "store/lake.h"

/*
 * Fail with LAKE_EX_NOINPUT: "no WHAT 'name'", and "; did you mean 'x'?"
 * when one of the names sql lists (one text column) is within a third of
 * the name's length (at least one edit, so short names get suggestions).
 */
int lake_suggest_not_found(struct lake *lake, const char *what, const char *name, const char *sql,
			   struct lake_error *e);

#endif
