/*
 * vtab_rows.c - a lake table scan's row production: files opened in turn
 * (the next one read ahead), their records batch by batch, and each
 * column's value as SQL sees it.
 */
#include "query/vtab_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/ltime.h"
#include "values/infer.h"
#include "formats/input.h"
#include "values/jscan.h"
#include "query/scan.h"
#include "query/vtab_group.h"
#include "store/table_props.h"

/* ---- reading records ---- */

void lake_vtab_close_file(struct lake_cursor *cur)
{
	lake_scan_close(cur->scan);
	cur->scan = NULL;
	cur->batch = NULL;
}

static void report_progress(struct lake_cursor *cur, struct lake_vtab *v)
{
	struct lake_vtab_context *ctx = v->ctx;
	uint64_t done = 0, total = 0;
	int64_t now;

	if (!ctx->progress)
		return;
	now = lake_monotonic_us();
	if (!ctx->next_progress_us)
		ctx->next_progress_us = now + 1000000;
	if (now < ctx->next_progress_us)
		return;
	ctx->next_progress_us = now + 1000000;
	for (size_t i = 0; i < cur->nfiles; i++) {
		total += (uint64_t)cur->files[i].bytes;
		if (i < cur->next_file)
			done += (uint64_t)cur->files[i].bytes;
	}
	ctx->progress(ctx->tables[v->scans].name, cur->next_file, cur->nfiles, done, total,
		      ctx->progress_arg);
}

static enum lake_format scan_format(const struct lake_vtab *v)
{
	if (v->csv)
		return LAKE_FORMAT_CSV;
	if (strcmp(v->format, "text") == 0)
		return LAKE_FORMAT_TEXT;
	if (v->parquet)
		return LAKE_FORMAT_PARQUET;
	return strcmp(v->format, "json") == 0 ? LAKE_FORMAT_JSON : LAKE_FORMAT_NDJSON;
}

/* Bytes of a file that its scan will not read count as skipped, as a whole file skipped by its
 * stats. */
static void count_unread(struct lake_vtab *v, uint64_t unread)
{
	struct lake_scan_stats *s = v->ctx->stats, *t = &v->ctx->tables[v->scans].stats;

	s->bytes_scanned -= unread;
	t->bytes_scanned -= unread;
	s->bytes_skipped += unread;
	t->bytes_skipped += unread;
}

/* Start reading file f: its records are cut on threads of the scan's own. */
static int start_scan(struct lake_cursor *cur, struct lake_vtab *v, const struct file *f,
		      struct lake_scan **out, struct lake_error *err)
{
	struct lake_buf abs = LAKE_BUF_INIT;
	struct lake_scan_options o = {
	    .format = scan_format(v),
	    .classifier = &v->classifier,
	    .csv_header = v->header,
	    .csv_delim = v->delim,
	    /* lake-put and lake-crawl validated every registered file; zstd guards it since. */
	    .trusted = 1,
	    .names = cur->names,
	    .name_lens = cur->name_lens,
	    .slot = cur->slot_of_data,
	    .numeric = cur->numeric,
	    .ncolumns = (size_t)v->ndata,
	    .nvalues = cur->nvalues,
	    .fold = cur->fold,
	};
	unsigned char *keep = NULL;
	uint64_t unread = 0;
	int rc = 0;

	*out = NULL;
	lake_path(v->ctx->lake, &abs, f->path);
	if (v->parquet && (rc = lake_parquet_open(abs.data, &o.parquet, err)) == 0)
		o.row_groups = keep = lake_vtab_choose_row_groups(cur, v, f, o.parquet, &unread);
	if (rc == 0)
		rc = lake_scan_open(abs.data, &o, out, err);
	/* Counted once the scan started: a scan opened ahead that failed is opened again. */
	if (rc == 0)
		count_unread(v, unread);
	free(keep);
	lake_buf_release(&abs);
	return rc;
}

/*
 * The file after the current one starts being read with it, so that its
 * first batches are ready when it is needed: across a table of many
 * small files, waiting for each file's first batch (a thread to start, a
 * footer and the first pages to read) was a fifth of a scan's time.  A
 * file that fails to open here is opened again in its turn, which then
 * reports the error after the rows before it.
 */
