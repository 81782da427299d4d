# lake-etl run: jobs, bookmarks (incremental runs equal a full run), write
# modes, the job lock, run history, parameters, dry runs, bookmark tools,
# and the errors a user meets.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"

# Three batches of 600 events, ids 1..1800, landed one by one between runs.
"$TESTTOOL" gen-events 1800 7 30 >"$T/all.ndjson"
sed -n '1,600p' "$T/all.ndjson" >"$T/b1"
sed -n '601,1200p' "$T/all.ndjson" >"$T/b2"
sed -n '1201,1800p' "$T/all.ndjson" >"$T/b3"

count() { lake-query --format csv "SELECT count(*) FROM $1" | tail -n 1; }
version_of() { sql "$L" "SELECT t.version FROM tables t JOIN databases d ON d.id = t.database_id WHERE d.name || '.' || t.name = '$1'"; }

# ---- a job file, incremental over three batches ----
cat >"$T/clean.json" <<'EOF'
{
  "name": "clean_events",
  "description": "typed events, one partition per day",
  "sql": "SELECT id, ts, kind, user->>'country' AS country, amount, ok, substr(ts, 1, 10) AS dt FROM raw.events WHERE kind <> 'logout'",
  "target": "clean.events",
  "mode": "append",
  "partition_by": ["dt"],
  "bookmark": ["raw.events"]
}
EOF
for b in 1 2 3; do
	lake-put raw.events "$T/b$b" >/dev/null
	lake-crawl raw >/dev/null
	run lake-etl run "$T/clean.json"
	expect_rc 0 "run $b of the job"
	expect_eq "$(jq -r .status "$T/out")" succeeded "run $b succeeded"
	expect_eq "$(jq -r .input_rows "$T/out")" 600 "run $b read exactly its batch of 600 rows"
	want=$(grep -vc '"kind":"logout"' "$T/b$b")
	expect_eq "$(jq -r .output_rows "$T/out")" "$want" "run $b wrote its batch's $want rows"
done
expect_eq "$(count clean.events)" "$(grep -vc '"kind":"logout"' "$T/all.ndjson")" "the target holds every batch once"

# The same SQL run once over everything gives the same rows.
lake-etl run --name full --sql "$(jq -r .sql "$T/clean.json")" --target clean.full --partition-by dt >/dev/null
q="SELECT id, ts, kind, country, amount, ok, dt FROM TBL ORDER BY id"
lake-query --format csv "$(echo "$q" | sed s/TBL/clean.events/)" >"$T/inc.csv"
lake-query --format csv "$(echo "$q" | sed s/TBL/clean.full/)" >"$T/full.csv"
if cmp -s "$T/inc.csv" "$T/full.csv" && [ "$(wc -l <"$T/inc.csv")" -gt 1000 ]; then
	ok "three incremental runs equal one full run, row for row"
else
	not_ok "incremental and full runs differ"
fi
expect_eq "$(lake-query --format csv "SELECT count(*) - count(DISTINCT id) FROM clean.events" | tail -1)" 0 "no duplicates"

# The target's schema follows the result; files carry stats for pruning.
lake-catalog schema clean.events >"$T/schema"
expect_eq "$(jq -r 'select(.name == "ok") | .type' "$T/schema")" boolean "a boolean column stays boolean"
expect_eq "$(jq -r 'select(.name == "ts") | .type' "$T/schema")" timestamp "a timestamp column stays a timestamp"
expect_eq "$(jq -r 'select(.name == "dt") | .partition' "$T/schema")" true "dt is the partition key"
expect_eq "$(lake-query --format csv "SELECT ok FROM clean.events WHERE id = 1" | tail -1)" 1 "booleans read back as 0/1 in SQL"
first=$(sql "$L" "SELECT path FROM files f JOIN tables t ON t.id = f.table_id WHERE t.name = 'events' AND f.path LIKE 'data/clean/%' LIMIT 1")
if zstd -dc "$L/$first" | head -1 | jq -e 'has("dt") | not' >/dev/null; then
	ok "partition columns live in the path, not in the records"
