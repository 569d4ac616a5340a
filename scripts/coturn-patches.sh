#!/bin/sh
# coturn-patches.sh: edit the coturn patch series as git commits.
#
#   scripts/coturn-patches.sh init DIR    coturn's verified tarball, unpacked
#                                         in DIR as a git repository: one
#                                         commit of upstream, then one commit
#                                         per patch of patches/series
#   scripts/coturn-patches.sh export DIR  writes DIR's commits after upstream
#                                         back to patches/ and patches/series
#
# In between, change DIR with ordinary git (commit, rebase -i, am).  The
# exported files carry no commit ids and no patch numbers, so a change to
# one patch shows as a change to that file only.  Run from anywhere; the
# tarball comes from build/dl (make fetches it there).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^AC_SUBST(\[COTURN_VERSION\], \[\(.*\)\])$/\1/p' \
	"$top/configure.ac")
tarball=$top/build/dl/coturn_$version.orig.tar.gz

usage() {
	echo "usage: $0 init DIR | export DIR" >&2
	exit 2
}

[ $# -eq 2 ] || usage
dir=$2

case $1 in
init)
	[ -e "$dir" ] && { echo "$0: $dir exists" >&2; exit 1; }
	sh "$top/scripts/fetch-coturn.sh" "$top/coturn.sha256" "$top/build/dl"
	mkdir -p "$dir"
	tar -C "$dir" --strip-components=1 -xzf "$tarball"
	cd "$dir"
	git init -q
	git add -f -A .
	git -c user.name=upstream -c user.email=upstream@invalid \
		commit -q -m "coturn $version as released"
	git tag upstream
	while read -r p; do
		[ -n "$p" ] || continue
		git am -q --committer-date-is-author-date "$top/patches/$p"
	done <"$top/patches/series"
	git log --oneline upstream..
	;;
export)
	cd "$dir"
	git rev-parse -q --verify upstream >/dev/null ||
		{ echo "$0: $dir has no tag 'upstream'" >&2; exit 1; }
	rm -f "$top"/patches/*.patch
	git format-patch -q --no-numbered --zero-commit --no-signature \
		-o "$top/patches" upstream..
	(cd "$top/patches" && ls -1 ./*.patch | sed 's|^\./||') \
		>"$top/patches/series"
	cat "$top/patches/series"
	;;
*)
	usage
	;;
esac
