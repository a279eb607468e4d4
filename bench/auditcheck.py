#!/usr/bin/env python3
"""auditcheck.py — validity checks of the content-audit and FD-inheritance benchmarks.

  auditcheck.py dump DUMP.jsonl RRLOAD.json PORT CONTENT
      DUMP.jsonl: `provtap store dump --json 'proc comm rrload and port PORT'` of one traced
      run of bench/rrload; RRLOAD.json: what rrload printed. Checks that the stored DATA
      records account for every request/response byte and call: on TCP sockets of port PORT,
      writes (dir out) sum to rrload's bytes in client_writes + server_writes calls, reads
      (dir in, size > 0) sum to the same bytes in client_reads + server_reads calls, and each
      call's captured content is min(size, CONTENT) bytes (inline + chunk records).
  auditcheck.py strace FILE RRLOAD.json
      FILE: `strace -f -o FILE` of the same workload. Follows each process's socket FDs
      (socket/accept results) and checks that the read/write calls on them sum to rrload's
      bytes and calls, with their data printed.
  auditcheck.py forks DUMP.jsonl FDFORK.json
      DUMP.jsonl: `provtap store dump --json 'proc comm fdfork'`; FDFORK.json: what
      bench/fdfork printed. Checks one FORK and one EXEC record per iteration (the exec's argv
      says --child), and one exit per child, all with exit code 0.
  auditcheck.py strace-forks FILE FDFORK.json
      FILE: `strace -f -e trace=...,process -o FILE` of bench/fdfork: one clone of the parent,
      one execve with --child returning 0 and one "exited with 0" per iteration.

Prints "ok SUMMARY" when everything matches, else one line saying what differs. Exit 0 either
way (the caller reads the line).
"""
import json
import re
import sys


def load(path):
    return json.load(open(path))


def check_dump(dump, rr_path, port, content):
    rr = load(rr_path)
    port = int(port)
    content = int(content)
    want_bytes = rr["bytes"]
    want_w = rr["client_writes"] + rr["server_writes"]
    want_r = rr["client_reads"] + rr["server_reads"]
    out_b = in_b = out_n = in_n = eof = 0
    bad_cap = []
    caps = {}      # (tid, ts_ns, msg_index) -> captured bytes so far (inline + chunks)
    sizes = {}
    for line in open(dump):
        if not line.strip():
            continue
        r = json.loads(line)
        t = r.get("type")
        if t == "chunk":
            k = (r["tid"], r["ts_ns"], r["msg_index"])
            caps[k] = caps.get(k, 0) + len(r.get("content", "")) // 2
            continue
        if t != "data":
            continue
        o = r.get("fd_object") or {}
        if o.get("kind") != "socket" or o.get("proto") != "tcp":
            continue
        ends = (o.get("local") or "") + " " + (o.get("remote") or "")
        if (":%d " % port) not in ends + " ":
            continue
        k = (r["tid"], r["ts_ns"], r["msg_index"])
        caps[k] = caps.get(k, 0) + len(r.get("content", "")) // 2
        sizes[k] = (r["size"], r["captured"])
        if r["dir"] == "out":
            out_b += r["size"]
            out_n += 1
        elif r["size"] > 0:
            in_b += r["size"]
            in_n += 1
        else:
            eof += 1
    for k, (size, captured) in sizes.items():
        want = min(size, content)
        if captured != want or caps.get(k, 0) != want:
            bad_cap.append((k, size, captured, caps.get(k, 0)))
    bad = []
    if out_b != want_bytes or out_n != want_w:
        bad.append("stored writes: %d calls, %d bytes; rrload: %d calls, %d bytes" % (out_n, out_b, want_w, want_bytes))
    if in_b != want_bytes or in_n != want_r:
        bad.append("stored reads: %d calls, %d bytes; rrload: %d calls, %d bytes" % (in_n, in_b, want_r, want_bytes))
    if bad_cap:
        bad.append("%d calls without their %d content bytes (first: %s)" % (len(bad_cap), content, bad_cap[0]))
    if bad:
        print("; ".join(bad))
    else:
        print("ok %d data calls, %d bytes each way, content captured" % (out_n + in_n, want_bytes))


CALL = re.compile(r'^(\d+)\s+(?:(\w+)\((.*)|<\.\.\. (\w+) resumed>(.*))$')
RET = re.compile(r'\)\s+=\s+(-?\d+)(?:\s.*)?$')


