#include "crawl/crawl.h"
#include "crawl/crawl_internal.h"
#include "base/cores.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/fault.h"
#include "base/fsutil.h"
#include "formats/classifier.h"
#include "parquet/parquet_describe.h"
#include "govern/grant.h"
#include "values/infer.h"
#include "formats/input.h"
#include "base/ltime.h"
#include "base/names.h"
#include "formats/reader.h"
#include "store/table_props.h"

/* ---- events ---- */

static void event(struct table_crawl *tc, json_t *ev)
{
	json_object_set_new(ev, "table", json_string(tc->qualified));
	json_array_append_new(tc->events, ev);
}

static void file_error(struct table_crawl *tc, const char *file, const char *what)
{
	event(tc, json_pack("{s:s, s:s?, s:s}", "event", "error", "file", file, "error", what));
	tc->totals->errors++;
}

static void table_error(struct table_crawl *tc, const char *what)
{
	file_error(tc, NULL, what);
	tc->failed = 1;
}

static void emit_events(struct table_crawl *tc)
{
	size_t i;
	json_t *ev;

	json_array_foreach(tc->events, i, ev)
	{
		const char *kind = json_string_value(json_object_get(ev, "event"));
		if (tc->o->dry_run)
			json_object_set_new(ev, "dry_run", json_true());
		if (tc->o->event)
			tc->o->event(ev, tc->o->event_arg);
		/* Errors are counted apart; header decisions are notices, not changes. */
		tc->totals->changes +=
		    strcmp(kind, "error") != 0 && strcmp(kind, "csv_header") != 0;
	}
}

/*
 * Files are read on several threads: what reading one says goes into its
 * result, and reaches the table's events in file order afterwards.
 */
void lake_crawl_result_event(struct result *r, json_t *ev)
{
	if (!r->events)
		r->events = json_array();
	json_array_append_new(r->events, ev);
}

void lake_crawl_result_error(struct result *r, const char *what)
{
	lake_crawl_result_event(
	    r, json_pack("{s:s, s:s, s:s}", "event", "error", "file", r->file->rel, "error", what));
	r->failed = 1;
}

/* ---- the files on disk ---- */

/* Spark, Hive and Trino ignore files starting with '.' or '_' (_SUCCESS, .crc): so does lake. */
static int ignored_name(const char *name)
{
	return name[0] == '.' || name[0] == '_';
}

static void add_found(struct table_crawl *tc, const char *rel, const char *partition,
		      const struct stat *st)
{
	if (tc->nfiles == tc->capfiles) {
		tc->capfiles = tc->capfiles ? tc->capfiles * 2 : 64;
		tc->files = lake_xrealloc(tc->files, tc->capfiles * sizeof *tc->files);
	}
	struct found *f = &tc->files[tc->nfiles++];
	f->rel = lake_xstrdup(rel);
	f->partition = lake_xstrdup(partition);
	f->size = st->st_size;
	f->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Say what the crawl passes over (crawl.h), when the caller listens. */
static void crawl_warn(const struct lake_crawl_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void crawl_warn(const struct lake_crawl_options *o, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (!o->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	o->warn(text, o->warn_arg);
}

/*
 * List regular files below the directory open as fd (lake-relative rel),
 * without opening any of them; fd is closed.  Directories are entered by
 * descriptor, never through a link: a link is passed over with a warning.
 */
static int walk_dir(struct table_crawl *tc, int fd, const char *rel, const char *partition)
{
	struct lake_buf child = LAKE_BUF_INIT, part = LAKE_BUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d = fdopendir(fd);
	int rc = 0;

	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (ignored_name(de->d_name))
			continue;
		lake_buf_reset(&child);
		lake_buf_addf(&child, "%s/%s", rel, de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			if (!tc->rewalk)
				crawl_warn(tc->o, "%s: a symbolic link, not followed (skipped)",
					   child.data);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			lake_buf_reset(&part);
			lake_buf_addf(&part, "%s%s%s", partition, *partition ? "/" : "",
				      de->d_name);
			rc |= sub < 0 ? -1 : walk_dir(tc, sub, child.data, part.data);
		} else if (S_ISREG(st.st_mode)) {
			add_found(tc, child.data, partition, &st);
		}
	}
	closedir(d);
	lake_buf_release(&child);
	lake_buf_release(&part);
	return rc;
}

/* The table's directory, reached without following a link (listing it warned of one). */
static int walk(struct table_crawl *tc, const char *rel)
{
	struct lake_error ignored = {0};
	int fd = lake_open_dir_beneath(tc->lake->dir, rel, 0, &ignored);

	return fd < 0 ? -1 : walk_dir(tc, fd, rel, "");
}

static int by_rel(const void *a, const void *b)
{
	return strcmp(((const struct found *)a)->rel, ((const struct found *)b)->rel);
}

/* ---- what the catalog knows ---- */

static int load_table(struct table_crawl *tc, struct lake_error *e)
{
	sqlite3 *db = lake_catalog_db(tc->lake->catalog);
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT t.id, t.version, t.format, t.compression, t.columns, "
			       "t.partition_keys, t.properties FROM tables t JOIN databases d ON "
			       "d.id = t.database_id WHERE d.name = ? AND t.name = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return lake_catalog_fail(tc->lake->catalog, "cannot read a table", e);
	sqlite3_bind_text(st, 1, tc->db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, tc->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	lake_buf_addstr(&tc->seen, rc == SQLITE_ROW ? "table" : "no table");
	for (int i = 0; rc == SQLITE_ROW && i < 7; i++)
		lake_buf_addf(&tc->seen, "\n%s", (const char *)sqlite3_column_text(st, i));
	lake_buf_addc(&tc->seen, '\n');
	if (rc == SQLITE_ROW) {
		tc->id = sqlite3_column_int64(st, 0);
		tc->version = sqlite3_column_int64(st, 1);
		tc->format = lake_xstrdup((const char *)sqlite3_column_text(st, 2));
		tc->zstd = strcmp((const char *)sqlite3_column_text(st, 3), "zstd") == 0;
		tc->columns = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
		tc->keys = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);
		tc->props = json_loads((const char *)sqlite3_column_text(st, 6), 0, NULL);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lake_catalog_fail(tc->lake->catalog, "cannot read a table", e);
	if (!tc->columns)
		tc->columns = json_array();
	if (!tc->keys)
		tc->keys = json_array();
	if (!tc->props)
		tc->props = json_object();
	return 0;
}

static int load_files(struct table_crawl *tc, struct lake_error *e)
{
	sqlite3 *db = lake_catalog_db(tc->lake->catalog);
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (!tc->id)
		return 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT id, path, state, schema IS NOT NULL, fp_size, fp_mtime_ns "
			       "FROM files WHERE table_id = ? AND (state IN ('pending', 'live') OR "
			       "(state = 'removed' AND replaced = 1)) ORDER BY path",
			       -1, &st, NULL) != SQLITE_OK)
		return lake_catalog_fail(tc->lake->catalog, "cannot read the files", e);
	sqlite3_bind_int64(st, 1, tc->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (tc->nknown == cap) {
			cap = cap ? cap * 2 : 64;
			tc->known = lake_xrealloc(tc->known, cap * sizeof *tc->known);
		}
		struct known *k = &tc->known[tc->nknown++];
		memset(k, 0, sizeof *k);
		k->id = sqlite3_column_int64(st, 0);
		k->path = lake_xstrdup((const char *)sqlite3_column_text(st, 1));
		/* Pending files are being written; replaced ones wait for vacuum: neither is ours.
		 */
		k->pending = strcmp((const char *)sqlite3_column_text(st, 2), "live") != 0;
		k->has_schema = sqlite3_column_int(st, 3);
		k->fp_size =
		    sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 4);
		k->fp_mtime_ns =
		    sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 5);
		lake_buf_addf(&tc->seen, "%lld %s %d %lld %lld\n", (long long)k->id,
			      (const char *)sqlite3_column_text(st, 2), k->has_schema,
			      (long long)k->fp_size, (long long)k->fp_mtime_ns);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lake_catalog_fail(tc->lake->catalog, "cannot read the files", e);
	return 0;
}