static void open_ahead(struct lake_cursor *cur, struct lake_vtab *v)
{
	struct lake_error err = {0};

	if (cur->next_file >= cur->nfiles ||
	    lake_vtab_count_only(cur, v, &cur->files[cur->next_file]))
		return;
	cur->ahead_file = cur->next_file;
	if (start_scan(cur, v, &cur->files[cur->ahead_file], &cur->ahead, &err) < 0)
		cur->ahead = NULL;
}

static int open_next_file(struct lake_cursor *cur, struct lake_vtab *v)
{
	struct lake_error err = {0};
	size_t i = cur->next_file++;

	report_progress(cur, v);
	lake_vtab_close_file(cur);
	cur->ordinal = 0;
	cur->file = &cur->files[i];
	if (cur->ahead && cur->ahead_file == i) {
		cur->scan = cur->ahead;
		cur->ahead = NULL;
	} else if (start_scan(cur, v, cur->file, &cur->scan, &err) < 0) {
		v->base.zErrMsg = sqlite3_mprintf("%s", err.msg);
		return SQLITE_ERROR;
	}
	open_ahead(cur, v);
	return SQLITE_OK;
}

int lake_vtab_used(const struct lake_cursor *cur, int col)
{
	return (cur->used >> (col < 63 ? col : 63)) & 1;
}

/*
 * What the scans look for: each data column by name, and for the used
 * ones their place among a record's values.
 */
void lake_vtab_plan_values(struct lake_cursor *cur, struct lake_vtab *v)
{
	int d = 0;

	cur->nvalues = 0;
	for (int c = 0; c < v->ncols; c++) {
		cur->slot[c] = -1;
		if (v->cols[c].key)
			continue;
		cur->names[d] = v->cols[c].name;
		cur->name_lens[d] = v->cols[c].name_len;
		cur->slot_of_data[d] = lake_vtab_used(cur, c) ? cur->nvalues++ : -1;
		cur->numeric[d] =
		    v->cols[c].kind == LAKE_T_BIGINT || v->cols[c].kind == LAKE_T_DOUBLE;
		cur->slot[c] = cur->slot_of_data[d++];
	}
}

/*
 * The next batch of records, opening files as they end: cur->batch set,
 * or the next file's rows to count (counted_rows), or cur->eof.
 */
static int next_batch(struct lake_cursor *cur, struct lake_vtab *v)
{
	/* Here, not per row: clearing its kilobyte per row was a twelfth of a scan's time. */
	struct lake_error err = {0};

	for (;;) {
		if (!cur->scan) {
			if (cur->next_file >= cur->nfiles) {
				cur->eof = 1;
				return SQLITE_OK;
			}
			if (lake_vtab_count_only(cur, v, &cur->files[cur->next_file])) {
				cur->file = &cur->files[cur->next_file++];
				cur->ordinal = 0;
				cur->counted_rows = cur->file->rows;
				return SQLITE_OK;
			}
			int rc = open_next_file(cur, v);
			if (rc != SQLITE_OK)
				return rc;
		}
		cur->batch = NULL;
		int rc = lake_scan_next(cur->scan, &cur->batch, &err);
		if (rc < 0) {
			v->base.zErrMsg = sqlite3_mprintf("%s", err.msg);
			return SQLITE_ERROR;
		}
		if (rc == 0) {
			lake_vtab_close_file(cur);
			continue;
		}
		cur->row = 0;
		/* lake_vtab_advance() counts the first record in: its place is first + 1. */
		cur->ordinal = (sqlite3_int64)cur->batch->first;
		if (cur->batch->nrecords)
			return SQLITE_OK;
	}
}

/* Step to the next record: the batch's next, or the next batch's first. */
int lake_vtab_advance(struct lake_cursor *cur)
{
	struct lake_vtab *v = (struct lake_vtab *)cur->base.pVtab;

	for (;;) {
		if (cur->counted_rows > 0) {
			cur->counted_rows--;
			break;
		}
		if (cur->batch && cur->row + 1 < cur->batch->nrecords) {
			cur->row++;
			break;
		}
		int rc = next_batch(cur, v);
		if (rc != SQLITE_OK || cur->eof)
			return rc;
		if (cur->batch)
			break;
	}
	cur->ordinal++;
	v->ctx->stats->rows++;
	v->ctx->tables[v->scans].stats.rows++;
	return SQLITE_OK;
}

