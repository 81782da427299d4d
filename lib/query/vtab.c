#include "query/vtab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "base/buf.h"
#include "values/infer.h"
#include "formats/input.h"
#include "values/jscan.h"
#include "query/scan.h"
#include "query/vtab_group.h"
#include "store/table_props.h"

/* The subtype SQLite's JSON functions give JSON text, so they take it as JSON, not a string. */
#define JSON_SUBTYPE 'J'

struct vcol {
	char *name;
	size_t name_len;
	enum lake_kind kind;
	int key; /* a partition key: its value comes from the file's directory */
	int key_index;
};

struct lake_vtab {
	sqlite3_vtab base;
	struct lake_vtab_context *ctx;
	size_t scans;	 /* this table's entry in ctx->tables */
	int64_t version; /* the version read: the current one, or --as-of's */
	char *guard;	 /* a filtered table's secret (LAKE_VTAB_GUARD_COLUMN); NULL: none */
	int64_t after;	 /* a window (lake-etl's bookmark): only files added after it */
	int windowed;
	int64_t table_id;
	char *format;
	int csv;     /* CSV or TSV */
	int textual; /* values are fields' text (CSV, TSV, a text log's groups), not JSON */
	int parquet;
	struct lake_classifier classifier; /* a text log's, that cuts its lines into fields */
	char delim;
	int header;
	struct vcol *cols;
	int ncols;
	int nkeys;
	int ndata; /* data columns (the schema the crawler gave); 0 before the first crawl */
	/* Gathered keys' memory, kept while statements may hold their texts (see grouped_column()).
	 */
	void **kept;
	size_t nkept, cap_kept, kept_bytes;
};

/* A constraint the scan can use to skip partitions and files. */
struct constraint {
	int col;
	unsigned char op; /* SQLITE_INDEX_CONSTRAINT_EQ, GT, LE, LT, GE; 'I' for IN */
	sqlite3_value **values;
	int nvalues;
	int owned; /* values are copies (of an IN list) to free */
};

struct file {
	int64_t id;   /* the catalog's id: with the record's place in the file, a stable rowid */
	int64_t rows; /* as registered; -1 when unknown */
	char *path;
	char *partition;
	json_t *vals; /* the partition's values, as text or null */
	int64_t bytes;
};

