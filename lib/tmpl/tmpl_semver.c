/* SPDX-License-Identifier: MIT */
/*
 * Semantic versions as Sprig's semver and semverCompare see them:
 * Masterminds/semver v3.3.0 (the version consul-template v0.41.1
 * builds), pure.  NewVersion's grammar (a "v", one to three numbers, a
 * prerelease, metadata) is read by hand; constraints are read with
 * semver's own regular expressions through lib/re, which has Go's
 * leftmost-first semantics, so that its quirks stay byte for byte (its
 * ops alternation tries the empty operator second; `[0-9|x|X|\*]` lets
 * a '|' into a number, which then fails as "constraint Parser Error").
 * Each operator's check is ported from constraints.go; only the verdict
 * is kept, as semverCompare returns no reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "re.h"
#include "tmpl_int.h"

/* semver's regular expressions (constraints.go), verbatim. */
#define CV_RE                                                        \
	"v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?" \
	"(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"                 \
	"(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"
#define OPS_RE "=||!=|>|<|>=|=>|<=|=<|~|~>|\\^"
static const char constraint_re[] = "^\\s*(" OPS_RE ")\\s*(" CV_RE ")\\s*$";
static const char range_re[] = "\\s*(" CV_RE ")\\s+-\\s+(" CV_RE ")\\s*";
static const char find_re[] = "(" OPS_RE ")\\s*(" CV_RE ")";
static const char valid_re[]
    = "^(\\s*(" OPS_RE ")\\s*(" CV_RE ")\\s*)((?:\\s+|,\\s*)(" OPS_RE
      ")\\s*(" CV_RE ")\\s*)*$";

/* Capture slots of constraint_re: the whole match and 11 groups. */
#define CON_IDX 24

enum op {
	OP_TILDE_OR_EQUAL,
	OP_NOT_EQUAL,
	OP_GT,
	OP_LT,
	OP_GE,
	OP_LE,
	OP_TILDE,
	OP_CARET,
};

/* One parsed constraint (semver's constraint struct). */
struct con {
	struct tmpl_semver v;
	char buf[TMPL_SEMVER_MAX]; /* v's text */
	int op; /* enum op */
	bool dirty, minor_dirty, patch_dirty;
};

static bool
is_alnum_dash(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
	    || (c >= 'A' && c <= 'Z') || c == '-';
}

/* Dot-separated identifiers of [0-9A-Za-z-]+ from s[*i]: their end. */
static bool
idents(const char *s, size_t n, size_t *i)
{
	size_t k = *i;

	for (;;) {
		size_t st = k;

		while (k < n && is_alnum_dash(s[k]))
			k++;
		if (k == st)
			return false;
		if (k < n && s[k] == '.' && k + 1 < n
		    && is_alnum_dash(s[k + 1]))
			k++;
		else
			break;
	}
	*i = k;
	return true;
}

/* strconv.ParseUint(s, 10, 64) of digits; -1 when out of range. */
static int
parse_uint(const char *s, size_t n, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*out = x;
	return 0;
}

static int
semver_error(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -1;
}

/* A numeric segment past uint64, worded as Go's strconv says it. */
static int
semver_range_error(char *err, size_t errlen, const char *seg, size_t segn)
{
	snprintf(err, errlen,
	    "Error parsing version segment: strconv.ParseUint: "
	    "parsing \"%.*s\": value out of range",
	    (int)(segn > 64 ? 64 : segn), seg);
	return -1;
}

