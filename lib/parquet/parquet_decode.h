/*
 * parquet_decode.h - Parquet's integer encodings, decoded in batches:
 * the RLE/bit-packed hybrid (levels, dictionary indices, booleans) and
 * DELTA_BINARY_PACKED (integers, and the lengths inside the delta string
 * encodings).
 *
 * Internal to the reader.  Each decoder is a cursor over one page's bytes
 * that hands out the next n values into an array, so that a page can be
 * consumed a window at a time without ever holding all its values.  A
 * decoder never reads outside its buffer; running out of bytes, a bad bit
 * width or a malformed header is -1 with *why set to a static string.
 */
#ifndef LAKE_PARQUET_DECODE_H
#define LAKE_PARQUET_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* RLE/bit-packed hybrid of values width bits wide (0..32). */
struct lake_pq_rle {
	const uint8_t *p, *end;
	unsigned width;
	uint32_t rle_left; /* values left in the current repeated run */
	uint32_t rle_value;
	uint64_t lit_left;  /* values left in the current bit-packed run */
	const uint8_t *lit; /* the bit-packed run's bytes */
	size_t lit_bytes;   /* of them, those inside the buffer */
	uint64_t lit_next;  /* index in the run of the next value */
};

int lake_pq_rle_init(struct lake_pq_rle *r, const uint8_t *p, size_t len, unsigned width,
		     const char **why);
/* The next n values into out. */
int lake_pq_rle_get(struct lake_pq_rle *r, uint32_t *out, size_t n, const char **why);

/* DELTA_BINARY_PACKED. */
struct lake_pq_delta {
	const uint8_t *p, *end;
	uint32_t mini_count; /* miniblocks per block */
	uint32_t per_mini;   /* values per miniblock */
	uint64_t left;	     /* values of the stream not handed out yet */
	uint64_t last;	     /* the previous value, two's complement */
	int first_pending;   /* the header's first value not handed out yet */
	uint64_t min_delta;
	const uint8_t *widths; /* the current block's miniblock bit widths */
	uint32_t mini;	       /* index of the current miniblock in its block */
	uint32_t used;	       /* deltas of the current miniblock handed out */
	uint32_t avail;	       /* deltas unpacked into buf */
	uint64_t *buf;	       /* one miniblock's unpacked deltas */
};

int lake_pq_delta_init(struct lake_pq_delta *d, const uint8_t *p, size_t len, const char **why);
void lake_pq_delta_release(struct lake_pq_delta *d);
/* The number of values the stream holds (from its header). */
uint64_t lake_pq_delta_count(const struct lake_pq_delta *d);
int lake_pq_delta_get(struct lake_pq_delta *d, int64_t *out, size_t n, const char **why);
/* Where a delta stream at p[0..len) ends, found from its headers alone. */
int lake_pq_delta_end(const uint8_t *p, size_t len, const uint8_t **end, const char **why);

/* Unpack n little-endian bit-packed values width (0..64) bits wide; bytes past len read as 0. */
void lake_pq_unpack_bits(const uint8_t *src, size_t len, unsigned width, uint64_t first, size_t n,
			 uint64_t *out);

/* A ULEB128 varint at *p (advanced), at most 10 bytes, not past end. */
int lake_pq_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);

#endif
