/* SPDX-License-Identifier: MIT */
/*
 * Go's time package as Sprig's date functions use it, pure: Time.Format
 * and time.ParseInLocation with Go's reference-time layouts (ported from
 * Go 1.26's time/format.go, token for token, so that "Jan" in "Janet"
 * stays text and "_2" pads with a space), Duration.String,
 * time.ParseDuration and Duration.Round.  Zones are UTC, fixed offsets,
 * and Local, which the caller answers through a lookup function (the
 * engine asks libc, whose TZ handling is Go's: the TZ variable, else
 * /etc/localtime); nothing here reads the clock or the environment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tmpl_int.h"

#define NS_PER_SEC 1000000000LL
/* Seconds from 0001-01-01 (Go's zero Time) to 1970-01-01. */
#define ZERO_TO_UNIX 62135596800LL

static const char *const long_days[] = { "Sunday", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday" };
static const char *const long_months[]
    = { "January", "February", "March", "April", "May", "June", "July",
	      "August", "September", "October", "November", "December" };

/* Layout elements (Go's std* constants, without the packed flags). */
enum {
	STD_NONE,
	STD_LONG_MONTH, /* January */
	STD_MONTH, /* Jan */
	STD_NUM_MONTH, /* 1 */
	STD_ZERO_MONTH, /* 01 */
	STD_LONG_WEEKDAY, /* Monday */
	STD_WEEKDAY, /* Mon */
	STD_DAY, /* 2 */
	STD_UNDER_DAY, /* _2 */
	STD_ZERO_DAY, /* 02 */
	STD_UNDER_YDAY, /* __2 */
	STD_ZERO_YDAY, /* 002 */
	STD_HOUR, /* 15 */
	STD_HOUR12, /* 3 */
	STD_ZERO_HOUR12, /* 03 */
	STD_MINUTE, /* 4 */
	STD_ZERO_MINUTE, /* 04 */
	STD_SECOND, /* 5 */
	STD_ZERO_SECOND, /* 05 */
	STD_LONG_YEAR, /* 2006 */
	STD_YEAR, /* 06 */
	STD_PM, /* PM */
	STD_pm, /* pm */
	STD_TZ, /* MST */
	STD_ISO_TZ, /* Z0700 */
	STD_ISO_SECS_TZ, /* Z070000 */
	STD_ISO_SHORT_TZ, /* Z07 */
	STD_ISO_COLON_TZ, /* Z07:00 */
	STD_ISO_COLON_SECS_TZ, /* Z07:00:00 */
	STD_NUM_TZ, /* -0700 */
	STD_NUM_SECS_TZ, /* -070000 */
	STD_NUM_SHORT_TZ, /* -07 */
	STD_NUM_COLON_TZ, /* -07:00 */
	STD_NUM_COLON_SECS_TZ, /* -07:00:00 */
	STD_FRAC0, /* .000 or ,000 */
	STD_FRAC9, /* .999 or ,999 */
};

/* One layout element found by next_chunk. */
struct chunk {
	size_t pre; /* literal bytes before it */
	size_t len; /* its own length (0 at the end) */
	int std;
	int digits; /* STD_FRAC*: how many */
	char sep; /* STD_FRAC*: '.' or ',' */
};

static bool
has(const char *l, size_t n, size_t i, const char *w)
{
	size_t wl = strlen(w);

	return n - i >= wl && memcmp(l + i, w, wl) == 0;
}

static bool
is_digit(const char *s, size_t n, size_t i)
{
	return i < n && s[i] >= '0' && s[i] <= '9';
}

/* Go's nextStdChunk: the first element of l[0..n) and the text before. */
static void
next_chunk(const char *l, size_t n, struct chunk *c)
{
	static const int std0x[] = { STD_ZERO_MONTH, STD_ZERO_DAY,
		STD_ZERO_HOUR12, STD_ZERO_MINUTE, STD_ZERO_SECOND, STD_YEAR };
	size_t i, j;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++) {
		c->pre = i;
		switch (l[i]) {
		case 'J':
			if (has(l, n, i, "January")) {
				c->std = STD_LONG_MONTH, c->len = 7;
				return;
			}
			if (has(l, n, i, "Jan")
			    && !(i + 3 < n && l[i + 3] >= 'a'
				&& l[i + 3] <= 'z')) {
				c->std = STD_MONTH, c->len = 3;
				return;
			}
			break;
		case 'M':
			if (has(l, n, i, "Monday")) {
				c->std = STD_LONG_WEEKDAY, c->len = 6;
				return;
			}
			if (has(l, n, i, "Mon")
			    && !(i + 3 < n && l[i + 3] >= 'a'
				&& l[i + 3] <= 'z')) {
				c->std = STD_WEEKDAY, c->len = 3;
				return;
			}
			if (has(l, n, i, "MST")) {
				c->std = STD_TZ, c->len = 3;
				return;
			}
			break;
		case '0':
			if (i + 1 < n && l[i + 1] >= '1' && l[i + 1] <= '6') {
				c->std = std0x[l[i + 1] - '1'], c->len = 2;
				return;
			}
			if (has(l, n, i, "002")) {
				c->std = STD_ZERO_YDAY, c->len = 3;
				return;
			}
			break;
		case '1':
			if (i + 1 < n && l[i + 1] == '5')
				c->std = STD_HOUR, c->len = 2;
			else
				c->std = STD_NUM_MONTH, c->len = 1;
			return;
		case '2':
			if (has(l, n, i, "2006"))
				c->std = STD_LONG_YEAR, c->len = 4;
			else
				c->std = STD_DAY, c->len = 1;
			return;
		case '_':
			if (i + 1 < n && l[i + 1] == '2') {
				/* _2006 is a literal _ and a long year. */
				if (has(l, n, i + 1, "2006")) {
					c->pre = i + 1;
					c->std = STD_LONG_YEAR, c->len = 4;
					return;
				}
				c->std = STD_UNDER_DAY, c->len = 2;
				return;
			}
			if (has(l, n, i, "__2")) {
				c->std = STD_UNDER_YDAY, c->len = 3;
				return;
			}
			break;
		case '3':
			c->std = STD_HOUR12, c->len = 1;
			return;
		case '4':
			c->std = STD_MINUTE, c->len = 1;
			return;
		case '5':
			c->std = STD_SECOND, c->len = 1;
			return;
		case 'P':
			if (i + 1 < n && l[i + 1] == 'M') {
				c->std = STD_PM, c->len = 2;
				return;
			}
			break;
		case 'p':
			if (i + 1 < n && l[i + 1] == 'm') {
				c->std = STD_pm, c->len = 2;
				return;
			}
			break;
		case '-':
			if (has(l, n, i, "-070000"))
				c->std = STD_NUM_SECS_TZ, c->len = 7;
			else if (has(l, n, i, "-07:00:00"))
				c->std = STD_NUM_COLON_SECS_TZ, c->len = 9;
			else if (has(l, n, i, "-0700"))
				c->std = STD_NUM_TZ, c->len = 5;
			else if (has(l, n, i, "-07:00"))
				c->std = STD_NUM_COLON_TZ, c->len = 6;
			else if (has(l, n, i, "-07"))
				c->std = STD_NUM_SHORT_TZ, c->len = 3;
			if (c->std != STD_NONE)
				return;
			break;
		case 'Z':
			if (has(l, n, i, "Z070000"))
				c->std = STD_ISO_SECS_TZ, c->len = 7;
			else if (has(l, n, i, "Z07:00:00"))
				c->std = STD_ISO_COLON_SECS_TZ, c->len = 9;
			else if (has(l, n, i, "Z0700"))
				c->std = STD_ISO_TZ, c->len = 5;
			else if (has(l, n, i, "Z07:00"))
				c->std = STD_ISO_COLON_TZ, c->len = 6;
			else if (has(l, n, i, "Z07"))
				c->std = STD_ISO_SHORT_TZ, c->len = 3;
			if (c->std != STD_NONE)
				return;
			break;
		case '.':
		case ',':
			if (i + 1 < n && (l[i + 1] == '0' || l[i + 1] == '9')) {
				for (j = i + 1; j < n && l[j] == l[i + 1]; j++)
					;
				if (!is_digit(l, n, j)) {
					c->std = l[i + 1] == '0' ? STD_FRAC0
								 : STD_FRAC9;
					c->digits = (int)(j - (i + 1));
					c->sep = l[i];
					c->len = j - i;
					return;
				}
			}
			break;
		}
	}
	c->pre = n;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool
is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int
days_in(int m, int64_t y)
{
	static const int dm[]
	    = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Go's appendInt: x with at least width digits, '-' before a negative. */
static void
add_int(struct buf *b, int64_t x, int width)
{
	char d[24];
	uint64_t u = x < 0 ? -(uint64_t)x : (uint64_t)x;
	int n = 0;

	if (x < 0)
		buf_addc(b, '-');
	do {
		d[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	for (; width > n; width--)
		buf_addc(b, '0');
	while (n > 0)
		buf_addc(b, d[--n]);
}

void
tmpl_time_zone(struct tmpl_time *t, tmpl_time_local_fn local)
{
	if (t->loc == TMPL_TIME_UTC) {
		t->off = 0;
		memcpy(t->zone, "UTC", 4);
	} else if (t->loc == TMPL_TIME_LOCAL)
		local(t->sec, &t->off, t->zone);
}

void
tmpl_time_format(struct buf *b, const char *l, size_t n,
    const struct tmpl_time *t)
{
	struct chunk c;
	int64_t local = t->sec + t->off, days, year;
	int month, day, yday, hour, min, sec, zone, h12, k;
	char frac[10];

	days = floor_div(local, 86400);
	civil_from_days(days, &year, &month, &day);
	yday = (int)(days - days_from_civil(year, 1, 1)) + 1;
	sec = (int)(local - days * 86400);
	hour = sec / 3600;
	min = sec / 60 % 60;
	sec %= 60;
	h12 = hour % 12 == 0 ? 12 : hour % 12;
	while (n > 0) {
		next_chunk(l, n, &c);
		buf_add(b, l, c.pre);
		if (c.std == STD_NONE)
			break;
		l += c.pre + c.len;
		n -= c.pre + c.len;
		switch (c.std) {
		case STD_YEAR:
			add_int(b, (year < 0 ? -year : year) % 100, 2);
			break;
		case STD_LONG_YEAR:
			add_int(b, year, 4);
			break;
		case STD_MONTH:
			buf_add(b, long_months[month - 1], 3);
			break;
		case STD_LONG_MONTH:
			buf_addstr(b, long_months[month - 1]);
			break;
		case STD_NUM_MONTH:
			add_int(b, month, 0);
			break;
		case STD_ZERO_MONTH:
			add_int(b, month, 2);
			break;
		case STD_WEEKDAY:
			buf_add(b, long_days[(days % 7 + 11) % 7], 3);
			break;
		case STD_LONG_WEEKDAY:
			buf_addstr(b, long_days[(days % 7 + 11) % 7]);
			break;
		case STD_DAY:
			add_int(b, day, 0);
			break;
		case STD_UNDER_DAY:
			if (day < 10)
				buf_addc(b, ' ');
			add_int(b, day, 0);
			break;
		case STD_ZERO_DAY:
			add_int(b, day, 2);
			break;
		case STD_UNDER_YDAY:
			if (yday < 100)
				buf_addstr(b, yday < 10 ? "  " : " ");
			add_int(b, yday, 0);
			break;
		case STD_ZERO_YDAY:
			add_int(b, yday, 3);
			break;
		case STD_HOUR:
			add_int(b, hour, 2);
			break;
		case STD_HOUR12:
			add_int(b, h12, 0);
			break;
		case STD_ZERO_HOUR12:
			add_int(b, h12, 2);
			break;
		case STD_MINUTE:
			add_int(b, min, 0);
			break;
		case STD_ZERO_MINUTE:
			add_int(b, min, 2);
			break;
		case STD_SECOND:
			add_int(b, sec, 0);
			break;
		case STD_ZERO_SECOND:
			add_int(b, sec, 2);
			break;
		case STD_PM:
			buf_addstr(b, hour >= 12 ? "PM" : "AM");
			break;
		case STD_pm:
			buf_addstr(b, hour >= 12 ? "pm" : "am");
			break;
		case STD_TZ:
			if (t->zone[0] != '\0') {
				buf_addstr(b, t->zone);
				break;
			}
			zone = t->off / 60;
			buf_addc(b, zone < 0 ? '-' : '+');
			zone = zone < 0 ? -zone : zone;
			add_int(b, zone / 60, 2);
			add_int(b, zone % 60, 2);
			break;
		case STD_FRAC0:
		case STD_FRAC9:
			if (c.std == STD_FRAC9
			    && (c.digits == 0 || t->nsec == 0))
				break;
			snprintf(frac, sizeof(frac), "%09d", (int)t->nsec);
			k = c.digits < 9 ? c.digits : 9;
			if (c.std == STD_FRAC9)
				while (k > 0 && frac[k - 1] == '0')
					k--;
			/* Go prints the separator, then at most nine digits. */
			if (k > 0 || c.std == STD_FRAC0)
				buf_addc(b, c.sep);
			buf_add(b, frac, (size_t)k);
			break;
		default: /* the numeric zones */
			if (t->off == 0 && c.std >= STD_ISO_TZ
			    && c.std <= STD_ISO_COLON_SECS_TZ) {
				buf_addc(b, 'Z');
				break;
			}
			zone = t->off / 60;
			k = t->off < 0 ? -t->off : t->off;
			buf_addc(b, zone < 0 ? '-' : '+');
			zone = zone < 0 ? -zone : zone;
			add_int(b, zone / 60, 2);
			if (c.std == STD_ISO_COLON_TZ
			    || c.std == STD_NUM_COLON_TZ
			    || c.std == STD_ISO_COLON_SECS_TZ
			    || c.std == STD_NUM_COLON_SECS_TZ)
				buf_addc(b, ':');
			if (c.std != STD_NUM_SHORT_TZ
			    && c.std != STD_ISO_SHORT_TZ)
				add_int(b, zone % 60, 2);
			if (c.std == STD_ISO_SECS_TZ || c.std == STD_NUM_SECS_TZ
			    || c.std == STD_ISO_COLON_SECS_TZ
			    || c.std == STD_NUM_COLON_SECS_TZ) {
				if (c.std == STD_ISO_COLON_SECS_TZ
				    || c.std == STD_NUM_COLON_SECS_TZ)
					buf_addc(b, ':');
				add_int(b, k % 60, 2);
			}
		}
	}
}

void
tmpl_time_string(struct buf *b, const struct tmpl_time *t)
{
	static const char layout[] = "2006-01-02 15:04:05.999999999 -0700 MST";

	tmpl_time_format(b, layout, sizeof(layout) - 1, t);
}

/* Go's quote in time errors: \x escapes for control and non-ASCII bytes. */
static void
go_quote(struct buf *b, const char *s, size_t n)
{
	size_t i;

	buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || c < ' ')
			buf_addf(b, "\\x%02x", c);
		else {
			if (c == '"' || c == '\\')
				buf_addc(b, '\\');
			buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
}

/* Go's ParseError.Error into err. */
static int
parse_error(char *err, size_t errlen, const char *layout, size_t ln,
    const char *value, size_t vn, const char *lelem, size_t lelen,
    const char *velem, size_t velen, const char *msg)
{
	struct buf b;

	buf_init(&b, errlen > 0 ? errlen - 1 : 0);
	buf_addstr(&b, "parsing time ");
	go_quote(&b, value, vn);
	if (msg != NULL)
		buf_addstr(&b, msg);
	else {
		buf_addstr(&b, " as ");
		go_quote(&b, layout, ln);
		buf_addstr(&b, ": cannot parse ");
		go_quote(&b, velem, velen);
		buf_addstr(&b, " as ");
		go_quote(&b, lelem, lelen);
	}
	snprintf(err, errlen, "%.*s", (int)b.len, b.len > 0 ? b.data : "");
	buf_clear(&b);
	return -1;
}

/* Go's getnum: one or two digits (fixed: two). */
static int
getnum(const char **s, size_t *n, bool fixed, int *out)
{
	if (!is_digit(*s, *n, 0))
		return -1;
	if (!is_digit(*s, *n, 1)) {
		if (fixed)
			return -1;
		*out = (*s)[0] - '0';
		(*s)++, (*n)--;
		return 0;
	}
	*out = ((*s)[0] - '0') * 10 + (*s)[1] - '0';
	*s += 2, *n -= 2;
	return 0;
}

/* Go's lookup: a case-insensitive prefix from the names, first wins. */
static int
lookup_name(const char *const *tab, size_t ntab, size_t only, const char **s,
    size_t *n, int *out)
{
	size_t i, k, wl;

	for (i = 0; i < ntab; i++) {
		wl = only > 0 ? only : strlen(tab[i]);
		if (*n < wl)
			continue;
		for (k = 0; k < wl; k++) {
			unsigned char c1 = (unsigned char)(*s)[k],
				      c2 = (unsigned char)tab[i][k];

			if (c1 != c2
			    && ((c1 | 0x20) != (c2 | 0x20) || (c1 | 0x20) < 'a'
				|| (c1 | 0x20) > 'z'))
				break;
		}
		if (k == wl) {
			*out = (int)i;
			*s += wl, *n -= wl;
			return 0;
		}
	}
	return -1;
}

/* Go's parseTimeZone: the length of a zone abbreviation at s, or 0. */
static size_t
zone_len(const char *s, size_t n)
{
	size_t k, up;

	if (n < 3)
		return 0;
	if (n >= 4 && (memcmp(s, "ChST", 4) == 0 || memcmp(s, "MeST", 4) == 0))
		return 4;
	if (memcmp(s, "GMT", 3) == 0 || s[0] == '+' || s[0] == '-') {
		/* GMT alone, or GMT/a sign then an hour up to 23. */
		size_t base = s[0] == 'G' ? 3 : 0;
		uint64_t x = 0;

		if (base == 3 && n == 3)
			return 3;
		if (s[base] != '+' && s[base] != '-')
			return base;
		for (k = base + 1; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			if ((x = x * 10 + (uint64_t)(s[k] - '0')) > 23)
				return base;
		return k == base + 1 ? base : k;
	}
	for (up = 0; up < 6 && up < n && s[up] >= 'A' && s[up] <= 'Z'; up++)
		;
	switch (up) {
	case 5:
		return s[4] == 'T' ? 5 : 0;
	case 4:
		return s[3] == 'T' || memcmp(s, "WITA", 4) == 0 ? 4 : 0;
	case 3:
		return 3;
	default:
		return 0;
	}
}

/* Go's parseNanoseconds over v[0..nb): a separator, then digits. */
static int
parse_nanos(const char *v, size_t nb, int *ns)
{
	size_t i;
	int x = 0;

	if (v[0] != '.' && v[0] != ',')
		return -1;
	if (nb > 10)
		nb = 10;
	if (nb < 2)
		return -1;
	for (i = 1; i < nb; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + v[i] - '0';
	}
	for (; i < 10; i++)
		x *= 10;
	*ns = x;
	return 0;
}

/* Go's Date in the zone of t: wall clock -> instant, the offset looked up. */
static void
set_wall(struct tmpl_time *t, int64_t y, int m, int d, int hh, int mm, int ss,
    int ns, tmpl_time_local_fn local)
{
	int64_t wall
	    = days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
	int32_t off;

	t->nsec = ns;
	if (t->loc == TMPL_TIME_LOCAL) {
		/* Go: the offset at the wall time read as UTC, corrected
		 * once if the instant it gives lies in another period. */
		local(wall, &off, t->zone);
		if (off != 0) {
			int32_t off2;

			local(wall - off, &off2, t->zone);
			off = off2;
		}
		t->sec = wall - off;
	} else
		t->sec = wall - t->off;
	tmpl_time_zone(t, local);
}

int
tmpl_time_parse(const char *layout, size_t ln, const char *value, size_t vn,
    tmpl_time_local_fn local, struct tmpl_time *out, char *err, size_t errlen)
{
	const char *l = layout, *v = value, *hold, *estd;
	size_t n = ln, vl = vn, k, holdn, estdn;
	const char *range = NULL;
	bool am = false, pm = false, utc = false, bad;
	int64_t year = 0;
	int month = -1, day = -1, yday = -1, hour = 0, min = 0, sec = 0, ns = 0,
	    x, hr, mi, se;
	int32_t zoff = -1, loff;
	char zname[TMPL_TIME_ZONE_MAX] = "", lname[TMPL_TIME_ZONE_MAX];
	struct chunk c, c2;

	memset(out, 0, sizeof(*out));
	for (;;) {
		next_chunk(l, n, &c);
		estd = l + c.pre;
		estdn = c.len;
		/* skip: the literal prefix, a run of spaces matching any. */
		for (k = 0; k < c.pre;) {
			if (l[k] == ' ') {
				if (vl > 0 && v[0] != ' ')
					return parse_error(err, errlen, layout,
					    ln, value, vn, l, c.pre, v, vl,
					    NULL);
				while (k < c.pre && l[k] == ' ')
					k++;
				while (vl > 0 && v[0] == ' ')
					v++, vl--;
				continue;
			}
			if (vl == 0 || v[0] != l[k])
				return parse_error(err, errlen, layout, ln,
				    value, vn, l, c.pre, v, vl, NULL);
			k++, v++, vl--;
		}
		if (c.std == STD_NONE) {
			if (vl > 0) {
				struct buf m;
				char msg[TMPL_TIME_ERR_MAX];

				buf_init(&m, sizeof(msg) - 1);
				buf_addstr(&m, ": extra text: ");
				go_quote(&m, v, vl);
				snprintf(msg, sizeof(msg), "%.*s", (int)m.len,
				    m.data);
				buf_clear(&m);
				return parse_error(err, errlen, layout, ln,
				    value, vn, NULL, 0, NULL, 0, msg);
			}
			break;
		}
		l += c.pre + c.len;
		n -= c.pre + c.len;
		hold = v;
		holdn = vl;
		bad = false;
		switch (c.std) {
		case STD_YEAR:
			if (vl < 2 || !is_digit(v, vl, 0)
			    || !is_digit(v, vl, 1)) {
				bad = true;
				break;
			}
			year = (v[0] - '0') * 10 + v[1] - '0';
			year += year >= 69 ? 1900 : 2000;
			v += 2, vl -= 2;
			break;
		case STD_LONG_YEAR:
			if (vl < 4 || !is_digit(v, vl, 0)) {
				bad = true;
				break;
			}
			year = 0;
			for (k = 0; k < 4 && !bad; k++) {
				if (!is_digit(v, vl, k))
					bad = true;
				year = year * 10 + v[k] - '0';
			}
			v += 4, vl -= 4;
			break;
		case STD_MONTH:
		case STD_LONG_MONTH:
			bad = lookup_name(long_months, 12,
				  c.std == STD_MONTH ? 3 : 0, &v, &vl, &month)
			    == -1;
			month++;
			break;
		case STD_NUM_MONTH:
		case STD_ZERO_MONTH:
			bad = getnum(&v, &vl, c.std == STD_ZERO_MONTH, &month)
			    == -1;
			if (!bad && (month <= 0 || month > 12))
				range = "month";
			break;
		case STD_WEEKDAY:
		case STD_LONG_WEEKDAY:
			bad = lookup_name(long_days, 7,
				  c.std == STD_WEEKDAY ? 3 : 0, &v, &vl, &x)
			    == -1;
			break;
		case STD_DAY:
		case STD_UNDER_DAY:
		case STD_ZERO_DAY:
			if (c.std == STD_UNDER_DAY && vl > 0 && v[0] == ' ')
				v++, vl--;
			bad = getnum(&v, &vl, c.std == STD_ZERO_DAY, &day)
			    == -1;
			break;
		case STD_UNDER_YDAY:
		case STD_ZERO_YDAY:
			for (k = 0; k < 2; k++)
				if (c.std == STD_UNDER_YDAY && vl > 0
				    && v[0] == ' ')
					v++, vl--;
			for (k = 0, x = 0; k < 3 && is_digit(v, vl, k); k++)
				x = x * 10 + v[k] - '0';
			if (k == 0 || (c.std == STD_ZERO_YDAY && k != 3))
				bad = true;
			else {
				yday = x;
				v += k, vl -= k;
			}
			break;
		case STD_HOUR:
			bad = getnum(&v, &vl, false, &hour) == -1;
			if (hour < 0 || hour >= 24)
				range = "hour";
			break;
		case STD_HOUR12:
		case STD_ZERO_HOUR12:
			bad = getnum(&v, &vl, c.std == STD_ZERO_HOUR12, &hour)
			    == -1;
			if (hour < 0 || hour > 12)
				range = "hour";
			break;
		case STD_MINUTE:
		case STD_ZERO_MINUTE:
			bad = getnum(&v, &vl, c.std == STD_ZERO_MINUTE, &min)
			    == -1;
			if (min < 0 || min >= 60)
				range = "minute";
			break;
		case STD_SECOND:
		case STD_ZERO_SECOND:
			if (getnum(&v, &vl, c.std == STD_ZERO_SECOND, &sec)
			    == -1) {
				bad = true;
				break;
			}
			if (sec < 0 || sec >= 60) {
				range = "second";
				break;
			}
			/* A fraction the layout does not name is read too,
			 * unless a fraction element comes next. */
			if (vl >= 2 && (v[0] == '.' || v[0] == ',')
			    && is_digit(v, vl, 1)) {
				next_chunk(l, n, &c2);
				if (c2.std == STD_FRAC0 || c2.std == STD_FRAC9)
					break;
				for (k = 2; k < vl && is_digit(v, vl, k); k++)
					;
				bad = parse_nanos(v, k, &ns) == -1;
				v += k, vl -= k;
			}
			break;
		case STD_PM:
		case STD_pm:
			if (vl < 2) {
				bad = true;
				break;
			}
			if (memcmp(v, c.std == STD_PM ? "PM" : "pm", 2) == 0)
				pm = true;
			else if (memcmp(v, c.std == STD_PM ? "AM" : "am", 2)
			    == 0)
				am = true;
			else
				bad = true;
			v += 2, vl -= 2;
			break;
		case STD_TZ:
			if (vl >= 3 && memcmp(v, "UTC", 3) == 0) {
				utc = true;
				v += 3, vl -= 3;
				break;
			}
			k = zone_len(v, vl);
			if (k == 0 || k >= sizeof(zname)) {
				bad = true;
				break;
			}
			memcpy(zname, v, k);
			zname[k] = '\0';
			v += k, vl -= k;
			break;
		case STD_FRAC0:
			k = 1 + (size_t)c.digits;
			if (vl < k) {
				bad = true;
				break;
			}
			bad = parse_nanos(v, k, &ns) == -1;
			v += k, vl -= k;
			break;
		case STD_FRAC9:
			if (vl < 2 || (v[0] != '.' && v[0] != ',') || v[1] < '0'
			    || v[1] > '9')
				break;
			for (k = 1; k < vl && is_digit(v, vl, k); k++)
				;
			bad = parse_nanos(v, k, &ns) == -1;
			v += k, vl -= k;
			break;
		default: /* the numeric zones */
			if (c.std >= STD_ISO_TZ
			    && c.std <= STD_ISO_COLON_SECS_TZ && vl >= 1
			    && v[0] == 'Z') {
				utc = true;
				v++, vl--;
				break;
			}
			{
				const char *sh, *sm, *ss = "00";
				size_t need;

				sh = v + 1;
				sm = "00";
				if (c.std == STD_ISO_COLON_TZ
				    || c.std == STD_NUM_COLON_TZ) {
					need = 6;
					if (vl < need || v[3] != ':') {
						bad = true;
						break;
					}
					sm = v + 4;
				} else if (c.std == STD_NUM_SHORT_TZ
				    || c.std == STD_ISO_SHORT_TZ) {
					need = 3;
					if (vl < need) {
						bad = true;
						break;
					}
				} else if (c.std == STD_ISO_COLON_SECS_TZ
				    || c.std == STD_NUM_COLON_SECS_TZ) {
					need = 9;
					if (vl < need || v[3] != ':'
					    || v[6] != ':') {
						bad = true;
						break;
					}
					sm = v + 4;
					ss = v + 7;
				} else if (c.std == STD_ISO_SECS_TZ
				    || c.std == STD_NUM_SECS_TZ) {
					need = 7;
					if (vl < need) {
						bad = true;
						break;
					}
					sm = v + 3;
					ss = v + 5;
				} else {
					need = 5;
					if (vl < need) {
						bad = true;
						break;
					}
					sm = v + 3;
				}
				{
					const char *p = sh;
					size_t pn = 2;

					hr = mi = se = 0;
					bad = getnum(&p, &pn, true, &hr) == -1;
					p = sm, pn = 2;
					bad = bad
					    || getnum(&p, &pn, true, &mi) == -1;
					p = ss, pn = 2;
					bad = bad
					    || getnum(&p, &pn, true, &se) == -1;
				}
				if (hr > 24)
					range = "time zone offset hour";
				if (mi > 60)
					range = "time zone offset minute";
				if (se > 60)
					range = "time zone offset second";
				zoff = (hr * 60 + mi) * 60 + se;
				if (v[0] == '-')
					zoff = -zoff;
				else if (v[0] != '+')
					bad = true;
				v += need, vl -= need;
			}
		}
		if (range != NULL) {
			char msg[64];

			snprintf(msg, sizeof(msg), ": %s out of range", range);
			return parse_error(err, errlen, layout, ln, value, vn,
			    NULL, 0, NULL, 0, msg);
		}
		if (bad)
			return parse_error(err, errlen, layout, ln, value, vn,
			    estd, estdn, hold, holdn, NULL);
	}
	if (pm && hour < 12)
		hour += 12;
	else if (am && hour == 12)
		hour = 0;
	if (yday >= 0) {
		int m = 0, d = 0;

		if (is_leap(year)) {
			if (yday == 31 + 29) {
				m = 2;
				d = 29;
			} else if (yday > 31 + 29)
				yday--;
		}
		if (yday < 1 || yday > 365)
			return parse_error(err, errlen, layout, ln, value, vn,
			    NULL, 0, NULL, 0, ": day-of-year out of range");
		if (m == 0) {
			/* Non-leap month lengths: yday was shifted above. */
			for (m = 1; m < 12; m++) {
				int before
				    = (int)(days_from_civil(1970, m + 1, 1)
					- days_from_civil(1970, 1, 1));

				if (yday <= before)
					break;
			}
			d = yday
			    - (int)(days_from_civil(1970, m, 1)
				- days_from_civil(1970, 1, 1));
		}
		if (month >= 0 && month != m)
			return parse_error(err, errlen, layout, ln, value, vn,
			    NULL, 0, NULL, 0,
			    ": day-of-year does not match month");
		month = m;
		if (day >= 0 && day != d)
			return parse_error(err, errlen, layout, ln, value, vn,
			    NULL, 0, NULL, 0,
			    ": day-of-year does not match day");
		day = d;
	} else {
		if (month < 0)
			month = 1;
		if (day < 0)
			day = 1;
	}
	if (day < 1 || day > days_in(month, year))
		return parse_error(err, errlen, layout, ln, value, vn, NULL, 0,
		    NULL, 0, ": day out of range");
	if (utc) {
		out->loc = TMPL_TIME_UTC;
		set_wall(out, year, month, day, hour, min, sec, ns, local);
		return 0;
	}
	if (zoff != -1) {
		/* The Local zone when it has that offset (and name) then,
		 * else a fixed zone. */
		out->loc = TMPL_TIME_FIXED;
		out->off = zoff;
		set_wall(out, year, month, day, hour, min, sec, ns, local);
		local(out->sec, &loff, lname);
		if (loff == zoff
		    && (zname[0] == '\0' || strcmp(lname, zname) == 0)) {
			out->loc = TMPL_TIME_LOCAL;
			memcpy(out->zone, lname, sizeof(out->zone));
		} else
			memcpy(out->zone, zname, sizeof(out->zone));
		return 0;
	}
	if (zname[0] != '\0') {
		/* Local's offset when its zone then has that name; else a
		 * fixed zone of that name, offset 0 (or GMT+h's). */
		out->loc = TMPL_TIME_FIXED;
		out->off = 0;
		set_wall(out, year, month, day, hour, min, sec, ns, local);
		local(out->sec, &loff, lname);
		if (strcmp(lname, zname) == 0) {
			out->loc = TMPL_TIME_LOCAL;
			out->sec -= loff;
			out->off = loff;
			memcpy(out->zone, lname, sizeof(out->zone));
			return 0;
		}
		if (strlen(zname) > 3 && memcmp(zname, "GMT", 3) == 0) {
			const char *p = zname + 3;
			int sign = *p == '-' ? -1 : 1;

			for (x = 0, p++; *p >= '0' && *p <= '9'; p++)
				x = x * 10 + *p - '0';
			/* Go relabels the wall clock read as UTC: the
			 * instant does not move with the offset. */
			out->off = sign * x * 3600;
		}
		memcpy(out->zone, zname, sizeof(out->zone));
		return 0;
	}
	out->loc = TMPL_TIME_LOCAL;
	set_wall(out, year, month, day, hour, min, sec, ns, local);
	return 0;
}

void
tmpl_time_add(struct tmpl_time *t, int64_t d, tmpl_time_local_fn local)
{
	int64_t ds = d / NS_PER_SEC, dn = d % NS_PER_SEC;

	t->nsec += (int32_t)dn;
	if (t->nsec >= NS_PER_SEC) {
		ds++;
		t->nsec -= NS_PER_SEC;
	} else if (t->nsec < 0) {
		ds--;
		t->nsec += NS_PER_SEC;
	}
	t->sec += ds;
	tmpl_time_zone(t, local);
}

int64_t
tmpl_time_sub(const struct tmpl_time *t, const struct tmpl_time *u)
{
	int64_t ds = t->sec - u->sec, dn = t->nsec - u->nsec;

	/* Go saturates a difference out of Duration's range. */
	if (ds > INT64_MAX / NS_PER_SEC - 1)
		return INT64_MAX;
	if (ds < INT64_MIN / NS_PER_SEC + 1)
		return INT64_MIN;
	ds *= NS_PER_SEC;
	if (dn > 0 && ds > INT64_MAX - dn)
		return INT64_MAX;
	if (dn < 0 && ds < INT64_MIN - dn)
		return INT64_MIN;
	return ds + dn;
}

/* Go's fmtFrac: v's prec low digits as a fraction, trailing zeros cut. */
static size_t
fmt_frac(char *buf, size_t w, uint64_t *v, int prec)
{
	bool print = false;
	int i;

	for (i = 0; i < prec; i++) {
		int digit = (int)(*v % 10);

		print = print || digit != 0;
		if (print)
			buf[--w] = (char)('0' + digit);
		*v /= 10;
	}
	if (print)
		buf[--w] = '.';
	return w;
}

static size_t
fmt_int(char *buf, size_t w, uint64_t v)
{
	do {
		buf[--w] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	return w;
}

void
tmpl_time_duration_string(struct buf *b, int64_t d)
{
	char buf[32];
	size_t w = sizeof(buf);
	uint64_t u = d < 0 ? -(uint64_t)d : (uint64_t)d;
	int prec = 0;

	if (u < (uint64_t)NS_PER_SEC) {
		buf[--w] = 's';
		if (u == 0) {
			buf_addstr(b, "0s");
			return;
		}
		if (u < 1000)
			buf[--w] = 'n';
		else if (u < 1000000) {
			prec = 3;
			/* U+00B5 MICRO SIGN, as Go prints it. */
			buf[--w] = (char)0xb5;
			buf[--w] = (char)0xc2;
		} else {
			prec = 6;
			buf[--w] = 'm';
		}
		w = fmt_frac(buf, w, &u, prec);
		w = fmt_int(buf, w, u);
	} else {
		buf[--w] = 's';
		w = fmt_frac(buf, w, &u, 9);
		w = fmt_int(buf, w, u % 60);
		u /= 60;
		if (u > 0) {
			buf[--w] = 'm';
			w = fmt_int(buf, w, u % 60);
			u /= 60;
			if (u > 0) {
				buf[--w] = 'h';
				w = fmt_int(buf, w, u);
			}
		}
	}
	if (d < 0)
		buf[--w] = '-';
	buf_add(b, buf + w, sizeof(buf) - w);
}

static int
duration_error(char *err, size_t errlen, const char *msg, const char *unit,
    size_t ulen, const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, errlen > 0 ? errlen - 1 : 0);
	buf_addstr(&b, "time: ");
	buf_addstr(&b, msg);
	if (unit != NULL) {
		buf_addc(&b, ' ');
		go_quote(&b, unit, ulen);
		buf_addstr(&b, " in duration");
	}
	buf_addc(&b, ' ');
	go_quote(&b, s, n);
	snprintf(err, errlen, "%.*s", (int)b.len, b.len > 0 ? b.data : "");
	buf_clear(&b);
	return -1;
}

int
tmpl_time_parse_duration(const char *s0, size_t n0, int64_t *out, char *err,
    size_t errlen)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1000 },
		{ "\xc2\xb5s", 1000 }, /* U+00B5 micro sign */
		{ "\xce\xbcs", 1000 }, /* U+03BC Greek mu */
		{ "ms", 1000000 },
		{ "s", 1000000000ULL },
		{ "m", 60000000000ULL },
		{ "h", 3600000000000ULL },
	};
	const char *s = s0;
	size_t n = n0, i, k, pl;
	uint64_t d = 0, v, f, unit, y;
	double scale;
	bool neg = false, pre, post, over;

	if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		s++, n--;
	}
	if (n == 1 && s[0] == '0') {
		*out = 0;
		return 0;
	}
	if (n == 0)
		return duration_error(err, errlen, "invalid duration", NULL, 0,
		    s0, n0);
	while (n > 0) {
		if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
			return duration_error(err, errlen, "invalid duration",
			    NULL, 0, s0, n0);
		/* leadingInt: digits, an error past 2^63. */
		pl = n;
		for (v = 0; n > 0 && s[0] >= '0' && s[0] <= '9'; s++, n--) {
			if (v > (UINT64_C(1) << 63) / 10)
				return duration_error(err, errlen,
				    "invalid duration", NULL, 0, s0, n0);
			v = v * 10 + (uint64_t)(s[0] - '0');
			if (v > UINT64_C(1) << 63)
				return duration_error(err, errlen,
				    "invalid duration", NULL, 0, s0, n0);
		}
		pre = pl != n;
		post = false;
		f = 0;
		scale = 1;
		if (n > 0 && s[0] == '.') {
			s++, n--;
			pl = n;
			/* leadingFraction: extra digits are dropped. */
			for (over = false; n > 0 && s[0] >= '0' && s[0] <= '9';
			     s++, n--) {
				if (over)
					continue;
				if (f > (UINT64_C(1) << 63) / 10) {
					over = true;
					continue;
				}
				y = f * 10 + (uint64_t)(s[0] - '0');
				if (y > UINT64_C(1) << 63) {
					over = true;
					continue;
				}
				f = y;
				scale *= 10;
			}
			post = pl != n;
		}
		if (!pre && !post)
			return duration_error(err, errlen, "invalid duration",
			    NULL, 0, s0, n0);
		for (i = 0;
		     i < n && s[i] != '.' && !(s[i] >= '0' && s[i] <= '9'); i++)
			;
		if (i == 0)
			return duration_error(err, errlen,
			    "missing unit in duration", NULL, 0, s0, n0);
		for (k = 0; k < sizeof(units) / sizeof(units[0]); k++)
			if (strlen(units[k].name) == i
			    && memcmp(units[k].name, s, i) == 0)
				break;
		if (k == sizeof(units) / sizeof(units[0]))
			return duration_error(err, errlen, "unknown unit", s, i,
			    s0, n0);
		s += i, n -= i;
		unit = units[k].ns;
		if (v > (UINT64_C(1) << 63) / unit)
			return duration_error(err, errlen, "invalid duration",
			    NULL, 0, s0, n0);
		v *= unit;
		if (f > 0) {
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > UINT64_C(1) << 63)
				return duration_error(err, errlen,
				    "invalid duration", NULL, 0, s0, n0);
		}
		d += v;
		if (d > UINT64_C(1) << 63)
			return duration_error(err, errlen, "invalid duration",
			    NULL, 0, s0, n0);
	}
	if (neg) {
		*out = (int64_t)(0 - d);
		return 0;
	}
	if (d > (uint64_t)INT64_MAX)
		return duration_error(err, errlen, "invalid duration", NULL, 0,
		    s0, n0);
	*out = (int64_t)d;
	return 0;
}

