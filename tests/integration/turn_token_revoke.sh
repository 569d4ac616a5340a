# turn-token revoke against a real redis-server, without coturn: what it
# writes (the keys, their expiries, the announcement a subscriber hears),
# how it learns when a revocation ends (the token's first use, the token
# opened with the key set, --ttl; a kid's exp, --ttl), a later time that
# wins, and bad input refused with a clear error that changes nothing: a
# token on the command line (never echoed), no Redis or two, a bad id, a
# token that cannot tell its end, Redis that does not answer.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/redis-lib.sh"
. "$TOP_SRCDIR/tests/fleet-lib.sh"

TT=$TURN_TOKEN
KEY_EXP=$(($(date +%s) + 7200))
fleet_keys k1 "k2@$KEY_EXP" || { not_ok "a key set"; finish; }
start_redis r || { not_ok "redis-server starts"; finish; }
URL=redis://127.0.0.1:$REDIS_PORT

# runs NAME WANT_RC ARGS...: turn-token with stdout in $T/NAME.out and
# stderr in $T/NAME.err, exiting WANT_RC.
runs() {
	local name=$1 want=$2 rc
	shift 2
	"$TT" "$@" >"$T/$name.out" 2>"$T/$name.err" <"${STDIN:-/dev/null}"
	rc=$?
	[ "$rc" -eq "$want" ] && return 0
	echo "# $name: exit status $rc, expected $want; stderr:"
	sed 's/^/#   /' "$T/$name.err"
	return 1
}
err_says() {
	grep -qF -- "$2" "$T/$1.err" || {
		echo "# $1: no '$2' in:"
		sed 's/^/#   /' "$T/$1.err"
		return 1
	}
}
keys_now() {
	rcli "$REDIS_PORT" --scan --pattern '*' | sort | tr '\n' ' '
}
ttl_between() {
	local ttl
	ttl=$(rcli "$REDIS_PORT" TTL "$1")
	[ "$ttl" -ge "$2" ] && [ "$ttl" -le "$3" ] ||
		{ echo "# $1: TTL $ttl, not $2..$3"; return 1; }
}

# a subscriber hears what is announced
timeout 60 "$REDIS_CLI_BIN" -h 127.0.0.1 -p "$REDIS_PORT" SUBSCRIBE tpa:revoke \
	>"$T/heard.out" 2>&1 &
PIDS+=("$!")
subscribed() {
	[ "$(rcli "$REDIS_PORT" PUBSUB NUMSUB tpa:revoke | sed -n 2p)" = 1 ]
}
wait_for 10 subscribed

# ---- bad input changes nothing ----------------------------------------------
issue t k1 600
TOKEN=$(jq -r .access_token "$T/t.json")
BEFORE=$(keys_now)
check "a token on the command line is refused" runs argv 2 revoke --redis "$URL" "$TOKEN"
check "... with where to give it instead" err_says argv "give a token with --token-file FILE or --token-file - (standard input)"
check "... and without echoing it" eval '! grep -qF "$TOKEN" "$T/argv.err"'
check "no Redis given" runs none 2 revoke --id 0123456789abcdef --ttl 60
check "... says so" err_says none "turn-token: revoke: give one of --redis URL and --config FILE"
check "two Redis given" runs two 2 revoke --redis "$URL" --config "$T/x.conf" --id 0123456789abcdef
check "no target" runs notarget 2 revoke --redis "$URL"
check "... says which" err_says notarget "give one of --token-file, --id and --kid"
check "a bad token id" runs badid 2 revoke --redis "$URL" --id 0123456789ABCDEF --ttl 60
check "... says what an id is" err_says badid "a token id is 16 characters 0-9 a-f"
check "a bad Redis URL" runs badurl 2 revoke --redis "redis://127.0.0.1:0" --id 0123456789abcdef --ttl 60
check "... names the option" err_says badurl "turn-token: revoke: --redis: "
check "a never-used id without --ttl: when it ends is unknown" \
	runs unknown 2 revoke --redis "$URL" --id 0123456789abcdef
