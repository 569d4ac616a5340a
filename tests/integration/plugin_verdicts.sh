# The patched turnserver asks the plugin first: ACCEPT lets Debian's
# turnutils_uclient allocate and relay through turnutils_peer, REJECT and
# ERROR give 401 with the reason in the log, PASS leaves coturn's own static
# users working.  The plugin sees the method, user, realm, addresses and
# transport of each request.
. "$TOP_SRCDIR/tests/lib.sh"

# uclient_relays over TLS (-t) or DTLS: -S on the TLS port.
uclient_relays_secure() {
	local log=$1
	shift
	TS_PORT=$TS_TLS_PORT uclient_relays "$log" -S "$@"
}

cat >"$T/plugin.conf" <<CONF
record $T/record.log
user alice password wonderland
user bob reject bob is not welcome here
user carol error the user store is down
user dave pass
user erin key-len 0
user frank key-len 65
user grace verdict 7
CONF

start_peer
make_cert
start_turnserver ts "$TURNSERVER" --user=dave:davepw \
	--auth-plugin="$TEST_PLUGIN" --auth-plugin-config="$T/plugin.conf" ||
	{ not_ok "patched turnserver starts with the test plugin"; finish; }
ok "patched turnserver starts with the test plugin"

check "the plugin's init log line reaches coturn's log" \
	log_has "$T/ts.log" "auth plugin test: test plugin ready, 7 users"
ABI_MINOR=$(sed -n 's/^#define TURN_AUTH_PLUGIN_ABI_MINOR \([0-9]*\)$/\1/p' \
	"$TOP_SRCDIR/include/turn_auth_plugin.h")
check "init gets the server name and realm" \
	log_has "$T/record.log" \
	"init server_name=$REALM realm=$REALM abi=$((65536 + ABI_MINOR))"

check "ACCEPT: uclient allocates and relays over UDP" \
	uclient_relays "$T/alice-udp.log" -u alice -w wonderland
check "ACCEPT: uclient allocates and relays over TCP" \
	uclient_relays "$T/alice-tcp.log" -t -u alice -w wonderland
check "ACCEPT: uclient allocates and relays over TLS" \
	uclient_relays_secure "$T/alice-tls.log" -t -u alice -w wonderland
check "ACCEPT: uclient allocates and relays over DTLS" \
	uclient_relays_secure "$T/alice-dtls.log" -u alice -w wonderland
check "ACCEPT with a wrong password fails (key mismatch)" \
	uclient_fails "$T/alice-bad.log" -u alice -w queenofhearts

check "REJECT: uclient cannot allocate" \
	uclient_fails "$T/bob.log" -u bob -w anything
check "REJECT: the reason is logged" \
	log_has "$T/ts.log" "auth plugin rejected: bob is not welcome here"
check "ERROR: uclient cannot allocate" \
	uclient_fails "$T/carol.log" -u carol -w anything
check "ERROR: the reason is logged" \
	log_has "$T/ts.log" "auth plugin error: the user store is down"

# A broken plugin answer fails closed, with the reason in the log.
check "ACCEPT with key length 0: refused" \
	uclient_fails "$T/erin.log" -u erin -w x
check "ACCEPT with key length 65: refused" \
	uclient_fails "$T/frank.log" -u frank -w x
check "... logged as an invalid key length" \
	log_has "$T/ts.log" "auth plugin error: accepted with an invalid key length"
check "an unknown verdict: refused" uclient_fails "$T/grace.log" -u grace -w x
check "... logged as unknown" log_has "$T/ts.log" "auth plugin error: unknown verdict"

check "PASS: coturn's static user allocates and relays" \
	uclient_relays "$T/dave.log" -u dave -w davepw
check "PASS: a wrong static password still fails" \
	uclient_fails "$T/dave-bad.log" -u dave -w nope

check "the plugin saw Allocate from alice over UDP" \
	grep -Eq "^authorize method=0x003 user=alice realm=$REALM client=127\.0\.0\.1:[1-9][0-9]* server=127\.0\.0\.1:$TS_PORT transport=udp session=[0-9]+ msglen=[1-9]" "$T/record.log"
check "the plugin saw Allocate from alice over TCP" \
	grep -Eq "^authorize method=0x003 user=alice realm=$REALM client=127\.0\.0\.1:[1-9][0-9]* server=127\.0\.0\.1:$TS_PORT transport=tcp " "$T/record.log"
check "the plugin saw Allocate from alice over TLS" \
	grep -Eq "^authorize method=0x003 user=alice realm=$REALM client=127\.0\.0\.1:[1-9][0-9]* server=127\.0\.0\.1:$TS_TLS_PORT transport=tls " "$T/record.log"
check "the plugin saw Allocate from alice over DTLS" \
	grep -Eq "^authorize method=0x003 user=alice realm=$REALM client=127\.0\.0\.1:[1-9][0-9]* server=127\.0\.0\.1:$TS_TLS_PORT transport=dtls " "$T/record.log"
check "the plugin was asked about dave and passed" \
	grep -Eq "^authorize .*user=dave .*verdict=0$" "$T/record.log"
check "the plugin hears that sessions it accepted ended" \
	grep -Eq "^closed session=[0-9]+$" "$T/record.log"
# every closed session id is one that the plugin accepted
closed_were_accepted() {
	local s
	for s in $(sed -n 's/^closed session=//p' "$T/record.log"); do
		grep -q "session=$s .*verdict=1$" "$T/record.log" || return 1
	done
}
check "only sessions that the plugin accepted are reported closed" \
	closed_were_accepted

kill -0 "$TS_PID" 2>/dev/null
check "turnserver still runs after every verdict" test $? -eq 0

finish
