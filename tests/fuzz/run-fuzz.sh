#!/bin/sh
# run-fuzz.sh: builds the libFuzzer harnesses of tests/fuzz and runs each one
# for a bounded time and a bounded number of runs.
#
#   tests/fuzz/run-fuzz.sh [SECONDS_PER_HARNESS [BUILD_DIR]]
#   tests/fuzz/run-fuzz.sh --regress [BUILD_DIR]
#
# SECONDS_PER_HARNESS defaults to 20, BUILD_DIR to tests/fuzz/build (relative
# to the top of the source tree). Each harness fuzzes a fresh copy of its seed
# corpus (tests/fuzz/corpus/<harness>) inside BUILD_DIR, so new corpus
# entries never land in the source tree. Crash, timeout and OOM inputs are
# kept in BUILD_DIR/artifacts/<harness>/ and the log in BUILD_DIR/<harness>.log.
#
# --regress runs every harness once over each file of its seed corpus, with
# no fuzzing: a few seconds, for make check.
#
# Prints one line per harness ("ok - fuzz_X: N runs, no crash" or
# "not ok - fuzz_X: <what>") and "N passed, N failed"; exits 1 if any
# harness failed or did not build, 0 otherwise. A missing clang or
# libFuzzer runtime (scripts/install-deps.sh installs both) is a failure:
# "not ok - libFuzzer: ..." and exit status 1.
#
# Environment: CC (default clang), FUZZ_RUNS (cap on runs per harness,
# default 100000000), FUZZ_MAX_LEN (default 8192), FUZZ_HARNESSES (a subset,
# e.g. "fuzz_stun fuzz_b64"), FUZZ_LIB_SRCS (the library sources linked into
# every harness, relative to the top; keep in step with Makefile.am).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

mode=fuzz
if [ "${1:-}" = "--regress" ]; then
	mode=regress
	shift
	secs=0
else
	secs=${1:-20}
	[ $# -gt 0 ] && shift
	case $secs in
	'' | *[!0-9]*)
		echo "usage: $0 [SECONDS_PER_HARNESS [BUILD_DIR]] | --regress [BUILD_DIR]" >&2
		exit 2
		;;
	esac
	[ "$secs" -gt 0 ] || secs=1
