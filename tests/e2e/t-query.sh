# lake-query against an oracle: every query's result over the lake equals
# the same query in plain SQLite over the same rows loaded natively (into a
# database attached as "raw", so the SQL text is identical).  Also pruning
# (which files a query opens), the snapshot, and the locked-down connection.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"

# 3000 events over 30 days, several files per day; and a small CSV table.
"$TESTTOOL" gen-events 3000 17 >"$T/ev.ndjson"
lake-put --partition-by dt=ts:day --batch-rows 40 raw.ev "$T/ev.ndjson" >/dev/null
printf 'id,name,zip,score,joined\n1,ann,02134,3.5,2024-05-01\n2,bob,10001,,2024-05-02\n3,"lee, jr",,7,\n4,zoë,94107,1.25,2024-05-03\n' >"$T/people.csv"
lake-put raw.people "$T/people.csv" >/dev/null
lake-crawl >/dev/null || { not_ok "crawl failed"; done_testing; }

sqlite3 "$T/raw.db" <<SQL
CREATE TABLE ev (id INTEGER, ts TEXT, kind TEXT, user TEXT, page TEXT, duration_ms INTEGER,
                 amount REAL, tags TEXT, ok INTEGER, dt TEXT);
-- Timestamps as lake-query spells them (lake-query(1)): the events' '2024-05-01T00:00:00.123400Z'
-- is '2024-05-01 00:00:00.1234'.
INSERT INTO ev SELECT value->>'id',
       CASE WHEN instr(value->>'ts', '.') THEN rtrim(replace(replace(value->>'ts', 'T', ' '), 'Z', ''), '0')
            ELSE replace(replace(value->>'ts', 'T', ' '), 'Z', '') END,
       value->>'kind', value->'user', value->>'page',
       value->>'duration_ms', value->>'amount', value->'tags', value->>'ok', date(value->>'ts')
  FROM json_each('[' || replace(trim(CAST(readfile('$T/ev.ndjson') AS TEXT), char(10)), char(10), ',') || ']');
CREATE TABLE people (id INTEGER, name TEXT, zip TEXT, score REAL, joined TEXT);
INSERT INTO people VALUES (1, 'ann', '02134', 3.5, '2024-05-01'), (2, 'bob', '10001', NULL, '2024-05-02'),
                          (3, 'lee, jr', NULL, 7, NULL), (4, 'zoë', '94107', 1.25, '2024-05-03');
SQL

n=0
check() {
	n=$((n + 1))
	lake-query --format csv "$1" >"$T/lake.csv" 2>"$T/err"
	rc=$?
	sqlite3 -csv -header :memory: "ATTACH '$T/raw.db' AS raw; $1" >"$T/native.csv" 2>&1
	# sqlite3's CSV quotes more (spaces, non-ASCII) than it must; the values must match.
	for f in lake native; do
		tr -d '"' <"$T/$f.csv" >"$T/$f.all"
	done
	if [ "$rc" -eq 0 ] && cmp -s "$T/lake.all" "$T/native.all"; then
		ok "oracle $n: $1"
	else
		not_ok "oracle $n: $1 (exit $rc)"
		diff "$T/lake.all" "$T/native.all" | head -5 | sed 's/^/    /'
		head -3 "$T/err" | sed 's/^/    stderr: /'
	fi
}

