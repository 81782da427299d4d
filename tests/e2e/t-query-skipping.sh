# Skipping never changes an answer: every statement of the query tests
# (t-query.sh's oracle checks), and comparisons with every file's minimum
# and maximum timestamp in several spellings, give the same rows with
# partitions, files and Parquet row groups skipped as with everything read
# (LAKE_TEST_NO_SKIP, a switch of debug builds), over NDJSON, CSV and
# Parquet.  Skipping must also have happened, or the test proves nothing.
. "$(dirname "$0")/lib.sh"
src=${LAKE_SRC:?}

# same LAKE SQLFILE WHAT: the statements' results (and exit status) with
# skipping and without are equal; skipping skipped something, and the
# switch turned it off.
same() {
	local lake=$1 file=$2 what=$3
	lake-query --lake "$lake" --format csv -f "$file" >"$T/skip.out" 2>"$T/skip.err"
	rc=$?
	LAKE_TEST_NO_SKIP=1 lake-query --lake "$lake" --format csv -f "$file" >"$T/all.out" 2>"$T/all.err"
	rc_all=$?
	if [ "$rc" -eq 0 ] && [ "$rc_all" -eq 0 ] && cmp -s "$T/skip.out" "$T/all.out"; then
		ok "$what: $(grep -c . "$file") statements, the same rows with skipping and without"
	else
		not_ok "$what: results differ with skipping (exit $rc) and without (exit $rc_all)"
		head -3 "$T/skip.err" | sed 's/^/    stderr: /'
		# Name the statements that differ.
		while read -r stmt; do
			a=$(lake-query --lake "$lake" --format csv "$stmt" 2>&1)
			b=$(LAKE_TEST_NO_SKIP=1 lake-query --lake "$lake" --format csv "$stmt" 2>&1)
			[ "$a" = "$b" ] || echo "    differs: $stmt"
		done <"$file" | head -8
	fi
	lake-query --lake "$lake" --explain --format ndjson -f "$file" >"$T/explain.skip" 2>/dev/null
	LAKE_TEST_NO_SKIP=1 lake-query --lake "$lake" --explain --format ndjson -f "$file" >"$T/explain.all" 2>/dev/null
	sf=$(files_skipped "$T/explain.skip") sr=$(rows_read "$T/explain.skip")
	af=$(files_skipped "$T/explain.all") ar=$(rows_read "$T/explain.all")
	if { [ "$sf" -gt 0 ] || [ "$sr" -lt "$ar" ]; } && [ "$af" -eq 0 ]; then
		ok "$what: skipping skipped $sf files and read $sr of $ar rows; the switch skipped none"
	else
		not_ok "$what: skipped $sf files and read $sr rows with skipping, $af and $ar without"
	fi
}
# From --explain's lines: files skipped (by partition or statistics), rows read.
files_skipped() { jq -s '[.[] | select(.table) | .files_skipped_partition + .files_skipped_stats] | add // 0' "$1"; }
rows_read() { jq -s '[.[] | select(.table) | .rows] | add // 0' "$1"; }

# ---- the query tests' statements, over NDJSON and over Parquet ----
# land LAKE FORMAT EVENTS: t-query.sh's tables, the events in FORMAT.
land() {
	local to=
	new_lake "$1"
	[ "$2" = parquet ] && to="--to parquet"
	# shellcheck disable=SC2086
	lake-put --lake "$1" $to --partition-by dt=ts:day --batch-rows 40 raw.ev "$3" >/dev/null &&
		lake-put --lake "$1" raw.people "$T/people.csv" >/dev/null &&
		lake-crawl --lake "$1" >/dev/null || not_ok "cannot land the events as $2"
}
"$TESTTOOL" gen-events 3000 17 >"$T/ev.ndjson"
"$TESTTOOL" gen-events 150 17 >"$T/ev-small.ndjson"
printf 'id,name,zip,score,joined\n1,ann,02134,3.5,2024-05-01\n2,bob,10001,,2024-05-02\n3,"lee, jr",,7,\n4,zoë,94107,1.25,2024-05-03\n' >"$T/people.csv"
# Each oracle check of t-query.sh, as the shell would give it.
sed -n 's/^check "\(.*\)"$/\1/p' "$src/tests/e2e/t-query.sh" | sed 's/\\\$/$/g; s/$/;/' >"$T/all.sql"
[ "$(wc -l <"$T/all.sql")" -gt 40 ] || not_ok "found only $(wc -l <"$T/all.sql") statements in t-query.sh"
# A self-join scans its inner table once per outer row: without skipping,
# each scan reads every file, which over 3000 rows in 90 files is minutes.
# Those statements run over 150 events instead.
grep -v 'raw.ev a JOIN raw.ev b' "$T/all.sql" >"$T/query-tests.sql"
grep 'raw.ev a JOIN raw.ev b' "$T/all.sql" >"$T/self-joins.sql"
for fmt in ndjson parquet; do
	land "$T/$fmt" $fmt "$T/ev.ndjson"
	same "$T/$fmt" "$T/query-tests.sql" "t-query's statements over $fmt"
	land "$T/$fmt-small" $fmt "$T/ev-small.ndjson"
	same "$T/$fmt-small" "$T/self-joins.sql" "t-query's self-joins over $fmt"
done

# ---- timestamps in several spellings, compared with each file's bounds ----
L="$T/ts"
new_lake "$L"
# 4 files of 50 rows, in time order, 37 minutes and a varying fraction
# apart, spelt in turn with a space, T, Z, +01:00, -05:30 and fractions.
base=978307200
i=0
while [ $i -lt 200 ]; do
	echo "@$((base + i * 2220))"
	i=$((i + 1))
