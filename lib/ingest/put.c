#include "ingest/put.h"
#include "ingest/put_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/colnames.h"
#include "formats/classifier.h"
#include "ingest/parquet_convert.h"
#include "ingest/compressor.h"
#include "base/cores.h"
#include "base/fault.h"
#include "base/fsutil.h"
#include "govern/grant.h"
#include "values/infer.h"
#include "base/interrupt.h"
#include "values/jscan.h"

#include <sys/stat.h>

#include <jansson.h>

/* A chunk is compressed as one zstd frame when it reaches this size. */
#define CHUNK_BYTES (2u << 20)
/* Total record text held in writers' buffers before the largest is compressed early. */
#define BUFFER_BUDGET (24u << 20)

/* ---- options ---- */

void lake_put_options_init(struct lake_put_options *o)
{
	memset(o, 0, sizeof *o);
	o->batch_bytes = LAKE_PUT_DEFAULT_BATCH_BYTES;
	o->batch_us = (uint64_t)LAKE_PUT_DEFAULT_BATCH_SECONDS * 1000000;
	o->max_open_partitions = LAKE_PUT_DEFAULT_MAX_OPEN;
	o->level = 3;
}

int lake_on_error_parse(const char *s, enum lake_on_error *out)
{
	if (strcmp(s, "fail") == 0)
		*out = LAKE_ON_ERROR_FAIL;
	else if (strcmp(s, "skip") == 0)
		*out = LAKE_ON_ERROR_SKIP;
	else if (strcmp(s, "quarantine") == 0)
		*out = LAKE_ON_ERROR_QUARANTINE;
	else
		return -1;
	return 0;
}

/* ---- writers ---- */

static uint64_t hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct writer *find_writer(struct lake_put *p, const char *partition)
{
	struct writer *w;

	if (!p->nbuckets)
		return NULL;
	for (w = p->buckets[hash_text(partition) % p->nbuckets]; w; w = w->next_in_bucket)
		if (strcmp(w->partition, partition) == 0)
			return w;
	return NULL;
}

static void rehash(struct lake_put *p)
{
	size_t n = p->nbuckets ? p->nbuckets * 2 : 64;
	struct writer **b = lake_xcalloc(n, sizeof *b);

	for (struct writer *w = p->writers; w; w = w->next) {
		size_t i = hash_text(w->partition) % n;
		w->next_in_bucket = b[i];
		b[i] = w;
	}
	free(p->buckets);
	p->buckets = b;
	p->nbuckets = n;
}

static void unlink_writer(struct lake_put *p, struct writer *w)
{
	struct writer **slot = &p->buckets[hash_text(w->partition) % p->nbuckets];

	while (*slot != w)
		slot = &(*slot)->next_in_bucket;
	*slot = w->next_in_bucket;
	if (w->prev)
		w->prev->next = w->next;
	else
		p->writers = w->next;
	if (w->next)
		w->next->prev = w->prev;
	p->nwriters--;
	p->buffered -= w->pending.len;
	if (p->last == w)
		p->last = NULL;
}

static void free_writer(struct writer *w)
{
	lake_schema_free(w->schema);
	lake_tmpfile_abort(&w->tmp);
	lake_buf_release(&w->pending);
	free(w->partition);
	free(w);
}

/* The earliest --batch-seconds deadline of the open writers. */
static void recompute_deadline(struct lake_put *p)
{
	p->next_deadline = 0;
	for (struct writer *w = p->writers; w; w = w->next)
		if (w->deadline_us && (!p->next_deadline || w->deadline_us < p->next_deadline))
			p->next_deadline = w->deadline_us;
}

static int ext_for(const char *format, struct lake_buf *out)
{
	/* Parquet compresses its own pages. */
	lake_buf_addf(out, strcmp(format, "parquet") == 0 ? "%s" : "%s.zst", format);
	return 0;
}

static void submit_pending(struct lake_put *p, struct writer *w)
{
	if (!w->pending.len)
		return;
	p->buffered -= w->pending.len;
	lake_compressor_submit(p->z, &w->sink, &w->pending);
}

/* ---- the catalog side of a file ---- */

static const char *grain_name(enum lake_time_grain g)
{
	static const char *const names[] = {"year", "month", "day", "hour"};

	return names[g];
}

/* The partition keys as the catalog checks them: with their grains and this write's static values.
 */
static char *partition_keys_json(const struct lake_put *p)
{
	json_t *keys = json_array();
	char *text;

	for (size_t i = 0; i < p->o.nstatic; i++) {
		const struct lake_partkv *kv = &p->o.static_parts[i];
		json_t *k = json_pack("{s:s, s:s}", "name", kv->key, "type", "string");
		if (kv->value)
			json_object_set_new(k, "static", json_string(kv->value));
		json_array_append_new(keys, k);
	}
	for (size_t i = 0; i < p->o.ndynamic; i++) {
		const struct lake_partition_by *pb = &p->o.dynamic[i];
		json_t *k = json_pack("{s:s, s:s}", "name", pb->key, "type", "string");
		if (pb->has_grain)
			json_object_set_new(k, "grain", json_string(grain_name(pb->grain)));
		json_array_append_new(keys, k);
	}
	text = json_dumps(keys, JSON_COMPACT);
	json_decref(keys);
	return text;
}

/*
 * Check that the table agrees with this input (format, partition keys,
 * CSV header) and, with create, create it when absent.  The check runs
 * at an input's first record, so a mismatch fails before any work; the
 * creation waits for the first publish, so a failed input leaves no
 * empty table behind.
 */
static int ensure_table(struct lake_put *p, int create, struct lake_error *e)
{
	struct lake_catalog *c = p->lake->catalog;
	char *keys;
	int rc;

	if (p->table_ready)
		return 0;
	keys = partition_keys_json(p);
	struct lake_table_spec spec = {p->db,
				       p->table,
				       p->out_format,
				       p->o.to_parquet ? "none" : "zstd",
				       keys,
				       p->o.to_ndjson ? NULL : p->csv_header_json,
				       p->lake->principal};
	if (!create) {
		rc = lake_catalog_ensure_table(c, &spec, 0, &p->table_id, e);
	} else if ((rc = lake_catalog_begin(c, e)) == 0) {
		rc = lake_catalog_ensure_table(c, &spec, 1, &p->table_id, e);
		if (rc == 0)
			rc = lake_catalog_commit(c, e);
		else
			lake_catalog_rollback(c);
	}
	free(keys);
	if (rc == 0 && p->table_id)
		p->table_ready = 1;
	return rc;
}

