#include "values/infer.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "values/jscan.h"
#include "base/ltime.h"

struct lake_field {
	char *name;
	size_t name_len;
	struct lake_type *type;
};

struct lake_type {
	enum lake_kind kind;
	struct lake_type *elem;	   /* array: the elements' type, NULL until one is seen */
	struct lake_field *fields; /* struct: in the order first seen */
	size_t nfields, cap;
};

/* What one file's scalar column held, for min/max statistics. */
/* The smallest and largest of the integers seen so far. */
struct int_range {
	int64_t min, max;
	int seen;
};

struct column {
	char *name;
	size_t name_len;
	struct lake_type *type;
	uint64_t nonnull;
	unsigned kinds_seen; /* bit per enum lake_kind of the non-null values */
	int nontext;	     /* some value was a JSON number, boolean or nested value, not text */
	struct int_range ints, times, bools; /* times in microseconds; bools 0 and 1 */
	double dmin, dmax;
	struct lake_buf smin, smax;
	int have_d, have_s;
	uint64_t record; /* the record (lake_schema.record) it last had a member in */
	size_t member;	 /* that member's place in lake_schema.members */
};

/* A record's member, observed once the record's last member of its name is known. */
struct member {
	size_t col;
	struct lake_jvalue value;
};

struct lake_schema {
	struct column *cols;
	size_t ncols, cap;
	uint64_t rows;
	struct lake_buf key;  /* a decoded key */
	struct lake_buf text; /* a decoded string value */
	uint64_t record;      /* JSON records observed */
	struct member *members;
	size_t cap_members;
};

/* ---- types ---- */

static const char *kind_name(enum lake_kind k);

static struct lake_type *type_new(enum lake_kind k)
{
	struct lake_type *t = lake_xcalloc(1, sizeof *t);

	t->kind = k;
	return t;
}

void lake_type_free(struct lake_type *t)
{
	if (!t)
		return;
	lake_type_free(t->elem);
	for (size_t i = 0; i < t->nfields; i++) {
		free(t->fields[i].name);
		lake_type_free(t->fields[i].type);
	}
	free(t->fields);
	free(t);
}

enum lake_kind lake_type_kind(const struct lake_type *t)
{
	return t ? t->kind : LAKE_T_NULL;
}

static void drop_children(struct lake_type *t)
{
	lake_type_free(t->elem);
	t->elem = NULL;
	for (size_t i = 0; i < t->nfields; i++) {
		free(t->fields[i].name);
		lake_type_free(t->fields[i].type);
	}
	free(t->fields);
	t->fields = NULL;
	t->nfields = t->cap = 0;
}

static struct lake_type *add_field(struct lake_type *t, const char *name, size_t n)
{
	if (t->nfields == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->fields = lake_xrealloc(t->fields, t->cap * sizeof *t->fields);
	}
	t->fields[t->nfields].name = lake_xstrndup(name, n);
	t->fields[t->nfields].name_len = n;
	t->fields[t->nfields].type = type_new(LAKE_T_NULL);
	return t->fields[t->nfields++].type;
}

static struct lake_type *find_field(struct lake_type *t, const char *name, size_t n)
{
	for (size_t i = 0; i < t->nfields; i++)
		if (t->fields[i].name_len == n && memcmp(t->fields[i].name, name, n) == 0)
			return t->fields[i].type;
	return NULL;
}

/* The kind two kinds widen to. */
static enum lake_kind widen(enum lake_kind a, enum lake_kind b)
{
	if (a == b || b == LAKE_T_NULL)
		return a;
	if (a == LAKE_T_NULL)
		return b;
	if ((a == LAKE_T_BIGINT && b == LAKE_T_DOUBLE) ||
	    (a == LAKE_T_DOUBLE && b == LAKE_T_BIGINT))
		return LAKE_T_DOUBLE;
	if ((a == LAKE_T_DATE && b == LAKE_T_TIMESTAMP) ||
	    (a == LAKE_T_TIMESTAMP && b == LAKE_T_DATE))
		return LAKE_T_TIMESTAMP;
	return LAKE_T_STRING;
}

/* Make t hold kind k as well; returns 1 when t changed. Children go when t becomes a scalar. */
static int widen_to(struct lake_type *t, enum lake_kind k)
{
	enum lake_kind w = widen(t->kind, k);

	if (w == t->kind)
		return 0;
	if (w == LAKE_T_STRING)
		drop_children(t);
	t->kind = w;
	return 1;
}

