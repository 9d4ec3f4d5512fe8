/* Changes of a paid booking and fare quotes over HTTP (issue 5).
 *
 *   POST /api/v1/bookings/{id}/exchanges   {"train", "date", "class"?, "from"?, "to"?}
 *        -> 201, the new booking (Location), state "confirmed", changed_from = id; the
 *           old booking is refunded in full and shows state "changed", changed_to
 *   POST /api/v1/fare-quotes               a booking's body without seats
 *        -> 200 {"price", "currency", "passengers": [{"fare_type", "fare", "percent",
 *           "age", "seat", "note"}], "rounding"}
 *
 * The rules of a change are the store's (lx_book_exchange): one change per ticket
 * (rule one_change), and within 48 hours of the original's departure only to a train
 * leaving no later (rule change_no_later); the new journey's sales window, seats and
 * real-name rules as for any sale. A changed ticket keeps its original's refund rules.
 * The stations and the class default to the booking's own.
 *
 * Also here, shared with POST /bookings: resolving a request's journey
 * (lx_api_journey_req) and answering a refusal of the store (lx_api_reply_refused). A refusal by a rule is 422 with the rule named, as for bookings.
 */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

#include "view/journey.h"
#include "view/view.h"

int lx_api_read_trip(json_t *body, lx_api_trip *t, lx_srv_resp *resp, lx_err *err)
{
    return lx_api_want_string(body, "train", "train", 64, resp, err, &t->train) &&
           lx_api_want_string(body, "date", "date", 32, resp, err, &t->date) &&
           lx_api_want_string(body, "from", "from", 256, resp, err, &t->from) &&
           lx_api_want_string(body, "to", "to", 256, resp, err, &t->to) &&
           lx_api_want_string(body, "class", "class", 32, resp, err, &t->cls);
}

int lx_api_read_booking(const req *r, lx_srv_resp *resp, lx_err *err, const char *const *known,
                        json_t **body, lx_book_req *q, lx_api_trip *t)
{
    memset(q, 0, sizeof *q);
    if (!lx_api_want_book(r, resp, err) || !lx_api_read_body(r, resp, err, 0, body))
        return 0;
    if (lx_api_only_known(*body, known, "", resp, err) && lx_api_read_trip(*body, t, resp, err) &&
        lx_api_read_passengers(*body, q, lx_api_now(r->api), resp, err))
        return 1;
    json_decref(*body);
    *body = NULL;
    return 0;
}

int lx_api_journey_req(const req *r, lx_srv_resp *resp, lx_err *err, const lx_api_trip *t,
                       lx_journey *j, lx_book_req *q)
{
    char msg[1024] = "";
    const char *field = NULL;
    lx_err e = lx_view_journey(r->api->net, t->train, t->date, t->from, t->to, j, msg, sizeof msg,
                               &field);
    if (e == LX_OK && (e = lx_view_journey_class(j, t->cls, &q->cls, msg, sizeof msg)))
        field = "class";
    if (e) {
        *err = e == LX_NOMEM ? e : lx_api_reply_errorf(resp, e, field, "%s", msg);
        return 0;
    }
    q->feed = j->leg.feed;
    q->leg = j->leg.leg;
    q->seller = r->api->seller;
    return 1;
}

lx_err lx_api_reply_refused(const req *r, lx_srv_resp *resp, lx_err e, const lx_journey *j,
                            uint32_t n, const char *cls, char *msg, size_t msg_len)
{
    const lx_api *api = r->api;
    switch (e) {
    case LX_NOMEM:
        return e;
    case LX_SOLDOUT:
        return lx_api_reply_errorf(resp, e, "class", "no seats left in %s from %s to %s on %s %s",
                                   cls, j->from_name, j->to_name, j->train, j->date);
    case LX_CLOSED:
    case LX_RULE: {
        /* a rule: 422 naming it (409 sales_closed once the train has left) */
        lx_inv_sales si;
        char rule[32];
        lx_view_hold_refusal(api->book, j, n, e, lx_api_now(api), &si, rule, sizeof rule, msg,
                             msg_len);
        return lx_api_reply_rule(resp, e, msg,
                                 si.rule != LX_INV_RULE_NONE
                                     ? lx_view_sales(j->tt, &j->leg.leg, &si)
                                     : json_pack("{s:s}", "rule", rule));
    }
    default:
        return lx_api_reply_errorf(resp, e, e == LX_CONFLICT ? "id" : NULL, "%s",
                                   *msg ? msg : lx_strerror(e));
    }
}