static struct known *find_known(struct table_crawl *tc, const char *path)
{
	size_t lo = 0, hi = tc->nknown;

	/* Both lists are sorted by path (the catalog's ORDER BY uses the same byte order). */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(tc->known[mid].path, path);
		if (c == 0)
			return &tc->known[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- partitions ---- */

static size_t count_levels(const char *partition)
{
	size_t n = *partition ? 1 : 0;

	for (const char *p = partition; *p; p++)
		n += *p == '/';
	return n;
}

/* The key of level `level` of a partition path ("k" of "k=v"), or NULL when unnamed. */
static char *level_key(const char *partition, size_t level)
{
	const char *seg = partition, *slash, *eq;

	for (size_t i = 0; i < level; i++)
		seg = strchr(seg, '/') + 1;
	slash = strchr(seg, '/');
	eq = memchr(seg, '=', slash ? (size_t)(slash - seg) : strlen(seg));
	if (!eq || eq == seg)
		return NULL;
	struct lake_buf k = LAKE_BUF_INIT;
	lake_hive_unescape(&k, seg, (size_t)(eq - seg));
	return lake_buf_detach(&k);
}

/* The values of a partition path, unescaped, NULL for Hive's null; named or not. */
static json_t *level_values(const char *partition)
{
	json_t *vals = json_array();
	const char *seg = partition;

	while (*seg) {
		const char *slash = strchr(seg, '/');
		size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
		const char *eq = memchr(seg, '=', n);
		const char *v = eq ? eq + 1 : seg;
		size_t vn = n - (size_t)(v - seg);
		struct lake_buf b = LAKE_BUF_INIT;
		lake_hive_unescape(&b, v, vn);
		if (b.data && strcmp(b.data, LAKE_HIVE_NULL) != 0)
			json_array_append_new(vals, json_stringn(b.data, b.len));
		else
			json_array_append_new(vals, json_null());
		lake_buf_release(&b);
		seg = slash ? slash + 1 : seg + n;
	}
	return vals;
}

/*
 * The partition keys the tree shows: k=v levels are named keys, other
 * levels partition_0, partition_1, ...  Every file must sit at the same
 * depth and name the same keys, else the table is reported, not merged.
 */
static json_t *tree_keys(struct table_crawl *tc)
{
	json_t *keys = json_array();
	size_t depth = tc->nfiles ? count_levels(tc->files[0].partition) : 0;
	struct lake_buf msg = LAKE_BUF_INIT;

	for (size_t i = 1; i < tc->nfiles; i++)
		if (count_levels(tc->files[i].partition) != depth) {
			lake_buf_addf(&msg,
				      "partition directories of different depths: '%s' and '%s'; "
				      "move the files so that every file is as deep",
				      tc->files[0].rel, tc->files[i].rel);
			table_error(tc, msg.data);
			goto fail;
		}
	for (size_t level = 0; level < depth; level++) {
		char *key = level_key(tc->files[0].partition, level);
		for (size_t i = 1; i < tc->nfiles; i++) {
			char *k = level_key(tc->files[i].partition, level);
			int same = (!k && !key) || (k && key && strcmp(k, key) == 0);
			free(k);
			if (!same) {
				lake_buf_addf(
				    &msg,
				    "partition level %zu is named differently in '%s' and "
				    "'%s'",
				    level + 1, tc->files[0].rel, tc->files[i].rel);
				free(key);
				table_error(tc, msg.data);
				goto fail;
			}
		}
		char unnamed[32];
		snprintf(unnamed, sizeof unnamed, "partition_%zu", level);
		json_array_append_new(
		    keys, json_pack("{s:s, s:s}", "name", key ? key : unnamed, "type", "string"));
		free(key);
	}
	lake_buf_release(&msg);
	return keys;
fail:
	lake_buf_release(&msg);
	json_decref(keys);
	return NULL;
}

/* Keep the table's keys (and their grains); type each by inference over every value on disk. */
static void type_partition_keys(struct table_crawl *tc, json_t *found_keys)
{
	size_t n = json_array_size(found_keys);
	enum lake_kind *kinds = lake_xcalloc(n ? n : 1, sizeof *kinds);

	for (size_t i = 0; i < tc->nfiles; i++) {
		json_t *vals = level_values(tc->files[i].partition);
		for (size_t k = 0; k < n && k < json_array_size(vals); k++) {
			json_t *v = json_array_get(vals, k);
			if (json_is_string(v))
				kinds[k] = lake_kind_widen(
				    kinds[k], lake_infer_text_kind(json_string_value(v),
								   json_string_length(v)));
		}
		json_decref(vals);
	}
	if (json_array_size(tc->keys) != n) {
		json_decref(tc->keys);
		tc->keys = json_deep_copy(found_keys);
	}
	for (size_t k = 0; k < n; k++) {
		json_t *key = json_array_get(tc->keys, k);
		const char *have = json_string_value(json_object_get(key, "type"));
		const char *now = lake_kind_name(kinds[k]);
		if (have && strcmp(have, now) != 0 && kinds[k] != LAKE_T_NULL) {
			json_array_append_new(tc->changes, json_pack("{s:s, s:O, s:s, s:s}",
								     "change", "key_typed", "key",
								     json_object_get(key, "name"),
								     "from", have, "to", now));
			json_object_set_new(key, "type", json_string(now));
		}
	}
	free(kinds);
}

static int check_keys(struct table_crawl *tc)
{
	json_t *found = tree_keys(tc);
	int rc = 0;

	if (!found)
		return -1;
	if (json_array_size(tc->keys) && json_array_size(found) != json_array_size(tc->keys))
		rc = -1;
	for (size_t i = 0; rc == 0 && i < json_array_size(tc->keys); i++) {
		const char *a =
		    json_string_value(json_object_get(json_array_get(tc->keys, i), "name"));
		const char *b =
		    json_string_value(json_object_get(json_array_get(found, i), "name"));
		rc = a && b && strcmp(a, b) == 0 ? 0 : -1;
	}
	if (rc < 0)
		table_error(tc, "the partition directories on disk do not match the table's "
				"partition keys");
	else
		type_partition_keys(tc, found);
	json_decref(found);
	return rc;
}

/* ---- deciding what to read ---- */

static struct result *new_result(struct table_crawl *tc)
{
	tc->results = lake_xrealloc(tc->results, (tc->nresults + 1) * sizeof *tc->results);
	struct result *r = &tc->results[tc->nresults++];
	memset(r, 0, sizeof *r);
	return r;
}

/*
 * A file is read when it is new, when its size or mtime changed, or when
 * lake-put registered it without a schema; an unchanged file is never
 * opened.  Files being published by lake-put (pending) are left alone.
 */
static void plan_reads(struct table_crawl *tc)
{
	for (size_t i = 0; i < tc->nfiles; i++) {
		const struct found *f = &tc->files[i];
		struct known *k = find_known(tc, f->rel);
		tc->totals->files_seen++;
		if (k)
			k->seen = 1;
		if (k && k->pending)
			continue;
		int same = k && k->fp_size == f->size && k->fp_mtime_ns == f->mtime_ns;
		if (k && k->has_schema && same && !tc->rebuild)
			continue;
		struct result *r = new_result(tc);
		r->file = f;
		if (k && (same || k->fp_size < 0) && (!k->has_schema || tc->rebuild))
			r->known_id = k->id;
		else if (k)
			r->replace_id = k->id;
	}
}

struct reading {
	const struct table_crawl *tc;
	pthread_mutex_t lock;
	size_t next; /* the next result to read */
	int64_t next_report_us;
};

/* Under rd->lock: say how far the table's reading is, at most once a second. */
static void report_progress(struct reading *rd, size_t taken)
{
	const struct lake_crawl_options *o = rd->tc->o;
	int64_t now;

	if (!o->progress)
		return;
	now = lake_monotonic_us();
	if (now < rd->next_report_us)
		return;
	rd->next_report_us = now + 1000000;
	o->progress(rd->tc->qualified, taken, rd->tc->nresults, o->progress_arg);
}

static void *reader_thread(void *arg)
{
	struct reading *rd = arg;

	for (;;) {
		pthread_mutex_lock(&rd->lock);
		size_t i = rd->next++;
		if (i < rd->tc->nresults)
			report_progress(rd, i);
		pthread_mutex_unlock(&rd->lock);
		if (i >= rd->tc->nresults)
			return NULL;
		lake_crawl_read_file(rd->tc, &rd->tc->results[i]);
	}
}

/*
 * Files are independent until their schemas merge: read them on every
 * core.  The catalog, the merge and the events stay on this thread, in
 * file order, so the outcome does not depend on the threads.
 */
static void read_all(struct table_crawl *tc)
{
	struct reading rd = {tc, PTHREAD_MUTEX_INITIALIZER, 0, lake_monotonic_us() + 1000000};

	lake_on_cores(reader_thread, &rd, tc->nresults);
}

static void collect_reads(struct table_crawl *tc)
{
	size_t kept = 0;

	for (size_t i = 0; i < tc->nresults; i++) {
		struct result *r = &tc->results[i];
		size_t j;
		json_t *ev;
		json_array_foreach(r->events, j, ev)
		{
			event(tc, json_incref(ev));
			tc->totals->errors +=
			    strcmp(json_string_value(json_object_get(ev, "event")), "error") == 0;
		}
		json_decref(r->events);
		r->events = NULL;
		if (r->failed) {
			json_decref(r->columns);
			json_decref(r->stats);
			json_decref(r->csv_header);
			continue;
		}
		tc->totals->files_read++;
		tc->totals->rows_read += r->rows;
		tc->results[kept++] = *r;
	}
	tc->nresults = kept;
}

static void read_what_changed(struct table_crawl *tc)
{
	plan_reads(tc);
	read_all(tc);
	collect_reads(tc);
}

/*
 * Readers map CSV columns by position: every CSV file of a table must have
 * the table's header (the first file's, or lake-put's), or be refused.
 */
static int same_csv_header(struct table_crawl *tc, struct result *r)
{
	json_t *have = json_object_get(tc->props, LAKE_PROP_CSV_COLUMNS);
	char *a, *b;
	struct lake_buf msg = LAKE_BUF_INIT;

	if (strcmp(r->format, "csv") != 0 && strcmp(r->format, "tsv") != 0)
		return 1;
	const char *d = json_string_value(json_object_get(tc->props, LAKE_PROP_CSV_DELIMITER));
	char want = d && strlen(d) == 1 ? d[0] : strcmp(tc->format, "tsv") == 0 ? '\t' : ',';
	if (r->delim && r->delim != want) {
		lake_buf_addf(&msg,
			      "file separates its fields with '%s' but the table's files use "
			      "'%s'; it is not registered",
			      r->delim == '\t' ? "\\t" : (char[]){r->delim, 0},
			      want == '\t' ? "\\t" : (char[]){want, 0});
		file_error(tc, r->file->rel, msg.data);
		lake_buf_release(&msg);
		return 0;
	}
	if (!r->csv_header) {
		if (!have) {
			/*
			 * Say so for the table, or every reader (lake-query, the DDL
			 * of other engines) would take the first row for names.
			 */
			if (!json_object_get(tc->props, LAKE_PROP_CSV_HEADER))
				json_object_set_new(tc->props, LAKE_PROP_CSV_HEADER, json_false());
			return 1;
		}
		file_error(tc, r->file->rel,
			   "file has no header but the table's CSV files have one; it is not "
			   "registered (lake-catalog set can say the table has none)");
		return 0;
	}
	if (json_is_false(json_object_get(tc->props, LAKE_PROP_CSV_HEADER))) {
		file_error(tc, r->file->rel,
			   "file has a header but the table's CSV files have none; it is not "
			   "registered (lake-catalog set can say the table has one)");
		return 0;
	}
	if (!have) {
		json_object_set(tc->props, LAKE_PROP_CSV_COLUMNS, r->csv_header);
		return 1;
	}
	if (json_equal(have, r->csv_header))
		return 1;
	a = json_dumps(r->csv_header, JSON_COMPACT);
	b = json_dumps(have, JSON_COMPACT);
	lake_buf_addf(&msg,
		      "header %s differs from the table's %s; readers map CSV columns by "
		      "position, so it is not registered",
		      a, b);
	file_error(tc, r->file->rel, msg.data);
	lake_buf_release(&msg);
	free(a);
	free(b);
	return 0;
}

static int same_format(struct table_crawl *tc, struct result *r)
{
	struct lake_buf msg = LAKE_BUF_INIT;

	const char *have = json_string_value(json_object_get(tc->props, "classifier"));

	if (!tc->format) {
		tc->format = lake_xstrdup(r->format);
		tc->zstd = r->zstd;
		if (*r->classifier)
			json_object_set_new(tc->props, "classifier", json_string(r->classifier));
		/* Remember a separator other engines could not guess, for ddl and later crawls. */
		if ((r->delim == '|' || r->delim == ';') &&
		    !json_object_get(tc->props, LAKE_PROP_CSV_DELIMITER))
			json_object_set_new(tc->props, LAKE_PROP_CSV_DELIMITER,
					    json_stringn(&r->delim, 1));
	}
	if (strcmp(tc->format, r->format) == 0 && (!have || strcmp(have, r->classifier) == 0))
		return same_csv_header(tc, r);
	if (have && strcmp(tc->format, r->format) == 0) {
		lake_buf_addf(&msg,
			      "file matches classifier '%s' but the table's files match '%s'; "
			      "it is not registered",
			      r->classifier, have);
		file_error(tc, r->file->rel, msg.data);
		lake_buf_release(&msg);
		return 0;
	}
	lake_buf_addf(&msg, "file is %s but the table holds %s files; it is not registered",
		      r->format, tc->format);
	file_error(tc, r->file->rel, msg.data);
	lake_buf_release(&msg);
	return 0;
}

/* Merge every read file's columns into the table's, noting each change once. */
static void merge_schemas(struct table_crawl *tc)
{
	for (size_t i = 0; i < tc->nresults; i++) {
		struct result *r = &tc->results[i];
		if (!same_format(tc, r)) {
			r->file = NULL;
			continue;
		}
		json_t *merged = lake_schema_merge_columns(tc->columns, r->columns, tc->changes);
		json_decref(tc->columns);
		tc->columns = merged;
	}
}

static void change_events(struct table_crawl *tc)
{
	size_t i;
	json_t *c;

	json_array_foreach(tc->changes, i, c)
	{
		const char *what = json_string_value(json_object_get(c, "change"));
		if (strcmp(what, "added") == 0)
			event(tc, json_pack("{s:s, s:O, s:O}", "event", "column_added", "column",
					    json_object_get(c, "column"), "type",
					    json_object_get(c, "type")));
		else if (strcmp(what, "removed") == 0)
			event(tc, json_pack("{s:s, s:O, s:O}", "event", "column_removed", "column",
					    json_object_get(c, "column"), "type",
					    json_object_get(c, "type")));
		else if (strcmp(what, "widened") == 0)
			event(tc, json_pack("{s:s, s:O, s:O, s:O}", "event", "type_widened",
					    "column", json_object_get(c, "column"), "from",
					    json_object_get(c, "from"), "to",
					    json_object_get(c, "to")));
		else
			event(tc, json_pack("{s:s, s:O, s:O, s:O}", "event", "partition_key_typed",
					    "key", json_object_get(c, "key"), "from",
					    json_object_get(c, "from"), "to",
					    json_object_get(c, "to")));
	}
}

/* ---- committing ---- */

static int exec_bind(struct table_crawl *tc, const char *sql, struct lake_error *e,
		     sqlite3_stmt **out)
{
	if (sqlite3_prepare_v2(lake_catalog_db(tc->lake->catalog), sql, -1, out, NULL) != SQLITE_OK)
		return lake_catalog_fail(tc->lake->catalog, "cannot prepare a crawl statement", e);
	return 0;
}

static int step(struct table_crawl *tc, sqlite3_stmt *st, struct lake_error *e)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return lake_catalog_fail(tc->lake->catalog, "cannot record the crawl", e);
	return 0;
}

static int create_table(struct table_crawl *tc, struct lake_error *e)
{
	char *keys = json_dumps(tc->keys, JSON_COMPACT);
	struct lake_table_spec spec = {
	    tc->db, tc->name, tc->format,	  tc->zstd ? "zstd" : "none",
	    keys,   NULL,     tc->lake->principal};
	int rc = lake_catalog_ensure_table(tc->lake->catalog, &spec, 1, &tc->id, e);

	free(keys);
	if (rc == 0)
		event(tc, json_pack("{s:s, s:s}", "event", "table_created", "format", tc->format));
	return rc;
}

static int remove_file(struct table_crawl *tc, int64_t id, int64_t version, const char *now,
		       struct lake_error *e)
{
	sqlite3_stmt *st;