check "SELECT count(*) FROM raw.ev"
check "SELECT count(*), count(DISTINCT dt), min(dt), max(dt) FROM raw.ev"
check "SELECT kind, count(*), round(avg(amount), 4), sum(duration_ms) FROM raw.ev GROUP BY kind ORDER BY kind"
check "SELECT dt, count(*) FROM raw.ev GROUP BY dt ORDER BY dt"
check "SELECT id, ts, kind FROM raw.ev WHERE dt = '2024-05-07' ORDER BY id"
check "SELECT count(*) FROM raw.ev WHERE dt >= '2024-05-10' AND dt < '2024-05-13'"
check "SELECT count(*) FROM raw.ev WHERE dt IN ('2024-05-02', '2024-05-20', '2031-01-01')"
check "SELECT count(*) FROM raw.ev WHERE dt > '2024-05-28' OR kind = 'signup'"
check "SELECT id FROM raw.ev WHERE id = 1234"
check "SELECT id FROM raw.ev WHERE id BETWEEN 100 AND 110 ORDER BY id"
check "SELECT id FROM raw.ev WHERE id IN (5, 500, 2999, 99999) ORDER BY id"
check "SELECT count(*) FROM raw.ev WHERE ts >= '2024-05-15 00:00:00' AND ts < '2024-05-16'"
check "SELECT count(*) FROM raw.ev WHERE amount > 900.5"
check "SELECT count(*) FROM raw.ev WHERE amount <= 10 AND duration_ms < 1000"
check "SELECT count(*) FROM raw.ev WHERE ok"
check "SELECT ok, count(*) FROM raw.ev GROUP BY ok ORDER BY ok"
check "SELECT count(*) FROM raw.ev WHERE page LIKE '/blog%'"
check "SELECT page, count(*) FROM raw.ev WHERE page GLOB '/c*' GROUP BY 1 ORDER BY 1"
check "SELECT user->>'country' AS c, count(*) FROM raw.ev GROUP BY c ORDER BY c"
check "SELECT count(*) FROM raw.ev WHERE user->>'country' = 'JP' AND user->>'id' > 50000"
check "SELECT id, json_array_length(tags) FROM raw.ev WHERE id < 5 ORDER BY id"
check "SELECT id, tags->>'\$[0]' FROM raw.ev WHERE dt = '2024-05-03' ORDER BY id LIMIT 3"
check "SELECT kind, page, count(*) FROM raw.ev GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 5"
check "SELECT id, amount FROM raw.ev ORDER BY amount DESC, id LIMIT 7"
check "SELECT id FROM raw.ev ORDER BY id LIMIT 5 OFFSET 100"
check "SELECT dt, kind, count(*) OVER (PARTITION BY dt) FROM raw.ev WHERE dt = '2024-05-09' ORDER BY id LIMIT 4"
check "SELECT id, rank() OVER (ORDER BY amount DESC) FROM raw.ev WHERE dt = '2024-05-11' ORDER BY 2, 1 LIMIT 5"
check "SELECT dt, sum(count(*)) OVER (ORDER BY dt) FROM raw.ev GROUP BY dt ORDER BY dt LIMIT 5"
check "SELECT kind, count(*) FROM raw.ev GROUP BY kind HAVING count(*) > 500 ORDER BY kind"
check "SELECT count(*) FROM (SELECT DISTINCT user->>'id' FROM raw.ev)"
check "WITH d AS (SELECT dt, count(*) n FROM raw.ev GROUP BY dt) SELECT max(n), min(n) FROM d"
check "SELECT a.id AS aid, b.id AS bid FROM raw.ev a JOIN raw.ev b ON a.id = b.id + 1 WHERE a.dt = '2024-05-05' ORDER BY a.id LIMIT 3"
check "SELECT p.name, count(e.id) FROM raw.people p LEFT JOIN raw.ev e ON e.id = p.id GROUP BY p.name ORDER BY p.name"
check "SELECT * FROM raw.people ORDER BY id"
check "SELECT name FROM raw.people WHERE zip IS NULL"
check "SELECT count(*), count(score), sum(score) FROM raw.people"
check "SELECT name, zip FROM raw.people WHERE zip LIKE '0%'"
check "SELECT name FROM raw.people WHERE joined >= '2024-05-02' ORDER BY name"
check "SELECT id FROM raw.people WHERE score > 2 ORDER BY id"
check "SELECT typeof(id), typeof(zip), typeof(score) FROM raw.people WHERE id = 1"
check "SELECT upper(kind), length(page) FROM raw.ev WHERE id = 77"
check "SELECT strftime('%H', ts) h, count(*) FROM raw.ev WHERE dt = '2024-05-06' GROUP BY h ORDER BY h"
# GROUP BY and DISTINCT gathered by the scan (no sort): NULL groups, DESC, several keys, other columns kept.
check "SELECT zip, count(*) FROM raw.people GROUP BY zip ORDER BY zip"
check "SELECT score, count(*), max(name) FROM raw.people GROUP BY score"
check "SELECT score, count(*) FROM raw.people GROUP BY score ORDER BY score"
check "SELECT score, count(*) FROM raw.people GROUP BY score ORDER BY score DESC"
check "SELECT score FROM raw.people GROUP BY score ORDER BY score LIMIT 1"
check "SELECT zip IS NULL AS z, score, count(*) FROM raw.people GROUP BY z, score ORDER BY z DESC, score DESC"
check "SELECT kind, count(*) FROM raw.ev GROUP BY kind ORDER BY kind DESC"
check "SELECT dt, kind, count(*), sum(duration_ms) FROM raw.ev GROUP BY dt, kind ORDER BY dt DESC, kind LIMIT 7"
check "SELECT page, count(*) FROM raw.ev GROUP BY page"
check "SELECT kind, round(avg(duration_ms), 6), min(ts), max(page), group_concat(id) IS NOT NULL FROM raw.ev GROUP BY kind"
check "SELECT DISTINCT page FROM raw.ev ORDER BY page"
check "SELECT DISTINCT kind, ok FROM raw.ev ORDER BY 1, 2"
check "SELECT user, count(*) FROM raw.ev WHERE id < 300 GROUP BY user ORDER BY 2 DESC, 1 LIMIT 3"
check "SELECT ok, kind, count(*) FROM raw.ev WHERE amount > 500 GROUP BY ok, kind"
# Keys that differ only in case are two columns to JSON, one name to SQL: the second is "A_2".
printf '{"a":1,"A":2}\n' | lake-put raw.twins >/dev/null
lake-crawl raw.twins >/dev/null
expect_eq "$(lake-query "SELECT a, A_2 FROM raw.twins")" '{"a":1,"A_2":2}' "columns a and A read as a and A_2"
expect_eq "$(lake-query "SELECT count(*) AS n FROM raw.people")" '{"n":4}' "and every other table stays readable"
lake-catalog drop raw.twins --yes >/dev/null
run lake-query --explain --format ndjson "SELECT kind, page, count(*) FROM raw.ev GROUP BY kind, page"
if grep -q 'INDEX 0:[0-9a-f]*|2,4' "$T/out" && ! grep -q 'TEMP B-TREE' "$T/out"; then
	ok "a GROUP BY's rows come gathered by the scan: SQLite sorts nothing"
