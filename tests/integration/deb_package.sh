# shellcheck disable=SC2016 # single quotes run through check/eval
# make deb: the Debian packages build, lintian has nothing to say that is
# not overridden with a reason, they install into a scratch root (never on
# this machine) with their maintainer scripts, systemd-analyze accepts the
# service, and the installed server, run the way the unit runs it (as the
# service user, with only the packages' files and the system's libraries
# in its root), allocates with a token from the installed turn-token.
. "$TOP_SRCDIR/tests/lib.sh"

OUT=$TOP_BUILDDIR/build/deb
R=$T/root
SERVER_NAME=turn.example.org # the packaged turnserver.conf's
UNIT=lib/systemd/system/coturn-tpa.service

start=$(date +%s)
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$TOP_BUILDDIR" deb >"$T/deb.log" 2>&1
deb_rc=$?
echo "# make deb: $(($(date +%s) - start)) s (lintian: $(sed -n 's/^build-deb: lintian ran in //p' "$T/deb.log"))"
SRV_DEB=$(ls "$OUT"/coturn-tpa_*.deb 2>/dev/null)
TT_DEB=$(ls "$OUT"/turn-token_*.deb 2>/dev/null)
if [ -z "$SRV_DEB" ] || [ -z "$TT_DEB" ]; then
	not_ok "make deb builds coturn-tpa and turn-token"
	tail -30 "$T/deb.log" | sed 's/^/#   /'
	finish
fi
ok "make deb builds coturn-tpa and turn-token"
check "lintian (pedantic) finds no tag that is not overridden with a reason" \
	eval '[ $deb_rc -eq 0 ] && grep -q "^build-deb: lintian clean$" "$T/deb.log" &&
	      ! grep -Eq "^[EWIPX]: " "$OUT/lintian.log"'
grep -E '^[EWIPX]: ' "$OUT/lintian.log" | sed 's/^/#   /'

# --- what the packages hold ------------------------------------------------
dpkg-deb -c "$SRV_DEB" | awk '{ print $1, $2, $6 }' >"$T/srv.list"
dpkg-deb -c "$TT_DEB" | awk '{ print $6 }' >"$T/tt.list"
has() { grep -q " \\./$2\$" "$T/$1.list" || grep -qx "\\./$2" "$T/$1.list"; }
check "coturn-tpa holds the server, plugin, configuration, unit, sysusers, tmpfiles, man page" eval \
	'has srv usr/sbin/turnserver-tpa && has srv usr/lib/coturn-tpa/coturn_tpa.so &&
	 has srv etc/coturn-tpa/turnserver.conf && has srv etc/coturn-tpa/coturn-tpa.conf &&
	 has srv "$UNIT" && has srv usr/lib/sysusers.d/coturn-tpa.conf &&
	 has srv usr/lib/tmpfiles.d/coturn-tpa.conf && has srv usr/share/man/man8/turnserver-tpa.8.gz'
check "turn-token holds the tool and its man page" eval \
	'has tt usr/bin/turn-token && has tt usr/share/man/man1/turn-token.1.gz'
check "the configuration files are conffiles" eval \
	'dpkg-deb -I "$SRV_DEB" conffiles | sort | diff - <(printf "%s\n" \
		/etc/coturn-tpa/coturn-tpa.conf /etc/coturn-tpa/turnserver.conf) >/dev/null'
# Debian's coturn is installed here (for its client tools): no path clash.
check "no file of coturn-tpa or turn-token is a file of Debian's coturn" eval \
	'dpkg -L coturn | sort -u >"$T/coturn.files" &&
	 sed "s|^\\./|/|; s|/\$||" "$T/tt.list" <(awk "{ print \$3 }" "$T/srv.list") |
		sort -u | comm -12 - "$T/coturn.files" | while read -r f; do
			[ -d "$f" ] || { echo "# clash: $f"; exit 1; }
		done'

# --- installed into a scratch root, maintainer scripts and all --------------
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
# chrootless: the scripts run here with DPKG_ROOT=$R, as debhelper's
# snippets (systemd-sysusers, systemd-tmpfiles, deb-systemd-helper) allow;
# the scratch root has no libc of its own, so dependencies are forced.
check "dpkg installs both packages into the scratch root" eval \
	'dpkg --root="$R" --force-script-chrootless --force-depends \
		--log="$T/dpkg.log" -i "$TT_DEB" "$SRV_DEB" >"$T/dpkg-i.out" 2>&1 &&
	 [ "$(dpkg --root="$R" -l coturn-tpa turn-token | grep -c "^ii ")" -eq 2 ]'
tpa_uid=$(awk -F: '$1 == "coturn-tpa" { print $3 }' "$R/etc/passwd" 2>/dev/null)
tpa_gid=$(awk -F: '$1 == "coturn-tpa" { print $4 }' "$R/etc/passwd" 2>/dev/null)
check "the service user coturn-tpa is a system user, without a login shell" eval \
	'[ -n "$tpa_uid" ] && [ "$tpa_uid" -lt 1000 ] && [ "$tpa_uid" -ne 0 ] &&
	 awk -F: "\$1 == \"coturn-tpa\" { exit \$7 ~ /nologin\$/ ? 0 : 1 }" "$R/etc/passwd"'
check "the key directory is mode 0700, owned by coturn-tpa" eval \
	'[ "$(stat -c "%a %u:%g" "$R/etc/coturn-tpa/keys")" = "700 $tpa_uid:$tpa_gid" ]'
check "the service is installed, not enabled (keys and configuration first)" eval \
	'[ -f "$R/$UNIT" ] && [ -z "$(find "$R/etc/systemd" -name "coturn-tpa*" 2>/dev/null)" ]'

