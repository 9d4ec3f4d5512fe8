/* Rows of the booking store: the only file of it that speaks SQL. A row of `orders` is
 * an order's latest snapshot, written in full at every change (see book.c); reading
 * rows back (at open, and to catch up with other processes) turns them into engine
 * snapshots through the network's ids and labels, never through indexes that a new
 * version of a feed could shift. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "book_int.h"

#define COLS                                                                                       \
    "seq, oid, id, feed, trip_id, service_day, from_stop, to_stop, from_pos, to_pos, class, "      \
    "seats, passengers, owner, state, created_at, expires_at, updated_at, price, currency, "       \
    "payment, extra"

#define N_COLS 22
#define BK_ROWS 16 /* new orders' rows inserted by one statement */

/* clang-format off */
enum {
    C_SEQ, C_OID, C_ID, C_FEED, C_TRIP, C_DAY, C_FROM_STOP, C_TO_STOP, C_FROM, C_TO, C_CLASS,
    C_SEATS, C_PAX, C_OWNER, C_STATE, C_CREATED, C_EXPIRES, C_UPDATED, C_PRICE, C_CURRENCY,
    C_PAYMENT, C_EXTRA
};
/* clang-format on */

lx_err bk_sql_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return LX_OK;
    case SQLITE_FULL:
        return LX_NOSPACE;
    case SQLITE_IOERR:
        return LX_IO;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return LX_BUSY;
    case SQLITE_NOMEM:
        return LX_NOMEM;
    default:
        return LX_STORE;
    }
}

