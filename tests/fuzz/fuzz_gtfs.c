/* libFuzzer target: the whole GTFS loader (lx_gtfs_load_files), then the timetable it
 * builds, the queries over it and the JSON API on top of it.
 *
 * Input format. A small valid feed is built in below (`base`, every file the loader
 * reads, lanxang's extensions included). The input replaces some of its files:
 *   byte 0     picks the first file to replace: base[byte0 % N_FILES]. The printable
 *              '@', 'A', 'B' ... 'O' pick agency, stops, routes ... lx_sales_rules, and
 *              so do their lower-case forms '`', 'a' ... 'o', which (bit 0x20) also
 *              make an empty part delete its file from the feed instead of leaving it
 *              empty
 *   the rest   is split at each line "\n===\n"; part k replaces file byte0 + k (modulo
 *              N_FILES), so one input may rewrite several files
 * The seeds in tests/fuzz/corpus/fuzz_gtfs/ are each a selector letter and a file.
 *
 * What must hold.
 *  - The loader answers LX_OK with a timetable and no error in the report, or LX_FEED
 *    with at least one error and no timetable; nothing else (memory does not run out).
 *    Every notice is complete, and the report prints.
 *  - On LX_OK: lx_tt_check passes; ids find their rows again; every train number
 *    finds its trip; fares are found by their own key; the legs of lx_tt_legs_between,
 *    lx_tt_departures and lx_tt_trip_runs are sorted, lie on their trip, leave on the
 *    day asked (in the departure station's zone) on a day their service runs, and do
 *    not arrive before they leave; a larger buffer gives the same count.
 *  - The timetable written out with lx_gtfs_write (into lx_fuzz_gtfs.<pid> under
 *    /dev/shm, else TMPDIR or /tmp) loads again without an error, and holds the same
 *    data: every table, row and field, the stop times and the days each service runs.
 *  - Then the timetable becomes a one-feed network and the JSON API answers a few
 *    requests about it (stations, a station and its departures, trains between two
 *    stations, a train's timetable, feeds): LX_OK, a status 200..599 and a body that
 *    parses as JSON.
 *  - Everything is freed: LeakSanitizer reports the rest.
 * A broken promise calls abort(), which libFuzzer reports with the input. */
#define _POSIX_C_SOURCE 200809L /* kill */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lanxang/gtfs.h"
#include "lanxang/net.h"
#include "lanxang/timetable.h"
#include "server/server_int.h"

#define FUZZ_NAME "fuzz_gtfs"
#include "fuzz_check.h"

/* ---- the base feed: small, valid, and touching every feature the loader knows ---- */

/* clang-format off */
static const struct {
    const char *name, *text;
} base[] = {
    {"agency.txt",
     "agency_id,agency_name,agency_url,agency_timezone,agency_lang,agency_phone\n"
     "lcr,Laos-China Railway,https://lcr.example,Asia/Vientiane,lo,+856 21 000\n"
     "crkg,China Railway Kunming,https://cr.example,Asia/Vientiane,zh,\n"},
    {"stops.txt",
     "stop_id,stop_code,stop_name,stop_lat,stop_lon,location_type,parent_station,"
     "stop_timezone,platform_code\n"
     "vte,VTE,Vientiane,17.9757,102.6331,1,,,\n"
     "vte_1,,Vientiane platform 1,17.9757,102.6331,0,vte,,1\n"
     "vv,VV,Vang Vieng,18.9235,102.4478,0,,,\n"
     "lpq,LPQ,\"Luang Prabang\",19.8856,102.1347,0,,Asia/Bangkok,\n"
     "bt,BT,Boten,21.1790,101.6700,0,,,\n"
     "mh,MH,Mohan,21.2000,101.6800,0,,Asia/Shanghai,\n"},
    {"routes.txt",
     "route_id,agency_id,route_short_name,route_long_name,route_type,route_color\n"
     "emu,lcr,C,Vientiane–Boten EMU,2,1E90FF\n"
     "xb,crkg,D87,Vientiane–Mohan,2,\n"},
    {"trips.txt",
     "route_id,service_id,trip_id,trip_headsign,trip_short_name,direction_id\n"
     "emu,daily,C81,Boten,C81,0\n"
     "emu,daily,C82,Vientiane,C82,1\n"
     "xb,wkend,D87,Mohan,D87,0\n"
     "emu,extra,F1,Vang Vieng,,0\n"},
    {"stop_times.txt",
     "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type,"
     "stop_headsign\n"
     "C81,08:00:00,08:00:00,vte_1,1,0,1,\n"
     "C81,,,vv,2,0,0,\n"
     "C81,10:00:00,10:05:00,lpq,3,0,0,\n"
     "C81,12:30:00,12:30:00,bt,4,1,0,\n"
     "C82,16:20:00,16:25:00,lpq,2,0,0,\n"
     "C82,14:00:00,14:00:00,bt,1,0,1,\n"
     "C82,18:20:00,18:20:00,vte_1,3,1,0,\n"
     "D87,23:10:00,23:10:00,vte_1,1,0,1,\n"
     "D87,26:40:00,26:45:00,bt,2,0,0,\n"
     "D87,27:30:00,27:30:00,mh,3,1,0,Mohan\n"
     "F1,06:00:00,06:00:00,vte_1,1,0,1,\n"
     "F1,07:00:00,07:00:00,vv,2,1,0,\n"},
    {"calendar.txt",
     "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
     "daily,1,1,1,1,1,1,1,20260101,20271231\n"
     "wkend,0,0,0,0,0,1,1,20260101,20271231\n"},
    {"calendar_dates.txt",
     "service_id,date,exception_type\n"
     "daily,20261225,2\n"
     "wkend,20261221,1\n"
     "extra,20261220,1\n"
     "extra,20261227,1\n"},
    {"frequencies.txt",
     "trip_id,start_time,end_time,headway_secs,exact_times\n"
     "F1,06:00:00,09:00:00,3600,1\n"},
    {"transfers.txt",
     "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n"
     "lpq,lpq,2,600\n"
     "bt,bt,0,\n"},
    {"translations.txt",
     "table_name,field_name,language,translation,record_id,record_sub_id,field_value\n"
     "stops,stop_name,lo,ວຽງຈັນ,vte,,\n"
     "stops,stop_name,zh,万象,vte,,\n"
     "stops,stop_name,zh-CN,琅勃拉邦,lpq,,\n"
     "stops,stop_name,en,Boten,,,Boten\n"},
    {"feed_info.txt",
     "feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,"
     "feed_version,feed_timezone\n"
     "lanxang fuzz,https://example.org,mul,20260101,20271231,1,Asia/Vientiane\n"},
    {"lx_stations.txt",
     "stop_id,country,km\n"
     "vte,LA,0\n"
     "vv,LA,128.5\n"
     "lpq,LA,\n"
     "bt,LA,422\n"
     "mh,CN,\n"},
    {"lx_seat_layouts.txt",
     "layout_id,coach,class,seats,letters,window_letters\n"
     "emu8,1,business,10,ACF,AF\n"
     "emu8,2,first,28,ACDF,AF\n"
     "emu8,3,second,90,ABCDF,AF\n"},
    {"lx_train_layouts.txt",
     "trip_id,layout_id\n"
     "C81,emu8\n"
     "C82,emu8\n"},
    {"lx_fares.txt",
     "agency_id,from_stop_id,to_stop_id,class,currency,price\n"
     "lcr,vte,bt,second,LAK,350000\n"
     "lcr,vte,lpq,first,LAK,400000\n"
     "crkg,vte,mh,second,CNY,120.50\n"},
    {"lx_sales_rules.txt",
     "agency_id,scope,open_days,close_minutes,hold_minutes,hold_minutes_near,near_minutes,"
     "max_passengers\n"
     "lcr,domestic,3,30,30,10,120,3\n"
     "crkg,cross_border,15,30,30,,,5\n"},
};
/* clang-format on */
#define N_FILES (sizeof base / sizeof base[0])

