/*
 * catalog_browse.c - lake-catalog's browse verbs (see catalog_verbs.h):
 * databases, tables, show, schema, history, diff, partitions, files,
 * search, and the small edits create-database, describe, drop, rename.
 * Each verb checks its operands, opens the lake, asks catalog_browse.h
 * and prints through output.h with a fixed column list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "govern/audit.h"
#include "manage/catalog_browse.h"
#include "catalog_verbs.h"
#include "formats/classifier.h"
#include "cli.h"
#include "govern/grant.h"
#include "store/lake.h"
#include "base/names.h"

/* A verb's checked operands. */
struct operands {
	char db[LAKE_NAME_MAX + 1];
	char table[LAKE_NAME_MAX + 1];
	char db2[LAKE_NAME_MAX + 1];
	char table2[LAKE_NAME_MAX + 1];
	int64_t v1, v2;
	const char *text; /* search WORD, describe TEXT */
	const struct catalog_opts *o;
};

typedef int (*list_fn)(struct lake *lake, const struct operands *a, lake_record_fn fn, void *arg,
		       struct lake_error *e);

/*
 * The output is opened at the first record, so that an error found before
 * any (an unknown table) prints no table header or CSV header line.
 */
struct sink {
	enum lake_out_format format;
	const char *const *columns;
	struct lake_out *out;
};

static int emit(void *arg, json_t *rec, struct lake_error *e)
{
	struct sink *s = arg;

	if (!s->out)
		s->out = lake_out_open(stdout, s->format, s->columns);
	/* A failed write leaves stdout's error flag set; main's cli_finish_stdout reports it. */
	if (lake_out_record(s->out, rec) < 0)
		return lake_err(e, LAKE_EX_IOERR, "cannot write to standard output");
	return 0;
}

static int run_listing(const struct operands *a, const char *const *columns, list_fn list)
{
	struct lake_error err = {0};
	struct lake *lake = NULL;
	struct sink s = {a->o->format, columns, NULL};
	int status = 0;

	if (cli_lake_open(a->o->lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	if (list(lake, a, emit, &s, &err) < 0)
		status = cli_fail(&err);
	else if (!s.out)
		s.out = lake_out_open(stdout, s.format, columns);
	lake_out_close(s.out);
	lake_close(lake);
	return status;
}

/* Print one record of a verb that changed something. */
static int print_one(const struct catalog_opts *o, const char *const *columns, json_t *rec)
{
	struct lake_out *out = lake_out_open(stdout, o->format, columns);

	lake_out_record(out, rec);
	lake_out_close(out);
	json_decref(rec);
	return 0;
}

static int split_name(const char *verb, const char *qualified, char *db, char *table)
{
	struct lake_error err = {0};

	if (lake_name_split(qualified, db, table, &err) < 0)
		return cli_usage_error("%s: %s", verb, err.msg);
	return 0;
}

/* argv must be exactly VERB DB.TABLE; the name lands in a. */
static int one_table(int argc, char **argv, const char *synopsis, struct operands *a)
{
	if (argc != 2)
		return cli_usage_error("usage: lake-catalog %s", synopsis);
	return split_name(argv[0], argv[1], a->db, a->table);
}

static int parse_version(const char *what, const char *s, int64_t *v)
{
	uint64_t n;

	if (cli_parse_u64(what, s, 0, INT64_MAX, &n) < 0)
		return LAKE_EX_USAGE;
	*v = (int64_t)n;
	return 0;
}

/* ---- databases, tables ---- */

static int list_databases(struct lake *lake, const struct operands *a, lake_record_fn fn, void *arg,
			  struct lake_error *e)
{
	(void)a;
	return lake_browse_databases(lake, fn, arg, e);
}

static int verb_databases(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"name", "description", "tables", "created", NULL};
	struct operands a = {.o = o};

	(void)argv;
	if (argc != 1)
		return cli_usage_error("databases takes no operands");
	return run_listing(&a, cols, list_databases);
}

static int list_tables(struct lake *lake, const struct operands *a, lake_record_fn fn, void *arg,
		       struct lake_error *e)
{
	return lake_browse_tables(lake, a->db[0] ? a->db : NULL, fn, arg, e);
}

static int verb_tables(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"database", "table",	  "format", "partitioned_by",
					   "columns",  "files",	  "rows",   "bytes",
					   "version",  "updated", NULL};
	struct operands a = {.o = o};
	struct lake_error err = {0};

	if (argc > 2)
		return cli_usage_error("usage: lake-catalog tables [DB]");
	if (argc == 2) {
		if (lake_name_check("database", argv[1], &err) < 0)
			return cli_usage_error("tables: %s", err.msg);
		snprintf(a.db, sizeof a.db, "%s", argv[1]);
	}
	return run_listing(&a, cols, list_tables);
}

