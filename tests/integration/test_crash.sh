#!/bin/bash
# test_crash: kill -9 the collector in the middle of a paced UDP stream, restart it on the same
# store and socket: per point, stored records == sent - ring drops, none twice, store verifies.
source "$(dirname "$0")/lib.sh"

N=3000
RATE=500	# datagrams/s: ~6 s of stream
require_bpf
testbed_up
probes_cleanup_on_exit
# The filter makes ring drops (if any) count only the stream, so the equation is exact.
probe_load "${IFACES_ALL[@]}" --filter 'udp and port 9000'
collector_start
first_pid=$COLLECTOR_PID

ip netns exec "$NS_SERVER" python3 "$TRAFFIC" udp-sink --port 9000 --count $N --idle 3 --timeout 40 \
	>"$TMP/sink.json" &
sink=$!
on_exit "kill $sink"
traffic "$NS_SERVER" ready --port 9000 >/dev/null || die "UDP sink did not start"
ip netns exec "$NS_CLIENT" python3 "$TRAFFIC" udp-send --dst "$SERVER_IP" --port 9000 --count $N --size 120 \
	--rate $RATE >"$TMP/send.json" &
sender=$!
on_exit "kill $sender"

# Kill once the collector has demonstrably stored records and the stream is well under way.
server_in=${POINTS_FWD[5]}
stored_some() {
	local n
	n=$("$PROVTAP" store count --store "$STORE" 'udp and port 9000' --json 2>/dev/null |
		python3 -c 'import json,sys; print(sum(json.loads(l)["packets"] for l in sys.stdin if l.strip()))')
	[ "${n:-0}" -gt 0 ]
}
recorded_at_least() { [ "$(status_get "$server_in" recorded)" -ge "$1" ] 2>/dev/null; }
wait_for 10 "store count > 0 while the collector runs" stored_some ||
	log "store count showed nothing while the collector ran (reading a live store may not be supported)"
wait_for 10 "600 datagrams recorded at $server_in" recorded_at_least 600 || die "the stream did not get going"
kill -9 "$first_pid"
wait_for 5 "killed collector gone" pid_gone "$first_pid" || die "collector $first_pid survived kill -9"
log "killed collector $first_pid after $(status_get "$server_in" recorded) records at $server_in"
check "stream still running when the collector died" not pid_gone "$sender"

collector_start
check "collector restarts on the same store and socket after kill -9" [ "$COLLECTOR_PID" != "$first_pid" ]
wait $sender || fail "udp-send failed"
log "sender: $(cat "$TMP/send.json")"
wait $sink
log "sink: $(cat "$TMP/sink.json")"
wait_for 15 "ring drained after restart" ring_backlog_zero || fail "ring buffer not drained"
collector_stop

status_json >/dev/null
cp "$TMP/status.json" "$TMP/status.final.json"
store_count 'udp and port 9000' >"$TMP/count"
sed 's/^/        count| /' "$TMP/count"
"$PROVTAP" store dump --store "$STORE" 'udp and port 9000' --json >"$TMP/dump.json" 2>"$TMP/dump.err" ||
	fail "store dump failed: $(head -5 "$TMP/dump.err")"
for p in "${POINTS_FWD[@]}"; do
	drops=$(status_get "$p" ring_drops)
	assert_eq "$p: stored == $N - ring drops ($drops)" $((N - ${drops:-0})) "$(count_at "$TMP/count" "$p")"
done
for p in "${POINTS_REV[@]}"; do
	assert_eq "reverse point $p: 0 records" 0 "$(count_at "$TMP/count" "$p")"
done
dups=$(python3 - "$TMP/dump.json" <<'EOF'
import json, sys, collections
c = collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "pkt":
        c[(r["point"], r["fp"])] += 1
d = {k: v for k, v in c.items() if v > 1}
print(len(d), sum(c.values()) - len(c), sorted(d.items())[:3])
EOF
)
assert_eq "no duplicate (point, fp) pairs in the store" "0 0 []" "$dups"
"$PROVTAP" store verify --store "$STORE" >"$TMP/verify.out" 2>&1
rc=$?
sed 's/^/        verify| /' "$TMP/verify.out" | tail -5
assert_eq "store verify exit status after a kill -9" 0 $rc
