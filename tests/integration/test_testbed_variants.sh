#!/bin/bash
# test_testbed_variants: the test infrastructure itself (scripts/testbed.sh, tools/nfqdelay), so that
# the diagnosis tests can trust what they inject:
#  - delay: 20 ms at r1 raises the client->server ping RTT by >= 20 ms, `delay off` brings it back
#    under 2 ms; nfqdelay counts exactly the packets sent through it (10 pings -> held 10, 50 UDP
#    datagrams -> held 50 and released 50, none dropped); a FILTER delays only what it matches;
#    a full queue (DELAY_MAX_HELD) drops and counts, never silently; --duration ends it with stats.
#  - NAT variant: the server sees r2's address (NAT_IP, NAT_IP6) instead of the client's.
#  - middlebox variant: 4 TCP connections to haproxy's VIP reach both backends (2 each), and
#    haproxy's log has 4 lines naming client, backend and haproxy's source address:port.
#  - down stops nfqdelay and haproxy (by PID) and removes everything.
# Needs no BPF and no provtap binary: only root, nft, iptables, haproxy and build/tools/nfqdelay
# ($NFQDELAY to use another build).
source "$(dirname "$0")/lib.sh"

export NFQDELAY=${NFQDELAY:-$ROOT/build/tools/nfqdelay}
[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
for t in ip nft iptables-nft haproxy python3 ping ss; do
	command -v $t >/dev/null || die "missing tool: $t (scripts/setup.sh)"
done
[ -x "$NFQDELAY" ] || die "no nfqdelay at $NFQDELAY (make tests-build, or set NFQDELAY)"

tb() { bash "$TESTBED" "$@"; }

# rtt NS DST [ARGS]: "MIN AVG" of 10 pings 50 ms apart (ms); empty when ping fails.
rtt() {
	local ns=$1 dst=$2
	shift 2
	nsx "$ns" ping -q -c 10 -i 0.05 -W 2 "$@" "$dst" 2>/dev/null |
		sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/\([0-9.]*\)/.*|\1 \2|p'
}

# fcmp "EXPR": float comparison with awk, e.g. fcmp "$a >= 20"
fcmp() { awk "BEGIN { exit !($1) }"; }

# jget FILE KEY...: values of the keys of a one-object JSON file, space separated.
jget() {
	python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
print(" ".join(str(o.get(k, "")) for k in sys.argv[2:]))' "$@"
}

stats() { tb delay-stats "$PREFIX" >"$TMP/stats.json" 2>"$TMP/stats.err" && jget "$TMP/stats.json" "$@"; }
stats_is() { [ "$(stats "$1")" = "$2" ]; }

delay_pid() { cat "$STATE_DIR/nfqdelay.pid" 2>/dev/null; }

# ---------------------------------------------------------------------------------------------
log "chain: delay injection at r1"
testbed_up
eval "$(tb env "$PREFIX")"
assert_eq "plain testbed: variant" chain "$VARIANT"

read -r min0 avg0 <<<"$(rtt "$NS_CLIENT" "$SERVER_IP")"
log "baseline RTT min/avg $min0/$avg0 ms"
check "baseline RTT under 2 ms ($avg0)" fcmp "${avg0:-99} < 2"

tb delay "$PREFIX" 20 || die "testbed delay $PREFIX 20 failed"
pid1=$(delay_pid)
check "nfqdelay is running in r1 (pid $pid1)" not pid_gone "$pid1"
read -r min1 avg1 <<<"$(rtt "$NS_CLIENT" "$SERVER_IP")"
log "delayed RTT min/avg $min1/$avg1 ms"
check "20 ms at r1: RTT rose by >= 20 ms (avg $avg0 -> $avg1)" fcmp "${avg1:-0} - ${avg0:-99} >= 20"
check "20 ms at r1: every ping >= 20 ms (min $min1)" fcmp "${min1:-0} >= 20"
check "20 ms at r1: no more than 35 ms on average ($avg1)" fcmp "${avg1:-99} < 35"
wait_for 5 "10 pings released" stats_is released 10
read -r held released dropped hmin <<<"$(stats held released dropped hold_ms_min)"
assert_eq "nfqdelay held exactly the 10 echo requests (replies are not client->server)" 10 "$held"
assert_eq "and released them" 10 "$released"
assert_eq "and dropped none" 0 "$dropped"
check "held each for >= 20 ms (min $hmin)" fcmp "${hmin:-0} >= 20"

tb delay "$PREFIX" off || fail "delay off failed"
check "delay off: nfqdelay (pid $pid1) stopped" pid_gone "$pid1"
assert_eq "delay off: its final stats say so" "False 10 10 0" "$(stats running held released released_early)"
read -r min2 avg2 <<<"$(rtt "$NS_CLIENT" "$SERVER_IP")"
check "delay off: RTT back under 2 ms ($avg2)" fcmp "${avg2:-99} < 2"
check "delay off twice is fine" tb delay "$PREFIX" off
check "no delay rule left in r1" not grep -q "queue" <(nsx "$NS_R1" nft list ruleset 2>/dev/null)

# A FILTER: only UDP to port 9009 is held; 50 datagrams -> held 50.
tb delay "$PREFIX" 20 'udp dport 9009' || die "testbed delay with a FILTER failed"
pid2=$(delay_pid)
tb delay "$PREFIX" 20 'udp dport 9009' || die "testbed delay set twice failed"
pid3=$(delay_pid)
check "delay set again replaces nfqdelay (old pid $pid2 gone, new pid $pid3 runs)" \
	eval "pid_gone $pid2 && ! pid_gone $pid3"
traffic "$NS_SERVER" udp-sink --port 9009 --count 50 --idle 3 --timeout 20 >"$TMP/sink.json" &
sinkpid=$!
on_exit "kill $sinkpid"
traffic "$NS_SERVER" ready --port 9009 >/dev/null || die "udp-sink did not start"
traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port 9009 --count 50 --rate 1000 >"$TMP/send.json" ||
	die "udp-send failed"
wait "$sinkpid"
assert_eq "the sink got all 50 datagrams" 50 "$(jget "$TMP/sink.json" received)"
wait_for 5 "50 datagrams released" stats_is released 50
assert_eq "nfqdelay: received, held, released, in queue, dropped" "50 50 50 0 0" \
	"$(stats received held released in_queue dropped)"
check "held each for >= 20 ms (min $(stats hold_ms_min))" fcmp "$(stats hold_ms_min) >= 20"
read -r min3 avg3 <<<"$(rtt "$NS_CLIENT" "$SERVER_IP")"
check "the FILTER spares what it does not match: ping under 2 ms ($avg3)" fcmp "${avg3:-99} < 2"
assert_eq "pings were not held" 50 "$(stats held)"

# A full queue: at most 10 held, 30 sent at once -> 10 held and delivered, 20 dropped and counted.
DELAY_MAX_HELD=10 tb delay "$PREFIX" 500 'udp dport 9010' || die "testbed delay with DELAY_MAX_HELD failed"
traffic "$NS_SERVER" udp-sink --port 9010 --idle 1.5 --timeout 20 >"$TMP/sink2.json" &
sinkpid=$!
on_exit "kill $sinkpid"
traffic "$NS_SERVER" ready --port 9010 >/dev/null || die "udp-sink did not start"
traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port 9010 --count 30 >/dev/null || die "udp-send failed"
wait "$sinkpid"
assert_eq "queue of 10: the sink got the 10 held datagrams" 10 "$(jget "$TMP/sink2.json" received)"
wait_for 5 "10 released" stats_is released 10
assert_eq "queue of 10: held, released, dropped, kernel_queue_dropped" "10 10 20 20" \
	"$(stats held released dropped kernel_queue_dropped)"
check "queue of 10: the drops are reported on stderr" grep -q "queue full" "$STATE_DIR/nfqdelay.log"
tb delay "$PREFIX" off

# nfqdelay by itself: --duration ends it, with the final stats on stdout and in the file.
nsx "$NS_R1" "$NFQDELAY" --queue 7 --delay-ms 1 --duration 0.3 --stats "$TMP/d.json" >"$TMP/d.out" 2>"$TMP/d.err"
rc=$?
assert_eq "nfqdelay --duration 0.3: exit status" 0 "$rc"
assert_eq "nfqdelay --duration: final stats (running, queue) in the file" "False 7" "$(jget "$TMP/d.json" running queue)"
assert_eq "nfqdelay --duration: and on stdout" "False 7" "$(jget "$TMP/d.out" running queue)"
nsx "$NS_R1" "$NFQDELAY" --queue 7 >/dev/null 2>"$TMP/bad.err"
assert_eq "nfqdelay without --delay-ms: usage error" 2 $?

# the chain variant: the server sees the client's address (baseline for the NAT check)
traffic "$NS_SERVER" tcp-server --bind "$SERVER_IP" --port 9011 --conns 1 --timeout 10 >"$TMP/srv0.json" &
srvpid=$!
traffic "$NS_SERVER" ready --tcp --port 9011 >/dev/null || die "tcp-server did not start"
traffic "$NS_CLIENT" tcp-client --dst "$SERVER_IP" --port 9011 --bytes 100 >/dev/null || fail "tcp-client failed"
wait "$srvpid"
peer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["connections"][0]["peer"])' "$TMP/srv0.json")
assert_eq "chain: the server sees the client's address" "$CLIENT_IP" "$peer"

