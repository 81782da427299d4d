/*
 * vtab_join.c - joins over lake tables.  SQLite joins by nested loops:
 * for each row of the outer table it scans the inner one again, with the
 * join's constraints (a.iata = f.origin) as values that change from scan
 * to scan.  A lake table scanned so was read and decoded from its files
 * once per outer row.  Here, instead:
 *
 *  - xBestIndex's costs and row counts come from the catalog's row
 *    counts, and a scan by a changing equality is priced as a lookup in
 *    a hash whose making is shared out over the other tables' rows, so
 *    that SQLite puts the smaller table inside, to be hashed, and loops
 *    over the larger one (lake_vtab_join_plan()).  The tables a
 *    statement reads are first learnt by planning it once
 *    (lake_vtab_prepare()).
 *  - The inner table's rows are read from its files once per statement
 *    and kept in memory (vtab_cache.c); each further scan reads them
 *    there, by the hash of the join's key (lake_vtab_join_filter()).
 *    The files are chosen, as for any scan, by the constraints whose
 *    values stay the same (partitions and statistics skip files).
 *  - The kept rows are bounded (join_memory in the context); past the
 *    bound a table is read again for each scan, as before, with a
 *    warning.
 */
#include "query/vtab_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"

/* Kept rows of one scan's kind: the columns and constraints that chose its files. */
struct kept_entry {
	struct lake_kept *rows;
	/* No rows yet; those of some files (a first lookup's); of all; past the bound. */
	enum { KEPT_NEW, KEPT_PART, KEPT_BUILT, KEPT_TOO_BIG } state;
	unsigned filters; /* scans of this kind so far */
	int64_t *files;	  /* the files whose rows are kept (catalog ids) */
	size_t nfiles;
	struct kept_entry *next;
};

/*
 * A table the statement reads: the fewest rows any of its scans is
 * thought to give, and the comparisons (column and operator) that SQLite
 * offered it as unusable in some plan, which are those on another
 * table's columns: a join's.
 */
struct census_entry {
	const struct lake_vtab *v;
	double rows;
	struct join_term {
		int col;
		unsigned char op;
	} * joins;
	size_t njoins;
};

enum census_state { CENSUS_OFF, CENSUS_TAKING, CENSUS_TAKEN };

struct lake_join_state {
	struct kept_entry *kept;
	size_t bytes; /* of all kept rows */
	struct census_entry *census;
	size_t ncensus;
	enum census_state census_state;
	int joins_seen; /* a join's comparison was seen while taking the census */
	int off; /* LAKE_TEST_NO_JOIN_CACHE: plans and scans as before joins were planned here */
};

/* ---- the state of the statement ---- */

static struct lake_join_state *state(struct lake_vtab_context *ctx)
{
	if (!ctx->joins) {
		ctx->joins = lake_xcalloc(1, sizeof *ctx->joins);
#ifndef NDEBUG
		/*
		 * Test-only (compiled out of release builds): plan and scan as
		 * before, every scan from the files, so that a test can compare
		 * every answer with the one given without joins' help.
		 */
		const char *off = getenv("LAKE_TEST_NO_JOIN_CACHE");
		ctx->joins->off = off && *off && strcmp(off, "0") != 0;
#endif
	}
	return ctx->joins;
}

uint64_t lake_vtab_join_memory_default(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	uint64_t gib = (uint64_t)1 << 30;

	if (pages <= 0 || size <= 0)
		return gib;
	uint64_t quarter = (uint64_t)pages * (uint64_t)size / 4;
	return quarter < gib ? quarter : gib;
}

static uint64_t join_memory(const struct lake_vtab_context *ctx)
{
	return ctx->join_memory ? ctx->join_memory : lake_vtab_join_memory_default();
}

