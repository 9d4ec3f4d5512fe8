/* bench_inv --micro: the engine alone on one thread, no locks (pin it to one core).
 *
 * T runs of the synthetic train (BW_STATIONS stations, BW_SEATS seats) in memory:
 *   sell    fill every run with one-seat sales of random journeys (workload.h's journey
 *           draw) until it refuses 64 in a row; once with LX_ALLOC_BEST_FIT, once with
 *           LX_ALLOC_FIRST_FIT on a fresh inventory. Reports sales/s (and attempts/s:
 *           refusals are part of filling a train)
 *   refund  return every other ticket of the best-fit fill, leaving the runs about
 *           half full and fragmented, the state the queries then see
 *   avail   lx_inv_avail of random journeys: on one run (hot in cache), and on random
 *           runs among all T
 * Journeys are drawn before the clock starts (65,536 of them, used in turn), so the
 * timed loops hold only the engine calls. One JSON line per measurement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_inv.h"
#include "inv_feed.h"
#include "workload.h"

enum { N_DRAWS = 1 << 16 };

typedef struct {
    uint32_t run;
    uint8_t from, to;
} journey;

typedef struct {
    uint32_t run;
    lx_order_id id;
} sold;

static void line(const char *op, const char *policy, uint32_t runs, uint64_t ops, uint64_t ok,
                 uint64_t ns)
{
    double s = (double)ns / 1e9;
    printf(
        "{\"design\":\"micro\",\"op\":\"%s\",\"policy\":\"%s\",\"runs\":%u,\"ops\":%llu,"
        "\"ok\":%llu,\"seconds\":%.6f,\"ops_per_s\":%.0f,\"ok_per_s\":%.0f,\"ns_per_op\":%.1f}\n",
        op, policy, runs, (unsigned long long)ops, (unsigned long long)ok, s, (double)ops / s,
        (double)ok / s, (double)ns / (double)(ops ? ops : 1));
    fflush(stdout);
}

static int make_inv(const lx_tt *tt, uint32_t trains, lx_inv **inv, lx_inv_run **runs)
{
    char msg[256];
    lx_err e = lx_inv_create(tt, inv);
    if (e) {
        bi_fail("lx_inv_create: %s", lx_strerror(e));
        return -1;
    }
    for (uint32_t t = 0; t < trains; t++) {
        char id[16];
        snprintf(id, sizeof id, "T%05u", t);
        uint32_t trip = lx_tt_trip_by_id(tt, id);
        if (trip == LX_NONE ||
            (e = lx_inv_run_add(*inv, trip, bi_day(), &runs[t], msg, sizeof msg))) {
            bi_fail("run %s: %s", id, trip == LX_NONE ? "no such trip" : msg);
            return -1;
        }
    }
    return 0;
}

/* Fills every run; the sales go to out (when not NULL). Returns -1 on an engine error. */
static int fill(lx_inv_run **runs, uint32_t trains, uint32_t cls, lx_instant_t now,
                const journey *draws, uint8_t policy, sold *out, uint64_t *n_sold,
                uint64_t *attempts, uint64_t *ns)
{
    lx_inv_op op;
    memset(&op, 0, sizeof op);
    op.code = LX_INV_SELL;
    op.owner = 1;
    op.now = now;
    op.req.cls = (uint8_t)cls;
    op.req.n = 1;
    op.req.policy = policy;
    lx_inv_change chg;
    uint64_t id = 1, tries = 0, k = 0, sold_n = 0;
    uint64_t t0 = bi_ns();
    for (uint32_t t = 0; t < trains; t++) {
        for (uint32_t misses = 0; misses < 64;) {
            const journey *j = &draws[k++ & (N_DRAWS - 1)];
            op.order = id;
            op.req.from = j->from;
            op.req.to = j->to;
            lx_err e = lx_inv_apply(runs[t], &op, &chg);
            tries++;
            if (e == LX_OK) {
                if (out)
                    out[sold_n] = (sold){t, id};
                sold_n++;
                id++;
                misses = 0;
            } else if (e == LX_SOLDOUT) {
                misses++;
            } else {
                bi_fail("sale: %s", lx_strerror(e));
                return -1;
            }
        }
    }
    *ns = bi_ns() - t0;
    *n_sold = sold_n;
    *attempts = tries;
    return 0;
}

