#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/report.py on a results tree made here: S2's rounds pooled (samples,
drops, bulk goodput and retransmissions) and their spread, S5's rounds
pooled (RPC figures, Jain's index of the lowest round, the pod's total),
S2's pod total, S1 against no shaper, S3 to the pod side by side, S4's two
settings and its other views in tables, and the clock the run used.
The benchmark itself fails only when a mode has no data, so a report that
lost S2's figures would pass it; this test would not."""
import importlib.util
import json
import os
import sys
import tempfile
import unittest

SRC_DIR = os.environ.get("SRC_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
spec = importlib.util.spec_from_file_location("report", os.path.join(SRC_DIR, "bench", "report.py"))
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def sockperf_run(prefix, rtts_us):
    """sockperf's summary (only the lines the report reads) and --full-log."""
    ordered = sorted(rtts_us)
    write(prefix + ".sockperf.txt",
          "sockperf: Total %d observations\n"
          "sockperf: ---> percentile 99.000 = %.3f\n"
          "sockperf: ---> percentile 50.000 = %.3f\n" %
          (len(ordered), report.percentile(ordered, 99), report.percentile(ordered, 50)))
    lines = ["------------------------------", "packet, txTime(sec), rxTime(sec), rtt(usec)"]
    for i, rtt in enumerate(rtts_us):
        tx = 10.0 + i * 0.01
        lines.append("%d, %.9f, %.9f, %.3f" % (i, tx, tx + rtt / 1e6, rtt))
    write(prefix + ".csv", "\n".join(lines) + "\n")


def counters(res, mode, run, drops_before, drops_after):
    """bwm's drops, which the clsact qdisc counts again as its filter's
    verdicts (and mq as the sum of its fq children's: none here)."""
    for when, drops in (("before", drops_before), ("after", drops_after)):
        write(os.path.join(res, mode, "%s.%s.qdisc.json" % (run, when)), json.dumps([
            {"kind": "mq", "dev": "up0", "handle": "1:", "parent": None, "drops": 0},
            {"kind": "fq", "dev": "up0", "handle": "8001:", "parent": "1:1", "drops": 0},
            {"kind": "clsact", "dev": "up0", "handle": "ffff:", "parent": "ffff:fff1",
             "drops": drops}]))
        write(os.path.join(res, mode, "%s.%s.bwm.json" % (run, when)),
              json.dumps({"pods": [{"name": "pod1", "drops": {"horizon": 0, "aqm": drops}}]}))


def iperf3(path, mbit, retransmits):
    write(path, json.dumps({"end": {"sum_received": {"bits_per_second": mbit * 1e6, "seconds": 3.0},
                                    "sum_sent": {"retransmits": retransmits}}}))


class ReportTest(unittest.TestCase):
    WHERE = "vm"

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = self.tmp.name
        write(os.path.join(self.out, "raw", "env-host.json"),
              json.dumps({"where": self.WHERE, "clock": "virtual" if self.WHERE == "vm" else "host"}))
        res = os.path.join(self.out, "raw", self.WHERE, "results")
        write(os.path.join(res, "env-guest.json"),
              json.dumps({"profile": "short", "s2_rounds": 2, "s2_limit_mbit": 100,
                          "s2_time_s": 3, "s5_limit_mbit": 100, "s5_rounds": 2,
                          "probe_size": 64,
                          "vcpu": "QEMU TCG CPU version 2.5+", "vcpu_erms": False}))
        # S5, two rounds: 32 RPC flows at 3200 transactions/s of 64 bytes
        # (3200 x 130 x 8 = 3.328 Mbit/s on the wire) and 4 bulk flows of 24,
        # 24, 22, 20 Mbit/s, then of 25 each: (90 + 100) / 2 / (1448 / 1514)
        # + 3.328 = 102.67 Mbit/s of the 100. Alone 100 samples of 20 us a
        # round; loaded 100 of 30 us, then 100 of 50: pooled, the p99 (rank
        # 198 of 200) is 50 us.
        for k, (load_us, bulk) in enumerate(((30.0, (24, 24, 22, 20)), (50.0, (25,) * 4)),
                                            start=1):
            for run, rtt in (("s5-idle", 20.0), ("s5-load", load_us)):
                prefix = os.path.join(res, "bwm", "%s.%d" % (run, k))
                write(prefix + ".json", json.dumps(
                    {"flows": 32, "size": 64, "tps": 3200.0, "p99_us": rtt}))
                write(prefix + ".samples", "%.1f\n" % rtt * 100)
                counters(res, "bwm", "%s.%d" % (run, k), 0, 3)
            write(os.path.join(res, "bwm", "s5-load.%d.iperf3.json" % k), json.dumps({"end": {
                "streams": [{"receiver": {"bits_per_second": g * 1e6}} for g in bulk],
                "sum_sent": {"retransmits": 4}}}))
        # Round 1: 100 samples of 1000 us; round 2: 100 of 2000 us and one of
        # 9000 us. Pooled (201 samples) the p99 (rank 199) is 2000 us.
        sockperf_run(os.path.join(res, "bwm", "s2-idle.1"), [1000.0] * 100)
        sockperf_run(os.path.join(res, "bwm", "s2-idle.2"), [2000.0] * 100 + [9000.0])
        sockperf_run(os.path.join(res, "bwm", "s2-load.1"), [3000.0] * 100)
        sockperf_run(os.path.join(res, "bwm", "s2-load.2"), [4000.0] * 100)
        for k, (mbit, retrans, drops) in enumerate(((95.0, 10, 7), (96.0, 20, 5)), start=1):
            iperf3(os.path.join(res, "bwm", "s2-load.%d.iperf3.json" % k), mbit, retrans)
            counters(res, "bwm", "s2-load.%d" % k, 100, 100 + drops)
            counters(res, "bwm", "s2-idle.%d" % k, 0, 0)
        write(os.path.join(self.out, "raw", "s4.json"), json.dumps({
            "repeat": 1000, "runs": 1, "results": [
                {"pods": 1, "latency_control": c, "packet": "ipv4", "ns_median": ns}
                for c, ns in ((False, 150), (True, 200))],
            "threads": [{"threads": n, "latency_control": c, "packet": "ipv4", "ns_median": ns}
                        for n, c, ns in ((1, False, 150), (2, False, 151), (1, True, 200),
                                         (2, True, 230))],
            "spread": [{"pod_per_packet": cold, "latency_control": c, "ns_median": ns,
                        "ns_mean": ns + 5, "pods": 65000}
                       for cold, c, ns in ((False, False, 190), (True, False, 760),
                                           (False, True, 360), (True, True, 980))],
            "pod_interfaces": [{"program": "from_pod", "pods": 2, "latency_control": c,
                                "ns_median": ns} for c, ns in ((False, 126), (True, 127))]}))

    def tearDown(self):
        self.tmp.cleanup()

    def test_s2_pools_rounds(self):
        data = report.collect(self.out, ["bwm"])
        idle, load = data["modes"]["bwm"]["s2_idle"], data["modes"]["bwm"]["s2_load"]
        self.assertEqual(idle["samples"], 201)
        self.assertAlmostEqual(idle["p99_us"], 2000.0, places=0)
        self.assertAlmostEqual(idle["p50_us"], 2000.0, places=0)
        self.assertEqual([round(r["p99_us"]) for r in idle["rounds"]], [1000, 2000])
        self.assertAlmostEqual(load["p99_us"], 4000.0, places=0)
        self.assertAlmostEqual(load["bulk"]["goodput_mbit"], 95.5)
        self.assertEqual(load["bulk"]["retransmits"], 30)
        self.assertEqual(load["drops"], 12)
        self.assertEqual(idle["drops"], 0)
        self.assertEqual(load["limit_mbit"], 100)
        # Each round: bulk / (1448 / 1514) + 100 requests x 130 bytes over 3 s.
        probe = 100 * 130 * 8 / 3.0 / 1e6
        self.assertAlmostEqual(load["pod_total_over_limit"] * 100,
                               (95.0 + 96.0) / 2 * 1514 / 1448 + probe)

    def test_s5_pools_rounds(self):
        s5 = report.collect(self.out, ["bwm"])["modes"]["bwm"]["s5"]
        self.assertEqual(s5["s5_load"]["samples"], 200)
        self.assertEqual(s5["s5_load"]["p99_us"], 50.0)
        self.assertEqual([r["p99_us"] for r in s5["s5_load"]["rounds"]], [30.0, 50.0])
        self.assertEqual(s5["s5_load"]["drops"], 6)
        self.assertEqual(s5["s5_idle"]["p99_us"], 20.0)
        # The lowest round's: (90^2) / (4 x (24^2 + 24^2 + 22^2 + 20^2)) =
        # 8100 / 8144; the second round's is 1.
        self.assertAlmostEqual(s5["bulk"]["jain"], 8100 / 8144)
        self.assertEqual(s5["bulk"]["retransmits"], 8)
        self.assertAlmostEqual(s5["pod_total_mbit"], 95 * 1514 / 1448 + 3.328, places=3)

    def test_s3_ingress_side_by_side(self):
        """S3's runs to the pod are their own rows, the modes side by side,
        and bwm's ingress drops count."""
        res = os.path.join(self.out, "raw", self.WHERE, "results")
        iperf3(os.path.join(res, "bwm", "s3-100-1.iperf3.json"), 94.0, 1)
        iperf3(os.path.join(res, "bwm", "s3in-100-1.iperf3.json"), 95.0, 2)
        iperf3(os.path.join(res, "tbf", "s3in-100-1.iperf3.json"), 90.0, 30)
        for mode in ("bwm", "tbf"):
            for run in ("s3-100-1", "s3in-100-1"):
                counters(res, mode, run, 0, 0)
        write(os.path.join(res, "bwm", "s3in-100-1.after.bwm.json"), json.dumps(
            {"pods": [{"name": "pod201", "drops": {"horizon": 0, "aqm": 0},
                       "ingress": {"drops": {"horizon": 1, "aqm": 3}}}]}))
        data = report.collect(self.out, ["tbf", "bwm"])
        self.assertEqual([r["goodput_mbit"] for r in data["modes"]["bwm"]["s3"]], [94.0])
        ingress = data["modes"]["bwm"]["s3_ingress"]
        self.assertEqual((ingress[0]["limit_mbit"], ingress[0]["flows"]), (100, 1))
        self.assertEqual(ingress[0]["drops"], 4)
        md = report.markdown(data, ["tbf", "bwm"])
        self.assertIn("| limit | flows | tbf | bwm |", md)
        self.assertIn("| 100 Mbit/s | 1 | 90.0% (0, 30) | 95.0% (4, 2) |", md)

    def test_s1_against_none(self):
        """S1's cost table: each mode's CPU time per transaction and p99
        against none's, and no limit shown for the modes without one."""
        res = os.path.join(self.out, "raw", self.WHERE, "results")
        for mode, cpu, p99 in (("none", 40.0, 300.0), ("fq-only", 41.6, 315.0),
                               ("bwm", 43.2, 360.0)):
            write(os.path.join(res, mode, "s1.json"), json.dumps(
                {"flows": 32, "size": 1, "tps": 12800.0, "p50_us": 80.0, "p90_us": 110.0,
                 "p99_us": p99, "p999_us": 700.0, "cpu_busy_s": cpu * 0.128,
                 "cpu_us_per_transaction": cpu}))
            counters(res, mode, "s1", 0, 0)
        modes = ["none", "fq-only", "bwm"]
        md = report.markdown(report.collect(self.out, modes), modes)
        self.assertIn("| S1 RR x32 | fq-only | 80 | 110 | 315 | 700 | 12800 | | - |", md)
        self.assertIn("none does 12800 transactions/s at 40.00 us of CPU each, p99 300 us.", md)
        self.assertIn("| fq-only | 41.60 | +4.0% | +5.0% |", md)
        self.assertIn("| bwm | 43.20 | +8.0% | +20.0% |", md)

    def test_markdown_tables(self):
        data = report.collect(self.out, ["bwm"])
        md = report.markdown(data, ["bwm"])
        self.assertIn("| S2 probe + bulk | bwm | 3000 | 4000 | 4000 |", md)
        self.assertIn("| bwm | 1000.0 / 2000.0 | 66.7% | 3000.0 / 4000.0 | 28.6% | 2.00x |", md)
        self.assertIn("| bwm | 20.0 | 20.0 | 30.0 | 50.0 | 50.0 | 3200 | 24.0 / 24.0 / 22.0 / 20.0; "
                      "25.0 / 25.0 / 25.0 / 25.0 | 0.995 | 102.7% | 6 | 8 |", md)
        self.assertIn("| bwm | 20.0 / 20.0 | 0.0% | 30.0 / 50.0 | 50.0% |", md)
        self.assertIn("| 1 | off | 150 |", md)
        self.assertIn("| 1 | on | 200 |", md)
        self.assertIn("| on | 200 | 230 |", md)
        self.assertIn("| off | 190 (195) | 760 (765) |", md)
        self.assertIn("| program | 2 pods, off | 2 pods, on |", md)
        self.assertIn("| from_pod | 126 | 127 |", md)
        self.assertIn("Clock: **virtual time**", md)
        self.assertIn("**bwm**: bwmd with its defaults", md)
        self.assertTrue(any(line.startswith("VM: ") for line in md.splitlines()))
        self.assertIn("(QEMU TCG CPU version 2.5+, no ERMS: copies 8 bytes per count)", md)


class HostReportTest(ReportTest):
    """bench/run --where host: S1-S3 ran on the host, raw/host/results."""
    WHERE = "host"

    def test_markdown_tables(self):
        md = report.markdown(report.collect(self.out, ["bwm"]), ["bwm"])
        self.assertIn("| bwm | 1000.0 / 2000.0 | 66.7% | 3000.0 / 4000.0 | 28.6% | 2.00x |", md)
        self.assertIn("Clock: the host's own", md)
        self.assertTrue(any(line.startswith("Host: ") for line in md.splitlines()))


if __name__ == "__main__":
    sys.exit(unittest.main(verbosity=2))