static void free_kept(struct lake_join_state *js,
		      int (*drop)(const struct kept_entry *, const void *), const void *arg)
{
	for (struct kept_entry **p = &js->kept; *p;) {
		struct kept_entry *e = *p;
		if (drop && !drop(e, arg)) {
			p = &e->next;
			continue;
		}
		js->bytes -= lake_kept_bytes(e->rows);
		*p = e->next;
		lake_kept_free(e->rows);
		free(e->files);
		free(e);
	}
}

static void clear_census(struct lake_join_state *js)
{
	for (size_t i = 0; i < js->ncensus; i++)
		free(js->census[i].joins);
	js->ncensus = 0;
	js->joins_seen = 0;
}

void lake_vtab_end_statement(struct lake_vtab_context *ctx)
{
	if (!ctx->joins)
		return;
	free_kept(ctx->joins, NULL, NULL);
	ctx->joins->bytes = 0;
	clear_census(ctx->joins);
	ctx->joins->census_state = CENSUS_OFF;
}

static int of_table(const struct kept_entry *e, const void *v)
{
	return lake_kept_vtab(e->rows) == v;
}

void lake_vtab_join_forget(struct lake_vtab *v)
{
	struct lake_join_state *js = v->ctx->joins;

	if (!js)
		return;
	free_kept(js, of_table, v);
	for (size_t i = 0; i < js->ncensus; i++)
		if (js->census[i].v == v) {
			free(js->census[i].joins);
			js->census[i--] = js->census[--js->ncensus];
		}
}

void lake_vtab_context_release(struct lake_vtab_context *ctx)
{
	if (!ctx->joins)
		return;
	free_kept(ctx->joins, NULL, NULL);
	clear_census(ctx->joins);
	free(ctx->joins->census);
	free(ctx->joins);
	ctx->joins = NULL;
}

/* ---- planning ---- */

int lake_vtab_prepare(struct lake_vtab_context *ctx, sqlite3 *db, const char *sql,
		      sqlite3_stmt **st, const char **tail)
{
	struct lake_join_state *js = state(ctx);
	int rc;

	clear_census(js);
	js->census_state = CENSUS_TAKING;
	rc = sqlite3_prepare_v2(db, sql, -1, st, tail);
	js->census_state = CENSUS_TAKEN;
	/* Without a join nor a second table, nothing is learnt that the first plan lacked. */
	if (rc == SQLITE_OK && *st && (js->ncensus >= 2 || js->joins_seen) && !js->off) {
		sqlite3_finalize(*st);
		*st = NULL;
		rc = sqlite3_prepare_v2(db, sql, -1, st, tail);
	}
	return rc;
}

static struct census_entry *census_of(const struct lake_join_state *js, const struct lake_vtab *v)
{
	for (size_t i = 0; i < js->ncensus; i++)
		if (js->census[i].v == v)
			return &js->census[i];
	return NULL;
}

static int is_join_term(const struct census_entry *c, int col, unsigned char op)
{
	for (size_t i = 0; c && i < c->njoins; i++)
		if (c->joins[i].col == col && c->joins[i].op == op)
			return 1;
	return 0;
}

/* While the census is taken: the table, its rows, and its constraints SQLite found unusable. */
static void count_in_census(struct lake_join_state *js, const struct lake_vtab *v,
			    const sqlite3_index_info *info, double rows)
{
	struct census_entry *c;

	if (js->census_state != CENSUS_TAKING)
		return;
	if (!(c = census_of(js, v))) {
		js->census = lake_xrealloc(js->census, (js->ncensus + 1) * sizeof *js->census);
		c = &js->census[js->ncensus++];
		memset(c, 0, sizeof *c);
		c->v = v;
		c->rows = rows;
	}
	if (rows < c->rows)
		c->rows = rows;
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *k = &info->aConstraint[i];
		if (k->usable || k->iColumn < 0 || k->iColumn >= v->ncols ||
		    is_join_term(c, k->iColumn, k->op))
			continue;
		c->joins = lake_xrealloc(c->joins, (c->njoins + 1) * sizeof *c->joins);
		c->joins[c->njoins].col = k->iColumn;
		c->joins[c->njoins++].op = k->op;
		js->joins_seen = 1;
	}
}

