/* lanxang: selling seats durably — the engine (lanxang/inv.h) over the data directory.
 *
 * An lx_book holds the inventory of every feed of a network in memory and the orders
 * in DIR/lanxang.db (table `orders`, one row per order, its latest snapshot; see the
 * essay at the top of src/store/book.c). An operation is acknowledged — the call
 * returns LX_OK — only once its change is committed to disk. Concurrent operations of
 * many threads share one commit (group commit). At open, the inventory is rebuilt
 * from the rows. Several processes may open one data directory: every write
 * transaction first applies the rows other processes wrote since (by `seq`), so all
 * of them sell from the same seats. A failed commit (full disk, I/O error) undoes its
 * changes in memory and returns the error (LX_NOSPACE, LX_IO or LX_STORE): nothing
 * was sold. The one exception is a sync of the disk that fails after the commit: then
 * the outcome is unknown, the operations return LX_IO, and the store refuses every
 * further change with LX_IO until it is opened again (which reads what the disk holds).
 *
 * Every function is thread-safe. `now` is passed in (Unix seconds); lanxang never reads
 * the clock below the command and the server.
 */
#ifndef LANXANG_BOOK_H
#define LANXANG_BOOK_H

#include <stddef.h>
#include <stdint.h>
#include "lanxang/fares.h"
#include "lanxang/inv.h"
#include "lanxang/net.h"
#include "lanxang/store.h"

typedef struct lx_book lx_book;

#define LX_BOOK_ID_LEN 16        /* order id text: 13 characters of Crockford base32 + NUL */
#define LX_BOOK_MAX_LEGS 4       /* legs of a journey sold as one (lx_book_hold_journey) */

typedef struct {
    char name[128];
    char document[64];            /* as asked: the number; as told: masked, "****4567" */
    char doc_hash[33];            /* as told: the keyed hash of the number (hex) */
    char doc_type[16];            /* "passport", "national_id", "family_book"; "" not said */
    char birth_date[11];          /* "YYYY-MM-DD"; "" not said */
    char fare_type[12];           /* "adult" ("" as asked), "child", "infant" (under 6,
                                     no seat of its own), "student" (lanxang/fares.h) */
    int64_t fare;                 /* as told: this passenger's part of the price; -1
                                     unknown */
} lx_book_pax;

/* The kinds of travel document a passenger may show (real-name rules, issue 5). */
int lx_book_doc_type_valid(const char *type);

/* An order as the store tells it. */
typedef struct {
    char id[LX_BOOK_ID_LEN];
    lx_order_state state;
    char feed[64];
    char trip_id[64];             /* GTFS trip_id */
    char train[32];               /* public number */
    lx_date_t service_day;        /* a run is (trip, day): a frequency-based trip's runs of
                                     one day share one inventory, times are the first's */
    char from_stop[64], to_stop[64]; /* GTFS stop_ids */
    uint32_t from_pos, to_pos;    /* positions within the trip */
    lx_instant_t departure, arrival; /* of the journey */
    char cls[32];
    uint32_t n;                   /* seats; pax[0 .. n-1] sit in seats[0 .. n-1] */
    uint32_t n_pax;               /* passengers: the n seated, then infants on a lap */
    char seats[LX_INV_MAX_PAX][12]; /* labels, "03-05A" */
    lx_book_pax pax[LX_INV_MAX_PAX];
    int64_t price;                /* total, in the currency's minor unit; -1 unknown */
    char currency[4];             /* "" when no fare is known */
    lx_instant_t created_at, expires_at, updated_at;
    char payment[64];             /* payment reference given at confirm */
    int64_t refund_fee;           /* refunded: the fee kept (price - fee went back); -1
                                     not refunded, or refunded before fees were kept */
    lx_instant_t fee_departure;   /* the departure refund and change rules count from: a
                                     changed ticket keeps its original's */
    char changed_from[LX_BOOK_ID_LEN]; /* this order replaced that one ("" none) */
    char changed_to[LX_BOOK_ID_LEN];   /* this order was changed into that one ("" none) */
    char user[72];                /* who asked for it ("" nobody said) */
    char journey[LX_BOOK_MAX_LEGS * LX_BOOK_ID_LEN]; /* the legs of its journey, ids
                                     separated by spaces, in order; "" sold alone */
} lx_book_order;

