/*
 * vtab_plan.c - what a scan of a lake table reads: xBestIndex's plan (the
 * constraints and columns it passes to xFilter), and the partitions,
 * files and Parquet row groups that can hold matching rows.  Skipping
 * only has to be conservative: SQLite checks every row it is given.
 */
#include "query/vtab_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/ltime.h"
#include "values/infer.h"
#include "formats/input.h"
#include "values/jscan.h"
#include "query/scan.h"
#include "query/vtab_group.h"
#include "store/table_props.h"

/* ---- planning ---- */

/*
 * Whether path order may differ from the first key's order in SQL: Hive's
 * null partition comes last in path order, where SQL puts NULLs first, and
 * a date spelt "2015.01.05" (or with '/') comes after "2015-01-06" in path
 * order, where SQL reads it as "2015-01-05".
 */
static int paths_out_of_order(const struct lake_vtab *v)
{
	sqlite3_stmt *st;
	int found = 1;

	if (sqlite3_prepare_v2(lake_catalog_db(v->ctx->lake->catalog),
			       "SELECT EXISTS (SELECT 1 FROM partitions WHERE table_id = ? AND "
			       "(path LIKE '%__HIVE_DEFAULT_PARTITION__%' OR json_extract(vals, "
			       "'$[0]') NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'))",
			       -1, &st, NULL) != SQLITE_OK)
		return 1;
	sqlite3_bind_int64(st, 1, v->table_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		found = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return found;
}

static int usable_op(unsigned char op)
{
	return op == SQLITE_INDEX_CONSTRAINT_EQ || op == SQLITE_INDEX_CONSTRAINT_GT ||
	       op == SQLITE_INDEX_CONSTRAINT_LE || op == SQLITE_INDEX_CONSTRAINT_LT ||
	       op == SQLITE_INDEX_CONSTRAINT_GE;
}

/*
 * Every constraint on a column is passed to xFilter to skip partitions and
 * files; SQLite still checks each row (omit stays 0), so skipping only has
 * to be conservative, never exact.  idxStr carries colUsed and the
 * constraints: "USED;col:op;col:op...", op followed by 't' when the
 * constraint compares by LAKE_TIME_COLLATION.
 */
/* The guard's equality constraint becomes argv[0] (idxNum 1); 0 when the scan has none. */
static int take_guard(const struct lake_vtab *v, sqlite3_index_info *info, int *arg)
{
	int guard_col = v->ncols + (v->ndata ? 0 : 1);

	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		if (c->usable && c->iColumn == guard_col && c->op == SQLITE_INDEX_CONSTRAINT_EQ) {
			info->aConstraintUsage[i].argvIndex = (*arg)++;
			info->aConstraintUsage[i].omit = 1;
			info->idxNum = 1;
			return 1;
		}
	}
	return 0;
}

/*
 * A GROUP BY or DISTINCT on columns of this table asks for rows of a
 * group to come together (sqlite3_vtab_distinct() 1 or 2): the scan
 * gathers them by a hash and gives the groups in their keys' order, which
 * costs far less than the sort of every row SQLite would make.  In order,
 * since SQLite also counts on it when the ORDER BY is the GROUP BY.  Not
 * for DISTINCT with another ORDER BY (3), nor for a term that is not a
 * plain column.
 */
static int can_group(const struct lake_vtab *v, sqlite3_index_info *info)
{
	int d = sqlite3_vtab_distinct(info);

	if ((d != 1 && d != 2) || info->nOrderBy < 1)
		return 0;
	for (int i = 0; i < info->nOrderBy; i++)
		if (info->aOrderBy[i].iColumn < 0 || info->aOrderBy[i].iColumn >= v->ncols)
			return 0;
	return 1;
}

/* The plan's "|c,c,...": the grouping columns. */
static void plan_grouping(sqlite3_index_info *info, struct lake_buf *plan)
{
	lake_buf_addc(plan, '|');
	for (int i = 0; i < info->nOrderBy; i++)
		lake_buf_addf(plan, "%s%s%d", i ? "," : "", info->aOrderBy[i].desc ? "~" : "",
			      info->aOrderBy[i].iColumn);
	info->orderByConsumed = 1;
}

