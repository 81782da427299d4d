/*
 * test_input.c - byte streams from files and pipes, zstd detected by its magic.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "base/buf.h"
#include "formats/input.h"
#include "scratch.h"
#include "t.h"

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return;
	if (n)
		fwrite(p, 1, n, f);
	fclose(f);
}

/* Text of n bytes, varied enough that zstd makes several blocks of it. */
static void make_text(struct lake_buf *b, size_t n)
{
	uint64_t x = 88172645463325252ULL;

	while (b->len < n) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		lake_buf_addf(b, "{\"id\":%llu,\"v\":\"%llx\"}\n", (unsigned long long)(x % 100000),
			      (unsigned long long)(x >> 20));
	}
	b->len = n;
	b->data[n] = '\0';
}

/* One frame of src, with a checksum when asked (ZSTD_compress() writes none). */
static void compress_frame(struct lake_buf *out, const void *src, size_t n, int checksum)
{
	size_t bound = ZSTD_compressBound(n), got;
	ZSTD_CCtx *cc = ZSTD_createCCtx();

	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, checksum);
	lake_buf_grow(out, bound);
	got = ZSTD_compress2(cc, out->data + out->len, bound, src, n);
	CHECK(!ZSTD_isError(got));
	if (!ZSTD_isError(got)) {
		out->len += got;
		out->data[out->len] = '\0';
	}
	ZSTD_freeCCtx(cc);
}

/* Read everything with reads of at most cap bytes; returns the last result (0 at a clean end). */
static ssize_t read_all(struct lake_input *in, size_t cap, struct lake_buf *out,
			struct lake_error *e)
{
	char *buf = lake_xmalloc(cap);
	ssize_t r;

	while ((r = lake_input_read(in, buf, cap, 0, e)) > 0)
		lake_buf_add(out, buf, (size_t)r);
	free(buf);
	return r;
}

