# lake-catalog check, vacuum, stats, export and import: a clean lake
# checks clean; each kind of damage made by hand (truncation, a flipped
# byte, a deleted file, a copied-in file, tmp/ debris, a pending row of a
# dead writer) is reported, --repair removes only the debris; vacuum
# removes old removed files and debris (nothing with --dry-run); stats
# agree with what lake-put printed; an export imports into a new lake
# and exports again byte for byte.
. "$(dirname "$0")/lib.sh"
L=$T/lake
new_lake "$L"

# count PROBLEM: records of that kind in the last output
count() { jq -c "select(.problem == \"$1\")" "$T/out" | wc -l | tr -d ' '; }
# A pid that no process has: a child that has already been reaped.
dead_pid() {
	true &
	p=$!
	wait $p
	echo $p
}
hours_ago() { touch -d "$1 hours ago" "$2"; }

run lake-catalog --lake "$L" check
expect_rc 0 "an empty lake checks clean"
expect_lines "$T/out" 0 "and prints nothing"

: >"$T/puts"
for i in 1 2 3 4 5; do
	seq 1 $((i * 100)) | sed "s/.*/{\"id\":&,\"batch\":$i,\"text\":\"row & of batch $i\"}/" >"$T/in$i.ndjson"
	run lake-put --lake "$L" raw.ev "$T/in$i.ndjson"
	expect_rc 0 "lake-put batch $i"
	cat "$T/out" >>"$T/puts"
done
file() { sed -n "${1}p" "$T/puts" | jq -r .file; }
f1=$(file 1) f2=$(file 2) f3=$(file 3) f4=$(file 4) f5=$(file 5)

run lake-catalog --lake "$L" check
expect_rc 0 "a healthy lake checks clean"
expect_lines "$T/out" 0 "no problem records"

# ---- stats ----
run lake-catalog --lake "$L" --format ndjson stats
expect_rc 0 "stats"
expect_eq "$(jq -c '[.database, .table, .files, .versions]' "$T/out")" '["raw","ev",5,5]' "stats: one table, 5 files, 5 versions"
expect_eq "$(jq .rows "$T/out")" "$(jq -s 'map(.rows) | add' "$T/puts")" "stats rows = rows lake-put printed"
expect_eq "$(jq .bytes "$T/out")" "$(jq -s 'map(.bytes) | add' "$T/puts")" "stats bytes = bytes lake-put printed"
expect_eq "$(jq '.raw_bytes > .bytes and .ratio > 1' "$T/out")" true "raw sizes and a compression ratio"
expect_eq "$(jq -c ".rows_per_day | to_entries | map([.key, .value])" "$T/out")" "[[\"$(date -u +%F)\",1500]]" "rows added per day"
expect_eq "$(jq .rows_30d "$T/out")" 1500 "rows over 30 days"
run lake-catalog --lake "$L" --format table stats
expect_rc 0 "stats as a table"
grep -q "rows_30d" "$T/out" && ok "the table has a rows_30d column" || not_ok "table header: $(head -1 "$T/out")"
grep -q "rows_per_day" "$T/out" && not_ok "the table shows the per-day object" || ok "the table leaves out the per-day object"
run lake-catalog --lake "$L" stats extra
expect_rc 64 "stats takes no operands"

# ---- export and import ----
run lake-catalog --lake "$L" export
expect_rc 0 "export"
cp "$T/out" "$T/export1"
expect_eq "$(head -1 "$T/export1")" "{\"lake_catalog_export\":1,\"schema_version\":$(sql "$T/lake" "PRAGMA user_version")}" "the export starts with its header"
expect_eq "$(jq -r 'select(.table == "files") | .row.rows' "$T/export1" | tr '\n' ' ')" "100 200 300 400 500 " \
	"files rows are exported with typed values"
expect_eq "$(jq -c 'select(.table == "files") | .row.removed' "$T/export1" | head -1)" null "NULL is exported as null"
new_lake "$T/copy"
run_in "$T/export1" lake-catalog --lake "$T/copy" import
expect_rc 0 "import into a new lake"
run lake-catalog --lake "$T/copy" export
cmp -s "$T/out" "$T/export1" && ok "export, import, export: byte-identical" || not_ok "the round trip differs"
run lake-catalog --lake "$T/nowhere" export
expect_rc 66 "export without a lake"
run lake-catalog --lake "$L" export extra
expect_rc 64 "export takes no operands"
run lake-catalog --lake "$T/copy" import "$T/export1"
expect_rc 73 "import into a non-empty lake"
expect_err "catalog not empty" "says the catalog is not empty"

