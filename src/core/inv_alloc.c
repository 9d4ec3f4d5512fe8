/* The changes of a run: taking and freeing seats with their free counts, choosing
 * seats for a hold (the policy is the essay at the top of inv.c), the operations of
 * lx_inv_apply, replay and undo (lx_inv_restore), and the deadlines of holds.
 *
 * A hold costs one pass over the words of the asked class's seats, with a few bit
 * operations per seat (the free test, two bit scans for the free stretch) and, for a
 * group, an insertion into three arrays of at most LX_INV_MAX_PAX best seats (the
 * current row's, the current coach's, everyone's): no allocation, no second pass. */
#include "inv_int.h"

#include <assert.h>
#include <string.h>

/* ---- occupancy and free counts ---- */

/* Adds d (+1 or -1, as unsigned arithmetic) to the counters of the pairs inside the
 * stretch lo .. hi that overlap segments x .. y-1 (see the essay). */
static void counts_add(lx_inv_run *r, uint32_t seat, uint32_t x, uint32_t y, uint32_t lo,
                       uint32_t hi, uint32_t d)
{
    const lx_inv_seatrec *s = &r->seats[seat];
    uint32_t *base = r->cnt + (size_t)s->cls * r->n_pairs * LX_INV_NB + s->bucket;
    for (uint32_t a = lo; a < y; a++) {
        uint32_t b = a + 1 > x + 1 ? a + 1 : x + 1;
        uint32_t *c = base + (size_t)(uint32_t)(r->tri[a] + (int32_t)b) * LX_INV_NB;
        for (; b <= hi; b++, c += LX_INV_NB)
            *c += d;
    }
}

void lx_inv_seat_take(lx_inv_run *r, uint32_t seat, uint32_t from, uint32_t to)
{
    uint64_t m = lx_inv_mask(from, to);
    assert((r->occ[seat] & m) == 0);
    uint32_t lo, hi;
    lx_inv_gap(r->occ[seat], from, to, r->n_stops, &lo, &hi);
    counts_add(r, seat, from, to, lo, hi, UINT32_MAX);
    r->occ[seat] |= m;
}

void lx_inv_seat_release(lx_inv_run *r, uint32_t seat, uint32_t from, uint32_t to)
{
    uint64_t m = lx_inv_mask(from, to);
    assert((r->occ[seat] & m) == m);
    r->occ[seat] &= ~m;
    uint32_t lo, hi;
    lx_inv_gap(r->occ[seat], from, to, r->n_stops, &lo, &hi);
    counts_add(r, seat, from, to, lo, hi, 1);
}

static void order_take(lx_inv_run *r, const lx_inv_order *o)
{
    for (uint32_t k = 0; k < o->n; k++)
        lx_inv_seat_take(r, o->seats[k], o->from, o->to);
}

static void order_release(lx_inv_run *r, const lx_inv_order *o)
{
    for (uint32_t k = 0; k < o->n; k++)
        lx_inv_seat_release(r, o->seats[k], o->from, o->to);
}

/* ---- deadlines ---- */

lx_instant_t lx_inv_next_expiry(const lx_inv_run *r)
{
    return r->n_held ? r->orders[r->heap[0]].expires_at : LX_INSTANT_MAX;
}

/* Visits the heap below p, skipping every subtree whose root is not due. */
static void collect_due(const lx_inv_run *r, uint32_t p, lx_instant_t now, lx_order_id *out,
                        uint32_t cap, uint32_t *n)
{
    if (p >= r->n_held || r->orders[r->heap[p]].expires_at > now)
        return;
    if (*n < cap)
        out[*n] = r->orders[r->heap[p]].id;
    (*n)++;
    collect_due(r, 2 * p + 1, now, out, cap, n);
    collect_due(r, 2 * p + 2, now, out, cap, n);
}

uint32_t lx_inv_expired(const lx_inv_run *r, lx_instant_t now, lx_order_id *out, uint32_t cap)
{
    uint32_t n = 0;
    collect_due(r, 0, now, out, cap, &n);
    return n;
}

/* ---- choosing seats ---- */

/* A seat's score packs the essay's criteria, most important first, with room enough
 * that the sum of up to LX_INV_MAX_PAX scores still compares field by field (a row's
 * sum of quota ranks first, then of missed wishes, of fits, of stretches not touched):
 *   bits 15..  quota rank (0..2)       bits 12..14  wish missed (0/1)
 *   bits 3..11 stretch length (1..64)  bits 0..2    stretch not touched at an end (0/1) */
