/* The driver shared by the inventory benchmark's peer designs (peer_redis.c, peer_pg.c;
 * bench/inventory/peers.md). A peer supplies a table of functions (pc_peer) that talk
 * to its store; this file does everything else, the same way for every design:
 *
 *   1. parse the command line (pc_usage below);
 *   2. on one connection, reset the store and load T trains, every seat free on every
 *      segment (pc_peer.load);
 *   3. start N threads; each opens its own connection, then all wait at one barrier.
 *      The clock starts when the barrier opens and stops when the last thread has
 *      finished: connecting, loading and verifying are not timed;
 *   4. each thread draws its own deterministic stream of requests from workload.h
 *      (bw_seed(seed, thread), bw_next) and sends them in batches of P (the pipeline
 *      depth; 1 = one request at a time, waiting for each answer). The thread keeps the
 *      tickets it bought. A ticket joins that list only when its purchase's answer has
 *      arrived, so a refund always returns a ticket of an earlier batch; a refund takes
 *      its ticket out of the list when it is drawn (the last ticket moves into its
 *      place). With P = 1 the stream is exactly the one of any other driver that
 *      follows workload.h with the same removal rule;
 *   5. read the whole inventory back (pc_peer.read_back) and check that no seat is sold
 *      twice on any segment: the tickets held by all threads, OR-ed per seat, must be
 *      disjoint and must equal what the store holds, seat by seat;
 *   6. print one line of JSON (pc_print) and exit 0, or 1 when anything failed.
 *
 * Latency: with P = 1 one sample per request; with P > 1 one sample per batch (from
 * the first request sent to the last answer read). The JSON says which ("latency_of").
 *
 * Counting: "purchases" are purchases that sold a seat, "refused" those answered "sold
 * out" (for the PostgreSQL design also "every matching seat is locked by another
 * transaction", see peer_pg.c), "refunds" refunds done, "queries" availability
 * queries answered; "ops" is the sum of the four.
 *
 * Header-only: each peer is one executable and includes this file once.
 */
#ifndef LX_BENCH_PEER_COMMON_H
#define LX_BENCH_PEER_COMMON_H

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workload.h"

#define PC_MAX_THREADS 256
#define PC_MAX_PIPELINE 4096
#define PC_ERR 512

typedef struct {
    int workload;               /* 'a', 'b' or 's' (workload.h) */
    int threads;
    uint32_t trains;
    uint64_t ops_per_thread;
    uint64_t seed;
    int pipeline;
    const char *host;           /* Redis */
    int port;
    const char *conninfo;       /* PostgreSQL */
} pc_opts;

/* A ticket held by a thread. id: the store's own ticket id, where it keeps one. */
typedef struct {
    uint32_t train;
    int32_t seat;
    uint32_t from, to;
    int64_t id;
} pc_ticket;

enum { PC_DONE = 0, PC_REFUSED = 1 };

/* One request of a batch. The driver fills req (and, for a refund, ticket); the peer
 * fills the outcome: for a purchase, status PC_DONE with ticket.seat (and ticket.id) or
 * PC_REFUSED; for a query, count (seats left); for a refund, status PC_DONE. */
typedef struct {
    bw_req req;
    pc_ticket ticket;
    int status;
    int64_t count;
} pc_op;

