#!/bin/bash
# t-vacuum-after-kill.sh - lake-catalog vacuum cleans up after a lake-put
# killed at any of its crash points, and exits 0.
#
# Regression: a lake-put killed after registering its first file as
# pending but before renaming it into data/ (so before data/DB/TABLE/
# existed) left a pending row whose directory was never made; vacuum
# deleted the row, then failed to fsync that directory and exited 74
# ("cannot open directory") although it had done its work.
#
# Every crash point of a first put into a new table is walked
# (LAKE_FAULT_KILL_AT=N, as t-put-crash.sh and t-etl-crash.sh do), each
# in a fresh lake, until the put runs to the end; after each kill vacuum
# must succeed and leave no pending row.

. "$(dirname "$0")/lib.sh"

printf '{"a":1}\n{"a":2}\n' >"$T/in.ndjson"
n=1
kills=0
before_rename=0
while :; do
	L=$T/lake.$n
	new_lake "$L"
	(LAKE_FAULT_KILL_AT=$n lake-put --lake "$L" raw.t "$T/in.ndjson" >"$T/out" 2>"$T/err"; exit $?) 2>/dev/null
	rc=$?
	[ "$rc" -eq 0 ] && break
	if [ "$rc" -ne 137 ]; then
		not_ok "crash point $n: lake-put exit $rc, expected 137 (killed)"
		break
	fi
	kills=$((kills + 1))
	pending=$(sql "$L" "SELECT count(*) FROM files WHERE state = 'pending'")
	# The case that broke: a pending row and no table directory yet.
	if [ "$pending" -gt 0 ] && [ ! -d "$L/data/raw/t" ]; then
		before_rename=$((before_rename + 1))
	fi
	run lake-catalog --lake "$L" vacuum
	expect_rc 0 "crash point $n ($pending pending): vacuum succeeds"
	expect_eq "$(sql "$L" "SELECT count(*) FROM files WHERE state = 'pending'")" 0 \
		"crash point $n: vacuum leaves no pending row"
	expect_eq "$(jq -r 'select(.removed == "pending") | .path' "$T/out" | wc -l | tr -d ' ')" "$pending" \
		"crash point $n: vacuum reports each pending row it removed"
	n=$((n + 1))
done
[ "$kills" -gt 0 ] && ok "$kills crash points walked" || not_ok "no crash point was reached"
[ "$before_rename" -gt 0 ] && ok "a kill landed between the pending row and the first rename" ||
	not_ok "no kill landed before the first rename: the case under test was not exercised"

done_testing
