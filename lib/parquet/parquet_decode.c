/*
 * parquet_decode.c - the RLE/bit-packed hybrid and DELTA_BINARY_PACKED,
 * as the Parquet encodings document (Encodings.md) defines them; see
 * parquet_decode.h.
 */
#include <stdlib.h>
#include <string.h>

#include "parquet/parquet_decode.h"

/* Sane limits on a delta header: real writers use 128 or so values per block. */
#define DELTA_MAX_BLOCK (1u << 16)
#define DELTA_MAX_MINIBLOCKS 1024u

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

int lake_pq_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	const uint8_t *q = *p;

	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (q >= end)
			return -1;
		if (shift == 63 && *q > 1)
			return -1;
		x |= (uint64_t)(*q & 0x7f) << shift;
		if (!(*q++ & 0x80)) {
			*v = x;
			*p = q;
			return 0;
		}
	}
	return -1;
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	/* Byte by byte the compiler turns into one load on little-endian machines. */
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* Value number idx of a bit-packed run: a fast load when 9 bytes are there, else bytewise. */
static uint64_t bits_at(const uint8_t *src, size_t len, uint64_t bitpos, unsigned width)
{
	size_t byte = (size_t)(bitpos >> 3);
	unsigned shift = (unsigned)(bitpos & 7);
	uint64_t v = 0;

	if (width == 0 || byte >= len)
		return 0;
	if (len - byte >= 9) {
		v = load_le64(src + byte) >> shift;
		if (shift + width > 64)
			v |= (uint64_t)src[byte + 8] << (64 - shift);
	} else {
		for (unsigned i = 0; i * 8 < shift + width && byte + i < len; i++) {
			uint64_t part = src[byte + i];
			v |= i == 0 ? part >> shift : part << (i * 8 - shift);
		}
	}
	return width == 64 ? v : v & ((UINT64_C(1) << width) - 1);
}

void lake_pq_unpack_bits(const uint8_t *src, size_t len, unsigned width, uint64_t first, size_t n,
			 uint64_t *out)
{
	uint64_t bit = first * width;

	for (size_t i = 0; i < n; i++, bit += width)
		out[i] = bits_at(src, len, bit, width);
}

int lake_pq_rle_init(struct lake_pq_rle *r, const uint8_t *p, size_t len, unsigned width,
		     const char **why)
{
	memset(r, 0, sizeof *r);
	if (width > 32)
		return fail(why, "bit width above 32");
	r->p = p;
	r->end = p + len;
	r->width = width;
	return 0;
}

/* Read the next run's header (and a repeated run's value). */
static int rle_next_run(struct lake_pq_rle *r, const char **why)
{
	uint64_t header, count;
	size_t value_bytes = (r->width + 7) / 8;

	if (lake_pq_varint(&r->p, r->end, &header) < 0)
		return fail(why, "truncated or overlong run header");
	count = header >> 1;
	if (header & 1) {
		/* Bit-packed: count groups of 8 values, count * width bytes. */
		uint64_t bytes = count * r->width;
		size_t have = (size_t)(r->end - r->p);

		if (count > (UINT64_C(1) << 40))
			return fail(why, "bit-packed run too long");
		r->lit = r->p;
		r->lit_bytes = bytes < have ? (size_t)bytes : have;
		r->lit_left = count * 8;
		r->lit_next = 0;
		r->p += r->lit_bytes;
		return 0;
	}
	if (count > UINT32_MAX)
		return fail(why, "repeated run too long");
	if ((size_t)(r->end - r->p) < value_bytes)
		return fail(why, "truncated repeated run");
	r->rle_value = 0;
	for (size_t i = 0; i < value_bytes; i++)
		r->rle_value |= (uint32_t)r->p[i] << (8 * i);
	if (r->width < 32 && r->rle_value >> r->width)
		return fail(why, "repeated value wider than its bit width");
	r->p += value_bytes;
	r->rle_left = (uint32_t)count;
	return 0;
}

int lake_pq_rle_get(struct lake_pq_rle *r, uint32_t *out, size_t n, const char **why)
{
	size_t done = 0;

	while (done < n) {
		if (r->rle_left) {
			size_t take = n - done < r->rle_left ? n - done : r->rle_left;

			for (size_t i = 0; i < take; i++)
				out[done + i] = r->rle_value;
			r->rle_left -= (uint32_t)take;
			done += take;
		} else if (r->lit_left) {
			size_t take = n - done < r->lit_left ? n - done : (size_t)r->lit_left;
			uint64_t bit = r->lit_next * r->width;

			/* The values asked for must lie in the buffer; padding after them need not.
			 */
			if ((bit + (uint64_t)take * r->width + 7) / 8 > r->lit_bytes)
				return fail(why, "bit-packed run past the end of its page");
			size_t i = 0;
			/* Widths are at most 32 bits: while 8 bytes are there, one load holds a
			 * value. */
			uint32_t mask = r->width == 32 ? UINT32_MAX : (UINT32_C(1) << r->width) - 1;
			for (; i < take && (bit >> 3) + 8 <= r->lit_bytes; i++, bit += r->width)
				out[done + i] =
				    (uint32_t)(load_le64(r->lit + (bit >> 3)) >> (bit & 7)) & mask;
			for (; i < take; i++, bit += r->width)
				out[done + i] =
				    (uint32_t)bits_at(r->lit, r->lit_bytes, bit, r->width);
			r->lit_next += take;
			r->lit_left -= take;
			done += take;
		} else {
			if (r->p >= r->end)
				return fail(why, "fewer values than the page holds");
			if (rle_next_run(r, why) < 0)
				return -1;
		}
	}
	return 0;
}

