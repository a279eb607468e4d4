#!/bin/bash
# test_replay_hosts: a two-host experiment. Two network namespaces joined by a veth pair are the
# hosts h1 and h2; processes are started on them with a remote-exec helper (rexec HOST CMD:
# nsenter into the host's network namespace, as an MPI launcher runs its ranks over ssh).
#  1. Recorded per host (a `provtap record` on each host around what runs there: a server on
#     h1, its client on h2), merged: two hosts, both connections joined across them.
#  2. One host's processes replayed alone from the merged recording: the client (host h2) with
#     the server emulated, then the server (host h1) with the client played to it; both print
#     what they printed while recorded and --verify passes. Replayed whole, both hosts' commands
#     run side by side and talk to each other (nothing emulated). Replayed whole when the later
#     host's command cannot be executed: the earlier one is ended, exit 126, nothing left. Replayed
#     whole when the server host was stopped by SIGTERM when recorded: it gets it once its client
#     host has ended.
#  3. The same experiment recorded in one go from the launcher with --hosts-from h1,h2: the
#     processes are placed on their hosts, and host h1's alone replays as recorded.
#     Replayed whole once the host namespaces are gone: the launcher's `nsenter --net=/run/netns/h1`
#     leads into the replay's own namespace (the names it entered, and no other, exist there), so
#     server and client meet there and --verify passes; the host's /run/netns is unchanged.
#  4. Bad input: --only matching nothing, hosts' names colliding in merge, a corrupted input, one
#     recording given twice (a copy) or with the merge that holds it: refused, nothing written.
source "$(dirname "$0")/lib.sh"

require_bpf
command -v nsenter >/dev/null || die "missing tool: nsenter (util-linux)"

H1="${PREFIX}h1"
H2="${PREFIX}h2"
N=$(( $$ % 250 + 1 ))
IP1=10.254.$N.1
IP2=10.254.$N.2
for h in "$H1" "$H2"; do
	ip netns add "$h" || die "cannot create namespace $h"
	on_exit "ip netns del '$h'"
done
ip link add "${PREFIX}a" netns "$H1" type veth peer name "${PREFIX}b" netns "$H2" || die "cannot create the veth pair"
nsx "$H1" ip addr add "$IP1/24" dev "${PREFIX}a"
nsx "$H2" ip addr add "$IP2/24" dev "${PREFIX}b"
for h in "$H1" "$H2"; do
	nsx "$h" ip link set lo up
done
nsx "$H1" ip link set "${PREFIX}a" up
nsx "$H2" ip link set "${PREFIX}b" up


# rexec HOST CMD...: run CMD on HOST (only the network namespace changes, as with ssh)
cat >"$TMP/rexec" <<'EOF'
#!/bin/sh
host=$1; shift
exec nsenter --net="/run/netns/$host" -- "$@"
EOF
chmod +x "$TMP/rexec"
RX="$TMP/rexec"
listening() { nsx "$1" ss -Hltn "sport = :$2" | grep -q .; }

cat >"$TMP/srv.py" <<'EOF'
import os, socket, sys
ip, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ip, port))
s.listen(8)
for k in range(1, count + 1):
    c, _ = s.accept()
    f = c.makefile("rb")
    n = int(f.readline())
    c.sendall(b"".join(b"rank %d line %d\n" % (k, i) for i in range(n)))
    f.close()
    c.close()
    os.write(1, b"server: sent %d lines to rank %d\n" % (n, k))  # one write: lines never interleave
EOF
cat >"$TMP/cli.py" <<'EOF'
import os, socket, sys
for n in (3, 500):
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    c.sendall(b"%d\n" % n)
    data = b""
    while True:
        b = c.recv(65536)
        if not b:
            break
        data += b
    os.write(1, b"client: got %d lines, %d bytes\n" % (data.count(b"\n"), len(data)))
EOF

cd "$TMP" || die "no $TMP"
# ---- 1. recorded per host, merged --------------------------------------------------------
"$RX" "$H1" "$PROVTAP" record -o "$TMP/h1.ptx" -- python3 "$TMP/srv.py" "$IP1" 7272 2 >"$TMP/h1.out" 2>"$TMP/h1.err" &
R1=$!
on_exit "kill $R1"
wait_for 15 "server listening on h1" listening "$H1" 7272 || die "the server did not start on h1"
"$RX" "$H2" "$PROVTAP" record -o "$TMP/h2.ptx" -- python3 "$TMP/cli.py" "$IP1" 7272 >"$TMP/h2.out" 2>"$TMP/h2.err"
assert_eq "record on h2 (the client): exit 0" 0 "$?"
wait "$R1"
assert_eq "record on h1 (the server): exit 0" 0 "$?"
assert_eq "the client got both answers" "client: got 3 lines, 42 bytes|client: got 500 lines, 7890 bytes" \
	"$(tr '\n' '|' <"$TMP/h2.out" | sed 's/|$//')"
