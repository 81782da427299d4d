/*
 * vtab.c - the "lake" virtual table module's face to SQLite: declaring a
 * catalog table (its columns, the version read, a grant's guard), the
 * cursor's callbacks, and the module's registration.  What the cursor
 * does is in the files beside it: vtab_plan.c chooses what to read,
 * vtab_rows.c reads records and turns them into SQL values,
 * vtab_gather.c gathers a GROUP BY's rows.
 */
#include "query/vtab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/fault.h"
#include "base/colnames.h"
#include "base/ltime.h"
#include "values/infer.h"
#include "formats/input.h"
#include "values/jscan.h"
#include "query/scan.h"
#include "query/vtab_group.h"
#include "store/snapshots.h"
#include "store/table_props.h"
#include "query/vtab_internal.h"

/* ---- declaring the table ---- */

static enum lake_kind kind_of(const char *type)
{
	struct lake_type *t = lake_type_parse(type ? type : "string");
	enum lake_kind k = t ? lake_type_kind(t) : LAKE_T_STRING;

	lake_type_free(t);
	return k;
}

static const char *sql_type(enum lake_kind k)
{
	switch (k) {
	case LAKE_T_BIGINT:
		return "INTEGER";
	case LAKE_T_BOOLEAN:
		return "BOOLEAN"; /* 0/1 in SQL; the name lets lake-etl write true/false back */
	case LAKE_T_DOUBLE:
		return "REAL";
	case LAKE_T_ARRAY:
	case LAKE_T_STRUCT:
		return "JSON"; /* TEXT affinity; the name tells the output to embed it */
	default:
		return "TEXT";
	}
}

static void add_col(struct lake_vtab *v, const char *name, const char *type, int key, int key_index)
{
	v->cols = lake_xrealloc(v->cols, (size_t)(v->ncols + 1) * sizeof *v->cols);
	struct vcol *c = &v->cols[v->ncols++];
	c->name = lake_xstrdup(name);
	c->name_len = strlen(name);
	c->kind = kind_of(type);
	c->key = key;
	c->key_index = key_index;
}

/*
 * --as-of TIME: whether a version made at `created` (catalog text) is at
 * or before the time.  Compared as instants: as text, a version made at
 * 12:00:00.5Z would sort before 12:00:00Z ('.' before 'Z') and be read by
 * --as-of 12:00:00.
 */
static int made_by(const char *created, const char *time)
{
	int64_t c, t;

	if (!created || lake_time_parse(created, strlen(created), &c) == LAKE_TIME_NONE ||
	    lake_time_parse(time, strlen(time), &t) == LAKE_TIME_NONE)
		return 0;
	return c <= t;
}

/*
 * --as-of: the version to read and the schema the table had then.
 * Returns -1 when the table did not exist yet.
 */
static int as_of(struct lake_vtab *v, json_t **cols, json_t **keys)
{
	const struct lake_vtab_context *ctx = v->ctx;
	sqlite3_stmt *st;
	int rc = -1;

	if (ctx->as_of_version < 0 && !ctx->as_of_time)
		return 0;
	/* Newest first: the first version at or below the number, or made by the time. */
	if (sqlite3_prepare_v2(
		lake_catalog_db(ctx->lake->catalog),
		"SELECT version, columns, partition_keys, created FROM table_versions "
		"WHERE table_id = ?1 AND (?2 IS NULL OR version <= ?2) "
		"ORDER BY version DESC",
		-1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, v->table_id);
	if (!ctx->as_of_time)
		sqlite3_bind_int64(st, 2, ctx->as_of_version);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (ctx->as_of_time &&
		    !made_by((const char *)sqlite3_column_text(st, 3), ctx->as_of_time))
			continue;
		v->version = sqlite3_column_int64(st, 0);
		json_decref(*cols);
		json_decref(*keys);
		*cols = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
		*keys = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
		rc = 0;
		break;
	}
	sqlite3_finalize(st);
	return rc;
}

/* A window fixes the versions read, whatever the statement's snapshot. */
static void apply_window(struct lake_vtab *v, const char *db, const char *name)
{
	const struct lake_vtab_context *ctx = v->ctx;
	size_t dn = strlen(db);

	v->after = -1;
	for (size_t i = 0; i < ctx->nwindows; i++) {
		const char *t = ctx->windows[i].table;
		if (strncmp(t, db, dn) == 0 && t[dn] == '.' && strcmp(t + dn + 1, name) == 0) {
			v->after = ctx->windows[i].after;
			v->version = ctx->windows[i].upto;
			v->windowed = 1;
		}
	}
}

