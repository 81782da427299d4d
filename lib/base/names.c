/*
 * names.c - catalog names, Hive partition directories, data file names.
 *
 * The escaped byte set is the one of Hive's FileUtils.escapePathName (and
 * Spark's copy of it) on POSIX systems: the control bytes 0x01-0x1F and
 * 0x7F and the characters " # % ' * / : = ? \ { [ ] ^.  The extra
 * characters those add on Windows (space < > |) are not escaped, and
 * neither is any byte from 0x80 up, so UTF-8 stays readable.  NUL is not
 * in Hive's set either; C strings cannot carry it anyway.
 *
 * lake_partition_parse is stricter than Hive's readers: an empty segment
 * (leading, trailing or doubled '/'), an empty value ("k=") and a value
 * or key that decodes to a NUL byte are refused rather than guessed at.
 * The only empty path accepted is "", which holds no pairs.
 */
#include "base/names.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/ltime.h"

static int name_valid_n(const char *s, size_t n)
{
	if (n < 1 || n > LAKE_NAME_MAX)
		return 0;
	if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z')))
		return 0;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

int lake_name_valid(const char *name)
{
	return name && name_valid_n(name, strlen(name));
}

static int name_check_n(const char *what, const char *s, size_t n, struct lake_error *e)
{
	if (name_valid_n(s, n))
		return 0;
	/* Clamp only so that %.*s gets an int; the message is cut long before. */
	if (n > 4096)
		n = 4096;
	return lake_err(e, LAKE_EX_USAGE,
			"invalid %s name '%.*s': use 1 to %d characters from a-z, 0-9 and _, "
			"not starting with a digit",
			what, (int)n, s, LAKE_NAME_MAX);
}

int lake_name_check(const char *what, const char *name, struct lake_error *e)
{
	if (!name)
		name = "";
	return name_check_n(what, name, strlen(name), e);
}

int lake_database_name_new(const char *name, struct lake_error *e)
{
	/*
	 * lake-query attaches each database as an SQLite schema of its name:
	 * main and temp are SQLite's own schemas and lake holds the system
	 * tables, so a database of one of these names could never be read.
	 */
	static const char *const reserved[] = {"main", "temp", "lake"};

	if (lake_name_check("database", name, e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strcmp(name, reserved[i]) == 0)
			return lake_err(e, LAKE_EX_USAGE,
					"database name '%s' is reserved (main and temp are "
					"SQLite's own schemas, lake holds the system tables in "
					"lake-query): choose another name",
					name);
	return 0;
}

/* db and table are written only when both parts are valid. */
int lake_name_split(const char *qualified, char *db, char *table, struct lake_error *e)
{
	const char *dot, *tab;
	size_t dlen, tlen;

	if (!qualified)
		qualified = "";
	dot = strchr(qualified, '.');
	if (!dot || strchr(dot + 1, '.'))
		return lake_err(e, LAKE_EX_USAGE, "'%s' is not a qualified name: use DB.TABLE",
				qualified);
	dlen = (size_t)(dot - qualified);
	tab = dot + 1;
	tlen = strlen(tab);
	if (name_check_n("database", qualified, dlen, e) < 0 ||
	    name_check_n("table", tab, tlen, e) < 0)
		return -1;
	memcpy(db, qualified, dlen);
	db[dlen] = '\0';
	memcpy(table, tab, tlen);
	table[tlen] = '\0';
	return 0;
}

static int hive_needs_escape(unsigned char c)
{
	if ((c >= 0x01 && c <= 0x1f) || c == 0x7f)
		return 1;
	switch (c) {
	case '"':
	case '#':
	case '%':
	case '\'':
	case '*':
	case '/':
	case ':':
	case '=':
	case '?':
	case '\\':
	case '{':
	case '[':
	case ']':
	case '^':
		return 1;
	default:
		return 0;
	}
}

void lake_hive_escape(struct lake_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;

	if (!s)
		s = "";
	/* Most values need no escape at all: one allocation then. */
	lake_buf_grow(out, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!hive_needs_escape(c))
			continue;
		/* Copy the plain run before c in one go. */
		lake_buf_add(out, s + run, i - run);
		lake_buf_add(out, (char[3]){'%', hex[c >> 4], hex[c & 15]}, 3);
		run = i + 1;
	}
	lake_buf_add(out, s + run, n - run);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int lake_hive_unescape(struct lake_buf *out, const char *s, size_t n)
{
	size_t run = 0, i = 0;

	if (!s)
		s = "";
	lake_buf_grow(out, n);
	while (i < n) {
		int hi, lo;

		if (s[i] != '%' || n - i < 3) {
			i++;
			continue;
		}
		hi = hex_value(s[i + 1]);
		lo = hex_value(s[i + 2]);
		if (hi < 0 || lo < 0) {
			i++;
			continue;
		}
		lake_buf_add(out, s + run, i - run);
		lake_buf_addc(out, (char)(hi << 4 | lo));
		i += 3;
		run = i;
	}
	lake_buf_add(out, s + run, n - run);
	return 0;
}

void lake_partition_path(struct lake_buf *out, const struct lake_partkv *kv, size_t n)
{
	/* out->data is a string afterwards even when n == 0. */
	lake_buf_add(out, "", 0);
	for (size_t i = 0; i < n; i++) {
		const char *key = kv[i].key ? kv[i].key : "";
		const char *value = kv[i].value;

		if (i)
			lake_buf_addc(out, '/');
		lake_hive_escape(out, key, strlen(key));
		lake_buf_addc(out, '=');
		if (!value || !*value)
			lake_buf_addstr(out, LAKE_HIVE_NULL);
		else
			lake_hive_escape(out, value, strlen(value));
	}
}

void lake_partkv_free(struct lake_partkv *kv, size_t n)
{
	if (!kv)
		return;
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/* The unescaped copy of s[0..n), or NULL when it would hold a NUL byte. */
static char *unescape_dup(const char *s, size_t n)
{
	struct lake_buf b = LAKE_BUF_INIT;

	lake_hive_unescape(&b, s, n);
	if (memchr(b.data, '\0', b.len)) {
		lake_buf_release(&b);
		return NULL;
	}
	return lake_buf_detach(&b);
}

/* Fill kv from one "key=value" segment s[0..n). */
static int parse_segment(const char *s, size_t n, struct lake_partkv *kv, struct lake_error *e)
{
	const char *eq = memchr(s, '=', n);
	size_t klen, vlen;
	int len = n > 4096 ? 4096 : (int)n, is_null;

	if (!eq)
		return lake_err(e, LAKE_EX_DATAERR,
				"'%.*s' is not a partition directory: use KEY=VALUE", len, s);
	klen = (size_t)(eq - s);
	vlen = n - klen - 1;
	if (!klen)
		return lake_err(e, LAKE_EX_DATAERR,
				"'%.*s' is not a partition directory: the key is empty", len, s);
	if (!vlen)
		return lake_err(e, LAKE_EX_DATAERR,
				"'%.*s' is not a partition directory: the value is empty", len, s);
	is_null = vlen == strlen(LAKE_HIVE_NULL) && !memcmp(eq + 1, LAKE_HIVE_NULL, vlen);
	kv->key = unescape_dup(s, klen);
	kv->value = is_null ? NULL : unescape_dup(eq + 1, vlen);
	if (kv->key && (is_null || kv->value))
		return 0;
	free(kv->key);
	free(kv->value);
	kv->key = kv->value = NULL;
	return lake_err(e, LAKE_EX_DATAERR,
			"'%.*s' is not a partition directory: it decodes to a NUL byte", len, s);
}

static size_t count_segments(const char *path)
{
	size_t n = 1;

	for (const char *p = path; *p; p++)
		n += *p == '/';
	return n;
}

int lake_partition_parse(const char *path, struct lake_partkv **kv, size_t *n, struct lake_error *e)
{
	struct lake_partkv *out;
	size_t used = 0;
	const char *seg = path;

	*kv = NULL;
	*n = 0;
	if (!path || !*path)
		return 0;
	out = lake_xcalloc(count_segments(path), sizeof *out);
	for (;;) {
		const char *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);

		if (!len) {
			lake_err(e, LAKE_EX_DATAERR,
				 "'%s' is not a partition path: it has an empty segment", path);
			goto fail;
		}
		if (parse_segment(seg, len, &out[used], e) < 0)
			goto fail;
		used++;
		if (!end)
			break;
		seg = end + 1;
	}
	*kv = out;
	*n = used;
	return 0;
fail:
	lake_partkv_free(out, used);
	return -1;
}

static int read_urandom(void *p, size_t n)
{
	unsigned char *at = p;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (n) {
		ssize_t got = read(fd, at, n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			close(fd);
			return -1;
		}
		at += got;
		n -= (size_t)got;
	}
	close(fd);
	return 0;
}

static int fill_random(void *p, size_t n)
{
	unsigned char *at = p;

	while (n) {
		ssize_t got = getrandom(at, n, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return read_urandom(at, n);
		at += got;
		n -= (size_t)got;
	}
	return 0;
}

/* splitmix64's finaliser: spreads every input bit over the output. */
static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/*
 * 64 random bits.  When the system has no randomness to give, time, pid,
 * a counter and a stack address still keep concurrent writers apart:
 * failing to name a file is worse than a weaker name.
 */
static uint64_t random_u64(void)
{
	static _Atomic uint64_t counter;
	uint64_t r;

	if (fill_random(&r, sizeof r) == 0)
		return r;
	r = mix64((uint64_t)lake_time_now() ^ mix64((uint64_t)getpid()));
	return mix64(r ^ atomic_fetch_add(&counter, 1) ^ (uint64_t)(uintptr_t)&r);
}

/* "20240501T134510123456Z": a UTC timestamp that sorts and has no ':' in it. */
static void add_compact_time(struct lake_buf *out, int64_t micros)
{
	const int64_t per_day = INT64_C(86400) * 1000000;
	int64_t days = micros / per_day, us = micros % per_day, y;
	unsigned m, d;

	/* Floor, not truncation: a clock set before 1970 still names files. */
	if (us < 0) {
		days--;
		us += per_day;
	}
	lake_civil_from_days(days, &y, &m, &d);
	lake_buf_addf(out, "%04lld%02u%02uT%02d%02d%02d%06dZ", (long long)y, m, d,
		      (int)(us / 3600000000), (int)(us / 60000000 % 60), (int)(us / 1000000 % 60),
		      (int)(us % 1000000));
}

void lake_data_file_name(struct lake_buf *out, const char *ext)
{
	lake_buf_addstr(out, "part-");
	add_compact_time(out, lake_time_now());
	lake_buf_addf(out, "-%016llx", (unsigned long long)random_u64());
	if (ext && *ext)
		lake_buf_addf(out, ".%s", ext);
}