static void note_published(struct lake_put *p, uint64_t rows, uint64_t bytes)
{
	p->totals.rows += rows;
	p->totals.files++;
	p->totals.bytes += bytes;
}

static int emit_file(struct lake_put *p, const char *path, const char *partition, uint64_t rows,
		     uint64_t bytes, int64_t version, struct lake_error *e)
{
	struct lake_put_file f = {p->qualified, path,  *partition ? partition : NULL,
				  rows,		bytes, version};

	note_published(p, rows, bytes);
	if (p->emit && p->emit(&f, p->emit_arg) != 0)
		return lake_err(e, LAKE_EX_IOERR, "cannot write the report of '%s'", path);
	return 0;
}

static void remove_data_file(struct lake_put *p, const struct staged *st)
{
	struct lake_buf abs = LAKE_BUF_INIT;

	if (st->renamed) {
		lake_path(p->lake, &abs, st->path);
		unlink(abs.data);
	} else {
		unlink(st->tmp_path);
	}
	lake_buf_release(&abs);
}

/* ---- quarantine ---- */

static int quarantine_add(struct lake_put *p, const struct lake_record *rec, const char *why,
			  struct lake_error *e)
{
	struct lake_buf *b = &p->scratch;

	if (!p->quarantine_open) {
		if (lake_tmpfile_open(&p->quarantine, p->lake->tmpdir, e) < 0)
			return -1;
		p->quarantine_open = 1;
	}
	lake_buf_reset(b);
	lake_buf_addstr(b, "{\"input\":");
	lake_buf_add_json_string(b, p->in_name, strlen(p->in_name));
	lake_buf_addf(b, ",\"line\":%llu,\"column\":%llu,\"error\":", (unsigned long long)rec->line,
		      (unsigned long long)rec->column);
	lake_buf_add_json_string(b, why, strlen(why));
	lake_buf_addstr(b, ",\"record\":");
	/* JSON text must be UTF-8; when the record is not, its exact bytes go alongside. */
	if (lake_buf_add_json_string_utf8(b, rec->raw, rec->raw_len)) {
		lake_buf_addstr(b, ",\"record_base64\":");
		lake_buf_add_base64(b, (const unsigned char *)rec->raw, rec->raw_len);
	}
	lake_buf_addstr(b, "}\n");
	return lake_write_all(p->quarantine.fd, b->data, b->len, p->quarantine.path, e);
}

static int quarantine_commit(struct lake_put *p, struct lake_error *e)
{
	struct lake_buf dest = LAKE_BUF_INIT;
	int rc;

	if (!p->quarantine_open)
		return 0;
	lake_buf_addf(&dest, "quarantine/%s/%s", p->db, p->table);
	snprintf(p->totals.quarantine_dir, sizeof p->totals.quarantine_dir, "%s", dest.data);
	lake_buf_addc(&dest, '/');
	lake_data_file_name(&dest, "ndjson");
	rc = lake_tmpfile_finish_beneath(&p->quarantine, p->lake->dir, dest.data, e);
	lake_tmpfile_abort(&p->quarantine);
	p->quarantine_open = 0;
	lake_buf_release(&dest);
	return rc;
}

static void quarantine_discard(struct lake_put *p)
{
	lake_tmpfile_abort(&p->quarantine);
	p->quarantine_open = 0;
}

/* ---- committing a writer ---- */

static void relative_path(const struct lake_put *p, const struct writer *w, struct lake_buf *rel)
{
	struct lake_buf ext = LAKE_BUF_INIT;

	lake_buf_addf(rel, "data/%s/%s/", p->db, p->table);
	if (*w->partition)
		lake_buf_addf(rel, "%s/", w->partition);
	ext_for(p->out_format, &ext);
	lake_data_file_name(rel, ext.data);
	lake_buf_release(&ext);
}

static struct staged *new_staged(struct lake_put *p)
{
	if (p->nstaged == p->cap_staged) {
		p->cap_staged = p->cap_staged ? p->cap_staged * 2 : 16;
		p->staged = lake_xrealloc(p->staged, p->cap_staged * sizeof *p->staged);
	}
	struct staged *st = &p->staged[p->nstaged++];
	memset(st, 0, sizeof *st);
	return st;
}

/*
 * --to parquet: a Parquet file's columns are found by name, and a reader
 * names them by the one rule (base/colnames.h), so they are written under
 * those names: JSON keys "a" and "A" are columns a and A_2.  Each column
 * of cols is renamed so, keeping the key its values come from in "key"
 * when keep_key; stats' entries follow.
 */
static void name_parquet_columns(json_t *cols, json_t *stats, int keep_key)
{
	struct lake_colnames u = LAKE_COLNAMES_INIT;
	size_t i, j;
	json_t *c, *st;

	json_array_foreach(cols, i, c)
	{
		const char *key = json_string_value(json_object_get(c, "name"));
		const char *name = lake_colnames_add(&u, key, strlen(key));
		json_array_foreach(stats, j, st)
		{
			const char *col = json_string_value(json_object_get(st, "column"));
			if (col && strcmp(col, key) == 0)
				json_object_set_new(st, "column", json_string(name));
		}
		if (keep_key)
			json_object_set_new(c, "key", json_string(key));
		json_object_set_new(c, "name", json_string(name));
	}
	lake_colnames_release(&u);
}

/*
 * The columns, statistics and fingerprint the catalog keeps for a file
 * that lake-crawl would otherwise have to read.  Renaming keeps the
 * size and mtime, so the temporary file's are the data file's.
 */
