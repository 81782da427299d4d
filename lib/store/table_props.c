#include "store/table_props.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/ltime.h"

/*
 * Look key up in the properties text.  *props receives the parsed object
 * (to be released by the caller) so that the returned value stays valid.
 */
static int prop_lookup(const char *properties_json, const char *key, json_t **props, json_t **value)
{
	*props = NULL;
	*value = NULL;
	if (!properties_json || !*properties_json)
		return 0;
	*props = json_loads(properties_json, 0, NULL);
	if (!json_is_object(*props))
		return -1;
	*value = json_object_get(*props, key);
	return *value ? 1 : 0;
}

int lake_table_prop_bool(const char *properties_json, const char *key, int *value)
{
	json_t *props, *v;
	int rc = prop_lookup(properties_json, key, &props, &v);

	if (rc == 1) {
		if (json_is_boolean(v))
			*value = json_is_true(v);
		else
			rc = -1;
	}
	json_decref(props);
	return rc;
}

int lake_table_prop_string(const char *properties_json, const char *key, char **value)
{
	json_t *props, *v;
	int rc = prop_lookup(properties_json, key, &props, &v);

	*value = NULL;
	if (rc == 1) {
		if (json_is_string(v))
			*value = lake_xstrdup(json_string_value(v));
		else
			rc = -1;
	}
	json_decref(props);
	return rc;
}

static int parse_header(const char *value, json_t **out, struct lake_error *e)
{
	if (strcmp(value, "true") == 0)
		*out = json_true();
	else if (strcmp(value, "false") == 0)
		*out = json_false();
	else
		return lake_err(e, LAKE_EX_USAGE, "csv.header '%s': use true or false", value);
	return 0;
}

static int parse_delimiter(const char *value, json_t **out, struct lake_error *e)
{
	/* A tab is hard to type on a command line, so its name and C escape stand for it. */
	if (strcmp(value, "tab") == 0 || strcmp(value, "\\t") == 0 || strcmp(value, "\t") == 0)
		value = "\t";
	else if (strlen(value) != 1 || !strchr(",|;", value[0]))
		return lake_err(e, LAKE_EX_USAGE, "csv.delimiter '%s': use ',', 'tab', '|' or ';'",
				value);
	*out = json_string(value);
	return 0;
}

int lake_table_prop_parse(const char *key, const char *value, json_t **out, struct lake_error *e)
{
	*out = NULL;
	if (strcmp(key, LAKE_PROP_CSV_HEADER) != 0 && strcmp(key, LAKE_PROP_CSV_DELIMITER) != 0)
		return lake_err(e, LAKE_EX_USAGE, "unknown property '%s'; the properties are: %s",
				key, LAKE_TABLE_PROP_KEYS);
	if (!*value)
		return 0;
	if (strcmp(key, LAKE_PROP_CSV_HEADER) == 0)
		return parse_header(value, out, e);
	return parse_delimiter(value, out, e);
}

static int read_properties(struct lake_catalog *c, const char *db, const char *table, int64_t *id,
			   json_t **props, struct lake_error *e)
{
	sqlite3 *h = lake_catalog_db(c);
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(h,
			       "SELECT t.id, t.properties FROM tables t JOIN databases d "
			       "ON d.id = t.database_id WHERE d.name = ? AND t.name = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return lake_catalog_fail(c, "cannot look up a table", e);
	sqlite3_bind_text(st, 1, db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*props = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
		rc = 0;
		/* A damaged properties text is replaced rather than blocking every set. */
		if (!json_is_object(*props)) {
			json_decref(*props);
			*props = json_object();
		}
	} else if (rc == SQLITE_DONE) {
		rc = lake_err(e, LAKE_EX_NOINPUT, "no table '%s.%s' in the catalog", db, table);
	} else {
		rc = lake_catalog_fail(c, "cannot look up a table", e);
	}
	sqlite3_finalize(st);
	return rc;
}

static int write_properties(struct lake_catalog *c, int64_t id, json_t *props, struct lake_error *e)
{
	sqlite3 *h = lake_catalog_db(c);
	sqlite3_stmt *st = NULL;
	char *text = json_dumps(props, JSON_COMPACT | JSON_SORT_KEYS);
	char now[40];
	int rc = -1;

	lake_time_format_timestamp(lake_time_now(), now);
	if (sqlite3_prepare_v2(h, "UPDATE tables SET properties = ?, updated = ? WHERE id = ?", -1,
			       &st, NULL) != SQLITE_OK) {
		rc = lake_catalog_fail(c, "cannot update a table", e);
		goto out;
	}
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = lake_catalog_fail(c, "cannot update a table", e);
	else
		rc = 0;
out:
	sqlite3_finalize(st);
	free(text);
	return rc;
}

int lake_table_prop_set(struct lake_catalog *c, const char *db, const char *table, const char *key,
			json_t *value, struct lake_error *e)
{
	json_t *props = NULL;
	int64_t id = 0;
	int rc = -1;

	if (lake_catalog_begin(c, e) < 0)
		return -1;
	if (read_properties(c, db, table, &id, &props, e) < 0)
		goto out;
	if (value)
		json_object_set(props, key, value);
	else
		json_object_del(props, key);
	/*
	 * How CSV files are read decides their columns: the next crawl must
	 * read the table's files again and rebuild its schema from them.
	 */
	if (strcmp(key, LAKE_PROP_CSV_HEADER) == 0 || strcmp(key, LAKE_PROP_CSV_DELIMITER) == 0)
		json_object_set_new(props, LAKE_PROP_REBUILD, json_true());
	if (write_properties(c, id, props, e) < 0)
		goto out;
	rc = lake_catalog_commit(c, e);
out:
	if (rc < 0)
		lake_catalog_rollback(c);
	json_decref(props);
	return rc;
}
