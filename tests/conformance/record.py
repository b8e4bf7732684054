# SPDX-License-Identifier: MIT
"""record.py: record the conformance suite's expectations from the real
consul-template (run by record.sh, which builds consul-template and starts
the Consul agents; see tests/conformance/README.md).

For every seed (tests/conformance/seeds/<seed>.json; a case without one runs
on an empty Consul) the agents are wiped and seeded, then every case on that
seed is rendered by `consul-template -once` with the case's options, and the
result is stored in tests/conformance/recorded/<case file>: the output, or
consul-template's error text, or "waits" (data it waited for never came).
The dependencies consul-template watched are recorded with each case, and
Consul's answers to them, as the templater would ask (tmpl_dep_endpoint), go
to tests/conformance/recorded/answers/<seed>.json: the engine's input in CI.
"""
import argparse
import base64
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
CASES = os.path.join(HERE, "cases")
SEEDS = os.path.join(HERE, "seeds")
RECORDED = os.path.join(HERE, "recorded")
ANSWERS = os.path.join(RECORDED, "answers")
EMPTY_SEED = "empty"

# consul-template -once renders within a few hundred milliseconds once its
# data is in; a case still running after this waits for data that never
# comes (a key that does not exist, an empty safeLs).
WAIT_SECONDS = 6.0
# A case that waited for data Consul does have was only slow (a loaded
# machine): it runs again with this much time.
SLOW_SECONDS = 30.0
# Cases rendered at once: the machine has 2 cores.
WORKERS = 2

ADDING = re.compile(r"\[DEBUG\] \(watcher\) adding (.*)$")
MISSING = re.compile(r"\[DEBUG\] \(runner\) missing dependency: (.*)$")
ERROR = re.compile(r"\[ERR\] \((?:cli|runner)\) (.*)$")
NEW_PASS = re.compile(r"\[DEBUG\] \(runner\) initiating run$")


def log(msg):
    print("record: " + msg, file=sys.stderr, flush=True)


class Consul:
    """The dev agents: dc1 (the one templates ask) and dc2 over the WAN."""

    def __init__(self, urls, node):
        self.urls = urls  # {"dc1": url, "dc2": url}
        self.node = node  # dc1's agent node, kept by the wipe

    def call(self, method, path, body=None, dc="dc1", ok404=False):
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.urls[dc] + path, data=data,
                                     method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            if ok404 and e.code == 404:
                return e.code, e.headers, e.read()
            raise SystemExit("record: %s %s (%s): HTTP %d: %s" % (
                method, path, dc, e.code, e.read()[:300]))

    def wipe(self):
        for dc in self.urls:
            _, _, body = self.call("GET", "/v1/catalog/nodes", dc=dc)
            for n in json.loads(body):
                if n["Node"] == self.node or n["Node"].startswith("bed-"):
                    continue
                self.call("PUT", "/v1/catalog/deregister",
                          {"Datacenter": dc, "Node": n["Node"]}, dc=dc)
            self.call("DELETE", "/v1/kv/?recurse", dc=dc)

    def seed(self, seed):
        for reg in seed.get("catalog", []):
            dc = reg.get("Datacenter", "dc1")
            self.call("PUT", "/v1/catalog/register", reg, dc=dc)
        for kv in seed.get("kv", []):
            dc = kv.get("dc", "dc1")
            if "value_base64" in kv:
                raw = base64.b64decode(kv["value_base64"])
            else:
                raw = kv["value"].encode()
            q = "?flags=%d" % kv["flags"] if kv.get("flags") else ""
            self.call("PUT", "/v1/kv/" + urllib.parse.quote(kv["key"], safe="/")
                      + q, raw, dc=dc)

    def really_waits(self, deps):
        """True when Consul has no data for any of deps (a 404 key, an
        empty prefix) or they are not Consul's (Vault, Nomad)."""
        if deps == ["(no dependency named)"]:
            return False
        return all(dep_path(d, self.node) is None or _no_data(self.answer(d))
                   for d in deps)

    def answer(self, dep):
        """Consul's answer to dep as the templater's watcher asks for it
        (tmpl_dep_endpoint): the body, or None for a 404 with an index."""
        path = dep_path(dep, self.node)
        if path is None:
            return None
        status, headers, body = self.call("GET", path, ok404=True)
        if status == 404:
            if headers.get("X-Consul-Index") is None:
                raise SystemExit("record: %s: 404 without an index" % dep)
            return None
        return json.loads(body)


def _no_data(answer):
    return answer is None or answer == []


