#include "manage/ddl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "store/table_props.h"

static const char *const dialect_names[] = {"athena", "spark", "trino", "duckdb"};

int lake_ddl_dialect_parse(const char *s, enum lake_ddl_dialect *d)
{
	for (size_t i = 0; i < sizeof dialect_names / sizeof dialect_names[0]; i++)
		if (strcmp(s, dialect_names[i]) == 0) {
			*d = (enum lake_ddl_dialect)i;
			return 0;
		}
	return -1;
}

/* The catalog's primitive types and each dialect's name for them, in enum order. */
static const struct {
	const char *glue;
	const char *name[4];
} primitives[] = {
    {"boolean", {"boolean", "BOOLEAN", "BOOLEAN", "BOOLEAN"}},
    {"bigint", {"bigint", "BIGINT", "BIGINT", "BIGINT"}},
    {"double", {"double", "DOUBLE", "DOUBLE", "DOUBLE"}},
    {"string", {"string", "STRING", "VARCHAR", "VARCHAR"}},
    {"date", {"date", "DATE", "DATE", "DATE"}},
    /*
     * DuckDB reads a timestamp as the text it is (its TIMESTAMP would drop
     * an offset, not apply it); a top-level one is made the instant lake
     * means by the view (add_duckdb_timestamp), a nested one stays text.
     */
    {"timestamp", {"timestamp", "TIMESTAMP", "TIMESTAMP", "VARCHAR"}},
};

/* Nesting deeper than this is refused rather than recursed into. */
#define MAX_TYPE_DEPTH 64

/*
 * Append name as a quoted identifier: backticks for the Hive family,
 * double quotes for Trino and DuckDB, the quote character doubled inside.
 */
static void add_ident(struct lake_buf *out, enum lake_ddl_dialect d, const char *name)
{
	char q = d == LAKE_DDL_ATHENA || d == LAKE_DDL_SPARK ? '`' : '"';

	lake_buf_addc(out, q);
	for (const char *p = name; *p; p++) {
		if (*p == q)
			lake_buf_addc(out, q);
		lake_buf_addc(out, *p);
	}
	lake_buf_addc(out, q);
}

/*
 * Append s as a string literal.  Hive and Spark read backslash escapes in
 * literals, so there a quote or backslash is escaped with one; Trino and
 * DuckDB follow standard SQL and double the quote.
 */
static void add_literal(struct lake_buf *out, enum lake_ddl_dialect d, const char *s)
{
	int hive = d == LAKE_DDL_ATHENA || d == LAKE_DDL_SPARK;

	lake_buf_addc(out, '\'');
	for (const char *p = s; *p; p++) {
		if (hive && (*p == '\'' || *p == '\\'))
			lake_buf_addc(out, '\\');
		else if (hive && *p == '\t') {
			lake_buf_addstr(out, "\\t");
			continue;
		} else if (!hive && *p == '\'')
			lake_buf_addc(out, '\'');
		lake_buf_addc(out, *p);
	}
	lake_buf_addc(out, '\'');
}

/* Where a type is being read from, and for whom. */
struct type_reader {
	const char *p; /* the next unread byte of the Glue type text */
	enum lake_ddl_dialect d;
};

static void skip_space(struct type_reader *r)
{
	while (*r->p == ' ')
		r->p++;
}

/* Consume word (case-insensitive) when the text continues with it. */
static int take(struct type_reader *r, const char *word)
{
	size_t n = strlen(word);

	if (strncasecmp(r->p, word, n) != 0)
		return 0;
	r->p += n;
	return 1;
}

static int read_type(struct type_reader *r, struct lake_buf *out, int depth);

static int read_array(struct type_reader *r, struct lake_buf *out, int depth)
{
	struct lake_buf elem = LAKE_BUF_INIT;
	int rc = -1;

	if (read_type(r, &elem, depth + 1) < 0)
		goto out;
	skip_space(r);
	if (*r->p++ != '>')
		goto out;
	if (r->d == LAKE_DDL_ATHENA)
		lake_buf_addf(out, "array<%s>", elem.data);
	else if (r->d == LAKE_DDL_SPARK)
		lake_buf_addf(out, "ARRAY<%s>", elem.data);
	else if (r->d == LAKE_DDL_TRINO)
		lake_buf_addf(out, "ARRAY(%s)", elem.data);
	else
		lake_buf_addf(out, "%s[]", elem.data);
	rc = 0;
out:
	lake_buf_release(&elem);
	return rc;
}

/*
 * A struct field's name: up to the ':' as Glue writes it, or quoted in
 * backticks (a doubled backtick standing for one) when it holds a ':'.
 */
static int read_field_name(struct type_reader *r, struct lake_buf *name)
{
	skip_space(r);
	if (*r->p == '`') {
		for (r->p++; *r->p; r->p++) {
			if (*r->p == '`' && r->p[1] != '`')
				break;
			if (*r->p == '`')
				r->p++;
			lake_buf_addc(name, *r->p);
		}
		if (*r->p++ != '`')
			return -1;
		skip_space(r);
	} else {
		const char *colon = strchr(r->p, ':');
		if (!colon)
			return -1;
		lake_buf_add(name, r->p, (size_t)(colon - r->p));
		r->p = colon;
	}
	if (!name->len || *r->p++ != ':')
		return -1;
	return 0;
}

