# make install puts what an operator needs where the README says: the
# patched turnserver in /usr/local/bin (ahead of Debian's /usr/bin one on
# PATH), the plugin, turn-token and the man pages; the installed server
# runs the installed plugin with the example configuration.  The README's
# way of telling the two turnservers apart tells them apart, and Debian's
# says what the README says it says when given our configuration.
. "$TOP_SRCDIR/tests/lib.sh"

R=$T/root
P=$R/usr/local
SERVER_NAME=turn.example.org

# The test runs inside make check: a make of its own, not a sub-make.
install_log=$T/install.log
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make -C "$TOP_BUILDDIR" install DESTDIR="$R" >"$install_log" 2>&1 ||
	{ not_ok "make install DESTDIR=... succeeds"; tail -20 "$install_log" | sed 's/^/#   /'; finish; }
ok "make install DESTDIR=... succeeds"

check "make install installs the patched turnserver, turn-token, the plugin and the man pages" \
	eval '[ -x "$P/bin/turnserver" ] && [ -x "$P/bin/turn-token" ] &&
	      [ -f "$P/lib/coturn-tpa/coturn_tpa.so" ] &&
	      [ -f "$P/share/man/man1/turn-token.1" ] && [ -f "$P/share/man/man8/turnserver-tpa.8" ]'
check "the installed turnserver is the patched one, byte for byte" \
	cmp -s "$P/bin/turnserver" "$TURNSERVER"
check "turnserver-tpa, the package's name for it, is the same program" \
	eval '[ "$(readlink "$P/bin/turnserver-tpa")" = turnserver ]'
check "no libtool archive next to the plugin" \
	test ! -e "$P/lib/coturn-tpa/coturn_tpa.la"
check "the man pages format without warnings" eval \
	'for m in "$P/share/man/man1/turn-token.1" "$P/share/man/man8/turnserver-tpa.8"; do
		[ -z "$(LC_ALL=C.UTF-8 MANROFFSEQ="" MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)" ] || exit 1
	 done'

# Debian's PATH order (/etc/profile, systemd): /usr/local/bin first.
check "on the default PATH the installed turnserver comes before Debian's" eval \
	'[ "$(PATH="$P/sbin:$P/bin:/usr/sbin:/usr/bin:/sbin:/bin" command -v turnserver)" = "$P/bin/turnserver" ]'
# The README's check: the patched server lists --auth-plugin.
check "README: turnserver --help | grep auth-plugin finds the patched one" \
	eval '"$P/bin/turnserver" --help 2>&1 | grep -q -- "--auth-plugin"'
check "README: ... and not Debian's" \
	eval '! /usr/bin/turnserver --help 2>&1 | grep -q -- "auth-plugin"'

# The example configuration, pointed into the scratch root.
"$P/bin/turn-token" keys add --keys "$T/keys.json" --create --kid 2026-11-a >/dev/null
sed "s|^key-set = .*|key-set = $T/keys.json|" "$TOP_SRCDIR/examples/coturn-tpa.conf" \
	>"$T/coturn-tpa.conf"
sed -e "s|^auth-plugin=.*|auth-plugin=$P/lib/coturn-tpa/coturn_tpa.so|" \
	-e "s|^auth-plugin-config=.*|auth-plugin-config=$T/coturn-tpa.conf|" \
	-e "/^listening-port=/d" "$TOP_SRCDIR/examples/turnserver.conf" >"$T/turnserver.conf"

# run_server NAME BINARY: the example configuration on loopback.
run_server() {
	TS_PORT=$(free_port) && relay_range || return 1
	"$2" -c "$T/turnserver.conf" --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 \
		--listening-port="$TS_PORT" --min-port="$RELAY_MIN" \
		--max-port="$RELAY_MAX" --no-tls --no-dtls --log-file=stdout \
		--simple-log --pidfile="$T/$1.pid" >"$T/$1.log" 2>&1 &
	TS_PID=$!
	PIDS+=("$TS_PID")
	RELAY_OWNER[$RELAY_MIN]=$TS_PID
	wait_listening "$TS_PORT" "$TS_PID"
}
token_allocates() {
	local json
	json=$("$P/bin/turn-token" issue --keys "$T/keys.json" --kid 2026-11-a \
		--server-name "$SERVER_NAME" --lifetime 600) &&
		probe --credential - <<<"$json" >"$T/$1.out" 2>&1
}

check "the installed turnserver starts with the installed plugin" run_server installed "$P/bin/turnserver"
check "... which loads the key set" \
	log_has "$T/installed.log" "ready: 1 keys from $T/keys.json"
check "... and a token from the installed turn-token allocates" \
	eval 'token_allocates installed && grep -q "^ALLOCATED " "$T/installed.out"'
stop_pid "$TS_PID"

check "Debian's turnserver starts with the same configuration" run_server debian /usr/bin/turnserver
check "... logs what the README says: Bad configuration format: auth-plugin" \
	log_has "$T/debian.log" "Bad configuration format: auth-plugin"
check "... and refuses the token" \
	eval '! token_allocates debian && grep -q "code=401" "$T/debian.out"'
stop_pid "$TS_PID"

env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make -C "$TOP_BUILDDIR" uninstall DESTDIR="$R" >"$T/uninstall.log" 2>&1
check "make uninstall removes every file it installed" \
	eval '[ -z "$(find "$R" ! -type d)" ]'

finish
