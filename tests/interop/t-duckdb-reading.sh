# DuckDB reads what lake reads, through `lake-catalog ddl --dialect
# duckdb`: a CSV file without a header (the view declared a header, so
# DuckDB lost the first row), a header with a repeated name (DuckDB
# rejected the view), an Excel export with empty header cells, and rates
# written .097.  (JSON keys that repeat are not compared: DuckDB's
# read_json refuses such an object, where lake takes the last, as jq.)
# Needs Node.js and npm, as t-duckdb.sh.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/duckdb.sh"

L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"
mkdir -p "$L/data/raw/nh" "$L/data/raw/xl"
printf '2024-01-01,10,3.5\n2024-01-02,11,4.5\n2024-01-03,12,5.5\n' >"$L/data/raw/nh/a.csv"
printf 'h1;h2;;\n1;2;;\n3;4;5;6\n' >"$L/data/raw/xl/export.csv"
printf 'Name,Email,Spend,Spend,Country\nann,a@x,1,2,FR\nbob,b@x,3,4,DE\n' >"$T/dup.csv"
lake-put raw.dup "$T/dup.csv" >/dev/null
printf 'id\trate\n1001\t.097\n1003\t.15\n1005\t-.5\n1007\t+1e-1\n' >"$T/u.tsv"
lake-put raw.u "$T/u.tsv" >/dev/null
lake-crawl >/dev/null
: >"$T/ddl.sql"
for t in raw.nh raw.xl raw.dup raw.u; do
	lake-catalog ddl "$t" --dialect duckdb >>"$T/ddl.sql" || not_ok "ddl $t failed"
done

same_rows "$T/ddl.sql" "SELECT CAST(col_0 AS TEXT), col_1, col_2 FROM raw.nh ORDER BY col_1" \
	"SELECT CAST(col_0 AS VARCHAR), col_1, col_2 FROM raw_nh ORDER BY col_1" "a CSV file without a header: all three rows"
same_rows "$T/ddl.sql" "SELECT h1, h2, col_2, col_3 FROM raw.xl ORDER BY h1" \
	"SELECT h1, h2, col_2, col_3 FROM raw_xl ORDER BY h1" "an Excel export's empty header names"
same_rows "$T/ddl.sql" "SELECT Name, Spend, Spend_2 FROM raw.dup ORDER BY Name" \
	"SELECT Name, Spend, Spend_2 FROM raw_dup ORDER BY Name" "a repeated header name: Spend and Spend_2"
same_rows "$T/ddl.sql" "SELECT id, rate FROM raw.u WHERE rate > 0.09 ORDER BY id" \
	"SELECT id, rate FROM raw_u WHERE rate > 0.09 ORDER BY id" "rates written .097, .15 and +1e-1 are numbers"
done_testing
