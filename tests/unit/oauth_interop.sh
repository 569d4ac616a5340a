#!/bin/sh
# Interop: tokens made by our encoder must be read by coturn's own decoder.
# Usage: tests/unit/oauth_interop.sh PATH/TO/test_token
# Needs turnutils_oauth (Debian package coturn); exits 77 (skip) without it.
# The other direction (coturn's tokens read by us, and our encoder making
# the same bytes) is in test_token with tests/data/oauth_vectors.txt.
set -eu

bin=${1:?usage: $0 PATH/TO/test_token}
if ! command -v turnutils_oauth >/dev/null 2>&1; then
	echo "turnutils_oauth not found: skipped"
	exit 77
fi

pass=0
fail=0
tokens=$("$bin" --emit)
test -n "$tokens"
while read -r alg key sn tok mac ts lt; do
	out=$(turnutils_oauth -v -d -i "$sn" -j interop -k "$key" -l 1 \
		-m 4294967295 -n "$alg" -t "$tok" 2>&1) || true
	maclen=$(printf '%s' "$mac" | base64 -d | wc -c)
	# -v prints the raw mac key bytes; ours are printable ASCII.
	macraw=$(printf '%s' "$mac" | base64 -d)
	if printf '%s\n' "$out" | grep -q 'Valid token' &&
		printf '%s\n' "$out" | grep -qF "mac key: $macraw" &&
		printf '%s\n' "$out" | grep -q "mac key length: $maclen\$" &&
		printf '%s\n' "$out" | grep -q "unixtime: $((ts >> 16)) " &&
		printf '%s\n' "$out" | grep -q "lifetime: $lt\$"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $alg mac=$maclen bytes: turnutils_oauth said:" >&2
		printf '%s\n' "$out" >&2
	fi
done <<EOT
$tokens
EOT
echo "$pass passed, $fail failed"
test "$fail" -eq 0 && test "$pass" -eq 4
