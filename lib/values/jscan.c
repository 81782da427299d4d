/*
 * jscan.c - validate and walk JSON text in place.
 *
 * Validation is one forward pass with an explicit stack of open containers
 * (one bit each: object or array), so hostile nesting costs no C stack and
 * nothing is allocated.  String bodies are most of a record's bytes, so they
 * are skipped eight bytes at a time until a byte that needs a closer look:
 * a quote, a backslash, a control character or the start of a multi-byte
 * UTF-8 sequence.
 *
 * The walking functions trust that their input was validated; they only
 * guarantee to stay inside the buffer and to terminate when it was not.
 */
#include "values/jscan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/buf.h"

_Static_assert(LAKE_JSON_MAX_DEPTH % 64 == 0, "the container stack is a whole number of words");

/* Byte classes. */
#define J_WS 1	  /* insignificant whitespace between tokens */
#define J_WORD 2  /* may continue a number or literal: a byte here after one makes it bad */
#define J_PLAIN 4 /* stands for itself inside a string */

/* clang-format off */
#define Z 0
#define S J_WS
#define B (J_WS | J_PLAIN)
#define P J_PLAIN
#define W (J_PLAIN | J_WORD)
static const unsigned char ctype[256] = {
	Z, Z, Z, Z, Z, Z, Z, Z, Z, S, S, Z, Z, S, Z, Z, /* 00 */
	Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, /* 10 */
	B, P, Z, P, P, P, P, P, P, P, P, W, P, W, W, P, /* 20 */
	W, W, W, W, W, W, W, W, W, W, P, P, P, P, P, P, /* 30 */
	P, W, W, W, W, W, W, W, W, W, W, W, W, W, W, W, /* 40 */
	W, W, W, W, W, W, W, W, W, W, W, P, Z, P, P, P, /* 50 */
	P, W, W, W, W, W, W, W, W, W, W, W, W, W, W, W, /* 60 */
	W, W, W, W, W, W, W, W, W, W, W, P, P, P, P, P, /* 70 */
	Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, /* 80 */
	Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, /* 90 */
	Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, /* a0 */
	Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, /* b0 */
	Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, /* c0 */
	Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, /* d0 */
	Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, /* e0 */
	Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, /* f0 */
};
#undef Z
#undef S
#undef B
#undef P
#undef W
/* clang-format on */

typedef const unsigned char *cursor;

static inline int is_digit(unsigned char c)
{
	return (unsigned)(c - '0') < 10;
}

static inline cursor skip_ws(cursor p, cursor end)
{
	while (p < end && (ctype[*p] & J_WS))
		p++;
	return p;
}

static inline cursor skip_digits(cursor p, cursor end)
{
	while (p < end && is_digit(*p))
		p++;
	return p;
}

static enum lake_jtype type_at(unsigned char c)
{
	switch (c) {
	case '{':
		return LAKE_JOBJECT;
	case '[':
		return LAKE_JARRAY;
	case '"':
		return LAKE_JSTRING;
	case 't':
		return LAKE_JTRUE;
	case 'f':
		return LAKE_JFALSE;
	case 'n':
		return LAKE_JNULL;
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		return LAKE_JNUMBER;
	default:
		return LAKE_JNONE;
	}
}

/* ---- string bodies ---- */

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS (ONES * 0x80)

/*
 * The high bit of each byte of w that is '"', '\\', below 0x20 or above
 * 0x7f.  A subtraction's borrow can only mark bytes above a byte that is
 * marked for real, so the lowest mark is always exact.
 */
static inline uint64_t special_bytes(uint64_t w)
{
	uint64_t quote = w ^ (ONES * '"');
	uint64_t backslash = w ^ (ONES * '\\');

	return ((w - ONES * 0x20) | (quote - ONES) | (backslash - ONES) | w) & HIGHS;
}

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FIRST_MARKED(m) ((size_t)__builtin_ctzll(m) >> 3)
#endif

/* The first byte at or after p that is not plain string text, or end. */
static inline cursor skip_plain(cursor p, cursor end)
{
#if defined(__SSE2__) && defined(__GNUC__)
	/* Sixteen bytes at a time; a signed compare marks both < 0x20 and > 0x7f. */
	const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
		      space = _mm_set1_epi8(0x20);
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		int m = _mm_movemask_epi8(_mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
		    _mm_cmplt_epi8(v, space)));
		if (m)
			return p + __builtin_ctz((unsigned)m);
		p += 16;
	}
