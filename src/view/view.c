/* JSON views shared by the command and the API: one function per object shape, so
 * the two can never drift apart. */
#include "view/view.h"
#include "lanxang/text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

json_t *lx_view_station(const lx_net *net, lx_place p)
{
    const lx_tt *tt = lx_net_feed(net, p.feed);
    const lx_station *s = &lx_tt_stations(tt, NULL)[p.station];
    json_t *names = json_pack("{s:s, s:s, s:s}", "en", lx_tt_station_name(tt, p.station, "en"),
                              "lo", lx_tt_station_name(tt, p.station, "lo"), "zh",
                              lx_tt_station_name(tt, p.station, "zh"));
    json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:o, s:s, s:o}", "id", s->id, "feed",
                          lx_tt_feed_name(tt), "code", str_or_null(s->code), "name", s->name,
                          "names", names, "timezone", lx_tz_name(s->tz), "country",
                          str_or_null(s->country));
    if (!o)
        return NULL;
    json_object_set_new(o, "lat", isnan(s->lat) ? json_null() : json_real(s->lat));
    json_object_set_new(o, "lon", isnan(s->lon) ? json_null() : json_real(s->lon));
    if (!isnan(s->km))
        json_object_set_new(o, "km", json_real(s->km));
    return o;
}

static json_t *iso(const lx_tz *tz, lx_instant_t t)
{
    char buf[32];
    lx_tz_format_iso(tz, t, buf);
    return json_string(buf);
}

/* the fields every train object starts with */
static json_t *train_head(const lx_tt *tt, const lx_leg *leg)
{
    const lx_trip *tr = &lx_tt_trips(tt, NULL)[leg->trip];
    const lx_route *r = &lx_tt_routes(tt, NULL)[tr->route];
    uint32_t na;
    const lx_agency *ag = lx_tt_agencies(tt, &na);
    char sd[11];
    lx_date_format(leg->service_day, 1, sd);
    const char *rname = *r->long_name ? r->long_name : r->short_name;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "train", lx_tt_train_number(tt, leg->trip),
                     "trip_id", tr->id, "feed", lx_tt_feed_name(tt), "route", rname, "agency",
                     r->agency < na ? ag[r->agency].name : "", "headsign", str_or_null(tr->headsign),
                     "service_date", sd);
}

json_t *lx_view_leg(const lx_net *net, const lx_net_leg *nl)
{
    const lx_tt *tt = lx_net_feed(net, nl->feed);
    const lx_leg *leg = &nl->leg;
    const uint32_t *stop = lx_tt_st_stop(tt);
    const lx_station *st = lx_tt_stations(tt, NULL);
    json_t *o = train_head(tt, leg);
    if (!o)
        return NULL;
    uint32_t a = stop[leg->from_pos], b = stop[leg->to_pos];
    json_object_set_new(o, "from", lx_view_station(net, (lx_place){nl->feed, a}));
    json_object_set_new(o, "to", lx_view_station(net, (lx_place){nl->feed, b}));
    json_object_set_new(o, "departure", iso(st[a].tz, leg->departure));
    json_object_set_new(o, "arrival", iso(st[b].tz, leg->arrival));
    json_object_set_new(o, "duration_minutes",
                        json_integer((json_int_t)((leg->arrival - leg->departure) / 60)));
    json_object_set_new(o, "stops", json_integer((json_int_t)(leg->to_pos - leg->from_pos)));
    return o;
}

