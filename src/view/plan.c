/* Planned journeys as JSON (see plan.h): the search a person asks for, checked and
 * turned into a lx_plan_request, and each journey the planner finds drawn with the
 * station, train and time shapes of view.c. */
#include "view/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lanxang/time.h"
#include "view/journey.h"
#include "view/view.h"

#define MAX_WINDOW_MINUTES 1440

const char *lx_view_trip_class(const lx_tt *tt, uint32_t trip, const char *name)
{
    const char *cls[LX_JOURNEY_MAX_CLASSES];
    uint32_t n = lx_view_trip_classes(tt, trip, cls, LX_JOURNEY_MAX_CLASSES);
    for (uint32_t i = 0; i < n; i++)
        if (!strcasecmp(cls[i], name))
            return cls[i];
    return NULL;
}

/* ---- the seat-aware filter (lx_plan_request.leg_ok) ---- */

typedef struct {
    const lx_net *net;
    lx_book *book;
    const char *cls;
    lx_instant_t now;
} seat_check;

/* Whether one passenger could buy the leg now in the class: the train has the class,
 * its sales are open and a seat is free from the leg's first stop to its last. */
static int leg_has_seat(void *arg, const lx_net_leg *l)
{
    const seat_check *c = arg;
    const char *cls = lx_view_trip_class(lx_net_feed(c->net, l->feed), l->leg.trip, c->cls);
    if (!cls)
        return 0;
    if (!c->book)
        return 1;
    lx_inv_sales si;
    uint32_t free_seats = 0;
    return lx_book_sales_check(c->book, l->feed, &l->leg, 1, c->now, &si) == LX_OK &&
           lx_book_avail(c->book, l->feed, &l->leg, cls, c->now, &free_seats) == LX_OK &&
           free_seats > 0;
}

/* ---- journeys as JSON ---- */

static const lx_station *place_station(const lx_net *net, lx_place p)
{
    return &lx_tt_stations(lx_net_feed(net, p.feed), NULL)[p.station];
}

static lx_place leg_end(const lx_net *net, const lx_net_leg *l, int to)
{
    const uint32_t *stop = lx_tt_st_stop(lx_net_feed(net, l->feed));
    return (lx_place){l->feed, stop[to ? l->leg.to_pos : l->leg.from_pos]};
}

static json_t *iso_at(const lx_net *net, lx_place p, lx_instant_t t)
{
    char buf[32];
    lx_tz_format_iso(place_station(net, p)->tz, t, buf);
    return json_string(buf);
}

void lx_view_total_add(lx_view_total *t, int64_t amount, const char *currency)
{
    if (amount < 0 || !currency || !*currency) {
        t->unknown = 1;
        return;
    }
    uint32_t k = 0;
    while (k < t->n && strcmp(t->sum[k].currency, currency))
        k++;
    if (k == LX_VIEW_MAX_CURRENCIES) {
        t->unknown = 1;
        return;
    }
    if (k == t->n) {
        snprintf(t->sum[k].currency, sizeof t->sum[k].currency, "%s", currency);
        t->sum[k].amount = 0;
        t->n++;
    }
    t->sum[k].amount += amount;
}

int lx_view_total_set(json_t *o, const lx_view_total *t)
{
    json_t *prices = json_array();
    for (uint32_t k = 0; prices && k < t->n; k++)
        if (json_array_append_new(prices,
                                  json_pack("{s:o, s:s}", "price",
                                            lx_view_price(t->sum[k].amount, t->sum[k].currency),
                                            "currency", t->sum[k].currency))) {
            json_decref(prices);
            prices = NULL;
        }
    int one = t->n == 1 && !t->unknown;
    if (!prices ||
        json_object_set_new(
            o, "price", one ? lx_view_price(t->sum[0].amount, t->sum[0].currency) : json_null()) ||
        json_object_set_new(o, "currency", one ? json_string(t->sum[0].currency) : json_null()) ||
        json_object_set_new(o, "prices", prices))
        return -1;
    return 0;
}

