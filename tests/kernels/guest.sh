#!/bin/sh
# guest.sh — what `make test-kernels` runs inside the guest kernel (POSIX sh on busybox; the
# guest's /init runs it and powers off). Prints PASS/FAIL lines and ends with
#   kernel-MAJOR.MINOR: N passed, N failed
# which the host runner (run.sh) reads from the serial console; no such line = the run failed.
#   1. the kernel modules the run needs (insmod in /lib/modules/load.list order)
#   2. a reduced integration run on a namespace chain a - r - b (lib.sh):
#      - tc probes on both directions of every hop (8 points), the drop probe and the process
#        probes (--content, scope: comm ptgen), automatic variants; the loader's feature report
#        (probe status) agrees with what the kernel shows elsewhere (kprobe PMU, kallsyms, the
#        kfree_skb tracepoint's format)
#      - 50 UDP datagrams a -> b while r drops every 5th in its forward hook (nftables numgen):
#        exact counts per point from the store (50 50 40 40 on the way, none back), 10 drops
#        with reason NETFILTER_DROP in r's netns whose fingerprints are exactly the packets seen
#        at ra:in and never at rb:out, `query hops` with the 10 lost on hop ra:in -> rb:out
#      - one TCP connection a -> b carrying 20000 bytes: the same number of segments at every
#        point of each direction, 20000 payload bytes at each point of the forward direction
#      - the process records: the four ptgen execs with their argv, the connect/accept pair,
#        every datagram's content as sent and as received, the TCP stream's bytes as written
#        and as read, clean exits
#   3. the variant matrix (variants.sh): MATRIX lines for the host runner
#   4. every BPF program test binary (BPF_PROG_TEST_RUN with canned frames), each check counted,
#      each binary bounded by the time left before ptdeadline (below)
# Environment (all optional): PROVTAP, GEN, TESTS_DIR, VARIANTS_LIST, KMOD_DIR, and ptdeadline
# (seconds since boot; the kernel hands ptdeadline= from its command line to init).
# It also runs on the host (as root) for debugging: PROVTAP=build/provtap GEN=... sh guest.sh

here=$(cd "$(dirname "$0")" && pwd)
PROVTAP=${PROVTAP:-/provtap/provtap}
GEN=${GEN:-/provtap/ptgen}
TESTS_DIR=${TESTS_DIR:-/provtap/tests}
VARIANTS_LIST=${VARIANTS_LIST:-$here/variants.list}
KMOD_DIR=${KMOD_DIR:-/lib/modules}
PFX=kg$$
WORK=$(mktemp -d /tmp/provtap-guest.XXXXXX)
export PROVTAP_PIN_DIR=/sys/fs/bpf/provtap-$PFX
. "$here/lib.sh"

