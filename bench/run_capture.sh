# run_capture.sh — sourced by bench/run.sh: capture cost on real traffic, provtap vs tcpdump.
#
#   overhead   iperf3 TCP client -> server across the testbed chain (client, r1, r2, server:
#              3 veth pairs, 6 veth ends) for 10 s (QUICK 3 s): no capture, provtap packet
#              probes on every veth end both ways (12 points, snaplen 0) + collector, and
#              `tcpdump -w -s 128` on every veth end (6 processes); alternating order
#   smallpkt   bench/udpflood, 64-byte UDP payloads at increasing rates from the client to r1
#              (capture point r1a@r1:in): the highest rate at which provtap stores every
#              datagram with zero ring drops vs the highest at which tcpdump (-Q in, same 64 MiB
#              buffer as provtap's ring) captures every datagram with zero kernel drops
#
# Uses the testbed of bench/run.sh (testbed_net_up, $NS_* $VETH_* $SERVER_IP, HOPS) and its
# helpers; leaves no packet probes loaded (bench/run.sh's testbed_up reloads its own).

IPERF_PORT=5201

# link_packets: "rx+tx" packet counters summed over the testbed's 6 veth ends.
link_packets() {
	local h ifc ns sum=0 rx tx
	for h in "${HOPS[@]}"; do
		ifc=${h%% *}
		ns=${ifc#*@}
		ifc=${ifc%@*}
		read -r rx tx < <(ip netns exec "$ns" cat "/sys/class/net/$ifc/statistics/rx_packets" \
			"/sys/class/net/$ifc/statistics/tx_packets" | tr '\n' ' ')
		sum=$((sum + rx + tx))
	done
	echo $sum
}

# settle_files TIMEOUT_S FILE...: until the files' total size has not changed for 1.5 s (a
# capturer has written what it had: tcpdump's kernel ring hands over a partly filled block
# after its 1 s timeout), at most TIMEOUT_S. Sizes are polled every 0.1 s.
settle_files() {
	local deadline=$(($(now_ns) + $1 * 1000000000)) last=-1 cur same=0
	shift
	while [ "$(now_ns)" -lt $deadline ]; do
		cur=$(stat -c %s "$@" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
		if [ "$cur" = "$last" ]; then
			same=$((same + 1))
			[ $same -ge 15 ] && return 0
		else
			same=0
			last=$cur
		fi
		sleep 0.1
	done
	return 1
}

# link_rec: "LINK RECORDED": link_packets and the probes' recorded count (probe status), taken
# together: the link counters read before and after the recorded count must agree (no packet
# crossed in between), else it is retried, up to 20 times. Returns 1 if they never agreed.
link_rec() {
	local a b r i
	for ((i = 0; i < 20; i++)); do
		a=$(link_packets)
		read -r r _ _ _ < <("$PROVTAP" probe status --json | lib status)
		b=$(link_packets)
		[ "$a" = "$b" ] && { echo "$a $r"; return 0; }
	done
	return 1
}

# cpu_stat: "busy softirq" clock ticks of the whole machine so far (/proc/stat).
cpu_stat() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $8 }' /proc/stat; }

# overhead_run MODE SECS DIR: one iperf3 run with capture MODE (none, provtap, tcpdump).
# Sets OV_WHY (empty: valid), OV_BPS, OV_CAP_S (capturer CPU-s), OV_SIRQ_S, OV_BUSY_S (whole
# machine), OV_REC (provtap: records the probes made while OV_PKTS was counted, all of them
# stored; tcpdump: packets captured), OV_PKTS (link counters), OV_DROPS.
overhead_run() {
	local mode=$1 secs=$2 d=$3 srv p0 p1 s0 s1 c0=0 c1=0 pids=() h ifc ns i rec0 drop0 rec1 rec2 drop1 \
		w0 w1 stored
	OV_WHY="" OV_BPS=0 OV_CAP_S=0 OV_SIRQ_S=0 OV_BUSY_S=0 OV_REC=0 OV_PKTS=0 OV_DROPS=0
	rm -rf "$d"
	mkdir -p "$d"
	case $mode in
	provtap)
		"$PROVTAP" probe load "${TB_IFACES[@]}" --snaplen 0 >"$d/load.out" 2>&1 ||
			{ OV_WHY="probe load: $(tail -1 "$d/load.out")"; return; }
		read -r rec0 drop0 _ _ < <("$PROVTAP" probe status --json | lib status)
		start_collector "$d/store" "$d/sock" "$d/collect.log" 2>"$d/collect.err" ||
			{ OV_WHY="the collector did not start: $(head -c 200 "$d/collect.err")"; "$PROVTAP" probe unload --all >/dev/null 2>&1; return; }
		c0=$(cpu_ticks "$COLLECTOR") ;;
	tcpdump)
		i=0
		for h in "${HOPS[@]}"; do
			ifc=${h%% *}
			ns=${ifc#*@}
			ifc=${ifc%@*}
			ip netns exec "$ns" tcpdump -i "$ifc" -s 128 -w "$d/cap$i.pcap" 2>"$d/tcpdump$i.err" &
			pids+=($!)
			BG+=($!)
			i=$((i + 1))
		done
		for i in "${!pids[@]}"; do
			for _ in $(seq 100); do grep -q "listening on" "$d/tcpdump$i.err" && break; sleep 0.05; done
			grep -q "listening on" "$d/tcpdump$i.err" || { OV_WHY="tcpdump $i did not start: $(head -c 200 "$d/tcpdump$i.err")"; break; }
		done ;;
	esac
	# background processes not through a shell function: $! must be the process itself
	ip netns exec "$NS_SERVER" iperf3 -s -1 -p $IPERF_PORT -J >"$d/srv.json" 2>"$d/srv.err" &
	srv=$!
	BG+=($srv)
	nsx "$NS_SERVER" python3 "$TRAFFIC" ready --tcp --port $IPERF_PORT >/dev/null || OV_WHY=${OV_WHY:-"iperf3 server did not start"}
	# provtap: the window starts at a consistent (link counters, recorded) pair; a stray packet
	# (ARP, ...) between the probe load and this point is then in neither figure
	if [ "$mode" = provtap ]; then
		read -r p0 w0 < <(link_rec) || OV_WHY=${OV_WHY:-"link counters kept moving while idle (20 tries)"}
	else
		p0=$(link_packets)
	fi
	read -r s0 sirq0 < <(cpu_stat)
	if [ -z "$OV_WHY" ]; then
		nsx "$NS_CLIENT" iperf3 -c "$SERVER_IP" -p $IPERF_PORT -t "$secs" -J >"$d/cli.json" 2>"$d/cli.err" ||
			OV_WHY="iperf3 client failed: $(head -c 200 "$d/cli.err") $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error",""))' "$d/cli.json" 2>/dev/null)"
	fi
	read -r s1 sirq1 < <(cpu_stat)
	wait $srv 2>/dev/null
	case $mode in
	provtap)
		wait_drained 60 || OV_WHY=${OV_WHY:-"the ring was not drained 60 s after the run"}
		read -r p1 w1 < <(link_rec) || OV_WHY=${OV_WHY:-"link counters kept moving after the run (20 tries)"}
		c1=$(cpu_ticks "$COLLECTOR")
		# the store must hold every record made before the collector's last drain: at least
		# what was recorded before SIGTERM, at most what was recorded until it had exited
		# (a stray packet while it stops may land on either side)
		read -r rec1 _ _ _ < <("$PROVTAP" probe status --json | lib status)
		stop_collector || OV_WHY=${OV_WHY:-"the collector did not stop"}
		read -r rec2 drop1 _ _ < <("$PROVTAP" probe status --json | lib status)
		"$PROVTAP" probe unload --all >/dev/null 2>&1
		OV_DROPS=$((drop1 - drop0))
		stored=$("$PROVTAP" store count --store "$d/store" --json 2>"$d/count.err" | lib count)
		[ -s "$d/count.err" ] && OV_WHY=${OV_WHY:-"store count: $(head -c 200 "$d/count.err")"}
		if [ "$stored" -lt $((rec1 - rec0)) ] || [ "$stored" -gt $((rec2 - rec0)) ]; then
			OV_WHY=${OV_WHY:-"store has $stored records, the probes recorded $((rec1 - rec0)) before the collector stopped, $((rec2 - rec0)) after"}
		fi
		[ -n "$OV_WHY" ] || OV_REC=$((w1 - w0)) ;;
	tcpdump)
		p1=$(link_packets)
		settle_files 5 "$d"/cap*.pcap
		for i in "${!pids[@]}"; do c0=$((c0 + $(cpu_ticks "${pids[$i]}" 2>/dev/null || echo 0))); done
		kill -TERM "${pids[@]}" 2>/dev/null
		for i in "${!pids[@]}"; do wait "${pids[$i]}"; done
		for i in "${!pids[@]}"; do
			local cap drop
			cap=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$d/tcpdump$i.err")
			drop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$d/tcpdump$i.err")
			[ -n "$cap" ] && [ -n "$drop" ] || { OV_WHY=${OV_WHY:-"tcpdump $i printed no statistics"}; continue; }
			OV_REC=$((OV_REC + cap))
			OV_DROPS=$((OV_DROPS + drop))
		done
		c1=0 ;;
	*)
		p1=$(link_packets) ;;
	esac
	[ -n "$OV_WHY" ] && return
	OV_PKTS=$((p1 - p0))
	OV_BPS=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$d/cli.json" 2>/dev/null) ||
		{ OV_WHY="iperf3 printed no receiver figure"; return; }
	if [ "$mode" = provtap ]; then
		OV_CAP_S=$(awk -v t=$((c1 - c0)) -v k="$TCK" 'BEGIN { printf "%.2f", t / k }')
	else
		OV_CAP_S=$(awk -v t="$c0" -v k="$TCK" 'BEGIN { printf "%.2f", t / k }')
	fi
	OV_SIRQ_S=$(awk -v t=$((sirq1 - sirq0)) -v k="$TCK" 'BEGIN { printf "%.2f", t / k }')
	OV_BUSY_S=$(awk -v t=$((s1 - s0)) -v k="$TCK" 'BEGIN { printf "%.2f", t / k }')
	rm -rf "$d"
}

