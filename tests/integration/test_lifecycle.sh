#!/bin/bash
# test_lifecycle: the edges of loading, unloading and collecting that a review found broken:
# hook-aware unload, one collector per set of probes, --socket never replaces a file, point ids
# reused apart in the store, unload of a renamed interface, --user, tail when the collector goes.
source "$(dirname "$0")/lib.sh"

require_bpf
testbed_up
probes_cleanup_on_exit

# send_udp N PORT: exactly N datagrams client -> server, received by a sink.
send_udp() {
	local n=$1 port=$2
	ip netns exec "$NS_SERVER" python3 "$TRAFFIC" udp-sink --port "$port" --count "$n" --idle 3 --timeout 20 \
		>"$TMP/sink.json" &
	local sink=$!
	traffic "$NS_SERVER" ready --port "$port" >/dev/null || die "UDP sink did not start"
	traffic "$NS_CLIENT" udp-send --dst "$SERVER_IP" --port "$port" --count "$n" --size 64 --rate 1000 \
		>/dev/null || die "udp-send failed"
	wait $sink
}

# --- unload matches the hook ------------------------------------------------------------
probe_load --iface "$VETH_C@$NS_CLIENT:both" --xdp "$VETH_R1A@$NS_R1"
assert_eq "3 points: client tc in/out + r1a xdp" 3 "$(status_npoints)"
check "unload --xdp on a tc-only interface matches nothing (exit 1)" \
	not "$PROVTAP" probe unload --xdp "$VETH_C@$NS_CLIENT"
assert_eq "  ... the tc points are still there" 3 "$(status_npoints)"
check "unload --iface on an XDP-only interface matches nothing (exit 1)" \
	not "$PROVTAP" probe unload --iface "$VETH_R1A@$NS_R1:in"
check "unload --xdp removes the XDP point" "$PROVTAP" probe unload --xdp "$VETH_R1A@$NS_R1"
assert_eq "  ... and only it" 2 "$(status_npoints)"
check "no XDP program left on r1a" not sh -c "ip -n '$NS_R1' link show '$VETH_R1A' | grep -q xdp"

# --- one collector per set of probes; --socket never replaces a file ----------------------
collector_start
out=$TMP/second.out
"$PROVTAP" collect --store "$TMP/store2" --socket "$TMP/second.sock" >"$out" 2>&1
assert_eq "a second collector on the same probes is refused (exit)" 1 "$?"
assert_contains "  ... naming the first one's pid" "another collector \\(pid $COLLECTOR_PID\\)" "$out"
check "  ... and it left no store directory" test ! -e "$TMP/store2"
echo precious >"$TMP/precious.txt"
PROVTAP_PIN_DIR=$PROVTAP_PIN_DIR-other "$PROVTAP" collect --store "$TMP/store3" --socket "$TMP/precious.txt" \
	>"$out" 2>&1
assert_contains "--socket on a regular file is refused" "is not a socket" "$out"
assert_eq "  ... and the file is untouched" precious "$(cat "$TMP/precious.txt")"

# --- a freed point id is not reused at once; the store keeps points apart ---------------------
send_udp 5 9000
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
check "unload the client points" "$PROVTAP" probe unload --iface "$VETH_C@$NS_CLIENT"
probe_load --iface "$VETH_S@$NS_SERVER:in"
newid=$(status_get "$VETH_S@$NS_SERVER:in" id)
check "the new point did not take a just-freed id (0, 1 or 2): got $newid" test "$newid" -gt 2
send_udp 3 9000
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
collector_stop
store_count 'udp and port 9000' >"$TMP/count"
sed 's/^/        count| /' "$TMP/count"
assert_eq "client:out has its 5" 5 "$(count_at "$TMP/count" "$VETH_C@$NS_CLIENT:out")"
assert_eq "server:in has its 3" 3 "$(count_at "$TMP/count" "$VETH_S@$NS_SERVER:in")"

