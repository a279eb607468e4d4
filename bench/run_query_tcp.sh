# run_query_tcp.sh — sourced by bench/run.sh: `query rtt` and `query throughput` over a
# generated TCP store (bench/genstore --tcp: data segments leaving cli0@gc:out, their ACKs
# arriving on cli0@gc:in, known answers), vs sqlite3 running the equivalent SQL on the same
# rows, and vs tshark on the store's pcapng export where tshark computes the same thing.
#
#   rtt         provtap: `query rtt '' --interval 1s --json`; sqlite3: per data segment not
#               sent twice (Karn), the first ACK of its connection covering it (index on
#               (point, flow, ack): one seek), then nearest-rank min/p50/p90/max overall and p50
#               per 1 s interval (window functions). tshark: not compared (see the note).
#   throughput  provtap: `query throughput '' --interval 1s --json`; sqlite3: GROUP BY second,
#               point; tshark (stores under 2 M records only, i.e. 1 M and QUICK's 0.2 M: ~11 s
#               per run at 1 M, minutes at 10 M):
#               `tshark -q -z io,stat,1,frame.interface_id==0,frame.interface_id==1`.
# Every run's answer is checked (bench/tcpcheck.py) before its time counts. Timed runs alternate
# which tool goes first, on CPU $CPU_COLL (timed, from bench/run.sh).

# tcp_sql DIR: write DIR/load.sql, DIR/rtt.sql, DIR/throughput.sql for DIR/rows.csv.
tcp_sql() {
	local d=$1 prag="PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;"
	cat >"$d/load.sql" <<EOF
PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
CREATE TABLE pkt(point INTEGER NOT NULL, ts INTEGER NOT NULL, flow INTEGER NOT NULL, seq INTEGER NOT NULL,
                 seq_end INTEGER NOT NULL, ack INTEGER NOT NULL, l3_len INTEGER NOT NULL);
.mode csv
.import $d/rows.csv pkt
CREATE INDEX pkt_ack ON pkt(point, flow, ack);
CREATE INDEX pkt_seq ON pkt(point, flow, seq);
ANALYZE;
.mode list
SELECT 'rows|' || count(*) FROM pkt;
EOF
	cat >"$d/rtt.sql" <<EOF
$prag
CREATE TEMP TABLE s AS
  SELECT d.ts / 1000000000 AS bin,
         ((SELECT a.ts FROM pkt a WHERE a.point = 1 AND a.flow = d.flow AND a.ack >= d.seq_end
           ORDER BY a.ack LIMIT 1) - d.ts) / 1000 AS us
  FROM pkt d
  WHERE d.point = 0 AND NOT EXISTS (SELECT 1 FROM pkt r WHERE r.point = 0 AND r.flow = d.flow
                                    AND r.seq = d.seq AND r.rowid <> d.rowid);
DELETE FROM s WHERE us IS NULL;
CREATE TEMP TABLE o AS SELECT us FROM s ORDER BY us;
SELECT 'all|' || count(*) || '|' || min(us) || '|' ||
  (SELECT us FROM o LIMIT 1 OFFSET (SELECT (count(*) * 50 + 99) / 100 - 1 FROM o)) || '|' ||
  (SELECT us FROM o LIMIT 1 OFFSET (SELECT (count(*) * 90 + 99) / 100 - 1 FROM o)) || '|' || max(us) FROM o;
SELECT 'iv|' || bin || '|' || n || '|' || us FROM (
  SELECT bin, us, row_number() OVER (PARTITION BY bin ORDER BY us) AS rn, count(*) OVER (PARTITION BY bin) AS n FROM s)
  WHERE rn = (n * 50 + 99) / 100;
EOF
	cat >"$d/throughput.sql" <<EOF
$prag
SELECT 'tp|' || (ts / 1000000000) || '|' || point || '|' || count(*) || '|' || sum(l3_len)
  FROM pkt GROUP BY ts / 1000000000, point;
EOF
}

