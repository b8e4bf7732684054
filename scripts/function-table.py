#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""function-table.py: writes docs/functions.md, the table of every template
function the conformance cases use (consul-template v0.41.1's function map,
its sprig_* functions and Go's builtins): whether the engine has it, how
many recorded cases call it, and how many of those the engine still renders
differently (tests/conformance/known-differences.txt, with the reason).

The engine's functions are read from the families' tables in lib/tmpl/*.c
(rows '{ "name", fn, ...'); the cases from tests/conformance/cases/*.json.
Run it after adding a function or a case: python3 scripts/function-table.py
With --check it writes nothing and fails when docs/functions.md is stale
(scripts/test.sh runs that).
"""
import glob
import json
import os
import re
import sys

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROW = re.compile(r'^\s*\{\s*"([A-Za-z_][A-Za-z0-9_]*)",\s*([A-Za-z_]\w*)')
# A row whose function is one of these refuses on purpose (tmpl_sprig.c and
# tmpl_refuse.c say why), with this note.
REFUSE = {
    "sprig_refuse": "refused on purpose: it makes keys or random values, and "
                    "a template is rendered again on every change",
    "refuse_vault": "refused on purpose: the templater has no Vault client",
    "refuse_nomad": "refused on purpose: the templater has no Nomad client",
    "refuse_plugin": "refused on purpose: it would run an executable with "
                     "Consul data as arguments on every render",
    "refuse_sockaddr": "refused on purpose: go-sockaddr's template language "
                       "(pass the address in the environment)",
}
IDENT = re.compile(r'(?<![.$\w])([A-Za-z_][A-Za-z0-9_]*)')
ACTION = re.compile(r'\{\{-?(.*?)-?\}\}', re.S)
KEYWORDS = {"if", "else", "end", "range", "with", "define", "template",
            "block", "break", "continue", "nil", "true", "false"}


def engine_functions():
    names, refused = set(), {}
    for path in glob.glob(os.path.join(top, "lib/tmpl/*.c")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = ROW.match(line)
                if m and m.group(2) in REFUSE:
                    refused[m.group(1)] = REFUSE[m.group(2)]
                elif m:
                    names.add(m.group(1))
    return names, refused


def strip_strings(action):
    # Drop string, raw-string and char literals so their words do not count.
    return re.sub(r'"(\\.|[^"\\])*"|`[^`]*`|\'(\\.|[^\'\\])*\'', " ",
                  action)


def main():
    have, refused = engine_functions()
    known = {}
    with open(os.path.join(top, "tests/conformance/known-differences.txt"),
              encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, _, why = line.rstrip("\n").partition("\t")
                known[name] = why
    uses = {}
    for path in sorted(glob.glob(os.path.join(top,
                                              "tests/conformance/cases/*.json"))):
        with open(path, encoding="utf-8") as f:
            for case in json.load(f):
                words = set()
                for action in ACTION.findall(case["template"]):
                    for w in IDENT.findall(strip_strings(action)):
                        if w not in KEYWORDS:
                            words.add(w)
                for w in words:
                    uses.setdefault(w, []).append(case["name"])
    # A word is a function when the engine has it or a case lists it as
    # not implemented; other words are variables' fields and the like.
    missing = {}
    for name, why in known.items():
        m = re.match(r"not implemented yet: (\S+)", why)
        if m:
            missing.setdefault(m.group(1), why)
    # What consul-template said to each case: a sprig_ word it reports
    # as "not defined" in every case that uses it is not in its map (Sprig
    # functions that read the clock or the environment), so not a
    # function to build.
    recorded = {}
    for path in glob.glob(os.path.join(top,
                                       "tests/conformance/recorded/*.json")):
        with open(path, encoding="utf-8") as f:
            recorded.update(json.load(f).get("cases", {}))
    absent = sorted(
        w for w in uses if w.startswith("sprig_") and w not in have
        and w not in refused
        and all('function "%s" not defined' % w
                in recorded.get(c, {}).get("error", "") for c in uses[w]))
    # Every other sprig_ word is a function, as is a word no engine
    # function shares that a not-implemented case names in its reason's
    # first word.
    for w in uses:
        if w.startswith("sprig_") and w not in have and w not in absent:
            missing.setdefault(w, "not implemented yet")
    for name, why in known.items():
        m = re.match(r"not implemented(?: yet)?: ([A-Za-z_]\w*)", why)
        if m and m.group(1) in uses:
            missing.setdefault(m.group(1), why)
    funcs = sorted(set(have) | set(refused) | set(missing),
                   key=lambda f: (f.lower(), f))
    out = ["# Template functions", "",
           "Generated by `scripts/function-table.py` from the engine's "
           "function tables and the conformance cases "
           "(`tests/conformance/`, recorded from consul-template v0.41.1). "
           "*cases*: recorded cases that call the function; *differ*: of "
           "those, the ones the engine still renders differently "
           "(`known-differences.txt` gives each reason). *engine*: yes, no "
           "(not built yet) or refused (on purpose, with the reason).", "",
           "| function | engine | cases | differ | note |",
           "| --- | --- | ---: | ---: | --- |"]
    counts = {"yes": 0, "refused": 0, "no": 0}
    for name in funcs:
        cases = uses.get(name, [])
        differ = [c for c in cases if c in known]
        status = ("yes" if name in have else
                  "refused" if name in refused else "no")
        counts[status] += 1
        note = ""
        if status == "no":
            note = "not implemented yet"
        elif status == "refused":
            note = refused[name]
        elif differ:
            note = "; ".join(sorted({known[c] for c in differ}))[:120]
        out.append("| `%s` | %s | %d | %d | %s |" %
                   (name, status, len(cases), len(differ),
                    note.replace("|", "\\|")))
    out += ["", "%d functions: %d in the engine, %d refused on purpose, "
            "%d not yet." % (len(funcs), counts["yes"], counts["refused"],
                             counts["no"]), "",
            "Not in consul-template's function map, as its recorded "
            "\"not defined\" errors show, so not in the engine either: %s."
            % ", ".join("`%s`" % w for w in absent), ""]
    dest = os.path.join(top, "docs/functions.md")
    text = "\n".join(out)
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        try:
            with open(dest, encoding="utf-8") as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            print("function-table: %s is stale: run python3 "
                  "scripts/function-table.py" % os.path.relpath(dest, top),
                  file=sys.stderr)
            return 1
        print("function-table: %s is current" % os.path.relpath(dest, top))
        return 0
    with open(dest, "w", encoding="utf-8") as f:
        f.write(text)
    print("function-table: %s: %d functions, %d in the engine" %
          (os.path.relpath(dest, top), len(funcs), counts["yes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
