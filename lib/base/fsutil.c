/* sync_file_range(2), to start writeback early, is Linux only. */
#define _GNU_SOURCE
#include "base/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/names.h"

int lake_write_all(int fd, const void *p, size_t n, const char *what, struct lake_error *e)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return lake_err_sys(e, lake_exit_for_errno(errno), "'%s': write failed",
					    what);
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int lake_fsync_dir(const char *dir, struct lake_error *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return lake_err_sys(e, LAKE_EX_IOERR, "'%s': cannot open directory", dir);
	if (fsync(fd) < 0 && errno != EINVAL) {
		close(fd);
		return lake_err_sys(e, LAKE_EX_IOERR, "'%s': fsync failed", dir);
	}
	close(fd);
	return 0;
}

void lake_parent_dir(const char *path, struct lake_buf *out)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		lake_buf_addc(out, '.');
	else if (slash == path)
		lake_buf_addc(out, '/');
	else
		lake_buf_add(out, path, (size_t)(slash - path));
}

static void parent_of(const char *path, struct lake_buf *out)
{
	lake_buf_reset(out);
	lake_parent_dir(path, out);
}

int lake_mkdirs(const char *path, mode_t mode, struct lake_error *e)
{
	struct lake_buf parent = LAKE_BUF_INIT;
	struct stat st;
	int rc = -1;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		return lake_err(e, LAKE_EX_CANTCREAT, "'%s': exists and is not a directory", path);
	}
	parent_of(path, &parent);
	if (strcmp(parent.data, path) != 0 && lake_mkdirs(parent.data, mode, e) < 0)
		goto out;
	if (mkdir(path, mode) < 0 && errno != EEXIST) {
		lake_err_sys(e,
			     lake_exit_for_errno(errno) == LAKE_EX_NOINPUT
				 ? LAKE_EX_CANTCREAT
				 : lake_exit_for_errno(errno),
			     "'%s': cannot create directory", path);
		goto out;
	}
	if (lake_fsync_dir(parent.data, e) < 0)
		goto out;
	rc = 0;
out:
	lake_buf_release(&parent);
	return rc;
}

int lake_tmpfile_open(struct lake_tmpfile *t, const char *tmpdir, struct lake_error *e)
{
	struct lake_buf path = LAKE_BUF_INIT;

	lake_buf_addf(&path, "%s/", tmpdir);
	lake_data_file_name(&path, "tmp");
	t->fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (t->fd < 0) {
		lake_err_sys(e, errno == ENOENT ? LAKE_EX_CANTCREAT : lake_exit_for_errno(errno),
			     "'%s': cannot create file", path.data);
		lake_buf_release(&path);
		t->path = NULL;
		return -1;
	}
	t->path = lake_buf_detach(&path);
	return 0;
}

/* Make the temporary file's bytes durable and close it, before it is renamed into place. */
static int close_synced(struct lake_tmpfile *t, struct lake_error *e)
{
	if (fsync(t->fd) < 0)
		return lake_err_sys(e, LAKE_EX_IOERR, "'%s': fsync failed", t->path);
	if (close(t->fd) < 0) {
		t->fd = -1;
		return lake_err_sys(e, LAKE_EX_IOERR, "'%s': close failed", t->path);
	}
	t->fd = -1;
	return 0;
}

int lake_tmpfile_finish(struct lake_tmpfile *t, const char *dest, struct lake_error *e)
{
	struct lake_buf dir = LAKE_BUF_INIT;
	int rc = -1;

	if (close_synced(t, e) < 0)
		goto out;
	parent_of(dest, &dir);
	if (lake_mkdirs(dir.data, 0777, e) < 0)
		goto out;
	if (rename(t->path, dest) < 0) {
		lake_err_sys(e, lake_exit_for_errno(errno), "'%s': cannot rename into place", dest);
		goto out;
	}
	free(t->path);
	t->path = NULL;
	if (lake_fsync_dir(dir.data, e) < 0)
		goto out;
	rc = 0;
out:
	lake_buf_release(&dir);
	return rc;
}

void lake_tmpfile_abort(struct lake_tmpfile *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->path)
		unlink(t->path);
	free(t->path);
	t->path = NULL;
}

int lake_write_file_atomic(const char *tmpdir, const char *dest, const void *p, size_t n,
			   struct lake_error *e)
{
	struct lake_tmpfile t;

	if (lake_tmpfile_open(&t, tmpdir, e) < 0)
		return -1;
	if (lake_write_all(t.fd, p, n, t.path, e) < 0 || lake_tmpfile_finish(&t, dest, e) < 0) {
		lake_tmpfile_abort(&t);
		return -1;
	}
	return 0;
}

int lake_setgid_mode(void)
{
	return getegid() != getgid();
}

int lake_open_user_file(const char *path, int flags)
{
	gid_t service = getegid(), user = getgid();
	int fd, saved;

	if (service == user)
		return open(path, flags | O_CLOEXEC, 0666);
	if (setegid(user) < 0)
		return -1;
	fd = open(path, flags | O_CLOEXEC, 0666);
	saved = errno;
	/* Not regaining the service group would leave a half-privileged process: stop. */
	if (setegid(service) < 0)
		abort();
	errno = saved;
	return fd;
}

