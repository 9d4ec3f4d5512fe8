/* Unit tests for the GTFS loader and validator (src/gtfs): a small valid feed built
 * in memory, one broken variant per class of error with the notice it must give, the
 * quirks of real feeds that must load, queries over what was loaded (times past
 * 24:00, parent stations, frequencies, stop time zones), a mutation loop that the
 * sanitizers watch, and the built-in China–Laos feed with its export / re-import
 * round trip. Needs tzdata (the zones are read from /usr/share/zoneinfo). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lanxang/gtfs.h"
#include "lanxang/net.h"
#include "lanxang/time.h"
#include "lanxang/timetable.h"

/* ---- the test feed ---- */

#define AGENCY                                                                             \
    "agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"                       \
    "lcr,Lao-China Railway,https://lcr.example.la,Asia/Vientiane,lo\n"

/* lines: vte 2, vte_1 3, vte_2 4, lpq 5, bot 6, kmn 7 */
#define STOPS                                                                              \
    "stop_id,stop_code,stop_name,stop_lat,stop_lon,location_type,parent_station,"          \
    "stop_timezone\n"                                                                      \
    "vte,VTE,Vientiane,18.055,102.689,1,,Asia/Bangkok\n"                                   \
    "vte_1,,Vientiane platform 1,18.055,102.689,0,vte,\n"                                  \
    "vte_2,,Vientiane platform 2,18.055,102.690,0,vte,\n"                                  \
    "lpq,LPQ,\"Luang Prabang, \"\"Royal\"\" City\",19.888,102.203,0,,\n"                   \
    "bot,BOT,Boten,21.145,101.650,0,,\n"                                                   \
    "kmn,KMN,Kunming South,24.876,102.864,0,,Asia/Shanghai\n"

#define ROUTES                                                                             \
    "route_id,agency_id,route_short_name,route_long_name,route_type,route_color,"          \
    "route_text_color\n"                                                                   \
    "r1,lcr,D,Vientiane–Kunming,2,1E90FF,ffffff\n"

#define CALENDAR                                                                           \
    "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"      \
    "end_date\n"                                                                           \
    "daily,1,1,1,1,1,1,1,20260101,20261231\n"

#define CALENDAR_DATES                                                                     \
    "service_id,date,exception_type\n"                                                     \
    "daily,20260501,2\n"                                                                   \
    "extra,20260601,1\n"

/* lines: T1 2, T2 3, T3 4, F1 5 */
#define TRIPS                                                                              \
    "route_id,service_id,trip_id,trip_headsign,trip_short_name,direction_id\n"             \
    "r1,daily,T1,Kunming South,D87,0\n"                                                    \
    "r1,daily,T2,Vientiane,D88,1\n"                                                        \
    "r1,extra,T3,Luang Prabang,K11,0\n"                                                    \
    "r1,daily,F1,Luang Prabang,S1,0\n"

/* stop_times: one row per line, the line number is the comment */
#define STOP_TIMES                                                                         \
    "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" /* 1 */                  \
    "T1,08:00:00,08:00:00,vte_1,1\n"                              /* 2 */                  \
    "T1,09:50:00,09:55:00,lpq,2\n"                                /* 3 */                  \
    "T1,11:30:00,11:35:00,bot,3\n"                                /* 4 */                  \
    "T1,16:30:00,16:30:00,kmn,4\n"                                /* 5 */                  \
    "T2,08:00:00,08:00:00,kmn,1\n"                                /* 6 */                  \
    "T2,13:00:00,13:05:00,bot,2\n"                                /* 7 */                  \
    "T2,14:40:00,14:45:00,lpq,3\n"                                /* 8 */                  \
    "T2,16:40:00,16:40:00,vte_2,4\n"                              /* 9 */                  \
    "T3,25:10:00,25:10:00,vte_2,1\n"                              /* 10 */                 \
    "T3,27:00:00,27:00:00,lpq,2\n"                                /* 11 */                 \
    "F1,06:00:00,06:00:00,vte_1,1\n"                              /* 12 */                 \
    "F1,07:50:00,07:50:00,lpq,2\n"                                /* 13 */

#define FREQUENCIES                                                                        \
    "trip_id,start_time,end_time,headway_secs,exact_times\n"                               \
    "F1,06:00:00,09:00:00,3600,1\n"

#define TRANSFERS                                                                          \
    "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n"                            \
    "vte_1,vte_2,2,300\n"

#define TRANSLATIONS                                                                       \
    "table_name,field_name,language,translation,record_id,record_sub_id,field_value\n"     \
    "stops,stop_name,zh,万象,vte,,\n"                                                      \
    "stops,stop_name,lo,ວຽງຈັນ,vte,,\n"

#define FEED_INFO                                                                          \
    "feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,"      \
    "feed_version\n"                                                                       \
    "Lanxang tests,https://example.org,en,20260101,20261231,t1\n"

#define MAX_FILES 24

typedef struct {
    lx_gtfs_file f[MAX_FILES];
    char *owned[MAX_FILES]; /* the malloc'ed text of f[i], or NULL for a literal */
    size_t n;
} feed;

static void feed_init(feed *fd)
{
    static const struct {
        const char *name, *text;
    } base[] = {
        {"agency.txt", AGENCY},
        {"stops.txt", STOPS},
        {"routes.txt", ROUTES},
        {"calendar.txt", CALENDAR},
        {"calendar_dates.txt", CALENDAR_DATES},
        {"trips.txt", TRIPS},
        {"stop_times.txt", STOP_TIMES},
        {"frequencies.txt", FREQUENCIES},
        {"transfers.txt", TRANSFERS},
        {"translations.txt", TRANSLATIONS},
        {"feed_info.txt", FEED_INFO},
    };
    memset(fd, 0, sizeof *fd);
    for (size_t i = 0; i < sizeof base / sizeof *base; i++) {
        fd->f[i].name = base[i].name;
        fd->f[i].data = base[i].text;
        fd->f[i].len = strlen(base[i].text);
    }
    fd->n = sizeof base / sizeof *base;
}

static void feed_free(feed *fd)
{
    for (size_t i = 0; i < MAX_FILES; i++)
        free(fd->owned[i]);
    memset(fd, 0, sizeof *fd);
}