else not_ok "a record carries its partition column"; fi
expect_eq "$(sql "$L" "SELECT count(*) FROM files f JOIN tables t ON t.id = f.table_id WHERE t.name = 'events' AND f.path LIKE 'data/clean/%' AND (f.schema IS NULL OR f.fp_size IS NULL)")" 0 "every output file is described (no crawl needed)"
run lake-query --explain --format ndjson "SELECT count(*) FROM clean.events WHERE id = 1700"
expect_eq "$(jq -s '[.[] | select(.table == "clean.events")][0].files_skipped_stats > 0' "$T/out")" true "queries prune output files by their stats"
run lake-crawl clean
expect_eq "$(grep -c file_ "$T/out")" 0 "lake-crawl reads none of the job's files"

# ---- no new data ----
v=$(version_of clean.events)
runs=$(sql "$L" "SELECT count(*) FROM job_runs")
run lake-etl run "$T/clean.json"
expect_rc 0 "a run without new input"
expect_eq "$(jq -c '{job, status}' "$T/out")" '{"job":"clean_events","status":"no-new-data"}' "says no-new-data"
expect_eq "$(version_of clean.events)" "$v" "and writes nothing"
expect_eq "$(sql "$L" "SELECT count(*) FROM job_runs")" "$runs" "nor a run record"

# ---- history ----
run lake-etl runs clean_events
expect_rc 0 "runs JOB"
expect_lines "$T/out" 3 "one record per run"
expect_eq "$(jq -s -c '[.[].input_rows]' "$T/out")" "[600,600,600]" "each with its input rows"
expect_eq "$(jq -s -r '.[0].bookmarks["raw.events"].upto' "$T/out")" "$(version_of raw.events)" "the newest run read raw.events up to its version"
expect_eq "$(lake-query --format csv "SELECT count(*) FROM lake.runs WHERE job = 'clean_events' AND status = 'succeeded'" | tail -1)" 3 "lake.runs shows the history"
run lake-etl bookmark show clean_events
expect_eq "$(jq -r .version "$T/out")" "$(version_of raw.events)" "bookmark show: at the table's version"

# ---- bookmark tools ----
run lake-etl bookmark rewind clean_events "$(sql "$L" "SELECT min(id) FROM job_runs r WHERE status = 'succeeded' AND job_id = (SELECT id FROM jobs WHERE name = 'clean_events') AND input_rows = 600 ORDER BY id LIMIT 1" | head -1)"
expect_rc 0 "rewind to the first run"
run lake-etl run --dry-run "$T/clean.json"
expect_rc 0 "a dry run"
expect_eq "$(jq -r .input_rows "$T/out")" 1800 "after rewinding, the next run would read all three batches again"
expect_eq "$(jq -r .status "$T/out")" dry-run "the dry run says so"
expect_eq "$(jq '.partitions | length' "$T/out")" 30 "and lists the 30 partitions it would write"
expect_eq "$(jq -r '.input[0].table + " " + (.input[0].files | length | tostring)' "$T/out")" "raw.events $(sql "$L" "SELECT count(*) FROM files WHERE state = 'live' AND path LIKE 'data/raw/events/%'")" "and the input files it would read"
expect_eq "$(count clean.events)" "$(grep -vc '"kind":"logout"' "$T/all.ndjson")" "a dry run writes nothing"
run lake-etl bookmark set clean_events raw.events "$(version_of raw.events)"
expect_rc 0 "bookmark set to the current version"
run lake-etl run "$T/clean.json"
expect_eq "$(jq -r .status "$T/out")" no-new-data "so there is nothing new"
run lake-etl run --dry-run --reset-bookmark "$T/clean.json"
expect_eq "$(jq -r .input_rows "$T/out")" 1800 "--reset-bookmark reads the bookmarked table whole"
run lake-etl bookmark set clean_events raw.events 999
expect_rc 65 "a version that does not exist"
expect_err "versions are 0 to" "says which versions exist"
run lake-etl bookmark show nosuchjob
expect_rc 66 "an unknown job"
run lake-etl bookmark rewind clean_events 999
expect_rc 65 "rewind to a run that is not the job's"