#endif
	while (end - p >= 8) {
		uint64_t w, m;

		memcpy(&w, p, 8);
		m = special_bytes(w);
		if (m) {
#ifdef FIRST_MARKED
			return p + FIRST_MARKED(m);
#else
			break;
#endif
		}
		p += 8;
	}
	while (p < end && (ctype[*p] & J_PLAIN))
		p++;
	return p;
}

/* Length of the valid UTF-8 sequence at p (whose first byte is >= 0x80), or 0. */
static int utf8_length(cursor p, cursor end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	int n, k;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* shorter forms exist: overlong */
		else if (c == 0xed)
			hi = 0x9f; /* U+D800..DFFF are not characters */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f; /* beyond U+10FFFF */
	} else {
		return 0;
	}
	if (end - p < n || p[1] < lo || p[1] > hi)
		return 0;
	for (k = 2; k < n; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return n;
}

static int hex_value(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	c |= 0x20;
	if ((unsigned)(c - 'a') < 6)
		return c - 'a' + 10;
	return -1;
}

/* Why an escape could not be read. */
enum {
	ESC_INVALID = -1,
	ESC_UNPAIRED = -2,
	ESC_TRUNCATED = -3, /* the input ended inside it */
};

/* Four hex digits at p: 1 and *out set, ESC_INVALID or ESC_TRUNCATED. */
static int hex4(cursor p, cursor end, uint32_t *out)
{
	uint32_t v = 0;
	int k, h;

	for (k = 0; k < 4; k++) {
		if (p + k == end)
			return ESC_TRUNCATED;
		h = hex_value(p[k]);
		if (h < 0)
			return ESC_INVALID;
		v = v << 4 | (uint32_t)h;
	}
	*out = v;
	return 1;
}

/* The \uDC00..DFFF escape that must follow high surrogate hi, at p. */
static int low_surrogate(cursor p, cursor end, uint32_t hi, uint32_t *cp)
{
	uint32_t lo;
	int r;

	if (p == end || (p[0] == '\\' && p + 1 == end))
		return ESC_TRUNCATED;
	if (p[0] != '\\' || p[1] != 'u')
		return ESC_UNPAIRED;
	r = hex4(p + 2, end, &lo);
	if (r < 0)
		return r;
	if (lo < 0xdc00 || lo > 0xdfff)
		return ESC_UNPAIRED;
	*cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	return 12;
}

/* The escape at p (a backslash): its length with *cp set, or an ESC_ code. */
static int parse_escape(cursor p, cursor end, uint32_t *cp)
{
	uint32_t u;
	int r;

	if (end - p < 2)
		return ESC_TRUNCATED;
	switch (p[1]) {
	case '"':
	case '\\':
	case '/':
		*cp = p[1];
		return 2;
	case 'b':
		*cp = '\b';
		return 2;
	case 'f':
		*cp = '\f';
		return 2;
	case 'n':
		*cp = '\n';
		return 2;
	case 'r':
		*cp = '\r';
		return 2;
	case 't':
		*cp = '\t';
		return 2;
	case 'u':
		break;
	default:
		return ESC_INVALID;
	}
	r = hex4(p + 2, end, &u);
	if (r < 0)
		return r;
	if (u < 0xd800 || u > 0xdfff) {
		*cp = u;
		return 6;
	}
	if (u >= 0xdc00)
		return ESC_UNPAIRED;
	return low_surrogate(p + 6, end, u, cp);
}

static size_t put_utf8(unsigned char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ---- numbers ---- */

struct numinfo {
	cursor digits;	   /* first digit of the integer part */
	size_t int_digits; /* how many digits the integer part has */
	size_t exp_digits; /* digits of the exponent, 0 when there is none */
	int is_int;	   /* neither a fraction nor an exponent */
	cursor bad;	   /* the offending byte when the syntax is wrong */
};

/* Read the RFC 8259 number at p; returns its end, or NULL with n->bad set. */
static inline cursor number_syntax(cursor p, cursor end, struct numinfo *n)
{
	cursor e;

	n->is_int = 1;
	n->exp_digits = 0;
	if (p < end && *p == '-')
		p++;
	n->digits = p;
	if (p == end || !is_digit(*p))
		goto bad;
	p = *p == '0' ? p + 1 : skip_digits(p + 1, end);
	n->int_digits = (size_t)(p - n->digits);
	if (p < end && *p == '.') {
		n->is_int = 0;
		if (++p == end || !is_digit(*p))
			goto bad;
		p = skip_digits(p, end);
	}
	if (p < end && (*p | 0x20) == 'e') {
		n->is_int = 0;
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || !is_digit(*p))
			goto bad;
		e = p;
		p = skip_digits(p, end);
		n->exp_digits = (size_t)(p - e);
	}
	return p;
bad:
	n->bad = p;
	return NULL;
}