int64_t
tmpl_time_duration_round(int64_t d, int64_t m)
{
	int64_t r;

	if (m <= 0)
		return d;
	r = d % m;
	if (d < 0) {
		r = -r;
		if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
			return d + r;
		if (d - m + r < d)
			return d - m + r;
		return INT64_MIN;
	}
	if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
		return d - r;
	if (d <= INT64_MAX - (m - r))
		return d + m - r;
	return INT64_MAX;
}

void
tmpl_time_duration_coarse(struct buf *b, int64_t d)
{
	static const struct {
		uint64_t ns;
		const char *unit;
	} steps[] = {
		{ 365ULL * 24 * 3600 * 1000000000ULL, "y" },
		{ 30ULL * 24 * 3600 * 1000000000ULL, "mo" },
		{ 24ULL * 3600 * 1000000000ULL, "d" },
		{ 3600ULL * 1000000000ULL, "h" },
		{ 60ULL * 1000000000ULL, "m" },
		{ 1000000000ULL, "s" },
	};
	uint64_t u = d < 0 ? -(uint64_t)d : (uint64_t)d;
	size_t i;

	/* Sprig's durationRound: the largest unit strictly exceeded, the
	 * count truncated, the sign dropped. */
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (u > steps[i].ns) {
			buf_addf(b, "%llu%s",
			    (unsigned long long)(u / steps[i].ns),
			    steps[i].unit);
			return;
		}
	buf_addstr(b, "0s");
}

