/* Unit tests for src/core/time.c (dates, GTFS times, TZif zones) and
 * src/gtfs/tzdb.c (loading zones from the zoneinfo directory).
 *
 * The system-zone tests need tzdata (scripts/install-deps.sh installs it); the
 * TZif parser and the POSIX TZ rules are also checked on files built here, so that
 * they do not depend on the system's copy of the database.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "lanxang/time.h"
#include "gtfs/tzdb.h"

#define H 3600

static lx_instant_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return (lx_instant_t)lx_date_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static int ref_days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : dim[m - 1];
}

/* ---- dates ---- */

static void test_date_known(void **state)
{
    (void)state;
    assert_int_equal(lx_date_from_ymd(1970, 1, 1), 0);
    assert_int_equal(lx_date_from_ymd(1969, 12, 31), -1);
    assert_int_equal(lx_date_from_ymd(2000, 3, 1), 11017);
    assert_int_equal(lx_date_from_ymd(2000, 2, 29), 11016);
    assert_int_equal(lx_date_from_ymd(2026, 12, 20), 20807);
    assert_int_equal(lx_date_from_ymd(1900, 1, 1), LX_DATE_MIN);
    assert_int_equal(lx_date_from_ymd(2199, 12, 31), LX_DATE_MAX);
    /* Century rule: 1900 and 2100 are not leap years, 2000 is. */
    assert_int_equal(lx_date_from_ymd(1900, 3, 1) - lx_date_from_ymd(1900, 2, 28), 1);
    assert_int_equal(lx_date_from_ymd(2100, 3, 1) - lx_date_from_ymd(2100, 2, 28), 1);
    assert_int_equal(lx_date_from_ymd(2000, 3, 1) - lx_date_from_ymd(2000, 2, 28), 2);
    assert_int_equal(lx_date_from_ymd(2024, 3, 1) - lx_date_from_ymd(2024, 2, 28), 2);
    /* Out-of-range fields normalise. */
    assert_int_equal(lx_date_from_ymd(2026, 13, 1), lx_date_from_ymd(2027, 1, 1));
    assert_int_equal(lx_date_from_ymd(2026, 0, 1), lx_date_from_ymd(2025, 12, 1));
    assert_int_equal(lx_date_from_ymd(2026, 3, 0), lx_date_from_ymd(2026, 2, 28));
    int y, m, d;
    lx_date_to_ymd(lx_date_from_ymd(2000, 2, 29), &y, &m, &d);
    assert_int_equal(y, 2000);
    assert_int_equal(m, 2);
    assert_int_equal(d, 29);
    lx_date_to_ymd(lx_date_from_ymd(1900, 3, 1) - 1, &y, &m, &d);
    assert_int_equal(m, 2);
    assert_int_equal(d, 28);
    lx_date_to_ymd(-719468, &y, &m, &d); /* 0000-03-01 */
    assert_int_equal(y, 0);
    assert_int_equal(m, 3);
    assert_int_equal(d, 1);
}

