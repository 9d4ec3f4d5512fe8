/* The invariant checker of a run (lx_inv_check), the seat inventory's counterpart of
 * SQLite's integrity check: everything the engine keeps incrementally is recomputed
 * from the orders alone and compared, and the first difference is named.
 *
 *  - every order: a unique id that the hash finds at its own index, a known state,
 *    class, count, stops and seats of its class listed once; in the heap of holds
 *    exactly when held;
 *  - no seat taken twice on a segment by the held and confirmed orders, and each
 *    seat's word exactly the union of their segments (no stray bit past the last);
 *  - the heap: every position points back at itself and no child is due before its
 *    parent; as many entries as held orders;
 *  - every free count (class, stop pair, quota bucket) recounted from the words.
 *
 * It allocates (two scratch arrays) and costs O(orders + seats x stop pairs): for
 * tests, `lanxang check` and the benchmarks' final checks, never on a request path. */
#include "inv_int.h"

#include <stdlib.h>

/* ---- the checker ---- */

void lx_inv_test_corrupt(lx_inv_run *r, uint32_t seat, uint64_t occ)
{
    if (seat < r->n_seats)
        r->occ[seat] = occ;
}

static lx_err check_orders(const lx_inv_run *r, uint64_t *occ, char *msg, size_t msg_len)
{
    uint32_t held = 0;
    char lab[16];
    for (uint32_t i = 0; i < r->n_orders; i++) {
        const lx_inv_order *o = &r->orders[i];
        unsigned long long id = (unsigned long long)o->id;
        if (o->id == 0 || lx_inv_order_find(r, o->id) != i) {
            lx_inv_say(msg, msg_len, "order %llu: id zero, duplicated or not indexed", id);
            return LX_INTERNAL;
        }
        if (o->state == LX_ORDER_NONE || o->state > LX_ORDER_REFUNDED) {
            lx_inv_say(msg, msg_len, "order %llu: bad state %u", id, (unsigned)o->state);
            return LX_INTERNAL;
        }
        if (o->cls >= r->n_cls || o->n < 1 || o->n > LX_INV_MAX_PAX || o->from >= o->to ||
            o->to >= r->n_stops) {
            lx_inv_say(msg, msg_len, "order %llu: class, count or stops out of range", id);
            return LX_INTERNAL;
        }
        for (uint32_t k = 0; k < o->n; k++) {
            if (o->seats[k] >= r->n_seats || r->seats[o->seats[k]].cls != o->cls) {
                lx_inv_say(msg, msg_len, "order %llu: seat %u is not a seat of its class", id,
                           (unsigned)o->seats[k]);
                return LX_INTERNAL;
            }
            for (uint32_t j = 0; j < k; j++)
                if (o->seats[j] == o->seats[k]) {
                    lx_inv_say(msg, msg_len, "order %llu: seat %u listed twice", id,
                               (unsigned)o->seats[k]);
                    return LX_INTERNAL;
                }
        }
        if ((o->state == LX_ORDER_HELD) != (r->hpos[i] != LX_NONE)) {
            lx_inv_say(msg, msg_len, "order %llu: %s but %s the heap of holds", id,
                       lx_order_state_name(o->state), r->hpos[i] != LX_NONE ? "in" : "not in");
            return LX_INTERNAL;
        }
        held += o->state == LX_ORDER_HELD;
        if (!lx_inv_state_holds(o->state))
            continue;
        uint64_t m = lx_inv_mask(o->from, o->to);
        for (uint32_t k = 0; k < o->n; k++) {
            if (occ[o->seats[k]] & m) {
                lx_inv_seat_label(r, o->seats[k], lab, sizeof lab);
                lx_inv_say(msg, msg_len,
                           "seat %s is taken twice on a segment of stops %u-%u "
                           "(order %llu and another)",
                           lab, (unsigned)o->from, (unsigned)o->to, id);
                return LX_INTERNAL;
            }
            occ[o->seats[k]] |= m;
        }
    }
    uint32_t slots = 0;
    for (uint32_t s = 0; s < r->ohash_cap; s++)
        slots += r->ohash[s] != 0;
    if (slots != r->n_orders) {
        lx_inv_say(msg, msg_len, "the order index has %u entries for %u orders", (unsigned)slots,
                   (unsigned)r->n_orders);
        return LX_INTERNAL;
    }
    if (held != r->n_held) {
        lx_inv_say(msg, msg_len, "%u held orders counted as %u", (unsigned)held,
                   (unsigned)r->n_held);
        return LX_INTERNAL;
    }
    for (uint32_t p = 0; p < r->n_held; p++) {
        uint32_t i = r->heap[p];
        if (i >= r->n_orders || r->hpos[i] != p ||
            (p > 0 && r->orders[r->heap[(p - 1) / 2]].expires_at > r->orders[i].expires_at)) {
            lx_inv_say(msg, msg_len, "the heap of holds is broken at %u", (unsigned)p);
            return LX_INTERNAL;
        }
    }
    return LX_OK;
}

