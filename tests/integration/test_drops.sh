#!/bin/bash
# test_drops: the drop probe (probe load --drops) records real kernel drops. Exactly every 20th
# forwarded packet is dropped by nftables in r2's forward hook; of 200 UDP datagrams, `query drops`
# shows exactly the 10 missing after r2: reason NETFILTER_DROP, netns = r2's inode, device r2a, and
# the fingerprints of the packets seen at r2a:in and absent at r2b:out. Status shows the drop
# probe while loaded; unload --all removes its program.
source "$(dirname "$0")/lib.sh"

N=200
require_bpf
testbed_up
probes_cleanup_on_exit
R2A="$VETH_R2A@$NS_R2"
R2B="$VETH_R2B@$NS_R2"
probe_load --iface "$R2A:both" --iface "$R2B:both" --drops
sed 's/^/        load| /' "$TMP/load.out"
variant=$(status_json | python3 -c 'import json,sys; d=json.load(sys.stdin).get("drops",{}); print(d.get("variant","") if d.get("loaded") else "")')
log "drop probe variant: $variant"
check "status shows the drop probe loaded with a drop-* variant" test -n "${variant#drop-}" -a "${variant:0:5}" = drop-
check "human status shows the drop probe" grep -q "^drop probe  skb:kfree_skb, variant $variant" \
	<("$PROVTAP" probe status)
prog_id=$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["drops"]["prog_id"])')
check "the drop program (id $prog_id) is in the kernel" bash -c "bpftool prog show id $prog_id >/dev/null"
check "a second --drops load is refused" not "$PROVTAP" probe load --drops
check "the kprobe variant is refused on this kernel when it has no kprobes" \
	bash -c "[ -e /sys/bus/event_source/devices/kprobe/type ] || ! '$PROVTAP' probe load --drops --drop-variant drop-kprobe 2>$TMP/kp.err"

bash "$TESTBED" loss "$PREFIX" every 20 || die "testbed loss every 20 failed"
collector_start
ip netns exec "$NS_SERVER" python3 "$TRAFFIC" udp-sink --port 9000 --idle 2 --timeout 20 >"$TMP/sink.json" &
sink=$!
on_exit "kill $sink"
traffic "$NS_SERVER" ready --port 9000 >/dev/null || die "UDP sink did not start"
traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port 9000 --count $N --size 100 --rate 1000 \
	>"$TMP/send.json" || die "udp-send failed"
wait $sink
log "sink: $(cat "$TMP/sink.json")"
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
status_json >"$TMP/status-loaded.json"
collector_stop

# Fingerprints missing after r2: at r2a:in, not at r2b:out.
"$PROVTAP" store dump --store "$STORE" --json 'udp and port 9000' >"$TMP/dump.json" 2>"$TMP/dump.err" ||
	die "store dump failed: $(cat "$TMP/dump.err")"
python3 - "$TMP/dump.json" "$R2A:in" "$R2B:out" >"$TMP/missing" <<'EOF'
import json, sys
a, b = set(), set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") != "pkt":
        continue
    if r["point"] == sys.argv[2]:
        a.add(r["fp"])
    elif r["point"] == sys.argv[3]:
        b.add(r["fp"])
print(len(a), file=sys.stderr)
for fp in sorted(a - b):
    print(fp)
EOF
assert_eq "packets missing between r2a:in and r2b:out" 10 "$(wc -l <"$TMP/missing")"
assert_eq "store dump prints the drops as type drop" 10 "$(grep -c '"type":"drop"' "$TMP/dump.json")"

"$PROVTAP" query drops 'udp and port 9000' --store "$STORE" --json >"$TMP/drops.json" 2>"$TMP/drops.err" ||
	die "query drops failed: $(cat "$TMP/drops.err")"
"$PROVTAP" query drops 'udp and port 9000' --store "$STORE" >"$TMP/drops.txt" 2>&1
sed 's/^/        drops| /' "$TMP/drops.txt" | head -16
assert_eq "query drops: exactly 10 drops" 10 "$(grep -c . "$TMP/drops.json")"
assert_eq "query drops: all with reason NETFILTER_DROP" 10 \
	"$(python3 -c 'import json,sys; print(sum(json.loads(l)["reason"] == "NETFILTER_DROP" for l in open(sys.argv[1])))' "$TMP/drops.json")"
