# lake-crawl: schemas, types, partitions, versions and stats inferred from
# the files, new files copied in by hand registered, vanished ones marked
# removed, bad files reported (and not registered) while the rest is
# crawled, and a second crawl of an unchanged lake reading no data file.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
events() { jq -r '.event' "$T/out" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' '; }
col_type() { sql "$L" "SELECT json_extract(value, '\$.type') FROM tables, json_each(tables.columns) WHERE tables.name = '$1' AND json_extract(value, '\$.name') = '$2'"; }

# Three partitions, two schemas: v2 adds a column and widens one.
printf '{"id":1,"amount":5,"ts":"2024-05-01T10:00:00Z"}\n{"id":2,"amount":7,"ts":"2024-05-01T11:00:00+02:00"}\n' >"$T/d1.ndjson"
printf '{"id":3,"amount":8,"ts":"2024-05-02T10:00:00Z"}\n' >"$T/d2.ndjson"
printf '{"id":4,"amount":9.5,"ts":"2024-05-03 10:00:00","coupon":"X1"}\n' >"$T/d3.ndjson"
for d in 1 2; do lake-put --lake "$L" --partition-by dt=ts:day raw.sales "$T/d$d.ndjson" >/dev/null; done
run lake-crawl --lake "$L"
expect_rc 0 "first crawl"
expect_eq "$(events)" "column_added=3 partition_key_typed=1 " "the first crawl adds the columns and types the key"
expect_eq "$(col_type sales amount)" bigint "amount is bigint"
expect_eq "$(col_type sales ts)" timestamp "ts (with zones) is a timestamp"
expect_eq "$(sql "$L" "SELECT json_extract(partition_keys, '\$[0].type') FROM tables WHERE name = 'sales'")" date \
	"the dt partition key is typed date"
v1=$(sql "$L" "SELECT version FROM tables WHERE name = 'sales'")

lake-put --lake "$L" --partition-by dt=ts:day raw.sales "$T/d3.ndjson" >/dev/null
run lake-crawl --lake "$L"
expect_rc 0 "second crawl, a new schema"
expect_eq "$(events)" "column_added=1 type_widened=1 " "one column added, one type widened"
expect_eq "$(col_type sales amount)" double "amount widened to double"
expect_eq "$(col_type sales coupon)" string "coupon added"
v2=$(sql "$L" "SELECT version FROM tables WHERE name = 'sales'")
expect_eq "$(sql "$L" "SELECT changes FROM table_versions tv JOIN tables t ON t.id = tv.table_id WHERE t.name = 'sales' AND tv.version = $v2")" \
	'[{"change":"widened","column":"amount","from":"bigint","to":"double"},{"change":"added","column":"coupon","type":"string"}]' \
	"the new version records exactly what changed"
expect_eq "$(sql "$L" "SELECT json_array_length(tv.columns) FROM table_versions tv JOIN tables t ON t.id = tv.table_id WHERE t.name = 'sales' AND tv.version = $v1")" 3 \
	"the old version keeps the old schema"
expect_eq "$(sql "$L" "SELECT count(*) FROM files WHERE schema IS NULL AND state = 'live'")" 0 "every file has its schema"
expect_eq "$(sql "$L" "SELECT min_value || ' ' || max_value || ' ' || null_count FROM file_column_stats s JOIN files f ON f.id = s.file_id WHERE f.partition = 'dt=2024-05-01' AND s.column_name = 'amount'")" \
	"5 7 0" "per-file min, max and null count"

run lake-catalog --lake "$L" files raw.sales --format ndjson
expect_eq "$(jq -r 'select(.partition == "dt=2024-05-01") | "\(.stats.amount.min) \(.stats.amount.max) \(.stats.amount.nulls)"' "$T/out")" \
	"5 7 0" "lake-catalog files shows each file's column statistics"

