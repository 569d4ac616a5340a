# RFC 8016 mobility with token sessions: a MOBILITY-TICKET moves an
# allocation only for a request authenticated with the credentials the
# allocation holds (its mac_key).  Another client's own valid token, under
# another kid or the same one, does not take it over, not even when that
# client authenticated on its new address first; a new token of the owner
# does not move it either.  The owner moves with its key.  Real plugin,
# real patched coturn with --mobility, tests/fixtures/mobility_check as
# the clients.
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
MOBILITY=$TOP_BUILDDIR/tests/fixtures/mobility_check
SERVER_NAME=turn.example.net

"$TURN_TOKEN" keygen --kid kid-a >"$T/a.jwk"
"$TURN_TOKEN" keygen --kid kid-b >"$T/b.jwk"
printf '{"keys": [%s, %s]}\n' "$(cat "$T/a.jwk")" "$(cat "$T/b.jwk")" \
	>"$T/keys.json"
printf 'key-set = %s\nclock-skew = 5\n' "$T/keys.json" >"$T/tpa.conf"

start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" --mobility \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf" ||
	{ not_ok "turnserver --mobility starts with coturn_tpa.so"; finish; }

# creds NAME KID: a 600 s token; sets NAME_MAC and NAME_TOKEN
creds() {
	"$TURN_TOKEN" issue --keys "$T/keys.json" --kid "$2" \
		--server-name "$SERVER_NAME" --lifetime 600 >"$T/$1.json" ||
		return 1
	printf -v "$1_MAC" '%s' "$(jq -r .key "$T/$1.json")"
	printf -v "$1_TOKEN" '%s' "$(jq -r .access_token "$T/$1.json")"
}

# run SCENARIO OUT OWNER_KID [OTHER_KID]: fresh tokens for the owner (and
# the other client); the client's output in $T/OUT
run() {
	local args
	creds owner "$3" || return 1
	args=("$TS_PORT" "$3" "$owner_MAC" "$owner_TOKEN" "$1")
	if [ -n "${4:-}" ]; then
		creds other "$4" || return 1
		args+=("$4" "$other_MAC" "$other_TOKEN")
	fi
	timeout 60 "$MOBILITY" "${args[@]}" >"$T/$2" 2>&1
	sed 's/^/# /' "$T/$2"
}

# 1. The owner moves with its own mac_key.
run owner owner.out kid-a
check "the owner's allocation has a MOBILITY-TICKET" \
	grep -q '^allocated ok ' "$T/owner.out"
check "the owner moves its allocation with its own key" \
	grep -q '^move ok ' "$T/owner.out"
check "the moved allocation refreshes from the new address" \
	grep -q '^moved-refresh ok ' "$T/owner.out"

# The response that moves it is well formed from the first: coturn's
# mobility response once carried a stale length, came out malformed, and
# only the answer to a retransmission got through (over UDP).
check "the response that moves the allocation is well formed" \
	grep -q '^move ok lifetime=[0-9]* malformed=0$' "$T/owner.out"

# ... also with its token again in the request.
run owner-token owner-token.out kid-a
check "the owner moves with its own key and its token again" \
	eval "grep -q '^move ok ' '$T/owner-token.out' &&
		grep -q '^moved-refresh ok ' '$T/owner-token.out'"

# takeover_refused OUT: what another client's ticket request must not do
takeover_refused() {
	local out=$1
	grep -Eq '^attacker-move ERROR code=(401|441)' "$T/$out" &&
		! grep -q '^attacker-permission ok' "$T/$out" &&
		grep -q '^owner-refresh ok ' "$T/$out"
}

# 2. Another client, with its own valid token under another kid.
run takeover other-kid.out kid-a kid-b
check "a ticket and another client's token (other kid) move nothing" \
	takeover_refused other-kid.out

# 3. ... under the same kid: the kid names the issuer's key, which every
# client of that issuer shares; only the mac_key is the owner's.
run takeover same-kid.out kid-a kid-a
check "a ticket and another client's token (same kid) move nothing" \
	takeover_refused same-kid.out

# 4. ... having authenticated on its new address first.
run preauth preauth.out kid-a kid-b
check "a client authenticated on its new address first moves nothing" \
	takeover_refused preauth.out
check "coturn logs the refused move" \
	grep -q 'mobility ticket refused' "$T/ts.log"

# 5. The owner with a new token (new mac_key) keeps its allocation where
# it is: a move needs the key the allocation holds.
run newtoken newtoken.out kid-a kid-a
check "a move with a new token is refused" \
	grep -Eq '^move ERROR code=(401|441)' "$T/newtoken.out"
check "the allocation stays with the owner's address" \
	grep -q '^old-address-refresh ok ' "$T/newtoken.out"

check "no mac_key or token in coturn's log" no_secret_in "$T/ts.log" \
	"$owner_MAC" "$owner_TOKEN" "$other_MAC" "$other_TOKEN"
finish
