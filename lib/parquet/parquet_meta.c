/*
 * parquet_meta.c - a Parquet footer and page headers from their Thrift
 * compact form; see parquet_meta.h.  Field ids are parquet.thrift's.
 */
#include <stdlib.h>
#include <string.h>

#include "parquet/parquet_meta.h"
#include "parquet/thrift_decode.h"

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

/* An empty struct (the members of LogicalType's union and TimeUnit's). */
static int read_union_member(struct lake_thrift_in *in, const struct lake_thrift_field *f,
			     int *which)
{
	if (f->type != THRIFT_STRUCT)
		return fail(in, "union member of another type");
	*which = f->id;
	return lake_thrift_skip(in, THRIFT_STRUCT);
}

static int read_time_unit(struct lake_thrift_in *in, const struct lake_thrift_field *outer,
			  int *unit)
{
	struct lake_thrift_field f;
	int16_t last;
	int rc;

	if (outer->type != THRIFT_STRUCT)
		return fail(in, "time unit of another type");
	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_field(in, &last, &f)) == 1)
		if ((f.type == THRIFT_STRUCT ? read_union_member(in, &f, unit)
					     : lake_thrift_skip(in, f.type)) < 0)
			return -1;
	lake_thrift_leave_struct(in);
	return rc;
}

/* The fields of DecimalType, TimeType/TimestampType and IntType that matter. */
static int read_logical_params(struct lake_thrift_in *in, int which, struct lake_pq_leaf *l)
{
	struct lake_thrift_field f;
	int16_t last;
	int rc;

	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_field(in, &last, &f)) == 1) {
		int32_t v;

		if (which == PQ_LT_DECIMAL && f.id == 1)
			rc = lake_thrift_read_i32(in, &f, &l->scale);
		else if (which == PQ_LT_DECIMAL && f.id == 2)
			rc = lake_thrift_read_i32(in, &f, &l->precision);
		else if ((which == PQ_LT_TIME || which == PQ_LT_TIMESTAMP) && f.id == 2)
			rc = read_time_unit(in, &f, &l->time_unit);
		else if (which == PQ_LT_INTEGER && f.id == 1 &&
			 (rc = lake_thrift_read_i32(in, &f, &v)) == 0)
			l->int_bits = v;
		else if (which == PQ_LT_INTEGER && f.id == 2)
			rc = lake_thrift_read_bool(in, &f, &l->int_signed);
		else
			rc = lake_thrift_skip(in, f.type);
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	return rc;
}

static int read_logical(struct lake_thrift_in *in, const struct lake_thrift_field *outer,
			struct lake_pq_leaf *l)
{
	struct lake_thrift_field f;
	int16_t last;
	int rc;

	if (outer->type != THRIFT_STRUCT)
		return fail(in, "logical type of another type");
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
	struct lake_thrift_field f;
	int16_t last;
	int rc;
	int32_t v;

	memset(s, 0, sizeof *s);
	s->leaf.converted = -1;
	s->leaf.repetition = PQ_REQUIRED;
	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_field(in, &last, &f)) == 1) {
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
			rc = read_logical(in, &f, &s->leaf);
			break;
		default:
			rc = lake_thrift_skip(in, f.type);
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

/* The root's children must all be leaves: anything else is named in *nested_name. */
static int flatten_schema(struct lake_thrift_in *in, struct schema_elem *el, uint32_t n,
			  struct lake_pq_footer *out, char **nested_name)
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
			*nested_name = copy_name(s->name, s->name_len);
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
		       struct lake_pq_footer *out, char **nested_name)
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
	rc = flatten_schema(in, el, n, out, nested_name);
out:
	free(el);
	return rc;
}

static int read_statistics(struct lake_thrift_in *in, const struct lake_thrift_field *outer,
			   struct lake_pq_chunk_meta *c)
{
	struct lake_thrift_field f;
	int16_t last;
	int rc;

	if (outer->type != THRIFT_STRUCT)
		return fail(in, "statistics of another type");
	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_field(in, &last, &f)) == 1) {
		struct lake_pq_bytes *b = f.id == 1   ? &c->max_old
					  : f.id == 2 ? &c->min_old
					  : f.id == 5 ? &c->max_value
					  : f.id == 6 ? &c->min_value
						      : NULL;
		if (b) {
			rc = lake_thrift_read_binary(in, &f, &b->p, &b->len);
			b->set = 1;
		} else if (f.id == 3) {
			rc = lake_thrift_read_i64(in, &f, &c->null_count);
			c->has_null_count = 1;
		} else {
			rc = lake_thrift_skip(in, f.type);
		}
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	return rc;
}

static int read_column_meta(struct lake_thrift_in *in, const struct lake_thrift_field *outer,
			    struct lake_pq_chunk_meta *c)
{
	struct lake_thrift_field f;
	int16_t last;
	int rc;
	int32_t v;

