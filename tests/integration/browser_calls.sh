# Calls in real headless browsers, Debian's chromium (playwright-core) and
# firefox-esr (puppeteer-core over WebDriver BiDi), through the patched
# coturn with the plugin and a real redis-server (replay-binding ip), in
# the browser profile: two RTCPeerConnections of the demo page
# (examples/web, served by the JavaScript issuer) open a data channel with
# iceTransportPolicy "relay" over TURN/UDP, TURN/TCP and TURN/TLS, with
# tokens from turn-token issue and from the JavaScript issuer, and through
# the page's own login and token endpoint; expired, tampered, revoked,
# wrong-credential and unknown-kid tokens get 401 in icecandidateerror and
# no relay candidate.  With Redis: a token the browser used is refused
# from 127.0.0.2 (turn-token probe), and one first used from 127.0.0.2 is
# refused to the browser (127.0.0.1); on a second node with
# max-allocations-per-token = 2, a token whose two allocations another
# client holds is refused to the browser, and calls once they are
# released; a live call stops carrying data within 2 s of turn-token
# revoke, and its token calls no more.  Then every log of the run is
# searched for the tokens and credentials it used.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/redis-lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
SERVER_NAME=turn.example.net
ISSUER=$TOP_SRCDIR/examples/js-issuer/issuer.mjs
NODE_DIR=$TOP_SRCDIR/tests/browser
FLEET_CLIENT=$TOP_BUILDDIR/tests/fixtures/fleet_client
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
start_redis r || { not_ok "redis-server starts"; finish; }
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
printf 'key-set = %s\nclock-skew = 5\nlog-level = debug\nredis = %s\nreplay-binding = ip\n' \
	"$T/keys.json" "$REDIS_URL" >"$T/tpa.conf"
# the limit's node: the same Redis, two live allocations per token, and no
# replay binding, so that the other client's allocations count whatever
# address the browser's come from (Firefox sends from the machine's
# address, e.g. 192.0.2.2, even to a TURN server on 127.0.0.1)
printf 'key-set = %s\nclock-skew = 5\nlog-level = debug\nredis = %s\nreplay-binding = off\nmax-allocations-per-token = 2\n' \
	"$T/keys.json" "$REDIS_URL" >"$T/tpa-limit.conf"

make_cert || { not_ok "a test certificate is made"; finish; }
# -V: coturn's most verbose log, so that every line that could show a
# USERNAME is written and searched
start_turnserver limit "$TURNSERVER" --server-name="$SERVER_NAME" -V \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa-limit.conf" ||
	{ not_ok "the limit's turnserver starts with coturn_tpa.so"; finish; }
LIMIT_PORT=$TS_PORT
LIMIT_PID=$TS_PID
start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" -V \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf" ||
	{ not_ok "turnserver starts with coturn_tpa.so and TLS"; finish; }
UDP="turn:127.0.0.1:$TS_PORT?transport=udp"
TCP="turn:127.0.0.1:$TS_PORT?transport=tcp"
TLS="turns:localhost:$TS_TLS_PORT?transport=tcp"
LIMIT_UDP="turn:127.0.0.1:$LIMIT_PORT?transport=udp"

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
# username and credential in $T/used for the log search, and with SAVE=NAME
# the whole JSON in $T/NAME.json (mode 600).
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
	[ -z "${SAVE:-}" ] || (umask 077 && printf '%s\n' "$json" >"$T/$SAVE.json")
	jq -c .ice_server <<<"$json"
}

# token_id NAME: the id coturn's log and Redis know $T/NAME.json's token by
token_id() {
	jq -r .access_token "$T/$1.json" |
		"$TURN_TOKEN" inspect --keys "$T/keys.json" \
			--server-name "$SERVER_NAME" --token-file - |
		sed -n 's/^token id: *//p'
}

# as_browser NAME: $T/NAME.json's ice_server as a probe credential
# ($T/NAME.lt.json), the username and password a browser sends
as_browser() {
	(umask 077 && jq '{username: .ice_server.username,
		password: .ice_server.credential}' "$T/$1.json" >"$T/$1.lt.json")
}

