#!/bin/bash
# test_cli: the command line without probes: export never replaces what is not a regular file and
# leaves no temporary file (not even when interrupted), store refuses what is not a store, usage
# errors exit 2 with the command's name, help describes every option it lists. Needs no BPF:
# stores come from the bench generator (bench/genstore.c); probe commands are only given input
# they must refuse before touching a probe.
source "$(dirname "$0")/lib.sh"

[ -x "$PROVTAP" ] || die "no provtap binary at $PROVTAP (run make first)"
GENSTORE=${GENSTORE:-$ROOT/build/bench/genstore}
[ -x "$GENSTORE" ] || die "no $GENSTORE (make tests-build builds it)"
# A probe command that wrongly got through must not touch the system's probes.
probes_cleanup_on_exit
NOIF=ptcli-nosuch0	# an interface that does not exist

# expect RC REGEX DESC CMD...: CMD exits RC and says something matching REGEX (stdout+stderr);
# the output stays in $TMP/out.N ($OUT).
n=0
expect() {
	local want=$1 re=$2 desc=$3 rc
	shift 3
	n=$((n + 1))
	OUT=$TMP/out.$n
	"$@" >"$OUT" 2>&1
	rc=$?
	assert_eq "$desc: exit status" "$want" "$rc"
	assert_contains "  ... says /$re/" "$re" "$OUT"
}

# no_tmp_left DIR: no export temporary file (*.tmp.XXXXXX) in DIR.
no_tmp_left() { [ -z "$(find "$1" -maxdepth 1 -name '*.tmp.*' -print -quit)" ]; }

ST=$TMP/st
"$GENSTORE" --dir "$ST" --packets 20000 >"$TMP/genstore.out" 2>&1 || die "genstore failed: $(tail -3 "$TMP/genstore.out")"

# --- 1. export -o: a FIFO, a symbolic link, a directory -----------------------------------------
O=$TMP/o
mkdir -p "$O"
mkfifo "$O/fifo"
expect 1 "$O/fifo is a FIFO; -o takes a regular file" "export -o FIFO --force is refused" \
	"$PROVTAP" export pcapng 'udp' --store "$ST" -o "$O/fifo" --force
check "  ... the FIFO is still a FIFO" [ -p "$O/fifo" ]
ln -s fifo "$O/to-fifo"
expect 1 "$O/to-fifo -> $O/fifo is a FIFO" "export -o SYMLINK-to-FIFO --force is refused" \
	"$PROVTAP" export pcapng 'udp' --store "$ST" -o "$O/to-fifo" --force
check "  ... the link is still a link to the FIFO" [ -L "$O/to-fifo" -a -p "$O/fifo" ]
echo old >"$O/file.pcapng"
ln -s file.pcapng "$O/to-file"
expect 1 "$O/to-file exists; not overwriting it \(use --force\)" "export -o SYMLINK-to-FILE without --force" \
	"$PROVTAP" export pcapng 'udp' --store "$ST" -o "$O/to-file"
expect 0 "wrote [0-9]+ packets .* to $O/to-file" "export -o SYMLINK-to-FILE --force writes through the link" \
	"$PROVTAP" export pcapng 'udp' --store "$ST" -o "$O/to-file" --force
check "  ... the link is still a link" [ -L "$O/to-file" ]
assert_eq "  ... the file it leads to is the pcapng (section header block)" 0a0d0d0a \
	"$(od -An -tx1 -N4 "$O/file.pcapng" | tr -d ' ')"
ln -s nowhere.pcapng "$O/dangling"
expect 1 "$O/dangling is a symbolic link to nowhere.pcapng, which does not exist" \
	"export -o DANGLING-SYMLINK is refused" \
	"$PROVTAP" export pcapng 'udp' --store "$ST" -o "$O/dangling" --force
check "  ... nothing created at its target" [ ! -e "$O/nowhere.pcapng" -a -L "$O/dangling" ]
mkdir "$O/dir"
expect 1 "$O/dir is a directory" "export -o DIRECTORY --force is refused" \
	"$PROVTAP" export pcapng 'udp' --store "$ST" -o "$O/dir" --force
check "  ... no temporary file left by any of them" no_tmp_left "$O"

