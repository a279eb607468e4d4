#!/bin/bash
# test_queries: the diagnosis queries against what the testbed injects, with real probes (every veth,
# both directions, and the drop probe) and real traffic:
#  - loss: exactly every 20th packet forwarded by r2 dropped (nftables); of 400 UDP datagrams
#    `query hops` puts lost == 20 on the r2a:in -> r2b:out segment only, equal to the nftables
#    counter, and DROPS == 20 there with reason NETFILTER_DROP (0 elsewhere); `query loss` agrees.
#  - pcapng: `export pcapng` of that traffic has one interface per point that saw it, 400 packets
#    each up to r2a:in and 380 after r2 (capinfos).
#  - delay: 20 ms held at r1 (nfqdelay) -> `query delay` r1a:in -> r1b:out p50 within 20-25 ms;
#    every other segment of `query hops` p50 under 2 ms.
#  - throughput: a TCP transfer of a known byte count (traffic.py): `query throughput` at the
#    server's veth (L3 bytes) within 5% of the bytes the server received (the overhead is the
#    IP+TCP headers, about 52 bytes per <= 1448-byte segment, i.e. < 3.6%, and the payload
#    can only be more, never less), and the TCP payload of the records equals the received bytes
#    exactly. With iperf3 installed (scripts/setup.sh --bench), the same against iperf3's
#    receiver report; skipped with a message without it.
#  - rtt: a paced TCP transfer with 10 ms held at r1 in each direction: `query rtt` at the
#    client's veth p50 within 10% of the RTT the client's TCP stack reports (`ss -tin`).
#  - NAT variant: r2 masquerades, so headers change after r2 and only payload fingerprints
#    (`probe load --fp payload`) follow a packet through it: loss at r2 still attributed to
#    the r2 segment (20 lost, 20 NETFILTER_DROP drops), nowhere else.
source "$(dirname "$0")/lib.sh"

N=400
export NFQDELAY=${NFQDELAY:-$ROOT/build/tools/nfqdelay}
require_bpf
for t in capinfos ss; do command -v $t >/dev/null || die "missing tool: $t (scripts/setup.sh)"; done
command -v iptables-nft >/dev/null || command -v iptables >/dev/null || die "missing tool: iptables (scripts/setup.sh)"
[ -x "$NFQDELAY" ] || die "no nfqdelay at $NFQDELAY (make tests-build, or set NFQDELAY)"

tb() { bash "$TESTBED" "$@"; }

# fcmp "EXPR": float comparison with awk, e.g. fcmp "$a >= 20"
fcmp() { awk "BEGIN { exit !($1) }"; }

# q OUT ARGS...: provtap ARGS --store $STORE into OUT (stderr into OUT.err); dies on failure.
q() {
	local out=$1
	shift
	"$PROVTAP" "$@" --store "$STORE" >"$out" 2>"$out.err" || {
		sed 's/^/        | /' "$out.err"
		die "provtap $* failed"
	}
}

# show FILE TAG: the human output, indented, for the log.
show() { sed "s/^/        $2| /" "$1"; }

# segs FILE: "FROM TO AT_FROM AT_TO LOST DROPS REASONS P50" per row of `query hops --json`
# (REASONS with spaces as _, "-" when none).
segs() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["from"], r["to"], r["at_from"], r["at_to"], r["lost"], r["drops"],
          (r["drop_reasons"] or "-").replace(" ", "_"), r["delay_p50_ms"])' "$1"
}

# udp_round PORT COUNT RATE: a sink on PORT in the server, COUNT datagrams from the client;
# the sink's JSON into $TMP/sink-PORT.json.
udp_round() {
	local port=$1 count=$2 rate=$3 sink
	nsx "$NS_SERVER" python3 "$TRAFFIC" udp-sink --port "$port" --idle 1 --timeout 15 >"$TMP/sink-$port.json" &
	sink=$!
	on_exit "kill $sink"
	traffic "$NS_SERVER" ready --port "$port" >/dev/null || die "UDP sink on $port did not start"
	traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port "$port" --count "$count" --size 200 --rate "$rate" \
		>"$TMP/send-$port.json" || die "udp-send to $port failed"
	wait $sink
	log "sink $port: $(cat "$TMP/sink-$port.json")"
}

