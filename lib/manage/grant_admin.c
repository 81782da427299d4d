/* grant_admin.c - lake-grant's verbs: grants, revokes, listings, checks, groups, admins. */
#include "govern/grant.h"

#include <grp.h>
#include <stdlib.h>
#include <string.h>

#include "govern/audit.h"
#include "store/suggest.h"
#include "base/ltime.h"
#include "base/names.h"
#include "query/query.h"

static sqlite3 *cat(struct lake *lake)
{
	return lake_catalog_db(lake->catalog);
}

static int fail(struct lake *lake, const char *doing, struct lake_error *e)
{
	return lake_catalog_fail(lake->catalog, doing, e);
}

static int exec_bound(struct lake *lake, const char *sql, const char *const *args, size_t n,
		      const char *doing, struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(cat(lake), sql, -1, &st, NULL) != SQLITE_OK)
		return fail(lake, doing, e);
	for (size_t i = 0; i < n; i++)
		sqlite3_bind_text(st, (int)i + 1, args[i], -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(lake, doing, e);
	return 0;
}

/* ---- checking a grant before it is made ---- */

static int table_columns(struct lake *lake, const char *db, const char *table, json_t **cols,
			 struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	*cols = NULL;
	if (sqlite3_prepare_v2(
		cat(lake),
		"SELECT t.columns, t.partition_keys FROM tables t JOIN databases d ON "
		"d.id = t.database_id WHERE d.name = ? AND t.name = ?",
		-1, &st, NULL) != SQLITE_OK)
		return fail(lake, "cannot look up a table", e);
	sqlite3_bind_text(st, 1, db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*cols = json_array();
		for (int k = 0; k < 2; k++) {
			json_t *a = json_loads((const char *)sqlite3_column_text(st, k), 0, NULL);
			size_t i;
			json_t *c;
			json_array_foreach(a, i, c)
			    json_array_append(*cols, json_object_get(c, "name"));
			json_decref(a);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		/* Permission is checked first; the suggestion is among what the grantor may see. */
		struct lake_buf name = LAKE_BUF_INIT;
		lake_buf_addf(&name, "%s.%s", db, table);
		lake_table_not_found(lake, name.data, e);
		lake_buf_release(&name);
		return -1;
	}
	return 0;
}

static int check_columns(json_t *list, json_t *cols, const char *db, const char *table,
			 struct lake_error *e)
{
	size_t i;
	json_t *c;

	json_array_foreach(list, i, c)
	{
		size_t j;
		json_t *k;
		int found = 0;
		json_array_foreach(cols, j, k) found |= json_equal(c, k);
		if (!found)
			return lake_err(e, LAKE_EX_DATAERR, "%s.%s has no column '%s'", db, table,
					json_string_value(c));
	}
	return 0;
}

static int ignore_row(sqlite3_stmt *st, int statement, int row, void *arg)
{
	(void)st, (void)statement, (void)row, (void)arg;
	return 0;
}

/* The row filter must compile against the table: a mistake is found now, not at every query. */
static int check_predicate(struct lake *lake, const struct lake_grant_spec *g, struct lake_error *e)
{
	struct lake_query *q;
	struct lake_buf sql = LAKE_BUF_INIT;
	int rc;

	if (lake_query_open(lake, &q, e) < 0)
		return -1;
	lake_buf_addf(&sql, "SELECT 1 FROM %s.%s WHERE (%s)", g->db, g->table, g->rows);
	rc = lake_query_plan(q, sql.data, ignore_row, NULL, e);
	lake_query_close(q);
	lake_buf_release(&sql);
	if (rc < 0) {
		char why[sizeof e->msg];
		snprintf(why, sizeof why, "%s", e->msg);
		return lake_err(e, LAKE_EX_DATAERR,
				"--rows \"%s\" is not a predicate over %s.%s: %s", g->rows, g->db,
				g->table, why);
	}
	if (strchr(g->rows, ';'))
		return lake_err(e, LAKE_EX_DATAERR, "--rows: one predicate, without ';'");
	return 0;
}

static int check_spec(struct lake *lake, const struct lake_grant_spec *g, struct lake_error *e)
{
	json_t *cols = NULL;
	int filtered = g->include || g->exclude || g->rows;
	int rc = 0;

	if (lake_name_check("database", g->db, e) < 0 ||
	    (g->table && lake_name_check("table", g->table, e) < 0))
		return -1;
	if (filtered && g->perms != LAKE_PERM_SELECT)
		return lake_err(e, LAKE_EX_USAGE,
				"--columns, --exclude-columns and --rows filter SELECT only; grant "
				"the other permissions separately");
	if (filtered && !g->table)
		return lake_err(e, LAKE_EX_USAGE, "data filters are per table: name DB.TABLE");
	if (g->include && g->exclude)
		return lake_err(e, LAKE_EX_USAGE, "give --columns or --exclude-columns, not both");
	if ((g->perms & LAKE_PERM_CREATE_TABLE) && g->table)
		return lake_err(e, LAKE_EX_USAGE,
				"CREATE_TABLE is granted on a database, not a table");
	if (g->table && table_columns(lake, g->db, g->table, &cols, e) < 0)
		return -1;
	if (g->include)
		rc = check_columns(g->include, cols, g->db, g->table, e);
	if (rc == 0 && g->exclude)
		rc = check_columns(g->exclude, cols, g->db, g->table, e);
	json_decref(cols);
	if (rc == 0 && g->rows)
		rc = check_predicate(lake, g, e);
	return rc;
}

/*
 * Administrators grant anything; others only permissions they hold
 * unfiltered with the grant option, on the same object or its database.
 */
static int may_grant(struct lake *lake, const struct lake_grant_spec *g, struct lake_error *e)
{
	const struct lake_identity *id = lake_identity(lake);
	sqlite3_stmt *st;
	unsigned held = 0;
	json_t *a;

	if (id->admin)
		return 0;
	a = json_array();
	for (size_t i = 0; i < id->nholds; i++)
		json_array_append_new(a, json_string(id->holds[i]));
	char *holds = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (sqlite3_prepare_v2(
		cat(lake),
		"SELECT permission FROM grants WHERE grant_option AND filter_id IS NULL "
		"AND principal IN (SELECT value FROM json_each(?1)) AND database_name "
		"= ?2 AND (table_name IS NULL OR table_name IS ?3)",
		-1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, holds, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, g->db, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, g->table, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			unsigned m;
			struct lake_error ignored = {0};
			if (lake_perms_parse((const char *)sqlite3_column_text(st, 0), &m,
					     &ignored) == 0)
				held |= m;
		}
		sqlite3_finalize(st);
	}
	free(holds);
	if ((g->perms & held) == g->perms)
		return 0;
	struct lake_buf object = LAKE_BUF_INIT;
	lake_buf_addf(&object, "%s%s%s", g->db, g->table ? "." : "", g->table ? g->table : "");
	lake_audit_denied(lake, "grant", object.data);
	lake_buf_release(&object);
	return lake_err(e, LAKE_EX_NOPERM,
			"%s may grant only what it holds with the grant option (on %s%s%s it holds "
			"%s)",
			id->name, g->db, g->table ? "." : "", g->table ? g->table : "",
			held ? "some, not all, of these" : "none");
}

/* ---- principals a grant may name ---- */

static int group_exists(struct lake *lake, const char *p)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(cat(lake), "SELECT 1 FROM principals WHERE name = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, p, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* The machine's Unix groups' names, as JSON text for json_each; malloc'd. */
static char *unix_group_names(void)
{
	json_t *a = json_array();
	struct group *g;
	char *text;

	setgrent();
	while ((g = getgrent()) != NULL)
		json_array_append_new(a, json_string(g->gr_name));
	endgrent();
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

/*
 * A grant to a group that does not exist would hold for nobody, silently
 * (a misspelt group:finanse): LAKE_EX_NOINPUT, with the nearest group as
 * a suggestion, among the lake's groups for an administrator and among
 * its own for anyone else (the groups are the administrators' to list).
 * A user need not be an account on this machine: user:NAME is taken as
 * it is, and so is public.
 */
static int principal_exists(struct lake *lake, const char *p, struct lake_error *e)
{
	const struct lake_identity *id = lake_identity(lake);
	char *names = NULL, *sql = NULL;
	int rc = 0;

	if (strncmp(p, "group:", 6) == 0 && !group_exists(lake, p)) {
		json_t *a = json_array();
		for (size_t i = 0; i < id->nholds; i++)
			json_array_append_new(a, json_string(id->holds[i]));
		names = json_dumps(a, JSON_COMPACT);
		json_decref(a);
		sql = id->admin
			  ? sqlite3_mprintf("SELECT substr(name, 7) FROM principals WHERE "
					    "substr(name, 1, 6) = 'group:'")
			  : sqlite3_mprintf("SELECT substr(value, 7) FROM json_each(%Q) WHERE "
					    "substr(value, 1, 6) = 'group:'",
					    names);
		rc = lake_suggest_not_found(lake, "group", p + 6, sql, e);
	} else if (strncmp(p, "unixgroup:", 10) == 0 && !getgrnam(p + 10)) {
		names = unix_group_names();
		sql = sqlite3_mprintf("SELECT value FROM json_each(%Q)", names);
		rc = lake_suggest_not_found(lake, "Unix group", p + 10, sql, e);
	}
	sqlite3_free(sql);
	free(names);
	return rc;
}

/* ---- grant and revoke ---- */

static char *compact(json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT) : NULL;
}

/* The id of an equal data filter, 0 when none. */
static int64_t find_filter(struct lake *lake, const char *inc, const char *exc, const char *rows)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	if (sqlite3_prepare_v2(cat(lake),
			       "SELECT id FROM data_filters WHERE include_columns IS ? AND "
			       "exclude_columns IS ? AND row_filter IS ?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, inc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, exc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, rows, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

static int64_t make_filter(struct lake *lake, const char *inc, const char *exc, const char *rows,
			   struct lake_error *e)
{
	sqlite3_stmt *st;
	int64_t id = find_filter(lake, inc, exc, rows);

	if (id)
		return id;
	if (sqlite3_prepare_v2(cat(lake),
			       "INSERT INTO data_filters(include_columns, exclude_columns, "
			       "row_filter) VALUES (?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(lake, "cannot record a data filter", e);
	sqlite3_bind_text(st, 1, inc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, exc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, rows, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return fail(lake, "cannot record a data filter", e);
	}
	sqlite3_finalize(st);
	return sqlite3_last_insert_rowid(cat(lake));
}

/* The permissions of a mask as stored: ALL as one row, else one row per permission. */
static size_t perm_rows(unsigned perms, const char **out)
{
	size_t n = 0;

	if (perms == LAKE_PERM_ALL) {
		out[n++] = "ALL";
		return n;
	}
	for (unsigned bit = 1; bit < LAKE_PERM_ALL; bit <<= 1)
		if (perms & bit)
			out[n++] = lake_perm_name(bit);
	return n;
}

/* The grants matching g exactly (permission, object, principal, filter, option). */
static sqlite3_stmt *exact_grants(struct lake *lake, const struct lake_grant_spec *g,
				  const char *perm, int64_t filter)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(cat(lake),
			       "SELECT id FROM grants WHERE principal = ? AND permission = ? AND "
			       "database_name = ? AND table_name IS ? AND filter_id IS ? AND "
			       "grant_option = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, g->principal, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, perm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, g->db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, g->table, -1, SQLITE_STATIC);
	if (filter)
		sqlite3_bind_int64(st, 5, filter);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int(st, 6, g->grant_option);
	return st;
}

static json_t *spec_json(const struct lake_grant_spec *g, const char *perm, int64_t id)
{
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:b}", "id", (json_int_t)id, "principal",
			      g->principal, "permission", perm, "database", g->db, "table",
			      g->table, "grant_option", g->grant_option);

	if (g->include)
		json_object_set(j, "columns", g->include);
	if (g->exclude)
		json_object_set(j, "exclude_columns", g->exclude);
	if (g->rows)
		json_object_set_new(j, "rows", json_string(g->rows));
	return j;
}

static int insert_grant(struct lake *lake, const struct lake_grant_spec *g, const char *perm,
			int64_t filter, json_t *out, struct lake_error *e)
{
	sqlite3_stmt *st = exact_grants(lake, g, perm, filter);
	char now[40];

	if (!st)
		return fail(lake, "cannot read the grants", e);
	int exists = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (exists)
		return 0; /* granting twice is granting once */
	lake_time_format_timestamp(lake_time_now(), now);
	if (sqlite3_prepare_v2(
		cat(lake),
		"INSERT INTO grants(principal, permission, database_name, table_name, "
		"grant_option, filter_id, created, created_by) VALUES (?,?,?,?,?,?,?,?)",
		-1, &st, NULL) != SQLITE_OK)
		return fail(lake, "cannot record a grant", e);
	sqlite3_bind_text(st, 1, g->principal, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, perm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, g->db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, g->table, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, g->grant_option);
	if (filter)
		sqlite3_bind_int64(st, 6, filter);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, lake_identity(lake)->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return fail(lake, "cannot record a grant", e);
	}
	sqlite3_finalize(st);
	json_array_append_new(out, spec_json(g, perm, sqlite3_last_insert_rowid(cat(lake))));
	return 0;
}

static void audit_change(struct lake *lake, const char *action, const struct lake_grant_spec *g,
			 const char *outcome)
{
	struct lake_buf object = LAKE_BUF_INIT;
	struct lake_audit_event ev = {action, NULL, outcome, 0, 0, NULL, 0, NULL, NULL};

	lake_buf_addf(&object, "%s%s%s", g->db, g->table ? "." : "", g->table ? g->table : "");
	ev.object = object.data;
	lake_audit(lake, &ev);
	lake_buf_release(&object);
}

int lake_grant_add(struct lake *lake, const struct lake_grant_spec *g, json_t **added,
		   struct lake_error *e)
{
	char *inc = compact(g->include), *exc = compact(g->exclude);
	const char *perms[8];
	size_t n = perm_rows(g->perms, perms);
	int64_t filter = 0;
	int rc = -1;

	*added = json_array();
	/* Permission first: the checks would otherwise tell anyone which tables and columns exist.
	 */
	if (may_grant(lake, g, e) < 0 || principal_exists(lake, g->principal, e) < 0 ||
	    check_spec(lake, g, e) < 0)
		goto out;
	if (lake_catalog_begin(lake->catalog, e) < 0)
		goto out;
	if ((inc || exc || g->rows) && (filter = make_filter(lake, inc, exc, g->rows, e)) < 0)
		goto rollback;
	for (size_t i = 0; i < n; i++)
		if (insert_grant(lake, g, perms[i], filter, *added, e) < 0)
			goto rollback;
	if ((rc = lake_catalog_commit(lake->catalog, e)) == 0)
		audit_change(lake, "grant", g, "ok");
	goto out;
rollback:
	lake_catalog_rollback(lake->catalog);
out:
	free(inc);
	free(exc);
	return rc;
}

int lake_grant_revoke(struct lake *lake, const struct lake_grant_spec *g, json_t **removed,
		      struct lake_error *e)
{
	char *inc = compact(g->include), *exc = compact(g->exclude);
	const char *perms[8];
	size_t n = perm_rows(g->perms, perms);
	int64_t filter = (inc || exc || g->rows) ? find_filter(lake, inc, exc, g->rows) : 0;
	int rc = -1;

	*removed = json_array();
	if (may_grant(lake, g, e) < 0 || lake_catalog_begin(lake->catalog, e) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st = (inc || exc || g->rows) && !filter
				       ? NULL
				       : exact_grants(lake, g, perms[i], filter);
		while (st && sqlite3_step(st) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(st, 0);
			char idtext[24];
			snprintf(idtext, sizeof idtext, "%lld", (long long)id);
			const char *args[] = {idtext};
			if (exec_bound(lake, "DELETE FROM grants WHERE id = ?", args, 1,
				       "cannot remove a grant", e) < 0) {
				sqlite3_finalize(st);
				goto rollback;
			}
			json_array_append_new(*removed, spec_json(g, perms[i], id));
		}
		sqlite3_finalize(st);
	}
	if (!json_array_size(*removed)) {
		lake_err(e, LAKE_EX_NOINPUT,
			 "no such grant to revoke (a revoke names exactly what was granted: "
			 "`lake-grant list --principal %s` shows it)",
			 g->principal);
		goto rollback;
	}
	if ((rc = lake_catalog_commit(lake->catalog, e)) == 0)
		audit_change(lake, "revoke", g, "ok");
	goto out;
rollback:
	lake_catalog_rollback(lake->catalog);
out:
	free(inc);
	free(exc);
	return rc;
}

/* ---- listings and checks ---- */

int lake_grant_list(struct lake *lake, const char *principal, const char *table, json_t **out,
		    struct lake_error *e)
{
	char db[LAKE_NAME_MAX + 1] = "", t[LAKE_NAME_MAX + 1] = "";
	sqlite3_stmt *st;

	if (lake_require_admin(lake, "list", e) < 0)
		return -1;
	if (table && !strchr(table, '.'))
		snprintf(db, sizeof db, "%s", table);
	else if (table && lake_name_split(table, db, t, e) < 0)
		return -1;
	if (sqlite3_prepare_v2(
		cat(lake),
		"SELECT g.id, g.principal, g.permission, g.database_name, g.table_name, "
		"g.grant_option, f.include_columns, f.exclude_columns, f.row_filter, g.created, "
		"g.created_by FROM grants g LEFT JOIN data_filters f ON f.id = g.filter_id "
		"WHERE (?1 IS NULL OR g.principal = ?1) AND (?2 = '' OR g.database_name = ?2) "
		"AND (?3 = '' OR g.table_name IS NULL OR g.table_name = ?3) ORDER BY g.id",
		-1, &st, NULL) != SQLITE_OK)
		return fail(lake, "cannot read the grants", e);
	sqlite3_bind_text(st, 1, principal, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t, -1, SQLITE_STATIC);
	*out = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *g = json_pack(
		    "{s:I, s:s, s:s, s:s, s:s?, s:b, s:s, s:s}", "id",
		    (json_int_t)sqlite3_column_int64(st, 0), "principal",
		    sqlite3_column_text(st, 1), "permission", sqlite3_column_text(st, 2),
		    "database", sqlite3_column_text(st, 3), "table", sqlite3_column_text(st, 4),
		    "grant_option", sqlite3_column_int(st, 5), "created",
		    sqlite3_column_text(st, 9), "created_by", sqlite3_column_text(st, 10));
		const char *keys[] = {"columns", "exclude_columns", "rows"};
		for (int k = 0; k < 3; k++) {
			const char *v = (const char *)sqlite3_column_text(st, 6 + k);
			if (v)
				json_object_set_new(
				    g, keys[k], k < 2 ? json_loads(v, 0, NULL) : json_string(v));
		}
		json_array_append_new(*out, g);
	}
	sqlite3_finalize(st);
	return 0;
}

int lake_grant_check(struct lake *lake, const char *principal, unsigned perm, const char *db,
		     const char *table, json_t **out, struct lake_error *e)
{
	struct lake_buf why = LAKE_BUF_INIT, object = LAKE_BUF_INIT;
	struct lake_identity *id;
	char *p;
	int ok;

	if (lake_require_admin(lake, "check", e) < 0 ||
	    lake_principal_normalize(principal, &p, e) < 0)
		return -1;
	id = lake_identity_of(lake, p);
	free(p);
	ok = lake_allowed_for(lake, id, perm, db, table, &why);
	lake_buf_addf(&object, "%s%s%s", db, table ? "." : "", table ? table : "");
	json_t *holds = json_array();
	for (size_t i = 0; i < id->nholds; i++)
		json_array_append_new(holds, json_string(id->holds[i]));
	*out = json_pack("{s:s, s:s, s:s, s:b, s:s, s:o, s:b}", "principal", id->name, "permission",
			 lake_perm_name(perm), "object", object.data, "allowed", ok, "because",
			 why.data ? why.data : "", "holds", holds, "admin", id->admin);
	lake_identity_free(id);
	lake_buf_release(&why);
	lake_buf_release(&object);
	return 0;
}

/* ---- column filters made moot ---- */

/* A SELECT (or ALL) grant on a database or one of its tables. */
struct select_grant {
	int64_t id;
	char *principal, *permission, *table; /* table NULL: the database */
	json_t *include, *exclude;	      /* column lists, or NULL */
	int rows;			      /* it has a row filter */
	struct lake_identity *covers;	      /* its principal's identity, when loaded */
};

static void select_grants_free(struct select_grant *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(g[i].principal);
		free(g[i].permission);
		free(g[i].table);
		json_decref(g[i].include);
		json_decref(g[i].exclude);
		lake_identity_free(g[i].covers);
	}
	free(g);
}

static char *dup_text(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? lake_xstrdup(t) : NULL;
}

static json_t *json_column(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? json_loads(t, 0, NULL) : NULL;
}

static int load_select_grants(struct lake *lake, const char *db, struct select_grant **out,
			      size_t *n, struct lake_error *e)
{
	struct select_grant *g = NULL;
	sqlite3_stmt *st;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(
		cat(lake),
		"SELECT g.id, g.principal, g.permission, g.table_name, f.include_columns, "
		"f.exclude_columns, f.row_filter IS NOT NULL FROM grants g LEFT JOIN "
		"data_filters f ON f.id = g.filter_id WHERE g.database_name = ? AND "
		"g.permission IN ('SELECT', 'ALL') ORDER BY g.id",
		-1, &st, NULL) != SQLITE_OK)
		return fail(lake, "cannot read the grants", e);
	sqlite3_bind_text(st, 1, db, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		g = lake_xrealloc(g, (*n + 1) * sizeof *g);
		g[*n] = (struct select_grant){sqlite3_column_int64(st, 0),
					      dup_text(st, 1),
					      dup_text(st, 2),
					      dup_text(st, 3),
					      json_column(st, 4),
					      json_column(st, 5),
					      sqlite3_column_int(st, 6),
					      NULL};
		(*n)++;
	}
	sqlite3_finalize(st);
	*out = g;
	return 0;
}

