# The documentation agrees with the programs: each program's usage text is
# its man page's SYNOPSIS word for word, --help and --version exit 0, and
# `cmake --install` installs every program with its man page.
. "$(dirname "$0")/lib.sh"
src=${LAKE_SRC:?}

words() { tr -s ' \t\n' '\n' | grep -v '^$' | grep -v '^usage:$' | tr '\n' ' '; }

for prog in lake-put lake-catalog lake-crawl lake-query lake-etl lake-grant; do
	run "$prog" --help
	expect_rc 0 "$prog --help"
	usage=$(sed -n '1,/^$/p' "$T/out" | words)
	synopsis=$(MANWIDTH=200 man -l "$src/man/$prog.1" 2>/dev/null | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | words)
	expect_eq "$usage" "$synopsis" "$prog: usage is the man page's SYNOPSIS"
	run "$prog" --version
	expect_rc 0 "$prog --version"
	grep -q "^$prog (lake) " "$T/out" && ok "$prog --version names itself" || not_ok "$prog --version: $(cat "$T/out")"
done

if command -v cmake >/dev/null; then
	cmake --install "$LAKE_BIN/.." --prefix "$T/inst" >"$T/out" 2>"$T/err"
	rc=$?
	expect_rc 0 "cmake --install"
	for prog in lake-put lake-catalog lake-crawl lake-query lake-etl lake-grant; do
		[ -x "$T/inst/bin/$prog" ] && ok "installs $prog" || not_ok "$prog not installed"
		[ -f "$T/inst/share/man/man1/$prog.1" ] && ok "installs $prog.1" || not_ok "$prog.1 not installed"
	done
	[ ! -e "$T/inst/bin/lake-testtool" ] && ok "the test tool is not installed" || not_ok "lake-testtool installed"
fi

# ARCHITECTURE.md names folders and functions to start reading at: each
# lib/ folder has its row, and every function it names exists.
arch=$src/ARCHITECTURE.md
for dir in "$src"/lib/*/; do
	folder=$(basename "$dir")
	grep -q "| \`$folder/\` |" "$arch" && ok "ARCHITECTURE.md has lib/$folder" ||
		not_ok "ARCHITECTURE.md has no row for lib/$folder"
done
for file in "$src"/lib/*/*.c; do
	module=$(basename "$file" .c)
	grep -q "\`$module\`" "$arch" && ok "ARCHITECTURE.md names lib/$(basename "$(dirname "$file")")/$module" ||
		not_ok "ARCHITECTURE.md does not name the module lib/$(basename "$(dirname "$file")")/$module"
done
for fn in $(grep -o '`[a-z_][a-z0-9_]*`' "$arch" | tr -d '`' | grep _ | sort -u); do
	if grep -rqE "\b$fn\b" "$src/lib" "$src/cmd" "$src/scripts"; then
		ok "ARCHITECTURE.md: $fn exists"
	else
		not_ok "ARCHITECTURE.md names '$fn', which is nowhere in lib/, cmd/ or scripts/"
	fi
done

done_testing
