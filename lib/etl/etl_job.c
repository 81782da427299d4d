/* etl_job.c - a job's definition: its JSON file, checked. */
#include "etl/etl.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/names.h"

static const char *const mode_names[] = {"append", "overwrite", "overwrite-partitions"};

int lake_etl_mode_parse(const char *s, enum lake_etl_mode *m)
{
	for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*m = (enum lake_etl_mode)i;
			return 0;
		}
	return -1;
}

const char *lake_etl_mode_name(enum lake_etl_mode m)
{
	return mode_names[m];
}

static int check_qualified(const char *what, const char *q, struct lake_error *e)
{
	char db[LAKE_NAME_MAX + 1], t[LAKE_NAME_MAX + 1];

	if (lake_name_split(q, db, t, e) < 0)
		return lake_err_wrap(e, "%s", what);
	return 0;
}

int lake_etl_job_check(const struct lake_etl_job *job, struct lake_error *e)
{
	if (!job->name || lake_name_check("job", job->name, e) < 0)
		return job->name ? -1 : lake_err(e, LAKE_EX_USAGE, "the job has no name");
	if (!job->sql || !*job->sql)
		return lake_err(e, LAKE_EX_USAGE, "job '%s' has no SQL", job->name);
	if (!job->target)
		return lake_err(e, LAKE_EX_USAGE, "job '%s' has no target table", job->name);
	if (check_qualified("target", job->target, e) < 0)
		return -1;
	if (strcmp(job->format, "ndjson") != 0 && strcmp(job->format, "csv") != 0 &&
	    strcmp(job->format, "parquet") != 0)
		return lake_err(e, LAKE_EX_USAGE,
				"job '%s': format '%s' is not one of ndjson, csv (both written "
				"zstd-compressed), parquet",
				job->name, job->format);
	for (size_t i = 0; i < job->nbookmark; i++)
		if (check_qualified("bookmark", job->bookmark[i], e) < 0)
			return -1;
	for (size_t i = 0; i < job->npartition_by; i++) {
		if (!*job->partition_by[i])
			return lake_err(e, LAKE_EX_USAGE, "job '%s': an empty partition_by column",
					job->name);
		for (size_t j = 0; j < i; j++)
			if (strcmp(job->partition_by[i], job->partition_by[j]) == 0)
				return lake_err(e, LAKE_EX_USAGE,
						"job '%s': partition_by names '%s' twice",
						job->name, job->partition_by[i]);
	}
	if (job->flatten && strcmp(job->format, "csv") == 0)
		return lake_err(
		    e, LAKE_EX_USAGE,
		    "job '%s': flatten writes ndjson or parquet (its columns vary with the data); "
		    "drop format csv",
		    job->name);
	if (job->mode == LAKE_ETL_OVERWRITE_PARTITIONS && !job->npartition_by)
		return lake_err(e, LAKE_EX_USAGE,
				"job '%s': mode overwrite-partitions needs partition_by (use "
				"overwrite to replace the whole table)",
				job->name);
	return 0;
}

static char *dup_string(json_t *v)
{
	return json_is_string(v) ? lake_xstrdup(json_string_value(v)) : NULL;
}

/* A JSON array of strings, or one string, as a list. */
static int string_list(json_t *v, const char *key, const char *where, char ***out, size_t *n,
		       struct lake_error *e)
{
	size_t i;
	json_t *s;

	*out = NULL;
	*n = 0;
	if (!v)
		return 0;
	if (json_is_string(v)) {
		*out = lake_xcalloc(1, sizeof **out);
		(*out)[(*n)++] = lake_xstrdup(json_string_value(v));
		return 0;
	}
	if (!json_is_array(v))
		return lake_err(e, LAKE_EX_DATAERR, "%s: \"%s\" must be a list of strings", where,
				key);
	*out = lake_xcalloc(json_array_size(v) + 1, sizeof **out);
	json_array_foreach(v, i, s)
	{
		if (!json_is_string(s))
			return lake_err(e, LAKE_EX_DATAERR, "%s: \"%s\" must be a list of strings",
					where, key);
		(*out)[(*n)++] = lake_xstrdup(json_string_value(s));
	}
	return 0;
}

static const char *const job_keys[] = {"name",	       "description", "sql",	  "target", "mode",
				       "partition_by", "format",      "bookmark", "flatten"};

static int unknown_keys(json_t *root, const char *where, struct lake_error *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(root, key, v)
	{
		size_t i;
		for (i = 0; i < sizeof job_keys / sizeof job_keys[0]; i++)
			if (strcmp(key, job_keys[i]) == 0)
				break;
		if (i == sizeof job_keys / sizeof job_keys[0])
			return lake_err(e, LAKE_EX_DATAERR,
					"%s: unknown key \"%s\" (a job has name, sql, target, "
					"mode, partition_by, format, bookmark, flatten, "
					"description)",
					where, key);
	}
	return 0;
}