/* This table's line in --explain's report. */
static void register_scans(struct lake_vtab *v, const char *db, const char *name)
{
	struct lake_vtab_context *ctx = v->ctx;
	char q[2 * 64 + 2];

	snprintf(q, sizeof q, "%s.%s", db, name);
	for (size_t i = 0; i < ctx->ntables; i++)
		if (strcmp(ctx->tables[i].name, q) == 0) {
			v->scans = i;
			return;
		}
	ctx->tables = lake_xrealloc(ctx->tables, (ctx->ntables + 1) * sizeof *ctx->tables);
	memset(&ctx->tables[ctx->ntables], 0, sizeof *ctx->tables);
	ctx->tables[ctx->ntables].name = lake_xstrdup(q);
	v->scans = ctx->ntables++;
}

/* A text log's lines are read by the classifier that the crawler found them to match. */
static int load_classifier(struct lake_vtab *v, const char *db, const char *name,
			   const json_t *props, char **err)
{
	const char *cname = json_string_value(json_object_get(props, "classifier"));
	struct lake_error e = {0};

	if (!cname) {
		*err = sqlite3_mprintf("%s.%s is a text log without a classifier: run lake-crawl",
				       db, name);
		return -1;
	}
	if (lake_classifier_load(v->ctx->lake, cname, &v->classifier, &e) < 0) {
		*err = sqlite3_mprintf("%s.%s: %s", db, name, e.msg);
		return -1;
	}
	return 0;
}

