#!/bin/bash
# run-all.sh — the whole suite, as `make test` and CI run it: unit tests (check),
# BPF program tests (check, real BPF_PROG_TEST_RUN), integration tests (network
# namespaces, real probes), and in CI the second kernel in qemu (tests/kernels/run.sh).
# Ends with one line "all: N passed, N failed".
# PROVTAP_REQUIRE_BPF=1 (CI) turns "cannot load BPF" into failures instead of skips.
set -u
cd "$(dirname "$0")/.."
B=${OUTPUT:-build}
total_pass=0; total_fail=0; total_skip=0; failed_suites=()

run_suite() {
	local name=$1; shift
	local log; log=$(mktemp)
	echo "== $name"
	"$@" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	local line; line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -z "$line" ]; then
		# a suite that says nothing about its tests has not shown that they passed
		failed_suites+=("$name (no summary)")
		total_fail=$((total_fail + 1))
		rm -f "$log"
		return
	fi
	if [ -n "$line" ]; then
		local p f
		p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
		total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
		if echo "$line" | grep -qE ', [0-9]+ skipped'; then
			total_skip=$((total_skip + $(echo "$line" | sed -E 's/.*, ([0-9]+) skipped.*/\1/')))
		fi
	fi
	if [ "$rc" -ne 0 ]; then
		failed_suites+=("$name")
		[ -n "$line" ] && [ "$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')" != 0 ] || total_fail=$((total_fail + 1))
	fi
	rm -f "$log"
}

# The binaries the sources say must exist (a missing one is a failure, a stale one is not run).
unit_bins=(); for s in tests/unit/test_*.c; do unit_bins+=("$B/tests/$(basename "$s" .c)"); done
bpf_bins=(); for s in tests/bpf/test_*.c; do bpf_bins+=("$B/tests/bpf_$(basename "$s" .c)"); done
run_suite unit bash tests/run-check.sh unit "${unit_bins[@]}"
run_suite bpf bash tests/run-check.sh bpf "${bpf_bins[@]}"
run_suite integration bash tests/integration/run.sh
# The second kernel (Debian's 6.1 in qemu, tests/kernels/): minutes of TCG, a 70 MB download on
# a fresh machine, so in CI (CI=true) or when asked for (PROVTAP_TEST_KERNELS=1); `make
# test-kernels` runs it alone.
if [ "${CI:-}" = true ] || [ "${PROVTAP_TEST_KERNELS:-0}" = 1 ]; then
	run_suite kernels make --no-print-directory OUTPUT="$B" test-kernels
fi

[ ${#failed_suites[@]} -eq 0 ] || echo "failed suites: ${failed_suites[*]}"
echo "all: $total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ] && [ ${#failed_suites[@]} -eq 0 ]