static int require_string(json_t *root, const char *key, const char *where, struct lake_error *e)
{
	json_t *v = json_object_get(root, key);

	if (v && !json_is_string(v))
		return lake_err(e, LAKE_EX_DATAERR, "%s: \"%s\" must be a string", where, key);
	return 0;
}

/* "flatten": true, false, or {"key": [columns]} */
static int parse_flatten(json_t *v, const char *where, struct lake_etl_job *job,
			 struct lake_error *e)
{
	const char *key;
	json_t *k;

	if (!v || json_is_false(v))
		return 0;
	job->flatten = 1;
	if (json_is_true(v))
		return 0;
	if (!json_is_object(v))
		return lake_err(e, LAKE_EX_DATAERR,
				"%s: \"flatten\" is true or {\"key\": [columns]}", where);
	json_object_foreach(v, key, k)
	{
		if (strcmp(key, "key") != 0)
			return lake_err(e, LAKE_EX_DATAERR,
					"%s: unknown key \"%s\" in \"flatten\" (it has key)", where,
					key);
	}
	return string_list(json_object_get(v, "key"), "flatten.key", where, &job->flatten_key,
			   &job->nflatten_key, e);
}

int lake_etl_job_parse(const char *text, const char *where, struct lake_etl_job *job,
		       struct lake_error *e)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	const char *mode;
	int rc = -1;

	memset(job, 0, sizeof *job);
	job->format = lake_xstrdup("ndjson");
	if (!root)
		return lake_err(e, LAKE_EX_DATAERR, "%s:%d:%d: %s", where, je.line, je.column,
				je.text);
	if (!json_is_object(root)) {
		lake_err(e, LAKE_EX_DATAERR, "%s: a job is a JSON object", where);
		goto out;
	}
	if (unknown_keys(root, where, e) < 0)
		goto out;
	static const char *const strings[] = {"name",	"description", "sql",
					      "target", "mode",	       "format"};
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
		if (require_string(root, strings[i], where, e) < 0)
			goto out;
	job->name = dup_string(json_object_get(root, "name"));
	job->description = dup_string(json_object_get(root, "description"));
	job->sql = dup_string(json_object_get(root, "sql"));
	job->target = dup_string(json_object_get(root, "target"));
	if (json_object_get(root, "format")) {
		free(job->format);
		job->format = dup_string(json_object_get(root, "format"));
	}
	mode = json_string_value(json_object_get(root, "mode"));
	if (mode && lake_etl_mode_parse(mode, &job->mode) < 0) {
		lake_err(e, LAKE_EX_DATAERR,
			 "%s: mode \"%s\" is not one of append, overwrite, overwrite-partitions",
			 where, mode);
		goto out;
	}
	if (string_list(json_object_get(root, "partition_by"), "partition_by", where,
			&job->partition_by, &job->npartition_by, e) < 0 ||
	    string_list(json_object_get(root, "bookmark"), "bookmark", where, &job->bookmark,
			&job->nbookmark, e) < 0)
		goto out;
	if (parse_flatten(json_object_get(root, "flatten"), where, job, e) < 0)
		goto out;
	if (lake_etl_job_check(job, e) < 0) {
		lake_err_wrap(e, "%s", where);
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int lake_etl_job_load(const char *path, struct lake_etl_job *job, struct lake_error *e)
{
	char *text;
	size_t len;
	int rc;

	memset(job, 0, sizeof *job);
	if (lake_read_file(path, &text, &len, e) < 0)
		return -1;
	rc = lake_etl_job_parse(text, path, job, e);
	free(text);
	return rc;
}

static json_t *list_json(char **v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *lake_etl_job_json(const struct lake_etl_job *job)
{
	json_t *j =
	    json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o}", "name", job->name, "sql", job->sql,
		      "target", job->target, "mode", lake_etl_mode_name(job->mode), "partition_by",
		      list_json(job->partition_by, job->npartition_by), "format", job->format,
		      "bookmark", list_json(job->bookmark, job->nbookmark));

	if (job->description)
		json_object_set_new(j, "description", json_string(job->description));
	if (job->flatten)
		json_object_set_new(
		    j, "flatten",
		    json_pack("{s:o}", "key", list_json(job->flatten_key, job->nflatten_key)));
	return j;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void lake_etl_job_release(struct lake_etl_job *job)
{
	free(job->name);
	free(job->description);
	free(job->sql);
	free(job->target);
	free(job->format);
	free_list(job->partition_by, job->npartition_by);
	free_list(job->bookmark, job->nbookmark);
	free_list(job->flatten_key, job->nflatten_key);
	memset(job, 0, sizeof *job);
}
