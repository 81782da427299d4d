#include "store/catalog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/buf.h"
#include "store/sqlite_setup.h"
#include "store/catalog_schema.h"
#include "values/infer.h"
#include "base/ltime.h"
#include "base/names.h"
#include "store/table_props.h"

#define N_MIGRATIONS (sizeof lake_catalog_migrations / sizeof lake_catalog_migrations[0])

struct lake_catalog {
	sqlite3 *db;
	char *path;
};

sqlite3 *lake_catalog_db(struct lake_catalog *c)
{
	return c->db;
}

static int is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

int lake_catalog_fail(struct lake_catalog *c, const char *doing, struct lake_error *e)
{
	int rc = sqlite3_extended_errcode(c->db);

	if (is_busy(rc))
		return lake_err(e, LAKE_EX_TEMPFAIL,
				"'%s': catalog is busy (%s); another program holds its lock, retry",
				c->path, doing);
	if ((rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_IOERR) {
		/* SQLite's "disk I/O error" hides the cause that a user can act on, such as ENOSPC.
		 */
		int sys = sqlite3_system_errno(c->db);
		return lake_err(e, LAKE_EX_IOERR, "'%s': %s: %s%s%s", c->path, doing,
				sqlite3_errmsg(c->db), sys ? ": " : "", sys ? strerror(sys) : "");
	}
	if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_PERM ||
	    (rc & 0xff) == SQLITE_CANTOPEN)
		return lake_err(e, LAKE_EX_NOPERM, "'%s': %s: permission denied (%s)", c->path,
				doing, sqlite3_errmsg(c->db));
	return lake_err(e, LAKE_EX_SOFTWARE, "'%s': %s: %s", c->path, doing, sqlite3_errmsg(c->db));
}

static int exec(struct lake_catalog *c, const char *sql, const char *doing, struct lake_error *e)
{
	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return lake_catalog_fail(c, doing, e);
	return 0;
}

int lake_catalog_begin(struct lake_catalog *c, struct lake_error *e)
{
	return exec(c, "BEGIN IMMEDIATE", "cannot start a transaction", e);
}

int lake_catalog_commit(struct lake_catalog *c, struct lake_error *e)
{
	if (exec(c, "COMMIT", "cannot commit", e) < 0) {
		lake_catalog_rollback(c);
		return -1;
	}
	return 0;
}

void lake_catalog_rollback(struct lake_catalog *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

static int busy_timeout_ms(void)
{
	const char *s = getenv("LAKE_BUSY_TIMEOUT_MS");
	char *end;
	long v;

	if (!s || !*s)
		return 10000;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 3600000)
		return 10000;
	return (int)v;
}

static int user_version(struct lake_catalog *c, int *v, struct lake_error *e)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return lake_catalog_fail(c, "cannot read the schema version", e);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return lake_catalog_fail(c, "cannot read the schema version", e);
	}
	*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int apply_migration(struct lake_catalog *c, int to, struct lake_error *e)
{
	char sql[64];

	if (exec(c, lake_catalog_migrations[to - 1], "cannot migrate the catalog", e) < 0)
		return -1;
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", to);
	return exec(c, sql, "cannot migrate the catalog", e);
}

/* Bring the schema up to date, one transaction per step, re-reading the version under the lock. */
static int migrate(struct lake_catalog *c, struct lake_error *e)
{
	int v;

	if (user_version(c, &v, e) < 0)
		return -1;
	if (v > (int)N_MIGRATIONS)
		return lake_err(e, LAKE_EX_UNAVAILABLE,
				"'%s': catalog schema %d is newer than this program knows (%zu); "
				"upgrade lake",
				c->path, v, N_MIGRATIONS);
	while (v < (int)N_MIGRATIONS) {
		if (lake_catalog_begin(c, e) < 0)
			return -1;
		if (user_version(c, &v, e) < 0)
			goto fail;
		if (v < (int)N_MIGRATIONS && apply_migration(c, v + 1, e) < 0)
			goto fail;
		if (lake_catalog_commit(c, e) < 0)
			return -1;
		if (user_version(c, &v, e) < 0)
			return -1;
	}
	return 0;
fail:
	lake_catalog_rollback(c);
	return -1;
}

