#!/bin/bash
# test_tail: `provtap tail FILTER --json --count 50` sees exactly the 50 datagrams sent, with the
# right fields, and exits by itself; tail latency (record ts -> line read) is measured and printed.
source "$(dirname "$0")/lib.sh"

N=50
require_bpf
testbed_up
probes_cleanup_on_exit
point="$VETH_S@$NS_SERVER:in"
probe_load --iface "$point"	# one point: one record per datagram
collector_start

# Every line stamped with CLOCK_BOOTTIME (the clock of ts_ns) as it is read.
(
	echo $BASHPID >"$TMP/tail.pid"
	exec "$PROVTAP" tail 'udp and port 9000' --json --count $N --socket "$SOCK" 2>"$TMP/tail.err"
) |
	python3 -c '
import sys, time
for line in sys.stdin:
    sys.stdout.write("%d %s" % (time.clock_gettime_ns(time.CLOCK_BOOTTIME), line))
    sys.stdout.flush()' >"$TMP/tail.out" &
tailjob=$!
on_exit "kill $tailjob"
wait_for 5 "tail started" test -s "$TMP/tail.pid" || die "tail did not start"
TAIL_PID=$(cat "$TMP/tail.pid")
on_exit "kill $TAIL_PID"
tail_pid() { pid_gone "$TAIL_PID" || echo "$TAIL_PID"; }

wait_for 10 "tail connected and waiting for records" tail_reading "$TAIL_PID" ||
	log "could not see the tail waiting (continuing; records may be missed)"

ip netns exec "$NS_SERVER" python3 "$TRAFFIC" udp-sink --port 9000 --count $N --idle 2 --timeout 20 \
	>"$TMP/sink.json" &
sink=$!
on_exit "kill $sink"
traffic "$NS_SERVER" ready --port 9000 >/dev/null || die "UDP sink did not start"
traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port 9000 --count $N --size 80 --rate 200 \
	>"$TMP/send.json" || die "udp-send failed"
wait $sink

tail_done() { [ -z "$(tail_pid)" ]; }
if wait_for 10 "tail to exit after $N records" tail_done; then
	pass "tail exits by itself after --count $N"
else
	fail "tail still running 10 s after $N datagrams were sent"
fi
wait $tailjob
[ -s "$TMP/tail.err" ] && sed 's/^/        tail-stderr| /' "$TMP/tail.err"

res=$(python3 - "$TMP/tail.out" "$CLIENT_IP" "$SERVER_IP" "$point" <<'EOF'
import json, sys, statistics
path, src, dst, point = sys.argv[1:]
lines, bad, lat = 0, [], []
for raw in open(path):
    t_read, line = raw.split(" ", 1)
    r = json.loads(line)
    if r.get("type") != "pkt":
        bad.append("non-packet line %s" % line.strip()[:80])
        continue
    lines += 1
    want = {"proto": "udp", "src": src, "dst": dst, "dport": 9000, "point": point, "payload_len": 80}
    for k, v in want.items():
        if r.get(k) != v:
            bad.append("%s=%r (want %r)" % (k, r.get(k), v))
    for k in ("ts", "ts_ns", "sport", "fp", "len"):
        if k not in r:
            bad.append("missing %s" % k)
    lat.append((int(t_read) - int(r["ts_ns"])) / 1e6)
print(lines)
print("; ".join(sorted(set(bad))[:5]) or "ok")
if lat:
    lat.sort()
    print("tail latency (record ts -> line read): median %.2f ms, p90 %.2f ms, max %.2f ms" %
          (statistics.median(lat), lat[int(len(lat) * 0.9) - 1], lat[-1]))
else:
    print("tail latency: no records")
EOF
)
assert_eq "JSON packet lines from tail" $N "$(sed -n 1p <<<"$res")"
assert_eq "fields (proto, src, dst, dport, point, payload_len, ts, fp)" ok "$(sed -n 2p <<<"$res")"
log "$(sed -n 3p <<<"$res")"
collector_stop