def check_strace(path, rr_path):
    rr = load(rr_path)
    want_bytes = rr["bytes"]
    want_w = rr["client_writes"] + rr["server_writes"]
    want_r = rr["client_reads"] + rr["server_reads"]
    socks = {}     # pid -> set of socket fds
    pend = {}      # pid -> (call, first argument) of an unfinished call
    w_b = r_b = w_n = r_n = 0
    with open(path, errors="replace") as f:
        for line in f:
            m = CALL.match(line.rstrip("\n"))
            if not m:
                continue
            pid = int(m.group(1))
            if m.group(2):
                call, rest = m.group(2), m.group(3)
                arg0 = rest.split(",", 1)[0].strip()
                if rest.endswith("<unfinished ...>"):
                    pend[pid] = (call, arg0)
                    continue
            else:
                call, rest = m.group(4), m.group(5)
                call, arg0 = pend.pop(pid, (call, ""))
            rm = RET.search(rest)
            if not rm:
                continue
            ret = int(rm.group(1))
            if call in ("socket", "accept", "accept4") and ret >= 0:
                socks.setdefault(pid, set()).add(str(ret))
            elif call in ("read", "write") and ret > 0 and arg0 in socks.get(pid, ()):
                if call == "write":
                    w_b += ret
                    w_n += 1
                else:
                    r_b += ret
                    r_n += 1
    bad = []
    if w_b != want_bytes or w_n != want_w:
        bad.append("strace writes on sockets: %d calls, %d bytes; rrload: %d calls, %d bytes" % (w_n, w_b, want_w, want_bytes))
    if r_b != want_bytes or r_n != want_r:
        bad.append("strace reads on sockets: %d calls, %d bytes; rrload: %d calls, %d bytes" % (r_n, r_b, want_r, want_bytes))
    print("; ".join(bad) if bad else "ok %d socket calls, %d bytes each way" % (w_n + r_n, want_bytes))


def check_forks(dump, ff_path):
    ff = load(ff_path)
    n = ff["iterations"]
    forks = execs = exits = bad_exit = 0
    parent = ff["pid"]
    children = set()
    recs = [json.loads(l) for l in open(dump) if l.strip()]
    for r in recs:
        if r.get("type") != "proc":
            continue
        if r["kind"] == "fork" and r["pid"] == parent and not r.get("thread"):
            forks += 1
            children.add(r["child_pid"])
    for r in recs:
        if r.get("type") != "proc" or r.get("pid") not in children:
            continue
        if r["kind"] == "exec" and "--child" in r.get("argv", []):
            execs += 1
        elif r["kind"] == "exit" and r.get("group"):
            exits += 1
            bad_exit += r.get("exit_code") != 0
    if forks == execs == exits == n and not bad_exit:
        print("ok %d forks, execs, exits" % n)
    else:
        print("stored: %d forks of pid %d, %d execs with --child, %d exits (%d non-zero); fdfork ran %d" % (
            forks, parent, execs, exits, bad_exit, n))


def check_strace_forks(path, ff_path):
    ff = load(ff_path)
    n, parent = ff["iterations"], str(ff["pid"])
    clones = execs = exits = 0
    children = set()
    with open(path, errors="replace") as f:
        for line in f:
            pid, _, rest = line.partition(" ")
            rest = rest.strip()
            if pid == parent and re.match(r"(clone3?|fork|vfork)\(", rest):
                m = RET.search(rest)
                if m and int(m.group(1)) > 0:
                    clones += 1
                    children.add(m.group(1))
            elif pid in children and rest.startswith("execve(") and '"--child"' in rest and rest.endswith("= 0"):
                execs += 1
            elif pid in children and rest == "+++ exited with 0 +++":
                exits += 1
    if clones == execs == exits == n:
        print("ok %d clones, execs, exits" % n)
    else:
        print("strace shows %d clones of pid %s, %d execs with --child, %d exits with 0; fdfork ran %d" % (
            clones, parent, execs, exits, n))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    mode, a = sys.argv[1], sys.argv[2:]
    if mode == "dump" and len(a) == 4:
        check_dump(*a)
    elif mode == "strace" and len(a) == 2:
        check_strace(*a)
    elif mode == "forks" and len(a) == 2:
        check_forks(*a)
    elif mode == "strace-forks" and len(a) == 2:
        check_strace_forks(*a)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