bench_overhead() {
	local secs reps i mode order d=$TMP/overhead why=""
	declare -A bps cap sirq busy rec pkts drops
	say "5. capture overhead: iperf3 TCP across the testbed (6 veth ends): none vs provtap (12 points) vs tcpdump -w -s 128 (6)"
	command -v iperf3 >/dev/null || { row name="capture overhead" result=FAILED reason="iperf3 not installed (make bench installs it)"; return; }
	if [ $QUICK = 1 ]; then secs=3 reps=1; else secs=10 reps=3; fi
	testbed_net_up || { row name="capture overhead" result=FAILED reason="testbed failed"; return; }
	"$PROVTAP" probe unload --all >/dev/null 2>&1
	TB_PROBES=none
	for ((i = 0; i < reps; i++)); do
		case $((i % 3)) in 0) order="none provtap tcpdump";; 1) order="provtap tcpdump none";; *) order="tcpdump none provtap";; esac
		for mode in $order; do
			overhead_run $mode $secs "$d"
			[ -z "$OV_WHY" ] || { why="$mode run $((i + 1)): $OV_WHY"; break 2; }
			if [ "$mode" != none ] && [ "$OV_DROPS" != 0 ]; then
				log "$mode run $((i + 1)): $OV_DROPS drops"
			fi
			if [ "$mode" = provtap ] && [ "$OV_REC" != "$OV_PKTS" ]; then
				why="provtap run $((i + 1)): the probes recorded $OV_REC packets during the run, link counters say $OV_PKTS crossed the 6 veth ends"
				break 2
			fi
			bps[$mode]+="$OV_BPS " cap[$mode]+="$OV_CAP_S " sirq[$mode]+="$OV_SIRQ_S " busy[$mode]+="$OV_BUSY_S "
			rec[$mode]+="$OV_REC " pkts[$mode]+="$OV_PKTS " drops[$mode]+="$OV_DROPS "
			log "$(printf '%-8s run %d: %6.2f Gbit/s, capturer %5s CPU-s, machine softirq %5s CPU-s, busy %5s CPU-s, records %9s of %9s packets (link counters), drops %s' \
				$mode $((i + 1)) "$(awk -v b="$OV_BPS" 'BEGIN { print b / 1e9 }')" "$OV_CAP_S" "$OV_SIRQ_S" "$OV_BUSY_S" "$OV_REC" "$OV_PKTS" "$OV_DROPS")"
		done
	done
	local wl="iperf3 -t $secs TCP client -> server through client-r1-r2-server (6 veth ends, 2 routers), one stream"
	if [ -n "$why" ]; then
		row name="capture overhead" workload="$wl" result=FAILED reason="$why"
		return
	fi
	local m nmn nmd nmx
	read -r _ nmd _ < <(lib spread ${bps[none]})
	for m in provtap tcpdump; do
		local mn md mx cmd smd bmd rmd pmd dsum ratios=() b0 b1 k
		local -a a0=(${bps[none]}) a1=(${bps[$m]})
		for k in "${!a1[@]}"; do ratios+=("$(awk -v a="${a1[$k]}" -v b="${a0[$k]}" 'BEGIN { printf "%.3f", a / b }')"); done
		read -r mn md mx < <(lib spread "${ratios[@]}")
		read -r _ cmd _ < <(lib spread ${cap[$m]})
		read -r _ smd _ < <(lib spread ${sirq[$m]})
		read -r _ bmd _ < <(lib spread ${busy[$m]})
		read -r _ pmd _ < <(lib spread ${bps[$m]})
		dsum=$(echo ${drops[$m]} | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }')
		local desc res=PASS
		[ "$dsum" = 0 ] || res=FAIL
		if [ $m = provtap ]; then
			desc="provtap probe load --iface X:both on all 6 veth ends (12 points, snaplen 0) + collector"
		else
			desc="tcpdump -s 128 -w FILE on each of the 6 veth ends (both directions)"
		fi
		row name="capture overhead: $m" workload="$wl; $desc" value="$md" unit="x baseline throughput" \
			peer="no capture" peer_value="$(awk -v b="$nmd" 'BEGIN { printf "%.2f", b / 1e9 }')" \
			reps=$reps spread="[$mn,$md,$mx]" target="0 drops" result=$res \
			note="value = iperf3 receiver throughput with $m / without capture, same repetition (alternating order). Medians: $(awk -v b="$pmd" 'BEGIN { printf "%.2f", b / 1e9 }') Gbit/s with $m vs $(awk -v b="$nmd" 'BEGIN { printf "%.2f", b / 1e9 }') Gbit/s without (peer figure, Gbit/s); capturer CPU ($([ $m = provtap ] && echo collector || echo 'the 6 tcpdumps'), utime+stime) $cmd s; whole machine during the run: softirq $smd CPU-s, busy $bmd CPU-s (no capture: softirq $(lib spread ${sirq[none]} | cut -d' ' -f2), busy $(lib spread ${busy[none]} | cut -d' ' -f2)). $([ $m = provtap ] && echo "Packets the probes recorded during each run (each run's records all stored): ${rec[$m]}= packets crossing the 6 veth ends (rx+tx link counters: ${pkts[$m]}); ring drops: ${drops[$m]}" || echo "Packets captured per run (sum of the 6): ${rec[$m]}of ${pkts[$m]}crossing (rx+tx link counters); kernel drops: ${drops[$m]}"). veth GSO: TCP packets are up to 64 KiB here, so records are few per byte."
	done
}