/*
 * Whether the number could be too large for a double (about 1.8e308).  Its
 * magnitude is below 10^(int_digits + exponent), so almost every number is
 * cleared here without converting it.
 */
static inline int may_overflow(const struct numinfo *n)
{
	if (!n->exp_digits)
		return n->int_digits > 308;
	return n->exp_digits > 2 || n->int_digits > 308 - 99;
}

/*
 * strtod wants a terminated string; the text is not, and may be long.
 * strtod follows LC_NUMERIC, which lake never changes from "C", so the
 * decimal point is '.' as in JSON.
 */
static double text_to_double(const char *s, size_t len)
{
	char small[64];
	char *copy = len < sizeof small ? small : lake_xmalloc(len + 1);
	double d;

	memcpy(copy, s, len);
	copy[len] = '\0';
	d = strtod(copy, NULL);
	if (copy != small)
		free(copy);
	return d;
}

/*
 * A decimal without exponent and of at most 15 significant digits, such
 * as 406.78, converted without strtod: its digits make an integer below
 * 2^53 and its fraction a power of ten up to 10^22, both exact as doubles,
 * so their quotient is rounded once, exactly as strtod rounds (Clinger's
 * fast path).  Returns 0 when the number is not that simple.
 */
static int short_decimal(const struct numinfo *n, cursor end, int neg, double *out)
{
	static const double pow10[] = {1e0,  1e1,  1e2,	 1e3,  1e4,  1e5,  1e6,	 1e7,
				       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	cursor p = n->digits;
	uint64_t v = 0;
	size_t digits = 0, frac = 0;

	if (n->exp_digits)
		return 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++)
		v = v * 10 + (unsigned)(*p - '0');
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9'; p++, digits++, frac++)
			v = v * 10 + (unsigned)(*p - '0');
	if (p != end || digits > 15 || frac > 22)
		return 0;
	*out = (double)v / pow10[frac];
	if (neg)
		*out = -*out;
	return 1;
}

