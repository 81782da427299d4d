/*
 * test_names.c - catalog names, Hive escaping, partition paths, file names.
 */
#include <regex.h>
#include <stdint.h>

#include "base/ltime.h"
#include "base/names.h"
#include "scratch.h"
#include "t.h"

#define RULE "use 1 to 64 characters from a-z, 0-9 and _, not starting with a digit"

/* 64 and 65 characters. */
#define N64 "abcdefghijklmnopqrstuvwxyz_0123456789abcdefghijklmnopqrstuvwxyz_"
#define N65 N64 "x"

struct valid_case {
	const char *name;
	int ok;
};

static const struct valid_case names[] = {
    {"a", 1},	{"_", 1},     {"sales", 1},	  {"sales_2024", 1},
    {"_x9", 1}, {"__", 1},    {N64, 1},		  {N65, 0},
    {"", 0},	{"Sales", 0}, {"salesX", 0},	  {"9sales", 0},
    {"0", 0},	{"a-b", 0},   {"a.b", 0},	  {"a b", 0},
    {" a", 0},	{"a\n", 0},   {"caf\xc3\xa9", 0}, {"\xc3\xa9t\xc3\xa9", 0},
    {"a/b", 0},
};

static void test_name_valid(void)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct lake_error e = {0};
		int rc = lake_name_check("table", names[i].name, &e);

		CHECK_INT(lake_name_valid(names[i].name), names[i].ok);
		CHECK_INT(rc, names[i].ok ? 0 : -1);
		CHECK_INT(e.code, names[i].ok ? 0 : LAKE_EX_USAGE);
	}
	CHECK_INT(lake_name_valid(NULL), 0);
	CHECK_INT(strlen(N64), 64);
}

static void test_name_check_message(void)
{
	struct lake_error e = {0};

	CHECK_INT(lake_name_check("table", "Sales", &e), -1);
	CHECK_INT(e.code, LAKE_EX_USAGE);
	CHECK_STR(e.msg, "invalid table name 'Sales': " RULE);
	CHECK_INT(lake_name_check("database", "", &e), -1);
	CHECK_STR(e.msg, "invalid database name '': " RULE);
	CHECK_INT(lake_name_check("database", NULL, &e), -1);
	CHECK_STR(e.msg, "invalid database name '': " RULE);
	CHECK_INT(lake_name_check("table", "sales", NULL), 0);
	CHECK_INT(lake_name_check("table", "Sales", NULL), -1);
}

struct split_case {
	const char *in;
	const char *db, *table; /* NULL when refused */
	const char *msg;
};

static const struct split_case splits[] = {
    {"db.t", "db", "t", NULL},
    {"sales.orders_2024", "sales", "orders_2024", NULL},
    {N64 "." N64, N64, N64, NULL},
    {"sales", NULL, NULL, "'sales' is not a qualified name: use DB.TABLE"},
    {"", NULL, NULL, "'' is not a qualified name: use DB.TABLE"},
    {"a.b.c", NULL, NULL, "'a.b.c' is not a qualified name: use DB.TABLE"},
    {"a..b", NULL, NULL, "'a..b' is not a qualified name: use DB.TABLE"},
    {".t", NULL, NULL, "invalid database name '': " RULE},
    {"db.", NULL, NULL, "invalid table name '': " RULE},
    {".", NULL, NULL, "invalid database name '': " RULE},
    {"Sales.t", NULL, NULL, "invalid database name 'Sales': " RULE},
    {"db.9t", NULL, NULL, "invalid table name '9t': " RULE},
    {"db.t-1", NULL, NULL, "invalid table name 't-1': " RULE},
    {N65 ".t", NULL, NULL, "invalid database name '" N65 "': " RULE},
    {"db." N65, NULL, NULL, "invalid table name '" N65 "': " RULE},
};

static void test_name_split(void)
{
	for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++) {
		const struct split_case *c = &splits[i];
		char db[LAKE_NAME_MAX + 1] = "unset", table[LAKE_NAME_MAX + 1] = "unset";
		struct lake_error e = {0};
		int rc = lake_name_split(c->in, db, table, &e);

		if (c->db) {
			CHECK_INT(rc, 0);
			CHECK_INT(e.code, 0);
			CHECK_STR(db, c->db);
			CHECK_STR(table, c->table);
		} else {
			CHECK_INT(rc, -1);
			CHECK_INT(e.code, LAKE_EX_USAGE);
			CHECK_STR(e.msg, c->msg);
			CHECK_STR(db, "unset"); /* nothing written on failure */
			CHECK_STR(table, "unset");
		}
	}
}