typedef struct pc_peer {
    const char *design;         /* "redis-lua", ... (load may change it) */
    int durable;                /* acknowledged purchases survive a crash (load may set it) */
    int max_pipeline;           /* 1: the design sends one request at a time */
    int default_pipeline;
    uint64_t default_ops;       /* default operations of a whole run (split over threads) */
    /* one connection; NULL and a message in err on failure */
    void *(*connect)(const pc_opts *o, char *err, size_t n);
    void (*disconnect)(void *conn);
    /* reset and load the inventory; may set design and durable; 0 = ok */
    int (*load)(void *conn, const pc_opts *o, struct pc_peer *self, char *err, size_t n);
    /* prepare a fresh connection of a worker thread (prepared statements ...); may be NULL */
    int (*prepare)(void *conn, const pc_opts *o, char *err, size_t n);
    /* run n requests (n <= the pipeline depth) and fill their outcomes; 0 = ok */
    int (*batch)(void *conn, const pc_opts *o, pc_op *ops, int n, char *err, size_t en);
    /* read every seat's segment mask into masks[train * BW_SEATS + seat]; the peer may
     * check its own redundant state (counters, ticket rows) too. *stored_tickets: the
     * number of tickets the store records, or -1 if it records none. 0 = ok */
    int (*read_back)(void *conn, const pc_opts *o, uint64_t *masks, int64_t *stored_tickets,
                     char *err, size_t n);
} pc_peer;

/* ---- small helpers, for the peers too ---- */

static void pc_fmt(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static uint64_t pc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* segment mask of the pair (a, b) of station indexes, a < b */
#define PC_MASK(a, b) bw_mask((uint32_t)(a), (uint32_t)(b))

/* ---- one thread ---- */

typedef struct {
    pc_ticket *v;
    size_t len, cap;
} pc_tickets;

typedef struct {
    const pc_peer *peer;
    const pc_opts *opts;
    pthread_barrier_t *start;
    uint32_t index;
    /* results */
    uint64_t queries, purchases, refused, refunds;
    uint64_t *lat_ns;           /* one per batch */
    size_t nlat;
    pc_tickets held;
    int failed;
    char err[PC_ERR];
} pc_thread;

static int pc_push(pc_tickets *l, pc_ticket t)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        pc_ticket *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->len++] = t;
    return 0;
}

static void pc_run_stream(pc_thread *t, void *conn, pc_op *ops)
{
    const pc_opts *o = t->opts;
    bw_rng g;
    uint64_t done = 0;
    bw_seed(&g, o->seed, t->index);
    while (done < o->ops_per_thread) {
        uint64_t left = o->ops_per_thread - done;
        int n = left < (uint64_t)o->pipeline ? (int)left : o->pipeline;
        for (int i = 0; i < n; i++) {
            pc_op *op = &ops[i];
            memset(op, 0, sizeof *op);
            op->req = bw_next(&g, o->workload, o->trains, (uint32_t)t->held.len);
            if (op->req.kind == BW_REFUND) {
                op->ticket = t->held.v[op->req.pick];
                t->held.v[op->req.pick] = t->held.v[--t->held.len];
            } else {
                op->ticket.train = op->req.train;
                op->ticket.from = op->req.from;
                op->ticket.to = op->req.to;
                op->ticket.seat = -1;
            }
        }
        uint64_t t0 = pc_now_ns();
        if (t->peer->batch(conn, o, ops, n, t->err, sizeof t->err) != 0) {
            t->failed = 1;
            return;
        }
        t->lat_ns[t->nlat++] = pc_now_ns() - t0;
        for (int i = 0; i < n; i++) {
            pc_op *op = &ops[i];
            if (op->req.kind == BW_QUERY) {
                t->queries++;
            } else if (op->req.kind == BW_REFUND) {
                t->refunds++;
            } else if (op->status == PC_REFUSED) {
                t->refused++;
            } else if (pc_push(&t->held, op->ticket) != 0) {
                pc_fmt(t->err, sizeof t->err, "out of memory");
                t->failed = 1;
                return;
            } else {
                t->purchases++;
            }
        }
        done += (uint64_t)n;
    }
}