def split_dep(dep):
    """kind, name, query, dc, near, filters of a canonical dependency."""
    m = re.match(r"^([a-z]+\.[a-z]+)(?:\((.*)\))?$", dep, re.S)
    if m is None:
        return "", dep, "", "", "", ""
    kind, inner = m.group(1), m.group(2) or ""
    filters = near = dc = query = ""
    if kind.startswith("health.") and "|" in inner:
        inner, filters = inner.rsplit("|", 1)
    if "~" in inner:
        inner, near = inner.rsplit("~", 1)
    if "@" in inner:
        inner, dc = inner.rsplit("@", 1)
    if "?" in inner:
        inner, query = inner.split("?", 1)
    return kind, inner, query, dc, near, filters


def dep_path(dep, local_node):
    """The path and query the templater's watcher uses for dep."""
    fixed = {"catalog.datacenters": "/v1/catalog/datacenters",
             "connect.caroots": "/v1/agent/connect/ca/roots",
             "list.peerings": "/v1/peerings"}
    if dep in fixed:
        return fixed[dep]
    if dep.startswith("list.peerings?"):
        return None  # Consul CE refuses partitions: no answer to store
    if dep.startswith("connect.caleaf(") and dep.endswith(")"):
        return "/v1/agent/connect/ca/leaf/" + urllib.parse.quote(
            dep[len("connect.caleaf("):-1], safe="")
    kind, name, query, dc, near, filters = split_dep(dep)
    params = []
    q = lambda s: urllib.parse.quote(s, safe="")
    if kind in ("health.service", "health.connect"):
        tag = ""
        if "." in name:
            tag, name = name.rsplit(".", 1)
        path = "/v1/%s/%s" % (kind.replace(".", "/"), q(name))
        if dc:
            params.append("dc=" + q(dc))
        if near:
            params.append("near=" + q(near))
        if tag:
            params.append("tag=" + q(tag))
        if filters == "passing":
            params.append("passing=1")
    elif kind in ("kv.block", "kv.get", "kv.list"):
        path = "/v1/kv/" + q(name)
        if dc:
            params.append("dc=" + q(dc))
        if kind == "kv.list":
            params.append("recurse=")
    elif kind == "catalog.services":
        path = "/v1/catalog/services"
        if dc:
            params.append("dc=" + q(dc))
    elif kind == "catalog.node":
        path = "/v1/catalog/node/" + q(name or local_node)
        if dc:
            params.append("dc=" + q(dc))
    elif kind == "catalog.nodes":
        path = "/v1/catalog/nodes"
        if dc:
            params.append("dc=" + q(dc))
        if near:
            params.append("near=" + q(near))
    else:
        return None  # not a dependency the templater asks Consul for
    if query:
        params.append(query)
    return path + ("?" + "&".join(params) if params else "")


def consul_dep(dep):
    return not dep.startswith("file(")


