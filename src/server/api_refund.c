/* Refunds over HTTP, in two steps after OSDM (an offer, then its acceptance), of one
 * booking or of every leg of a journey booking (api_plan.c) at once:
 *
 *   POST /api/v1/bookings/{id}/refund-offers   201 {"id","booking","fee","amount",
 *                                               "currency","valid_until"}
 *   POST /api/v1/bookings/{id}/refunds         {"refund_offer": ID} -> 200 the booking,
 *                                               state "refunded", with "refund"
 *   POST /api/v1/journey-bookings/{id}/refund-offers
 *                                              201 {"id","journey","legs": [{"booking",
 *                                               "fee","amount","currency"}],"totals":
 *                                               [{"fee","amount","currency"}],"valid_until"}
 *   POST /api/v1/journey-bookings/{id}/refunds {"refund_offer": ID} -> 200 the journey
 *                                               booking, every leg "refunded", with
 *                                               "refund" {"legs","totals"}
 *
 * The fee is lx_refund_quote_changed's (src/core/fees.c: by the time left before the
 * journey's departure, from the original's when the ticket was changed), leg by leg for
 * a journey, whose legs may be priced in different currencies (LAK, CNY): its totals
 * are per currency. An offer is stateless: its id is the offer itself, base64url of
 *
 *   a booking's:  1 | leg | valid_until (8) | MAC (crypto_auth, 32)
 *   a journey's:  2 | n (1) | leg * n | valid_until (8) | MAC
 *   leg:          booking id (13) | fee (8) | amount (8) | currency (3)
 *                                                           integers big-endian
 *
 * so nothing is stored until the refund, and a client cannot alter the fee: the MAC
 * (HMAC-SHA-512-256) is keyed with a key derived (crypto_kdf, context "lxrefund") from
 * the data directory's ticket key, which never leaves the server. An offer is good up to
 * and including valid_until — the end of its fee bracket (of the leg whose bracket ends
 * first), the departure, or 15 minutes after it was made, whichever comes first — so
 * the fee it names is the fee of the moment it is accepted; the refund checks that
 * again all the same, and a journey's offer is accepted only for the very legs it names.
 *
 * The store keeps the fee with each order (lx_book_refund and lx_book_journey_life with
 * LX_INV_REFUND: refund_fee, GET shows refund_fee and refund_amount); the refund's answer
 * tells it too ("refund"). A journey is refunded all or none. A refunded ticket is
 * refused at the gate (lx_ticket_gate: not_valid). Seats come back: the waitlist's pass
 * runs after a refund.
 */
#include "api_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "lanxang/fees.h"
#include "view/view.h"

#define OFFER_BOOKING 1 /* the first byte of a booking's offer */
#define OFFER_JOURNEY 2 /* ... of a journey's */
#define OFFER_ID_LEN 13 /* the characters of a booking id */
#define OFFER_LEG (OFFER_ID_LEN + 8 + 8 + 3)
#define OFFER_MAX (2 + LX_BOOK_MAX_LEGS * OFFER_LEG + 8 + crypto_auth_BYTES)
#define OFFER_TEXT 256 /* base64url of OFFER_MAX bytes, and a NUL */

typedef struct {
    char booking[LX_BOOK_ID_LEN];
    int64_t fee, amount;
    char currency[4];
} offer_leg;

typedef struct {
    uint8_t kind; /* OFFER_BOOKING or OFFER_JOURNEY */
    uint32_t n;   /* legs: 1 for a booking */
    offer_leg leg[LX_BOOK_MAX_LEGS];
    lx_instant_t valid_until;
} offer;

static void offer_key(const lx_api *api, uint8_t key[crypto_auth_KEYBYTES])
{
    _Static_assert(crypto_kdf_KEYBYTES <= LX_TICKET_SK_LEN, "the seed is the master key");
    crypto_kdf_derive_from_key(key, crypto_auth_KEYBYTES, 1, "lxrefund", api->keys->sk);
}

static void put64(uint8_t *p, int64_t v)
{
    for (int i = 7; i >= 0; i--, v = (int64_t)((uint64_t)v >> 8))
        p[i] = (uint8_t)((uint64_t)v & 0xff);
}

static int64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

