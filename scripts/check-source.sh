#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check-source.sh: source checks that need no build.
#
#	scripts/check-source.sh [FILE...]           banned functions (default)
#	scripts/check-source.sh --format [FILE...]  clang-format --dry-run -Werror
#
# Without FILE, every *.c and *.h under lib/ registrator/ templater/ tests/.
# Exit status: 0 clean, 1 findings (one "file:line: ..." line each on
# stdout), 2 usage or tool errors.
#
# Banned functions (the house style): sprintf vsprintf strcpy strcat
# strncpy strtok gets atoi atol system popen, and a scanf family call
# (scanf sscanf fscanf vscanf vsscanf vfscanf) whose format has a %s or %[
# conversion without a width.
# The reasons: no bound on the destination (sprintf, vsprintf, strcpy,
# strcat, gets, unbounded %s), a destination that is not terminated when
# the source is too long (strncpy), hidden static state (strtok; strtok_r
# keeps its state in the caller's pointer and is allowed), no error report
# (atoi, atol: use lib/str.h), a shell between us and the program (system,
# popen: lib/proc.h runs an argv).
#
# What counts: a call, that is the name as a whole word followed by "(",
# outside comments, string and character literals, and not a member
# (".name(" or "->name(").  snprintf, vsnprintf, strtok_r, fgets, strtoll
# and the like are other words and pass.  In a scanf format, a width
# ("%15s"), assignment suppression ("%*s": nothing is stored) or glibc's
# allocating "%ms" bound the conversion; a format that is not a string
# literal cannot be checked and is reported.
#
# --format runs the tree's .clang-format over the same files and changes
# nothing; scripts/test.sh runs it as one test.  To format a file you
# changed: clang-format -i FILE.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=banned
if [[ ${1:-} == --format ]]; then
	mode=format
	shift
elif [[ ${1:-} == -* ]]; then
	echo "usage: check-source.sh [--format] [FILE...]" >&2
	exit 2
fi

files=()
if (($# > 0)); then
	files=("$@")
else
	cd "$top" || exit 2
	mapfile -t files < <(find lib registrator templater tests \
	    -name '*.[ch]' -type f 2>/dev/null | LC_ALL=C sort)
fi
((${#files[@]} > 0)) || { echo "check-source: no C files found" >&2; exit 2; }

if [[ $mode == format ]]; then
	cf=${CLANG_FORMAT:-clang-format}
	command -v "$cf" >/dev/null ||
	    { echo "check-source: $cf is not installed" >&2; exit 2; }
	if "$cf" --dry-run -Werror "${files[@]}"; then
		echo "check-source: ${#files[@]} files formatted as .clang-format says"
		exit 0
	fi
	echo "check-source: files differ from .clang-format (see above)" >&2
	exit 1
fi

py=/usr/bin/python3
[[ -x $py ]] || py=python3
exec "$py" -I - "${files[@]}" <<'PY'
import bisect, re, sys

BANNED = ("sprintf", "vsprintf", "strcpy", "strcat", "strncpy", "strtok",
          "gets", "atoi", "atol", "system", "popen")
# scanf family: the index of the format among the arguments.
SCANF = {"scanf": 0, "vscanf": 0, "sscanf": 1, "fscanf": 1, "vsscanf": 1,
         "vfscanf": 1}
CALL = re.compile(r"(?<![\w.])(?<!->)\b(%s)\s*\(" %
                  "|".join(BANNED + tuple(SCANF)))
LITERAL = re.compile(r'(?:\b(?:u8|u|U|L))?"((?:[^"\\\n]|\\.)*)"')
# One conversion after '%': position, suppression, width, allocation,
# length, then the conversion itself (a scanset up to its closing ']').
SPEC = re.compile(r"(\d+\$)?(\*)?(\d*)(m)?(hh|h|ll|l|j|z|t|L|q)?"
                  r"(\[\^?\]?[^\]]*\]|\[|.)?", re.S)


def blank(chars, i, j):
    for k in range(i, j):
        if chars[k] != "\n":
            chars[k] = " "


def strip(src):
    """The source with comments and literal contents blanked, same offsets."""
    chars = list(src)
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            blank(chars, i, j)
            i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(chars, i, j)
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c and src[j] != "\n":
                j += 2 if src[j] == "\\" else 1
            blank(chars, i + 1, min(j, n))
            i = j + 1
        else:
            i += 1
    return "".join(chars)


def args(code, open_paren):
    """(start, end) of each top-level argument of the call."""
    spans, depth, start = [], 0, open_paren + 1
    for k in range(open_paren, len(code)):
        c = code[k]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                spans.append((start, k))
                return spans
        elif c == "," and depth == 1:
            spans.append((start, k))
            start = k + 1
    return spans


def unbounded(fmt):
    """The first %s or %[ conversion of fmt without a bound, or None."""
    i = 0
    while True:
        i = fmt.find("%", i)
        if i < 0:
            return None
        if fmt.startswith("%%", i):
            i += 2
            continue
        m = SPEC.match(fmt, i + 1)
        conv = m.group(6) or ""
        if conv[:1] in ("s", "[") and not (m.group(2) or m.group(3)
                                             or m.group(4)):
            return fmt[i:m.end()]
        i = m.end()


def check(path, out):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            src = f.read()
    except OSError as e:
        print("check-source: %s: %s" % (path, e.strerror), file=sys.stderr)
        return False
    code = strip(src)
    lines = [0] + [m.end() for m in re.finditer("\n", src)]
    for m in CALL.finditer(code):
        name = m.group(1)
        line = bisect.bisect_right(lines, m.start())
        if name not in SCANF:
            out.append("%s:%d: %s (banned)" % (path, line, name))
            continue
        spans = args(code, m.end() - 1)
        if len(spans) <= SCANF[name]:
            out.append("%s:%d: %s without a format argument" %
                       (path, line, name))
            continue
        a, b = spans[SCANF[name]]
        pieces = LITERAL.findall(src, a, b)
        if not pieces:
            out.append("%s:%d: %s with a format that is not a string "
                       "literal (cannot check its widths)" %
                       (path, line, name))
            continue
        spec = unbounded("".join(pieces))
        if spec is not None:
            out.append("%s:%d: %s with %s and no width (unbounded)" %
                       (path, line, name, spec))
    return True


findings, ok = [], True
for p in sys.argv[1:]:
    ok = check(p, findings) and ok
for f in findings:
    print(f)
if not ok:
    sys.exit(2)
if findings:
    print("check-source: %d banned call(s) in %d files" %
          (len(findings), len(sys.argv) - 1), file=sys.stderr)
    sys.exit(1)
print("check-source: %d files, no banned call" % (len(sys.argv) - 1))
PY