static const char SEP[] = "\n===\n";
#define SEP_LEN (sizeof SEP - 1)

/* Bounds that keep one input fast: the queries below are linear in what they return. */
#define MAX_STATIONS 8
#define MAX_TRIPS 16
#define MAX_LEGS 4096
#define MAX_FREQ_RUNS 20000

static FILE *devnull;
static char out_dir[512]; /* where the round trip writes, reused by every input */

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[1024];
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') {
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                unlink(path);
            }
        closedir(d);
    }
    rmdir(dir);
}

static void remove_out_dir(void)
{
    remove_dir(out_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    devnull = fopen("/dev/null", "w");
    CHECK(devnull);
    /* A RAM disk when there is one: lx_gtfs_write fsyncs every file. The directory is
     * named by the process id; a crash leaves it behind, so first remove those of
     * processes that are gone. */
    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    DIR *d = opendir(tmp);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            long pid;
            char rest;
            if (sscanf(e->d_name, "lx_fuzz_gtfs.%ld%c", &pid, &rest) == 1 && pid > 0 &&
                kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
                snprintf(out_dir, sizeof out_dir, "%s/%s", tmp, e->d_name);
                remove_dir(out_dir);
            }
        }
        closedir(d);
    }
    snprintf(out_dir, sizeof out_dir, "%s/lx_fuzz_gtfs.%ld", tmp, (long)getpid());
    remove_dir(out_dir);
    if (mkdir(out_dir, 0700) != 0) {
        fprintf(stderr, "fuzz_gtfs: cannot make %s: %s\n", out_dir, strerror(errno));
        abort();
    }
    atexit(remove_out_dir);
    return 0;
}

/* ---- the report ---- */

static void progress(void *ud, const char *file, size_t done, size_t total)
{
    (void)ud;
    CHECK(file && *file);
    CHECK(done <= total);
}

static void check_report(const lx_report *r)
{
    uint32_t n, per_sev[3] = {0, 0, 0};
    const lx_notice *v = lx_report_notices(r, &n);
    for (uint32_t i = 0; i < n; i++) {
        CHECK(v[i].severity <= LX_SEV_ERROR);
        CHECK(v[i].code && *v[i].code && v[i].file && v[i].field && v[i].message);
        per_sev[v[i].severity]++;
        CHECK(lx_report_code_count(r, v[i].code) >= 1);
    }
    for (int s = 0; s < 3; s++)
        CHECK(per_sev[s] <= lx_report_count(r, (lx_severity)s));
    lx_report_print(r, devnull, 1);
}

/* ---- the timetable ---- */

static int in_list(uint32_t v, const uint32_t *list, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (list[i] == v)
            return 1;
    return 0;
}

