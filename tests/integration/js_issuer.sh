# The JavaScript issuer (examples/js-issuer) against the C side: tokens
# minted by turn-token issue open in the JavaScript decoder and tokens
# minted in JavaScript open in turn-token inspect, with the same fields;
# both kinds are accepted by the plugin in the patched coturn, in the RFC
# 7635 profile (ACCESS-TOKEN) and the browser profile (username and
# credential); and its token endpoint hands out ice_servers only after a
# login.
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
SERVER_NAME=turn.example.net
ISSUER=$TOP_SRCDIR/examples/js-issuer/issuer.mjs
TS=1795000000

"$TURN_TOKEN" keygen --kid a256 >"$T/a256.jwk"
"$TURN_TOKEN" keygen --kid a128 --alg A128GCM >"$T/a128.jwk"
printf '{"keys": [%s, %s]}\n' "$(cat "$T/a256.jwk")" "$(cat "$T/a128.jwk")" \
	>"$T/keys.json"

js() { node "$ISSUER" "$@"; }

# c_to_js KID MAC_ALG: turn-token issue, then the JavaScript decoder
c_to_js() {
	"$TURN_TOKEN" issue --keys "$T/keys.json" --server-name "$SERVER_NAME" \
		--kid "$1" --mac-alg "$2" --timestamp "$TS" --lifetime 4242 \
		>"$T/c.json" || return 1
	js decode --keys "$T/keys.json" --server-name "$SERVER_NAME" \
		--kid "$1" --show-key "$(jq -r .access_token "$T/c.json")" \
		>"$T/c-in-js.json"
	js decode --keys "$T/keys.json" --server-name "$SERVER_NAME" \
		--show-key "$(jq -r .ice_server.username "$T/c.json")" \
		>"$T/c-user-in-js.json"
	jq -e --slurpfile c "$T/c.json" '.mac_key == $c[0].key and
		.timestamp == '"$TS"' and .lifetime == 4242 and .kid == $c[0].kid' \
		"$T/c-in-js.json" >/dev/null &&
		cmp -s "$T/c-in-js.json" "$T/c-user-in-js.json"
}
# js_to_c KID MAC_ALG: the JavaScript issuer, then turn-token inspect
js_to_c() {
	js issue --keys "$T/keys.json" --server-name "$SERVER_NAME" \
		--kid "$1" --mac-alg "$2" --timestamp "$TS" --lifetime 4242 \
		>"$T/js.json" || return 1
	"$TURN_TOKEN" inspect --keys "$T/keys.json" \
		--server-name "$SERVER_NAME" --now $((TS + 10)) --json \
		--show-key "$(jq -r .access_token "$T/js.json")" >"$T/js-in-c.json" ||
		return 1
	jq -e --slurpfile j "$T/js.json" '.kid == $j[0].kid and .valid and
		.key == $j[0].key and .timestamp == '"$TS"' and .lifetime == 4242' \
		"$T/js-in-c.json" >/dev/null
}
for kid in a256 a128; do
	for alg in HMAC-SHA1 HMAC-SHA256; do
		check "turn-token issue ($kid, $alg) opens in JavaScript, token and username alike" \
			c_to_js "$kid" "$alg"
		check "the JavaScript issuer's token ($kid, $alg) opens in turn-token inspect" \
			js_to_c "$kid" "$alg"
	done
done
js_same_shape() {
	js issue --keys "$T/keys.json" --server-name "$SERVER_NAME" --kid a256 \
		--urls turn:h:1,turns:h:2 >"$T/shape-js.json" &&
		"$TURN_TOKEN" issue --keys "$T/keys.json" --server-name "$SERVER_NAME" \
			--kid a256 --urls turn:h:1,turns:h:2 >"$T/shape-c.json" &&
		[ "$(jq -c '[paths]' "$T/shape-js.json")" = "$(jq -c '[paths]' "$T/shape-c.json")" ] &&
		[ "$(jq -c .ice_server.urls "$T/shape-js.json")" = '["turn:h:1","turns:h:2"]' ]
}
check "both issuers print the same members in the same order" js_same_shape
js_refuses() {
	local tok c
	tok=$(jq -r .access_token "$T/c.json")
	c=${tok:30:1}
	[ "$c" = A ] && c=B || c=A
	js decode --keys "$T/keys.json" --server-name "$SERVER_NAME" --kid a128 \
		"${tok:0:30}$c${tok:31}" >"$T/tampered.json"
	[ $? -eq 1 ] && jq -e '.verdict | startswith("INVALID: authentication failed")' \
		"$T/tampered.json" >/dev/null
}
check "the JavaScript decoder refuses a tampered token" js_refuses
js_refuses_broken_set() {
	printf '{"keys": [%s, %s]}\n' "$(cat "$T/a256.jwk")" "$(cat "$T/a256.jwk")" \
		>"$T/dup.json"
	! js issue --keys "$T/dup.json" --server-name s --kid a256 >"$T/dup.out" \
		2>"$T/dup.err" && grep -q 'kid "a256".*used twice' "$T/dup.err" &&
		[ ! -s "$T/dup.out" ]
}
check "the JavaScript issuer refuses a key set with a kid twice, and says where" \
	js_refuses_broken_set

