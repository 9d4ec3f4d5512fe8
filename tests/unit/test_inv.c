/* Unit tests for the seat inventory engine (src/core/inv.c, inv_alloc.c): runs and
 * their seats, availability, every operation and its edges, the allocation policy,
 * quotas, hold times, replay and undo, and the invariant checker. The feed is a small
 * China–Laos line in memory:
 *
 *   position  0 kunming (CN, km 0)  1 puer (CN, 344.6)  2 boten (LA, 598.2)
 *             3 lpq (LA, 780)       4 vte_1 (platform of vte: LA, 1035 from the parent)
 *
 * Trips: ONE (a single seat), MAIN (first ACDF x8, second ABCDF x10 and x7, business
 * ACF x3), QUOTA (a cross-border coach and a long-distance share), DOM (Kunming–Pu'er
 * only), LAO (an operator without sales rules), NOLAY (no seat layout). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lanxang/inv.h"
#include "lanxang/timetable.h"
#include "core/inv_int.h"

#define STOPS5(trip)                                                                              \
    trip ",08:00:00,08:00:00,kunming,1\n" trip ",10:00:00,10:05:00,puer,2\n" trip                 \
         ",12:00:00,12:10:00,boten,3\n" trip ",13:30:00,13:35:00,lpq,4\n" trip                    \
         ",15:00:00,15:00:00,vte_1,5\n"

static const lx_gtfs_file feed_files[] = {
#define F(name, text) {name, text, sizeof(text) - 1}
    F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                    "crkg,China Railway Kunming,https://crkg.example.cn,Asia/Shanghai\n"
                    "lcr,Lao-China Railway,https://lcr.example.la,Asia/Shanghai\n"),
    F("stops.txt", "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                   "kunming,Kunming,25.0,102.7,0,\n"
                   "puer,Pu'er,22.8,100.9,0,\n"
                   "boten,Boten,21.145,101.650,0,\n"
                   "lpq,Luang Prabang,19.888,102.203,0,\n"
                   "vte,Vientiane,18.055,102.689,1,\n"
                   "vte_1,Vientiane platform 1,18.055,102.689,0,vte\n"),
    F("lx_stations.txt", "stop_id,country,km\n"
                         "kunming,CN,0\n"
                         "puer,CN,344.6\n"
                         "boten,LA,598.2\n"
                         "lpq,LA,780\n"
                         "vte,LA,1035\n"),
    F("routes.txt", "route_id,agency_id,route_short_name,route_type\n"
                    "r1,crkg,D,2\n"
                    "r2,lcr,C,2\n"),
    F("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                      "start_date,end_date\n"
                      "daily,1,1,1,1,1,1,1,20260101,20261231\n"
                      "mon,1,0,0,0,0,0,0,20260101,20261231\n"),
    F("trips.txt", "route_id,service_id,trip_id,trip_short_name\n"
                   "r1,daily,ONE,D1\n"
                   "r1,daily,MAIN,D2\n"
                   "r1,daily,QUOTA,D3\n"
                   "r1,daily,DOM,D4\n"
                   "r2,daily,LAO,C5\n"
                   "r1,daily,NOLAY,D6\n"
                   "r1,mon,MONDAY,D7\n"),
    F("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" STOPS5(
                            "ONE") STOPS5("MAIN") STOPS5("QUOTA") STOPS5("NOLAY")
                            STOPS5("MONDAY") "DOM,08:00:00,08:00:00,kunming,1\n"
                                             "DOM,10:00:00,10:00:00,puer,2\n"
                                             "LAO,09:00:00,09:00:00,lpq,1\n"
                                             "LAO,10:30:00,10:30:00,vte_1,2\n"),
    F("lx_seat_layouts.txt", "layout_id,coach,class,seats,letters,window_letters\n"
                             "one,1,second,1,A,A\n"
                             "main,1,first,8,ACDF,AF\n"
                             "main,2,second,10,ABCDF,AF\n"
                             "main,3,second,7,ABCDF,AF\n"
                             "main,4,business,3,ACF,AF\n"
                             "quota,1,second,10,ABCDF,AF\n"
                             "quota,2,second,20,ABCDF,AF\n"
                             "quota,3,second,20,ABCDF,AF\n"),
    F("lx_train_layouts.txt", "trip_id,layout_id\n"
                              "ONE,one\n"
                              "MAIN,main\n"
                              "QUOTA,quota\n"
                              "DOM,one\n"
                              "LAO,one\n"
                              "MONDAY,one\n"),
    F("lx_sales_rules.txt", "agency_id,scope,open_days,close_minutes,hold_minutes,"
                            "hold_minutes_near,near_minutes,max_passengers\n"
                            "crkg,domestic,15,30,30,10,120,5\n"
                            "crkg,cross_border,15,30,20,5,60,5\n"
                            "lcr,domestic,3,0,30,10,120,3\n"),
    F("lx_seat_quotas.txt", "trip_id,kind,coaches,share_pct,min_km,release_minutes\n"
                            "QUOTA,cross_border,1,,,\n"
                            "QUOTA,long_distance,,20,400,1440\n"),
#undef F
};

/* MAIN's seat indexes */
enum { M_FIRST = 0, M_SECOND = 8, M_C3 = 18, M_BUSINESS = 25, M_SEATS = 28 };
enum { CLS_FIRST = 0, CLS_SECOND = 1, CLS_BUSINESS = 2 };
#define OWNER 77u

typedef struct {
    lx_tt *tt;
    lx_inv *inv;
    lx_date_t day;  /* a Monday */
    char msg[256];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    fx->tt = fx_load_ok(feed_files, FX_COUNT(feed_files), "inv", NULL);
    assert_int_equal(lx_inv_create(fx->tt, &fx->inv), LX_OK);
    fx->day = lx_date_from_ymd(2026, 3, 2);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    lx_inv_destroy(fx->inv);
    lx_tt_destroy(fx->tt);
    free(fx);
    return 0;
}

static lx_inv_run *run_of(fixture *fx, const char *trip_id)
{
    uint32_t trip = lx_tt_trip_by_id(fx->tt, trip_id);
    assert_int_not_equal(trip, LX_NONE);
    lx_inv_run *r = NULL;
    lx_err e = lx_inv_run_add(fx->inv, trip, fx->day, &r, fx->msg, sizeof fx->msg);
    if (e)
        fail_msg("lx_inv_run_add %s: %s (%s)", trip_id, lx_strerror(e), fx->msg);
    assert_non_null(r);
    return r;
}

static void check_ok(const lx_inv_run *r)
{
    char msg[256];
    if (lx_inv_check(r, msg, sizeof msg) != LX_OK)
        fail_msg("lx_inv_check: %s", msg);
}

/* a day before the train leaves its first stop */
static lx_instant_t early(const lx_inv_run *r) { return lx_inv_departure(r, 0) - 86400; }

static lx_inv_op op_take(int code, lx_order_id id, lx_instant_t now, uint32_t from, uint32_t to,
                         uint32_t cls, uint32_t n)
{
    lx_inv_op op;
    memset(&op, 0, sizeof op);
    op.code = (uint8_t)code;
    op.order = id;
    op.owner = OWNER;
    op.now = now;
    op.req.from = (uint8_t)from;
    op.req.to = (uint8_t)to;
    op.req.cls = (uint8_t)cls;
    op.req.n = (uint8_t)n;
    return op;
}

static lx_err take(lx_inv_run *r, int code, lx_order_id id, lx_instant_t now, uint32_t from,
                   uint32_t to, uint32_t cls, uint32_t n, lx_inv_change *chg)
{
    lx_inv_op op = op_take(code, id, now, from, to, cls, n);
    lx_inv_change tmp;
    return lx_inv_apply(r, &op, chg ? chg : &tmp);
}

/* takes one named seat; returns the error */
static lx_err take_seat(lx_inv_run *r, int code, lx_order_id id, lx_instant_t now,
                        uint32_t from, uint32_t to, uint32_t seat)
{
    lx_inv_seat si;
    lx_inv_seat_info(r, seat, &si);
    lx_inv_op op = op_take(code, id, now, from, to, si.cls, 1);
    op.req.n_want = 1;
    op.req.want[0] = seat;
    lx_inv_change chg;
    return lx_inv_apply(r, &op, &chg);
}

static lx_err act(lx_inv_run *r, int code, lx_order_id id, uint64_t owner, lx_instant_t now)
{
    lx_inv_op op;
    memset(&op, 0, sizeof op);
    op.code = (uint8_t)code;
    op.order = id;
    op.owner = owner;
    op.now = now;
    lx_inv_change chg;
    return lx_inv_apply(r, &op, &chg);
}

