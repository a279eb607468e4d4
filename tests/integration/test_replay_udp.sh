#!/bin/bash
# test_replay_udp: UDP datagrams and DNS answered from the recording.
# A server namespace plays the remote machine; it runs a UDP calculator and a tiny DNS responder.
#  1. A UDP client sends three requests from one socket and prints the answers; recorded, the
#     server stopped, replayed: byte-identical output, --verify passes, 3 datagrams answered.
#     Another request diverges: reported on the datagram, at the byte offset, --verify fails.
#  2. A DNS lookup by glibc (`getent ahostsv4`, a real resolver nobody here wrote), with a
#     resolv.conf naming the responder bound over /etc/resolv.conf in a private mount namespace
#     (the command is lookup.sh: `unshare -m sh -c 'mount --bind ... && getent ...'`, so the
#     replay does the same in its own network namespace): recorded, the responder stopped, replayed: the same
#     address, --verify passes. A lookup of another name is reported as an unexpected query and
#     refused at once (no resolver timeout), --verify fails.
source "$(dirname "$0")/lib.sh"

require_bpf
command -v unshare >/dev/null || die "missing tool: unshare (util-linux)"
command -v getent >/dev/null || die "missing tool: getent (libc-bin)"

replay_server_ns 253

# udp_bound PORT: something is bound there in the server namespace
udp_bound() { nsx "$NS" ss -Hlun "sport = :$1" | grep -q .; }

cat >"$TMP/calc.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    d, a = s.recvfrom(2048)
    op, x, y = d.decode().split()
    r = int(x) + int(y) if op == "add" else int(x) * int(y)
    s.sendto(("%s %s %s = %d" % (op, x, y, r)).encode(), a)
EOF
cat >"$TMP/calccli.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for q in sys.argv[3:]:
    s.sendto(q.encode(), (sys.argv[1], int(sys.argv[2])))
    print(s.recv(2048).decode())
EOF
# a DNS responder: A records for names under .test (the address from the name's length), else NXDOMAIN
cat >"$TMP/dns.py" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
while True:
    q, a = s.recvfrom(2048)
    qid, flags, qd = struct.unpack(">HHH", q[:6])
    at, labels = 12, []
    while q[at]:
        labels.append(q[at + 1:at + 1 + q[at]].decode()); at += 1 + q[at]
    qtype, qclass = struct.unpack(">HH", q[at + 1:at + 5])
    question = q[12:at + 5]
    name = ".".join(labels)
    ok = name.endswith(".test") and qtype == 1
    hdr = struct.pack(">HHHHHH", qid, 0x8180 if ok else 0x8183, 1, 1 if ok else 0, 0, 0)
    ans = struct.pack(">HHHLH", 0xc00c, 1, 1, 60, 4) + bytes([10, 9, 8, len(name)]) if ok else b""
    s.sendto(hdr + question + ans, a)
EOF
printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$SRV_IP" >"$TMP/resolv.conf"
# lookup.sh NAME: the command both the record and the replays run
cat >"$TMP/lookup.sh" <<EOF
exec unshare -m sh -c 'mount --bind "\$1" /etc/resolv.conf && exec getent ahostsv4 "\$2"' sh "$TMP/resolv.conf" "\$1"
EOF
# the servers run the interpreter itself (not a wrapper that forks it), so that kill stops them
PY=$(python3 -c 'import sys; print(sys.executable)')

cd "$TMP" || die "no $TMP"
# ---- 1. a UDP request/response program -------------------------------------------------
ip netns exec "$NS" "$PY" "$TMP/calc.py" "$SRV_IP" 5005 >"$TMP/calc.log" 2>&1 &
CALC=$!
on_exit "kill $CALC"
wait_for 10 "calculator bound" udp_bound 5005 || die "the UDP calculator did not start"
"$PROVTAP" record -o "$TMP/udp.ptx" -- python3 "$TMP/calccli.py" "$SRV_IP" 5005 "add 2 3" "mul 6 7" "add 40 2" \
	>"$TMP/udp.rec.out" 2>"$TMP/udp.rec.err"
assert_eq "record of the UDP client: exit 0" 0 "$?"
sed 's/^/        record| /' "$TMP/udp.rec.err"
assert_eq "three answers while recorded" "add 2 3 = 5|mul 6 7 = 42|add 40 2 = 42" "$(tr '\n' '|' <"$TMP/udp.rec.out" | sed 's/|$//')"
assert_contains "record counts 6 datagrams" "(^|[^0-9])6 UDP datagram\(s\)" "$TMP/udp.rec.err"
kill "$CALC"
wait_for 10 "calculator gone" not udp_bound 5005
"$PROVTAP" replay "$TMP/udp.ptx" --verify >"$TMP/udp.rep.out" 2>"$TMP/udp.rep.err"
rc=$?
sed 's/^/        replay| /' "$TMP/udp.rep.err"
assert_eq "UDP replay --verify passes" 0 "$rc"
check "UDP replay: output byte-identical" cmp -s "$TMP/udp.rec.out" "$TMP/udp.rep.out"
assert_contains "UDP replay: 3 datagrams answered" " 3 datagram\(s\) answered" "$TMP/udp.rep.err"
"$PROVTAP" replay "$TMP/udp.ptx" --verify -- python3 "$TMP/calccli.py" "$SRV_IP" 5005 "add 2 3" "mul 6 8" "add 40 2" \
	>"$TMP/udp2.out" 2>"$TMP/udp2.err"
