/*
 * vtab_group.h - a table's rows gathered by the values of some columns,
 * so that lake-query's virtual table can hand SQLite a GROUP BY's (or a
 * DISTINCT's) rows group after group and SQLite need not sort them.
 *
 * SQLite would sort every row by the grouping columns; a hash of the
 * groups costs a fraction of that.  Rows are kept only for the columns a
 * group's values do not already hold: a count(*) per key keeps a count per
 * group, an avg(x) per key an x per row.  So memory grows with the rows of
 * the input only as far as the query needs their other values, as
 * SQLite's sorter would.
 *
 *	struct lake_groups *g = lake_groups_new(nkeys, nother);
 *	for each row: lake_groups_add(g, keys, other, 1);
 *	while (lake_groups_next(g, &keys, &other)) ... one row, group after group ...
 *	lake_groups_free(g);
 *
 * Equality is SQL's for GROUP BY under the BINARY collation: NULLs are one
 * group, texts equal byte for byte, numbers by value (-0.0 is 0.0).
 */
#ifndef LAKE_VTAB_GROUP_H
#define LAKE_VTAB_GROUP_H

#include <stddef.h>
#include <stdint.h>

/* A value as SQL is given it. */
struct lake_sqlval {
	int type; /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT */
	int json; /* TEXT holding a JSON object or array: SQL gets the JSON subtype */
	int64_t i;
	double d;
	const char *s;
	size_t n;
};

struct lake_groups;

struct lake_groups *lake_groups_new(size_t nkeys, size_t nother);
void lake_groups_free(struct lake_groups *g);

/*
 * rows rows alike (one, most often): keys[0..nkeys) group them,
 * other[0..nother) are kept with each (both copied).  Returns their
 * group's number, for lake_groups_add_to().
 */
size_t lake_groups_add(struct lake_groups *g, const struct lake_sqlval *keys,
		       const struct lake_sqlval *other, uint64_t rows);

/* rows rows alike of a group known by its number, without its keys again. */
void lake_groups_add_to(struct lake_groups *g, size_t group, const struct lake_sqlval *other,
			uint64_t rows);

/*
 * Put the groups in the order of their keys, as SQL orders the values
 * (NULL first, then numbers, then texts byte by byte); desc[k] reverses
 * key k.  Groups come out in that order, which serves an ORDER BY on the
 * same columns too.
 */
void lake_groups_sort(struct lake_groups *g, const unsigned char *desc);

/*
 * The rows again, each group's together, groups in the order they were
 * first seen (or sorted): 1 with *keys and *other set, 0 after the last.
 * They are the same two arrays at every call, holding the row's values
 * until the next.  The first call starts from the first row.
 */
int lake_groups_next(struct lake_groups *g, const struct lake_sqlval **keys,
		     const struct lake_sqlval **other);

size_t lake_groups_count(const struct lake_groups *g);

/* The bytes the groups' keys take. */
size_t lake_groups_key_bytes(const struct lake_groups *g);

/*
 * Hand the keys' memory over: the texts lake_groups_next() gave stay
 * where they are after lake_groups_free(), until the caller frees the
 * returned block.  Only after the last lake_groups_add().
 */
void *lake_groups_take_keys(struct lake_groups *g);

#endif