static uint32_t seat_of(const lx_inv_run *r, lx_order_id id, uint32_t k)
{
    const lx_inv_order *o = lx_inv_order_get(r, id);
    assert_non_null(o);
    assert_true(k < o->n);
    return o->seats[k];
}

static void label_is(const lx_inv_run *r, uint32_t seat, const char *want)
{
    char buf[16];
    lx_inv_seat_label(r, seat, buf, sizeof buf);
    assert_string_equal(buf, want);
}

/* field by field: struct copies need not copy padding */
static void same_order(const lx_inv_order *a, const lx_inv_order *b)
{
    assert_int_equal(a->id, b->id);
    assert_int_equal(a->owner, b->owner);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->cls, b->cls);
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->from, b->from);
    assert_int_equal(a->to, b->to);
    assert_int_equal(a->created_at, b->created_at);
    assert_int_equal(a->expires_at, b->expires_at);
    assert_memory_equal(a->seats, b->seats, sizeof a->seats);
}

/* every availability count of a run, to compare before and after */
typedef struct {
    uint32_t v[4][5][5];
} avail_snap;

static void snap_avail(const lx_inv_run *r, lx_instant_t now, avail_snap *s)
{
    memset(s, 0, sizeof *s);
    for (uint32_t c = 0; c < lx_inv_class_count(r) && c < 4; c++)
        for (uint32_t a = 0; a < lx_inv_stop_count(r); a++)
            for (uint32_t b = a + 1; b < lx_inv_stop_count(r); b++)
                s->v[c][a][b] = lx_inv_avail(r, a, b, c, now);
}

static void same_avail(const lx_inv_run *r, lx_instant_t now, const avail_snap *want)
{
    avail_snap s;
    snap_avail(r, now, &s);
    assert_memory_equal(&s, want, sizeof s);
}

/* ---- names ---- */

static void test_state_names(void **state)
{
    (void)state;
    const char *names[] = {"none", "held", "confirmed", "cancelled", "expired", "refunded"};
    for (int i = 0; i < 6; i++) {
        assert_string_equal(lx_order_state_name((lx_order_state)i), names[i]);
        assert_int_equal(lx_order_state_parse(names[i]), i);
    }
    assert_string_equal(lx_order_state_name((lx_order_state)99), "none");
    assert_int_equal(lx_order_state_parse("HELD"), LX_ORDER_NONE);
    assert_int_equal(lx_order_state_parse("bogus"), LX_ORDER_NONE);
    assert_int_equal(lx_order_state_parse(NULL), LX_ORDER_NONE);
}

/* ---- runs ---- */

static void test_run_add_and_find(void **state)
{
    fixture *fx = *state;
    uint32_t main_trip = lx_tt_trip_by_id(fx->tt, "MAIN");
    assert_null(lx_inv_run_find(fx->inv, main_trip, fx->day));
    lx_inv_run *r = run_of(fx, "MAIN");
    assert_ptr_equal(lx_inv_run_find(fx->inv, main_trip, fx->day), r);
    assert_ptr_equal(run_of(fx, "MAIN"), r); /* found, not made twice */
    assert_int_equal(lx_inv_run_count(fx->inv), 1);
    assert_ptr_equal(lx_inv_run_at(fx->inv, 0), r);
    assert_null(lx_inv_run_at(fx->inv, 1));
    assert_ptr_equal(lx_inv_tt(fx->inv), fx->tt);
    assert_int_equal(lx_inv_run_trip(r), main_trip);
    assert_int_equal(lx_inv_run_day(r), fx->day);
    assert_int_equal(lx_inv_stop_count(r), 5);
    assert_int_equal(lx_inv_seat_count(r), M_SEATS);

    /* a trip without a layout, a day it does not run, a trip that does not exist */
    lx_inv_run *x = (lx_inv_run *)fx;
    uint32_t nolay = lx_tt_trip_by_id(fx->tt, "NOLAY");
    assert_int_equal(lx_inv_run_add(fx->inv, nolay, fx->day, &x, fx->msg, sizeof fx->msg),
                     LX_NOTFOUND);
    assert_null(x);
    assert_non_null(strstr(fx->msg, "layout"));
    uint32_t monday = lx_tt_trip_by_id(fx->tt, "MONDAY");
    assert_int_equal(lx_inv_run_add(fx->inv, monday, fx->day + 1, &x, fx->msg, sizeof fx->msg),
                     LX_NOTFOUND);
    assert_non_null(strstr(fx->msg, "does not run"));
    assert_int_equal(lx_inv_run_add(fx->inv, monday, fx->day, &x, fx->msg, sizeof fx->msg),
                     LX_OK);
    assert_int_equal(lx_inv_run_add(fx->inv, 9999, fx->day, &x, NULL, 0), LX_NOTFOUND);

    /* many days: the table grows and every run stays findable */
    uint32_t one = lx_tt_trip_by_id(fx->tt, "ONE");
    lx_inv_run *runs[100];
    for (int d = 0; d < 100; d++)
        assert_int_equal(lx_inv_run_add(fx->inv, one, fx->day + d, &runs[d], NULL, 0), LX_OK);
    for (int d = 0; d < 100; d++)
        assert_ptr_equal(lx_inv_run_find(fx->inv, one, fx->day + d), runs[d]);
    assert_int_equal(lx_inv_run_count(fx->inv), 102);
    lx_inv_destroy(NULL); /* a no-op */
}

static void test_classes_and_seats(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    assert_int_equal(lx_inv_class_count(r), 3);
    assert_string_equal(lx_inv_class_name(r, CLS_FIRST), "first");
    assert_string_equal(lx_inv_class_name(r, CLS_SECOND), "second");
    assert_string_equal(lx_inv_class_name(r, CLS_BUSINESS), "business");
    assert_string_equal(lx_inv_class_name(r, 7), "");
    assert_int_equal(lx_inv_class(r, "Second"), CLS_SECOND);
    assert_int_equal(lx_inv_class(r, "sleeper"), LX_NONE);

    label_is(r, 0, "01-01A");
    label_is(r, 3, "01-01F");
    label_is(r, 4, "01-02A");
    label_is(r, M_SECOND, "02-01A");
    label_is(r, M_SECOND + 5, "02-02A");
    label_is(r, M_C3 + 5, "03-02A");
    label_is(r, M_C3 + 6, "03-02B"); /* the last row is partial */
    label_is(r, M_BUSINESS + 2, "04-01F");

    lx_inv_seat si;
    lx_inv_seat_info(r, M_SECOND + 2, &si); /* 02-01C: aisle of 3+2 */
    assert_int_equal(si.coach, 2);
    assert_int_equal(si.row, 1);
    assert_int_equal(si.letter, 'C');
    assert_int_equal(si.cls, CLS_SECOND);
    assert_int_equal(si.window, 0);
    assert_int_equal(si.aisle, 1);
    assert_int_equal(si.quota, 0);
    struct {
        uint32_t seat;
        int window, aisle;
    } want[] = {{M_SECOND + 0, 1, 0}, {M_SECOND + 1, 0, 0}, {M_SECOND + 3, 0, 1},
                {M_SECOND + 4, 1, 0}, {M_FIRST + 0, 1, 0},  {M_FIRST + 1, 0, 1},
                {M_FIRST + 2, 0, 1},  {M_FIRST + 3, 1, 0},  {M_BUSINESS + 0, 1, 0},
                {M_BUSINESS + 1, 0, 1}, {M_BUSINESS + 2, 1, 0}};
    for (size_t i = 0; i < FX_COUNT(want); i++) {
        lx_inv_seat_info(r, want[i].seat, &si);
        assert_int_equal(si.window, want[i].window);
        assert_int_equal(si.aisle, want[i].aisle);
    }

    uint32_t s = 999;
    assert_int_equal(lx_inv_seat_parse(r, "02-01C", &s), LX_OK);
    assert_int_equal(s, M_SECOND + 2);
    const char *same[] = {"2-01C", "2-1C", "2/01c", "02-1c", "002-001C"};
    for (size_t i = 0; i < FX_COUNT(same); i++) {
        s = 999;
        assert_int_equal(lx_inv_seat_parse(r, same[i], &s), LX_OK);
        assert_int_equal(s, M_SECOND + 2);
    }
    assert_int_equal(lx_inv_seat_parse(r, "03-02B", &s), LX_OK);
    assert_int_equal(s, M_C3 + 6);
    const char *absent[] = {"03-02C", "09-01A", "02-01E", "02-03A", "02-00A", "04-01B"};
    for (size_t i = 0; i < FX_COUNT(absent); i++)
        assert_int_equal(lx_inv_seat_parse(r, absent[i], &s), LX_NOTFOUND);
    const char *bad[] = {"", "02", "02-", "-01A", "02-01", "02-01AB", "02_01A", "xx-01A",
                         "02-01A ", "1234-01A"};
    for (size_t i = 0; i < FX_COUNT(bad); i++)
        assert_int_equal(lx_inv_seat_parse(r, bad[i], &s), LX_INVAL);
}

