/* The journey planner: RAPTOR rounds over route patterns.
 *
 * RAPTOR (Delling, Pajor, Werneck, "Round-Based Public Transit Routing", 2012) finds,
 * for k = 1, 2, ... trips, the earliest arrival at every stop using at most k trips.
 * Round k reads the stops whose "ready" time improved in round k-1 (marked stops),
 * scans every route pattern through them once, from the earliest marked position on,
 * riding the earliest trip that can be caught and catching an earlier one whenever a
 * stop further along allows it, and writes the arrivals it improves. Then the
 * transfer phase turns each improved arrival at stop s into ready times: at s itself
 * after the change time, and at every stop a footpath leads to after the walk. Those
 * ready times are marked for round k+1. Nothing is ever sorted or queued by time: a
 * round is a few linear passes over arrays, which is why it is fast.
 *
 * Labels, per round k and stop s, as int32 seconds relative to the search's epoch E
 * (the asked instant), INF = INT32_MAX, each meaning "with at most k trips":
 *   arr[k][s]   earliest arrival at s by a vehicle (what a destination wants)
 *   src[k][s]   the same plus the border control owed by the arriving leg: a leg whose
 *               stop before s lies in another country (PF_BORDER_IN) owes it at s
 *   ready[k][s] earliest time to board at s in round k+1: min over improved src at s'
 *               of src + change(s') (s' = s) or src + walk(s', s)
 * A leg leaving towards another country (PF_BORDER_OUT) adds the border time at
 * boarding, except from the origin: border control is part of a change, never of the
 * first departure nor of the last arrival. Keeping src apart from arr keeps this exact
 * with one label per stop. Round k starts from round k-1's labels (copied only for
 * the stops whose labels changed: the touched lists), so a round-k label that does
 * not beat them cannot lead anywhere earlier than a journey with fewer trips (local
 * pruning); and nothing later than the best arrival at any destination with at most k
 * trips, tgt[k], is kept (target pruning). Each round's arrival at a destination that
 * beats tgt[k] is one journey of the Pareto set over (arrival, trips). Labels are kept
 * per round rather than as one best-over-all-rounds value so that the range search
 * below can reuse them across departures. Each label carries the record of the leg
 * that set it (pattern, trip slot, service day, boarding and alighting positions,
 * round), which is all the journey's reconstruction needs.
 *
 * Service days. Pattern times are GTFS times of the service day (seconds from noon
 * minus 12 h, past 24:00 for trains after midnight). A search looks at the few
 * service days of each feed that can matter (from the asked local date minus the
 * longest trip's span, to the end of the horizon), computes each day's base instant
 * (relative to E) once, and the set of services running that day as a bit set. A
 * boarding search then tries each day: a binary search over the departures of the
 * stop's column for the first one at or after the ready time, then forward to the
 * first trip whose service runs that day. Because patterns are FIFO, the earliest
 * departure at this stop is the earliest trip everywhere downstream.
 *
 * Range (rRAPTOR): every distinct departure time from the origins within the window,
 * latest first, runs the rounds again without clearing the labels: labels of a later
 * departure bound those of an earlier one, so each run only does the work its
 * departure adds, and a journey is reported only if it arrives strictly earlier (for
 * its number of trips) than every later departure did.
 *
 * Arrive-by runs the very same rounds on the mirrored data (plan_int.h): negated
 * times, reversed patterns, with the destinations as origins. Its "earliest arrival"
 * is the latest departure.
 *
 * Transfers.txt: stop rows give change times and footpaths (plan_build.c). Trip rows
 * (and route rows, as the rows of every pair of the routes' trips, plan_build.c):
 * an in-seat continuation (type 4) is followed in the same round (no change counted,
 * no change time): the next trip is ridden from the stop where the first one ends. A
 * guaranteed change (type 1, or 2 with its time) may be shorter than the station's
 * change time: when the first trip arrives, the second is ridden in the next round
 * from the time the rule allows; and it may be longer: boarding the second trip from
 * a label of the first sooner than the rule's time is refused, as a forbidden change
 * (type 3) is refused when the ready label being used came from the trip the rule
 * names (forbidden(): both are restrictions of a change). One label per stop is
 * not enough then: the best arrival may come from a trip that may not change to the
 * one wanted, while a later arrival may. So with such rules in the network each stop
 * also keeps a free label (src_free, ready_free): the best arrival, and ready time,
 * of a leg that forbids no change where it is left; a boarding that the label's leg
 * forbids is tried again from the free label (KIND_READY_FREE records which label a
 * leg was boarded from, for the journey's reconstruction). And every trip a forbidden
 * change names rides in patterns of its own (plan_build.c), since a round rides only
 * the earliest run of a pattern and would never ride a later, unrestricted one. This
 * is exact while the legs arriving at a stop that forbid some change there are one
 * trip (checked by test_plan against a scan that keeps every arrival); two different
 * such trips at one stop, the second arriving between the first and the free label,
 * may still hide a change.
 *
 * Pruning beyond RAPTOR's own. (1) Lower bounds: before the rounds, a Dijkstra from
 * the destinations over the reversed stop graph (each edge weighted with the fastest
 * any trip runs it) gives lb[s], the least time from s to a destination; a label v at
 * s is dropped when v + lb[s] cannot beat the best arrival so far or the horizon. It
 * costs one small Dijkstra (a few edges per stop) and removes most of the work once a
 * first journey is known. (2) Connected parts: a search between two parts of the
 * network that nothing joins answers at once. (3) A journey taking longer than
 * max(2 x the fastest, the fastest + opts.slack_seconds) is not answered.
 *
 * Work saved without changing a label. (4) Only marked stops are boarded from: a stop
 * whose ready label did not improve in round k-1 had every pattern through it
 * scanned, from that label, in an earlier round, whose arrivals the round-k labels
 * already hold, so a trip boarded there again improves nothing (while nothing is
 * ridden, a scan starts at the first marked position and ends after the last; with
 * trip rules in the network, a ridden trip still switches to an earlier one at any
 * stop, since a trip's rules are its own). (5) Without trip rules, a scan past its
 * last marked stop stops once the trip arrives after the best arrival at a
 * destination or the horizon: times only grow along a trip. (6) A pattern whose
 * runs share one service (lx_plan.pat_svc) that runs on none of the search's days is
 * not queued, and a boarding search skips the days it does not run. (7) Without
 * trip rules, a (pattern, position) pair of a marked stop s is not queued when no run
 * leaves s in [r, B): r its ready time, B = min(tgt[k], limit + 1) - lb[s]. Each pair
 * carries its first and last departure (plan_dir.sp_dep), checked against the one or
 * two service days the window can reach (wider windows: no check), so nothing of the
 * pattern is read. Exact: a run leaving s at or after B arrives at s' no earlier than
 * B + lb[s] - lb[s'], which alight() refuses; a run leaving before r cannot be
 * boarded; and tgt[k] only falls during the round, so the scan would refuse too.
 * Most pairs have one departure time at s (a one-trip pattern): plan_dir.sp_ix keeps
 * those of a stop sorted by it, so the ones in the window are found by binary search
 * per day and the others are not read; the patterns first queued at s are then put
 * back in pattern order, the order of the plain list, so scans (and ties between
 * equal labels) go as without the index.
 *
 * A bound on trips. (8) Before the rounds, a breadth-first search from the
 * destinations over places and lines (plan_int.h: stops joined by footpaths or trip
 * rules are one place; a route is a line, two routes an in-seat rule joins are one)
 * gives the fewest line hops h[s] from each stop to a destination. No journey from s
 * takes fewer trips: one trip, with its in-seat continuations, never leaves one line,
 * and walks and timed changes never leave one place. A label set at s in round k is
 * dropped when k + h[s] > kmax (a ready label, for boarding in round k + 1, when k +
 * max(1, h[s]) > kmax), and a search whose origins are all too far answers at once.
 * This is what keeps a search with no journey cheap: without it, a destination more
 * changes away than allowed was found out only after every round had spread over
 * the network (on the generated benchmark network, a sixth of the queries, 2.4 ms
 * each on average against 0.3 ms with the bound). It costs a few microseconds: one
 * pass over the lines' places. Values, and so every answer, are as without it.
 *
 * Memory. A pattern's stops, flags and times are one block, scanned as one stream;
 * the list of patterns a round will scan is known before it starts, so the next
 * ones' first cache lines are prefetched while the current one is scanned (a scan is
 * short, and waiting for its first line was most of it). A lx_plan_query holds every
 * array above for LX_PLAN_MAX_TRANSFERS + 2 rounds, allocated by
 * lx_plan_query_create; a search clears the rounds it will use and nothing in the
 * rounds allocates. The few growable buffers (the queue of trip-to-trip
 * continuations, the pool of legs they continue, the results) grow to a high-water
 * mark and stay.
 */
#include "plan_int.h"
#include "tt_int.h"

#include <stdlib.h>
#include <string.h>

#define INF INT32_MAX
/* service days looked at per feed and search: 7 days of horizon, a day of window, the
 * longest trip's span and a margin; a feed whose trips span more loses the last days */
#define MAXD 20
#define ROUNDS (LX_PLAN_MAX_TRANSFERS + 2)

enum {
    KIND_READY = 0,
    KIND_IN_SEAT = 1,
    KIND_GUARANTEED = 2,
    KIND_ORIGIN = 3,
    KIND_READY_FREE = 4 /* boarded from the free ready label (ready_free) */
};

