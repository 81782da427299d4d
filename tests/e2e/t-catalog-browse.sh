# lake-catalog's browse verbs (SPEC §5): databases, tables, show, schema,
# history, diff, partitions, files, search, create-database, describe,
# drop and rename, in ndjson and table (and csv for some), and their
# errors: bad names, unknown tables with a suggestion, drop without
# --yes, rename onto an existing table.
. "$(dirname "$0")/lib.sh"
L="$T/lake"
new_lake "$L"
cat_() { lake-catalog --lake "$L" "$@"; }

cat >"$T/ev.ndjson" <<'JSON'
{"id":1,"ts":"2024-05-01T10:00:00Z"}
{"id":2,"ts":"2024-05-02T10:00:00Z"}
{"id":3,"ts":"2024-05-02T11:00:00Z"}
JSON
lake-put --lake "$L" --partition-by dt=ts:day raw.events "$T/ev.ndjson" >/dev/null || not_ok "put raw.events"
lake-put --lake "$L" raw.plain "$T/ev.ndjson" >/dev/null || not_ok "put raw.plain"
# Columns as lake-crawl will record them, and a version 2 that widened id and added a column.
sql "$L" "UPDATE tables SET columns = '[{\"name\":\"id\",\"type\":\"bigint\",\"comment\":\"Event ID\"},{\"name\":\"ts\",\"type\":\"timestamp\",\"comment\":\"\"}]', properties = '{\"last_crawl\":\"2024-06-01T00:00:00Z\"}' WHERE name = 'events'"
sql "$L" "UPDATE table_versions SET columns = (SELECT columns FROM tables WHERE name = 'events') WHERE table_id = (SELECT id FROM tables WHERE name = 'events')"
lake-put --lake "$L" --partition-by dt=ts:day raw.events "$T/ev.ndjson" >/dev/null || not_ok "second put"
sql "$L" "UPDATE tables SET version = 3, columns = '[{\"name\":\"id\",\"type\":\"double\",\"comment\":\"Event ID\"},{\"name\":\"ts\",\"type\":\"timestamp\",\"comment\":\"\"},{\"name\":\"user\",\"type\":\"string\",\"comment\":\"who\"}]' WHERE name = 'events'"
sql "$L" "INSERT INTO table_versions(table_id, version, operation, columns, partition_keys, changes, created, principal) SELECT id, 3, 'crawl', columns, partition_keys, '[{\"column\":\"user\",\"change\":\"added\"}]', '2024-06-02T00:00:00Z', 'alice' FROM tables WHERE name = 'events'"

# ---- databases ----
run cat_ databases
expect_rc 0 "databases"
expect_eq "$(cat "$T/out")" "$(jq -c . <<<"{\"name\":\"raw\",\"description\":\"\",\"tables\":2,\"created\":$(jq .created "$T/out")}")" "databases: one ndjson record per database"
run cat_ --format table databases
expect_rc 0 "databases --format table"
expect_eq "$(head -1 "$T/out")" "name  description  tables  created" "the table's header"
expect_eq "$(sed -n 2p "$T/out" | awk '{print $1, $2}')" "raw 2" "the table's row"

# ---- create-database ----
run cat_ create-database web --description "Web analytics"
expect_rc 0 "create-database"
expect_eq "$(jq -r .description "$T/out")" "Web analytics" "prints the new database"
run cat_ create-database web
expect_rc 73 "create-database of an existing database"
expect_err "database 'web' already exists" "says it exists"
run cat_ create-database Web
expect_rc 64 "create-database with a bad name"
run cat_ databases
expect_eq "$(jq -r .name "$T/out" | tr '\n' ' ')" "raw web " "databases lists both, by name"

# ---- tables ----
run cat_ tables
expect_rc 0 "tables"
expect_lines "$T/out" 2 "two tables"
expect_eq "$(jq -c 'select(.table == "events") | [.database, .format, .partitioned_by, .columns, .files, .rows, .version]' "$T/out")" \
	'["raw","ndjson",["dt"],3,4,6,3]' "tables: format, keys, column count, live files, rows, version"