static int same_bytes(const struct lake_buf *a, const struct lake_buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Open path and read it all with reads of cap bytes; checks it comes out as want. */
static void check_reads_as(const char *path, size_t cap, const struct lake_buf *want, int zstd,
			   uint64_t raw_size)
{
	struct lake_input *in = NULL;
	struct lake_error e = {0};
	struct lake_buf got = LAKE_BUF_INIT;
	char tail[8];
	ssize_t r;

	CHECK_INT(lake_input_open(path, &in, &e), 0);
	if (!in)
		return;
	CHECK_STR(lake_input_name(in), path);
	CHECK_INT(lake_input_is_stream(in), 0);
	r = read_all(in, cap, &got, &e);
	CHECK_INT(r, 0);
	if (r)
		fprintf(stderr, "  cap %zu: %s\n", cap, e.msg);
	CHECK_INT(got.len, want->len);
	CHECK(same_bytes(&got, want));
	CHECK_INT(lake_input_is_zstd(in), zstd);
	CHECK_INT(lake_input_raw_bytes(in), raw_size);
	/* After the end, the end again. */
	CHECK_INT(lake_input_read(in, tail, sizeof tail, 0, &e), 0);
	lake_input_close(in);
	lake_buf_release(&got);
}

static void test_plain_file(void)
{
	struct lake_buf text = LAKE_BUF_INIT;

	/* Bigger than the input's raw buffer, so several reads from the file. */
	make_text(&text, 700000);
	write_bytes(sp("plain.ndjson"), text.data, text.len);
	check_reads_as(sp("plain.ndjson"), 1 << 20, &text, 0, text.len);
	check_reads_as(sp("plain.ndjson"), 4093, &text, 0, text.len);
	lake_buf_release(&text);
}

static void test_small_and_empty_files(void)
{
	struct lake_buf two = LAKE_BUF_INIT, empty = LAKE_BUF_INIT;

	/* Two bytes that begin the zstd magic are still just two bytes. */
	lake_buf_add(&two, "\x28\xb5", 2);
	write_bytes(sp("two"), two.data, two.len);
	check_reads_as(sp("two"), 100, &two, 0, 2);
	write_bytes(sp("empty"), "", 0);
	check_reads_as(sp("empty"), 100, &empty, 0, 0);
	lake_buf_release(&two);
}

static void test_zstd_single_frame(void)
{
	struct lake_buf text = LAKE_BUF_INIT, z = LAKE_BUF_INIT;

	make_text(&text, 600000);
	compress_frame(&z, text.data, text.len, 1);
	write_bytes(sp("one.zst"), z.data, z.len);
	check_reads_as(sp("one.zst"), 1 << 20, &text, 1, z.len);
	check_reads_as(sp("one.zst"), 4096, &text, 1, z.len);
	lake_buf_release(&text);
	lake_buf_release(&z);
}

/*
 * A frame without a checksum (what ZSTD_compress() and `zstd --no-check`
 * write), read in small pieces: the decoder holds decoded bytes after it
 * has consumed the last input byte, and they must still come out.
 */
static void test_zstd_no_checksum_small_reads(void)
{
	struct lake_buf text = LAKE_BUF_INIT, z = LAKE_BUF_INIT;

	make_text(&text, 300000);
	compress_frame(&z, text.data, text.len, 0);
	write_bytes(sp("nocheck.zst"), z.data, z.len);
	check_reads_as(sp("nocheck.zst"), 1 << 20, &text, 1, z.len);
	check_reads_as(sp("nocheck.zst"), 4096, &text, 1, z.len);
	lake_buf_release(&text);
	lake_buf_release(&z);
}

static void test_zstd_concatenated_frames(void)
{
	struct lake_buf text = LAKE_BUF_INIT, z = LAKE_BUF_INIT;
	size_t cuts[] = {0, 1000, 1001, 150000, 400000, 400100};
	size_t ncuts = sizeof cuts / sizeof cuts[0];

	make_text(&text, 400100);
	/* Frames of uneven sizes, one of them empty (1000..1000 is not, 1000..1001 is one byte). */
	for (size_t i = 0; i + 1 < ncuts; i++)
		compress_frame(&z, text.data + cuts[i], cuts[i + 1] - cuts[i], (int)(i % 2));
	compress_frame(&z, "", 0, 1);
	write_bytes(sp("multi.zst"), z.data, z.len);
	check_reads_as(sp("multi.zst"), 1 << 20, &text, 1, z.len);
	check_reads_as(sp("multi.zst"), 777, &text, 1, z.len);
	lake_buf_release(&text);
	lake_buf_release(&z);
}

/* Read the file to its end or first error; returns the final result with *e set. */
static ssize_t read_file_result(const char *path, struct lake_error *e)
{
	struct lake_input *in = NULL;
	struct lake_buf got = LAKE_BUF_INIT;
	ssize_t r = -99;

	if (lake_input_open(path, &in, e) == 0) {
		r = read_all(in, 65536, &got, e);
		lake_input_close(in);
	}
	lake_buf_release(&got);
	return r;
}

static void test_zstd_truncated(void)
{
	struct lake_buf text = LAKE_BUF_INIT, z = LAKE_BUF_INIT;
	struct lake_error e = {0};

	make_text(&text, 300000);
	compress_frame(&z, text.data, text.len, 1);
	write_bytes(sp("trunc.zst"), z.data, z.len / 2);
	CHECK_INT(read_file_result(sp("trunc.zst"), &e), -1);
	CHECK(strstr(e.msg, "truncated zstd data") != NULL);
	CHECK(strstr(e.msg, sp("trunc.zst")) != NULL);
	CHECK_INT(e.code, LAKE_EX_DATAERR);

	/* Cut just before the checksum's last byte. */
	lake_error_clear(&e);
	write_bytes(sp("trunc2.zst"), z.data, z.len - 1);
	CHECK_INT(read_file_result(sp("trunc2.zst"), &e), -1);
	CHECK(strstr(e.msg, "truncated zstd data") != NULL);
	lake_buf_release(&text);
	lake_buf_release(&z);
}

static void test_zstd_corrupt(void)
{
	struct lake_buf text = LAKE_BUF_INIT, z = LAKE_BUF_INIT;
	struct lake_error e = {0};

	make_text(&text, 300000);
	compress_frame(&z, text.data, text.len, 1);
	z.data[z.len / 2] ^= 0x5a;
	write_bytes(sp("corrupt.zst"), z.data, z.len);
	CHECK_INT(read_file_result(sp("corrupt.zst"), &e), -1);
	CHECK(strstr(e.msg, "corrupt zstd data") != NULL);
	CHECK_INT(e.code, LAKE_EX_DATAERR);
	lake_buf_release(&text);
	lake_buf_release(&z);
}

static void test_open_errors(void)
{
	struct lake_input *in = NULL;
	struct lake_error e = {0};

	CHECK_INT(lake_input_open(sp("does-not-exist"), &in, &e), -1);
	CHECK(in == NULL);
	CHECK_INT(e.code, LAKE_EX_NOINPUT);
	CHECK(strstr(e.msg, "does-not-exist") != NULL);

	lake_error_clear(&e);
	plain_mkdirs(sp("a-dir"));
	CHECK_INT(lake_input_open(sp("a-dir"), &in, &e), -1);
	CHECK(in == NULL);
	CHECK(e.code != 0);
	CHECK(strstr(e.msg, "a-dir") != NULL);
	CHECK(strstr(e.msg, "directory") != NULL);
}

static void test_stdin(void)
{
	struct lake_input *in = NULL;
	struct lake_error e = {0};

	/* Opening standard input neither reads it nor takes it over. */
	CHECK_INT(lake_input_open(NULL, &in, &e), 0);
	CHECK_STR(lake_input_name(in), "<stdin>");
	lake_input_close(in);
	CHECK_INT(lake_input_open("-", &in, &e), 0);
	CHECK_STR(lake_input_name(in), "<stdin>");
	lake_input_close(in);
	lake_input_close(NULL);
}

static void test_deadline_ignored_for_files(void)
{
	struct lake_input *in = NULL;
	struct lake_error e = {0};
	char buf[16];

	/* A file always has its bytes at hand: a past deadline does not stop the read. */
	write_bytes(sp("f.txt"), "data", 4);
	CHECK_INT(lake_input_open(sp("f.txt"), &in, &e), 0);
	if (!in)
		return;
	CHECK_INT(lake_input_read(in, buf, sizeof buf, lake_monotonic_us() - 1000000, &e), 4);
	CHECK(memcmp(buf, "data", 4) == 0);
	lake_input_close(in);
}

static void test_pipe_is_stream(void)
{
	int fds[2];
	struct lake_input *in;

	CHECK_INT(pipe(fds), 0);
	in = lake_input_fdopen(fds[0], "the-pipe");
	CHECK_INT(lake_input_is_stream(in), 1);
	CHECK_STR(lake_input_name(in), "the-pipe");
	lake_input_close(in);
	/* fdopen does not own the descriptor: it is still open. */
	CHECK(fcntl(fds[0], F_GETFD) != -1);
	close(fds[0]);
	close(fds[1]);
}

static void test_pipe_deadline(void)
{
	int fds[2];
	struct lake_input *in;
	struct lake_error e = {0};
	char buf[64];
	int64_t t0, elapsed;
	ssize_t r;

	CHECK_INT(pipe(fds), 0);
	in = lake_input_fdopen(fds[0], "slow-pipe");
	t0 = lake_monotonic_us();
	r = lake_input_read(in, buf, sizeof buf, t0 + 50000, &e);
	elapsed = lake_monotonic_us() - t0;
	CHECK_INT(r, LAKE_INPUT_TIMEOUT);
	/* A lower bound only: a loaded machine may wake up late, never early. */
	CHECK(elapsed >= 40000);
	CHECK_INT(e.code, 0);

	/* Nothing was lost or broken by the timeout: data that comes later is read. */
	CHECK_INT(write(fds[1], "hello\n", 6), 6);
	r = lake_input_read(in, buf, sizeof buf, lake_monotonic_us() + 10000000, &e);
	CHECK_INT(r, 6);
	CHECK(r == 6 && memcmp(buf, "hello\n", 6) == 0);
	CHECK_INT(lake_input_is_zstd(in), 0);

	/* Again: a timeout with the stream under way, then more data, then the end. */
	r = lake_input_read(in, buf, sizeof buf, lake_monotonic_us() + 20000, &e);
	CHECK_INT(r, LAKE_INPUT_TIMEOUT);
	CHECK_INT(write(fds[1], "more", 4), 4);
	close(fds[1]);
	r = lake_input_read(in, buf, sizeof buf, lake_monotonic_us() + 10000000, &e);
	CHECK_INT(r, 4);
	CHECK_INT(lake_input_read(in, buf, sizeof buf, lake_monotonic_us() + 10000000, &e), 0);
	CHECK_INT(lake_input_raw_bytes(in), 10);
	lake_input_close(in);
	close(fds[0]);
}

/*
 * Writes bytes into a pipe one at a time; for the first `paced` bytes it
 * waits until the reader has taken the previous byte out of the pipe, so
 * the reader's read() calls see exactly one byte each.
 */
struct trickle {
	int fd;
	const unsigned char *p;
	size_t n;
	size_t paced;
	atomic_int reader_gone; /* the reader stopped early: pacing would wait forever */
};

static size_t unread_in_pipe(int fd)
{
	int n = 0;

	if (ioctl(fd, FIONREAD, &n) < 0)
		return 0;
	return (size_t)n;
}

static void *trickle_writer(void *arg)
{
	struct trickle *t = arg;

	for (size_t i = 0; i < t->n; i++) {
		if (write(t->fd, t->p + i, 1) != 1)
			break;
		while (i < t->paced && unread_in_pipe(t->fd) > 0 && !atomic_load(&t->reader_gone))
			sched_yield();
	}
	close(t->fd);
	return NULL;
}

static void test_pipe_zstd_one_byte_at_a_time(void)
{
	struct lake_buf text = LAKE_BUF_INIT, z = LAKE_BUF_INIT, got = LAKE_BUF_INIT;
	struct lake_error e = {0};
	struct lake_input *in;
	struct trickle t;
	pthread_t th;
	int fds[2];
	ssize_t r;

	make_text(&text, 20000);
	compress_frame(&z, text.data, text.len, 1);
	CHECK_INT(pipe(fds), 0);
	t = (struct trickle){fds[1], (const unsigned char *)z.data, z.len, 16, 0};
	in = lake_input_fdopen(fds[0], "trickle");
	CHECK_INT(pthread_create(&th, NULL, trickle_writer, &t), 0);
	r = read_all(in, 1000, &got, &e);
	/* The whole input fits in the pipe, so the writer can finish even if we stopped early. */
	atomic_store(&t.reader_gone, 1);
	pthread_join(th, NULL);
	CHECK_INT(r, 0);
	if (r)
		fprintf(stderr, "  %s\n", e.msg);
	CHECK_INT(lake_input_is_zstd(in), 1);
	CHECK(same_bytes(&got, &text));
	CHECK_INT(lake_input_raw_bytes(in), z.len);
	lake_input_close(in);
	close(fds[0]);
	lake_buf_release(&text);
	lake_buf_release(&z);
	lake_buf_release(&got);
}

static void test_pipe_plain_one_byte_at_a_time(void)
{
	static const char text[] = "{\"a\":1}\n{\"b\":2}\n";
	struct lake_buf want = LAKE_BUF_INIT, got = LAKE_BUF_INIT;
	struct lake_error e = {0};
	struct lake_input *in;
	struct trickle t;
	pthread_t th;
	int fds[2];

	lake_buf_add(&want, text, sizeof text - 1);
	CHECK_INT(pipe(fds), 0);
	t = (struct trickle){fds[1], (const unsigned char *)text, sizeof text - 1, sizeof text, 0};
	in = lake_input_fdopen(fds[0], "trickle-plain");
	CHECK_INT(pthread_create(&th, NULL, trickle_writer, &t), 0);
	CHECK_INT(read_all(in, 3, &got, &e), 0);
	atomic_store(&t.reader_gone, 1);
	pthread_join(th, NULL);
	CHECK_INT(lake_input_is_zstd(in), 0);
	CHECK(same_bytes(&got, &want));
	CHECK_INT(lake_input_raw_bytes(in), sizeof text - 1);
	lake_input_close(in);
	close(fds[0]);
	lake_buf_release(&want);
	lake_buf_release(&got);
}

static void test_raw_bytes_progress(void)
{
	struct lake_buf text = LAKE_BUF_INIT, z = LAKE_BUF_INIT;
	struct lake_input *in = NULL;
	struct lake_error e = {0};
	uint64_t delivered = 0, last = 0;
	int monotone = 1, bounded = 1;
	char buf[8192];
	ssize_t r;

	make_text(&text, 900000);
	compress_frame(&z, text.data, text.len, 1);
	write_bytes(sp("progress.zst"), z.data, z.len);
	CHECK_INT(lake_input_open(sp("progress.zst"), &in, &e), 0);
	if (!in)
		return;
	CHECK_INT(lake_input_raw_bytes(in), 0);
	/* Compressed bytes consumed only grow, and never pass the file's size. */
	while ((r = lake_input_read(in, buf, sizeof buf, 0, &e)) > 0) {
		uint64_t now = lake_input_raw_bytes(in);
		delivered += (uint64_t)r;
		monotone &= now >= last;
		bounded &= now <= z.len;
		last = now;
	}
	CHECK_INT(r, 0);
	CHECK(monotone);
	CHECK(bounded);
	CHECK_INT(delivered, text.len);
	CHECK_INT(lake_input_raw_bytes(in), z.len);
	lake_input_close(in);
	lake_buf_release(&text);
	lake_buf_release(&z);
}

static void test_monotonic_clock(void)
{
	int64_t a = lake_monotonic_us(), b = lake_monotonic_us();

	CHECK(a > 0);
	CHECK(b >= a);
}

/* Open path, read ahead on a second thread, and read it all with reads of cap bytes. */
static ssize_t read_ahead_all(const char *path, size_t cap, struct lake_buf *got,
			      struct lake_error *e)
{
	struct lake_input *in = NULL;
	ssize_t r;

	if (lake_input_open(path, &in, e) < 0)
		return -1;
	CHECK_INT(lake_input_read_ahead(in, e), 0);
	r = read_all(in, cap, got, e);
	if (r == 0) {
		char tail[8];
		CHECK_INT(lake_input_read(in, tail, sizeof tail, 0, e), 0); /* the end again */
	}
	lake_input_close(in);
	return r;
}

/* Reading ahead changes when bytes are decoded, never which: any read size, plain or zstd. */
static void test_read_ahead_same_bytes(void)
{
	static const size_t caps[] = {64, 4093, 256 * 1024, 1 << 20};
	struct lake_buf text = LAKE_BUF_INIT, z = LAKE_BUF_INIT;
	struct lake_error e = {0};

	make_text(&text, 3000000); /* many chunks: the thread waits for the reader */
	compress_frame(&z, text.data, text.len / 2, 1);
	compress_frame(&z, text.data + text.len / 2, text.len - text.len / 2, 1);
	write_bytes(sp("ahead.zst"), z.data, z.len);
	write_bytes(sp("ahead.txt"), text.data, text.len);
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		const size_t cap = caps[i];
		for (int zstd = 0; zstd < 2; zstd++) {
			struct lake_buf got = LAKE_BUF_INIT;
			CHECK_INT(
			    read_ahead_all(sp(zstd ? "ahead.zst" : "ahead.txt"), cap, &got, &e), 0);
			CHECK(same_bytes(&got, &text));
			lake_buf_release(&got);
		}
	}
	write_bytes(sp("ahead-empty"), "", 0);
	struct lake_buf none = LAKE_BUF_INIT;
	CHECK_INT(read_ahead_all(sp("ahead-empty"), 4096, &none, &e), 0);
	CHECK_INT(none.len, 0);
	lake_buf_release(&text);
	lake_buf_release(&z);
}