static void add_field(struct type_reader *r, struct lake_buf *out, const char *name,
		      const char *type)
{
	add_ident(out, r->d, name);
	if (r->d == LAKE_DDL_ATHENA)
		lake_buf_addf(out, ":%s", type);
	else if (r->d == LAKE_DDL_SPARK)
		lake_buf_addf(out, ": %s", type);
	else
		lake_buf_addf(out, " %s", type);
}

static int read_struct(struct type_reader *r, struct lake_buf *out, int depth)
{
	struct lake_buf fields = LAKE_BUF_INIT, name = LAKE_BUF_INIT, type = LAKE_BUF_INIT;
	int rc = -1;

	do {
		lake_buf_reset(&name);
		lake_buf_reset(&type);
		if (read_field_name(r, &name) < 0 || read_type(r, &type, depth + 1) < 0)
			goto out;
		if (fields.len)
			lake_buf_addstr(&fields, r->d == LAKE_DDL_ATHENA ? "," : ", ");
		add_field(r, &fields, name.data, type.data);
		skip_space(r);
	} while (*r->p == ',' && r->p++);
	if (*r->p++ != '>')
		goto out;
	if (r->d == LAKE_DDL_ATHENA)
		lake_buf_addf(out, "struct<%s>", fields.data);
	else if (r->d == LAKE_DDL_SPARK)
		lake_buf_addf(out, "STRUCT<%s>", fields.data);
	else if (r->d == LAKE_DDL_TRINO)
		lake_buf_addf(out, "ROW(%s)", fields.data);
	else
		lake_buf_addf(out, "STRUCT(%s)", fields.data);
	rc = 0;
out:
	lake_buf_release(&fields);
	lake_buf_release(&name);
	lake_buf_release(&type);
	return rc;
}

static int read_primitive(struct type_reader *r, struct lake_buf *out)
{
	size_t n = 0;

	while (isalpha((unsigned char)r->p[n]))
		n++;
	for (size_t i = 0; i < sizeof primitives / sizeof primitives[0]; i++)
		if (strlen(primitives[i].glue) == n &&
		    strncasecmp(r->p, primitives[i].glue, n) == 0) {
			lake_buf_addstr(out, primitives[i].name[r->d]);
			r->p += n;
			return 0;
		}
	return -1;
}

static int read_type(struct type_reader *r, struct lake_buf *out, int depth)
{
	if (depth > MAX_TYPE_DEPTH)
		return -1;
	skip_space(r);
	if (take(r, "array<"))
		return read_array(r, out, depth);
	if (take(r, "struct<"))
		return read_struct(r, out, depth);
	return read_primitive(r, out);
}

/* Append the dialect's spelling of the Glue type text; -1 when it cannot be read. */
static int map_type(const char *glue, enum lake_ddl_dialect d, struct lake_buf *out)
{
	struct type_reader r = {glue, d};
	struct lake_buf tmp = LAKE_BUF_INIT;
	int rc = -1;

	if (read_type(&r, &tmp, 0) < 0)
		goto out;
	skip_space(&r);
	if (*r.p)
		goto out;
	lake_buf_add(out, tmp.data, tmp.len);
	rc = 0;
out:
	lake_buf_release(&tmp);
	return rc;
}

/* One column to declare: the data's columns, or the partition keys. */
struct column {
	const char *name;    /* points into the parsed catalog JSON */
	size_t type;	     /* offset of the dialect's spelling in gen.types */
	const char *comment; /* NULL or "" when none */
	const char *glue;    /* the catalog's type, as stored (Parquet's nested ones are strings) */
	int also_key;	     /* a data column that is also a partition key (DuckDB's CSV) */
};

/* Everything a dialect writer needs, resolved once from the catalog's text. */
struct gen {
	const struct lake_ddl_table *t;
	enum lake_ddl_dialect d;
	json_t *json_cols, *json_keys; /* the parsed catalog text the names point into */
	struct column *cols;	       /* ncols data columns, partition keys left out */
	size_t ncols;
	struct column *keys; /* nkeys partition keys */
	size_t nkeys;
	struct lake_buf types; /* every mapped type, NUL-separated */
	int csv;	       /* the files are CSV or TSV */
	int parquet;	       /* the files are Parquet: they carry their own types */
	int header;	       /* CSV files start with a header row */
	char delim;	       /* CSV field separator */
	struct lake_buf url;   /* the table's location as the engine sees it */
	struct lake_buf name;  /* "db.name", for messages */
};

static const char *type_of(const struct gen *g, const struct column *c)
{
	return g->types.data + c->type;
}

