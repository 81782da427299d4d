/*
 * jscan.h - a fast JSON scanner for per-record hot paths.
 *
 * lake-put, lake-crawl and lake-query look at millions of records; building
 * a jansson tree for each costs 25x the time of decompressing it.  This
 * scanner works in place on the record's bytes: it validates a record
 * strictly (RFC 8259, UTF-8 checked), walks the members of an object or
 * the elements of an array without allocating, and decodes a string or a
 * number only when asked.  jansson stays for documents (metadata, job
 * files, printed records).
 *
 *	struct lake_jerror err;
 *	if (lake_json_validate(line, len, &err) != LAKE_JOBJECT)
 *		report(err.offset, err.what);
 *	struct lake_jvalue ts;
 *	if (lake_jobject_get(line, len, "ts", 2, &ts) && ts.type == LAKE_JSTRING)
 *		...
 *
 * Functions other than lake_json_validate() assume their input was
 * validated; on invalid input they never read out of bounds but their
 * results are unspecified.
 */
#ifndef LAKE_JSCAN_H
#define LAKE_JSCAN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Nesting deeper than this is refused as bad input, by jansson's rule: the
 * top-level value is at level 1, and a container at the limit must be empty.
 */
#define LAKE_JSON_MAX_DEPTH 2048

enum lake_jtype {
	LAKE_JNONE = 0, /* no value: end of input or an error */
	LAKE_JNULL,
	LAKE_JFALSE,
	LAKE_JTRUE,
	LAKE_JNUMBER,
	LAKE_JSTRING,
	LAKE_JOBJECT,
	LAKE_JARRAY,
};

struct lake_jvalue {
	enum lake_jtype type;
	const char
	    *start; /* first byte of the value's text: the quote of a string, '{' of an object */
	size_t len; /* bytes of the value's text, quotes and brackets included */
};

struct lake_jmember {
	const char *key; /* the key's raw text between its quotes, escapes not decoded */
	size_t key_len;
	int key_has_escape; /* nonzero when the raw key contains a backslash */
	struct lake_jvalue value;
};

struct lake_jerror {
	size_t offset;	  /* byte offset of the offending byte from the start of the input */
	const char *what; /* static text, e.g. "unterminated string", "invalid UTF-8" */
};

/*
 * Check that buf[0..len) holds exactly one JSON value with optional
 * surrounding whitespace (space, tab, CR, LF).  Returns the value's type,
 * or LAKE_JNONE with *err filled (err may be NULL).  Empty input is an
 * error ("empty input").  Strings must be valid UTF-8 (no overlongs, no
 * surrogates encoded in UTF-8, nothing above U+10FFFF); \u escapes must
 * be well formed, and a high surrogate escape must be followed by a low
 * one.  Control characters below 0x20 inside strings are refused.
 */
enum lake_jtype lake_json_validate(const char *buf, size_t len, struct lake_jerror *err);

/* Iteration over an object's members or an array's elements. */
struct lake_jiter {
	const char *p;
	const char *end;
};

/* Start iterating the object or array whose text is v (from lake_json_validate's input or a
 * member). */
int lake_jiter_begin(struct lake_jiter *it, const struct lake_jvalue *v);
/* Next member of an object: 1 and *m filled, 0 at the end. */
int lake_jobject_next(struct lake_jiter *it, struct lake_jmember *m);
/* Next element of an array: 1 and *v filled, 0 at the end. */
int lake_jarray_next(struct lake_jiter *it, struct lake_jvalue *v);

/*
 * The members of a whole object, for a record's hot path.  Where
 * lake_jobject_next() steps over each value byte by byte, this finds the
 * brackets, colons and commas outside strings 64 bytes at a time, so a
 * record's nested values and long strings cost almost nothing to pass.
 * The members and values are the same as lake_jobject_next() gives for
 * validated text (which this assumes; on anything else it stays inside
 * the text and ends).
 *
 *	struct lake_jmembers it;
 *	lake_jmembers_begin(&it, line, len);
 *	while (lake_jmembers_next(&it, &m))
 *		...
 */
