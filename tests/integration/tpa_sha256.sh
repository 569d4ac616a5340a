# RFC 7635 HMAC-SHA-256-128 through the patched coturn and the plugin: a
# client that sends MESSAGE-INTEGRITY-SHA256 (RFC 8489; turn-token probe
# --integrity, whole or truncated to 16 bytes) allocates with a 32-byte
# mac_key, relays, refreshes, and gets responses signed the same way, which
# it checks.  MESSAGE-INTEGRITY with the whole 32 bytes still works; a
# 20-byte (HMAC-SHA-1) token, a wrong key and the browser profile's
# long-term credential are refused with MESSAGE-INTEGRITY-SHA256, with a
# reason.  Without a plugin the patched coturn answers such a request as
# Debian's coturn does.
. "$TOP_SRCDIR/tests/lib.sh"

# probe_to NAME PATTERN ARGS...: the probe's output ($T/NAME.out) has a line
# matching PATTERN (grep -E).
probe_to() {
	local name=$1 pattern=$2
	shift 2
	probe "$@" >"$T/$name.out" 2>&1
	grep -Eq -- "$pattern" "$T/$name.out" || {
		echo "# $name: $(tr '\n' ' ' <"$T/$name.out")"
		return 1
	}
}

# logged REASON: the plugin's refusal REASON is in coturn's log (10 s).
logged() {
	local i
	for i in $(seq 100); do
		grep -Eq "auth plugin rejected: token [0-9a-f]{16}: $1" "$T/ts.log" &&
			return 0
		sleep 0.1
	done
	echo "# no '$1' in the log"
	return 1
}

start_peer
start_tpa k1 || { not_ok "turnserver starts with coturn_tpa.so"; finish; }
ok "turnserver starts with coturn_tpa.so"
"$TURN_TOKEN" issue --keys "$T/keys.json" --kid k1 --mac-alg HMAC-SHA256 \
	--server-name turn.example.net --lifetime 600 >"$T/t32.json"

check "issue --mac-alg HMAC-SHA256: a 32-byte key labelled HMAC-SHA-256-128" \
	bash -c "jq -e '.alg == \"HMAC-SHA-256-128\"' '$T/t32.json' >/dev/null &&
		[ \$(jq -r .key '$T/t32.json' | base64 -d | wc -c) -eq 32 ]"
check "UDP: the label picks MESSAGE-INTEGRITY-SHA256 of 16 bytes; allocates and relays" \
	probe_to sha256-128 '^RELAYED bytes=[1-9]' --credential "$T/t32.json" \
	--peer "127.0.0.1:$PEER_PORT"
check "... the ALLOCATED line says sha256-128" \
	grep -q '^ALLOCATED .* integrity=sha256-128 ' "$T/sha256-128.out"
check "UDP, all 32 bytes of MESSAGE-INTEGRITY-SHA256: allocates and relays" \
	probe_to sha256 '^RELAYED bytes=[1-9]' --credential "$T/t32.json" \
	--integrity sha256 --peer "127.0.0.1:$PEER_PORT"
check "TCP, 16 bytes: allocates, and a Refresh a second later, checked by coturn alone, passes" \
	probe_to tcp '^REFRESHED lifetime=' --transport tcp \
	--credential "$T/t32.json" --hold 1
check "MESSAGE-INTEGRITY (HMAC-SHA1) with the whole 32-byte key still allocates" \
	probe_to sha1 '^ALLOCATED .* integrity=sha1 ' --credential "$T/t32.json" \
	--integrity sha1
check "... and the plugin took the 32 bytes each time" \
	bash -c "[ \$(grep -c 'auth plugin accepted: token [0-9a-f]*: kid .k1., 32-byte key' '$T/ts.log') -ge 4 ]"

check "a 20-byte (HMAC-SHA-1) token with MESSAGE-INTEGRITY-SHA256: 401" \
	probe_to t20 '^ERROR code=401 ' --credential "$T/token.json" \
	--integrity sha256-128
check "... the log says it takes MESSAGE-INTEGRITY" \
	logged "MESSAGE-INTEGRITY-SHA256 with a 20-byte \(HMAC-SHA-1\) mac_key: such tokens take MESSAGE-INTEGRITY"
# the right token, another 32-byte key
jq --arg k "$(head -c 32 /dev/urandom | base64 -w0)" '.key = $k' \
	"$T/t32.json" >"$T/wrong.json"
check "a wrong 32-byte key: 401" \
	probe_to wrong '^ERROR code=401 ' --credential "$T/wrong.json"
check "... MESSAGE-INTEGRITY-SHA256 does not match, says the log" \
	logged "MESSAGE-INTEGRITY-SHA256 does not match the token's 32-byte mac_key"
jq '{username: .ice_server.username, password: .ice_server.credential}' \
	"$T/t32.json" >"$T/browser.json"
check "the browser profile (a long-term credential) with MESSAGE-INTEGRITY-SHA256: 401" \
	probe_to browser '^ERROR code=401 ' --credential "$T/browser.json" \
	--integrity sha256-128
check "... the log says to send MESSAGE-INTEGRITY" \
	logged "MESSAGE-INTEGRITY-SHA256 with a long-term credential: coturn offers no PASSWORD-ALGORITHMS; send MESSAGE-INTEGRITY"
check "... which allocates" \
	probe_to browser-mi '^ALLOCATED .* integrity=sha1 ' \
	--credential "$T/browser.json"
check "no key, mac_key or whole token in coturn's log" \
	no_secret_in "$T/ts.log" "$(jq -r .access_token "$T/t32.json")" \
	"$(jq -r .key "$T/t32.json")" "$(jq -r .key "$T/wrong.json")" \
	"$(jq -r .ice_server.username "$T/t32.json")"
stop_pid "$TS_PID"

# Without a plugin: coturn 4.6.1 knows no MESSAGE-INTEGRITY-SHA256, so a
# request with only that is challenged again; the patched one answers the
# same as Debian's, and both allocate with MESSAGE-INTEGRITY.
credential "$T/alice.json" username=alice password=wonderland
without_plugin() {
	local name=$1 bin=$2
	start_turnserver "$name" "$bin" --lt-cred-mech --user=alice:wonderland ||
		return 1
	probe --credential "$T/alice.json" --integrity sha256 \
		>"$T/$name-sha256.out" 2>&1
	probe --credential "$T/alice.json" >"$T/$name-sha1.out" 2>&1
	stop_pid "$TS_PID"
	sed -n 's/^\(ERROR code=[0-9]*\) .*/\1/p; s/^\(ALLOCATED\) .*/\1/p' \
		"$T/$name-sha256.out" "$T/$name-sha1.out"
}
PATCHED=$(without_plugin patched "$TURNSERVER")
DEBIAN=$(without_plugin debian /usr/bin/turnserver)
echo "# without a plugin, patched: $(echo $PATCHED); Debian's: $(echo $DEBIAN)"
check "without a plugin: MESSAGE-INTEGRITY-SHA256 alone gets 401, MESSAGE-INTEGRITY allocates" \
	test "$(echo $PATCHED)" = "ERROR code=401 ALLOCATED"
check "... exactly as with Debian's unpatched turnserver" \
	test "$PATCHED" = "$DEBIAN"

finish