int lake_vtab_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	struct lake_vtab *v = (struct lake_vtab *)vt;
	struct lake_buf plan = LAKE_BUF_INIT;
	double cost = 1e9;
	int arg = 1;

	if (v->guard && !take_guard(v, info, &arg))
		return SQLITE_CONSTRAINT; /* no plan without the guard */
	lake_buf_addf(&plan, "%llx", (unsigned long long)info->colUsed);
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		if (!c->usable || c->iColumn < 0 || c->iColumn >= v->ncols || !usable_op(c->op))
			continue;
		/*
		 * Ranges compare by the collation: files were measured in BINARY
		 * order, and dates and timestamps as instants, which their own
		 * collation compares (vtab.c); any other proves nothing.
		 */
		const char *coll = sqlite3_vtab_collation(info, i);
		int time = coll && strcasecmp(coll, LAKE_TIME_COLLATION) == 0;
		if (coll && strcasecmp(coll, "BINARY") != 0 && !time)
			continue;
		int in = c->op == SQLITE_INDEX_CONSTRAINT_EQ && sqlite3_vtab_in(info, i, 1);
		info->aConstraintUsage[i].argvIndex = arg++;
		lake_buf_addf(&plan, ";%d:%c%s", c->iColumn, in ? 'I' : (char)('0' + c->op),
			      time ? "t" : "");
		cost /= v->cols[c->iColumn].key ? 100 : 4;
	}
	info->needToFreeIdxStr = 1;
	int joined = lake_vtab_join_plan(v, info, &plan, &cost);
	/*
	 * Files are read in path order, so rows come sorted by the first
	 * partition key when its values sort as their paths do: dates (ISO
	 * text, never escaped), and only if no null partition nor date spelt
	 * otherwise (paths_out_of_order()).  An ORDER BY or GROUP BY on that
	 * key alone then needs no sort.
	 */
	if (info->nOrderBy == 1 && !info->aOrderBy[0].desc && v->nkeys &&
	    v->cols[info->aOrderBy[0].iColumn].key &&
	    v->cols[info->aOrderBy[0].iColumn].key_index == 0 &&
	    (v->cols[info->aOrderBy[0].iColumn].kind == LAKE_T_DATE) && !paths_out_of_order(v))
		info->orderByConsumed = 1;
	else if (!joined && can_group(v, info))
		plan_grouping(info, &plan);
	info->idxStr = sqlite3_mprintf("%s", plan.data);
	info->estimatedCost = cost;
	lake_buf_release(&plan);
	return SQLITE_OK;
}

/* ---- which files ---- */

/*
 * SQLite's order between two numbers or two texts (BINARY); 2 for anything
 * else, such as a text constraint on a number column, whose comparison
 * SQLite makes after conversions this module does not repeat.
 */
static int compare(sqlite3_value *a, sqlite3_value *b)
{
	int ta = sqlite3_value_type(a), tb = sqlite3_value_type(b);
	int na = ta == SQLITE_INTEGER || ta == SQLITE_FLOAT,
	    nb = tb == SQLITE_INTEGER || tb == SQLITE_FLOAT;

	if (na && nb) {
		if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
			sqlite3_int64 i = sqlite3_value_int64(a), j = sqlite3_value_int64(b);
			return (i > j) - (i < j);
		}
		double x = sqlite3_value_double(a), y = sqlite3_value_double(b);
		return (x > y) - (x < y);
	}
	if (ta == SQLITE_TEXT && tb == SQLITE_TEXT) {
		int n = sqlite3_value_bytes(a), m = sqlite3_value_bytes(b);
		int r =
		    memcmp(sqlite3_value_text(a), sqlite3_value_text(b), (size_t)(n < m ? n : m));
		return r ? (r > 0) - (r < 0) : (n > m) - (n < m);
	}
	return 2;
}

/*
 * Could some value in [lo, hi] satisfy `value OP c`, given cl and ch, how
 * lo and hi compare with c (2: they do not compare)?  1 when unsure.
 */