# --- 2. an interrupted export leaves no temporary file ------------------------------------------
# An export of 400000 records (about 0.3 s) is stopped (SIGSTOP) as soon as its temporary file has
# bytes, sent the signal, and continued: the signal lands while the file is being written. (set -m:
# a background job of a script would otherwise start with SIGINT ignored.)
SS=$TMP/sigstore
"$GENSTORE" --dir "$SS" --packets 100000 >"$TMP/genstore2.out" 2>&1 || die "genstore failed: $(tail -3 "$TMP/genstore2.out")"
tmp_written() { [ -n "$(find "$TMP" -maxdepth 1 -name 'sig.pcapng.tmp.*' -size +0 -print -quit)" ]; }
for sig in INT TERM HUP; do
	set -m
	"$PROVTAP" export pcapng --store "$SS" -o "$TMP/sig.pcapng" >"$TMP/sig.out" 2>&1 &
	pid=$!
	set +m
	on_exit "grep -qs sigstore /proc/$pid/cmdline && kill -9 $pid"	# (not a reused pid)
	i=0
	while ! tmp_written && [ $((i += 1)) -lt 4000 ]; do sleep 0.005; done
	kill -STOP $pid 2>/dev/null
	if ! tmp_written || ! kill -0 $pid 2>/dev/null; then
		fail "SIG$sig: the export was not caught writing its temporary file"
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		continue
	fi
	kill -$sig $pid
	kill -CONT $pid
	wait $pid 2>/dev/null	# (no "Hangup" job report)
	rc=$?
	assert_eq "export interrupted by SIG$sig: dies of it" $((128 + $(kill -l $sig))) $rc
	check "  ... no temporary file left" no_tmp_left "$TMP"
	check "  ... and no output file" [ ! -e "$TMP/sig.pcapng" ]
done
rm -rf "$SS"

# --- 3. store seal: no store, no new store ------------------------------------------------------
expect 1 "no store at $TMP/nonexistent: No such file or directory" "store seal --store NONEXISTENT" \
	"$PROVTAP" store seal --store "$TMP/nonexistent"
check "  ... created nothing" [ ! -e "$TMP/nonexistent" ]
touch "$TMP/afile"
expect 1 "no store at $TMP/afile: Not a directory" "store seal --store FILE" \
	"$PROVTAP" store seal --store "$TMP/afile"
mkdir "$TMP/empty"
expect 1 "$TMP/empty holds no provtap store \(no segments\); nothing to seal" "store seal --store EMPTY-DIR" \
	"$PROVTAP" store seal --store "$TMP/empty"
assert_eq "  ... created nothing in it" "" "$(ls -A "$TMP/empty")"

