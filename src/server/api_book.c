/* The booking life cycle over HTTP, after UIC's OSDM: offers -> a provisional booking
 * with a deadline -> its fulfilment (confirmed, paid) or its cancellation.
 *
 *   GET    /api/v1/offers?from&to&date       trains with free seats and price per class
 *   POST   /api/v1/bookings                  hold seats: 201, state "provisional"
 *   GET    /api/v1/bookings/{id}             the booking
 *   DELETE /api/v1/bookings/{id}             cancel a provisional booking
 *   POST   /api/v1/bookings/{id}/fulfillments   confirm it: state "confirmed"
 *   GET    /api/v1/bookings/{id}/tickets/{n}/qr.svg   ticket n's QR code, as SVG
 *   POST   /api/v1/gate/scan                 check an e-ticket at a gate, record its use
 *
 * The seat map is api_seats.c; refund offers and refunds are api_refund.c. A 201 of a
 * new booking names it in a Location header (lx_srv_resp.location); a provisional
 * booking carries `expires_in`, the seconds left by the server's clock.
 *
 * A confirmed booking carries each ticket's signed `qr_payload` (lx_ticket_issue with
 * the keys of the data directory); the gate runs lx_ticket_gate, as `lanxang gate
 * verify` does, so both accept and refuse alike (docs/tickets.md).
 *
 * Every change goes through the booking store (lanxang/book.h), which answers only once
 * the change is on disk and makes each operation whole or not at all: a request that
 * is refused, or whose connection drops, never leaves half a booking. The store is
 * thread-safe and shares commits between the server's workers (group commit).
 *
 * Request bodies are JSON objects read strictly: malformed JSON is `malformed`, a
 * field the endpoint does not know or a value of the wrong type is `invalid`, and the
 * error names the field ("passengers[1].document"). The journey (train, date, from,
 * to, class) is resolved by src/view/journey.c, as the `hold` command does, so both
 * refuse alike.
 *
 * Bookings are anonymous for now: whoever knows a booking's id may see, confirm or
 * cancel it (ids are random, see src/store/book.c).
 */
#include "api_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "view/journey.h"
#include "view/view.h"

/* The booking store, or a 503 answer when the server runs without one. */
int lx_api_want_book(const req *r, lx_srv_resp *resp, lx_err *err)
{
    if (r->api->book)
        return 1;
    *err = lx_api_reply_errorf(resp, LX_BUSY, NULL, "this server does not sell seats");
    return 0;
}

/* ---- offers ---- */


static json_t *offer_classes(const lx_api *api, const lx_net_leg *nl, lx_instant_t now,
                             lx_err *err)
{
    const lx_tt *tt = lx_net_feed(api->net, nl->feed);
    const char *cls[LX_JOURNEY_MAX_CLASSES];
    uint32_t n = lx_view_trip_classes(tt, nl->leg.trip, cls, LX_JOURNEY_MAX_CLASSES);
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < n; i++) {
        uint32_t free_seats = 0;
        lx_err e = lx_book_avail(api->book, nl->feed, &nl->leg, cls[i], now, &free_seats);
        if (e) {
            *err = e;
            json_decref(arr);
            return NULL;
        }
        const lx_fare *f = lx_view_fare(tt, &nl->leg, cls[i]);
        if (json_array_append_new(
                arr, json_pack("{s:s, s:I, s:o, s:o}", "class", cls[i], "free",
                               (json_int_t)free_seats, "price",
                               f ? lx_view_price(f->amount, f->currency) : json_null(),
                               "currency", f ? json_string(f->currency) : json_null()))) {
            json_decref(arr);
            arr = NULL;
        }
    }
    if (!arr)
        *err = LX_NOMEM;
    return arr;
}

