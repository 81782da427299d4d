/*
 * thrift_decode.c - Thrift's compact protocol, read with every length
 * checked against the buffer; see thrift_decode.h.
 */
#include "parquet/thrift_decode.h"

static int fail(struct lake_thrift_in *in, const char *why)
{
	in->why = why;
	return -1;
}

void lake_thrift_in_init(struct lake_thrift_in *in, const void *buf, size_t len)
{
	in->p = buf;
	in->end = in->p + len;
	in->depth = 0;
	in->why = NULL;
}

size_t lake_thrift_consumed(const struct lake_thrift_in *in, const void *start)
{
	return (size_t)(in->p - (const uint8_t *)start);
}

int lake_thrift_read_varint(struct lake_thrift_in *in, uint64_t *v)
{
	uint64_t x = 0;

	/* Ten bytes carry 64 bits; an eleventh continuation is a corrupt varint, not more data. */
	for (unsigned shift = 0; shift < 70; shift += 7) {
		uint8_t b;

		if (in->p >= in->end)
			return fail(in, "truncated varint");
		b = *in->p++;
		if (shift == 63 && b > 1)
			return fail(in, "varint overflows 64 bits");
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return fail(in, "varint does not end");
}

int64_t lake_thrift_unzigzag(uint64_t v)
{
	/* Unsigned arithmetic throughout: the result's bits are the answer, no overflow. */
	return (int64_t)((v >> 1) ^ (~(v & 1) + 1));
}

static int enter(struct lake_thrift_in *in)
{
	if (in->depth >= THRIFT_MAX_DEPTH)
		return fail(in, "structures nested too deep");
	in->depth++;
	return 0;
}

int lake_thrift_enter_struct(struct lake_thrift_in *in, int16_t *last_id)
{
	*last_id = 0;
	return enter(in);
}

void lake_thrift_leave_struct(struct lake_thrift_in *in)
{
	if (in->depth > 0)
		in->depth--;
}

void lake_thrift_leave_list(struct lake_thrift_in *in)
{
	lake_thrift_leave_struct(in);
}

int lake_thrift_next_field(struct lake_thrift_in *in, int16_t *last_id, struct lake_thrift_field *f)
{
	uint8_t b;
	int delta;

	if (in->p >= in->end)
		return fail(in, "truncated structure");
	b = *in->p++;
	f->type = b & 0x0f;
	if (f->type == THRIFT_STOP)
		return 0;
	if (f->type > THRIFT_UUID)
		return fail(in, "unknown field type");
	delta = b >> 4;
	if (delta) {
		f->id = (int16_t)(*last_id + delta);
	} else {
		uint64_t raw;
		int64_t id;

		if (lake_thrift_read_varint(in, &raw) < 0)
			return -1;
		id = lake_thrift_unzigzag(raw);
		if (id < INT16_MIN || id > INT16_MAX)
			return fail(in, "field id out of range");
		f->id = (int16_t)id;
	}
	*last_id = f->id;
	return 1;
}

static int is_integer(int type)
{
	return type == THRIFT_BYTE || type == THRIFT_I16 || type == THRIFT_I32 ||
	       type == THRIFT_I64;
}

/* Whether a value of wire type got can be read as the type a reader wants. */
static int fits(int want, int got)
{
	if (is_integer(want))
		return is_integer(got);
	if (want == THRIFT_TRUE || want == THRIFT_FALSE)
		return got == THRIFT_TRUE || got == THRIFT_FALSE;
	if (want == THRIFT_LIST || want == THRIFT_SET)
		return got == THRIFT_LIST || got == THRIFT_SET;
	return want == got;
}

int lake_thrift_next_known(struct lake_thrift_in *in, int16_t *last_id, struct lake_thrift_field *f,
			   const struct lake_thrift_known *known, size_t n)
{
	int rc;

	while ((rc = lake_thrift_next_field(in, last_id, f)) == 1) {
		for (size_t i = 0; i < n; i++)
			if (known[i].id == f->id && fits(known[i].type, f->type))
				return 1;
		if (lake_thrift_skip(in, f->type) < 0)
			return -1;
	}
	return rc;
}

int lake_thrift_read_bool(struct lake_thrift_in *in, const struct lake_thrift_field *f, int *v)
{
	if (f->type != THRIFT_TRUE && f->type != THRIFT_FALSE)
		return fail(in, "boolean field of another type");
	*v = f->type == THRIFT_TRUE;
	return 0;
}

/* An integer of any width; the caller narrows it. */
static int read_int(struct lake_thrift_in *in, int type, int64_t *v)
{
	uint64_t raw;

	if (type == THRIFT_BYTE) {
		if (in->p >= in->end)
			return fail(in, "truncated byte");
		*v = (int8_t)*in->p++;
		return 0;
	}
	if (!is_integer(type))
		return fail(in, "integer field of another type");
	if (lake_thrift_read_varint(in, &raw) < 0)
		return -1;
	*v = lake_thrift_unzigzag(raw);
	return 0;
}

int lake_thrift_read_i64(struct lake_thrift_in *in, const struct lake_thrift_field *f, int64_t *v)
{
	return read_int(in, f->type, v);
}

int lake_thrift_read_elem_i32(struct lake_thrift_in *in, int elem_type, int32_t *v)
{
	int64_t x;

	if (read_int(in, elem_type, &x) < 0)
		return -1;
	if (x < INT32_MIN || x > INT32_MAX)
		return fail(in, "32-bit integer out of range");
	*v = (int32_t)x;
	return 0;
}

int lake_thrift_read_i32(struct lake_thrift_in *in, const struct lake_thrift_field *f, int32_t *v)
{
	return lake_thrift_read_elem_i32(in, f->type, v);
}

int lake_thrift_read_elem_binary(struct lake_thrift_in *in, int elem_type, const uint8_t **p,
				 size_t *len)
{
	uint64_t n;

	if (elem_type != THRIFT_BINARY)
		return fail(in, "string field of another type");
	if (lake_thrift_read_varint(in, &n) < 0)
		return -1;
	if (n > (uint64_t)(in->end - in->p))
		return fail(in, "string longer than the bytes left");
	*p = in->p;
	*len = (size_t)n;
	in->p += n;
	return 0;
}

int lake_thrift_read_binary(struct lake_thrift_in *in, const struct lake_thrift_field *f,
			    const uint8_t **p, size_t *len)
{
	return lake_thrift_read_elem_binary(in, f->type, p, len);
}

static int list_header(struct lake_thrift_in *in, int *elem_type, uint32_t *count)
{
	uint8_t b;
	uint64_t n;

	if (in->p >= in->end)
		return fail(in, "truncated list");
	b = *in->p++;
	*elem_type = b & 0x0f;
	n = b >> 4;
	if (n == 15 && lake_thrift_read_varint(in, &n) < 0)
		return -1;
	/* Every element takes a byte at least, so a longer list is a lie. */
	if (n > (uint64_t)(in->end - in->p))
		return fail(in, "list longer than the bytes left");
	if (*elem_type == THRIFT_STOP || *elem_type > THRIFT_UUID)
		return fail(in, "unknown list element type");
	*count = (uint32_t)n;
	return enter(in);
}

int lake_thrift_read_list(struct lake_thrift_in *in, const struct lake_thrift_field *f,
			  int *elem_type, uint32_t *count)
{
	if (f->type != THRIFT_LIST && f->type != THRIFT_SET)
		return fail(in, "list field of another type");
	return list_header(in, elem_type, count);
}

static int skip_bytes(struct lake_thrift_in *in, size_t n)
{
	if (n > (size_t)(in->end - in->p))
		return fail(in, "truncated value");
	in->p += n;
	return 0;
}

static int skip_struct(struct lake_thrift_in *in)
{
	struct lake_thrift_field f;
	int16_t last;
	int rc;

	if (lake_thrift_enter_struct(in, &last) < 0)
		return -1;
	while ((rc = lake_thrift_next_field(in, &last, &f)) == 1)
		if (lake_thrift_skip(in, f.type) < 0)
			return -1;
	lake_thrift_leave_struct(in);
	return rc;
}

/* A boolean inside a container is a byte of its own, unlike a boolean field. */
static int skip_elem(struct lake_thrift_in *in, int type)
{
	if (type == THRIFT_TRUE || type == THRIFT_FALSE)
		return skip_bytes(in, 1);
	return lake_thrift_skip(in, type);
}

static int skip_list(struct lake_thrift_in *in)
{
	int type;
	uint32_t n;

	if (list_header(in, &type, &n) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		if (skip_elem(in, type) < 0)
			return -1;
	lake_thrift_leave_list(in);
	return 0;
}

static int skip_map(struct lake_thrift_in *in)
{
	uint64_t n;
	uint8_t kv;

	if (lake_thrift_read_varint(in, &n) < 0)
		return -1;
	if (n == 0)
		return 0;
	if (n > (uint64_t)(in->end - in->p))
		return fail(in, "map longer than the bytes left");
	if (in->p >= in->end)
		return fail(in, "truncated map");
	kv = *in->p++;
	if (enter(in) < 0)
		return -1;
	for (uint64_t i = 0; i < n; i++)
		if (skip_elem(in, kv >> 4) < 0 || skip_elem(in, kv & 0x0f) < 0)
			return -1;
	lake_thrift_leave_struct(in);
	return 0;
}

int lake_thrift_skip(struct lake_thrift_in *in, int type)
{
	uint64_t v;

	switch (type) {
	case THRIFT_TRUE:
	case THRIFT_FALSE:
		return 0; /* a field's boolean is its type; nothing follows */
	case THRIFT_BYTE:
		return skip_bytes(in, 1);
	case THRIFT_I16:
	case THRIFT_I32:
	case THRIFT_I64:
		return lake_thrift_read_varint(in, &v);
	case THRIFT_DOUBLE:
		return skip_bytes(in, 8);
	case THRIFT_UUID:
		return skip_bytes(in, 16);
	case THRIFT_BINARY:
		if (lake_thrift_read_varint(in, &v) < 0)
			return -1;
		if (v > (uint64_t)(in->end - in->p))
			return fail(in, "string longer than the bytes left");
		in->p += v;
		return 0;
	case THRIFT_LIST:
	case THRIFT_SET:
		return skip_list(in);
	case THRIFT_MAP:
		return skip_map(in);
	case THRIFT_STRUCT:
		return skip_struct(in);
	default:
		return fail(in, "unknown value type");
	}
}