	if (exec_bind(tc,
		      "UPDATE files SET state = 'removed', removed_version = ?, removed = ? "
		      "WHERE id = ?",
		      e, &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	return step(tc, st, e);
}

/* A lake-put file gets its schema and fingerprint; it stays in the version that published it. */
static int describe_known(struct table_crawl *tc, const struct result *r, struct lake_error *e)
{
	char *schema = json_dumps(r->columns, JSON_COMPACT);
	sqlite3_stmt *st;
	int rc = -1;

	if (exec_bind(tc,
		      "UPDATE files SET schema = ?, fp_size = ?, fp_mtime_ns = ?, rows = ? "
		      "WHERE id = ?",
		      e, &st) == 0) {
		sqlite3_bind_text(st, 1, schema, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, r->file->size);
		sqlite3_bind_int64(st, 3, r->file->mtime_ns);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)r->rows);
		sqlite3_bind_int64(st, 5, r->known_id);
		rc = step(tc, st, e);
	}
	free(schema);
	if (rc == 0)
		rc = lake_catalog_insert_stats(tc->lake->catalog, r->known_id, r->stats, e);
	return rc;
}

static int register_file(struct table_crawl *tc, const struct result *r, int64_t version,
			 const char *now, struct lake_error *e)
{
	char *schema = json_dumps(r->columns, JSON_COMPACT);
	sqlite3_stmt *st;
	int rc = -1;

	if (r->replace_id && remove_file(tc, r->replace_id, version, now, e) < 0)
		goto out;
	if (exec_bind(
		tc,
		"INSERT INTO files(table_id, partition, path, format, compression, bytes, rows, "
		"state, added_version, fp_size, fp_mtime_ns, schema, created, created_by) "
		"VALUES (?,?,?,?,?,?,?,'live',?,?,?,?,?,?)",
		e, &st) < 0)
		goto out;
	sqlite3_bind_int64(st, 1, tc->id);
	sqlite3_bind_text(st, 2, r->file->partition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->file->rel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->zstd ? "zstd" : "none", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->file->size);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)r->rows);
	sqlite3_bind_int64(st, 8, version);
	sqlite3_bind_int64(st, 9, r->file->size);
	sqlite3_bind_int64(st, 10, r->file->mtime_ns);
	sqlite3_bind_text(st, 11, schema, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, tc->lake->principal, -1, SQLITE_STATIC);
	if (step(tc, st, e) < 0)
		goto out;
	rc = lake_catalog_insert_stats(
	    tc->lake->catalog, sqlite3_last_insert_rowid(lake_catalog_db(tc->lake->catalog)),
	    r->stats, e);
	if (rc == 0)
		event(tc, json_pack("{s:s, s:s, s:I}", "event",
				    r->replace_id ? "file_changed" : "file_registered", "file",
				    r->file->rel, "rows", (json_int_t)r->rows));