static int prepare(lx_book *b, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v3(b->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

lx_err bk_sql_open(lx_book *b, const char *dir, int sync_normal, char *msg, size_t msg_len)
{
    char path[4200];
    if (snprintf(path, sizeof path, "%s/lanxang.db", dir) >= (int)sizeof path)
        return bk_say(LX_INVAL, msg, msg_len, "the path of the data directory is too long");
    /* the connection is only ever used under commit_mu */
    int rc = sqlite3_open_v2(path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return bk_say(bk_sql_err(rc), msg, msg_len, "%s: %s", path, sqlite3_errmsg(b->db));
    sqlite3_extended_result_codes(b->db, 1);
    sqlite3_busy_timeout(b->db, 5000);
    /* COMMIT writes the WAL without syncing it (synchronous=NORMAL: the WAL is still
     * synced before every checkpoint); the leader syncs it itself after COMMIT, outside
     * every lock, so the next batch is written while this one reaches the disk */
    sqlite3_stmt *v = NULL;
    int version = 0;
    if ((rc = sqlite3_exec(b->db,
                           "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                           "PRAGMA cache_size=-32768",
                           NULL, NULL, NULL)) != SQLITE_OK ||
        (rc = sqlite3_prepare_v2(b->db, "PRAGMA user_version", -1, &v, NULL)) != SQLITE_OK)
        return bk_say(bk_sql_err(rc), msg, msg_len, "%s: %s", path, sqlite3_errmsg(b->db));
    if (sqlite3_step(v) == SQLITE_ROW)
        version = sqlite3_column_int(v, 0);
    sqlite3_finalize(v);
    b->sync = !sync_normal;
    b->wal_fd = -1;
    if (b->sync) {
        /* the WAL exists now (a read opened it) and stays while this connection is open */
        char wal[4300];
        snprintf(wal, sizeof wal, "%s-wal", path);
        b->wal_fd = open(wal, O_RDWR | O_CLOEXEC);
        if (b->wal_fd < 0 &&
            (rc = sqlite3_exec(b->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL)) != SQLITE_OK)
            return bk_say(bk_sql_err(rc), msg, msg_len, "%s: %s", path, sqlite3_errmsg(b->db));
    }
    if (version < 6)
        return bk_say(LX_STORE, msg, msg_len,
                      "%s has no orders table of version 6 (catalog version %d); open it "
                      "with lx_store_open first, which migrates it",
                      path, version);
    char many[BK_ROWS * (N_COLS * 2 + 4) + 200]; /* BK_ROWS rows of N_COLS parameters */
    size_t at = (size_t)snprintf(many, sizeof many, "INSERT INTO orders(" COLS ") VALUES ");
    for (int r = 0; r < BK_ROWS; r++) {
        at += (size_t)snprintf(many + at, sizeof many - at, "%s(?", r ? "," : "");
        for (int k = 1; k < N_COLS; k++)
            at += (size_t)snprintf(many + at, sizeof many - at, ",?");
        at += (size_t)snprintf(many + at, sizeof many - at, ")");
    }
    if ((rc = prepare(b, many, &b->st_put_many)) != SQLITE_OK ||
        (rc = prepare(b,
                      "INSERT INTO orders(" COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                      "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
                      &b->st_put)) != SQLITE_OK ||
        (rc = prepare(b,
                      "UPDATE orders SET (" COLS ") = (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                      "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22) "
                      "WHERE seq = ?23",
                      &b->st_move)) != SQLITE_OK ||
        (rc = prepare(b,
                      "UPDATE orders SET seq = ?1, state = ?2, expires_at = ?3, "
                      "updated_at = ?4, payment = ?5, extra = ?7 WHERE seq = ?6",
                      &b->st_state)) != SQLITE_OK ||
        (rc = prepare(b, "SELECT " COLS " FROM orders WHERE seq > ?1 ORDER BY seq",
                      &b->st_since)) != SQLITE_OK ||
        (rc = prepare(b, "BEGIN IMMEDIATE", &b->st_begin)) != SQLITE_OK ||
        (rc = prepare(b, "BEGIN", &b->st_begin_read)) != SQLITE_OK ||
        (rc = prepare(b, "COMMIT", &b->st_commit)) != SQLITE_OK ||
        (rc = prepare(b, "ROLLBACK", &b->st_rollback)) != SQLITE_OK)
        return bk_say(bk_sql_err(rc), msg, msg_len, "%s: %s", path, sqlite3_errmsg(b->db));
    return LX_OK;
}

void bk_sql_close(lx_book *b)
{
    sqlite3_finalize(b->st_put);
    sqlite3_finalize(b->st_put_many);
    sqlite3_finalize(b->st_move);
    sqlite3_finalize(b->st_state);
    sqlite3_finalize(b->st_since);
    sqlite3_finalize(b->st_begin);
    sqlite3_finalize(b->st_begin_read);
    sqlite3_finalize(b->st_commit);
    sqlite3_finalize(b->st_rollback);
    sqlite3_close(b->db);
    b->db = NULL;
    if (b->wal_fd >= 0)
        close(b->wal_fd);
    b->wal_fd = -1;
}

/* ---- writing ---- */

static int day_number(lx_date_t day)
{
    int y, m, d;
    lx_date_to_ymd(day, &y, &m, &d);
    return y * 10000 + m * 100 + d;
}

/* Seat labels separated by spaces, "03-05A 03-05B". */
static void seats_text(const lx_inv_run *run, const lx_inv_order *o, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < o->n && i < LX_INV_MAX_PAX; i++) {
        char label[12];
        size_t k = bk_seat_label(run, o->seats[i], label);
        if (at + k + 2 > len)
            break;
        if (i)
            buf[at++] = ' ';
        memcpy(buf + at, label, k + 1);
        at += k;
    }
}

/* Binds the row of a change, its columns from parameter base + 1 on. */
static void bind_row(sqlite3_stmt *st, int base, lx_book *b, const bk_undo *u, int64_t seq,
                     char id[LX_BOOK_ID_LEN], char *seats, size_t seats_len)
{
    const bk_order *rec = u->rec;
    const lx_inv_order *o = &u->chg.after;
    const lx_tt *tt = b->feeds[rec->feed].tt;
    const lx_inv_run *run = rec->run;
    uint32_t trip = lx_inv_run_trip(run), nt, ns;
    const lx_trip *t = &lx_tt_trips(tt, &nt)[trip];
    const lx_station *stations = lx_tt_stations(tt, &ns);
    const uint32_t *st_stop = lx_tt_st_stop(tt);
    bk_id_format(o->id, id);
    seats_text(run, o, seats, seats_len);
    sqlite3_bind_int64(st, base + C_SEQ + 1, seq);
    sqlite3_bind_int64(st, base + C_OID + 1, (sqlite3_int64)o->id);
    sqlite3_bind_text(st, base + C_ID + 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, base + C_FEED + 1, lx_tt_feed_name(tt), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, base + C_TRIP + 1, t->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, base + C_DAY + 1, day_number(lx_inv_run_day(run)));
    sqlite3_bind_text(st, base + C_FROM_STOP + 1, stations[st_stop[t->st_first + o->from]].id, -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, base + C_TO_STOP + 1, stations[st_stop[t->st_first + o->to]].id, -1,
                      SQLITE_STATIC);
    sqlite3_bind_int(st, base + C_FROM + 1, o->from);
    sqlite3_bind_int(st, base + C_TO + 1, o->to);
    sqlite3_bind_text(st, base + C_CLASS + 1, lx_inv_class_name(run, o->cls), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, base + C_SEATS + 1, seats, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, base + C_PAX + 1, bk_text_pax(u->text), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, base + C_OWNER + 1, bk_text_owner(u->text), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, base + C_STATE + 1, lx_order_state_name((lx_order_state)o->state), -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, base + C_CREATED + 1, o->created_at);
    sqlite3_bind_int64(st, base + C_EXPIRES + 1, o->expires_at);
    sqlite3_bind_int64(st, base + C_UPDATED + 1, u->updated);
    sqlite3_bind_int64(st, base + C_PRICE + 1, rec->price);
    sqlite3_bind_text(st, base + C_CURRENCY + 1, rec->currency, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, base + C_PAYMENT + 1, bk_text_payment(u->text), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, base + C_EXTRA + 1, bk_text_extra(u->text), -1, SQLITE_STATIC);
}

/* Whether a change of an existing order changed only what a life-cycle change changes
 * (state, deadline, and with them the time of the change and the payment): then its
 * row only needs those columns. */
static int state_only(const lx_inv_change *chg)
{
    const lx_inv_order *a = &chg->before, *z = &chg->after;
    if (a->state == LX_ORDER_NONE || a->id != z->id || a->owner != z->owner || a->cls != z->cls ||
        a->n != z->n || a->from != z->from || a->to != z->to || a->created_at != z->created_at)
        return 0;
    for (uint32_t i = 0; i < z->n && i < LX_INV_MAX_PAX; i++)
        if (a->seats[i] != z->seats[i])
            return 0;
    return 1;
}

/* Writes the change's row under key seq: the order's row moves there (or, new or lost,
 * is inserted there). A change of state alone rewrites the few columns it changes (the
 * rest of the row is the same snapshot already); anything else the whole row. */
static int put_row(lx_book *b, const bk_undo *u, int64_t seq)
{
    char id[LX_BOOK_ID_LEN], seats[LX_INV_MAX_PAX * 12];
    const bk_order *rec = u->rec;
    int rc = SQLITE_DONE, moved = 0;
    if (rec->row && state_only(&u->chg)) {
        sqlite3_stmt *st = b->st_state;
        const lx_inv_order *o = &u->chg.after;
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_text(st, 2, lx_order_state_name((lx_order_state)o->state), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, o->expires_at);
        sqlite3_bind_int64(st, 4, u->updated);
        sqlite3_bind_text(st, 5, bk_text_payment(u->text), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, rec->row);
        sqlite3_bind_text(st, 7, bk_text_extra(u->text), -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        moved = rc == SQLITE_DONE && sqlite3_changes(b->db) == 1;
    } else if (rec->row) {
        bind_row(b->st_move, 0, b, u, seq, id, seats, sizeof seats);
        sqlite3_bind_int64(b->st_move, 23, rec->row);
        rc = sqlite3_step(b->st_move);
        sqlite3_reset(b->st_move);
        moved = rc == SQLITE_DONE && sqlite3_changes(b->db) == 1;
    }
    if (rc == SQLITE_DONE && !moved) {
        bind_row(b->st_put, 0, b, u, seq, id, seats, sizeof seats);
        rc = sqlite3_step(b->st_put);
        sqlite3_reset(b->st_put);
    }
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* New orders' rows waiting to be inserted BK_ROWS at a time. */
typedef struct {
    int n;
    const bk_undo *u[BK_ROWS];
    int64_t seq[BK_ROWS];
    char id[BK_ROWS][LX_BOOK_ID_LEN];
    char seats[BK_ROWS][LX_INV_MAX_PAX * 12];
} row_group;

static int group_flush(lx_book *b, row_group *g)
{
    int rc = SQLITE_DONE;
    if (g->n == BK_ROWS) {
        for (int i = 0; i < g->n; i++)
            bind_row(b->st_put_many, i * N_COLS, b, g->u[i], g->seq[i], g->id[i], g->seats[i],
                     sizeof g->seats[i]);
        rc = sqlite3_step(b->st_put_many);
        sqlite3_reset(b->st_put_many);
    } else {
        for (int i = 0; i < g->n && rc == SQLITE_DONE; i++) {
            bind_row(b->st_put, 0, b, g->u[i], g->seq[i], g->id[i], g->seats[i],
                     sizeof g->seats[i]);
            rc = sqlite3_step(b->st_put);
            sqlite3_reset(b->st_put);
        }
    }
    g->n = 0;
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int bk_sql_flush(lx_book *b, bk_batch *bt)
{
    row_group g;
    int64_t first = 0; /* the seq of g's first row */
    int rc;
    g.n = 0;
    for (; bt->flushed < bt->n_log; bt->flushed++) {
        bk_undo *u = &bt->log[bt->flushed];
        bk_order *rec = u->rec;
        int64_t seq = b->seq + 1;
        if (!rec->row) {
            /* a new order: its row goes with the next ones, in one statement */
            if (!g.n)
                first = seq;
            g.u[g.n] = u;
            g.seq[g.n++] = seq;
            if (g.n == BK_ROWS && (rc = group_flush(b, &g)) != SQLITE_OK)
                return rc;
        } else {
            /* a row moves: the row it moves from must be there */
            if (g.n && rec->row >= first && (rc = group_flush(b, &g)) != SQLITE_OK)
                return rc;
            if ((rc = put_row(b, u, seq)) != SQLITE_OK)
                return rc;
        }
        u->old_row = rec->row;
        rec->row = ++b->seq;
    }
    return group_flush(b, &g);
}

int bk_sql_others(lx_book *b, int *rc)
{
    sqlite3_stmt *st = b->st_since;
    sqlite3_bind_int64(st, 1, b->seq);
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    *rc = r == SQLITE_ROW || r == SQLITE_DONE ? SQLITE_OK : r;
    return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

/* ---- reading ---- */

void bk_orphan_add(lx_book *b, const char *id, const char *fmt, ...)
{
    bk_orphan *o = NULL;
    for (size_t i = 0; i < b->n_orphans && !o; i++)
        if (!strcmp(b->orphans[i].id, id))
            o = &b->orphans[i];
    if (!o) {
        if (b->n_orphans == b->cap_orphans) {
            size_t cap = b->cap_orphans ? b->cap_orphans * 2 : 16;
            bk_orphan *v = realloc(b->orphans, cap * sizeof *v);
            if (!v)
                return; /* still on disk; only the report of it is lost */
            b->orphans = v;
            b->cap_orphans = cap;
        }
        o = &b->orphans[b->n_orphans++];
        bk_copy(o->id, sizeof o->id, id);
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->why, sizeof o->why, fmt, ap);
    va_end(ap);
}

static int is_orphan(const lx_book *b, const char *id)
{
    for (size_t i = 0; i < b->n_orphans; i++)
        if (!strcmp(b->orphans[i].id, id))
            return 1;
    return 0;
}

static void orphan_clear(lx_book *b, const char *id)
{
    for (size_t i = 0; i < b->n_orphans; i++)
        if (!strcmp(b->orphans[i].id, id)) {
            b->orphans[i] = b->orphans[--b->n_orphans];
            return;
        }
}

static const char *col_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

/* Seat labels of a row into seat indexes; the count, or -1 with the bad label in bad. */
static int parse_seats(const lx_inv_run *run, const char *text, uint32_t *seats, char *bad,
                       size_t bad_len)
{
    int n = 0;
    while (*text) {
        while (*text == ' ')
            text++;
        if (!*text)
            break;
        size_t len = strcspn(text, " ");
        char label[32];
        bk_copy(label, sizeof label, "");
        if (len < sizeof label) {
            memcpy(label, text, len);
            label[len] = 0;
        }
        if (n == LX_INV_MAX_PAX || len >= sizeof label ||
            lx_inv_seat_parse(run, label, &seats[n]) != LX_OK) {
            bk_copy(bad, bad_len, len < sizeof label ? label : "(too long)");
            return -1;
        }
        n++;
        text += len;
    }
    return n;
}

/* One row into memory: its order set to the row's snapshot. A row that does not fit
 * the network becomes an orphan. SQLITE_NOMEM when memory runs out. */
static int apply_row(lx_book *b, sqlite3_stmt *st)
{
    lx_order_id oid = (lx_order_id)sqlite3_column_int64(st, C_OID);
    char id[LX_BOOK_ID_LEN];
    bk_id_format(oid, id);
    const char *feed_name = col_text(st, C_FEED), *trip_id = col_text(st, C_TRIP);
    uint32_t feed = lx_net_feed_by_name(b->net, feed_name);
    if (oid == 0) {
        bk_orphan_add(b, id, "order id 0");
        return SQLITE_OK;
    }
    if (feed == LX_NONE || feed >= b->n_feeds) {
        bk_orphan_add(b, id, "feed '%s' is not loaded", feed_name);
        return SQLITE_OK;
    }
    const lx_tt *tt = b->feeds[feed].tt;
    uint32_t trip = lx_tt_trip_by_id(tt, trip_id), nt, ns;
    if (trip == LX_NONE) {
        bk_orphan_add(b, id, "feed '%s' has no trip '%s'", feed_name, trip_id);
        return SQLITE_OK;
    }
    const lx_trip *t = &lx_tt_trips(tt, &nt)[trip];
    const lx_station *stations = lx_tt_stations(tt, &ns);
    const uint32_t *st_stop = lx_tt_st_stop(tt);
    int64_t from = sqlite3_column_int64(st, C_FROM), to = sqlite3_column_int64(st, C_TO);
    if (from < 0 || from >= to || to >= t->st_count || to > UINT8_MAX ||
        strcmp(stations[st_stop[t->st_first + from]].id, col_text(st, C_FROM_STOP)) != 0 ||
        strcmp(stations[st_stop[t->st_first + to]].id, col_text(st, C_TO_STOP)) != 0) {
        bk_orphan_add(b, id, "trip '%s' no longer calls at %s and %s at positions %lld, %lld",
                      trip_id, col_text(st, C_FROM_STOP), col_text(st, C_TO_STOP), (long long)from,
                      (long long)to);
        return SQLITE_OK;
    }
    int ymd = sqlite3_column_int(st, C_DAY);
    lx_date_t day = lx_date_from_ymd(ymd / 10000, ymd / 100 % 100, ymd % 100);
    int y, m, d;
    lx_date_to_ymd(day, &y, &m, &d);
    if (y * 10000 + m * 100 + d != ymd) {
        bk_orphan_add(b, id, "bad service day %d", ymd);
        return SQLITE_OK;
    }
    lx_order_state state = lx_order_state_parse(col_text(st, C_STATE));
    if (state == LX_ORDER_NONE) {
        bk_orphan_add(b, id, "bad state '%s'", col_text(st, C_STATE));
        return SQLITE_OK;
    }
    char why[96];
    lx_inv_run *run;
    if (bk_run_get(b, feed, trip, day, 1, &run, why, sizeof why) != LX_OK) {
        bk_orphan_add(b, id, "%s", why);
        return SQLITE_OK;
    }
    uint32_t cls = lx_inv_class(run, col_text(st, C_CLASS));
    if (cls == LX_NONE) {
        bk_orphan_add(b, id, "train %s has no class '%s'", trip_id, col_text(st, C_CLASS));
        return SQLITE_OK;
    }
    lx_inv_order snap = {.id = oid,
                         .owner = bk_owner_token(col_text(st, C_OWNER)),
                         .state = (uint8_t)state,
                         .cls = (uint8_t)cls,
                         .from = (uint8_t)from,
                         .to = (uint8_t)to,
                         .created_at = sqlite3_column_int64(st, C_CREATED),
                         .expires_at = sqlite3_column_int64(st, C_EXPIRES)};
    char bad[32];
    int n = parse_seats(run, col_text(st, C_SEATS), snap.seats, bad, sizeof bad);
    if (n <= 0) {
        bk_orphan_add(b, id, n < 0 ? "train %s has no seat '%s'" : "train %s: no seats%s", trip_id,
                      n < 0 ? bad : "");
        return SQLITE_OK;
    }
    snap.n = (uint8_t)n;
    int nomem = 0;
    char *text =
        bk_text_make(col_text(st, C_OWNER), col_text(st, C_PAYMENT), col_text(st, C_PAX),
                     col_text(st, C_EXTRA), &nomem);
    if (nomem)
        return SQLITE_NOMEM;

    bk_order *rec = bk_map_find(b, oid);
    if (rec && rec->run != run) {
        /* the row moved the order to another run: take it out of the old one */
        lx_inv_order gone = {.id = oid, .state = LX_ORDER_NONE};
        pthread_rwlock_rdlock(&b->feeds[rec->feed].runs);
        pthread_mutex_lock(&b->stripes[rec->stripe]);
        lx_inv_restore(rec->run, &gone);
        pthread_mutex_unlock(&b->stripes[rec->stripe]);
        pthread_rwlock_unlock(&b->feeds[rec->feed].runs);
        bk_map_remove(b, rec);
        rec = NULL;
    }
    bk_feed *f = &b->feeds[feed];
    uint16_t stripe = bk_stripe_of(feed, trip, day);
    pthread_rwlock_rdlock(&f->runs);
    pthread_mutex_lock(&b->stripes[stripe]);
    lx_err e = lx_inv_restore(run, &snap);
    int dup;
    if (e == LX_OK && !rec && !(rec = bk_map_add(b, oid, &dup))) {
        lx_inv_order gone = {.id = oid, .state = LX_ORDER_NONE};
        lx_inv_restore(run, &gone);
        e = LX_NOMEM;
    }
    if (e == LX_OK) {
        rec->feed = feed;
        rec->stripe = stripe;
        rec->run = run;
        rec->price = sqlite3_column_int64(st, C_PRICE);
        bk_copy(rec->currency, sizeof rec->currency, col_text(st, C_CURRENCY));
        rec->updated_at = sqlite3_column_int64(st, C_UPDATED);
        rec->row = sqlite3_column_int64(st, C_SEQ);
        free(rec->text);
        rec->text = text;
        text = NULL;
        /* its documents' trips (book_trips.c) */
        if (bk_trips_indexed(rec->text)) {
            bk_trips_lock(b);
            bk_trip_times(b, feed, run, (uint32_t)from, (uint32_t)to, &rec->dep, &rec->arr);
            rec->live = state == LX_ORDER_HELD || state == LX_ORDER_CONFIRMED;
            if (bk_trips_add(b, rec, rec->text) != 0)
                e = LX_NOMEM;
            bk_trips_unlock(b);
        }
        /* an unpaid hold given up counts against its user (book_users.c) */
        char user[80];
        if (state == LX_ORDER_CANCELLED &&
            bk_extra_get(col_text(st, C_EXTRA), "user", user, sizeof user))
            bk_user_cancel(b, user, rec->updated_at, 1);
    }
    pthread_mutex_unlock(&b->stripes[stripe]);
    pthread_rwlock_unlock(&f->runs);
    free(text);
    if (e == LX_NOMEM)
        return SQLITE_NOMEM;
    if (e != LX_OK)
        bk_orphan_add(b, id, "%s on train %s: %s", col_text(st, C_SEATS), trip_id,
                      e == LX_TAKEN ? "a seat is taken by another order" : lx_strerror(e));
    else if (b->n_orphans)
        orphan_clear(b, id);
    return SQLITE_OK;
}

int bk_sql_catch_up(lx_book *b)
{
    sqlite3_stmt *st = b->st_since;
    sqlite3_bind_int64(st, 1, b->seq);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, C_SEQ);
        int r = apply_row(b, st);
        if (r != SQLITE_OK) {
            rc = r;
            break;
        }
        if (seq > b->seq)
            b->seq = seq;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* ---- checking ---- */

uint32_t bk_sql_compare(lx_book *b, char *msg, size_t msg_len, size_t *at, uint32_t *rows)
{
    sqlite3_stmt *st;
    uint32_t findings = 0;
    *rows = 0;
    if (sqlite3_prepare_v2(b->db, "SELECT oid, id, state, seats, seq FROM orders", -1, &st, NULL) !=
        SQLITE_OK) {
        bk_report(msg, msg_len, at, "cannot read the orders: %s", sqlite3_errmsg(b->db));
        return 1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        lx_order_id oid = (lx_order_id)sqlite3_column_int64(st, 0);
        char id[LX_BOOK_ID_LEN];
        bk_id_format(oid, id);
        if (is_orphan(b, id))
            continue;
        (*rows)++;
        const char *state = col_text(st, 2), *seats = col_text(st, 3);
        if (strcmp(col_text(st, 1), id) != 0) {
            bk_report(msg, msg_len, at, "order %s: its row says id %s", id, col_text(st, 1));
            findings++;
        }
        bk_order *rec = bk_map_find(b, oid);
        if (!rec) {
            bk_report(msg, msg_len, at, "order %s (%s %s) is on disk but not in memory", id, state,
                      seats);
            findings++;
            continue;
        }
        if (rec->row != sqlite3_column_int64(st, 4)) {
            bk_report(msg, msg_len, at, "order %s: a row at seq %lld, memory knows seq %lld", id,
                      (long long)sqlite3_column_int64(st, 4), (long long)rec->row);
            findings++;
        }
        bk_feed *f = &b->feeds[rec->feed];
        char mem_seats[LX_INV_MAX_PAX * 12] = "";
        const char *mem_state = "none";
        pthread_rwlock_rdlock(&f->runs);
        pthread_mutex_lock(&b->stripes[rec->stripe]);
        const lx_inv_order *o = lx_inv_order_get(rec->run, oid);
        if (o) {
            mem_state = lx_order_state_name((lx_order_state)o->state);
            seats_text(rec->run, o, mem_seats, sizeof mem_seats);
        }
        pthread_mutex_unlock(&b->stripes[rec->stripe]);
        pthread_rwlock_unlock(&f->runs);
        if (strcmp(state, mem_state) != 0 || strcmp(seats, mem_seats) != 0) {
            bk_report(msg, msg_len, at, "order %s: disk says %s %s, memory %s %s", id, state, seats,
                      mem_state, mem_seats);
            findings++;
        }
    }
    if (rc != SQLITE_DONE) {
        bk_report(msg, msg_len, at, "cannot read the orders: %s", sqlite3_errmsg(b->db));
        findings++;
    }
    sqlite3_finalize(st);
    return findings;
}

lx_err lx_book_test_sql(lx_book *b, const char *sql)
{
    if (!b->db)
        return LX_INVAL;
    pthread_mutex_lock(&b->commit_mu);
    int rc = sqlite3_exec(b->db, sql, NULL, NULL, NULL);
    pthread_mutex_unlock(&b->commit_mu);
    return bk_sql_err(rc);
}

/* ---- transactions ---- */

static int step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int bk_sql_begin(lx_book *b, int write)
{
    return step_reset(write ? b->st_begin : b->st_begin_read);
}
int bk_sql_commit(lx_book *b)
{
    return step_reset(b->st_commit);
}

void bk_sql_rollback(lx_book *b)
{
    if (!sqlite3_get_autocommit(b->db))
        step_reset(b->st_rollback);
}

int bk_sql_sync(lx_book *b)
{
    if (b->wal_fd < 0)
        return 0; /* SQLite synced in COMMIT (or sync_normal) */
    while (fdatasync(b->wal_fd) != 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

const char *bk_sql_errmsg(lx_book *b)
{
    return sqlite3_errmsg(b->db);
}

lx_err lx_book_test_fail_sync(lx_book *b)
{
    int fds[2];
    if (b->wal_fd < 0 || pipe(fds) != 0)
        return LX_INVAL;
    close(fds[1]);
    pthread_mutex_lock(&b->commit_mu);
    close(b->wal_fd);
    b->wal_fd = fds[0]; /* fdatasync of a pipe fails (EINVAL) */
    pthread_mutex_unlock(&b->commit_mu);
    return LX_OK;
}
