/* bench_inv --design durable | durable-normal | book-mem: lx_book over a fresh data
 * directory (book-mem: lx_book_opts.memory_only, the store's locks and bookkeeping
 * without SQLite, to tell its CPU cost from its disk's).
 *
 * The data directory is made under --dir (default $TMPDIR, else /var/tmp: a disk, not
 * a tmpfs, or fsync costs nothing) and removed at the end; its file system type is
 * reported ("data_fs"). The synthetic feed is imported into it as `lanxang import`
 * would, every run is created before the clock starts (one query per run), and then
 * each client thread repeats: draw P requests of its stream; answer the queries among
 * them at once from memory (lx_book_avail); hand the sales and refunds to one
 * lx_book_exec, which returns once they are committed (WAL, synchronous FULL or
 * NORMAL; concurrent clients share commits). A refund drawn in a batch is taken off
 * the thread's tickets when drawn, so one batch never returns a ticket twice; a sale
 * becomes a ticket when its batch is acknowledged. Latency is per batch. The journeys
 * (lx_leg, with their departure and arrival instants) are looked up once before the
 * clock starts, as a server has them from the search that precedes a sale, so that the
 * clients spend their CPU on the requests rather than on time zones. "cpu_us_per_op"
 * is the CPU time of the whole process (every thread, user + system) during the timed
 * phase divided by the requests: on a busy machine a steadier figure than the rate.
 *
 * After the run: lx_book_check; each thread's tickets are confirmed orders of the
 * right train; no seat label is sold twice on a segment of a train; lx_book_avail of
 * every journey of every train matches the seats the tickets hold; the store's
 * counts of sales and refunds match the threads'. Then the book is closed, opened
 * again from disk, and all of it is checked once more (not for book-mem).
 */
#define _GNU_SOURCE 1
#include "bench_inv.h"

#include <ftw.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "inv_feed.h"
#include "lanxang/book.h"
#include "lanxang/store.h"
#include "workload.h"

typedef struct {
    char id[LX_BOOK_ID_LEN];
    uint32_t train;
} dticket;

typedef struct dctx {
    const bi_opts *o;
    lx_store *store;
    lx_net *net;
    lx_book *book;
    const lx_tt *tt;
    uint32_t feed;
    lx_leg *base; /* [trains]: the run from first to last stop */
    lx_leg *legs; /* leg_of(t, a, b) at [(t * BW_STATIONS + a) * BW_STATIONS + b] */
    lx_instant_t now;
    pthread_barrier_t start;
} dctx;

typedef struct {
    dctx *c;
    uint32_t idx;
    dticket *held;
    uint32_t n_held, cap_held;
    uint64_t ops, queries, purchases, refused, refunds;
    uint32_t *lat;
    size_t n_lat, cap_lat;
    char err[256];
} dworker;

/* The leg of train t from stop position a to b (positions within the trip). */
static lx_leg leg_of(const dctx *c, uint32_t t, uint32_t a, uint32_t b)
{
    lx_leg l = c->base[t];
    uint32_t first = l.from_pos;
    l.from_pos = first + a;
    l.to_pos = first + b;
    l.departure = lx_tt_st_instant(c->tt, &c->base[t], l.from_pos, 1);
    l.arrival = lx_tt_st_instant(c->tt, &c->base[t], l.to_pos, 0);
    return l;
}

/* The same, looked up in the table made before the clock started. */
static const lx_leg *leg_at(const dctx *c, uint32_t t, uint32_t a, uint32_t b)
{
    return &c->legs[((size_t)t * BW_STATIONS + a) * BW_STATIONS + b];
}

static int hold_ticket(dworker *w, const char *id, uint32_t train)
{
    if (w->n_held == w->cap_held) {
        uint32_t cap = w->cap_held ? w->cap_held * 2 : 1024;
        dticket *p = realloc(w->held, cap * sizeof *p);
        if (!p)
            return -1;
        w->held = p;
        w->cap_held = cap;
    }
    dticket *t = &w->held[w->n_held++];
    memcpy(t->id, id, sizeof t->id);
    t->id[sizeof t->id - 1] = 0;
    t->train = train;
    return 0;
}