struct lake_jmembers {
	const char *text; /* the object's text, from its '{' */
	size_t len;
	size_t block;	     /* offset of the block whose marks are in `marks` */
	size_t next;	     /* offset of the block after it */
	uint64_t marks;	     /* that block's brackets, colons, commas not yet looked at */
	uint64_t in_string;  /* all ones when the last block ended inside a string */
	uint64_t escaped_in; /* 1 when the last block ended with a backslash that escapes */
	int backslashes;     /* a block read so far had one: keys must be looked at for escapes */
	int depth;
	size_t member; /* where the current member's text starts: after '{' or ',' */
	size_t colon;  /* its colon; 0 when not seen yet */
};

/*
 * Start on the object whose validated text is obj[0..len), whitespace
 * around it allowed: unlike lake_json_root(), this does not walk the text
 * to find where the object ends.
 */
void lake_jmembers_begin(struct lake_jmembers *it, const char *obj, size_t len);
/* Next member: 1 and *m filled, 0 at the end. */
int lake_jmembers_next(struct lake_jmembers *it, struct lake_jmember *m);

/* The value of a validated JSON text buf[0..len) (whitespace around it skipped). */
struct lake_jvalue lake_json_root(const char *buf, size_t len);

/*
 * Find the member named key (key_len bytes, compared after decoding the
 * member's escapes) at the top level of the object text obj[0..len).
 * Returns 1 and fills *out, or 0 when absent or obj is not an object.  The
 * last member of that name wins, as in jq and jansson (and everywhere in
 * lake): {"a":1,"a":2} has a = 2.
 */
int lake_jobject_get(const char *obj, size_t len, const char *key, size_t key_len,
		     struct lake_jvalue *out);

/*
 * Decode a string value (v->type == LAKE_JSTRING) into out, which must
 * have room for v->len bytes.  Returns the decoded length (the bytes are
 * UTF-8, not NUL-terminated, and may contain NUL from \u0000), or -1 when
 * the string is malformed.  Also decodes a raw key: pass the key's bytes
 * with quotes excluded through lake_jstring_decode_raw().
 */
long lake_jstring_decode(const struct lake_jvalue *v, char *out);
long lake_jstring_decode_raw(const char *raw, size_t raw_len, char *out);

/*
 * A member's raw key (m->key, m->key_len) as the name of its column: as
 * lake_jstring_decode_raw(), but a NUL (\u0000), which a C string cannot
 * hold, is the six characters \u0000, as base/colnames.h spells names.
 * So the key "a\u0000b" is kept whole, as the column a\u0000b.  out must
 * have room for raw_len bytes.
 */
long lake_jkey_decode(const char *raw, size_t raw_len, char *out);

enum lake_jnum {
	LAKE_JNUM_BAD = 0,
	LAKE_JNUM_INT, /* integer syntax (no '.', 'e' or 'E') that fits int64_t: *i set, *d too */
	LAKE_JNUM_DOUBLE, /* anything else that is a JSON number: *d set (integers beyond int64 too)
			   */
};

/*
 * Classify and convert the JSON number text s[0..len).  A number beyond
 * the range of a double (1e309) is BAD, as lake_json_validate() refuses
 * it.  i or d may be NULL.
 */
enum lake_jnum lake_jnumber_parse(const char *s, size_t len, int64_t *i, double *d);

/*
 * JSON has no number for an infinity: lake writes them as the strings
 * "Infinity" and "-Infinity" in JSON, and inf and -inf in CSV and TSV
 * (lake_format_double(), lake-query(1)).  1 and *d set to +-INFINITY when
 * s[0..len) is one of those spellings (any case, "+" allowed), else 0.
 */
int lake_infinity_parse(const char *s, size_t len, double *d);

#endif