static void test_date_roundtrip(void **state)
{
    (void)state;
    /* Walk every day of the accepted range and check against a plain calendar. */
    int y = 1900, m = 1, d = 1;
    for (lx_date_t day = LX_DATE_MIN; day <= LX_DATE_MAX; day++) {
        int yy, mm, dd;
        lx_date_to_ymd(day, &yy, &mm, &dd);
        assert_int_equal(yy, y);
        assert_int_equal(mm, m);
        assert_int_equal(dd, d);
        assert_int_equal(lx_date_from_ymd(y, m, d), day);
        char buf[11];
        lx_date_t back = 0;
        lx_date_format(day, 1, buf);
        assert_int_equal(lx_date_parse(buf, strlen(buf), 1, &back), LX_OK);
        assert_int_equal(back, day);
        lx_date_format(day, 0, buf);
        assert_int_equal(lx_date_parse(buf, strlen(buf), 0, &back), LX_OK);
        assert_int_equal(back, day);
        if (++d > ref_days_in_month(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    /* Far outside the range too: the arithmetic holds for any int32 day. */
    for (int64_t day = -3000000; day <= 3000000; day += 997) {
        int yy, mm, dd;
        lx_date_to_ymd((lx_date_t)day, &yy, &mm, &dd);
        assert_true(mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31);
        assert_int_equal(lx_date_from_ymd(yy, mm, dd), day);
    }
}

static void test_date_weekday(void **state)
{
    (void)state;
    assert_int_equal(lx_date_weekday(lx_date_from_ymd(2026, 12, 20)), 6); /* Sunday */
    assert_int_equal(lx_date_weekday(lx_date_from_ymd(2026, 12, 21)), 0); /* Monday */
    assert_int_equal(lx_date_weekday(0), 3);                              /* Thursday */
    assert_int_equal(lx_date_weekday(lx_date_from_ymd(2000, 1, 1)), 5);   /* Saturday */
    assert_int_equal(lx_date_weekday(LX_DATE_MIN), 0); /* 1900-01-01, a Monday */
    assert_int_equal(lx_date_weekday(lx_date_from_ymd(1969, 12, 28)), 6);
    for (lx_date_t day = LX_DATE_MIN; day < LX_DATE_MAX; day++)
        assert_int_equal(lx_date_weekday(day + 1), (lx_date_weekday(day) + 1) % 7);
}

/* lx_date_parse and lx_time_parse: text, length, a flag, the value. */
typedef lx_err (*parse_fn)(const char *s, size_t len, int flag, int32_t *out);

typedef struct {
    const char *s;
    int flag;     /* dash, or allow_hm */
    int32_t want; /* what it parses to */
} parse_case;

/* Each text parses to its value. */
static void check_parsed(const char *what, parse_fn parse, const parse_case *ok, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int32_t got = -12345;
        lx_err e = parse(ok[i].s, strlen(ok[i].s), ok[i].flag, &got);
        if (e != LX_OK)
            fail_msg("%s \"%s\" (flag %d) gave %d", what, ok[i].s, ok[i].flag, (int)e);
        assert_int_equal(got, ok[i].want);
    }
}

/* Each text is refused with LX_FORMAT under this flag, the output left untouched. */
static void check_refused(const char *what, parse_fn parse, int flag, const char *const *bad,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int32_t got = -12345;
        lx_err e = parse(bad[i], strlen(bad[i]), flag, &got);
        if (e != LX_FORMAT)
            fail_msg("%s \"%s\" (flag %d) gave %d, wanted LX_FORMAT", what, bad[i], flag, (int)e);
        assert_int_equal(got, -12345); /* untouched on failure */
    }
}

static void test_date_parse(void **state)
{
    (void)state;
    const parse_case ok[] = {
        {"2026-12-20", 1, 20807},       {"20261220", 0, 20807},
        {"2024-02-29", 1, lx_date_from_ymd(2024, 2, 29)},
        {"20000229", 0, lx_date_from_ymd(2000, 2, 29)},
        {"1900-01-01", 1, LX_DATE_MIN}, {"21991231", 0, LX_DATE_MAX},
    };
    check_parsed("date", lx_date_parse, ok, FX_COUNT(ok));
    /* Not NUL-terminated: only len bytes are read. */
    lx_date_t got;
    assert_int_equal(lx_date_parse("2026-12-20XYZ", 10, 1, &got), LX_OK);
    assert_int_equal(got, 20807);
    assert_int_equal(lx_date_parse("20261220999", 8, 0, &got), LX_OK);
    assert_int_equal(got, 20807);

    static const char *const bad_dashed[] = {
        "2026-02-29", "2100-02-29", "2026-13-01", "2026-00-10",  "2026-01-00",
        "2026-01-32", "2026-04-31", "2026-1-01",  "2026-01-1",   "1899-12-31",
        "2200-01-01", "garbage!!!", "2026/12/20", "",            " 2026-12-20",
        "2026-12-20 ", "+026-12-20", "2026-+1-20", "20261220"};
    static const char *const bad_plain[] = {"20260229", "00000101",  "abcdefgh", "",
                                            "2026-12-20", "2026122", "202612200"};
    check_refused("date", lx_date_parse, 1, bad_dashed, FX_COUNT(bad_dashed));
    check_refused("date", lx_date_parse, 0, bad_plain, FX_COUNT(bad_plain));
    assert_int_equal(lx_date_parse("2026-12-20", 10, 1, NULL), LX_INVAL);
}

/* lx_date_format, and lx_time_format (which has no flag). */
typedef void (*format_fn)(int32_t v, int flag, char *buf);

static void time_format(int32_t t, int flag, char *buf)
{
    (void)flag;
    lx_time_format(t, buf);
}

/* Each value formats as its text, into a buffer of exactly cap bytes. */
static void check_formatted(format_fn format, size_t cap, const parse_case *c, size_t n)
{
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (size_t i = 0; i < n; i++) {
        format(c[i].want, c[i].flag, buf);
        assert_string_equal(buf, c[i].s);
    }
    free(buf);
}

static void test_date_format(void **state)
{
    (void)state;
    static const parse_case cases[] = {{"2026-12-20", 1, 20807},
                                       {"20261220", 0, 20807},
                                       {"1900-01-01", 1, LX_DATE_MIN},
                                       {"1969-12-31", 1, -1}};
    check_formatted(lx_date_format, 11, cases, FX_COUNT(cases));
}

/* ---- GTFS times ---- */

static void test_time_parse(void **state)
{
    (void)state;
    static const parse_case ok[] = {
        {"08:08:00", 0, 8 * H + 8 * 60},   {"8:08:00", 0, 8 * H + 8 * 60},
        {"00:00:00", 0, 0},                {"23:59:59", 0, 86399},
        {"24:00:00", 0, 86400},            {"25:30:00", 0, 25 * H + 30 * 60},
        {"167:59:59", 0, LX_TIME_MAX},     {"12:30", 1, 12 * H + 30 * 60},
        {"7:05", 1, 7 * H + 5 * 60},       {"12:30:15", 1, 12 * H + 30 * 60 + 15},
    };
    check_parsed("time", lx_time_parse, ok, FX_COUNT(ok));
    lx_time_t got;
    assert_int_equal(lx_time_parse("12:00:00,", 8, 0, &got), LX_OK); /* len bytes only */
    assert_int_equal(got, 12 * H);

    static const char *const bad_hms[] = {
        "12:60:00", "12:00:60", "1230",     "",         "12:30",       "168:00:00",
        "999:00:00", "0012:00:00", " 12:00:00", "12:00:00 ", "12:0:00", "12:00:0",
        ":00:00",   "-1:00:00", "+1:00:00", "12-00-00", "12:00:00:00", "ab:cd:ef",
        "12:3a:00"};
    static const char *const bad_hm[] = {"1230", "", "12:00 "};
    check_refused("time", lx_time_parse, 0, bad_hms, FX_COUNT(bad_hms));
    check_refused("time", lx_time_parse, 1, bad_hm, FX_COUNT(bad_hm));
    assert_int_equal(lx_time_parse("12:00:00", 8, 0, NULL), LX_INVAL);
}

static void test_time_format(void **state)
{
    (void)state;
    static const parse_case cases[] = {{"08:08:00", 0, 8 * H + 8 * 60},
                                       {"00:00:00", 0, 0},
                                       {"25:30:00", 0, 25 * H + 30 * 60},
                                       {"167:59:59", 0, LX_TIME_MAX},
                                       {"--:--:--", 0, LX_TIME_NONE}};
    check_formatted(time_format, 10, cases, FX_COUNT(cases));
    char buf[10];
    for (lx_time_t t = 0; t <= LX_TIME_MAX; t += 37) {
        lx_time_t back = -1;
        lx_time_format(t, buf);
        assert_int_equal(lx_time_parse(buf, strlen(buf), 0, &back), LX_OK);
        assert_int_equal(back, t);
    }
}

/* ---- TZif files built here ---- */

struct ttype {
    int32_t off;
    uint8_t isdst;
};

struct blob {
    unsigned char b[4096];
    size_t n;
};

static void put8(struct blob *b, unsigned v) { b->b[b->n++] = (unsigned char)v; }
static void put32(struct blob *b, uint32_t v)
{
    for (int i = 3; i >= 0; i--)
        put8(b, (v >> (8 * i)) & 0xff);
}
static void put64(struct blob *b, int64_t v)
{
    put32(b, (uint32_t)((uint64_t)v >> 32));
    put32(b, (uint32_t)v);
}

/* One header + data block; tsize 4 or 8. Adds a leap second record and the
 * isstd/isut indicators so that a reader must size the blocks right. */
static void put_block(struct blob *b, char version, int tsize, size_t n, const int64_t *at,
                      const uint8_t *idx, size_t ntypes, const struct ttype *types)
{
    memcpy(b->b + b->n, "TZif", 4);
    b->n += 4;
    put8(b, (unsigned char)version);
    for (int i = 0; i < 15; i++)
        put8(b, 0);
    put32(b, (uint32_t)ntypes); /* isutcnt */
    put32(b, (uint32_t)ntypes); /* isstdcnt */
    put32(b, 1);                /* leapcnt */
    put32(b, (uint32_t)n);      /* timecnt */
    put32(b, (uint32_t)ntypes); /* typecnt */
    put32(b, 4);                /* charcnt */
    for (size_t i = 0; i < n; i++) {
        if (tsize == 8)
            put64(b, at[i]);
        else
            put32(b, (uint32_t)at[i]);
    }
    for (size_t i = 0; i < n; i++)
        put8(b, idx[i]);
    for (size_t i = 0; i < ntypes; i++) {
        put32(b, (uint32_t)types[i].off);
        put8(b, types[i].isdst);
        put8(b, 0);
    }
    memcpy(b->b + b->n, "XYZ", 4);
    b->n += 4;
    if (tsize == 8)
        put64(b, 78796800);
    else
        put32(b, 78796800);
    put32(b, 1);
    for (size_t i = 0; i < 2 * ntypes; i++)
        put8(b, 0);
}

/* A v1 file (footer NULL) or a v2 file whose v1 block holds only v1_off. */
static void make_tzif(struct blob *b, size_t n, const int64_t *at, const uint8_t *idx,
                      size_t ntypes, const struct ttype *types, const char *footer,
                      int32_t v1_off)
{
    b->n = 0;
    if (!footer) {
        put_block(b, 0, 4, n, at, idx, ntypes, types);
        return;
    }
    struct ttype v1 = {v1_off, 0};
    put_block(b, '2', 4, 0, NULL, NULL, 1, &v1);
    put_block(b, '2', 8, n, at, idx, ntypes, types);
    put8(b, '\n');
    memcpy(b->b + b->n, footer, strlen(footer));
    b->n += strlen(footer);
    put8(b, '\n');
}

/* A v2 file with no transitions (v1 block: v1_off): the footer alone decides. */
static void footer_tzif(struct blob *b, const char *footer, int32_t v1_off)
{
    const struct ttype t = {0, 0};
    make_tzif(b, 0, NULL, NULL, 1, &t, footer, v1_off);
}

/* The zone of footer_tzif, named after the footer. */
static lx_tz *footer_zone(const char *footer)
{
    struct blob b;
    footer_tzif(&b, footer, 0);
    lx_tz *tz = NULL;
    lx_err e = lx_tz_from_tzif(footer, b.b, b.n, &tz);
    if (e != LX_OK)
        fail_msg("footer \"%s\" refused (%d)", footer, (int)e);
    return tz;
}

/* lx_tz_from_tzif refuses the len bytes at data with LX_TZ, and resets *out to NULL;
 * `what` (printf) says which case failed. */
static void tzif_refused(const void *data, size_t len, const char *what, ...)
{
    lx_tz *tz = (lx_tz *)&tz; /* must be reset to NULL */
    lx_err e = lx_tz_from_tzif("T", data, len, &tz);
    if (e != LX_TZ) {
        char buf[256];
        va_list ap;
        va_start(ap, what);
        vsnprintf(buf, sizeof buf, what, ap);
        va_end(ap);
        fail_msg("%s gave %d, wanted LX_TZ", buf, (int)e);
    }
    assert_null(tz);
}

static void test_tzif_footer_only(void **state)
{
    (void)state;
    char name[] = "Test/Plus7";
    struct blob b;
    footer_tzif(&b, "<+07>-7", 3600);
    lx_tz *tz = NULL;
    assert_int_equal(lx_tz_from_tzif(name, b.b, b.n, &tz), LX_OK);
    name[0] = 'X'; /* the name was copied */
    assert_string_equal(lx_tz_name(tz), "Test/Plus7");
    const lx_instant_t ts[] = {INT64_MIN, -5000000000LL, 0, utc(2026, 12, 20, 1, 8, 0),
                               utc(2090, 6, 1, 0, 0, 0), INT64_MAX};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
        assert_int_equal(lx_tz_offset_at(tz, ts[i]), 7 * H);
    char buf[26];
    lx_tz_format_iso(tz, utc(2026, 12, 20, 1, 8, 0), buf);
    assert_string_equal(buf, "2026-12-20T08:08:00+07:00");
    assert_int_equal(lx_tz_local_to_instant(tz, 20807, 8 * H + 8 * 60), utc(2026, 12, 20, 1, 8, 0));
    lx_date_t day;
    int32_t secs;
    assert_int_equal(lx_tz_to_local(tz, utc(2026, 12, 19, 20, 0, 0), &day, &secs), 7 * H);
    assert_int_equal(day, 20807);
    assert_int_equal(secs, 3 * H);
    /* Extreme instants must neither overflow nor crash. */
    lx_tz_to_local(tz, INT64_MAX, &day, &secs);
    lx_tz_to_local(tz, INT64_MIN, &day, &secs);
    lx_tz_format_iso(tz, INT64_MAX, buf);
    assert_string_equal(buf, "9999-12-31T23:59:59+07:00");
    lx_tz_format_iso(tz, INT64_MIN, buf);
    assert_string_equal(buf, "0000-01-01T00:00:00+07:00");
    lx_tz_destroy(tz);
}

/* Three types and four transitions for the files built here. Type 0 is DST, so before
 * the first transition type 1 (the first standard one) is in force. */
static const struct ttype types[] = {{3600, 1}, {7200, 0}, {10800, 1}};
static const int64_t at[] = {-3000000000LL, 1000000, 2000000, 5000000000LL};
static const uint8_t idx[] = {2, 0, 1, 2};

static void test_tzif_transitions(void **state)
{
    (void)state;
    struct blob b;
    lx_tz *tz = NULL;

    make_tzif(&b, 4, at, idx, 3, types, "", -1);
    assert_int_equal(lx_tz_from_tzif("T", b.b, b.n, &tz), LX_OK);
    assert_int_equal(lx_tz_offset_at(tz, INT64_MIN), 7200);
    assert_int_equal(lx_tz_offset_at(tz, -3000000001LL), 7200);
    assert_int_equal(lx_tz_offset_at(tz, -3000000000LL), 10800);
    assert_int_equal(lx_tz_offset_at(tz, 999999), 10800);
    assert_int_equal(lx_tz_offset_at(tz, 1000000), 3600);
    assert_int_equal(lx_tz_offset_at(tz, 1999999), 3600);
    assert_int_equal(lx_tz_offset_at(tz, 2000000), 7200);
    assert_int_equal(lx_tz_offset_at(tz, 4999999999LL), 7200);
    /* Empty footer: the last transition's offset stays. */
    assert_int_equal(lx_tz_offset_at(tz, 5000000000LL), 10800);
    assert_int_equal(lx_tz_offset_at(tz, INT64_MAX), 10800);
    lx_tz_destroy(tz);

    /* With a footer, it takes over at the last transition. */
    make_tzif(&b, 4, at, idx, 3, types, "<+03>-3<+04>,M3.5.0,M10.5.0", -1);
    assert_int_equal(lx_tz_from_tzif("T", b.b, b.n, &tz), LX_OK);
    assert_int_equal(lx_tz_offset_at(tz, 4999999999LL), 7200);
    assert_int_equal(lx_tz_offset_at(tz, utc(2200, 1, 15, 0, 0, 0)), 10800);
    assert_int_equal(lx_tz_offset_at(tz, utc(2200, 7, 15, 0, 0, 0)), 14400);
    lx_tz_destroy(tz);

    /* A v1 file: 32-bit times, including negative ones. */
    const int64_t at32[] = {-100000, 0, 100000};
    const uint8_t idx32[] = {2, 1, 2};
    make_tzif(&b, 3, at32, idx32, 3, types, NULL, 0);
    assert_int_equal(lx_tz_from_tzif("T", b.b, b.n, &tz), LX_OK);
    assert_int_equal(lx_tz_offset_at(tz, -100001), 7200);
    assert_int_equal(lx_tz_offset_at(tz, -100000), 10800);
    assert_int_equal(lx_tz_offset_at(tz, -1), 10800);
    assert_int_equal(lx_tz_offset_at(tz, 0), 7200);
    assert_int_equal(lx_tz_offset_at(tz, 100000), 10800);
    assert_int_equal(lx_tz_offset_at(tz, utc(2090, 1, 1, 0, 0, 0)), 10800);
    lx_tz_destroy(tz);

    /* In a v2 file the v1 block (here: +01:00) is ignored. */
    const struct ttype t7 = {7 * H, 0};
    make_tzif(&b, 0, NULL, NULL, 1, &t7, "", 3600);
    assert_int_equal(lx_tz_from_tzif("T", b.b, b.n, &tz), LX_OK);
    assert_int_equal(lx_tz_offset_at(tz, 0), 7 * H);
    lx_tz_destroy(tz);
}

static void expect_off(const lx_tz *tz, lx_instant_t t, int32_t want)
{
    int32_t got = lx_tz_offset_at(tz, t);
    if (got != want) {
        char buf[26];
        lx_tz_format_iso(NULL, t, buf);
        fail_msg("%s at %s: offset %d, wanted %d", lx_tz_name(tz), buf, (int)got, (int)want);
    }
}

typedef struct {
    lx_instant_t t;
    int32_t off; /* the offset at t */
} at_off;

typedef struct {
    const char *footer;
    at_off at[6];
    size_t n;
} footer_case;

#define FOOTER(footer, ...) {footer, {__VA_ARGS__}, FX_COUNT(((const at_off[]){__VA_ARGS__}))}

static void test_footer_rules(void **state)
{
    (void)state;
    const footer_case cases[] = {
        FOOTER("EST5EDT,M3.2.0,M11.1.0", {utc(2026, 3, 8, 6, 59, 59), -5 * H},
               {utc(2026, 3, 8, 7, 0, 0), -4 * H}, {utc(2026, 11, 1, 5, 59, 59), -4 * H},
               {utc(2026, 11, 1, 6, 0, 0), -5 * H},
               {utc(1950, 7, 1, 0, 0, 0), -4 * H}), /* the rule holds any year */
        /* No rules: the US ones. Default DST offset: one hour ahead. */
        FOOTER("AAA3BBB", {utc(2026, 1, 15, 0, 0, 0), -3 * H}, {utc(2026, 7, 1, 0, 0, 0), -2 * H},
               {utc(2026, 3, 8, 4, 59, 59), -3 * H}, {utc(2026, 3, 8, 5, 0, 0), -2 * H}),
        /* Israel: 4th Thursday of March at 26:00 = the Friday, 02:00. */
        FOOTER("IST-2IDT,M3.4.4/26,M10.5.0", {utc(2026, 3, 26, 23, 59, 59), 2 * H},
               {utc(2026, 3, 27, 0, 0, 0), 3 * H}, {utc(2026, 10, 24, 22, 59, 59), 3 * H},
               {utc(2026, 10, 24, 23, 0, 0), 2 * H}),
        /* Negative rule times (Greenland): Saturday 22:00 and 23:00 local. */
        FOOTER("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", {utc(2026, 3, 29, 0, 59, 59), -3 * H},
               {utc(2026, 3, 29, 1, 0, 0), -2 * H}, {utc(2026, 10, 25, 0, 59, 59), -2 * H},
               {utc(2026, 10, 25, 1, 0, 0), -3 * H}),
        /* Southern hemisphere, DST across New Year, 30-minute DST (Lord Howe). */
        FOOTER("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", {utc(2026, 1, 15, 0, 0, 0), 11 * H},
               {utc(2026, 4, 4, 14, 59, 59), 11 * H}, {utc(2026, 4, 4, 15, 0, 0), 10 * H + 1800},
               {utc(2026, 10, 3, 15, 29, 59), 10 * H + 1800},
               {utc(2026, 10, 3, 15, 30, 0), 11 * H}, {utc(2026, 12, 31, 23, 0, 0), 11 * H}),
        /* Negative DST (Dublin): winter is the "DST" period, at offset 0. */
        FOOTER("IST-1GMT0,M10.5.0,M3.5.0/1", {utc(2026, 1, 15, 0, 0, 0), 0},
               {utc(2026, 7, 1, 0, 0, 0), H}, {utc(2026, 3, 29, 0, 59, 59), 0},
               {utc(2026, 3, 29, 1, 0, 0), H}),
        /* DST all year (RFC 8536 3.3.1), also across New Year. */
        FOOTER("EST5EDT,0/0,J365/25", {utc(2026, 1, 1, 0, 0, 0), -4 * H},
               {utc(2026, 12, 31, 23, 59, 59), -4 * H}, {utc(2027, 1, 1, 4, 30, 0), -4 * H},
               {utc(2028, 7, 1, 0, 0, 0), -4 * H}),
        /* Jn never counts February 29, n does. */
        FOOTER("XXX3YYY,J60/0,J300", {utc(2024, 3, 1, 2, 59, 59), -3 * H},
               {utc(2024, 3, 1, 3, 0, 0), -2 * H}),
        FOOTER("XXX3YYY,59/0,J300", {utc(2024, 2, 29, 2, 59, 59), -3 * H},
               {utc(2024, 2, 29, 3, 0, 0), -2 * H}, {utc(2026, 3, 1, 2, 59, 59), -3 * H},
               {utc(2026, 3, 1, 3, 0, 0), -2 * H}),
        /* Offsets with minutes and seconds, explicit DST offset, rule time h:mm:ss. */
        FOOTER("<+0545>-5:45", {0, 5 * H + 45 * 60}),
        FOOTER("ABC-5:30:15", {0, 5 * H + 30 * 60 + 15}),
        FOOTER("PST8PDT7:30,M3.2.0/2:30:30,M11.1.0", {utc(2026, 3, 8, 10, 30, 29), -8 * H},
               {utc(2026, 3, 8, 10, 30, 30), -7 * H - 30 * 60}),
        FOOTER("<+14>-14", {0, 14 * H}),
        FOOTER("<-12>+12", {0, -12 * H}),
    };
    for (size_t i = 0; i < FX_COUNT(cases); i++) {
        lx_tz *tz = footer_zone(cases[i].footer);
        for (size_t k = 0; k < cases[i].n; k++)
            expect_off(tz, cases[i].at[k].t, cases[i].at[k].off);
        lx_tz_destroy(tz);
    }

    /* Malformed footers are refused. */
    static const char *const bad[] = {
        "EST", "5", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0",
        "EST5EDT,M3.2.7,M11.1.0", "EST5EDT,M0.2.0,M11.1.0", "EST5EDT,J0,J10",
        "EST5EDT,J366,J10", "EST5EDT,366,10", "EST5EDT,M3.2.0", "EST5EDT,M3.2.0,",
        "EST5EDT,M3.2.0,M11.1.0x", "EST5EDT,M3.2.0/168,M11.1.0", "EST5EDT,M3.2.0/,M11.1.0",
        "<+07-7", "<+07>", "<>-7", "<+7>-7", "EST25", "E5", "EST5:60", "EST5:", "EST5ED",
        "EST 5", "EST5EDT;M3.2.0,M11.1.0", "EST5EDT,M3..0,M11.1.0", "EST5\x01",
    };
    for (size_t i = 0; i < FX_COUNT(bad); i++) {
        struct blob b;
        footer_tzif(&b, bad[i], 0);
        tzif_refused(b.b, b.n, "footer \"%s\"", bad[i]);
    }
}

static uint32_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 16);
}