int lake_catalog_open(const char *path, int create, struct lake_catalog **out, struct lake_error *e)
{
	struct lake_catalog *c = lake_xcalloc(1, sizeof *c);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);

	c->path = lake_xstrdup(path);
	if (!create && faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) < 0) {
		lake_err_sys(e, LAKE_EX_NOINPUT, "'%s': catalog missing", path);
		goto fail;
	}
	if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
		lake_catalog_fail(c, "cannot open the catalog", e);
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	lake_sqlite_setup(c->db, 0);
	sqlite3_busy_timeout(c->db, busy_timeout_ms());
	/*
	 * WAL lets readers go on while a writer commits.  synchronous=FULL
	 * because a commit is what lake-put acknowledges to its caller: in
	 * WAL mode NORMAL may lose the last commits on power failure.
	 */
	if (exec(c, "PRAGMA journal_mode=WAL", "cannot enable WAL", e) < 0 ||
	    exec(c, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", "cannot configure", e) < 0)
		goto fail;
	if (migrate(c, e) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	lake_catalog_close(c);
	*out = NULL;
	return -1;
}

void lake_catalog_close(struct lake_catalog *c)
{
	if (!c)
		return;
	sqlite3_close(c->db);
	free(c->path);
	free(c);
}

static void now_text(char *out)
{
	lake_time_format_timestamp(lake_time_now(), out);
}

static int prepare(struct lake_catalog *c, const char *sql, sqlite3_stmt **st, struct lake_error *e)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK)
		return lake_catalog_fail(c, "cannot prepare a catalog statement", e);
	return 0;
}

/* Step a statement expected to finish without rows. */
static int step_done(struct lake_catalog *c, sqlite3_stmt *st, const char *doing,
		     struct lake_error *e)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lake_catalog_fail(c, doing, e);
	return 0;
}

