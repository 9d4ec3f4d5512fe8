/* bench_inv: lanxang's side of the seat inventory benchmark (docs/PERFORMANCE.md,
 * "Seat inventory"; the peers are bench/inventory/peer_*.c, driven the same way).
 *
 *   bench_inv --design D --workload a|b|s --threads N --trains T --ops-per-thread M
 *             [--seed S] [--batch P] [--shards K] [--lat-every E] [--dir DIR]
 *   bench_inv --micro [--trains T] [--seed S]
 *
 * The designs:
 *   mem-runlock     the engine in memory, one mutex per train run (lanxang's choice)
 *   mem-global      the engine in memory, one mutex for everything
 *   mem-shard       the runs split into K shards (default: one per CPU), each owned by a
 *                   single writer thread; a client hands each request to its shard's
 *                   queue and sleeps on a semaphore until the answer is back
 *   durable         lx_book over a fresh data directory (WAL, synchronous=FULL); each
 *                   client gathers P requests, answers the queries among them from
 *                   memory (lx_book_avail) and submits the sales and refunds in one
 *                   lx_book_exec, acknowledged once committed
 *   durable-normal  the same with synchronous=NORMAL
 *   book-mem        the same lx_book without a disk (lx_book_opts.memory_only): the
 *                   store's locks and bookkeeping alone, no SQLite
 *
 * Every design builds the same synthetic timetable (inv_feed.h: T trains over
 * BW_STATIONS stations, BW_COACHES x BW_SEATS_PER_COACH seats of class "second", one
 * day), creates every run up front, and then N threads each serve M requests of their
 * own stream (bench/inventory/workload.h). A sale is one seat, LX_ALLOC_BEST_FIT; a
 * refund returns one of the thread's own tickets; a query is lx_inv_avail. `now` is
 * one day before the first run leaves. Only the request phase is timed.
 *
 * Output: one JSON line (the contract shared with the peers). After the run every
 * run's lx_inv_check passes, every ticket a thread holds is a confirmed order of its
 * own, there are no other confirmed orders, no seat is sold twice on a segment (an
 * independent bitmap), and every availability count matches that bitmap; for durable
 * also lx_book_check, and again after closing and reopening the data directory.
 * Exit status 0 only when all of that holds ("verify":"ok").
 */
#include "bench_inv.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "inv_feed.h"
#include "workload.h"

/* ---- small helpers shared with the other files ---- */

lx_date_t bi_day(void)
{
    return lx_date_from_ymd(2026, 12, 20);
}

uint64_t bi_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bi_lat_push(uint32_t **lat, size_t *n, size_t *cap, uint64_t ns)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 4096;
        uint32_t *p = realloc(*lat, c * sizeof *p);
        if (!p)
            return -1;
        *lat = p;
        *cap = c;
    }
    (*lat)[(*n)++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
    return 0;
}

void bi_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_inv: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- the in-memory designs ---- */

enum { D_RUNLOCK, D_GLOBAL, D_SHARD };

/* One request as the engine sees it; also what travels through a shard's queue. */
typedef struct {
    int kind; /* BW_QUERY, BW_BUY, BW_REFUND */
    uint32_t run;
    uint8_t from, to;
    lx_order_id id; /* BUY: the new order; REFUND: the order returned */
    uint64_t owner;
    lx_err err; /* the answer */
    uint32_t avail;
    sem_t done; /* mem-shard: posted by the shard when answered */
} call;

typedef struct {
    pthread_mutex_t mu;
    char pad[64 - sizeof(pthread_mutex_t) % 64];
} padded_mutex;

typedef struct ctx ctx;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    call **q, **spare; /* requests waiting; at most one per client */
    uint32_t n;
    int stop, sleeping;
    pthread_t th;
    ctx *c;
    uint64_t batches, served; /* how many wake-ups, and requests answered */
} shard;

struct ctx {
    const bi_opts *o;
    int design;
    lx_tt *tt;
    lx_inv *inv;
    lx_inv_run **runs; /* [trains] */
    uint32_t cls;
    lx_instant_t now;
    padded_mutex *locks;    /* D_RUNLOCK: one per run */
    pthread_mutex_t global; /* D_GLOBAL */
    shard *shards;          /* D_SHARD */
    uint32_t n_shards;
    pthread_barrier_t start;
};