json_t *lx_view_timetable(const lx_net *net, const lx_net_leg *nl)
{
    const lx_tt *tt = lx_net_feed(net, nl->feed);
    const lx_leg *run = &nl->leg;
    const lx_trip *tr = &lx_tt_trips(tt, NULL)[run->trip];
    const uint32_t *stop = lx_tt_st_stop(tt), *seq = lx_tt_st_sequence(tt);
    const uint8_t *pick = lx_tt_st_pickup(tt), *drop = lx_tt_st_dropoff(tt);
    const lx_station *st = lx_tt_stations(tt, NULL);
    json_t *o = train_head(tt, run);
    json_t *stops = json_array();
    if (!o || !stops) {
        json_decref(o);
        json_decref(stops);
        return NULL;
    }
    uint32_t first = tr->st_first, last = tr->st_first + tr->st_count - 1;
    for (uint32_t p = first; p <= last; p++) {
        const lx_tz *tz = st[stop[p]].tz;
        json_t *s = json_pack("{s:o, s:o, s:o, s:i, s:b, s:b}", "station",
                              lx_view_station(net, (lx_place){nl->feed, stop[p]}), "arrival",
                              p == first ? json_null() : iso(tz, lx_tt_st_instant(tt, run, p, 0)),
                              "departure",
                              p == last ? json_null() : iso(tz, lx_tt_st_instant(tt, run, p, 1)),
                              "sequence", (json_int_t)seq[p], "pickup", pick[p] != 1, "drop_off",
                              drop[p] != 1);
        json_array_append_new(stops, s);
    }
    json_object_set_new(o, "stops", stops);
    json_object_set_new(o, "departure", iso(st[stop[first]].tz, lx_tt_st_instant(tt, run, first, 1)));
    json_object_set_new(o, "arrival", iso(st[stop[last]].tz, lx_tt_st_instant(tt, run, last, 0)));
    return o;
}

json_t *lx_view_price(int64_t amount, const char *currency)
{
    if (amount < 0)
        return json_null();
    int digits = lx_currency_digits(currency ? currency : "");
    if (digits == 0)
        return json_integer((json_int_t)amount);
    double unit = 1;
    for (int i = 0; i < digits; i++)
        unit *= 10;
    return json_real((double)amount / unit);
}

void lx_view_mask_document(const char *doc, char *buf, size_t n)
{
    lx_mask_document(doc, buf, n);
}

/* ISO 8601 in the zone of a station, or UTC when the station is unknown */
static json_t *iso_or_utc(const lx_tz *tz, lx_instant_t t)
{
    if (tz)
        return iso(tz, t);
    char buf[32];
    lx_date_t day = (lx_date_t)((t >= 0 ? t : t - 86399) / 86400);
    int64_t secs = t - (int64_t)day * 86400;
    char d[11];
    lx_date_format(day, 1, d);
    snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d+00:00", d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
    return json_string(buf);
}

/* a station of an order: the full station object, or its id when no longer loaded */
static json_t *order_station(const lx_net *net, uint32_t feed, const char *stop_id,
                             const lx_tz **tz)
{
    const lx_tt *tt = feed != LX_NONE ? lx_net_feed(net, feed) : NULL;
    uint32_t s = tt ? lx_tt_station_by_id(tt, stop_id) : LX_NONE;
    if (s == LX_NONE) {
        *tz = NULL;
        return json_pack("{s:s}", "id", stop_id);
    }
    *tz = lx_tt_stations(tt, NULL)[s].tz;
    return lx_view_station(net, (lx_place){feed, s});
}

