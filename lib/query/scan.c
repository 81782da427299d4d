/*
 * scan.c - a file's records, cut into the used columns' values on a
 * thread, handed over in batches.
 *
 * Batches go round a ring of BATCHES: the thread fills the ones past the
 * filled ones, the caller reads the oldest and gives it back at its next
 * call.  So at most BATCHES batches exist per scan, whatever the file's
 * size, and neither side waits while the other has work for it.
 */
#include "query/scan.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "formats/input.h"
#include "values/infer.h"

/* Eight: on a busy machine a waiting thread is descheduled, and a deep ring rides that out. */
#define BATCHES 8
/* Large enough that handing over costs nothing, small enough to start quickly. */
#define BATCH_RECORDS 1024
#define BATCH_BYTES (256 * 1024)
/* Rows a batch of folded records (o.fold) stands for at most: few records, fewer handovers. */
#define BATCH_ROWS (16 * BATCH_RECORDS)

struct batch {
	struct lake_scan_batch pub;
	struct lake_scan_value *values;
	uint32_t *weights; /* with o.fold */
	size_t cap_records;
	size_t rows; /* that its records stand for */
	struct lake_buf bytes;
};

struct lake_scan {
	struct lake_scan_options o;
	char *path; /* for messages */
	/* Per slot: the used column's name, and whether its values are numbers. */
	const char **slot_name;
	size_t *slot_name_len;
	unsigned char *numeric;
	struct lake_input *in;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct batch batch[BATCHES];
	int head, count; /* the filled batches, oldest first */
	int held;	 /* the caller is reading the oldest */
	int done;	 /* the thread has filled its last batch */
	atomic_int stop; /* the caller wants no more */
	int failed;
	struct lake_error err;

	/* The thread's own. */
	struct lake_reader *reader;
	struct lake_buf key; /* JSON: an escaped key, decoded */
	int *field_slot; /* CSV: the slot of each field of a row, TEXT: of each group; -1: unused */
	size_t nfields;
	int mapped; /* field_slot was made from the header (or the classifier's groups) */
	struct lake_group *groups; /* TEXT: a line's match */
	unsigned char *row_groups; /* PARQUET: which to read */
	size_t *pq_col;		   /* PARQUET: per slot, the file's column (SIZE_MAX: none) */
	struct coded *coded;	   /* PARQUET: per slot, its dictionary entries in this batch */
	uint32_t stamp;		   /* changes with the batch and the row group */
	struct fold *folds;	   /* PARQUET with o.fold: the batch's records by their codes */
	uint32_t batch_seq;	   /* of the batch being filled */
	uint64_t next_row;	   /* the place in the file of the next row a batch takes */
};

/* ---- on the scan's thread ---- */

/* Wait for a free batch; NULL when the caller asked to stop. */
static struct batch *claim(struct lake_scan *s)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&s->lock);
	while (s->count == BATCHES && !atomic_load(&s->stop))
		pthread_cond_wait(&s->changed, &s->lock);
	if (!atomic_load(&s->stop))
		b = &s->batch[(s->head + s->count) % BATCHES];
	pthread_mutex_unlock(&s->lock);
	if (b) {
		b->pub.nrecords = 0;
		b->pub.first = s->next_row;
		b->rows = 0;
		lake_buf_reset(&b->bytes);
	}
	return b;
}

static void publish(struct lake_scan *s)
{
	pthread_mutex_lock(&s->lock);
	s->count++;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
}

/* The last batch (b, maybe empty or NULL), then the end or the error. */
static void finish(struct lake_scan *s, struct batch *b, const struct lake_error *err)
{
	pthread_mutex_lock(&s->lock);
	if (b && b->pub.nrecords)
		s->count++;
	s->done = 1;
	if (err) {
		s->failed = 1;
		s->err = *err;
	}
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
}

/* A new record's values, all absent. */
static struct lake_scan_value *add_record(struct lake_scan *s, struct batch *b)
{
	size_t n = (size_t)s->o.nvalues;

	if (b->pub.nrecords == b->cap_records) {
		b->cap_records = b->cap_records ? b->cap_records * 2 : 64;
		b->values =
		    lake_xrealloc(b->values, b->cap_records * (n ? n : 1) * sizeof *b->values);
		b->pub.values = b->values;
		if (s->folds) {
			b->weights = lake_xrealloc(b->weights, b->cap_records * sizeof *b->weights);
			b->pub.weights = b->weights;
		}
	}
	if (s->folds)
		b->weights[b->pub.nrecords] = 1;
	b->rows++;
	s->next_row++;
	struct lake_scan_value *v = &b->values[b->pub.nrecords++ * n];
	for (size_t k = 0; k < n; k++) {
		v[k].type = LAKE_JNONE;
		v[k].code = 0;
	}
	return v;
}

