/*
 * test_fsutil.c - temporary files renamed into place, mkdir -p, small file I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "base/fsutil.h"
#include "scratch.h"
#include "t.h"

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Whether the file holds exactly the n bytes of want. */
static int file_is(const char *path, const void *want, size_t n)
{
	char *data = NULL;
	size_t len = 0;
	struct lake_error e = {0};
	int same;

	if (lake_read_file(path, &data, &len, &e) < 0)
		return 0;
	same = len == n && memcmp(data, want, n) == 0;
	free(data);
	return same;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_tmpfile_names_differ(void)
{
	struct lake_tmpfile a, b;
	struct lake_error e = {0};

	plain_mkdirs(sp("tmp1"));
	CHECK_INT(lake_tmpfile_open(&a, sp("tmp1"), &e), 0);
	CHECK_INT(lake_tmpfile_open(&b, sp("tmp1"), &e), 0);
	CHECK(a.fd >= 0 && b.fd >= 0);
	CHECK(a.path && b.path);
	if (a.path && b.path) {
		CHECK(strcmp(a.path, b.path) != 0);
		CHECK(strncmp(a.path, sp("tmp1/"), strlen(sp("tmp1/"))) == 0);
		CHECK(exists(a.path));
		CHECK(exists(b.path));
	}
	CHECK_INT(count_entries(sp("tmp1")), 2);
	lake_tmpfile_abort(&a);
	lake_tmpfile_abort(&b);
	CHECK_INT(count_entries(sp("tmp1")), 0);
}

static void test_tmpfile_finish(void)
{
	static const char text[] = "line one\nline two\n";
	struct lake_tmpfile t;
	struct lake_error e = {0};
	const char *dest = sp("out/x/y/z/final.ndjson");
	char *tmpname;

	plain_mkdirs(sp("tmp2"));
	CHECK_INT(lake_tmpfile_open(&t, sp("tmp2"), &e), 0);
	tmpname = lake_xstrdup(t.path);
	CHECK_INT(lake_write_all(t.fd, text, sizeof text - 1, t.path, &e), 0);
	CHECK(!is_dir(sp("out")));
	CHECK_INT(lake_tmpfile_finish(&t, dest, &e), 0);
	CHECK_INT(e.code, 0);
	CHECK(t.fd == -1);
	CHECK(t.path == NULL);
	CHECK(is_dir(sp("out/x/y/z")));
	CHECK(file_is(dest, text, sizeof text - 1));
	CHECK(!exists(tmpname));
	/* abort after finish is harmless and must not remove the destination. */
	lake_tmpfile_abort(&t);
	CHECK(exists(dest));
	free(tmpname);
}

static void test_tmpfile_abort(void)
{
	struct lake_tmpfile t;
	struct lake_error e = {0};
	char *tmpname;

	plain_mkdirs(sp("tmp3"));
	CHECK_INT(lake_tmpfile_open(&t, sp("tmp3"), &e), 0);
	tmpname = lake_xstrdup(t.path);
	CHECK_INT(lake_write_all(t.fd, "junk", 4, t.path, &e), 0);
	lake_tmpfile_abort(&t);
	CHECK(t.fd == -1);
	CHECK(t.path == NULL);
	CHECK(!exists(tmpname));
	lake_tmpfile_abort(&t); /* twice is allowed */
	CHECK_INT(count_entries(sp("tmp3")), 0);
	free(tmpname);
}

static void test_tmpfile_missing_dir(void)
{
	struct lake_tmpfile t;
	struct lake_error e = {0};

	CHECK_INT(lake_tmpfile_open(&t, sp("no/such/tmp"), &e), -1);
	CHECK_INT(e.code, LAKE_EX_CANTCREAT);
	CHECK(strstr(e.msg, "no/such/tmp") != NULL);
	CHECK(t.path == NULL);
	lake_tmpfile_abort(&t);
}

static void test_mkdirs(void)
{
	struct lake_error e = {0};

	CHECK_INT(lake_mkdirs(sp("m/a/b/c/d"), 0755, &e), 0);
	CHECK(is_dir(sp("m/a/b/c/d")));
	/* Again: nothing to do, still success. */
	CHECK_INT(lake_mkdirs(sp("m/a/b/c/d"), 0755, &e), 0);
	CHECK_INT(lake_mkdirs(sp("m/a"), 0755, &e), 0);
	/* A trailing slash names the same directory. */
	CHECK_INT(lake_mkdirs(sp("m/t/u/"), 0755, &e), 0);
	CHECK(is_dir(sp("m/t/u")));
	CHECK_INT(e.code, 0);
}

static void test_mkdirs_through_file(void)
{
	struct lake_error e = {0};

	plain_mkdirs(sp("mf"));
	put_file(sp("mf/plain"), "x");
	CHECK_INT(lake_mkdirs(sp("mf/plain/sub/dir"), 0755, &e), -1);
	CHECK_INT(e.code, LAKE_EX_CANTCREAT);
	CHECK(strstr(e.msg, "plain") != NULL);
	lake_error_clear(&e);
	CHECK_INT(lake_mkdirs(sp("mf/plain"), 0755, &e), -1);
	CHECK_INT(e.code, LAKE_EX_CANTCREAT);
	CHECK(strstr(e.msg, "not a directory") != NULL);
	/* The file is untouched. */
	CHECK(file_is(sp("mf/plain"), "x", 1));
}

static void test_write_file_atomic(void)
{
	struct lake_error e = {0};
	const char *dest = sp("w/deep/er/file.json");

	plain_mkdirs(sp("tmp4"));
	CHECK_INT(lake_write_file_atomic(sp("tmp4"), dest, "{\"v\":1}\n", 8, &e), 0);
	CHECK(file_is(dest, "{\"v\":1}\n", 8));
	/* Replacing an existing file. */
	CHECK_INT(lake_write_file_atomic(sp("tmp4"), dest, "{\"v\":2}", 7, &e), 0);
	CHECK(file_is(dest, "{\"v\":2}", 7));
	/* An empty file. */
	CHECK_INT(lake_write_file_atomic(sp("tmp4"), sp("w/empty"), "", 0, &e), 0);
	CHECK(file_is(sp("w/empty"), "", 0));
	/* Nothing is left behind in tmp/. */
	CHECK_INT(count_entries(sp("tmp4")), 0);

	/* A missing tmpdir fails without creating the destination. */
	CHECK_INT(lake_write_file_atomic(sp("tmp-missing"), sp("w/never"), "x", 1, &e), -1);
	CHECK(e.code != 0);
	CHECK(!exists(sp("w/never")));
}

static void test_write_file_atomic_dest_blocked(void)
{
	struct lake_error e = {0};

	/* The destination's parent is a file: the write fails and tmp/ is cleaned up. */
	plain_mkdirs(sp("tmp5"));
	put_file(sp("blocker"), "b");
	CHECK_INT(lake_write_file_atomic(sp("tmp5"), sp("blocker/f"), "x", 1, &e), -1);
	CHECK_INT(e.code, LAKE_EX_CANTCREAT);
	CHECK_INT(count_entries(sp("tmp5")), 0);
}

static void test_read_file(void)
{
	struct lake_error e = {0};
	char *data = NULL;
	size_t len = 99;
	enum { BIG = 200000 }; /* more than one internal read */
	char *big = lake_xmalloc(BIG);
	FILE *f;

	for (size_t i = 0; i < BIG; i++)
		big[i] = (char)(i * 7 + i / 251);
	f = fopen(sp("big.bin"), "wb");
	if (f) {
		fwrite(big, 1, BIG, f);
		fclose(f);
	}
	CHECK_INT(lake_read_file(sp("big.bin"), &data, &len, &e), 0);
	CHECK_INT(len, BIG);
	CHECK(data && memcmp(data, big, BIG) == 0);
	CHECK(data && data[BIG] == '\0');
	free(data);
	free(big);

	put_file(sp("empty"), "");
	data = NULL;
	CHECK_INT(lake_read_file(sp("empty"), &data, &len, &e), 0);
	CHECK_INT(len, 0);
	CHECK_STR(data, "");
	free(data);

	/* len may be NULL. */
	put_file(sp("small"), "abc");
	data = NULL;
	CHECK_INT(lake_read_file(sp("small"), &data, NULL, &e), 0);
	CHECK_STR(data, "abc");
	free(data);

	CHECK_INT(lake_read_file(sp("missing"), &data, &len, &e), -1);
	CHECK_INT(e.code, LAKE_EX_NOINPUT);
	CHECK(strstr(e.msg, sp("missing")) != NULL);
}

static void test_rename_into_place(void)
{
	struct lake_error e = {0};

	put_file(sp("src.txt"), "moved");
	CHECK_INT(lake_rename_into_place(sp("src.txt"), sp("r/1/2/dst.txt"), &e), 0);
	CHECK(!exists(sp("src.txt")));
	CHECK(file_is(sp("r/1/2/dst.txt"), "moved", 5));

	CHECK_INT(lake_rename_into_place(sp("gone.txt"), sp("r/1/2/x.txt"), &e), -1);
	CHECK_INT(e.code, LAKE_EX_NOINPUT);
	CHECK(strstr(e.msg, "x.txt") != NULL);
}

/* A link under the root is never followed, at any depth; the root itself may be one. */
static void test_beneath_refuses_links(void)
{
	struct lake_error e = {0};
	int fd;

	plain_mkdirs(sp("bn/root/data/db"));
	plain_mkdirs(sp("bn/elsewhere/t"));
	CHECK_INT(symlink(sp("bn/elsewhere"), sp("bn/root/data/linked")), 0);
	CHECK_INT(symlink(sp("bn/root"), sp("bn/rootlink")), 0);

	fd = lake_open_dir_beneath(sp("bn/rootlink"), "data/db/t/k=v", 1, &e);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(is_dir(sp("bn/root/data/db/t/k=v")));

	CHECK_INT(lake_open_dir_beneath(sp("bn/root"), "data/linked/t", 1, &e), -1);
	CHECK_INT(e.code, LAKE_EX_CANTCREAT);
	CHECK(strstr(e.msg, "'data/linked': a symbolic link") != NULL);
	lake_error_clear(&e);

	CHECK_INT(lake_open_dir_beneath(sp("bn/root"), "data/missing", 0, &e), -1);
	CHECK_INT(e.code, LAKE_EX_NOINPUT);
	lake_error_clear(&e);

	put_file(sp("bn/src"), "x");
	CHECK_INT(lake_rename_beneath(sp("bn/src"), sp("bn/root"), "data/linked/t/f", &e), -1);
	CHECK(strstr(e.msg, "'data/linked': a symbolic link") != NULL);
	CHECK(exists(sp("bn/src")));
	CHECK(!exists(sp("bn/elsewhere/t/f")));
	lake_error_clear(&e);
	CHECK_INT(lake_rename_beneath(sp("bn/src"), sp("bn/root"), "data/db/new/f", &e), 0);
	CHECK(file_is(sp("bn/root/data/db/new/f"), "x", 1));
}

static void parent_case(const char *path, const char *want)
{
	struct lake_buf b = LAKE_BUF_INIT;

	lake_parent_dir(path, &b);
	CHECK_STR(b.data, want);
	lake_buf_release(&b);
}

static void test_parent_dir(void)
{
	struct lake_buf b = LAKE_BUF_INIT;

	parent_case("a/b/c", "a/b");
	parent_case("a/b", "a");
	parent_case("file", ".");
	parent_case("/top", "/");
	parent_case("/a/b", "/a");
	parent_case("a/", "a");
	/* It appends. */
	lake_buf_addstr(&b, "x:");
	lake_parent_dir("d/e", &b);
	CHECK_STR(b.data, "x:d");
	lake_buf_release(&b);
}

static void test_fsync(void)
{
	struct lake_error e = {0};

	put_file(sp("syncme"), "data");
	CHECK_INT(lake_fsync_path(sp("syncme"), &e), 0);
	CHECK_INT(lake_fsync_dir(scratch, &e), 0);

	CHECK_INT(lake_fsync_path(sp("not-there"), &e), -1);
	CHECK(e.code != 0);
	CHECK(strstr(e.msg, sp("not-there")) != NULL);
	lake_error_clear(&e);
	CHECK_INT(lake_fsync_dir(sp("no-dir"), &e), -1);
	CHECK(strstr(e.msg, sp("no-dir")) != NULL);
}

static void test_write_all_bad_fd(void)
{
	struct lake_error e = {0};
	int fds[2];

	/* A descriptor that is closed: the error names what was being written. */
	CHECK_INT(pipe(fds), 0);
	close(fds[0]);
	close(fds[1]);
	CHECK_INT(lake_write_all(fds[1], "x", 1, "the-target", &e), -1);
	CHECK(strstr(e.msg, "the-target") != NULL);
	CHECK(e.code != 0);
	/* Nothing to write never fails. */
	CHECK_INT(lake_write_all(-1, "", 0, "nothing", &e), 0);
}

int main(void)
{
	if (setup_scratch("fsutil") < 0) {
		perror("mkdtemp");
		return 1;
	}
	T_RUN(test_tmpfile_names_differ);
	T_RUN(test_tmpfile_finish);
	T_RUN(test_tmpfile_abort);
	T_RUN(test_tmpfile_missing_dir);
	T_RUN(test_mkdirs);
	T_RUN(test_mkdirs_through_file);
	T_RUN(test_write_file_atomic);
	T_RUN(test_write_file_atomic_dest_blocked);
	T_RUN(test_read_file);
	T_RUN(test_rename_into_place);
	T_RUN(test_beneath_refuses_links);
	T_RUN(test_parent_dir);
	T_RUN(test_fsync);
	T_RUN(test_write_all_bad_fd);
	remove_tree(scratch);
	T_DONE();
}
