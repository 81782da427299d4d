/*
 * vtab_gather.c - a GROUP BY or DISTINCT gathered by the scan: rows are
 * kept by their keys' hash (vtab_group.h) and given group after group in
 * the keys' order, so that SQLite sorts nothing.
 */
#include "query/vtab_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "base/buf.h"
#include "values/infer.h"
#include "formats/input.h"
#include "values/jscan.h"
#include "query/scan.h"
#include "query/vtab_group.h"
#include "store/table_props.h"

/* ---- grouping ---- */

/*
 * The keys of a GROUP BY are given to SQLite where they lie, not copied
 * for every row (a copy per key and row was a tenth of the statement's
 * work): SQLite may hold them in its registers, an aggregate's value
 * among them, past this cursor's next filter or its close.  So their
 * memory is kept until the table is disconnected, which SQLite does only
 * once no statement uses it.  Up to this many bytes per table; past it,
 * keys are copied again.
 */
#define KEPT_KEYS_MAX ((size_t)64 << 20)

static void keep_keys(struct lake_cursor *cur, struct lake_vtab *v)
{
	cur->static_keys = v->kept_bytes + lake_groups_key_bytes(cur->groups) <= KEPT_KEYS_MAX;
	if (cur->static_keys)
		v->kept_bytes += lake_groups_key_bytes(cur->groups);
}

void lake_vtab_forget_groups(struct lake_cursor *cur)
{
	struct lake_vtab *v = (struct lake_vtab *)cur->base.pVtab;

	void *keys = cur->groups && cur->static_keys ? lake_groups_take_keys(cur->groups) : NULL;
	if (keys) {
		if (v->nkept == v->cap_kept) {
			v->cap_kept = v->cap_kept ? 2 * v->cap_kept : 8;
			v->kept = lake_xrealloc(v->kept, v->cap_kept * sizeof *v->kept);
		}
		v->kept[v->nkept++] = keys;
	}
	cur->static_keys = 0;
	free(cur->group_cols);
	cur->group_cols = NULL;
	lake_groups_free(cur->groups);
	cur->groups = NULL;
	free(cur->group_slot);
	cur->group_slot = NULL;
}

/* Which columns group (the plan's list) and which others the statement uses. */
static void plan_groups(struct lake_cursor *cur, struct lake_vtab *v, const char *list,
			size_t *nkeys, size_t *nother, unsigned char *desc)
{
	cur->group_slot = lake_xcalloc((size_t)v->ncols + 1, sizeof *cur->group_slot);
	for (int c = 0; c < v->ncols; c++)
		cur->group_slot[c] = -1;
	*nkeys = *nother = 0;
	for (const char *p = list; *p; p++) {
		int down = *p == '~';
		int c = atoi(p + down);
		if (c >= 0 && c < v->ncols && cur->group_slot[c] == -1) {
			desc[*nkeys] = (unsigned char)down;
			cur->group_slot[c] = (int)(*nkeys)++;
		}
		while (p[1] && p[1] != ',')
			p++;
		if (p[1] == ',')
			p++;
	}
	for (int c = 0; c < v->ncols; c++)
		if (cur->group_slot[c] == -1 && lake_vtab_used(cur, c))
			cur->group_slot[c] = -2 - (int)(*nother)++;
}

/* Give the next gathered row; eof after the last. */
void lake_vtab_next_grouped(struct lake_cursor *cur)
{
	cur->eof = !lake_groups_next(cur->groups, &cur->group_keys, &cur->group_other);
	cur->group_row++;
}

/*
 * Rows whose grouping values all came with codes (scan.h: Parquet's
 * dictionary entries) find their group by the codes, remembered for the
 * batch: their keys are then not made into SQL values, hashed or
 * compared, which was most of a gathering's time.
 */
#define MEMO_KEYS 4
#define MEMO_SLOTS 4096 /* a power of two; at most half are filled per batch */

struct memo {
	uint32_t stamp; /* the batch it was made in */
	uint32_t codes[MEMO_KEYS];
	size_t group;
	uint64_t
	    bad; /* values its keys made NULL (lake_vtab_bad_value()): counted again at each row */
};

/* What a gathering reads of each row, and where. */
struct gathering {
	size_t nkeys, nother;
	int *key_col, *other_col; /* the table's columns */
	int *key_slot;		  /* the keys' places among a record's values */
	struct lake_sqlval *keys, *other;
	struct lake_buf *copies; /* per column: a decoded JSON string's copy */
	struct memo *memo;	 /* NULL: a key is not a data column, or there are too many */
	uint32_t stamp;
	size_t memo_used;
};