# systemd-analyze verify in the scratch root, with systemd's own targets
# (from this machine's systemd package) and the packages' man pages.
mkdir -p "$R/etc/systemd/system"
for u in /lib/systemd/system/*.target /lib/systemd/system/*.slice; do
	[ -e "$R/lib/systemd/system/${u##*/}" ] || cp -a "$u" "$R/lib/systemd/system/"
done
check "systemd-analyze verify accepts the unit" eval \
	'MANPATH="$R/usr/share/man" systemd-analyze verify --root="$R" coturn-tpa.service \
		>"$T/verify.out" 2>&1 && [ ! -s "$T/verify.out" ]'
sed 's/^/#   /' "$T/verify.out"
systemd-analyze security --offline=true --root="$R" coturn-tpa.service \
	>"$T/security.out" 2>&1
exposure=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' "$T/security.out")
echo "# systemd-analyze security: exposure ${exposure:-?} (0 best, 10 worst)"
check "systemd-analyze security rates the sandbox OK (exposure below 2.0)" \
	awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 < 2.0) }'

# in_root USER ARGS...: runs ARGS as USER (uid:gid) chrooted in the scratch
# root, in a mount namespace of its own that lends it this machine's
# libraries (and /dev); nothing of the scratch root is mounted here.
# unshare, sh and chroot each exec the next: the pid is the program's.
IN_ROOT='r=$1 user=$2
	shift 2
	for d in usr/lib/x86_64-linux-gnu lib/x86_64-linux-gnu lib64 dev; do
		mkdir -p "$r/$d"
	done
	mount --bind -o ro /usr/lib/x86_64-linux-gnu "$r/usr/lib/x86_64-linux-gnu" &&
	mount --bind -o ro /usr/lib/x86_64-linux-gnu "$r/lib/x86_64-linux-gnu" &&
	mount --bind -o ro /usr/lib64 "$r/lib64" &&
	mount --bind /dev "$r/dev" &&
	exec chroot --userspec="$user" "$r" "$@"'
in_root() {
	unshare -m --propagation private sh -c "$IN_ROOT" in_root "$R" "$@"
}

check "the installed turn-token makes the key set, owned by coturn-tpa, mode 0600" eval \
	'in_root 0:0 /usr/bin/turn-token keys add --keys /etc/coturn-tpa/keys/keys.json \
		--create --kid pkg-1 >"$T/keys-add.out" 2>&1 &&
	 [ "$(stat -c "%a %u" "$R/etc/coturn-tpa/keys/keys.json")" = "600 $tpa_uid" ]'
check "other users cannot read the keys" eval \
	'! setpriv --reuid=65534 --regid=65534 --clear-groups \
		cat "$R/etc/coturn-tpa/keys/keys.json" >/dev/null 2>&1'

# The unit's ExecStart as it is, plus a loopback listener for the test.
exec_start=$(sed -n 's/^ExecStart=//p' "$R/$UNIT")
read -ra cmd <<<"$exec_start"
mkdir -p "$R/run/coturn-tpa" "$R/var/lib/coturn-tpa" # RuntimeDirectory, StateDirectory
chown "$tpa_uid:$tpa_gid" "$R/run/coturn-tpa" "$R/var/lib/coturn-tpa"
chmod 0700 "$R/run/coturn-tpa" "$R/var/lib/coturn-tpa"
TS_PORT=$(free_port)
relay_range
unshare -m --propagation private sh -c "$IN_ROOT" in_root "$R" \
	"$tpa_uid:$tpa_gid" "${cmd[@]}" --listening-ip=127.0.0.1 \
	--relay-ip=127.0.0.1 --listening-port="$TS_PORT" \
	--min-port="$RELAY_MIN" --max-port="$RELAY_MAX" \
	--no-tls --no-dtls --no-cli >"$T/server.log" 2>&1 &
TS_PID=$!
PIDS+=("$TS_PID")
RELAY_OWNER[$RELAY_MIN]=$TS_PID
check "the installed server starts as the unit starts it, as coturn-tpa" eval \
	'wait_listening "$TS_PORT" "$TS_PID" &&
	 [ "$(ps -o uid= -p "$TS_PID" | tr -d " ")" = "$tpa_uid" ]'
check "it loaded the installed plugin with the installed configuration and keys" \
	log_has "$T/server.log" \
	"ready: 1 keys from /etc/coturn-tpa/keys/keys.json, server name '$SERVER_NAME'"
check "the key set is not warned about (0600, the service user's)" \
	eval '! log_has "$T/server.log" "group or others can read"'

token_allocates() {
	local json
	json=$(in_root 0:0 /usr/bin/turn-token issue --keys /etc/coturn-tpa/keys/keys.json \
		--kid pkg-1 --server-name "$SERVER_NAME" --lifetime 600) &&
		probe --credential - <<<"$json" >"$T/probe.out" 2>&1 &&
		grep -q '^ALLOCATED ' "$T/probe.out"
}
check "a token from the installed turn-token allocates through it" token_allocates
stop_pid "$TS_PID"

check "purge removes the packages, the keys and the state" eval \
	'dpkg --root="$R" --force-script-chrootless --force-depends \
		--log="$T/dpkg.log" --purge coturn-tpa turn-token >"$T/dpkg-purge.out" 2>&1 &&
	 [ ! -e "$R/etc/coturn-tpa" ] && [ ! -e "$R/var/lib/coturn-tpa" ] &&
	 [ ! -e "$R/usr/sbin/turnserver-tpa" ]'

finish
