#!/bin/bash
# run.sh — provtap's benchmarks (what `make bench` runs once the binaries are built).
#
#   overhead  iperf3 across the testbed: no capture vs provtap on every hop vs tcpdump on every
#             hop (bench/run_capture.sh)
#   smallpkt  64-byte UDP at increasing rates: highest loss-free rate, provtap vs tcpdump
#             (bench/run_capture.sh, sender bench/udpflood.c)
#   1. ingest    records/s from the BPF ring buffer into the sealed store, collector on one
#                core, zero ring-buffer drops, 64 MiB ring (driver: bench/ringdrive.c)
#   1b. store    the store alone: append + seal of synthetic records (bench/storebench.c)
#   2. bytes     stored bytes per record after sealing, demo-like traffic on a routed testbed,
#                probes on every veth both ways, snaplen 0; peer: tcpdump -w -s 128 pcap
#   3. latency   probe -> `provtap tail --json` line, p50/p99, 50 packets/s
#   4. query     `query hops|loss|delay` over generated 1 M and 10 M-record stores (QUICK: 1 M)
#                vs sqlite3 running the equivalent SQL on the same rows (bench/genstore.c), and
#                `query rtt|throughput` over a generated TCP store (genstore --tcp) vs sqlite3
#                and tshark (bench/run_query_tcp.sh)
#   audit     socket-content audit: bench/rrload baseline vs provtap --procs --content 4096 vs
#             strace -f (bench/run_audit.sh)
#   fdinherit fork+exec with 0/1000/4000 inherited FDs (bench/fdfork.c), same three ways
#   replay    `provtap record` overhead on curl and a client/server pair, and `provtap replay
#             --timing fast` of a network-bound step vs the original run (bench/replay_bench.sh)
#
# Every benchmark checks its own result (exact counts, no drops, no errors) before it
# reports a figure, and prints FAILED with the reason otherwise. Results: the table on
# stdout, bench/results/latest.md and bench/results/latest.json.
#
# env: QUICK=1            a ~2-minute subset (fewer rates, shorter runs, fewer repetitions)
#      BENCH_TMPDIR=DIR   where stores and captures go (default /var/tmp: a real disk)
#      PROVTAP=PATH       the binary (default build/provtap)
#      BENCHBIN=DIR       the bench programs (default build/bench)
#      BENCH_RESULTS=DIR  where latest.{md,json} go (default bench/results)
#      ONLY="query store" run only these of: overhead smallpkt ingest store query bytes
#                         latency audit fdinherit replay
# Needs root, 2+ CPUs. Uses its own pin dir, network namespaces and sockets; removes
# everything it made on exit, also on failure or Ctrl-C.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROVTAP=${PROVTAP:-$ROOT/build/provtap}
BENCHBIN=${BENCHBIN:-$ROOT/build/bench}
TESTBED=$ROOT/scripts/testbed.sh
TRAFFIC=$ROOT/scripts/traffic.py
LIB=$ROOT/bench/benchlib.py
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results}
QUICK=${QUICK:-0}
[ "$QUICK" = 1 ] || QUICK=0

export PROVTAP_PIN_DIR=/sys/fs/bpf/provtap-bench-$$
TMP=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/provtap-bench.XXXXXX") || exit 1
ROWS=$TMP/rows.jsonl
NS_ING=ptbi$$			# ingest: one namespace, one veth pair, links down (no stray packets)
VETH_ING=pbi$$a
PREFIX=pb$$-			# testbed for bytes/record and latency
COLLECTOR=""
BG=()
TESTBED_UP=0
RC=0

log() { printf '  ....  %s\n' "$*" >&2; }
say() { printf '\n== %s\n' "$*" >&2; }
lib() { python3 -S "$LIB" "$@"; }	# -S: no site packages, a faster start (it runs often)

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	for pid in "${BG[@]}"; do kill "$pid" 2>/dev/null; done
	[ -n "$COLLECTOR" ] && stop_collector
	[ -d "$PROVTAP_PIN_DIR" ] && "$PROVTAP" probe unload --all >/dev/null 2>&1
	[ -e "/var/run/netns/$NS_ING" ] && ip netns del "$NS_ING"
	[ $TESTBED_UP = 1 ] && bash "$TESTBED" down "$PREFIX" >/dev/null 2>&1
	[ -n "${KEEP_TMP:-}" ] && echo "bench: kept $TMP" >&2 || rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

die() { echo "bench: $*" >&2; exit 1; }

SECTIONS="overhead smallpkt ingest store query bytes latency audit fdinherit replay"
for SECTION in ${ONLY:-}; do
	[[ " $SECTIONS " == *" $SECTION "* ]] || die "ONLY: no section '$SECTION' (sections, in run order: $SECTIONS)"
done
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, BPF)"
[ -x "$PROVTAP" ] || die "no $PROVTAP (run \`make bench\`, or make build/provtap)"
for b in ringdrive storebench genstore rrload fdfork udpflood; do
	[ -x "$BENCHBIN/$b" ] || die "no $BENCHBIN/$b (run \`make bench\`)"
done
for t in ip tcpdump python3 taskset iperf3 strace sqlite3 tshark bpftool curl; do command -v $t >/dev/null || die "missing tool: $t"; done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (collector on one, driver on the other)"
CPU_COLL=0
CPU_DRV=1
TCK=$(getconf CLK_TCK)

# ---- collector helpers -----------------------------------------------------------------

# start_collector STORE SOCK LOG [CPU]: daemon, pinned to CPU if given; sets COLLECTOR.
start_collector() {
	local pin=()
	[ -n "${4:-}" ] && pin=(taskset -c "$4")
	COLLECTOR=$("${pin[@]}" "$PROVTAP" collect --store "$1" --socket "$2" --log "$3" --daemon) ||
		{ COLLECTOR=""; return 1; }
}

