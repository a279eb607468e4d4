#!/bin/bash
# test_replay: record and replay of experiments (provtap record / show / replay).
# A server namespace joined to the root namespace by a veth pair plays the remote machine.
#  1. curl (a real client nobody here wrote) fetches a file over HTTP from python's http.server
#     there, under `provtap record`; the server is stopped; `replay` re-runs curl: its output is
#     byte-identical, its exit status the same, `--verify` passes. `show` lists the process, the
#     connection, the peer and the bytes. Nothing of the recorder is left (pins, cgroup, temp dir).
#     An argument holding a newline and a terminal escape is shown escaped (shell words).
#  2. A client that sends the current time: replay reports the divergence at the first byte
#     that differs (computed here from what both runs sent) and `--verify` fails.
#  3. A server that answers each of 20 requests 50 ms late: `--timing fast` finishes in well
#     under half the recorded duration, `--timing original` within 20% of it.
#  4. Bad input: a truncated and a corrupted recording, another format version, a command that
#     does not exist, a script whose #! interpreter is missing (126, no recording): clear errors,
#     exit non-zero, nothing left running or mounted.
#  5. --content-max: a 4 MiB download recorded with --content-max 1KiB stores 1 KiB, not 4 MiB
#     (the file and its inflated body are small); show and record mark the rest as past
#     --content-max, to the byte; replay serves the 1 KiB, then zeros, and says why. Recorded
#     without a limit, every byte (calls over 64 KiB included): its replay gives curl the file.
#  6. A divergence next to the end of the stored bytes: a client sends 2000 bytes, recorded with
#     --content-max 1KiB (1024 kept); a re-run that differs from byte 1020 on is reported at
#     offset 1020 with the 4 stored bytes as the expected excerpt (nothing read past them), and
#     one that differs only past byte 1024 is not a divergence (those bytes were not recorded).
source "$(dirname "$0")/lib.sh"

require_bpf
command -v curl >/dev/null || die "missing tool: curl (apt-get install curl)"

replay_server_ns 251


# port_open IP PORT: something listens there (from the root namespace)
port_open() { python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 0.2).close()' "$1" "$2" 2>/dev/null; }

# server NAME CMD...: start CMD in the server namespace, register its stop; sets SRV_PID
server() {
	local name=$1
	shift
	ip netns exec "$NS" "$@" >"$TMP/$name.log" 2>&1 &
	SRV_PID=$!
	on_exit "kill $SRV_PID"
}

# ---- 1. curl over HTTP ------------------------------------------------------------------
mkdir -p "$TMP/www" "$TMP/run"
head -c 40000 /dev/urandom >"$TMP/www/data.bin"
server http python3 -m http.server 8080 --bind "$SRV_IP" --directory "$TMP/www"
HTTP_PID=$SRV_PID
wait_for 10 "http.server up" port_open "$SRV_IP" 8080 || die "http.server did not start"

cd "$TMP/run" || die "no $TMP/run"
URL="http://$SRV_IP:8080/data.bin"
"$PROVTAP" record -o "$TMP/curl.ptx" -- curl -s -S "$URL" >"$TMP/curl.rec.out" 2>"$TMP/record.err"
rc=$?
sed 's/^/        record| /' "$TMP/record.err"
assert_eq "record exits with curl's status" 0 "$rc"
check "curl got the file while recorded" cmp -s "$TMP/www/data.bin" "$TMP/curl.rec.out"
assert_contains "record sums up the recording" "recorded 1 process\(es\), 1 TCP connection" "$TMP/record.err"
check "no truncation or loss reported for a 40 kB fetch" not grep -q "warning" "$TMP/record.err"
check_clean "after record"

"$PROVTAP" show "$TMP/curl.ptx" >"$TMP/show.out" 2>&1
assert_eq "show reads the recording" 0 "$?"
assert_contains "show: the command and its exit" "^command +curl -s -S $URL \(exit 0\)" "$TMP/show.out"
assert_contains "show: curl's process with its argv" "^0 .* exit 0 +curl -s -S $URL" "$TMP/show.out"
assert_contains "show: the connection to the server, 40000+ bytes received, no marks" \
	"^0 +0 curl +connect +$HOST_IP:[0-9]+ +$SRV_IP:8080 +[0-9]+ +40[0-9]{3} .* -$" "$TMP/show.out"