/* A hold or a sale. */
typedef struct {
    uint32_t feed;                /* the journey, as lx_net_legs_between gives it */
    lx_leg leg;                   /* (from_pos, to_pos absolute stop time indexes) */
    const char *cls;              /* NULL or "": the train's only class */
    uint32_t n;                   /* passengers 1 .. LX_INV_MAX_PAX */
    lx_book_pax pax[LX_INV_MAX_PAX];
    const char *seats[LX_INV_MAX_PAX]; /* named seats ("03-05A"), NULL-terminated or n */
    lx_seat_pref pref;
    const char *owner;            /* NULL or "": anonymous (anyone knowing the id) */
    int confirm;                  /* 1: sell at once (paid at the counter) */
    const char *currency;         /* price in this currency; NULL: the selling side's */
    const char *seller;           /* the selling side's country ("LA", "CN"): it sells only
                                     journeys that start in it (rule selling_side); NULL
                                     or "": any journey */
    const char *id;               /* NULL or "": a fresh random id; else the order's id
                                     to be (bk id text), refused with LX_CONFLICT when an
                                     order has it already, so a caller that retries after
                                     a crash (the waitlist) sells at most once */
    const char *payment;          /* confirm: the payment reference; NULL: none */
    const char *user;             /* who asks (an account, or the lead passenger's keyed
                                     document hash): cancelled unpaid holds are counted
                                     per user (rule cancel_limit); NULL or "": nobody */
} lx_book_req;

/* A fresh order id (text) that no order has yet, for lx_book_req.id: LX_OK, or
 * LX_INTERNAL when the kernel gives no random bits. */
lx_err lx_book_new_id(lx_book *b, char out[LX_BOOK_ID_LEN]);

typedef struct {
    int memory_only;              /* 1: no disk at all (benchmarks, tests) */
    int sync_normal;              /* 1: SQLite synchronous=NORMAL (survives a crash of the
                                     process, not of the machine); default FULL */
} lx_book_opts;

/* Opens the booking store of a data directory over the network's feeds (which must
 * outlive it) and rebuilds the inventory from disk. opts may be NULL; s may be NULL
 * with opts->memory_only. An order on disk that no longer fits the network (its feed,
 * trip, stops or seats changed, or its seats collide with another's) does not fail the
 * open: it stays on disk, out of the inventory, lx_book_check lists it, and msg says
 * how many there are and names the first (msg is "" when there are none). */
lx_err lx_book_open(lx_store *s, const lx_net *net, const lx_book_opts *opts, lx_book **out,
                    char *msg, size_t msg_len);
void lx_book_close(lx_book *b);

/* Which sales rule (lanxang/inv.h: opening, closing, passengers per order) an order of
 * n passengers on this journey meets at now: LX_OK, LX_RULE or LX_CLOSED with *out. */
lx_err lx_book_sales_check(lx_book *b, uint32_t feed, const lx_leg *leg, uint32_t n,
                           lx_instant_t now, lx_inv_sales *out);
/* Seats free for a journey in a class at `now`. */
lx_err lx_book_avail(lx_book *b, uint32_t feed, const lx_leg *leg, const char *cls,
                     lx_instant_t now, uint32_t *free_seats);

/* One seat of a run as a seat map shows it. */
typedef struct {
    char label[12];               /* "03-05A" */
    const char *cls;              /* the class, as the feed spells it (lives with it) */
    lx_inv_seat info;             /* coach, row, letter, window, aisle, quota */
    uint8_t sellable;             /* lx_inv_seat_sellable for the journey at now */
} lx_book_seat;

