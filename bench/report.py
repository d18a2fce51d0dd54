#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/report.py OUT MODES: turns bench/run's raw results (OUT/raw) into
OUT/results.json (every figure and the environment), OUT/results.md (the
tables, also printed) and OUT/*.png (gnuplot). Exits 1 when a mode produced
no data at all; a figure never fails the run.

Raw layout (written by bench/guest.sh and bench/run):
  raw/env-host.json, raw/s4.json           host side; "where": vm or host
  raw/<where>/results/env-guest.json       the kernel, cores, profile of S1-S3
  raw/<where>/results/<mode>/s1.json, s1.cdf    rr_prober (S1)
  raw/<where>/results/<mode>/s2-{idle,load}.<round>.sockperf.txt, .csv,
                             s2-load.<round>.iperf3.json (S2)
  raw/<where>/results/<mode>/s3-*.iperf3.json   (S3)
  raw/<where>/results/<mode>/s5-{idle,load}.<round>.json, .samples
                             (rr_prober), s5-load.<round>.iperf3.json (S5)
  raw/<where>/results/<mode>/<run>.{before,after}.{qdisc,bwm}.json  counters
"""
import json
import os
import re
import subprocess
import sys

# TCP goodput over Ethernet with a 1500-byte MTU and TCP timestamps: 1448
# payload bytes per 1514-byte frame (what tc and bwm count as wire length).
TCP_CEILING = 1448 / 1514
# The same over IPv6 (S3's runs, where BIG TCP applies): 1428 per 1514.
TCP6_CEILING = 1428 / 1514
# Per request or response: Ethernet, IPv4 and TCP with timestamps.
TCP_HEADERS = 14 + 20 + 32
MODE_COLOURS = {"none": "#555555", "fq-only": "#999999", "paced": "#000000",
                "tbf-default-burst": "#e69f00",
                "tbf": "#d55e00", "cni-bandwidth": "#cc79a7", "edt-2s": "#0072b2",
                "bwm": "#009e73", "bwm-cni": "#56b4e9"}
# What each mode is, for the report (bench/modes.sh has the details).
MODE_LABELS = {
    "none": "nothing shapes; the uplink has what Debian 12 gives a NIC (mq with fq_codel "
            "per TX queue), as in every mode that is not bwm's",
    "fq-only": "nothing shapes; the qdiscs bwm puts in place (mq with fq per TX queue on the "
               "uplink, fq on each pod's interface), no program: what fq itself costs (S1 only)",
    "paced": "nothing shapes; the bulk senders pace themselves to the limit "
             "(iperf3 --fq-rate, SO_MAX_PACING_RATE): the reference a perfect shaper would match",
    "tbf-default-burst": "the CNI bandwidth plugin (TBF on an ifb), called directly, "
                         "with containerd's burst (2^32-1 bits)",
    "tbf": "the CNI bandwidth plugin, called directly, burst max(64 KiB, 20 ms of the rate)",
    "cni-bandwidth": "pods made by a CNI chain (ptp, host-local, then the bandwidth plugin), "
                     "containerd's burst",
    "edt-2s": "bwm's own program with Cilium's bandwidth manager's settings (plain EDT, "
              "2 s horizon, no AQM, no sparse flows); not Cilium's datapath",
    "bwm": "bwmd with its defaults (BIG TCP on)",
    "bwm-cni": "the CNI chain with bwm-cni last, bwmd with its defaults",
}


# Modes whose pods have no limit.
UNLIMITED_MODES = ("none", "fq-only")


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def percentile(sorted_values, p):
    """Nearest rank, as rr_prober computes it."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), int(-(-p * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def sockperf_rtts(prefix):
    """Every round trip (us) of sockperf's --full-log: its valid duration,
    the same samples as its summary."""
    rtts = []
    try:
        with open(prefix + ".csv") as f:
            for line in f:
                # "id, txTime, rxTime, rtt_us"; other lines are headers.
                fields = line.split(",")
                try:
                    tx, rx = float(fields[1]), float(fields[2])
                except (ValueError, IndexError):
                    continue
                if rx > tx > 0:
                    rtts.append((rx - tx) * 1e6)
    except OSError:
        pass
    return sorted(rtts)


def rtt_summary(sorted_rtts):
    return {"samples": len(sorted_rtts), "p50_us": percentile(sorted_rtts, 50),
            "p90_us": percentile(sorted_rtts, 90), "p99_us": percentile(sorted_rtts, 99),
            "p999_us": percentile(sorted_rtts, 99.9),
            "min_us": sorted_rtts[0] if sorted_rtts else None,
            "max_us": sorted_rtts[-1] if sorted_rtts else None}


def parse_sockperf(prefix):
    """Round-trip percentiles (us) from sockperf's own summary."""
    try:
        with open(prefix + ".sockperf.txt") as f:
            text = f.read()
    except OSError:
        return None
    res = {}
    for m in re.finditer(r"---> percentile\s+([\d.]+)\s*=\s*([\d.]+)", text):
        res[float(m.group(1))] = float(m.group(2))
    m = re.search(r"Total (\d+) observations", text)
    if not res or not m:
        return None
    out = {"samples": int(m.group(1)), "p50_us": res.get(50.0), "p90_us": res.get(90.0),
           "p99_us": res.get(99.0), "p999_us": res.get(99.9)}
    for key, pat in (("min_us", r"<MIN> observation\s*=\s*([\d.]+)"),
                     ("max_us", r"<MAX> observation\s*=\s*([\d.]+)")):
        m = re.search(pat, text)
        out[key] = float(m.group(1)) if m else None
    return out


def parse_s2(res, mode, run, rounds, limit_mbit, probe_size):
    """S2's probe over its rounds (raw/.../<mode>/<run>.<k>.*): percentiles of
    all rounds' samples pooled, each round's own summary, and for the loaded
    runs the bulk goodput (mean over rounds), retransmissions and drops
    (summed), and the pod's total in wire bits: the bulk goodput over the
    TCP/IP ceiling plus the probe's requests, spread over the bulk's
    measured seconds (the probe runs inside them)."""
    d = os.path.join(res, mode)
    per_round, pooled, drops, bulks, totals = [], [], [], [], []
    for k in range(1, rounds + 1):
        prefix = os.path.join(d, "%s.%d" % (run, k))
        summary = parse_sockperf(prefix)
        if not summary:
            continue
        pooled += sockperf_rtts(prefix)
        per_round.append(summary)
        drops.append(counter_drops(res, mode, "%s.%d" % (run, k)))
        if run == "s2-load":
            bulk = parse_iperf3(prefix + ".iperf3.json")
            bulks.append(bulk)
            if bulk and bulk["seconds"] and probe_size:
                probe_bits = summary["samples"] * (probe_size + TCP_HEADERS) * 8
                totals.append(bulk["goodput_mbit"] / TCP_CEILING +
                              probe_bits / bulk["seconds"] / 1e6)
    if not per_round or not pooled:
        return None
    pooled.sort()
    out = rtt_summary(pooled)
    out["rounds"] = per_round
    out["cdf"] = downsample_cdf(pooled)
    out["drops"] = None if None in drops else sum(drops)
    if run == "s2-load":
        out["limit_mbit"] = limit_mbit
        if bulks and None not in bulks:
            out["bulk"] = {"goodput_mbit": sum(b["goodput_mbit"] for b in bulks) / len(bulks),
                           "seconds": sum(b["seconds"] for b in bulks),
                           "retransmits": sum(b["retransmits"] or 0 for b in bulks)}
        if limit_mbit and totals and len(totals) == len(bulks):
            out["pod_total_over_limit"] = sum(totals) / len(totals) / limit_mbit
    return out


def spread(values):
    """(max - min) / mean, in percent: how far repeat runs lie apart."""
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return None
    return (max(values) - min(values)) / (sum(values) / len(values)) * 100


def jain(values):
    """Jain's fairness index: 1 when all are equal, 1/n when one takes all."""
    if not values or not any(values):
        return None
    return sum(values) ** 2 / (len(values) * sum(v * v for v in values))


def rr_samples(path):
    """Every round trip (us) of rr_prober's --samples file."""
    try:
        with open(path) as f:
            return [float(line) for line in f if line.strip()]
    except (OSError, ValueError):
        return []


def parse_s5(res, mode, rounds, limit_mbit):
    """S5 over its rounds (raw/.../<mode>/s5-{idle,load}.<k>.*): the RPC
    flows' percentiles of all rounds' samples pooled, each round's own
    figures and the drops (summed), alone and beside the bulk flows; each
    round's bulk goodputs with their Jain index (the report gives the
    lowest), and the pod's total in wire bits (bulk goodput over the TCP/IP
    ceiling plus the RPC requests, mean over the rounds) against its
    limit."""
    d = os.path.join(res, mode)
    out, load_rounds = {}, {}
    for run in ("s5-idle", "s5-load"):
        per_round, pooled, drops = [], [], []
        for k in range(1, rounds + 1):
            name = "%s.%d" % (run, k)
            r = load_json(os.path.join(d, name + ".json"))
            samples = rr_samples(os.path.join(d, name + ".samples"))
            if not r or not samples:
                continue
            per_round.append(r)
            pooled += samples
            drops.append(counter_drops(res, mode, name))
            if run == "s5-load":
                load_rounds[k] = r
        if not per_round:
            continue
        pooled.sort()
        summary = rtt_summary(pooled)
        summary["tps"] = sum(r["tps"] for r in per_round) / len(per_round)
        summary["size"] = per_round[0].get("size", 0)
        summary["rounds"] = per_round
        summary["drops"] = None if None in drops else sum(drops)
        summary["cdf"] = downsample_cdf(pooled)
        out[run.replace("-", "_")] = summary
    bulk_rounds = []
    for k, r in sorted(load_rounds.items()):
        j = load_json(os.path.join(d, "s5-load.%d.iperf3.json" % k))
        if not j or "end" not in j:
            continue
        per_flow = [st["receiver"]["bits_per_second"] / 1e6 for st in j["end"].get("streams", [])
                    if "receiver" in st]
        rpc_mbit = r.get("tps", 0) * (r.get("size", 0) + TCP_HEADERS) * 8 / 1e6
        bulk_rounds.append({"goodput_mbit": per_flow, "jain": jain(per_flow),
                            "retransmits": j["end"].get("sum_sent", {}).get("retransmits"),
                            "pod_total_mbit": sum(per_flow) / TCP_CEILING + rpc_mbit})
    if bulk_rounds:
        jains = [b["jain"] for b in bulk_rounds if b["jain"] is not None]
        out["bulk"] = {"rounds": bulk_rounds, "jain": min(jains) if jains else None,
                       "retransmits": sum(b["retransmits"] or 0 for b in bulk_rounds)}
        if limit_mbit:
            total = sum(b["pod_total_mbit"] for b in bulk_rounds) / len(bulk_rounds)
            out["pod_total_mbit"] = total
            out["pod_total_over_limit"] = total / limit_mbit
    out["limit_mbit"] = limit_mbit
    return out if "s5_load" in out else None


def downsample_cdf(sorted_values, points=400):
    n = len(sorted_values)
    if n == 0:
        return []
    idx = sorted({i * (n - 1) // (points - 1) for i in range(points)})
    return [(round(sorted_values[i], 1), (i + 1) / n) for i in idx]


def parse_iperf3(path):
    j = load_json(path)
    if not j or "end" not in j or "sum_received" not in j["end"]:
        return None
    end = j["end"]
    return {"goodput_mbit": end["sum_received"]["bits_per_second"] / 1e6,
            "seconds": end["sum_received"]["seconds"],
            "retransmits": end.get("sum_sent", {}).get("retransmits")}


# Qdiscs whose drop counters repeat others': mq sums its children's, and
# clsact/ingress count the verdicts of their filters (bwm's program, which
# counts its own drops by reason; the plugin's redirect never drops).
REPEATING_QDISCS = ("mq", "clsact", "ingress")


def counter_drops(res, mode, run):
    """Packets the shapers dropped during a run: every leaf qdisc of the node
    namespace (fq on the uplink, TBF on the ifbs) and bwm's per-pod drops."""
    def qdisc_drops(when):
        q = load_json(os.path.join(res, mode, "%s.%s.qdisc.json" % (run, when)))
        if q is None:
            return None
        return {(x.get("dev"), x.get("handle"), x.get("parent")): x.get("drops", 0) for x in q
                if x.get("kind") not in REPEATING_QDISCS}

    def bwm_drops(when):
        b = load_json(os.path.join(res, mode, "%s.%s.bwm.json" % (run, when)))
        if b is None:
            return {}
        return {p["name"]: sum(p.get("drops", {}).values()) +
                sum(p.get("ingress", {}).get("drops", {}).values()) for p in b.get("pods", [])}

    before, after = qdisc_drops("before"), qdisc_drops("after")
    if before is None or after is None:
        return None
    drops = sum(max(0, v - before.get(k, 0)) for k, v in after.items())
    bb, ba = bwm_drops("before"), bwm_drops("after")
    drops += sum(max(0, v - bb.get(k, 0)) for k, v in ba.items())
    return drops


def collect(out, modes):
    env = {"where": "vm"}
    env.update(load_json(os.path.join(out, "raw", "env-host.json")) or {})
    res = os.path.join(out, "raw", env["where"], "results")
    env.update(load_json(os.path.join(res, "env-guest.json")) or {})
    # Guest uptimes (vm-run's files): boot, and the guest side's own time,
    # without any wait for another VM's lock.
    try:
        with open(os.path.join(out, "raw", "vm", "started")) as f:
            env["vm_boot_s"] = float(f.read())
        with open(os.path.join(out, "raw", "vm", "finished")) as f:
            env["vm_command_s"] = round(float(f.read()) - env["vm_boot_s"], 1)
    except (OSError, ValueError):
        pass
    try:
        with open(os.path.join(out, "raw", "host-load.txt")) as f:
            load = [float(x) for x in f.read().split()]
        if load:
            env["host_load_1min_min"], env["host_load_1min_max"] = min(load), max(load)
    except (OSError, ValueError):
        pass
    data = {"environment": env, "modes": {}, "s4": load_json(os.path.join(out, "raw", "s4.json"))}
    for mode in modes:
        d = os.path.join(res, mode)
        m = {"errors": []}
        try:
            with open(os.path.join(d, "errors")) as f:
                m["errors"] = f.read().split()
        except OSError:
            pass
        s1 = load_json(os.path.join(d, "s1.json"))
        if s1:
            s1["drops"] = counter_drops(res, mode, "s1")
            s1["cdf"] = []
            try:
                with open(os.path.join(d, "s1.cdf")) as f:
                    s1["cdf"] = [tuple(float(x) for x in line.split()) for line in f]
            except OSError:
                pass
            m["s1"] = s1
        xp = load_json(os.path.join(d, "s1-xcheck.json"))
        xs = parse_sockperf(os.path.join(d, "s1-xcheck"))
        if xp and xs:
            m["s1_crosscheck"] = {"rr_prober": xp, "sockperf": xs}
        for run in ("s2-idle", "s2-load"):
            p = parse_s2(res, mode, run, env.get("s2_rounds", 1),
                         None if mode == "none" else env.get("s2_limit_mbit"),
                         env.get("probe_size"))
            if p:
                m[run.replace("-", "_")] = p
        s5 = parse_s5(res, mode, env.get("s5_rounds", 1),
                      None if mode == "none" else env.get("s5_limit_mbit"))
        if s5:
            m["s5"] = s5
        s3 = {"s3": [], "s3_ingress": []}
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            mm = re.fullmatch(r"s3(in)?-(\w+)-(\d+)\.iperf3\.json", name)
            if not mm:
                continue
            r = parse_iperf3(os.path.join(d, name))
            if not r:
                continue
            run = name[:-len(".iperf3.json")]
            r["limit_mbit"] = None if mm.group(2) == "ceiling" else int(mm.group(2))
            r["flows"] = int(mm.group(3))
            r["drops"] = counter_drops(res, mode, run)
            if r["limit_mbit"]:
                r["goodput_over_limit"] = r["goodput_mbit"] / r["limit_mbit"]
            s3["s3_ingress" if mm.group(1) else "s3"].append(r)
        for key, rows in s3.items():
            if rows:
                m[key] = sorted(rows, key=lambda r: (r["limit_mbit"] or 0, r["flows"]))
        data["modes"][mode] = m
    return data


def s1_cost_table(w, data, modes):
    """S1 against mode none: with the limit not binding and the same
    transactions offered to every mode, what each shaper's work costs in
    CPU time and in the tail."""
    base = data["modes"].get("none", {}).get("s1")
    rows = [(m, data["modes"][m]["s1"]) for m in modes
            if m != "none" and data["modes"][m].get("s1")]
    if not base or not base.get("cpu_us_per_transaction") or not base.get("p99_us") or not rows:
        return
    w("")
    w("S1 against mode none (the limit does not bind; every mode is offered the same "
      "transactions, and the CPU time they took, the whole VM's, is each shaper's cost): "
      "none does %s transactions/s at %s us of CPU each, p99 %s us." % (
          fmt(base["tps"]), fmt(base["cpu_us_per_transaction"], "%.2f"), fmt(base["p99_us"])))
    w("")
    w("| mode | CPU us per transaction | vs none | p99 vs none |")
    w("|---|---:|---:|---:|")
    for mode, s1 in rows:
        cpu = s1.get("cpu_us_per_transaction")
        w("| %s | %s | %s | %s |" % (
            mode, fmt(cpu, "%.2f"),
            fmt(cpu and (cpu / base["cpu_us_per_transaction"] - 1) * 100, "%+.1f%%"),
            fmt(s1.get("p99_us") and (s1["p99_us"] / base["p99_us"] - 1) * 100, "%+.1f%%")))


def fmt(v, spec="%.0f"):
    return "-" if v is None else spec % v


def ceiling(data):
    """The VM's own goodput without a limit (mode none's S3 runs), by flows."""
    none = data["modes"].get("none", {})
    return {r["flows"]: r["goodput_mbit"] for r in none.get("s3", []) if r["limit_mbit"] is None}


def s4_views(s4, w):
    """S4's other views (issues 12, 14, 16), IPv4, ns per packet: two threads
    on one pod, 65 000 pods warm or cache-cold, and the pod-interface
    programs."""
    def by(rows, key):
        return {(r[key], r["latency_control"]): r for r in rows}

    threads = by(s4.get("threads", []), "threads")
    if threads:
        w("")
        w("S4, one pod from 1 and 2 threads at once (median ns per packet, each thread's own):")
        w("")
        w("| latency control | 1 thread | 2 threads |")
        w("|---|---:|---:|")
        for control in (False, True):
            w("| %s | %s |" % ("on" if control else "off", " | ".join(
                fmt((threads.get((n, control)) or {}).get("ns_median")) for n in (1, 2))))
    spread = by(s4.get("spread", []), "pod_per_packet")
    if spread:
        w("")
        w("S4, 65 000 pods one packet at a time (each figure includes one ktime_get_ns()), "
          "median (mean) ns:")
        w("")
        w("| latency control | the same pod (warm) | a different pod per packet (cache-cold) |")
        w("|---|---:|---:|")
        for control in (False, True):
            w("| %s | %s |" % ("on" if control else "off", " | ".join(
                "%s (%s)" % (fmt(r.get("ns_median")), fmt(r.get("ns_mean")))
                if r else "-" for r in (spread.get((cold, control)) for cold in (False, True)))))
    rows = s4.get("pod_interfaces", [])
    if rows:
        names, pods = [], sorted({r["pods"] for r in rows})
        for r in rows:
            if r["program"] not in names:
                names.append(r["program"])
        median = {(r["program"], r["pods"], r["latency_control"]): r["ns_median"] for r in rows}
        cols = [(n, c) for n in pods for c in (False, True)]
        w("")
        w("S4, the pod-interface programs (issue 16), median ns per packet, by pods in the maps "
          "and latency control:")
        w("")
        w("| program | " + " | ".join("%d pods, %s" % (n, "on" if c else "off") for n, c in cols) +
          " |")
        w("|---|" + "---:|" * len(cols))
        for name in names:
            w("| %s | %s |" % (name, " | ".join(fmt(median.get((name, n, c))) for n, c in cols)))


def s3_ingress(data, modes, w):
    """S3 to the pod (kubernetes.io/ingress-bandwidth), the modes side by
    side: goodput against the limit, drops and retransmits."""
    shaping = [m for m in modes if data["modes"][m].get("s3_ingress")]
    if not shaping:
        return
    runs = {m: {(r["limit_mbit"], r["flows"]): r for r in data["modes"][m]["s3_ingress"]}
            for m in shaping}
    keys = sorted({k for rows in runs.values() for k in rows})
    w("")
    w("S3 ingress (iperf3 -R, the peer sends to the pod): goodput / limit, drops, "
      "retransmits. The CNI plugin shapes it with TBF on the pod's host-side veth, bwm "
      "with EDT under fq there.")
    w("")
    w("| limit | flows | " + " | ".join(shaping) + " |")
    w("|---:|---:|" + "---:|" * len(shaping))
    for limit, flows in keys:
        cells = []
        for m in shaping:
            r = runs[m].get((limit, flows))
            cells.append("-" if not r else "%.1f%% (%s, %s)" % (
                r["goodput_over_limit"] * 100, fmt(r.get("drops")), fmt(r.get("retransmits"))))
        w("| %d Mbit/s | %d | %s |" % (limit, flows, " | ".join(cells)))


def vcpu_copies(env):
    """How the guest kernel copies: with ERMS, rep movsb, which icount
    charges an instruction per byte (tests/vm/vm-run)."""
    erms = env.get("vcpu_erms")
    if erms is None:
        return "copies: not recorded"
    return "ERMS: copies at 1 ns per byte" if erms else "no ERMS: copies 8 bytes per count"


def markdown(data, modes):
    env = data["environment"]
    lines = []
    w = lines.append
    w("# bwm benchmark (%s profile)" % env.get("profile", "?"))
    w("")
    clock = env.get("clock", "?")
    if clock == "virtual" and env.get("idle") == "jump":
        w("Clock: **virtual time** (qemu -icount shift=0,sleep=off, one vCPU): one guest "
          "instruction is one guest nanosecond whatever else the host runs, and an idle "
          "guest's clock jumps to its next timer, so timers fire on time and the figures "
          "repeat from run to run; on one vCPU, every mode's CPU cost shows in its figures.")
    elif clock == "virtual":
        w("Clock: **virtual time**, idle on the host's clock (qemu -icount shift=0,sleep=on, "
          "one vCPU): one guest instruction is one guest nanosecond, but while the guest "
          "idles its clock runs with the host's, so a timer that wakes it fires as late as "
          "the host wakes qemu; figures that include such waits follow the host.")
    elif clock == "real":
        w("Clock: **real time** (qemu TCG on the host's clock): the figures follow the host's "
          "load (TCG's jitter alone reaches milliseconds at p99).")
    else:
        w("Clock: the host's own (kernel %s): the figures follow the host's load." %
          env.get("kernel", "?"))
    w("")
    w("Modes: " + "; ".join("**%s**: %s" % (m, MODE_LABELS.get(m, "?")) for m in modes) + ".")
    w("")
    if env["where"] == "host":
        w("Host: kernel %s, %s cores (%s). Wall time %s s; load (1 min) %s-%s during S1-S3. "
          "Compare modes within this run only." % (
              env.get("kernel", "?"), env.get("cores", "?"), env.get("host_cpu", "?"),
              env.get("wall_s", "?"), env.get("host_load_1min_min", "?"),
              env.get("host_load_1min_max", "?")))
    else:
        w("VM: kernel %s, %s vCPU(s) (%s, %s), qemu TCG (software emulation) on a %s-core host (%s). "
          "Wall time %s s, with any wait for another VM (VM booted in %s s, guest side %s s); "
          "host load (1 min) %s-%s during the VM run. Compare modes within this run only." % (
              env.get("kernel", "?"), env.get("cores", "?"), env.get("vcpu", "?"),
              vcpu_copies(env), env.get("host_cores", "?"),
              env.get("host_cpu", "?"), env.get("wall_s", "?"), env.get("vm_boot_s", "?"),
              env.get("vm_command_s", "?"), env.get("host_load_1min_min", "?"),
              env.get("host_load_1min_max", "?")))
    w("")
    w("Latencies are round trips in us. S1: %s flows, each from its own pod limited to %s "
      "Mbit/s, %s-byte request/response (rr_prober), %s transactions/s in all (Poisson "
      "arrivals), %s s. S2: sockperf TCP ping-pong "
      "(%s bytes) from a %s Mbit/s pod, alone and beside %s bulk iperf3 flows of the same pod, "
      "%s s each, in %s alternating rounds; S2 and S5 in modes %s. "
      "S3: iperf3 goodput over IPv6, %s s after %s s of warm-up; TCP/IPv6 headers cap "
      "goodput at %.1f%% of a limit counted in wire bytes. Drops: packets dropped by the shapers "
      "(qdiscs of the node, bwm's horizon); retrans: TCP retransmissions." %
      (env.get("s1_flows"), env.get("s1_limit_mbit"), env.get("s1_size"), env.get("s1_load"),
       env.get("s1_time_s"),
       env.get("probe_size"), env.get("s2_limit_mbit"), env.get("s2_bulk_flows"),
       env.get("s2_time_s"), env.get("s2_rounds"), env.get("s2_modes", "all"),
       env.get("s3_time_s"), env.get("s3_omit_s"), TCP6_CEILING * 100))
    w("")
    w("| scenario | mode | p50 | p90 | p99 | p99.9 | trans/s | goodput Mbit/s | limit Mbit/s "
      "| goodput/limit | drops | retrans |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for mode in modes:
        s1 = data["modes"][mode].get("s1")
        if s1:
            w("| S1 RR x%d | %s | %s | %s | %s | %s | %s | | %s | | %s | |" % (
                s1["flows"], mode, fmt(s1.get("p50_us")), fmt(s1.get("p90_us")),
                fmt(s1.get("p99_us")), fmt(s1.get("p999_us")), fmt(s1.get("tps")),
                "-" if mode in UNLIMITED_MODES else env.get("s1_limit_mbit"),
                fmt(s1.get("drops"))))
    for run, label in (("s2_idle", "S2 probe alone"), ("s2_load", "S2 probe + bulk")):
        for mode in modes:
            p = data["modes"][mode].get(run)
            if not p:
                continue
            bulk = p.get("bulk") or {}
            limit = p.get("limit_mbit") if run == "s2_load" else None
            ratio = bulk.get("goodput_mbit") / limit if limit and bulk else None
            w("| %s | %s | %s | %s | %s | %s | | %s | %s | %s | %s | %s |" % (
                label, mode, fmt(p.get("p50_us")), fmt(p.get("p90_us")), fmt(p.get("p99_us")),
                fmt(p.get("p999_us")), fmt(bulk.get("goodput_mbit"), "%.1f"),
                "-" if not limit else limit, fmt(ratio and ratio * 100, "%.1f%%"),
                fmt(p.get("drops")), fmt(bulk.get("retransmits"))))
    for mode in modes:
        for r in data["modes"][mode].get("s3", []):
            ratio = r.get("goodput_over_limit")
            w("| S3 %s x%d | %s | | | | | | %.1f | %s | %s | %s | %s |" % (
                "no limit" if r["limit_mbit"] is None else "%d Mbit/s" % r["limit_mbit"],
                r["flows"], mode, r["goodput_mbit"],
                "-" if r["limit_mbit"] is None else r["limit_mbit"],
                fmt(ratio and ratio * 100, "%.1f%%"), fmt(r.get("drops")),
                fmt(r.get("retransmits"))))
    s3_ingress(data, modes, w)
    ceil = ceiling(data)
    if ceil:
        w("")
        w("The VM's own ceiling (mode none, no limit): %s. S3 limits above it measure the VM, "
          "not the shaper." % ", ".join("%.0f Mbit/s with %d flow(s)" % (v, k)
                                         for k, v in sorted(ceil.items())))

    s2_rows = [(mode, data["modes"][mode].get("s2_idle"), data["modes"][mode].get("s2_load"))
               for mode in modes]
    s2_rows = [(mode, idle, load) for mode, idle, load in s2_rows if idle and load]
    if s2_rows:
        w("")
        w("S2 round by round, p99 in us: each round runs the probe alone, then under load; "
          "the table above pools each kind's samples over the rounds.")
        w("")
        w("| mode | p99 alone | spread | p99 + bulk | spread | pooled p99 + bulk / alone |")
        w("|---|---:|---:|---:|---:|---:|")
        for mode, idle, load in s2_rows:
            w("| %s | %s | %s | %s | %s | %.2fx |" % (
                mode, " / ".join(fmt(r.get("p99_us"), "%.1f") for r in idle["rounds"]),
                fmt(spread([r.get("p99_us") for r in idle["rounds"]]), "%.1f%%"),
                " / ".join(fmt(r.get("p99_us"), "%.1f") for r in load["rounds"]),
                fmt(spread([r.get("p99_us") for r in load["rounds"]]), "%.1f%%"),
                load["p99_us"] / idle["p99_us"]))
        w("")
        w("Spread: (max - min) / mean of the rounds' p99s.")
        totals = [(mode, load["pod_total_over_limit"]) for mode, _, load in s2_rows
                  if load.get("pod_total_over_limit")]
        if totals:
            w("")
            w("S2's pod total under load (the bulk goodput over the TCP/IP ceiling plus the "
              "probe's requests in wire bytes) / limit: " +
              ", ".join("%s %.1f%%" % (mode, t * 100) for mode, t in totals) + ".")

    s5_rows = [(mode, data["modes"][mode].get("s5")) for mode in modes]
    s5_rows = [(mode, s5) for mode, s5 in s5_rows if s5]
    if s5_rows:
        w("")
        w("S5: %s RPC flows (%s-byte request and response, each on its own connection at %s "
          "requests/s, Poisson arrivals, rr_prober --rate --poisson) and %s bulk flows in one "
          "%s Mbit/s pod, %s s, %s round(s), each with its own arrivals; the RPC figures pool "
          "the rounds' samples. Bulk goodputs: each round's (rounds apart by ;), Jain: the "
          "lowest round's. Pod total: the bulk goodput over the TCP/IP ceiling plus the RPC "
          "requests' wire bytes, against the limit (mean of the rounds)." % (
              env.get("s5_rpc_flows"), env.get("probe_size"), env.get("s5_rpc_rate"),
              env.get("s5_bulk_flows"), env.get("s5_limit_mbit"), env.get("s5_time_s"),
              env.get("s5_rounds", 1)))
        w("")
        w("| mode | RPC p50 alone | RPC p99 alone | RPC p50 + bulk | RPC p99 + bulk | RPC p99.9 + bulk "
          "| RPC trans/s | bulk goodputs Mbit/s | Jain | pod total / limit | drops | retrans |")
        w("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
        for mode, s5 in s5_rows:
            idle, load, bulk = s5.get("s5_idle") or {}, s5["s5_load"], s5.get("bulk") or {}
            w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                mode, fmt(idle.get("p50_us"), "%.1f"), fmt(idle.get("p99_us"), "%.1f"),
                fmt(load.get("p50_us"), "%.1f"), fmt(load.get("p99_us"), "%.1f"),
                fmt(load.get("p999_us"), "%.1f"), fmt(load.get("tps")),
                "; ".join(" / ".join("%.1f" % g for g in b["goodput_mbit"])
                          for b in bulk.get("rounds", [])) or "-",
                fmt(bulk.get("jain"), "%.3f"),
                fmt(s5.get("pod_total_over_limit") and s5["pod_total_over_limit"] * 100, "%.1f%%"),
                fmt(load.get("drops")), fmt(bulk.get("retransmits"))))
        w("")
        w("S5 round by round, RPC p99 in us.")
        w("")
        w("| mode | p99 alone | spread | p99 + bulk | spread |")
        w("|---|---:|---:|---:|---:|")
        for mode, s5 in s5_rows:
            rounds = [(s5.get("s5_idle") or {}).get("rounds", []), s5["s5_load"]["rounds"]]
            w("| %s | %s | %s | %s | %s |" % ((mode,) + tuple(
                cell for rs in rounds for cell in (
                    " / ".join(fmt(r.get("p99_us"), "%.1f") for r in rs) or "-",
                    fmt(spread([r.get("p99_us") for r in rs]), "%.1f%%")))))

    s1_cost_table(w, data, modes)

    xc = data["modes"].get("none", {}).get("s1_crosscheck")
    if xc:
        w("")
        w("S1 cross-check, one flow, %s-byte messages, mode none: rr_prober against sockperf." %
          env.get("probe_size"))
        w("")
        w("| tool | p50 | p90 | p99 | p99.9 | samples |")
        w("|---|---:|---:|---:|---:|---:|")
        for tool, r in (("rr_prober", xc["rr_prober"]), ("sockperf", xc["sockperf"])):
            w("| %s | %s | %s | %s | %s | %s |" % (
                tool, fmt(r.get("p50_us")), fmt(r.get("p90_us")), fmt(r.get("p99_us")),
                fmt(r.get("p999_us")), r.get("transactions", r.get("samples"))))

    s4 = data.get("s4")
    if s4:
        w("")
        w("S4, the egress program per packet (BPF_PROG_TEST_RUN, repeat %d, median of %d runs, "
          "host kernel %s, JIT %s), ns:" % (s4["repeat"], s4["runs"],
                                             env.get("host_kernel", "?"),
                                             "on" if s4.get("bpf_jit_enable") == 1 else "off"))
        w("")
        kinds = []
        for r in s4["results"]:
            if r["packet"] not in kinds:
                kinds.append(r["packet"])
        w("| pods | latency control | " + " | ".join(kinds) + " |")
        w("|---:|---|" + "---:|" * len(kinds))
        for pods in sorted({r["pods"] for r in s4["results"]}):
            for control in (False, True):
                by = {r["packet"]: r["ns_median"] for r in s4["results"]
                      if r["pods"] == pods and r["latency_control"] == control}
                w("| %d | %s | " % (pods, "on" if control else "off") +
                  " | ".join(fmt(by.get(k)) for k in kinds) + " |")
        w("")
        w("Latency control off is plain EDT (Cilium's bandwidth manager); on is bwm's "
          "defaults: the sparse-flow lookup and CoDel on every pod packet.")
        s4_views(s4, w)

    errors = [(m, e) for m in modes for e in data["modes"][m]["errors"]]
    if errors:
        w("")
        w("Runs that failed: " + ", ".join("%s/%s" % x for x in errors) +
          " (see bench/run's output%s)." % (", raw/vm/stderr" if env["where"] == "vm" else ""))
    return "\n".join(lines) + "\n"


def gnuplot(out, script):
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, cwd=out,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("bench: gnuplot failed: %s %s" % (e, getattr(e, "stderr", "")), file=sys.stderr)


def write_dat(out, name, points):
    path = os.path.join(out, "raw", name)
    with open(path, "w") as f:
        for x, y in points:
            f.write("%s %s\n" % (x, y))
    return os.path.join("raw", name)


CDF_STYLE = """set terminal pngcairo size 1000,620 font ",11"
set logscale x
set grid xtics mxtics ytics
set xlabel "round-trip time (us, log scale)"
set ylabel "fraction of round trips"
set yrange [0:1]
set key bottom right
"""


def plots(out, data, modes):
    env = data["environment"]
    series = []
    for mode in modes:
        s1 = data["modes"][mode].get("s1")
        if s1 and s1.get("cdf"):
            series.append("'%s' using 1:2 with lines lw 2 lc rgb '%s' title '%s'" % (
                write_dat(out, "s1-%s.cdf" % mode, s1["cdf"]), MODE_COLOURS.get(mode, "black"),
                mode))
    if series:
        gnuplot(out, CDF_STYLE + "set output 's1-latency-cdf.png'\n"
                "set title 'S1: %s request/response flows, one per %s Mbit/s pod (TCG VM)'\n"
                "plot %s\n" % (env.get("s1_flows"), env.get("s1_limit_mbit"), ", ".join(series)))

    series = []
    for mode in modes:
        for run, dash, label in (("s2_idle", 2, "alone"), ("s2_load", 1, "+ bulk")):
            p = data["modes"][mode].get(run)
            if p and p.get("cdf"):
                series.append("'%s' using 1:2 with lines lw 2 dt %d lc rgb '%s' title '%s %s'" % (
                    write_dat(out, "%s-%s.cdf" % (run.replace("_", "-"), mode), p["cdf"]), dash,
                    MODE_COLOURS.get(mode, "black"), mode, label))
    if series:
        gnuplot(out, CDF_STYLE + "set output 's2-latency-cdf.png'\n"
                "set key outside right\n"
                "set title 'S2: ping-pong probe from a %s Mbit/s pod, alone (dashed) and beside "
                "%s bulk flows (solid)'\n"
                "plot %s\n" % (env.get("s2_limit_mbit"), env.get("s2_bulk_flows"),
                               ", ".join(series)))

    # S3: clusters of limit x flows, one bar per shaping mode.
    shaped = [m for m in modes if m != "none" and data["modes"][m].get("s3")]
    keys = sorted({(r["limit_mbit"], r["flows"]) for m in shaped
                   for r in data["modes"][m]["s3"]})
    if shaped and keys:
        path = os.path.join(out, "raw", "s3-goodput.dat")
        with open(path, "w") as f:
            for limit, flows in keys:
                row = []
                for m in shaped:
                    r = [x for x in data["modes"][m]["s3"]
                         if x["limit_mbit"] == limit and x["flows"] == flows]
                    row.append("%.2f" % (r[0]["goodput_over_limit"] * 100) if r else "?")
                f.write('"%dM x%d" %s\n' % (limit, flows, " ".join(row)))
        # Bars above Y_MAX (a 512 MiB bucket lets a pod run at the VM's
        # speed) are cut there and carry their value as a label, so the
        # scale stays readable around 100 %.
        n = len(shaped)
        series = ", ".join(
            "'raw/s3-goodput.dat' using ($%d > Y_MAX ? Y_MAX : $%d):xtic(1) title '%s' "
            "lc rgb '%s'" % (i + 2, i + 2, m, MODE_COLOURS.get(m, "black"))
            for i, m in enumerate(shaped))
        series += ", " + ", ".join(
            "'raw/s3-goodput.dat' using ($0 + %f):(Y_MAX * 0.97):($%d > Y_MAX ? "
            "sprintf('%%.0f%%%%', $%d) : '') with labels font ',9' rotate by 90 right "
            "notitle" % ((i - (n - 1) / 2) / (n + 1), i + 2, i + 2) for i in range(n))
        ceil = ceiling(data)
        note = ""
        if ceil:
            note = "VM ceiling without a limit: " + ", ".join(
                "%.0f Mbit/s x%d" % (v, k) for k, v in sorted(ceil.items()))
        gnuplot(out, """set terminal pngcairo size 1000,620 font ",11"
set output 's3-goodput.png'
set title "S3: goodput / limit (limit x flows). %s"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set ylabel "goodput / limit (%%)"
Y_MAX = 150
set yrange [0:Y_MAX]
set grid ytics
set key outside right
set datafile missing '?'
plot %s, %f with lines dt 2 lc rgb 'black' title 'TCP/IPv6 ceiling (%.1f%%)', 100 with lines lc rgb 'gray' notitle
""" % (note, series, TCP6_CEILING * 100, TCP6_CEILING * 100))


def main():
    out, modes = sys.argv[1], sys.argv[2].split()
    data = collect(out, modes)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    md = markdown(data, modes)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md)
    plots(out, data, modes)
    print(md)
    print("Results: %s (results.json, results.md, *.png, raw/)" % out)
    empty = [m for m in modes
             if not any(k in data["modes"][m] for k in ("s1", "s2_idle", "s2_load", "s3", "s5"))]
    if empty:
        print("bench: no data from mode(s): %s" % ", ".join(empty), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
