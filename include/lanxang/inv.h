/* lanxang: the seat inventory of train runs — the engine (src/core/inv*.c).
 *
 * A train run is a trip on a service day. Its seats come from the trip's seat layout
 * (lx_seat_layouts.txt): seat i of the run is one physical seat (coach, row, letter,
 * class, window or aisle, quota). Its segments are the stretches between consecutive
 * stops: segment k runs from stop k to stop k+1 (positions within the trip, 0-based),
 * so a journey from stop a to stop b (a < b) covers segments a .. b-1. A run has at most
 * LX_INV_MAX_SEGMENTS segments, so one 64-bit word per seat says which are taken.
 *
 * The engine is a state machine with no I/O and no clock: every change is a function of
 * (run state, operation, now) that yields a result and a change record — the order's
 * snapshot before and after. The store (lanxang/book.h) makes the `after` snapshots
 * durable and replays them at start with lx_inv_restore; it undoes a change that could
 * not be made durable by restoring the `before` snapshot. Replaying a snapshot twice is
 * harmless (it is idempotent).
 *
 * Threads: an lx_inv and its runs are not locked inside. Runs are independent: any
 * number of threads may work on different runs at once, one thread per run at a time
 * (the caller locks per run). lx_inv_run_add changes the table of runs and must not run
 * concurrently with anything else on the same lx_inv; lx_inv_run_find may run
 * concurrently with other finds and with operations on runs.
 *
 * Pointers: an lx_inv_run * is valid until lx_inv_destroy. Strings handed out (class
 * names) belong to the timetable and live as long as it.
 */
#ifndef LANXANG_INV_H
#define LANXANG_INV_H

#include <stddef.h>
#include <stdint.h>
#include "lanxang/error.h"
#include "lanxang/time.h"
#include "lanxang/timetable.h"

#define LX_INV_MAX_SEGMENTS 64
#define LX_INV_MAX_PAX 5        /* seats in one order (12306: 5 passengers per order) */

typedef uint64_t lx_order_id;   /* chosen by the caller, never 0 */

typedef enum {
    LX_ORDER_NONE = 0,          /* no such order (a snapshot that removes it) */
    LX_ORDER_HELD,              /* seats taken until expires_at, not paid */
    LX_ORDER_CONFIRMED,         /* paid: the seats are sold */
    LX_ORDER_CANCELLED,         /* hold given up by its owner: seats free again */
    LX_ORDER_EXPIRED,           /* hold not paid in time: seats free again */
    LX_ORDER_REFUNDED           /* sold, then refunded: seats free again */
} lx_order_state;

/* "held", "confirmed", ... ; "none" for LX_ORDER_NONE. Never NULL. */
const char *lx_order_state_name(lx_order_state s);
/* The state named so, or LX_ORDER_NONE. */
lx_order_state lx_order_state_parse(const char *name);

/* Seat preferences of a hold. */
typedef enum { LX_SEAT_ANY = 0, LX_SEAT_WINDOW, LX_SEAT_AISLE } lx_seat_pref;

/* Allocation policies. BEST_FIT is lanxang's (see the essay in src/core/inv.c);
 * FIRST_FIT takes the lowest-numbered free seat and exists to measure against. */
typedef enum { LX_ALLOC_BEST_FIT = 0, LX_ALLOC_FIRST_FIT } lx_alloc_policy;

/* An order as the engine keeps it: also the snapshot of a change record. */
typedef struct {
    lx_order_id id;
    uint64_t owner;             /* opaque owner token (the store hashes the owner's name) */
    uint8_t state;              /* lx_order_state */
    uint8_t cls;                /* class index of the run (lx_inv_class) */
    uint8_t n;                  /* seats, 1 .. LX_INV_MAX_PAX */
    uint8_t from, to;           /* stop positions within the trip, from < to */
    lx_instant_t created_at;
    lx_instant_t expires_at;    /* a hold's deadline; 0 once confirmed */
    uint32_t seats[LX_INV_MAX_PAX]; /* seat indexes of the run; the first n are used */
} lx_inv_order;

/* A change record: the order before (state LX_ORDER_NONE when new) and after. */
typedef struct {
    lx_inv_order before, after;
} lx_inv_change;

/* What a hold asks for. */
typedef struct {
    uint8_t from, to;           /* stop positions within the trip */
    uint8_t cls;                /* class index */
    uint8_t n;                  /* passengers, 1 .. LX_INV_MAX_PAX */
    uint8_t pref;               /* lx_seat_pref, a wish: honoured when a seat allows */
    uint8_t n_want;             /* named seats, 0 .. n: these exact seats or refuse */
    uint32_t want[LX_INV_MAX_PAX]; /* seat indexes (lx_inv_seat_parse) */
    uint8_t policy;             /* lx_alloc_policy */
} lx_inv_request;

typedef enum {
    LX_INV_HOLD = 1,            /* take seats until now + hold time */
    LX_INV_SELL,                /* take seats and confirm at once (paid at a counter) */
    LX_INV_CONFIRM,             /* a held order is paid */
    LX_INV_CANCEL,              /* the owner gives up a hold */
    LX_INV_REFUND,              /* a confirmed order is refunded */
    LX_INV_EXPIRE               /* a hold whose deadline has passed expires */
} lx_inv_opcode;

