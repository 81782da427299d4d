/*
 * parquet_meta.c - a Parquet footer and page headers from their Thrift
 * compact form; see parquet_meta.h.  Field ids are parquet.thrift's.
 *
 * Each struct reader lists the fields it reads with the type it expects
 * (lake_thrift_next_known); everything else a writer put there, newer
 * fields or an old id of a new type, is skipped whole.
 */
#include <stdlib.h>
#include <string.h>

#include "parquet/parquet_meta.h"
#include "parquet/thrift_decode.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A schema element before the tree is checked to be flat. */
struct schema_elem {
	int has_type;
	struct lake_pq_leaf leaf;
	const uint8_t *name;
	size_t name_len;
	int32_t num_children;
};

static int fail(struct lake_thrift_in *in, const char *why)
{
	in->why = why;
	return -1;
}

/* A union of empty structs (LogicalType's members, TimeUnit's): which member is set. */
static int read_union(struct lake_thrift_in *in, int *which)
{
	struct lake_thrift_field f;
	int16_t last;
	int rc;

	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_field(in, &last, &f)) == 1) {
		/* A member that is not a struct is no member lake knows of. */
		if (f.type == THRIFT_STRUCT)
			*which = f.id;
		if (lake_thrift_skip(in, f.type) < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	return rc;
}

/* The fields of DecimalType, TimeType/TimestampType and IntType that matter. */
static int read_logical_params(struct lake_thrift_in *in, int which, struct lake_pq_leaf *l)
{
	static const struct lake_thrift_known decimal[] = {{1, THRIFT_I32}, {2, THRIFT_I32}};
	static const struct lake_thrift_known integer[] = {{1, THRIFT_BYTE}, {2, THRIFT_TRUE}};
	static const struct lake_thrift_known time[] = {{2, THRIFT_STRUCT}};
	const struct lake_thrift_known *known = NULL;
	size_t n = 0;
	struct lake_thrift_field f;
	int16_t last;
	int rc;
	int32_t v;

	/* The other members' fields (a geometry's CRS, say) change no value lake reads. */
	if (which == PQ_LT_DECIMAL) {
		known = decimal;
		n = COUNT(decimal);
	} else if (which == PQ_LT_INTEGER) {
		known = integer;
		n = COUNT(integer);
	} else if (which == PQ_LT_TIME || which == PQ_LT_TIMESTAMP) {
		known = time;
		n = COUNT(time);
	}
	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_known(in, &last, &f, known, n)) == 1) {
		if (which == PQ_LT_DECIMAL)
			rc = lake_thrift_read_i32(in, &f, f.id == 1 ? &l->scale : &l->precision);
		else if (which == PQ_LT_INTEGER && f.id == 2)
			rc = lake_thrift_read_bool(in, &f, &l->int_signed);
		else if (which == PQ_LT_INTEGER && (rc = lake_thrift_read_i32(in, &f, &v)) == 0)
			l->int_bits = v;
		else if (which != PQ_LT_INTEGER)
			rc = read_union(in, &l->time_unit);
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	return rc;
}

/*
 * LogicalType, a union of structs.  A member of an id lake does not know
 * is kept as it is: the column then reads as its physical type, which is
 * what the format asks of a reader that meets a logical type it lacks.
 */
static int read_logical(struct lake_thrift_in *in, struct lake_pq_leaf *l)
{
	struct lake_thrift_field f;
	int16_t last;
	int rc;

	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_field(in, &last, &f)) == 1) {
		if (f.type != THRIFT_STRUCT) {
			rc = lake_thrift_skip(in, f.type);
		} else {
			l->logical = f.id;
			rc = read_logical_params(in, f.id, l);
		}
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	return rc;
}