# delay running at down: down stops it
tb delay "$PREFIX" 5 || die "testbed delay 5 failed"
pid4=$(delay_pid)
tb down "$PREFIX"
check "down: nfqdelay (pid $pid4) stopped" pid_gone "$pid4"
check "down: state dir removed" not test -e "$STATE_DIR"
check "down: namespaces removed" not test -e "/var/run/netns/$NS_R1"
check "down twice is fine" tb down "$PREFIX"

# ---------------------------------------------------------------------------------------------
log "NAT variant: r2 masquerades"
tb up "$PREFIX" --nat || die "testbed up $PREFIX --nat failed"
eval "$(tb env "$PREFIX")"
assert_eq "NAT testbed: variant" "chain nat" "$VARIANT"
for fam in 4 6; do
	if [ $fam = 4 ]; then dst=$SERVER_IP want=$NAT_IP; else dst=$SERVER_IP6 want=$NAT_IP6; fi
	traffic "$NS_SERVER" tcp-server --bind "$dst" --port 9012 --conns 1 --timeout 10 >"$TMP/srv$fam.json" &
	srvpid=$!
	traffic "$NS_SERVER" ready --tcp --port 9012 >/dev/null || die "tcp-server did not start"
	traffic "$NS_CLIENT" tcp-client --dst "$dst" --port 9012 --bytes 1000 >/dev/null || fail "tcp-client (IPv$fam) failed"
	wait "$srvpid"
	read -r peer got < <(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["connections"]
print(c[0]["peer"], c[0]["received"]) if c else print("none 0")' "$TMP/srv$fam.json")
	assert_eq "NAT, IPv$fam: the server sees r2's address" "$want" "$peer"
	assert_eq "NAT, IPv$fam: and got the 1000 bytes" 1000 "$got"
done
# delay and loss still work through the NAT variant
tb delay "$PREFIX" 20 || die "testbed delay in the NAT variant failed"
read -r min5 avg5 <<<"$(rtt "$NS_CLIENT" "$SERVER_IP")"
check "NAT: 20 ms at r1 still delays (min RTT $min5)" fcmp "${min5:-0} >= 20"
tb delay "$PREFIX" off
tb loss "$PREFIX" every 2 || fail "loss in the NAT variant failed"
nsx "$NS_CLIENT" ping -q -c 4 -i 0.05 -W 1 "$SERVER_IP" >"$TMP/ping.out" 2>&1
check "NAT: loss every 2 at r2 still drops" grep -q "[1-9][0-9]*% packet loss" "$TMP/ping.out"
tb loss "$PREFIX" off
tb down "$PREFIX"

# ---------------------------------------------------------------------------------------------
log "middlebox variant: haproxy splits connections"
tb up "$PREFIX" --middlebox || die "testbed up $PREFIX --middlebox failed"
eval "$(tb env "$PREFIX")"
assert_eq "middlebox testbed: variant" "chain middlebox" "$VARIANT"
hapid=$(cat "$STATE_DIR/haproxy.pid")
check "haproxy runs in r2 (pid $hapid) and listens on $VIP_IP:$VIP_PORT" \
	grep -q "pid=$hapid," <(nsx "$NS_R2" ss -Hltnp "sport = :$VIP_PORT")
srvpids=()
for b in "$BACKEND1_IP" "$BACKEND2_IP"; do
	traffic "$NS_SERVER" tcp-server --bind "$b" --port "$BACKEND_PORT" --conns 2 --timeout 20 >"$TMP/be-$b.json" &
	srvpids+=($!)
	on_exit "kill $!"
done
backends_listen() { [ "$(nsx "$NS_SERVER" ss -Hltn "sport = :$BACKEND_PORT" | wc -l)" = 2 ]; }
wait_for 10 "both backends listening" backends_listen || die "backends did not start"
for i in 1 2 3 4; do
	traffic "$NS_CLIENT" tcp-client --dst "$VIP_IP" --port "$VIP_PORT" --bytes 1000 --timeout 10 >>"$TMP/clients.json" ||
		fail "tcp-client $i through haproxy failed"
done
wait "${srvpids[@]}"
for b in "$BACKEND1_IP" "$BACKEND2_IP"; do
	assert_eq "backend $b: connections, bytes, seen from" "2 2000 $NAT_IP" "$(python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
print(len(o["connections"]), o["received"], ",".join(sorted({c["peer"] for c in o["connections"]})))' "$TMP/be-$b.json")"
done
haproxy_lines() { [ "$(grep -c . "$HAPROXY_LOG")" -ge 4 ]; }
wait_for 10 "4 haproxy log lines" haproxy_lines
sed 's/^/        log| /' "$HAPROXY_LOG"
assert_eq "haproxy log: one line per connection" 4 "$(grep -c . "$HAPROXY_LOG")"
python3 - "$HAPROXY_LOG" "$CLIENT_IP" "$BACKEND1_IP:$BACKEND_PORT" "$BACKEND2_IP:$BACKEND_PORT" "$NAT_IP" \
	>"$TMP/hacheck" 2>&1 <<'EOF'
import json, sys
path, client, be1, be2, src = sys.argv[1:]
rows = [json.loads(l) for l in open(path) if l.strip()]
problems = []
for r in rows:
    cip, cport = r["client"].rsplit(":", 1)
    sip, sport = r["source"].rsplit(":", 1)
    if cip != client or not cport.isdigit():
        problems.append("client %s" % r["client"])
    if sip != src or not sport.isdigit() or sport == "0":
        problems.append("source %s" % r["source"])
    if {"b1": be1, "b2": be2}.get(r["backend"]) != r["server"]:
        problems.append("backend %s server %s" % (r["backend"], r["server"]))
    if r["bytes_in"] != 1000:
        problems.append("bytes_in %s" % r["bytes_in"])
per = {b: sum(1 for r in rows if r["backend"] == b) for b in ("b1", "b2")}
if per != {"b1": 2, "b2": 2}:
    problems.append("per backend %s" % per)
if [r["backend"] for r in rows] != ["b1", "b2", "b1", "b2"]:
    problems.append("not round-robin: %s" % [r["backend"] for r in rows])
if len({r["client"] for r in rows}) != 4 or len({r["source"] for r in rows}) != 4:
    problems.append("client or source ports repeat")
print("; ".join(problems) or "ok")
EOF
assert_eq "haproxy log: client, backend (b1 b2 b1 b2), server and source address:port of each" ok "$(cat "$TMP/hacheck")"
tb down "$PREFIX"
check "down: haproxy (pid $hapid) stopped" pid_gone "$hapid"
check "down: state dir removed" not test -e "$STATE_DIR"