static int is_csv(const struct lake_scan *s)
{
	return s->o.format == LAKE_FORMAT_CSV || s->o.format == LAKE_FORMAT_TSV;
}

/* Values are fields' text (CSV, TSV, a classifier's groups), not JSON. */
static int values_are_text(const struct lake_scan *s)
{
	return is_csv(s) || s->o.format == LAKE_FORMAT_TEXT;
}

static void keep(struct lake_scan *s, struct batch *b, int k, struct lake_scan_value *v,
		 const char *text, size_t len, enum lake_jtype type)
{
	v->off = b->bytes.len;
	v->len = len;
	v->type = type;
	/* Numbers are parsed here, where there is time to spare, not on SQLite's thread. */
	v->parsed = s->numeric[k] && len &&
		    (type == LAKE_JNUMBER || (type == LAKE_JSTRING && values_are_text(s)));
	/* A field's text is a number as DuckDB reads one (".097", "+5"), as the crawler typed it.
	 */
	if (v->parsed)
		v->num = type == LAKE_JNUMBER ? lake_jnumber_parse(text, len, &v->i, &v->d)
					      : lake_text_number_parse(text, len, &v->i, &v->d);
	/* A CSV field's inf or -inf is a double's (jscan.h); a JSON string stays typed_text()'s. */
	if (v->parsed && v->num == LAKE_JNUM_BAD && lake_infinity_parse(text, len, &v->d))
		v->num = LAKE_JNUM_DOUBLE;
	lake_buf_add(&b->bytes, text, len);
}

/* Whether a[0..n) and b[0..n) are the same: names are short, a call to memcmp costs more. */
static inline int same_name(const char *a, const char *b, size_t n)
{
	if (n > 16)
		return memcmp(a, b, n) == 0;
	while (n && *a == *b)
		a++, b++, n--;
	return n == 0;
}

/*
 * The slot of the used column named key[0..n), or -1; `hint` is tried
 * first, as records mostly keep one order.  Only used columns are looked
 * at: most members are not one, and their length alone tells.
 */
static int slot_named(const struct lake_scan *s, const char *key, size_t n, size_t hint)
{
	size_t slots = (size_t)s->o.nvalues;

	for (size_t k = 0; k < slots; k++) {
		size_t c = hint + k < slots ? hint + k : hint + k - slots;
		if (s->slot_name_len[c] == n && same_name(s->slot_name[c], key, n))
			return (int)c;
	}
	return -1;
}

/* The used column a member's key names, or -1: an escaped key is compared decoded. */
static int slot_of_key(struct lake_scan *s, const struct lake_jmember *m, size_t hint)
{
	long n;

	if (!m->key_has_escape)
		return slot_named(s, m->key, m->key_len, hint);
	lake_buf_reset(&s->key);
	lake_buf_grow(&s->key, m->key_len);
	n = lake_jkey_decode(m->key, m->key_len, s->key.data);
	return n < 0 ? -1 : slot_named(s, s->key.data, (size_t)n, hint);
}

/*
 * A record's members into the used columns' slots.  The whole record is
 * walked, even once every used column was found: a key may come again
 * later, and the last of its members is the value (as in jq and jansson,
 * and as the crawler typed the column).
 */
static void place_json(struct lake_scan *s, struct batch *b, struct lake_scan_value *vals,
		       const struct lake_record *rec)
{
	struct lake_jmembers it;
	struct lake_jmember m;
	size_t hint = 0;

	lake_jmembers_begin(&it, rec->json, rec->json_len);
	while (lake_jmembers_next(&it, &m)) {
		int k = slot_of_key(s, &m, hint);
		if (k < 0)
			continue;
		hint = (size_t)k + 1;
		keep(s, b, k, &vals[k], m.value.start, m.value.len, m.value.type);
	}
}

/*
 * CSV: which slot each field of this file feeds, from its header (or
 * col_N).  A used column the header lacks is a file read with the wrong
 * header or separator (the table's csv.header, csv.delimiter): its every
 * value would come out NULL, so the scan fails instead.
 */