/*
 * lake writes a nested column into Parquet as JSON text (flat schemas
 * only), and lake-crawl refuses Parquet files with nested groups: so a
 * Parquet table's struct or array column holds strings, and an engine
 * told otherwise fails on its files.
 */
static const char *stored_type(const struct gen *g, const char *glue)
{
	if (g->parquet && (strncmp(glue, "struct<", 7) == 0 || strncmp(glue, "array<", 6) == 0))
		return "string";
	return glue;
}

static int add_mapped(struct gen *g, int is_key, const char *glue, size_t *off,
		      struct lake_error *e)
{
	*off = g->types.len;
	glue = stored_type(g, glue);
	/* Trino's CSV format reads every data column as VARCHAR and refuses other types. */
	if (g->d == LAKE_DDL_TRINO && g->csv && !is_key)
		lake_buf_addstr(&g->types, "VARCHAR");
	else if (map_type(glue, g->d, &g->types) < 0)
		return lake_err(e, LAKE_EX_DATAERR, "cannot read the type '%s'", glue);
	lake_buf_add(&g->types, "", 1);
	return 0;
}

static int is_partition_key(json_t *keys, const char *name)
{
	for (size_t i = 0; i < json_array_size(keys); i++) {
		const char *k = json_string_value(json_object_get(json_array_get(keys, i), "name"));
		if (k && strcmp(k, name) == 0)
			return 1;
	}
	return 0;
}

/*
 * Fill list from the catalog's array of {"name","type","comment"}.  skip,
 * when given, holds the partition keys: Hive and Trino refuse a partition
 * key that is also declared as a data column.
 */
static int resolve_list(struct gen *g, json_t *array, int is_key, json_t *skip, struct column *list,
			size_t *n, struct lake_error *e)
{
	const char *what = is_key ? "partition key" : "column";

	*n = 0;
	for (size_t i = 0; i < json_array_size(array); i++) {
		json_t *c = json_array_get(array, i);
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *type = json_string_value(json_object_get(c, "type"));

		if (!name || !*name)
			return lake_err(e, LAKE_EX_DATAERR, "table '%s': %s %zu has no name",
					g->name.data, what, i + 1);
		if (skip && is_partition_key(skip, name))
			continue;
		if (add_mapped(g, is_key, type ? type : "string", &list[*n].type, e) < 0)
			return lake_err_wrap(e, "table '%s': %s '%s'", g->name.data, what, name);
		list[*n].glue = stored_type(g, type ? type : "string");
		list[*n].also_key = !is_key && is_partition_key(g->json_keys, name);
		list[*n].name = name;
		list[*n].comment = json_string_value(json_object_get(c, "comment"));
		(*n)++;
	}
	return 0;
}

static void resolve_csv(struct gen *g)
{
	const char *props = g->t->properties;
	char *delim = NULL;

	g->csv = strcmp(g->t->format, "csv") == 0 || strcmp(g->t->format, "tsv") == 0;
	g->parquet = strcmp(g->t->format, "parquet") == 0;
	g->header = 1;
	g->delim = strcmp(g->t->format, "tsv") == 0 ? '\t' : ',';
	/* What the user said with `lake-catalog set` overrides the format's default. */
	lake_table_prop_bool(props, LAKE_PROP_CSV_HEADER, &g->header);
	if (lake_table_prop_string(props, LAKE_PROP_CSV_DELIMITER, &delim) == 1 &&
	    strlen(delim) == 1)
		g->delim = delim[0];
	free(delim);
}

static void resolve_url(struct gen *g)
{
	const struct lake_ddl_table *t = g->t;

	if (t->location_prefix && *t->location_prefix) {
		size_t n = strlen(t->location_prefix);
		while (n > 1 && t->location_prefix[n - 1] == '/')
			n--;
		lake_buf_add(&g->url, t->location_prefix, n);
	} else {
		/* A bare path would be resolved on the default file system, HDFS on a cluster. */
		if (g->d != LAKE_DDL_DUCKDB)
			lake_buf_addstr(&g->url, "file://");
		lake_buf_addstr(&g->url, t->lake_dir ? t->lake_dir : "");
	}
	lake_buf_addf(&g->url, "/%s", t->location);
}

static void gen_release(struct gen *g)
{
	json_decref(g->json_cols);
	json_decref(g->json_keys);
	free(g->cols);
	free(g->keys);
	lake_buf_release(&g->types);
	lake_buf_release(&g->url);
	lake_buf_release(&g->name);
}