static void start_gathering(struct gathering *ga, struct lake_cursor *cur, struct lake_vtab *v,
			    size_t nkeys, size_t nother)
{
	size_t ncols = (size_t)v->ncols + 1;

	memset(ga, 0, sizeof *ga);
	ga->key_col = lake_xcalloc(nkeys + 1, sizeof *ga->key_col);
	ga->key_slot = lake_xcalloc(nkeys + 1, sizeof *ga->key_slot);
	ga->other_col = lake_xcalloc(nother + 1, sizeof *ga->other_col);
	ga->keys = lake_xcalloc(nkeys + 1, sizeof *ga->keys);
	ga->other = lake_xcalloc(nother + 1, sizeof *ga->other);
	ga->copies = lake_xcalloc(ncols, sizeof *ga->copies);
	int coded = nkeys <= MEMO_KEYS;
	for (int c = 0; c < v->ncols; c++) {
		int k = cur->group_slot[c];
		if (k >= 0) {
			ga->key_col[k] = c;
			ga->key_slot[k] = cur->slot[c];
			coded = coded && cur->slot[c] >= 0;
		} else if (k <= -2) {
			ga->other_col[-2 - k] = c;
		}
	}
	ga->nkeys = nkeys;
	ga->nother = nother;
	if (coded && nkeys)
		ga->memo = lake_xcalloc(MEMO_SLOTS, sizeof *ga->memo);
}

static void end_gathering(struct gathering *ga, const struct lake_vtab *v)
{
	for (int c = 0; c <= v->ncols; c++)
		lake_buf_release(&ga->copies[c]);
	free(ga->copies);
	free(ga->key_col);
	free(ga->key_slot);
	free(ga->other_col);
	free(ga->keys);
	free(ga->other);
	free(ga->memo);
}

/* A new batch: its codes are not the last one's. */
static void next_memo_stamp(struct gathering *ga)
{
	if (!ga->memo)
		return;
	if (++ga->stamp == 0) {
		memset(ga->memo, 0, MEMO_SLOTS * sizeof *ga->memo);
		ga->stamp = 1;
	}
	ga->memo_used = 0;
}

/*
 * The memo of the current row's key codes: one of this batch (its group
 * known), or a free one with the codes set; NULL when a key has no code.
 */
static struct memo *memo_of_row(struct gathering *ga, const struct lake_cursor *cur)
{
	const struct lake_scan_value *vals = &cur->batch->values[cur->row * (size_t)cur->nvalues];
	uint32_t codes[MEMO_KEYS];
	uint64_t h = 0;

	for (size_t k = 0; k < ga->nkeys; k++) {
		codes[k] = vals[ga->key_slot[k]].code;
		if (!codes[k])
			return NULL;
		h = (h ^ codes[k]) * 0x9E3779B97F4A7C15ull;
	}
	for (size_t i = (h >> 40) & (MEMO_SLOTS - 1);; i = (i + 1) & (MEMO_SLOTS - 1)) {
		struct memo *m = &ga->memo[i];
		if (m->stamp == ga->stamp) {
			size_t k = 0;
			while (k < ga->nkeys && m->codes[k] == codes[k])
				k++;
			if (k == ga->nkeys)
				return m;
			continue;
		}
		if (2 * ga->memo_used >= MEMO_SLOTS)
			return NULL;
		memcpy(m->codes, codes, ga->nkeys * sizeof *codes);
		return m;
	}
}

/* Columns cols[0..n) of the current row into vals; a decoded JSON string is copied. */
static void row_values(struct lake_cursor *cur, struct lake_vtab *v, const int *cols, size_t n,
		       struct lake_sqlval *vals, struct lake_buf *copies)
{
	for (size_t i = 0; i < n; i++) {
		struct lake_sqlval *val = &vals[i];
		lake_vtab_column_value(cur, v, cols[i], val);
		/* A decoded JSON string lives in cur->text until the next. */
		if (val->type == SQLITE_TEXT && val->s == cur->text.data) {
			struct lake_buf *copy = &copies[cols[i]];
			lake_buf_reset(copy);
			lake_buf_grow(copy, val->n + 1);
			lake_buf_add(copy, val->s, val->n);
			val->s = copy->data;
		}
	}
}

