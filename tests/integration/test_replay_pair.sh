#!/bin/bash
# test_replay_pair: a client/server pair both recorded (each by its own `provtap record`, the
# server's run inside a server namespace as on its own host); then the client replayed alone
# (its server emulated) and the server replayed alone (its recorded clients played to it).
#  1. The server greets first, answers two sequential connections and exits; the client talks to
#     it twice. Both record runs exit 0; show lists the server's two connections as accepted.
#  2. Client alone: its output is byte-identical, --verify passes.
#  3. Server alone: its output (who it served, in which order) is byte-identical, both
#     connections are played as the recorded clients, --verify passes.
#  4. A changed server ("howdy" for "hello"): the divergence is reported on connection 0,
#     server to client, at the byte offset where the greeting differs, and --verify fails.
#     A server that never listens where it was recorded (--grace 1): each played client gives up
#     1 s after its turn (missing), the server, which ended by itself in the recording, is killed
#     once it has run on past its recorded delay plus the grace; nothing hangs. A server that
#     stops reading a played client's 16 MiB upload: the stall is reported after the grace.
#  5. A server that runs until it is killed (SIGTERM) after its clients: replay plays the
#     clients, then sends it the recorded signal; output and status as recorded.
#  6. A replay sent SIGTERM kills the re-run, leaves nothing and exits 128+15.
source "$(dirname "$0")/lib.sh"

require_bpf
command -v nsenter >/dev/null || die "missing tool: nsenter (util-linux)"

replay_server_ns 252

# listening PORT: the server namespace has a listener there (seen without connecting to it)
listening() { nsx "$NS" ss -Hltn "sport = :$1" | grep -q .; }

# the server host's shell, as ssh would give it: only the network namespace changes
on_srv() { nsenter --net="/run/netns/$NS" -- "$@"; }

cat >"$TMP/srv.py" <<'EOF'
import os, socket, sys
ip, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
word = sys.argv[4] if len(sys.argv) > 4 else "hello"
if len(sys.argv) > 5:
    open(sys.argv[5], "w").write(str(os.getpid()))
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ip, port))
s.listen(8)
k = 0
while count == 0 or k < count:
    c, _ = s.accept()
    k += 1
    f = c.makefile("rb")
    c.sendall(b"srv ready\n")
    name = f.readline().strip().decode()
    c.sendall(("%s %s, you are visitor #%d\n" % (word, name, k)).encode())
    f.readline()
    c.sendall(("bye %s\n" % name).encode())
    c.close()
    print("served %s as #%d" % (name, k), flush=True)
EOF
cat >"$TMP/cli.py" <<'EOF'
import socket, sys
for name in ("alice", "bob"):
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    f = c.makefile("rb")
    print(f.readline().decode().strip())
    c.sendall(name.encode() + b"\n")
    print(f.readline().decode().strip())
    c.sendall(b"bye\n")
    print(f.readline().decode().strip())
    c.close()
EOF

# ---- 1. both recorded ------------------------------------------------------------------
cd "$TMP" || die "no $TMP"
on_srv "$PROVTAP" record -o "$TMP/srv.ptx" -- python3 "$TMP/srv.py" "$SRV_IP" 7070 2 \
	>"$TMP/srv.rec.out" 2>"$TMP/srv.rec.err" &
SRV_REC=$!
on_exit "kill $SRV_REC"
wait_for 15 "recorded server listening" listening 7070 || die "the recorded server did not start"
"$PROVTAP" record -o "$TMP/cli.ptx" -- python3 "$TMP/cli.py" "$SRV_IP" 7070 >"$TMP/cli.rec.out" 2>"$TMP/cli.rec.err"
assert_eq "record of the client: exit 0" 0 "$?"
wait "$SRV_REC"
rc=$?
sed 's/^/        srv record| /' "$TMP/srv.rec.err"
assert_eq "record of the server: exit 0" 0 "$rc"
assert_eq "the client heard both greetings" 2 "$(grep -c 'you are visitor' "$TMP/cli.rec.out")"
assert_eq "the server served alice, then bob" "served alice as #1|served bob as #2" \
	"$(tr '\n' '|' <"$TMP/srv.rec.out" | sed 's/|$//')"
"$PROVTAP" show "$TMP/srv.ptx" >"$TMP/srv.show" 2>&1
assert_eq "show reads the server's recording" 0 "$?"
assert_eq "show: the server accepted 2 connections" 2 \
	"$(grep -cE "^[0-9]+ +0 python3 +accept +$SRV_IP:7070 +$HOST_IP:[0-9]+ " "$TMP/srv.show")"
check_clean "after both records"