/* Any zone that loads must answer every query without crashing. */
static void exercise(const lx_tz *tz)
{
    char buf[26];
    lx_date_t day;
    int32_t secs;
    const lx_instant_t ts[] = {INT64_MIN, -4000000000LL, 0, 1000000, 1800000000LL,
                               utc(2090, 3, 12, 7, 0, 0), INT64_MAX};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        (void)lx_tz_offset_at(tz, ts[i]);
        lx_tz_to_local(tz, ts[i], &day, &secs);
        lx_tz_format_iso(tz, ts[i], buf);
    }
    (void)lx_tz_local_to_instant(tz, 20807, 12 * H);
    (void)lx_tz_service_instant(tz, LX_DATE_MAX, LX_TIME_MAX);
}

static void check_corruptions(const unsigned char *orig, size_t len, uint64_t seed)
{
    lx_tz *tz;
    /* Every truncation is an error: even the footer needs its final newline. */
    for (size_t n = 0; n < len; n++) {
        unsigned char *copy = malloc(n ? n : 1); /* exact size: ASan sees overreads */
        assert_non_null(copy);
        memcpy(copy, orig, n);
        tzif_refused(copy, n, "truncated to %zu of %zu bytes", n, len);
        free(copy);
    }
    /* Random damage: an error or a usable zone, never a crash. */
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    for (int round = 0; round < 3000; round++) {
        memcpy(copy, orig, len);
        int flips = 1 + (int)(rnd(&seed) % 4);
        for (int k = 0; k < flips; k++) {
            size_t at = rnd(&seed) % len;
            /* Bias towards the headers, where a bad count does the most harm. */
            if (k == 0 && rnd(&seed) % 2)
                at = rnd(&seed) % (len < 44 ? len : 44);
            copy[at] = (unsigned char)rnd(&seed);
        }
        tz = NULL;
        if (lx_tz_from_tzif("T", copy, len, &tz) == LX_OK) {
            exercise(tz);
            lx_tz_destroy(tz);
        } else {
            assert_null(tz);
        }
    }
    free(copy);
}

