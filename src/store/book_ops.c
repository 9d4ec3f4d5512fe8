/* Operations of the booking store on the engine: holds and sales, the life cycle of an
 * order, expiry, undo; the price of a journey; an order as the API tells it. Every
 * engine call holds the feed's runs lock (read) and the run's stripe lock. See book.c
 * for the design and "operations" below for who runs what. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "book_int.h"

/* ---- the log of a batch ---- */

/* Room for one more change in the log (durable only). Only the thread applying a batch
 * (stage A, or stage B / refresh / check under apply_mu) grows its log. */
static int reserve(bk_ctx *c)
{
    bk_batch *bt = c->bt;
    if (!bt || bt->n_log < bt->cap_log)
        return 0;
    size_t cap = bt->cap_log ? bt->cap_log * 2 : 1024;
    bk_undo *u = realloc(bt->log, cap * sizeof *u);
    if (!u)
        return -1;
    bt->log = u;
    bt->cap_log = cap;
    return 0;
}

static void count(lx_book_stats *st, const lx_inv_change *chg)
{
    st->changes++;
    switch (chg->after.state) {
    case LX_ORDER_HELD:
        st->holds++;
        break;
    case LX_ORDER_CONFIRMED:
        if (chg->before.state == LX_ORDER_NONE)
            st->sales++;
        else
            st->confirms++;
        break;
    case LX_ORDER_CANCELLED:
        st->cancels++;
        break;
    case LX_ORDER_EXPIRED:
        st->expiries++;
        break;
    case LX_ORDER_REFUNDED:
        st->refunds++;
        break;
    }
}

/* A change the engine made (under the run's lock, with room reserved, rec already as
 * the change left it): counted, and when durable logged for its row and its undo.
 * old_text: the text it replaced (freed now in memory_only, at commit otherwise). */
static void changed(bk_ctx *c, bk_order *rec, const lx_inv_change *chg, int was_new,
                    lx_instant_t old_updated, char *old_text, int text_replaced)
{
    count(&c->st, chg);
    if (!c->bt) {
        if (text_replaced)
            free(old_text);
        return;
    }
    bk_batch *bt = c->bt;
    bk_undo *u = &bt->log[bt->n_log++];
    u->rec = rec;
    u->chg = *chg;
    u->old_updated = old_updated;
    u->updated = rec->updated_at;
    u->old_row = 0;
    u->old_text = text_replaced ? old_text : NULL;
    u->text = rec->text;
    u->was_new = (uint8_t)was_new;
    u->text_replaced = (uint8_t)text_replaced;
}

void bk_undo_all(lx_book *b, bk_batch *bt)
{
    for (size_t i = bt->n_log; i-- > 0;) {
        bk_undo *u = &bt->log[i];
        bk_order *rec = u->rec;
        bk_feed *f = &b->feeds[rec->feed];
        pthread_rwlock_rdlock(&f->runs);
        pthread_mutex_lock(&b->stripes[rec->stripe]);
        /* the change was made on exactly this state, so restoring it cannot collide */
        lx_err e = lx_inv_restore(rec->run, &u->chg.before);
        (void)e;
        rec->updated_at = u->old_updated;
        if (i < bt->flushed)
            rec->row = u->old_row;
        if (u->text_replaced) {
            free(rec->text);
            rec->text = u->old_text;
        }
        if (u->was_new)
            bk_map_remove(b, rec);
        pthread_mutex_unlock(&b->stripes[rec->stripe]);
        pthread_rwlock_unlock(&f->runs);
    }
    bt->n_log = bt->flushed = 0;
}

void bk_undo_forget(lx_book *b, bk_batch *bt)
{
    (void)b;
    for (size_t i = 0; i < bt->n_log; i++)
        if (bt->log[i].text_replaced)
            free(bt->log[i].old_text);
    bt->n_log = bt->flushed = 0;
}

void bk_stats_sum(lx_book_stats *t, const lx_book_stats *st)
{
    t->commits += st->commits;
    t->changes += st->changes;
    t->holds += st->holds;
    t->sales += st->sales;
    t->confirms += st->confirms;
    t->cancels += st->cancels;
    t->refunds += st->refunds;
    t->expiries += st->expiries;
    t->refusals += st->refusals;
}

