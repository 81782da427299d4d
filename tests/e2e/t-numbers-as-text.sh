# Numbers in CSV and TSV text as DuckDB and Glue read them: vega's
# unemployment.tsv writes rates as `.097`, which were typed string, so
# `WHERE rate > 0.1` found nothing (DuckDB: 1068 rows).  A leading '.', a
# leading '+', a trailing '.', exponents: numbers, in the crawler's types
# and in the values a query compares; ids with leading zeros stay strings.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
export LAKE_DIR="$L"
col_type() { sql "$L" "SELECT json_extract(value, '\$.type') FROM tables, json_each(tables.columns) WHERE tables.name = '$1' AND json_extract(value, '\$.name') = '$2'"; }
q() { lake-query "$1" --format csv >"$T/out" 2>"$T/err"; tail -n 1 "$T/out"; }

# unemployment.tsv's shape: county id, rate with no leading digit.
printf 'id\trate\n1001\t.097\n1003\t.091\n1005\t.134\n1007\t.121\n1009\t.099\n1011\t.164\n' >"$T/unemployment.tsv"
run lake-put raw.unemployment "$T/unemployment.tsv"
expect_rc 0 "lake-put lands unemployment.tsv"
lake-crawl >/dev/null
expect_eq "$(col_type unemployment rate)" double "a rate written .097 is a double"
expect_eq "$(q "SELECT count(*) FROM raw.unemployment WHERE rate > 0.1")" 3 "WHERE rate > 0.1 finds the three rates above it"
expect_eq "$(q "SELECT typeof(rate) || ' ' || rate FROM raw.unemployment WHERE id = 1001")" "real 0.097" \
	"the value is the number 0.097, not text"
expect_eq "$(q "SELECT round(sum(rate), 3) FROM raw.unemployment")" "0.706" "and adds up as one"

# The other spellings, and ids that keep their zeros; in a file found by the crawler.
mkdir -p "$L/data/raw/spell"
printf 'zip,x,y\n02134,+5,-.5\n00501,+12,5.\n10001,7,1e2\n' >"$L/data/raw/spell/a.csv"
lake-crawl raw.spell >/dev/null
expect_eq "$(col_type spell zip) $(col_type spell x) $(col_type spell y)" "string bigint double" \
	"+5 is a bigint, -.5, 5. and 1e2 doubles, 02134 a string"
expect_eq "$(q "SELECT group_concat(zip || ':' || x || ':' || y, ' ') FROM raw.spell")" \
	"02134:5:-0.5 00501:12:5.0 10001:7:100.0" "each read as that number; zip codes keep their zeros"
expect_eq "$(q "SELECT count(*) FROM raw.spell WHERE x > 6 AND y > 0")" 2 "and compared as numbers"

# Files skipped by their min and max keep the answer: the statistics are numbers too.
printf 'id\trate\n2001\t-.25\n' >"$T/negative.tsv"
lake-put raw.unemployment "$T/negative.tsv" >/dev/null
lake-crawl >/dev/null
expect_eq "$(q "SELECT count(*) FROM raw.unemployment WHERE rate < 0")" 1 "the file holding -.25 is read"
run lake-query --explain "SELECT count(*) FROM raw.unemployment WHERE rate < 0"
expect_eq "$(jq -r 'select(.files_skipped_stats != null) | .files_skipped_stats' "$T/out")" 1 \
	"and the other skipped by its range [.091, .164]"

# Partition values are text too.
mkdir -p "$L/data/raw/adj/adj=.5" "$L/data/raw/adj/adj=-.25"
printf '{"n":1}\n' >"$L/data/raw/adj/adj=.5/a.ndjson"
printf '{"n":2}\n' >"$L/data/raw/adj/adj=-.25/a.ndjson"
lake-crawl raw.adj >/dev/null
expect_eq "$(sql "$L" "SELECT json_extract(partition_keys, '\$[0].type') FROM tables WHERE name = 'adj'")" double \
	"a partition key adj=.5 is a double"
expect_eq "$(q "SELECT group_concat(n || ':' || adj) FROM raw.adj WHERE adj > 0")" "1:0.5" "compared as a number"

# --to ndjson writes them as JSON numbers (JSON has no .097; jq takes it, others do not).
lake-put raw.un_json --to ndjson "$T/unemployment.tsv" >/dev/null
f=$(sql "$L" "SELECT path FROM files f JOIN tables t ON t.id = f.table_id WHERE t.name = 'un_json'")
zstd -dc "$L/$f" >"$T/json"
expect_eq "$(head -n 1 "$T/json")" '{"id":1001,"rate":0.097}' "--to ndjson: .097 is the JSON number 0.097"
printf 'a,b,c\n+5,5.,-.5\n' | lake-put raw.spell_json --to ndjson --format csv >/dev/null
f=$(sql "$L" "SELECT path FROM files f JOIN tables t ON t.id = f.table_id WHERE t.name = 'spell_json'")
expect_eq "$(zstd -dc "$L/$f")" '{"a":5,"b":5.0,"c":-0.5}' "+5, 5. and -.5 spelt as JSON spells them"

done_testing