static int map_fields(struct lake_scan *s, struct lake_error *e)
{
	const char *const *names;
	const size_t *lens;
	size_t n = lake_reader_header(s->reader, &names, &lens);
	struct lake_buf have = LAKE_BUF_INIT;

	s->field_slot = lake_xcalloc(n ? n : 1, sizeof *s->field_slot);
	s->nfields = n;
	s->mapped = 1;
	for (size_t i = 0; i < n; i++)
		s->field_slot[i] = slot_named(s, names[i], lens[i], 0);
	for (int k = 0; k < s->o.nvalues; k++) {
		size_t i = 0;
		while (i < n && s->field_slot[i] != k)
			i++;
		if (i < n)
			continue;
		for (size_t j = 0; j < n && have.len < 200; j++)
			lake_buf_addf(&have, "%s'%s'", j ? ", " : "", names[j]);
		lake_err(e, LAKE_EX_DATAERR,
			 "%s:1: the table's column '%s' is not in the file's %s (%s%s); the "
			 "table's csv.header or csv.delimiter does not fit the file: correct it "
			 "with lake-catalog set, then run lake-crawl",
			 s->path, s->slot_name[k], s->o.csv_header ? "header" : "columns",
			 have.data ? have.data : "none", have.len >= 200 ? ", ..." : "");
		lake_buf_release(&have);
		return -1;
	}
	return 0;
}

static void place_csv(struct lake_scan *s, struct batch *b, struct lake_scan_value *vals,
		      const struct lake_record *rec)
{
	for (size_t i = 0; i < rec->nfields && i < s->nfields; i++) {
		int k = s->field_slot[i];
		if (k < 0)
			continue;
		if (rec->field[i])
			keep(s, b, k, &vals[k], rec->field[i], rec->field_len[i], LAKE_JSTRING);
		else
			vals[k].type = LAKE_JNONE;
	}
}

/* TEXT: which slot each named group feeds. */
static void map_groups(struct lake_scan *s)
{
	const struct lake_classifier *c = s->o.classifier;

	s->field_slot = lake_xcalloc(c->ngroups ? c->ngroups : 1, sizeof *s->field_slot);
	s->groups = lake_xcalloc(c->ngroups ? c->ngroups : 1, sizeof *s->groups);
	s->nfields = c->ngroups;
	for (size_t i = 0; i < c->ngroups; i++)
		s->field_slot[i] =
		    c->names[i] ? slot_named(s, c->names[i], strlen(c->names[i]), 0) : -1;
	s->mapped = 1;
}

/* A line the classifier matches: its named groups' text; 0 when it does not match. */
static int match_line(struct lake_scan *s, const struct lake_record *rec)
{
	if (!s->mapped)
		map_groups(s);
	return lake_classifier_match(s->o.classifier, rec->raw, rec->raw_len, s->groups);
}

static void place_groups(struct lake_scan *s, struct batch *b, struct lake_scan_value *vals)
{
	for (size_t i = 0; i < s->nfields; i++) {
		int k = s->field_slot[i];
		if (k >= 0 && s->groups[i].text)
			keep(s, b, k, &vals[k], s->groups[i].text, s->groups[i].len, LAKE_JSTRING);
	}
}

static int start_reader(struct lake_scan *s, struct lake_error *e)
{
	if (lake_reader_open(s->in, s->o.format, &s->reader, e) < 0)
		return -1;
	if (is_csv(s))
		lake_reader_set_csv(s->reader, s->o.csv_header, s->o.csv_delim);
	if (s->o.format == LAKE_FORMAT_NDJSON && s->o.trusted)
		lake_reader_set_trusted(s->reader, 1);
	lake_reader_no_raw(s->reader);
	return 0;
}

static int header_read(const struct lake_scan *s)
{
	const char *const *names;
	const size_t *lens;

	return lake_reader_header(s->reader, &names, &lens) > 0;
}

/*
 * A record the reader finds bad, or a line the classifier does not match,
 * in a file the catalog registered (lake-put and lake-crawl let in none):
 * the file changed since, and its rows cannot be mapped to the columns.
 * Leaving it out would answer wrong, so the scan fails there.
 */
static int bad_record(struct lake_scan *s, const struct lake_record *rec, struct lake_error *e)
{
	if (rec->error)
		return lake_err(e, LAKE_EX_DATAERR, "%s:%llu:%llu: %s", s->path,
				(unsigned long long)rec->line, (unsigned long long)rec->column,
				rec->error);
	return lake_err(e, LAKE_EX_DATAERR, "%s:%llu: line does not match classifier '%s'", s->path,
			(unsigned long long)rec->line, s->o.classifier->name);
}

