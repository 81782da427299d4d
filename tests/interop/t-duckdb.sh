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
printf 'id,name,score\n1,ann,3.5\n2,bob,\n3,"lee, jr",7\n4,zoe,1.25\n' >"$T/contacts.csv"
lake-put crm.contacts "$T/contacts.csv" >/dev/null
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
done_testing
