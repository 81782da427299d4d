#!/bin/bash
# t-put-concurrent.sh - four lake-put processes land in one table at once.
#
# Writers 1 and 2 stream from pipes (a file published per 1000-row batch),
# writers 3 and 4 land regular files (all 20 files in one commit), each
# into its own static partition w=N.  The two streams are held at a gate
# until both have published their first file, so both processes are
# certainly alive with the table at the same time (and both race to
# create the table); then everything is released at once.  Proves:
#   - all four exit 0, with nothing on stderr;
#   - every printed file is live with the printed rows, partition and
#     version; file paths are unique and no file is registered twice;
#   - each partition's decompressed rows are exactly its writer's input;
#   - each commit made exactly one new version: table_versions runs
#     0 (create) .. N with no gap or duplicate, N is the table's version
#     and the number of distinct printed versions (20 + 20 + 1 + 1), the
#     writers' versions are disjoint, and each version's files_added and
#     rows_added match what was printed for it.

. "$(dirname "$0")/lib.sh"
RANDOM=42

L=$T/lake
new_lake "$L"
nrec=20000
for i in 1 2 3 4; do
	"$TESTTOOL" gen-events $nrec $((100 + i)) >"$T/in.$i"
	sed -n "1,1000p" "$T/in.$i" >"$T/head.$i"
	sed -n "1001,\$p" "$T/in.$i" >"$T/tail.$i"
done

# The two streams: input and output through FIFOs the test holds.
for i in 1 2; do
	mkfifo "$T/in_fifo.$i" "$T/out_fifo.$i"
	lake-put --lake "$L" raw.ev --batch-rows 1000 --partition "w=$i" \
		<"$T/in_fifo.$i" >"$T/out_fifo.$i" 2>"$T/err.$i" &
	pids[i]=$!
done
exec 5>"$T/in_fifo.1" 6>"$T/in_fifo.2" 7<"$T/out_fifo.1" 8<"$T/out_fifo.2"
cat "$T/head.1" >&5
cat "$T/head.2" >&6
IFS= read -r -t 60 -u 7 first1 || first1=
IFS= read -r -t 60 -u 8 first2 || first2=
if [ -n "$first1" ] && [ -n "$first2" ]; then
	ok "both streams published a file while both were running"
else
	not_ok "the streams did not both publish their first batch: '$first1' '$first2'"
fi
printf '%s\n' "$first1" >"$T/out.1"
printf '%s\n' "$first2" >"$T/out.2"

# Release: the streams' remaining input and the two regular-file writers.
# Each background process closes the FIFO ends it does not use: a stray
# copy of a write end would keep a stream from ever seeing its EOF.
cat "$T/tail.1" >&5 6>&- 7<&- 8<&- &
feed1=$!
cat "$T/tail.2" >&6 5>&- 7<&- 8<&- &
feed2=$!
for i in 3 4; do
	lake-put --lake "$L" raw.ev --batch-rows 1000 --partition "w=$i" "$T/in.$i" \
		>"$T/out.$i" 2>"$T/err.$i" 5>&- 6>&- 7<&- 8<&- &
	pids[i]=$!
done
cat <&7 >>"$T/out.1" 5>&- 6>&- 8<&- &
drain1=$!
cat <&8 >>"$T/out.2" 5>&- 6>&- 7<&- &
drain2=$!
exec 5>&- 6>&- 7<&- 8<&-
wait $feed1 $feed2 $drain1 $drain2

for i in 1 2 3 4; do
	wait "${pids[i]}"
	rc=$?
	expect_eq "$rc" 0 "writer $i exits 0"
	expect_eq "$(cat "$T/err.$i")" "" "writer $i says nothing on stderr"
	expect_lines "$T/out.$i" 20 "writer $i prints 20 files"
done

# What was printed: path|rows|version|partition|writer
printed_ok=1
for i in 1 2 3 4; do
	jq -r -j '.file, "|", .rows, "|", .version, "|", .partition, "|'"$i"'\n"' "$T/out.$i" \
		>"$T/printed.$i" || printed_ok=0
done
expect_eq "$printed_ok" 1 "every printed line is a JSON record"
cat "$T"/printed.? | sort >"$T/printed"

wrong_part=0
for i in 1 2 3 4; do
	wrong_part=$((wrong_part + $(awk -F'|' -v w="w=$i" -v d="data/raw/ev/w=$i/" \
		'$4 != w || index($1, d) != 1 || $2 != 1000' "$T/printed.$i" | wc -l)))
