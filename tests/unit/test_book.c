/* Unit tests for the booking store (src/store/book*.c): selling over the engine with
 * every change committed to DIR/lanxang.db. Each test works in its own data directory
 * (mkdtemp) over a small Lao feed whose trains have a first-class coach of 4 seats and
 * a second-class coach of 10, and removes it at the end. Threads never call cmocka:
 * they count what went wrong and the main thread asserts. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fixture.h"
#include "lanxang/book.h"
#include "lanxang/net.h"
#include "lanxang/store.h"
#include "store/book_int.h"

/* ---- the feed ---- */

static const lx_gtfs_file feed_files[] = {
/* clang-format off */
#define F(name, text) {name, text, sizeof(text) - 1}
    /* clang-format on */
    F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                    "lcr,Lao-China Railway,https://lcr.example.la,Asia/Vientiane\n"),
    F("stops.txt", "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                   "vte,Vientiane,18.055,102.689,1,\n"
                   "vte_1,Vientiane platform 1,18.055,102.689,0,vte\n"
                   "vv,Vang Vieng,18.923,102.448,0,\n"
                   "lpq,Luang Prabang,19.888,102.203,0,\n"
                   "bot,Boten,21.145,101.650,0,\n"),
    F("routes.txt", "route_id,agency_id,route_short_name,route_type\nr1,lcr,C,2\n"),
    F("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                      "start_date,end_date\n"
                      "daily,1,1,1,1,1,1,1,20260101,20271231\n"),
    F("trips.txt", "route_id,service_id,trip_id,trip_short_name\n"
                   "r1,daily,C81,C81\n"
                   "r1,daily,C82,C82\n"),
    F("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        "C81,08:00:00,08:00:00,vte_1,1\n"
                        "C81,09:00:00,09:02:00,vv,2\n"
                        "C81,09:50:00,09:55:00,lpq,3\n"
                        "C81,11:30:00,11:30:00,bot,4\n"
                        "C82,14:00:00,14:00:00,bot,1\n"
                        "C82,15:35:00,15:40:00,lpq,2\n"
                        "C82,16:30:00,16:32:00,vv,3\n"
                        "C82,17:30:00,17:30:00,vte_1,4\n"),
    F("lx_stations.txt", "stop_id,country,km\n"
                         "vte,LA,0\nvv,LA,150\nlpq,LA,300\nbot,LA,420\n"),
    F("lx_seat_layouts.txt", "layout_id,coach,class,seats,letters,window_letters\n"
                             "small,1,first,4,AC,AC\n"
                             "small,2,second,10,ABCDF,AF\n"),
    F("lx_train_layouts.txt", "trip_id,layout_id\nC81,small\nC82,small\n"),
    F("lx_fares.txt", "agency_id,from_stop_id,to_stop_id,class,currency,price\n"
                      "lcr,vte,lpq,second,LAK,200000\n"
                      "lcr,vte,lpq,second,CNY,100.00\n"
                      "lcr,vte,lpq,first,LAK,300000\n"),
#undef F
};

#define FIRST_SEATS 4
#define SECOND_SEATS 10

typedef struct {
    char *base;
    char data[4200];
    lx_net *net;
    const lx_tt *tt;
    lx_date_t day;    /* 2026-12-20 */
    lx_instant_t now; /* a day before C81 leaves Vientiane that day */
    char msg[4096];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    *state = fx;
    fx->base = fx_tmpdir("book");
    FX_JOIN(fx->data, fx->base, "data");
    fx->net = fx_net_ok(feed_files, FX_COUNT(feed_files), "lao", &fx->tt);
    fx->day = lx_date_from_ymd(2026, 12, 20);
    /* 08:00 in Vientiane (UTC+7) is 01:00 UTC */
    fx->now = (lx_instant_t)fx->day * 86400 + 3600 - 86400;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    lx_net_destroy(fx->net);
    fx_rm_tree(fx->base);
    free(fx->base);
    free(fx);
    return 0;
}

/* ---- helpers ---- */

typedef struct {
    lx_store *s;
    lx_book *b;
} handle;

static handle open_book(fixture *fx)
{
    handle h = {NULL, NULL};
    lx_err e = lx_store_open(fx->data, 1, &h.s, fx->msg, sizeof fx->msg);
    if (e)
        fail_msg("lx_store_open: %s: %s", lx_strerror(e), fx->msg);
    e = lx_book_open(h.s, fx->net, NULL, &h.b, fx->msg, sizeof fx->msg);
    if (e)
        fail_msg("lx_book_open: %s: %s", lx_strerror(e), fx->msg);
    return h;
}

static void close_book(handle *h)
{
    lx_book_close(h->b);
    lx_store_close(h->s);
    h->b = NULL;
    h->s = NULL;
}

/* lx_book_check finds nothing; returns the number of orders. */
static uint32_t check_ok(fixture *fx, lx_book *b)
{
    uint32_t runs = 0, orders = 0;
    lx_err e = lx_book_check(b, fx->msg, sizeof fx->msg, &runs, &orders);
    if (e)
        fail_msg("lx_book_check: %s:\n%s", lx_strerror(e), fx->msg);
    return orders;
}

/* A journey on trip `trip_id` on day + day_offset from stop position from to to. */
static lx_leg leg_of(fixture *fx, const char *trip_id, int day_offset, uint32_t from, uint32_t to)
{
    uint32_t trip = lx_tt_trip_by_id(fx->tt, trip_id), n;
    assert_int_not_equal(trip, LX_NONE);
    const lx_trip *t = &lx_tt_trips(fx->tt, &n)[trip];
    lx_leg leg = {.trip = trip, .service_day = fx->day + day_offset};
    leg.from_pos = t->st_first + from;
    leg.to_pos = t->st_first + to;
    return leg;
}

/* Documents no other order of the test holds (one document, one ticket per train and
 * date): "P" + a serial of 3 digits + the passenger's number of 4 ("P0120002", shown
 * "****0002"). */
static void fresh_documents(lx_book_req *q)
{
    static unsigned serial;
    serial = (serial + 1) % 1000;
    for (uint32_t i = 0; i < q->n; i++)
        snprintf(q->pax[i].document, sizeof q->pax[i].document, "P%03u%04u", serial, i + 1);
}

/* An order without passenger names nor documents (counter sales in bulk): the
 * real-name rules have nothing to match, so one request can be sold many times. */
static lx_book_req anonymous(lx_book_req q)
{
    memset(q.pax, 0, sizeof q.pax);
    return q;
}

static lx_book_req req_of(fixture *fx, const char *trip_id, int day_offset, const char *cls,
                          uint32_t n)
{
    lx_book_req q;
    memset(&q, 0, sizeof q);
    q.feed = 0;
    q.leg = leg_of(fx, trip_id, day_offset, 0, 3);
    q.cls = cls;
    q.n = n;
    for (uint32_t i = 0; i < n; i++)
        snprintf(q.pax[i].name, sizeof q.pax[i].name, "Passenger %u", i + 1);
    fresh_documents(&q);
    return q;
}

static lx_err hold(fixture *fx, lx_book *b, lx_book_req *q, int confirm, const char *owner,
                   lx_instant_t now, lx_book_order *out)
{
    fresh_documents(q);
    q->confirm = confirm;
    q->owner = owner;
    fx->msg[0] = 0;
    return lx_book_hold(b, q, now, out, fx->msg, sizeof fx->msg);
}

static uint32_t avail(fixture *fx, lx_book *b, const char *trip, int day_offset, const char *cls,
                      lx_instant_t now)
{
    lx_leg leg = leg_of(fx, trip, day_offset, 0, 3);
    uint32_t n = 0;
    assert_int_equal(lx_book_avail(b, 0, &leg, cls, now, &n), LX_OK);
    return n;
}

static lx_order_state state_of(lx_book *b, const char *id)
{
    lx_book_order o;
    lx_err e = lx_book_get(b, id, &o);
    if (e)
        fail_msg("lx_book_get %s: %s", id, lx_strerror(e));
    return o.state;
}

