/*
 * parquet_describe.c - a Parquet file as the catalog describes a data
 * file: its columns, rows and per-column statistics, all from the footer,
 * without reading a page.
 */
#include "parquet/parquet_describe.h"

#include <string.h>

#include "base/buf.h"

/* -1, 0, 1 as a is below, equal to or above b; both of one kind (the column's). */
static int value_order(const struct lake_parquet_value *a, const struct lake_parquet_value *b)
{
	switch (a->kind) {
	case LAKE_PQ_BOOL:
	case LAKE_PQ_INT:
		return (a->i > b->i) - (a->i < b->i);
	case LAKE_PQ_DOUBLE:
		return (a->d > b->d) - (a->d < b->d);
	case LAKE_PQ_TEXT: {
		size_t n = a->len < b->len ? a->len : b->len;
		int r = n ? memcmp(a->s, b->s, n) : 0;
		return r ? (r > 0) - (r < 0) : (a->len > b->len) - (a->len < b->len);
	}
	default:
		return 0;
	}
}

static json_t *value_json(const struct lake_parquet_value *v)
{
	switch (v->kind) {
	case LAKE_PQ_BOOL:
		return json_boolean(v->i);
	case LAKE_PQ_INT:
		return json_integer(v->i);
	case LAKE_PQ_DOUBLE:
		return json_real(v->d);
	case LAKE_PQ_TEXT:
		return json_stringn(v->s, v->len);
	default:
		return json_null();
	}
}

/*
 * One column's statistics over every row group: nulls summed, min and max
 * only when every row group has them (else a query could skip rows it
 * must read).
 */
static json_t *column_stats(const struct lake_parquet_file *f, size_t col, const char *name)
{
	struct lake_parquet_value lo = {0}, hi = {0};
	int ranged = 1, have = 0;
	int64_t nulls = 0;
	json_t *rec;

	for (size_t rg = 0; rg < lake_parquet_row_groups(f); rg++) {
		struct lake_parquet_stats st;
		lake_parquet_column_stats(f, rg, col, &st);
		nulls += st.has_null_count ? st.null_count : 0;
		if (st.has_null_count && st.null_count == lake_parquet_row_group_rows(f, rg))
			continue; /* all null: no range to add */
		if (!st.has_min_max || st.min.kind != st.max.kind ||
		    (have && st.min.kind != lo.kind)) {
			ranged = 0;
			continue;
		}
		if (!have || value_order(&st.min, &lo) < 0)
			lo = st.min;
		if (!have || value_order(&st.max, &hi) > 0)
			hi = st.max;
		have = 1;
	}
	rec = json_pack("{s:s, s:I}", "column", name, "nulls", (json_int_t)nulls);
	json_object_set_new(rec, "min", ranged && have ? value_json(&lo) : json_null());
	json_object_set_new(rec, "max", ranged && have ? value_json(&hi) : json_null());
	return rec;
}

/*
 * An unsigned 64-bit column whose statistics go past INT64_MAX: its
 * values are read as doubles there (parquet_values.c), so the column is a
 * double; otherwise every value above would be NULL in a bigint.
 */
static enum lake_kind widened_kind(const struct lake_parquet_file *f, size_t col,
				   enum lake_kind kind)
{
	for (size_t rg = 0; kind == LAKE_T_BIGINT && rg < lake_parquet_row_groups(f); rg++) {
		struct lake_parquet_stats st;
		lake_parquet_column_stats(f, rg, col, &st);
		if (st.has_min_max && st.max.kind == LAKE_PQ_DOUBLE)
			return LAKE_T_DOUBLE;
	}
	return kind;
}

int lake_parquet_describe(const char *path, struct lake_parquet_description *out,
			  struct lake_error *e)
{
	const struct lake_parquet_column *cols;
	struct lake_parquet_file *f;
	size_t n;

	memset(out, 0, sizeof *out);
	if (lake_parquet_open(path, &f, e) < 0)
		return -1;
	n = lake_parquet_columns(f, &cols);
	out->columns = json_array();
	out->stats = json_array();
	out->rows = (uint64_t)lake_parquet_num_rows(f);
	for (size_t c = 0; c < n; c++) {
		json_t *col = json_pack("{s:s, s:s}", "name", cols[c].name, "type",
					lake_kind_name(widened_kind(f, c, cols[c].kind)));
		json_t *stats = column_stats(f, c, cols[c].name);
		json_t *nulls = json_object_get(stats, "nulls");
		/* Its type is the writer's guess when the file holds no value of it. */
		if (out->rows && json_is_integer(nulls) &&
		    (uint64_t)json_integer_value(nulls) == out->rows)
			json_object_set_new(col, LAKE_ONLY_NULLS, json_true());
		json_array_append_new(out->columns, col);
		json_array_append_new(out->stats, stats);
	}
	out->footer_bytes = lake_parquet_bytes_read(f);
	lake_parquet_close(f);
	return 0;
}

void lake_parquet_description_release(struct lake_parquet_description *d)
{
	json_decref(d->columns);
	json_decref(d->stats);
	memset(d, 0, sizeof *d);
}
