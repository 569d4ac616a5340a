# Without auth-plugin the patched turnserver behaves as unpatched coturn:
# the same checks pass against Debian's turnserver (4.6.1, unpatched) and
# ours, with Debian's clients and with the clients built from the patched
# tree.  With a plugin that PASSes, coturn's static users and its REST API
# secret work exactly the same.
. "$TOP_SRCDIR/tests/lib.sh"

SECRET=north-wind-secret
start_peer

# lt_cred_checks LABEL CLIENT_DIR: static users, with the clients found
# first in CLIENT_DIR (Debian's or the patched tree's).
lt_cred_checks() {
	local label=$1 PATH="$2:$PATH"
	check "$label: static user relays over UDP" \
		uclient_relays "$T/$label-udp.log" -u dave -w davepw
	check "$label: static user relays over TCP" \
		uclient_relays "$T/$label-tcp.log" -t -u dave -w davepw
	check "$label: a wrong password is refused" \
		uclient_fails "$T/$label-bad.log" -u dave -w wrong
	check "$label: an unknown user is refused" \
		uclient_fails "$T/$label-unknown.log" -u nobody -w x
}

rest_checks() {
	local label=$1
	check "$label: REST API credentials relay" \
		uclient_relays "$T/$label-rest.log" -W "$SECRET" -u someone
	check "$label: a wrong REST API secret is refused" \
		uclient_fails "$T/$label-rest-bad.log" -W wrong-secret -u someone
}

stun_binding() {
	timeout 10 "$1/turnutils_stunclient" -p "$TS_PORT" 127.0.0.1 \
		>"$T/stun.log" 2>&1 && grep -q "UDP reflexive addr: 127.0.0.1:" "$T/stun.log"
}

# Debian's turnserver is the unpatched one (no --auth-plugin); ours has the
# option.  Neither stands in for the other: a missing one fails its checks.
DEBIAN_TURNSERVER=/usr/bin/turnserver
has_plugin_option() {
	"$1" -h 2>&1 | grep -q -- '--auth-plugin'
}
check "Debian's turnserver is there and unpatched ($DEBIAN_TURNSERVER)" \
	eval "[ -x '$DEBIAN_TURNSERVER' ] && ! has_plugin_option '$DEBIAN_TURNSERVER' &&
		'$DEBIAN_TURNSERVER' -h 2>&1 | grep -q 'Usage: turnserver'"
check "the patched turnserver is there and has --auth-plugin ($TURNSERVER)" \
	eval "[ -x '$TURNSERVER' ] && has_plugin_option '$TURNSERVER'"

for server in debian patched; do
	if [ $server = debian ]; then bin=$DEBIAN_TURNSERVER; else bin=$TURNSERVER; fi

	if start_turnserver "$server-lt" "$bin" --lt-cred-mech --user=dave:davepw; then
		lt_cred_checks "$server+debian-client" /usr/bin
		lt_cred_checks "$server+patched-client" "$COTURN_BIN"
		check "$server: STUN binding answers" stun_binding /usr/bin
	else
		not_ok "$server turnserver starts with a static user"
	fi
	stop_pid "$TS_PID"

	if start_turnserver "$server-rest" "$bin" --use-auth-secret \
		--static-auth-secret="$SECRET"; then
		rest_checks "$server"
	else
		not_ok "$server turnserver starts with REST API"
	fi
	stop_pid "$TS_PID"
done

echo "default pass" >"$T/pass.conf"
if start_turnserver pass-lt "$TURNSERVER" --user=dave:davepw \
	--auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/pass.conf"; then
	lt_cred_checks "plugin-pass" /usr/bin
else
	not_ok "turnserver starts with a PASSing plugin and a static user"
fi
stop_pid "$TS_PID"
if start_turnserver pass-rest "$TURNSERVER" --use-auth-secret \
	--static-auth-secret="$SECRET" \
	--auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/pass.conf"; then
	rest_checks "plugin-pass"
else
	not_ok "turnserver starts with a PASSing plugin and a REST API secret"
fi
stop_pid "$TS_PID"

check "coturn's RFC 5769 test vectors pass in the patched tree" \
	bash -c "'$COTURN_BIN/turnutils_rfc5769check' >'$T/rfc5769.log' 2>&1"

finish