done >"$T/epochs"
date -u -f "$T/epochs" +'%Y-%m-%d %H:%M:%S' >"$T/utc"
date -u -f "$T/epochs" +'%Y-%m-%dT%H:%M:%S' >"$T/utc_t"
sed 's/^@//' "$T/epochs" | while read -r e; do echo "@$((e + 3600))"; done | date -u -f - +'%Y-%m-%dT%H:%M:%S' >"$T/east"
sed 's/^@//' "$T/epochs" | while read -r e; do echo "@$((e - 19800))"; done | date -u -f - +'%Y-%m-%d %H:%M:%S' >"$T/west"
paste -d '|' "$T/utc" "$T/utc_t" "$T/east" "$T/west" | awk -F'|' '{
	i = NR - 1; f = (i % 3 == 1) ? ".5" : (i % 7 == 2) ? ".000250" : ""
	s = i % 5
	if (s == 0) t = $1 f; else if (s == 1) t = $2 f; else if (s == 2) t = $2 f "Z"
	else if (s == 3) t = $3 f "+01:00"; else t = $4 f "-05:30"
	print t
}' >"$T/spelt"
mkdir -p "$L/data/raw/ts_pq"
for part in 0 1 2 3; do
	from=$((part * 50 + 1))
	{
		echo "at,v"
		sed -n "$from,$((from + 49))p" "$T/spelt" | awk -v i=$from '{ print $0 "," (i + NR - 1) }'
	} >"$T/p$part.csv"
	sed -n "$from,$((from + 49))p" "$T/spelt" | awk -v i=$from '{ printf "{\"at\":\"%s\",\"v\":%d}\n", $0, i + NR - 1 }' >"$T/p$part.ndjson"
	lake-put --lake "$L" raw.ts_csv "$T/p$part.csv" >/dev/null || not_ok "put csv $part"
	lake-put --lake "$L" raw.ts_json "$T/p$part.ndjson" >/dev/null || not_ok "put ndjson $part"
	# Row groups of 8 rows: their statistics skip within a file.
	"$TESTTOOL" parquet-write "$L/data/raw/ts_pq/p$part.parquet" "at:timestamp,v:bigint" 8 <"$T/p$part.ndjson" 2>/dev/null ||
		not_ok "parquet-write $part"
done
run lake-crawl --lake "$L"
expect_rc 0 "lake-crawl"

# Each file's minimum and maximum (as the catalog has them), spelt as SQL
# shows it, with T, with T and Z, and with +01:00; and each one an instant
# off.  Every comparison with each, plus IN, BETWEEN and min/max subqueries.
sql "$L" "SELECT DISTINCT s.min_value FROM file_column_stats s WHERE s.column_name = 'at'
          UNION SELECT DISTINCT s.max_value FROM file_column_stats s WHERE s.column_name = 'at'" >"$T/bounds"
[ "$(wc -l <"$T/bounds")" -ge 8 ] || not_ok "the files' bounds: $(tr '\n' ' ' <"$T/bounds")"
: >"$T/literals"
while read -r b; do
	e=$(date -u -d "$b" +%s)
	frac=$(echo "$b" | sed -n 's/^[^.]*\(\.[0-9]*\)$/\1/p')
	t=$(echo "$b" | tr ' ' T)
	{
		echo "$b"
		echo "$t"
		echo "${t}Z"
		echo "$(date -u -d "@$((e + 3600))" +'%Y-%m-%dT%H:%M:%S')$frac+01:00"
		echo "$(date -u -d "@$((e - 1))" +'%Y-%m-%dT%H:%M:%S')${frac}Z"
		echo "$(date -u -d "@$((e + 1))" +'%Y-%m-%d %H:%M:%S')$frac"
	} >>"$T/literals"
done <"$T/bounds"
: >"$T/ts.sql"
for t in ts_csv ts_json ts_pq; do
	while read -r lit; do
		for op in '=' '<' '<=' '>' '>='; do
			echo "SELECT count(*), sum(v), min(v), max(v) FROM raw.$t WHERE at $op '$lit';" >>"$T/ts.sql"
		done
		echo "SELECT count(*), sum(v) FROM raw.$t WHERE at IN ('$lit', '2001-01-02');" >>"$T/ts.sql"
		echo "SELECT count(*), sum(v) FROM raw.$t WHERE at BETWEEN '$lit' AND '2001-01-03T12:00:00+01:00';" >>"$T/ts.sql"
	done <"$T/literals"
	echo "SELECT count(*), sum(v) FROM raw.$t WHERE at = (SELECT min(at) FROM raw.$t);" >>"$T/ts.sql"
	echo "SELECT count(*), sum(v) FROM raw.$t WHERE at >= (SELECT max(at) FROM raw.$t WHERE v <= 100);" >>"$T/ts.sql"
	echo "SELECT at, count(*) FROM raw.$t WHERE at > '2001-01-02' GROUP BY at ORDER BY at LIMIT 5;" >>"$T/ts.sql"
done
same "$L" "$T/ts.sql" "timestamps against each file's bounds over CSV, NDJSON and Parquet"
# A row inside a Parquet file's range: its row group of 8 is read, not the file's 50 rows.
mid=$(sed -n 26p "$T/spelt")
run lake-query --lake "$L" --explain --format ndjson "SELECT v FROM raw.ts_pq WHERE at = '$mid'"
expect_eq "$(rows_read "$T/out") $(files_skipped "$T/out")" "8 3" "Parquet row groups are skipped by their statistics ($mid)"

done_testing
