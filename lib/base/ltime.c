/*
 * ltime.c - dates and timestamps, by plain arithmetic.
 *
 * No timegm(), mktime() or locale: their results depend on the TZ
 * variable and the C library, and data must read the same everywhere.
 * Calendar conversion works on 400-year eras (146097 days, the period of
 * the Gregorian calendar) counted from 0000-03-01, so that the leap day
 * falls at the end of the counted year and month lengths follow a fixed
 * pattern.
 *
 * Choices the header leaves open:
 *  - lower case 't' and 'z' are accepted as RFC 3339 allows;
 *  - a fraction needs seconds before it ("13:45.5" is refused), and only
 *    '.' introduces it (no ISO comma);
 *  - a date carries no zone ("2024-05-01Z" is refused);
 *  - a date's two separators are the same ("2024/05-01" is refused);
 *  - "-00:00" is accepted and means UTC;
 *  - an instant that a zone pushes outside years 0000-9999 is refused, so
 *    that everything parsed formats back with four-digit years.
 */
#include "base/ltime.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define US_PER_SEC INT64_C(1000000)
#define SECS_PER_DAY INT64_C(86400)
#define US_PER_DAY (SECS_PER_DAY * US_PER_SEC)

/* Days from 0000-03-01 to 1970-01-01. */
#define EPOCH_SHIFT INT64_C(719468)
#define DAYS_PER_ERA INT64_C(146097)

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z. */
#define MIN_US (INT64_C(-719528) * US_PER_DAY)
#define MAX_US (INT64_C(2932897) * US_PER_DAY - 1)

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

int64_t lake_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe, mp;

	/* Count years from March so that February is last. */
	if (m <= 2)
		y--;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;
	/* Month lengths from March repeat 31,30,31,30,31 every 153 days. */
	doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

void lake_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + EPOCH_SHIFT;
	int64_t era = floor_div(z, DAYS_PER_ERA);
	int64_t doe = z - era * DAYS_PER_ERA;
	/* Remove the leap days so far, then whole years of 365 days remain. */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	unsigned month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);

	*y = era * 400 + yoe + (month <= 2);
	*m = month;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && is_leap(y))
		return 29;
	return len[m - 1];
}

/* The unread rest of the input. */
struct cursor {
	const char *p;
	size_t left;
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int peek(const struct cursor *c, char want)
{
	return c->left && *c->p == want;
}

static int take_char(struct cursor *c, char want)
{
	if (!peek(c, want))
		return 0;
	c->p++;
	c->left--;
	return 1;
}

/* Exactly n digits: fixed widths are what makes the format unambiguous. */
static int take_digits(struct cursor *c, unsigned n, unsigned *val)
{
	unsigned v = 0;

	if (c->left < n)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		if (!is_digit(c->p[i]))
			return 0;
		v = v * 10 + (unsigned)(c->p[i] - '0');
	}
	c->p += n;
	c->left -= n;
	*val = v;
	return 1;
}

static int take_date_separator(struct cursor *c, char *sep)
{
	if (!take_char(c, '-') && !take_char(c, '/') && !take_char(c, '.'))
		return 0;
	*sep = c->p[-1];
	return 1;
}

/* A text's fields as written, before its zone is applied. */
struct stamp {
	unsigned year, month, day, hour, minute, second;
	int64_t micro;	/* the fraction of the second */
	int64_t offset; /* the zone's seconds east of UTC */
};

static int parse_date(struct cursor *c, struct stamp *st)
{
	unsigned y, m, d;
	char sep;

	if (!take_digits(c, 4, &y) || !take_date_separator(c, &sep) || !take_digits(c, 2, &m) ||
	    !take_char(c, sep) || !take_digits(c, 2, &d))
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	st->year = y;
	st->month = m;
	st->day = d;
	return 0;
}

static int take_separator(struct cursor *c)
{
	return take_char(c, 'T') || take_char(c, 't') || take_char(c, ' ');
}

/* 1 to 9 digits after the point; digits past the sixth are dropped. */
static int parse_fraction(struct cursor *c, int64_t *micros)
{
	int64_t us = 0;
	unsigned n = 0;

	while (c->left && is_digit(*c->p) && n < 9) {
		if (n < 6)
			us = us * 10 + (*c->p - '0');
		n++;
		c->p++;
		c->left--;
	}
	if (n == 0)
		return -1;
	for (; n < 6; n++)
		us *= 10;
	*micros = us;
	return 0;
}

static int parse_clock(struct cursor *c, struct stamp *st)
{
	unsigned h, mi, s = 0;

	st->micro = 0;
	if (!take_digits(c, 2, &h) || !take_char(c, ':') || !take_digits(c, 2, &mi))
		return -1;
	if (take_char(c, ':')) {
		if (!take_digits(c, 2, &s))
			return -1;
		if (take_char(c, '.') && parse_fraction(c, &st->micro) < 0)
			return -1;
	}
	if (h > 23 || mi > 59 || s > 59)
		return -1;
	st->hour = h;
	st->minute = mi;
	st->second = s;
	return 0;
}

