/*
 * parquet_write_encode.c - Parquet's page encodings for the writer
 * (parquet_write_encode.h).
 *
 * The RLE/bit-packed hybrid is a sequence of runs, each behind a ULEB128
 * header: (count << 1) for a repeated value stored once in
 * ceil(bit_width / 8) bytes, or (groups << 1 | 1) for groups of eight
 * values packed bit_width bits each, lowest bits first.  A bit-packed run
 * holds a multiple of eight values, so only the last run of a page may
 * carry padding (readers stop at the page's value count).
 */
#include "parquet/parquet_write_encode.h"

#include <stdlib.h>
#include <string.h>

#include "parquet/thrift_encode.h"

int lake_pq_bit_width(uint32_t max)
{
	int w = 1;

	while (w < 32 && (max >> w) != 0)
		w++;
	return w;
}

/*
 * The values of one page for the hybrid encoder: levels are bytes and
 * indices are 32-bit.  The encoder is inlined into both callers with one
 * of the pointers NULL, so the compiler specialises each loop.
 */
struct hybrid_src {
	const uint8_t *u8;
	const uint32_t *u32;
};

static inline uint32_t src_get(struct hybrid_src s, size_t i)
{
	return s.u8 ? s.u8[i] : s.u32[i];
}

static void put_rle_run(struct lake_buf *out, uint32_t v, size_t count, int bit_width)
{
	lake_thrift_put_varint(out, (uint64_t)count << 1);
	for (int k = 0; k < (bit_width + 7) / 8; k++)
		lake_buf_addc(out, (char)(unsigned char)(v >> (8 * k)));
}

