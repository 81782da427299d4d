/*
 * grant.h - who may do what to which table (SPEC §6): principals, lake
 * groups, administrators, grants with row and column filters.
 *
 * The acting principal is user:NAME, NAME the login name of the real
 * user id; it also holds `public`, unixgroup:G for each of its Unix
 * groups, and group:L for each lake group that has it (or one of those
 * unixgroups) as a member.  Administrators are root, the lake's owner
 * (lake.json) and the principals made admins with `lake-grant admin add`;
 * they may do everything, and act as another principal (--as) to try its
 * grants.
 *
 * A grant gives permissions on a database (every table in it, present
 * and future) or one table.  SELECT grants may carry a data filter:
 * columns included or excluded, and a row predicate.  A principal's
 * grants combine as a union: a row is visible when any SELECT grant's
 * predicate holds for it, and a column's value is visible on a row when a
 * grant that includes the column holds for that row (NULL otherwise); a
 * column no grant includes does not exist for it.
 */
#ifndef LAKE_GRANT_H
#define LAKE_GRANT_H

#include <stddef.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"
#include "store/lake.h"

enum {
	LAKE_PERM_SELECT = 1,
	LAKE_PERM_INSERT = 2,
	LAKE_PERM_ALTER = 4,
	LAKE_PERM_DROP = 8,
	LAKE_PERM_CREATE_TABLE = 16,
	LAKE_PERM_DESCRIBE = 32,
	LAKE_PERM_ALL = 63,
};

/* "SELECT,INSERT" or "ALL" (any case) into a mask; LAKE_EX_USAGE naming the bad word. */
int lake_perms_parse(const char *list, unsigned *mask, struct lake_error *e);
/* The name of one permission bit ("SELECT"), or "ALL" for the full mask. */
const char *lake_perm_name(unsigned perm);

struct lake_identity {
	char *name; /* "user:NAME" */
	int admin;
	char **holds; /* name, public, unixgroup:*, group:* */
	size_t nholds;
};

/* Who is acting (computed once per lake handle). */
const struct lake_identity *lake_identity(struct lake *lake);
/* The identity of any principal (normalized), as lake-grant check judges it. */
struct lake_identity *lake_identity_of(struct lake *lake, const char *principal);
void lake_identity_free(struct lake_identity *id);

/* Act as principal `name` ("user:bob" or "bob"): administrators only, else LAKE_EX_NOPERM. */
int lake_act_as(struct lake *lake, const char *name, struct lake_error *e);

/*
 * Whether the acting principal holds perm on db (table NULL: the
 * database itself) or db.table; `why` (may be NULL) gets which grant
 * allows it, or why not.  DESCRIBE is held with any permission on the
 * table.
 */
int lake_allowed(struct lake *lake, unsigned perm, const char *db, const char *table,
		 struct lake_buf *why);
int lake_allowed_for(struct lake *lake, const struct lake_identity *id, unsigned perm,
		     const char *db, const char *table, struct lake_buf *why);

/* Administrators only: else LAKE_EX_NOPERM saying `what` is theirs, the denial audited. */
int lake_require_admin(struct lake *lake, const char *what, struct lake_error *e);

/*
 * lake_allowed, or LAKE_EX_NOPERM naming the permission and object, the
 * denial audited.
 */
int lake_require(struct lake *lake, unsigned perm, const char *db, const char *table,
		 struct lake_error *e);

/* Whether any grant shows db.table (or db, table NULL) to the acting principal. */
int lake_may_see(struct lake *lake, const char *db, const char *table);
/* Whether any grant on db or one of its tables shows db to the acting principal. */
int lake_may_see_database(struct lake *lake, const char *db);
/* Whether an unfiltered SELECT grant (or being an administrator) opens every row and column. */
int lake_may_read_all(struct lake *lake, const char *db, const char *table);
/* Whether the table's details may be shown (see lake_require_describe). */
int lake_may_describe(struct lake *lake, const char *db, const char *table);
/*
 * The table's details (every column, row counts, partitions, files, its
 * history) need a grant other than a filtered SELECT: else LAKE_EX_NOPERM.
 */
