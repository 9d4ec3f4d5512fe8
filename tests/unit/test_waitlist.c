/* Unit tests for the waitlist (src/store/waitlist.c) over the booking store, each in its
 * own data directory over a small Lao feed whose trains have a first-class coach of 4
 * seats: a request fulfilled by an expiry at exactly the hold's deadline, by a cancel,
 * by a refund; the oldest request first; the cut-off (one second before: still open;
 * at it: refunded in full); a crash between the sale and the request's row (sold
 * once); 5 choices refused; documents never in clear on disk; cancelling. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lanxang/book.h"
#include "lanxang/net.h"
#include "lanxang/store.h"
#include "lanxang/waitlist.h"

static const lx_gtfs_file feed_files[] = {
/* clang-format off */
#define F(name, text) {name, text, sizeof(text) - 1}
    /* clang-format on */
    F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                    "lcr,Lao-China Railway,https://lcr.example.la,Asia/Vientiane\n"),
    F("stops.txt", "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                   "vte,Vientiane,18.055,102.689,0,\n"
                   "vv,Vang Vieng,18.923,102.448,0,\n"
                   "lpq,Luang Prabang,19.888,102.203,0,\n"),
    F("routes.txt", "route_id,agency_id,route_short_name,route_type\nr1,lcr,C,2\n"),
    F("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                      "start_date,end_date\n"
                      "daily,1,1,1,1,1,1,1,20260101,20271231\n"),
    F("trips.txt", "route_id,service_id,trip_id,trip_short_name\n"
                   "r1,daily,C81,C81\n"
                   "r1,daily,C83,C83\n"),
    F("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        "C81,08:00:00,08:00:00,vte,1\n"
                        "C81,09:00:00,09:02:00,vv,2\n"
                        "C81,09:50:00,09:50:00,lpq,3\n"
                        "C83,12:00:00,12:00:00,vte,1\n"
                        "C83,13:00:00,13:02:00,vv,2\n"
                        "C83,13:50:00,13:50:00,lpq,3\n"),
    F("lx_stations.txt", "stop_id,country,km\nvte,LA,0\nvv,LA,150\nlpq,LA,300\n"),
    F("lx_seat_layouts.txt", "layout_id,coach,class,seats,letters,window_letters\n"
                             "small,1,first,4,AC,AC\n"
                             "small,2,second,10,ABCDF,AF\n"),
    F("lx_train_layouts.txt", "trip_id,layout_id\nC81,small\nC83,small\n"),
    F("lx_sales_rules.txt", "agency_id,scope,open_days,close_minutes,hold_minutes,"
                            "hold_minutes_near,near_minutes,max_passengers\n"
                            "lcr,domestic,3,30,30,10,120,5\n"),
    F("lx_fares.txt", "agency_id,from_stop_id,to_stop_id,class,currency,price\n"
                      "lcr,vte,lpq,second,LAK,200000\n"
                      "lcr,vte,lpq,first,LAK,300000\n"),
#undef F
};

#define FIRST_SEATS 4

typedef struct {
    char *base;
    char data[4200];
    lx_net *net;
    const lx_tt *tt;
    lx_date_t day;    /* 2026-12-20 */
    lx_instant_t now; /* a day before C81 leaves Vientiane (08:00, UTC+7) */
    lx_store *s;
    lx_book *b;
    lx_wait *w;
    unsigned doc;     /* serial of fresh document numbers */
    char sold[FIRST_SEATS][LX_BOOK_ID_LEN]; /* fill_first's sales */
    char msg[2048];
} fixture;

