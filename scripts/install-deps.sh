#!/bin/sh
# Installs the Debian 12 packages that the build, the tests and the demo
# need, if any is missing.  Needs root only when something is missing.
set -eu

PKGS="build-essential autoconf automake libtool pkg-config
      libssl-dev libjansson-dev libhiredis-dev libevent-dev libsqlite3-dev
      redis-server redis-sentinel redis-tools coturn openssl iproute2 procps jq
      clang libclang-rt-14-dev libmicrohttpd-dev prometheus curl
      debhelper lintian systemd man-db
      chromium firefox-esr"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
# the JavaScript issuer and the browser tests' drivers: Debian's nodejs
# and npm, unless a Node.js is there already
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
	missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: these Debian packages are missing:$missing" >&2
	echo "install-deps: run 'make' as root, or install them yourself" >&2
	exit 1
fi
echo "install-deps: installing$missing"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends $missing
