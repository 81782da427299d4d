# Timestamps have one meaning in SQL, whatever their spelling in the file
# or in the query: the same rows stored as CSV, NDJSON and Parquet, with
# timestamps spelt with T or a space, Z, offsets or none, fractions or
# none, give the same values and the same answers, and those answers are
# the ones counted here by arithmetic on the instants (DuckDB's: a string
# compared with a TIMESTAMP is cast to one).  Also --as-of TIME.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"

# N rows, row i at 2001-01-01T00:00:00Z + i * 90 minutes, plus 0.25 s when
# i % 4 == 3; spelt five ways in turn.  The spellings come from date(1).
N=240
base=978307200
: >"$T/epochs"
i=0
while [ $i -lt $N ]; do
	echo "@$((base + i * 5400))" >>"$T/epochs"
	i=$((i + 1))
done
# micros I: row I's instant, in microseconds since the epoch.
micros() { echo $(((base + $1 * 5400) * 1000000 + ($1 % 4 == 3 ? 250000 : 0))); }
date -u -f "$T/epochs" +'%Y-%m-%d %H:%M:%S' >"$T/utc"
date -u -f "$T/epochs" +'%Y-%m-%dT%H:%M:%S' >"$T/utc_t"
sed 's/^@//' "$T/epochs" | while read -r e; do echo "@$((e + 3600))"; done | date -u -f - +'%Y-%m-%dT%H:%M:%S' >"$T/east"
sed 's/^@//' "$T/epochs" | while read -r e; do echo "@$((e - 19800))"; done | date -u -f - +'%Y-%m-%d %H:%M:%S' >"$T/west"
paste -d '|' "$T/utc" "$T/utc_t" "$T/east" "$T/west" | awk -F'|' '{
	i = NR - 1; f = (i % 4 == 3) ? ".25" : ""
	s = i % 5
	if (s == 0) t = $1 f
	else if (s == 1) t = $2 f
	else if (s == 2) t = $2 f "Z"
	else if (s == 3) t = $3 f "+01:00"
	else t = $4 f "-05:30"
	print t
}' >"$T/spelt"
# What SQL must show for row i: UTC, a space, the fraction without trailing zeros, no zone.
awk '{ i = NR - 1; print $0 ((i % 4 == 3) ? ".25" : "") }' "$T/utc" >"$T/canonical"

# Four files of 60 rows each, in time order (so their min/max differ), per format.
i=0
for part in 1 2 3 4; do
	{
		echo "date,v"
		sed -n "$((i + 1)),$((i + 60))p" "$T/spelt" | awk -v i=$i '{ print $0 "," (i + NR - 1) }'
	} >"$T/part$part.csv"
	sed -n "$((i + 1)),$((i + 60))p" "$T/spelt" | awk -v i=$i '{ printf "{\"date\":\"%s\",\"v\":%d}\n", $0, i + NR - 1 }' >"$T/part$part.ndjson"
	lake-put raw.csv_t "$T/part$part.csv" >/dev/null || not_ok "put csv part $part"
	lake-put raw.json_t "$T/part$part.ndjson" >/dev/null || not_ok "put ndjson part $part"
	lake-put --to parquet raw.pq_t "$T/part$part.ndjson" >/dev/null || not_ok "put parquet part $part"
	i=$((i + 60))
done
# A fifth CSV file copied in by hand: its statistics are the crawler's.
mkdir -p "$L/data/raw/csv_t"
{ echo "date,v"; printf '2001-01-20T00:00:00+01:00,1000\n2001-01-20 01:00:00.5,1001\n'; } >"$L/data/raw/csv_t/hand.csv"
run lake-crawl
expect_rc 0 "lake-crawl"
for t in csv_t json_t pq_t; do
	expect_eq "$(lake-catalog schema raw.$t --format ndjson | jq -r 'select(.name == "date") | .type')" timestamp "raw.$t: date is a timestamp"
done

# value SQL: the last line of lake-query's CSV, or how it failed.
value() {
	lake-query --format csv "$1" >"$T/v.out" 2>"$T/v.err" || { echo "exit $? $(head -c 200 "$T/v.err")"; return; }
	tail -n 1 "$T/v.out"
}

