# parquet-suite.sh - Apache's Parquet conformance files as lake tables,
# for t-parquet-testing in tests/e2e (lake against committed answers) and
# in tests/interop (lake against DuckDB).  Sourced after lib.sh.
#
#	pt_setup DIR       a lake in $L, a table pt.t_NAME for each DIR/**.parquet
#	                   (crawled), and $T/tables: "TABLE<TAB>PATH" per file,
#	                   PATH relative to DIR
#	pt_refusal TABLE   lake's reason for not reading it (crawl's or the
#	                   query's), or nothing; its rows then in $T/lake.rows,
#	                   spelled as tests/interop/parquet-rows.mjs spells
#	                   DuckDB's, and its columns in $T/lake.columns
#	pt_same A B        whether two files of rows are the same (numbers
#	                   within 1e-15 of each other); prints "same" or the
#	                   first difference
suite_data="$LAKE_SRC/tests/data/parquet-testing"

pt_setup() {
	L="$T/lake"
	new_lake "$L"
	export LAKE_DIR="$L"
	: >"$T/tables"
	(cd "$1" && find . -name '*.parquet' | sed 's|^\./||' | LC_ALL=C sort) | while read -r f; do
		t=t_$(basename "$f" .parquet | tr 'A-Z' 'a-z' | tr -c 'a-z0-9_\n' '_' | cut -c1-60)
		mkdir -p "$L/data/pt/$t"
		cp "$1/$f" "$L/data/pt/$t/"
		printf '%s\t%s\n' "$t" "$f" >>"$T/tables"
	done
	lake-crawl pt >"$T/crawl.out" 2>"$T/crawl.err"
}

# lake's SQL for a table: integers and booleans as text (exact), strings as hex (their bytes).
pt_sql() {
	jq -r -s --arg t "pt.$1" '"SELECT " + ([to_entries[] | .key as $i | .value |
		("\"" + (.name | gsub("\""; "\"\"")) + "\"") as $q |
		(if .type == "bigint" or .type == "boolean" then "CAST(\($q) AS TEXT)"
		 elif .type == "string" then "CASE WHEN \($q) IS NOT NULL THEN hex(\($q)) END"
		 else $q end) + " AS c\($i)"] | join(", ")) + " FROM " + $t' "$T/schema"
}

pt_refusal() {
	jq -r --arg t "pt.$1" 'select(.event == "error" and .table == $t) | .error' "$T/crawl.out" |
		grep . && return
	lake-catalog schema "pt.$1" --format ndjson >"$T/schema" 2>"$T/err" ||
		{ echo "not registered: $(cat "$T/err")"; return; }
	jq -c -s 'map([.name, .type])' "$T/schema" >"$T/lake.columns"
	lake-query --format ndjson "$(pt_sql "$1")" >"$T/lake.out" 2>"$T/err" ||
		{ cat "$T/err"; return; }
	jq -c '[.[] | if type == "number" then . + 0 else . end]' "$T/lake.out" >"$T/lake.rows"
}

pt_same() {
	jq -n -r --slurpfile a "$1" --slurpfile b "$2" '
		def near(x; y): if (x | type) == "number" and (y | type) == "number"
			then x == y or ((x - y) | fabs) <= 1e-15 * ([x, y] | map(fabs) | max)
			else x == y end;
		if ($a | length) != ($b | length) then "\($a | length) rows, expected \($b | length)"
		else first(range($a | length) as $r |
			if ($a[$r] | length) != ($b[$r] | length)
			then "row \($r + 1): \($a[$r] | length) values, expected \($b[$r] | length)"
			else range($a[$r] | length) as $c | select(near($a[$r][$c]; $b[$r][$c]) | not) |
			"row \($r + 1), column \($c + 1): \($a[$r][$c] | tojson), expected \($b[$r][$c] | tojson)"
			end) // "same" end'
}
