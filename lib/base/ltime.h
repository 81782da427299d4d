/*
 * ltime.h - dates and timestamps as lake reads and writes them.
 *
 * All instants are UTC microseconds since 1970-01-01 (int64_t).  Text forms
 * accepted are the common ISO-8601 ones data carries:
 *
 *	2024-05-01                      a date
 *	2024/05/01, 2024.05.01          a date with '/' or '.' (as DuckDB's CSV sniffer reads them)
 *	2024-05-01T13:45                a timestamp, minutes only
 *	2024-05-01 13:45:10             space instead of T
 *	2024-05-01T13:45:10.123456789Z  fraction of 1 to 9 digits (kept to micros)
 *	2024-05-01T13:45:10+02:00       zone as Z, +HH:MM, +HHMM or +HH
 *
 * A timestamp without a zone is taken as UTC.  Fields are range checked
 * (month 1-12, day within the month with leap years, hour 0-23, minute
 * 0-59, second 0-59: a leap second 60 is refused).  Years 0000-9999.
 */
#ifndef LAKE_LTIME_H
#define LAKE_LTIME_H

#include <stddef.h>
#include <stdint.h>

enum lake_time_kind {
	LAKE_TIME_NONE = 0,
	LAKE_TIME_DATE,
	LAKE_TIME_TIMESTAMP,
};

/* Parse s[0..len) entirely; returns the kind recognised and sets *micros, or LAKE_TIME_NONE. */
enum lake_time_kind lake_time_parse(const char *s, size_t len, int64_t *micros);

/*
 * Epoch numbers as records carry them: seconds, or milliseconds when the
 * magnitude says so (|v| >= 1e11, i.e. later than year 5138 in seconds).
 * Returns 0 and sets *micros, -1 when v is not finite or out of range.
 */
int lake_time_from_epoch(double v, int64_t *micros);

enum lake_time_grain {
	LAKE_GRAIN_YEAR,  /* "2024" */
	LAKE_GRAIN_MONTH, /* "2024-05" */
	LAKE_GRAIN_DAY,	  /* "2024-05-01" */
	LAKE_GRAIN_HOUR,  /* "2024-05-01T13" */
};

/* Write the UTC truncation of micros at grain into out (room for 32 bytes); returns its length. */
size_t lake_time_format_grain(int64_t micros, enum lake_time_grain grain, char *out);

/* "2024-05-01T13:45:10Z", or with ".123456" before the Z when there are microseconds; room for 40
 * bytes. */
size_t lake_time_format_timestamp(int64_t micros, char *out);

/* "2024-05-01"; room for 16 bytes. */
size_t lake_time_format_date(int64_t micros, char *out);

/*
 * A timestamp as SQL sees it (lake-query(1)): "2024-05-01 13:45:10", with
 * the fraction's digits to the last nonzero one when there is one
 * ("2024-05-01 13:45:10.12"), as DuckDB prints a TIMESTAMP.  One text per
 * instant, and texts sort as their instants do: no zone letter comes
 * after the seconds, which would sort "10Z" after "10.5Z".  Room for 40
 * bytes.
 */
size_t lake_time_format_sql(int64_t micros, char *out);

/*
 * s[0..len) as SQL spells its instant (lake_time_format_sql()) into out
 * (room for 40 bytes), *outlen set; a date as "2024-05-01" when
 * dates_stay, else as its midnight.  Returns the kind read, or
 * LAKE_TIME_NONE (nothing written).
 */
enum lake_time_kind lake_time_to_sql(const char *s, size_t len, int dates_stay, char *out,
				     size_t *outlen);

/*
 * The order SQL compares a date or timestamp column in (the collation
 * lake-query gives such columns): two texts that parse are ordered by
 * their instants, whatever their spelling ("2024-05-01T00:00:00+02:00" is
 * "2024-04-30 22:00:00", and "2024-05-01" its midnight); a text that does
 * not parse comes after every one that does, and two such texts compare
 * byte by byte.  Returns <0, 0 or >0.
 */
int lake_time_compare(const char *a, size_t alen, const char *b, size_t blen);

/* Days since the epoch of a civil date (proleptic Gregorian), and back. */
int64_t lake_days_from_civil(int64_t y, unsigned m, unsigned d);
void lake_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Current time, UTC micros. */
int64_t lake_time_now(void);

#endif
