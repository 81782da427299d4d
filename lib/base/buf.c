#include "base/buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
	fprintf(stderr, "lake: fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

void *lake_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		out_of_memory(n);
	return p;
}

void *lake_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		out_of_memory(n * size);
	return p;
}

void *lake_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		out_of_memory(n);
	return q;
}

char *lake_xstrdup(const char *s)
{
	return lake_xstrndup(s, strlen(s));
}

char *lake_xstrndup(const char *s, size_t n)
{
	char *p = lake_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void lake_buf_grow(struct lake_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need < b->len)
		out_of_memory(SIZE_MAX);
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap * 2 > cap ? cap * 2 : need;
	b->data = lake_xrealloc(b->data, cap);
	if (b->cap == 0)
		b->data[0] = '\0';
	b->cap = cap;
}

void lake_buf_add(struct lake_buf *b, const void *p, size_t n)
{
	lake_buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void lake_buf_addc(struct lake_buf *b, char c)
{
	lake_buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void lake_buf_addstr(struct lake_buf *b, const char *s)
{
	lake_buf_add(b, s, strlen(s));
}

void lake_buf_addf(struct lake_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	lake_buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void lake_buf_add_json_string(struct lake_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	lake_buf_grow(b, n + 2);
	lake_buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		lake_buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			lake_buf_add(b, "\\\"", 2);
			break;
		case '\\':
			lake_buf_add(b, "\\\\", 2);
			break;
		case '\n':
			lake_buf_add(b, "\\n", 2);
			break;
		case '\r':
			lake_buf_add(b, "\\r", 2);
			break;
		case '\t':
			lake_buf_add(b, "\\t", 2);
			break;
		default: {
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			lake_buf_add(b, esc, 6);
		}
		}
	}
	lake_buf_add(b, s + run, n - run);
	lake_buf_addc(b, '"');
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

size_t lake_buf_add_json_string_utf8(struct lake_buf *b, const char *s, size_t n)
{
	struct lake_buf clean = LAKE_BUF_INIT;
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, replaced = 0;

	lake_buf_grow(&clean, n);
	while (i < n) {
		size_t k = utf8_sequence(u + i, n - i);
		if (k) {
			lake_buf_add(&clean, s + i, k);
			i += k;
		} else {
			lake_buf_add(&clean, "\xEF\xBF\xBD", 3);
			i++;
			replaced++;
		}
	}
	lake_buf_add_json_string(b, clean.data ? clean.data : "", clean.len);
	lake_buf_release(&clean);
	return replaced;
}

void lake_buf_add_base64(struct lake_buf *b, const unsigned char *p, size_t n)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	lake_buf_addc(b, '"');
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char out[4] = {digits[v >> 18 & 63], digits[v >> 12 & 63],
			       i + 1 < n ? digits[v >> 6 & 63] : '=',
			       i + 2 < n ? digits[v & 63] : '='};
		lake_buf_add(b, out, 4);
	}
	lake_buf_addc(b, '"');
}

void lake_buf_reset(struct lake_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void lake_buf_consume(struct lake_buf *b, size_t n)
{
	if (n >= b->len) {
		lake_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *lake_buf_detach(struct lake_buf *b)
{
	char *p = b->data ? b->data : lake_xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void lake_buf_release(struct lake_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/*
 * Most doubles in data are decimals of a few places (prices, rates): when
 * d is exactly m / 10^6 rounded (m an integer below 2^53, so the division
 * rounds once), m's digits with trailing zeros dropped are the shortest
 * text that reads back as d.  Integer arithmetic, no printf.
 */
/* How many decimal digits u has (1 for 0), so that numbers are written in place. */
static size_t decimal_width(uint64_t u)
{
	size_t n = 1;

	for (uint64_t limit = 10; n < 20 && u >= limit; limit *= 10)
		n++;
	return n;
}

static size_t short_decimal(char *out, double d)
{
	double scaled = d * 1e6;
	long long m;
	uint64_t whole;
	uint32_t frac;
	size_t n;
	int places = 6;

	if (!(scaled > -9007199254740992.0 && scaled < 9007199254740992.0))
		return 0;
	m = llround(scaled);
	if ((double)m / 1e6 != d || (m == 0 && signbit(d)))
		return 0;
	/* The fraction apart, in 32 bits, where dividing by ten is cheapest. */
	whole = m < 0 ? 0 - (uint64_t)m : (uint64_t)m;
	frac = (uint32_t)(whole % 1000000);
	whole /= 1000000;
	while (places > 1 && frac % 10 == 0) {
		frac /= 10;
		places--;
	}
	n = (d < 0) + decimal_width(whole) + 1 + (size_t)places;
	out += n;
	for (int k = 0; k < places; k++, frac /= 10)
		*--out = (char)('0' + frac % 10);
	*--out = '.';
	do
		*--out = (char)('0' + whole % 10);
	while ((whole /= 10) > 0);
	if (d < 0)
		*--out = '-';
	return n;
}

size_t lake_format_double(char *out, double d)
{
	char num[40];
	size_t n;

	if (isinf(d)) {
		n = d > 0 ? strlen("\"Infinity\"") : strlen("\"-Infinity\"");
		memcpy(out, d > 0 ? "\"Infinity\"" : "\"-Infinity\"", n);
		return n;
	}
	if (isnan(d)) {
		memcpy(out, "null", 4);
		return 4;
	}
	if ((n = short_decimal(out, d)) > 0)
		return n;
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(num, sizeof num, "%.*g", digits, d);
		if (strtod(num, NULL) == d)
			break;
	}
	n = strlen(num);
	memcpy(out, num, n);
	if (!strpbrk(num, ".e")) {
		memcpy(out + n, ".0", 2);
		n += 2;
	}
	return n;
}

void lake_buf_add_double(struct lake_buf *b, double d)
{
	lake_buf_grow(b, LAKE_NUMBER_MAX);
	b->len += lake_format_double(b->data + b->len, d);
	b->data[b->len] = '\0';
}

size_t lake_format_int(char *out, int64_t v)
{
	/* In unsigned arithmetic, so that INT64_MIN has a magnitude. */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n = (v < 0) + decimal_width(u);

	out += n;
	do {
		*--out = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--out = '-';
	return n;
}

void lake_buf_add_int(struct lake_buf *b, int64_t v)
{
	lake_buf_grow(b, LAKE_NUMBER_MAX);
	b->len += lake_format_int(b->data + b->len, v);
	b->data[b->len] = '\0';
}
