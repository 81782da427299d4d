# JSON keys that repeat in one object, and keys holding NUL.  Duplicate
# keys gave answers that depended on the query (`SELECT *` showed a = 2,
# `SELECT a` showed 1, `WHERE a = 2` found nothing); a key "k\u0000x" became
# a column "k" cut at the NUL, read as NULL.  The rule now: the last of
# duplicate keys wins (as in jq, and SPEC §7), on every path (lake-put's and
# lake-crawl's observation, the query's scan, lake-etl, --to parquet,
# --partition-by); a key with NUL is kept whole, its column named with the
# NUL spelt as the six characters \u0000.  Such records are valid JSON and land.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"
q() { lake-query "$1" --format csv >"$T/out" 2>"$T/err"; tail -n +2 "$T/out" | tr '\n' ' '; }
names() { lake-catalog schema "$1" --format ndjson | jq -r '.name' | tr '\n' ' '; }

printf '{"a":1,"a":2}\n{"b":"x","b":3,"a":4}\n{"k\\u0000x":5,"k":6}\n' >"$T/dup.ndjson"
run lake-put raw.dup "$T/dup.ndjson"
expect_rc 0 "records with repeated keys and a NUL in a key land"
lake-crawl >/dev/null
expect_eq "$(names raw.dup)" 'a b k\u0000x k ' "columns: the NUL key whole, spelt k\\u0000x, apart from k"
expect_eq "$(lake-catalog schema raw.dup --format ndjson | jq -r 'select(.name == "b") | .type')" bigint \
	"b's type is its last value's (3), not widened by the \"x\" before it"
expect_eq "$(q "SELECT * FROM raw.dup")" '2,,, 4,3,, ,,5,6 ' "SELECT *: a = 2, b = 3, the NUL key's 5"
expect_eq "$(q "SELECT a FROM raw.dup ORDER BY a")" ' 2 4 ' "SELECT a: 2, the same"
expect_eq "$(q "SELECT count(*) FROM raw.dup WHERE a = 2")" '1 ' "WHERE a = 2 finds the record"
expect_eq "$(q "SELECT count(*) FROM raw.dup WHERE a = 1")" '0 ' "WHERE a = 1 does not"
expect_eq "$(q "SELECT \"k\\u0000x\", k FROM raw.dup WHERE k IS NOT NULL")" '5,6 ' "the NUL key's column holds its value"
expect_eq "$(sql "$L" "SELECT min_value || ' ' || max_value FROM file_column_stats WHERE column_name = 'a'")" "2 4" \
	"the file's min and max of a count only the last values"

# A key written with an escape is read under its decoded name (it read as NULL).
printf '{"caf\\u00e9":1,"x":2}\n' | lake-put raw.esc >/dev/null
lake-crawl raw.esc >/dev/null
expect_eq "$(q "SELECT café, x FROM raw.esc")" '1,2 ' "an escaped key's column holds its value"

# A file copied in by hand: the crawler's reading follows the same rule.
mkdir -p "$L/data/raw/dupc"
cp "$T/dup.ndjson" "$L/data/raw/dupc/a.ndjson"
lake-crawl raw.dupc >/dev/null
expect_eq "$(names raw.dupc)" 'a b k\u0000x k ' "the crawler names the columns the same"
expect_eq "$(q "SELECT a, b FROM raw.dupc WHERE a = 2 OR b = 3 ORDER BY a")" '2, 4,3 ' "and the query reads the last values"

# --to parquet writes the last values into typed columns.
lake-put raw.duppq --to parquet "$T/dup.ndjson" >/dev/null
expect_eq "$(q "SELECT a, b, \"k\\u0000x\", k FROM raw.duppq ORDER BY a")" ',,5,6 2,,, 4,3,, ' \
	"--to parquet: the last values, the NUL key's column"

# --partition-by takes a repeated field's last value.
printf '{"d":"2024-01-01","d":"2024-02-01","v":1}\n' | lake-put raw.part --partition-by m=d:month >"$T/put.out"
expect_eq "$(jq -r .partition "$T/put.out")" "m=2024-02" "--partition-by: the last d decides the partition"

# lake-etl: map over a stream, and a job over the table.
run_in "$T/dup.ndjson" lake-etl map 'SELECT a, b FROM input'
expect_eq "$(cat "$T/out")" "$(printf '{"a":2,"b":null}\n{"a":4,"b":3}\n{"a":null,"b":null}')" "lake-etl map: the last values"
run lake-etl run --name dupjob --sql "SELECT a, b FROM raw.dup WHERE a IS NOT NULL" --target clean.dup
expect_rc 0 "a job over the table"
expect_eq "$(q "SELECT a, b FROM clean.dup ORDER BY a")" '2, 4,3 ' "writes the last values"

done_testing