new_lake "$T/l3"
{ head -3 "$T/export1"; echo '{"table":"files","row":'; } >"$T/bad1"
run lake-catalog --lake "$T/l3" import "$T/bad1"
expect_rc 65 "a malformed line"
expect_err "$T/bad1:4: not JSON" "names the file and line"
expect_eq "$(sql "$T/l3" 'SELECT count(*) FROM databases')" 0 "a failed import leaves the catalog empty"
{ head -2 "$T/export1"; echo '{"table":"nosuch","row":{"a":1}}'; } >"$T/bad2"
run_in "$T/bad2" lake-catalog --lake "$T/l3" import
expect_rc 65 "an unknown table"
expect_err "stdin:3: 'nosuch' is not a catalog table" "names stdin's line"
{ echo '{"lake_catalog_export":1,"schema_version":99}'; } >"$T/bad3"
run lake-catalog --lake "$T/l3" import "$T/bad3"
expect_rc 65 "another schema version"
expect_err ":1: export of catalog schema 99" "says which schema"
echo '{"hello":1}' >"$T/bad4"
run lake-catalog --lake "$T/l3" import "$T/bad4"
expect_rc 65 "no header"
run lake-catalog --lake "$T/l3" import "$T/nonexistent"
expect_rc 66 "a missing import file"

# ---- damage, then check ----
truncate -s -10 "$L/$f1"
size=$(stat -c %s "$L/$f2")
printf '\377' | dd of="$L/$f2" bs=1 seek=$((size / 2)) conv=notrunc status=none
rm "$L/$f3"
cp "$L/$f4" "$L/data/raw/ev/part-copied-by-hand.ndjson.zst"
echo junk >"$L/tmp/stale"
hours_ago 2 "$L/tmp/stale"
echo junk >"$L/tmp/young"
pid=$(dead_pid)
cp "$L/$f5" "$L/data/raw/ev/part-dead-writer.ndjson.zst"
sql "$L" "INSERT INTO files(table_id, path, format, compression, bytes, rows, state, writer_pid, created, created_by)
	SELECT table_id, 'data/raw/ev/part-dead-writer.ndjson.zst', format, compression, bytes, rows, 'pending', $pid, created, created_by FROM files WHERE path = '$f5'"
sql "$L" "INSERT INTO files(table_id, path, format, compression, bytes, rows, state, writer_pid, created, created_by)
	SELECT table_id, 'data/raw/ev/part-live-writer.ndjson.zst', format, compression, bytes, rows, 'pending', $$, created, created_by FROM files WHERE path = '$f5'"

run lake-catalog --lake "$L" --format ndjson check
expect_rc 65 "check finds problems"
expect_eq "$(jq -r 'select(.path == "'"$f1"'") | .problem' "$T/out" | tr '\n' ' ')" "size checksum " "a truncated file: size and checksum"
expect_eq "$(jq -r 'select(.path == "'"$f2"'") | .problem' "$T/out")" checksum "a flipped byte: checksum"
expect_eq "$(jq -r 'select(.path == "'"$f3"'") | .problem' "$T/out")" missing "a deleted file: missing"
expect_eq "$(jq -r 'select(.problem == "orphan") | .path' "$T/out")" "data/raw/ev/part-copied-by-hand.ndjson.zst" "a copied file: orphan"
expect_eq "$(jq -r 'select(.problem == "stale-tmp") | .path' "$T/out")" "tmp/stale" "an old tmp file is stale, a young one is not"
expect_eq "$(jq -r 'select(.problem == "dead-pending") | .path' "$T/out")" "data/raw/ev/part-dead-writer.ndjson.zst" \
	"a pending row of a dead writer; a live writer's is not reported"
expect_eq "$(jq -r 'select(.path == "'"$f3"'") | .table' "$T/out")" raw.ev "records name the table"
expect_lines "$T/out" 7 "seven problems"
expect_eq "$(jq 'select(.repaired)' "$T/out")" "" "nothing is repaired without --repair"

run lake-catalog --lake "$L" --format table check
expect_rc 65 "check as a table"
grep -q "dead-pending" "$T/out" && ok "the table lists the problems" || not_ok "table: $(cat "$T/out")"

run lake-catalog --lake "$L" check --repair
expect_rc 65 "check --repair still reports what it found"
expect_eq "$(jq -r 'select(.repaired) | .problem' "$T/out" | tr '\n' ' ')" "orphan stale-tmp dead-pending " "orphans are registered, debris removed"
[ ! -s "$T/err" ] && ok "no summary on stderr when it is not a terminal" || not_ok "stderr: $(cat "$T/err")"
expect_eq "$(jq -r 'select(.problem == "orphan") | .detail' "$T/out")" "registered by lake-crawl" \
	"orphans are registered the way lake-crawl does"
[ ! -e "$L/tmp/stale" ] && [ -e "$L/tmp/young" ] && ok "the stale tmp file is gone, the young one kept" || not_ok "tmp/ after repair"
[ ! -e "$L/data/raw/ev/part-dead-writer.ndjson.zst" ] && ok "the dead writer's file is gone" || not_ok "dead writer's file kept"
expect_eq "$(sql "$L" "SELECT group_concat(path) FROM files WHERE state = 'pending'")" "data/raw/ev/part-live-writer.ndjson.zst" \
	"only the live writer's pending row is left"
