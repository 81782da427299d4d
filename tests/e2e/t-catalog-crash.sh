#!/bin/bash
# t-catalog-crash.sh - lake-catalog rename and drop survive SIGKILL at every
# crash point (store/table_move.h: intent written, directory moved, catalog
# changed, committed, settled).
#
# For each point N, a fresh copy of one lake (raw.events: 20000 rows in 5
# partitions over 2 versions, grants to alice and bob) is renamed to
# arch.moved, or dropped, with LAKE_FAULT_KILL_AT=N, and then:
#   (a) the catalog as the kill left it (read with sqlite3, before any lake
#       program runs) names the table once, and nothing later changes that:
#       the commit decides;
#   (b) a reader killed while it settles the move (settling must survive a
#       crash too), then readers: every row, read from the files, under
#       that name, and the old name's data directory gone after a rename;
#   (c) the grants are listed under that name and none under the other, and
#       `history` is the one the table had;
#   (d) lake-crawl finds nothing to register, create or remove (the bug:
#       a crawl after a crash emptied the table and made a new one);
#   (e) `lake-catalog check` is clean, tmp/ is empty, and data/ holds files
#       only under the table's name.
# A dropped table is instead wholly gone: no rows, grants or files left.
# Both outcomes must occur (kills before and after the commit).  Last: an
# intent that cannot be settled when the lake is opened (the catalog
# busy) is reported by check; a live process's intent is left alone by
# readers, check and vacuum, and settled once that process is gone.
. "$(dirname "$0")/lib.sh"

P=$T/pristine
L=$T/lake
new_lake "$P"
"$TESTTOOL" gen-events 20000 5 >"$T/all.ndjson"
sed -n '1,12000p' "$T/all.ndjson" >"$T/b1"
sed -n '12001,20000p' "$T/all.ndjson" >"$T/b2"
lake-put --lake "$P" raw.events --partition-by kind=kind "$T/b1" >/dev/null &&
	lake-put --lake "$P" raw.events --partition-by kind=kind "$T/b2" >/dev/null &&
	lake-crawl --lake "$P" >/dev/null &&
	lake-grant --lake "$P" grant SELECT ON raw.events TO alice --exclude-columns page >/dev/null &&
	lake-grant --lake "$P" grant SELECT ON raw.events TO bob >/dev/null ||
	{
		not_ok "cannot build the lake"
		done_testing
	}

# rows LAKE DB.T: what a full read of the table finds (count(*) alone might be
# answered from the catalog; the sums need every file).
rows() {
	lake-query --lake "$1" --format csv \
		"SELECT count(*), count(DISTINCT id), sum(duration_ms) FROM $2" 2>"$T/rows.err" | tail -n 1
}
# grants LAKE DB.T: the table's grants, without the table's name.
grants() {
	lake-grant --lake "$1" list >"$T/grants.json" 2>/dev/null
	jq -c --arg t "$2" 'select(.database + "." + .table == $t) | del(.database, .table)' \
		"$T/grants.json" | sort
}
# names LAKE: the tables the catalog holds, asked of SQLite, not of a lake program.
names() {
	sql "$1" "SELECT d.name || '.' || t.name FROM tables t JOIN databases d ON d.id = t.database_id ORDER BY 1" |
		tr '\n' ' '
}
# Run a program with LAKE_FAULT_KILL_AT=$1: $rc, $T/out, $T/err.  The subshell
# keeps bash's report of the killed job out of the log.
killed_run() {
	(LAKE_FAULT_KILL_AT=$1 "${@:2}" >"$T/out" 2>"$T/err"; exit $?) 2>/dev/null
	rc=$?
}
reset() { rm -rf "$L" && cp -a "$P" "$L"; }

want_rows=$(rows "$P" raw.events)
expect_eq "$want_rows" "20000,20000,$(jq -s 'map(.duration_ms) | add' "$T/all.ndjson")" \
	"the lake holds the 20000 rows"