typedef struct {
    uint32_t run;
    lx_order_id id;
} ticket;

typedef struct {
    ctx *c;
    uint32_t idx;
    ticket *held;
    uint32_t n_held, cap_held;
    uint64_t queries, purchases, refused, refunds, ops;
    uint32_t *lat;
    size_t n_lat, cap_lat;
    char err[256];
    call k;
} worker;

/* The engine call itself: the caller holds whatever its design requires. */
static void engine(ctx *c, call *k)
{
    lx_inv_run *r = c->runs[k->run];
    if (k->kind == BW_QUERY) {
        k->avail = lx_inv_avail(r, k->from, k->to, c->cls, c->now);
        k->err = LX_OK;
        return;
    }
    lx_inv_op op;
    memset(&op, 0, sizeof op);
    op.order = k->id;
    op.owner = k->owner;
    op.now = c->now;
    if (k->kind == BW_BUY) {
        op.code = LX_INV_SELL;
        op.req.from = k->from;
        op.req.to = k->to;
        op.req.cls = (uint8_t)c->cls;
        op.req.n = 1;
        op.req.pref = LX_SEAT_ANY;
        op.req.policy = LX_ALLOC_BEST_FIT;
    } else {
        op.code = LX_INV_REFUND;
    }
    lx_inv_change chg;
    k->err = lx_inv_apply(r, &op, &chg);
}

static void *shard_main(void *arg)
{
    shard *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (s->n == 0 && !s->stop) {
            s->sleeping = 1;
            pthread_cond_wait(&s->cv, &s->mu);
            s->sleeping = 0;
        }
        if (s->n == 0) { /* stop, and nothing left */
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        call **batch = s->q;
        uint32_t n = s->n;
        s->q = s->spare;
        s->spare = batch;
        s->n = 0;
        pthread_mutex_unlock(&s->mu);
        s->batches++;
        s->served += n;
        for (uint32_t i = 0; i < n; i++) {
            engine(s->c, batch[i]);
            sem_post(&batch[i]->done);
        }
    }
}

