/*
 * inspect.c - reading one file as a crawl does: its format (CSV, TSV,
 * NDJSON, Parquet, a text log by its classifier), whether a CSV file has
 * a header, and the columns, statistics and rows it holds.
 */
#include "crawl/crawl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "formats/classifier.h"
#include "formats/input.h"
#include "formats/reader.h"
#include "parquet/parquet_describe.h"
#include "store/table_props.h"
#include "values/infer.h"

/*
 * The most frequent of , TAB | ; in the first line: what separates this
 * CSV's fields; 0 when the line has none of them or starts like JSON.
 */
static char guess_delimiter(const char *path)
{
	static const char candidates[] = {',', '\t', '|', ';'};
	struct lake_error ignored = {0};
	struct lake_input *in;
	char buf[65536];
	size_t count[4] = {0}, best = 0;
	ssize_t n, i = 0;

	if (lake_input_open(path, &in, &ignored) < 0)
		return 0;
	n = lake_input_read(in, buf, sizeof buf, 0, &ignored);
	lake_input_close(in);
	while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i < n && (buf[i] == '{' || buf[i] == '['))
		return 0;
	for (; i < n && buf[i] != '\n'; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\f')
			return 0; /* binary data: not CSV, whatever its separators */
		for (size_t c = 0; c < 4; c++)
			count[c] += buf[i] == candidates[c];
	}
	for (size_t c = 1; c < 4; c++)
		if (count[c] > count[best])
			best = c;
	return count[best] ? candidates[best] : 0;
}

/* Read the first rows with no header to decide whether the file has one. */
static int sniff_header(const char *path, enum lake_format fmt, char delim, const char **why)
{
	struct lake_error ignored = {0};
	struct lake_input *in = NULL;
	struct lake_reader *r = NULL;
	struct lake_record rec;
	char **rows[HEADER_SAMPLE_ROWS];
	size_t *lens[HEADER_SAMPLE_ROWS], n = 0, width = 0;
	int header = 0;

	if (lake_input_open(path, &in, &ignored) < 0 || lake_reader_open(in, fmt, &r, &ignored) < 0)
		goto out;
	lake_reader_set_csv(r, 0, delim);
	while (n < HEADER_SAMPLE_ROWS && lake_reader_next(r, &rec, 0, &ignored) == 1) {
		if (rec.error)
			continue;
		if (n == 0)
			width = rec.nfields;
		if (rec.nfields != width)
			continue;
		rows[n] = lake_xcalloc(width ? width : 1, sizeof **rows);
		lens[n] = lake_xcalloc(width ? width : 1, sizeof **lens);
		for (size_t c = 0; c < width; c++) {
			rows[n][c] =
			    rec.field[c] ? lake_xstrndup(rec.field[c], rec.field_len[c]) : NULL;
			lens[n][c] = rec.field_len[c];
		}
		n++;
	}
	if (n)
		header = lake_infer_csv_header((const char *const *const *)rows,
					       (const size_t *const *)lens, n, width, why);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < width; c++)
			free(rows[i][c]);
		free(rows[i]);
		free(lens[i]);
	}
out:
	lake_reader_close(r);
	lake_input_close(in);
	return header;
}

static const char *format_of(enum lake_format f, char delim)
{
	if (f == LAKE_FORMAT_NDJSON)
		return "ndjson";
	if (f == LAKE_FORMAT_JSON)
		return "json";
	if (f == LAKE_FORMAT_TEXT)
		return "text";
	return delim == '\t' || f == LAKE_FORMAT_TSV ? "tsv" : "csv";
}

/* The table's csv.header property, when set, overrides detection. */
static int header_override(const struct table_crawl *tc, int *value, const char **why)
{
	json_t *v = json_object_get(tc->props, LAKE_PROP_CSV_HEADER);

	if (json_is_boolean(v)) {
		*value = json_is_true(v);
		*why = "csv.header is set on the table";
		return 1;
	}
	if (json_object_get(tc->props, LAKE_PROP_CSV_COLUMNS)) {
		*value = 1;
		*why = "the table's CSV files have a header";
		return 1;
	}
	return 0;
}

/* The table's csv.delimiter property (lake-catalog set), or 0 to detect it. */
static char delimiter_override(const struct table_crawl *tc)
{
	json_t *v = json_object_get(tc->props, LAKE_PROP_CSV_DELIMITER);
	const char *d = json_string_value(v);

	return d && strlen(d) == 1 ? d[0] : 0;
}