# ---- 2. small-packet rate ---------------------------------------------------------------------

# smallpkt_step MODE RATE SECS: one step. Sets SP_OK (1 every datagram captured, 0 capture
# dropped some, 2 invalid: sender or network limit, SP_WHY says), SP_WHY, SP_RATE (achieved).
smallpkt_step() {
	local mode=$1 rate=$2 secs=$3 d=$TMP/smallpkt port=$((9300 + RANDOM % 100)) sink tdp out sent errors reached n drop0 drop1 cap kd
	rm -rf "$d"
	mkdir -p "$d"
	SP_OK=2 SP_WHY="" SP_RATE=0
	ip netns exec "$NS_R1" "$BENCHBIN/udpflood" --sink --port $port >"$d/sink.out" 2>&1 &
	sink=$!
	BG+=($sink)
	for _ in $(seq 100); do grep -q ready "$d/sink.out" && break; sleep 0.05; done
	grep -q ready "$d/sink.out" || { SP_WHY="the sink did not start: $(head -c 200 "$d/sink.out")"; kill $sink; return; }
	if [ "$mode" = provtap ]; then
		read -r _ drop0 _ _ < <("$PROVTAP" probe status --json | lib status)
		start_collector "$d/store" "$d/sock" "$d/collect.log" $CPU_COLL 2>"$d/collect.err" ||
			{ SP_WHY="the collector did not start"; kill $sink; return; }
	else
		ip netns exec "$NS_R1" taskset -c $CPU_COLL tcpdump -i "$VETH_R1A" -Q in -s 128 -B 65536 -w "$d/cap.pcap" 2>"$d/tcpdump.err" &
		tdp=$!
		BG+=($tdp)
		for _ in $(seq 100); do grep -q "listening on" "$d/tcpdump.err" && break; sleep 0.05; done
	fi
	out=$(nsx "$NS_CLIENT" taskset -c $CPU_DRV "$BENCHBIN/udpflood" --dst 10.0.1.2 --port $port --rate "$rate" --seconds "$secs" 2>"$d/flood.err") ||
		SP_WHY="udpflood failed: $(head -c 200 "$d/flood.err")"
	kill $sink 2>/dev/null
	wait $sink 2>/dev/null
	read -r sent errors reached SP_RATE < <(echo "$out" | lib get sent errors reached rate)
	if [ "$mode" = provtap ]; then
		wait_drained 60 || SP_WHY=${SP_WHY:-"ring not drained"}
		read -r _ drop1 _ _ < <("$PROVTAP" probe status --json | lib status)
		stop_collector
		[ -n "$SP_WHY" ] && return
		n=$("$PROVTAP" store count --store "$d/store" "udp and dst port $port" --json 2>/dev/null | lib count)
		if [ $((drop1 - drop0)) != 0 ]; then
			SP_OK=0 SP_WHY="$((drop1 - drop0)) ring drops, $n of $sent datagrams stored"
		elif [ "$n" != "$sent" ]; then
			SP_WHY="$n of $sent datagrams stored with 0 ring drops: lost before the capture point"
		fi
	else
		settle_files 5 "$d/cap.pcap"
		kill -TERM $tdp 2>/dev/null
		wait $tdp
		[ -n "$SP_WHY" ] && return
		kd=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$d/tcpdump.err")
		n=$(tcpdump -nr "$d/cap.pcap" "udp and dst port $port" 2>/dev/null | wc -l)
		if [ -z "$kd" ]; then
			SP_WHY="tcpdump printed no statistics: $(tail -2 "$d/tcpdump.err")"
		elif [ "$kd" != 0 ]; then
			SP_OK=0 SP_WHY="tcpdump: $kd dropped by kernel, $n of $sent datagrams captured"
		elif [ "$n" != "$sent" ]; then
			SP_WHY="$n of $sent datagrams captured with 0 kernel drops: lost before the capture point"
		fi
	fi
	rm -rf "$d"
	[ -n "$SP_WHY" ] && return
	if [ "$reached" != True ] && [ "$reached" != true ]; then
		SP_WHY="the sender reached only $SP_RATE datagrams/s ($errors refused)"
		return
	fi
	SP_OK=1
}

