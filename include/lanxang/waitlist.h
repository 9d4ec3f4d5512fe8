/* lanxang: the waitlist (12306 候补, issue 5) over the booking store.
 *
 * A waitlist request is prepaid: the passengers name up to LX_WAIT_MAX_CHOICES
 * (train, date, class) choices between two stations and pay the highest of their
 * prices. When a seat comes back (a cancel, a refund, an expired hold, a quota
 * released), lx_wait_run sells it to the oldest open request one of whose choices it
 * fits, at once, under the order id reserved for the request when it was made, with
 * the payment reference "waitlist:<request id>"; the difference between the prepaid
 * amount and the ticket's price is refunded. A request whose every choice's sales have
 * closed (the cut-off) is refunded in full by the same pass.
 *
 * Requests live in DIR/lanxang.db (table `waitlist`, catalog migration 7), written
 * through a connection of the lx_wait's own (synchronous FULL): a call that changes a
 * request returns LX_OK only once the change is on disk. Document numbers are never
 * kept in clear: a passenger keeps the masked number and the keyed hash, as orders do
 * (src/store/book_docs.c), and the number itself sealed (encrypted) under a key
 * derived from the data directory's document key, for the sale to come.
 *
 * Selling at most once: the request's order id is fixed when the request is made, and
 * the booking store refuses a second order of that id (LX_CONFLICT). A pass that
 * crashes after the sale but before the request's row says so finds the order the next
 * time and marks the request fulfilled from it. Several processes may run passes over
 * one data directory; every change of a row is conditional on its state.
 *
 * Every function is thread-safe (one mutex per lx_wait). `now` is passed in.
 */
#ifndef LANXANG_WAITLIST_H
#define LANXANG_WAITLIST_H

#include <stdint.h>
#include "lanxang/book.h"
#include "lanxang/net.h"
#include "lanxang/store.h"

typedef struct lx_wait lx_wait;

#define LX_WAIT_MAX_CHOICES 4
#define LX_WAIT_ID_LEN LX_BOOK_ID_LEN /* request ids look like order ids */

typedef enum {
    LX_WAIT_OPEN,
    LX_WAIT_FULFILLED,
    LX_WAIT_REFUNDED,  /* the cut-off passed with no seat: the whole amount back */
    LX_WAIT_CANCELLED  /* the passenger withdrew it: the whole amount back */
} lx_wait_state;

/* "open", "fulfilled", "refunded", "cancelled". */
const char *lx_wait_state_name(lx_wait_state s);

/* One choice: a train on a date in a class, resolved into one leg of one run. */
typedef struct {
    uint32_t feed;                /* as asked: the journey, as lx_view_journey gives it */
    lx_leg leg;
    char cls[32];                 /* as the feed spells it */
    /* as told (lx_wait_get): */
    char trip_id[64];
    char train[32];
    int usable;                   /* 0: the feed no longer has this trip (closed) */
    lx_instant_t departure;       /* from the request's first station */
    lx_instant_t sales_close;     /* the cut-off of this choice */
} lx_wait_choice;

typedef struct {
    char id[LX_WAIT_ID_LEN];
    lx_wait_state state;
    lx_instant_t created_at, updated_at;
    char feed[64];                /* the feed of the first choice */
    char from_stop[64], to_stop[64]; /* GTFS stop_ids of the first choice's leg */
    uint32_t n;                   /* passengers 1 .. LX_INV_MAX_PAX */
    lx_book_pax pax[LX_INV_MAX_PAX]; /* as asked: the numbers; as told: masked + hash */
    uint32_t n_choices;           /* 1 .. LX_WAIT_MAX_CHOICES */
    lx_wait_choice choices[LX_WAIT_MAX_CHOICES];
    int64_t amount;               /* prepaid, in the currency's minor unit; -1 no fare */
    char currency[4];
    char payment[64];             /* the prepayment's reference (required) */
    char seller[3];               /* the selling side it was made under ("" any) */
    char booking[LX_BOOK_ID_LEN]; /* the order id reserved for its ticket */
    int fulfilled_choice;         /* index into choices, -1 none */
    int64_t refund;               /* refunded amount, -1 none yet */
    lx_instant_t refunded_at;     /* when it was refunded (0 none) */
} lx_wait_req;

/* Opens the waitlist of the booking store's data directory. The store, the booking
 * store and the network must outlive it. */
lx_err lx_wait_open(lx_store *s, lx_book *b, const lx_net *net, lx_wait **out, char *msg,
                    size_t msg_len);
void lx_wait_close(lx_wait *w);

/* Why lx_wait_add refused a request. */
typedef struct {
    int choice;                   /* the choice at fault, -1 the request as a whole */
    lx_inv_sales sales;           /* its sales rules when one refused (LX_RULE, LX_CLOSED) */
    char rule[32];                /* the refusing rule's name ("" none): "waitlist_choices",
                                     "sales_open", "sales_close", "departed", or the
                                     store's own (documents, selling_side ...) */
} lx_wait_refusal;

/* Records a new request from r's passengers, choices (feed, leg, cls), payment and
 * seller, and fills the rest of r (id, amount, booking ...). Each choice is checked as
 * a sale would be (lx_book_price: class, documents, selling side) and must be on sale
 * at now (open, not yet closed). LX_OK once the row is on disk; LX_RULE (more than
 * LX_WAIT_MAX_CHOICES choices: rule "waitlist_choices"; a sales or store rule),
 * LX_CLOSED (departed), LX_INVAL, LX_NOTFOUND with *why and msg; or the store's error. */
lx_err lx_wait_add(lx_wait *w, lx_wait_req *r, lx_instant_t now, lx_wait_refusal *why,
                   char *msg, size_t msg_len);
/* The request of that id (any case), LX_NOTFOUND when none. */
lx_err lx_wait_get(lx_wait *w, const char *id, lx_wait_req *out);
/* Withdraws an open request, refunding it in full: LX_OK (out, may be NULL, is the
 * request after), LX_NOTFOUND, or LX_CONFLICT when it is no longer open. */
lx_err lx_wait_cancel(lx_wait *w, const char *id, lx_instant_t now, lx_wait_req *out);

/* What one pass did. */
typedef struct {
    uint32_t open;                /* open requests looked at */
    uint32_t fulfilled, refunded;
} lx_wait_stats;

/* The pass: every open request, oldest first (created_at, then id), gets the first of
 * its choices in order that sells (lx_book_hold, confirm, the reserved id); a request
 * whose every choice has closed is refunded in full. O(1) when no request is open
 * (the count is kept in memory and re-read only when another connection changed the
 * database). st may be NULL. Returns LX_OK or the store's error. */
lx_err lx_wait_run(lx_wait *w, lx_instant_t now, lx_wait_stats *st);
/* How many requests are open (as far as this handle knows). */
uint32_t lx_wait_open_count(lx_wait *w);

#endif
