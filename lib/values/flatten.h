/*
 * flatten.h - nested JSON records into the relational shape analysts use
 * (lake-etl's flatten option).
 *
 * Members of nested objects become columns named parent.child (to any
 * depth); each array is handed to the caller, which makes it rows of a
 * child table, and is left out of the record.  Inside an array's
 * elements arrays stay JSON: one level of unnesting per table.
 *
 *	{"id":7,"user":{"name":"ann","geo":{"cc":"FR"}},"items":[...]}
 *	-> "id":7,"user.name":"ann","user.geo.cc":"FR"   and items to fn
 */
#ifndef LAKE_FLATTEN_H
#define LAKE_FLATTEN_H

#include <stddef.h>

#include "base/buf.h"
#include "values/jscan.h"

/* An array member at `path` (e.g. "user.tags"); non-zero stops the flattening. */
typedef int (*lake_flatten_array_fn)(const char *path, const struct lake_jvalue *array, void *arg);

/*
 * Append the members of the validated object text obj[0..len) to out, as
 * comma-separated JSON members without braces (a comma first unless
 * *empty, which is cleared once something is written).  With fn NULL,
 * arrays stay as JSON members.  Returns fn's non-zero, or 0.
 */
int lake_flatten_members(const char *obj, size_t len, struct lake_buf *out, int *empty,
			 lake_flatten_array_fn fn, void *arg);

#endif
