/* The waitlist (lanxang/waitlist.h): prepaid requests in the catalog's table
 * `waitlist` (migration 7), and the pass that sells the seats that come back.
 *
 * Rows. One row per request, written through a connection of the lx_wait's own (WAL,
 * synchronous FULL: a COMMIT is on disk when it returns), never inside a transaction
 * of the booking store. The passengers and the choices are text, one line each:
 *
 *   passenger  "name\tmasked\ttype\tbirth\t#hash\tfare_type\tsealed"
 *   choice     "feed\ttrip_id\tservice_day\tfrom\tto\tclass\tdeparture\toffset"
 *
 * `masked` and `hash` are what an order keeps (bk_doc_protect); `sealed` is the
 * number itself, encrypted (crypto_secretbox, a random nonce, hex) under a key derived
 * from the data directory's document key, because the sale that may come days later
 * needs the number: the booking store hashes it for the real-name rules. A leak of the
 * database alone gives neither. `from` and `to` are stop positions within the trip,
 * so a choice is found again after a restart, as an order is.
 *
 * The pass (lx_wait_run). It reads the open rows, oldest first, into memory and then
 * sells, one request after the other, with no transaction of its own open: the
 * booking store commits on its own connection to the same file. For each request:
 *   1. its reserved order id already names an order: a pass sold it and crashed (or
 *      another process's pass sold it) before the row said so: mark it fulfilled from
 *      that order, never sell again;
 *   2. else each choice in order: closed (sales_close, departed) counts toward the
 *      cut-off; not yet open is skipped; no free seat (lx_book_avail, in memory) is
 *      skipped without a write; else lx_book_hold(confirm, id = the reserved one):
 *      LX_OK fulfils, LX_CONFLICT is case 1 after all, any other refusal tries the
 *      next choice;
 *   3. every choice closed: refunded in full.
 * Every change of a row is "... WHERE id = ? AND state = 'open'", so two passes (two
 * processes) never both mark one request, and a cancel never undoes a sale.
 *
 * The count of open requests is kept in memory, so a pass with nothing to do costs a
 * PRAGMA data_version (which changes when another connection, the booking store's
 * included, committed) and, only then, a count over the partial index of open rows;
 * a change of our own forgets the count.
 */
#include "book_int.h"
#include "store_int.h"

#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanxang/timetable.h"
#include "lanxang/waitlist.h"

#define SEAL_HEX ((crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 64) * 2 + 1)
#define PAX_TEXT (LX_INV_MAX_PAX * 640)
#define CHOICE_TEXT (LX_WAIT_MAX_CHOICES * 256)

struct lx_wait {
    lx_store *s;
    lx_book *b;
    const lx_net *net;
    sqlite3 *db;
    pthread_mutex_t mu;       /* the connection, the count */
    uint32_t open;            /* open requests, as last counted */
    int64_t version;          /* PRAGMA data_version when counted; -1 never */
    uint8_t seal_key[crypto_secretbox_KEYBYTES];
};

static const char *const state_names[] = {"open", "fulfilled", "refunded", "cancelled"};

const char *lx_wait_state_name(lx_wait_state s)
{
    return (unsigned)s < 4 ? state_names[s] : "?";
}

static lx_wait_state state_of(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (name && !strcmp(name, state_names[i]))
            return (lx_wait_state)i;
    return LX_WAIT_CANCELLED;
}

/* ---- open, close ---- */

lx_err lx_wait_open(lx_store *s, lx_book *b, const lx_net *net, lx_wait **out, char *msg,
                    size_t msg_len)
{
    *out = NULL;
    if (!s || !b || !net)
        return bk_say(LX_INVAL, msg, msg_len, "the waitlist needs a data directory");
    if (sodium_init() < 0)
        return bk_say(LX_INTERNAL, msg, msg_len, "libsodium cannot start");
    lx_wait *w = calloc(1, sizeof *w);
    if (!w)
        return LX_NOMEM;
    w->s = s;
    w->b = b;
    w->net = net;
    w->version = -1;
    pthread_mutex_init(&w->mu, NULL);
    /* a key of its own for sealed numbers, derived from the document key */
    static const char ctx[] = "lanxang waitlist documents v1";
    crypto_generichash(w->seal_key, sizeof w->seal_key, (const unsigned char *)ctx,
                       sizeof ctx - 1, lx_store_doc_key(s), BK_DOC_KEY);
    char path[4200];
    snprintf(path, sizeof path, "%s/lanxang.db", lx_store_dir(s));
    int rc = sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(w->db, 5000);
        rc = sqlite3_exec(w->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL,
                          NULL);
    }
    if (rc != SQLITE_OK) {
        bk_say(LX_STORE, msg, msg_len, "%s: %s", path,
               w->db ? sqlite3_errmsg(w->db) : "cannot open");
        lx_wait_close(w);
        return LX_STORE;
    }
    *out = w;
    return LX_OK;
}

