/* etl_output.c - result rows into the tables an ETL run writes: see etl_output.h. */
#include "etl/etl_output.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/fault.h"
#include "values/flatten.h"
#include "values/infer.h"
#include "base/names.h"
#include "ingest/put.h"
#include "query/query.h"

/* Partitions listed by a dry run, at most. */
#define DRY_RUN_PARTITIONS 1000
/* Child tables one flattened job may make, at most. */
#define MAX_CHILD_TABLES 64

struct table_out {
	char *table;  /* "db.table" */
	char *column; /* a child table: the array column it unnests; NULL for the target */
	struct lake_put *put;
	struct lake_schema *schema; /* every record written, for the table's columns */
	uint64_t rows;
	int64_t version; /* made by the commit; 0: none */
};

struct etl_outputs {
	struct lake *lake;
	const struct lake_etl_job *job;
	int dry_run;
	struct lake_partition_by *pb; /* the puts' partition keys: the job's partition_by */
	struct table_out *tables;     /* [0] is the target */
	size_t ntables;

	/* The result's shape, known at its first row. */
	int ready;
	int ncols;
	char **names;
	int *part_of;		    /* per result column: its partition_by index, or -1 */
	enum lake_value_kind *kind; /* per result column: how its values are written */
	const char **part_values;   /* per partition_by: this row's value, NULL for null */
	struct lake_buf *part_text;
	int *key_col;	     /* flatten: the result column of each flatten key */
	const char **fields; /* CSV: this row's fields */
	size_t *field_len;
	struct lake_buf keys;	 /* each data column's "\"name\":", NUL-separated */
	struct lake_buf rec;	 /* the row as a JSON object */
	struct lake_buf flat;	 /* flatten: the row flattened */
	struct lake_buf child;	 /* flatten: a child record */
	struct lake_buf keyvals; /* flatten: the key members every child row starts with */
	json_t *partitions;	 /* dry run: the partitions written */
	struct lake_error *err;	 /* where a flatten callback's error goes */
};

/* ---- the tables ---- */

static int open_put(struct etl_outputs *o, const char *table, struct lake_put **put,
		    struct lake_error *e)
{
	struct lake_put_options po;

	lake_put_options_init(&po);
	po.dynamic = o->pb;
	po.ndynamic = o->job->npartition_by;
	po.batch_bytes = 0; /* one file per partition and run; split only to make room */
	po.describe_files = 1;
	po.defer_publish = 1;
	po.to_parquet = strcmp(o->job->format, "parquet") == 0;
	return lake_put_open(o->lake, table, &po, NULL, NULL, put, e);
}

static struct table_out *add_table(struct etl_outputs *o, const char *table, const char *column,
				   struct lake_error *e)
{
	struct table_out *t;

	o->tables = lake_xrealloc(o->tables, (o->ntables + 1) * sizeof *o->tables);
	t = &o->tables[o->ntables++];
	memset(t, 0, sizeof *t);
	t->table = lake_xstrdup(table);
	t->column = column ? lake_xstrdup(column) : NULL;
	t->schema = lake_schema_new();
	if (!o->dry_run && open_put(o, table, &t->put, e) < 0)
		return NULL;
	/* The target's records begin with the result's first row, when its columns are known. */
	if (t->put && column)
		lake_put_records_begin(t->put, o->job->name);
	return t;
}

static int64_t existing_table(struct lake *lake, const char *qualified)
{
	struct lake_error ignored = {0};
	int64_t id, version;

	return lake_catalog_find_table(lake->catalog, qualified, &id, &version, &ignored) == 0 ? id
											       : 0;
}

/* An existing target's partition keys, as names: the job must partition it the same way. */
static int same_partitioning(struct lake *lake, const struct lake_etl_job *job,
			     struct lake_error *e)
{
	char db[LAKE_NAME_MAX + 1], name[LAKE_NAME_MAX + 1];
	struct lake_buf have = LAKE_BUF_INIT, want = LAKE_BUF_INIT;
	sqlite3_stmt *st;
	int rc = 0;

