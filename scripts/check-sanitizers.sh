#!/bin/sh
# check-sanitizers.sh SRCDIR OUTDIR TARBALL
#
# make check-sanitizers: the whole of make check under AddressSanitizer and
# UndefinedBehaviorSanitizer.  The source tree (the files git tracks or
# would track, as they are in the work tree now) is copied to OUTDIR/tree,
# configured there with --enable-sanitizers and built, coturn included
# from its verified TARBALL (copied in, nothing is downloaded); then
# tests/run-tests.sh runs in that tree, where every sanitizer report fails
# the test that caused it.  The normal build is left alone.  A later run
# copies only what changed (modification times are kept), so it rebuilds
# only that.
set -eu

src=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
tree=$out/tree

git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1 || {
	echo "check-sanitizers: $src is not a git work tree; the copy is made from git's file list" >&2
	exit 1
}

# the files of the tree, as they are now; a file gone since the last copy
# goes from the copy too
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) \
	>"$out/files.new"
mkdir -p "$tree/build/dl"
if [ -f "$out/files" ]; then
	tr '\0' '\n' <"$out/files" | sort >"$out/files.old.txt"
	tr '\0' '\n' <"$out/files.new" | sort >"$out/files.new.txt"
	comm -23 "$out/files.old.txt" "$out/files.new.txt" |
		while IFS= read -r f; do rm -f "$tree/$f"; done
	rm -f "$out/files.old.txt" "$out/files.new.txt"
fi
# tar keeps modification times: make rebuilds only what changed
(cd "$src" && tar --null -T "$out/files.new" -cf -) | tar -C "$tree" -xf -
mv "$out/files.new" "$out/files"
cmp -s "$3" "$tree/build/dl/$(basename "$3")" || cp -p "$3" "$tree/build/dl/"
# the browser tests' npm packages, installed once in the source tree
if [ -d "$src/tests/browser/node_modules" ] &&
	[ ! -e "$tree/tests/browser/node_modules" ]; then
	ln -s "$src/tests/browser/node_modules" "$tree/tests/browser/node_modules"
fi

# clang, not gcc: with gcc's separate libubsan, UBSan's reports ignore
# log_path and go to whatever stderr the program has (often a test's
# /dev/null); clang's UBSan writes them where ASan's go.  The fuzzers
# need clang anyway.
cd "$tree"
[ -x configure ] || { mkdir -p m4 && autoreconf -fi >"$out/autoreconf.log" 2>&1; } || {
	cat "$out/autoreconf.log" >&2
	exit 1
}
want="'--enable-sanitizers' 'CC=clang'"
if [ ! -f Makefile ] || [ "$(./config.status --config)" != "$want" ]; then
	[ ! -f Makefile ] || make -f Makefile clean >/dev/null 2>&1
	./configure --enable-sanitizers CC=clang >"$out/configure.log" 2>&1 || {
		tail -20 "$out/configure.log" >&2
		exit 1
	}
fi
grep -q -- '-fsanitize=address' Makefile || {
	echo "check-sanitizers: $tree is not configured with --enable-sanitizers" >&2
	exit 1
}
echo "check-sanitizers: building in $tree"
start=$(date +%s)
make -f Makefile -j"$(nproc)" all >"$out/build.log" 2>&1 || {
	tail -40 "$out/build.log" >&2
	echo "check-sanitizers: the build failed (log: $out/build.log)" >&2
	exit 1
}
echo "check-sanitizers: built in $(($(date +%s) - start)) s"
start=$(date +%s)
rc=0
make -f Makefile check || rc=$?
echo "check-sanitizers: tests ran in $(($(date +%s) - start)) s"
exit "$rc"