void bk_stats_add(lx_book *b, const lx_book_stats *st)
{
    pthread_mutex_lock(&b->stats_mu);
    bk_stats_sum(&b->stats, st);
    pthread_mutex_unlock(&b->stats_mu);
}

/* ---- an order as the API tells it ---- */

void bk_fill(const lx_book *b, const bk_order *rec, const lx_inv_order *o, lx_book_order *out)
{
    const lx_tt *tt = b->feeds[rec->feed].tt;
    const lx_inv_run *run = rec->run;
    uint32_t trip = lx_inv_run_trip(run), nt, ns;
    const lx_trip *t = &lx_tt_trips(tt, &nt)[trip];
    const lx_station *stations = lx_tt_stations(tt, &ns);
    const uint32_t *st_stop = lx_tt_st_stop(tt);

    memset(out, 0, sizeof *out);
    bk_id_format(o->id, out->id);
    out->state = (lx_order_state)o->state;
    bk_copy(out->feed, sizeof out->feed, lx_tt_feed_name(tt));
    bk_copy(out->trip_id, sizeof out->trip_id, t->id);
    bk_copy(out->train, sizeof out->train, lx_tt_train_number(tt, trip));
    out->service_day = lx_inv_run_day(run);
    bk_copy(out->from_stop, sizeof out->from_stop, stations[st_stop[t->st_first + o->from]].id);
    bk_copy(out->to_stop, sizeof out->to_stop, stations[st_stop[t->st_first + o->to]].id);
    out->from_pos = o->from;
    out->to_pos = o->to;
    /* the run knows its departures; a stop time is "noon minus 12 h" of the service day
     * plus its GTFS time, so the arrival is as far from the departure as in the
     * timetable (lx_tt_st_instant, without converting time zones again) */
    out->departure = lx_inv_departure(run, o->from);
    out->arrival = lx_inv_departure(run, o->to) - lx_tt_st_departure(tt)[t->st_first + o->to] +
                   lx_tt_st_arrival(tt)[t->st_first + o->to];
    bk_copy(out->cls, sizeof out->cls, lx_inv_class_name(run, o->cls));
    out->n = o->n;
    for (uint32_t i = 0; i < o->n && i < LX_INV_MAX_PAX; i++)
        bk_seat_label(run, o->seats[i], out->seats[i]);
    /* passengers: "name\tmasked\ttype\tbirth\t#hash\n" lines (bk_pax_format) */
    const char *p = bk_text_pax(rec->text);
    for (uint32_t i = 0; i < o->n && *p; i++) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            nl = p + strlen(p);
        lx_book_pax *x = &out->pax[i];
        char *fields[5] = {x->name, x->document, x->doc_type, x->birth_date, x->doc_hash};
        const size_t caps[5] = {sizeof x->name, sizeof x->document, sizeof x->doc_type,
                                sizeof x->birth_date, sizeof x->doc_hash};
        const char *f = p;
        for (int k = 0; k < 5 && f <= nl; k++) {
            const char *tab = memchr(f, '\t', (size_t)(nl - f));
            const char *end = tab ? tab : nl;
            if (k == 4 && f < end && *f == '#')
                f++;
            size_t len = (size_t)(end - f);
            len = len < caps[k] - 1 ? len : caps[k] - 1;
            memcpy(fields[k], f, len);
            fields[k][len] = 0;
            if (!tab)
                break;
            f = tab + 1;
        }
        p = *nl ? nl + 1 : nl;
    }
    out->price = rec->price;
    bk_copy(out->currency, sizeof out->currency, rec->currency);
    out->created_at = o->created_at;
    out->expires_at = o->expires_at;
    out->updated_at = rec->updated_at;
    bk_copy(out->payment, sizeof out->payment, bk_text_payment(rec->text));
}

/* ---- prices ---- */

static const char *selling_currency(const lx_station *stations, uint32_t stop)
{
    const char *cc = stations[stop].country;
    if (!cc[0] && stations[stop].parent != LX_NONE)
        cc = stations[stations[stop].parent].country;
    if (!strcmp(cc, "CN"))
        return "CNY";
    if (!strcmp(cc, "LA"))
        return "LAK";
    return NULL;
}

