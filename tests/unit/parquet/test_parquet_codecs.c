/*
 * test_parquet_codecs.c - the Parquet reader's building blocks on bytes
 * written out here: the Thrift compact decoder, the Snappy decoder, the
 * RLE/bit-packed hybrid and DELTA_BINARY_PACKED, each on good input and
 * on the ways input lies.
 */
#include <lz4.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include "parquet/parquet_codec.h"
#include "parquet/parquet_decode.h"
#include "parquet/parquet_meta.h"
#include "parquet/snappy.h"
#include "t.h"
#include "parquet/thrift_decode.h"

static void test_varints_and_zigzag(void)
{
	struct lake_thrift_in in;
	uint64_t v;
	static const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	static const uint8_t over[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
	static const uint8_t endless[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					  0x80, 0x80, 0x80, 0x80, 0x80, 0x00};

	lake_thrift_in_init(&in, max, sizeof max);
	CHECK(lake_thrift_read_varint(&in, &v) == 0);
	CHECK(v == UINT64_MAX);
	lake_thrift_in_init(&in, over, sizeof over);
	CHECK(lake_thrift_read_varint(&in, &v) == -1);
	CHECK_STR(in.why, "varint overflows 64 bits");
	lake_thrift_in_init(&in, endless, sizeof endless);
	CHECK(lake_thrift_read_varint(&in, &v) == -1);
	lake_thrift_in_init(&in, endless, 3);
	CHECK(lake_thrift_read_varint(&in, &v) == -1);
	CHECK_STR(in.why, "truncated varint");
	CHECK_INT(lake_thrift_unzigzag(0), 0);
	CHECK_INT(lake_thrift_unzigzag(1), -1);
	CHECK_INT(lake_thrift_unzigzag(2), 1);
	CHECK(lake_thrift_unzigzag(UINT64_MAX) == INT64_MIN);
	CHECK(lake_thrift_unzigzag(UINT64_MAX - 1) == INT64_MAX);
}

static void test_struct_fields_and_skipping(void)
{
	/*
	 * field 1 i32 = -3 (delta 1), field 20 string "ab" (long form),
	 * field 21 true, field 22 list<i64> [1, 2], field 23 map<string,i32>
	 * {"k": 1}, field 24 double, field 25 struct { field 1 byte 7 },
	 * field 26 set<bool> [true], stop.
	 */
	static const uint8_t buf[] = {0x15, 0x05, 0x08, 0x28, 0x02, 'a',  'b',	0x11, 0x19,
				      0x26, 0x02, 0x04, 0x1b, 0x01, 0x85, 0x01, 'k',  0x02,
				      0x17, 0,	  0,	0,    0,    0,	  0,	0,    0,
				      0x1c, 0x13, 0x07, 0x00, 0x1a, 0x11, 0x01, 0x00};
	struct lake_thrift_in in;
	struct lake_thrift_field f;
	int16_t last;
	int32_t i;
	const uint8_t *p;
	size_t len;
	int b, seen = 0;

	lake_thrift_in_init(&in, buf, sizeof buf);
	CHECK(lake_thrift_enter_struct(&in, &last) == 0);
	CHECK(lake_thrift_next_field(&in, &last, &f) == 1);
	CHECK_INT(f.id, 1);
	CHECK(lake_thrift_read_i32(&in, &f, &i) == 0);
	CHECK_INT(i, -3);
	CHECK(lake_thrift_next_field(&in, &last, &f) == 1);
	CHECK_INT(f.id, 20);
	CHECK(lake_thrift_read_binary(&in, &f, &p, &len) == 0);
	CHECK(len == 2 && memcmp(p, "ab", 2) == 0);
	CHECK(lake_thrift_next_field(&in, &last, &f) == 1);
	CHECK_INT(f.id, 21);
	CHECK(lake_thrift_read_bool(&in, &f, &b) == 0);
	CHECK(b);
	while (lake_thrift_next_field(&in, &last, &f) == 1) {
		seen++;
		CHECK(lake_thrift_skip(&in, f.type) == 0);
	}
	CHECK_INT(seen, 5);
	CHECK(in.p == buf + sizeof buf);
	lake_thrift_leave_struct(&in);
	CHECK_INT(in.depth, 0);

	/* A wrong type where an integer is expected. */
	lake_thrift_in_init(&in, buf, sizeof buf);
	CHECK(lake_thrift_enter_struct(&in, &last) == 0);
	CHECK(lake_thrift_next_field(&in, &last, &f) == 1);
	f.type = THRIFT_BINARY;
	CHECK(lake_thrift_read_i32(&in, &f, &i) == -1);
}

static void test_lies_and_depth(void)
{
	struct lake_thrift_in in;
	struct lake_thrift_field f;
	int16_t last;
	int type;
	uint32_t n;
	uint8_t deep[200];
	/* A list claiming 1000 elements in 3 bytes; a string claiming 100. */
	static const uint8_t list[] = {0x19, 0xf5, 0xe8, 0x07, 0, 0};
	static const uint8_t str[] = {0x18, 0x64, 'a'};

	lake_thrift_in_init(&in, list, sizeof list);
	CHECK(lake_thrift_enter_struct(&in, &last) == 0);
	CHECK(lake_thrift_next_field(&in, &last, &f) == 1);
	CHECK(lake_thrift_read_list(&in, &f, &type, &n) == -1);
	CHECK_STR(in.why, "list longer than the bytes left");

	lake_thrift_in_init(&in, str, sizeof str);
	CHECK(lake_thrift_skip(&in, THRIFT_STRUCT) == -1);
	CHECK_STR(in.why, "string longer than the bytes left");

	/* Structs in structs, deeper than the limit: refused, not recursed into. */
	for (size_t i = 0; i < sizeof deep; i++)
		deep[i] = 0x1c; /* field 1, struct */
	lake_thrift_in_init(&in, deep, sizeof deep);
	CHECK(lake_thrift_skip(&in, THRIFT_STRUCT) == -1);
	CHECK_STR(in.why, "structures nested too deep");

	/* Unknown type codes. */
	lake_thrift_in_init(&in, "\x1e", 1);
	CHECK(lake_thrift_enter_struct(&in, &last) == 0);
	CHECK(lake_thrift_next_field(&in, &last, &f) == -1);
}

static void test_unknown_and_mistyped_fields_skipped(void)
{
	/*
	 * A struct as a newer writer sends it, read by one that knows
	 * fields 1 (i32), 3 (string), 4 (bool) and 9 (struct):
	 *   1  i16 = 5            known, a narrower integer: read
	 *   2  list<uuid> [u]     unknown
	 *   3  i32 = 7            known id, not a string: skipped
	 *   3  string "ok"        known (again): read
	 *   4  false              known bool
	 *   7  map<i32,bool> {1: true}  unknown, booleans as bytes in it
	 *   8  struct { 1 set<double> [0.0], 2 struct { stop } }  unknown, nested
	 *   9  binary "x"         known id, not a struct: skipped
	 *   -5 byte 1             unknown, long form, negative id
	 *   stop
	 */
	static const uint8_t buf[] = {
	    0x14, 0x0a,					    /* 1: i16 5 */
	    0x19, 0x1d, 1,    2,    3,	  4,  5,  6,  7, 8, /* 2: list of 1 uuid */
	    9,	  10,	11,   12,   13,	  14, 15, 16,	    /* ... */
	    0x15, 0x0e,					    /* 3: i32 7 */
	    0x08, 0x06, 0x02, 'o',  'k',		    /* 3 again: "ok" */
	    0x12,					    /* 4: false */
	    0x3b, 0x01, 0x51, 0x02, 0x01,		    /* 7: map {1: true} */
	    0x1c, 0x1a, 0x17, 0,    0,	  0,  0,  0,  0, 0,
	    0,	  0x1c, 0x00, 0x00, /* 8: the nested struct */
	    0x18, 0x01, 'x',	    /* 9: binary */
	    0x03, 0x09, 0x01,	    /* -5: byte 1 */
	    0x00};
	static const struct lake_thrift_known known[] = {
	    {1, THRIFT_I32}, {3, THRIFT_BINARY}, {4, THRIFT_TRUE}, {9, THRIFT_STRUCT}};
	struct lake_thrift_in in;
	struct lake_thrift_field f;
	int16_t last;
	int32_t i = 0;
	const uint8_t *p;
	size_t len;
	int b = 1, rc;

	lake_thrift_in_init(&in, buf, sizeof buf);
	CHECK(lake_thrift_enter_struct(&in, &last) == 0);
	CHECK(lake_thrift_next_known(&in, &last, &f, known, 4) == 1);
	CHECK_INT(f.id, 1);
	CHECK(lake_thrift_read_i32(&in, &f, &i) == 0);
	CHECK_INT(i, 5);
	CHECK(lake_thrift_next_known(&in, &last, &f, known, 4) == 1);
	CHECK_INT(f.id, 3);
	CHECK_INT(f.type, THRIFT_BINARY);
	CHECK(lake_thrift_read_binary(&in, &f, &p, &len) == 0);
	CHECK(len == 2 && memcmp(p, "ok", 2) == 0);
	CHECK(lake_thrift_next_known(&in, &last, &f, known, 4) == 1);
	CHECK_INT(f.id, 4);
	CHECK(lake_thrift_read_bool(&in, &f, &b) == 0);
	CHECK_INT(b, 0);
	rc = lake_thrift_next_known(&in, &last, &f, known, 4);
	CHECK_INT(rc, 0);
	if (rc != 0)
		fprintf(stderr, "stopped at field %d: %s\n", f.id, in.why ? in.why : "");
	CHECK(in.p == buf + sizeof buf);
	lake_thrift_leave_struct(&in);
	CHECK_INT(in.depth, 0);

	/* Nothing known: every field skipped, the struct read to its end. */
	lake_thrift_in_init(&in, buf, sizeof buf);
	CHECK(lake_thrift_enter_struct(&in, &last) == 0);
	CHECK(lake_thrift_next_known(&in, &last, &f, NULL, 0) == 0);
	CHECK(in.p == buf + sizeof buf);

	/* A skipped field cut short is still an error, not a silent stop. */
	lake_thrift_in_init(&in, buf, 6);
	CHECK(lake_thrift_enter_struct(&in, &last) == 0);
	CHECK(lake_thrift_next_known(&in, &last, &f, known, 4) == 1);
	CHECK(lake_thrift_read_i32(&in, &f, &i) == 0);
	CHECK(lake_thrift_next_known(&in, &last, &f, known, 4) == -1);
	CHECK_STR(in.why, "truncated value");
}

static void test_snappy(void)
{
	/* "abcd" then a copy of 8 from offset 4 (overlapping itself): "abcdabcdabcd". */
	static const uint8_t block[] = {0x0c, 0x0c, 'a', 'b', 'c', 'd', 0x11, 0x04};
	uint8_t out[12];
	size_t n;
	const char *why = NULL;

	CHECK(lake_snappy_length(block, sizeof block, &n, &why) == 0);
	CHECK(n == 12);
	CHECK(lake_snappy_decode(block, sizeof block, out, 12, &why) == 0);
	CHECK(memcmp(out, "abcdabcdabcd", 12) == 0);
	/* The length must match what the page says. */
	CHECK(lake_snappy_decode(block, sizeof block, out, 11, &why) == -1);
	/* Short of its length. */
	CHECK(lake_snappy_decode(block, 6, out, 12, &why) == -1);
	CHECK_STR(why, "snappy block shorter than its length");
	{
		/* A copy from before the start, and a literal past the input. */
		static const uint8_t back[] = {0x0c, 0x0c, 'a', 'b', 'c', 'd', 0x11, 0x05};
		static const uint8_t lit[] = {0x0c, 0x2c, 'a', 'b'};
		static const uint8_t len6[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};

		CHECK(lake_snappy_decode(back, sizeof back, out, 12, &why) == -1);
		CHECK_STR(why, "snappy copy from before the start");
		CHECK(lake_snappy_decode(lit, sizeof lit, out, 12, &why) == -1);
		CHECK(lake_snappy_length(len6, sizeof len6, &n, &why) == -1);
	}
}

/* src as one gzip member at out[0..), its length. */
static size_t gzip_member(const char *src, uint8_t *out, size_t cap)
{
	z_stream z;
	size_t n;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = (uInt)strlen(src);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	n = deflate(&z, Z_FINISH) == Z_STREAM_END ? cap - z.avail_out : 0;
	deflateEnd(&z);
	return n;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

/* The page src decompressed by codec is want, or fails saying needle. */
static void check_page(int codec, const uint8_t *src, size_t n, size_t rawlen, const char *want,
		       const char *needle)
{
	uint8_t *buf = NULL;
	size_t cap = 0;
	const uint8_t *out;
	const char *why = NULL;
	int rc = lake_pq_page_bytes(codec, src, n, rawlen, &buf, &cap, &out, &why);

	if (want) {
		CHECK(rc == 0);
		CHECK(rc == 0 && memcmp(out, want, rawlen) == 0);
		if (rc < 0)
			fprintf(stderr, "codec %d: %s\n", codec, why);
	} else {
		CHECK(rc == -1);
		CHECK(rc == -1 && strstr(why, needle) != NULL);
		if (rc == 0 || !strstr(why, needle))
			fprintf(stderr, "codec %d: %s\n", codec, rc ? why : "read");
	}
	free(buf);
}

static void test_page_codecs(void)
{
	const char *text = "lake reads brotli, lake reads brotli";
	/* text, and a megabyte of zeros, by brotli -q 11. */
	static const uint8_t brotli_text[] = {0x1b, 0x23, 0x00, 0xf8, 0x45, 0x6f, 0x78, 0xbd,
					      0xeb, 0xf7, 0x3e, 0x13, 0x87, 0xac, 0x14, 0x42,
					      0xaa, 0x10, 0x41, 0x8a, 0x9d, 0xd8, 0x64, 0x1c,
					      0x7c, 0xe7, 0x55, 0x06, 0x01};
	static const uint8_t brotli_zeros[] = {0x5b, 0xff, 0xff, 0x8f, 0x7f, 0x02, 0x20,
					       0x1e, 0x0b, 0x04, 0x72, 0xef, 0x1f, 0x00};
	uint8_t page[512], block[256];
	size_t n, m, len = strlen(text);
	int k;

	/* GZIP of two members, as concatenated files are: both are the page. */
	n = gzip_member("lake reads brotli, ", page, sizeof page);
	n += gzip_member("lake reads brotli", page + n, sizeof page - n);
	check_page(PQ_GZIP, page, n, len, text, NULL);
	/* ... and nothing after the last member. */
	page[n] = 0;
	check_page(PQ_GZIP, page, n + 1, len, NULL, "gzip cannot decompress the page");

	/* LZ4_RAW: one block. */
	k = LZ4_compress_default(text, (char *)block, (int)len, (int)sizeof block);
	CHECK(k > 0);
	check_page(PQ_LZ4_RAW, block, (size_t)k, len, text, NULL);
	check_page(PQ_LZ4_RAW, block, (size_t)k, len + 1, NULL, "LZ4_RAW cannot decompress");

	/* LZ4 in Hadoop's framing: two blocks, each with its two big-endian lengths. */
	n = 0;
	for (int half = 0; half < 2; half++) {
		const char *from = text + (half ? 19 : 0);
		int raw = half ? (int)len - 19 : 19;

		k = LZ4_compress_default(from, (char *)block, raw, (int)sizeof block);
		put_be32(page + n, (uint32_t)raw);
		put_be32(page + n + 4, (uint32_t)k);
		memcpy(page + n + 8, block, (size_t)k);
		n += 8 + (size_t)k;
	}
	check_page(PQ_LZ4, page, n, len, text, NULL);
	/* A frame whose lengths lie is not read as one. */
	put_be32(page, 20);
	check_page(PQ_LZ4, page, n, len, NULL, "neither Hadoop's framing nor a block");
	/* LZ4 as old parquet-cpp wrote it: a bare block. */
	m = (size_t)LZ4_compress_default(text, (char *)block, (int)len, (int)sizeof block);
	check_page(PQ_LZ4, block, m, len, text, NULL);

	/* BROTLI. */
	check_page(PQ_BROTLI, brotli_text, sizeof brotli_text, len, text, NULL);
	check_page(PQ_BROTLI, brotli_text, sizeof brotli_text, len - 1, NULL,
		   "brotli page longer than its header says");
	check_page(PQ_BROTLI, brotli_text, sizeof brotli_text - 3, len, NULL,
		   "brotli cannot decompress the page");
	{
		/* Fourteen bytes are a megabyte of zeros: room is made as the page fills it. */
		uint8_t *buf = NULL;
		size_t cap = 0;
		const uint8_t *out;
		const char *why;

		CHECK(lake_pq_page_bytes(PQ_BROTLI, brotli_zeros, sizeof brotli_zeros, 1 << 20,
					 &buf, &cap, &out, &why) == 0);
		CHECK(buf && buf[0] == 0 && buf[(1 << 20) - 1] == 0);
		/* A page claiming a gigabyte but holding the megabyte takes no gigabyte. */
		CHECK(lake_pq_page_bytes(PQ_BROTLI, brotli_zeros, sizeof brotli_zeros, 1 << 30,
					 &buf, &cap, &out, &why) == -1);
		CHECK_STR(why, "brotli page shorter than its header says");
		CHECK(cap <= 4 << 20);
		free(buf);
	}

	/* Claims past what a codec can make of the bytes are refused before any allocation. */
	check_page(PQ_LZ4_RAW, block, m, m * 300, NULL, "page claims more bytes than it can hold");
	check_page(PQ_LZO, block, m, len, NULL, "unsupported compression");
	CHECK_STR(lake_pq_codec_name(PQ_LZ4_RAW), "LZ4_RAW");
	CHECK_STR(lake_pq_codec_name(42), "unknown");
	CHECK(!lake_pq_codec_supported(PQ_LZO));
}

static void test_rle_hybrid(void)
{
	/* A run of 5 sevens (width 3), then one bit-packed group 0..7. */
	static const uint8_t buf[] = {0x0a, 0x07, 0x03, 0x88, 0xc6, 0xfa};
	struct lake_pq_rle r;
	uint32_t v[13];
	const char *why = NULL;

	CHECK(lake_pq_rle_init(&r, buf, sizeof buf, 3, &why) == 0);
	CHECK(lake_pq_rle_get(&r, v, 2, &why) == 0);
	CHECK(lake_pq_rle_get(&r, v + 2, 11, &why) == 0);
	for (int i = 0; i < 5; i++)
		CHECK_INT(v[i], 7);
	for (int i = 0; i < 8; i++)
		CHECK_INT(v[5 + i], i);
	/* Nothing more. */
	CHECK(lake_pq_rle_get(&r, v, 1, &why) == -1);
	CHECK(lake_pq_rle_init(&r, buf, sizeof buf, 33, &why) == -1);
	/* A repeated value wider than its width. */
	CHECK(lake_pq_rle_init(&r, buf, sizeof buf, 2, &why) == 0);
	CHECK(lake_pq_rle_get(&r, v, 1, &why) == -1);
	/* A bit-packed run claiming more groups than there are bytes. */
	{
		static const uint8_t lie[] = {0xff, 0x01, 0x00};
		CHECK(lake_pq_rle_init(&r, lie, sizeof lie, 8, &why) == 0);
		CHECK(lake_pq_rle_get(&r, v, 1, &why) == 0);
		CHECK(lake_pq_rle_get(&r, v, 2, &why) == -1);
	}
}

static void test_delta(void)
{
	/* block 128, 4 miniblocks, 3 values, first 10; min delta -2, widths 1: 10, 8, 7. */
	static const uint8_t buf[] = {0x80, 0x01, 0x04, 0x03, 0x14, 0x03, 0x01,
				      0x01, 0x01, 0x01, 0x02, 0,    0,	  0};
	struct lake_pq_delta d;
	int64_t v[3];
	const uint8_t *end;
	const char *why = NULL;

	CHECK(lake_pq_delta_init(&d, buf, sizeof buf, &why) == 0);
	CHECK(lake_pq_delta_count(&d) == 3);
	CHECK(lake_pq_delta_get(&d, v, 1, &why) == 0);
	CHECK(lake_pq_delta_get(&d, v + 1, 2, &why) == 0);
	CHECK_INT(v[0], 10);
	CHECK_INT(v[1], 8);
	CHECK_INT(v[2], 7);
	CHECK(lake_pq_delta_get(&d, v, 1, &why) == -1);
	lake_pq_delta_release(&d);
	CHECK(lake_pq_delta_end(buf, sizeof buf, &end, &why) == 0);
	CHECK(end == buf + sizeof buf);
	{
		/* Bad block sizes: 100 values a block, 0 miniblocks, a width of 65. */
		static const uint8_t b1[] = {0x64, 0x04, 0x01, 0x00};
		static const uint8_t b2[] = {0x80, 0x01, 0x00, 0x01, 0x00};
		static const uint8_t b3[] = {0x80, 0x01, 0x04, 0x02, 0x00, 0x00, 65, 0, 0, 0, 0xff};

		CHECK(lake_pq_delta_init(&d, b1, sizeof b1, &why) == -1);
		CHECK(lake_pq_delta_init(&d, b2, sizeof b2, &why) == -1);
		CHECK(lake_pq_delta_init(&d, b3, sizeof b3, &why) == 0);
		CHECK(lake_pq_delta_get(&d, v, 2, &why) == -1);
		lake_pq_delta_release(&d);
		CHECK(lake_pq_delta_end(b3, sizeof b3, &end, &why) == -1);
	}
}

int main(void)
{
	T_RUN(test_varints_and_zigzag);
	T_RUN(test_struct_fields_and_skipping);
	T_RUN(test_lies_and_depth);
	T_RUN(test_unknown_and_mistyped_fields_skipped);
	T_RUN(test_snappy);
	T_RUN(test_page_codecs);
	T_RUN(test_rle_hybrid);
	T_RUN(test_delta);
	T_DONE();
}
