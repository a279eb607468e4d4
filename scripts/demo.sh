#!/bin/bash
# demo.sh — what `make demo` runs once build/provtap is built: a routed chain of namespaces
# (client — r1 — r2 — server), packet probes on every veth in both directions plus the kernel
# drop probe, the collector, TCP and UDP traffic, 5% random loss injected at r2, then per-point
# counts from the store, the per-hop report (`query hops`), the drop reasons and a delay query.
# Everything is removed at the end, also on Ctrl-C or failure. Uses the default pin dir (the
# real thing), so it refuses to run if probes are loaded.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROVTAP=${PROVTAP:-$ROOT/build/provtap}
TESTBED=$ROOT/scripts/testbed.sh
TRAFFIC=$ROOT/scripts/traffic.py
P=ptdemo-
unset PROVTAP_PIN_DIR

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B="" N=""; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, BPF)"
[ -x "$PROVTAP" ] || die "no $PROVTAP; run \`make\` first"
status=$("$PROVTAP" probe status --json) || die "\`provtap probe status\` failed"
if python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1]).get("loaded") else 1)' "$status"; then
	pin=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["pin_dir"])' "$status")
	die "probes are already loaded in $pin (see \`$PROVTAP probe status\`). The demo uses that pin dir" \
		"and unloads everything at the end, so it will not run now; unload them first" \
		"(\`$PROVTAP probe unload --all\`) if they are not needed."
fi
[ ! -e "/var/run/netns/${P}client" ] || die "a testbed '${P}' exists (another demo running?); remove it with \`$TESTBED down $P\`"

TMP=$(mktemp -d /tmp/provtap-demo.XXXXXX)
STORE=$TMP/store
SOCK=$TMP/provtap.sock
COLLECTOR=""
LOADED=0
BG=()	# background traffic and tail processes, ended by PID at cleanup
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	if [ $rc -ne 0 ] && [ -s "$TMP/collect.log" ]; then
		echo "demo: failed; the collector's log ends with:" >&2
		tail -5 "$TMP/collect.log" >&2
	fi
	echo
	echo "cleaning up: probes, collector, testbed, $TMP"
	for pid in "${BG[@]}"; do kill "$pid" 2>/dev/null; done
	[ $LOADED = 1 ] && "$PROVTAP" probe unload --all
	if [ -n "$COLLECTOR" ]; then
		kill -TERM "$COLLECTOR" 2>/dev/null
		for _ in $(seq 100); do
			[ -d "/proc/$COLLECTOR" ] && ! grep -q '^State:.*Z' "/proc/$COLLECTOR/status" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$COLLECTOR" 2>/dev/null
	fi
	bash "$TESTBED" down "$P"
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM HUP PIPE

say "testbed: ${P}client — ${P}r1 — ${P}r2 — ${P}server (veth pairs, routed)"
bash "$TESTBED" up "$P"
eval "$(bash "$TESTBED" env "$P")"
mapfile -t HOPS < <(bash "$TESTBED" names "$P")
ifaces=()
for h in "${HOPS[@]}"; do ifaces+=(--iface "${h% *}:both"); done
echo "client $CLIENT_IP  ->  server $SERVER_IP"

say "provtap probe load ${ifaces[*]} --drops"
LOADED=1
"$PROVTAP" probe load "${ifaces[@]}" --drops

say "provtap collect --store $STORE --socket $SOCK --daemon"
COLLECTOR=$("$PROVTAP" collect --store "$STORE" --socket "$SOCK" --log "$TMP/collect.log" --daemon)
echo "collector running, PID $COLLECTOR"

# Live view: the first TCP packets at the server, as `provtap tail` prints them.
"$PROVTAP" tail 'tcp and port 8080 and point '"$VETH_S@$NS_SERVER:in" --socket "$SOCK" --count 4 \
	>"$TMP/tail.out" 2>&1 &
TAILPID=$!
BG+=($TAILPID)