/* The bytes an offer of this kind and n legs signs. */
static size_t offer_data_len(uint8_t kind, uint32_t n)
{
    return 1 + (kind == OFFER_JOURNEY) + n * OFFER_LEG + 8;
}

/* The offer's text into out (OFFER_TEXT bytes). */
static void offer_encode(const lx_api *api, const offer *o, char *out)
{
    uint8_t bin[OFFER_MAX], key[crypto_auth_KEYBYTES], *p = bin;
    *p++ = o->kind;
    if (o->kind == OFFER_JOURNEY)
        *p++ = (uint8_t)o->n;
    for (uint32_t i = 0; i < o->n; i++, p += OFFER_LEG) {
        const offer_leg *l = &o->leg[i];
        memset(p, 0, OFFER_ID_LEN);
        memcpy(p, l->booking, strnlen(l->booking, OFFER_ID_LEN));
        put64(p + OFFER_ID_LEN, l->fee);
        put64(p + OFFER_ID_LEN + 8, l->amount);
        memcpy(p + OFFER_ID_LEN + 16, l->currency, 3);
    }
    put64(p, o->valid_until);
    size_t len = offer_data_len(o->kind, o->n);
    offer_key(api, key);
    crypto_auth(bin + len, bin, len, key);
    sodium_memzero(key, sizeof key);
    lx_ticket_b64_encode(bin, len + crypto_auth_BYTES, out, OFFER_TEXT);
}

/* 1 with *o when text is an offer of this kind this server made, untouched; else 0. */
static int offer_decode(const lx_api *api, const char *text, uint8_t kind, offer *o)
{
    uint8_t bin[OFFER_MAX + 1], key[crypto_auth_KEYBYTES];
    long got = lx_ticket_b64_decode(text, strlen(text), bin, sizeof bin);
    if (got < 2 || bin[0] != kind)
        return 0;
    uint32_t n = kind == OFFER_JOURNEY ? bin[1] : 1;
    size_t len = offer_data_len(kind, n);
    if (n < 1 || n > LX_BOOK_MAX_LEGS || (size_t)got != len + crypto_auth_BYTES)
        return 0;
    offer_key(api, key);
    int ok = crypto_auth_verify(bin + len, bin, len, key) == 0;
    sodium_memzero(key, sizeof key);
    if (!ok)
        return 0;
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->n = n;
    const uint8_t *p = bin + 1 + (kind == OFFER_JOURNEY);
    for (uint32_t i = 0; i < n; i++, p += OFFER_LEG) {
        offer_leg *l = &o->leg[i];
        memcpy(l->booking, p, OFFER_ID_LEN);
        l->fee = get64(p + OFFER_ID_LEN);
        l->amount = get64(p + OFFER_ID_LEN + 8);
        memcpy(l->currency, p + OFFER_ID_LEN + 16, 3);
    }
    o->valid_until = get64(p);
    return 1;
}

/* 1, or 0 with a 503 answer when this server has no ticket keys (nothing to sign with). */
static int have_keys(const req *r, lx_srv_resp *resp, lx_err *err)
{
    if (r->api->keys)
        return 1;
    *err = lx_api_reply_errorf(resp, LX_BUSY, NULL, "this server has no ticket keys");
    return 0;
}

/* Every one of the n orders confirmed: 1, or 0 with a 409 answer (naming the leg when
 * legs). */
static int all_confirmed(const lx_book_order *o, uint32_t n, int legs, lx_srv_resp *resp,
                         lx_err *err)
{
    for (uint32_t i = 0; i < n; i++)
        if (o[i].state != LX_ORDER_CONFIRMED) {
            *err = lx_api_reply_errorf(resp, LX_CONFLICT, "id",
                                       "booking %s is %s: only a confirmed booking can be "
                                       "refunded",
                                       o[i].id, lx_view_booking_state(o[i].state));
            if (legs)
                *err = lx_api_name_leg(resp, *err, i);
            return 0;
        }
    return 1;
}

/* The confirmed booking of the path into *o, or 0 with an answer: 503 without keys,
 * 404 unknown, 409 not confirmed. */
static int confirmed_booking(const req *r, lx_srv_resp *resp, lx_err *err, lx_book_order *o)
{
    char id[LX_BOOK_ID_LEN];
    return have_keys(r, resp, err) && lx_api_find_booking(r, resp, err, id, o) &&
           all_confirmed(o, 1, 0, resp, err);
}

