/*
 * test_ltime.c - parsing, formatting and calendar arithmetic of ltime.
 *
 * Expected instants were computed apart from this code (Python's
 * calendar.timegm) and are written out as numbers, so that a shared
 * mistake in the calendar cannot make both sides agree.
 */
#include <math.h>
#include <stdint.h>

#include "base/ltime.h"
#include "t.h"

#define S INT64_C(1000000) /* one second in micros */

struct parse_case {
	const char *in;
	enum lake_time_kind kind;
	int64_t micros;
};

static const struct parse_case accepted[] = {
    {"1970-01-01", LAKE_TIME_DATE, 0},
    {"2024-05-01", LAKE_TIME_DATE, 1714521600 * S},
    {"2000-02-29", LAKE_TIME_DATE, 951782400 * S},
    {"2024-02-29", LAKE_TIME_DATE, 1709164800 * S},
    {"1900-03-01", LAKE_TIME_DATE, -2203891200 * S},
    {"1600-03-01", LAKE_TIME_DATE, -11670912000 * S},
    {"2400-02-29", LAKE_TIME_DATE, 13574563200 * S},
    {"0000-01-01", LAKE_TIME_DATE, -62167219200 * S},
    {"9999-12-31", LAKE_TIME_DATE, 253402214400 * S},
    /* Year first with '/' or '.', as DuckDB's CSV sniffer types them. */
    {"2024/05/01", LAKE_TIME_DATE, 1714521600 * S},
    {"2024.05.01", LAKE_TIME_DATE, 1714521600 * S},
    {"2015/01/01 01:00:00", LAKE_TIME_TIMESTAMP, 1420074000 * S},
    {"2015.01.01T01:00:00Z", LAKE_TIME_TIMESTAMP, 1420074000 * S},
    {"1970-01-01T00:00", LAKE_TIME_TIMESTAMP, 0},
    {"1969-12-31T23:59:59Z", LAKE_TIME_TIMESTAMP, -1 * S},
    {"1969-12-31T23:59:59.5Z", LAKE_TIME_TIMESTAMP, -S / 2},
    {"2024-05-01T13:45", LAKE_TIME_TIMESTAMP, 1714571100 * S},
    {"2024-05-01T13:45Z", LAKE_TIME_TIMESTAMP, 1714571100 * S},
    {"2024-05-01 13:45:10", LAKE_TIME_TIMESTAMP, 1714571110 * S},
    {"2024-05-01t13:45:10z", LAKE_TIME_TIMESTAMP, 1714571110 * S},
    {"2024-05-01T13:45:10Z", LAKE_TIME_TIMESTAMP, 1714571110 * S},
    {"2024-05-01T13:45:10.1Z", LAKE_TIME_TIMESTAMP, 1714571110 * S + 100000},
    {"2024-05-01T13:45:10.123Z", LAKE_TIME_TIMESTAMP, 1714571110 * S + 123000},
    {"2024-05-01T13:45:10.000001", LAKE_TIME_TIMESTAMP, 1714571110 * S + 1},
    {"2024-05-01T13:45:10.0000009", LAKE_TIME_TIMESTAMP, 1714571110 * S},
    {"2024-05-01T13:45:10.123456789Z", LAKE_TIME_TIMESTAMP, 1714571110 * S + 123456},
    {"2024-05-01T13:45:10.999999999", LAKE_TIME_TIMESTAMP, 1714571110 * S + 999999},
    /* A zone east of UTC means the instant is earlier. */
    {"2024-05-01T13:45:10+02:00", LAKE_TIME_TIMESTAMP, (1714571110 - 7200) * S},
    {"2024-05-01T13:45:10+0200", LAKE_TIME_TIMESTAMP, (1714571110 - 7200) * S},
    {"2024-05-01T13:45:10+02", LAKE_TIME_TIMESTAMP, (1714571110 - 7200) * S},
    {"2024-05-01T13:45:10-05:30", LAKE_TIME_TIMESTAMP, (1714571110 + 19800) * S},
    {"2024-05-01T13:45:10.25-0530", LAKE_TIME_TIMESTAMP, (1714571110 + 19800) * S + 250000},
    {"2024-05-01T13:45:10+00:00", LAKE_TIME_TIMESTAMP, 1714571110 * S},
    {"2024-05-01T13:45:10-00:00", LAKE_TIME_TIMESTAMP, 1714571110 * S},
    {"2024-05-01T13:45+23:59", LAKE_TIME_TIMESTAMP, (1714571100 - 86340) * S},
    {"2024-05-01T00:30+01:00", LAKE_TIME_TIMESTAMP, 1714519800 * S},
    {"2024-12-31T23:30-01:00", LAKE_TIME_TIMESTAMP, 1735691400 * S},
    {"0000-01-01T00:00:00Z", LAKE_TIME_TIMESTAMP, -62167219200 * S},
    {"0000-01-01T00:00-01:00", LAKE_TIME_TIMESTAMP, -62167215600 * S},
    {"9999-12-31T23:59:59.999999Z", LAKE_TIME_TIMESTAMP, 253402300799 * S + 999999},
    {"9999-12-31T23:59+01:00", LAKE_TIME_TIMESTAMP, 253402297140 * S},
};

