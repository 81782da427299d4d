/*
 * test_compressor.c - chunks compressed on the worker thread, one zstd frame each.
 */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "ingest/compressor.h"
#include "base/fsutil.h"
#include "scratch.h"
#include "t.h"

/* What a sink was sent, chunk by chunk, to compare the file against. */
struct sent {
	struct lake_buf chunk[16];
	size_t n;
};

static void sent_release(struct sent *s)
{
	for (size_t i = 0; i < s->n; i++)
		lake_buf_release(&s->chunk[i]);
	s->n = 0;
}

/* Text that compresses: records that differ a little, as real data does. */
static void make_text_chunk(struct lake_buf *b, int tag, size_t records)
{
	for (size_t i = 0; i < records; i++)
		lake_buf_addf(b, "{\"sink\":%d,\"i\":%zu,\"name\":\"row-%zu\"}\n", tag, i, i * 31);
}

/* Bytes that do not compress, to fill a pipe with more than it holds. */
static void make_random_chunk(struct lake_buf *b, size_t n, uint64_t seed)
{
	lake_buf_grow(b, n);
	for (size_t i = 0; i < n; i++)
		b->data[i] = (char)(xorshift(&seed) >> 24);
	b->len = n;
	b->data[n] = '\0';
}

/* Submit a copy of chunk to sink and remember it in sent. */
static void submit_copy(struct lake_compressor *c, struct lake_zsink *sink, struct sent *s,
			const struct lake_buf *chunk)
{
	struct lake_buf give = LAKE_BUF_INIT;

	lake_buf_add(&s->chunk[s->n], chunk->data ? chunk->data : "", chunk->len);
	s->n++;
	lake_buf_add(&give, chunk->data ? chunk->data : "", chunk->len);
	lake_compressor_submit(c, sink, &give);
	/* The storage moved to the compressor. */
	CHECK(give.data == NULL && give.len == 0);
}

/*
 * Check that file bytes data[0..n) are exactly one frame per sent chunk, in
 * order, each with a checksum and its content size, and that the whole
 * decompresses as one stream to the chunks' concatenation.
 */
static void check_frames(const char *data, size_t n, const struct sent *s)
{
	size_t off = 0, frames = 0;
	struct lake_buf all = LAKE_BUF_INIT, got = LAKE_BUF_INIT;
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer in = {data, n, 0};
	char out[4096];
	size_t rc = 0;

	while (off < n && frames < s->n) {
		size_t fsize = ZSTD_findFrameCompressedSize(data + off, n - off);
		ZSTD_frameHeader h;
		const struct lake_buf *want = &s->chunk[frames];
		if (ZSTD_isError(fsize) || ZSTD_getFrameHeader(&h, data + off, n - off) != 0) {
			CHECK(!"a well-formed frame");
			break;
		}
		CHECK_INT(h.checksumFlag, 1);
		CHECK_INT(h.frameContentSize, want->len);
		char *dec = lake_xmalloc(want->len + 1);
		size_t dn = ZSTD_decompress(dec, want->len + 1, data + off, fsize);
		CHECK(!ZSTD_isError(dn) && dn == want->len && memcmp(dec, want->data, dn) == 0);
		free(dec);
		lake_buf_add(&all, want->data, want->len);
		off += fsize;
		frames++;
	}
	CHECK_INT(frames, s->n);
	CHECK_INT(off, n);

	/* The whole file is one valid zstd stream of concatenated frames. */
	ZSTD_initDStream(ds);
	while (in.pos < in.size) {
		ZSTD_outBuffer o = {out, sizeof out, 0};
		rc = ZSTD_decompressStream(ds, &o, &in);
		if (ZSTD_isError(rc))
			break;
		lake_buf_add(&got, out, o.pos);
	}
	/* Flush what the decoder still holds. */
	while (!ZSTD_isError(rc) && rc != 0) {
		ZSTD_outBuffer o = {out, sizeof out, 0};
		rc = ZSTD_decompressStream(ds, &o, &in);
		if (o.pos == 0)
			break;
		lake_buf_add(&got, out, o.pos);
	}
	CHECK(!ZSTD_isError(rc));
	CHECK_INT(rc, 0);
	CHECK_INT(got.len, all.len);
	CHECK(got.len == all.len && (all.len == 0 || memcmp(got.data, all.data, all.len) == 0));
	ZSTD_freeDStream(ds);
	lake_buf_release(&all);
	lake_buf_release(&got);
}

static void check_file(const char *path, const struct lake_zsink *sink, const struct sent *s)
{
	struct lake_error e = {0};
	char *data = NULL;
	size_t n = 0;

	CHECK_INT(lake_read_file(path, &data, &n, &e), 0);
	CHECK_INT(sink->bytes_out, n);
	if (data)
		check_frames(data, n, s);
	free(data);
}