struct lake_cursor {
	sqlite3_vtab_cursor base;
	struct file *files;
	size_t nfiles, next_file;
	struct file *file;
	struct lake_scan *scan;	 /* the file being read */
	struct lake_scan *ahead; /* the next one's, already reading (see open_ahead()) */
	int fold; /* the scans may fold rows alike (scan.h): a gathering counts them */
	size_t ahead_file;
	const struct lake_scan_batch *batch;
	size_t row; /* the current record's place in batch */
	int eof;
	sqlite3_int64 ordinal; /* of the record in its file */
	int64_t counted_rows;  /* rows of the current file when it is counted, not read */
	uint64_t used;	       /* colUsed: bit i for column i (63: any column from 63 on) */
	int used_data; /* how many data columns (not keys) are used; -1 when it cannot be told */
	/* What scans of this filter look for: the data columns, and where each used one's value
	 * is. */
	const char **names;
	size_t *name_lens;
	int *slot_of_data;	/* per data column: its place among a record's values, or -1 */
	unsigned char *numeric; /* per data column: its values are numbers to SQL */
	int *slot;		/* the same per column of the table (keys: -1) */
	int nvalues;
	struct lake_buf text; /* a decoded string */
	/* Parquet: the filter's constraints on data columns (copies), to skip row groups by. */
	struct constraint *ks;
	int nks;
	/*
	 * A GROUP BY's or DISTINCT's scan: every row gathered by the values of
	 * the grouping columns first, then given group after group.  Per
	 * column: its place among the keys (k >= 0), among the other values
	 * kept (-2 - k), or -1 when unused.
	 */
	struct lake_groups *groups;
	int static_keys; /* the keys' texts are given to SQLite in place, their memory kept */
	int *group_slot;
	const struct lake_sqlval *group_keys, *group_other;
	/* Per column (and the placeholder): where a gathered row's value is, and whether in place.
	 */
	struct grouped_col {
		const struct lake_sqlval *val;
		int in_place;
	} * group_cols;
	sqlite3_int64 group_row;
};

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
	if (sqlite3_prepare_v2(lake_catalog_db(ctx->lake->catalog),
			       ctx->as_of_time
				   ? "SELECT version, columns, partition_keys FROM table_versions "
				     "WHERE table_id = ?1 AND created <= ?2 ORDER BY version DESC "
				     "LIMIT 1"
				   : "SELECT version, columns, partition_keys FROM table_versions "
				     "WHERE table_id = ?1 AND version <= ?3 ORDER BY version DESC "
				     "LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, v->table_id);
	if (ctx->as_of_time)
		sqlite3_bind_text(st, 2, ctx->as_of_time, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 3, ctx->as_of_version);
	if (sqlite3_step(st) == SQLITE_ROW) {
		v->version = sqlite3_column_int64(st, 0);
		json_decref(*cols);
		json_decref(*keys);
		*cols = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
		*keys = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
		rc = 0;
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
		int shadowed = 0;
		/* A partition key of the same name wins: its value is the directory's. */
		for (size_t k = 0; k < json_array_size(keys) && n; k++)
			shadowed |= strcmp(n, json_string_value(json_object_get(
						  json_array_get(keys, k), "name"))) == 0;
		if (n && !shadowed) {
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
 * SQL names are not case-sensitive, JSON keys are: of columns "a" and "A"
 * the second is declared "A_2" (the third "a_3"...), so the table can be
 * declared and each column named.  Returns 0 for a name first seen, else
 * the suffix.
 */
static int name_twin(const struct lake_vtab *v, int i)
{
	int seen = 0;

	for (int j = 0; j < i; j++)
		seen += strcasecmp(v->cols[j].name, v->cols[i].name) == 0;
	return seen ? seen + 1 : 0;
}

static int declare(sqlite3 *db, struct lake_vtab *v)
{
	struct lake_buf sql = LAKE_BUF_INIT;
	int rc;

	lake_buf_addstr(&sql, "CREATE TABLE x(");
	for (int i = 0; i < v->ncols; i++) {
		int twin = name_twin(v, i);
		char *q = twin ? sqlite3_mprintf("%s\"%w_%d\" %s", i ? ", " : "", v->cols[i].name,
						 twin, sql_type(v->cols[i].kind))
			       : sqlite3_mprintf("%s\"%w\" %s", i ? ", " : "", v->cols[i].name,
						 sql_type(v->cols[i].kind));
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
	free_vtab((struct lake_vtab *)vt);
	return SQLITE_OK;
}

/* ---- planning ---- */

/* Hive's null partition would come last in path order, where SQL puts NULLs first. */
static int has_null_partition(const struct lake_vtab *v)
{
	sqlite3_stmt *st;
	int found = 1;

	if (sqlite3_prepare_v2(lake_catalog_db(v->ctx->lake->catalog),
			       "SELECT EXISTS (SELECT 1 FROM partitions WHERE table_id = ? AND "
			       "path LIKE '%__HIVE_DEFAULT_PARTITION__%')",
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
 * constraints: "USED;col:op;col:op...".
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

static int x_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
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
		/* Ranges compare by the collation; files were measured in BINARY order. */
		const char *coll = sqlite3_vtab_collation(info, i);
		if (coll && strcasecmp(coll, "BINARY") != 0)
			continue;
		int in = c->op == SQLITE_INDEX_CONSTRAINT_EQ && sqlite3_vtab_in(info, i, 1);
		info->aConstraintUsage[i].argvIndex = arg++;
		lake_buf_addf(&plan, ";%d:%c", c->iColumn, in ? 'I' : (char)('0' + c->op));
		cost /= v->cols[c->iColumn].key ? 100 : 4;
	}
	info->needToFreeIdxStr = 1;
	/*
	 * Files are read in path order, so rows come sorted by the first
	 * partition key when its values sort as their paths do: dates (ISO
	 * text, never escaped), and only if no null partition, which would
	 * come last where SQL puts NULL first.  An ORDER BY or GROUP BY on that
	 * key alone then needs no sort.
	 */
	if (info->nOrderBy == 1 && !info->aOrderBy[0].desc && v->nkeys &&
	    v->cols[info->aOrderBy[0].iColumn].key &&
	    v->cols[info->aOrderBy[0].iColumn].key_index == 0 &&
	    (v->cols[info->aOrderBy[0].iColumn].kind == LAKE_T_DATE) && !has_null_partition(v))
		info->orderByConsumed = 1;
	else if (can_group(v, info))
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

/* Could some value in [lo, hi] satisfy `value OP c`?  1 when unsure. */
static int range_may_match(sqlite3_value *lo, sqlite3_value *hi, unsigned char op, sqlite3_value *c)
{
	int cl = compare(lo, c), ch = compare(hi, c);

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

static int constraint_may_match(sqlite3_value *lo, sqlite3_value *hi, const struct constraint *k,
				enum lake_kind column)
{
	unsigned char op = k->op == 'I' ? SQLITE_INDEX_CONSTRAINT_EQ : k->op;

	for (int i = 0; i < k->nvalues; i++)
		if (!comparable(column, k->values[i]))
			return 1;
	for (int i = 0; i < k->nvalues; i++)
		if (range_may_match(lo, hi, op, k->values[i]))
			return 1;
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

static int count_only(const struct lake_cursor *cur, const struct lake_vtab *v,
		      const struct file *f);

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

/* The table's files live in this snapshot that the constraints do not exclude. */
static int choose_files(struct lake_cursor *cur, struct lake_vtab *v, struct constraint *ks,
			int nks)
{
	sqlite3 *db = lake_catalog_db(v->ctx->lake->catalog);
	sqlite3_stmt *files = NULL, *stats = NULL;
	struct lake_scan_stats *s = v->ctx->stats, *t = &v->ctx->tables[v->scans].stats;
	int rc = SQLITE_ERROR;

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
		if (!partition_may_match(v, f, ks, nks, db)) {
			s->files_skipped_partition++;
			t->files_skipped_partition++;
		} else if (!stats_may_match(v, stats, sqlite3_column_int64(files, 0), ks, nks)) {
			s->files_skipped_stats++;
			t->files_skipped_stats++;
		} else if (count_only(cur, v, f)) {
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

/* ---- reading records ---- */

static void close_file(struct lake_cursor *cur)
{
	lake_scan_close(cur->scan);
	cur->scan = NULL;
	cur->batch = NULL;
}

/*
 * A statement that uses no data column (count(*), or only partition keys)
 * needs only how many rows each file has, which the catalog knows, and
 * the file's partition values: such a file is not opened.
 */
static int count_only(const struct lake_cursor *cur, const struct lake_vtab *v,
		      const struct file *f)
{
	uint64_t keys = 0;

	for (int i = 0; i < v->ncols && i < 63; i++)
		if (v->cols[i].key)
			keys |= (uint64_t)1 << i;
	return (cur->used & ~keys) == 0 && f->rows >= 0;
}

static void report_progress(struct lake_cursor *cur, struct lake_vtab *v)
{
	struct lake_vtab_context *ctx = v->ctx;
	uint64_t done = 0, total = 0;
	int64_t now;

	if (!ctx->progress)
		return;
	now = lake_monotonic_us();
	if (!ctx->next_progress_us)
		ctx->next_progress_us = now + 1000000;
	if (now < ctx->next_progress_us)
		return;
	ctx->next_progress_us = now + 1000000;
	for (size_t i = 0; i < cur->nfiles; i++) {
		total += (uint64_t)cur->files[i].bytes;
		if (i < cur->next_file)
			done += (uint64_t)cur->files[i].bytes;
	}
	ctx->progress(ctx->tables[v->scans].name, cur->next_file, cur->nfiles, done, total,
		      ctx->progress_arg);
}

static enum lake_format scan_format(const struct lake_vtab *v)
{
	if (v->csv)
		return LAKE_FORMAT_CSV;
	if (strcmp(v->format, "text") == 0)
		return LAKE_FORMAT_TEXT;
	if (v->parquet)
		return LAKE_FORMAT_PARQUET;
	return strcmp(v->format, "json") == 0 ? LAKE_FORMAT_JSON : LAKE_FORMAT_NDJSON;
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
static unsigned char *choose_row_groups(struct lake_cursor *cur, struct lake_vtab *v,
					const struct file *f, const struct lake_parquet_file *pf,
					uint64_t *unread)
{
	size_t groups = lake_parquet_row_groups(pf);
	unsigned char *keep = lake_xcalloc(groups ? groups : 1, 1);
	uint64_t planned = 0;

	for (size_t rg = 0; rg < groups; rg++) {
		keep[rg] = (unsigned char)row_group_may_match(cur, v, pf, rg);
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

/* Bytes of a file that its scan will not read count as skipped, as a whole file skipped by its
 * stats. */
static void count_unread(struct lake_vtab *v, uint64_t unread)
{
	struct lake_scan_stats *s = v->ctx->stats, *t = &v->ctx->tables[v->scans].stats;

	s->bytes_scanned -= unread;
	t->bytes_scanned -= unread;
	s->bytes_skipped += unread;
	t->bytes_skipped += unread;
}

/* Start reading file f: its records are cut on threads of the scan's own. */
static int start_scan(struct lake_cursor *cur, struct lake_vtab *v, const struct file *f,
		      struct lake_scan **out, struct lake_error *err)
{
	struct lake_buf abs = LAKE_BUF_INIT;
	struct lake_scan_options o = {
	    .format = scan_format(v),
	    .classifier = &v->classifier,
	    .csv_header = v->header,
	    .csv_delim = v->delim,
	    /* lake-put and lake-crawl validated every registered file; zstd guards it since. */
	    .trusted = 1,
	    .names = cur->names,
	    .name_lens = cur->name_lens,
	    .slot = cur->slot_of_data,
	    .numeric = cur->numeric,
	    .ncolumns = (size_t)v->ndata,
	    .nvalues = cur->nvalues,
	    .stop_after = cur->used_data,
	    .fold = cur->fold,
	};
	unsigned char *keep = NULL;
	uint64_t unread = 0;
	int rc = 0;

	*out = NULL;
	lake_path(v->ctx->lake, &abs, f->path);
	if (v->parquet && (rc = lake_parquet_open(abs.data, &o.parquet, err)) == 0)
		o.row_groups = keep = choose_row_groups(cur, v, f, o.parquet, &unread);
	if (rc == 0)
		rc = lake_scan_open(abs.data, &o, out, err);
	/* Counted once the scan started: a scan opened ahead that failed is opened again. */
	if (rc == 0)
		count_unread(v, unread);
	free(keep);
	lake_buf_release(&abs);
	return rc;
}

/*
 * The file after the current one starts being read with it, so that its
 * first batches are ready when it is needed: across a table of many
 * small files, waiting for each file's first batch (a thread to start, a
 * footer and the first pages to read) was a fifth of a scan's time.  A
 * file that fails to open here is opened again in its turn, which then
 * reports the error after the rows before it.
 */
static void open_ahead(struct lake_cursor *cur, struct lake_vtab *v)
{
	struct lake_error err = {0};

	if (cur->next_file >= cur->nfiles || count_only(cur, v, &cur->files[cur->next_file]))
		return;
	cur->ahead_file = cur->next_file;
	if (start_scan(cur, v, &cur->files[cur->ahead_file], &cur->ahead, &err) < 0)
		cur->ahead = NULL;
}

static int open_next_file(struct lake_cursor *cur, struct lake_vtab *v)
{
	struct lake_error err = {0};
	size_t i = cur->next_file++;

	report_progress(cur, v);
	close_file(cur);
	cur->ordinal = 0;
	cur->file = &cur->files[i];
	if (cur->ahead && cur->ahead_file == i) {
		cur->scan = cur->ahead;
		cur->ahead = NULL;
	} else if (start_scan(cur, v, cur->file, &cur->scan, &err) < 0) {
		v->base.zErrMsg = sqlite3_mprintf("%s", err.msg);
		return SQLITE_ERROR;
	}
	open_ahead(cur, v);
	return SQLITE_OK;
}

static int used(const struct lake_cursor *cur, int col)
{
	return (cur->used >> (col < 63 ? col : 63)) & 1;
}

/*
 * What the scans look for: each data column by name, and for the used
 * ones their place among a record's values.
 */
static void plan_values(struct lake_cursor *cur, struct lake_vtab *v)
{
	int d = 0;

	cur->nvalues = 0;
	for (int c = 0; c < v->ncols; c++) {
		cur->slot[c] = -1;
		if (v->cols[c].key)
			continue;
		cur->names[d] = v->cols[c].name;
		cur->name_lens[d] = v->cols[c].name_len;
		cur->slot_of_data[d] = used(cur, c) ? cur->nvalues++ : -1;
		cur->numeric[d] =
		    v->cols[c].kind == LAKE_T_BIGINT || v->cols[c].kind == LAKE_T_DOUBLE;
		cur->slot[c] = cur->slot_of_data[d++];
	}
}

/*
 * The next batch of records, opening files as they end: cur->batch set,
 * or the next file's rows to count (counted_rows), or cur->eof.
 */
static int next_batch(struct lake_cursor *cur, struct lake_vtab *v)
{
	/* Here, not per row: clearing its kilobyte per row was a twelfth of a scan's time. */
	struct lake_error err = {0};

	for (;;) {
		if (!cur->scan) {
			if (cur->next_file >= cur->nfiles) {
				cur->eof = 1;
				return SQLITE_OK;
			}
			if (count_only(cur, v, &cur->files[cur->next_file])) {
				cur->file = &cur->files[cur->next_file++];
				cur->ordinal = 0;
				cur->counted_rows = cur->file->rows;
				return SQLITE_OK;
			}
			int rc = open_next_file(cur, v);
			if (rc != SQLITE_OK)
				return rc;
		}
		cur->batch = NULL;
		int rc = lake_scan_next(cur->scan, &cur->batch, &err);
		if (rc < 0) {
			v->base.zErrMsg = sqlite3_mprintf("%s", err.msg);
			return SQLITE_ERROR;
		}
		if (rc == 0) {
			close_file(cur);
			continue;
		}
		cur->row = 0;
		if (cur->batch->nrecords)
			return SQLITE_OK;
	}
}

/* Step to the next record: the batch's next, or the next batch's first. */
static int advance(struct lake_cursor *cur)
{
	struct lake_vtab *v = (struct lake_vtab *)cur->base.pVtab;

	for (;;) {
		if (cur->counted_rows > 0) {
			cur->counted_rows--;
			break;
		}
		if (cur->batch && cur->row + 1 < cur->batch->nrecords) {
			cur->row++;
			break;
		}
		int rc = next_batch(cur, v);
		if (rc != SQLITE_OK || cur->eof)
			return rc;
		if (cur->batch)
			break;
	}
	cur->ordinal++;
	v->ctx->stats->rows++;
	v->ctx->tables[v->scans].stats.rows++;
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

static void free_plan(struct constraint *ks, int n);
static void forget_groups(struct lake_cursor *cur);
static void column_value(struct lake_cursor *cur, struct lake_vtab *v, int col,
			 struct lake_sqlval *out);

static void forget_files(struct lake_cursor *cur)
{
	close_file(cur);
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
	free_plan(cur->ks, cur->nks);
	cur->ks = NULL;
	cur->nks = 0;
	forget_groups(cur);
}

static int x_close(sqlite3_vtab_cursor *c)
{
	struct lake_cursor *cur = (struct lake_cursor *)c;

	forget_files(cur);
	free(cur->names);
	free(cur->name_lens);
	free(cur->slot_of_data);
	free(cur->numeric);
	free(cur->slot);
	lake_buf_release(&cur->text);
	free(cur);
	return SQLITE_OK;
}

/* The constraints of the plan, with their values (all of an IN list). */
static int read_plan(const char *plan, int argc, sqlite3_value **argv, uint64_t *used,
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

static void free_plan(struct constraint *ks, int n)
{
	for (int i = 0; i < n; i++) {
		for (int j = 0; ks[i].owned && j < ks[i].nvalues; j++)
			sqlite3_value_free(ks[i].values[j]);
		free(ks[i].values);
	}
	free(ks);
}

/* Parquet: copies of the constraints on data columns, for choosing row groups file by file. */
static void keep_data_constraints(struct lake_cursor *cur, struct lake_vtab *v,
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

#ifndef NDEBUG
/*
 * Test-only (compiled out of release builds): with LAKE_TEST_SCAN_GATE
 * naming a FIFO, every scan after the process's first waits for a byte
 * from it, so that a test can commit between two scans of one statement
 * and check that the second does not see it.
 */
static void test_scan_gate(void)
{
	static int scans;
	const char *gate = getenv("LAKE_TEST_SCAN_GATE");
	char byte;

	if (!gate || scans++ == 0)
		return;
	FILE *f = fopen(gate, "r");
	if (f) {
		if (fread(&byte, 1, 1, f) != 1)
			byte = 0;
		fclose(f);
	}
}
#endif

/* ---- grouping ---- */

/*
 * The keys of a GROUP BY are given to SQLite where they lie, not copied
 * for every row (a copy per key and row was a tenth of the statement's
 * work): SQLite may hold them in its registers, an aggregate's value
 * among them, past this cursor's next filter or its close.  So their
 * memory is kept until the table is disconnected, which SQLite does only
 * once no statement uses it.  Up to this many bytes per table; past it,
 * keys are copied again.
 */
#define KEPT_KEYS_MAX ((size_t)64 << 20)

static void keep_keys(struct lake_cursor *cur, struct lake_vtab *v)
{
	cur->static_keys = v->kept_bytes + lake_groups_key_bytes(cur->groups) <= KEPT_KEYS_MAX;
	if (cur->static_keys)
		v->kept_bytes += lake_groups_key_bytes(cur->groups);
}

static void forget_groups(struct lake_cursor *cur)
{
	struct lake_vtab *v = (struct lake_vtab *)cur->base.pVtab;

	void *keys = cur->groups && cur->static_keys ? lake_groups_take_keys(cur->groups) : NULL;
	if (keys) {
		if (v->nkept == v->cap_kept) {
			v->cap_kept = v->cap_kept ? 2 * v->cap_kept : 8;
			v->kept = lake_xrealloc(v->kept, v->cap_kept * sizeof *v->kept);
		}
		v->kept[v->nkept++] = keys;
	}
	cur->static_keys = 0;
	free(cur->group_cols);
	cur->group_cols = NULL;
	lake_groups_free(cur->groups);
	cur->groups = NULL;
	free(cur->group_slot);
	cur->group_slot = NULL;
}

/* Which columns group (the plan's list) and which others the statement uses. */
static void plan_groups(struct lake_cursor *cur, struct lake_vtab *v, const char *list,
			size_t *nkeys, size_t *nother, unsigned char *desc)
{
	cur->group_slot = lake_xcalloc((size_t)v->ncols + 1, sizeof *cur->group_slot);
	for (int c = 0; c < v->ncols; c++)
		cur->group_slot[c] = -1;
	*nkeys = *nother = 0;
	for (const char *p = list; *p; p++) {
		int down = *p == '~';
		int c = atoi(p + down);
		if (c >= 0 && c < v->ncols && cur->group_slot[c] == -1) {
			desc[*nkeys] = (unsigned char)down;
			cur->group_slot[c] = (int)(*nkeys)++;
		}
		while (p[1] && p[1] != ',')
			p++;
		if (p[1] == ',')
			p++;
	}
	for (int c = 0; c < v->ncols; c++)
		if (cur->group_slot[c] == -1 && used(cur, c))
			cur->group_slot[c] = -2 - (int)(*nother)++;
}

/* Give the next gathered row; eof after the last. */
static void next_grouped(struct lake_cursor *cur)
{
	cur->eof = !lake_groups_next(cur->groups, &cur->group_keys, &cur->group_other);
	cur->group_row++;
}

/*
 * Rows whose grouping values all came with codes (scan.h: Parquet's
 * dictionary entries) find their group by the codes, remembered for the
 * batch: their keys are then not made into SQL values, hashed or
 * compared, which was most of a gathering's time.
 */
#define MEMO_KEYS 4
#define MEMO_SLOTS 4096 /* a power of two; at most half are filled per batch */

struct memo {
	uint32_t stamp; /* the batch it was made in */
	uint32_t codes[MEMO_KEYS];
	size_t group;
	uint64_t bad; /* values its keys made NULL (bad_value()): counted again at each row */
};

/* What a gathering reads of each row, and where. */
struct gathering {
	size_t nkeys, nother;
	int *key_col, *other_col; /* the table's columns */
	int *key_slot;		  /* the keys' places among a record's values */
	struct lake_sqlval *keys, *other;
	struct lake_buf *copies; /* per column: a decoded JSON string's copy */
	struct memo *memo;	 /* NULL: a key is not a data column, or there are too many */
	uint32_t stamp;
	size_t memo_used;
};

static void start_gathering(struct gathering *ga, struct lake_cursor *cur, struct lake_vtab *v,
			    size_t nkeys, size_t nother)
{
	size_t ncols = (size_t)v->ncols + 1;

	memset(ga, 0, sizeof *ga);
	ga->key_col = lake_xcalloc(nkeys + 1, sizeof *ga->key_col);
	ga->key_slot = lake_xcalloc(nkeys + 1, sizeof *ga->key_slot);
	ga->other_col = lake_xcalloc(nother + 1, sizeof *ga->other_col);
	ga->keys = lake_xcalloc(nkeys + 1, sizeof *ga->keys);
	ga->other = lake_xcalloc(nother + 1, sizeof *ga->other);
	ga->copies = lake_xcalloc(ncols, sizeof *ga->copies);
	int coded = nkeys <= MEMO_KEYS;
	for (int c = 0; c < v->ncols; c++) {
		int k = cur->group_slot[c];
		if (k >= 0) {
			ga->key_col[k] = c;
			ga->key_slot[k] = cur->slot[c];
			coded = coded && cur->slot[c] >= 0;
		} else if (k <= -2) {
			ga->other_col[-2 - k] = c;
		}
	}
	ga->nkeys = nkeys;
	ga->nother = nother;
	if (coded && nkeys)
		ga->memo = lake_xcalloc(MEMO_SLOTS, sizeof *ga->memo);
}

static void end_gathering(struct gathering *ga, const struct lake_vtab *v)
{
	for (int c = 0; c <= v->ncols; c++)
		lake_buf_release(&ga->copies[c]);
	free(ga->copies);
	free(ga->key_col);
	free(ga->key_slot);
	free(ga->other_col);
	free(ga->keys);
	free(ga->other);
	free(ga->memo);
}

/* A new batch: its codes are not the last one's. */
static void next_memo_stamp(struct gathering *ga)
{
	if (!ga->memo)
		return;
	if (++ga->stamp == 0) {
		memset(ga->memo, 0, MEMO_SLOTS * sizeof *ga->memo);
		ga->stamp = 1;
	}
	ga->memo_used = 0;
}

/*
 * The memo of the current row's key codes: one of this batch (its group
 * known), or a free one with the codes set; NULL when a key has no code.
 */
static struct memo *memo_of_row(struct gathering *ga, const struct lake_cursor *cur)
{
	const struct lake_scan_value *vals = &cur->batch->values[cur->row * (size_t)cur->nvalues];
	uint32_t codes[MEMO_KEYS];
	uint64_t h = 0;

	for (size_t k = 0; k < ga->nkeys; k++) {
		codes[k] = vals[ga->key_slot[k]].code;
		if (!codes[k])
			return NULL;
		h = (h ^ codes[k]) * 0x9E3779B97F4A7C15ull;
	}
	for (size_t i = (h >> 40) & (MEMO_SLOTS - 1);; i = (i + 1) & (MEMO_SLOTS - 1)) {
		struct memo *m = &ga->memo[i];
		if (m->stamp == ga->stamp) {
			size_t k = 0;
			while (k < ga->nkeys && m->codes[k] == codes[k])
				k++;
			if (k == ga->nkeys)
				return m;
			continue;
		}
		if (2 * ga->memo_used >= MEMO_SLOTS)
			return NULL;
		memcpy(m->codes, codes, ga->nkeys * sizeof *codes);
		return m;
	}
}

/* Columns cols[0..n) of the current row into vals; a decoded JSON string is copied. */
static void row_values(struct lake_cursor *cur, struct lake_vtab *v, const int *cols, size_t n,
		       struct lake_sqlval *vals, struct lake_buf *copies)
{
	for (size_t i = 0; i < n; i++) {
		struct lake_sqlval *val = &vals[i];
		column_value(cur, v, cols[i], val);
		/* A decoded JSON string lives in cur->text until the next. */
		if (val->type == SQLITE_TEXT && val->s == cur->text.data) {
			struct lake_buf *copy = &copies[cols[i]];
			lake_buf_reset(copy);
			lake_buf_grow(copy, val->n + 1);
			lake_buf_add(copy, val->s, val->n);
			val->s = copy->data;
		}
	}
}

/* The rows the current record stands for: more than one when the scan folded them. */
static uint64_t record_rows(struct lake_cursor *cur, struct lake_vtab *v)
{
	uint64_t rows = cur->batch && cur->batch->weights ? cur->batch->weights[cur->row] : 1;

	/* advance() counted one. */
	v->ctx->stats->rows += rows - 1;
	v->ctx->tables[v->scans].stats.rows += rows - 1;
	return rows;
}

/* Keep the current record's rows in their group. */
static void gather_row(struct gathering *ga, struct lake_cursor *cur, struct lake_vtab *v)
{
	struct memo *m = ga->memo ? memo_of_row(ga, cur) : NULL;
	uint64_t *bad = &v->ctx->stats->bad_values, before = *bad;
	uint64_t rows = record_rows(cur, v);

	if (m && m->stamp == ga->stamp) {
		*bad += m->bad * rows;
		row_values(cur, v, ga->other_col, ga->nother, ga->other, ga->copies);
		lake_groups_add_to(cur->groups, m->group, ga->other, rows);
		return;
	}
	row_values(cur, v, ga->key_col, ga->nkeys, ga->keys, ga->copies);
	uint64_t keys_bad = *bad - before;
	*bad += keys_bad * (rows - 1);
	row_values(cur, v, ga->other_col, ga->nother, ga->other, ga->copies);
	size_t group = lake_groups_add(cur->groups, ga->keys, ga->other, rows);
	if (m) {
		m->stamp = ga->stamp;
		m->group = group;
		m->bad = keys_bad;
		ga->memo_used++;
	}
}

/*
 * Where each column's value is in the gathered rows: lake_groups_next()
 * gives the same arrays for every row, so this is worked out once.
 */
static void place_grouped_columns(struct lake_cursor *cur, const struct lake_vtab *v)
{
	static const struct lake_sqlval null_value = {SQLITE_NULL, 0, 0, 0, NULL, 0};

	cur->group_cols = lake_xcalloc((size_t)v->ncols + 1, sizeof *cur->group_cols);
	for (int c = 0; c <= v->ncols; c++) {
		int k = c < v->ncols ? cur->group_slot[c] : -1;
		struct grouped_col *g = &cur->group_cols[c];
		g->val = k >= 0	   ? &cur->group_keys[k]
			 : k <= -2 ? &cur->group_other[-2 - k]
				   : &null_value;
		g->in_place = k >= 0 && cur->static_keys;
	}
}

/*
 * Read every row the scan gives, keeping each by its group's values, then
 * stand on the first: a GROUP BY's rows come a group at a time.
 */
static int gather_groups(struct lake_cursor *cur, struct lake_vtab *v, const char *list)
{
	unsigned char *desc = lake_xcalloc((size_t)v->ncols + 1, 1);
	struct gathering ga;
	size_t nkeys, nother;
	int rc;

	plan_groups(cur, v, list, &nkeys, &nother, desc);
	cur->groups = lake_groups_new(nkeys, nother);
	/* Rows alike in every used column are one to the groups when only keys are used. */
	cur->fold = nother == 0;
	start_gathering(&ga, cur, v, nkeys, nother);
	for (rc = advance(cur); rc == SQLITE_OK && !cur->eof; rc = advance(cur)) {
		if (cur->row == 0)
			next_memo_stamp(&ga);
		gather_row(&ga, cur, v);
	}
	end_gathering(&ga, v);
	close_file(cur);
	if (rc == SQLITE_OK)
		lake_groups_sort(cur->groups, desc);
	free(desc);
	if (rc != SQLITE_OK)
		return rc;
	keep_keys(cur, v);
	cur->group_row = 0;
	next_grouped(cur);
	if (!cur->eof)
		place_grouped_columns(cur, v);
	return SQLITE_OK;
}

static int x_filter(sqlite3_vtab_cursor *c, int idxnum, const char *idxstr, int argc,
		    sqlite3_value **argv)
{
#ifndef NDEBUG
	test_scan_gate();
#endif
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
	forget_files(cur);
	cur->fold = 0;
	cur->eof = 0;
	cur->counted_rows = 0;
	read_plan(idxstr ? idxstr : "ffffffffffffffff", argc, argv, &cur->used, &ks, &nks);
	cur->used_data = 0;
	for (int i = 0; i < v->ncols; i++)
		cur->used_data += !v->cols[i].key && used(cur, i);
	if (!v->ndata && (cur->used & ((uint64_t)1 << v->ncols))) {
		free_plan(ks, nks);
		v->base.zErrMsg = sqlite3_mprintf("table %s has no columns yet: run lake-crawl",
						  v->ctx->tables[v->scans].name);
		return SQLITE_ERROR;
	}
	/* Columns from 63 on share one bit: then count on nothing, walk every member. */
	if (v->ncols > 63 && (cur->used >> 63) & 1)
		cur->used_data = -1;
	plan_values(cur, v);
	rc = choose_files(cur, v, ks, nks);
	if (v->parquet)
		keep_data_constraints(cur, v, ks, nks);
	free_plan(ks, nks);
	if (rc != SQLITE_OK)
		return rc;
	const char *bar = idxstr ? strchr(idxstr, '|') : NULL;
	return bar ? gather_groups(cur, v, bar + 1) : advance(cur);
}

static int x_next(sqlite3_vtab_cursor *c)
{
	struct lake_cursor *cur = (struct lake_cursor *)c;

	if (cur->groups) {
		next_grouped(cur);
		return SQLITE_OK;
	}
	return advance(cur);
}

static int x_eof(sqlite3_vtab_cursor *c)
{
	return ((struct lake_cursor *)c)->eof;
}

/*
 * A row's id must be the same in every scan of the table: SQLite merges
 * the scans of an OR by rowid.  The file's catalog id and the record's
 * place in it are.
 */
static int x_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid)
{
	struct lake_cursor *cur = (struct lake_cursor *)c;

	/* Gathered rows are not read again by rowid: their place in the gathering will do. */
	if (cur->groups) {
		*rowid = cur->group_row;
		return SQLITE_OK;
	}
	*rowid = (sqlite3_int64)((uint64_t)cur->file->id << 32 | (uint64_t)cur->ordinal);
	return SQLITE_OK;
}

/* ---- values ---- */

/* A value that does not fit its column's type: NULL, and counted. */
static void bad_value(struct lake_vtab *v, struct lake_sqlval *out)
{
	v->ctx->stats->bad_values++;
	out->type = SQLITE_NULL;
}

static void int_value(int64_t i, struct lake_sqlval *out)
{
	out->type = SQLITE_INTEGER;
	out->i = i;
}

static void text_value(const char *s, size_t n, struct lake_sqlval *out)
{
	out->type = SQLITE_TEXT;
	out->s = s;
	out->n = n;
}

/* A text value (a CSV field, a partition value, a decoded JSON string) as the column's type. */
static void typed_text(struct lake_vtab *v, enum lake_kind k, const char *s, size_t n,
		       struct lake_sqlval *out)
{
	int64_t i;
	double d;

	if (!s || (!n && (k == LAKE_T_BIGINT || k == LAKE_T_DOUBLE || k == LAKE_T_BOOLEAN)))
		return; /* NULL */
	switch (k) {
	case LAKE_T_BIGINT:
		if (lake_jnumber_parse(s, n, &i, &d) == LAKE_JNUM_INT)
			int_value(i, out);
		else
			bad_value(v, out);
		return;
	case LAKE_T_DOUBLE:
		if (lake_jnumber_parse(s, n, &i, &d) != LAKE_JNUM_BAD) {
			out->type = SQLITE_FLOAT;
			out->d = d;
		} else {
			bad_value(v, out);
		}
		return;
	case LAKE_T_BOOLEAN:
		if (n == 4 && strncasecmp(s, "true", 4) == 0)
			int_value(1, out);
		else if (n == 5 && strncasecmp(s, "false", 5) == 0)
			int_value(0, out);
		else
			bad_value(v, out);
		return;
	default:
		text_value(s, n, out);
	}
}

/*
 * A number the scan parsed already (a numeric column's CSV field with
 * text, or JSON number), as typed_text() and json_value() take it.
 */
static void number_value(struct lake_vtab *v, enum lake_kind k, const struct lake_scan_value *val,
			 struct lake_sqlval *out)
{
	if (k == LAKE_T_BIGINT && val->num == LAKE_JNUM_INT) {
		int_value(val->i, out);
	} else if (k == LAKE_T_DOUBLE && val->num != LAKE_JNUM_BAD) {
		out->type = SQLITE_FLOAT;
		out->d = val->d;
	} else {
		bad_value(v, out);
	}
}

static void json_value(struct lake_cursor *cur, struct lake_vtab *v, enum lake_kind k,
		       const struct lake_jvalue *val, struct lake_sqlval *out)
{
	int numeric = k == LAKE_T_BIGINT || k == LAKE_T_DOUBLE || k == LAKE_T_BOOLEAN;
	int64_t i;
	double d;
	long n;

	switch (val->type) {
	case LAKE_JNULL:
		return;
	case LAKE_JSTRING:
		lake_buf_reset(&cur->text);
		lake_buf_grow(&cur->text, val->len);
		n = lake_jstring_decode(val, cur->text.data);
		typed_text(v, k, cur->text.data, n < 0 ? 0 : (size_t)n, out);
		return;
	case LAKE_JNUMBER:
		if (k == LAKE_T_BIGINT &&
		    lake_jnumber_parse(val->start, val->len, &i, &d) == LAKE_JNUM_INT) {
			int_value(i, out);
		} else if (k == LAKE_T_DOUBLE &&
			   lake_jnumber_parse(val->start, val->len, &i, &d) != LAKE_JNUM_BAD) {
			out->type = SQLITE_FLOAT;
			out->d = d;
		} else if (numeric) {
			bad_value(v, out);
		} else {
			text_value(val->start, val->len, out);
		}
		return;
	case LAKE_JTRUE:
	case LAKE_JFALSE:
		if (k == LAKE_T_BOOLEAN)
			int_value(val->type == LAKE_JTRUE, out);
		else if (numeric)
			bad_value(v, out);
		else if (val->type == LAKE_JTRUE)
			text_value("true", 4, out);
		else
			text_value("false", 5, out);
		return;
	default:
		if (numeric) {
			bad_value(v, out);
			return;
		}
		text_value(val->start, val->len, out);
		out->json = 1;
	}
}

/* Column col of the current row, as SQL is to see it. */
static void column_value(struct lake_cursor *cur, struct lake_vtab *v, int col,
			 struct lake_sqlval *out)
{
	memset(out, 0, sizeof *out);
	out->type = SQLITE_NULL;
	/* The placeholder column of a table not crawled yet. */
	if (col >= v->ncols)
		return;
	const struct vcol *vc = &v->cols[col];

	if (vc->key) {
		json_t *val = json_array_get(cur->file->vals, (size_t)vc->key_index);
		if (json_is_string(val))
			typed_text(v, vc->kind, json_string_value(val), json_string_length(val),
				   out);
		return;
	}
	const struct lake_scan_value *val =
	    cur->slot[col] < 0
		? NULL
		: &cur->batch->values[cur->row * (size_t)cur->nvalues + (size_t)cur->slot[col]];
	if (!val || val->type == LAKE_JNONE)
		return;
	if (val->parsed) {
		number_value(v, vc->kind, val, out);
	} else if (v->textual) {
		typed_text(v, vc->kind, cur->batch->bytes + val->off, val->len, out);
	} else {
		struct lake_jvalue j = {val->type, cur->batch->bytes + val->off, val->len};
		json_value(cur, v, vc->kind, &j, out);
	}
}

static void set_result(sqlite3_context *ctx, const struct lake_sqlval *val)
{
	switch (val->type) {
	case SQLITE_INTEGER:
		sqlite3_result_int64(ctx, val->i);
		break;
	case SQLITE_FLOAT:
		sqlite3_result_double(ctx, val->d);
		break;
	case SQLITE_TEXT:
		sqlite3_result_text(ctx, val->s, (int)val->n, SQLITE_TRANSIENT);
		if (val->json)
			sqlite3_result_subtype(ctx, JSON_SUBTYPE);
		break;
	default:
		sqlite3_result_null(ctx);
	}
}

/* A gathered row's column: a key's text in place when its memory is kept (keep_keys()). */
static void grouped_column(const struct lake_cursor *cur, sqlite3_context *ctx, int col)
{
	/* A hidden column past the declared ones (a guard) is not gathered. */
	if (col < 0 || col > ((const struct lake_vtab *)cur->base.pVtab)->ncols) {
		sqlite3_result_null(ctx);
		return;
	}
	const struct grouped_col *g = &cur->group_cols[col];

	if (g->in_place && g->val->type == SQLITE_TEXT)
		sqlite3_result_text(ctx, g->val->s, (int)g->val->n, SQLITE_STATIC);
	else
		set_result(ctx, g->val);
}

/* Out of line: inlined, its frame made every gathered row's column pay for it. */
__attribute__((noinline)) static void read_column(struct lake_cursor *cur, sqlite3_context *ctx,
						  int col)
{
	struct lake_sqlval val;

	column_value(cur, (struct lake_vtab *)cur->base.pVtab, col, &val);
	set_result(ctx, &val);
}

static int x_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col)
{
	struct lake_cursor *cur = (struct lake_cursor *)c;

	if (cur->group_cols)
		grouped_column(cur, ctx, col);
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
    .xBestIndex = x_best_index,
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

int lake_vtab_register(sqlite3 *db, struct lake_vtab_context *ctx)
{
	return sqlite3_create_module(db, "lake", &lake_module, ctx);
}