# ---- overwrite and overwrite-partitions ----
lake-etl run --name daily --sql "SELECT dt, count(*) AS n FROM clean.events GROUP BY dt" --target curated.daily --mode overwrite >/dev/null
v1=$(version_of curated.daily)
lake-etl run --name daily --sql "SELECT dt, count(*) AS n FROM clean.events GROUP BY dt" --target curated.daily --mode overwrite >/dev/null
expect_eq "$(count curated.daily)" 30 "overwrite replaces the table (30 rows, not 60)"
expect_eq "$(sql "$L" "SELECT files_removed > 0 FROM table_versions v JOIN tables t ON t.id = v.table_id WHERE t.name = 'daily' AND v.version = $((v1 + 1))")" 1 "the old files are removed in the new version"
expect_eq "$(lake-query --as-of "$v1" --format csv "SELECT count(*) FROM curated.daily" | tail -1)" 30 "the old version is still readable with --as-of"
run lake-crawl curated
expect_eq "$(grep -c '"file_registered"' "$T/out")" 0 "lake-crawl leaves the replaced files (kept for old snapshots) alone"
expect_eq "$(count curated.daily)" 30 "so the table still has 30 rows after a crawl"

# An overwrite's version records what changed against the version before
# it, as lake-catalog diff says, not every column as added; the columns
# that stay keep their comments.
lake-etl run --name reshape --sql "SELECT 'a' AS k, 1 AS n, 'x' AS gone" --target curated.reshaped --mode overwrite >/dev/null
lake-catalog describe curated.reshaped --column k "the key" >/dev/null
lake-etl run --name reshape --sql "SELECT 'b' AS k, 1.5 AS n, 2 AS extra" --target curated.reshaped --mode overwrite >/dev/null
v2=$(version_of curated.reshaped)
lake-catalog history curated.reshaped --format ndjson |
	jq -c "select(.version == $v2) | .changes[] | [.column, .from // (if .change == \"added\" then null else .type end), .to // (if .change == \"added\" then .type else null end)]" |
	sort >"$T/history.changes"
lake-catalog diff curated.reshaped $((v2 - 1)) "$v2" --format ndjson | jq -c 'select(.column) | [.column, .from, .to]' | sort >"$T/diff.changes"
expect_eq "$(tr '\n' ' ' <"$T/history.changes")" "$(tr '\n' ' ' <"$T/diff.changes")" "an overwrite's history records the diff against the version before"
expect_eq "$(wc -l <"$T/diff.changes")" 3 "(a column added, one removed, one retyped)"
expect_eq "$(lake-catalog schema curated.reshaped --format ndjson | jq -r 'select(.name == "k") | .comment')" "the key" \
	"a column the overwrite kept keeps its comment"

lake-etl run --name bykind --sql "SELECT kind, dt, count(*) AS n FROM clean.events GROUP BY kind, dt" --target curated.bykind --partition-by kind --mode overwrite-partitions >/dev/null
before=$(lake-query --format csv "SELECT kind, sum(n) FROM curated.bykind GROUP BY kind ORDER BY kind" | md5sum)
files_other=$(sql "$L" "SELECT group_concat(path) FROM files WHERE state = 'live' AND path LIKE 'data/curated/bykind/%' AND path NOT LIKE '%kind=signup/%'")
run lake-etl run --name bykind2 --sql "SELECT kind, dt, count(*) + 1000 AS n FROM clean.events WHERE kind = 'signup' GROUP BY kind, dt" --target curated.bykind --partition-by kind --mode overwrite-partitions
expect_rc 0 "overwrite-partitions"
expect_eq "$(sql "$L" "SELECT group_concat(path) FROM files WHERE state = 'live' AND path LIKE 'data/curated/bykind/%' AND path NOT LIKE '%kind=signup/%'")" "$files_other" "partitions it did not touch keep their files"
expect_eq "$(lake-query --format csv "SELECT min(n) >= 1000 FROM curated.bykind WHERE kind = 'signup'" | tail -1)" 1 "the touched partition is replaced"
expect_eq "$(lake-query --format csv "SELECT count(*) FROM curated.bykind WHERE kind = 'signup'" | tail -1)" 30 "and holds only the new rows"
run lake-etl run --name bad --sql "SELECT 1 AS a" --target curated.x --mode overwrite-partitions
expect_rc 64 "overwrite-partitions without partition_by"

