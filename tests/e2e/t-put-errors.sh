# lake-put's errors: every mistake gets "lake-put: error: WHERE: WHAT" and
# its sysexits code, and a failed input commits nothing; --on-error skip
# and quarantine go on past bad records and account for each.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
live_files() { sql "$L" "SELECT count(*) FROM files WHERE state = 'live'"; }
printf '{"a":1}\n' >"$T/good.ndjson"

# Usage mistakes: exit 64.
run lake-put --lake "$L" Raw.Events "$T/good.ndjson"
expect_rc 64 "invalid database name"
expect_err "lake-put: error: invalid database name 'Raw'" "names the bad name"
run lake-put --lake "$L" raw.bad-name "$T/good.ndjson"
expect_rc 64 "invalid table name"
run lake-put --lake "$L" events "$T/good.ndjson"
expect_rc 64 "a table without its database"
expect_err "use DB.TABLE" "says how to name it"
run lake-put --lake "$L"
expect_rc 64 "no table at all"
run lake-put --lake "$L" --format xml raw.t "$T/good.ndjson"
expect_rc 64 "unknown --format"
expect_err "--format 'xml': use ndjson, json, csv, tsv or auto" "lists the formats"
run lake-put --lake "$L" --on-error ignore raw.t "$T/good.ndjson"
expect_rc 64 "unknown --on-error"
run lake-put --lake "$L" --batch-rows 0 raw.t "$T/good.ndjson"
expect_rc 64 "--batch-rows 0"
run lake-put --lake "$L" --batch-rows 12x raw.t "$T/good.ndjson"
expect_rc 64 "--batch-rows not a number"
run lake-put --lake "$L" --batch-bytes 5Q raw.t "$T/good.ndjson"
expect_rc 64 "--batch-bytes with an unknown unit"
run lake-put --lake "$L" --partition-by dt=ts:week raw.t "$T/good.ndjson"
expect_rc 64 "unknown time grain"
expect_err "use year, month, day or hour" "lists the grains"
run lake-put --lake "$L" --partition dt raw.t "$T/good.ndjson"
expect_rc 64 "--partition without a value"
run lake-put --lake "$L" --partition DT=1 raw.t "$T/good.ndjson"
expect_rc 64 "--partition with an invalid key"
run lake-put --lake "$L" --partition dt=1 --partition-by dt=ts raw.t "$T/good.ndjson"
expect_rc 64 "the same partition key twice"
run lake-put --lake "$L" --no-such-option raw.t
expect_rc 64 "unknown option"
run lake-put --lake "$L" --from-sqlite x.db raw.t
expect_rc 64 "--from-sqlite without --table"
expect_eq "$(live_files)" 0 "usage errors commit nothing"

# Missing and unreadable inputs: exit 66.
run lake-put --lake "$L" raw.t "$T/missing.ndjson"
expect_rc 66 "missing file"
expect_err "lake-put: error: '$T/missing.ndjson': No such file or directory" "names the missing file"
run lake-put --lake "$L" raw.t "$T"
expect_rc 66 "a directory as input"
expect_err "is a directory" "says it is a directory"
printf '{"a":1}\n' >"$T/secret.ndjson"
chmod 000 "$T/secret.ndjson"
if [ "$(id -u)" -eq 0 ]; then
	lake-grant --lake "$L" grant INSERT,CREATE_TABLE ON raw TO public >/dev/null # nobody is no administrator
	chmod -R a+rwX "$L"
	chmod a+x "$T"
	setpriv --reuid=65534 --regid=65534 --clear-groups lake-put --lake "$L" raw.t "$T/secret.ndjson" >"$T/out" 2>"$T/err"
	rc=$?
else
	run lake-put --lake "$L" raw.t "$T/secret.ndjson"
fi
expect_rc 77 "unreadable file"
expect_err "Permission denied" "says permission was denied"

# Malformed records: exit 65 with file:line:column, and nothing committed.
printf '{"a":1}\n{"a":2}\n{"a":3,,}\n{"a":4}\n' >"$T/bad.ndjson"
run lake-put --lake "$L" raw.t "$T/bad.ndjson"
expect_rc 65 "malformed JSON line"
expect_err "lake-put: error: $T/bad.ndjson:3:" "names file and line"
expect_eq "$(live_files)" 0 "a failed input commits nothing, not even its good lines"
expect_eq "$(ls "$L/data")" "" "and leaves no data file"
expect_eq "$(ls "$L/tmp")" "" "and nothing in tmp/"
expect_eq "$(sql "$L" "SELECT count(*) FROM files")" 0 "and no pending registration"

printf '{"a":1}\n[1,2]\n' >"$T/notobj.ndjson"
run lake-put --lake "$L" raw.t "$T/notobj.ndjson"
expect_rc 65 "a line that is not an object"
expect_err "notobj.ndjson:2:1: record is not a JSON object" "says so"

printf '{"s":"\377"}\n' >"$T/utf8.ndjson"
run lake-put --lake "$L" raw.t "$T/utf8.ndjson"
expect_rc 65 "invalid UTF-8"
expect_err "utf8.ndjson:1:7:" "points at the bad byte"

