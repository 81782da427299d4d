#include "base/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void set_message(struct lake_error *e, const char *fmt, va_list ap)
{
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

int lake_err(struct lake_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	set_message(e, fmt, ap);
	va_end(ap);
	return -1;
}

int lake_err_sys(struct lake_error *e, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t n;

	if (!e)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	set_message(e, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int lake_exit_for_errno(int errnum)
{
	switch (errnum) {
	case ENOENT:
		return LAKE_EX_NOINPUT;
	case EACCES:
	case EPERM:
		return LAKE_EX_NOPERM;
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
	case EIO:
		return LAKE_EX_IOERR;
	default:
		return LAKE_EX_IOERR;
	}
}

int lake_err_wrap(struct lake_error *e, const char *fmt, ...)
{
	char prefix[512], old[sizeof e->msg];
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	/* Build with the buffer API so a long message is cut, not rejected by the compiler. */
	size_t n = strlen(prefix);
	if (n > sizeof e->msg - 3)
		n = sizeof e->msg - 3;
	memcpy(e->msg, prefix, n);
	memcpy(e->msg + n, ": ", 2);
	size_t rest = strlen(old);
	if (rest > sizeof e->msg - n - 3)
		rest = sizeof e->msg - n - 3;
	memcpy(e->msg + n + 2, old, rest);
	e->msg[n + 2 + rest] = '\0';
	if (!e->code)
		e->code = LAKE_EX_SOFTWARE;
	return -1;
}

void lake_error_clear(struct lake_error *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}