static int find_or_create_database(struct lake_catalog *c, const char *name, const char *principal,
				   int64_t *id, struct lake_error *e)
{
	sqlite3_stmt *st;
	char now[40];
	int rc;

	if (prepare(c, "SELECT id FROM databases WHERE name = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lake_catalog_fail(c, "cannot look up a database", e);
	if (lake_database_name_new(name, e) < 0)
		return -1;
	now_text(now);
	if (prepare(c, "INSERT INTO databases(name, created, created_by) VALUES (?, ?, ?)", &st,
		    e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, principal, -1, SQLITE_STATIC);
	if (step_done(c, st, "cannot create a database", e) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(c->db);
	return 0;
}

/* "dt, country" from a partition key list, or "nothing" for none. */
static void describe_keys(json_t *keys, struct lake_buf *out)
{
	for (size_t i = 0; i < json_array_size(keys); i++) {
		const char *k = json_string_value(json_object_get(json_array_get(keys, i), "name"));
		lake_buf_addf(out, "%s%s", i ? ", " : "", k ? k : "?");
	}
}

static int key_names_differ(const struct lake_table_spec *s, json_t *have, json_t *given,
			    struct lake_error *e)
{
	struct lake_buf h = LAKE_BUF_INIT, g = LAKE_BUF_INIT;

	describe_keys(have, &h);
	describe_keys(given, &g);
	if (!h.len)
		lake_err(e, LAKE_EX_DATAERR,
			 "'%s.%s': table is not partitioned; land without partition options", s->db,
			 s->name);
	else if (!g.len)
		lake_err(e, LAKE_EX_DATAERR,
			 "'%s.%s': table is partitioned by %s; give those partition keys", s->db,
			 s->name, h.data);
	else
		lake_err(e, LAKE_EX_DATAERR,
			 "'%s.%s': table is partitioned by %s, not by %s; give the same partition "
			 "keys in the same order",
			 s->db, s->name, h.data, g.data);
	lake_buf_release(&h);
	lake_buf_release(&g);
	return -1;
}

static const char *grain_example(const char *grain)
{
	if (strcmp(grain, "year") == 0)
		return "2024";
	if (strcmp(grain, "month") == 0)
		return "2024-05";
	if (strcmp(grain, "hour") == 0)
		return "2024-05-01T13";
	return "2024-05-01";
}

/* A static value for a key that holds truncated timestamps must be one of them. */
static int static_value_fits(const char *value, const char *grain)
{
	static const char *const names[] = {"year", "month", "day", "hour"};
	static const enum lake_time_grain grains[] = {LAKE_GRAIN_YEAR, LAKE_GRAIN_MONTH,
						      LAKE_GRAIN_DAY, LAKE_GRAIN_HOUR};
	char canon[40], probe[40];
	int64_t micros;

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(grain, names[i]) != 0)
			continue;
		/* Complete the truncated value to a timestamp, parse it, truncate it back. */
		snprintf(probe, sizeof probe, "%s%s", value,
			 i == 0	  ? "-01-01"
			 : i == 1 ? "-01"
			 : i == 3 ? ":00"
				  : "");
		if (lake_time_parse(probe, strlen(probe), &micros) == LAKE_TIME_NONE)
			return 0;
		lake_time_format_grain(micros, grains[i], canon);
		return strcmp(canon, value) == 0;
	}
	return 1;
}

static int check_key_grain(const struct lake_table_spec *s, json_t *have, json_t *given,
			   struct lake_error *e)
{
	const char *name = json_string_value(json_object_get(have, "name"));
	const char *tg = json_string_value(json_object_get(have, "grain"));
	const char *rg = json_string_value(json_object_get(given, "grain"));
	const char *value = json_string_value(json_object_get(given, "static"));

	if (!tg)
		return 0;
	if (rg && strcmp(tg, rg) != 0)
		return lake_err(
		    e, LAKE_EX_DATAERR,
		    "'%s.%s': partition key '%s' holds a %s (like %s=%s), not a %s; use "
		    ":%s",
		    s->db, s->name, name, tg, name, grain_example(tg), rg, tg);
	if (value && !static_value_fits(value, tg))
		return lake_err(e, LAKE_EX_DATAERR,
				"'%s.%s': partition key '%s' holds a %s (like %s=%s); '%s' is not "
				"one",
				s->db, s->name, name, tg, name, grain_example(tg), value);
	return 0;
}

static int check_partition_keys(const struct lake_table_spec *s, const char *keys_json,
				struct lake_error *e)
{
	json_t *have = json_loads(keys_json, 0, NULL),
	       *given = json_loads(s->partition_keys, 0, NULL);
	int rc = 0;

	if (json_array_size(have) != json_array_size(given))
		rc = key_names_differ(s, have, given, e);
	for (size_t i = 0; rc == 0 && i < json_array_size(have); i++) {
		json_t *h = json_array_get(have, i), *g = json_array_get(given, i);
		const char *hn = json_string_value(json_object_get(h, "name"));
		const char *gn = json_string_value(json_object_get(g, "name"));
		if (!hn || !gn || strcmp(hn, gn) != 0)
			rc = key_names_differ(s, have, given, e);
		else
			rc = check_key_grain(s, h, g, e);
	}
	json_decref(have);
	json_decref(given);
	return rc;
}

static int check_csv_header(const struct lake_table_spec *s, const char *properties,
			    struct lake_error *e)
{
	json_t *props = json_loads(properties, 0, NULL);
	json_t *have = json_object_get(props, LAKE_PROP_CSV_COLUMNS);
	json_t *given = s->csv_header ? json_loads(s->csv_header, 0, NULL) : NULL;
	int rc = 0;

	/* Its files would start with a header row that readers take for data. */
	if (given && json_is_false(json_object_get(props, LAKE_PROP_CSV_HEADER)))
		rc = lake_err(e, LAKE_EX_DATAERR,
			      "'%s.%s': the table's CSV files have no header row (its csv.header "
			      "is false) and the input starts with one; land it in another table",
			      s->db, s->name);
	else if (have && given && !json_equal(have, given)) {
		char *h = json_dumps(have, JSON_COMPACT), *g = json_dumps(given, JSON_COMPACT);
		rc = lake_err(e, LAKE_EX_DATAERR,
			      "'%s.%s': the input's header %s differs from the table's %s; readers "
			      "map CSV columns by position, so land it in another table",
			      s->db, s->name, g, h);
		free(h);
		free(g);
	}
	json_decref(given);
	json_decref(props);
	return rc;
}

static int check_table_agrees(const struct lake_table_spec *s, const char *format, const char *keys,
			      const char *properties, struct lake_error *e)
{
	if (strcmp(format, s->format) != 0) {
		int to_json = strcmp(format, "ndjson") == 0;
		return lake_err(e, LAKE_EX_DATAERR, "'%s.%s': table holds %s files, not %s; %s",
				s->db, s->name, format, s->format,
				to_json ? "convert CSV with --to ndjson, or land in another table"
					: "land in another table");
	}
	if (check_partition_keys(s, keys, e) < 0)
		return -1;
	return check_csv_header(s, properties, e);
}

/* The keys as stored: without the values of this one write. */
static char *stored_keys(const char *keys_json)
{
	json_t *keys = json_loads(keys_json, 0, NULL);
	char *text;

	for (size_t i = 0; i < json_array_size(keys); i++)
		json_object_del(json_array_get(keys, i), "static");
	text = json_dumps(keys ? keys : json_array(), JSON_COMPACT);
	json_decref(keys);
	return text;
}

static char *initial_properties(const struct lake_table_spec *s)
{
	json_t *props = json_object();
	char *text;

	if (s->csv_header)
		json_object_set_new(props, "csv_header", json_loads(s->csv_header, 0, NULL));
	text = json_dumps(props, JSON_COMPACT);
	json_decref(props);
	return text;
}

static int create_table(struct lake_catalog *c, const struct lake_table_spec *s, int64_t db_id,
			int64_t *table_id, struct lake_error *e)
{
	struct lake_buf location = LAKE_BUF_INIT;
	char *keys = stored_keys(s->partition_keys), *props = initial_properties(s);
	sqlite3_stmt *st;
	char now[40];
	int rc = -1;

	now_text(now);
	lake_buf_addf(&location, "data/%s/%s", s->db, s->name);
	if (prepare(c,
		    "INSERT INTO tables(database_id, name, location, format, compression, "
		    "partition_keys, properties, created, updated, created_by) "
		    "VALUES (?,?,?,?,?,?,?,?,?,?)",
		    &st, e) < 0)
		goto out;
	sqlite3_bind_int64(st, 1, db_id);
	sqlite3_bind_text(st, 2, s->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, location.data, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, s->compression, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, keys, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, props, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, s->principal, -1, SQLITE_STATIC);
	if (step_done(c, st, "cannot create a table", e) < 0)
		goto out;
	*table_id = sqlite3_last_insert_rowid(c->db);
	if (prepare(c,
		    "INSERT INTO table_versions(table_id, version, operation, columns, "
		    "partition_keys, created, principal) SELECT id, 0, 'create', columns, "
		    "partition_keys, ?, ? FROM tables WHERE id = ?",
		    &st, e) < 0)
		goto out;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->principal, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, *table_id);
	rc = step_done(c, st, "cannot record a table version", e);
out:
	free(keys);
	free(props);
	lake_buf_release(&location);
	return rc;
}

int lake_catalog_ensure_table(struct lake_catalog *c, const struct lake_table_spec *s, int create,
			      int64_t *table_id, struct lake_error *e)
{
	sqlite3_stmt *st;
	int64_t db_id = 0;
	int rc;

	*table_id = 0;
	if (prepare(c,
		    "SELECT t.id, t.format, t.partition_keys, t.properties FROM tables t "
		    "JOIN databases d ON d.id = t.database_id WHERE d.name = ? AND t.name = ?",
		    &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, s->db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*table_id = sqlite3_column_int64(st, 0);
		rc = check_table_agrees(s, (const char *)sqlite3_column_text(st, 1),
					(const char *)sqlite3_column_text(st, 2),
					(const char *)sqlite3_column_text(st, 3), e);
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lake_catalog_fail(c, "cannot look up a table", e);
	if (!create)
		return 0;
	if (find_or_create_database(c, s->db, s->principal, &db_id, e) < 0)
		return -1;
	return create_table(c, s, db_id, table_id, e);
}

/*
 * A string statistic is kept to about STATS_TEXT_MAX bytes, as Parquet and
 * Iceberg truncate theirs: one 50 MB string made catalog.db 98 MB larger
 * and listing the files took seconds.  A minimum is cut to a prefix, never
 * more than the value; a maximum is cut and its last character raised by
 * one code point, never less than the value (UTF-8 sorts byte by byte as
 * its code points do, which is BINARY's order).  So pruning stays right,
 * only less sharp past the 64th byte.  Cuts fall between characters, so
 * the text stays UTF-8.
 */
#define STATS_TEXT_MAX 64

/* Where the character that ends s[n - 1] starts. */
static size_t char_start(const unsigned char *s, size_t n)
{
	size_t i = n - 1;

	while (i > 0 && (s[i] & 0xC0) == 0x80 && n - i < 4)
		i--;
	return i;
}

/* The code point that s[0..n) encodes, or -1 when it is no one UTF-8 character. */
static long decode_char(const unsigned char *s, size_t n)
{
	static const unsigned char lead[5] = {0, 0x00, 0xC0, 0xE0, 0xF0};
	static const unsigned char mask[5] = {0, 0x80, 0xE0, 0xF0, 0xF8};
	long cp;

	if (n < 1 || n > 4 || (s[0] & mask[n]) != lead[n])
		return -1;
	cp = n == 1 ? s[0] : s[0] & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	return cp;
}

static size_t encode_char(long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Raise out[0..len) to the shortest text above every text it begins: its
 * last character one code point up (past the surrogates), or, when that is
 * U+10FFFF, the one before it.  Text that is no UTF-8 has its last byte
 * raised.  Returns the new length, or -1 when nothing can be raised.
 */
static long raise_prefix(char *out, size_t len)
{
	while (len > 0) {
		size_t start = char_start((const unsigned char *)out, len);
		long cp = decode_char((const unsigned char *)out + start, len - start);
		if (cp < 0) {
			if ((unsigned char)out[len - 1] < 0xFF) {
				out[len - 1]++;
				return (long)len;
			}
			len--;
			continue;
		}
		len = start;
		if (cp < 0x10FFFF)
			return (long)(len +
				      encode_char(cp + 1 == 0xD800 ? 0xE000 : cp + 1, out + len));
	}
	return -1;
}

/* A string statistic as kept (see STATS_TEXT_MAX); NULL for a maximum that cannot be kept short. */
static void bind_text_bound(sqlite3_stmt *st, int col, const char *s, size_t n, int upper)
{
	char bound[STATS_TEXT_MAX + 4];
	size_t len = n;
	long kept;

	if (n <= STATS_TEXT_MAX) {
		sqlite3_bind_text(st, col, s, (int)n, SQLITE_TRANSIENT);
		return;
	}
	for (len = STATS_TEXT_MAX; len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80; len--)
		;
	memcpy(bound, s, len);
	kept = upper ? raise_prefix(bound, len) : (long)len;
	if (kept < 0)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_text(st, col, bound, (int)kept, SQLITE_TRANSIENT);
}

int lake_catalog_insert_stats(struct lake_catalog *c, int64_t file_id, json_t *stats,
			      struct lake_error *e)
{
	sqlite3_stmt *st;
	size_t i;
	json_t *s;

	if (prepare(c,
		    "INSERT OR REPLACE INTO file_column_stats(file_id, column_name, "
		    "min_value, max_value, null_count) VALUES (?,?,?,?,?)",
		    &st, e) < 0)
		return -1;
	json_array_foreach(stats, i, s)
	{
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, file_id);
		sqlite3_bind_text(st, 2, json_string_value(json_object_get(s, "column")), -1,
				  SQLITE_TRANSIENT);
		for (int b = 0; b < 2; b++) {
			json_t *v = json_object_get(s, b ? "max" : "min");
			if (json_is_integer(v))
				sqlite3_bind_int64(st, 3 + b, json_integer_value(v));
			else if (json_is_real(v))
				sqlite3_bind_double(st, 3 + b, json_real_value(v));
			else if (json_is_boolean(v))
				sqlite3_bind_int(st, 3 + b, json_is_true(v));
			else if (json_is_string(v))
				bind_text_bound(st, 3 + b, json_string_value(v),
						json_string_length(v), b);
			else
				sqlite3_bind_null(st, 3 + b);
		}
		sqlite3_bind_int64(st, 5, json_integer_value(json_object_get(s, "nulls")));
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return lake_catalog_fail(c, "cannot record a file's statistics", e);
		}
	}
	sqlite3_finalize(st);
	return 0;
}

int lake_catalog_find_table(struct lake_catalog *c, const char *qualified, int64_t *id,
			    int64_t *version, struct lake_error *e)
{
	char db[LAKE_NAME_MAX + 1], name[LAKE_NAME_MAX + 1];
	sqlite3_stmt *st;
	int rc;

	*id = 0;
	*version = 0;
	if (lake_name_split(qualified, db, name, e) < 0)
		return -1;
	if (prepare(c,
		    "SELECT t.id, t.version FROM tables t JOIN databases d ON d.id = "
		    "t.database_id WHERE d.name = ? AND t.name = ?",
		    &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*version = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lake_catalog_fail(c, "cannot look up a table", e);
	return 0;
}

static int insert_pending(struct lake_catalog *c, sqlite3_stmt *st, const struct lake_file_spec *f,
			  const char *now, int64_t *id, struct lake_error *e)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, f->table_id);
	sqlite3_bind_text(st, 2, f->partition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->compression, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, f->bytes);
	sqlite3_bind_int64(st, 7, f->rows);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)getpid());
	sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, f->principal, -1, SQLITE_STATIC);
	if (f->raw_bytes)
		sqlite3_bind_int64(st, 11, f->raw_bytes);
	else
		sqlite3_bind_null(st, 11);
	if (f->schema) {
		sqlite3_bind_text(st, 12, f->schema, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 13, f->fp_size);
		sqlite3_bind_int64(st, 14, f->fp_mtime_ns);
	} else {
		sqlite3_bind_null(st, 12);
		sqlite3_bind_null(st, 13);
		sqlite3_bind_null(st, 14);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		return lake_catalog_fail(c, "cannot register a file", e);
	*id = sqlite3_last_insert_rowid(c->db);
	if (f->stats)
		return lake_catalog_insert_stats(c, *id, f->stats, e);
	return 0;
}