out:
	free(schema);
	return rc;
}

static int register_partitions(struct table_crawl *tc, int64_t version, const char *now,
			       struct lake_error *e)
{
	for (size_t i = 0; i < tc->nresults; i++) {
		const struct result *r = &tc->results[i];
		sqlite3_stmt *st;
		if (!r->file || r->known_id)
			continue;
		json_t *vals = level_values(r->file->partition);
		char *text = json_dumps(vals, JSON_COMPACT);
		json_decref(vals);
		if (exec_bind(
			tc,
			"INSERT OR IGNORE INTO partitions(table_id, path, vals, added_version, "
			"created) VALUES (?,?,?,?,?)",
			e, &st) < 0) {
			free(text);
			return -1;
		}
		sqlite3_bind_int64(st, 1, tc->id);
		sqlite3_bind_text(st, 2, r->file->partition, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, version);
		sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		int added = sqlite3_changes(lake_catalog_db(tc->lake->catalog)) > 0;
		sqlite3_finalize(st);
		free(text);
		if (rc != SQLITE_DONE)
			return lake_catalog_fail(tc->lake->catalog, "cannot register a partition",
						 e);
		if (added && *r->file->partition)
			event(tc, json_pack("{s:s, s:s}", "event", "partition_added", "partition",
					    r->file->partition));
	}
	return 0;
}

