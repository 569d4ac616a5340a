# coturn with coturn_tpa.so refuses to start on a bad plugin configuration
# or a broken key set, with a message that says which file, line or key is
# wrong; and it starts on a good one.
. "$TOP_SRCDIR/tests/lib.sh"

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so

# exits_with NAME MESSAGE ARGS...: coturn with the plugin and ARGS stops
# by itself within 15 s (a timeout, status 124, is the server still
# running: a failure), with a non-zero status and MESSAGE in its log.
exits_with() {
	local name=$1 msg=$2 rc
	shift 2
	relay_range || return 1
	timeout 15 "$TURNSERVER" -n --listening-ip=127.0.0.1 \
		--relay-ip=127.0.0.1 --listening-port="$(free_port)" \
		--min-port="$RELAY_MIN" --max-port="$RELAY_MAX" --no-tls \
		--no-dtls --no-cli --log-file=stdout --simple-log --realm=example.org \
		--pidfile="$T/$name.pid" --auth-plugin="$PLUGIN" "$@" \
		>"$T/$name.log" 2>&1
	rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && log_has "$T/$name.log" "$msg" || {
		echo "# $name: status $rc, log:"
		tail -3 "$T/$name.log" | sed 's/^/#   /'
		return 1
	}
}

# refuses NAME MESSAGE: exits_with, using the plugin config $T/NAME.conf.
refuses() {
	exits_with "$1" "$2" --auth-plugin-config="$T/$1.conf"
}

"$TURN_TOKEN" keygen --kid a --set >"$T/good.json"
printf '{"keys": [%s, %s]}\n' "$("$TURN_TOKEN" keygen --kid a)" \
	"$("$TURN_TOKEN" keygen --kid a)" >"$T/dupkid.json"
printf '{"keys": [{"kty": "oct", "kid": "short", "alg": "A256GCM", "k": "AAAA"}]}\n' \
	>"$T/shortkey.json"

printf 'key-set = %s\nclock-skew = 1h\n' "$T/good.json" >"$T/badskew.conf"
printf 'clock-skew = 5\n' >"$T/nokeyset.conf"
printf 'key-set = %s\nreplay = on\n' "$T/good.json" >"$T/unknown.conf"
printf 'key-set = %s\n' "$T/dupkid.json" >"$T/dupkid.conf"
printf 'key-set = %s\n' "$T/shortkey.json" >"$T/shortkey.conf"
printf 'key-set = %s\n' "$T/missing.json" >"$T/missing.conf"
printf 'key-set = %s\n' "$T/good.json" >"$T/good.conf"

check "a bad value names file, line and setting" refuses badskew \
	"cannot load auth plugin $PLUGIN: $T/badskew.conf:2: clock-skew: '1h' is not 0 to 3600 seconds"
check "a missing required setting" refuses nokeyset \
	"$T/nokeyset.conf: key-set is required"
check "an unknown setting" refuses unknown \
	"$T/unknown.conf:2: unknown setting 'replay'"
check "a duplicate kid in the key set" refuses dupkid "duplicate kid"
check "a key of the wrong length names the key" refuses shortkey \
	"keys[0] (kid \"short\")"
check "a missing key-set file" refuses missing "$T/missing.json"
check "no auth-plugin-config at all" exits_with noconf \
	"no configuration: set auth-plugin-config"

start_turnserver good "$TURNSERVER" --auth-plugin="$PLUGIN" \
	--auth-plugin-config="$T/good.conf"
check "a good configuration starts" test $? -eq 0
check "... and says what it loaded" \
	log_has "$T/good.log" "ready: 1 keys from $T/good.json, server name 'example.org'"

# metrics-listen: loopback only, a real port, one that is free
printf 'key-set = %s\nmetrics-listen = 192.0.2.1:9641\n' "$T/good.json" \
	>"$T/metrics-remote.conf"
printf 'key-set = %s\nmetrics-listen = 127.0.0.1:0\n' "$T/good.json" \
	>"$T/metrics-port0.conf"
MPORT=$(free_port)
printf 'key-set = %s\nmetrics-listen = 127.0.0.1:%s\n' "$T/good.json" \
	"$MPORT" >"$T/metrics.conf"
cp "$T/metrics.conf" "$T/metrics-inuse.conf"
check "metrics on a non-loopback address" refuses metrics-remote \
	"$T/metrics-remote.conf:2: metrics-listen: '192.0.2.1' is not a loopback address (127.0.0.0/8 or [::1])"
check "metrics on port 0" refuses metrics-port0 \
	"$T/metrics-port0.conf:2: metrics-listen: port '0' is not 1 to 65535"
start_turnserver metrics "$TURNSERVER" --auth-plugin="$PLUGIN" \
	--auth-plugin-config="$T/metrics.conf"
check "metrics on a free loopback port start" test $? -eq 0
check "metrics on a port in use stop a second server" refuses metrics-inuse \
	"metrics-listen 127.0.0.1:$MPORT: cannot listen: Address already in use"

finish