static const char *const refused[] = {
    "",
    "2024",
    "2024-05",
    "2024-5-1",
    "2024-05-1",
    "2024-5-01",
    "24-05-01",
    "02024-05-01",
    "+2024-05-01",
    "-2024-05-01",
    "2024/05-01",
    "2024-05/01",
    "2024.05-01",
    "2024/5/1",
    "2024/02/30",
    "2024_05_01",
    "2024 05 01",
    "01/05/2024",
    "20240501",
    "2024-13-01",
    "2024-00-10",
    "2024-05-00",
    "2024-05-32",
    "2024-04-31",
    "2023-02-29",
    "1900-02-29",
    "2100-02-29",
    "2024-05-01Z",
    "2024-05-01+02:00",
    " 2024-05-01",
    "2024-05-01 ",
    "2024-05-01T",
    "2024-05-01T13",
    "2024-05-01T13:4",
    "2024-05-01T1:45",
    "2024-05-01T13:45:",
    "2024-05-01T13:45:1",
    "2024-05-01  13:45",
    "2024-05-01X13:45",
    "2024-05-01_13:45",
    "2024-05-01T24:00",
    "2024-05-01T13:60",
    "2024-05-01T23:59:60Z",
    "2024-05-01T23:59:60",
    "2024-05-01T13:45:10.",
    "2024-05-01T13:45:10.Z",
    "2024-05-01T13:45:10.1234567890",
    "2024-05-01T13:45:10,5",
    "2024-05-01T13:45.5",
    "2024-05-01T13:45:10Zx",
    "2024-05-01T13:45:10ZZ",
    "2024-05-01T13:45:10 Z",
    "2024-05-01T13:45:10UTC",
    "2024-05-01T13:45:10+2",
    "2024-05-01T13:45:10+02:0",
    "2024-05-01T13:45:10+02:",
    "2024-05-01T13:45:10+020",
    "2024-05-01T13:45:10+02000",
    "2024-05-01T13:45:10+0200x",
    "2024-05-01T13:45:10+02:00:00",
    "2024-05-01T13:45:10+24:00",
    "2024-05-01T13:45:10+02:60",
    "2024-05-01T13:45:10+",
    "2024-05-01T13:45:10x",
    "2024-05-01T13:45:10\n",
    "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94-05-01",
    /* Zones that push the instant outside years 0000-9999. */
    "0000-01-01T00:00+01:00",
    "0000-01-01T00:59:59+01:00",
    "9999-12-31T23:59-01:00",
    "9999-12-31T23:59:59.999999-00:01",
};

static void test_parse_accepted(void)
{
	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
		const struct parse_case *c = &accepted[i];
		int64_t got = INT64_MIN;

		CHECK_INT(lake_time_parse(c->in, strlen(c->in), &got), c->kind);
		if (got != c->micros)
			fprintf(stderr, "  input %s\n", c->in);
		CHECK_INT(got, c->micros);
	}
}