static void describe_staged(struct lake_put *p, struct staged *st, const struct lake_schema *s,
			    const struct stat *sb)
{
	json_t *cols = lake_schema_columns_json(s);

	st->stats = lake_schema_stats_json(s);
	if (p->o.to_parquet)
		name_parquet_columns(cols, st->stats, 0);
	st->schema = json_dumps(cols, JSON_COMPACT);
	json_decref(cols);
	st->fp_size = (int64_t)sb->st_size;
	st->fp_mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/*
 * --to parquet: the writer's records, complete in its temporary file, as
 * a Parquet file that takes its place.
 */
static int convert_to_parquet(struct lake_put *p, struct writer *w, struct lake_error *e)
{
	struct lake_parquet_write_options o = {.zstd_level = p->o.level};
	struct lake_tmpfile pq;
	json_t *cols;
	int rc;

	if (close(w->tmp.fd) < 0) {
		w->tmp.fd = -1;
		return lake_err_sys(e, LAKE_EX_IOERR, "'%s': close failed", w->tmp.path);
	}
	w->tmp.fd = -1;
	cols = lake_schema_columns_json(w->schema);
	name_parquet_columns(cols, NULL, 1);
	if (lake_tmpfile_open(&pq, p->lake->tmpdir, e) < 0) {
		json_decref(cols);
		return -1;
	}
	rc = lake_parquet_write_ndjson(w->tmp.path, cols, pq.fd, pq.path, &o, e);
	json_decref(cols);
	if (rc < 0) {
		lake_tmpfile_abort(&pq);
		return -1;
	}
	unlink(w->tmp.path);
	free(w->tmp.path);
	w->tmp = pq;
	return 0;
}

/* ---- --to parquet: the last files converted side by side ---- */

struct conversions {
	struct lake_put *p;
	struct writer **ws;
	size_t n;
	atomic_size_t next;
	int *failed;
	struct lake_error *errs;
};

static void *converter(void *arg)
{
	struct conversions *c = arg;

	for (size_t i; (i = atomic_fetch_add(&c->next, 1)) < c->n;)
		c->failed[i] = convert_to_parquet(c->p, c->ws[i], &c->errs[i]) < 0;
	return NULL;
}

/*
 * At the end of the input, the files of every partition wait to be
 * converted: each is converted on its own, so they are converted on
 * every core at once rather than one after the other (which made
 * --to parquet take three times as long as NDJSON).  They are staged,
 * reported and published in the order they were begun all the same, and
 * the first failure in that order is the one reported.
 */
static int convert_closing(struct lake_put *p, struct lake_error *e)
{
	struct conversions c = {.p = p};
	size_t cap = 0;
	int rc = 0;

	atomic_init(&c.next, 0);
	for (struct writer *w = p->closing; w; w = w->next) {
		lake_compressor_wait(p->z, &w->sink);
		if (w->sink.failed || w->converted)
			continue;
		if (c.n == cap) {
			cap = cap ? 2 * cap : 16;
			c.ws = lake_xrealloc(c.ws, cap * sizeof *c.ws);
		}
		c.ws[c.n++] = w;
	}
	c.failed = lake_xcalloc(c.n + 1, sizeof *c.failed);
	c.errs = lake_xcalloc(c.n + 1, sizeof *c.errs);
	if (c.n)
		lake_on_cores(converter, &c, c.n);
	for (size_t i = 0; i < c.n; i++) {
		if (c.failed[i] && rc == 0) {
			*e = c.errs[i];
			rc = -1;
		}
		c.ws[i]->converted = !c.failed[i];
	}
	free(c.ws);
	free(c.failed);
	free(c.errs);
	return rc;
}

/* A closing writer whose chunks are all written: close its file and stage it. */
static int finish_closing(struct lake_put *p, struct writer *w, struct lake_error *e)
{
	struct lake_buf rel = LAKE_BUF_INIT;
	struct staged *st;

	if (w->sink.failed) {
		*e = w->sink.err;
		return -1;
	}
	if (p->o.to_parquet && !w->converted && convert_to_parquet(p, w, e) < 0)
		return -1;
	lake_start_writeback(w->tmp.fd);
	struct stat sb;
	if ((w->schema || p->o.to_parquet) && fstat(w->tmp.fd, &sb) < 0)
		return lake_err_sys(e, LAKE_EX_IOERR, "'%s': cannot stat", w->tmp.path);
	if (close(w->tmp.fd) < 0) {
		w->tmp.fd = -1;
		return lake_err_sys(e, LAKE_EX_IOERR, "'%s': close failed", w->tmp.path);
	}
	w->tmp.fd = -1;
	relative_path(p, w, &rel);
	st = new_staged(p);
	st->tmp_path = w->tmp.path;
	w->tmp.path = NULL;
	st->path = lake_buf_detach(&rel);
	st->partition = lake_xstrdup(w->partition);
	st->rows = w->rows;
	st->bytes = p->o.to_parquet ? (uint64_t)sb.st_size : w->sink.bytes_out;
	st->raw_bytes = w->raw_bytes;
	if (w->schema)
		describe_staged(p, st, w->schema, &sb);
	lake_fault_point();
	return 0;
}

/*
 * Stage the closing writers whose compression is done; with wait, all of
 * them.  Checking is cheap, so the caller does it whenever it likes.
 */
static int reap_closing(struct lake_put *p, int wait, struct lake_error *e)
{
	struct writer **link = &p->closing;
	int rc = 0;

	while (*link) {
		struct writer *w = *link;
		if (wait)
			lake_compressor_wait(p->z, &w->sink);
		else if (!lake_compressor_idle(p->z, &w->sink)) {
			link = &w->next;
			continue;
		}
		*link = w->next;
		if (rc == 0 && finish_closing(p, w, e) < 0)
			rc = -1;
		free_writer(w);
	}
	return rc;
}

/*
 * Hand a writer's last chunk to the compressor and set it aside; its file
 * is staged once compressed.  The caller goes on without waiting: on two
 * cores the next records are scanned while this file is finished.
 */
static void close_writer(struct lake_put *p, struct writer *w)
{
	submit_pending(p, w);
	unlink_writer(p, w);
	if (w->deadline_us && w->deadline_us == p->next_deadline)
		recompute_deadline(p);
	/* Appended, so that files are staged and reported in the order they were begun. */
	struct writer **tail = &p->closing;
	while (*tail)
		tail = &(*tail)->next;
	w->next = NULL;
	w->prev = NULL;
	*tail = w;
}

/* Register the staged files as pending and move them into data/, durably. */
static int place_staged(struct lake_put *p, struct lake_error *e)
{
	struct lake_file_spec *specs = lake_xcalloc(p->nstaged, sizeof *specs);
	int64_t *ids = lake_xcalloc(p->nstaged, sizeof *ids);
	struct lake_buf abs = LAKE_BUF_INIT, dir = LAKE_BUF_INIT, last_dir = LAKE_BUF_INIT;
	int rc = -1;

	for (size_t i = 0; i < p->nstaged; i++)
		specs[i] = (struct lake_file_spec){
		    p->table_id, p->staged[i].path, p->staged[i].partition, p->out_format,
		    /* Parquet compresses its pages, not the file. */
		    p->o.to_parquet ? "none" : "zstd", (int64_t)p->staged[i].bytes,
		    (int64_t)p->staged[i].rows, p->lake->principal, (int64_t)p->staged[i].raw_bytes,
		    p->staged[i].schema, p->staged[i].stats, p->staged[i].fp_size,
		    p->staged[i].fp_mtime_ns};
	if (lake_catalog_add_pending(p->lake->catalog, specs, p->nstaged, ids, e) < 0)
		goto out;
	lake_fault_point();
	for (size_t i = 0; i < p->nstaged; i++)
		p->staged[i].id = ids[i];
	for (size_t i = 0; i < p->nstaged; i++) {
		struct staged *st = &p->staged[i];
		lake_buf_reset(&abs);
		lake_path(p->lake, &abs, st->path);
		if (lake_fsync_path(st->tmp_path, e) < 0 ||
		    lake_rename_beneath(st->tmp_path, p->lake->dir, st->path, e) < 0)
			goto out;
		st->renamed = 1;
		lake_fault_point();
		lake_buf_reset(&dir);
		lake_parent_dir(abs.data, &dir);
		if (last_dir.data && strcmp(dir.data, last_dir.data) == 0)
			continue;
		if (lake_fsync_dir(dir.data, e) < 0)
			goto out;
		lake_buf_reset(&last_dir);
		lake_buf_add(&last_dir, dir.data, dir.len);
	}
	rc = 0;
out:
	free(specs);
	free(ids);
	lake_buf_release(&abs);
	lake_buf_release(&dir);
	lake_buf_release(&last_dir);
	return rc;
}

static void free_staged(struct staged *st)
{
	free(st->tmp_path);
	free(st->path);
	free(st->partition);
	free(st->schema);
	json_decref(st->stats);
}

static void clear_staged(struct lake_put *p)
{
	for (size_t i = 0; i < p->nstaged; i++)
		free_staged(&p->staged[i]);
	p->nstaged = 0;
}

/* The staged files are published: from here on nothing may be discarded, so the list is emptied
 * first. */
static int report_published(struct lake_put *p, int64_t version, struct lake_error *e)
{
	size_t n = p->nstaged;
	struct staged *done = p->staged;
	int rc = 0;

	p->staged = NULL;
	p->nstaged = p->cap_staged = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = emit_file(p, done[i].path, done[i].partition, done[i].rows,
				       done[i].bytes, version, e);
		free_staged(&done[i]);
	}
	free(done);
	return rc;
}

