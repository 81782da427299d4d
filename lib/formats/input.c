#include "formats/input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/interrupt.h"

#define RAW_CAP (256 * 1024)
#define AHEAD_CHUNK (256 * 1024)
#define AHEAD_CHUNKS 8 /* 2 MiB ahead: enough to ride out the reader being descheduled */

/* Decompression on a second thread, up to AHEAD_CHUNKS chunks ahead of the reads. */
struct ahead {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	char *chunk[AHEAD_CHUNKS];
	size_t len[AHEAD_CHUNKS];
	int head, count; /* the filled chunks, oldest first */
	size_t pos;	 /* bytes of the head chunk already read */
	int done, stop;	 /* the thread reached the end (or an error); asked to stop */
	ssize_t last;	 /* what the thread's last read returned: 0 or -1 at the end */
	struct lake_error err;
};

struct lake_input {
	int fd;
	int owns_fd;
	int is_stream;
	int sniffed; /* the first bytes were looked at */
	int eof;     /* the descriptor returned 0 */
	char *name;
	ZSTD_DStream *zstd; /* non-NULL when the input is compressed */
	int frame_done;	    /* the last frame decoded completely */
	char *raw;	    /* bytes read from fd, not yet consumed */
	size_t raw_pos;
	size_t raw_len;
	uint64_t raw_total;
	struct ahead *ahead; /* NULL: reads decompress on the caller's thread */
};

int64_t lake_monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct lake_input *input_new(int fd, const char *name, int owns)
{
	struct lake_input *in = lake_xcalloc(1, sizeof *in);
	struct stat st;

	in->fd = fd;
	in->owns_fd = owns;
	in->name = lake_xstrdup(name);
	in->raw = lake_xmalloc(RAW_CAP);
	in->frame_done = 1;
	in->is_stream = fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
	return in;
}

struct lake_input *lake_input_fdopen(int fd, const char *name)
{
	return input_new(fd, name, 0);
}

static int open_input(const char *path, int user, struct lake_input **out, struct lake_error *e)
{
	struct stat st;
	int fd;

	*out = NULL;
	if (!path || strcmp(path, "-") == 0) {
		*out = input_new(STDIN_FILENO, "<stdin>", 0);
		return 0;
	}
	/* The lake's own files are never read through a link (fsutil.h); a user's may be. */
	fd = user ? lake_open_user_file(path, O_RDONLY)
		  : open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ELOOP && !user)
		return lake_err(e, LAKE_EX_NOINPUT,
				"'%s': a symbolic link; lake reads no link inside the lake", path);
	if (fd < 0)
		return lake_err_sys(e,
				    errno == ENOENT ? LAKE_EX_NOINPUT : lake_exit_for_errno(errno),
				    "'%s'", path);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return lake_err(e, LAKE_EX_NOINPUT, "'%s': is a directory, not a file", path);
	}
	*out = input_new(fd, path, 1);
	return 0;
}

int lake_input_open(const char *path, struct lake_input **out, struct lake_error *e)
{
	return open_input(path, 0, out, e);
}

int lake_input_open_user(const char *path, struct lake_input **out, struct lake_error *e)
{
	return open_input(path, 1, out, e);
}

static int interrupted(const struct lake_input *in, struct lake_error *e)
{
	return lake_err(e, 128 + lake_interrupted(), "'%s': interrupted by signal %d while reading",
			in->name, lake_interrupted());
}

/* Wait until the descriptor is readable; 0 when the deadline passed first. */
static int wait_readable(struct lake_input *in, int64_t deadline_us, struct lake_error *e)
{
	struct pollfd p = {.fd = in->fd, .events = POLLIN};

	if (!deadline_us || !in->is_stream)
		return 1;
	for (;;) {
		int64_t left = deadline_us - lake_monotonic_us();
		int ms = left <= 0 ? 0 : (int)((left + 999) / 1000);
		int rc = poll(&p, 1, ms);
		if (rc > 0)
			return 1;
		if (rc == 0)
			return lake_monotonic_us() >= deadline_us ? 0 : 1;
		if (errno != EINTR)
			return lake_err_sys(e, LAKE_EX_IOERR, "'%s': poll failed", in->name);
		if (lake_interrupted())
			return interrupted(in, e);
	}
}

