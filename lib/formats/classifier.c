#include "formats/classifier.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "store/lake.h"
#include "base/ltime.h"
#include "base/names.h"

/* A group name: what (?<name> or (?P<name> holds. */
static size_t group_name(const char *p, char **name)
{
	size_t skip = p[1] == '?' && p[2] == '<'		  ? 3
		      : p[1] == '?' && p[2] == 'P' && p[3] == '<' ? 4
								  : 0;
	const char *end;

	*name = NULL;
	if (!skip || !(end = strchr(p + skip, '>')) || end == p + skip)
		return 0;
	*name = lake_xstrndup(p + skip, (size_t)(end - p - skip));
	return (size_t)(end - p) + 1;
}

/* Step over a bracket expression starting at p ('['); ']' first is a literal, as in POSIX. */
static const char *past_bracket(const char *p, struct lake_buf *out)
{
	const char *q = p + 1;

	if (*q == '^')
		q++;
	if (*q == ']')
		q++;
	while (*q && *q != ']') {
		if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
			const char *close = strstr(q + 2, (char[]){q[1], ']', 0});
			q = close ? close + 2 : q + 1;
		} else {
			q++;
		}
	}
	if (*q == ']')
		q++;
	lake_buf_add(out, p, (size_t)(q - p));
	return q;
}

/* Strip the group names out of regex, recording each group's name by its number. */
static void translate(const char *regex, struct lake_buf *out, struct lake_classifier *c)
{
	const char *p = regex;

	while (*p) {
		if (*p == '\\' && p[1]) {
			lake_buf_add(out, p, 2);
			p += 2;
		} else if (*p == '[') {
			p = past_bracket(p, out);
		} else if (*p == '(') {
			char *name;
			size_t skip = group_name(p, &name);
			c->names = lake_xrealloc(c->names, (c->ngroups + 1) * sizeof *c->names);
			c->names[c->ngroups++] = name;
			c->nnamed += name != NULL;
			lake_buf_addc(out, '(');
			p += skip ? skip : 1;
		} else {
			lake_buf_addc(out, *p++);
		}
	}
}

/* A group name given to two groups, or NULL. */
static const char *name_used_twice(const struct lake_classifier *c)
{
	for (size_t i = 0; i < c->ngroups; i++)
		for (size_t j = 0; c->names[i] && j < i; j++)
			if (c->names[j] && strcmp(c->names[i], c->names[j]) == 0)
				return c->names[i];
	return NULL;
}

int lake_classifier_compile(const char *name, const char *regex, struct lake_classifier *c,
			    struct lake_error *e)
{
	struct lake_buf plain = LAKE_BUF_INIT;
	char msg[256];
	int rc;

	memset(c, 0, sizeof *c);
	c->name = lake_xstrdup(name);
	c->regex = lake_xstrdup(regex);
	translate(regex, &plain, c);
	lake_buf_add(&plain, "", 0);
	rc = regcomp(&c->compiled, plain.data, REG_EXTENDED);
	lake_buf_release(&plain);
	if (rc != 0) {
		regerror(rc, &c->compiled, msg, sizeof msg);
		lake_classifier_release(c);
		return lake_err(e, LAKE_EX_USAGE, "classifier '%s': %s", name, msg);
	}
	c->ready = 1;
	if (!c->nnamed) {
		lake_classifier_release(c);
		return lake_err(e, LAKE_EX_USAGE,
				"classifier '%s' names no group; name the fields, as in "
				"(?<status>[0-9]+)",
				name);
	}
	const char *twice = name_used_twice(c);
	if (twice) {
		rc = lake_err(e, LAKE_EX_USAGE,
			      "classifier '%s' names two groups '%s'; a record's fields need "
			      "names of their own",
			      name, twice);
		lake_classifier_release(c);
		return rc;
	}
	return 0;
}

int lake_classifier_match(const struct lake_classifier *c, const char *line, size_t n,
			  struct lake_group *out)
{
	regmatch_t m[64];
	size_t want = c->ngroups + 1 < 64 ? c->ngroups + 1 : 64;
	char small[1024], *text = n < sizeof small ? small : lake_xmalloc(n + 1);
	int rc = 0;