/* The set from Hive's FileUtils.escapePathName, written out independently. */
static int expect_escaped(unsigned c)
{
	return (c >= 0x01 && c <= 0x1f) || c == 0x7f || (c && strchr("\"#%'*/:=?\\{[]^", (int)c));
}

static char *escape(const char *s, size_t n)
{
	struct lake_buf b = LAKE_BUF_INIT;

	lake_hive_escape(&b, s, n);
	return lake_buf_detach(&b);
}

static char *unescape(const char *s, size_t n, size_t *len)
{
	struct lake_buf b = LAKE_BUF_INIT;

	CHECK_INT(lake_hive_unescape(&b, s, n), 0);
	*len = b.len;
	return lake_buf_detach(&b);
}

static void test_escape_each_byte(void)
{
	int escaped = 0;

	for (unsigned c = 0x01; c <= 0xff; c++) {
		char in[2] = {(char)c, '\0'}, want[4];
		char *out = escape(in, 1), *back;
		size_t len;

		if (expect_escaped(c)) {
			snprintf(want, sizeof want, "%%%02X", c);
			escaped++;
		} else {
			memcpy(want, in, 2);
		}
		if (strcmp(out, want) != 0)
			fprintf(stderr, "  byte 0x%02x\n", c);
		CHECK_STR(out, want);
		back = unescape(out, strlen(out), &len);
		CHECK_INT(len, 1);
		CHECK_INT((unsigned char)back[0], c);
		free(out);
		free(back);
	}
	CHECK_INT(escaped, 31 + 1 + 14);
}

struct text_case {
	const char *in, *out;
};

static const struct text_case escapes[] = {
    {"", ""},
    {"a/b", "a%2Fb"},
    {"k=v", "k%3Dv"},
    {"100%", "100%25"},
    {"\xc3\xa9", "\xc3\xa9"},
    {"S\xc3\xa3o Paulo", "S\xc3\xa3o Paulo"},
    {"2024-05-01", "2024-05-01"},
    {"a b<c>|d", "a b<c>|d"}, /* Windows-only escapes are not applied */
    {"C:\\tmp\\x", "C%3A%5Ctmp%5Cx"},
    {"{[^]}", "%7B%5B%5E%5D}"},
    {"a\tb\n", "a%09b%0A"},
    {"\x7f", "%7F"},
    {"what?#*'\"", "what%3F%23%2A%27%22"},
    {"%2F", "%252F"},
    {"..", ".."},
};

static const struct text_case unescapes[] = {
    {"", ""},		{"a%2Fb", "a/b"}, {"a%2fb", "a/b"}, {"100%25", "100%"},
    {"%", "%"},		{"%2", "%2"},	  {"a%", "a%"},	    {"%zz", "%zz"},
    {"%g1", "%g1"},	{"%1g", "%1g"},	  {"%+1", "%+1"}, /* strict hex: Java's parseInt would take
							     the sign */
    {"% 1", "% 1"},	{"%%41", "%A"},	  {"%41%", "A%"},   {"%C3%A9", "\xc3\xa9"},
    {"%252F", "%2F"}, /* one level only */
    {"plain", "plain"},
};

static void test_escape_specific(void)
{
	for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; i++) {
		char *out = escape(escapes[i].in, strlen(escapes[i].in));

		CHECK_STR(out, escapes[i].out);
		free(out);
	}
	for (size_t i = 0; i < sizeof unescapes / sizeof unescapes[0]; i++) {
		size_t len;
		char *out = unescape(unescapes[i].in, strlen(unescapes[i].in), &len);

		CHECK_STR(out, unescapes[i].out);
		CHECK_INT(len, strlen(unescapes[i].out));
		free(out);
	}
}

/* n bounds both functions: nothing past it is read or copied. */
static void test_escape_length(void)
{
	struct lake_buf b = LAKE_BUF_INIT;
	char *out = escape("a/b/c", 3), *back;
	size_t len;

	CHECK_STR(out, "a%2Fb");
	free(out);
	back = unescape("%41%42", 4, &len);
	CHECK_STR(back, "A%");
	free(back);
	back = unescape("%41%42", 5, &len);
	CHECK_STR(back, "A%4");
	free(back);

	lake_buf_addstr(&b, "x=");
	lake_hive_escape(&b, "/", 1);
	lake_hive_unescape(&b, "%2F", 3);
	CHECK_STR(b.data, "x=%2F/"); /* both append */
	lake_hive_escape(&b, NULL, 0);
	lake_hive_unescape(&b, NULL, 0);
	CHECK_STR(b.data, "x=%2F/");
	lake_buf_release(&b);
}

