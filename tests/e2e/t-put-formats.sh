# lake-put's input formats: NDJSON (CRLF, BOM, blank lines, a 20 MB line),
# JSON arrays and object sequences, CSV and TSV (quotes, embedded
# newlines, leading zeros kept), zstd inputs, sniffing, --to ndjson, and
# an empty input.  Data must come back out byte-for-byte where the format
# is kept, and as the same values where it is converted.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"

# The data files of the last run's output, decompressed.
landed() { for f in $(jq -r .file "$T/out"); do zstd -dc "$L/$f"; done; }

# NDJSON with CRLF, a BOM and blank lines: records kept, line ends normalised.
printf '\357\273\277{"a":1}\r\n\r\n   \n{"a":2,"s":"x y"}\r\n{"a":3}' >"$T/crlf.ndjson"
run lake-put --lake "$L" raw.nd "$T/crlf.ndjson"
expect_rc 0 "ndjson with BOM, CRLF and blank lines"
expect_eq "$(landed)" "$(printf '{"a":1}\n{"a":2,"s":"x y"}\n{"a":3}')" "records land as NDJSON lines"
expect_eq "$(jq -r .rows "$T/out")" 3 "the printed record counts 3 rows"
expect_eq "$(jq -r .table "$T/out")" raw.nd "the printed record names the table"
f=$(jq -r .file "$T/out")
expect_eq "$(jq -r .bytes "$T/out")" "$(stat -c %s "$L/$f")" "printed bytes are the file's size"
expect_eq "$(sql "$L" "SELECT rows || ' ' || bytes || ' ' || format || ' ' || state || ' ' || raw_bytes FROM files WHERE path = '$f'")" \
	"3 $(stat -c %s "$L/$f") ndjson live $(zstd -dc "$L/$f" | wc -c)" "the catalog registers path, rows, bytes, format and uncompressed size"
case "$f" in data/raw/nd/part-*-*.ndjson.zst) ok "file name follows part-<time>-<random>.ndjson.zst" ;;
*) not_ok "file name $f" ;; esac
zstd -lv "$L/$f" 2>/dev/null | grep -q "Check: XXH64" && ok "zstd frames carry a checksum" || not_ok "no checksum in $f"

# A 20 MB line.
awk 'BEGIN { printf "{\"big\":\""; for (i = 0; i < 20 * 1024 * 1024 / 64; i++) printf "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"; print "\"}"; print "{\"small\":1}" }' >"$T/big.ndjson"
run lake-put --lake "$L" raw.big "$T/big.ndjson"
expect_rc 0 "a 20 MB line"
landed >"$T/big.out"
cmp -s "$T/big.out" "$T/big.ndjson" && ok "the 20 MB line lands intact" || not_ok "20 MB line differs"

# JSON: a pretty-printed array is split into records, one per line.
cat >"$T/arr.json" <<'JSON'
[
  {"id": 1, "name": "a b", "tags": [1, 2],
   "nested": {"x": "y"}},
  {"id": 2, "name": "with \"quotes\" and \\ and [brackets] {braces}"}
]
JSON
run lake-put --lake "$L" raw.js "$T/arr.json"
expect_rc 0 "a JSON array"
expect_eq "$(landed)" "$(printf '%s\n' '{"id":1,"name":"a b","tags":[1,2],"nested":{"x":"y"}}' '{"id":2,"name":"with \"quotes\" and \\ and [brackets] {braces}"}')" \
	"array elements become compact NDJSON records"
expect_eq "$(sql "$L" "SELECT format FROM tables WHERE name = 'js'")" ndjson "JSON lands in an NDJSON table"

printf '{"id": 1,\n "v": true}\n{"id": 2, "v": false}\n' >"$T/seq.json"
run lake-put --lake "$L" raw.js "$T/seq.json"
expect_rc 0 "objects one after another, pretty-printed"
expect_eq "$(jq -r .rows "$T/out")" 2 "each object is a record"

printf '[]' >"$T/emptyarr.json"
run lake-put --lake "$L" raw.js "$T/emptyarr.json"
expect_rc 0 "an empty array"
expect_lines "$T/out" 0 "an empty array commits no file"

