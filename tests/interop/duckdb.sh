# duckdb.sh - DuckDB for the interop tests: sourced after ../e2e/lib.sh.
# Installs @duckdb/node-api once into a cache outside the repository and
# defines `duckdb SQLFILE QUERY`, which runs the file's statements and
# then the query, printing its rows as JSON arrays, one per line (64-bit
# integers as numbers, other objects as their text).  Without Node.js and
# npm, or when the install fails, the test says why and ends, testing
# nothing.
duck=${XDG_CACHE_HOME:-$HOME/.cache}/lake-bench/duckdb
test_name=$(basename "$0" .sh)
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "$test_name: node and npm are not both installed; not tested with DuckDB"
	done_testing
fi
if [ ! -d "$duck/node_modules/@duckdb/node-api" ] &&
	! { mkdir -p "$duck" && npm install --prefix "$duck" --no-audit --no-fund --loglevel=error \
		--fetch-retries=1 @duckdb/node-api >"$T/npm.log" 2>&1; }; then
	echo "$test_name: 'npm install @duckdb/node-api' failed ($(grep -m 1 . "$T/npm.log")); not tested with DuckDB"
	done_testing
fi
# In the cache, beside node_modules, where Node's module resolution finds the package.
cat >"$duck/lake-interop.mjs" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
const connection = await (await DuckDBInstance.create(':memory:')).connect();
await connection.run(readFileSync(process.argv[2], 'utf8'));
const result = await connection.runAndReadAll(process.argv[3]);
const plain = (v) => v === null ? null : typeof v === 'bigint' ? Number(v)
	: typeof v === 'object' ? String(v) : v;
for (const row of result.getRows()) console.log(JSON.stringify(row.map(plain)));
JS
duckdb() { node "$duck/lake-interop.mjs" "$@"; }

# same_rows DDLFILE LAKE_SQL DUCKDB_SQL LABEL: ok when lake-query and DuckDB give the same rows, some.
nquery=0
same_rows() {
	nquery=$((nquery + 1))
	lake-query --format ndjson "$2" | jq -c '[.[]]' >"$T/lake.$nquery"
	duckdb "$1" "$3" >"$T/duck.$nquery" 2>"$T/duck.err" ||
		{ not_ok "query $nquery: DuckDB failed: $(grep -m 1 . "$T/duck.err")"; return; }
	if [ -s "$T/lake.$nquery" ] && cmp -s "$T/lake.$nquery" "$T/duck.$nquery"; then
		ok "query $nquery: $(wc -l <"$T/lake.$nquery" | tr -d ' ') rows alike: $4"
	else
		not_ok "query $nquery differs: $4"
		diff "$T/lake.$nquery" "$T/duck.$nquery" | head -4 | sed 's/^/    /'
	fi
}
