# Joins: a table that a statement reads again and again is decoded once
# and looked up by a hash of the join's key, on the smaller side; past
# --join-memory the statement still answers, reading the table again,
# with a warning.  Every join's answer is checked three ways: against the
# same statement run without any of it (LAKE_TEST_NO_JOIN_CACHE, debug
# builds only), and against sqlite3 over the same rows imported into
# native tables.  NULL keys, duplicate keys, LEFT JOIN without a match,
# self-joins, keys of other types, Parquet row groups, grants' row
# filters and --as-of included.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"

# dim: keys 1 to 5, 2 twice, a NULL key; in two files.
printf 'k,name,grp,num\n1,one,a,10\n2,two,a,20\n2,two-bis,b,20\n3,three,b,\n,nokey,c,5\n' >"$T/dim1.csv"
printf 'k,name,grp,num\n4,four,c,40\n5,five,a,50\n' >"$T/dim2.csv"
lake-put raw.dim "$T/dim1.csv" >/dev/null
lake-put raw.dim "$T/dim2.csv" >/dev/null
# fact: a key missing, one NULL, one with no match, in two partitions.
cat >"$T/fact1" <<'EOF'
{"id":1,"k":1,"ratio":20.0,"meta":{"tag":"x"},"code":"01"}
{"id":2,"k":2,"ratio":10.5,"meta":{"tag":"y"},"code":"2"}
{"id":3,"k":null,"ratio":50.0,"meta":null,"code":"3"}
{"id":4,"k":9,"ratio":5.0,"meta":{"tag":"z"},"code":"x"}
EOF
cat >"$T/fact2" <<'EOF'
{"id":5,"k":2,"ratio":40.0,"meta":{"tag":"x"},"code":"05"}
{"id":6,"ratio":null,"code":null}
{"id":7,"k":5,"ratio":1e1,"meta":{"tag":"w"},"code":" 5"}
EOF
lake-put --partition dt=2024-05-01 raw.fact "$T/fact1" >/dev/null
lake-put --partition dt=2024-05-02 raw.fact "$T/fact2" >/dev/null
printf '{"dt":"2024-05-01","label":"first"}\n{"dt":"2024-05-02","label":"second"}\n{"dt":"2024-05-03","label":"third"}\n' >"$T/days"
lake-put raw.days "$T/days" >/dev/null
# A Parquet table of ten row groups, its keys in order: a key's value rules row groups out.
mkdir -p "$L/data/raw/pq"
seq 1 1000 | jq -c '{pk: ., pv: (. % 7)}' | "$TESTTOOL" parquet-write "$L/data/raw/pq/x.parquet" "pk:bigint,pv:bigint" 100 2>/dev/null
seq 1 3 1000 | jq -c '{id: ., pk: (. * 7 % 1000 + 1)}' >"$T/probes"
lake-put raw.probes "$T/probes" >/dev/null
lake-crawl >/dev/null || not_ok "crawl"

# ---- the same rows in sqlite3's native tables ----
native="$T/native.db"
import() { # import TABLE: raw.TABLE's rows into $native, columns typed as lake types them
	cols=$(lake-query --format ndjson "SELECT name, type FROM lake.columns WHERE database = 'raw' AND table_name = '$1' ORDER BY position" |
		jq -rs 'map("\"\(.name)\" " + (if .type == "bigint" or .type == "boolean" then "INTEGER" elif .type == "double" then "REAL" else "TEXT" end)) | join(", ")')
	{
		echo "CREATE TABLE \"$1\" ($cols);"
		lake-query --format ndjson "SELECT * FROM raw.$1" | jq -r --arg t "$1" '
			"INSERT INTO \"\($t)\" VALUES (" + ([.[] | if . == null then "NULL"
			elif type == "string" then "'"'"'" + gsub("'"'"'"; "'"'"''"'"'") + "'"'"'"
			elif type == "object" or type == "array" then "'"'"'" + tojson + "'"'"'"
			else tostring end] | join(", ")) + ");"'
	} | sqlite3 "$T/raw.db" || not_ok "import $1 into sqlite3"
}
for t in dim fact days pq probes; do import $t; done

