# Every way of failing to load a plugin stops the patched turnserver at
# start-up with a non-zero exit and a message that says why.
. "$TOP_SRCDIR/tests/lib.sh"

# fails_with NAME MESSAGE ARGS...: turnserver exits non-zero within 15 s
# (a timeout, status 124, is the server still running: a failure) and its
# output has MESSAGE.  ARGS may start with -c FILE instead of -n.
fails_with() {
	local name=$1 msg=$2 rc port conf=(-n)
	shift 2
	if [ "${1:-}" = -c ]; then
		conf=(-c "$2")
		shift 2
	fi
	port=$(free_port) && relay_range || return 1
	timeout 15 "$TURNSERVER" "${conf[@]}" --listening-ip=127.0.0.1 \
		--relay-ip=127.0.0.1 --listening-port="$port" \
		--min-port="$RELAY_MIN" --max-port="$RELAY_MAX" --no-tls \
		--no-dtls --no-cli --log-file=stdout --simple-log \
		--realm="$REALM" --pidfile="$T/$name.pid" "$@" \
		>"$T/$name.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
		echo "# $name: exit status $rc"
		return 1
	fi
	log_has "$T/$name.log" "$msg" || {
		echo "# $name: no '$msg' in:"
		tail -5 "$T/$name.log" | sed 's/^/#   /'
		return 1
	}
}

echo "init-error the key set is unreadable" >"$T/init-error.conf"
echo "no-such-directive 1" >"$T/bad-directive.conf"
echo "user alice password x" >"$T/good.conf"
printf 'third-party yes\nuser alice password x\n' >"$T/third.conf"

check "missing plugin file" fails_with missing \
	"cannot load auth plugin $T/nope.so: $T/nope.so: cannot open shared object file" \
	--auth-plugin="$T/nope.so"
check "a file that is not a shared object" fails_with notelf \
	"cannot load auth plugin $T/good.conf:" \
	--auth-plugin="$T/good.conf"
check "missing entry symbol" fails_with noentry \
	"no symbol turn_auth_plugin_entry" \
	--auth-plugin="$TEST_PLUGIN_NOENTRY"
check "wrong ABI major version" fails_with badabi \
	"ABI version 2.0, this server needs 1.x" \
	--auth-plugin="$TEST_PLUGIN_BROKEN"
# broken_fails NAME HOW MESSAGE: the broken plugin, broken HOW
broken_fails() {
	TPA_BROKEN_HOW=$2 fails_with "$1" "$3" --auth-plugin="$TEST_PLUGIN_BROKEN"
}
ABI_MINOR=$(sed -n 's/^#define TURN_AUTH_PLUGIN_ABI_MINOR \([0-9]*\)$/\1/p' \
	"$TOP_SRCDIR/include/turn_auth_plugin.h")
check "the plugin refuses this host's ABI" broken_fails refuse refuse \
	"the plugin does not support ABI version 1.$ABI_MINOR"
check "a plugin table without authorize" broken_fails table table \
	"incomplete plugin table"
check "init error shows the plugin's own message" fails_with initerror \
	"cannot load auth plugin $TEST_PLUGIN: the key set is unreadable" \
	--auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/init-error.conf"
check "init error on a broken plugin config" fails_with baddirective \
	"unknown directive 'no-such-directive'" \
	--auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/bad-directive.conf"
check "init error when the plugin config is missing" fails_with noconfig \
	"$T/missing.conf: No such file or directory" \
	--auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/missing.conf"
check "auth-plugin-config without auth-plugin" fails_with confonly \
	"--auth-plugin-config needs --auth-plugin" \
	--auth-plugin-config="$T/good.conf"
check "auth-plugin with --no-auth" fails_with noauth \
	"--auth-plugin and -z (--no-auth) options cannot be used together" \
	--no-auth --auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/good.conf"

# A third-party plugin does the oAuth: --oauth besides it is a
# contradiction.  Without third-party authorization it is not.
check "--oauth with a third-party plugin" fails_with oauth-third \
	"--oauth and an auth plugin that does third-party authorization cannot be used together" \
	--oauth --auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/third.conf"
oauth_plain_starts() {
	start_turnserver oauth-plain "$TURNSERVER" --oauth \
		--auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/good.conf" &&
		stop_pid "$TS_PID"
}
check "--oauth with a plugin that is not third-party starts" oauth_plain_starts

# The same options from a turnserver.conf instead of the command line.
cat >"$T/turnserver.conf" <<CONF
auth-plugin=$TEST_PLUGIN_BROKEN
CONF
check "a bad plugin named in turnserver.conf stops the server too" \
	fails_with conf "ABI version 2.0" -c "$T/turnserver.conf"

check "--help shows both options" \
	bash -c "'$TURNSERVER' -h | grep -q -- '--auth-plugin	' &&
		'$TURNSERVER' -h | grep -q -- '--auth-plugin-config'"

finish