/* The integer with n decimal digits at p, negated when neg, if it fits int64_t. */
static int digits_to_int(cursor p, size_t n, int neg, int64_t *out)
{
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;
	size_t k;

	if (n > 19)
		return 0;
	for (k = 0; k < n; k++) {
		unsigned d = (unsigned)(p[k] - '0');

		/* 18 digits cannot overflow; only longer ones pay for the check */
		if (n > 18 && v > (limit - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (!neg)
		*out = (int64_t)v;
	else if (v == (uint64_t)INT64_MAX + 1)
		*out = INT64_MIN;
	else
		*out = -(int64_t)v;
	return 1;
}

/*
 * The numbers records mostly hold, 123 and -12.34 (at most 15 digits, no
 * exponent, no leading zero), read in one pass, to the same result as
 * the general way below.  LAKE_JNUM_BAD when the text is not that simple.
 */
static enum lake_jnum simple_number(cursor p, cursor end, int64_t *i, double *d)
{
	static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,	 1e6,  1e7,
				       1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	int neg = p < end && *p == '-';
	cursor first = p + neg, dot = NULL;
	uint64_t v = 0;

	if (first == end || !is_digit(*first) ||
	    (*first == '0' && first + 1 < end && is_digit(first[1])))
		return LAKE_JNUM_BAD;
	/* Longer texts are not simple: this also keeps v from overflowing. */
	if (end - first > 16)
		return LAKE_JNUM_BAD;
	for (p = first; p < end && is_digit(*p); p++)
		v = v * 10 + (unsigned)(*p - '0');
	if (p < end) {
		if (*p != '.' || p + 1 == end)
			return LAKE_JNUM_BAD;
		for (dot = p++; p < end && is_digit(*p); p++)
			v = v * 10 + (unsigned)(*p - '0');
		if (p < end)
			return LAKE_JNUM_BAD;
	}
	if (end - first - (dot != NULL) > 15)
		return LAKE_JNUM_BAD;
	if (!dot) {
		if (i)
			*i = neg ? -(int64_t)v : (int64_t)v;
		if (d)
			*d = v == 0 && neg ? -0.0 : neg ? -(double)v : (double)v;
		return LAKE_JNUM_INT;
	}
	if (d)
		*d = neg ? -((double)v / pow10[end - dot - 1]) : (double)v / pow10[end - dot - 1];
	return LAKE_JNUM_DOUBLE;
}

enum lake_jnum lake_jnumber_parse(const char *s, size_t len, int64_t *i, double *d)
{
	cursor p = (cursor)s, end = p + len;
	struct numinfo n;
	enum lake_jnum simple = simple_number(p, end, i, d);
	int64_t iv;
	double dv;

	if (simple != LAKE_JNUM_BAD)
		return simple;
	if (!len || number_syntax(p, end, &n) != end)
		return LAKE_JNUM_BAD;
	if (n.is_int && digits_to_int(n.digits, n.int_digits, *p == '-', &iv)) {
		if (i)
			*i = iv;
		if (d)
			*d = iv == 0 && *p == '-' ? -0.0 : (double)iv;
		return LAKE_JNUM_INT;
	}
	if (!short_decimal(&n, end, *p == '-', &dv))
		dv = text_to_double(s, len);
	if (isinf(dv))
		return LAKE_JNUM_BAD; /* refused by lake_json_validate() too */
	if (d)
		*d = dv;
	return LAKE_JNUM_DOUBLE;
}

/* ---- validation ---- */

struct scan {
	cursor end;
	cursor err_at;
	const char *err_what;
};

static cursor fail(struct scan *s, cursor at, const char *what)
{
	s->err_at = at;
	s->err_what = what;
	return NULL;
}

static int refuse(struct scan *s, cursor at, const char *what)
{
	fail(s, at, what);
	return 0;
}

static const char *const escape_error[] = {
    [-ESC_INVALID] = "invalid escape",
    [-ESC_UNPAIRED] = "unpaired surrogate escape",
    [-ESC_TRUNCATED] = "unterminated string",
};

/* A byte of a string that is not plain text, at p: check it and step over it. */
static cursor string_special(struct scan *s, cursor open, cursor p)
{
	uint32_t cp;
	int n;

	if (*p == '\\') {
		n = parse_escape(p, s->end, &cp);
		if (n > 0)
			return p + n;
		return fail(s, n == ESC_TRUNCATED ? open : p, escape_error[-n]);
	}
	if (*p < 0x20)
		return fail(s, p, "control character in string");
	n = utf8_length(p, s->end);
	if (!n)
		return fail(s, p, "invalid UTF-8 in string");
	return p + n;
}

/* The string whose opening quote is at p; returns the byte after it. */
static inline cursor scan_string(struct scan *s, cursor p)
{
	cursor open = p++;

	for (;;) {
		p = skip_plain(p, s->end);
		if (p == s->end)
			return fail(s, open, "unterminated string");
		if (*p == '"')
			return p + 1;
		p = string_special(s, open, p);
		if (!p)
			return NULL;
	}
}

static inline cursor scan_number(struct scan *s, cursor p)
{
	struct numinfo n;
	cursor q = number_syntax(p, s->end, &n);

	if (!q)
		return fail(s, n.bad, "invalid number");
	if (q < s->end && (ctype[*q] & J_WORD))
		return fail(s, q, "invalid number");
	/* jansson refuses what would become infinity; so do we */
	if (may_overflow(&n) && isinf(text_to_double((const char *)p, (size_t)(q - p))))
		return fail(s, p, "number out of range");
	return q;
}

static inline cursor scan_literal(struct scan *s, cursor p, const char *word, size_t n)
{
	if ((size_t)(s->end - p) < n || memcmp(p, word, n) != 0 ||
	    (p + n < s->end && (ctype[p[n]] & J_WORD)))
		return fail(s, p, "invalid literal");
	return p + n;
}

/* A scalar value at p (not a container); returns the byte after it. */
static inline cursor scan_scalar(struct scan *s, cursor p)
{
	switch (*p) {
	case '"':
		return scan_string(s, p);
	case 't':
		return scan_literal(s, p, "true", 4);
	case 'f':
		return scan_literal(s, p, "false", 5);
	case 'n':
		return scan_literal(s, p, "null", 4);
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		return scan_number(s, p);
	default:
		return fail(s, p, "expected a value");
	}
}

/* The open containers, innermost last: bit set for an object. */
struct nest {
	uint64_t bits[LAKE_JSON_MAX_DEPTH / 64];
	unsigned depth;
};

static inline void nest_push(struct nest *n, int is_object)
{
	unsigned word = n->depth >> 6, shift = n->depth & 63;
	uint64_t bit = (uint64_t)(is_object != 0) << shift;

	/* a word is begun afresh, so no bit is read before it was written */
	if (!shift)
		n->bits[word] = bit;
	else
		n->bits[word] = (n->bits[word] & ~(UINT64_C(1) << shift)) | bit;
	n->depth++;
}

/* Close the innermost container; returns whether the one now innermost is an object. */
static inline int nest_pop(struct nest *n)
{
	unsigned top;

	if (--n->depth == 0)
		return 0;
	top = n->depth - 1;
	return (int)(n->bits[top >> 6] >> (top & 63) & 1);
}

/*
 * Check the value at p and what follows it to the end.  A state machine
 * rather than recursion: "a value is due", "a key is due", "a colon is
 * due" and "a value just ended", with the nest saying which container we
 * are in.  Records are mostly compact, so each state first looks for the
 * byte it expects and skips whitespace only when it does not find it.
 */
static int check_text(struct scan *s, cursor p)
{
	cursor end = s->end;
	struct nest nest;
	int in_object = 0;

	nest.depth = 0;
value:
	if (p == end)
		return refuse(s, p, "unexpected end of input");
	switch (*p) {
	case ' ':
	case '\t':
	case '\n':
	case '\r':
		p = skip_ws(p, end);
		goto value;
	case '{':
	case '[':
		in_object = *p == '{';
		nest_push(&nest, in_object);
		p = skip_ws(p + 1, end);
		if (p < end && *p == (in_object ? '}' : ']')) {
			p++;
			goto close;
		}
		/*
		 * Like jansson, a value may sit at most LAKE_JSON_MAX_DEPTH
		 * levels deep, the top one at level 1: a container at the
		 * limit must be empty.
		 */
		if (nest.depth == LAKE_JSON_MAX_DEPTH && p < end)
			return refuse(s, p, "nesting too deep");
		if (in_object)
			goto key;
		goto value;
	default:
		p = scan_scalar(s, p);
		if (!p)
			return 0;
	}
after:
	if (!nest.depth) {
		p = skip_ws(p, end);
		if (p != end)
			return refuse(s, p, "trailing characters after value");
		return 1;
	}
after_ws:
	if (p == end)
		return refuse(s, p, "unexpected end of input");
	if (*p == ',') {
		p++;
		if (in_object)
			goto key;
		goto value;
	}
	if (*p == (in_object ? '}' : ']')) {
		p++;
		goto close;
	}
	if (ctype[*p] & J_WS) {
		p = skip_ws(p, end);
		goto after_ws;
	}
	return refuse(s, p, in_object ? "expected ',' or '}'" : "expected ',' or ']'");
close:
	in_object = nest_pop(&nest);
	goto after;
key:
	if (p == end)
		return refuse(s, p, "unexpected end of input");
	if (*p != '"') {
		if (ctype[*p] & J_WS) {
			p = skip_ws(p, end);
			goto key;
		}
		return refuse(s, p, "expected object key");
	}
	p = scan_string(s, p);
	if (!p)
		return 0;
colon:
	if (p == end)
		return refuse(s, p, "unexpected end of input");
	if (*p != ':') {
		if (ctype[*p] & J_WS) {
			p = skip_ws(p, end);
			goto colon;
		}
		return refuse(s, p, "expected ':' after object key");
	}
	p++;
	goto value;
}

enum lake_jtype lake_json_validate(const char *buf, size_t len, struct lake_jerror *err)
{
	cursor start = (cursor)buf;
	struct scan s = {start + len, NULL, NULL};
	cursor p = skip_ws(start, s.end);

	if (p == s.end)
		fail(&s, p, "empty input");
	else if (check_text(&s, p))
		return type_at(*p);
	if (err) {
		err->offset = (size_t)(s.err_at - start);
		err->what = s.err_what;
	}
	return LAKE_JNONE;
}

/* ---- walking validated text ---- */

/* Past the closing quote of the string whose body starts at p, or NULL if none. */
static cursor skip_string(cursor p, cursor end, int *has_escape)
{
	for (;;) {
		p = skip_plain(p, end);
		if (p == end)
			return NULL;
		if (*p == '"')
			return p + 1;
		if (*p == '\\') {
			*has_escape = 1;
			if (end - p < 2)
				return NULL;
			p += 2;
		} else {
			p++;
		}
	}
}

/* Past the bracket closing the container opened at p. */
static cursor skip_container(cursor p, cursor end)
{
	size_t depth = 0;
	int esc;

	while (p < end) {
		switch (*p++) {
		case '"':
			p = skip_string(p, end, &esc);
			if (!p)
				return end;
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return p;
			break;
		}
	}
	return end;
}

/* Fill *v with the value at p; returns the byte after it, or NULL if there is none. */
static cursor read_value(cursor p, cursor end, struct lake_jvalue *v)
{
	cursor q;
	int esc;

	if (p == end)
		return NULL;
	v->type = type_at(*p);
	switch (v->type) {
	case LAKE_JNONE:
		return NULL;
	case LAKE_JSTRING:
		q = skip_string(p + 1, end, &esc);
		if (!q)
			q = end;
		break;
	case LAKE_JOBJECT:
	case LAKE_JARRAY:
		q = skip_container(p, end);
		break;
	default:
		/* the first byte is a word byte, so this always moves on */
		for (q = p; q < end && (ctype[*q] & J_WORD); q++)
			;
		break;
	}
	v->start = (const char *)p;
	v->len = (size_t)(q - p);
	return q;
}

/* The start of the next member or element: past whitespace and a comma. */
static cursor next_item(cursor p, cursor end)
{
	p = skip_ws(p, end);
	if (p < end && *p == ',')
		p = skip_ws(p + 1, end);
	return p;
}

int lake_jiter_begin(struct lake_jiter *it, const struct lake_jvalue *v)
{
	char open = v->type == LAKE_JOBJECT ? '{' : v->type == LAKE_JARRAY ? '[' : 0;

	if (!open || v->len < 2 || v->start[0] != open) {
		it->p = it->end = NULL;
		return 0;
	}
	it->p = v->start + 1;
	it->end = v->start + v->len;
	return 1;
}

int lake_jobject_next(struct lake_jiter *it, struct lake_jmember *m)
{
	cursor end = (cursor)it->end;
	cursor p = next_item((cursor)it->p, end);
	cursor q;
	int esc = 0;

	if (p == end || *p != '"')
		goto stop;
	q = skip_string(p + 1, end, &esc);
	if (!q)
		goto stop;
	m->key = (const char *)p + 1;
	m->key_len = (size_t)(q - p - 2);
	m->key_has_escape = esc;
	p = skip_ws(q, end);
	if (p == end || *p != ':')
		goto stop;
	p = read_value(skip_ws(p + 1, end), end, &m->value);
	if (!p)
		goto stop;
	it->p = (const char *)p;
	return 1;
stop:
	it->p = it->end;
	return 0;
}

int lake_jarray_next(struct lake_jiter *it, struct lake_jvalue *v)
{
	cursor end = (cursor)it->end;
	cursor p = read_value(next_item((cursor)it->p, end), end, v);

	if (!p) {
		it->p = it->end;
		return 0;
	}
	it->p = (const char *)p;
	return 1;
}

struct lake_jvalue lake_json_root(const char *buf, size_t len)
{
	cursor end = (cursor)buf + len;
	struct lake_jvalue v;

	if (!read_value(skip_ws((cursor)buf, end), end, &v)) {
		v.type = LAKE_JNONE;
		v.start = buf + len;
		v.len = 0;
	}
	return v;
}

/* ---- members 64 bytes at a time ---- */

#define BLOCK 64

/* Per byte of a block, one bit each: quotes, backslashes, brackets/colons/commas. */
struct block_marks {
	uint64_t quote, backslash, structural;
};

static void mark_block(const unsigned char *b, struct block_marks *m)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
		      bit5 = _mm_set1_epi8(0x20), open = _mm_set1_epi8('{'),
		      close = _mm_set1_epi8('}'), colon = _mm_set1_epi8(':'),
		      comma = _mm_set1_epi8(',');

	m->quote = m->backslash = m->structural = 0;
	for (int k = 0; k < BLOCK / 16; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));
		/* '[' and ']' are '{' and '}' with bit 5 clear: one compare finds both. */
		__m128i folded = _mm_or_si128(v, bit5);
		__m128i s = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close)),
		    _mm_or_si128(_mm_cmpeq_epi8(v, colon), _mm_cmpeq_epi8(v, comma)));
		unsigned shift = 16 * (unsigned)k;
		m->quote |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote))
			    << shift;
		m->backslash |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash))
				<< shift;
		m->structural |= (uint64_t)(unsigned)_mm_movemask_epi8(s) << shift;
	}