static void test_border_and_distance(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "QUOTA");
    assert_false(lx_inv_is_cross_border(r, 0, 1));
    assert_true(lx_inv_is_cross_border(r, 0, 2));
    assert_true(lx_inv_is_cross_border(r, 1, 4)); /* vte_1 takes its parent's country */
    assert_false(lx_inv_is_cross_border(r, 2, 4));
    assert_false(lx_inv_is_long_distance(r, 0, 1)); /* 344.6 km */
    assert_true(lx_inv_is_long_distance(r, 0, 2));  /* 598.2 km */
    assert_true(lx_inv_is_long_distance(r, 2, 4));  /* 436.8 km, parent's km */
    assert_false(lx_inv_is_long_distance(r, 1, 2));
    /* no long-distance quota on MAIN: nothing is long */
    lx_inv_run *m = run_of(fx, "MAIN");
    assert_false(lx_inv_is_long_distance(m, 0, 4));
    assert_true(lx_inv_is_cross_border(m, 0, 4));
}

/* ---- availability and selling ---- */

static void test_avail_empty_run(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    for (uint32_t a = 0; a < 5; a++)
        for (uint32_t b = a + 1; b < 5; b++) {
            assert_int_equal(lx_inv_avail(r, a, b, CLS_FIRST, now), 8);
            assert_int_equal(lx_inv_avail(r, a, b, CLS_SECOND, now), 17);
            assert_int_equal(lx_inv_avail(r, a, b, CLS_BUSINESS, now), 3);
        }
    /* nonsense asks have nothing */
    assert_int_equal(lx_inv_avail(r, 2, 2, CLS_SECOND, now), 0);
    assert_int_equal(lx_inv_avail(r, 3, 1, CLS_SECOND, now), 0);
    assert_int_equal(lx_inv_avail(r, 0, 5, CLS_SECOND, now), 0);
    assert_int_equal(lx_inv_avail(r, 0, 1, 3, now), 0);
    assert_int_equal(lx_inv_order_count(r), 0);
    assert_null(lx_inv_order_at(r, 0));
    assert_int_equal(lx_inv_next_expiry(r), LX_INSTANT_MAX);
    for (uint32_t s = 0; s < M_SEATS; s++)
        assert_true(lx_inv_seat_free(r, s, 0, 4));
    assert_false(lx_inv_seat_free(r, M_SEATS, 0, 4));
    check_ok(r);
}

static void test_one_seat_segment_by_segment(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "ONE");
    lx_instant_t now = early(r);
    lx_inv_change chg;
    /* Kunming - Pu'er */
    assert_int_equal(take(r, LX_INV_SELL, 1, now, 0, 1, 0, 1, &chg), LX_OK);
    assert_int_equal(chg.before.state, LX_ORDER_NONE);
    assert_int_equal(chg.before.id, 1);
    assert_int_equal(chg.after.state, LX_ORDER_CONFIRMED);
    assert_int_equal(chg.after.expires_at, 0);
    assert_int_equal(chg.after.seats[0], 0);
    assert_int_equal(lx_inv_avail(r, 0, 1, 0, now), 0);
    assert_int_equal(lx_inv_avail(r, 0, 2, 0, now), 0);
    assert_int_equal(lx_inv_avail(r, 1, 4, 0, now), 1);
    /* Pu'er - Luang Prabang on the same seat */
    assert_int_equal(take(r, LX_INV_SELL, 2, now, 1, 3, 0, 1, NULL), LX_OK);
    assert_int_equal(seat_of(r, 2, 0), 0);
    assert_int_equal(lx_inv_avail(r, 1, 2, 0, now), 0);
    assert_int_equal(lx_inv_avail(r, 3, 4, 0, now), 1);
    assert_int_equal(lx_inv_avail(r, 2, 4, 0, now), 0);
    /* Luang Prabang - Vientiane */
    assert_int_equal(take(r, LX_INV_SELL, 3, now, 3, 4, 0, 1, NULL), LX_OK);
    for (uint32_t a = 0; a < 5; a++)
        for (uint32_t b = a + 1; b < 5; b++)
            assert_int_equal(lx_inv_avail(r, a, b, 0, now), 0);
    assert_int_equal(take(r, LX_INV_SELL, 4, now, 2, 3, 0, 1, NULL), LX_SOLDOUT);
    assert_null(lx_inv_order_get(r, 4));
    assert_int_equal(lx_inv_order_count(r), 3);
    check_ok(r);
}

static void test_last_seat_and_sold_out(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    for (lx_order_id id = 1; id <= 3; id++)
        assert_int_equal(take(r, LX_INV_HOLD, id, now, 0, 4, CLS_BUSINESS, 1, NULL), LX_OK);
    assert_int_equal(lx_inv_avail(r, 0, 4, CLS_BUSINESS, now), 0);
    assert_int_equal(take(r, LX_INV_HOLD, 4, now, 1, 2, CLS_BUSINESS, 1, NULL), LX_SOLDOUT);
    /* 8 first-class seats: a group of 5 and then 3 more fit, a group of 2 then does not */
    assert_int_equal(take(r, LX_INV_SELL, 5, now, 0, 2, CLS_FIRST, 5, NULL), LX_OK);
    assert_int_equal(take(r, LX_INV_SELL, 6, now, 1, 4, CLS_FIRST, 2, NULL), LX_OK);
    assert_int_equal(lx_inv_avail(r, 1, 2, CLS_FIRST, now), 1);
    avail_snap before;
    snap_avail(r, now, &before);
    assert_int_equal(take(r, LX_INV_SELL, 7, now, 1, 2, CLS_FIRST, 2, NULL), LX_SOLDOUT);
    same_avail(r, now, &before); /* nothing taken */
    assert_int_equal(take(r, LX_INV_SELL, 7, now, 1, 2, CLS_FIRST, 1, NULL), LX_OK); /* last */
    assert_int_equal(lx_inv_avail(r, 1, 2, CLS_FIRST, now), 0);
    assert_int_equal(lx_inv_avail(r, 2, 4, CLS_FIRST, now), 6); /* only order 6 goes on */
    check_ok(r);
}

static void test_bad_requests(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    assert_int_equal(take(r, LX_INV_HOLD, 1, now, 2, 2, CLS_SECOND, 1, NULL), LX_INVAL);
    assert_int_equal(take(r, LX_INV_HOLD, 1, now, 3, 1, CLS_SECOND, 1, NULL), LX_INVAL);
    assert_int_equal(take(r, LX_INV_HOLD, 1, now, 0, 5, CLS_SECOND, 1, NULL), LX_INVAL);
    assert_int_equal(take(r, LX_INV_HOLD, 1, now, 0, 1, 3, 1, NULL), LX_INVAL);
    assert_int_equal(take(r, LX_INV_HOLD, 1, now, 0, 1, CLS_SECOND, 0, NULL), LX_INVAL);
    assert_int_equal(take(r, LX_INV_HOLD, 1, now, 0, 1, CLS_SECOND, 6, NULL), LX_INVAL);
    assert_int_equal(take(r, LX_INV_HOLD, 0, now, 0, 1, CLS_SECOND, 1, NULL), LX_INVAL);
    lx_inv_op op = op_take(LX_INV_HOLD, 1, now, 0, 1, CLS_SECOND, 1);
    lx_inv_change chg;
    op.req.pref = 9;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_INVAL);
    op.req.pref = 0;
    op.req.policy = 9;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_INVAL);
    op.req.policy = 0;
    op.hold_seconds = -1;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_INVAL);
    op.hold_seconds = 0;
    op.req.n_want = 2; /* more named seats than passengers */
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_INVAL);
    op.code = 99;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_INVAL);
    /* a duplicate id */
    assert_int_equal(take(r, LX_INV_HOLD, 1, now, 0, 1, CLS_SECOND, 1, NULL), LX_OK);
    assert_int_equal(take(r, LX_INV_SELL, 1, now, 1, 2, CLS_SECOND, 1, NULL), LX_INVAL);
    assert_int_equal(lx_inv_order_count(r), 1);
    /* acting on an order that does not exist */
    assert_int_equal(act(r, LX_INV_CONFIRM, 2, OWNER, now), LX_NOTFOUND);
    assert_int_equal(act(r, LX_INV_EXPIRE, 0, OWNER, now), LX_NOTFOUND);
    check_ok(r);
}