# --- 4. store verify --json; no FILTER where none is taken -------------------------------------
json_get() { python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@" 2>&1; }
"$PROVTAP" store verify --store "$ST" --json >"$TMP/verify.json" 2>"$TMP/verify.err"
assert_eq "store verify --json: exit status" 0 $?
assert_eq "  ... one JSON object: records read, no corrupt region" "True 0 []" \
	"$(json_get "$TMP/verify.json" 'o["records"] > 0, o["corrupt_regions"], o["corrupt"]' | tr -d '(),')"
CS=$TMP/corrupt
cp -r "$ST" "$CS"
pta=$(ls "$CS"/seg-*.pta | head -1)
python3 -c 'import os, sys
f = open(sys.argv[1], "r+b"); f.seek(os.path.getsize(sys.argv[1]) // 2); f.write(b"\xff" * 64)' "$pta"
"$PROVTAP" store verify --store "$CS" --json >"$TMP/verify2.json" 2>"$TMP/verify2.err"
assert_eq "store verify --json of a corrupt store: exit status" 1 $?
assert_eq "  ... names the region (file, offset, reason)" "1 $pta True True" \
	"$(json_get "$TMP/verify2.json" 'o["corrupt_regions"], o["corrupt"][0]["file"], o["corrupt"][0]["offset"] > 0, len(o["corrupt"][0]["reason"]) > 0' | tr -d "(),'")"
for sub in verify stats seal; do
	expect 2 "provtap store $sub: unexpected argument 'udp' \(only count and dump take a FILTER\)" \
		"store $sub with a FILTER" "$PROVTAP" store $sub --store "$ST" udp
done
"$PROVTAP" store seal --store "$CS" --json >"$TMP/seal.json" 2>"$TMP/seal.err"
assert_eq "store seal --json: exit status" 0 $?
assert_eq "  ... one JSON object" True "$(json_get "$TMP/seal.json" 'o["sealed_segments"] >= 1')"

# --- 5. an empty directory is not silently a store ----------------------------------------------
expect 0 "warning: $TMP/empty holds no provtap store \(no segments\)" "store count --store EMPTY-DIR warns" \
	"$PROVTAP" store count --store "$TMP/empty"
expect 0 "^total [0-9]+ matching packet records" "store count of a real store" \
	"$PROVTAP" store count --store "$ST"
check "  ... without the warning" not grep -q "holds no provtap store" "$OUT"

# --- 6. a malformed filter is a usage error in probe commands too ------------------------------
expect 2 "^provtap probe filter: filter: .* at position 8:" "probe filter with a malformed filter" \
	"$PROVTAP" probe filter --all 'udp and'
expect 2 "^provtap probe load: filter: .* at position 8:" "probe load --filter with a malformed filter" \
	"$PROVTAP" probe load --iface "$NOIF" --filter 'udp and'

# --- 7. --content needs --procs, whatever its value ---------------------------------------------
expect 2 "--content, .* need --procs" "probe load --content 0 without --procs" \
	"$PROVTAP" probe load --iface "$NOIF" --content 0

# --- 8. leftover arguments; getopt's messages name the command ----------------------------------
expect 2 "^provtap probe status: unexpected argument 'extra-arg'" "probe status extra-arg" \
	"$PROVTAP" probe status extra-arg
expect 2 "^provtap probe unload: unexpected argument 'extra-arg'" "probe unload --all extra-arg" \
	"$PROVTAP" probe unload --all extra-arg
expect 2 "^provtap probe filter: unexpected argument 'extra-arg'" "probe filter --all EXPR extra-arg" \
	"$PROVTAP" probe filter --all udp extra-arg
expect 2 "^provtap probe load: unrecognized option '--bogus'" "probe load --bogus" \
	"$PROVTAP" probe load --bogus
expect 2 "^provtap probe status: option --iface does not apply here" "probe status --iface" \
	"$PROVTAP" probe status --iface "$NOIF"
expect 2 "^provtap tail: unrecognized option '--bogus'" "tail --bogus" "$PROVTAP" tail --bogus
expect 2 "^provtap collect: unrecognized option '--bogus'" "collect --bogus" "$PROVTAP" collect --bogus
expect 2 "^provtap export: unrecognized option '--bogus'" "export --bogus" "$PROVTAP" export --bogus
expect 2 "^provtap store count: unrecognized option '--bogus'" "store count --bogus" \
	"$PROVTAP" store count --bogus
check "none of the probe commands created the pin dir" [ ! -e "$PROVTAP_PIN_DIR" ]

# --- 9. a filter with a line break: tail says what is wrong -------------------------------------
expect 2 "^provtap tail: filter: a line break at position 4; the filter goes to the collector as one line" \
	"tail with a line break in its filter" "$PROVTAP" tail --socket "$TMP/none.sock" $'tcp\nport 80'

# --- 10. help tells every option it lists -------------------------------------------------------
expect 0 "^usage: provtap probe filter \(\(--iface SPEC \| --xdp SPEC\)\.\.\. \| --all\) EXPR" \
	"probe filter --help lists --xdp" "$PROVTAP" probe filter --help
assert_contains "  ... and says what it is for" "--xdp for XDP points" "$OUT"
expect 0 "^  --socket PATH +serve tails on this unix socket" "collect --help describes --socket" \
	"$PROVTAP" collect --help
assert_contains "  ... and --user" "^  --user NAME +after setup, run as user NAME" "$OUT"
expect 0 "^  --socket PATH +the collector's unix socket" "tail --help describes --socket" "$PROVTAP" tail --help

# --- 11. output that cannot be written is a failure; help on any command or subcommand ----------
expect 1 "^provtap: error: writing the output: No space left on device" "version > /dev/full: exit 1" \
	bash -c "'$PROVTAP' version >/dev/full"
expect 1 "writing the output: No space left on device" "store dump > /dev/full: exit 1" \
	bash -c "'$PROVTAP' store dump --store '$ST' >/dev/full"
expect 0 "^usage: provtap query hops " "help query hops: the subcommand's help" "$PROVTAP" help query hops
expect 0 "^usage: provtap probe load " "help probe load: the subcommand's help" "$PROVTAP" help probe load
expect 0 "^provtap version: print the version" "help version" "$PROVTAP" help version
expect 0 "^usage: provtap \[-v\|-vv\] COMMAND" "help help" "$PROVTAP" help help
expect 2 "^provtap: no command 'nosuch'; .provtap help. lists them" "help nosuch" "$PROVTAP" help nosuch

# --- 12. option values: plain numbers, real dates, two different points -------------------------
for v in 50,,99 1e2 0x32 ,50 50,; do
	expect 2 "--percentiles takes up to 10 numbers in \(0, 100\] separated by commas, not '$v'" \
		"delay --percentiles $v" "$PROVTAP" query delay --store "$ST" --percentiles "$v" --from a --to b
done
expect 2 "--since takes RFC 3339" "--since 2026-02-30T00:00:00Z (no such day)" \
	"$PROVTAP" query hops --store "$ST" --since 2026-02-30T00:00:00Z
expect 2 "--in and --out must name two different points" "correlate --in X --out X" \
	"$PROVTAP" query correlate --store "$ST" --in r1a@gr:in --out r1a@gr:in

# --- 13. queries on a directory that holds no store say so (an empty answer looks like no traffic)
mkdir -p "$TMP/nostore"
expect 1 "warning: $TMP/nostore holds no provtap store \(no segments\)" "query hops on an empty directory" \
	"$PROVTAP" query hops '' --store "$TMP/nostore"
expect 0 "warning: $TMP/nostore holds no provtap store \(no segments\)" "query proc on an empty directory" \
	"$PROVTAP" query proc --store "$TMP/nostore"
expect 1 "^provtap query hops: cannot read the store /nonexistent-store: No such file or directory$" \
	"query hops on a missing store: one line" "$PROVTAP" query hops '' --store /nonexistent-store
assert_eq "  ... and only that one" 1 "$(wc -l <"$OUT")"
expect 2 "^provtap query why: unexpected argument 'extra': one VERTEX" "query why VERTEX extra" \
	"$PROVTAP" query why proc:1 extra --store "$ST"
expect 2 "^provtap query proc: PID must be a positive number \(1 to 2147483647\), not '-5'$" "query proc -5" \
	"$PROVTAP" query proc -5 --store "$ST"
expect 2 "PID must be a positive number \(1 to 2147483647\), not '0'$" "query proc 0" "$PROVTAP" query proc 0 --store "$ST"
for c in record replay merge; do
	expect 2 "^provtap $c: unrecognized option '--bogus'" "$c --bogus: getopt's message names the command" \
		"$PROVTAP" $c --bogus
done

# --- 14. tail: a filter longer than the request line, a socket path too long ----------------------
long_filter() { python3 -c "import sys; print('tcp or ' * int(sys.argv[1]) + 'udp')" "$1"; }
expect 2 "^provtap tail: the filter is 4903 bytes; the collector takes at most 4089$" \
	"tail with a 4903-byte filter: refused before connecting" "$PROVTAP" tail --socket "$TMP/none.sock" \
	"$(long_filter 700)"
LONGSOCK=$TMP/$(printf 's%.0s' {1..120})
expect 2 "^provtap tail: --socket $LONGSOCK: a unix socket path is at most 107 bytes$" \
	"tail --socket with a 120+ byte path" "$PROVTAP" tail --socket "$LONGSOCK"
# A collector (no probes needed: it waits for them) takes a filter at the limit and answers a longer
# request line (another client's) with an error instead of waiting for the rest of it.
CSOCK=$TMP/c.sock
CPID=$("$PROVTAP" collect --store "$TMP/cstore" --socket "$CSOCK" --log "$TMP/c.log" --daemon 2>"$TMP/c.err")
if [[ "$CPID" =~ ^[0-9]+$ ]]; then
	on_exit "kill -9 $CPID"
	check "a request with a 4084-byte filter (at the limit): the collector takes it" \
		timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5)
s.sendall(b"TAIL " + sys.argv[2].encode() + b"\n")
r = s.makefile("rb").readline()
sys.exit(0 if r == b"OK\n" else "answer %r" % r)' "$CSOCK" "$(long_filter 583)"
	check "a 4096-byte request line: the collector says it is too long" timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5)