static int open_out(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static void test_two_sinks_interleaved(void)
{
	struct lake_compressor *c = NULL;
	struct lake_error e = {0};
	struct lake_zsink a = {.fd = open_out(sp("a.zst")), .name = "a.zst"};
	struct lake_zsink b = {.fd = open_out(sp("b.zst")), .name = "b.zst"};
	struct sent sa = {0}, sb = {0};

	CHECK_INT(lake_compressor_start(3, &c, &e), 0);
	if (!c)
		return;
	CHECK(lake_compressor_idle(c, &a));
	/* Chunks of several sizes, an empty one and one over 1 MB among them. */
	for (int i = 0; i < 6; i++) {
		struct lake_buf ca = LAKE_BUF_INIT, cb = LAKE_BUF_INIT;
		make_text_chunk(&ca, 1, (size_t)(i == 3 ? 30000 : 10 + i * 200));
		if (i != 2)
			make_text_chunk(&cb, 2, (size_t)(5 + i * 50));
		submit_copy(c, &a, &sa, &ca);
		submit_copy(c, &b, &sb, &cb);
		lake_buf_release(&ca);
		lake_buf_release(&cb);
	}
	lake_compressor_wait(c, &a);
	lake_compressor_wait(c, &b);
	CHECK(lake_compressor_idle(c, &a));
	CHECK(lake_compressor_idle(c, &b));
	CHECK_INT(a.failed, 0);
	CHECK_INT(b.failed, 0);
	CHECK_INT(lake_compressor_queued_bytes(c), 0);
	check_file(sp("a.zst"), &a, &sa);
	check_file(sp("b.zst"), &b, &sb);
	lake_compressor_stop(c);
	close(a.fd);
	close(b.fd);
	sent_release(&sa);
	sent_release(&sb);
}

static void test_bad_sink_isolated(void)
{
	struct lake_compressor *c = NULL;
	struct lake_error e = {0};
	struct lake_zsink bad = {.fd = -1, .name = "bad-sink"};
	struct lake_zsink good = {.fd = open_out(sp("good.zst")), .name = "good.zst"};
	struct sent sbad = {0}, sgood = {0};

	CHECK_INT(lake_compressor_start(1, &c, &e), 0);
	if (!c)
		return;
	for (int i = 0; i < 4; i++) {
		struct lake_buf ch = LAKE_BUF_INIT;
		make_text_chunk(&ch, i, 100);
		submit_copy(c, &bad, &sbad, &ch);
		submit_copy(c, &good, &sgood, &ch);
		lake_buf_release(&ch);
	}
	lake_compressor_wait(c, &bad);
	lake_compressor_wait(c, &good);
	CHECK_INT(bad.failed, 1);
	CHECK(bad.err.code != 0);
	CHECK(strstr(bad.err.msg, "bad-sink") != NULL);
	CHECK_INT(bad.bytes_out, 0);
	CHECK_INT(bad.inflight, 0);
	CHECK_INT(good.failed, 0);
	check_file(sp("good.zst"), &good, &sgood);
	lake_compressor_stop(c);
	close(good.fd);
	sent_release(&sbad);
	sent_release(&sgood);
}

static void test_closed_fd_sink(void)
{
	struct lake_compressor *c = NULL;
	struct lake_error e = {0};
	int fd = open_out(sp("closed.zst"));
	struct lake_zsink s = {.fd = fd, .name = "closed-sink"};
	struct lake_buf ch = LAKE_BUF_INIT;

	/* The descriptor was valid once and is closed by the time the worker writes. */
	close(fd);
	CHECK_INT(lake_compressor_start(3, &c, &e), 0);
	if (!c)
		return;
	make_text_chunk(&ch, 0, 10);
	lake_compressor_submit(c, &s, &ch);
	lake_compressor_wait(c, &s);
	CHECK_INT(s.failed, 1);
	CHECK(strstr(s.err.msg, "closed-sink") != NULL);
	lake_compressor_stop(c);
}

/* Drains a pipe to its end, keeping what it read. */
struct drain {
	int fd;
	struct lake_buf got;
};

static void *drain_pipe(void *arg)
{
	struct drain *d = arg;
	char buf[65536];
	ssize_t r;

	while ((r = read(d->fd, buf, sizeof buf)) > 0)
		lake_buf_add(&d->got, buf, (size_t)r);
	return NULL;
}

/*
 * The worker blocks writing a big incompressible chunk into a pipe nobody
 * reads yet: whatever is queued behind it is deterministically pending.
 */
static void test_idle_and_queued_while_blocked(void)
{
	struct lake_compressor *c = NULL;
	struct lake_error e = {0};
	int fds[2];
	struct lake_zsink piped, file;
	struct sent spipe = {0}, sf = {0};
	struct lake_buf big = LAKE_BUF_INIT, small = LAKE_BUF_INIT;
	struct drain d = {0};
	pthread_t th;

	CHECK_INT(pipe(fds), 0);
	piped = (struct lake_zsink){.fd = fds[1], .name = "pipe"};
	file = (struct lake_zsink){.fd = open_out(sp("behind.zst")), .name = "behind.zst"};
	CHECK_INT(lake_compressor_start(1, &c, &e), 0);
	if (!c)
		return;
	make_random_chunk(&big, 1 << 20, 42);
	make_text_chunk(&small, 7, 50);
	submit_copy(c, &piped, &spipe, &big);
	submit_copy(c, &file, &sf, &small);
	CHECK_INT(lake_compressor_idle(c, &file), 0);
	CHECK_INT(lake_compressor_idle(c, &piped), 0);
	CHECK_INT(lake_compressor_queued_bytes(c), big.len + small.len);

	d.fd = fds[0];
	CHECK_INT(pthread_create(&th, NULL, drain_pipe, &d), 0);
	lake_compressor_wait(c, &piped);
	lake_compressor_wait(c, &file);
	CHECK(lake_compressor_idle(c, &file));
	CHECK_INT(lake_compressor_queued_bytes(c), 0);
	close(fds[1]);
	pthread_join(th, NULL);
	close(fds[0]);
	CHECK_INT(piped.failed, 0);
	CHECK_INT(piped.bytes_out, d.got.len);
	check_frames(d.got.data, d.got.len, &spipe);
	check_file(sp("behind.zst"), &file, &sf);
	lake_compressor_stop(c);
	close(file.fd);
	lake_buf_release(&big);
	lake_buf_release(&small);
	lake_buf_release(&d.got);
	sent_release(&spipe);
	sent_release(&sf);
}

static void test_stop_drains(void)
{
	struct lake_compressor *c = NULL;
	struct lake_error e = {0};
	int fds[2];
	struct lake_zsink piped, file;
	struct sent spipe = {0}, sf = {0};
	struct lake_buf big = LAKE_BUF_INIT, s1 = LAKE_BUF_INIT, s2 = LAKE_BUF_INIT;
	struct drain d = {0};
	pthread_t th;

	CHECK_INT(pipe(fds), 0);
	piped = (struct lake_zsink){.fd = fds[1], .name = "pipe"};
	file = (struct lake_zsink){.fd = open_out(sp("drained.zst")), .name = "drained.zst"};
	CHECK_INT(lake_compressor_start(3, &c, &e), 0);
	if (!c)
		return;
	make_random_chunk(&big, 1 << 20, 7);
	make_text_chunk(&s1, 1, 300);
	make_text_chunk(&s2, 2, 400);
	submit_copy(c, &piped, &spipe, &big);
	submit_copy(c, &file, &sf, &s1);
	submit_copy(c, &file, &sf, &s2);
	/* Work is pending for sure: the worker is stuck on the full pipe. */
	CHECK_INT(lake_compressor_idle(c, &file), 0);
	d.fd = fds[0];
	CHECK_INT(pthread_create(&th, NULL, drain_pipe, &d), 0);
	/* No wait: stop itself must finish every queued chunk. */
	lake_compressor_stop(c);
	close(fds[1]);
	pthread_join(th, NULL);
	close(fds[0]);
	CHECK_INT(file.inflight, 0);
	CHECK_INT(file.failed, 0);
	check_frames(d.got.data, d.got.len, &spipe);
	check_file(sp("drained.zst"), &file, &sf);
	close(file.fd);
	lake_buf_release(&big);
	lake_buf_release(&s1);
	lake_buf_release(&s2);
	lake_buf_release(&d.got);
	sent_release(&spipe);
	sent_release(&sf);
}

static void test_stop_idle_and_null(void)
{
	struct lake_compressor *c = NULL;
	struct lake_error e = {0};

	/* Stopping a compressor that never had work, and stopping nothing. */
	CHECK_INT(lake_compressor_start(3, &c, &e), 0);
	lake_compressor_stop(c);
	lake_compressor_stop(NULL);
}

int main(void)
{
	if (setup_scratch("compressor") < 0) {
		perror("mkdtemp");
		return 1;
	}
	T_RUN(test_two_sinks_interleaved);
	T_RUN(test_bad_sink_isolated);
	T_RUN(test_closed_fd_sink);
	T_RUN(test_idle_and_queued_while_blocked);
	T_RUN(test_stop_drains);
	T_RUN(test_stop_idle_and_null);
	remove_tree(scratch);
	T_DONE();
}