/* How a leg was ridden: enough to rebuild it. */
typedef struct {
    uint32_t pat, slot;
    uint16_t board, alight; /* positions in the pattern of the search's direction */
    uint8_t day, kind;
    uint8_t round;    /* the round that rode it */
    uint32_t prev;    /* pool index of the leg before (in-seat, guaranteed) */
    int32_t rule_sec; /* guaranteed: the rule's change time */
} plan_rec;

/* A trip to ride from a given stop because a trip-to-trip rule says so. */
typedef struct {
    uint32_t gtrip, stop;
    int32_t time;  /* earliest departure allowed */
    uint32_t prev; /* pool index of the leg that led here */
    uint32_t round;
    int32_t sec;
    uint8_t kind;
} plan_tscan;

typedef struct {
    uint32_t feed, trip, st;
    lx_date_t day;
    int32_t offset;
} plan_ban;

typedef struct {
    lx_instant_t departure, arrival;
    uint32_t leg0, n_legs, n_transfers, refused;
} plan_jr;

struct lx_plan_query {
    const lx_plan *pl;
    uint32_t N;
    int32_t *arr, *src, *ready;  /* ROUNDS * N */
    plan_rec *arr_rec, *src_rec; /* ROUNDS * N */
    plan_rec *ready_rec;         /* ROUNDS * N: the leg a ready label came from */
    uint32_t *ready_from;        /* ROUNDS * N: the stop that leg ended at */
    /* With forbidden changes in the network: the best src and ready labels whose leg
     * forbids no change where it was left (ROUNDS * N each; NULL without), see
     * relax() */
    int32_t *src_free, *ready_free;
    plan_rec *src_free_rec, *ready_free_rec;
    uint32_t *ready_free_from;
    uint8_t *mark, *srcmark, *is_target, *touched;
    uint32_t *mark_list, n_mark, *src_list, n_src;
    uint32_t *tl[2], n_tl[2]; /* stops whose labels changed, last and this round */
    /* pat_span[p]: the first and last marked positions of a queued pattern (first |
     * last << 16: positions are below 65535), LX_NONE when not queued */
    uint32_t *pat_span, *pat_list, n_patq;
    uint32_t *mk, stamp; /* mk[s] == stamp: s is marked for the round being scanned */
    uint32_t *origins, n_origins, *targets, n_targets, cap_places;
    int32_t *lb; /* N: lower bound of the time from a stop to a target */
    /* kcap[s]: a label at s set in round k can lead to a destination only if k <
     * kcap[s] (kmax + 1 - the least trips from s to a destination, 0 if more than
     * kmax); pdist, bfs, line_seen: the search over lines that finds it */
    uint8_t *kcap, *pdist, *line_seen;
    uint32_t *bfs;
    struct heap_item {
        int32_t d;
        uint32_t s;
    } * heap;
    uint32_t cap_heap;
    /* service days, per feed */
    lx_date_t *day0, *svc_day0;
    uint32_t *nd, *svc_nd, *svc_words;
    int32_t *base; /* n_feeds * MAXD */
    size_t *svc_off;
    uint64_t *svc;
    uint32_t *svc_days; /* per global service: the days j < nd[feed] it runs on */
    /* growable */
    plan_tscan *ts;
    uint32_t n_ts, cap_ts;
    plan_rec *pool;
    uint32_t n_pool, cap_pool;
    plan_ban *ban;
    uint32_t n_ban, cap_ban;
    int32_t *deps;
    uint32_t n_deps, cap_deps;
    plan_jr *jr;
    uint32_t n_jr, cap_jr;
    lx_net_leg *legs;
    lx_plan_transfer *tf; /* parallel to legs: tf[i] joins legs[i], legs[i+1] */
    uint32_t n_legs, cap_legs;
    lx_plan_journey *out;
    uint32_t cap_out;
    /* the search under way */
    const plan_dir *d;
    int back;
    lx_instant_t E;
    int32_t limit;
    uint32_t kmax; /* last round */
    uint32_t tgt_hit[ROUNDS];
    int32_t tgt[ROUNDS]; /* best arrival at a destination with <= k trips */
    int nomem;
};

/* ---- life cycle ---- */

lx_err lx_plan_query_create(const lx_plan *pl, lx_plan_query **out)
{
    *out = NULL;
    lx_plan_query *q = calloc(1, sizeof *q);
    if (!q)
        return LX_NOMEM;
    q->pl = pl;
    uint32_t N = q->N = pl->n_stops;
    size_t RN = (size_t)ROUNDS * N + 1, F = pl->n_feeds + 1;
    q->arr = malloc(RN * sizeof *q->arr);
    q->src = malloc(RN * sizeof *q->src);
    q->ready = malloc(RN * sizeof *q->ready);
    q->arr_rec = malloc(RN * sizeof *q->arr_rec);
    q->src_rec = malloc(RN * sizeof *q->src_rec);
    q->ready_from = malloc(RN * sizeof *q->ready_from);
    q->ready_rec = malloc(RN * sizeof *q->ready_rec);
    if (pl->has_forbidden) {
        q->ready_free = malloc(RN * sizeof *q->ready_free);
        q->ready_free_rec = malloc(RN * sizeof *q->ready_free_rec);
        q->ready_free_from = malloc(RN * sizeof *q->ready_free_from);
        q->src_free = malloc(RN * sizeof *q->src_free);
        q->src_free_rec = malloc(RN * sizeof *q->src_free_rec);
        if (!q->ready_free || !q->ready_free_rec || !q->ready_free_from || !q->src_free ||
            !q->src_free_rec) {
            lx_plan_query_destroy(q);
            return LX_NOMEM;
        }
    }
    q->touched = calloc((size_t)N + 1, 1);
    q->tl[0] = malloc(((size_t)N + 1) * sizeof(uint32_t));
    q->tl[1] = malloc(((size_t)N + 1) * sizeof(uint32_t));
    q->mark = calloc((size_t)N + 1, 1);
    q->srcmark = calloc((size_t)N + 1, 1);
    q->is_target = calloc((size_t)N + 1, 1);
    q->mark_list = malloc(((size_t)N + 1) * sizeof(uint32_t));
    q->src_list = malloc(((size_t)N + 1) * sizeof(uint32_t));
    q->pat_span = malloc(((size_t)pl->dir[0].n_pat + 1) * sizeof(uint32_t));
    q->pat_list = malloc(((size_t)pl->dir[0].n_pat + 1) * sizeof(uint32_t));
    q->mk = calloc((size_t)N + 1, sizeof *q->mk);
    q->day0 = calloc(F, sizeof *q->day0);
    q->svc_day0 = calloc(F, sizeof *q->svc_day0);
    q->nd = calloc(F, sizeof *q->nd);
    q->svc_nd = calloc(F, sizeof *q->svc_nd);
    q->svc_words = calloc(F, sizeof *q->svc_words);
    q->svc_off = calloc(F, sizeof *q->svc_off);
    q->base = calloc(F * MAXD, sizeof *q->base);
    size_t words = 0;
    for (uint32_t f = 0; f < pl->n_feeds; f++) {
        const lx_tt *tt = lx_net_feed(pl->net, f);
        q->svc_off[f] = words;
        q->svc_words[f] = (tt->n_services + 63) / 64;
        words += (size_t)q->svc_words[f] * MAXD;
        q->svc_day0[f] = LX_DATE_MIN - 1;
    }
    q->svc = calloc(words + 1, sizeof *q->svc);
    q->svc_days = calloc((size_t)pl->n_gsvc + 1, sizeof *q->svc_days);
    q->lb = malloc(((size_t)N + 1) * sizeof *q->lb);
    q->kcap = malloc((size_t)N + 1);
    q->pdist = malloc((size_t)pl->n_places + 1);
    q->bfs = malloc(((size_t)pl->n_places + 1) * sizeof *q->bfs);
    q->line_seen = malloc((size_t)pl->n_lines + 1);
    q->cap_heap = (pl->dir[0].n_lb > pl->dir[1].n_lb ? pl->dir[0].n_lb : pl->dir[1].n_lb) + N + 1;
    q->heap = malloc((size_t)q->cap_heap * sizeof *q->heap);
    if (!q->arr || !q->src || !q->ready || !q->arr_rec || !q->src_rec || !q->ready_from ||
        !q->ready_rec || !q->touched || !q->tl[0] || !q->tl[1] || !q->mark || !q->srcmark ||
        !q->is_target || !q->mark_list || !q->src_list || !q->pat_span || !q->pat_list || !q->mk ||
        !q->day0 || !q->svc_day0 || !q->nd || !q->svc_nd || !q->svc_words || !q->svc_off ||
        !q->base || !q->svc || !q->svc_days || !q->lb || !q->heap || !q->kcap || !q->pdist ||
        !q->bfs || !q->line_seen) {
        lx_plan_query_destroy(q);
        return LX_NOMEM;
    }
    for (uint32_t p = 0; p < pl->dir[0].n_pat; p++)
        q->pat_span[p] = LX_NONE;
    q->svc_days[pl->n_gsvc] = ~0u; /* plan_spix.svc of a pattern on several services */
    *out = q;
    return LX_OK;
}