int lake_type_merge(struct lake_type **dst, const struct lake_type *src)
{
	int changed = 0;

	if (!src)
		return 0;
	if (!*dst) {
		*dst = type_new(LAKE_T_NULL);
		changed = src->kind != LAKE_T_NULL;
	}
	struct lake_type *d = *dst;
	changed |= widen_to(d, src->kind);
	if (d->kind == LAKE_T_ARRAY && src->kind == LAKE_T_ARRAY)
		changed |= lake_type_merge(&d->elem, src->elem);
	if (d->kind == LAKE_T_STRUCT && src->kind == LAKE_T_STRUCT)
		for (size_t i = 0; i < src->nfields; i++) {
			const struct lake_field *f = &src->fields[i];
			struct lake_type *have = find_field(d, f->name, strlen(f->name));
			if (!have) {
				have = add_field(d, f->name, strlen(f->name));
				changed = 1;
			}
			changed |= lake_type_merge(&have, f->type);
		}
	return changed;
}

enum lake_kind lake_kind_widen(enum lake_kind a, enum lake_kind b)
{
	return widen(a, b);
}

const char *lake_kind_name(enum lake_kind k)
{
	return kind_name(k);
}

static const char *kind_name(enum lake_kind k)
{
	static const char *const names[] = {"string",	 "boolean", "bigint", "double", "date",
					    "timestamp", "string",  "array",  "struct"};
	return names[k];
}

/* Field names that would break the type's text are written in backticks. */
static void format_name(const char *name, struct lake_buf *out)
{
	if (!*name || strpbrk(name, ":,<>` ")) {
		lake_buf_addc(out, '`');
		for (const char *p = name; *p; p++) {
			if (*p == '`')
				lake_buf_addc(out, '`');
			lake_buf_addc(out, *p);
		}
		lake_buf_addc(out, '`');
		return;
	}
	lake_buf_addstr(out, name);
}

void lake_type_format(const struct lake_type *t, struct lake_buf *out)
{
	if (!t) {
		lake_buf_addstr(out, "string");
		return;
	}
	if (t->kind == LAKE_T_ARRAY) {
		lake_buf_addstr(out, "array<");
		lake_type_format(t->elem, out);
		lake_buf_addc(out, '>');
	} else if (t->kind == LAKE_T_STRUCT) {
		lake_buf_addstr(out, "struct<");
		for (size_t i = 0; i < t->nfields; i++) {
			if (i)
				lake_buf_addc(out, ',');
			format_name(t->fields[i].name, out);
			lake_buf_addc(out, ':');
			lake_type_format(t->fields[i].type, out);
		}
		lake_buf_addc(out, '>');
	} else {
		lake_buf_addstr(out, kind_name(t->kind));
	}
}

/* ---- parsing type text ---- */

static struct lake_type *parse_type(const char **p);

static int parse_name(const char **p, struct lake_buf *name)
{
	const char *s = *p;

	lake_buf_reset(name);
	lake_buf_add(name, "", 0);
	if (*s == '`') {
		for (s++; *s; s++) {
			if (*s == '`' && s[1] == '`')
				s++;
			else if (*s == '`')
				break;
			lake_buf_addc(name, *s);
		}
		if (*s != '`')
			return -1;
		*p = s + 1;
		return 0;
	}
	while (*s && *s != ':')
		lake_buf_addc(name, *s++);
	*p = s;
	return name->len ? 0 : -1;
}

static struct lake_type *parse_struct(const char **p)
{
	struct lake_type *t = type_new(LAKE_T_STRUCT);
	struct lake_buf name = LAKE_BUF_INIT;

	while (**p != '>') {
		if (parse_name(p, &name) < 0 || **p != ':')
			goto fail;
		(*p)++;
		struct lake_type *ft = parse_type(p);
		if (!ft)
			goto fail;
		add_field(t, name.data, name.len);
		lake_type_free(t->fields[t->nfields - 1].type);
		t->fields[t->nfields - 1].type = ft;
		if (**p == ',')
			(*p)++;
		else if (**p != '>')
			goto fail;
	}
	(*p)++;
	lake_buf_release(&name);
	return t;
fail:
	lake_buf_release(&name);
	lake_type_free(t);
	return NULL;
}

static struct lake_type *parse_type(const char **p)
{
	static const enum lake_kind scalars[] = {LAKE_T_BOOLEAN, LAKE_T_BIGINT,	   LAKE_T_DOUBLE,
						 LAKE_T_DATE,	 LAKE_T_TIMESTAMP, LAKE_T_STRING};

