/*
 * vtab_cache.c - a lake table's rows kept in memory for one statement:
 * the values of the columns the statement uses, as SQL is given them, of
 * every row the chosen files hold, with each row's id, and for each
 * column that a join looks rows up by a hash of the rows by its value.
 * vtab_join.c decides when a table's rows are kept and for how long; a
 * cursor then reads them here instead of its files.
 *
 * A lookup may give more rows than are equal to the key (never fewer):
 * SQLite checks every row a lake table gives it (vtab_plan.c leaves each
 * constraint's omit at 0), so a value this module cannot compare as SQL
 * would (a number looked up in a text column, where SQLite's affinities
 * decide) gives every row, and SQL's comparison decides.
 */
#include "query/vtab_internal.h"

#include <stdlib.h>
#include <string.h>

/* A value as kept: 16 bytes, where a struct lake_sqlval takes 40. */
struct cell {
	union {
		int64_t i;
		double d;
		const char *s;
	} u;
	uint32_t n;   /* a text's length */
	uint8_t type; /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_FLOAT or SQLITE_TEXT */
	uint8_t json; /* a text holding JSON: SQL gets the JSON subtype */
};

/* Texts are copied into blocks that never move, so that cells can point at them. */
struct chunk {
	struct chunk *prev;
	size_t used, cap;
	char data[];
};

#define CHUNK_SIZE ((size_t)1 << 20)

/*
 * The rows by one column's value, open-addressed: a slot is a row + 1
 * (0: empty) and the top 32 bits of its value's hash, so that a lookup
 * reads one slot (a row's cells are far apart in memory: reading one per
 * candidate made a join's lookups wait on memory most of their time).
 * Rows whose hash's bits match and whose values do not are given all the
 * same, and SQLite's own comparison drops them.  A key's rows follow one
 * another along its slots in the files' order.
 */
struct lake_kept_hash {
	int col;
	uint32_t mask; /* slots - 1; at most half the slots are filled */
	uint64_t *slots;
};

/* What a row costs besides its texts: its cells, its id, and its share of a hash. */
#define HASH_BYTES_PER_ROW (4 * sizeof(uint64_t))

struct lake_kept {
	struct lake_vtab *v;
	uint64_t used;	       /* the columns (colUsed's bits) */
	struct constraint *ks; /* the scan's constraints (copies), which chose the files */
	int nks;
	int ncells;
	int *cell_of; /* per column of the table: its place among a row's cells, or -1 */
	int *cols;    /* per cell: its column */
	struct cell *cells;
	int64_t *rowids;
	size_t nrows, cap;
	struct chunk *text;
	size_t text_bytes; /* the chunks' sizes */
	struct lake_kept_hash *hashes;
	int nhashes;
};

struct lake_kept *lake_kept_new(struct lake_vtab *v, uint64_t used, const struct constraint *ks,
				int nks)
{
	struct lake_kept *k = lake_xcalloc(1, sizeof *k);
	uint64_t one = 1;

	k->v = v;
	k->used = used;
	k->cell_of = lake_xcalloc((size_t)v->ncols + 1, sizeof *k->cell_of);
	k->cols = lake_xcalloc((size_t)v->ncols + 1, sizeof *k->cols);
	for (int c = 0; c < v->ncols; c++) {
		k->cell_of[c] = -1;
		if ((used >> (c < 63 ? c : 63)) & one) {
			k->cols[k->ncells] = c;
			k->cell_of[c] = k->ncells++;
		}
	}
	k->ks = lake_xcalloc((size_t)nks + 1, sizeof *k->ks);
	for (int i = 0; i < nks; i++) {
		k->ks[i] = ks[i];
		k->ks[i].values = lake_xcalloc((size_t)ks[i].nvalues + 1, sizeof *k->ks[i].values);
		for (int j = 0; j < ks[i].nvalues; j++)
			k->ks[i].values[j] = sqlite3_value_dup(ks[i].values[j]);
		k->ks[i].owned = 1;
	}
	k->nks = nks;
	return k;
}

/* The hashes hold the rows kept when they were made: rows added later need new ones. */
static void forget_hashes(struct lake_kept *k)
{
	for (int i = 0; i < k->nhashes; i++)
		free(k->hashes[i].slots);
	free(k->hashes);
	k->hashes = NULL;
	k->nhashes = 0;
}

void lake_kept_clear(struct lake_kept *k)
{
	while (k->text) {
		struct chunk *prev = k->text->prev;
		free(k->text);
		k->text = prev;
	}
	forget_hashes(k);
	free(k->cells);
	free(k->rowids);
	k->cells = NULL;
	k->rowids = NULL;
	k->nrows = k->cap = k->text_bytes = 0;
}