# check NAME SQL: the join's answer, the same without joins' help, and sqlite3's, alike
check() {
	lake-query --format ndjson "$2" >"$T/with" 2>"$T/with.err"
	r1=$?
	LAKE_TEST_NO_JOIN_CACHE=1 lake-query --format ndjson "$2" >"$T/without" 2>"$T/without.err"
	r2=$?
	sqlite3 -json "$native" "ATTACH '$T/raw.db' AS raw; $2" >"$T/native.json" 2>"$T/native.err"
	r3=$?
	jq -c '.[]' "$T/native.json" >"$T/native" 2>/dev/null
	jq -c . "$T/with" >"$T/with.c" 2>/dev/null
	jq -c . "$T/without" >"$T/without.c" 2>/dev/null
	if [ $r1 -ne 0 ] || [ $r2 -ne 0 ] || [ $r3 -ne 0 ]; then
		not_ok "$1: exits $r1 $r2 $r3: $(cat "$T/with.err" "$T/without.err" "$T/native.err" | head -3)"
	elif ! [ -s "$T/with.c" ]; then
		not_ok "$1: no rows"
	elif ! cmp -s "$T/with.c" "$T/without.c"; then
		not_ok "$1: differs from the answer without joins' help: $(diff "$T/with.c" "$T/without.c" | head -4 | tr '\n' ' ')"
	elif ! cmp -s "$T/with.c" "$T/native"; then
		not_ok "$1: differs from sqlite3's: $(diff "$T/with.c" "$T/native" | head -4 | tr '\n' ' ')"
	else
		ok "$1 ($(wc -l <"$T/with.c" | tr -d ' ') rows, as without joins' help and as sqlite3)"
	fi
}

check "inner join, a duplicate key" \
	"SELECT f.id, d.name FROM raw.fact f JOIN raw.dim d ON d.k = f.k ORDER BY 1, 2"
check "the same, tables named the other way" \
	"SELECT f.id, d.name FROM raw.dim d JOIN raw.fact f ON f.k = d.k ORDER BY 1, 2"
check "LEFT JOIN: NULL keys and keys without a match" \
	"SELECT f.id, d.name FROM raw.fact f LEFT JOIN raw.dim d ON d.k = f.k ORDER BY 1, 2"
check "LEFT JOIN from the other side, counted" \
	"SELECT d.name, count(f.id) AS n FROM raw.dim d LEFT JOIN raw.fact f ON f.k = d.k GROUP BY d.name ORDER BY 1"
check "self-join" \
	"SELECT a.name AS a, b.name AS b FROM raw.dim a JOIN raw.dim b ON a.k = b.k AND a.name < b.name ORDER BY 1, 2"
check "GROUP BY a column of the inner table" \
	"SELECT d.grp, count(*) AS n, sum(f.id) AS ids FROM raw.fact f JOIN raw.dim d ON d.k = f.k GROUP BY d.grp ORDER BY 1"
check "bigint = double (20 = 20.0)" \
	"SELECT f.id, d.name FROM raw.fact f JOIN raw.dim d ON d.num = f.ratio ORDER BY 1, 2"
check "bigint = text, hashed by the bigint ('01' = 1)" \
	"SELECT f.id, d.name FROM raw.fact f JOIN raw.dim d ON d.k = f.code ORDER BY 1, 2"
check "text = bigint, hashed by the text" \
	"SELECT f.id, d.name FROM raw.dim d CROSS JOIN raw.fact f WHERE f.code = d.k ORDER BY 1, 2"
check "a range, not an equality" \
	"SELECT f.id, count(*) AS n FROM raw.fact f JOIN raw.dim d ON d.k < f.k GROUP BY f.id ORDER BY 1"
check "a correlated subquery" \
	"SELECT d.name, (SELECT count(*) FROM raw.fact f WHERE f.k = d.k) AS n FROM raw.dim d ORDER BY 1"
check "IN a subquery" \
	"SELECT id FROM raw.fact WHERE k IN (SELECT k FROM raw.dim WHERE grp = 'a') ORDER BY 1"
check "three tables" \
	"SELECT f.id, d.name, y.label FROM raw.fact f JOIN raw.dim d ON d.k = f.k JOIN raw.days y ON y.dt = f.dt ORDER BY 1, 2"
check "on a partition key" \
	"SELECT y.label, count(f.id) AS n FROM raw.days y LEFT JOIN raw.fact f ON f.dt = y.dt GROUP BY 1 ORDER BY 1"
check "a constant filter on the inner table too" \
	"SELECT f.id, d.name FROM raw.fact f JOIN raw.dim d ON d.k = f.k AND d.grp = 'a' ORDER BY 1, 2"
check "a JSON column through the join" \
	"SELECT d.name, f.meta ->> 'tag' AS tag FROM raw.dim d JOIN raw.fact f ON f.k = d.k ORDER BY 1, 2"
check "Parquet row groups, a key's value ruling some out" \
	"SELECT p.id, q.pv FROM raw.probes p JOIN raw.pq q ON q.pk = p.pk ORDER BY 1"
check "Parquet as the outer table" \
	"SELECT count(*) AS n, sum(q.pv) AS s FROM raw.pq q JOIN raw.probes p ON p.pk = q.pk"

