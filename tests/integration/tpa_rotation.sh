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

# The kids that clients may use now, after a generation number, one per
# line.  Replaced whole (written aside, then renamed over), so a worker
# never reads it half written; the generation lets the test wait until
# every worker has acted on a change instead of sleeping.
GEN=0
set_kids() { # set_kids KID...
	GEN=$((GEN + 1))
	printf '%s\n' "$GEN" "$@" >"$T/kids.tmp" && mv "$T/kids.tmp" "$T/kids"
}
set_kids old

# worker N: issue a token under a currently valid kid, allocate with it,
# record "ok GEN KID mismatch_retries=R" or "FAIL GEN KID ...", until
# $T/stop exists.  Never dies quietly: whatever goes wrong is a FAIL line.
worker() {
	local i=0 gen kid kids out=$T/results.$1
	while [ ! -e "$T/stop" ]; do
		mapfile -t kids <"$T/kids"
		gen=${kids[0]:-?}
		kids=("${kids[@]:1}")
		if [ ${#kids[@]} -eq 0 ]; then
			echo "FAIL $gen - the kids file had no kid" >>"$out"
			continue
		fi
		kid=${kids[$((i % ${#kids[@]}))]}
		i=$((i + 1))
		"$TURN_TOKEN" issue --keys "$T/issuer.json" --kid "$kid" \
			--server-name "$SERVER_NAME" --lifetime 300 \
			>"$T/token.$1.json" || {
			echo "FAIL $gen $kid issue" >>"$out"
			continue
		}
		if probe --credential "$T/token.$1.json" --timeout-ms 5000 \
			>"$T/probe.$1" 2>&1; then
			echo "ok $gen $kid $(grep -o 'mismatch_retries=[0-9]*' "$T/probe.$1")" >>"$out"
		else
			echo "FAIL $gen $kid $(head -1 "$T/probe.$1")" >>"$out"
		fi
	done
}

# every_worker N: each worker has recorded at least N allocations that it
# began after reading generation GEN of the kids file.
every_worker() {
	local w n
	for w in $(seq $WORKERS); do
		n=$(awk -v g="$GEN" '$2 >= g' "$T/results.$w" 2>/dev/null | wc -l)
		[ "$n" -ge "$1" ] || return 1
	done
}

# wait_until COMMAND...: polls COMMAND until it succeeds; fails after
# 60 s, a bound for a broken run, not a pace.
wait_until() {
	local i
	for i in $(seq 600); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

log_count_at_least() { # log_count_at_least TEXT N
	[ "$(grep -cF -- "$1" "$T/ts.log")" -ge "$2" ]
}

for w in $(seq $WORKERS); do
	worker "$w" &
	PIDS+=("$!")
done
check "clients allocate under the old key" wait_until every_worker 2

# 1: the new key joins the old one; then clients use both.
set_of "$T/old.jwk" "$T/new.jwk" | install_set
check "rotation 1: the set with both keys is swapped in" \
	wait_until log_count_at_least "reloaded: 2 keys" 1
set_kids old new
check "clients allocate under both kids" wait_until every_worker 2

# 2: a broken file: refused whole, both keys stay.
printf '{"keys": [{"kty": "oct", "kid": "new", "alg": "A256GCM", "k": ' |
	install_set
check "rotation 2: the broken file is refused and logged" \
	wait_until log_count_at_least "key set refused, keeping the 2 keys in use" 1
set_kids old new
check "clients allocate under both kids after the broken file" \
	wait_until every_worker 2

# 3: the old key retires: clients stop using it first (every worker has
# finished an allocation begun after it stopped), then it goes.
set_kids new
check "clients stop using the old kid" wait_until every_worker 1
set_of "$T/new.jwk" | install_set
check "rotation 3: the set with only the new key is swapped in" \
	wait_until log_count_at_least "reloaded: 1 keys" 1
set_kids new
check "clients allocate under the new key alone" wait_until every_worker 2
touch "$T/stop"
for w in $(seq $WORKERS); do wait "${PIDS[-$w]}" 2>/dev/null; done

cat "$T"/results.* >"$T/results"
total=$(wc -l <"$T/results")
fails=$(grep -c '^FAIL' "$T/results")
moved=$(grep -c 'mismatch_retries=[1-9]' "$T/results")
echo "# $total allocations with valid tokens, $fails failed; $moved moved to a new client address after 437 (RFC 8656 7.4)"
grep '^FAIL' "$T/results" | head -5 | sed 's/^/#   /'
check "tokens under both kids were used while both were in the set" \
	bash -c "grep -Eq '^ok [23] old ' '$T/results' && grep -Eq '^ok [23] new ' '$T/results'"
check "no allocation with a valid token failed" test "$fails" -eq 0

"$TURN_TOKEN" issue --keys "$T/issuer.json" --kid old \
	--server-name "$SERVER_NAME" --lifetime 300 >"$T/retired.json"
retired_refused() {
	probe --credential "$T/retired.json" >"$T/retired.out" 2>&1
	[ $? -eq 1 ] && grep -q 'code=401' "$T/retired.out" &&
		log_has "$T/ts.log" "unknown kid 'old'"
}
check "after rotation 3 a token under the retired kid is refused" \
	retired_refused

finish