s.sendall(b"TAIL " + b"x" * 4090 + b"\n")
r = s.makefile("rb").readline()
sys.exit(0 if r == b"ERR 0 the request line is longer than the collector takes (at most 4095 bytes)\n" else "answer %r" % r)' "$CSOCK"
	kill -TERM "$CPID"
	wait_for 20 "the collector to exit" pid_gone "$CPID" || fail "the collector did not exit on SIGTERM"
else
	fail "the collector did not start: $(head -c 300 "$TMP/c.err")"
fi

# --- 15. help and version: output that cannot be written fails; help COMMAND ignores extra words ---
for a in --help -h --version; do
	expect 1 "^provtap: error: writing the output: No space left on device" "provtap $a > /dev/full: exit 1" \
		bash -c "'$PROVTAP' $a >/dev/full"
done
expect 2 "^provtap version: no arguments, not 'extra'" "version extra" "$PROVTAP" version extra
expect 0 "^usage: provtap show FILE.ptx" "help show x: show's help" "$PROVTAP" help show x
expect 0 "^usage: provtap record -o FILE.ptx" "help record x: record's help" "$PROVTAP" help record x
expect 0 "^usage: provtap query hops " "help query hops extra: the subcommand's help" \
	"$PROVTAP" help query hops extra

# --- 16. collect: --retain is one size and one age, never zero, never ambiguous; --log needs --daemon
expect 2 "^provtap collect: --retain '512m': m could mean minutes or megabytes; write 512min for an age or 512MiB for a size$" \
	"collect --retain 512m" "$PROVTAP" collect --store "$TMP/cs" --retain 512m
