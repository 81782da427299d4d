/*
 * parquet_values.c - PLAIN values and the conversion of physical values
 * to lake's; see parquet_values.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/ltime.h"
#include "parquet/parquet_values.h"

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

int lake_pq_choose_conv(const struct lake_pq_leaf *l, struct lake_pq_column_info *ci,
			enum lake_kind *kind, const char **why)
{
	int lt = l->logical, ct = l->converted;
	int decimal = lt == PQ_LT_DECIMAL || ct == PQ_CT_DECIMAL;
	int is_unsigned =
	    (lt == PQ_LT_INTEGER && !l->int_signed) || (ct >= PQ_CT_UINT_8 && ct <= PQ_CT_UINT_64);
	int unit = l->time_unit;

	ci->divisor = pow(10.0, l->scale);
	ci->signed_order = 0;
	switch (l->physical) {
	case PQ_BOOLEAN:
		ci->conv = CV_BOOL;
		*kind = LAKE_T_BOOLEAN;
		return 0;
	case PQ_INT32:
	case PQ_INT64:
		ci->signed_order = !decimal && !is_unsigned;
		*kind = LAKE_T_BIGINT;
		if (decimal) {
			ci->conv = CV_DEC_INT;
			*kind = LAKE_T_DOUBLE;
		} else if (l->physical == PQ_INT32 && (lt == PQ_LT_DATE || ct == PQ_CT_DATE)) {
			ci->conv = CV_DATE;
			*kind = LAKE_T_DATE;
		} else if (lt == PQ_LT_TIMESTAMP || ct == PQ_CT_TIMESTAMP_MILLIS ||
			   ct == PQ_CT_TIMESTAMP_MICROS) {
			if (lt != PQ_LT_TIMESTAMP)
				unit = ct == PQ_CT_TIMESTAMP_MILLIS ? PQ_MILLIS : PQ_MICROS;
			ci->conv = unit == PQ_MILLIS  ? CV_TS_MS
				   : unit == PQ_NANOS ? CV_TS_NS
						      : CV_TS_US;
			*kind = LAKE_T_TIMESTAMP;
		} else if (lt == PQ_LT_TIME || ct == PQ_CT_TIME_MILLIS || ct == PQ_CT_TIME_MICROS) {
			if (lt != PQ_LT_TIME)
				unit = ct == PQ_CT_TIME_MILLIS ? PQ_MILLIS : PQ_MICROS;
			ci->conv = unit == PQ_MILLIS  ? CV_TIME_MS
				   : unit == PQ_NANOS ? CV_TIME_NS
						      : CV_TIME_US;
			*kind = LAKE_T_STRING;
		} else if (is_unsigned) {
			ci->conv = l->physical == PQ_INT32 ? CV_UINT32 : CV_UINT64;
		} else {
			ci->conv = CV_INT;
		}
		return 0;
	case PQ_INT96:
		ci->conv = CV_TS_INT96;
		*kind = LAKE_T_TIMESTAMP;
		return 0;
	case PQ_FLOAT:
	case PQ_DOUBLE:
		ci->conv = CV_DOUBLE;
		ci->signed_order = 1;
		*kind = LAKE_T_DOUBLE;
		return 0;
	case PQ_FIXED:
		if (l->type_length <= 0)
			return fail(why, "has a FIXED_LEN_BYTE_ARRAY of no length");
		/* fall through */
	case PQ_BYTE_ARRAY:
		*kind = LAKE_T_STRING;
		ci->conv = CV_BYTES;
		if (decimal) {
			ci->conv = CV_DEC_BYTES;
			*kind = LAKE_T_DOUBLE;
		} else if (l->physical == PQ_FIXED && lt == PQ_LT_UUID && l->type_length == 16) {
			ci->conv = CV_UUID;
		} else if (l->physical == PQ_FIXED && lt == PQ_LT_FLOAT16 && l->type_length == 2) {
			ci->conv = CV_FLOAT16;
			*kind = LAKE_T_DOUBLE;
		} else if (lt == PQ_LT_GEOMETRY || lt == PQ_LT_GEOGRAPHY) {
			/* Text, so that it prints and compares; hex, as PostGIS shows WKB. */
			ci->conv = CV_HEX;
		}
		return 0;
	default:
		return fail(why, "has an unknown physical type");
	}
}

