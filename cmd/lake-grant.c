/*
 * lake-grant - who may see and change what: grants with row and column
 * filters, lake groups, administrators, and the audit trail.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "govern/audit.h"
#include "cli.h"
#include "govern/grant.h"
#include "store/lake.h"
#include "base/ltime.h"
#include "base/names.h"

static const char usage[] =
    "usage: lake-grant grant PERMS ON DB[.TABLE] TO PRINCIPAL [--columns COLS |\n"
    "                  --exclude-columns COLS] [--rows PREDICATE] [--with-grant-option]\n"
    "       lake-grant revoke PERMS ON DB[.TABLE] FROM PRINCIPAL [same filter]\n"
    "       lake-grant list [--principal P] [--table DB[.TABLE]]\n"
    "       lake-grant check PRINCIPAL PERM DB[.TABLE]\n"
    "       lake-grant group create|add|remove|list [NAME [MEMBER]]\n"
    "       lake-grant admin add|remove PRINCIPAL\n"
    "       lake-grant audit [--since TIME] [--principal P] [--table DB.TABLE]\n";

static const char help[] =
    "\n"
    "Give principals permissions on databases and tables, with row and column\n"
    "filters on SELECT, and read the audit trail.  Every program enforces them.\n"
    "\n"
    "Principals: user:NAME (a login name; NAME alone means user:NAME),\n"
    "group:NAME (a lake group), unixgroup:NAME (a Unix group of the caller),\n"
    "public (everyone).  Permissions: SELECT, INSERT, ALTER, DROP, CREATE_TABLE\n"
    "(on a database), DESCRIBE, ALL; several as SELECT,INSERT.  A grant on a\n"
    "database covers its tables, present and future.\n"
    "\n"
    "Options:\n"
    "  --columns COLS         SELECT only these columns (comma-separated)\n"
    "  --exclude-columns COLS SELECT every column but these\n"
    "  --rows PREDICATE       SELECT only the rows where this SQL predicate holds\n"
    "  --with-grant-option    the grantee may grant these permissions on\n"
    "  --principal P, --table DB[.TABLE], --since TIME\n"
    "                         what list and audit show\n"
    "  --as NAME              administrators: act as NAME, to try its grants\n"
    "  --lake DIR             the lake (default: $LAKE_DIR, or lake.json found upward)\n"
    "  --format FMT           ndjson, table, csv, tsv or json\n"
    "  -h, --help, --version\n"
    "\n"
    "Exit status: 0 ok, 64 usage, 65 a predicate or column that does not fit the\n"
    "table, 66 no such table, group or grant, 77 not allowed.  See lake-grant(1).\n";

enum {
	OPT_COLUMNS = 256,
	OPT_EXCLUDE,
	OPT_FORMAT,
	OPT_PRINCIPAL,
	OPT_ROWS,
	OPT_SINCE,
	OPT_TABLE,
	OPT_WITH_GRANT,
};

static const struct option long_options[] = {
    {"columns", required_argument, NULL, OPT_COLUMNS},
    {"exclude-columns", required_argument, NULL, OPT_EXCLUDE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"principal", required_argument, NULL, OPT_PRINCIPAL},
    {"rows", required_argument, NULL, OPT_ROWS},
    {"since", required_argument, NULL, OPT_SINCE},
    {"table", required_argument, NULL, OPT_TABLE},
    {"version", no_argument, NULL, CLI_OPT_VERSION},
    {"with-grant-option", no_argument, NULL, OPT_WITH_GRANT},
    CLI_COMMON_OPTIONS,
    {NULL, 0, NULL, 0},
};

struct opts {
	const char *lake_dir;
	enum lake_out_format format;
	const char *columns, *exclude, *rows;
	int grant_option;
	const char *principal, *table, *since;
};

static json_t *column_list(const char *v)
{
	json_t *a = json_array();
	char *copy = lake_xstrdup(v), *save = NULL;

	for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(c));
	free(copy);
	return a;
}

static int print_rows(const struct opts *o, json_t *rows, const char *const *columns)
{
	struct lake_out *out = lake_out_open(stdout, o->format, columns);
	size_t i;
	json_t *r;
	int rc = 0;

	json_array_foreach(rows, i, r) rc |= lake_out_record(out, r);
	rc |= lake_out_close(out);
	json_decref(rows);
	return rc ? LAKE_EX_IOERR : 0;
}

/* "DB" or "DB.TABLE" into its parts (table "" for a database). */
static int object_parts(const char *object, char *db, char *table, struct lake_error *e)
{
	if (!strchr(object, '.')) {
		*table = '\0';
		if (lake_name_check("database", object, e) < 0)
			return -1;
		snprintf(db, LAKE_NAME_MAX + 1, "%s", object);
		return 0;
	}
	return lake_name_split(object, db, table, e);
}

/*
 * Warn (stderr) of column filters made moot on db[.table]: for `check`,
 * those of principal; after a grant, those the new grants `ids` take part in.
 */