static int load_table(struct lake_vtab *v, const char *db, const char *name, char **err)
{
	sqlite3_stmt *st;
	json_t *cols = NULL, *keys = NULL, *props = NULL;
	int rc = SQLITE_ERROR;

	if (sqlite3_prepare_v2(lake_catalog_db(v->ctx->lake->catalog),
			       "SELECT t.id, t.format, t.columns, t.partition_keys, t.properties, "
			       "t.version FROM tables t JOIN databases d ON d.id = t.database_id "
			       "WHERE d.name = ? AND t.name = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_bind_text(st, 1, db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		*err = sqlite3_mprintf("no table %s.%s", db, name);
		goto out;
	}
	v->table_id = sqlite3_column_int64(st, 0);
	v->format = lake_xstrdup((const char *)sqlite3_column_text(st, 1));
	v->csv = strcmp(v->format, "csv") == 0 || strcmp(v->format, "tsv") == 0;
	v->parquet = strcmp(v->format, "parquet") == 0;
	/* Parquet's values come as text or numbers already parsed, as a CSV field's. */
	v->textual = v->csv || v->parquet || strcmp(v->format, "text") == 0;
	cols = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
	keys = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
	v->version = sqlite3_column_int64(st, 5);
	/* A table that did not exist yet at --as-of is empty then: no version, no files. */
	if (as_of(v, &cols, &keys) < 0)
		v->version = -1;
	apply_window(v, db, name);
	props = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
	if (strcmp(v->format, "text") == 0 && load_classifier(v, db, name, props, err) < 0)
		goto out;
	v->header = 1;
	if (json_is_false(json_object_get(props, LAKE_PROP_CSV_HEADER)))
		v->header = 0;
	const char *d = json_string_value(json_object_get(props, LAKE_PROP_CSV_DELIMITER));
	v->delim = d && strlen(d) == 1 ? d[0] : strcmp(v->format, "tsv") == 0 ? '\t' : ',';
	for (size_t i = 0; i < json_array_size(cols); i++) {
		json_t *c = json_array_get(cols, i);
		const char *n = json_string_value(json_object_get(c, "name"));
		if (n && !lake_vtab_shadowed(n, keys)) {
			add_col(v, n, json_string_value(json_object_get(c, "type")), 0, -1);
			v->ndata++;
		}
	}
	for (size_t k = 0; k < json_array_size(keys); k++) {
		json_t *key = json_array_get(keys, k);
		add_col(v, json_string_value(json_object_get(key, "name")),
			json_string_value(json_object_get(key, "type")), 1, (int)k);
		v->nkeys++;
	}
	rc = SQLITE_OK;
out:
	sqlite3_finalize(st);
	json_decref(cols);
	json_decref(keys);
	json_decref(props);
	return rc;
}

static void free_vtab(struct lake_vtab *v)
{
	for (int i = 0; i < v->ncols; i++)
		free(v->cols[i].name);
	free(v->cols);
	free(v->format);
	free(v->guard);
	lake_classifier_release(&v->classifier);
	for (size_t i = 0; i < v->nkept; i++)
		free(v->kept[i]);
	free(v->kept);
	free(v);
}

/*
 * SQL names are not case-sensitive, JSON keys are: the columns are
 * declared under the names the one rule gives them (base/colnames.h), so
 * that of keys "a" and "A" the second is "A_2" and each can be named.
 * The partition keys come after the data columns, as they are declared.
 */
int lake_vtab_shadowed(const char *name, json_t *keys)
{
	for (size_t k = 0; k < json_array_size(keys); k++)
		if (strcmp(name, json_string_value(
				     json_object_get(json_array_get(keys, k), "name"))) == 0)
			return 1;
	return 0;
}

void lake_vtab_reserve_names(struct lake_colnames *names)
{
	lake_colnames_add(names, LAKE_VTAB_GUARD_COLUMN, strlen(LAKE_VTAB_GUARD_COLUMN));
}

/*
 * Dates and timestamps are text that SQL compares as instants: a literal
 * in any ISO-8601 spelling then means what it says (DuckDB casts it to
 * the column's type), in comparisons, IN, BETWEEN, min() and max().
 */
static const char *collation(enum lake_kind k)
{
	return k == LAKE_T_DATE || k == LAKE_T_TIMESTAMP ? " COLLATE " LAKE_TIME_COLLATION : "";
}

static int declare(sqlite3 *db, struct lake_vtab *v)
{
	struct lake_colnames names = LAKE_COLNAMES_INIT;
	struct lake_buf sql = LAKE_BUF_INIT;
	int rc;

	lake_vtab_reserve_names(&names);
	lake_buf_addstr(&sql, "CREATE TABLE x(");
	for (int i = 0; i < v->ncols; i++) {
		const char *name = lake_colnames_add(&names, v->cols[i].name, v->cols[i].name_len);
		enum lake_kind k = v->cols[i].kind;
		char *q = sqlite3_mprintf("%s\"%w\" %s%s", i ? ", " : "", name, sql_type(k),
					  collation(k));
		lake_buf_addstr(&sql, q);
		sqlite3_free(q);
	}
	if (!v->ndata)
		lake_buf_addf(&sql, "%s\"(no columns yet: run lake-crawl)\" TEXT",
			      v->ncols ? ", " : "");
	if (v->guard)
		lake_buf_addstr(&sql, ", \"" LAKE_VTAB_GUARD_COLUMN "\" HIDDEN");
	lake_buf_addc(&sql, ')');
	rc = sqlite3_declare_vtab(db, sql.data);
	lake_buf_release(&sql);
	lake_colnames_release(&names);
	return rc;
}

static int x_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
		     char **err)
{
	struct lake_vtab *v = lake_xcalloc(1, sizeof *v);
	int rc;

	v->ctx = aux;
	/*
	 * argv[1] is the schema (the lake database), argv[2] the table, or
	 * argv[3] when given: the view of a filtered table reads it under
	 * another name (query.c).
	 */
	const char *table = argc > 3 ? argv[3] : argv[2];
	if (argc > 4)
		v->guard = lake_xstrdup(argv[4] + strspn(argv[4], " "));
	rc = load_table(v, argv[1], table, err);
	if (rc == SQLITE_OK)
		register_scans(v, argv[1], table);
	if (rc == SQLITE_OK && v->guard)
		v->ctx->tables[v->scans].stats.filtered = 1;
	if (rc == SQLITE_OK)
		rc = declare(db, v);
	/* It only reads files the catalog lists: safe inside views (a grant's filtered view). */
	if (rc == SQLITE_OK)
		sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
	if (rc != SQLITE_OK) {
		free_vtab(v);
		return rc;
	}
	*out = &v->base;
	return SQLITE_OK;
}

static int x_disconnect(sqlite3_vtab *vt)
{
	lake_vtab_join_forget((struct lake_vtab *)vt);
	free_vtab((struct lake_vtab *)vt);
	return SQLITE_OK;
}

/* ---- the cursor ---- */