run cat_ tables web
expect_rc 0 "tables of an empty database"
expect_lines "$T/out" 0 "lists nothing"
run cat_ --format csv tables raw
expect_rc 0 "tables --format csv"
expect_eq "$(head -1 "$T/out")" "database,table,format,partitioned_by,columns,files,rows,bytes,version,updated" "csv header"
expect_eq "$(sed -n 2p "$T/out" | cut -d, -f1-3)" "raw,events,ndjson" "csv row"
grep -q '^raw,events,ndjson,"\[""dt""\]",3,4,6,' "$T/out" && ok "csv quotes a nested value" || not_ok "csv nested: $(sed -n 2p "$T/out")"
run cat_ --format table tables
expect_rc 0 "tables --format table"
expect_eq "$(awk 'NR > 1 {print $2}' "$T/out" | tr '\n' ' ')" "events plain " "table rows"
run cat_ tables rw
expect_rc 66 "tables of an unknown database"
expect_err "no database 'rw'; did you mean 'raw'?" "suggests the nearest database"
run cat_ tables Raw
expect_rc 64 "tables with a bad database name"

# ---- show ----
run cat_ show raw.events
expect_rc 0 "show"
expect_eq "$(jq -c '[.database, .table, .format, .compression, .files, .rows, .version, .last_crawl, (.columns | length), .partition_keys[0].name]' "$T/out")" \
	'["raw","events","ndjson","zstd",4,6,3,"2024-06-01T00:00:00Z",3,"dt"]' "show: one record with the table's metadata"
expect_eq "$(jq -r .location "$T/out")" "$(cd "$L" && pwd -P)/data/raw/events" "show: the absolute location"
run cat_ --format table show raw.events
expect_rc 0 "show --format table"
grep -q '^format  *ndjson$' "$T/out" && ok "show table: key/value lines" || not_ok "show table: $(cat "$T/out")"
grep -q '^partition_keys  *dt (string, day)$' "$T/out" && ok "show table: partition keys readably" || not_ok "show keys"
grep -q '^user  *string  *who  *false$' "$T/out" && ok "show table: the columns table" || not_ok "show columns"
grep -q ' $' "$T/out" && not_ok "show table: a line ends in blanks" || ok "show table: no trailing blanks"
run cat_ show raw.evnts
expect_rc 66 "show an unknown table"
expect_err "no table 'raw.evnts'; did you mean 'raw.events'?" "suggests the nearest table"
run cat_ show raw.zzzzzzzz
expect_rc 66 "show a table with nothing near"
expect_err "no table 'raw.zzzzzzzz'" "no suggestion when nothing is close"
grep -q "did you mean" "$T/err" && not_ok "suggested a far name" || ok "and suggests nothing"
run cat_ show events
expect_rc 64 "show an unqualified name"
run cat_ show raw.Bad-Name
expect_rc 64 "show a bad name"

# ---- schema ----
run cat_ schema raw.events
expect_rc 0 "schema"
expect_eq "$(jq -c '[.name, .type, .comment, .partition]' "$T/out" | tr '\n' ' ')" \
	'["id","double","Event ID",false] ["ts","timestamp","",false] ["user","string","who",false] ["dt","string","",true] ' \
	"schema: columns then partition keys, flagged"
run cat_ schema raw.events --version 1
expect_rc 0 "schema --version 1"
expect_eq "$(jq -r '.name + ":" + .type' "$T/out" | tr '\n' ' ')" "id:bigint ts:timestamp dt:string " "schema of an old version"
run cat_ schema raw.events --version 9
expect_rc 66 "schema of a version that does not exist"
expect_err "table 'raw.events' has no version 9" "says which version"
run cat_ --format table schema raw.events
expect_rc 0 "schema --format table"
expect_eq "$(sed -n 2p "$T/out")" "id    double     Event ID  false" "schema table row"
run cat_ --format tsv schema raw.events
expect_eq "$(sed -n 4p "$T/out")" "user	string	who	false" "schema tsv row"