static void *pc_thread_main(void *arg)
{
    pc_thread *t = arg;
    const pc_opts *o = t->opts;
    void *conn = t->peer->connect(o, t->err, sizeof t->err);
    pc_op *ops = calloc((size_t)o->pipeline, sizeof *ops);
    size_t nbatch = (size_t)((o->ops_per_thread + (uint64_t)o->pipeline - 1) / (uint64_t)o->pipeline);
    t->lat_ns = calloc(nbatch ? nbatch : 1, sizeof *t->lat_ns);
    if (!conn)
        t->failed = 1;
    else if (!ops || !t->lat_ns) {
        pc_fmt(t->err, sizeof t->err, "out of memory");
        t->failed = 1;
    } else if (t->peer->prepare && t->peer->prepare(conn, o, t->err, sizeof t->err) != 0)
        t->failed = 1;
    pthread_barrier_wait(t->start); /* every thread reaches it, failed or not */
    if (!t->failed)
        pc_run_stream(t, conn, ops);
    free(ops);
    if (conn)
        t->peer->disconnect(conn);
    return NULL;
}

/* ---- the command line ---- */

static void pc_usage(FILE *f, const char *prog, const pc_peer *p)
{
    fprintf(f,
            "usage: %s --workload a|b|s --threads N [--trains T] [--ops-per-thread M] [--seed S]\n"
            "          [--pipeline P] [--host H --port PORT] [--conninfo STRING]\n"
            "  the %s design of the inventory benchmark (bench/inventory/peers.md)\n"
            "  --trains T          trains loaded, 0..T-1 (default 100); workload b uses train 0\n"
            "  --ops-per-thread M  requests per thread (default %" PRIu64 " / N)\n"
            "  --seed S            stream seed (default 1)\n"
            "  --pipeline P        requests per batch (default %d, at most %d)\n"
            "  --host H --port P   the Redis server (default 127.0.0.1:6379)\n"
            "  --conninfo STRING   the PostgreSQL server (libpq connection string)\n",
            prog, p->design, p->default_ops, p->default_pipeline, p->max_pipeline);
}

static int pc_num(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int pc_parse(int argc, char **argv, const pc_peer *p, pc_opts *o)
{
    uint64_t v = 0;
    *o = (pc_opts){.workload = 0, .threads = 0, .trains = 100, .ops_per_thread = 0, .seed = 1,
                   .pipeline = p->default_pipeline, .host = "127.0.0.1", .port = 6379,
                   .conninfo = ""};
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            pc_usage(stdout, argv[0], p);
            exit(0);
        }
        if (!val) {
            fprintf(stderr, "%s: %s needs a value\n", argv[0], a);
            return -1;
        }
        int bad = 0;
        if (!strcmp(a, "--workload")) {
            bad = strcmp(val, "a") && strcmp(val, "b") && strcmp(val, "s");
            o->workload = val[0];
        } else if (!strcmp(a, "--threads")) {
            bad = pc_num(val, 1, PC_MAX_THREADS, &v);
            o->threads = (int)v;
        } else if (!strcmp(a, "--trains")) {
            bad = pc_num(val, 1, 1000000, &v);
            o->trains = (uint32_t)v;
        } else if (!strcmp(a, "--ops-per-thread")) {
            bad = pc_num(val, 1, UINT64_C(1) << 32, &v);
            o->ops_per_thread = v;
        } else if (!strcmp(a, "--seed")) {
            bad = pc_num(val, 0, UINT64_MAX, &v);
            o->seed = v;
        } else if (!strcmp(a, "--pipeline")) {
            bad = pc_num(val, 1, (uint64_t)p->max_pipeline, &v);
            o->pipeline = (int)v;
        } else if (!strcmp(a, "--host")) {
            o->host = val;
        } else if (!strcmp(a, "--port")) {
            bad = pc_num(val, 1, 65535, &v);
            o->port = (int)v;
        } else if (!strcmp(a, "--conninfo")) {
            o->conninfo = val;
        } else {
            fprintf(stderr, "%s: unknown option %s (--help)\n", argv[0], a);
            return -1;
        }
        if (bad) {
            fprintf(stderr, "%s: bad value for %s: %s\n", argv[0], a, val);
            return -1;
        }
    }
    if (!o->workload || !o->threads) {
        fprintf(stderr, "%s: --workload and --threads are required (--help)\n", argv[0]);
        return -1;
    }
    if (!o->ops_per_thread) {
        o->ops_per_thread = p->default_ops / (uint64_t)o->threads;
        if (o->ops_per_thread < 100)
            o->ops_per_thread = 100;
    }
    return 0;
}

