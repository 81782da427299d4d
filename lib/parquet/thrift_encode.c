/*
 * thrift_encode.c - Thrift's compact protocol, the writing half
 * (thrift_encode.h).  The format: integers are zigzag varints, a field
 * header is one byte (id delta << 4 | type) when the id rises by 1 to 15
 * and otherwise the type byte followed by the id as a zigzag varint,
 * booleans live in the field header's type, and a struct ends with a 0.
 */
#include "parquet/thrift_encode.h"

#include <assert.h>
#include <string.h>

void lake_thrift_init(struct lake_thrift_enc *t, struct lake_buf *out)
{
	memset(t, 0, sizeof *t);
	t->out = out;
}

void lake_thrift_put_varint(struct lake_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	while (v >= 0x80) {
		tmp[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (unsigned char)v;
	lake_buf_add(b, tmp, n);
}

uint64_t lake_thrift_zigzag(int64_t v)
{
	/* Shift as unsigned: a left shift of a negative number is undefined in C. */
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static void put_byte(struct lake_buf *b, unsigned v)
{
	lake_buf_addc(b, (char)(unsigned char)v);
}

static void field_header(struct lake_thrift_enc *t, int16_t id, enum lake_thrift_type type)
{
	int16_t *last;

	assert(t->depth > 0);
	last = &t->last_id[t->depth - 1];
	if (id > *last && id - *last <= 15) {
		put_byte(t->out, (unsigned)((id - *last) << 4) | (unsigned)type);
	} else {
		put_byte(t->out, (unsigned)type);
		lake_thrift_put_varint(t->out, lake_thrift_zigzag(id));
	}
	*last = id;
}

void lake_thrift_struct_begin(struct lake_thrift_enc *t)
{
	assert(t->depth < LAKE_THRIFT_MAX_DEPTH);
	t->last_id[t->depth++] = 0;
}

void lake_thrift_struct_end(struct lake_thrift_enc *t)
{
	assert(t->depth > 0);
	put_byte(t->out, 0);
	t->depth--;
}

void lake_thrift_field_struct(struct lake_thrift_enc *t, int16_t id)
{
	field_header(t, id, LAKE_THRIFT_STRUCT);
	lake_thrift_struct_begin(t);
}

void lake_thrift_field_empty_struct(struct lake_thrift_enc *t, int16_t id)
{
	lake_thrift_field_struct(t, id);
	lake_thrift_struct_end(t);
}

void lake_thrift_field_bool(struct lake_thrift_enc *t, int16_t id, int v)
{
	field_header(t, id, v ? LAKE_THRIFT_BOOL_TRUE : LAKE_THRIFT_BOOL_FALSE);
}

void lake_thrift_field_i8(struct lake_thrift_enc *t, int16_t id, int8_t v)
{
	field_header(t, id, LAKE_THRIFT_BYTE);
	put_byte(t->out, (unsigned char)v);
}

void lake_thrift_field_i32(struct lake_thrift_enc *t, int16_t id, int32_t v)
{
	field_header(t, id, LAKE_THRIFT_I32);
	lake_thrift_put_varint(t->out, lake_thrift_zigzag(v));
}

void lake_thrift_field_i64(struct lake_thrift_enc *t, int16_t id, int64_t v)
{
	field_header(t, id, LAKE_THRIFT_I64);
	lake_thrift_put_varint(t->out, lake_thrift_zigzag(v));
}

void lake_thrift_field_binary(struct lake_thrift_enc *t, int16_t id, const void *p, size_t n)
{
	field_header(t, id, LAKE_THRIFT_BINARY);
	lake_thrift_elem_binary(t, p, n);
}

void lake_thrift_field_string(struct lake_thrift_enc *t, int16_t id, const char *s)
{
	lake_thrift_field_binary(t, id, s, strlen(s));
}

void lake_thrift_list_begin(struct lake_thrift_enc *t, int16_t id, enum lake_thrift_type elem,
			    size_t n)
{
	field_header(t, id, LAKE_THRIFT_LIST);
	if (n < 15) {
		put_byte(t->out, (unsigned)(n << 4) | (unsigned)elem);
	} else {
		put_byte(t->out, 0xf0u | (unsigned)elem);
		lake_thrift_put_varint(t->out, n);
	}
}

void lake_thrift_elem_i32(struct lake_thrift_enc *t, int32_t v)
{
	lake_thrift_put_varint(t->out, lake_thrift_zigzag(v));
}

void lake_thrift_elem_binary(struct lake_thrift_enc *t, const void *p, size_t n)
{
	lake_thrift_put_varint(t->out, n);
	lake_buf_add(t->out, p, n);
}
