#!/bin/bash
# test_errors: bad input fails with a non-zero exit and a clear message, and leaves nothing attached.
source "$(dirname "$0")/lib.sh"

require_bpf
testbed_up
probes_cleanup_on_exit

# expect_fail DESC REGEX CMD...: CMD exits non-zero, says something matching REGEX,
# and afterwards no capture point is loaded and no clsact is left on the client veth.
n=0
expect_fail() {
	local desc=$1 re=$2 out rc
	shift 2
	n=$((n + 1))
	out=$TMP/err$n.out
	"$@" >"$out" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then pass "$desc: exit $rc"; else fail "$desc: exit 0"; fi
	assert_contains "  ... message matches /$re/" "$re" "$out"
	sed 's/^/        | /' "$out" | head -4
	assert_eq "  ... no capture points after it" 0 "$(status_npoints)"
}
no_clsact() { ! nsx "$1" tc qdisc show dev "$2" | grep -q clsact; }

expect_fail "unknown interface" "no interface 'nosuch0'" \
	"$PROVTAP" probe load --iface "nosuch0@$NS_R1:both"
expect_fail "unknown network namespace" "nosuchns" \
	"$PROVTAP" probe load --iface "$VETH_C@${PREFIX}nosuchns:both"
expect_fail "malformed filter (with its position)" "position [0-9]+" \
	"$PROVTAP" probe load --iface "$VETH_C@$NS_CLIENT:both" --filter 'udp and port'
expect_fail "malformed filter, unbalanced parenthesis" "position [0-9]+" \
	"$PROVTAP" probe load --iface "$VETH_C@$NS_CLIENT:both" --filter '(udp or tcp'
expect_fail "--snaplen 300" "snaplen" \
	"$PROVTAP" probe load --iface "$VETH_C@$NS_CLIENT:both" --snaplen 300
expect_fail "bad direction in a capture point" "direction" \
	"$PROVTAP" probe load --iface "$VETH_C@$NS_CLIENT:sideways"
# All or nothing: the first (good) point is undone when the second fails.
expect_fail "good point + unknown interface in one load" "no interface 'nosuch0'" \
	"$PROVTAP" probe load --iface "$VETH_C@$NS_CLIENT:both" --iface "nosuch0@$NS_R1:in"
check "  ... no clsact left on $VETH_C by the undone point" no_clsact "$NS_CLIENT" "$VETH_C"
expect_fail "store count with a malformed filter" "position [0-9]+" \
	"$PROVTAP" store count --store "$TMP" 'port 99999 and'

# Collector errors, with probes loaded (the collector needs them to start at all).
probe_load --iface "$VETH_C@$NS_CLIENT:both"
collector_start
"$PROVTAP" collect --store "$STORE" --socket "$TMP/second.sock" --log "$TMP/second.log" --daemon \
	>"$TMP/second.out" 2>&1
rc=$?
pid2=$(grep -E '^[0-9]+$' "$TMP/second.out" | head -1)
[ -n "$pid2" ] && on_exit "kill -9 $pid2"
cat "$TMP/second.log" >>"$TMP/second.out" 2>/dev/null
check "second collector on the same store: exit non-zero (got $rc)" [ $rc -ne 0 ]
assert_contains "  ... with a clear message (store in use / locked)" "(in use|locked|already|another)" "$TMP/second.out"
sed "s/^/        | /" "$TMP/second.out" | head -3
check "  ... the first collector keeps running" not pid_gone "$COLLECTOR_PID"
collector_stop

touch "$TMP/afile"
"$PROVTAP" collect --store "$TMP/afile" --socket "$TMP/third.sock" --log "$TMP/third.log" --daemon \
	>"$TMP/third.out" 2>&1
rc=$?
pid3=$(grep -E '^[0-9]+$' "$TMP/third.out" | head -1)
[ -n "$pid3" ] && on_exit "kill -9 $pid3"
cat "$TMP/third.log" >>"$TMP/third.out" 2>/dev/null
check "collector with --store naming a file: exit non-zero (got $rc)" [ $rc -ne 0 ]
assert_contains "  ... with a clear message" "(not a directory|afile)" "$TMP/third.out"
sed 's/^/        | /' "$TMP/third.out" | head -3

# probes of another provtap version: pinned maps of another layout (what a newer or older build
# leaves loaded) are refused by name, never read into this build's smaller structs
OTHER=/sys/fs/bpf/provtap-other-$$
on_exit "rm -rf '$OTHER'"
mkdir -p "$OTHER/proc"
bpftool map create "$OTHER/proc/pt_pring" type ringbuf key 0 value 0 entries 4096 name pt_pring &&
	bpftool map create "$OTHER/proc/pt_pcfg" type array key 4 value 512 entries 1 name pt_pcfg &&
	bpftool map create "$OTHER/proc/pt_pstats" type percpu_array key 4 value 8 entries 8 name pt_pstats &&
	bpftool map create "$OTHER/pt_ring" type ringbuf key 0 value 0 entries 4096 name pt_ring &&
	bpftool map create "$OTHER/pt_stats" type percpu_array key 4 value 8 entries 8 name pt_stats ||
	fail "bpftool map create (the other version's pins)"