#else
	m->quote = m->backslash = m->structural = 0;
	for (unsigned i = 0; i < BLOCK; i++) {
		unsigned char c = b[i];
		uint64_t bit = (uint64_t)1 << i;
		if (c == '"')
			m->quote |= bit;
		else if (c == '\\')
			m->backslash |= bit;
		else if (c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',')
			m->structural |= bit;
	}
#endif
}

static inline unsigned lowest_bit(uint64_t x)
{
#if defined(__GNUC__)
	return (unsigned)__builtin_ctzll(x);
#else
	unsigned i = 0;
	while (!(x & 1)) {
		x >>= 1;
		i++;
	}
	return i;
#endif
}

/*
 * The bytes a backslash escapes: the one after each backslash that is not
 * escaped itself.  Records have few backslashes, so they are taken one by
 * one, in order, which settles runs of them; *carry brings a backslash at
 * the end of the last block into this one.
 */
static uint64_t escaped_bytes(uint64_t backslash, uint64_t *carry)
{
	uint64_t escaped = *carry;

	*carry = 0;
	while (backslash) {
		unsigned i = lowest_bit(backslash);
		backslash &= backslash - 1;
		if ((escaped >> i) & 1)
			continue;
		if (i == BLOCK - 1)
			*carry = 1;
		else
			escaped |= (uint64_t)2 << i;
	}
	return escaped;
}