int lake_require_describe(struct lake *lake, const char *db, const char *table,
			  struct lake_error *e);

/*
 * A name the acting principal may not see is, for it, no name at all:
 * these fail with LAKE_EX_NOINPUT ("no table 'db.t'") exactly as for a
 * name that does not exist, the "did you mean" suggestion taken only
 * among the tables (databases) it may see.
 */
int lake_table_not_found(struct lake *lake, const char *qualified, struct lake_error *e);
int lake_database_not_found(struct lake *lake, const char *db, struct lake_error *e);

/*
 * How the acting principal may read db.table, whose columns (partition
 * keys included) are `columns`, each {"name": its catalog name, "sql":
 * the name the table declares it by} (or just the name, when the two
 * agree): *visible is 0 when it may not even see
 * the table.  With SELECT, *select_sql is NULL when every row and column
 * is readable, else the text "SELECT <columns> FROM <base> WHERE <rows>"
 * with <base> standing for the table (the caller substitutes the name),
 * giving exactly the visible columns and rows.  *describe tells whether
 * its catalog details (row counts, partitions, files) may be shown.
 */
struct lake_read_access {
	int visible;
	int select;
	int describe;
	char *select_sql; /* malloc'd; NULL: unrestricted */
	json_t *columns;  /* the visible columns' catalog names */
};
int lake_read_access(struct lake *lake, const char *db, const char *table, json_t *columns,
		     struct lake_read_access *a, struct lake_error *e);
void lake_read_access_release(struct lake_read_access *a);

/*
 * Placeholders in select_sql: the table, and the condition by which the
 * table admits only this view's reads (query.c puts in a secret only the
 * view's text holds, which the principal cannot read).
 */
#define LAKE_GRANT_BASE "\001base\001"
#define LAKE_GRANT_GUARD "\002guard\002"

/* ---- lake-grant's verbs ---- */

struct lake_grant_spec {
	unsigned perms;
	const char *db;
	const char *table;     /* NULL: the database */
	const char *principal; /* normalized: user:x, group:x, unixgroup:x, public */
	json_t *include;       /* array of column names, or NULL */
	json_t *exclude;
	const char *rows; /* SQL predicate, or NULL */
	int grant_option;
};

/* "bob" -> "user:bob"; checks the form of the others. */
int lake_principal_normalize(const char *in, char **out, struct lake_error *e);

int lake_grant_add(struct lake *lake, const struct lake_grant_spec *g, json_t **added,
		   struct lake_error *e);
/* The exact inverse of a grant: the same permissions, object, principal and filter. */
int lake_grant_revoke(struct lake *lake, const struct lake_grant_spec *g, json_t **removed,
		      struct lake_error *e);
int lake_grant_list(struct lake *lake, const char *principal, const char *table, json_t **out,
		    struct lake_error *e);
/* Whether `principal` may do perm on db.table, and which grant says so (or why not). */
int lake_grant_check(struct lake *lake, const char *principal, unsigned perm, const char *db,
		     const char *table, json_t **out, struct lake_error *e);

/*
 * Column filters made moot on db.table (every table of db when table is
 * NULL): a filtered SELECT grant hides a column from its principal while
 * another grant covering that principal, without a row filter, shows the
 * column on every row.  One message per such pair is appended to
 * `warnings` (an array).  With `principal`, only pairs of grants that
 * both cover it; with `ids` (an array of grant ids), only pairs with one
 * of them.  Nothing for a principal that is not an administrator: the
 * warnings tell of others' grants.
 */
int lake_grant_moot_filters(struct lake *lake, const char *principal, const char *db,
			    const char *table, json_t *ids, json_t *warnings, struct lake_error *e);

int lake_group_create(struct lake *lake, const char *group, struct lake_error *e);
int lake_group_member(struct lake *lake, const char *group, const char *member, int add,
		      struct lake_error *e);
int lake_group_list(struct lake *lake, json_t **out, struct lake_error *e);
int lake_admin_set(struct lake *lake, const char *principal, int admin, struct lake_error *e);

#endif
