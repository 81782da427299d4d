# lake-etl is exactly-once under crashes: a run killed with SIGKILL at
# every crash point of a run (staging files, renaming them, inside the
# commit, just after it) and at random instants leaves the target either
# as it was or with the whole run, never part of it and never twice; the
# next run finishes the job; in the end the target equals a clean run's,
# and after vacuum `lake-catalog check` finds nothing wrong.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"

"$TESTTOOL" gen-events 3000 11 30 >"$T/all.ndjson"
sed -n '1,1200p' "$T/all.ndjson" >"$T/b1"
sed -n '1201,2400p' "$T/all.ndjson" >"$T/b2"
sed -n '2401,3000p' "$T/all.ndjson" >"$T/b3"

cat >"$T/job.json" <<'EOF'
{"name": "bykind", "target": "clean.events", "partition_by": ["kind"], "bookmark": ["raw.events"],
 "sql": "SELECT id, ts, kind, page, amount FROM raw.events"}
EOF

rows() { lake-query --format csv "SELECT count(*) FROM clean.events" 2>/dev/null | tail -n 1; }
dups() { lake-query --format csv "SELECT count(*) - count(DISTINCT id) FROM clean.events" 2>/dev/null | tail -n 1; }

kills=0
bad=0
# After a kill the target holds the rows before the run, or all of them after it.
check_state() {
	now=$(rows)
	[ -z "$now" ] && now=0
	if [ "$now" != "$1" ] && [ "$now" != "$2" ]; then
		bad=$((bad + 1))
		echo "    after a kill ($3): $now rows, expected $1 or $2"
	fi
	d=$(dups)
	if [ -n "$d" ] && [ "$d" != 0 ]; then
		bad=$((bad + 1))
		echo "    after a kill ($3): $d duplicate rows"
	fi
}

before=0
for b in 1 2; do
	lake-put raw.events "$T/b$b" >/dev/null
	lake-crawl raw >/dev/null
	after=$((before + $(wc -l <"$T/b$b")))
	n=1
	while :; do
		(LAKE_FAULT_KILL_AT=$n lake-etl run "$T/job.json" >"$T/out" 2>"$T/err"; exit $?) 2>/dev/null
		rc=$?
		[ "$rc" -eq 0 ] && break
		if [ "$rc" -ne 137 ]; then
			not_ok "batch $b, crash point $n: exit $rc"
			sed 's/^/    /' "$T/err" | head -5
			break
		fi
		kills=$((kills + 1))
		check_state "$before" "$after" "batch $b, crash point $n"
		n=$((n + 1))
	done
	expect_eq "$(rows)" "$after" "batch $b: after $((n - 1)) crash points and a finishing run, every row once"
	before=$after
done

# Kills at random instants, as a user's Ctrl-\ or the OOM killer would.
lake-put raw.events "$T/b3" >/dev/null
lake-crawl raw >/dev/null
after=$((before + $(wc -l <"$T/b3")))
for ms in 30 60 90 120 150 200 250 300 400 500; do
	timeout -s KILL "0.$(printf '%03d' "$ms")" lake-etl run "$T/job.json" >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 137 ] && kills=$((kills + 1))
	check_state "$before" "$after" "killed after ${ms} ms"
done
run lake-etl run "$T/job.json"
expect_rc 0 "a run after the random kills"
expect_eq "$(rows)" "$after" "every row of the three batches once"

expect_eq "$bad" 0 "no kill left a partial or doubled target"
if [ "$kills" -ge 30 ]; then ok "killed $kills times (at least 30)"; else not_ok "only $kills kills"; fi
expect_eq "$(sql "$L" "SELECT count(*) > 0 FROM job_runs WHERE status = 'crashed'")" 1 "crashed runs are in the history"

# The same rows as a clean run of the same SQL.
lake-etl run --name reference --sql "$(jq -r .sql "$T/job.json")" --target clean.reference --partition-by kind >/dev/null
q="SELECT id, ts, kind, page, amount FROM TBL ORDER BY id"
lake-query --format csv "$(echo "$q" | sed s/TBL/clean.events/)" >"$T/got.csv"
lake-query --format csv "$(echo "$q" | sed s/TBL/clean.reference/)" >"$T/want.csv"
if cmp -s "$T/got.csv" "$T/want.csv"; then ok "the target equals a clean run, row for row"; else
	not_ok "the target differs from a clean run"
	diff "$T/got.csv" "$T/want.csv" | head -5
fi

run lake-catalog vacuum --older-than 0
expect_rc 0 "vacuum clears what the kills left"
run lake-catalog check
expect_rc 0 "lake-catalog check passes"
expect_eq "$(sql "$L" "SELECT count(*) FROM files WHERE state = 'pending'")" 0 "no pending files remain"
done_testing