json_t *lx_view_order(const lx_net *net, const lx_book_order *o)
{
    uint32_t feed = net ? lx_net_feed_by_name(net, o->feed) : LX_NONE;
    const lx_tz *tz_from = NULL, *tz_to = NULL;
    json_t *from = order_station(net, feed, o->from_stop, &tz_from);
    json_t *to = order_station(net, feed, o->to_stop, &tz_to);
    char sd[11], ld[11];
    lx_date_format(o->service_day, 1, sd);
    if (tz_from) {
        lx_date_t day;
        int32_t secs;
        lx_tz_to_local(tz_from, o->departure, &day, &secs);
        lx_date_format(day, 1, ld);
    } else {
        lx_date_format((lx_date_t)(o->departure / 86400), 1, ld);
    }
    json_t *seats = json_array(), *pax = json_array();
    uint32_t n_pax = o->n_pax > o->n ? o->n_pax : o->n;
    for (uint32_t i = 0; i < n_pax && i < LX_INV_MAX_PAX; i++) {
        char doc[sizeof o->pax[i].document];
        lx_view_mask_document(o->pax[i].document, doc, sizeof doc);
        if (i < o->n)
            json_array_append_new(seats, json_string(o->seats[i]));
        /* an infant travels on a lap: no seat */
        json_array_append_new(
            pax, json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:o}", "name", o->pax[i].name,
                           "document", doc, "seat",
                           i < o->n ? json_string(o->seats[i]) : json_null(), "document_type",
                           str_or_null(o->pax[i].doc_type), "birth_date",
                           str_or_null(o->pax[i].birth_date), "fare_type",
                           o->pax[i].fare_type[0] ? o->pax[i].fare_type : "adult", "fare",
                           lx_view_price(o->pax[i].fare, o->currency)));
    }
    /* the deadline of a hold, kept once it has passed */
    int deadline = o->state == LX_ORDER_HELD || o->state == LX_ORDER_EXPIRED;
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o,"
                     " s:o, s:o, s:o, s:o, s:o}",
                     "order", o->id, "state", lx_order_state_name(o->state), "train", o->train,
                     "trip_id", o->trip_id, "feed", o->feed, "service_date", sd, "date", ld,
                     "from", from, "to", to, "departure", iso_or_utc(tz_from, o->departure),
                     "arrival", iso_or_utc(tz_to, o->arrival), "class", o->cls, "seats", seats,
                     "passengers", pax, "price", lx_view_price(o->price, o->currency),
                     "currency", str_or_null(o->currency), "created_at",
                     iso_or_utc(tz_from, o->created_at), "expires_at",
                     deadline && o->expires_at ? iso_or_utc(tz_from, o->expires_at) : json_null(),
                     "updated_at", iso_or_utc(tz_from, o->updated_at), "payment",
                     str_or_null(o->payment));
    /* what refunds and changes left: the fee kept and what went back, the orders a
     * change links, and the original's departure when the refund rules count from it
     * (it is earlier than this order's own) */
    int refunded = o->state == LX_ORDER_REFUNDED && o->refund_fee >= 0 && o->price >= 0;
    if (j && (json_object_set_new(j, "refund_fee",
                                  refunded ? lx_view_price(o->refund_fee, o->currency)
                                           : json_null()) ||
              json_object_set_new(j, "refund_amount",
                                  refunded ? lx_view_price(o->price - o->refund_fee, o->currency)
                                           : json_null()) ||
              json_object_set_new(j, "changed_from", str_or_null(o->changed_from)) ||
              json_object_set_new(j, "changed_to", str_or_null(o->changed_to)) ||
              json_object_set_new(j, "rules_departure",
                                  o->fee_departure < o->departure
                                      ? iso_or_utc(tz_from, o->fee_departure)
                                      : json_null()))) {
        json_decref(j);
        return NULL;
    }
    return j;
}

const char *lx_view_booking_state(lx_order_state s)
{
    return s == LX_ORDER_HELD ? "provisional" : lx_order_state_name(s);
}

json_t *lx_view_booking(const lx_net *net, const lx_book_order *o)
{
    json_t *b = lx_view_order(net, o), *tickets = json_array();
    if (!b || !tickets) {
        json_decref(b);
        json_decref(tickets);
        return NULL;
    }
    for (uint32_t i = 0; i < o->n && i < LX_INV_MAX_PAX; i++) {
        char doc[sizeof o->pax[i].document];
        lx_view_mask_document(o->pax[i].document, doc, sizeof doc);
        if (json_array_append_new(tickets, json_pack("{s:s, s:s, s:s}", "seat", o->seats[i],
                                                     "name", o->pax[i].name, "document", doc))) {
            json_decref(b);
            json_decref(tickets);
            return NULL;
        }
    }
    /* a paid booking changed into another: refunded in full, shown as changed */
    const char *state = o->state == LX_ORDER_REFUNDED && o->changed_to[0]
                            ? "changed"
                            : lx_view_booking_state(o->state);
    if (json_object_set_new(b, "id", json_string(o->id)) ||
        json_object_set_new(b, "state", json_string(state)) ||
        json_object_set_new(b, "tickets", tickets)) {
        json_decref(b);
        return NULL;
    }
    return b;
}