static int order_may_match(int cl, int ch, unsigned char op)
{
	if (cl == 2 || ch == 2)
		return 1;
	switch (op) {
	case SQLITE_INDEX_CONSTRAINT_EQ:
		return cl <= 0 && ch >= 0;
	case SQLITE_INDEX_CONSTRAINT_GT:
		return ch > 0;
	case SQLITE_INDEX_CONSTRAINT_GE:
		return ch >= 0;
	case SQLITE_INDEX_CONSTRAINT_LT:
		return cl < 0;
	case SQLITE_INDEX_CONSTRAINT_LE:
		return cl <= 0;
	default:
		return 1;
	}
}

/*
 * SQLite compares a TEXT column with a number as text, and a numeric
 * column with text as a number: a value of the other class proves
 * nothing about a range, so it never excludes anything.
 */
static int comparable(enum lake_kind column, sqlite3_value *value)
{
	int t = sqlite3_value_type(value);
	int numeric =
	    column == LAKE_T_BIGINT || column == LAKE_T_DOUBLE || column == LAKE_T_BOOLEAN;

	return numeric ? t == SQLITE_INTEGER || t == SQLITE_FLOAT : t == SQLITE_TEXT;
}

static int is_time_kind(enum lake_kind k)
{
	return k == LAKE_T_DATE || k == LAKE_T_TIMESTAMP;
}

/*
 * A date or timestamp bound (a file's or row group's statistic, a
 * partition value) in the text SQL sees for the column's values
 * (vtab_rows.c), whatever spelling it was recorded in; -1 when it is no
 * time.  out has room for 40 bytes.
 */
static int time_bound(sqlite3_value *b, enum lake_kind column, char *out, size_t *len)
{
	if (sqlite3_value_type(b) != SQLITE_TEXT)
		return -1;
	return lake_time_to_sql((const char *)sqlite3_value_text(b), (size_t)sqlite3_value_bytes(b),
				column == LAKE_T_DATE, out, len) == LAKE_TIME_NONE
		   ? -1
		   : 0;
}

/* A time bound against a text value, by the constraint's collation. */
static int compare_time(const char *bound, size_t len, sqlite3_value *c, int time)
{
	const char *t = (const char *)sqlite3_value_text(c);
	size_t n = (size_t)sqlite3_value_bytes(c);
	int r;

	if (time)
		return lake_time_compare(bound, len, t, n);
	r = memcmp(bound, t, len < n ? len : n);
	return r ? (r > 0) - (r < 0) : (len > n) - (len < n);
}

/*
 * Whether a value between the bounds lo and hi may satisfy constraint k
 * on a column of this kind (1 when unsure).  A date or timestamp column's
 * bounds are first spelt as its values are, so that both collations,
 * instants and BINARY, order them as they order the values.
 */
static int constraint_may_match(sqlite3_value *lo, sqlite3_value *hi, const struct constraint *k,
				enum lake_kind column)
{
	unsigned char op = k->op == 'I' ? SQLITE_INDEX_CONSTRAINT_EQ : k->op;
	char lo_text[40], hi_text[40];
	size_t lo_len = 0, hi_len = 0;
	int time = is_time_kind(column);

	if (time && (time_bound(lo, column, lo_text, &lo_len) < 0 ||
		     time_bound(hi, column, hi_text, &hi_len) < 0))
		return 1;
	for (int i = 0; i < k->nvalues; i++)
		if (!comparable(column, k->values[i]))
			return 1;
	for (int i = 0; i < k->nvalues; i++) {
		sqlite3_value *c = k->values[i];
		int cl = time ? compare_time(lo_text, lo_len, c, k->time) : compare(lo, c);
		int ch = time ? compare_time(hi_text, hi_len, c, k->time) : compare(hi, c);
		if (order_may_match(cl, ch, op))
			return 1;
	}
	return 0;
}

/*
 * A partition value, typed as the key is, as an SQLite value to compare:
 * made by a tiny SELECT, since sqlite3_value cannot be built directly.
 */
