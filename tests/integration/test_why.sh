#!/bin/bash
# test_why: the provenance graph across layers on the chain testbed (client and server in two
# namespaces, r1 and r2 routing between). Packet probes on all six veths (both directions), the
# drop probe, and the process probes with --content 16384 scoped to the test's pid tree. A client
# (python3) reads a 10,000-byte file and sends it to the server in one call, then sends 30,000
# bytes more (one call, its content cut at 16,384); the server reads the first 10,000 bytes, then
# the rest. Then, from the store:
#  - `why recv:CONN+5000` (the server received byte 5000) names the client process (its exact id),
#    its sendto of [0, 10000) with content captured, the packet that carried the byte at each of
#    the 6 capture points in path order (client veth out ... server veth in), and the file the
#    client read (file:PATH); the 30,000-byte send is marked truncated in `why recv:CONN+20000`;
#  - the content captured equals what was sent (sha256 of the client's sendto and of the server's
#    first 10,000 bytes, from `store dump`);
#  - `impact file:PATH` reaches the server process;
#  - --dot renders with `dot -Tsvg`; --json validates against docs/graph.schema.json
#    (/usr/bin/python3 with Debian's python3-jsonschema);
#  - an unknown vertex and a malformed one give the exact messages and exit 1 and 2.
source "$(dirname "$0")/lib.sh"

require_bpf
command -v dot >/dev/null || die "missing tool: dot (graphviz; scripts/setup.sh)"
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || die "missing /usr/bin/python3 module jsonschema (python3-jsonschema)"
SCHEMA="$ROOT/docs/graph.schema.json"
[ -r "$SCHEMA" ] || die "no schema at $SCHEMA"

testbed_up
probes_cleanup_on_exit
PORT=9300
HOST=$(hostname)
PAYLOAD=$TMP/payload.bin
head -c 10000 /dev/urandom >"$PAYLOAD"
SUM=$(sha256sum "$PAYLOAD" | cut -d' ' -f1)
py_server "$TMP/srv.py" <<'EOF'
first = c.recv(10000, socket.MSG_WAITALL)
rest = b""
while True:
    b = c.recv(65536)
    if not b:
        break
    rest += b
open(sys.argv[3], "w").write("%d %d %s\n" % (len(first), len(rest), hashlib.sha256(first).hexdigest()))
EOF
py_client "$TMP/cli.py" <<'EOF'
c.sendall(b"x" * 30000)
c.close()
EOF
mkfifo "$TMP/go"
bash -c '
read -r _ <"$1/go"
ip netns exec "$2" python3 "$1/srv.py" '$PORT' "$1/srv.ready" "$1/srv.out" & srv=$!
for i in $(seq 100); do [ -s "$1/srv.ready" ] && break; sleep 0.05; done
ip netns exec "$3" python3 "$1/cli.py" "$4" '$PORT' "$5"
wait $srv' _ "$TMP" "$NS_SERVER" "$NS_CLIENT" "$SERVER_IP" "$PAYLOAD" &
PARENT=$!
on_exit "kill $PARENT 2>/dev/null"

probe_load "${IFACES_ALL[@]}" --drops
probe_load --procs --content 16384 --pid-tree "$PARENT"
collector_start
echo go >"$TMP/go"
wait $PARENT
read -r got_first got_rest got_sum <"$TMP/srv.out" || die "the server wrote no result"
assert_eq "the server received 10000 + 30000 bytes" "10000 30000" "$got_first $got_rest"
assert_eq "the server's first 10000 bytes are the file" "$SUM" "$got_sum"
rings_drained() { ring_backlog_zero && proc_ring_backlog_zero; }
wait_for 10 "rings drained" rings_drained || fail "the ring buffers did not drain"
collector_stop

# --- what the store says (store dump): ids, and the captured content ---------------------------
"$PROVTAP" store dump --store "$STORE" --json proc >"$TMP/dump.json" 2>"$TMP/dump.err" ||
	die "store dump failed: $(cat "$TMP/dump.err")"
