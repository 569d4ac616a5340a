# The log says only what happened: one refused and one accepted request
# give exactly one line each from the plugin's decision, both with the
# session id (coturn no longer adds "Cannot find credentials" to a
# refusal), and a start without a user database logs no SQLite error.
# coturn's own mechanisms keep their own line; a configured database that
# cannot be opened is still an error; times in refusals are UTC dates too.
. "$TOP_SRCDIR/tests/lib.sh"

# token_id FILE: the 16-hex id the plugin logs for the access_token of an
# issue response (the first 8 bytes of SHA-256 of the token's bytes).
token_id() {
	jq -r .access_token "$1" | base64 -d | sha256sum | cut -c1-16
}

# probe_says OUT PATTERN ARGS...: turn-token probe ARGS prints a line
# matching PATTERN (grep -E) into $T/OUT.
probe_says() {
	local out=$1 pattern=$2
	shift 2
	probe "$@" >"$T/$out" 2>&1
	grep -Eq -- "$pattern" "$T/$out"
}

# wait_log LOG PATTERN: LOG has a line matching PATTERN (grep -E), within
# 10 s: coturn writes from its threads.
wait_log() {
	local i
	for i in $(seq 100); do
		grep -Eq -- "$2" "$1" && return 0
		sleep 0.1
	done
	echo "# no '$2' in $1"
	return 1
}

# count PATTERN: lines of $T/ts.log matching PATTERN (grep -E).
count() {
	grep -Ec -- "$1" "$T/ts.log"
}

SQLITE_ERROR='[Ee][Rr][Rr][Oo][Rr].*SQLite|Cannot open SQLite'

start_tpa k1 || { not_ok "turnserver starts with coturn_tpa.so"; finish; }
ok "turnserver starts with coturn_tpa.so"
check "the start says, at info level, that there is no user database" \
	wait_log "$T/ts.log" "^0: : No user database: none is configured, and the default SQLite database <[^>]*> cannot be opened"

# refused: sealed with a key of another set under the same kid
"$TURN_TOKEN" keygen --kid k1 --set >"$T/other.json"
"$TURN_TOKEN" issue --keys "$T/other.json" --kid k1 \
	--server-name turn.example.net --lifetime 600 >"$T/refused.json"
REFUSED=$(token_id "$T/refused.json")
ACCEPTED=$(token_id "$T/token.json")
check "one request with a token of another key set is refused (401)" \
	probe_says refused.out '^ERROR code=401 ' --credential "$T/refused.json"
check "one request with a good token allocates" \
	probe_says accepted.out '^ALLOCATED ' --credential "$T/token.json"
wait_log "$T/ts.log" "auth plugin rejected: token $REFUSED" >/dev/null
wait_log "$T/ts.log" "auth plugin accepted: token $ACCEPTED" >/dev/null

check "the refused request: exactly one line names its token" \
	test "$(count "token $REFUSED")" -eq 1
check "... 'session N: auth plugin rejected: token ID: <reason>'" \
	test "$(count "^0: : session [0-9]{18}: auth plugin rejected: token $REFUSED: kid 'k1': authentication failed: wrong key, wrong server name, or tampered token$")" -eq 1
SID=$(sed -n "s/^0: : session \([0-9]*\): auth plugin rejected: token $REFUSED:.*/\1/p" "$T/ts.log")
check "... and the only line of its session" \
	test -n "$SID" -a "$(count "$SID")" -eq 1
check "no 'Cannot find credentials' or 'credentials are incorrect' line" \
	test "$(count 'Cannot find credentials|credentials are incorrect')" -eq 0
check "the accepted request: exactly one line names its token" \
	test "$(count "token $ACCEPTED")" -eq 1
check "... 'session N: auth plugin accepted: token ID: kid, key length, time left'" \
	test "$(count "^0: : session [0-9]{18}: auth plugin accepted: token $ACCEPTED: kid 'k1', 20-byte key, [0-9]+ s left$")" -eq 1
check "two decisions, two lines from them" \
	test "$(count 'auth plugin (accepted|rejected|error):')" -eq 2
check "no SQLite error" test "$(count "$SQLITE_ERROR")" -eq 0

# coturn's own mechanisms (what the plugin PASSes) keep their line
credential "$T/nobody.json" username=nobody password=secret
check "an unknown long-term user (PASSed by the plugin) gets 401" \
	probe_says nobody.out '^ERROR code=401 ' --credential "$T/nobody.json"
check "... and coturn's own 'Cannot find credentials of user <nobody>'" \
	wait_log "$T/ts.log" "check_stun_auth: Cannot find credentials of user <nobody>"

# times as UTC dates too
NOW=$(date +%s)
"$TURN_TOKEN" issue --keys "$T/keys.json" --kid k1 \
	--server-name turn.example.net --timestamp $((NOW - 7200)) \
	--lifetime 600 >"$T/expired.json"
END=$((NOW - 7200 + 600))
check "an expired token is refused (401)" \
	probe_says expired.out '^ERROR code=401 ' --credential "$T/expired.json"
check "... its end given in seconds and as a UTC date" \
	wait_log "$T/ts.log" "token $(token_id "$T/expired.json"): token expired at $END \($(date -u -d "@$END" +%Y-%m-%dT%H:%M:%SZ)\), [0-9]+ s ago"
check "no key, mac_key or whole token in coturn's log" \
	no_secret_in "$T/ts.log" "$(jq -r .access_token "$T/token.json")" \
	"$(jq -r .key "$T/token.json")" \
	"$(jq -r .access_token "$T/refused.json")" \
	"$(jq -r .key "$T/refused.json")" "$(jq -r '.keys[0].k' "$T/keys.json")"
stop_pid "$TS_PID"

# Without a plugin the patched coturn says the same about the database.
if start_turnserver plain "$TURNSERVER" --lt-cred-mech --user=alice:pw; then
	check "without a plugin: no user database, said at info level" \
		wait_log "$T/plain.log" "^0: : No user database: none is configured"
	check "... and no SQLite error" \
		bash -c "! grep -Eq '$SQLITE_ERROR' '$T/plain.log'"
	stop_pid "$TS_PID"
else
	not_ok "the patched turnserver starts without a plugin"
fi

# A database that was configured and cannot be opened is still an error.
if start_turnserver userdb "$TURNSERVER" --lt-cred-mech --user=alice:pw \
	--userdb="$T/no-such-dir/turndb"; then
	credential "$T/alice.json" username=alice password=pw
	probe --credential "$T/alice.json" >"$T/alice.out" 2>&1
	check "a configured --userdb that cannot be opened: still an ERROR" \
		wait_log "$T/userdb.log" "ERROR: Cannot open SQLite DB connection: <$T/no-such-dir/turndb>"
	stop_pid "$TS_PID"
else
	not_ok "the patched turnserver starts with a broken --userdb"
fi

finish
