/* Unit tests for the journey planner (src/core/plan*.c).
 *
 * Golden scenarios: tiny feeds in memory whose best journeys are known by hand, with
 * exact instants and legs: a direct train, a change that beats a slower direct train
 * (the Pareto set), a train past midnight, calendars, in-seat, forbidden, timed and
 * minimum-time transfers, two feeds in two time zones joined at a border station, a
 * range search and an arrive-by search, and the seat-aware filter.
 *
 * A randomized cross-check on the shared LIRR feed (LX_LIRR_PATH, skipped when the
 * file is absent): for 300+ random queries the planner's earliest arrival equals that
 * of a Connection Scan written here alone, "no journey" included, and an arrive-by
 * search at that arrival finds a journey leaving no earlier than asked. No timing is
 * asserted here (bench/plan/ measures). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lanxang/plan.h"

#define F(name, text)                                                                              \
    {                                                                                              \
        name, text, sizeof(text) - 1                                                               \
    }

/* ---- the golden feed: one railway in Asia/Vientiane ---- */

static const lx_gtfs_file gold_files[] = {
    F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                    "g,Gold Rail,https://gold.example,Asia/Vientiane\n"),
    F("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\n"
                   "A,Alpha,18.0,102.0\nB,Bravo,18.1,102.0\nC,Charlie,18.2,102.0\n"
                   "D,Delta,18.3,102.0\nE,Echo,18.4,102.0\nF,Foxtrot,18.5,102.0\n"
                   "G,Golf,18.6,102.0\nH,Hotel,18.7,102.0\nI,India,18.8,102.0\n"
                   "J,Juliett,18.9,102.0\nK,Kilo,19.0,102.0\nL,Lima,19.1,102.0\n"
                   "M,Mike,19.2,102.0\nN,November,19.3,102.0\nP,Papa,19.4,102.0\n"
                   "Q,Quebec,19.5,102.0\nR,Romeo,19.6,102.0\nS,Sierra,19.7,102.0\n"
                   "U,Uniform,19.8,102.0\nV,Victor,19.9,102.0\nW,Whiskey,20.0,102.0\n"
                   "X,Xray,20.1,102.0\nV2,Victor 2,20.3,102.0\nW2,Whiskey 2,20.4,102.0\n"
                   "X2,Xray 2,20.5,102.0\n"),
    F("routes.txt", "route_id,agency_id,route_short_name,route_type\nr,g,R,2\n"),
    F("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                      "start_date,end_date\n"
                      "daily,1,1,1,1,1,1,1,20260101,20271231\n"
                      "sun,0,0,0,0,0,0,1,20260101,20271231\n"),
    F("trips.txt", "route_id,service_id,trip_id\n"
                   "r,daily,T1\nr,daily,T2\nr,daily,T3\nr,daily,T16\n"
                   "r,daily,T4\nr,daily,T5\nr,sun,T6\nr,daily,T7\n"
                   "r,daily,T8\nr,daily,T9\nr,daily,T20\n"
                   "r,daily,T10\nr,daily,T11\nr,daily,T12\n"
                   "r,daily,T13\nr,daily,T14\nr,daily,T15\n"
                   "r,daily,T17\nr,daily,T18\nr,daily,T19\n"
                   "r,daily,T21\nr,daily,T22\nr,daily,T23\nr,daily,T24\n"
                   "r,daily,T31\nr,daily,T32\nr,daily,T33\n"),
    F("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        /* direct, change, range, arrive-by */
                        "T1,08:00:00,08:00:00,A,1\nT1,10:00:00,10:00:00,B,2\n"
                        "T1,12:00:00,12:00:00,C,3\n"
                        "T2,08:30:00,08:30:00,A,1\nT2,09:30:00,09:30:00,B,2\n"
                        "T16,07:30:00,07:30:00,A,1\nT16,08:30:00,08:30:00,B,2\n"
                        "T3,09:45:00,09:45:00,B,1\nT3,10:30:00,10:30:00,C,2\n"
                        /* past midnight */
                        "T4,23:30:00,23:30:00,D,1\nT4,25:10:00,25:10:00,E,2\n"
                        "T5,24:40:00,24:40:00,D,1\nT5,25:30:00,25:30:00,E,2\n"
                        /* calendar */
                        "T6,09:00:00,09:00:00,F,1\nT6,10:00:00,10:00:00,G,2\n"
                        "T7,11:00:00,11:00:00,F,1\nT7,12:00:00,12:00:00,G,2\n"
                        /* in-seat */
                        "T8,10:00:00,10:00:00,H,1\nT8,11:00:00,11:00:00,I,2\n"
                        "T9,11:05:00,11:05:00,I,1\nT9,12:00:00,12:00:00,J,2\n"
                        "T20,12:30:00,12:30:00,I,1\nT20,13:30:00,13:30:00,J,2\n"
                        /* forbidden */
                        "T10,08:00:00,08:00:00,L,1\nT10,09:00:00,09:00:00,K,2\n"
                        "T11,09:20:00,09:20:00,K,1\nT11,10:00:00,10:00:00,M,2\n"
                        "T12,11:00:00,11:00:00,K,1\nT12,12:00:00,12:00:00,M,2\n"
                        /* minimum time at a stop */
                        "T13,08:00:00,08:00:00,P,1\nT13,09:00:00,09:00:00,N,2\n"
                        "T14,09:20:00,09:20:00,N,1\nT14,10:00:00,10:00:00,Q,2\n"
                        "T15,09:40:00,09:40:00,N,1\nT15,10:30:00,10:30:00,Q,2\n"
                        /* timed transfer */
                        "T17,08:00:00,08:00:00,R,1\nT17,09:00:00,09:00:00,S,2\n"
                        "T18,09:02:00,09:02:00,S,1\nT18,10:00:00,10:00:00,U,2\n"
                        "T19,10:00:00,10:00:00,S,1\nT19,11:00:00,11:00:00,U,2\n"
                        /* forbidden from the first arrival, allowed from a later one
                         * of a train on the same stops (so of the same pattern, but
                         * for the rule) */
                        "T21,08:00:00,08:00:00,V,1\nT21,09:00:00,09:00:00,W,2\n"
                        "T22,08:10:00,08:10:00,V,1\nT22,09:05:00,09:05:00,W,2\n"
                        "T23,09:20:00,09:20:00,W,1\nT23,10:00:00,10:00:00,X,2\n"
                        "T24,11:00:00,11:00:00,W,1\nT24,12:00:00,12:00:00,X,2\n"
                        /* the same, seen arriving by: from the last departure forbidden */
                        "T31,08:00:00,08:00:00,V2,1\nT31,09:00:00,09:00:00,W2,2\n"
                        "T32,09:20:00,09:20:00,W2,1\nT32,10:00:00,10:00:00,X2,2\n"
                        "T33,09:15:00,09:15:00,W2,1\nT33,09:55:00,09:55:00,X2,2\n"),
    F("transfers.txt", "from_stop_id,to_stop_id,from_trip_id,to_trip_id,transfer_type,"
                       "min_transfer_time\n"
                       "I,I,T8,T9,4,\n"
                       "K,K,T10,T11,3,\n"
                       "N,N,,,2,1800\n"
                       "S,S,T17,T18,1,\n"
                       "W,W,T21,T23,3,\n"
                       "W2,W2,T31,T32,3,\n"),
};

/* ---- two feeds, two zones, one border ---- */

static const lx_gtfs_file cn_files[] = {
    F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                    "cr,China Railway,https://cr.example,Asia/Shanghai\n"),
    F("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\n"
                   "kmg,Kunming,25.0,102.7\nmohan,Mohan,21.2,101.7\nboten,Boten,21.1,101.6\n"),
    F("routes.txt", "route_id,agency_id,route_short_name,route_type\nd,cr,D,2\n"),
    F("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                      "start_date,end_date\ndaily,1,1,1,1,1,1,1,20260101,20271231\n"),
    F("trips.txt", "route_id,service_id,trip_id\nd,daily,D1\n"),
    F("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        "D1,08:00:00,08:00:00,kmg,1\nD1,14:00:00,14:10:00,mohan,2\n"
                        "D1,14:30:00,14:30:00,boten,3\n"),
    F("lx_stations.txt", "stop_id,country,km\nkmg,CN,0\nmohan,CN,586\nboten,LA,598\n"),
};

static const lx_gtfs_file la_files[] = {
    F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                    "lcr,Lao Rail,https://lcr.example,Asia/Vientiane\n"),
    F("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\n"
                   "bt,Boten,21.1,101.6\nvte,Vientiane,18.0,102.6\n"),
    F("routes.txt", "route_id,agency_id,route_short_name,route_type\nc,lcr,C,2\n"),
    F("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                      "start_date,end_date\ndaily,1,1,1,1,1,1,1,20260101,20271231\n"),
    F("trips.txt", "route_id,service_id,trip_id\nc,daily,L1\nc,daily,L2\nc,daily,L3\n"),
    F("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        "L1,14:00:00,14:00:00,bt,1\nL1,17:00:00,17:00:00,vte,2\n"
                        "L2,14:35:00,14:35:00,bt,1\nL2,17:35:00,17:35:00,vte,2\n"
                        "L3,15:00:00,15:00:00,bt,1\nL3,18:00:00,18:00:00,vte,2\n"),
    F("lx_stations.txt", "stop_id,country,km\nbt,LA,0\nvte,LA,414\n"),
};