say "traffic without loss: TCP 1 MB to $SERVER_IP:8080, UDP 500 datagrams to :9000"
ip netns exec "$NS_SERVER" python3 "$TRAFFIC" tcp-server --port 8080 --conns 2 --timeout 60 >"$TMP/tcp-server.json" &
SRV=$!
BG+=($SRV)
ip netns exec "$NS_SERVER" python3 "$TRAFFIC" ready --tcp --port 8080 >/dev/null
ip netns exec "$NS_SERVER" python3 "$TRAFFIC" udp-sink --port 9000 --count 500 --idle 2 --timeout 30 >"$TMP/udp1.json" &
SINK=$!
BG+=($SINK)
ip netns exec "$NS_SERVER" python3 "$TRAFFIC" ready --port 9000 >/dev/null
ip netns exec "$NS_CLIENT" python3 "$TRAFFIC" tcp-client --dst "$SERVER_IP" --port 8080 --bytes 1000000
ip netns exec "$NS_CLIENT" python3 "$TRAFFIC" udp-send --dst "$SERVER_IP" --port 9000 --count 500 --size 200 --rate 1000
wait $SINK
echo "server got: $(cat "$TMP/udp1.json")"
for _ in $(seq 50); do kill -0 $TAILPID 2>/dev/null || break; sleep 0.1; done
kill $TAILPID 2>/dev/null || true
echo "provtap tail (first TCP packets at the server):"
sed 's/^/  /' "$TMP/tail.out"

say "inject 5% random loss at r2 (nftables, forward hook): testbed.sh loss $P 5"
bash "$TESTBED" loss "$P" 5
ip netns exec "$NS_R2" nft list table inet provtap_loss | sed 's/^/  /'

say "traffic with loss: UDP 1000 datagrams to :9001, TCP 1 MB to :8080"
ip netns exec "$NS_SERVER" python3 "$TRAFFIC" udp-sink --port 9001 --count 1000 --idle 2 --timeout 30 >"$TMP/udp2.json" &
SINK=$!
BG+=($SINK)
ip netns exec "$NS_SERVER" python3 "$TRAFFIC" ready --port 9001 >/dev/null
ip netns exec "$NS_CLIENT" python3 "$TRAFFIC" udp-send --dst "$SERVER_IP" --port 9001 --count 1000 --size 200 --rate 1000
ip netns exec "$NS_CLIENT" python3 "$TRAFFIC" tcp-client --dst "$SERVER_IP" --port 8080 --bytes 1000000
wait $SINK || true
wait $SRV || true
echo "server got: $(cat "$TMP/udp2.json")"
dropped=$(ip netns exec "$NS_R2" nft list table inet provtap_loss | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
echo "nftables at r2 dropped $dropped packet(s)"
bash "$TESTBED" loss "$P" off

say "provtap probe status"
"$PROVTAP" probe status | sed -n '/^ID/,$p'

# unload first, so nothing is recorded after the collector's final drain (the drop probe
# watches the whole host): every record written is in the store
say "unload the probes, then stop the collector (SIGTERM: drains the ring buffers, then exits)"
"$PROVTAP" probe unload --all
LOADED=0
kill -TERM "$COLLECTOR"
for _ in $(seq 200); do
	[ -d "/proc/$COLLECTOR" ] && ! grep -q '^State:.*Z' "/proc/$COLLECTOR/status" 2>/dev/null || break
	sleep 0.1
done
COLLECTOR=""

say "provtap store count --store STORE 'udp'"
"$PROVTAP" store count --store "$STORE" 'udp'
say "provtap store count --store STORE 'tcp'"
"$PROVTAP" store count --store "$STORE" 'tcp'

# The per-hop report: the path each fingerprint took, loss and delay per segment, and the
# kernel's drops attributed to the segment where packets disappeared.
say "provtap query hops 'udp and port 9000'   (before the loss)"
"$PROVTAP" query hops --store "$STORE" 'udp and port 9000'
say "provtap query hops 'udp and port 9001'   (5% random loss at r2)"
"$PROVTAP" query hops --store "$STORE" 'udp and port 9001'
say "provtap query drops 'udp and port 9001' --by reason   (why: the kernel's drop reasons)"
"$PROVTAP" query drops --store "$STORE" 'udp and port 9001' --by reason
say "provtap query delay --from r1b:out --to r2a:in 'udp and port 9001'"
"$PROVTAP" query delay --store "$STORE" 'udp and port 9001' --from "${HOPS[2]% *}:out" --to "${HOPS[3]% *}:in"

say "provtap store verify"
"$PROVTAP" store verify --store "$STORE"
echo
echo "demo: done"
