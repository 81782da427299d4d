#!/bin/bash
# t-put-batch-seconds.sh - --batch-seconds commits a stream on a timer.
#
# Three records go into lake-put through a FIFO whose write end the test
# keeps open, so no further input (nor EOF) arrives.  Proves:
#   - a file is printed while the input is still open: the timer fired
#     without new input; it is live in the catalog with the 3 rows, and
#     lake-put is still running;
#   - the commit came no sooner than 1 second after the records were sent
#     (a lower bound on the timer, not a speed assertion);
#   - no empty file is committed while no record is waiting (the timer
#     is only armed by a record);
#   - 2 more records and EOF: exit 0, a second file of 2 rows, 5 rows
#     live in all, in 2 versions.

. "$(dirname "$0")/lib.sh"
RANDOM=42

L=$T/lake
new_lake "$L"
"$TESTTOOL" gen-events 5 42 >"$T/events.ndjson"
mkfifo "$T/in" "$T/out_fifo"
lake-put --lake "$L" raw.ev --batch-seconds 1 <"$T/in" >"$T/out_fifo" 2>"$T/err" &
pid=$!
exec 3>"$T/in" 4<"$T/out_fifo"

t0=$(date +%s%N)
head -n 3 "$T/events.ndjson" >&3
if IFS= read -r -t 15 -u 4 first; then
	t1=$(date +%s%N)
	ok "a file is printed while the input is still open"
else
	t1=$(date +%s%N)
	first=
	not_ok "no file printed within 15 s of 3 records on an open input"
fi
printf '%s\n' "$first" >"$T/out"
if kill -0 "$pid" 2>/dev/null; then ok "lake-put is still running"; else not_ok "lake-put has exited"; fi
ms=$(((t1 - t0) / 1000000))
echo "# first commit $ms ms after the records were sent"
[ "$ms" -ge 1000 ] && ok "the first commit did not come before 1 s ($ms ms)" ||
	not_ok "the first commit came after $ms ms, before --batch-seconds 1"
expect_eq "$(jq -r .rows <<<"$first")" 3 "the first file has 3 rows"
file1=$(jq -r .file <<<"$first")
expect_eq "$(sql "$L" "SELECT state, rows, added_version FROM files WHERE path = '$file1'")" "live|3|1" \
	"the first file is live in the catalog with 3 rows, at version 1"
expect_eq "$(rows_on_disk "$L" raw.ev)" 3 "its 3 rows are on disk"
expect_eq "$(zstd -q -dc "$L/$file1")" "$(head -n 3 "$T/events.ndjson")" "it holds the 3 records sent"

# The timer is armed by a record: with none waiting, nothing more is committed.
if IFS= read -r -t 2 -u 4 extra; then
	not_ok "a second file was committed with no new input: $extra"
else
	ok "no file is committed while no record is waiting (2 s)"
fi

tail -n 2 "$T/events.ndjson" >&3
exec 3>&-
cat <&4 >>"$T/out"
exec 4<&-
wait "$pid"
rc=$?
expect_rc 0 "lake-put ends with its input"
expect_lines "$T/out" 2 "two files printed in all"
expect_eq "$(sed -n 2p "$T/out" | jq -r '.rows, .version' | tr '\n' ' ')" "2 2 " \
	"the second file has 2 rows, at version 2"
expect_eq "$(sql "$L" "SELECT count(*), sum(rows) FROM files WHERE state = 'live'")" "2|5" \
	"5 rows live, in 2 files"
expect_eq "$(rows_on_disk "$L" raw.ev)" 5 "the 5 rows are on disk"
expect_eq "$(sql "$L" "SELECT version FROM tables WHERE name = 'ev'")" 2 "the table is at version 2"

done_testing
