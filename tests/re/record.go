// SPDX-License-Identifier: MIT
//
// record.go: records what Go's regexp and unicode packages answer, as the
// fixtures tests/unit/test_re.c and tests/unit/test_unicode.c replay
// against lib/re.h and lib/unicode.h.  Run by hand from the top of the
// tree (never by CI; the fixtures are committed):
//
//	GOTOOLCHAIN=local go run tests/re/record.go
//
// It reads tests/re/cases.txt, adds a fixed set of generated cases (random
// patterns from a small grammar, with a fixed seed, and \p{NAME} for every
// Unicode class name) and writes tests/re/fixture.json, an array of the
// cases, one per line; it writes
// tests/re/unicode.json with every table and case mapping of package
// unicode.  Standard library only.
//
// A line of cases.txt is
//
//	PATTERN SUBJECT [REPL] [n=N] [longest] [literal]
//
// with Go-quoted strings; SUBJECT is "-" to record the compile result
// only, and may be built as "ab"*1000+"c".  Each case records: the
// compile error, or MatchString, FindStringSubmatchIndex,
// FindAllStringSubmatchIndex (-1 and N), ReplaceAllString (REPL, default
// "<$0>") and Split (-1 and N).  Results over a large subject are
// recorded as a count and an FNV-1a hash.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// bigSubject is the subject size past which results are hashed.
const bigSubject = 4096

type part struct {
	s     string
	count int
}

type caseIn struct {
	pattern string
	parts   []part // nil: compile only
	repl    string
	n       int
	longest bool
	literal bool
}

// enc is a byte string as JSON: a string when it is valid UTF-8 without
// NUL (what cJSON can hold), else {"hex": "..."}.
func enc(s string) any {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return map[string]string{"hex": hex.EncodeToString([]byte(s))}
}

// hashMatches hashes a list of index lists, one after another.
func hashMatches(ms [][]int) string {
	f := fnv.New64a()
	var b [8]byte
	for _, m := range ms {
		for _, x := range m {
			binary.LittleEndian.PutUint64(b[:], uint64(int64(x)))
			f.Write(b[:])
		}
	}
	return fmt.Sprintf("%016x", f.Sum64())
}

// hashPieces hashes strings as their length (8 bytes) then their bytes.
func hashPieces(ps []string) string {
	f := fnv.New64a()
	var b [8]byte
	for _, p := range ps {
		binary.LittleEndian.PutUint64(b[:], uint64(len(p)))
		f.Write(b[:])
		f.Write([]byte(p))
	}
	return fmt.Sprintf("%016x", f.Sum64())
}

func hashString(s string) string {
	f := fnv.New64a()
	f.Write([]byte(s))
	return fmt.Sprintf("%016x", f.Sum64())
}