static int gen_init(struct gen *g, const struct lake_ddl_table *t, enum lake_ddl_dialect d,
		    struct lake_error *e)
{
	memset(g, 0, sizeof *g);
	g->t = t;
	g->d = d;
	lake_buf_addf(&g->name, "%s.%s", t->db, t->name);
	g->json_cols = json_loads(t->columns ? t->columns : "[]", 0, NULL);
	g->json_keys = json_loads(t->partition_keys ? t->partition_keys : "[]", 0, NULL);
	if (!json_is_array(g->json_cols) || !json_is_array(g->json_keys))
		return lake_err(e, LAKE_EX_DATAERR,
				"table '%s': its columns in the catalog are not a JSON array",
				g->name.data);
	if (json_array_size(g->json_cols) == 0)
		return lake_err(e, LAKE_EX_DATAERR,
				"table '%s' has no schema yet; run lake-crawl first", g->name.data);
	resolve_csv(g);
	resolve_url(g);
	g->cols = lake_xcalloc(json_array_size(g->json_cols), sizeof *g->cols);
	g->keys = lake_xcalloc(json_array_size(g->json_keys) + 1, sizeof *g->keys);
	/*
	 * DuckDB reads CSV by position: a column the files hold is declared
	 * also when the table is partitioned by it (DuckDB then shows it once).
	 */
	json_t *skip = d == LAKE_DDL_DUCKDB && g->csv ? NULL : g->json_keys;
	if (resolve_list(g, g->json_cols, 0, skip, g->cols, &g->ncols, e) < 0 ||
	    resolve_list(g, g->json_keys, 1, NULL, g->keys, &g->nkeys, e) < 0)
		return -1;
	if (g->ncols == 0)
		return lake_err(e, LAKE_EX_DATAERR,
				"table '%s' has no columns besides its partition keys",
				g->name.data);
	return 0;
}

static void add_table_name(struct lake_buf *out, const struct gen *g)
{
	add_ident(out, g->d, g->t->db);
	lake_buf_addc(out, '.');
	add_ident(out, g->d, g->t->name);
}

/* "  `name` type COMMENT '...'" lines, comma-separated, for n columns. */
static void add_column_lines(struct lake_buf *out, const struct gen *g, const struct column *c,
			     size_t n, int more_follow)
{
	for (size_t i = 0; i < n; i++) {
		lake_buf_addstr(out, "  ");
		add_ident(out, g->d, c[i].name);
		lake_buf_addf(out, " %s", type_of(g, &c[i]));
		if (c[i].comment && *c[i].comment) {
			lake_buf_addstr(out, " COMMENT ");
			add_literal(out, g->d, c[i].comment);
		}
		lake_buf_addstr(out, i + 1 < n || more_follow ? ",\n" : "\n");
	}
}

static void add_delim_literal(struct lake_buf *out, const struct gen *g)
{
	char s[2] = {g->delim, '\0'};

	/*
	 * Trino's standard literals have no escapes; a Unicode literal keeps
	 * the tab visible.
	 */
	if (g->d == LAKE_DDL_TRINO && g->delim == '\t')
		lake_buf_addstr(out, "U&'\\0009'");
	else if (g->d == LAKE_DDL_DUCKDB && g->delim == '\t')
		lake_buf_addstr(out, "'\\t'"); /* DuckDB's CSV reader reads the escape itself */
	else
		add_literal(out, g->d, s);
}

/* Unnamed levels (2024/05/01, no k=v): an engine cannot find such partitions by itself. */
static int unnamed_levels(const struct gen *g)
{
	json_t *parts = g->t->partitions ? json_loads(g->t->partitions, 0, NULL) : NULL;
	const char *path = json_string_value(json_object_get(json_array_get(parts, 0), "path"));
	int unnamed = g->nkeys && path && !strchr(path, '=');

	json_decref(parts);
	return unnamed;
}

/* A partition value as the engine's literal; NULL for Hive's null partition. */
static void add_value(struct lake_buf *out, const struct gen *g, json_t *v)
{
	if (json_is_string(v))
		add_literal(out, g->d, json_string_value(v));
	else
		lake_buf_addstr(out, "NULL");
}

/*
 * One registration per partition, for unnamed levels: ALTER TABLE ... ADD
 * PARTITION ... LOCATION for Hive, Athena and Spark; register_partition
 * for Trino.
 */
static void add_each_partition(struct lake_buf *out, const struct gen *g)
{
	json_t *parts = json_loads(g->t->partitions, 0, NULL), *p;
	struct lake_buf loc = LAKE_BUF_INIT;
	size_t i;

	json_array_foreach(parts, i, p)
	{
		json_t *vals = json_object_get(p, "vals");
		lake_buf_reset(&loc);
		lake_buf_addf(&loc, "%s/%s", g->url.data,
			      json_string_value(json_object_get(p, "path")));
		if (g->d == LAKE_DDL_TRINO) {
			lake_buf_addstr(out, "CALL system.register_partition(");
			add_literal(out, g->d, g->t->db);
			lake_buf_addstr(out, ", ");
			add_literal(out, g->d, g->t->name);
			lake_buf_addstr(out, ", ARRAY[");
			for (size_t k = 0; k < g->nkeys; k++) {
				lake_buf_addstr(out, k ? ", " : "");
				add_literal(out, g->d, g->keys[k].name);
			}
			lake_buf_addstr(out, "], ARRAY[");
			for (size_t k = 0; k < g->nkeys; k++) {
				lake_buf_addstr(out, k ? ", " : "");
				add_value(out, g, json_array_get(vals, k));
			}
			lake_buf_addstr(out, "], ");
			add_literal(out, g->d, loc.data);
			lake_buf_addstr(out, ");\n");
			continue;
		}
		lake_buf_addstr(out, "ALTER TABLE ");
		add_table_name(out, g);
		lake_buf_addstr(out, " ADD IF NOT EXISTS PARTITION (");
		for (size_t k = 0; k < g->nkeys; k++) {
			lake_buf_addstr(out, k ? ", " : "");
			add_ident(out, g->d, g->keys[k].name);
			lake_buf_addc(out, '=');
			add_value(out, g, json_array_get(vals, k));
		}
		lake_buf_addstr(out, ") LOCATION ");
		add_literal(out, g->d, loc.data);
		lake_buf_addstr(out, ";\n");
	}
	lake_buf_release(&loc);
	json_decref(parts);
}