# Every value SQL sees is in one spelling, the same from every format.
for t in csv_t json_t pq_t; do
	run lake-query --format csv "SELECT date FROM raw.$t WHERE v < $N ORDER BY v"
	tail -n +2 "$T/out" >"$T/seen.$t"
	if [ "$rc" -eq 0 ] && cmp -s "$T/seen.$t" "$T/canonical"; then
		ok "raw.$t: every timestamp reads in UTC as 'YYYY-MM-DD HH:MM:SS[.f]'"
	else
		not_ok "raw.$t: timestamps as SQL sees them (exit $rc)"
		diff "$T/seen.$t" "$T/canonical" | head -4 | sed 's/^/    /'
	fi
done

# count OP MICROS: the rows (of the N) whose instant satisfies OP against MICROS.
i=0
while [ $i -lt $N ]; do
	micros $i
	i=$((i + 1))
done >"$T/micros"
count() {
	awk -v op="$1" -v m="$2" '
		(op == "=" && $1 == m) || (op == "<" && $1 < m) || (op == "<=" && $1 <= m) ||
		(op == ">" && $1 > m) || (op == ">=" && $1 >= m) { n++ }
		END { print n + 0 }' "$T/micros"
}

# Literals for the instants of some rows (files' first and last rows
# among them), spelt as rows are and as they are not, and instants
# between rows.
: >"$T/literals"
for k in 0 1 3 59 60 119 120 137 179 180 238 239; do
	m=$(micros $k)
	u=$(sed -n "$((k + 1))p" "$T/utc")
	ut=$(sed -n "$((k + 1))p" "$T/utc_t")
	e=$(sed -n "$((k + 1))p" "$T/east")
	f=$([ $((k % 4)) -eq 3 ] && echo .25)
	g=$([ $((k % 4)) -eq 3 ] && echo .250000)
	printf '%s|%s\n' "$m" "$u$f" "$m" "$ut$f" "$m" "$ut${g}Z" "$m" "$e$f+01:00" "$m" "$e${g}+0100" >>"$T/literals"
	# One second later: between this row and the next.
	printf '%s|%s\n' "$((m + 1000000))" "$(date -u -d "@$((base + k * 5400 + 1))" +'%Y-%m-%dT%H:%M:%S')$f" >>"$T/literals"
done
# A date alone is its midnight.
printf '%s|%s\n' "$(((base + 4 * 86400) * 1000000))" "2001-01-05" >>"$T/literals"

# Each literal with each operator: the expected counts, and for each table
# the statements, run by one lake-query (each statement's own WHERE).
: >"$T/want"
: >"$T/preds"
while IFS='|' read -r m lit; do
	for op in '=' '<' '<=' '>' '>='; do
		count "$op" "$m" >>"$T/want"
		echo "date $op '$lit'" >>"$T/preds"
	done
done <"$T/literals"
for t in csv_t json_t pq_t; do
	sed "s/.*/SELECT count(*) AS n FROM raw.$t WHERE v < $N AND &;/" "$T/preds" >"$T/q.sql"
	run lake-query --format csv -f "$T/q.sql"
	grep -v '^n$' "$T/out" >"$T/got"
	if [ "$rc" -eq 0 ] && cmp -s "$T/got" "$T/want"; then
		ok "raw.$t: =, <, <=, >, >= with $(wc -l <"$T/preds") literals in any ISO-8601 spelling"
	else
		not_ok "raw.$t: comparisons with literals (exit $rc)"
		paste -d ' ' "$T/preds" "$T/got" "$T/want" | awk '$(NF - 1) != $NF' | head -5 | sed 's/^/    got, expected: /'
	fi
done

# IN and BETWEEN take the literal's instant too.
for t in csv_t json_t pq_t; do
	expect_eq "$(value "SELECT count(*) FROM raw.$t WHERE date IN ('2001-01-01T01:30:00Z', '2001-01-01 04:30:00.25', '2001-01-01T04:00:00+01:00', '1999-01-01')")" 3 \
		"raw.$t: IN with three spellings of three rows"
	lo=$(sed -n 61p "$T/utc_t") hi=$(sed -n 120p "$T/east")
	expect_eq "$(value "SELECT count(*) FROM raw.$t WHERE date BETWEEN '${lo}Z' AND '$hi.25+01:00'")" 60 \
		"raw.$t: BETWEEN a file's first and last row, spelt otherwise, is that file"