pid_alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# stop_collector: SIGTERM (it drains the ring, then exits); waits up to 60 s, then SIGKILL.
stop_collector() {
	local i
	[ -n "$COLLECTOR" ] || return 0
	kill -TERM "$COLLECTOR" 2>/dev/null
	for i in $(seq 600); do pid_alive "$COLLECTOR" || break; sleep 0.1; done
	if pid_alive "$COLLECTOR"; then
		log "collector $COLLECTOR did not stop in 60 s; killing it"
		kill -KILL "$COLLECTOR" 2>/dev/null
		COLLECTOR=""
		return 1
	fi
	COLLECTOR=""
}

# CPU seconds (user+sys) the process used so far, in clock ticks.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

backlog() { "$PROVTAP" probe status --json | sed -n 's/.*"ring_backlog_bytes":\([0-9-]*\).*/\1/p'; }

# wait_drained TIMEOUT_S: until the ring is empty. 0 ok, 1 timeout.
wait_drained() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	while [ "$(backlog)" != 0 ]; do
		[ "$(date +%s%N)" -lt $deadline ] || return 1
		sleep 0.005
	done
}

now_ns() { date +%s%N; }

# row KEY=VALUE...: one result row
row() { lib row "$@" >>"$ROWS"; }

# ---- 1. collector ingest -----------------------------------------------------------------

