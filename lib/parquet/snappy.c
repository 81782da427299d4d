/*
 * snappy.c - Snappy's raw block format, decoded; see snappy.h.
 *
 * The format (google/snappy format_description.txt): a varint length, then
 * elements whose first byte's low two bits give the kind: 00 literal, 01
 * copy with 11-bit offset, 10 copy with 16-bit offset, 11 copy with
 * 32-bit offset.  Copies may overlap their own output (offset < length),
 * which repeats a pattern, so they are done byte by byte when they do.
 */
#include <string.h>

#include "parquet/snappy.h"

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

/* The header varint: at most 32 bits in five bytes, as the format defines it. */
static int read_length(const uint8_t *src, size_t srclen, size_t *pos, size_t *len,
		       const char **why)
{
	uint64_t v = 0;

	for (unsigned shift = 0, i = 0; i < 5; i++, shift += 7) {
		if (i >= srclen)
			return fail(why, "truncated snappy length");
		v |= (uint64_t)(src[i] & 0x7f) << shift;
		if (!(src[i] & 0x80)) {
			if (v > UINT32_MAX)
				return fail(why, "snappy length out of range");
			*pos = i + 1;
			*len = (size_t)v;
			return 0;
		}
	}
	return fail(why, "snappy length does not end");
}

int lake_snappy_length(const uint8_t *src, size_t srclen, size_t *len, const char **why)
{
	size_t pos;

	return read_length(src, srclen, &pos, len, why);
}

/* A literal's length: in the tag, or in 1-4 bytes after it. */
static int literal_length(const uint8_t *src, size_t srclen, size_t *pos, uint8_t tag, size_t *len,
			  const char **why)
{
	size_t n = tag >> 2;

	if (n >= 60) {
		size_t bytes = n - 59;

		if (srclen - *pos < bytes)
			return fail(why, "truncated snappy literal length");
		n = 0;
		for (size_t i = 0; i < bytes; i++)
			n |= (size_t)src[*pos + i] << (8 * i);
		*pos += bytes;
	}
	*len = n + 1;
	return 0;
}

/* A copy's length and offset from its tag and the bytes after it. */
static int copy_params(const uint8_t *src, size_t srclen, size_t *pos, uint8_t tag, size_t *len,
		       size_t *offset, const char **why)
{
	size_t extra = (tag & 3) == 1 ? 1 : (tag & 3) == 2 ? 2 : 4;

	if (srclen - *pos < extra)
		return fail(why, "truncated snappy copy");
	if ((tag & 3) == 1) {
		*len = ((tag >> 2) & 7) + 4;
		*offset = ((size_t)(tag >> 5) << 8) | src[*pos];
	} else {
		*len = (size_t)(tag >> 2) + 1;
		*offset = 0;
		for (size_t i = 0; i < extra; i++)
			*offset |= (size_t)src[*pos + i] << (8 * i);
	}
	*pos += extra;
	return 0;
}

int lake_snappy_decode(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
		       const char **why)
{
	size_t pos, out = 0, declared;

	if (read_length(src, srclen, &pos, &declared, why) < 0)
		return -1;
	if (declared != dstlen)
		return fail(why, "snappy length differs from the page's");
	while (pos < srclen) {
		uint8_t tag = src[pos++];
		size_t len, offset;

		if ((tag & 3) == 0) {
			if (literal_length(src, srclen, &pos, tag, &len, why) < 0)
				return -1;
			if (len > srclen - pos || len > dstlen - out)
				return fail(why, "snappy literal overruns its buffer");
			memcpy(dst + out, src + pos, len);
			pos += len;
			out += len;
			continue;
		}
		if (copy_params(src, srclen, &pos, tag, &len, &offset, why) < 0)
			return -1;
		if (offset == 0 || offset > out)
			return fail(why, "snappy copy from before the start");
		if (len > dstlen - out)
			return fail(why, "snappy copy overruns its buffer");
		if (offset >= len) {
			memcpy(dst + out, dst + out - offset, len);
		} else {
			for (size_t i = 0; i < len; i++)
				dst[out + i] = dst[out - offset + i];
		}
		out += len;
	}
	if (out != dstlen)
		return fail(why, "snappy block shorter than its length");
	return 0;
}
