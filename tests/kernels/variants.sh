#!/bin/sh
# variants.sh — the program variant matrix on the running kernel: every variant of the loader's
# table (loader/features.c), forced one at a time on a namespace chain, with exactly known
# traffic. POSIX sh: it runs in the test-kernels guest (busybox) and on the host.
#
# usage: tests/kernels/variants.sh VARIANTS_LIST
#   VARIANTS_LIST  "NAME HOOK" per line (hook tc, xdp or drop), as mkinitramfs.sh and run.sh
#                  extract it from loader/features.c
#   env: PROVTAP, GEN (ptgen), PFX (names; default kv<pid>), WORK (default: a temp dir)
# Per variant:
#   tc, xdp hooks: `probe load --variant NAME` on b0@b (tc: ingress) with the in-kernel filter
#     'udp and port P' (P distinct per variant); 20 datagrams a -> b; events = the point's
#     recorded counter, which must be exactly 20.
#   drop hook: `probe load --drops --drop-variant NAME` while r drops every UDP datagram to
#     port P in its forward hook; 10 datagrams; events = drops with reason NETFILTER_DROP that a
#     collector stored for port P (`query drops`), which must be exactly 10, all with r's netns,
#     device ra, and the freeing location the other drop variants recorded.
#   proc hook: `probe load --procs --proc-variant NAME --comm ptgen --content 64`; 20 datagrams
#     a -> b as above; events = DATA records a collector stored for port P: ptgen's sendto calls
#     (each 64 bytes, content captured), which must be exactly 20, and as many recvfrom.
#   send hook: `probe load --procs --send-variant NAME --comm ptgen --content 64`; one TCP
#     connection a -> b of 20 writes of 1000 bytes; events = those writes stored with the flag
#     the variant gives (seq_locked for send-tp, send-fentry and send-kprobe: sequence read
#     under the socket lock; none for send-syscall), which must be exactly 20.
#   A variant the loader refuses because a feature it needs is missing ("this kernel cannot run
#   ...: missing F") is "not loaded" and no failure; so is a proc variant the kernel refuses
#   when the loader's own trial load refused it too (it picked another); any other refusal
#   (verifier, attach) fails.
#   The automatic choice per hook (no --variant) is recorded too.
# Output: one line per variant
#   MATRIX HOOK NAME KERNEL AUTO LOADED EVENTS/EXPECTED NOTE...
# (AUTO yes when the loader picks it without --variant; LOADED yes|no; NOTE: why not loaded),
# PASS/FAIL lines, and "variants: N passed, N failed"; exit 1 when a check failed.