PROVTAP_PIN_DIR=$OTHER "$PROVTAP" probe status >"$TMP/other.out" 2>&1
rc=$?
sed 's/^/        | /' "$TMP/other.out" | head -4
assert_eq "probes of another version: status exits 1" 1 "$rc"
assert_contains "  ... names the map and both layouts" \
	"map $OTHER/pt_stats is not of this provtap's layout \(type 6, key 4, value 8 bytes; this provtap's: type 6, key 4, value [0-9]+\): the probes were loaded by another provtap version" \
	"$TMP/other.out"
rm -f "$OTHER/pt_ring" "$OTHER/pt_stats"
PROVTAP_PIN_DIR=$OTHER "$PROVTAP" probe status --json >"$TMP/other.json" 2>"$TMP/other.err"
rc=$?
assert_eq "proc probes of another version: status --json exits 1" 1 "$rc"
assert_eq "  ... and says so in the procs object" \
	'"procs":{"loaded":true,"error":"loaded by another provtap version (its maps'"'"' layout is not this one'"'"'s)"}' \
	"$(grep -o '"procs":{[^}]*}' "$TMP/other.json")"
assert_contains "  ... names the map on stderr" "map $OTHER/proc/pt_pcfg is not of this provtap's layout" "$TMP/other.err"
PROVTAP_PIN_DIR=$OTHER "$PROVTAP" probe unload --all >"$TMP/other.unload" 2>&1
assert_eq "  ... unload --all removes them" "0 gone" "$? $([ -e "$OTHER" ] && echo left || echo gone)"

# The collector beside another version's probes of both families: it says so once per family
# (not once a second), reads neither, and keeps running; this version's packet probes loaded
# in their place later are read (so the ticks went on) while the foreign proc family stays unread.
mkdir -p "$OTHER/proc"
bpftool map create "$OTHER/proc/pt_pring" type ringbuf key 0 value 0 entries 4096 name pt_pring &&
	bpftool map create "$OTHER/proc/pt_pstats" type percpu_array key 4 value 8 entries 8 name pt_pstats &&
	bpftool map create "$OTHER/pt_ring" type ringbuf key 0 value 0 entries 4096 name pt_ring &&
	bpftool map create "$OTHER/pt_stats" type percpu_array key 4 value 8 entries 8 name pt_stats ||
	fail "bpftool map create (the other version's pins, for the collector)"
OLOG=$TMP/other.collect.log
opid=$(PROVTAP_PIN_DIR=$OTHER "$PROVTAP" collect --store "$TMP/ostore" --socket "$TMP/other.sock" \
	--log "$OLOG" --daemon 2>"$TMP/other.collect.err")
[[ "$opid" =~ ^[0-9]+$ ]] || die "collector beside another version's pins did not start: $(cat "$TMP/other.collect.err")"
on_exit "kill -9 $opid"
said() { grep -c "map $OTHER/$1 is not of this provtap's layout" "$OLOG"; }
wait_for 10 "the collector to name both families' maps" \
	bash -c "grep -q '$OTHER/pt_stats is not' '$OLOG' && grep -q '$OTHER/proc/pt_pstats is not' '$OLOG'" ||
	fail "the collector did not say the pinned maps are another version's"
rm -f "$OTHER/pt_ring" "$OTHER/pt_stats"
PROVTAP_PIN_DIR=$OTHER probe_load --iface "$VETH_C@$NS_CLIENT:out"
wait_for 10 "the collector to read this version's packet ring" grep -q "collecting from the packet ring" "$OLOG" ||
	fail "the collector did not take up this version's packet probes"
traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port 9005 --count 30 --size 100 --rate 1000 \
	>/dev/null || fail "udp-send failed"
# (status exits 1 here: the proc family is still the other version's)
other_drained() {
	PROVTAP_PIN_DIR=$OTHER "$PROVTAP" probe status --json >"$TMP/other.status" 2>/dev/null
	python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["ring_backlog_bytes"] != 0)' <"$TMP/other.status"
}
wait_for 10 "the packet ring drained" other_drained || fail "the packet ring did not drain"
assert_contains "  ... status: the proc family (no pt_pcfg pinned) has a map missing" \
	'"procs":\{"loaded":true,"error":"one of its pinned maps is missing' "$TMP/other.status"
check "  ... the collector is still running" not pid_gone "$opid"
collector_stop "$opid"
assert_eq "  ... another version's packet maps said once" 1 "$(said pt_stats)"
assert_eq "  ... another version's proc maps said once (tested every tick)" 1 "$(said proc/pt_pstats)"
assert_eq "  ... their proc ring never read" 0 "$(grep -c 'collecting from the proc ring' "$OLOG")"
STORE=$TMP/ostore store_count "udp and port 9005" >"$TMP/ocount"
assert_eq "  ... this version's probes read: 30 packets at $VETH_C out" \
	30 "$(count_at "$TMP/ocount" "$VETH_C@$NS_CLIENT:out")"
sed 's/^/        log| /' "$OLOG" | grep -v "capture point" | head -8
PROVTAP_PIN_DIR=$OTHER "$PROVTAP" probe unload --all >"$TMP/other.unload" 2>&1
assert_eq "  ... unload --all removes both" "0 gone" "$? $([ -e "$OTHER" ] && echo left || echo gone)"

"$PROVTAP" probe unload --all >/dev/null 2>&1
assert_eq "after unload --all: no points" 0 "$(status_npoints)"
check "after unload --all: no clsact left on $VETH_C" no_clsact "$NS_CLIENT" "$VETH_C"
