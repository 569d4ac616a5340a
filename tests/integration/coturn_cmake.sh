# coturn's CMake build of the patched tree: it refuses to configure
# without the plugin ABI header, with a message that says which setting to
# give; with TURN_AUTH_PLUGIN_INCLUDE_DIR it builds the turnserver, which
# loads the coturn-tpa plugin and authorizes a token.
. "$TOP_SRCDIR/tests/lib.sh"

SRC=$TOP_BUILDDIR/build/coturn-4.6.1
PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
# coturn's CMake build has no TURNDB: its default SQLite database is the
# file "TURNDB" in the working directory, which must be the test's own
cd "$T" || exit 1

# without the header: where make install would have put one is ignored,
# so that the check does not depend on this machine (no Debian package
# installs it)
no_header() {
	! cmake -S "$SRC" -B "$T/noheader" \
		-DCMAKE_IGNORE_PATH=/usr/local/include \
		>"$T/noheader.log" 2>&1 &&
		grep -q "turn_auth_plugin.h not found: set TURN_AUTH_PLUGIN_INCLUDE_DIR" \
			"$T/noheader.log"
}
check "cmake without turn_auth_plugin.h stops and names TURN_AUTH_PLUGIN_INCLUDE_DIR" \
	no_header

builds() {
	cmake -S "$SRC" -B "$T/build" \
		-DTURN_AUTH_PLUGIN_INCLUDE_DIR="$TOP_SRCDIR/include" \
		-DCMAKE_C_FLAGS="${SANITIZER_FLAGS:-}" \
		-DCMAKE_EXE_LINKER_FLAGS="${SANITIZER_FLAGS:-}" \
		>"$T/cmake.log" 2>&1 &&
		cmake --build "$T/build" --target turnserver -j2 \
			>"$T/build.log" 2>&1 || {
		tail -20 "$T/cmake.log" "$T/build.log" | sed 's/^/#   /'
		return 1
	}
}
check "cmake with TURN_AUTH_PLUGIN_INCLUDE_DIR builds turnserver" builds
CMAKE_TURNSERVER=$T/build/src/apps/relay/turnserver
check "... which has the plugin options" \
	bash -c "'$CMAKE_TURNSERVER' -h 2>&1 | grep -q -- '--auth-plugin-config'"

"$TURN_TOKEN" keygen --kid k1 --set >"$T/keys.json"
chmod 600 "$T/keys.json"
printf 'key-set = %s\n' "$T/keys.json" >"$T/tpa.conf"
if start_turnserver ts "$CMAKE_TURNSERVER" --server-name=turn.example.net \
	--auth-plugin="$PLUGIN" --auth-plugin-config="$T/tpa.conf"; then
	ok "the CMake-built turnserver starts with coturn_tpa.so"
	"$TURN_TOKEN" issue --keys "$T/keys.json" --kid k1 \
		--server-name turn.example.net --lifetime 600 >"$T/token.json"
	allocates() {
		probe --credential "$T/token.json" >"$T/probe.out" 2>&1 &&
			grep -q '^ALLOCATED ' "$T/probe.out"
	}
	check "... and authorizes a token through it" allocates
	stop_pid "$TS_PID"
else
	not_ok "the CMake-built turnserver starts with coturn_tpa.so"
fi

finish
