# A whole key rotation done only with turn-token commands, as the README
# shows it, while clients allocate: keys add --create, keys add, the
# issuers switch kid, keys retire.  No allocation with a valid token may
# fail.  The plugin warns about a key-set file that group or others can
# read, at start and at the reloads of such a file, and only then.
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
SERVER_NAME=turn.example.net
WORKERS=2
K=$T/keys/keys.json
mkdir -m 0700 "$T/keys"
EXPOSED="has mode 0644: group or others can read or change the keys"

"$TURN_TOKEN" keys add --keys "$K" --create --kid old >"$T/add-old.out" ||
	{ not_ok "turn-token keys add --create makes the first set"; finish; }
chmod 0644 "$K" # exposed at start: the plugin must say so
printf 'key-set = %s\nkey-set-check-ms = 100\n' "$K" >"$T/tpa.conf"

start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf" ||
	{ not_ok "turnserver starts with coturn_tpa.so"; finish; }
check "the plugin warns at start that group or others can read the key set" \
	log_has "$T/ts.log" "key set $K $EXPOSED"

# allocate JSON LOG: allocates with the token of an issue response (the
# credential on standard input, never in argv).
allocate() {
	probe --credential - --timeout-ms 5000 <<<"$1" >"$2" 2>&1
}

# issue KID: a token from the same set file, as an issuer on this host.
issue() {
	"$TURN_TOKEN" issue --keys "$K" --kid "$1" --server-name "$SERVER_NAME" \
		--lifetime 300
}

# set_kid KID: what the issuers use from now on; replaced, never written in
# place, so a worker never reads an empty file.
set_kid() { echo "$1" >"$T/kid.new" && mv "$T/kid.new" "$T/kid"; }

# worker N: issue a token under the kid in $T/kid, allocate with it, and
# record "ok KID" or "FAIL KID ...", until $T/stop exists.
worker() {
	local kid json
	while [ ! -e "$T/stop" ]; do
		kid=$(cat "$T/kid")
		if ! json=$(issue "$kid" 2>"$T/issue.$1"); then
			echo "FAIL $kid issue: $(head -1 "$T/issue.$1")" >>"$T/results.$1"
		elif allocate "$json" "$T/probe.$1"; then
			echo "ok $kid" >>"$T/results.$1"
		else
			echo "FAIL $kid $(head -1 "$T/probe.$1")" >>"$T/results.$1"
		fi
	done
}

# wait_for DESCRIPTION COMMAND...: until COMMAND succeeds (30 s at most).
wait_for() {
	local desc=$1 i
	shift
	for i in $(seq 300); do
		"$@" && return 0
		sleep 0.1
	done
	echo "# timed out waiting for $desc"
	return 1
}
log_count() { grep -cF -- "$1" "$T/ts.log"; }
# every_worker_did TEXT: each worker has recorded a line TEXT.
every_worker_did() {
	local w
	for w in $(seq $WORKERS); do
		grep -qx -- "$1" "$T/results.$w" 2>/dev/null || return 1
	done
}

set_kid old
for w in $(seq $WORKERS); do
	worker "$w" &
	PIDS+=("$!")
done
check "clients allocate with the first key" \
	wait_for "allocations under old" every_worker_did "ok old"
old_json=$(issue old) # kept for after the rotation

# 1. the new key joins the set: the server takes it in; no warning, as
#    the file is now 0600
"$TURN_TOKEN" keys add --keys "$K" --kid new >"$T/add-new.out"
check "keys add: the server reloads the set with both keys" \
	wait_for "reload with 2 keys" log_has "$T/ts.log" "reloaded: 2 keys"
check "the set is 0600 after keys add" eval '[ "$(stat -c %a "$K")" = 600 ]'
"$TURN_TOKEN" keys list --keys "$K" >"$T/list.out"
mapfile -t secrets < <(jq -r '.keys[].k' "$K")

# 2. issuers switch to the new kid; once every client has used it...
set_kid new
check "clients allocate with the new key" \
	wait_for "allocations under new" every_worker_did "ok new"

# 3. ... the old key retires
"$TURN_TOKEN" keys retire --keys "$K" --kid old >"$T/retire.out"
check "keys retire: the server reloads the set with the new key only" \
	wait_for "reload with 1 key" log_has "$T/ts.log" "reloaded: 1 keys"
check "clients go on allocating with the new key" \
	wait_for "more allocations" eval \
	'[ "$(cat "$T"/results.* | grep -c "^ok new")" -ge $((2 * WORKERS + 2)) ]'
check "the two reloads of the 0600 set were not warned about" \
	eval '[ "$(log_count "$EXPOSED")" -eq 1 ] && ! log_has "$T/ts.log" "has mode 0600"'

# 4. the file exposed again: warned about at this reload too
chmod 0644 "$K"
check "a reload of a file that others can read is warned about again" \
	wait_for "the second warning" eval '[ "$(log_count "$EXPOSED")" -eq 2 ]'
touch "$T/stop"
for w in $(seq $WORKERS); do wait "${PIDS[-$w]}" 2>/dev/null; done

cat "$T"/results.* >"$T/results"
total=$(wc -l <"$T/results")
fails=$(grep -c '^FAIL' "$T/results")
echo "# $total allocations with valid tokens, $fails failed"
grep '^FAIL' "$T/results" | head -5 | sed 's/^/#   /'
check "no allocation with a valid token failed" test "$fails" -eq 0
check "keys list showed both keys, usable, during the rotation" eval \
	'grep -q "^old	A256GCM	-	-	usable$" "$T/list.out" &&
	 grep -q "^new	A256GCM	-	-	usable$" "$T/list.out"'
retired_refused() {
	allocate "$old_json" "$T/retired.out"
	[ $? -eq 1 ] && grep -q 'code=401' "$T/retired.out" &&
		log_has "$T/ts.log" "unknown kid 'old'"
}
check "a token under the retired kid is refused" retired_refused
check "coturn's log has no key" no_secret_in "$T/ts.log" "${secrets[@]}"

finish