static void test_parse_refused(void)
{
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		int64_t got = 42;
		enum lake_time_kind k = lake_time_parse(refused[i], strlen(refused[i]), &got);

		if (k != LAKE_TIME_NONE)
			fprintf(stderr, "  accepted %s\n", refused[i]);
		CHECK_INT(k, LAKE_TIME_NONE);
		CHECK_INT(got, 42); /* untouched on failure */
	}
}

/* len bounds the input: neither a NUL inside it nor text after it is read. */
static void test_parse_length(void)
{
	const char *s = "2024-05-01T13:45:10Z garbage";
	int64_t got = 0;

	CHECK_INT(lake_time_parse(s, 10, &got), LAKE_TIME_DATE);
	CHECK_INT(got, 1714521600 * S);
	CHECK_INT(lake_time_parse(s, 20, &got), LAKE_TIME_TIMESTAMP);
	CHECK_INT(got, 1714571110 * S);
	CHECK_INT(lake_time_parse(s, 21, &got), LAKE_TIME_NONE);
	CHECK_INT(lake_time_parse(s, 9, &got), LAKE_TIME_NONE);
	CHECK_INT(lake_time_parse("2024-05-01\0", 11, &got), LAKE_TIME_NONE);
	CHECK_INT(lake_time_parse(s, 0, &got), LAKE_TIME_NONE);
	CHECK_INT(lake_time_parse(NULL, 0, &got), LAKE_TIME_NONE);
}

/* Every day of every month of 1600..2400, walked with a naive calendar. */
static void test_civil_round_trip(void)
{
	static const unsigned mlen[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t expect = -135140; /* 1600-01-01 */
	int64_t prev = INT64_MIN;
	int bad = 0;

	for (int64_t y = 1600; y <= 2400; y++) {
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

		for (unsigned m = 1; m <= 12; m++) {
			unsigned n = mlen[m - 1] + (m == 2 && leap);

			for (unsigned d = 1; d <= n; d++, expect++) {
				int64_t days = lake_days_from_civil(y, m, d), gy;
				unsigned gm, gd;

				lake_civil_from_days(expect, &gy, &gm, &gd);
				if (days != expect || gy != y || gm != m || gd != d || days <= prev)
					bad++;
				prev = days;
			}
		}
	}
	CHECK_INT(bad, 0);
	CHECK_INT(expect, 157420); /* 2401-01-01 */
	CHECK_INT(lake_days_from_civil(1970, 1, 1), 0);
	CHECK_INT(lake_days_from_civil(0, 1, 1), -719528);
	CHECK_INT(lake_days_from_civil(10000, 1, 1), 2932897);
}

/* The inverse identity well beyond the walked range, negative years included. */
static void test_civil_wide(void)
{
	int bad = 0;

	for (int64_t days = -3000000; days <= 3000000; days += 7) {
		int64_t y;
		unsigned m, d;

		lake_civil_from_days(days, &y, &m, &d);
		if (m < 1 || m > 12 || d < 1 || d > 31 || lake_days_from_civil(y, m, d) != days)
			bad++;
	}
	CHECK_INT(bad, 0);
}

struct format_case {
	int64_t micros;
	const char *ts, *date, *year, *month, *hour;
};

static const struct format_case formats[] = {
    {0, "1970-01-01T00:00:00Z", "1970-01-01", "1970", "1970-01", "1970-01-01T00"},
    {-1, "1969-12-31T23:59:59.999999Z", "1969-12-31", "1969", "1969-12", "1969-12-31T23"},
    {-S, "1969-12-31T23:59:59Z", "1969-12-31", "1969", "1969-12", "1969-12-31T23"},
    {-86400 * S, "1969-12-31T00:00:00Z", "1969-12-31", "1969", "1969-12", "1969-12-31T00"},
    {-86400 * S - 1, "1969-12-30T23:59:59.999999Z", "1969-12-30", "1969", "1969-12",
     "1969-12-30T23"},
    {1714571110 * S + 123456, "2024-05-01T13:45:10.123456Z", "2024-05-01", "2024", "2024-05",
     "2024-05-01T13"},
    {1714571110 * S + 100000, "2024-05-01T13:45:10.100000Z", "2024-05-01", "2024", "2024-05",
     "2024-05-01T13"},
    {951868799 * S, "2000-02-29T23:59:59Z", "2000-02-29", "2000", "2000-02", "2000-02-29T23"},
    {-2208988800 * S, "1900-01-01T00:00:00Z", "1900-01-01", "1900", "1900-01", "1900-01-01T00"},
    {-62167219200 * S, "0000-01-01T00:00:00Z", "0000-01-01", "0000", "0000-01", "0000-01-01T00"},
    {253402300799 * S + 999999, "9999-12-31T23:59:59.999999Z", "9999-12-31", "9999", "9999-12",
     "9999-12-31T23"},
};

static void test_format(void)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		const struct format_case *c = &formats[i];
		char buf[40];

		CHECK_INT(lake_time_format_timestamp(c->micros, buf), strlen(c->ts));
		CHECK_STR(buf, c->ts);
		CHECK_INT(lake_time_format_date(c->micros, buf), strlen(c->date));
		CHECK_STR(buf, c->date);
		CHECK_INT(lake_time_format_grain(c->micros, LAKE_GRAIN_YEAR, buf), strlen(c->year));
		CHECK_STR(buf, c->year);
		CHECK_INT(lake_time_format_grain(c->micros, LAKE_GRAIN_MONTH, buf),
			  strlen(c->month));
		CHECK_STR(buf, c->month);
		CHECK_INT(lake_time_format_grain(c->micros, LAKE_GRAIN_DAY, buf), strlen(c->date));
		CHECK_STR(buf, c->date);
		CHECK_INT(lake_time_format_grain(c->micros, LAKE_GRAIN_HOUR, buf), strlen(c->hour));
		CHECK_STR(buf, c->hour);
	}
}

