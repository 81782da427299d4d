/*
 * duckdb-query - run SQL statements in DuckDB's native engine, for the
 * benchmarks to measure it whole-process beside lake-query.  Built by the
 * bench scripts against the libduckdb.so that npm's
 * @duckdb/node-bindings-linux-x64 package ships, which has no duckdb.h:
 * the few declarations used are written here, after DuckDB's C API.
 *
 *	duckdb-query SQL...    each statement's result read whole; prints its row count
 *
 * Exit status: 0, or 1 when a statement fails (DuckDB's message on stderr).
 */
#include <stdint.h>
#include <stdio.h>

typedef uint64_t idx_t;
typedef enum { DuckDBSuccess = 0, DuckDBError = 1 } duckdb_state;
typedef struct _duckdb_database {
	void *internal_ptr;
} * duckdb_database;
typedef struct _duckdb_connection {
	void *internal_ptr;
} * duckdb_connection;
/* Passed by address only, but its size must be DuckDB's: its deprecated fields, then its own. */
typedef struct {
	idx_t deprecated_column_count;
	idx_t deprecated_row_count;
	idx_t deprecated_rows_changed;
	void *deprecated_columns;
	char *deprecated_error_message;
	void *internal_data;
} duckdb_result;

duckdb_state duckdb_open(const char *path, duckdb_database *out);
duckdb_state duckdb_connect(duckdb_database db, duckdb_connection *out);
duckdb_state duckdb_query(duckdb_connection con, const char *sql, duckdb_result *out);
idx_t duckdb_row_count(duckdb_result *result);
const char *duckdb_result_error(duckdb_result *result);
void duckdb_destroy_result(duckdb_result *result);
void duckdb_disconnect(duckdb_connection *con);
void duckdb_close(duckdb_database *db);

int main(int argc, char **argv)
{
	duckdb_database db = NULL;
	duckdb_connection con = NULL;
	int status = 0;

	if (duckdb_open(NULL, &db) != DuckDBSuccess || duckdb_connect(db, &con) != DuckDBSuccess) {
		fprintf(stderr, "duckdb-query: cannot open an in-memory database\n");
		return 1;
	}
	for (int i = 1; i < argc && !status; i++) {
		duckdb_result result;
		if (duckdb_query(con, argv[i], &result) == DuckDBSuccess) {
			printf("%llu\n", (unsigned long long)duckdb_row_count(&result));
		} else {
			const char *msg = duckdb_result_error(&result);
			fprintf(stderr, "duckdb-query: %s\n", msg ? msg : "the statement failed");
			status = 1;
		}
		duckdb_destroy_result(&result);
	}
	duckdb_disconnect(&con);
	duckdb_close(&db);
	return status;
}
