# lib.sh — harness for provtap integration tests; source it first thing in a test.
#
# Gives each test: result counting (pass/fail/check/assert_eq), a cleanup stack
# run on exit (on_exit "cmd ..."), wait_for (poll a condition with a timeout,
# never a bare sleep as synchronisation), BPF availability handling
# (PROVTAP_REQUIRE_BPF), and helpers for the testbed, the collector, the JSON
# the CLI prints and the Python a test runs (checks, a TCP server and client).
# Each test gets its own testbed PREFIX, pin dir, store and socket.
#
# A test ends with its result line, parsed by run.sh:
#   RESULT test_x: pass|fail|skip (N passed, N failed)
# and exits 0 (pass/skip), 1 (fail).

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROVTAP=${PROVTAP:-$ROOT/build/provtap}
TESTBED="$ROOT/scripts/testbed.sh"
TRAFFIC="$ROOT/scripts/traffic.py"
TEST_NAME=$(basename "$0" .sh)
T_PASS=0
T_FAIL=0
T_SKIPPED=""
_CLEANUPS=()

# Everything this test makes is named after its PID: testbed, pins, temp dir.
# Veth names are PREFIX + up to 3 characters and must fit 15.
PREFIX="pt$(printf "%s" "$TEST_NAME" | sed "s/^test_//" | cut -c1-2)$$-"
export PROVTAP_PIN_DIR=${PROVTAP_PIN_DIR:-/sys/fs/bpf/provtap-test-$$}
TMP=$(mktemp -d "/tmp/provtap-it-$TEST_NAME.XXXXXX")
STORE=$TMP/store
SOCK=$TMP/collect.sock
COLLECT_LOG=$TMP/collect.log

log() { printf '  ....  %s\n' "$*"; }
pass() { T_PASS=$((T_PASS + 1)); printf '  PASS  %s\n' "$*"; }
fail() { T_FAIL=$((T_FAIL + 1)); printf '  FAIL  %s\n' "$*"; }

# check DESC CMD...: pass if CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# not CMD...: succeeds when CMD fails (for check).
not() { ! "$@"; }

# assert_eq DESC EXPECTED ACTUAL
assert_eq() {
	if [ "$2" == "$3" ]; then pass "$1 ($3)"; else fail "$1: expected '$2', got '$3'"; fi
}

# assert_contains DESC NEEDLE FILE: a clear message must say NEEDLE (case-insensitive).
assert_contains() {
	if grep -qiE -- "$2" "$3"; then
		pass "$1"
	else
		fail "$1: output does not match /$2/:"
		sed 's/^/        | /' "$3" | head -20
	fi
}

# on_exit CMD: push CMD (a string, eval'ed) on the cleanup stack; run last-in first-out.
on_exit() { _CLEANUPS+=("$1"); }