/* Whatever is formatted parses back to the same instant. */
static void test_format_parse_round_trip(void)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	int bad = 0;

	for (int i = 0; i < 100000; i++) {
		int64_t span = INT64_C(253402300800) * S + INT64_C(62167219200) * S;
		int64_t t, got = 0;
		char buf[40];

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = (int64_t)(x % (uint64_t)span) - INT64_C(62167219200) * S;
		lake_time_format_timestamp(t, buf);
		if (lake_time_parse(buf, strlen(buf), &got) != LAKE_TIME_TIMESTAMP || got != t)
			bad++;
	}
	CHECK_INT(bad, 0);
}

/* SQL's text: space, no zone, the fraction's digits to the last nonzero one. */
static void test_format_sql(void)
{
	static const struct {
		int64_t micros;
		const char *text;
	} cases[] = {
	    {0, "1970-01-01 00:00:00"},
	    {-1, "1969-12-31 23:59:59.999999"},
	    {1714571110 * S + 123456, "2024-05-01 13:45:10.123456"},
	    {1714571110 * S + 100000, "2024-05-01 13:45:10.1"},
	    {1714571110 * S + 120, "2024-05-01 13:45:10.00012"},
	    {1714571110 * S + 1, "2024-05-01 13:45:10.000001"},
	    {-62167219200 * S, "0000-01-01 00:00:00"},
	    {253402300799 * S + 999999, "9999-12-31 23:59:59.999999"},
	};
	char buf[40];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK_INT(lake_time_format_sql(cases[i].micros, buf), strlen(cases[i].text));
		CHECK_STR(buf, cases[i].text);
	}
}

