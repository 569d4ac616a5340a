#!/bin/bash
# bench_allocate.sh [N]: allocations per second through the patched coturn,
# authorized by RFC 7635 tokens through the plugin, and by a static
# long-term user that the plugin passes to coturn's own mechanism, in the
# same run against the same server; prints both, their ratio, and how many
# rounds had to move to a new client address after a 437 (RFC 8656 7.4).
# Loopback only; bounded by N rounds per mode (default 1000), three passes
# each.  Credentials reach bench_allocate in files, never in its arguments.
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
# thousands of allocations a second, each relay port held a moment after
# its allocation went: the whole relay space of tests/lib.sh
TS_RELAY_PORTS=8000 start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" \
	--user=alice:alicepw --auth-plugin="$PLUGIN" \
	--auth-plugin-config="$T/tpa.conf" || exit 1
"$TURN_TOKEN" issue --keys "$T/keys.json" --kid bench \
	--server-name "$SERVER_NAME" --lifetime 3600 >"$T/token.json"
credential "$T/alice.json" username=alice password=alicepw

# run MODE CREDFILE: one pass; sets RATE and adds to MOVED and ROUNDS.
MOVED=0
ROUNDS=0
run() {
	local out
	out=$("$BENCH" "$TS_PORT" "$N" "$2") || return 1
	RATE=$(sed -n 's/.*: \([0-9]*\) per second;.*/\1/p' <<<"$out")
	MOVED=$((MOVED + $(sed -n 's/.*; \([0-9]*\) rounds moved.*/\1/p' <<<"$out")))
	ROUNDS=$((ROUNDS + N))
	[ -n "$RATE" ]
}
best_token=0
best_password=0
for pass in 1 2 3; do
	run token "$T/token.json" && t=$RATE &&
		run password "$T/alice.json" && p=$RATE ||
		{ echo "bench_allocate: a round failed"; exit 1; }
	echo "pass $pass: token $t/s, static user $p/s"
	[ "$t" -gt "$best_token" ] && best_token=$t
	[ "$p" -gt "$best_password" ] && best_password=$p
done
echo "best of 3 x $N allocations (Allocate, 401, Allocate, Refresh 0 on a new socket):"
echo "  RFC 7635 token via the plugin:  $best_token per second"
echo "  static user via coturn itself:  $best_password per second"
awk -v t="$best_token" -v p="$best_password" \
	'BEGIN { printf "  ratio token / static user:       %.2f\n", t / p }'
echo "  rounds that moved to a new client address after 437: $MOVED of $ROUNDS"
