# tests/lib.sh - shared helpers of the integration tests (bash).
#
# Every server a test starts listens on 127.0.0.1 only, on a free port, and
# is stopped by its pid when the test ends.  A test prints one "ok - ..." or
# "not ok - ..." line per check; tests/run-tests.sh counts them.

set -u

TOP_BUILDDIR=${TOP_BUILDDIR:-$(pwd)}
TOP_SRCDIR=${TOP_SRCDIR:-$TOP_BUILDDIR}
COTURN_BIN=$TOP_BUILDDIR/build/coturn-4.6.1/bin
TURNSERVER=$COTURN_BIN/turnserver
TEST_PLUGIN=$TOP_BUILDDIR/tests/fixtures/.libs/test_plugin.so
TEST_PLUGIN_BROKEN=$TOP_BUILDDIR/tests/fixtures/.libs/test_plugin_broken.so
TEST_PLUGIN_NOENTRY=$TOP_BUILDDIR/tests/fixtures/.libs/test_plugin_noentry.so
REALM=example.org

mkdir -p "$TOP_BUILDDIR/tests/out"
T=$(mktemp -d "$TOP_BUILDDIR/tests/out/$(basename "$0" .sh).XXXX")
PIDS=()
TS_PID=
PASSED=0
FAILED=0

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
}
trap cleanup EXIT

ok() {
	echo "ok - $*"
	PASSED=$((PASSED + 1))
}

not_ok() {
	echo "not ok - $*"
	FAILED=$((FAILED + 1))
}

# check DESCRIPTION COMMAND...: one check, passing when COMMAND succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# finish: the last line of every test.
finish() {
	echo "# $(basename "$0"): $PASSED passed, $FAILED failed (logs in $T)"
	[ "$FAILED" -eq 0 ]
	exit
}

# Ports.  Servers listen on ports from 10000-23999 (free_port) and relay
# on ranges within 24000-32767 (relay_range): both below the kernel's
# ephemeral ports (ip_local_port_range, 32768-60999 by default), which
# every client socket gets, and below Debian coturn's default relay range
# (49152-65535), and apart from each other.  So no client socket, no
# coturn of the system and no other server of the test takes a port that a
# server wants.  Should a machine's ephemeral range reach lower, ports in
# it are never chosen.
read -r EPHEMERAL_LO EPHEMERAL_HI </proc/sys/net/ipv4/ip_local_port_range ||
	{ EPHEMERAL_LO=32768 EPHEMERAL_HI=60999; }

port_in_use() {
	ss -Htuan 2>/dev/null | awk '{ print $5 }' | grep -q ":$1\$"
}

# outside_ephemeral LO HI: no port of LO-HI is in the ephemeral range.
outside_ephemeral() {
	[ "$2" -lt "$EPHEMERAL_LO" ] || [ "$1" -gt "$EPHEMERAL_HI" ]
}

# free_port: prints a port of 10000-23999 that nothing on this machine
# uses now.
free_port() {
	local p i
	for i in $(seq 1000); do
		p=$((10000 + RANDOM % 14000))
		outside_ephemeral "$p" "$p" || continue
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	echo "free_port: no free port in 10000-23999" >&2
	return 1
}

# relay_range [N]: sets RELAY_MIN and RELAY_MAX to a range of N ports
# (default 250) within 24000-32767, aligned to N, that no server of this
# test still running relays on, none of whose ports is in use.  A server
# started on it claims it: RELAY_OWNER[RELAY_MIN]=PID.
declare -A RELAY_OWNER=()
relay_range() {
	local n=${1:-250} blocks b i lo hi owner inuse
	blocks=$(((32767 - 24000 + 1) / n))
	inuse=$(ss -Htuan 2>/dev/null | awk '{ n = split($5, a, ":"); print a[n] }')
	for i in $(seq 1000); do
		b=$((RANDOM % blocks))
		lo=$((24000 + b * n))
		hi=$((lo + n - 1))
		owner=${RELAY_OWNER[$lo]:-}
		[ -n "$owner" ] && kill -0 "$owner" 2>/dev/null && continue
		outside_ephemeral "$lo" "$hi" || continue
		echo "$inuse" | awk -v lo="$lo" -v hi="$hi" \
			'$1 >= lo && $1 <= hi { f = 1 } END { exit !f }' && continue
		RELAY_MIN=$lo
		RELAY_MAX=$hi
		return 0
	done
	echo "relay_range: no free range of $n ports in 24000-32767" >&2
	return 1
}

