# lake-catalog check and check --repair of table versions.  A lake-crawl
# that wrote back the version it read before its transaction lowered a
# table's version under a lake-put committing meanwhile: the put's file,
# acknowledged, sat above the version (invisible to queries), its history
# row too (every later put failed with 70 on table_versions' key), and
# check said the lake was clean.  Made here by hand with sqlite3, with a
# history row deleted and a file removed above its version besides:
#   - check reports each file above its table's version, the history rows
#     above it and the versions without a history row, and exits 65;
#   - check --repair raises the versions, records the missing history
#     rows in one transaction, says so in each record, and registers an
#     orphan of the damaged table (a crawl commit, which needs the versions
#     mended first);
#   - afterwards check is clean, every put row is counted by lake-query,
#     and lake-put commits again.
. "$(dirname "$0")/lib.sh"
L=$T/lake
new_lake "$L"

# count PROBLEM: records of that kind in the last output
count() { jq -c "select(.problem == \"$1\")" "$T/out" | wc -l | tr -d ' '; }
detail() { jq -r "select(.problem == \"$1\" and .path == \"$2\") | .detail" "$T/out"; }

for i in 1 2 3; do
	seq 1 10 | sed "s/.*/{\"id\":$i&}/" >"$T/ev$i.ndjson"
	run lake-put --lake "$L" raw.ev "$T/ev$i.ndjson"
	expect_rc 0 "lake-put $i into raw.ev"
	eval "f$i=\$(jq -r .file \"\$T/out\")"
done
for i in 1 2; do
	run_in "$T/ev$i.ndjson" lake-put --lake "$L" raw.rm
	expect_rc 0 "lake-put $i into raw.rm"
	eval "r$i=\$(jq -r .file \"\$T/out\")"
done
run_in "$T/ev1.ndjson" lake-put --lake "$L" raw.ok
expect_rc 0 "lake-put into raw.ok, which stays healthy"
run lake-crawl --lake "$L"
expect_rc 0 "a crawl gives each table its columns (a version each: raw.ev 4, raw.rm 3, raw.ok 2)"
run lake-catalog --lake "$L" check
expect_rc 0 "the lake checks clean before the damage"

# raw.ev as the race left it: the version back at 1 under files and history
# at 2 to 4; version 1's history row lost as well.  raw.rm: its first file
# replaced at version 4, which neither the table nor its history reached.
sql "$L" "UPDATE tables SET version = 1 WHERE name = 'ev'"
sql "$L" "DELETE FROM table_versions WHERE version = 1 AND table_id = (SELECT id FROM tables WHERE name = 'ev')"
sql "$L" "UPDATE files SET state = 'removed', removed_version = 4, removed = '2026-01-01T00:00:00Z', replaced = 1 WHERE path = '$r1'"
cp "$L/$f1" "$L/data/raw/ev/part-copied-by-hand.ndjson.zst"

run lake-query --lake "$L" "SELECT count(*) AS n FROM raw.ev"
expect_eq "$(jq .n "$T/out")" 10 "the damage: raw.ev's queries see only the file at version 1"
run_in "$T/ev1.ndjson" lake-put --lake "$L" raw.ev
expect_rc 70 "the damage: a put into raw.ev collides with the history row above the version"
expect_err "UNIQUE constraint failed: table_versions" "on table_versions' key"
run lake-query --lake "$L" "SELECT count(*) AS n FROM raw.rm"
expect_eq "$(jq .n "$T/out")" 20 "the damage: raw.rm's queries still read the file removed above its version"

run lake-catalog --lake "$L" --format ndjson check
expect_rc 65 "check finds the damage"
expect_eq "$(count above-version)" 4 "four above-version records: three files and raw.ev's history"
expect_eq "$(detail above-version "$f2")" \
	"registered at version 2, above its table's version 1: queries do not see it" \
	"the file put at version 2 is above the version"
expect_eq "$(detail above-version "$f3")" \
	"registered at version 3, above its table's version 1: queries do not see it" \
	"the file put at version 3 is above the version"