void lake_kept_free(struct lake_kept *k)
{
	if (!k)
		return;
	lake_kept_clear(k);
	lake_vtab_free_plan(k->ks, k->nks);
	free(k->cell_of);
	free(k->cols);
	free(k);
}

struct lake_vtab *lake_kept_vtab(const struct lake_kept *k)
{
	return k->v;
}

size_t lake_kept_bytes(const struct lake_kept *k)
{
	return k->cap * ((size_t)k->ncells * sizeof(struct cell) + sizeof(int64_t) +
			 HASH_BYTES_PER_ROW) +
	       k->text_bytes;
}

/* ---- which scans the rows serve ---- */

/* Two constraint values alike, byte for byte: the same literal or list gives the same files. */
static int same_value(sqlite3_value *a, sqlite3_value *b)
{
	int t = sqlite3_value_type(a);

	if (t != sqlite3_value_type(b))
		return 0;
	switch (t) {
	case SQLITE_INTEGER:
		return sqlite3_value_int64(a) == sqlite3_value_int64(b);
	case SQLITE_FLOAT: {
		double x = sqlite3_value_double(a), y = sqlite3_value_double(b);
		return memcmp(&x, &y, sizeof x) == 0;
	}
	case SQLITE_NULL:
		return 1;
	default: {
		const void *p =
		    t == SQLITE_TEXT ? (const void *)sqlite3_value_text(a) : sqlite3_value_blob(a);
		const void *q =
		    t == SQLITE_TEXT ? (const void *)sqlite3_value_text(b) : sqlite3_value_blob(b);
		int n = sqlite3_value_bytes(a);
		return n == sqlite3_value_bytes(b) && (n == 0 || memcmp(p, q, (size_t)n) == 0);
	}
	}
}

int lake_kept_matches(const struct lake_kept *k, uint64_t used, const struct constraint *ks,
		      int nks)
{
	if (k->used != used || k->nks != nks)
		return 0;
	for (int i = 0; i < nks; i++) {
		const struct constraint *a = &k->ks[i], *b = &ks[i];
		if (a->col != b->col || a->op != b->op || a->nvalues != b->nvalues)
			return 0;
		for (int j = 0; j < a->nvalues; j++)
			if (!same_value(a->values[j], b->values[j]))
				return 0;
	}
	return 1;
}

/* ---- keeping rows ---- */

/* Room for n bytes of text, within limit; NULL when that would pass it. */
static char *text_room(struct lake_kept *k, size_t n, size_t limit)
{
	struct chunk *c = k->text;

	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK_SIZE ? n : CHUNK_SIZE;
		if (lake_kept_bytes(k) + cap > limit)
			return NULL;
		c = lake_xmalloc(sizeof *c + cap);
		c->prev = k->text;
		c->used = 0;
		c->cap = cap;
		k->text = c;
		k->text_bytes += cap;
	}
	c->used += n;
	return c->data + c->used - n;
}

/* Room for one more row, within limit. */
static int row_room(struct lake_kept *k, size_t limit)
{
	size_t cap = k->cap ? 2 * k->cap : 1024;
	size_t row = (size_t)k->ncells * sizeof(struct cell) + sizeof(int64_t) + HASH_BYTES_PER_ROW;

	if (k->nrows < k->cap)
		return 0;
	/* Rows are numbered by 32 bits in the hashes, with 0 for none. */
	if (k->nrows >= UINT32_MAX - 1 || k->text_bytes + cap * row > limit)
		return -1;
	k->cells = lake_xrealloc(k->cells, cap * (size_t)k->ncells * sizeof *k->cells);
	k->rowids = lake_xrealloc(k->rowids, cap * sizeof *k->rowids);
	k->cap = cap;
	return 0;
}

static int keep_value(struct lake_kept *k, const struct lake_sqlval *val, struct cell *out,
		      size_t limit)
{
	memset(out, 0, sizeof *out);
	out->type = (uint8_t)val->type;
	out->json = (uint8_t)val->json;
	switch (val->type) {
	case SQLITE_INTEGER:
		out->u.i = val->i;
		return 0;
	case SQLITE_FLOAT:
		out->u.d = val->d;
		return 0;
	case SQLITE_TEXT: {
		char *s = val->n > UINT32_MAX ? NULL : text_room(k, val->n ? val->n : 1, limit);
		if (!s)
			return -1;
		memcpy(s, val->s, val->n);
		out->u.s = s;
		out->n = (uint32_t)val->n;
		return 0;
	}
	default:
		out->type = SQLITE_NULL;
		return 0;
	}
}