static int x_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	struct lake_vtab *v = (struct lake_vtab *)vt;
	struct lake_cursor *cur = lake_xcalloc(1, sizeof *cur);

	size_t n = (size_t)(v->ncols ? v->ncols : 1);

	cur->names = lake_xcalloc(n, sizeof *cur->names);
	cur->name_lens = lake_xcalloc(n, sizeof *cur->name_lens);
	cur->slot_of_data = lake_xcalloc(n, sizeof *cur->slot_of_data);
	cur->numeric = lake_xcalloc(n, sizeof *cur->numeric);
	cur->slot = lake_xcalloc(n, sizeof *cur->slot);
	*out = &cur->base;
	return SQLITE_OK;
}

void lake_vtab_forget_files(struct lake_cursor *cur)
{
	cur->kept = NULL;
	lake_vtab_close_file(cur);
	lake_scan_close(cur->ahead);
	cur->ahead = NULL;
	for (size_t i = 0; i < cur->nfiles; i++) {
		free(cur->files[i].path);
		free(cur->files[i].partition);
		json_decref(cur->files[i].vals);
	}
	free(cur->files);
	cur->files = NULL;
	cur->nfiles = cur->next_file = 0;
	lake_vtab_free_plan(cur->ks, cur->nks);
	cur->ks = NULL;
	cur->nks = 0;
	lake_vtab_forget_groups(cur);
}

static int x_close(sqlite3_vtab_cursor *c)
{
	struct lake_cursor *cur = (struct lake_cursor *)c;

	lake_vtab_forget_files(cur);
	lake_buf_release(&cur->key_text);
	free(cur->names);
	free(cur->name_lens);
	free(cur->slot_of_data);
	free(cur->numeric);
	free(cur->slot);
	lake_buf_release(&cur->text);
	free(cur);
	return SQLITE_OK;
}

/*
 * Tests commit between two scans of one statement (LAKE_TEST_SCAN_GATE):
 * every scan after the process's first waits there, and the second scan
 * must not see the commit.
 */
static void scan_gate(void)
{
	static int scans;

	if (scans++)
		lake_test_gate("LAKE_TEST_SCAN_GATE");
}

/*
 * --as-of a version some of whose files were vacuumed: the scan fails
 * (exit 66, saying which version can be read), never gives the rows left.
 */
static int check_readable(struct lake_vtab *v)
{
	struct lake_vtab_context *ctx = v->ctx;

	if ((ctx->as_of_version < 0 && !ctx->as_of_time) || v->version < 0)
		return SQLITE_OK;
	if (lake_snapshots_require_readable(ctx->lake->catalog, v->table_id,
					    ctx->tables[v->scans].name, v->version,
					    &ctx->failure) == 0)
		return SQLITE_OK;
	v->base.zErrMsg = sqlite3_mprintf("%s", ctx->failure.msg);
	return SQLITE_ERROR;
}

static int x_filter(sqlite3_vtab_cursor *c, int idxnum, const char *idxstr, int argc,
		    sqlite3_value **argv)
{
	scan_gate();
	struct lake_cursor *cur = (struct lake_cursor *)c;
	struct lake_vtab *v = (struct lake_vtab *)c->pVtab;
	struct constraint *ks;
	int nks, rc;

	if (v->guard) {
		if (idxnum != 1 || argc < 1 || !sqlite3_value_text(argv[0]) ||
		    strcmp((const char *)sqlite3_value_text(argv[0]), v->guard) != 0) {
			v->base.zErrMsg =
			    sqlite3_mprintf("%s is read only through its grant's filter",
					    v->ctx->tables[v->scans].name);
			return SQLITE_AUTH;
		}
		argc--;
		argv++;
	}
	if (lake_vtab_join_again(cur, v, idxstr, argc, argv))
		return SQLITE_OK;
	if (check_readable(v) != SQLITE_OK)
		return SQLITE_ERROR;
	lake_vtab_forget_files(cur);
	cur->fold = 0;
	cur->eof = 0;
	cur->counted_rows = 0;
	lake_vtab_read_plan(idxstr ? idxstr : "ffffffffffffffff", argc, argv, &cur->used, &ks,
			    &nks);
	if (!v->ndata && (cur->used & ((uint64_t)1 << v->ncols))) {
		lake_vtab_free_plan(ks, nks);
		v->base.zErrMsg = sqlite3_mprintf("table %s has no columns yet: run lake-crawl",
						  v->ctx->tables[v->scans].name);
		return SQLITE_ERROR;
	}
	lake_vtab_plan_values(cur, v);
	const char *bar = idxstr ? strchr(idxstr, '|') : NULL;
	if (!bar && lake_vtab_join_filter(cur, v, idxstr, ks, nks, &rc)) {
		lake_vtab_free_plan(ks, nks);
		return rc;
	}
	rc = lake_vtab_choose_files(cur, v, ks, nks);
	if (rc == SQLITE_OK && bar) {
		if (v->parquet)
			lake_vtab_keep_data_constraints(cur, v, ks, nks);
		rc = lake_vtab_gather_groups(cur, v, bar + 1);
	} else if (rc == SQLITE_OK) {
		rc = lake_vtab_scan_files(cur, v, ks, nks);
	}
	lake_vtab_free_plan(ks, nks);
	return rc;
}

