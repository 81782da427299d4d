# Apache's Parquet conformance files (tests/data/parquet-testing, from
# github.com/apache/parquet-testing), each crawled as a table of its own
# and read by lake-query, held to answers committed beside them
# (expected.tsv, from DuckDB by scripts/gen-parquet-testing-expected): the
# columns' types, the number of rows and five rows value for value.  Files
# with nested columns are refused with the reason `refused` gives; a
# genuinely broken file names the column, row group and what is wrong.
# tests/interop/t-parquet-testing compares every row with DuckDB's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/parquet-suite.sh"

tab=$(printf '\t')
pt_setup "$suite_data"
expected="$suite_data/expected.tsv"

# check_file PATH: lake's columns, row count and sampled rows against expected.tsv.
check_file() {
	local f=$1 k line
	awk -F '\t' -v f="$f" '$1 == f && $2 == "columns" { print $3 }' "$expected" >"$T/want.columns"
	if [ ! -s "$T/want.columns" ]; then
		not_ok "$f: lake reads it, but expected.tsv has no answers for it"
		return
	fi
	if [ "$(jq -c 'map(.[1])' "$T/lake.columns")" != "$(jq -c 'map(.[1])' "$T/want.columns")" ]; then
		not_ok "$f: columns typed $(jq -c 'map(.[1])' "$T/lake.columns"), expected $(jq -c 'map(.[1])' "$T/want.columns")"
		return
	fi
	want=$(awk -F '\t' -v f="$f" '$1 == f && $2 == "rows" { print $3 }' "$expected")
	got=$(wc -l <"$T/lake.rows" | tr -d ' ')
	if [ "$got" != "$want" ]; then
		not_ok "$f: $got rows, expected $want"
		return
	fi
	awk -F '\t' -v f="$f" '$1 == f && $2 ~ /^[0-9]+$/ { print $2 "\t" $3 }' "$expected" >"$T/want.sample"
	while IFS="$tab" read -r k line; do
		printf '%s\n' "$line" >"$T/want.row"
		sed -n "$((k + 1))p" "$T/lake.rows" >"$T/got.row"
		result=$(pt_same "$T/got.row" "$T/want.row")
		if [ "$result" != same ]; then
			not_ok "$f: row $((k + 1)) differs: ${result#row 1, }"
			return
		fi
	done <"$T/want.sample"
	ok "$f: $got rows, $(wc -l <"$T/want.sample" | tr -d ' ') of them checked value for value"
}

while IFS="$tab" read -r t f; do
	want=$(awk -F '\t' -v f="$f" '$1 == f { print $2 }' "$suite_data/refused")
	why=$(pt_refusal "$t")
	if [ -n "$why" ] && [ -n "$want" ] && printf '%s' "$why" | grep -qF -- "$want"; then
		ok "$f: refused: $want"
	elif [ -n "$why" ]; then
		not_ok "$f: lake refuses it: $why"
	elif [ -n "$want" ]; then
		not_ok "$f: read, though listed as refused ($want)"
	else
		check_file "$f"
	fi
done <"$T/tables"

# NaN is NULL, and a NaN bound in the statistics (nan_in_stats: min 1, max
# NaN) neither skips the row group nor hides the NaN from IS NULL.
run lake-query --format csv "SELECT (SELECT count(*) FROM pt.t_nan_in_stats WHERE x >= 1), (SELECT count(*) FROM pt.t_nan_in_stats WHERE x IS NULL), (SELECT count(x) FROM pt.t_float16_nonzeros_and_nans)"
expect_eq "$(tail -1 "$T/out")" "1,1,6" "NaN reads as NULL (a FLOAT16 NaN too) and its bound skips nothing"
run lake-query --format csv "SELECT count(*) FROM pt.t_nan_in_stats WHERE x > 0.5 AND x < 1.5"
expect_eq "$(tail -1 "$T/out")" "1" "a range under a NaN bound finds its row"
# Spark's INT96 past the year 9999, and a geometry as its WKB in hex.
run lake-query --format csv "SELECT a FROM pt.t_int96_from_spark WHERE a LIKE '290000-%'"
expect_eq "$(tail -1 "$T/out")" "290000-12-30T23:00:00Z" "INT96 of the year 290000 reads as Spark wrote it"
run lake-query --format csv "SELECT geometry FROM pt.t_geospatial WHERE wkt = 'POINT (30 10)'"
expect_eq "$(tail -1 "$T/out")" "01010000000000000000003E400000000000002440" "GEOMETRY is WKB in upper-case hex"

# Genuinely broken: a page header overwritten.  The message says where and what.
mkdir -p "$L/data/broken/t"
cp "$suite_data/alltypes_plain.parquet" "$L/data/broken/t/"
printf '\377\377\377\377\377\377\377\377' |
	dd of="$L/data/broken/t/alltypes_plain.parquet" bs=1 seek=4 conv=notrunc 2>/dev/null
lake-crawl broken >/dev/null 2>&1
run lake-query "SELECT id FROM broken.t"
expect_rc 65 "a file with a broken page fails the query"
expect_err 'alltypes_plain.parquet: column "id" in row group 0: page header at byte 0 of' \
	"naming the file, the column, the row group and what is wrong"
done_testing
