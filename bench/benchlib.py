#!/usr/bin/env python3
"""benchlib.py — small helpers for bench/run.sh (JSON in, one value or one line out).

  get KEY [KEY...] < JSON          print the values of top-level keys (space separated)
  status < probe-status-json       print "recorded ring_drops backlog_bytes points" (sums over points)
  count [POINT_SUBSTR] < jsonl     sum "packets" of `store count --json` lines (optionally only
                                   points whose name contains POINT_SUBSTR)
  lost < jsonl                     sum "lost" of `store count --json` lines
  pcap FILE                        "packets bytes_on_disk snaplen" of a classic pcap file
  spread V...                      "min median max" of numbers
  row KEY=VALUE...                 one JSON object (values: JSON if they parse, else strings)
  report ROWS.jsonl META.json OUT_DIR   write OUT_DIR/latest.{md,json}, print the table
"""
import json
import os
import statistics
import struct
import sys


def jin():
    return json.load(sys.stdin)


def cmd_get(keys):
    o = jin()
    print(" ".join(str(o.get(k, "")) for k in keys))


def cmd_status():
    o = jin()
    pts = o.get("points", [])
    print(sum(p["recorded"] for p in pts), sum(p["ring_drops"] for p in pts),
          o.get("ring_backlog_bytes", 0), len(pts))


def lines():
    for line in sys.stdin:
        line = line.strip()
        if line:
            yield json.loads(line)


def cmd_count(args):
    sub = args[0] if args else ""
    print(sum(o["packets"] for o in lines() if sub in o["point"]))


def cmd_lost():
    print(sum(o.get("lost", 0) for o in lines()))


def cmd_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        print(0, len(data), 0)
        return
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    snap = struct.unpack(end + "I", data[16:20])[0]
    off, n = 24, 0
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        off += 16 + incl
        if off > len(data):
            break
        n += 1
    print(n, len(data), snap)


def cmd_spread(vals):
    v = sorted(float(x) for x in vals)
    if not v:
        print("- - -")
        return
    print(v[0], statistics.median(v), v[-1])


def cmd_row(kvs):
    o = {}
    for kv in kvs:
        k, _, v = kv.partition("=")
        try:
            o[k] = json.loads(v)
        except ValueError:
            o[k] = v
    print(json.dumps(o))


def fmt(x):
    if isinstance(x, float):
        if abs(x) >= 1000:
            return "{:,.0f}".format(x)
        if abs(x) >= 10:
            return "{:.1f}".format(x)
        return "{:.2f}".format(x)
    if isinstance(x, int):
        return "{:,}".format(x)
    return str(x) if x not in (None, "") else "-"


def cmd_report(rows_path, meta_path, out_dir):
    rows = []
    if os.path.exists(rows_path):
        with open(rows_path) as f:
            rows = [json.loads(l) for l in f if l.strip()]
    with open(meta_path) as f:
        meta = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "latest.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
        f.write("\n")
    hdr = ["benchmark", "workload", "provtap", "peer", "peer figure", "ratio", "reps",
           "spread (min / median / max)", "target", "result"]
    out = []
    out.append("# provtap benchmarks — %s" % meta.get("date", ""))
    out.append("")
    out.append("%s; kernel %s; %s CPUs (%s); commit %s%s; mode %s." % (
        meta.get("host", ""), meta.get("kernel", ""), meta.get("cpus", ""), meta.get("cpu_model", ""),
        meta.get("commit", ""), " (+ uncommitted changes)" if meta.get("dirty") else "",
        "QUICK" if meta.get("quick") else "full"))
    secs = meta.get("section_seconds")
    if meta.get("seconds") is not None:
        out.append("")
        out.append("Run time %d s%s." % (meta["seconds"], " (" + ", ".join(
            "%s %d s" % (k, v) for k, v in secs.items()) + ")" if secs else ""))
    out.append("")
    out.append("| " + " | ".join(hdr) + " |")
    out.append("|" + "|".join("---" for _ in hdr) + "|")
    for r in rows:
        sp = r.get("spread")
        spread = " / ".join(fmt(x) for x in sp) if isinstance(sp, list) else fmt(sp)
        if r.get("unit") and isinstance(sp, list):
            spread += " " + r["unit"]
        res = r.get("result", "")
        if res == "FAILED" and r.get("reason"):
            res = "FAILED: " + r["reason"]
        cells = [r.get("name", ""), r.get("workload", ""),
                 (fmt(r.get("value")) + (" " + r["unit"] if r.get("unit") else "")) if r.get("value") is not None else "-",
                 r.get("peer", ""), fmt(r.get("peer_value")), fmt(r.get("ratio")), fmt(r.get("reps")), spread,
                 r.get("target", ""), res]
        out.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    notes = [r for r in rows if r.get("note")]
    if notes:
        out.append("")
        for r in notes:
            out.append("- **%s**: %s" % (r.get("name", ""), r["note"]))
    text = "\n".join(out) + "\n"
    with open(os.path.join(out_dir, "latest.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    c, a = sys.argv[1], sys.argv[2:]
    if c == "get":
        cmd_get(a)
    elif c == "status":
        cmd_status()
    elif c == "count":
        cmd_count(a)
    elif c == "lost":
        cmd_lost()
    elif c == "pcap":
        cmd_pcap(a[0])
    elif c == "spread":
        cmd_spread(a)
    elif c == "row":
        cmd_row(a)
    elif c == "report":
        cmd_report(*a)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