static sqlite3_value *key_value(sqlite3 *db, json_t *val, enum lake_kind kind)
{
	sqlite3_stmt *st;
	sqlite3_value *v = NULL;
	const char *sql = kind == LAKE_T_BIGINT	  ? "SELECT CAST(?1 AS INTEGER)"
			  : kind == LAKE_T_DOUBLE ? "SELECT CAST(?1 AS REAL)"
						  : "SELECT ?1";

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (json_is_string(val))
		sqlite3_bind_text(st, 1, json_string_value(val), -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_value_dup(sqlite3_column_value(st, 0));
	sqlite3_finalize(st);
	return v;
}

static int partition_may_match(struct lake_vtab *v, const struct file *f, struct constraint *ks,
			       int nks, sqlite3 *db)
{
	for (int i = 0; i < nks; i++) {
		const struct vcol *c = &v->cols[ks[i].col];
		if (!c->key)
			continue;
		json_t *val = json_array_get(f->vals, (size_t)c->key_index);
		if (!json_is_string(val))
			return 0; /* the null partition matches no comparison */
		sqlite3_value *kv = key_value(db, val, c->kind);
		int may = !kv || constraint_may_match(kv, kv, &ks[i], c->kind);
		sqlite3_value_free(kv);
		if (!may)
			return 0;
	}
	return 1;
}

static int is_time_text(sqlite3_value *v)
{
	return lake_time_parse((const char *)sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v),
			       NULL) != LAKE_TIME_NONE;
}

static int stats_may_match(struct lake_vtab *v, sqlite3_stmt *stats, int64_t file_id,
			   struct constraint *ks, int nks)
{
	for (int i = 0; i < nks; i++) {
		const struct vcol *c = &v->cols[ks[i].col];
		if (c->key)
			continue;
		sqlite3_reset(stats);
		sqlite3_bind_int64(stats, 1, file_id);
		sqlite3_bind_text(stats, 2, c->name, -1, SQLITE_STATIC);
		if (sqlite3_step(stats) != SQLITE_ROW)
			continue;
		sqlite3_value *lo = sqlite3_column_value(stats, 0),
			      *hi = sqlite3_column_value(stats, 1);
		int rows = sqlite3_column_int(stats, 3), nulls = sqlite3_column_int(stats, 2);
		/* All null: no comparison can be true.  No range: cannot tell. */
		if (rows > 0 && nulls >= rows)
			return 0;
		if (sqlite3_value_type(lo) == SQLITE_NULL || sqlite3_value_type(hi) == SQLITE_NULL)
			continue;
		/* Stats recorded before the column widened (numbers in a now-text column) prove
		 * nothing. */
		if (!comparable(c->kind, lo) || !comparable(c->kind, hi))
			continue;
		/*
		 * Nor do a file's time bounds in a column widened to string: they
		 * are instants in SQL's spelling, its rows the file's own text.
		 */
		if (c->kind == LAKE_T_STRING && is_time_text(lo) && is_time_text(hi))
			continue;
		if (!constraint_may_match(lo, hi, &ks[i], c->kind))
			return 0;
	}
	return 1;
}

static void add_file(struct lake_cursor *cur, sqlite3_stmt *st)
{
	cur->files = lake_xrealloc(cur->files, (cur->nfiles + 1) * sizeof *cur->files);
	struct file *f = &cur->files[cur->nfiles++];
	f->id = sqlite3_column_int64(st, 0);
	f->rows = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 5);
	f->path = lake_xstrdup((const char *)sqlite3_column_text(st, 1));
	f->partition = lake_xstrdup((const char *)sqlite3_column_text(st, 2));
	f->bytes = sqlite3_column_int64(st, 3);
	f->vals = json_loads(
	    sqlite3_column_text(st, 4) ? (const char *)sqlite3_column_text(st, 4) : "[]", 0, NULL);
}

/*
 * The version a scan reads: --as-of's, fixed when the table was declared,
 * or the table's current one read now, inside the statement's catalog
 * transaction, so that every scan of one statement reads the same
 * snapshot, and the next statement a newer one.
 */