# ingest_step RATE SECONDS: one paced run with a fresh collector and store. Sets
# STEP_OK (1 all checks passed, 0 drops at this rate = capacity exceeded, 2 a check
# failed that must not fail: STEP_WHY says which), STEP_RATE (achieved records/s),
# STEP_RPC (records per collector CPU-second), STEP_N, STEP_LAG_MS, STEP_SEAL_S.
ingest_step() {
	local rate=$1 secs=$2 dir=$TMP/ingest store sock log t0 t1 c0 c1 drv n rec0 drop0 rec1 drop1 \
		cnt lost stats sealed active ts0 ts1 drained=1
	rm -rf "$dir"
	mkdir -p "$dir"
	store=$dir/store sock=$dir/collect.sock log=$dir/collect.log
	STEP_OK=2 STEP_WHY="" STEP_RATE=0 STEP_RPC=0 STEP_N=0 STEP_LAG_MS=0 STEP_SEAL_S=0 STEP_PEAK=0
	read -r rec0 drop0 _ _ < <("$PROVTAP" probe status --json | lib status)
	if ! start_collector "$store" "$sock" "$log" $CPU_COLL; then
		STEP_WHY="the collector did not start"
		return
	fi
	c0=$(cpu_ticks "$COLLECTOR")
	t0=$(now_ns)
	drv=$(taskset -c $CPU_DRV "$BENCHBIN/ringdrive" --prog-id "$ING_PROG" --rate "$rate" --seconds "$secs" \
		--repeat "$ING_REPEAT" --frames 256 --ring "$PROVTAP_PIN_DIR/pt_ring" 2>"$dir/drive.err") || {
		STEP_WHY="ringdrive failed: $(head -c 200 "$dir/drive.err")"
		stop_collector
		return
	}
	t1=$(now_ns)
	wait_drained 60 || drained=0
	local td
	td=$(now_ns)
	c1=$(cpu_ticks "$COLLECTOR")
	stop_collector || { STEP_WHY="the collector did not stop on SIGTERM"; return; }
	read -r n STEP_RATE reached STEP_PEAK < <(echo "$drv" | lib get records rate reached peak_ring_pct)
	read -r rec1 drop1 _ _ < <("$PROVTAP" probe status --json | lib status)
	STEP_N=$n
	STEP_LAG_MS=$(((td - t1) / 1000000))
	if grep -qiE "error|cannot|malformed" "$log"; then
		STEP_WHY="collector log: $(grep -iE "error|cannot|malformed" "$log" | head -1)"
		return
	fi
	[ $drained = 1 ] || { STEP_WHY="the ring was not drained 60 s after the driver stopped"; return; }
	if [ $((rec1 - rec0)) -ne "$n" ]; then
		STEP_WHY="probe recorded $((rec1 - rec0)) + dropped $((drop1 - drop0)), driver ran $n"
		[ $((rec1 - rec0 + drop1 - drop0)) -eq "$n" ] || return
	fi
	if [ $((drop1 - drop0)) -ne 0 ]; then
		STEP_OK=0
		STEP_WHY="$((drop1 - drop0)) ring-buffer drops"
		return
	fi
	ts0=$(now_ns)
	"$PROVTAP" store seal --store "$store" >"$dir/seal.out" 2>&1 || {
		STEP_WHY="store seal failed: $(head -c 200 "$dir/seal.out")"
		return
	}
	ts1=$(now_ns)
	STEP_SEAL_S=$(awk -v a="$ts0" -v b="$ts1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	cnt=$("$PROVTAP" store count --store "$store" --json 2>"$dir/count.err" | lib count)
	stats=$("$PROVTAP" store stats --store "$store" --json 2>>"$dir/count.err")
	read -r sealed active < <(echo "$stats" | lib get sealed_packet_records active_records)
	if [ -s "$dir/count.err" ]; then
		STEP_WHY="store count/stats complained: $(head -c 200 "$dir/count.err")"
		return
	fi
	if [ "$cnt" != "$n" ] || [ "$sealed" != "$n" ] || [ "$active" != 0 ]; then
		STEP_WHY="driver ran $n records, store count $cnt, sealed packet records $sealed, active records $active"
		return
	fi
	if [ "$reached" != True ] && [ "$reached" != true ]; then
		STEP_OK=0
		STEP_WHY="the driver reached only $STEP_RATE records/s"
		return
	fi
	STEP_RPC=$(awk -v n="$n" -v t=$((c1 - c0)) -v k="$TCK" 'BEGIN { printf "%.0f", t ? n / (t / k) : 0 }')
	STEP_CPU_S=$(awk -v t=$((c1 - c0)) -v k="$TCK" 'BEGIN { printf "%.2f", t / k }')
	STEP_OK=1
	rm -rf "$dir"
}

bench_ingest() {
	local rates secs reps best=0 fail_why="" failed="" out rpcs=() achieved=() seals=() peaks=() i
	local passed=() k need unstable
	say "1. collector ingest: ring buffer -> sealed store, collector on CPU $CPU_COLL, driver on CPU $CPU_DRV"
	if [ $QUICK = 1 ]; then rates="750000 1000000 1500000" secs=2 reps=2; else
		rates="250000 500000 750000 1000000 1500000 2000000" secs=5 reps=3; fi
	ING_REPEAT=8
	ip netns add "$NS_ING" || { row name=ingest result=FAILED reason="cannot create netns"; return; }
	ip -n "$NS_ING" link add "$VETH_ING" type veth peer name "${VETH_ING%a}b" ||
		{ row name=ingest result=FAILED reason="cannot create veth"; return; }
	if ! "$PROVTAP" probe load --iface "$VETH_ING@$NS_ING:in" --ring-mb 64 >"$TMP/load.out" 2>&1; then
		row name="collector ingest" result=FAILED reason="probe load failed: $(tail -1 "$TMP/load.out")"
		return
	fi
	ING_PROG=$("$PROVTAP" probe status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["points"][0]["prog_id"])')
	log "probe on $VETH_ING@$NS_ING:in, program id $ING_PROG, 64 MiB ring; ${secs}s per rate"
	for r in $rates; do
		ingest_step "$r" "$secs"
		case $STEP_OK in
		1) log "$(printf '%9d/s target: ok   %9.0f/s achieved, %d records, %s CPU-s -> %s records/CPU-s, peak ring fill %s%%, drained %d ms after the driver, final seal %ss' \
			"$r" "$STEP_RATE" "$STEP_N" "$STEP_CPU_S" "$STEP_RPC" "$STEP_PEAK" "$STEP_LAG_MS" "$STEP_SEAL_S")"
			best=$r
			passed+=("$r")
			peaks=("$STEP_PEAK")
			rpcs=("$STEP_RPC")
			achieved=("$STEP_RATE")
			seals=("$STEP_SEAL_S") ;;
		0) log "$(printf '%9d/s target: over capacity (%s; peak ring fill %s%%)' "$r" "$STEP_WHY" "$STEP_PEAK")"
			fail_why="$r/s: $STEP_WHY"
			break ;;
		*) log "$(printf '%9d/s target: FAILED: %s' "$r" "$STEP_WHY")"
			failed="$r/s: $STEP_WHY"
			break ;;
		esac
	done
	# Repeat the highest rate that passed; when a repeat falls short there (ring drops, or the
	# driver itself not reaching the pace), the next lower rate that passed is repeated afresh
	# and reported: the figure is the highest rate that held every repetition.
	if [ -z "$failed" ] && [ ${#passed[@]} -gt 0 ]; then
		k=$((${#passed[@]} - 1)) need=$((reps - 1))
		while :; do
			best=${passed[$k]} unstable=""
			for ((i = 0; i < need; i++)); do
				ingest_step "$best" "$secs"
				if [ "$STEP_OK" = 1 ]; then
					log "$(printf '%9d/s repeat: ok, %s records/CPU-s, peak ring fill %s%%' "$best" "$STEP_RPC" "$STEP_PEAK")"
					peaks+=("$STEP_PEAK")
					rpcs+=("$STEP_RPC")
					achieved+=("$STEP_RATE")
					seals+=("$STEP_SEAL_S")
					continue
				fi
				log "$(printf '%9d/s repeat: not ok: %s' "$best" "$STEP_WHY")"
				[ "$STEP_OK" = 2 ] && failed="$best/s repeat: $STEP_WHY" && break 2
				unstable="$best/s repeat: $STEP_WHY (not repeatable)"
				break
			done
			[ -z "$unstable" ] && break
			fail_why=$unstable
			if [ $k -eq 0 ]; then
				best_unstable=1
				break
			fi
			k=$((k - 1)) need=$reps peaks=() rpcs=() achieved=() seals=()
			log "repeating the next lower rate, ${passed[$k]}/s, $reps times"
		done
	fi
	"$PROVTAP" probe unload --all >/dev/null 2>&1
	ip netns del "$NS_ING"
	local wl="tc probe driven by bpf_prog_test_run (256 frames x $ING_REPEAT repeats), ${secs}s per rate, 64 MiB ring, default 16 MiB segments"
	if [ -n "$failed" ]; then
		row name="collector ingest" workload="$wl" result=FAILED reason="$failed"
		return
	fi
	if [ "$best" = 0 ]; then
		row name="collector ingest" workload="$wl" value=0 unit="rec/s" target=">= 1,000,000 rec/s, 0 drops" \
			result=FAIL note="no rate passed: $fail_why"
		return
	fi
	local res=PASS
	[ "$best" -ge 1000000 ] && [ -z "${best_unstable:-}" ] || res=FAIL
	read -r amin amed amax < <(lib spread "${achieved[@]}")
	row name="collector ingest" workload="$wl" value="$best" unit="rec/s" reps=${#achieved[@]} \
		spread="[$amin,$amed,$amax]" target=">= 1,000,000 rec/s, 0 drops" result=$res \
		note="highest paced rate (of: ${rates// /, }) with 0 ring drops and every record sealed in each of its repetitions (a rate that fell short on a repetition gives way to the next lower one); spread = achieved rate at that step.${fail_why:+ Next: $fail_why.}${best_unstable:+ Not repeatable at this rate.} Peak ring fill at that rate: ${peaks[*]} % (100 % = drops). Final store seal after stop took ${seals[*]} s."
	read -r rmin rmed rmax < <(lib spread "${rpcs[@]}")
	row name="collector CPU efficiency" workload="same runs, at $best rec/s" value="$rmed" unit="rec/CPU-s" \
		reps=${#rpcs[@]} spread="[$rmin,$rmed,$rmax]" target="-" result="info" \
		note="records / (collector utime+stime from /proc/PID/stat, start to drained)"
}

# ---- 1b. store alone ------------------------------------------------------------------------

bench_store() {
	local n reps i out rates=() bpr="" res
	say "1b. store alone: append + seal of synthetic packet records (CPU $CPU_COLL)"
	if [ $QUICK = 1 ]; then n=1000000 reps=2; else n=2000000 reps=3; fi
	for ((i = 0; i < reps; i++)); do
		rm -rf "$TMP/sb"
		if ! out=$(taskset -c $CPU_COLL "$BENCHBIN/storebench" --dir "$TMP/sb" --records $n 2>"$TMP/sb.err"); then
			row name="store append+seal" result=FAILED reason="storebench: $(head -c 200 "$TMP/sb.err") $out"
			rm -rf "$TMP/sb"
			return
		fi
		rm -rf "$TMP/sb"
		read -r r s a b < <(echo "$out" | lib get append_seal_rate seal_s append_rate bytes_per_record)
		log "run $((i + 1)): $r records/s append+seal (append alone $a/s, seal ${s}s), $b bytes/record"
		rates+=("$r")
		bpr=$b
	done
	read -r mn md mx < <(lib spread "${rates[@]}")
	# phases apart: one run with a single segment (no inline seals), then one seal of it all
	rm -rf "$TMP/sb"
	out=$(taskset -c $CPU_COLL "$BENCHBIN/storebench" --dir "$TMP/sb" --records $n --segment-size 100000000000 2>"$TMP/sb.err") || {
		row name="store append+seal" result=FAILED reason="storebench (one segment): $(head -c 200 "$TMP/sb.err") $out"
		rm -rf "$TMP/sb"
		return
	}
	rm -rf "$TMP/sb"
	read -r a s < <(echo "$out" | lib get append_rate seal_s)
	local sr
	sr=$(awk -v n=$n -v s="$s" 'BEGIN { printf "%.0f", n / s }')
	log "phases apart: append alone $a records/s, seal alone $sr records/s"
	row name="store append+seal" workload="$n synthetic 144-byte packet records (256 flows, distinct), 6000/batch, 64 MiB segments, one thread" \
		value="$md" unit="rec/s" reps=$reps spread="[$mn,$md,$mx]" target="-" result=info \
		note="read back and checked (count, order, no corruption); segments are sealed inline as they fill, as in the collector. Phases apart (one run, one segment): append alone $a rec/s, seal alone $sr rec/s. $bpr bytes/record on disk"
}

# ---- 4. query speed vs sqlite3 ------------------------------------------------------------

# sql_seg A B: the SQL of one segment (point ids A -> B): loss (NOT IN) and delay (join on fp,
# nearest-rank percentiles through ORDER BY / OFFSET), as "seg|A|B|loss|N" and
# "seg|A|B|delay|COUNT|P50|P90|P99|MAX" (µs, rounded to nearest as provtap keeps them).
sql_seg() {
	local a=$1 b=$2 t=d_$1_$2 p
	echo "SELECT 'seg|$a|$b|loss|' || count(*) FROM pkt WHERE point = $a AND fp NOT IN (SELECT fp FROM pkt WHERE point = $b);"
	echo "CREATE TEMP TABLE $t AS SELECT (b.ts - a.ts + 500) / 1000 AS us FROM pkt a JOIN pkt b ON b.fp = a.fp WHERE a.point = $a AND b.point = $b ORDER BY us;"
	printf "SELECT 'seg|$a|$b|delay|' || (SELECT count(*) FROM $t)"
	for p in 50 90 99; do
		printf " || '|' || (SELECT us FROM $t LIMIT 1 OFFSET (SELECT (count(*) * $p + 99) / 100 - 1 FROM $t))"
	done
	echo " || '|' || (SELECT max(us) FROM $t);"
}

# timed OUT ERR RSSFILE CMD...: run CMD on CPU $CPU_COLL; prints seconds; peak RSS (KiB) in RSSFILE
timed() {
	local out=$1 err=$2 rss=$3 t0 t1 rc
	shift 3
	t0=$(now_ns)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$rss" taskset -c $CPU_COLL "$@" >"$out" 2>"$err"
		rc=$?
	else
		taskset -c $CPU_COLL "$@" >"$out" 2>"$err"
		rc=$?
		echo 0 >"$rss"
	fi
	t1=$(now_ns)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
	return $rc
}

# size_m N: "1 M records", "10 M records"; below 1 M one decimal ("0.4 M records")
size_m() { awk -v n="$1" 'BEGIN { printf (n < 1e6 ? "%.1f M records" : "%.0f M records"), n / 1e6 }'; }

# bench_query: hops/loss/delay at 1 M and 10 M records, then rtt/throughput
# (bench/run_query_tcp.sh) at the same sizes. QUICK: smaller stores only, 0.4 M records for
# hops/loss/delay and 0.2 M for rtt/throughput (the 10 M targets are then not judged).
bench_query() {
	local pk
	say "4. query speed: provtap query hops/loss/delay/rtt/throughput vs sqlite3 (and tshark) on the same rows (CPU $CPU_COLL)"
	for pk in $([ $QUICK = 1 ] && echo 100000 || echo 250000 2500000); do
		bench_query_path $pk
	done
	for pk in $([ $QUICK = 1 ] && echo 133334 || echo 666667 6666667); do
		bench_query_tcp $pk
	done
}

# bench_query_path PACKETS: the path store (bench/genstore) of PACKETS x 4 points.
bench_query_path() {
	local d=$TMP/query pk=$1 reps gen records lost lfrom lto pts sqls load_s i op sz
	if [ $QUICK = 0 ] && [ "$pk" -lt 1000000 ]; then reps=3; else reps=2; fi
	rm -rf "$d"
	mkdir -p "$d"
	if ! command -v sqlite3 >/dev/null; then
		row name="query hops" result=FAILED reason="sqlite3 not installed (make bench installs it)"
		return
	fi
	gen=$(taskset -c $CPU_COLL "$BENCHBIN/genstore" --dir "$d/store" --packets $pk --csv "$d/rows.csv" 2>"$d/gen.err") || {
		row name="query hops" result=FAILED reason="genstore: $(head -c 200 "$d/gen.err")"
		return
	}
	echo "$gen" >"$d/gen.json"
	read -r records lost lfrom lto < <(echo "$gen" | lib get records lost lost_from lost_to)
	mapfile -t pts < <(echo "$gen" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["points"]))')
	log "generated $records packet records ($pk packets x ${#pts[@]} points, $lost lost $lfrom -> $lto), $(echo "$gen" | lib get disk_bytes) bytes on disk"
	sz=$(size_m "$records")
	# the peer's table: the same rows (point, fp, ts), indexed on (point, fp); loading is not timed in the ratio
	{
		echo "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
		echo "CREATE TABLE pkt(point INTEGER NOT NULL, fp INTEGER NOT NULL, ts INTEGER NOT NULL);"
		echo ".mode csv"
		echo ".import $d/rows.csv pkt"
		echo "CREATE INDEX pkt_point_fp ON pkt(point, fp);"
		echo "ANALYZE;"
		echo ".mode list"
		echo "SELECT 'rows|' || count(*) FROM pkt;"
	} >"$d/load.sql"
	load_s=$(timed "$d/load.out" "$d/load.err" "$d/load.rss" sqlite3 "$d/db" -init /dev/null <"$d/load.sql") ||
		{ row name="query hops" result=FAILED reason="sqlite3 load: $(head -c 200 "$d/load.err")"; return; }
	rm -f "$d/rows.csv"
	if [ "$(tail -1 "$d/load.out")" != "rows|$records" ]; then
		row name="query hops" result=FAILED reason="sqlite3 loaded $(tail -1 "$d/load.out"), expected rows|$records"
		return
	fi
	log "sqlite3: loaded and indexed in ${load_s}s (not counted)"
	# the same session settings for every query run: a fair cache, temp tables in memory
	local prag="PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;"
	{ echo "$prag"; for ((i = 0; i + 1 < ${#pts[@]}; i++)); do sql_seg $i $((i + 1)); done; } >"$d/hops.sql"
	local ia=1 ib=2
	for ((i = 0; i < ${#pts[@]}; i++)); do
		[ "${pts[$i]}" = "$lfrom" ] && ia=$i
		[ "${pts[$i]}" = "$lto" ] && ib=$i
	done
	{ echo "$prag"; sql_seg $ia $ib | head -1; } >"$d/loss.sql"
	{ echo "$prag"; sql_seg $ia $ib | tail -2; } >"$d/delay.sql"
	for op in hops loss delay; do
		local pargs=(query "$op" '' --store "$d/store" --json) ptimes=() stimes=() why="" prss=0 srss=0 ps ss r
		[ "$op" = hops ] || pargs+=(--from "$lfrom" --to "$lto")
		for ((i = 1; i <= reps; i++)); do
			# alternate which one goes first
			for who in $([ $((i % 2)) = 1 ] && echo "p s" || echo "s p"); do
				if [ $who = p ]; then
					ps=$(timed "$d/$op.p.out" "$d/$op.p.err" "$d/$op.p.rss" "$PROVTAP" "${pargs[@]}") ||
						{ why="provtap query $op failed: $(head -c 200 "$d/$op.p.err")"; break 2; }
					ptimes+=("$ps")
					r=$(cat "$d/$op.p.rss")
					[ "$r" -gt "$prss" ] && prss=$r
				else
					ss=$(timed "$d/$op.s.out" "$d/$op.s.err" "$d/$op.s.rss" sqlite3 -init /dev/null "$d/db" <"$d/$op.sql") ||
						{ why="sqlite3 failed: $(head -c 200 "$d/$op.s.err")"; break 2; }
					stimes+=("$ss")
					r=$(cat "$d/$op.s.rss")
					[ "$r" -gt "$srss" ] && srss=$r
				fi
			done
			local chk
			chk=$(python3 "$ROOT/bench/querycheck.py" "$d/gen.json" "$d/$op.p.out" "$d/$op.s.out" $op "$lfrom" "$lto")
			[ "$chk" = ok ] || { why="answers differ: $chk"; break; }
			log "$op run $i: provtap ${ps}s (peak RSS $(cat "$d/$op.p.rss") KiB), sqlite3 ${ss}s; answers agree"
		done
		local nm="query $op ($sz)" wl
		case $op in
		hops) wl="\`query hops ''\` over $records packet records ($pk packets x ${#pts[@]} points, 1 % loss on one segment), one core";;
		*) wl="\`query $op '' --from $lfrom --to $lto\` over the same $records records, one core";;
		esac
		if [ -n "$why" ]; then
			row name="$nm" workload="$wl" result=FAILED reason="$why"
			continue
		fi
		local pmn pmd pmx smn smd smx ratio res target
		read -r pmn pmd pmx < <(lib spread "${ptimes[@]}")
		read -r smn smd smx < <(lib spread "${stimes[@]}")
		ratio=$(awk -v a="$smd" -v b="$pmd" 'BEGIN { printf "%.1f", a / b }')
		res=info target="-"
		if [ "$op" = hops ] && [ "$pk" -ge 2500000 ]; then
			target=">= 20x sqlite3 (10 M records)"
			awk -v r="$ratio" 'BEGIN { exit !(r >= 20) }' && res=PASS || res=FAIL
		fi
		row name="$nm vs sqlite3" workload="$wl" value="$pmd" unit=s peer="sqlite3 $(sqlite3 --version | cut -d' ' -f1), indexed (point, fp)" \
			peer_value="$smd" ratio="$ratio" reps=$reps spread="[$pmn,$pmd,$pmx]" target="$target" result=$res \
			note="answers checked equal (provtap = sqlite3 = generator: lost, delay count, p50/p90/p99/max us). sqlite3 spread [$smn,$smd,$smx] s, its load + index ${load_s}s not counted; ratio = sqlite3 / provtap medians. provtap peak RSS $prss KiB (store $(echo "$gen" | lib get disk_bytes) B), sqlite3 $srss KiB"
		if [ "$op" = hops ]; then
			local full=$((pk >= 2500000))
			res=info
			if [ $full = 1 ]; then
				awk -v x="$pmd" 'BEGIN { exit !(x < 2) }' && res=PASS || res=FAIL
			fi
			row name="query hops time ($sz)" workload="$wl" value="$pmd" unit=s reps=$reps spread="[$pmn,$pmd,$pmx]" \
				target="$([ $full = 1 ] && echo '< 2 s over 10 M records' || echo '- (the target is for 10 M records)')" result=$res \
				note="taskset -c $CPU_COLL; peak RSS $prss KiB: bounded (fingerprints within the 10 s horizon + delay samples), not the store"
		fi
	done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$d"
}

# rtt and throughput over a generated TCP store (bench/run_query_tcp.sh)
source "$ROOT/bench/run_query_tcp.sh"

# ---- testbed for 2 and 3 ------------------------------------------------------------------

# testbed_net_up: the testbed's namespaces and veths (once); sets HOPS and TB_IFACES.
testbed_net_up() {
	[ $TESTBED_UP = 1 ] && return 0
	bash "$TESTBED" up "$PREFIX" >"$TMP/testbed.out" 2>&1 || { cat "$TMP/testbed.out" >&2; return 1; }
	TESTBED_UP=1
	eval "$(bash "$TESTBED" env "$PREFIX")"
	mapfile -t HOPS < <(bash "$TESTBED" names "$PREFIX")
	local h
	TB_IFACES=()
	for h in "${HOPS[@]}"; do TB_IFACES+=(--iface "${h% *}:both"); done
}

# testbed_up: the testbed with packet probes on all 6 veths both ways (12 points, snaplen 0),
# as the bytes and latency benchmarks use it. Other sections load their own probes and set
# TB_PROBES to say these are not loaded.
TB_PROBES=none
testbed_up() {
	testbed_net_up || return 1
	[ "$TB_PROBES" = all ] && return 0
	"$PROVTAP" probe unload --all >/dev/null 2>&1
	"$PROVTAP" probe load "${TB_IFACES[@]}" --snaplen 0 >"$TMP/load2.out" 2>&1 || { cat "$TMP/load2.out" >&2; return 1; }
	TB_PROBES=all
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---- 2. bytes per record ------------------------------------------------------------------

# bytes_rep I: one repetition; appends "bpr pcap_bpp" to $TMP/bpr.txt or sets BYTES_WHY.
bytes_rep() {
	local i=$1 d=$TMP/bytes$1 tcpbytes udpn pcap tdpid rec drop n0 stats bpr bpp pkts pbytes srv sink \
		pin pout tcp_pcap udp_pts lost
	mkdir -p "$d"
	BYTES_WHY=""
	if [ $QUICK = 1 ]; then tcpbytes=20000000 udpn=2000; else tcpbytes=50000000 udpn=5000; fi
	read -r _ n0 _ _ < <("$PROVTAP" probe status --json | lib status)
	start_collector "$d/store" "$d/sock" "$d/collect.log" || { BYTES_WHY="the collector did not start"; return; }
	# not through a shell function: a background subshell ignores SIGINT/SIGTERM handling we need
	ip netns exec "$NS_R1" tcpdump -i "$VETH_R1A" -s 128 -U -w "$d/cap.pcap" 2>"$d/tcpdump.err" &
	tdpid=$!
	BG+=($tdpid)
	for _ in $(seq 100); do grep -q "listening on" "$d/tcpdump.err" && break; sleep 0.05; done
	nsx "$NS_SERVER" python3 "$TRAFFIC" tcp-server --port 8080 --timeout 60 >"$d/srv.json" &
	srv=$!
	BG+=($srv)
	nsx "$NS_SERVER" python3 "$TRAFFIC" udp-sink --port 9000 --count $udpn --idle 3 --timeout 60 >"$d/sink.json" &
	sink=$!
	BG+=($sink)
	nsx "$NS_SERVER" python3 "$TRAFFIC" ready --tcp --port 8080 >/dev/null &&
		nsx "$NS_SERVER" python3 "$TRAFFIC" ready --port 9000 >/dev/null || { BYTES_WHY="servers did not start"; return; }
	nsx "$NS_CLIENT" python3 "$TRAFFIC" tcp-client --dst "$SERVER_IP" --port 8080 --bytes $tcpbytes >"$d/cli.json" &&
		nsx "$NS_CLIENT" python3 "$TRAFFIC" udp-send --dst "$SERVER_IP" --port 9000 --count $udpn --size 200 \
			--rate 5000 >"$d/send.json" || { BYTES_WHY="traffic generator failed"; return; }
	wait $sink
	wait $srv
	kill -TERM $tdpid
	wait $tdpid
	wait_drained 30 || { BYTES_WHY="ring not drained"; return; }
	sleep 1.2	# one collector tick: LOSS records for any drop are written on ticks
	stop_collector || { BYTES_WHY="collector did not stop"; return; }
	read -r _ drop _ _ < <("$PROVTAP" probe status --json | lib status)
	[ "$drop" = "$n0" ] || { BYTES_WHY="$((drop - n0)) ring-buffer drops"; return; }
	"$PROVTAP" store seal --store "$d/store" >/dev/null 2>"$d/seal.err" || { BYTES_WHY="store seal: $(cat "$d/seal.err")"; return; }
	stats=$("$PROVTAP" store stats --store "$d/store" --json)
	read -r bpr srecs spkts sbytes active < <(echo "$stats" | lib get sealed_bytes_per_record sealed_records \
		sealed_packet_records sealed_bytes active_records)
	read -r pkts pbytes _ < <(lib pcap "$d/cap.pcap")
	# validity: UDP datagrams at every one of the 6 points == sent == received; TCP packets at
	# r1a (both directions) in the store == in the pcap; nothing active; tcpdump dropped none
	local sent recv
	sent=$(lib get sent <"$d/send.json")
	recv=$(lib get received <"$d/sink.json")
	udp_pts=$("$PROVTAP" store count --store "$d/store" 'udp and dst port 9000' --json | python3 -c '
import json, sys
c = [json.loads(l)["packets"] for l in sys.stdin if l.strip()]
print(len(c), min(c) if c else 0, max(c) if c else 0)')
	pin=$("$PROVTAP" store count --store "$d/store" "tcp and port 8080 and point $VETH_R1A@$NS_R1" --json | lib count)
	tcp_pcap=$(tcpdump -nr "$d/cap.pcap" 'tcp port 8080' 2>/dev/null | wc -l)
	if [ "$active" != 0 ] || [ "$sent" != "$udpn" ] || [ "$recv" != "$udpn" ] || [ "$udp_pts" != "6 $udpn $udpn" ] ||
		[ "$pin" != "$tcp_pcap" ] || ! grep -q "^0 packets dropped by kernel" "$d/tcpdump.err"; then
		BYTES_WHY="counts: udp sent $sent received $recv, per point (points min max) $udp_pts; tcp at $VETH_R1A store $pin pcap $tcp_pcap; active $active; tcpdump: $(grep dropped "$d/tcpdump.err" | tr '\n' ' ')"
		return
	fi
	bpp=$(awk -v b="$pbytes" -v n="$pkts" 'BEGIN { printf "%.2f", b / n }')
	local bppr
	bppr=$(awk -v b="$sbytes" -v n="$spkts" 'BEGIN { printf "%.2f", b / n }')
	log "run $i: $srecs records ($spkts packets) sealed in $sbytes bytes: $bpr bytes/record ($bppr per packet record); pcap: $pkts packets in $pbytes bytes: $bpp bytes/packet"
	echo "$bpr $bpp $bppr $spkts $pkts" >>"$TMP/bpr.txt"
	rm -rf "$d"
}

bench_bytes() {
	local reps i
	say "2. stored bytes per record, demo traffic (TCP bulk + UDP), 12 probes (6 veths x in/out), snaplen 0"
	if [ $QUICK = 1 ]; then reps=1; else reps=3; fi
	testbed_up || { row name="stored bytes/record" result=FAILED reason="testbed or probe load failed"; return; }
	rm -f "$TMP/bpr.txt"
	for ((i = 1; i <= reps; i++)); do
		bytes_rep $i
		if [ -n "$BYTES_WHY" ]; then
			[ -n "$COLLECTOR" ] && stop_collector
			row name="stored bytes/record" result=FAILED reason="run $i: $BYTES_WHY"
			return
		fi
	done
	read -r mn md mx < <(lib spread $(cut -d' ' -f1 "$TMP/bpr.txt"))
	read -r _ pmd _ < <(lib spread $(cut -d' ' -f2 "$TMP/bpr.txt"))
	read -r _ kmd _ < <(lib spread $(cut -d' ' -f3 "$TMP/bpr.txt"))
	local res=PASS
	awk -v x="$md" 'BEGIN { exit !(x <= 16) }' || res=FAIL
	local tcpmb=50
	[ $QUICK = 1 ] && tcpmb=20
	row name="stored bytes/record" workload="testbed client-r1-r2-server: TCP ${tcpmb} MB + UDP 200-byte datagrams, all records sealed (DEFLATE)" \
		value="$md" unit="B/rec" peer="tcpdump -w -s 128 at one veth" peer_value="$pmd" \
		ratio="$(awk -v a="$md" -v b="$pmd" 'BEGIN { printf "%.3f", a / b }')" reps=$reps spread="[$mn,$md,$mx]" \
		target="<= 16 B/rec" result=$res \
		note="per packet record (excluding point/clock/stats records): $kmd B; raw record is 144 B + framing. pcap figure = file size / packets (24 B file header + 16 B per packet + up to 128 B of frame)."
}

# ---- 3. tail latency ----------------------------------------------------------------------

bench_latency() {
	local d=$TMP/lat n secs rate=50 out expect
	say "3. tail latency: probe -> \`provtap tail --json\` line, UDP at ${rate}/s through 6 points"
	if [ $QUICK = 1 ]; then secs=3; else secs=10; fi
	n=$((rate * secs))
	expect=$((n * 6))
	mkdir -p "$d"
	testbed_up || { row name="tail latency" result=FAILED reason="testbed or probe load failed"; return; }
	start_collector "$d/store" "$d/sock" "$d/collect.log" || { row name="tail latency" result=FAILED reason="collector did not start"; return; }
	python3 "$ROOT/bench/taillat.py" --provtap "$PROVTAP" --socket "$d/sock" \
		--filter 'udp and (dst port 9100 or dst port 9101)' --expect $expect --timeout $((secs + 30)) \
		--ready-file "$d/ready" --warmup-port 9101 >"$d/lat.json" &
	local lp=$!
	BG+=($lp)
	local i
	for i in $(seq 50); do
		[ -e "$d/ready" ] && break
		nsx "$NS_CLIENT" python3 "$TRAFFIC" udp-send --dst "$SERVER_IP" --port 9101 --count 1 >/dev/null 2>&1
		sleep 0.1
	done
	if [ ! -e "$d/ready" ]; then
		stop_collector
		row name="tail latency" result=FAILED reason="the tail delivered no warm-up packet in 5 s"
		return
	fi
	nsx "$NS_SERVER" python3 "$TRAFFIC" udp-sink --port 9100 --count $n --idle 3 --timeout $((secs + 20)) >"$d/sink.json" &
	local sink=$!
	BG+=($sink)
	nsx "$NS_SERVER" python3 "$TRAFFIC" ready --port 9100 >/dev/null
	nsx "$NS_CLIENT" python3 "$TRAFFIC" udp-send --dst "$SERVER_IP" --port 9100 --count $n --size 64 --rate $rate >"$d/send.json"
	wait $sink
	wait $lp
	stop_collector
	out=$(cat "$d/lat.json")
	local complete p50 p99 mn mx neg other recv
	read -r complete p50 p99 mn mx neg < <(echo "$out" | lib get complete p50_ms p99_ms min_ms max_ms negative)
	other=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["other_lines"])')
	recv=$(lib get received <"$d/sink.json")
	log "samples: $(echo "$out" | lib get samples)/$expect, p50 $p50 ms, p99 $p99 ms, min $mn, max $mx; other lines $other"
	if [ "$complete" != True ] || [ "$recv" != "$n" ] || [ "$neg" != 0 ]; then
		row name="tail latency" result=FAILED reason="tail lines $(echo "$out" | lib get samples)/$expect, sink got $recv/$n, negative latencies $neg; $out"
		return
	fi
	local res=PASS
	awk -v x="$p99" 'BEGIN { exit !(x < 100) }' || res=FAIL
	row name="tail latency p50" workload="UDP ${rate}/s for ${secs}s, 6 points on the path, idle machine" value="$p50" unit=ms \
		reps="$expect" spread="[$mn,$p50,$mx]" target="-" result=info \
		note="latency = CLOCK_BOOTTIME when python read the tail's line - record ts_ns (bpf_ktime_get_boot_ns at the probe); reps = tail lines measured"
	row name="tail latency p99" workload="same" value="$p99" unit=ms reps="$expect" spread="[$mn,$p99,$mx]" \
		target="< 100 ms" result=$res
}

# ---- 5, 6. capture overhead and small-packet rate vs tcpdump (bench/run_capture.sh) ----------

source "$ROOT/bench/run_capture.sh"

# ---- 6, 7. process probes: content audit, FD inheritance (bench/run_audit.sh) ----------------

source "$ROOT/bench/run_audit.sh"

# ---- 9. record and replay (bench/replay_bench.sh) ------------------------------------------

# bench_replay: bench/replay_bench.sh appends its own three rows (record overhead: curl,
# client/server; replay --timing fast speedup), each PASS/FAIL against issue 6's targets or
# FAILED with its reason. If it stops early without saying why (crash, signal), a FAILED row
# says so: a missing figure is never silent.
bench_replay() {
	local n0 rc new
	say "9. record/replay: provtap record overhead (curl, client/server); replay --timing fast vs the original run"
	touch "$ROWS"
	n0=$(wc -l <"$ROWS")
	PROVTAP=$PROVTAP QUICK=$QUICK BENCH_TMPDIR=$TMP bash "$ROOT/bench/replay_bench.sh" >>"$ROWS"
	rc=$?
	new=$(($(wc -l <"$ROWS") - n0))
	if { [ $rc != 0 ] || [ $new -lt 3 ]; } && ! tail -n "$new" "$ROWS" | grep -q '"result": "FAILED"'; then
		row name="record/replay" result=FAILED reason="bench/replay_bench.sh exited with status $rc after $new of its 3 rows"
	fi
}

# ---- main ------------------------------------------------------------------------------------

START=$(date +%s)
cd "$ROOT"
python3 - "$TMP/meta.json" "$QUICK" <<'EOF'
import json, os, platform, subprocess, sys, time
def sh(c):
    try:
        return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return ""
model = ""
for l in open("/proc/cpuinfo"):
    if l.startswith("model name"):
        model = l.split(":", 1)[1].strip()
        break
meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "host": platform.node(), "kernel": platform.release(),
        "cpus": os.cpu_count(), "cpu_model": model, "commit": sh("git -C %s rev-parse --short HEAD" % os.getcwd()),
        "dirty": bool(sh("git status --porcelain --untracked-files=no")), "quick": sys.argv[2] == "1"}
json.dump(meta, open(sys.argv[1], "w"))
EOF

want() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
# every section in order, each one's wall time into sections.txt ("NAME SECONDS") for the report
: >"$TMP/sections.txt"
# (names no bench_* function uses: they set globals freely)
for SECTION in $SECTIONS; do
	want "$SECTION" || continue
	SECTION_T0=$(now_ns)
	"bench_$SECTION"
	echo "$SECTION $(awk -v a="$SECTION_T0" -v b="$(now_ns)" 'BEGIN { printf "%.0f", (b - a) / 1e9 }')" >>"$TMP/sections.txt"
	log "section $SECTION took $(tail -1 "$TMP/sections.txt" | cut -d' ' -f2) s"
done

python3 - "$TMP/meta.json" "$(($(date +%s) - START))" "$TMP/sections.txt" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["seconds"] = int(sys.argv[2])
m["section_seconds"] = {k: int(v) for k, v in (l.split() for l in open(sys.argv[3]) if l.strip())}
json.dump(m, open(sys.argv[1], "w"))
EOF
echo
lib report "$ROWS" "$TMP/meta.json" "$RESULTS"
echo "($RESULTS/latest.md, latest.json; $(($(date +%s) - START)) s)"
if grep -q '"result": "FAILED"' "$ROWS"; then
	echo "bench: some benchmarks FAILED their own checks (see the table)" >&2
	RC=1
fi
exit $RC