/* The thread's error reaches the reader, after every good byte before it. */
static void test_read_ahead_errors(void)
{
	struct lake_buf text = LAKE_BUF_INIT, z = LAKE_BUF_INIT, got = LAKE_BUF_INIT;
	struct lake_error e = {0};

	make_text(&text, 2000000);
	compress_frame(&z, text.data, text.len, 1);
	write_bytes(sp("ahead-trunc.zst"), z.data, z.len / 2);
	CHECK_INT(read_ahead_all(sp("ahead-trunc.zst"), 1 << 16, &got, &e), -1);
	CHECK(strstr(e.msg, "truncated zstd data") != NULL);
	CHECK_INT(e.code, LAKE_EX_DATAERR);
	CHECK(got.len > 0 && got.len < text.len && memcmp(got.data, text.data, got.len) == 0);
	lake_buf_release(&got);
	lake_error_clear(&e);
	z.data[z.len / 2] ^= 0x5a;
	write_bytes(sp("ahead-corrupt.zst"), z.data, z.len);
	CHECK_INT(read_ahead_all(sp("ahead-corrupt.zst"), 1 << 16, &got, &e), -1);
	CHECK(strstr(e.msg, "corrupt zstd data") != NULL);
	lake_buf_release(&got);
	lake_buf_release(&text);
	lake_buf_release(&z);
}

