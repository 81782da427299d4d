/* etl_map.c - SQL over an NDJSON stream, one batch at a time: see etl_map.h. */
#include "etl/etl_map.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "store/sqlite_setup.h"
#include "base/colnames.h"
#include "values/infer.h"
#include "values/jscan.h"
#include "base/ltime.h"
#include "query/query.h"
#include "formats/reader.h"

/* Columns the SQL names that no record had: added as NULL columns, at most this many. */
#define MAX_ADDED_COLUMNS 1000
/* Distinct keys of a stream, at most (SQLite's limit on a table's columns is 2000). */
#define MAX_COLUMNS 1900
/* A batch waits at most this long for more records before it runs (a quiet feed still flows). */
#define IDLE_FLUSH_US 1000000

struct map_col {
	char *name;	  /* the key, as records spell it; NULL while no record had it */
	char *sql;	  /* the column's name in SQL */
	const char *decl; /* the SQL type it is declared with in this batch */
};

struct map {
	sqlite3 *db;
	const char *sql;
	const struct lake_etl_map_options *o;
	struct lake_etl_map_totals *t;
	FILE *out;
	int ready; /* the user's SQL is running: the authorizer applies */

	struct map_col *cols;
	size_t ncols;
	struct lake_colnames names; /* the keys' SQL names, by the one rule */
	int shape_changed;	    /* the table must be made again */
	int too_many;		    /* more distinct keys than a table can have columns */
	sqlite3_stmt *insert, *query;

	struct lake_buf batch; /* the batch's records, each NUL-terminated */
	size_t *offsets;
	uint64_t nbatch, cap;
	struct lake_buf line, key;
	struct lake_buf name;	     /* a record's escaped key, decoded */
	struct lake_buf keys;	     /* each result column's "\"name\":", NUL-separated */
	enum lake_value_kind *kinds; /* how each result column is written */
};

/* The SQL reads `input` and calls functions (not the unsafe ones); everything else is refused. */
static int authorize(void *arg, int action, const char *a, const char *b, const char *db,
		     const char *view)
{
	struct map *m = arg;

	(void)view;
	if (!m->ready)
		return SQLITE_OK;
	switch (action) {
	case SQLITE_FUNCTION:
		return lake_sqlite_function_refused(b) ? SQLITE_DENY : SQLITE_OK;
	case SQLITE_SELECT:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_READ:
		/* count(*) reads with no schema named: the table's name decides. */
		return (!db || strcmp(db, "main") == 0) && a && strcmp(a, "input") == 0
			   ? SQLITE_OK
			   : SQLITE_DENY;
	default:
		return SQLITE_DENY;
	}
}

static int fail_sql(struct map *m, const char *doing, struct lake_error *e)
{
	if (sqlite3_errcode(m->db) == SQLITE_AUTH ||
	    strstr(sqlite3_errmsg(m->db), "not authorized"))
		return lake_err(e, LAKE_EX_NOPERM,
				"not allowed: map's SQL may only read the table input");
	return lake_err(e, LAKE_EX_DATAERR, "%s: %s", doing, sqlite3_errmsg(m->db));
}

/* ---- columns ---- */

/*
 * The column of the key name[0..n), or -1.  Keys are compared exactly:
 * "A" and "a" are two columns, the second named A_2 in SQL (the one rule
 * of base/colnames.h, as lake-query declares a table's).
 */
static long find_col(const struct map *m, const char *name, size_t n, size_t hint)
{
	if (hint < m->ncols && m->cols[hint].name && strlen(m->cols[hint].name) == n &&
	    memcmp(m->cols[hint].name, name, n) == 0)
		return (long)hint;
	for (size_t i = 0; i < m->ncols; i++)
		if (m->cols[i].name && strlen(m->cols[i].name) == n &&
		    memcmp(m->cols[i].name, name, n) == 0)
			return (long)i;
	return -1;
}

static void append_col(struct map *m, char *name, const char *sql)
{
	m->cols = lake_xrealloc(m->cols, (m->ncols + 1) * sizeof *m->cols);
	m->cols[m->ncols++] = (struct map_col){name, lake_xstrdup(sql), ""};
	m->shape_changed = 1;
}

