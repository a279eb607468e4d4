#!/bin/bash
# testbed.sh — a routed chain of network namespaces for demos and integration tests:
#
#   ${P}client --[${P}c | ${P}r1a]-- ${P}r1 --[${P}r1b | ${P}r2a]-- ${P}r2 --[${P}r2b | ${P}s]-- ${P}server
#
# (brackets: one veth pair, client-side end first). IPv4 and IPv6, forwarding on r1 and r2.
#
#   client  10.0.1.1/24  fd00:1::1/64     r1a 10.0.1.2   fd00:1::2
#   r1b     10.0.2.1/24  fd00:2::1/64     r2a 10.0.2.2   fd00:2::2
#   r2b     10.0.3.1/24  fd00:3::1/64     server 10.0.3.2  fd00:3::2
#
# Addresses exist only inside the namespaces, so several testbeds (different
# PREFIXes) use the same ones without meeting.
#
# usage: testbed.sh up PREFIX [--nat] [--middlebox]
#                                         create (fails if any part already exists)
#          --nat        r2 masquerades client traffic leaving on r2b: the server sees
#                       r2b's address (NAT_IP=10.0.3.1, NAT_IP6=fd00:3::1), not the client's
#          --middlebox  haproxy (TCP mode, foreground, run by PID) in r2 listens on the VIP
#                       10.0.2.100:8080 (a second address on r2a) and splits connections
#                       round-robin over two backends in the server namespace,
#                       10.0.3.2:8080 and 10.0.3.3:8080 (the tests run the servers). One JSON
#                       line per connection, written when it closes, in HAPROXY_LOG:
#                       {"client":"IP:PORT","frontend":"VIP:PORT","backend":"b1|b2",
#                        "server":"IP:PORT","source":"IP:PORT" (haproxy's side),...}
#        testbed.sh down PREFIX           remove everything `up` made (and nfqdelay, haproxy:
#                                         stopped by PID); idempotent
#        testbed.sh loss PREFIX PERCENT   drop PERCENT% of forwarded packets at r2 (random)
#        testbed.sh loss PREFIX every N   drop exactly every Nth forwarded packet at r2
#        testbed.sh loss PREFIX off       no loss
#        testbed.sh delay PREFIX MS [FILTER]
#                                         hold matching packets MS ms in r1's forward hook
#                                         (tools/nfqdelay on NFQUEUE 0 in r1); FILTER is an
#                                         nftables match, default: all IPv4 that r1 forwards
#                                         from the client side (iifname r1a, ipv4). Replaces a
#                                         delay already set (its counters restart at 0).
#        testbed.sh delay PREFIX off      no delay (rule removed first, then nfqdelay stopped:
#                                         what it held is let go at once); idempotent
#        testbed.sh delay-stats PREFIX    nfqdelay's stats JSON (fresh while it runs; after
#                                         `delay off`, its final one): received, held, released,
#                                         released_early, in_queue, dropped (+ causes), hold_ms_*
#        testbed.sh names PREFIX          capture points, client->server order:
#                                         "VETH@NETNS DIR-OF-CLIENT-TO-SERVER-TRAFFIC" per line
#        testbed.sh env PREFIX            shell assignments (NS_CLIENT=..., VETH_C=..., ...)
# Loss applies in r2's forward hook (nftables table inet ${P}loss), i.e. between
# the capture points r2a@r2:in and r2b@r2:out. Both directions are affected.
# Delay applies in r1's forward hook, i.e. between r1a@r1:in and r1b@r1:out. This kernel
# has no nft `queue` (CONFIG_NFT_QUEUE unset), so: an nftables rule (table inet
# provtap_delay, priority filter-10) marks the matching packets, and an xtables rule
# (iptables-nft/ip6tables-nft, FORWARD: -m mark -j NFQUEUE, through nft_compat) queues them.
# Needs the iptables package. The nfqdelay binary: $NFQDELAY, default build/tools/nfqdelay;
# $DELAY_MAX_HELD (default 10000): packets held at most, more are dropped and counted.
# Run-time state (PIDs, nfqdelay stats, haproxy config and log): /run/provtap-testbed/PREFIX.
set -Eeuo pipefail

