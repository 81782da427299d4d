/*
 * parquet_codec.c - a page's bytes decompressed, every size checked
 * before it is trusted; see parquet_codec.h.
 */
#include <brotli/decode.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "parquet/parquet_codec.h"
#include "parquet/parquet_meta.h"
#include "parquet/snappy.h"

/* A page may not claim to grow beyond this when decompressed. */
#define PAGE_MAX ((size_t)1 << 30)
/* Brotli's output buffer starts this large (or as large as the page says, if less) and doubles. */
#define BROTLI_FIRST_ROOM ((size_t)1 << 16)

static const char *const codec_names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
					  "BROTLI",	  "LZ4",    "ZSTD", "LZ4_RAW"};

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

int lake_pq_codec_supported(int codec)
{
	return codec >= PQ_UNCOMPRESSED && codec <= PQ_LZ4_RAW && codec != PQ_LZO;
}

const char *lake_pq_codec_name(int codec)
{
	return codec >= PQ_UNCOMPRESSED && codec <= PQ_LZ4_RAW ? codec_names[codec] : "unknown";
}

/* Grow a byte buffer to hold n bytes (never shrinks); -1 when it cannot. */
static int reserve(uint8_t **buf, size_t *cap, size_t n)
{
	uint8_t *nb;

	if (n <= *cap)
		return 0;
	nb = realloc(*buf, n);
	if (!nb)
		return -1;
	*buf = nb;
	*cap = n;
	return 0;
}

/*
 * The most each codec can make of srclen bytes: snappy ~22 times, deflate
 * ~1032, LZ4 255 (a match's length grows 255 a byte), zstd 32768 (a
 * 4-byte RLE block gives 128 KiB).  Brotli can make millions of times its
 * size; it is bounded as it goes (brotli_page) instead.
 */
static size_t most_from(int codec, size_t srclen)
{
	switch (codec) {
	case PQ_SNAPPY:
		return srclen * 32 + 64;
	case PQ_GZIP:
		return srclen * 1040 + 64;
	case PQ_LZ4:
	case PQ_LZ4_RAW:
		return srclen * 256 + 64;
	case PQ_BROTLI:
		return PAGE_MAX;
	default:
		return srclen * 32768 + 65536;
	}
}

static int zstd_page(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
		     const char **why)
{
	unsigned long long n = ZSTD_getFrameContentSize(src, srclen);
	size_t r;

	if (n != ZSTD_CONTENTSIZE_UNKNOWN && n != ZSTD_CONTENTSIZE_ERROR && n != dstlen)
		return fail(why, "zstd page size differs from its header's");
	r = ZSTD_decompress(dst, dstlen, src, srclen);
	if (ZSTD_isError(r))
		return fail(why, "zstd cannot decompress the page");
	if (r != dstlen)
		return fail(why, "zstd page shorter than its header says");
	return 0;
}

/*
 * GZIP: one gzip member or several one after the other (as concatenating
 * compressed files makes, and some writers do per buffer); a zlib stream
 * is accepted too, as some writers used one.
 */
static int gzip_page(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
		     const char **why)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof z);
	/* 15 + 32: a gzip or zlib header, whichever the writer used. */
	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return fail(why, "out of memory");
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = (uInt)srclen;
	z.next_out = dst;
	z.avail_out = (uInt)dstlen;
	while ((rc = inflate(&z, Z_FINISH)) == Z_STREAM_END && z.avail_in > 0)
		if (inflateReset(&z) != Z_OK)
			break;
	inflateEnd(&z);
	if (rc != Z_STREAM_END || z.avail_in != 0)
		return fail(why, "gzip cannot decompress the page");
	/* Not total_out: each member's reset zeroes it. */
	if (z.avail_out != 0)
		return fail(why, "gzip page shorter than its header says");
	return 0;
}

static int lz4_block(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen)
{
	int r;

	if (srclen > (size_t)LZ4_MAX_INPUT_SIZE || dstlen > (size_t)LZ4_MAX_INPUT_SIZE)
		return -1;
	r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)srclen, (int)dstlen);
	return r >= 0 && (size_t)r == dstlen ? 0 : -1;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Hadoop's LZ4 framing: blocks, each a big-endian 32-bit length
 * decompressed, another compressed, then an LZ4 block; together exactly
 * the page.  -1 when src is not in it.
 */