done

# What the issue saw: the CSV's first row, spelt as it is, with and without skipping by statistics.
first=$(sed -n 2p "$T/part1.csv" | cut -d, -f1)
expect_eq "$(value "SELECT v FROM raw.csv_t WHERE date = '$first'")" 0 "the first row found by its own spelling ($first)"
expect_eq "$(value "SELECT v FROM raw.csv_t WHERE +date = '$first'")" 0 "and by +date, which no statistic sees"
second=$(sed -n 3p "$T/part1.csv" | cut -d, -f1)
expect_eq "$(value "SELECT v FROM raw.csv_t WHERE date = '$second'")" 1 "the second row by its own spelling ($second)"
for t in csv_t json_t pq_t; do
	expect_eq "$(value "SELECT count(*) FROM raw.$t WHERE date = (SELECT min(date) FROM raw.$t)")" 1 \
		"raw.$t: date = (SELECT min(date)) finds the first row"
	expect_eq "$(value "SELECT count(*) FROM raw.$t WHERE date = (SELECT max(date) FROM raw.$t WHERE v < $N)")" 1 \
		"raw.$t: date = (SELECT max(date)) finds the last row"
	expect_eq "$(value "SELECT min(date) || ' ' || max(date) FROM raw.$t WHERE v < $N")" \
		"$(head -n 1 "$T/canonical") $(tail -n 1 "$T/canonical")" "raw.$t: min() and max() by instant"
done
# The hand-copied CSV file, pruned by the crawler's statistics: its offset row and fraction.
expect_eq "$(value "SELECT group_concat(v, '|') FROM raw.csv_t WHERE date >= '2001-01-19T23:00:00Z'")" "1000|1001" \
	"a crawled file's rows by instant"
expect_eq "$(value "SELECT v FROM raw.csv_t WHERE date = '2001-01-20T02:00:00.500+01:00'")" 1001 \
	"and its fraction, spelt otherwise"
expect_eq "$(value "SELECT v FROM raw.csv_t WHERE date < '2001-01-20 01:00:00.5' AND date > '2001-01-19T23:59:59.999999+01:00'")" 1000 \
	"and its offset row"

# Equal instants spelt differently are one value to GROUP BY and DISTINCT.
printf '{"t":"2002-02-02T02:02:02Z"}\n{"t":"2002-02-02 03:02:02+01:00"}\n{"t":"2002-02-02T02:02:02.000"}\n{"t":"2002-02-02"}\n' |
	lake-put raw.same >/dev/null
lake-crawl raw.same >/dev/null
expect_eq "$(value "SELECT count(DISTINCT t) FROM raw.same")" 2 "count(DISTINCT) of one instant in three spellings and a date"
run lake-query --format csv "SELECT t, count(*) FROM raw.same GROUP BY t ORDER BY t"
expect_eq "$(tail -n +2 "$T/out" | tr '\n' ' ')" "2002-02-02 00:00:00,1 2002-02-02 02:02:02,3 " "GROUP BY gives each instant once"

# Dates spelt year first with '/' (as DuckDB's CSV sniffer types them) are timestamps too.
printf 'at,n\n2015/01/01 01:00:00,1\n2015/01/02 01:00:00,2\n' >"$T/slash.csv"
lake-put raw.slash "$T/slash.csv" >/dev/null
lake-crawl raw.slash >/dev/null
expect_eq "$(lake-catalog schema raw.slash --format ndjson | jq -r 'select(.name == "at") | .type')" timestamp \
	"'2015/01/01 01:00:00' is a timestamp"
expect_eq "$(value "SELECT group_concat(at, '|') FROM raw.slash WHERE at >= '2015-01-01T01:00:00Z'")" \
	"2015-01-01 01:00:00|2015-01-02 01:00:00" "and reads, compares and prints as the others"