static int listed(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) if (json_is_string(v) &&
					strcmp(json_string_value(v), s) == 0) return 1;
	return 0;
}

/* Whether grant g shows column c (at least on some rows). */
static int shows(const struct select_grant *g, const char *c)
{
	return (!g->include || listed(g->include, c)) && (!g->exclude || !listed(g->exclude, c));
}

static int holds(const struct lake_identity *id, const char *p)
{
	for (size_t i = 0; i < id->nholds; i++)
		if (strcmp(id->holds[i], p) == 0)
			return 1;
	return 0;
}

static int involves(json_t *ids, const struct select_grant *a, const struct select_grant *b)
{
	size_t i;
	json_t *v;

	if (!ids)
		return 1;
	json_array_foreach(ids, i, v) if (json_integer_value(v) == a->id ||
					  json_integer_value(v) == b->id) return 1;
	return 0;
}

/* Whether b shows what a hides to the same principal: a's own, or `who` when given. */
static int covers(struct lake *lake, struct select_grant *a, const struct select_grant *b,
		  const struct lake_identity *who)
{
	if (who)
		return holds(who, a->principal) && holds(who, b->principal);
	if (!a->covers)
		a->covers = lake_identity_of(lake, a->principal);
	return holds(a->covers, b->principal);
}

/* The warnings about the grants g[0..n) on db.table, whose columns are cols. */
static void moot_on_table(struct lake *lake, const char *db, const char *table, json_t *cols,
			  struct select_grant *g, size_t n, const struct lake_identity *who,
			  json_t *ids, json_t *warnings)
{
	for (size_t i = 0; i < n; i++) {
		struct select_grant *a = &g[i];
		if ((!a->include && !a->exclude) || (a->table && strcmp(a->table, table) != 0))
			continue;
		for (size_t j = 0; j < n; j++) {
			const struct select_grant *b = &g[j];
			struct lake_buf moot = LAKE_BUF_INIT;
			size_t k;
			json_t *c;
			if (j == i || b->rows || (b->table && strcmp(b->table, table) != 0) ||
			    !involves(ids, a, b) || !covers(lake, a, b, who))
				continue;
			json_array_foreach(cols, k, c)
			{
				const char *name = json_string_value(c);
				if (name && !shows(a, name) && shows(b, name))
					lake_buf_addf(&moot, "%s'%s'", moot.len ? ", " : "", name);
			}
			if (moot.len)
				json_array_append_new(
				    warnings,
				    json_sprintf(
					"%s.%s: grant %lld (%s on %s%s%s to %s) shows %s on "
					"every row to %s, which grant %lld's column filter "
					"hides from it",
					db, table, (long long)b->id, b->permission, db,
					b->table ? "." : "", b->table ? b->table : "", b->principal,
					moot.data, who ? who->name : a->principal,
					(long long)a->id));
			lake_buf_release(&moot);
		}
	}
}