"$PROVTAP" merge -o "$TMP/all.ptx" "$TMP/h1.ptx" "$TMP/h2.ptx" 2>"$TMP/merge.err"
rc=$?
sed 's/^/        merge| /' "$TMP/merge.err"
assert_eq "merge: exit 0" 0 "$rc"
assert_contains "merge: two hosts named after the files (same host name), both connections joined" \
	"merged 2 recordings into 2 hosts \(h1, h2\); 2 connection\(s\) joined across hosts$" "$TMP/merge.err"
"$PROVTAP" show "$TMP/all.ptx" >"$TMP/all.show" 2>&1
assert_contains "show: host h1 ran the server" "^h1 .* exit 0 +python3 $TMP/srv.py" "$TMP/all.show"
assert_contains "show: host h2 ran the client" "^h2 .* exit 0 +python3 $TMP/cli.py" "$TMP/all.show"
assert_eq "show: 4 connection entries, each marked with its other end" 4 \
	"$(grep -cE '^[0-9]+ .*both ends recorded \(other end #[0-9]+\)' "$TMP/all.show")"
check_clean "after the records"

# ---- 2. one host alone, then both --------------------------------------------------------
"$PROVTAP" replay "$TMP/all.ptx" --only host=h2 --verify >"$TMP/r2.out" 2>"$TMP/r2.err"
rc=$?
sed 's/^/        only h2| /' "$TMP/r2.err"
assert_eq "host h2 (client) alone: --verify passes" 0 "$rc"
check "host h2 alone: its output is byte-identical" cmp -s "$TMP/h2.out" "$TMP/r2.out"
assert_contains "host h2 alone: its 2 connections served by the emulated server" \
	"^replay: 2 connection\(s\) served from the recording \(0 of them played" "$TMP/r2.err"
"$PROVTAP" replay "$TMP/all.ptx" --only host=h1 --verify >"$TMP/r1.out" 2>"$TMP/r1.err"
rc=$?
sed 's/^/        only h1| /' "$TMP/r1.err"
assert_eq "host h1 (server) alone: --verify passes" 0 "$rc"
check "host h1 alone: its output is byte-identical" cmp -s "$TMP/h1.out" "$TMP/r1.out"
assert_contains "host h1 alone: its 2 connections played by the emulated client" \
	"^replay: 2 connection\(s\) served from the recording \(2 of them played" "$TMP/r1.err"
"$PROVTAP" replay "$TMP/all.ptx" --verify >"$TMP/rall.out" 2>"$TMP/rall.err"
rc=$?
sed 's/^/        whole| /' "$TMP/rall.err"
assert_eq "both hosts together: --verify passes" 0 "$rc"
assert_contains "both hosts together: nothing emulated" "^replay: 0 connection\(s\) served" "$TMP/rall.err"
assert_eq "both hosts together: both outputs" "$(sort "$TMP/h1.out" "$TMP/h2.out" | tr '\n' '|')" \
	"$(sort "$TMP/rall.out" | tr '\n' '|')"
check_clean "after the replays"

# ---- 2b. replayed whole, the later host's command cannot start: the earlier one is ended -------
# The client (host h2) is a script; after the merge its #! interpreter is gone, so its launch,
# due after the server's (its recorded start is later), fails at exec: replay ends the server it
# had started, fails with 126 (the command cannot be executed) and leaves nothing.
{ echo '#!/usr/bin/python3'; cat "$TMP/cli.py"; } >"$TMP/cli2"
chmod +x "$TMP/cli2"
"$RX" "$H1" "$PROVTAP" record -o "$TMP/s1.ptx" -- python3 "$TMP/srv.py" "$IP1" 7474 2 >/dev/null 2>"$TMP/s1.err" &
R1=$!
on_exit "kill $R1"
wait_for 15 "server listening on h1" listening "$H1" 7474 || die "the server did not start on h1"
"$RX" "$H2" "$PROVTAP" record -o "$TMP/s2.ptx" -- "$TMP/cli2" "$IP1" 7474 >/dev/null 2>"$TMP/s2.err"
assert_eq "record of the client script on h2: exit 0" 0 "$?"
wait "$R1"
assert_eq "record of its server on h1: exit 0" 0 "$?"
"$PROVTAP" merge -o "$TMP/s.ptx" "$TMP/s1.ptx" "$TMP/s2.ptx" >/dev/null 2>"$TMP/smerge.err" ||
	fail "merge of the script run failed: $(cat "$TMP/smerge.err")"
