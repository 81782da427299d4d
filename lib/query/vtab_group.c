/*
 * vtab_group.c - rows gathered into groups by a hash of their keys.
 *
 * Values are kept serialized in two arenas: each group's keys once, and
 * each row's other values in a chain per group (every record starts with
 * the offset of the group's next one).  The hash table holds group
 * numbers only.
 */
#include "query/vtab_group.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#define JSON_FLAG 0x80

struct group {
	uint64_t hash;
	size_t key_off, key_len;
	uint64_t rows;
	char *head, *tail; /* its first and last row records */
};

/*
 * Row records live in chunks that never move (a buffer that doubled would
 * hold three times the rows for a moment as it is copied).  A record is
 * the address of its group's next one, then the values.
 */
#define CHUNK_BYTES (1u << 20)

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct lake_groups {
	size_t nkeys, nother;
	struct group *groups;
	size_t ngroups, capgroups;
	size_t *slots; /* group number plus one; 0: empty */
	size_t nslots;
	struct lake_buf keys, probe, row;
	struct chunk *chunks;
	/* Reading back. */
	int started;
	size_t at_group;
	uint64_t left; /* rows of the current group still to give */
	char *at_row;  /* its next row record */
	struct lake_sqlval *key_vals, *other_vals;
};

struct lake_groups *lake_groups_new(size_t nkeys, size_t nother)
{
	struct lake_groups *g = lake_xcalloc(1, sizeof *g);

	g->nkeys = nkeys;
	g->nother = nother;
	g->nslots = 64;
	g->slots = lake_xcalloc(g->nslots, sizeof *g->slots);
	g->key_vals = lake_xcalloc(nkeys ? nkeys : 1, sizeof *g->key_vals);
	g->other_vals = lake_xcalloc(nother ? nother : 1, sizeof *g->other_vals);
	return g;
}

void lake_groups_free(struct lake_groups *g)
{
	if (!g)
		return;
	free(g->groups);
	free(g->slots);
	lake_buf_release(&g->keys);
	lake_buf_release(&g->probe);
	lake_buf_release(&g->row);
	while (g->chunks) {
		struct chunk *next = g->chunks->next;
		free(g->chunks);
		g->chunks = next;
	}
	free(g->key_vals);
	free(g->other_vals);
	free(g);
}

size_t lake_groups_count(const struct lake_groups *g)
{
	return g->ngroups;
}

size_t lake_groups_key_bytes(const struct lake_groups *g)
{
	return g->keys.cap;
}

void *lake_groups_take_keys(struct lake_groups *g)
{
	void *keys = g->keys.data;

	g->keys = (struct lake_buf)LAKE_BUF_INIT;
	return keys;
}

/* ---- values, serialized ---- */

/*
 * One value: a type byte, then 8 bytes of number, or a length and the
 * text.  A key leaves out the JSON flag: SQL compares a JSON text as the
 * text it is.
 */
static void put_value(struct lake_buf *b, const struct lake_sqlval *v, int is_key)
{
	unsigned char type = (unsigned char)v->type;
	double d = v->d;
	size_t text = v->type == SQLITE_TEXT ? v->n : 0;

	/* SQL's equality: -0.0 is 0.0; NaN never reaches SQL (it is NULL there). */
	if ((v->type == SQLITE_FLOAT && isnan(d)) ||
	    (v->type != SQLITE_INTEGER && v->type != SQLITE_FLOAT && v->type != SQLITE_TEXT))
		type = SQLITE_NULL;
	if (d == 0)
		d = 0;
	if (v->type == SQLITE_TEXT && v->json && !is_key)
		type |= JSON_FLAG;
	/* Once per row and key: room first, then plain stores. */
	lake_buf_grow(b, 1 + sizeof(int64_t) + sizeof(size_t) + text);
	char *p = b->data + b->len;
	*p++ = (char)type;
	switch (type & ~JSON_FLAG) {
	case SQLITE_INTEGER:
		memcpy(p, &v->i, 8);
		p += 8;
		break;
	case SQLITE_FLOAT:
		memcpy(p, &d, 8);
		p += 8;
		break;
	case SQLITE_TEXT:
		memcpy(p, &v->n, sizeof v->n);
		p += sizeof v->n;
		if (text)
			memcpy(p, v->s, text);
		p += text;
		break;
	default:
		break;
	}
	b->len = (size_t)(p - b->data);
}

