# The negative matrix of the RFC 7635 plugin: each bad token or request
# gets 401, the log says why (with a token id, never a secret), and coturn
# goes on serving.  Tokens are crafted byte by byte by
# tests/fixtures/craft_token; the client is turn-token probe.
. "$TOP_SRCDIR/tests/lib.sh"

CRAFT=$TOP_BUILDDIR/tests/fixtures/craft_token
PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
SERVER_NAME=turn.example.net
NOW=$(date +%s)

b64url_key() { head -c "$1" /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '='; }
GOOD=$(b64url_key 32)
SMALL=$(b64url_key 16)
NOTYET=$(b64url_key 32)
GONE=$(b64url_key 32)
cat >"$T/keys.json" <<JSON
{"keys": [
 {"kty": "oct", "kid": "good", "alg": "A256GCM", "use": "enc", "k": "$GOOD"},
 {"kty": "oct", "kid": "small", "alg": "AEAD_AES_128_GCM", "k": "$SMALL"},
 {"kty": "oct", "kid": "notyet", "alg": "A256GCM", "k": "$NOTYET", "nbf": $((NOW + 3600))},
 {"kty": "oct", "kid": "gone", "alg": "A256GCM", "k": "$GONE", "exp": $((NOW - 60))}
]}
JSON
cat >"$T/tpa.conf" <<CONF
# the negative matrix
key-set = $T/keys.json
clock-skew = 30
CONF

start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf" ||
	{ not_ok "turnserver starts with coturn_tpa.so"; finish; }
ok "turnserver starts with coturn_tpa.so"

SECRETS=("$GOOD" "$SMALL" "$NOTYET" "$GONE")
n=0

# attempt KID KEY USERNAME [craft args...]: crafts a token under KEY, sends
# it as USERNAME signed with its mac_key; leaves the probe's output in
# $T/case$n.out and its status in $rc.
attempt() {
	local key=$1 user=$2
	shift 2
	n=$((n + 1))
	"$CRAFT" --key-b64url "$key" --server-name "$SERVER_NAME" "$@" \
		>"$T/case$n.tok" || return 1
	TOKEN=$(sed -n 1p "$T/case$n.tok")
	MAC=$(sed -n 2p "$T/case$n.tok")
	SECRETS+=("$TOKEN" "$MAC")
	# the secrets in a file; USERNAME, which some cases empty, given
	# on the command line (it is the kid, not a secret)
	credential "$T/case$n.json" username="${user:-none}" \
		key="${SIGN_WITH:-$MAC}" access_token="$TOKEN"
	# the case's own log lines are those written after this point
	LOG_FROM=$(($(stat -c %s "$T/ts.log") + 1))
	probe --credential "$T/case$n.json" --username "$user" \
		>"$T/case$n.out" 2>&1
	rc=$?
}

# token_id: the case's token id as coturn's log shows it (the first 8
# bytes of the token's SHA-256, in hex); the token travels on a pipe.
token_id() {
	printf '%s' "$TOKEN" | base64 -d | sha256sum | cut -c1-16
}

# case_logged TEXT: a line of this case's part of coturn's log has TEXT
# after "auth plugin rejected: token <this case's id>: ".
case_logged() {
	tail -c "+$LOG_FROM" "$T/ts.log" |
		grep -F "auth plugin rejected: token $(token_id): " |
		grep -qF -- "$1"
}

# refused REASON KEY USER [craft args...]: 401, and REASON in the case's
# own part of coturn's log, on the line of its token id (waited for: the
# log may trail the response a little; 10 s at most).
refused() {
	local reason=$1 i
	shift
	attempt "$@" || return 1
	[ "$rc" -eq 1 ] && grep -q '^ERROR code=401 ' "$T/case$n.out" ||
		{ echo "# case $n: $(cat "$T/case$n.out")"; return 1; }
	for i in $(seq 100); do
		case_logged "$reason" && return 0
		sleep 0.1
	done
	echo "# case $n: no '$reason' for token $(token_id) in its part of the log"
	return 1
}

accepted() {
	attempt "$@" && [ "$rc" -eq 0 ] && grep -q '^ALLOCATED ' "$T/case$n.out"
}

check "control: a good token allocates" accepted "$GOOD" good
check "control: an A128GCM key and a 32-byte mac_key allocate" \
	accepted "$SMALL" small --mac-len 32

check "expired token" refused "token expired at" "$GOOD" good \
	--ts $((NOW - 7200)) --lifetime 600
check "token from the future beyond the skew" \
	refused "token is from the future" "$GOOD" good --ts $((NOW + 600))
check "a token from the future within the skew is fine" \
	accepted "$GOOD" good --ts $((NOW + 20))
check "wrong server name" refused "authentication failed: wrong key, wrong server name" \
	"$GOOD" good --server-name other.example.net
check "unknown kid" refused "unknown kid 'stranger'" "$GOOD" stranger
check "key before its nbf" refused "key 'notyet' is not valid before $((NOW + 3600))" \
	"$NOTYET" notyet
check "key after its exp" refused "key 'gone' expired at $((NOW - 60))" "$GONE" gone
check "token under another key of the set" \
	refused "authentication failed" "$SMALL" good
check "tampered tag" refused "authentication failed" "$GOOD" good --tamper tag
check "tampered ciphertext" refused "authentication failed" "$GOOD" good \
	--tamper ciphertext
check "tampered nonce" refused "authentication failed" "$GOOD" good --tamper nonce
for nl in 0 11 13 1000; do
	check "nonce length $nl" refused "nonce length $nl, expected 12" \
		"$GOOD" good --nonce-len $nl
done
check "truncated token (50 bytes)" refused "token is 50 bytes, too short" \
	"$GOOD" good --truncate 50
check "truncated token (70 of 76 bytes)" refused "token is 70 bytes, expected 64 or 76" \
	"$GOOD" good --mac-len 32 --truncate 70
check "truncated to its length field" refused "token is 1 bytes, too short" \
	"$GOOD" good --truncate 1
for kl in 0 17 65; do
	check "key_length $kl" refused "mac key length $kl, expected 20 or 32" \
		"$GOOD" good --key-length-field $kl
done
SIGN_WITH=$(head -c 20 /dev/urandom | base64 -w0)
check "wrong MESSAGE-INTEGRITY" \
	refused "MESSAGE-INTEGRITY does not match the token's 20-byte mac_key" \
	"$GOOD" good
SIGN_WITH=
check "missing USERNAME" refused "no USERNAME, which must name the kid" \
	"$GOOD" ""

check "coturn still serves after all of that" accepted "$GOOD" good
kill -0 "$TS_PID" 2>/dev/null
check "turnserver is still running" test $? -eq 0

check "no key, mac_key or whole token in coturn's log" \
	no_secret_in "$T/ts.log" "${SECRETS[@]}"

finish