grants "$P" raw.events >"$T/grants.want"
expect_lines "$T/grants.want" 2 "two grants on raw.events"
lake-catalog --lake "$P" history raw.events >"$T/history.want"
expect_eq "$(jq -r .operation "$T/history.want" | tr '\n' ' ')" "create put put crawl " \
	"raw.events has a history of 4 versions"

bad=0
problem() {
	bad=$((bad + 1))
	echo "    $label: $*"
}
settling_killed=0

# After a kill: (a) to (e) for the table that the catalog holds, if any.
verify() {
	local decided name other
	decided=$(names "$L")
	# (b) settling killed: a reader that finds an intent is killed in settling it.
	intents=$(find "$L/tmp" -name 'move-*' | wc -l)
	killed_run 1 lake-query --lake "$L" "SELECT 1"
	if [ "$intents" -gt 0 ]; then
		[ "$rc" -eq 137 ] && settling_killed=$((settling_killed + 1)) ||
			problem "a reader finding an intent was not killed while settling it (exit $rc)"
	fi
	name=${decided% }
	case "$name" in
	raw.events) other=arch.moved ;;
	arch.moved) other=raw.events ;;
	"") other=raw.events ;;
	*) problem "the catalog holds '$decided'" && return ;;
	esac
	if [ -n "$name" ]; then
		got=$(rows "$L" "$name")
		[ "$got" = "$want_rows" ] || problem "$name reads '$got', expected '$want_rows': $(head -1 "$T/rows.err")"
		grants "$L" "$name" | sed "s/$/ /" >"$T/grants.got"
		sed "s/$/ /" "$T/grants.want" | cmp -s - "$T/grants.got" || problem "grants on $name: $(cat "$T/grants.got")"
		lake-catalog --lake "$L" history "$name" >"$T/history.got" 2>&1
		cmp -s "$T/history.want" "$T/history.got" || problem "history of $name differs: $(head -2 "$T/history.got")"
	else
		run lake-catalog --lake "$L" show raw.events
		[ "$rc" -eq 66 ] || problem "show raw.events after the drop: exit $rc"
		left=$(sql "$L" "SELECT (SELECT count(*) FROM files) + (SELECT count(*) FROM partitions) + (SELECT count(*) FROM table_versions)")
		[ "$left" = 0 ] || problem "$left catalog rows left after the drop"
	fi
	[ -z "$(grants "$L" "$other")" ] || problem "grants left on $other"
	# (d)
	run lake-crawl --lake "$L"
	[ "$rc" -eq 0 ] && [ ! -s "$T/out" ] || problem "lake-crawl (exit $rc) found: $(head -2 "$T/out")"
	# (e)
	run lake-catalog --lake "$L" check
	[ "$rc" -eq 0 ] && [ ! -s "$T/out" ] || problem "check (exit $rc): $(head -2 "$T/out")"
	[ -z "$(ls -A "$L/tmp")" ] || problem "left in tmp/: $(ls -A "$L/tmp" | tr '\n' ' ')"
	where=$(cd "$L" && find data -type f | cut -d/ -f1-3 | sort -u | tr '\n' ' ')
	want_where=$([ -n "$name" ] && echo "data/${name%.*}/${name#*.} ")
	[ "$where" = "$want_where" ] || problem "data files under '$where', expected '$want_where'"
	# (a)
	[ "$(names "$L")" = "$decided" ] || problem "the catalog said '$decided' after the kill, now '$(names "$L")'"
	echo "# $label: ${name:-dropped}"
	outcome="$outcome ${name:-dropped}"
}

# walk OP ARGS...: kill OP at point 1, 2, ... until it runs to the end.
walk() {
	local op=$1
	shift
	n=1
	outcome=""
	while [ "$n" -le 30 ]; do
		reset
		killed_run "$n" lake-catalog --lake "$L" "$op" "$@"
		label="$op killed at point $n"
		[ "$rc" -eq 0 ] && break
		if [ "$rc" -ne 137 ]; then
			problem "exit $rc: $(head -1 "$T/err")"
			break
		fi
		verify
		n=$((n + 1))
	done
	label="$op run to the end"
	verify
	echo "# $op: $((n - 1)) crash points;$outcome"
}