/*
 * A key seen for the first time.  Its SQL name may be one the SQL asked
 * for before any record had it (missing_column()): that column is then
 * this key's.
 */
static void add_col(struct map *m, const char *name, size_t n)
{
	const char *sql = lake_colnames_add(&m->names, name, n);

	for (size_t i = 0; i < m->ncols; i++)
		if (!m->cols[i].name && strcasecmp(m->cols[i].sql, sql) == 0) {
			m->cols[i].name = lake_xstrndup(name, n);
			free(m->cols[i].sql);
			m->cols[i].sql = lake_xstrdup(sql);
			m->shape_changed = 1;
			return;
		}
	append_col(m, lake_xstrndup(name, n), sql);
}

/*
 * The declared type of a column of this kind.  Its name tells the output
 * how to print the values back (booleans as true/false, JSON embedded);
 * "BLOB" in it gives the column no affinity, so every value keeps the
 * type it had in its record, whatever the others in the batch hold.
 */
static const char *decl_of(const char *type)
{
	struct lake_type *t = lake_type_parse(type);
	enum lake_kind k = t ? lake_type_kind(t) : LAKE_T_STRING;

	lake_type_free(t);
	switch (k) {
	case LAKE_T_BOOLEAN:
		return "BOOLEAN BLOB";
	case LAKE_T_ARRAY:
	case LAKE_T_STRUCT:
		return "JSON BLOB";
	default:
		/* A key whose values mix kinds gives its objects and arrays as JSON text. */
		return "BLOB";
	}
}

/* The batch's keys and types: every key seen so far stays a column. */
static void learn_columns(struct map *m)
{
	struct lake_schema *s = lake_schema_new();
	json_t *cols;
	size_t i;
	json_t *c;

	for (uint64_t r = 0; r < m->nbatch; r++) {
		const char *rec = m->batch.data + m->offsets[r];
		lake_schema_observe_json(s, rec, m->offsets[r + 1] - m->offsets[r] - 1);
	}
	cols = lake_schema_columns_json(s);
	for (i = 0; i < m->ncols; i++)
		if (m->cols[i].name && lake_schema_only_nulls(s, m->cols[i].name) &&
		    *m->cols[i].decl) {
			m->cols[i].decl = "";
			m->shape_changed = 1;
		}
	json_array_foreach(cols, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		long k = find_col(m, name, strlen(name), i);
		if (k < 0 && m->ncols >= MAX_COLUMNS) {
			m->too_many = 1;
			break;
		}
		if (k < 0) {
			add_col(m, name, strlen(name));
			k = (long)m->ncols - 1;
		}
		const char *decl = lake_schema_only_nulls(s, name)
				       ? ""
				       : decl_of(json_string_value(json_object_get(c, "type")));
		if (strcmp(decl, m->cols[k].decl) != 0)
			m->shape_changed = 1;
		m->cols[k].decl = decl;
	}
	json_decref(cols);
	lake_schema_free(s);
}

/* ---- the table and the statements ---- */