static int read_schema_elem(struct lake_thrift_in *in, struct schema_elem *s)
{
	static const struct lake_thrift_known known[] = {
	    {1, THRIFT_I32}, {2, THRIFT_I32}, {3, THRIFT_I32}, {4, THRIFT_BINARY}, {5, THRIFT_I32},
	    {6, THRIFT_I32}, {7, THRIFT_I32}, {8, THRIFT_I32}, {10, THRIFT_STRUCT}};
	struct lake_thrift_field f;
	int16_t last;
	int rc;
	int32_t v;

	memset(s, 0, sizeof *s);
	s->leaf.converted = -1;
	s->leaf.repetition = PQ_REQUIRED;
	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_known(in, &last, &f, known, COUNT(known))) == 1) {
		switch (f.id) {
		case 1:
			rc = lake_thrift_read_i32(in, &f, &v);
			s->has_type = 1;
			s->leaf.physical = v;
			break;
		case 2:
			rc = lake_thrift_read_i32(in, &f, &s->leaf.type_length);
			break;
		case 3:
			rc = lake_thrift_read_i32(in, &f, &v);
			s->leaf.repetition = v;
			break;
		case 4:
			rc = lake_thrift_read_binary(in, &f, &s->name, &s->name_len);
			break;
		case 5:
			rc = lake_thrift_read_i32(in, &f, &s->num_children);
			break;
		case 6:
			rc = lake_thrift_read_i32(in, &f, &v);
			s->leaf.converted = v;
			break;
		case 7:
			rc = lake_thrift_read_i32(in, &f, &s->leaf.scale);
			break;
		case 8:
			rc = lake_thrift_read_i32(in, &f, &s->leaf.precision);
			break;
		case 10:
			rc = read_logical(in, &s->leaf);
			break;
		}
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	return rc;
}

static char *copy_name(const uint8_t *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s) {
		if (len)
			memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

/* The root's children must all be leaves: anything else is named in err->nested_name. */
static int flatten_schema(struct lake_thrift_in *in, struct schema_elem *el, uint32_t n,
			  struct lake_pq_footer *out, struct lake_pq_footer_error *err)
{
	if (n == 0 || el[0].num_children < 0 || (uint32_t)el[0].num_children > n - 1)
		return fail(in, "schema has no root or a wrong child count");
	out->leaves =
	    calloc(el[0].num_children ? (size_t)el[0].num_children : 1, sizeof *out->leaves);
	if (!out->leaves)
		return fail(in, "out of memory");
	for (int32_t i = 0; i < el[0].num_children; i++) {
		struct schema_elem *s = &el[1 + i];

		if (s->num_children > 0 || !s->has_type || s->leaf.repetition == PQ_REPEATED) {
			err->nested_name = copy_name(s->name, s->name_len);
			return fail(in, s->num_children > 0 || !s->has_type ? "is a nested group"
									    : "is repeated");
		}
		if (s->leaf.physical < PQ_BOOLEAN || s->leaf.physical > PQ_FIXED ||
		    s->leaf.repetition < PQ_REQUIRED || s->leaf.repetition > PQ_REPEATED)
			return fail(in, "unknown physical type or repetition");
		out->leaves[i] = s->leaf;
		out->leaves[i].name = copy_name(s->name, s->name_len);
		if (!out->leaves[i].name)
			return fail(in, "out of memory");
		out->nleaves = (size_t)i + 1;
	}
	/* Elements after the root's children would belong to a nested group. */
	if ((uint32_t)el[0].num_children != n - 1)
		return fail(in, "schema has more elements than the root's children");
	return 0;
}

static int read_schema(struct lake_thrift_in *in, const struct lake_thrift_field *f,
		       struct lake_pq_footer *out, struct lake_pq_footer_error *err)
{
	struct schema_elem *el;
	uint32_t n;
	int type, rc = -1;

	if (out->leaves)
		return fail(in, "two schemas");
	if (lake_thrift_read_list(in, f, &type, &n) < 0)
		return -1;
	if (type != THRIFT_STRUCT)
		return fail(in, "schema is not a list of structs");
	el = calloc(n ? n : 1, sizeof *el);
	if (!el)
		return fail(in, "out of memory");
	for (uint32_t i = 0; i < n; i++)
		if (read_schema_elem(in, &el[i]) < 0)
			goto out;
	lake_thrift_leave_list(in);
	rc = flatten_schema(in, el, n, out, err);
out:
	free(el);
	return rc;
}

static int read_statistics(struct lake_thrift_in *in, struct lake_pq_chunk_meta *c)
{
	static const struct lake_thrift_known known[] = {{1, THRIFT_BINARY},
							 {2, THRIFT_BINARY},
							 {3, THRIFT_I64},
							 {5, THRIFT_BINARY},
							 {6, THRIFT_BINARY}};
	struct lake_thrift_field f;
	int16_t last;
	int rc;

	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_known(in, &last, &f, known, COUNT(known))) == 1) {
		struct lake_pq_bytes *b = f.id == 1   ? &c->max_old
					  : f.id == 2 ? &c->min_old
					  : f.id == 5 ? &c->max_value
					  : f.id == 6 ? &c->min_value
						      : NULL;
		if (b) {
			rc = lake_thrift_read_binary(in, &f, &b->p, &b->len);
			b->set = 1;
		} else {
			rc = lake_thrift_read_i64(in, &f, &c->null_count);
			c->has_null_count = 1;
		}
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	return rc;
}

