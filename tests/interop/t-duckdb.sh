# A second engine reads the same lake: DuckDB (from npm's @duckdb/node-api)
# runs the views `lake-catalog ddl --dialect duckdb` generates over the
# lake's data tree, and every query gives the rows lake-query gives.
# Needs Node.js and npm (and the package, installed once into a cache
# outside the repository); without them it says so and tests nothing.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/duckdb.sh"

L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"
"$TESTTOOL" gen-events 3000 9 10 | lake-put --partition-by dt=ts:day raw.events >/dev/null
# Quoted empty fields ("") are '' to lake, and must be to DuckDB; unquoted
# empty ones are NULL to both (a quoted empty number too: '' is no number).
printf 'id,name,score\n1,ann,3.5\n2,bob,\n3,"lee, jr",7\n4,zoe,1.25\n5,"",""\n6,,2\n' >"$T/contacts.csv"
lake-put crm.contacts "$T/contacts.csv" >/dev/null
printf 'id\tname\tscore\n1\tann\t3.5\n2\tbob\t\n3\t"lee, jr"\t7\n5\t""\t""\n6\t\t2\n' >"$T/contacts.tsv"
lake-put --format tsv crm.contacts_tsv "$T/contacts.tsv" >/dev/null
# Timestamps in the forms lake reads, with and without zones: DuckDB must
# see the instant lake sees, whatever its session's TimeZone.
{
	echo '{"id":1,"at":"2024-05-01T11:00:00+02:00","note":"offset"}'
	echo '{"id":2,"at":"2024-05-01 10:00:00","note":"no zone: UTC"}'
	echo '{"id":3,"at":"2024-05-01T10:00:00Z","note":"Z"}'
	echo '{"id":4,"at":"2024-05-01T10:00:00.123456-05:30","note":"micros, negative offset"}'
	echo '{"id":5,"at":"2024-05-01T13:45+02","note":"minutes, +HH"}'
	echo '{"id":6,"at":"2024-05-01T13:45:10+0200","note":"+HHMM"}'
	echo '{"id":7,"at":"2024-05-01","note":"a date in a timestamp column"}'
	echo '{"id":8,"at":null,"note":"null"}'
} >"$T/stamps.ndjson"
lake-put raw.stamps "$T/stamps.ndjson" >/dev/null
{
	echo 'id,at,note'
	jq -r '[.id, .at, .note] | @csv' "$T/stamps.ndjson"
} >"$T/stamps.csv"
lake-put raw.stamps_csv "$T/stamps.csv" >/dev/null
# A CSV table partitioned by two of its own columns (one a date): its
# files hold them too.
printf 'id,country,day,v\n1,fr,2024-05-01,a\n2,de,2024-05-02,""\n3,fr,2024-05-01,c\n4,,2024-05-03,d\n' >"$T/regions.csv"
lake-put --partition-by country=country --partition-by day=day raw.regions "$T/regions.csv" >/dev/null
"$TESTTOOL" gen-events 500 5 3 | lake-put --to parquet --partition-by dt=ts:day raw.events_pq >/dev/null
lake-crawl >/dev/null
# A job's output, partitioned by day, read by DuckDB too.
run lake-etl run --name daily --sql "SELECT dt, kind, count(*) AS n, sum(amount) AS amount FROM raw.events GROUP BY dt, kind" --target curated.daily --partition-by dt
expect_rc 0 "an ETL job writes curated.daily"
: >"$T/ddl.sql"
for t in raw.events crm.contacts curated.daily; do
	lake-catalog ddl "$t" --dialect duckdb >>"$T/ddl.sql" || not_ok "ddl $t failed"
done