int
tmpl_semver_parse(const char *s, size_t n, struct tmpl_semver *v, char *err,
    size_t errlen)
{
	size_t i = 0, st, k, num[3][2] = { { 0 } };
	int parts = 0;

	memset(v, 0, sizeof(*v));
	v->orig = s;
	v->origlen = n;
	if (i < n && s[i] == 'v')
		i++;
	/* ([0-9]+)(\.[0-9]+)?(\.[0-9]+)? */
	for (parts = 0; parts < 3; parts++) {
		if (parts > 0) {
			if (!(i + 1 < n && s[i] == '.' && s[i + 1] >= '0'
				&& s[i + 1] <= '9'))
				break;
			i++;
		}
		st = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == st)
			return semver_error(err, errlen,
			    "Invalid Semantic Version");
		num[parts][0] = st;
		num[parts][1] = i;
	}
	if (i < n && s[i] == '-') {
		st = ++i;
		if (!idents(s, n, &i))
			return semver_error(err, errlen,
			    "Invalid Semantic Version");
		v->pre = s + st;
		v->prelen = i - st;
	}
	if (i < n && s[i] == '+') {
		st = ++i;
		if (!idents(s, n, &i))
			return semver_error(err, errlen,
			    "Invalid Semantic Version");
		v->meta = s + st;
		v->metalen = i - st;
	}
	if (i != n)
		return semver_error(err, errlen, "Invalid Semantic Version");
	for (k = 0; k < (size_t)parts; k++) {
		uint64_t *dst = k == 0 ? &v->major
		    : k == 1           ? &v->minor
				       : &v->patch;

		if (parse_uint(s + num[k][0], num[k][1] - num[k][0], dst) == -1)
			return semver_range_error(err, errlen, s + num[k][0],
			    num[k][1] - num[k][0]);
	}
	/* validatePrerelease: a numeric identifier has no leading zero. */
	for (i = 0; i < v->prelen; i = k + 1) {
		bool numeric = true;

		for (k = i; k < v->prelen && v->pre[k] != '.'; k++)
			numeric
			    = numeric && v->pre[k] >= '0' && v->pre[k] <= '9';
		if (numeric && k - i > 1 && v->pre[i] == '0')
			return semver_error(err, errlen,
			    "Version segment starts with 0");
	}
	return 0;
}

void
tmpl_semver_string(struct buf *b, const struct tmpl_semver *v)
{
	buf_addf(b, "%llu.%llu.%llu", (unsigned long long)v->major,
	    (unsigned long long)v->minor, (unsigned long long)v->patch);
	if (v->prelen > 0) {
		buf_addc(b, '-');
		buf_add(b, v->pre, v->prelen);
	}
	if (v->metalen > 0) {
		buf_addc(b, '+');
		buf_add(b, v->meta, v->metalen);
	}
}

static int
cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* strconv.ParseUint succeeds on s[0..n). */
static bool
is_uint(const char *s, size_t n, uint64_t *out)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return parse_uint(s, n, out) == 0;
}

/* semver's comparePrePart. */
static int
cmp_pre_part(const char *s, size_t sn, const char *o, size_t on)
{
	uint64_t si = 0, oi = 0;
	bool sok, ook;
	int c;

	if (sn == on && memcmp(s, o, sn) == 0)
		return 0;
	if (sn == 0)
		return -1;
	if (on == 0)
		return 1;
	ook = is_uint(o, on, &oi);
	sok = is_uint(s, sn, &si);
	if (!ook && !sok) {
		c = memcmp(s, o, sn < on ? sn : on);
		if (c == 0)
			c = sn < on ? -1 : 1;
		return c > 0 ? 1 : -1;
	}
	if (!ook)
		return -1;
	if (!sok)
		return 1;
	return si > oi ? 1 : -1;
}

/* semver's comparePrerelease: part by part, a missing part is "". */
static int
cmp_pre(const char *s, size_t sn, const char *o, size_t on)
{
	size_t i = 0, j = 0, ie, je;
	int d;

	for (;;) {
		bool send = i > sn, oend = j > on;

		if (send && oend)
			return 0;
		for (ie = i; !send && ie < sn && s[ie] != '.'; ie++)
			;
		for (je = j; !oend && je < on && o[je] != '.'; je++)
			;
		d = cmp_pre_part(s + (send ? 0 : i), send ? 0 : ie - i,
		    o + (oend ? 0 : j), oend ? 0 : je - j);
		if (d != 0)
			return d;
		i = send ? i : ie + 1;
		j = oend ? j : je + 1;
	}
}

int
tmpl_semver_compare(const struct tmpl_semver *a, const struct tmpl_semver *b)
{
	int d;

	if ((d = cmp_u64(a->major, b->major)) != 0
	    || (d = cmp_u64(a->minor, b->minor)) != 0
	    || (d = cmp_u64(a->patch, b->patch)) != 0)
		return d;
	if (a->prelen == 0 && b->prelen == 0)
		return 0;
	if (a->prelen == 0)
		return 1;
	if (b->prelen == 0)
		return -1;
	return cmp_pre(a->pre, a->prelen, b->pre, b->prelen);
}

static bool
is_x(const char *s, size_t n)
{
	return n == 1 && (s[0] == 'x' || s[0] == 'X' || s[0] == '*');
}