void lx_plan_query_destroy(lx_plan_query *q)
{
    if (!q)
        return;
    void *bufs[] = {
        q->arr,      q->src,      q->ready,     q->arr_rec, q->src_rec, q->ready_from, q->ready_rec,
        q->touched,  q->tl[0],    q->tl[1],     q->mark,    q->srcmark, q->is_target,  q->mark_list,
        q->src_list, q->pat_span, q->pat_list,  q->origins, q->targets, q->day0,       q->svc_day0,
        q->nd,       q->svc_nd,   q->svc_words, q->base,    q->svc_off, q->svc,        q->ts,
        q->pool,     q->ban,      q->deps,      q->jr,      q->legs,    q->tf,         q->out,
        q->lb,       q->heap,     q->mk,        q->svc_days};
    /* the bound on trips, and the free labels */
    void *more[] = {
        q->kcap,           q->pdist,           q->bfs,      q->line_seen,   q->ready_free,
        q->ready_free_rec, q->ready_free_from, q->src_free, q->src_free_rec};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        free(bufs[i]);
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        free(more[i]);
    free(q);
}

/* Grows *buf (elements of size elem) to hold at least need; 0 on failure. */
static int grow(void **buf, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    uint32_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*buf, (size_t)n * elem);
    if (!p)
        return 0;
    *buf = p;
    *cap = n;
    return 1;
}

/* ---- service days ---- */

static void setup_days(lx_plan_query *q, lx_instant_t lo, lx_instant_t hi)
{
    const lx_plan *pl = q->pl;
    for (uint32_t f = 0; f < pl->n_feeds; f++) {
        const lx_tt *tt = lx_net_feed(pl->net, f);
        lx_date_t a, b;
        lx_tz_to_local(tt->default_tz, lo, &a, NULL);
        lx_tz_to_local(tt->default_tz, hi, &b, NULL);
        a -= (lx_date_t)pl->max_span_days + 1;
        b += 1;
        uint32_t nd = (uint32_t)(b - a + 1);
        if (nd > MAXD)
            nd = MAXD;
        q->day0[f] = a;
        q->nd[f] = nd;
        for (uint32_t j = 0; j < nd; j++) {
            lx_instant_t t = lx_tz_service_instant(tt->default_tz, a + (lx_date_t)j, 0);
            q->base[f * MAXD + j] = (int32_t)(q->back ? q->E - t : t - q->E);
        }
        if (q->svc_day0[f] == a && q->svc_nd[f] == nd)
            continue;
        uint64_t *bits = q->svc + q->svc_off[f];
        uint32_t w = q->svc_words[f];
        memset(bits, 0, (size_t)w * MAXD * sizeof *bits);
        uint32_t *sd = q->svc_days + pl->feed_svc0[f];
        memset(sd, 0, tt->n_services * sizeof *sd);
        for (uint32_t j = 0; j < nd; j++)
            for (uint32_t s = 0; s < tt->n_services; s++)
                if (lx_tt_service_runs(tt, s, a + (lx_date_t)j)) {
                    bits[j * w + s / 64] |= 1ull << (s % 64);
                    sd[s] |= 1u << j;
                }
        q->svc_day0[f] = a;
        q->svc_nd[f] = nd;
    }
}

static int runs(const lx_plan_query *q, uint32_t feed, uint32_t day, uint32_t service)
{
    const uint64_t *bits = q->svc + q->svc_off[feed] + (size_t)day * q->svc_words[feed];
    return (int)(bits[service / 64] >> (service % 64) & 1);
}

/* ---- bans (seat-aware planning) ---- */

/* The stop time index, in the feed's arrays, of position pos of a pattern run. */
static uint32_t st_index(const lx_plan_query *q, const plan_pattern *pt, uint32_t trip,
                         uint32_t pos)
{
    const lx_tt *tt = lx_net_feed(q->pl->net, pt->feed);
    uint32_t off = q->back ? pt->n_stops - 1 - pos : pos;
    return tt->trips[trip].st_first + off;
}

static int banned(const lx_plan_query *q, const plan_pattern *pt, uint32_t slot, uint32_t day,
                  uint32_t pos)
{
    const plan_ptrip *r = &q->d->ptrip[pt->trip0 + slot];
    uint32_t st = st_index(q, pt, r->trip, pos);
    lx_date_t sd = q->day0[pt->feed] + (lx_date_t)day;
    for (uint32_t i = 0; i < q->n_ban; i++) {
        const plan_ban *b = &q->ban[i];
        if (b->st == st && b->trip == r->trip && b->feed == pt->feed && b->day == sd &&
            b->offset == r->offset)
            return 1;
    }
    return 0;
}

/* ---- the rounds ---- */

static uint32_t rec_gtrip(const lx_plan_query *q, const plan_rec *r)
{
    const plan_pattern *pt = &q->d->pat[r->pat];
    return q->pl->feed_trip0[pt->feed] + q->d->ptrip[pt->trip0 + r->slot].trip;
}

/* The arrival of the leg of r where it was left (relative, the search's direction). */
static int32_t rec_arr(const lx_plan_query *q, const plan_rec *r)
{
    const plan_pattern *pt = &q->d->pat[r->pat];
    return q->base[pt->feed * MAXD + r->day] +
           pat_arr(q->d, pt)[(size_t)r->alight * pt->n_trips + r->slot];
}

/* The leg a ready label came from, for the trip rules that restrict changes. */
typedef struct {
    uint32_t gtrip, stop; /* the trip, and the stop where it was left */
    int32_t arr;          /* its arrival there */
} plan_from;

/* Whether a rule of trip-to-trip changes refuses boarding to_gtrip at to_stop at time
 * dep from the leg `fr`: forbidden (type 3), or sooner after its arrival than the
 * rule's minimum time (type 2). */
static int forbidden(const lx_plan_query *q, const plan_from *fr, uint32_t to_gtrip,
                     uint32_t to_stop, int32_t dep)
{
    const plan_dir *d = q->d;
    for (uint32_t i = d->rule_first[fr->gtrip]; i < d->rule_first[fr->gtrip + 1]; i++) {
        const plan_rule *r = &d->rule[i];
        if (r->to_gtrip == to_gtrip && r->at_stop == fr->stop && r->to_stop == to_stop &&
            (r->type == RULE_FORBIDDEN ||
             (r->type == RULE_GUARANTEED && (int64_t)dep - fr->arr < r->seconds)))
            return 1;
    }
    return 0;
}

/* Whether the leg of rec, left at stop `from`, restricts some change there (a rule
 * forbidden() may apply). */
static int restricted(const lx_plan_query *q, const plan_rec *rec, uint32_t from)
{
    if (rec->kind == KIND_ORIGIN)
        return 0;
    const plan_dir *d = q->d;
    uint32_t g = rec_gtrip(q, rec);
    for (uint32_t i = d->rule_first[g]; i < d->rule_first[g + 1]; i++)
        if (d->rule[i].at_stop == from && rule_restricts(d->rule[i].type, d->rule[i].seconds))
            return 1;
    return 0;
}

/* The earliest (slot, day) of pattern p leaving position pos at or after r and
 * before `before`. fr: the leg the ready label came from, for the rules that restrict
 * changes (NULL: none). */
static int board_search(const lx_plan_query *q, uint32_t p, uint32_t pos, int32_t r, int32_t before,
                        const plan_from *fr, uint32_t *slot, uint32_t *day, int32_t *base)
{
    const plan_pattern *pt = &q->d->pat[p];
    uint32_t k = pt->n_trips, f = pt->feed;
    const lx_time_t *col = pat_dep(q->d, pt) + (size_t)pos * k;
    const int32_t *bases = q->base + f * MAXD;
    uint32_t g = q->pl->pat_svc[p], on = g == LX_NONE ? ~0u : q->svc_days[g];
    int found = 0;
    /* days by increasing base (the mirror's bases decrease with the date): skip those
     * whose last departure is too early, stop at the first whose first is too late */
    uint32_t nd = q->nd[f];
    /* bases are about a day apart: start a day before the first that may do */
    int32_t lowest = bases[q->back ? nd - 1 : 0];
    int64_t skip = ((int64_t)r - col[k - 1] - lowest) / 86400 - 1;
    uint32_t jj0 = skip <= 0 ? 0 : skip >= nd ? nd : (uint32_t)skip;
    for (uint32_t jj = jj0; jj < nd; jj++) {
        uint32_t j = q->back ? nd - 1 - jj : jj;
        int32_t b = bases[j];
        if (b + col[k - 1] < r || !(on >> j & 1))
            continue;
        if (b + col[0] >= before)
            break;
        int32_t want = r - b;
        uint32_t lo = 0, hi = k;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (col[mid] < want)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (uint32_t i = lo; i < k && b + col[i] < before; i++) {
            const plan_ptrip *t = &q->d->ptrip[pt->trip0 + i];
            if (!runs(q, f, j, t->service))
                continue;
            if (q->n_ban && !q->back && banned(q, pt, i, j, pos))
                continue;
            if (fr && forbidden(q, fr, q->pl->feed_trip0[f] + t->trip, q->d->pstop[pt->stop0 + pos],
                                b + col[i]))
                continue;
            before = b + col[i];
            *slot = i;
            *day = j;
            *base = b;
            found = 1;
            break;
        }
    }
    return found;
}