static void open_all(fixture *fx)
{
    assert_int_equal(lx_store_open(fx->data, 1, &fx->s, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(lx_book_open(fx->s, fx->net, NULL, &fx->b, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(lx_wait_open(fx->s, fx->b, fx->net, &fx->w, fx->msg, sizeof fx->msg), LX_OK);
}

static void close_all(fixture *fx)
{
    lx_wait_close(fx->w);
    lx_book_close(fx->b);
    lx_store_close(fx->s);
    fx->w = NULL;
    fx->b = NULL;
    fx->s = NULL;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    *state = fx;
    fx->base = fx_tmpdir("wait");
    FX_JOIN(fx->data, fx->base, "data");
    fx->net = fx_net_ok(feed_files, FX_COUNT(feed_files), "lao", &fx->tt);
    fx->day = lx_date_from_ymd(2026, 12, 20);
    fx->now = (lx_instant_t)fx->day * 86400 + 3600 - 86400;
    open_all(fx);
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    close_all(fx);
    lx_net_destroy(fx->net);
    fx_rm_tree(fx->base);
    free(fx->base);
    free(fx);
    return 0;
}

static lx_leg leg_of(fixture *fx, const char *trip_id)
{
    uint32_t trip = lx_tt_trip_by_id(fx->tt, trip_id), n;
    assert_int_not_equal(trip, LX_NONE);
    const lx_trip *t = &lx_tt_trips(fx->tt, &n)[trip];
    lx_leg leg = {.trip = trip, .service_day = fx->day};
    leg.from_pos = t->st_first;
    leg.to_pos = t->st_first + 2;
    leg.departure = lx_tt_st_instant(fx->tt, &leg, leg.from_pos, 1);
    leg.arrival = lx_tt_st_instant(fx->tt, &leg, leg.to_pos, 0);
    return leg;
}

static void fresh_pax(fixture *fx, lx_book_pax *p, const char *name)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->document, sizeof p->document, "W%07u", ++fx->doc);
}

/* One first-class seat on C81, its passenger to be named. */
static lx_book_req first_class(fixture *fx)
{
    lx_book_req q;
    memset(&q, 0, sizeof q);
    q.leg = leg_of(fx, "C81");
    q.cls = "first";
    q.n = 1;
    return q;
}

/* Sells (confirm) or holds one first-class seat on C81. */
static lx_book_order sell(fixture *fx, int confirm, lx_instant_t now)
{
    lx_book_req q = first_class(fx);
    fresh_pax(fx, &q.pax[0], "Counter Sale");
    q.confirm = confirm;
    lx_book_order o;
    lx_err e = lx_book_hold(fx->b, &q, now, &o, fx->msg, sizeof fx->msg);
    if (e)
        fail_msg("lx_book_hold: %s: %s", lx_strerror(e), fx->msg);
    return o;
}

/* Fills first class of C81: FIRST_SEATS - 1 sold, the last held (returned). */
static lx_book_order fill_first(fixture *fx)
{
    for (int i = 0; i < FIRST_SEATS - 1; i++)
        snprintf(fx->sold[i], sizeof fx->sold[i], "%s", sell(fx, 1, fx->now).id);
    return sell(fx, 0, fx->now);
}

/* A request for first class on C81 (then second class on C83 when two). */
static lx_wait_req request(fixture *fx, uint32_t n_choices, const char *doc)
{
    lx_wait_req r;
    memset(&r, 0, sizeof r);
    r.n = 1;
    fresh_pax(fx, &r.pax[0], "Noy Waiting");
    if (doc)
        snprintf(r.pax[0].document, sizeof r.pax[0].document, "%s", doc);
    r.n_choices = n_choices;
    for (uint32_t i = 0; i < n_choices && i < LX_WAIT_MAX_CHOICES + 1; i++) {
        if (i >= LX_WAIT_MAX_CHOICES)
            break;
        r.choices[i].leg = leg_of(fx, "C81");
        snprintf(r.choices[i].cls, sizeof r.choices[i].cls, "first");
    }
    snprintf(r.payment, sizeof r.payment, "QR-%u", fx->doc);
    return r;
}

static lx_wait_req add(fixture *fx, lx_instant_t now)
{
    lx_wait_req r = request(fx, 1, NULL);
    lx_err e = lx_wait_add(fx->w, &r, now, NULL, fx->msg, sizeof fx->msg);
    if (e)
        fail_msg("lx_wait_add: %s: %s", lx_strerror(e), fx->msg);
    assert_int_equal(r.state, LX_WAIT_OPEN);
    assert_int_equal(r.amount, 300000);
    assert_string_equal(r.currency, "LAK");
    assert_int_equal(r.pax[0].document[0], '*'); /* as told: masked */
    return r;
}

static lx_wait_req get(fixture *fx, const char *id)
{
    lx_wait_req r;
    assert_int_equal(lx_wait_get(fx->w, id, &r), LX_OK);
    return r;
}

/* A request on the full train (fill_first): a pass leaves it open. */
static lx_wait_req add_waiting(fixture *fx, lx_instant_t now)
{
    lx_wait_req r = add(fx, now);
    assert_int_equal(lx_wait_run(fx->w, now, NULL), LX_OK);
    assert_int_equal(get(fx, r.id).state, LX_WAIT_OPEN);
    return r;
}

/* The order of that id cancelled, or refunded, at `at`: its seat comes back. */
static void cancel(fixture *fx, const char *id, lx_instant_t at)
{
    assert_int_equal(lx_book_cancel(fx->b, id, NULL, at, NULL, fx->msg, sizeof fx->msg), LX_OK);
}

static void refund(fixture *fx, const char *id, lx_instant_t at)
{
    assert_int_equal(lx_book_refund(fx->b, id, NULL, at, NULL, fx->msg, sizeof fx->msg), LX_OK);
}

static uint32_t first_free(fixture *fx, lx_instant_t now)
{
    lx_leg leg = leg_of(fx, "C81");
    uint32_t n = 0;
    assert_int_equal(lx_book_avail(fx->b, 0, &leg, "first", now, &n), LX_OK);
    return n;
}

/* The request is fulfilled by its reserved order, sold as "waitlist:<id>". */
static void assert_fulfilled(fixture *fx, const char *id)
{
    lx_wait_req r = get(fx, id);
    assert_int_equal(r.state, LX_WAIT_FULFILLED);
    assert_int_equal(r.fulfilled_choice, 0);
    assert_int_equal(r.refund, 0); /* one choice: the price prepaid is the price */
    lx_book_order o;
    assert_int_equal(lx_book_get(fx->b, r.booking, &o), LX_OK);
    assert_int_equal(o.state, LX_ORDER_CONFIRMED);
    char pay[64];
    snprintf(pay, sizeof pay, "waitlist:%s", r.id);
    assert_string_equal(o.payment, pay);
    assert_string_equal(o.pax[0].name, "Noy Waiting");
}

/* ---- tests ---- */

static void fulfilled_by_expiry_at_its_deadline(void **state)
{
    fixture *fx = *state;
    lx_book_order held = fill_first(fx);
    lx_wait_req r = add(fx, fx->now + 1);
    lx_wait_stats st;
    assert_int_equal(lx_wait_run(fx->w, fx->now + 1, &st), LX_OK);
    assert_int_equal(st.open, 1);
    assert_int_equal(st.fulfilled, 0);
    assert_int_equal(get(fx, r.id).state, LX_WAIT_OPEN);
    /* one second before the deadline: the hold stands */
    uint32_t n = 9;
    assert_int_equal(lx_book_expire(fx->b, held.expires_at - 1, &n), LX_OK);
    assert_int_equal(n, 0);
    assert_int_equal(lx_wait_run(fx->w, held.expires_at - 1, &st), LX_OK);
    assert_int_equal(get(fx, r.id).state, LX_WAIT_OPEN);
    /* at exactly the deadline the seat comes back and the pass sells it */
    assert_int_equal(lx_book_expire(fx->b, held.expires_at, &n), LX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(lx_wait_run(fx->w, held.expires_at, &st), LX_OK);
    assert_int_equal(st.fulfilled, 1);
    assert_fulfilled(fx, r.id);
    assert_int_equal(first_free(fx, held.expires_at), 0);
    assert_int_equal(lx_wait_open_count(fx->w), 0);
    /* durable: a new handle reads it back */
    close_all(fx);
    open_all(fx);
    assert_fulfilled(fx, r.id);
}

static void fulfilled_by_cancel(void **state)
{
    fixture *fx = *state;
    lx_book_order held = fill_first(fx);
    lx_wait_req r = add_waiting(fx, fx->now);
    cancel(fx, held.id, fx->now + 60);
    assert_int_equal(lx_wait_run(fx->w, fx->now + 60, NULL), LX_OK);
    assert_fulfilled(fx, r.id);
}

static void fulfilled_by_refund(void **state)
{
    fixture *fx = *state;
    fill_first(fx);
    lx_wait_req r = add_waiting(fx, fx->now);
    refund(fx, fx->sold[0], fx->now + 60);
    assert_int_equal(lx_wait_run(fx->w, fx->now + 60, NULL), LX_OK);
    assert_fulfilled(fx, r.id);
}

static void oldest_first(void **state)
{
    fixture *fx = *state;
    lx_book_order held = fill_first(fx);
    lx_wait_req young = add(fx, fx->now + 10);
    lx_wait_req old = add(fx, fx->now + 5);
    cancel(fx, held.id, fx->now + 60);
    lx_wait_stats st;
    assert_int_equal(lx_wait_run(fx->w, fx->now + 60, &st), LX_OK);
    assert_int_equal(st.open, 2);
    assert_int_equal(st.fulfilled, 1);
    assert_fulfilled(fx, old.id);
    assert_int_equal(get(fx, young.id).state, LX_WAIT_OPEN);
    assert_int_equal(lx_wait_open_count(fx->w), 1);
}

static void refunded_at_the_cut_off(void **state)
{
    fixture *fx = *state;
    fill_first(fx);
    lx_wait_req r = add(fx, fx->now);
    lx_instant_t cut = r.choices[0].sales_close;
    assert_int_equal(cut, leg_of(fx, "C81").departure - 30 * 60);
    assert_int_equal(lx_wait_run(fx->w, cut - 1, NULL), LX_OK);
    lx_wait_req cur = get(fx, r.id);
    assert_int_equal(cur.state, LX_WAIT_OPEN);
    assert_int_equal(cur.refund, -1);
    lx_wait_stats st;
    assert_int_equal(lx_wait_run(fx->w, cut, &st), LX_OK);
    assert_int_equal(st.refunded, 1);
    cur = get(fx, r.id);
    assert_int_equal(cur.state, LX_WAIT_REFUNDED);
    assert_int_equal(cur.refund, cur.amount);
    assert_int_equal(cur.refunded_at, cut);
    assert_int_equal(cur.fulfilled_choice, -1);
    lx_book_order o;
    assert_int_equal(lx_book_get(fx->b, cur.booking, &o), LX_NOTFOUND);
    /* closed: no longer accepted either */
    lx_wait_req late = request(fx, 1, NULL);
    lx_wait_refusal why;
    assert_int_equal(lx_wait_add(fx->w, &late, cut, &why, fx->msg, sizeof fx->msg), LX_RULE);
    assert_int_equal(why.choice, 0);
    assert_string_equal(why.rule, "sales_close");
}

static void crash_after_the_sale_sells_once(void **state)
{
    fixture *fx = *state;
    lx_book_order held = fill_first(fx);
    lx_wait_req r = add(fx, fx->now);
    cancel(fx, held.id, fx->now + 60);
    /* a pass sold under the reserved id and died before the row said so */
    lx_book_req q = first_class(fx);
    snprintf(q.pax[0].name, sizeof q.pax[0].name, "Noy Waiting");
    snprintf(q.pax[0].document, sizeof q.pax[0].document, "W%07u", fx->doc);
    q.confirm = 1;
    q.id = r.booking;
    char pay[64];
    snprintf(pay, sizeof pay, "waitlist:%s", r.id);
    q.payment = pay;
    lx_book_order o;
    assert_int_equal(lx_book_hold(fx->b, &q, fx->now + 61, &o, fx->msg, sizeof fx->msg), LX_OK);
    close_all(fx); /* the crash */
    open_all(fx);
    assert_int_equal(get(fx, r.id).state, LX_WAIT_OPEN);
    /* a seat more comes back: the pass must not sell the request a second ticket */
    assert_int_equal(first_free(fx, fx->now + 62), 0);
    refund(fx, fx->sold[0], fx->now + 63);
    assert_int_equal(first_free(fx, fx->now + 63), 1);
    lx_wait_stats st;
    assert_int_equal(lx_wait_run(fx->w, fx->now + 64, &st), LX_OK);
    assert_int_equal(st.fulfilled, 1);
    assert_fulfilled(fx, r.id);
    assert_int_equal(first_free(fx, fx->now + 64), 1); /* not sold twice */
    /* and a sale under the reserved id again is refused */
    q.pax[0].document[1] = 'X';
    assert_int_equal(lx_book_hold(fx->b, &q, fx->now + 65, &o, fx->msg, sizeof fx->msg),
                     LX_CONFLICT);
}

static void five_choices_refused(void **state)
{
    fixture *fx = *state;
    lx_wait_req r = request(fx, LX_WAIT_MAX_CHOICES, NULL);
    lx_wait_refusal why;
    r.n_choices = LX_WAIT_MAX_CHOICES + 1;
    assert_int_equal(lx_wait_add(fx->w, &r, fx->now, &why, fx->msg, sizeof fx->msg), LX_RULE);
    assert_string_equal(why.rule, "waitlist_choices");
    assert_int_equal(why.choice, -1);
    assert_int_equal(lx_wait_open_count(fx->w), 0);
    /* four are fine; the amount is the highest price of them */
    r = request(fx, LX_WAIT_MAX_CHOICES, NULL);
    r.choices[1].leg = leg_of(fx, "C83");
    snprintf(r.choices[1].cls, sizeof r.choices[1].cls, "second");
    assert_int_equal(lx_wait_add(fx->w, &r, fx->now, &why, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(r.amount, 300000);
    assert_int_equal(r.n_choices, LX_WAIT_MAX_CHOICES);
    /* seats are free: the pass sells the first choice at once */
    assert_int_equal(lx_wait_run(fx->w, fx->now, NULL), LX_OK);
    lx_wait_req cur = get(fx, r.id);
    assert_int_equal(cur.state, LX_WAIT_FULFILLED);
    assert_int_equal(cur.fulfilled_choice, 0);
    /* none: refused */
    r = request(fx, 0, NULL);
    assert_int_equal(lx_wait_add(fx->w, &r, fx->now, &why, fx->msg, sizeof fx->msg), LX_INVAL);
}

static void second_choice_and_change_refunded(void **state)
{
    fixture *fx = *state;
    fill_first(fx);
    lx_wait_req r = request(fx, 2, NULL);
    r.choices[1].leg = leg_of(fx, "C83");
    snprintf(r.choices[1].cls, sizeof r.choices[1].cls, "second");
    assert_int_equal(lx_wait_add(fx->w, &r, fx->now, NULL, fx->msg, sizeof fx->msg), LX_OK);
    assert_int_equal(lx_wait_run(fx->w, fx->now, NULL), LX_OK);
    lx_wait_req cur = get(fx, r.id);
    assert_int_equal(cur.state, LX_WAIT_FULFILLED);
    assert_int_equal(cur.fulfilled_choice, 1);
    assert_int_equal(cur.refund, 100000); /* 300000 prepaid, 200000 the ticket */
}

static void documents_never_in_clear(void **state)
{
    fixture *fx = *state;
    fill_first(fx);
    lx_wait_req r = request(fx, 1, "PX9876543");
    assert_int_equal(lx_wait_add(fx->w, &r, fx->now, NULL, fx->msg, sizeof fx->msg), LX_OK);
    assert_string_equal(r.pax[0].document, "*****6543");
    lx_wait_req cur = get(fx, r.id);
    assert_string_equal(cur.pax[0].document, "*****6543");
    assert_true(strlen(cur.pax[0].doc_hash) == 32);
    char path[4400], sql[256];
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(FX_JOIN(path, fx->data, "lanxang.db"), &db), SQLITE_OK);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM waitlist WHERE passengers LIKE '%%9876543%%' OR "
             "choices LIKE '%%9876543%%'");
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void cancel_refunds_in_full(void **state)
{
    fixture *fx = *state;
    lx_book_order held = fill_first(fx);
    lx_wait_req r = add(fx, fx->now);
    lx_wait_req cur;
    assert_int_equal(lx_wait_cancel(fx->w, r.id, fx->now + 5, &cur), LX_OK);
    assert_int_equal(cur.state, LX_WAIT_CANCELLED);
    assert_int_equal(cur.refund, cur.amount);
    assert_int_equal(lx_wait_cancel(fx->w, r.id, fx->now + 6, &cur), LX_CONFLICT);
    assert_int_equal(lx_wait_cancel(fx->w, "0000000000000", fx->now, &cur), LX_NOTFOUND);
    /* a cancelled request gets no seat */
    cancel(fx, held.id, fx->now + 60);
    assert_int_equal(lx_wait_run(fx->w, fx->now + 60, NULL), LX_OK);
    assert_int_equal(get(fx, r.id).state, LX_WAIT_CANCELLED);
    assert_int_equal(first_free(fx, fx->now + 60), 1);
    /* a fulfilled one cannot be cancelled */
    lx_wait_req r2 = add(fx, fx->now + 61);
    assert_int_equal(lx_wait_run(fx->w, fx->now + 61, NULL), LX_OK);
    assert_int_equal(lx_wait_cancel(fx->w, r2.id, fx->now + 62, &cur), LX_CONFLICT);
    assert_fulfilled(fx, r2.id);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(fulfilled_by_expiry_at_its_deadline),
        T(fulfilled_by_cancel),
        T(fulfilled_by_refund),
        T(oldest_first),
        T(refunded_at_the_cut_off),
        T(crash_after_the_sale_sells_once),
        T(five_choices_refused),
        T(second_choice_and_change_refunded),
        T(documents_never_in_clear),
        T(cancel_refunds_in_full),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