usage() {
	sed -n '2,/^set -Eeuo/{ /^set -Eeuo/d; s/^# \{0,1\}//; p }' "$0" >&2
	exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
P=$2
case "$P" in
*[!A-Za-z0-9_.-]* | "") echo "testbed: bad PREFIX '$P' (letters, digits, . _ -)" >&2; exit 2 ;;
esac

NS_CLIENT=${P}client NS_R1=${P}r1 NS_R2=${P}r2 NS_SERVER=${P}server
VETH_C=${P}c VETH_R1A=${P}r1a VETH_R1B=${P}r1b VETH_R2A=${P}r2a VETH_R2B=${P}r2b VETH_S=${P}s
CLIENT_IP=10.0.1.1 SERVER_IP=10.0.3.2 CLIENT_IP6=fd00:1::1 SERVER_IP6=fd00:3::2
NFT_TABLE=provtap_loss
NAT_IP=10.0.3.1 NAT_IP6=fd00:3::1
VIP_IP=10.0.2.100 VIP_PORT=8080 BACKEND1_IP=10.0.3.2 BACKEND2_IP=10.0.3.3 BACKEND_PORT=8080
STATE_DIR=/run/provtap-testbed/$P
DELAY_STATS=$STATE_DIR/nfqdelay.json DELAY_LOG=$STATE_DIR/nfqdelay.log DELAY_PID=$STATE_DIR/nfqdelay.pid
HAPROXY_LOG=$STATE_DIR/haproxy.log HAPROXY_ERR=$STATE_DIR/haproxy.err HAPROXY_PID=$STATE_DIR/haproxy.pid
HAPROXY_CFG=$STATE_DIR/haproxy.cfg
DELAY_QUEUE=0 DELAY_MARK=0x70746479
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NFQDELAY=${NFQDELAY:-$ROOT/build/tools/nfqdelay}
DELAY_MAX_HELD=${DELAY_MAX_HELD:-10000}

if [ ${#VETH_R1A} -gt 15 ]; then
	echo "testbed: PREFIX '$P' too long: veth names (${VETH_R1A}) must fit 15 characters" >&2
	exit 2
fi

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

ns_exists() { [ -e "/var/run/netns/$1" ]; }

# is_proc PID NAME: PID is alive (not a zombie) and runs NAME (also still as the
# `ip netns exec ... NAME` that is about to exec it), never another process that reused the PID.
is_proc() {
	local st cmd
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] || return 1
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ "$cmd" == *"$2"* ]]
}

# stop_pid PIDFILE NAME: stop the process whose PID is in PIDFILE, if it is still NAME:
# SIGTERM, up to 5 s, then SIGKILL.
stop_pid() {
	local f=$1 name=$2 pid i
	[ -f "$f" ] || return 0
	pid=$(cat "$f" 2>/dev/null)
	case "$pid" in '' | *[!0-9]*) rm -f "$f"; return 0 ;; esac
	if is_proc "$pid" "$name"; then
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 100); do
			is_proc "$pid" "$name" || break
			sleep 0.05
		done
		if is_proc "$pid" "$name"; then
			echo "testbed: $name (pid $pid) did not stop on SIGTERM; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$f"
}

