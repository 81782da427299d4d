/*
 * parquet_values.h - a Parquet column's physical values, and how they
 * become lake's (the mapping table of parquet.h).
 *
 * Internal to the reader.  lake_pq_choose_conv() decides once per column how
 * its values convert; pages are decoded into arrays of struct lake_pq_phys
 * (PLAIN by lake_pq_plain_values(), other encodings by parquet_read.c), and
 * lake_pq_convert() turns k of them into lake values in one loop.  Values that
 * become text (dates, timestamps, times, UUIDs) are written into a buffer
 * of PQ_TEXT_ROOM bytes per value that the caller owns and keeps alive as
 * long as the values.
 */
#ifndef LAKE_PARQUET_VALUES_H
#define LAKE_PARQUET_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "values/infer.h"
#include "parquet/parquet.h"
#include "parquet/parquet_meta.h"

/* Room for one value's text: a timestamp of a six-digit year, a UUID, a time of day. */
#define PQ_TEXT_ROOM 48

/* How a column's physical values become lake's. */
enum lake_pq_conv {
	CV_BOOL,
	CV_INT,	   /* INT32, INT64 as they are */
	CV_UINT32, /* INT32 holding an unsigned value */
	CV_UINT64, /* INT64 holding an unsigned value: above INT64_MAX a double */
	CV_DOUBLE, /* FLOAT, DOUBLE */
	CV_FLOAT16,
	CV_DEC_INT,   /* DECIMAL in INT32/INT64 */
	CV_DEC_BYTES, /* DECIMAL in big-endian bytes */
	CV_DATE,
	CV_TS_MS,
	CV_TS_US,
	CV_TS_NS,
	CV_TS_INT96,
	CV_TIME_MS,
	CV_TIME_US,
	CV_TIME_NS,
	CV_BYTES,
	CV_UUID,
	CV_HEX, /* GEOMETRY, GEOGRAPHY: well-known binary as upper-case hex */
};

/* A physical value: integers and floats in i/d, byte strings in p/len. */
struct lake_pq_phys {
	union {
		int64_t i;
		double d;
	};
	const uint8_t *p;
	size_t len;
};

struct lake_pq_column_info {
	enum lake_pq_conv conv;
	double divisor;	  /* DECIMAL: 10^scale */
	int signed_order; /* the deprecated min/max statistics are safe for it */
};

static inline uint32_t lake_pq_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t lake_pq_le64(const uint8_t *p)
{
	return (uint64_t)lake_pq_le32(p) | (uint64_t)lake_pq_le32(p + 4) << 32;
}

/* How column l converts, and the lake kind it reads as; -1 and *why for a column lake
 * cannot read. */
int lake_pq_choose_conv(const struct lake_pq_leaf *l, struct lake_pq_column_info *ci,
			enum lake_kind *kind, const char **why);

/* k values ph[0..k) into out; text has lake_pq_text_size() bytes for them. */
int lake_pq_convert(const struct lake_pq_column_info *ci, const struct lake_pq_phys *ph, size_t k,
		    struct lake_parquet_value *out, char *text, const char **why);
/*
 * The bytes of text lake_pq_convert() writes for ph[0..k): PQ_TEXT_ROOM a
 * value for dates, timestamps, times and UUIDs, twice the value's bytes
 * and one for hex, none for the rest.
 */
size_t lake_pq_text_size(const struct lake_pq_column_info *ci, const struct lake_pq_phys *ph,
			 size_t k);

/* The width of a PLAIN value of l: 0 for booleans (bits) and BYTE_ARRAY (prefixed by a
 * length). */
size_t lake_pq_plain_width(const struct lake_pq_leaf *l);
/* k fixed-width PLAIN values from p, whose k * lake_pq_plain_width() bytes the caller checked.
 */
void lake_pq_plain_fixed(const struct lake_pq_leaf *l, const uint8_t *p, size_t k,
			 struct lake_pq_phys *ph);
/* How many whole PLAIN values of l [p, end) holds, counting no further than max. */
size_t lake_pq_plain_count(const struct lake_pq_leaf *l, const uint8_t *p, const uint8_t *end,
			   size_t max);
/* k PLAIN values from [*pp, end), advancing *pp; booleans count bits in *bit. */
int lake_pq_plain_values(const struct lake_pq_leaf *l, const uint8_t **pp, const uint8_t *end,
			 uint64_t *bit, size_t k, struct lake_pq_phys *ph, const char **why);

#endif
