# lake-catalog ddl and set: the CREATE statement for each engine, read
# from the catalog (columns as the crawler will set them), and the table
# properties that set keeps, with every error's exit status and message.
. "$(dirname "$0")/lib.sh"

L=$T/lake
new_lake "$L"
LAKEDIR=$(cd "$L" && pwd -P)

echo '{"id":1,"when":"2024-05-01T10:00:00Z","s":{"a":1,"tags":["x"]}}' >"$T/ev.ndjson"
lake-put --lake "$L" --partition-by day=when:day raw.events "$T/ev.ndjson" >/dev/null 2>&1 ||
	not_ok "lake-put raw.events"
printf 'id,Full name\n1,"A, B"\n' >"$T/people.csv"
lake-put --lake "$L" --format csv raw.people "$T/people.csv" >/dev/null 2>&1 ||
	not_ok "lake-put raw.people"

# Not crawled yet: no columns to declare.
run lake-catalog --lake "$L" ddl raw.events --dialect athena
expect_rc 65 "ddl of a table without a schema"
expect_err "lake-catalog: error: table 'raw.events' has no schema yet; run lake-crawl first" "says to crawl first"
expect_lines "$T/out" 0 "and prints nothing"

# What lake-crawl will have filled in.
sql "$L" "UPDATE tables SET columns = '[{\"name\":\"id\",\"type\":\"bigint\",\"comment\":\"\"},{\"name\":\"when\",\"type\":\"timestamp\"},{\"name\":\"s\",\"type\":\"struct<a:bigint,tags:array<string>>\"},{\"name\":\"Odd \\\"name\",\"type\":\"string\"}]', partition_keys = '[{\"name\":\"day\",\"type\":\"date\",\"grain\":\"day\"}]' WHERE name = 'events'"
sql "$L" "UPDATE tables SET columns = '[{\"name\":\"id\",\"type\":\"bigint\"},{\"name\":\"Full name\",\"type\":\"string\"}]' WHERE name = 'people'"

run lake-catalog --lake "$L" ddl raw.events --dialect athena
expect_rc 0 "ddl --dialect athena"
grep -qxF "CREATE EXTERNAL TABLE IF NOT EXISTS \`raw\`.\`events\` (" "$T/out" && ok "athena: an external table" || not_ok "athena: $(cat "$T/out")"
grep -qxF "  \`s\` struct<\`a\`:bigint,\`tags\`:array<string>>," "$T/out" && ok "athena: nested types" || not_ok "athena: nested types"
grep -qxF "  \`Odd \"name\` string" "$T/out" && ok "athena: odd names quoted" || not_ok "athena: odd names"
grep -qxF "LOCATION 'file://$LAKEDIR/data/raw/events'" "$T/out" && ok "athena: location is the lake's table directory" || not_ok "athena: location"
grep -qxF "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'" "$T/out" && ok "athena: JSON SerDe" || not_ok "athena: serde"
grep -qxF "MSCK REPAIR TABLE \`raw\`.\`events\`;" "$T/out" && ok "athena: partitions registered" || not_ok "athena: msck"
expect_lines "$T/err" 0 "athena: nothing on stderr"

run lake-catalog ddl raw.events --dialect spark --lake "$L"
expect_rc 0 "ddl --dialect spark, options after the verb"
grep -qxF "PARTITIONED BY (\`day\`)" "$T/out" && ok "spark: partitioned by day" || not_ok "spark: $(cat "$T/out")"
grep -qxF "USING JSON" "$T/out" && ok "spark: JSON source" || not_ok "spark: source"

run lake-catalog --lake "$L" ddl raw.events --dialect trino --location-prefix s3://bucket/lake/
expect_rc 0 "ddl --dialect trino --location-prefix"
grep -qxF "  external_location = 's3://bucket/lake/data/raw/events'," "$T/out" && ok "trino: location under the prefix" || not_ok "trino: $(cat "$T/out")"
grep -qxF "  \"s\" ROW(\"a\" BIGINT, \"tags\" ARRAY(VARCHAR))," "$T/out" && ok "trino: ROW and ARRAY" || not_ok "trino: types"
grep -qxF "  \"Odd \"\"name\" VARCHAR," "$T/out" && ok "trino: embedded quote doubled" || not_ok "trino: quote"
grep -qxF "  \"day\" DATE" "$T/out" && ok "trino: partition column last, typed" || not_ok "trino: partition column"

run lake-catalog --lake "$L" ddl raw.events --dialect duckdb
expect_rc 0 "ddl --dialect duckdb"
grep -qxF "  '$LAKEDIR/data/raw/events/**/*.ndjson.zst'," "$T/out" && ok "duckdb: globs the compressed files" || not_ok "duckdb: $(cat "$T/out")"
grep -qxF "    's': 'STRUCT(\"a\" BIGINT, \"tags\" VARCHAR[])'," "$T/out" && ok "duckdb: explicit nested type" || not_ok "duckdb: types"