/* The escaped form holds only safe bytes and %XX, and unescapes back exactly. */
static int escape_well_formed(const char *out)
{
	for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
		if (*p == '%') {
			if (!strchr("0123456789ABCDEF", p[1]) || !p[1] ||
			    !strchr("0123456789ABCDEF", p[2]) || !p[2])
				return 0;
			p += 2;
		} else if (expect_escaped(*p)) {
			return 0;
		}
	}
	return 1;
}

static void test_escape_random(void)
{
	uint64_t seed = 0x2545f4914f6cdd1du;
	int bad = 0;

	for (int i = 0; i < 20000; i++) {
		char in[48], *out, *back;
		size_t n = xorshift(&seed) % sizeof in, len;

		for (size_t j = 0; j < n; j++) {
			uint64_t r = xorshift(&seed);
			/* Favour the interesting bytes: '%', hex digits, escaped ones. */
			in[j] = (char)(r % 4 == 0 ? "%2Fa=/"[r / 4 % 6] : (int)(r / 4 % 255 + 1));
		}
		out = escape(in, n);
		back = unescape(out, strlen(out), &len);
		if (!escape_well_formed(out) || len != n || memcmp(back, in, n) != 0)
			bad++;
		free(out);
		free(back);
	}
	CHECK_INT(bad, 0);
}

static char *path_of(const struct lake_partkv *kv, size_t n)
{
	struct lake_buf b = LAKE_BUF_INIT;

	lake_partition_path(&b, kv, n);
	CHECK(b.data != NULL);
	return lake_buf_detach(&b);
}

