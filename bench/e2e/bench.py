#!/usr/bin/env python3
"""The measuring half of bench/e2e/run: it expects the lab up and bench/e2e/sla.json deployed (run does both).

It finds the instances through the CLI (`oak services/nodes/lab status --json`), adds the kernel peers inside the
lab's namespaces (routes between w1's and w2's instance subnets over the lab bridge; an nftables DNAT+masquerade
table in w1 for two spare addresses, kube-proxy style), then measures every path once per round, rounds
interleaved, and writes results.json, results.png and a table on stdout. Every figure of a round is set
against the kernel path of the same side in the same round: on this shared machine only figures taken at
the same moment compare.
"""
import argparse
import concurrent.futures
import ipaddress
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OAK = os.path.join(REPO, "oak")
RR = os.path.join(HERE, "rr.py")
IPERF_PORT = 5201
RR_PORT = 7000
# Spare addresses on the lab's own subnet that stand for "Service IPs" of the DNAT peer. No node has them:
# the DNAT rule in w1 rewrites them before routing, and bench.py checks the rule is in place before it sends.
DNAT_SAME_HOST = 250
DNAT_CROSS_HOST = 251
NFT_TABLE = "oakbench"

# name: (client service, server service, destination kind, side, nodes whose data plane must (or must not) move)
PATHS = {
    "kernel_same_node": ("cli", "near", "namespace", "same"),
    "kernel_cross_node": ("cli", "far", "namespace", "cross"),
    "service_same_node": ("cli", "near", "service", "same"),
    "service_cross_node": ("cli", "far", "service", "cross"),
    "service_cross_node_plain": ("cliplain", "farplain", "service", "cross"),
    "dnat_same_node": ("cli", "near", "dnat", "same"),
    "dnat_cross_node": ("cli", "far", "dnat", "cross"),
}
KERNEL_OF_SIDE = {"same": "kernel_same_node", "cross": "kernel_cross_node"}


def sh(*argv, check=True, input=None):
    r = subprocess.run(argv, capture_output=True, text=True, input=input)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}")
    return r.stdout


def oak_json(*args):
    return json.loads(sh(OAK, *args, "--json"))


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- discovery

class Lab:
    """What bench.py needs to know about the running lab, all read through the CLI."""

    def __init__(self, prefix):
        self.prefix = prefix
        status = oak_json("lab", "status")
        self.workers = {p["name"]: p for p in status["processes"] if p["role"] == "worker"}
        self.subnet = ".".join(self.workers["w1"]["addresses"][0].split(".")[:3])
        nodes = {n["node"]: n for n in oak_json("nodes")}
        self.nodes = nodes
        self.instances = {}
        for s in oak_json("services"):
            if not s["id"].startswith("bench.e2e."):
                continue
            inst = [i for i in s["instances"] if i["status"] == "Running" and i["placement"]]
            if not inst:
                raise RuntimeError(f"{s['id']} has no Running instance")
            p = inst[0]["placement"]
            node = nodes[p["node"]]
            host = int(ipaddress.ip_address(p["namespace_ipv4"])) - int(ipaddress.ip_network(node["subnet_v4"]).network_address)
            rr = next(x for x in s["service_ips"] if x["policy"] == "round_robin")
            self.instances[s["name"]] = {
                "node": p["node"],
                "netns": f"{prefix}{p['node']}-i{host}",
                "ns4": p["namespace_ipv4"], "ns6": p["namespace_ipv6"],
                "svc4": rr["ipv4"], "svc6": rr["ipv6"],
            }

    def node_ns(self, node):
        return self.prefix + node

    def node_ipv4(self, node):
        return self.workers[node]["addresses"][0]

    def worker_pid(self, node):
        return self.workers[node]["pid"]

    def destination(self, path, family):
        client, server, kind, side = PATHS[path]
        srv = self.instances[server]
        if kind == "namespace":
            return srv["ns4"] if family == 4 else srv["ns6"]
        if kind == "service":
            return srv["svc4"] if family == 4 else srv["svc6"]
        if family == 6:
            return None  # the DNAT peer is IPv4 only, as kube-proxy's iptables mode mostly is
        return f"{self.subnet}.{DNAT_SAME_HOST if side == 'same' else DNAT_CROSS_HOST}"