/*
 * How many scans a lookup into v is thought to be made for: the rows of
 * the largest other table the statement reads, whose loop it would sit
 * in; v's own when there is none known (a self-join, a first plan).
 */
static double outer_rows(const struct lake_join_state *js, const struct lake_vtab *v, double own)
{
	double most = 0;

	if (js->census_state != CENSUS_TAKEN)
		return own;
	for (size_t i = 0; i < js->ncensus; i++)
		if (js->census[i].v != v && js->census[i].rows > most)
			most = js->census[i].rows;
	return most > 0 ? most : own;
}

/* The rows of the table's files live in the version read, as the catalog counts them. */
static double table_rows(const struct lake_vtab *v)
{
	sqlite3_stmt *st;
	double rows = 1000;

	if (v->version < 0)
		return 1;
	if (sqlite3_prepare_v2(lake_catalog_db(v->ctx->lake->catalog),
			       "SELECT total(rows), count(*), count(rows) FROM files WHERE "
			       "table_id = ?1 AND state <> 'pending' AND added_version <= ?2 AND "
			       "added_version > ?3 AND (removed_version IS NULL OR "
			       "removed_version > ?2)",
			       -1, &st, NULL) != SQLITE_OK)
		return rows;
	sqlite3_bind_int64(st, 1, v->table_id);
	sqlite3_bind_int64(st, 2, v->version);
	sqlite3_bind_int64(st, 3, v->after);
	if (sqlite3_step(st) == SQLITE_ROW) {
		/* Files whose rows are not known count as a thousand rows each. */
		int64_t unknown = sqlite3_column_int64(st, 1) - sqlite3_column_int64(st, 2);
		rows = sqlite3_column_double(st, 0) + 1000.0 * (double)unknown;
	}
	sqlite3_finalize(st);
	return rows > 1 ? rows : 1;
}

/* What the plan's constraints (in argv's order) are to the costs, and the key a lookup uses. */
struct plan_terms {
	double selectivity; /* of the constant constraints */
	int nvarying;
	int njoins;
	int key;	 /* the changing equality looked up by: its place from 1; 0 when none */
	int key_is_data; /* on a data column (partition keys have few values) */
	/* Per constraint: 'c' constant, 'j' a join's, 'u' changing or not (see weigh_term()). */
	struct lake_buf flags;
};

/* The constraint that has argv's place `arg`, or -1. */
static int constraint_at(const sqlite3_index_info *info, int arg)
{
	for (int i = 0; i < info->nConstraint; i++)
		if (info->aConstraintUsage[i].argvIndex == arg)
			return i;
	return -1;
}

/*
 * A constraint whose value is known while planning (a literal), or an
 * IN list given whole, has the same value in every scan of the
 * statement: 'c'.  One that SQLite also offered as unusable compares with
 * another table's column: a join's, whose value changes from scan to
 * scan ('j').  Any other value is not known ('u'): a parameter, the same
 * in the statement's one scan, or an outer query's column, which changes
 * as a join's does.
 */
static void weigh_term(const struct lake_join_state *js, const struct lake_vtab *v,
		       sqlite3_index_info *info, int i, int place, struct plan_terms *t)
{
	const struct sqlite3_index_constraint *c = &info->aConstraint[i];
	sqlite3_value *rhs = NULL;
	int eq = c->op == SQLITE_INDEX_CONSTRAINT_EQ;
	int constant =
	    sqlite3_vtab_in(info, i, -1) || sqlite3_vtab_rhs_value(info, i, &rhs) == SQLITE_OK;
	int join = !constant && is_join_term(census_of(js, v), c->iColumn, c->op);

	lake_buf_addc(&t->flags, constant ? 'c' : join ? 'j' : 'u');
	if (constant) {
		t->selectivity *= !eq ? 1.0 / 3 : v->cols[c->iColumn].key ? 1.0 / 100 : 1.0 / 10;
		return;
	}
	t->nvarying++;
	t->njoins += join;
	const char *coll = sqlite3_vtab_collation(info, i);
	int binary = !coll || strcasecmp(coll, "BINARY") == 0;
	/* A data column's key beats a partition key's, which has few values. */
	if (eq && binary && (!t->key || (!t->key_is_data && !v->cols[c->iColumn].key))) {
		t->key = place;
		t->key_is_data = !v->cols[c->iColumn].key;
	}
}

