# Apache's Parquet conformance files (tests/data/parquet-testing, from
# github.com/apache/parquet-testing) read by lake and by DuckDB: every
# file lake reads gives DuckDB's column types and rows, value for value;
# every file it refuses is one the list `refused` there names, refused for
# the reason it gives.  For a file DuckDB cannot read, `stand-ins` gives
# the SQL whose rows DuckDB reads instead.
# LAKE_PARQUET_TESTING=DIR runs the same over another copy of the suite
# (the whole of its data/ folder, say) and prints the score.
# Needs Node.js and npm (DuckDB from npm, cached outside the repository);
# without them it says so and tests nothing: tests/e2e/t-parquet-testing
# checks the same files against answers committed beside them.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/../e2e/parquet-suite.sh"
. "$(dirname "$0")/duckdb.sh"

suite=${LAKE_PARQUET_TESTING:-$suite_data}
cp "$(dirname "$0")/parquet-rows.mjs" "$duck/parquet-rows.mjs"
pt_setup "$suite"

same=0 tried=0
while IFS="$(printf '\t')" read -r t f; do
	tried=$((tried + 1))
	want=$(awk -F '\t' -v f="$f" '$1 == f { print $2 }' "$suite_data/refused")
	why=$(pt_refusal "$t")
	if [ -n "$why" ]; then
		if [ -n "$want" ] && printf '%s' "$why" | grep -qF -- "$want"; then
			ok "$f: refused: ${why##*/}"
		else
			not_ok "$f: lake refuses it: $why"
		fi
		continue
	fi
	[ -z "$want" ] || not_ok "$f: read, though listed as refused ($want)"
	sql=$(awk -F '\t' -v f="$f" '$1 == f { print $2 }' "$suite_data/stand-ins" | sed "s|{dir}|$suite|g")
	if ! node "$duck/parquet-rows.mjs" "$suite/$f" ${sql:+"$sql"} >"$T/duck.out" 2>"$T/duck.err"; then
		not_ok "$f: DuckDB cannot read it: $(grep -m 1 . "$T/duck.err")"
		continue
	fi
	tail -n +2 "$T/duck.out" >"$T/duck.rows"
	if [ "$(jq -c 'map(.[1])' "$T/lake.columns")" != "$(head -1 "$T/duck.out" | jq -c 'map(.[1])')" ]; then
		not_ok "$f: lake types its columns $(jq -c . "$T/lake.columns"), DuckDB's are $(head -1 "$T/duck.out")"
		continue
	fi
	result=$(pt_same "$T/lake.rows" "$T/duck.rows")
	if [ "$result" = same ]; then
		same=$((same + 1))
		ok "$f: $(wc -l <"$T/duck.rows" | tr -d ' ') rows as DuckDB reads them${sql:+ (from a stand-in)}"
	else
		not_ok "$f: $result"
	fi
done <"$T/tables"
echo "score: $same of $tried files give DuckDB's rows"
done_testing
