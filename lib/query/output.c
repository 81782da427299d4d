#include "query/output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"

/*
 * Listings carry measurements (sizes, ratios), not data to round-trip: 15
 * significant digits print 1.61 where 17 would print 1.6100000000000001.
 */
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

struct lake_out {
	FILE *fp;
	enum lake_out_format format;
	const char *const *columns;
	size_t ncolumns;
	size_t nrecords;
	int failed;
	json_t *rows; /* table: every row's cells, printed at close */
};

int lake_out_format_parse(const char *s, enum lake_out_format *f)
{
	static const struct {
		const char *name;
		enum lake_out_format format;
	} names[] = {{"ndjson", LAKE_OUT_NDJSON},
		     {"json", LAKE_OUT_JSON},
		     {"table", LAKE_OUT_TABLE},
		     {"csv", LAKE_OUT_CSV},
		     {"tsv", LAKE_OUT_TSV}};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i].name) == 0) {
			*f = names[i].format;
			return 0;
		}
	return -1;
}

enum lake_out_format lake_out_resolve(enum lake_out_format f, int fd)
{
	if (f != LAKE_OUT_AUTO)
		return f;
	return isatty(fd) ? LAKE_OUT_TABLE : LAKE_OUT_NDJSON;
}

json_t *lake_out_real(double d, enum lake_out_format f)
{
	int text = f == LAKE_OUT_TABLE || f == LAKE_OUT_CSV || f == LAKE_OUT_TSV;

	if (isnan(d))
		return json_null();
	if (isinf(d) && text)
		return json_string(d > 0 ? "inf" : "-inf");
	if (isinf(d))
		return json_string(d > 0 ? "Infinity" : "-Infinity");
	return json_real(d);
}

/* A cell's text: strings as they are, null and absent empty, the rest as compact JSON. */
static char *cell_text(json_t *v)
{
	if (!v || json_is_null(v))
		return lake_xstrdup("");
	if (json_is_string(v))
		return lake_xstrndup(json_string_value(v), json_string_length(v));
	char *text = json_dumps(v, DUMP_FLAGS | JSON_ENCODE_ANY);
	return text ? text : lake_xstrdup("");
}

static void put_delimited(struct lake_out *o, const char *text, char delim)
{
	int quote = delim == ',' && strpbrk(text, ",\"\r\n") != NULL;

	if (delim == '\t') {
		/* TSV has no quoting: tabs and newlines inside a value become spaces. */
		for (const char *p = text; *p; p++)
			fputc(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p, o->fp);
		return;
	}
	if (!quote) {
		fputs(text, o->fp);
		return;
	}
	fputc('"', o->fp);
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			fputc('"', o->fp);
		fputc(*p, o->fp);
	}
	fputc('"', o->fp);
}

static void put_delimited_row(struct lake_out *o, json_t *rec, char delim)
{
	for (size_t i = 0; i < o->ncolumns; i++) {
		char *text = rec ? cell_text(json_object_get(rec, o->columns[i]))
				 : lake_xstrdup(o->columns[i]);
		if (i)
			fputc(delim, o->fp);
		put_delimited(o, text, delim);
		free(text);
	}
	fputc('\n', o->fp);
}

struct lake_out *lake_out_open(FILE *fp, enum lake_out_format f, const char *const *columns)
{
	struct lake_out *o = lake_xcalloc(1, sizeof *o);

	o->fp = fp;
	o->format = lake_out_resolve(f, fileno(fp));
	o->columns = columns;
	while (columns && columns[o->ncolumns])
		o->ncolumns++;
	if (o->format == LAKE_OUT_TABLE)
		o->rows = json_array();
	if (o->format == LAKE_OUT_CSV && o->ncolumns)
		put_delimited_row(o, NULL, ',');
	else if (o->format == LAKE_OUT_TSV && o->ncolumns)
		put_delimited_row(o, NULL, '\t');
	else if (o->format == LAKE_OUT_JSON)
		fputc('[', fp);
	return o;
}