/* Runs SQL on DATA/lanxang.db behind the store's back. */
static void db_exec(fixture *fx, const char *sql)
{
    char path[4400];
    sqlite3 *db;
    assert_int_equal(sqlite3_open(FX_JOIN(path, fx->data, "lanxang.db"), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    sqlite3_close(db);
}

static int64_t db_int(fixture *fx, const char *sql)
{
    char path[4400];
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(FX_JOIN(path, fx->data, "lanxang.db"), &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* ---- tests ---- */

static void test_hold_confirm_reopen(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    assert_int_equal(avail(fx, h.b, "C81", 0, "second", fx->now), SECOND_SEATS);

    lx_book_req q = req_of(fx, "C81", 0, "second", 2);
    q.seats[0] = "2-01a"; /* a named seat, written loosely */
    lx_book_order o, got;
    assert_int_equal(hold(fx, h.b, &q, 0, "alice", fx->now, &o), LX_OK);
    assert_int_equal(strlen(o.id), 13);
    assert_int_equal(o.state, LX_ORDER_HELD);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.seats[0], "02-01A");
    assert_string_equal(o.feed, "lao");
    assert_string_equal(o.trip_id, "C81");
    assert_string_equal(o.train, "C81");
    assert_string_equal(o.from_stop, "vte_1");
    assert_string_equal(o.to_stop, "bot");
    assert_int_equal(o.from_pos, 0);
    assert_int_equal(o.to_pos, 3);
    assert_int_equal(o.service_day, fx->day);
    assert_int_equal(o.departure, fx->now + 86400);
    assert_int_equal(o.arrival, fx->now + 86400 + 3 * 3600 + 1800);
    assert_true(o.expires_at > fx->now);
    assert_string_equal(o.pax[1].name, "Passenger 2");
    assert_string_equal(o.pax[1].document, "****0002"); /* kept masked, never in clear */
    assert_int_equal(strlen(o.pax[1].doc_hash), 32);
    assert_string_not_equal(o.pax[0].doc_hash, o.pax[1].doc_hash);
    assert_int_equal(avail(fx, h.b, "C81", 0, "second", fx->now), SECOND_SEATS - 2);

    /* someone else's order */
    assert_int_equal(
        lx_book_confirm(h.b, o.id, "mallory", "x", fx->now + 60, &got, fx->msg, sizeof fx->msg),
        LX_FORBIDDEN);
    assert_int_equal(
        lx_book_confirm(h.b, o.id, "alice", "PAY-123", fx->now + 60, &got, fx->msg, sizeof fx->msg),
        LX_OK);
    assert_int_equal(got.state, LX_ORDER_CONFIRMED);
    assert_string_equal(got.payment, "PAY-123");
    assert_int_equal(got.updated_at, fx->now + 60);
    assert_int_equal(check_ok(fx, h.b), 1);
    close_book(&h);

    h = open_book(fx);
    assert_int_equal(lx_book_get(h.b, o.id, &got), LX_OK);
    assert_int_equal(got.state, LX_ORDER_CONFIRMED);
    assert_string_equal(got.seats[0], o.seats[0]);
    assert_string_equal(got.seats[1], o.seats[1]);
    assert_string_equal(got.payment, "PAY-123");
    assert_string_equal(got.pax[0].name, "Passenger 1");
    assert_string_equal(got.pax[1].document, "****0002");
    assert_string_equal(got.pax[1].doc_hash, o.pax[1].doc_hash);
    assert_int_equal(got.created_at, o.created_at);
    assert_int_equal(got.departure, o.departure);
    assert_int_equal(got.price, o.price);
    assert_int_equal(avail(fx, h.b, "C81", 0, "second", fx->now), SECOND_SEATS - 2);
    /* the named seat is taken for good */
    lx_book_req q2 = req_of(fx, "C81", 0, "second", 1);
    q2.seats[0] = "02-01A";
    assert_int_equal(hold(fx, h.b, &q2, 1, NULL, fx->now, NULL), LX_TAKEN);
    /* ids: unknown, malformed, and case and Crockford's look-alikes accepted */
    assert_int_equal(lx_book_get(h.b, "0000000000000", &got), LX_NOTFOUND);
    assert_int_equal(lx_book_get(h.b, "not an id", &got), LX_NOTFOUND);
    char lower[LX_BOOK_ID_LEN];
    for (int i = 0; i < 14; i++)
        lower[i] = (char)(o.id[i] >= 'A' && o.id[i] <= 'Z' ? o.id[i] - 'A' + 'a' : o.id[i]);
    assert_int_equal(lx_book_get(h.b, lower, &got), LX_OK);
    assert_int_equal(check_ok(fx, h.b), 1);
    lx_book_stats st;
    lx_book_stats_get(h.b, &st);
    assert_int_equal(st.refusals, 1);
    assert_int_equal(st.changes, 0);
    close_book(&h);
    assert_int_equal(db_int(fx, "SELECT count(*) FROM orders"), 1);
}

static void test_prices(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_order o;
    lx_book_req q = req_of(fx, "C81", 0, "second", 2);
    q.leg = leg_of(fx, "C81", 0, 0, 2); /* vte_1 (its parent vte is in Laos) -> lpq */
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, &o), LX_OK);
    assert_int_equal(o.price, 400000);
    assert_string_equal(o.currency, "LAK");
    q.currency = "CNY";
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, &o), LX_OK);
    assert_int_equal(o.price, 20000);
    assert_string_equal(o.currency, "CNY");
    q.currency = "USD";
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, &o), LX_OK);
    assert_int_equal(o.price, -1);
    assert_string_equal(o.currency, "");
    /* the fare applies both ways */
    q = req_of(fx, "C82", 0, "first", 1);
    q.leg = leg_of(fx, "C82", 0, 1, 3);
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, &o), LX_OK);
    assert_int_equal(o.price, 300000);
    assert_string_equal(o.currency, "LAK");
    assert_string_equal(o.from_stop, "lpq");
    assert_string_equal(o.to_stop, "vte_1");
    close_book(&h);
    h = open_book(fx);
    lx_book_order again;
    assert_int_equal(lx_book_get(h.b, o.id, &again), LX_OK);
    assert_int_equal(again.price, 300000);
    assert_string_equal(again.currency, "LAK");
    /* refusals of bad requests */
    q = req_of(fx, "C81", 0, "sleeper", 1);
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, NULL), LX_INVAL);
    q = req_of(fx, "C81", 0, NULL, 1); /* two classes: which one? */
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, NULL), LX_INVAL);
    q = req_of(fx, "C81", 0, "first", 0);
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, NULL), LX_INVAL);
    q = req_of(fx, "C81", 0, "first", 1);
    q.leg.to_pos = q.leg.from_pos;
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, NULL), LX_INVAL);
    q = req_of(fx, "C81", 0, "first", 1);
    q.seats[0] = "09-01A";
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, NULL), LX_NOTFOUND);
    q = req_of(fx, "C81", 900, "first", 1); /* 2029: the service has ended */
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, NULL), LX_NOTFOUND);
    assert_int_equal(check_ok(fx, h.b), 4);
    close_book(&h);
}

