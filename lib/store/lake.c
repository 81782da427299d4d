/* nftw(3), to give a new lake to its service group without following links, is XSI. */
#define _XOPEN_SOURCE 700

#include "store/lake.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/fsutil.h"
#include "base/ltime.h"
#include "store/table_move.h"

static const char *const lake_subdirs[] = {"data", "quarantine", "audit", "tmp"};

/* The login name of uid, or "uid:N" when it has none; malloc'd. */
static char *principal_of_uid(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	char fallback[32];

	if (pw && pw->pw_name && *pw->pw_name)
		return lake_xstrdup(pw->pw_name);
	snprintf(fallback, sizeof fallback, "uid:%lu", (unsigned long)uid);
	return lake_xstrdup(fallback);
}

char *lake_current_principal(void)
{
	return principal_of_uid(getuid());
}

static int has_lake_json(const char *dir)
{
	struct lake_buf p = LAKE_BUF_INIT;
	int found;

	lake_buf_addf(&p, "%s/lake.json", dir);
	found = faccessat(AT_FDCWD, p.data, F_OK, AT_EACCESS) == 0;
	lake_buf_release(&p);
	return found;
}

static int absolute(const char *dir, char **out, struct lake_error *e)
{
	char *abs = realpath(dir, NULL);

	if (!abs)
		return lake_err_sys(e, LAKE_EX_NOINPUT, "'%s'", dir);
	*out = abs;
	return 0;
}

/* The nearest directory strictly above abs that holds lake.json, or NULL; malloc'd. */
static char *enclosing_lake(const char *abs)
{
	char *dir = lake_xstrdup(abs);

	for (;;) {
		char *slash = strrchr(dir, '/');
		if (!slash || (slash == dir && dir[1] == '\0'))
			break;
		slash[slash == dir ? 1 : 0] = '\0';
		if (has_lake_json(dir))
			return dir;
	}
	free(dir);
	return NULL;
}

static int not_a_lake(const char *dir, const char *from, const char *abs, struct lake_error *e)
{
	struct stat st;
	char *outer;

	if (stat(abs, &st) == 0 && !S_ISDIR(st.st_mode))
		return lake_err(e, LAKE_EX_NOINPUT,
				"'%s' (from %s) is a file, not a lake directory", dir, from);
	if ((outer = enclosing_lake(abs)) != NULL) {
		lake_err(
		    e, LAKE_EX_NOINPUT,
		    "'%s' (from %s) is not a lake but lies inside the lake '%s'; use --lake %s",
		    dir, from, outer, outer);
		free(outer);
		return -1;
	}
	return lake_err(e, LAKE_EX_NOINPUT,
			"'%s' (from %s) is not a lake: it has no lake.json; create one with "
			"'lake-catalog init %s'",
			dir, from, dir);
}

