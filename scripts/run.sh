#!/bin/bash
# make run: keeps coturn with the plugin and the demo page running for a
# person to open in a browser on this machine, until Ctrl-C.
#
#   make run                  the page on http://127.0.0.1:8080/
#   RUN_HTTP_PORT=9000 make run
set -u
. "$(dirname "$0")/browser-stack.sh"

PW=$(head -c 9 /dev/urandom | base64 | tr -d '/+=')
start_browser_stack demo "$PW" "${RUN_HTTP_PORT:-8080}" ||
	{ echo "run: coturn or the issuer did not start (logs in $T)" >&2; exit 1; }
cat <<TEXT

coturn-tpa is running on this machine (loopback only):

  the demo page     $PAGE
  log in as         demo / $PW
  TURN (coturn)     127.0.0.1:$TS_PORT UDP and TCP, localhost:$TS_TLS_PORT TLS
                    (a self-made certificate: browsers refuse TURN/TLS unless
                    told to accept it)
  logs              $T

Open the page in Chromium or Firefox on this machine, log in and press the
button: two peer connections call each other through coturn, relay only.
Firefox needs media.peerconnection.ice.loopback = true (about:config) to use
a TURN server on 127.0.0.1.  Ctrl-C stops everything.
TEXT
trap 'echo; echo "run: stopping"; exit 0' INT TERM
wait "${PIDS[@]}"