for z in 0 0s 0GiB; do
	expect 2 "^provtap collect: --retain '$z': a limit of zero would keep nothing" "collect --retain $z" \
		"$PROVTAP" collect --store "$TMP/cs" --retain $z
done
expect 2 "^provtap collect: --retain: one size limit, not two \('2GiB'\)" "collect --retain 1GiB --retain 2GiB" \
	"$PROVTAP" collect --store "$TMP/cs" --retain 1GiB --retain 2GiB
expect 2 "^provtap collect: --retain: one age limit, not two \('90min'\)" "collect --retain 7d --retain 1GiB --retain 90min" \
	"$PROVTAP" collect --store "$TMP/cs" --retain 7d --retain 1GiB --retain 90min
expect 2 "^provtap collect: --log FILE is the daemon's log and needs --daemon" "collect --log without --daemon" \
	"$PROVTAP" collect --store "$TMP/cs" --log "$TMP/cs.log"
check "  ... none of them created the store or the log" [ ! -e "$TMP/cs" -a ! -e "$TMP/cs.log" ]

# --- 17. probe load/filter: options that would be ignored, unknown variants, bad scopes: usage errors
# before any privilege or kernel probe is needed
expect 2 "^provtap probe filter: give --iface/--xdp SPEC\.\.\. or --all, then one EXPR" \
	"probe filter --all with a point: refused (--all would win)" "$PROVTAP" probe filter --all --iface "$NOIF" tcp
expect 2 "^provtap probe load: --filter applies to packet points \(--iface/--xdp\)$" "probe load --procs --filter" \
	"$PROVTAP" probe load --procs --filter tcp
expect 2 "^provtap probe load: --filter applies to packet points \(--iface/--xdp\); drops are filtered in queries$" \
	"probe load --drops --filter ''" "$PROVTAP" probe load --drops --filter ''
expect 2 "^provtap probe load: --snaplen applies to packet points \(--iface/--xdp\)$" "probe load --drops --snaplen 64" \
	"$PROVTAP" probe load --drops --snaplen 64
expect 2 "^provtap probe load: --variant applies to packet points \(--iface/--xdp\)$" "probe load --drops --variant tc" \
	"$PROVTAP" probe load --drops --variant tc
expect 2 "^provtap probe load: --ring-mb applies to packet points \(--iface/--xdp\) and --drops \(the proc probes' ring is sized by --proc-ring-mb\)$" \
	"probe load --procs --ring-mb 8" "$PROVTAP" probe load --procs --ring-mb 8
expect 2 "^provtap probe load: --fp applies to packet points \(--iface/--xdp\) and --drops$" \
	"probe load --procs --fp payload" "$PROVTAP" probe load --procs --fp payload
expect 2 "^provtap probe load: --variant: no tc program variant named 'tcc'; valid names: tc$" \
	"probe load --iface --variant tcc" "$PROVTAP" probe load --iface "$NOIF" --variant tcc
