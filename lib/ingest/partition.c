/*
 * partition.c - where a landed record goes: --partition-by's parsing, and
 * each record's partition path from its fields (a time field cut to its
 * grain, a value escaped as Hive escapes it) or the values given with it.
 */
#include "ingest/put_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/ltime.h"
#include "base/names.h"
#include "values/jscan.h"

static int parse_grain(const char *s, enum lake_time_grain *g)
{
	static const struct {
		const char *name;
		enum lake_time_grain grain;
	} grains[] = {{"year", LAKE_GRAIN_YEAR},
		      {"month", LAKE_GRAIN_MONTH},
		      {"day", LAKE_GRAIN_DAY},
		      {"hour", LAKE_GRAIN_HOUR}};

	for (size_t i = 0; i < sizeof grains / sizeof grains[0]; i++)
		if (strcmp(s, grains[i].name) == 0) {
			*g = grains[i].grain;
			return 0;
		}
	return -1;
}

int lake_partition_by_parse(const char *spec, struct lake_partition_by *out, struct lake_error *e)
{
	const char *eq = strchr(spec, '='), *colon;

	memset(out, 0, sizeof *out);
	if (!eq || eq == spec || !eq[1])
		return lake_err(e, LAKE_EX_USAGE,
				"'%s': --partition-by takes KEY=FIELD[:year|month|day|hour]", spec);
	colon = strrchr(eq + 1, ':');
	out->key = lake_xstrndup(spec, (size_t)(eq - spec));
	if (colon) {
		out->field = lake_xstrndup(eq + 1, (size_t)(colon - eq - 1));
		out->has_grain = 1;
		if (parse_grain(colon + 1, &out->grain) < 0 || !*out->field) {
			lake_err(e, LAKE_EX_USAGE,
				 "'%s': unknown time grain '%s'; use year, month, day or hour",
				 spec, colon + 1);
			lake_partition_by_release(out);
			return -1;
		}
	} else {
		out->field = lake_xstrdup(eq + 1);
	}
	return 0;
}

void lake_partition_by_release(struct lake_partition_by *pb)
{
	free(pb->key);
	free(pb->field);
	pb->key = pb->field = NULL;
}

/* Find a field by name, or by a dotted path into nested objects when no field has the whole name.
 */
static int json_field(const struct lake_record *rec, const char *name, struct lake_jvalue *v)
{
	const char *text = rec->json, *dot;
	size_t len = rec->json_len;

	if (lake_jobject_get(text, len, name, strlen(name), v))
		return 1;
	while ((dot = strchr(name, '.')) != NULL) {
		if (!lake_jobject_get(text, len, name, (size_t)(dot - name), v) ||
		    v->type != LAKE_JOBJECT)
			return 0;
		text = v->start;
		len = v->len;
		name = dot + 1;
		if (lake_jobject_get(text, len, name, strlen(name), v))
			return 1;
	}
	return 0;
}

static const char *time_value(struct lake_put *p, const struct lake_partition_by *pb, const char *s,
			      size_t n, int is_number, struct lake_buf *out)
{
	int64_t micros;
	char text[40];
	double d;
	int64_t i;

	if (!is_number && lake_time_parse(s, n, &micros) != LAKE_TIME_NONE)
		goto ok;
	if (lake_text_number_parse(s, n, &i, &d) != LAKE_JNUM_BAD &&
	    lake_time_from_epoch(d, &micros) == 0)
		goto ok;
	snprintf(
	    p->why, sizeof p->why,
	    "field '%s': '%.*s' is not a timestamp (ISO-8601, or epoch seconds or milliseconds)",
	    pb->field, n > 64 ? 64 : (int)n, s);
	return p->why;
ok:
	lake_buf_add(out, text, lake_time_format_grain(micros, pb->grain, text));
	return NULL;
}

/*
 * The partition value of one record for pb, into out; *is_null when the
 * record has none.  Returns NULL or the reason the record is bad.
 */