down() {
	local ns
	stop_pid "$DELAY_PID" nfqdelay
	stop_pid "$HAPROXY_PID" haproxy
	# Deleting a namespace deletes its veth ends, and with them their peers.
	for ns in "$NS_CLIENT" "$NS_R1" "$NS_R2" "$NS_SERVER"; do
		if ns_exists "$ns"; then
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
	# Wait until the kernel has really removed the interfaces (cleanup_net is async)
	# so a following `up` with the same PREFIX cannot collide.
	local i
	rm -rf "$STATE_DIR"
	rmdir --ignore-fail-on-non-empty /run/provtap-testbed 2>/dev/null || true
	for i in $(seq 50); do
		ip -o link show 2>/dev/null | grep -qE " (${VETH_C}|${VETH_R1A}|${VETH_R1B}|${VETH_R2A}|${VETH_R2B}|${VETH_S})[@:]" || return 0
		sleep 0.1
	done
	ip -o link show | grep -E " (${VETH_C}|${VETH_R1A}|${VETH_R1B}|${VETH_R2A}|${VETH_R2B}|${VETH_S})[@:]" | while read -r _ name _; do
		ip link del "${name%%@*}" 2>/dev/null || true
	done
	return 0
}

# link NS_A VETH_A NS_B VETH_B: a veth pair with one end in each namespace.
link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
}

# addr NS DEV V4/LEN V6/LEN
addr() {
	nsx "$1" ip addr add "$3" dev "$2"
	nsx "$1" ip -6 addr add "$4" dev "$2" nodad
	nsx "$1" ip link set "$2" up
}

up() {
	local ns opt nat=0 mbox=0
	for opt in "$@"; do
		case "$opt" in
		--nat) nat=1 ;;
		--middlebox) mbox=1 ;;
		*) echo "testbed: up: unknown option '$opt' (--nat, --middlebox)" >&2; exit 2 ;;
		esac
	done
	if [ $mbox = 1 ]; then
		command -v haproxy >/dev/null || { echo "testbed: --middlebox needs haproxy (scripts/setup.sh)" >&2; exit 1; }
	fi
	for ns in "$NS_CLIENT" "$NS_R1" "$NS_R2" "$NS_SERVER"; do
		if ns_exists "$ns"; then
			echo "testbed: namespace $ns already exists (\`$0 down $P\` first)" >&2
			exit 1
		fi
	done
	trap 'echo "testbed: up failed; removing what was made" >&2; down' ERR
	for ns in "$NS_CLIENT" "$NS_R1" "$NS_R2" "$NS_SERVER"; do
		ip netns add "$ns"
		nsx "$ns" ip link set lo up
		# No router solicitations/DAD chatter on the links: keeps the captures quiet.
		nsx "$ns" sysctl -qw net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.all.accept_ra=0 \
			net.ipv6.conf.default.router_solicitations=0
	done
	link "$NS_CLIENT" "$VETH_C" "$NS_R1" "$VETH_R1A"
	link "$NS_R1" "$VETH_R1B" "$NS_R2" "$VETH_R2A"
	link "$NS_R2" "$VETH_R2B" "$NS_SERVER" "$VETH_S"

	addr "$NS_CLIENT" "$VETH_C" 10.0.1.1/24 fd00:1::1/64
	addr "$NS_R1" "$VETH_R1A" 10.0.1.2/24 fd00:1::2/64
	addr "$NS_R1" "$VETH_R1B" 10.0.2.1/24 fd00:2::1/64
	addr "$NS_R2" "$VETH_R2A" 10.0.2.2/24 fd00:2::2/64
	addr "$NS_R2" "$VETH_R2B" 10.0.3.1/24 fd00:3::1/64
	addr "$NS_SERVER" "$VETH_S" 10.0.3.2/24 fd00:3::2/64

	for ns in "$NS_R1" "$NS_R2"; do
		nsx "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	done
	nsx "$NS_CLIENT" ip route add default via 10.0.1.2
	nsx "$NS_CLIENT" ip -6 route add default via fd00:1::2
	nsx "$NS_R1" ip route add 10.0.3.0/24 via 10.0.2.2
	nsx "$NS_R1" ip -6 route add fd00:3::/64 via fd00:2::2
	nsx "$NS_R2" ip route add 10.0.1.0/24 via 10.0.2.1
	nsx "$NS_R2" ip -6 route add fd00:1::/64 via fd00:2::1
	nsx "$NS_SERVER" ip route add default via 10.0.3.1
	nsx "$NS_SERVER" ip -6 route add default via fd00:3::1

	# Prove the path end to end (this also resolves every neighbour on the way).
	local ok=0 i
	for i in $(seq 20); do
		if nsx "$NS_CLIENT" ping -c1 -W1 -q "$SERVER_IP" >/dev/null 2>&1 &&
			nsx "$NS_CLIENT" ping -6 -c1 -W1 -q "$SERVER_IP6" >/dev/null 2>&1; then
			ok=1
			break
		fi
		sleep 0.1
	done
	if [ $ok != 1 ]; then
		echo "testbed: $CLIENT_IP cannot reach $SERVER_IP (or $CLIENT_IP6 -> $SERVER_IP6)" >&2
		false
	fi
	mkdir -p "$STATE_DIR"
	local variant=chain
	if [ $nat = 1 ]; then
		nat_up
		variant="$variant nat"
	fi
	if [ $mbox = 1 ]; then
		middlebox_up
		variant="$variant middlebox"
	fi
	echo "$variant" >"$STATE_DIR/variant"
	trap - ERR
}

