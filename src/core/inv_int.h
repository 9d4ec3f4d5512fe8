/* The inside of the seat inventory (lanxang/inv.h), shared by src/core/inv.c (runs,
 * their shape, queries, orders), src/core/inv_alloc.c (allocation and the changes)
 * and src/core/inv_check.c (the invariant checker). The layout and the policy are
 * explained at the top of inv.c. */
#ifndef LX_CORE_INV_INT_H
#define LX_CORE_INV_INT_H

#include "lanxang/inv.h"

#define LX_INV_MAX_STOPS (LX_INV_MAX_SEGMENTS + 1)

/* Quota buckets: a seat's bucket is its lx_quota_kind (0 = general). */
enum { LX_INV_B_GEN = 0, LX_INV_B_CB = 1, LX_INV_B_LD = 2, LX_INV_NB = 3 };

/* Per stop pair: what a journey over it is for the quotas. */
enum { LX_INV_PAIR_CB = 1, LX_INV_PAIR_LD = 2 };

/* Per seat flags. */
enum { LX_INV_SEAT_WINDOW = 1, LX_INV_SEAT_AISLE = 2 };

typedef struct {
    uint16_t coach; /* index into run->coaches */
    uint16_t row;   /* 1-based */
    uint8_t letter; /* index into the coach's letters */
    uint8_t cls;
    uint8_t flags;  /* LX_INV_SEAT_* */
    uint8_t bucket; /* LX_INV_B_* */
} lx_inv_seatrec;

typedef struct {
    uint16_t number; /* as painted */
    uint8_t cls;
    uint8_t n_letters;
    const char *letters;   /* the timetable's string */
    uint32_t first, count; /* seats first .. first + count - 1 */
} lx_inv_coach;

struct lx_inv_run {
    const lx_tt *tt;
    uint32_t trip;
    lx_date_t day;
    uint32_t n_stops, n_pairs;
    uint32_t n_seats, n_cls, n_coaches;

    const char **cls_names; /* n_cls, the timetable's strings */
    lx_inv_coach *coaches;  /* n_coaches, in layout order */
    lx_inv_seatrec *seats;  /* n_seats */
    uint64_t *occ;          /* n_seats: bit k = segment k taken */

    /* free counts: cnt[(cls * n_pairs + pair) * LX_INV_NB + bucket], where
     * pair = tri[from] + to; pflag[pair] is LX_INV_PAIR_* */
    uint32_t *cnt;
    uint8_t *pflag;
    int32_t tri[LX_INV_MAX_STOPS];

    /* per stop */
    lx_instant_t dep[LX_INV_MAX_STOPS];
    char country[LX_INV_MAX_STOPS][3];
    double km[LX_INV_MAX_STOPS];

    /* quotas and sales rules, read once */
    int has_ld;
    int32_t ld_min_km;
    lx_instant_t release; /* long-distance seats open to all from then (MAX: never) */
    int32_t hold_s, hold_near_s, near_s;
    /* the sales rules of its operator (lx_sales_rules.txt), [0] domestic journeys, [1]
     * journeys across a border: sales open open_s before departure from the journey's
     * first stop (0: any time) and close close_s before it; at most max_pax a order */
    int32_t open_s[2], close_s[2], max_pax[2];

    /* orders: a growable array and an open-addressing hash of (index + 1) by id */
    lx_inv_order *orders;
    uint32_t n_orders, cap_orders;
    uint32_t *ohash;
    uint32_t ohash_cap; /* power of two, at least twice n_orders */
    /* the held orders: a binary min-heap of order indexes by expires_at, and each
     * order's place in it (LX_NONE when not held) */
    uint32_t *heap, *hpos;
    uint32_t n_held;
};

static inline uint64_t lx_inv_mask(uint32_t from, uint32_t to)
{
    uint64_t hi = to >= 64 ? ~0ull : (1ull << to) - 1;
    return hi & ~((1ull << from) - 1);
}

static inline uint32_t *lx_inv_cnt(const lx_inv_run *r, uint32_t cls, uint32_t from, uint32_t to)
{
    return &r->cnt[((size_t)cls * r->n_pairs + (uint32_t)(r->tri[from] + (int32_t)to)) * LX_INV_NB];
}

/* The free stretch of stops lo .. hi around segments from .. to-1 of a word whose
 * journey bits are clear: lo is one past the highest taken segment below from (0 if
 * none), hi the lowest taken segment at or above to (the last stop if none). */
static inline void lx_inv_gap(uint64_t occ, uint32_t from, uint32_t to, uint32_t n_stops,
                              uint32_t *lo, uint32_t *hi)
{
    uint64_t below = occ & ((1ull << from) - 1);
    uint64_t above = to >= 64 ? 0 : occ & ~((1ull << to) - 1);
    *lo = below ? 64u - (uint32_t)__builtin_clzll(below) : 0;
    *hi = above ? (uint32_t)__builtin_ctzll(above) : n_stops - 1;
}

/* snprintf into msg when msg is not NULL (inv.c). */
void lx_inv_say(char *msg, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- orders (inv.c) ---- */
/* Index of the order with that id, or LX_NONE. */
uint32_t lx_inv_order_find(const lx_inv_run *r, lx_order_id id);
/* Room for one more order (array and hash); LX_NOMEM. */
lx_err lx_inv_order_reserve(lx_inv_run *r);
/* Appends an order (room reserved, id new) and indexes it. */
void lx_inv_order_insert(lx_inv_run *r, const lx_inv_order *o);
/* Removes the order at index i, which must not be in the heap (the last order moves
 * into its place). */
void lx_inv_order_remove(lx_inv_run *r, uint32_t i);
/* Puts the order at index i into / takes it out of the heap of held orders. */
void lx_inv_held_push(lx_inv_run *r, uint32_t i);
void lx_inv_held_drop(lx_inv_run *r, uint32_t i);

/* ---- seats (inv_alloc.c) ---- */
/* Takes / frees segments from .. to-1 of a seat and updates the free counts. */
void lx_inv_seat_take(lx_inv_run *r, uint32_t seat, uint32_t from, uint32_t to);
void lx_inv_seat_release(lx_inv_run *r, uint32_t seat, uint32_t from, uint32_t to);

/* Whether an order in this state holds its seats. */
static inline int lx_inv_state_holds(uint8_t s)
{
    return s == LX_ORDER_HELD || s == LX_ORDER_CONFIRMED;
}

/* Tests only (inv_check.c): overwrites a seat's occupancy word without touching
 * anything else, so that lx_inv_check has something to find. */
void lx_inv_test_corrupt(lx_inv_run *r, uint32_t seat, uint64_t occ);

#endif
