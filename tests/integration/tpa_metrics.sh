# The plugin's Prometheus metrics through the real patched turnserver: a
# known sequence of accepted, refused (by reason) and passed requests moves
# every counter exactly as expected; the live-sessions gauge counts a
# session once however often it is authorized and drops when it ends; the
# histogram counts every decision; promtool accepts every scrape, and
# rejects a broken one.  Requests go over TCP (tests/fixtures/
# metrics_client), which never retransmits: one request, one decision.
. "$TOP_SRCDIR/tests/lib.sh"

CRAFT=$TOP_BUILDDIR/tests/fixtures/craft_token
CLIENT=$TOP_BUILDDIR/tests/fixtures/metrics_client
PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
SERVER_NAME=turn.example.net
NOW=$(date +%s)
P=coturn_tpa_

b64url_key() { head -c "$1" /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '='; }
GOOD=$(b64url_key 32)
NOTYET=$(b64url_key 32)
cat >"$T/keys.json" <<JSON
{"keys": [
 {"kty": "oct", "kid": "good", "alg": "A256GCM", "k": "$GOOD"},
 {"kty": "oct", "kid": "notyet", "alg": "A256GCM", "k": "$NOTYET", "nbf": $((NOW + 3600))}
]}
JSON
MPORT=$(free_port)
cat >"$T/tpa.conf" <<CONF
key-set = $T/keys.json
clock-skew = 30
metrics-listen = 127.0.0.1:$MPORT
CONF
STATIC_PW=$(head -c 12 /dev/urandom | base64 -w0 | tr -d '+/=')

start_turnserver ts "$TURNSERVER" --server-name="$SERVER_NAME" \
	--user="alice:$STATIC_PW" \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf" ||
	{ not_ok "turnserver starts with metrics on 127.0.0.1:$MPORT"; finish; }
check "turnserver says where the metrics are" \
	log_has "$T/ts.log" "metrics on http://127.0.0.1:$MPORT/metrics"

# scrape NAME: the exposition into $T/NAME.prom; fails on any HTTP error.
scrape() {
	curl -sS --fail --max-time 10 "http://127.0.0.1:$MPORT/metrics" \
		>"$T/$1.prom" 2>"$T/$1.curl"
}

# value FILE SAMPLE: the value of one sample line ("" if absent).
value() {
	awk -v s="$2" '$1 == s { print $2 }' "$1"
}

# promtool_ok FILE: promtool check metrics accepts the exposition.
promtool_ok() {
	promtool check metrics <"$1" >"$1.promtool" 2>&1 || {
		sed 's/^/#   /' "$1.promtool"
		return 1
	}
}

# moved FILE0 FILE1 SAMPLE=DELTA...: each sample moved by exactly DELTA,
# and every other coturn_tpa_ counter did not move.
moved() {
	local a=$1 b=$2 spec s d v0 v1 bad=0
	shift 2
	local -A want=() seen=()
	for spec in "$@"; do
		want[${spec%=*}]=${spec##*=}
	done
	while read -r s v1; do
		case $s in
		"${P}"*_total | "${P}"*_total\{*) ;;
		*) continue ;;
		esac
		v0=$(value "$a" "$s")
		d=${want[$s]:-0}
		if [ -z "$v0" ] || [ $((v1 - v0)) -ne "$d" ]; then
			echo "# $s: ${v0:-absent} -> $v1, expected +$d"
			bad=1
		fi
		seen[$s]=1
	done < <(grep -v '^#' "$b")
	for s in "${!want[@]}"; do
		[ -n "${seen[$s]:-}" ] && continue
		echo "# $s: not in the scrape"
		bad=1
	done
	return $bad
}

# wait_gauge N: the live-sessions gauge reaches N within 10 s.
wait_gauge() {
	local i v
	for i in $(seq 100); do
		scrape gauge && v=$(value "$T/gauge.prom" "${P}sessions") &&
			[ "$v" = "$1" ] && return 0
		sleep 0.1
	done
	echo "# sessions gauge is ${v:-?}, expected $1"
	return 1
}

n=0
# token FILE KEY [craft args...]: crafts a token under KEY into FILE.
token() {
	local f=$1 key=$2
	shift 2
	"$CRAFT" --key-b64url "$key" --server-name "$SERVER_NAME" "$@" >"$f"
}

# run EXPECT USER KEY [craft args...] [-- client args...]: one client life
# with a fresh token; EXPECT is allocated or refused.
run() {
	local expect=$1 user=$2 key=$3 craft=() rc
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		craft+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	n=$((n + 1))
	token "$T/c$n.tok" "$key" "${craft[@]}" || return 1
	timeout 30 "$CLIENT" "$TS_PORT" "$user" "$T/c$n.tok" "$@" \
		>"$T/c$n.out" 2>&1
	rc=$?
	case $expect in
	allocated) [ $rc -eq 0 ] && grep -q '^allocated' "$T/c$n.out" ;;
	refused) [ $rc -eq 1 ] && grep -q '^refused code=401' "$T/c$n.out" ;;
	esac || {
		echo "# client $n (status $rc): $(cat "$T/c$n.out")"
		return 1
	}
}

