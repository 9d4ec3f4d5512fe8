/* Tests of the GTFS writer (src/gtfs/write.c): CSV quoting, absent values, fare
 * prices in major units, optional files, the atomic-file discipline, and that
 * load -> write -> load -> write is a fixed point. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lanxang/gtfs.h"

#define F(name, text) {name, text, sizeof text - 1}

static const lx_gtfs_file FEED[] = {
    F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"
                    "LCR,\"Laos-China Railway, \"\"LCR\"\"\",https://lcr.example,"
                    "Asia/Vientiane,lo\n"),
    F("stops.txt", "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                   "VTE,Vientiane,17.8896,102.7047,1,\n"
                   "VTE1,\"Vientiane\nplatform 1\",17.8896,102.7047,0,VTE\n"
                   "LPQ,Luang Prabang,19.8497,102.2125,0,\n"
                   "NODE,Generic node,,,3,VTE\n"),
    F("routes.txt", "route_id,agency_id,route_short_name,route_long_name,route_type\n"
                    "R1,LCR,D,Vientiane - Luang Prabang,2\n"),
    F("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,"
                      "sunday,start_date,end_date\n"
                      "DAILY,1,1,1,1,1,1,1,20260101,20261231\n"),
    F("calendar_dates.txt", "service_id,date,exception_type\n"
                            "DAILY,20260214,2\n"
                            "EXTRA,20260301,1\n"),
    F("trips.txt", "route_id,service_id,trip_id,trip_headsign,trip_short_name,direction_id\n"
                   "R1,DAILY,D888,Luang Prabang,D888,0\n"
                   "R1,EXTRA,D890,Luang Prabang,D890,\n"),
    F("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        "D888,08:00:00,08:08:00,VTE1,1\n"
                        "D888,10:00:00,10:00:00,LPQ,2\n"
                        "D890,25:00:00,25:05:00,VTE1,1\n"
                        "D890,26:55:00,26:55:00,LPQ,2\n"),
    F("lx_fares.txt", "agency_id,from_stop_id,to_stop_id,class,currency,price\n"
                      "LCR,VTE,LPQ,second,CNY,470.00\n"
                      "LCR,VTE,LPQ,second,LAK,350000\n"),
};

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/lx-test-write-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static lx_tt *load_feed(void)
{
    lx_report *r = NULL;
    lx_tt *tt = NULL;
    assert_int_equal(lx_report_create(&r), LX_OK);
    lx_gtfs_opts o = {.feed_name = "test"};
    lx_err e = lx_gtfs_load_files(FEED, sizeof FEED / sizeof FEED[0], &o, r, &tt);
    if (e != LX_OK)
        lx_report_print(r, stderr, 0);
    lx_report_destroy(r);
    assert_int_equal(e, LX_OK);
    return tt;
}

/* The whole file dir/name, NUL-terminated, or NULL when it does not exist. */
static char *slurp(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    assert_non_null(b);
    size_t k;
    while ((k = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 2) {
            cap *= 2;
            b = realloc(b, cap);
            assert_non_null(b);
        }
    }
    fclose(f);
    b[n] = '\0';
    return b;
}

static int exists(const char *dir, const char *name)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

static void test_quoting_and_values(void **state)
{
    (void)state;
    lx_tt *tt = load_feed();
    char dir[128];
    snprintf(dir, sizeof dir, "%s/a/b/feed", tmpdir); /* created with its parents */
    assert_int_equal(lx_gtfs_write(tt, dir), LX_OK);

    char *s = slurp(dir, "agency.txt");
    assert_non_null(s);
    assert_string_equal(s, "agency_id,agency_name,agency_url,agency_timezone,agency_lang,"
                           "agency_phone,agency_fare_url,agency_email\n"
                           "LCR,\"Laos-China Railway, \"\"LCR\"\"\",https://lcr.example,"
                           "Asia/Vientiane,lo,,,\n");
    free(s);

    s = slurp(dir, "stops.txt");
    assert_non_null(s);
    assert_contains(s, "\nVTE,,Vientiane,,17.8896,102.7047,,,1,,,0,\n");
    assert_contains(s, "\nVTE1,,\"Vientiane\nplatform 1\",,17.8896,102.7047,,,0,VTE,,0,\n");
    assert_contains(s, "\nNODE,,Generic node,,,,,,3,VTE,,0,\n"); /* NAN -> empty */
    free(s);

    s = slurp(dir, "trips.txt");
    assert_non_null(s);
    assert_contains(s, "\nR1,EXTRA,D890,Luang Prabang,D890,,,0,0\n"); /* no direction */
    free(s);

    s = slurp(dir, "stop_times.txt");
    assert_non_null(s);
    assert_contains(s, "\nD890,25:00:00,25:05:00,VTE1,1,,0,0\n");
    free(s);

    s = slurp(dir, "calendar.txt");
    assert_non_null(s);
    assert_contains(s, "\nDAILY,1,1,1,1,1,1,1,20260101,20261231\n");
    assert_null(strstr(s, "EXTRA")); /* only services with a calendar.txt row */
    free(s);

    s = slurp(dir, "lx_fares.txt");
    assert_non_null(s);
    assert_contains(s, "\nLCR,VTE,LPQ,second,CNY,470.00\n");
    assert_contains(s, "\nLCR,VTE,LPQ,second,LAK,350000\n");
    free(s);

    /* optional tables that are empty have no file, and no .tmp is left behind */
    assert_false(exists(dir, "frequencies.txt"));
    assert_false(exists(dir, "transfers.txt"));
    assert_false(exists(dir, "feed_info.txt"));
    assert_false(exists(dir, "lx_sales_rules.txt"));
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        assert_false(n > 4 && strcmp(e->d_name + n - 4, ".tmp") == 0);
    }
    closedir(d);
    lx_tt_destroy(tt);
}

