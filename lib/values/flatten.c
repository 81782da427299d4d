#include "values/flatten.h"

#include <string.h>

/* The key's decoded text appended to path (after a dot when path is not empty). */
static void add_key(struct lake_buf *path, const struct lake_jmember *m)
{
	if (path->len)
		lake_buf_addc(path, '.');
	if (!m->key_has_escape) {
		lake_buf_add(path, m->key, m->key_len);
		return;
	}
	lake_buf_grow(path, m->key_len + 1);
	long n = lake_jstring_decode_raw(m->key, m->key_len, path->data + path->len);
	path->len += n > 0 ? (size_t)n : 0;
	path->data[path->len] = '\0';
}

static int has_members(const struct lake_jvalue *obj)
{
	struct lake_jiter it;
	struct lake_jmember m;

	lake_jiter_begin(&it, obj);
	return lake_jobject_next(&it, &m);
}

static int flatten(const struct lake_jvalue *obj, struct lake_buf *path, struct lake_buf *out,
		   int *empty, lake_flatten_array_fn fn, void *arg)
{
	struct lake_jiter it;
	struct lake_jmember m;
	int rc = 0;

	lake_jiter_begin(&it, obj);
	while (rc == 0 && lake_jobject_next(&it, &m)) {
		size_t at = path->len;
		/* A null is no column: absent reads as null, and a null object makes no stray
		 * column. */
		if (m.value.type == LAKE_JNULL)
			continue;
		add_key(path, &m);
		if (m.value.type == LAKE_JOBJECT && has_members(&m.value)) {
			rc = flatten(&m.value, path, out, empty, fn, arg);
		} else if (m.value.type == LAKE_JARRAY && fn) {
			rc = fn(path->data, &m.value, arg);
		} else {
			/* An empty object has no members to become columns: it stays one, as {}. */
			if (!*empty)
				lake_buf_addc(out, ',');
			*empty = 0;
			lake_buf_add_json_string(out, path->data, path->len);
			lake_buf_addc(out, ':');
			lake_buf_add(out, m.value.start, m.value.len);
		}
		path->len = at;
		if (path->data)
			path->data[at] = '\0';
	}
	return rc;
}

int lake_flatten_members(const char *obj, size_t len, struct lake_buf *out, int *empty,
			 lake_flatten_array_fn fn, void *arg)
{
	struct lake_jvalue root = lake_json_root(obj, len);
	struct lake_buf path = LAKE_BUF_INIT;
	int rc;

	lake_buf_add(&path, "", 0);
	rc = flatten(&root, &path, out, empty, fn, arg);
	lake_buf_release(&path);
	return rc;
}