# nft_drop_counter: packets counted by the loss rule in r2.
nft_drop_counter() {
	nsx "$NS_R2" nft list table inet provtap_loss | grep -o 'counter packets [0-9]*' | awk '{ print $3 }'
}

# ---------------------------------------------------------------------------------------------
log "chain testbed, probes on every veth (both directions) and the drop probe"
testbed_up
probes_cleanup_on_exit
probe_load "${IFACES_ALL[@]}" --drops
collector_start
C="$VETH_C@$NS_CLIENT"
R1A="$VETH_R1A@$NS_R1" R1B="$VETH_R1B@$NS_R1"
R2A="$VETH_R2A@$NS_R2" R2B="$VETH_R2B@$NS_R2"
S="$VETH_S@$NS_SERVER"

# --- loss at r2 -------------------------------------------------------------------------------
tb loss "$PREFIX" every 20 || die "testbed loss every 20 failed"
udp_round 9000 $N 2000
nft_drops=$(nft_drop_counter)
tb loss "$PREFIX" off || die "testbed loss off failed"
assert_eq "nftables dropped every 20th of the $N datagrams" 20 "$nft_drops"

# --- delay at r1 ------------------------------------------------------------------------------
tb delay "$PREFIX" 20 'udp dport 9001' || die "testbed delay 20 failed"
udp_round 9001 200 500
tb delay "$PREFIX" off || die "testbed delay off failed"
held=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["held"])' "$STATE_DIR/nfqdelay.json")
assert_eq "nfqdelay held the 200 datagrams to 9001" 200 "$held"

# --- throughput: a TCP transfer of a known size -------------------------------------------------
TBYTES=4000000
nsx "$NS_SERVER" python3 "$TRAFFIC" tcp-server --port 5203 --conns 1 --timeout 20 >"$TMP/srv-5203.json" &
srv=$!
on_exit "kill $srv"
traffic "$NS_SERVER" ready --tcp --port 5203 >/dev/null || die "tcp-server on 5203 did not start"
traffic "$NS_CLIENT" tcp-client --dst "$SERVER_IP" --port 5203 --bytes $TBYTES --timeout 20 >"$TMP/cli-5203.json" ||
	die "tcp-client to 5203 failed"
wait $srv
srv_bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["received"])' "$TMP/srv-5203.json")
assert_eq "the server received the $TBYTES bytes" $TBYTES "$srv_bytes"

have_iperf=0
if command -v iperf3 >/dev/null; then
	have_iperf=1
	nsx "$NS_SERVER" iperf3 -s -1 -p 5201 >"$TMP/iperf-s.out" 2>&1 &
	isrv=$!
	on_exit "kill $isrv"
	traffic "$NS_SERVER" ready --tcp --port 5201 >/dev/null || die "iperf3 server did not start"
	nsx "$NS_CLIENT" iperf3 -c "$SERVER_IP" -p 5201 -t 2 -b 200M -J >"$TMP/iperf.json" 2>"$TMP/iperf.err" ||
		die "iperf3 client failed: $(cat "$TMP/iperf.err")"
	wait $isrv
fi

# --- rtt: 10 ms held at r1 in both directions, a paced transfer ---------------------------------
# Only this connection's TCP crosses r1 now: 'meta l4proto tcp' holds its data and its ACKs.
tb delay "$PREFIX" 10 'meta l4proto tcp' || die "testbed delay 10 failed"
nsx "$NS_SERVER" python3 "$TRAFFIC" tcp-server --port 5202 --conns 1 --timeout 20 >"$TMP/srv-5202.json" &
srv=$!
on_exit "kill $srv"
traffic "$NS_SERVER" ready --tcp --port 5202 >/dev/null || die "tcp-server on 5202 did not start"
# Two full segments every 20 ms for 1.5 s: the receiver ACKs every second full segment at once,
# so no delayed-ACK timer (40 ms and more) muddles either side's RTT (20 ms of holding in all),
# and the many ACKs let the stack's smoothed RTT recover quickly from a late release by nfqdelay.
traffic "$NS_CLIENT" tcp-client --dst "$SERVER_IP" --port 5202 --bytes $((2896 * 75)) --chunk 2896 \
	--rate $((2896 * 50)) --timeout 20 >"$TMP/cli-5202.json" &
