# A CSV file the crawler decides has no header was typed right, but
# `SELECT *` gave rows of NULLs while count(*) said 3, and the DDL for
# DuckDB and Athena declared a header: the table did not say it had none.
# The same NULLs came from an Excel export's empty header cells and from a
# wrong csv.delimiter.  Now the table says so, every reader follows, and
# a reader that cannot map a file's rows to the table's columns fails with
# file:line instead of answering NULL.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"
prop() { sql "$L" "SELECT json_extract(properties, '\$.\"$2\"') FROM tables WHERE name = '$1'"; }

mkdir -p "$L/data/raw/nh"
printf '2024-01-01,10,3.5\n2024-01-02,11,4.5\n2024-01-03,12,5.5\n' >"$L/data/raw/nh/a.csv"
run lake-crawl raw.nh
expect_rc 0 "crawl of a CSV file without a header"
expect_eq "$(jq -r 'select(.event == "csv_header") | .header' "$T/out")" "false" "the crawler decides it has none"
expect_eq "$(prop nh csv.header)" "0" "and the table says so (csv.header false)"
run lake-query "SELECT * FROM raw.nh ORDER BY col_1" --format csv
expect_rc 0 "SELECT *"
expect_eq "$(cat "$T/out")" "$(printf 'col_0,col_1,col_2\n2024-01-01,10,3.5\n2024-01-02,11,4.5\n2024-01-03,12,5.5')" \
	"SELECT * gives the three rows with their values, not NULLs"
run lake-query "SELECT count(*) AS n, sum(col_1) AS s FROM raw.nh WHERE col_2 > 4" --format csv
expect_eq "$(cat "$T/out")" "$(printf 'n,s\n2,23')" "and filters and sums them"

# Every dialect's DDL reads the files without a header.
run lake-catalog ddl raw.nh --dialect duckdb
expect_rc 0 "ddl duckdb"
grep -q 'header = false' "$T/out" && ok "DuckDB: header = false" || not_ok "DuckDB DDL: $(grep header "$T/out")"
run lake-catalog ddl raw.nh --dialect athena
grep -q 'skip.header' "$T/out" && not_ok "Athena DDL skips a header line" || ok "Athena: no line skipped"
run lake-catalog ddl raw.nh --dialect trino
grep -q 'skip_header' "$T/out" && not_ok "Trino DDL skips a header line" || ok "Trino: no line skipped"
run lake-catalog ddl raw.nh --dialect spark
grep -q "'header'='false'" "$T/out" && ok "Spark: 'header'='false'" || not_ok "Spark DDL: $(grep header "$T/out")"

# More files without a header join it; lake-put's files, which start with one, are refused.
printf '2024-01-04,13,6.5\n' >"$L/data/raw/nh/b.csv"
lake-crawl raw.nh >/dev/null
run lake-query "SELECT count(*), max(col_1) FROM raw.nh" --format csv
expect_eq "$(tail -n 1 "$T/out")" "4,13" "a second file without a header is read the same way"
printf 'day,n,x\n2024-01-05,14,7.5\n' >"$T/with-header.csv"
run lake-put raw.nh "$T/with-header.csv"
expect_rc 65 "lake-put of a CSV input with a header into that table"
expect_err "have no header row" "says the table's files have none"
run lake-query "SELECT count(*) FROM raw.nh" --format csv
expect_eq "$(tail -n 1 "$T/out")" "4" "and landed nothing"

# A table told the wrong thing (csv.header true over these files) fails, naming the file.
lake-catalog set raw.nh csv.header=true >/dev/null
run lake-query "SELECT * FROM raw.nh"
expect_rc 65 "csv.header true over files without one: the query fails"
expect_err "a.csv:1: the table's column 'col_0' is not in the file's header" "naming the file, the line and the column"
expect_lines "$T/out" 0 "and prints no row of NULLs"
lake-catalog set raw.nh csv.header=false >/dev/null

# An Excel export: empty trailing header cells, ';' separated.
mkdir -p "$L/data/raw/xl"
printf 'h1;h2;;\n1;2;;\n3;4;5;6\n' >"$L/data/raw/xl/export.csv"
run lake-crawl raw.xl
expect_eq "$(jq -r 'select(.event == "csv_header") | .header' "$T/out")" "true" "the Excel export's first row is a header"
run lake-query "SELECT * FROM raw.xl" --format csv
expect_rc 0 "SELECT * over the Excel export"
expect_eq "$(cat "$T/out")" "$(printf 'h1,h2,col_2,col_3\n1,2,,\n3,4,5,6')" "its empty names are col_2 and col_3, its values are there"

# A wrong csv.delimiter: the query fails with the file and its header, not NULLs.
printf 'a,b,c\n1,2,3\n' >"$T/c.csv"
lake-put raw.c "$T/c.csv" >/dev/null
lake-crawl raw.c >/dev/null
lake-catalog set raw.c "csv.delimiter=;" >/dev/null
run lake-query "SELECT a, b FROM raw.c"
expect_rc 65 "a wrong csv.delimiter: the query fails"
expect_err ":1: the table's column 'a' is not in the file's header ('a,b,c')" "saying which column is missing from which header"
expect_lines "$T/out" 0 "and prints no row of NULLs"
lake-catalog set raw.c "csv.delimiter=," >/dev/null
run lake-query "SELECT a, b FROM raw.c" --format csv
expect_eq "$(tail -n 1 "$T/out")" "1,2" "the right one reads it again"

# A row that cannot be mapped to the columns (the file changed since it
# was registered): the query fails at its line, it does not skip it.
printf '2024-01-05,14\n' >>"$L/data/raw/nh/b.csv"
run lake-query "SELECT col_0, col_1 FROM raw.nh ORDER BY col_1"
expect_rc 65 "a row with a field missing"
expect_err "b.csv:2:1: row has 2 fields, the header 3" "fails with file:line"

done_testing