json_t *lx_view_error(lx_err e, const char *message, const char *field)
{
    return json_pack("{s:{s:s, s:s, s:o}}", "error", "code", lx_errcode(e), "message",
                     message ? message : lx_strerror(e), "field", str_or_null(field));
}

lx_err lx_view_resolve(const lx_net *net, const char *name, lx_place *out, uint32_t cap,
                       uint32_t *n, char *msg, size_t msg_len)
{
    lx_err e = lx_net_resolve(net, name, out, cap, n);
    if (e == LX_OK)
        return e;
    if (e == LX_INVAL) {
        snprintf(msg, msg_len, "a station name is needed");
        return e;
    }
    size_t k = (size_t)snprintf(msg, msg_len,
                                e == LX_AMBIGUOUS ? "'%s' could be several stations: "
                                                  : "no station named '%s'",
                                name);
    if (e == LX_NOTFOUND && *n)
        k += (size_t)snprintf(msg + (k < msg_len ? k : msg_len), k < msg_len ? msg_len - k : 0,
                              "; did you mean ");
    for (uint32_t i = 0; i < *n && i < 5; i++) {
        const lx_tt *tt = lx_net_feed(net, out[i].feed);
        const lx_station *s = &lx_tt_stations(tt, NULL)[out[i].station];
        k += (size_t)snprintf(msg + (k < msg_len ? k : msg_len), k < msg_len ? msg_len - k : 0,
                              "%s%s (%s:%s)", i ? (i + 1 == *n || i == 4 ? " or " : ", ") : "",
                              s->name, lx_tt_feed_name(tt), s->id);
    }
    if (e == LX_NOTFOUND && *n && k < msg_len)
        snprintf(msg + k, msg_len - k, "?");
    return e;
}

#define MAX_PLACES LX_VIEW_MAX_PLACES

/* legs between (to != NULL) or departures, as a JSON array of train objects */
static lx_err legs_json(const lx_net *net, const lx_place *a, uint32_t na, const lx_place *b,
                        uint32_t nb, lx_date_t day, json_t **out)
{
    uint32_t n = b ? lx_net_legs_between(net, a, na, b, nb, day, NULL, 0)
                   : lx_net_departures(net, a, na, day, NULL, 0);
    lx_net_leg *legs = malloc((n ? n : 1) * sizeof *legs);
    json_t *arr = json_array();
    if (!legs || !arr) {
        free(legs);
        json_decref(arr);
        return LX_NOMEM;
    }
    if (b)
        lx_net_legs_between(net, a, na, b, nb, day, legs, n);
    else
        lx_net_departures(net, a, na, day, legs, n);
    for (uint32_t i = 0; i < n; i++)
        json_array_append_new(arr, lx_view_leg(net, &legs[i]));
    free(legs);
    *out = arr;
    return LX_OK;
}

lx_err lx_view_resolve_ends(const lx_net *net, const char *from, const char *to, lx_view_ends *out,
                            char *msg, size_t msg_len, const char **field)
{
    *field = "from";
    lx_err e = lx_view_resolve(net, from, out->a, LX_VIEW_MAX_PLACES, &out->na, msg, msg_len);
    if (e)
        return e;
    *field = "to";
    if ((e = lx_view_resolve(net, to, out->b, LX_VIEW_MAX_PLACES, &out->nb, msg, msg_len)))
        return e;
    *field = NULL;
    return LX_OK;
}