here=$(cd "$(dirname "$0")" && pwd)
PROVTAP=${PROVTAP:-/provtap/provtap}
GEN=${GEN:-/provtap/ptgen}
PFX=${PFX:-kv$$}
[ $# -eq 1 ] && [ -s "$1" ] || { echo "usage: variants.sh VARIANTS_LIST" >&2; exit 2; }
OWN_WORK=
if [ -z "${WORK:-}" ]; then
	WORK=$(mktemp -d /tmp/provtap-variants.XXXXXX)
	OWN_WORK=1
fi
export PROVTAP_PIN_DIR=/sys/fs/bpf/provtap-$PFX
. "$here/lib.sh"

LIST=$1
KREL=$(uname -r)
N_PKT=20
N_DROP=10
STORE=$WORK/vstore

finish() {
	"$PROVTAP" probe unload --all >/dev/null 2>&1
	rm -rf "$PROVTAP_PIN_DIR"
	run_cleanups
	[ -z "$OWN_WORK" ] || rm -rf "$WORK"
	echo "variants: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}
trap finish EXIT
trap 'fail "interrupted"; exit 1' INT TERM

chain_up || { fail "variants: the namespace chain could not be set up"; exit 1; }
on_exit "nsx $NS_R nft delete table inet ${PFX}v"
nsx "$NS_R" nft -f - <<EOF || fail "variants: nft table for the drop rules"
table inet ${PFX}v {
	chain fw {
		type filter hook forward priority 0; policy accept;
	}
}
EOF
R_INO=$(stat -L -c %i "/var/run/netns/$NS_R")
RA_IDX=$(nsx "$NS_R" cat "/sys/class/net/$V_RA/ifindex")

# load_out ARGS...: provtap probe load ARGS; output in $WORK/load.out; its status.
load_out() { "$PROVTAP" probe load "$@" >"$WORK/load.out" 2>&1; }

# refused_by_feature: the failed load was the loader refusing the variant for a missing feature
# (before asking the kernel).
refused_by_feature() { grep -q "cannot run the .* probe: missing" "$WORK/load.out"; }

# why_not: the reason a load failed, one line.
why_not() {
	if refused_by_feature; then
		sed -n 's/.*cannot run the .* probe: \(missing .*\)/\1/p' "$WORK/load.out" | head -1
	else
		grep -i 'error' "$WORK/load.out" | head -1 | sed 's/^provtap: //'
	fi
}

# The maps (and a collector) stay for the whole run: a holder point on a0@a:out that matches
# nothing of ours; its variant is the automatic choice for tc.
if ! load_out --iface "$V_A@$NS_A:out" --filter 'udp and port 9199'; then
	indent "$WORK/load.out"
	fail "variants: the holder tc point could not be loaded"
	exit 1
fi
"$PROVTAP" probe status --json >"$WORK/st.json" 2>&1
AUTO_TC=$(status_point "$WORK/st.json" "$V_A@$NS_A:out" variant)
collector_start "$STORE" || { fail "variants: collector"; exit 1; }

# The automatic choice for xdp and drop: load without forcing, read status, unload.
AUTO_XDP=
if load_out --xdp "$V_B@$NS_B"; then
	"$PROVTAP" probe status --json >"$WORK/st.json" 2>&1
	AUTO_XDP=$(status_point "$WORK/st.json" "$V_B@$NS_B:in" variant)
	"$PROVTAP" probe unload --xdp "$V_B@$NS_B" >/dev/null 2>&1 || fail "variants: unload of the automatic xdp point"
fi
AUTO_DROP=
if load_out --drops; then
	"$PROVTAP" probe status --json >"$WORK/st.json" 2>&1
	AUTO_DROP=$(status_drops "$WORK/st.json" variant)
	"$PROVTAP" probe unload --drops >/dev/null 2>&1 || fail "variants: unload of the automatic drop probe"
fi
# status_procs FILE KEY: KEY of the proc probes' object (the last of status --json).
status_procs() { sed -n 's/.*"procs":{\(.*\)/{\1/p' "$1" | jget "$2"; }
AUTO_PROC=
if load_out --procs --comm ptgen; then
	"$PROVTAP" probe status --json >"$WORK/st.json" 2>&1
	AUTO_PROC=$(status_procs "$WORK/st.json" variant)
	AUTO_SEND=$(status_procs "$WORK/st.json" send_variant)
	"$PROVTAP" probe unload --procs >/dev/null 2>&1 || fail "variants: unload of the automatic proc probes"
fi
log "automatic choice on $KREL: tc ${AUTO_TC:-none}, xdp ${AUTO_XDP:-none}, drop ${AUTO_DROP:-none}, proc ${AUTO_PROC:-none}, send ${AUTO_SEND:-none}"

port=9101
ROWS=$WORK/rows
: >"$ROWS"
while read -r name hook; do
	[ -n "$name" ] || continue
	port=$((port + 1))
	case $hook in
	tc) spec="--iface $V_B@$NS_B:in" auto=$AUTO_TC ;;
	xdp) spec="--xdp $V_B@$NS_B" auto=$AUTO_XDP ;;
	drop) spec="--drops" auto=$AUTO_DROP ;;
	proc) spec="--procs" auto=$AUTO_PROC ;;
	send) spec="--procs" auto=$AUTO_SEND ;;
	*) fail "variants: unknown hook '$hook' of variant $name in $LIST"; continue ;;
	esac
	[ "$auto" = "$name" ] && auto=yes || auto=no
	if [ "$hook" = drop ]; then
		load_out --drops --drop-variant "$name"
	elif [ "$hook" = proc ]; then
		load_out --procs --proc-variant "$name" --comm ptgen --content 64
	elif [ "$hook" = send ]; then
		load_out --procs --send-variant "$name" --comm ptgen --content 64
	else
		# shellcheck disable=SC2086 # spec is two words
		load_out $spec --variant "$name" --filter "udp and port $port"
	fi
	if [ $? -ne 0 ]; then
		note=$(why_not)
		if refused_by_feature; then
			pass "$name: not loaded on $KREL, refused by feature probe ($note)"
		elif [ "$hook" = proc ] && [ -n "$AUTO_PROC" ] && [ "$auto" = no ]; then
			note="the kernel refuses it; the loader's trial load picks $AUTO_PROC"
			pass "$name: not loaded on $KREL ($note)"
		else
			fail "$name: the loader chose it but the kernel refused it ($note)"
			indent "$WORK/load.out"
		fi
		echo "$hook $name $port no $auto $note" >>"$ROWS"
		continue
	fi
	"$PROVTAP" probe status --json >"$WORK/st.json" 2>&1
	if [ "$hook" = drop ]; then
		shown=$(status_drops "$WORK/st.json" variant)
		nsx "$NS_R" nft add rule inet "${PFX}v" fw udp dport "$port" drop ||
			fail "$name: nft drop rule for port $port"
		udp_run "$port" "$N_DROP" 64 0 >/dev/null 2>&1 || true
		"$PROVTAP" probe unload --drops >"$WORK/unload.out" 2>&1 ||
			{ fail "$name: probe unload --drops"; indent "$WORK/unload.out"; }
	elif [ "$hook" = send ]; then
		shown=$(status_procs "$WORK/st.json" send_variant)
		tcp_run "$port" 20000 1000 || fail "$name: TCP traffic to port $port"
		wait_for 20 "proc ring drained" backlog_zero || fail "$name: the proc ring did not drain"
		"$PROVTAP" probe unload --procs >"$WORK/unload.out" 2>&1 ||
			{ fail "$name: probe unload --procs"; indent "$WORK/unload.out"; }
	elif [ "$hook" = proc ]; then
		shown=$(status_procs "$WORK/st.json" variant)
		udp_run "$port" "$N_PKT" 64 "$N_PKT" || fail "$name: traffic to port $port"
		# the records are in the store before the ring goes (the collector holds it anyway)
		wait_for 20 "proc ring drained" backlog_zero || fail "$name: the proc ring did not drain"
		"$PROVTAP" probe unload --procs >"$WORK/unload.out" 2>&1 ||
			{ fail "$name: probe unload --procs"; indent "$WORK/unload.out"; }
	else
		shown=$(status_point "$WORK/st.json" "$V_B@$NS_B:in" variant)
		udp_run "$port" "$N_PKT" 64 "$N_PKT" || fail "$name: traffic to port $port"
		"$PROVTAP" probe status --json >"$WORK/st.json" 2>&1
		events=$(status_point "$WORK/st.json" "$V_B@$NS_B:in" recorded)
		# shellcheck disable=SC2086
		"$PROVTAP" probe unload $spec >"$WORK/unload.out" 2>&1 ||
			{ fail "$name: probe unload $spec"; indent "$WORK/unload.out"; }
		assert_eq "$name: datagrams recorded at $V_B@$NS_B:in (port $port)" "$N_PKT" "$events"
	fi
	assert_eq "$name: probe status shows the forced variant" "$name" "$shown"
	echo "$hook $name $port yes $auto ${events:-}" >>"$ROWS"
	events=
