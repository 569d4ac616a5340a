# Interop of the RFC 7635 plugin with code that no one here wrote:
# Debian's turnutils_uclient -J (coturn's own oAuth client, with its three
# built-in keys and its 16-byte keying) allocates and relays through the
# patched coturn; tokens minted by Debian's turnutils_oauth -e are accepted;
# tokens from turn-token issue allocate with turn-token probe over UDP and
# TCP with 20- and 32-byte mac_keys.
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
SERVER_NAME=turn.example.net

b64url() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
# The keys of turnutils_uclient -J, as coturn uses them: the first 32
# (A256GCM) or 16 (A128GCM) bytes of its built-in base64 strings.
ISSUER=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
cat >"$T/keys.json" <<JSON
{"keys": [
 {"kty": "oct", "kid": "north", "alg": "A256GCM", "k": "$(b64url 01234567890123456789012345678901)"},
 {"kty": "oct", "kid": "union", "alg": "A128GCM", "k": "$(b64url 1234567890123456)"},
 {"kty": "oct", "kid": "oldempire", "alg": "A256GCM", "k": "$(b64url 12345678901234567890123456789012)"},
 {"kty": "oct", "kid": "issuer-1", "alg": "A256GCM", "k": "$ISSUER"}
]}
JSON
conf() { # conf NAME LEGACY
	printf 'key-set = %s\nlegacy-coturn-keying = %s\nlog-level = debug\n' \
		"$T/keys.json" "$2" >"$T/$1.conf"
}
conf legacy yes
conf strict no

start_peer
make_cert
start_turnserver legacy "$TURNSERVER" --server-name="$SERVER_NAME" \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/legacy.conf" ||
	{ not_ok "turnserver starts with coturn_tpa.so"; finish; }

check "uclient -J relays over UDP (legacy keying on)" \
	uclient_relays "$T/uclient-udp.log" -J -m 4
check "uclient -J relays over TCP (legacy keying on)" \
	uclient_relays "$T/uclient-tcp.log" -J -t -m 4
check "the plugin accepted uclient's tokens with 16-byte keying" \
	grep -Eq "accepted: token [0-9a-f]{16}: kid '(north|union|oldempire)', 16-byte key" "$T/legacy.log"
for kid in north union oldempire; do
	grep -q "kid '$kid'" "$T/legacy.log" && echo "# uclient used kid $kid"
done

# A token minted by Debian's turnutils_oauth -e, presented by our probe.
MAC=$(head -c 200 /dev/urandom | tr -d '\000' | head -c 20 | base64 -w0)
oauth_token() {
	turnutils_oauth -e -i "$SERVER_NAME" -j issuer-1 \
		-k "$(printf '%s' "$ISSUER" | tr '_-' '/+')=" -l 1 \
		-m 4294967295 -n A256GCM -p "$MAC" -r 600 -u HMAC-SHA1 \
		>"$T/oauth-e.out" 2>&1
	sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' "$T/oauth-e.out"
}
OTOKEN=$(oauth_token)
check "turnutils_oauth -e made a token" test -n "$OTOKEN"
# env_probe_port PORT COMMAND...: COMMAND with probe aimed at PORT.
env_probe_port() {
	local PROBE_PORT=$1
	shift
	"$@"
}
probe_ok() {
	local log=$1
	shift
	probe "$@" --peer "127.0.0.1:$PEER_PORT" >"$log" 2>&1 &&
		grep -q '^RELAYED bytes=' "$log"
}
credential "$T/oauth-e.json" username=issuer-1 key="$MAC" access_token="$OTOKEN"
check "a turnutils_oauth -e token allocates and relays" \
	probe_ok "$T/oauth-e.probe" --credential "$T/oauth-e.json"

# turn-token issue -> turn-token probe, both transports, both key sizes.
issue() { # issue NAME MAC-ALG
	"$TURN_TOKEN" issue --keys "$T/keys.json" --kid issuer-1 \
		--server-name "$SERVER_NAME" --lifetime 600 --mac-alg "$2" \
		>"$T/$1.json" || return 1
	TOKEN=$(jq -r .access_token "$T/$1.json")
	KEY=$(jq -r .key "$T/$1.json")
}
SECRETS=("$ISSUER" "$MAC" "$OTOKEN")
for alg in HMAC-SHA1 HMAC-SHA256; do
	for tr in udp tcp; do
		issue "issue-$alg-$tr" "$alg"
		SECRETS+=("$KEY" "$TOKEN")
		check "turn-token issue ($alg) -> probe over $tr allocates and relays" \
			probe_ok "$T/issue-$alg-$tr.probe" --transport "$tr" \
			--credential "$T/issue-$alg-$tr.json"
	done
done
issue issue-tls HMAC-SHA1
check "turn-token issue -> probe over TLS allocates and relays" \
	env_probe_port "$TS_TLS_PORT" probe_ok "$T/issue-tls.probe" \
	--transport tls --insecure --credential "$T/issue-tls.json"
SECRETS+=("$KEY" "$TOKEN")
check "the 32-byte mac_key was used whole" \
	grep -Eq "accepted: token [0-9a-f]{16}: kid 'issuer-1', 32-byte key" "$T/legacy.log"
check "no key, mac_key or whole token in coturn's log" \
	no_secret_in "$T/legacy.log" "${SECRETS[@]}"
stop_pid "$TS_PID"

start_turnserver strict "$TURNSERVER" --server-name="$SERVER_NAME" \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/strict.conf" ||
	{ not_ok "turnserver starts with legacy keying off"; finish; }
check "legacy keying off: uclient -J (16-byte keying) is refused" \
	uclient_fails "$T/uclient-strict.log" -J
check "... and the log says why, and which setting accepts it" \
	log_has "$T/strict.log" "MESSAGE-INTEGRITY is keyed with 16 of the 20 bytes of the mac_key, coturn's legacy keying: legacy-coturn-keying = yes accepts it"
issue strict-issue HMAC-SHA1
check "legacy keying off: an RFC client with the whole 20-byte key allocates" \
	probe_ok "$T/strict.probe" --credential "$T/strict-issue.json"
stop_pid "$TS_PID"

finish