int lake_out_record(struct lake_out *o, json_t *rec)
{
	switch (o->format) {
	case LAKE_OUT_TABLE:
		json_array_append(o->rows, rec);
		break;
	case LAKE_OUT_CSV:
		if (o->ncolumns)
			put_delimited_row(o, rec, ',');
		break;
	case LAKE_OUT_TSV:
		if (o->ncolumns)
			put_delimited_row(o, rec, '\t');
		break;
	case LAKE_OUT_JSON:
		if (o->nrecords)
			fputc(',', o->fp);
		/* fall through */
	default:
		if (json_dumpf(rec, o->fp, DUMP_FLAGS) < 0)
			o->failed = 1;
		if (o->format != LAKE_OUT_JSON)
			fputc('\n', o->fp);
	}
	o->nrecords++;
	return ferror(o->fp) || o->failed ? -1 : 0;
}

/* Display width of UTF-8 text: one column per code point (no East Asian width tables). */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/*
 * A table cell must stay on one line and keep its width: newlines, tabs
 * and other control characters are shown as C escapes (\n, \t, \x01).
 */
static char *table_cell(json_t *v)
{
	char *text = cell_text(v);
	struct lake_buf b = LAKE_BUF_INIT;
	const unsigned char *p = (const unsigned char *)text;

	while (*p && *p >= 0x20 && *p != 0x7f)
		p++;
	if (!*p)
		return text;
	for (p = (const unsigned char *)text; *p; p++) {
		if (*p == '\n')
			lake_buf_addstr(&b, "\\n");
		else if (*p == '\t')
			lake_buf_addstr(&b, "\\t");
		else if (*p == '\r')
			lake_buf_addstr(&b, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			lake_buf_addf(&b, "\\x%02x", *p);
		else
			lake_buf_addc(&b, (char)*p);
	}
	free(text);
	return lake_buf_detach(&b);
}

static void print_table(struct lake_out *o)
{
	size_t n = json_array_size(o->rows);
	size_t *width = lake_xcalloc(o->ncolumns ? o->ncolumns : 1, sizeof *width);
	char **cells = lake_xcalloc((n + 1) * (o->ncolumns ? o->ncolumns : 1), sizeof *cells);

	for (size_t c = 0; c < o->ncolumns; c++) {
		cells[c] = lake_xstrdup(o->columns[c]);
		width[c] = text_width(cells[c]);
		for (size_t r = 0; r < n; r++) {
			char *t =
			    table_cell(json_object_get(json_array_get(o->rows, r), o->columns[c]));
			cells[(r + 1) * o->ncolumns + c] = t;
			if (text_width(t) > width[c])
				width[c] = text_width(t);
		}
	}
	for (size_t r = 0; r <= n; r++) {
		/* Padding is written only before a non-empty cell, so no line ends in blanks. */
		size_t pad = 0;
		for (size_t c = 0; c < o->ncolumns; c++) {
			const char *t = cells[r * o->ncolumns + c];
			if (*t) {
				for (; pad; pad--)
					fputc(' ', o->fp);
				fputs(t, o->fp);
			}
			pad += width[c] + 2 - text_width(t);
		}
		fputc('\n', o->fp);
	}
	for (size_t i = 0; i < (n + 1) * o->ncolumns; i++)
		free(cells[i]);
	free(cells);
	free(width);
}

int lake_out_close(struct lake_out *o)
{
	int rc;

	if (!o)
		return 0;
	/* Without columns a table has nothing to show; n+1 empty lines would be noise. */
	if (o->format == LAKE_OUT_TABLE && o->ncolumns)
		print_table(o);
	else if (o->format == LAKE_OUT_JSON)
		fputs("]\n", o->fp);
	rc = fflush(o->fp) != 0 || ferror(o->fp) || o->failed ? -1 : 0;
	json_decref(o->rows);
	free(o);
	return rc;
}
