/* audit.c - appending and reading audit events: see audit.h. */
#include "govern/audit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/ltime.h"

static const char *program = "lake";

void lake_audit_set_program(const char *name)
{
	program = name;
}

static void add_field(struct lake_buf *b, const char *key, const char *value)
{
	lake_buf_addf(b, ",\"%s\":", key);
	if (value)
		lake_buf_add_json_string_utf8(b, value, strlen(value));
	else
		lake_buf_addstr(b, "null");
}

static void format_event(struct lake *lake, const struct lake_audit_event *ev, const char *now,
			 struct lake_buf *b)
{
	struct lake_buf self = LAKE_BUF_INIT;

	lake_buf_addf(&self, "user:%s", lake->principal);
	lake_buf_addstr(b, "{\"time\":");
	lake_buf_add_json_string(b, now, strlen(now));
	add_field(b, "principal", lake->acting ? lake->acting : self.data);
	if (lake->acting && strcmp(lake->acting, self.data) != 0)
		add_field(b, "acting_user", self.data); /* --as: who really ran it */
	lake_buf_release(&self);
	add_field(b, "program", program);
	add_field(b, "action", ev->action);
	add_field(b, "object", ev->object);
	add_field(b, "outcome", ev->outcome ? ev->outcome : "ok");
	lake_buf_addf(b, ",\"rows\":%llu,\"bytes\":%llu", (unsigned long long)ev->rows,
		      (unsigned long long)ev->bytes);
	add_field(b, "sql", ev->sql);
	lake_buf_addstr(b, ",\"duration_ms\":");
	lake_buf_add_double(b, (double)ev->duration_us / 1000.0);
	if (ev->error)
		add_field(b, "error", ev->error);
	if (ev->reads && json_object_size(ev->reads)) {
		char *reads = json_dumps(ev->reads, JSON_COMPACT | JSON_SORT_KEYS);
		lake_buf_addf(b, ",\"reads\":%s", reads);
		free(reads);
	}
	lake_buf_addstr(b, "}\n");
}

int lake_audit(struct lake *lake, const struct lake_audit_event *ev)
{
	struct lake_buf line = LAKE_BUF_INIT, path = LAKE_BUF_INIT;
	char now[40];
	ssize_t w = -1;
	int fd;

	lake_time_format_timestamp(lake_time_now(), now);
	format_event(lake, ev, now, &line);
	lake_buf_addf(&path, "%s/audit/%.10s.ndjson", lake->dir, now);
	/* 0660: in a group's lake (lake-catalog init --group) every member's programs append. */
	fd = open(path.data, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660);
	if (fd >= 0) {
		/* One write: O_APPEND puts the whole line at the end, whoever else is writing. */
		w = write(fd, line.data, line.len);
		close(fd);
	}
	int ok = w == (ssize_t)line.len;
	if (!ok)
		fprintf(stderr, "%s: warning: '%s': cannot append the audit event: %s\n", program,
			path.data, strerror(errno));
	lake_buf_release(&line);
	lake_buf_release(&path);
	return ok ? 0 : -1;
}

void lake_audit_denied(struct lake *lake, const char *what, const char *object)
{
	struct lake_audit_event ev = {what, object, "denied", 0, 0, lake->sql, 0, NULL, NULL};

	lake_audit(lake, &ev);
}

/* ---- reading ---- */

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The day files at or after since's day, sorted. */
static char **day_files(const char *dir, const char *since, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;

	*n = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len != 17 || strcmp(de->d_name + 10, ".ndjson") != 0)
			continue;
		if (since && strncmp(de->d_name, since, 10) < 0)
			continue;
		names = lake_xrealloc(names, (*n + 1) * sizeof *names);
		names[(*n)++] = lake_xstrdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof *names, by_name);
	return names;
}

static int wanted(json_t *ev, const char *since, const char *principal, const char *object)
{
	const char *t = json_string_value(json_object_get(ev, "time"));
	const char *p = json_string_value(json_object_get(ev, "principal"));
	const char *o = json_string_value(json_object_get(ev, "object"));
	const char *sql = json_string_value(json_object_get(ev, "sql"));

	if (since && (!t || strcmp(t, since) < 0))
		return 0;
	if (principal && (!p || strcmp(p, principal) != 0))
		return 0;
	if (object && !(o && strcmp(o, object) == 0) && !(sql && strstr(sql, object)))
		return 0;
	return 1;
}

static int read_day(const char *path, const char *since, const char *principal, const char *object,
		    lake_audit_fn fn, void *arg)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int stop = 0;

	if (!f)
		return 0;
	while (!stop && getline(&line, &cap, f) > 0) {
		json_t *ev = json_loads(line, 0, NULL);
		if (ev && wanted(ev, since, principal, object))
			stop = fn(ev, arg);
		json_decref(ev);
	}
	free(line);
	fclose(f);
	return stop;
}

int lake_audit_read(struct lake *lake, const char *since, const char *principal, const char *object,
		    lake_audit_fn fn, void *arg, struct lake_error *e)
{
	struct lake_buf dir = LAKE_BUF_INIT, path = LAKE_BUF_INIT;
	size_t n;
	char **days;
	int stop = 0;

	(void)e;
	lake_buf_addf(&dir, "%s/audit", lake->dir);
	days = day_files(dir.data, since, &n);
	for (size_t i = 0; i < n; i++) {
		lake_buf_reset(&path);
		lake_buf_addf(&path, "%s/%s", dir.data, days[i]);
		if (!stop)
			stop = read_day(path.data, since, principal, object, fn, arg);
		free(days[i]);
	}
	free(days);
	lake_buf_release(&dir);
	lake_buf_release(&path);
	return 0;
}