void lx_wait_close(lx_wait *w)
{
    if (!w)
        return;
    sqlite3_close(w->db);
    pthread_mutex_destroy(&w->mu);
    sodium_memzero(w->seal_key, sizeof w->seal_key);
    free(w);
}

/* ---- text of rows ---- */

static void put(char *out, size_t cap, size_t *at, const char *s)
{
    for (; s && *s && *at + 1 < cap; s++)
        out[(*at)++] = *s == '\t' || *s == '\n' ? ' ' : *s;
    out[*at] = 0;
}

static void put_sep(char *out, size_t cap, size_t *at, char c)
{
    if (*at + 1 < cap)
        out[(*at)++] = c;
    out[*at] = 0;
}

static void seal(const lx_wait *w, const char *doc, char hex[SEAL_HEX])
{
    uint8_t box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 64];
    size_t n = strlen(doc);
    if (n > 63)
        n = 63;
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)doc, n, box,
                          w->seal_key);
    sodium_bin2hex(hex, SEAL_HEX, box, crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n);
}

/* The number sealed in hex into doc ("" when it does not open). */
static void unseal(const lx_wait *w, const char *hex, char *doc, size_t cap)
{
    uint8_t box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 64];
    size_t len = 0;
    doc[0] = 0;
    if (sodium_hex2bin(box, sizeof box, hex, strlen(hex), NULL, &len, NULL) != 0 ||
        len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return;
    size_t n = len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    if (n + 1 > cap)
        return;
    if (crypto_secretbox_open_easy((unsigned char *)doc, box + crypto_secretbox_NONCEBYTES,
                                   len - crypto_secretbox_NONCEBYTES, box, w->seal_key) != 0) {
        doc[0] = 0;
        return;
    }
    doc[n] = 0;
}

static void pax_text(const lx_wait *w, const lx_wait_req *r, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        const lx_book_pax *p = &r->pax[i];
        char masked[sizeof p->document], hash[BK_DOC_HASH_HEX], sealed[SEAL_HEX];
        bk_doc_protect(w->b->doc_key, p->document, masked, sizeof masked, hash);
        seal(w, p->document, sealed);
        put(out, cap, &at, p->name);
        put_sep(out, cap, &at, '\t');
        put(out, cap, &at, masked);
        put_sep(out, cap, &at, '\t');
        put(out, cap, &at, p->doc_type);
        put_sep(out, cap, &at, '\t');
        put(out, cap, &at, p->birth_date);
        put_sep(out, cap, &at, '\t');
        put_sep(out, cap, &at, '#');
        put(out, cap, &at, hash);
        put_sep(out, cap, &at, '\t');
        put(out, cap, &at, p->fare_type);
        put_sep(out, cap, &at, '\t');
        put(out, cap, &at, sealed);
        put_sep(out, cap, &at, '\n');
    }
}

/* Passengers from their text: masked numbers and hashes (clear: the numbers unsealed,
 * for a sale). */
static uint32_t pax_read(const lx_wait *w, const char *text, lx_book_pax *pax, int clear)
{
    uint32_t n = 0;
    for (const char *p = text; *p && n < LX_INV_MAX_PAX; n++) {
        lx_book_pax *x = &pax[n];
        memset(x, 0, sizeof *x);
        char hash[BK_DOC_HASH_HEX + 2], sealed[SEAL_HEX];
        char *f[7] = {x->name, x->document, x->doc_type, x->birth_date, hash, x->fare_type, sealed};
        const size_t caps[7] = {sizeof x->name,       sizeof x->document, sizeof x->doc_type,
                                sizeof x->birth_date, sizeof hash,        sizeof x->fare_type,
                                sizeof sealed};
        p = bk_split_line(p, f, caps, 7);
        bk_copy(x->doc_hash, sizeof x->doc_hash, hash[0] == '#' ? hash + 1 : hash);
        x->fare = -1;
        if (clear) {
            unseal(w, sealed, x->document, sizeof x->document);
            x->doc_hash[0] = 0;
        }
        sodium_memzero(sealed, sizeof sealed);
    }
    return n;
}