/*
 * Publish every staged file in one transaction, after which they are
 * part of the table; then report each.  The files sorted by directory
 * make fewer directory fsyncs.
 */
/*
 * --to parquet: the files know their columns (they were written typed),
 * so the table's columns follow them in the same commit, as a job's
 * output does, and the table needs no crawl to be queried.
 */
static int publish_typed(struct lake_put *p, const int64_t *ids, int64_t *version,
			 struct lake_error *e)
{
	struct lake_catalog *c = p->lake->catalog;
	json_t *changes = json_array(), *cols = NULL;
	int rc = -1;

	if (lake_catalog_begin(c, e) < 0)
		goto out;
	cols = lake_catalog_table_columns(c, p->table_id);
	for (size_t i = 0; i < p->nstaged; i++) {
		json_t *file = json_loads(p->staged[i].schema, 0, NULL);
		json_t *merged = lake_schema_merge_columns(cols, file, changes);
		json_decref(file);
		json_decref(cols);
		cols = merged;
	}
	struct lake_version_change vc = {
	    p->table_id, "put", p->lake->principal, ids, p->nstaged, 0, NULL, 0, cols, changes, 1};
	if (lake_catalog_commit_version(c, &vc, version, e) < 0)
		lake_catalog_rollback(c);
	else
		rc = lake_catalog_commit(c, e);
out:
	json_decref(cols);
	json_decref(changes);
	return rc;
}

static int publish_staged(struct lake_put *p, struct lake_error *e)
{
	int64_t *ids, version;
	int rc;

	if (!p->nstaged)
		return quarantine_commit(p, e);
	if (ensure_table(p, 1, e) < 0 || place_staged(p, e) < 0)
		return -1;
	ids = lake_xcalloc(p->nstaged, sizeof *ids);
	for (size_t i = 0; i < p->nstaged; i++)
		ids[i] = p->staged[i].id;
	if (p->o.to_parquet)
		rc = publish_typed(p, ids, &version, e);
	else
		rc = lake_catalog_publish(p->lake->catalog, p->table_id, ids, p->nstaged, "put",
					  p->lake->principal, &version, e);
	free(ids);
	if (rc < 0 || quarantine_commit(p, e) < 0)
		return -1;
	return report_published(p, version, e);
}

/*
 * A writer reached a batch limit, or must make room: in a stream its file
 * is published now; in a regular input it is published with the rest at
 * the end.
 */
static int commit_writer(struct lake_put *p, struct writer *w, struct lake_error *e)
{
	close_writer(p, w);
	if (p->atomic)
		return reap_closing(p, 0, e);
	if (reap_closing(p, 1, e) < 0)
		return -1;
	return publish_staged(p, e);
}

static int commit_all_writers(struct lake_put *p, struct lake_error *e)
{
	/* Oldest first (the list is newest first), so files are reported in the order begun. */
	while (p->writers) {
		struct writer *oldest = p->writers;
		while (oldest->next)
			oldest = oldest->next;
		close_writer(p, oldest);
	}
	if (p->o.to_parquet && convert_closing(p, e) < 0)
		return -1;
	return reap_closing(p, 1, e);
}

static int commit_expired(struct lake_put *p, int64_t now, struct lake_error *e)
{
	struct writer *w = p->writers, *next;

	for (; w; w = next) {
		next = w->next;
		if (w->deadline_us && w->deadline_us <= now) {
			if (commit_writer(p, w, e) < 0)
				return -1;
			next = p->writers; /* the list changed under us; start over */
		}
	}
	return 0;
}

static struct writer *least_recently_used(struct lake_put *p)
{
	struct writer *oldest = p->writers;

	for (struct writer *w = p->writers; w; w = w->next)
		if (w->last_use < oldest->last_use)
			oldest = w;
	return oldest;
}

static struct writer *open_writer(struct lake_put *p, const char *partition, struct lake_error *e)
{
	struct writer *w;

