/* grant.c - principals, grants and data filters: see grant.h. */
#include "govern/grant.h"

#include <ctype.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "govern/audit.h"
#include "store/suggest.h"
#include "base/ltime.h"
#include "base/names.h"

static const char *const perm_names[] = {"SELECT", "INSERT",	   "ALTER",
					 "DROP",   "CREATE_TABLE", "DESCRIBE"};
#define NPERMS (sizeof perm_names / sizeof perm_names[0])

const char *lake_perm_name(unsigned perm)
{
	if (perm == LAKE_PERM_ALL)
		return "ALL";
	for (size_t i = 0; i < NPERMS; i++)
		if (perm == 1u << i)
			return perm_names[i];
	return "?";
}

static int perm_word(const char *w, size_t n, unsigned *mask)
{
	if (n == 3 && strncasecmp(w, "ALL", 3) == 0) {
		*mask |= LAKE_PERM_ALL;
		return 0;
	}
	for (size_t i = 0; i < NPERMS; i++)
		if (strlen(perm_names[i]) == n && strncasecmp(w, perm_names[i], n) == 0) {
			*mask |= 1u << i;
			return 0;
		}
	return -1;
}

int lake_perms_parse(const char *list, unsigned *mask, struct lake_error *e)
{
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t n = strcspn(p, ", ");
		if (n && perm_word(p, n, mask) < 0)
			return lake_err(e, LAKE_EX_USAGE,
					"'%.*s' is not a permission: use SELECT, INSERT, ALTER, "
					"DROP, CREATE_TABLE, DESCRIBE or ALL",
					(int)n, p);
		p += n;
		p += strspn(p, ", ");
	}
	if (!*mask)
		return lake_err(e, LAKE_EX_USAGE, "no permission given");
	return 0;
}

/* ---- who is acting ---- */

static sqlite3 *cat(struct lake *lake)
{
	return lake_catalog_db(lake->catalog);
}

static void hold(struct lake_identity *id, const char *p)
{
	for (size_t i = 0; i < id->nholds; i++)
		if (strcmp(id->holds[i], p) == 0)
			return;
	id->holds = lake_xrealloc(id->holds, (id->nholds + 1) * sizeof *id->holds);
	id->holds[id->nholds++] = lake_xstrdup(p);
}

static void hold_unix_groups(struct lake_identity *id, const char *login)
{
	struct passwd *pw = getpwnam(login);
	gid_t groups[256];
	int n = 256;

	if (!pw || getgrouplist(login, pw->pw_gid, groups, &n) < 0)
		return;
	for (int i = 0; i < n; i++) {
		struct group *g = getgrgid(groups[i]);
		struct lake_buf p = LAKE_BUF_INIT;
		if (!g)
			continue;
		lake_buf_addf(&p, "unixgroup:%s", g->gr_name);
		hold(id, p.data);
		lake_buf_release(&p);
	}
}

