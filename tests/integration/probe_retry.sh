# RFC 8656 section 7.4 against the patched coturn: an Allocate answered
# with 437 (Allocation Mismatch) moves to a new client transport address
# and allocates there, and the probe says that it did.  coturn answers 437
# when the 5-tuple still has an allocation: a crashed client's (kept for
# its whole lifetime), or, for about a second, one just deleted with
# Refresh 0 (coturn's refresh_relay_connection turns lifetime 0 into 1).
# The kernel hands such ports to new sockets: the flaky test of issue 6.
. "$TOP_SRCDIR/tests/lib.sh"

start_tpa retry --user=alice:alicepw ||
	{ not_ok "turnserver starts with coturn_tpa.so"; finish; }
credential "$T/alice.json" username=alice password=alicepw

# crashed_on PORT: a probe allocates from client port PORT and is killed
# (SIGKILL) before it can delete the allocation, which coturn keeps.
crashed_on() {
	probe_holding "$T/crashed.out" --credential "$T/token.json" \
		--local-port "$1" --hold 60
	kill -KILL "$HOLD_PID" 2>/dev/null
	wait "$HOLD_PID" 2>/dev/null
	grep -q "^ALLOCATED relayed=[^ ]* mapped=127.0.0.1:$1 " "$T/crashed.out"
}
P=$(free_port)
check "a client allocates from port $P and crashes" crashed_on "$P"

moved_on() { # moved_on LOG ARGS...: allocated after one move
	local log=$1
	shift
	probe --local-port "$P" "$@" >"$T/$log" 2>&1 &&
		grep -q '^ALLOCATED .* mismatch_retries=1 ' "$T/$log" &&
		! grep -q "^ALLOCATED relayed=[^ ]* mapped=127.0.0.1:$P " "$T/$log"
}
check "a new client on that port gets 437, moves, allocates and says so" \
	moved_on token.out --credential "$T/token.json"
json_moved() {
	probe --local-port "$P" --json --credential "$T/alice.json" \
		>"$T/json.out" 2>&1 &&
		grep -q '"result":"ok"' "$T/json.out" &&
		grep -q '"mismatch_retries":1' "$T/json.out"
}
check "the JSON report says so too (static user)" json_moved

# The flaky test's own case: a Refresh 0, then a new client on the same
# port at once.  Whether coturn still holds that 5-tuple by then depends
# on the machine's speed; the new client must allocate either way.
same_port_at_once() {
	local q
	q=$(free_port)
	probe --local-port "$q" --credential "$T/alice.json" >"$T/first.out" 2>&1 &&
		probe --local-port "$q" --credential "$T/alice.json" \
			>"$T/second.out" 2>&1 &&
		grep -q '^ALLOCATED ' "$T/second.out" || return 1
	echo "# $(grep -o 'mismatch_retries=[0-9]' "$T/second.out") for the client right after a Refresh 0 on its port"
}
check "a client on the port of an allocation just deleted allocates" \
	same_port_at_once

finish