static void *dworker_main(void *arg)
{
    dworker *w = arg;
    dctx *c = w->c;
    const bi_opts *o = c->o;
    uint32_t P = o->batch;
    bw_rng g;
    bw_seed(&g, o->seed, w->idx);
    char owner[16];
    snprintf(owner, sizeof owner, "t%u", w->idx);
    lx_book_req *reqs = calloc(P, sizeof *reqs);
    lx_book_op *ops = calloc(P, sizeof *ops);
    lx_book_order *outs = calloc(P, sizeof *outs);
    lx_err *results = calloc(P, sizeof *results);
    dticket *ret = calloc(P, sizeof *ret);
    uint32_t *train_of = calloc(P, sizeof *train_of);
    if (!reqs || !ops || !outs || !results || !ret || !train_of) {
        snprintf(w->err, sizeof w->err, "out of memory");
        pthread_barrier_wait(&c->start);
        goto out;
    }
    for (uint32_t i = 0; i < P; i++) { /* what every sale of this thread says alike */
        lx_book_req *r = &reqs[i];
        r->feed = c->feed;
        r->cls = "second";
        r->n = 1;
        snprintf(r->pax[0].name, sizeof r->pax[0].name, "Passenger %s", owner);
        r->pref = LX_SEAT_ANY;
        r->owner = owner;
        r->confirm = 1;
    }
    pthread_barrier_wait(&c->start);
    for (uint64_t done = 0; done < o->ops_per_thread && !w->err[0];) {
        uint64_t t0 = bi_ns();
        uint32_t k = 0;
        uint64_t todo = o->ops_per_thread - done < P ? o->ops_per_thread - done : P;
        for (uint64_t i = 0; i < todo; i++) {
            bw_req q = bw_next(&g, o->workload, o->trains, w->n_held);
            if (q.kind == BW_QUERY) {
                uint32_t free_seats;
                lx_err e = lx_book_avail(c->book, c->feed, leg_at(c, q.train, q.from, q.to),
                                         "second", c->now, &free_seats);
                if (e) {
                    snprintf(w->err, sizeof w->err, "lx_book_avail: %s", lx_strerror(e));
                    break;
                }
                w->queries++;
                continue;
            }
            lx_book_op *op = &ops[k];
            memset(op, 0, sizeof *op);
            op->owner = owner;
            if (q.kind == BW_REFUND) {
                ret[k] = w->held[q.pick];
                w->held[q.pick] = w->held[--w->n_held];
                op->code = LX_INV_REFUND;
                op->id = ret[k].id;
            } else {
                lx_book_req *r = &reqs[k];
                r->leg = *leg_at(c, q.train, q.from, q.to);
                op->code = LX_INV_SELL;
                op->req = r;
                op->out = &outs[k];
                train_of[k] = q.train;
            }
            k++;
        }
        if (w->err[0])
            break;
        if (k) {
            lx_err e = lx_book_exec(c->book, ops, k, c->now, results);
            if (e) { /* a commit failed: none of the batch happened */
                snprintf(w->err, sizeof w->err, "lx_book_exec: %s", lx_strerror(e));
                break;
            }
        }
        if (bi_lat_push(&w->lat, &w->n_lat, &w->cap_lat, bi_ns() - t0)) {
            snprintf(w->err, sizeof w->err, "out of memory");
            break;
        }
        done += todo;
        w->ops += todo;
        for (uint32_t i = 0; i < k; i++) {
            if (ops[i].code == LX_INV_REFUND) {
                if (results[i] != LX_OK) {
                    snprintf(w->err, sizeof w->err, "refund of %s: %s", ops[i].id,
                             lx_strerror(results[i]));
                    break;
                }
                w->refunds++;
            } else if (results[i] == LX_OK) {
                if (outs[i].state != LX_ORDER_CONFIRMED || !outs[i].id[0]) {
                    snprintf(w->err, sizeof w->err, "a sale came back %s",
                             lx_order_state_name(outs[i].state));
                    break;
                }
                if (hold_ticket(w, outs[i].id, train_of[i])) {
                    snprintf(w->err, sizeof w->err, "out of memory");
                    break;
                }
                w->purchases++;
            } else if (results[i] == LX_SOLDOUT) {
                w->refused++;
            } else {
                snprintf(w->err, sizeof w->err, "sale on train %u: %s", train_of[i],
                         lx_strerror(results[i]));
                break;
            }
        }
    }
out:
    free(reqs);
    free(ops);
    free(outs);
    free(results);
    free(ret);
    free(train_of);
    return NULL;
}

