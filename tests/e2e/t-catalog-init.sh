# lake-catalog init and lake discovery (SPEC §2, §3): the layout a new
# lake has, refusing to init twice, and finding the lake from --lake,
# $LAKE_DIR or the working directory upward, with a helpful error when
# there is none.
. "$(dirname "$0")/lib.sh"

run lake-catalog init "$T/lake"
expect_rc 0 "init a new lake"
expect_eq "$(jq -r .lake "$T/out")" "$(cd "$T/lake" && pwd -P)" "init prints the lake's absolute path"
for d in data quarantine audit tmp; do
	[ -d "$T/lake/$d" ] && ok "layout has $d/" || not_ok "layout lacks $d/"
done
expect_eq "$(jq -r .format "$T/lake/lake.json")" 1 "lake.json says format 1"
expect_eq "$(jq -r .owner "$T/lake/lake.json")" "$(id -un)" "lake.json names the owner"
expect_eq "$(sql "$T/lake" 'PRAGMA journal_mode')" wal "catalog is in WAL mode"
expect_eq "$(sql "$T/lake" 'PRAGMA user_version')" 4 "catalog carries its schema version"

run lake-catalog init "$T/lake"
expect_rc 73 "init refuses an existing lake"
expect_err "lake-catalog: error: '$T/lake' is already a lake" "and says so"

run lake-catalog init "$T/deep/er/lake"
expect_rc 0 "init creates missing parent directories"

run lake-catalog init
expect_rc 64 "init without DIR is a usage error"

run lake-catalog frobnicate
expect_rc 64 "unknown verb"
expect_err "unknown verb 'frobnicate'" "names the unknown verb"

run lake-catalog --help
expect_rc 0 "--help"
grep -q "^usage: lake-catalog" "$T/out" && ok "--help prints the usage on stdout" || not_ok "--help output"

run lake-catalog --version
expect_rc 0 "--version"

# Discovery, through lake-put on an empty input.
: >"$T/empty.ndjson"
run lake-put --lake "$T/lake" raw.t "$T/empty.ndjson"
expect_rc 0 "--lake finds the lake"

LAKE_DIR="$T/lake" run lake-put raw.t "$T/empty.ndjson"
expect_rc 0 "\$LAKE_DIR finds the lake"

mkdir -p "$T/lake/data/sub/dir"
(cd "$T/lake/data/sub/dir" && lake-put raw.t "$T/empty.ndjson" >"$T/out" 2>"$T/err")
rc=$?
expect_rc 0 "the lake is found upward from the working directory"

mkdir -p "$T/nowhere"
(cd "$T/nowhere" && lake-put raw.t "$T/empty.ndjson" >"$T/out" 2>"$T/err")
rc=$?
expect_rc 66 "no lake anywhere"
expect_err "create one with 'lake-catalog init DIR'" "the error says how to make a lake"

run lake-put --lake "$T/nowhere" raw.t "$T/empty.ndjson"
expect_rc 66 "--lake pointing at a non-lake"
expect_err "is not a lake" "says the directory is not a lake"

LAKE_DIR="$T/missing" run lake-put raw.t "$T/empty.ndjson"
expect_rc 66 "\$LAKE_DIR pointing nowhere"

echo '{"format":2}' >"$T/nowhere/lake.json"
run lake-put --lake "$T/nowhere" raw.t "$T/empty.ndjson"
expect_rc 69 "a lake of an unknown format is refused"

done_testing