done <"$LIST"

# The drops, from the store: exactly N_DROP per drop variant that loaded, all alike.
wait_for 20 "rings drained" backlog_zero || fail "variants: the ring buffer did not drain"
collector_stop || fail "variants: the collector did not stop"
loc_ref=
while read -r hook name port loaded auto rest; do
	events=$rest
	if [ "$hook" = drop ] && [ "$loaded" = yes ]; then
		"$PROVTAP" query drops "udp and port $port" --store "$STORE" --json >"$WORK/drops.json" 2>"$WORK/drops.err"
		events=$(grep -c . "$WORK/drops.json")
		assert_eq "$name: drops stored for port $port" "$N_DROP" "$events"
		assert_eq "$name: every one NETFILTER_DROP in r's netns ($R_INO) on ra (ifindex $RA_IDX)" \
			"$events $events $events" "$(jsel reason NETFILTER_DROP "$WORK/drops.json" | grep -c .) $(jsel \
				netns_ino "$R_INO" "$WORK/drops.json" | grep -c .) $(jsel ifindex "$RA_IDX" "$WORK/drops.json" | grep -c .)"
		loc=$(jget location "$WORK/drops.json" | sort -u | tr '\n' ' ')
		[ -n "$loc_ref" ] || loc_ref=$loc
		assert_eq "$name: freeing location (as the first drop variant saw it)" "$loc_ref" "$loc"
	fi
	if [ "$hook" = send ] && [ "$loaded" = yes ]; then
		"$PROVTAP" store dump --store "$STORE" --json "proc and port $port" >"$WORK/pd.json" 2>"$WORK/pd.err"
		jsel type data "$WORK/pd.json" | jsel call write | jsel size 1000 >"$WORK/pdw.json"
		if [ "$name" = send-syscall ]; then
			events=$(grep -vc '"seq_locked"' "$WORK/pdw.json")
			what="without seq_locked"
		else
			events=$(grep -c '"seq_locked"' "$WORK/pdw.json")
			what="marked seq_locked"
		fi
		assert_eq "$name: the sender's 20 writes of 1000 bytes to port $port, $what" "$N_PKT" "$events"
	fi
	if [ "$hook" = proc ] && [ "$loaded" = yes ]; then
		"$PROVTAP" store dump --store "$STORE" --json "proc and port $port" >"$WORK/pd.json" 2>"$WORK/pd.err"
		jsel type data "$WORK/pd.json" >"$WORK/pdd.json"
		events=$(jsel call sendto "$WORK/pdd.json" | jsel size 64 | jsel captured 64 | grep -c .)
		assert_eq "$name: ptgen's sendto calls to port $port stored, 64 bytes each with content" "$N_PKT" "$events"
		assert_eq "$name: and its recvfrom calls on port $port" "$N_PKT" \
			"$(jsel call recvfrom "$WORK/pdd.json" | jsel size 64 | grep -c .)"
	fi
	[ "$loaded" = yes ] && ev="$events/$([ "$hook" = drop ] && echo $N_DROP || echo $N_PKT)" || ev=-
	note=$([ "$loaded" = yes ] || echo "$rest")
	echo "MATRIX $hook $name $KREL $auto $loaded $ev ${note:-}" >>"$WORK/matrix"
done <"$ROWS"
cat "$WORK/matrix"
