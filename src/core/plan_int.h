/* The inside of a lx_plan, shared by its builder (plan_build.c) and the searches
 * (plan.c). The layout and the reasons for it are told at the top of plan.c. */
#ifndef LX_CORE_PLAN_INT_H
#define LX_CORE_PLAN_INT_H

#include "lanxang/plan.h"

/* Position flags of a pattern stop (plan_dir.pflag). */
enum {
    PF_BOARD = 1,     /* passengers may board here (pickup_type != 1, not the last stop) */
    PF_ALIGHT = 2,    /* passengers may alight here (drop_off_type != 1, not the first) */
    PF_BORDER_IN = 4, /* the stop before is in another country */
    PF_BORDER_OUT = 8 /* the stop after is in another country */
};

/* Transfer rules between two trips (transfers.txt rows naming both trips). */
enum {
    RULE_GUARANTEED = 1, /* type 1 or 2: this change needs only `seconds` */
    RULE_FORBIDDEN = 3,  /* type 3 */
    RULE_IN_SEAT = 4     /* type 4: the passenger stays on board */
};

/* A route pattern: trips of one feed with the same stops and the same pickup and
 * drop-off rules, sorted so that no trip overtakes another (FIFO): the k-th trip
 * departs no earlier than the (k-1)-th at every stop. */
typedef struct {
    uint32_t feed;
    uint32_t n_stops, n_trips;
    uint32_t stop0; /* into pstop and pflag */
    uint32_t trip0; /* into ptrip */
    uint32_t time0; /* into blk: the pattern's block (see plan_dir) */
} plan_pattern;

/* One run of a pattern: a trip, shifted by `offset` seconds for a frequency run. */
typedef struct {
    uint32_t trip;    /* the feed's trip index */
    uint32_t service; /* the feed's service index */
    int32_t offset;
} plan_ptrip;

typedef struct {
    uint32_t at_stop;  /* global stop where the from-trip is left */
    uint32_t to_stop;  /* global stop where the to-trip is boarded */
    uint32_t to_gtrip; /* global trip boarded */
    int32_t seconds;
    uint8_t type; /* RULE_ */
} plan_rule;

/* The data of one search direction. The backward direction is the forward one seen
 * in a mirror: every pattern reversed, every time negated, boarding and alighting
 * swapped, footpaths and trip rules turned around. An arrive-by search is then the
 * same rounds as an earliest-arrival search, on the mirrored data. */
typedef struct {
    plan_pattern *pat;
    uint32_t n_pat;
    uint32_t *pstop; /* global stop of each pattern position */
    uint8_t *pflag;  /* PF_ flags of each pattern position */
    /* One block per pattern, so that a scan reads one stream of memory: n_stops words
     * (global stop | PF_ flags << PSTOP_BITS), then the arrival times, then the
     * departure times, each n_stops columns of n_trips service-day times (a column per
     * stop position, so that a boarding search is a binary search in one column). */
    int32_t *blk;
    plan_ptrip *ptrip;
    uint32_t n_ptrip;
    uint32_t *sp_first; /* n_stops + 1: the (pattern, position) pairs of a stop
                           where one may board (PF_BOARD) */
    uint32_t *sp_pat, *sp_pos;
    uint32_t *sp_svc;   /* lx_plan.pat_svc of sp_pat, beside it for the rounds' queue */
    int32_t *sp_dep;    /* 2 per pair: the pattern's first and last departure there
                           (service-day times), so the queue can tell, without reading
                           the pattern, that no run can be boarded in a window */
    /* sp_ix, parallel to the pairs (same sp_first ranges): a stop's pairs with
     * several departure times first, then from sp_one[s] on those with a single one,
     * sorted by it, so that the queue finds those leaving in a window by binary
     * search; each entry holds all the queue reads of the pair (its sp_dep, sp_pat,
     * sp_svc, sp_pos) in one record */
    struct plan_spix {
        int32_t dep, dep1; /* sp_dep: first and last departure (equal from sp_one on) */
        uint32_t pat, svc; /* svc: sp_svc, lx_plan.n_gsvc for LX_NONE (a query's
                              svc_days has all days set there) */
        uint32_t pos;
    } *sp_ix;
    uint32_t *sp_one;
    int32_t dep_min, dep_max; /* the least and greatest of all sp_dep */
    uint32_t *fp_first; /* n_stops + 1: footpaths from a stop (not to itself) */
    uint32_t *fp_to;
    int32_t *fp_sec;
    uint32_t n_fp;
    uint32_t *rule_first; /* n_gtrips + 1: rules by the trip left */
    plan_rule *rule;
    uint32_t n_rule;
    uint32_t *gtrip_pat, *gtrip_slot; /* global trip -> pattern and slot (LX_NONE) */
    /* The stop graph, reversed, for lower bounds: the edges u -> v into each stop v
     * (lb_from[i] = u for i in lb_first[v] .. lb_first[v + 1]), weighted with the
     * least time any trip takes from u to v (or the walk, or 0 for a trip rule). */
    uint32_t *lb_first, *lb_from;
    int32_t *lb_w;
    uint32_t n_lb;
} plan_dir;

