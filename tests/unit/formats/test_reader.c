/*
 * test_reader.c - records out of NDJSON, JSON, CSV and TSV inputs.
 *
 * Each input is built in memory, written to a file of its own and read
 * back through lake_input and lake_reader, the way lake-put reads it.
 * Every record is copied out, since a record's pointers only last until
 * the next call.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "base/buf.h"
#include "formats/input.h"
#include "formats/reader.h"
#include "scratch.h"
#include "t.h"

/* ---- reading a whole input into copies ---- */

struct rec {
	char *json;
	size_t json_len;
	size_t nfields;
	char **field; /* NULL entries stay NULL */
	size_t *field_len;
	uint64_t line, column;
	char *error;
	char *raw;
	size_t raw_len;
};

struct run {
	int open_rc;
	enum lake_format fmt; /* what the reader settled on */
	struct rec *r;
	size_t n, cap;
	int rc; /* the last lake_reader_next() result: 0 at a clean end, -1 on error */
	struct lake_error e;
	char **header;
	size_t nheader;
};

static char *dup_or_null(const char *s, size_t n)
{
	return s ? lake_xstrndup(s, n) : NULL;
}

static void keep_record(struct run *run, const struct lake_record *src)
{
	struct rec *d;

	if (run->n == run->cap) {
		run->cap = run->cap ? run->cap * 2 : 16;
		run->r = lake_xrealloc(run->r, run->cap * sizeof *run->r);
	}
	d = &run->r[run->n++];
	memset(d, 0, sizeof *d);
	d->json = dup_or_null(src->json, src->json_len);
	d->json_len = src->json_len;
	d->nfields = src->nfields;
	if (src->nfields) {
		d->field = lake_xcalloc(src->nfields, sizeof *d->field);
		d->field_len = lake_xcalloc(src->nfields, sizeof *d->field_len);
		for (size_t i = 0; i < src->nfields; i++) {
			d->field[i] = dup_or_null(src->field[i], src->field_len[i]);
			d->field_len[i] = src->field_len[i];
		}
	}
	d->line = src->line;
	d->column = src->column;
	d->error = src->error ? lake_xstrdup(src->error) : NULL;
	d->raw = dup_or_null(src->raw, src->raw_len);
	d->raw_len = src->raw_len;
}

static void keep_header(struct run *run, struct lake_reader *r)
{
	const char *const *names;
	const size_t *lens;
	size_t n = lake_reader_header(r, &names, &lens);

	run->nheader = n;
	if (!n)
		return;
	run->header = lake_xcalloc(n, sizeof *run->header);
	for (size_t i = 0; i < n; i++)
		run->header[i] = lake_xstrndup(names[i], lens[i]);
}

/* run_input() asks the reader to keep no raw text (lake_reader_no_raw). */
static int without_raw;

static void run_input(struct lake_input *in, enum lake_format fmt, struct run *run)
{
	struct lake_reader *r = NULL;
	struct lake_record rec;

	run->open_rc = lake_reader_open(in, fmt, &r, &run->e);
	if (run->open_rc < 0) {
		run->rc = -1;
		return;
	}
	run->fmt = lake_reader_format(r);
	if (without_raw)
		lake_reader_no_raw(r);
	while ((run->rc = lake_reader_next(r, &rec, 0, &run->e)) == 1)
		keep_record(run, &rec);
	/* The end stays the end. */
	if (run->rc == 0)
		CHECK_INT(lake_reader_next(r, &rec, 0, &run->e), 0);
	keep_header(run, r);
	lake_reader_close(r);
}

static const char *new_path(const char *suffix)
{
	static char path[2048];
	static int counter;

	snprintf(path, sizeof path, "%s/in-%d%s", scratch, ++counter, suffix);
	return path;
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return;
	if (n)
		fwrite(p, 1, n, f);
	fclose(f);
}

static void run_file(const char *path, enum lake_format fmt, struct run *run)
{
	struct lake_input *in = NULL;

	memset(run, 0, sizeof *run);
	if (lake_input_open(path, &in, &run->e) < 0) {
		run->open_rc = run->rc = -1;
		return;
	}
	run_input(in, fmt, run);
	lake_input_close(in);
}

static void run_bytes(const void *p, size_t n, enum lake_format fmt, struct run *run)
{
	const char *path = new_path("");

	write_bytes(path, p, n);
	run_file(path, fmt, run);
}

static void run_text(const char *s, enum lake_format fmt, struct run *run)
{
	run_bytes(s, strlen(s), fmt, run);
}

static void run_free(struct run *run)
{
	for (size_t i = 0; i < run->n; i++) {
		struct rec *d = &run->r[i];
		for (size_t k = 0; k < d->nfields; k++)
			free(d->field[k]);
		free(d->field);
		free(d->field_len);
		free(d->json);
		free(d->error);
		free(d->raw);
	}
	free(run->r);
	for (size_t i = 0; i < run->nheader; i++)
		free(run->header[i]);
	free(run->header);
	memset(run, 0, sizeof *run);
}

/* Whether JSON text has whitespace outside its strings. */
static int has_outer_space(const char *s, size_t n)
{
	int in_string = 0, escaped = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_string) {
			if (escaped)
				escaped = 0;
			else if (c == '\\')
				escaped = 1;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			return 1;
		}
	}
	return 0;
}

/* Check record i is good JSON equal to want, starting at line. */
static void check_json_rec(const struct run *run, size_t i, const char *want, uint64_t line)
{
	if (i >= run->n) {
		CHECK(!"record exists");
		return;
	}
	const struct rec *d = &run->r[i];
	CHECK_STR(d->error ? d->error : "(none)", "(none)");
	CHECK_STR(d->json, want);
	CHECK_INT(d->json_len, strlen(want));
	CHECK_INT(d->line, line);
}

static void check_err_rec(const struct run *run, size_t i, const char *why, uint64_t line,
			  uint64_t column, const char *raw)
{
	if (i >= run->n) {
		CHECK(!"record exists");
		return;
	}
	const struct rec *d = &run->r[i];
	CHECK(d->error != NULL);
	if (why)
		CHECK_STR(d->error, why);
	CHECK_INT(d->line, line);
	CHECK_INT(d->column, column);
	if (raw)
		CHECK_STR(d->raw, raw);
}