/* The lake groups that have any held principal as a member (one level: groups hold principals). */
static void hold_lake_groups(struct lake *lake, struct lake_identity *id)
{
	sqlite3_stmt *st;
	size_t n = id->nholds;

	if (sqlite3_prepare_v2(cat(lake), "SELECT group_name FROM group_members WHERE member = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_text(st, 1, id->holds[i], -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct lake_buf p = LAKE_BUF_INIT;
			lake_buf_addf(&p, "group:%s", (const char *)sqlite3_column_text(st, 0));
			hold(id, p.data);
			lake_buf_release(&p);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

static int made_admin(struct lake *lake, const struct lake_identity *id)
{
	sqlite3_stmt *st;
	int admin = 0;

	if (sqlite3_prepare_v2(cat(lake), "SELECT 1 FROM principals WHERE name = ? AND is_admin",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	for (size_t i = 0; i < id->nholds && !admin; i++) {
		sqlite3_bind_text(st, 1, id->holds[i], -1, SQLITE_TRANSIENT);
		admin = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return admin;
}

/* The identity of login (the caller itself when self: then root counts). */
static struct lake_identity *identity_of(struct lake *lake, const char *login, int self)
{
	struct lake_identity *id = lake_xcalloc(1, sizeof *id);
	struct lake_buf name = LAKE_BUF_INIT;

	lake_buf_addf(&name, "user:%s", login);
	id->name = lake_buf_detach(&name);
	hold(id, id->name);
	hold(id, "public");
	hold_unix_groups(id, login);
	hold_lake_groups(lake, id);
	id->admin = (self && getuid() == 0) || (lake->owner && strcmp(lake->owner, login) == 0) ||
		    made_admin(lake, id);
	return id;
}

struct lake_identity *lake_identity_of(struct lake *lake, const char *principal)
{
	struct lake_identity *id;

	if (strncmp(principal, "user:", 5) == 0)
		return identity_of(lake, principal + 5, 0);
	id = lake_xcalloc(1, sizeof *id);
	id->name = lake_xstrdup(principal);
	hold(id, id->name);
	hold(id, "public");
	hold_lake_groups(lake, id);
	id->admin = made_admin(lake, id);
	return id;
}

const struct lake_identity *lake_identity(struct lake *lake)
{
	if (!lake->identity) {
		lake->identity = identity_of(lake, lake->principal, 1);
		lake->identity_release = lake_identity_free;
	}
	return lake->identity;
}

void lake_identity_free(struct lake_identity *id)
{
	if (!id)
		return;
	for (size_t i = 0; i < id->nholds; i++)
		free(id->holds[i]);
	free(id->holds);
	free(id->name);
	free(id);
}

int lake_principal_normalize(const char *in, char **out, struct lake_error *e)
{
	static const char *const kinds[] = {"user:", "group:", "unixgroup:"};
	struct lake_buf b = LAKE_BUF_INIT;

	*out = NULL;
	if (strcmp(in, "public") == 0) {
		*out = lake_xstrdup(in);
		return 0;
	}
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(kinds[i]);
		if (strncmp(in, kinds[i], n) != 0)
			continue;
		const char *rest = in + n;
		/* uid:N is the name of a user without a login name (lake_current_principal). */
		int uid_name = strncmp(rest, "uid:", 4) == 0 && rest[4] &&
			       strspn(rest + 4, "0123456789") == strlen(rest + 4);
		if (!*rest || strlen(rest) > 64 || (!uid_name && strpbrk(rest, ": \t\n'\"")))
			break;
		*out = lake_xstrdup(in);
		return 0;
	}
	if (!strchr(in, ':') && *in && strlen(in) <= 64 && !strpbrk(in, " \t\n'\"")) {
		lake_buf_addf(&b, "user:%s", in);
		*out = lake_buf_detach(&b);
		return 0;
	}
	return lake_err(e, LAKE_EX_USAGE,
			"'%s' is not a principal: use user:NAME, group:NAME, unixgroup:NAME or "
			"public",
			in);
}

int lake_act_as(struct lake *lake, const char *name, struct lake_error *e)
{
	const struct lake_identity *me = lake_identity(lake);
	char *p;

	if (!me->admin) {
		lake_audit_denied(lake, "act-as", name);
		return lake_err(e, LAKE_EX_NOPERM,
				"--as: only administrators may act as another principal (%s is "
				"not one)",
				me->name);
	}
	if (lake_principal_normalize(name, &p, e) < 0)
		return -1;
	if (strncmp(p, "user:", 5) != 0) {
		free(p);
		return lake_err(e, LAKE_EX_USAGE, "--as takes a user (user:NAME or NAME), not '%s'",
				name);
	}
	lake_identity_free(lake->identity);
	lake->identity = identity_of(lake, p + 5, 0);
	lake->identity_release = lake_identity_free;
	free(lake->acting);
	lake->acting = p;
	return 0;
}

/* ---- matching grants ---- */

/* The grants of perm (or ALL; any for DESCRIBE) to held principals on db or db.table. */
static sqlite3_stmt *matching_grants(struct lake *lake, const struct lake_identity *id,
				     unsigned perm, const char *db, const char *table)
{
	struct lake_buf holds = LAKE_BUF_INIT;
	sqlite3_stmt *st = NULL;
	json_t *a = json_array();

	for (size_t i = 0; i < id->nholds; i++)
		json_array_append_new(a, json_string(id->holds[i]));
	char *text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (sqlite3_prepare_v2(
		cat(lake),
		"SELECT g.id, g.principal, g.permission, g.database_name, g.table_name, "
		"g.grant_option, f.include_columns, f.exclude_columns, f.row_filter, "
		"g.filter_id IS NOT NULL FROM grants g LEFT JOIN data_filters f ON f.id = "
		"g.filter_id WHERE g.principal IN (SELECT value FROM json_each(?1)) AND "
		"g.database_name = ?2 AND (g.table_name IS NULL OR g.table_name = ?3) AND "
		"(?4 = 'DESCRIBE' OR g.permission IN (?4, 'ALL')) ORDER BY g.filter_id IS NOT "
		"NULL, g.id",
		-1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, db, -1, SQLITE_TRANSIENT);
		if (table)
			sqlite3_bind_text(st, 3, table, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 3);
		sqlite3_bind_text(st, 4, lake_perm_name(perm), -1, SQLITE_STATIC);
	}
	free(text);
	lake_buf_release(&holds);
	return st;
}

static void describe_grant(sqlite3_stmt *st, struct lake_buf *why)
{
	const char *table = (const char *)sqlite3_column_text(st, 4);

	lake_buf_addf(why, "grant %lld: %s on %s%s%s to %s", (long long)sqlite3_column_int64(st, 0),
		      sqlite3_column_text(st, 2), sqlite3_column_text(st, 3), table ? "." : "",
		      table ? table : "", sqlite3_column_text(st, 1));
	if (sqlite3_column_int(st, 9))
		lake_buf_addstr(why, " (with a data filter)");
}

int lake_allowed_for(struct lake *lake, const struct lake_identity *id, unsigned perm,
		     const char *db, const char *table, struct lake_buf *why)
{
	sqlite3_stmt *st;
	int ok;

	if (id->admin) {
		if (why)
			lake_buf_addf(why, "%s is an administrator", id->name);
		return 1;
	}
	if (!(st = matching_grants(lake, id, perm, db, table)))
		return 0;
	ok = sqlite3_step(st) == SQLITE_ROW;
	if (why && ok)
		describe_grant(st, why);
	else if (why)
		lake_buf_addf(
		    why, "no grant of %s on %s%s%s (or its database) to %s or any group it is in",
		    lake_perm_name(perm), db, table ? "." : "", table ? table : "", id->name);
	sqlite3_finalize(st);
	return ok;
}

int lake_allowed(struct lake *lake, unsigned perm, const char *db, const char *table,
		 struct lake_buf *why)
{
	return lake_allowed_for(lake, lake_identity(lake), perm, db, table, why);
}

int lake_require_admin(struct lake *lake, const char *what, struct lake_error *e)
{
	const struct lake_identity *id = lake_identity(lake);

	if (id->admin)
		return 0;
	lake_audit_denied(lake, what, NULL);
	return lake_err(e, LAKE_EX_NOPERM,
			"permission denied: %s is for administrators (%s is not one; the lake's "
			"owner, root and those of `lake-grant admin add` are)",
			what, id->name);
}

int lake_require(struct lake *lake, unsigned perm, const char *db, const char *table,
		 struct lake_error *e)
{
	struct lake_buf object = LAKE_BUF_INIT;
	int rc = 0;

	if (lake_allowed(lake, perm, db, table, NULL))
		return 0;
	lake_buf_addf(&object, "%s%s%s", db, table ? "." : "", table ? table : "");
	lake_audit_denied(lake, lake_perm_name(perm), object.data);
	rc = lake_err(e, LAKE_EX_NOPERM,
		      "permission denied: %s on %s for %s (`lake-grant check %s %s %s` says why)",
		      lake_perm_name(perm), object.data, lake_identity(lake)->name,
		      lake_identity(lake)->name, lake_perm_name(perm), object.data);
	lake_buf_release(&object);
	return rc;
}

/*
 * 2 when a grant other than a filtered SELECT covers the table (its
 * details may be shown: row counts, partitions, every column), else
 * *visible tells whether any grant does.
 */
static int describe_level(struct lake *lake, const struct lake_identity *id, const char *db,
			  const char *table, int *visible)
{
	sqlite3_stmt *st;
	int describe = 0;

	*visible = id->admin;
	if (id->admin)
		return 1;
	st = matching_grants(lake, id, LAKE_PERM_DESCRIBE, db, table);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		*visible = 1;
		if (strcmp((const char *)sqlite3_column_text(st, 2), "SELECT") != 0 ||
		    !sqlite3_column_int(st, 9))
			describe = 1;
	}
	sqlite3_finalize(st);
	return describe;
}

int lake_may_see_database(struct lake *lake, const char *db)
{
	const struct lake_identity *id = lake_identity(lake);
	sqlite3_stmt *st;
	int found = 0;

	if (id->admin)
		return 1;
	if (sqlite3_prepare_v2(cat(lake),
			       "SELECT 1 FROM grants WHERE principal = ? AND database_name = ?", -1,
			       &st, NULL) != SQLITE_OK)
		return 0;
	for (size_t i = 0; i < id->nholds && !found; i++) {
		sqlite3_bind_text(st, 1, id->holds[i], -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, db, -1, SQLITE_TRANSIENT);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return found;
}

/* The principals the acting one holds, as JSON text for json_each; malloc'd. */
static char *holds_json(const struct lake_identity *id)
{
	json_t *a = json_array();
	char *text;

	for (size_t i = 0; i < id->nholds; i++)
		json_array_append_new(a, json_string(id->holds[i]));
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

/*
 * Fail as lake_suggest_not_found does, suggesting among the names `sql`
 * lists that a grant to one of the acting principal's holds covers (all
 * of them for an administrator).  `sql` selects the name, then the
 * database and the table (NULL for a database) each name belongs to.
 */
static int not_found_among_visible(struct lake *lake, const char *what, const char *name,
				   const char *sql, struct lake_error *e)
{
	const struct lake_identity *id = lake_identity(lake);
	char *holds, *visible;
	int rc;

	if (id->admin)
		return lake_suggest_not_found(lake, what, name, sql, e);
	holds = holds_json(id);
	visible = sqlite3_mprintf(
	    "WITH v(n, db, tb) AS (%s) SELECT n FROM v WHERE EXISTS (SELECT 1 FROM grants g WHERE "
	    "g.principal IN (SELECT value FROM json_each(%Q)) AND g.database_name = v.db AND "
	    "(v.tb IS NULL OR g.table_name IS NULL OR g.table_name = v.tb))",
	    sql, holds);
	rc = lake_suggest_not_found(lake, what, name, visible, e);
	sqlite3_free(visible);
	free(holds);
	return rc;
}

int lake_table_not_found(struct lake *lake, const char *qualified, struct lake_error *e)
{
	return not_found_among_visible(lake, "table", qualified,
				       "SELECT d.name || '.' || t.name, d.name, t.name FROM tables "
				       "t JOIN databases d ON d.id = t.database_id",
				       e);
}

int lake_database_not_found(struct lake *lake, const char *db, struct lake_error *e)
{
	return not_found_among_visible(lake, "database", db,
				       "SELECT name, name, NULL FROM databases", e);
}

int lake_may_describe(struct lake *lake, const char *db, const char *table)
{
	int visible;

	return describe_level(lake, lake_identity(lake), db, table, &visible);
}

int lake_may_read_all(struct lake *lake, const char *db, const char *table)
{
	const struct lake_identity *id = lake_identity(lake);
	sqlite3_stmt *st;
	int all = 0;

	if (id->admin)
		return 1;
	st = matching_grants(lake, id, LAKE_PERM_SELECT, db, table);
	while (st && !all && sqlite3_step(st) == SQLITE_ROW)
		all = !sqlite3_column_int(st, 9);
	sqlite3_finalize(st);
	return all;
}

int lake_may_see(struct lake *lake, const char *db, const char *table)
{
	int visible;

	describe_level(lake, lake_identity(lake), db, table, &visible);
	return visible;
}

int lake_require_describe(struct lake *lake, const char *db, const char *table,
			  struct lake_error *e)
{
	int visible;
	struct lake_buf object = LAKE_BUF_INIT;

	if (describe_level(lake, lake_identity(lake), db, table, &visible))
		return 0;
	lake_buf_addf(&object, "%s%s%s", db, table ? "." : "", table ? table : "");
	lake_audit_denied(lake, "DESCRIBE", object.data);
	lake_err(e, LAKE_EX_NOPERM, "permission denied: DESCRIBE on %s for %s%s", object.data,
		 lake_identity(lake)->name,
		 visible ? " (its SELECT grant is filtered: lake.columns in lake-query shows what "
			   "it may see)"
			 : "");
	lake_buf_release(&object);
	return -1;
}

/* ---- reading through filters ---- */

struct filter {
	json_t *cols; /* the columns this grant shows */
	char *rows;   /* its predicate, or NULL for every row */
};

static json_t *json_text_array(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	return t ? json_loads(t, 0, NULL) : NULL;
}

static int in_array(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) if (json_is_string(v) &&
					strcmp(json_string_value(v), s) == 0) return 1;
	return 0;
}

/* A column of lake_read_access's list: its name in the catalog, which grants name. */
static const char *col_name(json_t *c)
{
	return json_is_string(c) ? json_string_value(c)
				 : json_string_value(json_object_get(c, "name"));
}

/* The column's name in SQL, as the table declares it (case twins get _2...). */
static const char *col_sql(json_t *c)
{
	const char *sql = json_string_value(json_object_get(c, "sql"));

	return sql ? sql : col_name(c);
}

/* The columns (catalog names) a grant shows: its include list, or all but its exclude list. */
static json_t *grant_columns(json_t *columns, json_t *include, json_t *exclude)
{
	json_t *out = json_array();
	size_t i;
	json_t *c;

	json_array_foreach(columns, i, c)
	{
		const char *name = col_name(c);
		if ((include && !in_array(include, name)) || (exclude && in_array(exclude, name)))
			continue;
		json_array_append_new(out, json_string(name));
	}
	return out;
}

static void add_ident(struct lake_buf *b, const char *name)
{
	lake_buf_addc(b, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			lake_buf_addc(b, '"');
		lake_buf_addc(b, *p);
	}
	lake_buf_addc(b, '"');
}

/*
 * One visible column: plain when every grant shows it, else only on the
 * rows of those that do.  Named as the table declares it, never by its
 * catalog name: of columns "ssn" and "SSN" (declared ssn and SSN_2), the
 * name "SSN" would resolve to the other, hidden one.
 */
static void add_column(struct lake_buf *sql, json_t *c, const struct filter *f, size_t n)
{
	const char *name = col_name(c), *ident = col_sql(c);
	size_t shown = 0;

	for (size_t i = 0; i < n; i++)
		shown += in_array(f[i].cols, name);
	if (shown == n) {
		add_ident(sql, ident);
		return;
	}
	lake_buf_addstr(sql, "CASE WHEN ");
	for (size_t i = 0, k = 0; i < n; i++) {
		if (!in_array(f[i].cols, name))
			continue;
		lake_buf_addf(sql, "%s(%s)", k++ ? " OR " : "", f[i].rows ? f[i].rows : "1");
	}
	lake_buf_addstr(sql, " THEN ");
	add_ident(sql, ident);
	lake_buf_addstr(sql, " END AS ");
	add_ident(sql, ident);
}

/*
 * The filtered read.  LIMIT -1 OFFSET 0 keeps SQLite from flattening
 * the query into the user's or pushing the user's predicates into it, so
 * the row filter is applied first, before any predicate of the user.
 */
static char *filtered_select(json_t *columns, const struct filter *f, size_t n, json_t *visible)
{
	struct lake_buf sql = LAKE_BUF_INIT;
	size_t i, k = 0;
	json_t *c;

	lake_buf_addstr(&sql, "SELECT ");
	json_array_foreach(columns, i, c)
	{
		const char *name = col_name(c);
		size_t j;
		for (j = 0; j < n && !in_array(f[j].cols, name); j++)
			;
		if (j == n)
			continue;
		if (k++)
			lake_buf_addstr(&sql, ", ");
		add_column(&sql, c, f, n);
		json_array_append_new(visible, json_string(name));
	}
	if (!k)
		lake_buf_addstr(&sql, "NULL AS \"(no columns granted)\"");
	lake_buf_addstr(&sql, " FROM " LAKE_GRANT_BASE " WHERE " LAKE_GRANT_GUARD " AND (");
	for (i = 0; i < n; i++)
		lake_buf_addf(&sql, "%s(%s)", i ? " OR " : "", f[i].rows ? f[i].rows : "1");
	lake_buf_addstr(&sql, ") LIMIT -1 OFFSET 0");
	return lake_buf_detach(&sql);
}

/* Every column's catalog name, into out. */
static void all_names(json_t *out, json_t *columns)
{
	size_t i;
	json_t *c;

	json_array_foreach(columns, i, c) json_array_append_new(out, json_string(col_name(c)));
}

int lake_read_access(struct lake *lake, const char *db, const char *table, json_t *columns,
		     struct lake_read_access *a, struct lake_error *e)
{
	const struct lake_identity *id = lake_identity(lake);
	struct filter *f = NULL;
	size_t n = 0;
	sqlite3_stmt *st;
	int full = 0;

	(void)e;
	memset(a, 0, sizeof *a);
	a->columns = json_array();
	if (id->admin) {
		a->visible = a->select = a->describe = 1;
		all_names(a->columns, columns);
		return 0;
	}
	a->describe = describe_level(lake, id, db, table, &a->visible);
	if (!(st = matching_grants(lake, id, LAKE_PERM_SELECT, db, table)))
		return 0;
	while (!full && sqlite3_step(st) == SQLITE_ROW) {
		if (!sqlite3_column_int(st, 9)) {
			full = 1;
			break;
		}
		json_t *inc = json_text_array(st, 6), *exc = json_text_array(st, 7);
		const char *rows = (const char *)sqlite3_column_text(st, 8);
		f = lake_xrealloc(f, (n + 1) * sizeof *f);
		f[n].cols = grant_columns(columns, inc, exc);
		f[n].rows = rows ? lake_xstrdup(rows) : NULL;
		n++;
		json_decref(inc);
		json_decref(exc);
	}
	sqlite3_finalize(st);
	a->select = full || n;
	if (full)
		all_names(a->columns, columns);
	else if (n)
		a->select_sql = filtered_select(columns, f, n, a->columns);
	else if (a->visible)
		all_names(a->columns, columns);
	for (size_t i = 0; i < n; i++) {
		json_decref(f[i].cols);
		free(f[i].rows);
	}
	free(f);
	return 0;
}

void lake_read_access_release(struct lake_read_access *a)
{
	free(a->select_sql);
	json_decref(a->columns);
	memset(a, 0, sizeof *a);
}