printf 'a,b\n1,"open\n' >"$T/unterminated.csv"
run lake-put --lake "$L" raw.c "$T/unterminated.csv"
expect_rc 65 "unterminated quoted field"
expect_err "unterminated.csv:2:1: unterminated quoted field" "says where"

printf 'a,b\n1,x"y\n' >"$T/quote.csv"
run lake-put --lake "$L" raw.c "$T/quote.csv"
expect_rc 65 "a quote inside an unquoted field"
expect_err "quote.csv:2:4: malformed quoting" "points at the quote"

printf 'a,b\n1,2\n3\n4,5,6\n' >"$T/ragged.csv"
run lake-put --lake "$L" raw.c "$T/ragged.csv"
expect_rc 65 "ragged CSV"
expect_err "ragged.csv:3:1: row has 1 fields, the header 2" "names the short row and the counts"
expect_err "lands its good records" "and hints at --on-error"

printf '[{"a":1},{"a":2}' >"$T/open.json"
run lake-put --lake "$L" raw.t "$T/open.json"
expect_rc 65 "an unclosed JSON array"
expect_err "the array is not closed" "says so"

printf '[{"a":1},\n{"a":2} {"a":3}]' >"$T/comma.json"
run lake-put --lake "$L" raw.t "$T/comma.json"
expect_rc 65 "a missing comma in a JSON array"
expect_err "comma.json:2: expected ',' or ']'" "says where"

"$TESTTOOL" gen-events 2000 3 | zstd -q -c >"$T/ev.zst"
head -c 3000 "$T/ev.zst" >"$T/trunc.zst"
run lake-put --lake "$L" raw.ev "$T/trunc.zst"
expect_rc 65 "truncated zstd input"
expect_err "truncated zstd data" "says it is truncated"
cp "$T/ev.zst" "$T/corrupt.zst"
printf 'XXXX' | dd of="$T/corrupt.zst" bs=1 seek=2000 conv=notrunc 2>/dev/null
run lake-put --lake "$L" raw.ev "$T/corrupt.zst"
expect_rc 65 "corrupt zstd input"
expect_err "corrupt zstd data" "says it is corrupt"
expect_eq "$(live_files)" 0 "no bad input committed anything"

# A failing input stops the run; earlier inputs stay committed.
run lake-put --lake "$L" raw.t "$T/good.ndjson" "$T/bad.ndjson" "$T/good.ndjson"
expect_rc 65 "the second of three inputs is bad"
expect_lines "$T/out" 1 "the first input was committed and reported"
expect_err "committed before the error: 1 row in 1 file" "the summary says what was committed"

# --on-error skip: bad records are counted and reported, the rest lands.
run lake-put --lake "$L" --on-error skip raw.s "$T/bad.ndjson"
expect_rc 0 "skip"
expect_eq "$(jq -r .rows "$T/out")" 3 "three good rows land"
expect_err "skipped 1 bad record; the first: $T/bad.ndjson:3:" "the bad record is reported"

# --on-error quarantine: each bad record is kept with its reason.
printf '{"a":1}\n{"a":2,,}\n{"a":3}\nnot json at all\n' >"$T/q.ndjson"
run lake-put --lake "$L" --on-error quarantine raw.q "$T/q.ndjson"
expect_rc 0 "quarantine"
expect_eq "$(jq -r .rows "$T/out")" 2 "two good rows land"
expect_err "quarantined 2 bad records in quarantine/raw/q/" "says where the bad records went"
qf=$(find "$L/quarantine/raw/q" -type f)
expect_eq "$(jq -r .line "$qf" | tr '\n' ' ')" "2 4 " "quarantine records the lines"
expect_eq "$(jq -r .record "$qf" | tail -n 1)" "not json at all" "quarantine keeps the record's text"
expect_eq "$(jq -r .input "$qf" | head -n 1)" "$T/q.ndjson" "and the input's name"
jq -e '.error | length > 0' "$qf" >/dev/null && ok "and the reason" || not_ok "quarantine reasons"

# Partition values that cannot be read.
printf '{"ts":"yesterday"}\n' >"$T/ts.ndjson"
run lake-put --lake "$L" --partition-by dt=ts:day raw.p "$T/ts.ndjson"
expect_rc 65 "a partition field that is not a timestamp"
expect_err "ts.ndjson:1:1: field 'ts': 'yesterday' is not a timestamp" "names the field and the value"
printf 'a,b\n1,2\n' >"$T/nocol.csv"
run lake-put --lake "$L" --partition-by dt=ts:day raw.pc "$T/nocol.csv"
expect_rc 65 "a CSV without the partition column"
expect_err "no column 'ts'" "names the missing column"

# Regressions found by trying the programs as a new user.

# A CSV table keeps its header: readers map columns by position.
printf 'id,name\n1,a\n' >"$T/h1.csv"
printf 'name,id\nb,2\n' >"$T/h2.csv"
run lake-put --lake "$L" raw.hdr "$T/h1.csv"
expect_rc 0 "first CSV sets the header"
run lake-put --lake "$L" raw.hdr "$T/h2.csv"
expect_rc 65 "a CSV with another header is refused"
expect_err 'header ["name","id"] differs from the table'"'"'s ["id","name"]' "shows both headers"