lx_err lx_api_h_offers(const req *r, lx_srv_resp *resp)
{
    const lx_api *api = r->api;
    lx_err err;
    const char *from, *to, *field;
    lx_date_t day;
    if (!lx_api_want_from_to(r, resp, &from, &to, &err) || !lx_api_want_date(r, resp, &day, &err) ||
        !lx_api_want_book(r, resp, &err))
        return err;
    lx_view_ends ends;
    char msg[512] = "";
    lx_err e = lx_view_resolve_ends(api->net, from, to, &ends, msg, sizeof msg, &field);
    if (e)
        return e == LX_NOMEM ? e : lx_api_reply_error(resp, e, msg, field);
    const lx_place *a = ends.a, *b = ends.b;
    uint32_t na = ends.na, nb = ends.nb;
    uint32_t n = lx_net_legs_between(api->net, a, na, b, nb, day, NULL, 0);
    lx_net_leg *legs = malloc((n ? n : 1) * sizeof *legs);
    json_t *arr = json_array();
    if (!legs || !arr) {
        free(legs);
        json_decref(arr);
        return LX_NOMEM;
    }
    lx_net_legs_between(api->net, a, na, b, nb, day, legs, n);
    lx_instant_t now = lx_api_now(api);
    e = LX_OK;
    for (uint32_t i = 0; i < n && e == LX_OK; i++) {
        json_t *o = lx_view_leg(api->net, &legs[i]);
        lx_inv_sales si = {LX_INV_RULE_NONE, 0, 0, 0};
        lx_err se = lx_book_sales_check(api->book, legs[i].feed, &legs[i].leg, 1, now, &si);
        if (o && (se == LX_OK || se == LX_RULE || se == LX_CLOSED))
            json_object_set_new(o, "sales",
                                lx_view_sales(lx_net_feed(api->net, legs[i].feed), &legs[i].leg, &si));
        json_t *classes = o ? offer_classes(api, &legs[i], now, &e) : NULL;
        if (!o || !classes || json_object_set_new(o, "classes", classes) ||
            json_array_append_new(arr, o)) {
            if (o && !classes)
                json_decref(o);
            e = e ? e : LX_NOMEM;
        }
    }
    free(legs);
    if (e) {
        json_decref(arr);
        return e == LX_NOMEM ? e
                             : lx_api_reply_errorf(resp, e, NULL, "seats cannot be counted: %s",
                                                   lx_strerror(e));
    }
    return lx_api_reply(resp, 200, arr);
}

/* ---- reading a request body ---- */

/* An error answer about the body; field may be NULL. Always returns 0 so that a
 * reader can `return body_error(...)`; *err is the outcome of making the answer. */
static int body_error(lx_srv_resp *resp, lx_err *err, lx_err e, const char *field,
                      const char *msg)
{
    *err = lx_api_reply_error(resp, e, msg, field);
    return 0;
}

/* The body as a JSON object (NULL body or only blanks: an empty object when
 * may_be_empty). Returns 1 with *out (the caller releases it), or 0 with an answer.
 * Text that is not JSON is refused with bad_json (LX_FORMAT, 422 malformed, for the
 * booking endpoints; LX_INVAL, 400, at the gate, where 422 means a refused ticket). */
static int read_body_as(const req *r, lx_srv_resp *resp, lx_err *err, int may_be_empty,
                        lx_err bad_json, json_t **out)
{
    *out = NULL;
    size_t n = r->body ? r->body_len : 0, k = 0;
    while (k < n && isspace((unsigned char)r->body[k]))
        k++;
    if (k == n) {
        if (may_be_empty && (*out = json_object()))
            return 1;
        if (may_be_empty) {
            *err = LX_NOMEM;
            return 0;
        }
        return body_error(resp, err, LX_INVAL, NULL,
                          "the request needs a JSON object as its body");
    }
    if (n > LX_API_MAX_BODY)
        return body_error(resp, err, LX_TOOBIG, NULL, "the request body is too large");
    json_error_t je;
    json_t *j = json_loadb(r->body, n, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        char msg[300];
        snprintf(msg, sizeof msg, "the body is not JSON (line %d, column %d): %s", je.line,
                 je.column, je.text);
        size_t len = strlen(msg);
        while (len && !lx_api_valid_utf8(msg))
            msg[--len] = 0;
        return body_error(resp, err, bad_json, NULL, msg);
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return body_error(resp, err, LX_INVAL, NULL, "the body must be a JSON object");
    }
    *out = j;
    return 1;
}

int lx_api_read_body(const req *r, lx_srv_resp *resp, lx_err *err, int may_be_empty,
                     json_t **out)
{
    return read_body_as(r, resp, err, may_be_empty, LX_FORMAT, out);
}

