# Parquet both ways with a second engine: files DuckDB writes (four codecs,
# data pages v1 and v2, small row groups, every common type, NULLs) are
# crawled and queried by lake with DuckDB's answers, and files lake-put
# and lake-etl write as Parquet are read by DuckDB with lake-query's.
# Needs Node.js and npm (DuckDB from npm, cached outside the repository);
# without them it says so and tests nothing.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/duckdb.sh"

L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"
mkdir -p "$L/data/ext/dk"

# DuckDB writes one table in four files, each another way.
cat >"$T/write.sql" <<SQL
CREATE TABLE t AS SELECT
  i AS id,
  CASE WHEN i % 7 = 0 THEN NULL ELSE i * 3 - 1000 END AS n,
  (i % 13) / 4.0 AS x,
  'k' || (i % 17) AS s,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 'v' || i END AS s2,
  DATE '2024-01-01' + CAST(i % 60 AS INTEGER) AS d,
  TIMESTAMP '2024-01-01 00:00:00' + to_minutes(CAST(i AS BIGINT)) AS ts,
  i % 3 = 0 AS b,
  CAST(i / 100.0 AS DECIMAL(9, 2)) AS dec,
  CAST(i % 200 AS SMALLINT) AS small
FROM range(5000) r(i);
COPY (SELECT * FROM t WHERE id < 1250) TO '$L/data/ext/dk/p1.parquet' (FORMAT parquet, COMPRESSION zstd);
COPY (SELECT * FROM t WHERE id >= 1250 AND id < 2500) TO '$L/data/ext/dk/p2.parquet' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 300);
COPY (SELECT * FROM t WHERE id >= 2500 AND id < 3750) TO '$L/data/ext/dk/p3.parquet' (FORMAT parquet, COMPRESSION gzip, PARQUET_VERSION V2);
COPY (SELECT * FROM t WHERE id >= 3750) TO '$L/data/ext/dk/p4.parquet' (FORMAT parquet, COMPRESSION uncompressed, PARQUET_VERSION V2, ROW_GROUP_SIZE 1000);
SQL
duckdb "$T/write.sql" "SELECT 1" >/dev/null 2>"$T/duck.err" || not_ok "DuckDB could not write: $(head -3 "$T/duck.err")"
run lake-crawl ext.dk
expect_rc 0 "lake-crawl registers DuckDB's Parquet files"
expect_eq "$(lake-catalog show ext.dk --format ndjson | jq -r '"\(.format) \(.rows) \(.files)"')" "parquet 5000 4" "as one Parquet table of 5000 rows in 4 files"
expect_eq "$(lake-catalog schema ext.dk --format ndjson | jq -r '"\(.name):\(.type)"' | tr '\n' ' ')" \
	"id:bigint n:bigint x:double s:string s2:string d:date ts:timestamp b:boolean dec:double small:bigint " "typed from the footer"

# Every other row of the generated events, landed as Parquet by lake-put and by a job.
"$TESTTOOL" gen-events 3000 9 10 | lake-put --to parquet --partition-by dt=ts:day raw.events >"$T/put.out"
expect_eq "$(jq -r .file "$T/put.out" | grep -c '\.parquet$')" 10 "lake-put --to parquet writes a .parquet file per day"
lake-crawl >/dev/null
run lake-etl run --name daily --to parquet --sql "SELECT dt, kind, count(*) AS n, sum(amount) AS amount FROM raw.events GROUP BY dt, kind" --target curated.daily --partition-by dt
expect_rc 0 "an ETL job writes Parquet"
: >"$T/ddl.sql"
for t in raw.events curated.daily; do
	lake-catalog ddl "$t" --dialect duckdb >>"$T/ddl.sql" || not_ok "ddl $t failed"
done
echo "CREATE VIEW dk AS SELECT * FROM read_parquet('$L/data/ext/dk/*.parquet');" >>"$T/ddl.sql"

check() {
	lsql=$(echo "$1" | sed 's/{dk}/ext.dk/g; s/{events}/raw.events/g; s/{daily}/curated.daily/g')
	dsql=$(echo "${2:-$1}" | sed 's/{dk}/dk/g; s/{events}/raw_events/g; s/{daily}/curated_daily/g')
	same_rows "$T/ddl.sql" "$lsql" "$dsql" "$1"
}
# DuckDB wrote, lake reads.
check "SELECT count(*), count(n), sum(n), min(n), max(n) FROM {dk}"
check "SELECT s, count(*), count(s2), sum(x) FROM {dk} GROUP BY s ORDER BY s"
check "SELECT id, n, x, s, s2, b, dec, small FROM {dk} WHERE id % 97 = 5 ORDER BY id" \
	"SELECT id, n, x, s, s2, CAST(b AS INTEGER), CAST(dec AS DOUBLE), small FROM {dk} WHERE id % 97 = 5 ORDER BY id"
check "SELECT count(*) FROM {dk} WHERE s2 IS NULL"
check "SELECT count(*), sum(id) FROM {dk} WHERE n BETWEEN -500 AND 500"
check "SELECT CAST(d AS VARCHAR) AS day, count(*) FROM {dk} WHERE d >= '2024-02-20' GROUP BY day ORDER BY day"
check "SELECT count(*) FROM {dk} WHERE ts >= '2024-01-02T00:00:00Z' AND ts < '2024-01-03T00:00:00Z'" \
	"SELECT count(*) FROM {dk} WHERE ts >= TIMESTAMP '2024-01-02 00:00:00' AND ts < TIMESTAMP '2024-01-03 00:00:00'"
check "SELECT strftime('%Y-%m-%d %H:%M', ts) FROM {dk} WHERE id IN (0, 1, 4999) ORDER BY id" \
	"SELECT strftime(ts, '%Y-%m-%d %H:%M') FROM {dk} WHERE id IN (0, 1, 4999) ORDER BY id"
check "SELECT count(*) FROM {dk} WHERE b" "SELECT count(*) FROM {dk} WHERE b"
# lake wrote, DuckDB reads.
check "SELECT count(*), sum(duration_ms), count(amount) FROM {events}"
check "SELECT kind, count(*), round(sum(amount), 4) FROM {events} GROUP BY kind ORDER BY kind"
check "SELECT CAST(dt AS VARCHAR) AS d, count(*) FROM {events} GROUP BY d ORDER BY d"
check "SELECT id, kind, page, duration_ms FROM {events} WHERE id % 301 = 7 ORDER BY id"
check "SELECT count(*) FROM {events} WHERE ok" "SELECT count(*) FROM {events} WHERE ok"
check "SELECT strftime('%Y-%m-%d %H:%M:%S', ts) FROM {events} WHERE id IN (3, 1500, 2999) ORDER BY id" \
	"SELECT strftime(ts, '%Y-%m-%d %H:%M:%S') FROM {events} WHERE id IN (3, 1500, 2999) ORDER BY id"
check "SELECT CAST(dt AS VARCHAR) AS d, kind, n, round(amount, 4) FROM {daily} ORDER BY d, kind"
done_testing
