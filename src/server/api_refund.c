/* Refunds over HTTP, in two steps after OSDM (an offer, then its acceptance):
 *
 *   POST /api/v1/bookings/{id}/refund-offers   201 {"id","booking","fee","amount",
 *                                               "currency","valid_until"}
 *   POST /api/v1/bookings/{id}/refunds         {"refund_offer": ID} -> 200 the booking,
 *                                               state "refunded", with "refund"
 *
 * The fee is lx_refund_quote_at's (src/core/fees.c: by the time left before the
 * journey's departure). An offer is stateless: its id is the offer itself, base64url of
 *
 *   version (1) | booking id (13) | fee (8) | amount (8) | currency (3) |
 *   valid_until (8) | MAC (crypto_auth, 32)          integers big-endian
 *
 * so nothing is stored until the refund, and a client cannot alter the fee: the MAC
 * (HMAC-SHA-512-256) is keyed with a key derived (crypto_kdf, context "lxrefund") from
 * the data directory's ticket key, which never leaves the server. An offer is good up to
 * and including valid_until — the end of its fee bracket, the departure, or 15 minutes
 * after it was made, whichever comes first — so the fee it names is the fee of the
 * moment it is accepted; the refund checks that again all the same.
 *
 * The store keeps no fee: the refund's answer tells it ("refund"), the order keeps its
 * state "refunded" (docs/api.md). A refunded ticket is refused at the gate
 * (lx_ticket_gate: not_valid).
 */
#include "api_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "lanxang/fees.h"
#include "view/view.h"

#define OFFER_VERSION 1
#define OFFER_ID_LEN 13 /* the characters of a booking id */
#define OFFER_DATA (1 + OFFER_ID_LEN + 8 + 8 + 3 + 8)
#define OFFER_BIN (OFFER_DATA + crypto_auth_BYTES)
#define OFFER_TEXT 160