/* Check record i is a good CSV row with these fields; NULL in want means a NULL field. */
static void check_row(const struct run *run, size_t i, uint64_t line, size_t n,
		      const char *const *want)
{
	if (i >= run->n) {
		CHECK(!"record exists");
		return;
	}
	const struct rec *d = &run->r[i];
	CHECK_STR(d->error ? d->error : "(none)", "(none)");
	CHECK_INT(d->line, line);
	CHECK_INT(d->nfields, n);
	for (size_t k = 0; k < n && k < d->nfields; k++) {
		if (!want[k]) {
			CHECK(d->field[k] == NULL);
		} else {
			CHECK_STR(d->field[k], want[k]);
			CHECK_INT(d->field_len[k], strlen(want[k]));
		}
	}
}

/* clang-format off */
#define ROW(...) (const char *const[]){__VA_ARGS__}
/* clang-format on */
#define NROW(...) sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)
#define CHECK_ROW(run, i, line, ...) check_row(run, i, line, NROW(__VA_ARGS__), ROW(__VA_ARGS__))

/* ---- NDJSON ---- */

static void test_ndjson_lines(void)
{
	struct run run;

	/* BOM, CRLF, a blank CRLF line, a whitespace-only line, and no final newline. */
	run_text("\xEF\xBB\xBF{\"a\":1}\r\n"
		 "\r\n"
		 "   \t \n"
		 "{\"b\":\"x y\"}\n"
		 "\n"
		 "{\"c\":3}",
		 LAKE_FORMAT_NDJSON, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 3);
	check_json_rec(&run, 0, "{\"a\":1}", 1);
	check_json_rec(&run, 1, "{\"b\":\"x y\"}", 4);
	check_json_rec(&run, 2, "{\"c\":3}", 6);
	if (run.n == 3) {
		CHECK_STR(run.r[0].raw, "{\"a\":1}");
		CHECK_STR(run.r[2].raw, "{\"c\":3}");
	}
	run_free(&run);
}

static void test_ndjson_empty_inputs(void)
{
	static const char *const inputs[] = {"",	 "\n",		 "\r\n\r\n",
					     "  \n\t\n", "\xEF\xBB\xBF", "\xEF\xBB\xBF\n"};

	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		struct run run;
		run_text(inputs[i], LAKE_FORMAT_NDJSON, &run);
		CHECK_INT(run.rc, 0);
		CHECK_INT(run.n, 0);
		run_free(&run);
	}
}

static void test_ndjson_bad_lines(void)
{
	struct run run;

	run_text("{\"a\":1}\n"
		 "{\"a\":}\n"
		 "[1,2]\n"
		 "\"just a string\"\r\n"
		 "{\"b\":2}\n"
		 "{\"a\":1} x\n"
		 "{\"c\":\n"
		 "{\"d\":4}\n",
		 LAKE_FORMAT_NDJSON, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 8);
	check_json_rec(&run, 0, "{\"a\":1}", 1);
	/* The '}' where a value should be: byte 6. */
	check_err_rec(&run, 1, NULL, 2, 6, "{\"a\":}");
	check_err_rec(&run, 2, "record is not a JSON object", 3, 1, "[1,2]");
	check_err_rec(&run, 3, "record is not a JSON object", 4, 1, "\"just a string\"");
	check_json_rec(&run, 4, "{\"b\":2}", 5);
	/* Text after the object: the 'x' at byte 9. */
	check_err_rec(&run, 5, NULL, 6, 9, "{\"a\":1} x");
	/* The line ends where a value should start: one past the last byte. */
	check_err_rec(&run, 6, NULL, 7, 6, "{\"c\":");
	check_json_rec(&run, 7, "{\"d\":4}", 8);
	run_free(&run);
}

static void test_ndjson_huge_line(void)
{
	enum { BIG = 20 * 1024 * 1024 };
	struct lake_buf b = LAKE_BUF_INIT;
	struct run run;
	size_t first_len;

	/* One 20 MB record, far more than a read, then a small one. */
	lake_buf_addstr(&b, "{\"big\":\"");
	lake_buf_grow(&b, BIG);
	for (size_t i = 0; i < BIG; i++)
		b.data[b.len + i] = (char)('a' + i % 23);
	b.len += BIG;
	lake_buf_addstr(&b, "\"}");
	first_len = b.len;
	lake_buf_addstr(&b, "\r\n{\"after\":1}\n");
	run_bytes(b.data, b.len, LAKE_FORMAT_NDJSON, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 2);
	if (run.n == 2) {
		CHECK(run.r[0].error == NULL);
		CHECK_INT(run.r[0].json_len, first_len);
		CHECK(run.r[0].json_len == first_len &&
		      memcmp(run.r[0].json, b.data, first_len) == 0);
		CHECK_INT(run.r[0].line, 1);
		check_json_rec(&run, 1, "{\"after\":1}", 2);
	}
	run_free(&run);
	lake_buf_release(&b);
}

/* ---- JSON ---- */

/*
 * A record as long as the limit is read; one byte more is refused, naming
 * the input and the line where the record starts (the reader cannot get
 * past it: -1), whatever the format and wherever the record ends.
 */
static void limit_case(const char *text, enum lake_format fmt, uint64_t limit, size_t nrecords,
		       int refused_at_line)
{
	struct run run;
	char want[64];

	lake_reader_default_max_record(limit);
	run_text(text, fmt, &run);
	lake_reader_default_max_record(LAKE_MAX_RECORD_DEFAULT);
	CHECK_INT(run.n, nrecords);
	if (!refused_at_line) {
		CHECK_INT(run.rc, 0);
	} else {
		CHECK_INT(run.rc, -1);
		CHECK_INT(run.e.code, LAKE_EX_DATAERR);
		snprintf(want, sizeof want, ":%d: " LAKE_RECORD_TOO_LONG " ", refused_at_line);
		CHECK(strstr(run.e.msg, want) != NULL);
	}
	run_free(&run);
}