/* Refuses a field not in known (NULL-ended). prefix: "" or "passengers[0]." */
int lx_api_only_known(json_t *obj, const char *const *known, const char *prefix,
                      lx_srv_resp *resp, lx_err *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        (void)v;
        size_t i = 0;
        while (known[i] && strcmp(known[i], key))
            i++;
        if (known[i])
            continue;
        char field[128], msg[256];
        if (strlen(key) > 64 || !lx_api_valid_utf8(key))
            key = "(a long name)";
        snprintf(field, sizeof field, "%s%s", prefix, key);
        snprintf(msg, sizeof msg, "unknown field '%s'", field);
        return body_error(resp, err, LX_INVAL, field, msg);
    }
    return 1;
}

/* A required non-empty string field of the body. */
int lx_api_want_string(json_t *obj, const char *key, const char *field, size_t max,
                       lx_srv_resp *resp, lx_err *err, const char **out)
{
    json_t *v = json_object_get(obj, key);
    char msg[160];
    if (!v) {
        snprintf(msg, sizeof msg, "missing field '%s'", field);
        return body_error(resp, err, LX_INVAL, field, msg);
    }
    if (!json_is_string(v)) {
        snprintf(msg, sizeof msg, "'%s' must be a string", field);
        return body_error(resp, err, LX_INVAL, field, msg);
    }
    const char *s = json_string_value(v);
    if (!*s || strlen(s) > max) {
        snprintf(msg, sizeof msg, "'%s' must be 1 to %zu bytes long", field, max);
        return body_error(resp, err, LX_INVAL, field, msg);
    }
    *out = s;
    return 1;
}

/* A passenger's optional document_type and birth_date. 1, or 0 with an error answer. */
static int read_pax_extra(json_t *p, size_t i, lx_book_pax *x, lx_instant_t now,
                          lx_srv_resp *resp, lx_err *err)
{
    char field[48], msg[200];
    json_t *v = json_object_get(p, "document_type");
    if (v) {
        snprintf(field, sizeof field, "passengers[%zu].document_type", i);
        if (!json_is_string(v) || !lx_book_doc_type_valid(json_string_value(v)))
            return body_error(resp, err, LX_INVAL, field,
                              "document_type is one of passport, national_id, family_book");
        snprintf(x->doc_type, sizeof x->doc_type, "%s", json_string_value(v));
    }
    v = json_object_get(p, "fare_type");
    if (v && !json_is_null(v)) {
        snprintf(field, sizeof field, "passengers[%zu].fare_type", i);
        if (!json_is_string(v) || !lx_fare_type_valid(json_string_value(v)))
            return body_error(resp, err, LX_INVAL, field,
                              "fare_type is one of adult, child, infant, student");
        snprintf(x->fare_type, sizeof x->fare_type, "%s", json_string_value(v));
    }
    v = json_object_get(p, "birth_date");
    if (v) {
        snprintf(field, sizeof field, "passengers[%zu].birth_date", i);
        const char *d = json_is_string(v) ? json_string_value(v) : "";
        lx_date_t day;
        if (strlen(d) != 10 || lx_date_parse(d, 10, 1, &day) != LX_OK) {
            snprintf(msg, sizeof msg, "birth_date must be a date, YYYY-MM-DD");
            return body_error(resp, err, LX_INVAL, field, msg);
        }
        if ((lx_instant_t)day * 86400 > now + 86400)
            return body_error(resp, err, LX_INVAL, field, "birth_date is in the future");
        snprintf(x->birth_date, sizeof x->birth_date, "%s", d);
    }
    return 1;
}

/* passengers: [{"name", "document", "document_type"?, "birth_date"?, "fare_type"?}], 1
 * to LX_INV_MAX_PAX (an infant on a lap counts as a passenger) */
