# Repeated column names: a CSV header `Name,Email,Spend,Spend,Country`
# kept as CSV lost a column (the schema was one short, `Spend` showed the
# second one's values).  One rule names columns from every source (CSV
# headers, JSON keys, Parquet columns, put, crawl, query, lake-etl map):
# names equal ignoring case get _2, _3... in order, the first keeps its
# name, a suffix already taken is skipped, an empty name is col_N.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"
names() { lake-catalog schema "$1" --format ndjson | jq -r '.name' | tr '\n' ' '; }

printf 'Name,Email,Spend,Spend,Country\nann,a@x,1,2,FR\nbob,b@x,3,4,DE\n' >"$T/dup.csv"

# Kept as CSV, by lake-put, and crawled.
run lake-put raw.dup "$T/dup.csv"
expect_rc 0 "lake-put lands a CSV file with a repeated header name"
lake-crawl >/dev/null
expect_eq "$(names raw.dup)" "Name Email Spend Spend_2 Country " "the second Spend is Spend_2, no column lost"
run lake-query "SELECT Name, Spend, Spend_2 FROM raw.dup ORDER BY Name" --format csv
expect_rc 0 "both columns can be named"
expect_eq "$(cat "$T/out")" "$(printf 'Name,Spend,Spend_2\nann,1,2\nbob,3,4')" "each shows its own values"
run lake-query "SELECT count(*) AS n FROM raw.dup WHERE Spend = 1 AND Spend_2 = 2" --format csv
expect_eq "$(cat "$T/out")" "$(printf 'n\n1')" "and filters on each"

# --to ndjson names them the same way.
lake-put raw.dupn --to ndjson "$T/dup.csv" >/dev/null
lake-crawl >/dev/null
expect_eq "$(names raw.dupn)" "Name Email Spend Spend_2 Country " "--to ndjson gives the same names"

# A file copied in by hand, found by the crawler.
mkdir -p "$L/data/raw/dupc"
cp "$T/dup.csv" "$L/data/raw/dupc/a.csv"
lake-crawl raw.dupc >/dev/null
expect_eq "$(names raw.dupc)" "Name Email Spend Spend_2 Country " "the crawler names them the same way"
run lake-query "SELECT sum(Spend) || ' ' || sum(Spend_2) FROM raw.dupc" --format csv --limit 1
expect_eq "$(tail -n 1 "$T/out")" "4 6" "and the query reads each column"

# Names equal ignoring case are repeats; a suffix already taken is skipped; empty names are col_N.
printf 'id,ID,a,a_2,a,\n1,2,3,4,5,6\n' >"$T/twins.csv"
lake-put raw.twins "$T/twins.csv" >/dev/null
lake-crawl >/dev/null
expect_eq "$(names raw.twins)" "id ID_2 a a_2 a_3 col_5 " "case twins, a taken suffix, an empty name"
run lake-query "SELECT id, ID_2, a, a_2, a_3, col_5 FROM raw.twins" --format csv
expect_eq "$(tail -n 1 "$T/out")" "1,2,3,4,5,6" "each column holds its own field"

# JSON keys that differ only in case: ssn and SSN never resolve to each other.
printf '{"ssn":"111","SSN":"222"}\n{"SSN":"333"}\n' | lake-put raw.people >/dev/null
lake-crawl >/dev/null
run lake-query "SELECT ssn, SSN_2 FROM raw.people" --format csv
expect_eq "$(cat "$T/out")" "$(printf 'ssn,SSN_2\n111,222\n,333')" "JSON keys ssn and SSN are ssn and SSN_2"
run lake-query "SELECT count(*) FROM raw.people WHERE SSN = '222' OR SSN = '333'" --format csv
expect_eq "$(tail -n 1 "$T/out")" "0" "SSN names the column ssn, never the key SSN"

# --to parquet writes the columns under the same names.
printf '{"ssn":"111","SSN":"222"}\n' | lake-put raw.peoplepq --to parquet >/dev/null
expect_eq "$(names raw.peoplepq)" "ssn SSN_2 " "--to parquet: ssn and SSN_2"
run lake-query "SELECT ssn, SSN_2 FROM raw.peoplepq" --format csv
expect_eq "$(tail -n 1 "$T/out")" "111,222" "each read from its own Parquet column"

# A Parquet file from elsewhere with a repeated column name (the lake's
# writer refuses one, so the second name is patched in, same length).
mkdir -p "$L/data/ext/pq"
printf '{"dupA":1,"dupB":2,"DUPa":"s"}\n' |
	"$TESTTOOL" parquet-write "$L/data/ext/pq/x.parquet" "dupA:bigint,dupB:bigint,DUPa:string" 2>/dev/null
perl -0777 -pi -e 's/dupB/dupA/g' "$L/data/ext/pq/x.parquet"
lake-crawl ext.pq >/dev/null
expect_eq "$(names ext.pq)" "dupA dupA_2 DUPa_3 " "a Parquet file's repeated names get suffixes"
run lake-query "SELECT dupA, dupA_2, DUPa_3 FROM ext.pq WHERE dupA_2 = 2" --format csv
expect_eq "$(tail -n 1 "$T/out")" "1,2,s" "and each of its columns is read (and pruned) by its own name"

# lake-etl map's table input: the same rule, not one column for both.
printf '{"a":1,"A":2}\n{"A":5}\n' >"$T/map.ndjson"
run_in "$T/map.ndjson" lake-etl map 'SELECT a, A_2 FROM input'
expect_rc 0 "lake-etl map over keys a and A"
expect_eq "$(cat "$T/out")" "$(printf '{"a":1,"A_2":2}\n{"a":null,"A_2":5}')" "A is A_2 there too"

done_testing