/* ---- values ---- */

/* A value that does not fit its column's type: NULL, and counted. */
void lake_vtab_bad_value(struct lake_vtab *v, struct lake_sqlval *out)
{
	v->ctx->stats->bad_values++;
	out->type = SQLITE_NULL;
}

static void int_value(int64_t i, struct lake_sqlval *out)
{
	out->type = SQLITE_INTEGER;
	out->i = i;
}

static void text_value(const char *s, size_t n, struct lake_sqlval *out)
{
	out->type = SQLITE_TEXT;
	out->s = s;
	out->n = n;
}

static int is_time_kind(enum lake_kind k)
{
	return k == LAKE_T_DATE || k == LAKE_T_TIMESTAMP;
}

/*
 * A date or timestamp as SQL sees it, whatever the file spells it: one
 * text per instant, in UTC (lake_time_format_sql(); a date column's dates
 * as "2024-05-01"), so that SQL's comparisons, min(), max() and GROUP BY
 * agree with each other and with the files' statistics.  Text that is no
 * time is NULL, as a number column's would be.  A text already so spelt
 * stays where it is; another is written to cur->text.
 */
static void time_value(struct lake_cursor *cur, struct lake_vtab *v, enum lake_kind k,
		       const char *s, size_t n, struct lake_sqlval *out)
{
	char text[40];
	size_t len;

	if (lake_time_to_sql(s, n, k == LAKE_T_DATE, text, &len) == LAKE_TIME_NONE) {
		/*
		 * A Parquet time is always one, but SQL's spelling holds years
		 * 0000-9999 only: Spark's INT96 reaches year 290000, which
		 * reads as the file's reader spelt it (ISO-8601, T and Z).
		 */
		if (v->parquet)
			text_value(s, n, out);
		else
			lake_vtab_bad_value(v, out);
		return;
	}
	if (len == n && memcmp(text, s, n) == 0) {
		text_value(s, n, out);
		return;
	}
	lake_buf_reset(&cur->text);
	lake_buf_add(&cur->text, text, len);
	text_value(cur->text.data, len, out);
}

/* A text value (a CSV field, a partition value, a decoded JSON string) as the column's type. */
static void typed_text(struct lake_cursor *cur, struct lake_vtab *v, enum lake_kind k,
		       const char *s, size_t n, struct lake_sqlval *out)
{
	int64_t i;
	double d;

	/* An empty field is no value to a column of numbers or times (the crawler saw it so). */
	if (!s || (!n && (k == LAKE_T_BIGINT || k == LAKE_T_DOUBLE || k == LAKE_T_BOOLEAN ||
			  is_time_kind(k))))
		return; /* NULL */
	switch (k) {
	case LAKE_T_BIGINT:
		if (lake_text_number_parse(s, n, &i, &d) == LAKE_JNUM_INT)
			int_value(i, out);
		else
			lake_vtab_bad_value(v, out);
		return;
	case LAKE_T_DOUBLE:
		/* Infinities come as text: JSON has no number for them (jscan.h). */
		if (lake_text_number_parse(s, n, &i, &d) != LAKE_JNUM_BAD ||
		    lake_infinity_parse(s, n, &d)) {
			out->type = SQLITE_FLOAT;
			out->d = d;
		} else {
			lake_vtab_bad_value(v, out);
		}
		return;
	case LAKE_T_BOOLEAN:
		if (n == 4 && strncasecmp(s, "true", 4) == 0)
			int_value(1, out);
		else if (n == 5 && strncasecmp(s, "false", 5) == 0)
			int_value(0, out);
		else
			lake_vtab_bad_value(v, out);
		return;
	case LAKE_T_DATE:
	case LAKE_T_TIMESTAMP:
		time_value(cur, v, k, s, n, out);
		return;
	default:
		text_value(s, n, out);
	}
}

/*
 * A number the scan parsed already (a numeric column's CSV field with
 * text, or JSON number), as typed_text() and json_value() take it.
 */