static const char *const NAMES[] = {"agency.txt", "stops.txt", "routes.txt", "trips.txt",
                                    "stop_times.txt", "calendar.txt", "calendar_dates.txt",
                                    "lx_fares.txt"};

/* write(load(feed)) == write(load(write(load(feed)))), byte for byte */
static void test_round_trip(void **state)
{
    (void)state;
    lx_tt *tt = load_feed();
    char d1[128], d2[128];
    snprintf(d1, sizeof d1, "%s/rt1", tmpdir);
    snprintf(d2, sizeof d2, "%s/rt2", tmpdir);
    assert_int_equal(lx_gtfs_write(tt, d1), LX_OK);

    lx_report *r = NULL;
    lx_tt *tt2 = NULL;
    assert_int_equal(lx_report_create(&r), LX_OK);
    lx_gtfs_opts o = {.feed_name = "test"};
    lx_err e = lx_gtfs_load_path(d1, &o, r, &tt2);
    if (e != LX_OK)
        lx_report_print(r, stderr, 0);
    uint32_t errors = lx_report_count(r, LX_SEV_ERROR);
    lx_report_destroy(r);
    assert_int_equal(e, LX_OK);
    assert_int_equal(errors, 0);

    lx_gtfs_summary a, b;
    lx_gtfs_summarize(tt, &a);
    lx_gtfs_summarize(tt2, &b);
    assert_int_equal(a.stations, b.stations);
    assert_int_equal(a.trips, b.trips);
    assert_int_equal(a.stop_times, b.stop_times);
    assert_int_equal(a.services, b.services);
    assert_int_equal(a.fares, b.fares);
    assert_int_equal(a.first_day, b.first_day);
    assert_int_equal(a.last_day, b.last_day);

    assert_int_equal(lx_gtfs_write(tt2, d2), LX_OK);
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
        char *x = slurp(d1, NAMES[i]), *y = slurp(d2, NAMES[i]);
        assert_non_null(x);
        assert_non_null(y);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
    lx_tt_destroy(tt2);
    lx_tt_destroy(tt);
}

/* An optional file that this export does not write is not left from an older one. */
static void test_stale_optional_file_removed(void **state)
{
    (void)state;
    lx_tt *tt = load_feed();
    char dir[128], path[192];
    snprintf(dir, sizeof dir, "%s/stale", tmpdir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/frequencies.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("trip_id,start_time,end_time,headway_secs\nOLD,06:00:00,07:00:00,600\n", f);
    fclose(f);
    assert_int_equal(lx_gtfs_write(tt, dir), LX_OK);
    assert_false(exists(dir, "frequencies.txt"));
    assert_true(exists(dir, "stop_times.txt"));
    lx_tt_destroy(tt);
}

static void test_io_error(void **state)
{
    (void)state;
    lx_tt *tt = load_feed();
    char file[128], dir[160];
    snprintf(file, sizeof file, "%s/plain-file", tmpdir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/sub", file); /* a directory below a regular file */
    assert_int_equal(lx_gtfs_write(tt, dir), LX_IO);
    assert_int_equal(lx_gtfs_write(tt, file), LX_IO);
    lx_tt_destroy(tt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting_and_values),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_stale_optional_file_removed),
        cmocka_unit_test(test_io_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