	if (lake_name_split(job->target, db, name, e) < 0)
		return -1;
	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog),
			       "SELECT group_concat(k.value->>'name', ',') FROM tables t JOIN "
			       "databases d ON d.id = t.database_id, json_each(t.partition_keys) k "
			       "WHERE d.name = ? AND t.name = ? GROUP BY t.id",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	lake_buf_add(&have, "", 0);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		lake_buf_addstr(&have, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	lake_buf_add(&want, "", 0);
	for (size_t i = 0; i < job->npartition_by; i++)
		lake_buf_addf(&want, "%s%s", i ? "," : "", job->partition_by[i]);
	if (existing_table(lake, job->target) && strcmp(have.data, want.data) != 0)
		rc = lake_err(e, LAKE_EX_USAGE,
			      "job '%s': %s is partitioned by (%s), the job by (%s): give the job "
			      "partition_by [%s] (--partition-by %s)",
			      job->name, job->target, have.data, want.data, have.data,
			      *have.data ? have.data : "''");
	lake_buf_release(&have);
	lake_buf_release(&want);
	return rc;
}

int etl_outputs_open(struct lake *lake, const struct lake_etl_job *job, int dry_run,
		     struct etl_outputs **out, struct lake_error *e)
{
	struct etl_outputs *o;

	*out = NULL;
	if (same_partitioning(lake, job, e) < 0)
		return -1;
	o = lake_xcalloc(1, sizeof *o);

	o->lake = lake;
	o->job = job;
	o->dry_run = dry_run;
	o->partitions = json_object();
	o->pb = lake_xcalloc(job->npartition_by + 1, sizeof *o->pb);
	for (size_t i = 0; i < job->npartition_by; i++)
		o->pb[i].key = o->pb[i].field = job->partition_by[i];
	*out = o;
	return add_table(o, job->target, NULL, e) ? 0 : -1;
}

/* ---- the result's shape ---- */

static int find_name(const struct etl_outputs *o, const char *name)
{
	for (int i = 0; i < o->ncols; i++)
		if (strcmp(o->names[i], name) == 0)
			return i;
	return -1;
}

static int not_a_column(const struct etl_outputs *o, const char *what, const char *name,
			struct lake_error *e)
{
	struct lake_buf cols = LAKE_BUF_INIT;

	for (int i = 0; i < o->ncols; i++)
		lake_buf_addf(&cols, "%s%s", i ? ", " : "", o->names[i]);
	lake_err(e, LAKE_EX_USAGE,
		 "job '%s': %s column '%s' is not a column of the result (it has: %s)",
		 o->job->name, what, name, cols.data ? cols.data : "");
	lake_buf_release(&cols);
	return -1;
}

static int find_keys(struct etl_outputs *o, struct lake_error *e)
{
	const struct lake_etl_job *job = o->job;

	for (size_t k = 0; k < job->npartition_by; k++) {
		int i = find_name(o, job->partition_by[k]);
		if (i < 0)
			return not_a_column(o, "partition_by", job->partition_by[k], e);
		o->part_of[i] = (int)k;
	}
	o->key_col = lake_xcalloc(job->nflatten_key + 1, sizeof *o->key_col);
	for (size_t k = 0; k < job->nflatten_key; k++)
		if ((o->key_col[k] = find_name(o, job->flatten_key[k])) < 0)
			return not_a_column(o, "flatten key", job->flatten_key[k], e);
	return 0;
}

static int learn_result(struct etl_outputs *o, sqlite3_stmt *st, struct lake_error *e)
{
	size_t ndata = 0;

	o->ncols = sqlite3_column_count(st);
	o->names = lake_xcalloc((size_t)o->ncols + 1, sizeof *o->names);
	o->part_of = lake_xcalloc((size_t)o->ncols + 1, sizeof *o->part_of);
	o->kind = lake_xcalloc((size_t)o->ncols + 1, sizeof *o->kind);
	o->part_values = lake_xcalloc(o->job->npartition_by + 1, sizeof *o->part_values);
	o->part_text = lake_xcalloc(o->job->npartition_by + 1, sizeof *o->part_text);
	o->fields = lake_xcalloc((size_t)o->ncols + 1, sizeof *o->fields);
	o->field_len = lake_xcalloc((size_t)o->ncols + 1, sizeof *o->field_len);
	for (int i = 0; i < o->ncols; i++) {
		o->names[i] = lake_xstrdup(sqlite3_column_name(st, i));
		o->part_of[i] = -1;
		o->kind[i] = lake_query_column_kind(st, i, 1);
		if (find_name(o, o->names[i]) < i)
			return lake_err(e, LAKE_EX_USAGE,
					"job '%s': the result has two columns named '%s'; name "
					"them apart with AS",
					o->job->name, o->names[i]);
	}
	if (find_keys(o, e) < 0)
		return -1;
	for (int i = 0; i < o->ncols; i++) {
		if (o->part_of[i] >= 0)
			continue;
		lake_buf_add_json_string(&o->keys, o->names[i], strlen(o->names[i]));
		lake_buf_addc(&o->keys, ':');
		lake_buf_addc(&o->keys, '\0');
		o->fields[ndata++] = o->names[i];
	}
	o->ready = 1;
	if (!o->tables[0].put)
		return 0;
	if (strcmp(o->job->format, "csv") == 0)
		lake_put_records_begin_csv(o->tables[0].put, o->job->name, o->fields, ndata);
	else
		lake_put_records_begin(o->tables[0].put, o->job->name);
	return 0;
}

