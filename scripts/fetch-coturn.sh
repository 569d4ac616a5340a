#!/bin/sh
# fetch-coturn.sh SUMFILE DESTDIR
#
# Puts coturn's upstream tarball, named in SUMFILE with its SHA-256, into
# DESTDIR.  It comes from Debian's source package through apt, with deb-src
# entries derived from this machine's own Debian sources, in a private apt
# state directory (the system's apt configuration is left alone).  A tarball
# whose checksum differs is refused and removed.
set -eu

sumfile=$1
dest=$2
expected=$(awk 'NR == 1 { print $1 }' "$sumfile")
name=$(awk 'NR == 1 { print $2 }' "$sumfile")

verify() {
	actual=$(sha256sum "$1" | awk '{ print $1 }')
	if [ "$actual" != "$expected" ]; then
		echo "fetch-coturn: $1: SHA-256 $actual, expected $expected" >&2
		return 1
	fi
}

mkdir -p "$dest"
if [ -f "$dest/$name" ] && verify "$dest/$name"; then
	exit 0
fi
rm -f "$dest/$name"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial" \
	"$work/dl"
: >"$work/empty.list"
chmod -R a+rX "$work"

# deb822 stanzas and one-line entries of Debian archives, as deb-src.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	awk 'BEGIN { RS = ""; ORS = "\n\n" }
	     /URIs:[^\n]*debian/ { sub(/Types:[^\n]*/, "Types: deb-src"); print }' \
		"$f" >"$work/parts/$(basename "$f")"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[[:space:]]*deb[[:space:]]\(.*debian.*\)/deb-src \1/p' "$f" \
		>"$work/parts/src-$(basename "$f")"
done

apt_private() {
	apt-get -q -o Dir::Etc::SourceList="$work/empty.list" \
		-o Dir::Etc::SourceParts="$work/parts" \
		-o Dir::State::Lists="$work/lists" \
		-o Dir::Cache="$work/cache" "$@"
}

apt_private update >"$work/update.log" 2>&1 || {
	cat "$work/update.log" >&2
	echo "fetch-coturn: apt-get update of the source indexes failed" >&2
	exit 1
}
# Exits non-zero when Debian's packaging tarball is missing from the
# mirror; the upstream tarball is all we need, so judge by the file.
(cd "$work/dl" && apt_private source --download-only coturn) \
	>"$work/source.log" 2>&1 || true
if [ ! -f "$work/dl/$name" ]; then
	cat "$work/source.log" >&2
	echo "fetch-coturn: apt did not fetch $name" >&2
	exit 1
fi
verify "$work/dl/$name"
mv "$work/dl/$name" "$dest/$name"
echo "fetch-coturn: $dest/$name verified"