# --nat: r2 masquerades what the client sends out of r2b (towards the server), v4 and v6.
nat_up() {
	nsx "$NS_R2" nft -f - <<-EOF
	table inet provtap_nat {
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "$VETH_R2B" ip saddr 10.0.1.0/24 counter masquerade
			oifname "$VETH_R2B" ip6 saddr fd00:1::/64 counter masquerade
		}
	}
	EOF
	# The path through the NAT works (ICMP is translated too).
	nsx "$NS_CLIENT" ping -c1 -W2 -q "$SERVER_IP" >/dev/null
	nsx "$NS_CLIENT" ping -6 -c1 -W2 -q "$SERVER_IP6" >/dev/null
}

# --middlebox: VIP on r2a, a second backend address on the server, haproxy in r2.
middlebox_up() {
	nsx "$NS_R2" ip addr add "$VIP_IP/24" dev "$VETH_R2A"
	nsx "$NS_SERVER" ip addr add "$BACKEND2_IP/24" dev "$VETH_S"
	# One thread, no health checks: strict round-robin and no traffic of haproxy's own.
	# log-format: one JSON object per connection (at its end), raw on stdout -> HAPROXY_LOG.
	cat >"$HAPROXY_CFG" <<-EOF
	global
	    nbthread 1
	    maxconn 1024
	    log stdout format raw local0 info
	defaults
	    mode tcp
	    log global
	    timeout connect 5s
	    timeout client 60s
	    timeout server 60s
	frontend vip
	    bind $VIP_IP:$VIP_PORT
	    log-format "{\"client\":\"%ci:%cp\",\"frontend\":\"%fi:%fp\",\"backend\":\"%s\",\"server\":\"%si:%sp\",\"source\":\"%bi:%bp\",\"accept_ts\":%Ts.%ms,\"time_ms\":%Tt,\"bytes_in\":%U,\"bytes_out\":%B,\"state\":\"%ts\"}"
	    default_backend pool
	backend pool
	    balance roundrobin
	    server b1 $BACKEND1_IP:$BACKEND_PORT
	    server b2 $BACKEND2_IP:$BACKEND_PORT
	EOF
	nsx "$NS_R2" haproxy -c -q -f "$HAPROXY_CFG" >&2
	: >"$HAPROXY_LOG"
	# -db: foreground, one process; `ip netns exec` execs it, so $! is haproxy's PID.
	ip netns exec "$NS_R2" haproxy -db -f "$HAPROXY_CFG" </dev/null >>"$HAPROXY_LOG" 2>"$HAPROXY_ERR" &
	echo $! >"$HAPROXY_PID"
	local i
	for i in $(seq 100); do
		if nsx "$NS_R2" ss -Hltn "sport = :$VIP_PORT" | grep -q .; then
			return 0
		fi
		is_proc "$(cat "$HAPROXY_PID")" haproxy || break
		sleep 0.05
	done
	echo "testbed: haproxy did not start listening on $VIP_IP:$VIP_PORT:" >&2
	sed 's/^/  | /' "$HAPROXY_ERR" >&2
	false
}