/*
 * The template functions: Sprig's hermetic date functions, as sprig_*
 * (consul-template leaves out Sprig's now, date, dateInZone, dateModify,
 * htmlDate and htmlDateInZone: they read the clock or the zone database),
 * and the methods of the time.Time values they make.  Local is libc's
 * zone, which reads TZ, else /etc/localtime, as Go does.
 */
static void
libc_local(int64_t sec, int32_t *off, char zone[TMPL_TIME_ZONE_MAX])
{
	time_t t = (time_t)sec;
	struct tm tm;

	tzset();
	if (localtime_r(&t, &tm) == NULL) {
		*off = 0;
		snprintf(zone, TMPL_TIME_ZONE_MAX, "UTC");
		return;
	}
	*off = (int32_t)tm.tm_gmtoff;
	snprintf(zone, TMPL_TIME_ZONE_MAX, "%s",
	    tm.tm_zone != NULL ? tm.tm_zone : "");
}

/* The clock: the caller's fixed time, else the real one (time.Now()). */
static void
now(struct tmpl_exec *x, struct tmpl_time *t)
{
	struct timespec ts;

	memset(t, 0, sizeof(*t));
	t->loc = TMPL_TIME_LOCAL;
	if (x->opts != NULL && x->opts->fixed_now)
		t->sec = (int64_t)x->opts->now;
	else if (clock_gettime(CLOCK_REALTIME, &ts) == 0) {
		t->sec = (int64_t)ts.tv_sec;
		t->nsec = (int32_t)ts.tv_nsec;
	}
	tmpl_time_zone(t, libc_local);
}

