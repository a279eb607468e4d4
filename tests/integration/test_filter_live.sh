#!/bin/bash
# test_filter_live: the in-kernel filter given at load selects exactly the matching packets, and
# `probe filter --all` replaces it while probes run; status shows the new text and counters.
source "$(dirname "$0")/lib.sh"

N=100
require_bpf
testbed_up
probes_cleanup_on_exit
# The 6 client->server points, in the direction that traffic takes there.
ifaces=()
for p in "${POINTS_FWD[@]}"; do ifaces+=(--iface "$p"); done
probe_load "${ifaces[@]}" --filter 'udp and port 9000'
collector_start

# send_round TAG: N datagrams to each of ports 9000 and 9001, both received by sinks.
send_round() {
	local port pids=()
	for port in 9000 9001; do
		ip netns exec "$NS_SERVER" python3 "$TRAFFIC" udp-sink --port $port --count $N --idle 2 --timeout 20 \
			>"$TMP/sink-$1-$port.json" &
		pids+=($!)
		on_exit "kill $!"
	done
	for port in 9000 9001; do
		traffic "$NS_SERVER" ready --port $port >/dev/null || die "UDP sink on $port did not start"
	done
	for port in 9000 9001; do
		traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port $port --count $N --size 64 --rate 1000 \
			>/dev/null || die "udp-send to $port failed"
	done
	wait "${pids[@]}"
	log "round $1 sinks: $(cat "$TMP"/sink-"$1"-*.json | tr '\n' ' ')"
}

send_round 1
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"

"$PROVTAP" probe filter --all 'udp and port 9001' >"$TMP/filter.out" 2>&1
rc=$?
sed 's/^/        filter| /' "$TMP/filter.out"
assert_eq "probe filter --all while running: exit status" 0 $rc

send_round 2
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
collector_stop
store_count 'udp and port 9000' >"$TMP/c9000"
store_count 'udp and port 9001' >"$TMP/c9001"
store_count 'udp' >"$TMP/cudp"
sed 's/^/        count| /' "$TMP/c9000" "$TMP/c9001"
status_json >/dev/null
for p in "${POINTS_FWD[@]}"; do
	assert_eq "after the change: $p port 9000 records (round 1 only)" $N "$(count_at "$TMP/c9000" "$p")"
	assert_eq "after the change: $p port 9001 records (round 2 only)" $N "$(count_at "$TMP/c9001" "$p")"
	assert_eq "$p: no other UDP stored" $((2 * N)) "$(count_at "$TMP/cudp" "$p")"
	res=$(python3 - "$TMP/status.json" "$p" $N <<'EOF'
import json, sys
st, point, n = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
for p in st["points"]:
    if p["point"] == point:
        bad = []
        if p["filter"] != "udp and port 9001":
            bad.append("filter %r" % p["filter"])
        if p["recorded"] != 2 * n:
            bad.append("recorded %d != %d" % (p["recorded"], 2 * n))
        if p["filtered"] < 2 * n:
            bad.append("filtered %d < %d" % (p["filtered"], 2 * n))
        if p["seen"] < p["filtered"] + p["recorded"]:
            bad.append("seen %d < filtered + recorded" % p["seen"])
        print("; ".join(bad) or "ok", "(seen %d filtered %d recorded %d)" % (p["seen"], p["filtered"], p["recorded"]))
        break
else:
    print("point missing from status")
EOF
)
	assert_eq "status of $p: new filter text, recorded $((2 * N)), filtered >= $((2 * N))" ok "${res%% *}"
	log "$p: $res"
done