# bprobe OUT NAME IP [PORT]: turn-token probe with NAME's browser
# credential from IP, against PORT (default the main turnserver's)
bprobe() {
	PROBE_PORT=${4:-$TS_PORT} probe --credential "$T/$2.lt.json" \
		--local-ip "$3" >"$T/$1.out" 2>&1
}
allocates_from() {
	bprobe "$@" && grep -q '^ALLOCATED ' "$T/$1.out"
}
refused_from() {
	! bprobe "$@" && grep -q '^ERROR code=401 ' "$T/$1.out"
}

# hold NAME TOKEN: an allocation of $T/TOKEN.json at the limit's node,
# from 127.0.0.1, held by fleet_client until SIGUSR1; HOLDER[NAME]=pid
declare -A HOLDER
hold() {
	local i
	"$FLEET_CLIENT" hold "$LIMIT_PORT" 127.0.0.1 "$T/$2.json" \
		>"$T/$1.out" 2>&1 &
	PIDS+=("$!")
	HOLDER[$1]=$!
	for i in $(seq 100); do
		grep -q '^ALLOCATED$' "$T/$1.out" && return 0
		grep -q 'ERROR' "$T/$1.out" && return 1
		sleep 0.1
	done
	return 1
}

# release_step TOKEN HOLDER...: the shell command, run by run_cases.mjs
# before a case, that deletes the holders' allocations and waits (10 s at
# most) until Redis holds no slot of TOKEN's
release_step() {
	local key="tpa:{$(token_id "$1")}:alloc" pids=() h
	shift
	for h in "$@"; do
		pids+=("${HOLDER[$h]}")
	done
	printf 'kill -USR1 %s && for i in $(seq 100); do [ "$(%q -h 127.0.0.1 -p %s ZCARD %q)" = 0 ] && exit 0; sleep 0.1; done; exit 1' \
		"${pids[*]}" "$REDIS_CLI_BIN" "$REDIS_PORT" "$key"
}

# revoke_cmd NAME: turn-token revoke of $T/NAME.json's token, by its
# browser username (the credential a page has), in the test's Redis
revoke_cmd() {
	printf 'jq -r .ice_server.username %q | %q revoke --redis %q --token-file - >>%q 2>&1' \
		"$T/$1.json" "$TURN_TOKEN" "$REDIS_URL" "$T/revoke-$1.out"
}

# tamper ICE: the same ice_server with one character of its token changed
tamper() {
	jq -c '.username |= (.[0:60] + (if .[60:61] == "A" then "B" else "A" end)
		+ .[61:])' <<<"$1"
}