assert_eq "UDP replay of another request: --verify fails" 1 "$?"
# "mul 6 7" vs "mul 6 8": byte 6, '7' (37) vs '8' (38)
assert_contains "the divergence: the second request, byte offset 6, expected '7' (37), got '8' (38)" \
	"DIVERGENCE datagram [0-9]+ \(python3 to $SRV_IP:5005\), client to peer, byte offset 6: expected 37 got 38" "$TMP/udp2.err"
assert_eq "... and the recorded answer is still served" "mul 6 7 = 42" "$(sed -n 2p "$TMP/udp2.out")"

# ---- 2. DNS ------------------------------------------------------------------------------
ip netns exec "$NS" "$PY" "$TMP/dns.py" "$SRV_IP" >"$TMP/dns.log" 2>&1 &
DNS=$!
on_exit "kill $DNS"
wait_for 10 "DNS responder bound" udp_bound 53 || die "the DNS responder did not start"
"$PROVTAP" record -o "$TMP/dns.ptx" -- sh "$TMP/lookup.sh" hello.test >"$TMP/dns.rec.out" 2>"$TMP/dns.rec.err"
assert_eq "record of the lookup: exit 0" 0 "$?"
sed 's/^/        record| /' "$TMP/dns.rec.err"
assert_contains "the lookup resolved through the responder" "^10\.9\.8\.10 +STREAM hello\.test" "$TMP/dns.rec.out"
kill "$DNS"
wait_for 10 "DNS responder gone" not udp_bound 53
"$PROVTAP" replay "$TMP/dns.ptx" --verify >"$TMP/dns.rep.out" 2>"$TMP/dns.rep.err"
rc=$?
sed 's/^/        replay| /' "$TMP/dns.rep.err"
assert_eq "DNS replay --verify passes" 0 "$rc"
check "DNS replay: getent's output byte-identical" cmp -s "$TMP/dns.rec.out" "$TMP/dns.rep.out"
assert_contains "DNS replay: the answer came from the recording" " [1-9] datagram\(s\) answered" "$TMP/dns.rep.err"
start=$(date +%s%N)
"$PROVTAP" replay "$TMP/dns.ptx" --verify -- sh "$TMP/lookup.sh" other.test >"$TMP/dns2.out" 2>"$TMP/dns2.err"
rc=$?
took=$(( ($(date +%s%N) - start) / 1000000 ))
sed 's/^/        replay| /' "$TMP/dns2.err"
assert_eq "DNS replay of another name: --verify fails" 1 "$rc"
assert_contains "... the query is reported with its name" "UNEXPECTED DNS query to $SRV_IP:53 for other\.test" "$TMP/dns2.err"
assert_contains "... and the recorded one as missing" "MISSING [0-9]+ datagram\(s\)" "$TMP/dns2.err"
assert_contains "... getent finds nothing (exit 2)" "exit status 2" "$TMP/dns2.err"
check "... at once: refused, not a resolver timeout (${took} ms < 1500)" test "$took" -lt 1500

# ---- 3. --content-max holds UDP too, per socket and direction -----------------------------
ip netns exec "$NS" "$PY" "$TMP/calc.py" "$SRV_IP" 5006 >"$TMP/calc3.log" 2>&1 &
CALC3=$!
on_exit "kill $CALC3"
wait_for 10 "calculator bound" udp_bound 5006 || die "the UDP calculator did not start"
# requests 7 + 7 + 8 bytes, answers 11 + 12 + 13: 20 bytes each way are kept
"$PROVTAP" record -o "$TMP/udpmax.ptx" --content-max 20 -- python3 "$TMP/calccli.py" "$SRV_IP" 5006 \
	"add 2 3" "mul 6 7" "add 40 2" >"$TMP/udpmax.rec.out" 2>"$TMP/udpmax.rec.err"
assert_eq "record --content-max 20 of the UDP client: exit 0" 0 "$?"
sed 's/^/        record| /' "$TMP/udpmax.rec.err"
kill "$CALC3"
for w in "6 of its 8 bytes" "9 of its 12 bytes" "0 of its 13 bytes"; do
	assert_contains "record warns: a datagram with $w recorded, past --content-max" \
		"warning: UDP datagram [0-9]+: $w recorded \(past --content-max for its socket and direction\)" \
		"$TMP/udpmax.rec.err"
done
assert_eq "... and no other datagram cut" 3 "$(grep -c 'warning: UDP datagram' "$TMP/udpmax.rec.err")"
"$PROVTAP" show "$TMP/udpmax.ptx" >"$TMP/udpmax.show" 2>&1
assert_eq "show marks the three: 6, 9 and 0 bytes kept" "0 6 9" \
	"$(grep -o 'TRUNCATED: [0-9]* bytes kept (past --content-max)' "$TMP/udpmax.show" | awk '{print $2}' | sort -n | tr '\n' ' ' | sed 's/ $//')"
"$PROVTAP" replay "$TMP/udpmax.ptx" >"$TMP/udpmax.rep.out" 2>"$TMP/udpmax.rep.err"
sed 's/^/        replay| /' "$TMP/udpmax.rep.err"
assert_contains "replay says the recording lacks 3 bytes of an answer from an unknown peer (recv() names none)" \
	"datagram [0-9]+ \(an unknown peer to python3\): the recording lacks 3 of its 12 bytes: zeros sent instead" \
	"$TMP/udpmax.rep.err"
assert_eq "replay: the first answer whole, the second cut after 9 bytes (zeros follow)" \
	"add 2 3 = 5|mul 6 7 =" "$(head -2 "$TMP/udpmax.rep.out" | tr -d '\0' | tr '\n' '|' | sed 's/|$//')"
check_clean "at the end"
cd /
