#!/bin/sh
# Takes a fresh clone to a configured tree: installs missing packages,
# generates ./configure and runs it.  Later runs are cheap no-ops; the
# automake Makefile re-runs autoconf and configure itself when their
# inputs change.
set -eu
cd "$(dirname "$0")/.."

sh scripts/install-deps.sh
[ -x configure ] || { mkdir -p m4 && autoreconf -fi; }
[ -f Makefile ] || ./configure