static int explicit_lake(const char *dir, const char *from, char **out, struct lake_error *e)
{
	if (absolute(dir, out, e) < 0)
		return lake_err_wrap(e, "no lake at %s", from);
	if (!has_lake_json(*out)) {
		not_a_lake(dir, from, *out, e);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int search_upward(char **out, struct lake_error *e)
{
	char *dir = getcwd(NULL, 0);

	if (!dir)
		return lake_err_sys(e, LAKE_EX_NOINPUT, "cannot read the working directory");
	for (;;) {
		if (has_lake_json(dir)) {
			*out = dir;
			return 0;
		}
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir) {
			if (slash && dir[1] != '\0') {
				dir[1] = '\0';
				continue;
			}
			break;
		}
		*slash = '\0';
	}
	free(dir);
	return lake_err(
	    e, LAKE_EX_NOINPUT,
	    "no lake found: none given with --lake or $LAKE_DIR, and no lake.json in "
	    "the working directory or above it; create one with 'lake-catalog init DIR'");
}

int lake_find(const char *opt_dir, char **dir, struct lake_error *e)
{
	const char *env = getenv("LAKE_DIR");

	*dir = NULL;
	if (opt_dir)
		return explicit_lake(opt_dir, "--lake", dir, e);
	if (env && *env)
		return explicit_lake(env, "$LAKE_DIR", dir, e);
	return search_upward(dir, e);
}

static int write_lake_json(const char *dir, const char *tmpdir, struct lake_error *e)
{
	struct lake_buf path = LAKE_BUF_INIT;
	char now[40];
	char *owner = lake_current_principal(), *text;
	json_t *doc;
	int rc;

	lake_time_format_timestamp(lake_time_now(), now);
	doc = json_pack("{s:i, s:s, s:s}", "format", LAKE_FORMAT, "created", now, "owner", owner);
	text = json_dumps(doc, JSON_COMPACT);
	lake_buf_addf(&path, "%s/lake.json", dir);
	{
		struct lake_buf content = LAKE_BUF_INIT;
		lake_buf_addf(&content, "%s\n", text);
		rc = lake_write_file_atomic(tmpdir, path.data, content.data, content.len, e);
		lake_buf_release(&content);
	}
	free(text);
	json_decref(doc);
	free(owner);
	lake_buf_release(&path);
	return rc;
}

int lake_init(const char *dir, struct lake_error *e)
{
	struct lake_buf p = LAKE_BUF_INIT;
	struct lake_catalog *cat = NULL;
	char *abs = NULL, *outer = NULL;
	int rc = -1;

	/*
	 * Running setgid, whatever the programs create belongs to the service
	 * group: a lake made so would be its maker's (lake.json's owner is an
	 * administrator) and yet reach the group's files.  Only root gives the
	 * group a lake.
	 */
	if (lake_setgid_mode() && getuid() != 0) {
		lake_err(e, LAKE_EX_NOPERM,
			 "'%s': only root creates a lake for this installation's service group "
			 "(as root: lake-catalog init DIR --group GROUP)",
			 dir);
		goto out;
	}
	if (lake_mkdirs(dir, 0755, e) < 0)
		goto out;
	if (absolute(dir, &abs, e) < 0)
		goto out;
	if (has_lake_json(abs)) {
		lake_err(e, LAKE_EX_CANTCREAT, "'%s' is already a lake", dir);
		goto out;
	}
	if ((outer = enclosing_lake(abs)) != NULL) {
		lake_err(e, LAKE_EX_CANTCREAT,
			 "'%s' lies inside the lake '%s'; a lake cannot hold another, choose a "
			 "directory outside it",
			 dir, outer);
		goto out;
	}
	for (size_t i = 0; i < sizeof lake_subdirs / sizeof lake_subdirs[0]; i++) {
		lake_buf_reset(&p);
		lake_buf_addf(&p, "%s/%s", abs, lake_subdirs[i]);
		if (lake_mkdirs(p.data, 0755, e) < 0)
			goto out;
	}
	lake_buf_reset(&p);
	lake_buf_addf(&p, "%s/catalog.db", abs);
	if (lake_catalog_open(p.data, 1, &cat, e) < 0)
		goto out;
	/* lake.json last: it is what makes the directory a lake, so a failed init leaves none. */
	lake_buf_reset(&p);
	lake_buf_addf(&p, "%s/tmp", abs);
	if (write_lake_json(abs, p.data, e) < 0)
		goto out;
	rc = 0;
out:
	lake_catalog_close(cat);
	free(abs);
	free(outer);
	lake_buf_release(&p);
	return rc;
}

static int check_format(const char *dir, char **owner, struct lake_error *e)
{
	struct lake_buf path = LAKE_BUF_INIT;
	json_error_t jerr;
	json_t *doc;
	int rc = 0;

	lake_buf_addf(&path, "%s/lake.json", dir);
	doc = json_load_file(path.data, 0, &jerr);
	if (!doc)
		rc = lake_err(e, LAKE_EX_DATAERR, "'%s':%d:%d: %s", path.data, jerr.line,
			      jerr.column, jerr.text);
	else if (json_integer_value(json_object_get(doc, "format")) != LAKE_FORMAT)
		rc = lake_err(
		    e, LAKE_EX_UNAVAILABLE,
		    "'%s': lake format %lld is not %d, the one this program reads", path.data,
		    (long long)json_integer_value(json_object_get(doc, "format")), LAKE_FORMAT);
	else if (json_is_string(json_object_get(doc, "owner")))
		*owner = lake_xstrdup(json_string_value(json_object_get(doc, "owner")));
	json_decref(doc);
	lake_buf_release(&path);
	return rc;
}

static int resolve_group(const char *group, gid_t *gid, struct lake_error *e)
{
	struct group *g = getgrnam(group);
	char *end;
	long n;

	if (g) {
		*gid = g->gr_gid;
		return 0;
	}
	n = strtol(group, &end, 10);
	if (*group && !*end && n >= 0) {
		*gid = (gid_t)n;
		return 0;
	}
	return lake_err(e, LAKE_EX_NOINPUT, "--group '%s': no such group", group);
}

static gid_t service_gid;
static struct lake_error *group_err;

static int give_to_group(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D && type != FTW_F)
		return 0;
	if (lchown(path, (uid_t)-1, service_gid) < 0 ||
	    chmod(path, S_ISDIR(sb->st_mode) ? 02770 : 0660) < 0)
		return lake_err_sys(group_err, LAKE_EX_NOPERM, "'%s': cannot give it to the group",
				    path);
	return 0;
}

int lake_init_group(const char *dir, const char *group, struct lake_error *e)
{
	if (resolve_group(group, &service_gid, e) < 0)
		return -1;
	group_err = e;
	return nftw(dir, give_to_group, 16, FTW_PHYS) == 0 ? 0 : -1;
}

/*
 * Running setgid, the programs reach only a lake of their service group:
 * a directory named by --lake or $LAKE_DIR that the group does not own
 * could be anyone's, made to be written with the group's rights.
 */