static json_t *priced_leg(const lx_net *net, const lx_net_leg *l, const char *name, lx_book *book,
                          lx_instant_t now, json_t *o, lx_view_total *total)
{
    const lx_tt *tt = lx_net_feed(net, l->feed);
    const char *cls = lx_view_trip_class(tt, l->leg.trip, name);
    const lx_fare *f = cls ? lx_view_fare(tt, &l->leg, cls) : NULL;
    uint32_t free_seats = 0;
    int counted =
        cls && book && lx_book_avail(book, l->feed, &l->leg, cls, now, &free_seats) == LX_OK;
    if (json_object_set_new(o, "class", json_string(cls ? cls : name)) ||
        json_object_set_new(o, "free",
                            counted ? json_integer((json_int_t)free_seats) : json_null()) ||
        json_object_set_new(o, "price", f ? lx_view_price(f->amount, f->currency) : json_null()) ||
        json_object_set_new(o, "currency", f ? json_string(f->currency) : json_null())) {
        json_decref(o);
        return NULL;
    }
    lx_view_total_add(total, f ? f->amount : -1, f ? f->currency : NULL);
    return o;
}

static json_t *journey_legs(const lx_net *net, const lx_plan_journey *j, const char *cls,
                            lx_book *book, lx_instant_t now, json_t *o)
{
    json_t *legs = json_array();
    lx_view_total total = {0};
    for (uint32_t i = 0; legs && i < j->n_legs; i++) {
        const lx_net_leg *l = &j->legs[i];
        json_t *leg = lx_view_leg(net, l);
        lx_date_t day;
        int32_t secs;
        char date[11];
        lx_tz_to_local(place_station(net, leg_end(net, l, 0))->tz, l->leg.departure, &day, &secs);
        lx_date_format(day, 1, date);
        if (leg && json_object_set_new(leg, "date", json_string(date))) {
            json_decref(leg);
            leg = NULL;
        }
        if (leg && cls)
            leg = priced_leg(net, l, cls, book, now, leg, &total);
        if (!leg || json_array_append_new(legs, leg)) {
            json_decref(legs);
            return NULL;
        }
    }
    if (legs && cls &&
        (json_object_set_new(o, "class", json_string(cls)) || lx_view_total_set(o, &total))) {
        json_decref(legs);
        return NULL;
    }
    return legs;
}