#define RANK_CLOSED 0xFF

/* What one pass looks for. */
typedef struct {
    uint32_t from, to, k; /* journey; seats still to choose */
    uint64_t m;
    uint8_t rank[LX_INV_NB]; /* per bucket, RANK_CLOSED when not open to the journey */
    uint8_t pref;
    uint8_t policy;
    const uint32_t *skip; /* named seats, chosen already */
    uint32_t n_skip;
} want;

/* The k best seats seen, by score and then by index (seats arrive in index order). */
typedef struct {
    uint32_t n;
    uint32_t seat[LX_INV_MAX_PAX], sc[LX_INV_MAX_PAX];
} topk;

static void best_put(topk *b, uint32_t k, uint32_t seat, uint32_t sc)
{
    if (b->n == k && sc >= b->sc[k - 1])
        return;
    uint32_t i = b->n < k ? b->n++ : k - 1;
    for (; i > 0 && b->sc[i - 1] > sc; i--) {
        b->sc[i] = b->sc[i - 1];
        b->seat[i] = b->seat[i - 1];
    }
    b->sc[i] = sc;
    b->seat[i] = seat;
}

static uint64_t best_sum(const topk *b)
{
    uint64_t s = 0;
    for (uint32_t i = 0; i < b->n; i++)
        s += b->sc[i];
    return s;
}

/* Keeps cand as the winner when it has k seats and a smaller sum. */
static void best_keep(topk *win, uint64_t *win_sum, const topk *cand, uint32_t k)
{
    if (cand->n < k)
        return;
    uint64_t s = best_sum(cand);
    if (win->n < k || s < *win_sum) {
        *win = *cand;
        *win_sum = s;
    }
}

static void rank_journey(const lx_inv_run *r, uint32_t from, uint32_t to, lx_instant_t now,
                         uint8_t rank[LX_INV_NB])
{
    uint8_t f = r->pflag[r->tri[from] + (int32_t)to];
    uint8_t g = 0, c = RANK_CLOSED, l = RANK_CLOSED;
    if (now >= r->release)
        l = 0; /* released: general seats like any other */
    else if (f & LX_INV_PAIR_LD) {
        l = 0;
        g = 1;
    }
    if (f & LX_INV_PAIR_CB) {
        c = 0;
        g++;
        if (l != RANK_CLOSED)
            l++;
    }
    rank[LX_INV_B_GEN] = g;
    rank[LX_INV_B_CB] = c;
    rank[LX_INV_B_LD] = l;
}

static int skipped(const want *w, uint32_t s)
{
    for (uint32_t i = 0; i < w->n_skip; i++)
        if (w->skip[i] == s)
            return 1;
    return 0;
}

/* The common case, one seat by best fit and no named seat: the same scores as
 * choose() below, with (score, seat) kept as one 64-bit key whose minimum wins; the
 * free test comes first, so a taken seat costs one load and one test. */
static lx_err choose_one(const lx_inv_run *r, uint32_t cls, const want *w, uint32_t *out)
{
    uint64_t best = UINT64_MAX, m = w->m;
    uint64_t below_mask = (1ull << w->from) - 1;
    uint64_t above_mask = w->to >= 64 ? 0 : ~((1ull << w->to) - 1);
    uint32_t perfect = (w->to - w->from) << 3, last = r->n_stops - 1;
    uint8_t pbit = w->pref == LX_SEAT_WINDOW  ? LX_INV_SEAT_WINDOW
                   : w->pref == LX_SEAT_AISLE ? LX_INV_SEAT_AISLE
                                              : 0;
    for (uint32_t ci = 0; ci < r->n_coaches; ci++) {
        const lx_inv_coach *c = &r->coaches[ci];
        if (c->cls != cls)
            continue;
        for (uint32_t s = c->first, end = c->first + c->count; s < end; s++) {
            uint64_t occ = r->occ[s];
            if (occ & m)
                continue;
            lx_inv_seatrec sr = r->seats[s];
            uint32_t rank = w->rank[sr.bucket];
            if (rank == RANK_CLOSED)
                continue;
            uint64_t below = occ & below_mask, above = occ & above_mask;
            uint32_t lo = below ? 64u - (uint32_t)__builtin_clzll(below) : 0;
            uint32_t hi = above ? (uint32_t)__builtin_ctzll(above) : last;
            uint32_t sc = rank << 15 | (uint32_t)((sr.flags & pbit) != pbit) << 12 |
                          (hi - lo) << 3 | (uint32_t) !(lo == w->from || hi == w->to);
            uint64_t key = (uint64_t)sc << 32 | s;
            if (key < best) {
                best = key;
                if (sc == perfect)
                    goto found;
            }
        }
    }
    if (best == UINT64_MAX)
        return LX_SOLDOUT;
found:
    *out = (uint32_t)best;
    return LX_OK;
}