enum { Q_BETWEEN, Q_DEPARTURES, Q_RUNS };

/* The legs a query of that kind returned: n of them, all in out when n <= cap. from/to
 * are the station groups asked for (legs between), from the stations (departures);
 * only_trip is the trip asked for (runs) or LX_NONE. */
static void check_legs(const lx_tt *tt, int kind, const lx_leg *out, uint32_t n, uint32_t cap,
                       const uint32_t *from, uint32_t n_from, const uint32_t *to, uint32_t n_to,
                       lx_date_t day, uint32_t only_trip)
{
    uint32_t n_trips, n_st;
    const lx_trip *trips = lx_tt_trips(tt, &n_trips);
    const lx_station *st = lx_tt_stations(tt, &n_st);
    const uint32_t *stop = lx_tt_st_stop(tt);
    const uint8_t *pick = lx_tt_st_pickup(tt), *drop = lx_tt_st_dropoff(tt);
    uint32_t shown = n < cap ? n : cap;
    for (uint32_t i = 0; i < shown; i++) {
        const lx_leg *l = &out[i];
        CHECK(l->trip < n_trips);
        CHECK(only_trip == LX_NONE || l->trip == only_trip);
        const lx_trip *tr = &trips[l->trip];
        CHECK(l->from_pos >= tr->st_first && l->to_pos < tr->st_first + tr->st_count);
        CHECK(l->from_pos < l->to_pos || (l->from_pos == l->to_pos && kind == Q_RUNS));
        if (kind != Q_BETWEEN) /* departures and runs go to the end of the trip */
            CHECK(l->to_pos == tr->st_first + tr->st_count - 1);
        if (kind == Q_RUNS)
            CHECK(l->from_pos == tr->st_first);
        CHECK(lx_tt_service_runs(tt, tr->service, l->service_day));
        if (kind != Q_RUNS) {
            CHECK(pick[l->from_pos] != 1);
            CHECK(in_list(stop[l->from_pos], from, n_from));
        }
        if (kind == Q_BETWEEN) {
            CHECK(drop[l->to_pos] != 1);
            CHECK(in_list(stop[l->to_pos], to, n_to));
        }
        CHECK(l->departure == lx_tt_st_instant(tt, l, l->from_pos, 1));
        CHECK(l->arrival == lx_tt_st_instant(tt, l, l->to_pos, 0));
        /* a run of a one-stop trip leaves its only stop after arriving there */
        CHECK(l->from_pos == l->to_pos ? l->arrival <= l->departure
                                       : l->departure <= l->arrival);
        lx_date_t local;
        int32_t secs;
        lx_tz_to_local(st[stop[l->from_pos]].tz, l->departure, &local, &secs);
        CHECK(local == day);
        if (i)
            CHECK(out[i - 1].departure <= l->departure);
        /* every stop time of the run, in order */
        lx_instant_t prev = l->departure;
        for (uint32_t p = l->from_pos + 1; p <= l->to_pos; p++) {
            lx_instant_t a = lx_tt_st_instant(tt, l, p, 0), d = lx_tt_st_instant(tt, l, p, 1);
            CHECK(prev <= a && a <= d);
            prev = d;
        }
    }
}

/* Runs a query twice, the second time with room for every leg (up to MAX_LEGS), and
 * checks that both agree. */
static void query(const lx_tt *tt, int kind, const uint32_t *from, uint32_t n_from,
                  const uint32_t *to, uint32_t n_to, uint32_t trip, lx_date_t day)
{
    lx_leg small[4];
#define RUN(out, cap)                                                                              \
    (kind == Q_BETWEEN      ? lx_tt_legs_between(tt, from, n_from, to, n_to, day, out, cap)        \
     : kind == Q_DEPARTURES ? lx_tt_departures(tt, from, n_from, day, out, cap)                    \
                            : lx_tt_trip_runs(tt, trip, day, out, cap))
    uint32_t n = RUN(small, 4);
    uint32_t only = kind == Q_RUNS ? trip : LX_NONE;
    check_legs(tt, kind, small, n, 4, from, n_from, to, n_to, day, only);
    if (n <= 4 || n > MAX_LEGS)
        return;
    lx_leg *all = malloc(n * sizeof *all);
    CHECK(all);
    uint32_t n2 = RUN(all, n);
    CHECK(n2 == n);
    check_legs(tt, kind, all, n, n, from, n_from, to, n_to, day, only);
    free(all);
#undef RUN
}

/* A query walks every run of a frequency-based trip (one per headway, over the days a
 * trip may span): a valid feed with a one-second headway for a week makes each query
 * take a good part of a second. Such feeds are skipped by the queries, which would
 * only slow the fuzzer down. */
static int heavy(const lx_tt *tt)
{
    uint32_t n;
    const lx_frequency *f = lx_tt_frequencies(tt, &n);
    uint64_t runs = 0;
    for (uint32_t i = 0; i < n; i++)
        runs += (uint64_t)(f[i].end - f[i].start) / (uint64_t)(f[i].headway > 0 ? f[i].headway : 1);
    return runs > MAX_FREQ_RUNS;
}