int lx_api_read_passengers(json_t *body, lx_book_req *q, lx_instant_t now, lx_srv_resp *resp,
                           lx_err *err)
{
    static const char *const known[] = {"name",       "document",  "document_type",
                                        "birth_date", "fare_type", NULL};
    json_t *arr = json_object_get(body, "passengers");
    if (!arr)
        return body_error(resp, err, LX_INVAL, "passengers",
                          "missing field 'passengers': [{\"name\", \"document\"}]");
    if (!json_is_array(arr))
        return body_error(resp, err, LX_INVAL, "passengers", "'passengers' must be an array");
    size_t n = json_array_size(arr);
    if (n == 0)
        return body_error(resp, err, LX_INVAL, "passengers", "name at least one passenger");
    if (n > LX_INV_MAX_PAX) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "%zu passengers: one booking holds 1 to %d; make several bookings (rule "
                 "max_passengers)",
                 n, LX_INV_MAX_PAX);
        *err = lx_api_reply_rule(resp, LX_RULE, msg,
                                 json_pack("{s:s, s:i}", "rule", "max_passengers",
                                           "max_passengers", LX_INV_MAX_PAX));
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(arr, i);
        char prefix[32], fname[48], fdoc[48], fpax[32];
        snprintf(prefix, sizeof prefix, "passengers[%zu].", i);
        snprintf(fpax, sizeof fpax, "passengers[%zu]", i);
        snprintf(fname, sizeof fname, "passengers[%zu].name", i);
        snprintf(fdoc, sizeof fdoc, "passengers[%zu].document", i);
        if (!json_is_object(p))
            return body_error(resp, err, LX_INVAL, fpax,
                              "each passenger must be an object {\"name\", \"document\"}");
        const char *name, *doc;
        if (!lx_api_only_known(p, known, prefix, resp, err) ||
            !lx_api_want_string(p, "name", fname, sizeof q->pax[i].name - 1, resp, err, &name) ||
            !lx_api_want_string(p, "document", fdoc, sizeof q->pax[i].document - 1, resp, err, &doc))
            return 0;
        for (const char *c = name; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                return body_error(resp, err, LX_INVAL, fname,
                                  "a passenger's name may not hold control characters");
        for (const char *c = doc; *c; c++)
            if ((unsigned char)*c <= 0x20 || *c == 0x7f)
                return body_error(resp, err, LX_INVAL, fdoc,
                                  "a travel document number may not hold spaces or control "
                                  "characters");
        snprintf(q->pax[i].name, sizeof q->pax[i].name, "%s", name);
        snprintf(q->pax[i].document, sizeof q->pax[i].document, "%s", doc);
        if (!read_pax_extra(p, i, &q->pax[i], now, resp, err))
            return 0;
    }
    q->n = (uint32_t)n;
    return 1;
}

/* seats (optional): ["03-05A", ...], at most one per passenger, each once */
static int read_seats(json_t *body, lx_book_req *q, lx_srv_resp *resp, lx_err *err)
{
    json_t *arr = json_object_get(body, "seats");
    if (!arr || json_is_null(arr))
        return 1;
    if (!json_is_array(arr))
        return body_error(resp, err, LX_INVAL, "seats",
                          "'seats' must be an array of seat labels such as \"03-05A\"");
    size_t n = json_array_size(arr);
    char msg[160];
    if (n > q->n) {
        snprintf(msg, sizeof msg, "%zu seats named for %u passenger%s", n, q->n,
                 q->n == 1 ? "" : "s");
        return body_error(resp, err, LX_INVAL, "seats", msg);
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (!s || !*s || strlen(s) > 16)
            return body_error(resp, err, LX_INVAL, "seats",
                              "each seat must be a label such as \"03-05A\" (coach-row letter)");
        for (size_t k = 0; k < i; k++)
            if (!strcasecmp(s, q->seats[k])) {
                snprintf(msg, sizeof msg, "seat %s is named twice", s);
                return body_error(resp, err, LX_INVAL, "seats", msg);
            }
        q->seats[i] = s;
    }
    return 1;
}

/* seat_preference (optional): "window" or "aisle", a wish honoured when a seat allows */
int lx_api_read_pref(json_t *body, lx_book_req *q, lx_srv_resp *resp, lx_err *err)
{
    json_t *v = json_object_get(body, "seat_preference");
    const char *s = json_string_value(v);
    q->pref = LX_SEAT_ANY;
    if (!v || json_is_null(v))
        return 1;
    if (s && !strcmp(s, "window"))
        q->pref = LX_SEAT_WINDOW;
    else if (s && !strcmp(s, "aisle"))
        q->pref = LX_SEAT_AISLE;
    else
        return body_error(resp, err, LX_INVAL, "seat_preference",
                          "'seat_preference' must be \"window\" or \"aisle\"");
    return 1;
}

/* ---- the bookings ---- */

/* The ids of the legs of the order's journey (GET /api/v1/journey-bookings/{id}), in
 * travel order, or null when it was sold alone; NULL without memory. */
