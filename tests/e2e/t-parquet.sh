# Parquet end to end: files another engine wrote (tests/data/parquet, by
# DuckDB) are crawled from their footers and queried value for value;
# lake-put --to parquet and lake-etl's parquet format write files that
# lake reads back as it reads the same rows in NDJSON; corrupt and nested
# files are refused with a message.
. "$(dirname "$0")/lib.sh"
fx="$LAKE_SRC/tests/data/parquet"
L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"

# answer SQL [FORMAT]: lake-query's rows, or a line saying it failed, so
# two failing queries (a crash, say) never pass for equal answers.
answer() {
	lake-query --format "${2:-ndjson}" "$1" 2>"$T/answer.err" ||
		echo "lake-query failed ($?): $(head -c 300 "$T/answer.err")"
}

# same_answers SED_A SED_B WHAT QUERY...: each query, its table names
# written by SED_A and by SED_B, gives the same rows both ways (and runs).
same_answers() {
	local sed_a=$1 sed_b=$2 what=$3 q a b same=0 total=0
	shift 3
	for q in "$@"; do
		total=$((total + 1))
		a=$(answer "$(echo "$q" | sed "$sed_a")")
		b=$(answer "$(echo "$q" | sed "$sed_b")")
		case $a in "lake-query failed"*) echo "    $a" ;; esac
		if [ "$a" = "$b" ] && [ "${a#lake-query failed}" = "$a" ]; then
			same=$((same + 1))
		else
			echo "    differs: $q"
		fi
	done
	expect_eq "$same" "$total" "$what"
}

# ---- files other engines wrote ----
mkdir -p "$L/data/ext/types" "$L/data/ext/types2" "$L/data/ext/strings"
cp "$fx/types-v2-zstd.parquet" "$L/data/ext/types/a.parquet"
cp "$fx/types-v1-gzip.parquet" "$L/data/ext/types2/a.parquet"
# The name does not say Parquet: the first bytes do.
cp "$fx/types-v1-snappy.parquet" "$L/data/ext/types2/b.data"
cp "$fx/strings-v1-snappy.parquet" "$L/data/ext/strings/s1.parquet"
cp "$fx/strings-v2-zstd.parquet" "$L/data/ext/strings/s2.parquet"
run lake-crawl ext
expect_rc 0 "lake-crawl registers Parquet files"
expect_eq "$(lake-catalog show ext.types2 --format ndjson | jq -r '"\(.format) \(.files) \(.rows)"')" "parquet 2 600" \
	"named .parquet or not, two files of 300 rows"
expect_eq "$(lake-catalog schema ext.types --format ndjson | jq -r '"\(.name):\(.type)"' | tr '\n' ' ')" \
	"b:boolean i8:bigint i16:bigint i32:bigint i64:bigint u8:bigint u16:bigint u32:bigint u64:double f:double d:double dec9:double dec18:double dec38:double s_low:string s_high:string bl:string dt:date ts:timestamp ts_ms:timestamp ts_ns:timestamp tstz:timestamp uid:string en:string nul:bigint id:bigint " \
	"Parquet's types as lake's"
expect_eq "$(sql "$L" "SELECT min_value || ' ' || max_value || ' ' || null_count FROM file_column_stats s JOIN files f ON f.id = s.file_id WHERE f.path LIKE '%/types/a.parquet' AND s.column_name = 'id'")" "0 299 0" \
	"statistics from the row groups"