static json_t *header_names(struct lake_reader *r)
{
	const char *const *names;
	const size_t *lens;
	size_t n = lake_reader_header(r, &names, &lens);
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_stringn(names[i], lens[i]));
	return a;
}

static void observe_record(struct lake_schema *s, struct lake_reader *r,
			   const struct lake_record *rec, int csv)
{
	const char *const *names;
	const size_t *lens;

	lake_schema_count_row(s);
	if (!csv) {
		lake_schema_observe_json(s, rec->json, rec->json_len);
		return;
	}
	lake_reader_header(r, &names, &lens);
	for (size_t i = 0; i < rec->nfields; i++)
		lake_schema_observe_text(s, names[i], rec->field[i], rec->field_len[i]);
}

static int read_records(struct result *res, const struct found *f, struct lake_reader *r,
			struct lake_schema *s, int csv)
{
	struct lake_error err = {0};
	struct lake_record rec;
	struct lake_buf msg = LAKE_BUF_INIT;
	int rc;

	while ((rc = lake_reader_next(r, &rec, 0, &err)) == 1) {
		if (rec.error) {
			lake_buf_addf(&msg, "%s:%llu:%llu: %s; the file is not registered", f->rel,
				      (unsigned long long)rec.line, (unsigned long long)rec.column,
				      rec.error);
			lake_crawl_result_error(res, msg.data);
			lake_buf_release(&msg);
			return -1;
		}
		observe_record(s, r, &rec, csv);
	}
	if (rc < 0) {
		lake_crawl_result_error(res, err.msg);
		return -1;
	}
	return 0;
}

/*
 * The first custom classifier that matches the file's first non-blank
 * line (a file named for its format is not theirs), or NULL.
 */
static const struct lake_classifier *custom_classifier(const struct table_crawl *tc,
						       const char *path)
{
	struct lake_error ignored = {0};
	struct lake_input *in;
	struct lake_group groups[64];
	char buf[65536];
	ssize_t n;
	const char *p, *stop, *nl;

	if (!tc->o->nclassifiers || lake_format_from_name(path) != LAKE_FORMAT_AUTO)
		return NULL;
	if (lake_input_open(path, &in, &ignored) < 0)
		return NULL;
	n = lake_input_read(in, buf, sizeof buf, 0, &ignored);
	lake_input_close(in);
	if (n <= 0)
		return NULL;
	for (p = buf, stop = buf + n; p < stop && (*p == '\n' || *p == '\r'); p++)
		;
	nl = memchr(p, '\n', (size_t)(stop - p));
	size_t len = (size_t)((nl ? nl : stop) - p);
	if (len && p[len - 1] == '\r')
		len--;
	for (size_t k = 0; len && k < tc->o->nclassifiers; k++) {
		const struct lake_classifier *c = &tc->o->classifiers[k];
		if (c->ngroups <= 64 && lake_classifier_match(c, p, len, groups))
			return c;
	}
	return NULL;
}

/* A line of a classified file: its named groups are its fields, typed like CSV's. */
static int observe_line(struct lake_schema *s, const struct lake_classifier *c,
			const struct lake_record *rec, struct lake_group *groups)
{
	if (!lake_classifier_match(c, rec->raw, rec->raw_len, groups))
		return -1;
	lake_schema_count_row(s);
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->names[i])
			lake_schema_observe_text(s, c->names[i], groups[i].text, groups[i].len);
	return 0;
}

static int read_lines(struct result *res, const struct lake_classifier *c, struct lake_reader *r,
		      struct lake_schema *s)
{
	struct lake_error err = {0};
	struct lake_record rec;
	struct lake_group groups[64];
	struct lake_buf msg = LAKE_BUF_INIT;
	int rc;

	while ((rc = lake_reader_next(r, &rec, 0, &err)) == 1)
		if (observe_line(s, c, &rec, groups) < 0) {
			lake_buf_addf(&msg,
				      "%s:%llu: line does not match classifier '%s'; the file is "
				      "not registered",
				      res->file->rel, (unsigned long long)rec.line, c->name);
			lake_crawl_result_error(res, msg.data);
			lake_buf_release(&msg);
			return -1;
		}
	if (rc < 0) {
		lake_crawl_result_error(res, err.msg);
		return -1;
	}
	return 0;
}

/*
 * The reader sniffs commas and tabs; a first line separated by '|' or ';'
 * (or by the table's csv.delimiter) makes a CSV file here.
 */