scrape s0
check "a scrape before any traffic" test -s "$T/s0.prom"
check "... has every counter at zero" \
	test "$(grep -v '^#' "$T/s0.prom" | grep '_total' | awk '$2 != 0' | wc -l)" -eq 0
check "... and passes promtool check metrics" promtool_ok "$T/s0.prom"

check "three good tokens allocate" eval 'run allocated good "$GOOD" &&
	run allocated good "$GOOD" --mac-len 32 && run allocated good "$GOOD"'
check "an expired token is refused" \
	run refused good "$GOOD" --ts $((NOW - 7200)) --lifetime 600
check "a token from the future is refused" \
	run refused good "$GOOD" --ts $((NOW + 600))
check "an unknown kid is refused, twice" \
	eval 'run refused stranger "$GOOD" && run refused other "$GOOD"'
check "a tampered token is refused" run refused good "$GOOD" --tamper tag
check "a wrong MESSAGE-INTEGRITY is refused" \
	run refused good "$GOOD" -- --wrong-key
check "a key before its nbf is refused" run refused notyet "$NOTYET"
check "a request without USERNAME is refused" run refused "" "$GOOD"
printf '\n%s\n' "$STATIC_PW" >"$T/static.creds"
check "a static user is left to coturn and allocates" \
	eval 'timeout 30 "$CLIENT" "$TS_PORT" alice "$T/static.creds" >"$T/static.out" 2>&1'

scrape s1
check "the counters moved exactly as the requests went" \
	moved "$T/s0.prom" "$T/s1.prom" "${P}accepted_total=3" \
	"${P}refused_total{reason=\"expired\"}=1" \
	"${P}refused_total{reason=\"not_yet_valid\"}=1" \
	"${P}refused_total{reason=\"unknown_kid\"}=2" \
	"${P}refused_total{reason=\"bad_token\"}=1" \
	"${P}refused_total{reason=\"bad_integrity\"}=1" \
	"${P}refused_total{reason=\"key_not_valid\"}=1" \
	"${P}refused_total{reason=\"bad_request\"}=1" \
	"${P}passed_total=1"
L=${P}authorization_duration_seconds
check "the histogram counts each decision with a token once" \
	test "$(value "$T/s1.prom" "${L}_count")" = 11
check "... its +Inf bucket is its count" \
	test "$(value "$T/s1.prom" "${L}_bucket{le=\"+Inf\"}")" = 11
check "... and its sum is above zero" \
	awk -v s="${L}_sum" '$1 == s { exit !($2 > 0) }' "$T/s1.prom"
check "the scrape after traffic passes promtool check metrics" \
	promtool_ok "$T/s1.prom"
sed "s/^${P}accepted_total /${P}accepted /" "$T/s1.prom" >"$T/broken.prom"
check "promtool rejects a counter without _total (it can fail)" \
	bash -c "! promtool check metrics <'$T/broken.prom' >'$T/broken.out' 2>&1"
check "sessions that ended are not live" wait_gauge 0

# Two held sessions, one of them authorized twice (a second token on the
# same session): the gauge says 2, the accepted counter 3 more.  Each
# client holds until its standard input (a FIFO we keep open) closes.
token "$T/h1.tok" "$GOOD"
token "$T/h2.tok" "$GOOD"
token "$T/h2b.tok" "$GOOD"
mkfifo "$T/h1.in" "$T/h2.in"
"$CLIENT" "$TS_PORT" good "$T/h1.tok" --hold <"$T/h1.in" >"$T/h1.out" 2>&1 &
H1_PID=$!
PIDS+=("$H1_PID")
exec {H1_IN}>"$T/h1.in"
# (without our end of the first FIFO, or that one would never close)
"$CLIENT" "$TS_PORT" good "$T/h2.tok" --renew "$T/h2b.tok" --hold \
	<"$T/h2.in" >"$T/h2.out" 2>&1 {H1_IN}>&- &
H2_PID=$!
PIDS+=("$H2_PID")
exec {H2_IN}>"$T/h2.in"

# held OUT PID: the client printed "held" (within 30 s, while it runs).
held() {
	local i
	for i in $(seq 300); do
		grep -qx held "$1" && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	echo "# no 'held' from $2: $(cat "$1")"
	return 1
}
check "a session holds its allocation" held "$T/h1.out" "$H1_PID"
check "a session renewed with a second token holds its allocation" \
	eval 'held "$T/h2.out" "$H2_PID" && grep -qx renewed "$T/h2.out"'
check "two live sessions, one of them authorized twice, count two" \
	wait_gauge 2
scrape s2
check "... and three acceptances" \
	moved "$T/s1.prom" "$T/s2.prom" "${P}accepted_total=3"
exec {H1_IN}>&-
wait "$H1_PID"
check "a client deletes its allocation and leaves" test $? -eq 0
check "... and stops counting" wait_gauge 1
kill -9 "$H2_PID" 2>/dev/null
wait "$H2_PID" 2>/dev/null
exec {H2_IN}>&-
check "a client that dies without a word stops counting when its connection goes" \
	wait_gauge 0
scrape s3
check "the last scrape passes promtool check metrics" promtool_ok "$T/s3.prom"

check "no key, mac_key, password or whole token in coturn's log" \
	no_secret_in "$T/ts.log" "$GOOD" "$NOTYET" "$STATIC_PW" \
	$(cat "$T"/*.tok)

finish