# ---- history ----
run cat_ history raw.events
expect_rc 0 "history"
expect_eq "$(jq -r '"\(.version):\(.operation):\(.files_added):\(.rows_added)"' "$T/out" | tr '\n' ' ')" "0:create:0:0 1:put:2:3 2:put:2:3 3:crawl:0:0 " "history: one record per version"
expect_eq "$(jq -c 'select(.version == 3) | [.principal, .changes[0].column]' "$T/out")" '["alice","user"]' "history: principal and changes as JSON"
run cat_ --format table history raw.events
expect_rc 0 "history --format table"
expect_lines "$T/out" 5 "header and four versions"

# ---- diff ----
run cat_ diff raw.events 1 3
expect_rc 0 "diff"
expect_eq "$(jq -c 'select(.column) | [.change, .column, .from, .to]' "$T/out" | tr '\n' ' ')" \
	'["type","id","bigint","double"] ["added","user",null,"string"] ' "diff: a type change and an added column"
expect_eq "$(jq -r 'select(.change == "file_added") | .partition' "$T/out" | sort | tr '\n' ' ')" "dt=2024-05-01 dt=2024-05-02 " "diff: the files added between the versions"
run cat_ diff raw.events 3 1
expect_eq "$(jq -r '.change' "$T/out" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')" "file_removed=2 removed=1 type=1 " "diff backwards: removed"
run cat_ --format table diff raw.events 1 3
expect_rc 0 "diff --format table"
expect_eq "$(sed -n 1p "$T/out")" "change      column  from    to      file" "diff table header"
run cat_ diff raw.events 1 x
expect_rc 64 "diff with a bad version"
run cat_ diff raw.events 1 7
expect_rc 66 "diff with a missing version"

# ---- partitions, files ----
run cat_ partitions raw.events
expect_rc 0 "partitions"
expect_eq "$(jq -c '[.path, .values, .files, .rows]' "$T/out" | tr '\n' ' ')" \
	'["dt=2024-05-01",{"dt":"2024-05-01"},2,2] ["dt=2024-05-02",{"dt":"2024-05-02"},2,4] ' "partitions: values as an object, live counts"
run cat_ --format table partitions raw.events
expect_eq "$(sed -n 2p "$T/out" | awk '{print $1, $2, $3, $4}')" 'dt=2024-05-01 {"dt":"2024-05-01"} 2 2' "partitions table"
sql "$L" "UPDATE files SET state = 'removed', removed_version = 3 WHERE partition = 'dt=2024-05-01'"
run cat_ partitions raw.events
expect_eq "$(jq -r .path "$T/out")" "dt=2024-05-02" "partitions count live files only"
run cat_ files raw.events
expect_rc 0 "files"
expect_lines "$T/out" 2 "files lists the live files"
expect_eq "$(jq -r '"\(.partition) \(.format) \(.state) \(.added_version)"' "$T/out" | sort | tr '\n' ' ')" "dt=2024-05-02 ndjson live 1 dt=2024-05-02 ndjson live 2 " "files: partition, format, state, version"
f=$(jq -r .path "$T/out" | head -1)
[ -f "$L/$f" ] && ok "files: the paths are lake-relative" || not_ok "no file $L/$f"
run cat_ --format table files raw.events
expect_lines "$T/out" 3 "files table"
run cat_ files raw.nope
expect_rc 66 "files of an unknown table"

# ---- search ----
run cat_ search EVENT
expect_rc 0 "search"
expect_eq "$(jq -r '"\(.kind):\(.table):\(.column):\(.where)"' "$T/out" | tr '\n' ' ')" \
	"table:events:null:name column:events:id:comment " "search: case-insensitive, names and comments"