check "... and the error says what to give" \
	err_says unknown "token 0123456789abcdef was never used (no tpa:{ID}:use in Redis), so Redis cannot tell when it ends; give the token with --token-file or --ttl SECONDS"
check "a never-used token without keys either" \
	eval 'STDIN=$T/t.json runs unknown2 2 revoke --redis "$URL" --token-file -'
check "... asks for the key set" err_says unknown2 "give --keys and --server-name or --ttl SECONDS"
check "a kid without exp and without --ttl" \
	runs noexp 2 revoke --redis "$URL" --keys "$T/keys.json" --kid k1
check "... says the key has no exp" err_says noexp "the key has no exp; give --ttl SECONDS"
check "a config without Redis" eval 'printf "key-set = %s\n" "$T/keys.json" >"$T/noredis.conf" &&
	runs noredis 2 revoke --config "$T/noredis.conf" --kid k1 --ttl 60'
check "... says so" err_says noredis "sets no Redis"
DEAD=$(free_port)
check "Redis that does not answer" \
	runs dead 2 revoke --redis "redis://127.0.0.1:$DEAD" --id 0123456789abcdef --ttl 60 --timeout-ms 200
check "... is an error that says so" err_says dead "turn-token: revoke: Redis: "
check "none of this wrote anything to Redis" test "$(keys_now)" = "$BEFORE"
check "... nor announced anything" eval '! grep -q "^token\|^kid" "$T/heard.out"'

# ---- what a revocation writes ------------------------------------------------
check "a never-used token opened with the key set" \
	eval 'STDIN=$T/t.json runs tok 0 revoke --redis "$URL" --token-file - --keys "$T/keys.json" --server-name "$SERVER_NAME"'
check "... ends with the token (+ skew)" \
	grep -q "^revoked token ${TOKEN_ID[t]} until .* (from the token's end and the skew)$" "$T/tok.out"
check "... the record expires then" ttl_between "tpa:{${TOKEN_ID[t]}}:revoked" 595 605
heard() {
	grep -qx "$1" "$T/heard.out"
}
check "... and the subscriber heard 'token ID'" wait_for 10 heard "token ${TOKEN_ID[t]}"
check "--ttl for an id nothing knows" runs byttl 0 revoke --redis "$URL" --id 00000000000000aa --ttl 120
check "... holds for --ttl" ttl_between "tpa:{00000000000000aa}:revoked" 115 120
check "a shorter revocation later does not shorten it" runs shorter 0 revoke --redis "$URL" --id 00000000000000aa --ttl 90
check "... the tool says the earlier one holds" grep -q "(from an earlier revocation)$" "$T/shorter.out"
check "... and Redis still has the longer" ttl_between "tpa:{00000000000000aa}:revoked" 110 120
check "a kid with an exp, from the key set" runs kid 0 revoke --redis "$URL" --keys "$T/keys.json" --kid k2
check "... until its exp (+ skew)" test "$(rcli "$REDIS_PORT" ZSCORE tpa:revoked-kids k2)" = $((KEY_EXP + 5))
check "... the set expires then" ttl_between tpa:revoked-kids 7190 7205
check "a kid with --ttl" runs kidttl 0 revoke --redis "$URL" --kid k9 --ttl 300
check "... does not shorten the set's life" ttl_between tpa:revoked-kids 7190 7205
check "the subscriber heard both kids" eval 'wait_for 10 heard "kid k2" && heard "kid k9"'
check "every key of ours has an expiry" eval '
	for k in $(rcli "$REDIS_PORT" --scan --pattern "tpa:*"); do
		[ "$(rcli "$REDIS_PORT" TTL "$k")" -gt 0 ] || exit 1
	done'
check "the tool prints no secret" no_secret_in "$T/tok.out" "$TOKEN" "$(jq -r .key "$T/t.json")"

finish