/* The fare between stops a and b, trying each and its parent station. */
static const lx_fare *fare_of(const lx_tt *tt, uint32_t agency, uint32_t a, uint32_t b,
                              const char *cls, const char *currency)
{
    uint32_t ns;
    const lx_station *st = lx_tt_stations(tt, &ns);
    uint32_t as[2] = {a, st[a].parent}, bs[2] = {b, st[b].parent};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            if (as[i] == LX_NONE || bs[j] == LX_NONE)
                continue;
            const lx_fare *f = lx_tt_fare(tt, agency, as[i], bs[j], cls, currency);
            if (f)
                return f;
        }
    return NULL;
}

/* price = fare * n in the asked currency, else the selling side's (the country of the
 * departure station), else any the operator has; -1 and "" when there is no fare. */
static void price_of(const lx_tt *tt, const lx_trip *t, uint32_t from, uint32_t to, const char *cls,
                     uint32_t n, const char *currency, bk_order *rec)
{
    uint32_t nr, ns;
    const lx_route *routes = lx_tt_routes(tt, &nr);
    const lx_station *stations = lx_tt_stations(tt, &ns);
    const uint32_t *st_stop = lx_tt_st_stop(tt);
    uint32_t a = st_stop[t->st_first + from], b = st_stop[t->st_first + to];
    uint32_t agency = t->route < nr ? routes[t->route].agency : LX_NONE;
    const lx_fare *f = NULL;
    if (currency && *currency) {
        f = fare_of(tt, agency, a, b, cls, currency);
    } else {
        const char *side = selling_currency(stations, a);
        if (side)
            f = fare_of(tt, agency, a, b, cls, side);
        if (!f)
            f = fare_of(tt, agency, a, b, cls, NULL);
    }
    rec->price = f ? f->amount * (int64_t)n : -1;
    bk_copy(rec->currency, sizeof rec->currency, f ? f->currency : "");
}

/* ---- operations ----
 *
 * An op goes through three steps. bk_prepare runs in the caller's thread before the op
 * is queued: everything that does not depend on the inventory's state (checking the
 * request, finding or creating the run, the class, named seats, the price, the text,
 * a fresh id, the record of an existing order). bk_apply runs in the leader between
 * BEGIN and COMMIT: the engine call and its bookkeeping, nothing more. bk_finish runs in
 * the caller's thread after the acknowledgement: the order as the API tells it, and
 * freeing what a refused op did not use. So the one thread that all commits go through
 * does as little as it can. */

static uint32_t class_of(const lx_inv_run *run, const char *name)
{
    if (name && *name)
        return lx_inv_class(run, name);
    return lx_inv_class_count(run) == 1 ? 0 : LX_NONE;
}

/* Expires the run's holds whose deadline has passed (holding its locks). */
static uint32_t expire_due(bk_ctx *c, lx_inv_run *run)
{
    lx_book *b = c->b;
    uint32_t done = 0;
    if (lx_inv_next_expiry(run) > c->now)
        return 0;
    lx_order_id ids[64];
    for (;;) {
        uint32_t k = lx_inv_expired(run, c->now, ids, 64), m = k < 64 ? k : 64, progress = 0;
        for (uint32_t i = 0; i < m; i++) {
            bk_order *rec = bk_map_find(b, ids[i]);
            if (!rec || reserve(c) != 0)
                continue;
            lx_inv_op op = {.code = LX_INV_EXPIRE, .order = ids[i], .now = c->now};
            lx_inv_change chg;
            if (lx_inv_apply(run, &op, &chg) != LX_OK)
                continue;
            lx_instant_t old = rec->updated_at;
            rec->updated_at = c->now;
            changed(c, rec, &chg, 0, old, NULL, 0);
            progress++;
        }
        done += progress;
        if (k <= 64 || !progress)
            return done;
    }
}

/* The text of a new order: its owner and passengers. 0, or -1 when out of memory. */
static int hold_text(const lx_book *b, const lx_book_req *q, char **text)
{
    char pax[LX_INV_MAX_PAX * (sizeof q->pax[0] + BK_DOC_HASH_HEX + 8) + 1];
    bk_pax_format(b->doc_key, q->pax, q->n, pax, sizeof pax);
    int nomem = 0;
    *text = bk_text_make(q->owner, NULL, pax, &nomem);
    return nomem ? -1 : 0;
}