static void test_record_size_limit(void)
{
	/* NDJSON: {"a":"xx"} is 10 bytes. */
	limit_case("{\"a\":1}\n{\"a\":\"xx\"}\n{\"a\":3}\n", LAKE_FORMAT_NDJSON, 10, 3, 0);
	limit_case("{\"a\":1}\n{\"a\":\"xxx\"}\n{\"a\":3}\n", LAKE_FORMAT_NDJSON, 10, 1, 2);
	/* Sniffing reads the first line whole: the limit holds there too. */
	limit_case("{\"a\":\"xxx\"}\n", LAKE_FORMAT_AUTO, 10, 0, 1);
	/* JSON: the value that starts on line 3 is 11 bytes over two lines. */
	limit_case("[\n{\"a\":1},\n{\"a\":\n\"xx\"}\n]\n", LAKE_FORMAT_JSON, 11, 2, 0);
	limit_case("[\n{\"a\":1},\n{\"a\":\n\"xxx\"}\n]\n", LAKE_FORMAT_JSON, 11, 1, 3);
	/* CSV: a row whose quoted field runs over lines, 10 bytes with its inner newline. */
	limit_case("a,b\n1,2\n3,\"x\nyyyy\"\n5,6\n", LAKE_FORMAT_CSV, 10, 3, 0);
	limit_case("a,b\n1,2\n3,\"x\nyyyyy\"\n5,6\n", LAKE_FORMAT_CSV, 10, 1, 3);
	/* Plain rows are lines. */
	limit_case("a,b\n1,22\n", LAKE_FORMAT_CSV, 4, 1, 0);
	limit_case("a,b\n1,222\n", LAKE_FORMAT_CSV, 4, 0, 2);
}

static void test_json_pretty_array(void)
{
	struct run run;
	size_t i;

	run_text("[\n"
		 "  {\n"
		 "    \"a\": [1, 2, {\"x\": \"]\"}],\n"
		 "    \"s\": \"br[ack}ets {\\\" and \\\\ done  \",\n"
		 "    \"n\": {\"deep\": {\"deeper\": []}}\n"
		 "  },\n"
		 "  {\"b\": \"\\\\\"},\n"
		 "  {\"c\": \"\\\\\\\"\", \"d\" : [ ] },\n"
		 "\t{}\n"
		 "]\n",
		 LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 4);
	check_json_rec(&run, 0,
		       "{\"a\":[1,2,{\"x\":\"]\"}],\"s\":\"br[ack}ets {\\\" and \\\\ done  \","
		       "\"n\":{\"deep\":{\"deeper\":[]}}}",
		       2);
	check_json_rec(&run, 1, "{\"b\":\"\\\\\"}", 7);
	check_json_rec(&run, 2, "{\"c\":\"\\\\\\\"\",\"d\":[]}", 8);
	check_json_rec(&run, 3, "{}", 9);
	for (i = 0; i < run.n; i++)
		CHECK(run.r[i].json && !has_outer_space(run.r[i].json, run.r[i].json_len));
	run_free(&run);
}

static void test_json_empty_arrays(void)
{
	static const char *const inputs[] = {"[]", "[ \n ]\n", "\n\n  [\n]\n\n", "\xEF\xBB\xBF[]"};

	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		struct run run;
		run_text(inputs[i], LAKE_FORMAT_JSON, &run);
		CHECK_INT(run.rc, 0);
		CHECK_INT(run.n, 0);
		run_free(&run);
	}
}

static void test_json_object_sequence(void)
{
	struct run run;

	/* No array: objects one after another, pretty or not. */
	run_text("{\"a\":1}\n"
		 "{\n"
		 "  \"b\": [1,\n"
		 "        2]\n"
		 "}\n"
		 "  {\"c\": \"}{\"} {\"d\":4}\n",
		 LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 4);
	check_json_rec(&run, 0, "{\"a\":1}", 1);
	check_json_rec(&run, 1, "{\"b\":[1,2]}", 2);
	check_json_rec(&run, 2, "{\"c\":\"}{\"}", 6);
	check_json_rec(&run, 3, "{\"d\":4}", 6);
	run_free(&run);
}

static void test_json_unclosed_array(void)
{
	struct run run;

	run_text("[{\"a\":1},\n{\"b\":2}\n", LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.n, 2);
	CHECK_INT(run.rc, -1);
	CHECK_INT(run.e.code, LAKE_EX_DATAERR);
	CHECK(strstr(run.e.msg, "not closed") != NULL);
	run_free(&run);

	/* Ends right after a comma. */
	run_text("[{\"a\":1},", LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.n, 1);
	CHECK_INT(run.rc, -1);
	CHECK(strstr(run.e.msg, "not closed") != NULL);
	run_free(&run);

	/* Ends inside an element. */
	run_text("[{\"a\":1},\n {\"b\":[2,\n", LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.n, 1);
	CHECK_INT(run.rc, -1);
	CHECK_INT(run.e.code, LAKE_EX_DATAERR);
	CHECK(strstr(run.e.msg, "unexpected end of input") != NULL);
	CHECK(strstr(run.e.msg, ":2:") != NULL);
	run_free(&run);

	/* Ends inside a string that holds a bracket. */
	run_text("[{\"a\":\"]}", LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.n, 0);
	CHECK_INT(run.rc, -1);
	run_free(&run);
}

static void test_json_missing_comma(void)
{
	struct run run;

	run_text("[{\"a\":1}\n{\"b\":2}]\n", LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.n, 1);
	CHECK_INT(run.rc, -1);
	CHECK_INT(run.e.code, LAKE_EX_DATAERR);
	CHECK(strstr(run.e.msg, "expected ',' or ']'") != NULL);
	/* The message names the line of the offending '{'. */
	CHECK(strstr(run.e.msg, ":2:") != NULL);
	run_free(&run);

	run_text("[{\"a\":1}] [{\"b\":2}]", LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.n, 1);
	CHECK_INT(run.rc, -1);
	CHECK(strstr(run.e.msg, "after the closing ']'") != NULL);
	run_free(&run);
}

static void test_json_element_not_object(void)
{
	struct run run;

	run_text("[{\"a\":1}, 5, \"x]\", [1, {}], null, true, {\"b\":2}]", LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 7);
	check_json_rec(&run, 0, "{\"a\":1}", 1);
	/* Each is pointed at where it starts on its line. */
	static const unsigned columns[] = {0, 11, 14, 20, 29, 35};
	for (size_t i = 1; i <= 5; i++)
		check_err_rec(&run, i, "record is not a JSON object", 1, columns[i], NULL);
	if (run.n == 7) {
		CHECK_STR(run.r[1].raw, "5");
		CHECK_STR(run.r[2].raw, "\"x]\"");
		CHECK_STR(run.r[3].raw, "[1, {}]");
		CHECK_STR(run.r[4].raw, "null");
	}
	check_json_rec(&run, 6, "{\"b\":2}", 1);
	run_free(&run);
}