static void test_tzif_corrupt(void **state)
{
    (void)state;
    struct blob b;
    lx_tz *tz;

    make_tzif(&b, 4, at, idx, 3, types, "EST5EDT,M3.2.0,M11.1.0", 0);
    check_corruptions(b.b, b.n, 0x9e3779b97f4a7c15ULL);
    /* A v1 file needs times that fit in 32 bits. */
    const int64_t at32[] = {-100000, 0, 100000, 200000};
    make_tzif(&b, 4, at32, idx, 3, types, NULL, 0);
    assert_int_equal(lx_tz_from_tzif("T", b.b, b.n, &tz), LX_OK);
    lx_tz_destroy(tz);
    check_corruptions(b.b, b.n, 12345);

    /* Targeted damage to the v1 file, each a clean LX_TZ. Layout: header (44),
     * 4 times of 4 bytes, 4 indices, 3 ttinfos of 6 bytes, ... */
    static const struct {
        size_t off;
        unsigned char v;
    } hits[] = {
        {0, 'X'},              /* magic */
        {4, '1'},              /* no such version */
        {39, 0},               /* typecnt 0 */
        {32, 0xff},            /* timecnt huge: the block does not fit */
        {24 + 3, 2},           /* isstdcnt neither 0 nor typecnt */
        {44 + 16 + 2, 3},      /* a type index out of range */
        {44 + 20 + 4, 2},      /* isdst must be 0 or 1 */
        {44 + 20 + 5, 4},      /* abbreviation index past charcnt */
    };
    for (size_t i = 0; i < FX_COUNT(hits); i++) {
        make_tzif(&b, 4, at32, idx, 3, types, NULL, 0);
        b.b[hits[i].off] = hits[i].v;
        tzif_refused(b.b, b.n, "damage at byte %zu", hits[i].off);
    }
    make_tzif(&b, 4, at32, idx, 3, types, NULL, 0);
    memcpy(b.b + 44 + 4, b.b + 44, 4); /* two equal times: not ascending */
    tzif_refused(b.b, b.n, "two equal times");
    const struct ttype huge = {INT32_MIN, 0};
    make_tzif(&b, 0, NULL, NULL, 1, &huge, NULL, 0);
    tzif_refused(b.b, b.n, "offset INT32_MIN");
    const struct ttype big = {26 * H, 0};
    make_tzif(&b, 0, NULL, NULL, 1, &big, NULL, 0);
    tzif_refused(b.b, b.n, "offset 26 h");
    /* v2 without its footer, or with a second header that is not v2. */
    make_tzif(&b, 0, NULL, NULL, 1, types, "", 0);
    tzif_refused(b.b, b.n - 2, "v2 without its footer");
    b.b[b.n - 2] = 'x'; /* the footer's leading newline */
    tzif_refused(b.b, b.n, "v2 without the footer's newline");

    tzif_refused(NULL, 0, "no data");
    assert_int_equal(lx_tz_from_tzif("T", NULL, 10, &tz), LX_INVAL);
    assert_int_equal(lx_tz_from_tzif("T", b.b, b.n, NULL), LX_INVAL);
}