static double half_to_double(unsigned h)
{
	int exp = (h >> 10) & 0x1f;
	double mant = h & 0x3ff;
	double v;

	if (exp == 0x1f)
		v = mant ? NAN : INFINITY;
	else if (exp == 0)
		v = ldexp(mant, -24);
	else
		v = ldexp(mant + 1024, exp - 25);
	return (h & 0x8000) ? -v : v;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	/* The compiler turns this into one load and a byte swap. */
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* A big-endian two's complement integer of any length, as a double. */
static double be_signed_to_double(const uint8_t *p, size_t len)
{
	double v = 0;
	int neg = len > 0 && (p[0] & 0x80);

	if (len <= 8) {
		/* The common DECIMAL(18) and narrower: 64-bit arithmetic, exact. */
		uint64_t x = neg ? UINT64_MAX : 0;

		for (size_t i = 0; i < len; i++)
			x = x << 8 | p[i];
		return (double)(int64_t)x;
	}
	if (len == 16) {
		/* DECIMAL(38) as writers store it; most values fit the low half. */
		uint64_t hi = be64(p), lo = be64(p + 8);

		if (hi == (uint64_t)0 - (lo >> 63))
			return (double)(int64_t)lo;
		return (double)(__int128)((unsigned __int128)hi << 64 | lo);
	}
	if (len < 16) {
		__int128 x = neg ? -1 : 0;

		for (size_t i = 0; i < len; i++)
			x = (__int128)((unsigned __int128)x << 8) | p[i];
		return (double)x;
	}
	/* Longer than any decimal needs: magnitude of the complement, rounded as it goes. */
	for (size_t i = 0; i < len; i++)
		v = v * 256 + (neg ? (uint8_t)~p[i] : p[i]);
	return neg ? -(v + 1) : v;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/*
 * The last day formatted: neighbouring timestamps mostly share their day,
 * and formatting a date with snprintf costs more than decoding a page.
 */
struct day_cache {
	int valid;
	int64_t day;
	char date[16];
	size_t len;
};

static char *two_digits(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* The date part from the cache, or -1 when the day needs more than "YYYY-MM-DD". */
static int cached_date(struct day_cache *dc, int64_t day)
{
	if (!dc->valid || dc->day != day) {
		dc->day = day;
		dc->valid = 1;
		dc->len = lake_time_format_date(day * INT64_C(86400000000), dc->date);
	}
	return dc->len == 10 ? 0 : -1;
}

/* lake_time_format_timestamp()'s text, the date part taken from the cache. */
static void set_timestamp(int64_t micros, struct lake_parquet_value *v, char *text,
			  struct day_cache *dc)
{
	int64_t day = floor_div(micros, INT64_C(86400000000));
	int64_t us = micros - day * INT64_C(86400000000);
	unsigned secs = (unsigned)(us / 1000000), frac = (unsigned)(us % 1000000);
	char *p = text + 11;

	v->kind = LAKE_PQ_TEXT;
	v->s = text;
	if (cached_date(dc, day) < 0) {
		v->len = lake_time_format_timestamp(micros, text);
		return;
	}
	memcpy(text, dc->date, 10);
	text[10] = 'T';
	p = two_digits(p, secs / 3600);
	*p++ = ':';
	p = two_digits(p, secs / 60 % 60);
	*p++ = ':';
	p = two_digits(p, secs % 60);
	if (frac) {
		*p++ = '.';
		for (int i = 5; i >= 0; i--, frac /= 10)
			p[i] = (char)('0' + frac % 10);
		p += 6;
	}
	*p++ = 'Z';
	*p = '\0';
	v->len = (size_t)(p - text);
}

static int convert_time_of_day(int64_t v, int64_t per_second, struct lake_parquet_value *out,
			       char *text)
{
	int64_t micros, secs, frac;
	int n;

	/* Checked first: only a time within the day is multiplied. */
	if (v < 0 || v / per_second >= 86400)
		return -1;
	micros = per_second == 1000 ? v * 1000 : per_second == 1000000 ? v : v / 1000;
	secs = micros / 1000000;
	frac = micros % 1000000;
	if (frac)
		n = snprintf(text, PQ_TEXT_ROOM, "%02d:%02d:%02d.%06d", (int)(secs / 3600),
			     (int)(secs / 60 % 60), (int)(secs % 60), (int)frac);
	else
		n = snprintf(text, PQ_TEXT_ROOM, "%02d:%02d:%02d", (int)(secs / 3600),
			     (int)(secs / 60 % 60), (int)(secs % 60));
	out->kind = LAKE_PQ_TEXT;
	out->s = text;
	out->len = n > 0 ? (size_t)n : 0;
	return 0;
}

static void format_uuid(const uint8_t *p, struct lake_parquet_value *out, char *text)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			text[n++] = '-';
		text[n++] = hex[p[i] >> 4];
		text[n++] = hex[p[i] & 15];
	}
	text[n] = '\0';
	out->kind = LAKE_PQ_TEXT;
	out->s = text;
	out->len = n;
}

/*
 * An INT96 timestamp: nanoseconds of the day, then the Julian day.  Spark,
 * which writes most of them, computes both from microseconds since the
 * epoch in 64-bit arithmetic that wraps past year 294247 (the last value
 * of int96_from_spark.parquet, year 290000, is stored as day -105862232
 * and negative nanoseconds), and reads them back wrapping alike; doing the
 * same here gives every microsecond timestamp back as written.
 */
static int64_t int96_micros(const uint8_t *p)
{
	int64_t nanos = (int64_t)lake_pq_le64(p);
	int64_t days = (int64_t)(int32_t)lake_pq_le32(p + 8) - 2440588;
	/* Unsigned, so that the wrap is defined; truncating nanoseconds as Java does. */
	uint64_t us = (uint64_t)days * UINT64_C(86400000000) + (uint64_t)(nanos / 1000);

	return us <= (uint64_t)INT64_MAX ? (int64_t)us : -(int64_t)(UINT64_MAX - us) - 1;
}

static void format_hex(const uint8_t *p, size_t len, struct lake_parquet_value *out, char *text)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		text[2 * i] = hex[p[i] >> 4];
		text[2 * i + 1] = hex[p[i] & 15];
	}
	text[2 * len] = '\0';
	out->kind = LAKE_PQ_TEXT;
	out->s = text;
	out->len = 2 * len;
}

