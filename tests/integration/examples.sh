# The files in examples/ work as shipped: coturn starts with the example
# turnserver.conf and plugin config (only their paths and port changed),
# and a token issued from the example key set allocates.
. "$TOP_SRCDIR/tests/lib.sh"

EX=$TOP_SRCDIR/examples
PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so

cp "$EX/keys.json" "$T/keys.json"
sed "s|^key-set = .*|key-set = $T/keys.json|" "$EX/coturn-tpa.conf" >"$T/coturn-tpa.conf"
sed -e "s|^auth-plugin=.*|auth-plugin=$PLUGIN|" \
	-e "s|^auth-plugin-config=.*|auth-plugin-config=$T/coturn-tpa.conf|" \
	-e "/^listening-port=/d" "$EX/turnserver.conf" >"$T/turnserver.conf"

check "only paths and the port were changed" \
	bash -c "[ \$(diff '$EX/coturn-tpa.conf' '$T/coturn-tpa.conf' | grep -c '^>') -eq 1 ] &&
		[ \$(diff '$EX/turnserver.conf' '$T/turnserver.conf' | grep -c '^>') -eq 2 ]"

# start_turnserver passes -n (no config file); this one reads the example.
TS_PORT=$(free_port)
relay_range
"$TURNSERVER" -c "$T/turnserver.conf" --listening-ip=127.0.0.1 \
	--relay-ip=127.0.0.1 --listening-port="$TS_PORT" \
	--min-port="$RELAY_MIN" --max-port="$RELAY_MAX" --no-tls --no-dtls \
	--log-file=stdout --simple-log --pidfile="$T/ts.pid" >"$T/ts.log" 2>&1 &
TS_PID=$!
PIDS+=("$TS_PID")
check "coturn starts with the example configuration" wait_listening "$TS_PORT" "$TS_PID"
check "the plugin loaded the example key set" \
	log_has "$T/ts.log" "ready: 2 keys from $T/keys.json, server name 'turn.example.org'"

example_token_allocates() {
	"$TURN_TOKEN" issue --keys "$EX/keys.json" --kid 2026-11-a \
		--server-name turn.example.org --lifetime 600 >"$T/issue.json" &&
		probe --credential "$T/issue.json" >"$T/probe.out" 2>&1 &&
		grep -q '^ALLOCATED ' "$T/probe.out"
}
check "a token from the example key set allocates" example_token_allocates

finish
