#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Runs a CNI conflist the way libcni does (containernetworking/cni,
libcni/api.go), so that the tests drive real plugins as a runtime would.

  ADD    each plugin in order; each gets the previous one's result as
         prevResult; the last result is cached, then printed.
  CHECK  (spec >= 0.4.0, unless disableCheck) each plugin in order, all with
         the cached result as prevResult.
  DEL    each plugin in reverse order, all with the cached result (>= 0.4.0;
         none when nothing is cached), then the cache entry goes.
  VALIDATE  VERSION of each plugin; the list's cniVersion must be supported.

Each plugin's stdin is its entry of the list with "name", "cniVersion",
"prevResult" injected (buildOneConfig) and, when the runtime's capability
arguments match capabilities the entry enables, "runtimeConfig" with just
those (injectRuntimeConfig). Its environment is the caller's with
CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_ARGS, CNI_IFNAME and CNI_PATH
set first (invoke.Args.AsEnv). Plugins are found in the CNI_PATH
directories by their "type". A plugin that fails prints its error object;
this prints it on stdout too and exits 1, naming the plugin on stderr.
"""
import argparse
import base64
import json
import os
import subprocess
import sys

CACHE_KIND = "cniCacheV1"


def version_at_least(version, minimum):
    def parse(v):
        return tuple(int(x) for x in v.split("."))
    return parse(version) >= parse(minimum)


def find_plugin(plugin_type, paths):
    for d in paths:
        candidate = os.path.join(d, plugin_type)
        if os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("failed to find plugin %r in path %s" % (plugin_type, paths))


class PluginError(Exception):
    def __init__(self, plugin, output, rc):
        super().__init__("plugin type=%r failed (rc %d): %s" % (plugin, rc, output.strip()))
        self.output = output


class Runtime:
    def __init__(self, args):
        self.paths = args.cni_path.split(":")
        self.cache_dir = args.cache_dir
        self.netns = args.netns
        self.container_id = args.container_id
        self.ifname = args.ifname
        self.cni_args = args.args
        self.capability_args = json.loads(args.capability_args) if args.capability_args else {}
        with open(args.conflist, "rb") as f:
            self.list_bytes = f.read()
        self.conflist = json.loads(self.list_bytes)
        self.name = self.conflist["name"]
        self.version = self.conflist.get("cniVersion", "")

    def env(self, command):
        env = dict(os.environ)
        env.update({
            "CNI_COMMAND": command,
            "CNI_CONTAINERID": self.container_id,
            "CNI_NETNS": self.netns,
            "CNI_ARGS": self.cni_args,
            "CNI_IFNAME": self.ifname,
            "CNI_PATH": ":".join(self.paths),
        })
        return env

    def build_one(self, plugin, prev_result):
        conf = dict(plugin)
        conf["name"] = self.name
        conf["cniVersion"] = self.version
        if prev_result is not None:
            conf["prevResult"] = prev_result
        runtime_config = {cap: self.capability_args[cap]
                          for cap, on in (plugin.get("capabilities") or {}).items()
                          if on and cap in self.capability_args}
        if runtime_config:
            conf["runtimeConfig"] = runtime_config
        # Go's encoding/json writes a map's keys sorted.
        return json.dumps(conf, sort_keys=True).encode()

    def run(self, command, plugin, prev_result):
        stdin = self.build_one(plugin, prev_result)
        p = subprocess.run([find_plugin(plugin["type"], self.paths)], input=stdin,
                           env=self.env(command), stdout=subprocess.PIPE, timeout=120)
        out = p.stdout.decode(errors="replace")
        if p.returncode != 0:
            raise PluginError(plugin["type"], out, p.returncode)
        return out

    def cache_path(self):
        return os.path.join(self.cache_dir, "results",
                            "%s-%s-%s" % (self.name, self.container_id, self.ifname))

    def cached_result(self):
        try:
            with open(self.cache_path()) as f:
                return json.load(f).get("result")
        except FileNotFoundError:
            return None

    def add(self):
        result = None
        for plugin in self.conflist["plugins"]:
            out = self.run("ADD", plugin, result)
            result = json.loads(out)
            # fixupResultVersion: a result without a version is the config's.
            if not result.get("cniVersion"):
                result["cniVersion"] = self.version
        os.makedirs(os.path.dirname(self.cache_path()), mode=0o700, exist_ok=True)
        with open(self.cache_path(), "w") as f:
            json.dump({
                "kind": CACHE_KIND, "containerId": self.container_id,
                "config": base64.b64encode(self.list_bytes).decode(),
                "ifName": self.ifname, "networkName": self.name, "netns": self.netns,
                "cniArgs": [kv.split("=", 1) for kv in self.cni_args.split(";") if kv],
                "capabilityArgs": self.capability_args, "result": result,
            }, f)
        return result

    def check(self):
        if not version_at_least(self.version, "0.4.0"):
            raise SystemExit("configuration version %r does not support the CHECK command" % self.version)
        if self.conflist.get("disableCheck"):
            return
        cached = self.cached_result()
        for plugin in self.conflist["plugins"]:
            self.run("CHECK", plugin, cached)

    def delete(self):
        cached = self.cached_result() if version_at_least(self.version, "0.4.0") else None
        for plugin in reversed(self.conflist["plugins"]):
            self.run("DEL", plugin, cached)
        try:
            os.unlink(self.cache_path())
        except FileNotFoundError:
            pass

    def validate(self):
        for plugin in self.conflist["plugins"]:
            env = self.env("VERSION")
            env.update({"CNI_NETNS": "dummy", "CNI_IFNAME": "dummy", "CNI_PATH": "dummy"})
            p = subprocess.run([find_plugin(plugin["type"], self.paths)],
                               input=json.dumps({"cniVersion": self.version}).encode(), env=env,
                               stdout=subprocess.PIPE, check=True, timeout=60)
            supported = json.loads(p.stdout)["supportedVersions"]
            if self.version not in supported:
                raise SystemExit("plugin %s does not support config version %r" % (plugin["type"], self.version))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["add", "check", "del", "validate"])
    ap.add_argument("--conflist", required=True)
    ap.add_argument("--cni-path", required=True, help="plugin directories, ':'-separated")
    ap.add_argument("--cache-dir", required=True, help="libcni's cache (results of ADD)")
    ap.add_argument("--netns", default="")
    ap.add_argument("--container-id", default="")
    ap.add_argument("--ifname", default="eth0")
    ap.add_argument("--args", default="", help="CNI_ARGS, as K=V;K=V")
    ap.add_argument("--capability-args", default="", help="JSON: capability name -> runtime data")
    args = ap.parse_args()
    rt = Runtime(args)
    try:
        if args.command == "add":
            print(json.dumps(rt.add()))
        elif args.command == "check":
            rt.check()
        elif args.command == "del":
            rt.delete()
        else:
            rt.validate()
    except PluginError as e:
        print(e, file=sys.stderr)
        sys.stdout.write(e.output)
        sys.exit(1)


if __name__ == "__main__":
    main()