int lake_catalog_add_pending(struct lake_catalog *c, const struct lake_file_spec *f, size_t n,
			     int64_t *ids, struct lake_error *e)
{
	sqlite3_stmt *st = NULL;
	char now[40];

	now_text(now);
	if (lake_catalog_begin(c, e) < 0)
		return -1;
	if (prepare(c,
		    "INSERT INTO files(table_id, partition, path, format, compression, bytes, "
		    "rows, state, writer_pid, created, created_by, raw_bytes, schema, fp_size, "
		    "fp_mtime_ns) VALUES (?,?,?,?,?,?,?,'pending',?,?,?,?,?,?,?)",
		    &st, e) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (insert_pending(c, st, &f[i], now, &ids[i], e) < 0)
			goto fail;
	sqlite3_finalize(st);
	return lake_catalog_commit(c, e);
fail:
	sqlite3_finalize(st);
	lake_catalog_rollback(c);
	return -1;
}

/* The JSON array of a partition path's values, as the partitions table keeps them. */
static char *partition_values_json(const char *path)
{
	struct lake_partkv *kv = NULL;
	struct lake_error ignored = {0};
	json_t *vals = json_array();
	size_t n = 0;
	char *text;

	if (*path && lake_partition_parse(path, &kv, &n, &ignored) == 0) {
		for (size_t i = 0; i < n; i++)
			json_array_append_new(vals,
					      kv[i].value ? json_string(kv[i].value) : json_null());
		lake_partkv_free(kv, n);
	}
	text = json_dumps(vals, JSON_COMPACT);
	json_decref(vals);
	return text;
}

static int publish_one(struct lake_catalog *c, int64_t table_id, int64_t file_id, int64_t version,
		       const char *now, int64_t *rows, struct lake_error *e)
{
	sqlite3_stmt *st;
	char *partition = NULL, *vals = NULL;
	int rc = -1;

	if (prepare(c,
		    "UPDATE files SET state = 'live', added_version = ?, writer_pid = NULL "
		    "WHERE id = ? AND table_id = ? AND state = 'pending' RETURNING partition, rows",
		    &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_int64(st, 2, file_id);
	sqlite3_bind_int64(st, 3, table_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return lake_err(e, LAKE_EX_SOFTWARE,
				"pending file %lld vanished from the catalog before it was "
				"published (was vacuum run meanwhile?)",
				(long long)file_id);
	}
	partition = lake_xstrdup((const char *)sqlite3_column_text(st, 0));
	*rows += sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	vals = partition_values_json(partition);
	if (prepare(
		c,
		"INSERT OR IGNORE INTO partitions(table_id, path, vals, added_version, created) "
		"VALUES (?,?,?,?,?)",
		&st, e) < 0)
		goto out;
	sqlite3_bind_int64(st, 1, table_id);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, vals, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, version);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	rc = step_done(c, st, "cannot register a partition", e);
out:
	free(partition);
	free(vals);
	return rc;
}

/*
 * The increment happens in the UPDATE itself, inside the caller's write
 * transaction: a version read before the transaction and written back
 * would undo any commit made in between (its files would sit above the
 * table's version, invisible, and the next writer would collide with its
 * history row).
 */
int lake_catalog_next_version(struct lake_catalog *c, int64_t table_id, int64_t *version,
			      struct lake_error *e)
{
	sqlite3_stmt *st;

	if (prepare(c, "UPDATE tables SET version = version + 1 WHERE id = ? RETURNING version",
		    &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, table_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return lake_catalog_fail(c, "cannot bump the table version", e);
	}
	*version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* The version's entry in the table's history, with the table's columns as they now are. */
static int record_version(struct lake_catalog *c, const struct lake_version_change *vc,
			  int64_t version, size_t files_added, int64_t files_removed, int64_t rows,
			  const char *now, struct lake_error *e)
{
	sqlite3_stmt *st;
	char *changes = vc->changes ? json_dumps(vc->changes, JSON_COMPACT) : NULL;
	int rc;

	if (prepare(c,
		    "INSERT INTO table_versions(table_id, version, operation, columns, "
		    "partition_keys, changes, files_added, files_removed, rows_added, created, "
		    "principal) SELECT id, ?, ?, columns, partition_keys, coalesce(?, '[]'), ?, ?, "
		    "?, ?, ? FROM tables WHERE id = ?",
		    &st, e) < 0) {
		free(changes);
		return -1;
	}
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_text(st, 2, vc->operation, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, changes, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)files_added);
	sqlite3_bind_int64(st, 5, files_removed);
	sqlite3_bind_int64(st, 6, rows);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, vc->principal, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, vc->table_id);
	rc = step_done(c, st, "cannot record a table version", e);
	free(changes);
	if (rc < 0)
		return -1;
	if (prepare(c, "UPDATE tables SET updated = ? WHERE id = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, vc->table_id);
	return step_done(c, st, "cannot update a table", e);
}

static int set_columns(struct lake_catalog *c, int64_t table_id, json_t *columns,
		       struct lake_error *e)
{
	char *text = json_dumps(columns, JSON_COMPACT);
	sqlite3_stmt *st;
	int rc = -1;

	if (prepare(c, "UPDATE tables SET columns = ? WHERE id = ?", &st, e) == 0) {
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, table_id);
		rc = step_done(c, st, "cannot change a table's columns", e);
	}
	free(text);
	return rc;
}

/*
 * Mark removed at `version` the files live before it: all of them, or
 * those in the given partitions.  Files published at `version` itself are
 * new and stay.
 */
static int remove_replaced(struct lake_catalog *c, const struct lake_version_change *vc,
			   int64_t version, const char *now, int64_t *removed, struct lake_error *e)
{
	sqlite3_stmt *st;
	size_t n = vc->remove_all ? 1 : vc->nremove_partitions;

	if (prepare(c,
		    "UPDATE files SET state = 'removed', removed_version = ?1, removed = ?2, "
		    "replaced = 1 WHERE table_id = ?3 AND state = 'live' AND added_version < ?1 "
		    "AND (?4 IS NULL OR partition = ?4)",
		    &st, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, version);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, vc->table_id);
		if (vc->remove_all)
			sqlite3_bind_null(st, 4);
		else
			sqlite3_bind_text(st, 4, vc->remove_partitions[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return lake_catalog_fail(c, "cannot remove replaced files", e);
		}
		*removed += sqlite3_changes(c->db);
	}
	sqlite3_finalize(st);
	return 0;
}

static json_t *table_json(struct lake_catalog *c, int64_t table_id, const char *column)
{
	sqlite3_stmt *st;
	json_t *v = NULL;
	char *sql = sqlite3_mprintf("SELECT %s FROM tables WHERE id = ?", column);

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, table_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		sqlite3_finalize(st);
	}
	sqlite3_free(sql);
	return v ? v : json_array();
}

/* Each key's kind, widened over every partition's value (null partitions say nothing). */
static void key_kinds(struct lake_catalog *c, int64_t table_id, enum lake_kind *kinds, size_t n)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(c->db, "SELECT vals FROM partitions WHERE table_id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, table_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *vals = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		for (size_t k = 0; k < n && k < json_array_size(vals); k++) {
			json_t *v = json_array_get(vals, k);
			if (json_is_string(v))
				kinds[k] = lake_kind_widen(
				    kinds[k], lake_infer_text_kind(json_string_value(v),
								   json_string_length(v)));
		}
		json_decref(vals);
	}
	sqlite3_finalize(st);
}