python3 -c 'import json,sys; [print(json.loads(l)["fp"]) for l in open(sys.argv[1])]' "$TMP/drops.json" | sort >"$TMP/dropfps"
check "query drops: fingerprints equal the packets missing after r2" cmp -s "$TMP/dropfps" "$TMP/missing"
r2ino=$(stat -L -c %i "/var/run/netns/$NS_R2")
assert_eq "query drops: netns is r2's inode on every drop" "10 $r2ino" \
	"$(python3 -c 'import json,sys; s={json.loads(l)["netns_ino"] for l in open(sys.argv[1])}; print(sum(1 for _ in open(sys.argv[1])), *sorted(s))' "$TMP/drops.json")"
assert_eq "query drops: device is r2a (from the point records)" "$VETH_R2A" \
	"$(python3 -c 'import json,sys; print(*sorted({json.loads(l)["dev"] for l in open(sys.argv[1])}))' "$TMP/drops.json")"
check "query drops: location resolved to a kernel symbol" \
	python3 -c 'import json,sys; sys.exit(not all("+0x" in json.loads(l)["location"] for l in open(sys.argv[1])))' "$TMP/drops.json"
"$PROVTAP" query drops 'udp and port 9000' --store "$STORE" --by reason --json >"$TMP/byreason.json" 2>"$TMP/byreason.err"
assert_eq "query drops --by reason: one NETFILTER_DROP group of 10" "NETFILTER_DROP 10" \
	"$(python3 -c 'import json,sys; [print(r["reason"], r["drops"]) for r in map(json.loads, open(sys.argv[1]))]' "$TMP/byreason.json")"
# "none" must come from a query that ran (zero drops is an answer: exit 0, no rows)
"$PROVTAP" query drops 'udp and port 9000' --store "$STORE" --reason NOT_SPECIFIED --json >"$TMP/ns.out" 2>"$TMP/ns.err"
assert_eq "query drops --reason NOT_SPECIFIED: none of ours (exit 0, no rows)" "0 0" "$? $(grep -c . "$TMP/ns.out")"
"$PROVTAP" query drops "point $R2A:in" --store "$STORE" --json >"$TMP/pt.out" 2>"$TMP/pt.err"
assert_eq "query drops 'point ...' never matches a drop (exit 0, no rows)" "0 0" "$? $(grep -c . "$TMP/pt.out")"
python3 - "$TMP/status-loaded.json" >"$TMP/dstats" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["drops"]
print(d["seen"] == d["skipped"] + d["recorded"] + d["ring_drops"], d["ring_drops"], d["recorded"] >= 10)
EOF
assert_eq "drop counters: seen = not-drops + recorded + ring drops, no ring drops, >= 10 recorded" \
	"True 0 True" "$(cat "$TMP/dstats")"

"$PROVTAP" probe unload --all >"$TMP/unload.out" 2>&1 || fail "probe unload --all failed: $(cat "$TMP/unload.out")"
# the raw_tp fallback variant, forced: it sees the same drops
probe_load --drops --drop-variant drop-raw
assert_eq "status shows the forced drop-raw variant" drop-raw \
	"$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["drops"]["variant"])')"
raw_id=$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["drops"]["prog_id"])')
check "drop-raw is a new program (id $raw_id, not $prog_id) in the kernel" \
	bash -c "[ '$raw_id' != '$prog_id' ] && bpftool prog show id '$raw_id' >/dev/null"
traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port 9000 --count 40 --size 100 --rate 1000 >/dev/null ||
	die "udp-send failed"
check "drop-raw recorded the 2 netfilter drops of 40 datagrams (and maybe others)" \
	test "$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["drops"]["recorded"])')" -ge 2
"$PROVTAP" probe unload --all >/dev/null 2>&1 || fail "probe unload --all (drop-raw) failed"

prog_gone() { ! bpftool prog show id "$raw_id" >/dev/null 2>&1; }
# the kernel frees a detached program after an RCU grace period: poll
check "unload --all removed the drop-raw program (id $raw_id)" wait_for 10 "program $raw_id freed" prog_gone
check "unload --all removed the pin dir" not test -e "$PROVTAP_PIN_DIR"

