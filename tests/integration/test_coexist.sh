#!/bin/bash
# test_coexist: provtap leaves other people's tc filters, clsact qdiscs and XDP programs alone,
# removes only what it made, and refuses to replace an XDP program it did not attach.
source "$(dirname "$0")/lib.sh"

require_bpf
testbed_up
probes_cleanup_on_exit

pt_prog_ids() {
	bpftool prog show 2>/dev/null | sed -n 's/^\([0-9]*\): .* name \(pt_[^ ]*\) .*/\1/p' | sort -n
}
has_clsact() { nsx "$1" tc qdisc show dev "$2" | grep -q clsact; }
filters() { nsx "$1" tc filter show dev "$2" "$3" 2>/dev/null; }
xdp_prog_name() { nsx "$1" ip -d link show dev "$2" | sed -n 's/.*prog\/xdp id [0-9]* name \([^ ]*\).*/\1/p'; }
prog_gone() { ! bpftool prog show id "$1" >/dev/null 2>&1; }

before=$(pt_prog_ids | tr '\n' ' ')
X=$VETH_R1A	# has a foreign clsact + filter before we come
Y=$VETH_R1B	# has nothing before we come
nsx "$NS_R1" tc qdisc add dev "$X" clsact || die "cannot add clsact on $X"
# matchall if the kernel has it, else u32 matching everything (this kernel: no matchall, no gact)
if nsx "$NS_R1" tc filter add dev "$X" ingress prio 7 handle 1 matchall action pass 2>/dev/null; then
	KIND=matchall
else
	nsx "$NS_R1" tc filter add dev "$X" ingress prio 7 u32 match u32 0 0 classid 1:1 ||
		die "cannot add a foreign tc filter (matchall or u32) on $X"
	KIND=u32
fi
log "foreign filter on $X ingress: prio 7 $KIND"

# --- tc -----------------------------------------------------------------------------
probe_load --iface "$X@$NS_R1:both" --iface "$Y@$NS_R1:both"
assert_eq "4 points loaded" 4 "$(status_npoints)"
assert_eq "$X@$NS_R1:in: clsact was there, not created by us" False \
	"$(status_get "$X@$NS_R1:in" qdisc_created)"
ours=$(status_json | python3 -c 'import json,sys; print(" ".join(str(p["prog_id"]) for p in json.load(sys.stdin)["points"]))')
log "our program ids: $ours"
check "foreign $KIND filter still on $X ingress while we run" bash -c "ip netns exec '$NS_R1' tc filter show dev '$X' ingress | grep -q 'pref 7 $KIND'"
check "our bpf filter on $X ingress next to it" bash -c "ip netns exec '$NS_R1' tc filter show dev '$X' ingress | grep -q bpf"
nsx "$NS_CLIENT" ping -c2 -i0.2 -W1 -q "$SERVER_IP" >/dev/null
check "traffic still flows through $X with both filters" [ $? -eq 0 ]

# Unloading one direction keeps the clsact we created: the other direction still uses it.
"$PROVTAP" probe unload --iface "$Y@$NS_R1:in" >"$TMP/unload1.out" 2>&1
check "unload one direction of $Y exits 0" [ $? -eq 0 ]
check "$Y keeps the clsact while our egress filter uses it" has_clsact "$NS_R1" "$Y"
check "$Y egress filter still there" bash -c "ip netns exec '$NS_R1' tc filter show dev '$Y' egress | grep -q bpf"

"$PROVTAP" probe unload --all >"$TMP/unload.out" 2>&1
rc=$?
sed 's/^/        unload| /' "$TMP/unload.out"
assert_eq "probe unload --all exit status" 0 $rc
check "$X: foreign clsact qdisc still there" has_clsact "$NS_R1" "$X"
check "$X: foreign $KIND prio 7 filter still there" bash -c \
	"ip netns exec '$NS_R1' tc filter show dev '$X' ingress | grep -q 'pref 7 $KIND'"
check "$X: no bpf filter of ours left (ingress, egress)" bash -c \
	"! ip netns exec '$NS_R1' tc filter show dev '$X' ingress | grep -q bpf && ! ip netns exec '$NS_R1' tc filter show dev '$X' egress | grep -q bpf"
check "$Y: the clsact we created is gone" not has_clsact "$NS_R1" "$Y"
check "$Y: no filters left" [ -z "$(filters "$NS_R1" "$Y" ingress)$(filters "$NS_R1" "$Y" egress)" ]
for id in $ours; do
	wait_for 5 "program $id freed" prog_gone "$id"
	check "our program id $id is gone" prog_gone "$id"