/* Values k of a tight loop per conversion; text gets PQ_TEXT_ROOM bytes per value. */
int lake_pq_convert(const struct lake_pq_column_info *ci, const struct lake_pq_phys *ph, size_t k,
		    struct lake_parquet_value *out, char *text, const char **why)
{
	int64_t us;
	struct day_cache dc = {0};

	switch (ci->conv) {
	case CV_BOOL:
		for (size_t i = 0; i < k; i++)
			out[i] =
			    (struct lake_parquet_value){.kind = LAKE_PQ_BOOL, .i = ph[i].i != 0};
		return 0;
	case CV_INT:
		for (size_t i = 0; i < k; i++)
			out[i] = (struct lake_parquet_value){.kind = LAKE_PQ_INT, .i = ph[i].i};
		return 0;
	case CV_UINT32:
		for (size_t i = 0; i < k; i++)
			out[i] = (struct lake_parquet_value){.kind = LAKE_PQ_INT,
							     .i = (uint32_t)ph[i].i};
		return 0;
	case CV_UINT64:
		for (size_t i = 0; i < k; i++)
			out[i] =
			    ph[i].i >= 0
				? (struct lake_parquet_value){.kind = LAKE_PQ_INT, .i = ph[i].i}
				: (struct lake_parquet_value){.kind = LAKE_PQ_DOUBLE,
							      .d = (double)(uint64_t)ph[i].i};
		return 0;
	case CV_DOUBLE:
		for (size_t i = 0; i < k; i++)
			out[i] = (struct lake_parquet_value){.kind = LAKE_PQ_DOUBLE, .d = ph[i].d};
		return 0;
	case CV_FLOAT16:
		for (size_t i = 0; i < k; i++)
			out[i] = (struct lake_parquet_value){
			    .kind = LAKE_PQ_DOUBLE,
			    .d = half_to_double((unsigned)ph[i].p[0] | (unsigned)ph[i].p[1] << 8)};
		return 0;
	case CV_DEC_INT:
		for (size_t i = 0; i < k; i++)
			out[i] = (struct lake_parquet_value){.kind = LAKE_PQ_DOUBLE,
							     .d = (double)ph[i].i / ci->divisor};
		return 0;
	case CV_DEC_BYTES:
		for (size_t i = 0; i < k; i++)
			out[i] = (struct lake_parquet_value){
			    .kind = LAKE_PQ_DOUBLE,
			    .d = be_signed_to_double(ph[i].p, ph[i].len) / ci->divisor};
		return 0;
	case CV_DATE:
		for (size_t i = 0; i < k; i++) {
			if (__builtin_mul_overflow(ph[i].i, INT64_C(86400000000), &us))
				return fail(why, "date out of range");
			out[i].kind = LAKE_PQ_TEXT;
			out[i].s = text + i * PQ_TEXT_ROOM;
			if (cached_date(&dc, ph[i].i) == 0) {
				memcpy(text + i * PQ_TEXT_ROOM, dc.date, 11);
				out[i].len = 10;
			} else {
				out[i].len = lake_time_format_date(us, text + i * PQ_TEXT_ROOM);
			}
		}
		return 0;
	case CV_TS_MS:
		for (size_t i = 0; i < k; i++) {
			if (__builtin_mul_overflow(ph[i].i, 1000, &us))
				return fail(why, "timestamp out of range");
			set_timestamp(us, &out[i], text + i * PQ_TEXT_ROOM, &dc);
		}
		return 0;
	case CV_TS_US:
		for (size_t i = 0; i < k; i++)
			set_timestamp(ph[i].i, &out[i], text + i * PQ_TEXT_ROOM, &dc);
		return 0;
	case CV_TS_NS:
		for (size_t i = 0; i < k; i++)
			set_timestamp(floor_div(ph[i].i, 1000), &out[i], text + i * PQ_TEXT_ROOM,
				      &dc);
		return 0;
	case CV_TS_INT96:
		for (size_t i = 0; i < k; i++)
			set_timestamp(int96_micros(ph[i].p), &out[i], text + i * PQ_TEXT_ROOM, &dc);
		return 0;
	case CV_TIME_MS:
	case CV_TIME_US:
	case CV_TIME_NS: {
		int64_t per_second = ci->conv == CV_TIME_MS   ? 1000
				     : ci->conv == CV_TIME_US ? 1000000
							      : 1000000000;
		for (size_t i = 0; i < k; i++)
			if (convert_time_of_day(ph[i].i, per_second, &out[i],
						text + i * PQ_TEXT_ROOM) < 0)
				return fail(why, "time of day out of range");
		return 0;
	}
	case CV_BYTES:
		for (size_t i = 0; i < k; i++)
			out[i] = (struct lake_parquet_value){
			    .kind = LAKE_PQ_TEXT, .s = (const char *)ph[i].p, .len = ph[i].len};
		return 0;
	case CV_UUID:
		for (size_t i = 0; i < k; i++)
			format_uuid(ph[i].p, &out[i], text + i * PQ_TEXT_ROOM);
		return 0;
	case CV_HEX:
		for (size_t i = 0; i < k; i++) {
			format_hex(ph[i].p, ph[i].len, &out[i], text);
			text += 2 * ph[i].len + 1;
		}
		return 0;
	}
	return fail(why, "unknown conversion");
}