static struct tmpl_value
time_value(struct tmpl_exec *x, const struct tmpl_time *t)
{
	struct tmpl_time *c = tmpl_arena_alloc(x->a, sizeof(*c));
	struct tmpl_value v;

	*c = *t;
	memset(&v, 0, sizeof(v));
	v.kind = TV_TIME;
	v.u.time = c;
	return v;
}

/* Go's zero Time: January 1, year 1, 00:00:00 UTC. */
static void
zero_time(struct tmpl_time *t)
{
	memset(t, 0, sizeof(*t));
	t->sec = -ZERO_TO_UNIX;
	t->loc = TMPL_TIME_UTC;
	tmpl_time_zone(t, libc_local);
}

struct tmpl_value
tmpl_time_from_json(struct tmpl_arena *a, const cJSON *j)
{
	static const char rfc3339[] = "2006-01-02T15:04:05Z07:00";
	char err[TMPL_ERR_MAX];
	struct tmpl_time *t = tmpl_arena_alloc(a, sizeof(*t));
	struct tmpl_value v;

	if (!cJSON_IsString(j)
	    || tmpl_time_parse(rfc3339, sizeof(rfc3339) - 1, j->valuestring,
		   strlen(j->valuestring), libc_local, t, err, sizeof(err))
		== -1)
		zero_time(t);
	memset(&v, 0, sizeof(v));
	v.kind = TV_TIME;
	v.u.time = t;
	return v;
}

