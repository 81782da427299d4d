#!/bin/bash
# t-crawl-warnings.sh - lake-crawl says what it passes over, on stderr,
# once per crawl.
#
# Regression: folders with invalid names (data/Raw2/T1) and stray files
# where only database or table directories belong were skipped without a
# word.  Each is now a warning on stderr; stdout stays events only, and an
# unchanged lake still prints no event.

. "$(dirname "$0")/lib.sh"

L=$T/lake
new_lake "$L"
printf '{"a":1}\n' >"$T/in.ndjson"
lake-put --lake "$L" raw.t "$T/in.ndjson" >/dev/null || not_ok "a put into raw.t"
mkdir -p "$L/data/Raw2/T1" "$L/data/raw/Bad-Table" "$L/data/.hidden" "$L/data/raw/.cache"
cp "$T/in.ndjson" "$L/data/Raw2/T1/x.ndjson"
cp "$T/in.ndjson" "$L/data/raw/Bad-Table/x.ndjson"
echo notes >"$L/data/README.txt"
echo notes >"$L/data/raw/notes.txt"

warnings=(
	"data/Raw2: not a valid database name (skipped)"
	"data/raw/Bad-Table: not a valid table name (skipped)"
	"data/README.txt: a file where only database directories belong (skipped)"
	"data/raw/notes.txt: a file where only table directories belong (skipped)"
)
expect_warnings() { # LABEL
	for w in "${warnings[@]}"; do
		expect_eq "$(grep -cxF "lake-crawl: warning: $w" "$T/err")" 1 "$1: warns once: $w"
	done
	expect_eq "$(grep -c . "$T/err")" "${#warnings[@]}" "$1: and of nothing else (names starting with '.' are silent)"
}

run lake-crawl --lake "$L"
expect_rc 0 "a crawl passing over bad names and stray files"
expect_warnings "first crawl"
expect_eq "$(jq -c . "$T/out" | grep -vc '"event"')" 0 "stdout holds events only"
expect_eq "$(grep -c -e Raw2 -e Bad-Table -e notes -e README "$T/out")" 0 "no event names what was passed over"

run lake-crawl --lake "$L"
expect_rc 0 "a crawl of the unchanged lake"
expect_lines "$T/out" 0 "prints no event"
expect_warnings "second crawl"

# A crawl of named tables or databases warns only of what it reaches.
run lake-crawl --lake "$L" raw.t
expect_rc 0 "a crawl of raw.t"
expect_lines "$T/err" 0 "warns of nothing outside raw.t"
run lake-crawl --lake "$L" raw
expect_rc 0 "a crawl of database raw"
expect_eq "$(grep -c . "$T/err")" 2 "warns of the two things in data/raw/ only"
expect_err "lake-crawl: warning: data/raw/Bad-Table: not a valid table name (skipped)" "the bad table name"
expect_err "lake-crawl: warning: data/raw/notes.txt: a file where only table directories belong (skipped)" "the stray file"

done_testing
