#!/bin/bash
# test_procs: the process/FD/socket probes (probe load --procs) on a real cross-namespace
# exchange. A client in the client namespace reads a 10,000-byte file and sends it over TCP to a
# server in the server namespace (routers between), which answers with the SHA-256 of what it
# got. Both run under one parent whose pid tree is the probes' scope. From the store: the execs
# with their argv, connect/accept with both ends' addresses, the client's read of the file, the
# bytes sent and received (reassembled from inline content and chunks: equal to the file), TCP
# sequence numbers that agree between the two ends, clean exits. The live tail shows the same
# connection through a process filter. A holder process the parent started before the load (a
# python3 holding the payload file and a listening TCP socket) is seeded: its program, argv and
# FDs are in the store, as is the parent itself. Bad options are refused clearly; unload removes
# every tracepoint attachment.
source "$(dirname "$0")/lib.sh"

require_bpf
testbed_up
probes_cleanup_on_exit

PORT=9200
head -c 10000 /dev/urandom >"$TMP/payload.bin"
SUM=$(sha256sum "$TMP/payload.bin" | cut -d' ' -f1)
py_server "$TMP/srv.py" <<'EOF'
got = b""
while len(got) < 10000:
    b = c.recv(65536)
    if not b:
        break
    got += b
c.sendall(("ok:" + hashlib.sha256(got).hexdigest()).encode())
c.close()
EOF
py_client "$TMP/cli.py" <<'EOF'
print(c.recv(100).decode())
EOF
cat >"$TMP/holder.py" <<'EOF'
import os, signal, socket, sys
f = open(sys.argv[2], "rb")
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
open(sys.argv[1] + ".tmp", "w").write("%d %d %d %d\n" % (os.getpid(), f.fileno(), s.fileno(), s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    signal.pause()
EOF
mkfifo "$TMP/go"
# The parent: starts the holder (alive before the load: seeded), waits for the go signal, then
# runs server and client as its descendants.
bash -c '
python3 "$1/holder.py" "$1/holder.info" "$1/payload.bin" & holder=$!
read -r _ <"$1/go"
ip netns exec "$2" python3 "$1/srv.py" '$PORT' "$1/srv.ready" & srv=$!
for i in $(seq 100); do [ -s "$1/srv.ready" ] && break; sleep 0.05; done
ip netns exec "$3" python3 "$1/cli.py" "$4" '$PORT' "$1/payload.bin" >"$1/cli.out"
wait $srv
kill $holder' _ "$TMP" "$NS_SERVER" "$NS_CLIENT" "$SERVER_IP" &
PARENT=$!
on_exit "kill $PARENT 2>/dev/null"
wait_for 10 "the holder to hold its FDs" test -s "$TMP/holder.info" || die "the holder did not start"
read -r HPID HFILE_FD HSOCK_FD HPORT <"$TMP/holder.info"
on_exit "kill $HPID 2>/dev/null"
HEXE=$(readlink "/proc/$HPID/exe")
HINO=$(stat -c %i "$TMP/payload.bin")

# --- bad input first (nothing is loaded yet) ---
expect_refused() {	# expect_refused WHAT PATTERN ARGS...: exit 2 (usage) or 1, message matching PATTERN
	local what=$1 pat=$2
	shift 2
	"$PROVTAP" probe load "$@" >"$TMP/bad.out" 2>&1
	local rc=$?
	if [ $rc -ne 0 ] && grep -q -- "$pat" "$TMP/bad.out"; then
		pass "refused: $what"
	else
		fail "refused: $what (exit $rc: $(head -c 300 "$TMP/bad.out"))"
	fi
}
expect_refused "--pid-tree of a process that does not exist" "no such process" --procs --pid-tree 99999999
expect_refused "--comm longer than 15 characters" "1 to 15 characters" --procs --comm abcdefghijklmnopq
expect_refused "--cgroup that is not a directory" "cgroup" --procs --cgroup /nonexistent/cg
expect_refused "--cgroup of a directory outside cgroup v2" "$TMP is not a cgroup v2 directory (cgroup v2 is mounted at " \
	--procs --cgroup "$TMP"
expect_refused "--netns that does not exist" "no-such-ns" --procs --netns no-such-ns
expect_refused "two scopes" "at most one of" --procs --comm a --pid-tree 1
expect_refused "--content over 65536" "content takes" --procs --content 70000
expect_refused "--content without --procs" "need --procs" --content 10 --drops
expect_refused "--proc-variant without --procs" "need --procs" --proc-variant core --drops
expect_refused "--proc-variant that does not exist" "no program variant 'fast'" --procs --proc-variant fast
expect_refused "--send-variant that does not exist" "no send program variant named 'fast'" --procs --send-variant fast
expect_refused "--send-variant without --procs" "need --procs" --send-variant send-syscall --drops
check "nothing is pinned after the refusals" not test -e "$PROVTAP_PIN_DIR/proc"
check "  ... nor the pin directory left behind" not test -e "$PROVTAP_PIN_DIR"

# tracepoint attachments are perf_event links; the sched ones raw_tracepoint links. Ours are
# the ones pinned in this test's pin dir: other BPF users on the machine come and go meanwhile.
link_progs() { bpftool link list 2>/dev/null | awk '/perf_event|raw_tracepoint/ { print $4 }' | sort -u; }
pinned_link_progs() {	# the program of each link pinned by the proc probes, one line each
	local f
	for f in "$PROVTAP_PIN_DIR"/links/proc/*; do
		[ -e "$f" ] && bpftool link show pinned "$f" 2>/dev/null | awk 'NR == 1 { print $4 }'
	done
}
probe_load --procs --content 65536 --pid-tree "$PARENT"
sed 's/^/        load| /' "$TMP/load.out"
# the parent and the holder (the parent's open of the fifo has not returned: no FD yet)
check "load reports the seeding: 2 processes and their FDs" \
	grep -Eq "proc probes: seeded 2 processes, [1-9][0-9]* FDs$" "$TMP/load.out"
# "N tracepoint attachments ... variant V": the btf variants enter only close and the sends
read -r NTP VARIANT SENDV < <(sed -n 's/.*proc probes: \([0-9]*\) tracepoint attachments, .*, variant \([a-z-]*\), send hook \([a-z-]*\)$/\1 \2 \3/p' "$TMP/load.out")
log "variant ${VARIANT:-?}, send hook ${SENDV:-?}, ${NTP:-?} tracepoint attachments"
check "load names the variant and the attachments (btf-cast, btf: > 40; core: > 100)" \
	test "${NTP:-0}" -gt "$([ "$VARIANT" = core ] && echo 100 || echo 40)"
check "status --json: proc probes loaded, scope pid-tree $PARENT, the same variant and attachments" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["procs"]
sys.exit(not (p["loaded"] and p["scope"] == "pid-tree " + sys.argv[2] and p["content"] == 65536 and
              p["variant"] == sys.argv[3] and p["tracepoints"] == int(sys.argv[4]) and p["send_variant"] == sys.argv[5]))' \
	<(status_json) "$PARENT" "$VARIANT" "$NTP" "$SENDV"
check "a second --procs load is refused" not "$PROVTAP" probe load --procs
pinned_link_progs >"$TMP/links.ours"
assert_eq "the tracepoint attachments are in the kernel" "$NTP" "$(grep -c . "$TMP/links.ours")"
sort -u "$TMP/links.ours" >"$TMP/progs.ours"
# and the send hook's: send-tp one, send-fentry and send-kprobe two (entry, exit), send-syscall none
NSEND=$(case "$SENDV" in send-tp) echo 1 ;; send-syscall) echo 0 ;; *) echo 2 ;; esac)
assert_eq "the attachments run the family's programs (enter, exit, fork, exec, exit, $SENDV's $NSEND)" \
	$((5 + NSEND)) "$(wc -l <"$TMP/progs.ours")"

collector_start
"$PROVTAP" tail --socket "$SOCK" --json "proc comm python3 and port $PORT" >"$TMP/tail.json" 2>"$TMP/tail.err" &
TAIL=$!
on_exit "kill $TAIL 2>/dev/null"
wait_for 10 "the tail connected and waiting for records" tail_reading "$TAIL" ||
	fail "the tail did not connect"
echo go >"$TMP/go"
wait $PARENT
assert_eq "the client got the server's digest of the file" "ok:$SUM" "$(cat "$TMP/cli.out")"
wait_for 10 "proc ring drained" proc_ring_backlog_zero || fail "the proc ring did not drain"
wait_for 10 "the tail to show the client's send" grep -q '"call":"sendto"' "$TMP/tail.json" ||
	fail "tail did not show the send"
kill $TAIL 2>/dev/null
status_json >"$TMP/status-after.json"
collector_stop

"$PROVTAP" store dump --store "$STORE" --json proc >"$TMP/dump.json" 2>"$TMP/dump.err" ||
	die "store dump failed: $(cat "$TMP/dump.err")"
log "$(wc -l <"$TMP/dump.json") proc-family records stored"
py_checks "the store checks" python3 "$TMP/dump.json" "$TMP/payload.bin" "$SERVER_IP" "$CLIENT_IP" "$PORT" \
	"$TMP/status-after.json" "$TMP/tail.json" "$PARENT $HPID $HFILE_FD $HSOCK_FD $HPORT $HINO $HEXE" "$TMP" <<'EOF'
import hashlib, json, os, sys
dump, payload_path, sip, cip, port, status_path, tail_path, holder, tmp = sys.argv[1:]
port = int(port)
ppid, hpid, hfile, hsock, hport, hino = map(int, holder.split()[:6])
hexe = holder.split(None, 6)[6]
payload = open(payload_path, "rb").read()
recs = [json.loads(l) for l in open(dump)]
def execs(script):
    return [r for r in recs if r["type"] == "proc" and r["kind"] == "exec" and script in " ".join(r["argv"])]
srv_exec, cli_exec = execs("srv.py"), execs("cli.py")
check("exec of the server recorded with its argv", len(srv_exec) >= 1 and srv_exec[-1]["argv"][-2] == str(port), srv_exec)
check("exec of the client recorded with its argv", len(cli_exec) >= 1 and cli_exec[-1]["argv"][-3] == sip, cli_exec)
spid, cpid = srv_exec[-1]["pid"], cli_exec[-1]["pid"]
mine = lambda pid: [r for r in recs if r.get("pid") == pid]

# Only the IP connects: before exec the client's shell may ask nscd or sssd over unix sockets
# (CI machines do), and those connects are recorded too, as they should be.
inet = lambda r: (r["fd_object"] or {}).get("family") in ("inet", "inet6")
con = [r for r in mine(cpid) if r["type"] == "sys" and r["call"] == "connect" and inet(r)]
check("client: one IP connect, ret 0, to %s:%d" % (sip, port),
      len(con) == 1 and con[0]["ret"] == 0 and con[0]["fd_object"]["remote"] == "%s:%d" % (sip, port), con)
acc = [r for r in mine(spid) if r["type"] == "sys" and r["call"].startswith("accept") and inet(r)]
check("server: one accept from the client's address %s" % cip,
      len(acc) == 1 and acc[0]["ret"] >= 0 and acc[0]["fd_object"]["remote"].startswith(cip + ":"), acc)
check("both ends agree on the connection's 4-tuple",
      con and acc and con[0]["fd_object"]["local"] == acc[0]["fd_object"]["remote"] and
      con[0]["fd_object"]["remote"] == acc[0]["fd_object"]["local"])

def content(rs):
    """Bytes of DATA records rs, inline + chunks, in order; (bytes, sum of sizes, all captured)."""
    out, size, full = b"", 0, True
    for d in rs:
        buf = bytearray(bytes.fromhex(d.get("content", "")))
        for k in recs:
            if k["type"] == "chunk" and k["tid"] == d["tid"] and k["ts_ns"] == d["ts_ns"] and k["msg_index"] == d["msg_index"]:
                assert k["off"] == len(buf), (k["off"], len(buf))
                buf += bytes.fromhex(k["content"])
        size += d["size"]
        full = full and d["captured"] == d["size"] == len(buf)
        out += bytes(buf)
    return out, size, full

sfd = con[0]["fd"] if con else -1
# on this socket after the connect (the fd number may have named files before)
sock = lambda r, after: r["ts_ns"] > after and (r["fd_object"] or {}).get("kind") == "socket"
sends = [r for r in mine(cpid) if r["type"] == "data" and r["dir"] == "out" and r["fd"] == sfd and r["size"] > 0
         and con and sock(r, con[0]["ts_ns"])]
data, size, full = content(sends)
check("client sent 10000 bytes on the connected socket", size == 10000, size)
check("client's captured content equals the file (sha256)", full and hashlib.sha256(data).digest() == hashlib.sha256(payload).digest())
afd = acc[0]["newfd"] if acc else -1
recvs = [r for r in mine(spid) if r["type"] == "data" and r["dir"] == "in" and r["fd"] == afd and r["size"] > 0
         and acc and sock(r, acc[0]["ts_ns"])]
data, size, full = content(recvs)
check("server received 10000 bytes on the accepted socket", size == 10000, size)
check("server's captured content equals the file (sha256)", full and data == payload)
if sends and recvs and con and acc:
    check("TCP: the client's first send starts at its connect's snd_seq",
          sends[0]["fd_object"]["snd_seq"] == con[0]["fd_object"]["snd_seq"], (sends[0]["fd_object"], con[0]["fd_object"]))
    check("TCP: the server's first recv starts at its accept's rcv_seq",
          recvs[0]["fd_object"]["rcv_seq"] == acc[0]["fd_object"]["rcv_seq"])
    check("TCP: the client's snd_seq is the server's rcv_seq (one stream)",
          sends[0]["fd_object"]["snd_seq"] == recvs[0]["fd_object"]["rcv_seq"])
    seqs = [s["fd_object"]["snd_seq"] for s in sends]
    want = [(seqs[0] + sum(s["size"] for s in sends[:i])) % 2**32 for i in range(len(sends))]
    check("TCP: each send's snd_seq = the previous one's + its size", seqs == want, (seqs, want))

opened = [r for r in mine(cpid) if r["type"] == "sys" and r["call"] in ("open", "openat") and r.get("path", "").endswith("payload.bin")]
check("client opened the payload file", len(opened) == 1 and opened[0]["ret"] >= 0, opened)
if opened:
    fd, t0 = opened[0]["newfd"], opened[0]["ts_ns"]
    closes = [r["ts_ns"] for r in mine(cpid) if r["type"] == "sys" and r["call"] == "close" and r["fd"] == fd and r["ts_ns"] > t0]
    t1 = min(closes) if closes else float("inf")
    reads = [r for r in mine(cpid) if r["type"] == "data" and r["dir"] == "in" and r["fd"] == fd
             and t0 < r["ts_ns"] < t1 and r["size"] > 0]
    data, size, full = content(reads)
    check("client read the file's 10000 bytes through that fd, content captured", size == 10000 and data == payload, size)
for who, pid in (("server", spid), ("client", cpid)):
    ex = [r for r in mine(pid) if r["type"] == "proc" and r["kind"] == "exit" and r["group"]]
    check("%s exited with status 0" % who, len(ex) == 1 and ex[0]["exit_code"] == 0, ex)

# seeded at the load: the holder (program, argv, its file and listening socket) and the parent
seeds = lambda pid: [r for r in recs if r["type"] == "proc" and r["kind"] == "seed" and r["pid"] == pid]
seed_fds = lambda pid: {r["newfd"]: r for r in recs if r["type"] == "sys" and r["call"] == "seed_fd" and r["pid"] == pid}
hs = seeds(hpid)
check("the holder is seeded once, from its leader, with its exe and argv",
      len(hs) == 1 and hs[0]["tid"] == hpid and hs[0]["ppid"] == ppid and hs[0]["filename"] == hexe and
      hs[0]["argv"][0].endswith("python3") and
      hs[0]["argv"][1:] == [tmp + "/holder.py", tmp + "/holder.info", payload_path] and
      not hs[0]["fault"] and not hs[0]["argv_truncated"], hs)
hfds = seed_fds(hpid)
check("the holder's seeded FDs include 0, 1, 2, its file and its socket",
      {0, 1, 2, hfile, hsock} <= set(hfds) and all(r["fd"] == -1 and r["tid"] == hpid for r in hfds.values()),
      sorted(hfds))
f = hfds.get(hfile, {})
check("seeded fd %d: the payload file (inode, path, position 0, close-on-exec)" % hfile,
      (f.get("fd_object") or {}).get("kind") == "file" and f["fd_object"]["ino"] == hino and
      f.get("path") == os.path.realpath(payload_path) and f["fd_object"]["pos"] == 0 and f["cloexec"], f)
k = hfds.get(hsock, {}).get("fd_object") or {}
check("seeded fd %d: TCP socket listening on 127.0.0.1:%d" % (hsock, hport),
      k.get("kind") == "socket" and k.get("proto") == "tcp" and k.get("state") == "LISTEN" and
      k.get("local") == "127.0.0.1:%d" % hport, k)
ps = seeds(ppid)
check("the parent (bash) is seeded with its FDs",
      len(ps) == 1 and ps[0]["argv"][:2] == ["bash", "-c"] and {0, 1, 2} <= set(seed_fds(ppid)), ps)
check("nothing outside the pid tree is seeded: only the parent and the holder",
      {r["pid"] for r in recs if (r["type"] == "proc" and r["kind"] == "seed") or
       (r["type"] == "sys" and r["call"] == "seed_fd")} == {ppid, hpid})
hx = [r for r in recs if r["type"] == "proc" and r["kind"] == "exit" and r["pid"] == hpid and r["group"]]
check("the holder's exit record names the seed's start time",
      len(hx) == 1 and len(hs) == 1 and hx[0]["start_ns"] == hs[0]["start_ns"], hx)

st = json.load(open(status_path))["procs"]["categories"]
check("status: no proc records lost to the ring", all(c["ring_drops"] == 0 for c in st.values()), st)
check("status: records were recorded in every category (proc, sys, data, chunk)",
      all(st[k]["recorded"] > 0 for k in ("proc", "sys", "data", "chunk")), st)
tail = [json.loads(l) for l in open(tail_path) if l.strip()]
check("tail 'proc comm python3 and port %d': only python3 records on that port" % port,
      tail and all(r.get("comm") == "python3" for r in tail if r["type"] != "chunk"), tail[:3])
check("tail shows the connect and the accept",
      any(r.get("call") == "connect" for r in tail) and any(r.get("call", "").startswith("accept") for r in tail))
EOF

"$PROVTAP" probe unload --procs >"$TMP/unload.out" 2>&1
check "probe unload --procs succeeds" grep -q "proc probes: unloaded" "$TMP/unload.out"
check "its pins are gone" not test -e "$PROVTAP_PIN_DIR/proc"
assert_eq "no attachment of its programs is left" "" "$(link_progs | comm -12 "$TMP/progs.ours" -)"
check "unload --procs again: not loaded, exit non-zero" not "$PROVTAP" probe unload --procs

# The send hook the automatic pick chose ($SENDV) and every other but send-syscall refused by the
# kernel (PROVTAP_FAULT_REFUSE stands in for the refusal): the loader tries the next send hook the
# kernel has, down to send-syscall, and says so at each step.
PROVTAP_FAULT_REFUSE=send-tp,send-fentry,send-kprobe probe_load --procs --pid-tree $$
assert_eq "the send hooks refused: send-syscall is loaded" send-syscall \
	"$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["procs"]["send_variant"])')"
grep "refused send hook" "$TMP/load.out" >"$TMP/refused"
if [ "$SENDV" != send-syscall ]; then	# (a kernel with no send hook has nothing to refuse)
	check "load warns that $SENDV was refused first and names the next" \
		grep -q "^provtap: warning: proc probes: the kernel refused send hook $SENDV; trying " <(head -1 "$TMP/refused")
	check "... and ends at send-syscall, saying what that costs" grep -q \
		"trying send-syscall (concurrent TCP sends on one socket are marked uncertain)$" <(tail -1 "$TMP/refused")
fi
"$PROVTAP" probe unload --procs >/dev/null 2>&1 || fail "probe unload --procs (send hooks refused) failed"