static void weigh_terms(const struct lake_join_state *js, const struct lake_vtab *v,
			sqlite3_index_info *info, struct plan_terms *t)
{
	memset(t, 0, sizeof *t);
	t->selectivity = 1;
	t->flags = (struct lake_buf)LAKE_BUF_INIT;
	for (int arg = 1, place = 1;; arg++) {
		int i = constraint_at(info, arg);
		if (i < 0)
			break;
		if (info->aConstraint[i].iColumn >= v->ncols)
			continue; /* the guard, which the plan does not list */
		weigh_term(js, v, info, i, place++, t);
	}
}

/*
 * A plan's cost is the rows decoded from files, about.  A lookup by a
 * changing equality reads the kept rows of the table (n of them) once
 * per statement and then finds a key's rows in a hash: per scan, a
 * lookup, the rows found, and the table's decoding shared out over the
 * scans (the other table's rows), weighed thrice for the memory the kept
 * rows take.  So with two tables, a and b, loops over a with lookups into
 * b cost about 2.1a + 3b, and the other way 2.1b + 3a: the smaller table
 * is the one kept.  A lookup finds n / outer rows, at least one (each
 * outer row has its match, and the keys of the smaller side cover the
 * larger's).
 */
#define LOOKUP_COST 1.0
#define KEPT_ROW_COST 0.1
#define KEPT_MEMORY_WEIGHT 3.0

int lake_vtab_join_plan(struct lake_vtab *v, sqlite3_index_info *info, struct lake_buf *plan,
			double *cost)
{
	struct lake_join_state *js = state(v->ctx);
	struct plan_terms t;

	if (js->off)
		return 0;
	weigh_terms(js, v, info, &t);
	double n = table_rows(v) * t.selectivity;
	if (n < 1)
		n = 1;
	count_in_census(js, v, info, n);
	double rows = n, outer = outer_rows(js, v, n);
	*cost = n;
	if (t.nvarying) {
		double found = t.key ? n / outer : n / (double)(1 << (2 * t.nvarying));
		rows = found > 1 ? found : 1;
		*cost = (t.key ? LOOKUP_COST + KEPT_ROW_COST * rows : KEPT_ROW_COST * n) +
			KEPT_MEMORY_WEIGHT * n / outer;
		lake_buf_addf(plan, "#%d:%s", t.key, t.flags.data);
	}
	info->estimatedRows = (sqlite3_int64)rows;
	lake_buf_release(&t.flags);
	/* A join's inner scan gathers no GROUP BY: the lookups answer it. */
	return t.njoins > 0;
}

/* ---- scanning ---- */

static int uses_data(const struct lake_cursor *cur, const struct lake_vtab *v)
{
	for (int c = 0; c < v->ncols; c++)
		if (!v->cols[c].key && lake_vtab_used(cur, c))
			return 1;
	return 0;
}

static struct kept_entry *find_kept(struct lake_join_state *js, const struct lake_vtab *v,
				    uint64_t used, const struct constraint *ks, int nks)
{
	for (struct kept_entry *e = js->kept; e; e = e->next)
		if (lake_kept_vtab(e->rows) == v && lake_kept_matches(e->rows, used, ks, nks))
			return e;
	return NULL;
}