# wait_listening PORT PID: waits up to 10 s for a TCP listener on PORT.
wait_listening() {
	local i
	for i in $(seq 100); do
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start_turnserver NAME BINARY ARGS...: starts a turnserver on loopback and
# sets TS_PORT and TS_PID; the log is $T/NAME.log.  It relays on a range
# of its own (relay_range; TS_RELAY_PORTS ports, default 250).
start_turnserver() {
	local name=$1 bin=$2 tls=(--no-tls --no-dtls)
	shift 2
	TS_PORT=$(free_port) && relay_range "${TS_RELAY_PORTS:-250}" || return 1
	# with TS_CERT and TS_PKEY set: TLS and DTLS on TS_TLS_PORT too
	if [ -n "${TS_CERT:-}" ]; then
		TS_TLS_PORT=$(free_port)
		tls=(--cert="$TS_CERT" --pkey="$TS_PKEY"
			--tls-listening-port="$TS_TLS_PORT")
	fi
	"$bin" -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 \
		--listening-port="$TS_PORT" --min-port="$RELAY_MIN" \
		--max-port="$RELAY_MAX" "${tls[@]}" --no-cli --log-file=stdout \
		--simple-log --allow-loopback-peers --realm="$REALM" \
		--pidfile="$T/$name.pid" "$@" >"$T/$name.log" 2>&1 &
	TS_PID=$!
	PIDS+=("$TS_PID")
	RELAY_OWNER[$RELAY_MIN]=$TS_PID
	if ! wait_listening "$TS_PORT" "$TS_PID"; then
		echo "# $name did not start; its log:"
		sed 's/^/#   /' "$T/$name.log" | tail -20
		return 1
	fi
}

# make_cert: a throwaway self-signed certificate for 127.0.0.1 in $T; sets
# TS_CERT and TS_PKEY.
make_cert() {
	TS_CERT=$T/cert.pem
	TS_PKEY=$T/key.pem
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$TS_PKEY" -out "$TS_CERT" >"$T/openssl.log" 2>&1
}

stop_pid() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# start_peer: starts Debian's turnutils_peer (a UDP echo) and sets PEER_PORT;
# returns once its socket is bound (10 s at most).
start_peer() {
	local pid i
	PEER_PORT=$(free_port) || return 1
	turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" >"$T/peer.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for i in $(seq 100); do
		ss -Hlun "sport = :$PEER_PORT" 2>/dev/null | grep -q . && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "# turnutils_peer did not start on $PEER_PORT"
	return 1
}

# uclient_relays LOG [turnutils_uclient args...]: runs Debian's client
# against TS_PORT, sending to the peer; succeeds when every message came
# back through the relay.
uclient_relays() {
	local log=$1
	shift
	timeout 60 turnutils_uclient -p "$TS_PORT" -e 127.0.0.1 -r "$PEER_PORT" \
		-n 5 -m 1 -l 120 "$@" 127.0.0.1 >"$log" 2>&1 || return 1
	grep -q "Total lost packets 0 (0.000000%)" "$log" || return 1
	# the last summary: tot_send_msgs=N, tot_recv_msgs=N with N > 0
	local sent recv
	sent=$(sed -n 's/.*start_mclient: tot_send_msgs=\([0-9]*\), tot_recv_msgs=\([0-9]*\)$/\1/p' "$log" | tail -1)
	recv=$(sed -n 's/.*start_mclient: tot_send_msgs=\([0-9]*\), tot_recv_msgs=\([0-9]*\)$/\2/p' "$log" | tail -1)
	[ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$sent" = "$recv" ]
}

# uclient_fails LOG [args...]: the client could not allocate.
uclient_fails() {
	local log=$1
	shift
	! timeout 60 turnutils_uclient -p "$TS_PORT" -e 127.0.0.1 \
		-r "$PEER_PORT" -n 2 -m 1 "$@" 127.0.0.1 >"$log" 2>&1 &&
		grep -q "Cannot complete Allocation" "$log"
}

# no_secret_in FILE SECRET...: none of the secrets (keys, mac_keys, whole
# tokens, as the test knows them) appears in FILE; a finding names the
# secret by its position in the list, not by any of its characters.  A
# missing FILE is a failure: nothing wrote it, so nothing was looked at.
no_secret_in() {
	local f=$1 s i=0
	shift
	[ -f "$f" ] || { echo "# $f is missing"; return 1; }
	for s in "$@"; do
		i=$((i + 1))
		[ -n "$s" ] || continue
		if grep -qF -- "$s" "$f"; then
			echo "# secret number $i of the test is in $f"
			return 1
		fi
	done
}

# log_has FILE PATTERN: FILE has a line matching the fixed string.
log_has() {
	grep -qF -- "$2" "$1"
}

# turn-token probe: our RFC 5766/7635 client (tool/turn-token).
TURN_TOKEN=$TOP_BUILDDIR/tool/turn-token

# probe_holding OUT ARGS...: starts turn-token probe itself (no wrapper:
# HOLD_PID is the probe's own pid) against TS_PORT with ARGS, which give
# --hold, its output in OUT and its stdin from STDIN_FILE (default
# /dev/null); returns once OUT says ALLOCATED or the probe has exited
# (30 s at most), which the caller tells apart.
probe_holding() {
	local out=$1 i
	shift
	"$TURN_TOKEN" probe --server 127.0.0.1 --port "$TS_PORT" "$@" \
		>"$out" 2>&1 <"${STDIN_FILE:-/dev/null}" &
	HOLD_PID=$!
	PIDS+=("$HOLD_PID")
	for i in $(seq 300); do
		grep -q '^ALLOCATED ' "$out" && return 0
		kill -0 "$HOLD_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start_tpa KID [turnserver args...]: the patched turnserver ($T/ts.log)
# with coturn_tpa.so on a new key set holding KID ($T/keys.json), server
# name turn.example.net, and a token under KID in $T/token.json.
start_tpa() {
	local kid=$1
	shift
	"$TURN_TOKEN" keygen --kid "$kid" --set >"$T/keys.json" &&
		printf 'key-set = %s\n' "$T/keys.json" >"$T/tpa.conf" &&
		start_turnserver ts "$TURNSERVER" \
			--server-name=turn.example.net \
			--auth-plugin="$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so" \
			--auth-plugin-config="$T/tpa.conf" "$@" &&
		"$TURN_TOKEN" issue --keys "$T/keys.json" --kid "$kid" \
			--server-name turn.example.net --lifetime 600 \
			>"$T/token.json"
}

# credential FILE NAME=VALUE...: writes a credential for probe --credential
# (a JSON object of string members: username=alice password=pw, or
# username=k20 key=BASE64 access_token=BASE64) into FILE, mode 600.  Shell
# builtins only: no secret ever appears in a process's arguments.
credential() {
	local f=$1 sep='' kv
	shift
	(
		umask 077
		{
			printf '{'
			for kv in "$@"; do
				printf '%s"%s": "%s"' "$sep" "${kv%%=*}" "${kv#*=}"
				sep=', '
			done
			printf '}\n'
		} >"$f"
	)
}

# hex_to_b64 HEX: the bytes given in hex, in base64 (the bytes travel on
# pipes, never in arguments).
hex_to_b64() {
	printf '%s' "$1" | sed 's/../\\x&/g' | {
		read -r escaped
		printf "$escaped"
	} | base64 -w0
}

# probe ARGS...: runs turn-token probe against 127.0.0.1, port PROBE_PORT
# (default TS_PORT).
probe() {
	timeout 60 "$TURN_TOKEN" probe --server 127.0.0.1 \
		--port "${PROBE_PORT:-$TS_PORT}" "$@"
}