/* The sales rules of the fixture's operator: sales open 15 days before departure from
 * the journey's first stop and close 30 minutes before it; 5 passengers a order at
 * home, 4 across the border; once the train has left, LX_CLOSED. */
static void test_sales_window(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t d0 = lx_inv_departure(r, 0), d1 = lx_inv_departure(r, 1);
    const lx_instant_t open = 15 * 86400, close = 30 * 60;
    assert_int_equal(d1 - d0, 2 * 3600 + 5 * 60);
    lx_inv_sales si;
    /* opening: one second early is refused, naming the rule and the time */
    assert_int_equal(take(r, LX_INV_HOLD, 1, d0 - open - 1, 0, 1, CLS_SECOND, 1, NULL), LX_RULE);
    assert_int_equal(lx_inv_sales_check(r, 0, 1, 1, d0 - open - 1, &si), LX_RULE);
    assert_int_equal(si.rule, LX_INV_RULE_SALES_OPEN);
    assert_true(si.open_at == d0 - open && si.close_at == d0 - close);
    assert_string_equal(lx_inv_rule_name(si.rule), "sales_open");
    assert_int_equal(take(r, LX_INV_HOLD, 1, d0 - open, 0, 1, CLS_SECOND, 1, NULL), LX_OK);
    /* closing: 30 minutes before, to the second */
    assert_int_equal(take(r, LX_INV_HOLD, 2, d0 - close - 1, 0, 4, CLS_SECOND, 1, NULL), LX_OK);
    assert_int_equal(take(r, LX_INV_HOLD, 3, d0 - close, 0, 4, CLS_SECOND, 1, NULL), LX_RULE);
    assert_int_equal(lx_inv_sales_check(r, 0, 4, 1, d0 - close, &si), LX_RULE);
    assert_int_equal(si.rule, LX_INV_RULE_SALES_CLOSE);
    assert_int_equal(take(r, LX_INV_SELL, 3, d0 - 1, 0, 1, CLS_SECOND, 1, NULL), LX_RULE);
    /* gone: the train has left */
    assert_int_equal(take(r, LX_INV_HOLD, 3, d0, 0, 4, CLS_SECOND, 1, NULL), LX_CLOSED);
    assert_int_equal(take(r, LX_INV_SELL, 3, d0 + 60, 0, 1, CLS_SECOND, 1, NULL), LX_CLOSED);
    assert_int_equal(lx_inv_sales_check(r, 0, 1, 1, d0, &si), LX_CLOSED);
    assert_int_equal(si.rule, LX_INV_RULE_DEPARTED);
    /* the train has not left Pu'er yet: its window runs to d1 - 30 min */
    assert_int_equal(take(r, LX_INV_SELL, 3, d1 - close - 1, 1, 4, CLS_SECOND, 1, NULL), LX_OK);
    assert_int_equal(take(r, LX_INV_SELL, 4, d1 - close, 1, 4, CLS_SECOND, 1, NULL), LX_RULE);
    assert_int_equal(take(r, LX_INV_SELL, 4, d1, 1, 4, CLS_SECOND, 1, NULL), LX_CLOSED);
    check_ok(r);
}

/* LAO's operator (lcr): sales open 3 days ahead, run to the departure (close_minutes
 * 0), at most 3 passengers a order; an operator without rules: any time, 5. */
static void test_max_passengers(void **state)
{
    fixture *fx = *state;
    lx_inv_run *l = run_of(fx, "LAO");
    lx_instant_t l0 = lx_inv_departure(l, 0), now = l0 - 86400;
    lx_inv_sales si;
    assert_int_equal(take(l, LX_INV_HOLD, 1, now, 0, 1, 0, 4, NULL), LX_RULE);
    assert_int_equal(lx_inv_sales_check(l, 0, 1, 4, now, &si), LX_RULE);
    assert_int_equal(si.rule, LX_INV_RULE_MAX_PASSENGERS);
    assert_int_equal(si.max_passengers, 3);
    assert_string_equal(lx_inv_rule_name(si.rule), "max_passengers");
    assert_int_equal(take(l, LX_INV_HOLD, 1, now, 0, 1, 0, 1, NULL), LX_OK);
    /* the sixth passenger is past the engine's own limit, whatever the rules */
    assert_int_equal(take(l, LX_INV_HOLD, 2, now, 0, 1, 0, 6, NULL), LX_INVAL);
    /* 3 days ahead to the second; to the departure itself */
    assert_int_equal(lx_inv_sales_check(l, 0, 1, 1, l0 - 3 * 86400 - 1, &si), LX_RULE);
    assert_int_equal(si.rule, LX_INV_RULE_SALES_OPEN);
    assert_int_equal(lx_inv_sales_check(l, 0, 1, 1, l0 - 3 * 86400, &si), LX_OK);
    assert_true(si.close_at == l0);
    assert_int_equal(lx_inv_sales_check(l, 0, 1, 1, l0 - 1, &si), LX_OK);
    /* MAIN's operator allows 5 */
    lx_inv_run *r = run_of(fx, "MAIN");
    assert_int_equal(lx_inv_sales_check(r, 0, 4, 5, early(r), &si), LX_OK);
    assert_int_equal(si.max_passengers, 5);
    check_ok(l);
}

/* ---- the life of an order ---- */

static void test_expiry_boundary(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    lx_inv_op op = op_take(LX_INV_HOLD, 1, now, 0, 4, CLS_SECOND, 1);
    op.hold_seconds = 600;
    lx_inv_change chg;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    assert_int_equal(chg.after.state, LX_ORDER_HELD);
    assert_int_equal(chg.after.created_at, now);
    assert_int_equal(chg.after.expires_at, now + 600);
    op.order = 2;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    lx_instant_t exp = now + 600;
    assert_int_equal(lx_inv_next_expiry(r), exp);

    /* one second before the deadline: paid in time */
    assert_int_equal(act(r, LX_INV_CONFIRM, 1, OWNER, exp - 1), LX_OK);
    assert_int_equal(lx_inv_order_get(r, 1)->state, LX_ORDER_CONFIRMED);
    assert_int_equal(lx_inv_order_get(r, 1)->expires_at, 0);
    /* at the deadline: too late, and the order is not expired by the refusal */
    assert_int_equal(act(r, LX_INV_CONFIRM, 2, OWNER, exp), LX_EXPIRED);
    assert_int_equal(lx_inv_order_get(r, 2)->state, LX_ORDER_HELD);
    assert_int_equal(lx_inv_avail(r, 0, 4, CLS_SECOND, now), 15);
    /* expiring early is refused, at the deadline it works */
    assert_int_equal(act(r, LX_INV_EXPIRE, 2, 0, exp - 1), LX_CONFLICT);
    lx_order_id ids[4];
    assert_int_equal(lx_inv_expired(r, exp - 1, ids, 4), 0);
    assert_int_equal(lx_inv_expired(r, exp, ids, 4), 1);
    assert_int_equal(ids[0], 2);
    assert_int_equal(act(r, LX_INV_EXPIRE, 2, 12345 /* any owner */, exp), LX_OK);
    assert_int_equal(lx_inv_order_get(r, 2)->state, LX_ORDER_EXPIRED);
    assert_int_equal(lx_inv_avail(r, 0, 4, CLS_SECOND, now), 16);
    assert_int_equal(lx_inv_next_expiry(r), LX_INSTANT_MAX);
    assert_int_equal(act(r, LX_INV_EXPIRE, 2, 0, exp), LX_CONFLICT);
    assert_int_equal(act(r, LX_INV_EXPIRE, 1, 0, exp), LX_CONFLICT); /* a sale never expires */
    check_ok(r);
}

