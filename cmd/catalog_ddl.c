/*
 * catalog_ddl.c - lake-catalog's ddl verbs (see catalog_verbs.h): `ddl`,
 * which prints the CREATE statement another engine needs to read a table
 * in place, and `set`, which keeps the table properties those statements
 * and the crawler honour.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "catalog_verbs.h"
#include "cli.h"
#include "manage/catalog_browse.h"
#include "manage/ddl.h"
#include "govern/grant.h"
#include "store/lake.h"
#include "base/names.h"
#include "store/table_props.h"

static int verb_ddl(const struct catalog_opts *o, int argc, char **argv)
{
	char db[LAKE_NAME_MAX + 1], name[LAKE_NAME_MAX + 1];
	struct lake_ddl_table t = {0};
	struct lake_buf sql = LAKE_BUF_INIT;
	struct lake_error err = {0};
	enum lake_ddl_dialect d;
	struct lake *lake = NULL;
	int status = 0;

	if (argc != 2)
		return cli_usage_error("ddl takes one DB.TABLE: 'lake-catalog ddl DB.TABLE "
				       "--dialect athena|spark|trino|duckdb'");
	if (!o->dialect)
		return cli_usage_error("ddl needs --dialect; the dialects are: %s",
				       LAKE_DDL_DIALECTS);
	if (lake_ddl_dialect_parse(o->dialect, &d) < 0)
		return cli_usage_error("unknown dialect '%s'; the dialects are: %s", o->dialect,
				       LAKE_DDL_DIALECTS);
	if (lake_name_split(argv[1], db, name, &err) < 0)
		return cli_fail(&err);
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0 ||
	    lake_browse_require(lake, LAKE_PERM_DESCRIBE, db, name, &err) < 0 ||
	    lake_ddl_table_load(lake->catalog, db, name, &t, &err) < 0)
		goto fail;
	t.lake_dir = lake->dir;
	t.location_prefix = o->location_prefix;
	if (lake_ddl_generate(&t, d, &sql, &err) < 0)
		goto fail;
	/* A statement, not a record: it is meant to be piped into the engine as is. */
	fputs(sql.data, stdout);
	goto out;
fail:
	status = cli_fail(&err);
out:
	lake_buf_release(&sql);
	lake_ddl_table_release(&t);
	if (lake)
		lake_close(lake);
	return status;
}

static int print_set_record(const char *qualified, const char *key, json_t *value)
{
	json_t *rec = json_pack("{s:s, s:s, s:O}", "table", qualified, "key", key, "value",
				value ? value : json_null());
	int bad = json_dumpf(rec, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF;

	json_decref(rec);
	return bad ? LAKE_EX_IOERR : 0;
}

static int verb_set(const struct catalog_opts *o, int argc, char **argv)
{
	char db[LAKE_NAME_MAX + 1], name[LAKE_NAME_MAX + 1];
	struct lake_error err = {0};
	struct lake *lake = NULL;
	json_t *value = NULL;
	char *key = NULL, *eq;
	int status = 0;

	if (argc != 3 || !(eq = strchr(argv[2], '=')) || eq == argv[2])
		return cli_usage_error("set takes DB.TABLE and KEY=VALUE: 'lake-catalog set "
				       "DB.TABLE KEY=VALUE' (an empty VALUE removes KEY)");
	key = lake_xstrndup(argv[2], (size_t)(eq - argv[2]));
	if (lake_table_prop_parse(key, eq + 1, &value, &err) < 0 ||
	    lake_name_split(argv[1], db, name, &err) < 0)
		goto fail;
	/* A property changes how the table is crawled and read: ALTER, as `describe` needs. */
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0 ||
	    lake_browse_require(lake, LAKE_PERM_ALTER, db, name, &err) < 0 ||
	    lake_table_prop_set(lake->catalog, db, name, key, value, &err) < 0)
		goto fail;
	status = print_set_record(argv[1], key, value);
	goto out;
fail:
	status = cli_fail(&err);
out:
	json_decref(value);
	free(key);
	if (lake)
		lake_close(lake);
	return status;
}

const struct catalog_verb catalog_ddl_verbs[] = {
    {"ddl", "ddl DB.TABLE --dialect athena|spark|trino|duckdb [--location-prefix URL]", verb_ddl},
    {"set", "set DB.TABLE KEY=[VALUE]", verb_set},
};
const size_t catalog_ddl_nverbs = sizeof catalog_ddl_verbs / sizeof catalog_ddl_verbs[0];