# An unchanged lake: a second crawl prints nothing and opens no data file.
run lake-crawl --lake "$L"
expect_rc 0 "crawl of an unchanged lake"
expect_lines "$T/out" 0 "prints nothing"
if [ "$(id -u)" -eq 0 ]; then
	chmod -R a+rwX "$L"
	chmod a+x "$T"
	find "$L/data" -type f -exec chmod 000 {} +
	setpriv --reuid=65534 --regid=65534 --clear-groups lake-crawl --lake "$L" >"$T/out" 2>"$T/err"
	rc=$?
	expect_rc 0 "re-crawl with every data file unreadable"
	expect_lines "$T/out" 0 "so no data file was opened"
	find "$L/data" -type f -exec chmod 644 {} +
fi

# A file copied in by hand is registered; a deleted one is marked removed.
mkdir -p "$L/data/raw/sales/dt=2024-05-09"
printf '{"id":9,"amount":1,"ts":"2024-05-09T00:00:00Z"}\n' >"$L/data/raw/sales/dt=2024-05-09/copied.ndjson"
run lake-crawl --lake "$L" raw.sales
expect_eq "$(events)" "file_registered=1 partition_added=1 " "a hand-copied file is registered in a new partition"
victim=$(sql "$L" "SELECT path FROM files WHERE partition = 'dt=2024-05-02' AND state = 'live'")
rm "$L/$victim"
run lake-crawl --lake "$L" --on-delete log
expect_eq "$(events)" "file_missing=1 " "--on-delete log only reports a vanished file"
expect_eq "$(sql "$L" "SELECT state FROM files WHERE path = '$victim'")" live "and keeps it"
run lake-crawl --lake "$L"
expect_eq "$(events)" "file_removed=1 " "a vanished file is marked removed"
expect_eq "$(sql "$L" "SELECT state FROM files WHERE path = '$victim'")" removed "in the catalog"

# --dry-run and --on-change.
mkdir -p "$L/data/raw/sales/dt=2024-05-10"
printf '{"id":"A-10","amount":2,"ts":"2024-05-10T00:00:00Z"}\n' >"$L/data/raw/sales/dt=2024-05-10/x.ndjson"
before=$(sql "$L" "SELECT version FROM tables WHERE name = 'sales'")
run lake-crawl --lake "$L" --dry-run
expect_rc 0 "--dry-run"
jq -s -e 'map(select(.event == "type_widened" and .dry_run == true)) | length == 1' "$T/out" >/dev/null && ok "--dry-run reports what would change" || not_ok "dry run events"
expect_eq "$(sql "$L" "SELECT version FROM tables WHERE name = 'sales'")" "$before" "--dry-run changes nothing"
run lake-crawl --lake "$L" --on-change fail
expect_rc 65 "--on-change fail on a schema change"
expect_eq "$(col_type sales id)" bigint "nothing was changed"
run lake-crawl --lake "$L" --on-change log
expect_rc 0 "--on-change log"
expect_eq "$(col_type sales id)" bigint "keeps the schema"
expect_eq "$(sql "$L" "SELECT count(*) FROM files WHERE path LIKE '%dt=2024-05-10%' AND state = 'live'")" 1 "but registers the file"
run lake-crawl --lake "$L"
expect_eq "$(col_type sales id)" bigint "later crawls do not read the file again"

# CSV: header detected both ways, leading zeros kept as strings, empty is null.
mkdir -p "$L/data/crm/contacts" "$L/data/crm/raw_rows"
printf 'id,zip,phone,joined\n1,02134,555-0103,2024-01-02\n2,10001,555-0199,\n' >"$L/data/crm/contacts/a.csv"
printf '7,007,x\n8,008,y\n' >"$L/data/crm/raw_rows/b.csv"
run lake-crawl --lake "$L" crm
expect_rc 0 "CSV files"
expect_eq "$(jq -r 'select(.event == "csv_header") | "\(.header)"' "$T/out" | tr '\n' ' ')" "true false " "a header detected in one file, not the other"
expect_eq "$(col_type contacts zip) $(col_type contacts phone) $(col_type contacts joined) $(col_type contacts id)" \
	"string string date bigint" "zip and phone stay strings; dates and ids are typed"