run cat_ search analytics
expect_eq "$(jq -c '[.kind, .database, .where, .text]' "$T/out")" '["database","web","description","Web analytics"]' "search: descriptions"
run cat_ search 'no_such%'
expect_rc 0 "search without hits"
expect_lines "$T/out" 0 "prints nothing"
run cat_ --format table search user
expect_eq "$(sed -n 2p "$T/out")" "column  raw       events  user    name   user" "search table"
run cat_ search
expect_rc 64 "search without a word"

# ---- describe ----
run cat_ describe raw.events "Clicks from the web site"
expect_rc 0 "describe a table"
expect_eq "$(sql "$L" "SELECT description FROM tables WHERE name = 'events'")" "Clicks from the web site" "the description is stored"
expect_eq "$(sql "$L" "SELECT version FROM tables WHERE name = 'events'")" 3 "describe makes no version"
run cat_ describe raw.events --column ts "When it happened"
expect_rc 0 "describe a column"
run cat_ schema raw.events
expect_eq "$(jq -r 'select(.name == "ts") | .comment' "$T/out")" "When it happened" "the comment is stored"
run cat_ describe raw.events --column dt "Day, UTC"
expect_rc 0 "describe a partition key"
run cat_ schema raw.events
expect_eq "$(jq -r 'select(.name == "dt") | .comment' "$T/out")" "Day, UTC" "the key's comment is stored"
run cat_ describe raw.events --column usr "x"
expect_rc 66 "describe an unknown column"
expect_err "table 'raw.events': no column 'usr'; did you mean 'user'?" "suggests the column"
run cat_ describe raw.evnts "x"
expect_rc 66 "describe an unknown table"
run cat_ search "web site"
expect_eq "$(jq -r '.where' "$T/out")" "description" "search finds table descriptions"

# ---- rename ----
run cat_ rename raw.plain raw.events
expect_rc 73 "rename onto an existing table"
expect_err "table 'raw.events' already exists" "says so"
[ -d "$L/data/raw/plain" ] && ok "the directory stayed" || not_ok "rename moved the directory anyway"
run cat_ rename raw.plain Web.x
expect_rc 64 "rename to a bad name"
run cat_ rename raw.plian web.clicks
expect_rc 66 "rename an unknown table"
run cat_ rename raw.plain arch.plain2
expect_rc 0 "rename into a new database"
[ ! -e "$L/data/raw/plain" ] && [ -d "$L/data/arch/plain2" ] && ok "the directory moved" || not_ok "directory not moved"
expect_eq "$(sql "$L" "SELECT count(*) FROM files WHERE path LIKE 'data/raw/plain/%'")" 0 "no file path names the old table"
run cat_ files arch.plain2
for f in $(jq -r .path "$T/out"); do [ -f "$L/$f" ] || not_ok "renamed file $f missing"; done
expect_eq "$(jq -r '.path' "$T/out" | cut -d/ -f1-3)" "data/arch/plain2" "files are under the new location"
run cat_ show arch.plain2
expect_eq "$(jq -r .location "$T/out")" "$(cd "$L" && pwd -P)/data/arch/plain2" "show reports the new location"
run lake-put --lake "$L" arch.plain2 "$T/ev.ndjson"
expect_rc 0 "lake-put into the renamed table"
run cat_ tables arch
expect_eq "$(jq -c '[.table, .files, .rows]' "$T/out")" '["plain2",2,6]' "the renamed table keeps growing"
run cat_ show raw.plain
expect_rc 66 "the old name is gone"

