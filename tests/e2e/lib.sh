# lib.sh - the end-to-end tests' helpers.  Source it first.
#
# Each check prints "ok" or "FAIL" with what was expected; the script ends
# with done_testing, which prints "N passed, M failed" and exits non-zero
# on any failure.  A program under test is run by `run`, which keeps its
# exit status, stdout and stderr apart (never piped into another command).

set -u
: "${LAKE_BIN:?set LAKE_BIN to the directory of the built programs}"
export PATH="$LAKE_BIN:$PATH"
TESTTOOL=${LAKE_TESTTOOL:-lake-testtool}
base=${LAKE_TEST_TMP:-${TMPDIR:-/tmp}}
mkdir -p "$base"
T=$(mktemp -d "$base/$(basename "$0" .sh).XXXXXX")
trap 'rm -rf "$T"' EXIT
unset LAKE_DIR
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok   $*"; }
not_ok() { failed=$((failed + 1)); echo "FAIL $*"; }

# run CMD...: $rc, $T/out, $T/err
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# run_in STDIN_FILE CMD...
run_in() {
	in=$1
	shift
	"$@" <"$in" >"$T/out" 2>"$T/err"
	rc=$?
}

expect_rc() {
	if [ "$rc" -eq "$1" ]; then ok "$2 (exit $1)"; else
		not_ok "$2: exit $rc, expected $1"
		sed 's/^/    stderr: /' "$T/err" | head -5
	fi
}

expect_err() {
	if grep -qF -- "$1" "$T/err"; then ok "$2"; else
		not_ok "$2: stderr lacks '$1'"
		sed 's/^/    stderr: /' "$T/err" | head -5
	fi
}

expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3: got '$1', expected '$2'"; fi
}

expect_lines() {
	n=$(wc -l <"$1" | tr -d ' ')
	expect_eq "$n" "$2" "$3"
}

# sql LAKE QUERY: ask the catalog directly.
sql() { sqlite3 -batch -noheader "$1/catalog.db" "$2"; }

new_lake() {
	lake-catalog init "$1" >/dev/null || { not_ok "cannot init $1"; exit 1; }
}

# Rows in the live files of DB.TABLE, counted by decompressing them.
rows_on_disk() {
	total=0
	for f in $(sql "$1" "SELECT path FROM files f JOIN tables t ON t.id = f.table_id JOIN databases d ON d.id = t.database_id WHERE f.state = 'live' AND d.name || '.' || t.name = '$2'"); do
		n=$(zstd -dc "$1/$f" | wc -l)
		total=$((total + n))
	done
	echo "$total"
}

done_testing() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}