/* Bit i set when an odd number of bits at or below i are: inside a string, given its quotes. */
static inline uint64_t prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

/* Mark the next block's brackets, colons and commas that are not inside a string. */
static int next_block(struct lake_jmembers *it)
{
	unsigned char tail[BLOCK];
	const unsigned char *b = (const unsigned char *)it->text + it->next;
	struct block_marks m;
	uint64_t quotes, inside;

	if (it->next >= it->len)
		return 0;
	/* The last block is copied, zero-padded, so that no byte past the text is read. */
	if (it->len - it->next < BLOCK) {
		memset(tail, 0, sizeof tail);
		memcpy(tail, b, it->len - it->next);
		b = tail;
	}
	mark_block(b, &m);
	it->backslashes |= m.backslash != 0;
	quotes = m.quote & ~escaped_bytes(m.backslash, &it->escaped_in);
	/* A string's bytes, from its opening quote to before its closing one. */
	inside = prefix_xor(quotes) ^ it->in_string;
	it->in_string = 0 - (inside >> 63);
	it->marks = m.structural & ~inside;
	it->block = it->next;
	it->next += BLOCK;
	return 1;
}

static size_t trim_start(cursor t, size_t from, size_t to)
{
	while (from < to && (ctype[t[from]] & J_WS))
		from++;
	return from;
}