assert_contains "show: the peer" "^$SRV_IP:8080 +tcp +1 " "$TMP/show.out"
assert_contains "show: no losses" "^losses +none" "$TMP/show.out"
assert_contains "show: the format version" "^recording +.*curl.ptx \(format 2, written by provtap record" "$TMP/show.out"

# an argument with a newline and a terminal escape: show prints the argv as shell words, escaped
"$PROVTAP" record -o "$TMP/esc.ptx" -- sh -c true "$(printf 'a\nb\033[31m')" >/dev/null 2>"$TMP/esc.err"
assert_eq "record of an argv with control bytes: exit 0" 0 "$?"
"$PROVTAP" show "$TMP/esc.ptx" >"$TMP/esc.show" 2>&1
check "show: the command escaped, exactly: command    sh -c true \$'a\\nb\\x1b[31m' (exit 0)" \
	grep -Fxq "command    sh -c true \$'a\\nb\\x1b[31m' (exit 0)" "$TMP/esc.show"
assert_eq "show: the command and its process's argv escaped alike" 2 \
	"$(grep -Fc "sh -c true \$'a\\nb\\x1b[31m'" "$TMP/esc.show")"
assert_eq "show: no control byte but newlines in its output" 0 \
	"$(LC_ALL=C tr -d '\n\040-\176\200-\377' <"$TMP/esc.show" | wc -c)"

kill "$HTTP_PID"
wait_for 10 "http.server gone" not port_open "$SRV_IP" 8080 || die "http.server did not stop"
check "the server is really gone: a plain curl now fails" not curl -s -m 2 -o /dev/null "$URL"

"$PROVTAP" replay "$TMP/curl.ptx" >"$TMP/curl.rep.out" 2>"$TMP/replay.err"
rc=$?
sed 's/^/        replay| /' "$TMP/replay.err"
assert_eq "replay exits with curl's status" 0 "$rc"
check "replayed curl's output is byte-identical to the recorded one" cmp -s "$TMP/curl.rec.out" "$TMP/curl.rep.out"
"$PROVTAP" replay "$TMP/curl.ptx" --verify >/dev/null 2>"$TMP/verify.err"
assert_eq "replay --verify passes" 0 "$?"
assert_contains "replay --verify says so" "verify: ok" "$TMP/verify.err"
check_clean "after replay"

# another command against the same recording: a different request diverges where it differs
"$PROVTAP" replay "$TMP/curl.ptx" --verify -- curl -s -S "http://$SRV_IP:8080/dataX.bin" >/dev/null 2>"$TMP/verify2.err"
assert_eq "replay --verify of a different request fails" 1 "$?"
# "GET /data" is 9 bytes: the 10th byte (offset 9) is 'X' instead of '.'
assert_contains "the divergence: client to peer at byte offset 9, expected '.bin', got 'X.bi'" \
	"DIVERGENCE connection 0 .*client to peer, byte offset 9: expected 2e 62 69 6e.* got 58 2e 62 69" "$TMP/verify2.err"

# ---- 2. a client that sends the current time ---------------------------------------------
cat >"$TMP/timesrv.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
while True:
    c, _ = s.accept()
    line = b""
    while not line.endswith(b"\n"):
        b = c.recv(100)
        if not b:
            break
        line += b
    c.sendall(b"ok " + str(len(line)).encode() + b"\n")
    c.close()
EOF
cat >"$TMP/timecli.py" <<'EOF'
import socket, sys, time
msg = b"hello, the time is %d\n" % time.time_ns()
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
c.sendall(msg)
print(c.recv(100).decode().strip())
sys.stderr.write(msg.decode())
EOF
server time python3 "$TMP/timesrv.py" "$SRV_IP" 9090
TIME_PID=$SRV_PID
wait_for 10 "time server up" port_open "$SRV_IP" 9090 || die "time server did not start"
"$PROVTAP" record -o "$TMP/time.ptx" -- python3 "$TMP/timecli.py" "$SRV_IP" 9090 >"$TMP/time.rec.out" \
	2>"$TMP/time.rec.err"