size_t lake_pq_text_size(const struct lake_pq_column_info *ci, const struct lake_pq_phys *ph,
			 size_t k)
{
	enum lake_pq_conv c = ci->conv;
	size_t n = 0;

	if (c == CV_DATE || (c >= CV_TS_MS && c <= CV_TIME_NS) || c == CV_UUID)
		return k * PQ_TEXT_ROOM;
	if (c != CV_HEX)
		return 0;
	/* Values lie in one page, of at most a gigabyte: no overflow. */
	for (size_t i = 0; i < k; i++)
		n += 2 * ph[i].len + 1;
	return n;
}

/* ---- PLAIN values (pages and statistics) ---- */

size_t lake_pq_plain_width(const struct lake_pq_leaf *l)
{
	switch (l->physical) {
	case PQ_INT32:
	case PQ_FLOAT:
		return 4;
	case PQ_INT64:
	case PQ_DOUBLE:
		return 8;
	case PQ_INT96:
		return 12;
	case PQ_FIXED:
		return (size_t)l->type_length;
	default:
		return 0; /* BOOLEAN: bits; BYTE_ARRAY: variable */
	}
}

/* k fixed-width values from p (n bytes checked by the caller). */
void lake_pq_plain_fixed(const struct lake_pq_leaf *l, const uint8_t *p, size_t k,
			 struct lake_pq_phys *ph)
{
	size_t w = lake_pq_plain_width(l);

