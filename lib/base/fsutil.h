/*
 * fsutil.h - durable file operations.
 *
 * Everything lake writes reaches its final name the same way (SPEC §3):
 * create a new file under the lake's tmp/ with O_CREAT|O_EXCL|O_NOFOLLOW,
 * write it, fsync it, rename it into place, fsync the directory.  A
 * reader sees the old state or the new, never half a file.
 *
 *	struct lake_tmpfile t;
 *	if (lake_tmpfile_open(&t, tmpdir, e) < 0) ...
 *	lake_write_all(t.fd, data, n, t.path, e);
 *	lake_tmpfile_finish(&t, "/lake/data/raw/t/part-…", e);   // or _abort
 */
#ifndef LAKE_FSUTIL_H
#define LAKE_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/error.h"

struct lake_tmpfile {
	int fd;	    /* -1 once closed */
	char *path; /* the file's name under tmp/; NULL when nothing is left to clean up */
};

int lake_tmpfile_open(struct lake_tmpfile *t, const char *tmpdir, struct lake_error *e);

/* fsync, close, create the destination's directories, rename, fsync the directory. */
int lake_tmpfile_finish(struct lake_tmpfile *t, const char *dest, struct lake_error *e);

/* Close and unlink whatever is left; safe to call twice or after finish. */
void lake_tmpfile_abort(struct lake_tmpfile *t);

/* Write all n bytes, retrying on EINTR and short writes; errors name `what`. */
int lake_write_all(int fd, const void *p, size_t n, const char *what, struct lake_error *e);

/* mkdir -p, fsyncing each parent whose entry was created so the new directory survives a crash. */
int lake_mkdirs(const char *path, mode_t mode, struct lake_error *e);

int lake_fsync_dir(const char *dir, struct lake_error *e);

/* fsync a closed file by its name. */
int lake_fsync_path(const char *path, struct lake_error *e);

/*
 * Rename from to dest, creating dest's directories first.  The caller
 * fsyncs dest's directory (several renames into one directory need one).
 */
int lake_rename_into_place(const char *from, const char *dest, struct lake_error *e);

/*
 * Inside the lake nothing is reached through a symbolic link: a link under
 * data/ would lead lake-put's files, a crawl or a vacuum to wherever it
 * points, outside the lake.  These walk rel (relative to root, components
 * separated by '/') one component at a time with O_NOFOLLOW; root itself
 * may be a link (a lake may be mounted anywhere).
 *
 * lake_open_dir_beneath opens directory rel (with create, missing
 * directories are made, 0777 less the umask, each parent fsynced) and returns its
 * descriptor.  A link on the way is LAKE_EX_CANTCREAT naming it, as
 * "'data/raw': a symbolic link; ...", relative to root; a missing
 * directory without create is LAKE_EX_NOINPUT.
 *
 * lake_rename_beneath renames from (any path) to rel, its directories
 * opened or made that way; the caller fsyncs rel's directory.
 * lake_tmpfile_finish_beneath is lake_tmpfile_finish to root/rel so.
 */
int lake_open_dir_beneath(const char *root, const char *rel, int create, struct lake_error *e);
int lake_rename_beneath(const char *from, const char *root, const char *rel, struct lake_error *e);
int lake_tmpfile_finish_beneath(struct lake_tmpfile *t, const char *root, const char *rel,
				struct lake_error *e);

/* Append the directory part of path ("." when it has none) to out. */
void lake_parent_dir(const char *path, struct lake_buf *out);

/* Ask the kernel to start writing a file's data now, so a later fsync finds little to do. */
void lake_start_writeback(int fd);

/* Write a whole small file atomically through tmpdir. */
int lake_write_file_atomic(const char *tmpdir, const char *dest, const void *p, size_t n,
			   struct lake_error *e);

/* Read a whole file the user named (a job file, SQL), opened as by lake_open_user_file. */
int lake_read_file(const char *path, char **out, size_t *len, struct lake_error *e);

/*
 * The hardening mode (lake-grant(1)): the programs run setgid to the
 * lake's service group.  A file the user names is opened with the user's
 * own group, so that the service group's access reaches only the lake.
 * Returns the descriptor, or -1 with errno.
 */
int lake_setgid_mode(void);
int lake_open_user_file(const char *path, int flags);

#endif