static const char *json_partition_value(struct lake_put *p, const struct lake_partition_by *pb,
					const struct lake_record *rec, struct lake_buf *out,
					int *is_null)
{
	struct lake_jvalue v;
	long n;

	*is_null = 0;
	if (!json_field(rec, pb->field, &v)) {
		if (!p->totals.missing_field++)
			snprintf(p->totals.missing_field_name, sizeof p->totals.missing_field_name,
				 "%s", pb->field);
		*is_null = 1;
		return NULL;
	}
	if (v.type == LAKE_JNULL) {
		*is_null = 1;
		return NULL;
	}
	switch (v.type) {
	case LAKE_JSTRING:
		lake_buf_reset(&p->scratch);
		lake_buf_grow(&p->scratch, v.len);
		n = lake_jstring_decode(&v, p->scratch.data);
		if (n < 0)
			return "malformed string";
		if (pb->has_grain)
			return time_value(p, pb, p->scratch.data, (size_t)n, 0, out);
		lake_buf_add(out, p->scratch.data, (size_t)n);
		return NULL;
	case LAKE_JNUMBER:
		if (pb->has_grain)
			return time_value(p, pb, v.start, v.len, 1, out);
		lake_buf_add(out, v.start, v.len);
		return NULL;
	case LAKE_JTRUE:
	case LAKE_JFALSE:
		if (pb->has_grain)
			return time_value(p, pb, v.start, v.len, 0, out);
		lake_buf_addstr(out, v.type == LAKE_JTRUE ? "true" : "false");
		return NULL;
	default:
		snprintf(p->why, sizeof p->why,
			 "field '%s' is an object or array; a partition value must be a string, "
			 "number or boolean",
			 pb->field);
		return p->why;
	}
}

static const char *csv_partition_value(struct lake_put *p, size_t which,
				       const struct lake_record *rec, struct lake_buf *out,
				       int *is_null)
{
	const struct lake_partition_by *pb = &p->o.dynamic[which];
	long col = p->dyn_column[which];
	const char *s = rec->field[col];
	size_t n = rec->field_len[col];

	*is_null = s == NULL;
	if (!s)
		return NULL;
	if (pb->has_grain)
		return time_value(p, pb, s, n, 0, out);
	lake_buf_add(out, s, n);
	return NULL;
}

/* A directory name has at most 255 bytes (NAME_MAX); an escaped key=value may be longer. */
static const char *segment_too_long(struct lake_put *p)
{
	const char *seg = p->key.data;

	while (*seg) {
		const char *slash = strchr(seg, '/');
		size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
		if (n > 255) {
			snprintf(
			    p->why, sizeof p->why,
			    "partition directory '%.40s...' would be %zu bytes long, more than "
			    "the 255 a file name may have",
			    seg, n);
			return p->why;
		}
		seg += n + (slash != NULL);
	}
	return NULL;
}

/* Build the record's partition path into p->key; NULL or why the record is bad. */
const char *lake_put_partition_of(struct lake_put *p, const struct lake_record *rec)
{
	size_t ns = p->o.nstatic;

	for (size_t i = 0; i < p->o.ndynamic; i++) {
		int is_null;
		const char *why;
		lake_buf_reset(&p->values[i]);
		lake_buf_add(&p->values[i], "", 0);
		if (p->values_given) {
			/* Only read: lake_partition_path takes the values as they are. */
			p->kv[ns + i].value = (char *)p->given_values[i];
			continue;
		}
		why = p->csv_in
			  ? csv_partition_value(p, i, rec, &p->values[i], &is_null)
			  : json_partition_value(p, &p->o.dynamic[i], rec, &p->values[i], &is_null);
		if (why)
			return why;
		p->kv[ns + i].value = is_null ? NULL : p->values[i].data;
	}
	lake_buf_reset(&p->key);
	lake_buf_add(&p->key, "", 0);
	lake_partition_path(&p->key, p->kv, ns + p->o.ndynamic);
	return segment_too_long(p);
}