[ -e "$L/data/raw/ev/part-copied-by-hand.ndjson.zst" ] && ok "the orphan is kept" || not_ok "the orphan was removed"
expect_eq "$(sql "$L" "SELECT state FROM files WHERE path = 'data/raw/ev/part-copied-by-hand.ndjson.zst'")" live \
	"and registered"

run lake-catalog --lake "$L" check
expect_rc 65 "after repair, the data problems remain"
expect_eq "$(count stale-tmp)$(count dead-pending)" 00 "and the debris is gone"
: >"$L/data/raw/ev/_SUCCESS"
: >"$L/data/raw/ev/.part-x.crc"
run lake-catalog --lake "$L" check
expect_eq "$(count orphan)" 0 "_SUCCESS and .crc files, which engines ignore, are no orphans"
run lake-catalog --lake "$L" check nonsense
expect_rc 64 "check takes no operands"

# ---- vacuum ----
rm "$L/data/raw/ev/part-copied-by-hand.ndjson.zst"
old=2020-01-01T00:00:00Z
recent=$(date -u -d '1 day ago' +%Y-%m-%dT%H:%M:%SZ)
sql "$L" "UPDATE files SET state = 'removed', removed_version = 6, removed = '$old' WHERE path = '$f4'"
sql "$L" "UPDATE files SET state = 'removed', removed_version = 6, removed = '$recent' WHERE path = '$f5'"
sql "$L" "DELETE FROM files WHERE state = 'pending'"
echo junk >"$L/tmp/stale2"
hours_ago $((8 * 24)) "$L/tmp/stale2"
echo junk >"$L/tmp/stale3"
hours_ago 3 "$L/tmp/stale3"
cp "$L/$f1" "$L/data/raw/ev/part-dead2.ndjson.zst"
sql "$L" "INSERT INTO files(table_id, path, format, compression, bytes, rows, state, writer_pid, created, created_by)
	SELECT table_id, 'data/raw/ev/part-dead2.ndjson.zst', format, compression, 1, 1, 'pending', $pid, created, created_by FROM files WHERE path = '$f1'"
b4=$(stat -c %s "$L/$f4")

run lake-catalog --lake "$L" vacuum --dry-run
expect_rc 0 "vacuum --dry-run"
expect_eq "$(jq -c '[.removed, .path]' "$T/out" | tr '\n' ' ')" \
	"[\"file\",\"$f4\"] [\"tmp\",\"tmp/stale2\"] [\"pending\",\"data/raw/ev/part-dead2.ndjson.zst\"] " \
	"--dry-run lists an old removed file, a stale tmp file and a dead pending row"
expect_eq "$(jq -r 'select(.removed == "file") | .bytes' "$T/out")" "$b4" "with the bytes it would free"
[ -e "$L/$f4" ] && [ -e "$L/tmp/stale2" ] && [ -e "$L/data/raw/ev/part-dead2.ndjson.zst" ] &&
	ok "--dry-run removes nothing from disk" || not_ok "--dry-run removed files"
expect_eq "$(sql "$L" "SELECT count(*) FROM files WHERE state <> 'live'")" 3 "--dry-run keeps the rows"

run lake-catalog --lake "$L" vacuum
expect_rc 0 "vacuum (default: older than 7 days)"
expect_lines "$T/out" 3 "three things removed"
[ ! -e "$L/$f4" ] && [ ! -e "$L/tmp/stale2" ] && [ ! -e "$L/data/raw/ev/part-dead2.ndjson.zst" ] &&
	ok "the files are gone" || not_ok "vacuum left files"
[ -e "$L/$f5" ] && ok "a file removed a day ago is kept" || not_ok "the recent removed file was deleted"
[ -e "$L/tmp/stale3" ] && ok "a tmp file of 3 hours is kept with the default 7 days" || not_ok "tmp/stale3 removed"
expect_eq "$(sql "$L" "SELECT group_concat(path) FROM files WHERE state <> 'live'")" "$f5" "only the recent removed row is left"

run lake-catalog --lake "$L" --format table vacuum --older-than 0
expect_rc 0 "vacuum --older-than 0, as a table"
grep -q "$f5" "$T/out" && ok "removes the recently removed file" || not_ok "table: $(cat "$T/out")"
grep -q "tmp/stale3" "$T/out" && ok "and a tmp file older than an hour" || not_ok "table: $(cat "$T/out")"
[ ! -e "$L/$f5" ] && ok "and it is gone" || not_ok "$f5 kept"
[ -e "$L/tmp/young" ] && ok "a young tmp file is never removed" || not_ok "young tmp file removed"

run lake-catalog --lake "$L" vacuum --older-than 0
expect_rc 0 "vacuum again"
expect_lines "$T/out" 0 "has nothing left to do"
for bad in 7 x 5y -1d 1dd; do
	run lake-catalog --lake "$L" vacuum --older-than "$bad"
	expect_rc 64 "--older-than $bad is refused"
done
expect_err "use a number and s, m, h, d or w" "and says what a duration is"

done_testing
