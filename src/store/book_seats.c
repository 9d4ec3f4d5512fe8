/* The seat map of a journey (lx_book_seat_map): the engine's seats of one run, read
 * under the run's locks (the feed's runs lock for reading, then the run's stripe: the
 * order of book_int.h) so that a concurrent sale shows whole or not at all. */
#include "book_int.h"

#include <stdlib.h>

lx_err lx_book_seat_map(lx_book *b, uint32_t feed, const lx_leg *leg, lx_instant_t now,
                        lx_book_seat **out, uint32_t *n)
{
    *out = NULL;
    *n = 0;
    lx_inv_run *run;
    uint32_t first;
    lx_err e = bk_leg_run(b, feed, leg, &run, &first);
    if (e)
        return e;
    uint32_t from = leg->from_pos - first, to = leg->to_pos - first;
    bk_feed *f = &b->feeds[feed];
    uint16_t stripe = bk_stripe_of(feed, leg->trip, leg->service_day);
    pthread_rwlock_rdlock(&f->runs);
    pthread_mutex_lock(&b->stripes[stripe]);
    uint32_t count = lx_inv_seat_count(run);
    lx_book_seat *seats = count ? malloc(count * sizeof *seats) : NULL;
    for (uint32_t s = 0; seats && s < count; s++) {
        lx_book_seat *o = &seats[s];
        lx_inv_seat_info(run, s, &o->info);
        lx_inv_seat_label(run, s, o->label, sizeof o->label);
        o->cls = lx_inv_class_name(run, o->info.cls);
        o->sellable = (uint8_t)lx_inv_seat_sellable(run, s, from, to, now);
    }
    pthread_mutex_unlock(&b->stripes[stripe]);
    pthread_rwlock_unlock(&f->runs);
    if (count && !seats)
        return LX_NOMEM;
    *out = seats;
    *n = count;
    return LX_OK;
}

/* The sales rules of a journey (lx_inv_sales_check): what a refused hold (LX_RULE,
 * LX_CLOSED) was refused by, with its limits, for the message. Reads only what the run
 * was built with, under the feed's runs lock. */
lx_err lx_book_sales_check(lx_book *b, uint32_t feed, const lx_leg *leg, uint32_t n,
                           lx_instant_t now, lx_inv_sales *out)
{
    lx_inv_run *run;
    uint32_t first;
    lx_err e = bk_leg_run(b, feed, leg, &run, &first);
    if (e)
        return e;
    bk_feed *f = &b->feeds[feed];
    pthread_rwlock_rdlock(&f->runs);
    e = lx_inv_sales_check(run, leg->from_pos - first, leg->to_pos - first, n, now, out);
    pthread_rwlock_unlock(&f->runs);
    return e;
}