cli=$!
on_exit "kill $cli"
# the client's own RTT estimate, every 100 ms while the transfer runs
: >"$TMP/ss.out"
while ! pid_gone $cli; do
	nsx "$NS_CLIENT" ss -Htin dst "$SERVER_IP:5202" >>"$TMP/ss.out" 2>/dev/null
	sleep 0.1
done
wait $cli || die "tcp-client to 5202 failed"
wait $srv
tb delay "$PREFIX" off || die "testbed delay off failed"

wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
collector_stop

# ---------------------------------------------------------------------------------------------
log "queries over the chain's store"
q "$TMP/hops.json" query hops 'udp and dst port 9000' --json
"$PROVTAP" query hops 'udp and dst port 9000' --store "$STORE" >"$TMP/hops.txt" 2>&1
show "$TMP/hops.txt" hops
segs "$TMP/hops.json" >"$TMP/hops.segs"
want_path="$C:out $R1A:in $R1B:out $R2A:in $R2B:out $S:in"
assert_eq "hops: the usual path is the chain" "$want_path" \
	"$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 } END { printf " %s", $2 }' "$TMP/hops.segs")"
assert_eq "hops: lost == nftables counter ($nft_drops) on r2a:in -> r2b:out, 0 elsewhere" \
	"0 0 0 $nft_drops 0" "$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $5 }' "$TMP/hops.segs")"
assert_eq "hops: AT FROM / AT TO of the r2 segment" "$N 380" "$(awk -v a="$R2A:in" '$1 == a { print $3, $4 }' "$TMP/hops.segs")"
assert_eq "hops: kernel drops $nft_drops on the r2 segment only" "0 0 0 $nft_drops 0" \
	"$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $6 }' "$TMP/hops.segs")"
assert_eq "hops: their reason" "${nft_drops}_NETFILTER_DROP" "$(awk -v a="$R2A:in" '$1 == a { print $7 }' "$TMP/hops.segs")"
check "hops (table): the DROP REASONS column says it" grep -qE "^ +4 .* $nft_drops +$nft_drops NETFILTER_DROP *$" "$TMP/hops.txt"
q "$TMP/loss.json" query loss 'udp and dst port 9000' --from "$R2A:in" --to "$R2B:out" --json
assert_eq "loss r2a:in -> r2b:out: at_from at_to lost drops reasons" "$N 380 $nft_drops $nft_drops $nft_drops NETFILTER_DROP" \
	"$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["at_from"], r["at_to"], r["lost"], r["drops"], r["drop_reasons"])' "$TMP/loss.json")"
q "$TMP/loss1.json" query loss 'udp and dst port 9000' --from "$R1A:in" --to "$R1B:out" --json
assert_eq "loss r1a:in -> r1b:out: nothing lost, no drops" "$N $N 0 0" \
	"$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["at_from"], r["at_to"], r["lost"], r["drops"])' "$TMP/loss1.json")"

# pcapng: one interface per point that saw the datagrams to 9000, with its exact count
"$PROVTAP" export pcapng 'udp and dst port 9000' -o "$TMP/loss.pcapng" --store "$STORE" >"$TMP/export.out" 2>&1 ||
	die "export pcapng failed: $(cat "$TMP/export.out")"
capinfos -M "$TMP/loss.pcapng" >"$TMP/capinfos.out" 2>&1 || die "capinfos failed: $(cat "$TMP/capinfos.out")"
assert_eq "pcapng: capinfos sees one interface per point with its packets" \
	"$C:out=$N $R1A:in=$N $R1B:out=$N $R2A:in=$N $R2B:out=380 $S:in=380" \
	"$(awk '/^ *Name = / { n = $3 } /^ *Number of packets = / { printf "%s%s=%s", (k++ ? " " : ""), n, $5 }' "$TMP/capinfos.out")"