static int
op_of(const char *s, size_t n)
{
	static const struct {
		const char *name;
		int op;
	} ops[] = {
		{ "", OP_TILDE_OR_EQUAL },
		{ "=", OP_TILDE_OR_EQUAL },
		{ "!=", OP_NOT_EQUAL },
		{ ">", OP_GT },
		{ "<", OP_LT },
		{ ">=", OP_GE },
		{ "=>", OP_GE },
		{ "<=", OP_LE },
		{ "=<", OP_LE },
		{ "~", OP_TILDE },
		{ "~>", OP_TILDE },
		{ "^", OP_CARET },
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strlen(ops[i].name) == n && memcmp(ops[i].name, s, n) == 0)
			return ops[i].op;
	return OP_TILDE_OR_EQUAL;
}

/* Group g of a match in s: its text and length ("" when it took no part). */
static const char *
grp(const char *s, const int *idx, int g, size_t *len)
{
	if (idx[2 * g] < 0) {
		*len = 0;
		return "";
	}
	*len = (size_t)(idx[2 * g + 1] - idx[2 * g]);
	return s + idx[2 * g];
}

/* semver's parseConstraint of s[0..n) (never empty here) into c. */
static int
parse_con(const struct re *cre, const char *s, size_t n, struct con *c,
    char *err, size_t errlen)
{
	int idx[CON_IDX];
	const char *op, *maj, *min, *pat, *pre, *ver;
	size_t opn, majn, minn, patn, pren, vern;
	char verr[TMPL_SEMVER_ERR_MAX];
	int r;

	memset(c, 0, sizeof(*c));
	r = re_find(cre, s, n, idx, CON_IDX, NULL);
	if (r != RE_MATCH) {
		snprintf(err, errlen, "improper constraint: %.*s",
		    (int)(n > 256 ? 256 : n), s);
		return -1;
	}
	op = grp(s, idx, 1, &opn);
	c->op = op_of(op, opn);
	ver = grp(s, idx, 2, &vern);
	maj = grp(s, idx, 3, &majn);
	min = grp(s, idx, 4, &minn);
	pat = grp(s, idx, 5, &patn);
	pre = grp(s, idx, 6, &pren);
	if (is_x(maj, majn) || majn == 0) {
		r = snprintf(c->buf, sizeof(c->buf), "0.0.0%.*s", (int)pren,
		    pre);
		c->dirty = true;
	} else if (minn == 0 || is_x(min + 1, minn - 1)) {
		r = snprintf(c->buf, sizeof(c->buf), "%.*s.0.0%.*s", (int)majn,
		    maj, (int)pren, pre);
		c->dirty = c->minor_dirty = true;
	} else if (patn == 0 || is_x(pat + 1, patn - 1)) {
		r = snprintf(c->buf, sizeof(c->buf), "%.*s%.*s.0%.*s",
		    (int)majn, maj, (int)minn, min, (int)pren, pre);
		c->dirty = c->patch_dirty = true;
	} else
		r = snprintf(c->buf, sizeof(c->buf), "%.*s", (int)vern, ver);
	if (r < 0 || (size_t)r >= sizeof(c->buf)
	    || tmpl_semver_parse(c->buf, (size_t)r, &c->v, verr, sizeof(verr))
		== -1) {
		snprintf(err, errlen, "constraint Parser Error");
		return -1;
	}
	return 0;
}

/* The operators' checks (constraints.go), verdicts only. */
static bool
check_tilde(const struct tmpl_semver *v, const struct con *c)
{
	if (v->prelen > 0 && c->v.prelen == 0)
		return false;
	if (tmpl_semver_compare(v, &c->v) < 0)
		return false;
	/* ~0.0.0 accepts everything. */
	if (c->v.major == 0 && c->v.minor == 0 && c->v.patch == 0
	    && !c->minor_dirty && !c->patch_dirty)
		return true;
	if (v->major != c->v.major)
		return false;
	if (v->minor != c->v.minor && !c->minor_dirty)
		return false;
	return true;
}

