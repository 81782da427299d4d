/* nftw(3), to delete a dropped table's tree without following links, is XSI. */
#define _XOPEN_SOURCE 700

#include "store/table_move.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "base/buf.h"
#include "base/fault.h"
#include "base/fsutil.h"
#include "base/ltime.h"
#include "base/proc.h"

#define INTENT_PREFIX "move-"

struct lake_table_move {
	char *name; /* the intent's file name in tmp/ */
	int64_t pid;
	int64_t table_id;
	/* With the id, tells the table apart from a later one that reuses a dropped one's id. */
	char *created;
	char *from; /* relative to the lake, as the catalog's locations are */
	char *to;
	int drop;
};

static void move_free(struct lake_table_move *m)
{
	if (!m)
		return;
	free(m->name);
	free(m->created);
	free(m->from);
	free(m->to);
	free(m);
}

/* "move-PID-TIME": the pid and nothing else is needed to know whether its writer still runs. */
static int parse_intent_name(const char *name, int64_t *pid)
{
	const char *p, *dash;
	char *end;
	long long n;

	if (strncmp(name, INTENT_PREFIX, strlen(INTENT_PREFIX)) != 0)
		return -1;
	p = name + strlen(INTENT_PREFIX);
	if (!(dash = strchr(p, '-')) || dash == p || !dash[1])
		return -1;
	for (const char *c = p; *c; c++)
		if (c != dash && (*c < '0' || *c > '9'))
			return -1;
	errno = 0;
	n = strtoll(p, &end, 10);
	if (errno || end != dash || n <= 0)
		return -1;
	*pid = n;
	return 0;
}

int lake_table_move_is_intent(const char *name)
{
	int64_t pid;

	return parse_intent_name(name, &pid) == 0;
}

static void rel_path(const struct lake *lake, struct lake_buf *out, const char *rel)
{
	lake_buf_reset(out);
	lake_path(lake, out, rel);
}

static int path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Rename a directory and make both parents' entries durable. */
static int move_dir(const char *from, const char *to, struct lake_error *e)
{
	struct lake_buf p1 = LAKE_BUF_INIT, p2 = LAKE_BUF_INIT;
	int rc = -1;

	lake_parent_dir(from, &p1);
	lake_parent_dir(to, &p2);
	if (lake_mkdirs(p2.data, 0777, e) < 0)
		goto out;
	if (rename(from, to) < 0) {
		lake_err_sys(e, lake_exit_for_errno(errno), "cannot rename '%s' to '%s'", from, to);
		goto out;
	}
	if (lake_fsync_dir(p1.data, e) < 0 || lake_fsync_dir(p2.data, e) < 0)
		goto out;
	rc = 0;
out:
	lake_buf_release(&p1);
	lake_buf_release(&p2);
	return rc;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm -rf, not following symbolic links; the parent's entry is made durable. */
static int remove_tree(const char *path, struct lake_error *e)
{
	struct lake_buf parent = LAKE_BUF_INIT;
	int rc;

	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		return lake_err_sys(e, LAKE_EX_IOERR, "cannot remove '%s'", path);
	lake_parent_dir(path, &parent);
	rc = lake_fsync_dir(parent.data, e);
	lake_buf_release(&parent);
	return rc;
}

/* The table's creation time, which with its id names it for good. */
static int table_created(struct lake *lake, int64_t id, char **created, struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog),
			       "SELECT created FROM tables WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*created = lake_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return lake_err(e, LAKE_EX_SOFTWARE, "table %lld vanished from the catalog",
				(long long)id);
	return lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
}

/*
 * Where the catalog says the table lives now: *loc its location, or NULL
 * when the table is gone (dropped).
 */
static int table_location(struct lake *lake, const struct lake_table_move *m, char **loc,
			  struct lake_error *e)
{
	sqlite3_stmt *st;
	int rc;

