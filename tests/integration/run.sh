#!/bin/bash
# run.sh — run every tests/integration/test_*.sh (or those named) one after the other, each under
# a time limit; print their output and end with `integration: N passed, N failed` (exit 1 if any
# failed). A test that cannot load BPF is skipped, unless PROVTAP_REQUIRE_BPF=1 (then it fails).
#   usage: tests/integration/run.sh [test_name...]      e.g. run.sh test_counts test_tail
#   env:   PROVTAP (binary, default build/provtap), PROVTAP_REQUIRE_BPF, TEST_TIMEOUT (s, default 90)
set -uo pipefail

dir=$(cd "$(dirname "$0")" && pwd)
limit=${TEST_TIMEOUT:-90}
tests=()
if [ $# -gt 0 ]; then
	for t in "$@"; do tests+=("$dir/${t%.sh}.sh"); done
else
	tests=("$dir"/test_*.sh)
fi

# Run every test against one snapshot of the binary: a rebuild during the run (make in another
# terminal) must not swap it under a test.
bin=${PROVTAP:-$(cd "$dir/../.." && pwd)/build/provtap}
if [ -x "$bin" ]; then
	snap=$(mktemp /tmp/provtap-it-bin.XXXXXX)
	trap 'rm -f "$snap"' EXIT
	cp "$bin" "$snap" && chmod 0755 "$snap"
	export PROVTAP=$snap
	echo "integration: testing $bin ($(PROVTAP_PIN_DIR=/nonexistent "$snap" --version 2>&1 | head -1))"
fi

passed=0 failed=0 skipped=0
failed_names=() skipped_names=()
start=$(date +%s)
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	echo "== $name"
	t0=$(date +%s)
	out=$(mktemp)
	# SIGTERM at the limit lets the test run its cleanups; SIGKILL 15 s later if it cannot.
	timeout -k 15 "$limit" bash "$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	result=$(grep '^RESULT ' "$out" | tail -1)
	rm -f "$out"
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "  FAIL  $name: time limit of ${limit}s exceeded"
		result=""
		rc=1
	fi
	case "$result" in
	*": skip "*) skipped=$((skipped + 1)); skipped_names+=("$name") ;;
	*": pass "*) if [ $rc -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failed_names+=("$name"); fi ;;
	*) failed=$((failed + 1)); failed_names+=("$name") ;;
	esac
	echo "== $name: $(( $(date +%s) - t0 ))s"
done

echo
[ $skipped -eq 0 ] || echo "integration: skipped (no BPF here): ${skipped_names[*]}"
[ $failed -eq 0 ] || echo "integration: failed: ${failed_names[*]}"
echo "integration: total time $(( $(date +%s) - start ))s"
echo "integration: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