/* Notes that a label of stop s changed in round k (for the next round's copy). */
static void touch(lx_plan_query *q, uint32_t k, uint32_t s)
{
    if (q->touched[s] == (uint8_t)(k + 1))
        return;
    q->touched[s] = (uint8_t)(k + 1);
    q->tl[k & 1][q->n_tl[k & 1]++] = s;
}

/* Notes that a src label of stop s changed in round k (for the transfers). */
static inline void src_touch(lx_plan_query *q, uint32_t k, uint32_t s)
{
    touch(q, k, s);
    if (!q->srcmark[s]) {
        q->srcmark[s] = 1;
        q->src_list[q->n_src++] = s;
    }
}

static void alight(lx_plan_query *q, uint32_t k, uint32_t s, int32_t a, uint8_t flags,
                   const plan_rec *rec)
{
    int32_t lb = q->lb[s];
    if (a > q->limit - lb || a >= q->tgt[k] - lb || k >= q->kcap[s])
        return;
    size_t ks = (size_t)k * q->N + s;
    if (a < q->arr[ks]) {
        q->arr[ks] = a;
        q->arr_rec[ks] = *rec;
        q->arr_rec[ks].round = (uint8_t)k;
        touch(q, k, s);
        if (q->is_target[s]) {
            q->tgt[k] = a;
            q->tgt_hit[k] = s;
        }
    }
    int32_t r = (flags & PF_BORDER_IN) ? a + q->pl->border[s] : a;
    if (r >= q->tgt[k] - lb)
        return;
    if (r < q->src[ks]) {
        q->src[ks] = r;
        q->src_rec[ks] = *rec;
        q->src_rec[ks].round = (uint8_t)k;
        src_touch(q, k, s);
    }
    /* and the best arrival of a leg that forbids no change here (relax()) */
    if (q->src_free && r < q->src_free[ks] && !restricted(q, rec, s)) {
        q->src_free[ks] = r;
        q->src_free_rec[ks] = *rec;
        q->src_free_rec[ks].round = (uint8_t)k;
        src_touch(q, k, s);
    }
}

static uint32_t pool_put(lx_plan_query *q, const plan_rec *rec)
{
    if (!grow((void **)&q->pool, &q->cap_pool, q->n_pool + 1, sizeof *q->pool)) {
        q->nomem = 1;
        return LX_NONE;
    }
    q->pool[q->n_pool] = *rec;
    return q->n_pool++;
}

/* Trip-to-trip rules of the trip being ridden, where it calls at s at time a. */
static void trip_rules(lx_plan_query *q, uint32_t k, uint32_t gtrip, uint32_t s, int32_t a,
                       int can_alight, const plan_rec *rec)
{
    const plan_dir *d = q->d;
    if (a > q->limit || a >= q->tgt[k] || q->lb[s] == INF)
        return;
    for (uint32_t i = d->rule_first[gtrip]; i < d->rule_first[gtrip + 1]; i++) {
        const plan_rule *r = &d->rule[i];
        if (r->at_stop != s || r->type == RULE_FORBIDDEN)
            continue;
        if (r->type == RULE_GUARANTEED && (!can_alight || k + 1 > q->kmax))
            continue;
        uint32_t prev = pool_put(q, rec);
        if (prev == LX_NONE || !grow((void **)&q->ts, &q->cap_ts, q->n_ts + 1, sizeof *q->ts)) {
            q->nomem = 1;
            return;
        }
        int in_seat = r->type == RULE_IN_SEAT;
        q->ts[q->n_ts++] = (plan_tscan){r->to_gtrip,
                                        r->to_stop,
                                        a + (in_seat ? 0 : r->seconds),
                                        prev,
                                        in_seat ? k : k + 1,
                                        r->seconds,
                                        (uint8_t)(in_seat ? KIND_IN_SEAT : KIND_GUARANTEED)};
    }
}

static int has_rules(const lx_plan_query *q, uint32_t gtrip)
{
    return q->d->n_rule && q->d->rule_first[gtrip] != q->d->rule_first[gtrip + 1];
}

/* Whether a run of the pattern earlier than (cur, day) leaves position pos at or
 * after r: the run just before on that day, or the last run of the day before (in
 * base order), since both columns are sorted. Saves most boarding searches. */
static int earlier_exists(const lx_plan_query *q, const plan_pattern *pt, uint32_t pos,
                          uint32_t cur, uint32_t day, int32_t r)
{
    const lx_time_t *col = pat_dep(q->d, pt) + (size_t)pos * pt->n_trips;
    const int32_t *bases = q->base + pt->feed * MAXD;
    if (cur > 0 && bases[day] + col[cur - 1] >= r)
        return 1;
    uint32_t nd = q->nd[pt->feed];
    if (q->back ? day + 1 >= nd : day == 0)
        return 0;
    uint32_t prev = q->back ? day + 1 : day - 1;
    return bases[prev] + col[pt->n_trips - 1] >= r;
}

static void scan_pattern(lx_plan_query *q, uint32_t p, uint32_t from, uint32_t to, uint32_t k)
{
    const plan_dir *d = q->d;
    const plan_pattern *pt = &d->pat[p];
    const uint32_t *sf = pat_sf(d, pt);
    const lx_time_t *ta = pat_arr(d, pt), *td = pat_dep(d, pt);
    const int32_t *rd = q->ready + (size_t)(k - 1) * q->N;
    uint32_t nt = pt->n_trips, cur = LX_NONE, day = 0, board = 0, gtrip = LX_NONE;
    int32_t base = 0;
    int rules = 0, norules = !d->n_rule;
    uint8_t bkind = KIND_READY; /* the ready label the ridden trip was boarded from */
    for (uint32_t pos = from; pos < pt->n_stops; pos++) {
        uint32_t s = sf[pos] & PSTOP_MASK;
        uint8_t flags = (uint8_t)(sf[pos] >> PSTOP_BITS);
        if (cur == LX_NONE) {
            /* nothing ridden yet: only a marked stop can be boarded (see above) */
            if (pos > to)
                break;
            if (q->mk[s] != q->stamp)
                continue;
        } else {
            int32_t a = base + ta[(size_t)pos * nt + cur];
            /* times grow along a trip: past the last marked stop, once the trip
             * arrives too late for any label, nothing further can change */
            if (norules && pos > to && (a >= q->tgt[k] || a > q->limit))
                break;
            plan_rec rec = {.pat = p,
                            .slot = cur,
                            .board = (uint16_t)board,
                            .alight = (uint16_t)pos,
                            .day = (uint8_t)day,
                            .kind = bkind,
                            .round = (uint8_t)k,
                            .prev = LX_NONE};
            size_t ks = (size_t)k * q->N + s;
            if ((flags & PF_ALIGHT) &&
                (a < q->arr[ks] || a < q->src[ks] || (q->src_free && a < q->src_free[ks])) &&
                !(q->n_ban && q->back && banned(q, pt, cur, day, pos)))
                alight(q, k, s, a, flags, &rec);
            if (rules)
                trip_rules(q, k, gtrip, s, a, flags & PF_ALIGHT, &rec);
        }
        if ((flags & PF_BOARD) && rd[s] != INF && (!norules || q->mk[s] == q->stamp)) {
            int32_t r = rd[s];
            if (k > 1 && (flags & PF_BORDER_OUT))
                r += q->pl->border[s];
            /* a trip leaving too late to beat the best arrival at a destination (by
             * the lower bound from here) is of no use */
            int32_t before =
                cur == LX_NONE ? q->tgt[k] - q->lb[s] : base + td[(size_t)pos * nt + cur];
            if (r >= before)
                continue;
            if (cur != LX_NONE && !earlier_exists(q, pt, pos, cur, day, r))
                continue;
            plan_from fr, *frp = NULL;
            const plan_rec *lab = NULL;
            if (q->pl->has_forbidden && k > 1) {
                lab = &q->ready_rec[(size_t)(k - 1) * q->N + s];
                if (lab->kind != KIND_ORIGIN) {
                    fr = (plan_from){rec_gtrip(q, lab), q->ready_from[(size_t)(k - 1) * q->N + s],
                                     rec_arr(q, lab)};
                    frp = &fr;
                }
            }
            uint32_t sl, dy;
            int32_t b;
            int got = board_search(q, p, pos, r, before, frp, &sl, &dy, &b);
            uint8_t kind = KIND_READY;
            if (frp && restricted(q, lab, fr.stop)) {
                /* the label's leg forbids some change here: a later label of a leg
                 * that forbids nothing may board an earlier trip of this pattern */
                int32_t r2 = q->ready_free[(size_t)(k - 1) * q->N + s];
                int32_t b4 = got ? b + td[(size_t)pos * nt + sl] : before;
                uint32_t sl2, dy2;
                int32_t bb2;
                if (r2 != INF && (flags & PF_BORDER_OUT))
                    r2 += q->pl->border[s];
                if (r2 != INF && r2 < b4 &&
                    board_search(q, p, pos, r2, b4, NULL, &sl2, &dy2, &bb2)) {
                    sl = sl2, dy = dy2, b = bb2, got = 1;
                    kind = KIND_READY_FREE;
                }
            }
            if (got) {
                bkind = kind;
                cur = sl;
                day = dy;
                base = b;
                board = pos;
                gtrip = q->pl->feed_trip0[pt->feed] + d->ptrip[pt->trip0 + cur].trip;
                rules = has_rules(q, gtrip);
            }
        }
    }
}

