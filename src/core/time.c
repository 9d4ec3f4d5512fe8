/* lanxang: civil dates, GTFS times of day and time zones.
 *
 * Dates
 * -----
 * A date is a day count from 1970-01-01 in the proleptic Gregorian calendar. The
 * conversions are Howard Hinnant's "days_from_civil" / "civil_from_days": shift the
 * year so that it starts on March 1 (the leap day then falls at the end of a year),
 * split it into 400-year eras of 146097 days, and the day of the year follows from
 * the month with the (153 * m + 2) / 5 trick. No tables, no loops, exact for any
 * year an int64 can hold.
 *
 * TZif (RFC 8536)
 * ---------------
 * A TZif file is, all integers big-endian:
 *
 *   header   "TZif", version byte (0, '2', '3', '4'), 15 unused bytes, then six
 *            32-bit counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt.
 *   data     timecnt transition times (4 bytes in v1, 8 in v2+), signed seconds
 *            since the epoch, strictly ascending;
 *            timecnt one-byte indices into the local time types;
 *            typecnt local time types ("ttinfo"): int32 utoff (seconds east of
 *            UTC), uint8 isdst, uint8 index of its abbreviation;
 *            charcnt bytes of NUL-terminated abbreviations;
 *            leapcnt leap second records (time + correction, 4+4 or 8+4 bytes);
 *            isstdcnt and isutcnt one-byte indicators (only meaningful for a
 *            POSIX TZ string without rules; we do not need them).
 *   v2+ only: a second header and data block with 64-bit transition times, then a
 *            footer: '\n', a POSIX TZ string (possibly empty), '\n'.
 *
 * A v1 reader stops after the first data block; we skip it for v2+ files (its
 * 32-bit times cannot reach past 2038) and read only the second one. Each transition
 * becomes (instant, utoff) in two parallel arrays; the offset at an instant is found
 * by binary search. Before the first transition the first standard-time type (the
 * first type at all if every type is DST) is in force. After the last transition the
 * footer rule decides; a v1 file, or an empty footer, keeps the last offset.
 *
 * The footer (POSIX TZ, with the RFC 8536 extensions)
 * ---------------------------------------------------
 *   std offset [dst [offset] [,start[/time],end[/time]]]
 *
 * Names are three or more letters, or anything of [A-Za-z0-9+-] quoted in <...>
 * ("<+07>"). An offset is [+-]hh[:mm[:ss]] and counts WEST of Greenwich ("EST5" is
 * UTC-5), the opposite sign of a TZif utoff. A missing DST offset means one hour
 * ahead of standard time. start and end are
 *   Jn      day n of the year, 1..365, February 29 never counted;
 *   n       zero-based day of the year, 0..365, February 29 counted;
 *   Mm.w.d  day d (0 = Sunday) of week w (1..5, 5 = last) of month m;
 * with an optional local time of day, default 02:00:00, which RFC 8536 lets be
 * negative or up to 167 hours (e.g. "M3.4.4/26": 02:00 the Friday after the fourth
 * Thursday). The start time is in standard time, the end time in DST. A DST name
 * without rules takes the US rules M3.2.0,M11.1.0, as the reference tzcode does.
 *
 * Evaluating the rule at an instant t: take the year y of t in standard local time,
 * compute the start and end instants of DST for the years y-1, y and y+1 (times past
 * 24 h or below 0 can move a transition across New Year, and in the southern
 * hemisphere DST spans New Year anyway), and the latest of these six events at or
 * before t tells whether DST is in force. When an end and a start fall on the same
 * instant the start wins: that is how RFC 8536 spells "DST all year"
 * ("EST5EDT,0/0,J365/25"). Nothing here allocates or depends on the zone's history.
 */
#include "lanxang/time.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define DAY_SECS 86400
/* RFC 8536: utoff SHOULD be in (-25 h, +26 h); we require it so that the
 * local-time arithmetic below stays simple and overflow-free. */