/* The confirmed legs of the journey booking of the path into o[0 .. *n-1], or 0 with
 * an answer as confirmed_booking's, naming the leg. */
static int confirmed_journey(const req *r, lx_srv_resp *resp, lx_err *err, lx_book_order *o,
                             uint32_t *n)
{
    return have_keys(r, resp, err) && lx_api_journey_orders(r, resp, err, o, n) &&
           all_confirmed(o, *n, 1, resp, err);
}

/* The quote of a confirmed order at now, or 0 with an answer (the train has left, or
 * no price is known). */
static int quote(const lx_book_order *o, lx_instant_t now, lx_srv_resp *resp, lx_err *err,
                 lx_refund_quote *q)
{
    /* a changed ticket's fee follows its original's rules (lx_book_exchange) */
    lx_err e =
        lx_refund_quote_changed(o->price, o->currency, o->departure, o->fee_departure, now, q);
    if (e == LX_OK && o->currency[0])
        return 1;
    char dep[32];
    lx_view_iso_utc(o->departure, dep, sizeof dep);
    if (e == LX_CLOSED)
        *err =
            lx_api_reply_errorf(resp, LX_CLOSED, "id",
                                "booking %s cannot be refunded: its train left at %s", o->id, dep);
    else
        *err = lx_api_reply_errorf(resp, LX_CONFLICT, "id",
                                   "booking %s has no known price: refund it at a counter", o->id);
    return 0;
}

/* The offer of the confirmed orders o[0 .. n-1] at now into *of (every leg's quote, good
 * until the first leg's ends), or 0 with an answer naming the leg (of a journey). */
static int make_offer(uint8_t kind, const lx_book_order *o, uint32_t n, lx_instant_t now,
                      lx_srv_resp *resp, lx_err *err, offer *of)
{
    memset(of, 0, sizeof *of);
    of->kind = kind;
    of->n = n;
    for (uint32_t i = 0; i < n; i++) {
        lx_refund_quote q;
        if (!quote(&o[i], now, resp, err, &q)) {
            if (kind == OFFER_JOURNEY)
                *err = lx_api_name_leg(resp, *err, i);
            return 0;
        }
        offer_leg *l = &of->leg[i];
        snprintf(l->booking, sizeof l->booking, "%s", o[i].id);
        snprintf(l->currency, sizeof l->currency, "%s", o[i].currency);
        l->fee = q.fee;
        l->amount = q.amount;
        if (!i || q.valid_until < of->valid_until)
            of->valid_until = q.valid_until;
    }
    return 1;
}