/* Rides the trip a rule names, from the rule's stop. */
static void scan_trip(lx_plan_query *q, uint32_t k, const plan_tscan *e)
{
    const plan_dir *d = q->d;
    uint32_t p = d->gtrip_pat[e->gtrip], slot = d->gtrip_slot[e->gtrip];
    if (p == LX_NONE)
        return;
    const plan_pattern *pt = &d->pat[p];
    const uint32_t *stops = d->pstop + pt->stop0;
    const uint8_t *fl = d->pflag + pt->stop0;
    uint32_t nt = pt->n_trips, pos = 0;
    while (pos + 1 < pt->n_stops && stops[pos] != e->stop)
        pos++;
    if (pos + 1 >= pt->n_stops)
        return;
    if (e->kind == KIND_GUARANTEED && !(fl[pos] & PF_BOARD))
        return;
    const plan_ptrip *t = &d->ptrip[pt->trip0 + slot];
    lx_time_t dep = pat_dep(d, pt)[(size_t)pos * nt + slot];
    int32_t base = 0;
    uint32_t day = LX_NONE;
    for (uint32_t j = 0; j < q->nd[pt->feed]; j++) {
        int32_t b = q->base[pt->feed * MAXD + j];
        if (b + dep >= e->time && runs(q, pt->feed, j, t->service) &&
            (day == LX_NONE || b < base) &&
            !(q->n_ban && !q->back && e->kind == KIND_GUARANTEED && banned(q, pt, slot, j, pos))) {
            base = b;
            day = j;
        }
    }
    if (day == LX_NONE)
        return;
    uint32_t gtrip = e->gtrip;
    int rules = has_rules(q, gtrip);
    for (uint32_t i = pos + 1; i < pt->n_stops; i++) {
        int32_t a = base + pat_arr(d, pt)[(size_t)i * nt + slot];
        plan_rec rec = {.pat = p,
                        .slot = slot,
                        .board = (uint16_t)pos,
                        .alight = (uint16_t)i,
                        .day = (uint8_t)day,
                        .kind = e->kind,
                        .round = (uint8_t)k,
                        .prev = e->prev,
                        .rule_sec = e->sec};
        if ((fl[i] & PF_ALIGHT) && !(q->n_ban && q->back && banned(q, pt, slot, day, i)))
            alight(q, k, stops[i], a, fl[i], &rec);
        if (rules)
            trip_rules(q, k, gtrip, stops[i], a, fl[i] & PF_ALIGHT, &rec);
    }
}

static void relax(lx_plan_query *q, uint32_t k, uint32_t from, uint32_t to, int32_t v,
                  const plan_rec *rec)
{
    size_t kt = (size_t)k * q->N + to;
    int32_t lb = q->lb[to];
    int better = v < q->ready[kt];
    /* a ready label is for boarding in round k + 1 */
    if ((!better && !q->ready_free) || v >= q->tgt[k] - lb || v > q->limit - lb ||
        k >= q->kcap[to] || k >= q->kmax)
        return;
    /* a label whose leg forbids some change may not board every trip a later label
     * could: the best label of a leg that forbids nothing is kept too */
    int free_better = q->ready_free && v < q->ready_free[kt] && !restricted(q, rec, from);
    if (free_better) {
        q->ready_free[kt] = v;
        q->ready_free_from[kt] = from;
        q->ready_free_rec[kt] = *rec;
    }
    if (better) {
        q->ready[kt] = v;
        q->ready_from[kt] = from;
        q->ready_rec[kt] = *rec;
    } else if (!free_better) {
        return;
    }
    touch(q, k, to);
    if (!q->mark[to]) {
        q->mark[to] = 1;
        q->mark_list[q->n_mark++] = to;
    }
}

static void transfers(lx_plan_query *q, uint32_t k)
{
    const plan_dir *d = q->d;
    for (uint32_t i = 0; i < q->n_src; i++) {
        uint32_t s = q->src_list[i];
        q->srcmark[s] = 0;
        int32_t r = q->src[(size_t)k * q->N + s];
        const plan_rec *rec = &q->src_rec[(size_t)k * q->N + s];
        int32_t c = q->pl->change[s];
        /* the label, then (with forbidden changes) the free label when it is another */
        for (int pass = 0; pass < 2; pass++) {
            if (pass) {
                if (!q->src_free || q->src_free[(size_t)k * q->N + s] == INF)
                    break;
                r = q->src_free[(size_t)k * q->N + s];
                rec = &q->src_free_rec[(size_t)k * q->N + s];
            }
            if (c >= 0)
                relax(q, k, s, s, r + c, rec);
            for (uint32_t j = d->fp_first[s]; j < d->fp_first[s + 1]; j++)
                relax(q, k, s, d->fp_to[j], r + d->fp_sec[j], rec);
        }
    }
    q->n_src = 0;
}

/* Clears the labels of the rounds a search uses. */
static void clear_labels(lx_plan_query *q)
{
    size_t n = (size_t)(q->kmax + 1) * q->N;
    memset(q->arr, 0x7f, n * sizeof *q->arr);
    memset(q->src, 0x7f, n * sizeof *q->src);
    memset(q->ready, 0x7f, n * sizeof *q->ready);
    if (q->ready_free) {
        memset(q->ready_free, 0x7f, n * sizeof *q->ready_free);
        memset(q->src_free, 0x7f, n * sizeof *q->src_free);
    }
    for (uint32_t k = 0; k < ROUNDS; k++)
        q->tgt[k] = INF;
    q->n_ts = 0;
    q->n_pool = 0;
}

/* Round k starts from the labels of round k-1 where those are better: a label of
 * round k means "with at most k trips". Only stops whose labels changed in round
 * k-1 are looked at. */
static void propagate(lx_plan_query *q, uint32_t k)
{
    uint32_t N = q->N, *list = q->tl[(k - 1) & 1], n = q->n_tl[(k - 1) & 1];
    q->n_tl[k & 1] = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = list[i];
        size_t p = (size_t)(k - 1) * N + s, c = (size_t)k * N + s;
        int ch = 0;
        if (q->arr[p] < q->arr[c]) {
            q->arr[c] = q->arr[p];
            q->arr_rec[c] = q->arr_rec[p];
            ch = 1;
        }
        if (q->src[p] < q->src[c]) {
            q->src[c] = q->src[p];
            q->src_rec[c] = q->src_rec[p];
            ch = 1;
        }
        if (q->ready[p] < q->ready[c]) {
            q->ready[c] = q->ready[p];
            q->ready_from[c] = q->ready_from[p];
            q->ready_rec[c] = q->ready_rec[p];
            ch = 1;
        }
        if (q->src_free && q->src_free[p] < q->src_free[c]) {
            q->src_free[c] = q->src_free[p];
            q->src_free_rec[c] = q->src_free_rec[p];
            ch = 1;
        }
        if (q->ready_free && q->ready_free[p] < q->ready_free[c]) {
            q->ready_free[c] = q->ready_free[p];
            q->ready_free_from[c] = q->ready_free_from[p];
            q->ready_free_rec[c] = q->ready_free_rec[p];
            ch = 1;
        }
        if (ch)
            touch(q, k, s);
    }
    if (q->tgt[k - 1] < q->tgt[k])
        q->tgt[k] = q->tgt[k - 1];
}

/* Queues pattern p for this round's scans from position pos (widening its span).
 * Without branches on the span: which patterns are new is not predictable, and
 * pat_list has room for one more than all patterns. */
static inline void enqueue_if(lx_plan_query *q, uint32_t p, uint32_t pos, uint32_t keep)
{
    uint32_t e = q->pat_span[p], fresh = e == LX_NONE;
    uint32_t lo = e & 0xffff, hi = fresh ? 0 : e >> 16;
    lo = pos < lo ? pos : lo;
    hi = pos > hi ? pos : hi;
    q->pat_list[q->n_patq] = p;
    q->n_patq += fresh & keep;
    q->pat_span[p] = keep ? lo | hi << 16 : e;
}
static inline void enqueue(lx_plan_query *q, uint32_t p, uint32_t pos)
{
    enqueue_if(q, p, pos, 1);
}

