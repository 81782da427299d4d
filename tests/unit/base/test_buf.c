/*
 * test_buf.c - the growable buffer and its JSON string writers.
 */
#include <math.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "scratch.h"
#include "t.h"

/* The buffer's invariant: data[len] is NUL and len < cap whenever data exists. */
static int well_formed(const struct lake_buf *b)
{
	if (!b->data)
		return b->len == 0 && b->cap == 0;
	return b->len < b->cap && b->data[b->len] == '\0';
}

static void test_add(void)
{
	struct lake_buf b = LAKE_BUF_INIT;

	CHECK(b.data == NULL);
	lake_buf_add(&b, "abc", 3);
	CHECK_INT(b.len, 3);
	CHECK_STR(b.data, "abc");
	lake_buf_addc(&b, 'd');
	lake_buf_addstr(&b, "ef");
	CHECK_STR(b.data, "abcdef");
	CHECK(well_formed(&b));
	/* Embedded NUL bytes are data, counted in len. */
	lake_buf_add(&b, "\0x", 2);
	CHECK_INT(b.len, 8);
	CHECK(memcmp(b.data, "abcdef\0x", 9) == 0);
	CHECK(well_formed(&b));
	lake_buf_release(&b);
	CHECK(b.data == NULL);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, 0);
}

static void test_add_nothing_allocates(void)
{
	struct lake_buf b = LAKE_BUF_INIT;

	/* Adding zero bytes still makes data a valid empty string. */
	lake_buf_add(&b, NULL, 0);
	CHECK(b.data != NULL);
	CHECK_STR(b.data, "");
	CHECK(well_formed(&b));
	lake_buf_release(&b);
}

static void test_addf(void)
{
	struct lake_buf b = LAKE_BUF_INIT;
	char big[1000];

	lake_buf_addf(&b, "%s", "");
	CHECK(b.data != NULL);
	CHECK_STR(b.data, "");
	lake_buf_addf(&b, "%d-%s-%c", 42, "x", 'y');
	CHECK_STR(b.data, "42-x-y");
	CHECK_INT(b.len, 6);
	/* Longer than the first allocation: the buffer must grow mid-format. */
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	lake_buf_addf(&b, "[%s]", big);
	CHECK_INT(b.len, 6 + 2 + 999);
	CHECK(b.data[6] == '[' && b.data[7] == 'z' && b.data[1005] == 'z');
	CHECK(b.data[1006] == ']');
	CHECK(well_formed(&b));
	lake_buf_release(&b);
}

static void test_grow(void)
{
	struct lake_buf b = LAKE_BUF_INIT;
	char *before;

	/* grow on an empty buffer must leave a valid empty string. */
	lake_buf_grow(&b, 10);
	CHECK(b.data != NULL);
	CHECK_INT(b.len, 0);
	CHECK(b.cap >= 11);
	CHECK_STR(b.data, "");
	lake_buf_grow(&b, 0);
	CHECK_STR(b.data, "");

	lake_buf_addstr(&b, "keep");
	lake_buf_grow(&b, 100000);
	CHECK(b.cap >= 4 + 100000 + 1);
	CHECK_STR(b.data, "keep");
	CHECK_INT(b.len, 4);
	/* Enough room already: grow must not move the storage. */
	before = b.data;
	lake_buf_grow(&b, 10);
	CHECK(b.data == before);
	lake_buf_release(&b);
}

static void test_many_appends(void)
{
	struct lake_buf b = LAKE_BUF_INIT;
	int ok = 1;

	for (int i = 0; i < 100000; i++)
		lake_buf_addc(&b, (char)('a' + i % 26));
	CHECK_INT(b.len, 100000);
	for (int i = 0; i < 100000; i++)
		ok &= b.data[i] == (char)('a' + i % 26);
	CHECK(ok);
	CHECK(well_formed(&b));
	lake_buf_release(&b);
}