static void test_refund_then_resale(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_order sold[FIRST_SEATS], o;
    lx_book_req q = req_of(fx, "C81", 0, "first", 1);
    for (int i = 0; i < FIRST_SEATS; i++)
        assert_int_equal(hold(fx, h.b, &q, 1, "bob", fx->now, &sold[i]), LX_OK);
    assert_int_equal(sold[0].state, LX_ORDER_CONFIRMED);
    assert_int_equal(hold(fx, h.b, &q, 1, "carol", fx->now, NULL), LX_SOLDOUT);
    assert_int_equal(avail(fx, h.b, "C81", 0, "first", fx->now), 0);
    /* a sale is refunded, not cancelled, and only by its owner */
    assert_int_equal(lx_book_cancel(h.b, sold[2].id, "bob", fx->now, &o, fx->msg, sizeof fx->msg),
                     LX_CONFLICT);
    assert_int_equal(lx_book_refund(h.b, sold[2].id, "carol", fx->now, &o, fx->msg, sizeof fx->msg),
                     LX_FORBIDDEN);
    assert_int_equal(
        lx_book_refund(h.b, sold[2].id, "bob", fx->now + 10, &o, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(o.state, LX_ORDER_REFUNDED);
    assert_int_equal(
        lx_book_refund(h.b, sold[2].id, "bob", fx->now + 20, &o, fx->msg, sizeof fx->msg),
        LX_CONFLICT);
    assert_int_equal(avail(fx, h.b, "C81", 0, "first", fx->now), 1);
    /* the seat is sold again, to someone else */
    assert_int_equal(hold(fx, h.b, &q, 1, "carol", fx->now + 30, &o), LX_OK);
    assert_string_equal(o.seats[0], sold[2].seats[0]);
    assert_int_equal(hold(fx, h.b, &q, 1, "carol", fx->now + 30, NULL), LX_SOLDOUT);
    assert_int_equal(check_ok(fx, h.b), FIRST_SEATS + 1);
    close_book(&h);
    h = open_book(fx);
    assert_int_equal(state_of(h.b, sold[2].id), LX_ORDER_REFUNDED);
    assert_int_equal(state_of(h.b, o.id), LX_ORDER_CONFIRMED);
    assert_int_equal(avail(fx, h.b, "C81", 0, "first", fx->now), 0);
    assert_int_equal(check_ok(fx, h.b), FIRST_SEATS + 1);
    lx_book_stats st;
    lx_book_stats_get(h.b, &st);
    assert_int_equal(st.commits, 0); /* since open */
    close_book(&h);
}

static void test_expiry_and_late_payment(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req q = req_of(fx, "C81", 0, "first", 1);
    lx_book_order h1, h2, h3, h4, o;
    assert_int_equal(hold(fx, h.b, &q, 0, "dan", fx->now, &h1), LX_OK);
    lx_instant_t late = h1.expires_at + 1;
    assert_true(h1.expires_at > fx->now);
    /* paid in time works ... */
    assert_int_equal(hold(fx, h.b, &q, 0, "dan", fx->now, &h2), LX_OK);
    assert_int_equal(
        lx_book_confirm(h.b, h2.id, "dan", NULL, h2.expires_at - 1, &o, fx->msg, sizeof fx->msg),
        LX_OK);
    /* ... too late does not, and the hold is expired on the spot, durably */
    assert_int_equal(lx_book_confirm(h.b, h1.id, "dan", "PAY", late, &o, fx->msg, sizeof fx->msg),
                     LX_EXPIRED);
    assert_int_equal(state_of(h.b, h1.id), LX_ORDER_EXPIRED);
    assert_int_equal(
        lx_book_confirm(h.b, h1.id, "dan", "PAY", late + 5, &o, fx->msg, sizeof fx->msg),
        LX_EXPIRED);
    assert_int_equal(avail(fx, h.b, "C81", 0, "first", late), FIRST_SEATS - 1);

    /* a new hold on the run expires the run's due holds first */
    assert_int_equal(hold(fx, h.b, &q, 0, "erin", fx->now, &h3), LX_OK);
    assert_int_equal(hold(fx, h.b, &q, 0, "erin", h3.expires_at + 1, &o), LX_OK);
    assert_int_equal(state_of(h.b, h3.id), LX_ORDER_EXPIRED);
    assert_int_equal(state_of(h.b, o.id), LX_ORDER_HELD);

    /* and lx_book_expire sweeps every run */
    lx_book_req q2 = req_of(fx, "C82", 3, "second", 2);
    assert_int_equal(hold(fx, h.b, &q2, 0, NULL, fx->now, &h4), LX_OK);
    uint32_t n = 99;
    assert_int_equal(lx_book_expire(h.b, fx->now + 1, &n), LX_OK);
    assert_int_equal(n, 0);
    lx_instant_t sweep = o.expires_at > h4.expires_at ? o.expires_at : h4.expires_at;
    assert_int_equal(lx_book_expire(h.b, sweep, &n), LX_OK);
    assert_int_equal(n, 2); /* h4 and the last hold of C81 */
    assert_int_equal(state_of(h.b, h4.id), LX_ORDER_EXPIRED);
    assert_int_equal(state_of(h.b, o.id), LX_ORDER_EXPIRED);
    assert_int_equal(lx_book_expire(h.b, sweep + 100, &n), LX_OK);
    assert_int_equal(n, 0);
    lx_book_stats st;
    lx_book_stats_get(h.b, &st);
    assert_int_equal(st.expiries, 4);
    assert_int_equal(st.holds, 5);
    assert_int_equal(st.confirms, 1);
    assert_int_equal(check_ok(fx, h.b), 5);
    close_book(&h);

    h = open_book(fx);
    assert_int_equal(state_of(h.b, h1.id), LX_ORDER_EXPIRED);
    assert_int_equal(state_of(h.b, h2.id), LX_ORDER_CONFIRMED);
    assert_int_equal(state_of(h.b, h3.id), LX_ORDER_EXPIRED);
    assert_int_equal(state_of(h.b, h4.id), LX_ORDER_EXPIRED);
    assert_int_equal(avail(fx, h.b, "C81", 0, "first", late), FIRST_SEATS - 1);
    assert_int_equal(avail(fx, h.b, "C82", 3, "second", late), SECOND_SEATS);
    assert_int_equal(check_ok(fx, h.b), 5);
    close_book(&h);
}

/* ---- two handles on one directory, as two processes ---- */

static void test_two_handles_last_seats(void **state)
{
    fixture *fx = *state;
    handle a = open_book(fx), b = open_book(fx);
    lx_book_req q = req_of(fx, "C81", 0, "first", 1);
    lx_book_order sa[3], sb, o;
    for (int i = 0; i < 3; i++)
        assert_int_equal(hold(fx, a.b, &q, 1, NULL, fx->now, &sa[i]), LX_OK);
    /* b has not looked since it opened: its first write catches up */
    assert_int_equal(lx_book_get(b.b, sa[0].id, &o), LX_NOTFOUND);
    assert_int_equal(hold(fx, b.b, &q, 1, NULL, fx->now, &sb), LX_OK);
    for (int i = 0; i < 3; i++)
        assert_string_not_equal(sb.seats[0], sa[i].seats[0]);
    assert_int_equal(hold(fx, b.b, &q, 1, NULL, fx->now, NULL), LX_SOLDOUT);
    assert_int_equal(state_of(b.b, sa[2].id), LX_ORDER_CONFIRMED);
    assert_int_equal(hold(fx, a.b, &q, 1, NULL, fx->now, NULL), LX_SOLDOUT);
    assert_int_equal(state_of(a.b, sb.id), LX_ORDER_CONFIRMED);
    /* a refund in one is seen by the other after a refresh */
    assert_int_equal(lx_book_refund(a.b, sb.id, NULL, fx->now, &o, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(state_of(b.b, sb.id), LX_ORDER_CONFIRMED);
    assert_int_equal(lx_book_refresh(b.b), LX_OK);
    assert_int_equal(state_of(b.b, sb.id), LX_ORDER_REFUNDED);
    assert_int_equal(avail(fx, b.b, "C81", 0, "first", fx->now), 1);
    assert_int_equal(check_ok(fx, a.b), 4);
    assert_int_equal(check_ok(fx, b.b), 4);
    close_book(&a);
    close_book(&b);
}

#define RACE_RUNS 6
#define RACE_THREADS 4

typedef struct {
    fixture *fx;
    lx_book *b;
    char seats[RACE_RUNS * FIRST_SEATS][40]; /* "day seat" of each sale */
    int sold, errors;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    for (int day = 0; day < RACE_RUNS; day++) {
        lx_book_req q = anonymous(req_of(r->fx, "C81", day, "first", 1));
        q.confirm = 1;
        for (;;) {
            lx_book_order o;
            lx_err e = lx_book_hold(r->b, &q, r->fx->now, &o, NULL, 0);
            if (e == LX_SOLDOUT)
                break;
            if (e != LX_OK || r->sold == RACE_RUNS * FIRST_SEATS) {
                r->errors++;
                break;
            }
            snprintf(r->seats[r->sold++], sizeof r->seats[0], "%d %s", day, o.seats[0]);
        }
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Threads of two handles sell the same runs to the last seat: every seat is sold once. */
static void test_two_handles_race(void **state)
{
    fixture *fx = *state;
    handle h[2] = {open_book(fx), open_book(fx)};
    static racer r[2 * RACE_THREADS];
    pthread_t th[2 * RACE_THREADS];
    for (int i = 0; i < 2 * RACE_THREADS; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].fx = fx;
        r[i].b = h[i % 2].b;
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    static char all[2 * RACE_THREADS * RACE_RUNS * FIRST_SEATS][40];
    int n = 0;
    for (int i = 0; i < 2 * RACE_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].errors, 0);
        for (int k = 0; k < r[i].sold; k++)
            memcpy(all[n++], r[i].seats[k], sizeof all[0]);
    }
    assert_int_equal(n, RACE_RUNS * FIRST_SEATS);
    qsort(all, (size_t)n, sizeof all[0], cmp_str);
    for (int i = 1; i < n; i++)
        assert_string_not_equal(all[i - 1], all[i]);
    assert_int_equal(check_ok(fx, h[0].b), RACE_RUNS * FIRST_SEATS);
    assert_int_equal(check_ok(fx, h[1].b), RACE_RUNS * FIRST_SEATS);
    close_book(&h[0]);
    close_book(&h[1]);
}

/* ---- group commit ---- */

#define GC_THREADS 8
#define GC_OPS 60
#define GC_DAYS 30

typedef struct {
    fixture *fx;
    lx_book *b;
    int t;
    char ids[GC_OPS][LX_BOOK_ID_LEN];
    int errors;
} seller;

static void *sell_many(void *arg)
{
    seller *s = arg;
    for (int k = 0; k < GC_OPS; k++) {
        int run = (s->t * 7 + k) % (2 * GC_DAYS);
        lx_book_req q = req_of(s->fx, run % 2 ? "C82" : "C81", run / 2, "second", 1);
        q.confirm = k % 3 != 0; /* some holds, confirmed below */
        q.owner = "gc";
        lx_book_order o;
        if (lx_book_hold(s->b, &q, s->fx->now, &o, NULL, 0) != LX_OK) {
            s->errors++;
            continue;
        }
        memcpy(s->ids[k], o.id, sizeof o.id);
        if (!q.confirm && lx_book_confirm(s->b, o.id, "gc", NULL, s->fx->now + 1, &o, NULL, 0))
            s->errors++;
    }
    return NULL;
}

static void test_group_commit(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    static seller s[GC_THREADS];
    pthread_t th[GC_THREADS];
    for (int i = 0; i < GC_THREADS; i++) {
        memset(&s[i], 0, sizeof s[i]);
        s[i].fx = fx;
        s[i].b = h.b;
        s[i].t = i;
        assert_int_equal(pthread_create(&th[i], NULL, sell_many, &s[i]), 0);
    }
    for (int i = 0; i < GC_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(s[i].errors, 0);
    }
    lx_book_stats st;
    lx_book_stats_get(h.b, &st);
    uint64_t holds = GC_THREADS * ((GC_OPS + 2) / 3);
    assert_int_equal(st.holds, holds);
    assert_int_equal(st.confirms, holds);
    assert_int_equal(st.sales, GC_THREADS * GC_OPS - holds);
    assert_int_equal(st.changes, GC_THREADS * GC_OPS + holds);
    assert_int_equal(st.refusals, 0);
    assert_true(st.commits > 0);
    assert_true(st.commits < st.changes); /* commits were shared */
    assert_int_equal(check_ok(fx, h.b), GC_THREADS * GC_OPS);
    close_book(&h);

    h = open_book(fx);
    for (int i = 0; i < GC_THREADS; i++)
        for (int k = 0; k < GC_OPS; k++)
            assert_int_equal(state_of(h.b, s[i].ids[k]), LX_ORDER_CONFIRMED);
    assert_int_equal(check_ok(fx, h.b), GC_THREADS * GC_OPS);
    close_book(&h);
}

/* lx_book_exec: ops of one call share a commit; a refusal is that op's alone. */
static void test_exec_batch(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req ok = anonymous(req_of(fx, "C81", 0, "first", 1)),
                bad = req_of(fx, "C81", 0, "nope", 1);
    ok.confirm = 1;
    lx_book_order out[5];
    lx_book_op ops[5] = {
        {.code = LX_INV_SELL, .req = &ok, .out = &out[0]},
        {.code = LX_INV_HOLD, .req = &bad},
        {.code = LX_INV_CONFIRM, .id = "ZZZZZZZZZZZZZ"},
        {.code = LX_INV_HOLD, .req = &ok, .out = &out[3]}, /* confirm: a sale */
        {.code = 77},
    };
    lx_err res[5];
    assert_int_equal(lx_book_exec(h.b, ops, 5, fx->now, res), LX_OK);
    assert_int_equal(res[0], LX_OK);
    assert_int_equal(res[1], LX_INVAL);
    assert_int_equal(res[2], LX_NOTFOUND);
    assert_int_equal(res[3], LX_OK);
    assert_int_equal(res[4], LX_INVAL);
    assert_int_equal(out[3].state, LX_ORDER_CONFIRMED);
    lx_book_stats st;
    lx_book_stats_get(h.b, &st);
    assert_int_equal(st.commits, 1);
    assert_int_equal(st.changes, 2);
    assert_int_equal(st.refusals, 3);
    /* ops of one batch see each other: refund what was sold just before */
    lx_book_op two[2] = {
        {.code = LX_INV_REFUND, .id = out[0].id, .out = &out[1]},
        {.code = LX_INV_SELL, .req = &ok, .out = &out[2]},
    };
    assert_int_equal(lx_book_exec(h.b, two, 2, fx->now, res), LX_OK);
    assert_int_equal(res[0], LX_OK);
    assert_int_equal(res[1], LX_OK);
    assert_int_equal(check_ok(fx, h.b), 3);
    close_book(&h);
    assert_int_equal(db_int(fx, "SELECT count(*) FROM orders WHERE state = 'confirmed'"), 2);
    assert_int_equal(db_int(fx, "SELECT count(DISTINCT seq) FROM orders"), 3);
}

/* ---- failures ---- */

static void test_full_disk(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_order o;
    lx_book_req q = req_of(fx, "C81", 0, "second", 1);
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, &o), LX_OK);
    /* the database may not grow by a single page from now on */
    assert_int_equal(lx_book_test_sql(h.b, "PRAGMA max_page_count = 1"), LX_OK);
    int sold = 1, day = 0;
    lx_err e = LX_OK;
    lx_book_stats before, after;
    for (int k = 0; k < 2000 && e == LX_OK; k++) {
        if (avail(fx, h.b, "C81", day, "second", fx->now) == 0)
            day++;
        uint32_t free_before = avail(fx, h.b, "C81", day, "second", fx->now);
        lx_book_stats_get(h.b, &before);
        q = req_of(fx, "C81", day, "second", 1);
        e = hold(fx, h.b, &q, 1, NULL, fx->now, &o);
        if (e == LX_OK) {
            sold++;
            continue;
        }
        /* nothing was sold, memory agrees with the disk */
        assert_int_equal(e, LX_NOSPACE);
        assert_non_null(strstr(fx->msg, "nothing was changed"));
        assert_int_equal(avail(fx, h.b, "C81", day, "second", fx->now), free_before);
        lx_book_stats_get(h.b, &after);
        assert_int_equal(after.changes, before.changes);
        assert_int_equal(after.commits, before.commits);
    }
    assert_int_equal(e, LX_NOSPACE);
    assert_int_equal(check_ok(fx, h.b), sold);
    /* a batch fails whole */
    lx_book_req q2 = anonymous(req_of(fx, "C82", 5, "second", 1));
    lx_book_op ops[3] = {{.code = LX_INV_SELL, .req = &q2},
                         {.code = LX_INV_SELL, .req = &q2},
                         {.code = LX_INV_SELL, .req = &q2}};
    lx_err res[3];
    assert_int_equal(lx_book_exec(h.b, ops, 3, fx->now, res), LX_NOSPACE);
    for (int i = 0; i < 3; i++)
        assert_int_equal(res[i], LX_NOSPACE);
    assert_int_equal(avail(fx, h.b, "C82", 5, "second", fx->now), SECOND_SEATS);
    assert_int_equal(check_ok(fx, h.b), sold);
    /* room again: selling goes on */
    assert_int_equal(lx_book_test_sql(h.b, "PRAGMA max_page_count = 1000000"), LX_OK);
    assert_int_equal(lx_book_exec(h.b, ops, 3, fx->now, res), LX_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(res[i], LX_OK);
    sold += 3;
    assert_int_equal(check_ok(fx, h.b), sold);
    close_book(&h);
    h = open_book(fx);
    assert_int_equal(check_ok(fx, h.b), sold);
    assert_int_equal(avail(fx, h.b, "C82", 5, "second", fx->now), SECOND_SEATS - 3);
    close_book(&h);
}

/* A sync that fails after COMMIT cannot be undone: the batch says LX_IO, nothing more
 * is written, and opening again tells what is on disk. */
static void test_failed_sync(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_order o;
    lx_book_req q = req_of(fx, "C81", 0, "first", 1);
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, &o), LX_OK);
    assert_int_equal(lx_book_test_fail_sync(h.b), LX_OK);
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, NULL), LX_IO);
    assert_non_null(strstr(fx->msg, "unknown"));
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, NULL), LX_IO);
    assert_non_null(strstr(fx->msg, "earlier"));
    assert_int_equal(lx_book_refund(h.b, o.id, NULL, fx->now, NULL, fx->msg, sizeof fx->msg),
                     LX_IO);
    assert_int_equal(state_of(h.b, o.id), LX_ORDER_CONFIRMED);
    check_ok(fx, h.b);
    close_book(&h);
    h = open_book(fx);
    /* the second sale was committed, only its sync failed; the machine did not crash,
     * so the file has it */
    assert_int_equal(check_ok(fx, h.b), 2);
    assert_int_equal(state_of(h.b, o.id), LX_ORDER_CONFIRMED);
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, NULL), LX_OK);
    close_book(&h);
    /* without syncs of its own there is nothing to break */
    lx_book_opts normal = {.sync_normal = 1};
    assert_int_equal(lx_store_open(fx->data, 0, &h.s, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(lx_book_open(h.s, fx->net, &normal, &h.b, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(lx_book_test_fail_sync(h.b), LX_INVAL);
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, NULL), LX_OK);
    close_book(&h);
}

static void test_check_finds_edits(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_order o, p;
    lx_book_req q = req_of(fx, "C81", 0, "first", 1);
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, &o), LX_OK);
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, &p), LX_OK);
    assert_int_equal(check_ok(fx, h.b), 2);
    char sql[256];
    uint32_t runs, orders;

    snprintf(sql, sizeof sql, "UPDATE orders SET state = 'refunded' WHERE id = '%s'", o.id);
    db_exec(fx, sql);
    assert_int_equal(lx_book_check(h.b, fx->msg, sizeof fx->msg, &runs, &orders), LX_INTERNAL);
    assert_non_null(strstr(fx->msg, o.id));
    assert_non_null(strstr(fx->msg, "refunded"));
    snprintf(sql, sizeof sql, "UPDATE orders SET state = 'confirmed' WHERE id = '%s'", o.id);
    db_exec(fx, sql);
    check_ok(fx, h.b);

    static const char *const labels[] = {"01-01A", "01-01C", "01-02A", "01-02C"};
    const char *other = NULL;
    for (int i = 0; i < 4 && !other; i++)
        if (strcmp(labels[i], o.seats[0]) != 0 && strcmp(labels[i], p.seats[0]) != 0)
            other = labels[i];
    snprintf(sql, sizeof sql, "UPDATE orders SET seats = '%s' WHERE id = '%s'", other, p.id);
    db_exec(fx, sql);
    assert_int_equal(lx_book_check(h.b, fx->msg, sizeof fx->msg, &runs, &orders), LX_INTERNAL);
    assert_non_null(strstr(fx->msg, p.id));
    snprintf(sql, sizeof sql, "UPDATE orders SET seats = '%s' WHERE id = '%s'", p.seats[0], p.id);
    db_exec(fx, sql);
    check_ok(fx, h.b);

    db_exec(fx, "CREATE TABLE saved AS SELECT * FROM orders; DELETE FROM orders");
    assert_int_equal(lx_book_check(h.b, fx->msg, sizeof fx->msg, &runs, &orders), LX_INTERNAL);
    assert_non_null(strstr(fx->msg, "2 orders in memory, 0 rows on disk"));
    assert_int_equal(runs, 1);
    assert_int_equal(orders, 2);
    db_exec(fx, "INSERT INTO orders SELECT * FROM saved; DROP TABLE saved");
    assert_int_equal(check_ok(fx, h.b), 2);
    close_book(&h);
}

