# Partitioning: static and dynamic keys, time grains in UTC (zones and
# epoch numbers), nested fields, the null partition, Hive escaping, CSV
# partition columns, and --max-open-partitions bounding open writers
# without losing a row.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
parts() { jq -r .partition "$T/out" | sort | tr '\n' ' '; }

cat >"$T/ev.ndjson" <<'JSON'
{"id":1,"ts":"2024-05-01T10:00:00Z","u":{"c":"US"}}
{"id":2,"ts":"2024-05-01T23:30:00-02:00","u":{"c":"DE"}}
{"id":3,"ts":"2024-05-02 08:00:00","u":{"c":"US"}}
{"id":4,"ts":1714780800,"u":{"c":"a/b=c"}}
{"id":5,"ts":1714780800123}
{"id":6,"u":{"c":null}}
JSON

run lake-put --lake "$L" --partition-by dt=ts:day raw.day "$T/ev.ndjson"
expect_rc 0 "--partition-by dt=ts:day"
expect_eq "$(parts)" "dt=2024-05-01 dt=2024-05-02 dt=2024-05-04 dt=__HIVE_DEFAULT_PARTITION__ " \
	"days in UTC: a -02:00 zone moves 23:30 to the next day; epoch seconds and millis; missing is null"
expect_eq "$(jq -r 'select(.partition == "dt=2024-05-02") | .rows' "$T/out")" 2 "two records on 2024-05-02"
expect_eq "$(jq -s 'map(.version) | unique | length' "$T/out")" 1 "all partitions of a file input commit in one version"
expect_eq "$(sql "$L" "SELECT group_concat(vals, ' ') FROM (SELECT vals FROM partitions ORDER BY path)")" \
	'["2024-05-01"] ["2024-05-02"] ["2024-05-04"] [null]' "partitions are registered with their values, null for Hive's null"
expect_eq "$(sql "$L" "SELECT partition_keys FROM tables WHERE name = 'day'")" '[{"name":"dt","type":"string","grain":"day"}]' \
	"the table records its partition keys and their grain"
[ -d "$L/data/raw/day/dt=2024-05-01" ] && ok "Hive-style directories" || not_ok "no dt=2024-05-01 directory"

run lake-put --lake "$L" --partition-by h=ts:hour --partition-by m=ts:month --partition-by y=ts:year raw.grains "$T/ev.ndjson"
expect_rc 0 "hour, month and year grains"
jq -r 'select(.rows > 0) | .partition' "$T/out" | grep -qx "h=2024-05-01T10/m=2024-05/y=2024" && ok "grain values" || not_ok "grain values: $(parts)"

run lake-put --lake "$L" --partition-by c=u.c raw.nested "$T/ev.ndjson"
expect_rc 0 "a nested field"
expect_eq "$(parts)" "c=DE c=US c=__HIVE_DEFAULT_PARTITION__ c=a%2Fb%3Dc " "values are escaped as Hive does; null and missing go to the null partition"
[ -d "$L/data/raw/nested/c=a%2Fb%3Dc" ] && ok "the escaped directory exists" || not_ok "escaped directory"

run lake-put --lake "$L" --partition src=crm --partition-by dt=ts:day raw.mixed "$T/ev.ndjson"
expect_rc 0 "static and dynamic keys together"
jq -r .partition "$T/out" | grep -qx "src=crm/dt=2024-05-01" && ok "static keys come first" || not_ok "mixed: $(parts)"

run lake-put --lake "$L" --partition src=crm raw.mixed "$T/ev.ndjson"
expect_rc 65 "a different set of partition keys for an existing table"
expect_err "table is partitioned by src, dt, not by src" "says how it is partitioned"

# Records routed to many partitions with at most 2 open: files are
# committed early to make room, and every row still lands exactly once.
"$TESTTOOL" gen-events 600 11 >"$T/many.ndjson"
run lake-put --lake "$L" --max-open-partitions 2 --partition-by c=user.country raw.bounded "$T/many.ndjson"
expect_rc 0 "--max-open-partitions 2 with 8 countries"
expect_eq "$(jq -s 'map(.rows) | add' "$T/out")" 600 "every row lands"
expect_eq "$(rows_on_disk "$L" raw.bounded)" 600 "and is on disk exactly once"
[ "$(wc -l <"$T/out")" -gt 8 ] && ok "more files than partitions: writers were closed to make room" || not_ok "only $(wc -l <"$T/out") files"
for c in US DE FR GB JP BR IN CA; do
	want=$(grep -c "\"country\":\"$c\"" "$T/many.ndjson")
	got=$(jq -s --arg p "c=$c" 'map(select(.partition == $p) | .rows) | add' "$T/out")
	[ "$want" = "$got" ] || { not_ok "country $c: $got rows, expected $want"; continue; }
done
ok "each partition has exactly its records"

# CSV: the partition column is found by its header name.
printf 'id,day,amount\n1,2024-05-01,10\n2,2024-05-02T01:00:00Z,20\n3,,30\n' >"$T/s.csv"
run lake-put --lake "$L" --partition-by dt=day:day raw.csvp "$T/s.csv"
expect_rc 0 "CSV partitioned by a column"
expect_eq "$(parts)" "dt=2024-05-01 dt=2024-05-02 dt=__HIVE_DEFAULT_PARTITION__ " "CSV values, empty is null"
f=$(jq -r 'select(.partition == "dt=2024-05-02") | .file' "$T/out")
expect_eq "$(zstd -dc "$L/$f")" "$(printf 'id,day,amount\n2,2024-05-02T01:00:00Z,20')" "each CSV file has the header"

# Without a grain the value is used as is.
printf '{"k":true}\n{"k":12.5}\n{"k":"x y"}\n' >"$T/kinds.ndjson"
run lake-put --lake "$L" --partition-by k=k raw.kinds "$T/kinds.ndjson"
expect_eq "$(parts)" "k=12.5 k=true k=x y " "booleans, numbers and strings as partition values"

printf '{"k":{"a":1}}\n' >"$T/obj.ndjson"
run lake-put --lake "$L" --partition-by k=k raw.kinds "$T/obj.ndjson"
expect_rc 65 "an object as a partition value"

done_testing