/usr/bin/python3 - "$TMP/dump.json" "$PAYLOAD" "$PORT" >"$TMP/facts.out" 2>&1 <<'EOF'
import hashlib, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
payload = open(sys.argv[2], "rb").read()
port = int(sys.argv[3])
def execs(script):
    return [r for r in recs if r["type"] == "proc" and r["kind"] == "exec" and any(script in a for a in r["argv"])]
cli, srv = execs("cli.py")[-1], execs("srv.py")[-1]
inet = lambda r: (r["fd_object"] or {}).get("family") == "inet"
con = [r for r in recs if r.get("pid") == cli["pid"] and r["type"] == "sys" and r["call"] == "connect" and inet(r)][0]
acc = [r for r in recs if r.get("pid") == srv["pid"] and r["type"] == "sys" and r["call"].startswith("accept") and inet(r)][0]
# conn id: endpoints ordered by address then port, each with its socket's inode
ends = sorted([(con["fd_object"]["local"], con["fd_object"]["ino"]), (acc["fd_object"]["local"], acc["fd_object"]["ino"])],
              key=lambda e: (tuple(int(x) for x in e[0].split(":")[0].split(".")), int(e[0].split(":")[1])))
conn = "tcp:%s-%s/%d-%d" % (ends[0][0], ends[1][0], ends[0][1], ends[1][1])
def content(rs):
    out = b""
    for d in rs:
        buf = bytearray(bytes.fromhex(d.get("content", "")))
        for k in recs:
            if k["type"] == "chunk" and k["tid"] == d["tid"] and k["ts_ns"] == d["ts_ns"] and k["msg_index"] == d["msg_index"]:
                buf += bytes.fromhex(k["content"])
        out += bytes(buf)
    return out
sends = [r for r in recs if r.get("pid") == cli["pid"] and r["type"] == "data" and r["dir"] == "out" and r["fd"] == con["fd"]
         and r["ts_ns"] > con["ts_ns"] and r["size"] > 0]
recvs = [r for r in recs if r.get("pid") == srv["pid"] and r["type"] == "data" and r["dir"] == "in" and r["fd"] == acc["newfd"]
         and r["ts_ns"] > acc["ts_ns"] and r["size"] > 0]
first_send = content(sends[:1])
got = b""
for r in recvs:
    got += content([r])
    if sum(x["size"] for x in recvs[:recvs.index(r) + 1]) >= 10000:
        break
print("CONN", conn)
print("CPID", cli["pid"], cli["start_ns"])
print("SPID", srv["pid"], srv["start_ns"])
print("SENDS", " ".join("%d/%d" % (s["size"], s["captured"]) for s in sends))
print("SEND_SHA_OK", int(len(sends) > 0 and sends[0]["size"] == 10000 and hashlib.sha256(first_send).digest() == hashlib.sha256(payload).digest()))
print("RECV_SHA_OK", int(hashlib.sha256(got[:10000]).digest() == hashlib.sha256(payload).digest()))
EOF
sed 's/^/        facts| /' "$TMP/facts.out"
fact() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$TMP/facts.out"; }
CONN=$(fact CONN)
read -r CPID CSTART <<<"$(fact CPID)"
read -r SPID SSTART <<<"$(fact SPID)"
[ -n "$CONN" ] && [ -n "$CPID" ] && [ -n "$SPID" ] || die "the store has no client/server connection (see above)"
CLIENT_ID="proc:$HOST/$CPID@$CSTART"
SERVER_ID="proc:$HOST/$SPID@$SSTART"
assert_eq "client's first send: 10000 bytes, content captured equals the file (sha256)" 1 "$(fact SEND_SHA_OK)"
assert_eq "server's first 10000 bytes received, content captured equals the file (sha256)" 1 "$(fact RECV_SHA_OK)"
check "the 30000-byte send was captured up to --content (16384 of 30000)" grep -q "^SENDS 10000/10000 .*30000/16384" "$TMP/facts.out"

