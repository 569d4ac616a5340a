# Calls in real headless browsers, Debian's chromium (playwright-core) and
# firefox-esr (puppeteer-core over WebDriver BiDi), through the patched
# coturn with the plugin, in the browser profile: two RTCPeerConnections of
# the demo page (examples/web, served by the JavaScript issuer) open a data
# channel with iceTransportPolicy "relay" over TURN/UDP, TURN/TCP and
# TURN/TLS, with tokens from turn-token issue and from the JavaScript
# issuer, and through the page's own login and token endpoint; expired,
# tampered, wrong-credential and unknown-kid tokens get 401 in
# icecandidateerror and no relay candidate.  Then every log of the run is
# searched for the tokens and credentials it used.
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
SERVER_NAME=turn.example.net
ISSUER=$TOP_SRCDIR/examples/js-issuer/issuer.mjs
NODE_DIR=$TOP_SRCDIR/tests/browser
KID128=$(printf 'k%.0s' $(seq 127))~

if [ ! -d "$NODE_DIR/node_modules/playwright-core" ] ||
	[ ! -d "$NODE_DIR/node_modules/puppeteer-core" ]; then
	not_ok "the browser drivers are installed in $NODE_DIR (make check does it)"
	finish
fi

"$TURN_TOKEN" keygen --kid k1 >"$T/k1.jwk"
"$TURN_TOKEN" keygen --kid k2 --alg A128GCM >"$T/k2.jwk"
"$TURN_TOKEN" keygen --kid "$KID128" >"$T/k128.jwk"
"$TURN_TOKEN" keygen --kid stranger >"$T/stranger.jwk"
printf '{"keys": [%s, %s, %s]}\n' "$(cat "$T/k1.jwk")" "$(cat "$T/k2.jwk")" \
	"$(cat "$T/k128.jwk")" >"$T/keys.json"
# an issuer's key that coturn does not have
printf '{"keys": [%s]}\n' "$(cat "$T/stranger.jwk")" >"$T/foreign.json"
printf 'key-set = %s\nclock-skew = 5\nlog-level = debug\n' "$T/keys.json" \
	>"$T/tpa.conf"

make_cert || { not_ok "a test certificate is made"; finish; }
# -V: coturn's most verbose log, so that every line that could show a
# USERNAME is written and searched
start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" -V \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf" ||
	{ not_ok "turnserver starts with coturn_tpa.so and TLS"; finish; }
UDP="turn:127.0.0.1:$TS_PORT?transport=udp"
TCP="turn:127.0.0.1:$TS_PORT?transport=tcp"
TLS="turns:localhost:$TS_TLS_PORT?transport=tcp"

LOGIN_PW=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
node "$ISSUER" serve --keys "$T/keys.json" --kid k1 \
	--server-name "$SERVER_NAME" --urls "$UDP" --user "tester:$LOGIN_PW" \
	--lifetime 600 --port 0 >"$T/issuer.log" 2>&1 &
PIDS+=("$!")
ISSUER_PID=$!
page_url() { sed -n 's/.* listening on \(http:[^ ]*\)$/\1/p' "$T/issuer.log"; }
for _ in $(seq 100); do
	[ -n "$(page_url)" ] && break
	kill -0 "$ISSUER_PID" 2>/dev/null || break
	sleep 0.1
done
PAGE=$(page_url)
check "the JavaScript issuer serves the page and the token endpoint on loopback" \
	test -n "$PAGE"
[ -n "$PAGE" ] || { sed 's/^/# /' "$T/issuer.log"; finish; }

# ice WHO URL [issue args...]: an ice_server as one line of JSON, minted by
# WHO (c: turn-token issue, js: the JavaScript issuer); keeps the token,
# username and credential in $T/used for the log search.
ice() {
	local who=$1 url=$2 json
	shift 2
	if [ "$who" = c ]; then
		json=$("$TURN_TOKEN" issue --keys "${KEYS:-$T/keys.json}" \
			--server-name "$SERVER_NAME" --urls "$url" "$@") || return 1
	else
		json=$(node "$ISSUER" issue --keys "${KEYS:-$T/keys.json}" \
			--server-name "$SERVER_NAME" --urls "$url" "$@") || return 1
	fi
	jq -r '.access_token, .ice_server.username, .ice_server.credential' \
		<<<"$json" >>"$T/used"
	jq -c .ice_server <<<"$json"
}