static void test_late_payment_after_resale(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "ONE");
    lx_instant_t now = early(r);
    lx_inv_change chg;
    assert_int_equal(take(r, LX_INV_HOLD, 1, now, 0, 4, 0, 1, &chg), LX_OK);
    lx_instant_t exp = chg.after.expires_at;
    assert_int_equal(take(r, LX_INV_HOLD, 2, now, 1, 2, 0, 1, NULL), LX_SOLDOUT);
    assert_int_equal(act(r, LX_INV_EXPIRE, 1, 0, exp), LX_OK);
    /* someone else holds the seat, then the first customer pays */
    assert_int_equal(take(r, LX_INV_HOLD, 2, exp + 5, 1, 2, 0, 1, NULL), LX_OK);
    assert_int_equal(act(r, LX_INV_CONFIRM, 1, OWNER, exp + 10), LX_EXPIRED);
    assert_int_equal(lx_inv_order_get(r, 1)->state, LX_ORDER_EXPIRED);
    assert_int_equal(act(r, LX_INV_CONFIRM, 2, OWNER, exp + 10), LX_OK);
    assert_int_equal(seat_of(r, 2, 0), 0);
    assert_false(lx_inv_seat_free(r, 0, 1, 2));
    assert_true(lx_inv_seat_free(r, 0, 0, 1));
    check_ok(r);
}

static void test_refund_then_resale(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "ONE");
    lx_instant_t now = early(r);
    lx_inv_change chg;
    assert_int_equal(take(r, LX_INV_SELL, 1, now, 1, 3, 0, 1, NULL), LX_OK);
    assert_int_equal(take(r, LX_INV_SELL, 2, now, 1, 3, 0, 1, NULL), LX_SOLDOUT);
    lx_inv_op op;
    memset(&op, 0, sizeof op);
    op.code = LX_INV_REFUND;
    op.order = 1;
    op.owner = OWNER;
    op.now = now + 100;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    assert_int_equal(chg.before.state, LX_ORDER_CONFIRMED);
    assert_int_equal(chg.after.state, LX_ORDER_REFUNDED);
    assert_int_equal(lx_inv_avail(r, 1, 3, 0, now), 1);
    assert_int_equal(take(r, LX_INV_SELL, 2, now + 200, 1, 3, 0, 1, NULL), LX_OK);
    assert_int_equal(lx_inv_avail(r, 1, 3, 0, now), 0);
    assert_int_equal(act(r, LX_INV_REFUND, 1, OWNER, now + 300), LX_CONFLICT); /* twice */
    check_ok(r);
}

static void test_cancel_owner_and_states(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    assert_int_equal(take(r, LX_INV_HOLD, 1, now, 0, 2, CLS_FIRST, 2, NULL), LX_OK);
    assert_int_equal(take(r, LX_INV_SELL, 2, now, 0, 2, CLS_FIRST, 1, NULL), LX_OK);
    assert_int_equal(lx_inv_avail(r, 0, 2, CLS_FIRST, now), 5);
    /* wrong owner, for each owner-checked operation */
    assert_int_equal(act(r, LX_INV_CANCEL, 1, OWNER + 1, now), LX_FORBIDDEN);
    assert_int_equal(act(r, LX_INV_CONFIRM, 1, OWNER + 1, now), LX_FORBIDDEN);
    assert_int_equal(act(r, LX_INV_REFUND, 2, OWNER + 1, now), LX_FORBIDDEN);
    /* wrong states */
    assert_int_equal(act(r, LX_INV_REFUND, 1, OWNER, now), LX_CONFLICT);  /* a hold */
    assert_int_equal(act(r, LX_INV_CANCEL, 2, OWNER, now), LX_CONFLICT);  /* a sale */
    assert_int_equal(act(r, LX_INV_CONFIRM, 2, OWNER, now), LX_CONFLICT); /* paid already */
    /* cancel frees the seats */
    assert_int_equal(act(r, LX_INV_CANCEL, 1, OWNER, now + 1), LX_OK);
    assert_int_equal(lx_inv_order_get(r, 1)->state, LX_ORDER_CANCELLED);
    assert_int_equal(lx_inv_avail(r, 0, 2, CLS_FIRST, now), 7);
    assert_int_equal(act(r, LX_INV_CANCEL, 1, OWNER, now + 2), LX_CONFLICT);
    assert_int_equal(act(r, LX_INV_CONFIRM, 1, OWNER, now + 2), LX_CONFLICT);
    check_ok(r);
}

/* ---- choosing seats ---- */

static void test_named_seats(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    uint32_t s;
    assert_int_equal(lx_inv_seat_parse(r, "03-01C", &s), LX_OK);
    assert_int_equal(take_seat(r, LX_INV_HOLD, 1, now, 0, 2, s), LX_OK);
    assert_int_equal(seat_of(r, 1, 0), s);
    assert_int_equal(take_seat(r, LX_INV_HOLD, 2, now, 1, 3, s), LX_TAKEN);
    assert_int_equal(take_seat(r, LX_INV_HOLD, 2, now, 2, 4, s), LX_OK); /* free from 2 */
    /* a seat of another class, a seat the run does not have */
    lx_inv_op op = op_take(LX_INV_HOLD, 3, now, 0, 4, CLS_SECOND, 1);
    lx_inv_change chg;
    op.req.n_want = 1;
    op.req.want[0] = M_FIRST;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_INVAL);
    op.req.want[0] = M_SEATS;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_INVAL);
    /* twice the same seat */
    op.req.n = 2;
    op.req.n_want = 2;
    op.req.want[0] = op.req.want[1] = M_SECOND + 4;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_INVAL);
    /* one named seat and two more chosen around it; a taken seat refuses the whole group */
    op.req.n = 3;
    op.req.n_want = 1;
    op.req.want[0] = M_SECOND + 4;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    assert_int_equal(chg.after.n, 3);
    assert_int_equal(chg.after.seats[0], M_SECOND + 4);
    for (int k = 1; k < 3; k++) {
        assert_int_not_equal(chg.after.seats[k], M_SECOND + 4);
        assert_true(chg.after.seats[k] >= M_SECOND && chg.after.seats[k] < M_BUSINESS);
    }
    op.order = 4;
    op.req.n_want = 2;
    op.req.want[0] = M_SECOND + 9;
    op.req.want[1] = M_SECOND + 4;
    avail_snap before;
    snap_avail(r, now, &before);
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_TAKEN);
    same_avail(r, now, &before);
    check_ok(r);
}

static void test_window_and_aisle(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    lx_inv_op op = op_take(LX_INV_SELL, 1, now, 0, 4, CLS_SECOND, 1);
    lx_inv_change chg;
    op.req.pref = LX_SEAT_AISLE;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    label_is(r, chg.after.seats[0], "02-01C");
    op.order = 2;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    label_is(r, chg.after.seats[0], "02-01D");
    op.order = 3;
    op.req.pref = LX_SEAT_WINDOW;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    label_is(r, chg.after.seats[0], "02-01A");
    op.order = 4;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    label_is(r, chg.after.seats[0], "02-01F");
    op.order = 5;
    op.req.pref = LX_SEAT_ANY;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    label_is(r, chg.after.seats[0], "02-01B");
    /* business ACF: C is the aisle seat, F is a window seat alone */
    op.req.cls = CLS_BUSINESS;
    op.req.pref = LX_SEAT_AISLE;
    op.order = 6;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    label_is(r, chg.after.seats[0], "04-01C");
    /* no aisle seat left: the wish gives way, a seat is still sold */
    op.order = 7;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    label_is(r, chg.after.seats[0], "04-01A");
    op.order = 8;
    op.req.pref = LX_SEAT_WINDOW;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    label_is(r, chg.after.seats[0], "04-01F");
    check_ok(r);
}

static uint32_t coach_of(const lx_inv_run *r, uint32_t seat)
{
    lx_inv_seat si;
    lx_inv_seat_info(r, seat, &si);
    return si.coach;
}

static uint32_t row_of(const lx_inv_run *r, uint32_t seat)
{
    lx_inv_seat si;
    lx_inv_seat_info(r, seat, &si);
    return si.coach * 1000u + si.row;
}

