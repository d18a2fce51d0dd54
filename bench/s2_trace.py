#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/s2-trace.sh's analysis: the S2 probe's round trips, step by step.

Reads an ftrace text trace of the net tracepoints (net_dev_queue,
net_dev_start_xmit, netif_rx, netif_receive_skb for the probe's frames;
net_dev_xmit for the bulk's packets) and follows each frame by its skb
address, which stays the same across a veth: a request from the pod's eth0
until the peer's up0p receives it, the response from up0p until eth0 does.
A round trip is loaded when a bulk packet left the uplink (up0) in the
2 ms before its request, and slow when it took more than 20 us over the
loaded median. Prints the mean time of each step, fast and slow apart.

    s2_trace.py TRACE
"""
import re
import statistics
import sys
from bisect import bisect_left
from collections import Counter

POD_DEV, SERVER_DEV, UPLINK = "eth0", "up0p", "up0"
LOADED_WINDOW_US = 2000
SLOW_MARGIN_US = 20
EVENT = re.compile(r"\s(\d+\.\d+): (\w+): dev=(\S+) .*?skbaddr=(\S+).*?len=(\d+)")


def read_events(path):
    """(time us, event, device, skb) for the probe's frames, and the times
    bulk packets left the uplink."""
    frames, bulk = [], []
    with open(path) as trace:
        for line in trace:
            m = EVENT.search(line)
            if not m:
                continue
            ts, event, dev, skb = float(m.group(1)) * 1e6, m.group(2), m.group(3), m.group(4)
            if event == "net_dev_xmit":
                if dev == UPLINK:
                    bulk.append(ts)
            else:
                frames.append((ts, event, dev, skb))
    return frames, bulk


def journeys(frames):
    """Each frame's steps, from its first queueing to its last receive, in
    order of departure: ('request' | 'response', [(time, event, dev)])."""
    open_ones, done = {}, []
    for ts, event, dev, skb in frames:
        if event == "net_dev_queue" and dev in (POD_DEV, SERVER_DEV):
            open_ones[skb] = ("request" if dev == POD_DEV else "response", [])
        journey = open_ones.get(skb)
        if journey is None:
            continue
        journey[1].append((ts, event, dev))
        end = SERVER_DEV if journey[0] == "request" else POD_DEV
        if event == "netif_receive_skb" and dev == end:
            done.append(journey)
            del open_ones[skb]
    return sorted(done, key=lambda j: j[1][0][0])


def path_steps(kind, path):
    """(label, duration us) for each step of one frame's path."""
    return [("%s: %s %s -> %s %s" % (kind, d0, e0, d1, e1), t1 - t0)
            for (t0, e0, d0), (t1, e1, d1) in zip(path, path[1:])]


def steps(request, response):
    """(label, duration us) for every step of one round trip."""
    server = ("the server (peer's stack and sockperf)", response[0][0] - request[-1][0])
    return path_steps("request", request) + [server] + path_steps("response", response)


def main():
    frames, bulk = read_events(sys.argv[1])
    trips = []
    done = journeys(frames)
    for (kind_a, a), (kind_b, b) in zip(done, done[1:]):
        if kind_a != "request" or kind_b != "response":
            continue
        start = a[0][0]
        i = bisect_left(bulk, start)
        if i and start - bulk[i - 1] <= LOADED_WINDOW_US:
            trips.append((b[-1][0] - start, steps(a, b)))
    if not trips:
        print("no loaded round trips in the trace")
        return
    # Only the round trips that took the usual path, step for step.
    usual = Counter(tuple(label for label, _ in t[1]) for t in trips).most_common(1)[0][0]
    trips = [t for t in trips if tuple(label for label, _ in t[1]) == usual]
    median = statistics.median(rtt for rtt, _ in trips)
    slow = [t for t in trips if t[0] > median + SLOW_MARGIN_US]
    fast = [t for t in trips if t[0] <= median + SLOW_MARGIN_US]
    print("loaded round trips: %d, median %.1f us; slow (over %.0f us): %d (%.1f%%)" % (
        len(trips), median, median + SLOW_MARGIN_US, len(slow), 100.0 * len(slow) / len(trips)))
    print("| step | fast, mean us | slow, mean us |")
    print("|---|---:|---:|")
    for k, (label, _) in enumerate(trips[0][1]):
        def mean(group):
            return statistics.fmean(t[1][k][1] for t in group) if group else float("nan")
        print("| %s | %.2f | %.2f |" % (label, mean(fast), mean(slow)))


if __name__ == "__main__":
    main()