static void check_timetable(const lx_tt *tt)
{
    char msg[512];
    lx_err e = lx_tt_check(tt, msg, sizeof msg);
    if (e != LX_OK) {
        fprintf(stderr, "fuzz_gtfs: lx_tt_check: %s\n", msg);
        abort();
    }
    CHECK(lx_tt_default_tz(tt));
    CHECK(strcmp(lx_tt_feed_name(tt), "fuzz") == 0);
    lx_gtfs_summary sum;
    lx_gtfs_summarize(tt, &sum);

    uint32_t n_st, n_trips, n_fares, n_ag, n_sv;
    const lx_station *st = lx_tt_stations(tt, &n_st);
    const lx_trip *trips = lx_tt_trips(tt, &n_trips);
    const lx_fare *fares = lx_tt_fares(tt, &n_fares);
    const lx_service *sv = lx_tt_services(tt, &n_sv);
    lx_tt_agencies(tt, &n_ag);
    CHECK(sum.stations == n_st && sum.trips == n_trips && sum.services == n_sv);

    for (uint32_t i = 0; i < n_st; i++) {
        CHECK(st[i].tz);
        CHECK(lx_tt_station_by_id(tt, st[i].id) == i);
        CHECK(st[i].parent == LX_NONE || st[i].parent < n_st);
        static const char *const langs[] = {"en", "lo", "zh", "zh-CN", ""};
        for (size_t k = 0; k < sizeof langs / sizeof *langs; k++)
            CHECK(lx_tt_station_name(tt, i, langs[k]));
    }
    for (uint32_t i = 0; i < n_trips; i++) {
        CHECK(lx_tt_trip_by_id(tt, trips[i].id) == i);
        const char *num = lx_tt_train_number(tt, i);
        CHECK(num);
        uint32_t found[8];
        uint32_t nf = lx_tt_trips_by_number(tt, num, found, 8);
        CHECK(nf >= 1);
        if (nf <= 8)
            CHECK(in_list(i, found, nf));
    }
    for (uint32_t i = 0; i < n_fares; i++) {
        CHECK(fares[i].agency < n_ag && fares[i].from_stop < n_st && fares[i].to_stop < n_st);
        const lx_fare *f = lx_tt_fare(tt, fares[i].agency, fares[i].to_stop, fares[i].from_stop,
                                      fares[i].cls, fares[i].currency);
        CHECK(f && f->agency == fares[i].agency && strcmp(f->cls, fares[i].cls) == 0);
        CHECK(lx_currency_digits(fares[i].currency) == 0 ||
              lx_currency_digits(fares[i].currency) == 2);
    }
    for (uint32_t i = 0; i < n_sv; i++) {
        if (sv[i].first_day > sv[i].last_day)
            continue;
        CHECK(sv[i].first_day >= sum.first_day && sv[i].last_day <= sum.last_day);
        CHECK(!lx_tt_service_runs(tt, i, sv[i].first_day - 1));
        CHECK(!lx_tt_service_runs(tt, i, sv[i].last_day + 1));
    }

    if (heavy(tt))
        return;

    /* the days to ask about: one in the base feed, and the ends of the fuzzed one */
    lx_date_t days[3] = {lx_date_from_ymd(2026, 12, 20), sum.first_day, sum.last_day};
    uint32_t n_days = sum.first_day <= sum.last_day ? 3 : 1;
    uint32_t ns = n_st < MAX_STATIONS ? n_st : MAX_STATIONS;
    for (uint32_t d = 0; d < n_days; d++) {
        for (uint32_t a = 0; a < ns; a++) {
            uint32_t ga[16], gb[16];
            uint32_t na = lx_tt_station_group(tt, a, ga, 16);
            CHECK(na >= 1 && ga[0] == a);
            if (na > 16)
                na = 16;
            query(tt, Q_DEPARTURES, ga, na, NULL, 0, 0, days[d]);
            for (uint32_t b = 0; b < ns; b++) {
                if (b == a)
                    continue;
                uint32_t nb = lx_tt_station_group(tt, b, gb, 16);
                if (nb > 16)
                    nb = 16;
                query(tt, Q_BETWEEN, ga, na, gb, nb, 0, days[d]);
            }
        }
        for (uint32_t t = 0; t < n_trips && t < MAX_TRIPS; t++)
            query(tt, Q_RUNS, NULL, 0, NULL, 0, t, days[d]);
    }
}

/* ---- the round trip: write, load again, compare ---- */