expect 2 "^provtap probe load: --variant 'xdp' is for --xdp points; --iface points take: tc$" \
	"probe load --iface --variant xdp" "$PROVTAP" probe load --iface "$NOIF" --variant xdp
expect 2 "^provtap probe load: --variant forces one program on every point: load --iface and --xdp points with separate commands$" \
	"probe load --iface --xdp --variant xdp" "$PROVTAP" probe load --iface "$NOIF" --xdp "$NOIF" --variant xdp
expect 2 "^provtap probe load: --drop-variant: no drop program variant named 'drop-bft'; valid names: drop-btf, drop-raw, drop-kprobe$" \
	"probe load --drops --drop-variant drop-bft" "$PROVTAP" probe load --drops --drop-variant drop-bft
expect 2 "^provtap probe load: --send-variant: no send program variant named 'fast'; valid names: send-tp, send-fentry, send-kprobe, send-syscall$" \
	"probe load --procs --send-variant fast" "$PROVTAP" probe load --procs --send-variant fast
expect 2 "^provtap probe load: --proc-variant: no program variant 'fast'; valid names: btf-cast, btf, core$" \
	"probe load --procs --proc-variant fast" "$PROVTAP" probe load --procs --proc-variant fast
expect 2 "^provtap probe load: --comm 'abcdefghijklmnop': give a command name of 1 to 15 characters" \
	"probe load --comm of 16 characters" "$PROVTAP" probe load --procs --comm abcdefghijklmnop
expect 2 "^provtap probe load: --comm '': give a command name of 1 to 15 characters" \
	"probe load --comm ''" "$PROVTAP" probe load --procs --comm ''
expect 2 "^provtap probe load: --pid-tree 99999999: no process 99999999 \(no such process\)$" \
	"probe load --pid-tree of no process (above pid_max)" "$PROVTAP" probe load --procs --pid-tree 99999999
# a thread's id: /proc/TID exists, but the tree is followed by process and would match nothing
python3 -c 'import threading, time
t = threading.Thread(target=time.sleep, args=(60,), daemon=True)
t.start()
print(t.native_id, flush=True)
time.sleep(60)' >"$TMP/tid" &
THR=$!
on_exit "kill $THR"
wait_for 10 "the thread's id" test -s "$TMP/tid" || fail "the threaded python did not start"
expect 2 "^provtap probe load: --pid-tree $(cat "$TMP/tid"): a thread of process $THR; give the process id" \
	"probe load --pid-tree of a thread" "$PROVTAP" probe load --procs --pid-tree "$(cat "$TMP/tid")"
kill "$THR"
wait "$THR" 2>/dev/null
expect 0 "the direction defaults to both for --iface and$" "probe load --help: the direction's default per hook" \
	"$PROVTAP" probe load --help
assert_contains "  ... is in for --xdp" "^is in for --xdp \(XDP sees ingress only\)\.$" "$OUT"
check "probe load/filter refusals created no pin dir" [ ! -e "$PROVTAP_PIN_DIR" ]

# --- 18. queries: true messages, usage errors before the store, one output format ----------------
expect 2 "^provtap query conn: bad filter: .* at position 14:" "query conn: filter positions count from 1, as elsewhere" \
	"$PROVTAP" query conn 'tcp and port http' --store "$ST"
assert_contains "  ... the caret under position 14" "^               \^$" "$OUT"
for q in loss delay; do
	expect 1 "^provtap query $q: the [0-9]+ packet\(s\) matching \(all packets\) seen at r1b@gr:out were never seen at r1a@gr:in after it, only before: are --from and --to reversed\?" \
		"query $q with --from and --to reversed" "$PROVTAP" query $q '' --from r1b@gr:out --to r1a@gr:in --store "$ST"
	check "  ... not 'no packets matching' (there were)" not grep -q "no packets matching" "$OUT"
done
expect 1 "^provtap query delay: no packets matching point srv0@gs:in were seen at r1a@gr:in in the window; [0-9]+ were seen at srv0@gs:in only" \
	"query delay: nothing at FROM, some at TO" "$PROVTAP" query delay 'point srv0@gs:in' --from r1a@gr:in --to srv0@gs:in --store "$ST"
