# coturn_tpa.so beside coturn's own mechanisms: with the real plugin
# loaded, coturn's static users (--user) and its REST API credentials
# (--use-auth-secret) still allocate and relay, since the plugin PASSes a
# request without a token to them; a wrong password or secret is still
# refused; tokens allocate on the same server; and the server's 401s
# carry THIRD-PARTY-AUTHORIZATION naming the server, read from its raw
# answer by tests/fixtures/stun_request.mjs (not by our STUN code).
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
CHALLENGE=$TOP_SRCDIR/tests/fixtures/stun_request.mjs
SERVER_NAME=turn.example.net
SECRET=north-wind-secret

"$TURN_TOKEN" keygen --kid k1 --set >"$T/keys.json" &&
	printf 'key-set = %s\n' "$T/keys.json" >"$T/tpa.conf" ||
	{ not_ok "a key set and a plugin configuration are made"; finish; }
start_peer

# challenge_names_server LABEL: the server's 401 to an Allocate without
# credentials names the server in THIRD-PARTY-AUTHORIZATION, with REALM
# and NONCE as RFC 8656 wants them.
challenge_names_server() {
	timeout 90 node "$CHALLENGE" 127.0.0.1 "$TS_PORT" >"$T/$1-401.json" 2>&1 &&
		jq -e --arg s "$SERVER_NAME" --arg r "$REALM" \
			'.class == "error" and .code == 401 and .realm == $r and
			 .nonce == true and .third_party_authorization == $s' \
			"$T/$1-401.json" >/dev/null || {
		echo "# $1: $(cat "$T/$1-401.json")"
		return 1
	}
}

# token_relays LABEL: a token of the key set allocates and relays.
token_relays() {
	"$TURN_TOKEN" issue --keys "$T/keys.json" --kid k1 \
		--server-name "$SERVER_NAME" --lifetime 600 >"$T/$1-token.json" &&
		probe --credential "$T/$1-token.json" --peer "127.0.0.1:$PEER_PORT" \
			>"$T/$1-token.out" 2>&1 &&
		grep -q '^RELAYED bytes=[1-9][0-9]* echo=ok$' "$T/$1-token.out"
}

# wrong_names_server LABEL USER PASSWORD: a wrong long-term credential
# gets 401, and that 401 names the server too.
wrong_names_server() {
	credential "$T/$1-wrong.json" username="$2" password="$3"
	probe --credential "$T/$1-wrong.json" >"$T/$1-wrong.out" 2>&1
	[ $? -eq 1 ] && grep -q "^ERROR code=401 .* third-party-authorization=\"$SERVER_NAME\"\$" \
		"$T/$1-wrong.out" || {
		echo "# $1: $(cat "$T/$1-wrong.out")"
		return 1
	}
}

# plugin_passed LABEL N: the plugin has passed at least N requests to
# coturn (its metrics say so), so the credentials went through it.
plugin_passed() {
	local n
	n=$(curl -sS --fail --max-time 10 "http://127.0.0.1:$MPORT/metrics" \
		2>/dev/null | sed -n 's/^coturn_tpa_passed_total \([0-9]*\)$/\1/p')
	[ -n "$n" ] && [ "$n" -ge "$2" ] || {
		echo "# $1: coturn_tpa_passed_total is '${n:-missing}'"
		return 1
	}
}

# credentials_again: the client library keeps the realm the server named
# when a client sets its credentials again on a session (as a new token
# does): coturn refuses a long-term session's Refresh with another REALM
# (441), an empty one too.  The key is dave's long-term key, MD5 of
# "dave:REALM:davepw".
credentials_again() {
	local key
	key=$(hex_to_b64 "$(printf '%s' "dave:$REALM:davepw" | md5sum | cut -c1-32)")
	timeout 60 "$TOP_BUILDDIR/tests/fixtures/session_check" "$TS_PORT" dave \
		"$key" "" steps "again:refresh:dave:$key:" >"$T/again.out" 2>&1
	grep -q '^again ok ' "$T/again.out" || {
		echo "# $(tr '\n' ' ' <"$T/again.out")"
		return 1
	}
}

# --- static users, with the real plugin ------------------------------------
MPORT=$(free_port)
printf 'key-set = %s\nmetrics-listen = 127.0.0.1:%s\n' "$T/keys.json" \
	"$MPORT" >"$T/tpa-metrics.conf"
if start_turnserver static "$TURNSERVER" --server-name="$SERVER_NAME" \
	--lt-cred-mech --user=dave:davepw \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa-metrics.conf"; then
	ok "turnserver starts with coturn_tpa.so and a static user"
	check "static user: Debian's uclient relays over UDP" \
		uclient_relays "$T/static-udp.log" -u dave -w davepw
	check "static user: Debian's uclient relays over TCP" \
		uclient_relays "$T/static-tcp.log" -t -u dave -w davepw
	credential "$T/dave.json" username=dave password=davepw
	check "static user: turn-token probe allocates and relays" eval \
		"probe --credential '$T/dave.json' --peer 127.0.0.1:$PEER_PORT \
		 >'$T/static-probe.out' 2>&1 &&
		 grep -q '^RELAYED bytes=[1-9][0-9]* echo=ok\$' '$T/static-probe.out'"
	check "static user: the plugin passed those requests to coturn" \
		plugin_passed static 3
	check "static user: a wrong password gets 401 naming the server" \
		wrong_names_server static dave wrong
	check "static user: an unknown user is refused" \
		uclient_fails "$T/static-unknown.log" -u nobody -w x
	check "static user: a token allocates and relays beside it" \
		token_relays static
	check "static user: credentials set again mid-session keep the server's realm" \
		credentials_again
	check "static user: the 401 to a bare Allocate names the server" \
		challenge_names_server static
	stop_pid "$TS_PID"
else
	not_ok "turnserver starts with coturn_tpa.so and a static user"
fi

# --- REST API secret, with the real plugin ---------------------------------
if start_turnserver rest "$TURNSERVER" --server-name="$SERVER_NAME" \
	--use-auth-secret --static-auth-secret="$SECRET" \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf"; then
	ok "turnserver starts with coturn_tpa.so and a REST API secret"
	check "REST API: Debian's uclient relays with the secret" \
		uclient_relays "$T/rest.log" -W "$SECRET" -u someone
	check "REST API: Debian's uclient relays over TCP" \
		uclient_relays "$T/rest-tcp.log" -t -W "$SECRET" -u someone
	check "REST API: a wrong secret is refused" \
		uclient_fails "$T/rest-bad.log" -W wrong-secret -u someone
	check "REST API: a wrong password gets 401 naming the server" \
		wrong_names_server rest "$(($(date +%s) + 600)):someone" wrong
	check "REST API: a token allocates and relays beside it" \
		token_relays rest
	check "REST API: the 401 to a bare Allocate names the server" \
		challenge_names_server rest
	stop_pid "$TS_PID"
else
	not_ok "turnserver starts with coturn_tpa.so and a REST API secret"
fi

finish