# bench_query_tcp SEGMENTS: one store of SEGMENTS data segments (+ ACKs: ~1.5 records each).
bench_query_tcp() {
	local seg=$1 d=$TMP/qtcp reps gen records load_s op i who sz tshark_ok=0
	if [ $QUICK = 1 ] || [ "$seg" -ge 1000000 ]; then reps=2; else reps=3; fi
	rm -rf "$d"
	mkdir -p "$d"
	gen=$(taskset -c $CPU_COLL "$BENCHBIN/genstore" --tcp --dir "$d/store" --packets "$seg" --flows 256 --csv "$d/rows.csv" 2>"$d/gen.err") || {
		row name="query rtt" result=FAILED reason="genstore --tcp: $(head -c 200 "$d/gen.err")"
		return
	}
	echo "$gen" >"$d/gen.json"
	records=$(echo "$gen" | lib get records)
	sz=$(size_m "$records")
	log "generated a TCP store: $records records ($seg data segments, $(echo "$gen" | lib get acks) ACKs, $(echo "$gen" | lib get retrans) retransmitted copies, 256 connections), $(echo "$gen" | lib get disk_bytes) bytes on disk"
	tcp_sql "$d"
	load_s=$(timed "$d/load.out" "$d/load.err" "$d/load.rss" sqlite3 "$d/db" -init /dev/null <"$d/load.sql") ||
		{ row name="query rtt ($sz)" result=FAILED reason="sqlite3 load: $(head -c 200 "$d/load.err")"; return; }
	rm -f "$d/rows.csv"
	[ "$(tail -1 "$d/load.out")" = "rows|$records" ] ||
		{ row name="query rtt ($sz)" result=FAILED reason="sqlite3 loaded $(tail -1 "$d/load.out"), expected rows|$records"; return; }
	log "sqlite3: loaded and indexed in ${load_s}s (not counted)"
	if command -v tshark >/dev/null && [ "$records" -lt 2000000 ]; then
		"$PROVTAP" export pcapng '' --store "$d/store" -o "$d/export.pcapng" >"$d/export.out" 2>&1 && tshark_ok=1 ||
			log "pcapng export failed, no tshark comparison: $(tail -1 "$d/export.out")"
	fi
	for op in rtt throughput; do
		local pt=() st=() tt=() why="" ps="" ss="" ts="" chk tools="p s"
		[ $op = throughput ] && [ $tshark_ok = 1 ] && tools="p s t"
		for ((i = 1; i <= reps; i++)); do
			local order=$tools
			[ $((i % 2)) = 0 ] && order=$(echo $tools | rev)
			for who in $order; do
				case $who in
				p) ps=$(timed "$d/$op.p.out" "$d/$op.p.err" "$d/$op.p.rss" "$PROVTAP" query $op '' --store "$d/store" --interval 1s --json) ||
						{ why="provtap query $op failed: $(head -c 200 "$d/$op.p.err")"; break 2; }
					pt+=("$ps") ;;
				s) ss=$(timed "$d/$op.s.out" "$d/$op.s.err" "$d/$op.s.rss" sqlite3 -init /dev/null "$d/db" <"$d/$op.sql") ||
						{ why="sqlite3 failed: $(head -c 200 "$d/$op.s.err")"; break 2; }
					st+=("$ss") ;;
				t) ts=$(timed "$d/$op.t.out" "$d/$op.t.err" "$d/$op.t.rss" tshark -r "$d/export.pcapng" -q \
						-z io,stat,1,frame.interface_id==0,frame.interface_id==1) ||
						{ why="tshark failed: $(head -c 200 "$d/$op.t.err")"; break 2; }
					tt+=("$ts") ;;
				esac
			done
			chk=$(python3 "$ROOT/bench/tcpcheck.py" $op "$d/gen.json" "$d/$op.p.out" "$d/$op.s.out")
			[ "${chk%% *}" = ok ] || { why="answers differ: $chk"; break; }
			if [ ${#tt[@]} -gt 0 ]; then
				chk=$(python3 "$ROOT/bench/tcpcheck.py" tshark-io "$d/gen.json" "$d/$op.p.out" "$d/$op.t.out")
				[ "${chk%% *}" = ok ] || { why="tshark's answer differs: $chk"; break; }
			fi
			log "$op ($sz) run $i: provtap ${ps}s (peak RSS $(cat "$d/$op.p.rss") KiB), sqlite3 ${ss}s${ts:+, tshark ${ts}s}; answers agree ($chk)"
		done
		local wl="\`query $op '' --interval 1s\` over $records records of 256 TCP connections at one interface ($seg data segments leaving, ACKs arriving; bench/genstore --tcp), one core"
		if [ -n "$why" ]; then
			row name="query $op ($sz)" workload="$wl" result=FAILED reason="$why"
			continue
		fi
		local pmn pmd pmx smn smd smx tmn tmd tmx
		read -r pmn pmd pmx < <(lib spread "${pt[@]}")
		read -r smn smd smx < <(lib spread "${st[@]}")
		row name="query $op ($sz) vs sqlite3" workload="$wl" value="$pmd" unit=s \
			peer="sqlite3 $(sqlite3 --version | cut -d' ' -f1), indexed $([ $op = rtt ] && echo '(point, flow, ack), (point, flow, seq)' || echo '(none needed: one scan)')" \
			peer_value="$smd" ratio="$(awk -v a="$smd" -v b="$pmd" 'BEGIN { printf "%.1f", a / b }')" reps=$reps \
			spread="[$pmn,$pmd,$pmx]" target="-" result=info \
			note="answers checked equal every run: $([ $op = rtt ] && echo "provtap = sqlite3 = generator on samples, min, p50, p90, max (µs) of the interface, and provtap = sqlite3 on every 1 s interval's samples and p50 (Karn: segments sent twice give no sample)" || echo "provtap = sqlite3 on packets and L3 bytes of every 1 s interval of both points, totals = generator's"). sqlite3 spread [$smn,$smd,$smx] s, load + index ${load_s}s not counted; ratio = sqlite3 / provtap medians."
		if [ ${#tt[@]} -gt 0 ]; then
			read -r tmn tmd tmx < <(lib spread "${tt[@]}")
			row name="query $op ($sz) vs tshark" workload="same store, exported with \`provtap export pcapng\` (export not timed)" value="$pmd" unit=s \
				peer="tshark $(tshark --version 2>/dev/null | head -1 | awk '{print $3}') -q -z io,stat,1 (one column per interface)" \
				peer_value="$tmd" ratio="$(awk -v a="$tmd" -v b="$pmd" 'BEGIN { printf "%.1f", a / b }')" reps=$reps \
				spread="[$pmn,$pmd,$pmx]" target="-" result=info \
				note="checked every run: tshark's frames per interface = provtap's packets, its bytes = provtap's L3 bytes + 14 per frame (the Ethernet header the export synthesises), every interval within 10 frames of provtap's (tshark bins by floating-point time since the first frame: a few frames on second boundaries move to the neighbouring interval). tshark spread [$tmn,$tmd,$tmx] s. Not run at 10 M records (about 2 GB of pcapng, minutes per run)."
		fi
	done
	if [ "$records" -lt 2000000 ]; then
		row name="query rtt ($sz) vs tshark" workload="same store, pcapng export" target="-" result=info \
			note="not compared: tshark's tcp.analysis.ack_rtt gave no value on the exported capture (it starts without the connections' handshakes), and it is a different figure anyway (one sample per ACK, for the segment the ACK completes; provtap samples every segment). Not investigated further."
	fi
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$d"
}