static void add_repair(struct lake_buf *out, const struct gen *g)
{
	if (!g->nkeys)
		return;
	if (unnamed_levels(g)) {
		add_each_partition(out, g);
		return;
	}
	lake_buf_addstr(out, "MSCK REPAIR TABLE ");
	add_table_name(out, g);
	lake_buf_addstr(out, ";\n");
}

/* "CREATE <schema> IF NOT EXISTS db;" then "CREATE <table> IF NOT EXISTS name (", a line on. */
static void add_create_head(struct lake_buf *out, const struct gen *g, const char *schema,
			    const char *table)
{
	lake_buf_addf(out, "CREATE %s IF NOT EXISTS ", schema);
	add_ident(out, g->d, g->t->db);
	lake_buf_addf(out, ";\nCREATE %s IF NOT EXISTS ", table);
	add_table_name(out, g);
	lake_buf_addstr(out, " (\n");
}

/*
 * Athena (and Hive): an external table over the tree.  The OpenX JSON
 * SerDe reads NDJSON; OpenCSVSerde reads quoted CSV fields as lake-put
 * writes them.  Athena and Hive pick the zstd codec from the .zst
 * extension, so compressionType (what a Glue crawler records) only
 * documents it.  MSCK REPAIR registers the partitions already on disk.
 */
static void gen_athena(struct lake_buf *out, const struct gen *g)
{
	add_create_head(out, g, "DATABASE", "EXTERNAL TABLE");
	add_column_lines(out, g, g->cols, g->ncols, 0);
	lake_buf_addstr(out, ")\n");
	if (g->nkeys) {
		lake_buf_addstr(out, "PARTITIONED BY (\n");
		add_column_lines(out, g, g->keys, g->nkeys, 0);
		lake_buf_addstr(out, ")\n");
	}
	if (g->parquet) {
		lake_buf_addstr(out, "STORED AS PARQUET\nLOCATION ");
		add_literal(out, g->d, g->url.data);
		lake_buf_addstr(out, "\nTBLPROPERTIES (\n  'classification'='parquet'\n);\n");
		add_repair(out, g);
		return;
	}
	if (g->csv) {
		lake_buf_addstr(out,
				"ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'\n"
				"WITH SERDEPROPERTIES (\n  'separatorChar'=");
		add_delim_literal(out, g);
		lake_buf_addstr(out, ",\n  'quoteChar'='\"'\n)\n");
	} else {
		lake_buf_addstr(out, "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n");
	}
	lake_buf_addstr(out, "STORED AS TEXTFILE\nLOCATION ");
	add_literal(out, g->d, g->url.data);
	lake_buf_addf(out, "\nTBLPROPERTIES (\n  'classification'='%s',\n  'compressionType'='%s'",
		      g->csv ? "csv" : "json", g->t->compression);
	if (g->csv && g->header)
		lake_buf_addstr(out, ",\n  'skip.header.line.count'='1'");
	lake_buf_addstr(out, "\n);\n");
	add_repair(out, g);
}

/*
 * Spark SQL: a data source table, partition columns declared with the
 * others and named in PARTITIONED BY.  Hadoop's codec factory decodes
 * .zst files by their extension.
 */
static void gen_spark(struct lake_buf *out, const struct gen *g)
{
	add_create_head(out, g, "DATABASE", "TABLE");
	add_column_lines(out, g, g->cols, g->ncols, g->nkeys > 0);
	add_column_lines(out, g, g->keys, g->nkeys, 0);
	lake_buf_addf(out, ")\nUSING %s\n", g->parquet ? "PARQUET" : g->csv ? "CSV" : "JSON");
	if (g->csv) {
		lake_buf_addf(
		    out, "OPTIONS (\n  'header'='%s',\n  'sep'=", g->header ? "true" : "false");
		add_delim_literal(out, g);
		lake_buf_addstr(out, "\n)\n");
	}
	if (g->nkeys) {
		lake_buf_addstr(out, "PARTITIONED BY (");
		for (size_t i = 0; i < g->nkeys; i++) {
			if (i)
				lake_buf_addstr(out, ", ");
			add_ident(out, g->d, g->keys[i].name);
		}
		lake_buf_addstr(out, ")\n");
	}
	lake_buf_addstr(out, "LOCATION ");
	add_literal(out, g->d, g->url.data);
	lake_buf_addstr(out, ";\n");
	add_repair(out, g);
}

