/* One document, one trip at a time (issue 5's real-name rule: a document never holds
 * two overlapping trips).
 *
 * A document's tickets on one train and date are matched under that run's lock
 * (same_document in book_ops.c). Trips on other trains need an index across runs: for
 * each keyed document hash (book_docs.c), the orders that showed it. An order is
 * indexed when it is filed (a hold, a sale, a change, a row read at open or when
 * catching up) if its passengers have documents; orders sold in bulk without names
 * never touch the index, so the engine's fast path is unchanged. Entries are never
 * removed one by one: an order that is no longer live (cancelled, expired, refunded,
 * undone) is skipped and pruned when its document is looked at again, and a record is
 * never freed before close, so a stale pointer is safe.
 *
 * docs_mu guards the index and the `live` flag and times of every indexed order. A hold
 * checks and files under it (taken after its run's stripe), so two holds of one
 * document on two trains race to one winner even where callers apply their own
 * operations in parallel (memory_only); under group commit only the leader applies.
 * Two trips overlap when each leaves before the other arrives: arriving at 10:26 and
 * leaving at 10:26 is a connection, not an overlap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book_int.h"

typedef struct bk_doc {
    uint64_t key;             /* the first 64 bits of the hash; 0 empty */
    uint32_t n, cap;
    bk_order **recs;
} bk_doc;

static uint64_t key_of(const char *hex)
{
    uint64_t k = 0;
    for (int i = 0; i < 16; i++) {
        char c = hex[i];
        k = k << 4 | (uint64_t)(c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
    }
    return k ? k : 1;
}

static bk_doc *find(lx_book *b, uint64_t key)
{
    if (!b->docs_cap)
        return NULL;
    for (uint32_t i = (uint32_t)key & (b->docs_cap - 1), k = 0; k < b->docs_cap;
         i = (i + 1) & (b->docs_cap - 1), k++)
        if (b->docs[i].key == key || b->docs[i].key == 0)
            return &b->docs[i];
    return NULL;
}

static int grow(lx_book *b)
{
    uint32_t cap = b->docs_cap ? b->docs_cap * 2 : 1024, old_cap = b->docs_cap;
    bk_doc *old = b->docs, *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    b->docs = t;
    b->docs_cap = cap;
    for (uint32_t i = 0; i < old_cap; i++)
        if (old[i].key)
            *find(b, old[i].key) = old[i];
    free(old);
    return 0;
}

int bk_trips_indexed(const char *text)
{
    const char *h[LX_INV_MAX_PAX];
    return bk_pax_hashes(bk_text_pax(text), h) > 0;
}

void bk_trips_lock(lx_book *b)
{
    pthread_mutex_lock(&b->docs_mu);
}

void bk_trips_unlock(lx_book *b)
{
    pthread_mutex_unlock(&b->docs_mu);
}

void bk_trip_times(const lx_book *b, uint32_t feed, const lx_inv_run *run, uint32_t from,
                   uint32_t to, lx_instant_t *dep, lx_instant_t *arr)
{
    const lx_tt *tt = b->feeds[feed].tt;
    uint32_t nt;
    const lx_trip *t = &lx_tt_trips(tt, &nt)[lx_inv_run_trip(run)];
    *dep = lx_inv_departure(run, from);
    *arr = lx_inv_departure(run, to) - lx_tt_st_departure(tt)[t->st_first + to] +
           lx_tt_st_arrival(tt)[t->st_first + to];
}

lx_err bk_trips_overlap(lx_book *b, const char *text, const lx_inv_run *run, lx_instant_t dep,
                        lx_instant_t arr, lx_order_id exclude, char *why, size_t why_len)
{
    const char *h[LX_INV_MAX_PAX];
    uint32_t n = bk_pax_hashes(bk_text_pax(text), h);
    for (uint32_t i = 0; i < n; i++) {
        bk_doc *d = find(b, key_of(h[i]));
        if (!d || !d->key)
            continue;
        uint32_t keep = 0;
        lx_err e = LX_OK;
        for (uint32_t k = 0; k < d->n; k++) {
            bk_order *r = d->recs[k];
            if (!r->oid || !r->live)
                continue; /* pruned */
            d->recs[keep++] = r;
            if (e || r->oid == exclude || r->run == run || !(r->dep < arr && dep < r->arr))
                continue; /* the same run is same_document's */
            char id[LX_BOOK_ID_LEN];
            bk_id_format(r->oid, id);
            snprintf(why, why_len,
                     "passenger %u's document already holds a ticket on train %s that overlaps "
                     "this journey, in order %s: one trip at a time (rule overlapping_trip)",
                     i + 1, lx_tt_train_number(b->feeds[r->feed].tt, lx_inv_run_trip(r->run)),
                     id);
            e = LX_RULE;
        }
        d->n = keep;
        if (e)
            return e;
    }
    return LX_OK;
}

int bk_trips_add(lx_book *b, bk_order *rec, const char *text)
{
    const char *h[LX_INV_MAX_PAX];
    uint32_t n = bk_pax_hashes(bk_text_pax(text), h);
    for (uint32_t i = 0; i < n; i++) {
        if ((b->docs_n + 1) * 2 > b->docs_cap && grow(b) != 0)
            return -1;
        bk_doc *d = find(b, key_of(h[i]));
        if (!d->key) {
            d->key = key_of(h[i]);
            b->docs_n++;
        }
        int seen = 0;
        for (uint32_t k = 0; k < d->n && !seen; k++)
            seen = d->recs[k] == rec;
        if (seen)
            continue;
        if (d->n == d->cap) {
            uint32_t cap = d->cap ? d->cap * 2 : 4;
            bk_order **t = realloc(d->recs, cap * sizeof *t);
            if (!t)
                return -1;
            d->recs = t;
            d->cap = cap;
        }
        d->recs[d->n++] = rec;
    }
    rec->indexed = n > 0;
    return 0;
}

void bk_trips_free(lx_book *b)
{
    for (uint32_t i = 0; i < b->docs_cap; i++)
        free(b->docs[i].recs);
    free(b->docs);
    b->docs = NULL;
    b->docs_cap = b->docs_n = 0;
}
