/* Operations of the booking store on the engine: holds and sales, the life cycle of an
 * order, expiry, undo; the price of a journey; an order as the API tells it. Every
 * engine call holds the feed's runs lock (read) and the run's stripe lock. See book.c
 * for the design and "operations" below for who runs what. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "book_int.h"
#include "lanxang/fees.h"

/* ---- the log of a batch ---- */

/* Room for one more change in the log (durable only). Only the thread applying a batch
 * (stage A, or stage B / refresh / check under apply_mu) grows its log. */
static int reserve_n(bk_ctx *c, size_t k)
{
    bk_batch *bt = c->bt;
    if (!bt || bt->n_log + k <= bt->cap_log)
        return 0;
    size_t cap = bt->cap_log ? bt->cap_log * 2 : 1024;
    bk_undo *u = realloc(bt->log, cap * sizeof *u);
    if (!u)
        return -1;
    bt->log = u;
    bt->cap_log = cap;
    return 0;
}

static int reserve(bk_ctx *c)
{
    return reserve_n(c, 1);
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
static int is_live(uint8_t state)
{
    return state == LX_ORDER_HELD || state == LX_ORDER_CONFIRMED;
}

/* An indexed order's live flag as a state leaves it (book_trips.c). */
static void set_live(lx_book *b, bk_order *rec, uint8_t state)
{
    if (!rec->indexed)
        return;
    bk_trips_lock(b);
    rec->live = (uint8_t)is_live(state);
    bk_trips_unlock(b);
}

static void changed(bk_ctx *c, bk_order *rec, const lx_inv_change *chg, int was_new,
                    lx_instant_t old_updated, char *old_text, int text_replaced)
{
    count(&c->st, chg);
    set_live(c->b, rec, chg->after.state);
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

/* A cancel of an unpaid hold counts against its user (book_users.c). */
static void note_cancel(lx_book *b, const char *text, lx_instant_t at, int add)
{
    char user[80];
    if (bk_extra_get(bk_text_extra(text), "user", user, sizeof user))
        bk_user_cancel(b, user, at, add);
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
        if (u->chg.after.state == LX_ORDER_CANCELLED && u->chg.before.state == LX_ORDER_HELD)
            note_cancel(b, rec->text, u->updated, 0);
        set_live(b, rec, u->chg.before.state);
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
    /* passengers: "name\tmasked\ttype\tbirth\t#hash\tfare_type\tfare\n" lines
     * (bk_pax_format; the last two since issue 5's fares) */
    const char *p = bk_text_pax(rec->text);
    for (uint32_t i = 0; i < LX_INV_MAX_PAX && *p; i++) {
        lx_book_pax *x = &out->pax[i];
        char fare[24], hash[sizeof x->doc_hash + 1];
        char *fields[7] = {x->name, x->document, x->doc_type, x->birth_date,
                           hash,    x->fare_type, fare};
        const size_t caps[7] = {sizeof x->name,       sizeof x->document, sizeof x->doc_type,
                                sizeof x->birth_date, sizeof hash,        sizeof x->fare_type,
                                sizeof fare};
        p = bk_split_line(p, fields, caps, 7);
        bk_copy(x->doc_hash, sizeof x->doc_hash, hash[0] == '#' ? hash + 1 : hash);
        if (!x->fare_type[0])
            bk_copy(x->fare_type, sizeof x->fare_type, "adult");
        char *end;
        long long v = strtoll(fare, &end, 10);
        x->fare = fare[0] && !*end ? (int64_t)v : (rec->price >= 0 && o->n ? rec->price / o->n : -1);
        out->n_pax = i + 1;
    }
    if (out->n_pax < o->n)
        out->n_pax = o->n;
    const char *extra = bk_text_extra(rec->text);
    out->refund_fee = bk_extra_int(extra, "refund_fee", -1);
    out->fee_departure = bk_extra_int(extra, "fee_departure", out->departure);
    bk_extra_get(extra, "changed_from", out->changed_from, sizeof out->changed_from);
    bk_extra_get(extra, "changed_to", out->changed_to, sizeof out->changed_to);
    bk_extra_get(extra, "user", out->user, sizeof out->user);
    bk_extra_get(extra, "journey", out->journey, sizeof out->journey);
    out->price = rec->price;
    bk_copy(out->currency, sizeof out->currency, rec->currency);
    out->created_at = o->created_at;
    out->expires_at = o->expires_at;
    out->updated_at = rec->updated_at;
    bk_copy(out->payment, sizeof out->payment, bk_text_payment(rec->text));
}

/* ---- prices ---- */

/* The adult fare of the journey (lx_tt_journey_fare): in the asked currency, else the
 * selling side's, else any; -1 and "" when there is no fare. */
static void base_fare(const lx_tt *tt, const lx_trip *t, uint32_t trip, uint32_t from,
                      uint32_t to, const char *cls, const char *currency, bk_order *rec)
{
    const uint32_t *st_stop = lx_tt_st_stop(tt);
    const lx_fare *f = lx_tt_journey_fare(tt, trip, st_stop[t->st_first + from],
                                          st_stop[t->st_first + to], cls, currency);
    rec->price = f ? f->amount : -1;
    bk_copy(rec->currency, sizeof rec->currency, f ? f->currency : "");
}

/* The passengers of a hold with their fares (lanxang/fares.h): p->pax, seated ones
 * first in the order asked, then infants, each beside the passenger whose lap it sits
 * on; p->price the order's total. *n_seats: seats to take. LX_RULE or LX_INVAL (msg
 * naming the rule) when a passenger may not travel on the fare type asked. */
/* Whether the operator's adult fare is the fare as it is, for anyone (as by default). */
static int adult_is_plain(const lx_tt *tt, uint32_t agency)
{
    lx_fare_type ft[LX_FARE_TYPE_COUNT];
    uint32_t n = lx_fare_types_of(tt, agency, ft);
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(ft[i].fare_type, "adult"))
            return ft[i].percent == 100 && ft[i].min_age < 0 && ft[i].max_age < 0;
    return 0;
}

/* Whether every passenger of q is an adult (fare type not said or "adult"). */
static int all_adults(const lx_book_req *q)
{
    for (uint32_t i = 0; i < q->n; i++)
        if (q->pax[i].fare_type[0] && strcmp(q->pax[i].fare_type, "adult") != 0)
            return 0;
    return 1;
}

static lx_err pax_fares(lx_book *b, const lx_book_req *q, const lx_trip *t, uint32_t from,
                        uint32_t to, const char *cls, bk_prep *p, uint32_t *n_seats, char *msg,
                        size_t msg_len)
{
    const lx_tt *tt = b->feeds[q->feed].tt;
    uint32_t nr;
    const lx_route *routes = lx_tt_routes(tt, &nr);
    uint32_t agency = t->route < nr ? routes[t->route].agency : LX_NONE;
    const char *types[LX_INV_MAX_PAX], *births[LX_INV_MAX_PAX];
    for (uint32_t i = 0; i < q->n; i++) {
        types[i] = q->pax[i].fare_type;
        births[i] = q->pax[i].birth_date;
    }
    base_fare(tt, t, q->leg.trip, from, to, cls, q->currency, &p->price);
    lx_pax_fare *fares = p->fares;
    char rule[24];
    int64_t total;
    lx_err e;
    if (!p->quote && all_adults(q) && adult_is_plain(tt, agency)) {
        /* the usual sale: every passenger pays the adult fare as it is; the rules of
         * lx_fare_order have nothing to check and no note is asked for */
        for (uint32_t i = 0; i < q->n; i++)
            fares[i] = (lx_pax_fare){.fare_type = "adult", .base = p->price.price,
                                     .amount = p->price.price, .percent = 100, .age = -1,
                                     .seat = 1, .lap_of = LX_FARE_NO_LAP};
        total = p->price.price < 0 ? -1 : p->price.price * (int64_t)q->n;
        e = LX_OK;
    } else {
        e = lx_fare_order(tt, agency, q->leg.service_day, p->price.price, p->price.currency, q->n,
                          types, births, fares, &total, rule, msg, msg_len);
    }
    if (e) {
        if (msg && msg_len && rule[0]) {
            size_t k = strlen(msg);
            snprintf(msg + k, msg_len - k, " (rule %s)", rule);
        }
        return e;
    }
    /* seated passengers first: the engine's seats[i] is pax[i]'s */
    uint32_t k = 0, seated = 0;
    lx_pax_fare sorted[LX_INV_MAX_PAX];
    for (int pass = 1; pass >= 0; pass--)
        for (uint32_t i = 0; i < q->n; i++)
            if (fares[i].seat == pass) {
                p->pax[k] = q->pax[i];
                bk_copy(p->pax[k].fare_type, sizeof p->pax[k].fare_type, fares[i].fare_type);
                p->pax[k].fare = fares[i].amount;
                sorted[k++] = fares[i];
                seated += pass;
            }
    memcpy(fares, sorted, k * sizeof *fares);
    p->n_pax = k;
    p->price.price = p->price.price < 0 ? -1 : total;
    *n_seats = seated;
    return LX_OK;
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

/* The text of a new order: its owner, passengers (as prepared: seated first, with their
 * fares) and user. 0, or -1 when out of memory. */
static int hold_text(const lx_book *b, const lx_book_req *q, const bk_prep *p, char **text)
{
    char pax[LX_INV_MAX_PAX * (sizeof q->pax[0] + BK_DOC_HASH_HEX + 48) + 1];
    bk_pax_format(p->exclude ? NULL : b->doc_key, p->pax, p->n_pax, pax, sizeof pax);
    int nomem = 0;
    char *extra = NULL;
    if (p->user[0] && !(extra = bk_extra_set("", "user", p->user)))
        return -1;
    *text = bk_text_make(q->owner, q->confirm ? q->payment : NULL, pax, extra, &nomem);
    free(extra);
    return nomem ? -1 : 0;
}

static lx_err prep_hold(lx_book *b, const lx_book_op *op, bk_prep *p, lx_instant_t now, char *msg,
                        size_t msg_len)
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
    uint32_t n_seats;
    e = pax_fares(b, q, t, from, to, lx_inv_class_name(p->run, cls), p, &n_seats, msg, msg_len);
    if (e)
        return e;
    /* who asks: three unpaid holds cancelled today bar them until tomorrow */
    if (q->user && *q->user) {
        bk_copy(p->user, sizeof p->user, q->user);
    } else if (q->pax[0].document[0] && !p->exclude) {
        char masked[sizeof q->pax[0].document], hash[BK_DOC_HASH_HEX];
        bk_doc_protect(b->doc_key, q->pax[0].document, masked, sizeof masked, hash);
        snprintf(p->user, sizeof p->user, "doc:%s", hash);
    }
    lx_instant_t until;
    uint32_t ns;
    const lx_station *stations = lx_tt_stations(tt, &ns);
    const lx_tz *tz = stations[lx_tt_st_stop(tt)[q->leg.from_pos]].tz;
    if (op->code == LX_INV_HOLD && !q->confirm && tz && now &&
        bk_user_barred(b, p->user, tz, now, &until)) {
        char when[40];
        lx_tz_format_iso(tz, until, when);
        return bk_say(LX_RULE, msg, msg_len,
                      "%s cancelled three unpaid holds today: holding again from %s (rule "
                      "cancel_limit)",
                      strncmp(p->user, "doc:", 4) ? p->user : "this passenger's document", when);
    }
    lx_inv_op *iop = &p->iop;
    iop->code = op->code == LX_INV_SELL || q->confirm ? LX_INV_SELL : LX_INV_HOLD;
    iop->owner = bk_owner_token(q->owner);
    iop->req.from = (uint8_t)from;
    iop->req.to = (uint8_t)to;
    iop->req.cls = (uint8_t)cls;
    iop->req.n = (uint8_t)n_seats;
    iop->req.pref = (uint8_t)q->pref;
    iop->req.policy = LX_ALLOC_BEST_FIT;
    for (uint32_t i = 0; i < n_seats && q->seats[i]; i++) {
        uint32_t seat;
        if (lx_inv_seat_parse(p->run, q->seats[i], &seat) != LX_OK)
            return bk_say(LX_NOTFOUND, msg, msg_len, "train %s has no seat '%s'",
                          lx_tt_train_number(tt, q->leg.trip), q->seats[i]);
        iop->req.want[iop->req.n_want++] = seat;
    }
    p->feed = q->feed;
    p->stripe = bk_stripe_of(q->feed, q->leg.trip, q->leg.service_day);
    if (hold_text(b, q, p, &p->text) != 0)
        return LX_NOMEM;
    if (q->id && *q->id) {
        if (!(iop->order = bk_id_parse(q->id)))
            return bk_say(LX_INVAL, msg, msg_len, "'%s' is not an order id", q->id);
        p->fixed_id = 1;
    } else if (!(iop->order = bk_id_new(b))) {
        return bk_say(LX_INTERNAL, msg, msg_len, "no random numbers for an order id");
    }
    return LX_OK;
}

static void utc_text(lx_instant_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
        snprintf(buf, len, "%lld", (long long)t);
}

/* A copy of an order's text (its four strings); NULL for NULL or out of memory. */
static char *text_dup(const char *t)
{
    if (!t)
        return NULL;
    const char *x = bk_text_extra(t);
    size_t len = (size_t)(x + strlen(x) + 1 - t);
    char *d = malloc(len);
    if (d)
        memcpy(d, t, len);
    return d;
}

/* A change (12306's 改签): the order op->id, paid, becomes a new paid order on the
 * journey of op->req for the same passengers at the new journey's fares, in the old
 * one's currency; the old one is refunded in full (the fare difference is settled
 * between the two prices). Checked here as far as it can be before the seats' state;
 * apply_exchange checks it again under the runs' locks. */
static lx_err prep_exchange(lx_book *b, const lx_book_op *op, bk_prep *p, lx_instant_t now,
                            char *msg, size_t msg_len)
{
    lx_order_id oid = bk_id_parse(op->id);
    bk_order *old = oid ? bk_map_find(b, oid) : NULL;
    if (!old || !op->req)
        return bk_say(LX_NOTFOUND, msg, msg_len, "no order %s", op->id ? op->id : "(none)");
    lx_book_order cur;
    lx_err e = lx_book_get(b, op->id, &cur);
    if (e)
        return bk_say(e, msg, msg_len, "order %s: %s", op->id, lx_strerror(e));
    if (cur.changed_to[0])
        return bk_say(LX_RULE, msg, msg_len,
                      "order %s was changed to order %s already: a ticket is changed once "
                      "(rule one_change)",
                      cur.id, cur.changed_to);
    if (cur.state != LX_ORDER_CONFIRMED)
        return bk_say(LX_CONFLICT, msg, msg_len,
                      "order %s is %s: only a paid order can be changed", cur.id,
                      lx_order_state_name(cur.state));
    if (cur.changed_from[0])
        return bk_say(LX_RULE, msg, msg_len,
                      "order %s was changed from order %s already: a ticket is changed once "
                      "(rule one_change)",
                      cur.id, cur.changed_from);
    if (now > cur.departure)
        return bk_say(LX_CLOSED, msg, msg_len, "train %s has left: order %s can no longer be "
                      "changed", cur.train, cur.id);
    lx_book_req xq = *op->req;
    xq.n = cur.n_pax;
    memcpy(xq.pax, cur.pax, sizeof xq.pax);
    memset(xq.seats, 0, sizeof xq.seats);
    xq.confirm = 1;
    xq.currency = cur.currency[0] ? cur.currency : NULL;
    xq.id = NULL;
    xq.payment = cur.payment;
    xq.user = cur.user;
    char owner[LX_BOOK_ID_LEN + 128];
    {
        bk_feed *f = &b->feeds[old->feed];
        pthread_rwlock_rdlock(&f->runs);
        pthread_mutex_lock(&b->stripes[old->stripe]);
        bk_copy(owner, sizeof owner, bk_text_owner(old->text));
        pthread_mutex_unlock(&b->stripes[old->stripe]);
        pthread_rwlock_unlock(&f->runs);
    }
    if (bk_owner_token(owner) != bk_owner_token(op->owner))
        return bk_say(LX_FORBIDDEN, msg, msg_len, "order %s: %s", cur.id,
                      lx_strerror(LX_FORBIDDEN));
    xq.owner = owner;
    p->exclude = oid; /* before prep_hold: the passengers are kept as told */
    lx_book_op xop = {.code = LX_INV_SELL, .req = &xq};
    if ((e = prep_hold(b, &xop, p, now, msg, msg_len)))
        return e;
    /* within 48 hours of the original's departure, only to a train no later */
    lx_instant_t dep = lx_inv_departure(p->run, p->iop.req.from);
    if (cur.fee_departure - now < 48 * 3600 && dep > cur.departure) {
        char was[32], asked[32];
        utc_text(cur.departure, was, sizeof was);
        utc_text(dep, asked, sizeof asked);
        return bk_say(LX_RULE, msg, msg_len,
                      "within 48 hours of its departure (%s UTC) order %s may only change to a "
                      "train leaving no later; the one asked leaves %s UTC (rule "
                      "change_no_later)",
                      was, cur.id, asked);
    }
    /* the new order's text: the old one's owner, payment and user, and the change */
    char when[24];
    snprintf(when, sizeof when, "%lld", (long long)cur.fee_departure);
    char *x1 = bk_extra_set(bk_text_extra(p->text), "changed_from", cur.id);
    char *x2 = x1 ? bk_extra_set(x1, "fee_departure", when) : NULL;
    int nomem = !x2;
    char *t = x2 ? bk_text_make(owner, cur.payment, bk_text_pax(p->text), x2, &nomem) : NULL;
    free(x1);
    free(x2);
    if (nomem || !(p->xtext = text_dup(t))) {
        free(t);
        return LX_NOMEM;
    }
    free(p->text);
    p->text = t;
    p->rec = old;
    return LX_OK;
}

static lx_err prep_journey_hold(lx_book *b, const lx_book_op *op, bk_prep *p, lx_instant_t now,
                                char *msg, size_t msg_len);
static lx_err prep_journey_life(lx_book *b, const lx_book_op *op, bk_prep *p, char *msg,
                                size_t msg_len);

void bk_prepare(lx_book *b, const lx_book_op *op, bk_prep *p, lx_instant_t now, char *msg,
                size_t msg_len)
{
    memset(p, 0, sizeof *p);
    switch (op->code) {
    case LX_BOOK_EXCHANGE:
        p->err = prep_exchange(b, op, p, now, msg, msg_len);
        break;
    case LX_BOOK_JOURNEY_HOLD:
        p->err = prep_journey_hold(b, op, p, now, msg, msg_len);
        break;
    case LX_BOOK_JOURNEY_LIFE:
        p->err = prep_journey_life(b, op, p, msg, msg_len);
        break;
    case BK_QUOTE:
        p->quote = 1;
        /* fall through */
    case LX_INV_HOLD:
    case LX_INV_SELL:
        p->err = prep_hold(b, op, p, now, msg, msg_len);
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

lx_err lx_book_fare_quote(lx_book *b, const lx_book_req *req, lx_book_quote *out, char *msg,
                          size_t msg_len)
{
    lx_book_op op = {.code = BK_QUOTE, .req = req};
    bk_prep *p = malloc(sizeof *p);
    if (!p)
        return LX_NOMEM;
    bk_prepare(b, &op, p, 0, msg, msg_len);
    lx_err e = p->err;
    memset(out, 0, sizeof *out);
    out->price = e ? -1 : p->price.price;
    bk_copy(out->currency, sizeof out->currency, e ? "" : p->price.currency);
    if (!e) {
        out->n = p->n_pax;
        memcpy(out->pax, p->pax, sizeof out->pax);
        memcpy(out->fares, p->fares, sizeof out->fares);
    }
    bk_finish(b, &op, p, e ? e : LX_INVAL);
    free(p);
    return e;
}

lx_err lx_book_price(lx_book *b, const lx_book_req *req, int64_t *price, char currency[4],
                     char *msg, size_t msg_len)
{
    lx_book_quote q;
    lx_err e = lx_book_fare_quote(b, req, &q, msg, msg_len);
    *price = q.price;
    bk_copy(currency, 4, q.currency);
    return e;
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
        if (p->fixed_id)
            return LX_CONFLICT; /* the asked id is taken: sold once already */
        /* the id drawn in bk_prepare was free then, and another caller drew the same one
         * since (64 random bits: about never): draw again */
        if (!(p->iop.order = bk_id_new(b)))
            return LX_INTERNAL;
    }
}

/* take() for an order whose passengers show documents: no document of it may hold an
 * overlapping trip on another train (book_trips.c); checked and filed under docs_mu, so
 * two holds of one document on two trains race to one winner. exclude: the order a
 * change replaces. */
static lx_err take_trip(lx_book *b, bk_prep *p, lx_order_id exclude, lx_inv_change *chg,
                        bk_order **rec)
{
    if (!bk_trips_indexed(p->text))
        return take(b, p, chg, rec);
    lx_instant_t dep, arr;
    bk_trip_times(b, p->feed, p->run, p->iop.req.from, p->iop.req.to, &dep, &arr);
    bk_trips_lock(b);
    lx_err e = bk_trips_overlap(b, p->text, p->run, dep, arr, exclude, p->why, sizeof p->why);
    if (e == LX_OK)
        e = take(b, p, chg, rec);
    if (e == LX_OK) {
        bk_order *r = *rec;
        r->feed = p->feed;
        r->run = p->run;
        r->dep = dep;
        r->arr = arr;
        r->live = 1;
        if (bk_trips_add(b, r, p->text) != 0) {
            lx_inv_restore(p->run, &chg->before);
            bk_map_remove(b, r);
            e = LX_NOMEM;
        }
    }
    bk_trips_unlock(b);
    return e;
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
    uint32_t nm = bk_pax_hashes(bk_text_pax(p->text), mine);
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
        if ((o->state != LX_ORDER_HELD && o->state != LX_ORDER_CONFIRMED) || o->id == p->exclude)
            continue;
        bk_order *rec = bk_map_find(b, o->id);
        uint32_t nt = rec && rec->text ? bk_pax_hashes(bk_text_pax(rec->text), theirs) : 0;
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

/* A new order the engine took (rec, chg): its record gets what the store keeps beside
 * the engine, its text goes to it, and the change is logged. */
static void filed(bk_ctx *c, bk_prep *p, bk_order *rec, const lx_inv_change *chg)
{
    rec->feed = p->feed;
    rec->stripe = p->stripe;
    rec->run = p->run;
    rec->price = p->price.price;
    memcpy(rec->currency, p->price.currency, sizeof rec->currency);
    rec->updated_at = c->now;
    rec->text = p->text;
    p->text = NULL;
    p->text_given = 1;
    changed(c, rec, chg, 1, 0, NULL, 0);
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
        if (hold_text(b, op->req, p, &p->text) != 0)
            return LX_NOMEM;
    }
    pthread_rwlock_rdlock(&f->runs);
    pthread_mutex_lock(&b->stripes[p->stripe]);
    expire_due(c, p->run);
    p->why[0] = 0;
    lx_err e = reserve(c) != 0 ? LX_NOMEM : same_document(b, p);
    if (e == LX_OK)
        e = take_trip(b, p, 0, &chg, &rec);
    if (e == LX_OK) {
        filed(c, p, rec, &chg);
        if (op->out) {
            p->done = rec;
            p->after = chg.after;
        }
    }
    pthread_mutex_unlock(&b->stripes[p->stripe]);
    pthread_rwlock_unlock(&f->runs);
    return e;
}

/* The text of an order being refunded at now: its extra lines with the fee it keeps
 * (lanxang/fees.h, from the departure its rules count from: a changed ticket's
 * original's). *text NULL when the order is no sale or has no price (the engine then
 * answers). LX_CLOSED once the train has left; LX_NOMEM. Under the run's lock. */
static lx_err refund_text(const bk_order *rec, lx_instant_t now, char **text)
{
    *text = NULL;
    const lx_inv_order *o = lx_inv_order_get(rec->run, rec->oid);
    if (!o || o->state != LX_ORDER_CONFIRMED)
        return LX_OK;
    const char *extra = bk_text_extra(rec->text);
    lx_instant_t dep = lx_inv_departure(rec->run, o->from);
    if (now > dep)
        return LX_CLOSED;
    if (rec->price < 0)
        return LX_OK;
    lx_refund_quote rq;
    if (lx_refund_quote_changed(rec->price, rec->currency, dep,
                                bk_extra_int(extra, "fee_departure", dep), now, &rq) != LX_OK)
        return LX_OK;
    char fee[24];
    snprintf(fee, sizeof fee, "%lld", (long long)rq.fee);
    char *x = bk_extra_set(extra, "refund_fee", fee);
    int nomem = !x;
    if (x)
        *text = bk_text_make(bk_text_owner(rec->text), bk_text_payment(rec->text),
                             bk_text_pax(rec->text), x, &nomem);
    free(x);
    return nomem ? LX_NOMEM : LX_OK;
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
        text = bk_text_make(bk_text_owner(rec->text), op->payment, bk_text_pax(rec->text),
                            bk_text_extra(rec->text), &nomem);
        if (nomem)
            e = LX_NOMEM;
    } else if (op->code == LX_INV_REFUND) {
        e = refund_text(rec, c->now, &text);
        replace = text != NULL;
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
        if (op->code == LX_INV_CANCEL && chg.before.state == LX_ORDER_HELD)
            note_cancel(b, rec->text, c->now, 1);
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

/* The runs' locks of an op that holds several runs at once (a change, a journey):
 * the feeds' locks, then the stripes, each kind in ascending order and each once, so
 * that two such ops never wait for each other in a circle. */
typedef struct {
    uint32_t feeds[2 * LX_BOOK_MAX_LEGS], n_feeds;
    uint16_t stripes[2 * LX_BOOK_MAX_LEGS], n_stripes;
} bk_locks;

static void locks_add(bk_locks *l, uint32_t feed, uint16_t stripe)
{
    uint32_t i = l->n_feeds;
    while (i > 0 && l->feeds[i - 1] > feed)
        i--;
    if (!(i > 0 && l->feeds[i - 1] == feed)) {
        memmove(&l->feeds[i + 1], &l->feeds[i], (l->n_feeds - i) * sizeof l->feeds[0]);
        l->feeds[i] = feed;
        l->n_feeds++;
    }
    uint32_t k = l->n_stripes;
    while (k > 0 && l->stripes[k - 1] > stripe)
        k--;
    if (!(k > 0 && l->stripes[k - 1] == stripe)) {
        memmove(&l->stripes[k + 1], &l->stripes[k], (l->n_stripes - k) * sizeof l->stripes[0]);
        l->stripes[k] = stripe;
        l->n_stripes++;
    }
}

static void locks_take(lx_book *b, const bk_locks *l)
{
    for (uint32_t i = 0; i < l->n_feeds; i++)
        pthread_rwlock_rdlock(&b->feeds[l->feeds[i]].runs);
    for (uint32_t i = 0; i < l->n_stripes; i++)
        pthread_mutex_lock(&b->stripes[l->stripes[i]]);
}

static void locks_drop(lx_book *b, const bk_locks *l)
{
    for (uint32_t i = l->n_stripes; i-- > 0;)
        pthread_mutex_unlock(&b->stripes[l->stripes[i]]);
    for (uint32_t i = l->n_feeds; i-- > 0;)
        pthread_rwlock_unlock(&b->feeds[l->feeds[i]].runs);
}

/* A change, under both runs' locks: the new order is sold first, then the old one
 * refunded; when the refund cannot happen the sale is taken back before anything is
 * logged, so both happen or neither. */
static lx_err apply_exchange(bk_ctx *c, const lx_book_op *op, bk_prep *p)
{
    lx_book *b = c->b;
    bk_order *old = p->rec;
    p->done = NULL;
    p->why[0] = 0;
    if (!old || old->oid != p->exclude)
        old = p->rec = bk_map_find(b, p->exclude);
    if (!old)
        return LX_NOTFOUND;
    if (p->text_given) {
        /* applied before, then undone (which freed the order's text): again */
        p->text_given = 0;
        if (!(p->text = text_dup(p->xtext)))
            return LX_NOMEM;
    }
    bk_locks lk = {.n_feeds = 0};
    locks_add(&lk, old->feed, old->stripe);
    locks_add(&lk, p->feed, p->stripe);
    locks_take(b, &lk);
    p->iop.now = c->now;
    expire_due(c, p->run);
    lx_err e = LX_OK;
    const lx_inv_order *o = old->oid == p->exclude ? lx_inv_order_get(old->run, p->exclude) : NULL;
    char was_from[LX_BOOK_ID_LEN];
    if (!o) {
        e = LX_NOTFOUND;
    } else if (o->state != LX_ORDER_CONFIRMED) {
        e = LX_CONFLICT;
    } else if (bk_extra_get(bk_text_extra(old->text), "changed_from", was_from, sizeof was_from)) {
        snprintf(p->why, sizeof p->why,
                 "the order was changed from order %s already: a ticket is changed once "
                 "(rule one_change)",
                 was_from);
        e = LX_RULE;
    } else if (c->now > lx_inv_departure(old->run, o->from)) {
        e = LX_CLOSED;
    } else if (reserve_n(c, 2) != 0) {
        e = LX_NOMEM;
    }
    uint64_t owner = o ? o->owner : 0;
    lx_inv_change nc, oc;
    bk_order *rec = NULL;
    char *old_text = NULL;
    if (e == LX_OK)
        e = same_document(b, p);
    if (e == LX_OK)
        e = take_trip(b, p, p->exclude, &nc, &rec);
    if (e == LX_OK) {
        char id[LX_BOOK_ID_LEN];
        bk_id_format(p->iop.order, id);
        char *x = bk_extra_set(bk_text_extra(old->text), "changed_to", id);
        int nomem = !x;
        if (x)
            old_text = bk_text_make(bk_text_owner(old->text), bk_text_payment(old->text),
                                    bk_text_pax(old->text), x, &nomem);
        free(x);
        e = nomem ? LX_NOMEM : LX_OK;
        lx_inv_op rf = {.code = LX_INV_REFUND, .order = p->exclude, .owner = owner, .now = c->now};
        if (e == LX_OK)
            e = lx_inv_apply(old->run, &rf, &oc);
        if (e != LX_OK) {
            /* nothing logged yet: the sale is taken back as if never made */
            lx_inv_restore(p->run, &nc.before);
            bk_map_remove(b, rec);
            free(old_text);
        }
    }
    if (e == LX_OK) {
        filed(c, p, rec, &nc);
        lx_instant_t was = old->updated_at;
        char *was_text = old->text;
        old->updated_at = c->now;
        old->text = old_text;
        changed(c, old, &oc, 0, was, was_text, 1);
        if (op->out) {
            p->done = rec;
            p->after = nc.after;
        }
    }
    locks_drop(b, &lk);
    return e;
}

/* ---- journeys: legs held, confirmed, cancelled or refunded all or none ---- */

static lx_err prep_journey_hold(lx_book *b, const lx_book_op *op, bk_prep *p, lx_instant_t now,
                                char *msg, size_t msg_len)
{
    uint32_t n = op->n_legs;
    if (!op->legs || n < 1 || n > LX_BOOK_MAX_LEGS)
        return bk_say(LX_INVAL, msg, msg_len, "a journey has 1 to %d legs, not %u",
                      LX_BOOK_MAX_LEGS, n);
    if (!(p->legs = calloc(n, sizeof *p->legs)))
        return LX_NOMEM;
    p->n_legs = n;
    char ids[LX_BOOK_MAX_LEGS * LX_BOOK_ID_LEN] = "";
    size_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        lx_book_req q = op->legs[i];
        q.n = op->legs[0].n; /* the same passengers on every leg */
        memcpy(q.pax, op->legs[0].pax, sizeof q.pax);
        q.confirm = op->legs[0].confirm;
        q.id = NULL;
        lx_book_op lop = {.code = q.confirm ? LX_INV_SELL : LX_INV_HOLD, .req = &q};
        char why[300] = "";
        bk_prep *l = &p->legs[i];
        lx_err e = prep_hold(b, &lop, l, now, why, sizeof why);
        if (e)
            return bk_say(e, msg, msg_len, "leg %u: %s", i + 1, why);
        l->fixed_id = 1; /* the journey names each leg by the id drawn now */
        char id[LX_BOOK_ID_LEN];
        bk_id_format(l->iop.order, id);
        at += (size_t)snprintf(ids + at, sizeof ids - at, "%s%s", i ? " " : "", id);
    }
    /* each leg's text names the whole journey; a copy is kept for a redo */
    for (uint32_t i = 0; i < n; i++) {
        bk_prep *l = &p->legs[i];
        char *x = bk_extra_set(bk_text_extra(l->text), "journey", ids);
        int nomem = !x;
        char *t = x ? bk_text_make(bk_text_owner(l->text), bk_text_payment(l->text),
                                   bk_text_pax(l->text), x, &nomem)
                    : NULL;
        free(x);
        if (nomem || !(l->xtext = text_dup(t))) {
            free(t);
            return LX_NOMEM;
        }
        free(l->text);
        l->text = t;
    }
    return LX_OK;
}

/* Every leg under all the runs' locks: each is taken in turn; when one cannot be, those
 * taken are put back before anything is logged, so the journey is held whole or not at
 * all. */
static lx_err apply_journey_hold(bk_ctx *c, bk_prep *p)
{
    lx_book *b = c->b;
    bk_locks lk = {.n_feeds = 0};
    for (uint32_t i = 0; i < p->n_legs; i++) {
        bk_prep *l = &p->legs[i];
        l->done = NULL;
        l->why[0] = 0;
        l->iop.now = c->now;
        if (l->text_given) {
            l->text_given = 0;
            if (!(l->text = text_dup(l->xtext)))
                return LX_NOMEM;
        }
        locks_add(&lk, l->feed, l->stripe);
    }
    locks_take(b, &lk);
    lx_inv_change chg[LX_BOOK_MAX_LEGS];
    bk_order *rec[LX_BOOK_MAX_LEGS];
    for (uint32_t i = 0; i < p->n_legs; i++)
        expire_due(c, p->legs[i].run);
    /* room in the log for every leg, after what the expiries logged */
    lx_err e = reserve_n(c, p->n_legs) != 0 ? LX_NOMEM : LX_OK;
    uint32_t taken = 0;
    for (uint32_t i = 0; i < p->n_legs && e == LX_OK; i++) {
        bk_prep *l = &p->legs[i];
        e = same_document(b, l);
        if (e == LX_OK)
            e = take_trip(b, l, 0, &chg[i], &rec[i]);
        if (e == LX_OK) {
            taken++;
        } else {
            const char *why = l->why[0] ? l->why : lx_strerror(e);
            snprintf(p->why, sizeof p->why, "leg %u (train %.16s): %.150s", i + 1,
                     lx_tt_train_number(b->feeds[l->feed].tt, lx_inv_run_trip(l->run)), why);
        }
    }
    if (e != LX_OK) {
        for (uint32_t i = taken; i-- > 0;) {
            lx_inv_restore(p->legs[i].run, &chg[i].before);
            bk_map_remove(b, rec[i]);
        }
    } else {
        for (uint32_t i = 0; i < p->n_legs; i++) {
            filed(c, &p->legs[i], rec[i], &chg[i]);
            p->legs[i].done = rec[i];
            p->legs[i].after = chg[i].after;
        }
    }
    locks_drop(b, &lk);
    return e;
}

/* The orders of the journey of order oid (its extra's "journey" line), or oid's alone. */
static lx_err prep_journey_life(lx_book *b, const lx_book_op *op, bk_prep *p, char *msg,
                                size_t msg_len)
{
    lx_order_id oid = bk_id_parse(op->id);
    bk_order *rec = oid ? bk_map_find(b, oid) : NULL;
    if (!rec)
        return bk_say(LX_NOTFOUND, msg, msg_len, "no order %s", op->id ? op->id : "(none)");
    if (op->life != LX_INV_CONFIRM && op->life != LX_INV_CANCEL && op->life != LX_INV_REFUND)
        return bk_say(LX_INVAL, msg, msg_len, "unknown operation %u", op->life);
    char ids[LX_BOOK_MAX_LEGS * LX_BOOK_ID_LEN];
    {
        bk_feed *f = &b->feeds[rec->feed];
        pthread_rwlock_rdlock(&f->runs);
        pthread_mutex_lock(&b->stripes[rec->stripe]);
        if (!bk_extra_get(bk_text_extra(rec->text), "journey", ids, sizeof ids))
            bk_id_format(oid, ids);
        pthread_mutex_unlock(&b->stripes[rec->stripe]);
        pthread_rwlock_unlock(&f->runs);
    }
    if (!(p->legs = calloc(LX_BOOK_MAX_LEGS, sizeof *p->legs)))
        return LX_NOMEM;
    for (char *save = NULL, *tok = strtok_r(ids, " ", &save); tok && p->n_legs < LX_BOOK_MAX_LEGS;
         tok = strtok_r(NULL, " ", &save)) {
        bk_prep *l = &p->legs[p->n_legs++];
        l->iop.order = bk_id_parse(tok);
        l->rec = l->iop.order ? bk_map_find(b, l->iop.order) : NULL;
        if (!l->rec)
            return bk_say(LX_NOTFOUND, msg, msg_len, "leg %u of the journey of %s, order %s, is "
                          "missing", p->n_legs, op->id, tok);
        l->iop.code = op->life;
        l->iop.owner = bk_owner_token(op->owner);
    }
    return LX_OK;
}

/* Confirm, cancel or refund every leg under all their runs' locks, each leg's change made
 * in turn and put back when a later one cannot be, before anything is logged. A confirm
 * that finds a leg's hold expired releases every leg instead (logged) and says so. */
static lx_err apply_journey_life(bk_ctx *c, const lx_book_op *op, bk_prep *p)
{
    lx_book *b = c->b;
    bk_locks lk = {.n_feeds = 0};
    for (uint32_t i = 0; i < p->n_legs; i++) {
        bk_prep *l = &p->legs[i];
        l->done = NULL;
        if (!l->rec || l->rec->oid != l->iop.order)
            l->rec = bk_map_find(b, l->iop.order);
        if (!l->rec)
            return LX_NOTFOUND;
        locks_add(&lk, l->rec->feed, l->rec->stripe);
    }
    locks_take(b, &lk);
    lx_inv_change chg[LX_BOOK_MAX_LEGS];
    char *text[LX_BOOK_MAX_LEGS] = {NULL};
    lx_err e = reserve_n(c, p->n_legs) != 0 ? LX_NOMEM : LX_OK;
    uint32_t done = 0, expired = 0;
    for (uint32_t i = 0; i < p->n_legs && e == LX_OK; i++) {
        bk_prep *l = &p->legs[i];
        bk_order *rec = l->rec;
        const lx_inv_order *o = lx_inv_order_get(rec->run, l->iop.order);
        if (!o) {
            e = LX_NOTFOUND;
            break;
        }
        if (op->life == LX_INV_CONFIRM && o->state == LX_ORDER_HELD && o->expires_at <= c->now)
            expired = 1;
        int nomem = 0;
        if (op->life == LX_INV_CONFIRM && op->payment && *op->payment)
            text[i] = bk_text_make(bk_text_owner(rec->text), op->payment, bk_text_pax(rec->text),
                                   bk_text_extra(rec->text), &nomem);
        else if (op->life == LX_INV_REFUND)
            e = refund_text(rec, c->now, &text[i]);
        if (nomem)
            e = LX_NOMEM;
        l->iop.now = c->now;
        if (e == LX_OK && !expired)
            e = lx_inv_apply(rec->run, &l->iop, &chg[i]);
        if (e == LX_OK && !expired)
            done++;
    }
    if (e != LX_OK || expired) {
        for (uint32_t i = done; i-- > 0;)
            lx_inv_restore(p->legs[i].rec->run, &chg[i].before);
        for (uint32_t i = 0; i < p->n_legs; i++)
            free(text[i]);
    }
    if (e == LX_OK && expired) {
        /* paid too late: every leg is released now (the expired ones expire, the others
         * are cancelled), durably, and the seats are free */
        for (uint32_t i = 0; i < p->n_legs; i++) {
            bk_order *rec = p->legs[i].rec;
            const lx_inv_order *o = lx_inv_order_get(rec->run, p->legs[i].iop.order);
            if (!o || o->state != LX_ORDER_HELD)
                continue;
            lx_inv_op x = {.code = o->expires_at <= c->now ? LX_INV_EXPIRE : LX_INV_CANCEL,
                           .order = p->legs[i].iop.order,
                           .owner = p->legs[i].iop.owner,
                           .now = c->now};
            lx_inv_change xc;
            if (lx_inv_apply(rec->run, &x, &xc) == LX_OK) {
                lx_instant_t was = rec->updated_at;
                rec->updated_at = c->now;
                changed(c, rec, &xc, 0, was, NULL, 0);
            }
        }
        e = LX_EXPIRED;
    } else if (e == LX_OK) {
        for (uint32_t i = 0; i < p->n_legs; i++) {
            bk_order *rec = p->legs[i].rec;
            lx_instant_t was = rec->updated_at;
            char *was_text = rec->text;
            rec->updated_at = c->now;
            if (text[i])
                rec->text = text[i];
            changed(c, rec, &chg[i], 0, was, was_text, text[i] != NULL);
            if (op->life == LX_INV_CANCEL && chg[i].before.state == LX_ORDER_HELD)
                note_cancel(b, rec->text, c->now, 1);
            p->legs[i].done = rec;
            p->legs[i].after = chg[i].after;
        }
    }
    locks_drop(b, &lk);
    return e;
}

lx_err bk_apply(bk_ctx *c, const lx_book_op *op, bk_prep *p, char *msg, size_t msg_len,
                uint32_t *expired)
{
    lx_err e = p->err;
    if (e == LX_OK) {
        if (op->code == LX_INV_HOLD || op->code == LX_INV_SELL)
            e = apply_hold(c, op, p);
        else if (op->code == LX_BOOK_EXCHANGE)
            e = apply_exchange(c, op, p);
        else if (op->code == LX_BOOK_JOURNEY_HOLD)
            e = apply_journey_hold(c, p);
        else if (op->code == LX_BOOK_JOURNEY_LIFE)
            e = apply_journey_life(c, op, p);
        else if (op->code == LX_INV_EXPIRE && !op->id)
            e = expire_all(c, expired);
        else if ((e = apply_life(c, op, p)) == LX_OK && op->code == LX_INV_EXPIRE && expired)
            (*expired)++;
        if ((e == LX_RULE || p->legs) && p->why[0])
            bk_say(e, msg, msg_len, "%s", p->why);
        else if (e != LX_OK && p->legs)
            bk_say(e, msg, msg_len, "the journey of order %s: %s", op->id ? op->id : "-",
                   lx_strerror(e));
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
    free(p->xtext);
    p->xtext = NULL;
    if (p->legs) {
        for (uint32_t i = 0; i < p->n_legs; i++) {
            bk_prep *l = &p->legs[i];
            if (result == LX_OK && op->outs && l->done) {
                bk_order *rec = l->done;
                bk_feed *f = &b->feeds[rec->feed];
                pthread_rwlock_rdlock(&f->runs);
                pthread_mutex_lock(&b->stripes[rec->stripe]);
                bk_fill(b, rec, &l->after, &op->outs[i]);
                pthread_mutex_unlock(&b->stripes[rec->stripe]);
                pthread_rwlock_unlock(&f->runs);
            }
            free(l->text);
            free(l->xtext);
        }
        free(p->legs);
        p->legs = NULL;
        return;
    }
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
