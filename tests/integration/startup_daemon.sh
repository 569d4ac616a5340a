# turnserver -o (--daemon) tells the truth: the command exits non-zero when
# the daemon cannot start (a missing or broken plugin, a bad plugin
# configuration), with the reason on its output, and leaves no daemon
# behind; it exits 0 only once the daemon serves, with the plugin loaded in
# the daemon itself (the plugin's metrics thread answers there).
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so

# daemon NAME ARGS...: runs turnserver -o on a free port, its output in
# $T/NAME.log, its log file $T/NAME.tslog, its pid file $T/NAME.pid; sets
# DAEMON_RC (the command's exit status) and DAEMON_PORT.
daemon() {
	local name=$1
	shift
	DAEMON_PORT=$(free_port)
	timeout 30 "$TURNSERVER" -o -n --listening-ip=127.0.0.1 \
		--relay-ip=127.0.0.1 --listening-port="$DAEMON_PORT" \
		--min-port=50000 --max-port=59999 --no-tls --no-dtls --no-cli \
		--log-file="$T/$name.tslog" --simple-log --realm="$REALM" \
		--pidfile="$T/$name.pid" "$@" >"$T/$name.log" 2>&1
	DAEMON_RC=$?
}

# daemons_of NAME: pids of the turnservers started with NAME's pid file (a
# path in $T, so only this test's).  "pidfil[e]" keeps grep from finding
# itself.
daemons_of() {
	local f p
	for f in $(grep -lsE -- "--pidfil[e]=$T/$1\.pid" /proc/[0-9]*/cmdline); do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$TURNSERVER" ] &&
			echo "$p"
	done
}

# fails_daemon NAME MESSAGE ARGS...: turnserver -o exits non-zero (not by
# the timeout), says MESSAGE on its output, and no daemon is left.
fails_daemon() {
	local name=$1 msg=$2
	shift 2
	daemon "$name" "$@"
	if [ "$DAEMON_RC" -eq 0 ] || [ "$DAEMON_RC" -eq 124 ]; then
		echo "# $name: turnserver -o exited with $DAEMON_RC"
		local p
		for p in $(daemons_of "$name"); do PIDS+=("$p"); done
		return 1
	fi
	log_has "$T/$name.log" "$msg" || {
		echo "# $name: no '$msg' in its output:"
		tail -5 "$T/$name.log" | sed 's/^/#   /'
		return 1
	}
	[ -z "$(daemons_of "$name")" ] || {
		echo "# $name: a daemon is left: $(daemons_of "$name")"
		return 1
	}
}

"$TURN_TOKEN" keygen --kid k1 --set >"$T/keys.json"
chmod 600 "$T/keys.json"
MPORT=$(free_port)
printf 'key-set = %s\nmetrics-listen = 127.0.0.1:%s\n' "$T/keys.json" \
	"$MPORT" >"$T/good.conf"
printf 'key-set = %s\nclock-skew = 1h\n' "$T/keys.json" >"$T/bad.conf"

check "-o with a missing plugin exits non-zero, says why, leaves no daemon" \
	fails_daemon missing "cannot load auth plugin $T/nope.so" \
	--auth-plugin="$T/nope.so"
check "-o with a broken plugin (wrong ABI) exits non-zero, no daemon left" \
	fails_daemon broken "ABI version 2.0, this server needs 1.x" \
	--auth-plugin="$TEST_PLUGIN_BROKEN"
check "-o with a bad plugin configuration exits non-zero, no daemon left" \
	fails_daemon badconf "$T/bad.conf:2: clock-skew: '1h' is not 0 to 3600 seconds" \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/bad.conf"

# A good start: the command returns once the daemon listens.
daemon good --server-name=turn.example.net --auth-plugin="$PLUGIN" \
	--auth-plugin-config="$T/good.conf"
check "-o with a good plugin exits 0" test "$DAEMON_RC" -eq 0
DPID=$(cat "$T/good.pid" 2>/dev/null)
# ours: started with our pid file, and the pid file's
if [ -n "$DPID" ] && daemons_of good | grep -qx "$DPID"; then
	PIDS+=("$DPID")
	ok "the daemon runs, with the pid of its pid file"
else
	not_ok "the daemon runs, with the pid of its pid file ($DPID)"
fi
# at once, without waiting: the parent returned after start-up
check "... and listens when the command returns" \
	bash -c "ss -Hlun 'sport = :$DAEMON_PORT' | grep -q ."
check "... with the plugin loaded in the daemon: its metrics thread answers" \
	bash -c "curl -sf --max-time 10 'http://127.0.0.1:$MPORT/metrics' |
		grep -q '^coturn_tpa_sessions '"
"$TURN_TOKEN" issue --keys "$T/keys.json" --kid k1 \
	--server-name turn.example.net --lifetime 600 >"$T/token.json"
check "... and authorizes a token" \
	bash -c "timeout 60 '$TURN_TOKEN' probe --server 127.0.0.1 \
		--port $DAEMON_PORT --credential '$T/token.json' |
		grep -q '^ALLOCATED '"

# stop it by its pid, and see it gone (bounded: 10 s)
gone() {
	local i
	kill "$DPID" 2>/dev/null
	for i in $(seq 100); do
		[ -z "$(daemons_of good)" ] && return 0
		sleep 0.1
	done
	return 1
}
if [ -n "$DPID" ]; then
	check "the daemon stops on SIGTERM to its pid" gone
fi

finish
