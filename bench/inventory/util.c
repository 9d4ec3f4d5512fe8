/* bench_inv_util: the seat-utilisation study (workload c of the inventory benchmark;
 * docs/PERFORMANCE.md, "Seat inventory").
 *
 *   bench_inv_util [--seeds N (50)] [--seed S (1)] [--k K (200)] [--train
 * D87|D87-open|synthetic|all]
 *
 * How many seat-kilometres does an allocation policy sell when journeys of realistic
 * lengths are offered one at a time, and how close is that to the best any seat plan
 * could have done knowing every request in advance?
 *
 * Trains (class "second" of each):
 *   D87        the built-in China–Laos feed's D87, Kunming South – Vientiane: 8 calls,
 *              7 sections, 1,011.2 km (lx_stations.txt), the cr200j_fuxing layout (664
 *              second-class seats), on 2026-12-20, as the feed sells it: its cross-border
 *              quota (lx_seat_quotas.txt) keeps coaches 3, 4 and 6 (354 of the second-class
 *              seats) for journeys from China to Laos. Sections are very uneven: 344.6 km
 *              to Pu'er, 12.2 km from Mohan over the border to Boten.
 *   D87-open   the same train without its quota (the feed loaded without
 *              lx_seat_quotas.txt): the allocation policy alone
 *   synthetic  the benchmark's train (inv_feed.h): 10 stations, 610 km, 800 seats.
 *
 * Journeys: with probability 15% end to end; otherwise a journey of L sections,
 * P(L) proportional to 0.55^(L-1) for L = 1 .. S-1 (S sections: short trips most
 * common, geometric tail), starting at a uniformly drawn station among those that fit.
 * One passenger each. The stream depends only on the seed.
 *
 * Modes, each offering the same stream to every policy, one request at a time:
 *   demand-1.0, demand-1.5   the shortest prefix of the stream whose seat-km reach 1.0
 *                            (1.5) times the train's capacity (seats x line km); every
 *                            request is offered, so refusals are comparable
 *   sellout                  offer until the class is sold out on every section, or K
 *                            requests in a row are refused
 *   churn-2.0                demand 2.0, and after each request, with probability 1/3,
 *                            a random ticket held is refunded (workload a's 30 sales to
 *                            10 refunds): holes open where tickets were; seat-km counts
 *                            the tickets held at the end
 *   churn-4.0                the same with demand 4.0: a longer life under refunds
 * Policies, each on a fresh run: lanxang's LX_ALLOC_BEST_FIT (the tightest free stretch
 * around the journey: the essay in src/core/inv.c); LX_ALLOC_FIRST_FIT; "random", a uniformly
 * drawn seat among those free for the journey, the choice of a design that keeps free
 * seats in a set and pops any one; and the rules lanxang compared before choosing its
 * own, chosen here and sold as named seats (the quota rank first, as in the engine, then
 * the rule's cost, then the lowest index):
 *   whole_first   first fit, except that a seat free end to end is broken only when no
 *                 seat already in use fits (keeps whole seats whole)
 *   fewest_pairs  the fewest stop pairs that stop being sellable on the seat: a journey
 *                 x-y in free stretch lo-hi kills P(hi-lo) - P(x-lo) - P(hi-y) pairs,
 *                 P(n) = n(n+1)/2
 *   scarce_pairs  the same pairs, each weighted by (1 + its requests so far) / (seats
 *                 free for it now, lx_inv_avail): keep what is scarce and asked for
 *   exact_first   a stretch that is exactly the journey first, else the lowest seat
 * "refused, seats on every section" counts the refusals of journeys each of whose
 * sections still had a free seat (fragmentation); the rest were refused because a
 * section was full, which no seat choice can help at that moment.
 *
 * The bound: the exact offline optimum, the most seat-km any assignment of the offered
 * requests to seats can sell (for sellout, over the longest prefix any policy was
 * offered, so it bounds both). Journeys on a line are intervals; picking a set of
 * them that fits C seats is a flow of C units from the first station to the last,
 * along "empty seat" edges i -> i+1 (capacity C, gain 0) and "journey" edges a -> b
 * (capacity: requests for a-b, gain: their km), solved exactly by min-cost flow
 * (successive shortest paths; interval constraint matrices are totally unimodular, so
 * the flow is integral). With churn the tickets held at the end are some of the
 * offered requests that fit together, so the same optimum bounds them. Also printed: the simpler
 * bound sum over sections of km x min(C, requests over the section). Quotas are left out of the
 * bound, so on D87 as sold it is an optimum of the same requests on the same seats without the
 * quota: an upper bound still, no longer the exact optimum.
 *
 * Output: one JSON line per (train, seed, mode, policy), then one "summary" line per
 * (train, mode, policy) with means over the seeds and the paired difference to first
 * fit (mean and standard error over the seeds), then a Markdown table on stderr.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inv_feed.h"
#include "lanxang/inv.h"

enum { MAX_ST = 65, MAX_SEEDS = 1000 };

typedef struct {
    const char *name;
    int quotas; /* the run has quota seats (the bound ignores them) */
    lx_tt *tt;
    uint32_t trip;
    uint32_t stops;    /* S + 1 */
    double km[MAX_ST]; /* chainage from the first stop */
    lx_date_t day;
} train;

