# A session authorized by a token lives no longer than the token (or its
# key), however often the client refreshes, and with a clock skew it still
# ends at the token's own end (ts + lifetime): presenting the same token
# again after that is refused; a spoofed request with another
# USERNAME cannot knock the client's credentials out; a new token on the
# same session replaces the old key.  Real plugin, real patched coturn,
# tests/fixtures/session_check as the client.
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
CHECK=$TOP_BUILDDIR/tests/fixtures/session_check
SERVER_NAME=turn.example.net

"$TURN_TOKEN" keygen --kid k1 >"$T/k1.jwk"
"$TURN_TOKEN" keygen --kid short --exp $(($(date +%s) + 60)) >"$T/short.jwk"
printf '{"keys": [%s, %s]}\n' "$(cat "$T/k1.jwk")" "$(cat "$T/short.jwk")" \
	>"$T/keys.json"
# the skew widens what is accepted; it must not lengthen a session
printf 'key-set = %s\nclock-skew = 20\n' "$T/keys.json" >"$T/tpa.conf"

start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf" ||
	{ not_ok "turnserver starts with coturn_tpa.so"; finish; }

# token NAME KID LIFETIME: sets MAC and TOKEN from turn-token issue
token() {
	"$TURN_TOKEN" issue --keys "$T/keys.json" --kid "$2" \
		--server-name "$SERVER_NAME" --lifetime "$3" >"$T/$1.json" ||
		return 1
	MAC=$(jq -r .key "$T/$1.json")
	TOKEN=$(jq -r .access_token "$T/$1.json")
}

# 1. Refreshing every half second does not outlive a 3-second token.
token t3 k1 3
"$CHECK" "$TS_PORT" k1 "$MAC" "$TOKEN" expiry 500 6000 >"$T/expiry.out" 2>&1
cat "$T/expiry.out" | sed 's/^/# /'
check "the allocation got at most the token's 3 s" \
	grep -Eq '^allocated lifetime=[123]$' "$T/expiry.out"
check "refreshes within the token's life succeed" \
	grep -Eq '^t=[0-9]+ ok ' "$T/expiry.out"
no_refresh_after_expiry() {
	local late
	late=$(awk '/^t=[0-9]+ ok/ { split($1, t, "="); if (t[2] >= 4000) print }' \
		"$T/expiry.out")
	[ -z "$late" ] &&
		grep -Eq '^t=[0-9]+ ERROR code=(401|437)' "$T/expiry.out"
}
check "no Refresh succeeds once the token has expired; the client is refused" \
	no_refresh_after_expiry

# 2. Presenting the same 3-second token again and again, with a skew of
# 20 s: the token's end is the session's end.
token t3r k1 3
"$CHECK" "$TS_PORT" k1 "$MAC" "$TOKEN" represent 500 9000 >"$T/represent.out" 2>&1
sed 's/^/# /' "$T/represent.out"
TOKEN_ID=$("$TURN_TOKEN" inspect --keys "$T/keys.json" \
	--server-name "$SERVER_NAME" "$TOKEN" 2>&1 | sed -n 's/^token id: *//p')
no_life_after_expiry() {
	local late
	late=$(awk '/^t=[0-9]+ ok/ { split($1, t, "="); if (t[2] >= 5000) print }' \
		"$T/represent.out")
	[ -z "$late" ] && grep -Eq '^t=[0-9]+ ERROR code=401' "$T/represent.out"
}
check "the same token again does not keep the allocation past its end (skew 20 s)" \
	no_life_after_expiry
check "... nor a permission" grep -q '^permission ERROR' "$T/represent.out"
check "the log says the token expired, the skew notwithstanding" \
	grep -q "token $TOKEN_ID: token expired at .* (a skew of 20 s admits a token early, never late)" \
	"$T/ts.log"

# 3. A key that expires before the token bounds the session too.
token tshort short 600
"$CHECK" "$TS_PORT" short "$MAC" "$TOKEN" expiry 5000 1 >"$T/keyexp.out" 2>&1
key_bounds_session() {
	local lt
	lt=$(sed -n 's/^allocated lifetime=//p' "$T/keyexp.out")
	[ -n "$lt" ] && [ "$lt" -ge 1 ] && [ "$lt" -le 60 ]
}
check "a key's exp bounds the session (at most 60 s for a 600 s token)" \
	key_bounds_session

# 4. A spoofed request with another USERNAME and a junk key.
token t600 k1 600
"$CHECK" "$TS_PORT" k1 "$MAC" "$TOKEN" intruder >"$T/intruder.out" 2>&1
check "the intruder's Refresh (another USERNAME, no token) gets 441" \
	grep -q '^intruder ERROR code=441' "$T/intruder.out"
check "the client's own Refresh, without a token, still works" \
	grep -q '^client ok ' "$T/intruder.out"

# 5. A new token on the same session (same kid, new mac_key).
MAC1=$MAC
TOKEN1=$TOKEN
token t600b k1 600
"$CHECK" "$TS_PORT" k1 "$MAC1" "$TOKEN1" newtoken "$MAC" "$TOKEN" \
	>"$T/newtoken.out" 2>&1
check "a Refresh with a new token is accepted" \
	grep -q '^newtoken ok ' "$T/newtoken.out"
check "later requests use the new mac_key" grep -q '^newkey ok ' "$T/newtoken.out"
check "the old mac_key no longer works" \
	grep -q '^oldkey ERROR code=401' "$T/newtoken.out"

finish