static size_t count_vanished(struct table_crawl *tc)
{
	size_t n = 0;

	for (size_t i = 0; i < tc->nknown; i++)
		n += !tc->known[i].seen && !tc->known[i].pending;
	return n;
}

static int remove_vanished(struct table_crawl *tc, int64_t version, const char *now,
			   struct lake_error *e)
{
	for (size_t i = 0; i < tc->nknown; i++) {
		const struct known *k = &tc->known[i];
		if (k->seen || k->pending)
			continue;
		if (tc->o->on_delete == LAKE_ON_DELETE_MARK &&
		    remove_file(tc, k->id, version, now, e) < 0)
			return -1;
		event(tc, json_pack("{s:s, s:s}", "event",
				    tc->o->on_delete == LAKE_ON_DELETE_MARK ? "file_removed"
									    : "file_missing",
				    "file", k->path));
	}
	return 0;
}

/* The table's version is not written here: lake_catalog_next_version gave it out. */
static int update_table(struct table_crawl *tc, int changed, const char *now, struct lake_error *e)
{
	char *cols = json_dumps(tc->columns, JSON_COMPACT),
	     *keys = json_dumps(tc->keys, JSON_COMPACT);
	sqlite3_stmt *st;
	int rc = -1;

	json_object_set_new(tc->props, "last_crawl", json_string(now));
	char *props = json_dumps(tc->props, JSON_COMPACT);
	if (exec_bind(tc,
		      "UPDATE tables SET columns = ?, partition_keys = ?, properties = ?, "
		      "updated = CASE WHEN ? THEN ? ELSE updated END WHERE id = ?",
		      e, &st) < 0)
		goto out;
	sqlite3_bind_text(st, 1, cols, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, keys, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, props, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, changed);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, tc->id);
	rc = step(tc, st, e);
out:
	free(cols);
	free(keys);
	free(props);
	return rc;
}

static int record_version(struct table_crawl *tc, int64_t version, size_t added, size_t removed,
			  uint64_t rows, const char *now, struct lake_error *e)
{
	char *changes = json_dumps(tc->changes, JSON_COMPACT);
	char *cols = json_dumps(tc->columns, JSON_COMPACT),
	     *keys = json_dumps(tc->keys, JSON_COMPACT);
	sqlite3_stmt *st;
	int rc = -1;

	if (exec_bind(tc,
		      "INSERT INTO table_versions(table_id, version, operation, columns, "
		      "partition_keys, changes, files_added, files_removed, rows_added, created, "
		      "principal) VALUES (?,?,'crawl',?,?,?,?,?,?,?,?)",
		      e, &st) == 0) {
		sqlite3_bind_int64(st, 1, tc->id);
		sqlite3_bind_int64(st, 2, version);
		sqlite3_bind_text(st, 3, cols, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, keys, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, changes, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)added);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)removed);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)rows);
		sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, tc->lake->principal, -1, SQLITE_STATIC);
		rc = step(tc, st, e);
	}
	free(changes);
	free(cols);
	free(keys);
	return rc;
}