/* ---- checks ---- */

typedef struct {
    uint32_t train;
    char seat[12];
    uint64_t mask;
} sold_seat;

static int cmp_sold(const void *a, const void *b)
{
    const sold_seat *x = a, *y = b;
    if (x->train != y->train)
        return x->train < y->train ? -1 : 1;
    return strcmp(x->seat, y->seat);
}

static int verify_durable(dctx *c, dworker *ws, const char *when)
{
    const bi_opts *o = c->o;
    char msg[2048];
    uint32_t runs = 0, orders = 0;
    lx_err e = lx_book_check(c->book, msg, sizeof msg, &runs, &orders);
    if (e) {
        bi_fail("%s: lx_book_check: %s: %s", when, lx_strerror(e), msg);
        return 1;
    }
    size_t total = 0;
    for (uint32_t i = 0; i < o->threads; i++)
        total += ws[i].n_held;
    sold_seat *v = malloc((total ? total : 1) * sizeof *v);
    if (!v)
        return -1;
    size_t n = 0;
    int bad = 0;
    for (uint32_t i = 0; i < o->threads && !bad; i++)
        for (uint32_t j = 0; j < ws[i].n_held; j++) {
            const dticket *t = &ws[i].held[j];
            lx_book_order ord;
            char want[16];
            snprintf(want, sizeof want, "T%05u", t->train);
            e = lx_book_get(c->book, t->id, &ord);
            if (e || ord.state != LX_ORDER_CONFIRMED || ord.n != 1 || strcmp(ord.trip_id, want) ||
                ord.from_pos >= ord.to_pos || ord.to_pos >= BW_STATIONS) {
                bi_fail("%s: thread %u's ticket %s on %s is %s", when, i, t->id, want,
                        e ? lx_strerror(e) : lx_order_state_name(ord.state));
                bad = 1;
                break;
            }
            v[n].train = t->train;
            snprintf(v[n].seat, sizeof v[n].seat, "%s", ord.seats[0]);
            v[n].mask = bw_mask(ord.from_pos, ord.to_pos);
            n++;
        }
    if (!bad) {
        qsort(v, n, sizeof *v, cmp_sold);
        /* one entry per (train, seat): the segments of all its tickets, never twice */
        size_t m = 0;
        for (size_t i = 0; i < n && !bad; i++) {
            if (m && v[m - 1].train == v[i].train && !strcmp(v[m - 1].seat, v[i].seat)) {
                if (v[m - 1].mask & v[i].mask) {
                    bi_fail("%s: train %u seat %s sold twice", when, v[i].train, v[i].seat);
                    bad = 1;
                }
                v[m - 1].mask |= v[i].mask;
            } else {
                v[m++] = v[i];
            }
        }
        size_t at = 0;
        for (uint32_t t = 0; t < o->trains && !bad; t++) {
            size_t end = at;
            while (end < m && v[end].train == t)
                end++;
            for (uint32_t a = 0; a + 1 < BW_STATIONS && !bad; a++)
                for (uint32_t b = a + 1; b < BW_STATIONS && !bad; b++) {
                    uint64_t jm = bw_mask(a, b);
                    uint32_t taken = 0, free_seats = 0;
                    for (size_t i = at; i < end; i++)
                        taken += (v[i].mask & jm) != 0;
                    lx_leg l = leg_of(c, t, a, b);
                    e = lx_book_avail(c->book, c->feed, &l, "second", c->now, &free_seats);
                    if (e || free_seats != BW_SEATS - taken) {
                        bi_fail("%s: train %u %u-%u: lx_book_avail says %u (%s), the tickets "
                                "leave %u",
                                when, t, a, b, free_seats, lx_strerror(e), BW_SEATS - taken);
                        bad = 1;
                    }
                }
            at = end;
        }
    }
    free(v);
    return bad;
}

/* User + system CPU seconds of a getrusage. */
static double cpu_s(const struct rusage *r)
{
    return (double)r->ru_utime.tv_sec + (double)r->ru_utime.tv_usec / 1e6 +
           (double)r->ru_stime.tv_sec + (double)r->ru_stime.tv_usec / 1e6;
}