func record(c caseIn) map[string]any {
	out := map[string]any{"p": enc(c.pattern)}
	var flags []string
	if c.longest {
		flags = append(flags, "longest")
	}
	if c.literal {
		flags = append(flags, "literal")
	}
	if flags != nil {
		out["flags"] = strings.Join(flags, ",")
	}
	expr := c.pattern
	if c.literal {
		expr = regexp.QuoteMeta(c.pattern)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		out["err"] = enc(err.Error())
		return out
	}
	if c.longest {
		re.Longest()
	}
	out["nsub"] = re.NumSubexp()
	out["names"] = re.SubexpNames()
	if c.parts == nil {
		return out
	}
	var sb strings.Builder
	var jparts [][]any
	for _, p := range c.parts {
		sb.WriteString(strings.Repeat(p.s, p.count))
		jparts = append(jparts, []any{enc(p.s), p.count})
	}
	s := sb.String()
	if len(c.parts) == 1 && c.parts[0].count == 1 {
		out["s"] = enc(s)
	} else {
		out["s_parts"] = jparts
	}
	out["repl"] = enc(c.repl)
	out["n"] = c.n
	big := len(s) > bigSubject
	out["match"] = re.MatchString(s)
	out["find"] = re.FindStringSubmatchIndex(s)
	all := re.FindAllStringSubmatchIndex(s, -1)
	alln := re.FindAllStringSubmatchIndex(s, c.n)
	rep := re.ReplaceAllString(s, c.repl)
	split := re.Split(s, -1)
	splitn := re.Split(s, c.n)
	if big {
		out["all_count"] = len(all)
		out["all_hash"] = hashMatches(all)
		out["alln_count"] = len(alln)
		out["alln_hash"] = hashMatches(alln)
		out["replace_len"] = len(rep)
		out["replace_hash"] = hashString(rep)
		out["split_count"] = len(split)
		out["split_hash"] = hashPieces(split)
		out["splitn_count"] = len(splitn)
		out["splitn_hash"] = hashPieces(splitn)
		return out
	}
	if all == nil {
		all = [][]int{}
	}
	if alln == nil {
		alln = [][]int{}
	}
	out["all"] = all
	out["alln"] = alln
	out["replace"] = enc(rep)
	encs := func(ss []string) []any {
		r := []any{}
		for _, x := range ss {
			r = append(r, enc(x))
		}
		return r
	}
	out["split"] = encs(split)
	out["splitn"] = encs(splitn)
	return out
}

// parseSubject reads "a"*3+"b" (Go-quoted strings with optional counts).
func parseSubject(t string) ([]part, string, error) {
	var parts []part
	for {
		q, err := strconv.QuotedPrefix(t)
		if err != nil {
			return nil, t, err
		}
		s, _ := strconv.Unquote(q)
		t = t[len(q):]
		count := 1
		if strings.HasPrefix(t, "*") {
			i := 1
			for i < len(t) && t[i] >= '0' && t[i] <= '9' {
				i++
			}
			count, err = strconv.Atoi(t[1:i])
			if err != nil {
				return nil, t, err
			}
			t = t[i:]
		}
		parts = append(parts, part{s, count})
		if !strings.HasPrefix(t, "+") {
			return parts, t, nil
		}
		t = t[1:]
	}
}

func parseLine(line string) (caseIn, error) {
	c := caseIn{repl: "<$0>", n: 2}
	t := line
	q, err := strconv.QuotedPrefix(t)
	if err != nil {
		return c, fmt.Errorf("pattern: %v", err)
	}
	c.pattern, _ = strconv.Unquote(q)
	t = strings.TrimLeft(t[len(q):], " \t")
	if strings.HasPrefix(t, "-") {
		t = t[1:]
	} else {
		c.parts, t, err = parseSubject(t)
		if err != nil {
			return c, fmt.Errorf("subject: %v", err)
		}
	}
	for {
		t = strings.TrimLeft(t, " \t")
		if t == "" {
			break
		}
		if strings.HasPrefix(t, "\"") {
			q, err := strconv.QuotedPrefix(t)
			if err != nil {
				return c, fmt.Errorf("repl: %v", err)
			}
			c.repl, _ = strconv.Unquote(q)
			t = t[len(q):]
			continue
		}
		f, rest, _ := strings.Cut(t, " ")
		t = rest
		switch {
		case strings.HasPrefix(f, "n="):
			c.n, err = strconv.Atoi(f[2:])
			if err != nil {
				return c, err
			}
		case f == "longest":
			c.longest = true
		case f == "literal":
			c.literal = true
		default:
			return c, fmt.Errorf("unknown field %q", f)
		}
	}
	return c, nil
}

// Random patterns from a small grammar over a small alphabet, so that
// random subjects match often and every construct meets the others.
var atoms = []string{"a", "b", "c", "é", "\n", ".", "[ab]", "[^a]", "[a-c]",
	`\w`, `\W`, `\d`, `\s`, `\b`, `\B`, "^", "$", `\A`, `\z`, "(?i:a)", "A",
	"(?s:.)", "(?m:^)", "(?m:$)", `\pL`, "[[:alpha:]]", "x", ""}