/* Rows that no longer fit the network stay on disk, are reported, and the rest opens. */
static void test_orphans(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_order o;
    lx_book_req q = req_of(fx, "C81", 0, "first", 1);
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, &o), LX_OK);
    close_book(&h);
#define COPY(set)                                                                                  \
    "INSERT INTO orders (seq, oid, id, feed, trip_id, service_day, from_stop, "                    \
    "to_stop, from_pos, to_pos, class, seats, passengers, owner, state, "                          \
    "created_at, expires_at, updated_at, price, currency, payment) "                               \
    "SELECT " set ", service_day, from_stop, to_stop, from_pos, to_pos, "                          \
    "class, seats, passengers, owner, state, created_at, expires_at, "                             \
    "updated_at, price, currency, payment FROM orders WHERE seq = 1;"
    db_exec(fx,
            COPY("seq + 1, oid + 1, id, 'gone', trip_id") COPY("seq + 2, oid + 2, id, feed, 'C99'")
                COPY("seq + 3, oid + 3, id, feed, trip_id"));
#undef COPY
    /* the third copy takes the same seat: it collides */
    h = open_book(fx);
    assert_non_null(strstr(fx->msg, "3 order(s)"));
    assert_int_equal(state_of(h.b, o.id), LX_ORDER_CONFIRMED);
    uint32_t runs, orders;
    assert_int_equal(lx_book_check(h.b, fx->msg, sizeof fx->msg, &runs, &orders), LX_OK);
    assert_int_equal(orders, 1);
    assert_non_null(strstr(fx->msg, "feed 'gone' is not loaded"));
    assert_non_null(strstr(fx->msg, "no trip 'C99'"));
    assert_non_null(strstr(fx->msg, "taken"));
    close_book(&h);
    assert_int_equal(db_int(fx, "SELECT count(*) FROM orders"), 4);
}

/* A data directory of catalog version 2 (before orders) migrates and keeps its feeds. */
static void test_migrates_version_2(void **state)
{
    fixture *fx = *state;
    lx_store *s;
    assert_int_equal(lx_store_open(fx->data, 1, &s, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(lx_store_import(s, fx->tt, "lao", "test", 100, fx->msg, sizeof fx->msg),
                     LX_OK);
    lx_store_close(s);
    db_exec(fx, "DROP TABLE orders; PRAGMA user_version = 2");
    assert_int_equal(db_int(fx, "PRAGMA user_version"), 2);
    /* opening the store migrates it */
    assert_int_equal(lx_store_open(fx->data, 0, &s, fx->msg, sizeof fx->msg), LX_OK);
    lx_store_close(s);
    assert_int_equal(db_int(fx, "PRAGMA user_version"), lx_store_schema_version());
    assert_true(lx_store_schema_version() >= 3);
    assert_int_equal(db_int(fx, "SELECT count(*) FROM orders"), 0);

    handle h = open_book(fx);
    lx_feed_rec *feeds;
    size_t n;
    assert_int_equal(lx_store_feeds(h.s, &feeds, &n), LX_OK);
    assert_int_equal(n, 1);
    assert_string_equal(feeds[0].name, "lao");
    assert_string_equal(feeds[0].source, "test");
    free(feeds);
    lx_book_order o;
    lx_book_req q = req_of(fx, "C81", 0, "first", 1);
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, &o), LX_OK);
    close_book(&h);
    h = open_book(fx);
    assert_int_equal(state_of(h.b, o.id), LX_ORDER_CONFIRMED);
    close_book(&h);
}

/* Catalog migration 5: passenger lines written with the document number in clear are
 * rewritten masked and hashed with the data directory's key (the hash a new order of
 * the same document gets), and no number is left in the database's files. */
static int file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(buf + i, needle, k) == 0)
            return 1;
    return 0;
}