/* {["booking",] "fee", "amount", "currency"} of a leg of an offer. */
static json_t *leg_json(const offer_leg *l, int booking)
{
    json_t *j = json_pack("{s:o, s:o, s:s}", "fee", lx_view_price(l->fee, l->currency), "amount",
                          lx_view_price(l->amount, l->currency), "currency", l->currency);
    if (j && booking && json_object_set_new(j, "booking", json_string(l->booking))) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* {"legs": [leg], "totals": [{"fee", "amount", "currency"}]} of a journey's offer: the
 * sums per currency, in the order the legs name them. */
static json_t *journey_json(const offer *of)
{
    offer_leg sum[LX_BOOK_MAX_LEGS];
    uint32_t m = 0;
    json_t *legs = json_array(), *totals = json_array();
    for (uint32_t i = 0; i < of->n; i++) {
        const offer_leg *l = &of->leg[i];
        uint32_t k = 0;
        while (k < m && strcmp(sum[k].currency, l->currency))
            k++;
        if (k == m) {
            sum[m] = *l;
            sum[m].fee = sum[m].amount = 0;
            m++;
        }
        sum[k].fee += l->fee;
        sum[k].amount += l->amount;
        if (legs && json_array_append_new(legs, leg_json(l, 1))) {
            json_decref(legs);
            legs = NULL;
        }
    }
    for (uint32_t k = 0; totals && k < m; k++)
        if (json_array_append_new(totals, leg_json(&sum[k], 0))) {
            json_decref(totals);
            totals = NULL;
        }
    if (!legs || !totals) {
        json_decref(legs);
        json_decref(totals);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "legs", legs, "totals", totals);
}

/* Answers 201 with the offer: a booking's {"id", "booking", "fee", "amount", "currency",
 * "valid_until"}, a journey's {"id", "journey", "legs", "totals", "valid_until"}. */
static lx_err reply_offer(const req *r, lx_srv_resp *resp, const offer *of)
{
    char text[OFFER_TEXT], until[32];
    offer_encode(r->api, of, text);
    lx_view_iso_utc(of->valid_until, until, sizeof until);
    int journey = of->kind == OFFER_JOURNEY;
    json_t *j = journey ? journey_json(of) : leg_json(&of->leg[0], 1);
    if (j && (json_object_set_new(j, "id", json_string(text)) ||
              (journey && json_object_set_new(j, "journey", json_string(of->leg[0].booking))) ||
              json_object_set_new(j, "valid_until", json_string(until)))) {
        json_decref(j);
        j = NULL;
    }
    return lx_api_reply(resp, 201, j);
}

/* The empty body ({} or none) of an offer request: 1, or 0 with an answer. */
static int no_body(const req *r, lx_srv_resp *resp, lx_err *err)
{
    static const char *const known[] = {NULL};
    json_t *body;
    if (!lx_api_want_book(r, resp, err) || !lx_api_read_body(r, resp, err, 1, &body))
        return 0;
    int ok = lx_api_only_known(body, known, "", resp, err);
    json_decref(body);
    return ok;
}

lx_err lx_api_h_refund_offer(const req *r, lx_srv_resp *resp)
{
    lx_err err = LX_OK;
    lx_book_order o;
    offer of;
    lx_instant_t now = lx_api_now(r->api);
    if (!no_body(r, resp, &err) || !confirmed_booking(r, resp, &err, &o) ||
        !make_offer(OFFER_BOOKING, &o, 1, now, resp, &err, &of))
        return err;
    return reply_offer(r, resp, &of);
}

lx_err lx_api_h_journey_refund_offer(const req *r, lx_srv_resp *resp)
{
    lx_err err = LX_OK;
    lx_book_order o[LX_BOOK_MAX_LEGS];
    uint32_t n = 0;
    offer of;
    lx_instant_t now = lx_api_now(r->api);
    if (!no_body(r, resp, &err) || !confirmed_journey(r, resp, &err, o, &n) ||
        !make_offer(OFFER_JOURNEY, o, n, now, resp, &err, &of))
        return err;
    return reply_offer(r, resp, &of);
}

/* The offer text, checked against the confirmed orders o[0 .. n-1] (a booking, or a
 * journey's legs) and the time: 1 with *of, or 0 with an answer (422 not an offer of
 * this server or of other orders, 409 expired or no longer the fee of now). */
static int accept_offer(const req *r, lx_srv_resp *resp, lx_err *err, const char *text,
                        uint8_t kind, const lx_book_order *o, uint32_t n, lx_instant_t now,
                        offer *of)
{
    int journey = kind == OFFER_JOURNEY;
    const char *what = journey ? "journey" : "booking";
    if (!offer_decode(r->api, text, kind, of)) {
        *err = lx_api_reply_errorf(resp, LX_FORMAT, "refund_offer",
                                   "not a refund offer of this server (unknown, altered or "
                                   "malformed): ask for one with POST "
                                   "/api/v1/%s/%s/refund-offers",
                                   journey ? "journey-bookings" : "bookings", o[0].id);
        return 0;
    }
    int same = of->n == n;
    for (uint32_t i = 0; same && i < n; i++)
        same = !strcmp(of->leg[i].booking, o[i].id);
    if (!same) {
        *err = lx_api_reply_errorf(resp, LX_FORMAT, "refund_offer",
                                   "this refund offer is for %s %s, not %s", what,
                                   of->leg[0].booking, o[0].id);
        return 0;
    }
    if (now > of->valid_until) {
        char until[32];
        lx_view_iso_utc(of->valid_until, until, sizeof until);
        *err = lx_api_reply_errorf(resp, LX_EXPIRED, "refund_offer",
                                   "the refund offer expired at %s: ask for a new one", until);
        return 0;
    }
    offer cur;
    if (!make_offer(kind, o, n, now, resp, err, &cur))
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        const offer_leg *a = &of->leg[i], *b = &cur.leg[i];
        if (a->fee != b->fee || a->amount != b->amount || strcmp(a->currency, b->currency)) {
            char leg[24] = "";
            if (journey)
                snprintf(leg, sizeof leg, "leg %u: ", i + 1);
            *err = lx_api_reply_errorf(resp, LX_CONFLICT, "refund_offer",
                                       "%sthe refund of booking %s has changed since the "
                                       "offer: ask for a new one",
                                       leg, o[i].id);
            return 0;
        }
    }
    return 1;
}