	*loc = NULL;
	if (sqlite3_prepare_v2(lake_catalog_db(lake->catalog),
			       "SELECT location FROM tables WHERE id = ? AND created = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
	sqlite3_bind_int64(st, 1, m->table_id);
	sqlite3_bind_text(st, 2, m->created, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*loc = lake_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lake_catalog_fail(lake->catalog, "cannot read the catalog", e);
	return 0;
}

/* Create the intent file and make it durable before anything it describes happens. */
static int write_intent(struct lake *lake, const struct lake_table_move *m, struct lake_error *e)
{
	struct lake_buf path = LAKE_BUF_INIT;
	json_t *doc =
	    json_pack("{s:I, s:s, s:s, s:s, s:b}", "table_id", (json_int_t)m->table_id, "created",
		      m->created, "from", m->from, "to", m->to, "drop", m->drop);
	char *text = json_dumps(doc, JSON_COMPACT);
	int fd, rc = -1;

	lake_buf_addf(&path, "%s/%s", lake->tmpdir, m->name);
	fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		lake_err_sys(e, lake_exit_for_errno(errno), "'%s': cannot create file", path.data);
		goto out;
	}
	if (lake_write_all(fd, text, strlen(text), path.data, e) < 0 ||
	    lake_write_all(fd, "\n", 1, path.data, e) < 0)
		goto out;
	if (fsync(fd) < 0) {
		lake_err_sys(e, LAKE_EX_IOERR, "'%s': fsync failed", path.data);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = lake_err_sys(e, LAKE_EX_IOERR, "'%s': close failed", path.data);
	if (rc == 0)
		rc = lake_fsync_dir(lake->tmpdir, e);
	if (rc < 0 && fd >= 0)
		unlink(path.data);
	free(text);
	json_decref(doc);
	lake_buf_release(&path);
	return rc;
}

int lake_table_move_start(struct lake *lake, int64_t table_id, const char *from, const char *to,
			  struct lake_table_move **out, struct lake_error *e)
{
	struct lake_buf a = LAKE_BUF_INIT, b = LAKE_BUF_INIT, name = LAKE_BUF_INIT;
	struct lake_table_move *m;
	int64_t now = lake_time_now();
	int rc = -1;

	*out = NULL;
	lake_path(lake, &a, from);
	if (!path_exists(a.data)) {
		lake_buf_release(&a);
		return 0;
	}
	m = lake_xcalloc(1, sizeof *m);
	m->pid = (int64_t)getpid();
	lake_buf_addf(&name, INTENT_PREFIX "%lld-%lld", (long long)m->pid, (long long)now);
	m->name = lake_buf_detach(&name);
	m->table_id = table_id;
	m->from = lake_xstrdup(from);
	m->drop = to == NULL;
	if (m->drop)
		lake_buf_addf(&name, "tmp/drop-%lld-%lld", (long long)m->pid, (long long)now);
	else
		lake_buf_addstr(&name, to);
	m->to = lake_buf_detach(&name);
	if (table_created(lake, table_id, &m->created, e) < 0 || write_intent(lake, m, e) < 0) {
		move_free(m);
		goto out;
	}
	*out = m;
	lake_fault_point();
	lake_path(lake, &b, m->to);
	if (move_dir(a.data, b.data, e) < 0)
		goto out;
	lake_fault_point();
	rc = 0;
out:
	lake_buf_release(&a);
	lake_buf_release(&b);
	return rc;
}

/*
 * Put the table's tree at cur, where the catalog has it, from wherever the
 * move left it; a tree already at cur stays.
 */
static int put_back(struct lake *lake, const struct lake_table_move *m, const char *cur,
		    struct lake_error *e)
{
	struct lake_buf want = LAKE_BUF_INIT, have = LAKE_BUF_INIT;
	int rc = 0;

	lake_path(lake, &want, cur);
	if (path_exists(want.data))
		goto out;
	rel_path(lake, &have, m->to);
	if (strcmp(m->to, cur) != 0 && path_exists(have.data)) {
		rc = move_dir(have.data, want.data, e);
		goto out;
	}
	rel_path(lake, &have, m->from);
	if (strcmp(m->from, cur) != 0 && path_exists(have.data))
		rc = move_dir(have.data, want.data, e);
out:
	lake_buf_release(&want);
	lake_buf_release(&have);
	return rc;
}

/* Step 4 (table_move.h), whoever runs it; the intent goes last. */
static int settle(struct lake *lake, const struct lake_table_move *m, struct lake_error *e)
{
	struct lake_buf path = LAKE_BUF_INIT;
	char *cur = NULL;
	int rc = -1;

	if (table_location(lake, m, &cur, e) < 0)
		goto out;
	/* A renamed table that has gone since (no cur) leaves its tree to check and crawl. */
	if (!cur && m->drop) {
		rel_path(lake, &path, m->to);
		if (remove_tree(path.data, e) < 0)
			goto out;
	} else if (cur && put_back(lake, m, cur, e) < 0) {
		goto out;
	}
	lake_fault_point();
	lake_buf_reset(&path);
	lake_buf_addf(&path, "%s/%s", lake->tmpdir, m->name);
	if (unlink(path.data) < 0 && errno != ENOENT) {
		lake_err_sys(e, LAKE_EX_IOERR, "'%s': cannot remove", path.data);
		goto out;
	}
	rc = 0;
out:
	free(cur);
	lake_buf_release(&path);
	return rc;
}

int lake_table_move_settle(struct lake *lake, struct lake_table_move *m, struct lake_error *e)
{
	int rc = m ? settle(lake, m, e) : 0;

	move_free(m);
	return rc;
}

/* The intent as write_intent wrote it; NULL when it cannot be read whole. */
static struct lake_table_move *read_intent(struct lake *lake, const char *name, int64_t pid)
{
	struct lake_buf path = LAKE_BUF_INIT;
	struct lake_table_move *m = NULL;
	json_t *doc;
	const char *created, *from, *to;

	lake_buf_addf(&path, "%s/%s", lake->tmpdir, name);
	doc = json_load_file(path.data, 0, NULL);
	lake_buf_release(&path);
	if (!doc)
		return NULL;
	created = json_string_value(json_object_get(doc, "created"));
	from = json_string_value(json_object_get(doc, "from"));
	to = json_string_value(json_object_get(doc, "to"));
	if (created && from && to && json_is_integer(json_object_get(doc, "table_id"))) {
		m = lake_xcalloc(1, sizeof *m);
		m->name = lake_xstrdup(name);
		m->pid = pid;
		m->table_id = json_integer_value(json_object_get(doc, "table_id"));
		m->created = lake_xstrdup(created);
		m->from = lake_xstrdup(from);
		m->to = lake_xstrdup(to);
		m->drop = json_is_true(json_object_get(doc, "drop"));
	}
	json_decref(doc);
	return m;
}

/*
 * Under the write lock, so that no two programs settle one intent at
 * once: read it again and settle it; 1 when another program settled it
 * meanwhile.  An intent that cannot be read was cut short by its
 * writer's death, before anything it describes was done: it goes.
 */
static int settle_found(struct lake *lake, struct lake_table_move_found *f,
			struct lake_table_move **m, struct lake_error *e)
{
	const char *name = f->intent + strlen("tmp/");
	struct lake_buf path = LAKE_BUF_INIT;
	int rc = -1;

	if (lake_catalog_begin(lake->catalog, e) < 0)
		return -1;
	lake_buf_addf(&path, "%s/%s", lake->tmpdir, name);
	if (!path_exists(path.data)) {
		rc = 1;
		goto out;
	}
	if ((*m = read_intent(lake, name, f->pid)) != NULL) {
		f->from = (*m)->from;
		f->to = (*m)->to;
		f->drop = (*m)->drop;
		rc = settle(lake, *m, e);
	} else if (unlink(path.data) < 0 && errno != ENOENT) {
		lake_err_sys(e, LAKE_EX_IOERR, "'%s': cannot remove", path.data);
	} else {
		rc = 0;
	}
	f->settled = rc == 0;
out:
	lake_catalog_rollback(lake->catalog);
	lake_buf_release(&path);
	return rc;
}

/* One intent whose writer is gone: settled (with settle_it), then told to fn. */
static int recover_one(struct lake *lake, const char *name, int64_t pid, int settle_it,
		       lake_table_move_fn fn, void *arg, struct lake_error *e)
{
	struct lake_buf rel = LAKE_BUF_INIT;
	struct lake_table_move *m = NULL;
	struct lake_table_move_found f = {0};
	int rc = 0;

	lake_buf_addf(&rel, "tmp/%s", name);
	f.intent = rel.data;
	f.pid = pid;
	if (settle_it) {
		rc = settle_found(lake, &f, &m, e);
	} else if ((m = read_intent(lake, name, pid)) != NULL) {
		f.from = m->from;
		f.to = m->to;
		f.drop = m->drop;
	}
	if (rc == 0 && fn && fn(&f, arg) != 0) {
		lake_error_clear(e);
		rc = -1;
	}
	move_free(m);
	lake_buf_release(&rel);
	return rc < 0 ? -1 : 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_intent_entry(const struct dirent *d)
{
	return lake_table_move_is_intent(d->d_name);
}

int lake_table_moves_recover(struct lake *lake, int settle_it, lake_table_move_fn fn, void *arg,
			     struct lake_error *e)
{
	struct dirent **names = NULL;
	int n, rc = 0;

	if ((n = scandir(lake->tmpdir, &names, is_intent_entry, by_name)) < 0)
		return lake_err_sys(e, LAKE_EX_IOERR, "'%s': cannot read directory", lake->tmpdir);
	for (int i = 0; i < n && rc == 0; i++) {
		int64_t pid = 0;

		parse_intent_name(names[i]->d_name, &pid);
		if (!lake_process_alive(pid))
			rc = recover_one(lake, names[i]->d_name, pid, settle_it, fn, arg, e);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