static void submit(ctx *c, call *k)
{
    switch (c->design) {
    case D_RUNLOCK:
        pthread_mutex_lock(&c->locks[k->run].mu);
        engine(c, k);
        pthread_mutex_unlock(&c->locks[k->run].mu);
        break;
    case D_GLOBAL:
        pthread_mutex_lock(&c->global);
        engine(c, k);
        pthread_mutex_unlock(&c->global);
        break;
    default: {
        shard *s = &c->shards[k->run % c->n_shards];
        pthread_mutex_lock(&s->mu);
        s->q[s->n++] = k;
        if (s->sleeping)
            pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        while (sem_wait(&k->done) != 0 && errno == EINTR)
            ;
    }
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    ctx *c = w->c;
    const bi_opts *o = c->o;
    bw_rng g;
    bw_seed(&g, o->seed, w->idx);
    uint64_t next_id = ((uint64_t)(w->idx + 1) << 40) | 1;
    uint64_t owner = w->idx + 1;
    uint32_t every = o->lat_every;
    call *k = &w->k;
    pthread_barrier_wait(&c->start);
    for (uint64_t i = 0; i < o->ops_per_thread; i++) {
        bw_req q = bw_next(&g, o->workload, o->trains, w->n_held);
        int timed = i % every == 0;
        uint64_t t0 = timed ? bi_ns() : 0;
        k->kind = q.kind;
        k->owner = owner;
        if (q.kind == BW_REFUND) {
            k->run = w->held[q.pick].run;
            k->id = w->held[q.pick].id;
        } else {
            k->run = q.train;
            k->from = (uint8_t)q.from;
            k->to = (uint8_t)q.to;
            k->id = q.kind == BW_BUY ? next_id++ : 0;
        }
        submit(c, k);
        if (timed && bi_lat_push(&w->lat, &w->n_lat, &w->cap_lat, bi_ns() - t0)) {
            snprintf(w->err, sizeof w->err, "out of memory");
            break;
        }
        w->ops++;
        if (q.kind == BW_QUERY) {
            w->queries++;
        } else if (q.kind == BW_BUY) {
            if (k->err == LX_OK) {
                if (w->n_held == w->cap_held) {
                    uint32_t cap = w->cap_held ? w->cap_held * 2 : 1024;
                    ticket *p = realloc(w->held, cap * sizeof *p);
                    if (!p) {
                        snprintf(w->err, sizeof w->err, "out of memory");
                        break;
                    }
                    w->held = p;
                    w->cap_held = cap;
                }
                w->held[w->n_held++] = (ticket){k->run, k->id};
                w->purchases++;
            } else if (k->err == LX_SOLDOUT) {
                w->refused++;
            } else {
                snprintf(w->err, sizeof w->err, "sale on run %u, %u-%u: %s", k->run, k->from, k->to,
                         lx_strerror(k->err));
                break;
            }
        } else {
            if (k->err != LX_OK) {
                snprintf(w->err, sizeof w->err, "refund of order %llx: %s",
                         (unsigned long long)k->id, lx_strerror(k->err));
                break;
            }
            w->held[q.pick] = w->held[--w->n_held];
            w->refunds++;
        }
    }
    return NULL;
}

/* The checks after a run (see the top of the file). 0 when all pass. */
static int verify_mem(ctx *c, worker *ws, uint32_t nw)
{
    const bi_opts *o = c->o;
    char msg[512];
    int bad = 0;
    uint32_t *per_run = calloc(o->trains, sizeof *per_run);
    if (!per_run)
        return -1;
    for (uint32_t t = 0; t < o->trains && !bad; t++)
        if (lx_inv_check(c->runs[t], msg, sizeof msg) != LX_OK) {
            bi_fail("lx_inv_check of run %u: %s", t, msg);
            bad = 1;
        }
    for (uint32_t i = 0; i < nw && !bad; i++)
        for (uint32_t j = 0; j < ws[i].n_held; j++) {
            const ticket *tk = &ws[i].held[j];
            const lx_inv_order *ord = lx_inv_order_get(c->runs[tk->run], tk->id);
            if (!ord || ord->state != LX_ORDER_CONFIRMED || ord->owner != i + 1 || ord->n != 1) {
                bi_fail("thread %u's ticket %llx on run %u is %s", i, (unsigned long long)tk->id,
                        tk->run, ord ? lx_order_state_name((lx_order_state)ord->state) : "missing");
                bad = 1;
                break;
            }
            per_run[tk->run]++;
        }
    uint32_t seats = BW_SEATS;
    uint64_t *mask = malloc(seats * sizeof *mask);
    if (!mask) {
        free(per_run);
        return -1;
    }
    for (uint32_t t = 0; t < o->trains && !bad; t++) {
        const lx_inv_run *r = c->runs[t];
        if (lx_inv_seat_count(r) != seats) {
            bi_fail("run %u has %u seats, not %u", t, lx_inv_seat_count(r), seats);
            bad = 1;
            break;
        }
        memset(mask, 0, seats * sizeof *mask);
        uint32_t confirmed = 0, n = lx_inv_order_count(r);
        for (uint32_t i = 0; i < n && !bad; i++) {
            const lx_inv_order *ord = lx_inv_order_at(r, i);
            if (ord->state != LX_ORDER_CONFIRMED)
                continue;
            confirmed++;
            uint64_t m = bw_mask(ord->from, ord->to);
            for (uint32_t s = 0; s < ord->n; s++) {
                uint32_t seat = ord->seats[s];
                if (seat >= seats || (mask[seat] & m)) {
                    bi_fail("run %u: seat %u sold twice (order %llx)", t, seat,
                            (unsigned long long)ord->id);
                    bad = 1;
                    break;
                }
                mask[seat] |= m;
            }
        }
        if (!bad && confirmed != per_run[t]) {
            bi_fail("run %u: %u confirmed orders, the threads hold %u tickets", t, confirmed,
                    per_run[t]);
            bad = 1;
        }
        for (uint32_t a = 0; a + 1 < BW_STATIONS && !bad; a++)
            for (uint32_t b = a + 1; b < BW_STATIONS && !bad; b++) {
                uint64_t m = bw_mask(a, b);
                uint32_t free_seats = 0;
                for (uint32_t s = 0; s < seats; s++)
                    free_seats += (mask[s] & m) == 0;
                uint32_t av = lx_inv_avail(r, a, b, c->cls, c->now);
                if (av != free_seats) {
                    bi_fail("run %u: lx_inv_avail %u-%u says %u, the seats say %u", t, a, b, av,
                            free_seats);
                    bad = 1;
                }
            }
    }
    free(mask);
    free(per_run);
    return bad;
}

static int run_mem(const bi_opts *o, int design, bi_result *res)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.design = design;
    char msg[512];
    int rc = 1;
    worker *ws = NULL;
    pthread_t *th = NULL;
    uint32_t started = 0;
    int have_barrier = 0;

    bi_feed f = {o->trains, BW_STATIONS, NULL, BW_COACHES, BW_SEATS_PER_COACH, bi_day()};
    lx_err e = bi_feed_load(&f, &c.tt, msg, sizeof msg);
    if (e) {
        bi_fail("synthetic feed: %s", msg);
        return 1;
    }
    if ((e = lx_inv_create(c.tt, &c.inv))) {
        bi_fail("lx_inv_create: %s", lx_strerror(e));
        goto out;
    }
    c.runs = calloc(o->trains, sizeof *c.runs);
    ws = calloc(o->threads, sizeof *ws);
    th = calloc(o->threads, sizeof *th);
    if (!c.runs || !ws || !th)
        goto oom;
    for (uint32_t t = 0; t < o->trains; t++) {
        char id[16];
        snprintf(id, sizeof id, "T%05u", t);
        uint32_t trip = lx_tt_trip_by_id(c.tt, id);
        if (trip == LX_NONE) {
            bi_fail("trip %s is missing from the synthetic feed", id);
            goto out;
        }
        if ((e = lx_inv_run_add(c.inv, trip, bi_day(), &c.runs[t], msg, sizeof msg))) {
            bi_fail("lx_inv_run_add %s: %s (%s)", id, lx_strerror(e), msg);
            goto out;
        }
    }
    c.cls = lx_inv_class(c.runs[0], "second");
    if (c.cls == LX_NONE) {
        bi_fail("the runs have no class \"second\"");
        goto out;
    }
    c.now = lx_inv_departure(c.runs[0], 0) - 86400;

    if (design == D_RUNLOCK) {
        c.locks = aligned_alloc(64, sizeof *c.locks * o->trains);
        if (!c.locks)
            goto oom;
        for (uint32_t t = 0; t < o->trains; t++)
            pthread_mutex_init(&c.locks[t].mu, NULL);
    } else if (design == D_GLOBAL) {
        pthread_mutex_init(&c.global, NULL);
    } else {
        c.shards = calloc(o->shards, sizeof *c.shards);
        if (!c.shards)
            goto oom;
        for (uint32_t i = 0; i < o->shards; i++) {
            shard *s = &c.shards[i];
            s->c = &c;
            s->q = calloc(o->threads, sizeof *s->q);
            s->spare = calloc(o->threads, sizeof *s->spare);
            if (!s->q || !s->spare)
                goto oom;
            pthread_mutex_init(&s->mu, NULL);
            pthread_cond_init(&s->cv, NULL);
        }
        for (; c.n_shards < o->shards; c.n_shards++)
            if (pthread_create(&c.shards[c.n_shards].th, NULL, shard_main, &c.shards[c.n_shards])) {
                bi_fail("cannot start shard thread %u", c.n_shards);
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
        sem_init(&ws[i].k.done, 0, 0);
        size_t expect = o->ops_per_thread / o->lat_every + 1;
        ws[i].lat = malloc(expect * sizeof *ws[i].lat);
        ws[i].cap_lat = ws[i].lat ? expect : 0;
    }
    for (; started < o->threads; started++)
        if (pthread_create(&th[started], NULL, worker_main, &ws[started])) {
            bi_fail("cannot start client thread %u", started);
            break;
        }
    if (started < o->threads) {
        /* the barrier would never open: nothing sane is left to do */
        bi_fail("giving up");
        exit(1);
    }
    pthread_barrier_wait(&c.start);
    uint64_t t0 = bi_ns();
    for (uint32_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    uint64_t t1 = bi_ns();
    started = 0;
    if (design == D_SHARD) {
        for (uint32_t i = 0; i < c.n_shards; i++) {
            pthread_mutex_lock(&c.shards[i].mu);
            c.shards[i].stop = 1;
            pthread_cond_signal(&c.shards[i].cv);
            pthread_mutex_unlock(&c.shards[i].mu);
        }
        uint64_t batches = 0, served = 0;
        for (uint32_t i = 0; i < c.n_shards; i++) {
            pthread_join(c.shards[i].th, NULL);
            batches += c.shards[i].batches;
            served += c.shards[i].served;
        }
        c.n_shards = 0;
        snprintf(res->extra, sizeof res->extra, ",\"shards\":%u,\"requests_per_wakeup\":%.2f",
                 o->shards, batches ? (double)served / (double)batches : 0.0);
    }

    res->seconds = (double)(t1 - t0) / 1e9;
    res->latency_of = "request";
    res->durable = 0;
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
    if (!res->lat)
        goto oom;
    for (uint32_t i = 0; i < o->threads; i++) {
        memcpy(res->lat + res->n_lat, ws[i].lat, ws[i].n_lat * sizeof *res->lat);
        res->n_lat += ws[i].n_lat;
    }
    rc = failed ? 1 : verify_mem(&c, ws, o->threads) ? 1 : 0;
    goto out;
oom:
    bi_fail("out of memory");
    rc = 1;
out:
    if (c.shards) {
        for (uint32_t i = 0; i < c.n_shards; i++) {
            pthread_mutex_lock(&c.shards[i].mu);
            c.shards[i].stop = 1;
            pthread_cond_signal(&c.shards[i].cv);
            pthread_mutex_unlock(&c.shards[i].mu);
            pthread_join(c.shards[i].th, NULL);
        }
        for (uint32_t i = 0; i < o->shards; i++) {
            free(c.shards[i].q);
            free(c.shards[i].spare);
        }
        free(c.shards);
    }
    if (have_barrier)
        pthread_barrier_destroy(&c.start);
    if (ws)
        for (uint32_t i = 0; i < o->threads; i++) {
            if (ws[i].c) /* its semaphore was made */
                sem_destroy(&ws[i].k.done);
            free(ws[i].held);
            free(ws[i].lat);
        }
    free(ws);
    free(th);
    free(c.locks);
    free(c.runs);
    lx_inv_destroy(c.inv);
    lx_tt_destroy(c.tt);
    return rc;
}

/* ---- the report ---- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_us(const uint32_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i] / 1000.0;
}

static void print_result(const bi_opts *o, const bi_result *r, int ok)
{
    qsort(r->lat, r->n_lat, sizeof *r->lat, cmp_u32);
    double s = r->seconds > 0 ? r->seconds : 1e-9;
    printf("{\"design\":\"%s\",\"workload\":\"%c\",\"threads\":%u,\"trains\":%u,"
           "\"ops\":%llu,\"seconds\":%.6f,\"ops_per_s\":%.0f,\"queries\":%llu,"
           "\"purchases\":%llu,\"refused\":%llu,\"refunds\":%llu,\"p50_us\":%.2f,"
           "\"p99_us\":%.2f,\"latency_of\":\"%s\",\"durable\":%s,\"verify\":\"%s\","
           "\"ops_per_thread\":%llu,\"seed\":%llu,\"purchases_per_s\":%.0f,"
           "\"writes_per_s\":%.0f,\"latency_samples\":%zu%s}\n",
           o->design, o->workload, o->threads, o->trains, (unsigned long long)r->ops, r->seconds,
           (double)r->ops / s, (unsigned long long)r->queries, (unsigned long long)r->purchases,
           (unsigned long long)r->refused, (unsigned long long)r->refunds,
           pct_us(r->lat, r->n_lat, 0.50), pct_us(r->lat, r->n_lat, 0.99), r->latency_of,
           r->durable ? "true" : "false", ok ? "ok" : "failed",
           (unsigned long long)o->ops_per_thread, (unsigned long long)o->seed,
           (double)r->purchases / s, (double)(r->purchases + r->refused + r->refunds) / s, r->n_lat,
           r->extra);
    fflush(stdout);
}

/* ---- options ---- */

static void usage(FILE *f)
{
    fputs("usage: bench_inv --design "
          "mem-runlock|mem-global|mem-shard|durable|durable-normal|book-mem\n"
          "                 --workload a|b|s --threads N --trains T --ops-per-thread M\n"
          "                 [--seed S] [--batch P (durable, book-mem: 64)] [--shards K (mem-shard, "
          "CPUs)]\n"
          "                 [--lat-every E (in memory, 4)] [--dir DIR (durable, $TMPDIR or "
          "/var/tmp)]\n"
          "       bench_inv --micro [--trains T (1000)] [--seed S]\n",
          f);
}

static int num(const char *name, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = v ? strtoull(v, &end, 10) : 0;
    if (!v || errno || end == v || *end || x < lo || x > hi) {
        bi_fail("%s wants a number from %llu to %llu", name, (unsigned long long)lo,
                (unsigned long long)hi);
        return -1;
    }
    *out = x;
    return 0;
}

int main(int argc, char **argv)
{
    bi_opts o = {NULL, 0, 0, 0, 0, 1, 64, 0, 4, NULL};
    int micro = 0;
    uint64_t v, trains = 0, threads = 0, ops = 0;
    int have_trains = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int r = 0;
        if (!strcmp(a, "--micro")) {
            micro = 1;
            continue;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--design")) {
            o.design = val;
        } else if (!strcmp(a, "--workload")) {
            o.workload =
                val && (!strcmp(val, "a") || !strcmp(val, "b") || !strcmp(val, "s")) ? val[0] : 0;
            if (!o.workload) {
                bi_fail("--workload is a, b or s");
                return 2;
            }
        } else if (!strcmp(a, "--threads")) {
            r = num(a, val, 1, 1024, &threads);
        } else if (!strcmp(a, "--trains")) {
            r = num(a, val, 1, 99999, &trains);
            have_trains = 1;
        } else if (!strcmp(a, "--ops-per-thread")) {
            r = num(a, val, 1, 1ull << 36, &ops);
        } else if (!strcmp(a, "--seed")) {
            r = num(a, val, 0, UINT64_MAX, &o.seed);
        } else if (!strcmp(a, "--batch")) {
            r = num(a, val, 1, 100000, &v);
            o.batch = (uint32_t)v;
        } else if (!strcmp(a, "--shards")) {
            r = num(a, val, 1, 1024, &v);
            o.shards = (uint32_t)v;
        } else if (!strcmp(a, "--lat-every")) {
            r = num(a, val, 1, 1u << 20, &v);
            o.lat_every = (uint32_t)v;
        } else if (!strcmp(a, "--dir")) {
            o.dir = val;
        } else {
            bi_fail("unknown argument %s", a);
            usage(stderr);
            return 2;
        }
        if (r)
            return 2;
        if (!val) {
            bi_fail("%s wants a value", a);
            return 2;
        }
        i++;
    }
    if (micro)
        return bi_run_micro(have_trains ? (uint32_t)trains : 1000, o.seed) ? 1 : 0;
    o.threads = (uint32_t)threads;
    o.trains = (uint32_t)trains;
    o.ops_per_thread = ops;
    if (!o.design || !o.workload || !threads || !trains || !ops) {
        usage(stderr);
        return 2;
    }
    if (!o.shards) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o.shards = n > 0 ? (uint32_t)n : 1;
    }
    bi_result res;
    memset(&res, 0, sizeof res);
    int rc;
    if (!strcmp(o.design, "mem-runlock"))
        rc = run_mem(&o, D_RUNLOCK, &res);
    else if (!strcmp(o.design, "mem-global"))
        rc = run_mem(&o, D_GLOBAL, &res);
    else if (!strcmp(o.design, "mem-shard"))
        rc = run_mem(&o, D_SHARD, &res);
    else if (!strcmp(o.design, "durable"))
        rc = bi_run_durable(&o, 0, 0, &res);
    else if (!strcmp(o.design, "durable-normal"))
        rc = bi_run_durable(&o, 1, 0, &res);
    else if (!strcmp(o.design, "book-mem"))
        rc = bi_run_durable(&o, 0, 1, &res);
    else {
        bi_fail("unknown design %s", o.design);
        usage(stderr);
        return 2;
    }
    if (res.ops)
        print_result(&o, &res, rc == 0);
    free(res.lat);
    return rc ? 1 : 0;
}