SUITE=kernel-$(uname -r | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
STORE=$WORK/store
N_UDP=50
EVERY=5
N_DROP=$((N_UDP / EVERY))
TCP_BYTES=20000
UDP_PORT=9000
TCP_PORT=9001
UDP_SIZE=100
DEADLINE=${ptdeadline:-0}

finish() {
	"$PROVTAP" probe unload --all >/dev/null 2>&1
	rm -rf "$PROVTAP_PIN_DIR"
	run_cleanups
	rm -rf "$WORK"
	echo "$SUITE: $T_PASS passed, $T_FAIL failed"
}
trap finish EXIT
trap 'fail "interrupted"; exit 1' INT TERM

echo "== $SUITE: $(uname -r), $(nproc) CPUs"

# --- 1. modules -----------------------------------------------------------------------------------
if [ -f "$KMOD_DIR/load.list" ]; then
	bad=
	while read -r m; do
		grep -q "^${m} " /proc/modules && continue
		insmod "$KMOD_DIR/$m.ko" >"$WORK/insmod.out" 2>&1 || { bad="$bad $m"; indent "$WORK/insmod.out"; }
	done <"$KMOD_DIR/load.list"
	assert_eq "kernel modules loaded ($(tr '\n' ' ' <"$KMOD_DIR/load.list"))" "" "$bad"
fi

# --- 2. integration -------------------------------------------------------------------------------
integration() {
	chain_up || { fail "the namespace chain a - r - b could not be set up"; return; }
	on_exit "nsx $NS_R nft delete table inet ${PFX}loss"
	nsx "$NS_R" nft -f - <<EOF || { fail "nftables: the drop rule in r"; return; }
table inet ${PFX}loss {
	chain fw {
		type filter hook forward priority 0; policy accept;
		udp dport $UDP_PORT numgen inc mod $EVERY 0 counter drop
	}
}
EOF
	FWD="$V_A@$NS_A:out $V_RA@$NS_R:in $V_RB@$NS_R:out $V_B@$NS_B:in"
	REV="$V_B@$NS_B:out $V_RB@$NS_R:in $V_RA@$NS_R:out $V_A@$NS_A:in"
	t0=$(now_ms)
	if ! "$PROVTAP" probe load --iface "$V_A@$NS_A" --iface "$V_RA@$NS_R" --iface "$V_RB@$NS_R" \
		--iface "$V_B@$NS_B" --drops --procs --content 4096 --comm ptgen >"$WORK/load.out" 2>&1; then
		indent "$WORK/load.out"
		fail "probe load of 8 tc points, the drop probe and the process probes"
		return
	fi
	pass "probe load: 8 tc points, drop probe, process probes ($(( ($(now_ms) - t0) / 1000 )) s)"
	on_exit "'$PROVTAP' probe unload --all"
	"$PROVTAP" probe status >"$WORK/status.txt" 2>&1
	sed -n '/^kernel features:/,/^$/p' "$WORK/status.txt" | sed '/^$/d; s/^/        /'
	"$PROVTAP" probe status --json >"$WORK/st.json" 2>&1
	feat() { grep -E "^  $1 +yes$" "$WORK/status.txt" >/dev/null && echo yes || echo no; }
	[ -e /sys/bus/event_source/devices/kprobe/type ] && want=yes || want=no
	assert_eq "feature report: kprobes as the kernel's kprobe PMU says" "$want" "$(feat kprobes)"
	grep -q ' [Tt] kfree_skb_reason$' /proc/kallsyms && want=yes || want=no
	assert_eq "feature report: kfree_skb_reason as /proc/kallsyms says" "$want" "$(feat kallsyms_kfree_skb_reason)"
	grep -q 'field:.* reason;' /sys/kernel/tracing/events/skb/kfree_skb/format && want=yes || want=no
	assert_eq "feature report: kfree_skb's reason as the tracepoint's format says" "$want" \
		"$(feat kfree_skb_tracepoint_reason)"
	v=$(status_points "$WORK/st.json" | jget variant | sort -u | tr '\n' ' ')
	assert_eq "probe status: the variant of all 8 tc points" "tc " "$v"
	dv=$(status_drops "$WORK/st.json" variant)
	check "probe status: the drop probe's variant ($dv)" test -n "$dv" -a "$dv" != "?"
	log "variants chosen: tc points $v; drop probe $dv; proc probes: tracepoints"

	collector_start "$STORE" || { fail "provtap collect --daemon"; return; }
	udp_run $UDP_PORT $N_UDP $UDP_SIZE $((N_UDP - N_DROP)) || fail "UDP traffic"
	assert_eq "UDP: the sink received $((N_UDP - N_DROP)) of $N_UDP" \
		"received $((N_UDP - N_DROP)) bytes $(( (N_UDP - N_DROP) * UDP_SIZE ))" "$UDP_GOT"
	tcp_run $TCP_PORT $TCP_BYTES 1000 || fail "TCP traffic"
	assert_eq "TCP: the server got every byte intact" "ok $TCP_BYTES" "$TCP_GOT"
	wait_for 30 "both rings drained" backlog_zero || fail "the collector did not drain the rings"
	"$PROVTAP" probe status --json >"$WORK/st.json" 2>&1
	collector_stop || fail "the collector did not stop on SIGTERM"

	# packets per point
	"$PROVTAP" store count --store "$STORE" "udp and port $UDP_PORT" --json >"$WORK/count.json" 2>&1
	got=
	for p in $FWD $REV; do
		n=$(jsel point "$p" "$WORK/count.json" | jget packets | head -1)
		got="$got ${n:-0}"
	done
	assert_eq "UDP packets per point, forward then reverse (store count)" \
		" $N_UDP $N_UDP $((N_UDP - N_DROP)) $((N_UDP - N_DROP)) 0 0 0 0" "$got"
	ring=$(status_points "$WORK/st.json" | jget ring_drops | sort -u | tr '\n' ' ')
	assert_eq "no packet record lost to the ring" "0 " "$ring"

	# drops
	"$PROVTAP" query drops "udp and port $UDP_PORT" --store "$STORE" --json >"$WORK/drops.json" 2>"$WORK/drops.err"
	assert_eq "query drops: $N_DROP drops" "$N_DROP" "$(grep -c . "$WORK/drops.json")"
	r_ino=$(stat -L -c %i "/var/run/netns/$NS_R")
	assert_eq "query drops: all NETFILTER_DROP, in r's netns, on ra" "$N_DROP $N_DROP $N_DROP" \
		"$(jsel reason NETFILTER_DROP "$WORK/drops.json" | grep -c .) $(jsel netns_ino "$r_ino" \
			"$WORK/drops.json" | grep -c .) $(jsel dev "$V_RA" "$WORK/drops.json" | grep -c .)"
	"$PROVTAP" store dump --store "$STORE" --json "udp and port $UDP_PORT" >"$WORK/udp.json" 2>&1
	jsel type pkt "$WORK/udp.json" | jsel point "$V_RA@$NS_R:in" | jget fp | sort >"$WORK/fp.in"
	jsel type pkt "$WORK/udp.json" | jsel point "$V_RB@$NS_R:out" | jget fp | sort >"$WORK/fp.out"
	grep -vxF -f "$WORK/fp.out" "$WORK/fp.in" >"$WORK/fp.lost"
	jget fp "$WORK/drops.json" | sort >"$WORK/fp.drop"
	check "drops: their fingerprints are exactly the $(grep -c . "$WORK/fp.lost") packets seen at ra:in, never at rb:out" \
		cmp -s "$WORK/fp.lost" "$WORK/fp.drop"
	st_rec=$(status_drops "$WORK/st.json" recorded)
	st_seen=$(status_drops "$WORK/st.json" seen)
	st_skip=$(status_drops "$WORK/st.json" skipped)
	st_ring=$(status_drops "$WORK/st.json" ring_drops)
	check "drop counters: seen $st_seen = not-drops $st_skip + recorded $st_rec, no ring drops, >= $N_DROP recorded" \
		test "$st_seen" = $((st_skip + st_rec)) -a "$st_ring" = 0 -a "$st_rec" -ge $N_DROP

	# hops
	"$PROVTAP" query hops "udp and port $UDP_PORT" --store "$STORE" --json >"$WORK/hops.json" 2>"$WORK/hops.err"
	h=$(while read -r l; do
		for k in at_from at_to lost drops; do echo "$l" | jget $k; done
	done <"$WORK/hops.json" | tr '\n' ' ')
	assert_eq "query hops: at-from at-to lost drops of the 3 hops" \
		"$N_UDP $N_UDP 0 0 $N_UDP $((N_UDP - N_DROP)) $N_DROP $N_DROP $((N_UDP - N_DROP)) $((N_UDP - N_DROP)) 0 0 " "$h"
	assert_eq "query hops: the drop reason on hop 2" NETFILTER_DROP "$(jsel hop 2 "$WORK/hops.json" |
		jget drop_reasons | sed 's/^[0-9]* //')"

	# TCP segments: the same count at every point of a direction; the payload bytes forward
	"$PROVTAP" store count --store "$STORE" "tcp and port $TCP_PORT" --json >"$WORK/tcount.json" 2>&1
	for dir in FWD REV; do
		eval "pts=\$$dir"
		got=
		for p in $pts; do got="$got $(jsel point "$p" "$WORK/tcount.json" | jget packets | head -1)"; done
		n=$(echo "$got" | awk '{ print $1 }')
		check "TCP segments $dir: the same count at each of the 4 points ($got)" \
			test "$(echo "$got" | tr ' ' '\n' | grep -c "^$n\$")" = 4 -a "${n:-0}" -gt 0
	done
	"$PROVTAP" store dump --store "$STORE" --json "tcp and port $TCP_PORT" >"$WORK/tcp.json" 2>&1
	got=
	for p in $FWD; do
		got="$got $(jsel point "$p" "$WORK/tcp.json" | jget payload_len | awk '{ s += $1 } END { print s + 0 }')"
	done
	assert_eq "TCP payload bytes at each forward point" " $TCP_BYTES $TCP_BYTES $TCP_BYTES $TCP_BYTES" "$got"

	# process records
	"$PROVTAP" store dump --store "$STORE" --json proc >"$WORK/proc.json" 2>&1
	jsel kind exec "$WORK/proc.json" >"$WORK/exec.json"
	assert_eq "proc: 4 ptgen execs, with their argv" \
		"udp-sink udp-send tcp-sink tcp-send " "$(grep -o '"argv":\["[^"]*","[^"]*"' "$WORK/exec.json" |
			sed 's/.*,"//; s/"$//' | tr '\n' ' ')"
	pid_of() { grep "\"argv\":\[\"[^\"]*\",\"$1\"" "$WORK/exec.json" | jget pid | head -1; }
	for w in udp-sink udp-send tcp-sink tcp-send; do
		eval "pid_$(echo $w | tr - _)=$(pid_of $w)"
	done
	# every datagram's content: the expected bytes of datagram i (ptgen.c) in hex
	awk -v n=$N_UDP -v size=$UDP_SIZE -v every=$EVERY -v sent="$WORK/want.out" -v arrived="$WORK/want.in" 'BEGIN {
		for (i = 0; i < n; i++) {
			h = "707467656e2d7564702d"; d = sprintf("%05d", i)
			for (k = 1; k <= 5; k++) h = h sprintf("%02x", 48 + substr(d, k, 1))
			h = h "2d"
			for (k = 16; k < size; k++) h = h sprintf("%02x", 97 + k % 26)
			print h > sent
			if (i % every) print h > arrived
		}
	}'
	jsel pid "$pid_udp_send" "$WORK/proc.json" | jsel type data | jsel call sendto | jget content >"$WORK/got.out"
	jsel pid "$pid_udp_sink" "$WORK/proc.json" | jsel type data | jsel call recvfrom | jget content >"$WORK/got.in"
	check "proc: the $N_UDP datagrams' content as sent (sendto), in order" cmp -s "$WORK/want.out" "$WORK/got.out"
	check "proc: the $((N_UDP - N_DROP)) that arrived, as received (recvfrom), in order" cmp -s "$WORK/want.in" "$WORK/got.in"
	con=$(jsel pid "$pid_tcp_send" "$WORK/proc.json" | jsel call connect | grep '"family":"inet"')
	assert_eq "proc: tcp-send's connect: ret, remote" "0 $B_IP:$TCP_PORT" "$(echo "$con" | jget ret) $(echo "$con" | jget remote)"
	acc=$(jsel pid "$pid_tcp_sink" "$WORK/proc.json" | grep '"call":"accept4*"' | grep '"family":"inet"')
	assert_eq "proc: tcp-sink's accept: the client's local address is its remote" \
		"$(echo "$con" | jget local)" "$(echo "$acc" | jget remote)"
	awk -v n=$TCP_BYTES 'BEGIN { for (k = 0; k < n; k++) printf "%02x", 97 + k % 26; print "" }' >"$WORK/want.tcp"
	for side in "tcp_send write out" "tcp_sink read in"; do
		set -- $side
		eval "pid=\$pid_$1"
		jsel pid "$pid" "$WORK/proc.json" | jsel type data | jsel dir "$3" | grep '"kind":"socket"' |
			jsel call "$2" >"$WORK/d.json"
		sz=$(jget size "$WORK/d.json" | awk '{ s += $1 } END { print s + 0 }')
		jget content "$WORK/d.json" | tr -d '\n' >"$WORK/got.tcp"
		echo >>"$WORK/got.tcp"
		assert_eq "proc: $1's $2 calls on the socket: bytes" "$TCP_BYTES" "$sz"
		check "proc: $1's $2 content is the stream ($(jget size "$WORK/d.json" | grep -c .) calls)" \
			cmp -s "$WORK/want.tcp" "$WORK/got.tcp"
	done
	assert_eq "proc: 4 ptgen processes exited with status 0" "0 0 0 0 " \
		"$(jsel kind exit "$WORK/proc.json" | jsel group true | jget exit_code | tr '\n' ' ')"
	cats=$(sed -n 's/.*"categories":{\(.*\)}}.*/\1/p' "$WORK/st.json")
	assert_eq "proc: no record lost to the ring" "0 " \
		"$(echo "$cats" | grep -o '"ring_drops":[0-9]*' | sed 's/.*://' | sort -u | tr '\n' ' ')"

	"$PROVTAP" probe unload --all >"$WORK/unload.out" 2>&1 || { fail "probe unload --all"; indent "$WORK/unload.out"; }
	check "unload --all removed the pin dir" test ! -e "$PROVTAP_PIN_DIR"
}
t0=$(now_ms)
integration
run_cleanups
log "integration: $(( ($(now_ms) - t0) / 1000 )) s"