expect_eq "$(detail above-version data/raw/ev)" \
	"the history records versions 2-4, above the table's version 1: its next commit would collide with it" \
	"raw.ev's history rows above its version, on the table's location"
expect_eq "$(count missing-history)" 1 "one missing-history record"
expect_eq "$(detail missing-history data/raw/ev)" "no history row for version 1 of 0..1" \
	"raw.ev's version 1 has no history row"
expect_eq "$(jq -r 'select(.path == "'"$r1"'") | .table' "$T/out")" raw.rm "records name the table"
expect_eq "$(detail above-version "$r1")" \
	"removed at version 4, above its table's version 3: queries still read it" \
	"a file removed above raw.rm's version"
expect_eq "$(jq -r 'select(.table == "raw.ok")' "$T/out")" "" "nothing about the healthy raw.ok"
expect_eq "$(jq 'select(.repaired)' "$T/out")" "" "nothing is repaired without --repair"
expect_eq "$(sql "$L" "SELECT group_concat(version) FROM (SELECT version FROM tables ORDER BY name)")" "1,2,3" \
	"check alone changes no version"

run lake-catalog --lake "$L" --format ndjson check --repair
expect_rc 65 "check --repair reports what it found"
expect_eq "$(jq -r 'select(.problem == "above-version" or .problem == "missing-history") | select(.repaired | not)' "$T/out")" "" \
	"every version record is repaired"
expect_eq "$(detail above-version "$f2")" \
	"registered at version 2, above its table's version 1: queries do not see it; the table's version was raised to 4" \
	"a file's record says the version was raised"
expect_eq "$(detail missing-history data/raw/ev)" \
	"no history row for version 1 of 0..4; recorded as 'repair' versions with the files each added and removed" \
	"the missing history row is recorded"
expect_eq "$(detail missing-history data/raw/rm)" \
	"no history row for version 4 of 0..4; recorded as 'repair' versions with the files each added and removed" \
	"raw.rm's raised version gets its history row"
expect_eq "$(jq -r 'select(.problem == "orphan") | [.path, .repaired] | join(" ")' "$T/out")" \
	"data/raw/ev/part-copied-by-hand.ndjson.zst true" "the orphan is registered after the versions are mended"
expect_eq "$(sql "$L" "SELECT name, version FROM tables ORDER BY name")" "ev|5
ok|2
rm|4" "raw.ev raised to 4, then 5 for the orphan's crawl; raw.rm raised to 4; raw.ok untouched"
expect_eq "$(sql "$L" "SELECT version, operation, files_added, files_removed, rows_added FROM table_versions WHERE operation = 'repair' ORDER BY table_id, version")" \
	"1|repair|1|0|10
4|repair|0|1|0" "the repair versions carry the files they added and removed"
for t in ev rm ok; do
	expect_eq "$(sql "$L" "SELECT count(*) = max(version) + 1 AND min(version) = 0 FROM table_versions WHERE table_id = (SELECT id FROM tables WHERE name = '$t')")" 1 \
		"raw.$t's history runs from 0 to its version without a gap"
done

run lake-catalog --lake "$L" check
expect_rc 0 "after the repair the lake checks clean"
expect_lines "$T/out" 0 "and prints nothing"
run lake-query --lake "$L" "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM raw.ev"
expect_eq "$(jq -c '[.n, .ids]' "$T/out")" "[40,30]" "raw.ev's queries see every put row again (and the orphan, a copy of the first file)"
run lake-query --lake "$L" "SELECT count(*) AS n FROM raw.rm"
expect_eq "$(jq .n "$T/out")" 10 "raw.rm's queries no longer read the file removed at version 4"
run_in "$T/ev1.ndjson" lake-put --lake "$L" raw.ev
expect_rc 0 "lake-put into raw.ev commits again"
expect_eq "$(jq .version "$T/out")" 6 "at the next version"
run lake-catalog --lake "$L" check
expect_rc 0 "and the lake is still clean"

done_testing
