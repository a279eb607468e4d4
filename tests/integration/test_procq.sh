#!/bin/bash
# test_procq: `query proc`, `query conn` and `query content` on a real FD-inheritance scenario,
# and on calls cut short. Under one root process (the probes' --pid-tree scope, content 4096):
#  - tests/progs/fdparent starts a loopback TCP server (a fork of itself), connects a socket to
#    it, opens a file, a close-on-exec file and 4000 times /dev/null, forks; the child execs the
#    statically linked tests/progs/fdchild, which receives the server's greeting and writes
#    through the inherited FDs, opens a new file that gets the close-on-exec fd's number, dup2s
#    it onto stdout, runs two threads writing the socket, then one 10000-byte write (more than
#    --content: truncated);
#  - tests/progs/badcalls kills a child blocked in read(2) and closes a socketpair end under a
#    thread blocked in recv(2) on it.
# Then, from the store: the child's exact FD table before and after the exec, bytes per object
# and per thread, the connection with both ends' processes and bytes each way, the content
# (sha256 against what the server received, slices, the truncated call as a named gap, --raw
# refusing a range with a gap), the cut-short calls, and clear refusals of unknown or malformed
# ids; the store holds every record the probes emitted, before and after the queries.
source "$(dirname "$0")/lib.sh"

require_bpf
probes_cleanup_on_exit