static bool
check_not_equal(const struct tmpl_semver *v, const struct con *c)
{
	if (c->dirty) {
		if (v->prelen > 0 && c->v.prelen == 0)
			return false;
		if (c->v.major != v->major)
			return true;
		if (c->v.minor != v->minor && !c->minor_dirty)
			return true;
		else if (c->minor_dirty)
			return false;
		else if (c->v.patch != v->patch && !c->patch_dirty)
			return true;
		else if (c->patch_dirty) {
			if (v->prelen > 0 || c->v.prelen > 0)
				return cmp_pre(v->pre, v->prelen, c->v.pre,
					   c->v.prelen)
				    != 0;
			return false;
		}
	}
	return tmpl_semver_compare(v, &c->v) != 0;
}

static bool
check_gt(const struct tmpl_semver *v, const struct con *c)
{
	if (v->prelen > 0 && c->v.prelen == 0)
		return false;
	if (!c->dirty)
		return tmpl_semver_compare(v, &c->v) == 1;
	if (v->major > c->v.major)
		return true;
	if (v->major < c->v.major || c->minor_dirty)
		return false;
	if (c->patch_dirty)
		return v->minor > c->v.minor;
	return tmpl_semver_compare(v, &c->v) == 1;
}

static bool
check_le(const struct tmpl_semver *v, const struct con *c)
{
	if (v->prelen > 0 && c->v.prelen == 0)
		return false;
	if (!c->dirty)
		return tmpl_semver_compare(v, &c->v) <= 0;
	if (v->major > c->v.major)
		return false;
	if (v->major == c->v.major && v->minor > c->v.minor && !c->minor_dirty)
		return false;
	return true;
}

static bool
check_caret(const struct tmpl_semver *v, const struct con *c)
{
	if (v->prelen > 0 && c->v.prelen == 0)
		return false;
	if (tmpl_semver_compare(v, &c->v) < 0)
		return false;
	if (c->v.major > 0 || c->minor_dirty)
		return v->major == c->v.major;
	if (c->v.major == 0 && v->major > 0)
		return false;
	if (c->v.minor > 0 || c->patch_dirty)
		return v->minor == c->v.minor;
	if (c->v.minor == 0 && v->minor > 0)
		return false;
	return c->v.patch == v->patch;
}

static bool
check_one(const struct tmpl_semver *v, const struct con *c)
{
	bool pre_only = v->prelen > 0 && c->v.prelen == 0;

	switch (c->op) {
	case OP_NOT_EQUAL:
		return check_not_equal(v, c);
	case OP_GT:
		return check_gt(v, c);
	case OP_LT:
		return !pre_only && tmpl_semver_compare(v, &c->v) < 0;
	case OP_GE:
		return !pre_only && tmpl_semver_compare(v, &c->v) >= 0;
	case OP_LE:
		return check_le(v, c);
	case OP_TILDE:
		return check_tilde(v, c);
	case OP_CARET:
		return check_caret(v, c);
	default: /* "" and "=": a tilde when dirty */
		if (pre_only)
			return false;
		if (c->dirty)
			return check_tilde(v, c);
		return tmpl_semver_compare(v, &c->v) == 0;
	}
}

/*
 * semver's rewriteRange: each "a - b" becomes ">= a, <= b " (the first
 * occurrence of the matched text replaced, as strings.Replace(o, m, t, 1)
 * does).
 */
static int
rewrite_range(const struct re *rre, const char *s, size_t n, struct buf *out)
{
	struct re_matches m = { 0 };
	struct buf t;
	long k, i;
	int ret = -1;

	if (buf_add(out, s, n) != 0)
		goto out;
	k = re_find_all(rre, s, n, -1, &m, NULL);
	if (k < 0)
		goto out;
	for (i = 0; i < k; i++) {
		const int *g = m.idx + (size_t)i * m.stride;
		const char *whole = s + g[0], *p;
		size_t wl = (size_t)(g[1] - g[0]);
		char *cur;
		size_t curlen;

		buf_init(&t, TMPL_SEMVER_MAX);
		cur = out->data != NULL ? out->data : "";
		curlen = out->len;
		p = wl == 0 ? cur : memmem(cur, curlen, whole, wl);
		if (p == NULL) {
			buf_clear(&t);
			continue;
		}
		/* Group 11 is the second version (CV_RE has 9 groups). */
		if (buf_add(&t, cur, (size_t)(p - cur)) != 0
		    || buf_addstr(&t, ">= ") != 0
		    || buf_add(&t, s + g[2], (size_t)(g[3] - g[2])) != 0
		    || buf_addstr(&t, ", <= ") != 0
		    || buf_add(&t, s + g[22], (size_t)(g[23] - g[22])) != 0
		    || buf_addc(&t, ' ') != 0
		    || buf_add(&t, p + wl, curlen - (size_t)(p - cur) - wl)
			!= 0) {
			buf_clear(&t);
			goto out;
		}
		buf_reset(out);
		buf_add(out, t.data != NULL ? t.data : "", t.len);
		buf_clear(&t);
	}
	ret = 0;
out:
	re_matches_clear(&m);
	return ret;
}

