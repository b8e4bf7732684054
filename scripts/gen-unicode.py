#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# gen-unicode.py [UCD_DIR] > lib/unicode_tables.inc
#
# Generates the Unicode tables of lib/unicode.c from the Unicode Character
# Database as Debian's unicode-data package installs it (/usr/share/unicode,
# version 15.0.0, the version Go's unicode package of Go 1.21 to 1.26 is
# built from).  It reads UnicodeData.txt (general categories, simple case
# mappings), Scripts.txt, CaseFolding.txt (simple foldings: statuses C
# and S) and PropertyValueAliases.txt (the long names of the general
# categories), and writes, as Go's unicode package has them:
#   - the range tables of every general category, including the groups
#     (L, LC, M, ...) and Cn (unassigned code points, which C includes);
#   - the range tables of every script;
#   - the fold tables: the code points that are not in a category or a
#     script but fold to one that is (Go's FoldCategory and FoldScript);
#   - the aliases of the general categories ("Letter" for L, "digit"
#     for Nd: Go's CategoryAliases);
#   - the simple upper, lower and title case mappings as ranges of deltas
#     (Go's CaseRanges);
#   - the case orbits that the simple mappings alone do not describe (Go's
#     caseOrbit), which SimpleFold consults first;
#   - the ranges of the runes that simple folding maps to another rune,
#     so that folding a character class visits those runes only.
# Run by hand after a Unicode upgrade; the output is committed.
# tests/unit/test_unicode.c compares every table and mapping with Go's.
import os
import sys

MAX_RUNE = 0x10FFFF
UPPER_LOWER = MAX_RUNE + 1  # marks an alternating Upper/Lower run

ucd = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode"


def read_version():
    """The version from the first line of Scripts.txt: "# Scripts-15.0.0.txt"."""
    with open(os.path.join(ucd, "Scripts.txt"), encoding="utf-8") as f:
        head = f.readline().strip()
    if not (head.startswith("# Scripts-") and head.endswith(".txt")):
        sys.exit("gen-unicode: no version on the first line of Scripts.txt")
    return head[len("# Scripts-"):-len(".txt")]