static void warn_too_big(struct lake_vtab *v)
{
	struct lake_vtab_context *ctx = v->ctx;
	char msg[256];

	if (!ctx->warn)
		return;
	snprintf(msg, sizeof msg,
		 "%s: its rows would take more than the %llu MiB a join may keep in memory "
		 "(--join-memory, LAKE_JOIN_MEMORY): reading it again for each scan instead",
		 ctx->tables[v->scans].name, (unsigned long long)(join_memory(ctx) >> 20));
	ctx->warn(msg, ctx->warn_arg);
}

/* A scan's constraints, told apart by what they are to the rows kept. */
struct scan_terms {
	const char *plan;      /* xFilter's idxStr */
	struct constraint *ks; /* all of them: what a scan of the files is chosen by */
	int nks;
	struct constraint *ck; /* the constant ones: what the files kept are chosen by */
	int nck;
	const struct constraint *key; /* the changing equality rows are looked up by, or NULL */
	int varying; /* some constraint's value changes from scan to scan ('j' or 'u') */
	int joins;   /* some is a join's ('j') */
};

/* The plan's "#K:flags" (see lake_vtab_join_plan()) applied to the scan's constraints. */
static void split_terms(const char *plan, struct constraint *ks, int nks, struct scan_terms *t)
{
	const char *hash = plan ? strchr(plan, '#') : NULL;
	const char *flags = hash && strchr(hash, ':') ? strchr(hash, ':') + 1 : NULL;
	int key = hash ? atoi(hash + 1) : 0;

	memset(t, 0, sizeof *t);
	t->plan = plan;
	t->ks = ks;
	t->nks = nks;
	t->ck = lake_xcalloc((size_t)nks + 1, sizeof *t->ck);
	for (int i = 0; i < nks; i++) {
		int varying = flags && (flags[i] == 'j' || flags[i] == 'u');
		t->varying |= varying;
		t->joins |= varying && flags[i] == 'j';
		if (!varying)
			t->ck[t->nck++] = ks[i];
	}
	/* SQLite may still give an IN's values one at a time: each is then an equality. */
	if (key > 0 && key <= nks && ks[key - 1].op == SQLITE_INDEX_CONSTRAINT_EQ &&
	    ks[key - 1].nvalues == 1)
		t->key = &ks[key - 1];
}

/*
 * Whether the plan's next scans are all answered by e's rows: kept
 * whole, for constant constraints whose values stay (an IN list's may
 * not: a correlated subquery's).
 */
static int same_rows_again(const struct kept_entry *e, const struct scan_terms *t)
{
	if (e->state != KEPT_BUILT)
		return 0;
	for (int i = 0; i < t->nck; i++)
		if (t->ck[i].op == 'I')
			return 0;
	return 1;
}

/* Answer the scan from e's rows: those equal to the key's value, or all. */
static void serve(struct lake_cursor *cur, struct lake_vtab *v, struct kept_entry *e,
		  const struct scan_terms *t)
{
	v->ctx->tables[v->scans].stats.kept_scans++;
	if (t->key)
		lake_kept_start(cur, e->rows, t->key->col, t->key->values[0]);
	else
		lake_kept_start(cur, e->rows, -1, NULL);
	cur->again.plan = same_rows_again(e, t) ? t->plan : NULL;
	cur->again.kept = e->rows;
	cur->again.col = t->key ? t->key->col : -1;
	cur->again.key_arg = t->key ? (int)(t->key - t->ks) : -1;
}

/*
 * A join's lookups are most of its time: the next one by the same plan
 * goes straight to the kept rows, its plan not read again, no file
 * chosen, nothing allocated.
 */
int lake_vtab_join_again(struct lake_cursor *cur, struct lake_vtab *v, const char *plan, int argc,
			 sqlite3_value **argv)
{
	const struct lake_kept_again *a = &cur->again;

	if (!a->plan || a->plan != plan || a->key_arg >= argc)
		return 0;
	lake_vtab_forget_files(cur);
	v->ctx->tables[v->scans].stats.scans++;
	v->ctx->tables[v->scans].stats.kept_scans++;
	lake_kept_start(cur, a->kept, a->col, a->key_arg >= 0 ? argv[a->key_arg] : NULL);
	return 1;
}