static int str_eq_null(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Parsing gives kv back, except that an empty value comes back NULL as Hive's does. */
struct partition_case {
	struct lake_partkv kv[3];
	size_t n;
	const char *path;
};

static const struct partition_case partitions[] = {
    {{{0}}, 0, ""},
    {{{"year", "2024"}}, 1, "year=2024"},
    {{{"year", "2024"}, {"month", "05"}, {"day", "01"}}, 3, "year=2024/month=05/day=01"},
    {{{"k", NULL}}, 1, "k=" LAKE_HIVE_NULL},
    {{{"k", ""}}, 1, "k=" LAKE_HIVE_NULL},
    {{{"k", NULL}, {"j", "x"}}, 2, "k=" LAKE_HIVE_NULL "/j=x"},
    {{{"a/b", "x=y"}}, 1, "a%2Fb=x%3Dy"},
    {{{"city", "S\xc3\xa3o Paulo"}}, 1, "city=S\xc3\xa3o Paulo"},
    {{{"pct", "100%"}, {"path", "../etc"}}, 2, "pct=100%25/path=..%2Fetc"},
    {{{"ts", "2024-05-01T13:45:10Z"}}, 1, "ts=2024-05-01T13%3A45%3A10Z"},
};

static void test_partition_round_trip(void)
{
	for (size_t i = 0; i < sizeof partitions / sizeof partitions[0]; i++) {
		const struct partition_case *c = &partitions[i];
		char *path = path_of(c->kv, c->n);
		struct lake_error e = {0};
		struct lake_partkv dummy = {0}, *kv = &dummy; /* must be overwritten */
		size_t n = 99;

		CHECK_STR(path, c->path);
		CHECK_INT(lake_partition_parse(path, &kv, &n, &e), 0);
		CHECK_INT(e.code, 0);
		CHECK_INT(n, c->n);
		for (size_t j = 0; j < n && j < c->n; j++) {
			const char *want = c->kv[j].value;

			if (want && !*want)
				want = NULL;
			CHECK_STR(kv[j].key, c->kv[j].key);
			CHECK(str_eq_null(kv[j].value, want));
		}
		lake_partkv_free(kv, n);
		free(path);
	}
}

struct parse_case {
	const char *path;
	const char *k0, *v0, *k1, *v1;
	size_t n;
};

static const struct parse_case parses[] = {
    {"k=a=b", "k", "a=b", NULL, NULL, 1},
    {"k=%zz", "k", "%zz", NULL, NULL, 1},
    {"k%3Dx=1", "k=x", "1", NULL, NULL, 1},
    {"K=V", "K", "V", NULL, NULL, 1},
    {"a=%2f/b=%2F", "a", "/", "b", "/", 2},
    {"a=" LAKE_HIVE_NULL "x", "a", LAKE_HIVE_NULL "x", NULL, NULL, 1},
    {"a=%5F_HIVE_DEFAULT_PARTITION__", "a", LAKE_HIVE_NULL, NULL, NULL, 1},
    {"a= ", "a", " ", NULL, NULL, 1},
};

static void test_partition_parse(void)
{
	for (size_t i = 0; i < sizeof parses / sizeof parses[0]; i++) {
		const struct parse_case *c = &parses[i];
		struct lake_error e = {0};
		struct lake_partkv *kv = NULL;
		size_t n = 0;

		CHECK_INT(lake_partition_parse(c->path, &kv, &n, &e), 0);
		CHECK_INT(n, c->n);
		if (n >= 1) {
			CHECK_STR(kv[0].key, c->k0);
			CHECK_STR(kv[0].value, c->v0);
		}
		if (n >= 2) {
			CHECK_STR(kv[1].key, c->k1);
			CHECK_STR(kv[1].value, c->v1);
		}
		lake_partkv_free(kv, n);
	}
}

static const struct text_case parse_errors[] = {
    {"abc", "'abc' is not a partition directory: use KEY=VALUE"},
    {"a=1/abc", "'abc' is not a partition directory: use KEY=VALUE"},
    {"=v", "'=v' is not a partition directory: the key is empty"},
    {"k=", "'k=' is not a partition directory: the value is empty"},
    {"=", "'=' is not a partition directory: the key is empty"},
    {"a=1//b=2", "'a=1//b=2' is not a partition path: it has an empty segment"},
    {"/a=1", "'/a=1' is not a partition path: it has an empty segment"},
    {"a=1/", "'a=1/' is not a partition path: it has an empty segment"},
    {"/", "'/' is not a partition path: it has an empty segment"},
    {"a=1/..", "'..' is not a partition directory: use KEY=VALUE"},
    {"k=%00", "'k=%00' is not a partition directory: it decodes to a NUL byte"},
    {"k%00=v", "'k%00=v' is not a partition directory: it decodes to a NUL byte"},
};

static void test_partition_parse_errors(void)
{
	for (size_t i = 0; i < sizeof parse_errors / sizeof parse_errors[0]; i++) {
		struct lake_error e = {0};
		struct lake_partkv dummy = {0}, *kv = &dummy; /* must be overwritten */
		size_t n = 99;

		CHECK_INT(lake_partition_parse(parse_errors[i].in, &kv, &n, &e), -1);
		CHECK_INT(e.code, LAKE_EX_DATAERR);
		CHECK_STR(e.msg, parse_errors[i].out);
		CHECK(kv == NULL);
		CHECK_INT(n, 0);
	}
}

static char *file_name(const char *ext)
{
	struct lake_buf b = LAKE_BUF_INIT;

	lake_data_file_name(&b, ext);
	return lake_buf_detach(&b);
}

static void test_data_file_name(void)
{
	regex_t re;
	int64_t before = lake_time_now();
	char *a = file_name("ndjson.zst"), *b = file_name("ndjson.zst"), *c = file_name("csv");
	int64_t after = lake_time_now(), at = 0;
	char iso[32];

	CHECK_INT(regcomp(&re, "^part-[0-9]{8}T[0-9]{12}Z-[0-9a-f]{16}\\.ndjson\\.zst$",
			  REG_EXTENDED | REG_NOSUB),
		  0);
	CHECK_INT(regexec(&re, a, 0, NULL, 0), 0);
	CHECK_INT(regexec(&re, b, 0, NULL, 0), 0);
	CHECK_INT(regexec(&re, c, 0, NULL, 0), REG_NOMATCH);
	regfree(&re);
	CHECK(strcmp(a, b) != 0);
	CHECK(strcmp(a + 5 + 23, b + 5 + 23) != 0); /* the random parts differ */
	CHECK_INT(strlen(c), strlen("part-20240501T134510123456Z-0123456789abcdef.csv"));
	CHECK_STR(c + strlen(c) - 4, ".csv");

	/* The time in the name is the current UTC time. */
	snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.%.6sZ", a + 5, a + 9, a + 11,
		 a + 14, a + 16, a + 18, a + 20);
	CHECK_INT(lake_time_parse(iso, strlen(iso), &at), LAKE_TIME_TIMESTAMP);
	CHECK(at >= before && at <= after);
	free(a);
	free(b);
	free(c);
}

int main(void)
{
	T_RUN(test_name_valid);
	T_RUN(test_name_check_message);
	T_RUN(test_name_split);
	T_RUN(test_escape_each_byte);
	T_RUN(test_escape_specific);
	T_RUN(test_escape_length);
	T_RUN(test_escape_random);
	T_RUN(test_partition_round_trip);
	T_RUN(test_partition_parse);
	T_RUN(test_partition_parse_errors);
	T_RUN(test_data_file_name);
	T_DONE();
}