/* Refill the raw buffer; returns bytes read, 0 at EOF, -1 error, LAKE_INPUT_TIMEOUT. */
static ssize_t fill_raw(struct lake_input *in, int64_t deadline_us, struct lake_error *e)
{
	ssize_t r;
	int ready;

	if (in->eof)
		return 0;
	if (lake_interrupted())
		return interrupted(in, e);
	ready = wait_readable(in, deadline_us, e);
	if (ready < 0)
		return -1;
	if (ready == 0)
		return LAKE_INPUT_TIMEOUT;
	do
		r = read(in->fd, in->raw, RAW_CAP);
	while (r < 0 && errno == EINTR && !lake_interrupted());
	if (r < 0 && errno == EINTR)
		return interrupted(in, e);
	if (r < 0)
		return lake_err_sys(e, LAKE_EX_IOERR, "'%s': read failed", in->name);
	if (r == 0)
		in->eof = 1;
	in->raw_pos = 0;
	in->raw_len = (size_t)r;
	in->raw_total += (uint64_t)r;
	return r;
}

static int starts_with_zstd_magic(const struct lake_input *in)
{
	static const unsigned char magic[4] = {0x28, 0xb5, 0x2f, 0xfd};

	return in->raw_len - in->raw_pos >= 4 && memcmp(in->raw + in->raw_pos, magic, 4) == 0;
}

/* A pipe may deliver its first bytes one at a time; the magic needs four. */
static int fill_for_sniff(struct lake_input *in, struct lake_error *e)
{
	while (!in->eof && in->raw_len - in->raw_pos < 4) {
		ssize_t r = read(in->fd, in->raw + in->raw_len, RAW_CAP - in->raw_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lake_err_sys(e, LAKE_EX_IOERR, "'%s': read failed", in->name);
		if (r == 0)
			in->eof = 1;
		in->raw_len += (size_t)r;
		in->raw_total += (uint64_t)r;
	}
	return 0;
}

static int starts_with_gzip_magic(const struct lake_input *in)
{
	return in->raw_len - in->raw_pos >= 2 && (unsigned char)in->raw[in->raw_pos] == 0x1f &&
	       (unsigned char)in->raw[in->raw_pos + 1] == 0x8b;
}

static int sniff(struct lake_input *in, struct lake_error *e)
{
	in->sniffed = 1;
	if (fill_for_sniff(in, e) < 0)
		return -1;
	if (starts_with_gzip_magic(in))
		return lake_err(e, LAKE_EX_DATAERR,
				"'%s': gzip-compressed input is not read; decompress it first, as "
				"in 'zcat FILE | lake-put ...', or recompress with zstd",
				in->name);
	if (!starts_with_zstd_magic(in))
		return 0;
	in->zstd = ZSTD_createDStream();
	if (!in->zstd)
		return lake_err(e, LAKE_EX_SOFTWARE, "'%s': cannot create a zstd decoder",
				in->name);
	ZSTD_initDStream(in->zstd);
	return 0;
}

static ssize_t read_plain(struct lake_input *in, void *buf, size_t cap)
{
	size_t n = in->raw_len - in->raw_pos;

	if (n > cap)
		n = cap;
	memcpy(buf, in->raw + in->raw_pos, n);
	in->raw_pos += n;
	return (ssize_t)n;
}

static ssize_t read_zstd(struct lake_input *in, void *buf, size_t cap, struct lake_error *e)
{
	ZSTD_outBuffer out = {buf, cap, 0};
	ZSTD_inBuffer src = {in->raw, in->raw_len, in->raw_pos};
	size_t rc = ZSTD_decompressStream(in->zstd, &out, &src);

	in->raw_pos = src.pos;
	if (ZSTD_isError(rc))
		return lake_err(e, LAKE_EX_DATAERR, "'%s': corrupt zstd data: %s", in->name,
				ZSTD_getErrorName(rc));
	in->frame_done = rc == 0;
	return (ssize_t)out.pos;
}

static ssize_t read_here(struct lake_input *in, void *buf, size_t cap, int64_t deadline_us,
			 struct lake_error *e)
{
	for (;;) {
		if (in->raw_pos == in->raw_len) {
			ssize_t r = fill_raw(in, deadline_us, e);
			if (r < 0)
				return r;
			if (r == 0) {
				if (in->zstd && !in->frame_done)
					return lake_err(e, LAKE_EX_DATAERR,
							"'%s': truncated zstd data: the last frame "
							"is incomplete",
							in->name);
				return 0;
			}
			if (!in->sniffed && sniff(in, e) < 0)
				return -1;
		}
		ssize_t n = in->zstd ? read_zstd(in, buf, cap, e) : read_plain(in, buf, cap);
		if (n != 0)
			return n;
	}
}

static void free_ahead(struct ahead *a)
{
	for (int i = 0; i < AHEAD_CHUNKS; i++)
		free(a->chunk[i]);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->changed);
	free(a);
}