/* ---- verification ---- */

/* 0 when the tickets of all threads, OR-ed per seat, are disjoint and equal the store */
static int pc_verify(const pc_thread *th, int nth, const pc_opts *o, const uint64_t *stored,
                     int64_t stored_tickets, char *err, size_t n)
{
    size_t nseats = (size_t)o->trains * BW_SEATS;
    uint64_t *want = calloc(nseats, sizeof *want);
    int64_t held = 0;
    int rc = 0;
    if (!want) {
        pc_fmt(err, n, "out of memory");
        return -1;
    }
    for (int i = 0; i < nth && !rc; i++) {
        for (size_t k = 0; k < th[i].held.len; k++) {
            const pc_ticket *t = &th[i].held.v[k];
            uint64_t m = PC_MASK(t->from, t->to);
            if (t->train >= o->trains || t->seat < 0 || t->seat >= BW_SEATS) {
                pc_fmt(err, n, "thread %d holds a ticket for train %" PRIu32 " seat %" PRId32
                       ", which does not exist", i, t->train, t->seat);
                rc = -1;
                break;
            }
            size_t s = (size_t)t->train * BW_SEATS + (size_t)t->seat;
            if (want[s] & m) {
                pc_fmt(err, n, "seat %" PRId32 " of train %" PRIu32 " is sold twice on segments "
                       "0x%" PRIx64, t->seat, t->train, want[s] & m);
                rc = -1;
                break;
            }
            want[s] |= m;
            held++;
        }
    }
    for (size_t s = 0; s < nseats && !rc; s++) {
        if (want[s] != stored[s]) {
            pc_fmt(err, n, "seat %zu of train %zu: the store holds segments 0x%" PRIx64
                   ", the tickets sold 0x%" PRIx64, s % BW_SEATS, s / BW_SEATS, stored[s], want[s]);
            rc = -1;
        }
    }
    if (!rc && stored_tickets >= 0 && stored_tickets != held) {
        pc_fmt(err, n, "the store records %" PRId64 " tickets, the threads hold %" PRId64,
               stored_tickets, held);
        rc = -1;
    }
    free(want);
    return rc;
}

/* ---- the result line ---- */

static int pc_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* the p-quantile of n sorted samples, in microseconds (nearest rank, as bench_inv.c) */
static double pc_pct_us(const uint64_t *v, size_t n, double p)
{
    return n ? (double)v[(size_t)(p * (double)(n - 1) + 0.5)] / 1e3 : 0;
}

static void pc_print(const pc_peer *p, const pc_opts *o, const pc_thread *th, double secs,
                     const char *verify)
{
    uint64_t q = 0, b = 0, r = 0, f = 0;
    size_t nlat = 0, k = 0;
    for (int i = 0; i < o->threads; i++) {
        q += th[i].queries;
        b += th[i].purchases;
        r += th[i].refused;
        f += th[i].refunds;
        nlat += th[i].nlat;
    }
    uint64_t *lat = malloc((nlat ? nlat : 1) * sizeof *lat);
    if (lat) {
        for (int i = 0; i < o->threads; i++)
            for (size_t j = 0; j < th[i].nlat; j++)
                lat[k++] = th[i].lat_ns[j];
        qsort(lat, nlat, sizeof *lat, pc_cmp_u64);
    } else {
        nlat = 0;
    }
    uint64_t ops = q + b + r + f;
    double s = secs > 0 ? secs : 1e-9;
    printf("{\"design\":\"%s\",\"workload\":\"%c\",\"threads\":%d,\"trains\":%" PRIu32
           ",\"ops\":%" PRIu64 ",\"seconds\":%.6f,\"ops_per_s\":%.0f,\"queries\":%" PRIu64
           ",\"purchases\":%" PRIu64 ",\"refused\":%" PRIu64 ",\"refunds\":%" PRIu64
           ",\"p50_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f,\"latency_of\":\"%s\""
           ",\"pipeline\":%d,\"durable\":%s,\"verify\":\"%s\",\"ops_per_thread\":%" PRIu64
           ",\"seed\":%" PRIu64 ",\"purchases_per_s\":%.0f,\"writes_per_s\":%.0f"
           ",\"latency_samples\":%zu}\n",
           p->design, o->workload, o->threads, o->trains, ops, secs, (double)ops / s, q, b, r, f,
           pc_pct_us(lat, nlat, 0.50), pc_pct_us(lat, nlat, 0.99), pc_pct_us(lat, nlat, 1.0),
           o->pipeline > 1 ? "batch" : "request", o->pipeline, p->durable ? "true" : "false",
           verify, o->ops_per_thread, o->seed, (double)b / s, (double)(b + r + f) / s, nlat);
    fflush(stdout);
    free(lat);
}

