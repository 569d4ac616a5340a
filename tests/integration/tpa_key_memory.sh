# No copy of a session's mac_key outlives the session in coturn's memory:
# after a token session (a token, then a new token on the same session)
# has ended, neither mac_key is anywhere in the running turnserver, while
# the AS-RS key the plugin must keep is (which shows the scan sees the
# memory the keys went through).  tests/fixtures/mem_find reads every
# readable mapping of the stopped process, as a core dump would hold it.
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
CHECK=$TOP_BUILDDIR/tests/fixtures/session_check
MEM_FIND=$TOP_BUILDDIR/tests/fixtures/mem_find
SERVER_NAME=turn.example.net

"$TURN_TOKEN" keygen --kid k1 >"$T/k1.jwk"
printf '{"keys": [%s]}\n' "$(cat "$T/k1.jwk")" >"$T/keys.json"
printf 'key-set = %s\n' "$T/keys.json" >"$T/tpa.conf"

start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" --verbose \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf" ||
	{ not_ok "turnserver starts with coturn_tpa.so"; finish; }

# hex_of_b64 B64 [BYTES]: the first BYTES (all) bytes of B64, in hex
hex_of_b64() {
	printf '%s' "$1" | base64 -d | head -c "${2:-64}" | od -An -tx1 |
		tr -d ' \n'
}

for t in t1 t2; do
	"$TURN_TOKEN" issue --keys "$T/keys.json" --kid k1 \
		--server-name "$SERVER_NAME" --lifetime 600 >"$T/$t.json" ||
		not_ok "turn-token issues a token"
done
MAC1=$(jq -r .key "$T/t1.json")
MAC2=$(jq -r .key "$T/t2.json")
TOKEN1=$(jq -r .access_token "$T/t1.json")
TOKEN2=$(jq -r .access_token "$T/t2.json")
# the AS-RS key, base64url in the key set
ASRS=$(jq -r '.keys[0].k' "$T/keys.json" | tr -- '-_' '+/')
while [ $((${#ASRS} % 4)) -ne 0 ]; do ASRS="$ASRS="; done

timeout 60 "$CHECK" "$TS_PORT" k1 "$MAC1" "$TOKEN1" steps \
	"new-token:refresh:k1:$MAC2:$TOKEN2" \
	"permission:perm:k1:$MAC2:" \
	"delete:delete:k1:$MAC2:" >"$T/session.out" 2>&1
sed 's/^/# /' "$T/session.out"
check "a token session, with a new token on it, ran and was deleted" \
	eval "grep -q '^new-token ok ' '$T/session.out' &&
		grep -q '^delete ok deleted' '$T/session.out'"

# session_closed: coturn has logged the end of the session
session_closed() {
	grep -q 'closed (2nd stage), user <k1>' "$T/ts.log"
}
wait_closed() {
	local i
	for i in $(seq 100); do
		session_closed && return 0
		sleep 0.1
	done
	return 1
}
check "coturn closed the session" wait_closed

# bounded; a scan cut short must not leave the server stopped
timeout 300 "$MEM_FIND" "$TS_PID" "$(hex_of_b64 "$MAC1" 16)" \
	"$(hex_of_b64 "$MAC2" 16)" "$(hex_of_b64 "$ASRS")" >"$T/scan.out" 2>&1
echo "# mem_find exit status $?"
kill -CONT "$TS_PID" 2>/dev/null
sed 's/^/# /' "$T/scan.out"
check "the scan read the turnserver's memory and found the AS-RS key there" \
	eval "grep -Eq '^needle 3: [1-9][0-9]* hits' '$T/scan.out' &&
		grep -Eq '^scanned [1-9][0-9]* bytes' '$T/scan.out'"
check "the first mac_key is nowhere in the turnserver's memory" \
	grep -q '^needle 1: 0 hits' "$T/scan.out"
check "the second mac_key is nowhere in the turnserver's memory" \
	grep -q '^needle 2: 0 hits' "$T/scan.out"
finish