# Every value of every row, as DuckDB says it is (types.expected).
cols="b i8 i16 i32 i64 u8 u16 u32 s_low s_high dt ts ts_ms ts_ns tstz uid en nul id"
# As text, so that 64-bit integers are compared exactly; booleans as their words.
sel="CASE b WHEN 1 THEN 'true' WHEN 0 THEN 'false' END$(echo "$cols" | sed 's/^b//; s/ \([a-z0-9_]*\)/, CAST(\1 AS TEXT)/g')"
run lake-query --format ndjson "SELECT $sel FROM ext.types ORDER BY id"
jq -c '[.[]]' "$T/out" >"$T/lake.rows"
jq -c --arg cols "$cols" 'if (.[0] | type) == "array" then empty else . end' "$fx/types.expected" >"$T/all.rows"
head -1 "$fx/types.expected" | jq -r '[.[][0]] | join(" ")' >"$T/names"
# Timestamps as SQL spells them (lake-query(1)), and DuckDB prints them: space, no Z, no trailing zeros.
sqlts='if type == "string" and test("^[0-9-]{10}T") then sub("T"; " ") | sub("Z$"; "") | sub("(?<f>[.][0-9]*[1-9])0+$"; "\(.f)") else . end'
jq -c --arg cols "$cols" --rawfile names "$T/names" '($names | rtrimstr("\n") | split(" ")) as $n | ($cols | split(" ")) as $c | . as $row | [$c[] as $k | ($n | index($k)) as $i | $row[$i] | '"$sqlts"']' "$T/all.rows" >"$T/want.rows"
if [ "$(wc -l <"$T/lake.rows")" -eq 300 ] && cmp -s "$T/lake.rows" "$T/want.rows"; then
	ok "every value of 300 rows and 19 columns is DuckDB's"
else
	not_ok "values differ from types.expected"
	diff "$T/lake.rows" "$T/want.rows" | head -6 | sed 's/^/    /'
fi
# Every file of the other table (gzip and snappy, pages v1) holds the same values.
for c in f d dec9 dec18 dec38 u64 s_low ts_ns; do
	a=$(answer "SELECT $c FROM ext.types ORDER BY id" csv)
	b=$(answer "SELECT $c FROM ext.types2 WHERE id >= 0 GROUP BY id ORDER BY id" csv)
	[ "$a" = "$b" ] && [ "${a#lake-query failed}" = "$a" ] || not_ok "column $c differs between the codecs: $a"
done
ok "four codecs and both page versions read alike"
run lake-query "SELECT sum(f) AS f, sum(dec18) AS dec18, count(d) AS d FROM ext.types"
want=$(jq -s -c '.[1:] | {f: (map(.[9] | select(. != null) | tonumber) | add), dec18: (map(.[12] | select(. != null) | tonumber) | add), d: (map(.[10] | select(. != null)) | length)}' "$fx/types.expected")
jq -e -n --argjson got "$(cat "$T/out")" --argjson want "$want" \
	'(($got.f - $want.f) | fabs) < 1e-6 and (($got.dec18 - $want.dec18) | fabs) < 1e-3 and $got.d == $want.d' >/dev/null &&
	ok "floats, decimals and doubles add up as DuckDB's" || not_ok "sums: $(cat "$T/out") vs $want"
# UBIGINT values past INT64_MAX: the column is a double (its statistics said so), none is lost.
run lake-query "SELECT count(u64) AS n, sum(u64) AS s, max(u64) AS hi FROM ext.types"
want=$(jq -s -c '.[1:] | map(.[8] | select(. != null) | tonumber) | {n: length, s: add, hi: max}' "$fx/types.expected")
jq -e -n --argjson got "$(cat "$T/out")" --argjson want "$want" \
	'$got.n == $want.n and $want.hi > 9.3e18 and (($got.s - $want.s) | fabs) <= 1e-9 * $want.s and $got.hi == $want.hi' >/dev/null &&
	ok "unsigned 64-bit values past INT64_MAX read as doubles" || not_ok "u64: $(cat "$T/out") vs $want"