# q OUT ARGS...: provtap query ARGS --store $STORE into OUT (stderr OUT.err); exit status in QRC.
q() {
	local out=$1
	shift
	"$PROVTAP" query "$@" --store "$STORE" >"$out" 2>"$out.err"
	QRC=$?
}

# --- why recv:CONN+5000 ------------------------------------------------------------------------
q "$TMP/why.txt" why "recv:$CONN+5000"
assert_eq "why recv:CONN+5000 exits 0" 0 "$QRC"
sed 's/^/        why| /' "$TMP/why.txt"
q "$TMP/why.json" why "recv:$CONN+5000" --json
assert_eq "why --json exits 0" 0 "$QRC"
py_checks "the why checks" /usr/bin/python3 "$TMP/why.json" "$CLIENT_ID" "$CONN" "$PAYLOAD" "${POINTS_FWD[@]}" <<'EOF'
import json, sys
g = json.load(open(sys.argv[1]))
client, conn, path, points = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
V = {v["id"]: v for v in g["vertices"]}
E = g["edges"]
check("the root is the received byte, at the accepting end 10.0.3.2:%s" % conn.split(":")[-1].split("/")[0],
      g["root"].startswith("recv:" + conn + "@10.0.3.2:") and g["root"].endswith("+5000"), g["root"])
sent = [e for e in E if e["kind"] == "sent" and e["from"] == client and e["to"] == "conn:" + conn]
check("names the client process %s and its write (sendto [0, 10000), content captured)" % client,
      len(sent) == 1 and sent[0]["offset"] == [0, 10000] and sent[0]["call"] == "sendto" and sent[0]["bytes"] == 10000
      and not sent[0]["truncated"] and sent[0]["captured"] == 10000, sent)
# the packet chain, in tree order from the root: received <- forwarded ... <- transmitted-as
chain = []
for n in g["tree"][1:]:
    v = V.get(n["vertex"]) if n["vertex"] else None
    if not v or v["kind"] != "packet":
        break
    chain.append(v)
seen = [v["point"] for v in reversed(chain)]
check("the packet carrying byte 5000 at each of the %d capture points, in path order" % len(points), seen == points,
      (seen, points))
check("one fingerprint at every hop, the byte inside its payload",
      len({v["fp"] for v in chain}) == 1 and all(v["payload_len"] > 0 for v in chain))
kinds = [E[n["edge"]]["kind"] for n in g["tree"][1:len(chain) + 2]]
check("edges: received, forwarded x%d, transmitted-as" % (len(points) - 1),
      kinds == ["received"] + ["forwarded"] * (len(points) - 1) + ["transmitted-as"], kinds)
rd = [e for e in E if e["kind"] == "read" and e["to"] == client and e["from"] == "file:" + path]
check("the file the client read the bytes from: file:%s (10000 B)" % path, len(rd) == 1 and rd[0]["bytes"] == 10000, rd)
# the execs up to python3 (ip netns exec, then whatever python3 is in PATH: a pyenv shim execs more)
ex = [e for e in E if e["kind"] == "executed" and e["to"] == client]
check("the client's exec of python3 cli.py", any(e["from"].endswith("/python3") and "cli.py" in e["label"] for e in ex),
      [e["from"] for e in ex])
check("the client's parent (forked)", any(e["kind"] == "forked" and e["to"] == client for e in E))
EOF
check "text: the client's id is printed" grep -qF "$CLIENT_ID" "$TMP/why.txt"
check "text: the file's id is printed" grep -qF "file:$PAYLOAD" "$TMP/why.txt"
assert_eq "text: one packet line per capture point on the path" "${#POINTS_FWD[@]}" "$(grep -c ' pkt:[0-9a-f]\{16\}@' "$TMP/why.txt")"

