#!/usr/bin/env python3
"""traffic.py — bounded traffic generator and sink for provtap testbeds.

Run inside a namespace with `ip netns exec NS python3 scripts/traffic.py ...`.
Every mode stops by itself (bounded counts and times) and prints one JSON object
on stdout with its result.

  udp-send  --dst ADDR --port P --count N [--size BYTES] [--rate PPS] [--sport P]
            N datagrams of BYTES (>= 16) each; the payload starts with the
            sequence number (8 bytes, big endian) and a per-run id (8 bytes), so
            every datagram is distinct. --rate paces them (0: as fast as possible).
  udp-sink  --port P [--bind ADDR] [--count N] [--idle SEC] [--timeout SEC]
            counts datagrams; exits after N, after SEC of silence once the first
            one arrived (--idle), or at --timeout overall. Reports distinct sequences.
  tcp-server --port P [--bind ADDR] [--echo] [--conns N] [--timeout SEC]
            accepts N connections one after the other, reads each to EOF (echoing
            if --echo), reports bytes per connection.
  tcp-client --dst ADDR --port P --bytes B [--chunk C] [--rate BPS] [--timeout SEC]
            connects, sends B bytes, half-closes, reads whatever comes back to EOF.
  ready     --port P [--tcp] [--timeout SEC]
            waits until something listens on the port in this namespace (for
            scripts that start a sink/server in the background).
Addresses may be IPv4 or IPv6.
"""
import argparse
import json
import os
import select
import socket
import struct
import sys
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def udp_send(a):
    if a.size < 16:
        sys.exit("traffic: --size must be >= 16 (sequence number and run id)")
    run_id = (os.getpid() << 32) | (int(time.time()) & 0xFFFFFFFF)
    s = socket.socket(family_of(a.dst), socket.SOCK_DGRAM)
    if a.sport:
        s.bind(("::" if family_of(a.dst) == socket.AF_INET6 else "0.0.0.0", a.sport))
    s.connect((a.dst, a.port))
    pad = bytes((i & 0xFF for i in range(a.size - 16)))
    interval = 1.0 / a.rate if a.rate > 0 else 0.0
    start = time.monotonic()
    sent = errors = 0
    for seq in range(a.count):
        if interval:
            due = start + seq * interval
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        payload = struct.pack(">QQ", seq, run_id) + pad
        while True:
            try:
                s.send(payload)
                sent += 1
                break
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionRefusedError:
                # ICMP port unreachable from an earlier datagram: this one was not sent
                errors += 1
                continue
            except OSError as e:
                sys.exit("traffic: send #%d to %s:%d failed: %s" % (seq, a.dst, a.port, e))
    sock = s.getsockname()
    out({"mode": "udp-send", "sent": sent, "size": a.size, "dst": a.dst, "port": a.port,
         "sport": sock[1], "run_id": "%016x" % run_id, "refused_retries": errors,
         "seconds": round(time.monotonic() - start, 3)})


def udp_sink(a):
    fam = family_of(a.bind) if a.bind else socket.AF_INET6
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6 and not a.bind:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((a.bind or "::", a.port))
    start = time.monotonic()
    last = None
    n = nbytes = 0
    seqs = set()
    why = "timeout"
    while True:
        now = time.monotonic()
        if a.count and n >= a.count:
            why = "count"
            break
        left = a.timeout - (now - start)
        if last is not None:
            left = min(left, a.idle - (now - last))
            if a.idle - (now - last) <= 0:
                why = "idle"
                break
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        data = s.recv(65535)
        n += 1
        nbytes += len(data)
        last = time.monotonic()
        if len(data) >= 8:
            seqs.add(struct.unpack(">Q", data[:8])[0])
    out({"mode": "udp-sink", "received": n, "bytes": nbytes, "distinct": len(seqs), "port": a.port,
         "stopped_by": why, "seconds": round(time.monotonic() - start, 3)})


