#!/usr/bin/env python3
"""querycheck.py — bench/run.sh's validity check of the query benchmark.

  querycheck.py GEN.json PROVTAP_OUT SQLITE_OUT MODE [FROM TO]

GEN.json: bench/genstore's summary (the known answers). PROVTAP_OUT: the JSON lines of
`provtap query hops|loss|delay --json`. SQLITE_OUT: sqlite3's output of the equivalent SQL,
lines "seg|A|B|loss|N" and "seg|A|B|delay|COUNT|P50|P90|P99|MAX" (µs). MODE: hops, loss or
delay (FROM TO: the point names of the segment, for loss and delay).

Prints "ok" when provtap, sqlite3 and the generator agree on every figure the mode reports
(lost packets, delay count and nearest-rank p50/p90/p99 in µs, max within 1 µs of rounding),
else one line saying what differs. Exit 0 either way (the caller reads the line).
"""
import json
import sys


def main():
    gen = json.load(open(sys.argv[1]))
    prov = [json.loads(l) for l in open(sys.argv[2]) if l.strip().startswith("{")]
    mode = sys.argv[4]
    pts = gen["points"]
    sql = {}
    for line in open(sys.argv[3]):
        f = line.strip().split("|")
        if len(f) >= 5 and f[0] == "seg":
            sql[(int(f[1]), int(f[2]), f[3])] = [int(x) for x in f[4:]]
    segs = [(i, i + 1) for i in range(len(pts) - 1)]
    if mode != "hops":
        a, b = pts.index(sys.argv[5]), pts.index(sys.argv[6])
        segs = [(a, b)]
    bad = []
    for k, (a, b) in enumerate(segs):
        gd = gen["delay_us"][a] if b == a + 1 else None
        glost = gen["lost"] if (pts[a], pts[b]) == (gen["lost_from"], gen["lost_to"]) else 0
        sl = sql.get((a, b, "loss"))
        sd = sql.get((a, b, "delay"))
        if mode == "hops":
            p = next((o for o in prov if o.get("from") == pts[a] and o.get("to") == pts[b]), None)
            if p is None:
                bad.append("provtap has no row %s -> %s" % (pts[a], pts[b]))
                continue
            pl, pd = p["lost"], [p["at_to"]] + [round(p["delay_%s_ms" % q] * 1000) for q in ("p50", "p90", "p99", "max")]
        elif mode == "loss":
            p = prov[0] if prov else {}
            pl, pd = p.get("lost"), None
        else:
            p = prov[0] if prov else {}
            pl, pd = None, [p.get("count")] + [round(p.get(q + "_ms", -1) * 1000) for q in ("p50", "p90", "p99", "max")]
        name = "%s->%s" % (pts[a], pts[b])
        if mode in ("hops", "loss"):
            if sl is None:
                bad.append("sqlite3 gave no loss for " + name)
            elif not (pl == sl[0] == glost):
                bad.append("%s lost: provtap %s, sqlite3 %s, generated %s" % (name, pl, sl[0], glost))
        if mode in ("hops", "delay"):
            if sd is None:
                bad.append("sqlite3 gave no delay for " + name)
                continue
            want = [gd["n"], gd["p50"], gd["p90"], gd["p99"], gd["max"]] if gd else sd
            same = pd[:4] == sd[:4] == want[:4] and abs(pd[4] - sd[4]) <= 1 and sd[4] == want[4]
            if not same:
                bad.append("%s delay count/p50/p90/p99/max us: provtap %s, sqlite3 %s, generated %s" % (name, pd, sd, want))
    print("; ".join(bad) if bad else "ok")


if __name__ == "__main__":
    main()