static lx_err prep_hold(lx_book *b, const lx_book_op *op, bk_prep *p, char *msg, size_t msg_len)
{
    const lx_book_req *q = op->req;
    if (!q)
        return bk_say(LX_INVAL, msg, msg_len, "a hold needs a request");
    if (q->feed >= b->n_feeds)
        return bk_say(LX_NOTFOUND, msg, msg_len, "no feed %u", q->feed);
    const lx_tt *tt = b->feeds[q->feed].tt;
    uint32_t nt;
    const lx_trip *trips = lx_tt_trips(tt, &nt);
    if (q->leg.trip >= nt)
        return bk_say(LX_NOTFOUND, msg, msg_len, "no trip %u in feed %s", q->leg.trip,
                      lx_tt_feed_name(tt));
    const lx_trip *t = &trips[q->leg.trip];
    if (q->leg.from_pos < t->st_first || q->leg.to_pos >= t->st_first + t->st_count ||
        q->leg.from_pos >= q->leg.to_pos)
        return bk_say(LX_INVAL, msg, msg_len, "the journey is not a part of train %s",
                      lx_tt_train_number(tt, q->leg.trip));
    uint32_t from = q->leg.from_pos - t->st_first, to = q->leg.to_pos - t->st_first;
    if (to > UINT8_MAX)
        return bk_say(LX_RANGE, msg, msg_len, "train %s has too many stops to sell",
                      lx_tt_train_number(tt, q->leg.trip));
    if (q->n < 1 || q->n > LX_INV_MAX_PAX)
        return bk_say(LX_INVAL, msg, msg_len, "an order has 1 to %d passengers, not %u",
                      LX_INV_MAX_PAX, q->n);
    lx_err e = bk_run_get(b, q->feed, q->leg.trip, q->leg.service_day, 1, &p->run, msg, msg_len);
    if (e)
        return e;
    uint32_t cls = class_of(p->run, q->cls);
    if (cls == LX_NONE)
        return bk_say(LX_INVAL, msg, msg_len, "train %s has no class '%s'",
                      lx_tt_train_number(tt, q->leg.trip), q->cls ? q->cls : "");
    /* each side sells the journeys that start in its country */
    const char *start = lx_inv_stop_country(p->run, from);
    if (q->seller && *q->seller && *start && strcasecmp(start, q->seller) != 0)
        return bk_say(LX_RULE, msg, msg_len,
                      "this office sells journeys that start in %s; a journey from %s is sold "
                      "by the other side (rule selling_side)",
                      q->seller, start);
    /* real names: a journey across a border needs a passport (a passenger whose document
     * type is not said is taken as holding the one shown) */
    for (uint32_t i = 0; i < q->n; i++) {
        if (q->pax[i].doc_type[0] && !lx_book_doc_type_valid(q->pax[i].doc_type))
            return bk_say(LX_INVAL, msg, msg_len, "'%s' is not a kind of travel document",
                          q->pax[i].doc_type);
        if (q->pax[i].doc_type[0] && strcmp(q->pax[i].doc_type, "passport") != 0 &&
            lx_inv_is_cross_border(p->run, from, to))
            return bk_say(LX_RULE, msg, msg_len,
                          "passenger %u travels across a border on a %s: a passport is "
                          "needed (rule passport_required)",
                          i + 1, q->pax[i].doc_type);
    }
    lx_inv_op *iop = &p->iop;
    iop->code = op->code == LX_INV_SELL || q->confirm ? LX_INV_SELL : LX_INV_HOLD;
    iop->owner = bk_owner_token(q->owner);
    iop->req.from = (uint8_t)from;
    iop->req.to = (uint8_t)to;
    iop->req.cls = (uint8_t)cls;
    iop->req.n = (uint8_t)q->n;
    iop->req.pref = (uint8_t)q->pref;
    iop->req.policy = LX_ALLOC_BEST_FIT;
    for (uint32_t i = 0; i < q->n && q->seats[i]; i++) {
        uint32_t seat;
        if (lx_inv_seat_parse(p->run, q->seats[i], &seat) != LX_OK)
            return bk_say(LX_NOTFOUND, msg, msg_len, "train %s has no seat '%s'",
                          lx_tt_train_number(tt, q->leg.trip), q->seats[i]);
        iop->req.want[iop->req.n_want++] = seat;
    }
    p->feed = q->feed;
    p->stripe = bk_stripe_of(q->feed, q->leg.trip, q->leg.service_day);
    price_of(tt, t, from, to, lx_inv_class_name(p->run, cls), q->n, q->currency, &p->price);
    if (hold_text(b, q, &p->text) != 0)
        return LX_NOMEM;
    if (!(iop->order = bk_id_new(b)))
        return bk_say(LX_INTERNAL, msg, msg_len, "no random numbers for an order id");
    return LX_OK;
}