/* Chooses w->k seats of class cls into out (sorted by index); LX_SOLDOUT when fewer
 * are eligible. */
static lx_err choose(const lx_inv_run *r, uint32_t cls, const want *w, uint32_t *out)
{
    uint32_t k = w->k;
    if (k == 1 && w->policy == LX_ALLOC_BEST_FIT && w->n_skip == 0)
        return choose_one(r, cls, w, out);
    topk all = {0}, row = {0}, coach = {0}, win_row = {0}, win_coach = {0};
    uint64_t row_sum = 0, coach_sum = 0;
    int group = k > 1 && w->policy == LX_ALLOC_BEST_FIT;
    uint32_t perfect = (w->to - w->from) << 3;
    int done = 0;
    for (uint32_t ci = 0; ci < r->n_coaches && !done; ci++) {
        const lx_inv_coach *c = &r->coaches[ci];
        if (c->cls != cls)
            continue;
        coach.n = 0;
        row.n = 0;
        uint32_t in_row = 0;
        for (uint32_t s = c->first, end = c->first + c->count; s < end; s++) {
            if (in_row == c->n_letters) {
                if (group)
                    best_keep(&win_row, &row_sum, &row, k);
                row.n = 0;
                in_row = 0;
            }
            in_row++;
            uint64_t occ = r->occ[s];
            const lx_inv_seatrec *sr = &r->seats[s];
            uint32_t rank = w->rank[sr->bucket];
            if ((occ & w->m) || rank == RANK_CLOSED || (w->n_skip && skipped(w, s)))
                continue;
            if (w->policy == LX_ALLOC_FIRST_FIT) {
                all.seat[all.n++] = s;
                if (all.n == k) {
                    done = 1;
                    break;
                }
                continue;
            }
            uint32_t lo, hi;
            lx_inv_gap(occ, w->from, w->to, r->n_stops, &lo, &hi);
            uint32_t miss = w->pref == LX_SEAT_WINDOW  ? !(sr->flags & LX_INV_SEAT_WINDOW)
                            : w->pref == LX_SEAT_AISLE ? !(sr->flags & LX_INV_SEAT_AISLE)
                                                       : 0;
            uint32_t sc = rank << 15 | miss << 12 | (hi - lo) << 3 |
                          (uint32_t) !(lo == w->from || hi == w->to);
            best_put(&all, k, s, sc);
            if (!group) {
                if (sc == perfect) {
                    done = 1;
                    break;
                }
                continue;
            }
            best_put(&row, k, s, sc);
            best_put(&coach, k, s, sc);
        }
        if (group && !done) {
            best_keep(&win_row, &row_sum, &row, k);
            best_keep(&win_coach, &coach_sum, &coach, k);
        }
    }
    const topk *pick = win_row.n == k ? &win_row : win_coach.n == k ? &win_coach : &all;
    if (pick->n < k)
        return LX_SOLDOUT;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t v = pick->seat[i], j = i;
        for (; j > 0 && out[j - 1] > v; j--)
            out[j] = out[j - 1];
        out[j] = v;
    }
    return LX_OK;
}

/* ---- operations ---- */

