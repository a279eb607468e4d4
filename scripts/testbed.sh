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
# usage: testbed.sh up PREFIX             create (fails if any part already exists)
#        testbed.sh down PREFIX           remove everything `up` made; idempotent
#        testbed.sh loss PREFIX PERCENT   drop PERCENT% of forwarded packets at r2 (random)
#        testbed.sh loss PREFIX every N   drop exactly every Nth forwarded packet at r2
#        testbed.sh loss PREFIX off       no loss
#        testbed.sh names PREFIX          capture points, client->server order:
#                                         "VETH@NETNS DIR-OF-CLIENT-TO-SERVER-TRAFFIC" per line
#        testbed.sh env PREFIX            shell assignments (NS_CLIENT=..., VETH_C=..., ...)
# Loss applies in r2's forward hook (nftables table inet ${P}loss), i.e. between
# the capture points r2a@r2:in and r2b@r2:out. Both directions are affected.
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

if [ ${#VETH_R1A} -gt 15 ]; then
	echo "testbed: PREFIX '$P' too long: veth names (${VETH_R1A}) must fit 15 characters" >&2
	exit 2
fi

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

ns_exists() { [ -e "/var/run/netns/$1" ]; }

down() {
	local ns
	# Deleting a namespace deletes its veth ends, and with them their peers.
	for ns in "$NS_CLIENT" "$NS_R1" "$NS_R2" "$NS_SERVER"; do
		if ns_exists "$ns"; then
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
	# Wait until the kernel has really removed the interfaces (cleanup_net is async)
	# so a following `up` with the same PREFIX cannot collide.
	local i
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
	local ns
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
	trap - ERR
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
		CLIENT_IP SERVER_IP CLIENT_IP6 SERVER_IP6; do
		printf '%s=%q\n' "$v" "${!v}"
	done
}

case "$cmd" in
up) [ $# -eq 2 ] || usage; up ;;
down) [ $# -eq 2 ] || usage; down ;;
loss) [ $# -ge 3 ] || usage; shift 2; loss "$@" ;;
names) names ;;
env) env_ ;;
*) usage ;;
esac