static void test_migrates_documents(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req q = req_of(fx, "C81", 0, "second", 2);
    lx_book_order o, old;
    assert_int_equal(hold(fx, h.b, &q, 0, "dana", fx->now, &o), LX_OK);
    char d1[64], d2[64]; /* o's numbers */
    snprintf(d1, sizeof d1, "%s", q.pax[0].document);
    snprintf(d2, sizeof d2, "%s", q.pax[1].document);
    assert_int_equal(hold(fx, h.b, &q, 1, "dana", fx->now, &old), LX_OK);
    close_book(&h);
    /* make the second order a row of version 4 holding o's numbers in clear, the second
     * one written in lower case with a space */
    char sql[512], path[4300];
    snprintf(sql, sizeof sql,
             "UPDATE orders SET passengers = 'Passenger 1\t%s\nPassenger 2\tp%.3s %s\n' "
             "WHERE id = '%s'; ALTER TABLE orders DROP COLUMN extra; DROP TABLE waitlist; "
             "PRAGMA user_version = 4",
             d1, d2 + 1, d2 + 4, old.id);
    db_exec(fx, sql);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM orders WHERE passengers LIKE '%%%s%%'", d1);
    assert_int_equal(db_int(fx, sql), 1);
    h = open_book(fx);
    assert_int_equal(db_int(fx, "PRAGMA user_version"), lx_store_schema_version());
    assert_int_equal(db_int(fx, sql), 0);
    lx_book_order got;
    assert_int_equal(lx_book_get(h.b, old.id, &got), LX_OK);
    assert_string_equal(got.pax[0].document, "****0001");
    assert_string_equal(got.pax[1].document, "*****0002");
    /* the same numbers (case and spaces aside) hash alike, old rows and new */
    assert_string_equal(got.pax[0].doc_hash, o.pax[0].doc_hash);
    assert_string_equal(got.pax[1].doc_hash, o.pax[1].doc_hash);
    assert_int_equal(check_ok(fx, h.b), 2);
    close_book(&h);
    db_exec(fx, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM");
    snprintf(path, sizeof path, "%s/lanxang.db", fx->data);
    assert_false(file_has(path, d1));
    snprintf(path, sizeof path, "%s/keys/documents.key", fx->data);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
}

/* Real names: one document holds one ticket per train and date, whoever asks and in
 * whatever batch; another train or date is another ticket; a cancelled order frees
 * the document; orders without documents are not matched. */
static void test_one_ticket_per_document(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req q = req_of(fx, "C81", 0, "second", 1);
    lx_book_order o, o2;
    q.confirm = 0;
    assert_int_equal(lx_book_hold(h.b, &q, fx->now, &o, fx->msg, sizeof fx->msg), LX_OK);
    lx_book_req same = q;
    same.pax[0].document[0] = 'p'; /* "p0120001": the same number */
    assert_int_equal(lx_book_hold(h.b, &same, fx->now, &o2, fx->msg, sizeof fx->msg), LX_RULE);
    assert_non_null(strstr(fx->msg, "one_ticket_per_train"));
    assert_non_null(strstr(fx->msg, o.id));
    /* two at once in one batch: the first wins */
    lx_book_req other = req_of(fx, "C81", 0, "second", 1);
    lx_book_op ops[2] = {{.code = LX_INV_HOLD, .req = &other}, {.code = LX_INV_HOLD, .req = &other}};
    lx_err res[2];
    assert_int_equal(lx_book_exec(h.b, ops, 2, fx->now, res), LX_OK);
    assert_int_equal(res[0], LX_OK);
    assert_int_equal(res[1], LX_RULE);
    /* another date is another ticket */
    lx_book_req next_day = q;
    next_day.leg = req_of(fx, "C81", 1, "second", 1).leg;
    assert_int_equal(lx_book_hold(h.b, &next_day, fx->now, &o2, fx->msg, sizeof fx->msg), LX_OK);
    /* cancelled, the document is free on the first train again */
    assert_int_equal(lx_book_cancel(h.b, o.id, NULL, fx->now, &o2, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(lx_book_hold(h.b, &same, fx->now, &o2, fx->msg, sizeof fx->msg), LX_OK);
    /* orders without documents are never matched */
    lx_book_req anon = anonymous(req_of(fx, "C81", 0, "second", 1));
    assert_int_equal(lx_book_hold(h.b, &anon, fx->now, &o2, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(lx_book_hold(h.b, &anon, fx->now, &o2, fx->msg, sizeof fx->msg), LX_OK);
    check_ok(fx, h.b);
    close_book(&h);
}

/* ---- rows ---- */

/* A change of state rewrites only the columns it changes; the row stays the order's
 * whole snapshot, and a row gone behind the store's back is written whole again. */
static void test_state_rows(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req q = req_of(fx, "C81", 0, "second", 2);
    lx_book_order o;
    char sql[512];
    assert_int_equal(hold(fx, h.b, &q, 0, "frank", fx->now, &o), LX_OK);
    assert_int_equal(
        lx_book_confirm(h.b, o.id, "frank", "PAY-9", fx->now + 60, &o, fx->msg, sizeof fx->msg),
        LX_OK);
    close_book(&h);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM orders WHERE id = '%s' AND state = 'confirmed' AND "
             "payment = 'PAY-9' AND expires_at = 0 AND updated_at = %lld AND owner = 'frank' AND "
             "passengers LIKE 'Passenger 1\t****0001\t\t\t#%%\nPassenger 2\t****0002\t\t\t#%%\n' "
             "AND passengers NOT LIKE '%%P000000%%' AND seats = '%s %s' "
             "AND created_at = %lld AND trip_id = 'C81' AND from_stop = 'vte_1' AND "
             "to_stop = 'bot' AND class = 'second' AND price = -1 AND seq = 2",
             o.id, (long long)(fx->now + 60), o.seats[0], o.seats[1], (long long)o.created_at);
    assert_int_equal(db_int(fx, sql), 1);
    assert_int_equal(db_int(fx, "SELECT count(*) FROM orders"), 1);

    /* a row lost behind the store's back: the next change writes it whole */
    h = open_book(fx);
    assert_int_equal(hold(fx, h.b, &q, 1, "frank", fx->now, &o), LX_OK);
    snprintf(sql, sizeof sql, "DELETE FROM orders WHERE id = '%s'", o.id);
    db_exec(fx, sql);
    assert_int_equal(lx_book_refund(h.b, o.id, "frank", fx->now + 5, NULL, fx->msg, sizeof fx->msg),
                     LX_OK);
    assert_int_equal(check_ok(fx, h.b), 2);
    close_book(&h);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM orders WHERE id = '%s' AND state = 'refunded' AND "
             "owner = 'frank' AND seats = '%s %s' AND passengers LIKE 'Passenger 1%%'",
             o.id, o.seats[0], o.seats[1]);
    assert_int_equal(db_int(fx, sql), 1);
    h = open_book(fx);
    assert_int_equal(state_of(h.b, o.id), LX_ORDER_REFUNDED);
    assert_int_equal(check_ok(fx, h.b), 2);
    close_book(&h);
}

/* The store writes seat labels itself (bk_seat_label): exactly as the engine does. */
static void test_seat_labels(void **state)
{
    fixture *fx = *state;
    lx_inv *inv;
    lx_inv_run *run;
    assert_int_equal(lx_inv_create(fx->tt, &inv), LX_OK);
    assert_int_equal(lx_inv_run_add(inv, lx_tt_trip_by_id(fx->tt, "C81"), fx->day, &run, fx->msg,
                                    sizeof fx->msg),
                     LX_OK);
    for (uint32_t i = 0; i <= lx_inv_seat_count(run); i++) { /* and one past the end */
        char want[12], got[12];
        lx_inv_seat_label(run, i, want, sizeof want);
        assert_int_equal(bk_seat_label(run, i, got), strlen(want));
        assert_string_equal(got, want);
    }
    lx_inv_destroy(inv);
}

/* Many new orders in one commit go in by statements of several rows. */
static void test_many_rows(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    enum { N = 2 * 16 + 7 };
    static lx_book_req reqs[N];
    lx_book_op ops[N];
    lx_book_order out[N];
    lx_err res[N];
    for (int i = 0; i < N; i++) {
        reqs[i] = req_of(fx, i % 2 ? "C82" : "C81", i / 2 % 5, "second", 1);
        reqs[i].confirm = 1;
        ops[i] = (lx_book_op){.code = LX_INV_SELL, .req = &reqs[i], .out = &out[i]};
    }
    assert_int_equal(lx_book_exec(h.b, ops, N, fx->now, res), LX_OK);
    for (int i = 0; i < N; i++)
        assert_int_equal(res[i], LX_OK);
    lx_book_stats st;
    lx_book_stats_get(h.b, &st);
    assert_int_equal(st.commits, 1);
    assert_int_equal(check_ok(fx, h.b), N);
    close_book(&h);
    assert_int_equal(db_int(fx, "SELECT count(DISTINCT seq) FROM orders"), N);
    assert_int_equal(db_int(fx, "SELECT max(seq) FROM orders"), N);
    h = open_book(fx);
    for (int i = 0; i < N; i++) {
        lx_book_order o;
        assert_int_equal(lx_book_get(h.b, out[i].id, &o), LX_OK);
        assert_string_equal(o.seats[0], out[i].seats[0]);
        assert_string_equal(o.pax[0].name, "Passenger 1");
    }
    assert_int_equal(check_ok(fx, h.b), N);
    close_book(&h);
}

/* ---- batches between their engine stage and their commit ----
 *
 * Another connection holds the database's write lock, so that a batch waits in BEGIN
 * IMMEDIATE with its changes applied in memory, and the next batch is applied behind
 * it (staged) meanwhile. */

typedef struct {
    lx_book *b;
    lx_book_req req[24];
    lx_book_op ops[24];
    lx_book_order out[24];
    lx_err res[24];
    size_t n;
    lx_instant_t now;
    lx_err e;
    pthread_t th;
} execer;

static void *exec_main(void *arg)
{
    execer *x = arg;
    x->e = lx_book_exec(x->b, x->ops, x->n, x->now, x->res);
    return NULL;
}

/* Starts lx_book_exec of n sales or holds of one seat of trip's class on day in a
 * thread. */
static void exec_start(fixture *fx, execer *x, lx_book *b, const char *trip, int day,
                       const char *cls, int confirm, size_t n, lx_instant_t now)
{
    memset(x, 0, sizeof *x);
    x->b = b;
    x->n = n;
    x->now = now;
    for (size_t i = 0; i < n; i++) {
        x->req[i] = req_of(fx, trip, day + (int)(i / 10), cls, 1);
        x->req[i].confirm = confirm;
        x->ops[i] = (lx_book_op){
            .code = confirm ? LX_INV_SELL : LX_INV_HOLD, .req = &x->req[i], .out = &x->out[i]};
    }
    assert_int_equal(pthread_create(&x->th, NULL, exec_main, x), 0);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, ms % 1000 * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* A connection of "another process" holding the write lock. */
static sqlite3 *blocker(fixture *fx)
{
    char path[4400];
    sqlite3 *db;
    assert_int_equal(sqlite3_open(FX_JOIN(path, fx->data, "lanxang.db"), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    return db;
}

static void blocker_end(sqlite3 *db, const char *sql)
{
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* Another process commits a sale while two batches wait, applied in memory, one of
 * them on the seat it sold: both are taken back, its row is applied, both again. */
static void test_staged_batches_catch_up(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req q = req_of(fx, "C81", 0, "first", 1);
    lx_book_order x;
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, &x), LX_OK);
    assert_string_equal(x.seats[0], "01-01A");
    /* the other process sells 01-01C, the seat this one would sell next */
    sqlite3 *db = blocker(fx);
    char sql[1024], id[LX_BOOK_ID_LEN];
    lx_order_id oid = bk_id_parse(x.id) ^ 1;
    bk_id_format(oid, id);
    snprintf(sql, sizeof sql,
             "INSERT INTO orders (seq, oid, id, feed, trip_id, service_day, from_stop, to_stop, "
             "from_pos, to_pos, class, seats, passengers, owner, state, created_at, expires_at, "
             "updated_at, price, currency, payment) SELECT seq + 100, %lld, '%s', feed, trip_id, "
             "service_day, from_stop, to_stop, from_pos, to_pos, class, '01-01C', passengers, "
             "owner, state, created_at, expires_at, updated_at, price, currency, payment FROM "
             "orders WHERE id = '%s'",
             (long long)oid, id, x.id);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    static execer a, b;
    exec_start(fx, &a, h.b, "C81", 0, "first", 1, 1, fx->now); /* waits in BEGIN */
    sleep_ms(150);
    exec_start(fx, &b, h.b, "C81", 0, "first", 1, 1, fx->now); /* staged behind it */
    sleep_ms(150);
    blocker_end(db, "COMMIT");
    pthread_join(a.th, NULL);
    pthread_join(b.th, NULL);
    assert_int_equal(a.e, LX_OK);
    assert_int_equal(b.e, LX_OK);
    assert_int_equal(a.res[0], LX_OK);
    assert_int_equal(b.res[0], LX_OK);
    const char *sa = a.out[0].seats[0], *sb = b.out[0].seats[0];
    assert_string_not_equal(sa, sb);
    assert_string_not_equal(sa, "01-01A");
    assert_string_not_equal(sa, "01-01C");
    assert_string_not_equal(sb, "01-01A");
    assert_string_not_equal(sb, "01-01C");
    assert_int_equal(state_of(h.b, id), LX_ORDER_CONFIRMED);
    assert_int_equal(check_ok(fx, h.b), 4);
    assert_null(strstr(fx->msg, "disk only"));
    assert_int_equal(avail(fx, h.b, "C81", 0, "first", fx->now), 0);
    close_book(&h);
    h = open_book(fx);
    assert_int_equal(check_ok(fx, h.b), 4);
    assert_null(strstr(fx->msg, "disk only"));
    assert_string_equal(fx->msg, "");
    close_book(&h);
}

/* A batch whose commit fails takes back the batch applied behind it too, and applies
 * that one again without it: it sells the seat the failed one had taken. */
static void test_staged_batch_after_failed_commit(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    assert_int_equal(lx_book_test_sql(h.b, "PRAGMA busy_timeout = 1000"), LX_OK);
    sqlite3 *db = blocker(fx);
    static execer a, b;
    exec_start(fx, &a, h.b, "C81", 0, "first", 1, 1, fx->now); /* LX_BUSY after 1 s */
    sleep_ms(300);
    exec_start(fx, &b, h.b, "C81", 0, "first", 1, 1, fx->now); /* staged behind it */
    sleep_ms(1200);                                            /* a failed, b waits */
    blocker_end(db, "ROLLBACK");
    pthread_join(a.th, NULL);
    pthread_join(b.th, NULL);
    assert_int_equal(a.e, LX_BUSY);
    assert_int_equal(a.res[0], LX_BUSY);
    assert_int_equal(b.e, LX_OK);
    assert_int_equal(b.res[0], LX_OK);
    assert_string_equal(b.out[0].seats[0], "01-01A"); /* applied again, after a's undo */
    assert_int_equal(avail(fx, h.b, "C81", 0, "first", fx->now), FIRST_SEATS - 1);
    lx_book_stats st;
    lx_book_stats_get(h.b, &st);
    assert_int_equal(st.commits, 1);
    assert_int_equal(st.sales, 1);
    assert_int_equal(check_ok(fx, h.b), 1);
    close_book(&h);
    h = open_book(fx);
    assert_int_equal(check_ok(fx, h.b), 1);
    assert_int_equal(state_of(h.b, b.out[0].id), LX_ORDER_CONFIRMED);
    close_book(&h);
}

/* One batch creates holds and, in a later job of a later `now`, expires them: the
 * expiries move rows that the batch's own statements of several rows insert. */
static void test_batch_creates_and_expires(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    sqlite3 *db = blocker(fx);
    static execer a, b, c, d;
    exec_start(fx, &a, h.b, "C82", 1, "first", 1, 1, fx->now);
    sleep_ms(150);
    exec_start(fx, &b, h.b, "C82", 2, "first", 1, 1, fx->now);
    sleep_ms(150);
    exec_start(fx, &c, h.b, "C81", 0, "second", 0, 2 * SECOND_SEATS, fx->now);
    sleep_ms(150);
    exec_start(fx, &d, h.b, "C81", 0, "second", 0, 2, fx->now + 3600); /* day 0 and day 0 */
    sleep_ms(150);
    blocker_end(db, "COMMIT");
    execer *all[] = {&a, &b, &c, &d};
    for (int i = 0; i < 4; i++) {
        pthread_join(all[i]->th, NULL);
        assert_int_equal(all[i]->e, LX_OK);
    }
    for (size_t i = 0; i < c.n; i++)
        assert_int_equal(c.res[i], LX_OK);
    assert_int_equal(d.res[0], LX_OK);
    assert_int_equal(d.res[1], LX_OK);
    /* d's first hold expired day 0's holds of c (its second found none left to expire) */
    for (size_t i = 0; i < c.n; i++)
        assert_int_equal(state_of(h.b, c.out[i].id),
                         i < SECOND_SEATS ? LX_ORDER_EXPIRED : LX_ORDER_HELD);
    assert_int_equal(check_ok(fx, h.b), 2 + 2 * SECOND_SEATS + 2);
    close_book(&h);
    assert_int_equal(db_int(fx, "SELECT count(*) FROM orders WHERE state = 'expired'"),
                     SECOND_SEATS);
    assert_int_equal(db_int(fx, "SELECT count(DISTINCT seq) FROM orders"),
                     2 + 2 * SECOND_SEATS + 2);
    h = open_book(fx);
    assert_int_equal(check_ok(fx, h.b), 2 + 2 * SECOND_SEATS + 2);
    assert_int_equal(avail(fx, h.b, "C81", 0, "second", fx->now + 3600), SECOND_SEATS - 2);
    close_book(&h);
}

static void test_memory_only(void **state)
{
    fixture *fx = *state;
    lx_book *b;
    lx_book_opts opts = {.memory_only = 1};
    assert_int_equal(lx_book_open(NULL, fx->net, NULL, &b, fx->msg, sizeof fx->msg), LX_INVAL);
    assert_int_equal(lx_book_open(NULL, fx->net, &opts, &b, fx->msg, sizeof fx->msg), LX_OK);
    lx_book_order o;
    lx_book_req q = req_of(fx, "C81", 0, "first", 2);
    assert_int_equal(hold(fx, b, &q, 0, "zed", fx->now, &o), LX_OK);
    assert_int_equal(lx_book_confirm(b, o.id, "zed", "cash", fx->now, &o, fx->msg, sizeof fx->msg),
                     LX_OK);
    assert_string_equal(o.payment, "cash");
    assert_int_equal(state_of(b, o.id), LX_ORDER_CONFIRMED);
    assert_int_equal(lx_book_refresh(b), LX_OK);
    assert_int_equal(check_ok(fx, b), 1);
    lx_book_stats st;
    lx_book_stats_get(b, &st);
    assert_int_equal(st.commits, 0);
    assert_int_equal(st.changes, 2);
    lx_book_close(b);
    lx_book_close(NULL);
    assert_false(fx_exists(fx->data, NULL));
}

/* ---- issue 5: fares by passenger type, refund fees kept, changes ---- */

/* C81 Vientiane -> Luang Prabang (positions 0 -> 2), the journey with fares. */
static lx_book_req vte_lpq(fixture *fx, int day_offset, uint32_t n)
{
    lx_book_req q = req_of(fx, "C81", day_offset, "second", n);
    q.leg = leg_of(fx, "C81", day_offset, 0, 2);
    return q;
}

/* Two orders of q sold at fx->now, each with documents of its own. */
static void sell_two(fixture *fx, lx_book *b, lx_book_req *q, lx_book_order *x, lx_book_order *y)
{
    assert_int_equal(hold(fx, b, q, 1, NULL, fx->now, x), LX_OK);
    assert_int_equal(hold(fx, b, q, 1, NULL, fx->now, y), LX_OK);
}

static void test_fares_by_passenger(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    /* 2026-12-20: the child is 9, the infant 2 */
    lx_book_req q = vte_lpq(fx, 0, 4);
    strcpy(q.pax[1].fare_type, "child");
    strcpy(q.pax[1].birth_date, "2017-05-01");
    strcpy(q.pax[2].fare_type, "infant");
    strcpy(q.pax[2].birth_date, "2024-03-01");
    strcpy(q.pax[3].fare_type, "student");
    lx_book_order o;
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, &o), LX_OK);
    /* 200,000 + 100,000 (half) + 150,000 (75 %) + 0; the infant sits on a lap */
    assert_int_equal(o.price, 450000);
    assert_int_equal(o.n, 3);
    assert_int_equal(o.n_pax, 4);
    assert_string_equal(o.pax[0].fare_type, "adult");
    assert_int_equal(o.pax[0].fare, 200000);
    assert_string_equal(o.pax[1].fare_type, "child");
    assert_int_equal(o.pax[1].fare, 100000);
    assert_string_equal(o.pax[2].fare_type, "student");
    assert_int_equal(o.pax[2].fare, 150000);
    assert_string_equal(o.pax[3].fare_type, "infant");
    assert_int_equal(o.pax[3].fare, 0);
    assert_string_equal(o.pax[3].name, "Passenger 3");
    assert_int_equal(avail(fx, h.b, "C81", 0, "second", fx->now), SECOND_SEATS - 3);
    /* a quote tells the same, with how each fare was made */
    lx_book_quote fq;
    q = vte_lpq(fx, 0, 2);
    strcpy(q.pax[1].fare_type, "student");
    assert_int_equal(lx_book_fare_quote(h.b, &q, &fq, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(fq.price, 350000);
    assert_non_null(strstr(fq.fares[1].note, "75%"));
    /* refusals name their rule */
    q = vte_lpq(fx, 0, 3);
    strcpy(q.pax[1].fare_type, "infant");
    strcpy(q.pax[1].birth_date, "2024-03-01");
    strcpy(q.pax[2].fare_type, "infant");
    strcpy(q.pax[2].birth_date, "2025-03-01");
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, &o), LX_RULE);
    assert_non_null(strstr(fx->msg, "(rule infant_per_adult)"));
    /* 14 on the day of travel: no longer a child; the day before still one */
    q = vte_lpq(fx, 0, 1);
    strcpy(q.pax[0].fare_type, "child");
    strcpy(q.pax[0].birth_date, "2012-12-20");
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, &o), LX_RULE);
    assert_non_null(strstr(fx->msg, "(rule child_age)"));
    strcpy(q.pax[0].birth_date, "2012-12-21");
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, &o), LX_OK);
    assert_int_equal(o.price, 100000);
    /* kept on disk: the same after a reopen */
    close_book(&h);
    h = open_book(fx);
    lx_book_order got;
    assert_int_equal(lx_book_get(h.b, o.id, &got), LX_OK);
    assert_string_equal(got.pax[0].fare_type, "child");
    assert_int_equal(got.pax[0].fare, 100000);
    check_ok(fx, h.b);
    close_book(&h);
}