sed -i '1s|.*|#!/nonexistent/python3|' "$TMP/cli2"
# (bounded: a replay that waited for the launch that never ran hung here)
timeout -k 5 60 "$PROVTAP" replay "$TMP/s.ptx" >"$TMP/rs.out" 2>"$TMP/rs.err"
rc=$?
sed 's/^/        later launch fails| /' "$TMP/rs.err"
assert_eq "the later launch cannot be executed: replay exits 126" 126 "$rc"
assert_contains "... and says why" \
	"replay: cannot execute $TMP/cli2: its interpreter /nonexistent/python3 \(#! line\) is not there" "$TMP/rs.err"
check "... not as a signal it was sent" not grep -q "signal 15" "$TMP/rs.err"
check "... the server it had started is ended" not pgrep -f "srv.py $IP1 7474"
check_clean "after a replay whose later launch failed"

# ---- 2c. replayed whole, a host's server that was stopped by a signal when recorded ------------
# Its clients are the other host's re-run command, not played ones: once that has ended, the
# server gets its recorded SIGTERM (it used to wait for clients that never come, for ever).
"$RX" "$H1" "$PROVTAP" record -o "$TMP/t1.ptx" -- python3 "$TMP/srv.py" "$IP1" 7676 100 >/dev/null 2>"$TMP/t1.err" &
R1=$!
on_exit "kill $R1"
wait_for 15 "server listening on h1" listening "$H1" 7676 || die "the server did not start on h1"
"$RX" "$H2" "$PROVTAP" record -o "$TMP/t2.ptx" -- python3 "$TMP/cli.py" "$IP1" 7676 >/dev/null 2>"$TMP/t2.err"
assert_eq "record of the client on h2: exit 0" 0 "$?"
kill -TERM "$R1"
wait "$R1"
assert_eq "record of the server on h1, stopped by SIGTERM: 128+15" 143 "$?"
"$PROVTAP" merge -o "$TMP/t.ptx" "$TMP/t1.ptx" "$TMP/t2.ptx" >/dev/null 2>"$TMP/tmerge.err" ||
	fail "merge of the SIGTERM run failed: $(cat "$TMP/tmerge.err")"
timeout -k 5 60 "$PROVTAP" replay "$TMP/t.ptx" --verify >/dev/null 2>"$TMP/rt.err"
rc=$?
sed 's/^/        server stopped by a signal| /' "$TMP/rt.err"
assert_eq "both hosts re-run, the server stopped as recorded: --verify passes" 0 "$rc"
assert_contains "... it got its recorded signal once the client host had ended" \
	"note: host t1's command \(python3\) was stopped by signal 15 in the recording; sent now" "$TMP/rt.err"
check_clean "after the replay of a server stopped by a signal"

# ---- 3. --hosts-from: the launcher recorded once ---------------------------------------------
cat >"$TMP/launch.sh" <<EOF
"$RX" "$H1" python3 "$TMP/srv.py" "$IP1" 7373 2 &
i=0
until "$RX" "$H1" ss -Hltn "sport = :7373" | grep -q .; do
	i=\$((i + 1)); [ \$i -lt 300 ] || { echo "launch: the server did not listen" >&2; exit 1; }
	sleep 0.05
done
"$RX" "$H2" python3 "$TMP/cli.py" "$IP1" 7373
wait
EOF
"$PROVTAP" record -o "$TMP/one.ptx" --hosts-from "$H1,$H2" -- sh "$TMP/launch.sh" >"$TMP/one.out" 2>"$TMP/one.err"
rc=$?
sed 's/^/        hosts-from| /' "$TMP/one.err"
assert_eq "record --hosts-from: exit 0" 0 "$rc"
assert_contains "record --hosts-from: both hosts have processes" "hosts: $H1 \([1-9][0-9]* process\(es\)\), $H2 \([1-9][0-9]* process\(es\)\)" \
	"$TMP/one.err"
"$PROVTAP" replay "$TMP/one.ptx" --only "host=$H1" --verify >"$TMP/one1.out" 2>"$TMP/one1.err"
rc=$?
sed 's/^/        hosts-from only h1| /' "$TMP/one1.err"
assert_eq "--hosts-from recording, host $H1 alone: --verify passes" 0 "$rc"
assert_eq "the recorded run: the server's two lines" 2 "$(grep -c '^server' "$TMP/one.out")"
assert_eq "... it prints the server's lines as recorded" "$(grep '^server' "$TMP/one.out" | tr '\n' '|')" \
	"$(tr '\n' '|' <"$TMP/one1.out")"
