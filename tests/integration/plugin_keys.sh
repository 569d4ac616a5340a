# What the patch does with an ACCEPTed key and with third-party plugins:
# a 20- or 32-byte key is used whole for checking requests and signing
# responses (coturn 4.6.1 alone uses 16 bytes); 401s carry
# THIRD-PARTY-AUTHORIZATION only for a third-party plugin; a request with
# ACCESS-TOKEN that a third-party plugin PASSes is refused, one that
# another plugin PASSes goes on to coturn's own users; the plugin gets exactly
# the client's address; a session cannot outlive its max_session_time.
. "$TOP_SRCDIR/tests/lib.sh"

K20=0102030405060708090a0b0c0d0e0f1011121314
K32=${K20}15161718191a1b1c1d1e1f20
K20_PREFIX16=0102030405060708090a0b0c0d0e0f10

cat >"$T/third.conf" <<CONF
record $T/third-calls.log
third-party yes
max-session-time 3
user k20 key $K20
user k32 key $K32
user ender end-after 1 enderpw
CONF
printf 'record %s\nuser k20 key %s\n' "$T/plain-calls.log" "$K20" \
	>"$T/plain.conf"
# probe's credentials, in files (never in its arguments)
credential "$T/k20.json" username=k20 key="$(hex_to_b64 "$K20")"
credential "$T/k32.json" username=k32 key="$(hex_to_b64 "$K32")"
credential "$T/k20-16.json" username=k20 key="$(hex_to_b64 "$K20_PREFIX16")"
credential "$T/nobody.json" username=nobody key="$(hex_to_b64 "$K20")" \
	access_token=AAxhYmNkZWZnaGlqa2w=
credential "$T/ender.json" username=ender password=enderpw
credential "$T/dave-token.json" username=dave password=davepw \
	access_token=AAxhYmNkZWZnaGlqa2w=

# probe_relays LOG ARGS...: allocation, permission, data out and back.
probe_relays() {
	local log=$1
	shift
	probe "$@" --peer "127.0.0.1:$PEER_PORT" >"$log" 2>&1 &&
		grep -q '^ALLOCATED relayed=127.0.0.1:' "$log" &&
		grep -q '^RELAYED bytes=[1-9][0-9]* echo=ok$' "$log"
}

# probe_401 LOG ARGS...: the server answers 401 (probe exit status 1).
probe_401() {
	local log=$1
	shift
	probe "$@" >"$log" 2>&1
	[ $? -eq 1 ] && grep -q '^ERROR code=401 ' "$log"
}

mapped_of() {
	sed -n 's/^ALLOCATED relayed=[^ ]* mapped=\([^ ]*\) .*/\1/p' "$1"
}

start_peer
start_turnserver third "$TURNSERVER" --server-name=turn.example.net \
	--auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/third.conf" ||
	{ not_ok "turnserver starts with a third-party plugin"; finish; }

check "20-byte key, UDP: allocates and relays; the response verifies under the whole key" \
	probe_relays "$T/k20-udp.log" --credential "$T/k20.json"
check "20-byte key, TCP: allocates and relays" \
	probe_relays "$T/k20-tcp.log" --transport tcp --credential "$T/k20.json"
check "32-byte key, UDP: allocates and relays" \
	probe_relays "$T/k32-udp.log" --credential "$T/k32.json"
check "32-byte key, TCP: allocates and relays" \
	probe_relays "$T/k32-tcp.log" --transport tcp --credential "$T/k32.json"
check "keying with only the first 16 bytes of the 20-byte key gets 401" \
	probe_401 "$T/k20-16.log" --credential "$T/k20-16.json"
check "a third-party plugin's 401 carries THIRD-PARTY-AUTHORIZATION with the server name" \
	grep -q 'third-party-authorization="turn.example.net"' "$T/k20-16.log"

mapped=$(mapped_of "$T/k20-udp.log")
check "the plugin got the client's address exactly, server address and udp" \
	grep -q "user=k20 realm=$REALM client=$mapped server=127.0.0.1:$TS_PORT transport=udp " "$T/third-calls.log"
mapped=$(mapped_of "$T/k20-tcp.log")
check "the plugin got the client's address exactly, server address and tcp" \
	grep -q "user=k20 realm=$REALM client=$mapped server=127.0.0.1:$TS_PORT transport=tcp " "$T/third-calls.log"

check "a PASSed request with ACCESS-TOKEN is refused with 401" \
	probe_401 "$T/pass-token.log" --credential "$T/nobody.json"
check "coturn logs why" \
	log_has "$T/third.log" "auth plugin rejected: passed a request with ACCESS-TOKEN"

lifetime_capped() {
	probe --credential "$T/k20.json" >"$T/cap.log" 2>&1 &&
		grep -Eq '^ALLOCATED .* lifetime=[123]$' "$T/cap.log"
}
# A Refresh two seconds in must not restart the three-second count: it
# gets what is left (1 or 2 s), or 437 if the allocation already ended.
refresh_capped() {
	probe --credential "$T/k20.json" --hold 2 >"$T/hold.log" 2>&1
	grep -Eq '^REFRESHED lifetime=[12]$' "$T/hold.log" ||
		grep -Eq '^ERROR code=437 ' "$T/hold.log"
}
check "max_session_time caps the lifetime of the allocation" lifetime_capped
check "a Refresh cannot extend the session beyond its max_session_time" \
	refresh_capped
# The plugin ends a session from its own thread one second in.
ended_by_plugin() {
	probe --credential "$T/ender.json" --hold 3 >"$T/end.log" 2>&1
	local sid
	sid=$(sed -n 's/^authorize .*user=ender .*session=\([0-9]*\) .*verdict=1$/\1/p' \
		"$T/third-calls.log" | head -1)
	[ -n "$sid" ] && grep -q '^ALLOCATED ' "$T/end.log" &&
		! grep -q '^REFRESHED' "$T/end.log" &&
		grep -q "Session $(printf '%018d' "$sid") to be forcefully canceled" "$T/third.log" &&
		grep -q "^closed session=$sid\$" "$T/third-calls.log"
}
check "the plugin can end a session from another thread (end_session)" \
	ended_by_plugin
stop_pid "$TS_PID"

start_turnserver plain "$TURNSERVER" --server-name=turn.example.net \
	--user=dave:davepw \
	--auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/plain.conf" ||
	{ not_ok "turnserver starts with a plain plugin"; finish; }
check "plain plugin: the 20-byte key is used whole too" \
	probe_relays "$T/plain-k20.log" --credential "$T/k20.json"
# the probe got its 401 (and prints a THIRD-PARTY-AUTHORIZATION it sees:
# the third-party server's 401 above shows it), without one
no_third_party() {
	probe_401 "$T/plain-401-tpa.log" --credential "$T/k20-16.json" &&
		! grep -q third-party "$T/plain-401-tpa.log"
}
check "plain plugin: 16-byte keying of the 20-byte key gets 401" \
	probe_401 "$T/plain-401.log" --credential "$T/k20-16.json"
check "plain plugin: 401 has no THIRD-PARTY-AUTHORIZATION" no_third_party
# A plugin without third-party authorization has nothing to say about
# tokens: its PASS leaves coturn as without a plugin, whose own long-term
# user (no --oauth) allocates, ACCESS-TOKEN or not.
check "plain plugin: a PASSed request with ACCESS-TOKEN goes on to coturn's own user" \
	probe_relays "$T/plain-dave.log" --credential "$T/dave-token.json"
check "... and coturn does not refuse it for its token" \
	bash -c "! grep -q 'passed a request with ACCESS-TOKEN' '$T/plain.log'"
stop_pid "$TS_PID"

finish