static int exec(struct map *m, const char *sql, struct lake_error *e)
{
	if (sqlite3_exec(m->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return lake_err(e, LAKE_EX_SOFTWARE, "map: %s", sqlite3_errmsg(m->db));
	return 0;
}

static int bind_params(struct map *m, struct lake_error *e)
{
	int n = sqlite3_bind_parameter_count(m->query);

	for (int i = 1; i <= n; i++) {
		const char *name = sqlite3_bind_parameter_name(m->query, i);
		size_t k;
		for (k = 0; name && k < m->o->nparams; k++)
			if (strcmp(m->o->param_names[k], name + 1) == 0)
				break;
		if (!name || k == m->o->nparams)
			return lake_err(e, LAKE_EX_USAGE,
					"SQL: parameter %s has no value: give it with --param "
					"NAME=VALUE",
					name ? name : "?");
		sqlite3_bind_text(m->query, i, m->o->param_values[k], -1, SQLITE_STATIC);
	}
	return 0;
}

/* "no such column: x": x is a key no record had yet, so it is NULL. */
static int missing_column(struct map *m)
{
	const char *msg = sqlite3_errmsg(m->db), *p = strstr(msg, "no such column: ");

	if (!p || m->ncols >= MAX_ADDED_COLUMNS)
		return 0;
	p += strlen("no such column: ");
	if (strchr(p, '.'))
		return 0;
	append_col(m, NULL, p);
	return 1;
}

static int prepare_query(struct map *m, struct lake_error *e)
{
	const char *tail;

	m->ready = 1;
	int rc = sqlite3_prepare_v2(m->db, m->sql, -1, &m->query, &tail);
	m->ready = 0;
	if (rc != SQLITE_OK)
		return -1;
	if (!m->query)
		return lake_err(e, LAKE_EX_USAGE, "map: the SQL is empty");
	while (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';')
		tail++;
	if (*tail)
		return lake_err(e, LAKE_EX_USAGE, "map: the SQL must be one statement");
	if (!sqlite3_stmt_readonly(m->query))
		return lake_err(e, LAKE_EX_NOPERM,
				"not allowed: map's SQL may only read the table input");
	return bind_params(m, e);
}

static void make_create(const struct map *m, struct lake_buf *sql)
{
	lake_buf_addstr(sql, "DROP TABLE IF EXISTS input; CREATE TABLE input(");
	for (size_t i = 0; i < m->ncols; i++) {
		char *q =
		    sqlite3_mprintf("%s\"%w\" %s", i ? ", " : "", m->cols[i].sql, m->cols[i].decl);
		lake_buf_addstr(sql, q);
		sqlite3_free(q);
	}
	if (!m->ncols)
		lake_buf_addstr(sql, "\"(no keys yet)\"");
	lake_buf_addstr(sql, ")");
}

/*
 * The table `input` with the current columns, and the statements over
 * it.  Columns the SQL names but no record had are added (as NULL) until
 * it compiles.
 */
static int make_table(struct map *m, struct lake_error *e)
{
	for (;;) {
		struct lake_buf sql = LAKE_BUF_INIT;
		sqlite3_finalize(m->insert);
		sqlite3_finalize(m->query);
		m->insert = m->query = NULL;
		make_create(m, &sql);
		int rc = exec(m, sql.data, e);
		lake_buf_reset(&sql);
		if (rc < 0) {
			lake_buf_release(&sql);
			return -1;
		}
		lake_buf_addstr(&sql, "INSERT INTO input VALUES (");
		for (size_t i = 0; i < (m->ncols ? m->ncols : 1); i++)
			lake_buf_addstr(&sql, i ? ",?" : "?");
		lake_buf_addc(&sql, ')');
		rc = sqlite3_prepare_v2(m->db, sql.data, -1, &m->insert, NULL);
		lake_buf_release(&sql);
		if (rc != SQLITE_OK)
			return fail_sql(m, "map", e);
		if (prepare_query(m, e) == 0)
			break;
		if (e->code)
			return -1;
		if (!missing_column(m))
			return fail_sql(m, "SQL", e);
	}
	m->shape_changed = 0;
	return 0;
}

/* ---- a batch in, its result out ---- */

static void bind_value(struct map *m, int col, const struct lake_jvalue *v)
{
	int64_t i;
	double d;

	switch (v->type) {
	case LAKE_JTRUE:
	case LAKE_JFALSE:
		sqlite3_bind_int(m->insert, col, v->type == LAKE_JTRUE);
		return;
	case LAKE_JNUMBER:
		if (lake_jnumber_parse(v->start, v->len, &i, &d) == LAKE_JNUM_INT)
			sqlite3_bind_int64(m->insert, col, i);
		else
			sqlite3_bind_double(m->insert, col, d);
		return;
	case LAKE_JSTRING: {
		lake_buf_reset(&m->key);
		lake_buf_grow(&m->key, v->len);
		long n = lake_jstring_decode(v, m->key.data);
		sqlite3_bind_text(m->insert, col, m->key.data, n < 0 ? 0 : (int)n,
				  SQLITE_TRANSIENT);
		return;
	}
	case LAKE_JOBJECT:
	case LAKE_JARRAY:
		sqlite3_bind_text(m->insert, col, v->start, (int)v->len, SQLITE_STATIC);
		return;
	default:
		sqlite3_bind_null(m->insert, col);
	}
}

/*
 * Bind a record's members to their columns.  Of a key that comes twice
 * the last member is the value, as in jq and jansson and everywhere in
 * lake: a later bind replaces an earlier one.
 */
static int insert_record(struct map *m, const char *rec, size_t len, struct lake_error *e)
{
	struct lake_jvalue root = lake_json_root(rec, len);
	struct lake_jiter it;
	struct lake_jmember mem;
	size_t hint = 0;

	sqlite3_clear_bindings(m->insert);
	lake_jiter_begin(&it, &root);
	while (lake_jobject_next(&it, &mem)) {
		const char *k = mem.key;
		size_t kn = mem.key_len;
		if (mem.key_has_escape) {
			lake_buf_reset(&m->name);
			lake_buf_grow(&m->name, mem.key_len);
			long n = lake_jkey_decode(mem.key, mem.key_len, m->name.data);
			k = m->name.data;
			kn = n < 0 ? 0 : (size_t)n;
		}
		long c = find_col(m, k, kn, hint++);
		if (c >= 0)
			bind_value(m, (int)c + 1, &mem.value);
	}
	if (sqlite3_step(m->insert) != SQLITE_DONE) {
		sqlite3_reset(m->insert);
		return fail_sql(m, "map", e);
	}
	sqlite3_reset(m->insert);
	return 0;
}

/* Each result column's key, and how its values are written: once per batch, not per row. */
static void learn_output(struct map *m, int n)
{
	lake_buf_reset(&m->keys);
	m->kinds = lake_xrealloc(m->kinds, (size_t)(n ? n : 1) * sizeof *m->kinds);
	for (int i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(m->query, i);
		lake_buf_add_json_string(&m->keys, name, strlen(name));
		lake_buf_addc(&m->keys, ':');
		lake_buf_addc(&m->keys, '\0');
		m->kinds[i] = lake_query_column_kind(m->query, i, 1);
	}
}

static int write_rows(struct map *m, struct lake_error *e)
{
	int rc, n = sqlite3_column_count(m->query);

	learn_output(m, n);
	m->ready = 1;
	while ((rc = sqlite3_step(m->query)) == SQLITE_ROW) {
		const char *key = m->keys.data;
		lake_buf_reset(&m->line);
		lake_buf_addc(&m->line, '{');
		for (int i = 0; i < n; i++) {
			if (i)
				lake_buf_addc(&m->line, ',');
			lake_buf_addstr(&m->line, key);
			key += strlen(key) + 1;
			lake_query_value_as(&m->line, m->query, i, m->kinds[i]);
		}
		lake_buf_add(&m->line, "}\n", 2);
		if (fwrite(m->line.data, 1, m->line.len, m->out) != m->line.len) {
			m->ready = 0;
			sqlite3_reset(m->query);
			return lake_err_sys(e, LAKE_EX_IOERR, "cannot write the output");
		}
		m->t->rows++;
	}
	m->ready = 0;
	sqlite3_reset(m->query);
	if (rc != SQLITE_DONE)
		return fail_sql(m, "SQL", e);
	/* A pipeline downstream sees each batch as soon as it is done. */
	if (fflush(m->out) != 0)
		return lake_err_sys(e, LAKE_EX_IOERR, "cannot write the output");
	return 0;
}

static int run_batch(struct map *m, struct lake_error *e)
{
	if (!m->nbatch)
		return 0;
	learn_columns(m);
	if (m->too_many)
		return lake_err(e, LAKE_EX_DATAERR,
				"the stream has more than %d distinct keys: map makes a column of "
				"each; narrow the records first (jq, or lake-put and lake-query)",
				MAX_COLUMNS);
	if ((m->shape_changed || !m->query) && make_table(m, e) < 0)
		return -1;
	if (exec(m, "BEGIN", e) < 0)
		return -1;
	for (uint64_t r = 0; r < m->nbatch; r++) {
		size_t at = m->offsets[r], len = m->offsets[r + 1] - at - 1;
		if (insert_record(m, m->batch.data + at, len, e) < 0)
			return -1;
	}
	if (exec(m, "COMMIT", e) < 0 || write_rows(m, e) < 0 || exec(m, "DELETE FROM input", e) < 0)
		return -1;
	m->nbatch = 0;
	lake_buf_reset(&m->batch);
	return 0;
}

static void keep_record(struct map *m, const struct lake_record *rec)
{
	if (m->nbatch + 2 > m->cap) {
		m->cap = m->cap ? m->cap * 2 : 1024;
		m->offsets = lake_xrealloc(m->offsets, m->cap * sizeof *m->offsets);
	}
	m->offsets[m->nbatch] = m->batch.len;
	lake_buf_add(&m->batch, rec->json, rec->json_len);
	lake_buf_addc(&m->batch, '\0');
	m->offsets[++m->nbatch] = m->batch.len;
	m->t->records++;
}

static int bad_line(struct map *m, struct lake_input *in, const struct lake_record *rec,
		    struct lake_error *e)
{
	char msg[sizeof m->t->first_bad];

	snprintf(msg, sizeof msg, "%s:%llu:%llu: %s", lake_input_name(in),
		 (unsigned long long)rec->line, (unsigned long long)rec->column, rec->error);
	if (!m->o->skip_bad)
		return lake_err(e, LAKE_EX_DATAERR, "%s (--on-error skip passes over such lines)",
				msg);
	if (!m->t->skipped++)
		memcpy(m->t->first_bad, msg, sizeof msg);
	return 0;
}

static int open_db(struct map *m, struct lake_error *e)
{
	if (sqlite3_open_v2(":memory:", &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return lake_err(e, LAKE_EX_SOFTWARE, "map: cannot open SQLite");
	lake_sqlite_setup(m->db, 1);
	sqlite3_set_authorizer(m->db, authorize, m);
	return 0;
}

static void close_map(struct map *m)
{
	sqlite3_finalize(m->insert);
	sqlite3_finalize(m->query);
	sqlite3_close(m->db);
	for (size_t i = 0; i < m->ncols; i++) {
		free(m->cols[i].name);
		free(m->cols[i].sql);
	}
	free(m->cols);
	lake_colnames_release(&m->names);
	free(m->offsets);
	lake_buf_release(&m->batch);
	lake_buf_release(&m->line);
	lake_buf_release(&m->key);
	lake_buf_release(&m->name);
	lake_buf_release(&m->keys);
	free(m->kinds);
}

int lake_etl_map(const char *sql, struct lake_input *in, FILE *out,
		 const struct lake_etl_map_options *o, struct lake_etl_map_totals *t,
		 struct lake_error *e)
{
	struct map m = {0};
	struct lake_reader *r = NULL;
	struct lake_record rec;
	int rc = -1, got;

	m.sql = sql;
	m.o = o;
	m.t = t;
	m.out = out;
	if (open_db(&m, e) < 0 || make_table(&m, e) < 0 ||
	    lake_reader_open(in, LAKE_FORMAT_NDJSON, &r, e) < 0)
		goto out;
	for (;;) {
		int64_t deadline = m.nbatch ? lake_monotonic_us() + IDLE_FLUSH_US : 0;
		got = lake_reader_next(r, &rec, deadline, e);
		if (got == LAKE_INPUT_TIMEOUT) {
			if (run_batch(&m, e) < 0)
				goto out;
			continue;
		}
		if (got != 1)
			break;
		if (rec.error) {
			/* What came before the bad line goes out first, as a filter should. */
			if (!o->skip_bad && run_batch(&m, e) < 0)
				goto out;
			if (bad_line(&m, in, &rec, e) < 0)
				goto out;
			continue;
		}
		keep_record(&m, &rec);
		if (m.nbatch >= o->batch_rows && run_batch(&m, e) < 0)
			goto out;
	}
	if (got == 0)
		rc = run_batch(&m, e);
out:
	lake_reader_close(r);
	close_map(&m);
	return rc;
}
