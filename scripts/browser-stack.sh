# browser-stack.sh - sourced by demo-browser.sh and run.sh; brings
# tests/lib.sh (servers on loopback, stopped at exit).  A key set, the
# patched coturn with the plugin on loopback (UDP, TCP, and TLS with a
# certificate made here), and the JavaScript issuer serving the demo page
# and its token endpoint.
#
# start_browser_stack USER PASSWORD HTTP_PORT: HTTP_PORT 0 takes a free
# one; sets PAGE (the page's URL), TS_PORT, TS_TLS_PORT, SERVER_NAME.
# Everything started is stopped by tests/lib.sh's exit trap.

TOP_BUILDDIR=${TOP_BUILDDIR:-$(pwd)}
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export TOP_BUILDDIR TOP_SRCDIR
. "$TOP_SRCDIR/tests/lib.sh"

SERVER_NAME=turn.example.net

start_browser_stack() {
	local user=$1 password=$2 http_port=$3 i
	"$TURN_TOKEN" keygen --kid demo-2026-11 --set >"$T/keys.json" || return 1
	printf 'key-set = %s\nbrowser-max-session = 3600\nlog-level = info\n' \
		"$T/keys.json" >"$T/coturn-tpa.conf"
	make_cert || return 1
	start_turnserver turnserver "$TURNSERVER" --server-name="$SERVER_NAME" \
		--auth-plugin="$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so" \
		--auth-plugin-config="$T/coturn-tpa.conf" || return 1
	node "$TOP_SRCDIR/examples/js-issuer/issuer.mjs" serve \
		--keys "$T/keys.json" --kid demo-2026-11 \
		--server-name "$SERVER_NAME" --lifetime 600 \
		--urls "turn:127.0.0.1:$TS_PORT?transport=udp" \
		--urls "turn:127.0.0.1:$TS_PORT?transport=tcp" \
		--urls "turns:localhost:$TS_TLS_PORT?transport=tcp" \
		--user "$user:$password" --port "$http_port" \
		>"$T/issuer.log" 2>&1 &
	PIDS+=("$!")
	for i in $(seq 100); do
		PAGE=$(sed -n 's/.* listening on \(http:[^ ]*\)$/\1/p' "$T/issuer.log")
		[ -n "$PAGE" ] && return 0
		kill -0 "${PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/   issuer: /' "$T/issuer.log"
	return 1
}