	switch (l->physical) {
	case PQ_INT32:
		for (size_t i = 0; i < k; i++)
			ph[i].i = (int32_t)lake_pq_le32(p + 4 * i);
		break;
	case PQ_INT64:
		for (size_t i = 0; i < k; i++)
			ph[i].i = (int64_t)lake_pq_le64(p + 8 * i);
		break;
	case PQ_FLOAT:
		for (size_t i = 0; i < k; i++) {
			uint32_t u = lake_pq_le32(p + 4 * i);
			float x;

			memcpy(&x, &u, 4);
			ph[i].d = x;
		}
		break;
	case PQ_DOUBLE:
		for (size_t i = 0; i < k; i++) {
			uint64_t u = lake_pq_le64(p + 8 * i);

			memcpy(&ph[i].d, &u, 8);
		}
		break;
	default: /* INT96, FIXED_LEN_BYTE_ARRAY: the bytes themselves */
		for (size_t i = 0; i < k; i++) {
			ph[i].p = p + w * i;
			ph[i].len = w;
		}
	}
}

size_t lake_pq_plain_count(const struct lake_pq_leaf *l, const uint8_t *p, const uint8_t *end,
			   size_t max)
{
	size_t have = (size_t)(end - p), w = lake_pq_plain_width(l), n = 0;

	if (l->physical == PQ_BOOLEAN)
		return have < max / 8 ? have * 8 : max;
	if (l->physical != PQ_BYTE_ARRAY)
		return have / w < max ? have / w : max;
	while (n < max && end - p >= 4 && lake_pq_le32(p) <= (size_t)(end - p - 4)) {
		p += 4 + lake_pq_le32(p);
		n++;
	}
	return n;
}

/* k PLAIN values from [*pp, end), advancing *pp; booleans count bits in *bit. */
int lake_pq_plain_values(const struct lake_pq_leaf *l, const uint8_t **pp, const uint8_t *end,
			 uint64_t *bit, size_t k, struct lake_pq_phys *ph, const char **why)
{
	const uint8_t *p = *pp;
	size_t have = (size_t)(end - p), w = lake_pq_plain_width(l);

	if (l->physical == PQ_BOOLEAN) {
		if ((*bit + k + 7) / 8 > have)
			return fail(why, "fewer values than the page holds");
		for (size_t i = 0; i < k; i++, (*bit)++)
			ph[i].i = (p[*bit >> 3] >> (*bit & 7)) & 1;
		return 0;
	}
	if (l->physical == PQ_BYTE_ARRAY) {
		for (size_t i = 0; i < k; i++) {
			uint32_t len;

			if (end - p < 4)
				return fail(why, "fewer values than the page holds");
			len = lake_pq_le32(p);
			p += 4;
			if (len > (size_t)(end - p))
				return fail(why, "string longer than its page");
			ph[i].p = p;
			ph[i].len = len;
			p += len;
		}
		*pp = p;
		return 0;
	}
	if (k > have / w)
		return fail(why, "fewer values than the page holds");
	lake_pq_plain_fixed(l, p, k, ph);
	*pp = p + k * w;
	return 0;
}