/* ---- show, schema ---- */

static const char *const schema_cols[] = {"name", "type", "comment", "partition", NULL};

static int list_schema(struct lake *lake, const struct operands *a, lake_record_fn fn, void *arg,
		       struct lake_error *e)
{
	return lake_browse_schema(lake, a->db, a->table, a->v1, fn, arg, e);
}

static int verb_schema(const struct catalog_opts *o, int argc, char **argv)
{
	struct operands a = {.o = o, .v1 = o->version};
	int rc;

	if ((rc = one_table(argc, argv, "schema DB.TABLE [--version N]", &a)) != 0)
		return rc;
	return run_listing(&a, schema_cols, list_schema);
}

/* A value as one line of text: strings bare, anything else as compact JSON. */
static void print_value(json_t *v)
{
	char *text;

	if (json_is_string(v)) {
		fputs(json_string_value(v), stdout);
		return;
	}
	text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	fputs(text ? text : "", stdout);
	free(text);
}

/* "dt (string, day), region (string)": partition keys as a reader wants them. */
static void print_keys(json_t *keys)
{
	for (size_t i = 0; i < json_array_size(keys); i++) {
		json_t *k = json_array_get(keys, i);
		const char *grain = json_string_value(json_object_get(k, "grain"));
		const char *name = json_string_value(json_object_get(k, "name"));
		const char *type = json_string_value(json_object_get(k, "type"));
		printf("%s%s (%s%s%s)", i ? ", " : "", name ? name : "?", type ? type : "?",
		       grain ? ", " : "", grain ? grain : "");
	}
}

/* show in table format: aligned "key  value" lines, a blank line, the columns as schema lists them.
 */
static void print_show_table(json_t *rec)
{
	static const char *const keys[] = {"database", "table",	      "description",	"location",
					   "format",   "compression", "partition_keys", "files",
					   "rows",     "bytes",	      "version",	"created",
					   "updated",  "last_crawl",  "properties",	NULL};

	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(rec, keys[i]);
		int empty = json_is_null(v) || (json_is_string(v) && !json_string_length(v)) ||
			    (json_is_array(v) && !json_array_size(v));

		/* No padding after a key without a value: no trailing blanks. */
		printf(empty ? "%s" : "%-15s ", keys[i]);
		if (!empty && strcmp(keys[i], "partition_keys") == 0)
			print_keys(v);
		else if (!empty)
			print_value(v);
		putchar('\n');
	}
	putchar('\n');
}

static int verb_show(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {
	    "database",	      "table",	 "description", "location",   "format", "compression",
	    "partition_keys", "columns", "files",	"rows",	      "bytes",	"version",
	    "created",	      "updated", "last_crawl",	"properties", NULL};
	struct operands a = {.o = o, .v1 = -1};
	struct lake_error err = {0};
	struct lake *lake = NULL;
	json_t *rec = NULL;
	int rc;

	if ((rc = one_table(argc, argv, "show DB.TABLE", &a)) != 0)
		return rc;
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	if (lake_browse_show(lake, a.db, a.table, &rec, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (o->format != LAKE_OUT_TABLE) {
		rc = print_one(o, cols, json_incref(rec));
		goto out;
	}
	print_show_table(rec);
	lake_close(lake);
	lake = NULL;
	rc = run_listing(&a, schema_cols, list_schema);
out:
	json_decref(rec);
	lake_close(lake);
	return rc;
}

/* ---- history, diff, partitions, files ---- */

static int list_history(struct lake *lake, const struct operands *a, lake_record_fn fn, void *arg,
			struct lake_error *e)
{
	return lake_browse_history(lake, a->db, a->table, fn, arg, e);
}

static int verb_history(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"version",	 "operation",	"created",
					   "principal",	 "files_added", "files_removed",
					   "rows_added", "changes",	NULL};
	struct operands a = {.o = o};
	int rc;

	if ((rc = one_table(argc, argv, "history DB.TABLE", &a)) != 0)
		return rc;
	return run_listing(&a, cols, list_history);
}

static int list_diff(struct lake *lake, const struct operands *a, lake_record_fn fn, void *arg,
		     struct lake_error *e)
{
	return lake_browse_diff(lake, a->db, a->table, a->v1, a->v2, fn, arg, e);
}

static int verb_diff(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"change", "column", "from", "to", "file", NULL};
	struct operands a = {.o = o};
	int rc;

	if (argc != 4)
		return cli_usage_error("usage: lake-catalog diff DB.TABLE V1 V2");
	if ((rc = split_name(argv[0], argv[1], a.db, a.table)) != 0 ||
	    (rc = parse_version("V1", argv[2], &a.v1)) != 0 ||
	    (rc = parse_version("V2", argv[3], &a.v2)) != 0)
		return rc;
	return run_listing(&a, cols, list_diff);
}

