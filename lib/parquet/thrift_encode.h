/*
 * thrift_encode.h - writing Thrift's compact protocol, the encoding of
 * Parquet's page headers and footer.
 *
 * The encoder appends to a lake_buf (which aborts on allocation failure,
 * so no call here can fail).  Structs nest: a field holding a struct is
 * opened with lake_thrift_field_struct() and closed with
 * lake_thrift_struct_end(), which writes the stop byte.  A list is its
 * header followed by its elements; a list of structs opens each element
 * with lake_thrift_struct_begin().
 *
 *	struct lake_thrift_enc t;
 *	lake_thrift_init(&t, &buf);
 *	lake_thrift_struct_begin(&t);          // the message itself
 *	lake_thrift_field_i32(&t, 1, 2);
 *	lake_thrift_list_begin(&t, 2, LAKE_THRIFT_STRUCT, n);
 *	for (...) { lake_thrift_struct_begin(&t); ...; lake_thrift_struct_end(&t); }
 *	lake_thrift_struct_end(&t);
 *
 * Field ids must rise within a struct, as generated Thrift code writes
 * them; the encoder still writes a correct long-form header when they do
 * not.
 */
#ifndef LAKE_THRIFT_ENCODE_H
#define LAKE_THRIFT_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Element and field types of the compact protocol, as they appear on the wire. */
enum lake_thrift_type {
	LAKE_THRIFT_BOOL_TRUE = 1,
	LAKE_THRIFT_BOOL_FALSE = 2,
	LAKE_THRIFT_BYTE = 3,
	LAKE_THRIFT_I16 = 4,
	LAKE_THRIFT_I32 = 5,
	LAKE_THRIFT_I64 = 6,
	LAKE_THRIFT_DOUBLE = 7,
	LAKE_THRIFT_BINARY = 8,
	LAKE_THRIFT_LIST = 9,
	LAKE_THRIFT_SET = 10,
	LAKE_THRIFT_MAP = 11,
	LAKE_THRIFT_STRUCT = 12,
};

/* Parquet's structs nest four deep at most; the margin is for future fields. */
#define LAKE_THRIFT_MAX_DEPTH 16

struct lake_thrift_enc {
	struct lake_buf *out;
	/* The last field id written in each open struct: headers carry deltas from it. */
	int16_t last_id[LAKE_THRIFT_MAX_DEPTH];
	int depth; /* open structs */
};

void lake_thrift_init(struct lake_thrift_enc *t, struct lake_buf *out);

/* Open a struct with no field header: the message itself, or a list element. */
void lake_thrift_struct_begin(struct lake_thrift_enc *t);
/* Close the innermost struct (its stop byte). */
void lake_thrift_struct_end(struct lake_thrift_enc *t);

/* Field id's header and a struct opened for its fields. */
void lake_thrift_field_struct(struct lake_thrift_enc *t, int16_t id);
/* A field holding an empty struct (Parquet's unions of marker types: StringType, MICROS...). */
void lake_thrift_field_empty_struct(struct lake_thrift_enc *t, int16_t id);

void lake_thrift_field_bool(struct lake_thrift_enc *t, int16_t id, int v);
void lake_thrift_field_i8(struct lake_thrift_enc *t, int16_t id, int8_t v);
void lake_thrift_field_i32(struct lake_thrift_enc *t, int16_t id, int32_t v);
void lake_thrift_field_i64(struct lake_thrift_enc *t, int16_t id, int64_t v);
void lake_thrift_field_binary(struct lake_thrift_enc *t, int16_t id, const void *p, size_t n);
void lake_thrift_field_string(struct lake_thrift_enc *t, int16_t id, const char *s);

/* Field id's header and a list header for n elements of type elem. */
void lake_thrift_list_begin(struct lake_thrift_enc *t, int16_t id, enum lake_thrift_type elem,
			    size_t n);
void lake_thrift_elem_i32(struct lake_thrift_enc *t, int32_t v);
void lake_thrift_elem_binary(struct lake_thrift_enc *t, const void *p, size_t n);

/* The encodings of numbers, for tests and for callers with their own framing. */
void lake_thrift_put_varint(struct lake_buf *b, uint64_t v);
uint64_t lake_thrift_zigzag(int64_t v);

#endif