/*
 * Trino's Hive connector: partition columns last, named in partitioned_by;
 * the reader chooses the zstd codec by the file's extension.
 * sync_partition_metadata registers the partitions already on disk.
 */
static void gen_trino(struct lake_buf *out, const struct gen *g)
{
	add_create_head(out, g, "SCHEMA", "TABLE");
	add_column_lines(out, g, g->cols, g->ncols, g->nkeys > 0);
	add_column_lines(out, g, g->keys, g->nkeys, 0);
	lake_buf_addstr(out, ")\nWITH (\n  external_location = ");
	add_literal(out, g->d, g->url.data);
	lake_buf_addf(out, ",\n  format = '%s'", g->parquet ? "PARQUET" : g->csv ? "CSV" : "JSON");
	if (g->csv) {
		lake_buf_addstr(out, ",\n  csv_separator = ");
		add_delim_literal(out, g);
		lake_buf_addstr(out, ",\n  csv_quote = '\"'");
		if (g->header)
			lake_buf_addstr(out, ",\n  skip_header_line_count = 1");
	}
	if (g->nkeys) {
		lake_buf_addstr(out, ",\n  partitioned_by = ARRAY[");
		for (size_t i = 0; i < g->nkeys; i++) {
			if (i)
				lake_buf_addstr(out, ", ");
			add_literal(out, g->d, g->keys[i].name);
		}
		lake_buf_addstr(out, "]");
	}
	lake_buf_addstr(out, "\n);\n");
	if (g->nkeys && unnamed_levels(g)) {
		add_each_partition(out, g);
	} else if (g->nkeys) {
		lake_buf_addstr(out, "CALL system.sync_partition_metadata(");
		add_literal(out, g->d, g->t->db);
		lake_buf_addstr(out, ", ");
		add_literal(out, g->d, g->t->name);
		lake_buf_addstr(out, ", 'ADD');\n");
	}
}

/*
 * Whether DuckDB reads data column c as text, for the view to make it the
 * value lake shows: a timestamp (add_duckdb_timestamp), and in CSV every
 * column that is not a string, since a quoted empty field is '' there
 * (allow_quoted_nulls = false, as lake reads it) and '' is no number.  A
 * CSV column that is also a partition key is read as text and left: the
 * view shows the key, typed by hive_types, as lake does.
 */
static int duckdb_converts(const struct gen *g, const struct column *c)
{
	return !g->parquet && !c->also_key &&
	       (strcmp(c->glue, "timestamp") == 0 || (g->csv && strcmp(type_of(g, c), "VARCHAR")));
}

static const char *duckdb_read_type(const struct gen *g, const struct column *c)
{
	return c->also_key || duckdb_converts(g, c) ? "VARCHAR" : type_of(g, c);
}

/* DuckDB's {'name': 'TYPE', ...} map: both sides are string literals. */
static void add_duckdb_map(struct lake_buf *out, const struct gen *g, const struct column *c,
			   size_t n, int data, const char *indent)
{
	for (size_t i = 0; i < n; i++) {
		lake_buf_addstr(out, indent);
		add_literal(out, g->d, c[i].name);
		lake_buf_addstr(out, ": ");
		add_literal(out, g->d, data ? duckdb_read_type(g, &c[i]) : type_of(g, &c[i]));
		lake_buf_addstr(out, i + 1 < n ? ",\n" : "\n");
	}
}

/*
 * The instant lake means by a timestamp's text, as a TIMESTAMPTZ: with its
 * zone when it has one (Z, +HH:MM, +HHMM, +HH; DuckDB wants seconds before
 * a zone, so ":00" is put in when they are missing), else in UTC whatever
 * the session's TimeZone, as lake reads a timestamp without a zone.  The
 * one place that decides how DuckDB shows a lake timestamp.
 */
static void add_duckdb_timestamp(struct lake_buf *out, const char *text)
{
	lake_buf_addf(out,
		      "CASE WHEN regexp_matches(%s, "
		      "'[0-9]:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$') "
		      "THEN CAST(regexp_replace(%s, "
		      "'^([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2})([Z+-])', '\\1:00\\2') "
		      "AS TIMESTAMPTZ) "
		      "ELSE timezone('UTC', CAST(%s AS TIMESTAMP)) END",
		      text, text, text);
}

/*
 * "SELECT *", and when columns were read as text (duckdb_converts), the
 * REPLACE list that gives each its value: a CSV field's '' is no value
 * for a number, a date or a timestamp, so NULL.
 */