#define SAME_STR(a, b, what)                                                                       \
    do {                                                                                           \
        if (strcmp((a), (b)) != 0) {                                                               \
            fprintf(stderr, "fuzz_gtfs: round trip changed %s: '%s' -> '%s'\n", what, (a), (b));   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)
#define SAME(a, b, what)                                                                           \
    do {                                                                                           \
        if ((a) != (b)) {                                                                          \
            fprintf(stderr, "fuzz_gtfs: round trip changed %s: %lld -> %lld\n", what,              \
                    (long long)(a), (long long)(b));                                               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)
/* doubles: equal, or both absent (NAN) */
#define SAME_DBL(a, b, what)                                                                       \
    do {                                                                                           \
        if (!((isnan(a) && isnan(b)) || (a) == (b))) {                                             \
            fprintf(stderr, "fuzz_gtfs: round trip changed %s: %.17g -> %.17g\n", what,            \
                    (double)(a), (double)(b));                                                     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const char *opt_str(const char *const *v, uint32_t i)
{
    return v ? v[i] : "";
}

static void compare_services(const lx_tt *a, const lx_tt *b)
{
    uint32_t na, nb;
    const lx_service *sa = lx_tt_services(a, &na), *sb = lx_tt_services(b, &nb);
    SAME(na, nb, "the number of services");
    for (uint32_t i = 0; i < na; i++) {
        uint32_t j = 0;
        while (j < nb && strcmp(sa[i].id, sb[j].id) != 0)
            j++;
        if (j == nb) {
            fprintf(stderr, "fuzz_gtfs: round trip lost service '%s'\n", sa[i].id);
            abort();
        }
        int empty_a = sa[i].first_day > sa[i].last_day, empty_b = sb[j].first_day > sb[j].last_day;
        SAME(empty_a, empty_b, "whether a service runs at all");
        if (empty_a)
            continue;
        SAME(sa[i].first_day, sb[j].first_day, "a service's first day");
        SAME(sa[i].last_day, sb[j].last_day, "a service's last day");
        /* the days at both ends (a range may span three centuries) */
        for (lx_date_t d = sa[i].first_day; d <= sa[i].last_day; d++) {
            if (d - sa[i].first_day > 400 && sa[i].last_day - d > 400)
                d = sa[i].last_day - 400;
            SAME(lx_tt_service_runs(a, i, d), lx_tt_service_runs(b, j, d),
                 "whether a service runs on a day");
        }
    }
}

static void compare_tt(const lx_tt *a, const lx_tt *b)
{
    uint32_t na, nb;
    const lx_agency *ag = lx_tt_agencies(a, &na), *bg = lx_tt_agencies(b, &nb);
    SAME(na, nb, "the number of agencies");
    for (uint32_t i = 0; i < na; i++) {
        SAME_STR(ag[i].id, bg[i].id, "agency_id");
        SAME_STR(ag[i].name, bg[i].name, "agency_name");
        SAME_STR(ag[i].url, bg[i].url, "agency_url");
        SAME_STR(ag[i].timezone, bg[i].timezone, "agency_timezone");
        SAME_STR(ag[i].lang, bg[i].lang, "agency_lang");
        SAME_STR(ag[i].phone, bg[i].phone, "agency_phone");
        SAME_STR(ag[i].fare_url, bg[i].fare_url, "agency_fare_url");
        SAME_STR(ag[i].email, bg[i].email, "agency_email");
    }

    const lx_station *sa = lx_tt_stations(a, &na), *sb = lx_tt_stations(b, &nb);
    SAME(na, nb, "the number of stops");
    for (uint32_t i = 0; i < na; i++) {
        SAME_STR(sa[i].id, sb[i].id, "stop_id");
        SAME_STR(sa[i].code, sb[i].code, "stop_code");
        SAME_STR(sa[i].name, sb[i].name, "stop_name");
        SAME_STR(sa[i].desc, sb[i].desc, "stop_desc");
        SAME_STR(sa[i].zone_id, sb[i].zone_id, "zone_id");
        SAME_STR(sa[i].url, sb[i].url, "stop_url");
        SAME_STR(sa[i].timezone, sb[i].timezone, "stop_timezone");
        SAME_STR(sa[i].platform_code, sb[i].platform_code, "platform_code");
        SAME_STR(sa[i].country, sb[i].country, "country");
        SAME_STR(lx_tz_name(sa[i].tz), lx_tz_name(sb[i].tz), "a stop's zone");
        SAME_DBL(sa[i].lat, sb[i].lat, "stop_lat");
        SAME_DBL(sa[i].lon, sb[i].lon, "stop_lon");
        SAME_DBL(sa[i].km, sb[i].km, "km");
        SAME(sa[i].parent, sb[i].parent, "parent_station");
        SAME(sa[i].location_type, sb[i].location_type, "location_type");
        SAME(sa[i].wheelchair_boarding, sb[i].wheelchair_boarding, "wheelchair_boarding");
    }

    const lx_route *ra = lx_tt_routes(a, &na), *rb = lx_tt_routes(b, &nb);
    SAME(na, nb, "the number of routes");
    for (uint32_t i = 0; i < na; i++) {
        SAME_STR(ra[i].id, rb[i].id, "route_id");
        SAME_STR(ra[i].short_name, rb[i].short_name, "route_short_name");
        SAME_STR(ra[i].long_name, rb[i].long_name, "route_long_name");
        SAME_STR(ra[i].desc, rb[i].desc, "route_desc");
        SAME_STR(ra[i].url, rb[i].url, "route_url");
        SAME_STR(ra[i].color, rb[i].color, "route_color");
        SAME_STR(ra[i].text_color, rb[i].text_color, "route_text_color");
        SAME(ra[i].agency, rb[i].agency, "a route's agency");
        SAME(ra[i].type, rb[i].type, "route_type");
    }

    uint32_t nsa, nsb;
    const lx_service *sva = lx_tt_services(a, &nsa), *svb = lx_tt_services(b, &nsb);
    const lx_trip *ta = lx_tt_trips(a, &na), *tb = lx_tt_trips(b, &nb);
    SAME(na, nb, "the number of trips");
    SAME(lx_tt_stop_time_count(a), lx_tt_stop_time_count(b), "the number of stop times");
    const uint32_t *stop_a = lx_tt_st_stop(a), *stop_b = lx_tt_st_stop(b);
    const uint32_t *seq_a = lx_tt_st_sequence(a), *seq_b = lx_tt_st_sequence(b);
    const lx_time_t *arr_a = lx_tt_st_arrival(a), *arr_b = lx_tt_st_arrival(b);
    const lx_time_t *dep_a = lx_tt_st_departure(a), *dep_b = lx_tt_st_departure(b);
    const uint8_t *pk_a = lx_tt_st_pickup(a), *pk_b = lx_tt_st_pickup(b);
    const uint8_t *dr_a = lx_tt_st_dropoff(a), *dr_b = lx_tt_st_dropoff(b);
    const char *const *hs_a = lx_tt_st_headsign(a), *const *hs_b = lx_tt_st_headsign(b);
    for (uint32_t i = 0; i < na; i++) {
        SAME_STR(ta[i].id, tb[i].id, "trip_id");
        SAME_STR(ta[i].headsign, tb[i].headsign, "trip_headsign");
        SAME_STR(ta[i].short_name, tb[i].short_name, "trip_short_name");
        SAME_STR(ta[i].block_id, tb[i].block_id, "block_id");
        SAME(ta[i].route, tb[i].route, "a trip's route");
        SAME_STR(sva[ta[i].service].id, svb[tb[i].service].id, "a trip's service_id");
        SAME(ta[i].layout, tb[i].layout, "a trip's seat layout");
        SAME(ta[i].direction_id, tb[i].direction_id, "direction_id");
        SAME(ta[i].wheelchair_accessible, tb[i].wheelchair_accessible, "wheelchair_accessible");
        SAME(ta[i].bikes_allowed, tb[i].bikes_allowed, "bikes_allowed");
        SAME(ta[i].freq_count, tb[i].freq_count, "a trip's number of frequencies");
        SAME(ta[i].st_first, tb[i].st_first, "where a trip's stop times start");
        SAME(ta[i].st_count, tb[i].st_count, "a trip's number of stop times");
        for (uint32_t k = ta[i].st_first; k < ta[i].st_first + ta[i].st_count; k++) {
            SAME(stop_a[k], stop_b[k], "a stop time's stop");
            SAME(seq_a[k], seq_b[k], "stop_sequence");
            SAME(arr_a[k], arr_b[k], "arrival_time");
            SAME(dep_a[k], dep_b[k], "departure_time");
            SAME(pk_a[k], pk_b[k], "pickup_type");
            SAME(dr_a[k], dr_b[k], "drop_off_type");
            SAME_STR(opt_str(hs_a, k), opt_str(hs_b, k), "stop_headsign");
        }
    }
    (void)nsa;
    (void)nsb;
    compare_services(a, b);

    const lx_frequency *fa = lx_tt_frequencies(a, &na), *fb = lx_tt_frequencies(b, &nb);
    SAME(na, nb, "the number of frequencies");
    for (uint32_t i = 0; i < na; i++) {
        SAME(fa[i].trip, fb[i].trip, "a frequency's trip");
        SAME(fa[i].start, fb[i].start, "start_time");
        SAME(fa[i].end, fb[i].end, "end_time");
        SAME(fa[i].headway, fb[i].headway, "headway_secs");
        SAME(fa[i].exact_times, fb[i].exact_times, "exact_times");
    }

    const lx_transfer *xa = lx_tt_transfers(a, &na), *xb = lx_tt_transfers(b, &nb);
    SAME(na, nb, "the number of transfers");
    for (uint32_t i = 0; i < na; i++) {
        SAME(xa[i].from_stop, xb[i].from_stop, "from_stop_id");
        SAME(xa[i].to_stop, xb[i].to_stop, "to_stop_id");
        SAME(xa[i].from_route, xb[i].from_route, "from_route_id");
        SAME(xa[i].to_route, xb[i].to_route, "to_route_id");
        SAME(xa[i].from_trip, xb[i].from_trip, "from_trip_id");
        SAME(xa[i].to_trip, xb[i].to_trip, "to_trip_id");
        SAME(xa[i].type, xb[i].type, "transfer_type");
        SAME(xa[i].min_transfer_time, xb[i].min_transfer_time, "min_transfer_time");
    }

    const lx_translation *la = lx_tt_translations(a, &na), *lb = lx_tt_translations(b, &nb);
    SAME(na, nb, "the number of translations");
    for (uint32_t i = 0; i < na; i++) {
        SAME_STR(la[i].table, lb[i].table, "table_name");
        SAME_STR(la[i].field, lb[i].field, "field_name");
        SAME_STR(la[i].lang, lb[i].lang, "language");
        SAME_STR(la[i].translation, lb[i].translation, "translation");
        SAME_STR(la[i].record_id, lb[i].record_id, "record_id");
        SAME_STR(la[i].record_sub_id, lb[i].record_sub_id, "record_sub_id");
        SAME_STR(la[i].field_value, lb[i].field_value, "field_value");
    }

    const lx_feed_info *ia = lx_tt_feed_info(a), *ib = lx_tt_feed_info(b);
    SAME(ia == NULL, ib == NULL, "whether there is a feed_info.txt");
    if (ia) {
        SAME_STR(ia->publisher_name, ib->publisher_name, "feed_publisher_name");
        SAME_STR(ia->publisher_url, ib->publisher_url, "feed_publisher_url");
        SAME_STR(ia->lang, ib->lang, "feed_lang");
        SAME_STR(ia->default_lang, ib->default_lang, "default_lang");
        SAME_STR(ia->version, ib->version, "feed_version");
        SAME_STR(ia->contact_email, ib->contact_email, "feed_contact_email");
        SAME_STR(ia->contact_url, ib->contact_url, "feed_contact_url");
        SAME(ia->start, ib->start, "feed_start_date");
        SAME(ia->end, ib->end, "feed_end_date");
    }

    const lx_layout *ya = lx_tt_layouts(a, &na), *yb = lx_tt_layouts(b, &nb);
    SAME(na, nb, "the number of seat layouts");
    for (uint32_t i = 0; i < na; i++) {
        SAME_STR(ya[i].id, yb[i].id, "layout_id");
        SAME(ya[i].coach_first, yb[i].coach_first, "a layout's first coach");
        SAME(ya[i].coach_count, yb[i].coach_count, "a layout's number of coaches");
        SAME(ya[i].seats, yb[i].seats, "a layout's seats");
    }
    const lx_coach *ca = lx_tt_coaches(a, &na), *cb = lx_tt_coaches(b, &nb);
    SAME(na, nb, "the number of coaches");
    for (uint32_t i = 0; i < na; i++) {
        SAME(ca[i].coach, cb[i].coach, "coach");
        SAME(ca[i].seats, cb[i].seats, "seats");
        SAME_STR(ca[i].cls, cb[i].cls, "class");
        SAME_STR(ca[i].letters, cb[i].letters, "letters");
        SAME_STR(ca[i].window_letters, cb[i].window_letters, "window_letters");
    }

    const lx_fare *pa = lx_tt_fares(a, &na), *pb = lx_tt_fares(b, &nb);
    SAME(na, nb, "the number of fares");
    for (uint32_t i = 0; i < na; i++) {
        SAME(pa[i].agency, pb[i].agency, "a fare's agency");
        SAME(pa[i].from_stop, pb[i].from_stop, "a fare's from_stop_id");
        SAME(pa[i].to_stop, pb[i].to_stop, "a fare's to_stop_id");
        SAME_STR(pa[i].cls, pb[i].cls, "a fare's class");
        SAME_STR(pa[i].currency, pb[i].currency, "currency");
        SAME(pa[i].amount, pb[i].amount, "price");
    }

    const lx_sales_rule *ua = lx_tt_sales_rules(a, &na), *ub = lx_tt_sales_rules(b, &nb);
    SAME(na, nb, "the number of sales rules");
    for (uint32_t i = 0; i < na; i++) {
        SAME(ua[i].agency, ub[i].agency, "a rule's agency");
        SAME_STR(ua[i].scope, ub[i].scope, "scope");
        SAME(ua[i].open_days, ub[i].open_days, "open_days");
        SAME(ua[i].close_minutes, ub[i].close_minutes, "close_minutes");
        SAME(ua[i].hold_minutes, ub[i].hold_minutes, "hold_minutes");
        SAME(ua[i].hold_minutes_near, ub[i].hold_minutes_near, "hold_minutes_near");
        SAME(ua[i].near_minutes, ub[i].near_minutes, "near_minutes");
        SAME(ua[i].max_passengers, ub[i].max_passengers, "max_passengers");
    }
}

static void check_round_trip(const lx_tt *tt)
{
    lx_err e = lx_gtfs_write(tt, out_dir);
    if (e != LX_OK) {
        fprintf(stderr, "fuzz_gtfs: lx_gtfs_write -> %s\n", lx_strerror(e));
        abort();
    }
    lx_report *r;
    CHECK(lx_report_create(&r) == LX_OK);
    lx_gtfs_opts opts = {.feed_name = "fuzz"};
    lx_tt *back = NULL;
    e = lx_gtfs_load_path(out_dir, &opts, r, &back);
    if (e != LX_OK) {
        fprintf(stderr, "fuzz_gtfs: the feed written by lx_gtfs_write does not load (%s):\n",
                lx_strerror(e));
        lx_report_print(r, stderr, 0);
        abort();
    }
    char msg[512];
    if (lx_tt_check(back, msg, sizeof msg) != LX_OK) {
        fprintf(stderr, "fuzz_gtfs: lx_tt_check after the round trip: %s\n", msg);
        abort();
    }
    compare_tt(tt, back);
    lx_tt_destroy(back);
    lx_report_destroy(r);
}

/* ---- the API over the fuzzed feed ---- */

static void pct_append(char *buf, size_t cap, size_t *len, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s && *len + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            buf[(*len)++] = (char)c;
        } else {
            buf[(*len)++] = '%';
            buf[(*len)++] = hex[c >> 4];
            buf[(*len)++] = hex[c & 15];
        }
    }
    buf[*len] = 0;
}

static void ask(const lx_api *api, const char *fmt, const char *a, const char *b, const char *date)
{
    /* fmt holds %1 %2 %d for a, b (both percent-encoded) and the date */
    char target[2048];
    size_t len = 0;
    target[0] = 0;
    for (const char *p = fmt; *p && len + 4 < sizeof target; p++) {
        if (*p == '%' && (p[1] == '1' || p[1] == '2' || p[1] == 'd')) {
            pct_append(target, sizeof target, &len, p[1] == '1' ? a : p[1] == '2' ? b : date);
            p++;
        } else {
            target[len++] = *p;
            target[len] = 0;
        }
    }
    lx_srv_resp resp;
    lx_err e = lx_api_handle(api, "GET", target, &resp);
    if (e != LX_OK || resp.status < 200 || resp.status > 599 || !resp.body) {
        fprintf(stderr, "fuzz_gtfs: GET %s -> %s, status %d\n", target, lx_strerror(e),
                resp.status);
        abort();
    }
    json_error_t err;
    json_t *j = json_loadb(resp.body, resp.len, 0, &err);
    if (!j) {
        fprintf(stderr, "fuzz_gtfs: GET %s -> %d, not JSON (%s): %.300s\n", target, resp.status,
                err.text, resp.body);
        abort();
    }
    json_decref(j);
    lx_srv_resp_clear(&resp);
}

/* Takes tt over (the network owns it from lx_net_add on). */
static void check_api(lx_tt *tt)
{
    lx_net *net;
    lx_api *api;
    CHECK(lx_net_create(&net) == LX_OK);
    CHECK(lx_net_add(net, tt) == LX_OK);
    CHECK(lx_api_create(net, &api) == LX_OK);

    uint32_t n_st, n_trips;
    const lx_station *st = lx_tt_stations(tt, &n_st);
    lx_tt_trips(tt, &n_trips);
    lx_gtfs_summary sum;
    lx_gtfs_summarize(tt, &sum);
    char date[16];
    lx_date_format(sum.first_day <= sum.last_day ? sum.first_day : lx_date_from_ymd(2026, 12, 20),
                   1, date);

    /* "feed:id" resolves to exactly that station */
    for (uint32_t i = 0; i < n_st && i < MAX_STATIONS; i++) {
        char q[512];
        snprintf(q, sizeof q, "fuzz:%s", st[i].id);
        if (strlen(q) + 1 >= sizeof q)
            continue;
        lx_place out[4];
        uint32_t n = 0;
        CHECK(lx_net_resolve(net, q, out, 4, &n) == LX_OK);
        CHECK(n == 1 && out[0].feed == 0 && out[0].station == i);
    }

    ask(api, "/api/v1/stations", "", "", date);
    ask(api, "/api/v1/feeds", "", "", date);
    ask(api, "/healthz", "", "", date);
    if (n_st) {
        const char *first = st[0].id, *last = st[n_st - 1].id;
        ask(api, "/api/v1/stations?q=%1&lang=zh", st[0].name, "", date);
        ask(api, "/api/v1/stations?q=%1&limit=3", st[n_st - 1].name, "", date);
        ask(api, "/api/v1/stations/%1", first, "", date);
        if (!heavy(tt)) {
            ask(api, "/api/v1/stations/%1/departures?date=%d", first, "", date);
            ask(api, "/api/v1/trains?from=%1&to=%2&date=%d", first, last, date);
            ask(api, "/api/v1/trains?from=%1&to=%2&date=%d", st[n_st - 1].name, st[0].name, date);
        }
    }
    for (uint32_t t = 0; t < n_trips && t < 4 && !heavy(tt); t++)
        ask(api, "/api/v1/trains/%1/timetable?date=%d", lx_tt_train_number(tt, t), "", date);

    lx_api_destroy(api);
    lx_net_destroy(net);
}

/* ---- the input ---- */

static const uint8_t *find_sep(const uint8_t *p, const uint8_t *end)
{
    for (; (size_t)(end - p) >= SEP_LEN; p++)
        if (*p == '\n' && memcmp(p, SEP, SEP_LEN) == 0)
            return p;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t first = data[0] % N_FILES;
    int drop_empty = (data[0] & 0x20) != 0;

    /* which files, with which bytes */
    const char *text[N_FILES];
    size_t len[N_FILES];
    int present[N_FILES];
    for (size_t i = 0; i < N_FILES; i++) {
        text[i] = base[i].text;
        len[i] = strlen(base[i].text);
        present[i] = 1;
    }
    const uint8_t *p = data + 1, *end = data + size;
    for (size_t k = 0; k < N_FILES; k++) {
        const uint8_t *sep = find_sep(p, end);
        const uint8_t *part_end = sep ? sep : end;
        size_t f = (first + k) % N_FILES;
        text[f] = (const char *)p;
        len[f] = (size_t)(part_end - p);
        present[f] = !(drop_empty && len[f] == 0);
        if (!sep)
            break;
        p = sep + SEP_LEN;
    }
    lx_gtfs_file files[N_FILES];
    size_t n = 0;
    for (size_t i = 0; i < N_FILES; i++)
        if (present[i])
            files[n++] = (lx_gtfs_file){base[i].name, text[i], len[i]};

    lx_report *r;
    CHECK(lx_report_create(&r) == LX_OK);
    lx_gtfs_opts opts = {.feed_name = "fuzz", .progress = progress, .progress_ud = NULL};
    lx_tt *tt = NULL;
    lx_err e = lx_gtfs_load_files(files, n, &opts, r, &tt);
    if (e != LX_OK && e != LX_FEED) {
        fprintf(stderr, "fuzz_gtfs: lx_gtfs_load_files -> %s\n", lx_strerror(e));
        abort();
    }
    check_report(r);
    if (e == LX_FEED) {
        CHECK(tt == NULL);
        CHECK(lx_report_count(r, LX_SEV_ERROR) >= 1);
    } else {
        CHECK(tt != NULL);
        CHECK(lx_report_count(r, LX_SEV_ERROR) == 0);
        check_timetable(tt);
        check_round_trip(tt);
        check_api(tt); /* and frees tt */
    }
    lx_report_destroy(r);
    return 0;
}
