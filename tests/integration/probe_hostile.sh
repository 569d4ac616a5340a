# turn-token probe against a hostile server (tests/fixtures/
# hostile_turn_server): every length the network gives sizes a read or a
# copy only after it is checked against the buffer it goes into.  Issue 6,
# defect 5: a STUN frame over TCP can be 20 + 65,532 bytes, 12 more than
# the probe's receive buffer held, and the last 12 bytes of such a frame
# overwrote the client's own bookkeeping.
. "$TOP_SRCDIR/tests/lib.sh"

HOSTILE=$TOP_BUILDDIR/tests/fixtures/hostile_turn_server

# hostile MODE [CREDFILE]: starts the server; sets H_PORT and H_PID.
hostile() {
	rm -f "$T/port"
	"$HOSTILE" "$1" "$T/port" ${2:+"$2"} >"$T/hostile-$1.log" 2>&1 &
	H_PID=$!
	PIDS+=("$H_PID")
	local i
	for i in $(seq 200); do
		[ -s "$T/port" ] && break
		kill -0 "$H_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	H_PORT=$(cat "$T/port" 2>/dev/null)
	[ -n "$H_PORT" ]
}

# hprobe LOG ARGS...: probe aimed at the hostile server, its output in
# $T/LOG; returns probe's exit status.
hprobe() {
	local log=$1
	shift
	PROBE_PORT=$H_PORT probe --timeout-ms 5000 "$@" >"$T/$log" 2>&1
}

# answered_403 LOG ARGS...: probe read the 401, sent credentials and
# reported the 403 that followed (exit status 1).
answered_403() {
	hprobe "$@"
	[ $? -eq 1 ] && grep -q '^ERROR code=403 ' "$T/$1"
}

PW=(--username hostile --password not-a-secret)

hostile max-stun || not_ok "the hostile server starts (max-stun)"
check "tcp: two largest STUN frames (20 + 65,532 bytes: 401, 403) are read whole" \
	answered_403 max-stun-tcp --transport tcp "${PW[@]}"
check "udp: two largest STUN datagrams (65,504 bytes: 401, 403) are read whole" \
	answered_403 max-stun-udp --transport udp "${PW[@]}"
stop_pid "$H_PID"

hostile max-channel || not_ok "the hostile server starts (max-channel)"
check "tcp: the largest ChannelData frames (4 + 65,536 bytes) are skipped" \
	answered_403 max-channel-tcp --transport tcp "${PW[@]}"
check "udp: the largest ChannelData datagrams (65,507 bytes) are skipped" \
	answered_403 max-channel-udp --transport udp "${PW[@]}"
stop_pid "$H_PID"

finish
