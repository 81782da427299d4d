/*
 * snappy.h - decoding Snappy's raw block format (the one Parquet pages
 * use: no framing, no checksums).
 *
 * A block starts with its uncompressed length as a varint, then literals
 * and back-references.  lake only reads Snappy (its own files use ZSTD),
 * so there is no encoder.  Every literal and copy is checked against both
 * buffers: a corrupt block is an error, never a read or write out of
 * bounds.
 *
 *	size_t n;
 *	if (lake_snappy_length(src, srclen, &n, &why) < 0) ...
 *	dst = malloc(n);
 *	if (lake_snappy_decode(src, srclen, dst, n, &why) < 0) ...
 */
#ifndef LAKE_SNAPPY_H
#define LAKE_SNAPPY_H

#include <stddef.h>
#include <stdint.h>

/* The uncompressed length the block declares; -1 and *why if it cannot be read. */
int lake_snappy_length(const uint8_t *src, size_t srclen, size_t *len, const char **why);

/* Decode src into dst, which must be exactly the declared length. */
int lake_snappy_decode(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
		       const char **why);

#endif