/* One run of the rounds from the origins at relative time t0. */
static void run_rounds(lx_plan_query *q, int32_t t0)
{
    const plan_dir *d = q->d;
    for (uint32_t k = 0; k < ROUNDS; k++)
        q->tgt_hit[k] = LX_NONE;
    q->n_mark = 0;
    q->n_ts = 0;
    q->n_tl[0] = q->n_tl[1] = 0;
    memset(q->touched, 0, q->N);
    plan_rec origin = {.kind = KIND_ORIGIN, .prev = LX_NONE};
    for (uint32_t i = 0; i < q->n_origins; i++) {
        uint32_t o = q->origins[i];
        relax(q, 0, o, o, t0, &origin);
        for (uint32_t j = d->fp_first[o]; j < d->fp_first[o + 1]; j++)
            relax(q, 0, o, d->fp_to[j], t0 + d->fp_sec[j], &origin);
    }
    for (uint32_t k = 1; k <= q->kmax; k++) {
        propagate(q, k);
        /* queue the patterns through marked stops, from the earliest marked position */
        q->n_patq = 0;
        if (++q->stamp == 0) {
            memset(q->mk, 0, (size_t)q->N * sizeof *q->mk);
            q->stamp = 1;
        }
        const int32_t *rd = q->ready + (size_t)(k - 1) * q->N;
        int64_t cap = q->tgt[k] < (int64_t)q->limit + 1 ? q->tgt[k] : (int64_t)q->limit + 1;
        for (uint32_t i = 0; i < q->n_mark; i++) {
            uint32_t s = q->mark_list[i];
            q->mark[s] = 0;
            q->mk[s] = q->stamp;
            /* the window [r, B) a run must leave s in to be of any use (see
             * scan_pattern and alight: a run leaving at or after B arrives everywhere
             * too late by the lower bound); when it spans at most two service days,
             * each pair is checked against them here, before its pattern is read */
            int32_t r = rd[s];
            int64_t B = cap - q->lb[s];
            uint32_t dl[2], ndl = 3;
            const int32_t *bases = NULL;
            if (!d->n_rule && B - r < 2 * 86400) {
                if (B <= r)
                    continue; /* nothing can be boarded here */
                uint32_t f = q->pl->stop_feed[s], nd = q->nd[f];
                bases = q->base + f * MAXD;
                ndl = 0;
                for (uint32_t j = 0; j < nd && ndl < 3; j++)
                    if ((int64_t)bases[j] + d->dep_max >= r && (int64_t)bases[j] + d->dep_min < B) {
                        if (ndl < 2)
                            dl[ndl] = j;
                        ndl++;
                    }
                if (!ndl)
                    continue;
            }
            if (ndl > 2) {
                for (uint32_t j = d->sp_first[s]; j < d->sp_first[s + 1]; j++) {
                    uint32_t g = d->sp_svc[j];
                    if (g == LX_NONE || q->svc_days[g])
                        enqueue(q, d->sp_pat[j], d->sp_pos[j]);
                }
                continue;
            }
            /* pairs with several departure times: each checked */
            uint32_t n0 = q->n_patq, j1 = d->sp_one[s], jn = d->sp_first[s + 1];
            for (uint32_t x = d->sp_first[s]; x < j1; x++) {
                const plan_spix *e = &d->sp_ix[x];
                uint32_t on = q->svc_days[e->svc];
                if (!on)
                    continue; /* runs on none of the search's days */
                int32_t f0 = e->dep, f1 = e->dep1;
                int ok = 0;
                for (uint32_t y = 0; y < ndl && !ok; y++) {
                    int64_t b = bases[dl[y]];
                    ok = (on >> dl[y] & 1) && b + f1 >= r && b + f0 < B;
                }
                if (ok)
                    enqueue(q, e->pat, e->pos);
            }
            /* pairs with one departure time, sorted by it: per day, those leaving in
             * [r, B) by binary search (a pair in both days' windows is queued twice,
             * which changes nothing) */
            for (uint32_t y = 0; y < ndl; y++) {
                int64_t b = bases[dl[y]], lo_t = r - b, hi_t = B - b;
                uint32_t lo = j1, hi = jn;
                while (lo < hi) {
                    uint32_t mid = (lo + hi) / 2;
                    if (d->sp_ix[mid].dep < lo_t)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                for (uint32_t x = lo; x < jn && d->sp_ix[x].dep < hi_t; x++) {
                    const plan_spix *e = &d->sp_ix[x];
                    enqueue_if(q, e->pat, e->pos, q->svc_days[e->svc] >> dl[y] & 1);
                }
            }
            /* the patterns first queued here in pattern order, as the unindexed pass
             * queues them: the scan order, and so every label, stays the same */
            for (uint32_t a = n0 + 1; a < q->n_patq; a++) {
                uint32_t v = q->pat_list[a], c = a;
                for (; c > n0 && q->pat_list[c - 1] > v; c--)
                    q->pat_list[c] = q->pat_list[c - 1];
                q->pat_list[c] = v;
            }
        }
        q->n_mark = 0;
        /* guaranteed changes owed to this round */
        for (uint32_t i = 0; i < q->n_ts; i++)
            if (q->ts[i].round == k && q->ts[i].kind == KIND_GUARANTEED) {
                plan_tscan e = q->ts[i];
                scan_trip(q, k, &e);
            }
        for (uint32_t i = 0; i < q->n_patq; i++) {
            /* the patterns to scan are known: fetch the next ones' memory meanwhile
             * (a scan is short; waiting for its first cache line is most of it) */
            if (i + 8 < q->n_patq)
                __builtin_prefetch(&d->pat[q->pat_list[i + 8]]);
            if (i + 4 < q->n_patq) {
                const plan_pattern *np = &d->pat[q->pat_list[i + 4]];
                uint32_t nf = q->pat_span[q->pat_list[i + 4]] & 0xffff;
                __builtin_prefetch(d->blk + np->time0 + nf);
                __builtin_prefetch(pat_dep(d, np) + (size_t)nf * np->n_trips);
                __builtin_prefetch(d->ptrip + np->trip0);
            }
            uint32_t p = q->pat_list[i], e = q->pat_span[p];
            q->pat_span[p] = LX_NONE;
            scan_pattern(q, p, e & 0xffff, e >> 16, k);
        }
        /* in-seat continuations, which may chain */
        for (uint32_t i = 0; i < q->n_ts; i++)
            if (q->ts[i].round == k && q->ts[i].kind == KIND_IN_SEAT) {
                plan_tscan e = q->ts[i];
                scan_trip(q, k, &e);
            }
        uint32_t m = 0;
        for (uint32_t i = 0; i < q->n_ts; i++)
            if (q->ts[i].round > k)
                q->ts[m++] = q->ts[i];
        q->n_ts = m;
        transfers(q, k);
    }
    for (uint32_t i = 0; i < q->n_mark; i++)
        q->mark[q->mark_list[i]] = 0;
    q->n_mark = 0;
    for (uint32_t i = 0; i < q->n_src; i++)
        q->srcmark[q->src_list[i]] = 0;
    q->n_src = 0;
}

/* ---- journeys ---- */

static lx_net_leg make_leg(const lx_plan_query *q, const plan_rec *r)
{
    const plan_pattern *pt = &q->d->pat[r->pat];
    const plan_ptrip *t = &q->d->ptrip[pt->trip0 + r->slot];
    const lx_tt *tt = lx_net_feed(q->pl->net, pt->feed);
    uint32_t a = st_index(q, pt, t->trip, r->board), b = st_index(q, pt, t->trip, r->alight);
    if (q->back) {
        uint32_t x = a;
        a = b;
        b = x;
    }
    lx_net_leg l = {pt->feed, {t->trip, q->day0[pt->feed] + r->day, t->offset, a, b, 0, 0}};
    l.leg.departure = lx_tt_st_instant(tt, &l.leg, a, 1);
    l.leg.arrival = lx_tt_st_instant(tt, &l.leg, b, 0);
    return l;
}

static lx_place place_of(const lx_plan *pl, uint32_t g)
{
    uint32_t f = pl->stop_feed[g];
    return (lx_place){f, g - pl->feed_stop0[f]};
}

static uint32_t rec_stop(const lx_plan_query *q, const plan_rec *r, int alight_end)
{
    const plan_pattern *pt = &q->d->pat[r->pat];
    return q->d->pstop[pt->stop0 + (alight_end ? r->alight : r->board)];
}

static uint8_t rec_flag(const lx_plan_query *q, const plan_rec *r, int alight_end)
{
    const plan_pattern *pt = &q->d->pat[r->pat];
    return q->d->pflag[pt->stop0 + (alight_end ? r->alight : r->board)];
}

static int grow_legs(lx_plan_query *q, uint32_t need)
{
    if (need <= q->cap_legs)
        return 1;
    uint32_t cap = q->cap_legs ? q->cap_legs * 2 : 64;
    while (cap < need)
        cap *= 2;
    lx_net_leg *l = realloc(q->legs, (size_t)cap * sizeof *l);
    if (!l)
        return 0;
    q->legs = l;
    lx_plan_transfer *t = realloc(q->tf, (size_t)cap * sizeof *t);
    if (!t)
        return 0;
    q->tf = t;
    q->cap_legs = cap;
    return 1;
}

/* Rebuilds the journey ending (in the search's direction) at stop t in round k. */
static void reconstruct(lx_plan_query *q, uint32_t k, uint32_t t)
{
    const lx_plan *pl = q->pl;
    uint32_t N = q->N, first = q->n_legs, in_seat = 0;
    plan_rec r = q->arr_rec[(size_t)k * N + t];
    for (uint32_t guard = 0; guard < 4 * ROUNDS; guard++) {
        if (!grow_legs(q, q->n_legs + 1)) {
            q->nomem = 1;
            return;
        }
        q->legs[q->n_legs] = make_leg(q, &r);
        lx_plan_transfer *tf = &q->tf[q->n_legs];
        memset(tf, 0, sizeof *tf);
        q->n_legs++;
        uint32_t bstop = rec_stop(q, &r, 0);
        plan_rec prev;
        if (r.kind == KIND_IN_SEAT || r.kind == KIND_GUARANTEED) {
            prev = q->pool[r.prev];
            tf->in_seat = r.kind == KIND_IN_SEAT;
            tf->min_seconds = r.kind == KIND_IN_SEAT ? 0 : r.rule_sec;
            in_seat += tf->in_seat;
        } else {
            size_t at = (size_t)(r.round - 1) * N + bstop;
            int fr = r.kind == KIND_READY_FREE; /* boarded from the free label */
            prev = fr ? q->ready_free_rec[at] : q->ready_rec[at];
            if (prev.kind == KIND_ORIGIN)
                break;
            int out = (rec_flag(q, &r, 0) & PF_BORDER_OUT) != 0;
            int in = (rec_flag(q, &prev, 1) & PF_BORDER_IN) != 0;
            tf->min_seconds = (fr ? q->ready_free[at] : q->ready[at]) - rec_arr(q, &prev) +
                              (out ? pl->border[bstop] : 0);
            tf->border = (uint8_t)(in || out);
        }
        uint32_t pstop = rec_stop(q, &prev, 1);
        tf->from = place_of(pl, q->back ? bstop : pstop);
        tf->to = place_of(pl, q->back ? pstop : bstop);
        r = prev;
    }
    uint32_t n = q->n_legs - first;
    if (!q->back) { /* the chain was walked from the end: put it in travel order */
        for (uint32_t i = 0; i < n / 2; i++) {
            lx_net_leg x = q->legs[first + i];
            q->legs[first + i] = q->legs[first + n - 1 - i];
            q->legs[first + n - 1 - i] = x;
        }
        for (uint32_t i = 0; i + 1 < n && i < (n - 1) / 2; i++) {
            lx_plan_transfer x = q->tf[first + i];
            q->tf[first + i] = q->tf[first + n - 2 - i];
            q->tf[first + n - 2 - i] = x;
        }
    }
    if (!grow((void **)&q->jr, &q->cap_jr, q->n_jr + 1, sizeof *q->jr)) {
        q->nomem = 1;
        return;
    }
    q->jr[q->n_jr++] = (plan_jr){q->legs[first].leg.departure,
                                 q->legs[first + n - 1].leg.arrival,
                                 first,
                                 n,
                                 n - 1 - in_seat,
                                 0};
}

static void collect(lx_plan_query *q)
{
    for (uint32_t k = 1; k <= q->kmax; k++)
        if (q->tgt_hit[k] != LX_NONE)
            reconstruct(q, k, q->tgt_hit[k]);
}

/* ---- search ---- */

static int int_desc(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x > y ? -1 : x < y;
}

/* Departures from the origins (walks included) within [0, window], as times of
 * leaving the origin, latest first, each once. */
static void range_departures(lx_plan_query *q, int32_t window)
{
    const plan_dir *d = q->d;
    q->n_deps = 0;
    for (uint32_t i = 0; i < q->n_origins; i++) {
        uint32_t o = q->origins[i];
        for (uint32_t w_i = d->fp_first[o]; w_i <= d->fp_first[o + 1]; w_i++) {
            uint32_t s = w_i == d->fp_first[o + 1] ? o : d->fp_to[w_i];
            int32_t w = w_i == d->fp_first[o + 1] ? 0 : d->fp_sec[w_i];
            for (uint32_t j = d->sp_first[s]; j < d->sp_first[s + 1]; j++) {
                const plan_pattern *pt = &d->pat[d->sp_pat[j]];
                uint32_t pos = d->sp_pos[j], k = pt->n_trips;
                if (!(d->pflag[pt->stop0 + pos] & PF_BOARD))
                    continue;
                const lx_time_t *col = pat_dep(d, pt) + (size_t)pos * k;
                for (uint32_t dy = 0; dy < q->nd[pt->feed]; dy++) {
                    int32_t b = q->base[pt->feed * MAXD + dy];
                    for (uint32_t t = 0; t < k; t++) {
                        int32_t dep = b + col[t] - w;
                        if (dep < 0 || dep > window ||
                            !runs(q, pt->feed, dy, d->ptrip[pt->trip0 + t].service))
                            continue;
                        if (!grow((void **)&q->deps, &q->cap_deps, q->n_deps + 1,
                                  sizeof *q->deps)) {
                            q->nomem = 1;
                            return;
                        }
                        q->deps[q->n_deps++] = dep;
                    }
                }
            }
        }
    }
    if (!q->n_deps)
        return;
    qsort(q->deps, q->n_deps, sizeof *q->deps, int_desc);
    uint32_t m = 1;
    for (uint32_t i = 1; i < q->n_deps; i++)
        if (q->deps[i] != q->deps[m - 1])
            q->deps[m++] = q->deps[i];
    q->n_deps = m;
}

static void run_pass(lx_plan_query *q, const lx_plan_request *req, int32_t dur)
{
    const lx_plan *pl = q->pl;
    q->n_jr = 0;
    q->n_legs = 0;
    q->back = req->arrive_by != 0;
    q->d = &pl->dir[q->back];
    q->E = req->time;
    q->limit = dur + (req->window_seconds > 0 ? req->window_seconds : 0);
    if (q->back)
        setup_days(q, q->E - q->limit, q->E);
    else
        setup_days(q, q->E, q->E + q->limit);
    clear_labels(q);
    for (uint32_t i = 0; i < q->n_targets; i++)
        q->is_target[q->targets[i]] = 1;
    if (req->window_seconds > 0) {
        range_departures(q, req->window_seconds);
        for (uint32_t i = 0; i < q->n_deps && !q->nomem; i++) {
            run_rounds(q, q->deps[i]);
            collect(q);
        }
    } else {
        run_rounds(q, 0);
        collect(q);
    }
    for (uint32_t i = 0; i < q->n_targets; i++)
        q->is_target[q->targets[i]] = 0;
}

/* ---- lower bounds ---- */

static void heap_push(lx_plan_query *q, uint32_t *n, int32_t d, uint32_t s)
{
    uint32_t i = (*n)++;
    while (i) {
        uint32_t up = (i - 1) / 2;
        if (q->heap[up].d <= d)
            break;
        q->heap[i] = q->heap[up];
        i = up;
    }
    q->heap[i] = (struct heap_item){d, s};
}

static struct heap_item heap_pop(lx_plan_query *q, uint32_t *n)
{
    struct heap_item top = q->heap[0], last = q->heap[--*n];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && q->heap[c + 1].d < q->heap[c].d)
            c++;
        if (q->heap[c].d >= last.d)
            break;
        q->heap[i] = q->heap[c];
        i = c;
    }
    if (*n)
        q->heap[i] = last;
    return top;
}