/* SQL's texts sort as their instants do, byte by byte, fractions and all. */
static void test_format_sql_sorts(void)
{
	uint64_t x = 0x2545f4914f6cdd1du;
	int64_t prev = 0;
	char a[40], b[40];
	int bad = 0;

	for (int i = 0; i < 100000; i++) {
		int64_t t, got = 0;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Near neighbours too: a second apart, and a few micros apart. */
		t = i % 3 == 0	 ? (int64_t)(x % (INT64_C(253402300799) * S))
		    : i % 3 == 1 ? prev + (int64_t)(x % (2 * S))
				 : prev + (int64_t)(x % 16);
		size_t na = lake_time_format_sql(prev, a), nb = lake_time_format_sql(t, b);
		int by_text = memcmp(a, b, na < nb ? na : nb);
		by_text = by_text ? by_text : (na > nb) - (na < nb);
		if ((by_text > 0) != (prev > t) || (by_text < 0) != (prev < t))
			bad++;
		if (lake_time_parse(b, nb, &got) != LAKE_TIME_TIMESTAMP || got != t)
			bad++;
		prev = t;
	}
	CHECK_INT(bad, 0);
}

/* Any spelling of an instant becomes lake_time_format_sql()'s text: with Z, with an offset. */
static void test_to_sql(void)
{
	uint64_t x = 0x853c49e6748fea9bu;
	char in[64], want[40], got[40];
	int bad = 0;

	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t t = (int64_t)(x % (INT64_C(253402214400) * S)) + INT64_C(86400) * S;
		int offset = (int)(x >> 40) % (14 * 60) * (i % 2 ? 60 : -60); /* seconds east */
		size_t n, len = 0;
		if (i % 3) {
			n = lake_time_format_timestamp(t + (int64_t)offset * S, in);
			snprintf(in + n - 1, sizeof in - n + 1, "%c%02d:%02d",
				 offset < 0 ? '-' : '+', abs(offset) / 3600, abs(offset) / 60 % 60);
		} else {
			lake_time_format_timestamp(t, in);
			in[10] = ' '; /* and the Z kept */
		}
		lake_time_format_sql(t, want);
		if (lake_time_to_sql(in, strlen(in), 0, got, &len) != LAKE_TIME_TIMESTAMP ||
		    len != strlen(want) || strcmp(got, want) != 0) {
			if (!bad)
				fprintf(stderr, "  %s: %s, expected %s\n", in, got, want);
			bad++;
		}
	}
	CHECK_INT(bad, 0);
	size_t len = 0;
	CHECK_INT(lake_time_to_sql("2015/01/02", 10, 1, got, &len), LAKE_TIME_DATE);
	CHECK_STR(got, "2015-01-02");
	CHECK_INT(lake_time_to_sql("2015/01/02", 10, 0, got, &len), LAKE_TIME_DATE);
	CHECK_STR(got, "2015-01-02 00:00:00");
	CHECK_INT(len, 19);
	CHECK_INT(lake_time_to_sql("2015-01-02T03:04:05.500", 23, 0, got, &len),
		  LAKE_TIME_TIMESTAMP);
	CHECK_STR(got, "2015-01-02 03:04:05.5");
	CHECK_INT(lake_time_to_sql("0000-01-01T00:30+01:00", 22, 0, got, &len), LAKE_TIME_NONE);
	CHECK_INT(lake_time_to_sql("2015-02-29", 10, 0, got, &len), LAKE_TIME_NONE);
}

#define CMP(a, b) lake_time_compare(a, strlen(a), b, strlen(b))

