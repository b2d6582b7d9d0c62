#!/usr/bin/env python3
"""Request/response latency: a tiny echo server (TCP and UDP on one port) and a client that measures round trips.

    rr.py server --port 7000
    rr.py client --host 10.30.0.4 --port 7000 --proto udp|tcp (--rate 20 --seconds 20 | --seconds 2)

The client sends one fixed-size request, waits for its echo, and records the round trip with
time.perf_counter_ns. --rate R paces requests at R per second (a sparse request hits cold caches and sleeping
threads, like a real RPC); --rate 0 sends the next one as soon as the answer is back (back to back). It
prints one JSON line: sample count, lost (UDP requests with no answer within --timeout), and RTT percentiles
in microseconds. Python adds the same few tens of microseconds to every path, so compare paths with each
other (bench/e2e/run reports (p50 - kernel p50)/2 as the added one-way latency), not with sockperf.
"""
import argparse
import json
import math
import socket
import struct
import sys
import threading
import time


def serve(port: int, size: int) -> None:
    # Dual-stack sockets: one server answers the IPv4 and the IPv6 Service IPs.
    def tcp_conn(conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with conn:
            while True:
                data = recv_exact(conn, size)
                if data is None:
                    return
                conn.sendall(data)

    def tcp_accept() -> None:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
        s.listen(64)
        while True:
            conn, _ = s.accept()
            threading.Thread(target=tcp_conn, args=(conn,), daemon=True).start()

    def udp_echo() -> None:
        u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        u.bind(("::", port))
        while True:
            data, peer = u.recvfrom(65535)
            u.sendto(data, peer)

    threading.Thread(target=udp_echo, daemon=True).start()
    tcp_accept()


def recv_exact(conn: socket.socket, n: int):
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def percentile(sorted_values, q: float) -> float:
    # Nearest rank: the smallest sample with at least q of all samples at or below it.
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def client(host: str, port: int, proto: str, rate: float, seconds: float, size: int, timeout: float) -> dict:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if proto == "tcp":
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(5)
        s.connect((host, port))
    else:
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.connect((host, port))
        s.settimeout(timeout)
    rtts = []
    lost = 0
    seq = 0
    interval = 1.0 / rate if rate > 0 else 0.0
    start = time.perf_counter()
    deadline = start + seconds
    # A few unmeasured requests first: the first packets of a flow take the data plane's slow path
    # (table lookup, flow creation), which is a setup cost, not the per-request latency measured here.
    warmup = 5
    while True:
        now = time.perf_counter()
        if now >= deadline:
            break
        seq += 1
        msg = struct.pack("!Q", seq).ljust(size, b"x")
        t0 = time.perf_counter_ns()
        try:
            s.send(msg) if proto == "udp" else s.sendall(msg)
            if proto == "udp":
                while True:  # skip a late answer to an earlier request
                    data = s.recv(65535)
                    if data[:8] == msg[:8]:
                        break
            else:
                data = recv_exact(s, size)
                if data is None:
                    raise ConnectionError("server closed the connection")
            t1 = time.perf_counter_ns()
            if seq > warmup:
                rtts.append(round((t1 - t0) / 1000.0, 1))
        except socket.timeout:
            if seq > warmup:
                lost += 1
        if interval:
            # Paced: the next request at its slot, not "interval after the answer", so the rate stays R.
            next_at = start + seq * interval
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
    s.close()
    rtts.sort()
    return {
        "proto": proto,
        "rate": rate,
        "samples": len(rtts),
        "lost": lost,
        "p50_us": percentile(rtts, 0.50),
        "p99_us": percentile(rtts, 0.99),
        "p999_us": percentile(rtts, 0.999),
        "rtts_us": rtts if rate > 0 else None,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    sv = sub.add_parser("server")
    sv.add_argument("--port", type=int, default=7000)
    sv.add_argument("--size", type=int, default=64)
    cl = sub.add_parser("client")
    cl.add_argument("--host", required=True)
    cl.add_argument("--port", type=int, default=7000)
    cl.add_argument("--proto", choices=["udp", "tcp"], default="udp")
    cl.add_argument("--rate", type=float, default=0.0, help="requests per second; 0 = back to back")
    cl.add_argument("--seconds", type=float, default=2.0)
    cl.add_argument("--size", type=int, default=64)
    cl.add_argument("--timeout", type=float, default=0.5, help="seconds a UDP request waits before it counts as lost")
    a = p.parse_args()
    if a.mode == "server":
        serve(a.port, a.size)
        return 0
    print(json.dumps(client(a.host, a.port, a.proto, a.rate, a.seconds, a.size, a.timeout)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