/* The zone's offset east of UTC in seconds; no zone at all means UTC. */
static int parse_zone(struct cursor *c, int64_t *offset)
{
	unsigned h, m = 0;
	int sign;

	*offset = 0;
	if (!c->left || take_char(c, 'Z') || take_char(c, 'z'))
		return 0;
	if (take_char(c, '+'))
		sign = 1;
	else if (take_char(c, '-'))
		sign = -1;
	else
		return -1;
	if (!take_digits(c, 2, &h))
		return -1;
	if (take_char(c, ':')) {
		if (!take_digits(c, 2, &m))
			return -1;
	} else if (c->left && !take_digits(c, 2, &m)) {
		return -1;
	}
	if (h > 23 || m > 59)
		return -1;
	*offset = sign * ((int64_t)h * 3600 + m * 60);
	return 0;
}

/* s[0..len) entirely, its fields as written: the kind, or LAKE_TIME_NONE. */
static enum lake_time_kind parse_stamp(const char *s, size_t len, struct stamp *st)
{
	struct cursor c = {s, len};

	memset(st, 0, sizeof *st);
	if (!s || parse_date(&c, st) < 0)
		return LAKE_TIME_NONE;
	if (!c.left)
		return LAKE_TIME_DATE;
	if (!take_separator(&c) || parse_clock(&c, st) < 0 || parse_zone(&c, &st->offset) < 0 ||
	    c.left)
		return LAKE_TIME_NONE;
	return LAKE_TIME_TIMESTAMP;
}

/* The instant of a parsed text; -1 when its zone takes it outside years 0000-9999. */
static int stamp_micros(const struct stamp *st, int64_t *micros)
{
	int64_t days = lake_days_from_civil(st->year, st->month, st->day);
	int64_t secs = (int64_t)st->hour * 3600 + st->minute * 60 + st->second;
	int64_t t = (days * SECS_PER_DAY + secs - st->offset) * US_PER_SEC + st->micro;

	if (t < MIN_US || t > MAX_US)
		return -1;
	*micros = t;
	return 0;
}

enum lake_time_kind lake_time_parse(const char *s, size_t len, int64_t *micros)
{
	struct stamp st;
	enum lake_time_kind k = parse_stamp(s, len, &st);
	int64_t t;

	if (k == LAKE_TIME_NONE || stamp_micros(&st, &t) < 0)
		return LAKE_TIME_NONE;
	if (micros)
		*micros = t;
	return k;
}

/*
 * v counts units of per_unit microseconds.  The whole units and the
 * fraction are scaled apart: v * per_unit in one go would lose the low
 * digits of millisecond values above 2^53.
 */
static int scaled_to_micros(double v, int64_t per_unit, int64_t *micros)
{
	int64_t whole, t;

	/* Bound v first so that no conversion below can overflow. */
	if (!(v >= (double)(MIN_US / per_unit) - 1 && v <= (double)(MAX_US / per_unit) + 1))
		return -1;
	whole = (int64_t)v;
	if ((double)whole > v)
		whole--;
	t = whole * per_unit + (int64_t)((v - (double)whole) * (double)per_unit + 0.5);
	if (t < MIN_US || t > MAX_US)
		return -1;
	*micros = t;
	return 0;
}

int lake_time_from_epoch(double v, int64_t *micros)
{
	if (!isfinite(v))
		return -1;
	if (v >= 1e11 || v <= -1e11)
		return scaled_to_micros(v, 1000, micros);
	return scaled_to_micros(v, US_PER_SEC, micros);
}

struct civil {
	int64_t year;
	unsigned month, day, hour, minute, second, micro;
};

/* Floor division throughout, so instants before 1970 land on the right day. */
static void civil_from_micros(int64_t micros, struct civil *c)
{
	int64_t days = floor_div(micros, US_PER_DAY);
	int64_t us = micros - days * US_PER_DAY;
	int64_t secs = us / US_PER_SEC;

	lake_civil_from_days(days, &c->year, &c->month, &c->day);
	c->hour = (unsigned)(secs / 3600);
	c->minute = (unsigned)(secs / 60 % 60);
	c->second = (unsigned)(secs % 60);
	c->micro = (unsigned)(us % US_PER_SEC);
}

static size_t written(int n)
{
	return n > 0 ? (size_t)n : 0;
}

size_t lake_time_format_grain(int64_t micros, enum lake_time_grain grain, char *out)
{
	const size_t room = 32;
	struct civil c;

	civil_from_micros(micros, &c);
	switch (grain) {
	case LAKE_GRAIN_YEAR:
		return written(snprintf(out, room, "%04" PRId64, c.year));
	case LAKE_GRAIN_MONTH:
		return written(snprintf(out, room, "%04" PRId64 "-%02u", c.year, c.month));
	case LAKE_GRAIN_HOUR:
		return written(snprintf(out, room, "%04" PRId64 "-%02u-%02uT%02u", c.year, c.month,
					c.day, c.hour));
	case LAKE_GRAIN_DAY:
	default:
		return written(
		    snprintf(out, room, "%04" PRId64 "-%02u-%02u", c.year, c.month, c.day));
	}
}