static int check_service_group(const char *dir, struct lake_error *e)
{
	struct stat st;

	/*
	 * A lake closed to others is a group's (lake-catalog init --group):
	 * what any program adds is for the whole group, and not for others.
	 */
	if (stat(dir, &st) == 0 && !(st.st_mode & S_IRWXO))
		umask(007);
	if (!lake_setgid_mode())
		return 0;
	if (stat(dir, &st) < 0 || st.st_gid != getegid() || (st.st_mode & S_IWOTH))
		return lake_err(e, LAKE_EX_NOPERM,
				"'%s' is not a lake of this installation's service group (gid %d): "
				"the programs run setgid and only open their own group's lakes",
				dir, (int)getegid());
	return 0;
}

/*
 * Running setgid, the lake's own entries must be what they seem: a
 * catalog.db or data/ that is a symbolic link would lead the group's
 * rights into another lake (a user's lake whose catalog.db points at the
 * real one).  Each is checked without following links: of the service
 * group, not writable by others, a file or a directory as it should be.
 */
static int check_entries(const char *dir, struct lake_error *e)
{
	static const struct {
		const char *name;
		mode_t type;
	} entries[] = {{"lake.json", S_IFREG},	{"catalog.db", S_IFREG}, {"data", S_IFDIR},
		       {"quarantine", S_IFDIR}, {"audit", S_IFDIR},	 {"tmp", S_IFDIR}};
	struct lake_buf p = LAKE_BUF_INIT;
	struct stat st;
	int rc = 0;

	if (!lake_setgid_mode())
		return 0;
	for (size_t i = 0; rc == 0 && i < sizeof entries / sizeof entries[0]; i++) {
		lake_buf_reset(&p);
		lake_buf_addf(&p, "%s/%s", dir, entries[i].name);
		if (lstat(p.data, &st) < 0)
			continue; /* missing: opening it fails with its own message */
		if (S_ISLNK(st.st_mode))
			rc = lake_err(e, LAKE_EX_NOPERM,
				      "'%s' is a symbolic link: the programs run setgid and never "
				      "follow one out of a lake",
				      p.data);
		else if ((st.st_mode & S_IFMT) != entries[i].type || st.st_gid != getegid() ||
			 (st.st_mode & S_IWOTH))
			rc = lake_err(
			    e, LAKE_EX_NOPERM,
			    "'%s' is not the service group's %s (gid %d, closed to others)", p.data,
			    entries[i].type == S_IFDIR ? "directory" : "file", (int)getegid());
	}
	lake_buf_release(&p);
	return rc;
}

/*
 * lake.json names the lake's owner, an administrator.  Running setgid,
 * the name counts only when it is the lake directory's real owner:
 * lake.json is a file the service group may write, so its word alone is
 * not proof.
 */
static void vouch_owner(struct lake *lake)
{
	struct stat st;
	char *real;

	if (!lake_setgid_mode() || !lake->owner)
		return;
	real = stat(lake->dir, &st) == 0 ? principal_of_uid(st.st_uid) : NULL;
	if (!real || strcmp(real, lake->owner) != 0) {
		free(lake->owner);
		lake->owner = NULL;
	}
	free(real);
}

/*
 * A rename or drop killed halfway left its table's directory where the
 * catalog does not look for it (table_move.h): put it right before anyone
 * reads the table or crawls the tree.  Best effort: a program that cannot
 * (a busy or read-only catalog) still opens the lake, and lake-catalog
 * check reports what is left.
 */
static void settle_moves(struct lake *lake)
{
	struct lake_error ignored = {0};

	lake_table_moves_recover(lake, 1, NULL, NULL, &ignored);
}

int lake_open(const char *opt_dir, struct lake **out, struct lake_error *e)
{
	struct lake *lake = lake_xcalloc(1, sizeof *lake);
	struct lake_buf p = LAKE_BUF_INIT;

	*out = NULL;
	if (lake_find(opt_dir, &lake->dir, e) < 0 || check_service_group(lake->dir, e) < 0 ||
	    check_entries(lake->dir, e) < 0 || check_format(lake->dir, &lake->owner, e) < 0)
		goto fail;
	vouch_owner(lake);
	lake_buf_addf(&p, "%s/tmp", lake->dir);
	lake->tmpdir = lake_buf_detach(&p);
	lake->principal = lake_current_principal();
	lake_buf_addf(&p, "%s/catalog.db", lake->dir);
	if (lake_catalog_open(p.data, 0, &lake->catalog, e) < 0)
		goto fail;
	settle_moves(lake);
	lake_buf_release(&p);
	*out = lake;
	return 0;
fail:
	lake_buf_release(&p);
	lake_close(lake);
	return -1;
}

void lake_close(struct lake *lake)
{
	if (!lake)
		return;
	lake_catalog_close(lake->catalog);
	free(lake->dir);
	free(lake->tmpdir);
	free(lake->principal);
	free(lake->owner);
	if (lake->identity_release)
		lake->identity_release(lake->identity);
	free(lake->acting);
	free(lake);
}

void lake_path(const struct lake *lake, struct lake_buf *out, const char *rel)
{
	lake_buf_addf(out, "%s/%s", lake->dir, rel);
}