void bk_prepare(lx_book *b, const lx_book_op *op, bk_prep *p, char *msg, size_t msg_len)
{
    memset(p, 0, sizeof *p);
    switch (op->code) {
    case LX_INV_HOLD:
    case LX_INV_SELL:
        p->err = prep_hold(b, op, p, msg, msg_len);
        break;
    case LX_INV_EXPIRE:
        if (!op->id)
            break; /* every run */
        /* fall through */
    case LX_INV_CONFIRM:
    case LX_INV_CANCEL:
    case LX_INV_REFUND: {
        lx_order_id oid = bk_id_parse(op->id);
        if (!oid) {
            p->err = bk_say(LX_NOTFOUND, msg, msg_len, "no order %s", op->id ? op->id : "(none)");
            break;
        }
        /* NULL when not known yet: the leader looks again once it has caught up */
        p->rec = bk_map_find(b, oid);
        p->iop.code = op->code;
        p->iop.order = oid;
        p->iop.owner = op->code == LX_INV_EXPIRE ? 0 : bk_owner_token(op->owner);
        break;
    }
    default:
        p->err = bk_say(LX_INVAL, msg, msg_len, "unknown operation %u", op->code);
    }
}

/* The engine takes the seats of a new order and the map files it. */
static lx_err take(lx_book *b, bk_prep *p, lx_inv_change *chg, bk_order **rec)
{
    for (;;) {
        int dup = 0;
        lx_err e = lx_inv_apply(p->run, &p->iop, chg);
        if (e == LX_OK) {
            if ((*rec = bk_map_add(b, p->iop.order, &dup)))
                return LX_OK;
            lx_inv_restore(p->run, &chg->before);
            if (!dup)
                return LX_NOMEM;
        } else if (e != LX_INVAL || !bk_map_find(b, p->iop.order)) {
            return e;
        }
        /* the id drawn in bk_prepare was free then, and another caller drew the same one
         * since (64 random bits: about never): draw again */
        if (!(p->iop.order = bk_id_new(b)))
            return LX_INTERNAL;
    }
}

/* The keyed document hashes of an order's passenger lines (the 32 hex digits after
 * "\t#"), at most LX_INV_MAX_PAX; lines without one (no document) are skipped. */
static uint32_t pax_hashes(const char *pax, const char *out[LX_INV_MAX_PAX])
{
    uint32_t n = 0;
    for (const char *p = pax; p && *p && n < LX_INV_MAX_PAX;) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            nl = p + strlen(p);
        const char *hash = NULL;
        for (const char *q = p; q + 1 < nl; q++)
            if (q[0] == '\t' && q[1] == '#')
                hash = q + 2;
        if (hash && nl - hash >= BK_DOC_HASH_HEX - 1)
            out[n++] = hash;
        p = *nl ? nl + 1 : nl;
    }
    return n;
}

/* Real names: one document holds at most one ticket per train per date. LX_RULE (why
 * says which passenger and which order) when a passenger of the new order shows a
 * document that a live order of the run (held or paid), or another passenger of the
 * same order, already holds. Under the run's stripe lock, so two holds of one
 * document race to one winner; orders of the same batch are seen, as they are filed
 * when applied. Orders without documents are not looked at. */
