/*
 * classifier.h - custom classifiers: text log lines into records.
 *
 * A classifier is a name and a POSIX extended regular expression whose
 * groups may be named, (?<host>[^ ]+), as in Perl, PCRE and Glue's grok
 * patterns; POSIX has no such syntax, so names are taken out and the rest
 * compiled with regcomp(3).  Each named group of a matching line becomes
 * a field of the record; a line that does not match is a bad record.
 *
 *	struct lake_classifier c;
 *	lake_classifier_compile("access_log", "^(?<host>[^ ]+) ...$", &c, &err);
 *	if (lake_classifier_match(&c, line, n, groups)) ... groups[i] for c.names[i] ...
 *	lake_classifier_release(&c);
 *
 * lake-crawl tries the catalog's classifiers (lake-crawl --classifier
 * NAME=REGEX keeps one) on files whose name does not say their format,
 * before its built-in classifiers, as Glue does: a file belongs to the
 * first classifier that matches its first line (as the built-in sniffers
 * also decide by the first line), and any later line that does not match
 * is reported with its number.
 */
#ifndef LAKE_CLASSIFIER_H
#define LAKE_CLASSIFIER_H

#include <regex.h>
#include <stddef.h>

#include "base/error.h"

struct lake_classifier {
	char *name;
	char *regex; /* as given, with its group names */
	regex_t compiled;
	size_t ngroups; /* every group, named or not */
	char **names;	/* names[i] of group i+1, NULL for an unnamed group */
	size_t nnamed;
	int ready; /* compiled holds a regex to free */
};

struct lake_group {
	const char *text; /* NULL when the group did not take part in the match */
	size_t len;
};

/* Compile; LAKE_EX_USAGE with regcomp's message, or when no group is named. */
int lake_classifier_compile(const char *name, const char *regex, struct lake_classifier *c,
			    struct lake_error *e);

/*
 * Match line[0..n) whole (no NUL needed after it); on 1, out[i] is group
 * i+1, pointing into line (out has room for c->ngroups).
 */
int lake_classifier_match(const struct lake_classifier *c, const char *line, size_t n,
			  struct lake_group *out);

void lake_classifier_release(struct lake_classifier *c);

struct lake;

/* Keep (or replace) a classifier in the catalog, after checking that it compiles. */
int lake_classifier_save(struct lake *lake, const char *name, const char *regex,
			 struct lake_error *e);

/* Every classifier of the catalog, compiled, in name order; free with lake_classifiers_free. */
int lake_classifiers_load(struct lake *lake, struct lake_classifier **out, size_t *n,
			  struct lake_error *e);
void lake_classifiers_free(struct lake_classifier *c, size_t n);

/* The catalog's classifier called name, compiled into *out (release it); an error if none. */
int lake_classifier_load(struct lake *lake, const char *name, struct lake_classifier *out,
			 struct lake_error *e);

#endif