static void add_duckdb_select(struct lake_buf *out, const struct gen *g)
{
	struct lake_buf text = LAKE_BUF_INIT;
	int any = 0;

	lake_buf_addstr(out, "SELECT *");
	for (size_t i = 0; i < g->ncols; i++) {
		const struct column *c = &g->cols[i];
		if (!duckdb_converts(g, c))
			continue;
		lake_buf_addstr(out, any++ ? ",\n  " : " REPLACE (\n  ");
		lake_buf_reset(&text);
		lake_buf_addstr(&text, g->csv ? "NULLIF(" : "");
		add_ident(&text, g->d, c->name);
		lake_buf_addstr(&text, g->csv ? ", '')" : "");
		if (strcmp(c->glue, "timestamp") == 0)
			add_duckdb_timestamp(out, text.data);
		else
			lake_buf_addf(out, "CAST(%s AS %s)", text.data, type_of(g, c));
		lake_buf_addstr(out, " AS ");
		add_ident(out, g->d, c->name);
	}
	if (any)
		lake_buf_addstr(out, "\n)");
	lake_buf_release(&text);
}

/*
 * DuckDB: a view over read_json or read_csv with every type given, so that
 * the view does not change with whatever files a scan samples; the
 * partition columns come from the paths, typed by hive_types.
 */
/*
 * read_parquet(...): the files carry their types; union_by_name, since
 * the files of one table may differ (a column missing from older files
 * reads as NULL).
 */
static void add_duckdb_parquet(struct lake_buf *out, const struct gen *g, const char *glob,
			       int hive)
{
	lake_buf_addstr(out, "read_parquet(\n  ");
	add_literal(out, g->d, glob);
	lake_buf_addf(out, ",\n  union_by_name = true,\n  hive_partitioning = %s",
		      hive ? "true" : "false");
	if (hive) {
		lake_buf_addstr(out, ",\n  hive_types = {\n");
		add_duckdb_map(out, g, g->keys, g->nkeys, 0, "    ");
		lake_buf_addstr(out, "  }");
	}
	lake_buf_addstr(out, "\n)");
}

/* read_json(...) or read_csv(...) over glob, with every type given. */
static void add_duckdb_reader(struct lake_buf *out, const struct gen *g, const char *glob, int hive)
{
	int zstd = strcmp(g->t->compression, "zstd") == 0;

	if (g->parquet) {
		add_duckdb_parquet(out, g, glob, hive);
		return;
	}
	lake_buf_addf(out, "%s(\n  ", g->csv ? "read_csv" : "read_json");
	add_literal(out, g->d, glob);
	if (g->csv) {
		lake_buf_addf(out, ",\n  header = %s,\n  delim = ", g->header ? "true" : "false");
		add_delim_literal(out, g);
		/* A quoted empty field is '' to lake, an unquoted one NULL: so to DuckDB. */
		lake_buf_addstr(out, ",\n  quote = '\"',\n  allow_quoted_nulls = false");
	} else {
		/* "json" tables hold arrays or whole documents: DuckDB tells which by itself. */
		lake_buf_addf(out, ",\n  format = '%s'",
			      strcmp(g->t->format, "json") == 0 ? "auto" : "newline_delimited");
	}
	/* Plain files: read_json and read_csv spell "none" differently; both detect it. */
	if (zstd)
		lake_buf_addstr(out, ",\n  compression = 'zstd'");
	lake_buf_addf(out, ",\n  hive_partitioning = %s", hive ? "true" : "false");
	if (hive) {
		lake_buf_addstr(out, ",\n  hive_types = {\n");
		add_duckdb_map(out, g, g->keys, g->nkeys, 0, "    ");
		lake_buf_addstr(out, "  }");
	}
	lake_buf_addstr(out, ",\n  columns = {\n");
	add_duckdb_map(out, g, g->cols, g->ncols, 1, "    ");
	lake_buf_addstr(out, "  }\n)");
}

/* Unnamed levels: one SELECT per partition, its values as typed constants. */
static void add_duckdb_partitions(struct lake_buf *out, const struct gen *g, const char *ext)
{
	json_t *parts = json_loads(g->t->partitions, 0, NULL), *p;
	struct lake_buf glob = LAKE_BUF_INIT;
	size_t i;

	json_array_foreach(parts, i, p)
	{
		json_t *vals = json_object_get(p, "vals");
		lake_buf_addstr(out, i ? "\nUNION ALL\n" : "");
		add_duckdb_select(out, g);
		for (size_t k = 0; k < g->nkeys; k++) {
			lake_buf_addstr(out, ", CAST(");
			add_value(out, g, json_array_get(vals, k));
			lake_buf_addf(out, " AS %s) AS ", type_of(g, &g->keys[k]));
			add_ident(out, g->d, g->keys[k].name);
		}
		lake_buf_addstr(out, " FROM ");
		lake_buf_reset(&glob);
		lake_buf_addf(&glob, "%s/%s/*%s", g->url.data,
			      json_string_value(json_object_get(p, "path")), ext);
		add_duckdb_reader(out, g, glob.data, 0);
	}
	lake_buf_addstr(out, ";\n");
	lake_buf_release(&glob);
	json_decref(parts);
}