size_t lake_time_format_timestamp(int64_t micros, char *out)
{
	const size_t room = 40;
	struct civil c;

	civil_from_micros(micros, &c);
	if (c.micro)
		return written(snprintf(out, room, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u.%06uZ",
					c.year, c.month, c.day, c.hour, c.minute, c.second,
					c.micro));
	return written(snprintf(out, room, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02uZ", c.year,
				c.month, c.day, c.hour, c.minute, c.second));
}

size_t lake_time_format_date(int64_t micros, char *out)
{
	const size_t room = 16;
	struct civil c;

	civil_from_micros(micros, &c);
	return written(snprintf(out, room, "%04" PRId64 "-%02u-%02u", c.year, c.month, c.day));
}

static char *put_digits(char *p, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

/*
 * A UTC time's fields as SQL spells them (lake_time_format_sql()), or only
 * the date.  By hand, not snprintf(): a scan spells a value per row, and
 * snprintf() cost the most of it.
 */
static size_t put_sql(const struct stamp *st, int date_only, char *out)
{
	char *p = out;

	p = put_digits(p, st->year, 4);
	*p++ = '-';
	p = put_digits(p, st->month, 2);
	*p++ = '-';
	p = put_digits(p, st->day, 2);
	if (!date_only) {
		*p++ = ' ';
		p = put_digits(p, st->hour, 2);
		*p++ = ':';
		p = put_digits(p, st->minute, 2);
		*p++ = ':';
		p = put_digits(p, st->second, 2);
	}
	if (!date_only && st->micro) {
		int digits = 6;
		unsigned frac = (unsigned)st->micro;
		for (; frac % 10 == 0; frac /= 10)
			digits--;
		*p++ = '.';
		p = put_digits(p, frac, digits);
	}
	*p = '\0';
	return (size_t)(p - out);
}

size_t lake_time_format_sql(int64_t micros, char *out)
{
	struct civil c;
	struct stamp st;

	civil_from_micros(micros, &c);
	st.year = (unsigned)c.year;
	st.month = c.month;
	st.day = c.day;
	st.hour = c.hour;
	st.minute = c.minute;
	st.second = c.second;
	st.micro = c.micro;
	st.offset = 0;
	return put_sql(&st, 0, out);
}

enum lake_time_kind lake_time_to_sql(const char *s, size_t len, int dates_stay, char *out,
				     size_t *outlen)
{
	struct stamp st;
	enum lake_time_kind k = parse_stamp(s, len, &st);
	int64_t micros;

	if (k == LAKE_TIME_NONE)
		return k;
	/* In UTC already (most data): the fields as they are, no calendar arithmetic. */
	if (st.offset == 0) {
		*outlen = put_sql(&st, k == LAKE_TIME_DATE && dates_stay, out);
		return k;
	}
	if (stamp_micros(&st, &micros) < 0)
		return LAKE_TIME_NONE;
	*outlen = lake_time_format_sql(micros, out);
	return k;
}

/* -1, 0 or 1 as a is before, at or after b (both in UTC: fields compare as instants do). */
static int compare_fields(const struct stamp *a, const struct stamp *b)
{
	const unsigned x[6] = {a->year, a->month, a->day, a->hour, a->minute, a->second};
	const unsigned y[6] = {b->year, b->month, b->day, b->hour, b->minute, b->second};

	for (int i = 0; i < 6; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return (a->micro > b->micro) - (a->micro < b->micro);
}

int lake_time_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	struct stamp sa, sb;
	int64_t x = 0, y = 0;
	int ta = parse_stamp(a, alen, &sa) != LAKE_TIME_NONE;
	int tb = parse_stamp(b, blen, &sb) != LAKE_TIME_NONE;
	int r;

	/* An offset that takes a time outside years 0000-9999 makes it no time. */
	ta = ta && (sa.offset == 0 || stamp_micros(&sa, &x) == 0);
	tb = tb && (sb.offset == 0 || stamp_micros(&sb, &y) == 0);
	if (ta && tb) {
		if (sa.offset == 0 && sb.offset == 0)
			return compare_fields(&sa, &sb);
		if (sa.offset == 0)
			stamp_micros(&sa, &x);
		if (sb.offset == 0)
			stamp_micros(&sb, &y);
		return (x > y) - (x < y);
	}
	if (ta != tb)
		return ta ? -1 : 1;
	r = alen && blen ? memcmp(a, b, alen < blen ? alen : blen) : 0;
	return r ? r : (alen > blen) - (alen < blen);
}

int64_t lake_time_now(void)
{
	struct timespec ts;

	/* CLOCK_REALTIME cannot fail with a valid pointer; 0 keeps callers simple. */
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}