/* ---- a row ---- */

static void take_partition_values(struct etl_outputs *o, sqlite3_stmt *st)
{
	for (int i = 0; i < o->ncols; i++) {
		int k = o->part_of[i];
		if (k < 0)
			continue;
		if (sqlite3_column_type(st, i) == SQLITE_NULL) {
			o->part_values[k] = NULL;
			continue;
		}
		lake_buf_reset(&o->part_text[k]);
		lake_buf_add(&o->part_text[k], (const char *)sqlite3_column_text(st, i),
			     (size_t)sqlite3_column_bytes(st, i));
		o->part_values[k] = o->part_text[k].data;
	}
}

static void row_as_json(struct etl_outputs *o, sqlite3_stmt *st)
{
	const char *key = o->keys.data;
	int first = 1;

	lake_buf_reset(&o->rec);
	lake_buf_addc(&o->rec, '{');
	for (int i = 0; i < o->ncols; i++) {
		if (o->part_of[i] >= 0)
			continue;
		if (!first)
			lake_buf_addc(&o->rec, ',');
		first = 0;
		lake_buf_addstr(&o->rec, key);
		key += strlen(key) + 1;
		lake_query_value_as(&o->rec, st, i, o->kind[i]);
	}
	lake_buf_addc(&o->rec, '}');
}

/* CSV: each data column's text, booleans as true/false (as lake-crawl reads them); NULL is empty.
 */
static size_t row_as_fields(struct etl_outputs *o, sqlite3_stmt *st)
{
	size_t n = 0;

	for (int i = 0; i < o->ncols; i++) {
		if (o->part_of[i] >= 0)
			continue;
		if (sqlite3_column_type(st, i) == SQLITE_INTEGER &&
		    lake_query_column_is_boolean(st, i)) {
			o->fields[n] = sqlite3_column_int64(st, i) ? "true" : "false";
			o->field_len[n] = strlen(o->fields[n]);
		} else if (sqlite3_column_type(st, i) == SQLITE_FLOAT &&
			   isinf(sqlite3_column_double(st, i))) {
			/* SQLite's text is "Inf"; CSV's spelling is lake-query's (inf, -inf). */
			o->fields[n] = sqlite3_column_double(st, i) > 0 ? "inf" : "-inf";
			o->field_len[n] = strlen(o->fields[n]);
		} else {
			o->fields[n] = (const char *)sqlite3_column_text(st, i);
			o->field_len[n] = (size_t)sqlite3_column_bytes(st, i);
		}
		n++;
	}
	return n;
}

static void note_partition(struct etl_outputs *o)
{
	struct lake_buf path = LAKE_BUF_INIT;
	struct lake_partkv *kv;

	if (!o->job->npartition_by || json_object_size(o->partitions) >= DRY_RUN_PARTITIONS)
		return;
	kv = lake_xcalloc(o->job->npartition_by, sizeof *kv);
	for (size_t k = 0; k < o->job->npartition_by; k++) {
		kv[k].key = o->job->partition_by[k];
		kv[k].value = (char *)o->part_values[k];
	}
	lake_buf_add(&path, "", 0);
	lake_partition_path(&path, kv, o->job->npartition_by);
	json_object_set_new(o->partitions, path.data, json_true());
	lake_buf_release(&path);
	free(kv);
}

/* One JSON record into a table: observed for its columns, then written. */
static int write_json(struct etl_outputs *o, struct table_out *t, const struct lake_buf *json,
		      struct lake_error *e)
{
	struct lake_record rec = {0};

	lake_schema_count_row(t->schema);
	lake_schema_observe_json(t->schema, json->data, json->len);
	t->rows++;
	if (!t->put)
		return 0;
	rec.json = rec.raw = json->data;
	rec.json_len = rec.raw_len = json->len;
	rec.line = t->rows;
	return lake_put_record(t->put, &rec, o->part_values, e);
}