/* Everything the crawl learned about the table, in one transaction and one new version. */
static int apply(struct table_crawl *tc, struct lake_error *e)
{
	size_t added = 0, vanished = count_vanished(tc);
	uint64_t rows = 0;
	char now[40];
	int64_t version;
	int schema_changed = json_array_size(tc->changes) > 0, changed;

	size_t replaced = 0;

	for (size_t i = 0; i < tc->nresults; i++)
		if (tc->results[i].file && !tc->results[i].known_id) {
			added++;
			replaced += tc->results[i].replace_id != 0;
			rows += tc->results[i].rows;
		}
	if (tc->o->on_delete == LAKE_ON_DELETE_LOG)
		vanished = 0;
	changed = added || vanished || schema_changed || !tc->id;
	if (!tc->id && create_table(tc, e) < 0)
		return -1;
	/* Taken inside the transaction: see lake_catalog_next_version. */
	version = tc->version;
	if (changed && lake_catalog_next_version(tc->lake->catalog, tc->id, &version, e) < 0)
		return -1;
	/* After the table's creation, so that its version 0 is not stamped after version 1. */
	lake_time_format_timestamp(lake_time_now(), now);
	change_events(tc);
	for (size_t i = 0; i < tc->nresults; i++) {
		const struct result *r = &tc->results[i];
		if (!r->file)
			continue;
		if (r->known_id ? describe_known(tc, r, e) < 0
				: register_file(tc, r, version, now, e) < 0)
			return -1;
	}
	if (register_partitions(tc, version, now, e) < 0 ||
	    remove_vanished(tc, version, now, e) < 0)
		return -1;
	if (update_table(tc, changed, now, e) < 0)
		return -1;
	/* A file changed in place is one removed and one added. */
	if (changed && record_version(tc, version, added, vanished + replaced, rows, now, e) < 0)
		return -1;
	return 0;
}

/* ---- one table, and the whole lake ---- */

static void release_table(struct table_crawl *tc)
{
	for (size_t i = 0; i < tc->nfiles; i++) {
		free(tc->files[i].rel);
		free(tc->files[i].partition);
	}
	for (size_t i = 0; i < tc->nknown; i++)
		free(tc->known[i].path);
	for (size_t i = 0; i < tc->nresults; i++) {
		json_decref(tc->results[i].columns);
		json_decref(tc->results[i].csv_header);
		json_decref(tc->results[i].stats);
	}
	free(tc->files);
	free(tc->known);
	free(tc->results);
	free(tc->format);
	json_decref(tc->columns);
	json_decref(tc->keys);
	json_decref(tc->props);
	json_decref(tc->events);
	json_decref(tc->changes);
	lake_buf_release(&tc->seen);
}

/*
 * A property that changes how the files are read (csv.header,
 * csv.delimiter) was set: forget the schema and the header the files were
 * read with, and read them all again.
 */
static void start_rebuild(struct table_crawl *tc)
{
	if (!json_is_true(json_object_get(tc->props, LAKE_PROP_REBUILD)))
		return;
	tc->rebuild = 1;
	json_object_del(tc->props, LAKE_PROP_REBUILD);
	json_object_del(tc->props, LAKE_PROP_CSV_COLUMNS);
	json_decref(tc->columns);
	tc->columns = json_array();
	json_array_clear(tc->changes);
}

static json_t *column_named(json_t *cols, const char *name)
{
	size_t i;
	json_t *c;

	json_array_foreach(cols, i, c)
	{
		const char *n = json_string_value(json_object_get(c, "name"));
		if (n && strcmp(n, name) == 0)
			return c;
	}
	return NULL;
}

/* The rebuilt schema keeps the comments of columns that stayed; changes are old against new. */
static void finish_rebuild(struct table_crawl *tc, json_t *old)
{
	size_t i;
	json_t *c;

	json_array_clear(tc->changes);
	json_array_foreach(tc->columns, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *was = column_named(old, name);
		if (!was) {
			json_array_append_new(
			    tc->changes, json_pack("{s:s, s:s, s:O}", "change", "added", "column",
						   name, "type", json_object_get(c, "type")));
			continue;
		}
		if (json_object_get(was, "comment"))
			json_object_set(c, "comment", json_object_get(was, "comment"));
		if (!json_equal(json_object_get(was, "type"), json_object_get(c, "type")))
			json_array_append_new(tc->changes,
					      json_pack("{s:s, s:s, s:O, s:O}", "change", "widened",
							"column", name, "from",
							json_object_get(was, "type"), "to",
							json_object_get(c, "type")));
	}
	json_array_foreach(old, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		if (!column_named(tc->columns, name))
			json_array_append_new(
			    tc->changes, json_pack("{s:s, s:s, s:O}", "change", "removed", "column",
						   name, "type", json_object_get(c, "type")));
	}
}

static int schema_policy(struct table_crawl *tc, json_t *before)
{
	if (!json_array_size(tc->changes) || tc->o->on_change == LAKE_ON_CHANGE_UPDATE || !tc->id)
		return 0;
	if (tc->o->on_change == LAKE_ON_CHANGE_FAIL) {
		change_events(tc);
		table_error(tc, "the schema changed and --on-change fail was given; nothing was "
				"committed for this table");
		return -1;
	}
	/* log: report the changes, keep the table's schema as it was (Glue's LOG). */
	size_t first = json_array_size(tc->events);
	change_events(tc);
	for (size_t i = first; i < json_array_size(tc->events); i++)
		json_object_set_new(json_array_get(tc->events, i), "applied", json_false());
	json_array_clear(tc->changes);
	json_decref(tc->columns);
	tc->columns = json_incref(before);
	return 0;
}

/* Attempts that read the files without the write lock before one reads them holding it. */
#define OPTIMISTIC_ATTEMPTS 3

