/*
 * parquet_codec.h - a Parquet page's bytes, decompressed by its chunk's
 * codec: UNCOMPRESSED, SNAPPY, GZIP (one member or several), ZSTD,
 * BROTLI, LZ4_RAW, and the deprecated LZ4 in either of the forms writers
 * gave it (Hadoop's framing, or a bare block as old parquet-cpp wrote).
 *
 * Internal to the reader.  A page says how large it is decompressed; that
 * claim is checked against the most its codec can make of the page's
 * bytes before anything is allocated for it, so a page of a few bytes
 * cannot ask for a gigabyte.  Brotli, whose bound is millions to one, is
 * given room as it fills it instead.  The output buffer is the caller's,
 * reused page after page:
 *
 *	uint8_t *buf = NULL; size_t cap = 0; const uint8_t *raw;
 *	if (lake_pq_page_bytes(codec, body, len, rawlen, &buf, &cap, &raw, &why) < 0) ...
 *	use(raw, rawlen);  // body itself when the page is stored as it is
 *	free(buf);
 */
#ifndef LAKE_PARQUET_CODEC_H
#define LAKE_PARQUET_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Whether lake reads pages of codec (enum lake_pq_codec). */
int lake_pq_codec_supported(int codec);

/* The codec's name as parquet.thrift spells it, "unknown" for none. */
const char *lake_pq_codec_name(int codec);

/*
 * The rawlen bytes src[0..srclen) decompress to: src itself when codec is
 * UNCOMPRESSED, else *buf (grown as needed, *cap its size).  -1 and *why
 * (a static string) when they are not exactly rawlen bytes of the codec.
 */
int lake_pq_page_bytes(int codec, const uint8_t *src, size_t srclen, size_t rawlen, uint8_t **buf,
		       size_t *cap, const uint8_t **out, const char **why);

#endif