int
tmpl_semver_check(const char *cs, size_t cn, const struct tmpl_semver *v,
    bool *ok, char *err, size_t errlen)
{
	struct re *cre = NULL, *rre = NULL, *fre = NULL, *vre = NULL;
	struct re_matches m = { 0 };
	struct con *con = NULL;
	struct buf rw;
	const char *s, * or, *end;
	bool any = false, all;
	long k, i;
	int ret = -1;

	buf_init(&rw, TMPL_SEMVER_MAX);
	if (cn > TMPL_SEMVER_MAX) {
		snprintf(err, errlen, "constraint longer than %d bytes",
		    TMPL_SEMVER_MAX);
		goto out;
	}
	cre = re_compile(constraint_re, sizeof(constraint_re) - 1, 0, err,
	    errlen);
	rre = re_compile(range_re, sizeof(range_re) - 1, 0, err, errlen);
	fre = re_compile(find_re, sizeof(find_re) - 1, 0, err, errlen);
	vre = re_compile(valid_re, sizeof(valid_re) - 1, 0, err, errlen);
	if (cre == NULL || rre == NULL || fre == NULL || vre == NULL)
		goto out;
	if (rewrite_range(rre, cs, cn, &rw) == -1) {
		snprintf(err, errlen, "constraint too long");
		goto out;
	}
	con = calloc(1, sizeof(*con));
	if (con == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	s = rw.data != NULL ? rw.data : "";
	end = s + rw.len;
	/* strings.Split(c, "||"): every alternative is parsed, even after
	 * one has matched, so that a bad one is an error. */
	for (or = s;; or += 2) {
		const char *bar = memmem(or, (size_t)(end - or), "||", 2);
		size_t on = (size_t)((bar != NULL ? bar : end) - or);

		if (re_match(vre, or, on, NULL) != RE_MATCH) {
			snprintf(err, errlen, "improper constraint: %.*s",
			    (int)(on > 256 ? 256 : on), or);
			goto out;
		}
		k = re_find_all(fre, or, on, -1, &m, NULL);
		if (k < 0) {
			snprintf(err, errlen, "%s", re_strerror((int)k));
			goto out;
		}
		all = true;
		for (i = 0; i < (k == 0 ? 1 : k); i++) {
			const int *g = m.idx + (size_t)i * m.stride;

			if (parse_con(cre, k == 0 ? or : or +g[0],
				k == 0 ? on : (size_t)(g[1] - g[0]), con, err,
				errlen)
			    == -1)
				goto out;
			all = all && v != NULL && check_one(v, con);
		}
		re_matches_clear(&m);
		any = any || all;
		if (bar == NULL)
			break;
		or = bar;
	}
	*ok = any;
	ret = 0;
out:
	free(con);
	re_matches_clear(&m);
	buf_clear(&rw);
	re_free(cre);
	re_free(rre);
	re_free(fre);
	re_free(vre);
	return ret;
}

/*
 * The template functions: Sprig's semver and semverCompare, and the
 * methods of the *semver.Version values semver makes.
 */
static int
arg_version(struct tmpl_exec *x, const struct tmpl_value *a, size_t i,
    struct tmpl_semver *v, bool *bad, char *err, size_t errlen)
{
	const char *s;
	size_t n;

	if (tmpl_exec_arg_str(x, a, i, &s, &n) == -1)
		return -1;
	*bad = false;
	if (n > TMPL_SEMVER_MAX) {
		snprintf(err, errlen, "version longer than %d bytes",
		    TMPL_SEMVER_MAX);
		*bad = true;
		return 0;
	}
	/* The value's text lives as long as the execution's arena. */
	*bad = tmpl_semver_parse(s, n, v, err, errlen) == -1;
	return 0;
}

static int
sprig_semver(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char err[TMPL_SEMVER_ERR_MAX];
	struct tmpl_semver *v;
	struct tmpl_value out;
	bool bad;

	(void)n;
	v = tmpl_arena_alloc(x->a, sizeof(*v));
	if (arg_version(x, a, 0, v, &bad, err, sizeof(err)) == -1)
		return -1;
	if (bad)
		return tmpl_exec_errorf(x, "%s", err);
	memset(&out, 0, sizeof(out));
	out.kind = TV_SEMVER;
	out.u.semver = v;
	*r = out;
	return 0;
}

/* semverCompare CONSTRAINT VERSION: the constraint is read first. */
static int
sprig_semver_compare(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char err[TMPL_SEMVER_ERR_MAX], verr[TMPL_SEMVER_ERR_MAX];
	struct tmpl_semver v;
	const char *c;
	size_t cn;
	bool bad, ok;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &c, &cn) == -1
	    || arg_version(x, a, 1, &v, &bad, verr, sizeof(verr)) == -1)
		return -1;
	if (tmpl_semver_check(c, cn, bad ? NULL : &v, &ok, err, sizeof(err))
	    == -1)
		return tmpl_exec_errorf(x, "%s", err);
	if (bad)
		return tmpl_exec_errorf(x, "%s", verr);
	*r = tmpl_value_bool(ok);
	return 0;
}