# CSV: kept as CSV, header first, quoting and embedded newlines preserved.
printf 'id,name,zip,note\r\n1,"Smith, J",02134,\r\n2,"two\nlines","007",""\r\n3,plain,10001,"say ""hi"""\r\n' >"$T/crm.csv"
run lake-put --lake "$L" raw.crm "$T/crm.csv"
expect_rc 0 "csv"
expect_eq "$(landed)" "$(printf 'id,name,zip,note\n1,"Smith, J",02134,\n2,"two\nlines",007,""\n3,plain,10001,"say ""hi"""')" \
	"CSV stays CSV with its header, quoting and newlines"
expect_eq "$(jq -r .rows "$T/out")" 3 "3 CSV rows (the header is not a row)"
expect_eq "$(sql "$L" "SELECT format FROM tables WHERE name = 'crm'")" csv "the table is a csv table"

# --to ndjson: header names become keys, values keep their meaning.
run lake-put --lake "$L" --to ndjson raw.crmj "$T/crm.csv"
expect_rc 0 "csv --to ndjson"
expect_eq "$(landed)" "$(printf '%s\n' '{"id":1,"name":"Smith, J","zip":"02134","note":null}' '{"id":2,"name":"two\nlines","zip":"007","note":""}' '{"id":3,"name":"plain","zip":10001,"note":"say \"hi\""}')" \
	"numbers become numbers, leading zeros stay strings, empty is null"

printf 'a,a,\n1,2,3\n' >"$T/dup.csv"
run lake-put --lake "$L" --to ndjson raw.dup "$T/dup.csv"
expect_eq "$(landed)" '{"a":1,"a_2":2,"col_2":3}' "repeated and empty header names get unique keys"

# TSV, sniffed from content on a pipe.
printf 'k\tv\nx\t1\ny\t2\n' >"$T/t.tsv.txt"
run_in "$T/t.tsv.txt" lake-put --lake "$L" raw.tsv
expect_rc 0 "tsv from stdin, sniffed"
expect_eq "$(sql "$L" "SELECT format FROM tables WHERE name = 'tsv'")" tsv "sniffed as tsv"
expect_eq "$(landed)" "$(printf 'k\tv\nx\t1\ny\t2')" "TSV stays TSV"

# zstd input, detected by content (not the name) and decompressed.
"$TESTTOOL" gen-events 1000 7 >"$T/ev.ndjson"
zstd -q -19 -c "$T/ev.ndjson" >"$T/ev.bin"
run lake-put --lake "$L" raw.ev "$T/ev.bin"
expect_rc 0 "a zstd-compressed input"
landed >"$T/ev.out"
cmp -s "$T/ev.out" "$T/ev.ndjson" && ok "zstd input lands decompressed and intact" || not_ok "zstd input differs"

# --format forces the reading.
printf '{"a":1}\n' >"$T/x.csv"
run lake-put --lake "$L" --format ndjson raw.forced "$T/x.csv"
expect_rc 0 "--format overrides the name"
expect_eq "$(landed)" '{"a":1}' "read as NDJSON despite .csv"

# Empty input: nothing to commit, not an error.
: >"$T/empty"
run lake-put --lake "$L" raw.nothing "$T/empty"
expect_rc 0 "empty input"
expect_lines "$T/out" 0 "empty input commits nothing"
expect_eq "$(sql "$L" "SELECT count(*) FROM tables WHERE name = 'nothing'")" 0 "and creates no table"

# Several inputs in one run; '-' is stdin.
printf '{"n":1}\n' >"$T/one.ndjson"
printf '{"n":2}\n' | lake-put --lake "$L" raw.multi "$T/one.ndjson" - >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "a file and stdin in one run"
expect_lines "$T/out" 2 "one file per input"

# A table keeps one format.
run lake-put --lake "$L" raw.crm "$T/one.ndjson"
expect_rc 65 "ndjson into a csv table"
expect_err "table holds csv files, not ndjson" "says why"

done_testing