static void test_groups(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    lx_inv_change chg;
    /* an empty coach: the first row */
    assert_int_equal(take(r, LX_INV_HOLD, 1, now, 0, 4, CLS_SECOND, 5, &chg), LX_OK);
    for (uint32_t k = 0; k < 5; k++)
        assert_int_equal(chg.after.seats[k], M_SECOND + k);
    assert_int_equal(act(r, LX_INV_CANCEL, 1, OWNER, now), LX_OK);
    /* 02-01A taken: row 2 of coach 2 is the first row with 5 free */
    assert_int_equal(take_seat(r, LX_INV_SELL, 2, now, 0, 4, M_SECOND), LX_OK);
    assert_int_equal(take(r, LX_INV_HOLD, 3, now, 1, 3, CLS_SECOND, 5, &chg), LX_OK);
    for (uint32_t k = 0; k < 5; k++)
        assert_int_equal(chg.after.seats[k], M_SECOND + 5 + k);
    assert_int_equal(act(r, LX_INV_CANCEL, 3, OWNER, now), LX_OK);
    /* 02-02A and 03-01A taken too: no row has 5 free, coach 2 has 8, coach 3 has 6 */
    assert_int_equal(take_seat(r, LX_INV_SELL, 4, now, 0, 4, M_SECOND + 5), LX_OK);
    assert_int_equal(take_seat(r, LX_INV_SELL, 5, now, 0, 4, M_C3), LX_OK);
    assert_int_equal(take(r, LX_INV_HOLD, 6, now, 0, 4, CLS_SECOND, 5, &chg), LX_OK);
    for (uint32_t k = 0; k < 5; k++)
        assert_int_equal(coach_of(r, chg.after.seats[k]), 2);
    assert_int_not_equal(row_of(r, chg.after.seats[0]), row_of(r, chg.after.seats[4]));
    assert_int_equal(act(r, LX_INV_CANCEL, 6, OWNER, now), LX_OK);
    /* a group of 4 still finds a row of its own */
    assert_int_equal(take(r, LX_INV_HOLD, 7, now, 0, 4, CLS_SECOND, 4, &chg), LX_OK);
    for (uint32_t k = 1; k < 4; k++)
        assert_int_equal(row_of(r, chg.after.seats[k]), row_of(r, chg.after.seats[0]));
    assert_int_equal(act(r, LX_INV_CANCEL, 7, OWNER, now), LX_OK);
    /* coach 2 down to 4 free and coach 3 to 4 free: the group is split, but seated */
    assert_int_equal(take(r, LX_INV_SELL, 8, now, 0, 4, CLS_SECOND, 4, &chg), LX_OK);
    for (uint32_t k = 0; k < 4; k++)
        assert_int_equal(coach_of(r, chg.after.seats[k]), 2);
    assert_int_equal(take_seat(r, LX_INV_SELL, 9, now, 0, 4, M_C3 + 5), LX_OK);
    assert_int_equal(take_seat(r, LX_INV_SELL, 90, now, 0, 4, M_C3 + 6), LX_OK);
    assert_int_equal(lx_inv_avail(r, 0, 4, CLS_SECOND, now), 8);
    assert_int_equal(take(r, LX_INV_HOLD, 10, now, 0, 4, CLS_SECOND, 5, &chg), LX_OK);
    uint32_t in2 = 0, in3 = 0;
    for (uint32_t k = 0; k < 5; k++)
        *(coach_of(r, chg.after.seats[k]) == 2 ? &in2 : &in3) += 1;
    assert_true(in2 > 0 && in3 > 0);
    /* fewer than 5 left: sold out, nothing taken */
    avail_snap before;
    snap_avail(r, now, &before);
    assert_int_equal(take(r, LX_INV_HOLD, 11, now, 0, 4, CLS_SECOND, 5, NULL), LX_SOLDOUT);
    same_avail(r, now, &before);
    assert_int_equal(take(r, LX_INV_HOLD, 11, now, 0, 4, CLS_SECOND, 3, NULL), LX_OK);
    check_ok(r);
}

static void test_best_fit_beats_first_fit(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    lx_inv_change chg;
    /* 02-01F sold Kunming - Pu'er and Luang Prabang - Vientiane: a gap Pu'er - LP */
    assert_int_equal(take_seat(r, LX_INV_SELL, 1, now, 0, 1, M_SECOND + 4), LX_OK);
    assert_int_equal(take_seat(r, LX_INV_SELL, 2, now, 3, 4, M_SECOND + 4), LX_OK);
    /* best fit puts Pu'er - LP into the gap, keeping whole seats whole */
    assert_int_equal(take(r, LX_INV_SELL, 3, now, 1, 3, CLS_SECOND, 1, &chg), LX_OK);
    assert_int_equal(chg.after.seats[0], M_SECOND + 4);
    assert_int_equal(lx_inv_avail(r, 0, 4, CLS_SECOND, now), 16);
    /* first fit takes the lowest free seat and breaks a whole seat */
    assert_int_equal(act(r, LX_INV_REFUND, 3, OWNER, now), LX_OK);
    lx_inv_op op = op_take(LX_INV_SELL, 4, now, 1, 3, CLS_SECOND, 1);
    op.req.policy = LX_ALLOC_FIRST_FIT;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    assert_int_equal(chg.after.seats[0], M_SECOND);
    assert_int_equal(lx_inv_avail(r, 0, 4, CLS_SECOND, now), 15);
    /* equal stretches: the one the journey touches at an end wins over a lower seat.
     * 02-02A is free 0..3, 02-02B free 1..4: a journey 1..2 fits both in 3 segments,
     * and touches the start of 02-02B's stretch only. */
    assert_int_equal(take_seat(r, LX_INV_SELL, 5, now, 3, 4, M_SECOND + 5), LX_OK);
    assert_int_equal(take_seat(r, LX_INV_SELL, 6, now, 0, 1, M_SECOND + 6), LX_OK);
    assert_int_equal(act(r, LX_INV_REFUND, 4, OWNER, now), LX_OK);
    assert_int_equal(act(r, LX_INV_REFUND, 1, OWNER, now), LX_OK);
    assert_int_equal(act(r, LX_INV_REFUND, 2, OWNER, now), LX_OK);
    assert_int_equal(take(r, LX_INV_SELL, 7, now, 1, 2, CLS_SECOND, 1, &chg), LX_OK);
    assert_int_equal(chg.after.seats[0], M_SECOND + 6);
    /* and a group prefers the row whose seats fit best: row 2 of coach 2 holds the two
     * fragments, row 1 is empty; two passengers Pu'er - Boten go into row 2 */
    assert_int_equal(take(r, LX_INV_SELL, 8, now, 2, 3, CLS_SECOND, 2, &chg), LX_OK);
    assert_int_equal(chg.after.seats[0], M_SECOND + 5);
    assert_int_equal(chg.after.seats[1], M_SECOND + 6);
    check_ok(r);
}

/* ---- quotas ---- */

