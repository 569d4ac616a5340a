#!/bin/bash
# make demo: the patched coturn with an auth plugin, end to end, on
# loopback.  Starts turnserver with the test plugin, relays through it with
# Debian's turnutils_uclient, shows a refused user, prints what happened and
# stops everything it started.
set -u
TOP_BUILDDIR=${TOP_BUILDDIR:-$(pwd)}
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export TOP_BUILDDIR TOP_SRCDIR
. "$TOP_SRCDIR/tests/lib.sh"

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

cat >"$T/plugin.conf" <<CONF
record $T/plugin-calls.log
user alice password wonderland
user bob reject bob's access was withdrawn
CONF

say "1. Starting the patched turnserver with auth-plugin=$(basename "$TEST_PLUGIN")"
start_peer
start_turnserver turnserver "$TURNSERVER" \
	--auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/plugin.conf" ||
	exit 1
grep -E "auth-plugin|Auth plugin|auth plugin" "$T/turnserver.log" | sed 's/^/   turnserver: /'
echo "   listening on 127.0.0.1:$TS_PORT, echo peer on 127.0.0.1:$PEER_PORT"

say "2. alice (the plugin ACCEPTs her): turnutils_uclient allocates and relays"
if uclient_relays "$T/alice.log" -u alice -w wonderland; then
	grep -E "tot_send_msgs=[0-9]+, tot_recv_msgs|Total lost" "$T/alice.log" |
		tail -2 | sed 's/^[0-9]*: : /   uclient: /'
	echo "   => RELAYED: every message came back through the relay"
else
	echo "   => FAILED (see $T/alice.log)"
	FAILED=1
fi

say "3. bob (the plugin REJECTs him): the allocation is refused"
if uclient_fails "$T/bob.log" -u bob -w anything; then
	echo "   => REFUSED with 401, as expected"
	grep -m1 "auth plugin rejected" "$T/turnserver.log" | sed 's/^[0-9]*: : /   turnserver: /'
else
	echo "   => NOT REFUSED (see $T/bob.log)"
	FAILED=1
fi

say "4. What the plugin was told (its record of calls)"
sort -u "$T/plugin-calls.log" | sed 's/ msglen=[0-9]*//; s/^/   /' | head -12

say "Logs are in $T"
[ "${FAILED:-0}" = 0 ]