loss() {
	local how=${1:-}
	ns_exists "$NS_R2" || { echo "testbed: no testbed '$P' (namespace $NS_R2 missing)" >&2; exit 1; }
	nsx "$NS_R2" nft delete table inet "$NFT_TABLE" 2>/dev/null || true
	case "$how" in
	off)
		return 0 ;;
	every)
		local n=${2:-}
		case "$n" in ''|*[!0-9]*|0|1) echo "testbed: loss $P every N needs N >= 2" >&2; exit 2 ;; esac
		# numgen inc counts forwarded packets from 0: drops the 1st, (N+1)th, (2N+1)th, ...
		rule="numgen inc mod $n == 0 counter drop" ;;
	*)
		case "$how" in ''|*[!0-9]*) usage ;; esac
		[ "$how" -le 100 ] || { echo "testbed: PERCENT is 0..100" >&2; exit 2; }
		rule="numgen random mod 100 < $how counter drop" ;;
	esac
	nsx "$NS_R2" nft -f - <<-EOF
	table inet $NFT_TABLE {
		chain forward {
			type filter hook forward priority 0; policy accept;
			$rule
		}
	}
	EOF
}

need_testbed() {
	ns_exists "$1" || { echo "testbed: no testbed '$P' (namespace $1 missing)" >&2; exit 1; }
}

IPT=iptables-nft IP6T=ip6tables-nft
ipt_pick() {
	if ! command -v "$IPT" >/dev/null; then
		IPT=iptables IP6T=ip6tables
		command -v "$IPT" >/dev/null || {
			echo "testbed: delay needs iptables (apt-get install iptables): this kernel has no nft queue," \
				"the NFQUEUE verdict comes from the xtables target" >&2
			exit 1
		}
	fi
}

delay_off() {
	local t
	# No more packets to the queue first, then stop nfqdelay (it lets go of what it holds).
	nsx "$NS_R1" nft delete table inet provtap_delay 2>/dev/null || true
	for t in "$IPT" "$IP6T"; do
		command -v "$t" >/dev/null || continue
		while nsx "$NS_R1" "$t" -w -C FORWARD -m mark --mark "$DELAY_MARK" -j NFQUEUE --queue-num "$DELAY_QUEUE" 2>/dev/null; do
			nsx "$NS_R1" "$t" -w -D FORWARD -m mark --mark "$DELAY_MARK" -j NFQUEUE --queue-num "$DELAY_QUEUE"
		done
	done
	stop_pid "$DELAY_PID" nfqdelay
}