typedef struct {
    char booking[LX_BOOK_ID_LEN];
    int64_t fee, amount;
    char currency[4];
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

/* The offer's text into out (OFFER_TEXT bytes). */
static void offer_encode(const lx_api *api, const offer *o, char *out)
{
    uint8_t bin[OFFER_BIN], key[crypto_auth_KEYBYTES], *p = bin;
    *p++ = OFFER_VERSION;
    memset(p, 0, OFFER_ID_LEN);
    memcpy(p, o->booking, strnlen(o->booking, OFFER_ID_LEN));
    p += OFFER_ID_LEN;
    put64(p, o->fee);
    put64(p + 8, o->amount);
    memcpy(p + 16, o->currency, 3);
    put64(p + 19, o->valid_until);
    offer_key(api, key);
    crypto_auth(bin + OFFER_DATA, bin, OFFER_DATA, key);
    sodium_memzero(key, sizeof key);
    lx_ticket_b64_encode(bin, sizeof bin, out, OFFER_TEXT);
}

/* 1 with *o when text is an offer this server made, untouched; else 0. */
static int offer_decode(const lx_api *api, const char *text, offer *o)
{
    uint8_t bin[OFFER_BIN + 1], key[crypto_auth_KEYBYTES];
    long n = lx_ticket_b64_decode(text, strlen(text), bin, sizeof bin);
    if (n != OFFER_BIN || bin[0] != OFFER_VERSION)
        return 0;
    offer_key(api, key);
    int ok = crypto_auth_verify(bin + OFFER_DATA, bin, OFFER_DATA, key) == 0;
    sodium_memzero(key, sizeof key);
    if (!ok)
        return 0;
    memset(o, 0, sizeof *o);
    memcpy(o->booking, bin + 1, OFFER_ID_LEN);
    const uint8_t *p = bin + 1 + OFFER_ID_LEN;
    o->fee = get64(p);
    o->amount = get64(p + 8);
    memcpy(o->currency, p + 16, 3);
    o->valid_until = get64(p + 19);
    return 1;
}

/* The confirmed booking of the path into *o, or 0 with an answer: 503 without keys,
 * 404 unknown, 409 not confirmed. */
static int confirmed_booking(const req *r, lx_srv_resp *resp, lx_err *err, lx_book_order *o)
{
    char id[LX_BOOK_ID_LEN];
    if (!r->api->keys) {
        *err = lx_api_reply_errorf(resp, LX_BUSY, NULL, "this server has no ticket keys");
        return 0;
    }
    if (!lx_api_find_booking(r, resp, err, id, o))
        return 0;
    if (o->state != LX_ORDER_CONFIRMED) {
        *err = lx_api_reply_errorf(resp, LX_CONFLICT, "id",
                                   "booking %s is %s: only a confirmed booking can be refunded",
                                   id, lx_view_booking_state(o->state));
        return 0;
    }
    return 1;
}

/* The quote of a confirmed order at now, or 0 with an answer (the train has left, or
 * no price is known). */
static int quote(const lx_book_order *o, lx_instant_t now, lx_srv_resp *resp, lx_err *err,
                 lx_refund_quote *q)
{
    /* a changed ticket's fee follows its original's rules (lx_book_exchange) */
    lx_err e = lx_refund_quote_changed(o->price, o->currency, o->departure, o->fee_departure, now,
                                       q);
    if (e == LX_OK && o->currency[0])
        return 1;
    char dep[32];
    lx_view_iso_utc(o->departure, dep, sizeof dep);
    if (e == LX_CLOSED)
        *err = lx_api_reply_errorf(resp, LX_CLOSED, "id",
                                   "booking %s cannot be refunded: its train left at %s", o->id,
                                   dep);
    else
        *err = lx_api_reply_errorf(resp, LX_CONFLICT, "id",
                                   "booking %s has no known price: refund it at a counter",
                                   o->id);
    return 0;
}

lx_err lx_api_h_refund_offer(const req *r, lx_srv_resp *resp)
{
    static const char *const known[] = {NULL};
    lx_err err = LX_OK;
    json_t *body;
    if (!lx_api_want_book(r, resp, &err) || !lx_api_read_body(r, resp, &err, 1, &body))
        return err;
    int ok = lx_api_only_known(body, known, "", resp, &err);
    json_decref(body);
    lx_book_order o;
    lx_refund_quote q;
    lx_instant_t now = lx_api_now(r->api);
    if (!ok || !confirmed_booking(r, resp, &err, &o) || !quote(&o, now, resp, &err, &q))
        return err;
    offer of = {.fee = q.fee, .amount = q.amount, .valid_until = q.valid_until};
    snprintf(of.booking, sizeof of.booking, "%s", o.id);
    snprintf(of.currency, sizeof of.currency, "%s", o.currency);
    char text[OFFER_TEXT], until[32];
    offer_encode(r->api, &of, text);
    lx_view_iso_utc(q.valid_until, until, sizeof until);
    return lx_api_reply(resp, 201,
                        json_pack("{s:s, s:s, s:o, s:o, s:s, s:s}", "id", text, "booking", o.id,
                                  "fee", lx_view_price(q.fee, o.currency), "amount",
                                  lx_view_price(q.amount, o.currency), "currency", o.currency,
                                  "valid_until", until));
}

/* The offer of the body, checked against the booking and the time: 1, or 0 with an
 * answer (422 not an offer of this server or of another booking, 409 expired or no
 * longer the fee of now). */
static int accept_offer(const req *r, lx_srv_resp *resp, lx_err *err, const char *text,
                        const lx_book_order *o, lx_instant_t now, offer *of)
{
    lx_refund_quote q;
    if (!offer_decode(r->api, text, of)) {
        *err = lx_api_reply_errorf(resp, LX_FORMAT, "refund_offer",
                                   "not a refund offer of this server (unknown, altered or "
                                   "malformed): ask for one with POST "
                                   "/api/v1/bookings/%s/refund-offers",
                                   o->id);
        return 0;
    }
    if (strcmp(of->booking, o->id) != 0) {
        *err = lx_api_reply_errorf(resp, LX_FORMAT, "refund_offer",
                                   "this refund offer is for booking %s, not %s", of->booking,
                                   o->id);
        return 0;
    }
    if (now > of->valid_until) {
        char until[32];
        lx_view_iso_utc(of->valid_until, until, sizeof until);
        *err = lx_api_reply_errorf(resp, LX_EXPIRED, "refund_offer",
                                   "the refund offer expired at %s: ask for a new one", until);
        return 0;
    }
    if (!quote(o, now, resp, err, &q))
        return 0;
    if (q.fee != of->fee || q.amount != of->amount || strcmp(of->currency, o->currency)) {
        *err = lx_api_reply_errorf(resp, LX_CONFLICT, "refund_offer",
                                   "the refund of booking %s has changed since the offer: ask "
                                   "for a new one",
                                   o->id);
        return 0;
    }
    return 1;
}

lx_err lx_api_h_refund(const req *r, lx_srv_resp *resp)
{
    static const char *const known[] = {"refund_offer", NULL};
    lx_err err = LX_OK;
    json_t *body;
    if (!lx_api_want_book(r, resp, &err) || !lx_api_read_body(r, resp, &err, 0, &body))
        return err;
    const char *text;
    lx_book_order o;
    offer of;
    lx_instant_t now = lx_api_now(r->api);
    int ok = lx_api_only_known(body, known, "", resp, &err) &&
             lx_api_want_string(body, "refund_offer", "refund_offer", 4096, resp, &err,
                                &text) &&
             confirmed_booking(r, resp, &err, &o) &&
             accept_offer(r, resp, &err, text, &o, now, &of);
    json_decref(body);
    if (!ok)
        return err;
    char msg[1024] = "";
    lx_err e = lx_book_refund(r->api->book, o.id, NULL, now, &o, msg, sizeof msg);
    switch (e) {
    case LX_OK:
        lx_api_seats_returned(r->api); /* the waitlist may take the seats */
        break;
    case LX_NOMEM:
        return e;
    case LX_NOTFOUND:
        return lx_api_no_booking(r, resp);
    case LX_CONFLICT:
        return lx_api_reply_errorf(resp, e, "id",
                                   "booking %s is no longer confirmed: it cannot be refunded",
                                   o.id);
    default:
        return lx_api_reply_errorf(resp, e, NULL, "booking %s cannot be refunded: %s", o.id,
                                   *msg ? msg : lx_strerror(e));
    }
    return lx_api_reply_booking(r, resp, 200, &o, "refund",
                                json_pack("{s:o, s:o, s:s}", "fee",
                                          lx_view_price(of.fee, of.currency), "amount",
                                          lx_view_price(of.amount, of.currency), "currency",
                                          of.currency));
}
