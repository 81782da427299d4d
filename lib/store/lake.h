/*
 * lake.h - a lake directory: finding it, creating it, opening it.
 *
 * A lake is a directory holding lake.json, catalog.db and the folders
 * data/, quarantine/, audit/ and tmp/ (SPEC §3).  Programs find it from
 * --lake DIR, else $LAKE_DIR, else the nearest directory at or above the
 * working directory that holds lake.json.
 *
 *	struct lake *lake;
 *	if (lake_open(opt_lake, &lake, &err) < 0)
 *		return cli_fail(&err);
 *	... lake->catalog, lake_path(lake, &buf, "data/%s", db) ...
 *	lake_close(lake);
 */
#ifndef LAKE_LAKE_H
#define LAKE_LAKE_H

#include "base/buf.h"
#include "store/catalog.h"
#include "base/error.h"

#define LAKE_FORMAT 1

struct lake {
	char *dir;	 /* absolute path of the lake directory */
	char *tmpdir;	 /* dir/tmp, where every file is written before it is renamed into place */
	char *principal; /* who is acting: the login name of the real user id */
	char *owner;	 /* lake.json's owner: an administrator */
	struct lake_catalog *catalog;
	/*
	 * Who acts (grant.h computes it when first needed): the store holds
	 * it for the layers above and frees it with their release function,
	 * so that it never includes from them.
	 */
	struct lake_identity *identity;
	void (*identity_release)(struct lake_identity *);
	char *acting; /* "user:NAME" acting by --as, or NULL: the real user (audit.h) */
	/*
	 * The SQL being run (a query's text, a job's SQL), recorded with the
	 * audit events of the denials it meets; not owned, NULL when none.
	 */
	const char *sql;
};

/* Resolve which directory is the lake, without opening it; *dir is malloc'd and absolute. */
int lake_find(const char *opt_dir, char **dir, struct lake_error *e);

/* Create a new lake in dir (created if missing, must not already be a lake). */
int lake_init(const char *dir, struct lake_error *e);

/*
 * The hardening mode (lake-grant(1)): give a new lake to service group
 * `group` (a name or a number): every directory 2770, every file 0660,
 * no access for others.
 */
int lake_init_group(const char *dir, const char *group, struct lake_error *e);

int lake_open(const char *opt_dir, struct lake **out, struct lake_error *e);
void lake_close(struct lake *lake);

/* Append the absolute path of a lake-relative path to out. */
void lake_path(const struct lake *lake, struct lake_buf *out, const char *rel);

/* The login name of the real user id, or "uid:N" when it has none; malloc'd. */
char *lake_current_principal(void);

#endif