	if (strncmp(*p, "array<", 6) == 0) {
		*p += 6;
		struct lake_type *t = type_new(LAKE_T_ARRAY);
		if (!(t->elem = parse_type(p)) || **p != '>') {
			lake_type_free(t);
			return NULL;
		}
		(*p)++;
		return t;
	}
	if (strncmp(*p, "struct<", 7) == 0) {
		*p += 7;
		return parse_struct(p);
	}
	for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
		size_t n = strlen(kind_name(scalars[i]));
		if (strncmp(*p, kind_name(scalars[i]), n) == 0) {
			*p += n;
			return type_new(scalars[i]);
		}
	}
	return NULL;
}

struct lake_type *lake_type_parse(const char *text)
{
	const char *p = text;
	struct lake_type *t = parse_type(&p);

	if (t && *p) {
		lake_type_free(t);
		return NULL;
	}
	return t;
}

/* ---- what a value is ---- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Dates and timestamps start with four digits and a separator: check that
 * before parsing.  The separator is '-' (ISO-8601) in a JSON string; a
 * CSV field (csv) may also use '/' or '.', which DuckDB's CSV sniffer
 * takes as dates and its JSON reader keeps as text.
 */
static enum lake_kind time_kind(const char *s, size_t n, int csv, int64_t *micros)
{
	if (n < 10 || !is_digit(s[0]) || !is_digit(s[3]) ||
	    (s[4] != '-' && (!csv || (s[4] != '/' && s[4] != '.'))))
		return LAKE_T_STRING;
	switch (lake_time_parse(s, n, micros)) {
	case LAKE_TIME_DATE:
		return LAKE_T_DATE;
	case LAKE_TIME_TIMESTAMP:
		return LAKE_T_TIMESTAMP;
	default:
		return LAKE_T_STRING;
	}
}

static int is_boolean_text(const char *s, size_t n, int *value)
{
	if (n == 4 && strncasecmp(s, "true", 4) == 0)
		return *value = 1, 1;
	if (n == 5 && strncasecmp(s, "false", 5) == 0)
		return *value = 0, 1;
	return 0;
}

static size_t digit_run(const char *s, size_t n, size_t p)
{
	size_t start = p;

	while (p < n && is_digit(s[p]))
		p++;
	return p - start;
}

/*
 * Write s[0..n) as JSON would spell the number (room for n + 2 bytes) and
 * return its length, or 0 when s is not a number lake_text_number_parse()
 * takes.
 */
static size_t json_spelling(const char *s, size_t n, char *out)
{
	size_t p = 0, o = 0, ints, frac;

	if (p < n && (s[p] == '+' || s[p] == '-'))
		if (s[p++] == '-')
			out[o++] = '-';
	ints = digit_run(s, n, p);
	/* A leading zero makes an id (007, 02134), not a number: as in JSON. */
	if (ints > 1 && s[p] == '0')
		return 0;
	if (!ints)
		out[o++] = '0';
	memcpy(out + o, s + p, ints);
	o += ints, p += ints;
	if (p < n && s[p] == '.') {
		frac = digit_run(s, n, ++p);
		if (!ints && !frac)
			return 0;
		out[o++] = '.';
		if (!frac)
			out[o++] = '0';
		memcpy(out + o, s + p, frac);
		o += frac, p += frac;
	} else if (!ints) {
		return 0;
	}
	if (p < n && (s[p] == 'e' || s[p] == 'E')) {
		out[o++] = s[p++];
		if (p < n && (s[p] == '+' || s[p] == '-'))
			out[o++] = s[p++];
		size_t exp = digit_run(s, n, p);
		if (!exp)
			return 0;
		memcpy(out + o, s + p, exp);
		o += exp, p += exp;
	}
	return p == n ? o : 0;
}

enum lake_jnum lake_text_number_parse(const char *s, size_t n, int64_t *i, double *d)
{
	char small[64], *json;
	enum lake_jnum k = n ? lake_jnumber_parse(s, n, i, d) : LAKE_JNUM_BAD;
	size_t len;

	/* Most numbers are JSON's already; only the others are spelt again. */
	if (k != LAKE_JNUM_BAD || !n)
		return k;
	json = n + 2 <= sizeof small ? small : lake_xmalloc(n + 2);
	len = json_spelling(s, n, json);
	k = len ? lake_jnumber_parse(json, len, i, d) : LAKE_JNUM_BAD;
	if (json != small)
		free(json);
	return k;
}