run lake-query --format csv "SELECT few, many, n FROM ext.strings WHERE n < 50 GROUP BY n ORDER BY n"
jq -r -s '.[1:51] | .[] | map(. // "") | @csv' "$fx/strings.expected" | sed 's/"//g' >"$T/want.csv"
tail -n +2 "$T/out" | sed 's/"//g' >"$T/got.csv"
cmp -s "$T/got.csv" "$T/want.csv" && ok "dictionary and plain strings of data pages v1 and v2" || not_ok "strings differ: $(diff "$T/got.csv" "$T/want.csv" | head -3)"

# Special floats from another engine (specials.expected: DuckDB's text,
# inf, -inf, nan): NaN is NULL in SQL, infinities stay REAL and print as
# "Infinity"/"-Infinity" in NDJSON and JSON, inf/-inf in CSV, TSV and a
# table, never as an empty cell or null that reads as NULL.
mkdir -p "$L/data/ext/specials"
cp "$fx/specials-snappy.parquet" "$L/data/ext/specials/s.parquet"
lake-crawl ext.specials >/dev/null
jq -c 'if (.[0] | type) == "array" then empty else
	{id: (.[0] | tonumber)} + ([["d", .[1]], ["f", .[2]]] | map({(.[0]): (.[1] |
		if . == null or . == "nan" then null elif . == "inf" then "Infinity"
		elif . == "-inf" then "-Infinity" else tonumber end)}) | add) end' \
	"$fx/specials.expected" >"$T/specials.want"
run lake-query "SELECT id, d, f FROM ext.specials ORDER BY id"
expect_rc 0 "a Parquet file of infinities and NaN reads"
jq -e -n --slurpfile got "$T/out" --slurpfile want "$T/specials.want" '$got == $want' >/dev/null &&
	ok "NDJSON prints infinities as \"Infinity\" and \"-Infinity\", NaN as null" ||
	not_ok "specials as NDJSON: $(head -3 "$T/out" | tr '\n' ' ')"
run lake-query --format json "SELECT id, d, f FROM ext.specials ORDER BY id"
jq -e --slurpfile want "$T/specials.want" '. == $want' "$T/out" >/dev/null &&
	ok "and so does JSON" || not_ok "specials as JSON: $(head -c 200 "$T/out")"
{
	echo "id,d,f"
	jq -r 'if (.[0] | type) == "array" then empty else
		map(if . == null or . == "nan" then "" else . end) | join(",") end' "$fx/specials.expected"
} >"$T/specials.csv"
run lake-query --format csv "SELECT id, d, f FROM ext.specials ORDER BY id"
cmp -s "$T/out" "$T/specials.csv" && ok "CSV prints them as inf and -inf, NaN and NULL empty" ||
	not_ok "specials as CSV: $(diff "$T/out" "$T/specials.csv" | head -4 | tr '\n' ' ')"
run lake-query --format tsv "SELECT id, d, f FROM ext.specials ORDER BY id"
expect_eq "$(tr '\t' ',' <"$T/out")" "$(cat "$T/specials.csv")" "and TSV"
run lake-query --format table "SELECT d, f FROM ext.specials WHERE id = 0"
expect_eq "$(tr -s ' \n' '  ' <"$T/out")" "d f inf -inf " "and a table"
n_inf=$(grep -c '^\["[0-9]*","inf"' "$fx/specials.expected")
n_nan=$(grep -c '^\["[0-9]*","nan"' "$fx/specials.expected")
expect_eq "$(answer "SELECT count(*) FILTER (WHERE d > 1e308), count(*) FILTER (WHERE typeof(d) = 'real' AND d > 1e308), count(*) FILTER (WHERE d IS NULL) FROM ext.specials WHERE d > 1e308 OR d IS NULL" csv | tail -1)" \
	"$n_inf,$n_inf,$((n_nan + $(grep -c '^\["[0-9]*",null' "$fx/specials.expected")))" \
	"in SQL an infinity is a REAL greater than any number, NaN is NULL"