typedef struct {
    uint8_t from, to;
} journey;

static uint64_t seg_mask(uint32_t from, uint32_t to)
{
    return (to >= 64 ? ~0ull : (1ull << to) - 1) & ~((1ull << from) - 1);
}

/* ---- random numbers (splitmix64, as workload.h) ---- */
static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double unit(uint64_t *s)
{
    return (double)(rnd(s) >> 11) * (1.0 / 9007199254740992.0);
}

static journey draw(uint64_t *s, uint32_t S)
{
    if (S == 1 || unit(s) < 0.15)
        return (journey){0, (uint8_t)S};
    double w[MAX_ST], sum = 0, x = 1;
    for (uint32_t L = 1; L < S; L++, x *= 0.55)
        sum += w[L] = x;
    double r = unit(s) * sum;
    uint32_t L = 1;
    while (L + 1 < S && r >= w[L]) {
        r -= w[L];
        L++;
    }
    uint32_t a = (uint32_t)(rnd(s) % (S - L + 1));
    return (journey){(uint8_t)a, (uint8_t)(a + L)};
}

/* ---- the offline optimum: min-cost flow on the line ---- */
typedef struct {
    uint32_t to, rev;
    int64_t cap, cost;
} edge;

typedef struct {
    edge e[MAX_ST * MAX_ST * 2 + MAX_ST * 2];
    uint32_t n, head[MAX_ST][MAX_ST * 2 + 2], deg[MAX_ST];
} graph;

static void add_edge(graph *g, uint32_t a, uint32_t b, int64_t cap, int64_t cost)
{
    uint32_t i = g->n++, j = g->n++;
    g->e[i] = (edge){b, j, cap, cost};
    g->e[j] = (edge){a, i, 0, -cost};
    g->head[a][g->deg[a]++] = i;
    g->head[b][g->deg[b]++] = j;
}

/* Most seat-km (in units of 0.1 km) that C seats can carry of count[a][b] requests. */
static int64_t optimum(const train *t, uint32_t C, uint32_t count[MAX_ST][MAX_ST])
{
    static graph g;
    uint32_t S = t->stops - 1;
    memset(&g, 0, sizeof g);
    for (uint32_t i = 0; i < S; i++)
        add_edge(&g, i, i + 1, C, 0);
    for (uint32_t a = 0; a < S; a++)
        for (uint32_t b = a + 1; b <= S; b++)
            if (count[a][b])
                add_edge(&g, a, b, count[a][b], -(int64_t)((t->km[b] - t->km[a]) * 10.0 + 0.5));
    int64_t flow = 0, cost = 0;
    while (flow < C) { /* Bellman-Ford: the residual graph has negative edges */
        int64_t dist[MAX_ST];
        uint32_t via[MAX_ST];
        for (uint32_t v = 0; v <= S; v++)
            dist[v] = INT64_MAX;
        dist[0] = 0;
        for (uint32_t round = 0; round <= S; round++) {
            int changed = 0;
            for (uint32_t v = 0; v <= S; v++) {
                if (dist[v] == INT64_MAX)
                    continue;
                for (uint32_t k = 0; k < g.deg[v]; k++) {
                    const edge *e = &g.e[g.head[v][k]];
                    if (e->cap > 0 && dist[v] + e->cost < dist[e->to]) {
                        dist[e->to] = dist[v] + e->cost;
                        via[e->to] = g.head[v][k];
                        changed = 1;
                    }
                }
            }
            if (!changed)
                break;
        }
        if (dist[S] == INT64_MAX)
            break;
        int64_t push = C - flow;
        for (uint32_t v = S; v != 0; v = g.e[g.e[via[v]].rev].to)
            if (g.e[via[v]].cap < push)
                push = g.e[via[v]].cap;
        for (uint32_t v = S; v != 0; v = g.e[g.e[via[v]].rev].to) {
            g.e[via[v]].cap -= push;
            g.e[g.e[via[v]].rev].cap += push;
        }
        flow += push;
        cost += push * dist[S];
    }
    return -cost;
}

