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
#
# Then lake-put loops run against loops of lake-crawl, lake-catalog vacuum
# and lake-etl run.  lake-crawl used to write back the table version it
# had read before its transaction: a put committing meanwhile was
# acknowledged, but its file sat above the table's version (invisible to
# every query) and every later put into the table failed with 70 on
# table_versions' key, while check called the lake clean.  Proves:
#   - every put, crawl, vacuum and job run exits 0 (no put fails with 70);
#   - every row a put acknowledged is in raw.t exactly once, as lake-query
#     counts it, and the rows printed add up to lake-query's count;
#   - the job copied each of them exactly once (its bookmark lost nothing);
#   - lake-catalog check finds nothing wrong.

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

# ---- writers against crawl, vacuum and job loops ----
L2=$T/lake2
new_lake "$L2"
nwriters=3 nputs=30 maxloops=300

# writer W: nputs puts of one to three rows into raw.t, each row keyed
# "W.I.R"; each put's status goes to put.W.rc, its output to put.W.I.out.
writer() {
	for i in $(seq 1 $nputs); do
		for r in $(seq 1 $((i % 3 + 1))); do echo "{\"k\":\"$1.$i.$r\"}"; done >"$T/put.$1.$i.in"
		lake-put --lake "$L2" raw.t "$T/put.$1.$i.in" >"$T/put.$1.$i.out" 2>>"$T/put.$1.err"
		echo "$i $?" >>"$T/put.$1.rc"
	done
}
# other NAME CMD...: CMD run again and again until the writers are done
# (at most maxloops times), each status in NAME.rc.
other() {
	name=$1
	shift
	for _ in $(seq 1 $maxloops); do
		[ -e "$T/writers.done" ] && break
		"$@" >/dev/null 2>>"$T/$name.err"
		echo $? >>"$T/$name.rc"
	done
}
job() {
	lake-etl --lake "$L2" run --name copy --sql "SELECT k FROM raw.t" --target cur.t --bookmark raw.t
}

# The table exists and has its columns (lake-put leaves them to the
# crawler) before the loops start, so that the job's SQL can name them.
echo '{"k":"0.0.1"}' >"$T/put.0.0.in"
lake-put --lake "$L2" raw.t "$T/put.0.0.in" >"$T/put.0.0.out" 2>"$T/put.0.err"
echo "0 $?" >"$T/put.0.rc"
run lake-crawl --lake "$L2"
expect_rc 0 "a first crawl gives raw.t its columns"
other crawl lake-crawl --lake "$L2" &
others="$!"
other vacuum lake-catalog --lake "$L2" vacuum --older-than 0 &
others="$others $!"
other job job &
others="$others $!"
wpids=
for w in $(seq 1 $nwriters); do
	writer "$w" &
	wpids="$wpids $!"
done
wait $wpids
: >"$T/writers.done"
wait $others

failed70=$(cat "$T"/put.*.rc | awk '$2 == 70' | wc -l)
expect_eq "$failed70" 0 "no put failed with 70"
expect_eq "$(cat "$T"/put.*.rc | awk '$2 != 0' | wc -l)" 0 "all $((nwriters * nputs + 1)) puts exit 0"
expect_eq "$(cat "$T"/put.*.err)" "" "the puts say nothing on stderr"
for name in crawl vacuum job; do
	expect_eq "$(sort -u "$T/$name.rc" | tr '\n' ' ')" "0 " "every $name run exits 0 ($(wc -l <"$T/$name.rc") runs)"
	expect_eq "$(head -3 "$T/$name.err")" "" "the $name runs say nothing on stderr"
done

# What the puts acknowledged: the rows of each put that exited 0 and
# printed its file.
: >"$T/acked"
printed_rows=0
for w in $(seq 0 $nwriters); do
	while read -r i rc; do
		[ "$rc" = 0 ] || continue
		out="$T/put.$w.$i.out"
		n=$(jq -s 'map(.rows) | add // 0' "$out")
		printed_rows=$((printed_rows + n))
		[ "$n" -gt 0 ] && jq -r .k "$T/put.$w.$i.in" >>"$T/acked"
	done <"$T/put.$w.rc"
done
sort "$T/acked" >"$T/acked.sorted"
run lake-query --lake "$L2" --format csv "SELECT k FROM raw.t"
expect_rc 0 "lake-query reads raw.t"
sed 1d "$T/out" | sort >"$T/queried"
expect_lines "$T/queried" "$printed_rows" "lake-query counts the $printed_rows rows the puts printed"
expect_eq "$(uniq -d "$T/queried" | wc -l)" 0 "no row is counted twice"
cmp -s "$T/acked.sorted" "$T/queried" && ok "every acknowledged row is in raw.t, and nothing else" ||
	not_ok "raw.t differs from the acknowledged rows: $(comm -3 "$T/acked.sorted" "$T/queried" | head -3 | tr '\n' ' ')"

run job
expect_rc 0 "a last job run after the writers"
run lake-query --lake "$L2" --format csv "SELECT k FROM cur.t"
sed 1d "$T/out" | sort >"$T/copied"
cmp -s "$T/acked.sorted" "$T/copied" && ok "the job copied every acknowledged row exactly once" ||
	not_ok "cur.t differs from raw.t: $(comm -3 "$T/acked.sorted" "$T/copied" | head -3 | tr '\n' ' ')"
run lake-catalog --lake "$L2" check
expect_rc 0 "lake-catalog check finds the lake clean"
expect_eq "$(cat "$T/out")" "" "and reports nothing"

done_testing