/* ---- a parent station and a frequency-based trip ---- */

static const lx_gtfs_file freq_files[] = {
    F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                    "m,Metro,https://m.example,Asia/Vientiane\n"),
    F("stops.txt", "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                   "hub,Hub,18.0,102.0,1,\n"
                   "hub_1,Hub platform 1,18.0,102.0,0,hub\n"
                   "hub_2,Hub platform 2,18.0001,102.0,0,hub\n"
                   "x,Xay,18.5,102.0,0,\n"
                   "y,Yot,18.9,102.0,0,\n"),
    F("routes.txt", "route_id,agency_id,route_short_name,route_type\nm1,m,M1,1\n"),
    F("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                      "start_date,end_date\ndaily,1,1,1,1,1,1,1,20260101,20271231\n"),
    F("trips.txt", "route_id,service_id,trip_id\nm1,daily,F1\nm1,daily,P1\n"),
    F("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        "F1,08:00:00,08:00:00,x,1\nF1,08:40:00,08:40:00,hub_2,2\n"
                        "P1,09:00:00,09:00:00,hub_1,1\nP1,09:50:00,09:50:00,y,2\n"),
    F("frequencies.txt", "trip_id,start_time,end_time,headway_secs\n"
                         "F1,08:00:00,10:00:00,1800\n"),
};

/* ---- four routes, joined by an in-seat run, a timed change between two stops and a
 * footpath: the bound on trips (places and lines) must see through all three ---- */

static const lx_gtfs_file line_files[] = {
    F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                    "l,Line Rail,https://line.example,Asia/Vientiane\n"),
    F("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\n"
                   "x1,One,18.0,102.0\nx2,Two,18.1,102.0\nx3,Three,18.2,102.0\n"
                   "x4,Four,18.3,102.0\nx5,Five,18.4,102.0\nx6,Six,18.5,102.0\n"
                   "x7,Seven,18.6,102.0\n"),
    F("routes.txt", "route_id,agency_id,route_short_name,route_type\n"
                    "ra,l,A,2\nrb,l,B,2\nrc,l,C,2\nrd,l,D,2\n"),
    F("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                      "start_date,end_date\ndaily,1,1,1,1,1,1,1,20260101,20271231\n"),
    F("trips.txt", "route_id,service_id,trip_id\nra,daily,A1\nrb,daily,B1\nrc,daily,C1\n"
                   "rd,daily,D1\n"),
    F("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        "A1,08:00:00,08:00:00,x1,1\nA1,09:00:00,09:00:00,x2,2\n"
                        "B1,09:05:00,09:05:00,x2,1\nB1,10:00:00,10:00:00,x3,2\n"
                        "C1,10:10:00,10:10:00,x5,1\nC1,11:00:00,11:00:00,x4,2\n"
                        "D1,11:30:00,11:30:00,x6,1\nD1,12:00:00,12:00:00,x7,2\n"),
    F("transfers.txt", "from_stop_id,to_stop_id,from_trip_id,to_trip_id,transfer_type,"
                       "min_transfer_time\n"
                       "x2,x2,A1,B1,4,\n"
                       "x3,x5,B1,C1,1,\n"
                       "x4,x6,,,2,600\n"),
};

/* ---- rules between routes (transfers.txt from_route_id, to_route_id) ---- */

static const lx_gtfs_file route_rule_files[] = {
    F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                    "l,Route Rail,https://route.example,Asia/Vientiane\n"),
    F("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\n"
                   "p1,P One,18.0,102.0\np2,P Two,18.1,102.0\np3,P Three,18.2,102.0\n"
                   "p4,P Four,18.3,102.0\np5,P Five,18.4,102.0\n"),
    F("routes.txt", "route_id,agency_id,route_short_name,route_type\n"
                    "ra,l,A,2\nrb,l,B,2\nrc,l,C,2\nrd,l,D,2\nre,l,E,2\n"),
    F("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                      "start_date,end_date\ndaily,1,1,1,1,1,1,1,20260101,20271231\n"),
    F("trips.txt", "route_id,service_id,trip_id\nra,daily,A1\nra,daily,A2\nrb,daily,B1\n"
                   "rb,daily,B2\nrc,daily,C1\nrd,daily,D1\nre,daily,E1\nre,daily,E2\n"),
    F("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        "A1,08:00:00,08:00:00,p1,1\nA1,09:00:00,09:00:00,p2,2\n"
                        "B1,09:20:00,09:20:00,p2,1\nB1,10:00:00,10:00:00,p3,2\n"
                        "C1,09:40:00,09:40:00,p2,1\nC1,10:30:00,10:30:00,p3,2\n"
                        "A2,11:00:00,11:00:00,p1,1\nA2,12:00:00,12:00:00,p2,2\n"
                        "B2,12:15:00,12:15:00,p2,1\nB2,13:00:00,13:00:00,p3,2\n"
                        "D1,13:00:00,13:00:00,p1,1\nD1,14:00:00,14:00:00,p4,2\n"
                        "E1,14:20:00,14:20:00,p4,1\nE1,15:00:00,15:00:00,p5,2\n"
                        "E2,14:50:00,14:50:00,p4,1\nE2,15:30:00,15:30:00,p5,2\n"),
    F("transfers.txt", "from_stop_id,to_stop_id,from_route_id,to_route_id,from_trip_id,"
                       "to_trip_id,transfer_type,min_transfer_time\n"
                       "p2,p2,ra,rb,,,3,\n"
                       "p2,p2,,,A2,B2,0,\n"
                       "p4,p4,rd,re,,,2,2400\n"),
};

#undef F

/* ---- helpers ---- */

typedef struct {
    lx_net *net;
    lx_plan *plan;
    lx_plan_query *q;
} world;

static void world_open(world *w, const lx_gtfs_file *const *files, const size_t *n,
                       const char *const *names, int feeds)
{
    assert_int_equal(lx_net_create(&w->net), LX_OK);
    for (int i = 0; i < feeds; i++)
        assert_int_equal(lx_net_add(w->net, fx_load_ok(files[i], n[i], names[i], NULL)), LX_OK);
    assert_int_equal(lx_plan_create(w->net, NULL, &w->plan), LX_OK);
    assert_int_equal(lx_plan_query_create(w->plan, &w->q), LX_OK);
}

/* a world of one feed */
static void world_one(world *w, const lx_gtfs_file *files, size_t n, const char *name)
{
    const lx_gtfs_file *f[] = {files};
    const char *names[] = {name};
    world_open(w, f, &n, names, 1);
}

static void world_gold(world *w)
{
    world_one(w, gold_files, FX_COUNT(gold_files), "gold");
}

static void world_close(world *w)
{
    lx_plan_query_destroy(w->q);
    lx_plan_destroy(w->plan);
    lx_net_destroy(w->net);
}

static lx_place place(const world *w, uint32_t feed, const char *id)
{
    uint32_t s = lx_tt_station_by_id(lx_net_feed(w->net, feed), id);
    assert_int_not_equal(s, LX_NONE);
    return (lx_place){feed, s};
}

/* the instant of local time hh:mm on y-m-d in the feed's zone */
static lx_instant_t at(const world *w, uint32_t feed, int y, int m, int d, int hh, int mm)
{
    const lx_tz *tz = lx_tt_default_tz(lx_net_feed(w->net, feed));
    return lx_tz_local_to_instant(tz, lx_date_from_ymd(y, m, d), hh * 3600 + mm * 60);
}

static uint32_t search(world *w, uint32_t ff, const char *from, uint32_t tf, const char *to,
                       lx_instant_t t, int32_t window, int arrive_by, const lx_plan_journey **j)
{
    lx_place a = place(w, ff, from), b = place(w, tf, to);
    lx_plan_request r = {&a, 1, &b, 1, t, window, arrive_by, -1, NULL, NULL};
    uint32_t n = 99;
    assert_int_equal(lx_plan_search(w->q, &r, j, &n), LX_OK);
    return n;
}

static void expect_leg(const world *w, const lx_net_leg *l, uint32_t feed, const char *trip,
                       lx_instant_t dep, lx_instant_t arr)
{
    const lx_tt *tt = lx_net_feed(w->net, feed);
    assert_int_equal(l->feed, feed);
    assert_string_equal(lx_tt_trips(tt, &(uint32_t){0})[l->leg.trip].id, trip);
    assert_int_equal(l->leg.departure, dep);
    assert_int_equal(l->leg.arrival, arr);
}

/* The one journey from `from` to `to` (feed 0) leaving at or after t, whose leg `leg`
 * is `trip` from dep to arr; returns its number of legs. */
static uint32_t expect_only(const world *w, const char *from, const char *to, lx_instant_t t,
                            uint32_t leg, const char *trip, lx_instant_t dep, lx_instant_t arr)
{
    const lx_plan_journey *j;
    lx_place a = place(w, 0, from), b = place(w, 0, to);
    lx_plan_request r = {&a, 1, &b, 1, t, 0, 0, -1, NULL, NULL};
    uint32_t n = 99;
    assert_int_equal(lx_plan_search(w->q, &r, &j, &n), LX_OK);
    assert_int_equal(n, 1);
    assert_true(leg < j[0].n_legs);
    expect_leg(w, &j[0].legs[leg], 0, trip, dep, arr);
    return j[0].n_legs;
}