static void test_fixed_and_offsets(void **state)
{
    (void)state;
    lx_tz *tz = NULL;
    assert_int_equal(lx_tz_fixed("Test/Fixed", -5 * H, &tz), LX_OK);
    assert_string_equal(lx_tz_name(tz), "Test/Fixed");
    assert_int_equal(lx_tz_offset_at(tz, 0), -5 * H);
    assert_int_equal(lx_tz_offset_at(tz, INT64_MAX), -5 * H);
    assert_int_equal(lx_tz_local_to_instant(tz, 20807, 0), utc(2026, 12, 20, 5, 0, 0));
    assert_int_equal(lx_tz_service_instant(tz, 20807, 25 * H), utc(2026, 12, 21, 6, 0, 0));
    lx_tz_destroy(tz);
    lx_tz_destroy(NULL);
    assert_int_equal(lx_tz_fixed("X", 30 * H, &tz), LX_RANGE);
    assert_null(tz);
    assert_int_equal(lx_tz_fixed("X", INT32_MIN, &tz), LX_RANGE);

    char buf[7];
    static const struct {
        int32_t off;
        const char *s;
    } cases[] = {
        {8 * H, "+08:00"},          {-5 * H, "-05:00"},           {0, "+00:00"},
        {5 * H + 1800, "+05:30"},   {-1800, "-00:30"},            {-9000, "-02:30"},
        {29143, "+08:06"},          {29129, "+08:05"},            {14 * H, "+14:00"},
        {12 * H + 2700, "+12:45"},  {INT32_MIN, "-99:59"},        {INT32_MAX, "+99:59"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lx_format_offset(cases[i].off, buf);
        assert_string_equal(buf, cases[i].s);
    }
}

/* ---- system zones ---- */

static lx_tz *sys_zone(const char *name)
{
    lx_tz *tz = NULL;
    lx_err e = lx_tzdb_load(name, &tz);
    if (e != LX_OK)
        fail_msg("loading %s: %d (is tzdata installed?)", name, (int)e);
    assert_string_equal(lx_tz_name(tz), name);
    return tz;
}

static void expect_iso(const lx_tz *tz, lx_instant_t t, const char *want)
{
    char buf[26];
    lx_tz_format_iso(tz, t, buf);
    assert_string_equal(buf, want);
}

static void test_zone_asia(void **state)
{
    (void)state;
    lx_tz *tz = sys_zone("Asia/Shanghai");
    expect_off(tz, utc(2026, 12, 20, 0, 8, 0), 8 * H);
    expect_iso(tz, utc(2026, 12, 20, 0, 8, 0), "2026-12-20T08:08:00+08:00");
    expect_off(tz, utc(2090, 7, 1, 0, 0, 0), 8 * H);
    /* Before the first transition: local mean time, +08:05:43. ISO shows the offset
     * rounded to minutes, with the wall time to match. */
    expect_off(tz, utc(1850, 1, 1, 0, 0, 0), 29143);
    expect_iso(tz, utc(1850, 1, 1, 0, 0, 0), "1850-01-01T08:06:00+08:06");
    lx_date_t day;
    int32_t secs;
    assert_int_equal(lx_tz_to_local(tz, utc(2026, 12, 19, 16, 30, 0), &day, &secs), 8 * H);
    assert_int_equal(day, 20807);
    assert_int_equal(secs, 30 * 60);
    assert_int_equal(lx_tz_service_instant(tz, 20807, 8 * H + 8 * 60), utc(2026, 12, 20, 0, 8, 0));
    assert_int_equal(lx_tz_service_instant(tz, 20807, 25 * H + 30 * 60),
                     utc(2026, 12, 20, 17, 30, 0));
    lx_tz_destroy(tz);

    tz = sys_zone("Asia/Vientiane");
    expect_off(tz, utc(2026, 12, 20, 0, 0, 0), 7 * H);
    expect_off(tz, utc(2090, 12, 20, 0, 0, 0), 7 * H); /* the footer "<+07>-7" */
    expect_iso(tz, utc(2026, 12, 20, 1, 8, 0), "2026-12-20T08:08:00+07:00");
    assert_int_equal(lx_tz_local_to_instant(tz, 20807, 8 * H), utc(2026, 12, 20, 1, 0, 0));
    lx_tz_destroy(tz);

    tz = sys_zone("Asia/Kolkata");
    expect_off(tz, utc(2026, 12, 20, 2, 38, 0), 5 * H + 1800);
    expect_iso(tz, utc(2026, 12, 20, 2, 38, 0), "2026-12-20T08:08:00+05:30");
    assert_int_equal(lx_tz_local_to_instant(tz, 20807, 8 * H + 8 * 60), utc(2026, 12, 20, 2, 38, 0));
    lx_tz_destroy(tz);
}

static void test_zone_new_york(void **state)
{
    (void)state;
    lx_tz *tz = sys_zone("America/New_York");
    lx_date_t spring = lx_date_from_ymd(2026, 3, 8), fall = lx_date_from_ymd(2026, 11, 1);

    /* Offsets both sides of both changes. */
    expect_off(tz, utc(2026, 1, 15, 12, 0, 0), -5 * H);
    expect_off(tz, utc(2026, 3, 8, 6, 59, 59), -5 * H);
    expect_off(tz, utc(2026, 3, 8, 7, 0, 0), -4 * H);
    expect_off(tz, utc(2026, 11, 1, 5, 59, 59), -4 * H);
    expect_off(tz, utc(2026, 11, 1, 6, 0, 0), -5 * H);
    expect_iso(tz, utc(2026, 7, 4, 16, 0, 0), "2026-07-04T12:00:00-04:00");
    expect_iso(tz, utc(2026, 12, 20, 13, 8, 0), "2026-12-20T08:08:00-05:00");

    /* Local -> instant around spring forward: 02:00..02:59 does not exist and
     * takes the offset before the gap (EST), so 02:30 is 03:30 EDT. */
    assert_int_equal(lx_tz_local_to_instant(tz, spring, 1 * H + 59 * 60 + 59), utc(2026, 3, 8, 6, 59, 59));
    assert_int_equal(lx_tz_local_to_instant(tz, spring, 2 * H + 30 * 60), utc(2026, 3, 8, 7, 30, 0));
    assert_int_equal(lx_tz_local_to_instant(tz, spring, 3 * H), utc(2026, 3, 8, 7, 0, 0));
    /* Fall back: 01:00..01:59 happens twice; the earlier (EDT) one is taken. */
    assert_int_equal(lx_tz_local_to_instant(tz, fall, 0 * H + 59 * 60 + 59), utc(2026, 11, 1, 4, 59, 59));
    assert_int_equal(lx_tz_local_to_instant(tz, fall, 1 * H + 30 * 60), utc(2026, 11, 1, 5, 30, 0));
    assert_int_equal(lx_tz_local_to_instant(tz, fall, 2 * H), utc(2026, 11, 1, 7, 0, 0));

    /* GTFS service times count from noon minus 12 h: on the spring day 00:00:00
     * is 23:00 EST the evening before, and 08:00:00 is 08:00 EDT. */
    assert_int_equal(lx_tz_service_instant(tz, spring, 0), utc(2026, 3, 8, 4, 0, 0));
    assert_int_equal(lx_tz_service_instant(tz, spring, 8 * H), utc(2026, 3, 8, 12, 0, 0));
    expect_iso(tz, lx_tz_service_instant(tz, spring, 0), "2026-03-07T23:00:00-05:00");
    /* On the fall day 00:00:00 is 01:00 EDT, and 08:00:00 is 08:00 EST. */
    assert_int_equal(lx_tz_service_instant(tz, fall, 0), utc(2026, 11, 1, 5, 0, 0));
    assert_int_equal(lx_tz_service_instant(tz, fall, 8 * H), utc(2026, 11, 1, 13, 0, 0));
    expect_iso(tz, lx_tz_service_instant(tz, fall, 0), "2026-11-01T01:00:00-04:00");
    /* An ordinary day: midnight, and past midnight into the next day. */
    assert_int_equal(lx_tz_service_instant(tz, lx_date_from_ymd(2026, 6, 1), 0), utc(2026, 6, 1, 4, 0, 0));
    assert_int_equal(lx_tz_service_instant(tz, lx_date_from_ymd(2026, 12, 19), 25 * H + 30 * 60),
                     utc(2026, 12, 20, 6, 30, 0));

    /* 2090 is far past the file's transitions: the footer rule decides
     * (second Sunday of March = 12th, first Sunday of November = 5th). */
    expect_off(tz, utc(2090, 3, 12, 6, 59, 59), -5 * H);
    expect_off(tz, utc(2090, 3, 12, 7, 0, 0), -4 * H);
    expect_off(tz, utc(2090, 11, 5, 5, 59, 59), -4 * H);
    expect_off(tz, utc(2090, 11, 5, 6, 0, 0), -5 * H);
    assert_int_equal(lx_tz_local_to_instant(tz, lx_date_from_ymd(2090, 3, 12), 2 * H + 30 * 60),
                     utc(2090, 3, 12, 7, 30, 0));
    assert_int_equal(lx_tz_service_instant(tz, lx_date_from_ymd(2090, 11, 5), 0),
                     utc(2090, 11, 5, 5, 0, 0));

    /* to_local and local_to_instant agree on every hour of 2026 (except in the
     * gap, and with the earlier instant for the repeated hour). */
    for (lx_instant_t t = utc(2026, 1, 1, 0, 0, 0); t < utc(2027, 1, 1, 0, 0, 0); t += 1800) {
        lx_date_t day;
        int32_t secs;
        lx_tz_to_local(tz, t, &day, &secs);
        lx_instant_t back = lx_tz_local_to_instant(tz, day, secs);
        assert_true(back == t || (back == t - H && day == fall));
    }
    lx_tz_destroy(tz);
}

static void test_zone_half_hour_dst(void **state)
{
    (void)state;
    lx_tz *tz = sys_zone("Australia/Lord_Howe");
    expect_off(tz, utc(2026, 1, 15, 0, 0, 0), 11 * H);
    expect_off(tz, utc(2026, 7, 1, 0, 0, 0), 10 * H + 1800);
    expect_off(tz, utc(2026, 4, 4, 14, 59, 59), 11 * H);
    expect_off(tz, utc(2026, 4, 4, 15, 0, 0), 10 * H + 1800);
    expect_off(tz, utc(2026, 10, 3, 15, 29, 59), 10 * H + 1800);
    expect_off(tz, utc(2026, 10, 3, 15, 30, 0), 11 * H);
    expect_off(tz, utc(2090, 1, 15, 0, 0, 0), 11 * H);
    expect_off(tz, utc(2090, 7, 15, 0, 0, 0), 10 * H + 1800);
    expect_iso(tz, utc(2026, 7, 1, 0, 0, 0), "2026-07-01T10:30:00+10:30");
    expect_iso(tz, utc(2026, 1, 15, 0, 0, 0), "2026-01-15T11:00:00+11:00");
    /* Spring forward 02:00 -> 02:30: 02:15 does not exist (taken at +10:30). */
    assert_int_equal(lx_tz_local_to_instant(tz, lx_date_from_ymd(2026, 10, 4), 2 * H + 15 * 60),
                     utc(2026, 10, 3, 15, 45, 0));
    /* Fall back 02:00 -> 01:30: 01:45 happens twice, the earlier at +11:00. */
    assert_int_equal(lx_tz_local_to_instant(tz, lx_date_from_ymd(2026, 4, 5), 1 * H + 45 * 60),
                     utc(2026, 4, 4, 14, 45, 0));
    lx_tz_destroy(tz);

    tz = sys_zone("America/Sao_Paulo");
    expect_off(tz, utc(2018, 1, 15, 0, 0, 0), -2 * H); /* DST, abolished in 2019 */
    expect_off(tz, utc(2026, 1, 15, 0, 0, 0), -3 * H);
    expect_off(tz, utc(2090, 1, 15, 0, 0, 0), -3 * H);
    expect_iso(tz, utc(2026, 12, 20, 11, 8, 0), "2026-12-20T08:08:00-03:00");
    lx_tz_destroy(tz);
}

/* ---- tzdb ---- */

static void test_tzdb_names(void **state)
{
    (void)state;
    static const char *const good[] = {
        "America/New_York", "Asia/Vientiane", "UTC", "Etc/GMT+5", "Etc/GMT-14",
        "America/Argentina/Buenos_Aires", "America/Port-au-Prince", "EST5EDT", "a.b/c.d",
    };
    static const char *const bad[] = {
        "America/New York", "../etc/passwd", "", "/etc/passwd", "America//New_York",
        "America/", "./UTC", "America/.hidden", "America/..", "..", ".", "A\\B", "Asia/T\xc5\x8dky\xc5\x8d",
        "UTC\n", "America/New_York ", "Etc/GMT*",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!lx_tzdb_name_valid(good[i]))
            fail_msg("\"%s\" refused", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (lx_tzdb_name_valid(bad[i]))
            fail_msg("\"%s\" accepted", bad[i]);
    assert_false(lx_tzdb_name_valid(NULL));
    char longname[300];
    memset(longname, 'a', sizeof longname);
    longname[255] = '\0';
    assert_true(lx_tzdb_name_valid(longname));
    longname[255] = 'a';
    longname[256] = '\0';
    assert_false(lx_tzdb_name_valid(longname));
}

/* lx_tzdb_load refuses each name with LX_TZ, and resets *out to NULL. */
static void tzdb_refuses(const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        lx_tz *tz = (lx_tz *)&tz; /* must be reset to NULL */
        lx_err e = lx_tzdb_load(names[i], &tz);
        if (e != LX_TZ)
            fail_msg("\"%s\" gave %d, wanted LX_TZ", names[i], (int)e);
        assert_null(tz);
    }
}

static void test_tzdb_load(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "America/New York", "../etc/passwd", "", "Not/AZone", "/etc/passwd",
        "America", /* a directory */
    };
    tzdb_refuses(bad, FX_COUNT(bad));
    assert_int_equal(lx_tzdb_load(NULL, &(lx_tz *){NULL}), LX_TZ);
    assert_int_equal(lx_tzdb_load("UTC", NULL), LX_INVAL);
    static const char *const utcs[] = {"UTC", "Etc/UTC", "GMT"};
    for (size_t i = 0; i < 3; i++) {
        lx_tz *tz = NULL;
        assert_int_equal(lx_tzdb_load(utcs[i], &tz), LX_OK);
        assert_string_equal(lx_tz_name(tz), utcs[i]);
        assert_int_equal(lx_tz_offset_at(tz, utc(2026, 7, 1, 0, 0, 0)), 0);
        expect_iso(tz, utc(2026, 12, 20, 8, 8, 0), "2026-12-20T08:08:00+00:00");
        lx_tz_destroy(tz);
    }
}

