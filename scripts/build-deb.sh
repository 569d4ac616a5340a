#!/bin/sh
# build-deb.sh SRCDIR OUTDIR TARBALL
#
# Builds the Debian binary packages of debian/ with dpkg-buildpackage from
# a copy of the source tree (the files git tracks or would track, as they
# are in the work tree now: never build products), so the build tree is
# left alone.  coturn's verified TARBALL is copied in, so nothing is
# downloaded.  Then lintian checks the result; any tag that is not
# overridden (with its reason) in debian/*.lintian-overrides fails.
# The packages, .buildinfo and .changes end up in OUTDIR, with
# lintian.log.
set -eu

src=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
upstream=${version%-*}
tree=$out/coturn-tpa-$upstream

for tool in dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null || {
		echo "build-deb: $tool is missing (scripts/install-deps.sh installs it)" >&2
		exit 1
	}
done
git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1 || {
	echo "build-deb: $src is not a git work tree; the copy is made from git's file list" >&2
	exit 1
}

rm -rf "$tree" "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mkdir -p "$tree/build/dl"
# tracked and untracked-but-not-ignored files, as they are now
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf -) | tar -C "$tree" -xf -
cp "$3" "$tree/build/dl/"

echo "build-deb: building in $tree (log: $out/build.log)"
start=$(date +%s)
(cd "$tree" &&
	DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" \
		dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1) || {
	tail -40 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed" >&2
	exit 1
}
ls "$out"/*.deb
echo "build-deb: built in $(($(date +%s) - start)) s"
start=$(date +%s)

# lintian: every tag, pedantic included, unless overridden with a reason
changes=$(ls "$out"/*.changes)
lintian --info --display-info --pedantic --fail-on error,warning,info,pedantic \
	"$changes" >"$out/lintian.log" 2>&1 && rc=0 || rc=$?
cat "$out/lintian.log"
echo "build-deb: lintian ran in $(($(date +%s) - start)) s"
if [ "$rc" -ne 0 ]; then
	echo "build-deb: lintian found tags (exit status $rc)" >&2
	exit 1
fi
echo "build-deb: lintian clean"