/* The fee a refund keeps is kept with the order: 48 hours before departure is still 5 %,
 * one second later 10 %. */
static void test_refund_fee_kept(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req q = vte_lpq(fx, 1, 1);
    lx_book_order a, b, o;
    sell_two(fx, h.b, &q, &a, &b);
    assert_int_equal(a.refund_fee, -1);
    lx_instant_t dep = a.departure;
    assert_int_equal(dep, fx->now + 2 * 86400);
    assert_int_equal(lx_book_refund(h.b, a.id, NULL, dep - 48 * 3600, &o, fx->msg, sizeof fx->msg),
                     LX_OK);
    assert_int_equal(o.refund_fee, 10000);
    assert_int_equal(lx_book_refund(h.b, b.id, NULL, dep - 48 * 3600 + 1, &o, fx->msg,
                                    sizeof fx->msg),
                     LX_OK);
    assert_int_equal(o.refund_fee, 20000);
    close_book(&h);
    h = open_book(fx);
    assert_int_equal(lx_book_get(h.b, a.id, &o), LX_OK);
    assert_int_equal(o.refund_fee, 10000);
    assert_int_equal(lx_book_get(h.b, b.id, &o), LX_OK);
    assert_int_equal(o.refund_fee, 20000);
    /* after departure there is no refund */
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, &a), LX_OK);
    assert_int_equal(lx_book_refund(h.b, a.id, NULL, dep + 1, &o, fx->msg, sizeof fx->msg),
                     LX_CLOSED);
    assert_int_equal(state_of(h.b, a.id), LX_ORDER_CONFIRMED);
    close_book(&h);
}