	if (outer->type != THRIFT_STRUCT)
		return fail(in, "column metadata of another type");
	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_field(in, &last, &f)) == 1) {
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
			rc = read_statistics(in, &f, c);
			break;
		default:
			rc = lake_thrift_skip(in, f.type);
		}
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	return rc;
}

static int read_column_chunk(struct lake_thrift_in *in, struct lake_pq_chunk_meta *c)
{
	struct lake_thrift_field f;
	int16_t last;
	int rc, has_meta = 0;

	memset(c, 0, sizeof *c);
	c->physical = -1;
	c->dictionary_page_offset = -1;
	c->total_compressed_size = -1;
	c->data_page_offset = -1;
	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_field(in, &last, &f)) == 1) {
		if (f.id == 1) {
			c->has_file_path = 1;
			rc = lake_thrift_skip(in, f.type);
		} else if (f.id == 3) {
			has_meta = 1;
			rc = read_column_meta(in, &f, c);
		} else {
			rc = lake_thrift_skip(in, f.type);
		}
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	if (rc == 0 && !has_meta)
		return fail(in, "column chunk without metadata");
	return rc;
}

static int read_chunks(struct lake_thrift_in *in, const struct lake_thrift_field *f,
		       struct lake_pq_row_group_meta *g)
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
		if (read_column_chunk(in, &g->chunks[i]) < 0)
			return -1;
		g->nchunks = (size_t)i + 1;
	}
	lake_thrift_leave_list(in);
	return 0;
}

static int read_row_group(struct lake_thrift_in *in, struct lake_pq_row_group_meta *g)
{
	struct lake_thrift_field f;
	int16_t last;
	int rc, has_rows = 0;

	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_field(in, &last, &f)) == 1) {
		if (f.id == 1) {
			rc = read_chunks(in, &f, g);
		} else if (f.id == 3) {
			has_rows = 1;
			rc = lake_thrift_read_i64(in, &f, &g->num_rows);
		} else {
			rc = lake_thrift_skip(in, f.type);
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
			   struct lake_pq_footer *out)
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
		if (read_row_group(in, &out->row_groups[i]) < 0)
			return -1;
	}
	lake_thrift_leave_list(in);
	return 0;
}

int lake_pq_footer_parse(const uint8_t *buf, size_t len, struct lake_pq_footer *out,
			 const char **why, char **nested_name)
{
	struct lake_thrift_in in;
	struct lake_thrift_field f;
	int16_t last;
	int rc, has_rows = 0;

	memset(out, 0, sizeof *out);
	*nested_name = NULL;
	lake_thrift_in_init(&in, buf, len);
	if (lake_thrift_enter_struct(&in, &last) < 0)
		goto fail;
	while ((rc = lake_thrift_next_field(&in, &last, &f)) == 1) {
		if (f.id == 2) {
			rc = read_schema(&in, &f, out, nested_name);
		} else if (f.id == 3) {
			has_rows = 1;
			rc = lake_thrift_read_i64(&in, &f, &out->num_rows);
		} else if (f.id == 4) {
			rc = read_row_groups(&in, &f, out);
		} else {
			rc = lake_thrift_skip(&in, f.type);
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
	*why = in.why ? in.why : "unreadable";
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

static int read_data_page_header(struct lake_thrift_in *in, const struct lake_thrift_field *outer,
				 struct lake_pq_page_header *h, int v2)
{
	struct lake_thrift_field f;
	int16_t last;
	int rc;
	int32_t v;

	if (outer->type != THRIFT_STRUCT)
		return fail(in, "page header part of another type");
	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_field(in, &last, &f)) == 1) {
		int id = v2 ? f.id + 100 : f.id;

		switch (id) {
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
		default:
			rc = lake_thrift_skip(in, f.type);
		}
		if (rc < 0)
			return -1;
	}
	lake_thrift_leave_struct(in);
	return rc;
}

/* DictionaryPageHeader: its count and encoding land where a data page's do. */
static int read_dict_page_header(struct lake_thrift_in *in, const struct lake_thrift_field *outer,
				 struct lake_pq_page_header *h)
{
	return read_data_page_header(in, outer, h, 0);
}

int lake_pq_page_header_parse(const uint8_t *buf, size_t len, struct lake_pq_page_header *h,
			      const char **why)
{
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
	while ((rc = lake_thrift_next_field(&in, &last, &f)) == 1) {
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
		case 5:
		case 7:
			parts++;
			rc = f.id == 5 ? read_data_page_header(&in, &f, h, 0)
				       : read_dict_page_header(&in, &f, h);
			break;
		case 8:
			parts++;
			rc = read_data_page_header(&in, &f, h, 1);
			break;
		default:
			rc = lake_thrift_skip(&in, f.type);
		}
		if (rc < 0)
			goto fail;
	}
	if (rc < 0)
		goto fail;
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