# ---- drop ----
run cat_ drop raw.events
expect_rc 64 "drop without --yes"
expect_err "add --yes to confirm" "says to add --yes"
[ -d "$L/data/raw/events" ] && ok "nothing was dropped" || not_ok "dropped without --yes"
run cat_ drop raw.evnts --yes
expect_rc 66 "drop an unknown table"
run cat_ drop raw.events --yes
expect_rc 0 "drop --yes"
expect_eq "$(jq -c '[.database, .table]' "$T/out")" '["raw","events"]' "prints what was dropped"
[ ! -e "$L/data/raw/events" ] && ok "the directory is gone" || not_ok "directory left"
expect_eq "$(ls -A "$L/tmp" | wc -l)" 0 "nothing left in tmp/"
expect_eq "$(sql "$L" "SELECT (SELECT count(*) FROM tables WHERE name = 'events') + (SELECT count(*) FROM files WHERE path LIKE 'data/raw/events/%') + (SELECT count(*) FROM partitions WHERE table_id NOT IN (SELECT id FROM tables)) + (SELECT count(*) FROM table_versions WHERE table_id NOT IN (SELECT id FROM tables))")" 0 \
	"the catalog has no rows for it"
run cat_ tables raw
expect_lines "$T/out" 0 "raw has no tables left"

# A drop whose catalog step fails puts the directory back.
sql "$L" "CREATE TRIGGER no_drop BEFORE DELETE ON tables BEGIN SELECT RAISE(ABORT, 'refused'); END"
run cat_ drop arch.plain2 --yes
[ "$rc" -ne 0 ] && ok "a failing catalog step fails the drop" || not_ok "drop succeeded despite the trigger"
[ -d "$L/data/arch/plain2" ] && ok "and the directory is moved back" || not_ok "directory lost"
expect_eq "$(ls -A "$L/tmp" | wc -l)" 0 "and tmp/ is clean"
sql "$L" "DROP TRIGGER no_drop"
sql "$L" "CREATE TRIGGER no_rename BEFORE UPDATE OF name ON tables BEGIN SELECT RAISE(ABORT, 'refused'); END"
run cat_ rename arch.plain2 arch.p3
[ "$rc" -ne 0 ] && ok "a failing catalog step fails the rename" || not_ok "rename succeeded despite the trigger"
[ -d "$L/data/arch/plain2" ] && [ ! -e "$L/data/arch/p3" ] && ok "and the directory is renamed back" || not_ok "rename left the directory moved"
sql "$L" "DROP TRIGGER no_rename"

# Classifiers for text logs are kept and listed without crawling.
run cat_ classifier weblog '^(?<ip>[^ ]+) (?<status>[0-9]+)$'
expect_rc 0 "a classifier is kept"
run cat_ classifiers
expect_eq "$(jq -r '"\(.name) \(.regex) \(.created_by)"' "$T/out")" "weblog ^(?<ip>[^ ]+) (?<status>[0-9]+)\$ $(id -un)" "and listed"
run cat_ classifier weblog '^(?<ip>[^ ]+) (?<code>[0-9]+)$'
run cat_ classifiers
expect_eq "$(jq -r .regex "$T/out")" '^(?<ip>[^ ]+) (?<code>[0-9]+)$' "keeping it again replaces it"
run cat_ classifier bad '^([0-9]+)$'
expect_rc 64 "a classifier without a named group"
run cat_ classifier bad '(?<a>[0-9'
expect_rc 64 "a regex that does not compile"
run cat_ classifier only-two
expect_rc 64 "classifier takes NAME and REGEX"
run cat_ classifier dup '(?<a>x)(?<a>y)'
expect_rc 64 "two groups of one name"
expect_err "names two groups 'a'" "are refused, naming the group"
printf '10.0.0.1 200\n10.0.0.2 404\n' | lake-put --lake "$L" --classifier weblog web.hits >/dev/null
run lake-crawl --lake "$L" web.hits
run lake-query --lake "$L" "SELECT sum(code) AS s FROM web.hits"
expect_eq "$(cat "$T/out")" '{"s":604}' "lake-put lands lines through it"

# Every listing in json format is one array.
run cat_ --format json databases
expect_eq "$(jq -r 'map(.name) | join(" ")' "$T/out")" "arch raw web" "--format json"

done_testing