# ---- 2. the client alone -----------------------------------------------------------------
"$PROVTAP" replay "$TMP/cli.ptx" --verify >"$TMP/cli.rep.out" 2>"$TMP/cli.rep.err"
rc=$?
sed 's/^/        cli replay| /' "$TMP/cli.rep.err"
assert_eq "client alone: --verify passes" 0 "$rc"
check "client alone: output byte-identical" cmp -s "$TMP/cli.rec.out" "$TMP/cli.rep.out"
assert_contains "client alone: both connections served by the emulated server" \
	"^replay: 2 connection\(s\) served from the recording \(0 of them played" "$TMP/cli.rep.err"

# ---- 3. the server alone -----------------------------------------------------------------
timeout 20 "$PROVTAP" replay "$TMP/srv.ptx" --verify >"$TMP/srv.rep.out" 2>"$TMP/srv.rep.err"
rc=$?
sed 's/^/        srv replay| /' "$TMP/srv.rep.err"
assert_eq "server alone: --verify passes" 0 "$rc"
check "server alone: output byte-identical (who it served, in order)" cmp -s "$TMP/srv.rec.out" "$TMP/srv.rep.out"
assert_contains "server alone: both connections played as the recorded clients" \
	"^replay: 2 connection\(s\) served from the recording \(2 of them played to the re-run as its clients\)" \
	"$TMP/srv.rep.err"
check_clean "after the replays"

# ---- 4. a changed server diverges where it differs ------------------------------------------
"$PROVTAP" replay "$TMP/srv.ptx" --verify -- python3 "$TMP/srv.py" "$SRV_IP" 7070 2 howdy \
	>"$TMP/srv2.out" 2>"$TMP/srv2.err"
assert_eq "changed server: --verify fails" 1 "$?"
# alice's connection (0): "srv ready\n" (10 bytes), then "hello alice..." vs "howdy alice...":
# 'e' (65) vs 'o' (6f) at offset 11
assert_contains "the divergence: connection 0, server to client, byte offset 11, expected 'ello', got 'owdy'" \
	"DIVERGENCE connection 0 \(python3 at $SRV_IP:7070, from $HOST_IP:[0-9]+\), server to client, byte offset 11: expected 65 6c 6c 6f .* got 6f 77 64 79 " \
	"$TMP/srv2.err"
assert_eq "one divergence line per connection (bob's too)" 2 "$(grep -c DIVERGENCE "$TMP/srv2.err")"

# the server re-run on another port: nothing listens where the clients were recorded
t0=$(date +%s%N)
"$PROVTAP" replay "$TMP/srv.ptx" --verify --grace 1 -- python3 "$TMP/srv.py" "$SRV_IP" 7979 2 \
	>"$TMP/srv3.out" 2>"$TMP/srv3.err"