/* ---- one policy over one stream ---- */
typedef struct {
    uint64_t offered, sold, refused, first_refusal, refunds;
    uint64_t refused_frag; /* refused although every section had a free seat */
    double seat_km;        /* of the tickets held at the end */
} outcome;

/* Not engine policies: a seat chosen here and sold by name. */
enum { POL_RANDOM = 255, POL_WHOLE_FIRST = 200, POL_FEWEST_PAIRS, POL_SCARCE_PAIRS, POL_EXACT_FIRST };

static uint64_t pairs_in(uint64_t n)
{
    return n * (n + 1) / 2;
}

/* The cost of journey x-y in the free stretch lo-hi of a seat under a simulated rule;
 * smaller is better. asked[a][b]: requests offered so far. */
static double sim_cost(uint8_t policy, const lx_inv_run *run, uint32_t cls, lx_instant_t now,
                       uint32_t asked[MAX_ST][MAX_ST], uint32_t x, uint32_t y, uint32_t lo,
                       uint32_t hi)
{
    uint32_t l = x - lo, r = hi - y;
    switch (policy) {
    case POL_WHOLE_FIRST: /* breaking a seat free end to end only when nothing else fits */
        return lo == 0 && hi + 1 == lx_inv_stop_count(run) && (l || r);
    case POL_FEWEST_PAIRS:
        return (double)(pairs_in(hi - lo) - pairs_in(l) - pairs_in(r));
    case POL_SCARCE_PAIRS: {
        double c = 0;
        for (uint32_t a = lo; a < y; a++)
            for (uint32_t b = a + 1 > x + 1 ? a + 1 : x + 1; b <= hi; b++)
                c += (1.0 + asked[a][b]) / lx_inv_avail(run, a, b, cls, now);
        return c;
    }
    case POL_EXACT_FIRST:
        return l + r ? 1 : 0;
    }
    return 0;
}