static void warn_moot(struct lake *lake, const char *principal, const char *db, const char *table,
		      json_t *ids)
{
	struct lake_error ignored = {0};
	json_t *warnings = json_array();
	size_t i;
	json_t *w;

	lake_grant_moot_filters(lake, principal, db, table, ids, warnings, &ignored);
	json_array_foreach(warnings, i, w) cli_warn("%s", json_string_value(w));
	json_decref(warnings);
}

/* The ids of the grants just made. */
static json_t *grant_ids(json_t *added)
{
	json_t *ids = json_array();
	size_t i;
	json_t *g;

	json_array_foreach(added, i, g) json_array_append(ids, json_object_get(g, "id"));
	return ids;
}

/* grant|revoke PERMS ON OBJECT TO|FROM PRINCIPAL */
static int change(struct lake *lake, const struct opts *o, int revoke, int argc, char **argv)
{
	char db[LAKE_NAME_MAX + 1], table[LAKE_NAME_MAX + 1];
	struct lake_grant_spec g = {0};
	struct lake_error err = {0};
	char *principal = NULL;
	json_t *done = NULL;
	int status = 0;

	if (argc != 6 || strcasecmp(argv[2], "ON") != 0 ||
	    (strcasecmp(argv[4], "TO") != 0 && strcasecmp(argv[4], "FROM") != 0))
		return cli_usage_error("%s takes: PERMS ON DB[.TABLE] %s PRINCIPAL, as in "
				       "'lake-grant %s SELECT ON raw.events %s group:analysts'",
				       argv[0], revoke ? "FROM" : "TO", argv[0],
				       revoke ? "FROM" : "TO");
	if (lake_perms_parse(argv[1], &g.perms, &err) < 0 ||
	    object_parts(argv[3], db, table, &err) < 0 ||
	    lake_principal_normalize(argv[5], &principal, &err) < 0)
		return cli_fail(&err);
	g.db = db;
	g.table = *table ? table : NULL;
	g.principal = principal;
	g.include = o->columns ? column_list(o->columns) : NULL;
	g.exclude = o->exclude ? column_list(o->exclude) : NULL;
	g.rows = o->rows;
	g.grant_option = o->grant_option;
	if ((revoke ? lake_grant_revoke : lake_grant_add)(lake, &g, &done, &err) < 0) {
		status = cli_fail(&err);
		json_decref(done);
	} else {
		if (!revoke && json_array_size(done)) {
			json_t *ids = grant_ids(done);
			warn_moot(lake, NULL, g.db, g.table, ids);
			json_decref(ids);
		}
		status = print_rows(o, done, NULL);
	}
	json_decref(g.include);
	json_decref(g.exclude);
	free(principal);
	return status;
}

static int list(struct lake *lake, const struct opts *o)
{
	static const char *const columns[] = {
	    "id",      "principal",	  "permission", "database",	"table",
	    "columns", "exclude_columns", "rows",	"grant_option", NULL};
	struct lake_error err = {0};
	char *principal = NULL;
	json_t *rows;
	int rc;

	if (o->principal && lake_principal_normalize(o->principal, &principal, &err) < 0)
		return cli_fail(&err);
	rc = lake_grant_list(lake, principal, o->table, &rows, &err);
	free(principal);
	return rc < 0 ? cli_fail(&err) : print_rows(o, rows, columns);
}

static int check(struct lake *lake, const struct opts *o, int argc, char **argv)
{
	static const char *const columns[] = {"principal", "permission", "object",
					      "allowed",   "because",	 NULL};
	char db[LAKE_NAME_MAX + 1], table[LAKE_NAME_MAX + 1];
	struct lake_error err = {0};
	unsigned perm;
	json_t *out;

	if (argc != 4)
		return cli_usage_error("check takes: PRINCIPAL PERM DB[.TABLE]");
	if (lake_perms_parse(argv[2], &perm, &err) < 0 ||
	    object_parts(argv[3], db, table, &err) < 0)
		return cli_fail(&err);
	if (perm & (perm - 1))
		return cli_usage_error("check takes one permission, not '%s'", argv[2]);
	if (lake_grant_check(lake, argv[1], perm, db, *table ? table : NULL, &out, &err) < 0)
		return cli_fail(&err);
	warn_moot(lake, argv[1], db, *table ? table : NULL, NULL);
	json_t *rows = json_array();
	json_array_append_new(rows, out);
	return print_rows(o, rows, columns);
}

static int group(struct lake *lake, const struct opts *o, int argc, char **argv)
{
	static const char *const columns[] = {"group", "members", NULL};
	struct lake_error err = {0};
	const char *what = argc > 1 ? argv[1] : "";
	json_t *rows;
	int rc;

	if (strcmp(what, "list") == 0 && argc == 2) {
		if (lake_group_list(lake, &rows, &err) < 0)
			return cli_fail(&err);
		return print_rows(o, rows, columns);
	}
	if (strcmp(what, "create") == 0 && argc == 3)
		rc = lake_group_create(lake, argv[2], &err);
	else if ((strcmp(what, "add") == 0 || strcmp(what, "remove") == 0) && argc == 4)
		rc = lake_group_member(lake, argv[2], argv[3], strcmp(what, "add") == 0, &err);
	else
		return cli_usage_error("group takes: create NAME | add NAME MEMBER | remove NAME "
				       "MEMBER | list");
	if (rc < 0)
		return cli_fail(&err);
	if (lake_group_list(lake, &rows, &err) < 0)
		return cli_fail(&err);
	return print_rows(o, rows, columns);
}

