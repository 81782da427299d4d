/*
 * input.h - a byte stream from a file or a pipe, zstd-decompressed when
 * it is compressed.
 *
 * Whether the input is zstd is decided by its first bytes (the frame
 * magic), not its name, so `cat x.zst | lake-put` works.  Frame checksums
 * are verified; concatenated frames are read as one stream.
 *
 * Reads can carry a deadline so that a program batching a slow pipe can
 * wake up and commit on time with no new input (lake-put
 * --batch-seconds): lake_input_read() then returns LAKE_INPUT_TIMEOUT.
 */
#ifndef LAKE_INPUT_H
#define LAKE_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

#define LAKE_INPUT_TIMEOUT (-2)

struct lake_input;

/* Open path, or standard input when path is NULL or "-"; name is what messages call it. */
int lake_input_open(const char *path, struct lake_input **out, struct lake_error *e);

/* An input the user named (lake-put FILE): opened with the user's group (fsutil.h). */
int lake_input_open_user(const char *path, struct lake_input **out, struct lake_error *e);

/* Wrap an already open descriptor (not closed by lake_input_close). */
struct lake_input *lake_input_fdopen(int fd, const char *name);

/*
 * Read up to cap decompressed bytes.  Returns the count, 0 at end of
 * input, -1 on error, or LAKE_INPUT_TIMEOUT when deadline_us (an instant
 * of lake_monotonic_us(), 0 for none) passed with nothing to read.
 */
ssize_t lake_input_read(struct lake_input *in, void *buf, size_t cap, int64_t deadline_us,
			struct lake_error *e);

/*
 * From now on decompress on a second thread, a few chunks ahead of the
 * reads, so that decoding overlaps the caller's parsing.  For files (a
 * stream is left as it is); deadlines no longer apply, and only
 * lake_input_read and lake_input_name may be called until it is closed.
 */
int lake_input_read_ahead(struct lake_input *in, struct lake_error *e);

const char *lake_input_name(const struct lake_input *in);
/* 1 when the input is a pipe, socket or terminal: data arrives over time. */
int lake_input_is_stream(const struct lake_input *in);
/* 1 once the stream was found to be zstd-compressed (known after the first read). */
int lake_input_is_zstd(const struct lake_input *in);
/* Compressed bytes consumed so far (the size on disk for files). */
uint64_t lake_input_raw_bytes(const struct lake_input *in);

void lake_input_close(struct lake_input *in);

/* Microseconds of a monotonic clock, for deadlines. */
int64_t lake_monotonic_us(void);

#endif