/* ---- main ---- */

static int pc_main(int argc, char **argv, pc_peer *p)
{
    pc_opts o;
    char err[PC_ERR] = "";
    if (pc_parse(argc, argv, p, &o) != 0)
        return 2;
    const char *prog = argv[0];
    void *conn = p->connect(&o, err, sizeof err);
    if (!conn) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 1;
    }
    if (p->load(conn, &o, p, err, sizeof err) != 0) {
        fprintf(stderr, "%s: loading the inventory: %s\n", prog, err);
        p->disconnect(conn);
        return 1;
    }

    pc_thread *th = calloc((size_t)o.threads, sizeof *th);
    pthread_t *tid = calloc((size_t)o.threads, sizeof *tid);
    pthread_barrier_t start;
    if (!th || !tid || pthread_barrier_init(&start, NULL, (unsigned)o.threads + 1) != 0) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return 1;
    }
    int started = 0;
    for (int i = 0; i < o.threads; i++) {
        th[i] = (pc_thread){.peer = p, .opts = &o, .start = &start, .index = (uint32_t)i};
        if (pthread_create(&tid[i], NULL, pc_thread_main, &th[i]) != 0) {
            fprintf(stderr, "%s: cannot start thread %d\n", prog, i);
            return 1; /* the others wait at the barrier forever: exit takes them */
        }
        started++;
    }
    pthread_barrier_wait(&start);
    uint64_t t0 = pc_now_ns();
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    double secs = (double)(pc_now_ns() - t0) / 1e9;
    pthread_barrier_destroy(&start);

    int failed = 0;
    for (int i = 0; i < o.threads; i++) {
        if (th[i].failed) {
            fprintf(stderr, "%s: thread %d: %s\n", prog, i, th[i].err);
            failed = 1;
        }
    }
    const char *verify = "ok";
    size_t nseats = (size_t)o.trains * BW_SEATS;
    uint64_t *stored = calloc(nseats, sizeof *stored);
    int64_t stored_tickets = -1;
    if (!stored) {
        pc_fmt(err, sizeof err, "out of memory");
        verify = "failed";
    } else if (p->read_back(conn, &o, stored, &stored_tickets, err, sizeof err) != 0 ||
               pc_verify(th, o.threads, &o, stored, stored_tickets, err, sizeof err) != 0) {
        verify = "failed";
    }
    if (strcmp(verify, "ok"))
        fprintf(stderr, "%s: verify: %s\n", prog, err);
    else if (failed)
        verify = "incomplete";
    pc_print(p, &o, th, secs, verify);

    for (int i = 0; i < o.threads; i++) {
        free(th[i].lat_ns);
        free(th[i].held.v);
    }
    free(stored);
    free(th);
    free(tid);
    p->disconnect(conn);
    return failed || strcmp(verify, "ok") ? 1 : 0;
}

#endif