/* ---- flatten: arrays become child tables ---- */

/* TARGET_PATH, with anything but letters, digits and _ of the path made _. */
static int child_name(const struct etl_outputs *o, const char *path, struct lake_buf *name,
		      struct lake_error *e)
{
	lake_buf_addf(name, "%s_", o->job->target);
	for (const char *p = path; *p; p++)
		lake_buf_addc(name,
			      isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_');
	const char *dot = strchr(name->data, '.');
	if (!lake_name_valid(dot + 1))
		return lake_err(e, LAKE_EX_DATAERR,
				"job '%s': array column '%s' would become child table %s, which "
				"is not a valid table name (at most 64 of a-z, 0-9 and _)",
				o->job->name, path, name->data);
	return 0;
}

static struct table_out *child_table(struct etl_outputs *o, const char *path, struct lake_error *e)
{
	struct lake_buf name = LAKE_BUF_INIT;
	struct table_out *t = NULL;

	for (size_t i = 1; i < o->ntables; i++)
		if (strcmp(o->tables[i].column, path) == 0)
			return &o->tables[i];
	if (!o->job->nflatten_key)
		lake_err(e, LAKE_EX_USAGE,
			 "job '%s': array column '%s' becomes a child table, whose rows need the "
			 "parent's key: give flatten.key (e.g. {\"flatten\": {\"key\": "
			 "[\"id\"]}} or --flatten-key id)",
			 o->job->name, path);
	else if (o->ntables > MAX_CHILD_TABLES)
		lake_err(e, LAKE_EX_DATAERR, "job '%s': more than %d array columns to flatten",
			 o->job->name, MAX_CHILD_TABLES);
	else if (child_name(o, path, &name, e) == 0)
		t = add_table(o, name.data, path, e);
	lake_buf_release(&name);
	return t;
}

/* The key members each child row of this row starts with. */
static void key_members(struct etl_outputs *o, sqlite3_stmt *st)
{
	lake_buf_reset(&o->keyvals);
	lake_buf_add(&o->keyvals, "", 0);
	for (size_t k = 0; k < o->job->nflatten_key; k++) {
		const char *name = o->job->flatten_key[k];
		lake_buf_add_json_string(&o->keyvals, name, strlen(name));
		lake_buf_addc(&o->keyvals, ':');
		lake_query_value_as(&o->keyvals, st, o->key_col[k], o->kind[o->key_col[k]]);
		lake_buf_addc(&o->keyvals, ',');
	}
}

static int write_element(struct etl_outputs *o, struct table_out *t, size_t pos,
			 const struct lake_jvalue *v, struct lake_error *e)
{
	int empty = 0;

	lake_buf_reset(&o->child);
	lake_buf_addc(&o->child, '{');
	lake_buf_add(&o->child, o->keyvals.data, o->keyvals.len);
	lake_buf_addf(&o->child, "\"pos\":%zu", pos);
	if (v->type == LAKE_JOBJECT) {
		lake_flatten_members(v->start, v->len, &o->child, &empty, NULL, NULL);
	} else {
		lake_buf_addstr(&o->child, ",\"value\":");
		lake_buf_add(&o->child, v->start, v->len);
	}
	lake_buf_addc(&o->child, '}');
	return write_json(o, t, &o->child, e);
}

static int unnest(const char *path, const struct lake_jvalue *array, void *arg)
{
	struct etl_outputs *o = arg;
	struct table_out *t = child_table(o, path, o->err);
	struct lake_jiter it;
	struct lake_jvalue v;
	size_t pos = 0;

	if (!t)
		return -1;
	lake_jiter_begin(&it, array);
	while (lake_jarray_next(&it, &v))
		if (write_element(o, t, pos++, &v, o->err) < 0)
			return -1;
	return 0;
}

static int flatten_row(struct etl_outputs *o, sqlite3_stmt *st, struct lake_error *e)
{
	int empty = 1;

	key_members(o, st);
	o->err = e;
	lake_buf_reset(&o->flat);
	lake_buf_addc(&o->flat, '{');
	if (lake_flatten_members(o->rec.data, o->rec.len, &o->flat, &empty, unnest, o) != 0)
		return -1;
	lake_buf_addc(&o->flat, '}');
	return write_json(o, &o->tables[0], &o->flat, e);
}

int etl_outputs_row(struct etl_outputs *o, sqlite3_stmt *st, struct lake_error *e)
{
	struct table_out *t = &o->tables[0];

	if (!o->ready && learn_result(o, st, e) < 0)
		return -1;
	if (t->rows % 1000 == 999)
		lake_fault_point();
	take_partition_values(o, st);
	if (o->dry_run)
		note_partition(o);
	row_as_json(o, st);
	if (o->job->flatten)
		return flatten_row(o, st, e);
	if (!t->put || strcmp(o->job->format, "csv") != 0)
		return write_json(o, t, &o->rec, e);
	/* CSV: the types are those lake-crawl would infer from the fields' text. */
	struct lake_record rec = {0};
	rec.nfields = row_as_fields(o, st);
	lake_schema_count_row(t->schema);
	for (size_t i = 0, k = 0; i < (size_t)o->ncols; i++)
		if (o->part_of[i] < 0) {
			lake_schema_observe_text(t->schema, o->names[i], o->fields[k],
						 o->fields[k] ? o->field_len[k] : 0);
			k++;
		}
	rec.line = ++t->rows;
	rec.field = o->fields;
	rec.field_len = o->field_len;
	return lake_put_record(t->put, &rec, o->part_values, e);
}

int etl_outputs_end(struct etl_outputs *o, struct lake_error *e)
{
	for (size_t i = 0; i < o->ntables; i++)
		if (o->tables[i].put && o->tables[i].rows &&
		    lake_put_records_end(o->tables[i].put, e) < 0)
			return -1;
	return 0;
}

/* ---- committing ---- */

/* The column of cols named name, or NULL. */
static json_t *column_named(json_t *cols, const char *name)
{
	size_t i;
	json_t *c;

	json_array_foreach(cols, i, c) if (strcmp(json_string_value(json_object_get(c, "name")),
						  name) == 0) return c;
	return NULL;
}

/*
 * A table's columns after this run: what was written, typed by the
 * values, merged into the table's, or for overwrite replacing them, the
 * changes then being what differs from them (as lake-catalog diff says).
 * A column that held only nulls keeps the table's type, or is a string
 * when new.  NULL when nothing changes.
 */
static json_t *new_columns(struct etl_outputs *o, const struct table_out *t, int64_t table_id,
			   json_t *changes)
{
	json_t *old = lake_catalog_table_columns(o->lake->catalog, table_id),
	       *known = lake_schema_columns_json(t->schema);
	int overwrite = o->job->mode == LAKE_ETL_OVERWRITE;
	json_t *merged;

	for (size_t i = json_array_size(known); i-- > 0;) {
		json_t *c = json_array_get(known, i);
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *was = column_named(old, name);
		if (!was || !lake_schema_only_nulls(t->schema, name))
			continue;
		if (overwrite)
			json_object_set(c, "type", json_object_get(was, "type"));
		else
			json_array_remove(known, i);
	}
	if (overwrite) {
		json_t *none = json_array();
		merged = lake_schema_merge_columns(NULL, known, none);
		json_decref(none);
		lake_schema_replace_columns(old, merged, changes);
	} else {
		merged = lake_schema_merge_columns(old, known, changes);
	}
	if (json_equal(merged, old)) {
		json_decref(merged);
		merged = NULL;
	}
	json_decref(old);
	json_decref(known);
	return merged;
}

/* overwrite-partitions: the partitions this run wrote, each once. */
static const char **written_partitions(const struct table_out *t, size_t nstaged, size_t *n)
{
	const char **parts = lake_xcalloc(nstaged + 1, sizeof *parts);

	*n = 0;
	for (size_t i = 0; i < nstaged; i++) {
		struct lake_put_staged_file f;
		size_t j;
		lake_put_staged_file(t->put, i, &f);
		for (j = 0; j < *n; j++)
			if (strcmp(parts[j], f.partition) == 0)
				break;
		if (j == *n)
			parts[(*n)++] = f.partition;
	}
	return parts;
}

/* Inside the transaction: one table's new version (none when nothing changes). */
static int commit_table(struct etl_outputs *o, struct table_out *t, struct lake_error *e)
{
	int64_t table_id = 0;
	size_t nstaged = lake_put_staged(t->put, &table_id), nparts = 0;
	const char **parts = NULL;
	char operation[LAKE_NAME_MAX + 8];
	int rc;

	if (!nstaged && o->job->mode == LAKE_ETL_OVERWRITE)
		table_id = existing_table(o->lake, t->table);
	if (!table_id)
		return 0; /* nothing written and nothing to replace */
	int64_t *ids = lake_xcalloc(nstaged + 1, sizeof *ids);
	for (size_t i = 0; i < nstaged; i++) {
		struct lake_put_staged_file f;
		lake_put_staged_file(t->put, i, &f);
		ids[i] = f.id;
	}
	if (o->job->mode == LAKE_ETL_OVERWRITE_PARTITIONS)
		parts = written_partitions(t, nstaged, &nparts);
	snprintf(operation, sizeof operation, "etl:%s", o->job->name);
	json_t *changes = json_array();
	struct lake_version_change vc = {
	    table_id, operation, o->lake->principal,
	    ids,      nstaged,	 o->job->mode == LAKE_ETL_OVERWRITE,
	    parts,    nparts,	 o->ready ? new_columns(o, t, table_id, changes) : NULL,
	    changes,  1};
	rc = lake_catalog_commit_version(o->lake->catalog, &vc, &t->version, e);
	json_decref(vc.columns);
	json_decref(changes);
	free(parts);
	free(ids);
	return rc;
}

int etl_outputs_commit(struct etl_outputs *o, int64_t *version, struct lake_error *e)
{
	for (size_t i = 0; i < o->ntables; i++)
		if (commit_table(o, &o->tables[i], e) < 0)
			return -1;
	*version = o->tables[0].version;
	return 0;
}

int etl_outputs_published(struct etl_outputs *o, struct lake_error *e)
{
	for (size_t i = 0; i < o->ntables; i++)
		if (lake_put_published(o->tables[i].put, o->tables[i].version, e) < 0)
			return -1;
	return 0;
}

static void table_totals(const struct table_out *t, uint64_t *files, uint64_t *bytes)
{
	int64_t table_id;

	*files = *bytes = 0;
	if (!t->put)
		return;
	*files = lake_put_staged(t->put, &table_id);
	for (size_t i = 0; i < *files; i++) {
		struct lake_put_staged_file f;
		lake_put_staged_file(t->put, i, &f);
		*bytes += f.bytes;
	}
}

void etl_outputs_totals(const struct etl_outputs *o, struct etl_output_totals *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; o && i < o->ntables; i++) {
		uint64_t files, bytes;
		table_totals(&o->tables[i], &files, &bytes);
		t->files += files;
		t->bytes += bytes;
		t->rows += o->tables[i].rows;
	}
}

