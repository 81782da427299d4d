/*
 * parquet_convert.c - NDJSON records, as lake-put buffers them, written
 * as a Parquet file with the columns their observation inferred.
 *
 * Each record's members are matched to the columns by name; a value is
 * handed to the writer in the form its column takes: numbers as numbers
 * (an integer widens into a double column), strings decoded, booleans as
 * such, and anything in a string column (a number, a boolean, an object
 * that made the column a string) as its JSON text, as lake-query would
 * show it.  Nested objects and arrays are written as JSON text.
 */
#include "ingest/parquet_convert.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "formats/input.h"
#include "values/jscan.h"
#include "formats/reader.h"

struct converter {
	struct lake_parquet_field *fields;
	const char **keys; /* per field, the member its values come from */
	size_t n;
	struct lake_parquet_value *values;
	size_t *text_off;     /* where a TEXT value's bytes start in text, until they stop moving */
	struct lake_buf text; /* the record's decoded strings */
	struct lake_buf key;  /* a key with escapes, decoded */
};

static enum lake_kind kind_of(const char *type)
{
	struct lake_type *t = type ? lake_type_parse(type) : NULL;
	enum lake_kind k = t ? lake_type_kind(t) : LAKE_T_STRING;

	if (t)
		lake_type_free(t);
	return k == LAKE_T_NULL ? LAKE_T_STRING : k;
}

static void converter_init(struct converter *c, json_t *columns)
{
	memset(c, 0, sizeof *c);
	c->n = json_array_size(columns);
	c->fields = lake_xcalloc(c->n ? c->n : 1, sizeof *c->fields);
	c->values = lake_xcalloc(c->n ? c->n : 1, sizeof *c->values);
	c->text_off = lake_xcalloc(c->n ? c->n : 1, sizeof *c->text_off);
	c->keys = lake_xcalloc(c->n ? c->n : 1, sizeof *c->keys);
	for (size_t i = 0; i < c->n; i++) {
		json_t *col = json_array_get(columns, i);
		json_t *key = json_object_get(col, "key");
		c->fields[i].name = json_string_value(json_object_get(col, "name"));
		c->keys[i] = key ? json_string_value(key) : c->fields[i].name;
		c->fields[i].kind = kind_of(json_string_value(json_object_get(col, "type")));
	}
}

static void converter_release(struct converter *c)
{
	free(c->fields);
	free(c->keys);
	free(c->values);
	free(c->text_off);
	lake_buf_release(&c->text);
	lake_buf_release(&c->key);
}

/* The column a member's key names, or -1; `hint` first, as records keep their order. */
static long column_of(struct converter *c, const struct lake_jmember *m, size_t hint)
{
	const char *key = m->key;
	size_t len = m->key_len;

	if (m->key_has_escape) {
		lake_buf_reset(&c->key);
		lake_buf_grow(&c->key, len + 1);
		long n = lake_jkey_decode(m->key, m->key_len, c->key.data);
		if (n < 0)
			return -1;
		key = c->key.data;
		len = (size_t)n;
	}
	for (size_t k = 0; k < c->n; k++) {
		size_t i = (hint + k) % c->n;
		if (strlen(c->keys[i]) == len && memcmp(c->keys[i], key, len) == 0)
			return (long)i;
	}
	return -1;
}

/* A TEXT value of these bytes; its pointer is set once the record's text stops moving. */
static void set_text(struct converter *c, size_t col, const char *s, size_t n)
{
	c->values[col].kind = LAKE_PQ_TEXT;
	c->values[col].len = n;
	c->text_off[col] = c->text.len;
	lake_buf_add(&c->text, s, n);
}

static int set_string(struct converter *c, size_t col, const struct lake_jvalue *v)
{
	size_t at = c->text.len;

	lake_buf_grow(&c->text, v->len + 1);
	long n = lake_jstring_decode(v, c->text.data + at);
	if (n < 0)
		return -1;
	c->values[col].kind = LAKE_PQ_TEXT;
	c->values[col].len = (size_t)n;
	c->text_off[col] = at;
	c->text.len = at + (size_t)n;
	return 0;
}