_run_cleanups() {
	local i
	for ((i = ${#_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${_CLEANUPS[$i]}" >/dev/null 2>&1 || true
	done
	_CLEANUPS=()
}

_finish() {
	local rc=$?
	trap - EXIT INT TERM
	_run_cleanups
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
	if [ -n "$T_SKIPPED" ]; then
		echo "RESULT $TEST_NAME: skip ($T_SKIPPED)"
		exit 0
	fi
	# A test that died early (rc != 0 without recorded failures) is a failure too.
	if [ $rc -ne 0 ] && [ $T_FAIL -eq 0 ]; then
		fail "$TEST_NAME exited early with status $rc"
	fi
	if [ $T_FAIL -eq 0 ] && [ $T_PASS -gt 0 ]; then
		echo "RESULT $TEST_NAME: pass ($T_PASS passed, $T_FAIL failed)"
		exit 0
	fi
	[ $T_PASS -gt 0 ] || [ $T_FAIL -gt 0 ] || fail "$TEST_NAME asserted nothing"
	echo "RESULT $TEST_NAME: fail ($T_PASS passed, $T_FAIL failed)"
	exit 1
}
trap _finish EXIT
trap 'fail "interrupted"; exit 130' INT
trap 'fail "terminated (time limit?)"; exit 143' TERM

# die MSG: a precondition failed; the test cannot go on.
die() {
	fail "$*"
	exit 1
}

# skip MSG: the test cannot run here (not a failure), unless PROVTAP_REQUIRE_BPF=1.
skip_or_fail() {
	if [ "${PROVTAP_REQUIRE_BPF:-0}" = 1 ]; then
		die "$* (PROVTAP_REQUIRE_BPF=1: a test that needs BPF must run)"
	fi
	T_SKIPPED="$*"
	echo "  SKIP  $TEST_NAME: $* (set PROVTAP_REQUIRE_BPF=1 to make this a failure)"
	exit 0
}

# wait_for TIMEOUT_S DESC CMD...: poll CMD every 50 ms until it succeeds.
# Returns 0 when it did, 1 (and logs DESC) at the timeout.
wait_for() {
	local timeout=$1 desc=$2
	shift 2
	local deadline=$(($(date +%s%N) + ${timeout%.*} * 1000000000))
	while :; do
		if "$@"; then return 0; fi
		if [ "$(date +%s%N)" -ge $deadline ]; then
			log "timed out after ${timeout}s waiting for: $desc"
			return 1
		fi
		sleep 0.05
	done
}

# pid_gone PID: the process has exited (a zombie counts as exited).
pid_gone() {
	[ -r "/proc/$1/stat" ] || return 0
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

# --- preconditions ----------------------------------------------------------------

require_root_tools() {
	[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
	[ -x "$PROVTAP" ] || die "no provtap binary at $PROVTAP (run make first)"
	local t
	for t in ip tc nft python3; do
		command -v $t >/dev/null || die "missing tool: $t"
	done
}

# require_bpf: can this machine load BPF at all? Checked without provtap (a 2-instruction
# tc program through the bpf syscall, and bpffs), so that a later `probe load` failure
# in the test is a provtap failure, never a skip. Skips (or fails under
# PROVTAP_REQUIRE_BPF=1) when the kernel or our privileges do not allow BPF.
require_bpf() {
	require_root_tools
	if [ "${PROVTAP_BPF_OK:-}" = 1 ]; then return 0; fi
	if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
		mount -t bpf bpf /sys/fs/bpf 2>/dev/null || skip_or_fail "bpffs is not mounted at /sys/fs/bpf and cannot be"
	fi
	local why
	why=$(python3 -c '
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
insns = struct.pack("<BBhi", 0xb7, 0, 0, 0) + struct.pack("<BBhi", 0x95, 0, 0, 0)  # r0 = 0; exit
ib = ctypes.create_string_buffer(insns, len(insns))
lic = ctypes.create_string_buffer(b"GPL")
# union bpf_attr for BPF_PROG_LOAD: prog_type SCHED_CLS (3), insn_cnt, insns, license
attr = ctypes.create_string_buffer(
    struct.pack("<IIQQ", 3, 2, ctypes.addressof(ib), ctypes.addressof(lic)).ljust(128, bytes(1)), 128)
fd = libc.syscall(321, 5, attr, 128)  # __NR_bpf on x86_64, BPF_PROG_LOAD
if fd < 0:
    print("the kernel refuses BPF_PROG_LOAD: %s" % os.strerror(ctypes.get_errno()))
    sys.exit(1)
os.close(fd)' 2>&1) || skip_or_fail "no BPF here: $why"
	export PROVTAP_BPF_OK=1
}

# --- testbed ------------------------------------------------------------------------

# testbed_up: bring up the chain for $PREFIX, register its removal, set NS_*/VETH_*
# and POINTS_FWD (the 6 client->server points, in path order, as "VETH@NS:DIR")
# and POINTS_REV (the same interfaces, other direction).
testbed_up() {
	bash "$TESTBED" down "$PREFIX" >/dev/null 2>&1
	on_exit "bash '$TESTBED' down '$PREFIX'"
	bash "$TESTBED" up "$PREFIX" || die "testbed up $PREFIX failed"
	eval "$(bash "$TESTBED" env "$PREFIX")"
	POINTS_FWD=()
	POINTS_REV=()
	local spec dir
	while read -r spec dir; do
		POINTS_FWD+=("$spec:$dir")
		POINTS_REV+=("$spec:$([ "$dir" = in ] && echo out || echo in)")
	done < <(bash "$TESTBED" names "$PREFIX")
	IFACES_ALL=()
	for spec in "${POINTS_FWD[@]}"; do IFACES_ALL+=(--iface "${spec%:*}:both"); done
}

# nsx NS CMD...: run CMD in namespace NS.
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# traffic NS ARGS...: scripts/traffic.py in namespace NS.
traffic() { local ns=$1; shift; ip netns exec "$ns" python3 "$TRAFFIC" "$@"; }

# --- probes and collector -------------------------------------------------------------

# Unload everything from this test's pin dir at exit (registered once).
probes_cleanup_on_exit() {
	on_exit "'$PROVTAP' probe unload --all; rm -rf '$PROVTAP_PIN_DIR'"
}

# probe_load ARGS...: provtap probe load; dies with the output on failure.
probe_load() {
	local out=$TMP/load.out
	if ! "$PROVTAP" probe load "$@" >"$out" 2>&1; then
		sed 's/^/        | /' "$out"
		die "provtap probe load $* failed"
	fi
}

# collector_start: start the daemon on $STORE/$SOCK; sets COLLECTOR_PID.
collector_start() {
	local out=$TMP/collect.start
	COLLECTOR_PID=$("$PROVTAP" collect --store "$STORE" --socket "$SOCK" --log "$COLLECT_LOG" --daemon 2>"$out")
	local rc=$?
	if [ $rc -ne 0 ] || ! [[ "$COLLECTOR_PID" =~ ^[0-9]+$ ]]; then
		sed 's/^/        | /' "$out"
		[ -f "$COLLECT_LOG" ] && sed 's/^/        log| /' "$COLLECT_LOG" | tail -20
		die "provtap collect --daemon failed (exit $rc, stdout '$COLLECTOR_PID')"
	fi
	on_exit "kill -9 $COLLECTOR_PID"
}

# collector_stop [PID]: SIGTERM (drain and exit), wait for it to be gone.
collector_stop() {
	local pid=${1:-$COLLECTOR_PID}
	kill -TERM "$pid" 2>/dev/null
	if ! wait_for 20 "collector $pid to exit after SIGTERM" pid_gone "$pid"; then
		fail "collector $pid did not exit within 20 s of SIGTERM"
		kill -9 "$pid" 2>/dev/null
		return 1
	fi
	return 0
}

# status_json: provtap probe status --json into $TMP/status.json (and stdout).
status_json() {
	"$PROVTAP" probe status --json >"$TMP/status.json" 2>"$TMP/status.err" || {
		sed 's/^/        | /' "$TMP/status.err"
		return 1
	}
	cat "$TMP/status.json"
}

# status_get POINT FIELD: a field of one point from probe status --json ("" if absent).
status_get() {
	status_json | python3 -c '
import json, sys
st = json.load(sys.stdin)
for p in st.get("points", []):
    if p["point"] == sys.argv[1]:
        print(p.get(sys.argv[2], "")); break' "$1" "$2"
}

# status_npoints: number of points in probe status --json.
status_npoints() {
	status_json | python3 -c 'import json, sys; print(len(json.load(sys.stdin).get("points", [])))'
}

# tail_reading PID: the `provtap tail` process PID passed its handshake and waits for records:
# it is in read(2) of more than the 1 byte at a time it reads the collector's "OK" line with.
tail_reading() {
	local sc
	sc=$(cat "/proc/$1/syscall" 2>/dev/null) || return 1
	set -- $sc
	[ "$1" = 0 ] && [ "$4" != 0x1 ]
}

# ring_backlog_zero: the collector has consumed everything the probes wrote.
ring_backlog_zero() {
	[ "$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin).get("ring_backlog_bytes", 0))')" = 0 ]
}

# proc_ring_backlog_zero: the collector has consumed everything the process probes wrote.
proc_ring_backlog_zero() {
	[ "$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["procs"]["ring_backlog_bytes"])')" = 0 ]
}

# store_count FILTER: "POINT PACKETS LOST" lines from provtap store count --json.
store_count() {
	"$PROVTAP" store count --store "$STORE" "$1" --json 2>"$TMP/count.err" | python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line:
        r = json.loads(line)
        print(r["point"], r["packets"], r["lost"])'
}

# count_at FILE POINT: packets of POINT in a store_count output file (0 if absent).
count_at() { awk -v p="$2" '$1 == p { n = $2 } END { print n + 0 }' "$1"; }

# --- Python in tests ------------------------------------------------------------------

# py_checks WHAT PYTHON ARGS... <<'EOF' ... EOF: run the Python script on stdin with the
# interpreter PYTHON and ARGS (its sys.argv[1:]) after a prologue that defines
# check(DESC, COND, DETAIL=""): prints "  PASS  DESC", or "  FAIL  DESC DETAIL" (DETAIL cut
# at 600 characters). Shows what the script printed; each PASS and FAIL line counts in this
# test's result, and a script that ends in error counts as one more failure ("WHAT crashed").
py_checks() {
	local what=$1 py=$2 out=$TMP/py_checks.out rc
	shift 2
	{
		cat <<'PYEOF'
def check(what, cond, detail=""):
    if cond:
        print("  PASS  " + what)
    else:
        print("  FAIL  %s %s" % (what, str(detail)[:600]))
PYEOF
		cat
	} | "$py" - "$@" >"$out" 2>&1
	rc=${PIPESTATUS[1]}
	cat "$out"
	T_PASS=$((T_PASS + $(grep -c '^  PASS  ' "$out")))
	T_FAIL=$((T_FAIL + $(grep -c '^  FAIL  ' "$out")))
	[ "$rc" = 0 ] || fail "$what crashed (exit $rc): $(tail -3 "$out")"
}

# py_server FILE <<'EOF' ... EOF: write to FILE a Python TCP server that listens on port
# argv[1] of every address, writes "ready" to the file argv[2] once it listens, accepts one
# connection as c, then runs the Python on stdin (hashlib, socket and sys are imported).
py_server() {
	{
		cat <<'PYEOF'
import hashlib, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(1)
open(sys.argv[2], "w").write("ready\n")
c, _ = s.accept()
PYEOF
		cat
	} >"$1"
}

# py_client FILE <<'EOF' ... EOF: write to FILE a Python TCP client that connects to
# argv[1]:argv[2] as c, sends the whole of the file argv[3], then runs the Python on stdin
# (socket and sys are imported).
py_client() {
	{
		cat <<'PYEOF'
import socket, sys
data = open(sys.argv[3], "rb").read()
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
c.sendall(data)
PYEOF
		cat
	} >"$1"
}

# ---- record/replay tests -------------------------------------------------------------------

# replay_server_ns OCTET: the remote machine of a record/replay test: namespace ${PREFIX}srv,
# joined to the root namespace by a veth pair (host 10.OCTET.N.1, server 10.OCTET.N.2, N from
# this shell's PID), removed at exit. Sets NS, VH, VS, HOST_IP, SRV_IP.
replay_server_ns() {
	NS="${PREFIX}srv"
	VH="${PREFIX}h"
	VS="${PREFIX}s"
	local n=$(( $$ % 250 + 1 ))
	HOST_IP=10.$1.$n.1
	SRV_IP=10.$1.$n.2
	ip netns add "$NS" || die "cannot create namespace $NS"
	on_exit "ip netns del '$NS'"
	ip link add "$VH" type veth peer name "$VS" || die "cannot create veth $VH"
	on_exit "ip link del '$VH'"
	ip link set "$VS" netns "$NS"
	ip addr add "$HOST_IP/24" dev "$VH"
	ip link set "$VH" up
	nsx "$NS" ip addr add "$SRV_IP/24" dev "$VS"
	nsx "$NS" ip link set "$VS" up
	nsx "$NS" ip link set lo up
}

# record_leftovers: what a recorder or a replay must not leave behind (pins, temp dirs, cgroups).
record_leftovers() {
	ls -d /sys/fs/bpf/provtap-record-* /tmp/provtap-record.* 2>/dev/null
	find /sys/fs/cgroup -type d \( -name 'provtap-record-*' -o -name 'provtap-replay-*' \) 2>/dev/null
}

# check_clean WHAT: assert that nothing of a recorder or a replay is left after WHAT.
check_clean() { assert_eq "$1: nothing left (pins, cgroups, temp dirs)" "" "$(record_leftovers | tr '\n' ' ')"; }