typedef struct {
    uint8_t code;               /* lx_inv_opcode */
    lx_order_id order;          /* the new order's id (HOLD, SELL) or the order acted on */
    uint64_t owner;             /* must equal the order's owner (except EXPIRE) */
    lx_instant_t now;
    int32_t hold_seconds;       /* HOLD: 0 = the run's default (lx_inv_hold_seconds) */
    lx_inv_request req;         /* HOLD, SELL */
} lx_inv_op;

typedef struct lx_inv lx_inv;
typedef struct lx_inv_run lx_inv_run;

/* The inventory of the runs of one timetable. The timetable must outlive it. */
lx_err lx_inv_create(const lx_tt *tt, lx_inv **out);
void lx_inv_destroy(lx_inv *inv);
const lx_tt *lx_inv_tt(const lx_inv *inv);

/* The run of trip on service day `day` (as in lx_leg.service_day), or NULL. A
 * frequency-based trip has one run a day, its template (offset 0). */
lx_inv_run *lx_inv_run_find(const lx_inv *inv, uint32_t trip, lx_date_t day);
/* Finds or creates that run. LX_NOTFOUND: the trip does not run that day, or has no
 * seat layout; LX_RANGE: more than LX_INV_MAX_SEGMENTS segments. msg says which, and
 * *out is NULL on an error. */
lx_err lx_inv_run_add(lx_inv *inv, uint32_t trip, lx_date_t day, lx_inv_run **out,
                      char *msg, size_t msg_len);
/* Every run, in creation order (for checks and reports). */
uint32_t lx_inv_run_count(const lx_inv *inv);
lx_inv_run *lx_inv_run_at(const lx_inv *inv, uint32_t i);

/* ---- a run's shape ---- */
uint32_t lx_inv_run_trip(const lx_inv_run *r);
lx_date_t lx_inv_run_day(const lx_inv_run *r);
uint32_t lx_inv_stop_count(const lx_inv_run *r);      /* segments + 1 */
uint32_t lx_inv_seat_count(const lx_inv_run *r);
/* Classes in the order they first appear in the layout; names never NULL. */
uint32_t lx_inv_class_count(const lx_inv_run *r);
const char *lx_inv_class_name(const lx_inv_run *r, uint32_t cls);
/* The class index of a name (exact, case-insensitive), or LX_NONE. */
uint32_t lx_inv_class(const lx_inv_run *r, const char *name);

typedef struct {
    uint16_t coach;             /* as painted */
    uint16_t row;               /* 1-based */
    char letter;                /* 'A' .. */
    uint8_t cls;                /* class index */
    uint8_t window;             /* 1 window seat, 0 aisle or middle */
    uint8_t aisle;              /* 1 next to the aisle */
    uint8_t quota;              /* 0 none, else lx_quota_kind */
} lx_inv_seat;
void lx_inv_seat_info(const lx_inv_run *r, uint32_t seat, lx_inv_seat *out);
/* "03-05A": coach, dash, row (2 digits), letter. buf of at least 12 bytes. */
void lx_inv_seat_label(const lx_inv_run *r, uint32_t seat, char *buf, size_t n);
/* Reads "03-05A", "3-05A", "3-5A" or "3/05A" (case-insensitive). LX_NOTFOUND when
 * the run has no such seat, LX_INVAL when it is not a seat label. */
lx_err lx_inv_seat_parse(const lx_inv_run *r, const char *label, uint32_t *seat);
/* Whether the seat is free over stops from .. to (ignores quotas). */
int lx_inv_seat_free(const lx_inv_run *r, uint32_t seat, uint32_t from, uint32_t to);

/* Departure instant of the run at stop position pos (the trip's timetable). */
lx_instant_t lx_inv_departure(const lx_inv_run *r, uint32_t pos);
/* The sales rules a new order meets (lx_sales_rules.txt of the train's operator; the
 * journey's scope, domestic or across a border, picks the rule): sales open open_days
 * before departure from the journey's first stop and close close_minutes before it,
 * and an order has at most max_passengers. */
typedef enum {
    LX_INV_RULE_NONE,
    LX_INV_RULE_DEPARTED,       /* the train has left `from` (LX_CLOSED) */
    LX_INV_RULE_SALES_CLOSE,    /* within close_minutes of departure (LX_RULE) */
    LX_INV_RULE_SALES_OPEN,     /* before sales open (LX_RULE) */
    LX_INV_RULE_MAX_PASSENGERS  /* more passengers than the operator allows (LX_RULE) */
} lx_inv_rule;
typedef struct {
    lx_inv_rule rule;           /* the rule that refuses, LX_INV_RULE_NONE when none */
    lx_instant_t open_at;       /* sales open (0: no limit) ... */
    lx_instant_t close_at;      /* ... and close (at departure when no rule says) */
    uint32_t max_passengers;
} lx_inv_sales;
/* LX_OK when an order of n passengers from .. to may be taken at now; else LX_CLOSED
 * (departed) or LX_RULE, and out (may be NULL) names the rule and its limits. Holds and
 * sales (lx_inv_apply) are refused the same way. O(1). */
