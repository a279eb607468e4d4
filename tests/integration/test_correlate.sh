#!/bin/bash
# test_correlate: `query correlate --by conn-order` through an L4 load balancer that splits TCP
# connections (the testbed's middlebox variant: haproxy in r2 on the VIP, round robin over two
# backends). Probes on r2's client-side veth (r2a, in) and server-side veth (r2b, out); N TCP
# connections from the client to the VIP one after the other; the correlation must map every
# client connection (client address:port -> VIP) to the backend connection haproxy opened for it
# (haproxy's source address:port -> the backend it chose), exactly as haproxy's own log says,
# with no residue on either side. Also: --by payload on these (header-fingerprint, no snaplen)
# records is refused with how to load the probes; --by fingerprint finds no pair (haproxy
# rewrites headers) and reports everything as residue; an unknown point lists the known ones.
source "$(dirname "$0")/lib.sh"

N=6
require_bpf
command -v haproxy >/dev/null || die "haproxy is not installed (scripts/setup.sh installs it)"

bash "$TESTBED" down "$PREFIX" >/dev/null 2>&1
on_exit "bash '$TESTBED' down '$PREFIX'"
bash "$TESTBED" up "$PREFIX" --middlebox || die "testbed up $PREFIX --middlebox failed"
eval "$(bash "$TESTBED" env "$PREFIX")"
R2A="$VETH_R2A@$NS_R2"
R2B="$VETH_R2B@$NS_R2"

probes_cleanup_on_exit
probe_load --iface "$R2A:in" --iface "$R2B:out"
collector_start

# Both backends in the server namespace; each gets N/2 connections (strict round robin).
srvpids=()
for b in "$BACKEND1_IP" "$BACKEND2_IP"; do
	traffic "$NS_SERVER" tcp-server --bind "$b" --port "$BACKEND_PORT" --echo --conns $((N / 2)) --timeout 60 \
		>"$TMP/be-$b.json" &
	srvpids+=($!)
	on_exit "kill $!"
done
backends_listen() { [ "$(nsx "$NS_SERVER" ss -Hltn "sport = :$BACKEND_PORT" | wc -l)" = 2 ]; }
wait_for 10 "both backends listening" backends_listen || die "backends did not start"

for i in $(seq $N); do
	traffic "$NS_CLIENT" tcp-client --dst "$VIP_IP" --port "$VIP_PORT" --bytes $((500 + 100 * i)) --timeout 10 \
		>>"$TMP/clients.json" || fail "tcp-client $i through haproxy failed"
done
wait "${srvpids[@]}"
haproxy_lines() { [ "$(grep -c . "$HAPROXY_LOG")" -ge $N ]; }
wait_for 10 "$N haproxy log lines" haproxy_lines
sed 's/^/        haproxy| /' "$HAPROXY_LOG"
assert_eq "haproxy log: one line per connection" $N "$(grep -c . "$HAPROXY_LOG")"

wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
collector_stop

Q=("$PROVTAP" query correlate --store "$STORE" --in "$R2A:in" --out "$R2B:out")
"${Q[@]}" --by conn-order 'tcp' >"$TMP/corr.txt" 2>&1
rc=$?
sed 's/^/        | /' "$TMP/corr.txt"
assert_eq "query correlate --by conn-order: exit status" 0 $rc
assert_contains "table: $N new connections in, $N out, $N matched" \
	"$N new connections in, $N out, $N matched" "$TMP/corr.txt"
assert_contains "table: no residue" "unmatched: 0 in-connections never seen out \(0 flows\), 0 out-connections never seen in \(0 flows\)" "$TMP/corr.txt"

"${Q[@]}" --by conn-order 'tcp' --json >"$TMP/corr.json" 2>"$TMP/corr.err"
assert_eq "query correlate --by conn-order --json: exit status" 0 $?
python3 - "$HAPROXY_LOG" "$TMP/corr.json" "$CLIENT_IP" "$VIP_IP:$VIP_PORT" $N >"$TMP/cmp" 2>&1 <<'EOF'
import json, sys
logf, corrf, client_ip, vip, n = sys.argv[1:]
n = int(n)

def flow(s):
    """'A:P > B:Q' -> ('A:P', 'B:Q')"""
    a, b = s.split(" > ")
    return a, b

truth = {}
for l in open(logf):
    if l.strip():
        r = json.loads(l)
        truth[r["client"]] = (r["source"], r["server"])
rows = [json.loads(l) for l in open(corrf) if l.strip()]
pairs = [r for r in rows if r["kind"] == "pair"]
resid = [r for r in rows if r["kind"] != "pair"]
problems = []
got = {}
for p in pairs:
    cin, vdst = flow(p["in_flow"])
    src, dst = flow(p["out_flow"])
    if vdst != vip:
        problems.append("in connection not to the VIP: %s" % p["in_flow"])
    if cin in got:
        problems.append("client connection %s mapped twice" % cin)
    got[cin] = (src, dst)
    if not (0 <= p["delay_ms"] < 1000):
        problems.append("delay %s ms" % p["delay_ms"])
if len(truth) != n:
    problems.append("haproxy logged %d connections, not %d" % (len(truth), n))
