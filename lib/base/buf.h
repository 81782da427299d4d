/*
 * buf.h - a growable byte buffer, always NUL-terminated.
 *
 * Used for paths, messages and record text.  Allocation failure aborts the
 * process with a message: it is the one failure the library does not
 * return, because no caller could do better and checking every append
 * would drown the code (git's strbuf makes the same choice).
 *
 *	struct lake_buf b = LAKE_BUF_INIT;
 *	lake_buf_addf(&b, "%s/%s", dir, name);
 *	use(b.data);
 *	lake_buf_release(&b);
 */
#ifndef LAKE_BUF_H
#define LAKE_BUF_H

#include <stddef.h>
#include <stdint.h>

struct lake_buf {
	char *data; /* NUL-terminated once anything was added; NULL before */
	size_t len;
	size_t cap;
};

#define LAKE_BUF_INIT                                                                              \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void lake_buf_grow(struct lake_buf *b, size_t extra);
void lake_buf_add(struct lake_buf *b, const void *p, size_t n);
void lake_buf_addc(struct lake_buf *b, char c);
void lake_buf_addstr(struct lake_buf *b, const char *s);
void lake_buf_addf(struct lake_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quotes included, escaping as RFC 8259 requires. */
void lake_buf_add_json_string(struct lake_buf *b, const char *s, size_t n);
/*
 * As above for text that may not be UTF-8: invalid bytes become U+FFFD, so
 * the result is valid JSON.  Returns how many bytes were replaced.
 */
size_t lake_buf_add_json_string_utf8(struct lake_buf *b, const char *s, size_t n);
/* Append p[0..n) in base64 (RFC 4648, padded) as a JSON string, quotes included. */
void lake_buf_add_base64(struct lake_buf *b, const unsigned char *p, size_t n);
/*
 * Append d as a JSON number: the shortest text that reads back as d, with
 * ".0" when it would look like an integer (a double stays a double).
 * JSON has no number for infinities: they are the strings "Infinity" and
 * "-Infinity" (which JavaScript's Number() and Python's float() read), and
 * NaN, which SQL has no value for either, is null.
 */
void lake_buf_add_double(struct lake_buf *b, double d);

/* Append v in decimal (the hot path of every integer a program prints). */
void lake_buf_add_int(struct lake_buf *b, int64_t v);

/*
 * The same texts, written at out, which must have room for LAKE_NUMBER_MAX
 * bytes (no NUL is added): their length.  For callers that reserve room
 * for a whole row at once.
 */
#define LAKE_NUMBER_MAX 32
size_t lake_format_int(char *out, int64_t v);
size_t lake_format_double(char *out, double d);
void lake_buf_reset(struct lake_buf *b);
/* Drop the first n bytes, keeping the rest. */
void lake_buf_consume(struct lake_buf *b, size_t n);
/* Hand the storage over to the caller; the buffer is left empty. */
char *lake_buf_detach(struct lake_buf *b);
void lake_buf_release(struct lake_buf *b);

void *lake_xmalloc(size_t n);
void *lake_xcalloc(size_t n, size_t size);
void *lake_xrealloc(void *p, size_t n);
char *lake_xstrdup(const char *s);
char *lake_xstrndup(const char *s, size_t n);

#endif
