/*
 * parquet_write_encode.h - the value encodings of Parquet's data pages, for
 * the writer (parquet_write.c): the RLE/bit-packed hybrid of definition
 * levels and dictionary indices, PLAIN booleans, and the dictionary of a
 * string column chunk.
 *
 * The encoders append to a lake_buf and work a whole page at a time.
 *
 *	lake_pq_encode_levels(levels, nrows, &body);         // bit width 1
 *	lake_pq_encode_indices(idx, nvalues, bit_width, &body);
 *
 *	struct lake_pq_dict d = LAKE_PQ_DICT_INIT;
 *	switch (lake_pq_dict_add(&d, s, len, &index)) ...   // 1 new, 0 known, -1 full
 *	d.plain is the dictionary page's body
 *	lake_pq_dict_release(&d);
 */
#ifndef LAKE_PARQUET_WRITE_ENCODE_H
#define LAKE_PARQUET_WRITE_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Bits needed for values 0..max; at least 1, since some readers refuse a width of 0. */
int lake_pq_bit_width(uint32_t max);

/* Definition levels (0 null, 1 present) with the hybrid encoding at bit width 1, no length prefix.
 */
void lake_pq_encode_levels(const uint8_t *levels, size_t n, struct lake_buf *out);

/* Dictionary indices with the hybrid encoding at bit_width (1..32), no bit width byte. */
void lake_pq_encode_indices(const uint32_t *idx, size_t n, int bit_width, struct lake_buf *out);

/* PLAIN booleans (each byte 0 or 1): one bit each, the first value in the lowest bit. */
void lake_pq_pack_bools(const uint8_t *v, size_t n, struct lake_buf *out);

/* Little-endian stores, whatever the host's order. */
static inline void lake_pq_put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static inline void lake_pq_put_le64(unsigned char *p, uint64_t v)
{
	lake_pq_put_le32(p, (uint32_t)v);
	lake_pq_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* The limits of one chunk's dictionary: past either, the chunk goes on in PLAIN. */
#define LAKE_PQ_DICT_MAX_ENTRIES 65536
#define LAKE_PQ_DICT_MAX_BYTES (1u << 20)

struct lake_pq_dict {
	struct lake_buf plain; /* the entries PLAIN encoded: the dictionary page's body */
	uint32_t *offset;      /* entry i starts at plain.data + offset[i] (its length prefix) */
	uint32_t *hash;	       /* entry i's hash, to compare and rehash cheaply */
	uint32_t n, cap;       /* entries, and room in offset and hash */
	uint32_t *slot;	       /* open addressing: an entry's index + 1, 0 when free */
	uint32_t nslots;       /* a power of two, at least twice n */
};

#define LAKE_PQ_DICT_INIT                                                                          \
	{                                                                                          \
		LAKE_BUF_INIT, NULL, NULL, 0, 0, NULL, 0                                           \
	}

/*
 * The index of s[0..len) in the dictionary, added when new: returns 1 when
 * added, 0 when it was there, -1 (nothing changed) when adding it would
 * pass a limit.
 */
int lake_pq_dict_add(struct lake_pq_dict *d, const char *s, size_t len, uint32_t *index);

/* Empty the dictionary, keeping its storage for the next chunk. */
void lake_pq_dict_reset(struct lake_pq_dict *d);
void lake_pq_dict_release(struct lake_pq_dict *d);

#endif