static int admin(struct lake *lake, int argc, char **argv)
{
	struct lake_error err = {0};
	const char *what = argc > 1 ? argv[1] : "";

	if (argc != 3 || (strcmp(what, "add") != 0 && strcmp(what, "remove") != 0))
		return cli_usage_error("admin takes: add PRINCIPAL | remove PRINCIPAL");
	if (lake_admin_set(lake, argv[2], strcmp(what, "add") == 0, &err) < 0)
		return cli_fail(&err);
	return 0;
}

struct audit_printer {
	struct lake_out *out;
	int failed;
};

static int print_event(json_t *ev, void *arg)
{
	struct audit_printer *p = arg;

	p->failed |= lake_out_record(p->out, ev);
	return p->failed;
}

static int audit(struct lake *lake, const struct opts *o)
{
	static const char *const columns[] = {"time",	 "principal", "program", "action", "object",
					      "outcome", "rows",      "sql",	 NULL};
	struct lake_error err = {0};
	char *principal = NULL, since[40] = "";
	int64_t micros;

	if (!lake_identity(lake)->admin) {
		lake_audit_denied(lake, "audit", NULL);
		return cli_fail(&(struct lake_error){
		    LAKE_EX_NOPERM, "audit: the audit trail is for administrators"});
	}
	if (o->since) {
		if (lake_time_parse(o->since, strlen(o->since), &micros) == LAKE_TIME_NONE)
			return cli_usage_error("--since '%s': give a time, as in 2024-05-01 or "
					       "2024-05-01T12:00:00Z",
					       o->since);
		lake_time_format_timestamp(micros, since);
	}
	if (o->principal && lake_principal_normalize(o->principal, &principal, &err) < 0)
		return cli_fail(&err);
	struct audit_printer p = {lake_out_open(stdout, o->format, columns), 0};
	lake_audit_read(lake, *since ? since : NULL, principal, o->table, print_event, &p, &err);
	free(principal);
	p.failed |= lake_out_close(p.out);
	return p.failed ? LAKE_EX_IOERR : 0;
}

static int dispatch(struct lake *lake, const struct opts *o, int argc, char **argv)
{
	const char *verb = argv[0];

	if (strcmp(verb, "grant") == 0 || strcmp(verb, "revoke") == 0)
		return change(lake, o, strcmp(verb, "revoke") == 0, argc, argv);
	if (strcmp(verb, "list") == 0 && argc == 1)
		return list(lake, o);
	if (strcmp(verb, "check") == 0)
		return check(lake, o, argc, argv);
	if (strcmp(verb, "group") == 0)
		return group(lake, o, argc, argv);
	if (strcmp(verb, "admin") == 0)
		return admin(lake, argc, argv);
	if (strcmp(verb, "audit") == 0 && argc == 1)
		return audit(lake, o);
	return cli_usage_error("unknown verb '%s' (or wrong operands); the verbs are: grant, "
			       "revoke, list, check, group, admin, audit",
			       verb);
}

static int parse_option(struct opts *o, int c, const char *v)
{
	switch (c) {
	case OPT_FORMAT:
		return cli_parse_format(v, &o->format);
	case OPT_COLUMNS:
		o->columns = v;
		return 0;
	case OPT_EXCLUDE:
		o->exclude = v;
		return 0;
	case OPT_ROWS:
		o->rows = v;
		return 0;
	case OPT_WITH_GRANT:
		o->grant_option = 1;
		return 0;
	case OPT_PRINCIPAL:
		o->principal = v;
		return 0;
	case OPT_TABLE:
		o->table = v;
		return 0;
	case OPT_SINCE:
		o->since = v;
		return 0;
	default:
		return LAKE_EX_USAGE;
	}
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct lake_error err = {0};
	struct lake *lake;
	int c, rc;

	cli_init("lake-grant");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		if ((rc = cli_common_option(c, argv, usage, help, &o.lake_dir)) > 0)
			return rc;
		if (rc < 0)
			continue;
		if ((rc = parse_option(&o, c, optarg)) != 0)
			return rc;
	}
	if (optind >= argc)
		return cli_usage_error("missing VERB (grant, revoke, list, check, group, admin or "
				       "audit)");
	o.format = lake_out_resolve(o.format, STDOUT_FILENO);
	if (cli_lake_open(o.lake_dir, &lake, &err) < 0)
		return cli_fail(&err);
	rc = dispatch(lake, &o, argc - optind, argv + optind);
	lake_close(lake);
	return cli_finish_stdout(rc);
}