static int read_column_meta(struct lake_thrift_in *in, struct lake_pq_chunk_meta *c)
{
	static const struct lake_thrift_known known[] = {
	    {1, THRIFT_I32}, {4, THRIFT_I32},  {5, THRIFT_I64},	   {7, THRIFT_I64},
	    {9, THRIFT_I64}, {11, THRIFT_I64}, {12, THRIFT_STRUCT}};
	struct lake_thrift_field f;
	int16_t last;
	int rc;
	int32_t v;

	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_known(in, &last, &f, known, COUNT(known))) == 1) {
		switch (f.id) {
		case 1:
			rc = lake_thrift_read_i32(in, &f, &v);
			c->physical = v;
			break;
		case 4:
			rc = lake_thrift_read_i32(in, &f, &v);
			c->codec = v;
			break;
		case 5:
			rc = lake_thrift_read_i64(in, &f, &c->num_values);
			break;
		case 7:
			rc = lake_thrift_read_i64(in, &f, &c->total_compressed_size);
			break;
		case 9:
			rc = lake_thrift_read_i64(in, &f, &c->data_page_offset);
			break;
		case 11:
			rc = lake_thrift_read_i64(in, &f, &c->dictionary_page_offset);
			break;
		case 12:
			rc = read_statistics(in, c);
			break;
		}
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	return rc;
}

static int read_column_chunk(struct lake_thrift_in *in, struct lake_pq_chunk_meta *c)
{
	static const struct lake_thrift_known known[] = {{1, THRIFT_BINARY}, {3, THRIFT_STRUCT}};
	struct lake_thrift_field f;
	int16_t last;
	int rc, has_meta = 0;

	memset(c, 0, sizeof *c);
	c->physical = -1;
	c->codec = -1;
	c->dictionary_page_offset = -1;
	c->total_compressed_size = -1;
	c->data_page_offset = -1;
	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_known(in, &last, &f, known, COUNT(known))) == 1) {
		if (f.id == 1) {
			c->has_file_path = 1;
			rc = lake_thrift_skip(in, f.type);
		} else {
			has_meta = 1;
			rc = read_column_meta(in, c);
		}
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	if (rc == 0 && !has_meta)
		return fail(in, "column chunk without metadata");
	/* Required, so absent (or skipped for its type) only in a corrupt footer. */
	if (rc == 0 && c->codec < 0)
		return fail(in, "column chunk without a codec");
	return rc;
}

static int read_chunks(struct lake_thrift_in *in, const struct lake_thrift_field *f,
		       struct lake_pq_row_group_meta *g, struct lake_pq_footer_error *err)
{
	uint32_t n;
	int type;

	if (g->chunks)
		return fail(in, "two column lists in a row group");
	if (lake_thrift_read_list(in, f, &type, &n) < 0)
		return -1;
	if (type != THRIFT_STRUCT)
		return fail(in, "columns are not a list of structs");
	g->chunks = calloc(n ? n : 1, sizeof *g->chunks);
	if (!g->chunks)
		return fail(in, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		err->column = (long)i;
		if (read_column_chunk(in, &g->chunks[i]) < 0)
			return -1;
		g->nchunks = (size_t)i + 1;
	}
	err->column = -1;
	lake_thrift_leave_list(in);
	return 0;
}

static int read_row_group(struct lake_thrift_in *in, struct lake_pq_row_group_meta *g,
			  struct lake_pq_footer_error *err)
{
	static const struct lake_thrift_known known[] = {{1, THRIFT_LIST}, {3, THRIFT_I64}};
	struct lake_thrift_field f;
	int16_t last;
	int rc, has_rows = 0;

	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_known(in, &last, &f, known, COUNT(known))) == 1) {
		if (f.id == 1) {
			rc = read_chunks(in, &f, g, err);
		} else {
			has_rows = 1;
			rc = lake_thrift_read_i64(in, &f, &g->num_rows);
		}
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	if (rc == 0 && (!has_rows || !g->chunks))
		return fail(in, "row group without columns or row count");
	return rc;
}