else
	not_ok "GROUP BY plan: $(jq -r 'select(.detail) | .detail' "$T/out" | tr '\n' ' ')"
fi

# Pruning: what was opened.  A day touches only its own files.
files_total=$(sql "$L" "SELECT count(*) FROM files f JOIN tables t ON t.id = f.table_id WHERE t.name = 'ev' AND f.state = 'live'")
day_files=$(sql "$L" "SELECT count(*) FROM files WHERE partition = 'dt=2024-05-07' AND state = 'live'")
if [ "$(id -u)" -eq 0 ]; then
	# Unreadable files of every other day: the query must not open them.
	chmod a+rx "$T" && chmod -R a+rX "$L" && chmod a+rwX "$L" "$L/catalog.db"* 2>/dev/null
	lake-grant grant SELECT ON raw TO public >/dev/null # uid 65534 is no administrator
	chmod a+rwX "$L/audit" "$L/audit/"* 2>/dev/null
	for f in $(sql "$L" "SELECT path FROM files WHERE partition <> 'dt=2024-05-07' AND partition LIKE 'dt=%'"); do chmod 000 "$L/$f"; done
	setpriv --reuid=65534 --regid=65534 --clear-groups lake-query --lake "$L" --format csv "SELECT count(*) FROM raw.ev WHERE dt = '2024-05-07'" >"$T/out" 2>"$T/err"
	rc=$?
	expect_rc 0 "a query of one day with every other day unreadable"
	expect_eq "$(tail -n 1 "$T/out")" "$(grep -c '"ts":"2024-05-07' "$T/ev.ndjson")" "reads only that day's files"
	setpriv --reuid=65534 --regid=65534 --clear-groups lake-query --lake "$L" --format csv "SELECT count(*) FROM raw.ev WHERE id = 650" >"$T/out" 2>"$T/err"
	rc=$?
	expect_rc 0 "a query on id, in that day: statistics exclude every other file"
	expect_eq "$(tail -n 1 "$T/out")" 1 "and find it"
	# count(*) and partition keys alone are answered from the catalog: no data file is opened.
	for f in $(sql "$L" "SELECT path FROM files WHERE partition LIKE 'dt=%'"); do chmod 000 "$L/$f"; done
	setpriv --reuid=65534 --regid=65534 --clear-groups lake-query --lake "$L" --format csv "SELECT count(*) FROM raw.ev" >"$T/out" 2>"$T/err"
	rc=$?
	expect_rc 0 "count(*) with every data file unreadable"
	expect_eq "$(tail -n 1 "$T/out")" 3000 "is answered from the catalog"
	setpriv --reuid=65534 --regid=65534 --clear-groups lake-query --lake "$L" --format csv "SELECT dt, count(*) FROM raw.ev GROUP BY dt ORDER BY dt LIMIT 1" >"$T/out" 2>"$T/err"
	rc=$?
	expect_eq "$(tail -n 1 "$T/out")" "2024-05-01,100" "and so are counts per partition"
	for f in $(sql "$L" "SELECT path FROM files WHERE partition LIKE 'dt=%'"); do chmod 644 "$L/$f"; done
