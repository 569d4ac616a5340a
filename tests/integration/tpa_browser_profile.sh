# The browser profile without a browser: turn-token issue's ice_server,
# and the patched coturn with the plugin authenticating its username and
# credential as a long-term user (RFC 5389 key) for turn-token probe and
# Debian's turnutils_uclient; bad browser usernames refused with a reason,
# never handed to coturn's own users; browser-max-session and the token's
# lifetime.
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
SERVER_NAME=turn.example.net
KID128=$(printf 'k%.0s' $(seq 127))~

"$TURN_TOKEN" keygen --kid k1 >"$T/k1.jwk"
"$TURN_TOKEN" keygen --kid "$KID128" --alg A128GCM >"$T/k128.jwk"
printf '{"keys": [%s, %s]}\n' "$(cat "$T/k1.jwk")" "$(cat "$T/k128.jwk")" \
	>"$T/keys.json"
K1=$(jq -r .k "$T/k1.jwk")
K128=$(jq -r .k "$T/k128.jwk")
CREDS=()
TOKENS=()

# issue NAME ARGS...: turn-token issue into $T/NAME.json; sets USER, CRED
# (the ice_server's) and TOKEN, KEY (the RFC 7635 members).
issue() {
	local name=$1
	shift
	"$TURN_TOKEN" issue --keys "$T/keys.json" --server-name "$SERVER_NAME" \
		"$@" >"$T/$name.json" 2>"$T/$name.err" || return 1
	USER=$(jq -r .ice_server.username "$T/$name.json")
	CRED=$(jq -r .ice_server.credential "$T/$name.json")
	TOKEN=$(jq -r .access_token "$T/$name.json")
	KEY=$(jq -r .key "$T/$name.json")
	CREDS+=("$CRED")
	TOKENS+=("$TOKEN" "$USER" "${USER##*.}")
}