void lake_text_number_json(struct lake_buf *out, const char *s, size_t n)
{
	lake_buf_grow(out, n + 2);
	out->len += json_spelling(s, n, out->data + out->len);
	out->data[out->len] = '\0';
}

enum lake_kind lake_infer_text_kind(const char *s, size_t n)
{
	int64_t i, micros;
	double d;
	int b;

	if (!s || n == 0)
		return LAKE_T_NULL;
	if (is_boolean_text(s, n, &b))
		return LAKE_T_BOOLEAN;
	/* Leading zeros make ids: 007 and 02134 stay strings. */
	switch (lake_text_number_parse(s, n, &i, &d)) {
	case LAKE_JNUM_INT:
		return LAKE_T_BIGINT;
	case LAKE_JNUM_DOUBLE:
		return memchr(s, '.', n) || memchr(s, 'e', n) || memchr(s, 'E', n) ? LAKE_T_DOUBLE
										   : LAKE_T_STRING;
	default:
		return time_kind(s, n, 1, &micros);
	}
}

static int is_identifier(const char *s, size_t n)
{
	if (!n || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == ' ' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

int lake_infer_csv_header(const char *const *const *rows, const size_t *const *lens, size_t nrows,
			  size_t width, const char **why)
{
	int all_strings = 1, some_string = 0, later_typed = 0, identifiers = 1, differ = 1;

	for (size_t c = 0; c < width; c++) {
		enum lake_kind k = lake_infer_text_kind(rows[0][c], lens[0][c]);
		/* A header may leave names empty (an Excel export's "h1;h2;;"). */
		all_strings &= k == LAKE_T_STRING || k == LAKE_T_NULL;
		some_string |= k == LAKE_T_STRING;
		identifiers &= rows[0][c] && is_identifier(rows[0][c], lens[0][c]);
		for (size_t d = 0; d < c; d++)
			if (lens[0][d] == lens[0][c] && rows[0][c] && rows[0][d] &&
			    memcmp(rows[0][d], rows[0][c], lens[0][c]) == 0)
				identifiers = 0;
		for (size_t r = 1; r < nrows; r++) {
			enum lake_kind kr = lake_infer_text_kind(rows[r][c], lens[r][c]);
			later_typed |= kr != LAKE_T_STRING && kr != LAKE_T_NULL;
			if (rows[r][c] && rows[0][c] && lens[r][c] == lens[0][c] &&
			    memcmp(rows[r][c], rows[0][c], lens[0][c]) == 0)
				differ = 0;
		}
	}
	if (all_strings && some_string && later_typed) {
		*why = "first row all strings, and a later column is not";
		return 1;
	}
	if (identifiers && differ && nrows > 1) {
		*why = "first row of distinct names that differ from the data";
		return 1;
	}
	*why = nrows > 1 ? "first row looks like data" : "a single row is data";
	return 0;
}

/* ---- columns and their statistics ---- */

struct lake_schema *lake_schema_new(void)
{
	return lake_xcalloc(1, sizeof(struct lake_schema));
}

void lake_schema_free(struct lake_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ncols; i++) {
		free(s->cols[i].name);
		lake_type_free(s->cols[i].type);
		lake_buf_release(&s->cols[i].smin);
		lake_buf_release(&s->cols[i].smax);
	}
	free(s->cols);
	free(s->members);
	lake_buf_release(&s->key);
	lake_buf_release(&s->text);
	free(s);
}

/* Columns mostly come in the same order record after record: try the expected one first. */
static struct column *column(struct lake_schema *s, size_t hint, const char *name, size_t n)
{
	if (hint < s->ncols && s->cols[hint].name_len == n &&
	    memcmp(s->cols[hint].name, name, n) == 0)
		return &s->cols[hint];
	for (size_t i = 0; i < s->ncols; i++)
		if (s->cols[i].name_len == n && memcmp(s->cols[i].name, name, n) == 0)
			return &s->cols[i];
	if (s->ncols == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->cols = lake_xrealloc(s->cols, s->cap * sizeof *s->cols);
	}
	struct column *c = &s->cols[s->ncols++];
	memset(c, 0, sizeof *c);
	c->name = lake_xstrndup(name, n);
	c->name_len = n;
	c->type = type_new(LAKE_T_NULL);
	return c;
}

static void stat_string(struct column *c, const char *v, size_t n)
{
	/* Byte order, the same as SQLite's BINARY collation. */
	int lower = !c->have_s, higher = !c->have_s;
	if (c->have_s) {
		size_t m = n < c->smin.len ? n : c->smin.len;
		int r = memcmp(v, c->smin.data, m);
		lower = r < 0 || (r == 0 && n < c->smin.len);
		m = n < c->smax.len ? n : c->smax.len;
		r = memcmp(v, c->smax.data, m);
		higher = r > 0 || (r == 0 && n > c->smax.len);
	}
	if (lower) {
		lake_buf_reset(&c->smin);
		lake_buf_add(&c->smin, v, n);
	}
	if (higher) {
		lake_buf_reset(&c->smax);
		lake_buf_add(&c->smax, v, n);
	}
	c->have_s = 1;
}

static void widen_range(struct int_range *r, int64_t v)
{
	if (!r->seen || v < r->min)
		r->min = v;
	if (!r->seen || v > r->max)
		r->max = v;
	r->seen = 1;
}

static void stat_double(struct column *c, double v)
{
	if (!c->have_d || v < c->dmin)
		c->dmin = v;
	if (!c->have_d || v > c->dmax)
		c->dmax = v;
	c->have_d = 1;
}

/* A scalar text value (a CSV field, or a decoded JSON string when from_json). */
static void observe_scalar_text(struct column *c, const char *v, size_t n, int from_json)
{
	enum lake_kind k;
	int64_t i = 0, micros = 0;
	double d = 0;
	int b = 0;

	if (from_json) {
		k = time_kind(v, n, 0, &micros);
	} else {
		k = lake_infer_text_kind(v, n);
		if (k == LAKE_T_NULL)
			return;
		if (k == LAKE_T_DATE || k == LAKE_T_TIMESTAMP)
			lake_time_parse(v, n, &micros);
	}
	/* Infinities are text where JSON or CSV has no number for them (jscan.h): doubles. */
	if (k == LAKE_T_STRING && lake_infinity_parse(v, n, &d))
		k = LAKE_T_DOUBLE;
	c->nonnull++;
	c->kinds_seen |= 1u << k;
	widen_to(c->type, k);
	/* Every text value feeds the text range too: it is the range if the column ends a string.
	 */
	if (k != LAKE_T_STRING)
		stat_string(c, v, n);
	switch (k) {
	case LAKE_T_BIGINT:
		lake_text_number_parse(v, n, &i, &d);
		widen_range(&c->ints, i);
		break;
	case LAKE_T_DOUBLE:
		if (lake_text_number_parse(v, n, &i, &d) == LAKE_JNUM_BAD)
			lake_infinity_parse(v, n, &d);
		stat_double(c, d);
		break;
	case LAKE_T_DATE:
	case LAKE_T_TIMESTAMP:
		widen_range(&c->times, micros);
		break;
	case LAKE_T_BOOLEAN:
		is_boolean_text(v, n, &b);
		widen_range(&c->bools, b);
		break;
	default:
		stat_string(c, v, n);
	}
}

static const char *decode_string(struct lake_schema *s, const struct lake_jvalue *v, size_t *n)
{
	long len;

	/* Most strings hold no escape: their bytes between the quotes are the value. */
	if (!memchr(v->start + 1, '\\', v->len - 2)) {
		*n = v->len - 2;
		return v->start + 1;
	}
	lake_buf_reset(&s->text);
	lake_buf_grow(&s->text, v->len);
	len = lake_jstring_decode(v, s->text.data);
	*n = len < 0 ? 0 : (size_t)len;
	return s->text.data;
}

/* A member's key as its column's name: decoded, a NUL spelt \u0000 (lake_jkey_decode()). */
static const char *key_name(struct lake_schema *s, const struct lake_jmember *m, size_t *n)
{
	long len;

	if (!m->key_has_escape) {
		*n = m->key_len;
		return m->key;
	}
	lake_buf_reset(&s->key);
	lake_buf_grow(&s->key, m->key_len);
	len = lake_jkey_decode(m->key, m->key_len, s->key.data);
	*n = len < 0 ? 0 : (size_t)len;
	return s->key.data;
}

/* Merge the type of a nested JSON value into *t (no statistics below the top level). */
static void observe_nested(struct lake_schema *s, struct lake_type *t, const struct lake_jvalue *v)
{
	struct lake_jiter it;
	int64_t micros;

	switch (v->type) {
	case LAKE_JNULL:
		return;
	case LAKE_JTRUE:
	case LAKE_JFALSE:
		widen_to(t, LAKE_T_BOOLEAN);
		return;
	case LAKE_JNUMBER: {
		int64_t i;
		double d;
		widen_to(t, lake_jnumber_parse(v->start, v->len, &i, &d) == LAKE_JNUM_INT
				? LAKE_T_BIGINT
				: LAKE_T_DOUBLE);
		return;
	}
	case LAKE_JSTRING: {
		size_t n;
		const char *text = decode_string(s, v, &n);
		widen_to(t, time_kind(text, n, 0, &micros));
		return;
	}
	case LAKE_JARRAY: {
		struct lake_jvalue e;
		if (widen_to(t, LAKE_T_ARRAY), t->kind != LAKE_T_ARRAY)
			return;
		lake_jiter_begin(&it, v);
		while (lake_jarray_next(&it, &e)) {
			if (!t->elem)
				t->elem = type_new(LAKE_T_NULL);
			observe_nested(s, t->elem, &e);
		}
		return;
	}
	case LAKE_JOBJECT: {
		struct lake_jmember m;
		/* {} says nothing of the fields: like null, it leaves the type as it is. */
		lake_jiter_begin(&it, v);
		if (!lake_jobject_next(&it, &m))
			return;
		if (widen_to(t, LAKE_T_STRUCT), t->kind != LAKE_T_STRUCT)
			return;
		lake_jiter_begin(&it, v);
		while (lake_jobject_next(&it, &m)) {
			size_t n;
			const char *name = key_name(s, &m, &n);
			struct lake_type *f = find_field(t, name, n);
			if (!f)
				f = add_field(t, name, n);
			observe_nested(s, f, &m.value);
		}
		return;
	}
	default:
		return;
	}
}

static void observe_member(struct lake_schema *s, struct column *c, const struct lake_jvalue *v)
{
	int64_t i;
	double d;
	size_t n;

	switch (v->type) {
	case LAKE_JNULL:
		return;
	case LAKE_JTRUE:
	case LAKE_JFALSE:
		c->nonnull++;
		c->nontext = 1;
		c->kinds_seen |= 1u << LAKE_T_BOOLEAN;
		widen_to(c->type, LAKE_T_BOOLEAN);
		widen_range(&c->bools, v->type == LAKE_JTRUE);
		return;
	case LAKE_JNUMBER:
		c->nonnull++;
		c->nontext = 1;
		if (lake_jnumber_parse(v->start, v->len, &i, &d) == LAKE_JNUM_INT) {
			c->kinds_seen |= 1u << LAKE_T_BIGINT;
			widen_to(c->type, LAKE_T_BIGINT);
			widen_range(&c->ints, i);
		} else {
			c->kinds_seen |= 1u << LAKE_T_DOUBLE;
			widen_to(c->type, LAKE_T_DOUBLE);
			stat_double(c, d);
		}
		return;
	case LAKE_JSTRING: {
		const char *text = decode_string(s, v, &n);
		observe_scalar_text(c, text, n, 1);
		return;
	}
	default:
		c->nonnull++;
		c->nontext = 1;
		c->kinds_seen |= 1u << (v->type == LAKE_JARRAY ? LAKE_T_ARRAY : LAKE_T_STRUCT);
		observe_nested(s, c->type, v);
	}
}

/*
 * Observe one record's members.  A key may repeat in an object: the last
 * of its members is the value, as in jq (and jansson, JavaScript, Python) and every reader of
 * lake's (lake_jobject_get()), so the earlier ones are not observed at
 * all: their types and values are in no column.
 */
void lake_schema_observe_json(struct lake_schema *s, const char *obj, size_t len)
{
	struct lake_jvalue root = lake_json_root(obj, len);
	struct lake_jiter it;
	struct lake_jmember m;
	size_t index = 0, nmembers = 0;

	if (root.type != LAKE_JOBJECT)
		return;
	s->record++;
	lake_jiter_begin(&it, &root);
	while (lake_jobject_next(&it, &m)) {
		size_t n;
		const char *name = key_name(s, &m, &n);
		size_t col = (size_t)(column(s, index++, name, n) - s->cols);
		struct column *c = &s->cols[col];
		if (c->record == s->record) {
			s->members[c->member].value = m.value;
			continue;
		}
		if (nmembers == s->cap_members) {
			s->cap_members = s->cap_members ? s->cap_members * 2 : 16;
			s->members = lake_xrealloc(s->members, s->cap_members * sizeof *s->members);
		}
		c->record = s->record;
		c->member = nmembers;
		s->members[nmembers++] = (struct member){col, m.value};
	}
	for (size_t i = 0; i < nmembers; i++)
		observe_member(s, &s->cols[s->members[i].col], &s->members[i].value);
}

void lake_schema_observe_text(struct lake_schema *s, const char *name, const char *text, size_t n)
{
	struct column *c = column(s, s->ncols, name, strlen(name));

	observe_scalar_text(c, text, n, 0);
}

void lake_schema_count_row(struct lake_schema *s)
{
	s->rows++;
}

uint64_t lake_schema_rows(const struct lake_schema *s)
{
	return s->rows;
}

int lake_schema_only_nulls(const struct lake_schema *s, const char *name)
{
	for (size_t i = 0; i < s->ncols; i++)
		if (strcmp(s->cols[i].name, name) == 0)
			return lake_type_kind(s->cols[i].type) == LAKE_T_NULL;
	return 1;
}

json_t *lake_schema_columns_json(const struct lake_schema *s)
{
	json_t *cols = json_array();
	struct lake_buf t = LAKE_BUF_INIT;

	for (size_t i = 0; i < s->ncols; i++) {
		lake_buf_reset(&t);
		lake_type_format(s->cols[i].type, &t);
		json_t *col = json_pack("{s:s, s:s}", "name", s->cols[i].name, "type", t.data);
		if (lake_type_kind(s->cols[i].type) == LAKE_T_NULL)
			json_object_set_new(col, LAKE_ONLY_NULLS, json_true());
		json_array_append_new(cols, col);
	}
	lake_buf_release(&t);
	return cols;
}

static json_t *time_json(int64_t micros, enum lake_kind k)
{
	char text[40];

	/* In SQL's spelling (lake_time_format_sql()), whatever the file's. */
	if (k == LAKE_T_DATE)
		lake_time_format_date(micros, text);
	else
		lake_time_format_sql(micros, text);
	return json_string(text);
}

/* Min and max for the column's final type, when every value seen was of a kind it keeps exactly. */
static void add_range(json_t *rec, const struct column *c)
{
	json_t *min = NULL, *max = NULL;

	switch (c->type->kind) {
	case LAKE_T_BIGINT:
		min = json_integer(c->ints.min);
		max = json_integer(c->ints.max);
		break;
	case LAKE_T_DOUBLE: {
		/* Integers and reals both fed a double column: the range spans both. */
		double lo = c->have_d ? c->dmin : (double)c->ints.min;
		double hi = c->have_d ? c->dmax : (double)c->ints.max;
		if (c->ints.seen && (double)c->ints.min < lo)
			lo = (double)c->ints.min;
		if (c->ints.seen && (double)c->ints.max > hi)
			hi = (double)c->ints.max;
		min = json_real(lo);
		max = json_real(hi);
		break;
	}
	case LAKE_T_DATE:
	case LAKE_T_TIMESTAMP:
		min = time_json(c->times.min, c->type->kind);
		max = time_json(c->times.max, c->type->kind);
		break;
	case LAKE_T_BOOLEAN:
		min = json_boolean(c->bools.min);
		max = json_boolean(c->bools.max);
		break;
	case LAKE_T_STRING:
		/*
		 * A text range is right only when every value was text in the
		 * file (CSV fields, JSON strings): JSON numbers widened to
		 * string have no agreed text form.
		 */
		if (!c->nontext && c->have_s) {
			min = json_stringn(c->smin.data, c->smin.len);
			max = json_stringn(c->smax.data, c->smax.len);
		}
		break;
	default:
		break;
	}
	json_object_set_new(rec, "min", min ? min : json_null());
	json_object_set_new(rec, "max", max ? max : json_null());
}

json_t *lake_schema_stats_json(const struct lake_schema *s)
{
	json_t *stats = json_array();

	for (size_t i = 0; i < s->ncols; i++) {
		const struct column *c = &s->cols[i];
		if (c->type->kind == LAKE_T_ARRAY || c->type->kind == LAKE_T_STRUCT)
			continue;
		json_t *rec = json_pack("{s:s, s:I}", "column", c->name, "nulls",
					(json_int_t)(s->rows - c->nonnull));
		add_range(rec, c);
		json_array_append_new(stats, rec);
	}
	return stats;
}

/* ---- table schemas ---- */

static json_t *find_column(json_t *cols, const char *name)
{
	for (size_t i = 0; i < json_array_size(cols); i++) {
		json_t *c = json_array_get(cols, i);
		const char *n = json_string_value(json_object_get(c, "name"));
		if (n && strcmp(n, name) == 0)
			return c;
	}
	return NULL;
}

static void merge_one(json_t *merged, json_t *fc, json_t *changes)
{
	const char *name = json_string_value(json_object_get(fc, "name"));
	const char *ftype = json_string_value(json_object_get(fc, "type"));
	json_t *tc = find_column(merged, name);

	if (!name || !ftype)
		return;
	if (!tc) {
		json_t *col = json_pack("{s:s, s:s}", "name", name, "type", ftype);
		if (json_is_true(json_object_get(fc, LAKE_ONLY_NULLS)))
			json_object_set_new(col, LAKE_ONLY_NULLS, json_true());
		json_array_append_new(merged, col);
		json_array_append_new(changes, json_pack("{s:s, s:s, s:s}", "change", "added",
							 "column", name, "type", ftype));
		return;
	}
	/*
	 * A column a file holds only nulls of says nothing of its type: it
	 * neither widens the table's column nor stays "string" once a file
	 * with values types it (a partition where a number is always missing
	 * made the whole column text).
	 */
	if (json_is_true(json_object_get(fc, LAKE_ONLY_NULLS)))
		return;
	if (json_is_true(json_object_get(tc, LAKE_ONLY_NULLS))) {
		json_array_append_new(changes, json_pack("{s:s, s:s, s:O, s:s}", "change",
							 "widened", "column", name, "from",
							 json_object_get(tc, "type"), "to", ftype));
		json_object_set_new(tc, "type", json_string(ftype));
		json_object_del(tc, LAKE_ONLY_NULLS);
		return;
	}
	const char *ttype = json_string_value(json_object_get(tc, "type"));
	struct lake_type *t = lake_type_parse(ttype ? ttype : "string");
	struct lake_type *f = lake_type_parse(ftype);
	struct lake_buf text = LAKE_BUF_INIT;
	if (t && f && lake_type_merge(&t, f)) {
		lake_type_format(t, &text);
		if (strcmp(text.data, ttype) != 0) {
			json_array_append_new(changes, json_pack("{s:s, s:s, s:s, s:s}", "change",
								 "widened", "column", name, "from",
								 ttype, "to", text.data));
			json_object_set_new(tc, "type", json_string(text.data));
		}
	}
	lake_buf_release(&text);
	lake_type_free(t);
	lake_type_free(f);
}

/* Whether type `to` is `from` widened (merging `to` into `from` gives `to`). */
static int widens(const char *from, const char *to)
{
	struct lake_type *t = lake_type_parse(from), *f = lake_type_parse(to);
	struct lake_buf text = LAKE_BUF_INIT;
	int wider = 0;

	if (t && f) {
		lake_type_merge(&t, f);
		lake_type_format(t, &text);
		wider = strcmp(text.data, to) == 0;
	}
	lake_buf_release(&text);
	lake_type_free(t);
	lake_type_free(f);
	return wider;
}

void lake_schema_replace_columns(json_t *before, json_t *now, json_t *changes)
{
	size_t i;
	json_t *c;

	json_array_foreach(now, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *type = json_string_value(json_object_get(c, "type"));
		json_t *was = name ? find_column(before, name) : NULL;
		const char *was_type = was ? json_string_value(json_object_get(was, "type")) : NULL;
		if (!name || !type)
			continue;
		if (!was) {
			json_array_append_new(changes,
					      json_pack("{s:s, s:s, s:s}", "change", "added",
							"column", name, "type", type));
			continue;
		}
		if (!json_object_get(c, "comment") && json_object_get(was, "comment"))
			json_object_set(c, "comment", json_object_get(was, "comment"));
		if (was_type && strcmp(was_type, type) != 0)
			json_array_append_new(
			    changes, json_pack("{s:s, s:s, s:s, s:s}", "change",
					       widens(was_type, type) ? "widened" : "type",
					       "column", name, "from", was_type, "to", type));
	}
	json_array_foreach(before, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		if (name && !find_column(now, name))
			json_array_append_new(changes, json_pack("{s:s, s:s, s:O}", "change",
								 "removed", "column", name, "type",
								 json_object_get(c, "type")));
	}
}

json_t *lake_schema_merge_columns(json_t *table, json_t *file, json_t *changes)
{
	json_t *merged = table ? json_deep_copy(table) : NULL;

	if (!merged)
		merged = json_array();
	for (size_t i = 0; i < json_array_size(file); i++)
		merge_one(merged, json_array_get(file, i), changes);
	return merged;
}