rc=$?
el_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
sed 's/^/        wrong port| /' "$TMP/srv3.err"
assert_eq "server listening elsewhere: --verify fails" 1 "$rc"
assert_eq "... both recorded clients reported missing after the grace" 2 \
	"$(grep -c "^replay: MISSING connection [01] (python3 at $SRV_IP:7070, .*nothing listened there within 1 s (--grace) of its turn" "$TMP/srv3.err")"
assert_contains "... the server, which ended by itself in the recording, is killed after it" \
	"still ran [0-9.]+ s after its last played client had ended \(it ended [0-9.]+ s after it in the recording; --grace 1 s\): killed" \
	"$TMP/srv3.err"
assert_contains "... its status says so" "DIVERGENCE exit status of .*: signal 9, recorded exit 0" "$TMP/srv3.err"
assert_contains "... the summary too" "exit status 137, not as recorded$" "$TMP/srv3.err"
check "... and it took seconds, not forever ($el_ms ms < 20000)" test "$el_ms" -lt 20000
"$PROVTAP" replay "$TMP/srv.ptx" --grace 0 >"$TMP/g0.out" 2>&1
assert_eq "--grace 0: usage error" 2 "$?"
assert_contains "... says what it takes" "--grace takes whole seconds from 1 to 86400, not '0'" "$TMP/g0.out"
check_clean "after the replay that gave up"

# a server that stops reading: the played client's upload (16 MiB, more than the socket buffers
# hold) stalls; after --grace it is reported and given up, and nothing hangs
cat >"$TMP/upsrv.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
c, _ = s.accept()
if len(sys.argv) > 3:  # the changed server: it never reads
    import time
    time.sleep(600)
n = 0
while True:
    b = c.recv(65536)
    if not b:
        break
    n += len(b)
c.sendall(b"got %d\n" % n)
c.close()
EOF
on_srv "$PROVTAP" record -o "$TMP/up.ptx" -- python3 "$TMP/upsrv.py" "$SRV_IP" 7171 >/dev/null 2>"$TMP/up.rec.err" &
UP_REC=$!
on_exit "kill $UP_REC"
wait_for 15 "recorded upload server listening" listening 7171 || die "the upload server did not start"
python3 -c '
import socket, sys
c = socket.create_connection((sys.argv[1], 7171))
c.sendall(b"u" * (16 << 20))
c.shutdown(socket.SHUT_WR)
print(c.makefile("rb").readline().decode().strip())' "$SRV_IP" >"$TMP/up.cli.out"
wait "$UP_REC"
assert_eq "record of the upload server: exit 0, it got the 16 MiB" "0 got 16777216" "$? $(cat "$TMP/up.cli.out")"
t0=$(date +%s%N)
timeout -k 5 60 "$PROVTAP" replay "$TMP/up.ptx" --verify --grace 1 -- python3 "$TMP/upsrv.py" "$SRV_IP" 7171 lazy \
	>/dev/null 2>"$TMP/up.rep.err"
rc=$?
el_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
sed 's/^/        server stops reading| /' "$TMP/up.rep.err"
assert_eq "a server that stops reading: --verify fails (not a hang: timeout's 124)" 1 "$rc"
assert_contains "... the stalled upload is reported after the grace" \
	"DIVERGENCE connection 0 .*client to server: the server took nothing more for 1 s \(--grace\) after [0-9]+ of the 16777216 bytes the recorded client sent" \
	"$TMP/up.rep.err"
assert_contains "... and the server, which ended by itself when recorded, is killed" \
	"still ran [0-9.]+ s after its last played client had ended .*: killed" "$TMP/up.rep.err"
check "... in seconds ($el_ms ms < 30000)" test "$el_ms" -lt 30000
check_clean "after the replay whose server stopped reading"

# ---- 5. a server stopped by a signal -----------------------------------------------------------
on_srv "$PROVTAP" record -o "$TMP/forever.ptx" -- python3 "$TMP/srv.py" "$SRV_IP" 7171 0 hello "$TMP/forever.pid" \
	>"$TMP/fe.rec.out" 2>"$TMP/fe.rec.err" &
FE_REC=$!
on_exit "kill $FE_REC"
wait_for 15 "forever server pid" test -s "$TMP/forever.pid" || die "the forever server did not start"
wait_for 15 "forever server listening" listening 7171 || die "the forever server does not listen"
python3 "$TMP/cli.py" "$SRV_IP" 7171 >/dev/null
assert_eq "the client of the forever server: exit 0" 0 "$?"
wait_for 10 "forever server served bob" grep -q "served bob" "$TMP/fe.rec.out" || die "the forever server did not serve bob"
kill -TERM "$(cat "$TMP/forever.pid")"
wait "$FE_REC"
assert_eq "record of the killed server: its status (128+15)" 143 "$?"
assert_eq "the killed server served alice, then bob" "served alice as #1|served bob as #2" \
	"$(tr '\n' '|' <"$TMP/fe.rec.out" | sed 's/|$//')"
rm -f "$TMP/forever.pid"
"$PROVTAP" replay "$TMP/forever.ptx" --verify >"$TMP/fe.rep.out" 2>"$TMP/fe.rep.err"
rc=$?
sed 's/^/        forever replay| /' "$TMP/fe.rep.err"
assert_eq "killed server alone: --verify passes (status: signal 15 as recorded)" 0 "$rc"
check "killed server alone: output byte-identical" cmp -s "$TMP/fe.rec.out" "$TMP/fe.rep.out"
assert_contains "replay says it sent the recorded signal" "stopped by signal 15 in the recording, after its clients; sent now" \
	"$TMP/fe.rep.err"
assert_contains "killed server alone: its 2 clients played to it" "\(2 of them played" "$TMP/fe.rep.err"

# ---- 6. a replay told to stop (SIGTERM) leaves nothing running ------------------------------
"$PROVTAP" replay "$TMP/cli.ptx" -- sleep 60 >/dev/null 2>"$TMP/term.err" &
RP=$!
on_exit "kill $RP"
replay_cg() { find /sys/fs/cgroup -type d -name "provtap-replay-$RP" 2>/dev/null | head -1; }
replay_runs() { local cg; cg=$(replay_cg); [ -n "$cg" ] && grep -q . "$cg/cgroup.procs"; }
wait_for 10 "the replayed command runs" replay_runs || fail "the replayed sleep did not start"
kill -TERM "$RP"
wait "$RP"
assert_eq "a replay sent SIGTERM exits 128+15 (its own, not the killed command's 137)" 143 "$?"
assert_contains "a terminated replay says it killed the re-run" "terminated by signal 15" "$TMP/term.err"
check_clean "at the end"
cd /