/* The header shared by lake_pq_delta_init() and lake_pq_delta_end(). */
static int delta_header(const uint8_t **p, const uint8_t *end, uint32_t *mini_count,
			uint32_t *per_mini, uint64_t *total, uint64_t *first, const char **why)
{
	uint64_t block, minis;

	if (lake_pq_varint(p, end, &block) < 0 || lake_pq_varint(p, end, &minis) < 0 ||
	    lake_pq_varint(p, end, total) < 0 || lake_pq_varint(p, end, first) < 0)
		return fail(why, "truncated delta header");
	if (block == 0 || block % 128 || block > DELTA_MAX_BLOCK || minis == 0 ||
	    minis > DELTA_MAX_MINIBLOCKS || block % minis || (block / minis) % 32)
		return fail(why, "bad delta block size");
	*mini_count = (uint32_t)minis;
	*per_mini = (uint32_t)(block / minis);
	return 0;
}

int lake_pq_delta_init(struct lake_pq_delta *d, const uint8_t *p, size_t len, const char **why)
{
	uint64_t first;

	memset(d, 0, sizeof *d);
	d->end = p + len;
	d->p = p;
	if (delta_header(&d->p, d->end, &d->mini_count, &d->per_mini, &d->left, &first, why) < 0)
		return -1;
	d->last = (first >> 1) ^ (~(first & 1) + 1);
	d->first_pending = d->left > 0;
	d->mini = d->mini_count; /* no block read yet */
	d->buf = malloc(d->per_mini * sizeof *d->buf);
	if (!d->buf)
		return fail(why, "out of memory");
	return 0;
}

void lake_pq_delta_release(struct lake_pq_delta *d)
{
	free(d->buf);
	d->buf = NULL;
}

uint64_t lake_pq_delta_count(const struct lake_pq_delta *d)
{
	return d->left;
}

/* Unpack the next miniblock (reading a block header first when one ends). */
static int delta_next_mini(struct lake_pq_delta *d, const char **why)
{
	unsigned width;
	uint64_t full, need, want;
	size_t have;

	if (d->mini + 1 >= d->mini_count) {
		uint64_t zz;

		if (lake_pq_varint(&d->p, d->end, &zz) < 0)
			return fail(why, "truncated delta block");
		d->min_delta = (zz >> 1) ^ (~(zz & 1) + 1);
		if ((size_t)(d->end - d->p) < d->mini_count)
			return fail(why, "truncated delta bit widths");
		d->widths = d->p;
		d->p += d->mini_count;
		d->mini = 0;
	} else {
		d->mini++;
	}
	width = d->widths[d->mini];
	if (width > 64)
		return fail(why, "delta bit width above 64");
	want = d->left < d->per_mini ? d->left : d->per_mini;
	full = (uint64_t)d->per_mini * width / 8;
	need = (want * width + 7) / 8;
	have = (size_t)(d->end - d->p);
	if (need > have)
		return fail(why, "truncated delta miniblock");
	lake_pq_unpack_bits(d->p, full < have ? (size_t)full : have, width, 0, (size_t)want,
			    d->buf);
	d->p += full < have ? (size_t)full : have;
	d->avail = (uint32_t)want;
	d->used = 0;
	return 0;
}

int lake_pq_delta_get(struct lake_pq_delta *d, int64_t *out, size_t n, const char **why)
{
	size_t done = 0;

	if (n > d->left)
		return fail(why, "fewer delta values than the page holds");
	if (n && d->first_pending) {
		out[done++] = (int64_t)d->last;
		d->first_pending = 0;
		d->left--;
	}
	while (done < n) {
		size_t take;

		if (d->used == d->avail && delta_next_mini(d, why) < 0)
			return -1;
		take = n - done < d->avail - d->used ? n - done : d->avail - d->used;
		/* Wrapping unsigned sums: a hostile stream overflows harmlessly. */
		for (size_t i = 0; i < take; i++) {
			d->last += d->min_delta + d->buf[d->used + i];
			out[done + i] = (int64_t)d->last;
		}
		d->used += (uint32_t)take;
		d->left -= take;
		done += take;
	}
	return 0;
}

int lake_pq_delta_end(const uint8_t *p, size_t len, const uint8_t **endp, const char **why)
{
	const uint8_t *end = p + len;
	uint32_t mini_count, per_mini;
	uint64_t left, first;

	if (delta_header(&p, end, &mini_count, &per_mini, &left, &first, why) < 0)
		return -1;
	if (left)
		left--; /* the first value is in the header */
	while (left) {
		const uint8_t *widths;

		if (lake_pq_varint(&p, end, &first) < 0 || (size_t)(end - p) < mini_count)
			return fail(why, "truncated delta block");
		widths = p;
		p += mini_count;
		for (uint32_t m = 0; m < mini_count && left; m++) {
			uint64_t bytes = (uint64_t)per_mini * widths[m] / 8;

			if (widths[m] > 64 || bytes > (uint64_t)(end - p))
				return fail(why, "truncated delta miniblock");
			p += bytes;
			left -= left < per_mini ? left : per_mini;
		}
	}
	*endp = p;
	return 0;
}