int bi_run_micro(uint32_t trains, uint64_t seed)
{
    char msg[512];
    lx_tt *tt = NULL;
    lx_inv *inv = NULL, *inv2 = NULL;
    int rc = 1;
    bi_feed f = {trains, BW_STATIONS, NULL, BW_COACHES, BW_SEATS_PER_COACH, bi_day()};
    lx_err e = bi_feed_load(&f, &tt, msg, sizeof msg);
    if (e) {
        bi_fail("synthetic feed: %s", msg);
        return 1;
    }
    lx_inv_run **runs = calloc(trains, sizeof *runs), **runs2 = calloc(trains, sizeof *runs2);
    journey *draws = malloc(N_DRAWS * sizeof *draws);
    /* a run holds at most BW_SEATS * (BW_STATIONS - 1) one-segment tickets */
    sold *tickets = malloc((size_t)trains * BW_SEATS * (BW_STATIONS - 1) * sizeof *tickets);
    if (!runs || !runs2 || !draws || !tickets) {
        bi_fail("out of memory");
        goto out;
    }
    bw_rng g;
    bw_seed(&g, seed, 0);
    for (uint32_t i = 0; i < N_DRAWS; i++) {
        bw_req q = bw_next(&g, 'a', trains, 0);
        while (q.kind != BW_QUERY && q.kind != BW_BUY)
            q = bw_next(&g, 'a', trains, 0);
        draws[i] = (journey){q.train, (uint8_t)q.from, (uint8_t)q.to};
    }
    if (make_inv(tt, trains, &inv, runs) || make_inv(tt, trains, &inv2, runs2))
        goto out;
    uint32_t cls = lx_inv_class(runs[0], "second");
    lx_instant_t now = lx_inv_departure(runs[0], 0) - 86400;

    uint64_t n_sold, tries, ns;
    if (fill(runs, trains, cls, now, draws, LX_ALLOC_BEST_FIT, tickets, &n_sold, &tries, &ns))
        goto out;
    line("sell", "best_fit", trains, tries, n_sold, ns);
    uint64_t n2, tries2, ns2;
    if (fill(runs2, trains, cls, now, draws, LX_ALLOC_FIRST_FIT, NULL, &n2, &tries2, &ns2))
        goto out;
    line("sell", "first_fit", trains, tries2, n2, ns2);

    lx_inv_op op;
    memset(&op, 0, sizeof op);
    op.code = LX_INV_REFUND;
    op.owner = 1;
    op.now = now;
    lx_inv_change chg;
    uint64_t refunded = 0, t0 = bi_ns();
    for (uint64_t i = 0; i < n_sold; i += 2) {
        op.order = tickets[i].id;
        if ((e = lx_inv_apply(runs[tickets[i].run], &op, &chg))) {
            bi_fail("refund: %s", lx_strerror(e));
            goto out;
        }
        refunded++;
    }
    line("refund", "-", trains, refunded, refunded, bi_ns() - t0);

    /* availability: repeat the 65,536 draws until about 0.5 s have passed */
    for (int spread = 0; spread < 2; spread++) {
        uint64_t sum = 0, n = 0, elapsed = 0;
        t0 = bi_ns();
        do {
            if (spread)
                for (uint32_t i = 0; i < N_DRAWS; i++)
                    sum += lx_inv_avail(runs[draws[i].run], draws[i].from, draws[i].to, cls, now);
            else
                for (uint32_t i = 0; i < N_DRAWS; i++)
                    sum += lx_inv_avail(runs[0], draws[i].from, draws[i].to, cls, now);
            n += N_DRAWS;
            elapsed = bi_ns() - t0;
        } while (elapsed < 500000000ull);
        if (sum == 0) { /* the runs are half full: some seat is free somewhere */
            bi_fail("every availability query answered 0");
            goto out;
        }
        line("avail", "-", spread ? trains : 1, n, n, elapsed);
    }
    for (uint32_t t = 0; t < trains; t++)
        if (lx_inv_check(runs[t], msg, sizeof msg) || lx_inv_check(runs2[t], msg, sizeof msg)) {
            bi_fail("lx_inv_check of run %u: %s", t, msg);
            goto out;
        }
    rc = 0;
out:
    free(runs);
    free(runs2);
    free(draws);
    free(tickets);
    lx_inv_destroy(inv);
    lx_inv_destroy(inv2);
    lx_tt_destroy(tt);
    return rc;
}