static json_t *journey_ids(const lx_book_order *o)
{
    if (!o->journey[0])
        return json_null();
    char ids[sizeof o->journey];
    json_t *a = json_array();
    snprintf(ids, sizeof ids, "%s", o->journey);
    for (char *save = NULL, *tok = strtok_r(ids, " ", &save); a && tok;
         tok = strtok_r(NULL, " ", &save))
        if (json_array_append_new(a, json_string(tok))) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

lx_err lx_api_booking_json(const req *r, lx_srv_resp *resp, const lx_book_order *o,
                           json_t **out)
{
    *out = NULL;
    json_t *b = lx_view_booking(r->api->net, o);
    if (!b)
        return LX_NOMEM;
    /* seconds left to pay, by the server's clock (which LANXANG_NOW may fix: a browser
     * counts down from this rather than comparing expires_at with its own clock) */
    lx_instant_t left = o->expires_at - lx_api_now(r->api);
    if (json_object_set_new(b, "expires_in", o->state == LX_ORDER_HELD
                                                 ? json_integer(left > 0 ? left : 0)
                                                 : json_null()) ||
        json_object_set_new(b, "journey", journey_ids(o))) {
        json_decref(b);
        return LX_NOMEM;
    }
    const lx_ticket_keys *keys = r->api->keys;
    if (o->state != LX_ORDER_CONFIRMED || !keys) {
        *out = b;
        return LX_OK;
    }
    /* a confirmed order: each ticket with its signed payload (docs/tickets.md). Signing
     * is deterministic (Ed25519), so every answer carries the same payloads. */
    char payloads[LX_INV_MAX_PAX][LX_TICKET_TEXT_MAX];
    uint32_t n = 0;
    lx_err e = lx_ticket_issue(o, keys->sk, payloads, &n);
    if (e) {
        json_decref(b);
        return lx_api_reply_errorf(resp, e == LX_CONFLICT ? LX_INTERNAL : e, NULL,
                                   "the tickets of booking %s cannot be made: %s", o->id,
                                   lx_strerror(e));
    }
    json_t *tickets = json_object_get(b, "tickets");
    for (uint32_t i = 0; i < n; i++) {
        json_t *t = json_array_get(tickets, i);
        if (t && json_object_set_new(t, "qr_payload", json_string(payloads[i]))) {
            json_decref(b);
            return LX_NOMEM;
        }
    }
    *out = b;
    return LX_OK;
}

lx_err lx_api_reply_booking(const req *r, lx_srv_resp *resp, int status,
                            const lx_book_order *o, const char *name, json_t *extra)
{
    json_t *b;
    lx_err e = lx_api_booking_json(r, resp, o, &b);
    if (!b) {
        json_decref(extra);
        return e;
    }
    if (name && json_object_set_new(b, name, extra ? extra : json_null())) {
        json_decref(b);
        return LX_NOMEM;
    }
    return lx_api_reply(resp, status, b);
}

lx_err lx_api_h_book(const req *r, lx_srv_resp *resp)
{
    static const char *const known[] = {"train", "date",       "from",  "to",
                                        "class", "passengers", "seats", "seat_preference",
                                        "user",  NULL};
    lx_err err = LX_OK;
    json_t *body;
    lx_book_req q;
    lx_api_trip t;
    if (!lx_api_read_booking(r, resp, &err, known, &body, &q, &t))
        return err;
    if (!read_seats(body, &q, resp, &err) || !lx_api_read_pref(body, &q, resp, &err) ||
        (json_object_get(body, "user") &&
         !lx_api_want_string(body, "user", "user", 64, resp, &err, &q.user))) {
        json_decref(body);
        return err;
    }
    const lx_api *api = r->api;
    lx_journey j;
    char msg[1024] = "";
    if (!lx_api_journey_req(r, resp, &err, &t, &j, &q)) {
        json_decref(body);
        return err;
    }
    lx_instant_t now = lx_api_now(api);
    lx_book_order o;
    lx_err e = lx_book_hold(api->book, &q, now, &o, msg, sizeof msg);
    /* the seat labels point into body: every message is made before it goes */
    uint32_t n_seats = 0;
    char list[128] = "";
    size_t k = 0;
    while (n_seats < q.n && q.seats[n_seats]) {
        if (k < sizeof list)
            k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", n_seats ? ", " : "",
                                  q.seats[n_seats]);
        n_seats++;
    }
    json_decref(body);
    switch (e) {
    case LX_OK:
        e = lx_api_reply_booking(r, resp, 201, &o, NULL, NULL);
        if (e == LX_OK && resp->status == 201)
            snprintf(resp->location, sizeof resp->location, "/api/v1/bookings/%s", o.id);
        return e;
    case LX_NOMEM:
    case LX_SOLDOUT:
    case LX_CLOSED:
    case LX_RULE:
        return lx_api_reply_refused(r, resp, e, &j, q.n, q.cls, msg, sizeof msg);
    case LX_TAKEN:
        return lx_api_reply_errorf(resp, e, "seats", "seat %s is not free from %s to %s on %s %s",
                                   list, j.from_name, j.to_name, j.train, j.date);
    case LX_INVAL:
        if (n_seats) /* train, stations and class were checked above */
            return lx_api_reply_errorf(resp, e, "seats", "seat%s %s %s in class %s on %s",
                                       n_seats == 1 ? "" : "s", list,
                                       n_seats == 1 ? "is not" : "are not all", q.cls, j.train);
        /* fall through */
    default:
        return lx_api_reply_errorf(resp, e, n_seats && e == LX_NOTFOUND ? "seats" : NULL,
                                   "%s %s from %s to %s: %s", j.train, j.date, j.from_name,
                                   j.to_name, *msg ? msg : lx_strerror(e));
    }
}