int lake_read_file(const char *path, char **out, size_t *len, struct lake_error *e)
{
	struct lake_buf b = LAKE_BUF_INIT;
	char chunk[65536];
	int fd = lake_open_user_file(path, O_RDONLY);

	if (fd < 0)
		return lake_err_sys(e, lake_exit_for_errno(errno), "'%s'", path);
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			lake_err_sys(e, LAKE_EX_IOERR, "'%s': read failed", path);
			close(fd);
			lake_buf_release(&b);
			return -1;
		}
		if (r == 0)
			break;
		lake_buf_add(&b, chunk, (size_t)r);
	}
	close(fd);
	if (!b.data)
		lake_buf_add(&b, "", 0);
	if (len)
		*len = b.len;
	*out = lake_buf_detach(&b);
	return 0;
}

int lake_fsync_path(const char *path, struct lake_error *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return lake_err_sys(e, LAKE_EX_IOERR, "'%s': cannot open to fsync", path);
	if (fsync(fd) < 0) {
		lake_err_sys(e, LAKE_EX_IOERR, "'%s': fsync failed", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int lake_rename_into_place(const char *from, const char *dest, struct lake_error *e)
{
	struct lake_buf dir = LAKE_BUF_INIT;
	int rc = 0;

	parent_of(dest, &dir);
	if (lake_mkdirs(dir.data, 0777, e) < 0)
		rc = -1;
	else if (rename(from, dest) < 0)
		rc = lake_err_sys(e, lake_exit_for_errno(errno), "'%s': cannot rename into place",
				  dest);
	lake_buf_release(&dir);
	return rc;
}

/* Whether name in dir is a symbolic link: what an ELOOP or ENOTDIR from O_NOFOLLOW meant. */
static int is_link_at(int dir, const char *name)
{
	struct stat st;

	return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

/*
 * Open the component name of dir (rel[0..upto) names it in messages),
 * making it first when create is set and it is missing.
 */
static int open_component(int dir, const char *name, int create, const char *rel, size_t upto,
			  struct lake_error *e)
{
	int made = 0;

	for (;;) {
		int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno == ENOENT && create && !made) {
			if (mkdirat(dir, name, 0777) < 0 && errno != EEXIST)
				return lake_err_sys(e,
						    errno == ENOENT ? LAKE_EX_CANTCREAT
								    : lake_exit_for_errno(errno),
						    "'%.*s': cannot create directory", (int)upto,
						    rel);
			if (fsync(dir) < 0 && errno != EINVAL)
				return lake_err_sys(e, LAKE_EX_IOERR,
						    "'%.*s': fsync of its parent failed", (int)upto,
						    rel);
			made = 1;
			continue;
		}
		if ((errno == ELOOP || errno == ENOTDIR) && is_link_at(dir, name))
			return lake_err(
			    e, LAKE_EX_CANTCREAT,
			    "'%.*s': a symbolic link; lake follows no link inside the "
			    "lake, so that nothing it writes or reads lands outside it: "
			    "move the directory in, or remove the link",
			    (int)upto, rel);
		if (errno == ENOTDIR)
			return lake_err(e, LAKE_EX_CANTCREAT,
					"'%.*s': exists and is not a directory", (int)upto, rel);
		return lake_err_sys(e, lake_exit_for_errno(errno), "'%.*s': cannot open directory",
				    (int)upto, rel);
	}
}

int lake_open_dir_beneath(const char *root, const char *rel, int create, struct lake_error *e)
{
	char name[256];
	int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0)
		return lake_err_sys(e, lake_exit_for_errno(errno), "'%s': cannot open directory",
				    root);
	for (size_t at = 0; rel[at];) {
		size_t n = strcspn(rel + at, "/");
		int next;
		if (n == 0 || (n == 1 && rel[at] == '.')) {
			at += n + (rel[at + n] == '/');
			continue;
		}
		/* ".." would climb out of root as a link would. */
		if (n >= sizeof name || (n == 2 && strncmp(rel + at, "..", 2) == 0)) {
			close(dir);
			return lake_err(e, LAKE_EX_CANTCREAT, "'%.*s': not a name inside the lake",
					(int)(at + n), rel);
		}
		memcpy(name, rel + at, n);
		name[n] = '\0';
		next = open_component(dir, name, create, rel, at + n, e);
		close(dir);
		if (next < 0)
			return -1;
		dir = next;
		at += n + (rel[at + n] == '/');
	}
	return dir;
}

int lake_rename_beneath(const char *from, const char *root, const char *rel, struct lake_error *e)
{
	const char *slash = strrchr(rel, '/');
	struct lake_buf dir = LAKE_BUF_INIT;
	int fd, rc = 0;

	lake_buf_add(&dir, rel, slash ? (size_t)(slash - rel) : 0);
	fd = lake_open_dir_beneath(root, dir.data ? dir.data : "", 1, e);
	lake_buf_release(&dir);
	if (fd < 0)
		return -1;
	if (renameat(AT_FDCWD, from, fd, slash ? slash + 1 : rel) < 0)
		rc = lake_err_sys(e, lake_exit_for_errno(errno), "'%s': cannot rename into place",
				  rel);
	close(fd);
	return rc;
}

int lake_tmpfile_finish_beneath(struct lake_tmpfile *t, const char *root, const char *rel,
				struct lake_error *e)
{
	struct lake_buf dir = LAKE_BUF_INIT;
	int rc = -1;

	if (close_synced(t, e) < 0)
		goto out;
	if (lake_rename_beneath(t->path, root, rel, e) < 0)
		goto out;
	free(t->path);
	t->path = NULL;
	lake_buf_addf(&dir, "%s/", root);
	lake_parent_dir(rel, &dir);
	if (lake_fsync_dir(dir.data, e) < 0)
		goto out;
	rc = 0;
out:
	lake_buf_release(&dir);
	return rc;
}

void lake_start_writeback(int fd)
{
#ifdef SYNC_FILE_RANGE_WRITE
	sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)fd;
#endif
}