# b64url_to_std S: the same bytes in padded standard base64.
b64url_to_std() {
	local s
	s=$(printf '%s' "$1" | tr '_-' '/+')
	while [ $((${#s} % 4)) -ne 0 ]; do s="$s="; done
	printf '%s\n' "$s"
}

# ---- turn-token issue: the ice_server object ---------------------------

issue default --kid k1
ice_default() {
	jq -e --arg u "turn:$SERVER_NAME" '.ice_server.urls == [$u] and
		(.ice_server | keys) == ["credential", "urls", "username"]' \
		"$T/default.json" >/dev/null
}
check "issue: ice_server with the default URL turn:SERVER-NAME" ice_default
check "issue: the credential is the mac_key (key)" test "$CRED" = "$KEY"
carries_token() {
	local kid_part=${USER#tpa1.}
	kid_part=${kid_part%%.*}
	[ "${USER%%.*}" = tpa1 ] &&
		[ "$(b64url_to_std "$kid_part" | base64 -d)" = k1 ] &&
		[ "$(b64url_to_std "${USER##*.}")" = "$TOKEN" ]
}
check "issue: username is tpa1.<kid>.<token> in base64url" carries_token

issue urls --kid k1 --urls "turn:127.0.0.1:3478?transport=udp,turn:127.0.0.1:3478?transport=tcp" \
	--urls "turns:localhost:5349?transport=tcp"
check "issue: --urls comma-separated and repeated, in order" \
	jq -e '.ice_server.urls == ["turn:127.0.0.1:3478?transport=udp",
		"turn:127.0.0.1:3478?transport=tcp",
		"turns:localhost:5349?transport=tcp"]' "$T/urls.json"
field_is_object() {
	"$TURN_TOKEN" issue --keys "$T/keys.json" --server-name "$SERVER_NAME" \
		--kid k1 --field ice_server >"$T/field.out" &&
		[ "$(wc -l <"$T/field.out")" -eq 1 ] &&
		jq -e '(.urls | length) == 1 and (.username | startswith("tpa1."))
			and (.credential | length) == 28' "$T/field.out" >/dev/null
}
check "issue: --field ice_server prints the object on one line" field_is_object
refused_url() {
	! "$TURN_TOKEN" issue --keys "$T/keys.json" --server-name "$SERVER_NAME" \
		--kid k1 --urls "$1" >"$T/badurl.out" 2>"$T/badurl.err" &&
		[ ! -s "$T/badurl.out" ] && grep -qF -- "$2" "$T/badurl.err"
}
check "issue: a URL that is not turn: or turns: is refused" \
	refused_url "stun:127.0.0.1" '"stun:127.0.0.1" is not a turn: or turns: URL'
check "issue: an empty URL between commas is refused" \
	refused_url "turn:a,,turn:b" '"" is not a turn: or turns: URL'
check "issue: a URL with a space is refused" \
	refused_url "turn:a b" "has a space"
inspects_username() {
	"$TURN_TOKEN" inspect --keys "$T/keys.json" --server-name "$SERVER_NAME" \
		--json "$USER" >"$T/inspect-user.json" &&
		jq -e '.valid and .kid == "k1" and .mac_key_len == 20' \
			"$T/inspect-user.json" >/dev/null
}
check "inspect: a browser username opens with the key it names" inspects_username
inspect_refuses() {
	"$TURN_TOKEN" inspect --keys "$T/keys.json" --server-name "$SERVER_NAME" \
		tpa1.YQ >"$T/inspect-bad.out"
	[ $? -eq 1 ] && grep -qF "INVALID: browser username: no '.' between the kid and the token" \
		"$T/inspect-bad.out"
}
check "inspect: a malformed browser username is invalid, with the reason" \
	inspect_refuses
issue long --kid "$KID128" --mac-alg HMAC-SHA256
check "issue: a 128-byte kid and a 32-byte mac_key give a 279-byte username" \
	test "${#USER}" -eq 279
check "... under the 509 bytes browsers take" test "${#USER}" -lt 509

# ---- the plugin in coturn ---------------------------------------------

cat >"$T/tpa.conf" <<CONF
key-set = $T/keys.json
clock-skew = 0
browser-max-session = 8
log-level = debug
CONF
start_peer
# a static user named like a bad browser USERNAME: the plugin must not pass
# it on to coturn's own users
start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf" \
	--user=alice:alicepw --user=tpa2.YQ.AA:staticpw -V ||
	{ not_ok "turnserver starts with coturn_tpa.so"; finish; }
ok "turnserver starts with coturn_tpa.so"

# long_term USER PASS: a long-term credential for probe --credential -
long_term() {
	jq -cn --arg u "$1" --arg p "$2" '{username: $u, password: $p}'
}

# allocates NAME USER PASS [probe args...]
allocates() {
	local name=$1 user=$2 pass=$3
	shift 3
	long_term "$user" "$pass" | probe --credential - --realm "$REALM" "$@" \
		>"$T/$name.out" 2>&1 && grep -q '^ALLOCATED ' "$T/$name.out" && return 0
	sed 's/^/#   /' "$T/$name.out"
	return 1
}
# refused NAME REASON USER PASS: 401, and REASON in coturn's log.
refused() {
	local name=$1 reason=$2 user=$3 pass=$4
	long_term "$user" "$pass" | probe --credential - --realm "$REALM" \
		>"$T/$name.out" 2>&1
	grep -q '^ERROR code=401 ' "$T/$name.out" ||
		{ sed 's/^/#   /' "$T/$name.out"; return 1; }
	grep -Eq "auth plugin rejected: token ([0-9a-f]{16}|-): .*$reason" \
		"$T/ts.log" || { echo "# no '$reason' in the log"; return 1; }
}

issue good --kid k1
check "a browser username and credential allocate over UDP" \
	allocates udp "$USER" "$CRED" --peer "127.0.0.1:$PEER_PORT"
check "... and relay" grep -q '^RELAYED ' "$T/udp.out"
check "... over TCP" allocates tcp "$USER" "$CRED" --transport tcp
issue good32 --kid "$KID128" --mac-alg HMAC-SHA256
check "a 279-byte username (128-byte kid, 32-byte mac_key) allocates" \
	allocates long "$USER" "$CRED"
check "the plugin logged the browser profile's accept" \
	log_has "$T/ts.log" "(browser profile): kid 'k1', 16-byte key"
uclient_browser() {
	uclient_relays "$T/uclient.log" -u "$USER" -w "$CRED"
}
issue uclient --kid k1
check "Debian's turnutils_uclient relays with a browser username" uclient_browser
check "a static user still works (PASSed to coturn)" \
	allocates alice alice alicepw

issue wrongcred --kid k1
check "wrong credential: 401" refused wrongcred "(wrong credential)" \
	"$USER" "c2VjcmV0IHBhc3N3b3JkIQ=="
issue expired --kid k1 --lifetime 60 --timestamp $(($(date +%s) - 120))
check "expired token: 401" refused expired "token expired at" "$USER" "$CRED"
issue unknown --kid k1
check "unknown kid: 401" refused unknown "unknown kid 'k9'" \
	"tpa1.azk.${USER##*.}" "$CRED"
issue tampered --kid k1
tampered_user() {
	local t=${USER##*.} c
	c=${t:20:1}
	[ "$c" = A ] && c=B || c=A
	printf '%s' "${USER%.*}.${t:0:20}$c${t:21}"
}
TAMPERED=$(tampered_user)
check "tampered token: 401" refused tampered "authentication failed" \
	"$TAMPERED" "$CRED"
check "unknown profile version: 401, not coturn's static user of that name" \
	refused version "browser-profile version 2 is not supported" \
	tpa2.YQ.AA staticpw
check "malformed browser username: 401" \
	refused malformed "no '.' between the kid and the token" tpa1.YQ "$CRED"

# ---- how long: browser-max-session and the token's lifetime -----------

# 3-second tokens: an allocation may start while its token is valid, and
# then lives on (refreshes work after the token has expired) up to
# browser-max-session (8 s), not beyond; both clients run at once
issue short --kid k1 --lifetime 3
SHORT_USER=$USER
SHORT_CRED=$CRED
long_term "$USER" "$CRED" | probe --credential - --realm "$REALM" --hold 5 \
	>"$T/hold5.out" 2>&1 &
HOLD5=$!
issue short2 --kid k1 --lifetime 3
long_term "$USER" "$CRED" | probe --credential - --realm "$REALM" --hold 10 \
	>"$T/hold10.out" 2>&1 &
HOLD10=$!
wait "$HOLD5"
sed 's/^/# /' "$T/hold5.out"
check "an allocation gets at most browser-max-session (8 s)" \
	grep -Eq '^ALLOCATED .* lifetime=[1-8]$' "$T/hold5.out"
check "it is refreshed after its token has expired, within the 8 s" \
	grep -Eq '^REFRESHED lifetime=[1-3]$' "$T/hold5.out"
check "a new allocation with the expired token is refused" \
	refused late "token expired at" "$SHORT_USER" "$SHORT_CRED"
wait "$HOLD10"
sed 's/^/# /' "$T/hold10.out"
check "past browser-max-session the allocation is gone (437) or refused (401)" \
	grep -Eq '^ERROR code=(401|437) ' "$T/hold10.out"

check "no key or credential (mac_key) in coturn's log" \
	no_secret_in "$T/ts.log" "$K1" "$K128" "${CREDS[@]}"
# coturn -V logs a USERNAME in many lines: the plugin names it instead
check "no token or browser username in coturn's log (-V)" \
	no_secret_in "$T/ts.log" "${TOKENS[@]}" "$TAMPERED" tpa1.azk.
check "coturn's log names browser usernames by token id" \
	grep -Eq "user <tpa1 token [0-9a-f]{16} kid 'k1'>" "$T/ts.log"

finish