static int offer(const train *t, uint8_t policy, const journey *js, uint64_t n, uint32_t k_stop,
                 int churn, uint64_t seed, uint32_t *capacity, outcome *out)
{
    char msg[256];
    lx_inv *inv = NULL;
    lx_inv_run *run;
    lx_err e = lx_inv_create(t->tt, &inv);
    if (!e)
        e = lx_inv_run_add(inv, t->trip, t->day, &run, msg, sizeof msg);
    if (e) {
        fprintf(stderr, "bench_inv_util: %s: run: %s\n", t->name, lx_strerror(e));
        lx_inv_destroy(inv);
        return -1;
    }
    uint32_t S = t->stops - 1, cls = lx_inv_class(run, "second");
    /* two days ahead: before any long-distance share is released (at most a day) */
    lx_instant_t now = lx_inv_departure(run, 0) - 2 * 86400;
    *capacity = lx_inv_avail(run, 0, S, cls, now);
    lx_inv_op op;
    memset(&op, 0, sizeof op);
    op.code = LX_INV_SELL;
    op.owner = 1;
    op.now = now;
    op.req.cls = (uint8_t)cls;
    op.req.n = 1;
    int sim = policy >= POL_WHOLE_FIRST; /* chosen here, sold by name */
    op.req.policy = sim ? LX_ALLOC_BEST_FIT : policy;
    lx_inv_change chg;
    memset(out, 0, sizeof *out);
    uint32_t in_a_row = 0, n_seats = lx_inv_seat_count(run), *cand = NULL, *mine = NULL, n_mine = 0;
    uint64_t *occ = NULL; /* the simulated rules' copy of the seats' words */
    static uint32_t asked[MAX_ST][MAX_ST];
    memset(asked, 0, sizeof asked);
    uint64_t g = seed * 0x9E3779B97F4A7C15ull + 11, gr = seed * 0xD1B54A32D192ED03ull + 5;
    /* churn: the tickets held (order id, km), refunded at random */
    lx_order_id *held = churn ? malloc(n * sizeof *held) : NULL;
    double *held_km = churn ? malloc(n * sizeof *held_km) : NULL;
    uint64_t n_held = 0;
    if (churn && (!held || !held_km)) {
        free(held);
        free(held_km);
        lx_inv_destroy(inv);
        return -1;
    }
    if (sim) {
        cand = malloc(n_seats * sizeof *cand);
        mine = malloc(n_seats * sizeof *mine);
        occ = calloc(n_seats, sizeof *occ);
        if (!cand || !mine || !occ) {
            free(cand);
            free(mine);
            free(occ);
            free(held);
            free(held_km);
            lx_inv_destroy(inv);
            return -1;
        }
        for (uint32_t s = 0; s < n_seats; s++) {
            lx_inv_seat si;
            lx_inv_seat_info(run, s, &si);
            if (si.cls == cls)
                mine[n_mine++] = s;
        }
        for (uint32_t k = 0; k < n_mine; k++) { /* quota kind in the high bits */
            lx_inv_seat si;
            lx_inv_seat_info(run, mine[k], &si);
            mine[k] |= (uint32_t)si.quota << 24;
        }
    }
    for (uint64_t i = 0; i < n; i++) {
        if (k_stop) { /* sellout: stop when no section has a seat left, or K refusals */
            uint32_t open = 0;
            for (uint32_t s = 0; s < S && !open; s++)
                open = lx_inv_avail(run, s, s + 1, cls, now);
            if (!open || in_a_row >= k_stop)
                break;
        }
        /* churn: one request in three is followed by a refund, as in workload a */
        uint64_t u = rnd(&gr), pick = rnd(&gr);
        if (churn && u % 3 == 0 && n_held) {
            lx_inv_op rf;
            memset(&rf, 0, sizeof rf);
            rf.code = LX_INV_REFUND;
            rf.owner = 1;
            rf.now = now;
            pick %= n_held;
            rf.order = held[pick];
            if ((e = lx_inv_apply(run, &rf, &chg))) {
                fprintf(stderr, "bench_inv_util: %s: refund: %s\n", t->name, lx_strerror(e));
                break;
            }
            if (occ)
                for (uint32_t k = 0; k < chg.before.n; k++)
                    occ[chg.before.seats[k]] &= ~seg_mask(chg.before.from, chg.before.to);
            out->seat_km -= held_km[pick];
            out->refunds++;
            held[pick] = held[--n_held];
            held_km[pick] = held_km[n_held];
        }
        op.order = i + 1;
        op.req.from = js[i].from;
        op.req.to = js[i].to;
        out->offered++;
        asked[js[i].from][js[i].to]++;
        if (sim && policy != POL_RANDOM) {
            uint32_t x = js[i].from, y = js[i].to, best = UINT32_MAX, best_rank = 0;
            double best_cost = 0;
            uint64_t m = seg_mask(x, y);
            int cb = lx_inv_is_cross_border(run, x, y), ld = lx_inv_is_long_distance(run, x, y);
            for (uint32_t k = 0; k < n_mine; k++) {
                uint32_t seat = mine[k] & 0xFFFFFF, quota = mine[k] >> 24, rank;
                /* the engine's quota rank, before any release (now is two days ahead) */
                if (quota == LX_QUOTA_CROSS_BORDER) {
                    if (!cb)
                        continue;
                    rank = 0;
                } else if (quota == LX_QUOTA_LONG_DISTANCE) {
                    if (!ld)
                        continue;
                    rank = cb ? 1 : 0;
                } else {
                    rank = (uint32_t)cb + (uint32_t)ld;
                }
                if (occ[seat] & m)
                    continue;
                uint32_t lo = x, hi = y;
                while (lo > 0 && !(occ[seat] >> (lo - 1) & 1))
                    lo--;
                while (hi < S && !(occ[seat] >> hi & 1))
                    hi++;
                double c = sim_cost(policy, run, cls, now, asked, x, y, lo, hi);
                if (best == UINT32_MAX || rank < best_rank ||
                    (rank == best_rank && c < best_cost)) {
                    best = seat;
                    best_rank = rank;
                    best_cost = c;
                }
            }
            op.req.n_want = best != UINT32_MAX;
            op.req.want[0] = best != UINT32_MAX ? best : 0;
            e = best != UINT32_MAX ? lx_inv_apply(run, &op, &chg) : LX_SOLDOUT;
        } else if (policy == POL_RANDOM) {
            uint32_t nc = 0;
            int cb = lx_inv_is_cross_border(run, js[i].from, js[i].to),
                ld = lx_inv_is_long_distance(run, js[i].from, js[i].to);
            for (uint32_t k = 0; k < n_mine; k++) {
                uint32_t seat = mine[k] & 0xFFFFFF, quota = mine[k] >> 24;
                if ((quota == LX_QUOTA_CROSS_BORDER && !cb) ||
                    (quota == LX_QUOTA_LONG_DISTANCE && !ld))
                    continue;
                if (lx_inv_seat_free(run, seat, js[i].from, js[i].to))
                    cand[nc++] = seat;
            }
            op.req.n_want = nc ? 1 : 0;
            op.req.want[0] = nc ? cand[rnd(&g) % nc] : 0;
            e = nc ? lx_inv_apply(run, &op, &chg) : LX_SOLDOUT;
        } else {
            e = lx_inv_apply(run, &op, &chg);
        }
        if (e == LX_OK) {
            if (occ)
                occ[chg.after.seats[0]] |= seg_mask(chg.after.from, chg.after.to);
            out->sold++;
            out->seat_km += t->km[js[i].to] - t->km[js[i].from];
            in_a_row = 0;
            if (churn) {
                held[n_held] = op.order;
                held_km[n_held++] = t->km[js[i].to] - t->km[js[i].from];
            }
        } else if (e == LX_SOLDOUT) {
            if (!out->refused)
                out->first_refusal = i + 1;
            out->refused++;
            in_a_row++;
            int every = 1;
            for (uint32_t s = js[i].from; s < js[i].to && every; s++)
                every = lx_inv_avail(run, s, s + 1, cls, now) > 0;
            out->refused_frag += (uint64_t)every;
        } else {
            fprintf(stderr, "bench_inv_util: %s: sale: %s\n", t->name, lx_strerror(e));
            break;
        }
    }
    free(held);
    free(held_km);
    free(occ);
    if (e != LX_OK && e != LX_SOLDOUT) {
        free(cand);
        free(mine);
        lx_inv_destroy(inv);
        return -1;
    }
    free(cand);
    free(mine);
    e = lx_inv_check(run, msg, sizeof msg);
    lx_inv_destroy(inv);
    if (e) {
        fprintf(stderr, "bench_inv_util: %s: lx_inv_check: %s\n", t->name, msg);
        return -1;
    }
    return 0;
}