# --- 3. variant matrix ----------------------------------------------------------------------------
t0=$(now_ms)
mkdir -p "$WORK/v"
PFX=${PFX}v WORK=$WORK/v sh "$here/variants.sh" "$VARIANTS_LIST" >"$WORK/variants.out" 2>&1
cat "$WORK/variants.out"
line=$(grep -E '^variants: [0-9]+ passed, [0-9]+ failed' "$WORK/variants.out" | tail -1)
if [ -n "$line" ]; then
	T_PASS=$((T_PASS + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
	T_FAIL=$((T_FAIL + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
else
	fail "variants.sh ended without its summary"
fi
log "variant matrix: $(( ($(now_ms) - t0) / 1000 )) s"

# --- 4. BPF program tests -------------------------------------------------------------------------
# Last, and each under the time left before DEADLINE (seconds since boot; the host passes
# ptdeadline= on the kernel command line, a few seconds before it kills qemu), so that a test
# binary that runs too long under emulation is a counted failure and the summary still comes.
# The proc programs' tests run on the variant the loader chose here (the host runs its best one
# and "core"; the matrix above loaded every variant): both at once take minutes under TCG.
# The test binaries attach and detach the proc programs' ~80 syscall tracepoints and the sched
# ones many times; a first attach or last detach of a tracepoint patches its static key into the
# kernel's code (text_poke_bp), and qemu's TCG now and then stalls both vCPUs for good at such a
# site: seen as a soft lockup with both CPUs at the jump label in syscall_trace_enter (6.1,
# qemu 7.2), about once in 15 runs. A load of the proc probes scoped to no process keeps every
# one of those tracepoints enabled through the tests, so their attaches patch no code; kernel
# warnings reach the console from here on (loglevel 3 hid them), and a soft lockup (the host's
# softlockup_panic=1 then panics) first prints every CPU's stack (tests/kernels/run.sh).
echo 5 >/proc/sys/kernel/printk
echo 1 >/proc/sys/kernel/softlockup_all_cpu_backtrace
if "$PROVTAP" probe load --procs --comm pt-holds-tps >"$WORK/hold.out" 2>&1; then
	on_exit "'$PROVTAP' probe unload --procs"
else
	log "could not hold the tracepoints enabled (the tests run without): $(head -c 300 "$WORK/hold.out")"
fi
PV=$(sed -n 's/.*proc probes: .*, variant \([a-z-]*\), send hook .*/\1/p' "$WORK/load.out" | head -1)
log "BPF program tests, proc programs on variant ${PV:-(the best that loads) and core}"
for t in "$TESTS_DIR"/bpf_test_*; do
	n=$(basename "$t")
	t0=$(now_ms)
	left=$((DEADLINE - t0 / 1000))
	if [ "$DEADLINE" -gt 0 ] && [ "$left" -lt 5 ]; then
		fail "$n: not run: the guest's time limit is reached"
		continue
	fi
	CK_FORK=yes PROVTAP_REQUIRE_BPF=1 PROVTAP_PROC_VARIANT=$PV "$t" >"$WORK/t.out" 2>&1 &
	tpid=$!
	# The watchdog. SIGKILL: check answers SIGTERM by signalling its whole process group, which
	# is this shell's (and busybox's timeout applet, run inside the shell, signals the shell).
	[ "$DEADLINE" -gt 0 ] && (
		s=$left
		while [ "$s" -gt 0 ] && kill -0 "$tpid" 2>/dev/null; do sleep 1; s=$((s - 1)); done
		kill -0 "$tpid" 2>/dev/null && touch "$WORK/t.killed" && kill -KILL "$tpid"
	) &
	wait "$tpid"
	rc=$?
	if [ -e "$WORK/t.killed" ]; then
		rm -f "$WORK/t.killed"
		fail "$n: killed after ${left} s, the time left before the guest's limit"
		grep -E ':[EF]:' "$WORK/t.out" | sed 's/^/  FAIL  /'
		continue
	fi
	# check's summary: "100%: Checks: 18, Failures: 0, Errors: 0"
	line=$(grep -E '^[0-9]+%: Checks: ' "$WORK/t.out" | tail -1)
	if [ -z "$line" ]; then
		fail "$n: exited $rc without a check summary"
		tail -20 "$WORK/t.out" | sed 's/^/        | /'
		continue
	fi
	c=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	grep -E ':[EF]:' "$WORK/t.out" | sed 's/^/  FAIL  /'
	T_PASS=$((T_PASS + c - f - e))
	T_FAIL=$((T_FAIL + f + e))
	[ "$rc" -eq 0 ] || [ $((f + e)) -gt 0 ] || fail "$n: exited $rc with all checks passed"
	echo "  ....  $n: $line ($(( ($(now_ms) - t0) / 1000 )) s)"
done
