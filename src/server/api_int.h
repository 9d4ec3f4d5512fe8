/* Inside the JSON API: what api.c (routing, decoding, the read-only endpoints) shares
 * with api_book.c (offers and the booking life cycle), api_seats.c (the seat map) and
 * api_refund.c (refund offers and refunds). */
#ifndef LX_API_INT_H
#define LX_API_INT_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "lanxang/book.h"
#include "lanxang/ticket.h"
#include "lanxang/waitlist.h"
#include "server_int.h"
#include "view/journey.h"

/* Languages a request may ask for (the ones the built-in feed and the web page
 * carry). NAME_STOP is the feed's own stop_name. */
enum { NAME_STOP, NAME_EN, NAME_LO, NAME_ZH, NAME_CODE, N_NAMES };

typedef struct {
    lx_place place;
    char *folded[N_NAMES]; /* folded names and code; "" when absent */
} pub_station;

struct lx_api {
    const lx_net *net;
    pub_station *st;
    uint32_t n_st;
    uint32_t *feed_stations; /* public stations per feed */
    uint64_t trips;          /* over every feed */
    lx_book *book;           /* NULL: no bookings served (lx_api_set_book) */
    char seller[3];          /* "" any journey, else the country whose journeys it sells */
    lx_store *store;         /* the catalog, for check-ins at the gate (lx_api_set_tickets) */
    const lx_ticket_keys *keys; /* NULL: no qr_payload, the gate answers 503 */
    lx_instant_t fixed_now; /* 0: the system clock; else the time, fixed (LANXANG_NOW) */
    lx_wait *wait;           /* the waitlist (api_wait.c): opened on first use, closed by
                                lx_api_destroy */
    struct lx_api_plans *plans; /* the journey planner and its queries (api_plan.c) */
};

#define MAX_SEGS 8
#define MAX_PARAMS 16

/* One request, decoded. Every string is valid UTF-8 without NUL and lives until the
 * answer is made. */
typedef struct {
    const lx_api *api;
    const char *method;
    char *segs[MAX_SEGS];
    uint32_t n_segs;
    struct {
        const char *key, *val;
    } params[MAX_PARAMS];
    uint32_t n_params;
    const char *arg[2];   /* the "{}" captures of the matched route */
    const char *body;     /* the request body as sent (not NUL-terminated), may be NULL */
    size_t body_len;
} req;

/* The first value of a query parameter, or NULL. */
const char *lx_api_param(const req *r, const char *key);
int lx_api_valid_utf8(const char *s);

/* Answers: j is a reference the function takes over (NULL: out of memory). Each
 * returns LX_OK, or LX_NOMEM when the answer could not be made. */
lx_err lx_api_reply(lx_srv_resp *resp, int status, json_t *j);
lx_err lx_api_reply_error(lx_srv_resp *resp, lx_err e, const char *msg, const char *field);
/* The error answer of a refused passenger rule: {"error": {"code", "message", "field":
 * null, "rule", "open_at"?, "close_at", "max_passengers"}}, status by e (LX_RULE 422),
 * from sales (lx_view_sales, taken over; may be NULL). */