	/*
	 * regexec wants a string; REG_STARTEND would spare the copy, but is
	 * an extension that checkers (ASan) read past.  A line with a NUL in
	 * it is not text and does not match.
	 */
	memcpy(text, line, n);
	text[n] = '\0';
	if (memchr(line, '\0', n) || regexec(&c->compiled, text, want, m, 0) != 0)
		goto out;
	/* The whole line, not a part of it: a log line half understood is a bad record. */
	if (m[0].rm_so != 0 || (size_t)m[0].rm_eo != n)
		goto out;
	for (size_t i = 0; i < c->ngroups; i++) {
		int used = i + 1 < want && m[i + 1].rm_so >= 0;
		out[i].text = used ? line + m[i + 1].rm_so : NULL;
		out[i].len = used ? (size_t)(m[i + 1].rm_eo - m[i + 1].rm_so) : 0;
	}
	rc = 1;
out:
	if (text != small)
		free(text);
	return rc;
}

void lake_classifier_release(struct lake_classifier *c)
{
	if (c->ready)
		regfree(&c->compiled);
	for (size_t i = 0; i < c->ngroups; i++)
		free(c->names[i]);
	free(c->names);
	free(c->name);
	free(c->regex);
	memset(c, 0, sizeof *c);
}

int lake_classifier_save(struct lake *lake, const char *name, const char *regex,
			 struct lake_error *e)
{
	struct lake_classifier c;
	sqlite3_stmt *st = NULL;
	char now[40];
	int rc = -1;

	if (lake_name_check("classifier", name, e) < 0 ||
	    lake_classifier_compile(name, regex, &c, e) < 0)
		return -1;
	lake_classifier_release(&c);
	lake_time_format_timestamp(lake_time_now(), now);
	if (lake_catalog_begin(lake->catalog, e) < 0)
		return -1;
	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog),
			       "INSERT INTO classifiers(name, regex, created, created_by) VALUES "
			       "(?,?,?,?) ON CONFLICT(name) DO UPDATE SET regex = excluded.regex",
			       -1, &st, NULL) != SQLITE_OK) {
		lake_catalog_fail(lake->catalog, "cannot save a classifier", e);
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, regex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, lake->principal, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		lake_catalog_fail(lake->catalog, "cannot save a classifier", e);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = lake_catalog_commit(lake->catalog, e);
out:
	sqlite3_finalize(st);
	if (rc < 0)
		lake_catalog_rollback(lake->catalog);
	return rc;
}

int lake_classifiers_load(struct lake *lake, struct lake_classifier **out, size_t *n,
			  struct lake_error *e)
{
	sqlite3_stmt *st;
	struct lake_classifier *list = NULL;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog),
			       "SELECT name, regex FROM classifiers ORDER BY name", -1, &st,
			       NULL) != SQLITE_OK)
		return lake_catalog_fail(lake->catalog, "cannot read the classifiers", e);
	while (sqlite3_step(st) == SQLITE_ROW) {
		list = lake_xrealloc(list, (count + 1) * sizeof *list);
		/* A classifier that no longer compiles (it always did when saved) is skipped. */
		if (lake_classifier_compile((const char *)sqlite3_column_text(st, 0),
					    (const char *)sqlite3_column_text(st, 1), &list[count],
					    e) == 0)
			count++;
	}
	sqlite3_finalize(st);
	lake_error_clear(e);
	*out = list;
	*n = count;
	return 0;
}

int lake_classifier_load(struct lake *lake, const char *name, struct lake_classifier *out,
			 struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog),
			       "SELECT regex FROM classifiers WHERE name = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return lake_catalog_fail(lake->catalog, "cannot read the classifiers", e);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		rc =
		    lake_classifier_compile(name, (const char *)sqlite3_column_text(st, 0), out, e);
	else
		rc = lake_err(e, LAKE_EX_NOINPUT,
			      "classifier '%s' is not in the catalog (keep one with "
			      "lake-catalog classifier %s REGEX)",
			      name, name);
	sqlite3_finalize(st);
	return rc;
}

void lake_classifiers_free(struct lake_classifier *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lake_classifier_release(&c[i]);
	free(c);
}