expect_eq "$(col_type raw_rows col_1)" string "no header: columns col_0, col_1 ..., '007' a string"
expect_eq "$(sql "$L" "SELECT null_count FROM file_column_stats s JOIN files f ON f.id = s.file_id WHERE f.path LIKE '%contacts/a.csv' AND column_name = 'joined'")" 1 \
	"an empty field is null"

# A bad file is reported and not registered; the rest is crawled.
mkdir -p "$L/data/logs/app"
printf '{"a":1}\n{"a":2,,}\n' >"$L/data/logs/app/bad.ndjson"
printf '{"a":3}\n' >"$L/data/logs/app/good.ndjson"
printf 'GET / 200\n' >"$L/data/logs/app/odd.log"
run lake-crawl --lake "$L" logs
expect_rc 65 "a malformed line"
jq -s -e 'map(select(.event == "error" and (.error | test("data/logs/app/bad.ndjson:2:")))) | length == 1' "$T/out" >/dev/null && ok "reported with file and line" || not_ok "no error event for bad.ndjson"
jq -s -e 'map(select(.event == "error" and .file == "data/logs/app/odd.log")) | length == 1' "$T/out" >/dev/null && ok "an unknown format is reported, not guessed" || not_ok "odd.log"
expect_eq "$(sql "$L" "SELECT group_concat(path) FROM files WHERE path LIKE 'data/logs/app/%'")" "data/logs/app/good.ndjson" \
	"only the good file is registered"

# Partition directories of different depths are an error for that table only.
mkdir -p "$L/data/logs/mixed/x=1"
printf '{"a":1}\n' >"$L/data/logs/mixed/x=1/a.ndjson"
printf '{"a":1}\n' >"$L/data/logs/mixed/b.ndjson"
run lake-crawl --lake "$L" logs.mixed
expect_rc 65 "inconsistent partition depths"
expect_err "1 error" "the summary counts the error"
jq -s -e 'map(select(.event == "error" and (.error | test("different depths")))) | length == 1' "$T/out" >/dev/null && ok "says so" || not_ok "depth error"
expect_eq "$(sql "$L" "SELECT count(*) FROM tables WHERE name = 'mixed'")" 0 "and registers nothing of it"

# Unnamed partition levels become partition_0, partition_1.
mkdir -p "$L/data/logs/web/2024/05"
printf '{"a":1}\n' >"$L/data/logs/web/2024/05/a.ndjson"
run lake-crawl --lake "$L" logs.web
expect_eq "$(sql "$L" "SELECT partition_keys FROM tables WHERE name = 'web'")" \
	'[{"name":"partition_0","type":"bigint"},{"name":"partition_1","type":"string"}]' \
	"unnamed levels become partition_0, partition_1 ('05' keeps its leading zero: a string)"

# Engines cannot discover unnamed levels: ddl registers each partition.
run lake-catalog --lake "$L" ddl logs.web --dialect athena
grep -qF "ADD IF NOT EXISTS PARTITION (\`partition_0\`='2024', \`partition_1\`='05') LOCATION 'file://$L/data/logs/web/2024/05';" "$T/out" &&
	! grep -q MSCK "$T/out" && ok "athena: one ADD PARTITION per unnamed partition" || not_ok "athena ddl: $(cat "$T/out")"
run lake-catalog --lake "$L" ddl logs.web --dialect trino
grep -qF "CALL system.register_partition('logs', 'web', ARRAY['partition_0', 'partition_1'], ARRAY['2024', '05']" "$T/out" &&
	ok "trino: register_partition" || not_ok "trino ddl: $(cat "$T/out")"
run lake-catalog --lake "$L" ddl logs.web --dialect duckdb
grep -qF "CAST('2024' AS BIGINT) AS \"partition_0\"" "$T/out" && grep -q "hive_partitioning = false" "$T/out" &&
	ok "duckdb: the values as typed constants" || not_ok "duckdb ddl: $(cat "$T/out")"