# add BROWSER NAME KIND PROTOCOL ICE: one case for run_cases.mjs, with
# STEP (a command run before it) and ACTION (of a live case) if set
CASES=()
add() {
	CASES+=("$(jq -cn --arg b "$1" --arg n "$2" --arg k "$3" --arg p "$4" \
		--argjson ice "$5" --arg step "${STEP:-}" --arg action "${ACTION:-}" \
		'{browser: $b, name: $n, kind: $k, protocol: $p, ice: $ice}
		+ (if $step == "" then {} else {step: $step} end)
		+ (if $action == "" then {} else {action: $action} end)')")
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

	# ---- with Redis ----
	add "$b" "revoked token" refused udp "$(SAVE=rv-$b ice c "$UDP" --kid k1)"
	# never used yet: its end comes from the token, opened with the keys
	"$TURN_TOKEN" revoke --redis "$REDIS_URL" --keys "$T/keys.json" \
		--server-name "$SERVER_NAME" --token-file - \
		<"$T/rv-$b.json" >"$T/revoke-rv-$b.out" 2>&1
	check "$b: turn-token revoke revokes a token before the browser's call" \
		grep -q "^revoked token $(token_id "rv-$b") until " "$T/revoke-rv-$b.out"

	add "$b" "token first used from 127.0.0.2" refused udp \
		"$(SAVE=bound-$b ice c "$UDP" --kid k1)"
	as_browser "bound-$b"
	check "$b: another client allocates with a token from 127.0.0.2" \
		allocates_from "bound-$b-probe" "bound-$b" 127.0.0.2

	# used by the browser here, replayed from 127.0.0.2 after the run
	add "$b" "token then replayed from 127.0.0.2" relay udp \
		"$(SAVE=used-$b ice c "$UDP" --kid k1)"

	add "$b" "token past max-allocations-per-token = 2" refused udp \
		"$(SAVE=lim-$b ice c "$LIMIT_UDP" --kid k1)"
	check "$b: another client holds an allocation of a token" hold "lim-$b-1" "lim-$b"
	check "$b: ... and a second one" hold "lim-$b-2" "lim-$b"
	STEP=$(release_step "lim-$b" "lim-$b-1" "lim-$b-2") \
		add "$b" "the same token once the other client's allocations end" \
		relay udp "$(jq -c .ice_server "$T/lim-$b.json")"

	# over UDP the browsers see the end of the relay by their consent
	# checks (Chromium after 5 s, Firefox 10 s); over TCP at once, when
	# coturn closes the connection: UDP in one, TCP in the other
	live=$UDP proto=udp
	[ "$b" = firefox ] && live=$TCP proto=tcp
	ACTION=$(revoke_cmd "live-$b") add "$b" "token revoked during the call" \
		live "$proto" "$(SAVE=live-$b ice c "$live" --kid k1)"
	add "$b" "token revoked during the call, called again" refused udp \
		"$(jq -c .ice_server "$T/live-$b.json")"
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

for b in chromium firefox; do
	check "$b: the revoked token is refused as revoked" \
		grep -Eq "auth plugin rejected: token $(token_id "rv-$b"): revoked$" "$T/ts.log"
	check "$b: the token bound to 127.0.0.2 is refused to the browser as a replay" \
		grep -Eq "token $(token_id "bound-$b"): replay: bound to 127\.0\.0\.2, used from [0-9.]+ \(replay-binding ip\)$" "$T/ts.log"
	# the browser's address: whichever it sent from (only the browser
	# has used this token so far)
	bound=$(rcli "$REDIS_PORT" GET "tpa:{$(token_id "used-$b")}:use")
	echo "# $b: Redis binds the token the browser used to '$bound'"
	addr=${bound#ip }
	check "$b: the token the browser used is bound to its IP address" \
		eval '[ "$bound" != "$addr" ] && [ "$addr" != 127.0.0.2 ]'
	as_browser "used-$b"
	check "$b: the token the browser used gets 401 from 127.0.0.2" \
		refused_from "used-$b-replay" "used-$b" 127.0.0.2
	check "$b: ... as a replay, with both addresses in the log" \
		log_has "$T/ts.log" "token $(token_id "used-$b"): replay: bound to $addr, used from 127.0.0.2 (replay-binding ip)"
	check "$b: ... and still allocates from the browser's address" \
		allocates_from "used-$b-again" "used-$b" "$addr"
	check "$b: the token past its limit is refused to the browser as such" \
		log_has "$T/limit.log" "token $(token_id "lim-$b"): 2 live allocations in the fleet, max-allocations-per-token = 2"
	check "$b: coturn ends the revoked call's sessions" \
		grep -Eq "token $(token_id "live-$b") revoked: ending [1-9][0-9]* sessions on this node" "$T/ts.log"
done
kill -0 "$LIMIT_PID" 2>/dev/null
check "the limit's turnserver is still running" test $? -eq 0

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
for log in "$T/ts.log" "$T/limit.log" "$T/issuer.log" "$T/browsers.out" \
	"$T/r/redis.log"; do
	check "no token, username with a token or credential in $(basename "$log")" \
		no_secret_in "$log" "${SECRETS[@]}"
done
finish