/*
 * Inside the transaction: whether the table's rows and its files' rows are
 * still what the crawl read before it.  Any commit in between (a put, a
 * job's output, another crawl, a vacuum, a property set) changes them.
 */
static int catalog_unchanged(const struct table_crawl *tc, int *same, struct lake_error *e)
{
	struct table_crawl now = {0};
	int rc;

	now.lake = tc->lake;
	memcpy(now.db, tc->db, sizeof now.db);
	memcpy(now.name, tc->name, sizeof now.name);
	rc = load_table(&now, e) < 0 || load_files(&now, e) < 0 ? -1 : 0;
	*same = rc == 0 && strcmp(now.seen.data, tc->seen.data) == 0;
	release_table(&now);
	return rc;
}

/*
 * One attempt at a table: read what changed, then commit all of it in one
 * transaction.  Unlocked, the files are read without holding the write
 * lock (a first crawl may read for minutes), and the commit first checks
 * that nothing it decided from has changed since: when something has,
 * nothing is committed and 1 says to try again.  Locked, the whole
 * attempt holds the write lock, so it cannot meet a change and always
 * ends (attempts from OPTIMISTIC_ATTEMPTS on are locked).  0 when done,
 * -1 on error.
 */
static int crawl_attempt(struct table_crawl *tc, int attempt, struct lake_error *e)
{
	struct lake_catalog *c = tc->lake->catalog;
	struct lake_buf rel = LAKE_BUF_INIT;
	json_t *before = NULL;
	int rc = -1, same = 1, locked = attempt >= OPTIMISTIC_ATTEMPTS;

	if (locked && lake_catalog_begin(c, e) < 0)
		return -1;
	if (load_table(tc, e) < 0 || load_files(tc, e) < 0)
		goto out;
	lake_buf_addf(&rel, "data/%s/%s", tc->db, tc->name);
	tc->rewalk = attempt > 0;
	walk(tc, rel.data);
	if (tc->nfiles)
		qsort(tc->files, tc->nfiles, sizeof *tc->files, by_rel);
	if (!tc->nfiles && !tc->id) {
		rc = 0;
		goto out;
	}
	/* A table whose directory is empty or gone keeps its keys; its files are removed. */
	if ((tc->nfiles == 0 && tc->id) || check_keys(tc) == 0) {
		before = json_deep_copy(tc->columns);
		start_rebuild(tc);
		read_what_changed(tc);
		merge_schemas(tc);
		if (tc->rebuild)
			finish_rebuild(tc, before);
		/* A new table none of whose files could be read is not created: there is nothing to
		 * say. */
		if (!tc->id && !tc->format)
			goto done;
		if (schema_policy(tc, before) == 0) {
			/* Tests commit here, between reading and committing (LAKE_TEST_CRAWL_GATE).
			 */
			if (attempt == 0)
				lake_test_gate("LAKE_TEST_CRAWL_GATE");
			if (!locked &&
			    (lake_catalog_begin(c, e) < 0 || catalog_unchanged(tc, &same, e) < 0))
				goto out;
			if (!same) {
				rc = 1;
				goto out;
			}
			if (apply(tc, e) < 0)
				goto out;
			if (tc->o->dry_run)
				lake_catalog_rollback(c);
			else if (lake_catalog_commit(c, e) < 0)
				goto out;
		}
	}
done:
	/* A locked attempt that had nothing to commit lets go of the lock before reporting. */
	lake_catalog_rollback(c);
	emit_events(tc);
	rc = 0;
out:
	/* Nothing to undo after a commit or above; a retry or an error ends here. */
	lake_catalog_rollback(c);
	json_decref(before);
	lake_buf_release(&rel);
	return rc;
}

static int crawl_table(struct lake *lake, const struct lake_crawl_options *o,
		       struct lake_crawl_totals *totals, const char *db, const char *name,
		       struct lake_error *e)
{
	struct lake_crawl_totals start;
	int rc;

	totals->tables++;
	start = *totals;
	for (int attempt = 0;; attempt++) {
		struct table_crawl tc = {0};
		tc.lake = lake;
		tc.o = o;
		tc.totals = totals;
		snprintf(tc.db, sizeof tc.db, "%s", db);
		snprintf(tc.name, sizeof tc.name, "%s", name);
		snprintf(tc.qualified, sizeof tc.qualified, "%s.%s", db, name);
		tc.events = json_array();
		tc.changes = json_array();
		rc = crawl_attempt(&tc, attempt, e);
		release_table(&tc);
		if (rc != 1)
			return rc;
		/* The next attempt counts the files it sees and reads again. */
		*totals = start;
	}
}

static int wanted(const struct lake_crawl_options *o, const char *qualified)
{
	size_t dblen = strcspn(qualified, ".");

	if (!o->ntargets)
		return 1;
	for (size_t i = 0; i < o->ntargets; i++)
		if (strcmp(o->targets[i], qualified) == 0 ||
		    (strlen(o->targets[i]) == dblen &&
		     strncmp(o->targets[i], qualified, dblen) == 0))
			return 1;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_name(char ***names, size_t *n, const char *db, const char *table)
{
	char q[2 * LAKE_NAME_MAX + 2];

	/* Both are valid names (at most 64 bytes each), so this never truncates. */
	if (snprintf(q, sizeof q, "%s.%s", db, table) >= (int)sizeof q)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*names)[i], q) == 0)
			return;
	*names = lake_xrealloc(*names, (*n + 1) * sizeof **names);
	(*names)[(*n)++] = lake_xstrdup(q);
}

struct listing {
	struct lake *lake;
	const struct lake_crawl_options *o;
	const char *db;
	char ***names;
	size_t *n;
};

/* Whether the crawl's targets reach entry name of data/ (a database's directory). */
static int covers_db(const struct lake_crawl_options *o, const char *name)
{
	size_t n = strlen(name);

	if (!o->ntargets)
		return 1;
	for (size_t i = 0; i < o->ntargets; i++)
		if (strncmp(o->targets[i], name, n) == 0 &&
		    (o->targets[i][n] == '\0' || o->targets[i][n] == '.'))
			return 1;
	return 0;
}

/* Whether the crawl's targets reach entry name of data/DB/ (a table's directory). */
static int covers_table(const struct lake_crawl_options *o, const char *db, const char *name)
{
	struct lake_buf q = LAKE_BUF_INIT;
	int yes;

	lake_buf_addf(&q, "%s.%s", db, name);
	yes = wanted(o, q.data);
	lake_buf_release(&q);
	return yes;
}