static lx_err change(fixture *fx, lx_book *b, const char *id, const char *trip, int day_offset,
                     const char *cls, lx_instant_t now, lx_book_order *out)
{
    lx_book_req q = vte_lpq(fx, day_offset, 1);
    q.leg = leg_of(fx, trip, day_offset, 0, 2);
    q.cls = cls;
    fx->msg[0] = 0;
    return lx_book_exchange(b, id, NULL, &q, now, out, fx->msg, sizeof fx->msg);
}

static void test_change_once(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req q = vte_lpq(fx, 3, 2);
    strcpy(q.pax[1].fare_type, "child");
    strcpy(q.pax[1].birth_date, "2019-01-01");
    lx_book_order old, o, got;
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, &old), LX_OK);
    /* only a paid order changes */
    assert_int_equal(change(fx, h.b, old.id, "C81", 5, "second", fx->now, &o), LX_CONFLICT);
    assert_int_equal(lx_book_confirm(h.b, old.id, NULL, "cash-7", fx->now, &old, fx->msg,
                                     sizeof fx->msg),
                     LX_OK);
    /* four days ahead: to a later day and to first class */
    assert_int_equal(change(fx, h.b, old.id, "C81", 5, "first", fx->now + 60, &o), LX_OK);
    assert_int_equal(o.state, LX_ORDER_CONFIRMED);
    assert_string_equal(o.changed_from, old.id);
    assert_int_equal(o.fee_departure, old.departure);
    assert_int_equal(o.service_day, fx->day + 5);
    assert_string_equal(o.cls, "first");
    assert_int_equal(o.price, 300000 + 150000);
    assert_string_equal(o.payment, "cash-7");
    assert_int_equal(o.n_pax, 2);
    assert_string_equal(o.pax[1].fare_type, "child");
    assert_string_equal(o.pax[1].doc_hash, old.pax[1].doc_hash);
    assert_int_equal(lx_book_get(h.b, old.id, &got), LX_OK);
    assert_int_equal(got.state, LX_ORDER_REFUNDED);
    assert_string_equal(got.changed_to, o.id);
    assert_int_equal(avail(fx, h.b, "C81", 3, "second", fx->now), SECOND_SEATS);
    /* the second change of a ticket is refused, of either order */
    assert_int_equal(change(fx, h.b, o.id, "C81", 6, "first", fx->now + 120, &got), LX_RULE);
    assert_non_null(strstr(fx->msg, "(rule one_change)"));
    assert_int_equal(change(fx, h.b, old.id, "C81", 6, "first", fx->now + 120, &got), LX_RULE);
    assert_non_null(strstr(fx->msg, "(rule one_change)"));
    /* its refund fee counts from the original's departure: 30 hours before it, 10 %,
     * though the new train leaves two days later */
    lx_instant_t at = old.departure - 30 * 3600;
    assert_int_equal(lx_book_refund(h.b, o.id, NULL, at, &got, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(got.refund_fee, 45000);
    /* all of it on disk */
    close_book(&h);
    h = open_book(fx);
    assert_int_equal(lx_book_get(h.b, old.id, &got), LX_OK);
    assert_string_equal(got.changed_to, o.id);
    assert_int_equal(lx_book_get(h.b, o.id, &got), LX_OK);
    assert_string_equal(got.changed_from, old.id);
    assert_int_equal(got.fee_departure, old.departure);
    check_ok(fx, h.b);
    close_book(&h);
}

/* Within 48 hours of the original's departure only to a train leaving no later: at
 * exactly 48 hours a later train is still fine, one second after not. */
static void test_change_no_later(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req q = vte_lpq(fx, 2, 1);
    lx_book_order a, b, o;
    sell_two(fx, h.b, &q, &a, &b);
    lx_instant_t dep = a.departure;
    assert_int_equal(change(fx, h.b, a.id, "C81", 3, "second", dep - 48 * 3600, &o), LX_OK);
    assert_int_equal(change(fx, h.b, b.id, "C81", 3, "second", dep - 48 * 3600 + 1, &o),
                     LX_RULE);
    assert_non_null(strstr(fx->msg, "(rule change_no_later)"));
    assert_int_equal(state_of(h.b, b.id), LX_ORDER_CONFIRMED);
    /* an earlier train is fine */
    assert_int_equal(change(fx, h.b, b.id, "C81", 1, "second", dep - 48 * 3600 + 1, &o), LX_OK);
    /* a train that has left cannot be changed */
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, &a), LX_OK);
    assert_int_equal(change(fx, h.b, a.id, "C81", 1, "second", dep + 1, &o), LX_CLOSED);
    check_ok(fx, h.b);
    close_book(&h);
}

/* A change happens whole or not at all: with no seat on the new train the old order is
 * untouched, and a change within one train keeps its documents to itself. */
static void test_change_whole(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req q = vte_lpq(fx, 3, 1);
    lx_book_order a, o;
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, fx->now, &a), LX_OK);
    lx_book_req full = anonymous(vte_lpq(fx, 4, FIRST_SEATS));
    full.cls = "first";
    assert_int_equal(hold(fx, h.b, &full, 1, NULL, fx->now, &o), LX_OK);
    assert_int_equal(change(fx, h.b, a.id, "C81", 4, "first", fx->now, &o), LX_SOLDOUT);
    lx_book_order got;
    assert_int_equal(lx_book_get(h.b, a.id, &got), LX_OK);
    assert_int_equal(got.state, LX_ORDER_CONFIRMED);
    assert_string_equal(got.changed_to, "");
    /* the same train and day in another class: the passenger's own document is no
     * second ticket */
    assert_int_equal(change(fx, h.b, a.id, "C81", 3, "first", fx->now, &o), LX_OK);
    assert_int_equal(avail(fx, h.b, "C81", 3, "second", fx->now), SECOND_SEATS);
    close_book(&h);
    h = open_book(fx);
    check_ok(fx, h.b);
    assert_int_equal(state_of(h.b, o.id), LX_ORDER_CONFIRMED);
    close_book(&h);
}

/* Three unpaid holds cancelled in a day bar their user from holding until the next
 * local midnight (Vientiane, UTC+7); expired holds do not count; the count survives a
 * reopen; a passenger without an account is known by their document. */
static void test_cancel_limit(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req q = vte_lpq(fx, 3, 1);
    q.user = "noy@example.la";
    lx_book_order o;
    /* an expired hold first: not a cancel */
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, fx->now, &o), LX_OK);
    assert_int_equal(lx_book_expire(h.b, o.expires_at, NULL), LX_OK);
    lx_instant_t t = fx->now; /* 08:00 in Vientiane */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(hold(fx, h.b, &q, 0, NULL, t + i, &o), LX_OK);
        assert_int_equal(lx_book_cancel(h.b, o.id, NULL, t + i, NULL, fx->msg, sizeof fx->msg),
                         LX_OK);
    }
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, t + 10, &o), LX_RULE);
    assert_non_null(strstr(fx->msg, "(rule cancel_limit)"));
    assert_non_null(strstr(fx->msg, "T00:00:00+07:00"));
    /* a sale at a counter is no hold; another user is free */
    assert_int_equal(hold(fx, h.b, &q, 1, NULL, t + 10, &o), LX_OK);
    q.user = "bee@example.la";
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, t + 10, &o), LX_OK);
    q.user = "noy@example.la";
    close_book(&h);
    h = open_book(fx);
    /* 23:59:59 local is still the same day; midnight is the next */
    lx_instant_t midnight = t + 16 * 3600;
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, midnight - 1, &o), LX_RULE);
    assert_int_equal(hold(fx, h.b, &q, 0, NULL, midnight, &o), LX_OK);
    /* without an account: the lead passenger's document */
    lx_book_req d = vte_lpq(fx, 3, 1);
    strcpy(d.pax[0].document, "LA-ID-777");
    fx->msg[0] = 0;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(lx_book_hold(h.b, &d, t, &o, fx->msg, sizeof fx->msg), LX_OK);
        assert_int_equal(lx_book_cancel(h.b, o.id, NULL, t, NULL, fx->msg, sizeof fx->msg), LX_OK);
    }
    assert_int_equal(lx_book_hold(h.b, &d, t, &o, fx->msg, sizeof fx->msg), LX_RULE);
    assert_non_null(strstr(fx->msg, "this passenger's document"));
    close_book(&h);
}