# The test programs: next to the binary under test (make OUTPUT=DIR), else in $OUTPUT (as
# run-all.sh and run.sh, which test a copy of the binary, are given it), else the tree's build/.
PROGS=$(dirname "$PROVTAP")/tests/progs
if [ ! -x "$PROGS/fdchild" ]; then
	PROGS=${OUTPUT:-build}/tests/progs
	[[ $PROGS == /* ]] || PROGS=$ROOT/$PROGS
fi
for p in fdparent fdchild badcalls; do
	[ -x "$PROGS/$p" ] || die "no test program $PROGS/$p (make tests-build)"
done
check "fdchild is statically linked" bash -c "file -L '$PROGS/fdchild' | grep -q 'statically linked'"

NEXTRA=4000
CONTENT=4096
mkfifo "$TMP/go"
# The root: waits for the go signal, then runs both scenarios as its descendants.
bash -c '
read -r _ <"$1/go"
"$2/fdparent" "$1" "$2/fdchild" "$3" <<<go >"$1/parent.out" 2>"$1/parent.err"
echo $? >"$1/parent.rc"
"$2/badcalls" "$1" <<<go >"$1/bad.out" 2>&1
echo $? >"$1/bad.rc"' _ "$TMP" "$PROGS" "$NEXTRA" &
ROOTP=$!
on_exit "kill $ROOTP"

probe_load --procs --content $CONTENT --pid-tree "$ROOTP"
collector_start
echo go >"$TMP/go"
wait $ROOTP
assert_eq "fdparent: child and server did what fdproto.h says ($(cat "$TMP/parent.err"))" 0 "$(cat "$TMP/parent.rc")"
assert_eq "badcalls: both scenarios ran ($(cat "$TMP/bad.out"))" 0 "$(cat "$TMP/bad.rc")"
wait_for 10 "proc ring drained" proc_ring_backlog_zero || fail "the proc ring did not drain"
status_json >"$TMP/status-after.json"
collector_stop

declare -A I
while read -r k v; do I[$k]=$v; done < <(cat "$TMP/parent.info" "$TMP/badcalls.info")
Q() { "$PROVTAP" query "$@" --store "$STORE"; }
nrecords() { "$PROVTAP" store dump --store "$STORE" --json proc 2>/dev/null | wc -l; }
REC_BEFORE=$(nrecords)
log "$REC_BEFORE process records stored; child ${I[child_pid]}, server ${I[server_pid]}"

# --- the FD table, before and after the exec ---
Q proc "${I[child_pid]}" --json >"$TMP/child.json" 2>"$TMP/child.err" || fail "query proc child: $(cat "$TMP/child.err")"
EXEC_TS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["execs"][0]["ts_ts_ns"])' "$TMP/child.json")
Q proc "${I[child_pid]}" --at "boot:$((EXEC_TS - 1))" --json >"$TMP/before.json" 2>"$TMP/before.err" ||
	fail "query proc --at before the exec: $(cat "$TMP/before.err")"
Q proc "${I[child_pid]}" --at "boot:$EXEC_TS" --json >"$TMP/atexec.json" 2>"$TMP/atexec.err" ||
	fail "query proc --at the exec: $(cat "$TMP/atexec.err")"
Q proc "${I[child_pid]}" >"$TMP/child.txt" 2>&1 || fail "query proc child (text)"
Q conn '' --json >"$TMP/conn.json" 2>"$TMP/conn.err" || fail "query conn: $(cat "$TMP/conn.err")"
Q conn "pid ${I[child_pid]}" --json >"$TMP/conn-pid.json" 2>/dev/null
Q conn "comm fdchild and port ${I[port]}" --json >"$TMP/conn-comm.json" 2>/dev/null
Q conn 'port 1' --json >"$TMP/conn-none.json" 2>/dev/null
Q proc "${I[killed_pid]}" --json >"$TMP/killed.json" 2>"$TMP/killed.err" || fail "query proc killed: $(cat "$TMP/killed.err")"
Q proc "${I[closer_tid]}" --json >"$TMP/closer.json" 2>"$TMP/closer.err" || fail "query proc badcalls: $(cat "$TMP/closer.err")"

py_checks "the JSON checks" python3 "$TMP" "$NEXTRA" <<'EOF'
import json, sys
tmp, nextra = sys.argv[1], int(sys.argv[2])
info = dict(l.split() for l in open(tmp + "/parent.info").read().splitlines() + open(tmp + "/badcalls.info").read().splitlines())
info = {k: int(v) for k, v in info.items()}
sfd, ffd, cfd, first = info["sock_fd"], info["file_fd"], info["cloexec_fd"], info["first_extra"]
load = lambda n: json.load(open(tmp + "/" + n))
rows = lambda n: [json.loads(l) for l in open(tmp + "/" + n) if l.strip()]
child, before, atexec = load("child.json"), load("before.json"), load("atexec.json")
fds = {f["fd"]: f for f in child["fds"]}
bfds = {f["fd"]: f for f in before["fds"]}
afds = {f["fd"]: f for f in atexec["fds"]}
cid = child["id"]
check("child id is proc:HOST/PID@START", cid == "proc:%s/%d@%d" % (child["host"], info["child_pid"], child["start_ns"]), cid)
check("child exited 0, 3 threads", child["exited"] and child["exit_code"] == 0 and child["signal"] is None and len(child["threads"]) == 3,
      (child["exit_status"], child["threads"]))
ex = child["execs"]
check("one exec: fdchild with argv [fdchild SOCK FILE CLOEXEC OUTDIR]", len(ex) == 1 and ex[0]["filename"].endswith("/fdchild")
      and ex[0]["argv"] == ["fdchild", str(sfd), str(ffd), str(cfd), tmp], ex)
check("lineage ends with fdparent, the child's parent", child["lineage"] and child["lineage"][-1]["pid"] == child["ppid"]
      and child["lineage"][-1]["id"] == child["parent"] and child["origin"] == "fork", child["lineage"])

# before the exec (after the fork): everything inherited, the cloexec fd included
check("before exec: %d fds, all inherited" % (3 + 3 + nextra), len(bfds) == 6 + nextra and all(f["begin"] == "inherit" for f in bfds.values()),
      (len(bfds), {f["begin"] for f in bfds.values()}))
check("before exec: fd %d is cloexec.txt, close-on-exec" % cfd, cfd in bfds and bfds[cfd]["path"].endswith("/cloexec.txt") and bfds[cfd]["cloexec"], bfds.get(cfd))
# at the exec: the cloexec fd is gone, nothing else
check("at the exec: fd %d gone, %d fds left" % (cfd, 5 + nextra), cfd not in afds and len(afds) == 5 + nextra, sorted(set(bfds) - set(afds)))

# just before exit
check("at exit: %d fds (0-%d)" % (6 + nextra, 5 + nextra), sorted(fds) == list(range(6 + nextra)), len(fds))
ext = [fds.get(first + k) for k in range(nextra)]
check("the %d extra fds: inherited, /dev/null, %d distinct objects" % (nextra, nextra),
      all(f and f["begin"] == "inherit" and f["src_fd"] == f["fd"] and f["path"] == "/dev/null" and f["kind"] == "chr" for f in ext)
      and len({f["obj"] for f in ext if f}) == nextra)
s = fds.get(sfd, {})
check("fd %d: the inherited TCP socket, in a connection" % sfd, s.get("begin") == "inherit" and s.get("kind") == "socket"
      and s.get("remote") == "127.0.0.1:%d" % info["port"] and (s.get("conn") or "").startswith("conn:tcp:127.0.0.1:"), s)
f = fds.get(ffd, {})
check("fd %d: the inherited file" % ffd, f.get("begin") == "inherit" and f.get("path", "").endswith("/inherited.txt")
      and f.get("id") == "file:" + f.get("path", ""), f)
n = fds.get(cfd, {})
check("fd %d: reused by the new file (begin open, not close-on-exec)" % cfd, n.get("begin") == "open"
      and n.get("path", "").endswith("/new.txt") and not n.get("cloexec"), n)
check("fd %d: a different object than the cloexec fd before exec (no aliasing)" % cfd,
      n.get("obj") != bfds[cfd]["obj"] and n.get("ino") != bfds[cfd]["ino"], (n.get("obj"), bfds[cfd]["obj"]))
o = fds.get(1, {})
check("fd 1: dup2 of fd %d, the new file's object" % cfd, o.get("begin") == "dup" and o.get("src_fd") == cfd
      and o.get("obj") == n.get("obj"), o)
check("fd 1 before exec: inherited, another object", bfds[1]["begin"] == "inherit" and bfds[1]["obj"] != n.get("obj"), bfds[1])

# bytes per object and per thread
objs = {x["obj"]: x for x in child["objects"]}
so, fo, no = objs.get(s.get("obj"), {}), objs.get(f.get("obj"), {}), objs.get(n.get("obj"), {})
check("socket: 43 B received in 1 call, 26000 B sent in 17 calls", (so.get("in_bytes"), so.get("in_calls"), so.get("out_bytes"), so.get("out_calls")) == (43, 1, 26000, 17), so)
th = {t["tid"]: t for t in so.get("threads", [])}
wt = sorted(t["tid"] for t in child["threads"] if t["tid"] != info["child_pid"])
check("socket: each of the two writer threads sent 8000 B, the main thread 43 in / 10000 out",
      len(wt) == 2 and all(th.get(t, {}).get("out_bytes") == 8000 for t in wt) and
      (th.get(info["child_pid"], {}).get("in_bytes"), th.get(info["child_pid"], {}).get("out_bytes")) == (43, 10000), th)
check("inherited file: 49 B written in 1 call", (fo.get("out_bytes"), fo.get("out_calls")) == (49, 1), fo)
check("new file: 89 B written in 2 calls (fd %d and stdout)" % cfd, (no.get("out_bytes"), no.get("out_calls")) == (89, 2), no)
check("objects with data calls: exactly those three", len(objs) == 3, list(objs))
cn = child["connections"]
check("child's connection: client end, the server process as peer", len(cn) == 1 and cn[0]["role"] == "client"
      and cn[0]["peer_procs"] and cn[0]["peer_procs"][0].split("@")[0] == "proc:%s/%d" % (child["host"], info["server_pid"]), cn)

# query conn
conns = rows("conn.json")
tcp = [c for c in conns if c["id"].startswith("conn:tcp:")]
check("query conn: one TCP connection, plus the socketpair", len(tcp) == 1 and len(conns) == 2, [c["id"] for c in conns])
c = tcp[0] if tcp else {}
procs = lambda k: sorted(x.split("@")[0] for x in (c.get(k) or "").split())
host = child["host"]
check("conn: client end held by fdparent and fdchild", procs("client_procs") == sorted(["proc:%s/%d" % (host, info["child_pid"]), "proc:%s/%d" % (host, child["ppid"])]), c.get("client_procs"))
check("conn: server end held by the server", procs("server_procs") == ["proc:%s/%d" % (host, info["server_pid"])], c.get("server_procs"))
check("conn: 26000 B client->server, 43 B back", (c.get("bytes_out"), c.get("bytes_in")) == (26000, 43), c)
check("conn: its id is the one query proc printed", c.get("id") == s.get("conn"), (c.get("id"), s.get("conn")))
check("conn: closed by the client first, roles seen, content out truncated, in complete",
      (c.get("state"), c.get("roles"), c.get("content_out"), c.get("content_in")) == ("closed (client first)", "connect+accept", "truncated", "complete"), c)
check("conn 'pid CHILD' and 'comm fdchild and port P': that connection only",
      [r["id"] for r in rows("conn-pid.json")] == [c.get("id")] and [r["id"] for r in rows("conn-comm.json")] == [c.get("id")])
check("conn 'port 1': nothing", rows("conn-none.json") == [])

# cut-short calls
k = load("killed.json")
check("killed child: exit by signal 9 (no exit code), parent badcalls", k["exited"] and k["signal"] == 9 and k["exit_code"] is None
      and k["ppid"] == info["closer_tid"], (k["exit_status"], k["ppid"]))
b = load("closer.json")
bt = {t["tid"]: t for t in b["threads"]}
check("badcalls: exit 0, the reader thread recorded", b["exit_code"] == 0 and info["reader_tid"] in bt, list(bt))
sp = [x for x in b["objects"] if x["kind"] == "socket" and x["in_bytes"] == 10]
check("badcalls: the 10 bytes the blocked recv got after the close are on the socketpair end it read",
      len(sp) == 1 and sp[0]["conn"] and sp[0]["conn"].startswith("conn:unix:") and
      [t["tid"] for t in sp[0]["threads"] if t["in_bytes"]] == [info["reader_tid"]], b["objects"])
EOF
assert_contains "text: the FD table's fd 1 line says dup of fd ${I[cloexec_fd]}" "^ +1  file .*/new.txt +dup of fd ${I[cloexec_fd]} " "$TMP/child.txt"

# --- content ---
CONN=$(python3 -c 'import json,sys; print([json.loads(l)["id"] for l in open(sys.argv[1]) if "conn:tcp:" in l][0])' "$TMP/conn.json")
T=16000
CAPT=$((T + CONTENT))
sha() { sha256sum | cut -d' ' -f1; }
Q content "$CONN" --dir in --raw >"$TMP/in.bin" 2>"$TMP/in.err"
assert_eq "content --dir in --raw: the greeting (sha256)" \
	"$(printf 'hello from the server: fd inheritance test\n' | sha)" "$(sha <"$TMP/in.bin")"
Q content "${CONN#conn:}" --raw --len $CAPT >"$TMP/out.bin" 2>"$TMP/out.err"
assert_eq "content --raw --len $CAPT (id without conn:): what the server received (sha256)" \
	"$(head -c $CAPT "$TMP/server.bin" | sha)" "$(sha <"$TMP/out.bin")"
Q content "$CONN" --raw --offset 15500 --len 1000 >"$TMP/slice.bin" 2>&1
assert_eq "content --offset 15500 --len 1000: that slice (threads' bytes, then the big write's)" \
	"$(tail -c +15501 "$TMP/server.bin" | head -c 1000 | sha)" "$(sha <"$TMP/slice.bin")"
Q content "$CONN" --raw >"$TMP/all.bin" 2>"$TMP/all.err"
rc=$?
assert_eq "content --raw over the truncated call: exit 1" 1 "$rc"
assert_eq "content --raw over the truncated call: nothing written" 0 "$(stat -c %s "$TMP/all.bin")"
assert_contains "content --raw names the gap's offset, length and reason" \
	"gap at offset $CAPT, $((10000 - CONTENT)) bytes \(truncated" "$TMP/all.err"
Q content "$CONN" >"$TMP/content.txt" 2>&1
assert_contains "content (text): the truncated call is a gap line" \
	"^-- gap at $CAPT \(0x[0-9a-f]+\), $((10000 - CONTENT)) bytes: truncated" "$TMP/content.txt"
assert_contains "content (text): hex dump with stream offsets" "^00003e80  03 0a 11 18" "$TMP/content.txt"
Q content "$CONN" --json >"$TMP/content.json" 2>&1
check "content --json: [0,$CAPT) data equal to the server's bytes, [$CAPT,26000) truncated" python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); srv = open(sys.argv[2], "rb").read(); capt = int(sys.argv[3])
r = d["ranges"]
ok = (d["stream_bytes"] == 26000 and len(r) == 2 and r[0]["gap"] == "data" and r[0]["off"] == 0 and
      bytes.fromhex(r[0]["hex"]) == srv[:capt] and r[1] == {"off": capt, "len": 26000 - capt, "gap": "truncated",
      "reason": r[1]["reason"]} and d["complete"] is False and d["dir"] == "out" and d["from_role"] == "client")
sys.exit(not ok)' "$TMP/content.json" "$TMP/server.bin" $CAPT

Q content "$CONN" --dir in >/dev/full 2>"$TMP/full.err"
assert_eq "content > /dev/full: exit 1" 1 $?
assert_contains "  ... and says why" "writing the output: No space left on device" "$TMP/full.err"

# --- bad input: clear messages, right exit codes ---
expect() {	# expect WHAT RC PATTERN ARGS...: query exits RC, stderr matches PATTERN, nothing on stdout
	local what=$1 want=$2 pat=$3
	shift 3
	Q "$@" >"$TMP/bad.stdout" 2>"$TMP/bad.stderr"
	local rc=$?
	if [ $rc -eq "$want" ] && grep -qE -- "$pat" "$TMP/bad.stderr" && [ ! -s "$TMP/bad.stdout" ] &&
		[ "$(wc -l <"$TMP/bad.stderr")" -eq 1 ]; then
		pass "$what: exit $rc, $(cat "$TMP/bad.stderr")"
	else
		fail "$what: exit $rc (want $want), stderr: $(head -c 300 "$TMP/bad.stderr"), stdout $(head -c 100 "$TMP/bad.stdout")"
	fi
}
expect "unknown pid" 1 "no process 4000000 in the store .*provtap query proc. lists them" proc 4000000
HOSTN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["host"])' "$TMP/child.json")
expect "unknown process start" 1 "no process proc:$HOSTN/${I[child_pid]}@1 in the store" proc "proc:$HOSTN/${I[child_pid]}@1"
expect "process of another host" 1 "is a process of host otherhost" proc "proc:otherhost/${I[child_pid]}@1"
expect "malformed process id" 2 "bad vertex id 'proc:abc'" proc proc:abc
expect "neither pid nor id" 2 "'12abc' is neither a pid nor a process id" proc 12abc
expect "bad --at" 2 "--at takes RFC 3339" proc "${I[child_pid]}" --at yesterday
expect "--at before the store's boot" 2 "--at 2020-01-01T00:00:00Z is before the store's boot \(it began at 20" \
	proc "${I[child_pid]}" --at 2020-01-01T00:00:00Z