	if (p->o.max_open_partitions && p->nwriters >= p->o.max_open_partitions &&
	    commit_writer(p, least_recently_used(p), e) < 0)
		return NULL;
	w = lake_xcalloc(1, sizeof *w);
	if (lake_tmpfile_open(&w->tmp, p->lake->tmpdir, e) < 0) {
		free(w);
		return NULL;
	}
	w->partition = lake_xstrdup(partition);
	if (p->o.describe_files || p->o.to_parquet)
		w->schema = lake_schema_new();
	w->sink.fd = w->tmp.fd;
	w->sink.name = w->tmp.path;
	if (p->o.batch_us && !p->atomic) {
		w->deadline_us = lake_monotonic_us() + (int64_t)p->o.batch_us;
		if (!p->next_deadline || w->deadline_us < p->next_deadline)
			p->next_deadline = w->deadline_us;
	}
	if (p->nwriters + 1 > p->nbuckets / 2)
		rehash(p);
	size_t i = hash_text(partition) % p->nbuckets;
	w->next_in_bucket = p->buckets[i];
	p->buckets[i] = w;
	w->next = p->writers;
	if (p->writers)
		p->writers->prev = w;
	p->writers = w;
	p->nwriters++;
	if (p->csv_in && !p->o.to_ndjson) {
		lake_buf_add(&w->pending, p->csv_header.data, p->csv_header.len);
		p->buffered += p->csv_header.len;
		w->raw_bytes += p->csv_header.len;
	}
	return w;
}

/* ---- discarding ---- */

static void discard_writers(struct lake_put *p)
{
	while (p->writers)
		close_writer(p, p->writers);
	while (p->closing) {
		struct writer *w = p->closing;
		lake_compressor_wait(p->z, &w->sink);
		p->closing = w->next;
		free_writer(w);
	}
	p->next_deadline = 0;
}

static void discard_staged(struct lake_put *p)
{
	int64_t *ids = lake_xcalloc(p->nstaged ? p->nstaged : 1, sizeof *ids);
	size_t n = 0;

	for (size_t i = 0; i < p->nstaged; i++) {
		remove_data_file(p, &p->staged[i]);
		if (p->staged[i].id)
			ids[n++] = p->staged[i].id;
	}
	lake_catalog_drop_pending(p->lake->catalog, ids, n);
	free(ids);
	clear_staged(p);
}

static void discard_input(struct lake_put *p)
{
	discard_writers(p);
	discard_staged(p);
	quarantine_discard(p);
}

/* ---- records into writers ---- */

static void csv_add_field(struct lake_buf *b, const char *s, size_t n, char delim)
{
	int quote = n == 0 || s[0] == ' ' || s[n - 1] == ' ';

	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (!quote) {
		lake_buf_add(b, s, n);
		return;
	}
	lake_buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			lake_buf_addc(b, '"');
		lake_buf_addc(b, s[i]);
	}
	lake_buf_addc(b, '"');
}

static void csv_add_row(struct lake_buf *b, const char *const *f, const size_t *len, size_t n,
			char delim)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			lake_buf_addc(b, delim);
		if (f[i])
			csv_add_field(b, f[i], len[i], delim);
	}
	lake_buf_addc(b, '\n');
}

/*
 * A CSV field as JSON: numbers that survive the trip unchanged (spelt as
 * JSON spells them: ".097" is 0.097), booleans, null, else a string.
 */
static void json_add_csv_value(struct lake_buf *b, const char *s, size_t n)
{
	int64_t i;
	double d;
	enum lake_jnum k;
	size_t digits = 0;

	if (!s) {
		lake_buf_addstr(b, "null");
		return;
	}
	if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0)) {
		lake_buf_add(b, s, n);
		return;
	}
	k = n ? lake_text_number_parse(s, n, &i, &d) : LAKE_JNUM_BAD;
	for (size_t j = 0; j < n; j++)
		digits += s[j] >= '0' && s[j] <= '9';
	if (k == LAKE_JNUM_INT || (k == LAKE_JNUM_DOUBLE && digits <= 15)) {
		lake_text_number_json(b, s, n);
		return;
	}
	lake_buf_add_json_string(b, s, n);
}

static void csv_row_as_json(struct lake_put *p, const struct lake_record *rec, struct lake_buf *b)
{
	lake_buf_addc(b, '{');
	for (size_t i = 0; i < rec->nfields; i++) {
		if (i)
			lake_buf_addc(b, ',');
		lake_buf_addstr(b, p->json_keys[i]);
		json_add_csv_value(b, rec->field[i], rec->field_len[i]);
	}
	lake_buf_addstr(b, "}\n");
}

static void observe_record(struct lake_put *p, struct lake_schema *s, const struct lake_record *rec)
{
	lake_schema_count_row(s);
	if (!p->csv_in) {
		lake_schema_observe_json(s, rec->json, rec->json_len);
		return;
	}
	for (size_t i = 0; i < rec->nfields && i < p->nheader; i++)
		lake_schema_observe_text(s, p->header_names[i], rec->field[i],
					 rec->field[i] ? rec->field_len[i] : 0);
}

static void append_record(struct lake_put *p, struct writer *w, const struct lake_record *rec)
{
	size_t before = w->pending.len;

	if (!p->csv_in) {
		lake_buf_grow(&w->pending, rec->json_len + 1);
		memcpy(w->pending.data + w->pending.len, rec->json, rec->json_len);
		w->pending.len += rec->json_len;
		w->pending.data[w->pending.len++] = '\n';
		w->pending.data[w->pending.len] = '\0';
	} else if (p->o.to_ndjson) {
		csv_row_as_json(p, rec, &w->pending);
	} else {
		csv_add_row(&w->pending, rec->field, rec->field_len, rec->nfields, p->delim);
	}
	if (w->schema)
		observe_record(p, w->schema, rec);
	w->rows++;
	w->raw_bytes += w->pending.len - before;
	p->buffered += w->pending.len - before;
	w->last_use = ++p->clock;
}

static int over_batch_limit(const struct lake_put *p, const struct writer *w)
{
	return (p->o.batch_rows && w->rows >= p->o.batch_rows) ||
	       (p->o.batch_bytes && w->raw_bytes >= p->o.batch_bytes);
}

static struct writer *largest_buffer(struct lake_put *p)
{
	struct writer *big = p->writers;

	for (struct writer *w = p->writers; w; w = w->next)
		if (w->pending.len > big->pending.len)
			big = w;
	return big;
}

static int route(struct lake_put *p, const struct lake_record *rec, const char **why,
		 struct lake_error *e)
{
	struct writer *w = p->last;

