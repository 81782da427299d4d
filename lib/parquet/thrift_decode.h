/*
 * thrift_decode.h - reading Thrift's compact protocol, as Parquet footers
 * and page headers are written in it.
 *
 * A cursor over a buffer that is never read past its end.  The caller
 * walks a struct field by field and switches on the field id; anything it
 * does not know it hands to lake_thrift_skip().  Every function returns 0 on
 * success and -1 on failure with in->why saying what was wrong (a static
 * string the caller puts behind its own context: the file and the
 * structure).
 *
 *	struct lake_thrift_in in;
 *	struct lake_thrift_field f;
 *	int16_t last;
 *	static const struct lake_thrift_known known[] = {{1, THRIFT_I32}, {4, THRIFT_BINARY}};
 *	lake_thrift_in_init(&in, buf, len);
 *	if (lake_thrift_enter_struct(&in, &last) < 0) ...
 *	while ((rc = lake_thrift_next_known(&in, &last, &f, known, 2)) == 1) {
 *		switch (f.id) {
 *		case 1: rc = lake_thrift_read_i32(&in, &f, &x); break;
 *		case 4: rc = lake_thrift_read_binary(&in, &f, &p, &len); break;
 *		}
 *		if (rc < 0) ...
 *	}
 *	lake_thrift_leave_struct(&in);
 *
 * lake_thrift_next_known() hands back only the fields the caller lists,
 * each with a value of the type it expects, and skips the rest, as the
 * compact protocol has readers do: writers newer than the reader add
 * fields (to any struct, at any depth) and may reuse an id with another
 * type, and a reader that stopped at them could read no new file.
 *
 * Structs nest at most THRIFT_MAX_DEPTH deep, so that a hostile buffer
 * cannot exhaust the stack; list sizes are checked against the bytes left
 * (every element takes at least one byte), so that a caller may allocate
 * by them.
 */
#ifndef LAKE_THRIFT_DECODE_H
#define LAKE_THRIFT_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* The compact protocol's type codes. */
enum lake_thrift_in_type {
	THRIFT_STOP = 0,
	THRIFT_TRUE = 1, /* a boolean field's value is in its type */
	THRIFT_FALSE = 2,
	THRIFT_BYTE = 3,
	THRIFT_I16 = 4,
	THRIFT_I32 = 5,
	THRIFT_I64 = 6,
	THRIFT_DOUBLE = 7,
	THRIFT_BINARY = 8,
	THRIFT_LIST = 9,
	THRIFT_SET = 10,
	THRIFT_MAP = 11,
	THRIFT_STRUCT = 12,
	THRIFT_UUID = 13,
};

#define THRIFT_MAX_DEPTH 32

struct lake_thrift_in {
	const uint8_t *p, *end;
	int depth;	 /* structs and containers entered and not left */
	const char *why; /* after a -1: what was wrong */
};

struct lake_thrift_field {
	int type; /* enum lake_thrift_in_type */
	int16_t id;
};

void lake_thrift_in_init(struct lake_thrift_in *in, const void *buf, size_t len);

/* Bytes consumed since init (for a page header's length). */
size_t lake_thrift_consumed(const struct lake_thrift_in *in, const void *start);

int lake_thrift_enter_struct(struct lake_thrift_in *in, int16_t *last_id);
void lake_thrift_leave_struct(struct lake_thrift_in *in);

/* 1 and the next field in *f, 0 at the struct's end (STOP), -1 on error. */
int lake_thrift_next_field(struct lake_thrift_in *in, int16_t *last_id,
			   struct lake_thrift_field *f);

/*
 * A field a struct reader knows: its id and the type its value must have.
 * Any integer type stands for all of them (a value is range-checked when
 * read), THRIFT_TRUE for a boolean, THRIFT_LIST for a list or a set.
 */
struct lake_thrift_known {
	int16_t id;
	uint8_t type;
};

/* As lake_thrift_next_field(), skipping every field not in known[0..n) or of another type. */
int lake_thrift_next_known(struct lake_thrift_in *in, int16_t *last_id, struct lake_thrift_field *f,
			   const struct lake_thrift_known *known, size_t n);

/* A field's value, checked to be of the type asked for (any integer type fits i32/i64 if in range).
 */
int lake_thrift_read_bool(struct lake_thrift_in *in, const struct lake_thrift_field *f, int *v);
int lake_thrift_read_i32(struct lake_thrift_in *in, const struct lake_thrift_field *f, int32_t *v);
int lake_thrift_read_i64(struct lake_thrift_in *in, const struct lake_thrift_field *f, int64_t *v);
int lake_thrift_read_binary(struct lake_thrift_in *in, const struct lake_thrift_field *f,
			    const uint8_t **p, size_t *len);

/* A list (or set) header: its element type and count, count <= bytes left. */
int lake_thrift_read_list(struct lake_thrift_in *in, const struct lake_thrift_field *f,
			  int *elem_type, uint32_t *count);
/* A list's element when it is an integer or a string (elements carry no field header). */
int lake_thrift_read_elem_i32(struct lake_thrift_in *in, int elem_type, int32_t *v);
int lake_thrift_read_elem_binary(struct lake_thrift_in *in, int elem_type, const uint8_t **p,
				 size_t *len);
/* Leave a list entered by lake_thrift_read_list() (depth accounting). */
void lake_thrift_leave_list(struct lake_thrift_in *in);

/* Skip a value of any type, containers and structs included. */
int lake_thrift_skip(struct lake_thrift_in *in, int type);

/* The base-128 varint and its zigzag form, as the protocol uses them. */
int lake_thrift_read_varint(struct lake_thrift_in *in, uint64_t *v);
int64_t lake_thrift_unzigzag(uint64_t v);

#endif
