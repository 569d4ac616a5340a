#!/bin/bash
# run-tests.sh: runs the unit test programs and the integration tests, and
# ends with one line "N passed, N failed".  Exits non-zero on any failure.
# Run from the top build directory (make check does).
set -u

TOP_BUILDDIR=${TOP_BUILDDIR:-$(pwd)}
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export TOP_BUILDDIR TOP_SRCDIR

passed=0
failed=0
failed_names=()

# Built with --enable-sanitizers (make passes SANITIZER_FLAGS): every
# sanitized program of a test writes its reports under
# tests/out/sanitizers/NAME, and any report fails the test, whatever its
# own checks said.  ASan stops at the first error, UBSan too (the code is
# built with -fno-sanitize-recover=all); leaks are reported by every
# program that exits (the servers the tests stop by SIGTERM do not), less
# the few of coturn's own listed, each with its reason, in
# tests/sanitizers/lsan.supp.
SANITIZED=
case ${SANITIZER_FLAGS:-} in *-fsanitize=*) SANITIZED=yes ;; esac
sanitizer_env() { # sanitizer_env DIR
	export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$1/asan"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$1/ubsan"
	export LSAN_OPTIONS="suppressions=$TOP_SRCDIR/tests/sanitizers/lsan.supp:print_suppressions=0"
}

# run_one NAME COMMAND...: runs one test program, counting its ok/not ok
# lines; a program that fails without saying why counts as one failure.
run_one() {
	local name=$1 out rc p f
	shift
	if [ -n "${TESTS:-}" ] && ! echo " $TESTS " | grep -q " $name "; then
		return 0
	fi
	mkdir -p "$TOP_BUILDDIR/tests/out"
	out="$TOP_BUILDDIR/tests/out/$name.out"
	echo "== $name"
	if [ -n "$SANITIZED" ]; then
		rm -rf "$TOP_BUILDDIR/tests/out/sanitizers/$name"
		mkdir -p "$TOP_BUILDDIR/tests/out/sanitizers/$name"
		sanitizer_env "$TOP_BUILDDIR/tests/out/sanitizers/$name"
	fi
	"$@" 2>&1 | tee "$out" | grep -E '^(ok|not ok|#)'
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	# unit programs count for themselves: "N passed, N failed"
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] &&
		tail -1 "$out" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$'; then
		p=$(tail -1 "$out" | awk '{ print $1 }')
		f=$(tail -1 "$out" | awk '{ print $3 }')
		tail -1 "$out" | sed 's/^/# /'
	fi
	if [ -n "$SANITIZED" ]; then
		local r
		for r in "$TOP_BUILDDIR/tests/out/sanitizers/$name"/*; do
			[ -f "$r" ] || continue
			echo "not ok - $name: sanitizer report $r" | tee -a "$out"
			grep -m 3 -E 'ERROR|SUMMARY|runtime error' "$r" | sed 's/^/#   /'
			f=$((f + 1))
		done
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		tail -20 "$out" | sed 's/^/#   /'
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || failed_names+=("$name")
}

U=$TOP_BUILDDIR/tests/unit
D=$TOP_SRCDIR/tests/data
run_one unit-b64 "$U/test_b64"
run_one unit-token "$U/test_token" "$D/oauth_vectors.txt"
run_one unit-keyset "$U/test_keyset" "$D/keysets"
run_one unit-stun "$U/test_stun"
run_one unit-config "$U/test_config" "$D/configs"
run_one unit-auth "$U/test_auth"
run_one unit-keystore "$U/test_keystore"
run_one unit-browser "$U/test_browser" "$D/browser-usernames"
run_one unit-credential "$U/test_credential"
run_one unit-redis-options "$U/test_redis_options" "$D"
run_one unit-redis-reply "$U/test_redis_reply"
run_one unit-metrics "$U/test_metrics"
run_one unit-live "$U/test_live"
run_one unit-metrics-http "$U/test_metrics_http"
run_one unit-observe "$U/test_observe"
run_one unit-revoked "$U/test_revoked"
run_one unit-redis-keys "$U/test_redis_keys"
run_one unit-policy "$U/test_policy"
run_one fuzz-regress sh "$TOP_SRCDIR/tests/fuzz/run-fuzz.sh" --regress \
	"$TOP_BUILDDIR/tests/fuzz/build"
run_one unit-oauth-interop sh "$TOP_SRCDIR/tests/unit/oauth_interop.sh" \
	"$U/test_token"
run_one unit-js-issuer node --test --test-reporter=tap "$TOP_SRCDIR/tests/js/"

for t in "$TOP_SRCDIR"/tests/integration/*.sh; do
	[ -f "$t" ] || continue
	# make deb builds its packages with Debian's build flags, never the
	# sanitizers: under them it would only test the same packages again
	if [ -n "$SANITIZED" ] && [ "$(basename "$t")" = deb_package.sh ]; then
		echo "# deb_package: not run under the sanitizers (its packages are built without them)"
		continue
	fi
	run_one "$(basename "$t" .sh)" bash "$t"
done

[ ${#failed_names[@]} -eq 0 ] || echo "# failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