static int is_kept_file(const struct kept_entry *e, int64_t id)
{
	for (size_t i = 0; i < e->nfiles; i++)
		if (e->files[i] == id)
			return 1;
	return 0;
}

/*
 * Leave out of the chosen files those whose rows e holds already (a
 * first lookup's): counted as scanned when chosen, they are not read
 * again.
 */
static void drop_kept_files(struct lake_cursor *cur, struct lake_vtab *v,
			    const struct kept_entry *e)
{
	struct lake_scan_stats *s = v->ctx->stats, *t = &v->ctx->tables[v->scans].stats;
	size_t n = 0;

	for (size_t i = 0; i < cur->nfiles; i++) {
		struct file *f = &cur->files[i];
		if (!is_kept_file(e, f->id)) {
			cur->files[n++] = *f;
			continue;
		}
		s->files_scanned--;
		t->files_scanned--;
		s->bytes_scanned -= (uint64_t)f->bytes;
		t->bytes_scanned -= (uint64_t)f->bytes;
		free(f->path);
		free(f->partition);
		json_decref(f->vals);
	}
	cur->nfiles = n;
}

/*
 * Read every row of the chosen files into e, whole (a Parquet file's row
 * groups chosen by the constant constraints only, so that no later key
 * finds rows missing); *full when that would pass the memory bound.
 */
static int read_files_into(struct lake_cursor *cur, struct lake_vtab *v, struct kept_entry *e,
			   const struct scan_terms *t, int *full)
{
	struct lake_join_state *js = v->ctx->joins;
	uint64_t bound = join_memory(v->ctx);
	size_t before = lake_kept_bytes(e->rows), others = js->bytes - before;
	size_t limit = bound > others ? (size_t)(bound - others) : 0;
	int rc;

	if (v->parquet)
		lake_vtab_keep_data_constraints(cur, v, t->ck, t->nck);
	for (size_t i = 0; i < cur->nfiles; i++) {
		e->files = lake_xrealloc(e->files, (e->nfiles + 1) * sizeof *e->files);
		e->files[e->nfiles++] = cur->files[i].id;
	}
	*full = 0;
	rc = lake_vtab_advance(cur);
	while (rc == SQLITE_OK && !cur->eof &&
	       !(*full = lake_kept_add_row(e->rows, cur, limit) < 0))
		rc = lake_vtab_advance(cur);
	lake_vtab_forget_files(cur);
	js->bytes = others + lake_kept_bytes(e->rows);
	return rc;
}

/*
 * e's kind of scan is past the memory bound: this scan and every later
 * one reads its files (chosen by all its constraints), as any scan does.
 */
static int give_up_keeping(struct lake_cursor *cur, struct lake_vtab *v, struct kept_entry *e,
			   const struct scan_terms *t)
{
	struct lake_join_state *js = v->ctx->joins;
	int rc;

	/*
	 * A first lookup's rows (KEPT_PART) may be held by SQLite still, given
	 * in place: they stay, counted, until the statement ends.
	 */
	if (e->state == KEPT_NEW) {
		js->bytes -= lake_kept_bytes(e->rows);
		lake_kept_clear(e->rows);
	}
	e->state = KEPT_TOO_BIG;
	warn_too_big(v);
	rc = lake_vtab_choose_files(cur, v, t->ks, t->nks);
	return rc == SQLITE_OK ? lake_vtab_scan_files(cur, v, t->ks, t->nks) : rc;
}

