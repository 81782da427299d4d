# The hardening mode (lake-grant(1)): programs setgid to a service group,
# a lake given to that group.  An ordinary uid cannot read the data files
# directly, can query what it was granted through the programs, and
# nothing more; user-named files are opened with the user's own group;
# a lake not of the service group is refused; the attacks of the issue
# "Grants that hold against an attacker" stay closed.  Needs root: two
# accounts are made and removed by the test, and setpriv runs the
# programs as them; CI runs as root.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "t-hardening: needs root to make setgid programs and switch uids; nothing tested"
	done_testing
fi
S=4242 # the service group
# Two ordinary users, in no group of interest: real accounts made for this
# test and removed when it ends (numeric ids only where useradd is missing).
if command -v useradd >/dev/null 2>&1; then
	U_NAME=lkt$$a
	U2_NAME=lkt$$b
	useradd -M -N -s /usr/sbin/nologin "$U_NAME" && useradd -M -N -s /usr/sbin/nologin "$U2_NAME" ||
		{ not_ok "cannot create the test's accounts"; done_testing; }
	trap 'userdel "$U_NAME" 2>/dev/null; userdel "$U2_NAME" 2>/dev/null; rm -rf "$T"' EXIT
	U=$(id -u "$U_NAME")
	U2=$(id -u "$U2_NAME")
	U_PRINCIPAL=$U_NAME # what lake.json and the grants call the first one
else
	U=4243
	U2=4244
	U_PRINCIPAL=uid:$U
fi
chmod 755 "$T"
mkdir -p "$T/bin"
# What `cmake -DLAKE_SETGID_GROUP=$S` makes `cmake --install` do to each program.
for p in lake-put lake-query lake-catalog lake-crawl lake-etl lake-grant; do
	cp "$LAKE_BIN/$p" "$T/bin/$p"
	chgrp "$S" "$T/bin/$p" && chmod 2755 "$T/bin/$p"
done
as_user() { setpriv --reuid=$U --regid=$U --clear-groups "$@"; }

L="$T/lake"
run lake-catalog init "$L" --group $S
expect_rc 0 "init --group"
expect_eq "$(stat -c '%a %g' "$L" "$L/data" "$L/catalog.db" | tr '\n' ' ')" "2770 $S 2770 $S 660 $S " "the lake belongs to the group, closed to others"
echo '{"a":1,"b":"x"}' | lake-put --lake "$L" raw.pub >/dev/null
echo '{"s":"secret"}' | lake-put --lake "$L" raw.secret >/dev/null
lake-crawl --lake "$L" >/dev/null
lake-grant --lake "$L" grant SELECT ON raw.pub TO public >/dev/null
lake-grant --lake "$L" grant INSERT,CREATE_TABLE ON inbox TO public >/dev/null
f=$(find "$L/data/raw/pub" -type f | head -1)
expect_eq "$(stat -c '%a' "$f")" "640" "data files the administrator adds: read-only for the group, closed to others"

as_user cat "$f" >/dev/null 2>&1
expect_eq "$?" 1 "the ordinary user cannot read a data file directly"
as_user "$T/bin/lake-query" --lake "$L" --format csv "SELECT a, b FROM raw.pub" >"$T/out" 2>"$T/err"
expect_eq "$(tail -1 "$T/out")" "1,x" "but queries what it was granted, through the setgid program"
as_user "$T/bin/lake-query" --lake "$L" "SELECT * FROM raw.secret" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 66 "and nothing more"
as_user "$T/bin/lake-query" --lake "$L" --as root "SELECT * FROM raw.secret" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 77 "--as is not for it"

# User-named files are opened with the user's own group, never the service group's.
mkdir -p "$T/u" && chown $U:$U "$T/u"
echo '{"n":1}' >"$T/u/mine.ndjson" && chown $U:$U "$T/u/mine.ndjson" && chmod 600 "$T/u/mine.ndjson"
echo '{"n":2}' >"$T/groups.ndjson" && chgrp $S "$T/groups.ndjson" && chmod 640 "$T/groups.ndjson"
as_user "$T/bin/lake-put" --lake "$L" inbox.mine "$T/u/mine.ndjson" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "the user lands its own file"
as_user "$T/bin/lake-put" --lake "$L" inbox.stolen "$T/groups.ndjson" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 77 "a file only the service group may read is not readable through the programs"
printf 'SELECT 1' >"$T/q.sql" && chgrp $S "$T/q.sql" && chmod 640 "$T/q.sql"
as_user "$T/bin/lake-query" --lake "$L" -f "$T/q.sql" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 77 "nor is an SQL file"
new=$(find "$L/data/inbox" -type f | head -1)
expect_eq "$(stat -c '%a %g' "$new")" "640 $S" "what the user's programs create belongs to the group, not to others"
# group_dir_writable: a table directory one user's put made was 2750, so another user with INSERT
# could not land in it (exit 77, really a directory permission).
expect_eq "$(stat -c '%a %g' "$(dirname "$new")")" "2770 $S" "group_dir_writable: the table directory is the group's to write"
echo '{"n":3}' >"$T/u2.ndjson" && chmod 644 "$T/u2.ndjson"
setpriv --reuid=$U2 --regid=$U2 --clear-groups "$T/bin/lake-put" --lake "$L" inbox.mine "$T/u2.ndjson" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "group_dir_writable: another user lands in the table the first one made"