assert_eq "pcapng: interfaces in the file" 6 "$(sed -n 's/^Number of interfaces in file: //p' "$TMP/capinfos.out")"

# delay: 20 ms at r1 on the datagrams to 9001
q "$TMP/delay.json" query delay 'udp and dst port 9001' --from "$R1A:in" --to "$R1B:out" --json
read -r dcount dp50 <<<"$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["count"], r["p50_ms"])' "$TMP/delay.json")"
log "delay r1a:in -> r1b:out: $(cat "$TMP/delay.json")"
assert_eq "delay: every datagram to 9001 crossed r1" 200 "$dcount"
check "delay: p50 r1a:in -> r1b:out within 20-25 ms ($dp50)" fcmp "$dp50 >= 20 && $dp50 <= 25"
q "$TMP/hops-d.json" query hops 'udp and dst port 9001' --json
segs "$TMP/hops-d.json" >"$TMP/hops-d.segs"
show "$TMP/hops-d.segs" hops-delay
assert_eq "hops (delay): 5 segments, r1's p50 == query delay's" "5 $dp50" \
	"$(awk -v a="$R1A:in" '$1 == a { p = $8 } END { print NR, p }' "$TMP/hops-d.segs")"
check "hops (delay): every other segment p50 under 2 ms" \
	awk -v a="$R1A:in" '$1 != a && $8 >= 2 { bad = 1 } END { exit bad }' "$TMP/hops-d.segs"

# throughput: L3 bytes at the server's veth vs the bytes the server's socket received
q "$TMP/thr.json" query throughput 'tcp and port 5203' --at "$S:in" --interval 1s --json
l3=$(python3 -c 'import json,sys; print(sum(json.loads(l)["bytes"] for l in open(sys.argv[1])))' "$TMP/thr.json")
log "throughput: $l3 L3 bytes at $S:in for $srv_bytes received"
check "throughput: L3 bytes at the server within 5% above the $srv_bytes received ($l3)" \
	fcmp "$l3 >= $srv_bytes && $l3 <= $srv_bytes * 1.05"
q "$TMP/pk.json" query packets 'tcp and dst port 5203' --at "$S:in" --json
# Distinct payload bytes: the union of the [seq, seq+len) ranges (relative to the first seq,
# modulo 2^32), so a TCP retransmission, which can happen on any run, is not counted twice.
assert_eq "throughput: distinct TCP payload bytes of the records at the server == bytes received" "$srv_bytes" \
	"$(python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
base = recs[0]["seq"] if recs else 0  # the first segment in store (time) order
iv = sorted(((r["seq"] - base) % 2**32, (r["seq"] - base) % 2**32 + r["payload_len"])
            for r in recs if r["payload_len"] > 0)
total, end = 0, 0
for a, b in iv:
    if b > end:
        total += b - max(a, end)
        end = b
print(total)' "$TMP/pk.json")"
q "$TMP/pk-all.json" query packets 'tcp and port 5203' --at "$S:in" --json
assert_eq "throughput: the same L3 bytes as the records' l3_len" "$l3" \
	"$(python3 -c 'import json,sys; print(sum(json.loads(l)["l3_len"] for l in open(sys.argv[1])))' "$TMP/pk-all.json")"
if [ $have_iperf = 1 ]; then
	ibytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"])' "$TMP/iperf.json")
	q "$TMP/thr-i.json" query throughput 'tcp and port 5201' --at "$S:in" --interval 1s --json
	il3=$(python3 -c 'import json,sys; print(sum(json.loads(l)["bytes"] for l in open(sys.argv[1])))' "$TMP/thr-i.json")
	log "iperf3: receiver $ibytes bytes; provtap $il3 L3 bytes at $S:in"
	check "throughput vs iperf3: L3 bytes within 5% above iperf3's receiver bytes ($il3 vs $ibytes)" \
		fcmp "$il3 >= $ibytes && $il3 <= $ibytes * 1.05"
else
	fail "iperf3 is not installed (scripts/setup.sh installs it): the iperf3 comparison did not run"
