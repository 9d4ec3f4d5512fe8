/* Planned journeys over HTTP (issue 6): the journey search and the booking of a whole
 * journey, every leg of it held, paid, cancelled or refunded together.
 *
 *   GET    /api/v1/journeys?from&to&date&time[&arrive_by&class&window&max_transfers]
 *          the journeys the planner finds (src/view/plan.c, as `lanxang plan --json`)
 *   POST   /api/v1/journey-bookings            {"legs": [{"train","date","from","to",
 *          "class"}, ...], "passengers": [...], "seat_preference"?, "user"?}
 *          -> 201 the journey booking, every leg provisional (Location)
 *   GET    /api/v1/journey-bookings/{id}       (id: any leg's booking id)
 *   POST   /api/v1/journey-bookings/{id}/fulfillments   {"payment"?}: every leg confirmed
 *   DELETE /api/v1/journey-bookings/{id}       every leg cancelled
 *   POST   /api/v1/journey-bookings/{id}/refund-offers   -> 201 a signed offer: each leg's
 *          fee and amount, the totals per currency, valid_until
 *   POST   /api/v1/journey-bookings/{id}/refunds  {"refund_offer"}: every leg refunded,
 *          each keeping its fee (the two refund handlers are api_refund.c's, which
 *          shares the offer, its signature and its checks with a single booking's)
 *
 * The planner. One lx_plan is built from the network when the API is created (it is
 * read-only, shared by every worker); a search needs a lx_plan_query, the rounds'
 * scratch memory, which is taken from a small pool and put back after, so a server
 * keeps about one per worker thread and allocates nothing per search once warm.
 *
 * A journey booking is the store's (lx_book_hold_journey, lx_book_journey_life): its
 * legs are bookings of their own, each naming all of them, held all or none and
 * confirmed, cancelled or refunded all or none. Each leg is read and resolved as POST
 * /bookings reads its journey (lx_api_read_trip, lx_api_journey_req) and a refusal is answered
 * as POST /bookings answers it (lx_api_reply_refused), with the leg named: the field
 * "legs[1].class" and the message "leg 2: ...". A leg's from and to may also be the
 * station objects a journey's legs carry.
 */
#include "api_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/plan.h"
#include "view/view.h"

/* ---- the planner and its pool of queries ---- */

#define IDLE_QUERIES 64 /* kept for reuse; more are destroyed when put back */

struct lx_api_plans {
    lx_plan *plan;
    pthread_mutex_t mu;
    lx_plan_query *idle[IDLE_QUERIES];
    uint32_t n_idle;
};

lx_err lx_api_plans_open(lx_api *api)
{
    struct lx_api_plans *p = calloc(1, sizeof *p);
    if (!p)
        return LX_NOMEM;
    lx_err e = lx_plan_create(api->net, NULL, &p->plan);
    if (e) {
        free(p);
        return e;
    }
    pthread_mutex_init(&p->mu, NULL);
    api->plans = p;
    return LX_OK;
}

void lx_api_plans_close(lx_api *api)
{
    struct lx_api_plans *p = api->plans;
    if (!p)
        return;
    for (uint32_t i = 0; i < p->n_idle; i++)
        lx_plan_query_destroy(p->idle[i]);
    pthread_mutex_destroy(&p->mu);
    lx_plan_destroy(p->plan);
    free(p);
    api->plans = NULL;
}

static lx_plan_query *query_take(struct lx_api_plans *p)
{
    lx_plan_query *q = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->n_idle)
        q = p->idle[--p->n_idle];
    pthread_mutex_unlock(&p->mu);
    if (!q && lx_plan_query_create(p->plan, &q) != LX_OK)
        return NULL;
    return q;
}