/* The booking id of the path, in capitals (ids are Crockford base32, shown in
 * capitals, accepted in any case). 0 when it cannot be an id (a 404 then). */
int lx_api_path_id(const req *r, char *id)
{
    const char *arg = r->arg[0];
    size_t n = strlen(arg);
    if (n == 0 || n >= LX_BOOK_ID_LEN)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !isalnum((unsigned char)arg[i]))
            return 0;
        id[i] = (char)toupper((unsigned char)arg[i]);
    }
    return 1;
}

lx_err lx_api_no_booking(const req *r, lx_srv_resp *resp)
{
    return lx_api_reply_errorf(resp, LX_NOTFOUND, "id", "no booking '%.40s'", r->arg[0]);
}

int lx_api_find_booking(const req *r, lx_srv_resp *resp, lx_err *err, char *id,
                        lx_book_order *o)
{
    lx_err e = LX_NOTFOUND;
    if (!lx_api_path_id(r, id) || (e = lx_book_get(r->api->book, id, o)) == LX_NOTFOUND) {
        *err = lx_api_no_booking(r, resp);
        return 0;
    }
    if (e) {
        *err = e == LX_NOMEM ? e
                             : lx_api_reply_errorf(resp, e, NULL, "booking %s: %s", id,
                                                   lx_strerror(e));
        return 0;
    }
    return 1;
}

lx_err lx_api_h_booking(const req *r, lx_srv_resp *resp)
{
    lx_err err;
    char id[LX_BOOK_ID_LEN];
    lx_book_order o;
    if (!lx_api_want_book(r, resp, &err) || !lx_api_find_booking(r, resp, &err, id, &o))
        return err;
    lx_instant_t now = lx_api_now(r->api);
    if (o.state == LX_ORDER_HELD && o.expires_at <= now) {
        /* past its deadline before the sweep came by: expire it now, so that it shows as
         * it is (and its seats are free) */
        lx_book_expire(r->api->book, now, NULL);
        if (!lx_api_find_booking(r, resp, &err, id, &o))
            return err;
    }
    return lx_api_reply_booking(r, resp, 200, &o, NULL, NULL);
}