# What lake writes of them reads back the same, whatever the format, and
# lake-crawl types the text spellings as doubles.
for to in ndjson csv parquet; do
	run lake-etl run --name "specials_$to" --sql "SELECT id, d, f FROM ext.specials" --target "raw.specials_$to" --to "$to"
	expect_rc 0 "lake-etl writes infinities to $to"
	expect_eq "$(lake-catalog schema "raw.specials_$to" --format ndjson | jq -r .type | tr '\n' ' ')" "bigint double double " \
		"as double columns ($to)"
	expect_eq "$(answer "SELECT id, d, f FROM raw.specials_$to ORDER BY id")" "$(answer "SELECT id, d, f FROM ext.specials ORDER BY id")" \
		"and reads them back ($to)"
done
printf '{"x":1.5}\n{"x":"Infinity"}\n{"x":"-Infinity"}\n' | lake-put raw.inf_nd >/dev/null
printf 'x\n1.5\ninf\n-inf\n' | lake-put --format csv raw.inf_csv >/dev/null
lake-crawl raw.inf_nd raw.inf_csv >/dev/null
for t in raw.inf_nd raw.inf_csv; do
	expect_eq "$(lake-catalog schema $t --format ndjson | jq -r .type)" double "lake-crawl types $t's infinities as doubles"
	expect_eq "$(answer "SELECT x FROM $t ORDER BY x" csv | tr '\n' ' ')" "x -inf 1.5 inf " "and they read as infinities ($t)"
done

# Only the used columns' chunks are read, and only the row groups the statistics leave.
mkdir -p "$L/data/ext/rg"
seq 1 10000 | jq -c '{id: ., v: (. * 7 % 1000), s: ("s" + (. % 50 | tostring))}' |
	"$TESTTOOL" parquet-write "$L/data/ext/rg/x.parquet" "id:bigint,v:bigint,s:string" 1000 2>/dev/null
lake-crawl ext.rg >/dev/null
run lake-query --explain --format ndjson "SELECT count(*) AS n FROM ext.rg WHERE id BETWEEN 2500 AND 2600"
expect_eq "$(jq -c 'select(.table) | {rows, files_scanned}' "$T/out")" '{"rows":1000,"files_scanned":1}' \
	"a range of ids reads one row group of ten"
jq -e 'select(.table) | .bytes_scanned * 10 < .bytes_skipped' "$T/out" >/dev/null &&
	ok "and under a tenth of the file's bytes" || not_ok "bytes: $(jq -c 'select(.table)' "$T/out")"
expect_eq "$(lake-query "SELECT count(*) AS n FROM ext.rg WHERE id BETWEEN 2500 AND 2600")" '{"n":101}' "with the right answer"
run lake-query --explain --format ndjson "SELECT sum(v) AS v FROM ext.rg"
jq -e 'select(.table) | .rows == 10000 and .bytes_skipped * 3 > .bytes_scanned + .bytes_skipped' "$T/out" >/dev/null &&
	ok "one column of three leaves the other two chunks unread" || not_ok "bytes: $(jq -c 'select(.table)' "$T/out")"
expect_eq "$(lake-query "SELECT sum(v) AS v FROM ext.rg")" "$(seq 1 10000 | awk '{ s += $1 * 7 % 1000 } END { printf "{\"v\":%d}", s }')" "and sums it right"

# SQLite answers `x OR y` by one scan per term, merged by rowid, and each
# term skips other row groups: a row's id is its place in the whole file,
# rows of skipped row groups counted, or rows of the second term whose
# place shifted pass for rows of the first and are dropped.  Two files of
# ten row groups; each pair of terms reads some row groups of x.parquet
# that the other skips.
mkdir -p "$L/data/ext/orrg"
seq 0 999 | jq -c '{a: ., b: (1999 - .)}' |
	"$TESTTOOL" parquet-write "$L/data/ext/orrg/x.parquet" "a:bigint,b:bigint" 100 2>/dev/null