/* Why entry name of the listed directory is no database or table, or NULL when it is one. */
static const char *passed_over(const struct listing *l, int dir, const char *name)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return NULL;
	if (S_ISLNK(st.st_mode))
		return "a symbolic link, not followed";
	if (!S_ISDIR(st.st_mode))
		return l->db ? "a file where only table directories belong"
			     : "a file where only database directories belong";
	if (!lake_name_valid(name))
		return l->db ? "not a valid table name" : "not a valid database name";
	return NULL;
}

/*
 * The directories with valid names in data/ (l->db NULL) or data/DB/, to
 * add; each other entry the crawl's targets reach is warned about once.
 */
static void list_dir(const struct listing *l, void (*add)(void *, const char *), void *arg)
{
	struct lake_error err = {0};
	struct lake_buf rel = LAKE_BUF_INIT;
	struct dirent *de;
	DIR *d = NULL;
	int fd;

	lake_buf_addf(&rel, l->db ? "data/%s" : "data", l->db);
	fd = lake_open_dir_beneath(l->lake->dir, rel.data, 0, &err);
	if (fd < 0 && err.code != LAKE_EX_NOINPUT && (!l->db || covers_db(l->o, l->db)))
		crawl_warn(l->o, "%s (skipped)", err.msg);
	if (fd >= 0 && !(d = fdopendir(fd)))
		close(fd);
	while (d && (de = readdir(d)) != NULL) {
		const char *why;
		if (de->d_name[0] == '.')
			continue;
		why = passed_over(l, dirfd(d), de->d_name);
		if (!why)
			add(arg, de->d_name);
		else if (l->db ? covers_table(l->o, l->db, de->d_name)
			       : covers_db(l->o, de->d_name))
			crawl_warn(l->o, "%s/%s: %s (skipped)", rel.data, de->d_name, why);
	}
	if (d)
		closedir(d);
	lake_buf_release(&rel);
}

static void add_table_dir(void *arg, const char *table)
{
	struct listing *l = arg;

	add_name(l->names, l->n, l->db, table);
}

static void add_db_dir(void *arg, const char *db)
{
	struct listing *l = arg;
	struct listing inner = *l;

	inner.db = db;
	list_dir(&inner, add_table_dir, &inner);
}

/*
 * Every table on disk and every table in the catalog, "db.table", sorted:
 * a table whose whole directory vanished must still be crawled, so that
 * its files are marked removed.
 */
static char **all_tables(struct lake *lake, const struct lake_crawl_options *o, size_t *n)
{
	char **names = NULL;
	struct listing l = {lake, o, NULL, &names, n};
	sqlite3_stmt *st;

	*n = 0;
	list_dir(&l, add_db_dir, &l);
	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog),
			       "SELECT d.name, t.name FROM tables t JOIN databases d ON "
			       "d.id = t.database_id",
			       -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			add_name(&names, n, (const char *)sqlite3_column_text(st, 0),
				 (const char *)sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
	}
	if (*n)
		qsort(names, *n, sizeof *names, by_name);
	return names;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Whether any grant shows "db.table" to the acting principal. */
static int visible(struct lake *lake, const char *qualified)
{
	char db[LAKE_NAME_MAX + 1], table[LAKE_NAME_MAX + 1];
	struct lake_error ignored = {0};

	return lake_name_split(qualified, db, table, &ignored) == 0 &&
	       lake_may_see(lake, db, table);
}

/*
 * A target that names no table is a mistake to report, not a crawl of
 * nothing; a table the principal may not see is, for it, no table.
 */
static int check_targets(struct lake *lake, const struct lake_crawl_options *o, char **names,
			 size_t n, struct lake_error *e)
{
	for (size_t t = 0; t < o->ntargets; t++) {
		struct lake_crawl_options one = *o;
		int found = 0;
		one.targets = &o->targets[t];
		one.ntargets = 1;
		for (size_t i = 0; i < n && !found; i++)
			found = wanted(&one, names[i]) && visible(lake, names[i]);
		if (!found)
			return lake_err(e, LAKE_EX_NOINPUT,
					"no table or database '%s' in the lake, on disk or in the "
					"catalog",
					o->targets[t]);
	}
	return 0;
}

/*
 * Crawling changes a table: ALTER on it (or its database).  Named
 * targets without it are denied; the others, and tables the principal
 * may not see, are passed over quietly, as it may not even know them.
 * A table on disk under a database name no database may have (data/main/)
 * is refused: crawling it would create that database.  1: crawl it,
 * 0: skip, -1: denied or refused.
 */
static int may_crawl(struct lake *lake, const struct lake_crawl_options *o, const char *db,
		     const char *table, struct lake_error *e)
{
	if (!lake_allowed(lake, LAKE_PERM_ALTER, db, table, NULL)) {
		if (!o->ntargets || !lake_may_see(lake, db, table))
			return 0;
		return lake_require(lake, LAKE_PERM_ALTER, db, table, e);
	}
	if (lake_database_name_new(db, e) < 0)
		return lake_err_wrap(e, "data/%s/%s", db, table);
	return 1;
}

int lake_crawl(struct lake *lake, const struct lake_crawl_options *o,
	       struct lake_crawl_totals *totals, struct lake_error *e)
{
	struct lake_crawl_options opts = *o;
	struct lake_classifier *classifiers = NULL;
	size_t nclassifiers = 0;

	/* jansson seeds its hash function on first use, which is not thread-safe: do it now. */
	json_object_seed(0);
	if (lake_classifiers_load(lake, &classifiers, &nclassifiers, e) < 0)
		return -1;
	opts.classifiers = classifiers;
	opts.nclassifiers = nclassifiers;
	o = &opts;
	size_t n;
	char **names;
	int rc = 0;

	memset(totals, 0, sizeof *totals);
	names = all_tables(lake, o, &n);
	rc = check_targets(lake, o, names, n, e);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *dot = strchr(names[i], '.');
		if (!wanted(o, names[i]))
			continue;
		*dot = '\0';
		rc = may_crawl(lake, o, names[i], dot + 1, e);
		if (rc == 1)
			rc = crawl_table(lake, o, totals, names[i], dot + 1, e);
		*dot = '.';
	}
	free_names(names, n);
	lake_classifiers_free(classifiers, nclassifiers);
	return rc;
}
