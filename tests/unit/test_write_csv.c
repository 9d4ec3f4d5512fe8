/* Tests of the GTFS writer (src/gtfs/write.c): CSV quoting, absent values, fare
 * prices in major units, optional files, the atomic-file discipline, and that
 * load -> write -> load -> write is a fixed point. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "lanxang/gtfs.h"

#define F(name, text) {name, text, sizeof text - 1}

static const lx_gtfs_file FEED[] = {
    F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"
                    "LCR,\"Laos-China Railway, \"\"LCR\"\"\",https://lcr.example,"
                    "Asia/Vientiane,lo\n"),
    F("stops.txt", "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                   "VTE,Vientiane,17.8896,102.7047,1,\n"
                   "VTE1,\"Vientiane\nplatform 1\",17.8896,102.7047,0,VTE\n"
                   "LPQ,\" Luang Prabang \",19.8497,102.2125,0,\n" /* padding kept */
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

static char *tmpdir;

static int setup(void **state)
{
    (void)state;
    tmpdir = fx_tmpdir("write");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int e = fx_rm_tree(tmpdir);
    free(tmpdir);
    return e;
}

static lx_tt *load_feed(void)
{
    return fx_load_ok(FEED, FX_COUNT(FEED), "test", NULL);
}

/* What some written files must hold (and must not). */
static const struct {
    const char *file, *has[3], *lacks;
} WRITTEN[] = {
    {"stops.txt",
     {"\nVTE,,Vientiane,,17.8896,102.7047,,,1,,,0,\n",
      "\nVTE1,,\"Vientiane\nplatform 1\",,17.8896,102.7047,,,0,VTE,,0,\n",
      "\nNODE,,Generic node,,,,,,3,VTE,,0,\n"}, /* NAN -> empty */
     NULL},
    /* a padded name is quoted: the reader trims unquoted fields (found by fuzz_gtfs) */
    {"stops.txt", {"\nLPQ,,\" Luang Prabang \",,"}, NULL},
    {"trips.txt", {"\nR1,EXTRA,D890,Luang Prabang,D890,,,0,0\n"}, NULL}, /* no direction */
    {"stop_times.txt", {"\nD890,25:00:00,25:05:00,VTE1,1,,0,0\n"}, NULL},
    /* only services with a calendar.txt row */
    {"calendar.txt", {"\nDAILY,1,1,1,1,1,1,1,20260101,20261231\n"}, "EXTRA"},
    {"lx_fares.txt", {"\nLCR,VTE,LPQ,second,CNY,470.00\n", "\nLCR,VTE,LPQ,second,LAK,350000\n"},
     NULL},
};

static void test_quoting_and_values(void **state)
{
    (void)state;
    lx_tt *tt = load_feed();
    char dir[4200];
    FX_JOIN(dir, tmpdir, "a/b/feed"); /* created with its parents */
    assert_int_equal(lx_gtfs_write(tt, dir), LX_OK);

    char *s = fx_read_file(dir, "agency.txt");
    assert_non_null(s);
    assert_string_equal(s, "agency_id,agency_name,agency_url,agency_timezone,agency_lang,"
                           "agency_phone,agency_fare_url,agency_email\n"
                           "LCR,\"Laos-China Railway, \"\"LCR\"\"\",https://lcr.example,"
                           "Asia/Vientiane,lo,,,\n");
    free(s);

    for (size_t i = 0; i < FX_COUNT(WRITTEN); i++) {
        s = fx_read_file(dir, WRITTEN[i].file);
        if (!s)
            fail_msg("%s was not written", WRITTEN[i].file);
        for (size_t k = 0; k < FX_COUNT(WRITTEN[i].has) && WRITTEN[i].has[k]; k++)
            if (!strstr(s, WRITTEN[i].has[k]))
                fail_msg("expected \"%s\" in %s:\n%s", WRITTEN[i].has[k], WRITTEN[i].file, s);
        if (WRITTEN[i].lacks && strstr(s, WRITTEN[i].lacks))
            fail_msg("unexpected \"%s\" in %s:\n%s", WRITTEN[i].lacks, WRITTEN[i].file, s);
        free(s);
    }

    /* optional tables that are empty have no file, and no .tmp is left behind */
    assert_false(fx_exists(dir, "frequencies.txt"));
    assert_false(fx_exists(dir, "transfers.txt"));
    assert_false(fx_exists(dir, "feed_info.txt"));
    assert_false(fx_exists(dir, "lx_sales_rules.txt"));
    assert_int_equal(fx_dir_count(dir, ".tmp"), 0);
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
    char d1[4200], d2[4200];
    FX_JOIN(d1, tmpdir, "rt1");
    FX_JOIN(d2, tmpdir, "rt2");
    lx_tt *tt2 = fx_write_and_reload(tt, d1);

    assert_int_equal(lx_gtfs_write(tt2, d2), LX_OK);
    for (size_t i = 0; i < FX_COUNT(NAMES); i++) {
        char *x = fx_read_file(d1, NAMES[i]), *y = fx_read_file(d2, NAMES[i]);
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
    char dir[4200];
    assert_int_equal(mkdir(FX_JOIN(dir, tmpdir, "stale"), 0755), 0);
    fx_write_text(dir, "frequencies.txt",
                  "trip_id,start_time,end_time,headway_secs\nOLD,06:00:00,07:00:00,600\n");
    assert_int_equal(lx_gtfs_write(tt, dir), LX_OK);
    assert_false(fx_exists(dir, "frequencies.txt"));
    assert_true(fx_exists(dir, "stop_times.txt"));
    lx_tt_destroy(tt);
}

static void test_io_error(void **state)
{
    (void)state;
    lx_tt *tt = load_feed();
    char file[4200], dir[4300];
    fx_write_text(tmpdir, "plain-file", "");
    FX_JOIN(file, tmpdir, "plain-file");
    FX_JOIN(dir, file, "sub"); /* a directory below a regular file */
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