static size_t trim_end(cursor t, size_t from, size_t to)
{
	while (to > from && (ctype[t[to - 1]] & J_WS))
		to--;
	return to;
}

/* The member from it->member to `end` (its ',' or '}'): 0 when it is no member. */
static int member_before(const struct lake_jmembers *it, size_t end, struct lake_jmember *m)
{
	cursor t = (cursor)it->text;
	size_t k0 = trim_start(t, it->member, it->colon), k1 = trim_end(t, k0, it->colon);
	size_t v0 = trim_start(t, it->colon + 1, end), v1 = trim_end(t, v0, end);

	if (!it->colon || k1 - k0 < 2 || t[k0] != '"' || t[k1 - 1] != '"' || v0 == v1)
		return 0;
	m->key = it->text + k0 + 1;
	m->key_len = k1 - k0 - 2;
	m->key_has_escape = it->backslashes && memchr(m->key, '\\', m->key_len) != NULL;
	m->value.type = type_at(t[v0]);
	m->value.start = it->text + v0;
	m->value.len = v1 - v0;
	return m->value.type != LAKE_JNONE;
}

void lake_jmembers_begin(struct lake_jmembers *it, const char *obj, size_t len)
{
	cursor t = (cursor)obj;
	size_t from = trim_start(t, 0, len), to = trim_end(t, from, len);

	memset(it, 0, sizeof *it);
	if (to - from < 2 || t[from] != '{')
		return;
	it->text = obj + from;
	it->len = to - from;
}