static int lz4_hadoop(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen)
{
	size_t done = 0;

	while (srclen >= 8) {
		uint32_t raw = be32(src), packed = be32(src + 4);

		src += 8;
		srclen -= 8;
		if (packed > srclen || raw > dstlen - done ||
		    lz4_block(src, packed, dst + done, raw) < 0)
			return -1;
		src += packed;
		srclen -= packed;
		done += raw;
	}
	return srclen == 0 && done == dstlen ? 0 : -1;
}

/*
 * The deprecated LZ4 codec meant Hadoop's framing to parquet-mr and a bare
 * LZ4 block to old parquet-cpp; which one a page holds is only known by
 * trying, as Arrow does: the framing first, then the block.
 */
static int lz4_page(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
		    const char **why)
{
	if (lz4_hadoop(src, srclen, dst, dstlen) == 0 || lz4_block(src, srclen, dst, dstlen) == 0)
		return 0;
	return fail(why, "LZ4 cannot decompress the page (neither Hadoop's framing nor a block)");
}

/*
 * Brotli, into *buf as it fills: the room starts small and doubles up to
 * what the page says, so a page that claims much and holds little costs
 * only what it holds.
 */
static int brotli_page(const uint8_t *src, size_t srclen, size_t dstlen, uint8_t **buf, size_t *cap,
		       const char **why)
{
	BrotliDecoderState *s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	BrotliDecoderResult r;
	size_t in_left = srclen, done = 0;
	size_t room = dstlen < BROTLI_FIRST_ROOM ? dstlen : BROTLI_FIRST_ROOM;
	const uint8_t *in = src;
	int rc = -1;

	if (!s)
		return fail(why, "out of memory");
	for (;;) {
		size_t out_left = room - done;
		uint8_t *out;

		if (reserve(buf, cap, room ? room : 1) < 0) {
			fail(why, "out of memory");
			goto out;
		}
		out = *buf + done;
		r = BrotliDecoderDecompressStream(s, &in_left, &in, &out_left, &out, NULL);
		done = room - out_left;
		if (r != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
			break;
		if (room == dstlen) {
			fail(why, "brotli page longer than its header says");
			goto out;
		}
		room = dstlen - room < room ? dstlen : room * 2;
	}
	if (r != BROTLI_DECODER_RESULT_SUCCESS || in_left != 0)
		fail(why, "brotli cannot decompress the page");
	else if (done != dstlen)
		fail(why, "brotli page shorter than its header says");
	else
		rc = 0;
out:
	BrotliDecoderDestroyInstance(s);
	return rc;
}

int lake_pq_page_bytes(int codec, const uint8_t *src, size_t srclen, size_t rawlen, uint8_t **buf,
		       size_t *cap, const uint8_t **out, const char **why)
{
	int rc;

	if (codec == PQ_UNCOMPRESSED) {
		if (rawlen != srclen)
			return fail(why, "uncompressed page sizes differ");
		*out = src;
		return 0;
	}
	if (!lake_pq_codec_supported(codec))
		return fail(why, "unsupported compression");
	if (rawlen > most_from(codec, srclen) || rawlen > PAGE_MAX)
		return fail(why, "page claims more bytes than it can hold");
	if (codec == PQ_BROTLI) {
		rc = brotli_page(src, srclen, rawlen, buf, cap, why);
	} else if (reserve(buf, cap, rawlen ? rawlen : 1) < 0) {
		rc = fail(why, "out of memory");
	} else {
		switch (codec) {
		case PQ_SNAPPY:
			rc = lake_snappy_decode(src, srclen, *buf, rawlen, why);
			break;
		case PQ_GZIP:
			rc = gzip_page(src, srclen, *buf, rawlen, why);
			break;
		case PQ_ZSTD:
			rc = zstd_page(src, srclen, *buf, rawlen, why);
			break;
		case PQ_LZ4:
			rc = lz4_page(src, srclen, *buf, rawlen, why);
			break;
		default: /* PQ_LZ4_RAW */
			rc = lz4_block(src, srclen, *buf, rawlen) == 0
				 ? 0
				 : fail(why, "LZ4_RAW cannot decompress the page");
		}
	}
	if (rc == 0)
		*out = *buf;
	return rc;
}