static lx_err op_take(lx_inv_run *r, const lx_inv_op *op, lx_inv_change *chg)
{
    const lx_inv_request *q = &op->req;
    if (op->order == 0 || q->from >= q->to || q->to >= r->n_stops || q->cls >= r->n_cls ||
        q->n < 1 || q->n > LX_INV_MAX_PAX || q->n_want > q->n || q->pref > LX_SEAT_AISLE ||
        q->policy > LX_ALLOC_FIRST_FIT || op->hold_seconds < 0)
        return LX_INVAL;
    if (lx_inv_order_find(r, op->order) != LX_NONE)
        return LX_INVAL;
    for (uint32_t i = 0; i < q->n_want; i++) {
        if (q->want[i] >= r->n_seats || r->seats[q->want[i]].cls != q->cls)
            return LX_INVAL;
        for (uint32_t j = 0; j < i; j++)
            if (q->want[j] == q->want[i])
                return LX_INVAL;
    }
    lx_err rule = lx_inv_sales_check(r, q->from, q->to, q->n, op->now, NULL);
    if (rule != LX_OK)
        return rule;
    want w = {.from = q->from,
              .to = q->to,
              .k = (uint32_t)(q->n - q->n_want),
              .m = lx_inv_mask(q->from, q->to),
              .pref = q->pref,
              .policy = q->policy,
              .skip = q->want,
              .n_skip = q->n_want};
    rank_journey(r, q->from, q->to, op->now, w.rank);
    for (uint32_t i = 0; i < q->n_want; i++)
        if ((r->occ[q->want[i]] & w.m) || w.rank[r->seats[q->want[i]].bucket] == RANK_CLOSED)
            return LX_TAKEN;
    /* the free counts say at once whether n seats are to be had (the named ones are
     * among them): a sold-out train costs no pass over its seats */
    const uint32_t *cnt = lx_inv_cnt(r, q->cls, q->from, q->to);
    uint32_t open = 0;
    for (uint32_t b = 0; b < LX_INV_NB; b++)
        open += w.rank[b] != RANK_CLOSED ? cnt[b] : 0;
    if (open < q->n)
        return LX_SOLDOUT;
    lx_inv_order o;
    memset(&o, 0, sizeof o);
    memcpy(o.seats, q->want, q->n_want * sizeof *q->want);
    if (w.k) {
        lx_err e = choose(r, q->cls, &w, o.seats + q->n_want);
        if (e != LX_OK)
            return e;
    }
    if (lx_inv_order_reserve(r) != LX_OK)
        return LX_NOMEM;
    o.id = op->order;
    o.owner = op->owner;
    o.cls = q->cls;
    o.n = q->n;
    o.from = q->from;
    o.to = q->to;
    o.created_at = op->now;
    if (op->code == LX_INV_SELL) {
        o.state = LX_ORDER_CONFIRMED;
    } else {
        int32_t hold =
            op->hold_seconds ? op->hold_seconds : lx_inv_hold_seconds(r, q->from, op->now);
        o.state = LX_ORDER_HELD;
        /* a hold never outlasts the train: unpaid at departure, it lapses */
        lx_instant_t dep = lx_inv_departure(r, q->from);
        o.expires_at = op->now + hold < dep ? op->now + hold : dep;
    }
    order_take(r, &o);
    lx_inv_order_insert(r, &o);
    if (o.state == LX_ORDER_HELD)
        lx_inv_held_push(r, r->n_orders - 1);
    memset(&chg->before, 0, sizeof chg->before);
    chg->before.id = o.id;
    chg->after = o;
    return LX_OK;
}

static lx_err op_change(lx_inv_run *r, const lx_inv_op *op, lx_inv_change *chg)
{
    uint32_t i = lx_inv_order_find(r, op->order);
    if (op->order == 0 || i == LX_NONE)
        return LX_NOTFOUND;
    lx_inv_order *o = &r->orders[i];
    if (op->code != LX_INV_EXPIRE && op->owner != o->owner)
        return LX_FORBIDDEN;
    lx_inv_order before = *o;
    switch (op->code) {
    case LX_INV_CONFIRM:
        if (o->state == LX_ORDER_EXPIRED || (o->state == LX_ORDER_HELD && op->now >= o->expires_at))
            return LX_EXPIRED;
        if (o->state != LX_ORDER_HELD)
            return LX_CONFLICT;
        lx_inv_held_drop(r, i);
        o->state = LX_ORDER_CONFIRMED;
        o->expires_at = 0;
        break;
    case LX_INV_CANCEL:
    case LX_INV_EXPIRE:
        if (o->state != LX_ORDER_HELD || (op->code == LX_INV_EXPIRE && o->expires_at > op->now))
            return LX_CONFLICT;
        lx_inv_held_drop(r, i);
        order_release(r, o);
        o->state = op->code == LX_INV_CANCEL ? LX_ORDER_CANCELLED : LX_ORDER_EXPIRED;
        break;
    case LX_INV_REFUND:
        if (o->state != LX_ORDER_CONFIRMED)
            return LX_CONFLICT;
        order_release(r, o);
        o->state = LX_ORDER_REFUNDED;
        break;
    default:
        return LX_INVAL;
    }
    chg->before = before;
    chg->after = *o;
    return LX_OK;
}