static int read_row_groups(struct lake_thrift_in *in, const struct lake_thrift_field *f,
			   struct lake_pq_footer *out, struct lake_pq_footer_error *err)
{
	uint32_t n;
	int type;

	if (out->row_groups)
		return fail(in, "two row group lists");
	if (lake_thrift_read_list(in, f, &type, &n) < 0)
		return -1;
	if (type != THRIFT_STRUCT)
		return fail(in, "row groups are not a list of structs");
	out->row_groups = calloc(n ? n : 1, sizeof *out->row_groups);
	if (!out->row_groups)
		return fail(in, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		/* Counted before it is filled, so that release frees a half-read one. */
		out->nrow_groups = (size_t)i + 1;
		err->row_group = (long)i;
		if (read_row_group(in, &out->row_groups[i], err) < 0)
			return -1;
	}
	err->row_group = -1;
	lake_thrift_leave_list(in);
	return 0;
}

int lake_pq_footer_parse(const uint8_t *buf, size_t len, struct lake_pq_footer *out,
			 struct lake_pq_footer_error *err)
{
	static const struct lake_thrift_known known[] = {
	    {2, THRIFT_LIST}, {3, THRIFT_I64}, {4, THRIFT_LIST}, {6, THRIFT_BINARY}};
	struct lake_thrift_in in;
	struct lake_thrift_field f;
	int16_t last;
	int rc, has_rows = 0;

	memset(out, 0, sizeof *out);
	memset(err, 0, sizeof *err);
	err->row_group = err->column = -1;
	lake_thrift_in_init(&in, buf, len);
	if (lake_thrift_enter_struct(&in, &last) < 0)
		goto fail;
	while ((rc = lake_thrift_next_known(&in, &last, &f, known, COUNT(known))) == 1) {
		if (f.id == 2) {
			rc = read_schema(&in, &f, out, err);
		} else if (f.id == 3) {
			has_rows = 1;
			rc = lake_thrift_read_i64(&in, &f, &out->num_rows);
		} else if (f.id == 4) {
			rc = read_row_groups(&in, &f, out, err);
		} else {
			rc = lake_thrift_read_binary(&in, &f, &out->created_by.p,
						     &out->created_by.len);
			out->created_by.set = 1;
		}
		if (rc < 0)
			goto fail;
	}
	if (rc < 0)
		goto fail;
	if (!out->leaves || !has_rows) {
		in.why = "no schema or no row count";
		goto fail;
	}
	return 0;
fail:
	err->why = in.why ? in.why : "unreadable";
	return -1;
}

void lake_pq_footer_release(struct lake_pq_footer *f)
{
	for (size_t i = 0; i < f->nleaves; i++)
		free(f->leaves[i].name);
	free(f->leaves);
	for (size_t i = 0; i < f->nrow_groups; i++)
		free(f->row_groups[i].chunks);
	free(f->row_groups);
	memset(f, 0, sizeof *f);
}

