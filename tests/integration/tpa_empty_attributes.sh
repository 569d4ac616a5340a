# Requests that carry an empty USERNAME, REALM or NONCE, which any client
# can send, get an error and change nothing: coturn with coturn_tpa.so
# goes on serving tokens and its static user.  coturn copied those values
# with bcopy(NULL, ...), undefined even for no bytes; under the sanitizers
# (make check-sanitizers) the server stopped there.  The requests are
# built byte by byte by tests/fixtures/stun_request.mjs.
. "$TOP_SRCDIR/tests/lib.sh"

REQUEST=$TOP_SRCDIR/tests/fixtures/stun_request.mjs

start_tpa k1 --user=dave:davepw ||
	{ not_ok "turnserver starts with coturn_tpa.so and a static user"; finish; }
ok "turnserver starts with coturn_tpa.so and a static user"

# refused NAME ATTRS...: an Allocate with ATTRS and a MESSAGE-INTEGRITY
# no key verifies gets an error response, no allocation.  coturn copies
# REALM, USERNAME and NONCE, in that order, before it checks any of them,
# so each request reaches the copy of its empty one; the code is coturn's
# (437 for a realm that is not the session's, 438 for a wrong NONCE).
refused() {
	local name=$1
	shift
	timeout 90 node "$REQUEST" 127.0.0.1 "$TS_PORT" "$@" integrity \
		>"$T/$name.json" 2>&1 &&
		jq -e '.class == "error" and .code >= 400 and .code < 500' \
			"$T/$name.json" >/dev/null || {
		echo "# $name: $(cat "$T/$name.json")"
		return 1
	}
}

# the fixture's own control: a bare Allocate gets coturn's challenge
check "coturn answers a bare Allocate with its challenge" eval \
	"timeout 90 node '$REQUEST' 127.0.0.1 $TS_PORT >'$T/challenge.json' 2>&1 &&
	 jq -e '.code == 401 and .nonce == true' '$T/challenge.json' >/dev/null"

check "an empty REALM is refused" \
	refused empty-realm username=dave realm= nonce=0123456789abcdef
check "an empty USERNAME is refused" \
	refused empty-username username= realm="$REALM" nonce=0123456789abcdef
check "an empty NONCE is refused" \
	refused empty-nonce username=dave realm="$REALM" nonce=
check "all three empty are refused" \
	refused all-empty username= realm= nonce=

token_allocates() {
	probe --credential "$T/token.json" >"$T/token.out" 2>&1 &&
		grep -q '^ALLOCATED ' "$T/token.out"
}
static_allocates() {
	credential "$T/dave.json" username=dave password=davepw
	probe --credential "$T/dave.json" >"$T/dave.out" 2>&1 &&
		grep -q '^ALLOCATED ' "$T/dave.out"
}
check "coturn still allocates for a token after them" token_allocates
check "... and for its static user" static_allocates
kill -0 "$TS_PID" 2>/dev/null
check "turnserver is still running" test $? -eq 0

finish
