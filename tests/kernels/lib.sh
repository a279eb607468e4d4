# lib.sh — POSIX sh helpers for the scripts that run inside the test-kernels guest (busybox sh,
# no bash, no python) and on the host: result counting, polling with a bound, the namespace
# chain, a collector, and field extraction from provtap's JSON. Source it; set before:
#   PROVTAP  provtap binary        GEN  ptgen binary (tests/kernels/ptgen.c)
#   PFX      prefix of every name this run creates (namespaces, veths, pin dir), <= 12 chars
#   WORK     a directory for temporary files (the caller creates and removes it)

T_PASS=0
T_FAIL=0
_CLEANUPS=""

log() { printf '  ....  %s\n' "$*"; }
pass() { T_PASS=$((T_PASS + 1)); printf '  PASS  %s\n' "$*"; }
fail() { T_FAIL=$((T_FAIL + 1)); printf '  FAIL  %s\n' "$*"; }

# check DESC CMD...: pass if CMD succeeds.
check() {
	_d=$1
	shift
	if "$@"; then pass "$_d"; else fail "$_d"; fi
}

# assert_eq DESC EXPECTED ACTUAL
assert_eq() {
	if [ "$2" = "$3" ]; then pass "$1 ($3)"; else fail "$1: expected '$2', got '$3'"; fi
}

# indent FILE [PREFIX]: show a file's lines under a result line.
indent() { sed "s/^/        ${2:-|} /" "$1"; }

# on_exit CMD: run CMD (eval'ed) at cleanup, last registered first.
on_exit() {
	_CLEANUPS="$1
$_CLEANUPS"
}

# run_cleanups: run and forget what on_exit registered.
run_cleanups() {
	_c=$_CLEANUPS
	_CLEANUPS=""
	printf '%s\n' "$_c" | while IFS= read -r _l; do
		[ -n "$_l" ] && eval "$_l" >/dev/null 2>&1
	done
	return 0
}

# now_ms: milliseconds since boot (no date +%N in busybox).
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# wait_for TIMEOUT_S DESC CMD...: poll CMD every 0.1 s until it succeeds; 1 (and a log line)
# when TIMEOUT_S passed first.
wait_for() {
	_deadline=$(($(now_ms) + $1 * 1000))
	_desc=$2
	shift 2
	while ! "$@"; do
		if [ "$(now_ms)" -ge "$_deadline" ]; then
			log "timed out waiting for: $_desc"
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# pid_gone PID: exited (a zombie counts as exited).
pid_gone() {
	[ -r "/proc/$1/stat" ] || return 0
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$_st" ] || [ "$_st" = Z ] || [ "$_st" = X ]
}

# --- JSON, as provtap prints it (one object per line; keys are unique enough) -----------------

# jget KEY [FILE]: the value of the first "KEY": in each line (strings without quotes).
jget() {
	awk -v k="\"$1\":" '{
		i = index($0, k); if (!i) next
		v = substr($0, i + length(k))
		if (substr(v, 1, 1) == "\"") { v = substr(v, 2); print substr(v, 1, index(v, "\"") - 1) }
		else { match(v, /^[^],}]*/); print substr(v, 1, RLENGTH) }
	}' ${2:+"$2"}
}

# jsel KEY VALUE [FILE]: the lines where "KEY" is VALUE (a string or a number).
jsel() { grep -E "\"$1\":(\"$2\"|$2)[,}]" ${3:+"$3"}; }

# status_points FILE: a `probe status --json` output, one capture point object per line.
status_points() {
	sed -n 's/.*"points":\[\(.*\)\].*/\1/p' "$1" | sed 's/},{/}\
{/g'
}

# status_point FILE POINT KEY: KEY of capture point POINT in a status --json output.
status_point() { status_points "$1" | jsel point "$2" | jget "$3"; }

# status_drops FILE KEY: KEY of the drop probe's object in a status --json output.
status_drops() { sed -n 's/.*"drops":{\([^}]*\)}.*/{\1}/p' "$1" | jget "$2"; }

# --- the namespace chain ----------------------------------------------------------------------
#   ${PFX}a [a0 10.71.1.1] -- [ra 10.71.1.2] ${PFX}r [rb 10.71.2.1] -- [b0 10.71.2.2] ${PFX}b
# IPv4 only (IPv6 off, so no router solicitations or MLD reports in the counts); r forwards.
A_IP=10.71.1.1
B_IP=10.71.2.2

# iproute2's ip by path: busybox sh runs its own applet of that name before anything in PATH.
ip() { /sbin/ip "$@"; }

nsx() { _ns=$1; shift; ip netns exec "$_ns" "$@"; }

chain_down() {
	for _n in a r b; do ip netns del "${PFX}$_n" 2>/dev/null; done
	return 0
}