static void test_quotas(void **state)
{
    fixture *fx = *state;
    uint32_t nq;
    lx_tt_quotas(fx->tt, &nq);
    assert_int_equal(nq, 2);
    lx_inv_run *r = run_of(fx, "QUOTA");
    lx_instant_t d0 = lx_inv_departure(r, 0);
    lx_instant_t before = d0 - 1440 * 60 - 1, after = d0 - 1440 * 60;
    /* coach 1 is cross-border; every 5th of the other 40 seats is the share */
    uint32_t cb = 0, ld = 0;
    for (uint32_t s = 0; s < lx_inv_seat_count(r); s++) {
        lx_inv_seat si;
        lx_inv_seat_info(r, s, &si);
        if (s < 10)
            assert_int_equal(si.quota, LX_QUOTA_CROSS_BORDER);
        else
            assert_int_equal(si.quota, (s - 10) % 5 == 4 ? LX_QUOTA_LONG_DISTANCE : 0);
        cb += si.quota == LX_QUOTA_CROSS_BORDER;
        ld += si.quota == LX_QUOTA_LONG_DISTANCE;
    }
    assert_int_equal(cb, 10);
    assert_int_equal(ld, 8);
    assert_int_equal(lx_inv_avail(r, 0, 1, 0, before), 32); /* domestic, short */
    assert_int_equal(lx_inv_avail(r, 1, 2, 0, before), 42); /* cross-border, short */
    assert_int_equal(lx_inv_avail(r, 0, 2, 0, before), 50); /* cross-border, long */
    assert_int_equal(lx_inv_avail(r, 2, 4, 0, before), 40); /* domestic, long */
    assert_int_equal(lx_inv_avail(r, 0, 1, 0, after), 40);
    assert_int_equal(lx_inv_avail(r, 1, 2, 0, after), 50);

    /* a domestic journey never gets a cross-border seat, nor the share before release */
    assert_int_equal(take_seat(r, LX_INV_HOLD, 1, before, 0, 1, 0), LX_TAKEN);
    assert_int_equal(take_seat(r, LX_INV_HOLD, 1, before, 0, 1, 14), LX_TAKEN);
    assert_int_equal(take_seat(r, LX_INV_HOLD, 1, before, 2, 4, 14), LX_OK); /* long */
    assert_int_equal(take_seat(r, LX_INV_HOLD, 2, after, 0, 1, 19), LX_OK);  /* released */
    assert_int_equal(take_seat(r, LX_INV_HOLD, 3, after, 0, 1, 0), LX_TAKEN);
    /* chosen seats: cross-border journeys take the cross-border coach first, long ones
     * the share first, short domestic ones general seats */
    lx_inv_change chg;
    assert_int_equal(take(r, LX_INV_HOLD, 4, before, 1, 2, 0, 1, &chg), LX_OK);
    assert_true(chg.after.seats[0] < 10);
    assert_int_equal(take(r, LX_INV_HOLD, 5, before, 2, 4, 0, 1, &chg), LX_OK);
    lx_inv_seat si;
    lx_inv_seat_info(r, chg.after.seats[0], &si);
    assert_int_equal(si.quota, LX_QUOTA_LONG_DISTANCE);
    assert_int_equal(take(r, LX_INV_HOLD, 6, before, 0, 1, 0, 1, &chg), LX_OK);
    lx_inv_seat_info(r, chg.after.seats[0], &si);
    assert_int_equal(si.quota, 0);
    check_ok(r);

    /* the general seats of Kunming - Pu'er run out: refused before release, sold after */
    uint32_t left = lx_inv_avail(r, 0, 1, 0, before);
    assert_int_equal(left, 32 - 1);
    for (uint32_t k = 0; k < left; k++)
        assert_int_equal(take(r, LX_INV_SELL, 100 + k, before, 0, 1, 0, 1, NULL), LX_OK);
    assert_int_equal(lx_inv_avail(r, 0, 1, 0, before), 0);
    assert_int_equal(take(r, LX_INV_SELL, 200, before, 0, 1, 0, 1, NULL), LX_SOLDOUT);
    assert_int_equal(lx_inv_avail(r, 0, 1, 0, after), 7); /* 8 shared, 19 taken */
    assert_int_equal(take(r, LX_INV_SELL, 200, after, 0, 1, 0, 1, &chg), LX_OK);
    lx_inv_seat_info(r, chg.after.seats[0], &si);
    assert_int_equal(si.quota, LX_QUOTA_LONG_DISTANCE);
    assert_int_equal(chg.after.seats[0], 14); /* its free stretch 0..2 fits best */
    /* cross-border journeys still find the cross-border coach (9 free) and the share
     * (24, 29, ... 49) */
    assert_int_equal(lx_inv_avail(r, 0, 2, 0, before), 9 + 0 + 6);
    check_ok(r);
}

/* ---- hold times ---- */

static int32_t hold_made(lx_inv_run *r, lx_order_id id, lx_instant_t now, uint32_t from,
                         uint32_t to)
{
    lx_inv_change chg;
    assert_int_equal(take(r, LX_INV_HOLD, id, now, from, to, 0, 1, &chg), LX_OK);
    return (int32_t)(chg.after.expires_at - now);
}

static void test_hold_times(void **state)
{
    fixture *fx = *state;
    /* domestic rule: 30 minutes, 10 within 120 minutes of departure */
    lx_inv_run *r = run_of(fx, "DOM");
    lx_instant_t d0 = lx_inv_departure(r, 0);
    assert_int_equal(lx_inv_hold_seconds(r, 0, d0 - 121 * 60), 30 * 60);
    assert_int_equal(lx_inv_hold_seconds(r, 0, d0 - 120 * 60), 10 * 60);
    assert_int_equal(lx_inv_hold_seconds(r, 0, d0 - 60), 10 * 60);
    assert_int_equal(hold_made(r, 1, d0 - 3 * 3600, 0, 1), 30 * 60);
    assert_int_equal(act(r, LX_INV_CANCEL, 1, OWNER, d0 - 3 * 3600), LX_OK);
    assert_int_equal(hold_made(r, 2, d0 - 3600, 0, 1), 10 * 60);
    /* an op's own hold time wins */
    assert_int_equal(act(r, LX_INV_CANCEL, 2, OWNER, d0 - 3600), LX_OK);
    lx_inv_op op = op_take(LX_INV_HOLD, 3, d0 - 3600, 0, 1, 0, 1);
    op.hold_seconds = 99;
    lx_inv_change chg;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    assert_int_equal(chg.after.expires_at, d0 - 3600 + 99);
    assert_int_equal(act(r, LX_INV_CANCEL, 3, OWNER, d0 - 3600), LX_OK);
    /* a hold never outlasts the train: on LAO (whose sales run to the departure) one
     * made 4 minutes before departure lapses at departure, and paying after it is
     * refused */
    lx_inv_run *lr = run_of(fx, "LAO");
    lx_instant_t ld0 = lx_inv_departure(lr, 0);
    assert_int_equal(hold_made(lr, 4, ld0 - 240, 0, 1), 240);
    assert_int_equal(act(lr, LX_INV_CONFIRM, 4, OWNER, ld0), LX_EXPIRED);
    assert_int_equal(act(lr, LX_INV_CONFIRM, 4, OWNER, ld0 - 1), LX_OK);

    /* MAIN crosses the border: 20 minutes, 5 within 60 minutes of leaving `from` */
    lx_inv_run *m = run_of(fx, "MAIN");
    lx_instant_t d3 = lx_inv_departure(m, 3);
    assert_int_equal(lx_inv_hold_seconds(m, 3, d3 - 61 * 60), 20 * 60);
    assert_int_equal(lx_inv_hold_seconds(m, 3, d3 - 60 * 60), 5 * 60);
    assert_int_equal(lx_inv_hold_seconds(m, 0, d3 - 60 * 60), 5 * 60);

    /* LAO's operator: 30 and 10 within 120 minutes */
    lx_inv_run *l = run_of(fx, "LAO");
    lx_instant_t l0 = lx_inv_departure(l, 0);
    assert_int_equal(lx_inv_hold_seconds(l, 0, l0 - 121 * 60), 30 * 60);
    assert_int_equal(lx_inv_hold_seconds(l, 0, l0 - 119 * 60), 10 * 60);
}

/* ---- deadlines ---- */

