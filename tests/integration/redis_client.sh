#!/bin/bash
# redis_client: lib/tpa_redis against real redis-servers on loopback, one
# server at a time: TCP and a Unix socket, requirepass and an ACL user
# (passwords from files), SELECT, a stopped server (timeouts, back-off,
# recovery), a killed and restarted server, a hostile server (a reply that
# never ends, huge, or not RESP), scripts and NOSCRIPT, batches,
# and the subscriber.  The checks themselves are in
# tests/fixtures/redis_check*.c; this script starts the servers and does
# what the checker asks ("@ restart").
. "${TOP_SRCDIR:-.}/tests/lib.sh"
. "$TOP_SRCDIR/tests/redis-lib.sh"

CHECK=$TOP_BUILDDIR/tests/fixtures/redis_check
SERVER=plain

# on_action ACTION: what the checker asks for.
on_action() {
	case $1 in
	restart) restart_redis "$SERVER" ;;
	*) return 1 ;;
	esac
}

# ---- one server over TCP and a Unix socket ----
if start_redis plain "unixsocket $T/plain/redis.sock" "unixsocketperm 700"; then
	PLAIN_PORT=$REDIS_PORT
	PLAIN_PID=$REDIS_PID
	DEAD_PORT=$(free_port)
	drive_check on_action "$CHECK" single basic \
		"redis://127.0.0.1:$PLAIN_PORT" "redis://127.0.0.1:$DEAD_PORT"
	drive_check on_action "$CHECK" single basic \
		"unix:$T/plain/redis.sock" "unix:$T/nothing.sock"
	drive_check on_action "$CHECK" single db \
		"redis://127.0.0.1:$PLAIN_PORT/0" "redis://127.0.0.1:$PLAIN_PORT/5"
	check "the key is in database 5 as redis-cli sees it" \
		[ "$(rcli "$PLAIN_PORT" -n 5 GET dbkey)" = in-db ]
	drive_check on_action "$CHECK" subscriber basic \
		"redis://127.0.0.1:$PLAIN_PORT" "$PLAIN_PID"
	drive_check on_action "$CHECK" single stall \
		"redis://127.0.0.1:$PLAIN_PORT" "$PLAIN_PID"
	kill -CONT "$PLAIN_PID" 2>/dev/null # whatever the checker did
	SERVER=plain
	drive_check on_action "$CHECK" single restart \
		"redis://127.0.0.1:$PLAIN_PORT"
	drive_check on_action "$CHECK" subscriber restart \
		"redis://127.0.0.1:$PLAIN_PORT"
else
	not_ok "a redis-server starts"
fi

# ---- requirepass, and an ACL user; passwords in files, mode 600 ----
umask 077
mkdir -p "$T/secure"
head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$T/requirepass.txt"
head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$T/acl-password.txt"
{
	echo "requirepass $(cat "$T/requirepass.txt")"
	echo "user tpa on >$(cat "$T/acl-password.txt") ~* &* +@all"
} >"$T/secure/extra.conf"
umask 022
if start_redis secure; then
	drive_check on_action "$CHECK" single auth \
		"redis://127.0.0.1:$REDIS_PORT" "$T/requirepass.txt" -
	drive_check on_action "$CHECK" single auth \
		"redis://127.0.0.1:$REDIS_PORT" "$T/acl-password.txt" tpa
else
	not_ok "a redis-server with requirepass starts"
fi
# ---- a hostile server: time and memory stay bounded ----
for mode in trickle huge-array big-bulk garbage; do
	port=$(free_port)
	"$TOP_BUILDDIR/tests/fixtures/hostile_redis_server" "$port" "$mode" \
		>"$T/hostile-$mode.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	if wait_listening "$port" "$pid"; then
		# the checker bounds its own peak memory: under ASan, memory
		# it freed would stay resident in the quarantine and count
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:quarantine_size_mb=0} \
			drive_check on_action "$CHECK" single hostile \
			"redis://127.0.0.1:$port" "$mode"
	else
		not_ok "the hostile server ($mode) starts"
	fi
	stop_pid "$pid"
done

check "no password is in what the checker said" \
	no_secret_in "$T/checker.out" \
	"$(cat "$T/requirepass.txt")" "$(cat "$T/acl-password.txt")"

finish
