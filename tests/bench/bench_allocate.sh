#!/bin/bash
# bench_allocate.sh [N]: allocations per second through the patched coturn,
# authorized by RFC 7635 tokens through the plugin, and by a static
# long-term user that the plugin passes to coturn's own mechanism, in the
# same run against the same server; prints both and their ratio.  Loopback
# only; bounded by N rounds per mode (default 1000), three passes each.
set -u
TOP_BUILDDIR=${TOP_BUILDDIR:-$(pwd)}
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP_SRCDIR/tests/lib.sh"

N=${1:-1000}
BENCH=$TOP_BUILDDIR/tests/bench/bench_allocate
PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
SERVER_NAME=turn.example.net

"$TURN_TOKEN" keygen --kid bench --set >"$T/keys.json"
printf 'key-set = %s\nlog-level = warning\n' "$T/keys.json" >"$T/tpa.conf"
start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" \
	--user=alice:alicepw --auth-plugin="$PLUGIN" \
	--auth-plugin-config="$T/tpa.conf" || exit 1
"$TURN_TOKEN" issue --keys "$T/keys.json" --kid bench \
	--server-name "$SERVER_NAME" --lifetime 3600 >"$T/token.json"
KEY=$(jq -r .key "$T/token.json")
TOKEN=$(jq -r .access_token "$T/token.json")

rate() { sed -n 's/.*: \([0-9]*\) per second$/\1/p'; }
best_token=0
best_password=0
for pass in 1 2 3; do
	t=$("$BENCH" "$TS_PORT" "$N" token bench "$KEY" "$TOKEN" | rate)
	p=$("$BENCH" "$TS_PORT" "$N" password alice alicepw | rate)
	[ -n "$t" ] && [ -n "$p" ] || { echo "bench_allocate: a round failed"; exit 1; }
	echo "pass $pass: token $t/s, static user $p/s"
	[ "$t" -gt "$best_token" ] && best_token=$t
	[ "$p" -gt "$best_password" ] && best_password=$p
done
echo "best of 3 x $N allocations (Allocate, 401, Allocate, Refresh 0 on a new socket):"
echo "  RFC 7635 token via the plugin:  $best_token per second"
echo "  static user via coturn itself:  $best_password per second"
awk -v t="$best_token" -v p="$best_password" \
	'BEGIN { printf "  ratio token / static user:       %.2f\n", t / p }'