/* ---- trains ---- */
static int load_d87(train *t, int quotas)
{
    size_t n, k = 0;
    const lx_gtfs_file *all = lx_builtin_feed(&n);
    lx_gtfs_file files[64];
    for (size_t i = 0; i < n && k < 64; i++)
        if (quotas || strcmp(all[i].name, "lx_seat_quotas.txt"))
            files[k++] = all[i];
    lx_report *r;
    lx_err e = lx_report_create(&r);
    if (!e) {
        lx_gtfs_opts opts = {.feed_name = "china-laos"};
        e = lx_gtfs_load_files(files, k, &opts, r, &t->tt);
        lx_report_destroy(r);
    }
    if (e) {
        fprintf(stderr, "bench_inv_util: the built-in feed: %s\n", lx_strerror(e));
        return -1;
    }
    t->name = quotas ? "D87" : "D87-open";
    t->trip = lx_tt_trip_by_id(t->tt, "D87");
    uint32_t nt, ns;
    const lx_trip *trips = lx_tt_trips(t->tt, &nt);
    const lx_station *st = lx_tt_stations(t->tt, &ns);
    if (t->trip == LX_NONE || trips[t->trip].st_count > MAX_ST) {
        fprintf(stderr, "bench_inv_util: no usable D87 in the built-in feed\n");
        return -1;
    }
    const uint32_t *stop = lx_tt_st_stop(t->tt);
    t->stops = trips[t->trip].st_count;
    for (uint32_t i = 0; i < t->stops; i++) {
        double km = st[stop[trips[t->trip].st_first + i]].km;
        if (km != km) {
            fprintf(stderr, "bench_inv_util: a stop of D87 has no km\n");
            return -1;
        }
        t->km[i] = km;
    }
    for (uint32_t i = t->stops; i-- > 0;)
        t->km[i] -= t->km[0];
    t->day = lx_date_from_ymd(2026, 12, 20);
    uint32_t nq;
    const lx_quota *q = lx_tt_quotas(t->tt, &nq);
    for (uint32_t i = 0; i < nq; i++)
        t->quotas |= q[i].trip == t->trip;
    return 0;
}

