#!/bin/bash
# make demo: RFC 7635 third-party authorization end to end, on loopback.
#
# An issuer makes a key set and mints a token with turn-token; the patched
# coturn, with the coturn-tpa plugin, decrypts and checks it; turn-token
# probe and Debian's turnutils_uclient -J allocate and relay through it;
# an expired token is refused.  Everything started here is stopped at the
# end.  Secrets are shown only as lengths.
set -u
TOP_BUILDDIR=${TOP_BUILDDIR:-$(pwd)}
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export TOP_BUILDDIR TOP_SRCDIR
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
SERVER_NAME=turn.example.net
OUTCOMES=()

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
outcome() { # outcome PASS|FAIL TEXT
	OUTCOMES+=("$1  $2")
	echo "   => $1: $2"
	[ "$1" = PASS ] || FAILED=$((FAILED + 1))
}
b64url() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }

say "1. The issuer makes a key set (turn-token keygen)"
"$TURN_TOKEN" keygen --kid demo-2026-11 >"$T/demo.jwk"
# turnutils_uclient -J has three built-in keys; the set holds them too.
cat >"$T/keys.json" <<JSON
{"keys": [
 $(cat "$T/demo.jwk"),
 {"kty": "oct", "kid": "north", "alg": "A256GCM", "k": "$(b64url 01234567890123456789012345678901)"},
 {"kty": "oct", "kid": "union", "alg": "A128GCM", "k": "$(b64url 1234567890123456)"},
 {"kty": "oct", "kid": "oldempire", "alg": "A256GCM", "k": "$(b64url 12345678901234567890123456789012)"}
]}
JSON
jq -c '.keys[] | {kid, alg, k: "(\(.k | length) base64url chars)"}' \
	"$T/keys.json" | sed 's/^/   /'

say "2. coturn starts with auth-plugin=coturn_tpa.so"
cat >"$T/coturn-tpa.conf" <<CONF
key-set = $T/keys.json
clock-skew = 5
legacy-coturn-keying = yes
log-level = debug
CONF
start_peer
start_turnserver turnserver "$TURNSERVER" --server-name="$SERVER_NAME" \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/coturn-tpa.conf" ||
	exit 1
grep -E "Auth plugin|coturn-tpa: ready" "$T/turnserver.log" |
	sed 's/^[0-9]*: : /   turnserver: /'
echo "   TURN on 127.0.0.1:$TS_PORT (UDP and TCP), echo peer on 127.0.0.1:$PEER_PORT"

say "3. The issuer mints a token (turn-token issue), RFC 7635 section 4 response"
"$TURN_TOKEN" issue --keys "$T/keys.json" --kid demo-2026-11 \
	--server-name "$SERVER_NAME" --lifetime 600 >"$T/token.json"
jq '.access_token |= "\(.[0:12])... (\(length) chars)" |
    .key |= "(mac_key, \(length) base64 chars, hidden)"' "$T/token.json" |
	sed 's/^/   /'

say "4. An RFC 7635 client (turn-token probe) allocates and relays over UDP"
echo "   (the response file is probe's --credential: no secret in its arguments)"
probe --credential "$T/token.json" --peer "127.0.0.1:$PEER_PORT" |
	tee "$T/probe-udp.out" | sed 's/^/   probe: /'
if grep -q '^RELAYED' "$T/probe-udp.out"; then
	outcome PASS "token accepted, relayed over UDP"
else
	outcome FAIL "probe over UDP"
fi

say "5. The same over TCP with a 32-byte mac_key (HMAC-SHA256 token)"
"$TURN_TOKEN" issue --keys "$T/keys.json" --kid demo-2026-11 \
	--server-name "$SERVER_NAME" --mac-alg HMAC-SHA256 >"$T/token32.json"
echo "   (this time the credential comes on standard input: --credential -)"
probe --transport tcp --credential - --peer "127.0.0.1:$PEER_PORT" \
	<"$T/token32.json" | tee "$T/probe-tcp.out" | sed 's/^/   probe: /'
if grep -q '^RELAYED' "$T/probe-tcp.out"; then
	outcome PASS "32-byte mac_key used whole, relayed over TCP"
else
	outcome FAIL "probe over TCP"
fi

say "6. Debian's turnutils_uclient -J (coturn's own oAuth client)"
if uclient_relays "$T/uclient.log" -J; then
	grep -E "tot_send_msgs=[0-9]+, tot_recv_msgs|Total lost" "$T/uclient.log" |
		tail -2 | sed 's/^[0-9]*: : /   uclient: /'
	outcome PASS "turnutils_uclient -J allocated and relayed"
else
	outcome FAIL "turnutils_uclient -J (see $T/uclient.log)"
fi

say "7. An expired token is refused"
"$TURN_TOKEN" issue --keys "$T/keys.json" --kid demo-2026-11 \
	--server-name "$SERVER_NAME" --lifetime 600 \
	--timestamp $(($(date +%s) - 3600)) >"$T/old.json"
probe --credential "$T/old.json" |
	tee "$T/probe-old.out" | sed 's/^/   probe: /'
grep -m1 "token expired" "$T/turnserver.log" | sed 's/^[0-9]*: : /   turnserver: /'
jq -r .access_token "$T/old.json" |
	"$TURN_TOKEN" inspect --keys "$T/keys.json" \
		--server-name "$SERVER_NAME" - | grep verdict | sed 's/^/   inspect: /'
if grep -q '^ERROR code=401' "$T/probe-old.out" &&
	grep -q "token expired" "$T/turnserver.log"; then
	outcome PASS "expired token refused with 401, reason logged"
else
	outcome FAIL "expired token was not refused"
fi

say "Outcomes"
printf '   %s\n' "${OUTCOMES[@]}"
echo "   Logs are in $T"
[ "$FAILED" -eq 0 ]