static int set_value(struct converter *c, size_t col, const struct lake_jvalue *v)
{
	enum lake_kind k = c->fields[col].kind;
	struct lake_parquet_value *pv = &c->values[col];

	switch (v->type) {
	case LAKE_JNULL:
		pv->kind = LAKE_PQ_NULL;
		return 0;
	case LAKE_JTRUE:
	case LAKE_JFALSE:
		if (k != LAKE_T_BOOLEAN)
			break;
		pv->kind = LAKE_PQ_BOOL;
		pv->i = v->type == LAKE_JTRUE;
		return 0;
	case LAKE_JNUMBER:
		if (k != LAKE_T_BIGINT && k != LAKE_T_DOUBLE)
			break;
		switch (lake_jnumber_parse(v->start, v->len, &pv->i, &pv->d)) {
		case LAKE_JNUM_INT:
			pv->kind = LAKE_PQ_INT;
			return 0;
		case LAKE_JNUM_DOUBLE:
			pv->kind = LAKE_PQ_DOUBLE;
			return 0;
		default:
			return -1;
		}
	case LAKE_JSTRING:
		/* An infinity, which JSON spells as a string (jscan.h), is a double's. */
		if (k == LAKE_T_DOUBLE && v->len >= 2 &&
		    lake_infinity_parse(v->start + 1, v->len - 2, &pv->d)) {
			pv->kind = LAKE_PQ_DOUBLE;
			return 0;
		}
		return set_string(c, col, v);
	default:
		break;
	}
	/* Another kind of value than the column's: its JSON text, as the column is text. */
	set_text(c, col, v->start, v->len);
	return 0;
}

/*
 * The record's values, in column order; -1 when a value cannot be decoded.
 * Of a key that comes twice the last member is the value (a later
 * set_value() replaces an earlier one), as every reader of lake's takes it.
 */
static int convert_record(struct converter *c, const char *json, size_t len)
{
	struct lake_jmembers it;
	struct lake_jmember m;
	size_t hint = 0;

	lake_buf_reset(&c->text);
	for (size_t i = 0; i < c->n; i++)
		c->values[i].kind = LAKE_PQ_NULL;
	lake_jmembers_begin(&it, json, len);
	while (lake_jmembers_next(&it, &m)) {
		long col = column_of(c, &m, hint);
		if (col < 0)
			continue;
		hint = (size_t)col + 1;
		if (set_value(c, (size_t)col, &m.value) < 0)
			return -1;
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->values[i].kind == LAKE_PQ_TEXT)
			c->values[i].s = c->text.data + c->text_off[i];
	return 0;
}

static int write_records(struct converter *c, struct lake_reader *r, struct lake_parquet_writer *w,
			 const char *in_path, struct lake_error *e)
{
	struct lake_record rec;
	int rc;

	while ((rc = lake_reader_next(r, &rec, 0, e)) == 1) {
		if (rec.error || convert_record(c, rec.json, rec.json_len) < 0)
			return lake_err(e, LAKE_EX_SOFTWARE,
					"%s:%llu: a record lake-put buffered is "
					"not valid JSON",
					in_path, (unsigned long long)rec.line);
		if (lake_parquet_writer_add(w, c->values, e) < 0)
			return lake_err_wrap(e, "%s:%llu", in_path, (unsigned long long)rec.line);
	}
	return rc;
}

int lake_parquet_write_ndjson(const char *in_path, json_t *columns, int fd, const char *name,
			      const struct lake_parquet_write_options *o, struct lake_error *e)
{
	struct lake_input *in = NULL;
	struct lake_reader *r = NULL;
	struct lake_parquet_writer *w = NULL;
	struct converter c;
	int rc = -1;

	converter_init(&c, columns);
	if (lake_input_open(in_path, &in, e) < 0 ||
	    lake_reader_open(in, LAKE_FORMAT_NDJSON, &r, e) < 0 ||
	    lake_parquet_writer_open(fd, name, c.fields, c.n, o, &w, e) < 0)
		goto out;
	lake_reader_set_trusted(r, 1);
	lake_reader_no_raw(r);
	if (write_records(&c, r, w, in_path, e) == 0 && lake_parquet_writer_finish(w, e) == 0)
		rc = 0;
out:
	if (w)
		lake_parquet_writer_free(w);
	lake_reader_close(r);
	lake_input_close(in);
	converter_release(&c);
	return rc;
}
