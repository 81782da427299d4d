/*
 * scratch.h - a test's own directory under $LAKE_TEST_TMP, and a seeded
 * random generator: what the unit tests that touch files share.
 *
 *	if (setup_scratch("reader") < 0) ...   // $LAKE_TEST_TMP/reader-XXXXXX
 *	write(sp("in.ndjson"), ...);
 *	remove_tree(scratch);
 *
 * Helpers are static inline so that a test not using one gets no warning.
 */
#ifndef LAKE_SCRATCH_H
#define LAKE_SCRATCH_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* This run's own directory, absolute and resolved (the library reports paths so). */
static char scratch[1024];

/* mkdir -p without the library, so that the library's own mkdirs can be tested. */
static inline void plain_mkdirs(const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	mkdir(tmp, 0755);
}

/* rm -rf, for cleaning up this run's scratch directory. */
static inline void remove_tree(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path))) {
		while ((de = readdir(d))) {
			char child[4096];
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (snprintf(child, sizeof child, "%s/%s", path, de->d_name) >=
			    (int)sizeof child)
				continue;
			remove_tree(child);
		}
		closedir(d);
	}
	remove(path);
}

static inline int setup_scratch(const char *name)
{
	const char *base = getenv("LAKE_TEST_TMP");
	char *abs;

	if (!base || !*base)
		base = "/tmp";
	plain_mkdirs(base);
	snprintf(scratch, sizeof scratch, "%s/%s-XXXXXX", base, name);
	if (!mkdtemp(scratch))
		return -1;
	abs = realpath(scratch, NULL);
	if (!abs)
		return -1;
	snprintf(scratch, sizeof scratch, "%s", abs);
	free(abs);
	return 0;
}

/* A path in the scratch directory; eight live at once, enough for any one call. */
static inline const char *sp(const char *rel)
{
	static char slots[8][2048];
	static int next;
	char *p = slots[next++ % 8];

	snprintf(p, 2048, "%s/%s", scratch, rel);
	return p;
}

/* xorshift64: deterministic test data from a seed. */
static inline uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

#endif