static void *scan_thread(void *arg)
{
	struct lake_scan *s = arg;
	struct lake_error err = {0};
	struct lake_record rec;
	struct batch *b = NULL;
	int rc = start_reader(s, &err) < 0 ? -1 : 1;

	while (rc == 1 && !atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		if (!b && !(b = claim(s)))
			break;
		rc = lake_reader_next(s->reader, &rec, 0, &err);
		if (rc != 1)
			continue;
		if (rec.error || (s->o.format == LAKE_FORMAT_TEXT && !match_line(s, &rec))) {
			rc = bad_record(s, &rec, &err);
			break;
		}
		if (is_csv(s) && !s->mapped && map_fields(s, &err) < 0) {
			rc = -1;
			break;
		}
		struct lake_scan_value *vals = add_record(s, b);
		if (s->o.format == LAKE_FORMAT_TEXT)
			place_groups(s, b, vals);
		else if (rec.json)
			place_json(s, b, vals, &rec);
		else
			place_csv(s, b, vals, &rec);
		if (b->pub.nrecords == BATCH_RECORDS || b->bytes.len >= BATCH_BYTES) {
			b->pub.bytes = b->bytes.data;
			publish(s);
			b = NULL;
		}
	}
	/* A file of one row read as a header is checked all the same. */
	if (rc == 0 && is_csv(s) && !s->mapped && header_read(s) && map_fields(s, &err) < 0)
		rc = -1;
	if (b)
		b->pub.bytes = b->bytes.data;
	finish(s, b, rc < 0 ? &err : NULL);
	return NULL;
}

/* ---- Parquet ---- */

/*
 * Dictionary entries up to this are given codes (scan.h): a string column
 * repeats them, and then its text is copied into a batch once, not per row.
 */
#define CODED_ENTRIES 65536

/* Per slot: what each dictionary entry was made into in this batch and row group. */
struct coded {
	struct seen {
		uint32_t stamp; /* s->stamp when it was made; any other: not in this batch */
		struct lake_scan_value value;
	} * seen;
	size_t cap;
	uint32_t codes; /* given in this batch */
};

/* A new batch or row group: what entries were made into is forgotten at once. */
static void new_stamp(struct lake_scan *s, int new_batch)
{
	size_t n = (size_t)s->o.nvalues;

	if (++s->stamp == 0) {
		for (size_t k = 0; k < n; k++)
			memset(s->coded[k].seen, 0, s->coded[k].cap * sizeof *s->coded[k].seen);
		s->stamp = 1;
	}
	for (size_t k = 0; new_batch && k < n; k++)
		s->coded[k].codes = 0;
}

/* Where entry's value is kept for slot k, or NULL when entries that far are not coded. */
static struct seen *seen_entry(struct lake_scan *s, int k, uint32_t entry)
{
	struct coded *c = &s->coded[k];

	if (entry > CODED_ENTRIES)
		return NULL;
	if (entry >= c->cap) {
		size_t cap = c->cap ? c->cap : 64;
		while (cap <= entry)
			cap *= 2;
		c->seen = lake_xrealloc(c->seen, cap * sizeof *c->seen);
		memset(c->seen + c->cap, 0, (cap - c->cap) * sizeof *c->seen);
		c->cap = cap;
	}
	return &c->seen[entry];
}

/* A Parquet value as a record's: numbers parsed as CSV fields would be, the rest as text. */
static void make_parquet_value(struct lake_scan *s, struct batch *b, int k,
			       struct lake_scan_value *v, const struct lake_parquet_value *pv)
{
	char num[40];
	int n;