run lake-catalog --lake "$L" ddl raw.people --dialect athena
expect_rc 0 "ddl of a CSV table"
grep -qxF "  'skip.header.line.count'='1'" "$T/out" && ok "csv: the header row is skipped" || not_ok "csv: $(cat "$T/out")"

# Errors.
run lake-catalog --lake "$L" ddl raw.events --dialect postgres
expect_rc 64 "unknown dialect"
expect_err "unknown dialect 'postgres'; the dialects are: athena, spark, trino, duckdb" "lists the four dialects"
run lake-catalog --lake "$L" ddl raw.events
expect_rc 64 "ddl without --dialect"
expect_err "ddl needs --dialect; the dialects are: athena, spark, trino, duckdb" "says which dialects"
run lake-catalog --lake "$L" ddl raw.nothing --dialect spark
expect_rc 66 "ddl of an unknown table"
expect_err "no table 'raw.nothing'" "names the table"
run lake-catalog --lake "$L" ddl Raw.events --dialect spark
expect_rc 64 "ddl of an invalid name"
run lake-catalog --lake "$L" ddl --dialect spark
expect_rc 64 "ddl without a table"
run lake-catalog --lake "$L" ddl raw.events raw.people --dialect spark
expect_rc 64 "ddl with two tables"
sql "$L" "UPDATE tables SET columns = '[{\"name\":\"x\",\"type\":\"map<string,string>\"}]' WHERE name = 'people'"
run lake-catalog --lake "$L" ddl raw.people --dialect spark
expect_rc 65 "ddl of a type lake does not know"
expect_err "table 'raw.people': column 'x': cannot read the type 'map<string,string>'" "names the column and type"
sql "$L" "UPDATE tables SET columns = '[{\"name\":\"id\",\"type\":\"bigint\"},{\"name\":\"Full name\",\"type\":\"string\"}]' WHERE name = 'people'"

# set.
run lake-catalog --lake "$L" set raw.people csv.header=false
expect_rc 0 "set csv.header=false"
expect_eq "$(cat "$T/out")" '{"table":"raw.people","key":"csv.header","value":false}' "prints the record"
expect_eq "$(sql "$L" "SELECT json_extract(properties, '$.\"csv.header\"') FROM tables WHERE name = 'people'")" 0 "kept in the catalog"
expect_eq "$(sql "$L" "SELECT json_array_length(properties, '$.csv_header') FROM tables WHERE name = 'people'")" 2 "lake-put's own properties are kept"
run lake-catalog --lake "$L" ddl raw.people --dialect spark
grep -qxF "  'header'='false'," "$T/out" && ok "ddl honours csv.header" || not_ok "ddl after set: $(cat "$T/out")"

run lake-catalog --lake "$L" set raw.people csv.delimiter=tab
expect_rc 0 "set csv.delimiter=tab"
expect_eq "$(cat "$T/out")" '{"table":"raw.people","key":"csv.delimiter","value":"\t"}' "tab is stored as a tab"
run lake-catalog --lake "$L" ddl raw.people --dialect trino
grep -qxF "  csv_separator = U&'\\0009'," "$T/out" && ok "ddl honours csv.delimiter" || not_ok "ddl after delimiter: $(cat "$T/out")"

run lake-catalog set raw.people csv.header= --lake "$L"
expect_rc 0 "set KEY= removes the key"
expect_eq "$(cat "$T/out")" '{"table":"raw.people","key":"csv.header","value":null}' "prints null"
expect_eq "$(sql "$L" "SELECT json_type(properties, '$.\"csv.header\"') IS NULL FROM tables WHERE name = 'people'")" 1 "gone from the catalog"

run lake-catalog --lake "$L" set raw.people description=hello
expect_rc 64 "set of an unknown key"
expect_err "unknown property 'description'; the properties are: csv.header, csv.delimiter" "lists the known keys"
run lake-catalog --lake "$L" set raw.people csv.header=yes
expect_rc 64 "set csv.header to a non-boolean"
expect_err "csv.header 'yes': use true or false" "says what it takes"
run lake-catalog --lake "$L" set raw.people csv.delimiter=::
expect_rc 64 "set csv.delimiter to something else"
run lake-catalog --lake "$L" set raw.nothing csv.header=true
expect_rc 66 "set on an unknown table"
expect_err "no table 'raw.nothing'" "names the table"
run lake-catalog --lake "$L" set raw.people csv.header
expect_rc 64 "set without '='"
run lake-catalog --lake "$L" set raw.people =true
expect_rc 64 "set without a key"
run lake-catalog --lake "$L" set raw.people
expect_rc 64 "set without KEY=VALUE"

done_testing