fi

# rtt at the client's veth vs the client's TCP stack
q "$TMP/rtt.json" query rtt 'tcp and port 5202' --at "$C" --json
rtt_p50=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["kind"] == "flow" and r["flow"].startswith(sys.argv[2] + ":"):
        print(r["p50_ms"], r["samples"])' "$TMP/rtt.json" "$CLIENT_IP")
# ss: one "rtt:SRTT/RTTVAR" per snapshot; the median of the snapshots after the first 300 ms
ss_rtt=$(grep -oE '(^|[[:space:]])rtt:[0-9.]+' "$TMP/ss.out" | sed 's/.*rtt://' | tail -n +4 | sort -g |
	awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
log "rtt at $C: p50 $rtt_p50 (ms, samples); ss -tin srtt median ${ss_rtt:-none} ms ($(grep -c 'rtt:' "$TMP/ss.out") snapshots)"
read -r rp50 rsamples <<<"$rtt_p50"
check "rtt: samples of the data direction at the client (${rsamples:-0})" test "${rsamples:-0}" -ge 20
check "rtt: p50 at the client ($rp50 ms) within 10% of ss's srtt (${ss_rtt:-none} ms)" \
	fcmp "${ss_rtt:-0} > 0 && ${rp50:-0} >= ${ss_rtt:-0} * 0.9 && ${rp50:-0} <= ${ss_rtt:-0} * 1.1"

# ---------------------------------------------------------------------------------------------
log "NAT variant: payload fingerprints through r2's masquerade"
"$PROVTAP" probe unload --all >"$TMP/unload.out" 2>&1 || fail "probe unload --all failed: $(cat "$TMP/unload.out")"
tb down "$PREFIX" >/dev/null 2>&1
tb up "$PREFIX" --nat || die "testbed up --nat failed"
eval "$(tb env "$PREFIX")"
assert_eq "NAT testbed" "chain nat" "$VARIANT"
probe_load "${IFACES_ALL[@]}" --drops --fp payload
STORE=$TMP/store-nat SOCK=$TMP/collect-nat.sock COLLECT_LOG=$TMP/collect-nat.log
collector_start
tb loss "$PREFIX" every 20 || die "testbed loss every 20 failed"
udp_round 9000 $N 2000
nat_drops=$(nft_drop_counter)
assert_eq "NAT: nftables dropped every 20th of the $N datagrams" 20 "$nat_drops"
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
collector_stop
q "$TMP/nat.json" query hops 'udp and port 9000' --json
"$PROVTAP" query hops 'udp and port 9000' --store "$STORE" >"$TMP/nat.txt" 2>&1
show "$TMP/nat.txt" nat
segs "$TMP/nat.json" >"$TMP/nat.segs"
q "$TMP/natpk.json" query packets "udp and port 9000 and point $S:in" --json
assert_eq "NAT: the server saw r2's address as the source" "$NAT_IP" \
	"$(python3 -c 'import json,sys; print(*sorted({json.loads(l)["src"] for l in open(sys.argv[1])}))' "$TMP/natpk.json")"
assert_eq "NAT: the usual path is still the whole chain" "$want_path" \
	"$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 } END { printf " %s", $2 }' "$TMP/nat.segs")"
assert_eq "NAT: lost == nftables counter ($nat_drops) on r2a:in -> r2b:out only" "0 0 0 $nat_drops 0" \
	"$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $5 }' "$TMP/nat.segs")"
assert_eq "NAT: AT FROM / AT TO after r2 (the fingerprint survives the NAT)" "380 380" \
	"$(awk -v a="$R2B:out" '$1 == a { print $3, $4 }' "$TMP/nat.segs")"
assert_eq "NAT: $nat_drops NETFILTER_DROP drops on the r2 segment, none elsewhere" \
	"0 0 0 $nat_drops 0 ${nat_drops}_NETFILTER_DROP" \
	"$(awk -v a="$R2A:in" '{ printf "%s%s", (NR > 1 ? " " : ""), $6 } $1 == a { r = $7 } END { print " " r }' "$TMP/nat.segs")"