expect "a reversed window" 2 "the window is empty: --since is after --until" conn '' --since -1m --until -2m
# window bounds before the boot (times the store's boot never had): the boot's start
NPROC=$(Q proc 2>/dev/null | sed -n 's/^\([0-9]*\) of \([0-9]*\) processes.*/\2/p')
Q proc --until 2020-01-01T00:00:00Z >"$TMP/early.proc" 2>&1
assert_contains "query proc --until before the boot: none of the $NPROC processes" "^0 of $NPROC processes" \
	"$TMP/early.proc"
Q conn '' --since 2020-01-01T00:00:00Z >"$TMP/early.conn" 2>&1
assert_contains "query conn --since before the boot: both connections" "^2 of 2 connections" "$TMP/early.conn"
expect "unknown connection" 1 "no connection conn:tcp:10.9.9.9:1-10.9.9.10:2/0-0 in the store .*query conn ''. lists them" \
	content conn:tcp:10.9.9.9:1-10.9.9.10:2/0-0
expect "unknown connection, no prefix" 1 "no connection conn:nosuch in the store" content nosuch
expect "a process id given as a connection" 2 "'proc:1' is not a connection id" content proc:1
expect "malformed connection id" 2 "bad vertex id 'conn:a\+b'" content 'conn:a+b'
expect "content without CONN" 2 "which connection" content
expect "--offset past the end" 1 "--offset 99999 is past the end of what conn:.* carried out \(26000 bytes\)" \
	content "$CONN" --offset 99999
expect "--dir sideways" 2 "--dir takes in or out" content "$CONN" --dir sideways
Q conn 'port' >"$TMP/bad.stdout" 2>"$TMP/bad.stderr"
assert_eq "bad conn filter: exit 2" 2 $?
assert_eq "  ... the message, the filter and a caret under position 5 on stderr, nothing on stdout" \
	"provtap query conn: bad filter: expected a port number after \"port\", got end of expression at position 5:|  port|      ^|" \
	"$(tr '\n' '|' <"$TMP/bad.stderr")$(cat "$TMP/bad.stdout")"

# --- nothing lost ---
REC_AFTER=$(nrecords)
assert_eq "the store's process records are the same after the queries" "$REC_BEFORE" "$REC_AFTER"
check "every record the probes emitted is in the store, none lost in the ring" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["procs"]["categories"]
sys.exit(not (sum(v["recorded"] for v in c.values()) == int(sys.argv[2]) and all(v["ring_drops"] == 0 for v in c.values())))' \
	"$TMP/status-after.json" "$REC_AFTER"
check "no warnings from the queries (nothing lost, nothing malformed)" not grep -q "warning" \
	"$TMP/child.err" "$TMP/conn.err" "$TMP/killed.err" "$TMP/closer.err"