bench_smallpkt() {
	local rates secs r mode best_p=0 best_t=0 stop_p="" stop_t="" order
	say "6. small-packet rate: 64-byte UDP datagrams client -> r1 (capture at $VETH_R1A@$NS_R1:in), provtap vs tcpdump"
	if [ $QUICK = 1 ]; then rates="150000 300000" secs=1; else rates="50000 100000 150000 200000 250000 300000 350000 400000" secs=3; fi
	testbed_net_up || { row name="small-packet rate" result=FAILED reason="testbed failed"; return; }
	"$PROVTAP" probe unload --all >/dev/null 2>&1
	TB_PROBES=none
	"$PROVTAP" probe load --iface "$VETH_R1A@$NS_R1:in" >"$TMP/sp-load.out" 2>&1 ||
		{ row name="small-packet rate" result=FAILED reason="probe load: $(tail -1 "$TMP/sp-load.out")"; return; }
	TB_PROBES=one
	for r in $rates; do
		[ -n "$stop_p" ] && [ -n "$stop_t" ] && break
		order="provtap tcpdump"
		[ $((r / 50000 % 2)) = 1 ] && order="tcpdump provtap"
		for mode in $order; do
			[ $mode = provtap ] && [ -n "$stop_p" ] && continue
			[ $mode = tcpdump ] && [ -n "$stop_t" ] && continue
			smallpkt_step $mode "$r" "$secs"
			case $SP_OK in
			1) log "$(printf '%-8s %7d/s: every datagram captured (sender %s/s)' $mode "$r" "$SP_RATE")"
				[ $mode = provtap ] && best_p=$r || best_t=$r ;;
			0) log "$(printf '%-8s %7d/s: drops: %s' $mode "$r" "$SP_WHY")"
				[ $mode = provtap ] && stop_p="$r/s: $SP_WHY" || stop_t="$r/s: $SP_WHY" ;;
			*) log "$(printf '%-8s %7d/s: not a capture limit: %s' $mode "$r" "$SP_WHY")"
				[ $mode = provtap ] && stop_p="$r/s: (not a capture limit) $SP_WHY" || stop_t="$r/s: (not a capture limit) $SP_WHY" ;;
			esac
		done
	done
	"$PROVTAP" probe unload --all >/dev/null 2>&1
	TB_PROBES=none
	local ratio="null"
	[ "$best_t" != 0 ] && ratio=$(awk -v a="$best_p" -v b="$best_t" 'BEGIN { printf "%.2f", a / b }')
	row name="small-packet rate" workload="bench/udpflood: 64-byte UDP payloads, ${secs}s per rate (of ${rates// /, }/s), client -> r1 over one veth, sender on CPU $CPU_DRV" \
		value="$best_p" unit="pkt/s" peer="tcpdump -Q in -s 128 -B 65536 -w (CPU $CPU_COLL)" peer_value="$best_t" ratio="$ratio" reps=1 \
		target="-" result=info \
		note="highest rate with every datagram stored (store count = sent) and 0 ring drops: provtap probe on $VETH_R1A@$NS_R1:in (64 MiB ring) + collector on CPU $CPU_COLL; tcpdump: every datagram in the pcap and 0 dropped by kernel, 64 MiB buffer. Stopped: provtap at ${stop_p:-none (all rates passed)}; tcpdump at ${stop_t:-none (all rates passed)}. 'not a capture limit' = the sender or the network could not carry the rate (the sender shares its core with the veth receive path), so the figure is a lower bound."
}
