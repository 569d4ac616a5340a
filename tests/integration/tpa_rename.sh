# A session keeps the identity its token gave it: a request with another
# USERNAME whose credentials do not authenticate (a token the plugin
# refuses, or no token at all) gets an error and changes nothing, however
# well it is signed with the session's own key; and coturn checks a
# request's MESSAGE-INTEGRITY with the key a plugin returns before that key
# replaces the session's, so a plugin that ACCEPTs without checking it (the
# test plugin) cannot hand a session another key.  Real patched coturn,
# with the real plugin and with the test plugin; the client is
# tests/fixtures/session_check.
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
CHECK=$TOP_BUILDDIR/tests/fixtures/session_check
SERVER_NAME=turn.example.net

b64() { head -c "$1" /dev/urandom | base64 -w0; }

# 1. The real plugin.
"$TURN_TOKEN" keygen --kid kid-a >"$T/a.jwk"
"$TURN_TOKEN" keygen --kid kid-b >"$T/b.jwk"
printf '{"keys": [%s, %s]}\n' "$(cat "$T/a.jwk")" "$(cat "$T/b.jwk")" \
	>"$T/keys.json"
printf 'key-set = %s\nclock-skew = 5\n' "$T/keys.json" >"$T/tpa.conf"
start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" --verbose \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf" ||
	{ not_ok "turnserver starts with coturn_tpa.so"; finish; }
"$TURN_TOKEN" issue --keys "$T/keys.json" --kid kid-a \
	--server-name "$SERVER_NAME" --lifetime 600 >"$T/t.json" ||
	not_ok "turn-token issues a token"
"$TURN_TOKEN" issue --keys "$T/keys.json" --kid kid-b \
	--server-name "$SERVER_NAME" --lifetime 600 >"$T/tb.json" ||
	not_ok "turn-token issues a token"
MAC=$(jq -r .key "$T/t.json")
TOKEN=$(jq -r .access_token "$T/t.json")
MACB=$(jq -r .key "$T/tb.json")
TOKENB=$(jq -r .access_token "$T/tb.json")
JUNK=$(b64 80)

timeout 60 "$CHECK" "$TS_PORT" kid-a "$MAC" "$TOKEN" steps \
	"refused:refresh:alice:$MAC:$JUNK" \
	"after-refused:refresh:kid-a:$MAC:" \
	"no-token:refresh:victim-user:$MAC:" \
	"after-no-token:refresh:kid-a:$MAC:" \
	"new-kid:refresh:kid-b:$MACB:$TOKENB" \
	"new-kid-key:refresh:kid-b:$MACB:" \
	"old-kid:refresh:kid-a:$MAC:" >"$T/real.out" 2>&1
sed 's/^/# /' "$T/real.out"
check "a new USERNAME with a token the plugin refuses gets 401" \
	grep -q '^refused ERROR code=401' "$T/real.out"
check "a new USERNAME without a token gets 441 (Wrong Credentials)" \
	grep -q '^no-token ERROR code=441' "$T/real.out"
check "the session's own credentials still work after each" \
	eval "grep -q '^after-refused ok ' '$T/real.out' &&
		grep -q '^after-no-token ok ' '$T/real.out'"
# session lines: "user <NAME>: incoming packet", "username=<NAME>",
# "closed (2nd stage), user <NAME> realm"
# booked_as NAMES: coturn's log books the session under one of NAMES (a
# regular expression); the session's own kids show that it would see it
booked_as() {
	grep -Eq "username=<($1)>|user <($1)>[: ]" "$T/ts.log"
}
check "coturn never books the session under a refused name" \
	eval "booked_as kid-a && booked_as kid-b && ! booked_as 'alice|victim-user'"
check "the log says why the token was refused" \
	grep -q "auth plugin rejected: token [^ ]*: unknown kid 'alice'" \
	"$T/ts.log"
check "a new token under another kid (RFC 7635) takes the session over" \
	eval "grep -q '^new-kid ok ' '$T/real.out' &&
		grep -q '^new-kid-key ok ' '$T/real.out'"
check "... after which the old kid without a token gets 441" \
	grep -q '^old-kid ERROR code=441' "$T/real.out"
check "no mac_key or token in coturn's log" \
	no_secret_in "$T/ts.log" "$MAC" "$TOKEN" "$MACB" "$TOKENB"

# 2. A plugin that ACCEPTs without checking MESSAGE-INTEGRITY.
head -c 20 /dev/urandom >"$T/ka.bin"
head -c 20 /dev/urandom >"$T/kb.bin"
hex() { od -An -tx1 "$1" | tr -d ' \n'; }
KA=$(hex "$T/ka.bin")
KB=$(hex "$T/kb.bin")
cat >"$T/test-plugin.conf" <<CONF
third-party yes
user a key $KA
user b key $KB
CONF
start_turnserver tp "$TURNSERVER" --server-name="$SERVER_NAME" --verbose \
	--auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/test-plugin.conf" ||
	{ not_ok "turnserver starts with the test plugin"; finish; }
KA64=$(base64 -w0 "$T/ka.bin")
KB64=$(base64 -w0 "$T/kb.bin")
timeout 60 "$CHECK" "$TS_PORT" a "$KA64" "" steps \
	"bad-mi:refresh:b:$(b64 20):$JUNK" \
	"other-key:refresh:a:$KB64:" \
	"own-key:refresh:a:$KA64:" \
	"new-user:refresh:b:$KB64:$JUNK" \
	"new-key:refresh:b:$KB64:" >"$T/test-plugin.out" 2>&1
sed 's/^/# /' "$T/test-plugin.out"
check "a request whose MESSAGE-INTEGRITY the returned key does not verify gets 401" \
	grep -q '^bad-mi ERROR code=401' "$T/test-plugin.out"
check "... and the session keeps its key: the returned key does not work" \
	grep -q '^other-key ERROR code=401' "$T/test-plugin.out"
check "... the session's own key still does" \
	grep -q '^own-key ok ' "$T/test-plugin.out"
check "a new USERNAME whose key verifies the request replaces the credentials" \
	eval "grep -q '^new-user ok ' '$T/test-plugin.out' &&
		grep -q '^new-key ok ' '$T/test-plugin.out'"
finish