/* Values [from, to) bit-packed, padded with zeros to a whole group of eight. */
static inline void put_packed_run(struct lake_buf *out, struct hybrid_src s, size_t from, size_t to,
				  int bit_width)
{
	size_t groups = (to - from + 7) / 8, nbytes = groups * (size_t)bit_width;
	size_t end = from + groups * 8;
	unsigned char *p;
	uint64_t acc = 0;
	int bits = 0;

	lake_thrift_put_varint(out, ((uint64_t)groups << 1) | 1);
	lake_buf_grow(out, nbytes);
	p = (unsigned char *)out->data + out->len;
	for (size_t i = from; i < end; i++) {
		acc |= (uint64_t)(i < to ? src_get(s, i) : 0) << bits;
		bits += bit_width;
		while (bits >= 8) {
			*p++ = (unsigned char)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
	out->len += nbytes;
	out->data[out->len] = '\0';
}

/*
 * Runs of eight or more equal values become RLE runs; everything between
 * them is bit-packed.  When the values pending for a bit-packed run are
 * not a multiple of eight, the first values of the repeat fill them up,
 * and the repeat is an RLE run only if eight or more are left.
 */
static inline void encode_hybrid(struct hybrid_src s, size_t n, int bit_width, struct lake_buf *out)
{
	size_t i = 0, lit = 0; /* lit: the first value not yet written */

	while (i < n) {
		uint32_t v = src_get(s, i);
		size_t r = 1;

		while (i + r < n && src_get(s, i + r) == v)
			r++;
		if (r >= 8) {
			size_t fill = (8 - (i - lit) % 8) % 8;
			if (r - fill >= 8) {
				if (i + fill > lit)
					put_packed_run(out, s, lit, i + fill, bit_width);
				put_rle_run(out, v, r - fill, bit_width);
				lit = i + r;
			}
		}
		i += r;
	}
	if (lit < n)
		put_packed_run(out, s, lit, n, bit_width);
}

void lake_pq_encode_levels(const uint8_t *levels, size_t n, struct lake_buf *out)
{
	struct hybrid_src s = {levels, NULL};

	encode_hybrid(s, n, 1, out);
}

void lake_pq_encode_indices(const uint32_t *idx, size_t n, int bit_width, struct lake_buf *out)
{
	struct hybrid_src s = {NULL, idx};

	encode_hybrid(s, n, bit_width, out);
}

void lake_pq_pack_bools(const uint8_t *v, size_t n, struct lake_buf *out)
{
	size_t nbytes = (n + 7) / 8;
	unsigned char *p;

	lake_buf_grow(out, nbytes);
	p = (unsigned char *)out->data + out->len;
	memset(p, 0, nbytes);
	for (size_t i = 0; i < n; i++)
		p[i / 8] |= (unsigned char)((v[i] != 0) << (i % 8));
	out->len += nbytes;
	out->data[out->len] = '\0';
}

/* ---- the dictionary ---- */

/* A multiply-xorshift hash over 8-byte words: strings can be long, a byte loop would show. */
static uint32_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ n, k;

	while (n >= 8) {
		memcpy(&k, s, 8);
		h = (h ^ k) * UINT64_C(0xff51afd7ed558ccd);
		h ^= h >> 32;
		s += 8;
		n -= 8;
	}
	k = 0;
	if (n)
		memcpy(&k, s, n);
	h = (h ^ k) * UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 29;
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t entry_len(const struct lake_pq_dict *d, uint32_t e)
{
	const unsigned char *p = (const unsigned char *)d->plain.data + d->offset[e];

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int entry_equals(const struct lake_pq_dict *d, uint32_t e, uint32_t h, const char *s,
			size_t len)
{
	return d->hash[e] == h && entry_len(d, e) == len &&
	       (len == 0 || memcmp(d->plain.data + d->offset[e] + 4, s, len) == 0);
}

static void place(struct lake_pq_dict *d, uint32_t e)
{
	uint32_t mask = d->nslots - 1, pos = d->hash[e] & mask;

	while (d->slot[pos])
		pos = (pos + 1) & mask;
	d->slot[pos] = e + 1;
}

/* Keep the table at most half full, so probes stay short. */
static void grow_slots(struct lake_pq_dict *d)
{
	uint32_t want = d->nslots ? d->nslots : 1024;

	while (want < 2 * (d->n + 1))
		want *= 2;
	if (want == d->nslots)
		return;
	free(d->slot);
	d->slot = lake_xcalloc(want, sizeof *d->slot);
	d->nslots = want;
	for (uint32_t e = 0; e < d->n; e++)
		place(d, e);
}

int lake_pq_dict_add(struct lake_pq_dict *d, const char *s, size_t len, uint32_t *index)
{
	uint32_t h = hash_bytes(s, len), mask = d->nslots - 1;
	unsigned char prefix[4];

	if (d->nslots)
		for (uint32_t pos = h & mask; d->slot[pos]; pos = (pos + 1) & mask)
			if (entry_equals(d, d->slot[pos] - 1, h, s, len)) {
				*index = d->slot[pos] - 1;
				return 0;
			}
	if (d->n >= LAKE_PQ_DICT_MAX_ENTRIES || len > LAKE_PQ_DICT_MAX_BYTES ||
	    d->plain.len + 4 + len > LAKE_PQ_DICT_MAX_BYTES)
		return -1;
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 256;
		d->offset = lake_xrealloc(d->offset, d->cap * sizeof *d->offset);
		d->hash = lake_xrealloc(d->hash, d->cap * sizeof *d->hash);
	}
	d->offset[d->n] = (uint32_t)d->plain.len;
	d->hash[d->n] = h;
	lake_pq_put_le32(prefix, (uint32_t)len);
	lake_buf_add(&d->plain, prefix, 4);
	lake_buf_add(&d->plain, s, len);
	*index = d->n++;
	if (2 * d->n > d->nslots)
		grow_slots(d);
	else
		place(d, *index);
	return 1;
}

void lake_pq_dict_reset(struct lake_pq_dict *d)
{
	lake_buf_reset(&d->plain);
	d->n = 0;
	if (d->slot)
		memset(d->slot, 0, d->nslots * sizeof *d->slot);
}

void lake_pq_dict_release(struct lake_pq_dict *d)
{
	lake_buf_release(&d->plain);
	free(d->offset);
	free(d->hash);
	free(d->slot);
	memset(d, 0, sizeof *d);
}
