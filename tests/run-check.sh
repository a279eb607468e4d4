#!/bin/bash
# run-check.sh SUITE BIN... — run check test binaries, print each one's summary and
# a closing "N passed, N failed" over all of them. Exit 1 if any failed.
suite=$1; shift
pass=0; fail=0; skip=0
if [ $# -eq 0 ]; then
	echo "$suite: no test binaries were built"
	echo "$suite: 0 passed, 1 failed"
	exit 1
fi
for b in "$@"; do
	out=$(CK_FORK=yes "$b" 2>&1); rc=$?
	# a documented skip (no BPF without PROVTAP_REQUIRE_BPF=1): counted, never a pass
	if [ $rc -eq 0 ] && echo "$out" | grep -q '^SKIP:'; then
		echo "$out" | grep '^SKIP:' | sed "s|^|$(basename "$b"): |"
		skip=$((skip + 1))
		continue
	fi
	echo "$out" | grep -E '^[0-9]+%: Checks|:[EF]:|SKIP' || echo "$out" | tail -5
	# check's summary: "100%: Checks: 12, Failures: 0, Errors: 0"
	line=$(echo "$out" | grep -E '^[0-9]+%: Checks: ' | tail -1)
	if [ -n "$line" ]; then
		n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
		f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
		e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
		pass=$((pass + n - f - e)); fail=$((fail + f + e))
	else
		fail=$((fail + 1))
	fi
	[ -n "$line" ] || echo "$b: exited $rc without a check summary (counted as a failure)"
	if [ $rc -ne 0 ] && [ -n "$line" ] && [ "$(echo "$line" | sed -E 's/.*Failures: 0, Errors: 0.*/ok/')" = ok ]; then
		fail=$((fail + 1)); echo "$b: exited $rc"
	fi
done
echo "$suite: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