int lake_grant_moot_filters(struct lake *lake, const char *principal, const char *db,
			    const char *table, json_t *ids, json_t *warnings, struct lake_error *e)
{
	struct lake_identity *who = NULL;
	struct select_grant *g;
	sqlite3_stmt *st;
	size_t n;
	char *p = NULL;

	/* They tell of others' grants, which are the administrators' to list. */
	if (!lake_identity(lake)->admin)
		return 0;
	if (principal) {
		if (lake_principal_normalize(principal, &p, e) < 0)
			return -1;
		who = lake_identity_of(lake, p);
		free(p);
	}
	if (load_select_grants(lake, db, &g, &n, e) < 0) {
		lake_identity_free(who);
		return -1;
	}
	if (sqlite3_prepare_v2(cat(lake),
			       "SELECT t.name FROM tables t JOIN databases d ON d.id = "
			       "t.database_id WHERE d.name = ?1 AND (?2 IS NULL OR t.name = ?2)",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, db, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
		while (n && sqlite3_step(st) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(st, 0);
			struct lake_error ignored = {0};
			json_t *cols = NULL;
			if (table_columns(lake, db, t, &cols, &ignored) == 0)
				moot_on_table(lake, db, t, cols, g, n, who, ids, warnings);
			json_decref(cols);
		}
		sqlite3_finalize(st);
	}
	select_grants_free(g, n);
	lake_identity_free(who);
	return 0;
}

/* ---- groups and administrators ---- */

static int ensure_principal(struct lake *lake, const char *name, struct lake_error *e)
{
	char now[40];
	const char *args[2] = {name, now};

	lake_time_format_timestamp(lake_time_now(), now);
	return exec_bound(lake, "INSERT OR IGNORE INTO principals(name, created) VALUES (?, ?)",
			  args, 2, "cannot record a principal", e);
}

int lake_group_create(struct lake *lake, const char *group, struct lake_error *e)
{
	struct lake_buf p = LAKE_BUF_INIT;
	int rc;

	if (lake_require_admin(lake, "group create", e) < 0 ||
	    lake_name_check("group", group, e) < 0)
		return -1;
	lake_buf_addf(&p, "group:%s", group);
	if (group_exists(lake, p.data))
		rc = lake_err(e, LAKE_EX_CANTCREAT, "group %s exists already", group);
	else
		rc = ensure_principal(lake, p.data, e);
	lake_buf_release(&p);
	return rc;
}

int lake_group_member(struct lake *lake, const char *group, const char *member, int add,
		      struct lake_error *e)
{
	struct lake_buf p = LAKE_BUF_INIT;
	char *m = NULL;
	int rc = -1;

	if (lake_require_admin(lake, add ? "group add" : "group remove", e) < 0 ||
	    lake_principal_normalize(member, &m, e) < 0)
		goto out;
	lake_buf_addf(&p, "group:%s", group);
	if (!group_exists(lake, p.data)) {
		rc = lake_err(e, LAKE_EX_NOINPUT,
			      "no group %s (`lake-grant group create %s` makes it)", group, group);
		goto out;
	}
	const char *args[] = {group, m};
	rc =
	    exec_bound(lake,
		       add ? "INSERT OR IGNORE INTO group_members(group_name, member) VALUES (?, ?)"
			   : "DELETE FROM group_members WHERE group_name = ? AND member = ?",
		       args, 2, "cannot change a group", e);
out:
	lake_buf_release(&p);
	free(m);
	return rc;
}

int lake_group_list(struct lake *lake, json_t **out, struct lake_error *e)
{
	sqlite3_stmt *st;

	if (lake_require_admin(lake, "group list", e) < 0)
		return -1;
	if (sqlite3_prepare_v2(cat(lake),
			       "SELECT substr(p.name, 7), (SELECT json_group_array(member) FROM "
			       "group_members m WHERE m.group_name = substr(p.name, 7)) FROM "
			       "principals p WHERE p.name LIKE 'group:%' ORDER BY 1",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(lake, "cannot read the groups", e);
	*out = json_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(
		    *out, json_pack("{s:s, s:o}", "group", sqlite3_column_text(st, 0), "members",
				    json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL)));
	sqlite3_finalize(st);
	return 0;
}

int lake_admin_set(struct lake *lake, const char *principal, int admin, struct lake_error *e)
{
	char *p = NULL;
	int rc = -1;

	if (lake_require_admin(lake, admin ? "admin add" : "admin remove", e) < 0 ||
	    lake_principal_normalize(principal, &p, e) < 0 || principal_exists(lake, p, e) < 0)
		goto out;
	const char *args[] = {p};
	if (ensure_principal(lake, p, e) == 0)
		rc = exec_bound(lake,
				admin ? "UPDATE principals SET is_admin = 1 WHERE name = ?"
				      : "UPDATE principals SET is_admin = 0 WHERE name = ?",
				args, 1, "cannot change an administrator", e);
out:
	free(p);
	return rc;
}
