#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""etc/kubernetes/bwm-daemonset.yaml agrees with systemd/bwm.service.in and
with itself: bwmd gets exactly the unit's capabilities, the host network,
and every path the unit lets it write (pin_dir, state_dir) and the pods
directory, from host paths; the configuration it is given is the
ConfigMap's, whose paths are those mounts; the init container runs
bwm-cni install into mounted host CNI directories, with no capabilities.
No cluster runs here: this is all that is checked."""
import configparser
import os
import re
import sys
import unittest

import yaml

SRC = os.environ.get("SRC_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def under(path, mount):
    return path == mount or path.startswith(mount.rstrip("/") + "/")


class Manifest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(SRC, "etc/kubernetes/bwm-daemonset.yaml")) as f:
            docs = list(yaml.safe_load_all(f))
        cls.config_map = next(d for d in docs if d["kind"] == "ConfigMap")
        cls.ds = next(d for d in docs if d["kind"] == "DaemonSet")
        cls.pod = cls.ds["spec"]["template"]["spec"]
        cls.volumes = {v["name"]: v for v in cls.pod["volumes"]}
        cls.bwmd = next(c for c in cls.pod["containers"] if c["name"] == "bwmd")
        cls.init = next(c for c in cls.pod["initContainers"] if c["name"] == "install-cni")
        with open(os.path.join(SRC, "systemd/bwm.service.in")) as f:
            cls.unit = f.read()
        conf = configparser.ConfigParser(inline_comment_prefixes=(";", "#"))
        conf.read_string(cls.config_map["data"]["bwm.conf"])
        cls.conf = conf

    def host_path(self, container, path):
        """The host path a container's path is, through its mounts."""
        best = None
        for m in container["volumeMounts"]:
            if under(path, m["mountPath"]) and (best is None or len(m["mountPath"]) > len(best["mountPath"])):
                best = m
        self.assertIsNotNone(best, "%s is not mounted in %s" % (path, container["name"]))
        vol = self.volumes[best["name"]]
        if "hostPath" not in vol:
            return None, best
        return vol["hostPath"]["path"] + path[len(best["mountPath"]):], best

    def test_selector_matches(self):
        labels = self.ds["spec"]["template"]["metadata"]["labels"]
        for k, v in self.ds["spec"]["selector"]["matchLabels"].items():
            self.assertEqual(labels.get(k), v)

    def test_capabilities_are_the_units(self):
        line = re.search(r"^CapabilityBoundingSet=(.*)$", self.unit, re.M).group(1)
        unit_caps = sorted(c[len("CAP_"):] for c in line.split())
        caps = self.bwmd["securityContext"]["capabilities"]
        self.assertEqual(sorted(caps["add"]), unit_caps)
        self.assertEqual(caps["drop"], ["ALL"])
        self.assertFalse(self.bwmd["securityContext"].get("privileged", False))
        self.assertFalse(self.bwmd["securityContext"]["allowPrivilegeEscalation"])

    def test_host_network(self):
        self.assertTrue(self.pod["hostNetwork"])

    def test_units_writable_paths_are_host_paths(self):
        paths = re.search(r"^ReadWritePaths=(.*)$", self.unit, re.M).group(1).split()
        for p in paths:
            p = p.lstrip("-")
            host, mount = self.host_path(self.bwmd, p)
            self.assertEqual(host, p, "%s must be the host's %s" % (p, p))
            self.assertFalse(mount.get("readOnly", False), p)

    def test_config_is_the_config_maps(self):
        cmd = self.bwmd["command"]
        path = cmd[cmd.index("--config") + 1]
        host, mount = self.host_path(self.bwmd, os.path.dirname(path))
        self.assertIsNone(host)
        self.assertEqual(self.volumes[mount["name"]]["configMap"]["name"], self.config_map["metadata"]["name"])
        self.assertIn(os.path.basename(path), self.config_map["data"])

    def test_config_paths_are_mounted_host_paths(self):
        for key in ("pods_dir", "pin_dir", "state_dir"):
            path = self.conf["bwm"][key]
            host, mount = self.host_path(self.bwmd, path)
            # bwm-cni runs on the host and writes the pods directory at its
            # host path: the two must be the same.
            self.assertEqual(host, path, key)
            self.assertFalse(mount.get("readOnly", False), key)
        # bwm-cni's default pods directory, with no bwm.conf on the node.
        self.assertEqual(self.conf["bwm"]["pods_dir"], "/run/bwm/pods")

    def test_bpffs_and_netns(self):
        self.assertEqual(self.host_path(self.bwmd, "/sys/fs/bpf")[0], "/sys/fs/bpf")
        host, mount = self.host_path(self.bwmd, "/run/netns")
        self.assertEqual(host, "/run/netns")
        self.assertEqual(mount.get("mountPropagation"), "HostToContainer")

    def test_init_container_installs_bwm_cni(self):
        cmd = self.init["command"]
        self.assertTrue(cmd[0].endswith("/bwm-cni"))
        self.assertEqual(cmd[1], "install")
        for flag, host in (("--bin-dir", "/opt/cni/bin"), ("--conf-dir", "/etc/cni/net.d")):
            path = cmd[cmd.index(flag) + 1]
            self.assertEqual(self.host_path(self.init, path)[0], host)
        self.assertEqual(self.init["securityContext"]["capabilities"]["drop"], ["ALL"])
        self.assertNotIn("add", self.init["securityContext"]["capabilities"])

    def test_same_image(self):
        self.assertEqual(self.init["image"], self.bwmd["image"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