static int load_synthetic(train *t)
{
    char msg[256];
    t->name = "synthetic";
    t->day = lx_date_from_ymd(2026, 12, 20);
    bi_feed f = {1, 10, NULL, 8, 100, t->day};
    if (bi_feed_load(&f, &t->tt, msg, sizeof msg)) {
        fprintf(stderr, "bench_inv_util: synthetic feed: %s\n", msg);
        return -1;
    }
    t->trip = lx_tt_trip_by_id(t->tt, "T00000");
    t->stops = 10;
    for (uint32_t i = 0; i < 10; i++)
        t->km[i] = bi_default_km[i];
    return 0;
}

/* ---- the study ---- */
enum { N_MODES = 5, N_POL = 7, P_FIRST = 1 };
static const char *const mode_name[N_MODES] = {"demand-1.0", "demand-1.5", "sellout", "churn-2.0",
                                               "churn-4.0"};
static const double mode_demand[N_MODES] = {1.0, 1.5, 0, 2.0, 4.0};
static const int mode_churn[N_MODES] = {0, 0, 0, 1, 1};
static const char *const pol_name[N_POL] = {
    "best_fit", "first_fit", "random", "whole_first", "fewest_pairs", "scarce_pairs", "exact_first"};
static const uint8_t pol_code[N_POL] = {LX_ALLOC_BEST_FIT, LX_ALLOC_FIRST_FIT, POL_RANDOM,
                                        POL_WHOLE_FIRST,   POL_FEWEST_PAIRS,   POL_SCARCE_PAIRS,
                                        POL_EXACT_FIRST};

typedef struct {
    double share, seat_km, sold, refused, refused_frag, bound_share, first_refusal;
    double d_km, d_km2, d_ref, d_ref2; /* paired differences to first fit, and squares */
} sums;

static double se(double sum, double sum2, uint32_t n)
{
    if (n < 2)
        return 0;
    double mean = sum / n, var = (sum2 - n * mean * mean) / (n - 1);
    return var > 0 ? sqrt(var / n) : 0;
}