const struct tmpl_func tmpl_semver_funcs[] = {
	{ "sprig_semver", sprig_semver, 1, 1, 0, 0 },
	{ "sprig_semverCompare", sprig_semver_compare, 2, 2, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};

int
tmpl_semver_method(struct tmpl_exec *x, const struct tmpl_semver *v,
    const char *name, struct tmpl_value *args, size_t nargs,
    struct tmpl_value *ret)
{
	/* Methods taking another *Version: its comparison with v. */
	static const char *const cmps[]
	    = { "Compare", "LessThan", "GreaterThan", "Equal", "LessThanEqual",
		      "GreaterThanEqual", NULL };
	struct tmpl_value u;
	struct buf b;
	size_t i;
	int d;

	for (i = 0; cmps[i] != NULL && strcmp(cmps[i], name) != 0; i++)
		;
	if (cmps[i] != NULL) {
		if (nargs != 1)
			return tmpl_exec_errorf(x,
			    "wrong number of args for %s: want 1 got %zu", name,
			    nargs);
		if (args[0].kind != TV_SEMVER || args[0].u.semver == NULL)
			return tmpl_exec_errorf(x,
			    "wrong type for value; expected *semver.Version; "
			    "got %s",
			    tmpl_value_type_name(&args[0]));
		d = tmpl_semver_compare(v, args[0].u.semver);
		*ret = i == 0 ? tmpl_value_int(d)
			      : tmpl_value_bool(i == 1 ? d < 0
				      : i == 2         ? d > 0
				      : i == 3         ? d == 0
				      : i == 4         ? d <= 0
						       : d >= 0);
		return 0;
	}
	if (nargs != 0)
		return tmpl_exec_errorf(x,
		    "wrong number of args for %s: want 0 got %zu", name, nargs);
	if (strcmp(name, "Major") == 0 || strcmp(name, "Minor") == 0
	    || strcmp(name, "Patch") == 0) {
		u = tmpl_value_int((int64_t)(name[0] == 'P' ? v->patch
			: name[1] == 'a'                    ? v->major
							    : v->minor));
		u.isuint = 1;
		*ret = u;
		return 0;
	}
	if (strcmp(name, "Prerelease") == 0) {
		*ret = tmpl_value_str(v->pre != NULL ? v->pre : "", v->prelen);
		return 0;
	}
	if (strcmp(name, "Metadata") == 0) {
		*ret = tmpl_value_str(v->meta != NULL ? v->meta : "",
		    v->metalen);
		return 0;
	}
	if (strcmp(name, "Original") == 0) {
		*ret = tmpl_value_str(v->orig != NULL ? v->orig : "",
		    v->origlen);
		return 0;
	}
	if (strcmp(name, "String") == 0) {
		buf_init(&b, SIZE_MAX);
		tmpl_semver_string(&b, v);
		*ret = tmpl_value_from_buf(x->a, &b);
		return 0;
	}
	return tmpl_exec_errorf(x,
	    "can't evaluate field %s in type *semver.Version", name);
}
