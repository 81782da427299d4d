/*
 * parquet_meta.h - the parts of a Parquet footer and page header lake
 * uses, parsed from their Thrift form (parquet.thrift) by parquet_meta.c.
 *
 * Internal to the reader (parquet_read.c).  The footer is parsed once
 * into these plain structs; strings and statistics point into the footer
 * buffer, which the reader keeps for as long as the file is open.  Parsing
 * checks the shapes it relies on (counts, the schema tree, enum ranges)
 * and reports anything else as "corrupt footer: WHY".
 */
#ifndef LAKE_PARQUET_META_H
#define LAKE_PARQUET_META_H

#include <stddef.h>
#include <stdint.h>

/* Numbers as parquet.thrift defines them. */
enum lake_pq_physical {
	PQ_BOOLEAN = 0,
	PQ_INT32 = 1,
	PQ_INT64 = 2,
	PQ_INT96 = 3,
	PQ_FLOAT = 4,
	PQ_DOUBLE = 5,
	PQ_BYTE_ARRAY = 6,
	PQ_FIXED = 7,
};

enum lake_pq_converted {
	PQ_CT_UTF8 = 0,
	PQ_CT_ENUM = 4,
	PQ_CT_DECIMAL = 5,
	PQ_CT_DATE = 6,
	PQ_CT_TIME_MILLIS = 7,
	PQ_CT_TIME_MICROS = 8,
	PQ_CT_TIMESTAMP_MILLIS = 9,
	PQ_CT_TIMESTAMP_MICROS = 10,
	PQ_CT_UINT_8 = 11,
	PQ_CT_UINT_16 = 12,
	PQ_CT_UINT_32 = 13,
	PQ_CT_UINT_64 = 14,
	PQ_CT_INT_8 = 15,
	PQ_CT_INT_64 = 18,
	PQ_CT_JSON = 19,
	PQ_CT_BSON = 20,
	PQ_CT_INTERVAL = 21,
};

/* LogicalType's union members (the field ids). */
enum lake_pq_logical {
	PQ_LT_NONE = 0,
	PQ_LT_STRING = 1,
	PQ_LT_MAP = 2,
	PQ_LT_LIST = 3,
	PQ_LT_ENUM = 4,
	PQ_LT_DECIMAL = 5,
	PQ_LT_DATE = 6,
	PQ_LT_TIME = 7,
	PQ_LT_TIMESTAMP = 8,
	PQ_LT_INTEGER = 10,
	PQ_LT_UNKNOWN = 11,
	PQ_LT_JSON = 12,
	PQ_LT_BSON = 13,
	PQ_LT_UUID = 14,
	PQ_LT_FLOAT16 = 15,
	PQ_LT_VARIANT = 16,
	PQ_LT_GEOMETRY = 17,
	PQ_LT_GEOGRAPHY = 18,
	/* Any other id: a type newer than lake, read as its physical type. */
};

enum lake_pq_time_unit { PQ_MILLIS = 1, PQ_MICROS = 2, PQ_NANOS = 3 };

enum lake_pq_repetition { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };

enum lake_pq_codec {
	PQ_UNCOMPRESSED = 0,
	PQ_SNAPPY = 1,
	PQ_GZIP = 2,
	PQ_LZO = 3,
	PQ_BROTLI = 4,
	PQ_LZ4 = 5,
	PQ_ZSTD = 6,
	PQ_LZ4_RAW = 7,
};

enum lake_pq_encoding {
	PQ_PLAIN = 0,
	PQ_PLAIN_DICTIONARY = 2,
	PQ_RLE = 3,
	PQ_BIT_PACKED = 4,
	PQ_DELTA_BINARY_PACKED = 5,
	PQ_DELTA_LENGTH_BYTE_ARRAY = 6,
	PQ_DELTA_BYTE_ARRAY = 7,
	PQ_RLE_DICTIONARY = 8,
	PQ_BYTE_STREAM_SPLIT = 9,
};

enum lake_pq_page_type {
	PQ_DATA_PAGE = 0,
	PQ_INDEX_PAGE = 1,
	PQ_DICTIONARY_PAGE = 2,
	PQ_DATA_PAGE_V2 = 3
};

/* One leaf of the (flat) schema: a column. */
struct lake_pq_leaf {
	char *name;	     /* NUL-terminated copy */
	int physical;	     /* enum lake_pq_physical */
	int32_t type_length; /* FIXED_LEN_BYTE_ARRAY's width */
	int repetition;	     /* enum lake_pq_repetition */
	int converted;	     /* enum lake_pq_converted, or -1 */
	int32_t scale, precision;
	int logical;	/* enum lake_pq_logical */
	int time_unit;	/* for TIME and TIMESTAMP: enum lake_pq_time_unit */
	int int_bits;	/* INTEGER: 8, 16, 32 or 64 */
	int int_signed; /* INTEGER: signed */
};

/* A byte string inside the footer buffer. */
struct lake_pq_bytes {
	const uint8_t *p;
	size_t len;
	int set;
};

struct lake_pq_chunk_meta {
	int physical;
	int codec;
	int has_file_path; /* the chunk lives in another file: refused */
	int64_t num_values;
	int64_t total_compressed_size;
	int64_t data_page_offset;
	int64_t dictionary_page_offset;		   /* -1 when absent */
	struct lake_pq_bytes min_value, max_value; /* Statistics fields 6 and 5 */
	struct lake_pq_bytes min_old, max_old;	   /* the deprecated fields 2 and 1 */
	int has_null_count;
	int64_t null_count;
};

struct lake_pq_row_group_meta {
	int64_t num_rows;
	size_t nchunks;
	struct lake_pq_chunk_meta *chunks;
};

struct lake_pq_footer {
	int64_t num_rows;
	size_t nleaves;
	struct lake_pq_leaf *leaves;
	size_t nrow_groups;
	struct lake_pq_row_group_meta *row_groups;
	struct lake_pq_bytes created_by; /* the writer, "parquet-mr version 1.13.1 (build …)" */
};

/* What was wrong with a footer, and where. */
struct lake_pq_footer_error {
	const char *why;   /* a static string */
	char *nested_name; /* the nested group when the schema is nested; the caller frees it */
	long row_group;	   /* the row group being read, or -1 */
	long column;	   /* the column chunk being read in it, or -1 */
};

/* Parse a FileMetaData of len bytes; on failure *err says what and where. */
int lake_pq_footer_parse(const uint8_t *buf, size_t len, struct lake_pq_footer *f,
			 struct lake_pq_footer_error *err);
void lake_pq_footer_release(struct lake_pq_footer *f);

/*
 * Whether the writer left the dictionary page's header out of a chunk's
 * total_compressed_size: parquet-mr before 1.2.9 did (PARQUET-816), so its
 * chunks run a little past the size their metadata gives.
 */
int lake_pq_footer_dict_header_uncounted(const struct lake_pq_footer *f);

struct lake_pq_page_header {
	int type; /* enum lake_pq_page_type */
	int32_t uncompressed_size;
	int32_t compressed_size;
	int32_t num_values;
	int encoding;
	int def_encoding;   /* v1 */
	int32_t num_nulls;  /* v2 */
	int32_t def_length; /* v2: bytes of definition levels, uncompressed */
	int32_t rep_length; /* v2 */
	int is_compressed;  /* v2: 0 when the values are stored as they are */
	size_t header_size; /* bytes the header itself took */
};

/* Parse a PageHeader at buf[0..len); checks sizes are not negative. */
int lake_pq_page_header_parse(const uint8_t *buf, size_t len, struct lake_pq_page_header *h,
			      const char **why);

#endif
