#!/usr/bin/env python3
# maps_match_files.py PIN_DIR PODS_DIR NETNS: checks that bwm's pinned maps
# say what simple pod files claim (exit 1 and the differences otherwise):
#   - every file with a valid egress limit and a classifier (an interface
#     that exists, or addresses) is a pod in bwm_pod_meta, with that limit,
#     and each of its keys maps to its id in bwm_pod_by_ifindex /
#     bwm_pod_by_addr (files here never share keys);
#   - no pod without a file, no key of a pod id without metadata.
# Files are kubelet's format with plain values (key="value" per line).
# The maps are read with bpftool, independently of bwmctl.
import ipaddress
import json
import os
import re
import subprocess
import sys

pin_dir, pods_dir, netns = sys.argv[1:4]
UNITS = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}


def dump(name):
    out = subprocess.check_output(["bpftool", "-j", "map", "dump", "pinned", os.path.join(pin_dir, name)])
    return json.loads(out)


def addr_key(text):
    a = ipaddress.ip_address(text)
    raw = a.packed if a.version == 6 else b"\0" * 10 + b"\xff\xff" + a.packed
    return list(raw)


def ifindexes():
    out = subprocess.check_output(["ip", "-n", netns, "-j", "link", "show"])
    return {l["ifname"]: l["ifindex"] for l in json.loads(out)}


def read_files():
    files = {}
    for name in os.listdir(pods_dir):
        if name.startswith("."):
            continue
        kv = dict(re.findall(r'^([^=\n]+)="([^"\n]*)"$', open(os.path.join(pods_dir, name)).read(), re.M))
        files[name] = kv
    return files


def main():
    problems = []
    meta = {e["formatted"]["key"]: e["formatted"]["value"] for e in dump("bwm_pod_meta")}
    limits = {e["formatted"]["key"]: e["formatted"]["value"] for e in dump("bwm_pod_limits")}
    by_if = {e["formatted"]["key"]: e["formatted"]["value"] for e in dump("bwm_pod_by_ifindex")}
    by_addr = {tuple(e["formatted"]["key"]["addr"]): e["formatted"]["value"] for e in dump("bwm_pod_by_addr")}
    ids = {m["name"]: i for i, m in meta.items()}
    links = ifindexes()

    for name, kv in read_files().items():
        m = re.fullmatch(r"(\d+)([kMG]?)", kv.get("kubernetes.io/egress-bandwidth", ""))
        iface = kv.get("bwm.io/interface")
        addrs = [a.strip() for a in kv.get("bwm.io/ips", "").split(",") if a.strip()]
        if not m or not ((iface and iface in links) or addrs):
            continue
        if name not in ids:
            problems.append("%s: not in bwm_pod_meta" % name)
            continue
        pid = ids[name]
        rate = int(float(m.group(1)) * UNITS[m.group(2)] / 8)
        if limits[pid]["rate_bytes_per_sec"] != rate:
            problems.append("%s: rate %d, file says %d" % (name, limits[pid]["rate_bytes_per_sec"], rate))
        if iface and iface in links and by_if.get(links[iface]) != pid:
            problems.append("%s: interface %s maps to %s, not %d" % (name, iface, by_if.get(links[iface]), pid))
        for a in addrs:
            if by_addr.get(tuple(addr_key(a))) != pid:
                problems.append("%s: address %s maps to %s, not %d" % (name, a, by_addr.get(tuple(addr_key(a))), pid))
    files = read_files()
    for name in ids:
        if name not in files:
            problems.append("%s: in bwm_pod_meta without a file" % name)
    for key, pid in list(by_if.items()) + list(by_addr.items()):
        if pid not in meta:
            problems.append("key %s maps to id %d, which has no metadata" % (key, pid))
    for p in problems:
        print("maps_match_files: " + p)
    return 1 if problems else 0


sys.exit(main())