/* A decimal number at *p of at most 9 digits; -1 when there is none. */
static long version_part(const uint8_t **p, const uint8_t *end)
{
	long v = 0;
	int digits = 0;

	while (*p < end && **p >= '0' && **p <= '9' && digits < 9) {
		v = v * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	return digits ? v : -1;
}

int lake_pq_footer_dict_header_uncounted(const struct lake_pq_footer *f)
{
	static const char app[] = "parquet-mr", ver[] = " version ";
	const uint8_t *p = f->created_by.p, *end = p + f->created_by.len;
	long part[3] = {0, 0, 0};

	if (!f->created_by.set || f->created_by.len < sizeof app - 1 ||
	    memcmp(p, app, sizeof app - 1) != 0)
		return 0;
	p += sizeof app - 1;
	/* No version at all: as old as they come. */
	if ((size_t)(end - p) < sizeof ver - 1 || memcmp(p, ver, sizeof ver - 1) != 0)
		return 1;
	p += sizeof ver - 1;
	for (int i = 0; i < 3; i++) {
		if ((part[i] = version_part(&p, end)) < 0)
			return 1;
		if (i < 2 && (p >= end || *p++ != '.'))
			break;
	}
	/* Fixed in parquet-mr 1.2.9 (PARQUET-816). */
	if (part[0] != 1)
		return part[0] < 1;
	if (part[1] != 2)
		return part[1] < 2;
	return part[2] < 9;
}

/* DataPageHeader (v1), DataPageHeaderV2 and DictionaryPageHeader, which share some fields. */
enum page_part { PART_V1, PART_V2, PART_DICT };

static int read_page_part(struct lake_thrift_in *in, struct lake_pq_page_header *h,
			  enum page_part part)
{
	static const struct lake_thrift_known v1[] = {
	    {1, THRIFT_I32}, {2, THRIFT_I32}, {3, THRIFT_I32}};
	static const struct lake_thrift_known v2[] = {{1, THRIFT_I32}, {2, THRIFT_I32},
						      {4, THRIFT_I32}, {5, THRIFT_I32},
						      {6, THRIFT_I32}, {7, THRIFT_TRUE}};
	static const struct lake_thrift_known dict[] = {{1, THRIFT_I32}, {2, THRIFT_I32}};
	const struct lake_thrift_known *known = part == PART_V1 ? v1 : part == PART_V2 ? v2 : dict;
	size_t n = part == PART_V1 ? COUNT(v1) : part == PART_V2 ? COUNT(v2) : COUNT(dict);
	struct lake_thrift_field f;
	int16_t last;
	int rc;
	int32_t v;

	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_known(in, &last, &f, known, n)) == 1) {
		/* v2 numbers its fields apart from v1's after the first. */
		switch (part == PART_V2 ? f.id + 100 : f.id) {
		case 1:
		case 101:
			rc = lake_thrift_read_i32(in, &f, &h->num_values);
			break;
		case 2:
		case 104:
			rc = lake_thrift_read_i32(in, &f, &v);
			h->encoding = v;
			break;
		case 3:
			rc = lake_thrift_read_i32(in, &f, &v);
			h->def_encoding = v;
			break;
		case 102:
			rc = lake_thrift_read_i32(in, &f, &h->num_nulls);
			break;
		case 105:
			rc = lake_thrift_read_i32(in, &f, &h->def_length);
			break;
		case 106:
			rc = lake_thrift_read_i32(in, &f, &h->rep_length);
			break;
		case 107:
			rc = lake_thrift_read_bool(in, &f, &h->is_compressed);
			break;
		}
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	return rc;
}

int lake_pq_page_header_parse(const uint8_t *buf, size_t len, struct lake_pq_page_header *h,
			      const char **why)
{
	static const struct lake_thrift_known known[] = {{1, THRIFT_I32},    {2, THRIFT_I32},
							 {3, THRIFT_I32},    {5, THRIFT_STRUCT},
							 {7, THRIFT_STRUCT}, {8, THRIFT_STRUCT}};
	struct lake_thrift_in in;
	struct lake_thrift_field f;
	int16_t last;
	int rc, parts = 0;
	int32_t v;

	memset(h, 0, sizeof *h);
	h->type = -1;
	h->num_values = -1;
	h->is_compressed = 1;
	h->def_encoding = PQ_RLE;
	lake_thrift_in_init(&in, buf, len);
	if (lake_thrift_enter_struct(&in, &last) < 0)
		goto fail;
	while ((rc = lake_thrift_next_known(&in, &last, &f, known, COUNT(known))) == 1) {
		switch (f.id) {
		case 1:
			rc = lake_thrift_read_i32(&in, &f, &v);
			h->type = v;
			break;
		case 2:
			rc = lake_thrift_read_i32(&in, &f, &h->uncompressed_size);
			break;
		case 3:
			rc = lake_thrift_read_i32(&in, &f, &h->compressed_size);
			break;
		default:
			parts++;
			rc = read_page_part(&in, h,
					    f.id == 5	? PART_V1
					    : f.id == 8 ? PART_V2
							: PART_DICT);
		}
		if (rc < 0)
			goto fail;
	}
	if (rc < 0)
		goto fail;
	if (h->type < 0) {
		in.why = "page header without a page type";
		goto fail;
	}
	if (h->uncompressed_size < 0 || h->compressed_size < 0 || h->def_length < 0 ||
	    h->rep_length < 0 || h->num_nulls < 0) {
		in.why = "negative size in a page header";
		goto fail;
	}
	if (parts > 1) {
		in.why = "page header of two kinds at once";
		goto fail;
	}
	h->header_size = lake_thrift_consumed(&in, buf);
	return 0;
fail:
	*why = in.why ? in.why : "unreadable";
	return -1;
}