/* ---- the data directory ---- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static const char *fs_name(const char *dir)
{
    struct statfs s;
    if (statfs(dir, &s))
        return "unknown";
    switch ((unsigned long)s.f_type) {
    case EXT4_SUPER_MAGIC:
        return "ext4"; /* also ext2 and ext3 */
    case TMPFS_MAGIC:
        return "tmpfs";
    case XFS_SUPER_MAGIC:
        return "xfs";
    case BTRFS_SUPER_MAGIC:
        return "btrfs";
    case OVERLAYFS_SUPER_MAGIC:
        return "overlayfs";
    default:
        return "other";
    }
}

int bi_run_durable(const bi_opts *o, int sync_normal, int memory_only, bi_result *res)
{
    dctx c;
    memset(&c, 0, sizeof c);
    c.o = o;
    char msg[1024], dir[4096];
    int rc = 1, have_dir = 0, have_barrier = 0;
    dworker *ws = NULL;
    pthread_t *th = NULL;
    lx_tt *tt = NULL;
    const char *parent = o->dir ? o->dir : getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp";

    bi_feed f = {o->trains, BW_STATIONS, NULL, BW_COACHES, BW_SEATS_PER_COACH, bi_day()};
    lx_err e = bi_feed_load(&f, &tt, msg, sizeof msg);
    if (e) {
        bi_fail("synthetic feed: %s", msg);
        return 1;
    }
    snprintf(dir, sizeof dir, "%s/lx-bench-inv-XXXXXX", parent);
    if (!mkdtemp(dir)) {
        bi_fail("cannot make a data directory under %s", parent);
        lx_tt_destroy(tt);
        return 1;
    }
    have_dir = 1;
    if ((e = lx_net_create(&c.net))) {
        lx_tt_destroy(tt);
        bi_fail("lx_net_create: %s", lx_strerror(e));
        goto out;
    }
    if ((e = lx_net_add(c.net, tt))) { /* the network owns tt from here */
        bi_fail("lx_net_add: %s", lx_strerror(e));
        goto out;
    }
    c.feed = lx_net_feed_by_name(c.net, "bench");
    c.tt = lx_net_feed(c.net, c.feed);
    if ((e = lx_store_open(dir, 1, &c.store, msg, sizeof msg)) ||
        (e = lx_store_import(c.store, c.tt, "bench", "bench_inv synthetic feed", 0, msg,
                             sizeof msg))) {
        bi_fail("data directory %s: %s (%s)", dir, lx_strerror(e), msg);
        goto out;
    }
    lx_book_opts bo = {memory_only, sync_normal};
    if ((e = lx_book_open(c.store, c.net, &bo, &c.book, msg, sizeof msg))) {
        bi_fail("lx_book_open: %s (%s)", lx_strerror(e), msg);
        goto out;
    }
    c.base = calloc(o->trains, sizeof *c.base);
    ws = calloc(o->threads, sizeof *ws);
    th = calloc(o->threads, sizeof *th);
    if (!c.base || !ws || !th) {
        bi_fail("out of memory");
        goto out;
    }
    for (uint32_t t = 0; t < o->trains; t++) {
        char id[16];
        snprintf(id, sizeof id, "T%05u", t);
        uint32_t trip = lx_tt_trip_by_id(c.tt, id);
        if (trip == LX_NONE || lx_tt_trip_runs(c.tt, trip, bi_day(), &c.base[t], 1) != 1) {
            bi_fail("train %s has no run on the day", id);
            goto out;
        }
    }
    c.now = c.base[0].departure - 86400;
    c.legs = calloc((size_t)o->trains * BW_STATIONS * BW_STATIONS, sizeof *c.legs);
    if (!c.legs) {
        bi_fail("out of memory");
        goto out;
    }
    for (uint32_t t = 0; t < o->trains; t++)
        for (uint32_t a = 0; a + 1 < BW_STATIONS; a++)
            for (uint32_t b = a + 1; b < BW_STATIONS; b++)
                c.legs[((size_t)t * BW_STATIONS + a) * BW_STATIONS + b] = leg_of(&c, t, a, b);
    for (uint32_t t = 0; t < o->trains; t++) { /* creates every run, before the clock */
        uint32_t free_seats;
        lx_leg l = leg_of(&c, t, 0, BW_STATIONS - 1);
        if ((e = lx_book_avail(c.book, c.feed, &l, "second", c.now, &free_seats)) ||
            free_seats != BW_SEATS) {
            bi_fail("train %u: %u seats free before any sale (%s)", t, free_seats, lx_strerror(e));
            goto out;
        }
    }
    if (pthread_barrier_init(&c.start, NULL, o->threads + 1)) {
        bi_fail("pthread_barrier_init failed");
        goto out;
    }
    have_barrier = 1;
    for (uint32_t i = 0; i < o->threads; i++) {
        ws[i].c = &c;
        ws[i].idx = i;
        if (pthread_create(&th[i], NULL, dworker_main, &ws[i])) {
            bi_fail("cannot start client thread %u", i);
            exit(1); /* the barrier would never open */
        }
    }
    struct rusage ru0, ru1;
    pthread_barrier_wait(&c.start);
    uint64_t t0 = bi_ns();
    getrusage(RUSAGE_SELF, &ru0);
    for (uint32_t i = 0; i < o->threads; i++)
        pthread_join(th[i], NULL);
    uint64_t t1 = bi_ns();
    getrusage(RUSAGE_SELF, &ru1);

    res->seconds = (double)(t1 - t0) / 1e9;
    res->latency_of = "batch";
    res->durable = !memory_only;
    size_t n_lat = 0;
    int failed = 0;
    for (uint32_t i = 0; i < o->threads; i++) {
        res->ops += ws[i].ops;
        res->queries += ws[i].queries;
        res->purchases += ws[i].purchases;
        res->refused += ws[i].refused;
        res->refunds += ws[i].refunds;
        n_lat += ws[i].n_lat;
        if (ws[i].err[0]) {
            bi_fail("thread %u: %s", i, ws[i].err);
            failed = 1;
        }
    }
    res->lat = malloc((n_lat ? n_lat : 1) * sizeof *res->lat);
    if (!res->lat) {
        bi_fail("out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < o->threads; i++) {
        memcpy(res->lat + res->n_lat, ws[i].lat, ws[i].n_lat * sizeof *res->lat);
        res->n_lat += ws[i].n_lat;
    }
    lx_book_stats st;
    lx_book_stats_get(c.book, &st);
    snprintf(res->extra, sizeof res->extra,
             ",\"batch\":%u,\"sync\":\"%s\",\"data_fs\":\"%s\",\"commits\":%llu,"
             "\"changes_per_commit\":%.1f,\"cpu_us_per_op\":%.2f",
             o->batch,
             memory_only   ? "none"
             : sync_normal ? "normal"
                           : "full",
             memory_only ? "none" : fs_name(dir), (unsigned long long)st.commits,
             st.commits ? (double)st.changes / (double)st.commits : 0.0,
             res->ops ? (cpu_s(&ru1) - cpu_s(&ru0)) * 1e6 / (double)res->ops : 0.0);
    if (failed)
        goto out;
    if (st.sales != res->purchases || st.refunds != res->refunds) {
        bi_fail("the store counts %llu sales and %llu refunds, the threads %llu and %llu",
                (unsigned long long)st.sales, (unsigned long long)st.refunds,
                (unsigned long long)res->purchases, (unsigned long long)res->refunds);
        goto out;
    }
    if (verify_durable(&c, ws, "after the run"))
        goto out;
    if (memory_only) {
        rc = 0;
        goto out;
    }
    lx_book_close(c.book);
    c.book = NULL;
    if ((e = lx_book_open(c.store, c.net, &bo, &c.book, msg, sizeof msg))) {
        bi_fail("reopening the book: %s (%s)", lx_strerror(e), msg);
        goto out;
    }
    if (verify_durable(&c, ws, "after reopening"))
        goto out;
    rc = 0;
out:
    if (have_barrier)
        pthread_barrier_destroy(&c.start);
    if (ws)
        for (uint32_t i = 0; i < o->threads; i++) {
            free(ws[i].held);
            free(ws[i].lat);
        }
    free(ws);
    free(th);
    free(c.base);
    free(c.legs);
    lx_book_close(c.book);
    lx_store_close(c.store);
    lx_net_destroy(c.net);
    if (have_dir)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
