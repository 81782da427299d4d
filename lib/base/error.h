/*
 * error.h - how the library reports failure.
 *
 * The library never prints and never exits.  A function that can fail
 * takes a `struct lake_error *` as its last argument, returns -1 (or NULL)
 * on failure and fills the error with a sysexits.h-style exit code and a
 * message in the house form "SUBJECT: WHAT" (lower case, no full stop, the
 * system error appended where there is one).  Only cmd/ turns an error
 * into a message on stderr and an exit status.
 *
 *	struct lake_error err = {0};
 *	if (lake_open(NULL, &lake, &err) < 0)
 *		return cli_fail(&err);
 *
 * Callers that add context keep the code and prefix the message with
 * lake_err_wrap().
 */
#ifndef LAKE_ERROR_H
#define LAKE_ERROR_H

#include <stdarg.h>

/* Exit codes, numerically those of sysexits.h; SPEC §1. */
enum lake_exit {
	LAKE_EX_OK = 0,
	LAKE_EX_USAGE = 64,
	LAKE_EX_DATAERR = 65,
	LAKE_EX_NOINPUT = 66,
	LAKE_EX_UNAVAILABLE = 69,
	LAKE_EX_SOFTWARE = 70,
	LAKE_EX_CANTCREAT = 73,
	LAKE_EX_IOERR = 74,
	LAKE_EX_TEMPFAIL = 75,
	LAKE_EX_NOPERM = 77,
};

struct lake_error {
	int code; /* one of enum lake_exit; 0 while no error is set */
	char msg[1024];
};

/* Set the error; always returns -1 so that `return lake_err(...)` reads well. */
int lake_err(struct lake_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As lake_err(), with ": strerror(errno)" appended (errno read on entry). */
int lake_err_sys(struct lake_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The exit code that fits an errno from a failed write or create. */
int lake_exit_for_errno(int errnum);

/* Prefix an already set message with context: "CONTEXT: old message". */
int lake_err_wrap(struct lake_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void lake_error_clear(struct lake_error *e);

#endif