lx_err lx_api_reply_rule(lx_srv_resp *resp, lx_err e, const char *msg, json_t *sales);
lx_err lx_api_reply_errorf(lx_srv_resp *resp, lx_err e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
lx_err lx_api_missing(lx_srv_resp *resp, const char *name);
/* The required "from" and "to" parameters of a search. 1, or 0 with an error answer
 * made (*err tells whether that succeeded). */
int lx_api_want_from_to(const req *r, lx_srv_resp *resp, const char **from, const char **to,
                        lx_err *err);
/* The required date parameter, "YYYY-MM-DD". Returns 1 with *day set, or 0 when an
 * error answer was made (*err tells whether that succeeded). */
int lx_api_want_date(const req *r, lx_srv_resp *resp, lx_date_t *day, lx_err *err);

/* ---- shared by the booking handlers (api_book.c, api_seats.c, api_refund.c) ---- */

/* The booking store: 1, or 0 with a 503 answer made when the server has none (*err:
 * whether the answer was made). */
int lx_api_want_book(const req *r, lx_srv_resp *resp, lx_err *err);
/* The body as a JSON object (NULL body or blanks: {} when may_be_empty). 1 with *out
 * (the caller releases it), or 0 with an answer made: text that is not JSON is 422
 * malformed, anything but an object 400 invalid. */
int lx_api_read_body(const req *r, lx_srv_resp *resp, lx_err *err, int may_be_empty,
                     json_t **out);
/* Refuses a field of obj not in known (NULL-ended); prefix names the object in the
 * field at fault ("" or "passengers[0]."). 1 when all are known, else 0 with an answer. */
int lx_api_only_known(json_t *obj, const char *const *known, const char *prefix,
                      lx_srv_resp *resp, lx_err *err);
/* A required string field of 1 to max bytes: 1 with *out (alive as long as obj), or 0
 * with an answer naming field. */
int lx_api_want_string(json_t *obj, const char *key, const char *field, size_t max,
                       lx_srv_resp *resp, lx_err *err, const char **out);
/* The body's "passengers" array into q->pax and q->n: [{"name", "document",
 * "document_type"?, "birth_date"?, ...}], 1 to LX_INV_MAX_PAX, each checked. 1, or 0
 * with an error answer made (422 rule max_passengers past the limit). */
int lx_api_read_passengers(json_t *body, lx_book_req *q, lx_instant_t now, lx_srv_resp *resp,
                           lx_err *err);
/* The body's optional "seat_preference" into q->pref: 1, or 0 with an error answer. */
int lx_api_read_pref(json_t *body, lx_book_req *q, lx_srv_resp *resp, lx_err *err);
/* The journey a booking's body names (alive as long as the body). */
typedef struct {
    const char *train, *date, *from, *to, *cls;
} lx_api_trip;
/* A booking's body (POST /bookings, /fare-quotes): the store is there, the body is an
 * object of known fields with its journey (t) and passengers (q, zeroed first). 1 with
 * *body (the caller releases it), or 0 with an answer made (*err). */
int lx_api_read_booking(const req *r, lx_srv_resp *resp, lx_err *err, const char *const *known,
                        json_t **body, lx_book_req *q, lx_api_trip *t);
/* The body's required train, date, from, to and class: 1, or 0 with an answer. */
int lx_api_read_trip(json_t *body, lx_api_trip *t, lx_srv_resp *resp, lx_err *err);
/* The journey of t into *j and q's feed, leg, class and seller: 1, or 0 with an error
 * answer made (*err). */
int lx_api_journey_req(const req *r, lx_srv_resp *resp, lx_err *err, const lx_api_trip *t,
                       lx_journey *j, lx_book_req *q);
/* The answer to a refusal e of the store for n seats on journey j in class cls: 409
 * sold_out, 422 rule_refused or 409 sales_closed naming the rule (msg: the store's,
 * rewritten), else e with msg. */
lx_err lx_api_reply_refused(const req *r, lx_srv_resp *resp, lx_err e,
                            const lx_journey *j, uint32_t n, const char *cls, char *msg,
                            size_t msg_len);
/* api_change.c: POST /api/v1/bookings/{id}/exchanges, POST /api/v1/fare-quotes */
lx_err lx_api_h_exchange(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_fare_quote(const req *r, lx_srv_resp *resp);
/* The booking id of the path's first capture, in capitals, into id (LX_BOOK_ID_LEN
 * bytes); 0 when it cannot be an id. */
int lx_api_path_id(const req *r, char *id);
/* 404 not_found "no booking '...'" (field id). */
lx_err lx_api_no_booking(const req *r, lx_srv_resp *resp);
/* The booking of the path (id in capitals into id, LX_BOOK_ID_LEN bytes) into *o: 1, or
 * 0 with an answer made (404 unknown, or the store's error). */
int lx_api_find_booking(const req *r, lx_srv_resp *resp, lx_err *err, char *id,
                        lx_book_order *o);
/* A booking as the API shows it (lx_view_booking, the tickets' qr_payload when
 * confirmed, expires_in when provisional) into *out: LX_OK; else *out NULL and either
 * an error answer made in resp (the tickets cannot be made) or LX_NOMEM. */
lx_err lx_api_booking_json(const req *r, lx_srv_resp *resp, const lx_book_order *o,
                           json_t **out);
/* Answers with a booking (lx_view_booking, the tickets' qr_payload when confirmed,
 * expires_in when provisional) and, when extra is not NULL, extra as its member name
 * (a reference the function takes over). */
lx_err lx_api_reply_booking(const req *r, lx_srv_resp *resp, int status,
                            const lx_book_order *o, const char *name, json_t *extra);

/* The handlers of api_book.c */
lx_err lx_api_h_offers(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_book(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_booking(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_cancel(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_fulfil(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_gate_scan(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_ticket_qr(const req *r, lx_srv_resp *resp);
/* api_seats.c: GET /api/v1/trains/{train}/seats */
lx_err lx_api_h_seats(const req *r, lx_srv_resp *resp);
/* api_refund.c: POST /api/v1/bookings/{id}/refund-offers and .../refunds, and the same
 * for a whole journey: POST /api/v1/journey-bookings/{id}/refund-offers and .../refunds */
lx_err lx_api_h_refund_offer(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_refund(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_journey_refund_offer(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_journey_refund(const req *r, lx_srv_resp *resp);
/* api_wait.c: POST /api/v1/waitlist, GET and DELETE /api/v1/waitlist/{id} */
lx_err lx_api_h_wait_add(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_wait_get(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_wait_cancel(const req *r, lx_srv_resp *resp);
/* Seats came back (a cancel, a refund, an exchange, expired holds): sells them to the
 * waitlist's oldest requests (lx_wait_run at the API's now). Cheap when no request is
 * open; does nothing when the API has no booking store or catalog. */
void lx_api_seats_returned(const lx_api *api);
/* The API's waitlist, opened on first use; NULL when it has none (no booking store or
 * catalog, or it cannot open: said on stderr). */
lx_wait *lx_api_wait(const lx_api *api);
/* api_plan.c: the journey planner, built by lx_api_create (lx_api_plans_open) and
 * destroyed by lx_api_destroy (lx_api_plans_close, NULL plans: a no-op); GET
 * /api/v1/journeys and the journey bookings: POST /api/v1/journey-bookings, GET and
 * DELETE /api/v1/journey-bookings/{id}, POST .../{id}/fulfillments */
lx_err lx_api_plans_open(lx_api *api);
void lx_api_plans_close(lx_api *api);
lx_err lx_api_h_journeys(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_journey_book(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_journey_booking(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_journey_fulfil(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_journey_cancel(const req *r, lx_srv_resp *resp);
/* The legs of the journey booking of the path (any leg's id) into o[0 .. *n-1]
 * (LX_BOOK_MAX_LEGS), in travel order: 1, or 0 with an answer made (404 unknown). */
int lx_api_journey_orders(const req *r, lx_srv_resp *resp, lx_err *err, lx_book_order *o,
                          uint32_t *n);
/* Answers with the journey booking of the legs o[0 .. n-1] and, when name is not NULL,
 * extra as its member name (a reference the function takes over, NULL: null). */
lx_err lx_api_reply_journey(const req *r, lx_srv_resp *resp, int status,
                            const lx_book_order *o, uint32_t n, const char *name,
                            json_t *extra);
/* Names leg i (0-based) in the error answer resp holds: its field "legs[i].FIELD" (or
 * "legs[i]") and its message "leg i+1: ...", unless they name it already. err passes
 * through; an answer that is no error is left alone. */
lx_err lx_api_name_leg(lx_srv_resp *resp, lx_err err, size_t i);
/* metrics.c: GET /metrics and GET /api/v1/openapi.json */
lx_err lx_api_h_metrics(const req *r, lx_srv_resp *resp);
lx_err lx_api_h_openapi(const req *r, lx_srv_resp *resp);

/* E-tickets: the catalog of the data directory (check-ins) and its ticket keys, both
 * kept open by the caller while the API lives; NULL keys: none issued or checked. Call
 * before the API is shared between threads. */
void lx_api_set_tickets(lx_api *api, lx_store *store, const lx_ticket_keys *keys);

#endif