/* lb[s]: the least time from stop s to a target by the stop graph (trips at their
 * fastest, no waiting, no change time): Dijkstra from the targets over the reversed
 * edges, up to `horizon`; INF beyond. A label at s at time v can lead to nothing
 * arriving before v + lb[s]: the rounds drop it when that is no better than the best
 * arrival so far, or beyond the horizon (the target pruning of RAPTOR, sharpened by
 * the bound, which costs one small Dijkstra per search: the stop graph has a few
 * edges per stop). Each stop is settled once: a pushed entry is skipped when stale. */
static void lower_bounds(lx_plan_query *q, int32_t horizon)
{
    const plan_dir *d = q->d;
    uint32_t n = 0;
    memset(q->lb, 0x7f, (size_t)q->N * sizeof *q->lb);
    for (uint32_t i = 0; i < q->n_targets; i++)
        if (q->lb[q->targets[i]] != 0) {
            q->lb[q->targets[i]] = 0;
            heap_push(q, &n, 0, q->targets[i]);
        }
    while (n) {
        struct heap_item h = heap_pop(q, &n);
        if (h.d > q->lb[h.s])
            continue;
        for (uint32_t i = d->lb_first[h.s]; i < d->lb_first[h.s + 1]; i++) {
            uint32_t u = d->lb_from[i];
            int32_t nd = h.d + d->lb_w[i];
            if (nd < q->lb[u] && nd <= horizon && n < q->cap_heap) {
                q->lb[u] = nd;
                heap_push(q, &n, nd, u);
            }
        }
    }
}

/* kcap[s] (struct lx_plan_query) from the fewest line hops between the places of s
 * and of a destination (plan_int.h): a breadth-first search over places and lines,
 * up to kmax hops. Each line is expanded once. */
static void trip_bounds(lx_plan_query *q)
{
    const lx_plan *pl = q->pl;
    uint32_t kmax = q->kmax, head = 0, tail = 0;
    if (!pl->n_lines) {
        memset(q->kcap, (int)kmax + 1, q->N);
        return;
    }
    memset(q->pdist, 0xff, pl->n_places);
    memset(q->line_seen, 0, pl->n_lines);
    for (uint32_t i = 0; i < q->n_targets; i++) {
        uint32_t x = pl->place[q->targets[i]];
        if (q->pdist[x] == 0xff) {
            q->pdist[x] = 0;
            q->bfs[tail++] = x;
        }
    }
    while (head < tail) {
        uint32_t x = q->bfs[head++];
        uint8_t next = (uint8_t)(q->pdist[x] + 1);
        if (next > kmax)
            break; /* every place left is as far: the rest stay unreached */
        for (uint32_t i = pl->place_first[x]; i < pl->place_first[x + 1]; i++) {
            uint32_t l = pl->place_line[i];
            if (q->line_seen[l])
                continue;
            q->line_seen[l] = 1;
            for (uint32_t j = pl->line_first[l]; j < pl->line_first[l + 1]; j++) {
                uint32_t y = pl->line_place[j];
                if (q->pdist[y] == 0xff) {
                    q->pdist[y] = next;
                    q->bfs[tail++] = y;
                }
            }
        }
    }
    for (uint32_t s = 0; s < q->N; s++) {
        uint32_t m = q->pdist[pl->place[s]];
        q->kcap[s] = (uint8_t)(m <= kmax ? kmax + 1 - m : 0);
    }
}

