# Readers during overwrites: while a job replaces a table again and again
# (overwrite, then overwrite-partitions), every query sees one whole
# generation of the table, the old or the new, never a mix or a gap.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"

"$TESTTOOL" gen-events 2000 5 10 | lake-put raw.events >/dev/null
lake-crawl >/dev/null

for mode in overwrite overwrite-partitions; do
	job="lake-etl run --name gen_$(echo $mode | tr - _) --target curated.gen_${mode%%-*} --mode $mode --partition-by kind"
	sqlq="SELECT id, kind, CAST(:gen AS INTEGER) AS gen FROM raw.events"
	$job --sql "$sqlq" --param gen=0 >/dev/null || not_ok "first $mode run failed"
	table=curated.gen_${mode%%-*}
	(
		for g in 1 2 3 4 5 6 7 8; do
			$job --sql "$sqlq" --param gen=$g >/dev/null || exit 1
		done
	) &
	writer=$!
	reads=0
	mixed=0
	gens=""
	while kill -0 "$writer" 2>/dev/null; do
		line=$(lake-query --format csv "SELECT count(*), count(DISTINCT gen), min(gen) FROM $table" | tail -n 1)
		reads=$((reads + 1))
		case $line in
		2000,1,*) gens="$gens ${line##*,}" ;;
		*)
			mixed=$((mixed + 1))
			echo "    read $reads saw: $line"
			;;
		esac
	done
	wait "$writer"
	expect_eq "$?" 0 "$mode: eight runs while reading"
	expect_eq "$mixed" 0 "$mode: $reads reads, each saw exactly one generation of 2000 rows"
	expect_eq "$(lake-query --format csv "SELECT count(*), min(gen), max(gen) FROM $table" | tail -n 1)" "2000,8,8" "$mode: the last generation is the table"
	echo "    generations seen by the reader:$(echo "$gens" | tr ' ' '\n' | sort -u | tr '\n' ' ')"
done
done_testing