lx_err lx_api_h_exchange(const req *r, lx_srv_resp *resp)
{
    static const char *const known[] = {"train", "date", "class", "from", "to",
                                        "seat_preference", NULL};
    lx_err err = LX_OK;
    json_t *body;
    char id[LX_BOOK_ID_LEN];
    lx_book_order old;
    if (!lx_api_want_book(r, resp, &err) || !lx_api_find_booking(r, resp, &err, id, &old))
        return err;
    if (!lx_api_read_body(r, resp, &err, 0, &body))
        return err;
    const char *train, *date, *from = NULL, *to = NULL, *cls = NULL;
    int ok = lx_api_only_known(body, known, "", resp, &err) &&
             lx_api_want_string(body, "train", "train", 64, resp, &err, &train) &&
             lx_api_want_string(body, "date", "date", 32, resp, &err, &date) &&
             (!json_object_get(body, "from") ||
              lx_api_want_string(body, "from", "from", 256, resp, &err, &from)) &&
             (!json_object_get(body, "to") ||
              lx_api_want_string(body, "to", "to", 256, resp, &err, &to)) &&
             (!json_object_get(body, "class") ||
              lx_api_want_string(body, "class", "class", 32, resp, &err, &cls));
    lx_book_req q;
    memset(&q, 0, sizeof q);
    if (ok && !lx_api_read_pref(body, &q, resp, &err))
        ok = 0;
    if (!ok) {
        json_decref(body);
        return err;
    }
    /* the booking's own stations and class by default, its stations by their ids */
    char from_id[160], to_id[160];
    snprintf(from_id, sizeof from_id, "%s:%s", old.feed, old.from_stop);
    snprintf(to_id, sizeof to_id, "%s:%s", old.feed, old.to_stop);
    const lx_api *api = r->api;
    lx_journey j;
    char msg[1024] = "";
    lx_api_trip t = {train, date, from ? from : from_id, to ? to : to_id, cls ? cls : old.cls};
    ok = lx_api_journey_req(r, resp, &err, &t, &j, &q);
    json_decref(body);
    if (!ok)
        return err;
    lx_book_order o;
    lx_err e = lx_book_exchange(api->book, id, NULL, &q, lx_api_now(api), &o, msg, sizeof msg);
    if (e != LX_OK)
        return lx_api_reply_refused(r, resp, e, &j, old.n, q.cls, msg, sizeof msg);
    /* the old booking's seats are free again: the waitlist may take them */
    lx_api_seats_returned(api);
    e = lx_api_reply_booking(r, resp, 201, &o, NULL, NULL);
    if (e == LX_OK && resp->status == 201)
        snprintf(resp->location, sizeof resp->location, "/api/v1/bookings/%s", o.id);
    return e;
}

lx_err lx_api_h_fare_quote(const req *r, lx_srv_resp *resp)
{
    static const char *const known[] = {"train", "date", "from", "to", "class", "passengers",
                                        NULL};
    lx_err err = LX_OK;
    json_t *body;
    lx_book_req q;
    lx_api_trip t;
    const lx_api *api = r->api;
    if (!lx_api_read_booking(r, resp, &err, known, &body, &q, &t))
        return err;
    lx_journey j;
    char msg[1024] = "";
    int ok = lx_api_journey_req(r, resp, &err, &t, &j, &q);
    json_decref(body);
    if (!ok)
        return err;
    lx_book_quote fq;
    lx_err e = lx_book_fare_quote(api->book, &q, &fq, msg, sizeof msg);
    if (e != LX_OK)
        return lx_api_reply_refused(r, resp, e, &j, q.n, q.cls, msg, sizeof msg);
    json_t *pax = json_array();
    for (uint32_t i = 0; pax && i < fq.n; i++) {
        const lx_pax_fare *f = &fq.fares[i];
        if (json_array_append_new(
                pax, json_pack("{s:s, s:s, s:o, s:i, s:o, s:b, s:s}", "name", fq.pax[i].name,
                               "fare_type", f->fare_type, "fare",
                               lx_view_price(f->amount, fq.currency), "percent", f->percent,
                               "age", f->age >= 0 ? json_integer(f->age) : json_null(), "seat",
                               f->seat, "note", f->note))) {
            json_decref(pax);
            return LX_NOMEM;
        }
    }
    char rounding[96];
    int64_t step = lx_price_step(fq.currency);
    if (!strcmp(fq.currency, "LAK"))
        snprintf(rounding, sizeof rounding, "computed fares are rounded to %lld kip",
                 (long long)step);
    else if (!strcmp(fq.currency, "CNY"))
        snprintf(rounding, sizeof rounding, "computed fares are rounded to half a yuan");
    else
        snprintf(rounding, sizeof rounding, "computed fares are rounded to the minor unit");
    return lx_api_reply(resp, 200,
                        json_pack("{s:o, s:o, s:o, s:s, s:s, s:s, s:s}", "price",
                                  lx_view_price(fq.price, fq.currency), "currency",
                                  fq.currency[0] ? json_string(fq.currency) : json_null(),
                                  "passengers", pax ? pax : json_array(), "rounding", rounding,
                                  "train", j.train, "date", j.date, "class", q.cls));
}