assert_contains "... its connections played by the emulated client" "\(2 of them played" "$TMP/one1.err"
# the hosts are gone (as after the experiment); the launcher still names them
ip netns del "$H1"
ip netns del "$H2"
before=$(ls -A /run/netns 2>/dev/null | tr '\n' ' ')
"$PROVTAP" replay "$TMP/one.ptx" --verify >"$TMP/onew.out" 2>"$TMP/onew.err"
rc=$?
sed 's/^/        hosts-from whole, hosts gone| /' "$TMP/onew.err"
assert_contains "... the names the recording entered lead into the replay's namespace" \
	"note: network namespace name\(s\) $H1, $H2 lead into the replay's own namespace here" "$TMP/onew.err"
assert_eq "... launcher, server and client re-run there: --verify passes (nothing emulated)" 0 "$rc"
assert_contains "... nothing emulated" "^replay: 0 connection\(s\) served" "$TMP/onew.err"
assert_eq "... both outputs as recorded" "$(sort "$TMP/one.out" | tr '\n' '|')" "$(sort "$TMP/onew.out" | tr '\n' '|')"
"$PROVTAP" replay "$TMP/one.ptx" -- ip netns exec "${PREFIX}other" true >"$TMP/oneo.out" 2>&1
assert_eq "... a name it did not enter is not there: ip fails" 255 "$?"
assert_contains "... and says so" "Cannot open network namespace \"${PREFIX}other\"" "$TMP/oneo.out"
assert_eq "... the host's /run/netns is as it was" "$before" "$(ls -A /run/netns 2>/dev/null | tr '\n' ' ')"

# ---- 4. bad input --------------------------------------------------------------------------
"$PROVTAP" replay "$TMP/all.ptx" --only host=nosuch >"$TMP/bad1.out" 2>&1
assert_eq "--only matching nothing: exit 2" 2 "$?"
assert_contains "... says so" "--only host=nosuch matches no process" "$TMP/bad1.out"
"$PROVTAP" merge -o "$TMP/bad.ptx" a="$TMP/h1.ptx" a="$TMP/h2.ptx" >"$TMP/bad2.out" 2>&1
assert_eq "merge with colliding host names: exit 1" 1 "$?"
assert_contains "... says so" "two hosts are named a" "$TMP/bad2.out"
head -c 200 "$TMP/h1.ptx" >"$TMP/cut.ptx"
"$PROVTAP" merge -o "$TMP/bad.ptx" "$TMP/cut.ptx" "$TMP/h2.ptx" >"$TMP/bad3.out" 2>&1
assert_eq "merge of a truncated recording: exit 1" 1 "$?"
assert_contains "... names it" "cut.ptx: truncated recording" "$TMP/bad3.out"
check "... and writes nothing" not test -e "$TMP/bad.ptx"
cp "$TMP/h2.ptx" "$TMP/h2copy.ptx"
sum=$(md5sum <"$TMP/h2copy.ptx")
"$PROVTAP" merge -o "$TMP/h2copy.ptx" "$TMP/h1.ptx" "$TMP/h2copy.ptx" >"$TMP/bad4.out" 2>&1
assert_eq "merge -o naming one of its inputs: exit 2" 2 "$?"
assert_contains "... says so" "-o $TMP/h2copy.ptx is the input $TMP/h2copy.ptx: it would be replaced" "$TMP/bad4.out"
assert_eq "... and the input is kept" "$sum" "$(md5sum <"$TMP/h2copy.ptx")"
cp "$TMP/h1.ptx" "$TMP/h1again.ptx"
"$PROVTAP" merge -o "$TMP/bad.ptx" "$TMP/h1.ptx" "$TMP/h1again.ptx" >"$TMP/bad5.out" 2>&1
assert_eq "merge of one recording twice (a copy): exit 1" 1 "$?"
assert_contains "... says why" "h1.ptx and $TMP/h1again.ptx both hold process [0-9]+ \(python3\) of host .*: the same run twice" \
	"$TMP/bad5.out"
"$PROVTAP" merge -o "$TMP/bad.ptx" "$TMP/all.ptx" "$TMP/h2.ptx" >"$TMP/bad6.out" 2>&1
assert_eq "merge of a merge with one of its parts: exit 1" 1 "$?"
assert_contains "... says why" "all.ptx and $TMP/h2.ptx both hold process [0-9]+ \(python3\) of host .*already merged into the other" \
	"$TMP/bad6.out"
check "... and neither writes anything" not test -e "$TMP/bad.ptx"
"$PROVTAP" merge -o "$TMP/odd.ptx" "$TMP/h1.ptx" "$TMP/one.ptx" >"$TMP/odd.out" 2>&1
assert_eq "merge of two experiments: written (exit 0)" 0 "$?"
assert_contains "... with a warning for the one that shares no connection" \
	"warning: input [12] \(.*\) (shares no connection with the others|was recorded [0-9.]+ s apart from the others)" "$TMP/odd.out"
check_clean "at the end"
cd /