# tamper ICE: the same ice_server with one character of its token changed
tamper() {
	jq -c '.username |= (.[0:60] + (if .[60:61] == "A" then "B" else "A" end)
		+ .[61:])' <<<"$1"
}

# add BROWSER NAME KIND PROTOCOL ICE: one case for run_cases.mjs
CASES=()
add() {
	CASES+=("$(jq -cn --arg b "$1" --arg n "$2" --arg k "$3" --arg p "$4" \
		--argjson ice "$5" '{browser: $b, name: $n, kind: $k,
		protocol: $p, ice: $ice}')")
}

NOW=$(date +%s)
for b in chromium firefox; do
	add "$b" "turn-token issue token" relay udp "$(ice c "$UDP" --kid k1)"
	add "$b" "turn-token issue token" relay tcp "$(ice c "$TCP" --kid k1)"
	add "$b" "turn-token issue token" relay tls "$(ice c "$TLS" --kid k1)"
	add "$b" "JavaScript issuer token (A128GCM key)" relay udp \
		"$(ice js "$UDP" --kid k2)"
	add "$b" "JavaScript issuer token, 32-byte mac_key" relay tcp \
		"$(ice js "$TCP" --kid k1 --mac-alg HMAC-SHA256)"
	add "$b" "279-byte username (128-byte kid, 32-byte mac_key)" relay udp \
		"$(ice c "$UDP" --kid "$KID128" --mac-alg HMAC-SHA256)"
	add "$b" "expired token" refused udp \
		"$(ice c "$UDP" --kid k1 --lifetime 600 --timestamp $((NOW - 3600)))"
	add "$b" "tampered token" refused udp "$(tamper "$(ice c "$UDP" --kid k1)")"
	add "$b" "wrong credential" refused udp \
		"$(ice c "$UDP" --kid k1 | jq -c '.credential = "c2VjcmV0IHBhc3N3b3JkIQ=="')"
	add "$b" "unknown kid" refused udp \
		"$(KEYS=$T/foreign.json ice js "$UDP" --kid stranger)"
	add "$b" "page" page udp \
		"$(jq -cn --arg pw "$LOGIN_PW" '{username: "tester", credential: $pw}')"
done
printf '%s\n' "${CASES[@]}" | jq -s . >"$T/cases.json"
check "every case has its ice_server" \
	test "$(jq '[.[] | select(.ice.username == null)] | length' "$T/cases.json")" = 0

node "$NODE_DIR/run_cases.mjs" "$T/cases.json" "$PAGE" >"$T/browsers.out" 2>&1
cat "$T/browsers.out"
kill -0 "$TS_PID" 2>/dev/null
check "turnserver is still running" test $? -eq 0
check "coturn's log shows the plugin refusing the bad tokens with reasons" \
	grep -Eq "auth plugin rejected: token [0-9a-f]{16}: .*token expired at" "$T/ts.log"

# the tokens (standard base64, and base64url inside the usernames), the
# whole usernames and the credentials: in no log of this test
token_parts() {
	local s
	while read -r s; do
		printf '%s\n' "$s"
		case $s in tpa1.*) printf '%s\n' "${s##*.}" ;; esac
	done <"$T/used"
}
mapfile -t SECRETS < <(token_parts)
check "the log search knows the tokens used ($((${#SECRETS[@]} / 4)))" \
	test "${#SECRETS[@]}" -ge 60
SECRETS+=("$LOGIN_PW" "$(jq -r .k "$T/k1.jwk")" "$(jq -r .k "$T/k2.jwk")")
for log in "$T/ts.log" "$T/issuer.log" "$T/browsers.out"; do
	check "no token, username with a token or credential in $(basename "$log")" \
		no_secret_in "$log" "${SECRETS[@]}"
done
finish