done
expect_eq "$wrong_part" 0 "each writer's files are 1000-row files in its partition w=N"

sql "$L" "SELECT path, rows, added_version, partition FROM files WHERE state = 'live'" |
	sort >"$T/live"
expect_eq "$(cut -d'|' -f1-4 "$T/printed" | comm -3 - "$T/live" | wc -l)" 0 \
	"the live files are exactly the printed ones, with their rows, versions and partitions"
expect_eq "$(cut -d'|' -f1 "$T/printed" | sort | uniq -d | wc -l)" 0 "printed file paths are unique"
expect_eq "$(sql "$L" "SELECT count(*) FROM (SELECT path FROM files GROUP BY path HAVING count(*) > 1)")" 0 \
	"no file is registered twice"
expect_eq "$(sql "$L" "SELECT state, count(*) FROM files GROUP BY state")" "live|80" \
	"the catalog holds the 80 files, all live (no pending left)"
expect_eq "$(find "$L/data" -type f | wc -l)" 80 "80 data files on disk"
expect_eq "$(find "$L/tmp" -type f | wc -l)" 0 "tmp/ is empty"

for i in 1 2 3 4; do
	files=$(sql "$L" "SELECT path FROM files WHERE state = 'live' AND partition = 'w=$i' ORDER BY id")
	(cd "$L" && zstd -q -dc $files) >"$T/landed.$i"
	expect_lines "$T/landed.$i" $nrec "partition w=$i holds $nrec rows"
	sort "$T/landed.$i" >"$T/landed_sorted.$i"
	sort "$T/in.$i" >"$T/in_sorted.$i"
	if cmp -s "$T/landed_sorted.$i" "$T/in_sorted.$i"; then
		ok "partition w=$i holds exactly writer $i's records"
	else
		not_ok "partition w=$i differs from writer $i's input"
	fi
done

# Versions: one per commit, consecutive, disjoint between writers.
for i in 1 2 3 4; do
	cut -d'|' -f3 "$T/printed.$i" | sort -nu >"$T/versions.$i"
done
expect_lines "$T/versions.1" 20 "stream 1 made 20 commits (one version per file)"
expect_lines "$T/versions.2" 20 "stream 2 made 20 commits (one version per file)"
expect_lines "$T/versions.3" 1 "regular file 3 made one commit of its 20 files"
expect_lines "$T/versions.4" 1 "regular file 4 made one commit of its 20 files"
expect_eq "$(cat "$T"/versions.? | sort -n | uniq -d | wc -l)" 0 "no two writers share a version"
for i in 1 2 3 4; do echo "# writer $i's versions: $(tr '\n' ' ' <"$T/versions.$i")"; done
commits=$(cat "$T"/versions.? | sort -nu | wc -l)
expect_eq "$commits" 42 "42 commits in all"
expect_eq "$(sql "$L" "SELECT version FROM tables WHERE name = 'ev'")" "$commits" \
	"the table's version is the number of commits"
expect_eq "$(sql "$L" "SELECT group_concat(version, ' ') FROM (SELECT version FROM table_versions ORDER BY version)")" \
	"$(seq 0 $commits | tr '\n' ' ' | sed 's/ $//')" \
	"table_versions runs 0..$commits with no gap or duplicate"
expect_eq "$(sql "$L" "SELECT operation, count(*) FROM table_versions GROUP BY operation ORDER BY operation")" \
	"create|1
put|$commits" "one 'create' version, then one 'put' version per commit"
awk -F'|' '{ f[$3]++; r[$3] += $2 } END { for (v in f) print v "|" f[v] "|" r[v] }' "$T/printed" |
	sort >"$T/per_version_printed"
sql "$L" "SELECT version, files_added, rows_added FROM table_versions WHERE version > 0" |
	sort >"$T/per_version_catalog"
if cmp -s "$T/per_version_printed" "$T/per_version_catalog"; then
	ok "each version's files_added and rows_added match what was printed for it"
else
	not_ok "table_versions' files_added/rows_added differ from the printed files"
	diff "$T/per_version_printed" "$T/per_version_catalog" | head -5 | sed 's/^/    /'
fi
expect_eq "$(rows_on_disk "$L" raw.ev)" $((4 * nrec)) "the table holds all $((4 * nrec)) rows"

done_testing