static void *read_ahead_thread(void *arg)
{
	struct lake_input *in = arg;
	struct ahead *a = in->ahead;

	for (;;) {
		pthread_mutex_lock(&a->lock);
		while (a->count == AHEAD_CHUNKS && !a->stop)
			pthread_cond_wait(&a->changed, &a->lock);
		int slot = (a->head + a->count) % AHEAD_CHUNKS, stop = a->stop;
		pthread_mutex_unlock(&a->lock);
		if (stop)
			return NULL;
		/* The slot past the filled ones: the reader does not touch it. */
		ssize_t n = read_here(in, a->chunk[slot], AHEAD_CHUNK, 0, &a->err);
		pthread_mutex_lock(&a->lock);
		if (n > 0) {
			a->len[slot] = (size_t)n;
			a->count++;
		} else {
			a->done = 1;
			a->last = n;
		}
		pthread_cond_broadcast(&a->changed);
		pthread_mutex_unlock(&a->lock);
		if (n <= 0)
			return NULL;
	}
}

int lake_input_read_ahead(struct lake_input *in, struct lake_error *e)
{
	struct ahead *a;

	if (in->ahead || in->is_stream)
		return 0;
	a = lake_xcalloc(1, sizeof *a);
	for (int i = 0; i < AHEAD_CHUNKS; i++)
		a->chunk[i] = lake_xmalloc(AHEAD_CHUNK);
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->changed, NULL);
	in->ahead = a;
	if (pthread_create(&a->thread, NULL, read_ahead_thread, in) != 0) {
		in->ahead = NULL;
		free_ahead(a);
		return lake_err(e, LAKE_EX_SOFTWARE, "'%s': cannot start a thread", in->name);
	}
	return 0;
}

/* The next bytes the thread decompressed: copied out of its oldest chunk. */
static ssize_t read_from_ahead(struct lake_input *in, void *buf, size_t cap, struct lake_error *e)
{
	struct ahead *a = in->ahead;
	size_t n;

	pthread_mutex_lock(&a->lock);
	while (a->count == 0 && !a->done)
		pthread_cond_wait(&a->changed, &a->lock);
	if (a->count == 0) {
		ssize_t last = a->last;
		pthread_mutex_unlock(&a->lock);
		if (last < 0)
			*e = a->err;
		return last;
	}
	int slot = a->head;
	pthread_mutex_unlock(&a->lock);
	/* The head chunk stays the reader's until it is released below. */
	n = a->len[slot] - a->pos;
	if (n > cap)
		n = cap;
	memcpy(buf, a->chunk[slot] + a->pos, n);
	a->pos += n;
	if (a->pos == a->len[slot]) {
		a->pos = 0;
		pthread_mutex_lock(&a->lock);
		a->head = (a->head + 1) % AHEAD_CHUNKS;
		a->count--;
		pthread_cond_broadcast(&a->changed);
		pthread_mutex_unlock(&a->lock);
	}
	return (ssize_t)n;
}

ssize_t lake_input_read(struct lake_input *in, void *buf, size_t cap, int64_t deadline_us,
			struct lake_error *e)
{
	if (in->ahead)
		return read_from_ahead(in, buf, cap, e);
	return read_here(in, buf, cap, deadline_us, e);
}

const char *lake_input_name(const struct lake_input *in)
{
	return in->name;
}

int lake_input_is_stream(const struct lake_input *in)
{
	return in->is_stream;
}

int lake_input_is_zstd(const struct lake_input *in)
{
	return in->zstd != NULL;
}

uint64_t lake_input_raw_bytes(const struct lake_input *in)
{
	return in->raw_total;
}

void lake_input_close(struct lake_input *in)
{
	if (!in)
		return;
	if (in->ahead) {
		struct ahead *a = in->ahead;
		pthread_mutex_lock(&a->lock);
		a->stop = 1;
		pthread_cond_broadcast(&a->changed);
		pthread_mutex_unlock(&a->lock);
		pthread_join(a->thread, NULL);
		free_ahead(a);
	}
	if (in->owns_fd)
		close(in->fd);
	ZSTD_freeDStream(in->zstd);
	free(in->raw);
	free(in->name);
	free(in);
}