static int feed_find(const feed *fd, const char *name)
{
    for (size_t i = 0; i < fd->n; i++)
        if (strcmp(fd->f[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Replaces the text of one file (adding the file if the feed has none), taking
 * ownership of a malloc'ed buffer of len bytes. */
static void feed_put_owned(feed *fd, const char *name, char *buf, size_t len)
{
    int i = feed_find(fd, name);
    if (i < 0) {
        assert_true(fd->n < MAX_FILES);
        i = (int)fd->n++;
        fd->f[i].name = name;
    }
    free(fd->owned[i]);
    fd->owned[i] = buf;
    fd->f[i].data = buf;
    fd->f[i].len = len;
}

/* Replaces one file's whole text (or adds the file). */
static void feed_set(feed *fd, const char *name, const char *text)
{
    size_t len = strlen(text);
    char *b = malloc(len + 1);
    assert_non_null(b);
    memcpy(b, text, len + 1);
    feed_put_owned(fd, name, b, len);
}

/* Replaces the first occurrence of `from` in one file's text by `to`; the text must
 * contain it. */
static void feed_edit(feed *fd, const char *name, const char *from, const char *to)
{
    int i = feed_find(fd, name);
    assert_true(i >= 0);
    const char *text = fd->f[i].data;
    size_t len = fd->f[i].len, fl = strlen(from), tl = strlen(to);
    const char *hit = NULL;
    for (size_t k = 0; k + fl <= len && !hit; k++)
        if (memcmp(text + k, from, fl) == 0)
            hit = text + k;
    if (!hit)
        fail_msg("%s does not contain '%s'", name, from);
    size_t at = (size_t)(hit - text), nlen = len - fl + tl;
    char *b = malloc(nlen + 1);
    assert_non_null(b);
    memcpy(b, text, at);
    memcpy(b + at, to, tl);
    memcpy(b + at + tl, text + at + fl, len - at - fl);
    b[nlen] = 0;
    feed_put_owned(fd, name, b, nlen);
}

static void feed_drop(feed *fd, const char *name)
{
    int i = feed_find(fd, name);
    assert_true(i >= 0);
    free(fd->owned[i]);
    for (size_t k = (size_t)i; k + 1 < fd->n; k++) {
        fd->f[k] = fd->f[k + 1];
        fd->owned[k] = fd->owned[k + 1];
    }
    fd->n--;
    fd->owned[fd->n] = NULL;
}

static void print_report(const lx_report *r)
{
    lx_report_print(r, stderr, 1);
}

/* Gives every file a BOM and/or CRLF line ends. */
static void feed_transform(feed *fd, int bom, int crlf)
{
    for (size_t i = 0; i < fd->n; i++) {
        const char *text = fd->f[i].data;
        size_t len = fd->f[i].len, extra = 0;
        for (size_t k = 0; k < len; k++)
            extra += crlf && text[k] == '\n';
        char *b = malloc(len + extra + 4);
        assert_non_null(b);
        size_t o = 0;
        if (bom) {
            memcpy(b, "\xEF\xBB\xBF", 3);
            o = 3;
        }
        for (size_t k = 0; k < len; k++) {
            if (crlf && text[k] == '\n')
                b[o++] = '\r';
            b[o++] = text[k];
        }
        b[o] = 0;
        feed_put_owned(fd, fd->f[i].name, b, o);
    }
}

/* ---- a test's world: the valid feed to change, and what loading it gave ---- */

typedef struct {
    feed fd;
    lx_report *r;      /* the report of the load, or NULL */
    lx_tt *tt;         /* what it loaded, or NULL */
    const void *param; /* the table row of a table-driven test */
} world;

static int world_setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    feed_init(&w->fd);
    w->param = *state;
    *state = w;
    return 0;
}

static int world_teardown(void **state)
{
    world *w = *state;
    lx_tt_destroy(w->tt);
    lx_report_destroy(w->r);
    feed_free(&w->fd);
    free(w);
    return 0;
}

/* Loads the world's feed, which must load (fx_load_ok). */
static lx_tt *world_load(world *w)
{
    w->tt = fx_load_ok(w->fd.f, w->fd.n, "test", &w->r);
    return w->tt;
}

/* The world with the valid feed loaded. */
static int loaded_setup(void **state)
{
    if (world_setup(state))
        return -1;
    world_load(*state);
    return 0;
}

/* Loads the world's feed, which must be refused for `code`. */
static void expect_broken(world *w, const char *code)
{
    lx_gtfs_opts opts = {.feed_name = "test"};
    lx_err e = fx_try_load(w->fd.f, w->fd.n, &opts, &w->r, &w->tt);
    if (e != LX_FEED || lx_report_code_count(w->r, code) == 0)
        print_report(w->r);
    assert_int_equal(e, LX_FEED);
    assert_null(w->tt);
    assert_true(lx_report_count(w->r, LX_SEV_ERROR) > 0);
}

#define ANY_LINE UINT32_MAX

/* r has a notice `code` of severity sev; the first one points at file:line, field
 * (file NULL, line ANY_LINE, field NULL: not checked). Returns that notice. */
static const lx_notice *expect_notice(const lx_report *r, const char *code, lx_severity sev,
                                      const char *file, uint32_t line, const char *field)
{
    const lx_notice *n = fx_find_notice(r, code);
    if (!n || n->severity != sev || (file && strcmp(n->file, file) != 0) ||
        (line != ANY_LINE && n->line != line) || (field && strcmp(n->field, field) != 0))
        print_report(r);
    assert_true(lx_report_code_count(r, code) > 0);
    assert_non_null(n);
    assert_int_equal(n->severity, sev);
    if (file)
        assert_string_equal(n->file, file);
    if (line != ANY_LINE)
        assert_int_equal(n->line, line);
    if (field)
        assert_string_equal(n->field, field);
    return n;
}

static void expect_no_warnings(const lx_report *r)
{
    if (lx_report_count(r, LX_SEV_WARNING))
        print_report(r);
    assert_int_equal(lx_report_count(r, LX_SEV_WARNING), 0);
}

static lx_date_t ymd(int y, int m, int d) { return lx_date_from_ymd(y, m, d); }

static uint32_t station(const lx_tt *tt, const char *id)
{
    uint32_t s = lx_tt_station_by_id(tt, id);
    if (s == LX_NONE)
        fail_msg("no station %s", id);
    return s;
}

static uint32_t trip(const lx_tt *tt, const char *id)
{
    uint32_t t = lx_tt_trip_by_id(tt, id);
    if (t == LX_NONE)
        fail_msg("no trip %s", id);
    return t;
}

static void iso(const lx_tz *tz, lx_instant_t t, char *buf) { lx_tz_format_iso(tz, t, buf); }

/* What the valid feed holds; the quirks that must load give the same. */
static void check_same_as_base(const lx_tt *tt)
{
    lx_gtfs_summary s;
    lx_gtfs_summarize(tt, &s);
    const lx_gtfs_summary want = {
        .agencies = 1, .stations = 6, .routes = 1, .trips = 4, .stop_times = 12,
        .services = 2, .transfers = 1, .frequencies = 1, .translations = 2, .layouts = 0,
        .fares = 0, .first_day = ymd(2026, 1, 1), .last_day = ymd(2026, 12, 31)};
    fx_summary_equal(&s, &want);
    const lx_station *st = lx_tt_stations(tt, NULL);
    /* a quoted name with a comma and doubled quotes */
    assert_string_equal(st[station(tt, "lpq")].name, "Luang Prabang, \"Royal\" City");
    assert_string_equal(st[station(tt, "kmn")].name, "Kunming South");
    assert_string_equal(lx_tt_station_name(tt, station(tt, "vte"), "zh"), "万象");
    const lx_feed_info *fi = lx_tt_feed_info(tt);
    assert_non_null(fi);
    assert_string_equal(fi->version, "t1");
}

/* ---- the valid feed ---- */

static void test_valid_feed_loads(void **state)
{
    world *w = *state;
    lx_tt *tt = w->tt;
    expect_no_warnings(w->r);
    check_same_as_base(tt);

    assert_string_equal(lx_tt_feed_name(tt), "test");
    assert_string_equal(lx_tz_name(lx_tt_default_tz(tt)), "Asia/Vientiane");
    const lx_feed_info *fi = lx_tt_feed_info(tt);
    assert_string_equal(fi->publisher_name, "Lanxang tests");
    assert_int_equal(fi->start, ymd(2026, 1, 1));
    assert_int_equal(fi->end, ymd(2026, 12, 31));

    /* translations */
    uint32_t vte = station(tt, "vte");
    assert_string_equal(lx_tt_station_name(tt, vte, "lo"), "ວຽງຈັນ");
    assert_string_equal(lx_tt_station_name(tt, vte, "en"), "Vientiane");
    assert_string_equal(lx_tt_station_name(tt, vte, NULL), "Vientiane");

    /* trains by public number */
    uint32_t found[4];
    assert_int_equal(lx_tt_trips_by_number(tt, "D87", found, 4), 1);
    assert_int_equal(found[0], trip(tt, "T1"));
    assert_string_equal(lx_tt_train_number(tt, trip(tt, "T2")), "D88");

    /* routes keep their colours */
    const lx_route *rt = lx_tt_routes(tt, NULL);
    assert_string_equal(rt[0].color, "1E90FF");
    assert_int_equal(rt[0].type, 2);
}

static void test_service_days(void **state)
{
    world *w = *state;
    lx_tt *tt = w->tt;
    const lx_trip *tr = lx_tt_trips(tt, NULL);
    uint32_t daily = tr[trip(tt, "T1")].service, extra = tr[trip(tt, "T3")].service;
    assert_true(lx_tt_service_runs(tt, daily, ymd(2026, 1, 1)));
    assert_true(lx_tt_service_runs(tt, daily, ymd(2026, 4, 30)));
    assert_false(lx_tt_service_runs(tt, daily, ymd(2026, 5, 1))); /* removed */
    assert_true(lx_tt_service_runs(tt, daily, ymd(2026, 5, 2)));
    assert_true(lx_tt_service_runs(tt, daily, ymd(2026, 12, 31)));
    assert_false(lx_tt_service_runs(tt, daily, ymd(2025, 12, 31)));
    assert_false(lx_tt_service_runs(tt, daily, ymd(2027, 1, 1)));
    /* a service defined by calendar_dates.txt alone */
    const lx_service *sv = lx_tt_services(tt, NULL);
    assert_false(sv[extra].has_calendar);
    assert_true(lx_tt_service_runs(tt, extra, ymd(2026, 6, 1)));
    assert_false(lx_tt_service_runs(tt, extra, ymd(2026, 5, 31)));
    assert_false(lx_tt_service_runs(tt, extra, ymd(2026, 6, 2)));
}

static void test_transfers_and_frequencies_loaded(void **state)
{
    world *w = *state;
    lx_tt *tt = w->tt;
    uint32_t n;
    const lx_transfer *x = lx_tt_transfers(tt, &n);
    assert_int_equal(n, 1);
    assert_int_equal(x[0].from_stop, station(tt, "vte_1"));
    assert_int_equal(x[0].to_stop, station(tt, "vte_2"));
    assert_int_equal(x[0].type, 2);
    assert_int_equal(x[0].min_transfer_time, 300);
    assert_int_equal(x[0].from_trip, LX_NONE);

    const lx_frequency *f = lx_tt_frequencies(tt, &n);
    assert_int_equal(n, 1);
    assert_int_equal(f[0].trip, trip(tt, "F1"));
    assert_int_equal(f[0].start, 6 * 3600);
    assert_int_equal(f[0].end, 9 * 3600);
    assert_int_equal(f[0].headway, 3600);
    assert_int_equal(f[0].exact_times, 1);
    const lx_trip *tr = lx_tt_trips(tt, NULL);
    assert_int_equal(tr[trip(tt, "F1")].freq_count, 1);
    assert_int_equal(tr[trip(tt, "T1")].freq_count, 0);
}

/* ---- real-feed quirks that must load ---- */

static void test_quirk_bom_everywhere(void **state)
{
    world *w = *state;
    feed_transform(&w->fd, 1, 0);
    lx_tt *tt = world_load(w);
    /* a BOM must not turn "agency_id" into an unknown column */
    assert_int_equal(lx_report_code_count(w->r, "unknown_column"), 0);
    expect_no_warnings(w->r);
    check_same_as_base(tt);
}

/* (with a BOM too, the line numbers of notices still count CRLF as one line: see the
 * table of broken feeds) */
static void test_quirk_crlf(void **state)
{
    world *w = *state;
    feed_transform(&w->fd, 0, 1);
    lx_tt *tt = world_load(w);
    expect_no_warnings(w->r);
    check_same_as_base(tt);
}

static void test_quirk_padded_and_quoted_fields(void **state)
{
    world *w = *state;
    /* spreadsheet padding around unquoted fields, quoted ids and numbers */
    feed_edit(&w->fd, "trips.txt", "r1,daily,T1,", " r1 ,\"daily\", T1\t,");
    feed_edit(&w->fd, "stop_times.txt", "T1,09:50:00,09:55:00,lpq,2",
              "\"T1\", 09:50:00 ,09:55:00,\"lpq\",\"2\"");
    /* a quoted field with a line break inside */
    feed_edit(&w->fd, "trips.txt", "r1,daily,T2,Vientiane,", "r1,daily,T2,\"Vientiane\nCapital\",");
    lx_tt *tt = world_load(w);
    const lx_trip *tr = lx_tt_trips(tt, NULL);
    assert_string_equal(tr[trip(tt, "T2")].headsign, "Vientiane\nCapital");
    assert_int_equal(tr[trip(tt, "T1")].st_count, 4);
}

static void test_quirk_calendar_dates_only(void **state)
{
    world *w = *state;
    feed_drop(&w->fd, "calendar.txt");
    feed_set(&w->fd, "calendar_dates.txt",
             "service_id,date,exception_type\n"
             "daily,20260302,1\n"
             "daily,20260303,1\n"
             "extra,20260601,1\n");
    lx_tt *tt = world_load(w);
    const lx_trip *tr = lx_tt_trips(tt, NULL);
    uint32_t daily = tr[trip(tt, "T1")].service;
    assert_true(lx_tt_service_runs(tt, daily, ymd(2026, 3, 2)));
    assert_true(lx_tt_service_runs(tt, daily, ymd(2026, 3, 3)));
    assert_false(lx_tt_service_runs(tt, daily, ymd(2026, 3, 4)));
    assert_false(lx_tt_service_runs(tt, daily, ymd(2026, 3, 1)));
    lx_gtfs_summary s;
    lx_gtfs_summarize(tt, &s);
    assert_int_equal(s.first_day, ymd(2026, 3, 2));
    assert_int_equal(s.last_day, ymd(2026, 6, 1));
}

static void test_quirk_header_only_files(void **state)
{
    world *w = *state;
    /* optional files with a header and no rows are common in exported feeds.
     * BUG (reported): load_calendar_dates() calls qsort(NULL, 0, ...) when
     * calendar_dates.txt has no usable row, which UBSan aborts on. */
    feed_set(&w->fd, "calendar_dates.txt", "service_id,date,exception_type\n");
    feed_edit(&w->fd, "trips.txt", "r1,extra,T3,", "r1,daily,T3,");
    feed_set(&w->fd, "frequencies.txt", "trip_id,start_time,end_time,headway_secs\n");
    feed_set(&w->fd, "transfers.txt", "from_stop_id,to_stop_id,transfer_type\n");
    feed_set(&w->fd, "translations.txt",
             "table_name,field_name,language,translation,record_id\n");
    lx_tt *tt = world_load(w);
    lx_gtfs_summary s;
    lx_gtfs_summarize(tt, &s);
    assert_int_equal(s.services, 1);
    assert_int_equal(s.frequencies, 0);
    assert_int_equal(s.transfers, 0);
    assert_int_equal(s.translations, 0);
    /* the daily service now runs on May 1 too */
    const lx_trip *tr = lx_tt_trips(tt, NULL);
    assert_true(lx_tt_service_runs(tt, tr[trip(tt, "T1")].service, ymd(2026, 5, 1)));
}

static void test_quirk_untimed_stop_interpolated(void **state)
{
    world *w = *state;
    /* an intermediate stop without times gets them interpolated */
    feed_edit(&w->fd, "stop_times.txt", "T1,09:50:00,09:55:00,lpq,2", "T1,,,lpq,2");
    lx_tt *tt = world_load(w);
    const lx_trip *tr = lx_tt_trips(tt, NULL);
    const lx_trip *t1 = &tr[trip(tt, "T1")];
    const lx_time_t *arr = lx_tt_st_arrival(tt), *dep = lx_tt_st_departure(tt);
    lx_time_t a = arr[t1->st_first + 1];
    assert_true(a > dep[t1->st_first] && a < arr[t1->st_first + 2]);
    assert_int_equal(dep[t1->st_first + 1], a);
}

/* ---- queries over the loaded feed ---- */

static void test_time_past_midnight(void **state)
{
    world *w = *state;
    lx_tt *tt = w->tt;
    uint32_t from = station(tt, "vte_2"), to = station(tt, "lpq"), t3 = trip(tt, "T3");
    lx_leg legs[8];
    /* T3 runs on service day 2026-06-01 and leaves at 25:10, i.e. 01:10 on June 2 */
    uint32_t n = lx_tt_legs_between(tt, &from, 1, &to, 1, ymd(2026, 6, 2), legs, 8);
    assert_int_equal(n, 1);
    assert_int_equal(legs[0].trip, t3);
    assert_int_equal(legs[0].service_day, ymd(2026, 6, 1));
    char buf[32];
    const lx_station *st = lx_tt_stations(tt, NULL);
    iso(st[from].tz, legs[0].departure, buf);
    assert_string_equal(buf, "2026-06-02T01:10:00+07:00");
    iso(st[to].tz, legs[0].arrival, buf);
    assert_string_equal(buf, "2026-06-02T03:00:00+07:00");
    /* ... and not on the calendar day of its service day */
    assert_int_equal(lx_tt_legs_between(tt, &from, 1, &to, 1, ymd(2026, 6, 1), legs, 8), 0);
    assert_int_equal(lx_tt_legs_between(tt, &from, 1, &to, 1, ymd(2026, 6, 3), legs, 8), 0);
    /* departures from vte_2 on June 2 include it too */
    n = lx_tt_departures(tt, &from, 1, ymd(2026, 6, 2), legs, 8);
    assert_int_equal(n, 1);
    assert_int_equal(legs[0].trip, t3);
}

static void test_parent_station_query(void **state)
{
    world *w = *state;
    lx_tt *tt = w->tt;
    uint32_t vte = station(tt, "vte"), t1 = trip(tt, "T1"), f1 = trip(tt, "F1"),
             t2 = trip(tt, "T2");
    uint32_t group[8];
    assert_int_equal(lx_tt_station_group(tt, vte, group, 8), 3);
    assert_int_equal(group[0], vte);

    lx_net *net;
    assert_int_equal(lx_net_create(&net), LX_OK);
    assert_int_equal(lx_net_add(net, tt), LX_OK); /* the net owns tt now */
    w->tt = NULL;
    lx_place from[4], to[4];
    uint32_t nf, nt;
    assert_int_equal(lx_net_resolve(net, "Vientiane", from, 4, &nf), LX_OK);
    assert_int_equal(nf, 1);
    assert_int_equal(from[0].station, vte);
    assert_int_equal(lx_net_resolve(net, "test:lpq", to, 4, &nt), LX_OK);
    assert_int_equal(nt, 1);
    assert_int_equal(to[0].station, station(tt, "lpq"));
    /* a name in another language resolves to the same station */
    lx_place zh[4];
    uint32_t nz;
    assert_int_equal(lx_net_resolve(net, "万象", zh, 4, &nz), LX_OK);
    assert_int_equal(nz, 1);
    assert_int_equal(zh[0].station, vte);

    /* a typo gives suggestions, closest first */
    lx_place sug[4];
    uint32_t ns;
    assert_int_equal(lx_net_resolve(net, "Vientain", sug, 4, &ns), LX_NOTFOUND);
    assert_true(ns >= 1);
    assert_int_equal(sug[0].station, vte);
    assert_int_equal(lx_net_resolve(net, "Ulaanbaatar", sug, 4, &ns), LX_NOTFOUND);
    assert_int_equal(ns, 0);
    /* part of two different names is ambiguous; both are offered */
    assert_int_equal(lx_net_resolve(net, "Vientiane platform", sug, 4, &ns), LX_AMBIGUOUS);
    assert_int_equal(ns, 2);
    /* accents and case do not matter, and part of one name is enough */
    assert_int_equal(lx_net_resolve(net, "BOTÉN", sug, 4, &ns), LX_OK);
    assert_int_equal(ns, 1);
    assert_int_equal(sug[0].station, station(tt, "bot"));
    assert_int_equal(lx_net_resolve(net, "royal city", sug, 4, &ns), LX_OK);
    assert_int_equal(sug[0].station, station(tt, "lpq"));
    /* by stop_code */
    assert_int_equal(lx_net_resolve(net, "kmn", sug, 4, &ns), LX_OK);
    assert_int_equal(sug[0].station, station(tt, "kmn"));

    /* the parent finds the trains at its platforms: T1 and three runs of F1 */
    lx_net_leg legs[16];
    uint32_t n = lx_net_legs_between(net, from, nf, to, nt, ymd(2026, 3, 2), legs, 16);
    assert_int_equal(n, 4);
    uint32_t seen_t1 = 0, seen_f1 = 0;
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(legs[i].feed, 0);
        seen_t1 += legs[i].leg.trip == t1;
        seen_f1 += legs[i].leg.trip == f1;
        if (i)
            assert_true(legs[i].leg.departure >= legs[i - 1].leg.departure);
    }
    assert_int_equal(seen_t1, 1);
    assert_int_equal(seen_f1, 3);
    /* and the trains arriving at a platform, from the other side */
    n = lx_net_legs_between(net, to, nt, from, nf, ymd(2026, 3, 2), legs, 16);
    assert_int_equal(n, 1);
    assert_int_equal(legs[0].leg.trip, t2);
    /* no service on a removed day */
    assert_int_equal(lx_net_legs_between(net, from, nf, to, nt, ymd(2026, 5, 1), legs, 16), 0);
    lx_net_destroy(net);
}

static void test_frequency_runs(void **state)
{
    world *w = *state;
    lx_tt *tt = w->tt;
    uint32_t f1 = trip(tt, "F1"), t1 = trip(tt, "T1");
    lx_leg runs[8];
    uint32_t n = lx_tt_trip_runs(tt, f1, ymd(2026, 3, 2), runs, 8);
    assert_int_equal(n, 3); /* 06:00, 07:00, 08:00; 09:00 is the end, exclusive */
    const lx_station *st = lx_tt_stations(tt, NULL);
    const lx_tz *tz = st[station(tt, "vte_1")].tz;
    const char *want[] = {"2026-03-02T06:00:00+07:00", "2026-03-02T07:00:00+07:00",
                          "2026-03-02T08:00:00+07:00"};
    for (uint32_t i = 0; i < n; i++) {
        char buf[32];
        assert_int_equal(runs[i].offset, (int32_t)(i * 3600));
        iso(tz, runs[i].departure, buf);
        assert_string_equal(buf, want[i]);
        assert_int_equal(runs[i].arrival - runs[i].departure, 110 * 60);
        /* lx_tt_st_instant applies the offset */
        assert_int_equal(lx_tt_st_instant(tt, &runs[i], runs[i].from_pos, 1), runs[i].departure);
    }
    /* a plain trip runs once */
    assert_int_equal(lx_tt_trip_runs(tt, t1, ymd(2026, 3, 2), runs, 8), 1);
    assert_int_equal(runs[0].offset, 0);
    /* the buffer convention: the count is returned even when cap is smaller */
    assert_int_equal(lx_tt_trip_runs(tt, f1, ymd(2026, 3, 2), runs, 1), 3);
    assert_int_equal(lx_tt_trip_runs(tt, f1, ymd(2026, 3, 2), NULL, 0), 3);
}

static void test_stop_timezone(void **state)
{
    world *w = *state;
    lx_tt *tt = w->tt;
    const lx_station *st = lx_tt_stations(tt, NULL);
    uint32_t kmn = station(tt, "kmn"), vte_1 = station(tt, "vte_1"), lpq = station(tt, "lpq");
    assert_string_equal(lx_tz_name(st[kmn].tz), "Asia/Shanghai");
    /* a platform without stop_timezone takes its parent's, a stop without either the
     * agency's */
    assert_string_equal(lx_tz_name(st[vte_1].tz), "Asia/Bangkok");
    assert_string_equal(lx_tz_name(st[lpq].tz), "Asia/Vientiane");

    lx_leg leg;
    assert_int_equal(lx_tt_legs_between(tt, &vte_1, 1, &kmn, 1, ymd(2026, 3, 2), &leg, 1), 1);
    assert_int_equal(leg.trip, trip(tt, "T1"));
    char buf[32];
    /* stop times are in the agency's zone: 16:30 in Vientiane is 17:30 in Kunming */
    iso(st[kmn].tz, leg.arrival, buf);
    assert_string_equal(buf, "2026-03-02T17:30:00+08:00");
    iso(st[vte_1].tz, leg.departure, buf);
    assert_string_equal(buf, "2026-03-02T08:00:00+07:00");
    /* a departure from Kunming is found on the local date there */
    uint32_t bot = station(tt, "bot");
    assert_int_equal(lx_tt_legs_between(tt, &kmn, 1, &bot, 1, ymd(2026, 3, 2), &leg, 1), 1);
    iso(st[kmn].tz, leg.departure, buf);
    assert_string_equal(buf, "2026-03-02T09:00:00+08:00");
}

/* ---- one broken feed per class of error: a table, one test a row ---- */

/* One change to the valid feed. */
typedef struct {
    const char *file, *from, *to;
} edit;

#define EDIT(file, from, to) {file, from, to} /* the first `from` in file becomes `to` */
#define SET(file, text) {file, NULL, text}    /* the file's whole text (the file added) */
#define DROP(file) {file, NULL, NULL}         /* the file left out */

static void apply(feed *fd, const edit *e)
{
    if (e->from)
        feed_edit(fd, e->file, e->from, e->to);
    else if (e->to)
        feed_set(fd, e->file, e->to);
    else
        feed_drop(fd, e->file);
}

typedef struct {
    const char *name; /* the test: the class of error, and the case */
    edit edits[2];    /* (up to the first without a file) */
    int bom_crlf;     /* then every file gets a BOM and CRLF line ends */
    /* the feed is refused, and the first error notice `code` points at file:line,
     * field (file NULL, line ANY_LINE, field NULL: not checked); or_line, when not 0,
     * is a second line that is right too */
    const char *code, *file;
    uint32_t line, or_line;
    const char *field;
} broken_case;

#define BROKEN(nm, cd, fl, ln, fd, ...)                                                    \
    {.name = nm, .edits = {__VA_ARGS__}, .code = cd, .file = fl, .line = ln, .field = fd}

static const broken_case BROKEN_CASES[] = {
    /* missing_required_file */
    BROKEN("test_missing_required_file: stops.txt", "missing_required_file", "stops.txt",
           ANY_LINE, NULL, DROP("stops.txt")),
    BROKEN("test_missing_required_file: calendar.txt and calendar_dates.txt",
           "missing_required_file", NULL, ANY_LINE, NULL, DROP("calendar.txt"),
           DROP("calendar_dates.txt")),
    BROKEN("test_missing_required_file: agency.txt", "missing_required_file", "agency.txt",
           ANY_LINE, NULL, DROP("agency.txt")),
    BROKEN("test_missing_required_file: routes.txt", "missing_required_file", "routes.txt",
           ANY_LINE, NULL, DROP("routes.txt")),
    BROKEN("test_missing_required_file: trips.txt", "missing_required_file", "trips.txt",
           ANY_LINE, NULL, DROP("trips.txt")),
    BROKEN("test_missing_required_file: stop_times.txt", "missing_required_file",
           "stop_times.txt", ANY_LINE, NULL, DROP("stop_times.txt")),
    /* missing_required_column */
    BROKEN("test_missing_required_column: route_type", "missing_required_column", "routes.txt",
           1, "route_type",
           SET("routes.txt", "route_id,agency_id,route_short_name,route_long_name\n"
                             "r1,lcr,D,Vientiane–Kunming\n")),
    BROKEN("test_missing_required_column: stop_sequence", "missing_required_column",
           "stop_times.txt", 1, "stop_sequence",
           EDIT("stop_times.txt", ",stop_sequence\n", ",stop_seq\n")),
    /* missing_required_field */
    BROKEN("test_missing_required_field: agency_name", "missing_required_field", "agency.txt", 2,
           "agency_name", EDIT("agency.txt", "lcr,Lao-China Railway,", "lcr,,")),
    BROKEN("test_missing_required_field: service_id", "missing_required_field", "trips.txt", 3,
           "service_id", EDIT("trips.txt", "r1,daily,T2,", "r1,,T2,")),
    BROKEN("test_missing_required_field: stop_id", "missing_required_field", "stop_times.txt", 7,
           "stop_id",
           EDIT("stop_times.txt", "T2,13:00:00,13:05:00,bot,2", "T2,13:00:00,13:05:00,,2")),
    /* invalid_time */
    BROKEN("test_invalid_time: arrival_time 25:61:00", "invalid_time", "stop_times.txt", 4,
           "arrival_time",
           EDIT("stop_times.txt", "T1,11:30:00,11:35:00", "T1,25:61:00,11:35:00")),
    BROKEN("test_invalid_time: departure_time ab:cd:ef", "invalid_time", "stop_times.txt", 8,
           "departure_time",
           EDIT("stop_times.txt", "T2,14:40:00,14:45:00", "T2,14:40:00,ab:cd:ef")),
    BROKEN("test_invalid_time: frequencies end_time 9h", "invalid_time", "frequencies.txt", 2,
           "end_time", EDIT("frequencies.txt", "F1,06:00:00,09:00:00", "F1,06:00:00,9h")),
    /* invalid_date */
    BROKEN("test_invalid_date: calendar end_date in month 13", "invalid_date", "calendar.txt", 2,
           "end_date", EDIT("calendar.txt", "20260101,20261231", "20260101,20261301")),
    BROKEN("test_invalid_date: calendar_dates February 30", "invalid_date",
           "calendar_dates.txt", 3, "date",
           EDIT("calendar_dates.txt", "extra,20260601", "extra,20260230")),
    /* invalid_timezone */
    BROKEN("test_invalid_timezone: agency_timezone", "invalid_timezone", "agency.txt", 2,
           "agency_timezone", EDIT("agency.txt", "Asia/Vientiane", "Mars/Olympus")),
    BROKEN("test_invalid_timezone: stop_timezone", "invalid_timezone", "stops.txt", 7,
           "stop_timezone", EDIT("stops.txt", "Asia/Shanghai", "Asia/Kunming_South")),
    /* a path-like name must not reach the file system as such */
    BROKEN("test_invalid_timezone: a path", "invalid_timezone", "agency.txt", 2,
           "agency_timezone", EDIT("agency.txt", "Asia/Vientiane", "../../etc/passwd")),
    /* foreign_key_violation */
    BROKEN("test_foreign_key_violation: route_id", "foreign_key_violation", "trips.txt", 3,
           "route_id", EDIT("trips.txt", "r1,daily,T2,", "r9,daily,T2,")),
    BROKEN("test_foreign_key_violation: stop_id", "foreign_key_violation", "stop_times.txt", 7,
           "stop_id",
           EDIT("stop_times.txt", "T2,13:00:00,13:05:00,bot,2", "T2,13:00:00,13:05:00,xyz,2")),
    BROKEN("test_foreign_key_violation: service_id", "foreign_key_violation", "trips.txt", 5,
           "service_id", EDIT("trips.txt", "r1,daily,F1,", "r1,weekly,F1,")),
    BROKEN("test_foreign_key_violation: trip_id", "foreign_key_violation", "stop_times.txt", 11,
           "trip_id", EDIT("stop_times.txt", "T3,27:00:00", "T4,27:00:00")),
    BROKEN("test_foreign_key_violation: parent_station", "foreign_key_violation", "stops.txt",
           3, "parent_station", EDIT("stops.txt", "0,vte,\n", "0,vtx,\n")),
    BROKEN("test_foreign_key_violation: to_stop_id", "foreign_key_violation", "transfers.txt",
           2, "to_stop_id", EDIT("transfers.txt", "vte_1,vte_2", "vte_1,vte_3")),
    /* duplicate_key */
    BROKEN("test_duplicate_key: stop_id", "duplicate_key", "stops.txt", 6, "stop_id",
           EDIT("stops.txt", "bot,BOT,Boten", "lpq,BOT,Boten")),
    /* two stop times with one trip and stop_sequence: the notice names one of them */
    {.name = "test_duplicate_key: trip_id and stop_sequence",
     .edits = {EDIT("stop_times.txt", "T1,11:30:00,11:35:00,bot,3", "T1,11:30:00,11:35:00,bot,2")},
     .code = "duplicate_key", .file = "stop_times.txt", .line = 3, .or_line = 4,
     .field = "stop_sequence"},
    BROKEN("test_duplicate_key: trip_id", "duplicate_key", "trips.txt", 5, "trip_id",
           EDIT("trips.txt", "r1,daily,F1,", "r1,daily,T1,")),
    BROKEN("test_duplicate_key: service_id and date", "duplicate_key", "calendar_dates.txt", 4,
           "date",
           EDIT("calendar_dates.txt", "extra,20260601,1\n", "extra,20260601,1\nextra,20260601,1\n")),
    /* times going backwards: T1 reaches Boten at 09:00, before it left Luang Prabang at
     * 09:55 */
    BROKEN("test_times_going_backwards: in file order",
           "stop_time_with_arrival_before_previous_departure_time", "stop_times.txt", 4,
           "arrival_time", EDIT("stop_times.txt", "T1,11:30:00,11:35:00", "T1,09:00:00,09:05:00")),
    /* the same when the rows come out of order in the file */
    BROKEN("test_times_going_backwards: rows out of order",
           "stop_time_with_arrival_before_previous_departure_time", "stop_times.txt", 4,
           "arrival_time",
           SET("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                                 "T1,16:30:00,16:30:00,kmn,4\n"
                                 "T1,08:00:00,08:00:00,vte_1,1\n"
                                 "T1,11:30:00,11:35:00,bot,3\n"
                                 "T1,12:50:00,12:55:00,lpq,2\n"
                                 "T2,08:00:00,08:00:00,kmn,1\n"
                                 "T2,16:40:00,16:40:00,vte_2,2\n")),
    BROKEN("test_departure_before_arrival", "stop_time_with_departure_before_arrival_time",
           "stop_times.txt", 7, "departure_time",
           EDIT("stop_times.txt", "T2,13:00:00,13:05:00", "T2,13:05:00,13:00:00")),
    /* missing_trip_edge */
    BROKEN("test_missing_trip_edge: last stop", "missing_trip_edge", "stop_times.txt", 5, NULL,
           EDIT("stop_times.txt", "T1,16:30:00,16:30:00,kmn", "T1,,,kmn")),
    BROKEN("test_missing_trip_edge: first stop", "missing_trip_edge", "stop_times.txt", 6, NULL,
           EDIT("stop_times.txt", "T2,08:00:00,08:00:00,kmn", "T2,,,kmn")),
    BROKEN("test_missing_trip_edge: a lone stop without times", "missing_trip_edge",
           "stop_times.txt", 10, NULL,
           EDIT("stop_times.txt", "T3,25:10:00,25:10:00,vte_2,1\nT3,27:00:00,27:00:00,lpq,2\n",
                "T3,,,vte_2,1\n")),
    BROKEN("test_missing_trip_edge: a frequency trip's last stop", "missing_trip_edge",
           "stop_times.txt", 13, NULL,
           EDIT("stop_times.txt", "F1,07:50:00,07:50:00,lpq,2", "F1,,,lpq,2")),
    /* invalid_character: GTFS is UTF-8 (found by fuzz_gtfs: the API could not encode it) */
    BROKEN("test_invalid_character: a Latin-1 byte in a name", "invalid_character", "stops.txt",
           6, "stop_name", EDIT("stops.txt", "bot,BOT,Boten,", "bot,BOT,Bote\xe9,")),
    /* invalid_row_length */
    BROKEN("test_invalid_row_length: a field too many", "invalid_row_length", "stops.txt", 6,
           NULL,
           EDIT("stops.txt", "bot,BOT,Boten,21.145,101.650,0,,\n",
                "bot,BOT,Boten,21.145,101.650,0,,,extra\n")),
    BROKEN("test_invalid_row_length: fields too few", "invalid_row_length", "trips.txt", 3, NULL,
           EDIT("trips.txt", "r1,daily,T2,Vientiane,D88,1", "r1,daily,T2")),
    /* csv_parsing_failed: the quote is never closed, the rest of the file is one field */
    BROKEN("test_csv_parsing_failed: unclosed quote", "csv_parsing_failed", "routes.txt", 2,
           NULL, EDIT("routes.txt", "r1,lcr,D,Vientiane", "r1,lcr,D,\"Vientiane")),
    BROKEN("test_csv_parsing_failed: a quote inside an unquoted field", "csv_parsing_failed",
           "stops.txt", 6, NULL, EDIT("stops.txt", "bot,BOT,Boten", "bot,BOT,Bo\"ten")),
    /* invalid_color */
    BROKEN("test_invalid_color: route_color", "invalid_color", "routes.txt", 2, "route_color",
           EDIT("routes.txt", "1E90FF", "GGHHII")),
    BROKEN("test_invalid_color: route_text_color", "invalid_color", "routes.txt", 2,
           "route_text_color", EDIT("routes.txt", "ffffff", "#fff")),
    /* start_and_end_range_out_of_order */
    BROKEN("test_start_and_end_out_of_order: calendar", "start_and_end_range_out_of_order",
           "calendar.txt", 2, "end_date",
           EDIT("calendar.txt", "20260101,20261231", "20261231,20260101")),
    BROKEN("test_start_and_end_out_of_order: frequencies", "start_and_end_range_out_of_order",
           "frequencies.txt", 2, "end_time",
           EDIT("frequencies.txt", "06:00:00,09:00:00", "09:00:00,06:00:00")),
    BROKEN("test_start_and_end_out_of_order: feed_info", "start_and_end_range_out_of_order",
           "feed_info.txt", 2, "feed_end_date",
           EDIT("feed_info.txt", "20260101,20261231", "20261231,20260101")),
    BROKEN("test_inconsistent_agency_timezone", "inconsistent_agency_timezone", "agency.txt", 3,
           "agency_timezone",
           SET("agency.txt",
               "agency_id,agency_name,agency_url,agency_timezone\n"
               "lcr,Lao-China Railway,https://lcr.example.la,Asia/Vientiane\n"
               "crkg,China Railway Kunming,https://12306.example.cn,Asia/Shanghai\n")),
    /* empty_file */
    BROKEN("test_empty_file: no bytes", "empty_file", "stops.txt", ANY_LINE, NULL,
           SET("stops.txt", "")),
    /* only a BOM and blank lines is empty too */
    BROKEN("test_empty_file: a BOM and blank lines", "empty_file", "routes.txt", ANY_LINE, NULL,
           SET("routes.txt", "\xEF\xBB\xBF\r\n\r\n")),
    BROKEN("test_duplicated_column", "duplicated_column", "agency.txt", 1, "agency_name",
           SET("agency.txt",
               "agency_id,agency_name,agency_url,agency_timezone,agency_name\n"
               "lcr,Lao-China Railway,https://lcr.example.la,Asia/Vientiane,LCR\n")),
    /* other errors */
    BROKEN("test_other_errors: invalid_integer", "invalid_integer", "stop_times.txt", 3,
           "stop_sequence",
           EDIT("stop_times.txt", "T1,09:50:00,09:55:00,lpq,2", "T1,09:50:00,09:55:00,lpq,two")),
    BROKEN("test_other_errors: number_out_of_range", "number_out_of_range", "stops.txt", 6,
           "stop_lat", EDIT("stops.txt", "21.145,101.650", "91.5,101.650")),
    BROKEN("test_other_errors: a platform its own parent", "foreign_key_violation", "stops.txt",
           3, "parent_station",
           EDIT("stops.txt", "vte_1,,Vientiane platform 1,18.055,102.689,0,vte,",
                "vte_1,,Vientiane platform 1,18.055,102.689,0,vte_1,")),
    /* trains stop at stops, not at stations */
    BROKEN("test_other_errors: wrong_stop_location_type", "wrong_stop_location_type",
           "stop_times.txt", 9, "stop_id",
           EDIT("stop_times.txt", "T2,16:40:00,16:40:00,vte_2", "T2,16:40:00,16:40:00,vte")),
    BROKEN("test_other_errors: more_than_one_entity", "more_than_one_entity", "feed_info.txt", 3,
           NULL, EDIT("feed_info.txt", "t1\n", "t1\nSecond,https://example.org,en,,,t2\n")),
    /* with a BOM and CRLF line ends, notices still count CRLF as one line */
    {.name = "test_quirk_crlf: with a BOM, the line of a notice",
     .edits = {EDIT("stop_times.txt", "T1,09:50:00,09:55:00", "T1,ab:cd:ef,09:55:00")},
     .bom_crlf = 1, .code = "invalid_time", .file = "stop_times.txt", .line = 3,
     .field = "arrival_time"},
    /* a change or border time is seconds within a day */
    BROKEN("test_extensions: a negative border time", "number_out_of_range", "lx_stations.txt", 3,
           "border_time",
           SET("lx_stations.txt", "stop_id,country,km,min_change_time,border_time\n"
                                  "vte_1,LA,0,,\nkmn,CN,1035.5,900,-60\n")),
    BROKEN("test_extensions: a change time in minutes", "invalid_integer", "lx_stations.txt", 2,
           "min_change_time",
           SET("lx_stations.txt", "stop_id,country,km,min_change_time,border_time\n"
                                  "vte_1,LA,0,10 min,\n")),
    /* kip have no minor unit: a price with decimals is refused */
    BROKEN("test_extensions: a kip price with decimals", "invalid_currency_amount",
           "lx_fares.txt", 2, "price",
           SET("lx_fares.txt", "agency_id,from_stop_id,to_stop_id,class,currency,price\n"
                               "lcr,vte_1,kmn,second,LAK,1200000.5\n")),
    /* a price past any real fare is a typo, and must not overflow the minor units
     * (found by fuzz_gtfs: 99999999999999999 CNY overflowed int64 fen) */
    BROKEN("test_extensions: an absurd price", "invalid_currency_amount", "lx_fares.txt", 2,
           "price",
           SET("lx_fares.txt", "agency_id,from_stop_id,to_stop_id,class,currency,price\n"
                               "lcr,vte_1,kmn,second,CNY,99999999999999999\n")),
    /* seat quotas: a kind nobody knows, and a quota on a trip without seats */
    BROKEN("test_extensions: a quota of an unknown kind", "unexpected_enum_value",
           "lx_seat_quotas.txt", 2, "kind",
           SET("lx_seat_quotas.txt", "trip_id,kind,coaches,share_pct,min_km,release_minutes\n"
                                     "T1,premium,1,,,\n")),
    BROKEN("test_extensions: a quota on a trip without a seat layout", "foreign_key_violation",
           "lx_seat_quotas.txt", 2, "trip_id",
           SET("lx_seat_quotas.txt", "trip_id,kind,coaches,share_pct,min_km,release_minutes\n"
                                     "T1,cross_border,1,,,\n")),
};

static void test_broken(void **state)
{
    world *w = *state;
    const broken_case *c = w->param;
    for (size_t i = 0; i < FX_COUNT(c->edits) && c->edits[i].file; i++)
        apply(&w->fd, &c->edits[i]);
    if (c->bom_crlf)
        feed_transform(&w->fd, 1, 1);
    expect_broken(w, c->code);
    const lx_notice *n = expect_notice(w->r, c->code, LX_SEV_ERROR, c->file,
                                       c->or_line ? ANY_LINE : c->line, c->field);
    if (c->or_line)
        assert_true(n->line == c->line || n->line == c->or_line);
}

/* ---- warnings and infos: the feed still loads ---- */

static void test_fixable_timezone_is_a_warning(void **state)
{
    world *w = *state;
    feed_edit(&w->fd, "agency.txt", "Asia/Vientiane", "America/New York");
    lx_tt *tt = world_load(w);
    expect_notice(w->r, "invalid_timezone", LX_SEV_WARNING, "agency.txt", 2, NULL);
    assert_string_equal(lx_tz_name(lx_tt_default_tz(tt)), "America/New_York");
}

/* two agencies in one zone are fine */
static void test_inconsistent_agency_timezone_not_for_one_zone(void **state)
{
    world *w = *state;
    feed_set(&w->fd, "agency.txt",
             "agency_id,agency_name,agency_url,agency_timezone\n"
             "lcr,Lao-China Railway,https://lcr.example.la,Asia/Vientiane\n"
             "lcr2,Lao Freight,https://freight.example.la,Asia/Vientiane\n");
    world_load(w);
    assert_int_equal(lx_report_code_count(w->r, "inconsistent_agency_timezone"), 0);
}

static void test_service_never_active(void **state)
{
    world *w = *state;
    /* "ghost" has its only day removed */
    feed_edit(&w->fd, "calendar_dates.txt", "extra,20260601,1\n", "extra,20260601,1\nghost,20260601,2\n");
    feed_edit(&w->fd, "trips.txt", "r1,daily,F1,", "r1,ghost,F1,");
    lx_tt *tt = world_load(w);
    const lx_notice *n =
        expect_notice(w->r, "service_never_active", LX_SEV_WARNING, NULL, ANY_LINE, NULL);
    assert_non_null(strstr(n->message, "ghost"));
    /* and the trip never runs */
    lx_leg legs[4];
    assert_int_equal(lx_tt_trip_runs(tt, trip(tt, "F1"), ymd(2026, 6, 1), legs, 4), 0);
}

/* a calendar.txt row with no weekday never runs either */
static void test_service_never_active_no_weekday(void **state)
{
    world *w = *state;
    feed_edit(&w->fd, "calendar.txt", "daily,1,1,1,1,1,1,1", "daily,0,0,0,0,0,0,0");
    world_load(w);
    assert_true(lx_report_code_count(w->r, "service_never_active") > 0);
}

static void test_unusable_trip(void **state)
{
    world *w = *state;
    feed_edit(&w->fd, "stop_times.txt", "T3,27:00:00,27:00:00,lpq,2\n", "");
    lx_tt *tt = world_load(w);
    const lx_notice *n = expect_notice(w->r, "unusable_trip", LX_SEV_WARNING, NULL, ANY_LINE, NULL);
    assert_non_null(strstr(n->message, "T3"));
    /* it is never offered */
    uint32_t from = station(tt, "vte_2");
    lx_leg legs[4];
    assert_int_equal(lx_tt_departures(tt, &from, 1, ymd(2026, 6, 2), legs, 4), 0);
}

static void test_unknown_column_and_file(void **state)
{
    world *w = *state;
    feed_set(&w->fd, "agency.txt",
             "agency_id,agency_name,agency_url,agency_timezone,agency_mascot\n"
             "lcr,Lao-China Railway,https://lcr.example.la,Asia/Vientiane,elephant\n");
    feed_set(&w->fd, "notes.txt", "whatever\n");
    feed_set(&w->fd, "shapes.txt", "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n");
    world_load(w);
    expect_no_warnings(w->r);
    expect_notice(w->r, "unknown_column", LX_SEV_INFO, "agency.txt", 1, "agency_mascot");
    expect_notice(w->r, "unknown_file", LX_SEV_INFO, "notes.txt", ANY_LINE, NULL);
    expect_notice(w->r, "ignored_file", LX_SEV_INFO, "shapes.txt", ANY_LINE, NULL);
}

/* ---- lanxang's extension files ---- */

static void add_extensions(feed *fd)
{
    feed_set(fd, "lx_stations.txt",
             "stop_id,country,km,min_change_time,border_time\nvte_1,LA,0,,\n"
             "kmn,CN,1035.5,900,5400\n");
    feed_set(fd, "lx_seat_layouts.txt",
             "layout_id,coach,class,seats,letters,window_letters\n"
             "emu,1,first,40,ACDF,AF\n"
             "emu,2,second,90,ABCDF,AF\n");
    feed_set(fd, "lx_train_layouts.txt", "trip_id,layout_id\nT1,emu\n");
    feed_set(fd, "lx_fares.txt",
             "agency_id,from_stop_id,to_stop_id,class,currency,price\n"
             "lcr,vte_1,kmn,second,CNY,470.5\n"
             "lcr,vte_1,kmn,second,LAK,1200000\n");
    /* hold_minutes_near, near_minutes and max_passengers left out */
    feed_set(fd, "lx_sales_rules.txt",
             "agency_id,scope,open_days,close_minutes,hold_minutes\n"
             "lcr,domestic,15,30,25\n");
}

/* (a kip price with decimals: see the table of broken feeds) */
static void test_extensions(void **state)
{
    world *w = *state;
    add_extensions(&w->fd);
    lx_tt *tt = world_load(w);
    const lx_station *st = lx_tt_stations(tt, NULL);
    assert_string_equal(st[station(tt, "kmn")].country, "CN");
    assert_true(st[station(tt, "kmn")].km == 1035.5);
    assert_int_equal(st[station(tt, "kmn")].change_time, 900);
    assert_int_equal(st[station(tt, "kmn")].border_time, 5400);
    assert_int_equal(st[station(tt, "vte_1")].change_time, -1); /* empty: unknown */
    assert_int_equal(st[station(tt, "vte_1")].border_time, -1);
    assert_int_equal(st[station(tt, "lpq")].change_time, -1); /* no row */
    /* written back and read again, with nothing lost */
    char *dir = fx_tmpdir("gtfs-ext");
    char sub[4200];
    FX_JOIN(sub, dir, "feed");
    lx_tt *back = fx_write_and_reload(tt, sub);
    const lx_station *bs = lx_tt_stations(back, NULL);
    assert_int_equal(bs[station(back, "kmn")].change_time, 900);
    assert_int_equal(bs[station(back, "kmn")].border_time, 5400);
    assert_int_equal(bs[station(back, "vte_1")].change_time, -1);
    assert_true(bs[station(back, "kmn")].km == 1035.5);
    lx_tt_destroy(back);
    fx_rm_tree(dir);
    free(dir);
    uint32_t n;
    const lx_layout *lay = lx_tt_layouts(tt, &n);
    assert_int_equal(n, 1);
    assert_int_equal(lay[0].seats, 130);
    assert_int_equal(lay[0].coach_count, 2);
    const lx_trip *tr = lx_tt_trips(tt, NULL);
    assert_int_equal(tr[trip(tt, "T1")].layout, 0);
    assert_int_equal(tr[trip(tt, "T2")].layout, LX_NONE);
    const lx_fare *f = lx_tt_fare(tt, 0, station(tt, "kmn"), station(tt, "vte_1"), "second", "CNY");
    assert_non_null(f);
    assert_int_equal(f->amount, 47050);
    f = lx_tt_fare(tt, 0, station(tt, "vte_1"), station(tt, "kmn"), "second", "LAK");
    assert_non_null(f);
    assert_int_equal(f->amount, 1200000);
    const lx_sales_rule *sr = lx_tt_sales_rules(tt, &n);
    assert_int_equal(n, 1);
    assert_int_equal(sr[0].hold_minutes, 25);
    /* left out: hold_minutes_near defaults to hold_minutes */
    assert_int_equal(sr[0].hold_minutes_near, 25);
    assert_int_equal(sr[0].near_minutes, 0);
    assert_int_equal(sr[0].max_passengers, 5);
    lx_tt_quotas(tt, &n);
    assert_int_equal(n, 0);
}

static const char QUOTA_HEAD[] = "trip_id,kind,coaches,share_pct,min_km,release_minutes\n";

static void test_extensions_quotas(void **state)
{
    world *w = *state;
    add_extensions(&w->fd);
    char text[256];
    snprintf(text, sizeof text, "%s%s", QUOTA_HEAD,
             "T1,long_distance,,20,400,1440\nT1,cross_border,2,,,\n");
    feed_set(&w->fd, "lx_seat_quotas.txt", text);
    lx_tt *tt = world_load(w);
    uint32_t n;
    const lx_quota *q = lx_tt_quotas(tt, &n);
    assert_int_equal(n, 2);
    /* sorted by trip, then kind */
    assert_int_equal(q[0].kind, LX_QUOTA_CROSS_BORDER);
    assert_string_equal(q[0].coaches, "2");
    assert_int_equal(q[0].trip, trip(tt, "T1"));
    assert_int_equal(q[1].kind, LX_QUOTA_LONG_DISTANCE);
    assert_int_equal(q[1].share_pct, 20);
    assert_int_equal(q[1].min_km, 400);
    assert_int_equal(q[1].release_minutes, 1440);
}

/* Quota rows that need the layout to be judged: each must be refused with its code. */
static void test_extensions_broken_quotas(void **state)
{
    world *w = *state;
    static const struct {
        const char *rows, *code, *field;
    } cases[] = {
        {"T1,cross_border,7,,,\n", "foreign_key_violation", "coaches"},   /* no coach 7 */
        {"T1,cross_border,one,,,\n", "invalid_value", "coaches"},
        {"T1,cross_border,,,,\n", "invalid_value", "coaches"},             /* no coach */
        {"T1,long_distance,,,400,60\n", "missing_required_field", "share_pct"},
        {"T1,long_distance,,101,400,60\n", "number_out_of_range", "share_pct"},
        {"T1,cross_border,1,,,\nT1,cross_border,2,,,\n", "duplicate_key", "kind"},
    };
    for (size_t i = 0; i < FX_COUNT(cases); i++) {
        feed_free(&w->fd);
        feed_init(&w->fd);
        lx_report_destroy(w->r);
        w->r = NULL;
        add_extensions(&w->fd);
        char text[256];
        snprintf(text, sizeof text, "%s%s", QUOTA_HEAD, cases[i].rows);
        feed_set(&w->fd, "lx_seat_quotas.txt", text);
        expect_broken(w, cases[i].code);
        const lx_notice *nt = fx_find_notice(w->r, cases[i].code);
        assert_string_equal(nt->file, "lx_seat_quotas.txt");
        if (cases[i].field)
            assert_string_equal(nt->field, cases[i].field);
    }
}

/* ---- the report ---- */

static void test_report_keeps_bounded_notices(void **state)
{
    (void)state;
    lx_report *r;
    assert_int_equal(lx_report_create(&r), LX_OK);
    for (uint32_t i = 0; i < 250; i++)
        lx_report_add(r, LX_SEV_ERROR, "invalid_time", "stop_times.txt", i + 2, "arrival_time",
                      "row %u", i);
    lx_report_add(r, LX_SEV_WARNING, "unusable_trip", "trips.txt", 0, "", "one");
    assert_int_equal(lx_report_code_count(r, "invalid_time"), 250);
    assert_int_equal(lx_report_code_count(r, "unusable_trip"), 1);
    assert_int_equal(lx_report_code_count(r, "nothing"), 0);
    assert_int_equal(lx_report_count(r, LX_SEV_ERROR), 250);
    assert_int_equal(lx_report_count(r, LX_SEV_WARNING), 1);
    uint32_t n;
    const lx_notice *ns = lx_report_notices(r, &n);
    assert_int_equal(n, LX_REPORT_KEEP + 1);
    assert_int_equal(ns[0].line, 2);
    assert_string_equal(ns[0].message, "row 0");
    assert_string_equal(ns[n - 1].code, "unusable_trip");
    lx_report_destroy(r);
    lx_report_destroy(NULL);
    assert_string_equal(lx_severity_name(LX_SEV_ERROR), "error");
    assert_string_equal(lx_severity_name(LX_SEV_WARNING), "warning");
    assert_string_equal(lx_severity_name(LX_SEV_INFO), "info");
}

static void test_report_print(void **state)
{
    world *w = *state;
    feed_edit(&w->fd, "stop_times.txt", "T1,09:50:00,09:55:00", "T1,ab:cd:ef,09:55:00");
    expect_broken(w, "invalid_time");
    assert_int_equal(lx_report_count(w->r, LX_SEV_ERROR), 1);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    lx_report_print(w->r, f, 0);
    fclose(f);
    assert_true(strncmp(text, "error", 5) == 0);
    assert_non_null(strstr(text, "stop_times.txt:3 [invalid_time] arrival_time: "));
    assert_non_null(strstr(text, "ab:cd:ef"));
    assert_non_null(strstr(text, "\n1 error, 0 warnings\n"));
    free(text);
}

typedef struct {
    int calls, stop_times_done;
} progress_seen;

static void on_progress(void *ud, const char *file, size_t done, size_t total)
{
    progress_seen *p = ud;
    p->calls++;
    assert_true(done <= total);
    if (strcmp(file, "stop_times.txt") == 0 && done == total)
        p->stop_times_done = 1;
}

static void test_progress_and_paths(void **state)
{
    world *w = *state;
    progress_seen seen = {0, 0};
    lx_gtfs_opts opts = {.feed_name = "p", .progress = on_progress, .progress_ud = &seen};
    lx_report *r;
    assert_int_equal(lx_report_create(&r), LX_OK);
    lx_tt *tt;
    assert_int_equal(lx_gtfs_load_files(w->fd.f, w->fd.n, &opts, r, &tt), LX_OK);
    assert_true(seen.calls > 0);
    assert_true(seen.stop_times_done);
    assert_string_equal(lx_tt_feed_name(tt), "p");
    lx_tt_destroy(tt);
    lx_report_destroy(r);

    /* no options: the default name */
    assert_int_equal(lx_report_create(&r), LX_OK);
    assert_int_equal(lx_gtfs_load_files(w->fd.f, w->fd.n, NULL, r, &tt), LX_OK);
    assert_string_equal(lx_tt_feed_name(tt), "feed");
    lx_tt_destroy(tt);
    lx_report_destroy(r);

    /* a path that does not exist */
    assert_int_equal(lx_report_create(&r), LX_OK);
    tt = (lx_tt *)&seen;
    assert_int_equal(lx_gtfs_load_path("/nonexistent/lanxang/feed", NULL, r, &tt), LX_NOTFOUND);
    assert_null(tt);
    assert_true(lx_report_code_count(r, "unreadable_feed") > 0);
    fx_check_notices(r);
    lx_report_destroy(r);
}

/* ---- mutations: whatever the bytes, the loader answers ---- */

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 2685821657736338717ULL;
}

static void mutate_once(feed *fd, uint64_t seed)
{
    static const char interesting[] = ",\"\n\r:0123456789 -_.\xEF\xBB\xBF\xC3\xFF\t";
    uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
    size_t fi = (size_t)(rng_next(&s) % fd->n);
    const char *text = fd->f[fi].data;
    size_t len = fd->f[fi].len, cap = len + 64;
    char *b = malloc(cap + 1);
    assert_non_null(b);
    memcpy(b, text, len);
    int edits = 1 + (int)(rng_next(&s) % 8);
    for (int k = 0; k < edits; k++) {
        uint64_t op = rng_next(&s) % 3;
        size_t at = len ? (size_t)(rng_next(&s) % len) : 0;
        char ch = rng_next(&s) % 4 ? interesting[rng_next(&s) % (sizeof interesting - 1)]
                                   : (char)(rng_next(&s) & 0xFF);
        if (op == 0 && len > 0) { /* delete */
            memmove(b + at, b + at + 1, len - at - 1);
            len--;
        } else if (op == 1 && len > 0) { /* flip */
            b[at] = ch;
        } else if (len < cap) { /* insert */
            memmove(b + at + 1, b + at, len - at);
            b[at] = ch;
            len++;
        }
    }
    /* sometimes cut the file short */
    if (rng_next(&s) % 10 == 0 && len)
        len = (size_t)(rng_next(&s) % len);
    b[len] = 0;
    feed_put_owned(fd, fd->f[fi].name, b, len);
}

static void test_mutated_feeds(void **state)
{
    (void)state;
    uint32_t loaded = 0, refused = 0;
    for (uint64_t seed = 1; seed <= 3000; seed++) {
        feed fd;
        feed_init(&fd);
        if (seed % 2 == 0)
            add_extensions(&fd);
        mutate_once(&fd, seed);
        if (seed % 3 == 0)
            mutate_once(&fd, seed * 7919);
        lx_report *r;
        lx_tt *tt;
        lx_gtfs_opts opts = {.feed_name = "test"};
        lx_err e = fx_try_load(fd.f, fd.n, &opts, &r, &tt);
        if (e != LX_OK && e != LX_FEED)
            fail_msg("seed %llu: %s", (unsigned long long)seed, lx_strerror(e));
        if (lx_report_count(r, LX_SEV_ERROR) > 0) {
            assert_int_equal(e, LX_FEED);
            assert_null(tt);
            refused++;
        } else {
            assert_int_equal(e, LX_OK);
            assert_non_null(tt);
            char msg[256];
            if (lx_tt_check(tt, msg, sizeof msg) != LX_OK)
                fail_msg("seed %llu: lx_tt_check: %s", (unsigned long long)seed, msg);
            /* and queries over it are safe */
            uint32_t ns;
            lx_tt_stations(tt, &ns);
            lx_leg legs[16];
            for (uint32_t a = 0; a < ns; a++) {
                lx_tt_departures(tt, &a, 1, ymd(2026, 6, 2), legs, 16);
                for (uint32_t b = 0; b < ns; b++)
                    lx_tt_legs_between(tt, &a, 1, &b, 1, ymd(2026, 3, 2), legs, 16);
            }
            lx_tt_destroy(tt);
            loaded++;
        }
        lx_report_destroy(r);
        feed_free(&fd);
    }
    /* the mutations are neither all harmless nor all fatal */
    assert_true(loaded > 0);
    assert_true(refused > 0);
}

/* ---- the built-in feed ---- */

static void test_builtin_feed(void **state)
{
    (void)state;
    lx_tt *tt;
    assert_int_equal(lx_builtin_load(&tt), LX_OK);
    assert_string_equal(lx_tt_feed_name(tt), "china-laos");
    uint32_t ns, nt;
    lx_tt_stations(tt, &ns);
    assert_true(ns >= 20);
    uint32_t vte = station(tt, "vientiane");
    assert_string_equal(lx_tt_station_name(tt, vte, "zh"), "万象");
    const char *lo = lx_tt_station_name(tt, vte, "lo");
    assert_true(strlen(lo) > 0);
    assert_string_not_equal(lo, "Vientiane");
    assert_string_equal(lx_tt_station_name(tt, vte, "en"), "Vientiane");
    /* every station has a name in Lao and in Chinese */
    const lx_station *st = lx_tt_stations(tt, NULL);
    for (uint32_t s = 0; s < ns; s++) {
        assert_ptr_not_equal(lx_tt_station_name(tt, s, "lo"), st[s].name);
        assert_ptr_not_equal(lx_tt_station_name(tt, s, "zh"), st[s].name);
    }
    uint32_t found[8];
    assert_true(lx_tt_trips_by_number(tt, "D87", found, 8) >= 1);
    assert_true(lx_tt_trips_by_number(tt, "D88", found, 8) >= 1);
    const lx_trip *tr = lx_tt_trips(tt, &nt);
    uint32_t nl;
    lx_tt_layouts(tt, &nl);
    for (uint32_t t = 0; t < nt; t++) {
        if (tr[t].layout == LX_NONE)
            fail_msg("trip %s has no seat layout", tr[t].id);
        assert_true(tr[t].layout < nl);
    }
    char msg[256];
    if (lx_tt_check(tt, msg, sizeof msg) != LX_OK)
        fail_msg("lx_tt_check: %s", msg);
    /* D87 goes from Kunming South to Vientiane */
    lx_tt_trips_by_number(tt, "D87", found, 8);
    const lx_trip *d87 = &tr[found[0]];
    const uint32_t *stop = lx_tt_st_stop(tt);
    assert_string_equal(st[stop[d87->st_first]].id, "kunming_south");
    assert_string_equal(st[stop[d87->st_first + d87->st_count - 1]].id, "vientiane");
    lx_tt_destroy(tt);
}

/* Writes tt into a fresh folder and loads it back: no error, the same summary
 * (fx_write_and_reload), and the same stop times in the same order. */
static void round_trip(const lx_tt *tt)
{
    char *dir = fx_tmpdir("gtfs");
    char sub[4200];
    FX_JOIN(sub, dir, "export/feed"); /* created by the writer */
    lx_tt *back = fx_write_and_reload(tt, sub);
    uint32_t n = lx_tt_stop_time_count(tt);
    assert_memory_equal(lx_tt_st_arrival(tt), lx_tt_st_arrival(back), n * sizeof(lx_time_t));
    assert_memory_equal(lx_tt_st_departure(tt), lx_tt_st_departure(back), n * sizeof(lx_time_t));
    lx_tt_destroy(back);
    fx_rm_tree(dir);
    free(dir);
}

static void test_builtin_round_trip(void **state)
{
    (void)state;
    lx_tt *tt;
    assert_int_equal(lx_builtin_load(&tt), LX_OK);
    round_trip(tt);
    lx_tt_destroy(tt);
}

static void test_test_feed_round_trip(void **state)
{
    /* the small feed has what the built-in one lacks: frequencies, transfers, parent
     * stations, stop zones, times past 24:00, a calendar_dates-only service */
    world *w = *state;
    round_trip(w->tt);
}

#define WORLD(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)
#define LOADED(f) cmocka_unit_test_setup_teardown(f, loaded_setup, world_teardown)

static const struct CMUnitTest HEAD[] = {
    LOADED(test_valid_feed_loads),
    LOADED(test_service_days),
    LOADED(test_transfers_and_frequencies_loaded),
    WORLD(test_quirk_bom_everywhere),
    WORLD(test_quirk_crlf),
    WORLD(test_quirk_padded_and_quoted_fields),
    WORLD(test_quirk_calendar_dates_only),
    WORLD(test_quirk_header_only_files),
    WORLD(test_quirk_untimed_stop_interpolated),
    LOADED(test_time_past_midnight),
    LOADED(test_parent_station_query),
    LOADED(test_frequency_runs),
    LOADED(test_stop_timezone),
};

/* (the rows of BROKEN_CASES come between) */
static const struct CMUnitTest TAIL[] = {
    WORLD(test_fixable_timezone_is_a_warning),
    WORLD(test_inconsistent_agency_timezone_not_for_one_zone),
    WORLD(test_service_never_active),
    WORLD(test_service_never_active_no_weekday),
    WORLD(test_unusable_trip),
    WORLD(test_unknown_column_and_file),
    WORLD(test_extensions),
    WORLD(test_extensions_quotas),
    WORLD(test_extensions_broken_quotas),
    cmocka_unit_test(test_report_keeps_bounded_notices),
    WORLD(test_report_print),
    WORLD(test_progress_and_paths),
    cmocka_unit_test(test_mutated_feeds),
    cmocka_unit_test(test_builtin_feed),
    cmocka_unit_test(test_builtin_round_trip),
    LOADED(test_test_feed_round_trip),
};

int main(void)
{
    struct CMUnitTest tests[FX_COUNT(HEAD) + FX_COUNT(BROKEN_CASES) + FX_COUNT(TAIL)];
    size_t k = 0;
    for (size_t i = 0; i < FX_COUNT(HEAD); i++)
        tests[k++] = HEAD[i];
    for (size_t i = 0; i < FX_COUNT(BROKEN_CASES); i++)
        tests[k++] = (struct CMUnitTest){BROKEN_CASES[i].name, test_broken, world_setup,
                                         world_teardown, (void *)&BROKEN_CASES[i]};
    for (size_t i = 0; i < FX_COUNT(TAIL); i++)
        tests[k++] = TAIL[i];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