static int list_partitions(struct lake *lake, const struct operands *a, lake_record_fn fn,
			   void *arg, struct lake_error *e)
{
	return lake_browse_partitions(lake, a->db, a->table, fn, arg, e);
}

static int verb_partitions(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"path", "values", "files", "rows", "bytes", NULL};
	struct operands a = {.o = o};
	int rc;

	if ((rc = one_table(argc, argv, "partitions DB.TABLE", &a)) != 0)
		return rc;
	return run_listing(&a, cols, list_partitions);
}

static int list_files(struct lake *lake, const struct operands *a, lake_record_fn fn, void *arg,
		      struct lake_error *e)
{
	return lake_browse_files(lake, a->db, a->table, fn, arg, e);
}

static int verb_files(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"path",  "partition",     "format", "rows",
					   "bytes", "added_version", "state",  NULL};
	struct operands a = {.o = o};
	int rc;

	if ((rc = one_table(argc, argv, "files DB.TABLE", &a)) != 0)
		return rc;
	return run_listing(&a, cols, list_files);
}

/* ---- search ---- */

static int list_search(struct lake *lake, const struct operands *a, lake_record_fn fn, void *arg,
		       struct lake_error *e)
{
	return lake_browse_search(lake, a->text, fn, arg, e);
}

static int verb_search(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"kind",  "database", "table", "column",
					   "where", "text",	NULL};
	struct operands a = {.o = o};

	if (argc != 2 || !argv[1][0])
		return cli_usage_error("usage: lake-catalog search WORD");
	a.text = argv[1];
	return run_listing(&a, cols, list_search);
}

/* ---- create-database, describe, drop, rename ---- */

/* A change to the catalog, in the audit log; returns status, for chaining. */
static int audited(struct lake *lake, const char *action, const char *object, int status)
{
	struct lake_audit_event ev = {action, object, "ok", 0, 0, NULL, 0, NULL, NULL};

	lake_audit(lake, &ev);
	return status;
}

static int verb_create_database(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"name", "description", "created", NULL};
	struct lake_error err = {0};
	struct lake *lake = NULL;
	json_t *rec = NULL;
	int rc;

	if (argc != 2)
		return cli_usage_error(
		    "usage: lake-catalog create-database DB [--description TEXT]");
	if (lake_name_check("database", argv[1], &err) < 0)
		return cli_usage_error("create-database: %s", err.msg);
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	if (lake_database_create(lake, argv[1], o->description, &rec, &err) < 0)
		rc = cli_fail(&err);
	else
		rc = audited(lake, "create-database", argv[1], print_one(o, cols, rec));
	lake_close(lake);
	return rc;
}

static int verb_describe(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"database", "table", "column", "text", NULL};
	struct operands a = {.o = o};
	struct lake_error err = {0};
	struct lake *lake = NULL;
	int rc;

	if (argc != 3)
		return cli_usage_error("usage: lake-catalog describe DB.TABLE [--column C] TEXT");
	if ((rc = split_name(argv[0], argv[1], a.db, a.table)) != 0)
		return rc;
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	if (lake_table_describe(lake, a.db, a.table, o->column, argv[2], &err) < 0)
		rc = cli_fail(&err);
	else
		rc = audited(lake, "describe", argv[1], 0) |
		     print_one(o, cols,
			       json_pack("{s:s, s:s, s:s?, s:s}", "database", a.db, "table",
					 a.table, "column", o->column, "text", argv[2]));
	lake_close(lake);
	return rc;
}

