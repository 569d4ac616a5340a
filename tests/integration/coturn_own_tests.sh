# coturn's own test script (examples/run_tests.sh of the 4.6.1 tarball:
# turnserver with a REST API secret, turnutils_peer, turnutils_uclient over
# TCP and UDP) passes against the patched build without a plugin, as it
# does against Debian's unpatched binaries.  The script listens on all
# addresses and default ports and leaves its servers running, so it runs in
# a network namespace of its own (loopback-range addresses only, nothing
# routed out) and a PID namespace, with a /proc of its own, that ends every
# process it started when the script returns.
. "$TOP_SRCDIR/tests/lib.sh"

NS=tpa-own-$$
EXAMPLES=$TOP_BUILDDIR/build/coturn-4.6.1/examples

if ! ip netns add "$NS" 2>"$T/netns.err"; then
	not_ok "cannot create a network namespace: $(cat "$T/netns.err")"
	finish
fi
trap 'cleanup; ip netns del "$NS" 2>/dev/null' EXIT
# coturn wants one non-loopback interface to listen on: a veth pair that
# stays inside the namespace, with a loopback-range address.
ip netns exec "$NS" sh -c 'ip link set lo up &&
	ip link add tpa0 type veth peer name tpa1 &&
	ip addr add 127.0.0.2/32 dev tpa0 &&
	ip link set tpa0 up && ip link set tpa1 up' 2>"$T/netns.err" || {
	not_ok "cannot set the namespace up: $(cat "$T/netns.err")"
	finish
}

# run_own_tests LABEL EXAMPLES_DIR: coturn's script, with ../bin beside it.
# Its "echo FAIL; exit $?" exits 0, so its output is what counts.
run_own_tests() {
	local out=$T/$1.out
	timeout 120 ip netns exec "$NS" unshare --pid --fork --kill-child \
		--mount-proc bash -c "cd '$2' && bash ./run_tests.sh" >"$out" 2>&1
	grep -E '^(Running|OK|FAIL)' "$out" | sed "s/^/# $1: /"
	[ "$(grep -c '^OK$' "$out")" -eq 2 ] && ! grep -q FAIL "$out"
}

check "coturn's run_tests.sh passes against the patched build" \
	run_own_tests patched "$EXAMPLES"

# The same script against Debian's unpatched binaries, as the baseline.
mkdir -p "$T/debian/bin" "$T/debian/examples"
for b in turnserver turnutils_peer turnutils_uclient; do
	ln -s "$(command -v "$b")" "$T/debian/bin/$b"
done
cp "$EXAMPLES/run_tests.sh" "$T/debian/examples/"
check "... as it does against Debian's unpatched coturn" \
	run_own_tests debian "$T/debian/examples"

namespace_empty() {
	[ -z "$(ip netns pids "$NS")" ]
}
check "the namespace is empty again (every process it started is gone)" \
	namespace_empty

finish