# --- tail exits 1 when the collector goes away ------------------------------------------
collector_start
"$PROVTAP" tail --socket "$SOCK" >"$TMP/tail.out" 2>&1 &
tailpid=$!
on_exit "kill $tailpid"
# streaming = blocked in read(2) of a record header (not the 1-byte handshake reads)
tail_streaming() {
	local sc
	sc=$(cat "/proc/$tailpid/syscall" 2>/dev/null) || return 1
	set -- $sc
	[ "$1" = 0 ] && [ "$4" != 0x1 ]
}
wait_for 10 "tail streaming" tail_streaming
collector_stop
wait $tailpid
rc=$?
assert_eq "tail exits 1 when the collector stops" 1 "$rc"
assert_contains "  ... saying so" "collector closed the stream" "$TMP/tail.out"

# --- unload of a renamed interface still detaches our filter ------------------------------
probe_load --iface "$VETH_R2A@$NS_R2:both"
nsx "$NS_R2" ip link set "$VETH_R2A" name "${PREFIX}ren"
check "unload of the renamed interface's point succeeds" "$PROVTAP" probe unload --iface "$VETH_R2A@$NS_R2"
check "  ... no bpf filter left on it" not sh -c "ip netns exec '$NS_R2' tc filter show dev '${PREFIX}ren' ingress | grep -q bpf"
check "  ... and no clsact" not sh -c "ip netns exec '$NS_R2' tc qdisc show dev '${PREFIX}ren' | grep -q clsact"
nsx "$NS_R2" ip link set "${PREFIX}ren" name "$VETH_R2A"

# --- --user: refused before probes exist elsewhere; collects exactly with them -------------
out=$TMP/user.out
PROVTAP_PIN_DIR=$PROVTAP_PIN_DIR-none "$PROVTAP" collect --store "$TMP/ustore0" --socket "$TMP/u0.sock" \
	--user nobody >"$out" 2>&1
assert_contains "--user with no probes loaded is refused" "load the probes before" "$out"
probe_load --iface "$VETH_R1B@$NS_R1:out"
STORE=$TMP/ustore
COLLECTOR_PID=$("$PROVTAP" collect --store "$STORE" --socket "$TMP/u.sock" --user nobody --log "$TMP/u.log" --daemon)
on_exit "kill -9 $COLLECTOR_PID"
assert_eq "the collector runs as nobody" nobody "$(ps -o user= -p "$COLLECTOR_PID" | tr -d ' ')"
assert_eq "  ... with only CAP_BPF" 0000008000000000 "$(awk '/^CapEff/ {print $2}' /proc/"$COLLECTOR_PID"/status)"
send_udp 20 9001
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
collector_stop
store_count 'udp and port 9001' >"$TMP/ucount"
assert_eq "  ... and stores all 20 at r1b:out" 20 "$(count_at "$TMP/ucount" "$VETH_R1B@$NS_R1:out")"
check "  ... in files it owns" test "$(stat -c %U "$STORE"/seg-*.pta | sort -u)" = nobody

# --- the store directory removed under a running collector ---------------------------------
# It stops, saying why (appends would go on into files no one can reach, their ring positions
# counted as stored); what the probes record meanwhile waits in the ring for the next collector.
STORE=$TMP/gonestore
COLLECT_LOG=$TMP/gone.log
collector_start
send_udp 20 9002
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
gone_pid=$COLLECTOR_PID
rm -rf "$STORE"
wait_for 5 "the collector stops once its store directory is removed" pid_gone "$gone_pid" ||
	fail "collector $gone_pid still runs 5 s after its store was removed"
assert_contains "  ... saying why" "store directory $STORE was removed while collecting" "$COLLECT_LOG"
send_udp 20 9003
COLLECT_LOG=$TMP/gone2.log
collector_start
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
collector_stop
store_count 'udp and port 9003' >"$TMP/gcount"
assert_eq "  ... the 20 datagrams recorded meanwhile are stored by the next collector" 20 \
	"$(count_at "$TMP/gcount" "$VETH_R1B@$NS_R1:out")"
