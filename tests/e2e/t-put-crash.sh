#!/bin/bash
# t-put-crash.sh - lake-put survives SIGKILL at any moment of a stream.
#
# Proves, over 60 streaming runs (input from a pipe, one file published
# per batch) each killed with SIGKILL at a varied moment: after 0-3
# acknowledgement lines, each checked live in the catalog as it is read
# (which lets lake-put run on a few ms), with batches of 500, 50, 7 or 1
# rows, so that the kill lands in different phases of reading,
# compressing, renaming and committing:
#   (0) each printed file is live by the time its line is read;
#   (a) every file lake-put printed is live in the catalog, with the
#       printed rows and version: what was acknowledged is durable;
#   (b) every live file exists, passes `zstd -t` (frame checksums) and
#       holds exactly the catalog's rows: no partial file is ever live;
#   (c) per run, printed rows == rows of the run's live files, except that
#       at most one live file may be unprinted (the kill raced the print),
#       and then only the run's newest one; each version of the table has
#       exactly one live file (one commit per batch, no gaps);
#   (d) nothing registered live is missing from disk, every data file is
#       registered (pending or live, never an orphan: catalog.h), and the
#       data files of pending rows are complete;
#   (e) afterwards the catalog is intact and a normal lake-put into the
#       same table works.
# Pending rows and tmp/ debris are allowed (vacuum cleans them): counted
# and printed.

. "$(dirname "$0")/lib.sh"
RANDOM=42

L=$T/lake
new_lake "$L"
runs=60
batch_sizes=(500 50 7 1 1)

# Table raw.ev's current version (0 when it does not exist yet).
table_version() {
	sql "$L" "SELECT coalesce((SELECT t.version FROM tables t JOIN databases d ON d.id = t.database_id WHERE d.name = 'raw' AND t.name = 'ev'), 0)"
}