/* The rows the current record stands for: more than one when the scan folded them. */
static uint64_t record_rows(struct lake_cursor *cur, struct lake_vtab *v)
{
	uint64_t rows = cur->batch && cur->batch->weights ? cur->batch->weights[cur->row] : 1;

	/* lake_vtab_advance() counted one. */
	v->ctx->stats->rows += rows - 1;
	v->ctx->tables[v->scans].stats.rows += rows - 1;
	return rows;
}

/* Keep the current record's rows in their group. */
static void gather_row(struct gathering *ga, struct lake_cursor *cur, struct lake_vtab *v)
{
	struct memo *m = ga->memo ? memo_of_row(ga, cur) : NULL;
	uint64_t *bad = &v->ctx->stats->bad_values, before = *bad;
	uint64_t rows = record_rows(cur, v);

	if (m && m->stamp == ga->stamp) {
		*bad += m->bad * rows;
		row_values(cur, v, ga->other_col, ga->nother, ga->other, ga->copies);
		lake_groups_add_to(cur->groups, m->group, ga->other, rows);
		return;
	}
	row_values(cur, v, ga->key_col, ga->nkeys, ga->keys, ga->copies);
	uint64_t keys_bad = *bad - before;
	*bad += keys_bad * (rows - 1);
	row_values(cur, v, ga->other_col, ga->nother, ga->other, ga->copies);
	size_t group = lake_groups_add(cur->groups, ga->keys, ga->other, rows);
	if (m) {
		m->stamp = ga->stamp;
		m->group = group;
		m->bad = keys_bad;
		ga->memo_used++;
	}
}

/*
 * Where each column's value is in the gathered rows: lake_groups_next()
 * gives the same arrays for every row, so this is worked out once.
 */
static void place_grouped_columns(struct lake_cursor *cur, const struct lake_vtab *v)
{
	static const struct lake_sqlval null_value = {SQLITE_NULL, 0, 0, 0, NULL, 0};

	cur->group_cols = lake_xcalloc((size_t)v->ncols + 1, sizeof *cur->group_cols);
	for (int c = 0; c <= v->ncols; c++) {
		int k = c < v->ncols ? cur->group_slot[c] : -1;
		struct grouped_col *g = &cur->group_cols[c];
		g->val = k >= 0	   ? &cur->group_keys[k]
			 : k <= -2 ? &cur->group_other[-2 - k]
				   : &null_value;
		g->in_place = k >= 0 && cur->static_keys;
	}
}

/*
 * Read every row the scan gives, keeping each by its group's values, then
 * stand on the first: a GROUP BY's rows come a group at a time.
 */
int lake_vtab_gather_groups(struct lake_cursor *cur, struct lake_vtab *v, const char *list)
{
	unsigned char *desc = lake_xcalloc((size_t)v->ncols + 1, 1);
	struct gathering ga;
	size_t nkeys, nother;
	int rc;

	plan_groups(cur, v, list, &nkeys, &nother, desc);
	cur->groups = lake_groups_new(nkeys, nother);
	/* Rows alike in every used column are one to the groups when only keys are used. */
	cur->fold = nother == 0;
	start_gathering(&ga, cur, v, nkeys, nother);
	for (rc = lake_vtab_advance(cur); rc == SQLITE_OK && !cur->eof;
	     rc = lake_vtab_advance(cur)) {
		if (cur->row == 0)
			next_memo_stamp(&ga);
		gather_row(&ga, cur, v);
	}
	end_gathering(&ga, v);
	lake_vtab_close_file(cur);
	if (rc == SQLITE_OK)
		lake_groups_sort(cur->groups, desc);
	free(desc);
	if (rc != SQLITE_OK)
		return rc;
	keep_keys(cur, v);
	cur->group_row = 0;
	lake_vtab_next_grouped(cur);
	if (!cur->eof)
		place_grouped_columns(cur, v);
	return SQLITE_OK;
}

/* A gathered row's column: a key's text in place when its memory is kept (keep_keys()). */
void lake_vtab_grouped_column(const struct lake_cursor *cur, sqlite3_context *ctx, int col)
{
	/* A hidden column past the declared ones (a guard) is not gathered. */
	if (col < 0 || col > ((const struct lake_vtab *)cur->base.pVtab)->ncols) {
		sqlite3_result_null(ctx);
		return;
	}
	const struct grouped_col *g = &cur->group_cols[col];

	if (g->in_place && g->val->type == SQLITE_TEXT)
		sqlite3_result_text(ctx, g->val->s, (int)g->val->n, SQLITE_STATIC);
	else
		lake_vtab_set_result(ctx, g->val);
}