#define UTOFF_MIN (-89999)
#define UTOFF_MAX 93599
/* Rule evaluation clamps instants here (about 18 billion years): the rule is the
 * same every year, and this keeps all year/day arithmetic far from overflow. */
#define RULE_T_LIMIT ((int64_t)1 << 59)
/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what four year digits can show. */
#define ISO_MIN_LOCAL (-62167219200LL)
#define ISO_MAX_LOCAL 253402300799LL

/* ---- calendar arithmetic ---- */

static int64_t floor_div(int64_t a, int64_t b) /* b > 0 */
{
    int64_t q = a / b;
    if (a % b < 0)
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b) /* b > 0; result in [0, b) */
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int64_t y, int m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* m in 1..12; d may be out of its month (it just adds days). */
static int64_t days_from_civil(int64_t y, int m, int64_t d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                  /* 0..399 */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* from March 1 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468; /* 719468 = days from 0000-03-01 to 1970-01-01 */
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                      /* 0..146096 */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365 */
    int64_t mp = (5 * doy + 2) / 153;                                    /* 0 = March */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int32_t clamp_i32(int64_t v)
{
    return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* t + off without signed overflow (instants near INT64_MAX saturate). */
static int64_t add_sat(int64_t t, int32_t off)
{
    if (off > 0 && t > INT64_MAX - off)
        return INT64_MAX;
    if (off < 0 && t < INT64_MIN - off)
        return INT64_MIN;
    return t + off;
}

/* Writes n decimal digits of v (v >= 0), zero-padded, and returns the end. */
static char *put_digits(char *p, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

/* ---- dates ---- */

lx_date_t lx_date_from_ymd(int y, int m, int d)
{
    /* Normalise the month so that (2026, 13, 1) is 2027-01-01; days spill over by
     * plain addition, so (2026, 3, 0) is 2026-02-28. */
    int64_t mm = (int64_t)m - 1;
    int64_t yy = (int64_t)y + floor_div(mm, 12);
    return clamp_i32(days_from_civil(yy, (int)floor_mod(mm, 12) + 1, d));
}

void lx_date_to_ymd(lx_date_t day, int *y, int *m, int *d)
{
    int64_t yy;
    int mm, dd;
    civil_from_days(day, &yy, &mm, &dd);
    if (y)
        *y = (int)yy; /* an int32 day count is within +-6 million years */
    if (m)
        *m = mm;
    if (d)
        *d = dd;
}

int lx_date_weekday(lx_date_t day)
{
    return (int)floor_mod((int64_t)day + 3, 7); /* 1970-01-01 was a Thursday (3) */
}

/* n ASCII digits at s, or -1. */
static int parse_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

lx_err lx_date_parse(const char *s, size_t len, int dash, lx_date_t *out)
{
    if (!out || (!s && len))
        return LX_INVAL;
    if (len != (dash ? 10u : 8u))
        return LX_FORMAT;
    if (dash && (s[4] != '-' || s[7] != '-'))
        return LX_FORMAT;
    int y = parse_digits(s, 4);
    int m = parse_digits(s + (dash ? 5 : 4), 2);
    int d = parse_digits(s + (dash ? 8 : 6), 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return LX_FORMAT;
    lx_date_t day = lx_date_from_ymd(y, m, d);
    if (day < LX_DATE_MIN || day > LX_DATE_MAX)
        return LX_FORMAT;
    *out = day;
    return LX_OK;
}

void lx_date_format(lx_date_t day, int dash, char *buf)
{
    int y, m, d;
    lx_date_to_ymd(day, &y, &m, &d);
    if (y < 0 || y > 9999) { /* cannot be shown in four digits: saturate */
        y = y < 0 ? 0 : 9999;
        m = y ? 12 : 1;
        d = y ? 31 : 1;
    }
    char *p = put_digits(buf, y, 4);
    if (dash)
        *p++ = '-';
    p = put_digits(p, m, 2);
    if (dash)
        *p++ = '-';
    p = put_digits(p, d, 2);
    *p = '\0';
}

/* ---- GTFS times of day ---- */

lx_err lx_time_parse(const char *s, size_t len, int allow_hm, lx_time_t *out)
{
    if (!out || (!s && len))
        return LX_INVAL;
    size_t h = 0;
    while (h < len && h < 4 && s[h] >= '0' && s[h] <= '9')
        h++;
    if (h < 1 || h > 3) /* "H", "HH" or "HHH" (up to 167) */
        return LX_FORMAT;
    int hours = parse_digits(s, (int)h);
    int mins, secs = 0;
    if (len == h + 3 && allow_hm) {
        if (s[h] != ':')
            return LX_FORMAT;
    } else if (len == h + 6) {
        if (s[h] != ':' || s[h + 3] != ':')
            return LX_FORMAT;
        secs = parse_digits(s + h + 4, 2);
    } else {
        return LX_FORMAT;
    }
    mins = parse_digits(s + h + 1, 2);
    if (mins < 0 || mins > 59 || secs < 0 || secs > 59)
        return LX_FORMAT;
    int32_t t = hours * 3600 + mins * 60 + secs;
    if (t > LX_TIME_MAX)
        return LX_FORMAT;
    *out = t;
    return LX_OK;
}

void lx_time_format(lx_time_t t, char *buf)
{
    if (t < 0 || t > LX_TIME_MAX) { /* LX_TIME_NONE or garbage: nothing sensible */
        memcpy(buf, "--:--:--", 9);
        return;
    }
    int h = t / 3600;
    char *p = put_digits(buf, h, h >= 100 ? 3 : 2);
    *p++ = ':';
    p = put_digits(p, t / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, t % 60, 2);
    *p = '\0';
}

/* ---- time zones ---- */

enum { RULE_JULIAN1 = 'J', RULE_DAY0 = 'n', RULE_MONTH = 'M' };

struct posix_date {
    int kind;     /* RULE_* */
    int a, b, c;  /* J: a=n; n: a=n; M: a=month, b=week, c=weekday */
    int32_t time; /* local time of day of the change, seconds */
};

struct posix_rule {
    int32_t std_off, dst_off; /* seconds EAST of UTC */
    int has_dst;
    struct posix_date start, end;
};

struct lx_tz {
    char *name;
    size_t n;          /* transitions */
    int64_t *at;       /* transition instants, strictly ascending */
    int32_t *off;      /* utoff in force from at[i] on */
    int32_t first_off; /* before at[0] (and always, if n == 0 and no rule) */
    int has_rule;      /* rule applies from at[n-1] on (always, if n == 0) */
    struct posix_rule rule;
};

/* The day (since epoch) a rule date falls on in year y. */
static int64_t rule_day(const struct posix_date *r, int64_t y)
{
    if (r->kind == RULE_JULIAN1)
        return days_from_civil(y, 1, 1) + r->a - 1 + (is_leap(y) && r->a >= 60);
    if (r->kind == RULE_DAY0)
        return days_from_civil(y, 1, 1) + r->a;
    int64_t first = days_from_civil(y, r->a, 1);
    int wd = (int)floor_mod(first + 4, 7); /* 0 = Sunday; 1970-01-01 was a Thursday */
    int64_t day = first + (r->c - wd + 7) % 7 + (int64_t)(r->b - 1) * 7;
    while (day >= first + days_in_month(y, r->a)) /* week 5 means "the last" */
        day -= 7;
    return day;
}

static int32_t rule_offset(const struct posix_rule *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    if (t > RULE_T_LIMIT)
        t = RULE_T_LIMIT;
    if (t < -RULE_T_LIMIT)
        t = -RULE_T_LIMIT;
    int64_t y;
    int m, d;
    civil_from_days(floor_div(t + r->std_off, DAY_SECS), &y, &m, &d);
    int64_t best = INT64_MIN;
    int dst = 0;
    for (int64_t yy = y - 1; yy <= y + 1; yy++) {
        /* The start time is read on the standard clock, the end time on the DST one. */
        int64_t s = rule_day(&r->start, yy) * DAY_SECS + r->start.time - r->std_off;
        int64_t e = rule_day(&r->end, yy) * DAY_SECS + r->end.time - r->dst_off;
        if (e <= t && e > best) {
            best = e;
            dst = 0;
        }
        if (s <= t && s >= best) { /* on a tie the start wins: "DST all year" */
            best = s;
            dst = 1;
        }
    }
    return dst ? r->dst_off : r->std_off;
}

int32_t lx_tz_offset_at(const lx_tz *tz, lx_instant_t t)
{
    if (!tz)
        return 0;
    if (tz->n == 0)
        return tz->has_rule ? rule_offset(&tz->rule, t) : tz->first_off;
    if (t < tz->at[0])
        return tz->first_off;
    size_t lo = 0, hi = tz->n; /* invariant: at[lo] <= t, and t < at[hi] if hi < n */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->at[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    if (lo == tz->n - 1 && tz->has_rule)
        return rule_offset(&tz->rule, t);
    return tz->off[lo];
}

lx_instant_t lx_tz_local_to_instant(const lx_tz *tz, lx_date_t day, int32_t secs)
{
    int64_t local = (int64_t)day * DAY_SECS + secs;
    /* Offsets are within about a day, so the offsets a day before and a day after
     * bracket every candidate: t = local - o is a solution iff o is in force at t. */
    int32_t o1 = lx_tz_offset_at(tz, local - DAY_SECS);
    int32_t o2 = lx_tz_offset_at(tz, local + DAY_SECS);
    int64_t t1 = local - o1, t2 = local - o2;
    int ok1 = lx_tz_offset_at(tz, t1) == o1;
    int ok2 = lx_tz_offset_at(tz, t2) == o2;
    if (ok1 && ok2)
        return t1 < t2 ? t1 : t2; /* ambiguous (fall back): the earlier one */
    if (ok1)
        return t1;
    if (ok2)
        return t2;
    /* A gap (spring forward): the earlier candidate lies before the transition, so
     * the offset there is the one in force before the gap. */
    return local - lx_tz_offset_at(tz, t1 < t2 ? t1 : t2);
}

lx_instant_t lx_tz_service_instant(const lx_tz *tz, lx_date_t service_day, lx_time_t t)
{
    /* GTFS measures stop times from "noon minus 12 h", so on a DST change day
     * 00:00:00 is not local midnight but the instant 12 h before local noon. */
    return lx_tz_local_to_instant(tz, service_day, 12 * 3600) - 12 * 3600 + t;
}

int32_t lx_tz_to_local(const lx_tz *tz, lx_instant_t t, lx_date_t *day, int32_t *secs)
{
    int32_t off = lx_tz_offset_at(tz, t);
    int64_t local = add_sat(t, off);
    if (day)
        *day = clamp_i32(floor_div(local, DAY_SECS));
    if (secs)
        *secs = (int32_t)floor_mod(local, DAY_SECS); /* no d * 86400: it may overflow */
    return off;
}

/* An offset rounded to whole minutes (half a minute rounds away from zero). */
static int64_t round_offset(int32_t off)
{
    int64_t a = off < 0 ? -(int64_t)off : off;
    a = (a + 30) / 60 * 60;
    return off < 0 ? -a : a;
}

static char *put_offset(char *p, int64_t off)
{
    int64_t a = off < 0 ? -off : off;
    int64_t mins = a / 60;
    if (mins > 99 * 60 + 59)
        mins = 99 * 60 + 59;
    *p++ = off < 0 ? '-' : '+';
    p = put_digits(p, mins / 60, 2);
    *p++ = ':';
    p = put_digits(p, mins % 60, 2);
    *p = '\0';
    return p;
}

void lx_format_offset(int32_t utc_offset, char *buf)
{
    put_offset(buf, round_offset(utc_offset));
}

void lx_tz_format_iso(const lx_tz *tz, lx_instant_t t, char *buf)
{
    /* ISO 8601 offsets have no seconds, so an LMT offset like +08:05:43 is shown
     * rounded (+08:06) and the wall time is computed with the rounded offset: the
     * string still names exactly the instant t. */
    int64_t off = round_offset(lx_tz_offset_at(tz, t));
    int64_t local = add_sat(t, (int32_t)off);
    if (local < ISO_MIN_LOCAL)
        local = ISO_MIN_LOCAL;
    if (local > ISO_MAX_LOCAL)
        local = ISO_MAX_LOCAL;
    int64_t days = floor_div(local, DAY_SECS), s = local - days * DAY_SECS, y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    char *p = put_digits(buf, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, s / 3600, 2);
    *p++ = ':';
    p = put_digits(p, s / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, s % 60, 2);
    put_offset(p, off);
}

const char *lx_tz_name(const lx_tz *tz) { return tz ? tz->name : "UTC"; }

void lx_tz_destroy(lx_tz *tz)
{
    if (!tz)
        return;
    free(tz->name);
    free(tz->at);
    free(tz->off);
    free(tz);
}

static lx_tz *tz_new(const char *name)
{
    lx_tz *tz = calloc(1, sizeof *tz);
    if (!tz)
        return NULL;
    if (!name)
        name = "";
    size_t n = strlen(name) + 1;
    tz->name = malloc(n);
    if (!tz->name) {
        free(tz);
        return NULL;
    }
    memcpy(tz->name, name, n);
    return tz;
}

lx_err lx_tz_fixed(const char *name, int32_t utc_offset, lx_tz **out)
{
    if (!out)
        return LX_INVAL;
    *out = NULL;
    if (utc_offset < UTOFF_MIN || utc_offset > UTOFF_MAX)
        return LX_RANGE;
    lx_tz *tz = tz_new(name);
    if (!tz)
        return LX_NOMEM;
    tz->first_off = utc_offset;
    *out = tz;
    return LX_OK;
}

/* ---- POSIX TZ footer parser ---- */

struct cursor {
    const char *s;
    size_t n, i;
};

static int peek(const struct cursor *c) { return c->i < c->n ? (unsigned char)c->s[c->i] : -1; }
static int is_digit(int ch) { return ch >= '0' && ch <= '9'; }
static int is_alpha(int ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'); }

/* A zone abbreviation: three or more letters, or <...> of [A-Za-z0-9+-]. */
static int parse_name(struct cursor *c)
{
    size_t start;
    if (peek(c) == '<') {
        start = ++c->i;
        while (is_alpha(peek(c)) || is_digit(peek(c)) || peek(c) == '+' || peek(c) == '-')
            c->i++;
        if (peek(c) != '>')
            return 0;
        c->i++;
        return c->i - 1 - start >= 3;
    }
    start = c->i;
    while (is_alpha(peek(c)))
        c->i++;
    return c->i - start >= 3;
}

/* 1..maxd decimal digits, value <= maxv. */
static int parse_uint(struct cursor *c, int maxd, int maxv, int *v)
{
    int n = 0, x = 0;
    while (n < maxd && is_digit(peek(c))) {
        x = x * 10 + (peek(c) - '0');
        c->i++;
        n++;
    }
    if (n == 0 || x > maxv)
        return 0;
    *v = x;
    return 1;
}

/* [+-]hh[:mm[:ss]] in seconds; hh has up to hdigits digits and is <= maxh. */
static int parse_hms(struct cursor *c, int hdigits, int maxh, int32_t *out)
{
    int sign = 1, h, m = 0, s = 0;
    if (peek(c) == '+' || peek(c) == '-')
        sign = c->s[c->i++] == '-' ? -1 : 1;
    if (!parse_uint(c, hdigits, maxh, &h))
        return 0;
    if (peek(c) == ':') {
        c->i++;
        if (!parse_uint(c, 2, 59, &m))
            return 0;
        if (peek(c) == ':') {
            c->i++;
            if (!parse_uint(c, 2, 59, &s))
                return 0;
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return 1;
}

/* A POSIX offset (west positive, hours 0..24) as seconds east of UTC. */
static int parse_offset(struct cursor *c, int32_t *east)
{
    int32_t west;
    if (!parse_hms(c, 2, 24, &west))
        return 0;
    *east = -west;
    return 1;
}

static int parse_date(struct cursor *c, struct posix_date *d)
{
    if (peek(c) == 'J') {
        c->i++;
        d->kind = RULE_JULIAN1;
        if (!parse_uint(c, 3, 365, &d->a) || d->a < 1)
            return 0;
    } else if (peek(c) == 'M') {
        c->i++;
        d->kind = RULE_MONTH;
        if (!parse_uint(c, 2, 12, &d->a) || d->a < 1 || peek(c) != '.')
            return 0;
        c->i++;
        if (!parse_uint(c, 1, 5, &d->b) || d->b < 1 || peek(c) != '.')
            return 0;
        c->i++;
        if (!parse_uint(c, 1, 6, &d->c))
            return 0;
    } else {
        d->kind = RULE_DAY0;
        if (!parse_uint(c, 3, 365, &d->a))
            return 0;
    }
    d->time = 2 * 3600;
    if (peek(c) == '/') {
        c->i++;
        /* RFC 8536 extension: -167..167 hours. */
        if (!parse_hms(c, 3, 167, &d->time))
            return 0;
    }
    return 1;
}

static int parse_posix_tz(const char *s, size_t n, struct posix_rule *r)
{
    struct cursor c = {s, n, 0};
    memset(r, 0, sizeof *r);
    if (!parse_name(&c) || !parse_offset(&c, &r->std_off))
        return 0;
    if (c.i == c.n)
        return 1;
    if (!parse_name(&c))
        return 0;
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (peek(&c) != ',' && c.i < c.n && !parse_offset(&c, &r->dst_off))
        return 0;
    if (c.i == c.n) { /* no rules: the US ones, M3.2.0,M11.1.0 */
        r->start = (struct posix_date){RULE_MONTH, 3, 2, 0, 2 * 3600};
        r->end = (struct posix_date){RULE_MONTH, 11, 1, 0, 2 * 3600};
        return 1;
    }
    if (peek(&c) != ',')
        return 0;
    c.i++;
    if (!parse_date(&c, &r->start) || peek(&c) != ',')
        return 0;
    c.i++;
    if (!parse_date(&c, &r->end))
        return 0;
    return c.i == c.n;
}

/* ---- TZif parser ---- */

struct tzif_header {
    int version; /* 0 for v1, else the ASCII digit's value */
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

#define TZIF_HEADER_LEN 44

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Two's-complement conversions spelled out: converting an out-of-range unsigned
 * value to a signed type is implementation-defined in C11. */
static int32_t be32s(const unsigned char *p)
{
    uint32_t u = be32(p);
    return u >> 31 ? (int32_t)(-(int64_t)(~u) - 1) : (int32_t)u;
}

static int64_t be64s(const unsigned char *p)
{
    uint64_t u = (uint64_t)be32(p) << 32 | be32(p + 4);
    return u >> 63 ? -(int64_t)(~u) - 1 : (int64_t)u;
}

static int read_header(const unsigned char *p, size_t avail, struct tzif_header *h)
{
    if (avail < TZIF_HEADER_LEN || memcmp(p, "TZif", 4) != 0)
        return 0;
    if (p[4] == 0)
        h->version = 1;
    else if (p[4] >= '2' && p[4] <= '9') /* later versions keep the v2+ layout */
        h->version = p[4] - '0';
    else
        return 0;
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    return 1;
}

/* Bytes of the data block after a header; counts are < 2^32, so no overflow. */
static uint64_t block_len(const struct tzif_header *h, int tsize)
{
    return (uint64_t)h->timecnt * (uint64_t)(tsize + 1) + (uint64_t)h->typecnt * 6 +
           h->charcnt + (uint64_t)h->leapcnt * (uint64_t)(tsize + 4) + h->isstdcnt +
           h->isutcnt;
}

/* Reads one data block (tsize 4 or 8) into tz; p points right after the header,
 * whose block is known to fit. */
static lx_err read_block(lx_tz *tz, const struct tzif_header *h, const unsigned char *p,
                         int tsize)
{
    /* RFC 8536: typecnt MUST NOT be zero and indices are one byte; the indicator
     * arrays are either absent or one per type. */
    if (h->typecnt == 0 || h->typecnt > 256 ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt) ||
        (h->isutcnt != 0 && h->isutcnt != h->typecnt))
        return LX_TZ;
    const unsigned char *times = p;
    const unsigned char *idx = times + (size_t)h->timecnt * (size_t)tsize;
    const unsigned char *types = idx + h->timecnt;
    int32_t off[256];
    int first_std = -1;
    for (uint32_t i = 0; i < h->typecnt; i++) {
        const unsigned char *tt = types + 6 * (size_t)i;
        off[i] = be32s(tt);
        if (off[i] < UTOFF_MIN || off[i] > UTOFF_MAX || tt[4] > 1 ||
            (h->charcnt && tt[5] >= h->charcnt))
            return LX_TZ;
        if (first_std < 0 && tt[4] == 0)
            first_std = (int)i;
    }
    tz->first_off = off[first_std < 0 ? 0 : first_std];
    if (h->timecnt == 0)
        return LX_OK;
    tz->at = malloc((size_t)h->timecnt * sizeof *tz->at);
    tz->off = malloc((size_t)h->timecnt * sizeof *tz->off);
    if (!tz->at || !tz->off)
        return LX_NOMEM;
    for (uint32_t i = 0; i < h->timecnt; i++) {
        int64_t at = tsize == 8 ? be64s(times + 8 * (size_t)i) : be32s(times + 4 * (size_t)i);
        if ((i > 0 && at <= tz->at[i - 1]) || idx[i] >= h->typecnt)
            return LX_TZ; /* the binary search needs strictly ascending times */
        tz->at[i] = at;
        tz->off[i] = off[idx[i]];
    }
    tz->n = h->timecnt;
    return LX_OK;
}

static lx_err parse_tzif(lx_tz *tz, const unsigned char *p, size_t len)
{
    struct tzif_header h;
    if (!read_header(p, len, &h))
        return LX_TZ;
    uint64_t b1 = block_len(&h, 4);
    if (b1 > len - TZIF_HEADER_LEN)
        return LX_TZ;
    if (h.version == 1)
        return read_block(tz, &h, p + TZIF_HEADER_LEN, 4);

    /* v2+: skip the 32-bit block, read the 64-bit one and the footer. */
    size_t pos = TZIF_HEADER_LEN + (size_t)b1;
    if (!read_header(p + pos, len - pos, &h) || h.version < 2)
        return LX_TZ;
    pos += TZIF_HEADER_LEN;
    uint64_t b2 = block_len(&h, 8);
    if (b2 > len - pos)
        return LX_TZ;
    lx_err e = read_block(tz, &h, p + pos, 8);
    if (e != LX_OK)
        return e;
    pos += (size_t)b2;
    if (pos >= len || p[pos] != '\n')
        return LX_TZ;
    pos++;
    const unsigned char *nl = memchr(p + pos, '\n', len - pos);
    if (!nl)
        return LX_TZ; /* truncated footer */
    size_t flen = (size_t)(nl - (p + pos));
    if (flen == 0)
        return LX_OK; /* empty footer: the last transition's offset stays */
    if (!parse_posix_tz((const char *)p + pos, flen, &tz->rule))
        return LX_TZ;
    tz->has_rule = 1;
    return LX_OK;
}

lx_err lx_tz_from_tzif(const char *name, const void *data, size_t len, lx_tz **out)
{
    if (!out)
        return LX_INVAL;
    *out = NULL;
    if (!data && len)
        return LX_INVAL;
    lx_tz *tz = tz_new(name);
    if (!tz)
        return LX_NOMEM;
    lx_err e = data ? parse_tzif(tz, data, len) : LX_TZ;
    if (e != LX_OK) {
        lx_tz_destroy(tz);
        return e;
    }
    *out = tz;
    return LX_OK;
}