expect 1 "^provtap query delay: unknown capture point 'nope'; the store knows: cli0@gc:out, r1a@gr:in, r1b@gr:out, srv0@gs:in" \
	"query delay names an unknown point" "$PROVTAP" query delay 'point nope' --from r1a@gr:in --to r1b@gr:out --store "$ST"
expect 1 "^provtap export: unknown capture point 'nope'; the store knows: .*; nothing written" \
	"export names an unknown point" "$PROVTAP" export pcapng 'point nope' --store "$ST" -o "$O/nope.pcapng"
check "  ... and wrote nothing" [ ! -e "$O/nope.pcapng" ]
expect 1 "^provtap query correlate: unknown capture point 'nope'" "query correlate names an unknown point" \
	"$PROVTAP" query correlate 'point nope' --in r1a@gr:in --out r1b@gr:out --store "$ST"
expect 2 "^provtap query top: --by src\|dst\|sport\|dport\|proto\|flow\|point is required" \
	"query top without --by: usage, before the (missing) store" "$PROVTAP" query top '' --store /nonexistent-store
expect 2 "^provtap query throughput: --interval DUR is required" "query throughput without --interval" \
	"$PROVTAP" query throughput '' --store /nonexistent-store
expect 2 "^provtap query hops: --horizon must be shorter than 13 days" "query hops --horizon 20d" \
	"$PROVTAP" query hops '' --horizon 20d --store /nonexistent-store
expect 2 "^provtap query loss: --from and --to must name two different points" "query loss --from a --to a" \
	"$PROVTAP" query loss '' --from a --to a --store /nonexistent-store
expect 2 "^provtap query proc: --at takes RFC 3339" "query proc --at garbage" \
	"$PROVTAP" query proc 999 --at garbage --store /nonexistent-store
expect 2 "^provtap query proc: 'abc' is neither a pid nor a process id" "query proc abc" \
	"$PROVTAP" query proc abc --store /nonexistent-store
expect 2 "^provtap export: filter: .* at position 8" "export with a malformed filter: before store and file" \
	"$PROVTAP" export pcapng 'udp and' -o "$O/x.pcapng" --store /nonexistent-store
check "  ... and wrote nothing" [ ! -e "$O/x.pcapng" ]
for r in 60000 'reason#60000' 'REASON#60000' 'subsys#1:2'; do
	expect 0 "^0 drop\(s\)" "query drops --reason $r (a code, named or not)" "$PROVTAP" query drops --reason "$r" --store "$ST"
done
expect 2 "^provtap query drops: this kernel names no drop reason 'nosuch'" "query drops --reason nosuch" \
	"$PROVTAP" query drops --reason nosuch --store "$ST"
expect 1 "^provtap query packets: no packets match" "query packets --csv, no match" \
	"$PROVTAP" query packets 'host ::1' --csv --store "$ST"
assert_eq "  ... nothing on stdout (no header without rows)" 0 \
	"$("$PROVTAP" query packets 'host ::1' --csv --store "$ST" 2>/dev/null | wc -c)"
expect 1 "^provtap query hops: the packets matching point r1a@gr:in were seen at one capture point only \(r1a@gr:in\): no hops to report$" \
	"query hops over one point" "$PROVTAP" query hops 'point r1a@gr:in' --csv --store "$ST"
assert_eq "  ... nothing on stdout" 0 "$("$PROVTAP" query hops 'point r1a@gr:in' --csv --store "$ST" 2>/dev/null | wc -c)"
for c in "hops ''" "top '' --by src" drops "conn ''" proc "correlate --in r1a@gr:in --out r1b@gr:out"; do
	eval "set -- $c"
	expect 2 "^provtap query $1: --json and --csv are two output formats: give one$" "query $c --json --csv" \
		"$PROVTAP" query "$@" --json --csv --store "$ST"
done
expect 2 "--limit takes a number from 1 to 1000000000, not '0'$" "query top --limit 0" \
	"$PROVTAP" query top '' --by src --limit 0 --store "$ST"
expect 2 "--limit takes a number from 1 to 1000000000, not '2000000000'$" "query correlate --limit 2000000000" \
	"$PROVTAP" query correlate --in r1a@gr:in --out r1b@gr:out --limit 2000000000 --store "$ST"
expect 2 "^provtap query content: bad vertex id 'conn:a\+b'" "query content with a malformed CONN: usage, before the store" \
	"$PROVTAP" query content 'conn:a+b' --store /nonexistent-store