# ---- the lock ----
jid=$(sql "$L" "SELECT id FROM jobs WHERE name = 'daily'")
sleep 30 &
holder=$!
sql "$L" "UPDATE jobs SET lock_pid = $holder, lock_since = '2024-01-01T00:00:00Z' WHERE id = $jid"
run lake-etl run --name daily --sql "SELECT dt, count(*) AS n FROM clean.events GROUP BY dt" --target curated.daily --mode overwrite
expect_rc 75 "a second run of a running job"
expect_err "job 'daily' is already running (pid $holder" "says which process holds it"
kill "$holder"
wait "$holder" 2>/dev/null
run lake-etl run --name daily --sql "SELECT dt, count(*) AS n FROM clean.events GROUP BY dt" --target curated.daily --mode overwrite
expect_rc 0 "once that process is gone, the lock is taken over"
expect_eq "$(sql "$L" "SELECT status FROM job_runs WHERE job_id = $jid ORDER BY id DESC LIMIT 1 OFFSET 1")" crashed "and the dead holder's run is recorded as crashed"
expect_eq "$(sql "$L" "SELECT lock_pid IS NULL FROM jobs WHERE id = $jid")" 1 "a finished run releases the lock"

# ---- parameters ----
run lake-etl run --name oneday --sql "SELECT id, amount FROM clean.events WHERE dt = :day" --param day=2024-05-03 --target curated.oneday --mode overwrite
expect_rc 0 "a job with a parameter"
expect_eq "$(count curated.oneday)" "$(lake-query --format csv "SELECT count(*) FROM clean.events WHERE dt = '2024-05-03'" | tail -1)" "the parameter is bound"
expect_eq "$(sql "$L" "SELECT params FROM job_runs ORDER BY id DESC LIMIT 1")" '{"day":"2024-05-03"}' "and recorded with the run"
run lake-etl run --name oneday --sql "SELECT id FROM clean.events WHERE dt = :day" --target curated.oneday --mode overwrite
expect_rc 64 "a parameter without a value"
expect_err "parameter :day has no value: give it with --param day=VALUE" "says how to give it"

# ---- CSV output ----
run lake-etl run --name tocsv --sql "SELECT id, kind, amount FROM clean.events WHERE dt = '2024-05-02'" --target curated.csvout --to csv
expect_rc 0 "--to csv"
f=$(sql "$L" "SELECT path FROM files WHERE path LIKE 'data/curated/csvout/%' LIMIT 1")
expect_eq "$(zstd -dc "$L/$f" | head -1)" "id,kind,amount" "CSV files start with the header"
expect_eq "$(lake-query --format csv "SELECT count(*), sum(amount) FROM curated.csvout" | tail -1)" "$(lake-query --format csv "SELECT count(*), sum(amount) FROM clean.events WHERE dt = '2024-05-02'" | tail -1)" "and read back the same"

# ---- failures commit nothing ----
v=$(version_of clean.events)
bm=$(sql "$L" "SELECT version FROM bookmarks b JOIN jobs j ON j.id = b.job_id WHERE j.name = 'clean_events'")
lake-put raw.events "$T/b1" >/dev/null
sed 's/WHERE kind/WHERE no_such_column = 1 AND kind/' "$T/clean.json" >"$T/broken.json"
run lake-etl run "$T/broken.json"
expect_rc 65 "a job whose SQL fails"
expect_err "no such column: no_such_column" "shows SQLite's message"
expect_eq "$(version_of clean.events)" "$v" "the target is unchanged"
expect_eq "$(sql "$L" "SELECT version FROM bookmarks b JOIN jobs j ON j.id = b.job_id WHERE j.name = 'clean_events'")" "$bm" "the bookmark did not move"
expect_eq "$(sql "$L" "SELECT status FROM job_runs ORDER BY id DESC LIMIT 1")" failed "the run is recorded as failed"
expect_eq "$(sql "$L" "SELECT error LIKE '%no_such_column%' FROM job_runs ORDER BY id DESC LIMIT 1")" 1 "with its error"
expect_eq "$(sql "$L" "SELECT count(*) FROM files WHERE state = 'pending'")" 0 "no pending files are left"
run lake-etl run "$T/clean.json"
expect_eq "$(jq -r .input_rows "$T/out")" 600 "the fixed job then reads the new batch"

run lake-etl run --name twocols --sql "SELECT id, id FROM clean.events" --target curated.y
expect_rc 64 "a result with two columns of one name"
expect_err "name them apart with AS" "says how to fix it"
run lake-etl run --name nopart --sql "SELECT id FROM clean.events" --target curated.z --partition-by dt
expect_rc 64 "partition_by naming a column the result lacks"
expect_err "partition_by column 'dt' is not a column of the result (it has: id)" "names it and the columns"
run lake-etl run --name write --sql "DELETE FROM clean.events" --target curated.w
expect_rc 77 "a job cannot write with its SQL"
run lake-etl run --name missing --sql "SELECT 1" --target curated.m --bookmark raw.nosuch
expect_rc 66 "a bookmarked table that does not exist"
run lake-etl run --name multi --sql "SELECT 1 AS a; SELECT 2 AS a" --target curated.m
expect_rc 64 "two statements"