: >"$T/ranges"
bad_runs=0
ack_not_live=0
for i in $(seq 1 $runs); do
	seed=$((1000 + i))
	k=$((RANDOM % 4))
	br=${batch_sizes[RANDOM % ${#batch_sizes[@]}]}
	vb=$(table_version)
	fifo=$T/fifo.$i
	mkfifo "$fifo"
	: >"$T/out.$i"
	# stdin is a pipe (a process substitution, so that $! is lake-put itself)
	lake-put --lake "$L" raw.ev --batch-rows "$br" < <("$TESTTOOL" gen-events 200000 $seed) \
		>"$fifo" 2>"$T/err.$i" &
	pid=$!
	exec 4<"$fifo"
	got=0
	while [ $got -lt $k ] && IFS= read -r -t 60 -u 4 line; do
		printf '%s\n' "$line" >>"$T/out.$i"
		got=$((got + 1))
		# An acknowledged file is live at once.  (Asking the catalog also
		# lets lake-put run on a few ms, so that the kill lands at a
		# different point of its next commit each time.)
		f=$(jq -r .file <<<"$line")
		st=$(sqlite3 -batch -noheader -cmd '.timeout 10000' "$L/catalog.db" \
			"SELECT state FROM files WHERE path = '$f'")
		if [ "$st" != live ]; then
			ack_not_live=$((ack_not_live + 1))
			echo "    run $i: $f was printed, but is '$st' in the catalog"
		fi
	done
	kill -9 "$pid" 2>/dev/null
	# What lake-put printed before it died (possibly a line racing the kill).
	cat <&4 >>"$T/out.$i"
	exec 4<&-
	wait "$pid" 2>/dev/null
	st=$?
	va=$(table_version)
	echo "$i $vb $va" >>"$T/ranges"
	if [ $got -ne $k ] || [ $st -ne 137 ]; then
		bad_runs=$((bad_runs + 1))
		echo "    run $i: waited for $k lines, got $got; exit status $st (expected 137)"
		sed 's/^/    stderr: /' "$T/err.$i" | head -5
	fi
	echo "# run $i: batch-rows $br, killed after $k lines; printed $(wc -l <"$T/out.$i"), versions $vb..$va"
done 2>"$T/loop.err" # bash reports each killed job on stderr: keep that out of the log
grep -v 'Killed' "$T/loop.err" | sed 's/^/    loop stderr: /'
expect_eq "$bad_runs" 0 "each of $runs runs was killed by SIGKILL after the lines awaited"
expect_eq "$ack_not_live" 0 "each file was live by the time its line was read"

# What lake-put acknowledged: path|rows|version, from every run.
printed_ok=1
for i in $(seq 1 $runs); do
	if ! jq -r -j '.file, "|", .rows, "|", .version, "|", .table, "\n"' "$T/out.$i" >"$T/printed.$i" 2>"$T/jqerr"; then
		printed_ok=0
		echo "    run $i printed a line that is not JSON:"
		sed 's/^/    /' "$T/out.$i" | tail -2
	fi
done
expect_eq "$printed_ok" 1 "every printed line is a whole JSON record"
cat "$T"/printed.* | cut -d'|' -f1-3 | sort >"$T/printed_all"
expect_eq "$(cut -d'|' -f4 "$T"/printed.* | sort -u | tr '\n' ' ')" "raw.ev " \
	"every printed record names the table"
printed_files=$(wc -l <"$T/printed_all")
echo "# $printed_files files printed in all"
[ "$printed_files" -gt 0 ] || not_ok "no run printed anything: the test exercised nothing"

# The catalog's live files of raw.ev: path|rows|version.
sql "$L" "SELECT f.path, f.rows, f.added_version FROM files f JOIN tables t ON t.id = f.table_id WHERE t.name = 'ev' AND f.state = 'live'" |
	sort >"$T/live_all"

# (a) every printed file is live, with the same rows and version.
comm -23 "$T/printed_all" "$T/live_all" >"$T/printed_not_live"
expect_eq "$(wc -l <"$T/printed_not_live")" 0 "(a) every printed file is live with the printed rows and version"
sed 's/^/    printed, not live: /' "$T/printed_not_live" | head -5

# (b) every live file is whole: present, checksums right, rows as registered.
# (zstd -t on all at once; then each file's lines, counted after a marker.)
nlive=$(wc -l <"$T/live_all")
broken=0
cut -d'|' -f1 "$T/live_all" >"$T/live_paths"
while read -r path; do
	[ -f "$L/$path" ] || { broken=$((broken + 1)); echo "    live file missing: $path"; }
done <"$T/live_paths"
if ! (cd "$L" && xargs zstd -q -t <"$T/live_paths") 2>"$T/zstd_t.err"; then
	broken=$((broken + 1))
	echo "    zstd -t fails on live files:"
	sed 's/^/    /' "$T/zstd_t.err" | head -5
fi
while read -r path; do
	echo "@@@ $path"
	zstd -q -dc "$L/$path" 2>/dev/null
done <"$T/live_paths" |
	awk '/^@@@ / { if (p != "") print p "|" n; p = $2; n = 0; next } { n++ } END { if (p != "") print p "|" n }' |
	sort >"$T/lines_on_disk"
cut -d'|' -f1-2 "$T/live_all" | sort >"$T/live_rows"
if ! cmp -s "$T/lines_on_disk" "$T/live_rows"; then
	broken=$((broken + 1))
	echo "    live files whose lines differ from the catalog's rows (path|rows, < on disk, > catalog):"
	diff "$T/lines_on_disk" "$T/live_rows" | grep '^[<>]' | head -6 | sed 's/^/    /'
fi
expect_eq "$broken" 0 "(b) all $nlive live files exist, pass zstd -t and hold the catalog's rows"

# (c) per run: printed rows == live rows, but for at most one unprinted
# newest file; every version of the run has exactly one live file.
run_errors=0
unprinted_total=0
printed_rows_total=0
while read -r i vb va; do
	awk -F'|' -v vb="$vb" -v va="$va" '$3 > vb && $3 <= va' "$T/live_all" | sort >"$T/live.$i"
	cut -d'|' -f1-3 "$T/printed.$i" | sort >"$T/printed_sorted.$i"
	comm -13 "$T/printed_sorted.$i" "$T/live.$i" >"$T/unprinted.$i"
	nun=$(wc -l <"$T/unprinted.$i")
	prows=$(awk -F'|' '{ s += $2 } END { print s + 0 }' "$T/printed.$i")
	lrows=$(awk -F'|' '{ s += $2 } END { print s + 0 }' "$T/live.$i")
	urows=$(awk -F'|' '{ s += $2 } END { print s + 0 }' "$T/unprinted.$i")
	printed_rows_total=$((printed_rows_total + prows))
	unprinted_total=$((unprinted_total + nun))
	# versions vb+1..va each have exactly one live file
	versions=$(cut -d'|' -f3 "$T/live.$i" | sort -n | tr '\n' ' ')
	want=$(if [ "$va" -gt "$vb" ]; then seq $((vb + 1)) "$va" | tr '\n' ' '; fi)
	if [ "$versions" != "$want" ]; then
		run_errors=$((run_errors + 1))
		echo "    run $i: live files' versions '$versions', expected one each of '$want'"
	fi
	if [ "$nun" -gt 1 ]; then
		run_errors=$((run_errors + 1))
		echo "    run $i: $nun live files were never printed (at most 1 may race the kill)"
	elif [ "$nun" -eq 1 ]; then
		uv=$(cut -d'|' -f3 "$T/unprinted.$i")
		maxp=$(awk -F'|' '$3 > m { m = $3 } END { print m + 0 }' "$T/printed.$i")
		if [ "$uv" -ne "$va" ] || [ "$uv" -le "$maxp" ]; then
			run_errors=$((run_errors + 1))
			echo "    run $i: unprinted live file at version $uv is not the run's newest ($va; printed up to $maxp)"
		else
			echo "# run $i: its newest file (version $uv, $urows rows) was committed but the kill beat its print"
		fi
	fi
	if [ $((prows + urows)) -ne "$lrows" ]; then
		run_errors=$((run_errors + 1))
		echo "    run $i: printed $prows rows + unprinted $urows != $lrows live rows"
	fi
done <"$T/ranges"
expect_eq "$run_errors" 0 "(c) per run, printed rows + at most one newest unprinted file == live rows"
live_rows_total=$(awk -F'|' '{ s += $2 } END { print s + 0 }' "$T/live_all")
live_versions=$(wc -l <"$T/live_all")
expect_eq "$live_versions" "$(table_version)" "(c) the table's version counts its live files (one per commit)"
echo "# $printed_rows_total rows printed, $live_rows_total rows live, $unprinted_total files committed but unprinted"
expect_eq "$(rows_on_disk "$L" raw.ev)" "$live_rows_total" "(c) the live files hold the catalog's rows"

# (d) no live file missing, across the whole catalog; no orphan data file.
missing=0
for f in $(sql "$L" "SELECT path FROM files WHERE state = 'live'"); do
	[ -f "$L/$f" ] || missing=$((missing + 1))
done
expect_eq "$missing" 0 "(d) nothing registered live is missing from disk"
(cd "$L" && find data -type f | sort) >"$T/on_disk"
sql "$L" "SELECT path FROM files WHERE state IN ('live', 'pending')" | sort >"$T/registered"
comm -23 "$T/on_disk" "$T/registered" >"$T/orphans"
expect_eq "$(wc -l <"$T/orphans")" 0 "(d) every data file on disk is registered (live or pending)"
sed 's/^/    orphan: /' "$T/orphans" | head -5
pending=$(sql "$L" "SELECT count(*) FROM files WHERE state = 'pending'")
pending_on_disk=0
pending_broken=0
for f in $(sql "$L" "SELECT path FROM files WHERE state = 'pending'"); do
	if [ -f "$L/$f" ]; then
		pending_on_disk=$((pending_on_disk + 1))
		zstd -q -t "$L/$f" 2>/dev/null || pending_broken=$((pending_broken + 1))
	fi
done
expect_eq "$pending_broken" 0 "(d) the data files of pending rows are complete (renamed only after fsync)"
tmp_debris=$(find "$L/tmp" -type f | wc -l)
echo "# debris for vacuum: $pending pending rows ($pending_on_disk with a file in data/), $tmp_debris files in tmp/"

# (e) the catalog is intact and the table still takes data.
expect_eq "$(sql "$L" "PRAGMA integrity_check")" ok "(e) catalog.db passes integrity_check"
"$TESTTOOL" gen-events 1000 7 >"$T/more.ndjson"
v0=$(table_version)
# new_rows_on_disk: rows in the live files added after version v0, decompressed.
new_rows_on_disk() {
	(cd "$L" && zstd -q -dc $(sql "$L" "SELECT path FROM files WHERE state = 'live' AND added_version > $v0") </dev/null) | wc -l
}
run_in "$T/more.ndjson" lake-put --lake "$L" raw.ev --batch-rows 300
expect_rc 0 "(e) a normal lake-put of a regular file into the same table"
expect_eq "$(jq -r .version "$T/out" | tr '\n' ' ')" "$((v0 + 1)) $((v0 + 1)) $((v0 + 1)) $((v0 + 1)) " \
	"(e) it prints its 4 files, published together in version $((v0 + 1))"
expect_eq "$(new_rows_on_disk)" 1000 "(e) its 1000 rows are live"
cat "$T/more.ndjson" | lake-put --lake "$L" raw.ev --batch-rows 600 >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "(e) a normal streaming lake-put into the same table"
expect_eq "$(jq -r .version "$T/out" | tr '\n' ' ')" "$((v0 + 2)) $((v0 + 3)) " \
	"(e) it prints its 2 files, one version each"
expect_eq "$(new_rows_on_disk)" 2000 "(e) its 1000 rows are live too"
expect_eq "$(sql "$L" "SELECT count(*) FROM files WHERE state = 'live' AND added_version > $v0")" 6 \
	"(e) the catalog registers exactly the 6 new files as live"

done_testing