static void test_consume(void)
{
	struct lake_buf b = LAKE_BUF_INIT;

	lake_buf_consume(&b, 0);
	lake_buf_consume(&b, 5);
	CHECK(well_formed(&b));

	lake_buf_addstr(&b, "hello world");
	lake_buf_consume(&b, 0);
	CHECK_STR(b.data, "hello world");
	lake_buf_consume(&b, 6);
	CHECK_STR(b.data, "world");
	CHECK_INT(b.len, 5);
	CHECK(well_formed(&b));
	lake_buf_consume(&b, 5);
	CHECK_STR(b.data, "");
	CHECK_INT(b.len, 0);
	lake_buf_addstr(&b, "abc");
	lake_buf_consume(&b, 1000);
	CHECK_STR(b.data, "");
	CHECK_INT(b.len, 0);
	CHECK(well_formed(&b));
	lake_buf_release(&b);
}

static void test_reset(void)
{
	struct lake_buf b = LAKE_BUF_INIT;
	size_t cap;

	lake_buf_reset(&b);
	CHECK(b.data == NULL);
	lake_buf_addstr(&b, "something long enough");
	cap = b.cap;
	lake_buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.data, "");
	/* The storage is kept for reuse. */
	CHECK_INT(b.cap, cap);
	lake_buf_addstr(&b, "new");
	CHECK_STR(b.data, "new");
	lake_buf_release(&b);
}

static void test_detach(void)
{
	struct lake_buf b = LAKE_BUF_INIT;
	char *p;

	lake_buf_addstr(&b, "owned");
	p = lake_buf_detach(&b);
	CHECK_STR(p, "owned");
	CHECK(b.data == NULL);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, 0);
	free(p);

	/* Detaching a buffer that never held anything still gives a string to free. */
	p = lake_buf_detach(&b);
	CHECK(p != NULL);
	CHECK_STR(p, "");
	free(p);

	/* The buffer is usable again after a detach. */
	lake_buf_addstr(&b, "again");
	CHECK_STR(b.data, "again");
	lake_buf_release(&b);
}

static void test_xstr(void)
{
	char *a = lake_xstrdup("dup");
	char *b = lake_xstrndup("abcdef", 3);

	CHECK_STR(a, "dup");
	CHECK_STR(b, "abc");
	free(a);
	free(b);
}

/* Decode JSON text that must be a single string; returns its bytes (malloc'd) or NULL. */
static char *decode_json_string(const char *text, size_t *len)
{
	json_error_t err;
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	char *out = NULL;

	if (v && json_is_string(v)) {
		*len = json_string_length(v);
		out = lake_xmalloc(*len + 1);
		memcpy(out, json_string_value(v), *len + 1);
	}
	json_decref(v);
	return out;
}

static void test_json_string_escapes(void)
{
	struct lake_buf b = LAKE_BUF_INIT;

	lake_buf_add_json_string(&b, "plain", 5);
	CHECK_STR(b.data, "\"plain\"");
	lake_buf_reset(&b);
	lake_buf_add_json_string(&b, "", 0);
	CHECK_STR(b.data, "\"\"");
	lake_buf_reset(&b);
	lake_buf_add_json_string(&b, "q\"b\\n\nr\rt\t", 10);
	CHECK_STR(b.data, "\"q\\\"b\\\\n\\nr\\rt\\t\"");
	lake_buf_reset(&b);
	/* Other control characters, NUL included, as \u00XX with lower-case hex. */
	lake_buf_add_json_string(&b, "\x00\x01\x08\x0c\x1b\x1f", 6);
	CHECK_STR(b.data, "\"\\u0000\\u0001\\u0008\\u000c\\u001b\\u001f\"");
	lake_buf_reset(&b);
	/* DEL and non-ASCII need no escape; '/' neither. */
	lake_buf_add_json_string(&b, "\x7f/\xc3\xa9", 4);
	CHECK_STR(b.data, "\"\x7f/\xc3\xa9\"");
	lake_buf_reset(&b);
	/* Appends: what was there stays. */
	lake_buf_addstr(&b, "k:");
	lake_buf_add_json_string(&b, "v", 1);
	CHECK_STR(b.data, "k:\"v\"");
	CHECK(well_formed(&b));
	lake_buf_release(&b);
}

static void test_json_string_roundtrip(void)
{
	struct lake_buf b = LAKE_BUF_INIT;
	char all[128];
	size_t len = 0;
	char *back;

	/* Every ASCII byte, NUL and controls included, must come back from a JSON parser. */
	for (int i = 0; i < 128; i++)
		all[i] = (char)i;
	lake_buf_add_json_string(&b, all, sizeof all);
	back = decode_json_string(b.data, &len);
	CHECK(back != NULL);
	if (back) {
		CHECK_INT(len, sizeof all);
		CHECK(memcmp(back, all, sizeof all) == 0);
	}
	free(back);
	lake_buf_release(&b);
}