# ---- decoded once, the smaller side kept ----
run lake-query --explain --format ndjson "SELECT f.id, d.name FROM raw.fact f JOIN raw.dim d ON d.k = f.k"
expect_rc 0 "--explain of a join"
expect_eq "$(jq -c 'select(.table == "raw.dim") | {files_scanned, rows}' "$T/out")" '{"files_scanned":2,"rows":7}' \
	"the inner table's two files are read once, however many rows the outer has"
expect_eq "$(jq -c 'select(.table == "raw.dim") | .files_skipped_stats' "$T/out")" 1 \
	"(the first key's value ruled the second file out: it was read at the second)"
jq -e -s 'map(select(.table == "raw.dim"))[0] | .scans_from_memory == .scans and .scans > 1' "$T/out" >/dev/null &&
	ok "its scans are answered from memory" || not_ok "scans: $(jq -c 'select(.table == "raw.dim")' "$T/out")"

seq 1 3000 | jq -c '{id: ., k: (. % 400)}' >"$T/big"
lake-put raw.big "$T/big" >/dev/null
seq 1 300 | jq -c '{k: ., label: ("k" + (. | tostring))}' >"$T/small"
lake-put raw.small "$T/small" >/dev/null
lake-crawl raw >/dev/null
for sql in "SELECT count(*) AS n FROM raw.big b JOIN raw.small s ON s.k = b.k" \
	"SELECT count(*) AS n FROM raw.small s JOIN raw.big b ON s.k = b.k"; do
	run lake-query --explain --format ndjson "$sql"
	expect_eq "$(jq -r 'select(.detail) | .detail' "$T/out" | grep '#' | cut -d' ' -f2)" "s" \
		"the smaller table is the one looked up, however named ($(echo "$sql" | cut -d' ' -f6))"
	expect_eq "$(jq -c 'select(.table) | [.table, .files_scanned, .rows]' "$T/out" | tr '\n' ' ')" \
		'["raw.big",1,3000] ["raw.small",1,300] ' "each read once"
done
import big
import small
check "3000 rows joined with 300" \
	"SELECT s.label, count(*) AS n FROM raw.big b JOIN raw.small s ON s.k = b.k GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5"
cp "$T/with.c" "$T/big-small"
check "the statement's second join reads its own tables" \
	"SELECT (SELECT count(*) FROM raw.big b JOIN raw.small s ON s.k = b.k) AS a, (SELECT count(*) FROM raw.fact f JOIN raw.dim d ON d.k = f.k) AS b"

# Each statement reads its own snapshot: its rows are not kept for the next.
run lake-query --format ndjson "SELECT count(*) AS n FROM raw.fact f JOIN raw.dim d ON d.k = f.k; SELECT count(*) AS n FROM raw.fact f JOIN raw.dim d ON d.k = f.k"
expect_eq "$(tr '\n' ' ' <"$T/out")" '{"n":6} {"n":6} ' "two statements, the same answer"

# ---- a bound on the memory kept ----
run env LAKE_JOIN_MEMORY=1K lake-query --format ndjson "SELECT s.label, count(*) AS n FROM raw.big b JOIN raw.small s ON s.k = b.k GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5"
expect_rc 0 "past LAKE_JOIN_MEMORY the statement still runs"
expect_eq "$(jq -c . "$T/out")" "$(cat "$T/big-small")" "with the same answer"
expect_err "lake-query: warning: raw.small: its rows would take more than" "and a warning that says which table is read again"
expect_lines "$T/err" 1 "once"
run lake-query --join-memory 1K --explain --format ndjson "SELECT count(*) AS n FROM raw.big b JOIN raw.small s ON s.k = b.k"
jq -e -s 'map(select(.table == "raw.small"))[0] | .files_scanned > 2000 and .scans_from_memory == 0' "$T/out" >/dev/null &&
	ok "--join-memory the same: the table is read again for each row" || not_ok "scans: $(jq -c 'select(.table)' "$T/out")"
run lake-query --join-memory 2M --format ndjson "SELECT count(*) AS n FROM raw.big b JOIN raw.small s ON s.k = b.k"
expect_eq "$(cat "$T/out")" '{"n":2300}' "--join-memory with room: no warning"
expect_lines "$T/err" 0 "(nothing on stderr)"
run lake-query --join-memory lots "SELECT 1"
expect_rc 64 "--join-memory must be a size"
run env LAKE_JOIN_MEMORY=0 lake-query "SELECT 1"
expect_rc 64 "so must LAKE_JOIN_MEMORY, of 1K at least"