/* A passenger named without a document number has nothing to match: two such orders on
 * one train, and on overlapping trains, are both sold (as counters selling in bulk do). */
static void test_no_document_no_match(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req q = vte_lpq(fx, 1, 1);
    q.pax[0].document[0] = 0;
    lx_book_order o;
    fx->msg[0] = 0;
    assert_int_equal(lx_book_hold(h.b, &q, fx->now, &o, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(lx_book_hold(h.b, &q, fx->now, &o, fx->msg, sizeof fx->msg), LX_OK);
    q.leg = leg_of(fx, "C81", 1, 0, 3);
    assert_int_equal(lx_book_hold(h.b, &q, fx->now, &o, fx->msg, sizeof fx->msg), LX_OK);
    assert_string_equal(o.pax[0].doc_hash, "");
    close_book(&h);
}

/* ---- issue 6: a planned journey of several legs, sold as one ---- */

/* C81 Vientiane -> Luang Prabang (arrives 09:50), then C82 Luang Prabang (15:40) ->
 * Vientiane, on day + day_offset, for n passengers. */
static void two_legs(fixture *fx, int day_offset, uint32_t n, lx_book_req legs[2])
{
    legs[0] = vte_lpq(fx, day_offset, n);
    legs[1] = legs[0];
    legs[1].leg = leg_of(fx, "C82", day_offset, 1, 3);
}

static uint32_t free_on(fixture *fx, lx_book *b, const lx_book_req *q, const char *cls)
{
    uint32_t n = 0;
    assert_int_equal(lx_book_avail(b, 0, &q->leg, cls, fx->now, &n), LX_OK);
    return n;
}

static void test_journey_whole(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req legs[2];
    two_legs(fx, 2, 2, legs);
    lx_book_order o[LX_BOOK_MAX_LEGS];
    fx->msg[0] = 0;
    assert_int_equal(lx_book_hold_journey(h.b, legs, 2, fx->now, o, fx->msg, sizeof fx->msg),
                     LX_OK);
    assert_int_equal(o[0].state, LX_ORDER_HELD);
    assert_int_equal(o[1].state, LX_ORDER_HELD);
    assert_string_equal(o[1].train, "C82");
    char both[64];
    snprintf(both, sizeof both, "%s %s", o[0].id, o[1].id);
    assert_string_equal(o[0].journey, both);
    assert_string_equal(o[1].journey, both);
    assert_int_equal(free_on(fx, h.b, &legs[0], "second"), SECOND_SEATS - 2);
    assert_int_equal(free_on(fx, h.b, &legs[1], "second"), SECOND_SEATS - 2);
    /* confirmed together, from either leg */
    lx_book_order after[LX_BOOK_MAX_LEGS];
    uint32_t n = 0;
    assert_int_equal(lx_book_journey_life(h.b, o[1].id, LX_INV_CONFIRM, NULL, "card-9", fx->now,
                                          after, &n, fx->msg, sizeof fx->msg),
                     LX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(after[0].state, LX_ORDER_CONFIRMED);
    assert_int_equal(after[1].state, LX_ORDER_CONFIRMED);
    assert_string_equal(after[0].payment, "card-9");
    /* refunded together, each leg keeping its own fee (C82's fare is unknown: none) */
    assert_int_equal(lx_book_journey_life(h.b, o[0].id, LX_INV_REFUND, NULL, NULL, fx->now,
                                          after, &n, fx->msg, sizeof fx->msg),
                     LX_OK);
    assert_int_equal(after[0].state, LX_ORDER_REFUNDED);
    assert_int_equal(after[1].state, LX_ORDER_REFUNDED);
    assert_int_equal(after[0].refund_fee, 20000);
    assert_int_equal(free_on(fx, h.b, &legs[1], "second"), SECOND_SEATS);
    close_book(&h);
    h = open_book(fx);
    lx_book_order got;
    assert_int_equal(lx_book_get(h.b, o[1].id, &got), LX_OK);
    assert_string_equal(got.journey, both);
    check_ok(fx, h.b);
    close_book(&h);
}

/* No seat on the second leg: nothing is held on the first. */
static void test_journey_none(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req legs[2];
    two_legs(fx, 2, 1, legs);
    lx_book_req fill = anonymous(legs[1]);
    fill.n = 5;
    lx_book_order o[LX_BOOK_MAX_LEGS];
    for (int i = 0; i < SECOND_SEATS / 5; i++)
        assert_int_equal(hold(fx, h.b, &fill, 1, NULL, fx->now, &o[0]), LX_OK);
    assert_int_equal(free_on(fx, h.b, &legs[1], "second"), 0);
    fx->msg[0] = 0;
    assert_int_equal(lx_book_hold_journey(h.b, legs, 2, fx->now, o, fx->msg, sizeof fx->msg),
                     LX_SOLDOUT);
    assert_non_null(strstr(fx->msg, "leg 2"));
    assert_int_equal(free_on(fx, h.b, &legs[0], "second"), SECOND_SEATS);
    close_book(&h);
    h = open_book(fx);
    assert_int_equal(check_ok(fx, h.b), SECOND_SEATS / 5);
    close_book(&h);
}

/* Cancelled together; paid too late, every leg is released. */
static void test_journey_release(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req legs[2];
    two_legs(fx, 2, 1, legs);
    lx_book_order o[LX_BOOK_MAX_LEGS], after[LX_BOOK_MAX_LEGS];
    uint32_t n;
    assert_int_equal(lx_book_hold_journey(h.b, legs, 2, fx->now, o, fx->msg, sizeof fx->msg),
                     LX_OK);
    assert_int_equal(lx_book_journey_life(h.b, o[0].id, LX_INV_CANCEL, NULL, NULL, fx->now, after,
                                          &n, fx->msg, sizeof fx->msg),
                     LX_OK);
    assert_int_equal(after[1].state, LX_ORDER_CANCELLED);
    assert_int_equal(lx_book_hold_journey(h.b, legs, 2, fx->now, o, fx->msg, sizeof fx->msg),
                     LX_OK);
    lx_instant_t late = o[0].expires_at < o[1].expires_at ? o[0].expires_at : o[1].expires_at;
    assert_int_equal(lx_book_journey_life(h.b, o[1].id, LX_INV_CONFIRM, NULL, "cash", late, after,
                                          &n, fx->msg, sizeof fx->msg),
                     LX_EXPIRED);
    assert_true(state_of(h.b, o[0].id) == LX_ORDER_EXPIRED ||
                state_of(h.b, o[0].id) == LX_ORDER_CANCELLED);
    assert_true(state_of(h.b, o[1].id) == LX_ORDER_EXPIRED ||
                state_of(h.b, o[1].id) == LX_ORDER_CANCELLED);
    assert_int_equal(free_on(fx, h.b, &legs[1], "second"), SECOND_SEATS);
    close_book(&h);
    h = open_book(fx);
    check_ok(fx, h.b);
    close_book(&h);
}

/* A journey refunded all or none (the refund of POST /journey-bookings/{id}/refunds):
 * with one leg refunded alone already, the journey's refund is refused and the other leg
 * stays paid, keeping no fee; after departure no leg is refunded either. */
static void test_journey_refund_whole(void **state)
{
    fixture *fx = *state;
    handle h = open_book(fx);
    lx_book_req legs[2];
    two_legs(fx, 2, 1, legs);
    legs[0].confirm = 1;
    lx_book_order o[LX_BOOK_MAX_LEGS], after[LX_BOOK_MAX_LEGS], got;
    uint32_t n = 0;
    assert_int_equal(lx_book_hold_journey(h.b, legs, 2, fx->now, o, fx->msg, sizeof fx->msg),
                     LX_OK);
    /* the train of leg 1 has left: neither leg is refunded */
    assert_int_equal(lx_book_journey_life(h.b, o[1].id, LX_INV_REFUND, NULL, NULL,
                                          o[0].departure + 1, after, &n, fx->msg, sizeof fx->msg),
                     LX_CLOSED);
    assert_int_equal(state_of(h.b, o[1].id), LX_ORDER_CONFIRMED);
    assert_int_equal(lx_book_refund(h.b, o[1].id, NULL, fx->now, NULL, fx->msg, sizeof fx->msg),
                     LX_OK);
    assert_int_equal(lx_book_journey_life(h.b, o[0].id, LX_INV_REFUND, NULL, NULL, fx->now, after,
                                          &n, fx->msg, sizeof fx->msg),
                     LX_CONFLICT);
    assert_int_equal(lx_book_get(h.b, o[0].id, &got), LX_OK);
    assert_int_equal(got.state, LX_ORDER_CONFIRMED);
    assert_int_equal(got.refund_fee, -1);
    assert_int_equal(free_on(fx, h.b, &legs[0], "second"), SECOND_SEATS - 1);
    close_book(&h);
    h = open_book(fx);
    assert_int_equal(lx_book_get(h.b, o[0].id, &got), LX_OK);
    assert_int_equal(got.refund_fee, -1);
    check_ok(fx, h.b);
    close_book(&h);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_hold_confirm_reopen),
        T(test_prices),
        T(test_refund_then_resale),
        T(test_expiry_and_late_payment),
        T(test_two_handles_last_seats),
        T(test_two_handles_race),
        T(test_group_commit),
        T(test_exec_batch),
        T(test_full_disk),
        T(test_failed_sync),
        T(test_check_finds_edits),
        T(test_orphans),
        T(test_migrates_documents),
        T(test_one_ticket_per_document),
        T(test_migrates_version_2),
        T(test_state_rows),
        T(test_seat_labels),
        T(test_many_rows),
        T(test_staged_batches_catch_up),
        T(test_staged_batch_after_failed_commit),
        T(test_batch_creates_and_expires),
        T(test_memory_only),
        T(test_fares_by_passenger),
        T(test_refund_fee_kept),
        T(test_change_once),
        T(test_change_no_later),
        T(test_change_whole),
        T(test_cancel_limit),
        T(test_no_document_no_match),
        T(test_journey_whole),
        T(test_journey_none),
        T(test_journey_release),
        T(test_journey_refund_whole),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