# ---------------------------------------------------------------- kernel peers (inside the lab's namespaces only)

def link_local(ns):
    out = sh("ip", "-n", ns, "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link")
    return out.split()[3].split("/")[0]


def add_kernel_peers(lab):
    """Routes w1 <-> w2 between the instance subnets over the lab bridge, and the DNAT table in w1."""
    w1, w2 = lab.node_ns("w1"), lab.node_ns("w2")
    n1, n2 = lab.nodes["w1"], lab.nodes["w2"]
    sh("ip", "-n", w1, "route", "replace", n2["subnet_v4"], "via", lab.node_ipv4("w2"))
    sh("ip", "-n", w2, "route", "replace", n1["subnet_v4"], "via", lab.node_ipv4("w1"))
    sh("ip", "-n", w1, "-6", "route", "replace", n2["subnet_v6"], "via", link_local(w2), "dev", "eth0")
    sh("ip", "-n", w2, "-6", "route", "replace", n1["subnet_v6"], "via", link_local(w1), "dev", "eth0")
    near, far = lab.instances["near"], lab.instances["far"]
    same, cross = lab.destination("dnat_same_node", 4), lab.destination("dnat_cross_node", 4)
    # The same-node DNAT forwards out of the bridge it came in on: without this the kernel would send the
    # client an ICMP redirect to go straight to the instance, for an address the instance does not have.
    sh("ip", "netns", "exec", w1, "sysctl", "-q", "-w", "net.ipv4.conf.all.send_redirects=0",
       "net.ipv4.conf.oak-br0.send_redirects=0")
    # A table left by an interrupted run would keep its rules next to the new ones: start from none.
    sh("ip", "netns", "exec", w1, "nft", "delete", "table", "ip", NFT_TABLE, check=False)
    sh("ip", "netns", "exec", w1, "nft", "-f", "-", input=f"""
table ip {NFT_TABLE} {{
  chain pre {{
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr {same} counter dnat to {near['ns4']}
    ip daddr {cross} counter dnat to {far['ns4']}
  }}
  chain post {{
    type nat hook postrouting priority srcnat; policy accept;
    ct status dnat ip daddr {{ {near['ns4']}, {far['ns4']} }} counter masquerade
  }}
}}
""")
    # Never send to a spare address unless the rule that rewrites it is there.
    rules = sh("ip", "netns", "exec", w1, "nft", "list", "table", "ip", NFT_TABLE)
    for addr in (same, cross):
        if f"ip daddr {addr} counter" not in rules:
            raise RuntimeError(f"DNAT rule for {addr} missing in {w1}")


def remove_kernel_peers(lab):
    w1, w2 = lab.node_ns("w1"), lab.node_ns("w2")
    n1, n2 = lab.nodes["w1"], lab.nodes["w2"]
    sh("ip", "netns", "exec", w1, "nft", "delete", "table", "ip", NFT_TABLE, check=False)
    sh("ip", "-n", w1, "route", "del", n2["subnet_v4"], check=False)
    sh("ip", "-n", w2, "route", "del", n1["subnet_v4"], check=False)
    sh("ip", "-n", w1, "-6", "route", "del", n2["subnet_v6"], check=False)
    sh("ip", "-n", w2, "-6", "route", "del", n1["subnet_v6"], check=False)


def dnat_counter(lab, path):
    """Packets the path's DNAT rule has rewritten (the first packet of each connection: nat chains see only those)."""
    addr = lab.destination(path, 4)
    for line in sh("ip", "netns", "exec", lab.node_ns("w1"), "nft", "list", "table", "ip", NFT_TABLE).splitlines():
        if f"ip daddr {addr} counter packets" in line:
            return int(line.split("packets")[1].split()[0])
    return 0


# ---------------------------------------------------------------- proof of path: the data plane's own counters

def node_counters(node):
    # The root asks the worker itself, with 5 s to answer; on a loaded machine a worker sometimes misses
    # that, so ask again before calling the proof unreadable.
    for attempt in range(4):
        try:
            return oak_json("table", node)["counters"]
        except RuntimeError as e:
            error = e
            time.sleep(1 + attempt)
    log(f"  oak table {node}: {error}")
    return None


