# lake-crawl commits after other programs committed, while it was reading.
# It used to write back the table row it had read before its transaction:
# the version (a lake-put committing meanwhile was acknowledged, but its
# file sat above the table's version, invisible, and every later put
# failed with 70 on table_versions' key; a crawl with changes failed with
# 70 itself) and the columns (a comment set meanwhile was lost).  A
# test-only gate of debug builds holds a crawl between reading and
# committing while other programs commit.  Proves:
#   - a crawl with nothing to change, held while lake-put commits, exits 0
#     and leaves the table at the put's version: the row is counted, the
#     next put commits at the next version;
#   - a crawl with a new file, held while lake-put commits a row and
#     lake-catalog describe comments a column, exits 0, registers the file
#     once in the version after the put's, and keeps the comment;
#   - the history has one row per version and check finds the lake clean.
. "$(dirname "$0")/lib.sh"
L=$T/lake
new_lake "$L"
export LAKE_DIR=$L
mkfifo "$T/gate"

# gated_crawl: lake-crawl in the background, held at the gate; $cpid.
gated_crawl() {
	LAKE_TEST_CRAWL_GATE="$T/gate" lake-crawl >"$T/crawl.out" 2>"$T/crawl.err" &
	cpid=$!
	exec 3>"$T/gate" # returns once the crawl has read what changed and waits to commit
}
# release: let the held crawl commit; $rc is its exit status.
release() {
	printf x >&3
	exec 3>&-
	wait $cpid
	rc=$?
}
put() {
	echo "{\"k\":$1}" >"$T/in.ndjson"
	run lake-put raw.t "$T/in.ndjson"
	expect_rc 0 "lake-put of k=$1"
	expect_eq "$(jq .version "$T/out")" "$2" "at version $2"
}

put 1 1
run lake-crawl
expect_rc 0 "a crawl gives raw.t its columns (version 2)"

# ---- a crawl with nothing to change ----
gated_crawl
put 2 3
release
expect_rc 0 "the crawl with nothing to change finishes"
expect_eq "$(cat "$T/crawl.err")" "" "and says nothing on stderr"
expect_eq "$(sql "$L" "SELECT version FROM tables WHERE name = 't'")" 3 "the table stays at the put's version 3"
run lake-query --format csv "SELECT count(*) FROM raw.t"
expect_eq "$(tail -n 1 "$T/out")" 2 "lake-query counts the put's row"
put 3 4

# ---- a crawl with a new file ----
printf '{"k":5}\n{"k":6}\n' >"$L/data/raw/t/part-copied-by-hand.ndjson"
gated_crawl
put 4 5
run lake-catalog describe raw.t --column k "the key"
expect_rc 0 "a column is commented while the crawl waits"
release
expect_rc 0 "the crawl with a new file finishes"
expect_eq "$(cat "$T/crawl.err")" "" "and says nothing on stderr"
expect_eq "$(jq -r 'select(.event == "file_registered") | .file' "$T/crawl.out")" \
	"data/raw/t/part-copied-by-hand.ndjson" "it registers the copied file once"
expect_eq "$(sql "$L" "SELECT version FROM tables WHERE name = 't'")" 6 "the table is at version 6, after the put's 5"
expect_eq "$(sql "$L" "SELECT path, added_version FROM files WHERE path LIKE '%copied%'")" \
	"data/raw/t/part-copied-by-hand.ndjson|6" "the copied file was registered at version 6"
run lake-catalog schema raw.t
expect_eq "$(jq -r .comment "$T/out")" "the key" "the comment set meanwhile is kept"
run lake-query --format csv "SELECT count(*) FROM raw.t"
expect_eq "$(tail -n 1 "$T/out")" 6 "lake-query counts every put row and the copied file's"
put 7 7

expect_eq "$(sql "$L" "SELECT group_concat(version || ':' || operation, ' ') FROM (SELECT version, operation FROM table_versions ORDER BY version)")" \
	"0:create 1:put 2:crawl 3:put 4:put 5:put 6:crawl 7:put" "one history row per version"
run lake-catalog check
expect_rc 0 "lake-catalog check finds the lake clean"

done_testing