fi
[ "$day_files" -lt "$files_total" ] && ok "the table has $files_total files, the day $day_files" || not_ok "files $files_total/$day_files"

# Errors and the locked-down connection.
run lake-query "SELECT * FROM raw.evt"
expect_rc 66 "an unknown table"
expect_err "did you mean 'raw.ev'" "suggests the nearest"
run lake-query "SELEC 1"
expect_rc 65 "a syntax error"
expect_err "at character 1" "says where"
for stmt in "DELETE FROM raw.ev" "INSERT INTO raw.ev(id) VALUES (1)" "CREATE TABLE x(a)" \
	"ATTACH '$T/raw.db' AS x" "PRAGMA writable_schema = 1" "SELECT load_extension('x')" \
	"DROP TABLE raw.ev" "VACUUM"; do
	run lake-query "$stmt"
	expect_rc 77 "refused: $stmt"
done
run lake-query "PRAGMA table_info('ev')"
expect_rc 0 "a harmless pragma that describes is allowed"
printf 'SELECT 1 AS one;\nSELECT 2 AS two;\n' >"$T/q.sql"
run lake-query -f "$T/q.sql"
expect_eq "$(tr '\n' ' ' <"$T/out")" '{"one":1} {"two":2} ' "-f FILE runs each statement"
run_in "$T/q.sql" lake-query
expect_lines "$T/out" 2 "SQL from standard input"
run lake-query --limit 3 "SELECT id FROM raw.ev"
expect_lines "$T/out" 3 "--limit"
run lake-query --limit 0 "SELECT id FROM raw.ev"
expect_lines "$T/out" 0 "--limit 0 prints no rows"
run lake-query --limit 1 --format ndjson "SELECT id FROM raw.ev ORDER BY id; SELECT name FROM raw.people ORDER BY id"
expect_eq "$(tr '\n' ' ' <"$T/out")" '{"id":1} {"name":"ann"} ' "--limit counts each statement's rows"

# Each statement's result has its own columns, and an empty one still has its header.
run lake-query --format csv "SELECT 1 AS a, 2 AS b; SELECT 'x' AS c; SELECT id FROM raw.ev WHERE id < 0"
expect_eq "$(tr '\n' ' ' <"$T/out")" "a,b 1,2 c x id " "statements with different columns, and an empty result"
run lake-query --format json "SELECT id FROM raw.ev WHERE id < 0"
expect_eq "$(cat "$T/out")" "[]" "an empty JSON result is []"