static void query_give(struct lx_api_plans *p, lx_plan_query *q)
{
    pthread_mutex_lock(&p->mu);
    if (p->n_idle < IDLE_QUERIES) {
        p->idle[p->n_idle++] = q;
        q = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    lx_plan_query_destroy(q);
}

/* ---- the search ---- */

lx_err lx_api_h_journeys(const req *r, lx_srv_resp *resp)
{
    const lx_api *api = r->api;
    lx_err err;
    lx_view_plan_ask ask = {.date = lx_api_param(r, "date"),
                            .time = lx_api_param(r, "time"),
                            .cls = lx_api_param(r, "class"),
                            .window = lx_api_param(r, "window"),
                            .max_transfers = lx_api_param(r, "max_transfers")};
    if (!lx_api_want_from_to(r, resp, &ask.from, &ask.to, &err))
        return err;
    if (!ask.date || !*ask.date)
        return lx_api_missing(resp, "date");
    if (!ask.time || !*ask.time)
        return lx_api_missing(resp, "time");
    const char *by = lx_api_param(r, "arrive_by");
    if (by && *by) {
        ask.arrive_by = !strcmp(by, "1") || !strcmp(by, "true");
        if (!ask.arrive_by && strcmp(by, "0") && strcmp(by, "false"))
            return lx_api_reply_errorf(resp, LX_INVAL, "arrive_by",
                                       "arrive_by is 1 or 0 (true or false), not '%.20s'", by);
    }
    if (!api->plans)
        return lx_api_reply_errorf(resp, LX_BUSY, NULL, "this server plans no journeys");
    lx_plan_query *q = query_take(api->plans);
    if (!q)
        return LX_NOMEM;
    json_t *out = NULL;
    char msg[1024] = "";
    const char *field = NULL;
    lx_err e =
        lx_view_plan(api->net, q, api->book, lx_api_now(api), &ask, &out, msg, sizeof msg, &field);
    query_give(api->plans, q);
    if (e)
        return e == LX_NOMEM ? e : lx_api_reply_error(resp, e, msg, field);
    return lx_api_reply(resp, 200, out);
}

/* ---- a journey's bookings as one ---- */

lx_err lx_api_name_leg(lx_srv_resp *resp, lx_err err, size_t i)
{
    if (err != LX_OK || !resp->body || resp->status < 400)
        return err;
    json_t *j = json_loadb(resp->body, resp->len, 0, NULL);
    json_t *inner = json_object_get(j, "error");
    const char *field = json_string_value(json_object_get(inner, "field"));
    const char *msg = json_string_value(json_object_get(inner, "message"));
    char f[96], m[1200];
    int status = resp->status;
    if (!inner || !msg) {
        json_decref(j);
        return err;
    }
    if (!field || strncmp(field, "legs[", 5)) {
        if (field)
            snprintf(f, sizeof f, "legs[%zu].%s", i, field);
        else
            snprintf(f, sizeof f, "legs[%zu]", i);
        json_object_set_new(inner, "field", json_string(f));
    }
    if (strncmp(msg, "leg ", 4)) {
        snprintf(m, sizeof m, "leg %zu: %s", i + 1, msg);
        json_object_set_new(inner, "message", json_string(m));
    }
    lx_srv_resp_clear(resp);
    return lx_api_reply(resp, status, j);
}

/* A leg's from or to given as a station object (as a journey's legs carry it): its
 * "feed:id", set in place of the object. */
static void station_as_text(json_t *leg, const char *key)
{
    json_t *v = json_object_get(leg, key);
    const char *feed = json_string_value(json_object_get(v, "feed"));
    const char *id = json_string_value(json_object_get(v, "id"));
    if (!json_is_object(v) || !id)
        return;
    char buf[300];
    snprintf(buf, sizeof buf, "%s%s%s", feed ? feed : "", feed ? ":" : "", id);
    json_object_set_new(leg, key, json_string(buf));
}

/* The body's legs into q[0 .. *n-1] and j (passengers, seat preference and user are
 * q[0]'s, read before). 1, or 0 with an answer naming the leg. */
static int read_legs(const req *r, lx_srv_resp *resp, lx_err *err, json_t *body, lx_book_req *q,
                     lx_journey *j, uint32_t *n)
{
    static const char *const known[] = {"train", "date", "from", "to", "class", NULL};
    json_t *legs = json_object_get(body, "legs");
    size_t count = json_array_size(legs);
    if (!json_is_array(legs) || count < 1 || count > LX_BOOK_MAX_LEGS) {
        *err = lx_api_reply_errorf(resp, LX_INVAL, "legs",
                                   "'legs' must be an array of 1 to %d legs {\"train\", \"date\", "
                                   "\"from\", \"to\", \"class\"}",
                                   LX_BOOK_MAX_LEGS);
        return 0;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *leg = json_array_get(legs, i);
        char prefix[24];
        snprintf(prefix, sizeof prefix, "legs[%zu].", i);
        if (!json_is_object(leg)) {
            *err = lx_api_name_leg(resp,
                                   lx_api_reply_errorf(resp, LX_INVAL, NULL,
                                                       "each leg must be an object {\"train\", "
                                                       "\"date\", \"from\", \"to\", \"class\"}"),
                                   i);
            return 0;
        }
        station_as_text(leg, "from");
        station_as_text(leg, "to");
        lx_api_trip t;
        if (i)
            q[i] = q[0];
        if (!lx_api_only_known(leg, known, prefix, resp, err) ||
            !lx_api_read_trip(leg, &t, resp, err) ||
            !lx_api_journey_req(r, resp, err, &t, &j[i], &q[i])) {
            *err = lx_api_name_leg(resp, *err, i);
            return 0;
        }
        if (i && j[i].leg.leg.departure < j[i - 1].leg.leg.arrival) {
            prefix[strlen(prefix) - 1] = 0; /* "legs[1]" */
            *err = lx_api_reply_errorf(resp, LX_INVAL, prefix,
                                       "leg %zu: %s leaves %s before %s of leg %zu arrives", i + 1,
                                       j[i].train, j[i].from_name, j[i - 1].train, i);
            return 0;
        }
    }
    *n = (uint32_t)count;
    return 1;
}

/* Answers with a journey booking: {"id" (the first leg's), "state", "legs": [booking],
 * "price", "currency", "prices", "expires_in"}, each leg as GET /bookings/{id} shows
 * it (lx_api_reply_booking), and name: extra when name is given. */
lx_err lx_api_reply_journey(const req *r, lx_srv_resp *resp, int status, const lx_book_order *o,
                            uint32_t n, const char *name, json_t *extra)
{
    json_t *legs = json_array(), *left = json_null();
    lx_view_total total = {0};
    for (uint32_t i = 0; legs && i < n; i++) {
        json_t *b;
        lx_err e = lx_api_booking_json(r, resp, &o[i], &b);
        if (!b) {
            /* the leg's tickets cannot be made: that error (or no memory) is the answer */
            json_decref(legs);
            json_decref(left);
            json_decref(extra);
            return e;
        }
        json_t *exp = json_object_get(b, "expires_in");
        if (json_is_integer(exp) &&
            (json_is_null(left) || json_integer_value(exp) < json_integer_value(left))) {
            json_decref(left);
            left = json_incref(exp);
        }
        lx_view_total_add(&total, o[i].price, o[i].currency);
        if (!b || json_array_append_new(legs, b)) {
            json_decref(legs);
            legs = NULL;
        }
    }
    json_t *j = legs
                    ? json_pack("{s:s, s:s, s:o, s:o}", "id", o[0].id, "state",
                                lx_view_booking_state(o[0].state), "legs", legs, "expires_in", left)
                    : NULL;
    if (!legs)
        json_decref(left);
    if (j && lx_view_total_set(j, &total)) {
        json_decref(j);
        j = NULL;
    }
    if (!j || !name) {
        json_decref(extra);
    } else if (json_object_set_new(j, name, extra ? extra : json_null())) {
        json_decref(j);
        j = NULL;
    }
    return lx_api_reply(resp, status, j);
}

lx_err lx_api_h_journey_book(const req *r, lx_srv_resp *resp)
{
    static const char *const known[] = {"legs", "passengers", "seat_preference", "user", NULL};
    const lx_api *api = r->api;
    lx_err err = LX_OK;
    json_t *body;
    if (!lx_api_want_book(r, resp, &err) || !lx_api_read_body(r, resp, &err, 0, &body))
        return err;
    lx_book_req q[LX_BOOK_MAX_LEGS];
    lx_journey j[LX_BOOK_MAX_LEGS];
    uint32_t n = 0;
    memset(q, 0, sizeof q);
    lx_instant_t now = lx_api_now(api);
    if (!lx_api_only_known(body, known, "", resp, &err) ||
        !lx_api_read_passengers(body, &q[0], now, resp, &err) ||
        !lx_api_read_pref(body, &q[0], resp, &err) ||
        (json_object_get(body, "user") &&
         !lx_api_want_string(body, "user", "user", 64, resp, &err, &q[0].user)) ||
        !read_legs(r, resp, &err, body, q, j, &n)) {
        json_decref(body);
        return err;
    }
    lx_book_order o[LX_BOOK_MAX_LEGS];
    char msg[1024] = "";
    lx_err e = lx_book_hold_journey(api->book, q, n, now, o, msg, sizeof msg);
    json_decref(body);
    if (e == LX_OK) {
        e = lx_api_reply_journey(r, resp, 201, o, n, NULL, NULL);
        if (e == LX_OK && resp->status == 201)
            snprintf(resp->location, sizeof resp->location, "/api/v1/journey-bookings/%s", o[0].id);
        return e;
    }
    /* the store names the refused leg: "leg 2: ..." or "leg 2 (train D88): ..." */
    unsigned k = 1;
    if (sscanf(msg, "leg %u", &k) != 1 || k < 1 || k > n)
        k = 1;
    return lx_api_name_leg(
        resp, lx_api_reply_refused(r, resp, e, &j[k - 1], q[0].n, q[k - 1].cls, msg, sizeof msg),
        k - 1);
}

int lx_api_journey_orders(const req *r, lx_srv_resp *resp, lx_err *err, lx_book_order *o,
                          uint32_t *n)
{
    char id[LX_BOOK_ID_LEN], ids[sizeof o[0].journey];
    if (!lx_api_find_booking(r, resp, err, id, &o[0]))
        return 0;
    /* a hold past its deadline that the sweep has not come by yet: shown as it is */
    lx_instant_t now = lx_api_now(r->api);
    if (o[0].state == LX_ORDER_HELD && o[0].expires_at <= now)
        lx_book_expire(r->api->book, now, NULL);
    snprintf(ids, sizeof ids, "%s", o[0].journey[0] ? o[0].journey : o[0].id);
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(ids, " ", &save); tok && *n < LX_BOOK_MAX_LEGS;
         tok = strtok_r(NULL, " ", &save)) {
        lx_err e = lx_book_get(r->api->book, tok, &o[*n]);
        if (e) {
            *err = e == LX_NOMEM ? e
                                 : lx_api_reply_errorf(resp, e, "id",
                                                       "leg %u of journey %s, "
                                                       "booking %s: %s",
                                                       *n + 1, id, tok, lx_strerror(e));
            return 0;
        }
        (*n)++;
    }
    return 1;
}