# ---- grants: a filtered table in a join shows only its rows ----
lake-grant grant SELECT ON raw.dim TO ann --rows "grp = 'a'" >/dev/null
lake-grant grant SELECT ON raw.fact TO ann --rows "id <> 5" --exclude-columns ratio >/dev/null
lake-grant grant SELECT ON raw.small TO ann --rows "k % 2 = 0" >/dev/null
lake-grant grant SELECT ON raw.big TO ann >/dev/null
as_ann() { # as_ann SQL_AS_ANN SQL_AS_ADMIN NAME: the principal's answer is the filtered one
	lake-query --as ann --format ndjson "$1" >"$T/ann" 2>"$T/ann.err" || not_ok "$3: $(cat "$T/ann.err")"
	LAKE_TEST_NO_JOIN_CACHE=1 lake-query --as ann --format ndjson "$1" >"$T/ann.without" 2>&1
	lake-query --format ndjson "$2" >"$T/admin"
	if [ -s "$T/ann" ] && cmp -s "$T/ann" "$T/admin" && cmp -s "$T/ann" "$T/ann.without"; then
		ok "$3"
	else
		not_ok "$3: $(tr '\n' ' ' <"$T/ann") / $(tr '\n' ' ' <"$T/ann.without") / $(tr '\n' ' ' <"$T/admin")"
	fi
}
as_ann "SELECT f.id, d.name FROM raw.fact f JOIN raw.dim d ON d.k = f.k ORDER BY 1, 2" \
	"SELECT f.id, d.name FROM raw.fact f JOIN raw.dim d ON d.k = f.k WHERE d.grp = 'a' AND f.id <> 5 ORDER BY 1, 2" \
	"row filters on both sides of a join"
as_ann "SELECT d.name, count(f.id) AS n FROM raw.dim d LEFT JOIN raw.fact f ON f.k = d.k GROUP BY 1 ORDER BY 1" \
	"SELECT d.name, count(f.id) AS n FROM raw.dim d LEFT JOIN raw.fact f ON f.k = d.k AND f.id <> 5 WHERE d.grp = 'a' GROUP BY 1 ORDER BY 1" \
	"a LEFT JOIN under row filters"
as_ann "SELECT count(*) AS n, sum(b.id) AS s FROM raw.big b JOIN raw.small s ON s.k = b.k" \
	"SELECT count(*) AS n, sum(b.id) AS s FROM raw.big b JOIN raw.small s ON s.k = b.k WHERE s.k % 2 = 0" \
	"a filtered table looked up from an unfiltered one"
as_ann "SELECT a.name AS a, b.name AS b FROM raw.dim a JOIN raw.dim b ON b.k = a.k + 1 ORDER BY 1, 2" \
	"SELECT a.name AS a, b.name AS b FROM raw.dim a JOIN raw.dim b ON b.k = a.k + 1 WHERE a.grp = 'a' AND b.grp = 'a' ORDER BY 1, 2" \
	"a self-join under a row filter"
run lake-query --as ann "SELECT f.ratio FROM raw.fact f JOIN raw.dim d ON d.k = f.k"
expect_rc 65 "an excluded column stays out of a join"
run lake-query --as ann --explain --format ndjson "SELECT count(*) FROM raw.big b JOIN raw.small s ON s.k = b.k"
expect_eq "$(jq -c 'select(.table == "raw.small")' "$T/out")" '{"table":"raw.small","filtered":true}' \
	"--explain tells a filtered table's principal nothing of its rows"

# ---- --as-of: the join reads each table as it was ----
v=$(sql "$L" "SELECT t.version FROM tables t JOIN databases d ON d.id = t.database_id WHERE d.name = 'raw' AND t.name = 'dim'")
before=$(lake-query --format ndjson "SELECT f.id, d.name FROM raw.fact f JOIN raw.dim d ON d.k = f.k ORDER BY 1, 2")
printf 'k,name,grp,num\n1,uno,a,10\n9,nine,a,90\n' >"$T/dim3.csv"
lake-put raw.dim "$T/dim3.csv" >/dev/null
run lake-query --as-of "$v" --format ndjson "SELECT f.id, d.name FROM raw.fact f JOIN raw.dim d ON d.k = f.k ORDER BY 1, 2"
expect_eq "$(cat "$T/out")" "$before" "--as-of a version before a put: the join's answer then"
run env LAKE_TEST_NO_JOIN_CACHE=1 lake-query --as-of "$v" --format ndjson "SELECT f.id, d.name FROM raw.fact f JOIN raw.dim d ON d.k = f.k ORDER BY 1, 2"
expect_eq "$(cat "$T/out")" "$before" "as it is without joins' help"
run lake-query --format ndjson "SELECT count(*) AS n FROM raw.fact f JOIN raw.dim d ON d.k = f.k"
expect_eq "$(cat "$T/out")" '{"n":8}' "and now, the put's rows joined too"

done_testing