seq 1000 1999 | jq -c '{a: ., b: (1999 - .)}' |
	"$TESTTOOL" parquet-write "$L/data/ext/orrg/y.parquet" "a:bigint,b:bigint" 100 2>/dev/null
lake-crawl ext.orrg >/dev/null
# count WHERE: the rows of ext.orrg that WHERE lets through, or why not.
count() { answer "SELECT count(*) AS n FROM ext.orrg WHERE $1" csv | tail -n +2; }
for terms in "a < 150|b < 1150" "a < 250|b BETWEEN 1640 AND 1890" "a BETWEEN 120 AND 480|b > 1700" \
	"a BETWEEN 330 AND 520|a >= 880"; do
	x=${terms%|*} y=${terms#*|}
	lake-query --explain "SELECT count(*) FROM ext.orrg WHERE $x OR $y" 2>&1 | grep -q "MULTI-INDEX OR" ||
		not_ok "'$x OR $y' is not planned as one scan per term"
	want=$(($(count "$x") + $(count "$y") - $(count "($x) AND ($y)")))
	expect_eq "$(count "$x OR $y")" "$want" "an OR of row groups each term skips differently counts every row once: $x OR $y"
	expect_eq "$(answer "SELECT count(*) AS n FROM (SELECT a FROM ext.orrg WHERE $x OR $y GROUP BY a)" csv | tail -n +2)" \
		"$want" "and so does a GROUP BY over it"
done

# The crawl read the footer only: a file whose pages are garbage is registered all the same...
mkdir -p "$L/data/ext/pages"
cp "$fx/types-v2-zstd.parquet" "$T/garbled.parquet"
printf '%0512d' 0 | dd of="$T/garbled.parquet" bs=1 seek=4 conv=notrunc 2>/dev/null
cp "$T/garbled.parquet" "$L/data/ext/pages/g.parquet"
run lake-crawl ext.pages
expect_rc 0 "a file with garbage pages is crawled from its intact footer"
expect_eq "$(lake-catalog show ext.pages --format ndjson | jq .rows)" 300 "its rows from the footer"
# ...and reading it says what is wrong.
run lake-query "SELECT count(b) FROM ext.pages"
expect_rc 65 "reading the garbage pages fails"
expect_err "g.parquet" "naming the file"

# Corrupt and unsupported files are reported, not registered.
mkdir -p "$L/data/ext/bad"
head -c 3000 "$fx/types-v2-zstd.parquet" >"$L/data/ext/bad/truncated.parquet"
cp "$fx/nested-struct.parquet" "$L/data/ext/bad/nested.parquet"
run lake-crawl ext.bad
expect_rc 65 "corrupt or nested Parquet files are errors"
jq -e -s 'map(select(.event == "error")) | length == 2' "$T/out" >/dev/null && ok "both are reported" || not_ok "errors: $(cat "$T/out")"
grep 'truncated.parquet' "$T/out" | grep -q 'truncated Parquet file' && ok "the truncated file is named, and said to be truncated" ||
	not_ok "truncated file: $(grep truncated "$T/out")"
grep -q 'nested' "$T/out" && grep -q 'flat' "$T/out" && ok "the nested column is refused: flat schemas only" || not_ok "nested: $(grep nested "$T/out")"
expect_eq "$(sql "$L" "SELECT count(*) FROM files f JOIN tables t ON t.id = f.table_id WHERE t.name = 'bad'")" 0 "neither is registered"
run lake-put raw.x "$fx/types-v2-zstd.parquet"
expect_rc 65 "lake-put does not take Parquet input"
expect_err "lake-crawl" "and says to crawl it instead"

# ---- files lake writes ----
"$TESTTOOL" gen-events 4000 7 8 >"$T/ev.ndjson"
lake-put --partition-by dt=ts:day raw.nd "$T/ev.ndjson" >/dev/null
run lake-put --to parquet --partition-by dt=ts:day raw.pq "$T/ev.ndjson"
expect_rc 0 "lake-put --to parquet"
expect_eq "$(jq -r .file "$T/out" | sed 's/.*\.//' | sort -u)" "parquet" "writes .parquet files"
[ "$(head -c 4 "$L/$(jq -r .file "$T/out" | head -1)")" = "PAR1" ] && ok "that are Parquet" || not_ok "no PAR1 magic"
expect_eq "$(lake-catalog show raw.pq --format ndjson | jq -r '"\(.format) \(.rows)"')" "parquet 4000" "a Parquet table of every record"
lake-crawl >/dev/null
expect_eq "$(lake-catalog schema raw.pq --format ndjson | jq -c '[.[]?] // .' | md5sum)" "$(lake-catalog schema raw.nd --format ndjson | jq -c '[.[]?] // .' | md5sum)" \
	"the same schema as the NDJSON table"
same_answers 's/{t}/raw.nd/g' 's/{t}/raw.pq/g' "lake-query gives the same rows over the Parquet and NDJSON tables" \
	"SELECT * FROM {t} ORDER BY id" \
	"SELECT kind, count(*), sum(amount), min(ts), max(ts) FROM {t} GROUP BY kind ORDER BY kind" \
	"SELECT dt, count(*) FROM {t} WHERE ok GROUP BY dt ORDER BY dt" \
	"SELECT id, user->>'country' AS c, json_array_length(tags) AS n FROM {t} WHERE id % 17 = 3 ORDER BY id" \
	"SELECT count(*) FROM {t} WHERE amount IS NULL" \
	"SELECT count(*) FROM {t} WHERE ts >= '2024-05-03T00:00:00Z' AND duration_ms BETWEEN 100 AND 900"

# (The last query gathers its groups anew for each x while max() and
# min() hold keys of the earlier gatherings: given to SQLite in place, their
# memory must outlive those gatherings, which AddressSanitizer checks.)
# A GROUP BY finds the groups of dictionary-encoded keys by their entries
# (per batch and row group).  Row groups of 300 rows, whose dictionaries
# list the same strings in other orders, so an entry number means another
# string from one row group to the next; NULL keys; a key without a
# dictionary; and one chunk of 70,000 distinct strings, whose dictionary
# overflows into PLAIN pages.  The NDJSON table of the same rows says what
# each query must give.
seq 0 4999 | jq -c '{i: ., s: ("v" + (((. * 7) + ((. / 300 | floor) * 3)) % 40 | tostring)),
	t: (if . % 11 == 0 then null else "t" + (. % 5 | tostring) end), n: (. % 6)}' >"$T/memo.ndjson"