assert_eq "record of the time client: exit 0" 0 "$?"
kill "$TIME_PID"
wait_for 10 "time server gone" not port_open "$SRV_IP" 9090
"$PROVTAP" replay "$TMP/time.ptx" --verify >"$TMP/time.rep.out" 2>"$TMP/time.rep.err"
assert_eq "replay --verify of the time client fails" 1 "$?"
assert_eq "the replayed client still got the recorded answer" "$(cat "$TMP/time.rec.out")" "$(cat "$TMP/time.rep.out")"
sent_rec=$(grep '^hello' "$TMP/time.rec.err")
sent_rep=$(grep '^hello' "$TMP/time.rep.err")
off=$(python3 -c 'import sys
a, b = sys.argv[1], sys.argv[2]
print(next(i for i in range(min(len(a), len(b))) if a[i] != b[i]))' "$sent_rec" "$sent_rep")
exp=$(printf '%s' "${sent_rec:$off:1}" | od -An -tx1 | tr -d ' ')
got=$(printf '%s' "${sent_rep:$off:1}" | od -An -tx1 | tr -d ' ')
log "recorded: $sent_rec; replayed: $sent_rep; first difference at offset $off"
assert_contains "the divergence is reported at byte offset $off (expected $exp..., got $got...)" \
	"DIVERGENCE connection 0 \(python3 to $SRV_IP:9090, #1 to that peer\), client to peer, byte offset $off: expected $exp .* got $got " \
	"$TMP/time.rep.err"
assert_eq "exactly one divergence line" 1 "$(grep -c DIVERGENCE "$TMP/time.rep.err")"
sed 's/^/        replay| /' "$TMP/time.rep.err"

# ---- 3. timing: a server that answers 50 ms late -----------------------------------------
cat >"$TMP/slowsrv.py" <<'EOF'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
while True:
    c, _ = s.accept()
    buf = b""
    while True:
        b = c.recv(100)
        if not b:
            break
        buf += b
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            time.sleep(0.05)
            c.sendall(b"answer to " + line + b"\n")
    c.close()
EOF
cat >"$TMP/slowcli.py" <<'EOF'
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
f = c.makefile("rb")
for i in range(20):
    c.sendall(b"question %d\n" % i)
    print(f.readline().decode().strip())
EOF
server slow python3 "$TMP/slowsrv.py" "$SRV_IP" 9191
SLOW_PID=$SRV_PID
wait_for 10 "slow server up" port_open "$SRV_IP" 9191 || die "slow server did not start"
"$PROVTAP" record -o "$TMP/slow.ptx" -- python3 "$TMP/slowcli.py" "$SRV_IP" 9191 >"$TMP/slow.rec.out" 2>/dev/null
assert_eq "record of the slow exchange: exit 0" 0 "$?"
assert_eq "20 answers recorded" 20 "$(grep -c '^answer to question' "$TMP/slow.rec.out")"
kill "$SLOW_PID"
dur() {	# dur FILE: the "in X s (recorded run Y s)" of a replay summary as "X Y"
	sed -n 's/.* in \([0-9.]*\) s (recorded run \([0-9.]*\) s).*/\1 \2/p' "$1"
}
"$PROVTAP" replay "$TMP/slow.ptx" --verify --timing fast >"$TMP/fast.out" 2>"$TMP/fast.err"
assert_eq "replay --timing fast --verify passes" 0 "$?"
"$PROVTAP" replay "$TMP/slow.ptx" --verify --timing original >"$TMP/orig.out" 2>"$TMP/orig.err"
assert_eq "replay --timing original --verify passes" 0 "$?"
check "both replays print the recorded answers" cmp -s "$TMP/slow.rec.out" "$TMP/fast.out"
check "... the original-timed one too" cmp -s "$TMP/slow.rec.out" "$TMP/orig.out"
read -r fast recd < <(dur "$TMP/fast.err")
read -r orig _ < <(dur "$TMP/orig.err")
log "recorded run ${recd}s, fast replay ${fast}s, original replay ${orig}s"
check "recorded run took at least 20 x 50 ms (${recd}s)" python3 -c "import sys; sys.exit(not $recd >= 1.0)"
check "--timing fast: under half the recorded duration (${fast}s vs ${recd}s)" \
	python3 -c "import sys; sys.exit(not $fast < 0.5 * $recd)"
check "--timing original: within 20% of the recorded duration (${orig}s vs ${recd}s)" \
	python3 -c "import sys; sys.exit(not abs($orig - $recd) <= 0.2 * $recd)"
check_clean "after the timing replays"

# ---- 4. bad input --------------------------------------------------------------------------
size=$(stat -c %s "$TMP/curl.ptx")
head -c $((size / 2)) "$TMP/curl.ptx" >"$TMP/trunc.ptx"
"$PROVTAP" replay "$TMP/trunc.ptx" >"$TMP/bad1.out" 2>&1
assert_eq "replay of a truncated recording: exit 125" 125 "$?"
assert_contains "... says it is truncated" "trunc.ptx: truncated recording" "$TMP/bad1.out"
cp "$TMP/curl.ptx" "$TMP/corrupt.ptx"
printf '\x55\xaa' | dd of="$TMP/corrupt.ptx" bs=1 seek=$((size - 100)) conv=notrunc status=none
"$PROVTAP" show "$TMP/corrupt.ptx" >"$TMP/bad2.out" 2>&1
assert_eq "show of a corrupted recording: exit 1" 1 "$?"
assert_contains "... names the checksum" "corrupt.ptx: corrupt recording: body checksum mismatch" "$TMP/bad2.out"
python3 - "$TMP/curl.ptx" "$TMP/v9.ptx" <<'EOF'
import struct, sys, zlib
d = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<I", d, 8, 9)                              # version
struct.pack_into("<I", d, 60, zlib.crc32(bytes(d[:60])))     # header checksum
open(sys.argv[2], "wb").write(d)
EOF
"$PROVTAP" replay "$TMP/v9.ptx" >"$TMP/bad3.out" 2>&1
assert_eq "replay of format version 9: exit 125" 125 "$?"
assert_contains "... names both versions" "format version 9; this provtap reads versions 1 to 2" "$TMP/bad3.out"
"$PROVTAP" replay "$TMP/curl.ptx" -- no-such-command-xyz >"$TMP/bad4.out" 2>&1
assert_eq "replay of a command that does not exist: exit 127" 127 "$?"
assert_contains "... says so" "no-such-command-xyz: command not found" "$TMP/bad4.out"
"$PROVTAP" record -o "$TMP/none.ptx" -- no-such-command-xyz >"$TMP/bad5.out" 2>&1
assert_eq "record of a command that does not exist: exit 127" 127 "$?"
assert_contains "... says so" "no-such-command-xyz: command not found" "$TMP/bad5.out"
check "... and writes no recording" not test -e "$TMP/none.ptx"
# a script whose #! interpreter is missing: found, executable, but its exec fails
printf '#!/nonexistent/interp-xyz\necho hi\n' >"$TMP/badint.sh"
chmod +x "$TMP/badint.sh"
"$PROVTAP" record -o "$TMP/none.ptx" -- "$TMP/badint.sh" >"$TMP/bad5b.out" 2>&1
assert_eq "record of a script whose interpreter is missing: exit 126" 126 "$?"
assert_contains "... says why, as record" \
	"record: cannot execute $TMP/badint.sh: its interpreter /nonexistent/interp-xyz \(#! line\) is not there" "$TMP/bad5b.out"
check "... and writes no recording (nothing ran)" not test -e "$TMP/none.ptx"
"$PROVTAP" replay "$TMP/curl.ptx" -- "$TMP/badint.sh" >"$TMP/bad5c.out" 2>&1
assert_eq "replay with that script: exit 126" 126 "$?"
assert_contains "... says why, as replay" "replay: cannot execute $TMP/badint.sh: its interpreter /nonexistent/interp-xyz" \
	"$TMP/bad5c.out"
"$PROVTAP" replay /nonexistent.ptx >"$TMP/bad6.out" 2>&1
assert_eq "replay of a missing file: exit 125" 125 "$?"
assert_contains "... names it" "cannot open /nonexistent.ptx" "$TMP/bad6.out"
# the command runs once: an -o that cannot be written is said before it runs, not after
"$PROVTAP" record -o "$TMP/nodir/r.ptx" -- sh -c "touch '$TMP/ran'" >"$TMP/bad7.out" 2>&1
assert_eq "record -o into a missing directory: exit 125" 125 "$?"
assert_contains "... says so before running the command" \
	"cannot create $TMP/nodir/r.ptx.tmp.XXXXXX: No such file or directory; the command was not run" "$TMP/bad7.out"
check "... which did not run" not test -e "$TMP/ran"
(cd "$TMP" && echo precious >.tmp && "$PROVTAP" record -o '' -- sh -c "touch '$TMP/ran'") >"$TMP/bad7b.out" 2>&1
assert_eq "record -o '': a usage error" 2 "$?"
check "... the command did not run" not test -e "$TMP/ran"
assert_eq "... and ./.tmp is untouched" precious "$(cat "$TMP/.tmp")"
# the temporary file is new (O_EXCL, a random name): a link planted at OUT.tmp is never written through
echo victim >"$TMP/victim.txt"
ln -s "$TMP/victim.txt" "$TMP/sl.ptx.tmp"
"$PROVTAP" record -o "$TMP/sl.ptx" -- true >"$TMP/bad7c.out" 2>&1
assert_eq "record -o OUT with a link planted at OUT.tmp: recorded" 0 "$?"
assert_eq "... the link's target is untouched" victim "$(cat "$TMP/victim.txt")"
check "... OUT is a regular file, the recording" bash -c "[ -f '$TMP/sl.ptx' ] && [ ! -L '$TMP/sl.ptx' ] && '$PROVTAP' show '$TMP/sl.ptx' >/dev/null"
check "... no temporary file left" bash -c "! ls '$TMP'/sl.ptx.tmp.* 2>/dev/null"
"$PROVTAP" show --json "$TMP/curl.ptx" >"$TMP/bad8.out" 2>&1
assert_eq "show --json (no such option): exit 2" 2 "$?"
assert_contains "... names the option" "unknown option '--json'" "$TMP/bad8.out"
check_clean "after the bad input"

# ---- 5. --content-max: a 4 MiB download kept to its first KiB ----------------------------
BIG=4194304
head -c $BIG /dev/urandom >"$TMP/www/big.bin"
server big python3 -m http.server 8081 --bind "$SRV_IP" --directory "$TMP/www"
BIG_PID=$SRV_PID
wait_for 10 "http.server (8081) up" port_open "$SRV_IP" 8081 || die "http.server on 8081 did not start"
BIG_URL="http://$SRV_IP:8081/big.bin"
# the response's header bytes (fixed width: the Date header has one format)
hdr=$(curl -s -S -D - -o /dev/null "$BIG_URL" | wc -c)
log "HTTP response header: $hdr bytes"
"$PROVTAP" record -o "$TMP/big.ptx" --content-max 1KiB -- curl -s -S -o "$TMP/big.rec.out" "$BIG_URL" \
	2>"$TMP/big.rec.err"
rc=$?
sed 's/^/        record| /' "$TMP/big.rec.err"
assert_eq "record of the 4 MiB download: exit 0" 0 "$rc"
check "curl got the whole file while recorded" cmp -s "$TMP/www/big.bin" "$TMP/big.rec.out"
rcvd=$((BIG + hdr))
cut=$((rcvd - 1024))
assert_contains "record warns: $cut of the $rcvd bytes received are past --content-max" \
	"connection 0 .* lacks some of the $rcvd bytes received: $cut bytes past --content-max$" "$TMP/big.rec.err"
fsize=$(stat -c %s "$TMP/big.ptx")
raw=$(python3 -c 'import struct, sys; print(struct.unpack_from("<Q", open(sys.argv[1], "rb").read(), 16)[0])' \
	"$TMP/big.ptx")
log "big.ptx: $fsize bytes, $raw inflated"
check "the recording is small: $fsize bytes < 256 KiB" test "$fsize" -lt 262144
check "... and so is its inflated body: $raw bytes < 256 KiB (the 4 MiB are not stored)" test "$raw" -lt 262144
"$PROVTAP" show "$TMP/big.ptx" >"$TMP/big.show" 2>&1
assert_eq "show reads it" 0 "$?"
assert_contains "show: the limit" "^content +up to [0-9]+ bytes per call, 1024 bytes per connection direction" \
	"$TMP/big.show"
assert_contains "show: the connection received $rcvd bytes, the last $cut past --content-max" \
	"^0 +0 curl +connect +$HOST_IP:[0-9]+ +$SRV_IP:8081 +[0-9]+ +$rcvd .* TRUNCATED received: $cut bytes past --content-max$" \
	"$TMP/big.show"
# the same download with no limit: curl reads up to 100 KiB at a time, and the probes capture up to
# 1 MiB of a call (the first 64 KiB before its record, the rest after it): every byte is recorded
"$PROVTAP" record -o "$TMP/whole.ptx" -- curl -s -S -o "$TMP/whole.rec.out" "$BIG_URL" 2>"$TMP/whole.rec.err"
rc=$?
sed 's/^/        record| /' "$TMP/whole.rec.err"
assert_eq "record of the 4 MiB download without --content-max: exit 0" 0 "$rc"
check "... no warning: nothing truncated or lost" not grep -q warning "$TMP/whole.rec.err"
kill "$BIG_PID"
wait_for 10 "http.server (8081) gone" not port_open "$SRV_IP" 8081 || die "http.server on 8081 did not stop"
"$PROVTAP" replay "$TMP/big.ptx" -- curl -s -S -o "$TMP/big.rep.out" "$BIG_URL" 2>"$TMP/big.rep.err"
rc=$?
sed 's/^/        replay| /' "$TMP/big.rep.err"
assert_eq "replay exits with curl's status" 0 "$rc"
assert_contains "replay says the server's bytes past the first KiB are past --content-max" \
	"connection 0 .*: the recording lacks peer bytes 1024\.\.$rcvd \(past --content-max\): zeros sent instead" \
	"$TMP/big.rep.err"
assert_contains "... and counts the connection" "0 divergence\(s\), 0 unexpected, 0 missing, 1 with bytes the recording lacks" \
	"$TMP/big.rep.err"
assert_eq "the replayed curl got $BIG bytes" "$BIG" "$(stat -c %s "$TMP/big.rep.out")"
check "... the first $((1024 - hdr)) as recorded" cmp -s -n $((1024 - hdr)) "$TMP/www/big.bin" "$TMP/big.rep.out"
assert_eq "... the rest zeros" 0 "$(tail -c +$((1024 - hdr + 1)) "$TMP/big.rep.out" | tr -d '\0' | wc -c)"
"$PROVTAP" replay "$TMP/whole.ptx" --verify -- curl -s -S -o "$TMP/whole.rep.out" "$BIG_URL" 2>"$TMP/whole.rep.err"
rc=$?
sed 's/^/        replay| /' "$TMP/whole.rep.err"
assert_eq "replay --verify of the whole 4 MiB download passes" 0 "$rc"
check "... and curl got the file byte for byte" cmp -s "$TMP/www/big.bin" "$TMP/whole.rep.out"
check_clean "after the --content-max replay"

# ---- 6. a divergence next to the end of the stored bytes --------------------------------------
cat >"$TMP/sink.py" <<'PYEOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
c, _ = s.accept()
got = 0
while got < 2000:
    b = c.recv(4096)
    if not b:
        break
    got += len(b)
c.sendall(b"got %d\n" % got)
c.close()
PYEOF
# send.sh IP PORT C1 C2: 1020 bytes "A", 4 bytes C1, 976 bytes C2; prints the answer
cat >"$TMP/send.sh" <<'SHEOF'
exec 3<>"/dev/tcp/$1/$2" || exit 1
a=$(printf 'A%.0s' $(seq 1020)); b=$(printf "$3%.0s" 1 2 3 4); c=$(printf "$4%.0s" $(seq 976))
printf '%s%s%s' "$a" "$b" "$c" >&3
IFS= read -r line <&3
echo "$line"
SHEOF
server sink python3 "$TMP/sink.py" "$SRV_IP" 8082
SINK_PID=$SRV_PID
wait_for 10 "the sink (8082) up" sh -c "ip netns exec $NS ss -Hltn 'sport = :8082' | grep -q ." ||
	die "the sink on 8082 did not start"
"$PROVTAP" record -o "$TMP/edge.ptx" --content-max 1KiB -- bash "$TMP/send.sh" "$SRV_IP" 8082 B C \
	>"$TMP/edge.rec.out" 2>"$TMP/edge.rec.err"
rc=$?
sed 's/^/        record| /' "$TMP/edge.rec.err"
assert_eq "record of the 2000-byte send: exit 0, the sink got it all" "0 got 2000" "$rc $(cat "$TMP/edge.rec.out")"
assert_contains "record warns: 976 of the 2000 bytes sent are past --content-max" \
	"connection 0 .* lacks some of the 2000 bytes sent: 976 bytes past --content-max$" "$TMP/edge.rec.err"
wait "$SINK_PID" 2>/dev/null
"$PROVTAP" replay "$TMP/edge.ptx" --verify -- bash "$TMP/send.sh" "$SRV_IP" 8082 X C >"$TMP/edge.rep1.out" \
	2>"$TMP/edge.rep1.err"
rc=$?
sed 's/^/        replay| /' "$TMP/edge.rep1.err"
assert_eq "differing from byte 1020: --verify fails" 1 "$rc"
assert_contains "... at offset 1020, the 4 stored bytes expected" \
	"DIVERGENCE .*byte offset 1020: expected 42 42 42 42 \|BBBB\| got 58 58 58 58 43 43 43 43 43 43 43 43 43 43 43 43 \|XXXXCCCCCCCCCCCC\|$" \
	"$TMP/edge.rep1.err"
assert_eq "... the client still got the recorded answer" "got 2000" "$(cat "$TMP/edge.rep1.out")"
"$PROVTAP" replay "$TMP/edge.ptx" --verify -- bash "$TMP/send.sh" "$SRV_IP" 8082 B Y >"$TMP/edge.rep2.out" \
	2>"$TMP/edge.rep2.err"
rc=$?
sed 's/^/        replay| /' "$TMP/edge.rep2.err"
assert_eq "differing only past the stored bytes: --verify passes" 0 "$rc"
check "... no DIVERGENCE line" not grep -q DIVERGENCE "$TMP/edge.rep2.err"
check_clean "after the divergence at the stored bytes' end"

# --- record ended by SIGTERM (timeout(1), a closed terminal): passed on to the command, which
# ends; the recording is written, its exit status is the command's, nothing is left behind
"$PROVTAP" record -o "$TMP/term.ptx" -- sleep 60 >"$TMP/term.out" 2>"$TMP/term.err" &
RPID=$!
on_exit "kill -9 $RPID"
in_cgroup() {	# in_cgroup [COMM]: a COMM (sleep) runs in record's cgroup (v2: "0::/provtap-record-PID")
	local p
	for p in $(pgrep -x "${1:-sleep}"); do grep -qs "::/provtap-record-$RPID\$" "/proc/$p/cgroup" && return 0; done
	return 1
}
if wait_for 20 "the recorded sleep to run in record's cgroup" in_cgroup; then
	kill -TERM $RPID
	wait $RPID
	assert_eq "record sent SIGTERM: exits with the command's status (killed by SIGTERM)" 143 $?
	assert_contains "... and says what it recorded" "^provtap: recorded 1 process\(es\)" "$TMP/term.err"
	check "... into the .ptx" "$PROVTAP" show "$TMP/term.ptx"
	check_clean "after record was sent SIGTERM"
	# replayed: nothing else in it to wait for, so the sleep gets the signal that ended it when
	# recorded at once (--timing fast), not after its 60 s (bounded: it used to run them out)
	timeout -k 5 30 "$PROVTAP" replay "$TMP/term.ptx" --verify >/dev/null 2>"$TMP/termr.err"
	rc=$?
	sed 's/^/        replay of the SIGTERM recording| /' "$TMP/termr.err"
	assert_eq "... replayed: stopped as recorded, --verify passes" 0 "$rc"
	assert_contains "... says so" "note: the command was stopped by signal 15 in the recording; sent now$" "$TMP/termr.err"
	check_clean "after the replay of the SIGTERM recording"
else
	fail "the recorded command did not start: $(head -c 300 "$TMP/term.err")"
	kill -9 $RPID
fi

# --- what the command leaves running when it exits is killed, also in a cgroup it made inside
# record's (then removed too); and so without cgroup.kill (before 5.14: process by process,
# PROVTAP_FAULT_NO_CGROUP_KILL standing in for such a kernel)
CG2=$(findmnt -n -t cgroup2 -o TARGET | head -1)
none_alive() { local p; for p in $(cat "$1"); do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
for fault in "" 1; do
	env ${fault:+PROVTAP_FAULT_NO_CGROUP_KILL=1} "$PROVTAP" record -o "$TMP/left.ptx" -- sh -c '
		cg=$1$(sed -n "s/^0:://p" /proc/self/cgroup)
		mkdir "$cg/sub" || exit 1
		sleep 300 & echo $! >"$cg/sub/cgroup.procs"; echo $!
		sleep 300 & echo $!' sh "$CG2" >"$TMP/left.out" 2>"$TMP/left.err"
	assert_eq "record of a command that leaves 2 sleeps (one in its own cgroup)${fault:+, no cgroup.kill}: exit 0" 0 $?
	assert_contains "... says they still ran and were killed" \
		"warning: record: [0-9]+ process\(es\) of the command still ran after it exited; killed" "$TMP/left.err"
	check "... both sleeps were started ($(tr '\n' ' ' <"$TMP/left.out"))" test "$(grep -c . "$TMP/left.out")" = 2
	check "... and are gone" wait_for 5 "the sleeps to be gone" none_alive "$TMP/left.out"
	check_clean "after the leftovers were killed${fault:+ (no cgroup.kill)}"
done

# --- the collector dies while the command runs: the recording is written, marked incomplete
# (how much is missing is not known), and says so; nothing is left behind
mkfifo "$TMP/dead.go"
"$PROVTAP" record -o "$TMP/dead.ptx" -- sh -c "cat $TMP/dead.go; echo after" >"$TMP/dead.out" 2>"$TMP/dead.err" &
RPID=$!
on_exit "kill -9 $RPID"
if wait_for 20 "the recorded sh to run" in_cgroup sh; then
	# the collector: record's child that leads its own process group
	COL=$(ps -o pid=,pgid= --ppid $RPID | awk '$1 == $2 { print $1 }')
	check "record's collector found (pid ${COL:-none})" test -n "$COL"
	[ -n "$COL" ] && kill -9 "$COL"
	t0=$(date +%s%N)
	echo go >"$TMP/dead.go"
	wait $RPID
	assert_eq "collector killed: record still exits with the command's status" 0 $?
	# the drain stops when it sees the collector gone, not at its 10 s timeout
	dead_ms=$((($(date +%s%N) - t0) / 1000000))
	check "... and does not wait out the drain timeout (${dead_ms} ms < 5000)" test "$dead_ms" -lt 5000
	sed 's/^/        collector killed| /' "$TMP/dead.err"
	assert_contains "... says the collector died" "warning: record: the collector was killed by signal 9: what it had not stored is missing" "$TMP/dead.err"
	assert_contains "... and that the recording lacks what it did not store" \
		"warning: records the collector did not store are missing" "$TMP/dead.err"
	"$PROVTAP" show "$TMP/dead.ptx" >"$TMP/dead.show" 2>&1
	assert_contains "show: the recording is marked incomplete" \
		"^losses +records the collector did not store \(how many is not known\): INCOMPLETE" "$TMP/dead.show"
	check_clean "after the collector died"
else
	fail "the recorded command did not start: $(head -c 300 "$TMP/dead.err")"
	kill -9 $RPID
fi

# --- SIGTERM (or ^C) while record is still loading its probes (its private pin dir exists;
# loading and starting its collector take most of a second, the poll 50 ms): record stops there,
# the command is not run, nothing is written, exit 128+N, nothing left behind
for sig in TERM INT; do
	num=$(kill -l "$sig")
	rm -f "$TMP/early.ran"
	"$PROVTAP" record -o "$TMP/early.ptx" -- sh -c "echo ran >$TMP/early.ran" >"$TMP/early.out" 2>"$TMP/early.err" &
	RPID=$!
	on_exit "kill -9 $RPID"
	loading() { [ -e "/sys/fs/bpf/provtap-record-$RPID" ]; }
	if wait_for 20 "record to start loading its probes" loading; then
		kill -"$sig" $RPID
		wait $RPID
		assert_eq "record sent SIG$sig while loading: exit 128+$num" $((128 + num)) $?
		sed 's/^/        record| /' "$TMP/early.err"
		check "... the command did not run" not test -e "$TMP/early.ran"
		assert_eq "... it says so, and nothing else (no load error)" \
			"provtap: error: record: terminated by signal $num before the command ran; nothing recorded" \
			"$(grep -v '^provtap: warning' "$TMP/early.err")"
		check "... no recording written" not test -e "$TMP/early.ptx"
		check_clean "after record was sent SIG$sig while loading"
	else
		fail "record did not start loading: $(head -c 300 "$TMP/early.err")"
		kill -9 $RPID
	fi
done
cd /
