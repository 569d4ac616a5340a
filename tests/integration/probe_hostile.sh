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

credential "$T/pw.json" username=hostile password=not-a-secret
PW=(--credential "$T/pw.json")

# The fixture reads clients' frames too: a STUN length of 65,535 (more
# than any body, more than its buffer) closes the connection at once
# rather than reading that many bytes.
closes_on_bad_length() {
	exec 3<>"/dev/tcp/127.0.0.1/$H_PORT" || return 1
	printf '\x00\x03\xff\xff\x21\x12\xa4\x42tid-tid-tid-' >&3
	timeout 10 cat <&3 >/dev/null
	local rc=$?
	exec 3<&-
	[ $rc -eq 0 ] && kill -0 "$H_PID"
}

hostile max-stun || not_ok "the hostile server starts (max-stun)"
check "the hostile server itself refuses a client's STUN length of 65,535" \
	closes_on_bad_length
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

# max-data: a signed allocation, then the largest Data indication in
# answer to the probe's Send: the probe's 2,048-byte echo buffer refuses
# it by its length, without a copy.  The deleting Refresh then gets 437,
# which means "already deleted" (RFC 8656 section 8.3), not a failure.
"$TURN_TOKEN" keygen --kid hostile --set >"$T/keys.json"
"$TURN_TOKEN" issue --keys "$T/keys.json" --kid hostile \
	--server-name hostile.test >"$T/token.json"
big_data_refused() {
	hprobe "$@" --credential "$T/token.json" --peer 127.0.0.1:9
	[ $? -eq 3 ] && grep -q '^ALLOCATED ' "$T/$1" &&
		grep -Eq '^FAIL echo: [0-9]+ bytes of data, buffer of 2048$' "$T/$1"
}
hostile max-data "$T/token.json" || not_ok "the hostile server starts (max-data)"
check "tcp: the largest Data indication (65,516 bytes) is refused by length" \
	big_data_refused max-data-tcp --transport tcp
check "udp: the largest Data indication in a datagram is refused by length" \
	big_data_refused max-data-udp --transport udp
# both probes sent their deleting Refresh, got 437, and took it as done
deletion_437_is_done() {
	[ "$(grep -c ' 0x004 mi=1$' "$T/hostile-max-data.log")" -eq 2 ] &&
		grep -q '^ALLOCATED ' "$T/max-data-tcp" &&
		grep -q '^ALLOCATED ' "$T/max-data-udp" &&
		! grep -q 'deallocation failed' "$T/max-data-tcp" "$T/max-data-udp"
}
stop_pid "$H_PID"
check "a 437 to the deleting Refresh means deleted (RFC 8656 8.3)" \
	deletion_437_is_done

# mismatch: 437 to every Allocate.  RFC 8656 section 7.4: the probe tries
# three client transport addresses, then reports the 437 as the error it
# is.
# addresses_since N: client addresses of the Allocates that the server
# logged after its first N lines.
addresses_since() {
	tail -n +$(($1 + 1)) "$T/hostile-mismatch.log" |
		awk '$3 == "0x003" { print $1, $2 }' | sort -u | wc -l
}
gives_up_after_three() { # gives_up_after_three TRANSPORT [ARGS...]
	local tr=$1 before rc
	shift
	before=$(wc -l <"$T/hostile-mismatch.log")
	hprobe "mismatch-$tr" --transport "$tr" "${PW[@]}" "$@"
	rc=$?
	[ $rc -eq 1 ] &&
		grep -q '^ERROR code=437 .* mismatch_retries=2$' "$T/mismatch-$tr" &&
		[ "$(addresses_since "$before")" -eq 3 ]
}
hostile mismatch || not_ok "the hostile server starts (mismatch)"
check "udp: a 437 on three client addresses in a row is the error" \
	gives_up_after_three udp
check "tcp: a 437 on three client addresses in a row is the error" \
	gives_up_after_three tcp
# --local-ip 127.0.0.2: the three addresses are all 127.0.0.2's
keeps_local_ip() {
	gives_up_after_three udp --local-ip 127.0.0.2 &&
		[ "$(tail -3 "$T/hostile-mismatch.log" |
			grep -c '^udp 127\.0\.0\.2:[0-9]* 0x003 ')" -eq 3 ]
}
check "a move after 437 keeps the client's IP address" keeps_local_ip
json_says_so() {
	hprobe mismatch-json --json "${PW[@]}"
	[ $? -eq 1 ] &&
		grep -q '"code":437' "$T/mismatch-json" &&
		grep -q '"mismatch_retries":2' "$T/mismatch-json"
}
check "the JSON report says so too" json_says_so
stop_pid "$H_PID"

# The same over TLS: the largest frames through SSL_read, and a new
# handshake on each new client address.
make_cert
HOSTILE_TLS_CERT=$TS_CERT HOSTILE_TLS_KEY=$TS_PKEY hostile max-stun ||
	not_ok "the hostile server starts (max-stun, TLS)"
check "tls: two largest STUN frames (20 + 65,532 bytes: 401, 403) are read whole" \
	answered_403 max-stun-tls --transport tls --insecure "${PW[@]}"
stop_pid "$H_PID"
HOSTILE_TLS_CERT=$TS_CERT HOSTILE_TLS_KEY=$TS_PKEY hostile mismatch ||
	not_ok "the hostile server starts (mismatch, TLS)"
check "tls: a 437 on three client addresses (three handshakes) is the error" \
	gives_up_after_three tls --insecure
stop_pid "$H_PID"

finish
