#!/bin/bash
# make demo, the browser part: a WebRTC call in headless Chromium through
# the patched coturn, with a token in the browser profile.  The JavaScript
# issuer serves the demo page and a token endpoint; the page logs in, gets
# an ice_server (kid and token in the username, the mac_key as the
# password), and two peer connections call each other relay-only.  Prints
# what the page shows; stops everything it started.
set -u
. "$(dirname "$0")/browser-stack.sh"

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

say "8. A browser: the demo page in headless Chromium (browser profile)"
PW=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
if ! start_browser_stack demo "$PW" 0; then
	echo "   => FAIL: coturn or the issuer did not start (logs in $T)"
	exit 1
fi
echo "   coturn on 127.0.0.1:$TS_PORT (UDP, TCP) and :$TS_TLS_PORT (TLS);"
echo "   the JavaScript issuer serves the page and its token endpoint at $PAGE"
if node "$TOP_SRCDIR/tests/browser/demo_page.mjs" "$PAGE" demo "$PW" \
	"$T/demo-page.png"; then
	echo "   => PASS: the browser called through TURN with a token (screenshot: $T/demo-page.png)"
else
	echo "   => FAIL: the browser call (logs and screenshot in $T)"
	exit 1
fi