	switch (pv->kind) {
	case LAKE_PQ_NULL:
		return;
	case LAKE_PQ_BOOL:
		keep(s, b, k, v, pv->i ? "true" : "false", pv->i ? 4 : 5, LAKE_JSTRING);
		return;
	case LAKE_PQ_TEXT:
		keep(s, b, k, v, pv->s, pv->len, LAKE_JSTRING);
		return;
	case LAKE_PQ_INT:
	case LAKE_PQ_DOUBLE:
		if (s->numeric[k]) {
			v->off = b->bytes.len;
			v->len = 0;
			v->type = LAKE_JNUMBER;
			v->parsed = 1;
			v->num = pv->kind == LAKE_PQ_INT ? LAKE_JNUM_INT : LAKE_JNUM_DOUBLE;
			v->i = pv->i;
			v->d = pv->kind == LAKE_PQ_INT ? (double)pv->i : pv->d;
			return;
		}
		/* A number in a column the table calls text (widened): its text. */
		n = pv->kind == LAKE_PQ_INT ? snprintf(num, sizeof num, "%lld", (long long)pv->i)
					    : snprintf(num, sizeof num, "%.17g", pv->d);
		keep(s, b, k, v, num, (size_t)n, LAKE_JSTRING);
		return;
	}
}

/* Slot k's value of a dictionary entry, made once per batch and given a code; NULL: not coded. */
static const struct lake_scan_value *coded_value(struct lake_scan *s, struct batch *b, int k,
						 const struct lake_parquet_value *pv)
{
	struct seen *e = pv->entry ? seen_entry(s, k, pv->entry) : NULL;

	if (!e)
		return NULL;
	if (e->stamp != s->stamp) {
		memset(&e->value, 0, sizeof e->value);
		e->value.type = LAKE_JNONE;
		make_parquet_value(s, b, k, &e->value, pv);
		e->value.code = ++s->coded[k].codes;
		e->stamp = s->stamp;
	}
	return &e->value;
}

static void keep_parquet(struct lake_scan *s, struct batch *b, int k, struct lake_scan_value *v,
			 const struct lake_parquet_value *pv)
{
	const struct lake_scan_value *coded = coded_value(s, b, k, pv);

	if (coded)
		*v = *coded;
	else
		make_parquet_value(s, b, k, v, pv);
}

/*
 * Folding (o.fold): a row whose used values are all coded is one more of
 * the batch's record with the same codes, when there is one.
 */
#define FOLD_KEYS 4
#define FOLD_SLOTS (4 * BATCH_RECORDS) /* a power of two; at most a quarter are filled */

struct fold {
	uint32_t batch; /* the batch_seq it was made in */
	uint32_t codes[FOLD_KEYS];
	uint32_t record;
};

