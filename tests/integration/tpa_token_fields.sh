# Tokens mean what their fields say.  Tokens made by coturn's own encoder,
# Debian's turnutils_oauth -e: one whose mac_key it cut at a zero byte
# (it takes the key's strlen) is refused by the plugin, and by
# turn-token inspect, as a mac_key of that many bytes, not as a short
# token; one of lifetime 0 is refused, even stamped within the clock skew
# ahead of the server, where it used to be accepted; turn-token issue
# refuses to make one.
. "$TOP_SRCDIR/tests/lib.sh"

SERVER_NAME=turn.example.net

# oauth_token MAC_B64 LIFETIME [TS_48_16]: a token of turnutils_oauth -e
# under the key k1 of $T/keys.json (its access_token, standard base64).
oauth_token() {
	local k ts=${3:-}
	k=$(jq -r '.keys[0].k' "$T/keys.json" | tr '_-' '/+')
	while [ $((${#k} % 4)) -ne 0 ]; do k="$k="; done
	turnutils_oauth -e -i "$SERVER_NAME" -j k1 -k "$k" -l 1 \
		-m 4294967295 -n A256GCM -p "$1" -r "$2" ${ts:+-q "$ts"} \
		2>/dev/null | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}

# refused_for NAME TOKEN MAC_B64 REASON: the plugin answers 401 and logs
# REASON for the token's id.
refused_for() {
	local name=$1 tok=$2 mac=$3 reason=$4 id i
	[ -n "$tok" ] || { echo "# $name: turnutils_oauth made no token"; return 1; }
	credential "$T/$name.json" kid=k1 key="$mac" access_token="$tok"
	probe --credential "$T/$name.json" >"$T/$name.out" 2>&1
	grep -q '^ERROR code=401 ' "$T/$name.out" ||
		{ echo "# $name: $(cat "$T/$name.out")"; return 1; }
	id=$(printf '%s' "$tok" | base64 -d | sha256sum | cut -c1-16)
	for i in $(seq 100); do
		log_has "$T/ts.log" "auth plugin rejected: token $id: $reason" &&
			return 0
		sleep 0.1
	done
	echo "# $name: no 'token $id: $reason' in the log"
	return 1
}

# inspect_says NAME TOKEN TEXT: turn-token inspect finds TEXT in its verdict.
inspect_says() {
	"$TURN_TOKEN" inspect --keys "$T/keys.json" --server-name "$SERVER_NAME" \
		"$2" >"$T/$1.inspect" 2>&1
	[ $? -eq 1 ] && grep -qF -- "verdict:    INVALID: $3" "$T/$1.inspect" || {
		echo "# $1: $(grep verdict "$T/$1.inspect")"
		return 1
	}
}

start_tpa k1 ||
	{ not_ok "turnserver starts with coturn_tpa.so"; finish; }
ok "turnserver starts with coturn_tpa.so"

# a 20-byte mac_key with a zero byte at offset 3: turnutils_oauth keeps 3
MAC0=$(printf '\001\002\003\000\005\006\007\010\011\012\013\014\015\016\017\020\021\022\023\024' | base64 -w0)
CUT=$(oauth_token "$MAC0" 600)
check "turnutils_oauth cut the mac_key at its zero byte: a 47-byte token" \
	test "$(printf '%s' "$CUT" | base64 -d | wc -c)" -eq 47
check "the plugin names what is wrong: a 3-byte mac_key" \
	refused_for cut "$CUT" "$MAC0" \
	"kid 'k1': mac key is 3 bytes, not 20 or 32 (cut at a zero byte, as turnutils_oauth -e does?)"
check "turn-token inspect says the same" \
	inspect_says cut "$CUT" \
	"bad mac key length: mac key is 3 bytes, not 20 or 32 (cut at a zero byte"
# control: the same key without a zero byte allocates
MAC=$(printf '\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017\020\021\022\023\024' | base64 -w0)
GOOD=$(oauth_token "$MAC" 600)
credential "$T/good.json" kid=k1 key="$MAC" access_token="$GOOD"
allocates() {
	probe --credential "$1" >"$T/good.out" 2>&1 &&
		grep -q '^ALLOCATED ' "$T/good.out"
}
check "control: turnutils_oauth's token with a whole 20-byte mac_key allocates" \
	allocates "$T/good.json"

# lifetime 0, stamped now, and 3 s ahead of the server (skew 5 s)
NOW=$(date +%s)
ZERO=$(oauth_token "$MAC" 0)
AHEAD=$(oauth_token "$MAC" 0 $(((NOW + 3) * 65536)))
check "lifetime 0 is refused" refused_for zero "$ZERO" "$MAC" \
	"token has lifetime 0: it is valid at no time"
check "lifetime 0 stamped within the skew ahead is refused too" \
	refused_for ahead "$AHEAD" "$MAC" \
	"token has lifetime 0: it is valid at no time"
check "turn-token inspect: lifetime 0 is valid at no time" \
	inspect_says zero "$ZERO" "lifetime 0: the token is valid at no time"
check "turn-token issue refuses to make a token of lifetime 0" \
	bash -c "! '$TURN_TOKEN' issue --keys '$T/keys.json' --kid k1 \
		--server-name $SERVER_NAME --lifetime 0 >'$T/issue0.out' 2>&1 &&
		grep -q 'turn-token: issue: --lifetime must be at least 1 second' '$T/issue0.out'"
check "no mac_key or whole token in coturn's log" \
	no_secret_in "$T/ts.log" "$CUT" "$GOOD" "$ZERO" "$AHEAD" "$MAC" "$MAC0"

finish