static void test_next_expiry(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    lx_inv_change chg;
    int32_t secs[] = {500, 300, 900, 300, 700};
    for (int i = 0; i < 5; i++) {
        lx_inv_op op = op_take(LX_INV_HOLD, 10 + (lx_order_id)i, now, 0, 1, CLS_SECOND, 1);
        op.hold_seconds = secs[i];
        assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    }
    assert_int_equal(lx_inv_next_expiry(r), now + 300);
    assert_int_equal(act(r, LX_INV_CONFIRM, 11, OWNER, now), LX_OK);
    check_ok(r);
    assert_int_equal(lx_inv_next_expiry(r), now + 300); /* order 13 too */
    assert_int_equal(act(r, LX_INV_CANCEL, 13, OWNER, now), LX_OK);
    assert_int_equal(lx_inv_next_expiry(r), now + 500);
    lx_order_id ids[8];
    assert_int_equal(lx_inv_expired(r, now + 499, ids, 8), 0);
    assert_int_equal(lx_inv_expired(r, now + 700, ids, 8), 2);
    assert_int_equal(lx_inv_expired(r, now + 700, ids, 1), 2); /* count beyond cap */
    assert_int_equal(lx_inv_expired(r, now + 2000, ids, 8), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(act(r, LX_INV_EXPIRE, ids[i], 0, now + 2000), LX_OK);
    assert_int_equal(lx_inv_next_expiry(r), LX_INSTANT_MAX);
    assert_int_equal(lx_inv_expired(r, now + 9000, ids, 8), 0);
    check_ok(r);
}

/* ---- replay and undo ---- */

static void test_restore_idempotent_and_replay(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    lx_inv_change chg;
    assert_int_equal(take(r, LX_INV_HOLD, 1, now, 0, 3, CLS_SECOND, 3, &chg), LX_OK);
    lx_inv_change chg2;
    assert_int_equal(take(r, LX_INV_SELL, 2, now, 1, 4, CLS_FIRST, 2, &chg2), LX_OK);
    assert_int_equal(act(r, LX_INV_CONFIRM, 1, OWNER, now + 5), LX_OK);
    assert_int_equal(take(r, LX_INV_HOLD, 3, now, 2, 4, CLS_BUSINESS, 1, NULL), LX_OK);
    avail_snap snap;
    snap_avail(r, now, &snap);
    /* replaying what is there changes nothing, however often */
    for (int rep = 0; rep < 3; rep++)
        for (uint32_t i = 0; i < lx_inv_order_count(r); i++) {
            lx_inv_order o = *lx_inv_order_at(r, i);
            assert_int_equal(lx_inv_restore(r, &o), LX_OK);
        }
    assert_int_equal(lx_inv_order_count(r), 3);
    same_avail(r, now, &snap);
    check_ok(r);

    /* a fresh inventory replays every order into the same state */
    lx_inv *inv2;
    assert_int_equal(lx_inv_create(fx->tt, &inv2), LX_OK);
    lx_inv_run *r2;
    assert_int_equal(lx_inv_run_add(inv2, lx_inv_run_trip(r), fx->day, &r2, NULL, 0), LX_OK);
    for (int rep = 0; rep < 2; rep++)
        for (uint32_t i = 0; i < lx_inv_order_count(r); i++)
            assert_int_equal(lx_inv_restore(r2, lx_inv_order_at(r, i)), LX_OK);
    same_avail(r2, now, &snap);
    assert_int_equal(lx_inv_order_count(r2), 3);
    assert_int_equal(lx_inv_next_expiry(r2), lx_inv_next_expiry(r));
    for (uint32_t i = 0; i < lx_inv_order_count(r); i++) {
        const lx_inv_order *a = lx_inv_order_at(r, i);
        const lx_inv_order *b = lx_inv_order_get(r2, a->id);
        assert_non_null(b);
        same_order(a, b);
    }
    check_ok(r2);

    /* replay in the wrong order (a later snapshot first) is fine too */
    lx_inv_order late = *lx_inv_order_get(r, 1);
    assert_int_equal(lx_inv_restore(r2, &chg.after), LX_OK); /* back to held */
    assert_int_equal(lx_inv_restore(r2, &late), LX_OK);
    same_avail(r2, now, &snap);
    check_ok(r2);

    /* a snapshot that collides with another order, or does not fit */
    lx_inv_order bad = chg2.after;
    bad.id = 50;
    assert_int_equal(lx_inv_restore(r2, &bad), LX_TAKEN);
    assert_null(lx_inv_order_get(r2, 50));
    bad.state = LX_ORDER_REFUNDED; /* holds no seats: no collision */
    assert_int_equal(lx_inv_restore(r2, &bad), LX_OK);
    bad.state = LX_ORDER_CONFIRMED;
    bad.seats[0] = M_SECOND; /* a second-class seat in a first-class order */
    assert_int_equal(lx_inv_restore(r2, &bad), LX_INVAL);
    bad = chg2.after;
    bad.to = 5;
    assert_int_equal(lx_inv_restore(r2, &bad), LX_INVAL);
    bad = chg2.after;
    bad.id = 0;
    assert_int_equal(lx_inv_restore(r2, &bad), LX_INVAL);
    bad = chg2.after;
    bad.state = 42;
    assert_int_equal(lx_inv_restore(r2, &bad), LX_INVAL);
    assert_int_equal(lx_inv_restore(r2, NULL), LX_INVAL);
    same_avail(r2, now, &snap);
    check_ok(r2);
    lx_inv_destroy(inv2);
}

static void test_undo(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    /* a few orders to undo among */
    for (lx_order_id id = 1; id <= 20; id++)
        assert_int_equal(take(r, id % 3 ? LX_INV_SELL : LX_INV_HOLD, id, now, (uint32_t)(id % 4),
                              (uint32_t)(id % 4) + 1, CLS_SECOND, 1 + (uint32_t)(id % 2), NULL),
                         LX_OK);
    uint32_t count = lx_inv_order_count(r);
    lx_instant_t next = lx_inv_next_expiry(r);
    avail_snap snap;
    snap_avail(r, now, &snap);

    /* undo a hold: the order is gone, the seats are back */
    lx_inv_change chg;
    assert_int_equal(take(r, LX_INV_HOLD, 100, now - 500, 0, 2, CLS_FIRST, 2, &chg), LX_OK);
    assert_int_equal(lx_inv_restore(r, &chg.before), LX_OK);
    assert_null(lx_inv_order_get(r, 100));
    assert_int_equal(lx_inv_order_count(r), count);
    same_avail(r, now, &snap);
    assert_int_equal(lx_inv_next_expiry(r), next);
    assert_int_equal(lx_inv_restore(r, &chg.before), LX_OK); /* twice: still nothing */
    check_ok(r);

    /* undo a confirm, a cancel, a refund, an expiry: each back to its state before */
    const lx_inv_order *o = NULL;
    for (uint32_t i = 0; i < lx_inv_order_count(r) && !o; i++)
        if (lx_inv_order_at(r, i)->state == LX_ORDER_HELD)
            o = lx_inv_order_at(r, i);
    assert_non_null(o);
    lx_order_id hid = o->id;
    lx_inv_order held = *o;
    lx_inv_op op;
    memset(&op, 0, sizeof op);
    op.order = hid;
    op.owner = OWNER;
    op.now = now;
    int codes[] = {LX_INV_CONFIRM, LX_INV_CANCEL};
    for (int k = 0; k < 2; k++) {
        op.code = (uint8_t)codes[k];
        assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
        assert_int_equal(lx_inv_restore(r, &chg.before), LX_OK);
        same_order(lx_inv_order_get(r, hid), &held);
        same_avail(r, now, &snap);
        check_ok(r);
    }
    op.code = LX_INV_EXPIRE;
    op.now = held.expires_at;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    assert_int_equal(lx_inv_restore(r, &chg.before), LX_OK);
    same_avail(r, now, &snap);
    assert_int_equal(lx_inv_next_expiry(r), next);
    op.code = LX_INV_CONFIRM;
    op.now = now;
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    op.code = LX_INV_REFUND;
    lx_inv_order sold = *lx_inv_order_get(r, hid);
    assert_int_equal(lx_inv_apply(r, &op, &chg), LX_OK);
    assert_int_equal(lx_inv_restore(r, &chg.before), LX_OK);
    same_order(lx_inv_order_get(r, hid), &sold);
    same_avail(r, now, &snap);
    check_ok(r);
}

/* ---- the checker ---- */

static void test_check_finds_corruption(void **state)
{
    fixture *fx = *state;
    lx_inv_run *r = run_of(fx, "MAIN");
    lx_instant_t now = early(r);
    assert_int_equal(take(r, LX_INV_SELL, 1, now, 0, 2, CLS_SECOND, 1, NULL), LX_OK);
    check_ok(r);
    uint32_t s = seat_of(r, 1, 0);
    char msg[256] = "";
    /* a seat taken with no order to show for it */
    lx_inv_test_corrupt(r, s + 1, 1);
    assert_int_equal(lx_inv_check(r, msg, sizeof msg), LX_INTERNAL);
    assert_non_null(strstr(msg, "02-01B"));
    lx_inv_test_corrupt(r, s + 1, 0);
    check_ok(r);
    /* an order's seat not marked taken */
    lx_inv_test_corrupt(r, s, 0);
    assert_int_equal(lx_inv_check(r, msg, sizeof msg), LX_INTERNAL);
    assert_non_null(strstr(msg, "02-01A"));
    /* the words right but a count wrong */
    lx_inv_test_corrupt(r, s, lx_inv_mask(0, 2));
    check_ok(r);
    r->cnt[0]++;
    assert_int_equal(lx_inv_check(r, msg, sizeof msg), LX_INTERNAL);
    assert_non_null(strstr(msg, "counted"));
    r->cnt[0]--;
    check_ok(r);
    /* a bit past the last segment */
    lx_inv_test_corrupt(r, s, lx_inv_mask(0, 2) | 1ull << 40);
    assert_int_equal(lx_inv_check(r, msg, sizeof msg), LX_INTERNAL);
    lx_inv_test_corrupt(r, s, lx_inv_mask(0, 2));
    check_ok(r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_names),
        T(test_run_add_and_find),
        T(test_classes_and_seats),
        T(test_border_and_distance),
        T(test_avail_empty_run),
        T(test_one_seat_segment_by_segment),
        T(test_last_seat_and_sold_out),
        T(test_bad_requests),
        T(test_sales_window),
        T(test_max_passengers),
        T(test_expiry_boundary),
        T(test_late_payment_after_resale),
        T(test_refund_then_resale),
        T(test_cancel_owner_and_states),
        T(test_named_seats),
        T(test_window_and_aisle),
        T(test_groups),
        T(test_best_fit_beats_first_fit),
        T(test_quotas),
        T(test_hold_times),
        T(test_next_expiry),
        T(test_restore_idempotent_and_replay),
        T(test_undo),
        T(test_check_finds_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