done
after=$(pt_prog_ids | tr '\n' ' ')
new=$(comm -13 <(tr ' ' '\n' <<<"$before" | sort) <(tr ' ' '\n' <<<"$after" | sort) | tr '\n' ' ')
assert_eq "no pt_* program left beyond those present before the test [$before]" "" "${new% }"
check "pin dir $PROVTAP_PIN_DIR removed" [ ! -e "$PROVTAP_PIN_DIR" ]

# --- XDP ----------------------------------------------------------------------------
Z=$VETH_R2A	# gets a foreign XDP program
W=$VETH_R2B	# gets ours
if command -v clang >/dev/null; then
	cat >"$TMP/foreign.c" <<-'EOF'
	__attribute__((section("xdp"), used)) int foreign_pass(void *ctx) { return 2; /* XDP_PASS */ }
	char _license[] __attribute__((section("license"), used)) = "GPL";
	EOF
	if clang -O2 -target bpf -c "$TMP/foreign.c" -o "$TMP/foreign.o" &&
		nsx "$NS_R2" ip link set dev "$Z" xdpgeneric obj "$TMP/foreign.o" sec xdp; then
		"$PROVTAP" probe load --xdp "$Z@$NS_R2" >"$TMP/xdp1.out" 2>&1
		assert_eq "load --xdp on an interface with a foreign XDP program: exit status" 1 $?
		assert_contains "  ... with a message naming the other program" "XDP.*(already|attached|refus)" "$TMP/xdp1.out"
		assert_eq "foreign XDP program still attached to $Z" foreign_pass "$(xdp_prog_name "$NS_R2" "$Z")"
		assert_eq "no points after the refused load" 0 "$(status_npoints)"
		# All or nothing: a good tc point in the same command is undone.
		"$PROVTAP" probe load --iface "$Y@$NS_R1:both" --xdp "$Z@$NS_R2" >"$TMP/xdp2.out" 2>&1
		assert_eq "load --iface GOOD --xdp FOREIGN: exit status" 1 $?
		assert_eq "  ... no points left" 0 "$(status_npoints)"
		check "  ... no clsact left on $Y" not has_clsact "$NS_R1" "$Y"
		nsx "$NS_R2" ip link set dev "$Z" xdpgeneric off
	else
		fail "could not attach a foreign XDP program with clang + ip link (the foreign XDP case did not run)"
	fi
else
	fail "no clang (a build dependency): the foreign XDP case did not run"
fi

probe_load --xdp "$W@$NS_R2"
assert_eq "our XDP probe on $W" pt_xdp "$(xdp_prog_name "$NS_R2" "$W" | cut -c1-6)"
"$PROVTAP" probe load --xdp "$W@$NS_R2" >"$TMP/xdp3.out" 2>&1
assert_eq "second load --xdp on the same interface (same pin dir): exit status" 1 $?
assert_contains "  ... says it is already loaded" "already" "$TMP/xdp3.out"
other_pins=/sys/fs/bpf/provtap-test-$$-other
on_exit "PROVTAP_PIN_DIR='$other_pins' '$PROVTAP' probe unload --all; rm -rf '$other_pins'"
PROVTAP_PIN_DIR=$other_pins "$PROVTAP" probe load --xdp "$W@$NS_R2" >"$TMP/xdp4.out" 2>&1
assert_eq "another provtap instance (other pin dir) loading --xdp on $W: exit status" 1 $?
assert_contains "  ... refuses to replace it, with a message" "XDP.*(already|attached|refus)" "$TMP/xdp4.out"
PROVTAP_PIN_DIR=$other_pins "$PROVTAP" probe unload --all >/dev/null 2>&1
assert_eq "  ... our XDP program still attached" pt_xdp "$(xdp_prog_name "$NS_R2" "$W" | cut -c1-6)"
"$PROVTAP" probe unload --all >"$TMP/unload2.out" 2>&1
assert_eq "unload --all with XDP: exit status" 0 $?
wait_for 5 "XDP detached from $W" bash -c "[ -z \"\$(ip netns exec '$NS_R2' ip -d link show dev '$W' | grep prog/xdp)\" ]"
assert_eq "no XDP program left on $W" "" "$(xdp_prog_name "$NS_R2" "$W")"
check "pin dir removed after XDP unload" [ ! -e "$PROVTAP_PIN_DIR" ]
