# Timestamps against DuckDB: the same rows landed as CSV, NDJSON and
# Parquet, their timestamps spelt with T or a space, Z or none, fractions
# or none, give DuckDB's answers to comparisons with literals in any of
# those spellings, and the same values; timestamps with offsets give the
# answers DuckDB gives for the TIMESTAMPTZ its CSV sniffer makes of them.
# Needs Node.js and npm (see duckdb.sh); without them it tests nothing.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/duckdb.sh"

L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"

# 2000 rows, 4h 23m 17.25s apart from 2001-01-01, over a year; four files.
i=0
while [ $i -lt 2000 ]; do
	echo "@$((978307200 + i * 15797))"
	i=$((i + 1))
done >"$T/epochs"
date -u -f "$T/epochs" +'%Y-%m-%d %H:%M:%S' | awk '{
	i = NR - 1; f = (i % 4 == 1) ? ".25" : (i % 4 == 3) ? ".000500" : ""; s = i % 3
	if (s == 0) t = $1 " " $2 f; else if (s == 1) t = $1 "T" $2 f; else t = $1 "T" $2 f "Z"
	print t "," i
}' >"$T/rows"
for part in 0 1 2 3; do
	{
		echo "date,v"
		sed -n "$((part * 500 + 1)),$((part * 500 + 500))p" "$T/rows"
	} >"$T/p$part.csv"
	awk -F, '{ printf "{\"date\":\"%s\",\"v\":%s}\n", $1, $2 }' "$T/p$part.csv" | tail -n +2 >"$T/p$part.ndjson"
	lake-put raw.ts_csv "$T/p$part.csv" >/dev/null || not_ok "put csv $part"
	lake-put raw.ts_json "$T/p$part.ndjson" >/dev/null || not_ok "put ndjson $part"
	lake-put --to parquet raw.ts_pq "$T/p$part.ndjson" >/dev/null || not_ok "put parquet $part"
done
# Offsets, in a table of their own: DuckDB's sniffer reads them as TIMESTAMPTZ.
{
	echo "date,v"
	date -u -f "$T/epochs" +'%Y-%m-%dT%H:%M:%S' | head -n 600 | awk '{
		i = NR - 1; print $0 ((i % 2) ? "+01:00" : "-05:30") "," i }'
} >"$T/off.csv"
lake-put raw.ts_off "$T/off.csv" >/dev/null || not_ok "put offsets"
lake-crawl >/dev/null || not_ok "lake-crawl"

: >"$T/ddl.sql"
for t in ts_csv ts_json ts_pq; do
	lake-catalog ddl raw.$t --dialect duckdb >>"$T/ddl.sql" || not_ok "ddl raw.$t"
done
# The offsets' table as DuckDB's sniffer reads the lake's files, in UTC.
off_files=$(sql "$L" "SELECT group_concat('''$L/' || path || '''') FROM files WHERE table_id = (SELECT id FROM tables WHERE name = 'ts_off')")
echo "SET TimeZone = 'UTC'; CREATE VIEW raw_ts_off AS SELECT * FROM read_csv([$off_files]);" >>"$T/ddl.sql"

# The values, as text: DuckDB prints a TIMESTAMP as lake-query shows one.
for t in ts_csv ts_json ts_pq; do
	same_rows "$T/ddl.sql" "SELECT date, v FROM raw.$t ORDER BY v" \
		"SELECT CAST(CAST(date AS TIMESTAMP) AS VARCHAR), v FROM raw_$t ORDER BY v" "raw.$t: every value"
done
same_rows "$T/ddl.sql" "SELECT date, v FROM raw.ts_off ORDER BY v" \
	"SELECT CAST(CAST(date AS TIMESTAMP) AS VARCHAR), v FROM raw_ts_off ORDER BY v" "raw.ts_off: every value, in UTC"

# Each literal with =, <, <=, >, >=, BETWEEN and IN, each its own WHERE.
counts() {
	local tab=$1 lit=$2
	echo "SELECT 1, count(*) FROM $tab WHERE date = '$lit' UNION ALL
	      SELECT 2, count(*) FROM $tab WHERE date < '$lit' UNION ALL
	      SELECT 3, count(*) FROM $tab WHERE date <= '$lit' UNION ALL
	      SELECT 4, count(*) FROM $tab WHERE date > '$lit' UNION ALL
	      SELECT 5, count(*) FROM $tab WHERE date >= '$lit' UNION ALL
	      SELECT 6, count(*) FROM $tab WHERE date BETWEEN '2001-03-01' AND '$lit' UNION ALL
	      SELECT 7, count(*) FROM $tab WHERE date IN ('$lit', '2001-01-01 00:00:00') ORDER BY 1"
}
r1=$(sed -n 1p "$T/rows" | cut -d, -f1) # a file's first row, as spelt
r2=$(sed -n 500p "$T/rows" | cut -d, -f1) # a file's last row
r3=$(date -u -d @$((978307200 + 1001 * 15797)) +'%Y-%m-%d %H:%M:%S').25 # row 1001, spelt otherwise
for lit in '2001-06-30 12:00:00' '2001-06-30T12:00:00' '2001-06-30T12:00:00Z' '2001-01-01' \
	"$r1" "$r2" "$r3" "${r3}01"; do
	for t in ts_csv ts_json ts_pq; do
		same_rows "$T/ddl.sql" "$(counts raw.$t "$lit")" "$(counts raw_$t "$lit")" "raw.$t: comparisons with '$lit'"
	done
done
for lit in '2001-01-15 12:00:00' '2001-01-15T13:00:00+01:00' '2001-02-01T00:00:00-05:30' "$(sed -n 2p "$T/off.csv" | cut -d, -f1)"; do
	same_rows "$T/ddl.sql" "$(counts raw.ts_off "$lit")" "$(counts raw_ts_off "$lit")" "raw.ts_off: comparisons with '$lit'"
done
for t in ts_csv ts_json ts_pq; do
	same_rows "$T/ddl.sql" "SELECT count(*) FROM raw.$t WHERE date = (SELECT min(date) FROM raw.$t)" \
		"SELECT count(*) FROM raw_$t WHERE date = (SELECT min(date) FROM raw_$t)" "raw.$t: the minimum's rows"
done
done_testing
