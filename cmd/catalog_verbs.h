/*
 * catalog_verbs.h - lake-catalog's verbs, in groups of one file each.
 *
 * lake-catalog.c parses every option (they may stand before or after the
 * verb, SPEC §1) into struct catalog_opts, then runs the verb named by
 * the first operand with the remaining operands.  A group file
 * (catalog_browse.c, catalog_maint.c, catalog_ddl.c) exports its table of
 * verbs; adding a verb is one row there, its man page section and its
 * tests.
 */
#ifndef LAKE_CATALOG_VERBS_H
#define LAKE_CATALOG_VERBS_H

#include <stddef.h>
#include <stdint.h>

#include "query/output.h"

struct catalog_opts {
	const char *lake_dir;	     /* --lake */
	enum lake_out_format format; /* --format; LAKE_OUT_AUTO: table on a terminal, else ndjson */
	int yes;		     /* --yes: confirm a destructive verb */
	int repair;		     /* --repair (check) */
	int dry_run;		     /* --dry-run */
	int64_t version;	     /* --version N (schema); -1 when not given */
	const char *description;     /* --description TEXT */
	const char *column;	     /* --column NAME (describe) */
	const char *dialect;	     /* --dialect athena|spark|trino|duckdb (ddl) */
	const char *location_prefix; /* --location-prefix URL (ddl) */
	const char *older_than;	     /* --older-than DURATION (vacuum) */
	const char *group;	     /* --group G (init): the hardening mode's service group */
};

/* A verb: argv[0] is the verb itself; returns the exit status. */
struct catalog_verb {
	const char *name;
	const char *synopsis; /* e.g. "show DB.TABLE", for usage messages */
	int (*run)(const struct catalog_opts *o, int argc, char **argv);
};

extern const struct catalog_verb catalog_browse_verbs[];
extern const size_t catalog_browse_nverbs;
extern const struct catalog_verb catalog_maint_verbs[];
extern const size_t catalog_maint_nverbs;
extern const struct catalog_verb catalog_ddl_verbs[];
extern const size_t catalog_ddl_nverbs;

#endif
