/*
 * audit.h - the audit trail: one event per action of every program, in
 * audit/YYYY-MM-DD.ndjson (UTC days).
 *
 * An event is one JSON line {"time", "principal", "program", "action",
 * "object", "outcome", "rows", "bytes", "sql", "duration_ms"} (and
 * "error", the message, when the outcome is an error) appended
 * with a single write(2) to a file opened O_APPEND, so concurrent writers
 * never interleave their lines.  Writing is best effort for the action
 * it records: a failure is reported on stderr, not turned into the
 * action's failure.
 */
#ifndef LAKE_AUDIT_H
#define LAKE_AUDIT_H

#include <stdint.h>

#include <jansson.h>

#include "base/error.h"
#include "store/lake.h"

/* The program named in every event (set once, by the front end). */
void lake_audit_set_program(const char *name);

struct lake_audit_event {
	const char *action;  /* "query", "put", "etl", "crawl", "drop", "grant", ... */
	const char *object;  /* "db.table", "db", a job; may be NULL */
	const char *outcome; /* "ok", "denied", "error" */
	uint64_t rows, bytes;
	const char *sql;     /* may be NULL */
	int64_t duration_us; /* 0: not measured */
	json_t *reads;	   /* {"db.table": {"rows", "bytes"}} read; may be NULL (not taken over) */
	const char *error; /* what went wrong, for outcome "error"; may be NULL */
};

int lake_audit(struct lake *lake, const struct lake_audit_event *ev);
/*
 * A denial: the permission (or what was refused) and the object; the SQL
 * is the statement under way (lake->sql), if any.
 */
void lake_audit_denied(struct lake *lake, const char *what, const char *object);

/*
 * Events in time order, at or after `since` (ISO-8601, may be NULL), of
 * `principal` and naming `object` (db.table: also events of its
 * database's queries that read it) when given.  Calls fn for each event;
 * a non-zero return stops.
 */
typedef int (*lake_audit_fn)(json_t *event, void *arg);
int lake_audit_read(struct lake *lake, const char *since, const char *principal, const char *object,
		    lake_audit_fn fn, void *arg, struct lake_error *e);

#endif