	*why = NULL;
	if (p->o.ndynamic || !w) {
		if ((*why = lake_put_partition_of(p, rec)) != NULL)
			return 0;
		if (!w || strcmp(w->partition, p->key.data) != 0)
			w = find_writer(p, p->key.data);
		if (!w && !(w = open_writer(p, p->key.data, e)))
			return -1;
		p->last = w;
	}
	append_record(p, w, rec);
	if (over_batch_limit(p, w))
		return commit_writer(p, w, e);
	if (w->pending.len >= CHUNK_BYTES)
		submit_pending(p, w);
	if (p->buffered > BUFFER_BUDGET)
		submit_pending(p, largest_buffer(p));
	return 0;
}

static int bad_record(struct lake_put *p, const struct lake_record *rec, const char *why,
		      struct lake_error *e)
{
	char msg[sizeof p->totals.first_bad];

	snprintf(msg, sizeof msg, "%s:%llu:%llu: %s", p->in_name, (unsigned long long)rec->line,
		 (unsigned long long)rec->column, why);
	switch (p->o.on_error) {
	case LAKE_ON_ERROR_FAIL:
		p->totals.failed_on_record = 1;
		return lake_err(e, LAKE_EX_DATAERR, "%s", msg);
	case LAKE_ON_ERROR_SKIP:
		p->totals.skipped++;
		break;
	case LAKE_ON_ERROR_QUARANTINE:
		if (quarantine_add(p, rec, why, e) < 0)
			return -1;
		p->totals.quarantined++;
		break;
	}
	if (!p->totals.first_bad[0])
		memcpy(p->totals.first_bad, msg, sizeof msg);
	return 0;
}

static int land(struct lake_put *p, const struct lake_record *rec, struct lake_error *e)
{
	const char *why = rec->error;
	struct lake_record whole;

	if (why)
		return bad_record(p, rec, why, e);
	if (route(p, rec, &why, e) < 0)
		return -1;
	if (!why)
		return 0;
	/* Refused after parsing (its partition value): point at the record as a whole. */
	whole = *rec;
	whole.column = 1;
	return bad_record(p, &whole, why, e);
}

/* ---- inputs ---- */

static void release_input_state(struct lake_put *p)
{
	for (size_t i = 0; i < p->nkeys; i++)
		free(p->json_keys[i]);
	free(p->json_keys);
	p->json_keys = NULL;
	for (size_t i = 0; i < p->nheader; i++)
		free(p->header_names[i]);
	free(p->header_names);
	p->header_names = NULL;
	p->nheader = 0;
	p->nkeys = 0;
	free(p->dyn_column);
	p->dyn_column = NULL;
	lake_buf_reset(&p->csv_header);
	free(p->csv_header_json);
	p->csv_header_json = NULL;
	p->prepared = 0;
	p->table_ready = 0;
}

/* JSON keys for a CSV header's names (distinct already: see set_header()). */
static void make_json_keys(struct lake_put *p, const char *const *names, size_t n)
{
	struct lake_buf enc = LAKE_BUF_INIT;

	p->json_keys = lake_xcalloc(n ? n : 1, sizeof *p->json_keys);
	p->nkeys = n;
	for (size_t i = 0; i < n; i++) {
		lake_buf_add_json_string(&enc, names[i], strlen(names[i]));
		lake_buf_addc(&enc, ':');
		p->json_keys[i] = lake_buf_detach(&enc);
	}
}

static void set_header(struct lake_put *p, const char *const *names, const size_t *lens, size_t n);

/* TEXT: the classifier's group names are the header a CSV file would have. */
static size_t classifier_header(struct lake_put *p, const char *const **names, const size_t **lens)
{
	const struct lake_classifier *c = p->o.classifier;

	if (!p->groups) {
		p->groups = lake_xcalloc(c->ngroups ? c->ngroups : 1, sizeof *p->groups);
		p->text_field = lake_xcalloc(c->nnamed ? c->nnamed : 1, sizeof *p->text_field);
		p->text_len = lake_xcalloc(c->nnamed ? c->nnamed : 1, sizeof *p->text_len);
		for (size_t i = 0; i < c->ngroups; i++)
			if (c->names[i]) {
				p->text_field[p->ntext] = c->names[i];
				p->text_len[p->ntext++] = strlen(c->names[i]);
			}
	}
	*names = p->text_field;
	*lens = p->text_len;
	return p->ntext;
}

/*
 * TEXT: cut a line into the fields of the classifier's named groups (a
 * group that took no part is an empty field, null), or mark it bad.
 */
static void cut_line(struct lake_put *p, struct lake_record *rec)
{
	const struct lake_classifier *c = p->o.classifier;
	size_t k = 0;

	rec->json = NULL;
	rec->json_len = 0;
	if (!lake_classifier_match(c, rec->raw, rec->raw_len, p->groups)) {
		snprintf(p->why, sizeof p->why, "line does not match classifier '%s'", c->name);
		rec->error = p->why;
		rec->column = 1;
		return;
	}
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->names[i]) {
			p->text_field[k] = p->groups[i].text;
			p->text_len[k++] = p->groups[i].len;
		}
	rec->nfields = k;
	rec->field = p->text_field;
	rec->field_len = p->text_len;
}

static int find_columns(struct lake_put *p, struct lake_reader *r, struct lake_error *e)
{
	const char *const *names;
	const size_t *lens;
	size_t n = p->o.classifier ? classifier_header(p, &names, &lens)
				   : lake_reader_header(r, &names, &lens);

	p->dyn_column = lake_xcalloc(p->o.ndynamic ? p->o.ndynamic : 1, sizeof *p->dyn_column);
	for (size_t i = 0; i < p->o.ndynamic; i++) {
		const char *field = p->o.dynamic[i].field;
		p->dyn_column[i] = -1;
		for (size_t j = 0; j < n; j++)
			if (lens[j] == strlen(field) && memcmp(names[j], field, lens[j]) == 0)
				p->dyn_column[i] = (long)j;
		if (p->dyn_column[i] < 0)
			return lake_err(e, LAKE_EX_DATAERR,
					"%s: no column '%s' for --partition-by %s=%s in its header",
					p->in_name, field, p->o.dynamic[i].key, field);
	}
	set_header(p, names, lens, n);
	return 0;
}

/*
 * The CSV header every file of this input starts with, and what the
 * catalog checks it by.  Its names go through the one rule
 * (base/colnames.h): a reader's header went through it already, a
 * query's result columns (lake-etl) or a classifier's groups have not.
 */