# --explain plans every statement and prints none of their rows.
run lake-query --explain --format ndjson "SELECT name FROM raw.people; SELECT id FROM raw.ev WHERE id = 5"
jq -s -e 'map(select(.detail)) | length == 2 and (map(select(has("detail") or has("table") | not)) | length == 0)' \
	"$T/out" >/dev/null && ok "--explain: a plan per statement, no result rows" || not_ok "explain: $(cat "$T/out")"

# A column widened from numbers to text: SQLite compares it as text, so the
# numeric statistics of its older file must not exclude that file.  (A lake
# of its own, so the tables above stay the only ones.)
new_lake "$T/lake2"
printf '{"v":1}\n{"v":2}\n{"v":3}\n' | LAKE_DIR="$T/lake2" lake-put raw.wide >/dev/null
printf '{"v":"x"}\n' | LAKE_DIR="$T/lake2" lake-put raw.wide >/dev/null
LAKE_DIR="$T/lake2" lake-crawl raw.wide >/dev/null
run lake-query --lake "$T/lake2" --format csv "SELECT count(*) FROM raw.wide WHERE v > 10"
expect_eq "$(tail -n 1 "$T/out")" 3 "a widened column's old statistics exclude nothing ('2' > 10 as text)"

# A table landed but not crawled has no columns yet: count(*) works, columns say what to do.
printf '{"a":1}\n{"a":2}\n' | LAKE_DIR="$T/lake2" lake-put raw.fresh >/dev/null
run lake-query --lake "$T/lake2" --format csv "SELECT count(*) FROM raw.fresh"
expect_eq "$(tail -n 1 "$T/out")" 2 "count(*) of an uncrawled table, from the catalog"
run lake-query --lake "$T/lake2" "SELECT * FROM raw.fresh"
expect_rc 65 "reading columns of an uncrawled table fails"
expect_err "run lake-crawl" "and says how to fix it"

# A data file damaged on disk: the scan (decompressing on a second thread) names it, exit 65.
f=$(sql "$T/lake2" "SELECT path FROM files WHERE table_id = (SELECT id FROM tables WHERE name = 'wide') AND state = 'live' ORDER BY id LIMIT 1")
printf 'not zstd at all' | dd of="$T/lake2/$f" bs=1 seek=8 conv=notrunc 2>/dev/null
run lake-query --lake "$T/lake2" "SELECT v FROM raw.wide"
expect_rc 65 "a damaged data file fails the statement"
expect_err "$f" "and the message names the file"
run lake-query --format ndjson "SELECT a.id, b.id FROM raw.ev a JOIN raw.ev b ON b.id = a.id WHERE a.id = 3"
expect_eq "$(cat "$T/out")" '{"id":3,"id_2":3}' "a name twice in a result is made unique"
run lake-query --format ndjson "SELECT user, tags, ok FROM raw.ev WHERE id = 1"
jq -e '(.user | type) == "object" and (.tags | type) == "array" and (.ok | type) == "number"' "$T/out" >/dev/null &&
	ok "struct and array columns are embedded as JSON" || not_ok "json columns: $(cat "$T/out")"

# System tables: the catalog as SQL.
run lake-query --format csv "SELECT database, name, files, rows FROM lake.tables ORDER BY name"
expect_eq "$(tail -n +2 "$T/out" | tr '\n' ' ')" "raw,ev,$files_total,3000 raw,people,1,4 " "lake.tables"
run lake-query --format csv "SELECT name, type, partition FROM lake.columns WHERE table_name = 'ev' AND name IN ('amount', 'user', 'dt') ORDER BY name"
expect_eq "$(tail -n +2 "$T/out" | tr '\n' ' ')" "amount,double,0 dt,date,1 user,\"struct<id:bigint,country:string,agent:string>\",0 " "lake.columns, partition keys flagged"
run lake-query --format csv "SELECT count(*), sum(rows) FROM lake.partitions WHERE table_name = 'ev'"
expect_eq "$(tail -n 1 "$T/out")" "30,3000" "lake.partitions"
run lake-query --format csv "SELECT count(*) FROM lake.files f JOIN lake.tables t ON t.name = f.table_name"
expect_eq "$(tail -n 1 "$T/out")" "$((files_total + 1))" "lake.files joins lake.tables"
run lake-query --format csv "SELECT count(*) FROM lake.runs UNION ALL SELECT count(*) FROM lake.audit"
expect_rc 0 "lake.runs and lake.audit exist (empty until lake-etl and lake-grant)"