# ---- flatten ----
cat >"$T/nested" <<'EOF'
{"id":1,"day":"2024-05-01","customer":{"name":"ann","address":{"city":"Paris","zip":"75001"}},"items":[{"sku":"a","qty":2,"opts":["red"]},{"sku":"b","qty":1}],"tags":["new","vip"]}
{"id":2,"day":"2024-05-02","customer":{"name":"bob","address":{"city":"Lyon","zip":"69001"}},"items":[{"sku":"c","qty":5}],"tags":[]}
EOF
lake-put raw.nested "$T/nested" >/dev/null
lake-crawl raw >/dev/null
run lake-etl flatten raw.nested clean.orders --flatten-key id --partition-by day
expect_rc 0 "flatten a nested table"
expect_eq "$(jq -c '.children | keys' "$T/out")" '["clean.orders_items","clean.orders_tags"]' "each array column becomes a child table"
expect_eq "$(lake-query --format csv 'SELECT id, "customer.name", "customer.address.city", day FROM clean.orders ORDER BY id' | tr '\n' ' ')" 'id,customer.name,customer.address.city,day 1,ann,Paris,2024-05-01 2,bob,Lyon,2024-05-02 ' "nested objects become parent.child columns"
expect_eq "$(lake-query --format csv "SELECT id, pos, sku, qty, opts, day FROM clean.orders_items ORDER BY id, pos" | tr '\n' ' ')" 'id,pos,sku,qty,opts,day 1,0,a,2,"[""red""]",2024-05-01 1,1,b,1,,2024-05-01 2,0,c,5,,2024-05-02 ' "array elements are rows keyed by the parent's id and pos, in its partition"
expect_eq "$(lake-query --format csv "SELECT id, pos, value FROM clean.orders_tags ORDER BY id, pos" | tr '\n' ' ')" 'id,pos,value 1,0,new 1,1,vip ' "scalar elements are a value column"
expect_eq "$(lake-query --format csv "SELECT sum(i.qty) FROM clean.orders o JOIN clean.orders_items i ON i.id = o.id WHERE o.\"customer.name\" = 'ann'" | tail -1)" 3 "parent and child join back"
expect_eq "$(sql "$L" "SELECT count(DISTINCT target_version) FROM job_runs WHERE job_id = (SELECT id FROM jobs WHERE name = 'flatten_clean_orders')")" 1 "one run, one commit"
run lake-etl run --name joined --sql "SELECT o.id, i.sku FROM clean.orders o JOIN clean.orders_items i ON i.id = o.id" --target curated.joined
expect_eq "$(jq -c '[.input_files, .input_rows]' "$T/out")" "[$(sql "$L" "SELECT count(*) || ',' || sum(rows) FROM files WHERE state = 'live' AND (path LIKE 'data/clean/orders/%' OR path LIKE 'data/clean/orders_items/%')")]" "a join's input counts each file once, however often SQLite scans it"
run lake-etl flatten raw.nested clean.orders2
expect_rc 64 "arrays without a key"
expect_err "give flatten.key" "say how to join child rows"
expect_eq "$(sql "$L" "SELECT count(*) FROM tables WHERE name LIKE 'orders2%'")" 0 "and leave no table behind"
echo '{"name":"f","sql":"SELECT * FROM raw.nested","target":"clean.f","flatten":{"key":["id"]},"format":"csv"}' >"$T/flatcsv.json"
run lake-etl run "$T/flatcsv.json"
expect_rc 64 "flatten with CSV output"