fi
build=${1:-tests/fuzz/build}
case $build in
/*) ;;
*) build=$top/$build ;;
esac

CC=${CC:-clang}
runs_cap=${FUZZ_RUNS:-100000000}
max_len=${FUZZ_MAX_LEN:-8192}
harnesses=${FUZZ_HARNESSES:-"fuzz_token fuzz_keyset fuzz_stun fuzz_b64 fuzz_config fuzz_auth
fuzz_credential fuzz_browser_username fuzz_browser fuzz_redis_options
fuzz_redis_reply fuzz_redis_keys"}

default_lib_srcs="lib/tpa_b64.c lib/tpa_token.c lib/tpa_keyset.c
lib/tpa_jwk.c lib/tpa_stun.c plugin/tpa_config.c plugin/tpa_keystore.c
plugin/tpa_auth.c plugin/tpa_loopback.c lib/tpa_credential.c
lib/tpa_browser_username.c plugin/tpa_browser.c lib/tpa_redis_options.c
lib/tpa_redis_reply.c lib/tpa_redis_conn.c lib/tpa_redis_slots.c
lib/tpa_redis_cluster.c lib/tpa_redis_sentinel.c lib/tpa_redis.c
lib/tpa_redis_script.c lib/tpa_redis_batch.c lib/tpa_redis_subscriber.c
plugin/tpa_redis_keys.c plugin/tpa_binding.c"
lib_srcs=${FUZZ_LIB_SRCS:-$default_lib_srcs}
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
cflags="-O1 -g -fno-omit-frame-pointer -std=c11 -D_DEFAULT_SOURCE -pthread -Wall -Wextra"
cppflags="-I$top/include -I$top/lib -I$top/plugin -I$here"
if pkg-config --exists libcrypto jansson hiredis 2>/dev/null; then
	cppflags="$cppflags $(pkg-config --cflags libcrypto jansson hiredis)"
	libs=$(pkg-config --libs libcrypto jansson hiredis)
else
	libs="-lcrypto -ljansson -lhiredis"
fi

mkdir -p "$build/obj" || exit 1

# ---- is libFuzzer there? ----------------------------------------------
probe=$build/obj/probe
cat >"$probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
EOF
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "not ok - libFuzzer: $CC not found (libFuzzer needs clang)"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! "$CC" -fsanitize=fuzzer,address,undefined -o "$probe" "$probe.c" \
	>"$probe.log" 2>&1; then
	echo "not ok - libFuzzer: $CC cannot link -fsanitize=fuzzer (libclang_rt.fuzzer missing?), see $probe.log"
	echo "0 passed, 1 failed"
	exit 1
fi

# ---- build --------------------------------------------------------------
# Everything is rebuilt when any source, header or flag changed (a checksum
# of their contents, so edits within the same second are seen too).
# shellcheck disable=SC2086
sum=$( (cd "$top" && cat $lib_srcs lib/*.h plugin/*.h) |
	cat - "$here"/fuzz_*.c "$here"/fuzz_*.h |
	cksum)
sum="$sum $CC $cflags $san $cppflags $libs"
if [ "$(cat "$build/obj/stamp" 2>/dev/null)" != "$sum" ]; then
	rm -f "$build/obj/stamp" "$build"/obj/*.o
	for h in $harnesses; do rm -f "$build/$h"; done
fi

built=""
build_failed=""
objs=""
lib_ok=1
for src in $lib_srcs; do
	obj=$build/obj/$(basename "$src" .c).o
	objs="$objs $obj"
	[ -e "$obj" ] && continue
	# shellcheck disable=SC2086
	if ! "$CC" $cflags $san -fsanitize=fuzzer-no-link $cppflags \
		-Werror=implicit-function-declaration \
		-c -o "$obj" "$top/$src" >"$obj.log" 2>&1; then
		echo "# cannot compile $src: see $obj.log"
		rm -f "$obj"
		lib_ok=0
	fi
done

for h in $harnesses; do
	bin=$build/$h
	if [ "$lib_ok" != 1 ]; then
		build_failed="$build_failed $h"
		continue
	fi
	if [ ! -e "$bin" ]; then
		# shellcheck disable=SC2086
		if ! "$CC" $cflags $san -fsanitize=fuzzer $cppflags -o "$bin" \
			"$here/$h.c" $objs $libs >"$bin.build.log" 2>&1; then
			rm -f "$bin"
			build_failed="$build_failed $h"
			continue
		fi
	fi
	built="$built $h"
done
[ -n "$build_failed" ] || echo "$sum" >"$build/obj/stamp"

# ---- run ----------------------------------------------------------------
pass=0
fail=0
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

for h in $build_failed; do
	echo "not ok - $h: does not build, see $build/$h.build.log"
	fail=$((fail + 1))
done

# The hard stop, in case libFuzzer itself does not return.
if command -v timeout >/dev/null 2>&1; then
	hard="timeout -k 10 $((secs + 120))"
else
	hard=""
fi

for h in $built; do
	log=$build/$h.log
	art=$build/artifacts/$h
	seeds=$here/corpus/$h
	mkdir -p "$art"
	if [ "$mode" = regress ]; then
		# Every seed file once, nothing written anywhere.
		set --
		for f in "$seeds"/*; do
			[ -f "$f" ] && set -- "$@" "$f"
		done
		if [ $# -eq 0 ]; then
			echo "not ok - $h: no seed files in $seeds"
			fail=$((fail + 1))
			continue
		fi
		$hard "$build/$h" -rss_limit_mb=2048 -timeout=10 \
			-artifact_prefix="$art/" "$@" >"$log" 2>&1
		rc=$?
		n="$# seed inputs replayed"
	else
		work=$build/corpus/$h
		rm -rf "$work"
		mkdir -p "$work"
		cp "$seeds"/* "$work"/ 2>/dev/null
		$hard "$build/$h" -max_total_time="$secs" -runs="$runs_cap" \
			-rss_limit_mb=2048 -timeout=10 -max_len="$max_len" \
			-print_final_stats=1 -artifact_prefix="$art/" \
			"$work" >"$log" 2>&1
		rc=$?
		n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
			tail -n 1)
		[ -n "$n" ] || n=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' \
			"$log" | tail -n 1)
		[ -n "$n" ] || n="?"
		n="$n runs"
	fi
	if [ "$rc" -eq 0 ]; then
		echo "ok - $h: $n, no crash"
		pass=$((pass + 1))
		continue
	fi
	fail=$((fail + 1))
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "not ok - $h: did not stop by itself, killed; log $log"
		continue
	fi
	what=$(grep -m 1 -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant broken|.*runtime error|ALARM|.*out-of-memory|.*deadly signal)' "$log" |
		sed 's/^==[0-9]*==//')
	[ -n "$what" ] || what="exit status $rc"
	unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	# Replaying files (--regress) writes nothing: name the seed instead.
	[ -n "$unit" ] || unit=$(sed -n 's/^Running: //p' "$log" | tail -n 1)
	[ -n "$unit" ] || unit="(none written)"
	printf '%s\n' "not ok - $h: $what; input $unit; log $log"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