/* Argument i as a time.Time, or -1 with Go's type error. */
static int
arg_time(struct tmpl_exec *x, const struct tmpl_value *a, size_t i,
    const struct tmpl_time **t)
{
	if (a[i].kind == TV_TIME) {
		*t = a[i].u.time;
		return 0;
	}
	if (a[i].kind == TV_MISSING || a[i].kind == TV_NIL)
		return tmpl_exec_errorf(x,
		    "invalid value; expected time.Time (argument %zu)", i + 1);
	return tmpl_exec_errorf(x,
	    "wrong type for value; expected time.Time; got %s (argument %zu)",
	    tmpl_value_type_name(&a[i]), i + 1);
}

/* toDate FMT STR (arg 0: the zero Time on error) and mustToDate (arg 1). */
static int
sprig_to_date(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char err[TMPL_TIME_ERR_MAX];
	const char *l, *s;
	size_t ln, sn;
	struct tmpl_time t;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &l, &ln) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &sn) == -1)
		return -1;
	if (tmpl_time_parse(l, ln, s, sn, libc_local, &t, err, sizeof(err))
	    == -1) {
		if (x->farg == 1)
			return tmpl_exec_errorf(x, "%s", err);
		zero_time(&t);
	}
	*r = time_value(x, &t);
	return 0;
}