static void test_json_malformed_element_multiline(void)
{
	struct run run;

	/* The error is on the 5th line of the input, the 3rd of the element: "tru" at byte 10. */
	run_text("[\n"
		 "{\"ok\": 1},\n"
		 "{\n"
		 "    \"a\": 1,\n"
		 "    \"b\": tru\n"
		 "  },\n"
		 "{\"after\": 2}\n"
		 "]\n",
		 LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 3);
	check_json_rec(&run, 0, "{\"ok\":1}", 2);
	check_err_rec(&run, 1, NULL, 5, 10, NULL);
	if (run.n == 3) {
		CHECK(run.r[1].json == NULL);
		CHECK(strncmp(run.r[1].raw, "{\n    \"a\": 1,", 13) == 0);
		CHECK(run.r[1].raw[run.r[1].raw_len - 1] == '}');
	}
	check_json_rec(&run, 2, "{\"after\":2}", 7);
	run_free(&run);
}

/*
 * An element that does not start in column 1: the column reported must be
 * the column in the input line, not the offset inside the element.
 */
static void test_json_error_column_first_line(void)
{
	struct run run;

	/* "[{"a":1}, {"b":}]": the bad '}' is byte 16 of line 1. */
	run_text("[{\"a\":1}, {\"b\":}]", LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 2);
	check_err_rec(&run, 1, NULL, 1, 16, "{\"b\":}");
	run_free(&run);

	/* Pretty-printed: the element is indented by two spaces; "tru" is at byte 9. */
	run_text("[\n  {\"a\": tru}\n]\n", LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 1);
	check_err_rec(&run, 0, NULL, 2, 9, NULL);
	run_free(&run);
}

/*
 * Build a pretty-printed array of n elements over several megabytes, with
 * escapes placed so that every 64 KB boundary of the file falls between a
 * backslash and the character it escapes: however the reader's reads are
 * sized (a power of two of at least 64 KB), elements are cut there.
 */
static void build_big_array(struct lake_buf *text, struct lake_buf *compact, size_t n)
{
	const size_t step = 65536;
	size_t next_boundary = step;

	lake_buf_addstr(text, "[\n");
	for (size_t i = 0; i < n; i++) {
		struct lake_buf elem = LAKE_BUF_INIT, flat = LAKE_BUF_INIT, s = LAKE_BUF_INIT;
		char head[64];
		int hn = snprintf(head, sizeof head, "  {\"i\": %zu, \"s\": \"", i);
		size_t start = text->len;
		size_t pad = 20 + i % 50;

		/* Put the backslash of a \" escape on the last byte before the boundary. */
		if (start + (size_t)hn + pad + 80 > next_boundary) {
			size_t want = next_boundary - 1 - start - (size_t)hn;
			pad = want;
			next_boundary += step;
		}
		for (size_t k = 0; k < pad; k++)
			lake_buf_addc(&s, "ab[]{},: "[k % 9]);
		lake_buf_addstr(&s, "\\\"q\\\\\\\"");
		lake_buf_addf(&elem, "%s%s\", \"t\": [ {\"n\": null} , [] ]}", head, s.data);
		lake_buf_addf(&flat, "{\"i\":%zu,\"s\":\"%s\",\"t\":[{\"n\":null},[]]}", i, s.data);
		lake_buf_add(text, elem.data, elem.len);
		lake_buf_addstr(text, i + 1 < n ? ",\n" : "\n");
		lake_buf_add(compact, flat.data, flat.len);
		lake_buf_addc(compact, '\n');
		lake_buf_release(&elem);
		lake_buf_release(&flat);
		lake_buf_release(&s);
	}
	lake_buf_addstr(text, "]\n");
}

static void test_json_big_array_across_reads(void)
{
	enum { N = 40000 };
	struct lake_buf text = LAKE_BUF_INIT, compact = LAKE_BUF_INIT;
	struct run run;
	size_t pos = 0, same = 0, lines_ok = 0, straddled = 0;

	build_big_array(&text, &compact, N);
	CHECK(text.len > 3 * 1024 * 1024);
	/* The layout must really put boundaries inside elements, escapes cut in two. */
	for (size_t b = 65536; b < text.len; b += 65536) {
		straddled += text.data[b - 1] == '\\' && text.data[b] == '"';
	}
	CHECK_INT(straddled, text.len / 65536);
	run_bytes(text.data, text.len, LAKE_FORMAT_JSON, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, N);
	for (size_t i = 0; i < run.n && i < N; i++) {
		const char *nl = strchr(compact.data + pos, '\n');
		size_t len = (size_t)(nl - (compact.data + pos));
		same += run.r[i].json && run.r[i].json_len == len &&
			memcmp(run.r[i].json, compact.data + pos, len) == 0;
		lines_ok += run.r[i].line == i + 2;
		pos += len + 1;
	}
	CHECK_INT(same, N);
	CHECK_INT(lines_ok, N);
	run_free(&run);
	lake_buf_release(&text);
	lake_buf_release(&compact);
}

/* ---- CSV and TSV ---- */

static void test_csv_basic(void)
{
	struct run run;

	run_text("name,qty,note\r\n"
		 "a,1,\"x, y\"\r\n"
		 "b,2,\"say \"\"hi\"\"\"\r\n"
		 "c,3,\"multi\r\nline\"\r\n"
		 "d,,\"\"\r\n"
		 "  e , 5 ,  sp  \r\n"
		 "f,6,\"para\n\nbreak\"\n"
		 "g,7,last",
		 LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.nheader, 3);
	if (run.nheader == 3) {
		CHECK_STR(run.header[0], "name");
		CHECK_STR(run.header[1], "qty");
		CHECK_STR(run.header[2], "note");
	}
	CHECK_INT(run.n, 7);
	CHECK_ROW(&run, 0, 2, "a", "1", "x, y");
	CHECK_ROW(&run, 1, 3, "b", "2", "say \"hi\"");
	CHECK_ROW(&run, 2, 4, "c", "3", "multi\r\nline");
	/* Empty unquoted: NULL; quoted empty: a real empty string. */
	CHECK_ROW(&run, 3, 6, "d", NULL, "");
	/* Spaces around fields are data. */
	CHECK_ROW(&run, 4, 7, "  e ", " 5 ", "  sp  ");
	CHECK_ROW(&run, 5, 8, "f", "6", "para\n\nbreak");
	CHECK_ROW(&run, 6, 11, "g", "7", "last");
	for (size_t i = 0; i < run.n; i++)
		CHECK(run.r[i].json == NULL);
	run_free(&run);
}

