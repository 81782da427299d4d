# lake-etl map: SQL over an NDJSON stream, batch by batch, with bounded
# memory; types and nested values round-trip; bad lines; refused SQL.
. "$(dirname "$0")/lib.sh"

cat >"$T/in" <<'EOF'
{"id":1,"status":200,"path":"/a","ms":12.5,"ok":true,"user":{"name":"ann","tags":["x"]}}
{"id":2,"status":503,"path":"/b","ms":80,"ok":false,"user":null}
{"id":3,"status":404,"path":"/c\u00e9","ok":true,"extra":"late key"}
EOF

run_in "$T/in" lake-etl map "SELECT id, path, ms FROM input WHERE status >= 400"
expect_rc 0 "a filter"
expect_eq "$(cat "$T/out")" '{"id":2,"path":"/b","ms":80}
{"id":3,"path":"/cé","ms":null}' "rows that match, as NDJSON, a missing key as null, each value of the type its record gave it"

run_in "$T/in" lake-etl map "SELECT * FROM input"
expect_eq "$(jq -c . "$T/out" | head -1)" '{"id":1,"status":200,"path":"/a","ms":12.5,"ok":true,"user":{"name":"ann","tags":["x"]},"extra":null}' "SELECT *: booleans stay booleans, objects stay JSON"
expect_eq "$(jq -r .extra "$T/out" | tail -1)" "late key" "a key first seen in a later record is a column"

run_in "$T/in" lake-etl map "SELECT id, user->>'name' AS name, json_array_length(user->'tags') AS n FROM input WHERE user IS NOT NULL"
expect_eq "$(cat "$T/out")" '{"id":1,"name":"ann","n":1}' "JSON functions over nested values"

run_in "$T/in" lake-etl map "SELECT id FROM input WHERE no_such_key IS NULL"
expect_eq "$(wc -l <"$T/out" | tr -d ' ')" 3 "a key no record has is a NULL column"

run_in "$T/in" lake-etl map "SELECT id, :tag AS tag FROM input WHERE id = 1" --param tag=run-7
expect_eq "$(cat "$T/out")" '{"id":1,"tag":"run-7"}' "--param binds :name"

printf '{"status":500}\n{"status":"n/a"}\n{"status":404}\n{"status":1000}\n' >"$T/mixed"
run_in "$T/mixed" lake-etl map "SELECT status FROM input WHERE typeof(status) = 'integer' AND status >= 500"
expect_eq "$(jq -c .status "$T/out" | tr '\n' ' ')" "500 1000 " "a key of mixed types keeps each value's own type"
seq 1 3 | awk '{printf "{\"n\":%d}\n", $1}' >"$T/three"
run_in "$T/three" lake-etl map "SELECT count(*) AS n FROM input"
expect_eq "$(cat "$T/out")" '{"n":3}' "count(*) reads no column and is allowed"
run_in "$T/in" lake-etl map "SELECT * FROM sqlite_master"
expect_rc 77 "only the table input can be read"

# A quiet feed still flows: a batch waits at most a second for more records.
mkfifo "$T/feed" "$T/rows"
lake-etl map "SELECT id FROM input" <"$T/feed" >"$T/rows" &
mapper=$!
exec 3>"$T/feed" 4<"$T/rows"
echo '{"id":41}' >&3
if read -r -t 20 line <&4 && [ "$line" = '{"id":41}' ]; then ok "a record goes out while the feed is idle"; else not_ok "no row while the feed was idle: '${line:-}'"; fi
exec 3>&-
wait "$mapper"
expect_eq "$?" 0 "and map ends with its input"
exec 4<&-

# Batches: an aggregate applies per batch (the man page says so).
seq 1 10 | awk '{printf "{\"n\":%d}\n", $1}' >"$T/ten"
run_in "$T/ten" lake-etl map "SELECT count(*) AS c, sum(n) AS s FROM input" --batch-rows 4
expect_eq "$(jq -c . "$T/out" | tr '\n' ' ')" '{"c":4,"s":10} {"c":4,"s":26} {"c":2,"s":19} ' "GROUP BY and count apply per batch of --batch-rows"

: >"$T/empty"
run_in "$T/empty" lake-etl map "SELECT * FROM input"
expect_rc 0 "empty input"
expect_eq "$(wc -c <"$T/out" | tr -d ' ')" 0 "prints nothing"

# Bad lines.
printf '{"a":1}\n{"a":2}\n{"a": oops}\n{"a":4}\n' >"$T/bad"
run_in "$T/bad" lake-etl map "SELECT a FROM input"
expect_rc 65 "a malformed line fails by default"
expect_err "<stdin>:3:7:" "naming the line and column"
expect_eq "$(jq -c .a "$T/out" | tr '\n' ' ')" "1 2 " "what came before it is out"
run_in "$T/bad" lake-etl map "SELECT a FROM input" --on-error skip
expect_rc 0 "--on-error skip"
expect_eq "$(jq -c .a "$T/out" | tr '\n' ' ')" "1 2 4 " "skips it"
expect_err "skipped 1 malformed line; the first: <stdin>:3:7" "and says so"
printf '[1,2]\n' >"$T/array"
run_in "$T/array" lake-etl map "SELECT * FROM input"
expect_rc 65 "a line that is not an object"
head -c 3000000 /dev/zero | tr '\0' 'x' | awk '{printf "{\"big\":\"%s\"}\n", $0}' >"$T/huge"
run_in "$T/huge" lake-etl map "SELECT length(big) AS n FROM input"
expect_eq "$(cat "$T/out")" '{"n":3000000}' "a 3 MB line"

# What the SQL may not do.
for q in "ATTACH '$T/x.db' AS x" "PRAGMA writable_schema = 1" "DELETE FROM input" \
	"SELECT load_extension('/tmp/x.so')" "CREATE TABLE t(a)"; do
	run_in "$T/in" lake-etl map "$q"
	if [ "$rc" -eq 77 ] || [ "$rc" -eq 65 ]; then ok "refused: $q (exit $rc)"; else not_ok "not refused: $q (exit $rc)"; fi
done
[ -e "$T/x.db" ] && not_ok "ATTACH created a file" || ok "ATTACH created no file"
run_in "$T/in" lake-etl map "SELECT nosuchfunc(id) FROM input"
expect_rc 65 "an SQL error"
expect_err "no such function: nosuchfunc" "shows SQLite's message"
run_in "$T/in" lake-etl map "SELECT 1; SELECT 2"
expect_rc 64 "two statements"
run_in "$T/in" lake-etl map
expect_rc 64 "no SQL"
run_in "$T/in" lake-etl map "SELECT 1" --on-error quarantine
expect_rc 64 "map has no quarantine"

# A million records with bounded memory.
seq 1 1000000 | awk '{printf "{\"id\":%d,\"v\":\"r%d\",\"ok\":%s}\n", $1, $1 % 97, ($1 % 3 ? "true" : "false")}' >"$T/million"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1" \
	"$TESTTOOL" measure lake-etl map "SELECT id, v FROM input WHERE ok AND id % 1000 = 0" <"$T/million" >"$T/out" 2>"$T/err"
expect_eq "$(wc -l <"$T/out" | tr -d ' ')" 667 "1M records through map: every matching row"
kb=$(tail -n 1 "$T/err" | cut -d' ' -f2)
if [ "$kb" -lt 65536 ]; then ok "peak RSS $kb KB, under 64 MB"; else not_ok "peak RSS $kb KB"; fi
done_testing
