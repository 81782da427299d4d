/*
 * compressor.h - zstd compression on a second thread.
 *
 * Writers hand over chunks of bytes; a worker thread turns each chunk into
 * one zstd frame (content size and checksum included) and appends it to
 * the chunk's sink, a file descriptor.  Concatenated frames are one valid
 * zstd stream, so a file written chunk by chunk decompresses as a whole
 * with any zstd reader, and each frame's checksum lets `lake-catalog
 * check` find damage.  Scanning records (the caller's thread) and
 * compressing them (the worker) proceed at once: on two cores the cost of
 * landing data is close to the cost of compressing it.
 *
 * Chunks of one sink are written in the order they were submitted.
 *
 *	struct lake_zsink sink = {.fd = fd, .name = path};
 *	lake_compressor_submit(c, &sink, &chunk);   // chunk's storage moves to c
 *	lake_compressor_wait(c, &sink);
 *	if (sink.failed) ... sink.err ...
 */
#ifndef LAKE_COMPRESSOR_H
#define LAKE_COMPRESSOR_H

#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"

struct lake_zsink {
	int fd;
	const char *name;   /* for messages */
	uint64_t bytes_out; /* compressed bytes written so far */
	int failed;	    /* set by the worker; err says why */
	struct lake_error err;
	int inflight; /* chunks submitted and not yet written; guarded by the compressor */
};

struct lake_compressor;

int lake_compressor_start(int level, struct lake_compressor **out, struct lake_error *e);

/* Queue chunk for sink; the chunk's storage is taken over and *chunk left empty. */
void lake_compressor_submit(struct lake_compressor *c, struct lake_zsink *sink,
			    struct lake_buf *chunk);

/* Block until every chunk of sink has been written (or failed). */
void lake_compressor_wait(struct lake_compressor *c, struct lake_zsink *sink);

/* 1 when every chunk of sink has been written (or failed); never blocks for long. */
int lake_compressor_idle(struct lake_compressor *c, struct lake_zsink *sink);

/* Bytes held in queued chunks: part of the caller's memory budget. */
uint64_t lake_compressor_queued_bytes(struct lake_compressor *c);

void lake_compressor_stop(struct lake_compressor *c);

#endif