static void number_value(struct lake_vtab *v, enum lake_kind k, const struct lake_scan_value *val,
			 struct lake_sqlval *out)
{
	if (k == LAKE_T_BIGINT && val->num == LAKE_JNUM_INT) {
		int_value(val->i, out);
	} else if (k == LAKE_T_DOUBLE && val->num != LAKE_JNUM_BAD) {
		out->type = SQLITE_FLOAT;
		out->d = val->d;
	} else {
		lake_vtab_bad_value(v, out);
	}
}

static void json_value(struct lake_cursor *cur, struct lake_vtab *v, enum lake_kind k,
		       const struct lake_jvalue *val, struct lake_sqlval *out)
{
	/* Columns that take only their own kind of value: a JSON number is no date either. */
	int typed =
	    k == LAKE_T_BIGINT || k == LAKE_T_DOUBLE || k == LAKE_T_BOOLEAN || is_time_kind(k);
	int64_t i;
	double d;
	long n;

	switch (val->type) {
	case LAKE_JNULL:
		return;
	case LAKE_JSTRING:
		lake_buf_reset(&cur->text);
		lake_buf_grow(&cur->text, val->len);
		n = lake_jstring_decode(val, cur->text.data);
		typed_text(cur, v, k, cur->text.data, n < 0 ? 0 : (size_t)n, out);
		return;
	case LAKE_JNUMBER:
		if (k == LAKE_T_BIGINT &&
		    lake_jnumber_parse(val->start, val->len, &i, &d) == LAKE_JNUM_INT) {
			int_value(i, out);
		} else if (k == LAKE_T_DOUBLE &&
			   lake_jnumber_parse(val->start, val->len, &i, &d) != LAKE_JNUM_BAD) {
			out->type = SQLITE_FLOAT;
			out->d = d;
		} else if (typed) {
			lake_vtab_bad_value(v, out);
		} else {
			text_value(val->start, val->len, out);
		}
		return;
	case LAKE_JTRUE:
	case LAKE_JFALSE:
		if (k == LAKE_T_BOOLEAN)
			int_value(val->type == LAKE_JTRUE, out);
		else if (typed)
			lake_vtab_bad_value(v, out);
		else if (val->type == LAKE_JTRUE)
			text_value("true", 4, out);
		else
			text_value("false", 5, out);
		return;
	default:
		if (typed) {
			lake_vtab_bad_value(v, out);
			return;
		}
		text_value(val->start, val->len, out);
		out->json = 1;
	}
}

/* Column col of the current row, as SQL is to see it. */
void lake_vtab_column_value(struct lake_cursor *cur, struct lake_vtab *v, int col,
			    struct lake_sqlval *out)
{
	memset(out, 0, sizeof *out);
	out->type = SQLITE_NULL;
	/* The placeholder column of a table not crawled yet. */
	if (col >= v->ncols)
		return;
	const struct vcol *vc = &v->cols[col];

	if (vc->key) {
		json_t *val = json_array_get(cur->file->vals, (size_t)vc->key_index);
		if (json_is_string(val))
			typed_text(cur, v, vc->kind, json_string_value(val),
				   json_string_length(val), out);
		return;
	}
	const struct lake_scan_value *val =
	    cur->slot[col] < 0
		? NULL
		: &cur->batch->values[cur->row * (size_t)cur->nvalues + (size_t)cur->slot[col]];
	if (!val || val->type == LAKE_JNONE)
		return;
	if (val->parsed) {
		number_value(v, vc->kind, val, out);
	} else if (v->textual) {
		typed_text(cur, v, vc->kind, cur->batch->bytes + val->off, val->len, out);
	} else {
		struct lake_jvalue j = {val->type, cur->batch->bytes + val->off, val->len};
		json_value(cur, v, vc->kind, &j, out);
	}
}

void lake_vtab_set_result(sqlite3_context *ctx, const struct lake_sqlval *val)
{
	switch (val->type) {
	case SQLITE_INTEGER:
		sqlite3_result_int64(ctx, val->i);
		break;
	case SQLITE_FLOAT:
		sqlite3_result_double(ctx, val->d);
		break;
	case SQLITE_TEXT:
		sqlite3_result_text(ctx, val->s, (int)val->n, SQLITE_TRANSIENT);
		if (val->json)
			sqlite3_result_subtype(ctx, JSON_SUBTYPE);
		break;
	default:
		sqlite3_result_null(ctx);
	}
}