int lake_kept_add_row(struct lake_kept *k, struct lake_cursor *cur, size_t limit)
{
	struct lake_sqlval val;

	if (k->nhashes)
		forget_hashes(k);
	if (row_room(k, limit) < 0)
		return -1;
	struct cell *row = &k->cells[k->nrows * (size_t)k->ncells];
	for (int i = 0; i < k->ncells; i++) {
		lake_vtab_column_value(cur, k->v, k->cols[i], &val);
		if (keep_value(k, &val, &row[i], limit) < 0)
			return -1;
	}
	/* The id a scan of the files gives the row (x_rowid()). */
	k->rowids[k->nrows++] = (int64_t)((uint64_t)cur->file->id << 32 | (uint64_t)cur->ordinal);
	return 0;
}

/* ---- hashing and comparing as SQL's = does ---- */

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static uint64_t hash_text(const char *s, size_t n)
{
	uint64_t h = mix(n + 0x9e3779b97f4a7c15ull), w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = mix(h ^ w);
	}
	w = 0;
	memcpy(&w, s, n);
	return mix(h ^ w ^ 0x5bd1e995ull);
}

/* A double that is a whole int64 is that integer: 5.0 = 5 in SQL. */
static int whole(double d, int64_t *i)
{
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
		return 0;
	*i = (int64_t)d;
	return (double)*i == d;
}

/* A number's hash, the same for 5 and 5.0. */
static uint64_t hash_number(int type, int64_t i, double d)
{
	uint64_t bits;

	if (type == SQLITE_INTEGER || whole(d, &i))
		return mix((uint64_t)i);
	memcpy(&bits, &d, sizeof bits);
	return mix(bits ^ 0xd6e8feb86659fd93ull);
}

static uint64_t hash_cell(const struct cell *c)
{
	return c->type == SQLITE_TEXT ? hash_text(c->u.s, c->n)
				      : hash_number(c->type, c->u.i, c->u.d);
}

static uint64_t hash_key(const struct lake_sqlval *key)
{
	return key->type == SQLITE_TEXT ? hash_text(key->s, key->n)
					: hash_number(key->type, key->i, key->d);
}

#define SLOT_ROW(s) ((uint32_t)(s))
#define SLOT_TAG(s) ((uint32_t)((s) >> 32))

/* Column col's hash, made at its first lookup. */
static const struct lake_kept_hash *hash_of(struct lake_kept *k, int col)
{
	for (int i = 0; i < k->nhashes; i++)
		if (k->hashes[i].col == col)
			return &k->hashes[i];
	size_t size = 2;
	while (size < 2 * k->nrows)
		size *= 2;
	k->hashes = lake_xrealloc(k->hashes, (size_t)(k->nhashes + 1) * sizeof *k->hashes);
	struct lake_kept_hash *h = &k->hashes[k->nhashes++];
	h->col = col;
	h->mask = (uint32_t)(size - 1);
	h->slots = lake_xcalloc(size, sizeof *h->slots);
	int cell = k->cell_of[col];
	for (size_t r = 0; r < k->nrows; r++) {
		const struct cell *c = &k->cells[r * (size_t)k->ncells + (size_t)cell];
		if (c->type == SQLITE_NULL)
			continue; /* NULL = anything is never true */
		uint64_t hash = hash_cell(c);
		uint32_t i = (uint32_t)hash & h->mask;
		while (h->slots[i])
			i = (i + 1) & h->mask;
		h->slots[i] = (hash & 0xffffffff00000000ull) | (uint64_t)(r + 1);
	}
	return h;
}

/* ---- reading kept rows ---- */

enum probe { PROBE_NONE, PROBE_ALL, PROBE_HASH };

static int numeric_kind(enum lake_kind k)
{
	return k == LAKE_T_BIGINT || k == LAKE_T_DOUBLE || k == LAKE_T_BOOLEAN;
}

/*
 * How to find the rows whose column col is = value: none (NULL), by the
 * hash (*key set, its text copied to buf), or every row when only SQL's
 * comparison can tell.  A numeric column is compared with text that
 * looks like a number as with that number (SQLite gives the text the
 * column's numeric affinity); a text column with a number only through
 * affinities this module does not follow.
 */
static enum probe probe_of(const struct lake_kept *k, int col, sqlite3_value *value,
			   struct lake_sqlval *key, struct lake_buf *buf)
{
	int t = sqlite3_value_type(value);