lx_err lx_inv_sales_check(const lx_inv_run *r, uint32_t from, uint32_t to, uint32_t n,
                          lx_instant_t now, lx_inv_sales *out);
/* "sales_open", "sales_close", "max_passengers", "departed"; "" for none. */
const char *lx_inv_rule_name(lx_inv_rule rule);

/* The hold time for a hold made at `now` for a journey leaving stop `from`: the
 * operator's hold_minutes, or hold_minutes_near when departure is within near_minutes
 * (lx_sales_rules.txt; defaults 30, 10 and 120). In seconds. */
int32_t lx_inv_hold_seconds(const lx_inv_run *r, uint32_t from, lx_instant_t now);
/* Whether a journey crosses a border / counts as long distance for the quotas. */
int lx_inv_is_cross_border(const lx_inv_run *r, uint32_t from, uint32_t to);
/* The country (ISO 3166 alpha-2) of the run's stop at pos, "" when unknown. */
const char *lx_inv_stop_country(const lx_inv_run *r, uint32_t pos);
int lx_inv_is_long_distance(const lx_inv_run *r, uint32_t from, uint32_t to);

/* ---- queries ---- */
/* Seats of class cls that a journey from .. to may be sold at `now`: free on every
 * segment of the journey and open to it under the quotas. O(1). */
uint32_t lx_inv_avail(const lx_inv_run *r, uint32_t from, uint32_t to, uint32_t cls,
                      lx_instant_t now);
/* Whether one seat can be sold to a journey from .. to at `now`: free on every segment
 * of the journey and open to it under the quotas (a cross-border seat to a journey across
 * a border; a long-distance seat to a long journey, or to any once its quota is
 * released). The seats lx_inv_avail counts are exactly those. O(1). */
int lx_inv_seat_sellable(const lx_inv_run *r, uint32_t seat, uint32_t from, uint32_t to,
                         lx_instant_t now);
/* The order with that id in this run, or NULL. Valid until the next change of the run. */
const lx_inv_order *lx_inv_order_get(const lx_inv_run *r, lx_order_id id);
/* Orders of the run, in no particular order (for reports). */
uint32_t lx_inv_order_count(const lx_inv_run *r);
const lx_inv_order *lx_inv_order_at(const lx_inv_run *r, uint32_t i);

/* ---- changes ---- */
/* How many times lx_inv_apply and lx_inv_restore have been called, on any run of the
 * process, counted after the call's change: an answer read from runs while this stayed
 * the same is still true (the server's answer cache, src/server/cache.c). */
uint64_t lx_inv_changes(void);
/* Applies one operation. On LX_OK, *chg holds the change record (chg->after is the
 * order now) and the run has changed; on error the run is unchanged and *chg is
 * untouched. Errors: LX_INVAL (bad request: from >= to, n out of range, unknown class,
 * duplicate id, a named seat of another class or not in the run), LX_NOTFOUND (no such
 * order), LX_FORBIDDEN (owner differs), LX_SOLDOUT, LX_TAKEN (a named seat is not free,
 * or not open to this journey under the quotas), LX_CLOSED (the train has left `from`),
 * LX_RULE (a sales rule refuses a new order: lx_inv_sales_check says which),
 * LX_EXPIRED (confirming a hold whose deadline has passed: the order is NOT expired by
 * this call; expire it with LX_INV_EXPIRE; or confirming an order already expired),
 * LX_CONFLICT (wrong state, e.g. refunding a hold or cancelling a sold order).
 * The owner is checked before the state: a stranger learns nothing of its state. */
lx_err lx_inv_apply(lx_inv_run *r, const lx_inv_op *op, lx_inv_change *chg);
/* The earliest deadline of a hold in the run (LX_INSTANT_MAX when none): holds with
 * expires_at <= now are expired by LX_INV_EXPIRE ops. O(1). */
lx_instant_t lx_inv_next_expiry(const lx_inv_run *r);
/* Writes up to cap orders held with expires_at <= now, in no particular order;
 * returns how many there are. O(that many), not O(orders). */
uint32_t lx_inv_expired(const lx_inv_run *r, lx_instant_t now, lx_order_id *out, uint32_t cap);

/* Sets an order to a snapshot (replay and undo): inserts, replaces or (state
 * LX_ORDER_NONE) removes it, taking and freeing seats to match. LX_TAKEN when the
 * snapshot's seats collide with another order (the run is then unchanged), LX_INVAL
 * when the snapshot does not fit the run. */
lx_err lx_inv_restore(lx_inv_run *r, const lx_inv_order *snap);

/* The invariants: no seat taken twice on a segment; every held or confirmed order's
 * seats taken exactly on its segments and nothing else taken; every availability
 * count agrees with the seats. LX_OK, or LX_INTERNAL with the first problem in msg. */
lx_err lx_inv_check(const lx_inv_run *r, char *msg, size_t msg_len);

#endif