/* Every journey is a chain: legs follow each other, the changes take their time. */
static void check_chain(const world *w, const lx_plan_journey *j, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        assert_true(j[i].n_legs >= 1);
        assert_int_equal(j[i].departure, j[i].legs[0].leg.departure);
        assert_int_equal(j[i].arrival, j[i].legs[j[i].n_legs - 1].leg.arrival);
        uint32_t changes = 0;
        for (uint32_t k = 0; k + 1 < j[i].n_legs; k++) {
            const lx_net_leg *a = &j[i].legs[k], *b = &j[i].legs[k + 1];
            const lx_plan_transfer *t = &j[i].transfers[k];
            const lx_tt *ta = lx_net_feed(w->net, a->feed), *tb = lx_net_feed(w->net, b->feed);
            assert_int_equal(t->from.feed, a->feed);
            assert_int_equal(t->from.station, lx_tt_st_stop(ta)[a->leg.to_pos]);
            assert_int_equal(t->to.feed, b->feed);
            assert_int_equal(t->to.station, lx_tt_st_stop(tb)[b->leg.from_pos]);
            assert_true(b->leg.departure - a->leg.arrival >= t->min_seconds);
            changes += !t->in_seat;
        }
        assert_int_equal(changes, j[i].n_transfers);
    }
}

/* The one journey (feed 0) from `from` to `to` on 2026-12-21 (leaving at or
 * after t, or arriving by it), whose n legs are legs[3i] from legs[3i+1] ("hh:mm") to
 * legs[3i+2]. */
static const lx_plan_journey *expect_legs(world *w, const char *from, const char *to,
                                          lx_instant_t t, int arrive_by, const char *const *legs,
                                          uint32_t n)
{
    const lx_plan_journey *j;
    uint32_t got = search(w, 0, from, 0, to, t, 0, arrive_by, &j);
    check_chain(w, j, got);
    assert_int_equal(got, 1);
    assert_int_equal(j[0].n_legs, n);
    for (uint32_t i = 0; i < n; i++) {
        const char *d = legs[3 * i + 1], *a = legs[3 * i + 2];
        expect_leg(w, &j[0].legs[i], 0, legs[3 * i], at(w, 0, 2026, 12, 21, atoi(d), atoi(d + 3)),
                   at(w, 0, 2026, 12, 21, atoi(a), atoi(a + 3)));
    }
    return j;
}

/* ---- golden scenarios ---- */

static void test_direct_and_pareto(void **state)
{
    (void)state;
    world w;
    world_gold(&w);
    const lx_plan_journey *j;
    /* from 07:00: the direct T1 (08:00 -> 12:00) and, one change faster, T16 + T3 */
    uint32_t n = search(&w, 0, "A", 0, "C", at(&w, 0, 2026, 12, 21, 7, 0), 0, 0, &j);
    check_chain(&w, j, n);
    assert_int_equal(n, 2);
    assert_int_equal(j[0].n_legs, 2);
    assert_int_equal(j[0].n_transfers, 1);
    expect_leg(&w, &j[0].legs[0], 0, "T16", at(&w, 0, 2026, 12, 21, 7, 30),
               at(&w, 0, 2026, 12, 21, 8, 30));
    expect_leg(&w, &j[0].legs[1], 0, "T3", at(&w, 0, 2026, 12, 21, 9, 45),
               at(&w, 0, 2026, 12, 21, 10, 30));
    assert_int_equal(j[0].transfers[0].min_seconds, 600);
    assert_int_equal(j[0].transfers[0].border, 0);
    assert_int_equal(j[1].n_legs, 1);
    assert_int_equal(j[1].n_transfers, 0);
    expect_leg(&w, &j[1].legs[0], 0, "T1", at(&w, 0, 2026, 12, 21, 8, 0),
               at(&w, 0, 2026, 12, 21, 12, 0));
    /* at most 0 changes: the direct train alone */
    lx_place a = place(&w, 0, "A"), c = place(&w, 0, "C");
    lx_plan_request r = {&a, 1, &c, 1, at(&w, 0, 2026, 12, 21, 7, 0), 0, 0, 0, NULL, NULL};
    assert_int_equal(lx_plan_search(w.q, &r, &j, &n), LX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(j[0].n_legs, 1);
    /* from 09:00 only the change remains possible... from B */
    n = search(&w, 0, "B", 0, "C", at(&w, 0, 2026, 12, 21, 9, 0), 0, 0, &j);
    assert_int_equal(n, 1);
    expect_leg(&w, &j[0].legs[0], 0, "T3", at(&w, 0, 2026, 12, 21, 9, 45),
               at(&w, 0, 2026, 12, 21, 10, 30));
    /* after the last train from A: tomorrow's, T16 + T3 and T1 */
    n = search(&w, 0, "A", 0, "C", at(&w, 0, 2026, 12, 21, 8, 31), 0, 0, &j);
    assert_int_equal(n, 2);
    assert_int_equal(j[0].departure, at(&w, 0, 2026, 12, 22, 7, 30));
    assert_int_equal(j[1].departure, at(&w, 0, 2026, 12, 22, 8, 0));
    world_close(&w);
}

static void test_past_midnight(void **state)
{
    (void)state;
    world w;
    world_gold(&w);
    const lx_plan_journey *j;
    uint32_t n = search(&w, 0, "D", 0, "E", at(&w, 0, 2026, 12, 21, 23, 0), 0, 0, &j);
    assert_int_equal(n, 1);
    expect_leg(&w, &j[0].legs[0], 0, "T4", at(&w, 0, 2026, 12, 21, 23, 30),
               at(&w, 0, 2026, 12, 22, 1, 10));
    assert_int_equal(j[0].legs[0].leg.service_day, lx_date_from_ymd(2026, 12, 21));
    /* at 00:30 the train of the day before, 24:40, still leaves */
    n = search(&w, 0, "D", 0, "E", at(&w, 0, 2026, 12, 22, 0, 30), 0, 0, &j);
    assert_int_equal(n, 1);
    expect_leg(&w, &j[0].legs[0], 0, "T5", at(&w, 0, 2026, 12, 22, 0, 40),
               at(&w, 0, 2026, 12, 22, 1, 30));
    assert_int_equal(j[0].legs[0].leg.service_day, lx_date_from_ymd(2026, 12, 21));
    world_close(&w);
}

static void test_calendar(void **state)
{
    (void)state;
    world w;
    world_gold(&w);
    /* Monday: the Sunday-only T6 does not run */
    expect_only(&w, "F", "G", at(&w, 0, 2026, 12, 21, 8, 0), 0, "T7",
                at(&w, 0, 2026, 12, 21, 11, 0), at(&w, 0, 2026, 12, 21, 12, 0));
    /* Sunday: it does */
    expect_only(&w, "F", "G", at(&w, 0, 2026, 12, 20, 8, 0), 0, "T6", at(&w, 0, 2026, 12, 20, 9, 0),
                at(&w, 0, 2026, 12, 20, 10, 0));
    world_close(&w);
}

static void test_transfer_rules(void **state)
{
    (void)state;
    world w;
    world_gold(&w);
    const lx_plan_journey *j;
    /* in-seat (type 4): T8 goes on as T9 five minutes later; no change counted */
    uint32_t n = search(&w, 0, "H", 0, "J", at(&w, 0, 2026, 12, 21, 9, 0), 0, 0, &j);
    check_chain(&w, j, n);
    assert_int_equal(n, 1);
    assert_int_equal(j[0].n_legs, 2);
    assert_int_equal(j[0].n_transfers, 0);
    assert_int_equal(j[0].transfers[0].in_seat, 1);
    expect_leg(&w, &j[0].legs[0], 0, "T8", at(&w, 0, 2026, 12, 21, 10, 0),
               at(&w, 0, 2026, 12, 21, 11, 0));
    expect_leg(&w, &j[0].legs[1], 0, "T9", at(&w, 0, 2026, 12, 21, 11, 5),
               at(&w, 0, 2026, 12, 21, 12, 0));
    /* boarding at I itself, T9 is an ordinary train */
    n = search(&w, 0, "I", 0, "J", at(&w, 0, 2026, 12, 21, 11, 0), 0, 0, &j);
    assert_int_equal(n, 1);
    expect_leg(&w, &j[0].legs[0], 0, "T9", at(&w, 0, 2026, 12, 21, 11, 5),
               at(&w, 0, 2026, 12, 21, 12, 0));
    /* forbidden (type 3): T10 -> T11 at K is not allowed, T12 is taken */
    n = search(&w, 0, "L", 0, "M", at(&w, 0, 2026, 12, 21, 7, 0), 0, 0, &j);
    check_chain(&w, j, n);
    assert_int_equal(n, 1);
    expect_leg(&w, &j[0].legs[0], 0, "T10", at(&w, 0, 2026, 12, 21, 8, 0),
               at(&w, 0, 2026, 12, 21, 9, 0));
    expect_leg(&w, &j[0].legs[1], 0, "T12", at(&w, 0, 2026, 12, 21, 11, 0),
               at(&w, 0, 2026, 12, 21, 12, 0));
    /* minimum time (type 2, 30 min at N): T14 at 09:20 is too soon, T15 at 09:40 */
    n = search(&w, 0, "P", 0, "Q", at(&w, 0, 2026, 12, 21, 7, 0), 0, 0, &j);
    check_chain(&w, j, n);
    assert_int_equal(n, 1);
    expect_leg(&w, &j[0].legs[1], 0, "T15", at(&w, 0, 2026, 12, 21, 9, 40),
               at(&w, 0, 2026, 12, 21, 10, 30));
    assert_int_equal(j[0].transfers[0].min_seconds, 1800);
    /* timed (type 1, trip to trip): T18 waits for T17, two minutes are enough */
    n = search(&w, 0, "R", 0, "U", at(&w, 0, 2026, 12, 21, 7, 0), 0, 0, &j);
    check_chain(&w, j, n);
    assert_int_equal(n, 1);
    assert_int_equal(j[0].n_transfers, 1);
    expect_leg(&w, &j[0].legs[1], 0, "T18", at(&w, 0, 2026, 12, 21, 9, 2),
               at(&w, 0, 2026, 12, 21, 10, 0));
    assert_int_equal(j[0].transfers[0].min_seconds, 0);
    /* forbidden T21 -> T23 at W, but T22 arrives there five minutes after T21: the
     * change from T22 is allowed, T22 + T23 arrive at 10:00 (not T21 + T24 at 12:00) */
    static const char *const fwd[] = {"T22", "08:10", "09:05", "T23", "09:20", "10:00"};
    j = expect_legs(&w, "V", "X", at(&w, 0, 2026, 12, 21, 7, 0), 0, fwd, 2);
    assert_int_equal(j->transfers[0].min_seconds, 600);
    /* backwards: arriving at X2 by 10:00, T32 (from W2 09:20) may not be reached
     * from T31, but T33 (from W2 09:15) may: T31 + T33, leaving V2 at 08:00 */
    static const char *const back[] = {"T31", "08:00", "09:00", "T33", "09:15", "09:55"};
    expect_legs(&w, "V2", "X2", at(&w, 0, 2026, 12, 21, 10, 0), 1, back, 2);
    world_close(&w);
}

/* Kunming to Vientiane from 07:00 (the two-zone feeds, or variants): D1 to Boten, then
 * `train` of the Lao feed leaving Boten at hh:mm +07 and arriving three hours later,
 * with a border change of min_seconds; and the same journey found backwards. */
static void expect_border_change(world *w, const char *train, int hh, int mm, int32_t min_seconds)
{
    const lx_plan_journey *j;
    uint32_t n = search(w, 0, "kmg", 1, "vte", at(w, 0, 2026, 12, 21, 7, 0), 0, 0, &j);
    check_chain(w, j, n);
    assert_int_equal(n, 1);
    assert_int_equal(j[0].n_legs, 2);
    expect_leg(w, &j[0].legs[0], 0, "D1", at(w, 0, 2026, 12, 21, 8, 0),
               at(w, 0, 2026, 12, 21, 14, 30));
    lx_instant_t arr = at(w, 1, 2026, 12, 21, hh + 3, mm);
    expect_leg(w, &j[0].legs[1], 1, train, at(w, 1, 2026, 12, 21, hh, mm), arr);
    assert_int_equal(j[0].transfers[0].border, 1);
    assert_int_equal(j[0].transfers[0].min_seconds, min_seconds);
    assert_int_equal(j[0].transfers[0].from.feed, 0);
    assert_int_equal(j[0].transfers[0].to.feed, 1);
    /* arrive by that arrival: the same journey, found backwards */
    n = search(w, 0, "kmg", 1, "vte", arr, 0, 1, &j);
    check_chain(w, j, n);
    assert_int_equal(n, 1);
    expect_leg(w, &j[0].legs[1], 1, train, at(w, 1, 2026, 12, 21, hh, mm), arr);
    assert_int_equal(j[0].departure, at(w, 0, 2026, 12, 21, 8, 0));
    assert_int_equal(j[0].transfers[0].border, 1);
    /* a minute earlier: not that day's D1 */
    n = search(w, 0, "kmg", 1, "vte", arr - 60, 0, 1, &j);
    assert_int_equal(n, 1);
    assert_int_equal(j[0].departure, at(w, 0, 2026, 12, 20, 8, 0));
}

static void test_two_zones_border(void **state)
{
    (void)state;
    world w;
    const lx_gtfs_file *f[] = {cn_files, la_files};
    size_t n2[] = {FX_COUNT(cn_files), FX_COUNT(la_files)};
    const char *names[] = {"cn", "la"};
    world_open(&w, f, n2, names, 2);
    /* D1 reaches Boten at 14:30 +08 (13:30 +07); a change of 10 min plus 60 min of
     * border control: L1 (14:00) and L2 (14:35) are missed, L3 (15:00 +07) is taken,
     * 11 hours from 08:00 +08 to 18:00 +07 */
    expect_border_change(&w, "L3", 15, 0, 600 + 3600);
    world_close(&w);
}

/* A feed's files with one more (or one replaced, by name). */
static size_t with_file(lx_gtfs_file *out, const lx_gtfs_file *in, size_t n, const char *name,
                        const char *text)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(in[i].name, name) != 0)
            out[m++] = in[i];
    out[m++] = (lx_gtfs_file){name, text, strlen(text)};
    return m;
}