var reps = []string{"*", "+", "?", "*?", "+?", "??", "{2}", "{0,2}", "{1,}",
	"{2,3}?", "{0}"}

func randPattern(r *rand.Rand, depth int) string {
	n := 1 + r.IntN(3)
	var b strings.Builder
	for i := 0; i < n; i++ {
		var a string
		switch k := r.IntN(10); {
		case depth < 3 && k < 2:
			a = "(" + randPattern(r, depth+1) + ")"
		case depth < 3 && k < 3:
			a = "(?:" + randPattern(r, depth+1) + ")"
		case depth < 3 && k < 4:
			a = "(" + randPattern(r, depth+1) + "|" + randPattern(r, depth+1) + ")"
		default:
			a = atoms[r.IntN(len(atoms))]
		}
		if a != "" && a != "^" && a != "$" && r.IntN(3) == 0 {
			a += reps[r.IntN(len(reps))]
		}
		b.WriteString(a)
	}
	if depth == 0 && r.IntN(4) == 0 {
		return b.String() + "|" + randPattern(r, 1)
	}
	return b.String()
}

func randSubject(r *rand.Rand) string {
	alphabet := []string{"a", "b", "c", "é", "\n", "A", " ", "1", "\xff", "x"}
	n := r.IntN(10)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

func generated() []caseIn {
	var cs []caseIn
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1500; i++ {
		p := randPattern(r, 0)
		c := caseIn{pattern: p, parts: []part{{randSubject(r), 1}},
			repl: "[$1]", n: 1 + r.IntN(3)}
		if i%10 == 0 {
			c.longest = true
		}
		cs = append(cs, c)
	}
	// Every Unicode class name, as given and loosely spelled, plain and
	// negated twice with case folding, against a sample of runes.
	var sample strings.Builder
	for _, x := range []rune{'a', 'Z', '5', ' ', '\n', 'é', 'ß', 'ſ', 'K', 'Σ',
		'ς', 'σ', 'ͅ', 'ι', 'Ꮃ', 'ꭳ', '٣', '中', 'ア', '😀', '\u00ad', '\u2028',
		'\U000E0001', '\uE000', '\U0010FFFF', '\u0378', 'Ǆ', 'ǅ', 'ǆ', 'ꙋ'} {
		sample.WriteRune(x)
	}
	var names []string
	for n := range unicode.Categories {
		names = append(names, n)
	}
	for n := range unicode.Scripts {
		names = append(names, n)
	}
	for n := range unicode.CategoryAliases {
		names = append(names, n)
	}
	names = append(names, "Any", "Assigned", "ASCII", "ascii", "LC", "Lc",
		"lc", "L&", "greek", "GREEK", "Latin_", "-latin", "cased letter",
		"Old_Italic", "Olditalic", "SignWriting", "Nko", "NKo", "Zzzz",
		"Unknown", "Common", "Inherited", "digit", "DIGIT", "Foo", "")
	sort.Strings(names)
	for _, n := range names {
		for _, p := range []string{`\p{` + n + `}`,
			`(?i)[^x\P{` + n + `}]`} {
			cs = append(cs, caseIn{pattern: p,
				parts: []part{{sample.String(), 1}}, repl: "<$0>", n: 2})
		}
	}
	return cs
}

func readCases(path string) ([]caseIn, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cs []caseIn
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, ln, err)
		}
		cs = append(cs, c)
	}
	return cs, sc.Err()
}

// Unicode: the tables as merged ranges, and the mappings of every rune.

func ranges(t *unicode.RangeTable) []int {
	var rs []int
	add := func(lo, hi int) {
		n := len(rs)
		if n > 0 && rs[n-1]+1 >= lo {
			if hi > rs[n-1] {
				rs[n-1] = hi
			}
			return
		}
		rs = append(rs, lo, hi)
	}
	for _, r := range t.R16 {
		for c := int(r.Lo); c <= int(r.Hi); c += int(r.Stride) {
			add(c, c)
		}
	}
	for _, r := range t.R32 {
		for c := int(r.Lo); c <= int(r.Hi); c += int(r.Stride) {
			add(c, c)
		}
	}
	return rs
}