int lake_vtab_scan_files(struct lake_cursor *cur, struct lake_vtab *v, struct constraint *ks,
			 int nks)
{
	if (v->parquet)
		lake_vtab_keep_data_constraints(cur, v, ks, nks);
	return lake_vtab_advance(cur);
}

static int x_next(sqlite3_vtab_cursor *c)
{
	struct lake_cursor *cur = (struct lake_cursor *)c;

	if (cur->kept) {
		lake_kept_next(cur);
		return SQLITE_OK;
	}
	if (cur->groups) {
		lake_vtab_next_grouped(cur);
		return SQLITE_OK;
	}
	return lake_vtab_advance(cur);
}

static int x_eof(sqlite3_vtab_cursor *c)
{
	return ((struct lake_cursor *)c)->eof;
}

/*
 * A row's id must be the same in every scan of the table: SQLite answers
 * `a OR b` by one scan per term, merged by rowid, and each term skips
 * other files and row groups.  The file's catalog id and the record's
 * place in the whole file (rows of skipped row groups counted, see
 * lake_scan_batch.first) are.  A gathered GROUP BY is never such a scan:
 * SQLite plans an OR's terms without an ORDER BY, and can_group() wants one.
 */
static int x_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid)
{
	struct lake_cursor *cur = (struct lake_cursor *)c;

	/* Kept rows have the ids they had in their files. */
	if (cur->kept) {
		*rowid = lake_kept_rowid(cur);
		return SQLITE_OK;
	}
	/* Gathered rows are not read again by rowid: their place in the gathering will do. */
	if (cur->groups) {
		*rowid = cur->group_row;
		return SQLITE_OK;
	}
	*rowid = (sqlite3_int64)((uint64_t)cur->file->id << 32 | (uint64_t)cur->ordinal);
	return SQLITE_OK;
}

/* Out of line: inlined, its frame made every gathered row's column pay for it. */
__attribute__((noinline)) static void read_column(struct lake_cursor *cur, sqlite3_context *ctx,
						  int col)
{
	struct lake_sqlval val;

	lake_vtab_column_value(cur, (struct lake_vtab *)cur->base.pVtab, col, &val);
	lake_vtab_set_result(ctx, &val);
}

static int x_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col)
{
	struct lake_cursor *cur = (struct lake_cursor *)c;

	if (cur->kept)
		lake_kept_column(cur, ctx, col);
	else if (cur->group_cols)
		lake_vtab_grouped_column(cur, ctx, col);
	else if (cur->groups)
		sqlite3_result_null(ctx); /* no row: SQLite asks none */
	else
		read_column(cur, ctx, col);
	return SQLITE_OK;
}

static sqlite3_module lake_module = {
    .iVersion = 0,
    .xCreate = x_connect,
    .xConnect = x_connect,
    .xBestIndex = lake_vtab_best_index,
    .xDisconnect = x_disconnect,
    .xDestroy = x_disconnect,
    .xOpen = x_open,
    .xClose = x_close,
    .xFilter = x_filter,
    .xNext = x_next,
    .xEof = x_eof,
    .xColumn = x_column,
    .xRowid = x_rowid,
};

static int time_collation(void *arg, int alen, const void *a, int blen, const void *b)
{
	(void)arg;
	return lake_time_compare(a, (size_t)alen, b, (size_t)blen);
}

int lake_vtab_register(sqlite3 *db, struct lake_vtab_context *ctx)
{
	int rc = sqlite3_create_collation_v2(db, LAKE_TIME_COLLATION, SQLITE_UTF8, NULL,
					     time_collation, NULL);

	return rc == SQLITE_OK ? sqlite3_create_module(db, "lake", &lake_module, ctx) : rc;
}