static void current_version(struct lake_vtab *v, sqlite3 *db)
{
	sqlite3_stmt *st;

	if (v->ctx->as_of_version >= 0 || v->ctx->as_of_time || v->windowed)
		return;
	if (sqlite3_prepare_v2(db, "SELECT version FROM tables WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, v->table_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v->version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
}

static uint64_t id_hash(int64_t id, size_t cap)
{
	return ((uint64_t)id * 0x9E3779B97F4A7C15ull) & (cap - 1);
}

/* Insert id into the table's set of used files; 1 when it was not there. */
static int use_id(struct lake_table_scans *t, int64_t id)
{
	size_t i;

	if (2 * (t->nused + 1) > t->capused) {
		size_t cap = t->capused ? 2 * t->capused : 64;
		int64_t *ids = lake_xcalloc(cap, sizeof *ids);
		for (size_t j = 0; j < t->capused; j++)
			if (t->used_ids[j]) {
				for (i = id_hash(t->used_ids[j], cap); ids[i];
				     i = (i + 1) & (cap - 1))
					;
				ids[i] = t->used_ids[j];
			}
		free(t->used_ids);
		t->used_ids = ids;
		t->capused = cap;
	}
	for (i = id_hash(id, t->capused); t->used_ids[i]; i = (i + 1) & (t->capused - 1))
		if (t->used_ids[i] == id)
			return 0;
	t->used_ids[i] = id;
	t->nused++;
	return 1;
}

/* A file a scan uses counts once in the table's input. */
static void note_input(struct lake_table_scans *t, const struct file *f)
{
	if (!use_id(t, f->id))
		return;
	t->stats.input_files++;
	t->stats.input_rows += f->rows > 0 ? (uint64_t)f->rows : 0;
	t->stats.input_bytes += (uint64_t)f->bytes;
}

/*
 * Test-only (compiled out of release builds): with LAKE_TEST_NO_SKIP set,
 * no partition, file or row group is skipped, so that a test can check
 * that skipping never changes an answer.
 */
static int test_no_skip(void)
{
#ifndef NDEBUG
	return getenv("LAKE_TEST_NO_SKIP") != NULL;
#else
	return 0;
#endif
}

/* The table's files live in this snapshot that the constraints do not exclude. */
int lake_vtab_choose_files(struct lake_cursor *cur, struct lake_vtab *v, struct constraint *ks,
			   int nks)
{
	sqlite3 *db = lake_catalog_db(v->ctx->lake->catalog);
	sqlite3_stmt *files = NULL, *stats = NULL;
	struct lake_scan_stats *s = v->ctx->stats, *t = &v->ctx->tables[v->scans].stats;
	int rc = SQLITE_ERROR, skip = !test_no_skip();

	if (sqlite3_prepare_v2(
		db,
		"SELECT f.id, f.path, f.partition, f.bytes, p.vals, f.rows FROM files f "
		"LEFT JOIN partitions p ON p.table_id = f.table_id AND p.path = "
		"f.partition WHERE f.table_id = ?1 AND f.state <> 'pending' AND "
		"f.added_version <= ?2 AND f.added_version > ?3 AND (f.removed_version IS NULL OR "
		"f.removed_version > ?2) ORDER BY f.path",
		-1, &files, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT s.min_value, s.max_value, s.null_count, f.rows FROM "
			       "file_column_stats s JOIN files f ON f.id = s.file_id "
			       "WHERE s.file_id = ? AND s.column_name = ?",
			       -1, &stats, NULL) != SQLITE_OK)
		goto out;
	current_version(v, db);
	sqlite3_bind_int64(files, 1, v->table_id);
	sqlite3_bind_int64(files, 2, v->version);
	sqlite3_bind_int64(files, 3, v->after);
	v->ctx->tables[v->scans].stats.scans++;
	while (sqlite3_step(files) == SQLITE_ROW) {
		int64_t bytes = sqlite3_column_int64(files, 3);
		add_file(cur, files);
		struct file *f = &cur->files[cur->nfiles - 1];
		if (skip && !partition_may_match(v, f, ks, nks, db)) {
			s->files_skipped_partition++;
			t->files_skipped_partition++;
		} else if (skip &&
			   !stats_may_match(v, stats, sqlite3_column_int64(files, 0), ks, nks)) {
			s->files_skipped_stats++;
			t->files_skipped_stats++;
		} else if (lake_vtab_count_only(cur, v, f)) {
			/* Counted from the catalog: nothing of it is read. */
			s->files_counted++;
			t->files_counted++;
			note_input(&v->ctx->tables[v->scans], f);
			continue;
		} else {
			note_input(&v->ctx->tables[v->scans], f);
			s->files_scanned++;
			t->files_scanned++;
			s->bytes_scanned += (uint64_t)bytes;
			t->bytes_scanned += (uint64_t)bytes;
			continue;
		}
		s->bytes_skipped += (uint64_t)bytes;
		t->bytes_skipped += (uint64_t)bytes;
		free(f->path);
		free(f->partition);
		json_decref(f->vals);
		cur->nfiles--;
	}
	rc = SQLITE_OK;
out:
	sqlite3_finalize(files);
	sqlite3_finalize(stats);
	return rc;
}

/*
 * A statement that uses no data column (count(*), or only partition keys)
 * needs only how many rows each file has, which the catalog knows, and
 * the file's partition values: such a file is not opened.
 */
int lake_vtab_count_only(const struct lake_cursor *cur, const struct lake_vtab *v,
			 const struct file *f)
{
	uint64_t keys = 0;

	for (int i = 0; i < v->ncols && i < 63; i++)
		if (v->cols[i].key)
			keys |= (uint64_t)1 << i;
	return (cur->used & ~keys) == 0 && f->rows >= 0;
}

/* A row group's min and max of a column as SQLite values, to compare as a file's stats are. */
static int stats_values(sqlite3 *db, const struct lake_parquet_stats *st, sqlite3_stmt **out)
{
	const struct lake_parquet_value *side[2] = {&st->min, &st->max};

	if (sqlite3_prepare_v2(db, "SELECT ?1, ?2", -1, out, NULL) != SQLITE_OK)
		return -1;
	for (int i = 0; i < 2; i++) {
		const struct lake_parquet_value *pv = side[i];
		if (pv->kind == LAKE_PQ_INT || pv->kind == LAKE_PQ_BOOL)
			sqlite3_bind_int64(*out, i + 1, pv->i);
		else if (pv->kind == LAKE_PQ_DOUBLE)
			sqlite3_bind_double(*out, i + 1, pv->d);
		else if (pv->kind == LAKE_PQ_TEXT)
			sqlite3_bind_text(*out, i + 1, pv->s, (int)pv->len, SQLITE_STATIC);
	}
	return sqlite3_step(*out) == SQLITE_ROW ? 0 : -1;
}

/* The file's column named as the table's column c, or -1. */
static long parquet_column(const struct lake_parquet_file *pf, const struct vcol *c)
{
	const struct lake_parquet_column *cols;
	size_t n = lake_parquet_columns(pf, &cols);

	for (size_t i = 0; i < n; i++)
		if (strcmp(cols[i].name, c->name) == 0)
			return (long)i;
	return -1;
}

/* Whether row group rg may hold a row the constraints let through (1 when unsure). */
static int row_group_may_match(struct lake_cursor *cur, struct lake_vtab *v,
			       const struct lake_parquet_file *pf, size_t rg)
{
	sqlite3 *db = lake_catalog_db(v->ctx->lake->catalog);
	int64_t rows = lake_parquet_row_group_rows(pf, rg);

	for (int i = 0; i < cur->nks; i++) {
		const struct vcol *c = &v->cols[cur->ks[i].col];
		long col = parquet_column(pf, c);
		struct lake_parquet_stats st;
		sqlite3_stmt *vals = NULL;
		if (col < 0)
			continue;
		lake_parquet_column_stats(pf, rg, (size_t)col, &st);
		/* All null: no comparison can be true. */
		if (st.has_null_count && rows > 0 && st.null_count >= rows)
			return 0;
		if (!st.has_min_max || stats_values(db, &st, &vals) < 0) {
			sqlite3_finalize(vals);
			continue;
		}
		sqlite3_value *lo = sqlite3_column_value(vals, 0),
			      *hi = sqlite3_column_value(vals, 1);
		int may = !comparable(c->kind, lo) || !comparable(c->kind, hi) ||
			  constraint_may_match(lo, hi, &cur->ks[i], c->kind);
		sqlite3_finalize(vals);
		if (!may)
			return 0;
	}
	return 1;
}

/*
 * The row groups of a Parquet file to read, and the bytes that leaves
 * unread (*unread): all but the used columns' chunks of the row groups
 * the constraints leave.
 */
unsigned char *lake_vtab_choose_row_groups(struct lake_cursor *cur, struct lake_vtab *v,
					   const struct file *f, const struct lake_parquet_file *pf,
					   uint64_t *unread)
{
	size_t groups = lake_parquet_row_groups(pf);
	unsigned char *keep = lake_xcalloc(groups ? groups : 1, 1);
	uint64_t planned = 0;
	int skip = !test_no_skip();

	for (size_t rg = 0; rg < groups; rg++) {
		keep[rg] = (unsigned char)(!skip || row_group_may_match(cur, v, pf, rg));
		for (int c = 0; keep[rg] && c < v->ncols; c++) {
			long col = !v->cols[c].key && cur->slot[c] >= 0
				       ? parquet_column(pf, &v->cols[c])
				       : -1;
			struct lake_parquet_stats st;
			if (col < 0)
				continue;
			lake_parquet_column_stats(pf, rg, (size_t)col, &st);
			planned += st.compressed_bytes;
		}
	}
	*unread = planned < (uint64_t)f->bytes ? (uint64_t)f->bytes - planned : 0;
	return keep;
}

/* The constraints of the plan, with their values (all of an IN list). */
int lake_vtab_read_plan(const char *plan, int argc, sqlite3_value **argv, uint64_t *used,
			struct constraint **out, int *n)
{
	struct constraint *ks = NULL;
	int count = 0, arg = 0;
	const char *p = plan;

	*used = strtoull(p, NULL, 16);
	while ((p = strchr(p, ';')) != NULL && arg < argc) {
		int col = atoi(p + 1);
		const char *colon = strchr(p, ':');
		ks = lake_xrealloc(ks, (size_t)(count + 1) * sizeof *ks);
		struct constraint *k = &ks[count++];
		k->col = col;
		k->op = colon[1] == 'I' ? 'I' : (unsigned char)(colon[1] - '0');
		k->time = colon[2] == 't';
		k->values = NULL;
		k->nvalues = 0;
		k->owned = 0;
		sqlite3_value *val;
		/* SQLite may still pass an IN one value at a time: then it is a plain equality. */
		if (k->op == 'I' && sqlite3_vtab_in_first(argv[arg], &val) == SQLITE_OK) {
			for (int rc = SQLITE_OK; rc == SQLITE_OK && val;
			     rc = sqlite3_vtab_in_next(argv[arg], &val)) {
				k->values = lake_xrealloc(k->values, (size_t)(k->nvalues + 1) *
									 sizeof *k->values);
				/* The list's values live only until the next call: keep copies. */
				k->values[k->nvalues++] = sqlite3_value_dup(val);
			}
			k->owned = 1;
		} else {
			if (k->op == 'I')
				k->op = SQLITE_INDEX_CONSTRAINT_EQ;
			k->values = lake_xcalloc(1, sizeof *k->values);
			k->values[0] = argv[arg];
			k->nvalues = 1;
		}
		arg++;
		p++;
	}
	*out = ks;
	*n = count;
	return 0;
}

void lake_vtab_free_plan(struct constraint *ks, int n)
{
	for (int i = 0; i < n; i++) {
		for (int j = 0; ks[i].owned && j < ks[i].nvalues; j++)
			sqlite3_value_free(ks[i].values[j]);
		free(ks[i].values);
	}
	free(ks);
}

/* Parquet: copies of the constraints on data columns, for choosing row groups file by file. */
void lake_vtab_keep_data_constraints(struct lake_cursor *cur, struct lake_vtab *v,
				     const struct constraint *ks, int nks)
{
	for (int i = 0; i < nks; i++) {
		if (v->cols[ks[i].col].key)
			continue;
		cur->ks = lake_xrealloc(cur->ks, (size_t)(cur->nks + 1) * sizeof *cur->ks);
		struct constraint *k = &cur->ks[cur->nks++];
		*k = ks[i];
		k->values =
		    lake_xcalloc((size_t)(ks[i].nvalues ? ks[i].nvalues : 1), sizeof *k->values);
		for (int j = 0; j < ks[i].nvalues; j++)
			k->values[j] = sqlite3_value_dup(ks[i].values[j]);
		k->owned = 1;
	}
}
