/* lanxang: the journey planner (RAPTOR over every feed of a network).
 *
 * A lx_plan is built once from a lx_net (lx_plan_create) and is read-only afterwards:
 * any number of threads may search it at once, each with its own lx_plan_query, the
 * scratch memory of the rounds, allocated once and reused from one search to the
 * next. The network must outlive the plan. How the rounds work and how the data is
 * laid out is told in docs/design.md ("The journey planner") and at the top of
 * src/core/plan.c.
 *
 * A search answers with the Pareto set of journeys over (arrival, number of changes)
 * for one departure instant; over (departure, arrival, changes) for a departure
 * window (the "range" search); over (departure, changes) for an arrive-by search.
 * Journeys are made of legs (lx_net_leg: feed, trip, service day, from and to stop
 * time) joined by transfers (a change of train at one station, a walk between two, or
 * an in-seat continuation, when the same coach goes on as another trip).
 */
#ifndef LANXANG_PLAN_H
#define LANXANG_PLAN_H

#include "lanxang/error.h"
#include "lanxang/net.h"
#include "lanxang/time.h"
#include <stddef.h>
#include <stdint.h>

typedef struct lx_plan lx_plan;
typedef struct lx_plan_query lx_plan_query;

#define LX_PLAN_MAX_TRANSFERS 15

typedef struct {
    int32_t min_change_seconds;   /* change of train at one station, unless transfers.txt
                                     or lx_stations.txt min_change_time says otherwise
                                     (default 600) */
    int32_t border_seconds;       /* added to a change where the journey crosses a border,
                                     unless the station's lx_stations.txt border_time says
                                     otherwise (default 3600) */
    int32_t link_meters;          /* stations of two feeds with the same name at most this
                                     far apart are one place (default 500) */
    int32_t walk_mm_per_s;        /* walking speed for links and footpaths (default 1200) */
    int32_t max_transfers;        /* default changes per search, <= LX_PLAN_MAX_TRANSFERS
                                     (default 5) */
    int32_t max_duration_seconds; /* journeys ending later than this after the departure
                                     (or starting earlier than this before an arrive-by
                                     time) are not looked for (default 2 days) */
    int32_t slack_seconds;        /* journeys taking longer than max(2 x the fastest, the
                                     fastest + slack) are not answered (default 7200) */
} lx_plan_opts;

/* The defaults above. */
void lx_plan_opts_init(lx_plan_opts *opts);

/* Builds the planner's data from every feed of net (opts NULL: defaults). LX_INVAL on
 * an option out of range, LX_TOOBIG beyond 2^27 stops in all, LX_NOMEM. *out is NULL
 * on error. */
lx_err lx_plan_create(const lx_net *net, const lx_plan_opts *opts, lx_plan **out);
void lx_plan_destroy(lx_plan *plan);
const lx_plan_opts *lx_plan_get_opts(const lx_plan *plan);

/* Scratch memory of the searches of one thread. */
lx_err lx_plan_query_create(const lx_plan *plan, lx_plan_query **out);
void lx_plan_query_destroy(lx_plan_query *q);

/* A seat-aware filter: nonzero when the leg may be sold (e.g. it has a free seat in
 * the asked class). See lx_plan_request.leg_ok. */
typedef int (*lx_plan_leg_ok)(void *arg, const lx_net_leg *leg);

typedef struct {
    const lx_place *from; /* origins: a parent station stands for its platforms */
    uint32_t n_from;
    const lx_place *to; /* destinations, the same */
    uint32_t n_to;
    lx_instant_t time;      /* depart at or after; with arrive_by: arrive at or before */
    int32_t window_seconds; /* > 0: every departure in [time, time + window] (range) */
    int arrive_by;          /* latest departures arriving by `time` (no window) */
    int32_t max_transfers;  /* < 0: the plan's default */
    /* When set, every leg of every journey answered has passed leg_ok. A refused leg
     * is banned (that run of that trip, boarded at that stop) and the search runs
     * again, at most LX_PLAN_MAX_RETRIES times; journeys still holding a refused leg
     * after that are dropped. */
    lx_plan_leg_ok leg_ok;
    void *leg_arg;
} lx_plan_request;

#define LX_PLAN_MAX_RETRIES 8

/* What joins legs[i] and legs[i + 1] of a journey. */
typedef struct {
    lx_place from, to;   /* where legs[i] ends and legs[i + 1] starts */
    int32_t min_seconds; /* the shortest change or walk allowed there,
                            border control included */
    uint8_t in_seat;     /* the passenger stays on board (transfer type 4) */
    uint8_t border;      /* border control is part of this change */
} lx_plan_transfer;

typedef struct {
    lx_instant_t departure; /* of the first leg */
    lx_instant_t arrival;   /* of the last leg */
    uint32_t n_legs;
    uint32_t n_transfers;              /* changes of train: in-seat continuations not counted */
    const lx_net_leg *legs;            /* n_legs legs in travel order */
    const lx_plan_transfer *transfers; /* n_legs - 1 */
} lx_plan_journey;

/* Searches. On LX_OK *out points to *n journeys sorted by departure, then arrival,
 * then changes; they (and their legs and transfers) belong to q and are valid until
 * the next search on q or lx_plan_query_destroy. No journey is LX_OK with *n = 0.
 * LX_INVAL: no origin or destination, a place out of range, a window with arrive_by,
 * a window longer than a day. LX_NOMEM. */
lx_err lx_plan_search(lx_plan_query *q, const lx_plan_request *req, const lx_plan_journey **out,
                      uint32_t *n);

/* Counts of the planner's data, for reports and the benchmark. */
typedef struct {
    uint32_t stops, patterns, pattern_trips, footpaths, trip_rules;
    size_t bytes;
} lx_plan_stats;
void lx_plan_get_stats(const lx_plan *plan, lx_plan_stats *out);

#endif
