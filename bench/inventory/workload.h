/* The inventory benchmark's workloads, shared by every design measured (lanxang's
 * engine, the Redis + Lua design, the PostgreSQL design), so that all of them serve
 * exactly the same stream of requests.
 *
 * Shape (the one used to grade concurrent ticketing data structures): T trains (runs),
 * each with BW_STATIONS stations and BW_COACHES coaches of BW_SEATS_PER_COACH seats,
 * one class. Each client thread draws its own deterministic stream from (seed, thread):
 *   workload a: 60% availability queries, 30% purchases, 10% refunds, over all trains;
 *   workload b: departure-day rush on train 0 only: 20% queries, 75% purchases, 5% refunds;
 *   workload s: 100% purchases over all trains (the direct measure of "durable bookings
 *               per second"; give it enough trains that they do not fill up: with T
 *               trains of BW_SEATS seats, a few times 1,000 one-seat sales per train are
 *               all sold, so count refusals and use e.g. T = 1000).
 * A journey is a uniform random pair of stations from < to. A refund returns one of the
 * tickets this thread bought earlier (a random one); with none to return, the thread
 * makes a query instead. A purchase is one seat, bought and paid at once (a sale).
 *
 * Usage (header only):
 *   bw_rng g; bw_seed(&g, seed, thread);
 *   bw_req q = bw_next(&g, workload, trains, tickets_held_by_this_thread);
 */
#ifndef LX_BENCH_WORKLOAD_H
#define LX_BENCH_WORKLOAD_H

#include <stdint.h>

#define BW_STATIONS 10
#define BW_COACHES 8
#define BW_SEATS_PER_COACH 100
#define BW_SEATS (BW_COACHES * BW_SEATS_PER_COACH)

typedef struct {
    uint64_t s;
} bw_rng;

static inline uint64_t bw_u64(bw_rng *g)
{ /* splitmix64 */
    uint64_t z = (g->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint32_t bw_below(bw_rng *g, uint32_t n) { return (uint32_t)(bw_u64(g) % n); }

static inline void bw_seed(bw_rng *g, uint64_t seed, uint32_t thread)
{
    g->s = seed * 0x100000001B3ull + thread * 0x9E3779B97F4A7C15ull + 1;
    (void)bw_u64(g);
}

enum { BW_QUERY = 0, BW_BUY = 1, BW_REFUND = 2 };

typedef struct {
    int kind;           /* BW_QUERY, BW_BUY, BW_REFUND */
    uint32_t train;     /* 0 .. trains-1 (QUERY, BUY) */
    uint32_t from, to;  /* station indexes, from < to (QUERY, BUY) */
    uint32_t pick;      /* REFUND: index of the ticket to return, 0 .. held-1 */
} bw_req;

/* The next request of a thread. workload 'a', 'b' or 's'; held: tickets the thread
 * holds. */
static inline bw_req bw_next(bw_rng *g, int workload, uint32_t trains, uint32_t held)
{
    bw_req q = {0, 0, 0, 0, 0};
    if (workload == 's') {
        q.kind = BW_BUY;
        q.train = bw_below(g, trains);
        q.from = bw_below(g, BW_STATIONS - 1);
        q.to = q.from + 1 + bw_below(g, BW_STATIONS - 1 - q.from);
        return q;
    }
    uint32_t r = bw_below(g, 100);
    uint32_t q_pct = workload == 'b' ? 20 : 60, buy_pct = workload == 'b' ? 75 : 30;
    q.kind = r < q_pct ? BW_QUERY : r < q_pct + buy_pct ? BW_BUY : BW_REFUND;
    if (q.kind == BW_REFUND && held == 0)
        q.kind = BW_QUERY;
    if (q.kind == BW_REFUND) {
        q.pick = bw_below(g, held);
        return q;
    }
    q.train = workload == 'b' ? 0 : bw_below(g, trains);
    q.from = bw_below(g, BW_STATIONS - 1);
    q.to = q.from + 1 + bw_below(g, BW_STATIONS - 1 - q.from);
    return q;
}

/* Segment mask of a journey: bit k = segment from station k to k+1. */
static inline uint64_t bw_mask(uint32_t from, uint32_t to)
{
    return ((to >= 64 ? 0 : (1ull << to)) - 1) & ~((1ull << from) - 1);
}

#endif