/* The seat map of a journey: every seat of the leg's run, in layout order, in *out
 * (malloc'ed, the caller frees it; NULL when the run has no seat), *n of them. Read
 * under the run's lock, so the seats are one consistent picture. A run never sold has
 * all its seats free (it is created, as lx_book_avail does). LX_NOTFOUND: no such feed
 * or trip, or the trip has no seat layout; LX_INVAL: the leg does not fit its trip. */
lx_err lx_book_seat_map(lx_book *b, uint32_t feed, const lx_leg *leg, lx_instant_t now,
                        lx_book_seat **out, uint32_t *n);

/* What an order of req would cost, checked as a hold would be but for the seats' state
 * (the request, the class, the rules that do not depend on other orders): LX_OK with
 * *price (-1 when no fare is known) and currency ("" then), or the refusal in msg. */
lx_err lx_book_price(lx_book *b, const lx_book_req *req, int64_t *price, char currency[4],
                     char *msg, size_t msg_len);

/* A fare quote: what an order of req would cost and how each passenger's fare was made
 * (lanxang/fares.h), passengers in the order the store keeps them (seated ones first,
 * then infants). */
typedef struct {
    int64_t price;                /* total, minor units; -1 no fare known */
    char currency[4];
    uint32_t n;
    lx_book_pax pax[LX_INV_MAX_PAX];
    lx_pax_fare fares[LX_INV_MAX_PAX];
} lx_book_quote;
lx_err lx_book_fare_quote(lx_book *b, const lx_book_req *req, lx_book_quote *out, char *msg,
                          size_t msg_len);

/* Holds (or sells, req->confirm) seats. On LX_OK *out is the new order. Holds of the
 * run whose deadline has passed are expired first. msg explains a refusal. */
lx_err lx_book_hold(lx_book *b, const lx_book_req *req, lx_instant_t now, lx_book_order *out,
                    char *msg, size_t msg_len);
/* Life cycle of an order; owner must match the hold's owner (NULL or "" when the order
 * has none). On LX_OK *out (may be NULL) is the order after the change. Confirming a
 * hold whose deadline has passed returns LX_EXPIRED and expires it (durably). */
lx_err lx_book_confirm(lx_book *b, const char *id, const char *owner, const char *payment,
                       lx_instant_t now, lx_book_order *out, char *msg, size_t msg_len);
lx_err lx_book_cancel(lx_book *b, const char *id, const char *owner, lx_instant_t now,
                      lx_book_order *out, char *msg, size_t msg_len);
lx_err lx_book_refund(lx_book *b, const char *id, const char *owner, lx_instant_t now,
                      lx_book_order *out, char *msg, size_t msg_len);
lx_err lx_book_get(lx_book *b, const char *id, lx_book_order *out);
/* Expires every hold whose deadline is <= now; *count how many (may be NULL). */
lx_err lx_book_expire(lx_book *b, lx_instant_t now, uint32_t *count);
/* Applies what other processes committed since (reads are otherwise as fresh as this
 * process's last write). */
lx_err lx_book_refresh(lx_book *b);

/* A change of a paid order (12306's 改签) to the journey of req (its feed, leg, class,
 * seller, seat preference; its passengers are ignored): the same passengers get a new
 * paid order at the new journey's fares in the old one's currency, with changed_from
 * set and the refund rules of the old one (fee_departure); the old one is refunded in
 * full with changed_to set. Both happen, or neither. One change per ticket: an order
 * changed from another is refused (LX_RULE, rule one_change); within 48 hours of the
 * original's departure, only to a train leaving no later (LX_RULE, change_no_later);
 * the new journey's sales rules and seats as for a sale; LX_CONFLICT when the order is
 * not paid, LX_CLOSED once its train has left. On LX_OK *out is the new order. */
lx_err lx_book_exchange(lx_book *b, const char *id, const char *owner, const lx_book_req *req,
                        lx_instant_t now, lx_book_order *out, char *msg, size_t msg_len);

/* A journey of several legs (issue 6's planned journeys) is sold as one: its legs are
 * orders of their own, each naming all of them in `journey` (lx_book_order), held (or
 * sold) all or none, and confirmed, cancelled or refunded all or none. */