/* Change and border times of a station from lx_stations.txt (min_change_time,
 * border_time); transfers.txt still wins at its stop. */
static void test_station_times(void **state)
{
    (void)state;
    world w;
    /* 83 min to change at B: T16 (B 08:30) + T3 (09:45) no longer connect, and T2
     * (09:30) neither; at N transfers.txt's 30 min stay, not the 1 min asked here */
    lx_gtfs_file gold[FX_COUNT(gold_files) + 1];
    size_t ng = with_file(gold, gold_files, FX_COUNT(gold_files), "lx_stations.txt",
                          "stop_id,country,km,min_change_time,border_time\nB,,,5000,\nN,,,60,\n");
    world_one(&w, gold, ng, "gold");
    assert_int_equal(expect_only(&w, "A", "C", at(&w, 0, 2026, 12, 21, 7, 0), 0, "T1",
                                 at(&w, 0, 2026, 12, 21, 8, 0), at(&w, 0, 2026, 12, 21, 12, 0)),
                     1);
    expect_only(&w, "P", "Q", at(&w, 0, 2026, 12, 21, 7, 0), 1, "T15",
                at(&w, 0, 2026, 12, 21, 9, 40), at(&w, 0, 2026, 12, 21, 10, 30));
    world_close(&w);
    /* border control of 30 min at Boten and 5 min to change at either Boten: D1
     * arrives 13:30 +07, ready at 14:05, L2 (14:35) is caught rather than L3; and
     * backwards the same */
    lx_gtfs_file cn[FX_COUNT(cn_files) + 1], la[FX_COUNT(la_files) + 1];
    size_t n2[] = {with_file(cn, cn_files, FX_COUNT(cn_files), "lx_stations.txt",
                             "stop_id,country,km,min_change_time,border_time\n"
                             "kmg,CN,0,,\nmohan,CN,586,,\nboten,LA,598,300,1800\n"),
                   with_file(la, la_files, FX_COUNT(la_files), "lx_stations.txt",
                             "stop_id,country,km,min_change_time\nbt,LA,0,300\nvte,LA,414,\n")};
    const lx_gtfs_file *f2[] = {cn, la};
    const char *names[] = {"cn", "la"};
    world_open(&w, f2, n2, names, 2);
    expect_border_change(&w, "L2", 14, 35, 300 + 1800);
    world_close(&w);
}

static void test_range_and_arrive_by(void **state)
{
    (void)state;
    world w;
    world_gold(&w);
    const lx_plan_journey *j;
    /* 07:00-09:00: T16 + T3 (07:30) is beaten by T2 + T3 (08:30, same arrival); the
     * direct T1 (08:00) stays: it has no change */
    uint32_t n = search(&w, 0, "A", 0, "C", at(&w, 0, 2026, 12, 21, 7, 0), 2 * 3600, 0, &j);
    check_chain(&w, j, n);
    assert_int_equal(n, 2);
    expect_leg(&w, &j[0].legs[0], 0, "T1", at(&w, 0, 2026, 12, 21, 8, 0),
               at(&w, 0, 2026, 12, 21, 12, 0));
    assert_int_equal(j[1].n_legs, 2);
    expect_leg(&w, &j[1].legs[0], 0, "T2", at(&w, 0, 2026, 12, 21, 8, 30),
               at(&w, 0, 2026, 12, 21, 9, 30));
    assert_int_equal(j[1].arrival, at(&w, 0, 2026, 12, 21, 10, 30));
    /* arrive by 11:00: the latest is T2 + T3 (yesterday's direct T1 would be a
     * Pareto journey too, but it takes far more than twice as long: not answered) */
    n = search(&w, 0, "A", 0, "C", at(&w, 0, 2026, 12, 21, 11, 0), 0, 1, &j);
    check_chain(&w, j, n);
    assert_int_equal(n, 1);
    expect_leg(&w, &j[0].legs[0], 0, "T2", at(&w, 0, 2026, 12, 21, 8, 30),
               at(&w, 0, 2026, 12, 21, 9, 30));
    expect_leg(&w, &j[0].legs[1], 0, "T3", at(&w, 0, 2026, 12, 21, 9, 45),
               at(&w, 0, 2026, 12, 21, 10, 30));
    /* arrive by 12:30: the direct train too (earlier, but no change) */
    n = search(&w, 0, "A", 0, "C", at(&w, 0, 2026, 12, 21, 12, 30), 0, 1, &j);
    assert_int_equal(n, 2);
    assert_int_equal(j[0].departure, at(&w, 0, 2026, 12, 21, 8, 0));
    assert_int_equal(j[0].n_transfers, 0);
    assert_int_equal(j[1].departure, at(&w, 0, 2026, 12, 21, 8, 30));
    assert_int_equal(j[1].n_transfers, 1);
    world_close(&w);
}

