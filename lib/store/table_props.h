/*
 * table_props.h - the user-set properties of a table.
 *
 * A table's properties are a JSON object in the catalog (tables.properties).
 * Some keys belong to the programs (lake-put keeps "csv_header" there);
 * the keys in this module are the ones a user sets with
 * `lake-catalog set DB.T KEY=VALUE`, each validated so that a reader never
 * meets a value it cannot use:
 *
 *	csv.header     true | false      whether CSV/TSV files start with a header row
 *	csv.delimiter  "," "\t" "|" ";"  the field separator (`tab` is accepted for "\t")
 *
 * Readers (the crawler, the DDL generator) ask for one key at a time:
 *
 *	int header = 1;                 // the default when the key is absent
 *	if (lake_table_prop_bool(props_json, LAKE_PROP_CSV_HEADER, &header) < 0) ...
 */
#ifndef LAKE_TABLE_PROPS_H
#define LAKE_TABLE_PROPS_H

#include <jansson.h>

#include "store/catalog.h"
#include "base/error.h"

#define LAKE_PROP_CSV_HEADER "csv.header"
#define LAKE_PROP_CSV_DELIMITER "csv.delimiter"
/* Set when a property changed how files are read: lake-crawl rebuilds the schema, then clears it.
 */
#define LAKE_PROP_REBUILD "crawl.rebuild"
/* The header every CSV file of the table has (set by lake-put, or the first crawled file). */
#define LAKE_PROP_CSV_COLUMNS "csv_header"

/* The keys `set` accepts, for messages. */
#define LAKE_TABLE_PROP_KEYS "csv.header, csv.delimiter"

/*
 * Read a boolean property.  Returns 1 and sets *value when the key holds
 * true or false, 0 leaving *value alone when the key is absent (or the
 * text is empty), -1 when the text is not a JSON object or the key holds
 * something else.
 */
int lake_table_prop_bool(const char *properties_json, const char *key, int *value);

/*
 * Read a string property into *value (malloc'd).  Returns 1 when found, 0
 * when absent (*value NULL), -1 as lake_table_prop_bool.
 */
int lake_table_prop_string(const char *properties_json, const char *key, char **value);

/*
 * Check KEY=VALUE as typed by a user and turn VALUE into the JSON value
 * stored: *out is a new reference, or NULL for an empty VALUE (remove the
 * key).  An unknown key or a value the key does not take is LAKE_EX_USAGE
 * with a message listing what is accepted.
 */
int lake_table_prop_parse(const char *key, const char *value, json_t **out, struct lake_error *e);

/*
 * One transaction: set (value non-NULL) or remove (NULL) key in db.table's
 * properties, keeping every other key.  LAKE_EX_NOINPUT when there is no
 * such table; LAKE_EX_TEMPFAIL when the catalog stays busy.
 */
int lake_table_prop_set(struct lake_catalog *c, const char *db, const char *table, const char *key,
			json_t *value, struct lake_error *e);

#endif