lx_err lx_inv_check(const lx_inv_run *r, char *msg, size_t msg_len)
{
    if (msg && msg_len)
        msg[0] = '\0';
    size_t ncnt = (size_t)r->n_cls * r->n_pairs * LX_INV_NB;
    uint64_t *occ = calloc(r->n_seats ? r->n_seats : 1, sizeof *occ);
    uint32_t *cnt = calloc(ncnt ? ncnt : 1, sizeof *cnt);
    lx_err e = LX_OK;
    char lab[16];
    if (!occ || !cnt) {
        lx_inv_say(msg, msg_len, "out of memory checking the run");
        e = LX_NOMEM;
        goto done;
    }
    if ((e = check_orders(r, occ, msg, msg_len)) != LX_OK)
        goto done;
    uint64_t all = lx_inv_mask(0, r->n_stops - 1);
    for (uint32_t s = 0; s < r->n_seats; s++) {
        if (occ[s] == r->occ[s] && !(r->occ[s] & ~all))
            continue;
        lx_inv_seat_label(r, s, lab, sizeof lab);
        lx_inv_say(msg, msg_len, "seat %s: taken segments %#llx, but its orders take %#llx", lab,
                   (unsigned long long)r->occ[s], (unsigned long long)occ[s]);
        e = LX_INTERNAL;
        goto done;
    }
    /* every free count from scratch */
    for (uint32_t s = 0; s < r->n_seats; s++) {
        const lx_inv_seatrec *sr = &r->seats[s];
        for (uint32_t a = 0; a + 1 < r->n_stops; a++)
            for (uint32_t b = a + 1; b < r->n_stops && !(r->occ[s] >> (b - 1) & 1); b++)
                cnt[((size_t)sr->cls * r->n_pairs + (uint32_t)(r->tri[a] + (int32_t)b)) *
                        LX_INV_NB +
                    sr->bucket]++;
    }
    for (uint32_t c = 0; c < r->n_cls; c++)
        for (uint32_t a = 0; a + 1 < r->n_stops; a++)
            for (uint32_t b = a + 1; b < r->n_stops; b++)
                for (uint32_t k = 0; k < LX_INV_NB; k++) {
                    size_t i =
                        ((size_t)c * r->n_pairs + (uint32_t)(r->tri[a] + (int32_t)b)) * LX_INV_NB +
                        k;
                    if (cnt[i] == r->cnt[i])
                        continue;
                    lx_inv_say(msg, msg_len,
                               "class %s, stops %u-%u, quota %u: %u seats counted "
                               "free, %u are",
                               r->cls_names[c], (unsigned)a, (unsigned)b, (unsigned)k,
                               (unsigned)r->cnt[i], (unsigned)cnt[i]);
                    e = LX_INTERNAL;
                    goto done;
                }
done:
    free(occ);
    free(cnt);
    return e;
}