/* Codes are few: a loop costs less than a call to memcmp. */
static inline int same_codes(const uint32_t *a, const uint32_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* The fold of these codes in this batch, or a free one with the codes set. */
static struct fold *fold_of(struct lake_scan *s, const uint32_t *codes, size_t n)
{
	uint64_t h = 0;

	for (size_t c = 0; c < n; c++)
		h = (h ^ codes[c]) * 0x9E3779B97F4A7C15ull;
	for (size_t i = (h >> 40) & (FOLD_SLOTS - 1);; i = (i + 1) & (FOLD_SLOTS - 1)) {
		struct fold *f = &s->folds[i];
		if (f->batch != s->batch_seq) {
			memcpy(f->codes, codes, n * sizeof *codes);
			return f;
		}
		if (same_codes(f->codes, codes, n))
			return f;
	}
}

/* Row r folded into the batch (1), or 0 when one of its values has no code. */
static int fold_row(struct lake_scan *s, struct batch *b,
		    const struct lake_parquet_value *const *cols, const int *slot_of, size_t ncols,
		    size_t r)
{
	const struct lake_scan_value *vals[FOLD_KEYS];
	uint32_t codes[FOLD_KEYS];

	for (size_t c = 0; c < ncols; c++) {
		if (!(vals[c] = coded_value(s, b, slot_of[c], &cols[c][r])))
			return 0;
		codes[c] = vals[c]->code;
	}
	struct fold *f = fold_of(s, codes, ncols);
	if (f->batch == s->batch_seq) {
		b->weights[f->record]++;
		b->rows++;
		s->next_row++;
		return 1;
	}
	f->batch = s->batch_seq;
	f->record = (uint32_t)b->pub.nrecords;
	struct lake_scan_value *rec = add_record(s, b);
	for (size_t c = 0; c < ncols; c++)
		rec[slot_of[c]] = *vals[c];
	return 1;
}

/* The used columns' values of rows [0, n) of one decoded batch, as records. */
static struct batch *place_parquet_rows(struct lake_scan *s, struct batch *b, size_t n,
					const struct lake_parquet_value *const *cols,
					const int *slot_of, size_t ncols)
{
	for (size_t r = 0; r < n; r++) {
		if (!b) {
			if (!(b = claim(s)))
				return NULL;
			new_stamp(s, 1);
			if (++s->batch_seq == 0 && s->folds) {
				memset(s->folds, 0, FOLD_SLOTS * sizeof *s->folds);
				s->batch_seq = 1;
			}
		}
		if (!s->folds || !fold_row(s, b, cols, slot_of, ncols, r)) {
			struct lake_scan_value *vals = add_record(s, b);
			for (size_t c = 0; c < ncols; c++)
				keep_parquet(s, b, slot_of[c], &vals[slot_of[c]], &cols[c][r]);
		}
		if (b->pub.nrecords == BATCH_RECORDS || b->bytes.len >= BATCH_BYTES ||
		    b->rows >= BATCH_ROWS) {
			b->pub.bytes = b->bytes.data;
			publish(s);
			b = NULL;
		}
	}
	return b;
}

/*
 * One row group's used columns, a decoded batch at a time.  A used column
 * the file lacks stays absent (null), as a JSON member would.
 */
static int read_row_group(struct lake_scan *s, size_t rg, struct batch **b, struct lake_error *e)
{
	size_t n = (size_t)s->o.nvalues, ncols = 0, nrows;
	size_t *cols = lake_xcalloc(n ? n : 1, sizeof *cols);
	int *slot_of = lake_xcalloc(n ? n : 1, sizeof *slot_of);
	const struct lake_parquet_value *const *values;
	struct lake_parquet_rows *rows = NULL;
	int rc;

	for (size_t k = 0; k < n; k++)
		if (s->pq_col[k] != SIZE_MAX) {
			cols[ncols] = s->pq_col[k];
			slot_of[ncols++] = (int)k;
		}
	if (ncols == 0) {
		/* No column of the file is used (count(*) with a filter on keys): rows only. */
		*b = place_parquet_rows(
		    s, *b, (size_t)lake_parquet_row_group_rows(s->o.parquet, rg), NULL, slot_of, 0);
		free(cols);
		free(slot_of);
		return 0;
	}
	/* Another row group, other dictionaries: the same entries are other values. */
	new_stamp(s, 0);
	rc = lake_parquet_rows_open(s->o.parquet, rg, cols, ncols, &rows, e);
	while (rc == 0 && !atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		int got = lake_parquet_rows_next(rows, BATCH_RECORDS, &nrows, &values, e);
		if (got <= 0) {
			rc = got;
			break;
		}
		*b = place_parquet_rows(s, *b, nrows, values, slot_of, ncols);
		if (!*b && atomic_load(&s->stop))
			break;
	}
	if (rows)
		lake_parquet_rows_close(rows);
	free(cols);
	free(slot_of);
	return rc;
}

/* Which of the file's columns each slot reads, by name. */
static void map_parquet_columns(struct lake_scan *s)
{
	const struct lake_parquet_column *cols;
	size_t n = lake_parquet_columns(s->o.parquet, &cols), slots = (size_t)s->o.nvalues;

	s->pq_col = lake_xcalloc(slots ? slots : 1, sizeof *s->pq_col);
	for (size_t k = 0; k < slots; k++) {
		s->pq_col[k] = SIZE_MAX;
		for (size_t c = 0; c < n; c++)
			if (strlen(cols[c].name) == s->slot_name_len[k] &&
			    memcmp(cols[c].name, s->slot_name[k], s->slot_name_len[k]) == 0)
				s->pq_col[k] = c;
	}
}

/*
 * The next row read is at place `first` of the file.  When rows before it
 * were left unread (a row group skipped), the batch being filled ends, so
 * that a batch's records stay the consecutive rows from its first.
 */
static void resume_at(struct lake_scan *s, struct batch **b, uint64_t first)
{
	if (s->next_row == first)
		return;
	s->next_row = first;
	if (*b && (*b)->pub.nrecords) {
		(*b)->pub.bytes = (*b)->bytes.data;
		publish(s);
		*b = NULL;
	} else if (*b) {
		(*b)->pub.first = first;
	}
}

static void *parquet_thread(void *arg)
{
	struct lake_scan *s = arg;
	struct lake_error err = {0};
	struct batch *b = NULL;
	size_t groups = lake_parquet_row_groups(s->o.parquet);
	uint64_t first = 0; /* the place of row group rg's first row */
	int rc = 0;

	for (size_t rg = 0; rg < groups && rc == 0 && !atomic_load(&s->stop); rg++) {
		if (!s->row_groups || s->row_groups[rg]) {
			resume_at(s, &b, first);
			rc = read_row_group(s, rg, &b, &err);
		}
		first += (uint64_t)lake_parquet_row_group_rows(s->o.parquet, rg);
	}
	if (b)
		b->pub.bytes = b->bytes.data;
	finish(s, b, rc < 0 ? &err : NULL);
	return NULL;
}

/* ---- on the caller's thread ---- */

static void free_scan(struct lake_scan *s)
{
	lake_reader_close(s->reader);
	lake_input_close(s->in);
	free(s->folds);
	for (int i = 0; i < BATCHES; i++) {
		free(s->batch[i].values);
		free(s->batch[i].weights);
		lake_buf_release(&s->batch[i].bytes);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->changed);
	free(s->field_slot);
	free(s->groups);
	free(s->row_groups);
	free(s->pq_col);
	for (int k = 0; s->coded && k < s->o.nvalues; k++)
		free(s->coded[k].seen);
	free(s->coded);
	if (s->o.parquet)
		lake_parquet_close(s->o.parquet);
	free(s->slot_name);
	free(s->slot_name_len);
	free(s->numeric);
	free(s->path);
	lake_buf_release(&s->key);
	free(s);
}

/* What the thread looks for, by slot: the used columns' names, and which are numbers. */
static void plan_slots(struct lake_scan *s, const struct lake_scan_options *o)
{
	size_t n = o->nvalues > 0 ? (size_t)o->nvalues : 1;

	s->slot_name = lake_xcalloc(n, sizeof *s->slot_name);
	s->slot_name_len = lake_xcalloc(n, sizeof *s->slot_name_len);
	s->numeric = lake_xcalloc(n, sizeof *s->numeric);
	for (size_t c = 0; c < o->ncolumns; c++) {
		int k = o->slot[c];
		if (k < 0 || k >= o->nvalues)
			continue;
		s->slot_name[k] = o->names[c];
		s->slot_name_len[k] = o->name_lens[c];
		s->numeric[k] = o->numeric && o->numeric[c];
	}
	/* Only the slots' copies are used from here on. */
	s->o.names = NULL;
	s->o.name_lens = NULL;
	s->o.slot = NULL;
	s->o.numeric = NULL;
}

int lake_scan_open(const char *path, const struct lake_scan_options *o, struct lake_scan **out,
		   struct lake_error *e)
{
	struct lake_scan *s = lake_xcalloc(1, sizeof *s);

	*out = NULL;
	s->o = *o;
	s->path = lake_xstrdup(path);
	plan_slots(s, o);
	atomic_init(&s->stop, 0);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->changed, NULL);
	if (o->parquet) {
		size_t groups = lake_parquet_row_groups(o->parquet);
		map_parquet_columns(s);
		s->coded = lake_xcalloc(o->nvalues > 0 ? (size_t)o->nvalues : 1, sizeof *s->coded);
		if (o->fold && o->nvalues <= FOLD_KEYS)
			s->folds = lake_xcalloc(FOLD_SLOTS, sizeof *s->folds);
		if (o->row_groups) {
			s->row_groups = lake_xcalloc(groups ? groups : 1, 1);
			memcpy(s->row_groups, o->row_groups, groups);
		}
	} else if (lake_input_open(path, &s->in, e) < 0 || lake_input_read_ahead(s->in, e) < 0) {
		goto fail;
	}
	if (pthread_create(&s->thread, NULL, o->parquet ? parquet_thread : scan_thread, s) != 0) {
		lake_err(e, LAKE_EX_SOFTWARE, "'%s': cannot start a thread", path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	free_scan(s);
	return -1;
}

int lake_scan_next(struct lake_scan *s, const struct lake_scan_batch **out, struct lake_error *e)
{
	int got = 0;

	pthread_mutex_lock(&s->lock);
	if (s->held) {
		s->head = (s->head + 1) % BATCHES;
		s->count--;
		s->held = 0;
		pthread_cond_broadcast(&s->changed);
	}
	while (s->count == 0 && !s->done)
		pthread_cond_wait(&s->changed, &s->lock);
	if (s->count > 0) {
		s->held = got = 1;
		*out = &s->batch[s->head].pub;
	} else if (s->failed) {
		*e = s->err;
		got = -1;
	}
	pthread_mutex_unlock(&s->lock);
	return got;
}

void lake_scan_close(struct lake_scan *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->stop, 1);
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	free_scan(s);
}