/* Holds (or sells, legs[0].confirm) one order per leg, all or none: on LX_OK outs[i] is
 * leg i's order; on a refusal msg names the leg ("leg 2: ...") and nothing is held. Each
 * leg is checked as lx_book_hold checks one (its class, seats, rules); the passengers
 * are legs[0]'s for every leg. */
lx_err lx_book_hold_journey(lx_book *b, const lx_book_req *legs, uint32_t n, lx_instant_t now,
                            lx_book_order *outs, char *msg, size_t msg_len);
/* Confirms (LX_INV_CONFIRM, with payment), cancels (LX_INV_CANCEL) or refunds
 * (LX_INV_REFUND) every leg of the journey that order id belongs to, all or none; *n
 * and outs (LX_BOOK_MAX_LEGS, may be NULL) the legs after. Confirming when a leg's hold
 * has expired releases the others too (durably) and returns LX_EXPIRED. An order of
 * no journey is confirmed, cancelled or refunded alone. */
lx_err lx_book_journey_life(lx_book *b, const char *id, uint8_t code, const char *owner,
                            const char *payment, lx_instant_t now, lx_book_order *outs,
                            uint32_t *n, char *msg, size_t msg_len);

/* Many operations at once, for throughput: every op is applied in order and they
 * share commits; results[i] is the outcome of ops[i]. (Benchmarks and the server.) */
#define LX_BOOK_EXCHANGE 32        /* lx_book_op.code of lx_book_exchange */
#define LX_BOOK_JOURNEY_HOLD 34    /* ... of lx_book_hold_journey (legs, n_legs, outs) */
#define LX_BOOK_JOURNEY_LIFE 35    /* ... of lx_book_journey_life (id, life, payment) */
typedef struct {
    uint8_t code;                 /* lx_inv_opcode: HOLD, SELL, CONFIRM, CANCEL, REFUND,
                                     EXPIRE (id NULL: every due hold, as lx_book_expire);
                                     or LX_BOOK_EXCHANGE (id, owner, req) */
    const lx_book_req *req;       /* HOLD, SELL, EXCHANGE */
    const char *id;               /* the others */
    const char *owner;
    lx_book_order *out;           /* may be NULL */
    const char *payment;          /* CONFIRM: the payment reference, may be NULL */
    const lx_book_req *legs;      /* JOURNEY_HOLD: the legs, n_legs of them */
    uint32_t n_legs;
    lx_book_order *outs;          /* JOURNEY_*: the legs' orders (LX_BOOK_MAX_LEGS), may
                                     be NULL */
    uint8_t life;                 /* JOURNEY_LIFE: LX_INV_CONFIRM, CANCEL or REFUND */
} lx_book_op;
/* Returns LX_OK, or the error of a commit that failed (LX_NOSPACE, LX_IO, LX_STORE,
 * LX_BUSY), which every results[i] then holds too: none of the ops happened. */
lx_err lx_book_exec(lx_book *b, const lx_book_op *ops, size_t n, lx_instant_t now,
                    lx_err *results);

/* The invariant check of everything: each run's lx_inv_check, and the rows on disk
 * against memory (every row's order present with the same state and seats, as many
 * orders as rows). Writes a report, one line per finding, to msg. LX_OK when
 * consistent, LX_INTERNAL otherwise. The orders that did not fit the network at open
 * are listed in msg too, one line each ("order ID stays on disk only: why"), without
 * making the result LX_INTERNAL: whether they matter is the caller's to say. */
lx_err lx_book_check(lx_book *b, char *msg, size_t msg_len, uint32_t *runs, uint32_t *orders);

/* Statistics since open (for /metrics and benchmarks). */
typedef struct {
    uint64_t commits, changes, holds, sales, confirms, cancels, refunds, expiries, refusals;
} lx_book_stats;
void lx_book_stats_get(lx_book *b, lx_book_stats *out);

#endif