mkdir -p "$L/data/ext/memo" "$L/data/ext/wide"
"$TESTTOOL" parquet-write "$L/data/ext/memo/m.parquet" "i:bigint,s:string,t:string,n:bigint" 300 <"$T/memo.ndjson" 2>/dev/null
seq 0 69999 | jq -c '{i: ., w: ("w" + ((. * 7919) % 70000 | tostring)), k: ("k" + (. % 3 | tostring))}' >"$T/wide.ndjson"
"$TESTTOOL" parquet-write "$L/data/ext/wide/w.parquet" "i:bigint,w:string,k:string" 70000 <"$T/wide.ndjson" 2>/dev/null
lake-put raw.memo_nd "$T/memo.ndjson" >/dev/null
lake-put raw.wide_nd "$T/wide.ndjson" >/dev/null
lake-crawl ext.memo ext.wide raw.memo_nd raw.wide_nd >/dev/null
same_answers 's/{m}/raw.memo_nd/g; s/{w}/raw.wide_nd/g' 's/{m}/ext.memo/g; s/{w}/ext.wide/g' \
	"GROUP BY on dictionary entries: the groups of the NDJSON twin, row group after row group" \
	"SELECT s, t, count(*) AS c FROM {m} GROUP BY s, t ORDER BY s, t" \
	"SELECT t, s, n, count(*) AS c, sum(i) AS si FROM {m} GROUP BY t, s, n ORDER BY 1, 2, 3" \
	"SELECT s, avg(i) AS a, max(t) AS mt FROM {m} GROUP BY s ORDER BY s DESC" \
	"SELECT DISTINCT t FROM {m} ORDER BY t" \
	"SELECT k, w, count(*) AS c FROM {w} WHERE i % 1000 < 3 OR w < 'w11' GROUP BY k, w ORDER BY k, w" \
	"SELECT count(*) AS groups, sum(c) AS rows FROM (SELECT w, count(*) AS c FROM {w} GROUP BY w)" \
	"SELECT k, count(*) AS c, min(w) AS lo, max(w) AS hi FROM {w} GROUP BY k ORDER BY k" \
	"SELECT max((SELECT s FROM {m} WHERE i >= x.n GROUP BY s ORDER BY s DESC LIMIT 1)) AS m, min((SELECT t FROM {m} WHERE i < x.n GROUP BY t ORDER BY t LIMIT 1)) AS t FROM (SELECT 100 AS n UNION ALL SELECT 2500 UNION ALL SELECT 4990) AS x"
