#!/usr/bin/env python3
"""tcpcheck.py — validity checks of the rtt/throughput query benchmark (bench/run_query_tcp.sh).

  tcpcheck.py rtt GEN.json PROVTAP_OUT SQLITE_OUT
      PROVTAP_OUT: `provtap query rtt '' --interval 1s --json`; SQLITE_OUT: lines
      "all|N|MIN|P50|P90|MAX" and "iv|BIN|N|P50" (µs). provtap, sqlite3 and the generator
      (bench/genstore --tcp) must agree on the interface's samples, min, p50, p90, max, and
      provtap and sqlite3 on every interval's samples and p50.
  tcpcheck.py throughput GEN.json PROVTAP_OUT SQLITE_OUT
      PROVTAP_OUT: `provtap query throughput '' --interval 1s --json`; SQLITE_OUT: lines
      "tp|BIN|POINT|PACKETS|BYTES". Every non-empty interval of every point equal, and the
      per-point totals equal the generator's.
  tcpcheck.py tshark-io GEN.json PROVTAP_OUT TSHARK_OUT
      TSHARK_OUT: `tshark -q -z io,stat,1,frame.interface_id==0,frame.interface_id==1` of the
      store's pcapng export: per interface, total frames = provtap's packets and total bytes =
      provtap's L3 bytes + 14 per frame (the synthesised Ethernet header); per interval the
      frames within 10 of provtap's (tshark bins by floating-point relative time, so a frame
      on a second boundary may land in the next interval).
  tcpcheck.py tshark-ackrtt GEN.json TSHARK_OUT
      TSHARK_OUT: tcp.analysis.ack_rtt values (s), one per line: as many as the generator's
      ACKs, with its p50 and max (µs).

Prints "ok ..." when everything agrees, else one line saying what differs. Exit 0 either way.
"""
import json
import re
import sys


def jl(path):
    return [json.loads(l) for l in open(path) if l.strip().startswith("{")]


def us(ms):
    return round(ms * 1000)


def sql_lines(path, tag):
    return [l.strip().split("|")[1:] for l in open(path) if l.startswith(tag + "|")]


def check_rtt(gen, prov, sql):
    g = gen["rtt"]
    rows = jl(prov)
    site = [r for r in rows if r["kind"] == "interface"]
    ivs = [r for r in rows if r["kind"] == "interval"]
    sa = sql_lines(sql, "all")
    siv = sql_lines(sql, "iv")
    bad = []
    want = [g["n"], g["min"], g["p50"], g["p90"], g["max"]]
    if len(site) != 1:
        bad.append("provtap gave %d interface rows" % len(site))
    else:
        s = site[0]
        got = [s["samples"]] + [us(s[k]) for k in ("min_ms", "p50_ms", "p90_ms", "max_ms")]
        if got != want:
            bad.append("interface samples/min/p50/p90/max us: provtap %s, generated %s" % (got, want))
    if len(sa) != 1 or [int(x) for x in sa[0]] != want:
        bad.append("sqlite3 all: %s, generated %s" % (sa, want))
    pi = [[r["samples"], us(r["p50_ms"])] for r in sorted(ivs, key=lambda r: r["start"])]
    si = [[int(x[1]), int(x[2])] for x in sorted(siv, key=lambda x: int(x[0]))]
    if pi != si:
        k = next((i for i in range(min(len(pi), len(si))) if pi[i] != si[i]), min(len(pi), len(si)))
        bad.append("intervals differ (provtap %d, sqlite3 %d; first at %d: %s vs %s)" % (
            len(pi), len(si), k, pi[k] if k < len(pi) else None, si[k] if k < len(si) else None))
    print("; ".join(bad) if bad else "ok %d samples in %d intervals" % (g["n"], len(pi)))


def prov_tput(prov, pts):
    rows = [r for r in jl(prov) if r["packets"]]
    return sorted(rows, key=lambda r: (r["start"], pts.index(r["point"])))


