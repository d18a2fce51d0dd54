#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/report.py on a results tree made here: S2's rounds pooled (samples,
drops, bulk goodput and retransmissions) and S4's two settings in the table.
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
        write(os.path.join(self.out, "raw", "env-host.json"), json.dumps({"where": self.WHERE}))
        res = os.path.join(self.out, "raw", self.WHERE, "results")
        write(os.path.join(res, "env-guest.json"),
              json.dumps({"profile": "short", "s2_rounds": 2, "s2_limit_mbit": 100,
                          "s2_time_s": 3}))
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
                for c, ns in ((False, 150), (True, 200))]}))

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

    def test_markdown_tables(self):
        data = report.collect(self.out, ["bwm"])
        md = report.markdown(data, ["bwm"])
        self.assertIn("| S2 probe + bulk | bwm | 3000 | 4000 | 4000 |", md)
        self.assertIn("| bwm | 1000 / 2000 | 3000 / 4000 | 2.00x |", md)
        self.assertIn("| 1 | off | 150 |", md)
        self.assertIn("| 1 | on | 200 |", md)
        self.assertTrue(md.splitlines()[2].startswith("VM: "))


class HostReportTest(ReportTest):
    """bench/run --where host: S1-S3 ran on the host, raw/host/results."""
    WHERE = "host"

    def test_markdown_tables(self):
        md = report.markdown(report.collect(self.out, ["bwm"]), ["bwm"])
        self.assertIn("| bwm | 1000 / 2000 | 3000 / 4000 | 2.00x |", md)
        self.assertTrue(md.splitlines()[2].startswith("Host: "))


if __name__ == "__main__":
    sys.exit(unittest.main(verbosity=2))
