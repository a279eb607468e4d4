#!/usr/bin/env python3
"""taillat.py — tail latency: run `provtap tail --json FILTER` and, for every packet
line, the time from the probe (the record's ts_ns, CLOCK_BOOTTIME) to the moment
this process read the line (CLOCK_BOOTTIME too: same clock, no offset needed).

usage: taillat.py --provtap BIN --socket PATH --filter EXPR --expect N --timeout S
                  [--ready-file F] [--warmup-port P]

Lines for UDP destination port --warmup-port are not measured; the first one makes
the script create --ready-file (the tail is connected and delivering). Stops after
--expect measured lines or --timeout seconds. Prints one JSON object: samples,
p50/p90/p99/max/min in ms, other lines (loss, tailgap), and whether the count is
complete.
"""
import argparse
import json
import os
import select
import signal
import subprocess
import sys
import time


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * len(xs) + 0.5)) - 1))
    return xs[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--provtap", required=True)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--filter", required=True)
    ap.add_argument("--expect", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--ready-file", default="")
    ap.add_argument("--warmup-port", type=int, default=0)
    a = ap.parse_args()

    p = subprocess.Popen([a.provtap, "tail", a.filter, "--json", "--socket", a.socket],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    lat = []
    other = {}
    warm = 0
    bad = 0
    buf = b""
    deadline = time.monotonic() + a.timeout
    fd = p.stdout.fileno()
    eof = False
    while len(lat) < a.expect and not eof:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        chunk = os.read(fd, 65536)
        now = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
        if not chunk:
            eof = True
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            try:
                o = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if o.get("type") != "pkt":
                t = o.get("type", "?")
                other[t] = other.get(t, 0) + 1
                continue
            if a.warmup_port and o.get("dport") == a.warmup_port:
                warm += 1
                if a.ready_file and not os.path.exists(a.ready_file):
                    open(a.ready_file, "w").close()
                continue
            lat.append((now - int(o["ts_ns"])) / 1e6)
    p.send_signal(signal.SIGTERM)
    try:
        _, err = p.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    res = {"samples": len(lat), "expected": a.expect, "complete": len(lat) == a.expect,
           "warmup_lines": warm, "other_lines": other, "unparsable": bad,
           "tail_eof": eof, "tail_stderr": err.decode(errors="replace")[-300:]}
    if lat:
        res.update({"min_ms": round(min(lat), 3), "p50_ms": round(pct(lat, 50), 3),
                    "p90_ms": round(pct(lat, 90), 3), "p99_ms": round(pct(lat, 99), 3),
                    "max_ms": round(max(lat), 3), "negative": sum(1 for x in lat if x < 0)})
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
