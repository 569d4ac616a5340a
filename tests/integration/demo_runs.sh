# make demo keeps working: the demo script runs end to end and every
# outcome it prints is PASS.
. "$TOP_SRCDIR/tests/lib.sh"

bash "$TOP_SRCDIR/scripts/demo.sh" >"$T/demo.out" 2>&1
rc=$?
check "the demo exits 0" test "$rc" -eq 0
check "the demo reports four outcomes, all PASS" \
	test "$(grep -c '^   PASS  ' "$T/demo.out")" -eq 4
check "the demo ran to its end and shows no FAIL" \
	bash -c "grep -q '^   PASS  ' '$T/demo.out' && ! grep -q FAIL '$T/demo.out'"

finish