static void choices_text(const lx_wait *w, const lx_wait_req *r, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = 0;
    for (uint32_t i = 0; i < r->n_choices; i++) {
        const lx_wait_choice *c = &r->choices[i];
        const lx_tt *tt = lx_net_feed(w->net, c->feed);
        uint32_t nt;
        const lx_trip *t = &lx_tt_trips(tt, &nt)[c->leg.trip];
        char line[512];
        snprintf(line, sizeof line, "%s\t%s\t%ld\t%u\t%u\t%s\t%lld\t%d\n", lx_tt_feed_name(tt),
                 t->id, (long)c->leg.service_day, c->leg.from_pos - t->st_first,
                 c->leg.to_pos - t->st_first, c->cls, (long long)c->leg.departure,
                 (int)c->leg.offset);
        if (at + strlen(line) < cap) {
            memcpy(out + at, line, strlen(line) + 1);
            at += strlen(line);
        }
    }
}

/* Fills the told fields of a choice whose feed, leg and class are set. */
static void choice_tell(lx_wait *w, lx_wait_choice *c, uint32_t n, lx_instant_t now)
{
    const lx_tt *tt = lx_net_feed(w->net, c->feed);
    uint32_t nt;
    const lx_trip *t = &lx_tt_trips(tt, &nt)[c->leg.trip];
    bk_copy(c->trip_id, sizeof c->trip_id, t->id);
    bk_copy(c->train, sizeof c->train, lx_tt_train_number(tt, c->leg.trip));
    c->departure = c->leg.departure;
    lx_inv_sales si = {LX_INV_RULE_NONE, 0, c->leg.departure, 0};
    lx_book_sales_check(w->b, c->feed, &c->leg, n, now, &si);
    c->sales_close = si.close_at;
    c->usable = 1;
}

static uint32_t choices_read(lx_wait *w, const char *text, lx_wait_choice *cs, uint32_t n_pax,
                             lx_instant_t now)
{
    uint32_t n = 0;
    for (const char *p = text; *p && n < LX_WAIT_MAX_CHOICES; n++) {
        lx_wait_choice *c = &cs[n];
        memset(c, 0, sizeof *c);
        char feed[64], day[24], from[16], to[16], dep[24], off[16];
        char *f[8] = {feed, c->trip_id, day, from, to, c->cls, dep, off};
        const size_t caps[8] = {sizeof feed, sizeof c->trip_id, sizeof day, sizeof from,
                                sizeof to,   sizeof c->cls,     sizeof dep, sizeof off};
        p = bk_split_line(p, f, caps, 8);
        c->departure = c->sales_close = (lx_instant_t)strtoll(dep, NULL, 10);
        c->feed = lx_net_feed_by_name(w->net, feed);
        if (c->feed == LX_NONE)
            continue;
        const lx_tt *tt = lx_net_feed(w->net, c->feed);
        uint32_t trip = lx_tt_trip_by_id(tt, c->trip_id), nt;
        if (trip == LX_NONE)
            continue;
        const lx_trip *t = &lx_tt_trips(tt, &nt)[trip];
        uint32_t a = (uint32_t)strtoul(from, NULL, 10), b = (uint32_t)strtoul(to, NULL, 10);
        if (a >= b || b >= t->st_count)
            continue;
        c->leg.trip = trip;
        c->leg.service_day = (lx_date_t)strtol(day, NULL, 10);
        c->leg.offset = (int32_t)strtol(off, NULL, 10);
        c->leg.from_pos = t->st_first + a;
        c->leg.to_pos = t->st_first + b;
        c->leg.departure = c->departure;
        c->leg.arrival = lx_tt_st_instant(tt, &c->leg, c->leg.to_pos, 0);
        choice_tell(w, c, n_pax, now);
    }
    return n;
}