# json_slash_is_text: in JSON only ISO-8601 is a time, as DuckDB's JSON reader has it: the same
# text in an NDJSON string stays a string (vega's flights-2k.json, read by DuckDB as VARCHAR).
printf '{"at":"2015/01/01 01:00","n":1}\n{"at":"2015-01-02 01:00:00","n":2}\n' >"$T/slash.ndjson"
lake-put raw.jslash "$T/slash.ndjson" >/dev/null
lake-crawl raw.jslash >/dev/null
expect_eq "$(lake-catalog schema raw.jslash --format ndjson | jq -r 'select(.name == "at") | .type')" string \
	"json_slash_is_text: a JSON string '2015/01/01 01:00' does not make a timestamp column"
expect_eq "$(value "SELECT group_concat(at, '|') FROM raw.jslash")" "2015/01/01 01:00|2015-01-02 01:00:00" \
	"json_slash_is_text: its values read as written"

# Dates likewise: one spelling, compared as their midnights, also as partition keys.
printf 'd,n\n2015/01/02,1\n2015-01-03,2\n2015.01.04,3\n' >"$T/dates.csv"
lake-put raw.dates "$T/dates.csv" >/dev/null
printf '{"n":4}\n' | lake-put --partition dk=2015.01.05 raw.dkeys >/dev/null
printf '{"n":5}\n' | lake-put --partition dk=2015-01-06 raw.dkeys >/dev/null
lake-crawl raw.dates raw.dkeys >/dev/null
expect_eq "$(lake-catalog schema raw.dates --format ndjson | jq -r 'select(.name == "d") | .type')" date \
	"'2015/01/02', '2015-01-03' and '2015.01.04' make a date column"
expect_eq "$(value "SELECT group_concat(d, '|') FROM raw.dates")" "2015-01-02|2015-01-03|2015-01-04" \
	"dates read as 'YYYY-MM-DD' whatever their spelling"
expect_eq "$(value "SELECT group_concat(n, '|') FROM raw.dates WHERE d = '2015/01/02' OR d = '2015-01-03T00:00:00Z'")" "1|2" \
	"a date equals its own day in any spelling, and its midnight"
expect_eq "$(value "SELECT group_concat(n, '|') FROM raw.dates WHERE d > '2015-01-02 00:00:00.5' AND d <= '2015-01-04T01:00:00+01:00'")" "2|3" \
	"a date compares with timestamps as its midnight"
# Its directory, dk=2015.01.05, comes after dk=2015-01-06 in path order: ORDER BY must sort.
run lake-query --format csv "SELECT dk, n FROM raw.dkeys WHERE dk >= '2015/01/05' ORDER BY dk"
expect_eq "$(tail -n +2 "$T/out" | tr '\n' ' ')" "2015-01-05,4 2015-01-06,5 " \
	"a date partition key spelt with dots reads, compares and sorts as the others"
expect_eq "$(value "SELECT n FROM raw.dkeys WHERE dk = '2015-01-05T00:00:00'")" 4 "and is skipped or kept by its instant"

# --as-of TIME compares instants: a version made at 12:00:00.5 is after 12:00:00.
printf '{"x":1}\n' | lake-put raw.asof >/dev/null
sql "$L" "UPDATE table_versions SET created = '2024-05-01T11:00:00Z' WHERE version = 0 AND table_id = (SELECT id FROM tables WHERE name = 'asof');
          UPDATE table_versions SET created = '2024-05-01T12:00:00.500000Z' WHERE version = 1 AND table_id = (SELECT id FROM tables WHERE name = 'asof')"
asof() {
	lake-query --format csv --as-of "$1" "SELECT count(*) FROM raw.asof" >"$T/v.out" 2>"$T/v.err" || { echo "exit $?"; return; }
	tail -n 1 "$T/v.out"
}
expect_eq "$(asof 2024-05-01T12:00:00Z)" 0 "--as-of 12:00:00Z: the version made half a second later is not read"
expect_eq "$(asof '2024-05-01 14:00:00.4+02:00')" 0 "--as-of in another zone, before it"
expect_eq "$(asof '2024-05-01 12:00:00.5')" 1 "--as-of the instant it was made reads it"

done_testing