walk rename raw.events arch.moved
expect_eq "$bad" 0 "rename: after a kill at any point, the table is wholly under one name"
case "$outcome" in
*raw.events*arch.moved*arch.moved) ok "rename: kills before the commit keep the old name, after it the new" ;;
*) not_ok "rename: outcomes '$outcome' do not show both sides of the commit" ;;
esac
[ "$n" -ge 6 ] && ok "rename: $((n - 1)) crash points walked" || not_ok "rename: only $((n - 1)) crash points"

bad=0
walk drop raw.events --yes
expect_eq "$bad" 0 "drop: after a kill at any point, the table is whole or wholly gone"
case "$outcome" in
*raw.events*dropped*dropped) ok "drop: kills before the commit keep the table, after it it is gone" ;;
*) not_ok "drop: outcomes '$outcome' do not show both sides of the commit" ;;
esac
[ "$n" -ge 6 ] && ok "drop: $((n - 1)) crash points walked" || not_ok "drop: only $((n - 1)) crash points"
[ "$settling_killed" -ge 8 ] && ok "$settling_killed readers were killed while settling, and the next settled" ||
	not_ok "only $settling_killed readers killed while settling"

# ---- an intent that cannot be settled when the lake is opened ----
reset
killed_run 2 lake-catalog --lake "$L" rename raw.events arch.moved
expect_rc 137 "a rename killed with its directory moved"
coproc HOLD { "$TESTTOOL" hold-lock "$L"; }
read -r -t 30 -u "${HOLD[0]}" line
expect_eq "$line" locked "another program holds the catalog's write lock"
LAKE_BUSY_TIMEOUT_MS=0 run lake-catalog --lake "$L" check
expect_rc 65 "check, unable to settle the move, reports it"
jq -r 'select(.problem == "unfinished-move") | .detail' "$T/out" >"$T/moves"
expect_eq "$(sed 's/ by pid .*//' "$T/moves")" "the rename of 'data/raw/events' to 'data/arch/moved'" \
	"as an unfinished move, the rename named (beside the files it leaves missing)"
exec {HOLD[1]}>&-
wait "$HOLD_PID"
run lake-catalog --lake "$L" check --repair
expect_rc 0 "once the lock is free, the move is settled and check is clean"
expect_eq "$(rows "$L" raw.events)" "$want_rows" "the table reads whole under its old name"

# ---- a live process's intent ----
reset
killed_run 1 lake-catalog --lake "$L" rename raw.events arch.moved
expect_rc 137 "a rename killed with its intent written"
intent=$(cd "$L/tmp" && find . -name 'move-*' | cut -c3-)
[ -n "$intent" ] || {
	not_ok "no intent was left in tmp/"
	done_testing
}
# The intent made over to a process that runs until its stdin ends.
coproc LIVE { cat; }
live_intent=move-$LIVE_PID-${intent##*-}
mv "$L/tmp/$intent" "$L/tmp/$live_intent"
touch -d '2 hours ago' "$L/tmp/$live_intent"
expect_eq "$(rows "$L" raw.events)" "$want_rows" "a reader reads on while a live process's move is under way"
run lake-catalog --lake "$L" vacuum --older-than 0
expect_rc 0 "vacuum"
[ -f "$L/tmp/$live_intent" ] && ok "vacuum keeps a live process's intent, however old" ||
	not_ok "vacuum removed a live intent"
run lake-catalog --lake "$L" check --repair --older-than 0
expect_rc 0 "check --repair neither reports nor removes it"
[ -f "$L/tmp/$live_intent" ] && ok "the intent is still there" || not_ok "check removed a live intent"
exec {LIVE[1]}>&-
wait "$LIVE_PID"
run lake-catalog --lake "$L" tables
[ ! -e "$L/tmp/$live_intent" ] && ok "once its process is gone, the next program settles it" ||
	not_ok "the intent of an ended process was left"
expect_eq "$(names "$L")" "raw.events " "the table kept its name"

done_testing