# a variant the feature probe allows but the kernel refuses (PROVTAP_FAULT_REFUSE stands in for
# the refusal): the automatic pick falls to the next variant and says so; a forced one fails whole
PROVTAP_FAULT_REFUSE=drop-btf probe_load --drops
assert_eq "drop-btf refused: the next variant, drop-raw, is loaded" drop-raw \
	"$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["drops"]["variant"])')"
check "load warns that drop-btf was refused and names the next one" \
	grep -q "warning: drop probe: the kernel refused variant drop-btf; trying drop-raw$" "$TMP/load.out"
"$PROVTAP" probe unload --all >/dev/null 2>&1 || fail "probe unload --all (drop-btf refused) failed"
PROVTAP_FAULT_REFUSE=drop-btf "$PROVTAP" probe load --drops --drop-variant drop-btf >"$TMP/forced.out" 2>&1
assert_eq "--drop-variant drop-btf refused: exit 1, the kernel's refusal named" \
	"1 1" "$? $(grep -c "error: drop probe: the kernel rejected program pt_drop_btf (variant drop-btf): Permission denied (PROVTAP_FAULT_REFUSE)" "$TMP/forced.out")"
assert_eq "the refused forced load left no drop probe loaded, nothing pinned" "False False" \
	"$(status_json | python3 -c 'import json,sys; print(bool(json.load(sys.stdin).get("drops",{}).get("loaded")))') $(test -e "$PROVTAP_PIN_DIR/links/drop" && echo True || echo False)"

# --- drop records the ring could not take are stored as LOSS records, once ----------------------
# A 1 MiB ring, the collector stopped (SIGSTOP) while 30000 datagrams to a port nobody listens on
# are dropped at the server (and every 20th at r2): the drop probe's records overflow the ring.
# The collector, continued, stores a LOSS record of the drop probe (point "drop-probe") for exactly
# the ring drops status counts; a second collector on the same store does not count them again.
STORE_MAIN=$STORE
STORE=$TMP/store-loss
probe_load --drops --ring-mb 1
collector_start
kill -STOP "$COLLECTOR_PID"
traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port 9100 --count 30000 --size 64 >/dev/null ||
	{ kill -CONT "$COLLECTOR_PID"; die "udp-send failed"; }
kill -CONT "$COLLECTOR_PID"
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
# counted once the ring is empty again (later drops fit)
lost=$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["drops"]["ring_drops"])')
log "drop records lost to the full ring: $lost"
check "the flood overflowed the 1 MiB ring (ring drops > 0)" test "${lost:-0}" -gt 0
collector_stop
# a second collector on the same store, the drop probe still loaded: it knows what was stored
collector_start
"$PROVTAP" probe unload --drops >/dev/null 2>&1 || fail "probe unload --drops failed"
collector_stop
loss_sum() {
	"$PROVTAP" store dump --store "$STORE" --json 2>/dev/null | python3 -c '
import json, sys
n = k = 0
for l in sys.stdin:
    r = json.loads(l)
    if r.get("type") == "loss" and r["point_id"] == 65535 and r["point"] == "drop-probe":
        n += r["lost"]; k += 1
print(n, k > 0)'
}
assert_eq "the store has drop-probe LOSS records for every lost drop record" "$lost True" "$(loss_sum)"
"$PROVTAP" store count --store "$STORE" >"$TMP/count-loss.txt" 2>&1
assert_eq "store count shows them on a drop-probe row" "65535 drop-probe - - $lost" \
	"$(awk '$2 == "drop-probe" { print $1, $2, $3, $4, $5 }' "$TMP/count-loss.txt")"
"$PROVTAP" query drops --store "$STORE" >"$TMP/qd-loss.txt" 2>&1
check "query drops says the answer is incomplete by the lost records" \
	grep -q "incomplete: $lost record(s) of matching or other probes were lost" "$TMP/qd-loss.txt"
check "the collector's log warned about them" grep -q "drop probe: the kernel dropped .* drop record(s), ring buffer full ($lost in all)" "$COLLECT_LOG"
STORE=$STORE_MAIN