lx_err lx_view_trains(const lx_net *net, const char *from, const char *to, lx_date_t day,
                      json_t **out, char *msg, size_t msg_len, const char **field)
{
    lx_view_ends ends;
    *out = NULL;
    lx_err e = lx_view_resolve_ends(net, from, to, &ends, msg, msg_len, field);
    if (e)
        return e;
    return legs_json(net, ends.a, ends.na, ends.b, ends.nb, day, out);
}

lx_err lx_view_departures(const lx_net *net, const char *station, lx_date_t day, json_t **out,
                          char *msg, size_t msg_len)
{
    lx_place a[MAX_PLACES];
    uint32_t na;
    *out = NULL;
    lx_err e = lx_view_resolve(net, station, a, MAX_PLACES, &na, msg, msg_len);
    return e ? e : legs_json(net, a, na, NULL, 0, day, out);
}

lx_err lx_view_train_timetable(const lx_net *net, const char *train, lx_date_t day, json_t **out,
                               char *msg, size_t msg_len)
{
    json_t *arr = json_array();
    if (!arr)
        return LX_NOMEM;
    uint32_t found = 0;
    for (uint32_t f = 0; f < lx_net_feed_count(net); f++) {
        const lx_tt *tt = lx_net_feed(net, f);
        uint32_t n = lx_tt_trips_by_number(tt, train, NULL, 0);
        uint32_t *ids = malloc((n ? n : 1) * sizeof *ids);
        if (!ids) {
            json_decref(arr);
            return LX_NOMEM;
        }
        lx_tt_trips_by_number(tt, train, ids, n);
        found += n;
        /* every run of the day: a frequency-based train has one per headway */
        for (uint32_t i = 0; i < n; i++) {
            uint32_t nr = lx_tt_trip_runs(tt, ids[i], day, NULL, 0);
            lx_leg *runs = malloc((nr ? nr : 1) * sizeof *runs);
            if (!runs) {
                free(ids);
                json_decref(arr);
                return LX_NOMEM;
            }
            lx_tt_trip_runs(tt, ids[i], day, runs, nr);
            for (uint32_t k = 0; k < nr; k++) {
                lx_net_leg nl = {f, runs[k]};
                json_array_append_new(arr, lx_view_timetable(net, &nl));
            }
            free(runs);
        }
        free(ids);
    }
    if (!found) {
        snprintf(msg, msg_len, "no train numbered '%s'", train);
        json_decref(arr);
        return LX_NOTFOUND;
    }
    if (json_array_size(arr) == 0) {
        char d[11];
        lx_date_format(day, 1, d);
        snprintf(msg, msg_len, "train %s does not run on %s", train, d);
        json_decref(arr);
        return LX_NOTFOUND;
    }
    *out = arr;
    return LX_OK;
}

/* ---- e-tickets ---- */

void lx_view_iso_utc(lx_instant_t t, char *buf, size_t n)
{
    lx_date_t day = (lx_date_t)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
    int32_t secs = (int32_t)(t - (lx_instant_t)day * 86400);
    char date[11];
    lx_date_format(day, 1, date);
    snprintf(buf, n, "%sT%02d:%02d:%02dZ", date, secs / 3600, secs / 60 % 60, secs % 60);
}

json_t *lx_view_ticket(const lx_ticket *t)
{
    char dep[32], arr[32], day[11];
    lx_view_iso_utc(t->departure, dep, sizeof dep);
    lx_view_iso_utc(t->arrival, arr, sizeof arr);
    lx_date_format(t->service_day, 1, day);
    return json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                     "order", t->order, "ticket", (int)t->index + 1, "of", (int)t->count, "feed",
                     t->feed, "train", t->train, "service_date", day, "from", t->from_stop, "to",
                     t->to_stop, "class", t->cls, "seat", t->seat, "passenger", t->passenger,
                     "departure", dep, "arrival", arr);
}