def check_tput(gen, prov, sql):
    pts = gen["points"]
    rows = prov_tput(prov, pts)
    p = [[pts.index(r["point"]), r["packets"], r["bytes"]] for r in rows]
    s = [[int(x[1]), int(x[2]), int(x[3])] for x in sorted(sql_lines(sql, "tp"), key=lambda x: (int(x[0]), int(x[1])))]
    bad = []
    if p != s:
        bad.append("intervals differ: provtap %d rows, sqlite3 %d" % (len(p), len(s)))
    for i in range(len(pts)):
        tp = sum(r[1] for r in p if r[0] == i)
        tb = sum(r[2] for r in p if r[0] == i)
        if [tp, tb] != [gen["packets"][i], gen["bytes"][i]]:
            bad.append("%s totals: provtap %d packets %d bytes, generated %d %d" % (
                pts[i], tp, tb, gen["packets"][i], gen["bytes"][i]))
    print("; ".join(bad) if bad else "ok %d point-intervals" % len(p))


BOUNDARY = 10
ROW = re.compile(r"^\|\s*(\d+)\s*<>\s*(\d+|Dur)\s*\|(.*)\|\s*$")


def check_tshark_io(gen, prov, tsh):
    pts = gen["points"]
    rows = prov_tput(prov, pts)
    bins = sorted({r["start"] for r in rows})
    want = []
    for b in bins:
        cells = []
        for i in range(len(pts)):
            r = next((x for x in rows if x["start"] == b and x["point"] == pts[i]), None)
            n, by = (r["packets"], r["bytes"]) if r else (0, 0)
            cells += [n, by + 14 * n]
        want.append(cells)
    got = []
    for line in open(tsh):
        m = ROW.match(line.strip())
        if m:
            got.append([int(x) for x in m.group(3).replace("|", " ").split()])
    # tshark bins by floating-point time relative to the first frame, so a frame exactly on
    # a second boundary can land in the neighbouring interval: totals must be equal, each
    # interval within BOUNDARY frames
    bad = []
    if len(got) != len(want) or any(len(g) != len(w) for g, w in zip(got, want)):
        bad.append("tshark gave %d intervals, provtap %d" % (len(got), len(want)))
    else:
        tot_g = [sum(c) for c in zip(*got)]
        tot_w = [sum(c) for c in zip(*want)]
        if tot_g != tot_w:
            bad.append("totals (frames, bytes per interface): tshark %s, provtap %s" % (tot_g, tot_w))
        shift = max(abs(g[c] - w[c]) for g, w in zip(got, want) for c in range(0, len(g), 2))
        if shift > BOUNDARY:
            bad.append("an interval differs by %d frames" % shift)
    if bad:
        print("tshark io,stat differs from provtap: " + "; ".join(bad))
    else:
        print("ok %d intervals x %d interfaces, totals equal, at most %d frames binned in a neighbouring interval" % (
            len(got), len(pts), shift))


def check_ackrtt(gen, tsh):
    v = sorted(round(float(l) * 1e6) for l in open(tsh) if l.strip())
    g = gen["ack_rtt"]
    n = len(v)
    got = [n, v[(n * 50 + 99) // 100 - 1] if n else None, v[-1] if n else None]
    want = [g["n"], g["p50"], g["max"]]
    print("ok %d ACK samples" % n if got == want else "tshark ack_rtt n/p50/max us %s, generated %s" % (got, want))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    mode, gen = sys.argv[1], json.load(open(sys.argv[2]))
    a = sys.argv[3:]
    if mode == "rtt" and len(a) == 2:
        check_rtt(gen, *a)
    elif mode == "throughput" and len(a) == 2:
        check_tput(gen, *a)
    elif mode == "tshark-io" and len(a) == 2:
        check_tshark_io(gen, *a)
    elif mode == "tshark-ackrtt" and len(a) == 1:
        check_ackrtt(gen, *a)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