def lines(name):
    with open(os.path.join(ucd, name), encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                yield [field.strip() for field in line.split(";")]


category = {}  # rune -> general category
upper, lower, title = {}, {}, {}
first = None
for f in lines("UnicodeData.txt"):
    r = int(f[0], 16)
    if f[1].endswith(", First>"):
        first = r
        continue
    if f[1].endswith(", Last>"):
        for c in range(first, r + 1):
            category[c] = f[2]
        continue
    category[r] = f[2]
    if f[12]:
        upper[r] = int(f[12], 16)
    if f[13]:
        lower[r] = int(f[13], 16)
    # An empty title case mapping means the upper case one.
    if f[14]:
        title[r] = int(f[14], 16)
    elif f[12]:
        title[r] = int(f[12], 16)

scripts = {}  # name -> set of runes
for f in lines("Scripts.txt"):
    lo, _, hi = f[0].partition("..")
    lo = int(lo, 16)
    hi = int(hi, 16) if hi else lo
    scripts.setdefault(f[1], set()).update(range(lo, hi + 1))

fold = {}  # rune -> simple case folding (statuses C and S)
for f in lines("CaseFolding.txt"):
    if f[1] in ("C", "S"):
        fold[int(f[0], 16)] = int(f[2], 16)


def ranges_of(runes):
    out = []
    for r in sorted(runes):
        if out and out[-1][1] + 1 == r:
            out[-1][1] = r
        else:
            out.append([r, r])
    return out


# General categories: the two-letter ones, their one-letter groups, LC,
# and Cn for every code point UnicodeData.txt does not list.
cats = {}
for r in range(MAX_RUNE + 1):
    c = category.get(r, "Cn")
    cats.setdefault(c, set()).add(r)
    cats.setdefault(c[0], set()).add(r)
    if c in ("Lu", "Ll", "Lt"):
        cats.setdefault("LC", set()).add(r)

# Case orbits, as Go builds them: the runes sharing one simple folding form
# an orbit; a rune with case mappings but no folding is an orbit of its
# own; an orbit of two that the upper/lower mappings already describe is
# left out, since SimpleFold falls back on those.
orbits = {}
for r, f in fold.items():
    orbits.setdefault(f, [f]).append(r)
for r in sorted(category):
    f = fold.get(r, r)
    if f not in orbits and (upper.get(r, r) != r or lower.get(r, r) != r):
        orbits[r] = [r]
for key in list(orbits):
    orb = orbits[key]
    if len(orb) == 2:
        a, b = orb
        if upper.get(a) == b and lower.get(b) == a:
            del orbits[key]
        elif upper.get(b) == a and lower.get(a) == b:
            del orbits[key]
orbit_next = {}
for orb in orbits.values():
    orb = sorted(set(orb))
    for i, r in enumerate(orb):
        orbit_next[r] = orb[(i + 1) % len(orb)]


def fold_exceptions(members):
    """Runes fold-equivalent to a member without being members."""
    m = set()
    for r in members:
        if r not in orbit_next:
            if r in upper:
                m.add(upper[r])
            if r in lower:
                m.add(lower[r])
            continue
        c = orbit_next[r]
        while c != r:
            m.add(c)
            c = orbit_next[c]
    return m - members

aliases = []  # (alias, category)
for f in lines("PropertyValueAliases.txt"):
    if f[0] == "gc":
        aliases += [(a, f[1]) for a in f[2:]]


# Case ranges: runs of consecutive runes with the same deltas, or runs that
# alternate upper (lower is next) and lower (upper is previous).
def deltas(r):
    return (upper.get(r, r) - r, lower.get(r, r) - r, title.get(r, r) - r)


cased = sorted(set(upper) | set(lower) | set(title))
cased = [r for r in cased if deltas(r) != (0, 0, 0)]
case_ranges = []
i = 0
while i < len(cased):
    lo = cased[i]
    d = deltas(lo)
    j = i
    if d == (0, 1, 0) and i + 1 < len(cased) and cased[i + 1] == lo + 1 \
            and deltas(lo + 1) == (-1, 0, -1):
        while j + 1 < len(cased) and cased[j + 1] == cased[j] + 1 \
                and deltas(cased[j + 1]) == ((0, 1, 0) if (j + 1 - i) % 2 == 0
                                            else (-1, 0, -1)):
            j += 1
        case_ranges.append((lo, cased[j], (UPPER_LOWER,) * 3))
    else:
        while j + 1 < len(cased) and cased[j + 1] == cased[j] + 1 \
                and deltas(cased[j + 1]) == d:
            j += 1
        case_ranges.append((lo, cased[j], d))
    i = j + 1


def simple_fold(r):
    """Go's unicode.SimpleFold."""
    if r in orbit_next:
        return orbit_next[r]
    if lower.get(r, r) != r:
        return lower[r]
    return upper.get(r, r)


foldable = [r for r in cased + sorted(orbit_next) if simple_fold(r) != r]


def c_name(name):
    return name.lower()


out = sys.stdout
version = read_version()
out.write("/* SPDX-License-Identifier: MIT */\n")
out.write("/*\n * Generated by scripts/gen-unicode.py from the Unicode Character Database,\n")
out.write(f" * Unicode {version} (Debian's unicode-data package): do not edit.\n")
out.write(" * Included by lib/unicode.c only.\n */\n\n")
out.write(f'#define UNICODE_TABLES_VERSION "{version}"\n\n')


def write_ranges(cname, runes):
    rs = ranges_of(runes)
    out.write(f"static const struct unicode_range {cname}[] = {{\n")
    for lo, hi in rs:
        out.write(f"\t{{ 0x{lo:04x}, 0x{hi:04x} }},\n")
    out.write("};\n\n")
    return len(rs)


def write_tables(kind, array, table, names):
    rows = []
    for name in names:
        members = table[name]
        n = write_ranges(f"{kind}_{c_name(name)}", members)
        # Go's unicode package has no FoldCategory entry for LC (it came
        # with Go 1.25, without one), so (?i)\p{LC} adds no foldings.
        fx = fold_exceptions(members) if name != "LC" else set()
        nf = 0
        if fx:
            nf = write_ranges(f"{kind}_fold_{c_name(name)}", fx)
        rows.append((name, n, nf))
    out.write(f"static const struct unicode_table {array}[] = {{\n")
    for name, n, nf in rows:
        fold_ref = f"{kind}_fold_{c_name(name)}" if nf else "NULL"
        out.write(f'\t{{ "{name}", {kind}_{c_name(name)}, {n}, {fold_ref}, {nf} }},\n')
    out.write("};\n\n")


# Sorted by strcmp order, for bsearch.
write_tables("category", "unicode_categories", cats, sorted(cats, key=lambda s: s.encode()))
write_tables("script", "unicode_scripts", scripts, sorted(scripts, key=lambda s: s.encode()))

out.write("static const struct unicode_alias unicode_aliases[] = {\n")
for a, c in sorted(aliases, key=lambda x: x[0].encode()):
    out.write(f'\t{{ "{a}", "{c}" }},\n')
out.write("};\n\n")

out.write("static const struct unicode_case_range unicode_case_ranges[] = {\n")
for lo, hi, d in case_ranges:
    if d == (UPPER_LOWER,) * 3:
        ds = "UNICODE_UPPER_LOWER_RUN"
    else:
        ds = "{ " + ", ".join(str(x) for x in d) + " }"
    out.write(f"\t{{ 0x{lo:04x}, 0x{hi:04x}, {ds} }},\n")
out.write("};\n\n")

write_ranges("unicode_foldable_ranges", set(foldable))

out.write("static const struct unicode_orbit unicode_case_orbit[] = {\n")
for r in sorted(orbit_next):
    out.write(f"\t{{ 0x{r:04x}, 0x{orbit_next[r]:04x} }},\n")
out.write("};\n")
