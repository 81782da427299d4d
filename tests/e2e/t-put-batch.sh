# Batching by rows and bytes, and --from-sqlite snapshots with their JSON
# types (the time limit on a slow pipe is t-put-batch-seconds.sh).
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"

"$TESTTOOL" gen-events 1000 5 >"$T/ev.ndjson"
run lake-put --lake "$L" --batch-rows 100 raw.rows "$T/ev.ndjson"
expect_rc 0 "--batch-rows 100"
expect_lines "$T/out" 10 "1000 rows make 10 files"
expect_eq "$(jq -r .rows "$T/out" | sort -u)" 100 "of 100 rows each"
expect_eq "$(rows_on_disk "$L" raw.rows)" 1000 "all rows on disk"
expect_eq "$(jq -s 'map(.version) | unique | length' "$T/out")" 1 "a regular file's batches become visible together"

run_in "$T/ev.ndjson" lake-put --lake "$L" --batch-bytes 64K raw.bytes
expect_rc 0 "--batch-bytes 64K"
size=$(wc -c <"$T/ev.ndjson")
files=$(wc -l <"$T/out")
[ "$files" -ge $((size / 65536)) ] && [ "$files" -le $((size / 65536 + 1)) ] &&
	ok "$size bytes make $files files" || not_ok "$size bytes made $files files"
expect_eq "$(rows_on_disk "$L" raw.bytes)" 1000 "all rows on disk"

# A stream publishes each batch as it completes: one version per file.
cat "$T/ev.ndjson" | lake-put --lake "$L" --batch-rows 250 raw.stream >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "a piped stream with --batch-rows"
expect_eq "$(jq -r .version "$T/out" | tr '\n' ' ')" "1 2 3 4 " "each batch of a stream is its own commit"
expect_eq "$(sql "$L" "SELECT group_concat(tv.version || ':' || operation || ':' || rows_added, ' ') FROM table_versions tv JOIN tables t ON t.id = tv.table_id WHERE t.name = 'stream'")" \
	"0:create:0 1:put:250 2:put:250 3:put:250 4:put:250" "the table's history records each commit"

# --from-sqlite: a snapshot of an SQLite table, JSON types kept.
sqlite3 "$T/app.sqlite" <<'SQL'
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, total REAL, paid BOOLEAN, note TEXT, raw BLOB, qty INT);
INSERT INTO orders VALUES (1, 'ann', 19.9, 1, NULL, x'00ff10', 3);
INSERT INTO orders VALUES (2, 'bob "b"', 7.0, 0, 'é', NULL, NULL);
CREATE TABLE "odd name" (x);
INSERT INTO "odd name" VALUES ('y');
SQL
run lake-put --lake "$L" --from-sqlite "$T/app.sqlite" --table orders raw.orders
expect_rc 0 "--from-sqlite"
f=$(jq -r .file "$T/out")
expect_eq "$(zstd -dc "$L/$f")" "$(printf '%s\n' '{"id":1,"customer":"ann","total":19.9,"paid":true,"note":null,"raw":"AP8Q","qty":3}' '{"id":2,"customer":"bob \"b\"","total":7.0,"paid":false,"note":"é","raw":null,"qty":null}')" \
	"rows become records with numbers, strings, booleans, null and base64 blobs"
run lake-put --lake "$L" --from-sqlite "$T/app.sqlite" --table "odd name" raw.odd
expect_rc 0 "a table name that needs quoting"
run lake-put --lake "$L" --from-sqlite "$T/app.sqlite" --table nope raw.orders
expect_rc 66 "a missing SQLite table"
expect_err "no table 'nope'" "names it"
run lake-put --lake "$L" --from-sqlite "$T/none.sqlite" --table orders raw.orders
expect_rc 66 "a missing SQLite file"
printf 'not a database at all, just text that is long enough to have a header............' >"$T/junk.sqlite"
run lake-put --lake "$L" --from-sqlite "$T/junk.sqlite" --table orders raw.orders
expect_rc 65 "a file that is not an SQLite database"
run lake-put --lake "$L" --from-sqlite "$T/app.sqlite" --table orders --partition-by p=paid raw.op
expect_rc 0 "--from-sqlite with partitions"
expect_eq "$(jq -r .partition "$T/out" | sort | tr '\n' ' ')" "p=false p=true " "partitioned by a column"

done_testing
