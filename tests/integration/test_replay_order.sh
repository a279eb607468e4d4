#!/bin/bash
# test_replay_order: replay matches an outbound connection to a recorded one by the position of
# the process that made it in the process tree, then destination and order (not accept order).
# A shell forks two children, a (position 0.0) then b (0.1); each connects to one server, says
# its name and prints the answer, which names it and counts the server's visitors. Recorded with
# a talking first (b waits on a FIFO for a's word).
#  1. Replayed as recorded: output byte-identical, --verify passes, no note about matching.
#  2. Replayed with the start order swapped (b talks first, a waits): each child still gets its
#     own recorded answer byte-exact, --verify passes, and the report says that b's connection
#     (#1 to the server) was served as b's recorded one, not a's that order alone gives.
#  3. A connection no re-run process holds (made from outside the re-run, into the replay's
#     namespace, in a's place): served by order (a's recorded connection) with a note saying its
#     process was not found; b's then gets b's, --verify passes.
#  4. A connection from a position the recording has none from (a third child, 0.2, talks in
#     a's place; a and b's places connect nowhere first): served by order (a's recorded
#     connection) with a note saying "position mismatch"; b's then gets b's, --verify passes.
source "$(dirname "$0")/lib.sh"

require_bpf
command -v nsenter >/dev/null || die "missing tool: nsenter (util-linux)"

replay_server_ns 250
PORT=7272

# listening: the server namespace has a listener on PORT (seen without connecting to it)
listening() { nsx "$NS" ss -Hltn "sport = :$PORT" | grep -q .; }

cat >"$TMP/srv.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
for k in (1, 2):
    c, _ = s.accept()
    name = c.makefile("rb").readline().strip().decode()
    c.sendall(("hello %s, you are visitor #%d\n" % (name, k)).encode())
    c.close()
EOF
# two.sh IP PORT TURN [swap|outside|third]: children a and b (forked in that order) each connect
# to IP:PORT, send their name and print the answer. a first, b once a wrote to the FIFO TURN;
# swap: b first, a after; outside: a makes no connection (the test makes it in a's place),
# b talks once TURN is written to; third: a makes no connection, a third child talks as a, then
# b. Builtins only: the children fork nothing.
cat >"$TMP/two.sh" <<'EOF'
ip=$1 port=$2 turn=$3 mode=${4:-}
talk() {
	exec 3<>"/dev/tcp/$ip/$port" || exit 1
	printf '%s\n' "$1" >&3
	IFS= read -r line <&3
	printf '%s got: %s\n' "$1" "$line"
	exec 3<&-
}
case "$mode" in
"")      ( talk a; echo go >"$turn" ) &
         ( read -r _ <"$turn"; talk b ) & ;;
swap)    ( read -r _ <"$turn"; talk a ) &
         ( talk b; echo go >"$turn" ) & ;;
outside) ( : ) &
         ( read -r _ <"$turn"; talk b ) & ;;
third)   ( : ) &
         ( read -r _ <"$turn"; talk b ) &
         ( talk a; echo go >"$turn" ) & ;;
esac
wait
EOF
mkfifo "$TMP/turn" || die "mkfifo failed"

# ---- record ---------------------------------------------------------------------------------
cd "$TMP" || die "no $TMP"
nsx "$NS" python3 "$TMP/srv.py" "$SRV_IP" $PORT >"$TMP/srv.log" 2>&1 &
SRV=$!
on_exit "kill $SRV"
wait_for 10 "server listening" listening || die "the server did not start"
"$PROVTAP" record -o "$TMP/two.ptx" -- bash "$TMP/two.sh" "$SRV_IP" $PORT "$TMP/turn" >"$TMP/rec.out" 2>"$TMP/rec.err"
rc=$?
sed 's/^/        record| /' "$TMP/rec.err"
assert_eq "record: exit 0" 0 "$rc"
wait "$SRV"
A_ANS="a got: hello a, you are visitor #1"
B_ANS="b got: hello b, you are visitor #2"
assert_eq "recorded: a talked first, then b" "$A_ANS|$B_ANS" "$(tr '\n' '|' <"$TMP/rec.out" | sed 's/|$//')"
"$PROVTAP" show "$TMP/two.ptx" >"$TMP/show.out" 2>&1
assert_eq "show reads the recording" 0 "$?"
# connection rows: INDEX POS PROGRAM ROLE LOCAL REMOTE ...; a's is the one from position 0.0
CONN_A=$(awk -v r="$SRV_IP:$PORT" '$2 == "0.0" && $4 == "connect" && $6 == r { print $1 }' "$TMP/show.out")
CONN_B=$(awk -v r="$SRV_IP:$PORT" '$2 == "0.1" && $4 == "connect" && $6 == r { print $1 }' "$TMP/show.out")
[[ "$CONN_A" =~ ^[0-9]+$ && "$CONN_B" =~ ^[0-9]+$ ]] || { sed 's/^/        show| /' "$TMP/show.out"; die "show: no single connection of 0.0 and of 0.1 to the server"; }
check "show: a's connection (0.0) comes before b's (0.1)" test "$CONN_A" -lt "$CONN_B"
check_clean "after record"