static lx_err same_document(lx_book *b, bk_prep *p)
{
    const char *mine[LX_INV_MAX_PAX], *theirs[LX_INV_MAX_PAX];
    uint32_t nm = pax_hashes(bk_text_pax(p->text), mine);
    const size_t H = BK_DOC_HASH_HEX - 1;
    for (uint32_t i = 0; i < nm; i++)
        for (uint32_t j = 0; j < i; j++)
            if (memcmp(mine[i], mine[j], H) == 0) {
                snprintf(p->why, sizeof p->why,
                         "passengers %u and %u show the same document: one ticket per document "
                         "per train (rule one_ticket_per_train)",
                         j + 1, i + 1);
                return LX_RULE;
            }
    uint32_t n = nm ? lx_inv_order_count(p->run) : 0;
    for (uint32_t k = 0; k < n; k++) {
        const lx_inv_order *o = lx_inv_order_at(p->run, k);
        if (o->state != LX_ORDER_HELD && o->state != LX_ORDER_CONFIRMED)
            continue;
        bk_order *rec = bk_map_find(b, o->id);
        uint32_t nt = rec && rec->text ? pax_hashes(bk_text_pax(rec->text), theirs) : 0;
        for (uint32_t i = 0; i < nm; i++)
            for (uint32_t j = 0; j < nt; j++)
                if (memcmp(mine[i], theirs[j], H) == 0) {
                    char id[LX_BOOK_ID_LEN];
                    bk_id_format(o->id, id);
                    snprintf(p->why, sizeof p->why,
                             "passenger %u's document already holds a ticket on this train "
                             "on this date, in order %s (rule one_ticket_per_train)",
                             i + 1, id);
                    return LX_RULE;
                }
    }
    return LX_OK;
}

static lx_err apply_hold(bk_ctx *c, const lx_book_op *op, bk_prep *p)
{
    lx_book *b = c->b;
    bk_feed *f = &b->feeds[p->feed];
    lx_inv_change chg;
    bk_order *rec;
    p->iop.now = c->now;
    p->done = NULL;
    if (p->text_given) {
        /* applied before, then undone (which freed the order's text): again */
        p->text_given = 0;
        if (hold_text(b, op->req, &p->text) != 0)
            return LX_NOMEM;
    }
    pthread_rwlock_rdlock(&f->runs);
    pthread_mutex_lock(&b->stripes[p->stripe]);
    expire_due(c, p->run);
    p->why[0] = 0;
    lx_err e = reserve(c) != 0 ? LX_NOMEM : same_document(b, p);
    if (e == LX_OK)
        e = take(b, p, &chg, &rec);
    if (e == LX_OK) {
        rec->feed = p->feed;
        rec->stripe = p->stripe;
        rec->run = p->run;
        rec->price = p->price.price;
        memcpy(rec->currency, p->price.currency, sizeof rec->currency);
        rec->updated_at = c->now;
        rec->text = p->text;
        p->text = NULL;
        p->text_given = 1;
        changed(c, rec, &chg, 1, 0, NULL, 0);
        if (op->out) {
            p->done = rec;
            p->after = chg.after;
        }
    }
    pthread_mutex_unlock(&b->stripes[p->stripe]);
    pthread_rwlock_unlock(&f->runs);
    return e;
}

