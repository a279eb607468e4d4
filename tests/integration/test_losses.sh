#!/bin/bash
# test_losses: records the kernel could not deliver are counted exactly and stored once:
# a stopped collector, a 1 MiB ring overfilled by a burst, then SIGCONT + SIGTERM: the store
# holds every recorded packet plus one LOSS count equal to the ring drops; a restarted
# collector does not report them again; tail prints LOST lines when drops happen live.
source "$(dirname "$0")/lib.sh"

N=20000
require_bpf
testbed_up
probes_cleanup_on_exit
probe_load --iface "$VETH_C@$NS_CLIENT:out" --filter 'udp and dst port 9002' --ring-mb 1
P="$VETH_C@$NS_CLIENT:out"

collector_start
kill -STOP "$COLLECTOR_PID"
traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port 9002 --count $N --size 64 >/dev/null ||
	die "udp-send failed"
# One status snapshot: separate reads race with stray frames (IPv6 ND) the filter counts.
status_json | python3 -c '
import json, sys
for p in json.load(sys.stdin).get("points", []):
    if p["point"] == sys.argv[1]:
        print(p["seen"], p["filtered"], p["recorded"], p["ring_drops"])' "$P" >"$TMP/counters"
read -r seen filtered recorded drops <"$TMP/counters"
log "kernel: seen $seen, filtered $filtered, recorded $recorded, ring drops $drops"
assert_eq "every one of the $N datagrams was recorded or counted as dropped" $N $((recorded + drops))
assert_eq "seen = filtered + recorded + ring drops" "$seen" $((filtered + recorded + drops))
check "the 1 MiB ring overflowed (drops > 0)" test "$drops" -gt 0
kill -CONT "$COLLECTOR_PID"
collector_stop
store_count 'udp and dst port 9002' >"$TMP/count1"
sed 's/^/        count| /' "$TMP/count1"
assert_eq "store: every recorded packet" "$recorded" "$(count_at "$TMP/count1" "$P")"
assert_eq "store: LOST equals the ring drops (stored before exit)" "$drops" \
	"$(awk -v p="$P" '$1 == p { print $3 }' "$TMP/count1")"

collector_start
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
collector_stop
# the log holds both runs, each from its start ("collector ready" closes a start)
awk '/collector ready/ { r++ } r == 1' "$COLLECT_LOG" >"$TMP/run1.log"
awk '/collector ready/ { r++ } r == 2' "$COLLECT_LOG" >"$TMP/run2.log"
check "the first collector warned about the drops" grep -q "the kernel dropped $drops record(s)" "$TMP/run1.log"
check "a restarted collector does not warn about the old drops again" \
	not grep -q "dropped" "$TMP/run2.log"
"$PROVTAP" store dump --store "$STORE" --json 'point '"$P" 2>/dev/null | grep -c '"type":"loss"' >"$TMP/nloss"
assert_eq "exactly one LOSS record in the store" 1 "$(cat "$TMP/nloss")"

# live: tail prints the drops as their own line
collector_start
"$PROVTAP" tail --socket "$SOCK" --json 'udp and dst port 9002' >"$TMP/tail.json" 2>&1 &
tailpid=$!
on_exit "kill $tailpid"
tail_streaming() {
	local sc
	sc=$(cat "/proc/$tailpid/syscall" 2>/dev/null) || return 1
	set -- $sc
	[ "$1" = 0 ] && [ "$4" != 0x1 ]
}
wait_for 10 "tail streaming" tail_streaming
kill -STOP "$COLLECTOR_PID"
traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port 9002 --count $N --size 64 >/dev/null
drops2=$(status_get "$P" ring_drops)
kill -CONT "$COLLECTOR_PID"
wait_for 15 "tail printed a loss line" grep -q '"type":"loss"' "$TMP/tail.json"
lost_total=$(grep '"type":"loss"' "$TMP/tail.json" | tail -1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["lost_total"])')
assert_eq "tail's loss line carries the cumulative drops" "$drops2" "$lost_total"
collector_stop
