# turn-token probe takes its credential from a file or from standard input,
# never from its arguments, which every local user can read in
# /proc/PID/cmdline (issue 6, defect 6).  The options that took secrets
# are refused by name, without their value being echoed; a running
# probe's argv holds none of the secrets it uses.
. "$TOP_SRCDIR/tests/lib.sh"

CANARY=c2VjcmV0LWluLWFyZ3Ytd291bGQtbGVhaw # a "secret" to look for

# refused_by_name OPTION [FORM]: exit 2, a message that names OPTION and
# --credential, and the value nowhere in the output.
refused_by_name() {
	local opt=$1 out=$T/refused-$1.out
	if [ "${2:-}" = joined ]; then
		"$TURN_TOKEN" probe "--$opt=$CANARY" >"$out" 2>&1
	else
		"$TURN_TOKEN" probe "--$opt" "$CANARY" >"$out" 2>&1
	fi
	[ $? -eq 2 ] && grep -q -- "--$opt is refused" "$out" &&
		grep -q -- "--credential" "$out" && no_secret_in "$out" "$CANARY"
}
for opt in password key-hex key-b64 access-token-b64; do
	check "--$opt VALUE is refused, the value not echoed" \
		refused_by_name "$opt"
done
check "--key-b64=VALUE is refused, the value not echoed" \
	refused_by_name key-b64 joined
misspelt_not_echoed() {
	"$TURN_TOKEN" probe "--keyb64=$CANARY" >"$T/misspelt.out" 2>&1
	[ $? -eq 2 ] && grep -q 'unknown option --keyb64 ' "$T/misspelt.out" &&
		no_secret_in "$T/misspelt.out" "$CANARY"
}
check "an unknown --option=VALUE is named without its value" \
	misspelt_not_echoed

bad_credential() { # bad_credential NAME JSON REASON
	printf '%s' "$2" >"$T/$1.json"
	"$TURN_TOKEN" probe --credential "$T/$1.json" >"$T/$1.out" 2>&1
	[ $? -eq 2 ] &&
		grep -qF "credential $T/$1.json: $3" "$T/$1.out" &&
		no_secret_in "$T/$1.out" "$CANARY"
}
check "a credential with a misspelt member is refused, naming no value" \
	bad_credential misspelt "{\"username\": \"u\", \"pasword\": \"$CANARY\"}" \
	"unknown member"
check "a credential that is not JSON is refused, naming no value" \
	bad_credential broken "{\"username\": \"u\", \"password\": \"$CANARY" \
	"invalid JSON at line 1"
missing_file() {
	"$TURN_TOKEN" probe --credential "$T/none.json" >"$T/none.out" 2>&1
	[ $? -eq 2 ] && grep -qF "credential $T/none.json: cannot open" \
		"$T/none.out"
}
check "a missing credential file is refused" missing_file

start_tpa argv --user=alice:alicepw ||
	{ not_ok "turnserver starts with coturn_tpa.so"; finish; }
credential "$T/alice.json" username=alice password=alicepw
KEY=$(jq -r .key "$T/token.json")
TOKEN=$(jq -r .access_token "$T/token.json")
SECRETS=("$KEY" "$TOKEN" alicepw)

# argv_clean NAME [probe args...]: a probe holds an allocation; while it
# runs, its /proc/PID/cmdline (that of turn-token itself, started here
# without any wrapper) is read: it is that probe, with --credential, and
# none of the secrets is in it.  Then the probe deletes its allocation.
argv_clean() {
	local name=$1
	shift
	probe_holding "$T/$name.out" --hold 2 "$@"
	tr '\0' ' ' <"/proc/$HOLD_PID/cmdline" >"$T/$name.cmdline" 2>/dev/null
	wait "$HOLD_PID" || return 1
	grep -q "probe .*--credential" "$T/$name.cmdline" &&
		grep -q '^REFRESHED ' "$T/$name.out" &&
		no_secret_in "$T/$name.cmdline" "${SECRETS[@]}"
}
check "a token from a file: allocates, and no secret is in its argv" \
	argv_clean token-file --credential "$T/token.json"
stdin_from() { # stdin_from FILE COMMAND...: COMMAND's probe reads FILE
	local STDIN_FILE=$1
	shift
	"$@"
}
check "a token on standard input: allocates, and no secret is in its argv" \
	stdin_from "$T/token.json" argv_clean token-stdin --credential -
check "a password from a file: allocates, and no secret is in its argv" \
	argv_clean password-file --credential "$T/alice.json"

finish