def counters(nodes):
    with concurrent.futures.ThreadPoolExecutor(len(nodes) or 1) as pool:
        return dict(zip(nodes, pool.map(node_counters, nodes)))


def moved(before, after, key):
    """How far a counter moved on each node; None for a node whose table could not be read."""
    return {n: after[n][key] - before[n][key] if before[n] and after[n] else None for n in before}


# ---------------------------------------------------------------- CPU

def machine_jiffies():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]  # idle + iowait
    return sum(v[:8]), idle  # guest time is already in user


def forwarding_jiffies(pids):
    """utime+stime of the forwarding loop threads (named oak-dp-N by src/DataPlane/Loop/ForwardingLoop.cs)."""
    total = 0
    for pid in pids:
        task_dir = f"/proc/{pid}/task"
        for tid in os.listdir(task_dir):
            try:
                with open(f"{task_dir}/{tid}/comm") as f:
                    if not f.read().startswith("oak-dp"):
                        continue
                with open(f"{task_dir}/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
            except OSError:
                continue
    return total


class CpuMeter:
    def __init__(self, pids):
        self.pids = pids
        self.hz = os.sysconf("SC_CLK_TCK")
        self.ncpu = os.cpu_count()

    def start(self):
        self.t0 = time.monotonic()
        self.m0 = machine_jiffies()
        self.f0 = forwarding_jiffies(self.pids)

    def stop(self):
        dt = time.monotonic() - self.t0
        total, idle = machine_jiffies()
        d_total, d_idle = total - self.m0[0], idle - self.m0[1]
        machine_cores = (d_total - d_idle) / d_total * self.ncpu if d_total else 0.0
        fwd_cores = (forwarding_jiffies(self.pids) - self.f0) / self.hz / dt
        return machine_cores, fwd_cores


# ---------------------------------------------------------------- the tests

def iperf(netns, dest, streams, seconds):
    out = subprocess.run(["ip", "netns", "exec", netns, "iperf3", "-c", dest, "-p", str(IPERF_PORT), "-t", str(seconds),
                          "-O", "1", "-P", str(streams), "-J"], capture_output=True, text=True, timeout=seconds + 30)
    try:
        d = json.loads(out.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"iperf3 to {dest}: {out.stderr.strip() or out.stdout[:200]}")
    if "error" in d:
        raise RuntimeError(f"iperf3 to {dest}: {d['error']}")
    return d["end"]["sum_received"]["bits_per_second"] / 1e9, d["end"]["sum_sent"].get("retransmits", 0)


def rr_start(netns, dest, proto, rate, seconds):
    return subprocess.Popen(["ip", "netns", "exec", netns, sys.executable, RR, "client", "--host", dest, "--port", str(RR_PORT),
                             "--proto", proto, "--rate", str(rate), "--seconds", str(seconds)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def rr_finish(p):
    out, err = p.communicate(timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"rr.py client: {err.strip().splitlines()[-1] if err.strip() else p.returncode}")
    return json.loads(out)


def path_nodes(lab, path):
    client, server, kind, side = PATHS[path]
    return sorted({lab.instances[client]["node"], lab.instances[server]["node"]})


def measure_path(lab, path, args):
    """One round of one path: iperf3 1 and 4 streams (v4, and v6 where the path has it), back-to-back RR, CPU, proof."""
    client, server, kind, side = PATHS[path]
    netns = lab.instances[client]["netns"]
    nodes = path_nodes(lab, path)
    meter = CpuMeter([lab.worker_pid(n) for n in nodes])
    r = {"errors": []}
    before = counters(nodes)
    dnat_before = dnat_counter(lab, path) if kind == "dnat" else None
    for family, streams, key in ((4, 1, "tcp1"), (4, 4, "tcp4"), (6, 1, "tcp1_v6")):
        dest = lab.destination(path, family)
        if dest is None:
            continue
        try:
            meter.start()
            gbps, retr = iperf(netns, dest, streams, args.iperf_seconds)
            machine_cores, fwd_cores = meter.stop()
            r[f"{key}_gbps"] = gbps
            r[f"{key}_retransmits"] = retr
            if key == "tcp1":
                r["cpu_cores"] = machine_cores
                r["cpu_per_gbps"] = machine_cores / gbps if gbps else None
                r["fwd_cpu_cores"] = fwd_cores
                r["fwd_cpu_per_gbps"] = fwd_cores / gbps if gbps else None
        except Exception as e:  # a failed test is reported, the other tests of the round still run
            r["errors"].append(f"{key}: {e}")
    for proto in ("udp", "tcp"):
        try:
            res = rr_finish(rr_start(netns, lab.destination(path, 4), proto, 0, args.b2b_seconds))
            r[f"{proto}_b2b"] = {k: res[k] for k in ("samples", "lost", "p50_us", "p99_us", "p999_us")}
        except Exception as e:
            r["errors"].append(f"{proto} back to back: {e}")
    after = counters(nodes)
    translated = moved(before, after, "packets_translated")
    r["packets_translated"] = translated
    # Drops that moved during the tests, per node and reason: where a slow path loses its packets.
    r["drops_moved"] = {n: {k: after[n]["drops"][k] - before[n]["drops"][k] for k in after[n]["drops"]
                            if after[n]["drops"][k] != before[n]["drops"].get(k, 0)}
                        for n in nodes if before[n] and after[n]}
    unread = [n for n, d in translated.items() if d is None]
    r["valid"] = not unread
    if unread:
        r["errors"].append(f"no proof of path: oak table {', '.join(unread)} did not answer")
    if kind == "service":
        # Gigabytes went through: the data plane must have translated at least thousands of packets on
        # every node of the path (client side out, server side in), else the traffic took another way.
        low = [n for n, d in translated.items() if d is not None and d < 1000]
        if low:
            r["valid"] = False
            r["errors"].append(f"data-plane counters did not move on {', '.join(low)}: not our path")
        if side == "cross":
            r["tunnel_datagrams_out"] = moved(before, after, "tunnel_datagrams_out")
    else:
        # The kernel peers must bypass our data plane: a few packets (tunnel probes, other flows) may pass,
        # not the benchmark's gigabytes.
        busy = [n for n, d in translated.items() if d is not None and d > 1000]
        if busy:
            r["valid"] = False
            r["errors"].append(f"data plane translated packets on {', '.join(busy)}: the kernel path went through it")
        if kind == "dnat":
            hits = dnat_counter(lab, path) - dnat_before
            r["dnat_rule_hits"] = hits
            if hits <= 0:
                r["valid"] = False
                r["errors"].append("the DNAT rule counted no connection")
    return r


def paced_round(lab, args):
    """Every path's 20 req/s UDP and TCP clients at once: at that rate they hardly meet, and every path
    sees the same moment of the machine. Returns path -> proto -> result with the raw RTTs."""
    procs = {}
    for path in PATHS:
        netns = lab.instances[PATHS[path][0]]["netns"]
        for proto in ("udp", "tcp"):
            procs[(path, proto)] = rr_start(netns, lab.destination(path, 4), proto, args.rate, args.paced_seconds)
    out = {}
    for (path, proto), p in procs.items():
        try:
            out.setdefault(path, {})[proto] = rr_finish(p)
        except Exception as e:
            out.setdefault(path, {})[proto] = {"error": str(e)}
    return out


# ---------------------------------------------------------------- summary

def pct(sorted_values, q):
    # Nearest rank: the smallest sample with at least q of all samples at or below it.
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def med_range(values):
    v = [x for x in values if x is not None]
    if not v:
        return None, None
    return round(statistics.median(v), 3), [round(min(v), 3), round(max(v), 3)]


def summarize(rounds, paced, args, lab):
    paths = {}
    for path in PATHS:
        side = PATHS[path][3]
        kernel = KERNEL_OF_SIDE[side]
        per = [rd[path] for rd in rounds]
        valid = [i for i, p in enumerate(per) if p.get("valid")]
        s = {"side": side, "kernel_reference": kernel, "rounds_valid": len(valid), "rounds_invalid": len(per) - len(valid),
             "errors": sorted({e for p in per for e in p["errors"]})}

        def put(name, values, digits=3):
            m, rg = med_range([values[i] for i in valid] if valid else [])
            s[name] = None if m is None else round(m, digits)
            s[name + "_range"] = rg

        for key in ("tcp1_gbps", "tcp4_gbps", "tcp1_v6_gbps", "cpu_per_gbps", "fwd_cpu_per_gbps"):
            put(key, [p.get(key) for p in per])
        # Ratios round by round: this path's figure over the kernel path's figure of the same round.
        for key in ("tcp1", "tcp4", "tcp1_v6"):
            put(f"ratio_{key}", [ratio(p.get(f"{key}_gbps"), rd[kernel].get(f"{key}_gbps")) for p, rd in zip(per, rounds)])
        # Latency at 20 req/s: every round's RTTs pooled, so p999 rests on rounds x seconds x rate samples.
        for proto in ("udp", "tcp"):
            pooled = sorted(x for rd in paced for x in (rd[path][proto].get("rtts_us") or []))
            lost = sum(rd[path][proto].get("lost", 0) for rd in paced)
            s[f"{proto}_paced"] = {"samples": len(pooled), "lost": lost, "p50_us": pct(pooled, 0.5),
                                   "p99_us": pct(pooled, 0.99), "p999_us": pct(pooled, 0.999)}
            b2b = [p.get(f"{proto}_b2b") for p in per]
            s[f"{proto}_b2b"] = {q: med_range([b[q] if b else None for b in b2b])[0] for q in ("p50_us", "p99_us", "p999_us")}
            s[f"{proto}_b2b"]["p50_us_range"] = med_range([b["p50_us"] if b else None for b in b2b])[1]
        s["rtt_p50_us"] = s["udp_paced"]["p50_us"]
        s["rtt_p99_us"] = s["udp_paced"]["p99_us"]
        s["rtt_p999_us"] = s["udp_paced"]["p999_us"]
        s["tcp_rtt_p50_us"] = s["tcp_paced"]["p50_us"]
        s["rounds"] = per
        paths[path] = s
    for path, s in paths.items():
        k = paths[s["kernel_reference"]]
        s["added_half_rtt_p50_us"] = half_diff(s["rtt_p50_us"], k["rtt_p50_us"])
        s["added_half_rtt_p50_us_tcp"] = half_diff(s["tcp_rtt_p50_us"], k["tcp_rtt_p50_us"])
        s["added_half_rtt_p50_us_b2b"] = half_diff(s["udp_b2b"]["p50_us"], k["udp_b2b"]["p50_us"])
    return paths


def ratio(a, b):
    return a / b if a and b else None


def half_diff(a, b):
    return None if a is None or b is None else round((a - b) / 2, 1)


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": os.uname().release,
            "iperf3": sh("iperf3", "--version").splitlines()[0]}


def loadavg():
    return open("/proc/loadavg").read().split()[:3]


def fmt(v, digits=2):
    return "-" if v is None else f"{v:.{digits}f}"


def table(paths):
    head = f"{'PATH':26} {'TCP1 Gb/s':>10} {'RATIO':>6} {'TCP4 Gb/s':>10} {'V6 TCP1':>8} {'P50 us':>7} {'P99 us':>7} {'+HALF':>6} {'B2B P50':>8} {'CPU/Gb':>7} {'FWD/Gb':>7} {'OK':>4}"
    lines = [head]
    for name, s in paths.items():
        lines.append(f"{name:26} {fmt(s['tcp1_gbps']):>10} {fmt(s['ratio_tcp1']):>6} {fmt(s['tcp4_gbps']):>10} "
                     f"{fmt(s['tcp1_v6_gbps']):>8} {fmt(s['rtt_p50_us'], 0):>7} {fmt(s['rtt_p99_us'], 0):>7} "
                     f"{fmt(s['added_half_rtt_p50_us'], 0):>6} {fmt(s['udp_b2b']['p50_us'], 0):>8} "
                     f"{fmt(s['cpu_per_gbps']):>7} {fmt(s['fwd_cpu_per_gbps']):>7} "
                     f"{s['rounds_valid']}/{s['rounds_valid'] + s['rounds_invalid']:>1}")
    return "\n".join(lines)


def plot(paths, result, png):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib missing (apt-get install -y python3-matplotlib): no PNG")
        return False
    names = list(paths)
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.5))
    colors = ["#555555" if n.startswith("kernel") else "#1f77b4" if n.startswith("service") else "#ff7f0e" for n in names]
    for ax, key, title in ((axes[0], "tcp1_gbps", "iperf3, 1 stream (Gbit/s)"), (axes[1], "tcp4_gbps", "iperf3, 4 streams (Gbit/s)")):
        vals = [paths[n][key] or 0 for n in names]
        err = [[v - (paths[n][key + "_range"] or [v, v])[0] for n, v in zip(names, vals)],
               [(paths[n][key + "_range"] or [v, v])[1] - v for n, v in zip(names, vals)]]
        ax.barh(names, vals, xerr=err, color=colors, capsize=3)
        ax.set_title(title)
        ax.invert_yaxis()
    ax = axes[2]
    p50 = [paths[n]["rtt_p50_us"] or 0 for n in names]
    p99 = [paths[n]["rtt_p99_us"] or 0 for n in names]
    ax.barh(names, p99, color="#dddddd", label="p99")
    ax.barh(names, p50, color=colors, label="p50")
    ax.set_xscale("log")
    ax.set_title(f"UDP request/response RTT at {result['rate']:g} req/s (us)")
    ax.legend(loc="lower right")
    ax.invert_yaxis()
    for a in axes[1:]:
        a.set_yticklabels([])
    fig.suptitle(f"bench/e2e: {result['machine']['nproc']} cores {result['machine']['cpu']}, kernel {result['machine']['kernel']}, "
                 f"{result['date']}, {result['rounds']} rounds, load {' '.join(result['load_before'])} (shared machine)", fontsize=9)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    return True


