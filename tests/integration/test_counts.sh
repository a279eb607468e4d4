#!/bin/bash
# test_counts: exact per-hop counts and identical fingerprints along client -> r1 -> r2 -> server,
# then exactly-every-20th loss at r2's forward hook shows up between r2a:in and r2b:out only.
source "$(dirname "$0")/lib.sh"

N=200
require_bpf
testbed_up
probes_cleanup_on_exit
probe_load "${IFACES_ALL[@]}"
assert_eq "12 capture points loaded (6 veths, both directions)" 12 "$(status_npoints)"

# --- round 1: no loss -------------------------------------------------------------------
collector_start
ip netns exec "$NS_SERVER" python3 "$TRAFFIC" udp-sink --port 9000 --count $N --idle 3 --timeout 20 >"$TMP/sink1.json" &
sink=$!
on_exit "kill $sink"
traffic "$NS_SERVER" ready --port 9000 >/dev/null || die "UDP sink did not start"
traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port 9000 --count $N --size 100 --rate 1000 \
	>"$TMP/send1.json" || die "udp-send failed"
wait $sink
log "sink: $(cat "$TMP/sink1.json")"
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
collector_stop

store_count 'udp and port 9000' >"$TMP/count1"
sed 's/^/        count| /' "$TMP/count1"
for p in "${POINTS_FWD[@]}"; do
	assert_eq "round 1: $p has $N records" $N "$(count_at "$TMP/count1" "$p")"
done
for p in "${POINTS_REV[@]}"; do
	assert_eq "round 1: reverse point $p has 0 records" 0 "$(count_at "$TMP/count1" "$p")"
done

status_json >/dev/null
drops=$(python3 -c 'import json,sys; print(sum(p["ring_drops"] for p in json.load(open(sys.argv[1]))["points"]))' \
	"$TMP/status.json")
assert_eq "ring drops at all points" 0 "$drops"

# Fingerprints: the same N distinct values at each of the 6 hops.
"$PROVTAP" store dump --store "$STORE" 'udp and port 9000' --json >"$TMP/dump1.json" 2>"$TMP/dump1.err" ||
	fail "store dump failed: $(cat "$TMP/dump1.err")"
fpres=$(python3 - "$TMP/dump1.json" $N "${POINTS_FWD[@]}" <<'EOF'
import json, sys
path, n, points = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
fps = {p: [] for p in points}
for line in open(path):
    r = json.loads(line)
    if r.get("type") == "pkt" and r["point"] in fps:
        fps[r["point"]].append(r["fp"])
ref = set(fps[points[0]])
bad = []
for p in points:
    s = set(fps[p])
    if len(fps[p]) != n or len(s) != n:
        bad.append("%s: %d records, %d distinct fp" % (p, len(fps[p]), len(s)))
    elif s != ref:
        bad.append("%s: %d fp differ from %s" % (p, len(s ^ ref), points[0]))
print("; ".join(bad) if bad else "ok")
EOF
)
assert_eq "same $N distinct fingerprints at every hop" ok "$fpres"

# --- round 2: exactly every 20th forwarded packet dropped at r2 -----------------------
bash "$TESTBED" loss "$PREFIX" every 20 || die "testbed loss failed"
collector_start
ip netns exec "$NS_SERVER" python3 "$TRAFFIC" udp-sink --port 9002 --count $N --idle 1 --timeout 20 >"$TMP/sink2.json" &
sink=$!
on_exit "kill $sink"
traffic "$NS_SERVER" ready --port 9002 >/dev/null || die "UDP sink did not start"
traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port 9002 --count $N --size 100 --rate 1000 \
	>"$TMP/send2.json" || die "udp-send failed"
wait $sink
log "sink: $(cat "$TMP/sink2.json")"
dropped=$(nsx "$NS_R2" nft list table inet provtap_loss | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
assert_eq "nftables dropped exactly N/20 at r2" $((N / 20)) "$dropped"
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
collector_stop

store_count 'udp and port 9002' >"$TMP/count2"
sed 's/^/        count| /' "$TMP/count2"
for i in 0 1 2 3 4 5; do
	p=${POINTS_FWD[$i]}
	want=$N
	[ $i -ge 4 ] && want=$((N - N / 20))	# r2b:out and s:in come after r2's forward hook
	assert_eq "round 2 (loss every 20): $p" $want "$(count_at "$TMP/count2" "$p")"
done
"$PROVTAP" store verify --store "$STORE" >"$TMP/verify.out" 2>&1
check "store verify exits 0" [ $? -eq 0 ]