/* The partition keys typed by their values, as lake-crawl types them. */
static int type_keys(struct lake_catalog *c, const struct lake_version_change *vc,
		     struct lake_error *e)
{
	json_t *keys = table_json(c, vc->table_id, "partition_keys");
	size_t n = json_array_size(keys);
	enum lake_kind *kinds = lake_xcalloc(n + 1, sizeof *kinds);
	int changed = 0, rc = 0;

	key_kinds(c, vc->table_id, kinds, n);
	for (size_t k = 0; k < n; k++) {
		json_t *key = json_array_get(keys, k);
		const char *have = json_string_value(json_object_get(key, "type"));
		const char *now = lake_kind_name(kinds[k]);
		if (kinds[k] == LAKE_T_NULL || (have && strcmp(have, now) == 0))
			continue;
		if (vc->changes)
			json_array_append_new(vc->changes, json_pack("{s:s, s:O, s:s?, s:s}",
								     "change", "key_typed", "key",
								     json_object_get(key, "name"),
								     "from", have, "to", now));
		json_object_set_new(key, "type", json_string(now));
		changed = 1;
	}
	if (changed) {
		char *text = json_dumps(keys, JSON_COMPACT);
		sqlite3_stmt *st;
		if ((rc = prepare(c, "UPDATE tables SET partition_keys = ? WHERE id = ?", &st,
				  e)) == 0) {
			sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, vc->table_id);
			rc = step_done(c, st, "cannot type the partition keys", e);
		}
		free(text);
	}
	free(kinds);
	json_decref(keys);
	return rc;
}