expect_eq "$(lake-query "SELECT count(*) AS c FROM (SELECT s FROM ext.memo GROUP BY s)")" '{"c":40}' \
	"forty strings are forty groups"
# Rows alike in the keys come folded (scan.h), yet each counts as read.
expect_eq "$(lake-query --explain --format ndjson "SELECT s, t, count(*) FROM ext.memo GROUP BY s, t" | jq -c 'select(.table) | .rows')" 5000 \
	"a folded GROUP BY still reads 5,000 rows"
run lake-catalog check
expect_rc 65 "lake-catalog check finds a problem"
expect_eq "$(jq -r '"\(.problem) \(.path)"' "$T/out" | sort | tr "\n" " ")" "orphan data/ext/bad/nested.parquet orphan data/ext/bad/truncated.parquet " "only the files crawl refused, none lake wrote"

# CSV rows land as Parquet too, typed as lake-crawl types their fields.
printf 'a,b\n1,x\n2,y\n' >"$T/s.csv"
run lake-put --to parquet raw.cpq "$T/s.csv"
expect_rc 0 "a CSV file lands as Parquet"
expect_eq "$(lake-query --format csv "SELECT a + 1, b FROM raw.cpq ORDER BY a" | tr '\n' ' ')" "a + 1,b 2,x 3,y " "with its numbers as numbers"
# A damaged page is an error, never wrong values: lake's pages carry zstd checksums.
f="$L/$(jq -r .file "$T/out")"
printf '\023\067\023\067' | dd of="$f" bs=1 seek=40 conv=notrunc 2>/dev/null
run lake-query "SELECT sum(a) FROM raw.cpq"
expect_rc 65 "a damaged Parquet page fails the query"
expect_err "cannot decompress the page" "saying which page"
lake-catalog drop raw.cpq --yes >/dev/null

# A job writing Parquet, incremental by bookmark, equals its NDJSON twin.
for f in ndjson parquet; do
	lake-etl run --name "j_$f" --to "$f" --bookmark raw.nd --partition-by dt \
		--sql "SELECT id, kind, amount, ok, dt FROM raw.nd WHERE kind <> 'view'" --target "cur.$f" >/dev/null ||
		not_ok "job $f failed"
done
expect_eq "$(lake-catalog show cur.parquet --format ndjson | jq -r .format)" "parquet" "a job's parquet target"
a=$(answer "SELECT * FROM cur.ndjson ORDER BY id")
b=$(answer "SELECT * FROM cur.parquet ORDER BY id")
case $a in "lake-query failed"*) not_ok "reading the NDJSON job's table: $a" ;; esac
expect_eq "$b" "$a" "a job writes the same rows as Parquet and as NDJSON"
done_testing