#define COLS                                                                                 \
    "id, created_at, updated_at, state, feed, from_stop, to_stop, passengers, choices, "     \
    "amount, currency, payment, seller, booking, fulfilled_choice, refund, refunded_at"

static void row_read(lx_wait *w, sqlite3_stmt *st, lx_wait_req *r, int clear, lx_instant_t now)
{
#define TXT(i) ((const char *)sqlite3_column_text(st, (i)))
    memset(r, 0, sizeof *r);
    bk_copy(r->id, sizeof r->id, TXT(0));
    r->created_at = sqlite3_column_int64(st, 1);
    r->updated_at = sqlite3_column_int64(st, 2);
    r->state = state_of(TXT(3));
    bk_copy(r->feed, sizeof r->feed, TXT(4));
    bk_copy(r->from_stop, sizeof r->from_stop, TXT(5));
    bk_copy(r->to_stop, sizeof r->to_stop, TXT(6));
    r->n = pax_read(w, TXT(7) ? TXT(7) : "", r->pax, clear);
    r->n_choices = choices_read(w, TXT(8) ? TXT(8) : "", r->choices, r->n, now);
    r->amount = sqlite3_column_int64(st, 9);
    bk_copy(r->currency, sizeof r->currency, TXT(10));
    bk_copy(r->payment, sizeof r->payment, TXT(11));
    bk_copy(r->seller, sizeof r->seller, TXT(12));
    bk_copy(r->booking, sizeof r->booking, TXT(13));
    r->fulfilled_choice = sqlite3_column_int(st, 14);
    r->refund = sqlite3_column_int64(st, 15);
    r->refunded_at = sqlite3_column_int64(st, 16);
#undef TXT
}

/* ---- the count of open requests ---- */