static void test_csv_blank_lines_and_header_only(void)
{
	struct run run;

	run_text("a,b\n\n1,2\n   \n3,4\n\n", LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 2);
	CHECK_ROW(&run, 0, 3, "1", "2");
	CHECK_ROW(&run, 1, 5, "3", "4");
	run_free(&run);

	run_text("only,header\n", LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 0);
	CHECK_INT(run.nheader, 2);
	run_free(&run);

	run_text("", LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 0);
	CHECK_INT(run.nheader, 0);
	run_free(&run);

	/* A BOM is not part of the first column's name. */
	run_text("\xEF\xBB\xBFid,v\n1,2\n", LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.nheader, 2);
	if (run.nheader)
		CHECK_STR(run.header[0], "id");
	CHECK_ROW(&run, 0, 2, "1", "2");
	run_free(&run);
}

static void test_csv_ragged_rows(void)
{
	struct run run;

	run_text("a,b\n1,2\n3\n4,5,6\n7,8\n", LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 4);
	CHECK_ROW(&run, 0, 2, "1", "2");
	check_err_rec(&run, 1, NULL, 3, 1, "3");
	check_err_rec(&run, 2, NULL, 4, 1, "4,5,6");
	/* The message gives both counts. */
	if (run.n == 4) {
		CHECK(strncmp(run.r[1].error, "row has 1 ", 10) == 0);
		CHECK(strstr(run.r[1].error, "header 2") != NULL);
		CHECK(strncmp(run.r[2].error, "row has 3 ", 10) == 0);
	}
	CHECK_ROW(&run, 3, 5, "7", "8");
	run_free(&run);
}

static void test_csv_malformed_quoting(void)
{
	struct run run;

	/* Text after a closing quote: the 'y' at byte 6. */
	run_text("a,b\n1,\"x\"y\n2,3\n", LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 2);
	check_err_rec(&run, 0, "malformed quoting", 2, 6, "1,\"x\"y");
	CHECK_ROW(&run, 1, 3, "2", "3");
	run_free(&run);

	/* A quote inside an unquoted field: the quote at byte 4. */
	run_text("a,b\n1,x\"y\n2,3\n", LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 2);
	check_err_rec(&run, 0, "malformed quoting", 2, 4, "1,x\"y");
	CHECK_ROW(&run, 1, 3, "2", "3");
	run_free(&run);

	/* The bad row does not spoil how the next one's fields are told apart. */
	run_text("a,b\n1,\"x\"y\n\"\",\n", LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 2);
	check_err_rec(&run, 0, "malformed quoting", 2, 6, NULL);
	CHECK_ROW(&run, 1, 3, "", NULL);
	run_free(&run);
}

/*
 * Bad quoting on the second line of a multi-line row: line and column
 * must designate the offending byte together (as the JSON reader's do),
 * not the column of that byte paired with the row's first line.
 */
static void test_csv_malformed_quoting_second_line(void)
{
	struct run run;

	/* The 'x' after the closing quote is byte 6 of line 3. */
	run_text("a,b\n1,\"multi\nline\"x\n2,3\n", LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 2);
	check_err_rec(&run, 0, "malformed quoting", 3, 6, NULL);
	CHECK_ROW(&run, 1, 4, "2", "3");
	run_free(&run);
}

static void test_csv_malformed_header(void)
{
	struct run run;

	run_text("a,\"b\"c\n1,2\n", LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.n, 0);
	CHECK_INT(run.rc, -1);
	CHECK_INT(run.e.code, LAKE_EX_DATAERR);
	CHECK(strstr(run.e.msg, "header row") != NULL);
	CHECK(strstr(run.e.msg, "malformed quoting") != NULL);
	run_free(&run);
}

static void test_csv_unterminated_quote(void)
{
	struct run run;

	run_text("a,b\n1,2\n3,\"open\nmore\n", LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.n, 2);
	CHECK_ROW(&run, 0, 2, "1", "2");
	check_err_rec(&run, 1, "unterminated quoted field", 3, 1, NULL);
	if (run.n == 2)
		CHECK(strncmp(run.r[1].raw, "3,\"open\nmore", 12) == 0);
	run_free(&run);
}

static void test_tsv(void)
{
	struct run run;

	run_text("a\tb\tc\n"
		 "1\t2,5\t3\n"
		 " x \t\t\"q\tq\"\n",
		 LAKE_FORMAT_TSV, &run);
	CHECK_INT(run.rc, 0);
	CHECK_INT(run.nheader, 3);
	CHECK_INT(run.n, 2);
	CHECK_ROW(&run, 0, 2, "1", "2,5", "3");
	CHECK_ROW(&run, 1, 3, " x ", NULL, "q\tq");
	run_free(&run);
}

/* ---- sniffing ---- */

struct sniff_case {
	const char *text;
	enum lake_format want;
	size_t records;
};

static const struct sniff_case sniff_cases[] = {
    {"[{\"a\":1},{\"a\":2}]", LAKE_FORMAT_JSON, 2},
    {"\n  [\n{\"a\":1}\n]\n", LAKE_FORMAT_JSON, 1},
    {"\xEF\xBB\xBF[{\"a\":1}]", LAKE_FORMAT_JSON, 1},
    {"{\"a\":1}\n{\"a\":2}\n", LAKE_FORMAT_NDJSON, 2},
    {"{\"a\":1}", LAKE_FORMAT_NDJSON, 1},
    {"{\"a\":1}\r\n{\"a\":2}\r\n", LAKE_FORMAT_NDJSON, 2},
    {"{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}\n", LAKE_FORMAT_JSON, 2},
    {"{\"a\":\n1}", LAKE_FORMAT_JSON, 1},
    {"a\tb\tc\n1\t2\t3\n", LAKE_FORMAT_TSV, 1},
    {"a,b\tc\n1,2\t3\n", LAKE_FORMAT_CSV, 1},
    {"a,b,c\n1,2,3\n4,5,6\n", LAKE_FORMAT_CSV, 2},
    {"", LAKE_FORMAT_NDJSON, 0},
    {"  \n\n", LAKE_FORMAT_NDJSON, 0},
};

static void test_sniff(void)
{
	for (size_t i = 0; i < sizeof sniff_cases / sizeof sniff_cases[0]; i++) {
		struct run run;
		run_text(sniff_cases[i].text, LAKE_FORMAT_AUTO, &run);
		CHECK_INT(run.open_rc, 0);
		CHECK_INT(run.fmt, sniff_cases[i].want);
		CHECK_INT(run.rc, 0);
		CHECK_INT(run.n, sniff_cases[i].records);
		for (size_t k = 0; k < run.n; k++)
			CHECK(run.r[k].error == NULL);
		if (run.fmt != sniff_cases[i].want)
			fprintf(stderr, "  sniff case %zu\n", i);
		run_free(&run);
	}
}