static lx_err apply_op(lx_inv_run *r, const lx_inv_op *op, lx_inv_change *chg)
{
    switch (op->code) {
    case LX_INV_HOLD:
    case LX_INV_SELL:
        return op_take(r, op, chg);
    case LX_INV_CONFIRM:
    case LX_INV_CANCEL:
    case LX_INV_REFUND:
    case LX_INV_EXPIRE:
        return op_change(r, op, chg);
    default:
        return LX_INVAL;
    }
}

/* Every change to any run of the process, counted after it is made (a caller that
 * caches what it read of runs tells from it whether anything changed since). */
static uint64_t changes;

uint64_t lx_inv_changes(void) { return __atomic_load_n(&changes, __ATOMIC_ACQUIRE); }

static lx_err counted(lx_err e)
{
    __atomic_add_fetch(&changes, 1, __ATOMIC_RELEASE);
    return e;
}

lx_err lx_inv_apply(lx_inv_run *r, const lx_inv_op *op, lx_inv_change *chg)
{
    return counted(apply_op(r, op, chg));
}

/* ---- replay and undo ---- */

static int snap_fits(const lx_inv_run *r, const lx_inv_order *s)
{
    if (s->cls >= r->n_cls || s->n < 1 || s->n > LX_INV_MAX_PAX || s->from >= s->to ||
        s->to >= r->n_stops)
        return 0;
    for (uint32_t k = 0; k < s->n; k++) {
        if (s->seats[k] >= r->n_seats || r->seats[s->seats[k]].cls != s->cls)
            return 0;
        for (uint32_t j = 0; j < k; j++)
            if (s->seats[j] == s->seats[k])
                return 0;
    }
    return 1;
}

/* Takes the seats of the order at index i and its place in the heap out of the run
 * (the record stays). */
static void order_leave(lx_inv_run *r, uint32_t i)
{
    const lx_inv_order *o = &r->orders[i];
    if (o->state == LX_ORDER_HELD)
        lx_inv_held_drop(r, i);
    if (lx_inv_state_holds(o->state))
        order_release(r, o);
}

static lx_err restore(lx_inv_run *r, const lx_inv_order *snap);

lx_err lx_inv_restore(lx_inv_run *r, const lx_inv_order *snap)
{
    return counted(restore(r, snap));
}

static lx_err restore(lx_inv_run *r, const lx_inv_order *snap)
{
    if (!snap || snap->id == 0 || snap->state > LX_ORDER_REFUNDED)
        return LX_INVAL;
    uint32_t i = lx_inv_order_find(r, snap->id);
    if (snap->state == LX_ORDER_NONE) {
        if (i != LX_NONE) {
            order_leave(r, i);
            lx_inv_order_remove(r, i);
        }
        return LX_OK;
    }
    if (!snap_fits(r, snap))
        return LX_INVAL;
    const lx_inv_order *old = i != LX_NONE ? &r->orders[i] : NULL;
    if (lx_inv_state_holds(snap->state)) {
        uint64_t m = lx_inv_mask(snap->from, snap->to);
        for (uint32_t k = 0; k < snap->n; k++) {
            uint64_t occ = r->occ[snap->seats[k]];
            if (old && lx_inv_state_holds(old->state))
                for (uint32_t j = 0; j < old->n; j++)
                    if (old->seats[j] == snap->seats[k])
                        occ &= ~lx_inv_mask(old->from, old->to);
            if (occ & m)
                return LX_TAKEN;
        }
    }
    if (!old && lx_inv_order_reserve(r) != LX_OK)
        return LX_NOMEM;
    if (old)
        order_leave(r, i);
    if (lx_inv_state_holds(snap->state))
        order_take(r, snap);
    if (old) {
        r->orders[i] = *snap;
    } else {
        lx_inv_order_insert(r, snap);
        i = r->n_orders - 1;
    }
    if (snap->state == LX_ORDER_HELD)
        lx_inv_held_push(r, i);
    return LX_OK;
}