/* Confirm, cancel, refund or expire one order. */
static lx_err apply_life(bk_ctx *c, const lx_book_op *op, bk_prep *p)
{
    lx_book *b = c->b;
    /* the record found while preparing may have gone since (an undone creation; a
     * catch-up that filed the order anew): look again */
    bk_order *rec = p->rec;
    p->done = NULL;
    if (!rec || rec->oid != p->iop.order)
        rec = p->rec = bk_map_find(b, p->iop.order);
    if (!rec)
        return LX_NOTFOUND;
    bk_feed *f = &b->feeds[rec->feed];
    lx_err e = LX_OK;
    lx_inv_change chg;
    char *text = NULL;
    int nomem = 0, replace = op->code == LX_INV_CONFIRM && op->payment && *op->payment;
    p->iop.now = c->now;
    pthread_rwlock_rdlock(&f->runs);
    pthread_mutex_lock(&b->stripes[rec->stripe]);
    if (rec->oid != p->iop.order) {
        e = LX_NOTFOUND; /* its creation was undone meanwhile */
    } else if (reserve(c) != 0) {
        e = LX_NOMEM;
    } else if (replace) {
        text = bk_text_make(bk_text_owner(rec->text), op->payment, bk_text_pax(rec->text), &nomem);
        if (nomem)
            e = LX_NOMEM;
    }
    if (e == LX_OK) {
        e = lx_inv_apply(rec->run, &p->iop, &chg);
        if (op->code == LX_INV_CONFIRM && e == LX_EXPIRED) {
            /* paid too late: the hold expires now, durably, and the seats are free */
            lx_inv_op ex = {.code = LX_INV_EXPIRE, .order = p->iop.order, .now = c->now};
            lx_inv_change xc;
            if (lx_inv_apply(rec->run, &ex, &xc) == LX_OK) {
                lx_instant_t old = rec->updated_at;
                rec->updated_at = c->now;
                changed(c, rec, &xc, 0, old, NULL, 0);
            }
        } else if (op->code == LX_INV_CONFIRM && e == LX_CONFLICT) {
            const lx_inv_order *o = lx_inv_order_get(rec->run, p->iop.order);
            if (o && o->state == LX_ORDER_EXPIRED)
                e = LX_EXPIRED;
        }
    }
    if (e == LX_OK) {
        lx_instant_t old = rec->updated_at;
        char *old_text = rec->text;
        rec->updated_at = c->now;
        if (replace)
            rec->text = text;
        changed(c, rec, &chg, 0, old, old_text, replace);
        if (op->out) {
            p->done = rec;
            p->after = chg.after;
        }
    } else {
        free(text);
    }
    pthread_mutex_unlock(&b->stripes[rec->stripe]);
    pthread_rwlock_unlock(&f->runs);
    return e;
}

typedef struct {
    bk_ctx *c;
    uint32_t total;
} expire_state;

static void expire_run(lx_book *b, uint32_t feed, uint16_t stripe, lx_inv_run *run, void *arg)
{
    (void)b, (void)feed, (void)stripe;
    expire_state *es = arg;
    es->total += expire_due(es->c, run);
}

/* Expires every due hold of every run. */
static lx_err expire_all(bk_ctx *c, uint32_t *expired)
{
    expire_state es = {c, 0};
    bk_each_run(c->b, expire_run, &es);
    if (expired)
        *expired += es.total;
    return LX_OK;
}

lx_err bk_apply(bk_ctx *c, const lx_book_op *op, bk_prep *p, char *msg, size_t msg_len,
                uint32_t *expired)
{
    lx_err e = p->err;
    if (e == LX_OK) {
        if (op->code == LX_INV_HOLD || op->code == LX_INV_SELL)
            e = apply_hold(c, op, p);
        else if (op->code == LX_INV_EXPIRE && !op->id)
            e = expire_all(c, expired);
        else if ((e = apply_life(c, op, p)) == LX_OK && op->code == LX_INV_EXPIRE && expired)
            (*expired)++;
        if (e == LX_RULE && p->why[0])
            bk_say(e, msg, msg_len, "%s", p->why);
        else if (e != LX_OK && p->run)
            bk_say(e, msg, msg_len, "train %s: %s",
                   lx_tt_train_number(c->b->feeds[p->feed].tt, lx_inv_run_trip(p->run)),
                   lx_strerror(e));
        else if (e != LX_OK)
            bk_say(e, msg, msg_len, "order %s: %s", op->id, lx_strerror(e));
    }
    if (e != LX_OK)
        c->st.refusals++;
    return e;
}

void bk_finish(lx_book *b, const lx_book_op *op, bk_prep *p, lx_err result)
{
    free(p->text); /* not taken by an order */
    p->text = NULL;
    if (result != LX_OK || !p->done || !op->out)
        return;
    bk_order *rec = p->done;
    bk_feed *f = &b->feeds[rec->feed];
    pthread_rwlock_rdlock(&f->runs);
    pthread_mutex_lock(&b->stripes[rec->stripe]);
    bk_fill(b, rec, &p->after, op->out);
    pthread_mutex_unlock(&b->stripes[rec->stripe]);
    pthread_rwlock_unlock(&f->runs);
}