static enum lake_format sniff_separated(const struct table_crawl *tc, const char *path)
{
	char seen = guess_delimiter(path), d = delimiter_override(tc);

	/* The table's separator applies to text with fields, never to JSON or binary data. */
	if (!seen)
		return LAKE_FORMAT_AUTO;
	if (!d)
		d = seen;
	return d == '|' || d == ';' ? LAKE_FORMAT_CSV : LAKE_FORMAT_AUTO;
}

/* Whether the file starts as Parquet does, whatever its name. */
static int looks_parquet(const char *path)
{
	unsigned char head[4];
	FILE *fp = fopen(path, "rb");
	int yes = fp && fread(head, 1, sizeof head, fp) == sizeof head &&
		  lake_parquet_sniff(head, sizeof head);

	if (fp)
		fclose(fp);
	return yes;
}

/* A Parquet file: columns, rows and statistics from its footer; no page is read. */
static int read_parquet(struct result *res, const char *path)
{
	struct lake_parquet_description d;
	struct lake_error err = {0};

	if (lake_parquet_describe(path, &d, &err) < 0) {
		lake_crawl_result_error(res, err.msg);
		return -1;
	}
	res->columns = json_incref(d.columns);
	res->stats = json_incref(d.stats);
	res->rows = d.rows;
	res->raw_bytes = 0;
	res->zstd = 0;
	snprintf(res->format, sizeof res->format, "%s", "parquet");
	lake_parquet_description_release(&d);
	return 0;
}

int lake_crawl_read_file(const struct table_crawl *tc, struct result *res)
{
	const struct found *f = res->file;
	struct lake_buf abs = LAKE_BUF_INIT;
	struct lake_error err = {0};
	struct lake_input *in = NULL;
	struct lake_reader *r = NULL;
	struct lake_schema *s = NULL;
	enum lake_format fmt;
	char delim = 0;
	int rc = -1, header = 1, csv;
	const char *why = "";

	lake_path(tc->lake, &abs, f->rel);
	fmt = lake_format_from_name(f->rel);
	if (fmt == LAKE_FORMAT_PARQUET || (fmt == LAKE_FORMAT_AUTO && looks_parquet(abs.data))) {
		rc = read_parquet(res, abs.data);
		lake_buf_release(&abs);
		return rc;
	}
	const struct lake_classifier *custom = custom_classifier(tc, abs.data);
	if (custom)
		fmt = LAKE_FORMAT_TEXT;
	else if (fmt == LAKE_FORMAT_AUTO)
		fmt = sniff_separated(tc, abs.data);
	if (lake_input_open(abs.data, &in, &err) < 0 || lake_reader_open(in, fmt, &r, &err) < 0) {
		lake_crawl_result_error(res, err.msg);
		goto out;
	}
	fmt = lake_reader_format(r);
	csv = fmt == LAKE_FORMAT_CSV || fmt == LAKE_FORMAT_TSV;
	/* lake-put validated its files when it landed them; zstd's checksums guard them since. */
	lake_reader_set_trusted(r, res->known_id != 0 && lake_input_is_zstd(in));
	if (csv) {
		delim = delimiter_override(tc);
		if (!delim)
			delim = fmt == LAKE_FORMAT_TSV ? '\t' : guess_delimiter(abs.data);
		if (!delim)
			delim = ',';
		if (!header_override(tc, &header, &why))
			header = sniff_header(abs.data, fmt, delim, &why);
		lake_reader_set_csv(r, header, delim);
		lake_crawl_result_event(res,
					json_pack("{s:s, s:s, s:b, s:s}", "event", "csv_header",
						  "file", f->rel, "header", header, "reason", why));
	}
	s = lake_schema_new();
	if (custom ? read_lines(res, custom, r, s) < 0 : read_records(res, f, r, s, csv) < 0)
		goto out;
	if (custom)
		snprintf(res->classifier, sizeof res->classifier, "%s", custom->name);
	if (csv && header)
		res->csv_header = header_names(r);
	res->delim = delim;
	res->columns = lake_schema_columns_json(s);
	res->stats = lake_schema_stats_json(s);
	res->rows = lake_schema_rows(s);
	res->raw_bytes = 0;
	res->zstd = lake_input_is_zstd(in);
	snprintf(res->format, sizeof res->format, "%s", format_of(fmt, delim));
	rc = 0;
out:
	lake_schema_free(s);
	lake_reader_close(r);
	lake_input_close(in);
	lake_buf_release(&abs);
	return rc;
}