# ---- mistakes a job's author makes ----
run lake-etl run --name daily --sql "SELECT 1 AS a" --target curated.other
expect_rc 64 "a job name reused for another target"
expect_err "job 'daily' writes curated.daily, not curated.other" "says the job keeps its target"
run lake-etl run --name p2 --sql "SELECT id FROM clean.events" --target clean.events
expect_rc 64 "a partitioned target without partition_by"
expect_err "give the job partition_by [dt] (--partition-by dt)" "says what to give"
run lake-etl run --name drop --sql "SELECT id FROM clean.events; DROP TABLE x" --target curated.d
expect_rc 64 "a second statement after the SELECT"
expect_err "must be one statement" "is refused before anything runs"
run lake-etl bookmark set daily clean.events 1
expect_rc 64 "bookmark set on a table the job does not bookmark"
run lake-etl runs nosuchjob
expect_rc 66 "runs of an unknown job"
run lake-crawl clean curated
expect_eq "$(wc -l <"$T/out" | tr -d ' ')" 0 "a crawl after the jobs finds nothing to change (files described, keys typed)"
run lake-etl run --name csvflags --sql "SELECT id, ok FROM clean.events WHERE dt = '2024-05-02'" --target curated.flags --to csv
expect_eq "$(lake-query --format csv "SELECT count(*) FROM curated.flags WHERE ok IS NULL" | tail -1)" 0 "booleans survive a CSV table"

# ---- job files and usage ----
printf '{"name": "x", "sql": "SELECT 1",\n "target": }\n' >"$T/bad.json"
run lake-etl run "$T/bad.json"
expect_rc 65 "a malformed job file"
expect_err "bad.json:2:" "names the file and line"
echo '{"name":"x","sql":"SELECT 1","target":"a.b","partiton_by":["x"]}' >"$T/typo.json"
run lake-etl run "$T/typo.json"
expect_rc 65 "an unknown key in a job file"
expect_err 'unknown key "partiton_by"' "names the key"
echo '{"name":"x","sql":"SELECT 1","target":"a.b","mode":"upsert"}' >"$T/mode.json"
run lake-etl run "$T/mode.json"
expect_rc 65 "an unknown mode"
echo '{"name":"x","sql":"SELECT 1","target":"Bad-Name"}' >"$T/name.json"
run lake-etl run "$T/name.json"
expect_rc 64 "a bad target name"
run lake-etl run "$T/nosuch.json"
expect_rc 66 "a missing job file"
run lake-etl run --name x --sql "SELECT 1"
expect_rc 64 "an inline job without a target"
run lake-etl run "$T/clean.json" --name x
expect_rc 64 "a job file and inline options together"
run lake-etl frobnicate
expect_rc 64 "an unknown verb"
expect_err "the verbs are: run, flatten, runs, bookmark, map" "lists the verbs"
run lake-etl --help
expect_rc 0 "--help"
run lake-etl run --name x --sql "SELECT 1 AS a" --target curated.q --lake "$T/nolake"
expect_rc 66 "no lake"

run lake-catalog check
expect_rc 0 "lake-catalog check passes (replaced files are not orphans)"
replaced=$(sql "$L" "SELECT path FROM files WHERE replaced = 1 LIMIT 1")
run lake-catalog vacuum --older-than 0
expect_rc 0 "vacuum"
if [ -n "$replaced" ] && [ ! -e "$L/$replaced" ]; then ok "vacuum deletes replaced files"; else not_ok "replaced file '$replaced' is still there"; fi
expect_eq "$(count curated.daily)" 30 "the current version is intact"
# The versions the overwrites replaced lost their files: reading one is
# an error that says so, never the zero rows left of it with exit 0.
now=$(version_of curated.daily)
v1_time=$(sql "$L" "SELECT v.created FROM table_versions v JOIN tables t ON t.id = v.table_id JOIN databases d ON d.id = t.database_id WHERE d.name = 'curated' AND t.name = 'daily' AND v.version = $v1")
gone="curated.daily: version $v1 is no longer readable (its files were vacuumed); the oldest readable version is $now"
run lake-query --as-of "$v1" "SELECT count(*) AS n FROM curated.daily"
expect_rc 66 "--as-of a version whose files were vacuumed fails"
expect_err "$gone" "naming the oldest version still readable"
expect_eq "$(cat "$T/out")" "" "and printing no rows"
run lake-query --as-of "$v1_time" "SELECT count(*) AS n FROM curated.daily"
expect_rc 66 "--as-of a time that falls on that version fails too"
expect_err "$gone" "with the same message"
expect_eq "$(lake-query --as-of "$now" --format csv "SELECT count(*) FROM curated.daily" | tail -1)" 30 \
	"the current version still reads whole"
expect_eq "$(lake-catalog history curated.daily --format ndjson | jq -c "select(.version == $v1 or .version == $now) | .readable" | tr '\n' ' ')" \
	"false true " "history says which versions can still be read"
run lake-catalog check
expect_rc 0 "lake-catalog check passes after vacuum"
done_testing