static int study(train *t, uint64_t seed0, uint32_t seeds, uint32_t k_stop, FILE *md)
{
    uint32_t S = t->stops - 1;
    double line_km = t->km[S];
    uint64_t cap_js = 1u << 20;
    journey *js = malloc(cap_js * sizeof *js);
    if (!js)
        return -1;
    sums sum[N_MODES][N_POL];
    memset(sum, 0, sizeof sum);
    uint32_t C = 0;
    double mean_km = 0, mean_seg = 0;
    for (uint32_t si = 0; si < seeds; si++) {
        uint64_t seed = seed0 + si, g = seed * 0x100000001B3ull + 7;
        for (uint64_t i = 0; i < cap_js; i++)
            js[i] = draw(&g, S);
        for (uint64_t i = 0; i < 100000; i++) {
            mean_km += (t->km[js[i].to] - t->km[js[i].from]) / 100000.0 / seeds;
            mean_seg += (js[i].to - js[i].from) / 100000.0 / seeds;
        }
        for (int m = 0; m < N_MODES; m++) {
            uint64_t n = cap_js;
            if (mode_demand[m] > 0) { /* the prefix whose seat-km reach demand x capacity */
                uint32_t cap_probe;
                outcome probe;
                if (offer(t, LX_ALLOC_BEST_FIT, js, 1, 0, 0, seed, &cap_probe, &probe))
                    goto fail;
                double want = mode_demand[m] * cap_probe * line_km, have = 0;
                for (n = 0; n < cap_js && have < want; n++)
                    have += t->km[js[n].to] - t->km[js[n].from];
            }
            outcome res[N_POL];
            uint64_t longest = 0;
            for (int p = 0; p < N_POL; p++) {
                if (offer(t, pol_code[p], js, n, mode_demand[m] > 0 ? 0 : k_stop, mode_churn[m],
                          seed, &C, &res[p]))
                    goto fail;
                if (res[p].offered > longest)
                    longest = res[p].offered;
            }
            static uint32_t count[MAX_ST][MAX_ST];
            memset(count, 0, sizeof count);
            for (uint64_t i = 0; i < longest; i++)
                count[js[i].from][js[i].to]++;
            double bound = (double)optimum(t, C, count) / 10.0, simple = 0;
            for (uint32_t s = 0; s < S; s++) {
                uint64_t over = 0;
                for (uint32_t a = 0; a <= s; a++)
                    for (uint32_t b = s + 1; b <= S; b++)
                        over += count[a][b];
                simple += (t->km[s + 1] - t->km[s]) * (double)(over < C ? over : C);
            }
            double capkm = (double)C * line_km;
            for (int p = 0; p < N_POL; p++) {
                const outcome *r = &res[p];
                if (r->seat_km > bound + 1e-6 * bound + 0.5) {
                    fprintf(stderr, "bench_inv_util: %s: %s sold more than the optimum\n", t->name,
                            pol_name[p]);
                    goto fail;
                }
                printf("{\"study\":\"utilisation\",\"kind\":\"run\",\"train\":\"%s\","
                       "\"stations\":%u,\"line_km\":%.1f,\"seats\":%u,\"quotas\":%s,\"seed\":%llu,"
                       "\"mode\":\"%s\",\"policy\":\"%s\",\"offered\":%llu,\"sold\":%llu,"
                       "\"refused\":%llu,\"refused_fragmented\":%llu,\"refunds\":%llu,"
                       "\"first_refusal\":%llu,\"seat_km\":%.1f,"
                       "\"capacity_seat_km\":%.1f,\"share\":%.4f,\"bound_seat_km\":%.1f,"
                       "\"bound_share\":%.4f,\"simple_bound_seat_km\":%.1f,"
                       "\"of_bound\":%.4f}\n",
                       t->name, t->stops, line_km, C, t->quotas ? "true" : "false",
                       (unsigned long long)seed, mode_name[m], pol_name[p],
                       (unsigned long long)r->offered, (unsigned long long)r->sold,
                       (unsigned long long)r->refused, (unsigned long long)r->refused_frag,
                       (unsigned long long)r->refunds, (unsigned long long)r->first_refusal,
                       r->seat_km, capkm, r->seat_km / capkm, bound, bound / capkm, simple,
                       bound > 0 ? r->seat_km / bound : 0);
                sums *u = &sum[m][p];
                u->share += r->seat_km / capkm / seeds;
                u->seat_km += r->seat_km / seeds;
                u->sold += (double)r->sold / seeds;
                u->refused += (double)r->refused / seeds;
                u->refused_frag += (double)r->refused_frag / seeds;
                u->bound_share += bound / capkm / seeds;
                u->first_refusal += (double)r->first_refusal / seeds;
                double dk = r->seat_km - res[P_FIRST].seat_km;
                double dr = (double)r->refused - (double)res[P_FIRST].refused;
                u->d_km += dk;
                u->d_km2 += dk * dk;
                u->d_ref += dr;
                u->d_ref2 += dr * dr;
            }
        }
    }
    for (int m = 0; m < N_MODES; m++)
        for (int p = 0; p < N_POL; p++) {
            const sums *u = &sum[m][p];
            printf("{\"study\":\"utilisation\",\"kind\":\"summary\",\"train\":\"%s\","
                   "\"stations\":%u,\"line_km\":%.1f,\"seats\":%u,\"seeds\":%u,"
                   "\"mode\":\"%s\",\"policy\":\"%s\",\"mean_journey_km\":%.1f,"
                   "\"mean_journey_sections\":%.2f,\"sold\":%.1f,\"refused\":%.1f,"
                   "\"refused_fragmented\":%.1f,"
                   "\"first_refusal\":%.1f,\"seat_km\":%.1f,\"share\":%.4f,"
                   "\"bound_share\":%.4f,\"seat_km_vs_first_fit\":%.1f,"
                   "\"seat_km_vs_first_fit_se\":%.1f,\"refused_vs_first_fit\":%.2f,"
                   "\"refused_vs_first_fit_se\":%.2f}\n",
                   t->name, t->stops, line_km, C, seeds, mode_name[m], pol_name[p], mean_km,
                   mean_seg, u->sold, u->refused, u->refused_frag, u->first_refusal, u->seat_km,
                   u->share, u->bound_share, u->d_km / seeds, se(u->d_km, u->d_km2, seeds),
                   u->d_ref / seeds, se(u->d_ref, u->d_ref2, seeds));
        }
    fprintf(md,
            "\n%s: %u stations, %.1f km, %u seats of class second%s; mean journey %.0f km "
            "(%.2f sections); means of %u seeds\n\n",
            t->name, t->stops, line_km, C,
            t->quotas ? " (with its seat quota; the optimum ignores the quota)" : "", mean_km,
            mean_seg, seeds);
    fprintf(md, "| mode | policy | sold | refused | refused, seats on every section | first "
                "refusal at | seat-km | share of capacity | offline optimum | of optimum | seat-km "
                "vs first fit | refusals vs first fit |\n"
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int m = 0; m < N_MODES; m++)
        for (int p = 0; p < N_POL; p++) {
            const sums *u = &sum[m][p];
            char dk[64] = "", dr[64] = "";
            if (p != P_FIRST) {
                snprintf(dk, sizeof dk, "%+.0f ± %.0f", u->d_km / seeds,
                         se(u->d_km, u->d_km2, seeds));
                snprintf(dr, sizeof dr, "%+.2f ± %.2f", u->d_ref / seeds,
                         se(u->d_ref, u->d_ref2, seeds));
            }
            fprintf(
                md,
                "| %s | %s | %.1f | %.1f | %.1f | %.0f | %.0f | %.2f%% | %.2f%% | %.2f%% | %s | %s "
                "|\n",
                mode_name[m], pol_name[p], u->sold, u->refused, u->refused_frag, u->first_refusal,
                u->seat_km, 100 * u->share, 100 * u->bound_share,
                u->bound_share > 0 ? 100 * u->share / u->bound_share : 0, dk, dr);
        }
    fprintf(md, "(± one standard error of the mean paired difference over the seeds)\n");
    free(js);
    return 0;
fail:
    free(js);
    return -1;
}

