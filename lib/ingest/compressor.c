#include "ingest/compressor.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "base/fsutil.h"

/* Enough to keep the worker busy while the caller fills the next chunk, and no more. */
#define QUEUE_DEPTH 3

struct job {
	struct lake_zsink *sink;
	struct lake_buf chunk;
};

struct lake_compressor {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a job was queued or finished, or stop was asked */
	struct job queue[QUEUE_DEPTH];
	size_t head, count;
	uint64_t queued_bytes;
	int stopping;
	ZSTD_CCtx *cctx;
	struct lake_buf out;
};

static void compress_job(struct lake_compressor *c, struct job *j)
{
	size_t bound = ZSTD_compressBound(j->chunk.len), n;
	struct lake_zsink *s = j->sink;

	if (s->failed)
		return;
	lake_buf_reset(&c->out);
	lake_buf_grow(&c->out, bound);
	n = ZSTD_compress2(c->cctx, c->out.data, bound, j->chunk.data, j->chunk.len);
	if (ZSTD_isError(n)) {
		lake_err(&s->err, LAKE_EX_SOFTWARE, "'%s': zstd compression failed: %s", s->name,
			 ZSTD_getErrorName(n));
		s->failed = 1;
		return;
	}
	if (lake_write_all(s->fd, c->out.data, n, s->name, &s->err) < 0) {
		s->failed = 1;
		return;
	}
	s->bytes_out += n;
}

static void *worker(void *arg)
{
	struct lake_compressor *c = arg;
	sigset_t all;

	/* Signals are the main thread's: its reads must be the ones they interrupt. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (c->count == 0 && !c->stopping)
			pthread_cond_wait(&c->changed, &c->lock);
		if (c->count == 0)
			break;
		struct job j = c->queue[c->head];
		pthread_mutex_unlock(&c->lock);
		compress_job(c, &j);
		pthread_mutex_lock(&c->lock);
		c->head = (c->head + 1) % QUEUE_DEPTH;
		c->count--;
		c->queued_bytes -= j.chunk.len;
		j.sink->inflight--;
		lake_buf_release(&j.chunk);
		pthread_cond_broadcast(&c->changed);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int lake_compressor_start(int level, struct lake_compressor **out, struct lake_error *e)
{
	struct lake_compressor *c = lake_xcalloc(1, sizeof *c);

	*out = NULL;
	c->cctx = ZSTD_createCCtx();
	if (!c->cctx) {
		free(c);
		return lake_err(e, LAKE_EX_SOFTWARE, "cannot create a zstd compressor");
	}
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_contentSizeFlag, 1);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->changed, NULL);
	if (pthread_create(&c->thread, NULL, worker, c) != 0) {
		ZSTD_freeCCtx(c->cctx);
		free(c);
		return lake_err(e, LAKE_EX_SOFTWARE, "cannot start the compression thread");
	}
	*out = c;
	return 0;
}

void lake_compressor_submit(struct lake_compressor *c, struct lake_zsink *sink,
			    struct lake_buf *chunk)
{
	struct job *j;

	pthread_mutex_lock(&c->lock);
	while (c->count == QUEUE_DEPTH)
		pthread_cond_wait(&c->changed, &c->lock);
	j = &c->queue[(c->head + c->count) % QUEUE_DEPTH];
	j->sink = sink;
	j->chunk = *chunk;
	*chunk = (struct lake_buf)LAKE_BUF_INIT;
	c->count++;
	c->queued_bytes += j->chunk.len;
	sink->inflight++;
	pthread_cond_broadcast(&c->changed);
	pthread_mutex_unlock(&c->lock);
}

void lake_compressor_wait(struct lake_compressor *c, struct lake_zsink *sink)
{
	pthread_mutex_lock(&c->lock);
	while (sink->inflight > 0)
		pthread_cond_wait(&c->changed, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

int lake_compressor_idle(struct lake_compressor *c, struct lake_zsink *sink)
{
	int idle;

	pthread_mutex_lock(&c->lock);
	idle = sink->inflight == 0;
	pthread_mutex_unlock(&c->lock);
	return idle;
}

uint64_t lake_compressor_queued_bytes(struct lake_compressor *c)
{
	uint64_t n;

	pthread_mutex_lock(&c->lock);
	n = c->queued_bytes;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void lake_compressor_stop(struct lake_compressor *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = 1;
	pthread_cond_broadcast(&c->changed);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->changed);
	pthread_mutex_destroy(&c->lock);
	ZSTD_freeCCtx(c->cctx);
	lake_buf_release(&c->out);
	free(c);
}