delay() {
	local ms=${1:-}
	case "$ms" in
	off) ;;
	'' | *[!0-9.]* | *.*.* | .*) echo "testbed: delay PREFIX MS [FILTER]: MS is a number of milliseconds, not '$ms'" >&2; exit 2 ;;
	esac
	need_testbed "$NS_R1"
	ipt_pick
	delay_off
	[ "$ms" = off ] && return 0
	local filter=${2:-"iifname \"$VETH_R1A\" meta nfproto ipv4"}
	[ -x "$NFQDELAY" ] || {
		echo "testbed: no nfqdelay at $NFQDELAY (make build/tools/nfqdelay, or set NFQDELAY)" >&2
		exit 1
	}
	mkdir -p "$STATE_DIR"
	rm -f "$DELAY_STATS"
	ip netns exec "$NS_R1" "$NFQDELAY" --queue "$DELAY_QUEUE" --delay-ms "$ms" --max-held "$DELAY_MAX_HELD" \
		--stats "$DELAY_STATS" \
		</dev/null >"$DELAY_LOG" 2>&1 &
	echo $! >"$DELAY_PID"
	local pid=$! i
	# It writes its stats file once the queue is bound.
	for i in $(seq 100); do
		[ -s "$DELAY_STATS" ] && break
		is_proc "$pid" nfqdelay || break
		sleep 0.05
	done
	if ! [ -s "$DELAY_STATS" ]; then
		echo "testbed: nfqdelay did not start:" >&2
		sed 's/^/  | /' "$DELAY_LOG" >&2
		stop_pid "$DELAY_PID" nfqdelay
		exit 1
	fi
	if ! nsx "$NS_R1" nft -f - <<-EOF
	table inet provtap_delay {
		chain forward {
			type filter hook forward priority filter - 10; policy accept;
			$filter counter meta mark set $DELAY_MARK
		}
	}
	EOF
	then
		echo "testbed: bad FILTER for nft: '$filter'" >&2
		delay_off
		exit 2
	fi
	nsx "$NS_R1" "$IPT" -w -A FORWARD -m mark --mark "$DELAY_MARK" -j NFQUEUE --queue-num "$DELAY_QUEUE"
	nsx "$NS_R1" "$IP6T" -w -A FORWARD -m mark --mark "$DELAY_MARK" -j NFQUEUE --queue-num "$DELAY_QUEUE"
}

delay_stats() {
	[ -s "$DELAY_STATS" ] || { echo "testbed: no delay stats for '$P' (no \`delay\` set)" >&2; exit 1; }
	local pid ino i
	pid=$(cat "$DELAY_PID" 2>/dev/null || true)
	if [ -n "$pid" ] && is_proc "$pid" nfqdelay; then
		# Ask for a fresh file and wait for it (each write is a new file renamed into place).
		ino=$(stat -c %i "$DELAY_STATS")
		kill -USR1 "$pid" 2>/dev/null || true
		for i in $(seq 40); do
			[ "$(stat -c %i "$DELAY_STATS" 2>/dev/null)" = "$ino" ] || break
			sleep 0.025
		done
	fi
	cat "$DELAY_STATS"
}

names() {
	# The client->server path in order: where, and the direction that traffic takes there.
	cat <<-EOF
	${VETH_C}@${NS_CLIENT} out
	${VETH_R1A}@${NS_R1} in
	${VETH_R1B}@${NS_R1} out
	${VETH_R2A}@${NS_R2} in
	${VETH_R2B}@${NS_R2} out
	${VETH_S}@${NS_SERVER} in
	EOF
}

env_() {
	for v in NS_CLIENT NS_R1 NS_R2 NS_SERVER VETH_C VETH_R1A VETH_R1B VETH_R2A VETH_R2B VETH_S \
		CLIENT_IP SERVER_IP CLIENT_IP6 SERVER_IP6 NAT_IP NAT_IP6 VIP_IP VIP_PORT BACKEND1_IP BACKEND2_IP \
		BACKEND_PORT STATE_DIR DELAY_STATS HAPROXY_LOG; do
		printf '%s=%q\n' "$v" "${!v}"
	done
	printf 'VARIANT=%q\n' "$(cat "$STATE_DIR/variant" 2>/dev/null || true)"
}

case "$cmd" in
up) shift 2; up "$@" ;;
down) [ $# -eq 2 ] || usage; down ;;
loss) [ $# -ge 3 ] || usage; shift 2; loss "$@" ;;
delay) [ $# -ge 3 ] && [ $# -le 4 ] || usage; shift 2; delay "$@" ;;
delay-stats) [ $# -eq 2 ] || usage; delay_stats ;;
names) names ;;
env) env_ ;;
*) usage ;;
esac