static int64_t data_version(lx_wait *w)
{
    sqlite3_stmt *st;
    int64_t v = -2;
    if (sqlite3_prepare_v2(w->db, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

/* Under w->mu: the count, re-read when another connection wrote since. */
static uint32_t open_count(lx_wait *w)
{
    int64_t v = data_version(w);
    if (v == w->version && v != -2)
        return w->open;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(w->db, "SELECT count(*) FROM waitlist WHERE state = 'open'", -1, &st,
                           NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            w->open = (uint32_t)sqlite3_column_int64(st, 0);
            w->version = v;
        }
        sqlite3_finalize(st);
    }
    return w->open;
}

uint32_t lx_wait_open_count(lx_wait *w)
{
    pthread_mutex_lock(&w->mu);
    uint32_t n = open_count(w);
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* ---- adding ---- */

/* The store's own rule named at the end of a refusal's message, "(rule NAME)". */
static void rule_of_msg(const char *msg, char *rule, size_t cap)
{
    const char *at = msg ? strstr(msg, "(rule ") : NULL;
    size_t len = at ? strcspn(at + 6, ")") : 0;
    snprintf(rule, cap, "%.*s", (int)len, at ? at + 6 : "");
}

static lx_book_req sale_of(const lx_wait_req *r, const lx_wait_choice *c)
{
    lx_book_req q;
    memset(&q, 0, sizeof q);
    q.feed = c->feed;
    q.leg = c->leg;
    q.cls = c->cls;
    q.n = r->n;
    memcpy(q.pax, r->pax, sizeof q.pax);
    q.currency = r->currency[0] ? r->currency : NULL;
    q.seller = r->seller;
    return q;
}

lx_err lx_wait_add(lx_wait *w, lx_wait_req *r, lx_instant_t now, lx_wait_refusal *why,
                   char *msg, size_t msg_len)
{
    lx_wait_refusal dummy;
    if (!why)
        why = &dummy;
    memset(why, 0, sizeof *why);
    why->choice = -1;
    if (r->n_choices > LX_WAIT_MAX_CHOICES) {
        bk_copy(why->rule, sizeof why->rule, "waitlist_choices");
        return bk_say(LX_RULE, msg, msg_len,
                      "a waitlist request names at most %d choices, not %u (rule "
                      "waitlist_choices)",
                      LX_WAIT_MAX_CHOICES, r->n_choices);
    }
    if (r->n_choices == 0)
        return bk_say(LX_INVAL, msg, msg_len, "a waitlist request names at least one choice");
    if (r->n == 0 || r->n > LX_INV_MAX_PAX)
        return bk_say(LX_INVAL, msg, msg_len, "a waitlist request has 1 to %d passengers",
                      LX_INV_MAX_PAX);
    if (!r->payment[0])
        return bk_say(LX_INVAL, msg, msg_len,
                      "a waitlist request is prepaid: the payment reference is needed");
    r->amount = -1;
    r->currency[0] = 0;
    for (uint32_t i = 0; i < r->n_choices; i++) {
        lx_wait_choice *c = &r->choices[i];
        if (c->feed >= lx_net_feed_count(w->net))
            return bk_say(LX_NOTFOUND, msg, msg_len, "choice %u: no such feed", i + 1);
        why->choice = (int)i;
        lx_inv_sales si = {LX_INV_RULE_NONE, 0, 0, 0};
        lx_err e = lx_book_sales_check(w->b, c->feed, &c->leg, r->n, now, &si);
        if (e) {
            why->sales = si;
            bk_copy(why->rule, sizeof why->rule, lx_inv_rule_name(si.rule));
            return bk_say(e, msg, msg_len, "choice %u: %s", i + 1,
                          e == LX_RULE || e == LX_CLOSED ? lx_inv_rule_name(si.rule)
                                                         : lx_strerror(e));
        }
        lx_book_req q = sale_of(r, c);
        int64_t price;
        char cur[4];
        if (msg && msg_len)
            msg[0] = 0;
        e = lx_book_price(w->b, &q, &price, cur, msg, msg_len);
        if (e) {
            rule_of_msg(msg, why->rule, sizeof why->rule);
            return e;
        }
        if (i == 0)
            bk_copy(r->currency, sizeof r->currency, cur);
        if (price > r->amount)
            r->amount = price;
        bk_copy(c->cls, sizeof c->cls, q.cls ? q.cls : "");
        choice_tell(w, c, r->n, now);
        c->sales_close = si.close_at;
    }
    why->choice = -1;
    const lx_tt *tt = lx_net_feed(w->net, r->choices[0].feed);
    const lx_station *stations = lx_tt_stations(tt, NULL);
    const uint32_t *st_stop = lx_tt_st_stop(tt);
    bk_copy(r->feed, sizeof r->feed, lx_tt_feed_name(tt));
    bk_copy(r->from_stop, sizeof r->from_stop, stations[st_stop[r->choices[0].leg.from_pos]].id);
    bk_copy(r->to_stop, sizeof r->to_stop, stations[st_stop[r->choices[0].leg.to_pos]].id);
    if (lx_book_new_id(w->b, r->id) || lx_book_new_id(w->b, r->booking))
        return bk_say(LX_INTERNAL, msg, msg_len, "no random numbers for an id");
    r->state = LX_WAIT_OPEN;
    r->created_at = r->updated_at = now;
    r->fulfilled_choice = -1;
    r->refund = -1;
    r->refunded_at = 0;

    char *pax = malloc(PAX_TEXT), choices[CHOICE_TEXT];
    if (!pax)
        return LX_NOMEM;
    pax_text(w, r, pax, PAX_TEXT);
    choices_text(w, r, choices, sizeof choices);
    pthread_mutex_lock(&w->mu);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(w->db,
                                "INSERT INTO waitlist(" COLS ") VALUES(?1, ?2, ?2, 'open', ?3, ?4, "
                                "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, -1, -1, 0)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_text(st, 3, r->feed, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->from_stop, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, r->to_stop, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, pax, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, choices, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, r->amount);
        sqlite3_bind_text(st, 9, r->currency, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, r->payment, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 11, r->seller, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, r->booking, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    lx_err e = LX_OK;
    if (rc != SQLITE_DONE) {
        e = bk_sql_err(sqlite3_errcode(w->db));
        bk_say(e, msg, msg_len, "recording the waitlist request: %s", sqlite3_errmsg(w->db));
    } else {
        w->version = -1; /* data_version ignores our own commits: count again */
    }
    pthread_mutex_unlock(&w->mu);
    sodium_memzero(pax, PAX_TEXT);
    free(pax);
    /* as told: the numbers masked */
    for (uint32_t i = 0; i < r->n; i++) {
        char masked[sizeof r->pax[i].document];
        bk_doc_protect(w->b->doc_key, r->pax[i].document, masked, sizeof masked,
                       r->pax[i].doc_hash);
        bk_copy(r->pax[i].document, sizeof r->pax[i].document, masked);
    }
    return e;
}

/* ---- reading ---- */

static lx_err get_locked(lx_wait *w, const char *id, lx_wait_req *out, int clear,
                         lx_instant_t now)
{
    char norm[LX_WAIT_ID_LEN];
    lx_order_id oid = bk_id_parse(id);
    if (!oid)
        return LX_NOTFOUND;
    bk_id_format(oid, norm);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(w->db, "SELECT " COLS " FROM waitlist WHERE id = ?1", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return bk_sql_err(rc);
    sqlite3_bind_text(st, 1, norm, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        row_read(w, st, out, clear, now);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? LX_OK : rc == SQLITE_DONE ? LX_NOTFOUND : bk_sql_err(rc);
}

lx_err lx_wait_get(lx_wait *w, const char *id, lx_wait_req *out)
{
    pthread_mutex_lock(&w->mu);
    lx_err e = get_locked(w, id, out, 0, 0);
    pthread_mutex_unlock(&w->mu);
    return e;
}

/* ---- changing state ---- */

/* Under w->mu: the open request id becomes state; 1 when it did, 0 when it was no
 * longer open, -1 an error (*e). */
static int finish(lx_wait *w, const char *id, lx_wait_state state, int choice, int64_t refund,
                  lx_instant_t now, lx_err *e)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(w->db,
                                "UPDATE waitlist SET state = ?2, fulfilled_choice = ?3, refund = ?4, "
                                "refunded_at = ?5, updated_at = ?5 WHERE id = ?1 AND state = 'open' "
                                /* refunded in full only while its ticket is unsold: a pass
                                 * of another process may have sold it since we looked */
                                "AND (?2 = 'fulfilled' OR NOT EXISTS "
                                "(SELECT 1 FROM orders WHERE orders.id = waitlist.booking))",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, lx_wait_state_name(state), -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, choice);
        sqlite3_bind_int64(st, 4, refund);
        sqlite3_bind_int64(st, 5, now);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE) {
        *e = bk_sql_err(sqlite3_errcode(w->db));
        return -1;
    }
    w->version = -1; /* data_version ignores our own commits: count again */
    return sqlite3_changes(w->db) == 1;
}

lx_err lx_wait_cancel(lx_wait *w, const char *id, lx_instant_t now, lx_wait_req *out)
{
    lx_wait_req r;
    pthread_mutex_lock(&w->mu);
    lx_err e = get_locked(w, id, &r, 0, now);
    if (e == LX_OK && r.state != LX_WAIT_OPEN)
        e = LX_CONFLICT;
    /* a pass of another process may have sold it and not said so yet */
    lx_book_order o;
    if (e == LX_OK && (lx_book_refresh(w->b), lx_book_get(w->b, r.booking, &o)) == LX_OK)
        e = LX_CONFLICT;
    if (e == LX_OK) {
        int done = finish(w, r.id, LX_WAIT_CANCELLED, -1, r.amount < 0 ? 0 : r.amount, now, &e);
        if (done == 0)
            e = LX_CONFLICT;
    }
    if (e == LX_OK && out)
        e = get_locked(w, r.id, out, 0, now);
    pthread_mutex_unlock(&w->mu);
    return e;
}

/* ---- the pass ---- */

/* Which choice the order o sold (trip, day, class), -1 none. */
static int choice_of_order(const lx_wait_req *r, const lx_book_order *o)
{
    for (uint32_t i = 0; i < r->n_choices; i++)
        if (!strcmp(r->choices[i].trip_id, o->trip_id) &&
            r->choices[i].leg.service_day == o->service_day && !strcmp(r->choices[i].cls, o->cls))
            return (int)i;
    return -1;
}

static int64_t change_of(const lx_wait_req *r, const lx_book_order *o)
{
    if (r->amount < 0 || o->price < 0 || strcmp(r->currency, o->currency) != 0 ||
        o->price > r->amount)
        return 0;
    return r->amount - o->price;
}

/* One open request (its numbers in clear): 1 fulfilled, 2 refunded, 0 still open. */
static int serve(lx_wait *w, const lx_wait_req *r, lx_instant_t now, lx_err *err)
{
    lx_book_order o;
    if (lx_book_get(w->b, r->booking, &o) == LX_OK) /* sold before a crash */
        return finish(w, r->id, LX_WAIT_FULFILLED, choice_of_order(r, &o), change_of(r, &o), now,
                      err) == 1;
    int closed = 0;
    for (uint32_t i = 0; i < r->n_choices; i++) {
        const lx_wait_choice *c = &r->choices[i];
        if (!c->usable) {
            closed++;
            continue;
        }
        lx_inv_sales si;
        lx_err e = lx_book_sales_check(w->b, c->feed, &c->leg, r->n, now, &si);
        if (e == LX_CLOSED || (e == LX_RULE && (si.rule == LX_INV_RULE_SALES_CLOSE ||
                                                si.rule == LX_INV_RULE_DEPARTED))) {
            closed++;
            continue;
        }
        uint32_t free_seats = 0;
        if (e || lx_book_avail(w->b, c->feed, &c->leg, c->cls, now, &free_seats) ||
            free_seats < r->n)
            continue;
        lx_book_req q = sale_of(r, c);
        char payment[LX_WAIT_ID_LEN + 16];
        snprintf(payment, sizeof payment, "waitlist:%s", r->id);
        q.confirm = 1;
        q.id = r->booking;
        q.payment = payment;
        char msg[256];
        e = lx_book_hold(w->b, &q, now, &o, msg, sizeof msg);
        sodium_memzero(q.pax, sizeof q.pax);
        if (e == LX_OK) {
            int done = finish(w, r->id, LX_WAIT_FULFILLED, (int)i, change_of(r, &o), now, err);
            if (done == 0) {
                /* another process cancelled (refunded) the request between our reading
                 * it and this sale: the sale has no money behind it, its seats go back */
                char why[160];
                lx_book_refund(w->b, o.id, NULL, now, NULL, why, sizeof why);
            }
            return done == 1;
        }
        if (e == LX_CONFLICT && lx_book_get(w->b, r->booking, &o) == LX_OK)
            return finish(w, r->id, LX_WAIT_FULFILLED, choice_of_order(r, &o), change_of(r, &o),
                          now, err) == 1;
        if (e == LX_IO || e == LX_NOSPACE || e == LX_STORE || e == LX_NOMEM) {
            *err = e;
            return 0;
        }
    }
    if (closed == (int)r->n_choices)
        return finish(w, r->id, LX_WAIT_REFUNDED, -1, r->amount < 0 ? 0 : r->amount, now, err) == 1
                   ? 2
                   : 0;
    return 0;
}

lx_err lx_wait_run(lx_wait *w, lx_instant_t now, lx_wait_stats *st)
{
    lx_wait_stats dummy;
    if (!st)
        st = &dummy;
    memset(st, 0, sizeof *st);
    pthread_mutex_lock(&w->mu);
    if (open_count(w) == 0) {
        pthread_mutex_unlock(&w->mu);
        return LX_OK;
    }
    lx_book_refresh(w->b); /* seats other processes gave back */
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(w->db,
                                "SELECT " COLS " FROM waitlist WHERE state = 'open' "
                                "ORDER BY created_at, id",
                                -1, &q, NULL);
    if (rc != SQLITE_OK) {
        pthread_mutex_unlock(&w->mu);
        return bk_sql_err(rc);
    }
    lx_wait_req *rs = NULL;
    size_t n = 0, cap = 0;
    lx_err e = LX_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            lx_wait_req *nr = realloc(rs, nc * sizeof *nr);
            if (!nr) {
                e = LX_NOMEM;
                break;
            }
            rs = nr;
            cap = nc;
        }
        row_read(w, q, &rs[n++], 1, now);
    }
    if (!e && rc != SQLITE_DONE)
        e = bk_sql_err(rc);
    sqlite3_finalize(q); /* no read transaction open while the booking store writes */
    for (size_t i = 0; i < n && !e; i++) {
        st->open++;
        int done = serve(w, &rs[i], now, &e);
        st->fulfilled += done == 1;
        st->refunded += done == 2;
    }
    if (rs)
        sodium_memzero(rs, cap * sizeof *rs);
    free(rs);
    pthread_mutex_unlock(&w->mu);
    return e;
}
