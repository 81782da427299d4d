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
# Rows as JSON arrays on stdin, made comparable: the columns numbered in
# $1 (comma-separated, from 0) are lake timestamps, whose text (any form
# lake reads: ltime.h) becomes its instant in microseconds, as DuckDB's
# epoch_us() gives it; a nested value, as JSON or as JSON text, is
# written with its keys sorted, as lake keeps a nested value as it came
# and DuckDB's to_json() writes a struct's fields in their declared order.
cat >"$duck/lake-normalize.mjs" <<'JS'
import { readFileSync } from 'node:fs';
const stamps = new Set((process.argv[2] || '').split(',').filter((x) => x !== '').map(Number));
const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const micros = (s) => {
	const m = iso.exec(s);
	if (!m) return s;
	let us = Date.UTC(+m[1], m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0)) * 1000 +
		Number(((m[7] || '') + '000000').slice(0, 6));
	if (m[8] && m[8] !== 'Z') {
		const sign = m[8][0] === '-' ? -1 : 1, d = m[8].slice(1).replace(':', '');
		us -= sign * (Number(d.slice(0, 2)) * 60 + Number(d.slice(2, 4) || 0)) * 60e6;
	}
	return us;
};
const sorted = (v) => Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object'
	? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v;
const json = (s) => { try { return sorted(JSON.parse(s)); } catch { return s; } };
for (const line of readFileSync(0, 'utf8').split('\n').filter((l) => l !== '')) {
	const row = JSON.parse(line).map((v, i) => typeof v !== 'string' ? sorted(v)
		: stamps.has(i) ? micros(v) : /^[[{]/.test(v) ? json(v) : v);
	console.log(JSON.stringify(row));
}
JS

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

# same_table DDLFILE DB.TABLE ORDER LABEL: every column of the table, row by
# row in ORDER, alike in lake-query and in DuckDB's view DB_TABLE.  What
# each engine's SQL cannot spell alike is made comparable: DuckDB's
# booleans as 0/1, dates as text, nested values as JSON text, timestamps
# (of either engine, as text or TIMESTAMPTZ) as instants in microseconds.
same_table() {
	nquery=$((nquery + 1))
	local ddl=$1 table=$2 order=$3 label=$4 view=${2/./_}
	lake-catalog schema "$table" --format ndjson | jq -r '.name + "\t" + .type' | awk '!seen[$1]++' >"$T/cols.$nquery"
	duckdb "$ddl" "SELECT column_name, column_type FROM (DESCRIBE \"$view\")" >"$T/duck.raw" 2>"$T/duck.err" ||
		{ not_ok "query $nquery: DuckDB cannot describe $view: $(grep -m 1 . "$T/duck.err")"; return; }
	jq -r '.[0] + "\t" + .[1]' "$T/duck.raw" >"$T/duckcols.$nquery"
	local lsel="" dsel="" stamps="" i=0 name type dtype
	while IFS=$'\t' read -r name type; do
		dtype=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$T/duckcols.$nquery")
		lsel="$lsel${lsel:+, }\"$name\""
		case $dtype in
		BOOLEAN) dsel="$dsel${dsel:+, }CAST(\"$name\" AS INTEGER)" ;;
		DATE) dsel="$dsel${dsel:+, }CAST(\"$name\" AS VARCHAR)" ;;
		TIMESTAMP*) dsel="$dsel${dsel:+, }epoch_us(\"$name\")" ;;
		STRUCT* | *"[]" | MAP*) dsel="$dsel${dsel:+, }to_json(\"$name\")" ;;
		*) dsel="$dsel${dsel:+, }\"$name\"" ;;
		esac
		[ "$type" = timestamp ] && stamps="$stamps${stamps:+,}$i"
		i=$((i + 1))
	done <"$T/cols.$nquery"
	lake-query --format ndjson "SELECT $lsel FROM $table ORDER BY $order" >"$T/lake.raw" 2>"$T/lake.err" ||
		{ not_ok "query $nquery: lake-query failed on $table: $(grep -m 1 . "$T/lake.err")"; return; }
	duckdb "$ddl" "SELECT $dsel FROM \"$view\" ORDER BY $order" >"$T/duck.raw" 2>"$T/duck.err" ||
		{ not_ok "query $nquery: DuckDB failed on $view: $(grep -m 1 . "$T/duck.err")"; return; }
	jq -c '[.[]]' "$T/lake.raw" | node "$duck/lake-normalize.mjs" "$stamps" >"$T/lake.$nquery"
	node "$duck/lake-normalize.mjs" "$stamps" <"$T/duck.raw" >"$T/duck.$nquery"
	if [ -s "$T/lake.$nquery" ] && cmp -s "$T/lake.$nquery" "$T/duck.$nquery"; then
		ok "query $nquery: $table: $(wc -l <"$T/lake.$nquery" | tr -d ' ') rows, every column ($i) alike: $label"
	else
		not_ok "query $nquery: $table differs: $label (columns: $(cut -f1 "$T/cols.$nquery" | tr '\n' ' '))"
		diff "$T/lake.$nquery" "$T/duck.$nquery" | head -6 | sed 's/^/    /'
	fi
}