static void set_header(struct lake_put *p, const char *const *given, const size_t *lens, size_t n)
{
	struct lake_colnames u = LAKE_COLNAMES_INIT;
	const char **names = lake_xcalloc(n ? n : 1, sizeof *names);
	size_t *name_lens = lake_xcalloc(n ? n : 1, sizeof *name_lens);
	json_t *header = json_array();

	for (size_t j = 0; j < n; j++) {
		names[j] = lake_colnames_add(&u, given[j], lens[j]);
		name_lens[j] = strlen(names[j]);
		json_array_append_new(header, json_string(names[j]));
	}
	csv_add_row(&p->csv_header, names, name_lens, n, p->delim);
	p->csv_header_json = json_dumps(header, JSON_COMPACT);
	json_decref(header);
	if (p->o.to_ndjson)
		make_json_keys(p, names, n);
	/* Parquet's columns are typed from what was observed, as describe_files' are. */
	if (p->o.describe_files || p->o.to_parquet) {
		p->header_names = lake_xcalloc(n ? n : 1, sizeof *p->header_names);
		for (size_t i = 0; i < n; i++)
			p->header_names[i] = lake_xstrdup(names[i]);
		p->nheader = n;
	}
	free(names);
	free(name_lens);
	lake_colnames_release(&u);
}

static void begin_input(struct lake_put *p, const char *name, enum lake_format fmt, int atomic)
{
	release_input_state(p);
	p->in_name = name;
	p->atomic = atomic;
	p->csv_in = fmt == LAKE_FORMAT_CSV || fmt == LAKE_FORMAT_TSV || fmt == LAKE_FORMAT_TEXT;
	p->delim = fmt == LAKE_FORMAT_TSV ? '\t' : ',';
	p->out_format = p->o.to_parquet		       ? "parquet"
			: !p->csv_in || p->o.to_ndjson ? "ndjson"
						       : lake_format_name(fmt);
	p->last = NULL;
}

/* defer_publish: the files become pending, in place; the caller publishes them. */
static int stage_for_caller(struct lake_put *p, struct lake_error *e)
{
	if (!p->nstaged)
		return 0;
	return ensure_table(p, 1, e) < 0 || place_staged(p, e) < 0 ? -1 : 0;
}

/*
 * Commit what the input produced, the files still open at its end in one
 * transaction (a stream's earlier batches are already published); on
 * failure discard all of it that is not yet published.
 */
static int end_input(struct lake_put *p, int ok, struct lake_error *e)
{
	if (ok && p->o.defer_publish && commit_all_writers(p, e) == 0 &&
	    stage_for_caller(p, e) == 0)
		return 0;
	if (ok && !p->o.defer_publish && commit_all_writers(p, e) == 0 &&
	    publish_staged(p, e) == 0 && quarantine_commit(p, e) == 0)
		return 0;
	discard_input(p);
	return -1;
}

/* Progress is checked every few thousand records: reading the clock per record would show. */
static void maybe_report_progress(struct lake_put *p, struct lake_input *in)
{
	int64_t now;

	if (!p->o.progress || ++p->records_read % 4096)
		return;
	now = lake_monotonic_us();
	if (now < p->next_progress_us)
		return;
	p->next_progress_us = now + 1000000;
	struct lake_put_progress pr = {p->in_name, lake_input_raw_bytes(in), p->records_read,
				       p->totals.files};
	p->o.progress(&pr, p->o.progress_arg);
}

static int read_records(struct lake_put *p, struct lake_input *in, struct lake_reader *r,
			struct lake_error *e)
{
	struct lake_record rec;

	for (;;) {
		int64_t deadline = p->atomic ? 0 : p->next_deadline;
		/*
		 * A regular file stops at once (nothing of it will be kept); a
		 * stream first lands the whole records it already read, and
		 * stops when its next read sees the signal.
		 */
		if (p->atomic && lake_interrupted())
			return lake_err(e, 128 + lake_interrupted(), "%s: interrupted by signal %d",
					p->in_name, lake_interrupted());
		int rc = lake_reader_next(r, &rec, deadline, e);
		if (rc == LAKE_INPUT_TIMEOUT) {
			if (commit_expired(p, lake_monotonic_us(), e) < 0)
				return -1;
			continue;
		}
		if (rc <= 0)
			return rc;
		if (!p->prepared) {
			if (p->csv_in && find_columns(p, r, e) < 0)
				return -1;
			if (ensure_table(p, 0, e) < 0)
				return -1;
			p->prepared = 1;
		}
		if (p->o.classifier && !rec.error)
			cut_line(p, &rec);
		if (land(p, &rec, e) < 0)
			return -1;
		maybe_report_progress(p, in);
		if (!p->atomic && p->next_deadline && lake_monotonic_us() >= p->next_deadline &&
		    commit_expired(p, lake_monotonic_us(), e) < 0)
			return -1;
	}
}

/*
 * A stream stopped by a signal: what was read is landed (a service being
 * stopped must not lose it); the error still reports the interruption.
 */
static int interrupted_stream(struct lake_put *p, struct lake_error *e)
{
	struct lake_error why = *e;

	if (end_input(p, 1, e) < 0)
		return -1;
	*e = why;
	lake_err_wrap(e, "records read before the signal were landed");
	return -1;
}

int lake_put_input(struct lake_put *p, struct lake_input *in, struct lake_error *e)
{
	enum lake_format fmt = p->o.format;
	struct lake_reader *r = NULL;
	int ok;

	if (fmt == LAKE_FORMAT_AUTO)
		fmt = lake_format_from_name(lake_input_name(in));
	if (lake_reader_open(in, fmt, &r, e) < 0) {
		/* The format was not told: not when the first record was too long to look at. */
		if (fmt == LAKE_FORMAT_AUTO && e->code == LAKE_EX_DATAERR &&
		    !strstr(e->msg, LAKE_RECORD_TOO_LONG)) {
			size_t n = strlen(e->msg);
			snprintf(e->msg + n, sizeof e->msg - n,
				 "; name the format with --format ndjson, json, csv or tsv");
		}
		return -1;
	}
	begin_input(p, lake_input_name(in), lake_reader_format(r), !lake_input_is_stream(in));
	if (!p->next_progress_us)
		p->next_progress_us = lake_monotonic_us() + 1000000;
	ok = read_records(p, in, r, e) == 0;
	lake_reader_close(r);
	if (!ok && lake_interrupted() && !p->atomic)
		return interrupted_stream(p, e);
	return end_input(p, ok, e);
}

void lake_put_records_begin(struct lake_put *p, const char *source_name)
{
	begin_input(p, source_name, LAKE_FORMAT_NDJSON, 1);
	p->prepared = 1;
}