/* refuses every leg of trip T3 */
static int no_t3(void *arg, const lx_net_leg *leg)
{
    const lx_tt *tt = arg;
    return strcmp(lx_tt_trips(tt, &(uint32_t){0})[leg->leg.trip].id, "T3") != 0;
}

static void test_leg_filter(void **state)
{
    (void)state;
    world w;
    world_gold(&w);
    lx_place a = place(&w, 0, "A"), c = place(&w, 0, "C");
    lx_plan_request r = {&a, 1, &c, 1,     at(&w, 0, 2026, 12, 21, 7, 0),
                         0,  0, -1, no_t3, (void *)lx_net_feed(w.net, 0)};
    const lx_plan_journey *j;
    uint32_t n;
    assert_int_equal(lx_plan_search(w.q, &r, &j, &n), LX_OK);
    /* without T3 the change at B has no train on to C that day: T1 alone */
    assert_int_equal(n, 1);
    expect_leg(&w, &j[0].legs[0], 0, "T1", at(&w, 0, 2026, 12, 21, 8, 0),
               at(&w, 0, 2026, 12, 21, 12, 0));
    world_close(&w);
}

static void test_bad_requests(void **state)
{
    (void)state;
    world w;
    world_gold(&w);
    lx_place a = place(&w, 0, "A"), bad = {0, 9999}, badf = {7, 0};
    const lx_plan_journey *j;
    uint32_t n;
    lx_plan_request r = {&a, 1, &a, 0, 0, 0, 0, -1, NULL, NULL};
    assert_int_equal(lx_plan_search(w.q, &r, &j, &n), LX_INVAL);
    r.n_to = 1;
    r.to = &bad;
    assert_int_equal(lx_plan_search(w.q, &r, &j, &n), LX_INVAL);
    r.to = &badf;
    assert_int_equal(lx_plan_search(w.q, &r, &j, &n), LX_INVAL);
    r.to = &a;
    r.window_seconds = 3600;
    r.arrive_by = 1;
    assert_int_equal(lx_plan_search(w.q, &r, &j, &n), LX_INVAL);
    lx_plan_opts o;
    lx_plan_opts_init(&o);
    o.max_transfers = LX_PLAN_MAX_TRANSFERS + 1;
    lx_plan *p = (lx_plan *)1;
    assert_int_equal(lx_plan_create(w.net, &o, &p), LX_INVAL);
    assert_null(p);
    lx_plan_destroy(NULL);
    lx_plan_query_destroy(NULL);
    world_close(&w);
}

/* A frequency-based trip runs every 30 minutes; its runs are legs with an offset. A
 * parent station stands for its platforms, which are a change apart. */
static void test_frequencies_and_platforms(void **state)
{
    (void)state;
    world w;
    world_one(&w, freq_files, FX_COUNT(freq_files), "metro");
    const lx_plan_journey *j;
    /* 08:10 at Xay: the 08:30 run, at Hub 09:10, too late for P1 (09:00) the same day */
    uint32_t n = search(&w, 0, "x", 0, "hub", at(&w, 0, 2026, 12, 21, 8, 10), 0, 0, &j);
    assert_int_equal(n, 1);
    expect_leg(&w, &j[0].legs[0], 0, "F1", at(&w, 0, 2026, 12, 21, 8, 30),
               at(&w, 0, 2026, 12, 21, 9, 10));
    assert_int_equal(j[0].legs[0].leg.offset, 1800);
    /* from Xay to Yot at 07:50: the 08:00 run to platform 2, ten minutes' change to
     * platform 1 (a footpath within the station), P1 at 09:00 */
    n = search(&w, 0, "x", 0, "y", at(&w, 0, 2026, 12, 21, 7, 50), 0, 0, &j);
    check_chain(&w, j, n);
    assert_int_equal(n, 1);
    assert_int_equal(j[0].n_legs, 2);
    expect_leg(&w, &j[0].legs[0], 0, "F1", at(&w, 0, 2026, 12, 21, 8, 0),
               at(&w, 0, 2026, 12, 21, 8, 40));
    assert_int_equal(j[0].legs[0].leg.offset, 0);
    expect_leg(&w, &j[0].legs[1], 0, "P1", at(&w, 0, 2026, 12, 21, 9, 0),
               at(&w, 0, 2026, 12, 21, 9, 50));
    assert_int_not_equal(j[0].transfers[0].from.station, j[0].transfers[0].to.station);
    assert_int_equal(j[0].transfers[0].min_seconds, 600);
    /* from the parent station itself: its platform 1 */
    n = search(&w, 0, "hub", 0, "y", at(&w, 0, 2026, 12, 21, 8, 0), 0, 0, &j);
    assert_int_equal(n, 1);
    expect_leg(&w, &j[0].legs[0], 0, "P1", at(&w, 0, 2026, 12, 21, 9, 0),
               at(&w, 0, 2026, 12, 21, 9, 50));
    world_close(&w);
}

/* Rows between routes: route A may not change to route B at P2, but a row naming two
 * of their trips wins (A2 -> B2, a recommended change); route D needs 40 minutes to
 * route E at P4. */
static void test_route_rules(void **state)
{
    (void)state;
    world w;
    world_one(&w, route_rule_files, FX_COUNT(route_rule_files), "routes");
    static const char *const forbidden[] = {"A1", "08:00", "09:00", "C1", "09:40", "10:30"};
    const lx_plan_journey *j =
        expect_legs(&w, "p1", "p3", at(&w, 0, 2026, 12, 21, 7, 0), 0, forbidden, 2);
    assert_int_equal(j->n_transfers, 1);
    static const char *const timed[] = {"A2", "11:00", "12:00", "B2", "12:15", "13:00"};
    j = expect_legs(&w, "p1", "p3", at(&w, 0, 2026, 12, 21, 10, 30), 0, timed, 2);
    assert_int_equal(j->transfers[0].min_seconds, 600);
    static const char *const longer[] = {"D1", "13:00", "14:00", "E2", "14:50", "15:30"};
    j = expect_legs(&w, "p1", "p5", at(&w, 0, 2026, 12, 21, 12, 30), 0, longer, 2);
    assert_int_equal(j->transfers[0].min_seconds, 2400); /* the rule's, not the station's */
    /* the same, arriving by */
    expect_legs(&w, "p1", "p3", at(&w, 0, 2026, 12, 21, 10, 30), 1, forbidden, 2);
    expect_legs(&w, "p1", "p5", at(&w, 0, 2026, 12, 21, 15, 30), 1, longer, 2);
    world_close(&w);
}

/* A journey needing k trips is found with k - 1 changes allowed, not with k - 2: the
 * bound on trips from places and lines must count an in-seat run as one trip, and
 * join the stops of a timed change and of a footpath. */