# ---- 1. as recorded -----------------------------------------------------------------------------
"$PROVTAP" replay "$TMP/two.ptx" --verify >"$TMP/rep1.out" 2>"$TMP/rep1.err"
rc=$?
sed 's/^/        replay| /' "$TMP/rep1.err"
assert_eq "as recorded: --verify passes" 0 "$rc"
check "as recorded: output byte-identical" cmp -s "$TMP/rec.out" "$TMP/rep1.out"
assert_eq "as recorded: no note about matching" "" "$(grep -E 'matched by|note: (connection|position)' "$TMP/rep1.err")"

# ---- 2. b first ----------------------------------------------------------------------------------
"$PROVTAP" replay "$TMP/two.ptx" --verify -- bash "$TMP/two.sh" "$SRV_IP" $PORT "$TMP/turn" swap \
	>"$TMP/rep2.out" 2>"$TMP/rep2.err"
rc=$?
sed 's/^/        swapped| /' "$TMP/rep2.err"
assert_eq "b first: --verify passes" 0 "$rc"
assert_eq "b first: each child got its own recorded answer (b's line first)" "$B_ANS|$A_ANS" \
	"$(tr '\n' '|' <"$TMP/rep2.out" | sed 's/|$//')"
assert_eq "b first: the report says b's connection was matched by its position" \
	"replay: note: connection #1 to $SRV_IP:$PORT is process 0.1's: served as its recorded connection $CONN_B, not $CONN_A (process 0.0) as order alone would" \
	"$(grep 'note: connection' "$TMP/rep2.err")"
assert_contains "b first: no divergence, nothing unexpected or missing" \
	"^replay: 2 connection\(s\) served .* 0 divergence\(s\), 0 unexpected, 0 missing, 0 with bytes" "$TMP/rep2.err"
check "b first: no DIVERGENCE line" not grep -q DIVERGENCE "$TMP/rep2.err"
check_clean "after the swapped replay"

# ---- 3. a connection no re-run process holds ---------------------------------------------------
"$PROVTAP" replay "$TMP/two.ptx" --verify -- bash "$TMP/two.sh" "$SRV_IP" $PORT "$TMP/turn" outside \
	>"$TMP/rep3.out" 2>"$TMP/rep3.err" &
RP=$!
on_exit "kill $RP"
on_exit "exec 7>&-"
replay_cg() { find /sys/fs/cgroup -type d -name "provtap-replay-$RP" 2>/dev/null | head -1; }
replay_runs() { local cg; cg=$(replay_cg); [ -n "$cg" ] && grep -q . "$cg/cgroup.procs"; }
# the command runs only once the namespace and its listeners are up
wait_for 10 "the replayed command runs" replay_runs || die "the replayed command did not start"
OUT_ANS=$(nsenter --net="/proc/$RP/ns/net" -- bash -c '
	exec 3<>"/dev/tcp/$1/$2" || exit 1
	printf "a\n" >&3
	IFS= read -r line <&3
	printf "a got: %s\n" "$line"' _ "$SRV_IP" $PORT)
assert_eq "from outside: served a's recorded answer (by order)" "$A_ANS" "$OUT_ANS"
exec 7>"$TMP/turn"	# b's turn
echo go >&7
exec 7>&-
wait "$RP"
rc=$?
sed 's/^/        outside| /' "$TMP/rep3.err"
assert_eq "from outside: --verify passes" 0 "$rc"
assert_eq "from outside: b got its own answer" "$B_ANS" "$(cat "$TMP/rep3.out")"
assert_eq "from outside: the report says the process was not found and order decided" \
	"replay: note: connection #1 to $SRV_IP:$PORT: no re-run process holds its client end (closed, or its process exited, before replay looked); served by order as recorded connection $CONN_A (process 0.0)" \
	"$(grep 'note: connection' "$TMP/rep3.err")"
check_clean "after the replay with an outside connection"

# ---- 4. a position the recording has no connection from ---------------------------------------
"$PROVTAP" replay "$TMP/two.ptx" --verify -- bash "$TMP/two.sh" "$SRV_IP" $PORT "$TMP/turn" third \
	>"$TMP/rep4.out" 2>"$TMP/rep4.err"
rc=$?
sed 's/^/        third| /' "$TMP/rep4.err"
assert_eq "third child: --verify passes" 0 "$rc"
assert_eq "third child: it got a's answer, b its own" "$A_ANS|$B_ANS" "$(tr '\n' '|' <"$TMP/rep4.out" | sed 's/|$//')"
assert_eq "third child: the report says position mismatch and order decided" \
	"replay: note: position mismatch: connection #1 to $SRV_IP:$PORT is process 0.2's, and the recording has no connection from that position to it; served by order as recorded connection $CONN_A (process 0.0)" \
	"$(grep 'note: ' "$TMP/rep4.err")"
check_clean "at the end"
cd /