// hashRanges is FNV-1a over the range ends as 4-byte little-endian words.
func hashRanges(rs []int) string {
	f := fnv.New64a()
	var b [4]byte
	for _, x := range rs {
		binary.LittleEndian.PutUint32(b[:], uint32(x))
		f.Write(b[:])
	}
	return fmt.Sprintf("%016x", f.Sum64())
}

func tables(m, fold map[string]*unicode.RangeTable) map[string]any {
	out := map[string]any{}
	for name, t := range m {
		rs := ranges(t)
		e := map[string]any{"n": len(rs) / 2, "hash": hashRanges(rs),
			"fold_n": 0}
		if ft := fold[name]; ft != nil {
			frs := ranges(ft)
			e["fold_n"] = len(frs) / 2
			e["fold_hash"] = hashRanges(frs)
		}
		out[name] = e
	}
	return out
}

func unicodeFixture() map[string]any {
	funcs := map[string]func(rune) rune{"upper": unicode.ToUpper,
		"lower": unicode.ToLower, "title": unicode.ToTitle,
		"fold": unicode.SimpleFold}
	fh := map[string]string{}
	for name, fn := range funcs {
		f := fnv.New64a()
		var b [4]byte
		for r := rune(0); r <= unicode.MaxRune; r++ {
			binary.LittleEndian.PutUint32(b[:], uint32(fn(r)))
			f.Write(b[:])
		}
		fh[name] = fmt.Sprintf("%016x", f.Sum64())
	}
	// Every rune some mapping changes, with all four mappings.
	var cased [][]int
	var letters, digits int
	for r := rune(0); r <= unicode.MaxRune; r++ {
		u, l, t, f := unicode.ToUpper(r), unicode.ToLower(r),
			unicode.ToTitle(r), unicode.SimpleFold(r)
		if u != r || l != r || t != r || f != r {
			cased = append(cased, []int{int(r), int(u), int(l), int(t), int(f)})
		}
		if unicode.IsLetter(r) {
			letters++
		}
		if unicode.IsDigit(r) {
			digits++
		}
	}
	return map[string]any{
		"version":    unicode.Version,
		"categories": tables(unicode.Categories, unicode.FoldCategory),
		"scripts":    tables(unicode.Scripts, unicode.FoldScript),
		"aliases":    unicode.CategoryAliases,
		"funcs":      fh,
		"cased":      cased,
		"letters":    letters,
		"digits":     digits,
	}
}

// writeJSON writes v compactly, without HTML escapes; an array of cases
// gets one case per line, so that a change to one shows as one line.
func writeJSON(path string, v any) {
	var b strings.Builder
	line := func(x any) {
		var sb strings.Builder
		e := json.NewEncoder(&sb)
		e.SetEscapeHTML(false)
		if err := e.Encode(x); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		b.WriteString(strings.TrimSuffix(sb.String(), "\n"))
	}
	if cs, ok := v.([]map[string]any); ok {
		b.WriteString("[\n")
		for i, c := range cs {
			line(c)
			if i+1 < len(cs) {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("]\n")
	} else {
		line(v)
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	cs, err := readCases("tests/re/cases.txt")
	if err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		os.Exit(1)
	}
	hand := len(cs)
	cs = append(cs, generated()...)
	var recs []map[string]any
	for _, c := range cs {
		recs = append(recs, record(c))
	}
	writeJSON("tests/re/fixture.json", recs)
	writeJSON("tests/re/unicode.json", unicodeFixture())
	fmt.Printf("record: %d cases (%d from cases.txt, %d generated) with %s\n",
		len(cs), hand, len(cs)-hand, runtime.Version())
}