	memset(key, 0, sizeof *key);
	if (t == SQLITE_NULL)
		return PROBE_NONE;
	if (col < 0 || col >= k->v->ncols || k->cell_of[col] < 0)
		return PROBE_ALL;
	if (numeric_kind(k->v->cols[col].kind)) {
		sqlite3_value *n = t == SQLITE_TEXT ? sqlite3_value_dup(value) : value;
		int nt = t == SQLITE_TEXT && n ? sqlite3_value_numeric_type(n) : t;
		key->type = nt;
		key->i = nt == SQLITE_INTEGER ? sqlite3_value_int64(n) : 0;
		key->d = nt == SQLITE_FLOAT ? sqlite3_value_double(n) : 0;
		if (n != value)
			sqlite3_value_free(n);
		return nt == SQLITE_INTEGER || nt == SQLITE_FLOAT ? PROBE_HASH : PROBE_ALL;
	}
	if (t != SQLITE_TEXT)
		return PROBE_ALL;
	lake_buf_reset(buf);
	lake_buf_add(buf, sqlite3_value_text(value), (size_t)sqlite3_value_bytes(value));
	key->type = SQLITE_TEXT;
	key->s = buf->data ? buf->data : "";
	key->n = buf->len;
	return PROBE_HASH;
}

/* From slot i on, the first row whose hash's tag is the key's; eof at an empty slot. */
static void next_slot(struct lake_cursor *cur, uint32_t i)
{
	const struct lake_kept_hash *h = cur->pos.hash;
	uint64_t s;

	for (; (s = h->slots[i]) != 0; i = (i + 1) & h->mask)
		if (SLOT_TAG(s) == cur->pos.tag) {
			cur->pos.slot = i;
			cur->pos.row = SLOT_ROW(s) - 1;
			/* SQLite reads the row's key next, to compare it: start the load now. */
			__builtin_prefetch(
			    &cur->kept->cells[(size_t)cur->pos.row * (size_t)cur->kept->ncells]);
			return;
		}
	cur->eof = 1;
}

void lake_kept_start(struct lake_cursor *cur, struct lake_kept *k, int col, sqlite3_value *key)
{
	enum probe p = key ? probe_of(k, col, key, &cur->pos.key, &cur->key_text) : PROBE_ALL;

	cur->kept = k;
	cur->eof = 0;
	cur->pos.row = 0;
	cur->pos.col = col;
	cur->pos.probe = p == PROBE_HASH;
	if (p == PROBE_NONE || k->nrows == 0) {
		cur->eof = 1;
	} else if (p == PROBE_HASH) {
		uint64_t hash = hash_key(&cur->pos.key);
		cur->pos.hash = hash_of(k, col);
		cur->pos.tag = (uint32_t)(hash >> 32);
		next_slot(cur, (uint32_t)hash & cur->pos.hash->mask);
	}
}

void lake_kept_next(struct lake_cursor *cur)
{
	struct lake_kept *k = cur->kept;

	if (cur->pos.probe)
		next_slot(cur, (cur->pos.slot + 1) & cur->pos.hash->mask);
	else if (++cur->pos.row >= k->nrows)
		cur->eof = 1;
}

/*
 * A kept text is given to SQLite in place: the rows stay until the
 * statement has ended (vtab_join.c frees them then, or when the table is
 * disconnected), so a value SQLite holds on to stays valid.
 */
void lake_kept_column(const struct lake_cursor *cur, sqlite3_context *ctx, int col)
{
	const struct lake_kept *k = cur->kept;

	if (col < 0 || col >= k->v->ncols || k->cell_of[col] < 0) {
		sqlite3_result_null(ctx);
		return;
	}
	const struct cell *c =
	    &k->cells[(size_t)cur->pos.row * (size_t)k->ncells + (size_t)k->cell_of[col]];
	switch (c->type) {
	case SQLITE_INTEGER:
		sqlite3_result_int64(ctx, c->u.i);
		break;
	case SQLITE_FLOAT:
		sqlite3_result_double(ctx, c->u.d);
		break;
	case SQLITE_TEXT:
		sqlite3_result_text(ctx, c->u.s, (int)c->n, SQLITE_STATIC);
		if (c->json)
			sqlite3_result_subtype(ctx, JSON_SUBTYPE);
		break;
	default:
		sqlite3_result_null(ctx);
	}
}

sqlite3_int64 lake_kept_rowid(const struct lake_cursor *cur)
{
	return cur->kept->rowids[cur->pos.row];
}