/* TZDIR redirects the loader; only TZif regular files are zones. */
static void test_tzdb_tzdir(void **state)
{
    (void)state;
    const char *old = getenv("TZDIR");
    char *saved = old ? strdup(old) : NULL;
    char *dir = fx_tmpdir("tzdir");
    char path[4200];

    struct blob b;
    footer_tzif(&b, "<+0630>-6:30", 0);
    assert_int_equal(mkdir(FX_JOIN(path, dir, "Test"), 0700), 0);
    fx_write_file(dir, "Test/Zone", b.b, b.n);
    fx_write_file(dir, "Text", "Asia/Yangon\n", 12);
    assert_int_equal(mkfifo(FX_JOIN(path, dir, "Fifo"), 0600), 0);
    fx_write_file(dir, "Short", "TZif2", 5);

    assert_int_equal(setenv("TZDIR", dir, 1), 0);
    lx_tz *tz = NULL;
    assert_int_equal(lx_tzdb_load("Test/Zone", &tz), LX_OK);
    assert_string_equal(lx_tz_name(tz), "Test/Zone");
    expect_off(tz, 0, 6 * H + 1800);
    lx_tz_destroy(tz);
    static const char *const bad[] = {"Text", "Fifo", "Short", "Test", "Test/Zone/x",
                                      "Asia/Shanghai"};
    tzdb_refuses(bad, FX_COUNT(bad));
    assert_int_equal(lx_tzdb_load("UTC", &tz), LX_OK); /* no file needed */
    lx_tz_destroy(tz);

    if (saved) {
        assert_int_equal(setenv("TZDIR", saved, 1), 0);
        free(saved);
    } else {
        assert_int_equal(unsetenv("TZDIR"), 0);
    }
    static const char *const files[] = {"Test/Zone", "Text", "Fifo", "Short", "Test"};
    for (size_t i = 0; i < FX_COUNT(files); i++)
        assert_true(fx_exists(dir, files[i]));
    assert_int_equal(fx_rm_tree(dir), 0);
    free(dir);
}