# A custom classifier turns a web server's access log into records.
mkdir -p "$L/data/web/access/dt=2024-05-01"
cat >"$L/data/web/access/dt=2024-05-01/access.log" <<'LOG'
192.0.2.1 - - [01/May/2024:09:10:03 +0000] "GET / HTTP/1.1" 200 5120
192.0.2.1 - alice [01/May/2024:09:11:47 +0000] "GET /products?a=1,2 HTTP/1.1" 200 20480
198.51.100.23 - - [01/May/2024:17:39:55 +0000] "POST /checkout HTTP/1.1" 302 0
LOG
run lake-crawl --lake "$L" web
expect_rc 65 "a log without a classifier is of unknown format"
clf='access_log=^(?<host>[^ ]+) [^ ]+ (?<user>[^ ]+) \[(?<time>[^]]+)\] "(?<method>[A-Z]+) (?<path>[^ ]*) [^"]*" (?<status>[0-9]{3}) (?<bytes>[0-9]+)$'
run lake-crawl --lake "$L" --classifier "$clf" web
expect_rc 0 "with a classifier"
expect_eq "$(sql "$L" "SELECT format || ' ' || json_extract(properties, '\$.classifier') FROM tables WHERE name = 'access'")" "text access_log" \
	"the table is text read by the classifier"
expect_eq "$(sql "$L" "SELECT group_concat(json_extract(value, '\$.name') || ':' || json_extract(value, '\$.type'), ' ') FROM tables, json_each(tables.columns) WHERE tables.name = 'access'")" \
	"host:string user:string time:string method:string path:string status:bigint bytes:bigint" "the named groups are its typed columns"
expect_eq "$(sql "$L" "SELECT rows FROM files WHERE path LIKE '%access.log'")" 3 "every line is a record"
printf '203.0.113.90 - - [02/May/2024:22:59:30 +0000] "GET /x HTTP/1.1" 404 512\n' >"$L/data/web/access/dt=2024-05-01/more.log"
printf '203.0.113.90 - - [02/May/2024:22:59:30 +0000] "GET /x HTTP/1.1" 404 512\ngarbage\n' >"$L/data/web/access/dt=2024-05-01/bad.log"
run lake-crawl --lake "$L" web
expect_rc 65 "the classifier is kept in the catalog; a non-matching line is a bad file"
expect_eq "$(sql "$L" "SELECT count(*) FROM files WHERE path LIKE '%more.log' AND state = 'live'")" 1 "the next log is registered without --classifier"
jq -s -e 'map(select(.event == "error" and (.error | test("bad.log:2: line does not match classifier")))) | length == 1' "$T/out" >/dev/null &&
	ok "the bad line is reported" || not_ok "bad.log not reported"
# lake-query reads a text log through its classifier: the named groups are typed columns.
run lake-query --lake "$L" "SELECT host, user, path, status, bytes, dt FROM web.access ORDER BY bytes"
expect_rc 0 "a text log is queried"
expect_eq "$(jq -c . "$T/out" | tr '\n' ' ')" '{"host":"198.51.100.23","user":"-","path":"/checkout","status":302,"bytes":0,"dt":"2024-05-01"} {"host":"203.0.113.90","user":"-","path":"/x","status":404,"bytes":512,"dt":"2024-05-01"} {"host":"192.0.2.1","user":"-","path":"/","status":200,"bytes":5120,"dt":"2024-05-01"} {"host":"192.0.2.1","user":"alice","path":"/products?a=1,2","status":200,"bytes":20480,"dt":"2024-05-01"} ' \
	"every registered line, cut by the classifier, numbers typed (the bad file is not registered)"
run lake-query --lake "$L" "SELECT sum(bytes) AS b FROM web.access WHERE status = 200"
expect_eq "$(cat "$T/out")" '{"b":25600}' "a text log's typed column in a filter and an aggregate"
# lake-put lands a stream of log lines through the same classifier, by day, bad lines quarantined.
printf '%s\n' '192.0.2.7 - - [2024-05-03T08:00:00Z] "GET /a HTTP/1.1" 200 10' 'not a log line' \
	'192.0.2.8 - dan [2024-05-04T09:30:00Z] "GET /b HTTP/1.1" 503 0' |
	lake-put --lake "$L" --classifier access_log --partition-by dt=time:day --on-error quarantine web.stream >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "log lines landed through a classifier"