/* Keep the rows of the files the constant constraints choose (but e's), then answer from them. */
static int keep_and_serve(struct lake_cursor *cur, struct lake_vtab *v, struct kept_entry *e,
			  const struct scan_terms *t)
{
	int full, rc = lake_vtab_choose_files(cur, v, t->ck, t->nck);

	if (rc != SQLITE_OK)
		return rc;
	drop_kept_files(cur, v, e);
	if ((rc = read_files_into(cur, v, e, t, &full)) != SQLITE_OK)
		return rc;
	if (full)
		return give_up_keeping(cur, v, e, t);
	e->state = KEPT_BUILT;
	serve(cur, v, e, t);
	return SQLITE_OK;
}

static uint64_t skipped(const struct lake_vtab *v)
{
	const struct lake_scan_stats *s = &v->ctx->tables[v->scans].stats;

	return s->files_skipped_partition + s->files_skipped_stats;
}

/*
 * The first scan of a join's inner side reads the files its constraints
 * leave, as any scan, and keeps their rows whole.  When they left every
 * file, those are all the rows there are to keep; else (the key's value
 * ruled files out) the others are read at the next scan, and no file
 * twice.  The scan is answered from the kept rows either way: a file
 * left out cannot hold a row the key finds.
 */
static int first_scan(struct lake_cursor *cur, struct lake_vtab *v, struct kept_entry *e,
		      const struct scan_terms *t)
{
	uint64_t before = skipped(v);
	int full, rc = lake_vtab_choose_files(cur, v, t->ks, t->nks);

	if (rc != SQLITE_OK)
		return rc;
	int whole = skipped(v) == before;
	if ((rc = read_files_into(cur, v, e, t, &full)) != SQLITE_OK)
		return rc;
	if (full)
		return give_up_keeping(cur, v, e, t);
	e->state = whole ? KEPT_BUILT : KEPT_PART;
	serve(cur, v, e, t);
	return SQLITE_OK;
}

static struct kept_entry *new_kept(struct lake_join_state *js, struct lake_vtab *v, uint64_t used,
				   const struct scan_terms *t)
{
	struct kept_entry *e = lake_xcalloc(1, sizeof *e);

	e->rows = lake_kept_new(v, used, t->ck, t->nck);
	e->next = js->kept;
	js->kept = e;
	return e;
}

/*
 * A scan of a kind whose rows are not kept yet: keep them, or read the
 * files (return 0).  A join's scans are read again, so its first scan
 * keeps what it reads; a scan by a value not known while planning (a
 * parameter's, an outer query's column) may be the statement's only one,
 * and keeps from its second on; so does a scan without such values (a
 * CROSS JOIN's inner side), but only when the same cursor scans again.
 */
static int keep_or_read(struct lake_cursor *cur, struct lake_vtab *v, struct kept_entry *e,
			const struct scan_terms *t, int *rc)
{
	if (!t->varying && cur->last_kept != e->rows) {
		cur->last_kept = e->rows;
		return 0;
	}
	if (t->varying && e->filters++ == 0) {
		if (!t->joins)
			return 0;
		*rc = first_scan(cur, v, e, t);
		return 1;
	}
	*rc = keep_and_serve(cur, v, e, t);
	return 1;
}

int lake_vtab_join_filter(struct lake_cursor *cur, struct lake_vtab *v, const char *plan,
			  struct constraint *ks, int nks, int *rc)
{
	struct lake_join_state *js = state(v->ctx);
	struct scan_terms t;
	int taken = 1;

	if (js->off || !uses_data(cur, v))
		return 0;
	split_terms(plan, ks, nks, &t);
	struct kept_entry *e = find_kept(js, v, cur->used, t.ck, t.nck);
	if (e && e->state == KEPT_BUILT) {
		v->ctx->tables[v->scans].stats.scans++;
		serve(cur, v, e, &t);
		*rc = SQLITE_OK;
	} else if (e && e->state == KEPT_TOO_BIG) {
		taken = 0;
	} else {
		taken = keep_or_read(cur, v, e ? e : new_kept(js, v, cur->used, &t), &t, rc);
	}
	free(t.ck);
	return taken;
}