/*
 * DuckDB: a view over read_json or read_csv with every type given, so that
 * the view does not change with whatever files a scan samples; the
 * partition columns come from the paths, typed by hive_types, or, for
 * unnamed levels, from one SELECT per partition.
 */
static void gen_duckdb(struct lake_buf *out, const struct gen *g)
{
	struct lake_buf view = LAKE_BUF_INIT, ext = LAKE_BUF_INIT;
	int zstd = strcmp(g->t->compression, "zstd") == 0;

	lake_buf_addf(&view, "%s_%s", g->t->db, g->t->name);
	lake_buf_addstr(out, "CREATE OR REPLACE VIEW ");
	add_ident(out, g->d, view.data);
	lake_buf_addstr(out, " AS\n");
	lake_buf_addf(&ext, ".%s%s", g->t->format, zstd ? ".zst" : "");
	if (unnamed_levels(g)) {
		add_duckdb_partitions(out, g, ext.data);
	} else {
		lake_buf_reset(&view);
		lake_buf_addf(&view, "%s/**/*%s", g->url.data, ext.data);
		add_duckdb_select(out, g);
		lake_buf_addstr(out, " FROM ");
		add_duckdb_reader(out, g, view.data, g->nkeys > 0);
		lake_buf_addstr(out, ";\n");
	}
	lake_buf_release(&view);
	lake_buf_release(&ext);
}

/*
 * Text logs (read by a custom classifier) and JSON arrays are not what
 * Hive-style JSON readers read (one object per line): say so rather than
 * print a table the engine cannot read.
 */
static int readable_by(const struct lake_ddl_table *t, enum lake_ddl_dialect d,
		       struct lake_error *e)
{
	if (strcmp(t->format, "text") == 0)
		return lake_err(e, LAKE_EX_DATAERR,
				"table '%s.%s' holds text read by a custom classifier, which no "
				"other engine reads as is; land it as NDJSON to share it",
				t->db, t->name);
	if (strcmp(t->format, "json") == 0 && d != LAKE_DDL_DUCKDB)
		return lake_err(e, LAKE_EX_DATAERR,
				"table '%s.%s' holds JSON documents or arrays, which this engine's "
				"JSON reader (one object per line) cannot read; use --dialect "
				"duckdb, or land them with lake-put, which splits them into NDJSON",
				t->db, t->name);
	return 0;
}

int lake_ddl_generate(const struct lake_ddl_table *t, enum lake_ddl_dialect d, struct lake_buf *out,
		      struct lake_error *e)
{
	struct gen g;
	int rc = -1;

	if (readable_by(t, d, e) < 0)
		return -1;
	if (gen_init(&g, t, d, e) < 0)
		goto out;
	switch (d) {
	case LAKE_DDL_ATHENA:
		gen_athena(out, &g);
		break;
	case LAKE_DDL_SPARK:
		gen_spark(out, &g);
		break;
	case LAKE_DDL_TRINO:
		gen_trino(out, &g);
		break;
	case LAKE_DDL_DUCKDB:
		gen_duckdb(out, &g);
		break;
	}
	rc = 0;
out:
	gen_release(&g);
	return rc;
}

static char *column_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return lake_xstrdup(s ? s : "");
}

int lake_ddl_table_load(struct lake_catalog *c, const char *db, const char *name,
			struct lake_ddl_table *t, struct lake_error *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(t, 0, sizeof *t);
	if (sqlite3_prepare_v2(
		lake_catalog_db(c),
		"SELECT t.location, t.format, t.compression, t.columns, "
		"t.partition_keys, t.properties, (SELECT json_group_array(json_object("
		"'path', p.path, 'vals', json(p.vals))) FROM partitions p WHERE "
		"p.table_id = t.id AND p.path <> '') FROM tables t JOIN databases d "
		"ON d.id = t.database_id WHERE d.name = ? AND t.name = ?",
		-1, &st, NULL) != SQLITE_OK)
		return lake_catalog_fail(c, "cannot look up a table", e);
	sqlite3_bind_text(st, 1, db, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->db = lake_xstrdup(db);
		t->name = lake_xstrdup(name);
		t->location = column_text(st, 0);
		t->format = column_text(st, 1);
		t->compression = column_text(st, 2);
		t->columns = column_text(st, 3);
		t->partition_keys = column_text(st, 4);
		t->properties = column_text(st, 5);
		t->partitions = column_text(st, 6);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = lake_err(e, LAKE_EX_NOINPUT, "no table '%s.%s' in the catalog", db, name);
	} else {
		rc = lake_catalog_fail(c, "cannot look up a table", e);
	}
	sqlite3_finalize(st);
	return rc;
}

void lake_ddl_table_release(struct lake_ddl_table *t)
{
	free(t->db);
	free(t->name);
	free(t->location);
	free(t->format);
	free(t->compression);
	free(t->columns);
	free(t->partition_keys);
	free(t->properties);
	free(t->partitions);
	memset(t, 0, sizeof *t);
}