# A lake that is not the service group's is refused: the group's rights go nowhere else.
mkdir "$T/u/evil" && chown $U:$U "$T/u/evil"
as_user lake-catalog init "$T/u/evil/lake" >/dev/null 2>&1
as_user env LAKE_DIR="$T/u/evil/lake" "$T/bin/lake-query" "SELECT 1" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 77 "LAKE_DIR naming a lake of another group"
expect_err "not a lake of this installation's service group" "says why"
lake-grant --lake "$L" audit --principal "user:$U_PRINCIPAL" --format ndjson >"$T/out"
expect_eq "$(jq -s -c '[.[] | select(.action == "query") | .outcome] | unique' "$T/out")" '["error","ok"]' "the user's queries are audited, in a log it cannot read itself"
expect_eq "$(jq -s '[.[] | select(.outcome == "denied")] | length > 0' "$T/out")" true "and its denials"
# --from-sqlite opens what the user named, as the user: no URI, no link, not the lake's own files.
# from_sqlite_uri_decoy: a relative "file:/ABS/catalog.db" is a directory the user made, holding a
# decoy; SQLite, reading it as a URI, opened the lake's real catalog.db instead.
mkdir -p "$T/u/work/file:$L"
sqlite3 "$T/u/work/file:$L/catalog.db" "CREATE TABLE grants(principal TEXT); INSERT INTO grants VALUES ('decoy')"
chown -R $U:$U "$T/u/work"
(cd "$T/u/work" && as_user "$T/bin/lake-put" --lake "$L" --from-sqlite "file:$L/catalog.db" --table grants inbox.loot) >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "from_sqlite_uri_decoy: the decoy the user named lands"
lake-crawl --lake "$L" >/dev/null
expect_eq "$(lake-query --lake "$L" --format csv "SELECT group_concat(principal) FROM inbox.loot" | tail -1)" "decoy" \
	"from_sqlite_uri_decoy: its rows, never the lake catalog's grants"
# from_sqlite_symlink: a link to the catalog is refused, not followed with the service group's rights.
ln -s "$L/catalog.db" "$T/u/link.db"
as_user "$T/bin/lake-put" --lake "$L" --from-sqlite "$T/u/link.db" --table grants inbox.loot2 >"$T/out" 2>"$T/err"
rc=$?
expect_rc 77 "from_sqlite_symlink: refused"
expect_err "symbolic link" "from_sqlite_symlink: says why"
# from_sqlite_lake_file: not even an administrator lands the lake's own catalog.
run lake-put --lake "$L" --from-sqlite "$L/catalog.db" --table grants raw.cat
expect_rc 77 "from_sqlite_lake_file: the lake's own catalog is refused"
expect_err "a file of the lake itself" "from_sqlite_lake_file: says why"
# hardened_init_by_user: any user could create a lake through the setgid programs, be its owner
# (so an administrator) with the group's rights, and point its catalog.db at the real one.
as_user "$T/bin/lake-catalog" init "$T/u/mine" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 77 "hardened_init_by_user: only root gives the service group a lake"
expect_err "only root creates a lake" "hardened_init_by_user: says why"
[ ! -e "$T/u/mine/lake.json" ] && ok "hardened_init_by_user: no lake made" || not_ok "hardened_init_by_user: a lake was made"
# hardened_catalog_symlink: a lake of the group whose catalog.db is a link to another lake's.
L2="$T/lake2"
lake-catalog init "$L2" --group $S >/dev/null
rm "$L2/catalog.db" && ln -s "$L/catalog.db" "$L2/catalog.db"
admins_before=$(sqlite3 "$L/catalog.db" "SELECT count(*) || ' admins' FROM principals WHERE is_admin = 1")
as_user "$T/bin/lake-grant" --lake "$L2" admin add "user:$U_PRINCIPAL" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 77 "hardened_catalog_symlink: refused"
expect_err "is a symbolic link" "hardened_catalog_symlink: says why"
expect_eq "$(sqlite3 "$L/catalog.db" "SELECT count(*) || ' admins' FROM principals WHERE is_admin = 1")" "$admins_before" "hardened_catalog_symlink: the real catalog is untouched"
# hardened_data_symlink: data/ itself a link into the real lake.
L3="$T/lake3"
lake-catalog init "$L3" --group $S >/dev/null
rmdir "$L3/data" && ln -s "$L/data" "$L3/data"
as_user "$T/bin/lake-crawl" --lake "$L3" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 77 "hardened_data_symlink: refused"
# hardened_owner_minted: lake.json names someone who does not own the lake directory.
L4="$T/lake4"
lake-catalog init "$L4" --group $S >/dev/null
jq -c ".owner = \"$U_PRINCIPAL\"" "$L4/lake.json" >"$T/lj" && cat "$T/lj" >"$L4/lake.json"
as_user "$T/bin/lake-grant" --lake "$L4" admin add "user:$U_PRINCIPAL" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 77 "hardened_owner_minted: lake.json's word alone makes no administrator"
done_testing
