/*
 * colnames.c - column names made distinct ignoring case: see colnames.h.
 *
 * A table may have thousands of columns, so the names taken are found by
 * a hash of their case-folded bytes, not by comparing each with all.
 */
#include "base/colnames.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static uint64_t folded_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ fold((unsigned char)s[i])) * 0x100000001b3ull;
	return h;
}

static int same_folded(const char *a, const char *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
			return 0;
	return 1;
}

int lake_colnames_taken(const struct lake_colnames *u, const char *s, size_t len)
{
	if (!u->nslots)
		return 0;
	for (size_t i = folded_hash(s, len) & (u->nslots - 1);; i = (i + 1) & (u->nslots - 1)) {
		size_t at = u->slot[i];
		if (!at)
			return 0;
		const char *have = u->name[at - 1];
		if (strlen(have) == len && same_folded(have, s, len))
			return 1;
	}
}

static void insert_slot(struct lake_colnames *u, size_t index)
{
	const char *s = u->name[index];
	size_t i = folded_hash(s, strlen(s)) & (u->nslots - 1);

	while (u->slot[i])
		i = (i + 1) & (u->nslots - 1);
	u->slot[i] = index + 1;
}

/* Keep the table at most half full, so that a probe ends soon. */
static void grow(struct lake_colnames *u)
{
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 16;
		u->name = lake_xrealloc(u->name, u->cap * sizeof *u->name);
	}
	if (2 * (u->n + 1) <= u->nslots)
		return;
	free(u->slot);
	u->nslots = u->nslots ? u->nslots * 2 : 32;
	u->slot = lake_xcalloc(u->nslots, sizeof *u->slot);
	for (size_t i = 0; i < u->n; i++)
		insert_slot(u, i);
}

size_t lake_colname_spell(struct lake_buf *out, const char *s, size_t len)
{
	size_t before = out->len, run = 0;

	lake_buf_grow(out, len);
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0') {
			lake_buf_add(out, s + run, i - run);
			lake_buf_addstr(out, "\\u0000");
			run = i + 1;
		}
	lake_buf_add(out, s + run, len - run);
	return out->len - before;
}

const char *lake_colnames_add(struct lake_colnames *u, const char *s, size_t len)
{
	struct lake_buf name = LAKE_BUF_INIT;
	size_t base;

	if (len)
		lake_colname_spell(&name, s, len);
	else
		lake_buf_addf(&name, "col_%zu", u->n);
	base = name.len;
	for (unsigned suffix = 2; lake_colnames_taken(u, name.data, name.len); suffix++) {
		name.len = base;
		lake_buf_addf(&name, "_%u", suffix);
	}
	grow(u);
	u->name[u->n] = lake_buf_detach(&name);
	insert_slot(u, u->n);
	return u->name[u->n++];
}

void lake_colnames_release(struct lake_colnames *u)
{
	for (size_t i = 0; i < u->n; i++)
		free(u->name[i]);
	free(u->name);
	free(u->slot);
	*u = (struct lake_colnames)LAKE_COLNAMES_INIT;
}
