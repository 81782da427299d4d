/*
 * infer.h - schema inference: the types of columns, from every value seen.
 *
 * Types are Glue's (SPEC §4): boolean, bigint, double, string, date,
 * timestamp, array<T>, struct<name:T,...>.  Observing a value merges its
 * type into the column's: null changes nothing, bigint and double make
 * double, date and timestamp make timestamp, two structs merge field by
 * field, two arrays merge their elements, and any other conflict makes
 * string.  So the order of records never matters and nothing is dropped:
 * a key first seen in the last record is still a column.
 *
 *	struct lake_schema *s = lake_schema_new();
 *	lake_schema_observe_json(s, record, len);     // NDJSON records
 *	lake_schema_observe_text(s, col, name, text, n); // CSV fields
 *	lake_schema_columns_json(s) -> [{"name":"id","type":"bigint"}, ...]
 *	lake_schema_free(s);
 *
 * Scalar columns also keep statistics (rows, nulls, min, max) for the file
 * that was observed, so that a query can skip a file whose range cannot
 * match.
 */
#ifndef LAKE_INFER_H
#define LAKE_INFER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "values/jscan.h"

enum lake_kind {
	LAKE_T_NULL = 0, /* only nulls seen so far */
	LAKE_T_BOOLEAN,
	LAKE_T_BIGINT,
	LAKE_T_DOUBLE,
	LAKE_T_DATE,
	LAKE_T_TIMESTAMP,
	LAKE_T_STRING,
	LAKE_T_ARRAY,
	LAKE_T_STRUCT,
};

struct lake_type;

/* Parse a type's text ("struct<a:bigint,b:array<string>>"); NULL if malformed. */
struct lake_type *lake_type_parse(const char *text);
/* Append the type's text; a null-only type prints as "string" (what a reader must assume). */
void lake_type_format(const struct lake_type *t, struct lake_buf *out);
/* Merge src into *dst (dst may be NULL: it becomes a copy); returns 1 when *dst changed. */
int lake_type_merge(struct lake_type **dst, const struct lake_type *src);
enum lake_kind lake_type_kind(const struct lake_type *t);
void lake_type_free(struct lake_type *t);

/* The kind two kinds widen to, and a kind's name ("bigint"; null-only is "string"). */
enum lake_kind lake_kind_widen(enum lake_kind a, enum lake_kind b);
const char *lake_kind_name(enum lake_kind k);

/*
 * The type of one CSV field's text: empty is null; "007", "02134", "555-0103" stay strings;
 * numbers are those of lake_text_number_parse().
 */
enum lake_kind lake_infer_text_kind(const char *s, size_t n);

/*
 * A number written as text (a CSV or TSV field, a partition value) as
 * DuckDB and Glue read one: JSON's numbers, and also with a leading '+'
 * ("+5"), no digit before the point (".097", "-.5") or none after it
 * ("5."); exponents as JSON has them ("1e5", "2.5E-3").  An integer part
 * with a leading zero ("007", "02134") is no number, so that ids keep
 * their zeros, and neither is anything with spaces, "inf" or "NaN".
 * Returns what lake_jnumber_parse() would for the number as JSON writes
 * it, and sets *i and *d so (either may be NULL).
 */
enum lake_jnum lake_text_number_parse(const char *s, size_t n, int64_t *i, double *d);

/*
 * Append the number s[0..n) (one lake_text_number_parse() accepts) as
 * JSON writes it, digit for digit: ".097" is 0.097, "+5" is 5, "5." is 5.0.
 */
void lake_text_number_json(struct lake_buf *out, const char *s, size_t n);

/*
 * Whether the first of the sampled CSV rows is a header: when it is all
 * strings (or empty) and some later column is not, or when its values are distinct
 * names (identifiers, spaces, '-' and '.' allowed) that none of the rows
 * below repeats in the same column.  rows[r][c] is NULL for an empty field.
 * Returns 1 for a header, 0 for data, and the reason in *why.
 */
int lake_infer_csv_header(const char *const *const *rows, const size_t *const *lens, size_t nrows,
			  size_t width, const char **why);

/*
 * A column of which only nulls were seen is "string" (what a reader must
 * assume) and carries this member, true, in column lists
 * (lake_schema_columns_json, a table's columns), so that the first values
 * of another file give it their type (lake_schema_merge_columns).
 */
#define LAKE_ONLY_NULLS "only_nulls"

struct lake_schema;

struct lake_schema *lake_schema_new(void);
void lake_schema_free(struct lake_schema *s);

/* Observe one validated JSON object: every top-level member is a column. */
void lake_schema_observe_json(struct lake_schema *s, const char *obj, size_t len);
/* Observe one text field of column `name` (CSV, TSV, regex classifiers); NULL is null. */
void lake_schema_observe_text(struct lake_schema *s, const char *name, const char *text, size_t n);
/* Count one record (rows), for the statistics. */
void lake_schema_count_row(struct lake_schema *s);

uint64_t lake_schema_rows(const struct lake_schema *s);

/* 1 when the column was seen only as null (its type is unknown), or not at all. */
int lake_schema_only_nulls(const struct lake_schema *s, const char *name);

/* [{"name","type"}] in the order columns were first seen. */
json_t *lake_schema_columns_json(const struct lake_schema *s);
/*
 * Per scalar column {"column","nulls","min","max"}: min and max typed as
 * JSON (numbers, strings, or dates and timestamps in UTC as SQL spells
 * them: lake_time_format_date(), lake_time_format_sql()), null when
 * unknown (no non-null value, or values of several kinds).
 */
json_t *lake_schema_stats_json(const struct lake_schema *s);

/*
 * Merge a file's columns into a table's: `table` and `file` are JSON
 * arrays of {"name","type"[,"comment"]}.  Returns the merged array (new
 * reference; comments kept) and appends to `changes` one object per change:
 * {"change":"added","column","type"} or {"change":"widened","column","from","to"}.
 */
json_t *lake_schema_merge_columns(json_t *table, json_t *file, json_t *changes);

/*
 * Columns `now` replacing columns `before` (an overwrite): appends to
 * `changes` what lake-catalog diff would say, in the forms above, plus
 * {"change":"removed","column","type"}, and {"change":"type","column",
 * "from","to"} for a type that changed other than by widening.  A column
 * of `now` without a comment takes the one it had in `before`.
 */
void lake_schema_replace_columns(json_t *before, json_t *now, json_t *changes);

#endif