# --explain: the plan, then what each table read and skipped, and why.
run lake-query --explain --format ndjson "SELECT count(*) FROM raw.ev WHERE dt = '2024-05-07'"
expect_eq "$(jq -r 'select(.table == "raw.ev") | "\(.files_scanned) \(.files_counted) \(.files_skipped_partition)"' "$T/out")" \
	"0 $day_files $((files_total - day_files))" "--explain: count(*) files counted from the catalog, others skipped by partition"
jq -s -e 'map(select(.detail and (.detail | test("VIRTUAL TABLE")))) | length == 1' "$T/out" >/dev/null && ok "--explain shows SQLite's plan" || not_ok "plan: $(cat "$T/out")"
run lake-query --explain --format ndjson "SELECT count(*) FROM raw.ev WHERE id = 650"
expect_eq "$(jq -r 'select(.table == "raw.ev") | .files_scanned' "$T/out")" 1 "statistics leave one file of $files_total"
expect_eq "$(jq -r 'select(.table == "raw.people") | .table' "$T/out")" "" "tables not read are not listed"

# --as-of: the table as it was at a version, or a time.  A second put makes version 2.
v1=$(sql "$L" "SELECT version FROM tables WHERE name = 'ev'")
printf '{"id":9001,"ts":"2024-05-02T00:00:00Z","kind":"late"}\n' | lake-put --partition-by dt=ts:day raw.ev >/dev/null
run lake-query --format csv "SELECT count(*) FROM raw.ev"
expect_eq "$(tail -n 1 "$T/out")" 3001 "the new row is seen"
run lake-query --format csv --as-of "$v1" "SELECT count(*) FROM raw.ev"
expect_eq "$(tail -n 1 "$T/out")" 3000 "--as-of the version before it is not"
run lake-query --format csv --as-of 0 "SELECT count(*) FROM raw.ev"
expect_eq "$(tail -n 1 "$T/out")" 0 "--as-of 0: the table as created, empty"
run lake-query --format csv --as-of 2000-01-01 "SELECT count(*) FROM raw.ev"
expect_eq "$(tail -n 1 "$T/out")" 0 "--as-of a time before the table: empty"
run lake-query --as-of soon "SELECT 1"
expect_rc 64 "--as-of neither a version nor a time"

# Snapshot: a statement sees the lake as it was when it started.  Its second
# scan waits (test-only gate of debug builds) while lake-put commits 2 files.
printf '{"k":1,"p":"a"}\n{"k":2,"p":"b"}\n' | lake-put --partition-by p=p raw.snap >/dev/null
lake-crawl raw.snap >/dev/null
mkfifo "$T/gate"
LAKE_TEST_SCAN_GATE="$T/gate" lake-query --format csv \
	"SELECT (SELECT count(*) FROM raw.snap) AS before, (SELECT count(*) FROM raw.snap WHERE k > 0) AS during" \
	>"$T/out" 2>"$T/err" &
qpid=$!
exec 3>"$T/gate" # returns once the query waits at its second scan
printf '{"k":3,"p":"a"}\n{"k":4,"p":"c"}\n' | lake-put --partition-by p=p raw.snap >"$T/put.out"
expect_eq "$(wc -l <"$T/put.out" | tr -d ' ')" 2 "lake-put commits two files while the statement runs"
printf x >&3
exec 3>&-
wait $qpid
rc=$?
expect_rc 0 "the statement finishes"
expect_eq "$(tail -n 1 "$T/out")" "2,2" "its second scan sees the snapshot, not the commit made meanwhile"
run lake-query --format csv "SELECT count(*) FROM raw.snap"
expect_eq "$(tail -n 1 "$T/out")" 4 "the next statement sees the whole commit"

done_testing