if len(pairs) != n:
    problems.append("%d pairs, not %d" % (len(pairs), n))
for c, want in sorted(truth.items()):
    if got.get(c) != want:
        problems.append("client %s: correlate says %s, haproxy says %s" % (c, got.get(c), want))
for c in sorted(set(got) - set(truth)):
    problems.append("client %s: not in haproxy's log" % c)
if resid:
    problems.append("residue: %s" % resid)
print("; ".join(problems) or "ok")
EOF
assert_eq "every client connection maps to haproxy's backend connection (source port -> backend), no residue" \
	ok "$(cat "$TMP/cmp")"

"${Q[@]}" --by payload 'tcp' >"$TMP/pay.out" 2>&1
assert_eq "--by payload without payload hashes: exit status" 1 $?
assert_contains "--by payload refusal says how to load the probes" "--fp payload.*--snaplen" "$TMP/pay.out"

"${Q[@]}" --by fingerprint 'tcp' --json >"$TMP/fp.json" 2>"$TMP/fp.err"
assert_eq "--by fingerprint through the proxy: exit status" 0 $?
assert_eq "--by fingerprint through the proxy: no pair (headers rewritten), all residue" "0 yes" \
	"$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(sum(r["kind"] == "pair" for r in rows),
      "yes" if {r["kind"] for r in rows} == {"unmatched_in", "unmatched_out"} else "no")' "$TMP/fp.json")"

"$PROVTAP" query correlate --store "$STORE" --in "$R2A:in" --out nosuch@x:out >"$TMP/unk.out" 2>&1
assert_eq "unknown --out point: exit status" 1 $?
assert_contains "unknown point lists the known ones" "unknown capture point 'nosuch@x:out'.*$R2B:out" "$TMP/unk.out"

# ---- by payload: the same points loaded with --fp payload, N more connections of distinct sizes
# (one data segment each way, so haproxy forwards each client payload in one segment). Pairs must
# again be client connection -> haproxy's backend connection, per haproxy's log.
"$PROVTAP" probe unload --all >/dev/null 2>&1 || fail "probe unload --all failed"
probe_load --iface "$R2A:in" --iface "$R2B:out" --fp payload
STORE=$TMP/store-payload
SOCK=$TMP/collect-payload.sock
collector_start
srvpids=()
for b in "$BACKEND1_IP" "$BACKEND2_IP"; do
	traffic "$NS_SERVER" tcp-server --bind "$b" --port "$BACKEND_PORT" --echo --conns $((N / 2)) --timeout 60 \
		>"$TMP/be2-$b.json" &
	srvpids+=($!)
	on_exit "kill $!"
done
wait_for 10 "both backends listening" backends_listen || die "backends did not start"
for i in $(seq $N); do
	traffic "$NS_CLIENT" tcp-client --dst "$VIP_IP" --port "$VIP_PORT" --bytes $((300 + 50 * i)) --timeout 10 \
		>>"$TMP/clients2.json" || fail "tcp-client $i (payload round) through haproxy failed"
done
wait "${srvpids[@]}"
haproxy_lines2() { [ "$(grep -c . "$HAPROXY_LOG")" -ge $((2 * N)) ]; }
wait_for 10 "$((2 * N)) haproxy log lines" haproxy_lines2
tail -n $N "$HAPROXY_LOG" >"$TMP/haproxy2.log"
wait_for 10 "ring drained" ring_backlog_zero || fail "the ring buffer did not drain"
collector_stop

"$PROVTAP" query correlate --store "$STORE" --in "$R2A:in" --out "$R2B:out" --by payload 'tcp' \
	>"$TMP/pay2.txt" 2>&1
assert_eq "query correlate --by payload (probes with --fp payload): exit status" 0 $?
sed 's/^/        | /' "$TMP/pay2.txt"
"$PROVTAP" query correlate --store "$STORE" --in "$R2A:in" --out "$R2B:out" --by payload 'tcp' --json \
	>"$TMP/pay2.json" 2>/dev/null
python3 - "$TMP/haproxy2.log" "$TMP/pay2.json" $N >"$TMP/cmp2" 2>&1 <<'PYEOF'
import json, sys
logf, corrf, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
truth = {}
for l in open(logf):
    if l.strip():
        r = json.loads(l)
        truth[r["client"]] = (r["source"], r["server"])
rows = [json.loads(l) for l in open(corrf) if l.strip()]
pairs = [r for r in rows if r["kind"] == "pair"]
problems = []
got = {}
for p in pairs:
    cin = p["in_flow"].split(" > ")[0]
    got[cin] = tuple(p["out_flow"].split(" > "))
    if p["packets"] != 1:
        problems.append("%s: %d packets matched, not 1" % (cin, p["packets"]))
if got != truth:
    problems.append("correlate %s, haproxy %s" % (sorted(got.items()), sorted(truth.items())))
resid = [r for r in rows if r["kind"] != "pair"]
if resid:
    problems.append("residue: %s" % resid)
print("; ".join(problems) or "ok")
PYEOF
assert_eq "--by payload: each client payload maps to haproxy's backend connection, no residue" ok "$(cat "$TMP/cmp2")"
