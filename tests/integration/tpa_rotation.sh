# Key rotation under load: while clients allocate continuously, the key set
# file is replaced three times, once with a broken file.  No allocation
# with a valid token may fail: the plugin swaps a new set in atomically,
# keeps the old keys when a file is broken, and tokens under the old and
# the new kid both work while both keys are in the set.
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
SERVER_NAME=turn.example.net
WORKERS=3

"$TURN_TOKEN" keygen --kid old >"$T/old.jwk"
"$TURN_TOKEN" keygen --kid new >"$T/new.jwk"
set_of() { # set_of JWK-FILE... : a key set with those keys
	local first=1 f
	printf '{"keys": ['
	for f in "$@"; do
		[ $first = 1 ] || printf ','
		first=0
		cat "$f"
	done
	printf ']}\n'
}
# The issuer knows both keys all along; coturn's set changes.
set_of "$T/old.jwk" "$T/new.jwk" >"$T/issuer.json"
install_set() { # atomic replace, as an operator's deploy does
	cat >"$T/keys.json.tmp" && mv "$T/keys.json.tmp" "$T/keys.json"
}
set_of "$T/old.jwk" | install_set
printf 'key-set = %s\nkey-set-check-ms = 200\n' "$T/keys.json" >"$T/tpa.conf"

start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf" ||
	{ not_ok "turnserver starts with coturn_tpa.so"; finish; }

# The kids that clients may use now, one per line; workers re-read it.
echo old >"$T/kids"

# worker N: issue a token under a currently valid kid, allocate with it,
# record "ok KID" or "FAIL KID ...", until $T/stop exists.
worker() {
	local i=0 kid kids json
	while [ ! -e "$T/stop" ]; do
		mapfile -t kids <"$T/kids"
		kid=${kids[$((i % ${#kids[@]}))]}
		i=$((i + 1))
		json=$("$TURN_TOKEN" issue --keys "$T/issuer.json" --kid "$kid" \
			--server-name "$SERVER_NAME" --lifetime 300) || {
			echo "FAIL $kid issue" >>"$T/results.$1"
			continue
		}
		if probe --username "$kid" \
			--key-b64 "$(jq -r .key <<<"$json")" \
			--access-token-b64 "$(jq -r .access_token <<<"$json")" \
			--timeout-ms 5000 >"$T/probe.$1" 2>&1; then
			echo "ok $kid" >>"$T/results.$1"
		else
			echo "FAIL $kid $(head -1 "$T/probe.$1")" >>"$T/results.$1"
		fi
	done
}

# wait_log TEXT N: until coturn's log has TEXT at least N times (20 s max).
wait_log() {
	local i
	for i in $(seq 200); do
		[ "$(grep -cF -- "$1" "$T/ts.log")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

for w in $(seq $WORKERS); do
	worker "$w" &
	PIDS+=("$!")
done
sleep 2

# 1: the new key joins the old one; then clients use both.
set_of "$T/old.jwk" "$T/new.jwk" | install_set
check "rotation 1: the set with both keys is swapped in" \
	wait_log "reloaded: 2 keys" 1
printf 'old\nnew\n' >"$T/kids"
sleep 2

# 2: a broken file: refused whole, both keys stay.
printf '{"keys": [{"kty": "oct", "kid": "new", "alg": "A256GCM", "k": ' |
	install_set
check "rotation 2: the broken file is refused and logged" \
	wait_log "key set refused, keeping the 2 keys in use" 1
sleep 2

# 3: the old key retires: clients stop using it first, then it goes.
echo new >"$T/kids"
sleep 1
set_of "$T/new.jwk" | install_set
check "rotation 3: the set with only the new key is swapped in" \
	wait_log "reloaded: 1 keys" 1
sleep 2
touch "$T/stop"
for w in $(seq $WORKERS); do wait "${PIDS[-$w]}" 2>/dev/null; done

cat "$T"/results.* >"$T/results"
total=$(wc -l <"$T/results")
fails=$(grep -c '^FAIL' "$T/results")
echo "# $total allocations with valid tokens, $fails failed"
grep '^FAIL' "$T/results" | head -5 | sed 's/^/#   /'
check "clients allocated continuously (more than 30 allocations)" \
	test "$total" -gt 30
check "tokens under both kids were used while both were in the set" \
	bash -c "grep -q '^ok old' '$T/results' && grep -q '^ok new' '$T/results'"
check "no allocation with a valid token failed" test "$fails" -eq 0

json=$("$TURN_TOKEN" issue --keys "$T/issuer.json" --kid old \
	--server-name "$SERVER_NAME" --lifetime 300)
retired_refused() {
	probe --username old --key-b64 "$(jq -r .key <<<"$json")" \
		--access-token-b64 "$(jq -r .access_token <<<"$json")" \
		>"$T/retired.out" 2>&1
	[ $? -eq 1 ] && grep -q 'code=401' "$T/retired.out" &&
		log_has "$T/ts.log" "unknown kid 'old'"
}
check "after rotation 3 a token under the retired kid is refused" \
	retired_refused

finish
