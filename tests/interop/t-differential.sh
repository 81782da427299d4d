# Differential test: lake-query against DuckDB on public data nobody here
# wrote (npm's vega-datasets: flights, airports, weather, movies, ...).
# Each dataset is landed every way lake lands data (lake-put as CSV, TSV
# or NDJSON, --to ndjson, --to parquet, copied under data/ and crawled,
# --partition-by as text and as Parquet); DuckDB reads the same source
# files directly and is the oracle of what they mean.  Hundreds of queries
# generated from templates x tables x columns (differential.mjs) run on
# both; every mismatch is printed as
#   query N (TABLE, LANDING) [TEMPLATE]: SQL: lake=... duckdb=...
# and fails the test.
#
# A subset: DIFF_FILTER=REGEX (matched against "qN TABLE LANDING TEMPLATE",
# e.g. 'parquet', 'd.movies_', '^q(17|18) ', 'ts\.'), or the regex as the
# first argument; DIFF_LIST=1 lists the queries and runs nothing;
# DIFF_KEEP=DIR keeps the lake, the sources and queries.ndjson there;
# DIFF_FULL=1 puts every template on every column (about 12,000 queries).
# Needs Node.js and npm (DuckDB and the data from npm, cached outside the
# repository); without them it says so and tests nothing.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/duckdb.sh"

# The data, pinned so that the queries (made from its statistics) stay the same.
vega_version=3.2.1
if [ "$(jq -r .version "$duck/node_modules/vega-datasets/package.json" 2>/dev/null)" != "$vega_version" ] &&
	! npm install --prefix "$duck" --no-audit --no-fund --loglevel=error \
		--fetch-retries=1 "vega-datasets@$vega_version" >"$T/npm.log" 2>&1; then
	echo "$test_name: 'npm install vega-datasets@$vega_version' failed ($(grep -m 1 . "$T/npm.log")); not tested"
	done_testing
fi
# Beside node_modules, where Node's module resolution finds @duckdb/node-api.
cp "$(dirname "$0")/differential.mjs" "$duck/differential.mjs"

work=$T
if [ -n "${DIFF_KEEP:-}" ]; then
	# Only an empty directory, or one an earlier run kept, is used (and emptied of that run).
	mkdir -p "$DIFF_KEEP" && work=$(cd "$DIFF_KEEP" && pwd) || exit 1
	if [ -e "$work/queries.ndjson" ]; then
		rm -rf "$work/lake" "$work/src" "$work/queries.ndjson" "$work"/batch-*.sql
	elif [ -n "$(ls -A "$work")" ]; then
		echo "$test_name: DIFF_KEEP=$DIFF_KEEP is not empty and not an earlier run's; not used"
		exit 1
	fi
fi
new_lake "$work/lake"
[ $# -gt 0 ] && export DIFF_FILTER="$1"
DIFF_VEGA="$duck/node_modules/vega-datasets/data" DIFF_WORK="$work" \
	node "$duck/differential.mjs" >"$T/report" 2>"$T/report.err"
rc=$?
cat "$T/report"
sed 's/^/    stderr: /' "$T/report.err" | head -20
summary=$(tail -n 1 "$T/report")
if [ "$rc" -eq 0 ]; then ok "lake-query and DuckDB agree: $summary"; else
	not_ok "lake-query and DuckDB differ (exit $rc): $summary"
fi
done_testing