static void test_tzdb_cache(void **state)
{
    (void)state;
    lx_tzdb *db = NULL;
    assert_int_equal(lx_tzdb_create(&db), LX_OK);
    const lx_tz *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(lx_tzdb_get(db, "America/New_York", &a), LX_OK);
    assert_non_null(a);
    assert_int_equal(lx_tzdb_get(db, "Asia/Vientiane", &c), LX_OK);
    assert_int_equal(lx_tzdb_get(db, "America/New_York", &b), LX_OK);
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, c);
    assert_int_equal(lx_tzdb_get(db, "Asia/Vientiane", &b), LX_OK);
    assert_ptr_equal(b, c);
    assert_string_equal(lx_tz_name(c), "Asia/Vientiane");
    expect_off(a, utc(2026, 7, 1, 0, 0, 0), -4 * H);
    /* Failures, cached or not, give the same answer every time. */
    for (int i = 0; i < 3; i++) {
        b = a;
        assert_int_equal(lx_tzdb_get(db, "Not/AZone", &b), LX_TZ);
        assert_null(b);
        b = a;
        assert_int_equal(lx_tzdb_get(db, "../etc/passwd", &b), LX_TZ);
        assert_null(b);
    }
    /* Many zones: the cache grows and earlier pointers stay valid. */
    static const char *const more[] = {"UTC", "GMT", "Etc/UTC", "Europe/Paris", "Asia/Tokyo",
                                       "Asia/Bangkok", "Asia/Kolkata", "Europe/London",
                                       "Australia/Sydney", "Africa/Cairo"};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        assert_int_equal(lx_tzdb_get(db, more[i], &b), LX_OK);
        assert_string_equal(lx_tz_name(b), more[i]);
    }
    assert_int_equal(lx_tzdb_get(db, "America/New_York", &b), LX_OK);
    assert_ptr_equal(a, b);
    assert_string_equal(lx_tz_name(a), "America/New_York");
    assert_int_equal(lx_tzdb_get(db, NULL, &b), LX_INVAL);
    assert_int_equal(lx_tzdb_get(NULL, "UTC", &b), LX_INVAL);
    assert_int_equal(lx_tzdb_get(db, "UTC", NULL), LX_INVAL);
    lx_tzdb_destroy(db);
    lx_tzdb_destroy(NULL);
}