/* Fulfilment (confirm) and cancellation. */
static lx_err life(const req *r, lx_srv_resp *resp, lx_inv_opcode op)
{
    lx_err err = LX_OK;
    char id[LX_BOOK_ID_LEN];
    if (!lx_api_want_book(r, resp, &err))
        return err;
    if (!lx_api_path_id(r, id))
        return lx_api_no_booking(r, resp);
    char payment[64] = "";
    if (op == LX_INV_CONFIRM) {
        /* an optional body: {"payment": "reference"} */
        static const char *const known[] = {"payment", NULL};
        json_t *body;
        if (!lx_api_read_body(r, resp, &err, 1, &body))
            return err;
        json_t *p = json_object_get(body, "payment");
        int ok = lx_api_only_known(body, known, "", resp, &err);
        if (ok && p && !json_is_null(p)) {
            const char *s;
            ok = lx_api_want_string(body, "payment", "payment", sizeof payment - 1, resp, &err, &s);
            if (ok)
                snprintf(payment, sizeof payment, "%s", s);
        }
        json_decref(body);
        if (!ok)
            return err;
    }
    lx_book *book = r->api->book;
    lx_instant_t now = lx_api_now(r->api);
    lx_book_order o, cur;
    char msg[1024] = "";
    lx_err e = op == LX_INV_CONFIRM ? lx_book_confirm(book, id, NULL, payment, now, &o, msg,
                                                      sizeof msg)
                                    : lx_book_cancel(book, id, NULL, now, &o, msg, sizeof msg);
    if (e == LX_OK) {
        if (op == LX_INV_CANCEL)
            lx_api_seats_returned(r->api); /* the waitlist may take the seats */
        return lx_api_reply_booking(r, resp, 200, &o, NULL, NULL);
    }
    int have = lx_book_get(book, id, &cur) == LX_OK;
    const char *verb = op == LX_INV_CONFIRM ? "confirmed" : "cancelled";
    switch (e) {
    case LX_NOMEM:
        return e;
    case LX_NOTFOUND:
        return lx_api_no_booking(r, resp);
    case LX_EXPIRED:
        return lx_api_reply_errorf(resp, e, "id",
                                   "booking %s cannot be %s: its hold expired and the seats are "
                                   "free again (book anew)",
                                   id, verb);
    case LX_FORBIDDEN:
        return lx_api_reply_errorf(resp, e, "id", "booking %s belongs to another owner", id);
    case LX_CONFLICT:
        return lx_api_reply_errorf(resp, e, "id",
                                   "booking %s is %s: only a provisional booking can be %s", id,
                                   have ? lx_view_booking_state(cur.state) : "in another state",
                                   verb);
    default:
        return lx_api_reply_errorf(resp, e, NULL, "booking %s cannot be %s: %s", id, verb,
                                   *msg ? msg : lx_strerror(e));
    }
}

lx_err lx_api_h_fulfil(const req *r, lx_srv_resp *resp)
{
    return life(r, resp, LX_INV_CONFIRM);
}

lx_err lx_api_h_cancel(const req *r, lx_srv_resp *resp)
{
    return life(r, resp, LX_INV_CANCEL);
}

/* ---- the gate ---- */

void lx_api_set_tickets(lx_api *api, lx_store *store, const lx_ticket_keys *keys)
{
    api->store = store;
    api->keys = keys;
}