int lake_catalog_commit_version(struct lake_catalog *c, const struct lake_version_change *vc,
				int64_t *version, struct lake_error *e)
{
	int64_t rows = 0, removed = 0;
	char now[40];

	now_text(now);
	if (lake_catalog_next_version(c, vc->table_id, version, e) < 0)
		return -1;
	if (vc->columns && set_columns(c, vc->table_id, vc->columns, e) < 0)
		return -1;
	for (size_t i = 0; i < vc->nadd; i++)
		if (publish_one(c, vc->table_id, vc->add_ids[i], *version, now, &rows, e) < 0)
			return -1;
	if ((vc->remove_all || vc->nremove_partitions) &&
	    remove_replaced(c, vc, *version, now, &removed, e) < 0)
		return -1;
	if (vc->type_keys && type_keys(c, vc, e) < 0)
		return -1;
	return record_version(c, vc, *version, vc->nadd, removed, rows, now, e);
}

int lake_catalog_publish(struct lake_catalog *c, int64_t table_id, const int64_t *file_ids,
			 size_t n, const char *operation, const char *principal, int64_t *version,
			 struct lake_error *e)
{
	struct lake_version_change vc = {table_id, operation, principal, file_ids, n, 0,
					 NULL,	   0,	      NULL,	 NULL,	   0};

	if (lake_catalog_begin(c, e) < 0)
		return -1;
	if (lake_catalog_commit_version(c, &vc, version, e) < 0) {
		lake_catalog_rollback(c);
		return -1;
	}
	return lake_catalog_commit(c, e);
}

json_t *lake_catalog_table_columns(struct lake_catalog *c, int64_t table_id)
{
	sqlite3_stmt *st;
	json_t *cols = NULL;

	if (sqlite3_prepare_v2(c->db, "SELECT columns FROM tables WHERE id = ?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(st, 1, table_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			cols = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		sqlite3_finalize(st);
	}
	return cols ? cols : json_array();
}

void lake_catalog_drop_pending(struct lake_catalog *c, const int64_t *file_ids, size_t n)
{
	struct lake_error ignored = {0};
	sqlite3_stmt *st;

	if (n == 0 || lake_catalog_begin(c, &ignored) < 0)
		return;
	if (prepare(c, "DELETE FROM files WHERE id = ? AND state = 'pending'", &st, &ignored) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, file_ids[i]);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
out:
	lake_catalog_commit(c, &ignored);
}