/* A first line with no separator is as likely a log as one-column CSV: refused, not guessed. */
static void test_sniff_refuses_a_line_without_separators(void)
{
	struct run run;

	run_text("GET /index.html 200\nGET /a 404\n", LAKE_FORMAT_AUTO, &run);
	CHECK_INT(run.open_rc, -1);
	run_free(&run);
	run_text("word\nx\n", LAKE_FORMAT_CSV, &run);
	CHECK_INT(run.open_rc, 0);
	CHECK_INT(run.n, 1);
	run_free(&run);
}

static void test_sniff_long_first_line(void)
{
	struct lake_buf b = LAKE_BUF_INIT;
	struct run run;

	/* The first line is longer than one read: it must be seen whole before deciding. */
	lake_buf_addstr(&b, "{\"k\":\"");
	for (int i = 0; i < 3 * 1024 * 1024; i++)
		lake_buf_addc(&b, 'v');
	lake_buf_addstr(&b, "\"}\n{\"k\":2}\n");
	run_bytes(b.data, b.len, LAKE_FORMAT_AUTO, &run);
	CHECK_INT(run.fmt, LAKE_FORMAT_NDJSON);
	CHECK_INT(run.n, 2);
	run_free(&run);

	/*
	 * The same after a blank line: the first line that counts is the
	 * object's.  It matters: read as NDJSON a broken line is one bad
	 * record, read as JSON it ends the input with an error.
	 */
	{
		struct lake_buf c = LAKE_BUF_INIT;
		lake_buf_addstr(&c, "\n");
		lake_buf_add(&c, b.data, b.len);
		lake_buf_addstr(&c, "{\"broken\":\n{\"k\":3}\n");
		run_bytes(c.data, c.len, LAKE_FORMAT_AUTO, &run);
		CHECK_INT(run.fmt, LAKE_FORMAT_NDJSON);
		CHECK_INT(run.rc, 0);
		CHECK_INT(run.n, 4);
		if (run.n == 4) {
			CHECK(run.r[2].error != NULL);
			CHECK_INT(run.r[2].line, 4);
			check_json_rec(&run, 3, "{\"k\":3}", 5);
		}
		run_free(&run);
		lake_buf_release(&c);
	}
	lake_buf_release(&b);
}

/* ---- names ---- */

struct name_case {
	const char *path;
	enum lake_format want;
};

static const struct name_case name_cases[] = {
    {"x.ndjson", LAKE_FORMAT_NDJSON},
    {"dir/x.jsonl", LAKE_FORMAT_NDJSON},
    {"x.json", LAKE_FORMAT_JSON},
    {"x.csv", LAKE_FORMAT_CSV},
    {"x.tsv", LAKE_FORMAT_TSV},
    {"x.ndjson.zst", LAKE_FORMAT_NDJSON},
    {"x.jsonl.zst", LAKE_FORMAT_NDJSON},
    {"/a/b/x.json.zst", LAKE_FORMAT_JSON},
    {"x.csv.zst", LAKE_FORMAT_CSV},
    {"x.tsv.zst", LAKE_FORMAT_TSV},
    {"x.csv.zstd", LAKE_FORMAT_CSV},
    {"x.txt", LAKE_FORMAT_AUTO},
    {"x.zst", LAKE_FORMAT_AUTO},
    {"x", LAKE_FORMAT_AUTO},
    {"", LAKE_FORMAT_AUTO},
    {"x.csv/data", LAKE_FORMAT_AUTO},
    {"x.json.gz", LAKE_FORMAT_AUTO},
    {"x.zst.csv", LAKE_FORMAT_CSV},
};

static void test_format_from_name(void)
{
	for (size_t i = 0; i < sizeof name_cases / sizeof name_cases[0]; i++) {
		enum lake_format got = lake_format_from_name(name_cases[i].path);
		CHECK_INT(got, name_cases[i].want);
		if (got != name_cases[i].want)
			fprintf(stderr, "  name '%s'\n", name_cases[i].path);
	}
	CHECK_INT(lake_format_from_name(NULL), LAKE_FORMAT_AUTO);
}

static void test_format_parse(void)
{
	static const enum lake_format all[] = {LAKE_FORMAT_AUTO, LAKE_FORMAT_NDJSON,
					       LAKE_FORMAT_JSON, LAKE_FORMAT_CSV, LAKE_FORMAT_TSV};
	enum lake_format f = LAKE_FORMAT_CSV;

	CHECK_INT(lake_format_parse("ndjson", &f), 0);
	CHECK_INT(f, LAKE_FORMAT_NDJSON);
	CHECK_INT(lake_format_parse("json", &f), 0);
	CHECK_INT(f, LAKE_FORMAT_JSON);
	CHECK_INT(lake_format_parse("csv", &f), 0);
	CHECK_INT(f, LAKE_FORMAT_CSV);
	CHECK_INT(lake_format_parse("tsv", &f), 0);
	CHECK_INT(f, LAKE_FORMAT_TSV);
	CHECK_INT(lake_format_parse("auto", &f), 0);
	CHECK_INT(f, LAKE_FORMAT_AUTO);
	CHECK_INT(lake_format_parse("jsonl", &f), 0);
	CHECK_INT(f, LAKE_FORMAT_NDJSON);
	/* Unknown names fail and leave the result alone. */
	f = LAKE_FORMAT_TSV;
	CHECK_INT(lake_format_parse("xml", &f), -1);
	CHECK_INT(lake_format_parse("", &f), -1);
	CHECK_INT(lake_format_parse("csv ", &f), -1);
	CHECK_INT(f, LAKE_FORMAT_TSV);
	/* Names and parsing agree. */
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		CHECK_INT(lake_format_parse(lake_format_name(all[i]), &f), 0);
		CHECK_INT(f, all[i]);
	}
}

/* ---- compressed input ---- */

static int same_runs(const struct run *a, const struct run *b)
{
	if (a->rc != b->rc || a->n != b->n || a->fmt != b->fmt || a->nheader != b->nheader)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct rec *x = &a->r[i], *y = &b->r[i];
		if (x->line != y->line || x->column != y->column || x->json_len != y->json_len ||
		    x->nfields != y->nfields || !x->error != !y->error || x->raw_len != y->raw_len)
			return 0;
		if ((x->json && memcmp(x->json, y->json, x->json_len) != 0) ||
		    memcmp(x->raw, y->raw, x->raw_len) != 0)
			return 0;
		for (size_t k = 0; k < x->nfields; k++)
			if (!x->field[k] != !y->field[k] ||
			    (x->field[k] && strcmp(x->field[k], y->field[k]) != 0))
				return 0;
	}
	return 1;
}

