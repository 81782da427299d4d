# Interruptions: SIGTERM or SIGINT to a stream lands every record it had
# read (a stopped service loses nothing it consumed) and exits 128+signal;
# a signal during a regular file discards all of that file (all or
# nothing) and leaves no temporary file or pending registration.
#
# Synchronisation is by events, never by sleeping: lake-put has consumed
# what was written to its pipe when /proc/PID/io shows it read those bytes.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"

# wait_read PID BYTES: until PID has read at least BYTES more than $base_rchar.
rchar() { sed -n 's/^rchar: //p' "/proc/$1/io"; }
wait_read() {
	i=0
	while [ "$(rchar "$1")" -lt $((base_rchar + $2)) ]; do
		i=$((i + 1))
		[ "$i" -gt 20000 ] && { not_ok "lake-put never read its input"; return 1; }
	done
}

for sig in TERM INT; do
	mkfifo "$T/in.$sig"
	lake-put --lake "$L" --batch-rows 1000 raw.sig_$(echo $sig | tr A-Z a-z) <"$T/in.$sig" >"$T/out" 2>"$T/err" &
	pid=$!
	exec 3>"$T/in.$sig"
	# Wait until lake-put is up and blocked on its pipe before counting its reads.
	i=0
	until [ -r "/proc/$pid/io" ] && grep -q '^0 \|^7 ' "/proc/$pid/syscall" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -gt 100000 ] && break
	done
	base_rchar=$(rchar "$pid")
	recs='{"a":1}\n{"a":2}\n{"a":3}\n'
	printf "$recs" >&3
	wait_read "$pid" "$(printf "$recs" | wc -c)"
	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	exec 3>&-
	want=$((128 + $(kill -l "$sig")))
	expect_rc "$want" "SIG$sig to a stream exits $want"
	expect_err "records read before the signal were landed" "SIG$sig: says the records read were landed"
	expect_eq "$(jq -r .rows "$T/out")" 3 "SIG$sig: the 3 records read are landed"
	expect_eq "$(rows_on_disk "$L" raw.sig_$(echo $sig | tr A-Z a-z))" 3 "SIG$sig: and are on disk"
done

# A regular file interrupted midway: nothing of it is kept.
"$TESTTOOL" gen-events 400000 9 >"$T/big.ndjson"
lake-put --lake "$L" raw.big "$T/big.ndjson" >"$T/out" 2>"$T/err" &
pid=$!
base_rchar=0
wait_read "$pid" 20000000
kill -INT "$pid"
wait "$pid"
rc=$?
expect_rc 130 "SIGINT during a regular file exits 130"
expect_err "interrupted by signal 2" "says it was interrupted"
expect_lines "$T/out" 0 "nothing is reported"
expect_eq "$(sql "$L" "SELECT count(*) FROM files f JOIN tables t ON t.id = f.table_id WHERE t.name = 'big'")" 0 \
	"nothing is registered, not even pending"
expect_eq "$(ls "$L/tmp")" "" "no temporary file is left"
expect_eq "$(find "$L/data" -path '*big*' -type f | wc -l)" 0 "no data file is left"

done_testing