/* Closed after one read (a LIMIT): the thread, blocked on a full queue, is stopped and joined. */
static void test_read_ahead_close_early(void)
{
	struct lake_buf text = LAKE_BUF_INIT;
	struct lake_input *in = NULL;
	struct lake_error e = {0};
	char buf[100];

	make_text(&text, 4000000);
	write_bytes(sp("ahead-early.txt"), text.data, text.len);
	CHECK_INT(lake_input_open(sp("ahead-early.txt"), &in, &e), 0);
	if (!in)
		return;
	CHECK_INT(lake_input_read_ahead(in, &e), 0);
	CHECK_INT(lake_input_read(in, buf, sizeof buf, 0, &e), (ssize_t)sizeof buf);
	CHECK(memcmp(buf, text.data, sizeof buf) == 0);
	lake_input_close(in); /* ASan and valgrind see a leak or a bad join here */
	lake_buf_release(&text);
}

/* A pipe keeps reading on the caller's thread, where its deadlines work. */
static void test_read_ahead_leaves_streams(void)
{
	int fds[2];
	struct lake_error e = {0};
	char c;

	CHECK_INT(pipe(fds), 0);
	struct lake_input *in = lake_input_fdopen(fds[0], "pipe");
	CHECK_INT(lake_input_read_ahead(in, &e), 0);
	CHECK_INT(lake_input_read(in, &c, 1, lake_monotonic_us() + 1000, &e), LAKE_INPUT_TIMEOUT);
	lake_input_close(in);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	if (setup_scratch("input") < 0) {
		perror("mkdtemp");
		return 1;
	}
	T_RUN(test_plain_file);
	T_RUN(test_small_and_empty_files);
	T_RUN(test_zstd_single_frame);
	T_RUN(test_zstd_no_checksum_small_reads);
	T_RUN(test_zstd_concatenated_frames);
	T_RUN(test_zstd_truncated);
	T_RUN(test_zstd_corrupt);
	T_RUN(test_open_errors);
	T_RUN(test_stdin);
	T_RUN(test_deadline_ignored_for_files);
	T_RUN(test_pipe_is_stream);
	T_RUN(test_pipe_deadline);
	T_RUN(test_pipe_zstd_one_byte_at_a_time);
	T_RUN(test_pipe_plain_one_byte_at_a_time);
	T_RUN(test_raw_bytes_progress);
	T_RUN(test_monotonic_clock);
	T_RUN(test_read_ahead_same_bytes);
	T_RUN(test_read_ahead_errors);
	T_RUN(test_read_ahead_close_early);
	T_RUN(test_read_ahead_leaves_streams);
	remove_tree(scratch);
	T_DONE();
}
