#!/bin/bash
# t-symlinks.sh - no program follows a symbolic link inside the lake.
#
# Regression: a symlinked directory under data/ was followed by lake-crawl
# (which registered the files it led to) and by lake-put (which wrote its
# data files wherever the link pointed, outside the lake).  Now lake-put
# refuses with exit 73 naming the link, and lake-crawl passes over links
# (directories and files, at every level) with a warning naming each.

. "$(dirname "$0")/lib.sh"

L=$T/lake
O=$T/outside # what the links point to: must stay as it was
new_lake "$L"
printf '{"a":1}\n{"a":2}\n' >"$T/in.ndjson"
printf 'not json\n' >"$T/bad.ndjson"
mkdir -p "$O/db/t" "$O/t" "$O/part" "$O/q"
printf '{"a":9}\n' >"$O/db/t/x.ndjson"
printf '{"a":9}\n' >"$O/t/x.ndjson"
printf '{"a":9}\n' >"$O/file.ndjson"
outside_files() { find "$O" -type f | sort | tr '\n' ' '; }
before=$(outside_files)

# ---- lake-put ----
ln -s "$O/db" "$L/data/linkdb"
run lake-put --lake "$L" linkdb.t "$T/in.ndjson"
expect_rc 73 "lake-put into a database whose directory is a symbolic link"
expect_err "'data/linkdb': a symbolic link" "names the link"
expect_lines "$T/out" 0 "reports no file"

lake-put --lake "$L" raw.t "$T/in.ndjson" >/dev/null || not_ok "a put into raw.t"
ln -s "$O/t" "$L/data/raw/linkt"
run lake-put --lake "$L" raw.linkt "$T/in.ndjson"
expect_rc 73 "lake-put into a table whose directory is a symbolic link"
expect_err "'data/raw/linkt': a symbolic link" "names the link"

# A partition's directory, met only when the file is renamed into place.
mkdir -p "$L/data/raw/p"
ln -s "$O/part" "$L/data/raw/p/k=v"
run lake-put --lake "$L" --partition k=v raw.p "$T/in.ndjson"
expect_rc 73 "lake-put into a partition whose directory is a symbolic link"
expect_err "'data/raw/p/k=v': a symbolic link" "names the link"
expect_eq "$(sql "$L" "SELECT count(*) FROM files f JOIN tables t ON t.id = f.table_id WHERE t.name = 'p' AND f.state = 'live'")" 0 \
	"nothing of it is live"

# The quarantine is inside the lake too.
ln -s "$O/q" "$L/quarantine/raw"
run lake-put --lake "$L" --on-error quarantine raw.t "$T/bad.ndjson"
expect_rc 73 "lake-put quarantining into a symbolic link"
expect_err "'quarantine/raw': a symbolic link" "names the link"

expect_eq "$(outside_files)" "$before" "lake-put wrote nothing outside the lake"

# ---- lake-crawl ----
ln -s "$O/file.ndjson" "$L/data/raw/t/linked.ndjson"
mkdir -p "$L/data/raw/t/sub"
ln -s "$O/t" "$L/data/raw/t/sub/deeper"
run lake-crawl --lake "$L"
expect_rc 0 "lake-crawl with links at every level"
for link in data/linkdb data/raw/linkt data/raw/t/linked.ndjson data/raw/t/sub/deeper; do
	expect_eq "$(grep -cF "lake-crawl: warning: $link: a symbolic link, not followed (skipped)" "$T/err")" 1 \
		"warns once of $link"
done
expect_eq "$(jq -r 'select(.event == "file_registered") | .file' "$T/out" | grep -c -e linkdb -e linkt -e linked -e deeper)" 0 \
	"registers no file behind a link"
expect_eq "$(sql "$L" "SELECT count(*) FROM files WHERE path LIKE '%link%' OR path LIKE '%deeper%'")" 0 \
	"the catalog holds no file behind a link"
expect_eq "$(sql "$L" "SELECT count(*) FROM tables WHERE name = 'linkt' OR database_id IN (SELECT id FROM databases WHERE name = 'linkdb')")" 0 \
	"and no table made of one"
expect_eq "$(jq -c . "$T/out" | grep -vc '"event"')" 0 "stdout holds events only"

# A registered file replaced by a link is not read through it.
f=$(sql "$L" "SELECT path FROM files WHERE state = 'live' LIMIT 1")
mv "$L/$f" "$O/moved.ndjson.zst"
ln -s "$O/moved.ndjson.zst" "$L/$f"
run lake-query --lake "$L" "SELECT a FROM raw.t"
[ "$rc" -ne 0 ] && ok "a query over a registered file made a link fails (exit $rc)" ||
	not_ok "a query read a registered file through a link: $(cat "$T/out")"
expect_err "'$L/$f': a symbolic link" "naming the link"
expect_lines "$T/out" 0 "and shows nothing read through it"

rm "$O/moved.ndjson.zst"
expect_eq "$(outside_files)" "$before" "nothing outside the lake changed"
done_testing