lx_err lx_api_h_journey_booking(const req *r, lx_srv_resp *resp)
{
    lx_err err;
    lx_book_order o[LX_BOOK_MAX_LEGS];
    uint32_t n;
    if (!lx_api_want_book(r, resp, &err) || !lx_api_journey_orders(r, resp, &err, o, &n))
        return err;
    return lx_api_reply_journey(r, resp, 200, o, n, NULL, NULL);
}

/* The optional body of a fulfilment, {"payment": "reference"}, into payment (64
 * bytes). 1, or 0 with an answer made. */
static int read_payment(const req *r, lx_srv_resp *resp, lx_err *err, char *payment)
{
    static const char *const known[] = {"payment", NULL};
    json_t *body;
    const char *s = NULL;
    if (!lx_api_read_body(r, resp, err, 1, &body))
        return 0;
    json_t *p = json_object_get(body, "payment");
    int ok = lx_api_only_known(body, known, "", resp, err) &&
             (!p || json_is_null(p) ||
              lx_api_want_string(body, "payment", "payment", 63, resp, err, &s));
    snprintf(payment, 64, "%s", s ? s : "");
    json_decref(body);
    return ok;
}

/* Confirms (LX_INV_CONFIRM) or cancels (LX_INV_CANCEL) every leg of a journey. */
static lx_err journey_life(const req *r, lx_srv_resp *resp, uint8_t code)
{
    const lx_api *api = r->api;
    lx_err err = LX_OK;
    char id[LX_BOOK_ID_LEN], payment[64] = "";
    if (!lx_api_want_book(r, resp, &err))
        return err;
    if (!lx_api_path_id(r, id))
        return lx_api_no_booking(r, resp);
    if (code == LX_INV_CONFIRM && !read_payment(r, resp, &err, payment))
        return err;
    lx_book_order o[LX_BOOK_MAX_LEGS];
    uint32_t n = 0;
    char msg[1024] = "";
    lx_err e = lx_book_journey_life(api->book, id, code, NULL, payment, lx_api_now(api), o, &n, msg,
                                    sizeof msg);
    /* a cancel, or a confirm that found a hold expired, gave seats back */
    if (e == LX_OK ? code == LX_INV_CANCEL : e == LX_EXPIRED)
        lx_api_seats_returned(api);
    const char *verb = code == LX_INV_CONFIRM ? "confirmed" : "cancelled";
    switch (e) {
    case LX_OK:
        return lx_api_reply_journey(r, resp, 200, o, n ? n : 1, NULL, NULL);
    case LX_NOMEM:
        return e;
    case LX_NOTFOUND:
        return lx_api_no_booking(r, resp);
    case LX_EXPIRED:
        return lx_api_reply_errorf(resp, e, "id",
                                   "journey %s cannot be %s: the hold of a leg expired and every "
                                   "leg's seats are free again (book anew)",
                                   id, verb);
    case LX_CONFLICT: {
        lx_book_order cur;
        int have = lx_book_get(api->book, id, &cur) == LX_OK;
        return lx_api_reply_errorf(resp, e, "id",
                                   "journey %s is %s: only a provisional journey "
                                   "can be %s",
                                   id, have ? lx_view_booking_state(cur.state) : "in another state",
                                   verb);
    }
    default:
        return lx_api_reply_errorf(resp, e, e == LX_FORBIDDEN ? "id" : NULL,
                                   "journey %s cannot be %s: %s", id, verb,
                                   *msg ? msg : lx_strerror(e));
    }
}

lx_err lx_api_h_journey_fulfil(const req *r, lx_srv_resp *resp)
{
    return journey_life(r, resp, LX_INV_CONFIRM);
}

lx_err lx_api_h_journey_cancel(const req *r, lx_srv_resp *resp)
{
    return journey_life(r, resp, LX_INV_CANCEL);
}