/* unixEpoch DATE: seconds since 1970 as a string. */
static int
sprig_unix_epoch(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const struct tmpl_time *t = NULL;
	struct buf b;

	(void)n;
	if (arg_time(x, a, 0, &t) == -1)
		return -1;
	buf_init(&b, SIZE_MAX);
	buf_addf(&b, "%lld", (long long)t->sec);
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* mustDateModify DURATION DATE (must_date_modify too). */
static int
sprig_must_date_modify(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char err[TMPL_TIME_ERR_MAX];
	const struct tmpl_time *t = NULL;
	struct tmpl_time u;
	const char *s;
	size_t sn;
	int64_t d;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &sn) == -1
	    || arg_time(x, a, 1, &t) == -1)
		return -1;
	if (tmpl_time_parse_duration(s, sn, &d, err, sizeof(err)) == -1)
		return tmpl_exec_errorf(x, "%s", err);
	u = *t;
	tmpl_time_add(&u, d, libc_local);
	*r = time_value(x, &u);
	return 0;
}

/*
 * ago DATE: the time since DATE (a time.Time, or Unix seconds as an
 * int), rounded to the second; any other value is now, "0s".  The
 * engine's ints are Go's int and int64 alike.
 */
static int
sprig_ago(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_time t, nw;
	struct buf b;

	(void)n;
	now(x, &nw);
	if (a[0].kind == TV_TIME)
		t = *a[0].u.time;
	else if (a[0].kind == TV_INT && !a[0].isuint) {
		memset(&t, 0, sizeof(t));
		t.sec = a[0].u.i;
	} else
		t = nw;
	buf_init(&b, SIZE_MAX);
	tmpl_time_duration_string(&b,
	    tmpl_time_duration_round(tmpl_time_sub(&nw, &t), 1000000000LL));
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/*
 * duration SECONDS: Go's Duration.String of that many seconds.  Sprig
 * takes a string or an int64 (math results, parseInt, loop's values); an
 * int (a number the template writes) falls to its default, 0s, as in
 * consul-template.
 */
static int
sprig_duration(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	int64_t sec = 0;
	struct buf b;
	char *end;

	(void)n;
	if (a[0].kind == TV_INT && a[0].elem == ELEM_INT64)
		sec = a[0].u.i;
	else if (a[0].kind == TV_STR && a[0].len > 0) {
		/* strconv.ParseInt: digits after one sign, nothing else;
		 * a syntax error is 0. */
		const char *s = a[0].u.s;
		size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
		bool digits = i < a[0].len;

		for (; i < a[0].len; i++)
			digits = digits && s[i] >= '0' && s[i] <= '9';
		/* Out of range, ParseInt returns the nearest bound with
		 * its error, and Sprig keeps it (strtoll does the same). */
		if (digits)
			sec = strtoll(s, &end, 10);
	}
	buf_init(&b, SIZE_MAX);
	/* time.Duration(n) * time.Second wraps like Go's int64. */
	tmpl_time_duration_string(&b, (int64_t)((uint64_t)sec * 1000000000ULL));
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/*
 * durationRound D: a string to parse (0 if bad), an int64 of nanoseconds,
 * or a time.Time's age; anything else (an int too) is 0s.
 */
static int
sprig_duration_round(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	char err[TMPL_TIME_ERR_MAX];
	struct tmpl_time nw;
	int64_t d = 0;
	struct buf b;

	(void)n;
	if (a[0].kind == TV_STR) {
		if (tmpl_time_parse_duration(a[0].u.s, a[0].len, &d, err,
			sizeof(err))
		    == -1)
			d = 0;
	} else if (a[0].kind == TV_INT && a[0].elem == ELEM_INT64)
		d = a[0].u.i;
	else if (a[0].kind == TV_TIME) {
		now(x, &nw);
		d = tmpl_time_sub(&nw, a[0].u.time);
	}
	buf_init(&b, SIZE_MAX);
	tmpl_time_duration_coarse(&b, d);
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

const struct tmpl_func tmpl_time_funcs[] = {
	{ "sprig_toDate", sprig_to_date, 2, 2, 0, 0 },
	{ "sprig_mustToDate", sprig_to_date, 2, 2, 0, 1 },
	{ "sprig_unixEpoch", sprig_unix_epoch, 1, 1, 0, 0 },
	{ "sprig_mustDateModify", sprig_must_date_modify, 2, 2, 0, 0 },
	{ "sprig_must_date_modify", sprig_must_date_modify, 2, 2, 0, 0 },
	{ "sprig_ago", sprig_ago, 1, 1, 0, 0 },
	{ "sprig_duration", sprig_duration, 1, 1, 0, 0 },
	{ "sprig_durationRound", sprig_duration_round, 1, 1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};

static struct tmpl_value
str_value(struct tmpl_exec *x, struct buf *b)
{
	return tmpl_value_from_buf(x->a, b);
}

int
tmpl_time_method(struct tmpl_exec *x, const struct tmpl_time *t,
    const char *name, struct tmpl_value *args, size_t nargs,
    struct tmpl_value *ret)
{
	/* The int-valued methods, from the wall clock of t's zone. */
	static const char *const ints[] = { "Year", "YearDay", "Day", "Hour",
		"Minute", "Second", "Nanosecond", "Unix", "UnixMilli",
		"UnixMicro", "UnixNano", NULL };
	struct tmpl_time u;
	struct buf b;
	size_t i;
	/* Comparisons with another time.Time: the instants, not the zones. */
	bool cmp = strcmp(name, "After") == 0 || strcmp(name, "Before") == 0
	    || strcmp(name, "Equal") == 0;
	int want = strcmp(name, "Format") == 0 || cmp ? 1 : 0;
	int64_t d;

	for (i = 0; ints[i] != NULL && strcmp(ints[i], name) != 0; i++)
		;
	if (ints[i] == NULL && !cmp && strcmp(name, "Format") != 0
	    && strcmp(name, "String") != 0 && strcmp(name, "UTC") != 0
	    && strcmp(name, "Local") != 0 && strcmp(name, "IsZero") != 0)
		return tmpl_exec_errorf(x,
		    "can't evaluate field %s in type time.Time", name);
	if (nargs != (size_t)want)
		return tmpl_exec_errorf(x,
		    "wrong number of args for %s: want %d got %zu", name, want,
		    nargs);
	if (cmp) {
		if (args[0].kind != TV_TIME)
			return tmpl_exec_errorf(x,
			    "wrong type for value; expected time.Time; got %s",
			    tmpl_value_type_name(&args[0]));
		d = tmpl_time_sub(t, args[0].u.time);
		*ret = tmpl_value_bool(name[0] == 'A' ? d > 0
			: name[0] == 'B'              ? d < 0
						      : d == 0);
		return 0;
	}
	buf_init(&b, SIZE_MAX);
	if (strcmp(name, "Format") == 0) {
		const char *l;
		size_t ln;

		if (args[0].kind != TV_STR)
			return tmpl_exec_errorf(x,
			    "wrong type for value; expected string; got %s",
			    tmpl_value_type_name(&args[0]));
		l = args[0].u.s;
		ln = args[0].len;
		tmpl_time_format(&b, l, ln, t);
		*ret = str_value(x, &b);
		return 0;
	}
	if (strcmp(name, "String") == 0) {
		tmpl_time_string(&b, t);
		*ret = str_value(x, &b);
		return 0;
	}
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Local") == 0) {
		u = *t;
		u.loc = name[0] == 'U' ? TMPL_TIME_UTC : TMPL_TIME_LOCAL;
		tmpl_time_zone(&u, libc_local);
		*ret = time_value(x, &u);
		return 0;
	}
	if (strcmp(name, "IsZero") == 0) {
		*ret = tmpl_value_bool(t->sec == -ZERO_TO_UNIX && t->nsec == 0);
		return 0;
	}
	/* The calendar fields, printed through Format's own arithmetic. */
	switch (i) {
	case 7: /* Unix */
		*ret = tmpl_value_int(t->sec);
		return 0;
	/* Go's int64 arithmetic wraps past year 2262 (UnixNano). */
	case 8:
		*ret = tmpl_value_int((int64_t)((uint64_t)t->sec * 1000
		    + (uint64_t)(t->nsec / 1000000)));
		return 0;
	case 9:
		*ret = tmpl_value_int((int64_t)((uint64_t)t->sec * 1000000
		    + (uint64_t)(t->nsec / 1000)));
		return 0;
	case 10:
		*ret = tmpl_value_int((int64_t)((uint64_t)t->sec * NS_PER_SEC
		    + (uint64_t)t->nsec));
		return 0;
	case 6:
		*ret = tmpl_value_int(t->nsec);
		return 0;
	default: {
		static const char *const layouts[]
		    = { "2006", "002", "2", "15", "4", "5" };
		int64_t v = 0;
		size_t k;

		tmpl_time_format(&b, layouts[i], strlen(layouts[i]), t);
		for (k = b.len > 0 && b.data[0] == '-'; k < b.len; k++)
			v = v * 10 + (b.data[k] - '0');
		if (b.len > 0 && b.data[0] == '-')
			v = -v;
		buf_clear(&b);
		*ret = tmpl_value_int(v);
		return 0;
	}
	}
}