# ---- the plugin takes both ---------------------------------------------

printf 'key-set = %s\nlog-level = debug\n' "$T/keys.json" >"$T/tpa.conf"
start_peer
start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf" ||
	{ not_ok "turnserver starts with coturn_tpa.so"; finish; }

# allocates_with WHO MAC_ALG PROFILE: a fresh token from WHO (c or js)
allocates_with() {
	local json
	if [ "$1" = c ]; then
		json=$("$TURN_TOKEN" issue --keys "$T/keys.json" --kid a256 \
			--server-name "$SERVER_NAME" --mac-alg "$2") || return 1
	else
		json=$(js issue --keys "$T/keys.json" --kid a256 \
			--server-name "$SERVER_NAME" --mac-alg "$2") || return 1
	fi
	if [ "$3" = rfc7635 ]; then
		# the issuer's whole response is the credential
		probe --credential - --peer "127.0.0.1:$PEER_PORT" \
			<<<"$json" >"$T/alloc.out" 2>&1
	else
		jq '{username: .ice_server.username, password: .ice_server.credential}' \
			<<<"$json" | probe --credential - \
			--peer "127.0.0.1:$PEER_PORT" >"$T/alloc.out" 2>&1
	fi
	grep -q '^RELAYED ' "$T/alloc.out" || { sed 's/^/#   /' "$T/alloc.out"; return 1; }
}
for who in c js; do
	for alg in HMAC-SHA1 HMAC-SHA256; do
		for profile in rfc7635 browser; do
			check "the plugin accepts a $who token ($alg) in the $profile profile" \
				allocates_with "$who" "$alg" "$profile"
		done
	done
done

# ---- the token endpoint -----------------------------------------------

PW=$(head -c 9 /dev/urandom | base64 | tr -d '/+=')
js serve --keys "$T/keys.json" --kid a128 --server-name "$SERVER_NAME" \
	--urls "turn:127.0.0.1:$TS_PORT?transport=udp" --user "alice:$PW" \
	--port 0 >"$T/issuer.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do
	URL=$(sed -n 's/.* listening on \(http:[^ ]*\)$/\1/p' "$T/issuer.log")
	[ -n "$URL" ] && break
	sleep 0.1
done
loopback_only() {
	local port=${URL%/}
	port=${port##*:}
	[ -n "$port" ] && ss -Hltn "sport = :$port" | grep -q . &&
		! ss -Hltn "sport = :$port" | awk '{ print $4 }' | grep -vq '^127\.0\.0\.1:'
}
check "the issuer listens on 127.0.0.1 only" loopback_only
# status METHOD PATH [curl args...]: the HTTP status code
status() {
	local m=$1 p=$2
	shift 2
	curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$@" "${URL%/}$p"
}
page_served() {
	curl -s -D "$T/page.headers" -o "$T/page" "$URL" &&
		grep -qi '^content-security-policy: default-src' "$T/page.headers" &&
		grep -q 'src="call.js"' "$T/page"
}
check "the page is served, with a content security policy" page_served
check "no token without a login (401)" \
	test "$(status POST /token -H 'Content-Type: application/json' -d '{}')" = 401
check "a wrong password gets no session (401)" \
	test "$(status POST /login -H 'Content-Type: application/json' \
		-d '{"user":"alice","password":"nope"}')" = 401
check "a form post is refused (415)" \
	test "$(status POST /login -d "user=alice&password=$PW")" = 415
endpoint_token() {
	[ "$(status POST /login -c "$T/jar" -H 'Content-Type: application/json' \
		-d "{\"user\":\"alice\",\"password\":\"$PW\"}")" = 200 ] &&
		[ "$(status POST /token -b "$T/jar" -H 'Content-Type: application/json' \
			-d '{}')" = 200 ] &&
		cp "$T/body" "$T/endpoint.json" &&
		jq '{username: .ice_server.username, password: .ice_server.credential}' \
			"$T/endpoint.json" | probe --credential - \
			>"$T/endpoint.out" 2>&1 &&
		grep -q '^ALLOCATED ' "$T/endpoint.out"
}
check "after a login the endpoint's ice_server allocates" endpoint_token
logs_id_only() {
	grep -Eq 'token [0-9a-f]{16} \(kid a128, 3600 s\) for alice' "$T/issuer.log" &&
		no_secret_in "$T/issuer.log" "$PW" \
			"$(jq -r .ice_server.username "$T/endpoint.json")" \
			"$(jq -r .ice_server.credential "$T/endpoint.json")"
}
check "the issuer logs the token by its id only" logs_id_only
finish