# chain_up: create the chain (removed by chain_down, registered with on_exit). 0, or 1 with
# the failing command's output.
chain_up() {
	NS_A=${PFX}a NS_R=${PFX}r NS_B=${PFX}b
	V_A=${PFX}a0 V_RA=${PFX}ra V_RB=${PFX}rb V_B=${PFX}b0
	chain_down
	on_exit chain_down
	_chain_make >"$WORK/chain.out" 2>&1 || { indent "$WORK/chain.out"; return 1; }
	# neighbours resolved before any count starts (ARP is not what the tests count, but a first
	# packet queued behind ARP must not be held past a drain)
	nsx "$NS_A" ping -c 1 -W 5 "$B_IP" >"$WORK/chain.out" 2>&1 || { indent "$WORK/chain.out"; return 1; }
}

_chain_make() {
	for _n in $NS_A $NS_R $NS_B; do
		ip netns add "$_n" || return 1
		nsx "$_n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || return 1
		nsx "$_n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 || return 1
		nsx "$_n" ip link set lo up || return 1
	done
	ip link add "$V_A" netns "$NS_A" type veth peer name "$V_RA" netns "$NS_R" &&
		ip link add "$V_RB" netns "$NS_R" type veth peer name "$V_B" netns "$NS_B" &&
		nsx "$NS_A" ip addr add "$A_IP/24" dev "$V_A" &&
		nsx "$NS_R" ip addr add 10.71.1.2/24 dev "$V_RA" &&
		nsx "$NS_R" ip addr add 10.71.2.1/24 dev "$V_RB" &&
		nsx "$NS_B" ip addr add "$B_IP/24" dev "$V_B" &&
		nsx "$NS_A" ip link set "$V_A" up && nsx "$NS_R" ip link set "$V_RA" up &&
		nsx "$NS_R" ip link set "$V_RB" up && nsx "$NS_B" ip link set "$V_B" up &&
		nsx "$NS_A" ip route add default via 10.71.1.2 &&
		nsx "$NS_B" ip route add default via 10.71.2.1 &&
		nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1
}

# --- traffic (ptgen) ---------------------------------------------------------------------------

# udp_run PORT COUNT SIZE EXPECT: a sink in b expecting EXPECT datagrams, COUNT sent from a;
# sets UDP_GOT to the sink's "received N bytes B" line. 1 when a side failed.
udp_run() {
	rm -f "$WORK/udp.ready"
	nsx "$NS_B" "$GEN" udp-sink "$1" "$4" "$WORK/udp.ready" 3 >"$WORK/udp.sink" 2>&1 &
	_sink=$!
	wait_for 20 "udp sink ready" test -e "$WORK/udp.ready" || { kill "$_sink" 2>/dev/null; return 1; }
	nsx "$NS_A" "$GEN" udp-send "$B_IP" "$1" "$2" "$3" >"$WORK/udp.send" 2>&1 || {
		indent "$WORK/udp.send"
		kill "$_sink" 2>/dev/null
		return 1
	}
	wait "$_sink"
	UDP_GOT=$(cat "$WORK/udp.sink")
}

# tcp_run PORT BYTES CHUNK: one connection a -> b carrying BYTES; sets TCP_GOT to the client's
# copy of the server's answer ("ok BYTES" when every byte arrived intact).
tcp_run() {
	rm -f "$WORK/tcp.ready"
	nsx "$NS_B" "$GEN" tcp-sink "$1" "$WORK/tcp.ready" 10 >"$WORK/tcp.sink" 2>&1 &
	_sink=$!
	wait_for 20 "tcp sink ready" test -e "$WORK/tcp.ready" || { kill "$_sink" 2>/dev/null; return 1; }
	TCP_GOT=$(nsx "$NS_A" "$GEN" tcp-send "$B_IP" "$1" "$2" "$3" 2>&1)
	wait "$_sink"
}

# --- probes and the collector ------------------------------------------------------------------

# collector_start STORE: a collector on STORE (socket beside it); sets COLLECTOR_PID.
collector_start() {
	COLLECTOR_PID=$("$PROVTAP" collect --store "$1" --socket "$1.sock" --log "$1.log" --daemon \
		2>"$WORK/collect.err")
	case "$COLLECTOR_PID" in
	'' | *[!0-9]*)
		indent "$WORK/collect.err"
		[ -f "$1.log" ] && indent "$1.log" log
		return 1 ;;
	esac
	on_exit "kill -9 $COLLECTOR_PID"
}

# collector_stop: SIGTERM (it drains and exits), wait up to 30 s.
collector_stop() {
	kill -TERM "$COLLECTOR_PID" 2>/dev/null
	wait_for 30 "collector $COLLECTOR_PID to exit" pid_gone "$COLLECTOR_PID"
}

# backlog_zero: the collector consumed every record of both rings.
backlog_zero() {
	"$PROVTAP" probe status --json >"$WORK/bl.json" 2>/dev/null || return 1
	! grep -o '"ring_backlog_bytes":[-0-9]*' "$WORK/bl.json" | grep -qv ':0$'
}

# store_packets STORE FILTER POINT: packets of POINT matching FILTER in the store.
store_packets() {
	"$PROVTAP" store count --store "$1" "$2" --json 2>/dev/null | jsel point "$3" | jget packets | head -1
}