struct utf8_case {
	const char *in;
	size_t n;
	const char *want; /* the JSON text expected, quotes included */
};

#define R "\xEF\xBF\xBD" /* U+FFFD in UTF-8 */
#define U8(s) s, sizeof(s) - 1

static const struct utf8_case utf8_cases[] = {
    {U8("ascii"), "\"ascii\""},
    {U8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
    /* The highest code point and U+FFFF are valid. */
    {U8("\xf4\x8f\xbf\xbf\xef\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\xef\xbf\xbf\""},
    /* Lone continuation bytes. */
    {U8("a\x80z"), "\"a" R "z\""},
    {U8("\xbf\xbf"), "\"" R R "\""},
    /* Overlong encodings of '/' and of U+0000. */
    {U8("\xc0\xaf"), "\"" R R "\""},
    {U8("\xc1\xbf"), "\"" R R "\""},
    {U8("\xe0\x80\xaf"), "\"" R R R "\""},
    {U8("\xf0\x80\x80\xaf"), "\"" R R R R "\""},
    /* UTF-16 surrogates encoded in UTF-8. */
    {U8("\xed\xa0\x80"), "\"" R R R "\""},
    {U8("\xed\xbf\xbf"), "\"" R R R "\""},
    /* Truncated sequences, at the end and followed by ASCII. */
    {U8("\xe2\x82"), "\"" R R "\""},
    {U8("\xe2\x82x"), "\"" R R "x\""},
    {U8("\xf0\x9f\x98"), "\"" R R R "\""},
    {U8("\xc3"), "\"" R "\""},
    /* Beyond U+10FFFF, and bytes that never start a sequence. */
    {U8("\xf4\x90\x80\x80"), "\"" R R R R "\""},
    {U8("\xf5\x80\x80\x80"), "\"" R R R R "\""},
    {U8("\xfe\xff"), "\"" R R "\""},
    /* Escaping still applies to the valid parts. */
    {U8("\x80\"\n\x01"), "\"" R "\\\"\\n\\u0001\""},
};

static void test_json_string_utf8_cases(void)
{
	for (size_t i = 0; i < sizeof utf8_cases / sizeof utf8_cases[0]; i++) {
		struct lake_buf b = LAKE_BUF_INIT;
		size_t len = 0;
		char *back;

		lake_buf_add_json_string_utf8(&b, utf8_cases[i].in, utf8_cases[i].n);
		CHECK_STR(b.data, utf8_cases[i].want);
		back = decode_json_string(b.data, &len);
		CHECK(back != NULL);
		free(back);
		lake_buf_release(&b);
	}
}

static void test_json_string_utf8_empty(void)
{
	struct lake_buf b = LAKE_BUF_INIT;

	lake_buf_add_json_string_utf8(&b, "", 0);
	CHECK_STR(b.data, "\"\"");
	lake_buf_release(&b);
}

/* Bytes drawn mostly from the interesting corners of UTF-8, so invalid and valid mixes occur. */
static unsigned char random_byte(uint64_t *s)
{
	static const unsigned char pool[] = {0x00, 0x01, 0x1f, '"',  '\\', 'a',	 0x7f, 0x80,
					     0x8f, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0,
					     0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
	uint64_t r = xorshift(s);

	if (r % 4 == 0)
		return (unsigned char)(r >> 8);
	return pool[(r >> 8) % sizeof pool];
}

/* Whether s is valid UTF-8: jansson refuses to build a string from anything else. */
static int is_valid_utf8(const char *s, size_t n)
{
	json_t *v = json_stringn(s, n);
	int ok = v != NULL;

	json_decref(v);
	return ok;
}

static void test_json_string_utf8_random(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int parsed = 0, same = 0, valid_inputs = 0;
	const int rounds = 5000;

	for (int i = 0; i < rounds; i++) {
		struct lake_buf b = LAKE_BUF_INIT;
		unsigned char in[64];
		size_t n = xorshift(&seed) % sizeof in, len = 0;
		char *back;

		for (size_t k = 0; k < n; k++)
			in[k] = random_byte(&seed);
		lake_buf_add_json_string_utf8(&b, (const char *)in, n);
		back = decode_json_string(b.data, &len);
		parsed += back != NULL;
		/* Valid input must come through unchanged, byte for byte. */
		if (is_valid_utf8((const char *)in, n)) {
			valid_inputs++;
			same += back && len == n && memcmp(back, in, n) == 0;
		}
		free(back);
		lake_buf_release(&b);
	}
	CHECK_INT(parsed, rounds);
	CHECK_INT(same, valid_inputs);
	/* The generator must actually produce both kinds, or the test proves little. */
	CHECK(valid_inputs > 50);
	CHECK(valid_inputs < rounds - 50);
}

/* Doubles as JSON numbers: shortest text that reads back exactly, ".0" on integral values. */
static void test_add_double(void)
{
	static const struct {
		double d;
		const char *want;
	} cases[] = {{406.78, "406.78"},
		     {0.1 + 0.2, "0.30000000000000004"},
		     {-1.5, "-1.5"},
		     {3.0, "3.0"},
		     {-0.0, "-0.0"},
		     {1e300, "1e+300"},
		     {1234567.125, "1234567.125"},
		     {0.000001, "0.000001"},
		     {-0.25, "-0.25"}};
	struct lake_buf b = LAKE_BUF_INIT;
	uint64_t seed = 99;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		lake_buf_reset(&b);
		lake_buf_add_double(&b, cases[i].d);
		CHECK_STR(b.data, cases[i].want);
	}
	/* Infinities are the strings JSON readers know; NaN, NULL in SQL, is null. */
	lake_buf_reset(&b);
	lake_buf_add_double(&b, 1e308 * 10);
	lake_buf_add_double(&b, -1e308 * 10);
	lake_buf_add_double(&b, nan(""));
	CHECK_STR(b.data, "\"Infinity\"\"-Infinity\"null");
	/* Random doubles of every kind read back bit for bit. */
	int mismatches = 0;
	for (int k = 0; k < 100000; k++) {
		uint64_t bits = xorshift(&seed);
		double d;
		if (k % 2) {
			memcpy(&d, &bits, sizeof d);
		} else {
			d = (double)(int64_t)(bits % 100000000) / 100.0; /* prices */
		}
		if (!isfinite(d))
			continue;
		lake_buf_reset(&b);
		lake_buf_add_double(&b, d);
		double back = strtod(b.data, NULL);
		mismatches += memcmp(&back, &d, sizeof d) != 0;
	}
	CHECK_INT(mismatches, 0);
	lake_buf_release(&b);
}

/* Integers in decimal, checked against printf over the edges and a sweep. */
static void test_add_int(void)
{
	static const int64_t edges[] = {0,
					1,
					-1,
					9,
					10,
					-10,
					99,
					100,
					INT64_MAX,
					INT64_MIN,
					INT64_MIN + 1,
					1000000007,
					-999999999999LL};
	char want[32];

	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
		struct lake_buf b = LAKE_BUF_INIT;
		lake_buf_add_int(&b, edges[i]);
		snprintf(want, sizeof want, "%lld", (long long)edges[i]);
		CHECK_STR(b.data, want);
		lake_buf_release(&b);
	}
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 100000; i++) {
		struct lake_buf b = LAKE_BUF_INIT;
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		int64_t v = (int64_t)(x >> (x & 63));
		lake_buf_add_int(&b, v);
		snprintf(want, sizeof want, "%lld", (long long)v);
		if (strcmp(b.data, want) != 0) {
			CHECK_STR(b.data, want);
			lake_buf_release(&b);
			break;
		}
		lake_buf_release(&b);
	}
}

int main(void)
{
	T_RUN(test_add_double);
	T_RUN(test_add);
	T_RUN(test_add_int);
	T_RUN(test_add_nothing_allocates);
	T_RUN(test_addf);
	T_RUN(test_grow);
	T_RUN(test_many_appends);
	T_RUN(test_consume);
	T_RUN(test_reset);
	T_RUN(test_detach);
	T_RUN(test_xstr);
	T_RUN(test_json_string_escapes);
	T_RUN(test_json_string_roundtrip);
	T_RUN(test_json_string_utf8_cases);
	T_RUN(test_json_string_utf8_empty);
	T_RUN(test_json_string_utf8_random);
	T_DONE();
}