/* How long a journey takes, as the search sees it: from the asked instant (or to it,
 * arrive-by), from its own departure in a range search. */
static int64_t jr_duration(const lx_plan_request *req, const plan_jr *j)
{
    if (req->arrive_by)
        return req->time - j->departure;
    return j->arrival - (req->window_seconds > 0 ? j->departure : req->time);
}

/* The searches of one request: lower bounds, the rounds, and a last filter. Journeys
 * taking longer than max(2 x the fastest, the fastest + opts.slack_seconds) are not
 * answered: nobody wants a direct train that arrives a day after the one with a
 * change. (Searching with a short horizon first, then a longer one only when the
 * fastest journey asks for it, was tried: with the lower bounds pruning the rounds,
 * one pass over the whole horizon costs less than two, docs/PERFORMANCE.md.) */
static void run_search(lx_plan_query *q, const lx_plan_request *req)
{
    int32_t full = q->pl->opts.max_duration_seconds, slack = q->pl->opts.slack_seconds;
    q->n_jr = 0;
    q->n_legs = 0;
    q->back = req->arrive_by != 0;
    q->d = &q->pl->dir[q->back];
    lower_bounds(q, full + (req->window_seconds > 0 ? req->window_seconds : 0));
    int32_t lb0 = INF;
    for (uint32_t i = 0; i < q->n_origins; i++)
        if (q->lb[q->origins[i]] < lb0)
            lb0 = q->lb[q->origins[i]];
    if (lb0 == INF)
        return; /* no target can be reached from the origins in time */
    trip_bounds(q);
    int near = 0;
    for (uint32_t i = 0; i < q->n_origins && !near; i++)
        near = q->kcap[q->origins[i]] != 0;
    if (!near)
        return; /* nor with kmax trips */
    run_pass(q, req, full);
    if (q->nomem)
        return;
    int64_t fastest = INT64_MAX;
    for (uint32_t i = 0; i < q->n_jr; i++) {
        int64_t d = jr_duration(req, &q->jr[i]);
        if (d < fastest)
            fastest = d;
    }
    int64_t bound = fastest > INT64_MAX / 4         ? 0
                    : fastest * 2 > fastest + slack ? fastest * 2
                                                    : fastest + slack;
    uint32_t m = 0;
    for (uint32_t i = 0; i < q->n_jr; i++)
        if (jr_duration(req, &q->jr[i]) <= bound)
            q->jr[m++] = q->jr[i];
    q->n_jr = m;
}

/* Expands places into global stops (a parent station into its platforms). */
static lx_err expand(lx_plan_query *q, const lx_place *pl_in, uint32_t n, int targets,
                     uint32_t *n_out)
{
    const lx_plan *pl = q->pl;
    *n_out = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (pl_in[i].feed >= pl->n_feeds)
            return LX_INVAL;
        const lx_tt *tt = lx_net_feed(pl->net, pl_in[i].feed);
        if (pl_in[i].station >= tt->n_stations)
            return LX_INVAL;
        uint32_t g = lx_tt_station_group(tt, pl_in[i].station, NULL, 0);
        if (*n_out + g > q->cap_places) {
            uint32_t cap = (*n_out + g) * 2 + 16;
            uint32_t *a = realloc(q->origins, cap * sizeof *a);
            if (!a)
                return LX_NOMEM;
            q->origins = a;
            uint32_t *b = realloc(q->targets, cap * sizeof *b);
            if (!b)
                return LX_NOMEM;
            q->targets = b;
            q->cap_places = cap;
        }
        uint32_t *arr = targets ? q->targets : q->origins;
        lx_tt_station_group(tt, pl_in[i].station, arr + *n_out, g);
        for (uint32_t j = 0; j < g; j++)
            arr[*n_out + j] += pl->feed_stop0[pl_in[i].feed];
        *n_out += g;
    }
    return LX_OK;
}

static int jr_cmp(const void *a, const void *b)
{
    const plan_jr *x = a, *y = b;
    if (x->departure != y->departure)
        return x->departure < y->departure ? -1 : 1;
    if (x->arrival != y->arrival)
        return x->arrival < y->arrival ? -1 : 1;
    return x->n_transfers < y->n_transfers ? -1 : x->n_transfers > y->n_transfers;
}

static int dominates(const plan_jr *a, const plan_jr *b)
{
    return a->departure >= b->departure && a->arrival <= b->arrival &&
           a->n_transfers <= b->n_transfers;
}

/* Calls leg_ok on every leg; bans the refused ones. Returns how many were refused. */
static uint32_t check_legs(lx_plan_query *q, const lx_plan_request *req)
{
    uint32_t refused = 0;
    for (uint32_t j = 0; j < q->n_jr; j++)
        for (uint32_t i = 0; i < q->jr[j].n_legs; i++) {
            const lx_net_leg *l = &q->legs[q->jr[j].leg0 + i];
            if (req->leg_ok(req->leg_arg, l))
                continue;
            q->jr[j].refused = 1;
            refused++;
            int known = 0;
            for (uint32_t b = 0; b < q->n_ban && !known; b++) {
                const plan_ban *x = &q->ban[b];
                known = x->feed == l->feed && x->trip == l->leg.trip &&
                        x->day == l->leg.service_day && x->offset == l->leg.offset &&
                        x->st == l->leg.from_pos;
            }
            if (known)
                continue;
            if (!grow((void **)&q->ban, &q->cap_ban, q->n_ban + 1, sizeof *q->ban)) {
                q->nomem = 1;
                return refused;
            }
            q->ban[q->n_ban++] = (plan_ban){l->feed, l->leg.trip, l->leg.from_pos,
                                            l->leg.service_day, l->leg.offset};
        }
    return refused;
}

lx_err lx_plan_search(lx_plan_query *q, const lx_plan_request *req, const lx_plan_journey **out,
                      uint32_t *n)
{
    *out = NULL;
    *n = 0;
    if (!req->n_from || !req->n_to || (req->arrive_by && req->window_seconds > 0) ||
        req->window_seconds < 0 || req->window_seconds > 86400)
        return LX_INVAL;
    lx_err e;
    if ((e = expand(q, req->arrive_by ? req->to : req->from,
                    req->arrive_by ? req->n_to : req->n_from, 0, &q->n_origins)) ||
        (e = expand(q, req->arrive_by ? req->from : req->to,
                    req->arrive_by ? req->n_from : req->n_to, 1, &q->n_targets)))
        return e;
    /* no origin in the same part of the network as a destination: no journey */
    int joined = 0;
    for (uint32_t i = 0; i < q->n_origins && !joined; i++)
        for (uint32_t k = 0; k < q->n_targets && !joined; k++)
            joined = q->pl->comp[q->origins[i]] == q->pl->comp[q->targets[k]];
    if (!joined) {
        *out = q->out;
        return LX_OK;
    }
    int32_t mt = req->max_transfers < 0 ? q->pl->opts.max_transfers : req->max_transfers;
    if (mt > LX_PLAN_MAX_TRANSFERS)
        mt = LX_PLAN_MAX_TRANSFERS;
    q->kmax = (uint32_t)mt + 1;
    q->nomem = 0;
    q->n_ban = 0;
    for (uint32_t attempt = 0;; attempt++) {
        run_search(q, req);
        if (q->nomem)
            return LX_NOMEM;
        if (!req->leg_ok || !check_legs(q, req) || attempt == LX_PLAN_MAX_RETRIES)
            break;
        if (q->nomem)
            return LX_NOMEM;
    }
    /* drop refused and dominated journeys (and repeats), then sort */
    uint32_t m = 0;
    for (uint32_t i = 0; i < q->n_jr; i++) {
        /* a range search answers for departures within its window only (a run of the
         * rounds may find a train of the next day, when nothing earlier goes) */
        int drop = q->jr[i].refused || (req->window_seconds > 0 &&
                                        q->jr[i].departure > req->time + req->window_seconds);
        for (uint32_t j = 0; j < q->n_jr && !drop; j++) {
            if (j == i || q->jr[j].refused || !dominates(&q->jr[j], &q->jr[i]) ||
                (req->window_seconds > 0 && q->jr[j].departure > req->time + req->window_seconds))
                continue;
            int same = dominates(&q->jr[i], &q->jr[j]);
            drop = !same || j < i;
        }
        if (!drop)
            q->jr[m++] = q->jr[i];
    }
    q->n_jr = m;
    if (q->n_jr > 1) /* (no journey: q->jr may be NULL, which qsort must not see) */
        qsort(q->jr, q->n_jr, sizeof *q->jr, jr_cmp);
    if (!grow((void **)&q->out, &q->cap_out, q->n_jr + 1, sizeof *q->out))
        return LX_NOMEM;
    for (uint32_t i = 0; i < q->n_jr; i++) {
        const plan_jr *j = &q->jr[i];
        q->out[i] = (lx_plan_journey){j->departure,   j->arrival,        j->n_legs,
                                      j->n_transfers, q->legs + j->leg0, q->tf + j->leg0};
    }
    *out = q->out;
    *n = q->n_jr;
    return LX_OK;
}