expect_eq "$(jq -r .partition "$T/out" | sort | tr '\n' ' ')" "dt=2024-05-03 dt=2024-05-04 " "partitioned by a group's timestamp"
expect_err "<stdin>:2:1: line does not match classifier 'access_log'" "the bad line is named"
expect_eq "$(cat "$L"/quarantine/web/stream/* | jq -r '"\(.line) \(.record)"')" "2 not a log line" "and quarantined as it was"
run lake-crawl --lake "$L" web.stream
run lake-query --lake "$L" "SELECT user, status, bytes, dt FROM web.stream ORDER BY dt"
expect_eq "$(jq -c . "$T/out" | tr '\n' ' ')" '{"user":"-","status":200,"bytes":10,"dt":"2024-05-03"} {"user":"dan","status":503,"bytes":0,"dt":"2024-05-04"} ' \
	"the groups are typed columns"
run lake-put --lake "$L" --classifier nosuch web.stream /dev/null
expect_rc 66 "an unknown classifier"
expect_err "lake-catalog classifier nosuch REGEX" "says how to keep one"
run lake-put --lake "$L" --classifier access_log --format csv web.stream /dev/null
expect_rc 64 "--classifier with --format"
run lake-crawl --lake "$L" --classifier 'broken=(?<a>[0-9'
expect_rc 64 "a classifier that does not compile"
run lake-crawl --lake "$L" --classifier 'nonames=([0-9]+)'
expect_rc 64 "a classifier with no named group"
expect_err "names no group" "says so"

# Regressions from a new user's review.

# The CSV files of a table share one header and one separator: readers map columns by position.
mkdir -p "$L/data/hand/csv" "$L/data/hand/pipe" "$L/data/hand/semi"
printf 'id,name\n1,a\n2,b\n' >"$L/data/hand/csv/a.csv"
printf 'name,id\nc,3\n' >"$L/data/hand/csv/b.csv"
printf 'x|y\n1|2\n' >"$L/data/hand/pipe/p.txt"
printf 'x;y\n1;2\n' >"$L/data/hand/semi/s"
printf 'x;y\n3;4\n' >"$L/data/hand/pipe/wrong-sep.txt"
run lake-crawl --lake "$L" hand
jq -s -e 'map(select(.event == "error" and .file == "data/hand/csv/b.csv" and (.error | test("differs from the table")))) | length == 1' "$T/out" >/dev/null &&
	ok "a CSV with another header is refused" || not_ok "b.csv header"
jq -s -e 'map(select(.event == "error" and .file == "data/hand/pipe/wrong-sep.txt" and (.error | test("separates its fields")))) | length == 1' "$T/out" >/dev/null &&
	ok "a CSV with another separator is refused" || not_ok "wrong-sep.txt"
expect_eq "$(sql "$L" "SELECT name || ':' || format || ':' || json_extract(properties, '\$.\"csv.delimiter\"') FROM tables WHERE name IN ('pipe', 'semi') ORDER BY name")" \
	"$(printf 'pipe:csv:|\nsemi:csv:;')" "pipe and semicolon files are CSV, whatever their names; the separator is kept"
expect_eq "$(col_type pipe y)" bigint "and their columns typed"

# Setting csv.header rebuilds the schema from the files at the next crawl.
lake-catalog --lake "$L" set hand.csv csv.header=false >/dev/null
run lake-crawl --lake "$L" hand.csv
expect_rc 0 "a crawl after csv.header=false"
expect_eq "$(sql "$L" "SELECT group_concat(json_extract(value, '\$.name')) FROM tables, json_each(tables.columns) WHERE tables.name = 'csv'")" "col_0,col_1" \
	"the columns are rebuilt as col_0, col_1"
expect_eq "$(jq -r 'select(.event == "column_removed") | .column' "$T/out" | tr '\n' ' ')" "id name " "the old columns are reported removed"
expect_eq "$(sql "$L" "SELECT sum(rows) FROM files f JOIN tables t ON t.id = f.table_id WHERE t.name = 'csv' AND f.state = 'live'")" 5 \
	"every file is read again, header rows now data"