# --- the truncated call ---------------------------------------------------------------------------
q "$TMP/why2.json" why "recv:$CONN+20000" --json --depth 1
assert_eq "why recv:CONN+20000 exits 0" 0 "$QRC"
check "the 30000-byte sendto is marked truncated (16384 of 30000 B captured)" /usr/bin/python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))
s = [e for e in g["edges"] if e["kind"] == "sent" and e["from"] == sys.argv[2]]
sys.exit(not (len(s) == 1 and s[0]["truncated"] and s[0]["bytes"] == 30000 and s[0]["captured"] == 16384))' \
	"$TMP/why2.json" "$CLIENT_ID"
q "$TMP/why2.txt" why "recv:$CONN+20000" --depth 1
check "text: the truncated call says so" grep -q "sent 30000 B .*content truncated (16384 of 30000 B captured)" "$TMP/why2.txt"

# --- impact of the file ------------------------------------------------------------------------------
q "$TMP/impact.json" impact "file:$PAYLOAD" --json
assert_eq "impact file:PATH exits 0" 0 "$QRC"
check "impact file:PATH reaches the server process $SERVER_ID" /usr/bin/python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))
sys.exit(not any(e["to"] == sys.argv[2] and e["kind"] == "read" for e in g["edges"]))' "$TMP/impact.json" "$SERVER_ID"
q "$TMP/impact.txt" impact "file:$PAYLOAD"
sed 's/^/        impact| /' "$TMP/impact.txt" | head -20

# --- formats: DOT renders, JSON validates --------------------------------------------------------------
for f in why impact; do
	arg="recv:$CONN+5000"
	[ $f = impact ] && arg="file:$PAYLOAD"
	q "$TMP/$f.dot" $f "$arg" --dot
	dot -Tsvg "$TMP/$f.dot" >"$TMP/$f.svg" 2>"$TMP/$f.dot.err"
	rc=$?
	check "$f --dot renders with dot -Tsvg (exit $rc, $(wc -c <"$TMP/$f.svg") bytes of svg)" \
		test $rc = 0 -a -s "$TMP/$f.svg" -a ! -s "$TMP/$f.dot.err"
	check "$f --json validates against docs/graph.schema.json" /usr/bin/python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$TMP/$f.json" "$SCHEMA"
done

# --- bad input -------------------------------------------------------------------------------------------
q "$TMP/bad1" why "proc:$HOST/99999999@1"
assert_eq "unknown vertex: exit 1" 1 "$QRC"
assert_eq "unknown vertex: the message" \
	"provtap query why: no such vertex: proc:$HOST/99999999@1 (no process of pid 99999999 started at 1 in the store)" \
	"$(head -1 "$TMP/bad1.err")"
check "unknown vertex: a hint how to list ids" grep -q "ids are printed by \`provtap query proc PID\`" "$TMP/bad1.err"
check "unknown vertex: nothing on stdout" test ! -s "$TMP/bad1"
q "$TMP/bad2" impact "recv:$CONN+99999999"
assert_eq "a byte never received: exit 1" 1 "$QRC"
check "a byte never received: the message says what was received" grep -qF \
	"no such vertex: recv:$CONN+99999999 (no recorded receive call of 10.0.3.2:$PORT covers byte 99999999; it received [0, 400" \
	"$TMP/bad2.err"
q "$TMP/bad3" why "recv:$CONN"
assert_eq "malformed vertex: exit 2" 2 "$QRC"
assert_eq "malformed vertex: the message" \
	"provtap query why: bad vertex id 'recv:$CONN': a received byte is recv:CONN+OFFSET (OFFSET decimal) (ids: proc:HOST/PID@START, proc:PID, conn:ID, recv:CONN+OFFSET, recv:CONN@EP+OFFSET, file:PATH, pkt:FP@POINT, sock:HOST/INO or drop:FP@TS)" \
	"$(cat "$TMP/bad3.err")"
q "$TMP/bad4" why
assert_eq "no vertex: exit 2" 2 "$QRC"