static int verb_drop(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"database", "table", "files", NULL};
	struct operands a = {.o = o};
	struct lake_error err = {0};
	struct lake *lake = NULL;
	int64_t files;
	int rc;

	if ((rc = one_table(argc, argv, "drop DB.TABLE --yes", &a)) != 0)
		return rc;
	if (!o->yes)
		return cli_usage_error(
		    "drop deletes '%s.%s' and all its data; add --yes to confirm", a.db, a.table);
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	if (lake_table_drop(lake, a.db, a.table, &files, &err) < 0)
		rc = cli_fail(&err);
	else
		rc = audited(lake, "drop", argv[1], 0) |
		     print_one(o, cols,
			       json_pack("{s:s, s:s, s:I}", "database", a.db, "table", a.table,
					 "files", (json_int_t)files));
	lake_close(lake);
	return rc;
}

static int verb_rename(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"from", "to", NULL};
	struct operands a = {.o = o};
	struct lake_error err = {0};
	struct lake *lake = NULL;
	int rc;

	if (argc != 3)
		return cli_usage_error("usage: lake-catalog rename DB.TABLE DB2.TABLE2");
	if ((rc = split_name(argv[0], argv[1], a.db, a.table)) != 0 ||
	    (rc = split_name(argv[0], argv[2], a.db2, a.table2)) != 0)
		return rc;
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	if (lake_table_rename(lake, a.db, a.table, a.db2, a.table2, &err) < 0)
		rc = cli_fail(&err);
	else
		rc = audited(lake, "rename", argv[1], 0) |
		     print_one(o, cols, json_pack("{s:s, s:s}", "from", argv[1], "to", argv[2]));
	lake_close(lake);
	return rc;
}

/* ---- classifiers ---- */

static int list_classifiers(struct lake *lake, const struct operands *a, lake_record_fn fn,
			    void *arg, struct lake_error *e)
{
	(void)a;
	return lake_browse_classifiers(lake, fn, arg, e);
}

static int verb_classifiers(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"name", "regex", "created", "created_by", NULL};
	struct operands a = {.o = o};

	(void)argv;
	if (argc != 1)
		return cli_usage_error("classifiers takes no operands");
	return run_listing(&a, cols, list_classifiers);
}

/* Keep a classifier, as lake-crawl --classifier does, without crawling. */
static int verb_classifier(const struct catalog_opts *o, int argc, char **argv)
{
	static const char *const cols[] = {"name", "regex", NULL};
	struct lake_error err = {0};
	struct lake *lake = NULL;
	int rc;

	if (argc != 3)
		return cli_usage_error(
		    "usage: lake-catalog classifier NAME REGEX (an extended "
		    "regex whose named groups, (?<status>[0-9]+), are the fields)");
	if (cli_lake_open(o->lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	if (lake_require_admin(lake, "keeping a classifier", &err) < 0 ||
	    lake_classifier_save(lake, argv[1], argv[2], &err) < 0)
		rc = cli_fail(&err);
	else
		rc = audited(
		    lake, "classifier", argv[1],
		    print_one(o, cols, json_pack("{s:s, s:s}", "name", argv[1], "regex", argv[2])));
	lake_close(lake);
	return rc;
}

const struct catalog_verb catalog_browse_verbs[] = {
    {"databases", "databases", verb_databases},
    {"tables", "tables [DB]", verb_tables},
    {"show", "show DB.TABLE", verb_show},
    {"schema", "schema DB.TABLE [--version N]", verb_schema},
    {"history", "history DB.TABLE", verb_history},
    {"diff", "diff DB.TABLE V1 V2", verb_diff},
    {"partitions", "partitions DB.TABLE", verb_partitions},
    {"files", "files DB.TABLE", verb_files},
    {"search", "search WORD", verb_search},
    {"create-database", "create-database DB [--description TEXT]", verb_create_database},
    {"describe", "describe DB.TABLE [--column C] TEXT", verb_describe},
    {"drop", "drop DB.TABLE --yes", verb_drop},
    {"rename", "rename DB.TABLE DB2.TABLE2", verb_rename},
    {"classifiers", "classifiers", verb_classifiers},
    {"classifier", "classifier NAME REGEX", verb_classifier},
};
const size_t catalog_browse_nverbs = sizeof catalog_browse_verbs / sizeof catalog_browse_verbs[0];