run lake-crawl --lake "$L" hand.csv
expect_lines "$T/out" 0 "and the next crawl has nothing to do"

# A binary file is not guessed to be CSV.
head -c 2000 /dev/zero | tr '\0' '\001' >"$L/data/hand/semi/blob"
run lake-crawl --lake "$L" hand.semi
jq -s -e 'map(select(.event == "error" and .file == "data/hand/semi/blob" and (.error | test("cannot tell the format")))) | length == 1' "$T/out" >/dev/null &&
	ok "binary data is of unknown format" || not_ok "blob"
rm "$L/data/hand/semi/blob"

# A JSON array file and an empty file.
mkdir -p "$L/data/hand/docs"
printf '[{"a":1,"b":"x"},\n {"a":2.5}]\n' >"$L/data/hand/docs/arr.json"
: >"$L/data/hand/docs/empty.json"
run lake-crawl --lake "$L" hand.docs
expect_rc 0 "a JSON array and an empty file"
expect_eq "$(col_type docs a) $(col_type docs b)" "double string" "the array's elements are records"
expect_eq "$(sql "$L" "SELECT group_concat(rows, ' ') FROM (SELECT rows FROM files WHERE path LIKE 'data/hand/docs/%' ORDER BY path)")" "2 0" \
	"the empty file is registered with no rows"
run lake-catalog --lake "$L" ddl hand.docs --dialect athena
expect_rc 65 "no Athena DDL for JSON arrays"
run lake-catalog --lake "$L" ddl hand.docs --dialect duckdb
grep -q "format = 'auto'" "$T/out" && ok "DuckDB reads them with format auto" || not_ok "duckdb ddl: $(cat "$T/out")"

# A table whose directory is gone has its files marked removed.
rm -r "$L/data/hand/docs"
run lake-crawl --lake "$L" hand.docs
expect_rc 0 "a table whose directory vanished"
expect_eq "$(jq -r 'select(.event == "file_removed") | .file' "$T/out" | wc -l | tr -d ' ')" 2 "its files are marked removed"

# A name that matches nothing is an error, not a crawl of nothing.
run lake-crawl --lake "$L" raw.salse
expect_rc 66 "an unknown table"
expect_err "no table or database 'raw.salse'" "says so"

# Version timestamps follow the versions.
expect_eq "$(sql "$L" "SELECT count(*) FROM table_versions a JOIN table_versions b ON a.table_id = b.table_id AND b.version = a.version + 1 WHERE b.created < a.created")" 0 \
	"no version is stamped before the one it follows"

run lake-crawl --lake "$L" Bad.Name
expect_rc 64 "an invalid table name"

# only_nulls_partition: a partition whose files hold only nulls of a number column made the
# whole column text (min/max "100"/"99", and x <= 46 compared as text), every way it lands.
printf '{"kind":"Open","mins":null}\n{"kind":"Open","mins":null}\n' >"$T/open.ndjson"
printf '{"kind":"Film","mins":100}\n{"kind":"Film","mins":99}\n{"kind":"Film","mins":7}\n' >"$T/film.ndjson"
for to in ndjson parquet; do
	for order in open-first film-first; do
		t=nulls.${to}_${order%%-*}
		t=$(echo "$t" | tr '-' '_')
		if [ "$order" = open-first ]; then first=open; second=film; else first=film; second=open; fi
		lake-put --lake "$L" --to "$to" --partition-by kind=kind "$t" "$T/$first.ndjson" >/dev/null
		lake-put --lake "$L" --to "$to" --partition-by kind=kind "$t" "$T/$second.ndjson" >/dev/null
		lake-crawl --lake "$L" "$t" >/dev/null
		expect_eq "$(lake-catalog --lake "$L" schema "$t" --format ndjson | jq -r 'select(.name == "mins") | .type')" bigint \
			"only_nulls_partition: $to, $order: the column is typed by the values"
		expect_eq "$(lake-query --lake "$L" --format csv "SELECT count(*), min(mins), max(mins) FROM $t WHERE mins <= 46" | tail -1)" "1,7,7" \
			"only_nulls_partition: $to, $order: it compares as a number"
	done
done

done_testing