def results_md(result, table_text, png_written):
    """RESULTS.md: the figures with the machine, load and date they were taken at."""
    m = result["machine"]
    p = result["paths"]
    st = result["settings"]
    lines = [
        "# bench/e2e results",
        "",
        "Written by `bench/e2e/run` (bench.py) from `results.json`; what every figure means is in [README.md](README.md).",
        "",
        f"- **date**: {result['date']} ({result['seconds']} s of measuring, {result['rounds']} interleaved rounds)",
        f"- **machine**: {m['nproc']} cores, {m['cpu']}, kernel {m['kernel']}, {m['iperf3']}",
        f"- **load average** (1, 5, 15 min): {' '.join(result['load_before'])} before, {' '.join(result['load_after'])} after "
        "(a shared machine: other engineers' builds and tests may have run at the same time; "
        "only the ratios to the kernel path of the same round are meant to be compared)",
        f"- **settings**: iperf3 {st['iperf_seconds']} s per test after {st['iperf_omit_seconds']} s omitted; request/response "
        f"{st['request_bytes']}-byte echoes, paced at {result['rate']:g}/s for {st['paced_seconds']:g} s per round on every path at once, "
        f"back to back for {st['b2b_seconds']:g} s per path and round",
        "",
        "```",
        table_text,
        "```",
        "",
    ]
    if png_written:
        lines += ["![bench/e2e results](results.png)", ""]
    lines += ["Medians over the valid rounds, [min, max] over rounds:", "",
              "| path | TCP 1 stream Gbit/s | ratio to kernel | TCP 4 streams Gbit/s | IPv6 TCP 1 Gbit/s | UDP RTT p50 / p99 / p999 µs (20/s) | added half-RTT p50 µs | back-to-back UDP p50 µs | cores per Gbit/s (machine / forwarding) |",
              "|---|---|---|---|---|---|---|---|---|"]
    for name, s in p.items():
        def mr(key, d=2):
            return "–" if s[key] is None else f"{s[key]:.{d}f} [{s[key + '_range'][0]:.{d}f}, {s[key + '_range'][1]:.{d}f}]"
        u = s["udp_paced"]
        lines.append(f"| `{name}` | {mr('tcp1_gbps')} | {mr('ratio_tcp1')} | {mr('tcp4_gbps')} | {mr('tcp1_v6_gbps')} | "
                     f"{fmt(u['p50_us'], 0)} / {fmt(u['p99_us'], 0)} / {fmt(u['p999_us'], 0)} | {fmt(s['added_half_rtt_p50_us'], 0)} | "
                     f"{fmt(s['udp_b2b']['p50_us'], 0)} | {fmt(s['cpu_per_gbps'])} / {fmt(s['fwd_cpu_per_gbps'])} |")
    invalid = {n: s["errors"] for n, s in p.items() if s["errors"]}
    if invalid:
        lines += ["", "Problems reported by the run:", ""] + [f"- `{n}`: {'; '.join(e)}" for n, e in invalid.items()]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iperf-seconds", type=int, default=3, help="per iperf3 test, after one omitted second")
    ap.add_argument("--b2b-seconds", type=float, default=1.5, help="per back-to-back request/response test")
    ap.add_argument("--paced-seconds", type=float, default=15, help="per paced request/response test and round")
    ap.add_argument("--rate", type=float, default=20, help="requests per second of the paced test")
    ap.add_argument("--prefix", default=os.environ.get("OAK_LAB_PREFIX", "oakb-"))
    ap.add_argument("--out", default=HERE, help="folder for results.json and results.png")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()

    lab = Lab(args.prefix)
    log("instances: " + ", ".join(f"{k} on {v['node']} ({v['ns4']}, service {v['svc4']})" for k, v in lab.instances.items()))
    add_kernel_peers(lab)
    rng = random.Random(args.seed)
    result = {"machine": machine(), "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "rounds": args.rounds,
              "load_before": loadavg(), "rate": args.rate,
              "settings": {"iperf_seconds": args.iperf_seconds, "iperf_omit_seconds": 1, "b2b_seconds": args.b2b_seconds,
                           "paced_seconds": args.paced_seconds, "request_bytes": 64}}
    rounds, paced = [], []
    result["path_order"] = []
    started = time.monotonic()
    try:
        for i in range(args.rounds):
            # Each round runs every path once, in a fresh random order, so a neighbour's busy spell lands on
            # different paths in different rounds instead of always on the same one.
            order = list(PATHS)
            rng.shuffle(order)
            result["path_order"].append(order)
            log(f"round {i + 1}/{args.rounds} (load {' '.join(loadavg())}): paced request/response on every path, {args.paced_seconds:g} s")
            paced.append(paced_round(lab, args))
            rd = {}
            for path in order:
                t = time.monotonic()
                rd[path] = measure_path(lab, path, args)
                p = rd[path]
                log(f"  {path:26} tcp1 {fmt(p.get('tcp1_gbps'))} tcp4 {fmt(p.get('tcp4_gbps'))} v6 {fmt(p.get('tcp1_v6_gbps'))} Gbit/s, "
                    f"udp b2b p50 {fmt((p.get('udp_b2b') or {}).get('p50_us'), 0)} us, {'valid' if p['valid'] else 'INVALID'} "
                    f"({time.monotonic() - t:.0f} s){'; ' + '; '.join(p['errors']) if p['errors'] else ''}")
            rounds.append(rd)
    finally:
        remove_kernel_peers(lab)
    result["load_after"] = loadavg()
    result["seconds"] = round(time.monotonic() - started)
    result["paths"] = summarize(rounds, paced, args, lab)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    png = plot(result["paths"], result, os.path.join(args.out, "results.png"))
    text = table(result["paths"])
    with open(os.path.join(args.out, "RESULTS.md"), "w") as f:
        f.write(results_md(result, text, png))
    print(f"bench/e2e: {result['rounds']} rounds, {result['date']}, {result['machine']['nproc']} x {result['machine']['cpu']}, "
          f"load {' '.join(result['load_before'])} -> {' '.join(result['load_after'])}, {result['seconds']} s")
    print(text)
    print("RATIO = TCP1 / the kernel path of the same side, same round (median); +HALF = (p50 - kernel p50)/2 at "
          f"{args.rate:g} req/s UDP; CPU/Gb, FWD/Gb = cores busy (machine, forwarding threads) per Gbit/s of TCP1")
    return 0 if all(s["rounds_invalid"] == 0 for s in result["paths"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