int lake_jmembers_next(struct lake_jmembers *it, struct lake_jmember *m)
{
	for (;;) {
		while (!it->marks)
			if (!next_block(it))
				return 0;
		size_t at = it->block + lowest_bit(it->marks);
		it->marks &= it->marks - 1;
		switch (it->text[at]) {
		case '{':
		case '[':
			if (++it->depth == 1)
				it->member = at + 1;
			continue;
		case ':':
			if (it->depth == 1 && !it->colon)
				it->colon = at;
			continue;
		case ',':
			if (it->depth != 1)
				continue;
			break;
		default: /* '}' or ']' */
			if (--it->depth > 0)
				continue;
		}
		/* A member ends here, at depth 1; at the object's end nothing follows. */
		int found = member_before(it, at, m);
		if (!found || it->depth <= 0) {
			it->marks = 0;
			it->next = it->len;
		}
		it->member = at + 1;
		it->colon = 0;
		return found;
	}
}

/* Whether the raw key text, its escapes decoded, is key[0..key_len). */
static int raw_key_equals(cursor p, cursor end, cursor key, size_t key_len)
{
	cursor k = key, kend = key + key_len;
	unsigned char utf8[4];
	uint32_t cp;
	size_t n;
	int r;

	while (p < end) {
		if (*p != '\\') {
			if (k == kend || *k != *p)
				return 0;
			p++;
			k++;
			continue;
		}
		r = parse_escape(p, end, &cp);
		if (r < 0)
			return 0;
		p += r;
		n = put_utf8(utf8, cp);
		if ((size_t)(kend - k) < n || memcmp(k, utf8, n) != 0)
			return 0;
		k += n;
	}
	return k == kend;
}

static int member_named(const struct lake_jmember *m, const char *key, size_t key_len)
{
	if (!m->key_has_escape)
		return m->key_len == key_len && memcmp(m->key, key, key_len) == 0;
	/* an escape decodes to fewer bytes than it takes */
	if (key_len > m->key_len)
		return 0;
	return raw_key_equals((cursor)m->key, (cursor)m->key + m->key_len, (cursor)key, key_len);
}

int lake_jobject_get(const char *obj, size_t len, const char *key, size_t key_len,
		     struct lake_jvalue *out)
{
	cursor end = (cursor)obj + len;
	cursor p = skip_ws((cursor)obj, end);
	struct lake_jiter it;
	struct lake_jmember m;
	int found = 0;

	if (p == end || *p != '{')
		return 0;
	it.p = (const char *)p + 1;
	it.end = (const char *)end;
	while (lake_jobject_next(&it, &m))
		if (member_named(&m, key, key_len)) {
			*out = m.value;
			found = 1;
		}
	return found;
}

/* ---- decoding ---- */

/* With as_name, a NUL is written as the six characters \u0000 (lake_jkey_decode()). */
static long decode_raw(const char *raw, size_t raw_len, char *out, int as_name)
{
	cursor p = (cursor)raw, end = p + raw_len, q;
	unsigned char *o = (unsigned char *)out;
	uint32_t cp;
	int n;

	for (;;) {
		q = skip_plain(p, end);
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		p = q;
		if (p == end)
			return (long)(o - (unsigned char *)out);
		if (*p == '\\') {
			n = parse_escape(p, end, &cp);
			if (n < 0)
				return -1;
			if (as_name && cp == 0) {
				memcpy(o, "\\u0000", 6); /* it took six bytes as an escape too */
				o += 6;
			} else {
				o += put_utf8(o, cp);
			}
		} else if (*p >= 0x80) {
			n = utf8_length(p, end);
			if (!n)
				return -1;
			memcpy(o, p, (size_t)n);
			o += n;
		} else {
			return -1; /* a bare quote or a control character */
		}
		p += n;
	}
}

long lake_jstring_decode_raw(const char *raw, size_t raw_len, char *out)
{
	return decode_raw(raw, raw_len, out, 0);
}

long lake_jkey_decode(const char *raw, size_t raw_len, char *out)
{
	return decode_raw(raw, raw_len, out, 1);
}

long lake_jstring_decode(const struct lake_jvalue *v, char *out)
{
	if (v->type != LAKE_JSTRING || v->len < 2 || v->start[0] != '"' ||
	    v->start[v->len - 1] != '"')
		return -1;
	return lake_jstring_decode_raw(v->start + 1, v->len - 2, out);
}

int lake_infinity_parse(const char *s, size_t len, double *d)
{
	int negative = len > 0 && s[0] == '-';

	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		s++;
		len--;
	}
	if (!((len == 3 && strncasecmp(s, "inf", 3) == 0) ||
	      (len == 8 && strncasecmp(s, "infinity", 8) == 0)))
		return 0;
	*d = negative ? -INFINITY : INFINITY;
	return 1;
}