# Each check: the SQL for lake-query, and the same for DuckDB where their
# dialects differ (JSON paths, booleans), with TABLE names spelt per engine.
check() {
	lsql=$(echo "$1" | sed 's/{events}/raw.events/g; s/{contacts}/crm.contacts/g; s/{daily}/curated.daily/g')
	dsql=$(echo "${2:-$1}" | sed 's/{events}/raw_events/g; s/{contacts}/crm_contacts/g; s/{daily}/curated_daily/g')
	same_rows "$T/ddl.sql" "$lsql" "$dsql" "$1"
}
check "SELECT count(*) FROM {events}"
check "SELECT kind, count(*) FROM {events} GROUP BY kind ORDER BY kind"
check "SELECT CAST(dt AS VARCHAR) AS d, count(*) FROM {events} GROUP BY d ORDER BY d"
check "SELECT sum(duration_ms) FROM {events} WHERE dt = '2024-05-03'"
check "SELECT round(avg(amount), 2) FROM {events} WHERE kind = 'purchase' AND dt BETWEEN '2024-05-02' AND '2024-05-05'"
check "SELECT max(id), min(id), count(*) FROM {events} WHERE amount > 500"
check "SELECT page, count(*) FROM {events} WHERE id % 7 = 3 GROUP BY page ORDER BY page"
check "SELECT count(*) FROM {events} WHERE ok" "SELECT count(*) FROM {events} WHERE ok"
check "SELECT user->>'country' AS c, count(*) FROM {events} GROUP BY c ORDER BY c" \
	"SELECT \"user\".country AS c, count(*) FROM {events} GROUP BY c ORDER BY c"
check "SELECT json_array_length(tags) AS n, count(*) FROM {events} GROUP BY n ORDER BY n" \
	"SELECT len(tags) AS n, count(*) FROM {events} GROUP BY n ORDER BY n"
check "SELECT id, name, score FROM {contacts} ORDER BY id"
check "SELECT c.name, count(*) FROM {events} e JOIN {contacts} c ON c.id = e.id % 4 + 1 GROUP BY c.name ORDER BY c.name"
check "SELECT CAST(dt AS VARCHAR) AS d, kind, n, round(amount, 2) FROM {daily} WHERE dt = '2024-05-04' ORDER BY kind"
check "SELECT sum(n) FROM {daily}"

# Every column of every kind of table, row by row, each table's view on
# its own (so that a view DuckDB cannot create fails only its own check),
# in a time zone other than UTC, where a timestamp read in the session's
# zone would show.
for t in raw.events crm.contacts crm.contacts_tsv raw.stamps raw.stamps_csv raw.regions raw.events_pq curated.daily; do
	lake-catalog ddl "$t" --dialect duckdb >"$T/ddl.$t.sql" || not_ok "ddl $t failed"
done
export TZ=Asia/Kolkata
same_table "$T/ddl.raw.events.sql" raw.events id "NDJSON, partitioned by day, nested values"
same_table "$T/ddl.crm.contacts.sql" crm.contacts id "CSV, quoted empty fields"
same_table "$T/ddl.crm.contacts_tsv.sql" crm.contacts_tsv id "TSV, quoted empty fields"
same_table "$T/ddl.raw.stamps.sql" raw.stamps id "NDJSON timestamps: offsets, no zone, minutes, a date"
same_table "$T/ddl.raw.stamps_csv.sql" raw.stamps_csv id "CSV timestamps: offsets, no zone, minutes, a date"
same_table "$T/ddl.raw.regions.sql" raw.regions id "CSV partitioned by two of its own columns"
same_table "$T/ddl.raw.events_pq.sql" raw.events_pq id "Parquet, partitioned by day"
same_table "$T/ddl.curated.daily.sql" curated.daily "dt, kind" "a job's output, partitioned by day"
# A quoted empty name is '' in both, not NULL in DuckDB.
same_rows "$T/ddl.crm.contacts.sql" "SELECT id, name = '' AS e FROM crm.contacts WHERE name IS NOT NULL ORDER BY id" \
	"SELECT id, CAST(name = '' AS INTEGER) AS e FROM crm_contacts WHERE name IS NOT NULL ORDER BY id" \
	"a quoted empty field is '', not NULL"
done_testing