int main(int argc, char **argv)
{
    uint64_t seed = 1;
    uint32_t seeds = 50, k_stop = 200;
    const char *which = "all";
    for (int i = 1; i < argc; i += 2) { /* --name value pairs */
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "usage: bench_inv_util [--seeds N] [--seed S] [--k K] "
                            "[--train D87|D87-open|synthetic|all]\n");
            return 2;
        }
        if (!strcmp(argv[i], "--seeds"))
            seeds = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(argv[i], "--seed"))
            seed = strtoull(v, NULL, 10);
        else if (!strcmp(argv[i], "--k"))
            k_stop = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(argv[i], "--train"))
            which = v;
        else {
            fprintf(stderr, "bench_inv_util: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (seeds < 1 || seeds > MAX_SEEDS || k_stop < 1 ||
        (strcmp(which, "all") && strcmp(which, "D87") && strcmp(which, "D87-open") &&
         strcmp(which, "synthetic"))) {
        fprintf(stderr,
                "bench_inv_util: --seeds 1..%d, --k >= 1, "
                "--train D87|D87-open|synthetic|all\n",
                MAX_SEEDS);
        return 2;
    }
    int rc = 0;
    for (int w = 0; w < 3 && !rc; w++) {
        train t;
        memset(&t, 0, sizeof t);
        int all = !strcmp(which, "all");
        if (w < 2 && (all || !strcmp(which, w ? "D87-open" : "D87")))
            rc = load_d87(&t, !w) || study(&t, seed, seeds, k_stop, stderr);
        else if (w == 2 && (all || !strcmp(which, "synthetic")))
            rc = load_synthetic(&t) || study(&t, seed, seeds, k_stop, stderr);
        lx_tt_destroy(t.tt);
    }
    return rc ? 1 : 0;
}