void lake_put_records_begin_csv(struct lake_put *p, const char *source_name,
				const char *const *names, size_t n)
{
	size_t *lens = lake_xcalloc(n ? n : 1, sizeof *lens);

	begin_input(p, source_name, LAKE_FORMAT_CSV, 1);
	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(names[i]);
	set_header(p, names, lens, n);
	free(lens);
	p->prepared = 1;
}

int lake_put_record(struct lake_put *p, const struct lake_record *rec,
		    const char *const *partition_values, struct lake_error *e)
{
	int rc;

	p->given_values = partition_values;
	p->values_given = partition_values != NULL;
	rc = land(p, rec, e);
	p->values_given = 0;
	if (rc < 0) {
		end_input(p, 0, e);
		return -1;
	}
	return 0;
}

int lake_put_record_json(struct lake_put *p, const char *json, size_t len, uint64_t line,
			 struct lake_error *e)
{
	struct lake_record rec = {0};

	rec.json = rec.raw = json;
	rec.json_len = rec.raw_len = len;
	rec.line = line;
	return lake_put_record(p, &rec, NULL, e);
}

size_t lake_put_staged(const struct lake_put *p, int64_t *table_id)
{
	*table_id = p->table_id;
	return p->nstaged;
}

void lake_put_staged_file(const struct lake_put *p, size_t i, struct lake_put_staged_file *f)
{
	const struct staged *st = &p->staged[i];

	*f = (struct lake_put_staged_file){st->id, st->path, st->partition, st->rows, st->bytes};
}

int lake_put_published(struct lake_put *p, int64_t version, struct lake_error *e)
{
	return report_published(p, version, e);
}

int lake_put_records_end(struct lake_put *p, struct lake_error *e)
{
	return end_input(p, 1, e);
}

/* ---- the handle ---- */

/* INSERT on the table, and CREATE_TABLE on its database when it does not exist yet. */
static int may_land(struct lake *lake, const char *db, const char *table, struct lake_error *e)
{
	if (lake_database_name_new(db, e) < 0)
		return -1;
	struct lake_table_spec spec = {db, table, "ndjson", "zstd", "[]", NULL, lake->principal};
	struct lake_error ignored = {0};
	int64_t id = 0;

	if (lake_identity(lake)->admin)
		return 0;
	if (lake_require(lake, LAKE_PERM_INSERT, db, table, e) < 0)
		return -1;
	/* A lookup only (create 0); its disagreements with spec do not matter here. */
	lake_catalog_ensure_table(lake->catalog, &spec, 0, &id, &ignored);
	return id ? 0 : lake_require(lake, LAKE_PERM_CREATE_TABLE, db, NULL, e);
}

/*
 * A symbolic link on the way to the table's directory is refused when its
 * files are renamed into place; finding it now refuses the put before any
 * input is read.  A directory not made yet is no problem.
 */
static int check_table_dir(struct lake *lake, const char *db, const char *table,
			   struct lake_error *e)
{
	char rel[2 * LAKE_NAME_MAX + 8];
	int fd;

	snprintf(rel, sizeof rel, "data/%s/%s", db, table);
	fd = lake_open_dir_beneath(lake->dir, rel, 0, e);
	if (fd >= 0)
		close(fd);
	else if (e->code == LAKE_EX_NOINPUT)
		lake_error_clear(e);
	else
		return -1;
	return 0;
}

int lake_put_may_land(struct lake *lake, const char *qualified, struct lake_error *e)
{
	char db[LAKE_NAME_MAX + 1], table[LAKE_NAME_MAX + 1];

	if (lake_name_split(qualified, db, table, e) < 0)
		return -1;
	return may_land(lake, db, table, e);
}

int lake_put_open(struct lake *lake, const char *qualified, const struct lake_put_options *o,
		  lake_put_emit_fn emit, void *emit_arg, struct lake_put **out,
		  struct lake_error *e)
{
	struct lake_put *p;
	size_t nkeys = o->nstatic + o->ndynamic;

	*out = NULL;
	p = lake_xcalloc(1, sizeof *p);
	if (lake_name_split(qualified, p->db, p->table, e) < 0 ||
	    may_land(lake, p->db, p->table, e) < 0 || check_table_dir(lake, p->db, p->table, e) < 0)
		goto fail;
	for (size_t i = 0; i < nkeys; i++) {
		const char *k =
		    i < o->nstatic ? o->static_parts[i].key : o->dynamic[i - o->nstatic].key;
		for (size_t j = 0; j < i; j++) {
			const char *kj = j < o->nstatic ? o->static_parts[j].key
							: o->dynamic[j - o->nstatic].key;
			if (strcmp(k, kj) == 0) {
				lake_err(e, LAKE_EX_USAGE, "partition key '%s' is given twice", k);
				goto fail;
			}
		}
	}
	p->lake = lake;
	p->o = *o;
	/* A log line has no form of its own to keep: its record is JSON (and Parquet's made from
	 * JSON). */
	if (o->classifier || o->to_parquet)
		p->o.to_ndjson = 1;
	p->emit = emit;
	p->emit_arg = emit_arg;
	p->qualified = lake_xstrdup(qualified);
	p->quarantine.fd = -1;
	p->kv = lake_xcalloc(nkeys ? nkeys : 1, sizeof *p->kv);
	p->values = lake_xcalloc(o->ndynamic ? o->ndynamic : 1, sizeof *p->values);
	for (size_t i = 0; i < nkeys; i++) {
		if (i < o->nstatic)
			p->kv[i] = o->static_parts[i];
		else
			p->kv[i].key = o->dynamic[i - o->nstatic].key;
	}
	if (lake_compressor_start(o->level, &p->z, e) < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	lake_put_close(p);
	return -1;
}

const struct lake_put_totals *lake_put_totals(const struct lake_put *p)
{
	return &p->totals;
}

void lake_put_close(struct lake_put *p)
{
	if (!p)
		return;
	if (p->z)
		discard_input(p);
	lake_compressor_stop(p->z);
	release_input_state(p);
	for (size_t i = 0; i < p->o.ndynamic && p->values; i++)
		lake_buf_release(&p->values[i]);
	free(p->values);
	free(p->kv);
	free(p->staged);
	free(p->buckets);
	free(p->qualified);
	lake_buf_release(&p->key);
	lake_buf_release(&p->row);
	lake_buf_release(&p->scratch);
	lake_buf_release(&p->csv_header);
	free(p->groups);
	free(p->text_field);
	free(p->text_len);
	free(p);
}