/* Read text plain and zstd-compressed (ZSTD_compress: one frame), expecting the same. */
static void check_zstd_same(const char *text, size_t n, enum lake_format fmt, size_t records)
{
	size_t bound = ZSTD_compressBound(n);
	char *z = lake_xmalloc(bound);
	size_t zn = ZSTD_compress(z, bound, text, n, 3);
	struct run plain, packed;

	CHECK(!ZSTD_isError(zn));
	run_bytes(text, n, fmt, &plain);
	run_bytes(z, zn, fmt, &packed);
	CHECK_INT(plain.rc, 0);
	CHECK_INT(packed.rc, 0);
	CHECK_INT(plain.n, records);
	CHECK_INT(packed.n, records);
	CHECK(same_runs(&plain, &packed));
	run_free(&plain);
	run_free(&packed);
	free(z);
}

static void test_zstd_same_records(void)
{
	struct lake_buf nd = LAKE_BUF_INIT, csv = LAKE_BUF_INIT, json = LAKE_BUF_INIT;

	for (int i = 0; i < 60000; i++) {
		lake_buf_addf(&nd, "{\"i\":%d,\"s\":\"v%d\"}%s", i, i * 7, i % 3 ? "\n" : "\r\n");
		if (i % 1000 == 0)
			lake_buf_addstr(&nd, "not json\n\n");
		lake_buf_addf(&csv, "%d,\"q,%d\",%s\n", i, i, i % 5 ? "x" : "");
		lake_buf_addf(&json, "%s\n  {\"i\": %d}", i ? "," : "[", i);
	}
	lake_buf_addstr(&json, "\n]\n");
	check_zstd_same(nd.data, nd.len, LAKE_FORMAT_NDJSON, 60000 + 60);
	check_zstd_same(nd.data, nd.len, LAKE_FORMAT_AUTO, 60000 + 60);
	check_zstd_same(json.data, json.len, LAKE_FORMAT_AUTO, 60000);
	/* The first row is the header. */
	check_zstd_same(csv.data, csv.len, LAKE_FORMAT_CSV, 59999);
	lake_buf_release(&nd);
	lake_buf_release(&csv);
	lake_buf_release(&json);
}

static void test_damaged_compression_is_fatal(void)
{
	struct lake_buf text = LAKE_BUF_INIT;
	size_t bound;
	char *z;
	size_t zn;
	struct run run;

	for (int i = 0; i < 20000; i++)
		lake_buf_addf(&text, "{\"i\":%d}\n", i);
	bound = ZSTD_compressBound(text.len);
	z = lake_xmalloc(bound);
	zn = ZSTD_compress(z, bound, text.data, text.len, 3);
	CHECK(!ZSTD_isError(zn));
	/* Cut short: the records before the cut come out, then an error the reader cannot pass. */
	run_bytes(z, zn - zn / 3, LAKE_FORMAT_NDJSON, &run);
	CHECK_INT(run.rc, -1);
	CHECK_INT(run.e.code, LAKE_EX_DATAERR);
	CHECK(strstr(run.e.msg, "truncated zstd data") != NULL);
	CHECK(run.n < 20000);
	for (size_t i = 0; i < run.n; i++)
		CHECK(run.r[i].error == NULL);
	run_free(&run);
	lake_buf_release(&text);
	free(z);
}

/* ---- a slow pipe: LAKE_INPUT_TIMEOUT then more data ---- */

/*
 * Feed part of the input, expect LAKE_INPUT_TIMEOUT ("call again later;
 * nothing is lost"), feed the rest and expect the whole record.
 */
static void check_resume_after_timeout(enum lake_format fmt, const char *first, const char *rest,
				       const char *want_json)
{
	int fds[2];
	struct lake_input *in;
	struct lake_reader *r = NULL;
	struct lake_error e = {0};
	struct lake_record rec;
	int rc;

	if (pipe(fds) < 0) {
		CHECK(!"pipe");
		return;
	}
	in = lake_input_fdopen(fds[0], "slow");
	CHECK_INT(write(fds[1], first, strlen(first)), strlen(first));
	CHECK_INT(lake_reader_open(in, fmt, &r, &e), 0);
	if (!r)
		goto out;
	rc = lake_reader_next(r, &rec, lake_monotonic_us() + 20000, &e);
	CHECK_INT(rc, LAKE_INPUT_TIMEOUT);
	CHECK_INT(write(fds[1], rest, strlen(rest)), strlen(rest));
	close(fds[1]);
	fds[1] = -1;
	rc = lake_reader_next(r, &rec, 0, &e);
	CHECK_INT(rc, 1);
	if (rc != 1)
		fprintf(stderr, "  %s: %s\n", lake_format_name(fmt), e.msg);
	if (rc == 1) {
		if (rec.error)
			fprintf(stderr, "  %s: record error '%s', raw '%.*s'\n",
				lake_format_name(fmt), rec.error, (int)rec.raw_len, rec.raw);
		CHECK(rec.error == NULL);
		if (want_json) {
			CHECK(rec.json && rec.json_len == strlen(want_json) &&
			      memcmp(rec.json, want_json, rec.json_len) == 0);
		} else {
			CHECK_INT(rec.nfields, 2);
		}
	}
	CHECK_INT(lake_reader_next(r, &rec, 0, &e), 0);
out:
	lake_reader_close(r);
	lake_input_close(in);
	if (fds[1] >= 0)
		close(fds[1]);
	close(fds[0]);
}

static void test_timeout_resume_between_records(void)
{
	check_resume_after_timeout(LAKE_FORMAT_NDJSON, "{\"a\":", "1}\n", "{\"a\":1}");
	check_resume_after_timeout(LAKE_FORMAT_CSV, "a,b\n1,\"x", "y\"\n", NULL);
	check_resume_after_timeout(LAKE_FORMAT_JSON, "[\n  ", "{\"a\":1}]", "{\"a\":1}");
}

static void test_timeout_resume_inside_json_element(void)
{
	/* The pause falls inside a nested object... */
	check_resume_after_timeout(LAKE_FORMAT_JSON, "[{\"a\":{\"b\":", "1}}]",
				   "{\"a\":{\"b\":1}}");
	/* ...and inside a string holding a brace. */
	check_resume_after_timeout(LAKE_FORMAT_JSON, "[{\"a\":\"x{", "y\"}]", "{\"a\":\"x{y\"}");
}