static void test_compare(void)
{
	/* One instant, any spelling. */
	CHECK_INT(CMP("2010-01-01T01:00:00", "2010-01-01 01:00:00"), 0);
	CHECK_INT(CMP("2010-01-01 01:00:00", "2010-01-01T02:00:00+01:00"), 0);
	CHECK_INT(CMP("2010-01-01", "2010-01-01 00:00:00.000"), 0);
	CHECK_INT(CMP("2015/01/01 01:00:00", "2015-01-01T01:00:00Z"), 0);
	/* Ordered by the instant, not the text. */
	CHECK(CMP("2001-01-01 00:00:00.5", "2001-01-01T00:00:00Z") > 0);
	CHECK(CMP("2001-01-01T00:30:00+01:00", "2001-01-01 00:00:00") < 0);
	CHECK(CMP("2001-01-01 12:00:00", "2001-01-01T11:59:59.999999Z") > 0);
	/* Text that is no time comes after every time, and by its bytes among its kind. */
	CHECK(CMP("2001-01-01", "abc") < 0);
	CHECK(CMP("abc", "9999-12-31T23:59:59Z") > 0);
	CHECK(CMP("abc", "abd") < 0);
	CHECK(CMP("ab", "abc") < 0);
	CHECK_INT(CMP("", ""), 0);
	CHECK(CMP("", "2001-01-01") > 0);
	CHECK(CMP("2001-13-01", "2001-12-01") > 0);
	/* An offset that leaves years 0000-9999 makes no time. */
	CHECK(CMP("0000-01-01T00:30+01:00", "9999-12-31") > 0);
	CHECK(CMP("9999-12-31T23:30-01:00", "0000-01-01") > 0);
}

struct epoch_case {
	double v;
	int rc;
	int64_t micros;
};

static const struct epoch_case epochs[] = {
    {0, 0, 0},
    {-0.0, 0, 0},
    {1, 0, S},
    {-1, 0, -S},
    {-1.5, 0, -1500000},
    {0.1, 0, 100000},
    {1714521600, 0, 1714521600 * S},
    {1714521600.5, 0, 1714521600 * S + 500000},
    {1714521600.123456, 0, 1714521600 * S + 123456},
    {-62167219200.0, 0, -62167219200 * S},
    {-62167219201.0, -1, 0},
    {99999999999.0, 0, 99999999999 * S},       /* last value read as seconds */
    {-99999999999.0, -1, 0},		       /* seconds, before year 0000 */
    {1e11, 0, INT64_C(100000000000) * 1000},   /* first value read as millis */
    {-1e11, 0, INT64_C(-100000000000) * 1000}, /* 1966, in millis */
    {1714521600000.0, 0, 1714521600 * S},
    {1714521600123.0, 0, 1714521600 * S + 123000},
    {1714521600123.5, 0, 1714521600 * S + 123500},
    {253402300799999.0, 0, 253402300799 * S + 999000},
    {253402300800000.0, -1, 0},
    {-62167219200000.0, 0, -62167219200 * S},
    {-62167219200001.0, -1, 0},
    {1e300, -1, 0},
    {-1e300, -1, 0},
};

static void test_epoch(void)
{
	int64_t got = 7;

	for (size_t i = 0; i < sizeof epochs / sizeof epochs[0]; i++) {
		const struct epoch_case *c = &epochs[i];

		got = 7;
		CHECK_INT(lake_time_from_epoch(c->v, &got), c->rc);
		CHECK_INT(got, c->rc ? 7 : c->micros); /* untouched on failure */
	}
	got = 7;
	CHECK_INT(lake_time_from_epoch(NAN, &got), -1);
	CHECK_INT(lake_time_from_epoch(INFINITY, &got), -1);
	CHECK_INT(lake_time_from_epoch(-INFINITY, &got), -1);
	CHECK_INT(got, 7);
}

static void test_now(void)
{
	int64_t a = lake_time_now(), b = lake_time_now();

	/* Later than 2024-01-01 and before 2100: the clock is real time, in micros. */
	CHECK(a > 1704067200 * S);
	CHECK(a < 4102444800 * S);
	CHECK(b >= a);
}

int main(void)
{
	T_RUN(test_parse_accepted);
	T_RUN(test_parse_refused);
	T_RUN(test_parse_length);
	T_RUN(test_civil_round_trip);
	T_RUN(test_civil_wide);
	T_RUN(test_format);
	T_RUN(test_format_parse_round_trip);
	T_RUN(test_format_sql);
	T_RUN(test_format_sql_sorts);
	T_RUN(test_to_sql);
	T_RUN(test_compare);
	T_RUN(test_epoch);
	T_RUN(test_now);
	T_DONE();
}