json_t *etl_outputs_children(const struct etl_outputs *o)
{
	json_t *j;

	if (!o->job->flatten)
		return NULL;
	j = json_object();
	for (size_t i = 1; i < o->ntables; i++) {
		const struct table_out *t = &o->tables[i];
		uint64_t files, bytes;
		table_totals(t, &files, &bytes);
		json_t *c = json_pack("{s:s, s:I, s:I}", "column", t->column, "rows",
				      (json_int_t)t->rows, "files", (json_int_t)files);
		if (t->version)
			json_object_set_new(c, "version", json_integer(t->version));
		json_object_set_new(j, t->table, c);
	}
	return j;
}

json_t *etl_outputs_partitions(const struct etl_outputs *o)
{
	json_t *parts = json_array();
	const char *key;
	json_t *v;

	json_object_foreach(o->partitions, key, v) json_array_append_new(parts, json_string(key));
	return parts;
}

void etl_outputs_close(struct etl_outputs *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->ntables; i++) {
		lake_put_close(o->tables[i].put);
		lake_schema_free(o->tables[i].schema);
		free(o->tables[i].table);
		free(o->tables[i].column);
	}
	free(o->tables);
	for (int i = 0; i < o->ncols; i++)
		free(o->names[i]);
	free(o->names);
	free(o->part_of);
	free(o->kind);
	free(o->part_values);
	for (size_t k = 0; o->part_text && k < o->job->npartition_by; k++)
		lake_buf_release(&o->part_text[k]);
	free(o->part_text);
	free(o->key_col);
	free(o->fields);
	free(o->field_len);
	lake_buf_release(&o->keys);
	lake_buf_release(&o->rec);
	lake_buf_release(&o->flat);
	lake_buf_release(&o->child);
	lake_buf_release(&o->keyvals);
	json_decref(o->partitions);
	free(o->pb);
	free(o);
}