/* The value at p, pointing into the arena; returns where the next one starts. */
static const char *get_value(const char *p, struct lake_sqlval *v)
{
	unsigned char type = (unsigned char)*p++;

	memset(v, 0, sizeof *v);
	v->type = type & ~JSON_FLAG;
	v->json = (type & JSON_FLAG) != 0;
	switch (v->type) {
	case SQLITE_INTEGER:
		memcpy(&v->i, p, sizeof v->i);
		return p + sizeof v->i;
	case SQLITE_FLOAT:
		memcpy(&v->d, p, sizeof v->d);
		return p + sizeof v->d;
	case SQLITE_TEXT:
		memcpy(&v->n, p, sizeof v->n);
		p += sizeof v->n;
		v->s = p;
		return p + v->n;
	default:
		return p;
	}
}

/* ---- groups ---- */

/* A word at a time: keys are hashed once per row. */
static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	if (n)
		memcpy(&w, p, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

static void grow_slots(struct lake_groups *g)
{
	size_t n = g->nslots * 2, *slots = lake_xcalloc(n, sizeof *slots);

	for (size_t k = 0; k < g->ngroups; k++) {
		size_t i = g->groups[k].hash & (n - 1);
		while (slots[i])
			i = (i + 1) & (n - 1);
		slots[i] = k + 1;
	}
	free(g->slots);
	g->slots = slots;
	g->nslots = n;
}

/* The group of the serialized keys in g->probe, made when new. */
static struct group *find_group(struct lake_groups *g)
{
	uint64_t h = hash_bytes(g->probe.data, g->probe.len);
	size_t i = h & (g->nslots - 1);

	for (; g->slots[i]; i = (i + 1) & (g->nslots - 1)) {
		struct group *gr = &g->groups[g->slots[i] - 1];
		if (gr->hash == h && gr->key_len == g->probe.len &&
		    memcmp(g->keys.data + gr->key_off, g->probe.data, g->probe.len) == 0)
			return gr;
	}
	if (g->ngroups == g->capgroups) {
		g->capgroups = g->capgroups ? 2 * g->capgroups : 64;
		g->groups = lake_xrealloc(g->groups, g->capgroups * sizeof *g->groups);
	}
	struct group *gr = &g->groups[g->ngroups++];
	memset(gr, 0, sizeof *gr);
	gr->hash = h;
	gr->key_off = g->keys.len;
	gr->key_len = g->probe.len;
	lake_buf_add(&g->keys, g->probe.data, g->probe.len);
	g->slots[i] = g->ngroups;
	if (2 * g->ngroups > g->nslots)
		grow_slots(g);
	return &g->groups[g->ngroups - 1];
}

static char *chunk_alloc(struct lake_groups *g, size_t n)
{
	if (!g->chunks || g->chunks->used + n > g->chunks->cap) {
		size_t cap = n > CHUNK_BYTES ? n : CHUNK_BYTES;
		struct chunk *c = lake_xmalloc(sizeof *c + cap);
		c->next = g->chunks;
		c->used = 0;
		c->cap = cap;
		g->chunks = c;
	}
	char *p = g->chunks->data + g->chunks->used;
	g->chunks->used += n;
	return p;
}

/* Append a row record to the group's chain. */
static void keep_row(struct lake_groups *g, struct group *gr, const struct lake_sqlval *other)
{
	char *none = NULL, *rec;

	lake_buf_reset(&g->row);
	lake_buf_add(&g->row, &none, sizeof none);
	for (size_t k = 0; k < g->nother; k++)
		put_value(&g->row, &other[k], 0);
	rec = chunk_alloc(g, g->row.len);
	memcpy(rec, g->row.data, g->row.len);
	if (gr->tail)
		memcpy(gr->tail, &rec, sizeof rec);
	else
		gr->head = rec;
	gr->tail = rec;
}

size_t lake_groups_add(struct lake_groups *g, const struct lake_sqlval *keys,
		       const struct lake_sqlval *other, uint64_t rows)
{
	lake_buf_reset(&g->probe);
	for (size_t k = 0; k < g->nkeys; k++)
		put_value(&g->probe, &keys[k], 1);
	size_t group = (size_t)(find_group(g) - g->groups);
	lake_groups_add_to(g, group, other, rows);
	return group;
}

void lake_groups_add_to(struct lake_groups *g, size_t group, const struct lake_sqlval *other,
			uint64_t rows)
{
	struct group *gr = &g->groups[group];

	gr->rows += rows;
	for (uint64_t r = 0; g->nother && r < rows; r++)
		keep_row(g, gr, other);
}

/* SQL's order of two values: NULL, then numbers by value, then texts (BINARY). */
static int value_order(const struct lake_sqlval *a, const struct lake_sqlval *b)
{
	int ra = a->type == SQLITE_TEXT ? 2 : a->type == SQLITE_INTEGER || a->type == SQLITE_FLOAT;
	int rb = b->type == SQLITE_TEXT ? 2 : b->type == SQLITE_INTEGER || b->type == SQLITE_FLOAT;

	if (ra != rb || ra == 0)
		return (ra > rb) - (ra < rb);
	if (ra == 1) {
		if (a->type == SQLITE_INTEGER && b->type == SQLITE_INTEGER)
			return (a->i > b->i) - (a->i < b->i);
		double x = a->type == SQLITE_INTEGER ? (double)a->i : a->d;
		double y = b->type == SQLITE_INTEGER ? (double)b->i : b->d;
		return (x > y) - (x < y);
	}
	size_t n = a->n < b->n ? a->n : b->n;
	int r = n ? memcmp(a->s, b->s, n) : 0;
	return r ? (r > 0) - (r < 0) : (a->n > b->n) - (a->n < b->n);
}

/* A group to sort, with what comparing it needs: qsort has no context argument in C11. */
struct sort_item {
	struct group group;
	const struct lake_groups *g;
	const unsigned char *desc;
};

static int group_order(const void *pa, const void *pb)
{
	const struct sort_item *a = pa, *b = pb;
	const char *p = a->g->keys.data + a->group.key_off, *q = b->g->keys.data + b->group.key_off;

	for (size_t k = 0; k < a->g->nkeys; k++) {
		struct lake_sqlval x, y;
		p = get_value(p, &x);
		q = get_value(q, &y);
		int r = value_order(&x, &y);
		if (r)
			return a->desc && a->desc[k] ? -r : r;
	}
	return 0;
}

void lake_groups_sort(struct lake_groups *g, const unsigned char *desc)
{
	struct sort_item *items = lake_xcalloc(g->ngroups ? g->ngroups : 1, sizeof *items);

	for (size_t i = 0; i < g->ngroups; i++)
		items[i] = (struct sort_item){g->groups[i], g, desc};
	qsort(items, g->ngroups, sizeof *items, group_order);
	for (size_t i = 0; i < g->ngroups; i++)
		g->groups[i] = items[i].group;
	free(items);
	/* The hash table's group numbers are stale now: nothing is added after a sort. */
	memset(g->slots, 0, g->nslots * sizeof *g->slots);
}

/* Make group k current: its keys decoded, its rows ready to give. */
static void enter_group(struct lake_groups *g, size_t k)
{
	const struct group *gr = &g->groups[k];
	const char *p = g->keys.data + gr->key_off;

	g->at_group = k;
	g->left = gr->rows;
	g->at_row = gr->head;
	for (size_t i = 0; i < g->nkeys; i++)
		p = get_value(p, &g->key_vals[i]);
}

int lake_groups_next(struct lake_groups *g, const struct lake_sqlval **keys,
		     const struct lake_sqlval **other)
{
	if (!g->started) {
		g->started = 1;
		if (!g->ngroups)
			return 0;
		enter_group(g, 0);
	}
	while (!g->left) {
		if (g->at_group + 1 >= g->ngroups)
			return 0;
		enter_group(g, g->at_group + 1);
	}
	g->left--;
	if (g->nother) {
		const char *p = g->at_row;
		memcpy(&g->at_row, p, sizeof g->at_row);
		p += sizeof(char *);
		for (size_t i = 0; i < g->nother; i++)
			p = get_value(p, &g->other_vals[i]);
	}
	*keys = g->key_vals;
	*other = g->other_vals;
	return 1;
}