/* The system's New York file, truncated and damaged. */
static void test_tzif_system_corrupt(void **state)
{
    (void)state;
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/America/New_York", dir && *dir ? dir : "/usr/share/zoneinfo");
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (is tzdata installed?)", path);
    static unsigned char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 44);
    lx_tz *tz = NULL;
    assert_int_equal(lx_tz_from_tzif("America/New_York", buf, n, &tz), LX_OK);
    lx_tz_destroy(tz);
    check_corruptions(buf, n, 0xdeadbeefcafef00dULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_known),
        cmocka_unit_test(test_date_roundtrip),
        cmocka_unit_test(test_date_weekday),
        cmocka_unit_test(test_date_parse),
        cmocka_unit_test(test_date_format),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_tzif_footer_only),
        cmocka_unit_test(test_tzif_transitions),
        cmocka_unit_test(test_footer_rules),
        cmocka_unit_test(test_tzif_corrupt),
        cmocka_unit_test(test_fixed_and_offsets),
        cmocka_unit_test(test_zone_asia),
        cmocka_unit_test(test_zone_new_york),
        cmocka_unit_test(test_zone_half_hour_dst),
        cmocka_unit_test(test_tzdb_names),
        cmocka_unit_test(test_tzdb_load),
        cmocka_unit_test(test_tzdb_tzdir),
        cmocka_unit_test(test_tzdb_cache),
        cmocka_unit_test(test_tzif_system_corrupt),
    };
    return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