# A partition key keeps its time grain; static values must fit it.
printf '{"ts":"2024-05-01T10:00:00Z"}\n' >"$T/g.ndjson"
run lake-put --lake "$L" --partition-by dt=ts:day raw.grain "$T/g.ndjson"
expect_rc 0 "a table partitioned by day"
run lake-put --lake "$L" --partition-by dt=ts:month raw.grain "$T/g.ndjson"
expect_rc 65 "the same key by month is refused"
expect_err "partition key 'dt' holds a day (like dt=2024-05-01), not a month" "says what the key holds"
run lake-put --lake "$L" --partition dt=2024-06 raw.grain "$T/good.ndjson"
expect_rc 65 "a static value that is not a day is refused"
run lake-put --lake "$L" --partition dt=2024-06-02 raw.grain "$T/good.ndjson"
expect_rc 0 "a static day is accepted"

# A misspelt partition field lands in the null partition, with a warning.
run lake-put --lake "$L" --partition-by dt=tss:day raw.typo "$T/g.ndjson"
expect_rc 0 "a missing partition field is not an error"
expect_err "1 record has no field 'tss' for --partition-by" "but is warned about"

# Swapped arguments.
cp "$T/good.ndjson" "$T/events.ndjson"
(cd "$T" && lake-put --lake "$L" events.ndjson good.ndjson >"$T/out" 2>"$T/err")
rc=$?
expect_rc 64 "a file given where the table belongs"
expect_err "'events.ndjson' is a file, not DB.TABLE" "says the table comes first"

# Every input is checked before anything lands: a retry must not land the first twice.
run lake-put --lake "$L" raw.pre "$T/good.ndjson" "$T/missing.ndjson"
expect_rc 66 "a missing second input"
expect_eq "$(sql "$L" "SELECT count(*) FROM tables WHERE name = 'pre'")" 0 "lands nothing, not even the first"

# gzip is named, not misread as CSV.
printf '{"a":1}\n' | gzip -c >"$T/x.ndjson.gz"
run lake-put --lake "$L" raw.gz "$T/x.ndjson.gz"
expect_rc 65 "gzip input"
expect_err "gzip-compressed input is not read; decompress it first" "says to decompress it"

# A plain text log is not guessed to be a one-column CSV.
printf 'GET / 200\nGET /a 404\n' >"$T/app.log"
run lake-put --lake "$L" raw.log "$T/app.log"
expect_rc 65 "a first line with no comma or tab"
expect_err "cannot tell the format from the first line" "asks for --format"

# All records bad with skip: nothing landed is an error.
printf 'not json\n' >"$T/allbad.ndjson"
run lake-put --lake "$L" --on-error skip raw.allbad "$T/allbad.ndjson"
expect_rc 65 "every record bad under --on-error skip"
expect_err "nothing landed: every record was bad" "says nothing landed"

# Option errors in the house style; -h is --help.
run lake-put --bogus raw.t
expect_rc 64 "unknown option"
expect_err "lake-put: error: unknown option '--bogus'" "in the house style"
run lake-put raw.t --batch-rows
expect_rc 64 "an option without its value"
expect_err "option '--batch-rows' needs a value" "says which"
run lake-put -h
expect_rc 0 "-h is --help"
run lake-put --lake "$L" --format csv --from-sqlite x.db --table t raw.t
expect_rc 64 "--format with --from-sqlite"

# A partition value too long for a directory name is bad data, and leaves no table.
long=$(printf 'y%.0s' $(seq 300))
printf '{"k":"%s"}\n' "$long" >"$T/long.ndjson"
run lake-put --lake "$L" --partition-by k=k raw.longv "$T/long.ndjson"
expect_rc 65 "a partition value too long for a directory"
expect_err "more than the 255 a file name may have" "says why"
expect_eq "$(sql "$L" "SELECT count(*) FROM tables WHERE name = 'longv'")" 0 "and creates no table"

# Quarantine keeps the exact bytes of a record that is not UTF-8.
printf '{"a":1}\n\377\376 bad\n' >"$T/bin.ndjson"
run lake-put --lake "$L" --on-error quarantine raw.qbin "$T/bin.ndjson"
expect_rc 0 "quarantine of a non-UTF-8 line"
qf=$(find "$L/quarantine/raw/qbin" -type f)
expect_eq "$(jq -r .record_base64 "$qf" | base64 -d | od -An -c | tr -s ' ')" "$(printf '\377\376 bad' | od -An -c | tr -s ' ')" \
	"the original bytes are kept in record_base64"

# A lake inside a lake is refused; --lake inside a lake points at it.
run lake-catalog init "$L/data/raw"
expect_rc 73 "init inside a lake"
expect_err "lies inside the lake" "says so"
run lake-put --lake "$L/data" raw.t "$T/good.ndjson"
expect_rc 66 "--lake pointing inside a lake"
expect_err "use --lake $L" "suggests the enclosing lake"

done_testing