/* The check-ins go through the catalog's one SQLite connection, which the workers would
 * otherwise share between a statement and its sqlite3_changes(); one scan at a time. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;




lx_err lx_api_h_gate_scan(const req *r, lx_srv_resp *resp)
{
    static const char *const known[] = {"payload", "station", NULL};
    const lx_api *api = r->api;
    lx_err err = LX_OK;
    json_t *body;
    if (!lx_api_want_book(r, resp, &err))
        return err;
    if (!api->keys || !api->store)
        return lx_api_reply_errorf(resp, LX_BUSY, NULL, "this server has no ticket keys");
    if (!read_body_as(r, resp, &err, 0, LX_INVAL, &body))
        return err;
    const char *payload, *station = NULL;
    json_t *sv = json_object_get(body, "station");
    if (!lx_api_only_known(body, known, "", resp, &err) ||
        !lx_api_want_string(body, "payload", "payload", 4096, resp, &err, &payload) ||
        (sv && !json_is_null(sv) &&
         !lx_api_want_string(body, "station", "station", 256, resp, &err, &station))) {
        json_decref(body);
        return err;
    }

    /* the station: a stop_id as is, and every station the name resolves to (as the
     * command's --station) */
    lx_ticket_check check;
    memset(&check, 0, sizeof check);
    const char *ids[LX_VIEW_GATE_IDS];
    uint32_t n_ids = 0;
    if (station) {
        n_ids = lx_view_gate_station_ids(api->net, station, ids, LX_VIEW_GATE_IDS);
        check.stations = ids;
        check.n_stations = n_ids;
    }
    lx_instant_t now = lx_api_now(api), first = 0;
    lx_ticket t;
    lx_ticket_result res = LX_TICKET_MALFORMED;
    char msg[1024] = "";
    pthread_mutex_lock(&gate_mu);
    lx_err e = lx_ticket_gate(api->store, api->book, api->keys->pk, payload, &check,
                              n_ids > 1 ? ids[1] : station, now, &res, &t, &first, msg,
                              sizeof msg);
    pthread_mutex_unlock(&gate_mu);
    json_decref(body); /* payload and station are not used below */
    if (e)
        return e == LX_NOMEM ? e
                             : lx_api_reply_errorf(resp, e, NULL,
                                                   "the scan could not be recorded: %s",
                                                   lx_strerror(e));
    lx_err verdict = lx_ticket_result_err(res);
    size_t len = strlen(msg);
    while (len && !lx_api_valid_utf8(msg))
        msg[--len] = 0;
    json_t *v = verdict ? lx_view_error(verdict, *msg ? msg : NULL, "payload") : json_object();
    char at[32];
    if (v && (json_object_set_new(v, "accepted", json_boolean(res == LX_TICKET_ACCEPTED)) ||
              json_object_set_new(v, "result", json_string(lx_ticket_result_code(res))))) {
        json_decref(v);
        v = NULL;
    }
    if (v && res != LX_TICKET_MALFORMED && res != LX_TICKET_BAD_SIGNATURE &&
        json_object_set_new(v, "ticket", lx_view_ticket(&t))) {
        json_decref(v);
        v = NULL;
    }
    if (v && res == LX_TICKET_ACCEPTED) {
        lx_view_iso_utc(now, at, sizeof at);
        json_object_set_new(v, "checked_in_at", json_string(at));
    }
    if (v && res == LX_TICKET_ALREADY_USED) {
        lx_view_iso_utc(first, at, sizeof at);
        json_object_set_new(v, "first_checked_in_at", json_string(at));
    }
    return lx_api_reply(resp, lx_err_http_status(verdict), v);
}

/* ---- a ticket's QR code as an image ---- */

/* GET /api/v1/bookings/{id}/tickets/{n}/qr.svg: ticket n (1-based) of a confirmed
 * booking, its qr_payload drawn as SVG (lx_ticket_qr_svg). */
lx_err lx_api_h_ticket_qr(const req *r, lx_srv_resp *resp)
{
    const lx_api *api = r->api;
    lx_err err;
    char id[LX_BOOK_ID_LEN];
    if (!lx_api_want_book(r, resp, &err))
        return err;
    if (!api->keys)
        return lx_api_reply_errorf(resp, LX_BUSY, NULL, "this server has no ticket keys");
    lx_book_order o;
    if (!lx_api_find_booking(r, resp, &err, id, &o))
        return err;
    const char *arg = r->arg[1];
    char *end;
    unsigned long n = strtoul(arg, &end, 10);
    if (*end || arg[0] < '1' || arg[0] > '9' || n > o.n)
        return lx_api_reply_errorf(resp, LX_NOTFOUND, "n",
                                   "booking %s has no ticket '%.20s' (its tickets are 1 to %u)",
                                   id, arg, o.n);
    if (o.state != LX_ORDER_CONFIRMED)
        return lx_api_reply_errorf(resp, LX_CONFLICT, "id",
                                   "booking %s is %s: only a confirmed booking has tickets", id,
                                   lx_view_booking_state(o.state));
    char payloads[LX_INV_MAX_PAX][LX_TICKET_TEXT_MAX];
    uint32_t count = 0;
    char *svg = NULL;
    lx_err e;
    if ((e = lx_ticket_issue(&o, api->keys->sk, payloads, &count)) == LX_OK && n <= count)
        e = lx_ticket_qr_svg(payloads[n - 1], &svg);
    if (e || !svg)
        return e == LX_NOMEM ? e
                             : lx_api_reply_errorf(resp, LX_INTERNAL, NULL,
                                                   "the QR code of ticket %lu of %s cannot be "
                                                   "made: %s",
                                                   n, id, lx_strerror(e));
    resp->status = 200;
    resp->content_type = "image/svg+xml";
    resp->body = svg;
    resp->len = strlen(svg);
    return LX_OK;
}