/*
 * Rows without quotes are split by the reader itself, rows with quotes by
 * libcsv: the same rows written both ways (every non-empty field quoted
 * in the second) must read the same, fields, NULLs, lines and errors.
 */
static void csv_plain_vs_quoted(enum lake_format fmt, char delim)
{
	static const char alphabet[] = "ab ;x1\xc3\xa9,\t";
	struct lake_buf plain = LAKE_BUF_INIT, quoted = LAKE_BUF_INIT;
	struct run a, b;
	uint64_t x = 2463534242ULL;

	for (int row = 0; row < 2000; row++) {
		/* Up to 12 fields: lines across several of the splitter's 16-byte steps. */
		int nfields = 1 + (int)((x >> 7) % 12);
		for (int f = 0; f < nfields; f++) {
			struct lake_buf field = LAKE_BUF_INIT;
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (f == 0)
				lake_buf_addc(&field, 'r'); /* no row is blank */
			int len = (int)(x % 7) - 1;	    /* -1..5: often empty */
			for (int k = 0; k < len; k++) {
				char c = alphabet[(x >> (k * 5 + 3)) % (sizeof alphabet - 1)];
				lake_buf_addc(&field, c == delim ? '_' : c);
			}
			if (f) {
				lake_buf_addc(&plain, delim);
				lake_buf_addc(&quoted, delim);
			}
			lake_buf_add(&plain, field.data ? field.data : "", field.len);
			/* An empty field stays unquoted: NULL both ways. */
			int quote = field.len > 0;
			if (quote)
				lake_buf_addc(&quoted, '"');
			lake_buf_add(&quoted, field.data ? field.data : "", field.len);
			if (quote)
				lake_buf_addc(&quoted, '"');
			lake_buf_release(&field);
		}
		const char *eol = x & 1 ? "\r\n" : "\n";
		lake_buf_addstr(&plain, eol);
		lake_buf_addstr(&quoted, eol);
	}
	run_text(plain.data, fmt, &a);
	run_text(quoted.data, fmt, &b);
	CHECK_INT(a.rc, 0);
	CHECK_INT(a.n, b.n);
	CHECK_INT(a.nheader, b.nheader);
	for (size_t i = 0; i < a.n && i < b.n; i++) {
		const struct rec *p = &a.r[i], *q = &b.r[i];
		int same = p->nfields == q->nfields && p->line == q->line &&
			   (p->error == NULL) == (q->error == NULL);
		for (size_t f = 0; same && f < p->nfields; f++)
			same = (p->field[f] == NULL) == (q->field[f] == NULL) &&
			       (!p->field[f] ||
				(p->field_len[f] == q->field_len[f] &&
				 memcmp(p->field[f], q->field[f], p->field_len[f]) == 0));
		if (!same) {
			CHECK(same);
			fprintf(stderr, "  row %zu (line %llu) differs\n", i,
				(unsigned long long)p->line);
			break;
		}
	}
	run_free(&a);
	run_free(&b);
	lake_buf_release(&plain);
	lake_buf_release(&quoted);
}

/* Without raw text CSV records are the same, plain or quoted, good or bad; only raw is NULL. */
static void test_csv_without_raw(void)
{
	static const char text[] = "a,b\n1,\"x\ny\"\n2,\n3\n\"bad,\"x\"y\n4,\"\"\n";
	struct run a, b;

	run_text(text, LAKE_FORMAT_CSV, &a);
	without_raw = 1;
	run_text(text, LAKE_FORMAT_CSV, &b);
	without_raw = 0;
	CHECK_INT(a.rc, b.rc);
	CHECK_INT(a.n, b.n);
	CHECK(a.n >= 4);
	for (size_t i = 0; i < a.n && i < b.n; i++) {
		const struct rec *p = &a.r[i], *q = &b.r[i];
		CHECK(p->raw != NULL && q->raw == NULL);
		CHECK(p->line == q->line && p->column == q->column && p->nfields == q->nfields);
		CHECK((p->error == NULL) == (q->error == NULL));
		for (size_t f = 0; f < p->nfields && f < q->nfields; f++)
			CHECK(
			    (!p->field[f] && !q->field[f]) ||
			    (p->field[f] && q->field[f] && strcmp(p->field[f], q->field[f]) == 0));
	}
	run_free(&a);
	run_free(&b);
}

static void test_csv_plain_rows_split_like_libcsv(void)
{
	csv_plain_vs_quoted(LAKE_FORMAT_CSV, ',');
	csv_plain_vs_quoted(LAKE_FORMAT_TSV, '\t');
}

int main(void)
{
	if (setup_scratch("reader") < 0) {
		perror("mkdtemp");
		return 1;
	}
	T_RUN(test_ndjson_lines);
	T_RUN(test_ndjson_empty_inputs);
	T_RUN(test_ndjson_bad_lines);
	T_RUN(test_ndjson_huge_line);
	T_RUN(test_record_size_limit);
	T_RUN(test_json_pretty_array);
	T_RUN(test_json_empty_arrays);
	T_RUN(test_json_object_sequence);
	T_RUN(test_json_unclosed_array);
	T_RUN(test_json_missing_comma);
	T_RUN(test_json_element_not_object);
	T_RUN(test_json_malformed_element_multiline);
	T_RUN(test_json_error_column_first_line);
	T_RUN(test_json_big_array_across_reads);
	T_RUN(test_csv_basic);
	T_RUN(test_csv_plain_rows_split_like_libcsv);
	T_RUN(test_csv_without_raw);
	T_RUN(test_csv_blank_lines_and_header_only);
	T_RUN(test_csv_ragged_rows);
	T_RUN(test_csv_malformed_quoting);
	T_RUN(test_csv_malformed_quoting_second_line);
	T_RUN(test_csv_malformed_header);
	T_RUN(test_csv_unterminated_quote);
	T_RUN(test_tsv);
	T_RUN(test_sniff);
	T_RUN(test_sniff_long_first_line);
	T_RUN(test_sniff_refuses_a_line_without_separators);
	T_RUN(test_format_from_name);
	T_RUN(test_format_parse);
	T_RUN(test_zstd_same_records);
	T_RUN(test_damaged_compression_is_fatal);
	T_RUN(test_timeout_resume_between_records);
	T_RUN(test_timeout_resume_inside_json_element);
	remove_tree(scratch);
	T_DONE();
}