static json_t *journey_changes(const lx_net *net, const lx_plan_journey *j)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i + 1 < j->n_legs; i++) {
        const lx_plan_transfer *t = &j->transfers[i];
        lx_instant_t in = j->legs[i].leg.arrival, out = j->legs[i + 1].leg.departure;
        json_t *c = json_pack("{s:o, s:o, s:o, s:I, s:I, s:b, s:b}", "station",
                              lx_view_station(net, t->from), "arrival", iso_at(net, t->from, in),
                              "departure", iso_at(net, t->to, out), "wait_minutes",
                              (json_int_t)((out - in) / 60), "min_minutes",
                              (json_int_t)(t->min_seconds / 60), "border", t->border != 0,
                              "in_seat", t->in_seat != 0);
        /* a walk to another station (or another feed's same place) */
        if (c && (t->from.feed != t->to.feed || t->from.station != t->to.station) &&
            json_object_set_new(c, "to", lx_view_station(net, t->to))) {
            json_decref(c);
            c = NULL;
        }
        if (!c || json_array_append_new(arr, c)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *lx_view_plan_journey(const lx_net *net, const lx_plan_journey *j, const char *cls,
                             lx_book *book, lx_instant_t now)
{
    lx_place a = leg_end(net, &j->legs[0], 0), b = leg_end(net, &j->legs[j->n_legs - 1], 1);
    json_t *o = json_pack("{s:o, s:o, s:I, s:I, s:o, s:o}", "departure",
                          iso_at(net, a, j->departure), "arrival", iso_at(net, b, j->arrival),
                          "duration_minutes", (json_int_t)((j->arrival - j->departure) / 60),
                          "transfers", (json_int_t)j->n_transfers, "from", lx_view_station(net, a),
                          "to", lx_view_station(net, b));
    json_t *legs = o ? journey_legs(net, j, cls, book, now, o) : NULL;
    json_t *changes = legs ? journey_changes(net, j) : NULL;
    if (!changes || json_object_set_new(o, "legs", legs) ||
        json_object_set_new(o, "changes", changes)) {
        if (!changes)
            json_decref(legs);
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- the search ---- */

static lx_err refuse(char *msg, size_t msg_len, const char **field, const char *name,
                     const char *fmt, const char *value)
{
    *field = name;
    snprintf(msg, msg_len, fmt, value);
    return LX_INVAL;
}

/* A whole number from lo to hi; def when s is NULL or "". */
static int whole(const char *s, long lo, long hi, long def, long *out)
{
    if (!s || !*s) {
        *out = def;
        return 1;
    }
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || s[0] < '0' || s[0] > '9' || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/* "HH:MM" (or "H:MM") into seconds after midnight; -1 when it is not one. */
static int32_t clock_time(const char *s)
{
    int h, m, k = 0;
    if (!s || sscanf(s, "%2d:%2d%n", &h, &m, &k) != 2 || s[k] || k < 4 || h > 23 || m > 59 ||
        h < 0 || m < 0 || s[k - 3] != ':')
        return -1;
    return h * 3600 + m * 60;
}

lx_err lx_view_plan(const lx_net *net, lx_plan_query *q, lx_book *book, lx_instant_t now,
                    const lx_view_plan_ask *ask, json_t **out, char *msg, size_t msg_len,
                    const char **field)
{
    *out = NULL;
    lx_date_t day;
    long window, max_tr;
    int32_t secs = clock_time(ask->time);
    if (!ask->date || lx_date_parse(ask->date, strlen(ask->date), 1, &day) != LX_OK)
        return refuse(msg, msg_len, field, "date",
                      "'%.40s' is not a date: use YYYY-MM-DD, e.g. 2026-12-20",
                      ask->date ? ask->date : "");
    if (secs < 0)
        return refuse(msg, msg_len, field, "time", "'%.40s' is not a time: use HH:MM, e.g. 08:30",
                      ask->time ? ask->time : "");
    if (!whole(ask->window, 0, MAX_WINDOW_MINUTES, 0, &window))
        return refuse(msg, msg_len, field, "window",
                      "window '%.40s' is not a number of minutes from 0 to 1440", ask->window);
    if (window && ask->arrive_by)
        return refuse(msg, msg_len, field, "window",
                      "a window of departures (%s) cannot go with an arrive-by search",
                      ask->window);
    if (!whole(ask->max_transfers, 0, LX_PLAN_MAX_TRANSFERS, -1, &max_tr))
        return refuse(msg, msg_len, field, "max_transfers",
                      "max_transfers '%.40s' is not a number from 0 to 15", ask->max_transfers);
    lx_view_ends ends;
    lx_err e = lx_view_resolve_ends(net, ask->from, ask->to, &ends, msg, msg_len, field);
    if (e)
        return e;
    /* the time is the local time of the station it is asked at */
    lx_place at = ask->arrive_by ? ends.b[0] : ends.a[0];
    const char *cls = ask->cls && *ask->cls ? ask->cls : NULL;
    seat_check sc = {net, book, cls, now};
    lx_plan_request rq = {.from = ends.a,
                          .n_from = ends.na,
                          .to = ends.b,
                          .n_to = ends.nb,
                          .time = lx_tz_local_to_instant(place_station(net, at)->tz, day, secs),
                          .window_seconds = (int32_t)window * 60,
                          .arrive_by = ask->arrive_by,
                          .max_transfers = (int32_t)max_tr,
                          .leg_ok = cls ? leg_has_seat : NULL,
                          .leg_arg = &sc};
    const lx_plan_journey *js;
    uint32_t n;
    if ((e = lx_plan_search(q, &rq, &js, &n))) {
        *field = NULL;
        snprintf(msg, msg_len, "the journeys from %s to %s cannot be searched: %s", ask->from,
                 ask->to, lx_strerror(e));
        return e;
    }
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, lx_view_plan_journey(net, &js[i], cls, book, now))) {
            json_decref(arr);
            arr = NULL;
        }
    if (!arr) {
        snprintf(msg, msg_len, "out of memory");
        return LX_NOMEM;
    }
    *field = NULL;
    *out = arr;
    return LX_OK;
}