typedef struct plan_spix plan_spix;

struct lx_plan {
    const lx_net *net;
    lx_plan_opts opts;
    uint32_t n_feeds;
    uint32_t *feed_stop0; /* n_feeds + 1: global stop = feed_stop0[f] + station */
    uint32_t *feed_trip0; /* n_feeds + 1: global trip = feed_trip0[f] + trip */
    uint32_t n_stops, n_gtrips;
    uint32_t *stop_feed;    /* feed of a global stop */
    uint16_t *country;      /* two ASCII letters packed, 0 unknown */
    int32_t *change;        /* minimum change time at a stop, -1: no change there (from
                               transfers.txt, else lx_stations.txt min_change_time of the
                               stop or its parent, else opts.min_change_seconds) */
    int32_t *border;        /* border control time for a change at a stop across a
                               border (lx_stations.txt border_time of the stop or its
                               parent, else opts.border_seconds) */
    uint32_t *comp;         /* connected part of the network a stop belongs to (trains,
                               footpaths and trip rules, either direction) */
    uint32_t max_span_days; /* the longest trip's days past its service day, any feed */
    uint32_t max_pat_stops;
    int has_forbidden; /* some trip rule restricts changes: RULE_FORBIDDEN, or a
                          RULE_GUARANTEED with a minimum time (type 2) */
    /* Services: global service = feed_svc0[feed] + the feed's service index. pat_svc[p]
     * is the one service every run of pattern p (either direction: the mirror keeps
     * the pattern indices) runs on, LX_NONE when its runs have several. A search
     * skips a pattern whose service runs on none of the days it looks at. */
    uint32_t *feed_svc0; /* n_feeds + 1 */
    uint32_t n_gsvc;
    uint32_t *pat_svc;
    plan_dir dir[2]; /* 0 forward, 1 backward (mirrored) */
    /* Lines, for a lower bound on the trips a journey still needs (plan.c, pruning
     * (8)). A place is a set of stops joined by footpaths or trip rules (either way);
     * a line is a set of routes whose patterns share a pattern or an in-seat rule.
     * Riding any one trip, in-seat continuations included, takes a passenger from a
     * place of one line to another place of the same line, so the fewest line hops
     * from a place to a destination's place bound the trips from there. n_lines = 0:
     * no bound (lines so many that the search per query would cost more than it
     * saves). */
    uint32_t n_places, *place; /* place of each stop */
    uint32_t n_lines;
    uint32_t *line_first, *line_place;  /* n_lines + 1: the places of each line */
    uint32_t *place_first, *place_line; /* n_places + 1: the lines through each place */
};

#define PSTOP_BITS 27
#define PSTOP_MASK ((1u << PSTOP_BITS) - 1)

/* Whether a rule restricts a change: forbidden, or with a minimum time (type 2), a
 * change sooner than which is refused (plan.c, forbidden()). */
static inline int rule_restricts(uint8_t type, int32_t seconds)
{
    return type == RULE_FORBIDDEN || (type == RULE_GUARANTEED && seconds > 0);
}

static inline const uint32_t *pat_sf(const plan_dir *d, const plan_pattern *pt)
{
    return (const uint32_t *)(d->blk + pt->time0);
}
static inline const lx_time_t *pat_arr(const plan_dir *d, const plan_pattern *pt)
{
    return d->blk + pt->time0 + pt->n_stops;
}
static inline const lx_time_t *pat_dep(const plan_dir *d, const plan_pattern *pt)
{
    return d->blk + pt->time0 + pt->n_stops + (size_t)pt->n_stops * pt->n_trips;
}

/* Builder helpers (plan_build.c) */
void lx_plan_dir_free(plan_dir *d);

#endif