static void test_trip_bound(void **state)
{
    (void)state;
    world w;
    world_one(&w, line_files, FX_COUNT(line_files), "line");
    static const struct {
        const char *to;
        int32_t trips; /* trips of the journey from x1 at 07:00 */
        int hh, mm;    /* its arrival */
    } want[] = {{"x3", 1, 10, 0}, {"x4", 2, 11, 0}, {"x7", 3, 12, 0}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        for (int32_t mt = 0; mt <= 3; mt++) {
            lx_place a = place(&w, 0, "x1"), b = place(&w, 0, want[i].to);
            lx_plan_request r = {&a, 1, &b, 1, at(&w, 0, 2026, 12, 21, 7, 0), 0, 0, mt, NULL, NULL};
            const lx_plan_journey *j;
            uint32_t n = 99;
            assert_int_equal(lx_plan_search(w.q, &r, &j, &n), LX_OK);
            check_chain(&w, j, n);
            if (mt + 1 < want[i].trips) {
                assert_int_equal(n, 0);
                continue;
            }
            assert_int_equal(n, 1);
            assert_int_equal(j[0].n_transfers, (uint32_t)want[i].trips - 1);
            assert_int_equal(j[0].arrival, at(&w, 0, 2026, 12, 21, want[i].hh, want[i].mm));
            /* and the same journey arriving by its arrival, searched backwards */
            r.arrive_by = 1;
            r.time = j[0].arrival;
            assert_int_equal(lx_plan_search(w.q, &r, &j, &n), LX_OK);
            assert_int_equal(n, 1);
            assert_int_equal(j[0].departure, at(&w, 0, 2026, 12, 21, 8, 0));
        }
    world_close(&w);
}

/* the built-in China-Laos feed: Kunming to Vientiane, with the real timetable */
static void test_builtin_feed(void **state)
{
    (void)state;
    world w;
    assert_int_equal(lx_net_create(&w.net), LX_OK);
    lx_tt *tt;
    assert_int_equal(lx_builtin_load(&tt), LX_OK);
    assert_int_equal(lx_net_add(w.net, tt), LX_OK);
    assert_int_equal(lx_plan_create(w.net, NULL, &w.plan), LX_OK);
    assert_int_equal(lx_plan_query_create(w.plan, &w.q), LX_OK);
    lx_place from[8], to[8];
    uint32_t nf, nt;
    assert_int_equal(lx_net_resolve(w.net, "Kunming South", from, 8, &nf), LX_OK);
    assert_int_equal(lx_net_resolve(w.net, "Vientiane", to, 8, &nt), LX_OK);
    lx_gtfs_summary s;
    lx_gtfs_summarize(tt, &s);
    lx_date_t day = s.first_day + 7;
    lx_instant_t t = lx_tz_local_to_instant(lx_tt_default_tz(tt), day, 0);
    lx_plan_request r = {from, nf, to, nt, t, 0, 0, -1, NULL, NULL};
    const lx_plan_journey *j;
    uint32_t n;
    assert_int_equal(lx_plan_search(w.q, &r, &j, &n), LX_OK);
    check_chain(&w, j, n);
    assert_true(n >= 1);
    assert_true(j[0].departure >= t);
    world_close(&w);
}

/* ---- randomized cross-check: Connection Scan on LIRR ---- */

#ifndef LX_LIRR_PATH
#define LX_LIRR_PATH ""
#endif

typedef struct {
    lx_instant_t dep, arr;
    uint32_t trip, inst, from, to; /* inst: trip * ND + day slot */
    uint8_t can_board, can_alight;
} conn;

static int conn_cmp(const void *a, const void *b)
{
    const conn *x = a, *y = b;
    if (x->dep != y->dep)
        return x->dep < y->dep ? -1 : 1;
    return x->arr < y->arr ? -1 : x->arr > y->arr;
}

enum { ND = 6 };

typedef struct {
    const lx_tt *tt;
    lx_date_t day0;
    conn *c;
    size_t n;
} csa;

static void csa_build(csa *x, const lx_tt *tt, lx_date_t day0)
{
    uint32_t nt, n_st = lx_tt_stop_time_count(tt);
    const lx_trip *trips = lx_tt_trips(tt, &nt);
    const uint32_t *stop = lx_tt_st_stop(tt);
    const lx_time_t *arr = lx_tt_st_arrival(tt), *dep = lx_tt_st_departure(tt);
    const uint8_t *pu = lx_tt_st_pickup(tt), *dr = lx_tt_st_dropoff(tt);
    x->tt = tt;
    x->day0 = day0;
    x->c = malloc((size_t)n_st * ND * sizeof *x->c);
    assert_non_null(x->c);
    x->n = 0;
    for (uint32_t t = 0; t < nt; t++)
        for (uint32_t d = 0; d < ND; d++) {
            if (!lx_tt_service_runs(tt, trips[t].service, day0 + (lx_date_t)d))
                continue;
            for (uint32_t i = 0; i + 1 < trips[t].st_count; i++) {
                uint32_t p = trips[t].st_first + i;
                conn *c = &x->c[x->n++];
                c->dep = lx_tz_service_instant(lx_tt_default_tz(tt), day0 + (lx_date_t)d, dep[p]);
                c->arr =
                    lx_tz_service_instant(lx_tt_default_tz(tt), day0 + (lx_date_t)d, arr[p + 1]);
                c->trip = t;
                c->inst = t * ND + d;
                c->from = stop[p];
                c->to = stop[p + 1];
                c->can_board = pu[p] != 1;
                c->can_alight = dr[p + 1] != 1;
            }
        }
    qsort(x->c, x->n, sizeof *x->c, conn_cmp);
}

/* Earliest arrival from station a to station b leaving at or after t, within limit,
 * with at most max_trips trips (0: any number); LX_INSTANT_MAX when none. The rules:
 * change[] at a stop, type 1/2 trip-to-trip rows (timed transfers at their stop).
 * Without a limit, one pass in which every arrival may be boarded from at once; with
 * one, a pass per trip, boarding only from the arrivals of the pass before. */
static lx_instant_t csa_run(const csa *x, uint32_t a, uint32_t b, lx_instant_t t,
                            lx_instant_t limit, const int32_t *change, uint32_t max_trips)
{
    uint32_t ns, nt, ntr;
    lx_tt_stations(x->tt, &ns);
    lx_tt_trips(x->tt, &nt);
    const lx_transfer *tr = lx_tt_transfers(x->tt, &ntr);
    /* [0]: the labels boarded from, [1]: those a pass writes (the same without a limit) */
    lx_instant_t *ready[2], *arr = malloc(ns * sizeof *arr);
    lx_instant_t *guar[2]; /* trip -> earliest, at its stop */
    uint32_t *guar_stop[2];
    int per_trip = max_trips > 0;
    for (int k = 0; k <= per_trip; k++) {
        ready[k] = malloc(ns * sizeof *ready[k]);
        guar[k] = malloc((size_t)nt * sizeof *guar[k]);
        guar_stop[k] = malloc((size_t)nt * sizeof *guar_stop[k]);
        assert_true(ready[k] && guar[k] && guar_stop[k]);
        for (uint32_t s = 0; s < ns; s++)
            ready[k][s] = LX_INSTANT_MAX;
        for (uint32_t i = 0; i < nt; i++)
            guar[k][i] = LX_INSTANT_MAX, guar_stop[k][i] = LX_NONE;
        ready[k][a] = t;
    }
    if (!per_trip) {
        ready[1] = ready[0], guar[1] = guar[0], guar_stop[1] = guar_stop[0];
        max_trips = 1;
    }
    uint8_t *on = malloc((size_t)nt * ND);
    assert_true(arr && on);
    for (uint32_t s = 0; s < ns; s++)
        arr[s] = LX_INSTANT_MAX;
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x->c[mid].dep < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (uint32_t pass = 0; pass < max_trips; pass++) {
        memset(on, 0, (size_t)nt * ND);
        for (size_t i = lo; i < x->n; i++) {
            const conn *c = &x->c[i];
            if (c->dep > arr[b] || c->dep > limit)
                break;
            int ok =
                on[c->inst] || (c->can_board &&
                                (ready[0][c->from] <= c->dep ||
                                 (guar_stop[0][c->trip] == c->from && guar[0][c->trip] <= c->dep)));
            if (!ok)
                continue;
            on[c->inst] = 1;
            if (!c->can_alight || c->arr > limit)
                continue;
            if (c->arr < arr[c->to])
                arr[c->to] = c->arr;
            if (change[c->to] >= 0 && c->arr + change[c->to] < ready[1][c->to])
                ready[1][c->to] = c->arr + change[c->to];
            for (uint32_t k = 0; k < ntr; k++) /* the trip's timed transfers here */
                if (tr[k].from_trip == c->trip && tr[k].to_trip != LX_NONE &&
                    tr[k].from_stop == c->to && (tr[k].type == 1 || tr[k].type == 2)) {
                    lx_instant_t g = c->arr + (tr[k].type == 2 && tr[k].min_transfer_time > 0
                                                   ? tr[k].min_transfer_time
                                                   : 0);
                    if (g < guar[1][tr[k].to_trip]) {
                        guar[1][tr[k].to_trip] = g;
                        guar_stop[1][tr[k].to_trip] = tr[k].to_stop;
                    }
                }
        }
        if (per_trip) { /* the next pass boards from everything reached so far */
            memcpy(ready[0], ready[1], ns * sizeof *ready[0]);
            memcpy(guar[0], guar[1], nt * sizeof *guar[0]);
            memcpy(guar_stop[0], guar_stop[1], nt * sizeof *guar_stop[0]);
        }
    }
    lx_instant_t res = arr[b];
    for (int k = 0; k <= per_trip; k++) {
        free(ready[k]);
        free(guar[k]);
        free(guar_stop[k]);
    }
    free(arr);
    free(on);
    return res;
}

/* The planner's earliest arrival from a to b (feed 0) leaving at or after t with at
 * most max_transfers changes (-1: the plan's) is `want`; counts journeys with a
 * change into *with_change. */
static void expect_earliest(const world *w, uint32_t a, uint32_t b, lx_instant_t t,
                            int32_t max_transfers, lx_instant_t want, uint32_t *with_change)
{
    lx_place pa = {0, a}, pb = {0, b};
    lx_plan_request r = {&pa, 1, &pb, 1, t, 0, 0, max_transfers, NULL, NULL};
    const lx_plan_journey *j;
    uint32_t n;
    assert_int_equal(lx_plan_search(w->q, &r, &j, &n), LX_OK);
    check_chain(w, j, n);
    lx_instant_t got = LX_INSTANT_MAX;
    for (uint32_t k = 0; k < n; k++) {
        assert_true(j[k].departure >= t);
        assert_true(max_transfers < 0 || j[k].n_transfers <= (uint32_t)max_transfers);
        if (j[k].arrival < got)
            got = j[k].arrival;
        if (with_change && j[k].n_transfers)
            (*with_change)++;
    }
    if (got != want) {
        const lx_station *st = lx_tt_stations(lx_net_feed(w->net, 0), NULL);
        fprintf(stderr, "lirr: %s -> %s at %lld, %d changes: planner %lld, scan %lld\n", st[a].id,
                st[b].id, (long long)t, max_transfers, (long long)got, (long long)want);
    }
    assert_int_equal(got, want);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* ---- randomized cross-check of forbidden changes on a generated feed ---- */

enum { FB_STOPS = 12, FB_TRIPS = 120, FB_MAXK = 5 };

/* Earliest arrival at b from a, leaving at or after t, by a scan over connections that
 * keeps every arrival at every stop (stop, time, trip), so that boarding trip B at s
 * is allowed when some arrival at s from a trip A may change to B: when A has a rule
 * for B at s (forb[A * nt + B] == s + 1), if it is not forbidden (need[] < 0) and B
 * leaves at least need[] seconds after A arrives; else after the change time. Written
 * only for the test: slow and plain. */
static lx_instant_t fb_run(const csa *x, uint32_t a, uint32_t b, lx_instant_t t, lx_instant_t limit,
                           const uint8_t *forb, const int32_t *need, uint32_t nt, int32_t change)
{
    struct fb_arr {
        lx_instant_t time;
        uint32_t trip, next;
    } *ar = malloc((x->n + 1) * sizeof *ar);
    uint32_t head[FB_STOPS], n_ar = 0;
    uint8_t *on = calloc((size_t)nt * ND, 1);
    assert_true(ar && on);
    for (uint32_t s = 0; s < FB_STOPS; s++)
        head[s] = LX_NONE;
    lx_instant_t best = LX_INSTANT_MAX;
    for (size_t i = 0; i < x->n; i++) {
        const conn *c = &x->c[i];
        if (c->dep < t)
            continue;
        if (c->dep > best || c->dep > limit)
            break;
        int ok = on[c->inst];
        if (!ok && c->can_board) {
            ok = c->from == a;
            for (uint32_t k = head[c->from]; !ok && k != LX_NONE; k = ar[k].next) {
                size_t rule = (size_t)ar[k].trip * nt + c->trip;
                ok = ar[k].trip != c->trip &&
                     (forb[rule] == c->from + 1
                          ? need[rule] >= 0 && c->dep - ar[k].time >= need[rule]
                          : ar[k].time + change <= c->dep);
            }
        }
        if (!ok)
            continue;
        on[c->inst] = 1;
        if (!c->can_alight || c->arr > limit)
            continue;
        ar[n_ar] = (struct fb_arr){c->arr, c->trip, head[c->to]};
        head[c->to] = n_ar++;
        if (c->to == b && c->arr < best)
            best = c->arr;
    }
    free(ar);
    free(on);
    return best;
}

/* Random trains over a few stations with random rules between two trips (forbidden,
 * type 3, or a minimum time, type 2, shorter or longer than the change time; the
 * rules at a station all from one trip, where the planner's free label is exact):
 * the earliest arrival equals fb_run's, and no journey breaks a rule. */
static void test_forbidden_cross_check(void **state)
{
    (void)state;
    rng = 0x9e3779b97f4a7c15ull; /* its own draw, whatever ran before */
    static char stops[2048], trips[8192], times[65536], rules[16384];
    size_t ls = 0, lt = 0, lst = 0, lr = 0;
    uint32_t tn[FB_TRIPS], tstop[FB_TRIPS][FB_MAXK], tarr[FB_TRIPS][FB_MAXK],
        tdep[FB_TRIPS][FB_MAXK]; /* minutes */
    /* forbidden changes: gen[A * FB_TRIPS + B] = station + 1 by the generated numbers,
     * forb[] the same by the feed's trip and station indices (set after loading) */
    static uint8_t gen[FB_TRIPS * FB_TRIPS], forb[FB_TRIPS * FB_TRIPS];
    static int32_t gneed[FB_TRIPS * FB_TRIPS], need[FB_TRIPS * FB_TRIPS]; /* -1: type 3 */
    memset(gen, 0, sizeof gen);
    memset(forb, 0, sizeof forb);
    ls += (size_t)snprintf(stops, sizeof stops, "stop_id,stop_name,stop_lat,stop_lon\n");
    for (uint32_t i = 0; i < FB_STOPS; i++)
        ls += (size_t)snprintf(stops + ls, sizeof stops - ls, "s%u,Stop %u,%u.5,102.0\n", i, i,
                               10 + i);
    lt += (size_t)snprintf(trips, sizeof trips, "route_id,service_id,trip_id\n");
    lst += (size_t)snprintf(times, sizeof times,
                            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n");
    for (uint32_t t = 0; t < FB_TRIPS; t++) {
        lt += (size_t)snprintf(trips + lt, sizeof trips - lt, "r,daily,t%u\n", t);
        uint32_t perm[FB_STOPS];
        for (uint32_t i = 0; i < FB_STOPS; i++)
            perm[i] = i;
        tn[t] = 2 + rnd(FB_MAXK - 1);
        uint32_t at = 6 * 60 + rnd(14 * 60); /* minutes */
        for (uint32_t k = 0; k < tn[t]; k++) {
            uint32_t j = k + rnd(FB_STOPS - k), x = perm[j];
            perm[j] = perm[k], perm[k] = x;
            tstop[t][k] = x;
            uint32_t dep = at + (k && k + 1 < tn[t] ? rnd(3) : 0);
            tarr[t][k] = at, tdep[t][k] = dep;
            lst += (size_t)snprintf(times + lst, sizeof times - lst,
                                    "t%u,%02u:%02u:00,%02u:%02u:00,s%u,%u\n", t, at / 60, at % 60,
                                    dep / 60, dep % 60, x, k + 1);
            at = dep + 10 + rnd(40);
        }
    }
    lr += (size_t)snprintf(rules, sizeof rules,
                           "from_stop_id,to_stop_id,from_trip_id,to_trip_id,transfer_type,"
                           "min_transfer_time\n");
    uint32_t n_rules = 0, restricted_trip[FB_STOPS], n_restricted = 0;
    for (uint32_t s = 0; s < FB_STOPS; s++) {
        /* a trip arriving at s with rules for every trip leaving in the next four
         * hours (one such trip per station: see above) */
        uint32_t from = LX_NONE, when = 0;
        for (uint32_t tries = 0; tries < 50 && from == LX_NONE; tries++) {
            uint32_t t = rnd(FB_TRIPS);
            for (uint32_t k = 1; k < tn[t]; k++)
                if (tstop[t][k] == s)
                    from = t, when = tarr[t][k];
        }
        if (from != LX_NONE)
            restricted_trip[n_restricted++] = from;
        for (uint32_t t = 0; from != LX_NONE && t < FB_TRIPS; t++)
            for (uint32_t k = 0; k + 1 < tn[t]; k++)
                if (tstop[t][k] == s && t != from && tdep[t][k] >= when &&
                    tdep[t][k] < when + 240 && !gen[from * FB_TRIPS + t]) {
                    gen[from * FB_TRIPS + t] = (uint8_t)(s + 1);
                    int32_t sec = rnd(2) ? -1 : (int32_t)rnd(7) * 600;
                    gneed[from * FB_TRIPS + t] = sec;
                    if (sec < 0)
                        lr += (size_t)snprintf(rules + lr, sizeof rules - lr,
                                               "s%u,s%u,t%u,t%u,3,\n", s, s, from, t);
                    else
                        lr += (size_t)snprintf(rules + lr, sizeof rules - lr,
                                               "s%u,s%u,t%u,t%u,2,%d\n", s, s, from, t, sec);
                    n_rules++;
                }
    }
    const lx_gtfs_file files[] = {
        {"agency.txt",
         "agency_id,agency_name,agency_url,agency_timezone\na,Rand Rail,https://r.example,"
         "Asia/Vientiane\n",
         0},
        {"stops.txt", stops, ls},
        {"routes.txt", "route_id,agency_id,route_short_name,route_type\nr,a,R,2\n", 0},
        {"calendar.txt",
         "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"
         "end_date\ndaily,1,1,1,1,1,1,1,20260101,20271231\n",
         0},
        {"trips.txt", trips, lt},
        {"stop_times.txt", times, lst},
        {"transfers.txt", rules, lr},
    };
    lx_gtfs_file fs[FX_COUNT(files)];
    for (size_t i = 0; i < FX_COUNT(files); i++) {
        fs[i] = files[i];
        if (!fs[i].len)
            fs[i].len = strlen(fs[i].data);
    }
    world w;
    world_one(&w, fs, FX_COUNT(fs), "rand");
    const lx_tt *tt = lx_net_feed(w.net, 0);
    uint32_t trip_ix[FB_TRIPS], stop_ix[FB_STOPS];
    for (uint32_t i = 0; i < FB_TRIPS || i < FB_STOPS; i++) {
        char id[16];
        snprintf(id, sizeof id, "t%u", i);
        if (i < FB_TRIPS)
            assert_int_not_equal(trip_ix[i] = lx_tt_trip_by_id(tt, id), LX_NONE);
        snprintf(id, sizeof id, "s%u", i);
        if (i < FB_STOPS)
            assert_int_not_equal(stop_ix[i] = lx_tt_station_by_id(tt, id), LX_NONE);
    }
    for (uint32_t i = 0; i < FB_TRIPS * FB_TRIPS; i++)
        if (gen[i]) {
            size_t at = (size_t)trip_ix[i / FB_TRIPS] * FB_TRIPS + trip_ix[i % FB_TRIPS];
            forb[at] = (uint8_t)(stop_ix[gen[i] - 1] + 1);
            need[at] = gneed[i];
        }
    csa x;
    lx_date_t day = lx_date_from_ymd(2026, 12, 21);
    csa_build(&x, tt, day - 2);
    uint32_t n_found = 0, n_forbidden_hit = 0;
    for (int i = 0; i < 400; i++) {
        /* every other query just before the first stop of a trip that forbids changes:
         * it is likely to ride it, then to need another way on */
        uint32_t a = rnd(FB_STOPS), b = rnd(FB_STOPS), m = 6 * 60 + rnd(8 * 60);
        if (i % 2) {
            uint32_t rt = restricted_trip[rnd(n_restricted)];
            a = tstop[rt][0];
            m = tdep[rt][0] - rnd(20);
        }
        if (a == b)
            continue;
        lx_instant_t t = at(&w, 0, 2026, 12, 21, (int)(m / 60), (int)(m % 60));
        uint32_t ga = stop_ix[a], gb = stop_ix[b];
        lx_instant_t want = fb_run(&x, ga, gb, t, t + 2 * 86400, forb, need, FB_TRIPS, 600);
        lx_place pa = {0, ga}, pb = {0, gb};
        lx_plan_request r = {&pa, 1, &pb, 1, t, 0, 0, LX_PLAN_MAX_TRANSFERS, NULL, NULL};
        const lx_plan_journey *j;
        uint32_t n;
        assert_int_equal(lx_plan_search(w.q, &r, &j, &n), LX_OK);
        check_chain(&w, j, n);
        lx_instant_t got = LX_INSTANT_MAX;
        for (uint32_t k = 0; k < n; k++) {
            if (j[k].arrival < got)
                got = j[k].arrival;
            for (uint32_t l = 0; l + 1 < j[k].n_legs; l++) {
                size_t rule = (size_t)j[k].legs[l].leg.trip * FB_TRIPS + j[k].legs[l + 1].leg.trip;
                if (forb[rule] != j[k].transfers[l].to.station + 1)
                    continue;
                assert_true(need[rule] >= 0);
                assert_true(j[k].legs[l + 1].leg.departure - j[k].legs[l].leg.arrival >=
                            need[rule]);
            }
        }
        /* did a rule shape the answer? the scan without rules arrives otherwise */
        static const uint8_t none[FB_TRIPS * FB_TRIPS];
        n_forbidden_hit += fb_run(&x, ga, gb, t, t + 2 * 86400, none, need, FB_TRIPS, 600) != want;
        if (got != want)
            fprintf(stderr, "forbidden: s%u -> s%u at %lld: planner %lld, scan %lld\n", a, b,
                    (long long)t, (long long)got, (long long)want);
        assert_int_equal(got, want);
        n_found += want != LX_INSTANT_MAX;
    }
    fprintf(stderr,
            "forbidden: %u rules; 400 queries agree with the scan (%u with a journey, %u "
            "where a rule changed the answer)\n",
            n_rules, n_found, n_forbidden_hit);
    assert_true(n_rules >= FB_STOPS);
    assert_true(n_forbidden_hit > 0);
    free(x.c);
    world_close(&w);
}

static void test_lirr_cross_check(void **state)
{
    (void)state;
    FILE *f = fopen(LX_LIRR_PATH, "rb");
    if (!*LX_LIRR_PATH || !f) {
        fprintf(stderr, "test_plan: %s absent, LIRR cross-check skipped\n", LX_LIRR_PATH);
        skip();
    }
    fclose(f);
    world w;
    assert_int_equal(lx_net_create(&w.net), LX_OK);
    lx_tt *tt = fx_load_path_ok(LX_LIRR_PATH, "lirr", NULL);
    assert_int_equal(lx_net_add(w.net, tt), LX_OK);
    lx_plan_opts o;
    lx_plan_opts_init(&o);
    o.min_change_seconds = 180;
    o.max_transfers = LX_PLAN_MAX_TRANSFERS;
    o.max_duration_seconds = 86400;
    assert_int_equal(lx_plan_create(w.net, &o, &w.plan), LX_OK);
    assert_int_equal(lx_plan_query_create(w.plan, &w.q), LX_OK);
    lx_plan_stats st;
    lx_plan_get_stats(w.plan, &st);
    assert_int_equal(st.footpaths, 0); /* the reference below has no footpaths */

    uint32_t ns, ntr;
    lx_tt_stations(tt, &ns);
    const lx_transfer *tr = lx_tt_transfers(tt, &ntr);
    int32_t *change = malloc(ns * sizeof *change);
    uint32_t *callable = malloc(ns * sizeof *callable), n_call = 0;
    assert_true(change && callable);
    uint8_t *calls = calloc(ns, 1);
    assert_non_null(calls);
    for (uint32_t i = 0; i < lx_tt_stop_time_count(tt); i++)
        calls[lx_tt_st_stop(tt)[i]] = 1;
    for (uint32_t s = 0; s < ns; s++) {
        change[s] = 180;
        if (calls[s])
            callable[n_call++] = s;
    }
    free(calls);
    for (uint32_t k = 0; k < ntr; k++)
        if (tr[k].from_trip == LX_NONE && tr[k].to_trip == LX_NONE &&
            tr[k].from_stop == tr[k].to_stop && tr[k].from_route == LX_NONE)
            change[tr[k].from_stop] = tr[k].type == 2   ? tr[k].min_transfer_time
                                      : tr[k].type == 1 ? 0
                                      : tr[k].type == 3 ? -1
                                                        : 180;
    assert_true(n_call > 10);
    lx_gtfs_summary sum;
    lx_gtfs_summarize(tt, &sum);
    assert_true(sum.last_day - sum.first_day >= 4);
    const lx_tz *tz = lx_tt_default_tz(tt);
    uint32_t queries = 0, none = 0, agree = 0, with_change = 0, ranged = 0, limited = 0;
    for (int round = 0; round < 8; round++) {
        lx_date_t day =
            sum.first_day + 1 + (lx_date_t)rnd((uint32_t)(sum.last_day - sum.first_day - 2));
        csa x;
        csa_build(&x, tt, day - 2);
        for (int i = 0; i < 40; i++) {
            uint32_t a = callable[rnd(n_call)], b = callable[rnd(n_call)];
            if (a == b)
                continue;
            lx_instant_t t = lx_tz_local_to_instant(tz, day, (int32_t)rnd(86400));
            lx_instant_t want = csa_run(&x, a, b, t, t + o.max_duration_seconds, change, 0);
            /* with at most 0 to 2 changes: the bound on trips prunes here */
            int32_t lim = (int32_t)rnd(3);
            lx_instant_t want_k =
                csa_run(&x, a, b, t, t + o.max_duration_seconds, change, (uint32_t)lim + 1);
            expect_earliest(&w, a, b, t, lim, want_k, NULL);
            limited += want_k != LX_INSTANT_MAX && want_k != want;
            expect_earliest(&w, a, b, t, -1, want, &with_change);
            lx_place pa = {0, a}, pb = {0, b};
            lx_plan_request r = {&pa, 1, &pb, 1, t, 0, 0, -1, NULL, NULL};
            const lx_plan_journey *j;
            uint32_t n;
            queries++;
            agree++;
            if (want == LX_INSTANT_MAX) {
                none++;
                continue;
            }
            /* every 4th query: a range search over 2 hours; each of its journeys is the
             * earliest arrival from its departure with at most its changes */
            if (i % 4 == 0) {
                r.window_seconds = 7200;
                assert_int_equal(lx_plan_search(w.q, &r, &j, &n), LX_OK);
                check_chain(&w, j, n);
                lx_instant_t dep[64], arr_r[64];
                uint32_t chg[64], m = n < 64 ? n : 64;
                for (uint32_t k = 0; k < m; k++) {
                    assert_true(j[k].departure >= t && j[k].departure <= t + 7200);
                    dep[k] = j[k].departure, arr_r[k] = j[k].arrival, chg[k] = j[k].n_transfers;
                }
                for (uint32_t k = 0; k < m; k++) {
                    lx_plan_request e = {&pa, 1, &pb, 1, dep[k], 0, 0, (int32_t)chg[k], NULL, NULL};
                    const lx_plan_journey *ej;
                    uint32_t en;
                    assert_int_equal(lx_plan_search(w.q, &e, &ej, &en), LX_OK);
                    lx_instant_t best = LX_INSTANT_MAX;
                    for (uint32_t u = 0; u < en; u++)
                        if (ej[u].arrival < best)
                            best = ej[u].arrival;
                    assert_int_equal(best, arr_r[k]);
                    ranged++;
                }
                r.window_seconds = 0;
            }
            /* arrive by that arrival: a journey that leaves no earlier than t */
            r.arrive_by = 1;
            r.time = want;
            assert_int_equal(lx_plan_search(w.q, &r, &j, &n), LX_OK);
            check_chain(&w, j, n);
            assert_true(n >= 1);
            lx_instant_t latest = j[n - 1].departure;
            assert_true(latest >= t);
            for (uint32_t k = 0; k < n; k++)
                assert_true(j[k].arrival <= want);
        }
        free(x.c);
    }
    fprintf(stderr,
            "lirr: %u queries agree with the connection scan (%u without a journey, "
            "%u journeys with changes); %u range journeys checked; with 0-2 changes, %u "
            "arrive later than without a limit\n",
            agree, none, with_change, ranged, limited);
    assert_true(queries >= 300);
    assert_true(none < queries);
    assert_true(limited > 0);
    free(change);
    free(callable);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_and_pareto),
        cmocka_unit_test(test_past_midnight),
        cmocka_unit_test(test_calendar),
        cmocka_unit_test(test_transfer_rules),
        cmocka_unit_test(test_two_zones_border),
        cmocka_unit_test(test_station_times),
        cmocka_unit_test(test_range_and_arrive_by),
        cmocka_unit_test(test_leg_filter),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_frequencies_and_platforms),
        cmocka_unit_test(test_route_rules),
        cmocka_unit_test(test_trip_bound),
        cmocka_unit_test(test_builtin_feed),
        cmocka_unit_test(test_forbidden_cross_check),
        cmocka_unit_test(test_lirr_cross_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