/* The refund_offer of the body: 1 with *text (valid while body lives), or 0 with an
 * answer. */
static int read_offer(const req *r, lx_srv_resp *resp, lx_err *err, json_t **body,
                      const char **text)
{
    static const char *const known[] = {"refund_offer", NULL};
    if (!lx_api_want_book(r, resp, err) || !lx_api_read_body(r, resp, err, 0, body))
        return 0;
    if (lx_api_only_known(*body, known, "", resp, err) &&
        lx_api_want_string(*body, "refund_offer", "refund_offer", 4096, resp, err, text))
        return 1;
    json_decref(*body);
    return 0;
}

/* The answer to a refund of what (booking or journey) id the store refused with e. */
static lx_err refund_refused(const req *r, lx_srv_resp *resp, lx_err e, const char *what,
                             const char *id, const char *msg)
{
    if (e == LX_NOMEM || e == LX_NOTFOUND)
        return e == LX_NOMEM ? e : lx_api_no_booking(r, resp);
    if (e == LX_CONFLICT)
        return lx_api_reply_errorf(resp, e, "id",
                                   "%s %s is no longer confirmed: it cannot be refunded", what, id);
    return lx_api_reply_errorf(resp, e, NULL, "%s %s cannot be refunded: %s", what, id,
                               *msg ? msg : lx_strerror(e));
}

lx_err lx_api_h_refund(const req *r, lx_srv_resp *resp)
{
    lx_err err = LX_OK;
    json_t *body;
    const char *text;
    lx_book_order o;
    offer of;
    lx_instant_t now = lx_api_now(r->api);
    if (!read_offer(r, resp, &err, &body, &text))
        return err;
    int ok = confirmed_booking(r, resp, &err, &o) &&
             accept_offer(r, resp, &err, text, OFFER_BOOKING, &o, 1, now, &of);
    json_decref(body);
    if (!ok)
        return err;
    char msg[1024] = "";
    lx_err e = lx_book_refund(r->api->book, o.id, NULL, now, &o, msg, sizeof msg);
    if (e)
        return refund_refused(r, resp, e, "booking", o.id, msg);
    lx_api_seats_returned(r->api); /* the waitlist may take the seats */
    return lx_api_reply_booking(r, resp, 200, &o, "refund", leg_json(&of.leg[0], 0));
}

lx_err lx_api_h_journey_refund(const req *r, lx_srv_resp *resp)
{
    lx_err err = LX_OK;
    json_t *body;
    const char *text;
    lx_book_order o[LX_BOOK_MAX_LEGS];
    uint32_t n = 0;
    offer of;
    lx_instant_t now = lx_api_now(r->api);
    if (!read_offer(r, resp, &err, &body, &text))
        return err;
    int ok = confirmed_journey(r, resp, &err, o, &n) &&
             accept_offer(r, resp, &err, text, OFFER_JOURNEY, o, n, now, &of);
    json_decref(body);
    if (!ok)
        return err;
    char msg[1024] = "", id[LX_BOOK_ID_LEN];
    snprintf(id, sizeof id, "%s", o[0].id);
    /* every leg or none, each keeping its fee (refund_fee) as lx_book_refund does */
    lx_err e = lx_book_journey_life(r->api->book, id, LX_INV_REFUND, NULL, NULL, now, o, &n, msg,
                                    sizeof msg);
    if (e)
        return refund_refused(r, resp, e, "journey", id, msg);
    lx_api_seats_returned(r->api); /* the waitlist may take the seats */
    return lx_api_reply_journey(r, resp, 200, o, n, "refund", journey_json(&of));
}