def render(ct, consul_addr, case, tmp, wait=WAIT_SECONDS):
    """Runs consul-template -once on one case: its recorded result."""
    out = os.path.join(tmp, "out")
    tpl = {"destination": out,
           "error_on_missing_key": bool(case.get("error_on_missing_key"))}
    if case["template"] == "":
        # consul-template takes empty contents for none at all.
        tpl["source"] = os.path.join(tmp, "in.tmpl")
        open(tpl["source"], "w").close()
    else:
        tpl["contents"] = case["template"]
    if "left_delim" in case:
        tpl["left_delimiter"] = case["left_delim"]
    if "right_delim" in case:
        tpl["right_delimiter"] = case["right_delim"]
    if "sandbox" in case:
        tpl["sandbox_path"] = case["sandbox"]
    cfg = {"consul": {"address": consul_addr, "retry": {"enabled": False}},
           "log_level": "debug", "template": [tpl]}
    cfgpath = os.path.join(tmp, "config.json")
    with open(cfgpath, "w") as f:
        # Characters outside the BMP as \u escapes (surrogate pairs) make
        # consul-template's config parser panic: write them as UTF-8.
        json.dump(cfg, f, ensure_ascii=False)
    # Only the case's environment: env and mustEnv see nothing else.
    env = dict(case.get("env", {}))
    proc = subprocess.Popen([ct, "-once", "-config", cfgpath], cwd=TESTS,
                            env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    waited = False
    try:
        text, _ = proc.communicate(timeout=wait)
    except subprocess.TimeoutExpired:
        waited = True
        proc.kill()  # it takes SIGTERM as a signal to pass on, not to exit
        text, _ = proc.communicate()
    lines = text.decode("utf-8", "replace").splitlines()
    deps, missing, errors = [], [], []
    for line in lines:
        if NEW_PASS.search(line):
            missing = []  # what the last pass still lacked
        m = ADDING.search(line)
        if m and m.group(1) not in deps:
            deps.append(m.group(1))
        m = MISSING.search(line)
        if m:
            missing.append(m.group(1))
        m = ERROR.search(line)
        if m:
            errors.append(m.group(1))
    rec = {}
    if waited:
        rec["waits"] = sorted(set(missing)) or ["(no dependency named)"]
    elif proc.returncode == 0:
        with open(out, "rb") as f:
            raw = f.read()
        try:
            rec["output"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            # The harness compares JSON strings: give the case text output.
            raise SystemExit("record: %s: the output is not UTF-8"
                             % case["name"])
    else:
        rec["error"] = errors[-1] if errors else "exit %d: %s" % (
            proc.returncode, " / ".join(lines[-3:]))
        rec["exit"] = proc.returncode
    rec["deps"] = sorted(deps)
    # pkiCert's dependency names the destination: not the temp dir's name.
    return json.loads(json.dumps(rec).replace(out, "DESTINATION"))


def load_cases():
    files = {}
    for fn in sorted(os.listdir(CASES)):
        if fn.endswith(".json"):
            with open(os.path.join(CASES, fn)) as f:
                files[fn] = json.load(f)
    return files


def load_seed(name):
    if name == EMPTY_SEED:
        return {}
    with open(os.path.join(SEEDS, name + ".json")) as f:
        return json.load(f)


def dump(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ct", required=True, help="consul-template binary")
    ap.add_argument("--dc1", required=True, help="dc1 agent host:port")
    ap.add_argument("--dc2", required=True, help="dc2 agent host:port")
    ap.add_argument("--node", required=True, help="dc1 agent's node name")
    ap.add_argument("--only", default="", help="regex: cases to re-record")
    args = ap.parse_args()
    consul = Consul({"dc1": "http://" + args.dc1, "dc2": "http://" + args.dc2},
                    args.node)
    only = re.compile(args.only) if args.only else None
    files = load_cases()
    os.makedirs(ANSWERS, exist_ok=True)

    # Recorded results so far: --only keeps the others.
    recorded = {}
    for fn in files:
        p = os.path.join(RECORDED, fn)
        recorded[fn] = {}
        if os.path.exists(p) and only is not None:
            with open(p) as f:
                recorded[fn] = json.load(f)["cases"]

    groups = {}
    names = set()
    for fn, cases in files.items():
        for c in cases:
            if c["name"] in names:
                raise SystemExit("record: case %s twice" % c["name"])
            names.add(c["name"])
            if "not_recorded" in c:
                continue
            if only is not None and not only.search(c["name"]):
                continue
            groups.setdefault(c.get("seed", EMPTY_SEED), []).append((fn, c))

    start = time.monotonic()
    ncases = 0
    with tempfile.TemporaryDirectory(prefix="conformance-record.") as tmpdir, \
            concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        for seed_name in sorted(groups):
            group = groups[seed_name]
            consul.wipe()
            consul.seed(load_seed(seed_name))
            futures = []
            for i, (fn, c) in enumerate(group):
                tmp = os.path.join(tmpdir, "%s.%d" % (seed_name, i))
                os.mkdir(tmp)
                futures.append(pool.submit(render, args.ct, args.dc1, c, tmp))
            deps = set()
            for i, ((fn, c), fut) in enumerate(zip(group, futures)):
                rec = {"seed": seed_name}
                rec.update(fut.result())
                if "waits" in rec and not consul.really_waits(rec["waits"]):
                    # Slow, not waiting: Consul has that data. Once more,
                    # with time to spare.
                    log("%s: waited for data Consul has: again" % c["name"])
                    tmp = os.path.join(tmpdir, "%s.%d.again" % (seed_name, i))
                    os.mkdir(tmp)
                    rec = {"seed": seed_name}
                    rec.update(render(args.ct, args.dc1, c, tmp, SLOW_SECONDS))
                    if "waits" in rec and not consul.really_waits(rec["waits"]):
                        raise SystemExit("record: %s waits for %s, which "
                                         "Consul has" % (c["name"], rec["waits"]))
                recorded[fn][c["name"]] = rec
                deps.update(d for d in rec["deps"] if consul_dep(d))
                ncases += 1
            apath = os.path.join(ANSWERS, seed_name + ".json")
            answers = {}
            if only is not None and os.path.exists(apath):
                with open(apath) as f:
                    answers = json.load(f)
            for d in sorted(deps):
                if dep_path(d, consul.node) is not None:
                    answers[d] = consul.answer(d)
            dump(apath, dict(sorted(answers.items())))
            log("%-36s %3d cases, %2d answers" % (seed_name, len(group),
                                                 len(answers)))
    # Recorded files in the case files' order.
    for fn, cases in files.items():
        out = {}
        for c in cases:
            if c["name"] in recorded[fn] and "not_recorded" not in c:
                out[c["name"]] = recorded[fn][c["name"]]
        dump(os.path.join(RECORDED, fn), {
            "recorded_with": "consul-template v0.41.1, Consul v1.16.3 dev agents dc1 and dc2",
            "cases": out})
    log("%d cases recorded in %.0f s" % (ncases, time.monotonic() - start))


if __name__ == "__main__":
    main()