def tcp_server(a):
    fam = family_of(a.bind) if a.bind else socket.AF_INET6
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6 and not a.bind:
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind((a.bind or "::", a.port))
    ls.listen(8)
    deadline = time.monotonic() + a.timeout
    conns = []
    why = "conns"
    while len(conns) < a.conns:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([ls], [], [], left)[0]:
            why = "timeout"
            break
        c, peer = ls.accept()
        got = echoed = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([c], [], [], left)[0]:
                why = "timeout"
                break
            data = c.recv(65536)
            if not data:
                break
            got += len(data)
            if a.echo:
                c.sendall(data)
                echoed += len(data)
        c.close()
        conns.append({"peer": peer[0], "received": got, "echoed": echoed})
        if why == "timeout":
            break
    out({"mode": "tcp-server", "port": a.port, "connections": conns, "stopped_by": why,
         "received": sum(c["received"] for c in conns)})


def tcp_client(a):
    start = time.monotonic()
    deadline = start + a.timeout
    s = socket.create_connection((a.dst, a.port), timeout=a.timeout)
    chunk = bytes((i & 0xFF for i in range(a.chunk)))
    sent = back = 0
    s.setblocking(False)
    try:
        while sent < a.bytes:
            if time.monotonic() > deadline:
                sys.exit("traffic: tcp-client timed out after %d of %d bytes" % (sent, a.bytes))
            if a.rate:
                due = start + sent / a.rate
                d = due - time.monotonic()
                if d > 0:
                    time.sleep(min(d, 0.05))
                    continue
            r, w, _ = select.select([s], [s], [], 0.2)
            if r:
                data = s.recv(65536)
                back += len(data)
            if w:
                try:
                    sent += s.send(chunk[: min(a.chunk, a.bytes - sent)])
                except BlockingIOError:
                    pass
        s.shutdown(socket.SHUT_WR)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                sys.exit("traffic: tcp-client timed out waiting for EOF (%d bytes back)" % back)
            if not select.select([s], [], [], left)[0]:
                continue
            data = s.recv(65536)
            if not data:
                break
            back += len(data)
    finally:
        s.close()
    out({"mode": "tcp-client", "dst": a.dst, "port": a.port, "sent": sent, "received": back,
         "seconds": round(time.monotonic() - start, 3)})


def ready(a):
    # /proc/net/{udp,tcp}{,6} of the namespace we run in: is the port bound (listening for TCP)?
    files = ["/proc/net/tcp", "/proc/net/tcp6"] if a.tcp else ["/proc/net/udp", "/proc/net/udp6"]
    deadline = time.monotonic() + a.timeout
    want = ":%04X" % a.port
    while True:
        for f in files:
            try:
                with open(f) as fh:
                    next(fh)
                    for line in fh:
                        cols = line.split()
                        if cols[1].endswith(want) and (not a.tcp or cols[3] == "0A"):
                            out({"mode": "ready", "port": a.port, "ready": True})
                            return
            except FileNotFoundError:
                pass
        if time.monotonic() > deadline:
            out({"mode": "ready", "port": a.port, "ready": False})
            sys.exit(1)
        time.sleep(0.02)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("udp-send")
    s.add_argument("--dst", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--size", type=int, default=64)
    s.add_argument("--rate", type=float, default=0.0, help="datagrams per second (0 = no pacing)")
    s.add_argument("--sport", type=int, default=0)
    s = sub.add_parser("udp-sink")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--bind", default="")
    s.add_argument("--count", type=int, default=0)
    s.add_argument("--idle", type=float, default=2.0)
    s.add_argument("--timeout", type=float, default=60.0)
    s = sub.add_parser("tcp-server")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--bind", default="")
    s.add_argument("--echo", action="store_true")
    s.add_argument("--conns", type=int, default=1)
    s.add_argument("--timeout", type=float, default=60.0)
    s = sub.add_parser("tcp-client")
    s.add_argument("--dst", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--bytes", type=int, required=True)
    s.add_argument("--chunk", type=int, default=16384)
    s.add_argument("--rate", type=float, default=0.0, help="bytes per second (0 = no pacing)")
    s.add_argument("--timeout", type=float, default=60.0)
    s = sub.add_parser("ready")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--tcp", action="store_true")
    s.add_argument("--timeout", type=float, default=10.0)
    a = p.parse_args()
    {"udp-send": udp_send, "udp-sink": udp_sink, "tcp-server": tcp_server,
     "tcp-client": tcp_client, "ready": ready}[a.mode](a)


if __name__ == "__main__":
    main()
